/* SPDX-License-Identifier: BSD-2-Clause */
/* test_tmpl.c — the template engine of tmpl.h: every value escaped and no way around it, sections over arrays,
 * objects and scalars, inverted sections, the lookup through enclosing contexts, partials and their cycles, each
 * compile error with its file and line, the bounds (text, nesting, names, set size, output cap, steps), loading a
 * directory. */
#include "base/err.h"
#include "tmpl/tmpl.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Compiles text as "page.html" alone in a set, or fails the test with the compile error. */
static tmpl_set_t *set_of(const char *text)
{
	tmpl_set_t *set;
	char err[TMPL_ERROR_MAX];
	assert_int_equal(tmpl_set_new(&set), RBL_OK);
	int rc = tmpl_set_add(set, "page.html", text, strlen(text), err, sizeof err);
	if (rc != RBL_OK)
		fail_msg("%s", err);
	assert_int_equal(tmpl_set_link(set, err, sizeof err), RBL_OK);
	return set;
}

/* The compile error of text as "page.html"; asserts that it does not compile. */
static const char *compile_error(const char *text, size_t len)
{
	static char err[TMPL_ERROR_MAX];
	tmpl_set_t *set;
	assert_int_equal(tmpl_set_new(&set), RBL_OK);
	assert_int_not_equal(tmpl_set_add(set, "page.html", text, len, err, sizeof err), RBL_OK);
	tmpl_set_free(set);
	return err;
}

static json_t *doc_of(const char *json)
{
	json_error_t error;
	json_t *doc = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &error);
	if (!doc)
		fail_msg("bad test JSON: %s", error.text);
	return doc;
}

/* Renders text over the JSON document json and checks the page. */
static void renders(const char *text, const char *json, const char *expected)
{
	tmpl_set_t *set = set_of(text);
	json_t *doc = doc_of(json);
	tmpl_out_t out = {0};
	int rc = tmpl_render(set, "page", doc, &out);
	if (rc != RBL_OK)
		fail_msg("%s", out.why);
	assert_string_equal(out.data, expected);
	assert_int_equal(out.len, strlen(expected));
	tmpl_out_free(&out);
	json_decref(doc);
	tmpl_set_free(set);
}

/* Renders text over json, expects code, and returns the error line (in a static buffer). */
static const char *render_error(const char *text, const char *json, int code, size_t max)
{
	static char why[TMPL_ERROR_MAX];
	tmpl_set_t *set = set_of(text);
	json_t *doc = doc_of(json);
	tmpl_out_t out = {.max = max};
	assert_int_equal(tmpl_render(set, "page.html", doc, &out), code);
	assert_int_equal(out.len, 0);
	assert_true(!out.data || out.data[0] == '\0');
	snprintf(why, sizeof why, "%s", out.why);
	tmpl_out_free(&out);
	json_decref(doc);
	tmpl_set_free(set);
	return why;
}

static void test_html_special_characters_are_escaped(void **state)
{
	(void)state;
	renders("<td title=\"{{reason}}\">{{reason}}</td>", "{\"reason\": \"<script>alert('x&y')</script> \\\"q\\\"\"}",
	        "<td title=\"&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt; &quot;q&quot;\">"
	        "&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt; &quot;q&quot;</td>");
	/* Names and sections do not change that: a value reached through a section is escaped too. */
	renders("{{#zones}}{{.}}|{{/zones}}", "{\"zones\": [\"<b>\", \"&amp;\"]}", "&lt;b&gt;|&amp;amp;|");
}

static void test_control_bytes_are_shown_as_hex(void **state)
{
	(void)state;
	renders("[{{text}}]", "{\"text\": \"a\\u001bb\\u0000c\\td\\ne\\u007f\"}", "[a\\x1bb\\x00c\td\ne\\x7f]");
	/* UTF-8 is text. */
	renders("{{t}}", "{\"t\": \"caf\\u00e9\"}", "caf\xc3\xa9");
}

