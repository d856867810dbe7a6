/* SPDX-License-Identifier: BSD-2-Clause */
/* test_entry.c — the stored form of a listing: key layout and order, value round trips, malformed values refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"
#include "base/err.h"
#include "store/entry.h"

static cidr_t net_of(const char *text)
{
	cidr_t c;
	assert_int_equal(cidr_parse(text, &c), RBL_OK);
	return c;
}

/* An entry with every field set to something that shows if it is lost or swapped. */
static void full_entry(entry_t *e)
{
	memset(e, 0, sizeof *e);
	e->net = net_of("192.0.2.0/24");
	e->flags = ENTRY_EXCLUDE | ENTRY_NOTEXT;
	e->ncodes = ENTRY_MAX_CODES;
	for (unsigned i = 0; i < ENTRY_MAX_CODES; i++)
		e->codes[i] = 0x7f000000u | (i + 2) << 16 | (i * 7) << 8 | (i + 100);
	e->created = 1700000000;
	e->updated = 1700000123;
	e->expires = 1800000000;
	e->evidence = 0x123456789abcull;
	snprintf(e->reason, sizeof e->reason, "open relay, probe %d", 17);
	snprintf(e->source, sizeof e->source, "rbltool probe");
}

/* Encodes e into an exactly-sized heap copy (so a read past it trips ASan) and returns its length. */
static size_t encoded(const entry_t *e, uint8_t **value)
{
	uint8_t buf[ENTRY_ENCODED_MAX];
	size_t len = entry_encode(e, buf);
	assert_true(len > 0 && len <= ENTRY_ENCODED_MAX);
	*value = malloc(len);
	assert_non_null(*value);
	memcpy(*value, buf, len);
	return len;
}

static void assert_entries_equal(const entry_t *a, const entry_t *b)
{
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->ncodes, b->ncodes);
	for (unsigned i = 0; i < a->ncodes; i++)
		assert_int_equal(a->codes[i], b->codes[i]);
	assert_true(a->created == b->created);
	assert_true(a->updated == b->updated);
	assert_true(a->expires == b->expires);
	assert_true(a->evidence == b->evidence);
	assert_string_equal(a->reason, b->reason);
	assert_string_equal(a->source, b->source);
}

static void round_trip(const entry_t *e)
{
	uint8_t *value;
	size_t len = encoded(e, &value);
	entry_t back;
	memset(&back, 0xee, sizeof back);
	back.reason[0] = back.source[0] = '\0';
	assert_int_equal(entry_decode(value, len, &back), RBL_OK);
	assert_entries_equal(e, &back);
	free(value);
}

/* --- keys */

static void test_ipv4_key_is_zone_family_network_and_length(void **state)
{
	(void)state;
	cidr_t net = net_of("198.51.100.0/22");
	uint8_t key[ENTRY_KEY_MAX];
	assert_int_equal(entry_key(0x01020304u, &net, key), 10);
	static const uint8_t expected[] = {0x01, 0x02, 0x03, 0x04, ADDR_V4, 198, 51, 100, 0, 22};
	assert_memory_equal(key, expected, sizeof expected);
}

static void test_ipv6_key_is_zone_family_network_and_length(void **state)
{
	(void)state;
	cidr_t net = net_of("2001:db8:ff00::/40");
	uint8_t key[ENTRY_KEY_MAX];
	assert_int_equal(entry_key(7, &net, key), ENTRY_KEY_MAX);
	static const uint8_t expected[] = {0, 0, 0, 7, ADDR_V6, 0x20, 0x01, 0x0d, 0xb8, 0xff, 0,
	                                   0, 0, 0, 0, 0,       0,    0,    0,    0,    0,    40};
	assert_memory_equal(key, expected, sizeof expected);
}

