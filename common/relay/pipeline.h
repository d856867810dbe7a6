/* SPDX-License-Identifier: BSD-2-Clause */
/* pipeline.h — the relay-probe pipeline's records in the store: reports, hosts, probes (the evidence) and
 * the opt-out list. Written by rbltool only, in the same write transactions as the listings they lead to: the tables
 * live in the store's environment through store_ext.h (the store itself knows nothing of them), created by the first
 * write; reading a store that has none finds nothing.
 *
 *   hosts    address → state: pending (reported, not yet probed), open, closed, inconclusive (retried a bounded
 *            number of times), with counts and times;
 *   reports  address · report id → one report (who, when, what);
 *   probes   address · probe id → one probe: port, time, verdict, the form that relayed, why, the transcript, and
 *            the reverse DNS seen at probe time (PTR names, which confirm). The probe id is the "evidence id" a
 *            listing carries;
 *   optout   network → reason, time: such hosts are never probed and never listed by the pipeline;
 *   events   address · event id → one change of the pipeline's listings (listed, extended, delisted and why): the
 *            history of an address, kept when the listing, or its zone, is deleted (pipeline_events.c);
 *   retest   requests to probe a listed address again, their queue, the per-network counters that limit them and
 *            the secret of the lookup page's CSRF tokens (pipeline_retest.c).
 */
#ifndef RBL_RELAY_PIPELINE_H
#define RBL_RELAY_PIPELINE_H

#include "relay/probe.h"
#include "relay/report.h"
#include "resolve/resolve.h"
#include "store/store.h"

#include <stdint.h>

enum host_state { HOST_PENDING = 0, HOST_OPEN = 1, HOST_CLOSED = 2, HOST_INCONCLUSIVE = 3, HOST_OPTED_OUT = 4 };
const char *pipeline_host_state_name(enum host_state s);

typedef struct host_record {
	addr_t addr;
	uint8_t state;               /* enum host_state */
	uint16_t inconclusive;       /* probes in a row that could not decide */
	uint32_t reports;
	int64_t first_report, last_report, last_probe;
	uint64_t last_probe_id;
} host_record_t;

typedef struct probe_record {
	uint64_t id;
	addr_t addr;
	uint16_t port;
	int64_t started;
	uint32_t elapsed_ms;
	uint8_t verdict;             /* enum probe_verdict */
	int8_t form;
	char form_name[64];
	char why[512];
	const char *transcript;      /* points into the snapshot (pipeline_probe_foreach) */
	size_t transcript_len;
	bool has_rdns;               /* reverse DNS was looked up with the probe (rdns is meaningful) */
	rdns_result_t rdns;
} probe_record_t;

typedef struct optout_record {
	cidr_t net;
	int64_t created;
	char reason[256];
} optout_record_t;

/* Records a report; the host becomes pending unless it is open (already listed) or opted out (then its state says
 * so; the report is kept either way). *opted_out tells which. */
int pipeline_report_add(store_wtxn_t *w, const report_t *r, bool *opted_out);
int pipeline_report_foreach(store_rtxn_t *r, const addr_t *addr, int (*fn)(const report_t *rep, void *ctx), void *ctx);

/* Records a probe of addr, with the reverse DNS looked up beside it (NULL: none was), and moves the host to the
 * verdict's state; *id = the probe (evidence) id. */
int pipeline_probe_add(store_wtxn_t *w, const addr_t *addr, uint16_t port, const probe_result_t *res,
		       const rdns_result_t *rdns, uint64_t *id);
/* The probes of addr, oldest first. */
int pipeline_probe_foreach(store_rtxn_t *r, const addr_t *addr, int (*fn)(const probe_record_t *p, void *ctx),
			void *ctx);

int pipeline_host_get(store_rtxn_t *r, const addr_t *addr, host_record_t *h);
int pipeline_host_get_w(store_wtxn_t *w, const addr_t *addr, host_record_t *h);
/* Every host, in address order. */
int pipeline_host_foreach(store_rtxn_t *r, int (*fn)(const host_record_t *h, void *ctx), void *ctx);
int pipeline_host_put(store_wtxn_t *w, const host_record_t *h);

/* Adds an opt-out and removes, in every zone, the pipeline's listings (entries with evidence) inside it: opted-out
 * hosts are never listed by the pipeline, from now on and no longer now. *delisted = how many went. */