static void test_escape_function_never_cuts_an_entity(void **state)
{
	(void)state;
	char buf[8];
	assert_int_equal(tmpl_escape_html("a<b", 3, buf, sizeof buf), 6);
	assert_string_equal(buf, "a&lt;b");
	/* "&quot;" needs 6 bytes: with room for 5 after "a", it is left out whole, and the full length is returned. */
	assert_int_equal(tmpl_escape_html("ab\"", 3, buf, 7), 8);
	assert_string_equal(buf, "ab");
	assert_int_equal(tmpl_escape_html("\x01", 1, buf, 4), 4);
	assert_string_equal(buf, "");
	assert_int_equal(tmpl_escape_html("x", 1, buf, 0), 1);
}

static void test_triple_mustache_is_refused(void **state)
{
	(void)state;
	const char *t = "<p>\n{{{reason}}}</p>";
	assert_string_equal(compile_error(t, strlen(t)), "page.html:2: '{{{' (unescaped output) is not supported");
}

static void test_ampersand_tag_is_refused(void **state)
{
	(void)state;
	const char *t = "{{& reason}}";
	assert_string_equal(compile_error(t, strlen(t)), "page.html:1: '{{&' (unescaped output) is not supported");
	t = "\n\n{{=<% %>=}}";
	assert_string_equal(compile_error(t, strlen(t)), "page.html:3: '{{=' (a delimiter change) is not supported");
}

static void test_values_of_each_type(void **state)
{
	(void)state;
	renders("{{s}} {{i}} {{n}} {{r}} {{t}} {{f}} [{{z}}]",
	        "{\"s\": \"x\", \"i\": 42, \"n\": -7, \"r\": 1.5, \"t\": true, \"f\": false, \"z\": null}",
	        "x 42 -7 1.5 true false []");
	renders("{{big}}", "{\"big\": 9223372036854775807}", "9223372036854775807");
	/* A whole document that is a string is the outermost context: {{.}} prints it. */
	renders("{{.}}", "\"<&>\"", "&lt;&amp;&gt;");
}

static void test_missing_names_render_empty(void **state)
{
	(void)state;
	renders("[{{nothing}}][{{a.b.c}}][{{s.x}}]", "{\"a\": {\"b\": {}}, \"s\": \"text\"}", "[][][]");
	renders("[{{x}}]", "[1, 2]", "[]");
}

static void test_comments_render_nothing(void **state)
{
	(void)state;
	renders("a{{! a comment with {{ and <b> \n over lines }}b{{x}}", "{\"x\": 1}", "ab1");
}

static void test_blanks_around_names_are_allowed(void **state)
{
	(void)state;
	renders("{{ a }}{{# l }}{{ . }}{{/ l }}{{^ m\t}}-{{/m}}", "{\"a\": \"A\", \"l\": [1, 2]}", "A12-");
}

static void test_section_repeats_for_each_array_element(void **state)
{
	(void)state;
	renders("<ol>{{#probes}}<li>{{id}}: {{verdict}}</li>{{/probes}}</ol>",
	        "{\"probes\": [{\"id\": 1, \"verdict\": \"open\"}, {\"id\": 2, \"verdict\": \"closed\"}]}",
	        "<ol><li>1: open</li><li>2: closed</li></ol>");
	renders("{{#a}}<{{#.}}{{.}}{{/.}}>{{/a}}", "{\"a\": [[1, 2], [], [3]]}", "<12><><3>");
}

static void test_section_over_object_pushes_context(void **state)
{
	(void)state;
	renders("{{#host}}{{state}} since {{since}}{{/host}}", "{\"host\": {\"state\": \"closed\", \"since\": 3}}",
	        "closed since 3");
	/* Empty objects are still objects: rendered once. */
	renders("{{#o}}once{{/o}}", "{\"o\": {}}", "once");
}

