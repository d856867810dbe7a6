/* SPDX-License-Identifier: BSD-2-Clause */
/* tmpl_compile.c — templates compiled into ops, sets of them linked (partials, cycles) and loaded from a directory
 * (tmpl.h). */
#include "tmpl_internal.h"

#include "base/err.h"
#include "base/text.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct compiling {
	struct tmpl *t;
	unsigned line;
	char *err;
	size_t errcap;
};

static int fail(char *err, size_t errcap, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errcap, int code, const char *fmt, ...)
{
	va_list ap;
	if (errcap > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errcap, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* A name from a template, quoted in an error: at most TMPL_NAME_MAX bytes, control bytes as \xNN. */
static void quoted(const char *s, size_t len, char buf[TEXT_ESCAPED_SIZE(TMPL_NAME_MAX) + 4])
{
	size_t n = text_escape(s, len < TMPL_NAME_MAX ? len : TMPL_NAME_MAX, buf, TEXT_ESCAPED_SIZE(TMPL_NAME_MAX));
	if (len > TMPL_NAME_MAX || n >= TEXT_ESCAPED_SIZE(TMPL_NAME_MAX))
		strcat(buf, "...");
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool name_char(char c, bool partial)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
	       (partial && c == '-');
}

/* A tag's name: "." alone, or non-empty segments of name characters joined by '.'; a template's name (partial): any
 * run of name characters and '-' not starting with '.'. */
static bool name_ok(const char *s, size_t len, bool partial)
{
	if (len == 0 || len > TMPL_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!name_char(s[i], partial))
			return false;
	if (partial)
		return s[0] != '.';
	if (len == 1 && s[0] == '.')
		return true;
	if (s[0] == '.' || s[len - 1] == '.')
		return false;
	for (size_t i = 1; i < len; i++)
		if (s[i] == '.' && s[i - 1] == '.')
			return false;
	return true;
}

static int add_op(struct compiling *c, enum tmpl_op_kind kind, size_t off, size_t len)
{
	struct tmpl *t = c->t;
	if (t->count == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct tmpl_op *ops = realloc(t->ops, cap * sizeof *ops);
		if (!ops)
			return fail(c->err, c->errcap, RBL_ENOMEM, "%s: out of memory", t->name);
		t->ops = ops;
		t->cap = cap;
	}
	t->ops[t->count++] = (struct tmpl_op){.kind = kind, .line = c->line, .off = off, .len = len};
	return RBL_OK;
}

static unsigned newlines(const char *s, size_t len)
{
	unsigned n = 0;
	for (const char *p = s; (p = memchr(p, '\n', len - (size_t)(p - s))) != NULL; p++)
		n++;
	return n;
}

struct open_section {
	size_t op;
	unsigned line;
};

/* One tag: content is what lies between "{{" and "}}"; opened/depth the sections open around it. */
static int tag(struct compiling *c, size_t off, size_t len, struct open_section *opened, size_t *depth)
{
	const char *text = c->t->text, *name = c->t->name;
	char q[TEXT_ESCAPED_SIZE(TMPL_NAME_MAX) + 4], q2[TEXT_ESCAPED_SIZE(TMPL_NAME_MAX) + 4];
	char sigil = len > 0 ? text[off] : '\0';

	if (sigil == '!')
		return RBL_OK;
	if (sigil == '&')
		return fail(c->err, c->errcap, RBL_EINVAL, "%s:%u: '{{&' (unescaped output) is not supported", name,
		            c->line);
	if (sigil == '=')
		return fail(c->err, c->errcap, RBL_EINVAL, "%s:%u: '{{=' (a delimiter change) is not supported", name,
		            c->line);
	if (sigil == '#' || sigil == '^' || sigil == '/' || sigil == '>') {
		off++;
		len--;
	}
	while (len > 0 && blank(text[off])) {
		off++;
		len--;
	}
	while (len > 0 && blank(text[off + len - 1]))
		len--;
	if (len == 0)
		return fail(c->err, c->errcap, RBL_EINVAL, "%s:%u: empty tag", name, c->line);
	if (!name_ok(text + off, len, sigil == '>')) {
		quoted(text + off, len, q);
		return fail(c->err, c->errcap, RBL_EINVAL, "%s:%u: bad name '%s' (1..%d of A-Z a-z 0-9 _ .%s)", name,
		            c->line, q, TMPL_NAME_MAX, sigil == '>' ? " -" : "");
	}

	switch (sigil) {
	case '#':
	case '^':
		if (*depth == TMPL_NEST_MAX) {
			quoted(text + off, len, q);
			return fail(c->err, c->errcap, RBL_EINVAL, "%s:%u: section '%s' nested deeper than %d", name,
			            c->line, q, TMPL_NEST_MAX);
		}
		opened[(*depth)++] = (struct open_section){.op = c->t->count, .line = c->line};
		return add_op(c, sigil == '#' ? TMPL_OP_SECTION : TMPL_OP_INVERTED, off, len);
	case '/': {
		quoted(text + off, len, q);
		if (*depth == 0)
			return fail(c->err, c->errcap, RBL_EINVAL, "%s:%u: '{{/%s}}' closes no open section", name,
			            c->line, q);
		struct open_section *top = &opened[*depth - 1];
		struct tmpl_op *op = &c->t->ops[top->op];
		if (op->len != len || memcmp(text + op->off, text + off, len) != 0) {
			quoted(text + op->off, op->len, q2);
			return fail(c->err, c->errcap, RBL_EINVAL,
			            "%s:%u: '{{/%s}}' closes section '%s' (opened at line %u)", name, c->line, q, q2,
			            top->line);
		}
		op->end = c->t->count;
		(*depth)--;
		return RBL_OK;
	}
	case '>':
		return add_op(c, TMPL_OP_PARTIAL, off, len);
	default:
		return add_op(c, TMPL_OP_VALUE, off, len);
	}
}

static int compile(struct compiling *c)
{
	const struct tmpl *t = c->t;
	struct open_section opened[TMPL_NEST_MAX];
	size_t depth = 0, at = 0;
	int rc;

	c->line = 1;
	while (at < t->len) {
		const char *open = memmem(t->text + at, t->len - at, "{{", 2);
		size_t upto = open ? (size_t)(open - t->text) : t->len;
		if (upto > at && (rc = add_op(c, TMPL_OP_TEXT, at, upto - at)) != RBL_OK)
			return rc;
		c->line += newlines(t->text + at, upto - at);
		if (!open)
			break;
		size_t inner = upto + 2;
		if (inner < t->len && t->text[inner] == '{')
			return fail(c->err, c->errcap, RBL_EINVAL, "%s:%u: '{{{' (unescaped output) is not supported",
			            t->name, c->line);
		const char *close = memmem(t->text + inner, t->len - inner, "}}", 2);
		if (!close)
			return fail(c->err, c->errcap, RBL_EINVAL, "%s:%u: unclosed tag '{{'", t->name, c->line);
		size_t len = (size_t)(close - t->text) - inner;
		if ((rc = tag(c, inner, len, opened, &depth)) != RBL_OK)
			return rc;
		c->line += newlines(t->text + inner, len);
		at = inner + len + 2;
	}
	if (depth > 0) {
		const struct tmpl_op *op = &t->ops[opened[depth - 1].op];
		char q[TEXT_ESCAPED_SIZE(TMPL_NAME_MAX) + 4];
		quoted(t->text + op->off, op->len, q);
		return fail(c->err, c->errcap, RBL_EINVAL, "%s:%u: unclosed section '%s' (opened at line %u)", t->name,
		            c->line, q, opened[depth - 1].line);
	}
	return RBL_OK;
}

static void tmpl_clear(struct tmpl *t)
{
	free(t->text);
	free(t->ops);
	memset(t, 0, sizeof *t);
}

int tmpl_set_new(tmpl_set_t **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? RBL_OK : RBL_ENOMEM;
}

void tmpl_set_free(tmpl_set_t *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->count; i++)
		tmpl_clear(&set->templates[i]);
	free(set);
}

const struct tmpl *tmpl_find(const tmpl_set_t *set, const char *name, size_t len, size_t *index)
{
	for (size_t i = 0; i < set->count; i++) {
		const char *have = set->templates[i].name;
		size_t n = strlen(have);
		if ((n == len && memcmp(have, name, len) == 0) ||
		    (n == len + 5 && memcmp(have, name, len) == 0 && strcmp(have + len, ".html") == 0)) {
			if (index)
				*index = i;
			return &set->templates[i];
		}
	}
	return NULL;
}

int tmpl_set_add(tmpl_set_t *set, const char *name, const char *text, size_t len, char *err, size_t errcap)
{
	size_t name_len = strlen(name);
	if (errcap > 0)
		err[0] = '\0';
	if (!name_ok(name, name_len, true)) {
		char q[TEXT_ESCAPED_SIZE(TMPL_NAME_MAX) + 4];
		quoted(name, name_len, q);
		return fail(err, errcap, RBL_EINVAL, "%s: bad template name (1..%d of A-Z a-z 0-9 _ . -)", q,
		            TMPL_NAME_MAX);
	}
	if (len > TMPL_TEXT_MAX)
		return fail(err, errcap, RBL_ERANGE, "%s: %zu bytes, over the limit of %d", name, len, TMPL_TEXT_MAX);
	if (set->count == TMPL_SET_MAX)
		return fail(err, errcap, RBL_EFULL, "%s: a set holds at most %d templates", name, TMPL_SET_MAX);
	for (size_t i = 0; i < set->count; i++)
		if (strcmp(set->templates[i].name, name) == 0)
			return fail(err, errcap, RBL_EEXIST, "%s: added twice", name);

	struct tmpl *t = &set->templates[set->count];
	memset(t, 0, sizeof *t);
	memcpy(t->name, name, name_len + 1);
	t->text = malloc(len ? len : 1);
	if (!t->text)
		return fail(err, errcap, RBL_ENOMEM, "%s: out of memory", name);
	memcpy(t->text, text, len);
	t->len = len;
	struct compiling c = {.t = t, .err = err, .errcap = errcap};
	int rc = compile(&c);
	if (rc != RBL_OK) {
		tmpl_clear(t);
		return rc;
	}
	set->count++;
	set->linked = false;
	return RBL_OK;
}

enum { UNSEEN, ON_PATH, DONE };

/* Depth-first over the partials from template i: height[i] is how deep its partials go (0: none). */
static int link_from(tmpl_set_t *set, size_t i, int state[], unsigned height[], char *err, size_t errcap)
{
	struct tmpl *t = &set->templates[i];
	state[i] = ON_PATH;
	height[i] = 0;
	for (size_t k = 0; k < t->count; k++) {
		struct tmpl_op *op = &t->ops[k];
		if (op->kind != TMPL_OP_PARTIAL)
			continue;
		size_t target;
		char q[TEXT_ESCAPED_SIZE(TMPL_NAME_MAX) + 4];
		quoted(t->text + op->off, op->len, q);
		if (!tmpl_find(set, t->text + op->off, op->len, &target))
			return fail(err, errcap, RBL_EINVAL, "%s:%u: no template '%s' for the partial", t->name,
			            op->line, q);
		op->partial = target;
		if (state[target] == ON_PATH)
			return fail(err, errcap, RBL_EINVAL, "%s:%u: partial '%s' includes itself (a cycle)", t->name,
			            op->line, q);
		if (state[target] == UNSEEN) {
			int rc = link_from(set, target, state, height, err, errcap);
			if (rc != RBL_OK)
				return rc;
		}
		if (height[target] + 1 > height[i])
			height[i] = height[target] + 1;
		if (height[i] > TMPL_PARTIAL_DEPTH)
			return fail(err, errcap, RBL_EINVAL, "%s:%u: partials nested deeper than %d under '%s'",
			            t->name, op->line, TMPL_PARTIAL_DEPTH, q);
	}
	state[i] = DONE;
	return RBL_OK;
}

int tmpl_set_link(tmpl_set_t *set, char *err, size_t errcap)
{
	int state[TMPL_SET_MAX] = {0};
	unsigned height[TMPL_SET_MAX] = {0};
	if (errcap > 0)
		err[0] = '\0';
	for (size_t i = 0; i < set->count; i++) {
		if (state[i] != UNSEEN)
			continue;
		int rc = link_from(set, i, state, height, err, errcap);
		if (rc != RBL_OK)
			return rc;
	}
	set->linked = true;
	return RBL_OK;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_file(tmpl_set_t *set, const char *dir, const char *file, char *err, size_t errcap)
{
	char path[4096];
	char *text = NULL;
	int rc = RBL_OK;
	snprintf(path, sizeof path, "%s/%s", dir, file);
	FILE *f = fopen(path, "rb");
	if (!f)
		return fail(err, errcap, RBL_EIO, "%s: %s", path, strerror(errno));
	text = malloc(TMPL_TEXT_MAX + 1);
	if (!text) {
		rc = fail(err, errcap, RBL_ENOMEM, "%s: out of memory", file);
		goto out;
	}
	size_t len = fread(text, 1, TMPL_TEXT_MAX + 1, f);
	if (ferror(f)) {
		rc = fail(err, errcap, RBL_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = tmpl_set_add(set, file, text, len, err, errcap);
out:
	free(text);
	fclose(f);
	return rc;
}

int tmpl_set_load(const char *dir, tmpl_set_t **out, char *err, size_t errcap)
{
	char *names[TMPL_SET_MAX + 1];
	size_t count = 0;
	tmpl_set_t *set = NULL;
	int rc;

	*out = NULL;
	if (errcap > 0)
		err[0] = '\0';
	DIR *d = opendir(dir);
	if (!d)
		return fail(err, errcap, RBL_EIO, "%s: %s", dir, strerror(errno));
	if ((rc = tmpl_set_new(&set)) != RBL_OK) {
		fail(err, errcap, rc, "%s: out of memory", dir);
		goto out;
	}
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		size_t n = strlen(e->d_name);
		if (e->d_name[0] == '.' || n <= 5 || strcmp(e->d_name + n - 5, ".html") != 0)
			continue;
		char path[4096];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (count == TMPL_SET_MAX) {
			rc = fail(err, errcap, RBL_EFULL, "%s: more than %d templates", dir, TMPL_SET_MAX);
			goto out;
		}
		if (!(names[count] = strdup(e->d_name))) {
			rc = fail(err, errcap, RBL_ENOMEM, "%s: out of memory", dir);
			goto out;
		}
		count++;
	}
	qsort(names, count, sizeof names[0], by_name);
	for (size_t i = 0; i < count; i++)
		if ((rc = load_file(set, dir, names[i], err, errcap)) != RBL_OK)
			goto out;
	if ((rc = tmpl_set_link(set, err, errcap)) != RBL_OK)
		goto out;
	*out = set;
	set = NULL;
out:
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	tmpl_set_free(set);
	closedir(d);
	return rc;
}
