/* SPDX-License-Identifier: BSD-2-Clause */
/* rbldata_internal.h — what the three parts of the rbldnsd data-file reader share: the reader state, and the calls
 * between the file/special-entry layer (rbldata.c), the address lines (rbldata_entry.c) and the A/TXT values and
 * templates (rbldata_value.c). Not for use outside those files.
 */
#ifndef RBL_RBLDATA_INTERNAL_H
#define RBL_RBLDATA_INTERNAL_H

#include "formats/rbldata.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#define RBLDATA_LINE_MAX 4096 /* bytes of one line, newline excluded; longer is a bad line */
#define RBLDATA_WHY_MAX 256
#define RBLDATA_READ_CHUNK (128 * 1024)
#define RBLDATA_VAR_COUNT 11 /* $0..$9, then $= (the base template) */
#define RBLDATA_VAR_BASE 10
#define RBLDATA_DEFAULT_CODE 0x7f000002u /* 127.0.0.2, rbldnsd's A when nothing else is said */

/* Variables of one scope: the whole file, or the common part of a combined file (scope 0), or one $DATASET section
 * (scope k for the k-th $DATASET line). Values live in the reader's arena; 0 = undefined, else offset + 1. */
struct rbldata_scope {
	uint32_t var[RBLDATA_VAR_COUNT];
	int type;              /* the section's dataset type, -1 if its $DATASET line is refused */
	uint32_t tset_default; /* ip4tset/ip6tset: arena offset + 1 of the first valid default line, 0 = none */
};

struct rbldata_reader {
	const char *path;
	const rbldata_sink_t *sink;
	void *ctx;
	enum rbldata_dataset file_type;

	/* The line being handled. */
	char *line;
	unsigned lineno;
	char why[RBLDATA_WHY_MAX];
	int stop; /* a sink's non-zero answer, returned by rbldata_read */

	/* Where we are: the scope's index, its entry type, and whether its lines are being ignored. */
	unsigned scope;
	int type;        /* dataset type entries are parsed as; -1 in the common part of a combined file */
	bool skipping;   /* inside a $DATASET section that was refused */
	bool prescanned; /* variables and tset defaults were collected by a first pass */

	/* Substitution variables of every scope, and the text they point into. */
	struct rbldata_scope *scopes;
	unsigned scope_count, scope_cap;
	char *arena;
	size_t arena_len, arena_cap;
	unsigned vars_generation; /* bumped when a variable is defined while reading entries (no first pass) */

	/* The current default A and TXT (":A:TXT" line), and its expansion, cached. */
	uint32_t default_code;
	char default_txt[RBLDATA_LINE_MAX + 1];
	bool default_fixed; /* ip4tset/ip6tset: the dataset's first default is in force; later ones are ignored */
	bool default_expanded;
	unsigned default_generation;
	char default_expansion[RBLDATA_TXT_MAX];
	size_t default_expansion_len;

	uint64_t maxrange4; /* $MAXRANGE4 in addresses; 0 = no limit */
	bool soa_done, ns_done;

	char expansion[RBLDATA_TXT_MAX]; /* a per-entry TXT */
	char section_text[RBLDATA_LINE_MAX + 1];
	char ns_names[RBLDATA_MAX_NS][256];

	/* Input. */
	gzFile gz;
	bool eof, discarding;
	size_t start, end;
	char long_text[128]; /* the start of an over-long line, for the report */
	char buf[RBLDATA_READ_CHUNK + RBLDATA_LINE_MAX + 2];
};

/* Formats the reason of a failure into r->why; returns -1 so that parsers can "return rbldata_fail(...)". */
int rbldata_fail(struct rbldata_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Copies the word at s (up to a blank; "..." when cut to fit out_size; other bytes than printable ASCII as "\xNN")
 * into out, for a message. */
const char *rbldata_word(const char *s, char *out, size_t out_size);
bool rbldata_is_space(char c);
/* Reports r->why for the current line to the sink: 0 = skip the line and go on, else the sink's value. */
int rbldata_bad(struct rbldata_reader *r);

/* rbldata_entry.c */
/* Reads 1 to 4 dotted decimal octets at *sp (rbldnsd's "prefix": "127", "127.0", "127.0.0", "127.0.0.1"): *addr has
 * the missing octets zero, *count says how many were written; *sp is left after them. -1 with r->why on error. */
int rbldata_v4_octets(struct rbldata_reader *r, const char **sp, uint32_t *addr, unsigned *count);
/* One address line (not a default line, special or comment) of type r->type. Returns 0, -1 with r->why set for a
 * bad line, or 1 when the sink asked to stop (its value is in r->stop). */
int rbldata_entry_line(struct rbldata_reader *r, const char *s);

/* rbldata_special.c */
/* If s starts with word (lowercase; matched in any case) followed by a blank or the end, the text after the blanks;
 * else NULL. */
const char *rbldata_keyword(const char *s, const char *word);
/* A special line other than $n, $= and $DATASET (s after the '$'): 0, -1 with r->why, or 1 when the sink stopped. */
int rbldata_special(struct rbldata_reader *r, const char *s);

/* rbldata_value.c */
/* Parses an A value ("2", "127.0.0.2", "127.2") at *sp, completing a one-octet value to 127.0.0.x as rbldnsd does;
 * *sp is left after it. -1 with r->why for a malformed value, 0 or a code outside 127.0.0.0/8. */
int rbldata_parse_code(struct rbldata_reader *r, const char **sp, uint32_t *code);
/* Parses the value part of an entry or of a default line (s starts at ':' or at the text) against the default
 * (dflt_code, dflt_txt): sets *code, and *txt to the raw template, which is dflt_txt itself for the ":A" form. */
int rbldata_parse_value(struct rbldata_reader *r, const char *s, uint32_t dflt_code, const char *dflt_txt,
                        uint32_t *code, const char **txt);
/* Sets the default from a ":A:TXT" line; -1 with r->why if it is malformed or its TXT cannot be expanded. */
int rbldata_set_default(struct rbldata_reader *r, const char *s);
/* Resets the default to 127.0.0.2 with no TXT (start of a file or section). */
void rbldata_reset_default(struct rbldata_reader *r);
/* Expands raw with the current scope's $0..$9 and $= into out (RBLDATA_TXT_MAX bytes, NUL-terminated); -1 with
 * r->why if the result would not fit or cannot be written in the store's template language. */
int rbldata_expand(struct rbldata_reader *r, const char *raw, char *out, size_t *out_len);
/* The current default's expansion (cached). */
int rbldata_default_expansion(struct rbldata_reader *r, const char **txt, size_t *len);

#endif
