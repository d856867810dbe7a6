/* SPDX-License-Identifier: BSD-2-Clause */
/* test_metrics.c — dnsbld's counters and their Prometheus text: what each answer counts, zones followed by id, the
 * sums over workers, the exact exposition. With --print, writes a realistic exposition to stdout and exits (for
 * tests/integration/test_metrics_format.sh, which hands it to promtool). */
#include "metrics.h"

#include "base/err.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- a source: zones by id and name, a map --- */

typedef struct fake_store {
	metrics_zone_t zones[METRICS_MAX_ZONES + 8];
	size_t count;
	int zones_rc, map_rc;
} fake_store_t;

static int fake_zones(void *ctx, metrics_zone_fn emit, void *emit_ctx)
{
	fake_store_t *s = ctx;
	if (s->zones_rc)
		return s->zones_rc;
	for (size_t i = 0; i < s->count; i++)
		emit(emit_ctx, &s->zones[i]);
	return RBL_OK;
}

static int fake_map(void *ctx, uint64_t *used, uint64_t *size)
{
	fake_store_t *s = ctx;
	*used = 3 << 20;
	*size = 32ull << 30;
	return s->map_rc;
}

static void fake_add(fake_store_t *s, uint32_t id, const char *name)
{
	s->zones[s->count++] = (metrics_zone_t){
	        .id = id, .name = name, .serial = 1000 + id, .entries = 10 * id, .last_change = 1700000000 + id};
}

/* A worker's zone table holding the zones of these ids, in this order. */
typedef struct table {
	zonetab_t tab;
	zonetab_zone_t *zones;
} table_t;

static void table_set(table_t *t, const uint32_t *ids, size_t count, uint64_t generation)
{
	free(t->zones);
	t->zones = calloc(count ? count : 1, sizeof *t->zones);
	assert_non_null(t->zones);
	for (size_t i = 0; i < count; i++)
		t->zones[i].id = ids[i];
	t->tab = (zonetab_t){.zones = t->zones, .count = count, .generation = generation, .loaded = true};
}

typedef struct fixture {
	metrics_worker_t *workers;
	fake_store_t store;
	metrics_source_t src;
	table_t table;
	metrics_text_t text;
} fixture_t;

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	f->workers = metrics_workers_new(2);
	assert_non_null(f->workers);
	f->src = (metrics_source_t){.workers = f->workers,
	                            .worker_count = 2,
	                            .version = "0.1.0",
	                            .start_time = 1700000000,
	                            .zones = fake_zones,
	                            .store_map = fake_map,
	                            .ctx = &f->store};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	metrics_workers_free(f->workers);
	free(f->table.zones);
	metrics_text_free(&f->text);
	free(f);
	return 0;
}

static const char *render(fixture_t *f)
{
	metrics_text_free(&f->text);
	assert_int_equal(metrics_render(&f->src, &f->text), RBL_OK);
	return f->text.data;
}

/* line occurs in text as a whole line. */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

#define assert_line(text, line)                                                                                        \
	do {                                                                                                           \
		if (!has_line(text, line))                                                                             \
			fail_msg("missing line: %s\n--- in ---\n%s", line, text);                                      \
	} while (0)
#define assert_no_line_starting(text, prefix) assert_null(strstr(text, "\n" prefix))

static answer_info_t answer(uint8_t kind, uint8_t rcode, uint16_t qtype, int32_t zone)
{
	return (answer_info_t){.kind = kind, .rcode = rcode, .qtype = qtype, .zone = zone};
}

static void count_one(metrics_worker_t *w, answer_info_t info, bool tcp, unsigned latency_us)
{
	metrics_count_answer(w, &info, tcp, latency_us);
}

/* --- counting --- */

