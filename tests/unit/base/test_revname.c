/* SPDX-License-Identifier: BSD-2-Clause */
/* test_revname.c — reversed-address label sequences: what they denote, and the names formatted for addresses.
 *
 * Every label sequence is handed to revname_parse in a heap block of exactly its length, so AddressSanitizer fails
 * the test on any read past len. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/addr.h"
#include "base/err.h"
#include "base/revname.h"

/* Dotted text to wire labels (no root label) in a block of exactly *len bytes; the caller frees it. */
static uint8_t *labels_from_text(const char *text, size_t *len)
{
	size_t n = strlen(text);
	uint8_t *wire = malloc(n + 1);
	size_t pos = 0;

	assert_non_null(wire);
	if (n == 0) {
		*len = 0;
		return wire;
	}
	const char *start = text;
	for (;;) {
		const char *dot = strchr(start, '.');
		size_t label = dot ? (size_t)(dot - start) : strlen(start);
		assert_true(label > 0 && label < 64);
		wire[pos++] = (uint8_t)label;
		memcpy(wire + pos, start, label);
		pos += label;
		if (!dot)
			break;
		start = dot + 1;
	}
	*len = pos;
	return wire;
}

static revname_t parsed(const char *text)
{
	size_t len;
	uint8_t *wire = labels_from_text(text, &len);
	revname_t r;

	revname_parse(wire, len, &r);
	free(wire);
	return r;
}

static revname_t parsed_bytes(const uint8_t *bytes, size_t len)
{
	/* malloc(0) may return NULL; one spare byte keeps the pointer valid while len still bounds the read. */
	uint8_t *wire = malloc(len ? len : 1);
	revname_t r;

	assert_non_null(wire);
	if (len > 0)
		memcpy(wire, bytes, len);
	revname_parse(wire, len, &r);
	free(wire);
	return r;
}

static void assert_cidr_text(const cidr_t *c, const char *expected)
{
	char buf[ADDR_STRLEN];

	cidr_format(c, buf);
	assert_string_equal(buf, expected);
}

static void assert_neither(const revname_t *r)
{
	assert_false(r->v4_valid);
	assert_false(r->v6_valid);
	assert_false(r->v6_mapped);
}

static const char v6_host_name[] = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2";
static const char v6_mapped_name[] = "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0";

static void test_four_octets_name_an_ipv4_host(void **state)
{
	(void)state;
	revname_t r = parsed("2.0.0.127");

	assert_true(r.v4_valid);
	assert_int_equal(r.v4.addr.family, ADDR_V4);
	assert_cidr_text(&r.v4, "127.0.0.2/32");
	assert_false(r.v6_valid);
	assert_false(r.v6_mapped);
}

static void test_fewer_octets_name_an_ipv4_range(void **state)
{
	(void)state;
	revname_t r = parsed("0.127");

	assert_true(r.v4_valid);
	assert_cidr_text(&r.v4, "127.0.0.0/16");
	assert_false(r.v6_valid); /* "127" is not a nibble */
	r = parsed("127");
	assert_true(r.v4_valid);
	assert_cidr_text(&r.v4, "127.0.0.0/8");
	r = parsed("255.0.127");
	assert_true(r.v4_valid);
	assert_cidr_text(&r.v4, "127.0.255.0/24");
}

static void test_single_digit_labels_are_valid_for_both_families(void **state)
{
	(void)state;
	revname_t r = parsed("1.2");

	assert_true(r.v4_valid);
	assert_cidr_text(&r.v4, "2.1.0.0/16");
	assert_true(r.v6_valid);
	assert_cidr_text(&r.v6, "2100::/8");
	assert_false(r.v6_mapped);
	r = parsed("1");
	assert_true(r.v4_valid);
	assert_cidr_text(&r.v4, "1.0.0.0/8");
	assert_true(r.v6_valid);
	assert_cidr_text(&r.v6, "1000::/4");
	r = parsed("0.0.0.0");
	assert_true(r.v4_valid);
	assert_cidr_text(&r.v4, "0.0.0.0/32");
	assert_true(r.v6_valid);
	assert_cidr_text(&r.v6, "::/16");
}

static void test_32_nibbles_name_an_ipv6_host(void **state)
{
	(void)state;
	revname_t r = parsed(v6_host_name);

	assert_false(r.v4_valid);
	assert_true(r.v6_valid);
	assert_false(r.v6_mapped);
	assert_int_equal(r.v6.addr.family, ADDR_V6);
	assert_cidr_text(&r.v6, "2001:db8::1/128");
}

