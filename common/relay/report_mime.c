/* SPDX-License-Identifier: BSD-2-Clause */
/* report_mime.c — the mail plumbing both report readers stand on: messages out of a file or an mbox, header blocks,
 * Content-Type parameters, MIME boundaries, RFC 5322 dates and mailbox addresses (RFC 5322, 2045, 2046). */
#include "report_internal.h"

#include "base/err.h"
#include "base/log.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- lines ---- */

/* Reads one physical line into m->line: 1, 0 at the end of the file, RBL_EIO. A line longer than
 * REPORT_LINE_MAX keeps its first REPORT_LINE_MAX bytes and sets m->too_long. */
static int read_raw(struct msg_reader *m)
{
	size_t stored = 0, total = 0;
	bool any = false;

	m->too_long = false;
	for (;;) {
		if (m->start == m->end) {
			if (m->eof)
				break;
			size_t n = fread(m->chunk, 1, sizeof m->chunk, m->in);
			if (n == 0) {
				if (ferror(m->in)) {
					log_err("%s: read error: %s", m->path, strerror(errno));
					return RBL_EIO;
				}
				m->eof = true;
				break;
			}
			m->start = 0;
			m->end = n;
		}
		any = true;
		const char *p = m->chunk + m->start;
		size_t avail = m->end - m->start;
		const char *nl = memchr(p, '\n', avail);
		size_t take = nl ? (size_t)(nl - p) : avail;
		/* One byte more than the limit is kept, so that a CR ending a line of exactly the limit can go. */
		size_t room = REPORT_LINE_MAX + 1 - stored;
		size_t copy = take < room ? take : room;
		memcpy(m->line + stored, p, copy);
		stored += copy;
		total += take;
		m->start += take + (nl ? 1 : 0);
		if (nl)
			break;
	}
	if (!any)
		return 0;
	if (total == stored && stored && m->line[stored - 1] == '\r') {
		stored--;
		total--;
	}
	if (total > REPORT_LINE_MAX) {
		m->too_long = true;
		stored = REPORT_LINE_MAX;
	}
	m->line[stored] = '\0';
	m->len = stored;
	return 1;
}

bool report_mbox_from_line(const char *line, size_t len)
{
	return len >= 5 && memcmp(line, "From ", 5) == 0;
}

int report_msg_open(struct msg_reader *m, const char *path)
{
	memset(m, 0, sizeof *m);
	m->path = path;
	if (!(m->in = fopen(path, "rb"))) {
		log_err("%s: %s", path, strerror(errno));
		return RBL_EIO;
	}
	return 0;
}

void report_msg_close(struct msg_reader *m)
{
	if (m->in)
		fclose(m->in);
	m->in = NULL;
}

static void begin_message(struct msg_reader *m)
{
	m->message++;
	m->in_message = true;
	m->ended = false;
	m->pending_from = false;
	m->prev_blank = false;
	m->replay = false;
	m->line_in_message = 0;
	m->first_long = 0;
}

/* The first message: blank lines are skipped, then the first line says whether this is an mbox. */
static int open_first(struct msg_reader *m)
{
	int rc;

	m->opened = true;
	while ((rc = read_raw(m)) == 1 && m->len == 0 && !m->too_long)
		;
	if (rc <= 0)
		return rc;
	m->mbox = report_mbox_from_line(m->line, m->len);
	begin_message(m);
	if (!m->mbox) {
		/* The line just read is the message's first. */
		m->line_in_message = 1;
		if (m->too_long)
			m->first_long = 1;
		m->replay = true;
	}
	return 1;
}

int report_msg_next(struct msg_reader *m)
{
	if (!m->opened)
		return open_first(m);
	int rc = report_msg_drain(m);
	if (rc < 0)
		return rc;
	m->in_message = false;
	if (!m->pending_from)
		return 0;
	begin_message(m);
	return 1;
}

int report_msg_line(struct msg_reader *m, const char **line, size_t *len)
{
	if (!m->in_message || m->ended)
		return MSG_END;
	if (m->replay) {
		m->replay = false;
	} else {
		int rc = read_raw(m);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			m->ended = true;
			return MSG_END;
		}
		if (m->mbox && m->prev_blank && report_mbox_from_line(m->line, m->len)) {
			m->pending_from = true;
			m->ended = true;
			return MSG_END;
		}
		m->prev_blank = m->len == 0 && !m->too_long;
		m->line_in_message++;
		if (m->too_long && !m->first_long)
			m->first_long = m->line_in_message;
	}
	*line = m->line;
	*len = m->len;
	return m->too_long ? MSG_LONG : MSG_LINE;
}

void report_msg_unget(struct msg_reader *m)
{
	if (m->in_message && !m->ended)
		m->replay = true;
}