static void test_key_decode_inverts_key_for_both_families_and_every_length_edge(void **state)
{
	(void)state;
	static const char *const nets[] = {"0.0.0.0/0",
	                                   "10.0.0.0/8",
	                                   "192.0.2.128/25",
	                                   "203.0.113.7",
	                                   "::/0",
	                                   "2001:db8::/32",
	                                   "2001:db8::1",
	                                   "fe80::/10",
	                                   "255.255.255.255/32",
	                                   "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"};
	for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++) {
		cidr_t net = net_of(nets[i]), back;
		uint8_t key[ENTRY_KEY_MAX];
		size_t len = entry_key(UINT32_MAX - (uint32_t)i, &net, key);
		uint32_t zone = 0;
		memset(&back, 0xa5, sizeof back);
		assert_int_equal(entry_key_decode(key, len, &zone, &back), RBL_OK);
		assert_int_equal(zone, UINT32_MAX - (uint32_t)i);
		assert_int_equal(back.addr.family, net.addr.family);
		assert_int_equal(back.len, net.len);
		assert_memory_equal(back.addr.b, net.addr.b, 16); /* bytes past the family's size come back zero */
	}
}

static void test_key_of_wrong_length_is_einval(void **state)
{
	(void)state;
	cidr_t net = net_of("192.0.2.0/24");
	uint8_t key[ENTRY_KEY_MAX + 1] = {0};
	entry_key(1, &net, key);
	uint32_t zone;
	cidr_t back;
	static const size_t lengths[] = {0, 5, 9, 11, 16, 21, 23};
	for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++)
		assert_int_equal(entry_key_decode(key, lengths[i], &zone, &back), RBL_EINVAL);
}

static void test_key_whose_family_disagrees_with_its_length_is_einval(void **state)
{
	(void)state;
	uint32_t zone;
	cidr_t back;
	cidr_t v4 = net_of("192.0.2.0/24"), v6 = net_of("2001:db8::/32");
	uint8_t key[ENTRY_KEY_MAX];

	size_t len = entry_key(1, &v4, key);
	key[4] = ADDR_V6; /* 4 address bytes labelled IPv6 */
	assert_int_equal(entry_key_decode(key, len, &zone, &back), RBL_EINVAL);
	key[4] = 5; /* no such family */
	assert_int_equal(entry_key_decode(key, len, &zone, &back), RBL_EINVAL);

	len = entry_key(1, &v6, key);
	key[4] = ADDR_V4; /* 16 address bytes labelled IPv4 */
	assert_int_equal(entry_key_decode(key, len, &zone, &back), RBL_EINVAL);
}

static void test_key_with_prefix_longer_than_the_family_is_einval(void **state)
{
	(void)state;
	uint32_t zone;
	cidr_t back;
	uint8_t key[ENTRY_KEY_MAX];
	cidr_t v4 = net_of("192.0.2.1"), v6 = net_of("2001:db8::1");

	size_t len = entry_key(1, &v4, key);
	key[len - 1] = 33;
	assert_int_equal(entry_key_decode(key, len, &zone, &back), RBL_EINVAL);
	key[len - 1] = 32;
	assert_int_equal(entry_key_decode(key, len, &zone, &back), RBL_OK);

	len = entry_key(1, &v6, key);
	key[len - 1] = 129;
	assert_int_equal(entry_key_decode(key, len, &zone, &back), RBL_EINVAL);
	key[len - 1] = 128;
	assert_int_equal(entry_key_decode(key, len, &zone, &back), RBL_OK);
}

/* memcmp order of two keys, as LMDB's default comparison sees them (shorter key first on a common prefix). */
static int key_cmp(uint32_t za, const char *a, uint32_t zb, const char *b)
{
	cidr_t na = net_of(a), nb = net_of(b);
	uint8_t ka[ENTRY_KEY_MAX], kb[ENTRY_KEY_MAX];
	size_t la = entry_key(za, &na, ka), lb = entry_key(zb, &nb, kb);
	int c = memcmp(ka, kb, la < lb ? la : lb);
	return c ? c : (la > lb) - (la < lb);
}