static void test_uppercase_nibbles_are_accepted(void **state)
{
	(void)state;
	revname_t r = parsed("F.E.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2");

	assert_true(r.v6_valid);
	assert_cidr_text(&r.v6, "2001:db8::ef/128");
	r = parsed("a.B.c");
	assert_true(r.v6_valid);
	assert_cidr_text(&r.v6, "cba0::/12");
}

static void test_partial_nibbles_name_an_ipv6_range(void **state)
{
	(void)state;
	revname_t r = parsed("8.b.d.0.1.0.0.2");

	assert_false(r.v4_valid);
	assert_true(r.v6_valid);
	assert_cidr_text(&r.v6, "2001:db8::/32");
	r = parsed("1.2.3.4.5");
	assert_false(r.v4_valid);
	assert_true(r.v6_valid);
	assert_cidr_text(&r.v6, "5432:1000::/20");
}

static void test_ipv4_mapped_nibble_name_yields_ipv4_host(void **state)
{
	(void)state;
	revname_t r = parsed(v6_mapped_name);

	assert_true(r.v6_mapped);
	assert_true(r.v4_valid);
	assert_int_equal(r.v4.addr.family, ADDR_V4);
	assert_cidr_text(&r.v4, "127.0.0.2/32");
	assert_true(r.v6_valid);
	assert_int_equal(r.v6.addr.family, ADDR_V6);
	assert_int_equal(r.v6.len, 128);
	assert_memory_equal(r.v6.addr.b, ((const uint8_t[16]){[10] = 0xff, 0xff, 0x7f, 0, 0, 2}), 16);
}

static void test_partial_mapped_prefix_is_not_mapped(void **state)
{
	(void)state;
	revname_t r = parsed("f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0");

	assert_true(r.v6_valid);
	assert_false(r.v6_mapped);
	assert_false(r.v4_valid);
	assert_int_equal(r.v6.len, 96);
}

static void test_octet_with_leading_zero_is_not_ipv4(void **state)
{
	(void)state;
	revname_t r = parsed("01.0.0.127");

	assert_neither(&r);
	r = parsed("00");
	assert_neither(&r);
	r = parsed("02");
	assert_neither(&r);
}

static void test_octet_above_255_is_not_ipv4(void **state)
{
	(void)state;
	revname_t r = parsed("256.0.0.127");

	assert_neither(&r);
	r = parsed("1000");
	assert_neither(&r);
}

static void test_five_octet_labels_are_not_ipv4(void **state)
{
	(void)state;
	revname_t r = parsed("2.0.0.127.10");

	assert_neither(&r);
}

static void test_multi_character_labels_are_not_ipv6(void **state)
{
	(void)state;
	revname_t r = parsed("10.0.0.127");

	assert_true(r.v4_valid);
	assert_false(r.v6_valid);
	r = parsed("ab.c");
	assert_neither(&r);
}

static void test_non_hex_labels_are_not_ipv6(void **state)
{
	(void)state;
	revname_t r = parsed("g");

	assert_neither(&r);
	r = parsed("1.x");
	assert_neither(&r);
}

static void test_33_nibbles_are_neither(void **state)
{
	(void)state;
	char name[sizeof v6_host_name + 2];

	snprintf(name, sizeof name, "0.%s", v6_host_name);
	revname_t r = parsed(name);
	assert_neither(&r);
}

static void test_labels_with_non_digit_bytes_are_rejected(void **state)
{
	(void)state;
	static const char *const names[] = {"1a.0.0.127", "-1.0.0.127", "+1.0.0.127", " 1", "1 ", "0x1", "*"};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		revname_t r = parsed(names[i]);
		if (r.v4_valid || r.v6_valid)
			fail_msg("\"%s\" was taken as an address", names[i]);
	}
	revname_t r = parsed_bytes((const uint8_t[]){1, '\0'}, 2);
	assert_neither(&r);
	r = parsed_bytes((const uint8_t[]){1, '.', 1, '1'}, 4);
	assert_neither(&r);
	r = parsed_bytes((const uint8_t[]){3, '1', '\0', '2'}, 4);
	assert_neither(&r);
}

static void test_empty_name_is_neither(void **state)
{
	(void)state;
	revname_t r = parsed_bytes(NULL, 0);

	assert_neither(&r);
}

static void test_zero_length_label_inside_is_invalid(void **state)
{
	(void)state;
	revname_t r = parsed_bytes((const uint8_t[]){1, '1', 0, 1, '2'}, 5);

	assert_neither(&r);
	r = parsed_bytes((const uint8_t[]){1, '1', 0}, 3);
	assert_neither(&r);
	r = parsed_bytes((const uint8_t[]){0}, 1);
	assert_neither(&r);
}

