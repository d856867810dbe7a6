/* SPDX-License-Identifier: BSD-2-Clause */
/* test_zone.c — zone definitions: defaults, the versioned encoding (round trips, bounds, refusals), 127/8 codes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "store/zone.h"

/* A definition with every field away from its default, so a lost or swapped field shows. */
static void configured_zone(zone_def_t *def)
{
	zone_def_init(def, "rbl.example", 1700000000);
	def->id = 0x01020304u;
	snprintf(def->mname, sizeof def->mname, "ns1.rbl.example");
	snprintf(def->rname, sizeof def->rname, "first\\.last.rbl.example");
	def->serial = 2024010101u;
	def->refresh = 7200;
	def->retry = 900;
	def->expire = 1209600;
	def->minimum = 60;
	def->ttl = 1800;
	def->default_code = 0x7f00000au;
	def->ns_count = 3;
	snprintf(def->ns[0], sizeof def->ns[0], "ns1.rbl.example");
	snprintf(def->ns[1], sizeof def->ns[1], "ns2.example.net");
	snprintf(def->ns[2], sizeof def->ns[2], "ns3.example.org");
	snprintf(def->txt, sizeof def->txt, "Listed: https://rbl.example/q?ip=$ ($$5 fee)");
	def->created = 1690000000;
	def->member_count = 2;
	def->members[0] = 7;
	def->members[1] = UINT32_MAX;
	def->entries = 123456789012ull;
	def->changed = 1700000123;
}

/* Encoding 4 appends the entry count and the last change time (8 bytes each) to encoding 3. */
#define ENCODING_4_TAIL 16

static void assert_defs_equal(const zone_def_t *a, const zone_def_t *b)
{
	assert_int_equal(a->id, b->id);
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->mname, b->mname);
	assert_string_equal(a->rname, b->rname);
	assert_int_equal(a->serial, b->serial);
	assert_int_equal(a->refresh, b->refresh);
	assert_int_equal(a->retry, b->retry);
	assert_int_equal(a->expire, b->expire);
	assert_int_equal(a->minimum, b->minimum);
	assert_int_equal(a->ttl, b->ttl);
	assert_int_equal(a->default_code, b->default_code);
	assert_int_equal(a->ns_count, b->ns_count);
	for (unsigned i = 0; i < a->ns_count; i++)
		assert_string_equal(a->ns[i], b->ns[i]);
	assert_string_equal(a->txt, b->txt);
	assert_true(a->created == b->created);
	assert_int_equal(a->member_count, b->member_count);
	for (unsigned i = 0; i < a->member_count; i++)
		assert_int_equal(a->members[i], b->members[i]);
}

/* Encodes def into an exactly-sized heap copy, so a read past the value trips ASan. */
static size_t encoded(const zone_def_t *def, uint8_t **value)
{
	static uint8_t buf[ZONE_ENCODED_MAX];
	size_t len = zone_encode(def, buf);
	assert_true(len > 0 && len <= ZONE_ENCODED_MAX);
	*value = malloc(len);
	assert_non_null(*value);
	memcpy(*value, buf, len);
	return len;
}

static void test_init_fills_the_documented_defaults(void **state)
{
	(void)state;
	zone_def_t def;
	memset(&def, 0xa5, sizeof def);
	zone_def_init(&def, "rbl.example", 1700000000);
	assert_string_equal(def.name, "rbl.example");
	assert_string_equal(def.mname, "localhost"); /* no NS yet */
	assert_string_equal(def.rname, "hostmaster.rbl.example");
	assert_int_equal(def.serial, 1700000000u);
	assert_true(def.created == 1700000000);
	assert_int_equal(def.refresh, ZONE_DEFAULT_REFRESH);
	assert_int_equal(def.retry, ZONE_DEFAULT_RETRY);
	assert_int_equal(def.expire, ZONE_DEFAULT_EXPIRE);
	assert_int_equal(def.minimum, ZONE_DEFAULT_MINIMUM);
	assert_int_equal(def.ttl, ZONE_DEFAULT_TTL);
	assert_int_equal(def.default_code, ZONE_DEFAULT_CODE);
	assert_string_equal(def.txt, ZONE_DEFAULT_TXT);
	assert_int_equal(def.id, 0);
	assert_int_equal(def.ns_count, 0);
	assert_int_equal(def.member_count, 0);
}

