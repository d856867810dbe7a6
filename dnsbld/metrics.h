/* SPDX-License-Identifier: BSD-2-Clause */
/* metrics.h — dnsbld's counters: one block per worker, written by that worker only, summed at scrape time.
 *
 * A worker owns its metrics_worker_t (cache-line aligned, so no line is shared between workers) and bumps it with
 * the inline helpers below: plain relaxed load + store (one writer), no lock, no system call, no allocation. The
 * scraper (metrics_render, on the HTTP thread) reads every block with relaxed loads: sums are not a snapshot across
 * counters, each counter on its own never goes down.
 *
 * Zones are counted by zone id, not by position in the worker's zone table: positions shift when a zone is created or
 * deleted, ids are never reused. Each block binds up to METRICS_MAX_ZONES ids to slots as its worker meets them
 * (metrics_worker_zones, after every answer_batch_begin); a zone past that, or past that position in the table,
 * counts as zone "(other)"; a query that matched no zone (outside every zone, malformed, refused by the ACL) as
 * "(none)". A slot is given to a new zone only when the zone it held is gone from the table.
 */
#ifndef DNSBLD_METRICS_H
#define DNSBLD_METRICS_H

#include "query/answer.h"
#include "query/wire.h"
#include "query/zonetab.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define METRICS_MAX_ZONES 64
#define METRICS_SLOT_OTHER METRICS_MAX_ZONES      /* a zone without a slot of its own */
#define METRICS_SLOT_NONE (METRICS_MAX_ZONES + 1) /* no zone */
#define METRICS_SLOTS (METRICS_MAX_ZONES + 2)

/* "other" is 0, so that the lookup tables below map every type or rcode they do not name to it. */
enum metrics_qtype {
	METRICS_QT_OTHER,
	METRICS_QT_A,
	METRICS_QT_AAAA,
	METRICS_QT_TXT,
	METRICS_QT_ANY,
	METRICS_QT_NS,
	METRICS_QT_SOA,
	METRICS_QTYPES
};
enum metrics_rcode {
	METRICS_RC_OTHER, /* BADVERS */
	METRICS_RC_NOERROR,
	METRICS_RC_NXDOMAIN,
	METRICS_RC_REFUSED,
	METRICS_RC_SERVFAIL,
	METRICS_RC_FORMERR,
	METRICS_RC_NOTIMP,
	METRICS_RCODES
};
/* Packets not answered at all (answer_packet returned 0, or the ACL says drop). */
enum metrics_drop { METRICS_DROP_SHORT, METRICS_DROP_RESPONSE, METRICS_DROP_ACL, METRICS_DROPS };

/* Upper bounds of the latency buckets in µs; a last bucket holds the rest (+Inf). */
#define METRICS_LATENCY_BOUNDS 10
static const unsigned metrics_latency_bounds_us[METRICS_LATENCY_BOUNDS] = {10,  25,   50,   100,  250,
                                                                           500, 1000, 2500, 5000, 10000};

typedef _Atomic uint64_t metrics_counter_t;

typedef struct metrics_worker {
	_Alignas(64) metrics_counter_t queries[METRICS_SLOTS][METRICS_QTYPES][METRICS_RCODES];
	metrics_counter_t listed[METRICS_SLOTS];
	metrics_counter_t transport[2]; /* [tcp] */
	metrics_counter_t truncated;
	metrics_counter_t malformed[2]; /* FORMERR, NOTIMP */
	metrics_counter_t dropped[METRICS_DROPS];
	metrics_counter_t rrl[2]; /* [slipped]: dropped, slipped */
	metrics_counter_t acl_refused;
	metrics_counter_t query_log_dropped; /* query-log lines lost to a full ring */
	metrics_counter_t tcp_accepted, tcp_closed_idle, tcp_closed_other;
	metrics_counter_t latency[METRICS_LATENCY_BOUNDS + 1]; /* per bucket, not cumulative */
	metrics_counter_t latency_sum_us;
	_Atomic uint32_t slot_zone[METRICS_MAX_ZONES]; /* the zone id a slot counts; 0: free (ids start at 1) */
	/* The worker's own, never read by the scraper. */
	uint8_t slot_of_index[METRICS_MAX_ZONES]; /* zone table position -> slot */
	uint64_t zones_generation;
	bool zones_mapped;
} metrics_worker_t;

