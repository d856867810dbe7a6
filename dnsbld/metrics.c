/* SPDX-License-Identifier: BSD-2-Clause */
/* metrics.c — the workers' counter blocks, their zone slots, and the Prometheus text exposition of their sums. */
#include "metrics.h"

#include "base/err.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

metrics_worker_t *metrics_workers_new(unsigned count)
{
	size_t bytes = (size_t)(count ? count : 1) * sizeof(metrics_worker_t); /* a multiple of 64: the alignment */
	metrics_worker_t *w = aligned_alloc(64, bytes);
	if (!w)
		return NULL;
	memset(w, 0, bytes);
	for (unsigned i = 0; i < count; i++)
		memset(w[i].slot_of_index, METRICS_SLOT_OTHER, sizeof w[i].slot_of_index);
	return w;
}

void metrics_workers_free(metrics_worker_t *workers)
{
	free(workers);
}

static bool table_has(const zonetab_t *zones, uint32_t id)
{
	for (size_t i = 0; i < zones->count; i++)
		if (zones->zones[i].id == id)
			return true;
	return false;
}

static unsigned slot_of(metrics_worker_t *m, const zonetab_t *zones, uint32_t id)
{
	unsigned free_slot = METRICS_SLOT_OTHER, gone_slot = METRICS_SLOT_OTHER;
	for (unsigned s = 0; s < METRICS_MAX_ZONES; s++) {
		uint32_t held = atomic_load_explicit(&m->slot_zone[s], memory_order_relaxed);
		if (held == id)
			return s;
		if (!held && free_slot == METRICS_SLOT_OTHER)
			free_slot = s;
		else if (held && gone_slot == METRICS_SLOT_OTHER && !table_has(zones, held))
			gone_slot = s;
	}
	unsigned s = free_slot != METRICS_SLOT_OTHER ? free_slot : gone_slot;
	if (s == METRICS_SLOT_OTHER)
		return s;
	if (s == gone_slot) {
		/* The deleted zone's counts go (the scraper no longer names it); the new zone starts at zero. */
		for (unsigned q = 0; q < METRICS_QTYPES; q++)
			for (unsigned r = 0; r < METRICS_RCODES; r++)
				atomic_store_explicit(&m->queries[s][q][r], 0, memory_order_relaxed);
		atomic_store_explicit(&m->listed[s], 0, memory_order_relaxed);
	}
	/* Release: a scraper that sees the new id sees the zeroed counters. */
	atomic_store_explicit(&m->slot_zone[s], id, memory_order_release);
	return s;
}

void metrics_worker_map_zones(metrics_worker_t *m, const zonetab_t *zones)
{
	for (size_t i = 0; i < METRICS_MAX_ZONES; i++)
		m->slot_of_index[i] =
		        (uint8_t)(i < zones->count ? slot_of(m, zones, zones->zones[i].id) : METRICS_SLOT_OTHER);
	m->zones_generation = zones->generation;
	m->zones_mapped = true;
}

/* --- text --- */

static void text_reserve(metrics_text_t *t, size_t more)
{
	if (t->failed || t->len + more + 1 <= t->cap)
		return;
	size_t cap = t->cap ? t->cap : 4096;
	while (cap < t->len + more + 1)
		cap *= 2;
	char *data = realloc(t->data, cap);
	if (!data) {
		t->failed = true;
		return;
	}
	t->data = data;
	t->cap = cap;
}

static void text_add(metrics_text_t *t, const char *s, size_t n)
{
	text_reserve(t, n);
	if (t->failed)
		return;
	memcpy(t->data + t->len, s, n);
	t->len += n;
	t->data[t->len] = '\0';
}

__attribute__((format(printf, 2, 3))) static void text_printf(metrics_text_t *t, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0 ||
	    (size_t)n >= sizeof line) { /* every caller's format is short: escaped values go through text_label */
		t->failed = true;
		return;
	}
	text_add(t, line, (size_t)n);
}

/* A label value, escaped as the format asks: backslash, double quote and line feed. */
static void text_label(metrics_text_t *t, const char *value)
{
	for (const char *p = value; *p; p++) {
		if (*p == '\\')
			text_add(t, "\\\\", 2);
		else if (*p == '"')
			text_add(t, "\\\"", 2);
		else if (*p == '\n')
			text_add(t, "\\n", 2);
		else
			text_add(t, p, 1);
	}
}

void metrics_text_free(metrics_text_t *t)
{
	free(t->data);
	*t = (metrics_text_t){0};
}

/* --- sums --- */

typedef struct zone_fact {
	metrics_zone_t zone; /* name owned */
	uint64_t queries[METRICS_QTYPES][METRICS_RCODES];
	uint64_t listed;
} zone_fact_t;

