/* SPDX-License-Identifier: BSD-2-Clause */
/* test_web_input.c — what the lookup service reads from a request (web_input.c, web_internal.h): %-escapes decoded
 * except controls and malformed ones, the route and its argument, the address with an escaped, bounded message. */
#include "base/err.h"
#include "web_internal.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

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
	assert_int_equal(web_route_of("/api/v1/lookup", &arg), WEB_NOT_FOUND);
	assert_null(arg);
	assert_int_equal(web_route_of("/", &arg), WEB_NOT_FOUND);
	assert_int_equal(web_route_of("/API/v1/lookup/1.2.3.4", &arg), WEB_NOT_FOUND);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unescape_decodes_printable_escapes),
		cmocka_unit_test(test_unescape_keeps_controls_and_malformed_escapes_as_written),
		cmocka_unit_test(test_routes_take_the_address_after_the_prefix),
		cmocka_unit_test(test_an_address_parses_or_is_named_escaped_and_cut),
		cmocka_unit_test(test_json_text_keeps_utf8_and_escapes_the_rest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