static void test_label_running_past_len_is_invalid(void **state)
{
	(void)state;
	revname_t r = parsed_bytes((const uint8_t[]){1, '1', 5, '2'}, 4);

	assert_neither(&r);
	r = parsed_bytes((const uint8_t[]){1, '1', 1}, 3);
	assert_neither(&r);
	r = parsed_bytes((const uint8_t[]){3, '1', '2'}, 3);
	assert_neither(&r);
	r = parsed_bytes((const uint8_t[]){255}, 1);
	assert_neither(&r);
}

/* A shorter len than the bytes available must be honoured even when the bytes past it would make a valid name. */
static void test_bytes_past_len_are_not_read(void **state)
{
	(void)state;
	uint8_t *wire = malloc(4);
	revname_t r;

	assert_non_null(wire);
	memcpy(wire, (const uint8_t[]){1, '1', 1, '2'}, 4);
	revname_parse(wire, 2, &r);
	assert_true(r.v4_valid);
	assert_cidr_text(&r.v4, "1.0.0.0/8");
	revname_parse(wire, 3, &r);
	assert_neither(&r);
	free(wire);
}

static void test_revname_format_writes_reversed_octets(void **state)
{
	(void)state;
	addr_t a;
	char buf[REVNAME_STRLEN];

	assert_int_equal(addr_parse("127.0.0.2", &a), RBL_OK);
	revname_format(&a, buf);
	assert_string_equal(buf, "2.0.0.127");
	assert_int_equal(addr_parse("255.255.255.255", &a), RBL_OK);
	revname_format(&a, buf);
	assert_string_equal(buf, "255.255.255.255");
}

static void test_revname_format_writes_32_lowercase_nibbles(void **state)
{
	(void)state;
	addr_t a;
	char buf[REVNAME_STRLEN];

	assert_int_equal(addr_parse("2001:DB8::1", &a), RBL_OK);
	revname_format(&a, buf);
	assert_string_equal(buf, v6_host_name);
	assert_int_equal(addr_parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &a), RBL_OK);
	revname_format(&a, buf);
	assert_int_equal(strlen(buf), 63);
	assert_string_equal(buf, "f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f");
}

static void test_revname_format_round_trips_through_parse(void **state)
{
	(void)state;
	static const char *const addrs[] = {
		"127.0.0.2", "0.0.0.0", "255.255.255.255", "10.20.30.40",
		"2001:db8::1", "::", "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe80::abcd:ef01:2345:6789",
	};

	for (size_t i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
		addr_t a;
		char buf[REVNAME_STRLEN];
		assert_int_equal(addr_parse(addrs[i], &a), RBL_OK);
		revname_format(&a, buf);
		revname_t r = parsed(buf);
		const cidr_t *c = a.family == ADDR_V4 ? &r.v4 : &r.v6;
		assert_true(a.family == ADDR_V4 ? r.v4_valid : r.v6_valid);
		assert_int_equal(c->len, addr_maxlen(a.family));
		assert_int_equal(c->addr.family, a.family);
		assert_memory_equal(c->addr.b, a.b, 16);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_four_octets_name_an_ipv4_host),
		cmocka_unit_test(test_fewer_octets_name_an_ipv4_range),
		cmocka_unit_test(test_single_digit_labels_are_valid_for_both_families),
		cmocka_unit_test(test_32_nibbles_name_an_ipv6_host),
		cmocka_unit_test(test_uppercase_nibbles_are_accepted),
		cmocka_unit_test(test_partial_nibbles_name_an_ipv6_range),
		cmocka_unit_test(test_ipv4_mapped_nibble_name_yields_ipv4_host),
		cmocka_unit_test(test_partial_mapped_prefix_is_not_mapped),
		cmocka_unit_test(test_octet_with_leading_zero_is_not_ipv4),
		cmocka_unit_test(test_octet_above_255_is_not_ipv4),
		cmocka_unit_test(test_five_octet_labels_are_not_ipv4),
		cmocka_unit_test(test_multi_character_labels_are_not_ipv6),
		cmocka_unit_test(test_non_hex_labels_are_not_ipv6),
		cmocka_unit_test(test_33_nibbles_are_neither),
		cmocka_unit_test(test_labels_with_non_digit_bytes_are_rejected),
		cmocka_unit_test(test_empty_name_is_neither),
		cmocka_unit_test(test_zero_length_label_inside_is_invalid),
		cmocka_unit_test(test_label_running_past_len_is_invalid),
		cmocka_unit_test(test_bytes_past_len_are_not_read),
		cmocka_unit_test(test_revname_format_writes_reversed_octets),
		cmocka_unit_test(test_revname_format_writes_32_lowercase_nibbles),
		cmocka_unit_test(test_revname_format_round_trips_through_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
