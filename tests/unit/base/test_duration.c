/* SPDX-License-Identifier: BSD-2-Clause */
/* test_duration.c — durations, expiry times, and UTC time stamps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/duration.h"
#include "base/err.h"

#define NEW_YEAR_2026 INT64_C(1767225600) /* 2026-01-01T00:00:00Z */
#define NEW_YEARS_EVE_2026 (NEW_YEAR_2026 + 364 * INT64_C(86400))

static void assert_duration(const char *text, int64_t expected)
{
	int64_t seconds = -1;

	assert_int_equal(duration_parse(text, &seconds), RBL_OK);
	assert_int_equal(seconds, expected);
}

static void assert_duration_error(const char *text, int err)
{
	int64_t seconds;

	if (duration_parse(text, &seconds) != err)
		fail_msg("\"%s\" did not give %d", text, err);
}

static void assert_expiry(const char *text, int64_t expected)
{
	int64_t when = -1;

	assert_int_equal(duration_parse_expiry(text, NEW_YEAR_2026, &when), RBL_OK);
	assert_int_equal(when, expected);
}

static void assert_expiry_error(const char *text, int err)
{
	int64_t when;

	if (duration_parse_expiry(text, NEW_YEAR_2026, &when) != err)
		fail_msg("\"%s\" did not give %d", text, err);
}

static void assert_time_text(int64_t when, const char *expected)
{
	char buf[TIME_STRLEN];

	duration_format_time(when, buf);
	assert_string_equal(buf, expected);
}

static void test_each_unit_scales_to_seconds(void **state)
{
	(void)state;
	assert_duration("90s", 90);
	assert_duration("15m", 15 * 60);
	assert_duration("12h", 12 * 3600);
	assert_duration("30d", 30 * 86400);
	assert_duration("2w", 14 * 86400);
}

static void test_zero_duration_is_allowed(void **state)
{
	(void)state;
	assert_duration("0s", 0);
	assert_duration("0w", 0);
}

static void test_leading_zeros_in_duration_are_accepted(void **state)
{
	(void)state;
	assert_duration("05m", 300);
	assert_duration("00s", 0);
}

static void test_number_without_unit_is_rejected(void **state)
{
	(void)state;
	assert_duration_error("10", RBL_EINVAL);
	assert_duration_error("0", RBL_EINVAL);
}

static void test_unknown_or_repeated_unit_is_rejected(void **state)
{
	(void)state;
	static const char *const junk[] = {"10x", "10ms", "5mm", "1h30m", "10S", "10M", "m", "s", "1.5h", "0x10s"};

	for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++)
		assert_duration_error(junk[i], RBL_EINVAL);
}

static void test_signed_duration_is_rejected(void **state)
{
	(void)state;
	assert_duration_error("-5m", RBL_EINVAL);
	assert_duration_error("+5m", RBL_EINVAL);
}

static void test_whitespace_in_duration_is_rejected(void **state)
{
	(void)state;
	assert_duration_error("5 m", RBL_EINVAL);
	assert_duration_error(" 5m", RBL_EINVAL);
	assert_duration_error("5m ", RBL_EINVAL);
	assert_duration_error("5m\n", RBL_EINVAL);
	assert_duration_error("", RBL_EINVAL);
}

/* Ten years is 3653 days: the longest ten calendar years hold three leap days. */
static void test_duration_past_ten_years_is_out_of_range(void **state)
{
	(void)state;
	assert_duration("3653d", 3653 * INT64_C(86400));
	assert_duration("315619200s", INT64_C(315619200));
	assert_duration("521w", 521 * 7 * INT64_C(86400));
	assert_duration_error("3654d", RBL_ERANGE);
	assert_duration_error("315619201s", RBL_ERANGE);
	assert_duration_error("522w", RBL_ERANGE);
	assert_duration_error("87673h", RBL_ERANGE);
	assert_duration_error("99999999999999999999999999s", RBL_ERANGE);
	/* Overlong digits do not hide a bad unit. */
	assert_duration_error("99999999999999999999999999x", RBL_EINVAL);
}

static void test_expiry_duration_counts_from_now(void **state)
{
	(void)state;
	assert_expiry("30d", NEW_YEAR_2026 + 30 * 86400);
	assert_expiry("1s", NEW_YEAR_2026 + 1);
}

static void test_expiry_date_is_midnight_utc(void **state)
{
	(void)state;
	assert_expiry("2026-12-31", NEW_YEARS_EVE_2026);
	assert_expiry("2026-01-02", NEW_YEAR_2026 + 86400);
}

static void test_expiry_date_time_is_utc_with_optional_seconds_and_z(void **state)
{
	(void)state;
	int64_t noon = NEW_YEARS_EVE_2026 + 12 * 3600;

	assert_expiry("2026-12-31T12:00Z", noon);
	assert_expiry("2026-12-31T12:00:00Z", noon);
	assert_expiry("2026-12-31T12:00", noon);
	assert_expiry("2026-12-31T12:00:30", noon + 30);
	assert_expiry("2026-12-31T23:59:59Z", NEW_YEARS_EVE_2026 + 86399);
}

static void test_impossible_dates_are_rejected(void **state)
{
	(void)state;
	static const char *const impossible[] = {
		"2026-02-30", "2026-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00", "2026-01-32",
		"2100-02-29", "2026-12-31T24:00Z", "2026-12-31T12:60Z", "2026-12-31T12:00:60Z",
	};

	for (size_t i = 0; i < sizeof impossible / sizeof impossible[0]; i++)
		assert_expiry_error(impossible[i], RBL_EINVAL);
}

