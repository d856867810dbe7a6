/* SPDX-License-Identifier: BSD-2-Clause */
/* cli_json.c — --json output helpers over jansson. */
#include "cli_json.h"

#include "base/text.h"

#include "cli.h"
#include "store/zone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Set on a document that lost a part to an allocation failure; checked by cli_json_print. */
static const char BROKEN_KEY[] = "\x01incomplete";

json_t *cli_json_textn(const char *text, size_t len)
{
	char *out = malloc(TEXT_ESCAPED_SIZE(len));
	if (!out)
		return NULL;
	size_t n = text_utf8_escape(text, len, out, TEXT_ESCAPED_SIZE(len));
	json_t *v = json_stringn(out, n);
	free(out);
	return v;
}

json_t *cli_json_text(const char *text)
{
	return cli_json_textn(text ? text : "", text ? strlen(text) : 0);
}

static void mark_broken(json_t *doc)
{
	if (json_is_object(doc))
		json_object_set_new(doc, BROKEN_KEY, json_true());
}

json_t *cli_json_set(json_t *obj, const char *key, json_t *value)
{
	if (!obj) {
		json_decref(value); /* taken all the same */
		return NULL;
	}
	if (!value || json_object_set_new(obj, key, value))
		mark_broken(obj);
	return obj;
}

json_t *cli_json_push(json_t *arr, json_t *value)
{
	if (!arr) {
		json_decref(value);
		return NULL;
	}
	if (!value || json_array_append_new(arr, value))
		json_array_append_new(arr, json_pack("{sb}", BROKEN_KEY, 1));
	return arr;
}

json_t *cli_json_time(int64_t unix_time)
{
	if (unix_time == 0)
		return json_null();
	time_t t = (time_t)unix_time;
	struct tm tm;
	char buf[32];
	if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return json_null();
	return json_string(buf);
}

json_t *cli_json_code(uint32_t code)
{
	char text[ZONE_CODE_STRLEN];
	zone_code_format(code, text);
	return json_string(text);
}

static json_t *entry_codes(const entry_t *e, uint32_t default_code)
{
	json_t *codes = json_array();
	if (e->flags & ENTRY_EXCLUDE)
		return codes;
	if (!e->ncodes)
		return cli_json_push(codes, cli_json_code(default_code));
	for (unsigned i = 0; i < e->ncodes; i++)
		cli_json_push(codes, cli_json_code(e->codes[i]));
	return codes;
}

json_t *cli_json_entry(json_t *obj, const entry_t *e, uint32_t default_code)
{
	char net[ADDR_STRLEN];
	cidr_format(&e->net, net);
	bool no_text = e->flags & ENTRY_NOTEXT;
	cli_json_set(obj, "network", json_string(net));
	cli_json_set(obj, "exclusion", json_boolean(e->flags & ENTRY_EXCLUDE));
	cli_json_set(obj, "codes", entry_codes(e, default_code));
	cli_json_set(obj, "no_text", json_boolean(no_text));
	cli_json_set(obj, "reason", no_text ? json_null() : cli_json_text(e->reason));
	return cli_json_set(obj, "expires", cli_json_time(e->expires));
}

/* True if any object in doc carries the broken mark. */
static int is_broken(json_t *doc)
{
	if (json_is_object(doc)) {
		if (json_object_get(doc, BROKEN_KEY))
			return 1;
		const char *key;
		json_t *v;
		json_object_foreach(doc, key, v)
			if (is_broken(v))
				return 1;
	} else if (json_is_array(doc)) {
		size_t i;
		json_t *v;
		json_array_foreach(doc, i, v)
			if (is_broken(v))
				return 1;
	}
	return 0;
}

/* Writes text to stdout with two spaces after each newline: an element indented one level inside the array. */
static void print_indented(const char *text)
{
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);
		fputs("  ", stdout);
		fwrite(line, 1, n, stdout);
		line += n;
	}
}

int cli_json_array_add(cli_json_array_t *arr, json_t *element)
{
	if (!element || is_broken(element)) {
		json_decref(element);
		return cli_fail("cannot build the JSON output: out of memory");
	}
	char *text = json_dumps(element, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(element);
	if (!text)
		return cli_fail("cannot build the JSON output: out of memory");
	fputs(arr->count++ ? ",\n" : "[\n", stdout);
	print_indented(text);
	free(text);
	return cli_output_failed() ? CLI_FAILED : CLI_OK;
}

int cli_json_array_end(cli_json_array_t *arr)
{
	fputs(arr->count ? "\n]\n" : "[]\n", stdout);
	return cli_output_failed() ? CLI_FAILED : CLI_OK;
}

int cli_json_print(json_t *doc)
{
	if (!doc || is_broken(doc)) {
		json_decref(doc);
		return cli_fail("cannot build the JSON output: out of memory");
	}
	int rc = json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (rc == 0)
		rc = fputc('\n', stdout) == EOF;
	/* Now, while errno is the failed write's: cli_close_output reports it ("No space left on device"). */
	bool failed = cli_output_failed();
	json_decref(doc);
	return rc || failed ? CLI_FAILED : CLI_OK;
}

json_t *cli_json_rdns(const rdns_result_t *rdns)
{
	json_t *o = json_object(), *names = json_array();
	cli_json_set(o, "ptr_status", json_string(resolve_status_name(rdns->ptr)));
	for (unsigned i = 0; i < rdns->count && i < RDNS_MAX_NAMES; i++) {
		const rdns_name_t *n = &rdns->names[i];
		cli_json_push(names, json_pack("{s:o,s:s,s:b}", "name", cli_json_text(n->name), "forward_status",
					       resolve_status_name(n->forward), "confirmed", n->confirmed));
	}
	cli_json_set(o, "names", names);
	cli_json_set(o, "more_names", json_integer(rdns->more));
	cli_json_set(o, "fcrdns", json_boolean(rdns->fcrdns));
	cli_json_set(o, "elapsed_ms", json_integer(rdns->elapsed_ms));
	return o;
}