static void test_keys_sort_by_zone_then_family_then_address_covering_prefix_first(void **state)
{
	(void)state;
	/* A zone's entries are contiguous, whatever the addresses. */
	assert_true(key_cmp(1, "255.255.255.255", 2, "0.0.0.0/0") < 0);
	assert_true(key_cmp(1, "ffff::/16", 2, "0.0.0.0") < 0);
	assert_true(key_cmp(255, "10.0.0.0/8", 256, "10.0.0.0/8") < 0); /* big-endian: 0x000000ff before 0x00000100 */
	/* IPv4 before IPv6 within a zone. */
	assert_true(key_cmp(1, "255.255.255.255", 1, "::/0") < 0);
	/* Address order. */
	assert_true(key_cmp(1, "10.0.0.255", 1, "10.0.1.0") < 0);
	assert_true(key_cmp(1, "2001:db8::ffff", 1, "2001:db8::1:0") < 0);
	/* A covering prefix comes before the prefixes it covers. */
	assert_true(key_cmp(1, "10.0.0.0/8", 1, "10.0.0.0/16") < 0);
	assert_true(key_cmp(1, "10.0.0.0/16", 1, "10.0.0.0") < 0);
	assert_true(key_cmp(1, "10.0.0.0/8", 1, "10.0.0.1") < 0);
	assert_true(key_cmp(1, "2001:db8::/32", 1, "2001:db8::/64") < 0);
}

/* --- values */

static void test_full_entry_round_trips(void **state)
{
	(void)state;
	entry_t e;
	full_entry(&e);
	round_trip(&e);
}

static void test_bare_listing_round_trips_with_default_code_and_empty_texts(void **state)
{
	(void)state;
	entry_t e;
	memset(&e, 0, sizeof e);
	e.net = net_of("203.0.113.9");
	round_trip(&e);
	e.flags = ENTRY_EXCLUDE;
	round_trip(&e);
}

static void test_every_code_in_127_8_round_trips(void **state)
{
	(void)state;
	static const uint32_t codes[] = {0x7f000000u, 0x7f000001u, 0x7f000002u, 0x7f0000ffu,
	                                 0x7f00ff00u, 0x7fff0000u, 0x7f123456u, 0x7fffffffu};
	entry_t e;
	memset(&e, 0, sizeof e);
	e.ncodes = 8;
	memcpy(e.codes, codes, sizeof codes);
	round_trip(&e);
	for (unsigned n = 1; n < ENTRY_MAX_CODES; n++) {
		e.ncodes = (uint8_t)n;
		round_trip(&e);
	}
}

static void test_times_and_evidence_round_trip_at_their_extremes(void **state)
{
	(void)state;
	entry_t e;
	full_entry(&e);
	e.created = 0;
	e.updated = 0;
	e.expires = 0;  /* never */
	e.evidence = 0; /* none */
	round_trip(&e);
	e.created = 1;
	e.updated = INT64_MAX;
	e.expires = INT64_MAX;
	e.evidence = UINT64_MAX;
	round_trip(&e);
	e.created = 4102444800; /* 2100-01-01, past 2^31 */
	e.updated = e.created;
	e.expires = e.created + 1;
	e.evidence = 1;
	round_trip(&e);
}

static void test_longest_reason_and_source_round_trip_within_the_encoded_bound(void **state)
{
	(void)state;
	entry_t e;
	full_entry(&e);
	memset(e.reason, 'r', ENTRY_TEXT_MAX - 1);
	e.reason[ENTRY_TEXT_MAX - 1] = '\0';
	memset(e.source, 's', ENTRY_SOURCE_MAX - 1);
	e.source[ENTRY_SOURCE_MAX - 1] = '\0';
	e.created = INT64_MAX;
	e.updated = INT64_MAX;
	e.expires = INT64_MAX;
	e.evidence = UINT64_MAX;
	uint8_t *value;
	size_t len = encoded(&e, &value); /* asserts len <= ENTRY_ENCODED_MAX */
	entry_t back;
	memset(&back, 0, sizeof back);
	assert_int_equal(entry_decode(value, len, &back), RBL_OK);
	assert_entries_equal(&e, &back);
	free(value);
}

static void test_decode_leaves_the_network_alone(void **state)
{
	(void)state;
	entry_t e, back;
	full_entry(&e);
	uint8_t *value;
	size_t len = encoded(&e, &value);
	memset(&back, 0, sizeof back);
	back.net = net_of("2001:db8::/48");
	cidr_t before = back.net;
	assert_int_equal(entry_decode(value, len, &back), RBL_OK);
	assert_memory_equal(&back.net, &before, sizeof before);
	free(value);
}