static void test_section_over_scalars_renders_once_or_not_at_all(void **state)
{
	(void)state;
	const char *t = "{{#t}}T{{/t}}{{#f}}F{{/f}}{{#s}}S{{/s}}{{#e}}E{{/e}}{{#i}}I{{/i}}{{#z}}Z{{/z}}{{#r}}R{{/r}}"
	                "{{#r0}}r{{/r0}}{{#n}}N{{/n}}{{#missing}}M{{/missing}}{{#l}}L{{/l}}";
	renders(t,
	        "{\"t\": true, \"f\": false, \"s\": \"x\", \"e\": \"\", \"i\": 3, \"z\": 0, \"r\": 0.5, \"r0\": 0.0,"
	        " \"n\": null, \"l\": []}",
	        "TSIR");
	/* Nothing is pushed for a scalar: {{.}} inside is still the enclosing context's. */
	renders("{{#o}}{{#flag}}{{name}}{{/flag}}{{/o}}", "{\"o\": {\"flag\": true, \"name\": \"n\"}}", "n");
}

static void test_inverted_section_renders_for_empty_and_missing(void **state)
{
	(void)state;
	const char *t = "{{^t}}T{{/t}}{{^f}}F{{/f}}{{^e}}E{{/e}}{{^z}}Z{{/z}}{{^n}}N{{/n}}{{^missing}}M{{/missing}}"
	                "{{^l}}L{{/l}}{{^full}}X{{/full}}{{^o}}O{{/o}}";
	renders(t,
	        "{\"t\": true, \"f\": false, \"e\": \"\", \"z\": 0, \"n\": null, \"l\": [], \"full\": [1], \"o\": {}}",
	        "FEZNML");
	/* Exactly one of a section and its inverse. */
	renders("{{#listed}}listed{{/listed}}{{^listed}}not listed{{/listed}}", "{\"listed\": false}", "not listed");
	renders("{{#listed}}listed{{/listed}}{{^listed}}not listed{{/listed}}", "{\"listed\": true}", "listed");
}

static void test_dotted_names_search_outward_then_inward(void **state)
{
	(void)state;
	/* "address" is not in the zone objects: found in the document, outside them. */
	renders("{{#zones}}{{zone}}:{{address}};{{/zones}}",
	        "{\"address\": \"192.0.2.1\", \"zones\": [{\"zone\": \"a\"}, {\"zone\": \"b\", \"address\": \"x\"}]}",
	        "a:192.0.2.1;b:x;");
	/* The innermost context that has the first segment wins; the rest is looked up inside it only. */
	renders("{{#inner}}[{{host.state}}]{{/inner}}",
	        "{\"host\": {\"state\": \"outer\"}, \"inner\": {\"host\": {\"other\": 1}}}", "[]");
	renders("{{#inner}}[{{host.state}}]{{/inner}}", "{\"host\": {\"state\": \"outer\"}, \"inner\": {\"x\": 1}}",
	        "[outer]");
	/* Three levels: a name two levels out is found; a string element is skipped by the search. */
	renders("{{#a}}{{#b}}{{#c}}{{top}}{{mid}}{{.}}{{/c}}{{/b}}{{/a}}",
	        "{\"top\": \"T\", \"a\": {\"mid\": \"M\", \"b\": [{\"c\": [\"x\", \"y\"]}]}}", "TMxTMy");
	renders("{{retest.request.state}}", "{\"retest\": {\"request\": {\"state\": \"queued\"}}}", "queued");
}

static void test_object_in_a_variable_is_an_error(void **state)
{
	(void)state;
	assert_string_equal(render_error("line 1\n{{host}}", "{\"host\": {\"a\": 1}}", RBL_EINVAL, 0),
	                    "page.html:2: 'host' is an object, not a value to print");
	assert_string_equal(render_error("{{#x}}\n\n{{list}}{{/x}}", "{\"x\": 1, \"list\": [1]}", RBL_EINVAL, 0),
	                    "page.html:3: 'list' is an array, not a value to print");
}