/* count blocks, zeroed, each on its own cache lines; NULL when out of memory. */
metrics_worker_t *metrics_workers_new(unsigned count);
void metrics_workers_free(metrics_worker_t *workers);

/* Rebinds slots after the zone table was rebuilt (out of line: once per store commit, not per query). */
void metrics_worker_map_zones(metrics_worker_t *m, const zonetab_t *zones);

/* Call after answer_batch_begin: keeps the position -> slot map in step with the worker's zone table. */
static inline void metrics_worker_zones(metrics_worker_t *m, const zonetab_t *zones)
{
	if (!m->zones_mapped || m->zones_generation != zones->generation)
		metrics_worker_map_zones(m, zones);
}

static inline void metrics_bump(metrics_counter_t *c, uint64_t n)
{
	/* One writer: a load and a store, no locked read-modify-write. */
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}

/* Query types and rcodes to their classes by table (one load per answer, no branch); unnamed entries are "other". */
static const uint8_t metrics_qtype_classes[256] = {
        [WIRE_T_A] = METRICS_QT_A,     [WIRE_T_AAAA] = METRICS_QT_AAAA, [WIRE_T_TXT] = METRICS_QT_TXT,
        [WIRE_T_ANY] = METRICS_QT_ANY, [WIRE_T_NS] = METRICS_QT_NS,     [WIRE_T_SOA] = METRICS_QT_SOA};
static const uint8_t metrics_rcode_classes[32] = {
        [WIRE_R_NOERROR] = METRICS_RC_NOERROR,   [WIRE_R_NXDOMAIN] = METRICS_RC_NXDOMAIN,
        [WIRE_R_REFUSED] = METRICS_RC_REFUSED,   [WIRE_R_SERVFAIL] = METRICS_RC_SERVFAIL,
        [WIRE_R_FORMERR] = METRICS_RC_FORMERR,   [WIRE_R_NOTIMP] = METRICS_RC_NOTIMP};

static inline unsigned metrics_qtype_class(uint16_t qtype)
{
	return qtype < 256 ? metrics_qtype_classes[qtype] : METRICS_QT_OTHER;
}

static inline unsigned metrics_rcode_class(uint8_t rcode)
{
	return rcode < 32 ? metrics_rcode_classes[rcode] : METRICS_RC_OTHER;
}

/* One response sent (or about to be): info as answer_packet or answer_refused left it. A packet left unanswered
 * (kind ANSWER_NONE) is metrics_count_dropped's: nothing is counted here. The latency is metrics_observe_latency's:
 * the workers take the clock once per batch, not per answer. */
static inline void metrics_count_response(metrics_worker_t *m, const answer_info_t *info, bool tcp)
{
	if (info->kind == ANSWER_NONE)
		return;
	unsigned slot = info->zone < 0                   ? METRICS_SLOT_NONE
	                : info->zone < METRICS_MAX_ZONES ? m->slot_of_index[info->zone]
	                                                 : METRICS_SLOT_OTHER;
	metrics_bump(&m->queries[slot][metrics_qtype_class(info->qtype)][metrics_rcode_class(info->rcode)], 1);
	if (info->listed)
		metrics_bump(&m->listed[slot], 1);
	metrics_bump(&m->transport[tcp], 1);
	if (info->truncated)
		metrics_bump(&m->truncated, 1);
	if (info->kind == ANSWER_MALFORMED)
		metrics_bump(&m->malformed[info->rcode == WIRE_R_NOTIMP], 1);
	else if (info->kind == ANSWER_ACL_REFUSED)
		metrics_bump(&m->acl_refused, 1);
}

