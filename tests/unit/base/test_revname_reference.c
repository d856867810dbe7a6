/* SPDX-License-Identifier: BSD-2-Clause */
/* test_revname_reference.c — revname_parse reads both families in one pass and stops when neither can hold; it must
 * say exactly what the two-pass reading it replaced said (kept here as the reference) for every label sequence.
 *
 * Each sequence is parsed from a heap block of exactly its length, so AddressSanitizer fails the test on any read
 * past len. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/addr.h"
#include "base/revname.h"

/* cmocka hands every test a state pointer; none of these tests needs one. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

/* --- the reference: the reading before the one-pass parse, unchanged --------------------------------------------- */

static bool reference_octet(const uint8_t *label, size_t n, uint8_t *octet)
{
	unsigned value = 0;
	if (n == 0 || n > 3 || (n > 1 && label[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (label[i] < '0' || label[i] > '9')
			return false;
		value = value * 10 + (unsigned)(label[i] - '0');
	}
	if (value > 255)
		return false;
	*octet = (uint8_t)value;
	return true;
}

static bool reference_nibble(const uint8_t *label, size_t n, uint8_t *nibble)
{
	if (n != 1)
		return false;
	uint8_t c = label[0];
	if (c >= '0' && c <= '9')
		*nibble = (uint8_t)(c - '0');
	else if (c >= 'a' && c <= 'f')
		*nibble = (uint8_t)(c - 'a' + 10);
	else if (c >= 'A' && c <= 'F')
		*nibble = (uint8_t)(c - 'A' + 10);
	else
		return false;
	return true;
}

static void reference_parse(const uint8_t *labels, size_t len, revname_t *out)
{
	size_t offsets[32];
	size_t count = 0;
	memset(out, 0, sizeof *out);
	for (size_t pos = 0; pos < len;) {
		size_t n = labels[pos];
		if (n == 0 || n > len - pos - 1 || count == 32)
			return;
		offsets[count++] = pos;
		pos += 1 + n;
	}
	if (count == 0)
		return;
	bool v4_ok = count <= 4, v6_ok = true;
	uint8_t v4[4] = {0}, v6[16] = {0};
	for (size_t i = 0; i < count; i++) {
		const uint8_t *label = labels + offsets[i] + 1;
		size_t n = labels[offsets[i]], from_top = count - 1 - i;
		uint8_t value;
		if (v4_ok) {
			if (reference_octet(label, n, &value))
				v4[from_top] = value;
			else
				v4_ok = false;
		}
		if (v6_ok) {
			if (reference_nibble(label, n, &value))
				v6[from_top / 2] |= (uint8_t)(from_top % 2 ? value : value << 4);
			else
				v6_ok = false;
		}
	}
	if (v4_ok) {
		out->v4_valid = true;
		out->v4.addr.family = ADDR_V4;
		memcpy(out->v4.addr.b, v4, sizeof v4);
		out->v4.len = (uint8_t)(8 * count);
	}
	if (v6_ok) {
		out->v6_valid = true;
		out->v6.addr.family = ADDR_V6;
		memcpy(out->v6.addr.b, v6, sizeof v6);
		out->v6.len = (uint8_t)(4 * count);
		static const uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (count == 32 && memcmp(v6, mapped_prefix, sizeof mapped_prefix) == 0) {
			out->v6_mapped = true;
			out->v4_valid = true;
			memset(&out->v4, 0, sizeof out->v4);
			out->v4.addr.family = ADDR_V4;
			memcpy(out->v4.addr.b, v6 + 12, 4);
			out->v4.len = 32;
		}
	}
}

/* --- the comparison ----------------------------------------------------------------------------------------------- */

static void assert_same_reading(const uint8_t *labels, size_t len)
{
	uint8_t *exact = malloc(len ? len : 1);
	assert_non_null(exact);
	if (len)
		memcpy(exact, labels, len);
	revname_t got, want;
	memset(&got, 0xAA, sizeof got); /* padding and all: every field must be written */
	revname_parse(exact, len, &got);
	reference_parse(exact, len, &want);
	free(exact);
	assert_int_equal(got.v4_valid, want.v4_valid);
	assert_int_equal(got.v6_valid, want.v6_valid);
	assert_int_equal(got.v6_mapped, want.v6_mapped);
	assert_int_equal(got.v4.len, want.v4.len);
	assert_int_equal(got.v6.len, want.v6.len);
	assert_int_equal(got.v4.addr.family, want.v4.addr.family);
	assert_int_equal(got.v6.addr.family, want.v6.addr.family);
	assert_memory_equal(got.v4.addr.b, want.v4.addr.b, sizeof got.v4.addr.b);
	assert_memory_equal(got.v6.addr.b, want.v6.addr.b, sizeof got.v6.addr.b);
}

/* Appends a label of the given text to wire, returning the new length. */
static size_t put_label(uint8_t *wire, size_t len, const char *text)
{
	size_t n = strlen(text);
	wire[len] = (uint8_t)n;
	memcpy(wire + len + 1, text, n);
	return len + 1 + n;
}

/* Labels that are octets, nibbles, both, or neither, and the edges between. */
static const char *const pieces[] = {
        "0",   "1",   "9",   "a",   "F",   "f",   "g",   "G",   "00",   "01",   "10", "99",
        "100", "199", "200", "255", "256", "299", "300", "999", "1000", "0a",   "a0", "-1",
        "+1",  " 1",  "1 ",  "25:", "/",   ":",   "`",   "@",   "ff",   "ffff", "x",
};
#define PIECES (sizeof pieces / sizeof pieces[0])

static void test_every_sequence_of_up_to_three_labels_reads_as_before(void **state)
{
	uint8_t wire[64] = {0};
	assert_same_reading(wire, 0);
	for (size_t a = 0; a < PIECES; a++) {
		size_t la = put_label(wire, 0, pieces[a]);
		assert_same_reading(wire, la);
		for (size_t b = 0; b < PIECES; b++) {
			size_t lb = put_label(wire, la, pieces[b]);
			assert_same_reading(wire, lb);
			for (size_t c = 0; c < PIECES; c++)
				assert_same_reading(wire, put_label(wire, lb, pieces[c]));
		}
	}
}

/* Random sequences of 1 to 34 labels, mostly nibbles (so 32-label names, mapped ones among them, are common), with
 * octets and other labels mixed in; and the same bytes cut at every length, malformed tails included. */
static void test_random_sequences_and_their_cuts_read_as_before(void **state)
{
	static const char *const nibbles[] = {"0", "0", "0", "f", "F", "1", "7", "a", "C"};
	srand(20240514);
	for (int round = 0; round < 20000; round++) {
		uint8_t wire[256];
		size_t len = 0;
		int labels = 1 + rand() % 34;
		bool mapped = rand() % 4 == 0;
		for (int i = 0; i < labels; i++) {
			const char *text;
			if (mapped && labels == 32)
				text = i < 8 ? nibbles[1 + rand() % 8] : i < 12 ? "f" : "0";
			else if (rand() % 8 == 0)
				text = pieces[(size_t)rand() % PIECES];
			else
				text = nibbles[(size_t)rand() % (sizeof nibbles / sizeof nibbles[0])];
			len = put_label(wire, len, text);
		}
		assert_same_reading(wire, len);
		for (size_t cut = 0; cut < len; cut++)
			assert_same_reading(wire, cut);
	}
}

static void test_zero_length_label_after_a_label_that_is_neither_reads_as_before(void **state)
{
	/* The one-pass reading stops at "www" and never looks at the zero length byte behind it: both say nothing. */
	static const uint8_t wire[] = {3, 'w', 'w', 'w', 0, 1, '1'};
	assert_same_reading(wire, sizeof wire);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_every_sequence_of_up_to_three_labels_reads_as_before),
	        cmocka_unit_test(test_random_sequences_and_their_cuts_read_as_before),
	        cmocka_unit_test(test_zero_length_label_after_a_label_that_is_neither_reads_as_before),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
