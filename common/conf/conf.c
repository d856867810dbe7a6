/* SPDX-License-Identifier: BSD-2-Clause */
/* conf.c — INI configuration files through inih, with key tables, named sections, duplicate checks and file:line
 * errors (conf.h). */
#include "conf/conf.h"

#include "base/err.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define CONF_KEYS_MAX 64
#define CONF_KINDS_MAX 8

struct reading {
	const char *path;
	FILE *file;
	const conf_table_t *table;
	unsigned flags;
	void *target;
	conf_error_t *err;
	unsigned line;                      /* the line inih is on: counted by our reader */
	unsigned first_seen[CONF_KEYS_MAX]; /* the line where each key first appeared; 0: not yet */
	bool too_long;
	bool stopped; /* the reader refused a header: the error is in err */
	/* The section the lines belong to, read by read_line (inih keeps only 50 bytes of it). */
	char section[CONF_LINE_MAX + 1];
	const conf_section_kind_t *kind; /* NULL: before any header, or a fixed section */
	char name[CONF_NAME_MAX];        /* the NAME of a named section */
	unsigned header_line;
	unsigned section_seen[CONF_KEYS_MAX]; /* first lines of the named section's keys */
};

static int fail_at(struct reading *r, unsigned line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail_at(struct reading *r, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(r->err->message, sizeof r->err->message, "%s:%u: ", r->path, line);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof r->err->message)
		vsnprintf(r->err->message + n, sizeof r->err->message - (size_t)n, fmt, ap);
	va_end(ap);
	r->err->line = line;
	return 0; /* inih: stop */
}

#define fail(r, ...) fail_at((r), (r)->line, __VA_ARGS__)

/* Ends the named section being read, if any: its close hook. 0 when it refuses (err filled), else 1. */
static int close_section(struct reading *r)
{
	const conf_section_kind_t *kind = r->kind;
	r->kind = NULL;
	if (!kind || !kind->close)
		return 1;
	char why[CONF_ERROR_MAX] = "";
	conf_place_t at = {.path = r->path, .line = r->header_line, .section = r->name};
	if (kind->close(kind->target, &at, why, sizeof why) != RBL_OK)
		return fail_at(r, r->header_line, "[%s]: %s", r->section, *why ? why : "invalid section");
	return 1;
}

static const conf_section_kind_t *kind_of(const struct reading *r, const char *text)
{
	size_t word = strcspn(text, " \t\"");
	for (size_t i = 0; i < r->table->kind_count; i++) {
		const char *kind = r->table->kinds[i].kind;
		if (strlen(kind) == word && strncmp(kind, text, word) == 0)
			return &r->table->kinds[i];
	}
	return NULL;
}

/* "KIND "NAME"" after the kind's word: the NAME into r->name. 1, or 0 with the error filled in. */
static int take_name(struct reading *r, const char *after_kind, const char *kind)
{
	const char *p = after_kind;
	size_t blanks = strspn(p, " \t");
	p += blanks;
	const char *end = *p == '"' ? strchr(p + 1, '"') : NULL;
	if (!blanks || !end || end[1 + strspn(end + 1, " \t")] != '\0')
		return fail(r, "[%s]: expected [%s \"NAME\"]", r->section, kind);
	size_t len = (size_t)(end - p - 1);
	if (len == 0 || len >= sizeof r->name)
		return fail(r, "[%s]: the name must be 1..%d bytes", r->section, CONF_NAME_MAX - 1);
	for (size_t i = 0; i < len; i++)
		if (iscntrl((unsigned char)p[1 + i]) || p[1 + i] == '\\')
			return fail(r, "[%s]: control characters and '\\' are not allowed in a name", r->section);
	memcpy(r->name, p + 1, len);
	r->name[len] = '\0';
	return 1;
}

/* A "[...]" line, seen before inih sees it: closes the section being read and opens the next. 1, or 0 with the
 * error filled in. A line inih will refuse (no ']') is left to inih. */
static int on_header(struct reading *r, char *start)
{
	char *end = strchr(start, ']');
	if (!end)
		return 1;
	if (!close_section(r))
		return 0;
	size_t len = (size_t)(end - start - 1);
	memcpy(r->section, start + 1, len);
	r->section[len] = '\0';
	const conf_section_kind_t *kind = kind_of(r, r->section);
	if (!kind)
		return 1;
	if (end[1 + strspn(end + 1, " \t\r\n")] != '\0')
		return fail(r, "[%s]: text after ']'", r->section);
	if (!take_name(r, r->section + strlen(kind->kind), kind->kind))
		return 0;
	r->kind = kind;
	r->header_line = r->line;
	memset(r->section_seen, 0, sizeof r->section_seen);
	if (!kind->open)
		return 1;
	char why[CONF_ERROR_MAX] = "";
	conf_place_t at = {.path = r->path, .line = r->line, .section = r->name};
	if (kind->open(kind->target, &at, why, sizeof why) != RBL_OK)
		return fail(r, "[%s]: %s", r->section, *why ? why : "invalid section");
	return 1;
}

/* inih's line reader: fgets, counting lines, refusing a line longer than CONF_LINE_MAX instead of letting the rest
 * of it become another line, and reading section headers itself. */
