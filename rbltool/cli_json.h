/* SPDX-License-Identifier: BSD-2-Clause */
/* cli_json.h — --json output: one JSON document per command run, built with jansson, printed once at the end.
 *
 * Field names are stable (README, "JSON output"); a command prints either its text or its one document, never both.
 * Text from servers and the store may be any bytes: cli_json_text keeps valid UTF-8 and writes every other byte,
 * and every control character, as "\xNN", so that what reaches the document is what the text output would show.
 */
#ifndef RBLTOOL_CLI_JSON_H
#define RBLTOOL_CLI_JSON_H

#include "store/entry.h"

#include "resolve/resolve.h"

#include <jansson.h>

#include <stddef.h>
#include <stdint.h>

/* Prints doc to stdout (2-space indent, keys in insertion order, a final newline) and drops the reference.
 * CLI_OK; CLI_FAILED with a message when doc is NULL (a part could not be built: out of memory). */
int cli_json_print(json_t *doc);

/* A JSON string of len bytes of text, as above; never NULL except when out of memory. */
json_t *cli_json_textn(const char *text, size_t len);
json_t *cli_json_text(const char *text);

/* Adds key = value to obj, taking value's reference; a NULL value (out of memory) marks obj so that
 * cli_json_print fails instead of printing a document with a hole. Returns obj. */
json_t *cli_json_set(json_t *obj, const char *key, json_t *value);
/* Appends value to arr the same way. */
json_t *cli_json_push(json_t *arr, json_t *value);

/* A UTC time as "2026-12-05T01:02:03Z", or JSON null for 0 (never). */
json_t *cli_json_time(int64_t unix_time);

/* A code (host order) as "127.0.0.2". */
json_t *cli_json_code(uint32_t code);

/* Adds what list and show print of an entry to obj: "network", "exclusion", "codes" (the zone's default_code when
 * the entry names none; [] for an exclusion), "no_text", "reason" (null with no_text; "" = the zone's template),
 * "expires" (null = never). Returns obj. */
json_t *cli_json_entry(json_t *obj, const entry_t *e, uint32_t default_code);

/* A top-level array printed one element at a time, for documents too long to hold (a zone of a million entries):
 * the bytes are those cli_json_print would print for the whole array. Nothing is printed before the first element
 * or cli_json_array_end. */
typedef struct cli_json_array {
	size_t count;
} cli_json_array_t;
/* Prints element (dropping its reference). CLI_OK; CLI_FAILED when element is NULL or lost a part (with a message),
 * or when stdout failed (cli_close_output says why): stop then, the document is cut short. */
int cli_json_array_add(cli_json_array_t *arr, json_t *element);
/* Closes the array ("[]" if it had no element). CLI_OK, or CLI_FAILED when stdout failed. */
int cli_json_array_end(cli_json_array_t *arr);

/* A reverse DNS result: {"ptr_status", "names": [{"name", "forward_status", "confirmed"}], "more_names", "fcrdns",
 * "elapsed_ms"} (rdns, probe, retest and show --json). */
json_t *cli_json_rdns(const rdns_result_t *rdns);

#endif