static void test_an_answer_counts_by_zone_qtype_and_rcode(void **state)
{
	fixture_t *f = *state;
	fake_add(&f->store, 7, "relays.example");
	fake_add(&f->store, 9, "spam.example");
	table_set(&f->table, (uint32_t[]){7, 9}, 2, 1);
	metrics_worker_t *w = &f->workers[0];
	metrics_worker_zones(w, &f->table.tab);
	answer_info_t listed = answer(ANSWER_POSITIVE, WIRE_R_NOERROR, WIRE_T_A, 1);
	listed.listed = true;
	metrics_count_answer(w, &listed, false, 20);
	metrics_count_answer(w, &listed, false, 20);
	answer_info_t nx = answer(ANSWER_NXDOMAIN, WIRE_R_NXDOMAIN, WIRE_T_TXT, 0);
	metrics_count_answer(w, &nx, true, 20);
	const char *text = render(f);
	assert_line(text, "dnsbld_queries_total{zone=\"spam.example\",qtype=\"A\",rcode=\"NOERROR\"} 2");
	assert_line(text, "dnsbld_queries_total{zone=\"relays.example\",qtype=\"TXT\",rcode=\"NXDOMAIN\"} 1");
	assert_line(text, "dnsbld_listed_answers_total{zone=\"spam.example\"} 2");
	assert_line(text, "dnsbld_listed_answers_total{zone=\"relays.example\"} 0");
	assert_line(text, "dnsbld_queries_by_transport_total{transport=\"udp\"} 2");
	assert_line(text, "dnsbld_queries_by_transport_total{transport=\"tcp\"} 1");
}

static void test_unusual_types_and_rcodes_count_as_other(void **state)
{
	fixture_t *f = *state;
	metrics_worker_t *w = &f->workers[0];
	count_one(w, (answer_info_t){.kind = ANSWER_NODATA, .qtype = 15 /* MX */, .zone = -1}, false, 1);
	count_one(w, answer(ANSWER_ERROR, WIRE_R_BADVERS, WIRE_T_AAAA, -1), false, 1);
	count_one(w, answer(ANSWER_ERROR, WIRE_R_SERVFAIL, WIRE_T_SOA, -1), false, 1);
	count_one(w, answer(ANSWER_REFUSED, WIRE_R_REFUSED, WIRE_T_NS, -1), false, 1);
	count_one(w, answer(ANSWER_POSITIVE, WIRE_R_NOERROR, WIRE_T_ANY, -1), false, 1);
	const char *text = render(f);
	assert_line(text, "dnsbld_queries_total{zone=\"(none)\",qtype=\"other\",rcode=\"NOERROR\"} 1");
	assert_line(text, "dnsbld_queries_total{zone=\"(none)\",qtype=\"AAAA\",rcode=\"other\"} 1");
	assert_line(text, "dnsbld_queries_total{zone=\"(none)\",qtype=\"SOA\",rcode=\"SERVFAIL\"} 1");
	assert_line(text, "dnsbld_queries_total{zone=\"(none)\",qtype=\"NS\",rcode=\"REFUSED\"} 1");
	assert_line(text, "dnsbld_queries_total{zone=\"(none)\",qtype=\"ANY\",rcode=\"NOERROR\"} 1");
}

