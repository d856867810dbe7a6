/* SPDX-License-Identifier: BSD-2-Clause */
/* resolve.h — DNS lookups through the operator's recursive resolver, asynchronous on a libuv loop (libunbound).
 *
 * One resolver per loop. It asks the configured resolver and nothing else: the servers of /etc/resolv.conf, or the
 * one given (rbltool --resolver ADDR[:PORT]); libunbound's built-in local zones (localhost, 127.in-addr.arpa, the
 * RFC 1918 / RFC 6303 reverse zones, the documentation ranges) are switched off, so that a PTR the operator serves
 * for a private address is seen, and loopback resolvers may be asked. Every lookup has a time limit of its own
 * (RESOLVE_TIMEOUT when it passes); the outcome keeps the DNS rcode, because NXDOMAIN, SERVFAIL and no answer at all
 * are different findings. Callbacks run on the loop's thread, once per lookup, from uv_run. Nothing is cached by
 * us; libunbound's own cache lives as long as the resolver. No DNSSEC validation (no trust anchor is configured).
 */
#ifndef RBL_RESOLVE_H
#define RBL_RESOLVE_H

#include "base/addr.h"

#include <uv.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RESOLVE_TYPE_A 1
#define RESOLVE_TYPE_PTR 12
#define RESOLVE_TYPE_TXT 16
#define RESOLVE_TYPE_AAAA 28

enum resolve_status {
	RESOLVE_OK = 0,    /* NOERROR with at least one record of the type asked */
	RESOLVE_NODATA,    /* NOERROR, the name exists, no record of that type */
	RESOLVE_NXDOMAIN,  /* the name does not exist */
	RESOLVE_SERVFAIL,  /* the resolver answered SERVFAIL */
	RESOLVE_REFUSED,   /* the resolver refused to answer us */
	RESOLVE_BAD_RCODE, /* any other rcode (rcode says which) */
	RESOLVE_TIMEOUT,   /* no answer within the time limit */
	RESOLVE_ERROR,     /* a local failure (out of memory, the library failed) */
};

/* "ok", "nodata", "nxdomain", "servfail", "refused", "error-rcode", "timeout", "error": stable words (JSON, store). */
const char *resolve_status_name(enum resolve_status s);

#define RESOLVE_MAX_RECORDS 16 /* records kept per answer; the rest are counted in `more` */
#define RESOLVE_NAME_MAX 254   /* a presentation name without its final dot, NUL included */
#define RESOLVE_TEXT_MAX 512   /* one TXT record, its strings concatenated, NUL included (longer ones are cut) */

typedef struct resolve_answer {
	enum resolve_status status;
	int rcode;     /* the answer's rcode (0..15); -1 without an answer (timeout, local error) */
	uint16_t type; /* the type asked */
	size_t count;  /* records kept, of the type asked, in answer order (malformed ones are skipped: 0 with
			RESOLVE_OK when all were; callers test count) */
	size_t more;   /* records past RESOLVE_MAX_RECORDS, not kept */
	addr_t addrs[RESOLVE_MAX_RECORDS];                 /* A, AAAA */
	char names[RESOLVE_MAX_RECORDS][RESOLVE_NAME_MAX]; /* PTR: lowercase, no final dot, escaped as ldns prints */
	char texts[RESOLVE_MAX_RECORDS][RESOLVE_TEXT_MAX]; /* TXT: control characters, non-ASCII and \ as \DDD */
} resolve_answer_t;

typedef struct resolver resolver_t;

typedef struct resolver_config {
	const char *server;  /* "ADDR", "ADDR:PORT", "[V6ADDR]:PORT" (port 53 by default), or NULL: /etc/resolv.conf */
	unsigned timeout_ms; /* per lookup, 1..60000; 0 means 5000 */
} resolver_config_t;

/* Parses a --resolver value as resolver_config.server takes it: RBL_OK or RBL_EINVAL (for the CLI's message). */
int resolver_server_parse(const char *text, addr_t *addr, uint16_t *port);

/* A resolver on loop. RBL_EINVAL: a bad server; RBL_ENOENT: no server in resolv.conf; RBL_ENOMEM; RBL_EIO: the
 * library could not start. */
int resolver_new(uv_loop_t *loop, const resolver_config_t *cfg, resolver_t **out);

/* Looks name (presentation form, a final dot optional) up for type; cb runs once with the answer (valid during the
 * call only). RBL_EINVAL for a malformed name or an unsupported type (A, AAAA, PTR, TXT are supported); RBL_ENOMEM;
 * RBL_EIO when the library failed or r is being freed. On an error return cb never runs. */
int resolver_lookup(resolver_t *r, const char *name, uint16_t type,
                    void (*cb)(void *ctx, const resolve_answer_t *answer), void *ctx);

/* Lookups started and not yet answered. */
size_t resolver_pending(const resolver_t *r);

/* Cancels what is pending (their callbacks run with RESOLVE_ERROR, "cancelled"), closes the loop handles and frees r
 * once the loop has run them: call it, then let uv_run finish. NULL is fine. */
void resolver_free(resolver_t *r);

/* --- forward-confirmed reverse DNS --------------------------------------------------------------------------- */

#define RDNS_MAX_NAMES 4 /* PTR names checked per address; more are counted, not checked */

typedef struct rdns_name {
	char name[RESOLVE_NAME_MAX];
	enum resolve_status forward; /* the A (IPv4 address) or AAAA (IPv6) lookup of name */
	bool confirmed;              /* one of its addresses is the address looked up */
} rdns_name_t;

typedef struct rdns_result {
	addr_t addr;
	enum resolve_status ptr; /* the PTR lookup's outcome */
	uint8_t count;           /* names checked, at most RDNS_MAX_NAMES */
	uint8_t more;            /* PTR names past RDNS_MAX_NAMES */
	rdns_name_t names[RDNS_MAX_NAMES];
	bool fcrdns; /* at least one name confirms: forward-confirmed reverse DNS passes */
	unsigned elapsed_ms;
} rdns_result_t;

/* PTR of addr, then the A/AAAA of each PTR name (in parallel); cb once with the result. Errors as resolver_lookup. */
int rdns_lookup(resolver_t *r, const addr_t *addr, void (*cb)(void *ctx, const rdns_result_t *result), void *ctx);

/* One line for people: "mx.example.org (forward-confirmed)", "mx.example.org (does not resolve back: nxdomain)",
 * "no PTR (nxdomain)", "PTR lookup timed out". */
void rdns_describe(const rdns_result_t *res, char *out, size_t size);

#endif
