/* SPDX-License-Identifier: BSD-2-Clause */
/* listfile.c — plain and CSV address lists. */
#include "formats/listfile.h"

#include "base/duration.h"
#include "base/err.h"
#include "base/log.h"
#include "store/zone.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

enum column { COL_ADDRESS, COL_CODE, COL_REASON, COL_SOURCE, COL_EXPIRES, COL_COUNT };
static const char *const column_names[COL_COUNT] = {"address", "code", "reason", "source", "expires"};

#define MAX_FIELDS 16

struct reader {
	const char *path;
	enum listfile_format format;
	int64_t now;
	const listfile_sink_t *sink;
	void *ctx;
	int col_of[COL_COUNT]; /* field index of each column, -1 when absent */
	bool have_header;
};

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Splits a CSV line in place into at most MAX_FIELDS fields; returns the count, or -1 with *why set. */
static int csv_split(char *line, char *fields[MAX_FIELDS], const char **why)
{
	int n = 0;
	char *in = line, *out = line;
	for (;;) {
		if (n == MAX_FIELDS) {
			*why = "too many fields";
			return -1;
		}
		fields[n++] = out;
		if (*in == '"') {
			in++;
			for (;;) {
				if (*in == '\0') {
					*why = "unterminated quoted field";
					return -1;
				}
				if (*in == '"' && in[1] == '"') {
					*out++ = '"';
					in += 2;
				} else if (*in == '"') {
					in++;
					break;
				} else {
					*out++ = *in++;
				}
			}
			if (*in != ',' && *in != '\0') {
				*why = "text after a closing quote";
				return -1;
			}
		} else {
			while (*in != ',' && *in != '\0')
				*out++ = *in++;
		}
		bool more = *in == ',';
		*out++ = '\0';
		if (!more)
			return n;
		in++;
	}
}

static int bad(struct reader *r, unsigned line, const char *text, const char *why)
{
	if (r->sink->bad_line)
		return r->sink->bad_line(r->ctx, r->path, line, text, why);
	return RBL_EINVAL;
}

static int parse_address(const char *text, listfile_row_t *row, const char **why)
{
	if (*text == '!') {
		row->exclude = true;
		text++;
	}
	int err = cidr_parse(text, &row->net);
	if (err == RBL_ERANGE)
		*why = "prefix length out of range";
	else if (err == RBL_EHOSTBITS)
		*why = "host bits set below the prefix length";
	else if (err)
		*why = "not an address or CIDR";
	return err;
}

static int parse_codes(char *text, listfile_row_t *row, const char **why)
{
	for (char *save = NULL, *tok = strtok_r(text, " ;|", &save); tok; tok = strtok_r(NULL, " ;|", &save)) {
		if (row->ncodes == ENTRY_MAX_CODES) {
			*why = "more than 8 codes";
			return RBL_EFULL;
		}
		int err = zone_code_parse(tok, &row->codes[row->ncodes]);
		if (err) {
			*why = err == RBL_ERANGE ? "code outside 127.0.0.0/8" : "code is not an IPv4 address";
			return err;
		}
		row->ncodes++;
	}
	return RBL_OK;
}

static int read_header(struct reader *r, char *line, unsigned lineno)
{
	char copy[LISTFILE_LINE_MAX], *fields[MAX_FIELDS];
	snprintf(copy, sizeof copy, "%s", line);
	const char *why = NULL;
	int n = csv_split(line, fields, &why);
	if (n < 0) {
		bad(r, lineno, copy, why); /* without a header nothing after it can be read: stop whatever the sink says */
		return RBL_EINVAL;
	}
	for (int c = 0; c < COL_COUNT; c++)
		r->col_of[c] = -1;
	for (int i = 0; i < n; i++) {
		char *name = trim(fields[i]);
		int c;
		for (c = 0; c < COL_COUNT && strcasecmp(name, column_names[c]) != 0; c++)
			;
		if (c == COL_COUNT) {
			bad(r, lineno, copy, "unknown column (expected address, code, reason, source, expires)");
			return RBL_EINVAL;
		}
		r->col_of[c] = i;
	}
	if (r->col_of[COL_ADDRESS] < 0) {
		bad(r, lineno, copy, "the header has no address column");
		return RBL_EINVAL;
	}
	r->have_header = true;
	return RBL_OK;
}