static void test_malformed_acl_truncated_and_dropped_have_counters_of_their_own(void **state)
{
	fixture_t *f = *state;
	metrics_worker_t *w = &f->workers[0];
	count_one(w, answer(ANSWER_MALFORMED, WIRE_R_FORMERR, 0, -1), false, 1);
	count_one(w, answer(ANSWER_MALFORMED, WIRE_R_NOTIMP, 0, -1), false, 1);
	count_one(w, answer(ANSWER_MALFORMED, WIRE_R_NOTIMP, 0, -1), true, 1);
	count_one(w, answer(ANSWER_ACL_REFUSED, WIRE_R_REFUSED, WIRE_T_A, -1), false, 1);
	answer_info_t tc = answer(ANSWER_POSITIVE, WIRE_R_NOERROR, WIRE_T_TXT, -1);
	tc.truncated = true;
	metrics_count_answer(w, &tc, false, 1);
	count_one(w, answer(ANSWER_NONE, 0, 0, -1), false, 1); /* the caller's to count as dropped */
	metrics_count_dropped(w, METRICS_DROP_SHORT);
	metrics_count_dropped(w, METRICS_DROP_RESPONSE);
	metrics_count_dropped(w, METRICS_DROP_RESPONSE);
	metrics_count_dropped(w, METRICS_DROP_ACL);
	metrics_count_rrl(w, false);
	metrics_count_rrl(w, true);
	metrics_count_rrl(w, true);
	const char *text = render(f);
	assert_line(text, "dnsbld_malformed_total{kind=\"formerr\"} 1");
	assert_line(text, "dnsbld_malformed_total{kind=\"notimp\"} 2");
	assert_line(text, "dnsbld_queries_total{zone=\"(none)\",qtype=\"other\",rcode=\"NOTIMP\"} 2");
	assert_line(text, "dnsbld_acl_refused_total 1");
	assert_line(text, "dnsbld_queries_total{zone=\"(none)\",qtype=\"A\",rcode=\"REFUSED\"} 1");
	assert_line(text, "dnsbld_truncated_total 1");
	assert_line(text, "dnsbld_queries_by_transport_total{transport=\"udp\"} 4"); /* not the unanswered one */
	assert_line(text, "dnsbld_dropped_total{reason=\"short\"} 1");
	assert_line(text, "dnsbld_dropped_total{reason=\"response\"} 2");
	assert_line(text, "dnsbld_dropped_total{reason=\"acl\"} 1");
	assert_line(text, "dnsbld_rrl_total{action=\"drop\"} 1");
	assert_line(text, "dnsbld_rrl_total{action=\"slip\"} 2");
	assert_line(text, "dnsbld_response_seconds_count 5");
}

static void test_query_log_drops_are_summed_over_workers(void **state)
{
	fixture_t *f = *state;
	metrics_count_query_log_dropped(&f->workers[0]);
	metrics_count_query_log_dropped(&f->workers[0]);
	metrics_count_query_log_dropped(&f->workers[1]);
	assert_line(render(f), "dnsbld_query_log_dropped_total 3");
}

static void test_tcp_connections_open_is_accepted_minus_closed(void **state)
{
	fixture_t *f = *state;
	for (int i = 0; i < 5; i++)
		metrics_tcp_accepted(&f->workers[0]);
	metrics_tcp_accepted(&f->workers[1]);
	metrics_tcp_closed_idle(&f->workers[0]);
	metrics_tcp_closed(&f->workers[0]);
	metrics_tcp_closed(&f->workers[1]);
	const char *text = render(f);
	assert_line(text, "dnsbld_tcp_connections_accepted_total 6");
	assert_line(text, "dnsbld_tcp_connections_closed_total{reason=\"idle\"} 1");
	assert_line(text, "dnsbld_tcp_connections_closed_total{reason=\"other\"} 2");
	assert_line(text, "dnsbld_tcp_connections_open 3");
}

static void test_latency_histogram_is_cumulative_with_sum_and_count(void **state)
{
	fixture_t *f = *state;
	static const unsigned latencies[] = {5, 10, 11, 30, 20000, 1000};
	for (size_t i = 0; i < sizeof latencies / sizeof latencies[0]; i++)
		count_one(&f->workers[i % 2], answer(ANSWER_NXDOMAIN, WIRE_R_NXDOMAIN, WIRE_T_A, -1), false,
		          latencies[i]);
	const char *text = render(f);
	assert_line(text, "dnsbld_response_seconds_bucket{le=\"1e-05\"} 2"); /* a bound is inclusive: 10 µs is in */
	assert_line(text, "dnsbld_response_seconds_bucket{le=\"2.5e-05\"} 3");
	assert_line(text, "dnsbld_response_seconds_bucket{le=\"5e-05\"} 4");
	assert_line(text, "dnsbld_response_seconds_bucket{le=\"0.0005\"} 4");
	assert_line(text, "dnsbld_response_seconds_bucket{le=\"0.001\"} 5");
	assert_line(text, "dnsbld_response_seconds_bucket{le=\"0.01\"} 5");
	assert_line(text, "dnsbld_response_seconds_bucket{le=\"+Inf\"} 6");
	assert_line(text, "dnsbld_response_seconds_sum 0.021056");
	assert_line(text, "dnsbld_response_seconds_count 6");
}