/* count responses that took latency_us from receipt to send (a batch's answers share its receipt and its send). */
static inline void metrics_observe_latency(metrics_worker_t *m, unsigned latency_us, unsigned count)
{
	if (!count)
		return;
	unsigned b = 0;
	while (b < METRICS_LATENCY_BOUNDS && latency_us > metrics_latency_bounds_us[b])
		b++;
	metrics_bump(&m->latency[b], count);
	metrics_bump(&m->latency_sum_us, (uint64_t)latency_us * count);
}

/* Both, for one response. */
static inline void metrics_count_answer(metrics_worker_t *m, const answer_info_t *info, bool tcp, unsigned latency_us)
{
	if (info->kind == ANSWER_NONE)
		return;
	metrics_count_response(m, info, tcp);
	metrics_observe_latency(m, latency_us, 1);
}

static inline void metrics_count_dropped(metrics_worker_t *m, enum metrics_drop reason)
{
	metrics_bump(&m->dropped[reason], 1);
}

/* A query-log line the worker's ring had no room for. */
static inline void metrics_count_query_log_dropped(metrics_worker_t *m)
{
	metrics_bump(&m->query_log_dropped, 1);
}

/* A response rate limiting kept back: dropped, or slipped (sent truncated instead). */
static inline void metrics_count_rrl(metrics_worker_t *m, bool slipped)
{
	metrics_bump(&m->rrl[slipped], 1);
}

static inline void metrics_tcp_accepted(metrics_worker_t *m)
{
	metrics_bump(&m->tcp_accepted, 1);
}

/* A connection closed by the idle timeout. */
/* Release: a scraper that reads the close reads the accept before it (open = accepted - closed stays >= 0). */
static inline void metrics_bump_release(metrics_counter_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1, memory_order_release);
}

static inline void metrics_tcp_closed_idle(metrics_worker_t *m)
{
	metrics_bump_release(&m->tcp_closed_idle);
}

/* A connection closed for any other reason (the client, an error, the limit, shutdown). */
static inline void metrics_tcp_closed(metrics_worker_t *m)
{
	metrics_bump_release(&m->tcp_closed_other);
}

/* --- exposition (the scraper's thread) --- */

/* A zone as the store has it now. */
typedef struct metrics_zone {
	uint32_t id;
	const char *name; /* copied by the receiver */
	uint32_t serial;
	int64_t entries;     /* -1: unknown, not rendered */
	int64_t last_change; /* Unix seconds; -1: unknown, not rendered */
} metrics_zone_t;

typedef void (*metrics_zone_fn)(void *emit_ctx, const metrics_zone_t *zone);

/* What the server provides. The callbacks run on the scraper's thread, concurrently with the workers. */
typedef struct metrics_source {
	metrics_worker_t *workers;
	unsigned worker_count;
	const char *version; /* dnsbld_build_info's label */
	int64_t start_time;  /* Unix seconds */
	/* Calls emit once per zone of the store; 0, or an RBL_E* code (the scrape fails). */
	int (*zones)(void *ctx, metrics_zone_fn emit, void *emit_ctx);
	/* The store's map: bytes in use and its size; 0, or an RBL_E* code (the scrape fails). May be NULL. */
	int (*store_map)(void *ctx, uint64_t *used, uint64_t *size);
	void *ctx;
} metrics_source_t;

/* A growable text. */
typedef struct metrics_text {
	char *data; /* NUL-terminated; malloc'd */
	size_t len, cap;
	bool failed; /* out of memory somewhere: data is incomplete */
} metrics_text_t;

/* Renders the Prometheus text exposition (format 0.0.4) of src's counters, summed over its workers, and of its zone
 * and store facts into out (zeroed first by the caller, or reused after metrics_text_free). RBL_OK, RBL_ENOMEM, or a
 * callback's code; out holds nothing useful on error. */
int metrics_render(const metrics_source_t *src, metrics_text_t *out);
void metrics_text_free(metrics_text_t *t);

#endif
