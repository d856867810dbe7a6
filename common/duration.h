/* duration.h — durations ("90s", "15m", "12h", "30d", "2w") and expiry times (a duration from now, or an ISO 8601
 * date or date-time in UTC), as used by rbltool --expires and friends. */
#ifndef RBL_DURATION_H
#define RBL_DURATION_H

#include <stdint.h>

/* A positive integer followed by exactly one unit s, m, h, d or w. "0s" is allowed. RBL_EINVAL for anything else,
 * RBL_ERANGE if the seconds overflow 10 years. */
int duration_parse(const char *text, int64_t *seconds);

/* A duration (now + it), or "YYYY-MM-DD" (midnight UTC), or "YYYY-MM-DDTHH:MM[:SS][Z]" (UTC). The result must lie
 * after now: RBL_ERANGE for a time in the past. RBL_EINVAL for anything else, including impossible dates. */
int expiry_parse(const char *text, int64_t now, int64_t *when);

/* "2026-11-27T23:02:16Z" into buf (at least 21 bytes); "never" for 0. */
#define TIME_STRLEN 24
void time_format(int64_t when, char buf[TIME_STRLEN]);

#endif