static void test_configured_definition_round_trips(void **state)
{
	(void)state;
	zone_def_t def, back;
	configured_zone(&def);
	uint8_t *value;
	size_t len = encoded(&def, &value);
	memset(&back, 0xa5, sizeof back);
	assert_int_equal(zone_decode(value, len, &back), RBL_OK);
	assert_defs_equal(&def, &back);
	assert_true(back.entries == def.entries);
	assert_true(back.changed == def.changed);
	free(value);
}

static void test_default_definition_round_trips(void **state)
{
	(void)state;
	zone_def_t def, back;
	zone_def_init(&def, "bl.example.org", 1);
	def.id = 1;
	uint8_t *value;
	size_t len = encoded(&def, &value);
	assert_int_equal(zone_decode(value, len, &back), RBL_OK);
	assert_defs_equal(&def, &back);
	free(value);
}

/* The largest definition there is: every name, NS slot, member slot and the template at their limits. */
static void largest_zone(zone_def_t *def)
{
	char name[DNAME_TEXTMAX];
	/* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 text bytes: the longest name (255 wire bytes). */
	memset(name, 'a', 253);
	name[63] = name[127] = name[191] = '.';
	name[253] = '\0';
	zone_def_init(def, name, INT64_MAX);
	def->id = UINT32_MAX;
	memcpy(def->mname, name, sizeof name);
	memcpy(def->rname, name, sizeof name);
	def->serial = def->refresh = def->retry = def->expire = def->minimum = def->ttl = UINT32_MAX;
	def->default_code = 0x7fffffffu;
	def->ns_count = ZONE_MAX_NS;
	for (unsigned i = 0; i < ZONE_MAX_NS; i++) {
		memcpy(def->ns[i], name, sizeof name);
		def->ns[i][0] = (char)('b' + i);
	}
	memset(def->txt, 't', ZONE_TXT_MAX - 1);
	def->txt[ZONE_TXT_MAX - 1] = '\0';
	def->member_count = ZONE_MAX_MEMBERS;
	for (unsigned i = 0; i < ZONE_MAX_MEMBERS; i++)
		def->members[i] = 1000 + i;
}

static void test_largest_definition_round_trips_within_the_encoded_bound(void **state)
{
	(void)state;
	static zone_def_t def, back;
	largest_zone(&def);
	uint8_t *value;
	size_t len = encoded(&def, &value); /* asserts len <= ZONE_ENCODED_MAX */
	assert_int_equal(zone_decode(value, len, &back), RBL_OK);
	assert_defs_equal(&def, &back);
	free(value);
}

static void test_every_truncation_of_a_value_is_einval(void **state)
{
	(void)state;
	zone_def_t def, back;
	configured_zone(&def);
	uint8_t *value;
	size_t len = encoded(&def, &value);
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *part = malloc(cut ? cut : 1);
		assert_non_null(part);
		memcpy(part, value, cut);
		assert_int_equal(zone_decode(part, cut, &back), RBL_EINVAL);
		free(part);
	}
	free(value);
}

static void test_trailing_bytes_after_a_value_are_einval(void **state)
{
	(void)state;
	zone_def_t def, back;
	configured_zone(&def);
	static uint8_t buf[ZONE_ENCODED_MAX + 1];
	size_t len = zone_encode(&def, buf);
	buf[len] = 0;
	assert_int_equal(zone_decode(buf, len + 1, &back), RBL_EINVAL);
}

static void test_value_from_a_newer_encoding_is_eversion(void **state)
{
	(void)state;
	zone_def_t def, back;
	configured_zone(&def);
	static uint8_t buf[ZONE_ENCODED_MAX];
	size_t len = zone_encode(&def, buf);
	buf[0]++;
	assert_int_equal(zone_decode(buf, len, &back), RBL_EVERSION);
	buf[0] = 0xff;
	assert_int_equal(zone_decode(buf, len, &back), RBL_EVERSION);
}

