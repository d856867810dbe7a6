/* SPDX-License-Identifier: BSD-2-Clause */
/* tmpl_render.c — rendering a linked template set over a jansson document, with the HTML escape (tmpl.h). */
#include "tmpl_internal.h"

#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The contexts open at once: the document, one per section and partial level, with room to spare. */
#define CONTEXTS_MAX (1 + TMPL_NEST_MAX * (TMPL_PARTIAL_DEPTH + 1) + 8)

struct render {
	const tmpl_set_t *set;
	const struct tmpl_sink *sink;
	const json_t *contexts[CONTEXTS_MAX];
	size_t depth;    /* contexts in use */
	unsigned nested; /* sections and partials entered: the recursion's depth */
	size_t steps;
	char *why;
};

static int fail(struct render *r, int code, const struct tmpl *t, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));
static int fail(struct render *r, int code, const struct tmpl *t, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(r->why, TMPL_ERROR_MAX, "%s:%u: ", t->name, line);
	if (n > 0 && n < TMPL_ERROR_MAX) {
		va_start(ap, fmt);
		vsnprintf(r->why + n, TMPL_ERROR_MAX - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* Escapes from s[*used] on into buf while whole pieces fit; returns the bytes written. */
static size_t escape_some(const char *s, size_t len, size_t *used, char *buf, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0, i = *used;
	for (; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char piece[8];
		size_t width;
		switch (c) {
		case '&':
			memcpy(piece, "&amp;", width = 5);
			break;
		case '<':
			memcpy(piece, "&lt;", width = 4);
			break;
		case '>':
			memcpy(piece, "&gt;", width = 4);
			break;
		case '"':
			memcpy(piece, "&quot;", width = 6);
			break;
		case '\'':
			memcpy(piece, "&#39;", width = 5);
			break;
		default:
			if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
				piece[0] = '\\';
				piece[1] = 'x';
				piece[2] = hex[c >> 4];
				piece[3] = hex[c & 15];
				width = 4;
			} else {
				piece[0] = (char)c;
				width = 1;
			}
		}
		if (n + width > cap)
			break;
		memcpy(buf + n, piece, width);
		n += width;
	}
	*used = i;
	return n;
}

size_t tmpl_escape_html(const char *s, size_t len, char *buf, size_t cap)
{
	size_t used = 0, n = cap > 0 ? escape_some(s, len, &used, buf, cap - 1) : 0, need = n;
	if (cap > 0)
		buf[n] = '\0';
	char scratch[64];
	while (used < len)
		need += escape_some(s, len, &used, scratch, sizeof scratch);
	return need;
}

static int emit_value(struct render *r, const char *s, size_t len)
{
	char buf[1024];
	size_t used = 0;
	while (used < len) {
		size_t n = escape_some(s, len, &used, buf, sizeof buf);
		int rc = r->sink->value(r->sink->ctx, buf, n);
		if (rc != RBL_OK)
			return rc;
	}
	return RBL_OK;
}

/* The value a tag's name stands for (tmpl.h: innermost context first, then inside what was found), or NULL. */
static const json_t *lookup(const struct render *r, const char *name, size_t len)
{
	if (len == 1 && name[0] == '.')
		return r->contexts[r->depth - 1];
	const char *dot = memchr(name, '.', len);
	size_t seg = dot ? (size_t)(dot - name) : len;
	const json_t *found = NULL;
	for (size_t i = r->depth; i-- > 0 && !found;)
		if (json_is_object(r->contexts[i]))
			found = json_object_getn(r->contexts[i], name, seg);
	while (found && dot) {
		name = dot + 1;
		len -= seg + 1;
		dot = memchr(name, '.', len);
		seg = dot ? (size_t)(dot - name) : len;
		found = json_is_object(found) ? json_object_getn(found, name, seg) : NULL;
	}
	return found;
}

static bool truthy(const json_t *v)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_OBJECT:
		return true;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0.0;
	case JSON_TRUE:
		return true;
	default:
		return false;
	}
}

