/* SPDX-License-Identifier: BSD-2-Clause */
/* test_addr.c — address and CIDR parsing, RFC 5952 formatting, and address arithmetic. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <string.h>

#include "base/addr.h"
#include "base/err.h"

static addr_t parsed_addr(const char *text)
{
	addr_t a;

	assert_int_equal(addr_parse(text, &a), RBL_OK);
	return a;
}

static void assert_addr_text(const addr_t *a, const char *expected)
{
	char buf[ADDR_STRLEN];

	addr_format(a, buf);
	assert_string_equal(buf, expected);
}

static void assert_addr_roundtrip(const char *text, int family, const char *canonical)
{
	addr_t a = parsed_addr(text);

	assert_int_equal(a.family, family);
	assert_addr_text(&a, canonical);
}

static void assert_cidr_parses(const char *text, int family, const char *canonical)
{
	cidr_t c;
	char buf[ADDR_STRLEN];

	assert_int_equal(cidr_parse(text, &c), RBL_OK);
	assert_int_equal(c.addr.family, family);
	cidr_format(&c, buf);
	assert_string_equal(buf, canonical);
}

static void assert_cidr_error(const char *text, int err)
{
	cidr_t c;

	assert_int_equal(cidr_parse(text, &c), err);
}

static void test_family_sizes(void **state)
{
	(void)state;
	assert_int_equal(addr_bytes(ADDR_V4), 4);
	assert_int_equal(addr_bytes(ADDR_V6), 16);
	assert_int_equal(addr_maxlen(ADDR_V4), 32);
	assert_int_equal(addr_maxlen(ADDR_V6), 128);
}

static void test_ipv4_dotted_quad_parses_and_formats(void **state)
{
	(void)state;
	addr_t a = parsed_addr("192.0.2.33");
	static const uint8_t expected[16] = {192, 0, 2, 33};

	assert_int_equal(a.family, ADDR_V4);
	assert_memory_equal(a.b, expected, 16);
	assert_addr_text(&a, "192.0.2.33");
	assert_addr_roundtrip("0.0.0.0", ADDR_V4, "0.0.0.0");
	assert_addr_roundtrip("255.255.255.255", ADDR_V4, "255.255.255.255");
	assert_addr_roundtrip("127.0.0.2", ADDR_V4, "127.0.0.2");
}

static void test_ipv4_junk_is_rejected(void **state)
{
	(void)state;
	static const char *const junk[] = {
		"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "1000.1.1.1", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4\n",
		"1..2.3", "1.2.3.", ".1.2.3.4", "1.2.3.4/", "1.2.3.4/32", "a.b.c.d", "1.2.3.-4", "+1.2.3.4",
		"1.2.3.0x4", "1.2.3.4.", "1,2,3,4", "0x7f.0.0.1", "127.1", "2130706434",
	};
	addr_t a;

	for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
		if (addr_parse(junk[i], &a) != RBL_EINVAL)
			fail_msg("\"%s\" was not rejected", junk[i]);
	}
}

static void test_ipv4_octet_with_leading_zero_is_rejected(void **state)
{
	(void)state;
	addr_t a;

	assert_int_equal(addr_parse("01.2.3.4", &a), RBL_EINVAL);
	assert_int_equal(addr_parse("1.2.3.04", &a), RBL_EINVAL);
	assert_int_equal(addr_parse("1.2.3.00", &a), RBL_EINVAL);
	assert_int_equal(addr_parse("010.0.0.1", &a), RBL_EINVAL);
	assert_addr_roundtrip("10.0.0.0", ADDR_V4, "10.0.0.0");
}

/* Our strictness must not be weaker than the system resolver's: whatever inet_pton refuses, we refuse, and whatever
 * both accept means the same bytes. */
static void test_ipv4_strictness_agrees_with_inet_pton(void **state)
{
	(void)state;
	static const char *const texts[] = {
		"1.2.3.4", "0.0.0.0", "255.255.255.255", "01.2.3.4", "1.2.3.04", "00.1.1.1", "1.2.3", "1.2.3.4.5",
		"256.1.1.1", " 1.2.3.4", "1.2.3.4 ", "", "1..2.3",
	};

	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		uint8_t system[4];
		addr_t a;
		int ours = addr_parse(texts[i], &a);
		int theirs = inet_pton(AF_INET, texts[i], system);
		if ((ours == RBL_OK) != (theirs == 1))
			fail_msg("\"%s\": addr_parse %d, inet_pton %d", texts[i], ours, theirs);
		if (ours == RBL_OK)
			assert_memory_equal(a.b, system, 4);
	}
}