static int handle_line(struct reader *r, char *line, unsigned lineno)
{
	char copy[LISTFILE_LINE_MAX];
	snprintf(copy, sizeof copy, "%s", line);
	listfile_row_t row;
	memset(&row, 0, sizeof row);
	row.line = lineno;
	row.reason = row.source = "";
	const char *why = NULL;
	if (r->format == LISTFILE_PLAIN) {
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *text = trim(line);
		if (!*text)
			return RBL_OK;
		if (strpbrk(text, " \t"))
			return bad(r, lineno, copy, "more than one address on the line");
		if (parse_address(text, &row, &why))
			return bad(r, lineno, copy, why);
		return r->sink->row(r->ctx, &row);
	}
	if (!*trim(line) || line[0] == '#')
		return RBL_OK;
	if (!r->have_header)
		return read_header(r, line, lineno);
	char *fields[MAX_FIELDS];
	int n = csv_split(line, fields, &why);
	if (n < 0)
		return bad(r, lineno, copy, why);
	char *col[COL_COUNT] = {0};
	for (int c = 0; c < COL_COUNT; c++) {
		if (r->col_of[c] >= n && r->col_of[c] >= 0)
			return bad(r, lineno, copy, "fewer fields than the header");
		col[c] = r->col_of[c] >= 0 ? trim(fields[r->col_of[c]]) : "";
	}
	if (parse_address(col[COL_ADDRESS], &row, &why) || parse_codes(col[COL_CODE], &row, &why))
		return bad(r, lineno, copy, why);
	if (*col[COL_EXPIRES]) {
		int64_t seconds;
		int err = duration_parse_expiry(col[COL_EXPIRES], r->now, &row.expires);
		if (err == RBL_ERANGE && duration_parse(col[COL_EXPIRES], &seconds) == RBL_ERANGE)
			return bad(r, lineno, copy, "expiry more than 10 years ahead");
		if (err)
			return bad(r, lineno, copy, err == RBL_ERANGE ? "expiry in the past" : "expiry is not a duration or date");
	}
	if (strlen(col[COL_REASON]) >= ENTRY_TEXT_MAX || strlen(col[COL_SOURCE]) >= ENTRY_SOURCE_MAX)
		return bad(r, lineno, copy, "reason or source too long");
	row.reason = col[COL_REASON];
	row.source = col[COL_SOURCE];
	return r->sink->row(r->ctx, &row);
}

int listfile_read(const char *path, enum listfile_format format, int64_t now, const listfile_sink_t *sink,
		  void *ctx)
{
	gzFile in = gzopen(path, "rb");
	if (!in) {
		log_err("cannot open %s", path);
		return RBL_EIO;
	}
	gzbuffer(in, 128 * 1024);
	struct reader r = {path, format, now, sink, ctx, {0}, false};
	char line[LISTFILE_LINE_MAX + 2];
	unsigned lineno = 0;
	int err = RBL_OK;
	while (!err && gzgets(in, line, sizeof line)) {
		lineno++;
		size_t n = strlen(line);
		if (n && line[n - 1] != '\n' && !gzeof(in)) {
			/* Longer than the bound (or cut by a NUL byte): report it, then skip the rest of it. */
			err = bad(&r, lineno, "(line too long)", "line longer than 4096 bytes, or binary data");
			while (n && line[n - 1] != '\n' && gzgets(in, line, sizeof line))
				n = strlen(line);
			continue;
		}
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		err = handle_line(&r, line, lineno);
		if (sink->progress && lineno % 65536 == 0)
			sink->progress(ctx, lineno, (unsigned long long)gzoffset(in));
	}
	int gzerr = 0;
	const char *msg = gzerror(in, &gzerr);
	if (!err && gzerr != Z_OK && gzerr != Z_STREAM_END) {
		log_err("%s: read error after line %u: %s", path, lineno, msg);
		err = RBL_EIO;
	}
	if (!err && format == LISTFILE_CSV && !r.have_header && lineno > 0)
		err = bad(&r, lineno, "", "no header line");
	gzclose(in);
	return err;
}
