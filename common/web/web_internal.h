/* SPDX-License-Identifier: BSD-2-Clause */
/* web_internal.h — what the web service's files share (web_input.c, web_lookup.c, web_server.c) and its tests and
 * fuzz harness reach: nothing outside common/web/ may use it. */
#ifndef RBL_WEB_INTERNAL_H
#define RBL_WEB_INTERNAL_H

#include "base/addr.h"
#include "query/answer.h"
#include "store/store.h"
#include "tmpl/tmpl.h"
#include "web/web.h"

#include <jansson.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* libmicrohttpd's unescape callback, as a pure function: decodes %HH in s in place (NUL-terminated) and returns the
 * new length, but leaves a control character's escape (%00-%1F, %7F) and any malformed '%' as written, so that
 * "%00" can never cut a value short and the address parser refuses what it cannot read. Never lengthens s. */
size_t web_unescape(char *s);

enum web_route {
	WEB_NOT_FOUND = 0,
	WEB_INDEX,       /* / */
	WEB_STYLE,       /* /style.css */
	WEB_LOOKUP_FORM, /* /lookup?addr=ADDR: the form's target, redirected to the page */
	WEB_LOOKUP_PAGE, /* /lookup/ADDR */
	WEB_API_LOOKUP,  /* /api/v1/lookup/ADDR */
	WEB_RETEST_PAGE, /* /retest/ADDR: the page's form (POST) */
	WEB_API_RETEST,  /* /api/v1/retest/ADDR (GET, POST) */
	WEB_API_OTHER,   /* anything else under /api/: answered in JSON */
};

/* The route of path; for the routes that name an address *arg points at ADDR inside path (what follows the
 * prefix, up to the end: a further '/' is part of it, and the address parser refuses it). */
enum web_route web_route_of(const char *path, const char **arg);

/* Reads the address a client asked about: RBL_OK with *a, or RBL_EINVAL with why filled ("'TEXT' is not an IPv4 or
 * IPv6 address", TEXT escaped and cut to 64 bytes, "..." after it when cut: 110 bytes at most). */
int web_parse_address(const char *text, addr_t *a, char *why, size_t why_size);

/* The client of a request: the peer, or — only when the peer is inside one of trusted[] (a reverse proxy) — the
 * rightmost address of X-Forwarded-For that is not itself a trusted proxy (the leftmost ones are the client's to
 * write; the proxy appends what it saw). values: the X-Forwarded-For headers in order, each a comma-separated
 * list. RBL_EINVAL for an item that is not a plain address, more than WEB_XFF_MAX_ITEMS items or WEB_XFF_MAX_BYTES
 * bytes; a trusted peer that sent no header, or only trusted addresses, gives the peer. */
#define WEB_XFF_MAX_ITEMS 16
#define WEB_XFF_MAX_BYTES 1024
int web_client_addr(const addr_t *peer, const char *const *values, size_t nvalues, const cidr_t *trusted,
		    unsigned ntrusted, addr_t *client);

/* Retest forms' tokens (web_csrf.c): 48 lowercase hex characters — the time made (8 bytes) and the first 16 bytes
 * of HMAC-SHA256(secret, "dnsbld-retest-v1", address, client network, time) — so that a form works only for the
 * address and the client network it was made for, for WEB_CSRF_MAX_AGE_S. */
#define WEB_CSRF_LEN 48
#define WEB_CSRF_SECRET_LEN 32
#define WEB_CSRF_MAX_AGE_S 7200
#define WEB_CSRF_SKEW_S 300 /* a token from up to this far in the future (another host's clock) still counts */
int web_csrf_make(const uint8_t secret[WEB_CSRF_SECRET_LEN], const addr_t *a, const cidr_t *client_net,
		  int64_t now, char token[WEB_CSRF_LEN + 1]);
/* Whether token is one web_csrf_make made with this secret for a and client_net, between now - max age and now +
 * skew. Constant time in the MAC. */
bool web_csrf_valid(const uint8_t secret[WEB_CSRF_SECRET_LEN], const addr_t *a, const cidr_t *client_net,
		    int64_t now, const char *token);

/* The lookup document of a (the body of GET /api/v1/lookup/ADDR): {"address", "listed", "zones": [{"zone", "name",
 * "listed", "rcode", "ttl", "a": [...], "txt": [...], "entry": {...} or null}], "retest": {...}}. Each zone's
 * answers are dnsbld's own (answer_packet on ctx, the same code and snapshot); "entry" is the zone's own entry
 * answering the address (network, exclusion, created, updated, expires, reason, source, probe; null for an aggregate
 * or none), read from st in a snapshot of its own. "retest": {"eligible" (a listing the relay probe made for this
 * host, not opted out), "state" ("none", "queued", "done"), "offer" (eligible and not queued: the page offers the
 * button), "request": the latest request {id, requested, via, queued, position, done, outcome, probe} or null}.
 * RBL_OK with *doc; RBL_ENOMEM; a store error. */
int web_lookup(answer_ctx_t *ctx, store_t *st, const addr_t *a, json_t **doc);