/* --- zones followed by id --- */

static void test_counts_follow_the_zone_when_the_table_shifts(void **state)
{
	fixture_t *f = *state;
	fake_add(&f->store, 3, "b.example");
	fake_add(&f->store, 4, "a.example");
	metrics_worker_t *w = &f->workers[0];
	table_set(&f->table, (uint32_t[]){3}, 1, 1);
	metrics_worker_zones(w, &f->table.tab);
	count_one(w, answer(ANSWER_NXDOMAIN, WIRE_R_NXDOMAIN, WIRE_T_A, 0), false, 1);
	/* a.example created: it sorts first, b.example moves to position 1. */
	table_set(&f->table, (uint32_t[]){4, 3}, 2, 2);
	metrics_worker_zones(w, &f->table.tab);
	count_one(w, answer(ANSWER_NXDOMAIN, WIRE_R_NXDOMAIN, WIRE_T_A, 1), false, 1);
	count_one(w, answer(ANSWER_NXDOMAIN, WIRE_R_NXDOMAIN, WIRE_T_A, 0), false, 1);
	const char *text = render(f);
	assert_line(text, "dnsbld_queries_total{zone=\"b.example\",qtype=\"A\",rcode=\"NXDOMAIN\"} 2");
	assert_line(text, "dnsbld_queries_total{zone=\"a.example\",qtype=\"A\",rcode=\"NXDOMAIN\"} 1");
}

static void test_a_deleted_zone_is_no_longer_rendered(void **state)
{
	fixture_t *f = *state;
	fake_add(&f->store, 3, "kept.example");
	metrics_worker_t *w = &f->workers[0];
	table_set(&f->table, (uint32_t[]){3, 5}, 2, 1);
	metrics_worker_zones(w, &f->table.tab);
	count_one(w, answer(ANSWER_NXDOMAIN, WIRE_R_NXDOMAIN, WIRE_T_A, 1), false, 1);
	const char *text = render(f); /* zone 5 is gone from the store already; the worker has not reloaded yet */
	assert_null(strstr(text, "rcode=\"NXDOMAIN\""));
	assert_line(text, "dnsbld_listed_answers_total{zone=\"kept.example\"} 0");
}