typedef struct totals {
	zone_fact_t *zones; /* the store's zones, then "(other)" and "(none)" */
	size_t zone_count, zone_cap;
	bool failed;
	uint64_t transport[2], truncated, malformed[2], dropped[METRICS_DROPS], rrl[2], acl_refused, query_log_dropped;
	uint64_t tcp_accepted, tcp_closed_idle, tcp_closed_other;
	uint64_t latency[METRICS_LATENCY_BOUNDS + 1], latency_sum_us;
} totals_t;

static void collect_zone(void *emit_ctx, const metrics_zone_t *zone)
{
	totals_t *t = emit_ctx;
	if (t->failed)
		return;
	if (t->zone_count == t->zone_cap) {
		size_t cap = t->zone_cap ? 2 * t->zone_cap : 16;
		zone_fact_t *zones = realloc(t->zones, cap * sizeof *zones);
		if (!zones) {
			t->failed = true;
			return;
		}
		t->zones = zones;
		t->zone_cap = cap;
	}
	zone_fact_t *f = &t->zones[t->zone_count];
	memset(f, 0, sizeof *f);
	f->zone = *zone;
	f->zone.name = strdup(zone->name ? zone->name : "");
	if (!f->zone.name) {
		t->failed = true;
		return;
	}
	t->zone_count++;
}

static zone_fact_t *fact_of_id(totals_t *t, size_t store_zones, uint32_t id)
{
	for (size_t i = 0; i < store_zones; i++)
		if (t->zones[i].zone.id == id)
			return &t->zones[i];
	return NULL;
}