int pipeline_optout_add(store_wtxn_t *w, const optout_record_t *o, uint64_t *delisted);
int pipeline_optout_del(store_wtxn_t *w, const cidr_t *net);
int pipeline_optout_foreach(store_rtxn_t *r, int (*fn)(const optout_record_t *o, void *ctx), void *ctx);
/* True (1) if addr lies in an opted-out network, 0 if not, negative on error. Works in either transaction kind. */
int pipeline_optout_covers(store_rtxn_t *r, const addr_t *addr);
int pipeline_optout_covers_w(store_wtxn_t *w, const addr_t *addr);

/* --- events: the listing history of an address (pipeline_events.c) */

enum pipeline_event_kind {
	EVENT_LISTED = 1,            /* a probe listed it */
	EVENT_EXTENDED = 2,          /* a retest found it open again: listing rewritten, expiry moved */
	EVENT_DELISTED_RETEST = 3,   /* a retest found it closed (request_id set when it was asked for) */
	EVENT_DELISTED_OPTOUT = 4,   /* an opt-out covering it removed the listing */
	EVENT_DELISTED_OPERATOR = 5, /* rbltool del of a pipeline listing, or its zone deleted */
};
#define EVENT_KIND_MAX EVENT_DELISTED_OPERATOR
/* "listed", "extended", "delisted-retest", "delisted-optout", "delisted-operator" ("?" past the enum): one token
 * each, for text, JSON and the lookup page alike. */
const char *pipeline_event_kind_name(enum pipeline_event_kind k);

#define EVENT_NOTE_MAX 256 /* note bytes, NUL included */
typedef struct pipeline_event {
	uint64_t id;                     /* filled by pipeline_event_add: the order of events, store-wide */
	addr_t addr;
	int64_t time;                    /* filled by pipeline_event_add: the write transaction's time */
	uint8_t kind;                    /* enum pipeline_event_kind */
	uint32_t zone_id;
	char zone[DNAME_TEXTMAX];        /* "" = not known when written (opt-out): resolve zone_id while it exists */
	uint64_t probe_id;               /* the probe behind it (0 = none) */
	uint64_t request_id;             /* the retest request behind it (0 = none) */
	int64_t expires;                 /* the listing's expiry (listed, extended; delisted: the one it had) */
	uint8_t ncodes;                  /* the listing's codes (0 = the zone's default) */
	uint32_t codes[ENTRY_MAX_CODES];
	char note[EVENT_NOTE_MAX];
} pipeline_event_t;

/* Records ev (addr, kind, and whatever else applies) in the history of ev->addr; fills ev->id and ev->time. Call it
 * in the write transaction of the change it records. RBL_EINVAL for an unknown kind, a family that is not an
 * address family or more than ENTRY_MAX_CODES codes; codes outside 127.0.0.0/8 are RBL_ERANGE. */
int pipeline_event_add(store_wtxn_t *w, pipeline_event_t *ev);
/* The events of addr, oldest first; a non-zero return from fn stops the walk and is returned. A record that does not
 * decode (damaged, or written by a newer version) stops the walk with RBL_EDAMAGED. */
int pipeline_event_foreach(store_rtxn_t *r, const addr_t *addr, int (*fn)(const pipeline_event_t *ev, void *ctx),
			   void *ctx);

/* --- retest requests: asked for on the lookup page (or by an operator), queued, probed by rbltool retest
 * --requested, and kept with their outcome (pipeline_retest.c) */

enum retest_via { RETEST_VIA_WEB = 1, RETEST_VIA_API = 2, RETEST_VIA_CLI = 3 };
enum retest_outcome {
	RETEST_PENDING = 0,          /* still queued */
	RETEST_DELISTED = 1,         /* probed closed: delisted */
	RETEST_STILL_OPEN = 2,       /* probed open: listing extended */
	RETEST_INCONCLUSIVE = 3,     /* probed, undecided: left to its expiry */
	RETEST_NOT_LISTED = 4,       /* no pipeline listing left when its turn came: not probed */
	RETEST_OPTED_OUT = 5,        /* opted out meanwhile: not probed */
	RETEST_PROBED_MEANWHILE = 6, /* a scheduled retest probed it after the request: that probe answers it */
};
#define RETEST_OUTCOME_MAX RETEST_PROBED_MEANWHILE
enum retest_refusal {
	RETEST_ACCEPTED = 0,
	RETEST_ALREADY_QUEUED = 1, /* the address has a queued request: *out is that one */
	RETEST_TOO_SOON = 2,       /* the address's last request is younger than limits->per_address */
	RETEST_NETWORK_LIMIT = 3,  /* the client's network used its limits->per_network in this window */
	RETEST_QUEUE_FULL = 4,     /* limits->queue_max requests are queued */
};
/* "web", "api", "cli"; "pending", "delisted", "still open", "inconclusive", "not listed", "opted out",
 * "probed meanwhile"; "accepted", "already queued", "too soon", "network limit", "queue full" ("?" past the enums). */