int report_msg_drain(struct msg_reader *m)
{
	const char *line;
	size_t len;
	int rc;

	while ((rc = report_msg_line(m, &line, &len)) > 0)
		;
	return rc;
}

int report_read_messages(const char *path, report_parse_fn parse, void *state, const report_sink_t *sink, void *ctx)
{
	char why[REPORT_WHY_MAX];
	int rc;

	if (!path || !sink || !sink->report)
		return RBL_EINVAL;
	struct msg_reader *m = malloc(sizeof *m);
	if (!m)
		return RBL_ENOMEM;
	if ((rc = report_msg_open(m, path)) != 0)
		goto out;
	while ((rc = report_msg_next(m)) == 1) {
		report_t r;
		memset(&r, 0, sizeof r);
		r.message = m->message;
		why[0] = '\0';
		rc = parse(state, m, &r, why, sizeof why);
		if (rc == REPORT_PARSED) {
			rc = report_msg_drain(m);
			if (rc == 0 && m->first_long) {
				snprintf(why, sizeof why, "line %u is longer than %d bytes", m->first_long,
				         REPORT_LINE_MAX);
				rc = REPORT_BAD;
			}
		}
		if (rc < 0)
			goto out;
		if (rc == REPORT_BAD) {
			if (sink->bad_message)
				sink->bad_message(ctx, path, r.message, why);
			continue;
		}
		if ((rc = sink->report(ctx, &r)) != 0)
			goto out;
	}
out:
	report_msg_close(m);
	free(m);
	return rc;
}

/* ---- header blocks ---- */

void report_hdr_begin(struct header_block *h)
{
	h->used = 0;
	h->count = 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int report_hdr_feed(struct header_block *h, const char *line, size_t len)
{
	if (len == 0)
		return HDR_END;
	if (memchr(line, '\0', len))
		return HDR_NOT_FIELD;
	if (is_blank(line[0])) {
		if (h->count == 0)
			return HDR_NOT_FIELD;
		/* Unfolding (RFC 5322 2.2.3): the last field's value ends the text, so the continuation joins it by
		 * overwriting its NUL; the blanks that began the line stay. */
		if (h->used + len > sizeof h->text)
			return HDR_TOO_BIG;
		memcpy(h->text + h->used - 1, line, len);
		h->used += len;
		h->text[h->used - 1] = '\0';
		return HDR_MORE;
	}
	/* field-name = 1*ftext (printable US-ASCII but ':'); the obsolete syntax allows blanks before the colon. */
	size_t name_len = 0;
	while (name_len < len && line[name_len] > 32 && line[name_len] < 127 && line[name_len] != ':')
		name_len++;
	size_t colon = name_len;
	while (colon < len && is_blank(line[colon]))
		colon++;
	if (name_len == 0 || colon == len || line[colon] != ':')
		return HDR_NOT_FIELD;
	if (h->count == REPORT_HEADER_FIELDS)
		return HDR_TOO_BIG;
	size_t value_len = len - colon - 1;
	if (h->used + name_len + 1 + value_len + 1 > sizeof h->text)
		return HDR_TOO_BIG;
	char *name = h->text + h->used;
	memcpy(name, line, name_len);
	name[name_len] = '\0';
	char *value = name + name_len + 1;
	memcpy(value, line + colon + 1, value_len);
	value[value_len] = '\0';
	h->used += name_len + 1 + value_len + 1;
	h->field[h->count].name = name;
	h->field[h->count].value = value;
	h->count++;
	return HDR_MORE;
}

void report_hdr_finish(struct header_block *h)
{
	for (unsigned i = 0; i < h->count; i++) {
		char *v = h->field[i].value;
		while (isspace((unsigned char)*v))
			v++;
		size_t n = strlen(v);
		while (n && isspace((unsigned char)v[n - 1]))
			v[--n] = '\0';
		h->field[i].value = v;
	}
}

const char *report_hdr_get(const struct header_block *h, const char *name)
{
	for (unsigned i = 0; i < h->count; i++)
		if (strcasecmp(h->field[i].name, name) == 0)
			return h->field[i].value;
	return NULL;
}

/* ---- MIME ---- */

int report_mime_boundary_match(const struct mime_stack *s, const char *line, size_t len, bool *closing)
{
	if (len < 3 || line[0] != '-' || line[1] != '-')
		return -1;
	for (int level = (int)s->depth - 1; level >= 0; level--) {
		size_t blen = s->len[level];
		if (len < 2 + blen || memcmp(line + 2, s->boundary[level], blen) != 0)
			continue;
		size_t i = 2 + blen;
		bool close = len - i >= 2 && line[i] == '-' && line[i + 1] == '-';
		if (close)
			i += 2;
		while (i < len && is_blank(line[i]))
			i++;
		if (i != len)
			continue;
		*closing = close;
		return level;
	}
	return -1;
}

int report_mime_read_headers(struct msg_reader *m, struct header_block *h, const struct mime_stack *stack, char *why,
                      size_t whysize)
{
	const char *line;
	size_t len;
	bool closing;
	int rc;

	report_hdr_begin(h);
	while ((rc = report_msg_line(m, &line, &len)) != MSG_END) {
		if (rc < 0)
			return rc;
		if (rc == MSG_LONG) {
			snprintf(why, whysize, "line %u is longer than %d bytes", m->line_in_message, REPORT_LINE_MAX);
			return MIME_BAD;
		}
		if (stack && report_mime_boundary_match(stack, line, len, &closing) >= 0) {
			report_msg_unget(m);
			break;
		}
		int st = report_hdr_feed(h, line, len);
		if (st == HDR_END)
			break;
		if (st == HDR_NOT_FIELD) {
			/* What MTAs do with such a line (Postfix among them): the header ends, the body begins. */
			report_msg_unget(m);
			break;
		}
		if (st == HDR_TOO_BIG) {
			snprintf(why, whysize, "header block over %d bytes or %d fields (line %u)", REPORT_HEADER_BYTES,
			         REPORT_HEADER_FIELDS, m->line_in_message);
			return MIME_BAD;
		}
	}
	report_hdr_finish(h);
	return MIME_OK;
}

/* token characters of RFC 2045: printable US-ASCII but SPACE and tspecials. */
static bool is_token_char(char c)
{
	return c > 32 && c < 127 && !strchr("()<>@,;:\\\"/[]?=", c);
}

/* Skips blanks and (nested) comments. */
static const char *skip_cfws(const char *p)
{
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '(')
			return p;
		int depth = 0;
		do {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '(')
				depth++;
			else if (*p == ')')
				depth--;
			p++;
		} while (*p && depth > 0);
	}
}

