/* SPDX-License-Identifier: BSD-2-Clause */
/* test_web_input.c — what the lookup service reads from a request (web_input.c, web_csrf.c, web_internal.h):
 * %-escapes decoded except controls and malformed ones, the route and its argument, the address with an escaped,
 * bounded message, the client behind a trusted proxy, its network, the retest form's token. */
#include "base/err.h"
#include "relay/pipeline.h"
#include "web_internal.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <string.h>

static void expect_unescaped(const char *in, const char *want)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", in);
	size_t n = web_unescape(buf);
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void test_unescape_decodes_printable_escapes(void **state)
{
	(void)state;
	expect_unescaped("/api/v1/lookup/2001%3Adb8%3A%3A1", "/api/v1/lookup/2001:db8::1");
	expect_unescaped("%41%62%7e%25", "Ab~%");
	expect_unescaped("caf%C3%A9", "caf\xc3\xa9"); /* bytes above 0x7f are not controls */
}

static void test_unescape_keeps_controls_and_malformed_escapes_as_written(void **state)
{
	(void)state;
	expect_unescaped("192.0.2.1%00x", "192.0.2.1%00x"); /* a NUL can never cut the value short */
	expect_unescaped("a%0Ab%7Fc%1f", "a%0Ab%7Fc%1f");
	expect_unescaped("%", "%");
	expect_unescaped("%4", "%4");
	expect_unescaped("%zz%4g", "%zz%4g");
	expect_unescaped("%%41", "%A");
	expect_unescaped("", "");
}

static void test_routes_take_the_address_after_the_prefix(void **state)
{
	(void)state;
	const char *arg;
	assert_int_equal(web_route_of("/api/v1/lookup/192.0.2.1", &arg), WEB_API_LOOKUP);
	assert_string_equal(arg, "192.0.2.1");
	assert_int_equal(web_route_of("/api/v1/lookup/", &arg), WEB_API_LOOKUP);
	assert_string_equal(arg, "");
	assert_int_equal(web_route_of("/api/v1/lookup", &arg), WEB_API_OTHER);
	assert_null(arg);
	assert_int_equal(web_route_of("/API/v1/lookup/1.2.3.4", &arg), WEB_NOT_FOUND);
	assert_int_equal(web_route_of("/api/v2/lookup/1.2.3.4", &arg), WEB_API_OTHER); /* answered in JSON */
	assert_int_equal(web_route_of("/", &arg), WEB_INDEX);
	assert_int_equal(web_route_of("/style.css", &arg), WEB_STYLE);
	assert_int_equal(web_route_of("/lookup", &arg), WEB_LOOKUP_FORM);
	assert_int_equal(web_route_of("/lookup/2001:db8::1", &arg), WEB_LOOKUP_PAGE);
	assert_string_equal(arg, "2001:db8::1");
	assert_int_equal(web_route_of("/lookups", &arg), WEB_NOT_FOUND);
	assert_int_equal(web_route_of("/retest/192.0.2.1", &arg), WEB_RETEST_PAGE);
	assert_string_equal(arg, "192.0.2.1");
	assert_int_equal(web_route_of("/api/v1/retest/::1", &arg), WEB_API_RETEST);
	assert_string_equal(arg, "::1");
	assert_int_equal(web_route_of("/favicon.ico", &arg), WEB_NOT_FOUND);
}

static void test_an_address_parses_or_is_named_escaped_and_cut(void **state)
{
	(void)state;
	addr_t a;
	char why[200];
	assert_int_equal(web_parse_address("2001:db8::1", &a, why, sizeof why), RBL_OK);
	assert_int_equal(a.family, ADDR_V6);
	assert_int_equal(web_parse_address("::ffff:192.0.2.1", &a, why, sizeof why), RBL_OK);
	assert_int_equal(a.family, ADDR_V4);
	assert_int_equal(web_parse_address("192.0.2.1/24", &a, why, sizeof why), RBL_EINVAL);
	assert_string_equal(why, "'192.0.2.1/24' is not an IPv4 or IPv6 address");
	assert_int_equal(web_parse_address("a\x01<b>", &a, why, sizeof why), RBL_EINVAL);
	assert_string_equal(why, "'a\\x01<b>' is not an IPv4 or IPv6 address");
	char long_text[200];
	memset(long_text, '7', sizeof long_text - 1);
	long_text[sizeof long_text - 1] = '\0';
	assert_int_equal(web_parse_address(long_text, &a, why, sizeof why), RBL_EINVAL);
	assert_non_null(strstr(why, "...' is not"));
	assert_true(strlen(why) < 64 + 40);
}