static void test_value_of_the_encoding_before_members_reads_as_no_members(void **state)
{
	(void)state;
	/* Encoding 1 is encoding 3 without the member count and list, and without the name servers' address counts
	 * that follow them (one a name server). */
	zone_def_t def, back;
	configured_zone(&def);
	def.member_count = 0;
	static uint8_t buf[ZONE_ENCODED_MAX];
	size_t len = zone_encode(&def, buf) - ENCODING_4_TAIL;
	size_t tail = 1 + def.ns_count;
	for (size_t i = len - tail; i < len; i++)
		assert_int_equal(buf[i], 0); /* the member count, then an address count of 0 per name server */
	buf[0] = 1;
	memset(&back, 0xa5, sizeof back);
	assert_int_equal(zone_decode(buf, len - tail, &back), RBL_OK);
	assert_defs_equal(&def, &back);
	assert_int_equal(back.member_count, 0);
	/* Before encoding 4 there is no count, and the last change reads as the creation. */
	assert_int_equal(back.entries, 0);
	assert_true(back.changed == def.created);
}

/* Offset of the NS count in the encoding of def: everything before it has a fixed or 2-byte-prefixed size. */
static size_t ns_count_offset(const zone_def_t *def)
{
	return 1 + 4 + 1 + (2 + strlen(def->name)) + (2 + strlen(def->mname)) + (2 + strlen(def->rname)) + 7 * 4 + 8 +
	       (2 + strlen(def->txt));
}

static void test_more_name_servers_than_a_zone_holds_is_einval(void **state)
{
	(void)state;
	zone_def_t def, back;
	configured_zone(&def);
	def.ns_count = 0;
	def.member_count = 0;
	static uint8_t buf[ZONE_ENCODED_MAX + 512];
	size_t len = zone_encode(&def, buf);
	size_t at = ns_count_offset(&def);
	assert_int_equal(len, at + 2 + ENCODING_4_TAIL); /* NS count 0, member count 0, entry count, last change */
	buf[0] = 2; /* the layout below is encoding 2's: no address counts after the members */
	/* Nine well-formed NS names where at most eight may be. */
	buf[at] = ZONE_MAX_NS + 1;
	size_t p = at + 1;
	for (unsigned i = 0; i < ZONE_MAX_NS + 1; i++) {
		buf[p++] = 0;
		buf[p++] = 3;
		memcpy(buf + p, "ns1", 3);
		p += 3;
	}
	buf[p++] = 0; /* member count */
	assert_int_equal(zone_decode(buf, p, &back), RBL_EINVAL);
	/* Eight is the limit, not a refusal: the same value cut to eight names decodes. */
	buf[at] = ZONE_MAX_NS;
	buf[at + 1 + ZONE_MAX_NS * 5] = 0; /* member count where the ninth name began */
	assert_int_equal(zone_decode(buf, at + 1 + ZONE_MAX_NS * 5 + 1, &back), RBL_OK);
	assert_int_equal(back.ns_count, ZONE_MAX_NS);
	assert_string_equal(back.ns[ZONE_MAX_NS - 1], "ns1");
}

static void test_more_members_than_an_aggregate_holds_is_einval(void **state)
{
	(void)state;
	zone_def_t def, back;
	configured_zone(&def);
	def.member_count = 0;
	static uint8_t buf[ZONE_ENCODED_MAX + 128];
	size_t count_at = zone_encode(&def, buf) - ENCODING_4_TAIL - 1 - def.ns_count, len = count_at + 1;
	buf[0] = 2; /* encoding 2: the member list is the end of the value */
	/* Seventeen member ids where at most sixteen may be. */
	buf[count_at] = ZONE_MAX_MEMBERS + 1;
	for (unsigned i = 0; i < ZONE_MAX_MEMBERS + 1; i++) {
		memset(buf + len, 0, 3);
		buf[len + 3] = (uint8_t)(i + 1);
		len += 4;
	}
	assert_int_equal(zone_decode(buf, len, &back), RBL_EINVAL);
	/* Sixteen is the limit, not a refusal. */
	buf[count_at] = ZONE_MAX_MEMBERS;
	assert_int_equal(zone_decode(buf, len - 4, &back), RBL_OK);
	assert_int_equal(back.member_count, ZONE_MAX_MEMBERS);
	assert_int_equal(back.members[ZONE_MAX_MEMBERS - 1], ZONE_MAX_MEMBERS);
}

