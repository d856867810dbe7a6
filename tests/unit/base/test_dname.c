/* SPDX-License-Identifier: BSD-2-Clause */
/* test_dname.c — domain names between text and wire format, zone name normalisation, SOA RNAME from e-mail. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/dname.h"
#include "base/err.h"

static const uint8_t rbl_example_wire[] = {3, 'r', 'b', 'l', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};

static void assert_wire(const char *text, const uint8_t *expected, size_t expected_len)
{
	uint8_t wire[DNAME_MAXLEN];
	size_t len = 0;

	assert_int_equal(dname_from_text(text, wire, &len), RBL_OK);
	assert_int_equal(len, expected_len);
	assert_memory_equal(wire, expected, expected_len);
}

static void assert_text_error(const char *text, int err)
{
	uint8_t wire[DNAME_MAXLEN];
	size_t len;

	if (dname_from_text(text, wire, &len) != err)
		fail_msg("\"%s\" did not give %d", text, err);
}

/* The wire bytes are copied into a heap block of exactly len bytes, so AddressSanitizer catches any read past it. */
static int to_text(const uint8_t *bytes, size_t len, char buf[DNAME_TEXTMAX])
{
	uint8_t *wire = malloc(len ? len : 1);

	assert_non_null(wire);
	if (len > 0)
		memcpy(wire, bytes, len);
	int err = dname_to_text(wire, len, buf);
	free(wire);
	return err;
}

/* count labels of the given length, each filled with fill, as text joined by dots. */
static void make_text(char *text, size_t size, int count, size_t label_len, char fill)
{
	size_t pos = 0;

	for (int i = 0; i < count; i++) {
		if (i > 0)
			text[pos++] = '.';
		assert_true(pos + label_len < size);
		memset(text + pos, fill, label_len);
		pos += label_len;
	}
	text[pos] = '\0';
}

static void test_name_converts_to_wire_labels(void **state)
{
	(void)state;
	assert_wire("rbl.example", rbl_example_wire, sizeof rbl_example_wire);
}

static void test_trailing_dot_is_optional(void **state)
{
	(void)state;
	assert_wire("rbl.example.", rbl_example_wire, sizeof rbl_example_wire);
}

static void test_uppercase_is_lowered(void **state)
{
	(void)state;
	assert_wire("RBL.Example", rbl_example_wire, sizeof rbl_example_wire);
}

static void test_root_is_a_single_zero_byte(void **state)
{
	(void)state;
	static const uint8_t root[] = {0};

	assert_wire(".", root, 1);
}

static void test_digits_hyphens_and_underscores_are_accepted(void **state)
{
	(void)state;
	static const uint8_t expected[] = {6, '_', 'd', 'm', 'a', 'r', 'c', 3, 'a', '-', '1', 1, '9', 0};
	static const uint8_t query_name[] = {1, '2', 1, '0', 1, '0', 3, '1', '2', '7', 3, 'z', 'e', 'n', 0};

	assert_wire("_dmarc.a-1.9", expected, sizeof expected);
	assert_wire("2.0.0.127.zen", query_name, sizeof query_name);
}

static void test_label_of_63_is_accepted_and_64_is_out_of_range(void **state)
{
	(void)state;
	char text[80];
	uint8_t wire[DNAME_MAXLEN];
	size_t len;

	make_text(text, sizeof text, 1, 63, 'a');
	assert_int_equal(dname_from_text(text, wire, &len), RBL_OK);
	assert_int_equal(len, 65);
	assert_int_equal(wire[0], 63);
	make_text(text, sizeof text, 1, 64, 'a');
	assert_int_equal(dname_from_text(text, wire, &len), RBL_ERANGE);
	strcat(text, ".example");
	assert_int_equal(dname_from_text(text, wire, &len), RBL_ERANGE);
}

/* Three labels of 63 and one of 61 make exactly 255 wire bytes with the root label. */
static void test_name_of_255_wire_bytes_is_accepted_and_longer_is_out_of_range(void **state)
{
	(void)state;
	char text[300];
	uint8_t wire[DNAME_MAXLEN];
	size_t len;

	make_text(text, sizeof text, 3, 63, 'a');
	strcat(text, ".");
	memset(text + strlen(text), 'b', 61);
	text[3 * 64 + 61] = '\0';
	assert_int_equal(dname_from_text(text, wire, &len), RBL_OK);
	assert_int_equal(len, 255);
	assert_int_equal(wire[254], 0);
	strcat(text, "b");
	assert_int_equal(dname_from_text(text, wire, &len), RBL_ERANGE);
	make_text(text, sizeof text, 4, 63, 'a');
	assert_int_equal(dname_from_text(text, wire, &len), RBL_ERANGE);
	make_text(text, sizeof text, 128, 1, 'a');
	assert_int_equal(dname_from_text(text, wire, &len), RBL_ERANGE);
	make_text(text, sizeof text, 127, 1, 'a');
	assert_int_equal(dname_from_text(text, wire, &len), RBL_OK);
	assert_int_equal(len, 255);
}