static void test_past_the_slots_zones_count_as_other_until_a_slot_is_freed(void **state)
{
	fixture_t *f = *state;
	metrics_worker_t *w = &f->workers[0];
	uint32_t ids[METRICS_MAX_ZONES + 1];
	char names[METRICS_MAX_ZONES + 1][16];
	for (unsigned i = 0; i <= METRICS_MAX_ZONES; i++) {
		ids[i] = 100 + i;
		snprintf(names[i], sizeof names[i], "z%u.example", i);
		fake_add(&f->store, ids[i], names[i]);
	}
	table_set(&f->table, ids, METRICS_MAX_ZONES + 1, 1);
	metrics_worker_zones(w, &f->table.tab);
	count_one(w, answer(ANSWER_NXDOMAIN, WIRE_R_NXDOMAIN, WIRE_T_A, 0), false, 1);
	count_one(w, answer(ANSWER_NXDOMAIN, WIRE_R_NXDOMAIN, WIRE_T_A, METRICS_MAX_ZONES), false, 1);
	count_one(w, answer(ANSWER_NXDOMAIN, WIRE_R_NXDOMAIN, WIRE_T_A, METRICS_MAX_ZONES + 5), false, 1);
	const char *text = render(f);
	assert_line(text, "dnsbld_queries_total{zone=\"z0.example\",qtype=\"A\",rcode=\"NXDOMAIN\"} 1");
	assert_line(text, "dnsbld_queries_total{zone=\"(other)\",qtype=\"A\",rcode=\"NXDOMAIN\"} 2");

	/* z0 deleted: the last zone takes its slot and starts from zero there. */
	f->store.zones[0] = f->store.zones[--f->store.count];
	table_set(&f->table, ids + 1, METRICS_MAX_ZONES, 2);
	metrics_worker_zones(w, &f->table.tab);
	count_one(w, answer(ANSWER_NXDOMAIN, WIRE_R_NXDOMAIN, WIRE_T_A, METRICS_MAX_ZONES - 1), false, 1);
	text = render(f);
	char line[128];
	snprintf(line, sizeof line, "dnsbld_queries_total{zone=\"z%u.example\",qtype=\"A\",rcode=\"NXDOMAIN\"} 1",
	         METRICS_MAX_ZONES);
	assert_line(text, line);
	assert_null(strstr(text, "zone=\"z0.example\""));
	assert_line(text, "dnsbld_queries_total{zone=\"(other)\",qtype=\"A\",rcode=\"NXDOMAIN\"} 2");
}

/* --- sums and text --- */

static void test_two_workers_are_summed(void **state)
{
	fixture_t *f = *state;
	fake_add(&f->store, 1, "rbl.example");
	uint32_t ids[] = {1};
	for (unsigned i = 0; i < 2; i++) {
		table_set(&f->table, ids, 1, 1);
		metrics_worker_zones(&f->workers[i], &f->table.tab);
	}
	answer_info_t hit = answer(ANSWER_POSITIVE, WIRE_R_NOERROR, WIRE_T_A, 0);
	hit.listed = true;
	for (unsigned n = 0; n < 3; n++)
		metrics_count_answer(&f->workers[0], &hit, false, 40);
	for (unsigned n = 0; n < 4; n++)
		metrics_count_answer(&f->workers[1], &hit, true, 40);
	metrics_count_dropped(&f->workers[1], METRICS_DROP_SHORT);
	const char *text = render(f);
	assert_line(text, "dnsbld_queries_total{zone=\"rbl.example\",qtype=\"A\",rcode=\"NOERROR\"} 7");
	assert_line(text, "dnsbld_listed_answers_total{zone=\"rbl.example\"} 7");
	assert_line(text, "dnsbld_queries_by_transport_total{transport=\"udp\"} 3");
	assert_line(text, "dnsbld_queries_by_transport_total{transport=\"tcp\"} 4");
	assert_line(text, "dnsbld_dropped_total{reason=\"short\"} 1");
	assert_line(text, "dnsbld_response_seconds_sum 0.000280");
}

static void test_label_values_are_escaped(void **state)
{
	fixture_t *f = *state;
	fake_add(&f->store, 2, "we\\ird\"zo\nne");
	f->src.version = "1.0\"beta\\2\n";
	const char *text = render(f);
	assert_line(text, "dnsbld_zone_serial{zone=\"we\\\\ird\\\"zo\\nne\"} 1002");
	assert_line(text, "dnsbld_build_info{version=\"1.0\\\"beta\\\\2\\n\"} 1");
}

static void test_a_failing_callback_fails_the_scrape(void **state)
{
	fixture_t *f = *state;
	metrics_text_t text = {0};
	f->store.zones_rc = RBL_ESTORE;
	assert_int_equal(metrics_render(&f->src, &text), RBL_ESTORE);
	f->store.zones_rc = 0;
	f->store.map_rc = RBL_EDAMAGED;
	assert_int_equal(metrics_render(&f->src, &text), RBL_EDAMAGED);
	metrics_text_free(&text);
}