static void test_every_truncation_of_a_value_is_einval(void **state)
{
	(void)state;
	entry_t e;
	full_entry(&e);
	uint8_t *value;
	size_t len = encoded(&e, &value);
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *part = malloc(cut ? cut : 1);
		assert_non_null(part);
		memcpy(part, value, cut);
		entry_t back;
		assert_int_equal(entry_decode(part, cut, &back), RBL_EINVAL);
		free(part);
	}
	free(value);
}

static void test_trailing_bytes_after_a_value_are_einval(void **state)
{
	(void)state;
	entry_t e;
	full_entry(&e);
	uint8_t buf[ENTRY_ENCODED_MAX + 1];
	size_t len = entry_encode(&e, buf);
	buf[len] = 0;
	entry_t back;
	assert_int_equal(entry_decode(buf, len + 1, &back), RBL_EINVAL);
}

static void test_more_codes_than_an_entry_holds_is_einval(void **state)
{
	(void)state;
	entry_t e;
	full_entry(&e);
	uint8_t buf[ENTRY_ENCODED_MAX + 8];
	size_t len = entry_encode(&e, buf);
	assert_int_equal(buf[2], ENTRY_MAX_CODES); /* encoding | flags | ncodes */
	buf[2] = ENTRY_MAX_CODES + 1;
	entry_t back;
	assert_int_equal(entry_decode(buf, len, &back), RBL_EINVAL);
	buf[2] = 0xff;
	assert_int_equal(entry_decode(buf, len, &back), RBL_EINVAL);
	const char *text;
	size_t text_len;
	assert_int_equal(entry_reason_view(buf, len, &text, &text_len), RBL_EINVAL);
}

static void test_value_from_a_newer_encoding_is_eversion(void **state)
{
	(void)state;
	entry_t e;
	full_entry(&e);
	uint8_t buf[ENTRY_ENCODED_MAX];
	size_t len = entry_encode(&e, buf);
	buf[0]++;
	entry_t back;
	assert_int_equal(entry_decode(buf, len, &back), RBL_EVERSION);
	const char *text;
	size_t text_len;
	assert_int_equal(entry_reason_view(buf, len, &text, &text_len), RBL_EVERSION);
}

static void test_stored_reason_longer_than_the_entry_holds_is_einval(void **state)
{
	(void)state;
	/* A value whose reason is ENTRY_TEXT_MAX bytes, one more than the entry holds with its NUL: the fields of an
	 * empty entry (encoding, flags, ncodes, four one-byte varints), then the long reason, then an empty source. */
	static uint8_t buf[ENTRY_ENCODED_MAX + 16];
	entry_t e;
	memset(&e, 0, sizeof e);
	assert_int_equal(entry_encode(&e, buf), 3 + 4 + 2);
	codec_writer_t w = {buf, 3 + 4};
	char reason[ENTRY_TEXT_MAX + 1];
	memset(reason, 'x', ENTRY_TEXT_MAX);
	reason[ENTRY_TEXT_MAX] = '\0';
	codec_put_vstr(&w, reason);
	codec_put_vstr(&w, "");
	entry_t back;
	assert_int_equal(entry_decode(buf, w.len, &back), RBL_EINVAL);
	assert_true(strlen(back.reason) < sizeof back.reason);
}

/* Encoding 1: fixed-width codes and times, 2-byte string lengths. Values written by older rbltool are still read. */
static size_t encode_v1(const entry_t *e, uint8_t *buf)
{
	codec_writer_t w = {buf, 0};
	codec_put_u8(&w, 1);
	codec_put_u8(&w, e->flags);
	codec_put_u8(&w, e->ncodes);
	for (unsigned i = 0; i < e->ncodes; i++)
		codec_put_u32(&w, e->codes[i]);
	codec_put_u64(&w, (uint64_t)e->created);
	codec_put_u64(&w, (uint64_t)e->updated);
	codec_put_u64(&w, (uint64_t)e->expires);
	codec_put_u64(&w, e->evidence);
	codec_put_str(&w, e->reason);
	codec_put_str(&w, e->source);
	return w.len;
}

