/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_tmpl.c — the template engine (tmpl.h) on arbitrary template text: compiled, linked with fixed partials and
 * rendered over a document whose strings are full of markup, through the internal sink (tmpl_internal.h) that tells
 * the template's own text from substituted values.
 *
 * The input up to its first NUL is the template "fuzz.html"; the rest, when it is JSON (any value), is the document,
 * else a fixed one whose strings hold < > & " ', control bytes and "{{". The set also holds header.html and
 * footer.html (partials without '<') and loop.html, which includes fuzz.html (a cycle when fuzz.html includes loop).
 *
 * Checks: a compile error is one line "fuzz.html:LINE: ..." with LINE within the input's lines, a link error names a
 * template of the set; a template that compiles has no tag starting "{{{" or "{{&"; every value piece is escaped (no
 * < > " ', every & one of the five entities, no control byte but \n and \t); with no '<' in the template no '<' reaches
 * the page; the page from tmpl_render is the sink's text and values in order, within the cap or no page at all (len
 * 0); rendering twice gives the same bytes; tmpl_escape_html on the raw bytes agrees with itself cut short.
 */
#include "fuzz_common.h"

#include "base/err.h"
#include "tmpl_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUT_MAX (64 * 1024) /* small enough that the fuzzer reaches the cap */

static const char fixed_json[] =
        "{\"title\": \"<script>alert('x')</script> & \\\"q\\\"\", \"address\": \"<<<>>>&&&\\\"\\\"'''\","
        " \"listed\": true, \"no\": false, \"none\": null, \"zero\": 0, \"n\": 42, \"r\": 1.5, \"empty\": \"\","
        " \"e\": [], \"o\": {},"
        " \"zones\": [{\"zone\": \"<z1>\", \"listed\": true, \"a\": [\"<127.0.0.2>\", \"\\u0001\\u001f\\u007f&\"]},"
        "  {\"zone\": \"{{x}}\", \"listed\": false, \"reason\": \"\\u0000<\\n\\t>&amp;\"}],"
        " \"host\": {\"state\": \"<open>\", \"last_probe\": \"{{{a}}}\", \"list\": [[1, \"<\"], [\"'\"]]},"
        " \"obj\": {\"a\": {\"b\": {\"c\": \"</p><img src=x onerror=alert(1)>\"}}}}";

static json_t *fixed_doc;

struct page {
	char *bytes;
	size_t len;
	bool over;
};

static int page_add(struct page *p, const char *bytes, size_t len)
{
	if (len > OUT_MAX - p->len) {
		p->over = true;
		return RBL_ERANGE;
	}
	memcpy(p->bytes + p->len, bytes, len);
	p->len += len;
	return RBL_OK;
}

static int on_text(void *ctx, const char *bytes, size_t len)
{
	return page_add(ctx, bytes, len);
}

static const char *const entities[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};

static void check_escaped(const char *bytes, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)bytes[i];
		FUZZ_CHECK(c != '<' && c != '>' && c != '"' && c != '\'');
		FUZZ_CHECK(c >= 0x20 || c == '\n' || c == '\t');
		FUZZ_CHECK(c != 0x7f);
		if (c != '&')
			continue;
		bool entity = false;
		for (size_t k = 0; k < sizeof entities / sizeof entities[0]; k++) {
			size_t n = strlen(entities[k]);
			entity |= len - i >= n && memcmp(bytes + i, entities[k], n) == 0;
		}
		FUZZ_CHECK(entity);
	}
}

static int on_value(void *ctx, const char *bytes, size_t len)
{
	check_escaped(bytes, len);
	return page_add(ctx, bytes, len);
}

/* The tags of a template that compiled, read independently of the engine: none may be {{{ or {{&. */
static void check_no_raw_tags(const char *text, size_t len)
{
	for (const char *p = text, *end = text + len; (p = memmem(p, (size_t)(end - p), "{{", 2)) != NULL;) {
		FUZZ_CHECK(p + 2 < end);
		FUZZ_CHECK(p[2] != '{' && p[2] != '&' && p[2] != '=');
		const char *close = memmem(p + 2, (size_t)(end - p - 2), "}}", 2);
		FUZZ_CHECK(close != NULL);
		p = close + 2;
	}
}

static unsigned line_count(const char *text, size_t len)
{
	unsigned n = 1;
	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	return n;
}