static void test_name_server_addresses_round_trip_and_are_bounded(void **state)
{
	(void)state;
	zone_def_t def, back;
	configured_zone(&def);
	def.ns_count = 2;
	snprintf(def.ns[0], sizeof def.ns[0], "ns1.%.200s", def.name);
	snprintf(def.ns[1], sizeof def.ns[1], "ns.elsewhere.example");
	def.ns_addr_count[0] = 2;
	addr_parse("192.0.2.53", &def.ns_addr[0][0]);
	addr_parse("2001:db8::53", &def.ns_addr[0][1]);
	def.ns_addr_count[1] = 0;
	static uint8_t buf[ZONE_ENCODED_MAX];
	size_t len = zone_encode(&def, buf);
	assert_int_equal(zone_decode(buf, len, &back), RBL_OK);
	assert_int_equal(back.ns_addr_count[0], 2);
	assert_int_equal(back.ns_addr_count[1], 0);
	assert_int_equal(addr_cmp(&back.ns_addr[0][0], &def.ns_addr[0][0]), 0);
	assert_int_equal(back.ns_addr[0][1].family, ADDR_V6);
	assert_int_equal(addr_cmp(&back.ns_addr[0][1], &def.ns_addr[0][1]), 0);
	assert_true(zone_ns_in_zone(&back, 0));
	assert_false(zone_ns_in_zone(&back, 1));
	/* Every truncation fails. */
	for (size_t cut = len - 1; cut > len - 40; cut--)
		assert_int_equal(zone_decode(buf, cut, &back), RBL_EINVAL);
	/* An address count above ZONE_NS_ADDR_MAX, or an unknown family, is refused. */
	size_t first_count = len - ENCODING_4_TAIL - (1 + 4 + 1 + 16) - 1 - 1; /* ns 0: count, v4, v6; ns 1: count */
	assert_int_equal(buf[first_count], 2);
	buf[first_count] = ZONE_NS_ADDR_MAX + 1;
	assert_int_equal(zone_decode(buf, len, &back), RBL_EINVAL);
	buf[first_count] = 2;
	buf[first_count + 1] = 5; /* family */
	assert_int_equal(zone_decode(buf, len, &back), RBL_EINVAL);
}

static void test_name_server_inside_the_zone_is_on_a_label_boundary(void **state)
{
	(void)state;
	zone_def_t def;
	zone_def_init(&def, "rbl.example", 0);
	def.ns_count = 4;
	snprintf(def.ns[0], sizeof def.ns[0], "ns1.rbl.example");
	snprintf(def.ns[1], sizeof def.ns[1], "rbl.example");
	snprintf(def.ns[2], sizeof def.ns[2], "nsrbl.example");
	snprintf(def.ns[3], sizeof def.ns[3], "ns.example");
	assert_true(zone_ns_in_zone(&def, 0));
	assert_true(zone_ns_in_zone(&def, 1));
	assert_false(zone_ns_in_zone(&def, 2));
	assert_false(zone_ns_in_zone(&def, 3));
}

static void test_stored_name_longer_than_a_definition_holds_is_einval(void **state)
{
	(void)state;
	/* A value whose zone name is DNAME_TEXTMAX bytes: no room for its NUL. Built from a real encoding with the name
	 * swapped for the long one. */
	zone_def_t def, back;
	configured_zone(&def);
	static uint8_t good[ZONE_ENCODED_MAX], bad[ZONE_ENCODED_MAX + DNAME_TEXTMAX];
	size_t len = zone_encode(&def, good);
	size_t name_at = 1 + 4 + 1, name_len = strlen(def.name);
	memcpy(bad, good, name_at);
	bad[name_at] = DNAME_TEXTMAX >> 8;
	bad[name_at + 1] = DNAME_TEXTMAX & 0xff;
	memset(bad + name_at + 2, 'n', DNAME_TEXTMAX);
	size_t rest = name_at + 2 + name_len;
	memcpy(bad + name_at + 2 + DNAME_TEXTMAX, good + rest, len - rest);
	size_t bad_len = name_at + 2 + DNAME_TEXTMAX + len - rest;
	assert_int_equal(zone_decode(bad, bad_len, &back), RBL_EINVAL);
	assert_true(strlen(back.name) < sizeof back.name);
}