static void test_exposition_of_a_quiet_server_is_exactly_this(void **state)
{
	fixture_t *f = *state;
	fake_add(&f->store, 1, "rbl.example");
	f->store.zones[0].entries = -1; /* unknown: not rendered */
	static const char expected[] =
	        "# HELP dnsbld_queries_total Queries answered, by zone ((none): no zone matched; (other): beyond the "
	        "zones counted one by one), question type and response code.\n"
	        "# TYPE dnsbld_queries_total counter\n"
	        "# HELP dnsbld_listed_answers_total Answers that carried a listing, by zone.\n"
	        "# TYPE dnsbld_listed_answers_total counter\n"
	        "dnsbld_listed_answers_total{zone=\"rbl.example\"} 0\n"
	        "# HELP dnsbld_queries_by_transport_total Queries answered, by transport.\n"
	        "# TYPE dnsbld_queries_by_transport_total counter\n"
	        "dnsbld_queries_by_transport_total{transport=\"udp\"} 0\n"
	        "dnsbld_queries_by_transport_total{transport=\"tcp\"} 0\n"
	        "# HELP dnsbld_truncated_total Answers sent truncated (TC) because they did not fit.\n"
	        "# TYPE dnsbld_truncated_total counter\n"
	        "dnsbld_truncated_total 0\n"
	        "# HELP dnsbld_malformed_total Malformed queries answered FORMERR or NOTIMP.\n"
	        "# TYPE dnsbld_malformed_total counter\n"
	        "dnsbld_malformed_total{kind=\"formerr\"} 0\n"
	        "dnsbld_malformed_total{kind=\"notimp\"} 0\n"
	        "# HELP dnsbld_dropped_total Packets dropped unanswered, by reason.\n"
	        "# TYPE dnsbld_dropped_total counter\n"
	        "dnsbld_dropped_total{reason=\"short\"} 0\n"
	        "dnsbld_dropped_total{reason=\"response\"} 0\n"
	        "dnsbld_dropped_total{reason=\"acl\"} 0\n"
	        "# HELP dnsbld_rrl_total Responses held back by response rate limiting, by action.\n"
	        "# TYPE dnsbld_rrl_total counter\n"
	        "dnsbld_rrl_total{action=\"drop\"} 0\n"
	        "dnsbld_rrl_total{action=\"slip\"} 0\n"
	        "# HELP dnsbld_acl_refused_total Queries refused because the client is outside allow-query.\n"
	        "# TYPE dnsbld_acl_refused_total counter\n"
	        "dnsbld_acl_refused_total 0\n"
	        "# HELP dnsbld_query_log_dropped_total Query-log lines dropped because the worker's ring was full.\n"
	        "# TYPE dnsbld_query_log_dropped_total counter\n"
	        "dnsbld_query_log_dropped_total 0\n"
	        "# HELP dnsbld_tcp_connections_accepted_total TCP connections accepted.\n"
	        "# TYPE dnsbld_tcp_connections_accepted_total counter\n"
	        "dnsbld_tcp_connections_accepted_total 0\n"
	        "# HELP dnsbld_tcp_connections_closed_total TCP connections closed, by reason.\n"
	        "# TYPE dnsbld_tcp_connections_closed_total counter\n"
	        "dnsbld_tcp_connections_closed_total{reason=\"idle\"} 0\n"
	        "dnsbld_tcp_connections_closed_total{reason=\"other\"} 0\n"
	        "# HELP dnsbld_tcp_connections_open TCP connections open now.\n"
	        "# TYPE dnsbld_tcp_connections_open gauge\n"
	        "dnsbld_tcp_connections_open 0\n"
	        "# HELP dnsbld_response_seconds Time from receiving a query to sending its answer.\n"
	        "# TYPE dnsbld_response_seconds histogram\n"
	        "dnsbld_response_seconds_bucket{le=\"1e-05\"} 0\n"
	        "dnsbld_response_seconds_bucket{le=\"2.5e-05\"} 0\n"
	        "dnsbld_response_seconds_bucket{le=\"5e-05\"} 0\n"
	        "dnsbld_response_seconds_bucket{le=\"0.0001\"} 0\n"
	        "dnsbld_response_seconds_bucket{le=\"0.00025\"} 0\n"
	        "dnsbld_response_seconds_bucket{le=\"0.0005\"} 0\n"
	        "dnsbld_response_seconds_bucket{le=\"0.001\"} 0\n"
	        "dnsbld_response_seconds_bucket{le=\"0.0025\"} 0\n"
	        "dnsbld_response_seconds_bucket{le=\"0.005\"} 0\n"
	        "dnsbld_response_seconds_bucket{le=\"0.01\"} 0\n"
	        "dnsbld_response_seconds_bucket{le=\"+Inf\"} 0\n"
	        "dnsbld_response_seconds_sum 0.000000\n"
	        "dnsbld_response_seconds_count 0\n"
	        "# HELP dnsbld_zone_serial The zone's SOA serial.\n"
	        "# TYPE dnsbld_zone_serial gauge\n"
	        "dnsbld_zone_serial{zone=\"rbl.example\"} 1001\n"
	        "# HELP dnsbld_zone_entries Entries (listings and exclusions) in the zone.\n"
	        "# TYPE dnsbld_zone_entries gauge\n"
	        "# HELP dnsbld_zone_last_change_timestamp_seconds When the zone last changed (Unix time).\n"
	        "# TYPE dnsbld_zone_last_change_timestamp_seconds gauge\n"
	        "dnsbld_zone_last_change_timestamp_seconds{zone=\"rbl.example\"} 1700000001\n"
	        "# HELP dnsbld_store_map_used_bytes Bytes of the store's map in use.\n"
	        "# TYPE dnsbld_store_map_used_bytes gauge\n"
	        "dnsbld_store_map_used_bytes 3145728\n"
	        "# HELP dnsbld_store_map_size_bytes Size of the store's map (its upper bound).\n"
	        "# TYPE dnsbld_store_map_size_bytes gauge\n"
	        "dnsbld_store_map_size_bytes 34359738368\n"
	        "# HELP dnsbld_start_time_seconds When dnsbld started (Unix time).\n"
	        "# TYPE dnsbld_start_time_seconds gauge\n"
	        "dnsbld_start_time_seconds 1700000000\n"
	        "# HELP dnsbld_build_info dnsbld's version, as a label; always 1.\n"
	        "# TYPE dnsbld_build_info gauge\n"
	        "dnsbld_build_info{version=\"0.1.0\"} 1\n";
	assert_string_equal(render(f), expected);
	assert_int_equal(f->text.len, strlen(expected));
}

