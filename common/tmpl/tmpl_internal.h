/* SPDX-License-Identifier: BSD-2-Clause */
/* tmpl_internal.h — the renderer with the output split by origin, for the fuzz harness's oracle: the template's own
 * text and the substituted (escaped) values come through separate callbacks. tmpl_render is this with a sink that
 * appends both to a tmpl_out_t. */
#ifndef RBL_TMPL_INTERNAL_H
#define RBL_TMPL_INTERNAL_H

#include "tmpl/tmpl.h"

#include <stdbool.h>

/* The compiled form (tmpl_compile.c writes it, tmpl_render.c walks it): a flat array of ops per template, a section
 * op followed by its body up to its end index. */
enum tmpl_op_kind { TMPL_OP_TEXT, TMPL_OP_VALUE, TMPL_OP_SECTION, TMPL_OP_INVERTED, TMPL_OP_PARTIAL };

struct tmpl_op {
	enum tmpl_op_kind kind;
	unsigned line;   /* where the tag (or the text) starts */
	size_t off, len; /* the text, or the tag's name, within the template's text */
	size_t end;      /* sections: the index of the first op after the body */
	size_t partial;  /* partials: the template's index in the set, once linked */
};

struct tmpl {
	char name[TMPL_NAME_MAX + 1];
	char *text;
	size_t len;
	struct tmpl_op *ops;
	size_t count, cap;
};

struct tmpl_set {
	struct tmpl templates[TMPL_SET_MAX];
	size_t count;
	bool linked;
};

/* The template called name or name + ".html"; NULL when there is none. */
const struct tmpl *tmpl_find(const tmpl_set_t *set, const char *name, size_t len, size_t *index);

struct tmpl_sink {
	/* Each returns RBL_OK or an error that stops the render and is returned by tmpl_render_sink. */
	int (*text)(void *ctx, const char *bytes, size_t len);  /* template text, as written */
	int (*value)(void *ctx, const char *bytes, size_t len); /* a piece of one escaped value; never cuts an entity */
	void *ctx;
};

/* tmpl_render's work over a sink: the same codes; why (TMPL_ERROR_MAX bytes) filled in on failure. */
int tmpl_render_sink(const tmpl_set_t *set, const char *name, const json_t *doc, const struct tmpl_sink *sink,
                     char why[TMPL_ERROR_MAX]);

#endif
