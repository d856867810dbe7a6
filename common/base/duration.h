/* SPDX-License-Identifier: BSD-2-Clause */
/* duration.h — durations ("90s", "15m", "12h", "30d", "2w") and expiry times (a duration from now, or an ISO 8601
 * date or date-time in UTC), as used by rbltool --expires and friends. */
#ifndef RBL_DURATION_H
#define RBL_DURATION_H

#include <stdint.h>

/* A positive integer followed by exactly one unit s, m, h, d or w. "0s" is allowed. RBL_EINVAL for anything else,
 * RBL_ERANGE if the seconds overflow 10 years (3653 days, so "3653d" passes and "3654d" does not). Leading zeros
 * ("05m") are accepted: unlike in addresses, nothing reads them as octal. */
int duration_parse(const char *text, int64_t *seconds);

/* A duration (now + it), or "YYYY-MM-DD" (midnight UTC), or "YYYY-MM-DDTHH:MM[:SS][Z]" (UTC). The result must lie
 * after now: RBL_ERANGE for a time in the past, or exactly now (so "0s" is RBL_ERANGE here). RBL_EINVAL for anything
 * else, including impossible dates, a lowercase 't' or 'z', fractions of a second and zone offsets. */
int duration_parse_expiry(const char *text, int64_t now, int64_t *when);

/* "2026-11-27T23:02:16Z" into buf (at least 21 bytes); "never" for 0. A time outside the years 0000..9999 is written
 * as "@seconds" ("out of range" if even that would not fit), never truncated. */
#define TIME_STRLEN 24
void duration_format_time(int64_t when, char buf[TIME_STRLEN]);

#endif