static void test_leap_day_is_accepted_in_leap_years(void **state)
{
	(void)state;
	int64_t when;

	assert_int_equal(duration_parse_expiry("2028-02-29", NEW_YEAR_2026, &when), RBL_OK);
	assert_int_equal(when, NEW_YEAR_2026 + (365 + 365 + 31 + 28) * INT64_C(86400));
	assert_int_equal(duration_parse_expiry("2400-02-29T00:00Z", NEW_YEAR_2026, &when), RBL_OK);
}

static void test_expiry_in_the_past_is_out_of_range(void **state)
{
	(void)state;
	assert_expiry_error("2025-01-01", RBL_ERANGE);
	assert_expiry_error("2025-12-31T23:59:59Z", RBL_ERANGE);
	assert_expiry_error("1970-01-01", RBL_ERANGE);
}

/* "After now" is strict: something that expires the moment it is added was never listed. */
static void test_expiry_at_exactly_now_is_out_of_range(void **state)
{
	(void)state;
	assert_expiry_error("2026-01-01", RBL_ERANGE);
	assert_expiry_error("2026-01-01T00:00:00Z", RBL_ERANGE);
	assert_expiry_error("0s", RBL_ERANGE);
}

static void test_expiry_duration_past_ten_years_is_out_of_range(void **state)
{
	(void)state;
	assert_expiry_error("3654d", RBL_ERANGE);
}

static void test_malformed_expiry_is_rejected(void **state)
{
	(void)state;
	static const char *const junk[] = {
		"", "tomorrow", "10", "-5m", "5 m", "2026-1-1", "26-12-31", "2026/12/31", "20261231", "2026-12-31T",
		"2026-12-31T12", "2026-12-31T1:00", "2026-12-31T12:0", "2026-12-31T12:00:0", "2026-12-31T12:00:00ZZ",
		"2026-12-31T12:00+01:00", "2026-12-31T12:00:00.5Z", "2026-12-31 12:00", "2026-12-31Z",
		"2026-12-31t12:00z", " 2026-12-31", "2026-12-31 ", "+2026-12-31", "12026-12-31",
		"2026-12-31T12:00:00Z\n",
	};

	for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++)
		assert_expiry_error(junk[i], RBL_EINVAL);
}

static void test_time_format_of_zero_is_never(void **state)
{
	(void)state;
	assert_time_text(0, "never");
}

static void test_time_format_writes_iso_utc(void **state)
{
	(void)state;
	assert_time_text(NEW_YEARS_EVE_2026 + 12 * 3600 + 5, "2026-12-31T12:00:05Z");
	assert_time_text(1, "1970-01-01T00:00:01Z");
	assert_time_text(-1, "1969-12-31T23:59:59Z");
	assert_time_text(INT64_C(253402300799), "9999-12-31T23:59:59Z");
}

static void test_time_format_outside_four_digit_years_writes_raw_seconds(void **state)
{
	(void)state;
	assert_time_text(INT64_C(253402300800), "@253402300800");
	assert_time_text(INT64_C(-62167219201), "@-62167219201");
	assert_time_text(INT64_MAX, "@9223372036854775807");
	assert_time_text(INT64_MIN, "out of range");
}

static void test_time_format_stays_within_documented_21_bytes(void **state)
{
	(void)state;
	static const int64_t times[] = {0, 1, -1, NEW_YEAR_2026, INT64_C(253402300799), INT64_MAX, INT64_MIN};

	for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
		char buf[TIME_STRLEN + 8];
		memset(buf, '#', sizeof buf);
		duration_format_time(times[i], buf);
		assert_true(strlen(buf) <= 20);
		for (size_t j = 21; j < sizeof buf; j++)
			assert_int_equal(buf[j], '#');
	}
}

static void test_time_format_round_trips_through_expiry_parse(void **state)
{
	(void)state;
	static const int64_t times[] = {NEW_YEAR_2026 + 1, NEW_YEARS_EVE_2026 + 43261, INT64_C(4102444800)};

	for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
		char buf[TIME_STRLEN];
		int64_t back;
		duration_format_time(times[i], buf);
		assert_int_equal(duration_parse_expiry(buf, NEW_YEAR_2026, &back), RBL_OK);
		assert_int_equal(back, times[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_unit_scales_to_seconds),
		cmocka_unit_test(test_zero_duration_is_allowed),
		cmocka_unit_test(test_leading_zeros_in_duration_are_accepted),
		cmocka_unit_test(test_number_without_unit_is_rejected),
		cmocka_unit_test(test_unknown_or_repeated_unit_is_rejected),
		cmocka_unit_test(test_signed_duration_is_rejected),
		cmocka_unit_test(test_whitespace_in_duration_is_rejected),
		cmocka_unit_test(test_duration_past_ten_years_is_out_of_range),
		cmocka_unit_test(test_expiry_duration_counts_from_now),
		cmocka_unit_test(test_expiry_date_is_midnight_utc),
		cmocka_unit_test(test_expiry_date_time_is_utc_with_optional_seconds_and_z),
		cmocka_unit_test(test_impossible_dates_are_rejected),
		cmocka_unit_test(test_leap_day_is_accepted_in_leap_years),
		cmocka_unit_test(test_expiry_in_the_past_is_out_of_range),
		cmocka_unit_test(test_expiry_at_exactly_now_is_out_of_range),
		cmocka_unit_test(test_expiry_duration_past_ten_years_is_out_of_range),
		cmocka_unit_test(test_malformed_expiry_is_rejected),
		cmocka_unit_test(test_time_format_of_zero_is_never),
		cmocka_unit_test(test_time_format_writes_iso_utc),
		cmocka_unit_test(test_time_format_outside_four_digit_years_writes_raw_seconds),
		cmocka_unit_test(test_time_format_stays_within_documented_21_bytes),
		cmocka_unit_test(test_time_format_round_trips_through_expiry_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