static void test_worker_blocks_do_not_share_cache_lines(void **state)
{
	fixture_t *f = *state;
	assert_int_equal(sizeof(metrics_worker_t) % 64, 0);
	assert_int_equal((uintptr_t)&f->workers[0] % 64, 0);
	assert_int_equal((uintptr_t)&f->workers[1] % 64, 0);
}

/* A worker counting while the scraper renders: each counter read is whole, and counts only go up. Run under
 * ThreadSanitizer to check that the two threads do not race (scripts: -fsanitize=thread by hand). */
static void *count_many(void *arg)
{
	metrics_worker_t *w = arg;
	answer_info_t hit = answer(ANSWER_POSITIVE, WIRE_R_NOERROR, WIRE_T_A, -1);
	for (unsigned i = 0; i < 200000; i++) {
		metrics_count_answer(w, &hit, i & 1, i % 3000);
		if (!(i % 1000))
			metrics_tcp_accepted(w), metrics_tcp_closed(w);
	}
	return NULL;
}

static uint64_t value_of(const char *text, const char *prefix)
{
	const char *p = strstr(text, prefix);
	assert_non_null(p);
	return strtoull(p + strlen(prefix), NULL, 10);
}

static void test_rendering_while_a_worker_counts(void **state)
{
	fixture_t *f = *state;
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, count_many, &f->workers[0]), 0);
	uint64_t last = 0;
	for (int i = 0; i < 50; i++) {
		uint64_t now = value_of(render(f), "\ndnsbld_response_seconds_count ");
		assert_true(now >= last);
		last = now;
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(value_of(render(f), "\ndnsbld_response_seconds_count "), 200000);
	assert_int_equal(value_of(f->text.data, "\ndnsbld_tcp_connections_open "), 0);
}