static char *read_line(char *buf, int size, void *stream)
{
	struct reading *r = stream;
	if (r->stopped || !fgets(buf, size, r->file))
		return NULL;
	r->line++;
	size_t n = strlen(buf);
	if (n == (size_t)size - 1 && buf[n - 1] != '\n' && !feof(r->file)) {
		r->too_long = true;
		buf[0] = '\0'; /* the handler is not called for it; the error is reported after the parse */
		return NULL;
	}
	char *start = buf;
	if (r->line == 1 && strncmp(start, "\xEF\xBB\xBF", 3) == 0) /* a UTF-8 BOM, which inih skips too */
		start += 3;
	while (isspace((unsigned char)*start))
		start++;
	if (*start == '[' && !on_header(r, start)) {
		r->stopped = true;
		return NULL;
	}
	return buf;
}

static int on_section_pair(struct reading *r, const char *name, const char *value)
{
	const conf_section_kind_t *kind = r->kind;
	size_t i;
	for (i = 0; i < kind->count && strcmp(kind->keys[i].name, name) != 0; i++)
		;
	if (i == kind->count)
		return r->flags & CONF_IGNORE_UNKNOWN ? 1
		                                      : fail(r, "unknown key '%s' in section [%s]", name, r->section);
	if (r->section_seen[i] && !kind->keys[i].repeatable)
		return fail(r, "'%s' is given twice in this section (first on line %u)", name, r->section_seen[i]);
	if (!r->section_seen[i])
		r->section_seen[i] = r->line;
	char why[CONF_ERROR_MAX] = "";
	conf_place_t at = {.path = r->path, .line = r->line, .section = r->name};
	if (kind->keys[i].set(kind->target, &at, value, why, sizeof why) == RBL_OK)
		return 1;
	if (kind->keys[i].secret)
		return fail(r, "%s = '%.4s...' (%zu bytes): %s", name, value, strlen(value),
		            *why ? why : "invalid value");
	return fail(r, "%s = '%s': %s", name, value, *why ? why : "invalid value");
	return 1;
}

static int on_pair(void *user, const char *inih_section, const char *name, const char *value)
{
	struct reading *r = user;
	(void)inih_section; /* cut at 50 bytes: r->section is the whole of it */
	if (r->kind)
		return on_section_pair(r, name, value);
	const char *section = r->section;
	const conf_key_t *keys = r->table->keys;
	size_t i;
	for (i = 0; i < r->table->count; i++)
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
			break;
	if (i == r->table->count) {
		if (r->flags & CONF_IGNORE_UNKNOWN)
			return 1;
		if (*section)
			return fail(r, "unknown key '%s' in section [%s]", name, section);
		return fail(r, "unknown key '%s'", name);
	}
	if (r->first_seen[i] && !keys[i].repeatable)
		return fail(r, "'%s' is given twice (first on line %u)", name, r->first_seen[i]);
	if (!r->first_seen[i])
		r->first_seen[i] = r->line;
	char why[CONF_ERROR_MAX] = "";
	if (keys[i].set(r->target, value, why, sizeof why) != RBL_OK)
		return fail(r, "%s = '%s': %s", name, value, *why ? why : "invalid value");
	return 1;
}

static bool table_fits(const conf_table_t *table)
{
	if (table->count > CONF_KEYS_MAX || table->kind_count > CONF_KINDS_MAX)
		return false;
	for (size_t i = 0; i < table->kind_count; i++)
		if (table->kinds[i].count > CONF_KEYS_MAX)
			return false;
	return true;
}

int conf_read_table(const char *path, const conf_table_t *table, unsigned flags, void *target, conf_error_t *err)
{
	memset(err, 0, sizeof *err);
	if (!table_fits(table)) {
		snprintf(err->message, sizeof err->message, "%s: too many keys for one table", path);
		return RBL_EINVAL;
	}
	struct reading r = {.path = path, .table = table, .flags = flags, .target = target, .err = err};
	r.file = fopen(path, "r");
	if (!r.file) {
		int e = errno;
		snprintf(err->message, sizeof err->message, "%s: %s", path, strerror(e));
		return e == ENOENT ? RBL_ENOENT : RBL_EIO;
	}
	/* inih's behaviour is set through globals; these are what conf.h promises. */
	ini_allow_inline_comments = false;
	ini_allow_multiline = false;
	ini_stop_on_first_error = true;
	ini_allow_no_value = false;
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_max_line = CONF_LINE_MAX + 3; /* CR, LF, NUL */
	ini_initial_alloc =
	        ini_max_line; /* the heap buffer's size when it may not grow: else lines stop at 200 bytes */
	int line = ini_parse_stream(read_line, &r, on_pair, &r);
	bool read_error = ferror(r.file);
	fclose(r.file);
	if (r.too_long) {
		fail(&r, "line longer than %d bytes", CONF_LINE_MAX);
		return RBL_EINVAL;
	}
	if (read_error) {
		snprintf(err->message, sizeof err->message, "%s: read error", path);
		return RBL_EIO;
	}
	if (r.stopped)
		return RBL_EINVAL;
	if (line > 0 && err->line == 0) { /* a line inih itself could not parse */
		r.line = (unsigned)line;
		fail(&r, "not a 'key = value' line or a [section] header");
	}
	if (line == 0 && !close_section(&r))
		return RBL_EINVAL;
	return line == 0 ? RBL_OK : RBL_EINVAL;
}

int conf_read(const char *path, const conf_key_t *keys, size_t count, unsigned flags, void *target, conf_error_t *err)
{
	conf_table_t table = {.keys = keys, .count = count};
	return conf_read_table(path, &table, flags, target, err);
}
