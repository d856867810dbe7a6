/* SPDX-License-Identifier: BSD-2-Clause */
/* test_text.c — which bytes are control characters, finding the first one, and escaping them for a terminal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/text.h"

static void test_every_byte_below_space_and_del_are_control_characters(void **state)
{
	(void)state;
	for (unsigned c = 0; c < 0x20; c++)
		if (!text_is_control((unsigned char)c))
			fail_msg("0x%02x is not called a control character", c);
	assert_true(text_is_control('\t'));
	assert_true(text_is_control(0x7f));
}

static void test_printable_ascii_and_utf8_bytes_are_text(void **state)
{
	(void)state;
	for (unsigned c = 0x20; c < 0x7f; c++)
		if (text_is_control((unsigned char)c))
			fail_msg("0x%02x is called a control character", c);
	for (unsigned c = 0x80; c <= 0xff; c++)
		if (text_is_control((unsigned char)c))
			fail_msg("0x%02x is called a control character", c);
}

static void test_has_control_points_at_the_first_one(void **state)
{
	(void)state;
	const char *text = "a\nb\x1b[31m";
	assert_ptr_equal(text_has_control(text, strlen(text)), text + 1);
	const char *esc = "red\x1b[0m";
	assert_ptr_equal(text_has_control(esc, strlen(esc)), esc + 3);
	const char *tab = "x\ty";
	assert_ptr_equal(text_has_control(tab, strlen(tab)), tab + 1);
}

static void test_has_control_finds_none_in_plain_or_utf8_text(void **state)
{
	(void)state;
	const char *plain = "open relay: see https://rbl.example/lookup?ip=$ (50% \"quoted\" \\ back)";
	assert_null(text_has_control(plain, strlen(plain)));
	const char *utf8 = "Relais ouvert \xc3\xa0 192.0.2.1 \xe2\x80\x94 v\xc3\xa9rifi\xc3\xa9";
	assert_null(text_has_control(utf8, strlen(utf8)));
	assert_null(text_has_control("", 0));
}

static void test_has_control_counts_a_nul_inside_the_length(void **state)
{
	(void)state;
	const char text[] = "ab\0cd";
	assert_ptr_equal(text_has_control(text, sizeof text - 1), text + 2);
	assert_null(text_has_control(text, 2)); /* looks no further than it is told */
}

static void test_escape_writes_control_characters_as_hex_and_keeps_the_rest(void **state)
{
	(void)state;
	char buf[64];
	const char *text = "a\nb\x1b[31m\x7f\t";
	size_t n = text_escape(text, strlen(text), buf, sizeof buf);
	assert_string_equal(buf, "a\\x0ab\\x1b[31m\\x7f\\x09");
	assert_int_equal(n, strlen(buf));
}

static void test_escape_leaves_text_without_control_characters_unchanged(void **state)
{
	(void)state;
	char buf[128];
	const char *text = "accepted relay test \xc3\xa0 example.net \\x41 $";
	assert_int_equal(text_escape(text, strlen(text), buf, sizeof buf), strlen(text));
	assert_string_equal(buf, text);
}

static void test_escape_of_the_worst_case_fits_the_documented_size(void **state)
{
	(void)state;
	char text[16], buf[TEXT_ESCAPED_SIZE(16)];
	memset(text, 0x1b, sizeof text);
	assert_int_equal(text_escape(text, sizeof text, buf, sizeof buf), 64);
	assert_int_equal(strlen(buf), 64);
	assert_memory_equal(buf, "\\x1b\\x1b", 8);
}

static void test_escape_writes_a_nul_inside_the_length_as_x00(void **state)
{
	(void)state;
	char buf[32];
	const char text[] = "a\0b";
	text_escape(text, sizeof text - 1, buf, sizeof buf);
	assert_string_equal(buf, "a\\x00b");
}

static void test_escape_cut_short_never_splits_an_escape_and_says_what_it_needs(void **state)
{
	(void)state;
	char buf[6];
	memset(buf, '#', sizeof buf);
	/* "ab" fits, "\x0a" would need 4 more bytes of 3 left: the result stops before it. */
	assert_int_equal(text_escape("ab\ncd", 5, buf, sizeof buf), 8);
	assert_string_equal(buf, "ab");
	char one[1] = {'#'};
	assert_int_equal(text_escape("abc", 3, one, sizeof one), 3);
	assert_int_equal(one[0], '\0');
	assert_int_equal(text_escape("abc", 3, NULL, 0), 3);
}

static void test_utf8_escape_keeps_valid_utf8_and_escapes_the_rest(void **state)
{
	(void)state;
	char buf[64];
	/* é (2 bytes), € (3), an emoji (4); a lone continuation byte, an overlong '/', a surrogate, a control */
	const char text[] = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\x80|\xc0\xaf|\xed\xa0\x80|\x01";
	size_t need = text_utf8_escape(text, sizeof text - 1, buf, sizeof buf);
	assert_string_equal(buf, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\\x80|\\xc0\\xaf|\\xed\\xa0\\x80|\\x01");
	assert_int_equal(need, strlen(buf));
}

static void test_utf8_escape_cut_short_keeps_whole_sequences(void **state)
{
	(void)state;
	char buf[6];
	const char text[] = "ab\xe2\x82\xac\x01"; /* "ab", €, a control */
	size_t need = text_utf8_escape(text, sizeof text - 1, buf, sizeof buf);
	assert_string_equal(buf, "ab\xe2\x82\xac"); /* 5 bytes; the escape would not fit */
	assert_int_equal(need, 2 + 3 + 4);
	assert_int_equal(text_utf8_escape(text, sizeof text - 1, buf, 3), need);
	assert_string_equal(buf, "ab"); /* never half a sequence */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_every_byte_below_space_and_del_are_control_characters),
	        cmocka_unit_test(test_printable_ascii_and_utf8_bytes_are_text),
	        cmocka_unit_test(test_has_control_points_at_the_first_one),
	        cmocka_unit_test(test_has_control_finds_none_in_plain_or_utf8_text),
	        cmocka_unit_test(test_has_control_counts_a_nul_inside_the_length),
	        cmocka_unit_test(test_escape_writes_control_characters_as_hex_and_keeps_the_rest),
	        cmocka_unit_test(test_escape_leaves_text_without_control_characters_unchanged),
	        cmocka_unit_test(test_escape_of_the_worst_case_fits_the_documented_size),
	        cmocka_unit_test(test_escape_writes_a_nul_inside_the_length_as_x00),
	        cmocka_unit_test(test_escape_cut_short_never_splits_an_escape_and_says_what_it_needs),
	        cmocka_unit_test(test_utf8_escape_keeps_valid_utf8_and_escapes_the_rest),
	        cmocka_unit_test(test_utf8_escape_cut_short_keeps_whole_sequences),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