/* Copies a token at *p into out (size > 0) lowercased: its length, or 0 if none, or -1 if it does not fit. */
static int read_token(const char **p, char *out, size_t size, bool lower)
{
	size_t n = 0;
	const char *s = *p;

	while (is_token_char(*s)) {
		if (n + 1 >= size)
			return -1;
		out[n++] = lower ? (char)tolower((unsigned char)*s) : *s;
		s++;
	}
	out[n] = '\0';
	*p = s;
	return (int)n;
}

bool report_mime_media_type(const char *value, char *type, size_t size)
{
	const char *p = skip_cfws(value);
	int n = read_token(&p, type, size, true);
	if (n <= 0)
		return false;
	p = skip_cfws(p);
	if (*p != '/')
		return false;
	p = skip_cfws(p + 1);
	size_t used = (size_t)n;
	if (used + 2 > size)
		return false;
	type[used++] = '/';
	int sub = read_token(&p, type + used, size - used, true);
	return sub > 0;
}

int report_mime_param(const char *value, const char *name, char *out, size_t size)
{
	const char *p = strchr(value, ';');
	char attr[64];

	while (p && *p == ';') {
		p = skip_cfws(p + 1);
		int n = read_token(&p, attr, sizeof attr, false);
		p = skip_cfws(p);
		if (n <= 0 || *p != '=') {
			/* A malformed parameter: go on with the next one. */
			p = strchr(p, ';');
			continue;
		}
		p = skip_cfws(p + 1);
		bool wanted = strcasecmp(attr, name) == 0;
		size_t len = 0;
		bool fits = true;
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				if (len + 1 < size)
					out[len++] = *p;
				else
					fits = false;
			}
			if (*p != '"')
				return wanted ? -1 : 0;
			p++;
		} else {
			for (; is_token_char(*p); p++) {
				if (len + 1 < size)
					out[len++] = *p;
				else
					fits = false;
			}
		}
		if (wanted) {
			out[len] = '\0';
			return fits && len > 0 ? 1 : -1;
		}
		p = strchr(p, ';');
	}
	return 0;
}

/* ---- dates ---- */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool read_number(const char **p, int min_digits, int max_digits, int *value)
{
	int n = 0, v = 0;
	const char *s = *p;

	while (n < max_digits && s[n] >= '0' && s[n] <= '9') {
		v = v * 10 + (s[n] - '0');
		n++;
	}
	if (n < min_digits || (s[n] >= '0' && s[n] <= '9'))
		return false;
	*p = s + n;
	*value = v;
	return true;
}

/* A zone (RFC 5322 3.3 and 4.3): the offset in seconds east of UTC. Military letters and unknown names mean
 * "-0000", an unknown offset, which is read as UTC; so is a missing zone. */
