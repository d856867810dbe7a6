/* SPDX-License-Identifier: BSD-2-Clause */
/* tmpl.h — HTML templates kept as files: a small, strict subset of mustache rendered over a jansson document, every
 * substituted value HTML-escaped. There is no unescaped form at all.
 *
 * A set holds up to TMPL_SET_MAX templates, each compiled once (tmpl_set_add, or tmpl_set_load for a directory), then
 * linked (partials resolved, cycles refused); a linked set is only read by tmpl_render, so several threads may render
 * from one set at once. The set owns copies of the texts; rendering allocates only the output (tmpl_out_t). Nothing
 * here logs: errors come back as one line "NAME:LINE: message" for the caller to print.
 *
 * Syntax. Text outside tags is copied as is (no whitespace is removed around tags on lines of their own). Tags:
 *   {{name}} {{a.b.c}}  the value, HTML-escaped (tmpl_escape_html): a string as is, an integer as decimal, a real as
 *                       JSON writes it, true/false as "true"/"false", null or a missing name as nothing. An object
 *                       or an array here is a render error (a template bug).
 *   {{.}}               the current context itself (the element of an array of strings).
 *   {{#name}}…{{/name}} an array: the body once per element, with the element pushed as the context; an object: once,
 *                       pushed; true, a non-empty string, a non-zero number: once, nothing pushed; false, null, a
 *                       missing name, [], "", 0: not at all.
 *   {{^name}}…{{/name}} the body exactly when {{#name}} would skip it.
 *   {{! comment }}      nothing (may span lines).
 *   {{> partial}}       the template "partial" (or "partial.html") of the same set, rendered in the current context.
 *   {{{x}}} {{&x}} {{=…=}} compile errors: no unescaped output, no delimiter change.
 * Blanks (spaces, tabs, line ends) around a tag's name are allowed ({{ name }}). A name is 1..TMPL_NAME_MAX bytes
 * of [A-Za-z0-9_.] made of non-empty segments separated by '.', or "." alone; a partial's name may also hold '-'.
 *
 * Name lookup (mustache's rule): the first segment is looked up in the contexts from the innermost (the element of
 * the innermost section) outwards to the document, skipping contexts that are not objects; the first context that has
 * it wins. The further segments are looked up inside what was found only: if one of them is missing the name is
 * missing, and the outer contexts are not searched again.
 *
 * Bounds: a template holds at most TMPL_TEXT_MAX bytes; sections nest at most TMPL_NEST_MAX deep within a template;
 * partials at most TMPL_PARTIAL_DEPTH deep (checked when linking); an output over its cap (TMPL_OUT_MAX by default) is
 * RBL_ERANGE with no page at all, never a cut one; a render doing more than TMPL_STEPS_MAX steps (nested sections over
 * big arrays that print little) is RBL_ERANGE too.
 */
#ifndef RBL_TMPL_H
#define RBL_TMPL_H

#include <jansson.h>
#include <stddef.h>

#define TMPL_TEXT_MAX (64 * 1024)      /* bytes of one template */
#define TMPL_SET_MAX 32                /* templates in a set */
#define TMPL_NAME_MAX 64               /* bytes of a tag's name, and of a template's name */
#define TMPL_NEST_MAX 16               /* sections open at once within one template */
#define TMPL_PARTIAL_DEPTH 4           /* partials within partials */
#define TMPL_OUT_MAX (2 * 1024 * 1024) /* default output cap */
#define TMPL_STEPS_MAX (1024 * 1024)   /* texts, tags and section passes of one render */
#define TMPL_ERROR_MAX 256             /* an error line, NUL included */

typedef struct tmpl_set tmpl_set_t;

/* A render's output. Zero it before the first use; it may be reused for further renders (each starts at len 0) and
 * is freed with tmpl_out_free. data is NUL-terminated after a successful render. max 0 means TMPL_OUT_MAX. After a
 * failed render len is 0 and why holds "NAME:LINE: message". */
typedef struct tmpl_out {
	char *data;
	size_t len, cap, max;
	char why[TMPL_ERROR_MAX];
} tmpl_out_t;

/* An empty set. RBL_OK or RBL_ENOMEM. */
int tmpl_set_new(tmpl_set_t **out);

/* Compiles len bytes of text as the template name (1..TMPL_NAME_MAX bytes of [A-Za-z0-9_.-], "lookup.html") and adds
 * it to the set, which then needs tmpl_set_link again. RBL_OK; RBL_EINVAL with err = "lookup.html:12: unclosed
 * section 'zones' (opened at line 3)" for a template that does not compile (the set is unchanged); RBL_ERANGE for a
 * text over TMPL_TEXT_MAX; RBL_EFULL when the set already holds TMPL_SET_MAX templates; RBL_EEXIST for a name already
 * in it; RBL_ENOMEM. err (errcap bytes) is always NUL-terminated when errcap > 0. */
int tmpl_set_add(tmpl_set_t *set, const char *name, const char *text, size_t len, char *err, size_t errcap);

/* Resolves every {{> partial}} of the set and refuses a missing partial, a cycle, or partials deeper than
 * TMPL_PARTIAL_DEPTH, naming the template and line of the partial tag: RBL_OK or RBL_EINVAL with err filled in. */
int tmpl_set_link(tmpl_set_t *set, char *err, size_t errcap);

/* Every regular file NAME.html in dir (hidden files aside), added under its file name in name order and linked. RBL_OK
 * with *out; or the first failure with err filled in: the codes of tmpl_set_add and tmpl_set_link, RBL_EIO for a
 * directory or file that cannot be read ("DIR: No such file or directory"). */
int tmpl_set_load(const char *dir, tmpl_set_t **out, char *err, size_t errcap);

/* Renders the template name ("lookup" or "lookup.html") of a linked set over doc (any JSON value: the outermost
 * context). RBL_OK with the page in out; RBL_ENOENT for no such template; RBL_EINVAL for a set not linked since its
 * last tmpl_set_add or for an object or array in a value tag; RBL_ERANGE past out's cap or TMPL_STEPS_MAX;
 * RBL_ENOMEM. On failure out->len is 0 and out->why says why. */
int tmpl_render(const tmpl_set_t *set, const char *name, const json_t *doc, tmpl_out_t *out);

void tmpl_out_free(tmpl_out_t *out);
void tmpl_set_free(tmpl_set_t *set); /* NULL is fine */

/* HTML-escapes len bytes: & < > " ' as &amp; &lt; &gt; &quot; &#39;, a control byte (below 0x20 but '\n' and '\t',
 * and 0x7f) as "\xNN" so that nothing invisible reaches a page; other bytes as they are. Writes at most cap - 1 bytes
 * and a NUL (nothing when cap is 0), never cutting an entity or escape; returns the length the whole result needs, as
 * snprintf does. */
size_t tmpl_escape_html(const char *s, size_t len, char *buf, size_t cap);

#endif