static int value(struct render *r, const struct tmpl *t, const struct tmpl_op *op)
{
	const json_t *v = lookup(r, t->text + op->off, op->len);
	char number[64];
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		return emit_value(r, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		snprintf(number, sizeof number, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return emit_value(r, number, strlen(number));
	case JSON_REAL: {
		char *text = json_dumps(v, JSON_ENCODE_ANY);
		if (!text)
			return fail(r, RBL_ENOMEM, t, op->line, "out of memory");
		int rc = emit_value(r, text, strlen(text));
		free(text);
		return rc;
	}
	case JSON_TRUE:
		return emit_value(r, "true", 4);
	case JSON_FALSE:
		return emit_value(r, "false", 5);
	case JSON_NULL:
		return RBL_OK;
	default:
		return fail(r, RBL_EINVAL, t, op->line, "'%.*s' is %s, not a value to print", (int)op->len,
		            t->text + op->off, json_is_object(v) ? "an object" : "an array");
	}
}

static int render_ops(struct render *r, const struct tmpl *t, size_t from, size_t to);

/* The body of a section with context pushed (NULL: nothing pushed). */
static int body(struct render *r, const struct tmpl *t, size_t at, const json_t *context)
{
	const struct tmpl_op *op = &t->ops[at];
	/* Each pass counts, so that sections with empty bodies over big arrays are bounded too. */
	if (++r->steps > TMPL_STEPS_MAX)
		return fail(r, RBL_ERANGE, t, op->line, "more than %d steps", TMPL_STEPS_MAX);
	if (context) {
		if (r->depth == CONTEXTS_MAX)
			return fail(r, RBL_ERANGE, t, op->line, "contexts nested deeper than %d", CONTEXTS_MAX);
		r->contexts[r->depth++] = context;
	}
	int rc = render_ops(r, t, at + 1, op->end);
	if (context)
		r->depth--;
	return rc;
}

static int section(struct render *r, const struct tmpl *t, size_t at)
{
	const struct tmpl_op *op = &t->ops[at];
	const json_t *v = lookup(r, t->text + op->off, op->len);
	if (op->kind == TMPL_OP_INVERTED)
		return truthy(v) ? RBL_OK : body(r, t, at, NULL);
	if (!truthy(v))
		return RBL_OK;
	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++) {
			int rc = body(r, t, at, json_array_get(v, i));
			if (rc != RBL_OK)
				return rc;
		}
		return RBL_OK;
	}
	return body(r, t, at, json_is_object(v) ? v : NULL);
}

static int render_ops(struct render *r, const struct tmpl *t, size_t from, size_t to)
{
	int rc = RBL_OK;
	if (r->nested + 1 > TMPL_NEST_MAX * (TMPL_PARTIAL_DEPTH + 1) + TMPL_PARTIAL_DEPTH + 1)
		return fail(r, RBL_ERANGE, t, from < t->count ? t->ops[from].line : 1, "nested too deep");
	r->nested++;
	for (size_t at = from; at < to && rc == RBL_OK;) {
		const struct tmpl_op *op = &t->ops[at];
		if (++r->steps > TMPL_STEPS_MAX) {
			rc = fail(r, RBL_ERANGE, t, op->line, "more than %d steps", TMPL_STEPS_MAX);
			break;
		}
		switch (op->kind) {
		case TMPL_OP_TEXT:
			rc = r->sink->text(r->sink->ctx, t->text + op->off, op->len);
			at++;
			break;
		case TMPL_OP_VALUE:
			rc = value(r, t, op);
			at++;
			break;
		case TMPL_OP_SECTION:
		case TMPL_OP_INVERTED:
			rc = section(r, t, at);
			at = op->end;
			break;
		case TMPL_OP_PARTIAL: {
			const struct tmpl *p = &r->set->templates[op->partial];
			rc = render_ops(r, p, 0, p->count);
			at++;
			break;
		}
		}
		if (rc == RBL_ERANGE && !r->why[0])
			rc = fail(r, rc, t, op->line, "the output is over its cap");
	}
	r->nested--;
	return rc;
}

int tmpl_render_sink(const tmpl_set_t *set, const char *name, const json_t *doc, const struct tmpl_sink *sink,
                     char why[TMPL_ERROR_MAX])
{
	struct render r = {.set = set, .sink = sink, .why = why};
	size_t index;
	why[0] = '\0';
	const struct tmpl *t = tmpl_find(set, name, strlen(name), &index);
	if (!t) {
		snprintf(why, TMPL_ERROR_MAX, "%.*s: no such template", TMPL_NAME_MAX, name);
		return RBL_ENOENT;
	}
	if (!set->linked) {
		snprintf(why, TMPL_ERROR_MAX, "%s: the set is not linked", t->name);
		return RBL_EINVAL;
	}
	r.contexts[r.depth++] = doc;
	int rc = render_ops(&r, t, 0, t->count);
	if (rc != RBL_OK && !why[0])
		snprintf(why, TMPL_ERROR_MAX, "%s: %s", t->name, rbl_strerror(rc));
	return rc;
}

static int append(void *ctx, const char *bytes, size_t len)
{
	tmpl_out_t *out = ctx;
	size_t max = out->max ? out->max : TMPL_OUT_MAX;
	if (len > max - out->len)
		return RBL_ERANGE;
	if (out->len + len + 1 > out->cap) {
		size_t cap = out->cap ? out->cap : 4096;
		while (cap < out->len + len + 1)
			cap *= 2;
		char *data = realloc(out->data, cap);
		if (!data)
			return RBL_ENOMEM;
		out->data = data;
		out->cap = cap;
	}
	memcpy(out->data + out->len, bytes, len);
	out->len += len;
	out->data[out->len] = '\0';
	return RBL_OK;
}

int tmpl_render(const tmpl_set_t *set, const char *name, const json_t *doc, tmpl_out_t *out)
{
	struct tmpl_sink sink = {.text = append, .value = append, .ctx = out};
	out->len = 0;
	int rc = tmpl_render_sink(set, name, doc, &sink, out->why);
	if (rc != RBL_OK) {
		/* No page at all rather than a cut one. */
		out->len = 0;
		if (out->data)
			out->data[0] = '\0';
	} else if (!out->data) {
		/* An empty page is still a string. */
		rc = append(out, "", 0);
	}
	return rc;
}

void tmpl_out_free(tmpl_out_t *out)
{
	free(out->data);
	memset(out, 0, sizeof *out);
}
