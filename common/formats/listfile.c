/* SPDX-License-Identifier: BSD-2-Clause */
/* listfile.c — plain and CSV address lists. */
#include "formats/listfile.h"

#include "base/duration.h"
#include "base/err.h"
#include "base/log.h"
#include "base/text.h"
#include "store/zone.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum column { COL_ADDRESS, COL_CODE, COL_REASON, COL_SOURCE, COL_EXPIRES, COL_COUNT };
static const char *const column_names[COL_COUNT] = {"address", "code", "reason", "source", "expires"};

#define MAX_FIELDS 16
#define READ_CHUNK (128 * 1024)

/* The file, read in chunks and cut into lines by their newlines (not by gzgets, which cannot tell a NUL byte in a
 * line from the end of the line). */
struct input {
	const char *path;
	gzFile gz;
	char *buf; /* READ_CHUNK + LISTFILE_LINE_MAX + 2 bytes */
	size_t start, end;
	bool eof, discarding;
};

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
	for (int c = COL_REASON; c <= COL_SOURCE; c++) {
		const char *control = text_has_control(col[c], strlen(col[c]));
		if (control) {
			char control_why[64];
			snprintf(control_why, sizeof control_why, "control character 0x%02x in the %s",
				 (unsigned char)*control, column_names[c]);
			return bad(r, lineno, copy, control_why);
		}
	}
	row.reason = col[COL_REASON];
	row.source = col[COL_SOURCE];
	return r->sink->row(r->ctx, &row);
}

/* Returns 1 with the next line, without its newline and NUL-terminated, in *line and its length in *len (a NUL
 * byte inside it included), or with *too_long for a line over LISTFILE_LINE_MAX bytes (the rest of it skipped); 0
 * at the end of the input; RBL_EIO on a read error (logged). */
static int next_line(struct input *in, unsigned lineno, char **line, size_t *len, bool *too_long)
{
	*too_long = false;
	for (;;) {
		char *p = in->buf + in->start;
		size_t avail = in->end - in->start;
		char *nl = avail ? memchr(p, '\n', avail) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - p);
			in->start += n + 1;
			*nl = '\0';
			*too_long = in->discarding || n > LISTFILE_LINE_MAX;
			in->discarding = false;
			*line = p;
			*len = n;
			return 1;
		}
		if (avail > LISTFILE_LINE_MAX) /* no newline in sight: skip to the next one */
			in->discarding = true;
		if (in->discarding)
			in->start = in->end = avail = 0;
		if (in->eof) {
			if (!in->discarding && avail == 0)
				return 0;
			*too_long = in->discarding;
			in->discarding = false;
			p[avail] = '\0'; /* a last line without a newline */
			in->start = in->end;
			*line = p;
			*len = avail;
			return 1;
		}
		memmove(in->buf, p, avail);
		in->start = 0;
		in->end = avail;
		int n = gzread(in->gz, in->buf + in->end, READ_CHUNK);
		if (n < 0) {
			int gzerr = 0;
			const char *msg = gzerror(in->gz, &gzerr);
			log_err("%s: read error after line %u: %s", in->path, lineno,
				gzerr == Z_ERRNO ? strerror(errno) : msg);
			return RBL_EIO;
		}
		if (n == 0)
			in->eof = true;
		in->end += (size_t)n;
	}
}

int listfile_read(const char *path, enum listfile_format format, int64_t now, const listfile_sink_t *sink,
		  void *ctx)
{
	struct input in = {.path = path};
	if (!(in.gz = gzopen(path, "rb"))) {
		log_err("cannot open %s", path);
		return RBL_EIO;
	}
	gzbuffer(in.gz, READ_CHUNK);
	if (!(in.buf = malloc(READ_CHUNK + LISTFILE_LINE_MAX + 2))) {
		gzclose(in.gz);
		return RBL_ENOMEM;
	}
	struct reader r = {path, format, now, sink, ctx, {0}, false};
	unsigned lineno = 0;
	int err = RBL_OK, more = 0;
	char *line;
	size_t n;
	bool too_long;
	while (!err && (more = next_line(&in, lineno, &line, &n, &too_long)) > 0) {
		lineno++;
		if (too_long) {
			err = bad(&r, lineno, "(line too long)", "line longer than 4096 bytes");
		} else if (memchr(line, '\0', n)) {
			/* Binary data, or a line cut short by a NUL: either way not a line of text. */
			err = bad(&r, lineno, line, "NUL byte in the line");
		} else {
			while (n && line[n - 1] == '\r')
				line[--n] = '\0';
			err = handle_line(&r, line, lineno);
		}
		if (sink->progress && lineno % 65536 == 0)
			sink->progress(ctx, lineno, (unsigned long long)gzoffset(in.gz));
	}
	if (!err && more < 0)
		err = more;
	if (!err && format == LISTFILE_CSV && !r.have_header && lineno > 0)
		err = bad(&r, lineno, "", "no header line");
	gzclose(in.gz);
	free(in.buf);
	return err;
}