static void test_values_of_the_older_encoding_are_still_read(void **state)
{
	(void)state;
	entry_t e, back;
	full_entry(&e);
	uint8_t buf[ENTRY_ENCODED_MAX];
	size_t len = encode_v1(&e, buf);
	memset(&back, 0, sizeof back);
	assert_int_equal(entry_decode(buf, len, &back), RBL_OK);
	assert_entries_equal(&e, &back);

	const char *text;
	size_t text_len;
	assert_int_equal(entry_reason_view(buf, len, &text, &text_len), RBL_OK);
	assert_int_equal(text_len, strlen(e.reason));
	assert_memory_equal(text, e.reason, text_len);
	assert_true((const uint8_t *)text > buf && (const uint8_t *)text + text_len <= buf + len);

	for (size_t cut = 0; cut < len; cut++)
		assert_int_equal(entry_decode(buf, cut, &back), RBL_EINVAL);
}

static void test_reason_view_points_at_the_reason_inside_the_value(void **state)
{
	(void)state;
	entry_t e;
	full_entry(&e);
	uint8_t *value;
	size_t len = encoded(&e, &value);
	const char *text = NULL;
	size_t text_len = 0;
	assert_int_equal(entry_reason_view(value, len, &text, &text_len), RBL_OK);
	assert_int_equal(text_len, strlen(e.reason));
	assert_memory_equal(text, e.reason, text_len);
	assert_true((const uint8_t *)text > value && (const uint8_t *)text + text_len <= value + len);
	free(value);

	e.reason[0] = '\0';
	e.ncodes = 0;
	len = encoded(&e, &value);
	assert_int_equal(entry_reason_view(value, len, &text, &text_len), RBL_OK);
	assert_int_equal(text_len, 0);
	free(value);
}

static void test_reason_view_of_a_value_cut_inside_the_reason_is_einval(void **state)
{
	(void)state;
	entry_t e;
	full_entry(&e);
	e.source[0] = '\0';
	uint8_t *value;
	size_t len = encoded(&e, &value);
	size_t reason_end = len - 1; /* the source is one length byte */
	for (size_t cut = 0; cut < reason_end; cut++) {
		uint8_t *part = malloc(cut ? cut : 1);
		assert_non_null(part);
		memcpy(part, value, cut);
		const char *text;
		size_t text_len;
		assert_int_equal(entry_reason_view(part, cut, &text, &text_len), RBL_EINVAL);
		free(part);
	}
	free(value);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ipv4_key_is_zone_family_network_and_length),
	        cmocka_unit_test(test_ipv6_key_is_zone_family_network_and_length),
	        cmocka_unit_test(test_key_decode_inverts_key_for_both_families_and_every_length_edge),
	        cmocka_unit_test(test_key_of_wrong_length_is_einval),
	        cmocka_unit_test(test_key_whose_family_disagrees_with_its_length_is_einval),
	        cmocka_unit_test(test_key_with_prefix_longer_than_the_family_is_einval),
	        cmocka_unit_test(test_keys_sort_by_zone_then_family_then_address_covering_prefix_first),
	        cmocka_unit_test(test_full_entry_round_trips),
	        cmocka_unit_test(test_bare_listing_round_trips_with_default_code_and_empty_texts),
	        cmocka_unit_test(test_every_code_in_127_8_round_trips),
	        cmocka_unit_test(test_times_and_evidence_round_trip_at_their_extremes),
	        cmocka_unit_test(test_longest_reason_and_source_round_trip_within_the_encoded_bound),
	        cmocka_unit_test(test_decode_leaves_the_network_alone),
	        cmocka_unit_test(test_every_truncation_of_a_value_is_einval),
	        cmocka_unit_test(test_trailing_bytes_after_a_value_are_einval),
	        cmocka_unit_test(test_more_codes_than_an_entry_holds_is_einval),
	        cmocka_unit_test(test_value_from_a_newer_encoding_is_eversion),
	        cmocka_unit_test(test_stored_reason_longer_than_the_entry_holds_is_einval),
	        cmocka_unit_test(test_values_of_the_older_encoding_are_still_read),
	        cmocka_unit_test(test_reason_view_points_at_the_reason_inside_the_value),
	        cmocka_unit_test(test_reason_view_of_a_value_cut_inside_the_reason_is_einval),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