static void test_answer_codes_inside_127_8_parse_to_host_order(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		uint32_t code;
	} good[] = {
	        {"127.0.0.2", 0x7f000002u}, {"127.0.0.0", 0x7f000000u},       {"127.0.0.1", 0x7f000001u},
	        {"127.1.2.3", 0x7f010203u}, {"127.255.255.255", 0x7fffffffu},
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		uint32_t code = 0;
		assert_int_equal(zone_code_parse(good[i].text, &code), RBL_OK);
		assert_int_equal(code, good[i].code);
	}
}

static void test_addresses_outside_127_8_are_erange(void **state)
{
	(void)state;
	static const char *const outside[] = {"10.0.0.2", "126.255.255.255", "128.0.0.0",
	                                      "0.0.0.0",  "255.255.255.255", "192.0.2.1"};
	for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
		uint32_t code = 0;
		assert_int_equal(zone_code_parse(outside[i], &code), RBL_ERANGE);
	}
}

static void test_non_addresses_are_einval(void **state)
{
	(void)state;
	static const char *const junk[] = {"",           "localhost",  "127.0.0",     "127.0.0.2.1", "127.0.0.256",
	                                   " 127.0.0.2", "127.0.0.2 ", "127.0.0.2/8", "::1",         "::ffff:127.0.0.2",
	                                   "127.0.0.x",  "0x7f.0.0.2"};
	for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
		uint32_t code = 0;
		assert_int_equal(zone_code_parse(junk[i], &code), RBL_EINVAL);
	}
}

static void test_code_format_is_dotted_quad_and_parses_back(void **state)
{
	(void)state;
	char buf[ZONE_CODE_STRLEN];
	zone_code_format(0x7f000002u, buf);
	assert_string_equal(buf, "127.0.0.2");
	zone_code_format(0x7fffffffu, buf);
	assert_string_equal(buf, "127.255.255.255"); /* the longest: 15 bytes and the NUL */
	assert_int_equal(strlen(buf) + 1, ZONE_CODE_STRLEN);
	static const uint32_t codes[] = {0x7f000000u, 0x7f0a0b0cu, 0x7f800001u, ZONE_DEFAULT_CODE};
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		uint32_t back = 0;
		zone_code_format(codes[i], buf);
		assert_int_equal(zone_code_parse(buf, &back), RBL_OK);
		assert_int_equal(back, codes[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_init_fills_the_documented_defaults),
	        cmocka_unit_test(test_configured_definition_round_trips),
	        cmocka_unit_test(test_default_definition_round_trips),
	        cmocka_unit_test(test_largest_definition_round_trips_within_the_encoded_bound),
	        cmocka_unit_test(test_every_truncation_of_a_value_is_einval),
	        cmocka_unit_test(test_trailing_bytes_after_a_value_are_einval),
	        cmocka_unit_test(test_value_from_a_newer_encoding_is_eversion),
	        cmocka_unit_test(test_value_of_the_encoding_before_members_reads_as_no_members),
	        cmocka_unit_test(test_more_name_servers_than_a_zone_holds_is_einval),
	        cmocka_unit_test(test_more_members_than_an_aggregate_holds_is_einval),
	        cmocka_unit_test(test_name_server_addresses_round_trip_and_are_bounded),
	        cmocka_unit_test(test_name_server_inside_the_zone_is_on_a_label_boundary),
	        cmocka_unit_test(test_stored_name_longer_than_a_definition_holds_is_einval),
	        cmocka_unit_test(test_answer_codes_inside_127_8_parse_to_host_order),
	        cmocka_unit_test(test_addresses_outside_127_8_are_erange),
	        cmocka_unit_test(test_non_addresses_are_einval),
	        cmocka_unit_test(test_code_format_is_dotted_quad_and_parses_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