static void test_partials_are_resolved_and_cycles_refused(void **state)
{
	(void)state;
	tmpl_set_t *set;
	char err[TMPL_ERROR_MAX];
	const char *header = "<title>{{title}}</title>", *page = "{{> header}}{{#items}}{{>item}}{{/items}}{{>footer}}";
	assert_int_equal(tmpl_set_new(&set), RBL_OK);
	assert_int_equal(tmpl_set_add(set, "page.html", page, strlen(page), err, sizeof err), RBL_OK);
	assert_int_equal(tmpl_set_add(set, "header.html", header, strlen(header), err, sizeof err), RBL_OK);
	assert_int_equal(tmpl_set_add(set, "item", "<i>{{.}}{{title}}</i>", 21, err, sizeof err), RBL_OK);
	/* Not linked yet: the footer is missing, and a render is refused until a link succeeds. */
	assert_int_equal(tmpl_set_link(set, err, sizeof err), RBL_EINVAL);
	assert_string_equal(err, "page.html:1: no template 'footer' for the partial");
	json_t *doc = doc_of("{\"title\": \"<T>\", \"items\": [1, 2]}");
	tmpl_out_t out = {0};
	assert_int_equal(tmpl_render(set, "page", doc, &out), RBL_EINVAL);
	assert_string_equal(out.why, "page.html: the set is not linked");
	assert_int_equal(tmpl_set_add(set, "footer.html", "</html>", 7, err, sizeof err), RBL_OK);
	assert_int_equal(tmpl_set_link(set, err, sizeof err), RBL_OK);
	assert_int_equal(tmpl_render(set, "page.html", doc, &out), RBL_OK);
	assert_string_equal(out.data, "<title>&lt;T&gt;</title><i>1&lt;T&gt;</i><i>2&lt;T&gt;</i></html>");
	assert_int_equal(tmpl_render(set, "nothing", doc, &out), RBL_ENOENT);
	assert_string_equal(out.why, "nothing: no such template");
	tmpl_out_free(&out);
	json_decref(doc);
	tmpl_set_free(set);

	/* A cycle a -> b -> a, named where it closes. */
	assert_int_equal(tmpl_set_new(&set), RBL_OK);
	assert_int_equal(tmpl_set_add(set, "a.html", "A\n{{>b}}", 8, err, sizeof err), RBL_OK);
	assert_int_equal(tmpl_set_add(set, "b.html", "B\n\n{{> a}}", 10, err, sizeof err), RBL_OK);
	assert_int_equal(tmpl_set_link(set, err, sizeof err), RBL_EINVAL);
	assert_string_equal(err, "b.html:3: partial 'a' includes itself (a cycle)");
	tmpl_set_free(set);
	assert_int_equal(tmpl_set_new(&set), RBL_OK);
	assert_int_equal(tmpl_set_add(set, "self.html", "{{>self}}", 9, err, sizeof err), RBL_OK);
	assert_int_equal(tmpl_set_link(set, err, sizeof err), RBL_EINVAL);
	assert_string_equal(err, "self.html:1: partial 'self' includes itself (a cycle)");
	tmpl_set_free(set);

	/* A chain of 4 partials under a page is fine, 5 is not. */
	const char *chain[] = {"{{>p1}}", "{{>p2}}", "{{>p3}}", "{{>p4}}", "{{>p5}}", "end"};
	const char *names[] = {"p0", "p1", "p2", "p3", "p4", "p5"};
	for (int length = 4; length <= 5; length++) {
		assert_int_equal(tmpl_set_new(&set), RBL_OK);
		for (int i = 0; i <= length; i++) {
			const char *text = i == length ? chain[5] : chain[i];
			assert_int_equal(tmpl_set_add(set, names[i], text, strlen(text), err, sizeof err), RBL_OK);
		}
		if (length == 4) {
			assert_int_equal(tmpl_set_link(set, err, sizeof err), RBL_OK);
			doc = doc_of("{}");
			assert_int_equal(tmpl_render(set, "p0", doc, &out), RBL_OK);
			assert_string_equal(out.data, "end");
			json_decref(doc);
		} else {
			assert_int_equal(tmpl_set_link(set, err, sizeof err), RBL_EINVAL);
			assert_string_equal(err, "p0:1: partials nested deeper than 4 under 'p1'");
		}
		tmpl_set_free(set);
	}
	tmpl_out_free(&out);
}