static void test_empty_label_is_rejected(void **state)
{
	(void)state;
	static const char *const names[] = {"a..b", ".a", "..", "a..", "", ".rbl.example"};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		assert_text_error(names[i], RBL_EINVAL);
}

static void test_hyphen_at_either_end_of_a_label_is_rejected(void **state)
{
	(void)state;
	static const char *const names[] = {"-a.b", "a-.b", "a.-b", "a.b-", "-", "a.-.b"};
	uint8_t wire[DNAME_MAXLEN];
	size_t len;

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		assert_text_error(names[i], RBL_EINVAL);
	assert_int_equal(dname_from_text("a-b.c--d", wire, &len), RBL_OK);
}

static void test_bad_characters_are_rejected(void **state)
{
	(void)state;
	static const char *const names[] = {
		"a b", "a*b", "*.example", "a@b", "a/b", "a:b", "caf\xc3\xa9.example", "a\\b", "a\\", "a\\065", " a",
		"a ", "a\n",
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		assert_text_error(names[i], RBL_EINVAL);
}

static void test_escaped_dot_is_a_byte_inside_a_label(void **state)
{
	(void)state;
	static const uint8_t expected[] = {10, 'f', 'i', 'r', 's', 't', '.', 'l', 'a', 's', 't', 3, 'r', 'b', 'l', 0};

	assert_wire("first\\.last.rbl", expected, sizeof expected);
	assert_wire("First\\.Last.RBL.", expected, sizeof expected);
}

static void test_dname_to_text_round_trips(void **state)
{
	(void)state;
	static const char *const names[][2] = {
		{"rbl.example", "rbl.example"},
		{"RBL.Example.", "rbl.example"},
		{".", "."},
		{"_dmarc.a-1.9", "_dmarc.a-1.9"},
		{"first\\.last.rbl.example", "first\\.last.rbl.example"},
		{"a", "a"},
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		uint8_t wire[DNAME_MAXLEN];
		size_t len;
		char text[DNAME_TEXTMAX];
		assert_int_equal(dname_from_text(names[i][0], wire, &len), RBL_OK);
		assert_int_equal(to_text(wire, len, text), RBL_OK);
		assert_string_equal(text, names[i][1]);
	}
}

static void test_dname_to_text_of_longest_name_fits(void **state)
{
	(void)state;
	char name[300];
	uint8_t wire[DNAME_MAXLEN];
	size_t len;
	char text[DNAME_TEXTMAX];

	make_text(name, sizeof name, 127, 1, 'z');
	assert_int_equal(dname_from_text(name, wire, &len), RBL_OK);
	assert_int_equal(to_text(wire, len, text), RBL_OK);
	assert_string_equal(text, name);
	assert_int_equal(strlen(text), 253);
}

static void test_dname_to_text_of_root_is_dot(void **state)
{
	(void)state;
	char text[DNAME_TEXTMAX];

	assert_int_equal(to_text((const uint8_t[]){0}, 1, text), RBL_OK);
	assert_string_equal(text, ".");
}

static void test_dname_to_text_lowers_uppercase_wire(void **state)
{
	(void)state;
	char text[DNAME_TEXTMAX];

	assert_int_equal(to_text((const uint8_t[]){3, 'R', 'b', 'L', 2, 'E', 'X', 0}, 8, text), RBL_OK);
	assert_string_equal(text, "rbl.ex");
}

static void test_dname_to_text_ignores_bytes_after_root_label(void **state)
{
	(void)state;
	char text[DNAME_TEXTMAX];

	assert_int_equal(to_text((const uint8_t[]){1, 'a', 0, 0xff, 0xc0}, 5, text), RBL_OK);
	assert_string_equal(text, "a");
}

static void test_dname_to_text_rejects_malformed_wire(void **state)
{
	(void)state;
	char text[DNAME_TEXTMAX];

	assert_int_equal(to_text(NULL, 0, text), RBL_EINVAL);
	assert_int_equal(to_text((const uint8_t[]){3, 'a', 'b'}, 3, text), RBL_EINVAL);     /* label past len */
	assert_int_equal(to_text((const uint8_t[]){1, 'a'}, 2, text), RBL_EINVAL);          /* no root label */
	assert_int_equal(to_text((const uint8_t[]){1, 'a', 0}, 2, text), RBL_EINVAL);       /* root past len */
	assert_int_equal(to_text((const uint8_t[]){0xc0, 0x0c}, 2, text), RBL_EINVAL);      /* compression */
	assert_int_equal(to_text((const uint8_t[]){1, 'a', 0xc0, 0x0c}, 4, text), RBL_EINVAL);
	assert_int_equal(to_text((const uint8_t[]){0x41, 'a'}, 2, text), RBL_EINVAL);       /* extended label */
	assert_int_equal(to_text((const uint8_t[]){1, '*', 0}, 3, text), RBL_EINVAL);       /* not a name byte */
	assert_int_equal(to_text((const uint8_t[]){1, '\0', 0}, 3, text), RBL_EINVAL);
	assert_int_equal(to_text((const uint8_t[]){1, 0xc3, 0}, 3, text), RBL_EINVAL);
}

static void test_dname_to_text_rejects_name_longer_than_255(void **state)
{
	(void)state;
	uint8_t wire[4 * 64 + 1];
	char text[DNAME_TEXTMAX];

	for (size_t i = 0; i < 4; i++) {
		wire[i * 64] = 63;
		memset(wire + i * 64 + 1, 'a', 63);
	}
	wire[4 * 64] = 0;
	assert_int_equal(to_text(wire, sizeof wire, text), RBL_EINVAL);
}

/* 255 wire bytes of nothing but dots would need 503 text bytes once escaped. */
static void test_dname_to_text_reports_escaped_text_too_long(void **state)
{
	(void)state;
	uint8_t wire[DNAME_MAXLEN];
	char text[DNAME_TEXTMAX + 16];

	for (size_t i = 0; i < 3; i++) {
		wire[i * 64] = 63;
		memset(wire + i * 64 + 1, '.', 63);
	}
	wire[192] = 61;
	memset(wire + 193, '.', 61);
	wire[254] = 0;
	memset(text, '#', sizeof text);
	assert_int_equal(to_text(wire, sizeof wire, text), RBL_ESPACE);
	for (size_t i = DNAME_TEXTMAX; i < sizeof text; i++)
		assert_int_equal(text[i], '#');
}

static void test_dname_normalize_lowers_and_drops_trailing_dot(void **state)
{
	(void)state;
	char text[DNAME_TEXTMAX];

	assert_int_equal(dname_normalize("RBL.Example.", text), RBL_OK);
	assert_string_equal(text, "rbl.example");
	assert_int_equal(dname_normalize(".", text), RBL_OK);
	assert_string_equal(text, ".");
	assert_int_equal(dname_normalize("a..b", text), RBL_EINVAL);
	assert_int_equal(dname_normalize("-a.b", text), RBL_EINVAL);
	assert_int_equal(dname_normalize("", text), RBL_EINVAL);
}

static void test_dname_from_email_escapes_dots_in_local_part(void **state)
{
	(void)state;
	char text[DNAME_TEXTMAX];

	assert_int_equal(dname_from_email("first.last@rbl.example", text), RBL_OK);
	assert_string_equal(text, "first\\.last.rbl.example");
	assert_int_equal(dname_from_email("a.b.c@rbl.example.", text), RBL_OK);
	assert_string_equal(text, "a\\.b\\.c.rbl.example");
}

static void test_dname_from_email_joins_local_part_and_domain(void **state)
{
	(void)state;
	char text[DNAME_TEXTMAX];

	assert_int_equal(dname_from_email("hostmaster@rbl.example", text), RBL_OK);
	assert_string_equal(text, "hostmaster.rbl.example");
	assert_int_equal(dname_from_email("Hostmaster@RBL.Example.", text), RBL_OK);
	assert_string_equal(text, "hostmaster.rbl.example");
}

static void test_dname_from_email_without_at_is_taken_as_a_name(void **state)
{
	(void)state;
	char text[DNAME_TEXTMAX];

	assert_int_equal(dname_from_email("hostmaster.rbl.example.", text), RBL_OK);
	assert_string_equal(text, "hostmaster.rbl.example");
	assert_int_equal(dname_from_email("first\\.last.rbl.example", text), RBL_OK);
	assert_string_equal(text, "first\\.last.rbl.example");
	assert_int_equal(dname_from_email("a..b", text), RBL_EINVAL);
}

static void test_dname_from_email_result_is_valid_wire_input(void **state)
{
	(void)state;
	static const uint8_t expected[] = {10, 'f', 'i', 'r', 's', 't', '.', 'l', 'a', 's', 't', 3, 'r', 'b', 'l', 0};
	char text[DNAME_TEXTMAX];

	assert_int_equal(dname_from_email("first.last@rbl", text), RBL_OK);
	assert_wire(text, expected, sizeof expected);
}

static void test_dname_from_email_rejects_malformed_address(void **state)
{
	(void)state;
	static const char *const emails[] = {
		"@rbl.example", "hostmaster@", "hostmaster@.", ".a@rbl.example", "a.@rbl.example", "a..b@rbl.example",
		"a b@rbl.example", "a@b@rbl.example", "a\\.b@rbl.example", "a+tag@rbl.example", "-a@rbl.example",
		"a@rbl..example", "a@-rbl.example", "",
	};
	char text[DNAME_TEXTMAX];

	for (size_t i = 0; i < sizeof emails / sizeof emails[0]; i++) {
		if (dname_from_email(emails[i], text) != RBL_EINVAL)
			fail_msg("\"%s\" was not rejected", emails[i]);
	}
}

static void test_dname_from_email_long_parts_are_out_of_range(void **state)
{
	(void)state;
	char email[400];
	char text[DNAME_TEXTMAX];

	make_text(email, sizeof email, 1, 64, 'a');
	strcat(email, "@rbl.example");
	assert_int_equal(dname_from_email(email, text), RBL_ERANGE);
	make_text(email, sizeof email, 1, 63, 'a');
	strcat(email, "@rbl.example");
	assert_int_equal(dname_from_email(email, text), RBL_OK);
	strcpy(email, "a@");
	make_text(email + 2, sizeof email - 2, 4, 63, 'b');
	assert_int_equal(dname_from_email(email, text), RBL_ERANGE);
	strcpy(email, "a@");
	make_text(email + 2, sizeof email - 2, 6, 63, 'b');
	assert_int_equal(dname_from_email(email, text), RBL_ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_converts_to_wire_labels),
		cmocka_unit_test(test_trailing_dot_is_optional),
		cmocka_unit_test(test_uppercase_is_lowered),
		cmocka_unit_test(test_root_is_a_single_zero_byte),
		cmocka_unit_test(test_digits_hyphens_and_underscores_are_accepted),
		cmocka_unit_test(test_label_of_63_is_accepted_and_64_is_out_of_range),
		cmocka_unit_test(test_name_of_255_wire_bytes_is_accepted_and_longer_is_out_of_range),
		cmocka_unit_test(test_empty_label_is_rejected),
		cmocka_unit_test(test_hyphen_at_either_end_of_a_label_is_rejected),
		cmocka_unit_test(test_bad_characters_are_rejected),
		cmocka_unit_test(test_escaped_dot_is_a_byte_inside_a_label),
		cmocka_unit_test(test_dname_to_text_round_trips),
		cmocka_unit_test(test_dname_to_text_of_longest_name_fits),
		cmocka_unit_test(test_dname_to_text_of_root_is_dot),
		cmocka_unit_test(test_dname_to_text_lowers_uppercase_wire),
		cmocka_unit_test(test_dname_to_text_ignores_bytes_after_root_label),
		cmocka_unit_test(test_dname_to_text_rejects_malformed_wire),
		cmocka_unit_test(test_dname_to_text_rejects_name_longer_than_255),
		cmocka_unit_test(test_dname_to_text_reports_escaped_text_too_long),
		cmocka_unit_test(test_dname_normalize_lowers_and_drops_trailing_dot),
		cmocka_unit_test(test_dname_from_email_escapes_dots_in_local_part),
		cmocka_unit_test(test_dname_from_email_joins_local_part_and_domain),
		cmocka_unit_test(test_dname_from_email_without_at_is_taken_as_a_name),
		cmocka_unit_test(test_dname_from_email_result_is_valid_wire_input),
		cmocka_unit_test(test_dname_from_email_rejects_malformed_address),
		cmocka_unit_test(test_dname_from_email_long_parts_are_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
