/* SPDX-License-Identifier: BSD-2-Clause */
/* conf.c — INI configuration files through inih, with key tables, duplicate checks and file:line errors (conf.h). */
#include "conf/conf.h"

#include "base/err.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define CONF_KEYS_MAX 64

struct reading {
	const char *path;
	FILE *file;
	const conf_key_t *keys;
	size_t count;
	unsigned flags;
	void *target;
	conf_error_t *err;
	unsigned line;                    /* the line inih is on: counted by our reader */
	unsigned first_seen[CONF_KEYS_MAX]; /* the line where each key first appeared; 0: not yet */
	bool too_long;
};

/* inih's line reader: fgets, counting lines, and refusing a line longer than CONF_LINE_MAX instead of letting the
 * rest of it become another line. */
static char *read_line(char *buf, int size, void *stream)
{
	struct reading *r = stream;
	if (!fgets(buf, size, r->file))
		return NULL;
	r->line++;
	size_t n = strlen(buf);
	if (n == (size_t)size - 1 && buf[n - 1] != '\n' && !feof(r->file)) {
		r->too_long = true;
		buf[0] = '\0'; /* the handler is not called for it; the error is reported after the parse */
		return NULL;
	}
	return buf;
}

static int fail(struct reading *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct reading *r, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(r->err->message, sizeof r->err->message, "%s:%u: ", r->path, r->line);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof r->err->message)
		vsnprintf(r->err->message + n, sizeof r->err->message - (size_t)n, fmt, ap);
	va_end(ap);
	r->err->line = r->line;
	return 0; /* inih: stop */
}

static int on_pair(void *user, const char *section, const char *name, const char *value)
{
	struct reading *r = user;
	size_t i;
	for (i = 0; i < r->count; i++)
		if (strcmp(r->keys[i].section, section) == 0 && strcmp(r->keys[i].name, name) == 0)
			break;
	if (i == r->count) {
		if (r->flags & CONF_IGNORE_UNKNOWN)
			return 1;
		if (*section)
			return fail(r, "unknown key '%s' in section [%s]", name, section);
		return fail(r, "unknown key '%s'", name);
	}
	if (r->first_seen[i] && !r->keys[i].repeatable)
		return fail(r, "'%s' is given twice (first on line %u)", name, r->first_seen[i]);
	if (!r->first_seen[i])
		r->first_seen[i] = r->line;
	char why[256] = "";
	if (r->keys[i].set(r->target, value, why, sizeof why) != RBL_OK)
		return fail(r, "%s = '%s': %s", name, value, *why ? why : "invalid value");
	return 1;
}

int conf_read(const char *path, const conf_key_t *keys, size_t count, unsigned flags, void *target, conf_error_t *err)
{
	memset(err, 0, sizeof *err);
	if (count > CONF_KEYS_MAX) {
		snprintf(err->message, sizeof err->message, "%s: too many keys for one table", path);
		return RBL_EINVAL;
	}
	struct reading r = {.path = path, .keys = keys, .count = count, .flags = flags, .target = target, .err = err};
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
	if (line > 0 && err->line == 0) { /* a line inih itself could not parse */
		r.line = (unsigned)line;
		fail(&r, "not a 'key = value' line or a [section] header");
	}
	return line == 0 ? RBL_OK : RBL_EINVAL;
}