/* --print: an exposition with realistic values, for promtool. */
static int print_example(void)
{
	metrics_worker_t *workers = metrics_workers_new(2);
	fake_store_t store = {0};
	fake_add(&store, 1, "relays.rbl.example");
	fake_add(&store, 2, "spam.rbl.example");
	fake_add(&store, 3, "odd\"name\\with\nnewline.example");
	store.zones[2].entries = -1;
	zonetab_zone_t zones[3] = {{.id = 1}, {.id = 2}, {.id = 3}};
	zonetab_t tab = {.zones = zones, .count = 3, .generation = 1, .loaded = true};
	for (unsigned w = 0; w < 2; w++) {
		metrics_worker_t *m = &workers[w];
		metrics_worker_zones(m, &tab);
		for (unsigned i = 0; i < 5000; i++) {
			bool outside = i % 7 == 6, hit = i % 4 == 0;
			answer_info_t a = answer(outside ? ANSWER_REFUSED
			                         : hit   ? ANSWER_POSITIVE
			                                 : ANSWER_NXDOMAIN,
			                         outside ? WIRE_R_REFUSED
			                         : hit   ? WIRE_R_NOERROR
			                                 : WIRE_R_NXDOMAIN,
			                         i % 5 ? WIRE_T_A : WIRE_T_TXT, outside ? -1 : (int32_t)(i % 3));
			a.listed = a.kind == ANSWER_POSITIVE;
			a.truncated = i % 500 == 0;
			metrics_count_answer(m, &a, i % 10 == 0, (i * 37) % 15000);
		}
		count_one(m, answer(ANSWER_MALFORMED, WIRE_R_FORMERR, 0, -1), false, 3);
		count_one(m, answer(ANSWER_ACL_REFUSED, WIRE_R_REFUSED, WIRE_T_A, -1), false, 3);
		metrics_count_dropped(m, METRICS_DROP_SHORT);
		metrics_count_rrl(m, true);
		metrics_tcp_accepted(m);
		metrics_tcp_accepted(m);
		metrics_tcp_closed_idle(m);
	}
	metrics_source_t src = {.workers = workers,
	                        .worker_count = 2,
	                        .version = RBL_VERSION,
	                        .start_time = 1700000000,
	                        .zones = fake_zones,
	                        .store_map = fake_map,
	                        .ctx = &store};
	metrics_text_t text = {0};
	int rc = metrics_render(&src, &text);
	if (rc == RBL_OK)
		fwrite(text.data, 1, text.len, stdout);
	metrics_text_free(&text);
	metrics_workers_free(workers);
	return rc == RBL_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--print"))
		return print_example();
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_an_answer_counts_by_zone_qtype_and_rcode, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_unusual_types_and_rcodes_count_as_other, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_malformed_acl_truncated_and_dropped_have_counters_of_their_own,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_query_log_drops_are_summed_over_workers, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_tcp_connections_open_is_accepted_minus_closed, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_latency_histogram_is_cumulative_with_sum_and_count, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_counts_follow_the_zone_when_the_table_shifts, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_a_deleted_zone_is_no_longer_rendered, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_past_the_slots_zones_count_as_other_until_a_slot_is_freed, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_two_workers_are_summed, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_label_values_are_escaped, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_a_failing_callback_fails_the_scrape, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_exposition_of_a_quiet_server_is_exactly_this, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_worker_blocks_do_not_share_cache_lines, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_rendering_while_a_worker_counts, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