static void test_ipv6_formats_in_rfc5952_canonical_form(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{"2001:DB8::1", "2001:db8::1"},
		{"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
		{"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},       /* equal runs: the first is compressed */
		{"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},             /* the longest run wins */
		{"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},    /* a single zero group stays */
		{"2001:db8::1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
		{"::", "::"},
		{"0:0:0:0:0:0:0:0", "::"},
		{"::1", "::1"},
		{"1::", "1::"},
		{"0:1:0:0:0:0:0:0", "0:1::"},
		{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
		{"FE80::ABCD:0:0:EF", "fe80::abcd:0:0:ef"},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"2001:db8:0:0:0:0:2:1", "2001:db8::2:1"},
		{"2001:db8::0:1", "2001:db8::1"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_addr_roundtrip(cases[i][0], ADDR_V6, cases[i][1]);
}

/* Only ::ffff:0:0/96 is folded into IPv4; other embedded-IPv4 forms stay IPv6 and print as hex groups (inet_ntop
 * would print the first as ::1.2.3.4). */
static void test_ipv4_compatible_and_nat64_addresses_stay_ipv6(void **state)
{
	(void)state;
	assert_addr_roundtrip("::1.2.3.4", ADDR_V6, "::102:304");
	assert_addr_roundtrip("64:ff9b::192.0.2.33", ADDR_V6, "64:ff9b::c000:221");
	assert_addr_roundtrip("::fffe:1.2.3.4", ADDR_V6, "::fffe:102:304");
	assert_addr_roundtrip("1::ffff:1.2.3.4", ADDR_V6, "1::ffff:102:304");
}

static void test_ipv6_junk_is_rejected(void **state)
{
	(void)state;
	static const char *const junk[] = {
		":", ":::", "1:::2", "1::2::3", ":1::2", "1::2:", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9",
		"1:2:3:4:5:6:7::8", "::1:2:3:4:5:6:7:8", "12345::", "00000::", "g::", "::g", "::1.2.3", "::1.2.3.4.5",
		"1.2.3.4::", "::1.2.3.4:1", "::01.2.3.4", "::256.1.1.1", "1:2:3:4:5:6:7:1.2.3.4", "fe80::1%eth0",
		"[::1]", "::1 ", " ::1", "::-1", "::+1", "1:2:3:4:5:6:7:8:", ":1:2:3:4:5:6:7:8",
	};
	addr_t a;

	for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
		if (addr_parse(junk[i], &a) != RBL_EINVAL)
			fail_msg("\"%s\" was not rejected", junk[i]);
	}
}

static void test_ipv6_with_ipv4_tail_in_last_two_groups_parses(void **state)
{
	(void)state;
	assert_addr_roundtrip("1:2:3:4:5:6:1.2.3.4", ADDR_V6, "1:2:3:4:5:6:102:304");
	assert_addr_roundtrip("1::6:1.2.3.4", ADDR_V6, "1::6:102:304");
}

static void test_ipv4_mapped_address_becomes_ipv4(void **state)
{
	(void)state;
	static const uint8_t expected[16] = {127, 0, 0, 2};
	addr_t a = parsed_addr("::ffff:127.0.0.2");

	assert_int_equal(a.family, ADDR_V4);
	assert_memory_equal(a.b, expected, 16);
	assert_addr_roundtrip("::FFFF:7f00:2", ADDR_V4, "127.0.0.2");
	assert_addr_roundtrip("0:0:0:0:0:ffff:102:304", ADDR_V4, "1.2.3.4");
	assert_addr_roundtrip("::ffff:0.0.0.0", ADDR_V4, "0.0.0.0");
}

static void test_overlong_text_is_rejected(void **state)
{
	(void)state;
	char longtext[200];
	addr_t a;
	cidr_t c;

	memset(longtext, '1', sizeof longtext - 1);
	longtext[sizeof longtext - 1] = '\0';
	assert_int_equal(addr_parse(longtext, &a), RBL_EINVAL);
	assert_int_equal(cidr_parse(longtext, &c), RBL_EINVAL);
}

static void test_longest_zero_padded_cidr_text_is_accepted(void **state)
{
	(void)state;
	assert_cidr_parses("0000:0000:0000:0000:0000:ffff:255.255.255.255/128", ADDR_V4, "255.255.255.255/32");
	assert_cidr_parses("2001:0db8:0000:0000:0000:0000:0000:0000/128", ADDR_V6, "2001:db8::/128");
}

static void test_cidr_with_length_parses(void **state)
{
	(void)state;
	assert_cidr_parses("10.0.0.0/8", ADDR_V4, "10.0.0.0/8");
	assert_cidr_parses("192.0.2.128/25", ADDR_V4, "192.0.2.128/25");
	assert_cidr_parses("2001:DB8::/32", ADDR_V6, "2001:db8::/32");
	assert_cidr_parses("2001:db8:0:0:8000::/65", ADDR_V6, "2001:db8:0:0:8000::/65");
}

static void test_cidr_without_length_is_host_prefix(void **state)
{
	(void)state;
	cidr_t c;

	assert_int_equal(cidr_parse("1.2.3.4", &c), RBL_OK);
	assert_int_equal(c.len, 32);
	assert_cidr_parses("1.2.3.4", ADDR_V4, "1.2.3.4/32");
	assert_cidr_parses("2001:db8::1", ADDR_V6, "2001:db8::1/128");
}

static void test_cidr_zero_length_covers_everything(void **state)
{
	(void)state;
	assert_cidr_parses("0.0.0.0/0", ADDR_V4, "0.0.0.0/0");
	assert_cidr_parses("::/0", ADDR_V6, "::/0");
}

static void test_cidr_family_maximum_length_is_accepted(void **state)
{
	(void)state;
	assert_cidr_parses("1.2.3.4/32", ADDR_V4, "1.2.3.4/32");
	assert_cidr_parses("2001:db8::1/128", ADDR_V6, "2001:db8::1/128");
}

static void test_cidr_length_past_family_maximum_is_out_of_range(void **state)
{
	(void)state;
	assert_cidr_error("1.2.3.4/33", RBL_ERANGE);
	assert_cidr_error("0.0.0.0/129", RBL_ERANGE);
	assert_cidr_error("2001:db8::/129", RBL_ERANGE);
	assert_cidr_error("::ffff:1.2.3.4/129", RBL_ERANGE);
	assert_cidr_error("1.2.3.4/1000", RBL_ERANGE);
	/* 2^32 + 32 must not wrap round to a valid /32. */
	assert_cidr_error("1.2.3.4/4294967328", RBL_ERANGE);
}

static void test_cidr_with_host_bits_is_rejected(void **state)
{
	(void)state;
	assert_cidr_error("10.0.0.1/8", RBL_EHOSTBITS);
	assert_cidr_error("1.2.3.4/0", RBL_EHOSTBITS);
	assert_cidr_error("192.0.2.129/25", RBL_EHOSTBITS);
	assert_cidr_error("2001:db8::1/64", RBL_EHOSTBITS);
	assert_cidr_error("2001:db8:0:0:8000::/64", RBL_EHOSTBITS);
	assert_cidr_error("::1/127", RBL_EHOSTBITS);
}

static void test_cidr_malformed_length_is_rejected(void **state)
{
	(void)state;
	static const char *const junk[] = {
		"1.2.3.4/", "1.2.3.4/-1", "1.2.3.4/+8", "1.2.3.4/ 8", "1.2.3.4/8 ", "1.2.3.4 /8", "1.2.3.4/8/8",
		"1.2.3.4/0x8", "1.2.3.4/x", "/8", "/", "", "junk/8", "1.2.3/24", "2001:db8::/", "2001:db8::/3 2",
	};

	for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
		cidr_t c;
		if (cidr_parse(junk[i], &c) != RBL_EINVAL)
			fail_msg("\"%s\" was not rejected", junk[i]);
	}
}

/* Same rule as the octets: "08" could be read as octal by someone, so nobody gets to write it. */
static void test_cidr_length_with_leading_zero_is_rejected(void **state)
{
	(void)state;
	assert_cidr_error("10.0.0.0/08", RBL_EINVAL);
	assert_cidr_error("0.0.0.0/00", RBL_EINVAL);
	assert_cidr_error("2001:db8::/032", RBL_EINVAL);
}

static void test_ipv4_mapped_prefix_becomes_ipv4(void **state)
{
	(void)state;
	assert_cidr_parses("::ffff:10.0.0.0/104", ADDR_V4, "10.0.0.0/8");
	assert_cidr_parses("::ffff:0.0.0.0/96", ADDR_V4, "0.0.0.0/0");
	assert_cidr_parses("::ffff:1.2.3.4/128", ADDR_V4, "1.2.3.4/32");
	assert_cidr_parses("::ffff:1.2.3.4", ADDR_V4, "1.2.3.4/32");
	assert_cidr_parses("::ffff:c000:200/120", ADDR_V4, "192.0.2.0/24");
	assert_cidr_error("::ffff:10.0.0.1/104", RBL_EHOSTBITS);
}

/* Below /96 the prefix is an IPv6 one; its ffff group then lies past the length, so it always has host bits. */
static void test_ipv4_mapped_prefix_shorter_than_96_stays_ipv6(void **state)
{
	(void)state;
	assert_cidr_error("::ffff:0.0.0.0/95", RBL_EHOSTBITS);
	assert_cidr_error("::ffff:0:0/80", RBL_EHOSTBITS);
	assert_cidr_parses("::/80", ADDR_V6, "::/80");
}

static void test_cidr_format_always_shows_length(void **state)
{
	(void)state;
	cidr_t c = {.addr = parsed_addr("127.0.0.2"), .len = 32};
	char buf[ADDR_STRLEN];

	cidr_format(&c, buf);
	assert_string_equal(buf, "127.0.0.2/32");
	c.addr = parsed_addr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	c.len = 128;
	cidr_format(&c, buf);
	assert_string_equal(buf, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
}

static void test_addr_cmp_orders_by_network_bytes(void **state)
{
	(void)state;
	addr_t low = parsed_addr("9.255.255.255");
	addr_t high = parsed_addr("10.0.0.0");
	addr_t v6low = parsed_addr("::1");
	addr_t v6high = parsed_addr("1::");

	assert_true(addr_cmp(&low, &high) < 0);
	assert_true(addr_cmp(&high, &low) > 0);
	assert_int_equal(addr_cmp(&low, &low), 0);
	assert_true(addr_cmp(&v6low, &v6high) < 0);
	assert_true(addr_cmp(&high, &v6low) < 0);
}

static void test_addr_inc_carries_across_bytes(void **state)
{
	(void)state;
	addr_t a = parsed_addr("1.2.3.255");
	addr_t b = parsed_addr("2001:db8::ffff:ffff");

	assert_true(addr_inc(&a));
	assert_addr_text(&a, "1.2.4.0");
	assert_true(addr_inc(&b));
	assert_addr_text(&b, "2001:db8::1:0:0");
}

static void test_addr_inc_overflows_at_all_ones(void **state)
{
	(void)state;
	static const uint8_t zero[16] = {0};
	addr_t a = parsed_addr("255.255.255.255");
	addr_t b = parsed_addr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");

	assert_false(addr_inc(&a));
	assert_int_equal(a.family, ADDR_V4);
	assert_memory_equal(a.b, zero, 16);
	assert_false(addr_inc(&b));
	assert_addr_text(&b, "::");
}

static void test_addr_dec_borrows_across_bytes(void **state)
{
	(void)state;
	addr_t a = parsed_addr("1.2.4.0");
	addr_t b = parsed_addr("2001:db8::");

	assert_true(addr_dec(&a));
	assert_addr_text(&a, "1.2.3.255");
	assert_true(addr_dec(&b));
	assert_addr_text(&b, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff");
}

static void test_addr_dec_underflows_at_zero(void **state)
{
	(void)state;
	static const uint8_t v4_all_ones[16] = {255, 255, 255, 255};
	addr_t a = parsed_addr("0.0.0.0");
	addr_t b = parsed_addr("::");

	assert_false(addr_dec(&a));
	assert_memory_equal(a.b, v4_all_ones, 16);
	assert_false(addr_dec(&b));
	assert_addr_text(&b, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

static void test_addr_mask_clears_bits_past_length(void **state)
{
	(void)state;
	addr_t a = parsed_addr("255.255.255.255");
	addr_t b = parsed_addr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");

	addr_mask(&a, 32);
	assert_addr_text(&a, "255.255.255.255");
	addr_mask(&a, 20);
	assert_addr_text(&a, "255.255.240.0");
	addr_mask(&a, 0);
	assert_addr_text(&a, "0.0.0.0");
	addr_mask(&b, 65);
	assert_addr_text(&b, "ffff:ffff:ffff:ffff:8000::");
	addr_mask(&b, 128);
	assert_addr_text(&b, "ffff:ffff:ffff:ffff:8000::");
}

static void assert_span(const char *prefix, const char *first, const char *last)
{
	cidr_t c;
	addr_t a;

	assert_int_equal(cidr_parse(prefix, &c), RBL_OK);
	cidr_first(&c, &a);
	assert_addr_text(&a, first);
	cidr_last(&c, &a);
	assert_addr_text(&a, last);
}

static void test_cidr_first_and_last_span_the_prefix(void **state)
{
	(void)state;
	assert_span("10.0.0.0/8", "10.0.0.0", "10.255.255.255");
	assert_span("192.0.2.128/25", "192.0.2.128", "192.0.2.255");
	assert_span("0.0.0.0/0", "0.0.0.0", "255.255.255.255");
	assert_span("1.2.3.4/32", "1.2.3.4", "1.2.3.4");
	assert_span("2001:db8::/32", "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_span("::/0", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_span("2001:db8::/127", "2001:db8::", "2001:db8::1");
	assert_span("2001:db8::1/128", "2001:db8::1", "2001:db8::1");
}

static void test_cidr_last_of_ipv4_leaves_upper_bytes_zero(void **state)
{
	(void)state;
	static const uint8_t expected[16] = {255, 255, 255, 255};
	cidr_t c;
	addr_t a;

	assert_int_equal(cidr_parse("0.0.0.0/0", &c), RBL_OK);
	cidr_last(&c, &a);
	assert_memory_equal(a.b, expected, 16);
}

static void test_cidr_contains_checks_prefix_and_family(void **state)
{
	(void)state;
	cidr_t net, all4, host;
	addr_t inside = parsed_addr("10.1.2.3");
	addr_t edge = parsed_addr("10.255.255.255");
	addr_t below = parsed_addr("9.255.255.255");
	addr_t above = parsed_addr("11.0.0.0");
	addr_t v6zero = parsed_addr("::");

	assert_int_equal(cidr_parse("10.0.0.0/8", &net), RBL_OK);
	assert_int_equal(cidr_parse("0.0.0.0/0", &all4), RBL_OK);
	assert_int_equal(cidr_parse("10.1.2.3", &host), RBL_OK);
	assert_true(cidr_contains(&net, &inside));
	assert_true(cidr_contains(&net, &edge));
	assert_false(cidr_contains(&net, &below));
	assert_false(cidr_contains(&net, &above));
	assert_true(cidr_contains(&all4, &above));
	assert_false(cidr_contains(&all4, &v6zero));
	assert_true(cidr_contains(&host, &inside));
	assert_false(cidr_contains(&host, &edge));
}

static void test_cidr_contains_ipv6_at_odd_length(void **state)
{
	(void)state;
	cidr_t net;
	addr_t inside = parsed_addr("2001:db8:7fff::1");
	addr_t outside = parsed_addr("2001:db8:8000::");

	assert_int_equal(cidr_parse("2001:db8::/33", &net), RBL_OK);
	assert_true(cidr_contains(&net, &inside));
	assert_false(cidr_contains(&net, &outside));
}

static void test_socket_addresses_convert_both_ways_and_mapped_ipv4_reads_as_ipv4(void **state)
{
	(void)state;
	static const char *const texts[] = {"192.0.2.7", "2001:db8::1", "::ffff:192.0.2.9"};
	static const char *const read_as[] = {"192.0.2.7", "2001:db8::1", "192.0.2.9"};
	for (unsigned i = 0; i < 3; i++) {
		addr_t a, back, want;
		assert_int_equal(addr_parse(texts[i], &a), RBL_OK);
		assert_int_equal(addr_parse(read_as[i], &want), RBL_OK);
		struct sockaddr_storage ss;
		unsigned len = addr_to_sockaddr(&a, 5353, &ss);
		assert_int_equal(len, a.family == ADDR_V4 ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
		assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 5353); /* same offset in both families */
		assert_true(addr_from_sockaddr((struct sockaddr *)&ss, &back));
		assert_int_equal(addr_cmp(&back, &want), 0);
	}
	/* A mapped address as the kernel gives it for an IPv4 client of a dual-stack socket. */
	struct sockaddr_in6 mapped = {.sin6_family = AF_INET6};
	assert_int_equal(inet_pton(AF_INET6, "::ffff:10.1.2.3", &mapped.sin6_addr), 1);
	addr_t a, want;
	assert_true(addr_from_sockaddr((struct sockaddr *)&mapped, &a));
	assert_int_equal(addr_parse("10.1.2.3", &want), RBL_OK);
	assert_int_equal(addr_cmp(&a, &want), 0);
	struct sockaddr other = {.sa_family = AF_UNIX};
	assert_false(addr_from_sockaddr(&other, &a));
}

static void test_any_contains_looks_through_every_network_of_the_family(void **state)
{
	(void)state;
	cidr_t nets[3];
	assert_int_equal(cidr_parse("2001:db8::/32", &nets[0]), RBL_OK);
	assert_int_equal(cidr_parse("10.0.0.0/8", &nets[1]), RBL_OK);
	assert_int_equal(cidr_parse("192.0.2.0/24", &nets[2]), RBL_OK);
	addr_t a;
	assert_int_equal(addr_parse("192.0.2.200", &a), RBL_OK);
	assert_true(cidr_any_contains(nets, 3, &a));
	assert_false(cidr_any_contains(nets, 2, &a)); /* the last network not counted */
	assert_int_equal(addr_parse("198.51.100.1", &a), RBL_OK);
	assert_false(cidr_any_contains(nets, 3, &a));
	assert_false(cidr_any_contains(nets, 0, &a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family_sizes),
		cmocka_unit_test(test_ipv4_dotted_quad_parses_and_formats),
		cmocka_unit_test(test_ipv4_junk_is_rejected),
		cmocka_unit_test(test_ipv4_octet_with_leading_zero_is_rejected),
		cmocka_unit_test(test_ipv4_strictness_agrees_with_inet_pton),
		cmocka_unit_test(test_ipv6_formats_in_rfc5952_canonical_form),
		cmocka_unit_test(test_ipv4_compatible_and_nat64_addresses_stay_ipv6),
		cmocka_unit_test(test_ipv6_junk_is_rejected),
		cmocka_unit_test(test_ipv6_with_ipv4_tail_in_last_two_groups_parses),
		cmocka_unit_test(test_ipv4_mapped_address_becomes_ipv4),
		cmocka_unit_test(test_overlong_text_is_rejected),
		cmocka_unit_test(test_longest_zero_padded_cidr_text_is_accepted),
		cmocka_unit_test(test_cidr_with_length_parses),
		cmocka_unit_test(test_cidr_without_length_is_host_prefix),
		cmocka_unit_test(test_cidr_zero_length_covers_everything),
		cmocka_unit_test(test_cidr_family_maximum_length_is_accepted),
		cmocka_unit_test(test_cidr_length_past_family_maximum_is_out_of_range),
		cmocka_unit_test(test_cidr_with_host_bits_is_rejected),
		cmocka_unit_test(test_cidr_malformed_length_is_rejected),
		cmocka_unit_test(test_cidr_length_with_leading_zero_is_rejected),
		cmocka_unit_test(test_ipv4_mapped_prefix_becomes_ipv4),
		cmocka_unit_test(test_ipv4_mapped_prefix_shorter_than_96_stays_ipv6),
		cmocka_unit_test(test_cidr_format_always_shows_length),
		cmocka_unit_test(test_addr_cmp_orders_by_network_bytes),
		cmocka_unit_test(test_addr_inc_carries_across_bytes),
		cmocka_unit_test(test_addr_inc_overflows_at_all_ones),
		cmocka_unit_test(test_addr_dec_borrows_across_bytes),
		cmocka_unit_test(test_addr_dec_underflows_at_zero),
		cmocka_unit_test(test_addr_mask_clears_bits_past_length),
		cmocka_unit_test(test_cidr_first_and_last_span_the_prefix),
		cmocka_unit_test(test_cidr_last_of_ipv4_leaves_upper_bytes_zero),
		cmocka_unit_test(test_cidr_contains_checks_prefix_and_family),
		cmocka_unit_test(test_cidr_contains_ipv6_at_odd_length),
		cmocka_unit_test(test_socket_addresses_convert_both_ways_and_mapped_ipv4_reads_as_ipv4),
		cmocka_unit_test(test_any_contains_looks_through_every_network_of_the_family),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