/* "NAME:LINE: ..." with NAME as given and 1 <= LINE <= max_line. */
static bool error_names(const char *err, const char *name, unsigned max_line)
{
	size_t n = strlen(name);
	if (strncmp(err, name, n) != 0 || err[n] != ':')
		return false;
	char *end;
	unsigned long line = strtoul(err + n + 1, &end, 10);
	return end != err + n + 1 && *end == ':' && line >= 1 && line <= max_line;
}

static void check_escape_function(const char *text, size_t len)
{
	static char whole[4 * 6 * 1024 + 1], cut[64];
	if (len > 4 * 1024)
		len = 4 * 1024;
	size_t need = tmpl_escape_html(text, len, whole, sizeof whole);
	FUZZ_CHECK(need < sizeof whole && strlen(whole) <= need);
	check_escaped(whole, need);
	size_t cap = len % sizeof cut;
	FUZZ_CHECK(tmpl_escape_html(text, len, cut, cap) == need);
	if (cap > 0) {
		size_t got = strlen(cut);
		FUZZ_CHECK(got < cap && memcmp(cut, whole, got) == 0);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	json_error_t error;
	fixed_doc = json_loads(fixed_json, JSON_ALLOW_NUL, &error);
	if (!fixed_doc) {
		fprintf(stderr, "fuzz_tmpl: the fixed document: %s\n", error.text);
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nul = memchr(data, '\0', size);
	size_t len = nul ? (size_t)(nul - text) : size;
	json_t *doc = NULL;
	if (nul)
		doc = json_loadb(nul + 1, size - len - 1, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	const json_t *context = doc ? doc : fixed_doc;
	check_escape_function(text, len);

	static const struct {
		const char *name, *text;
	} fixed[] = {
	        {"header.html", "[{{title}}|{{#zones}}{{zone}}:{{#a}}{{.}} {{/a}}{{/zones}}]\n"},
	        {"footer.html", "({{address}}{{> header}})"},
	        {"loop.html", "{{#listed}}{{> fuzz}}{{/listed}}"},
	};
	tmpl_set_t *set;
	char err[TMPL_ERROR_MAX];
	FUZZ_CHECK(tmpl_set_new(&set) == RBL_OK);
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		FUZZ_CHECK(tmpl_set_add(set, fixed[i].name, fixed[i].text, strlen(fixed[i].text), err, sizeof err) ==
		           RBL_OK);
	int rc = tmpl_set_add(set, "fuzz.html", text, len, err, sizeof err);
	if (rc != RBL_OK) {
		FUZZ_CHECK(rc == RBL_EINVAL);
		FUZZ_CHECK(memchr(err, '\n', strlen(err)) == NULL);
		FUZZ_CHECK(error_names(err, "fuzz.html", line_count(text, len)));
		goto out;
	}
	check_no_raw_tags(text, len);
	if ((rc = tmpl_set_link(set, err, sizeof err)) != RBL_OK) {
		FUZZ_CHECK(rc == RBL_EINVAL);
		FUZZ_CHECK(error_names(err, "fuzz.html", line_count(text, len)) || error_names(err, "loop.html", 1) ||
		           error_names(err, "footer.html", 1));
		goto out;
	}

	static char bytes[OUT_MAX];
	struct page page = {.bytes = bytes};
	struct tmpl_sink sink = {.text = on_text, .value = on_value, .ctx = &page};
	char why[TMPL_ERROR_MAX];
	int sunk = tmpl_render_sink(set, "fuzz", context, &sink, why);
	FUZZ_CHECK(sunk == RBL_OK || sunk == RBL_EINVAL || sunk == RBL_ERANGE);
	FUZZ_CHECK(sunk != RBL_ERANGE || page.over || strstr(why, "steps") || strstr(why, "nested"));
	if (sunk == RBL_OK && !memchr(text, '<', len))
		FUZZ_CHECK(!memchr(page.bytes, '<', page.len));

	tmpl_out_t out = {.max = OUT_MAX};
	for (int round = 0; round < 2; round++) {
		rc = tmpl_render(set, "fuzz.html", context, &out);
		FUZZ_CHECK(rc == sunk);
		FUZZ_CHECK(out.len <= OUT_MAX);
		if (rc != RBL_OK) {
			FUZZ_CHECK(out.len == 0);
			FUZZ_CHECK(strcmp(out.why, why) == 0);
			continue;
		}
		FUZZ_CHECK(out.len == page.len && memcmp(out.data, page.bytes, page.len) == 0);
		FUZZ_CHECK(out.data[out.len] == '\0');
	}
	tmpl_out_free(&out);
out:
	tmpl_set_free(set);
	json_decref(doc);
	return 0;
}