const char *pipeline_retest_via_name(enum retest_via v);
const char *pipeline_retest_outcome_name(enum retest_outcome o);
const char *pipeline_retest_refusal_name(enum retest_refusal r);

typedef struct retest_request {
	uint64_t id;
	addr_t addr;
	cidr_t client_net;           /* the requester's network; family 0 = none given (an operator) */
	int64_t requested, done;     /* done: 0 while queued */
	uint8_t via;                 /* enum retest_via */
	uint8_t queued;              /* 1 until pipeline_retest_done */
	uint8_t verdict;             /* enum probe_verdict of the probe that answered it (done, probe_id != 0) */
	uint8_t outcome;             /* enum retest_outcome */
	uint64_t probe_id;           /* 0 = not probed */
} retest_request_t;

typedef struct retest_limits {
	int64_t per_address;         /* seconds between two requests for one address */
	unsigned per_network;        /* requests per client network ... */
	int64_t network_window;      /* ... per this many seconds (a fixed window from the network's first request) */
	unsigned queue_max;          /* queued requests at most (0: no limit) */
} retest_limits_t;
/* One request per address per hour, 10 per client /24 or /56 per hour, 1000 queued. */
#define RETEST_LIMITS_DEFAULT ((retest_limits_t){3600, 10, 3600, 1000})
#define RETEST_QUEUE_FULL_RETRY 60 /* *retry_after for a full queue: the runner takes up to 50 a minute */
#define RETEST_SECRET_LEN 32

/* The network a client's requests are counted under: its /24 (IPv4) or /56 (IPv6, a site's usual prefix). */
void pipeline_retest_client_net(const addr_t *client, cidr_t *net);

/* Asks for a retest of addr, for a client in client_net (NULL: none, an operator), checking the limits in the write
 * transaction against what is committed, so that two processes cannot both pass one limit; NULL limits = none (an
 * operator's rbltool retest --queue) except that an address is never queued twice. RBL_OK with *refusal saying
 * whether it was accepted; *out is the new request, or the queued one for RETEST_ALREADY_QUEUED (unchanged
 * otherwise); *retry_after (may be NULL) the seconds until the refused request would be accepted (0 when accepted
 * or already queued), for HTTP 429's Retry-After. The time is the transaction's (store_ext_now); _at takes it given. */
int pipeline_retest_request(store_wtxn_t *w, const addr_t *addr, const cidr_t *client_net, enum retest_via via,
			    const retest_limits_t *limits, retest_request_t *out, enum retest_refusal *refusal,
			    int64_t *retry_after);
int pipeline_retest_request_at(store_wtxn_t *w, int64_t now, const addr_t *addr, const cidr_t *client_net,
			       enum retest_via via, const retest_limits_t *limits, retest_request_t *out,
			       enum retest_refusal *refusal, int64_t *retry_after);
/* The latest request for addr (RBL_ENOENT: none), and its place in the queue (1 = next; 0 once done). */
int pipeline_retest_get(store_rtxn_t *r, const addr_t *addr, retest_request_t *out, uint64_t *position);
/* The queued requests, oldest first; a non-zero return from fn stops the walk and is returned. */
int pipeline_retest_foreach_queued(store_rtxn_t *r, int (*fn)(const retest_request_t *q, void *ctx), void *ctx);
/* Records request id's result and takes it off the queue. A request no longer queued (done by another run) is left
 * as it is: RBL_OK, nothing written. RBL_EINVAL for an outcome that is not a result. */
int pipeline_retest_done(store_wtxn_t *w, uint64_t id, uint8_t verdict, uint64_t probe_id, enum retest_outcome outcome);
/* Forgets the per-network counters whose window has ended; *pruned (may be NULL) = how many. */
int pipeline_retest_prune(store_wtxn_t *w, uint64_t *pruned);
int pipeline_retest_prune_at(store_wtxn_t *w, int64_t now, uint64_t *pruned);
/* The per-install secret of the lookup page's CSRF tokens: made (getrandom) on first use, then always the same. */
int pipeline_retest_secret(store_wtxn_t *w, uint8_t secret[RETEST_SECRET_LEN]);
/* The same, read only: RBL_ENOENT before it was first made. */
int pipeline_retest_secret_r(store_rtxn_t *r, uint8_t secret[RETEST_SECRET_LEN]);

#endif
