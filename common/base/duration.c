/* SPDX-License-Identifier: BSD-2-Clause */
/* duration.c — durations and expiry times as typed by operators, and UTC time stamps for display. */
#include "base/duration.h"

#include "base/err.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

/* Ten years of the longest kind (three leap days): anything longer is a typo, and the cap keeps now + duration far
 * from int64 overflow. */
#define DURATION_MAX ((int64_t)3653 * 86400)

/* The documented minimum size of duration_format_time's buffer. */
#define TIME_MINBUF 21

static int64_t unit_seconds(char unit)
{
	switch (unit) {
	case 's': return 1;
	case 'm': return 60;
	case 'h': return 3600;
	case 'd': return 86400;
	case 'w': return 7 * 86400;
	}
	return 0;
}

int duration_parse(const char *text, int64_t *seconds)
{
	size_t i = 0;
	int64_t value = 0;

	/* Keep reading digits after the value passes the cap so that "99999999999999999999x" is still malformed
	 * rather than too long, but stop growing it: it could not overflow later. */
	while (text[i] >= '0' && text[i] <= '9') {
		if (value <= DURATION_MAX)
			value = value * 10 + (text[i] - '0');
		i++;
	}
	if (i == 0)
		return RBL_EINVAL;
	int64_t unit = unit_seconds(text[i]);
	if (unit == 0 || text[i + 1] != '\0')
		return RBL_EINVAL;
	if (value > DURATION_MAX / unit)
		return RBL_ERANGE;
	*seconds = value * unit;
	return RBL_OK;
}

/* Reads exactly n digits; stops at the first non-digit, so it never reads past a terminating NUL. */
static bool fixed_digits(const char *s, size_t n, int *value)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*value = v;
	return true;
}

static int days_in_month(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS][Z]", every field fixed width. timegm() would quietly turn 02-30 into
 * 03-02, so the fields are range-checked first. */
static int parse_utc_time(const char *text, int64_t *when)
{
	int year, month, day, hour = 0, minute = 0, second = 0;
	const char *p = text;

	if (!fixed_digits(p, 4, &year) || p[4] != '-' || !fixed_digits(p + 5, 2, &month) || p[7] != '-' ||
	    !fixed_digits(p + 8, 2, &day))
		return RBL_EINVAL;
	p += 10;
	if (*p == 'T') {
		if (!fixed_digits(p + 1, 2, &hour) || p[3] != ':' || !fixed_digits(p + 4, 2, &minute))
			return RBL_EINVAL;
		p += 6;
		if (*p == ':') {
			if (!fixed_digits(p + 1, 2, &second))
				return RBL_EINVAL;
			p += 3;
		}
		if (*p == 'Z')
			p++;
	}
	if (*p != '\0')
		return RBL_EINVAL;
	if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 ||
	    second > 59)
		return RBL_EINVAL;

	struct tm tm = {
		.tm_year = year - 1900,
		.tm_mon = month - 1,
		.tm_mday = day,
		.tm_hour = hour,
		.tm_min = minute,
		.tm_sec = second,
	};
	*when = (int64_t)timegm(&tm);
	return RBL_OK;
}

int duration_parse_expiry(const char *text, int64_t now, int64_t *when)
{
	int64_t t, seconds;
	int err = duration_parse(text, &seconds);

	if (err == RBL_OK) {
		if (now > INT64_MAX - seconds)
			return RBL_ERANGE;
		t = now + seconds;
	} else if (err == RBL_ERANGE) {
		return err;
	} else {
		err = parse_utc_time(text, &t);
		if (err)
			return err;
	}
	/* An expiry of "now" ("0s") would be gone before anyone could see it, so it counts as the past too. */
	if (t <= now)
		return RBL_ERANGE;
	*when = t;
	return RBL_OK;
}

/* width zero-padded digits of a value known to fit, then sep. Written out rather than with snprintf() so that the
 * 21-byte bound holds by construction. */
static char *put_field(char *p, int value, int width, char sep)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + value % 10);
		value /= 10;
	}
	p[width] = sep;
	return p + width + 1;
}

void duration_format_time(int64_t when, char buf[TIME_STRLEN])
{
	time_t t = (time_t)when;
	struct tm tm;

	if (when == 0) {
		snprintf(buf, TIME_MINBUF, "never");
		return;
	}
	/* Outside years 0..9999 the ISO form no longer has a fixed width; the raw count is at least truthful, except
	 * near INT64_MIN where it would not fit and a truncated number would lie. */
	if (!gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
		if (snprintf(buf, TIME_MINBUF, "@%" PRId64, when) >= TIME_MINBUF)
			snprintf(buf, TIME_MINBUF, "out of range");
		return;
	}
	char *p = buf;
	p = put_field(p, tm.tm_year + 1900, 4, '-');
	p = put_field(p, tm.tm_mon + 1, 2, '-');
	p = put_field(p, tm.tm_mday, 2, 'T');
	p = put_field(p, tm.tm_hour, 2, ':');
	p = put_field(p, tm.tm_min, 2, ':');
	p = put_field(p, tm.tm_sec, 2, 'Z');
	*p = '\0';
}
