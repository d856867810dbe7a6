/* SPDX-License-Identifier: BSD-2-Clause */
/* listfile.h — the two simple list formats rbltool imports besides rbldnsd's: plain and CSV (plain or gzip).
 *
 *   plain  one address or CIDR a line, "!" in front for an exclusion; "#" starts a comment anywhere.
 *   csv    RFC 4180 (quoted fields, "" inside quotes); a header line naming the columns, in any order, from
 *          address (required), code, reason, source, expires; code may hold several codes separated by spaces;
 *          expires is empty, a duration ("30d") or an ISO 8601 date; an address starting with "!" is an exclusion.
 * Every line is bounded (LISTFILE_LINE_MAX); a bad line goes to the sink with file, line and the reason. A line
 * holding a NUL byte is a bad line, and so is a reason or source holding a control character (base/text.h: a byte
 * below 0x20, TAB included, or 0x7f): what is stored is printed and served as is.
 */
#ifndef RBL_LISTFILE_H
#define RBL_LISTFILE_H

#include "store/entry.h"

#include <stdbool.h>
#include <stdint.h>

#define LISTFILE_LINE_MAX 4096

enum listfile_format { LISTFILE_PLAIN, LISTFILE_CSV };

typedef struct listfile_row {
	cidr_t net;
	bool exclude;
	uint8_t ncodes;                  /* 0: the zone's default */
	uint32_t codes[ENTRY_MAX_CODES];
	const char *reason;              /* "" when none; valid during the callback */
	const char *source;              /* "" when none */
	int64_t expires;                 /* 0 = never */
	unsigned line;
} listfile_row_t;

typedef struct listfile_sink {
	int (*row)(void *ctx, const listfile_row_t *row);
	/* Return 0 to skip the line and go on, non-zero to stop (the value is returned by listfile_read). */
	int (*bad_line)(void *ctx, const char *file, unsigned line, const char *text, const char *why);
	void (*progress)(void *ctx, unsigned long lines, unsigned long long bytes_read);
} listfile_sink_t;

/* Reads path; now anchors relative expiry durations. Returns 0, a callback's non-zero value, or RBL_EIO. */
int listfile_read(const char *path, enum listfile_format format, int64_t now, const listfile_sink_t *sink,
		  void *ctx);

#endif