static void test_json_text_keeps_utf8_and_escapes_the_rest(void **state)
{
	(void)state;
	json_t *v = web_json_text("caf\xc3\xa9 \x01\xff", 8);
	assert_non_null(v);
	assert_string_equal(json_string_value(v), "caf\xc3\xa9 \\x01\\xff");
	json_decref(v);
}

static addr_t A(const char *text)
{
	addr_t a;
	assert_int_equal(addr_parse(text, &a), RBL_OK);
	return a;
}

static cidr_t N(const char *text)
{
	cidr_t n;
	assert_int_equal(cidr_parse(text, &n), RBL_OK);
	return n;
}

static void expect_client(const char *peer, const char *const *values, size_t n, const char *want)
{
	cidr_t trusted[] = {N("127.0.0.1/32"), N("10.0.0.0/8")};
	addr_t p = A(peer), client, w = A(want);
	assert_int_equal(web_client_addr(&p, values, n, trusted, 2, &client), RBL_OK);
	char got[ADDR_STRLEN];
	addr_format(&client, got);
	assert_string_equal(got, want);
	assert_int_equal(addr_cmp(&client, &w), 0);
}

static void test_forwarded_for_counts_only_from_a_trusted_proxy(void **state)
{
	(void)state;
	const char *one[] = {"198.51.100.7"};
	expect_client("203.0.113.5", one, 1, "203.0.113.5"); /* not a proxy: its header is its own word */
	expect_client("127.0.0.1", one, 1, "198.51.100.7");
	expect_client("127.0.0.1", NULL, 0, "127.0.0.1"); /* a proxy that sent none: the proxy */
}

static void test_forwarded_for_is_read_from_the_right_past_trusted_proxies(void **state)
{
	(void)state;
	const char *forged[] = {"6.6.6.6, 198.51.100.7"};          /* the client wrote 6.6.6.6 itself */
	expect_client("127.0.0.1", forged, 1, "198.51.100.7");
	const char *chain[] = {"198.51.100.7, 10.1.2.3", "10.9.9.9"}; /* two proxies of ours in front */
	expect_client("127.0.0.1", chain, 2, "198.51.100.7");
	const char *all_ours[] = {"10.1.2.3"};
	expect_client("127.0.0.1", all_ours, 1, "127.0.0.1");
	const char *v6[] = {"2001:db8::7"};
	expect_client("127.0.0.1", v6, 1, "2001:db8::7");
}

static void test_a_bad_forwarded_for_is_refused(void **state)
{
	(void)state;
	cidr_t trusted[] = {N("127.0.0.1/32")};
	addr_t peer = A("127.0.0.1"), client;
	const char *bad[] = {"198.51.100.7, unknown"};
	assert_int_equal(web_client_addr(&peer, bad, 1, trusted, 1, &client), RBL_EINVAL);
	const char *cidr[] = {"198.51.100.0/24"};
	assert_int_equal(web_client_addr(&peer, cidr, 1, trusted, 1, &client), RBL_EINVAL);
	char many[512] = "";
	for (int i = 0; i < 17; i++)
		strcat(many, "192.0.2.1,");
	const char *too_many[] = {many};
	assert_int_equal(web_client_addr(&peer, too_many, 1, trusted, 1, &client), RBL_EINVAL);
}