/* A retest request as the lookup document and the retest API show it: {id, requested, via, queued, position (null
 * once done), done, outcome (null while queued), probe}. */
struct retest_request;
json_t *web_request_json(const struct retest_request *q, uint64_t position);

/* What the relay pipeline knows of a, into doc: "host" ({state, reports, first_report, last_report, last_probe} or
 * null), "probes" (the latest 5, newest first: {id, started, port, verdict, open, why, form, elapsed_ms, rdns,
 * fcrdns, transcript: [{who: "tester" | "server" | "note", text}]}), "reports" (the latest 20: {arrival, type,
 * source}), "history" (the latest 200 listing events: {time, kind, zone, probe, request, expires}) — kept in the
 * pipeline's own tables, so a deleted entry keeps its history. RBL_OK or a store error. */
int web_evidence(store_rtxn_t *r, const addr_t *a, json_t *doc);

/* A JSON string of text (len bytes) that keeps valid UTF-8 and writes other bytes and control characters as
 * "\xNN" (text_utf8_escape). NULL when out of memory. */
json_t *web_json_text(const char *text, size_t len);


/* --- the server (web_server.c) and its answers (web_reply.c): only the polling thread touches them --------------- */

#define WEB_TRUSTED_MAX WEB_TRUSTED_PROXIES_MAX
#define WEB_ORIGIN_MAX 300

struct web_server {
	struct MHD_Daemon *daemon;
	store_t *st;
	tmpl_set_t *pages;
	char *style; /* style.css */
	size_t style_len;
	answer_ctx_t answers; /* the polling thread's only */
	uint16_t port;
	unsigned open;
	atomic_bool started;
	char why[256];
	uint8_t secret[WEB_CSRF_SECRET_LEN]; /* the store's, read once at start (pipeline_retest_secret) */
	cidr_t trusted[WEB_TRUSTED_MAX];      /* --trusted-proxy: whose X-Forwarded-For counts */
	unsigned trusted_count;
	char origin[WEB_ORIGIN_MAX];          /* --public-url's scheme://host[:port]: a POST's Origin must be it */
};

/* What a request carries from one call of the access handler to the next. */
struct web_request {
	size_t body;                  /* bytes of body seen */
	bool refused;                 /* a reply is queued already (too many headers, too large a body) */
	struct MHD_PostProcessor *pp; /* a POST's form fields */
	char csrf[WEB_CSRF_LEN + 2];  /* the form's csrf field (one byte more: a longer one is refused) */
};

/* Queues body (len bytes; owned: freed by libmicrohttpd, else static) with the headers every answer carries (no
 * sniffing, a Content-Security-Policy that allows no script, no framing, no caching, the referrer kept to this site),
 * and Allow and Location when given. */
enum MHD_Result web_reply(struct MHD_Connection *c, unsigned status, const char *type, char *body, size_t len,
			  bool owned, const char *allow, const char *location);
/* doc (taken) as JSON. */
enum MHD_Result web_reply_json(struct MHD_Connection *c, unsigned status, json_t *doc, const char *allow);
/* {"error": message} as JSON. */
enum MHD_Result web_reply_error(struct MHD_Connection *c, unsigned status, const char *message, const char *allow);
/* The page name rendered over doc (taken); a page that does not render is a 500, logged. */
enum MHD_Result web_reply_page(web_server_t *s, struct MHD_Connection *c, unsigned status, const char *name,
			       json_t *doc, const char *allow);
/* The error page: a heading, the message, the form with what was asked in it (asked may be NULL). */
enum MHD_Result web_reply_error_page(web_server_t *s, struct MHD_Connection *c, unsigned status, const char *heading,
				     const char *message, const char *asked, const char *allow);

/* --- retest requests (web_retest.c) ------------------------------------------------------------------------------ */

/* The client of the request on c: the peer, or behind a trusted proxy the address X-Forwarded-For gives.
 * RBL_EINVAL for a bad X-Forwarded-For from a trusted proxy. */
int web_client_of(const web_server_t *s, struct MHD_Connection *c, addr_t *client);
/* Adds "csrf" (a token for this client) to doc's "retest" when it offers a retest. */
void web_offer_token(const web_server_t *s, struct MHD_Connection *c, json_t *doc);
/* POST /retest/ADDR (api false: the page's form, answered by a redirect or an error page) and POST
 * /api/v1/retest/ADDR (JSON): the cross-site checks, the token, the address's eligibility, the limits, the queue. */
enum MHD_Result web_retest_post(web_server_t *s, struct MHD_Connection *c, const char *text, const char *token,
				bool api);
/* GET /api/v1/retest/ADDR: {"address", "retest": {...}} as in the lookup document. */
enum MHD_Result web_retest_get(web_server_t *s, struct MHD_Connection *c, const char *text);
/* The lookup document of text's address, or NULL with *status (400, 503) and why. */
json_t *web_lookup_doc(web_server_t *s, const char *text, unsigned *status, char *why, size_t why_size);

#endif
