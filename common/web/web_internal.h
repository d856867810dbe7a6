/* SPDX-License-Identifier: BSD-2-Clause */
/* web_internal.h — what the web service's files share (web_input.c, web_lookup.c, web_server.c) and its tests and
 * fuzz harness reach: nothing outside common/web/ may use it. */
#ifndef RBL_WEB_INTERNAL_H
#define RBL_WEB_INTERNAL_H

#include "base/addr.h"
#include "query/answer.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* libmicrohttpd's unescape callback, as a pure function: decodes %HH in s in place (NUL-terminated) and returns the
 * new length, but leaves a control character's escape (%00-%1F, %7F) and any malformed '%' as written, so that
 * "%00" can never cut a value short and the address parser refuses what it cannot read. Never lengthens s. */
size_t web_unescape(char *s);

enum web_route {
	WEB_NOT_FOUND = 0,
	WEB_API_LOOKUP, /* /api/v1/lookup/ADDR */
};

/* The route of path; for WEB_API_LOOKUP *arg points at ADDR inside path (what follows the prefix, up to the end:
 * a further '/' is part of it, and the address parser refuses it). */
enum web_route web_route_of(const char *path, const char **arg);

/* Reads the address a client asked about: RBL_OK with *a, or RBL_EINVAL with why filled ("'TEXT' is not an IPv4 or
 * IPv6 address", TEXT escaped and cut to 64 bytes, "..." after it when cut: 110 bytes at most). */
int web_parse_address(const char *text, addr_t *a, char *why, size_t why_size);

/* The lookup document of a (the body of GET /api/v1/lookup/ADDR): {"address", "listed", "zones": [{"zone", "name",
 * "listed", "rcode", "ttl", "a": [...], "txt": [...], "entry": {...} or null}]}. Each zone's answers are dnsbld's
 * own (answer_packet on ctx, the same code and snapshot); "entry" is the zone's own entry answering the address
 * (network, exclusion, created, updated, expires, reason, source; null for an aggregate or none), read from st in
 * a snapshot of its own. RBL_OK with *doc; RBL_ENOMEM; a store error. */
int web_lookup(answer_ctx_t *ctx, store_t *st, const addr_t *a, json_t **doc);

/* A JSON string of text (len bytes) that keeps valid UTF-8 and writes other bytes and control characters as
 * "\xNN" (text_utf8_escape). NULL when out of memory. */
json_t *web_json_text(const char *text, size_t len);

#endif
