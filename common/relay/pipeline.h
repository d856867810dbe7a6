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

#endif
