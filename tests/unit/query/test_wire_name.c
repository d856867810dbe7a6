/* SPDX-License-Identifier: BSD-2-Clause */
/* test_wire_name.c — wire_name_equal, the in-place case-blind comparison of a question's name (RFC 4343, ASCII only),
 * against a byte-by-byte reference; and the question name as the parser leaves it, in the packet, uncopied.
 *
 * Every name is compared from heap blocks of exactly its length, so AddressSanitizer fails the test on any read past
 * len (the comparison reads a word at a time). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "query/wire.h"

/* cmocka hands every test a state pointer; none of these tests needs one. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

/* What wire_name_equal must say, one byte at a time. */
static bool reference_equal(const uint8_t *name, const uint8_t *lower, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t c = name[i] >= 'A' && name[i] <= 'Z' ? (uint8_t)(name[i] + ('a' - 'A')) : name[i];
		if (c != lower[i])
			return false;
	}
	return true;
}

/* wire_name_equal on exact-size heap copies of both sides. */
static bool equal_exact(const uint8_t *name, const uint8_t *lower, size_t len)
{
	uint8_t *n = malloc(len ? len : 1), *l = malloc(len ? len : 1);
	assert_non_null(n);
	assert_non_null(l);
	memcpy(n, name, len);
	memcpy(l, lower, len);
	bool equal = wire_name_equal(n, l, len);
	free(n);
	free(l);
	return equal;
}

static void test_mixed_case_0x20_name_equals_its_lowercase_form(void **state)
{
	/* clang-format off */
	static const uint8_t mixed[] = "\x01" "2" "\x01" "0" "\x01" "0" "\x03" "127" "\x03" "RbL" "\x07" "eXaMpLe";
	static const uint8_t lower[] = "\x01" "2" "\x01" "0" "\x01" "0" "\x03" "127" "\x03" "rbl" "\x07" "example";
	/* clang-format on */
	assert_true(equal_exact(mixed, lower, sizeof mixed)); /* the literal's NUL is the root label */
	for (size_t len = 0; len <= sizeof mixed; len++)
		assert_true(equal_exact(mixed, lower, len)); /* every prefix: the word loop, the overlap, the bytes */
}

static void test_name_differing_in_one_letter_is_not_equal_at_any_position(void **state)
{
	/* clang-format off */
	static const uint8_t lower[] = "\x07" "example" "\x03" "net" "\x0b" "abcdefghijk";
	/* clang-format on */
	for (size_t len = 1; len <= sizeof lower; len++) {
		for (size_t at = 0; at < len; at++) {
			uint8_t name[sizeof lower];
			memcpy(name, lower, sizeof lower);
			name[at] ^= 0x01;
			assert_false(equal_exact(name, lower, len));
			name[at] = lower[at] >= 'a' && lower[at] <= 'z' ? (uint8_t)(lower[at] - 0x20) : lower[at];
			assert_true(equal_exact(name, lower, len));
		}
	}
}

/* Every pair of byte values, at every position of names of 1 to 17 bytes (below a word, one word, a word and an
 * overlapping tail, two words and one), agrees with the byte-by-byte reference: letters fold, and nothing else does
 * (not '@' and '`', '[' and '{', 0xC1 and 0xE1, length bytes). */
static void test_every_byte_pair_at_every_position_agrees_with_the_reference(void **state)
{
	static const size_t lengths[] = {1, 7, 8, 9, 15, 16, 17};
	uint8_t name[17], lower[17];
	for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++) {
		size_t len = lengths[l];
		for (size_t i = 0; i < len; i++)
			name[i] = lower[i] = (uint8_t)('a' + i);
		for (size_t at = 0; at < len; at++) {
			for (unsigned a = 0; a < 256; a++) {
				for (unsigned b = 0; b < 256; b++) {
					name[at] = (uint8_t)a;
					lower[at] = (uint8_t)b;
					if (wire_name_equal(name, lower, len) != reference_equal(name, lower, len))
						fail_msg("len %zu, byte %zu: name 0x%02x, lower 0x%02x", len, at, a, b);
				}
			}
			name[at] = lower[at] = (uint8_t)('a' + at);
		}
	}
}

static void test_lowercase_side_with_an_uppercase_letter_equals_no_name(void **state)
{
	/* clang-format off */
	static const uint8_t upper[] = "\x03" "RBL";
	static const uint8_t name[] = "\x03" "rbl";
	/* clang-format on */
	assert_false(equal_exact(name, upper, sizeof upper));
	assert_false(equal_exact(upper, upper, sizeof upper));
}

static void test_empty_stretches_are_equal(void **state)
{
	assert_true(equal_exact((const uint8_t *)"", (const uint8_t *)"", 0));
}

/* A question of 127 one-byte labels in mixed case: the parser leaves it in the packet, labels where they are. */
static void test_question_of_127_mixed_case_labels_is_compared_in_the_packet(void **state)
{
	uint8_t pkt[WIRE_HEADER_LEN + 255 + 4] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
	uint8_t lower[255];
	size_t at = WIRE_HEADER_LEN;
	for (size_t i = 0; i < 127; i++) {
		pkt[at++] = 1;
		pkt[at++] = i % 2 ? 'A' : 'b';
		lower[2 * i] = 1;
		lower[2 * i + 1] = i % 2 ? 'a' : 'b';
	}
	pkt[at++] = 0;
	lower[254] = 0;
	pkt[at++] = 0;
	pkt[at++] = 1; /* A */
	pkt[at++] = 0;
	pkt[at++] = 1; /* IN */
	wire_query_t q;
	assert_int_equal(wire_parse_query(pkt, at, &q), WIRE_ANSWER);
	assert_ptr_equal(q.qname, pkt + WIRE_HEADER_LEN);
	assert_int_equal(q.qname_len, 255);
	assert_int_equal(q.labels, 127);
	for (unsigned i = 0; i < q.labels; i++)
		assert_int_equal(q.label_off[i], 2 * i);
	assert_true(wire_name_equal(q.qname, lower, q.qname_len));
	/* Each suffix from a label boundary on, as the zone match compares it. */
	for (unsigned i = 0; i < q.labels; i++)
		assert_true(wire_name_equal(q.qname + q.label_off[i], lower + 2 * i, q.qname_len - 2 * i));
	assert_int_equal(pkt[WIRE_HEADER_LEN + 3], 'A'); /* nothing was lowercased in place */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_mixed_case_0x20_name_equals_its_lowercase_form),
	        cmocka_unit_test(test_name_differing_in_one_letter_is_not_equal_at_any_position),
	        cmocka_unit_test(test_every_byte_pair_at_every_position_agrees_with_the_reference),
	        cmocka_unit_test(test_lowercase_side_with_an_uppercase_letter_equals_no_name),
	        cmocka_unit_test(test_empty_stretches_are_equal),
	        cmocka_unit_test(test_question_of_127_mixed_case_labels_is_compared_in_the_packet),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
