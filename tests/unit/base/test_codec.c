/* SPDX-License-Identifier: BSD-2-Clause */
/* test_codec.c — byte codec: big-endian layout, varint and string round trips, truncation sets `failed`, bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/codec.h"

/* A reader over exactly len heap bytes, so that a read past the end is an ASan error rather than silent. */
static codec_reader_t exact_reader(const uint8_t *bytes, size_t len, uint8_t **copy)
{
	*copy = malloc(len ? len : 1);
	assert_non_null(*copy);
	if (len)
		memcpy(*copy, bytes, len);
	return (codec_reader_t){*copy, len, false};
}

static void test_fixed_width_integers_are_big_endian(void **state)
{
	(void)state;
	uint8_t buf[16];
	codec_writer_t w = {buf, 0};
	codec_put_u8(&w, 0xab);
	codec_put_u32(&w, 0x01020304u);
	codec_put_u64(&w, 0x1122334455667788ull);
	static const uint8_t expected[] = {0xab, 0x01, 0x02, 0x03, 0x04, 0x11, 0x22,
	                                   0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
	assert_int_equal(w.len, sizeof expected);
	assert_memory_equal(buf, expected, sizeof expected);
}

static void test_fixed_width_integers_round_trip_their_extremes(void **state)
{
	(void)state;
	static const uint32_t u32s[] = {0, 1, 0x7fffffffu, 0x80000000u, UINT32_MAX};
	static const uint64_t u64s[] = {0, 1, UINT32_MAX, (uint64_t)UINT32_MAX + 1, INT64_MAX, UINT64_MAX};
	uint8_t buf[128];
	codec_writer_t w = {buf, 0};
	codec_put_u8(&w, 0);
	codec_put_u8(&w, UINT8_MAX);
	for (size_t i = 0; i < sizeof u32s / sizeof u32s[0]; i++)
		codec_put_u32(&w, u32s[i]);
	for (size_t i = 0; i < sizeof u64s / sizeof u64s[0]; i++)
		codec_put_u64(&w, u64s[i]);
	assert_int_equal(w.len, 2 + 4 * 5 + 8 * 6);

	uint8_t *copy;
	codec_reader_t r = exact_reader(buf, w.len, &copy);
	assert_int_equal(codec_get_u8(&r), 0);
	assert_int_equal(codec_get_u8(&r), UINT8_MAX);
	for (size_t i = 0; i < sizeof u32s / sizeof u32s[0]; i++)
		assert_int_equal(codec_get_u32(&r), u32s[i]);
	for (size_t i = 0; i < sizeof u64s / sizeof u64s[0]; i++)
		assert_true(codec_get_u64(&r) == u64s[i]);
	assert_false(r.failed);
	assert_int_equal(r.left, 0);
	free(copy);
}

/* Bytes a LEB128 varint of v takes: one per started group of 7 bits. */
static size_t varint_size(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static void test_varint_round_trips_every_boundary(void **state)
{
	(void)state;
	for (unsigned bits = 0; bits <= 64; bits++) {
		/* 2^bits - 1 (all ones in `bits` bits) and 2^bits: the last value of one length, the first of the next.
		 */
		uint64_t ones = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
		uint64_t values[2] = {ones, bits < 64 ? UINT64_C(1) << bits : UINT64_MAX};
		for (int i = 0; i < 2; i++) {
			uint8_t buf[16];
			codec_writer_t w = {buf, 0};
			codec_put_varint(&w, values[i]);
			assert_int_equal(w.len, varint_size(values[i]));
			assert_true(w.len <= 10);
			uint8_t *copy;
			codec_reader_t r = exact_reader(buf, w.len, &copy);
			assert_true(codec_get_varint(&r) == values[i]);
			assert_false(r.failed);
			assert_int_equal(r.left, 0);
			free(copy);
		}
	}
}

static void test_varint_is_seven_bits_a_byte_low_group_first(void **state)
{
	(void)state;
	uint8_t buf[16];
	codec_writer_t w = {buf, 0};
	codec_put_varint(&w, 0);
	codec_put_varint(&w, 127);
	codec_put_varint(&w, 128);
	codec_put_varint(&w, 300);
	static const uint8_t expected[] = {0x00, 0x7f, 0x80, 0x01, 0xac, 0x02};
	assert_int_equal(w.len, sizeof expected);
	assert_memory_equal(buf, expected, sizeof expected);

	w.len = 0;
	codec_put_varint(&w, UINT64_MAX);
	static const uint8_t max[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	assert_int_equal(w.len, sizeof max);
	assert_memory_equal(buf, max, sizeof max);
}

static void test_varint_longer_than_ten_bytes_fails(void **state)
{
	(void)state;
	uint8_t endless[12];
	memset(endless, 0x80, sizeof endless); /* continuation bits all the way: no value ends here */
	endless[11] = 0x00;
	uint8_t *copy;
	codec_reader_t r = exact_reader(endless, sizeof endless, &copy);
	assert_int_equal(codec_get_varint(&r), 0);
	assert_true(r.failed);
	free(copy);
}

static void test_varint_whose_tenth_byte_overflows_64_bits_fails(void **state)
{
	(void)state;
	uint8_t too_big[10];
	memset(too_big, 0xff, 9);
	too_big[9] = 0x02; /* bit 64: one past UINT64_MAX, which ends in 0x01 */
	uint8_t *copy;
	codec_reader_t r = exact_reader(too_big, sizeof too_big, &copy);
	assert_int_equal(codec_get_varint(&r), 0);
	assert_true(r.failed);
	free(copy);
	too_big[9] = 0x01;
	r = exact_reader(too_big, sizeof too_big, &copy);
	assert_true(codec_get_varint(&r) == UINT64_MAX);
	assert_false(r.failed);
	free(copy);
}

static void test_varint_cut_before_its_last_byte_fails(void **state)
{
	(void)state;
	uint8_t buf[16];
	codec_writer_t w = {buf, 0};
	codec_put_varint(&w, UINT64_C(1) << 40);
	for (size_t cut = 0; cut < w.len; cut++) {
		uint8_t *copy;
		codec_reader_t r = exact_reader(buf, cut, &copy);
		assert_int_equal(codec_get_varint(&r), 0);
		assert_true(r.failed);
		free(copy);
	}
}

static void test_truncated_fixed_width_read_fails_and_returns_zero(void **state)
{
	(void)state;
	static const uint8_t three[] = {0xde, 0xad, 0xbe};
	uint8_t *copy;
	codec_reader_t r = exact_reader(three, sizeof three, &copy);
	assert_int_equal(codec_get_u32(&r), 0);
	assert_true(r.failed);
	free(copy);

	static const uint8_t seven[] = {1, 2, 3, 4, 5, 6, 7};
	r = exact_reader(seven, sizeof seven, &copy);
	codec_get_u64(&r); /* the high half is there, the low half is not */
	assert_true(r.failed);
	assert_int_equal(r.left, 3); /* the failed half consumed nothing */
	free(copy);

	r = exact_reader(NULL, 0, &copy);
	assert_int_equal(codec_get_u8(&r), 0);
	assert_true(r.failed);
	free(copy);
}

static void test_failure_is_sticky_even_when_later_fields_would_fit(void **state)
{
	(void)state;
	static const uint8_t bytes[] = {0x11, 0x22, 0x33};
	uint8_t *copy;
	codec_reader_t r = exact_reader(bytes, sizeof bytes, &copy);
	codec_get_u32(&r); /* 4 bytes from 3: fails */
	assert_true(r.failed);
	assert_int_equal(codec_get_u8(&r), 0); /* one byte is there, but the reader stays failed */
	assert_true(r.failed);
	char text[8] = "junk";
	codec_get_str(&r, text, sizeof text);
	assert_string_equal(text, "");
	assert_true(r.failed);
	free(copy);
}

static void test_reading_exactly_to_the_end_is_not_a_failure(void **state)
{
	(void)state;
	static const uint8_t bytes[] = {0x01, 0x00, 0x00, 0x00, 0x02};
	uint8_t *copy;
	codec_reader_t r = exact_reader(bytes, sizeof bytes, &copy);
	assert_int_equal(codec_get_u8(&r), 1);
	assert_int_equal(codec_get_u32(&r), 2);
	assert_false(r.failed);
	assert_int_equal(r.left, 0);
	assert_int_equal(codec_get_u8(&r), 0); /* one more is one too many */
	assert_true(r.failed);
	free(copy);
}

static void test_str_is_two_byte_length_then_bytes_without_nul(void **state)
{
	(void)state;
	uint8_t buf[16];
	codec_writer_t w = {buf, 0};
	codec_put_str(&w, "abc");
	codec_put_str(&w, "");
	static const uint8_t expected[] = {0x00, 0x03, 'a', 'b', 'c', 0x00, 0x00};
	assert_int_equal(w.len, sizeof expected);
	assert_memory_equal(buf, expected, sizeof expected);
}

static void test_str_round_trips_empty_and_long_strings(void **state)
{
	(void)state;
	char long_text[1000];
	memset(long_text, 'x', sizeof long_text - 1);
	long_text[sizeof long_text - 1] = '\0';
	uint8_t buf[1100];
	codec_writer_t w = {buf, 0};
	codec_put_str(&w, "");
	codec_put_str(&w, "hostmaster.rbl.example");
	codec_put_str(&w, long_text);
	assert_int_equal(buf[w.len - 999 - 2], 999 >> 8);
	assert_int_equal(buf[w.len - 999 - 1], 999 & 0xff);

	uint8_t *copy;
	codec_reader_t r = exact_reader(buf, w.len, &copy);
	char out[1000];
	codec_get_str(&r, out, sizeof out);
	assert_string_equal(out, "");
	codec_get_str(&r, out, sizeof out);
	assert_string_equal(out, "hostmaster.rbl.example");
	codec_get_str(&r, out, sizeof out);
	assert_string_equal(out, long_text);
	assert_false(r.failed);
	assert_int_equal(r.left, 0);
	free(copy);
}

static void test_str_that_does_not_fit_the_buffer_fails_without_writing_past_it(void **state)
{
	(void)state;
	uint8_t buf[16];
	codec_writer_t w = {buf, 0};
	codec_put_str(&w, "12345");
	uint8_t *copy;

	/* 5 bytes and the NUL fit a buffer of 6. */
	codec_reader_t r = exact_reader(buf, w.len, &copy);
	char *six = malloc(6);
	assert_non_null(six);
	codec_get_str(&r, six, 6);
	assert_false(r.failed);
	assert_string_equal(six, "12345");
	free(six);
	free(copy);

	/* A buffer of 5 has no room for the NUL: the read fails and leaves an empty string. */
	r = exact_reader(buf, w.len, &copy);
	char *five = malloc(5);
	assert_non_null(five);
	memcpy(five, "XXXX", 5);
	codec_get_str(&r, five, 5);
	assert_true(r.failed);
	assert_string_equal(five, "");
	free(five);
	free(copy);
}

static void test_str_whose_length_runs_past_the_value_fails(void **state)
{
	(void)state;
	static const uint8_t lying[] = {0x00, 0x0a, 'a', 'b', 'c'}; /* says 10 bytes, has 3 */
	uint8_t *copy;
	codec_reader_t r = exact_reader(lying, sizeof lying, &copy);
	char out[64] = "unchanged?";
	codec_get_str(&r, out, sizeof out);
	assert_true(r.failed);
	assert_string_equal(out, "");
	free(copy);

	static const uint8_t half_length[] = {0x00};
	r = exact_reader(half_length, sizeof half_length, &copy);
	codec_get_str(&r, out, sizeof out);
	assert_true(r.failed);
	assert_string_equal(out, "");
	free(copy);
}

static void test_vstr_is_varint_length_then_bytes(void **state)
{
	(void)state;
	char text[201];
	memset(text, 'q', 200);
	text[200] = '\0';
	uint8_t buf[256];
	codec_writer_t w = {buf, 0};
	codec_put_vstr(&w, "hi");
	assert_int_equal(w.len, 3);
	assert_int_equal(buf[0], 2);
	assert_memory_equal(buf + 1, "hi", 2);
	w.len = 0;
	codec_put_vstr(&w, text); /* 200 needs a two-byte varint: 0xc8 0x01 */
	assert_int_equal(w.len, 202);
	assert_int_equal(buf[0], 0xc8);
	assert_int_equal(buf[1], 0x01);
	assert_memory_equal(buf + 2, text, 200);
}

static void test_vstr_round_trips_across_the_one_byte_length_boundary(void **state)
{
	(void)state;
	static const size_t lengths[] = {0, 1, 127, 128, 1023};
	for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
		char text[1024];
		for (size_t j = 0; j < lengths[i]; j++)
			text[j] = (char)('a' + j % 26);
		text[lengths[i]] = '\0';
		uint8_t buf[1100];
		codec_writer_t w = {buf, 0};
		codec_put_vstr(&w, text);
		assert_int_equal(w.len, varint_size(lengths[i]) + lengths[i]);
		uint8_t *copy;
		codec_reader_t r = exact_reader(buf, w.len, &copy);
		char out[1024];
		codec_get_vstr(&r, out, sizeof out);
		assert_false(r.failed);
		assert_int_equal(r.left, 0);
		assert_string_equal(out, text);
		free(copy);
	}
}

static void test_vstr_that_does_not_fit_the_buffer_fails(void **state)
{
	(void)state;
	uint8_t buf[16];
	codec_writer_t w = {buf, 0};
	codec_put_vstr(&w, "abcd");
	uint8_t *copy;
	codec_reader_t r = exact_reader(buf, w.len, &copy);
	char *four = malloc(4);
	assert_non_null(four);
	memcpy(four, "XYZ", 4);
	codec_get_vstr(&r, four, 4);
	assert_true(r.failed);
	assert_string_equal(four, "");
	free(four);
	free(copy);
}

static void test_view_vstr_points_into_the_buffer_without_copying(void **state)
{
	(void)state;
	uint8_t buf[32];
	codec_writer_t w = {buf, 0};
	codec_put_u8(&w, 7);
	codec_put_vstr(&w, "reason text");
	codec_put_u8(&w, 9);
	codec_reader_t r = {buf, w.len, false};
	assert_int_equal(codec_get_u8(&r), 7);
	const char *s = NULL;
	size_t len = 0;
	codec_view_vstr(&r, &s, &len);
	assert_false(r.failed);
	assert_ptr_equal(s, (const char *)buf + 2);
	assert_int_equal(len, 11);
	assert_memory_equal(s, "reason text", 11);
	assert_int_equal(codec_get_u8(&r), 9); /* the view consumed exactly the string */
	assert_int_equal(r.left, 0);
}

static void test_view_vstr_past_the_end_fails_with_an_empty_view(void **state)
{
	(void)state;
	static const uint8_t lying[] = {0x05, 'a', 'b'}; /* says 5 bytes, has 2 */
	uint8_t *copy;
	codec_reader_t r = exact_reader(lying, sizeof lying, &copy);
	const char *s = NULL;
	size_t len = 99;
	codec_view_vstr(&r, &s, &len);
	assert_true(r.failed);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(copy);

	/* A length varint bigger than any buffer (2^63) must not wrap the bound check. */
	static const uint8_t huge[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 'x'};
	r = exact_reader(huge, sizeof huge, &copy);
	char out[16] = "unchanged?";
	codec_get_vstr(&r, out, sizeof out);
	assert_true(r.failed);
	assert_string_equal(out, "");
	free(copy);
}

static void test_mixed_fields_round_trip_in_order(void **state)
{
	(void)state;
	uint8_t buf[128];
	codec_writer_t w = {buf, 0};
	codec_put_u8(&w, 2);
	codec_put_varint(&w, 1700000000);
	codec_put_str(&w, "rbl.example");
	codec_put_u64(&w, 42);
	codec_put_vstr(&w, "");
	codec_put_u32(&w, 0x7f000002u);
	uint8_t *copy;
	codec_reader_t r = exact_reader(buf, w.len, &copy);
	char name[32], empty[4] = "x";
	assert_int_equal(codec_get_u8(&r), 2);
	assert_int_equal(codec_get_varint(&r), 1700000000);
	codec_get_str(&r, name, sizeof name);
	assert_int_equal(codec_get_u64(&r), 42);
	codec_get_vstr(&r, empty, sizeof empty);
	assert_int_equal(codec_get_u32(&r), 0x7f000002u);
	assert_false(r.failed);
	assert_int_equal(r.left, 0);
	assert_string_equal(name, "rbl.example");
	assert_string_equal(empty, "");
	free(copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_fixed_width_integers_are_big_endian),
	        cmocka_unit_test(test_fixed_width_integers_round_trip_their_extremes),
	        cmocka_unit_test(test_varint_round_trips_every_boundary),
	        cmocka_unit_test(test_varint_is_seven_bits_a_byte_low_group_first),
	        cmocka_unit_test(test_varint_longer_than_ten_bytes_fails),
	        cmocka_unit_test(test_varint_whose_tenth_byte_overflows_64_bits_fails),
	        cmocka_unit_test(test_varint_cut_before_its_last_byte_fails),
	        cmocka_unit_test(test_truncated_fixed_width_read_fails_and_returns_zero),
	        cmocka_unit_test(test_failure_is_sticky_even_when_later_fields_would_fit),
	        cmocka_unit_test(test_reading_exactly_to_the_end_is_not_a_failure),
	        cmocka_unit_test(test_str_is_two_byte_length_then_bytes_without_nul),
	        cmocka_unit_test(test_str_round_trips_empty_and_long_strings),
	        cmocka_unit_test(test_str_that_does_not_fit_the_buffer_fails_without_writing_past_it),
	        cmocka_unit_test(test_str_whose_length_runs_past_the_value_fails),
	        cmocka_unit_test(test_vstr_is_varint_length_then_bytes),
	        cmocka_unit_test(test_vstr_round_trips_across_the_one_byte_length_boundary),
	        cmocka_unit_test(test_vstr_that_does_not_fit_the_buffer_fails),
	        cmocka_unit_test(test_view_vstr_points_into_the_buffer_without_copying),
	        cmocka_unit_test(test_view_vstr_past_the_end_fails_with_an_empty_view),
	        cmocka_unit_test(test_mixed_fields_round_trip_in_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