static bool read_zone(const char *p, int *offset)
{
	static const struct {
		const char *name;
		int hours;
	} names[] = {{"UT", 0},   {"UTC", 0},  {"GMT", 0},  {"Z", 0},    {"EST", -5}, {"EDT", -4},
	             {"CST", -6}, {"CDT", -5}, {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};

	*offset = 0;
	p = skip_cfws(p);
	if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1, hhmm;
		p++;
		if (!read_number(&p, 4, 4, &hhmm) || hhmm / 100 > 23 || hhmm % 100 > 59)
			return false;
		*offset = sign * ((hhmm / 100) * 3600 + (hhmm % 100) * 60);
		return true;
	}
	size_t n = 0;
	while (isalpha((unsigned char)p[n]))
		n++;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i].name) == n && strncasecmp(p, names[i].name, n) == 0)
			*offset = names[i].hours * 3600;
	return true;
}

bool report_parse_date(const char *text, int64_t *when)
{
	static const char months[12][4] = {"jan", "feb", "mar", "apr", "may", "jun",
	                                   "jul", "aug", "sep", "oct", "nov", "dec"};
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *p = skip_cfws(text);
	int day, month = -1, year, hour, minute, second = 0, offset;

	/* [ day-of-week "," ]; the comma is sometimes forgotten, and nothing else could stand there. */
	if (isalpha((unsigned char)*p)) {
		while (isalpha((unsigned char)*p))
			p++;
		p = skip_cfws(p);
		if (*p == ',')
			p = skip_cfws(p + 1);
	}
	if (!read_number(&p, 1, 2, &day))
		return false;
	p = skip_cfws(p);
	for (int i = 0; i < 12; i++)
		if (strncasecmp(p, months[i], 3) == 0 && !isalpha((unsigned char)p[3]))
			month = i + 1;
	if (month < 0)
		return false;
	p = skip_cfws(p + 3);
	const char *year_start = p;
	if (!read_number(&p, 2, 4, &year))
		return false;
	if (p - year_start == 2)
		year += year < 50 ? 2000 : 1900; /* RFC 5322 4.3 */
	else if (p - year_start == 3)
		year += 1900;
	p = skip_cfws(p);
	if (!read_number(&p, 1, 2, &hour))
		return false;
	p = skip_cfws(p);
	if (*p != ':')
		return false;
	p = skip_cfws(p + 1);
	if (!read_number(&p, 2, 2, &minute))
		return false;
	p = skip_cfws(p);
	if (*p == ':') {
		p = skip_cfws(p + 1);
		if (!read_number(&p, 2, 2, &second))
			return false;
	}
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	int dim = mdays[month - 1] + (month == 2 && leap);
	if (year < 1970 || day < 1 || day > dim || hour > 23 || minute > 59 || second > 60)
		return false;
	if (!read_zone(p, &offset))
		return false;
	int64_t t = days_from_civil(year, (unsigned)month, (unsigned)day) * 86400 + hour * 3600 + minute * 60 + second -
	            offset;
	if (t <= 0)
		return false;
	*when = t;
	return true;
}

/* ---- text ---- */

void report_text_copy(char *out, size_t size, const char *text)
{
	size_t n = 0;

	if (size == 0)
		return;
	while (isspace((unsigned char)*text))
		text++;
	for (; *text && n + 1 < size; text++)
		out[n++] = (unsigned char)*text < 32 || *text == 127 ? ' ' : *text;
	if (*text && n > 0 && ((unsigned char)*text & 0xc0) == 0x80) {
		/* Cut inside a UTF-8 sequence: drop its lead and continuation bytes that made it in. */
		while (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0 && (unsigned char)out[n - 1] >= 0xc0)
			n--;
	}
	while (n && isspace((unsigned char)out[n - 1]))
		n--;
	out[n] = '\0';
}

void report_address(const char *value, char *out, size_t size)
{
	char plain[REPORT_TEXT_MAX];
	size_t n = 0;
	const char *p = value;

	/* Outside quoted strings and comments, an angle address wins; otherwise what is left is the address. A list
	 * of addresses gives its first. */
	while (*p && *p != ',') {
		if (*p == '"') {
			/* A quoted local part ("a b"@c) is kept, quotes and all; a quoted display name is dropped
			 * with the rest when an angle address follows. */
			const char *q = p + 1;
			while (*q && *q != '"')
				q += *q == '\\' && q[1] ? 2 : 1;
			if (*q)
				q++;
			for (; p < q; p++)
				if (n + 1 < sizeof plain)
					plain[n++] = *p;
		} else if (*p == '(') {
			p = skip_cfws(p);
		} else if (*p == '<') {
			const char *end = strchr(p + 1, '>');
			size_t len = end ? (size_t)(end - p - 1) : strlen(p + 1);
			if (len >= sizeof plain)
				len = sizeof plain - 1;
			memcpy(plain, p + 1, len);
			plain[len] = '\0';
			report_text_copy(out, size, plain);
			return;
		} else {
			if (n + 1 < sizeof plain)
				plain[n++] = *p;
			p++;
		}
	}
	plain[n] = '\0';
	report_text_copy(out, size, plain);
}