static uint64_t load(metrics_counter_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

static void add_slot(zone_fact_t *f, metrics_worker_t *m, unsigned slot)
{
	for (unsigned q = 0; q < METRICS_QTYPES; q++)
		for (unsigned r = 0; r < METRICS_RCODES; r++)
			f->queries[q][r] += load(&m->queries[slot][q][r]);
	f->listed += load(&m->listed[slot]);
}

static void add_worker(totals_t *t, size_t store_zones, metrics_worker_t *m)
{
	for (unsigned s = 0; s < METRICS_MAX_ZONES; s++) {
		uint32_t id = atomic_load_explicit(&m->slot_zone[s], memory_order_acquire);
		zone_fact_t *f = id ? fact_of_id(t, store_zones, id) : NULL;
		if (f) /* a zone deleted since is not named any more: its counts go with it */
			add_slot(f, m, s);
	}
	add_slot(&t->zones[store_zones], m, METRICS_SLOT_OTHER);
	add_slot(&t->zones[store_zones + 1], m, METRICS_SLOT_NONE);
	for (unsigned i = 0; i < 2; i++) {
		t->transport[i] += load(&m->transport[i]);
		t->malformed[i] += load(&m->malformed[i]);
		t->rrl[i] += load(&m->rrl[i]);
	}
	for (unsigned i = 0; i < METRICS_DROPS; i++)
		t->dropped[i] += load(&m->dropped[i]);
	t->truncated += load(&m->truncated);
	t->acl_refused += load(&m->acl_refused);
	t->query_log_dropped += load(&m->query_log_dropped);
	/* Closes before accepts, acquiring what the worker released with them: every connection counted closed is
	 * counted accepted, so open never reads below zero. */
	t->tcp_closed_idle += atomic_load_explicit(&m->tcp_closed_idle, memory_order_acquire);
	t->tcp_closed_other += atomic_load_explicit(&m->tcp_closed_other, memory_order_acquire);
	t->tcp_accepted += load(&m->tcp_accepted);
	for (unsigned b = 0; b <= METRICS_LATENCY_BOUNDS; b++)
		t->latency[b] += load(&m->latency[b]);
	t->latency_sum_us += load(&m->latency_sum_us);
}

/* --- rendering --- */

static const char *const qtype_names[METRICS_QTYPES] = {
        [METRICS_QT_A] = "A",     [METRICS_QT_AAAA] = "AAAA", [METRICS_QT_TXT] = "TXT",    [METRICS_QT_ANY] = "ANY",
        [METRICS_QT_NS] = "NS",   [METRICS_QT_SOA] = "SOA",   [METRICS_QT_OTHER] = "other"};
static const char *const rcode_names[METRICS_RCODES] = {
        [METRICS_RC_NOERROR] = "NOERROR",   [METRICS_RC_NXDOMAIN] = "NXDOMAIN", [METRICS_RC_REFUSED] = "REFUSED",
        [METRICS_RC_SERVFAIL] = "SERVFAIL", [METRICS_RC_FORMERR] = "FORMERR",   [METRICS_RC_NOTIMP] = "NOTIMP",
        [METRICS_RC_OTHER] = "other"};
/* The bucket bounds in seconds, written out: no float formatting in the output. */
static const char *const latency_le[METRICS_LATENCY_BOUNDS] = {"1e-05",  "2.5e-05", "5e-05",  "0.0001", "0.00025",
                                                               "0.0005", "0.001",   "0.0025", "0.005",  "0.01"};

static void family(metrics_text_t *out, const char *name, const char *type, const char *help)
{
	text_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample_zone(metrics_text_t *out, const char *name, const char *zone, const char *more, uint64_t value)
{
	text_printf(out, "%s{zone=\"", name);
	text_label(out, zone);
	text_printf(out, "\"%s} %" PRIu64 "\n", more, value);
}

static void render_queries(metrics_text_t *out, const totals_t *t)
{
	family(out, "dnsbld_queries_total", "counter",
	       "Queries answered, by zone ((none): no zone matched; (other): beyond the zones counted one by one), "
	       "question type and response code.");
	for (size_t i = 0; i < t->zone_count; i++)
		for (unsigned q = 0; q < METRICS_QTYPES; q++)
			for (unsigned r = 0; r < METRICS_RCODES; r++) {
				if (!t->zones[i].queries[q][r])
					continue;
				char more[64];
				snprintf(more, sizeof more, ",qtype=\"%s\",rcode=\"%s\"", qtype_names[q],
				         rcode_names[r]);
				sample_zone(out, "dnsbld_queries_total", t->zones[i].zone.name, more,
				            t->zones[i].queries[q][r]);
			}
	family(out, "dnsbld_listed_answers_total", "counter", "Answers that carried a listing, by zone.");
	for (size_t i = 0; i < t->zone_count; i++)
		if (t->zones[i].listed || t->zones[i].zone.id) /* every zone of the store; (other), (none) when seen */
			sample_zone(out, "dnsbld_listed_answers_total", t->zones[i].zone.name, "", t->zones[i].listed);
}

static void render_packets(metrics_text_t *out, const totals_t *t)
{
	family(out, "dnsbld_queries_by_transport_total", "counter", "Queries answered, by transport.");
	text_printf(out, "dnsbld_queries_by_transport_total{transport=\"udp\"} %" PRIu64 "\n", t->transport[0]);
	text_printf(out, "dnsbld_queries_by_transport_total{transport=\"tcp\"} %" PRIu64 "\n", t->transport[1]);
	family(out, "dnsbld_truncated_total", "counter", "Answers sent truncated (TC) because they did not fit.");
	text_printf(out, "dnsbld_truncated_total %" PRIu64 "\n", t->truncated);
	family(out, "dnsbld_malformed_total", "counter", "Malformed queries answered FORMERR or NOTIMP.");
	text_printf(out, "dnsbld_malformed_total{kind=\"formerr\"} %" PRIu64 "\n", t->malformed[0]);
	text_printf(out, "dnsbld_malformed_total{kind=\"notimp\"} %" PRIu64 "\n", t->malformed[1]);
	family(out, "dnsbld_dropped_total", "counter", "Packets dropped unanswered, by reason.");
	static const char *const reasons[METRICS_DROPS] = {"short", "response", "acl"};
	for (unsigned i = 0; i < METRICS_DROPS; i++)
		text_printf(out, "dnsbld_dropped_total{reason=\"%s\"} %" PRIu64 "\n", reasons[i], t->dropped[i]);
	family(out, "dnsbld_rrl_total", "counter", "Responses held back by response rate limiting, by action.");
	text_printf(out, "dnsbld_rrl_total{action=\"drop\"} %" PRIu64 "\n", t->rrl[0]);
	text_printf(out, "dnsbld_rrl_total{action=\"slip\"} %" PRIu64 "\n", t->rrl[1]);
	family(out, "dnsbld_acl_refused_total", "counter",
	       "Queries refused because the client is outside allow-query.");
	text_printf(out, "dnsbld_acl_refused_total %" PRIu64 "\n", t->acl_refused);
	family(out, "dnsbld_query_log_dropped_total", "counter",
	       "Query-log lines dropped because the worker's ring was full.");
	text_printf(out, "dnsbld_query_log_dropped_total %" PRIu64 "\n", t->query_log_dropped);
}

static void render_tcp(metrics_text_t *out, const totals_t *t)
{
	family(out, "dnsbld_tcp_connections_accepted_total", "counter", "TCP connections accepted.");
	text_printf(out, "dnsbld_tcp_connections_accepted_total %" PRIu64 "\n", t->tcp_accepted);
	family(out, "dnsbld_tcp_connections_closed_total", "counter", "TCP connections closed, by reason.");
	text_printf(out, "dnsbld_tcp_connections_closed_total{reason=\"idle\"} %" PRIu64 "\n", t->tcp_closed_idle);
	text_printf(out, "dnsbld_tcp_connections_closed_total{reason=\"other\"} %" PRIu64 "\n", t->tcp_closed_other);
	uint64_t closed = t->tcp_closed_idle + t->tcp_closed_other;
	family(out, "dnsbld_tcp_connections_open", "gauge", "TCP connections open now.");
	text_printf(out, "dnsbld_tcp_connections_open %" PRIu64 "\n",
	            t->tcp_accepted > closed ? t->tcp_accepted - closed : 0);
}

static void render_latency(metrics_text_t *out, const totals_t *t)
{
	family(out, "dnsbld_response_seconds", "histogram", "Time from receiving a query to sending its answer.");
	uint64_t cumulative = 0;
	for (unsigned b = 0; b < METRICS_LATENCY_BOUNDS; b++) {
		cumulative += t->latency[b];
		text_printf(out, "dnsbld_response_seconds_bucket{le=\"%s\"} %" PRIu64 "\n", latency_le[b], cumulative);
	}
	cumulative += t->latency[METRICS_LATENCY_BOUNDS];
	text_printf(out, "dnsbld_response_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n", cumulative);
	text_printf(out, "dnsbld_response_seconds_sum %" PRIu64 ".%06" PRIu64 "\n", t->latency_sum_us / 1000000,
	            t->latency_sum_us % 1000000);
	text_printf(out, "dnsbld_response_seconds_count %" PRIu64 "\n", cumulative);
}

static void render_store(const metrics_source_t *src, metrics_text_t *out, const totals_t *t, size_t store_zones,
                         uint64_t map_used, uint64_t map_size)
{
	family(out, "dnsbld_zone_serial", "gauge", "The zone's SOA serial.");
	for (size_t i = 0; i < store_zones; i++)
		sample_zone(out, "dnsbld_zone_serial", t->zones[i].zone.name, "", t->zones[i].zone.serial);
	family(out, "dnsbld_zone_entries", "gauge", "Entries (listings and exclusions) in the zone.");
	for (size_t i = 0; i < store_zones; i++)
		if (t->zones[i].zone.entries >= 0)
			sample_zone(out, "dnsbld_zone_entries", t->zones[i].zone.name, "",
			            (uint64_t)t->zones[i].zone.entries);
	family(out, "dnsbld_zone_last_change_timestamp_seconds", "gauge", "When the zone last changed (Unix time).");
	for (size_t i = 0; i < store_zones; i++)
		if (t->zones[i].zone.last_change >= 0)
			sample_zone(out, "dnsbld_zone_last_change_timestamp_seconds", t->zones[i].zone.name, "",
			            (uint64_t)t->zones[i].zone.last_change);
	if (src->store_map) {
		family(out, "dnsbld_store_map_used_bytes", "gauge", "Bytes of the store's map in use.");
		text_printf(out, "dnsbld_store_map_used_bytes %" PRIu64 "\n", map_used);
		family(out, "dnsbld_store_map_size_bytes", "gauge", "Size of the store's map (its upper bound).");
		text_printf(out, "dnsbld_store_map_size_bytes %" PRIu64 "\n", map_size);
	}
	family(out, "dnsbld_start_time_seconds", "gauge", "When dnsbld started (Unix time).");
	text_printf(out, "dnsbld_start_time_seconds %" PRId64 "\n", src->start_time);
	family(out, "dnsbld_build_info", "gauge", "dnsbld's version, as a label; always 1.");
	text_add(out, "dnsbld_build_info{version=\"", 27);
	text_label(out, src->version ? src->version : "");
	text_add(out, "\"} 1\n", 5);
}

int metrics_render(const metrics_source_t *src, metrics_text_t *out)
{
	totals_t t = {0};
	int rc = RBL_OK;
	uint64_t map_used = 0, map_size = 0;
	if (src->zones && (rc = src->zones(src->ctx, collect_zone, &t)) != RBL_OK)
		goto out;
	if (src->store_map && (rc = src->store_map(src->ctx, &map_used, &map_size)) != RBL_OK)
		goto out;
	size_t store_zones = t.zone_count;
	collect_zone(&t, &(metrics_zone_t){.name = "(other)"});
	collect_zone(&t, &(metrics_zone_t){.name = "(none)"});
	if (t.failed) {
		rc = RBL_ENOMEM;
		goto out;
	}
	for (unsigned w = 0; w < src->worker_count; w++)
		add_worker(&t, store_zones, &src->workers[w]);

	out->len = 0;
	render_queries(out, &t);
	render_packets(out, &t);
	render_tcp(out, &t);
	render_latency(out, &t);
	render_store(src, out, &t, store_zones, map_used, map_size);
	if (out->failed)
		rc = RBL_ENOMEM;
out:
	for (size_t i = 0; i < t.zone_count; i++)
		free((char *)t.zones[i].zone.name);
	free(t.zones);
	return rc;
}
