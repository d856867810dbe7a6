/* SPDX-License-Identifier: BSD-2-Clause */
/* web.h — the lookup service for listed parties (issue 16): an HTTP server over the store, meant to sit behind the
 * operator's reverse proxy, that says for an address whether each zone lists it — with the A codes and TXT dnsbld
 * answers and the entry that answers — as JSON (`GET /api/v1/lookup/ADDR`).
 *
 * libmicrohttpd's own polling thread does everything (parsing, store reads, answers): the store handle is used by
 * that one thread only, a read snapshot per request, none held between requests. The pages — the lookup form (`/`),
 * an address's page (`/lookup/ADDR`; the form's `/lookup?addr=` is redirected there) — are rendered from the HTML
 * templates of a directory (rbl_tmpl: every value escaped), with style.css beside them; no scripts, and a Content
 * Security Policy that allows none. Bounded: WEB_MAX_CONNS connections
 * (WEB_MAX_CONNS_PER_IP from one address), WEB_IDLE_TIMEOUT_S of silence, WEB_CONN_MEMORY bytes of request line and
 * headers (414 and 431 past it, libmicrohttpd's), WEB_MAX_HEADERS headers (431), WEB_MAX_BODY bytes of body (413).
 * Retest requests: a listing the relay probe made can be asked to be probed again (POST /retest/ADDR from the
 * page's form, POST /api/v1/retest/ADDR), with a token made for the address and the client's network (web_csrf.c),
 * refused cross-site, limited per address and per client network, and queued for rbltool retest --requested. The
 * client is the peer, or behind a --trusted-proxy the address its X-Forwarded-For gives.
 * Not built yet: the evidence and history on the page (issue 16's rest).
 */
#ifndef RBL_WEB_H
#define RBL_WEB_H

#include "base/addr.h"
#include "store/store.h"

#include <stdint.h>

#define WEB_DEFAULT_PORT 8053
#define WEB_DEFAULT_LISTEN "127.0.0.1:8053"
#define WEB_MAX_CONNS 64
#define WEB_MAX_CONNS_PER_IP 8
#define WEB_IDLE_TIMEOUT_S 10
#define WEB_CONN_MEMORY (32 * 1024)
#define WEB_MAX_HEADERS 64
#define WEB_MAX_BODY 1024

#define WEB_STYLE_MAX (64 * 1024)
#define WEB_TRUSTED_PROXIES_MAX 16

typedef struct web_server web_server_t;

typedef struct web_options {
	const char *listen;    /* "ADDR:PORT", numeric, IPv6 in brackets; port 0: a free one */
	const char *templates; /* the directory of index.html, lookup.html, error.html (and their partials), style.css */
	const cidr_t *trusted; /* reverse proxies whose X-Forwarded-For names the client (at most 16) */
	unsigned trusted_count;
	const char *public_url; /* "https://lookup.rbl.example": a POST's Origin must be its origin (NULL: not checked) */
} web_options_t;

/* Serves st as o says; first makes the store's retest secret (a write) if it has none. RBL_OK with *out; RBL_EINVAL
 * for a listen that is not one, more than 16 trusted proxies, a public URL that is not http(s)://HOST[:PORT][/...],
 * or templates that do not compile (why: "lookup.html:12: ..."), RBL_EIO when the templates cannot be read or the address served (why says what
 * libmicrohttpd said), RBL_ENOMEM. st must stay open until web_server_stop; nothing else may use it meanwhile. */
int web_server_start(store_t *st, const web_options_t *o, web_server_t **out, char *why, size_t why_size);
/* The port served (the one chosen for port 0). */
uint16_t web_server_port(const web_server_t *s);
/* Stops serving (waits for the request under way) and frees s. NULL is ignored. */
void web_server_stop(web_server_t *s);

#endif