static void test_client_networks_are_slash_24_and_slash_56(void **state)
{
	(void)state;
	cidr_t net;
	addr_t a = A("198.51.100.77");
	pipeline_retest_client_net(&a, &net);
	char text[ADDR_STRLEN];
	cidr_format(&net, text);
	assert_string_equal(text, "198.51.100.0/24");
	a = A("2001:db8:1:2ff:1::9");
	pipeline_retest_client_net(&a, &net);
	cidr_format(&net, text);
	assert_string_equal(text, "2001:db8:1:200::/56");
}

static void test_a_token_holds_only_for_its_address_network_and_time(void **state)
{
	(void)state;
	uint8_t secret[WEB_CSRF_SECRET_LEN], other[WEB_CSRF_SECRET_LEN];
	memset(secret, 7, sizeof secret);
	memset(other, 8, sizeof other);
	addr_t a = A("192.0.2.9"), b = A("192.0.2.10");
	cidr_t net = N("198.51.100.0/24"), net2 = N("198.51.101.0/24");
	char token[WEB_CSRF_LEN + 1];
	int64_t now = 1800000000;
	assert_int_equal(web_csrf_make(secret, &a, &net, now, token), RBL_OK);
	assert_int_equal(strlen(token), WEB_CSRF_LEN);
	assert_int_equal(strspn(token, "0123456789abcdef"), WEB_CSRF_LEN);
	assert_true(web_csrf_valid(secret, &a, &net, now, token));
	assert_true(web_csrf_valid(secret, &a, &net, now + WEB_CSRF_MAX_AGE_S, token));
	assert_false(web_csrf_valid(secret, &a, &net, now + WEB_CSRF_MAX_AGE_S + 1, token)); /* expired */
	assert_true(web_csrf_valid(secret, &a, &net, now - WEB_CSRF_SKEW_S, token));
	assert_false(web_csrf_valid(secret, &a, &net, now - WEB_CSRF_SKEW_S - 1, token)); /* from the future */
	assert_false(web_csrf_valid(secret, &b, &net, now, token));     /* another address */
	assert_false(web_csrf_valid(secret, &a, &net2, now, token));    /* another client network */
	assert_false(web_csrf_valid(other, &a, &net, now, token));      /* another secret */
	char bad[WEB_CSRF_LEN + 2];
	snprintf(bad, sizeof bad, "%s", token);
	bad[40] = bad[40] == '0' ? '1' : '0';
	assert_false(web_csrf_valid(secret, &a, &net, now, bad));       /* one MAC digit changed */
	bad[40] = token[40];
	bad[3] = bad[3] == '0' ? '1' : '0';
	assert_false(web_csrf_valid(secret, &a, &net, now, bad));       /* the time changed */
	assert_false(web_csrf_valid(secret, &a, &net, now, ""));
	assert_false(web_csrf_valid(secret, &a, &net, now, "zz"));
	snprintf(bad, sizeof bad, "%sa", token);
	assert_false(web_csrf_valid(secret, &a, &net, now, bad));       /* one character too many */
	for (size_t i = 0; i < WEB_CSRF_LEN; i++)
		bad[i] = (char)toupper((unsigned char)token[i]);
	bad[WEB_CSRF_LEN] = '\0';
	if (strcmp(bad, token) != 0)
		assert_false(web_csrf_valid(secret, &a, &net, now, bad)); /* upper case: refused */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unescape_decodes_printable_escapes),
		cmocka_unit_test(test_unescape_keeps_controls_and_malformed_escapes_as_written),
		cmocka_unit_test(test_routes_take_the_address_after_the_prefix),
		cmocka_unit_test(test_an_address_parses_or_is_named_escaped_and_cut),
		cmocka_unit_test(test_json_text_keeps_utf8_and_escapes_the_rest),
		cmocka_unit_test(test_forwarded_for_counts_only_from_a_trusted_proxy),
		cmocka_unit_test(test_forwarded_for_is_read_from_the_right_past_trusted_proxies),
		cmocka_unit_test(test_a_bad_forwarded_for_is_refused),
		cmocka_unit_test(test_client_networks_are_slash_24_and_slash_56),
		cmocka_unit_test(test_a_token_holds_only_for_its_address_network_and_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