static void test_unclosed_and_mismatched_sections_name_file_and_line(void **state)
{
	(void)state;
	static const struct {
		const char *text, *error;
	} cases[] = {
	        {"<h1>\n{{#zones}}\n<p>\n", "page.html:4: unclosed section 'zones' (opened at line 2)"},
	        {"{{#a}}{{#b}}\n{{/b}}\n", "page.html:3: unclosed section 'a' (opened at line 1)"},
	        {"{{#a}}\n{{#b}}\n{{/a}}", "page.html:3: '{{/a}}' closes section 'b' (opened at line 2)"},
	        {"x\n{{/a}}", "page.html:2: '{{/a}}' closes no open section"},
	        {"x\n\n<b>{{name\n</b>", "page.html:3: unclosed tag '{{'"},
	        {"{{}}", "page.html:1: empty tag"},
	        {"\n{{#   }}", "page.html:2: empty tag"},
	        {"{{a b}}", "page.html:1: bad name 'a b' (1..64 of A-Z a-z 0-9 _ .)"},
	        {"{{a..b}}", "page.html:1: bad name 'a..b' (1..64 of A-Z a-z 0-9 _ .)"},
	        {"{{.a}}", "page.html:1: bad name '.a' (1..64 of A-Z a-z 0-9 _ .)"},
	        {"{{a.}}", "page.html:1: bad name 'a.' (1..64 of A-Z a-z 0-9 _ .)"},
	        {"{{a\x01}}", "page.html:1: bad name 'a\\x01' (1..64 of A-Z a-z 0-9 _ .)"},
	        {"{{> ../etc}}", "page.html:1: bad name '../etc' (1..64 of A-Z a-z 0-9 _ . -)"},
	        {"{{! a comment\nover\nlines }}\n{{{x}}}", "page.html:4: '{{{' (unescaped output) is not supported"},
	        {"{{# a\n}}{{/b}}", "page.html:2: '{{/b}}' closes section 'a' (opened at line 1)"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_string_equal(compile_error(cases[i].text, strlen(cases[i].text)), cases[i].error);
}

static void test_nesting_and_size_limits(void **state)
{
	(void)state;
	char text[16 * 20 + 1] = "", err[TMPL_ERROR_MAX];
	/* 16 sections open at once compile; a 17th does not. */
	for (int i = 0; i < 16; i++)
		strcat(text, "{{#a}}");
	for (int i = 0; i < 16; i++)
		strcat(text, "{{/a}}");
	tmpl_set_free(set_of(text));
	char deeper[17 * 12 + 1] = "";
	for (int i = 0; i < 17; i++)
		strcat(deeper, "{{#a}}\n");
	assert_string_equal(compile_error(deeper, strlen(deeper)), "page.html:17: section 'a' nested deeper than 16");

	/* 64 KiB of text compile; one byte more is too much. */
	char *big = malloc(TMPL_TEXT_MAX + 1);
	assert_non_null(big);
	memset(big, 'x', TMPL_TEXT_MAX + 1);
	tmpl_set_t *set;
	assert_int_equal(tmpl_set_new(&set), RBL_OK);
	assert_int_equal(tmpl_set_add(set, "big.html", big, TMPL_TEXT_MAX, err, sizeof err), RBL_OK);
	assert_int_equal(tmpl_set_add(set, "bigger.html", big, TMPL_TEXT_MAX + 1, err, sizeof err), RBL_ERANGE);
	assert_string_equal(err, "bigger.html: 65537 bytes, over the limit of 65536");
	assert_int_equal(tmpl_set_add(set, "big.html", "x", 1, err, sizeof err), RBL_EEXIST);
	free(big);

	/* Names of 64 bytes are fine, 65 are not. */
	char name[80] = "{{";
	memset(name + 2, 'n', 64);
	strcpy(name + 66, "}}");
	tmpl_set_free(set_of(name));
	strcpy(name + 66, "n}}");
	assert_int_equal(strncmp(compile_error(name, strlen(name)), "page.html:1: bad name 'nnnn", 27), 0);

	/* A set of 32 templates is full; template names follow the name rule. */
	for (int i = 1; i < TMPL_SET_MAX; i++) {
		char n[16];
		snprintf(n, sizeof n, "t%d", i);
		assert_int_equal(tmpl_set_add(set, n, "", 0, err, sizeof err), RBL_OK);
	}
	assert_int_equal(tmpl_set_add(set, "one-more", "", 0, err, sizeof err), RBL_EFULL);
	assert_string_equal(err, "one-more: a set holds at most 32 templates");
	tmpl_set_free(set);
	assert_int_equal(tmpl_set_new(&set), RBL_OK);
	assert_int_equal(tmpl_set_add(set, "../x", "", 0, err, sizeof err), RBL_EINVAL);
	assert_string_equal(err, "../x: bad template name (1..64 of A-Z a-z 0-9 _ . -)");
	tmpl_set_free(set);
}

static void test_output_cap_is_an_error_not_a_cut_page(void **state)
{
	(void)state;
	/* 100 elements of 10 bytes: 1000 bytes fit a cap of 1000, not one of 999. */
	json_t *doc = json_object(), *list = json_array();
	for (int i = 0; i < 100; i++)
		json_array_append_new(list, json_string("0123456<9"));
	json_object_set_new(doc, "list", list);
	tmpl_set_t *set = set_of("{{#list}}{{.}}{{/list}}");
	tmpl_out_t out = {.max = 100 * 12};
	assert_int_equal(tmpl_render(set, "page", doc, &out), RBL_OK);
	assert_int_equal(out.len, 1200);
	out.max = 1199;
	assert_int_equal(tmpl_render(set, "page", doc, &out), RBL_ERANGE);
	assert_int_equal(out.len, 0);
	assert_string_equal(out.data, "");
	assert_string_equal(out.why, "page.html:1: the output is over its cap");
	/* The default cap: 2 MiB. */
	out.max = 0;
	for (int i = 0; i < 2000; i++) /* 2,000 strings of 132 '<', each 528 bytes escaped */
		json_array_append_new(list,
		                      json_string("<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<"
		                                  "<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<"));
	assert_int_equal(tmpl_render(set, "page", doc, &out), RBL_OK);
	assert_true(out.len < TMPL_OUT_MAX);
	for (int i = 0; i < 2000; i++) /* 4,000 of 528 bytes: 2,112,000 */
		json_array_append_new(list,
		                      json_string("<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<"
		                                  "<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<"));
	assert_int_equal(tmpl_render(set, "page", doc, &out), RBL_ERANGE);
	assert_int_equal(out.len, 0);
	tmpl_out_free(&out);
	tmpl_set_free(set);
	json_decref(doc);
}

static void test_step_limit_stops_a_render_that_prints_little(void **state)
{
	(void)state;
	/* 8 nested sections over a list of n visit n^8 bodies while printing nothing: fine for 4, not for 32. */
	char text[8 * 12 + 1] = "";
	for (int i = 0; i < 8; i++)
		strcat(text, "{{#l}}");
	for (int i = 0; i < 8; i++)
		strcat(text, "{{/l}}");
	renders(text, "{\"l\": [1, 2, 3, 4]}", "");
	char json[200] = "{\"l\": [0";
	for (int i = 1; i < 32; i++)
		strcat(json, ",0");
	strcat(json, "]}");
	assert_string_equal(render_error(text, json, RBL_ERANGE, 0), "page.html:1: more than 1048576 steps");
	/* One empty section over a big array: every pass counts. */
	json_t *doc = json_object(), *list = json_array();
	for (int i = 0; i < TMPL_STEPS_MAX; i++)
		json_array_append_new(list, json_true());
	json_object_set_new(doc, "l", list);
	tmpl_set_t *set = set_of("\n{{#l}}{{/l}}");
	tmpl_out_t out = {0};
	assert_int_equal(tmpl_render(set, "page", doc, &out), RBL_ERANGE);
	assert_string_equal(out.why, "page.html:2: more than 1048576 steps");
	/* The text, the section and one pass per element: exactly the limit. */
	json_array_remove(list, 0);
	json_array_remove(list, 0);
	assert_int_equal(tmpl_render(set, "page", doc, &out), RBL_OK);
	tmpl_out_free(&out);
	tmpl_set_free(set);
	json_decref(doc);
}

/* The brief's sketch of the lookup page (§5.3), cut down: nested and inverted sections, dotted names, partials. */
static void test_a_lookup_page_renders(void **state)
{
	(void)state;
	static const char page[] =
	        "{{> header}}\n"
	        "<h1 id=\"verdict\">{{#listed}}{{address}} is listed{{/listed}}{{^listed}}{{address}} is not "
	        "listed{{/listed}}</h1>\n"
	        "<table id=\"zones\">{{#zones}}<tr><td>{{zone}}</td><td>{{#listed}}listed{{/listed}}{{^listed}}not "
	        "listed ({{rcode}}){{/listed}}</td><td>{{#a}}<code>{{.}}</code> {{/a}}</td><td>{{#entry}}since "
	        "{{since}}: {{reason}}{{/entry}}</td></tr>{{/zones}}</table>\n"
	        "{{^listed}}<p>{{#host.last_probe}}Last probed {{host.last_probe}}: {{host.state}}.{{/host.last_probe}}"
	        "{{^host.last_probe}}Never probed.{{/host.last_probe}}</p>{{/listed}}\n"
	        "{{> footer}}";
	tmpl_set_t *set;
	char err[TMPL_ERROR_MAX];
	assert_int_equal(tmpl_set_new(&set), RBL_OK);
	assert_int_equal(tmpl_set_add(set, "lookup.html", page, strlen(page), err, sizeof err), RBL_OK);
	assert_int_equal(tmpl_set_add(set, "header.html", "<title>{{address}}</title>", 26, err, sizeof err), RBL_OK);
	assert_int_equal(tmpl_set_add(set, "footer.html", "</body>", 7, err, sizeof err), RBL_OK);
	assert_int_equal(tmpl_set_link(set, err, sizeof err), RBL_OK);
	json_t *doc = doc_of("{\"address\": \"192.0.2.7\", \"listed\": true, \"zones\": ["
	                     "{\"zone\": \"relays.rbl.example\", \"listed\": true, \"a\": [\"127.0.0.2\"],"
	                     " \"entry\": {\"since\": \"2026-12-01\", \"reason\": \"open relay <script>x</script>\"}},"
	                     "{\"zone\": \"spam.rbl.example\", \"listed\": false, \"rcode\": \"NXDOMAIN\", \"a\": []}],"
	                     " \"host\": {\"last_probe\": \"2026-12-01\", \"state\": \"open\"}}");
	tmpl_out_t out = {0};
	assert_int_equal(tmpl_render(set, "lookup", doc, &out), RBL_OK);
	assert_string_equal(
	        out.data,
	        "<title>192.0.2.7</title>\n"
	        "<h1 id=\"verdict\">192.0.2.7 is listed</h1>\n"
	        "<table id=\"zones\"><tr><td>relays.rbl.example</td><td>listed</td><td><code>127.0.0.2</code> "
	        "</td><td>since 2026-12-01: open relay &lt;script&gt;x&lt;/script&gt;</td></tr>"
	        "<tr><td>spam.rbl.example</td><td>not listed (NXDOMAIN)</td><td></td><td></td></tr></table>\n"
	        "\n"
	        "</body>");
	json_object_set_new(doc, "listed", json_false());
	assert_int_equal(tmpl_render(set, "lookup", doc, &out), RBL_OK);
	assert_non_null(strstr(out.data, "192.0.2.7 is not listed</h1>"));
	assert_non_null(strstr(out.data, "<p>Last probed 2026-12-01: open.</p>"));
	json_object_del(doc, "host");
	assert_int_equal(tmpl_render(set, "lookup", doc, &out), RBL_OK);
	assert_non_null(strstr(out.data, "<p>Never probed.</p>"));
	tmpl_out_free(&out);
	json_decref(doc);
	tmpl_set_free(set);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void test_load_compiles_the_html_files_of_a_directory(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_tmpl.XXXXXX", path[512], err[TMPL_ERROR_MAX];
	assert_non_null(mkdtemp(dir));
	write_file(dir, "header.html", "<h1>{{title}}</h1>\n");
	write_file(dir, "index.html", "{{> header}}<p>{{body}}</p>");
	write_file(dir, "style.css", "p { color: red } {{{ not a template");
	write_file(dir, ".hidden.html", "{{{");
	tmpl_set_t *set;
	assert_int_equal(tmpl_set_load(dir, &set, err, sizeof err), RBL_OK);
	json_t *doc = doc_of("{\"title\": \"T\", \"body\": \"<b>\"}");
	tmpl_out_t out = {0};
	assert_int_equal(tmpl_render(set, "index", doc, &out), RBL_OK);
	assert_string_equal(out.data, "<h1>T</h1>\n<p>&lt;b&gt;</p>");
	assert_int_equal(tmpl_render(set, "style.css", doc, &out), RBL_ENOENT);
	tmpl_out_free(&out);
	json_decref(doc);
	tmpl_set_free(set);

	/* A template that does not compile is named with its line; a missing partial too; nothing is returned. */
	write_file(dir, "lookup.html", "<ul>\n{{#zones}}\n<li>{{zone}}</li>\n");
	set = (tmpl_set_t *)1;
	assert_int_equal(tmpl_set_load(dir, &set, err, sizeof err), RBL_EINVAL);
	assert_null(set);
	assert_string_equal(err, "lookup.html:4: unclosed section 'zones' (opened at line 2)");
	write_file(dir, "lookup.html", "{{>footer}}");
	assert_int_equal(tmpl_set_load(dir, &set, err, sizeof err), RBL_EINVAL);
	assert_string_equal(err, "lookup.html:1: no template 'footer' for the partial");

	const char *names[] = {"header.html", "index.html", "style.css", ".hidden.html", "lookup.html"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		assert_int_equal(unlink(path), 0);
	}
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(tmpl_set_load(dir, &set, err, sizeof err), RBL_EIO);
	snprintf(path, sizeof path, "%s: No such file or directory", dir);
	assert_string_equal(err, path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_html_special_characters_are_escaped),
	        cmocka_unit_test(test_control_bytes_are_shown_as_hex),
	        cmocka_unit_test(test_escape_function_never_cuts_an_entity),
	        cmocka_unit_test(test_triple_mustache_is_refused),
	        cmocka_unit_test(test_ampersand_tag_is_refused),
	        cmocka_unit_test(test_values_of_each_type),
	        cmocka_unit_test(test_missing_names_render_empty),
	        cmocka_unit_test(test_comments_render_nothing),
	        cmocka_unit_test(test_blanks_around_names_are_allowed),
	        cmocka_unit_test(test_section_repeats_for_each_array_element),
	        cmocka_unit_test(test_section_over_object_pushes_context),
	        cmocka_unit_test(test_section_over_scalars_renders_once_or_not_at_all),
	        cmocka_unit_test(test_inverted_section_renders_for_empty_and_missing),
	        cmocka_unit_test(test_dotted_names_search_outward_then_inward),
	        cmocka_unit_test(test_object_in_a_variable_is_an_error),
	        cmocka_unit_test(test_partials_are_resolved_and_cycles_refused),
	        cmocka_unit_test(test_unclosed_and_mismatched_sections_name_file_and_line),
	        cmocka_unit_test(test_nesting_and_size_limits),
	        cmocka_unit_test(test_output_cap_is_an_error_not_a_cut_page),
	        cmocka_unit_test(test_step_limit_stops_a_render_that_prints_little),
	        cmocka_unit_test(test_a_lookup_page_renders),
	        cmocka_unit_test(test_load_compiles_the_html_files_of_a_directory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
