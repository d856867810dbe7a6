/* SPDX-License-Identifier: BSD-2-Clause */
/* test_pipeline_retest.c — retest requests (pipeline_retest_*): acceptance, the per-address and per-network limits
 * (driven by the time given to pipeline_retest_request_at, and once through the transaction's own), the full queue,
 * positions, results, pruning, the CSRF secret and damaged records. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "relay/pipeline.h"
#include "store/store.h"
#include "store/store_ext.h"
#include "store/store_verify.h"

#include "store_fixture.h"

#define T0 1800000000 /* the tests' "now": any time works, the limits only compare */
#define MAX_SEEN 16

struct fixture {
	char dir[64];
	store_t *st;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	fixture_store_open(f->dir, "test_pipeline_retest", &f->st);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	fixture_store_remove(f->st, f->dir);
	free(f);
	return 0;
}

static addr_t addr_of(const char *text)
{
	addr_t a;
	assert_int_equal(addr_parse(text, &a), RBL_OK);
	return a;
}

struct answer {
	enum retest_refusal refusal;
	int64_t retry_after;
	retest_request_t request;
};

/* One request in a transaction of its own, at time now, from client (NULL: an operator), with limits (NULL: none). */
static struct answer request_at(struct fixture *f, int64_t now, const char *addr, const char *client,
				const retest_limits_t *limits)
{
	struct answer a;
	memset(&a, 0, sizeof a);
	a.retry_after = -1;
	addr_t target = addr_of(addr);
	cidr_t net;
	if (client) {
		addr_t c = addr_of(client);
		pipeline_retest_client_net(&c, &net);
	}
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(pipeline_retest_request_at(w, now, &target, client ? &net : NULL,
						    client ? RETEST_VIA_WEB : RETEST_VIA_CLI, limits, &a.request,
						    &a.refusal, &a.retry_after),
			 RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	return a;
}

static struct answer request(struct fixture *f, int64_t now, const char *addr, const char *client)
{
	retest_limits_t limits = RETEST_LIMITS_DEFAULT;
	return request_at(f, now, addr, client, &limits);
}

/* The latest request of addr and its queue position; returns pipeline_retest_get's result. */
static int get(struct fixture *f, const char *addr, retest_request_t *q, uint64_t *position)
{
	addr_t a = addr_of(addr);
	store_rtxn_t *r;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	int err = pipeline_retest_get(r, &a, q, position);
	store_read_end(r);
	return err;
}

static uint64_t position_of(struct fixture *f, const char *addr)
{
	retest_request_t q;
	uint64_t position = 999;
	assert_int_equal(get(f, addr, &q, &position), RBL_OK);
	return position;
}

static void done(struct fixture *f, uint64_t id, enum retest_outcome outcome)
{
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(pipeline_retest_done(w, id, PROBE_CLOSED, 42, outcome), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
}

static void test_first_request_is_accepted_queued_and_read_back_whole(void **state)
{
	struct fixture *f = *state;
	struct answer a = request(f, T0, "192.0.2.7", "198.51.100.77");
	assert_int_equal(a.refusal, RETEST_ACCEPTED);
	assert_int_equal(a.retry_after, 0);
	assert_int_equal(a.request.id, 1);
	retest_request_t q;
	uint64_t position = 0;
	assert_int_equal(get(f, "192.0.2.7", &q, &position), RBL_OK);
	assert_int_equal(position, 1);
	assert_int_equal(q.id, 1);
	assert_true(q.queued);
	assert_int_equal(q.requested, T0);
	assert_int_equal(q.done, 0);
	assert_int_equal(q.via, RETEST_VIA_WEB);
	assert_int_equal(q.outcome, RETEST_PENDING);
	char text[ADDR_STRLEN];
	addr_format(&q.addr, text);
	assert_string_equal(text, "192.0.2.7");
	cidr_format(&q.client_net, text);
	assert_string_equal(text, "198.51.100.0/24");
	assert_int_equal(get(f, "192.0.2.8", &q, &position), RBL_ENOENT);
}

static void test_store_without_requests_finds_none(void **state)
{
	struct fixture *f = *state;
	retest_request_t q;
	uint64_t position;
	assert_int_equal(get(f, "192.0.2.7", &q, &position), RBL_ENOENT);
	store_rtxn_t *r;
	uint8_t secret[RETEST_SECRET_LEN];
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(pipeline_retest_secret_r(r, secret), RBL_ENOENT);
	store_read_end(r);
}

static void test_request_for_a_queued_address_returns_the_queued_one_even_without_limits(void **state)
{
	struct fixture *f = *state;
	uint64_t first = request(f, T0, "192.0.2.7", "198.51.100.77").request.id;
	struct answer a = request(f, T0 + 5000, "192.0.2.7", "203.0.113.1");
	assert_int_equal(a.refusal, RETEST_ALREADY_QUEUED);
	assert_int_equal(a.retry_after, 0);
	assert_int_equal(a.request.id, first);
	a = request_at(f, T0 + 5000, "192.0.2.7", NULL, NULL);
	assert_int_equal(a.refusal, RETEST_ALREADY_QUEUED);
	assert_int_equal(a.request.id, first);
}

static void test_second_request_within_the_hour_is_too_soon_with_the_exact_wait(void **state)
{
	struct fixture *f = *state;
	uint64_t id = request(f, T0, "192.0.2.7", "198.51.100.77").request.id;
	done(f, id, RETEST_STILL_OPEN);
	/* Another client: the limit is the address's. */
	struct answer a = request(f, T0 + 100, "192.0.2.7", "203.0.113.1");
	assert_int_equal(a.refusal, RETEST_TOO_SOON);
	assert_int_equal(a.retry_after, 3500);
	a = request(f, T0 + 3599, "192.0.2.7", "203.0.113.1");
	assert_int_equal(a.refusal, RETEST_TOO_SOON);
	assert_int_equal(a.retry_after, 1);
	a = request(f, T0 + 3600, "192.0.2.7", "203.0.113.1");
	assert_int_equal(a.refusal, RETEST_ACCEPTED);
	assert_int_equal(a.request.id, id + 1);
	/* An operator is not held to it. */
	done(f, a.request.id, RETEST_STILL_OPEN);
	a = request_at(f, T0 + 3601, "192.0.2.7", NULL, NULL);
	assert_int_equal(a.refusal, RETEST_ACCEPTED);
}

/* n requests for n addresses of 192.0.2.0/24 from client at now; the refusals counted. */
static unsigned accepted_of(struct fixture *f, int64_t now, unsigned first, unsigned n, const char *client,
			    struct answer *last)
{
	unsigned accepted = 0;
	for (unsigned i = first; i < first + n; i++) {
		char addr[ADDR_STRLEN];
		snprintf(addr, sizeof addr, "192.0.2.%u", i);
		*last = request(f, now, addr, client);
		accepted += last->refusal == RETEST_ACCEPTED;
	}
	return accepted;
}

static void test_ten_requests_an_hour_per_client_slash_24(void **state)
{
	struct fixture *f = *state;
	struct answer last;
	assert_int_equal(accepted_of(f, T0, 1, 10, "198.51.100.1", &last), 10);
	last = request(f, T0 + 600, "192.0.2.11", "198.51.100.254"); /* the same /24 */
	assert_int_equal(last.refusal, RETEST_NETWORK_LIMIT);
	assert_int_equal(last.retry_after, 3000);
	last = request(f, T0 + 600, "192.0.2.11", "198.51.101.1"); /* the next /24 has its own */
	assert_int_equal(last.refusal, RETEST_ACCEPTED);
	/* The refused request used nothing: the first /24's window still ends at T0 + 3600, then starts afresh. */
	last = request(f, T0 + 3599, "192.0.2.12", "198.51.100.9");
	assert_int_equal(last.refusal, RETEST_NETWORK_LIMIT);
	assert_int_equal(last.retry_after, 1);
	assert_int_equal(accepted_of(f, T0 + 3600, 12, 11, "198.51.100.9", &last), 10);
	assert_int_equal(last.refusal, RETEST_NETWORK_LIMIT);
	assert_int_equal(last.retry_after, 3600);
}

static void test_ipv6_clients_share_the_limit_per_slash_56(void **state)
{
	struct fixture *f = *state;
	struct answer last;
	assert_int_equal(accepted_of(f, T0, 1, 5, "2001:db8:0:ff::1", &last), 5);
	assert_int_equal(accepted_of(f, T0, 6, 5, "2001:db8:0:1::2", &last), 5); /* same /56 */
	assert_int_equal(accepted_of(f, T0, 11, 1, "2001:db8:0:100::1", &last), 1); /* the next /56 */
	last = request(f, T0, "192.0.2.12", "2001:db8::9");
	assert_int_equal(last.refusal, RETEST_NETWORK_LIMIT);
	addr_t a = addr_of("2001:db8:0:ab12::5");
	cidr_t net;
	pipeline_retest_client_net(&a, &net);
	char text[ADDR_STRLEN];
	cidr_format(&net, text);
	assert_string_equal(text, "2001:db8:0:ab00::/56");
}

static void test_full_queue_refuses_until_a_request_is_done(void **state)
{
	struct fixture *f = *state;
	retest_limits_t limits = RETEST_LIMITS_DEFAULT;
	limits.queue_max = 3;
	uint64_t ids[3];
	for (unsigned i = 0; i < 3; i++) {
		char addr[ADDR_STRLEN];
		snprintf(addr, sizeof addr, "192.0.2.%u", i + 1);
		struct answer a = request_at(f, T0, addr, "198.51.100.1", &limits);
		assert_int_equal(a.refusal, RETEST_ACCEPTED);
		ids[i] = a.request.id;
	}
	struct answer a = request_at(f, T0, "192.0.2.4", "203.0.113.1", &limits);
	assert_int_equal(a.refusal, RETEST_QUEUE_FULL);
	assert_int_equal(a.retry_after, RETEST_QUEUE_FULL_RETRY);
	done(f, ids[1], RETEST_DELISTED);
	a = request_at(f, T0, "192.0.2.4", "203.0.113.1", &limits);
	assert_int_equal(a.refusal, RETEST_ACCEPTED);
}

static void test_positions_move_up_as_requests_are_done(void **state)
{
	struct fixture *f = *state;
	uint64_t a = request(f, T0, "192.0.2.1", "198.51.100.1").request.id;
	uint64_t b = request(f, T0 + 1, "2001:db8::1", "198.51.100.1").request.id;
	request(f, T0 + 2, "192.0.2.3", "203.0.113.1");
	assert_int_equal(position_of(f, "192.0.2.1"), 1);
	assert_int_equal(position_of(f, "2001:db8::1"), 2);
	assert_int_equal(position_of(f, "192.0.2.3"), 3);
	done(f, b, RETEST_DELISTED);
	assert_int_equal(position_of(f, "192.0.2.3"), 2);
	assert_int_equal(position_of(f, "2001:db8::1"), 0);
	done(f, a, RETEST_NOT_LISTED);
	assert_int_equal(position_of(f, "192.0.2.3"), 1);
}

struct seen {
	retest_request_t q[MAX_SEEN];
	unsigned count, stop_after;
};

static int collect(const retest_request_t *q, void *ctx)
{
	struct seen *s = ctx;
	assert_true(s->count < MAX_SEEN);
	s->q[s->count++] = *q;
	return s->stop_after && s->count == s->stop_after ? 7 : 0;
}

static int queued(struct fixture *f, struct seen *s)
{
	store_rtxn_t *r;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	int err = pipeline_retest_foreach_queued(r, collect, s);
	store_read_end(r);
	return err;
}

static void test_queue_is_walked_oldest_first_and_the_walk_stops_when_asked(void **state)
{
	struct fixture *f = *state;
	struct seen s = {0};
	assert_int_equal(queued(f, &s), RBL_OK); /* no table yet */
	assert_int_equal(s.count, 0);
	const char *addrs[] = {"192.0.2.9", "192.0.2.1", "2001:db8::5", "192.0.2.5"};
	for (unsigned i = 0; i < 4; i++)
		request(f, T0 + i, addrs[i], "198.51.100.1");
	done(f, 3, RETEST_OPTED_OUT);
	assert_int_equal(queued(f, &s), RBL_OK);
	assert_int_equal(s.count, 3);
	assert_int_equal(s.q[0].id, 1);
	assert_int_equal(s.q[1].id, 2);
	assert_int_equal(s.q[2].id, 4);
	char text[ADDR_STRLEN];
	addr_format(&s.q[2].addr, text);
	assert_string_equal(text, "192.0.2.5");
	memset(&s, 0, sizeof s);
	s.stop_after = 2;
	assert_int_equal(queued(f, &s), 7);
	assert_int_equal(s.count, 2);
}

static void test_done_records_the_result_once_and_a_second_done_changes_nothing(void **state)
{
	struct fixture *f = *state;
	uint64_t id = request(f, T0, "192.0.2.7", "198.51.100.1").request.id;
	int64_t before = time(NULL);
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(pipeline_retest_done(w, id, PROBE_CLOSED, 42, RETEST_PENDING), RBL_EINVAL);
	assert_int_equal(pipeline_retest_done(w, id, PROBE_CLOSED, 42, (enum retest_outcome)(RETEST_OUTCOME_MAX + 1)),
			 RBL_EINVAL);
	assert_int_equal(pipeline_retest_done(w, id, PROBE_CLOSED, 42, RETEST_DELISTED), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	/* A second run (cron overlap) finds it off the queue and leaves the first result. */
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(pipeline_retest_done(w, id, PROBE_OPEN, 43, RETEST_STILL_OPEN), RBL_OK);
	assert_int_equal(pipeline_retest_done(w, 999, PROBE_OPEN, 43, RETEST_STILL_OPEN), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	retest_request_t q;
	uint64_t position = 9;
	assert_int_equal(get(f, "192.0.2.7", &q, &position), RBL_OK);
	assert_false(q.queued);
	assert_int_equal(position, 0);
	assert_int_equal(q.outcome, RETEST_DELISTED);
	assert_int_equal(q.verdict, PROBE_CLOSED);
	assert_int_equal(q.probe_id, 42);
	assert_true(q.done >= before && q.done <= time(NULL));
	assert_int_equal(q.requested, T0);
}

static void test_requests_without_a_given_time_use_the_transactions(void **state)
{
	struct fixture *f = *state;
	int64_t before = time(NULL);
	addr_t a = addr_of("192.0.2.7");
	retest_request_t q;
	enum retest_refusal refusal;
	int64_t wait;
	retest_limits_t limits = RETEST_LIMITS_DEFAULT;
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	int64_t now = store_ext_now(w);
	assert_int_equal(pipeline_retest_request(w, &a, NULL, RETEST_VIA_CLI, &limits, &q, &refusal, &wait), RBL_OK);
	assert_int_equal(refusal, RETEST_ACCEPTED);
	assert_int_equal(q.requested, now);
	assert_true(now >= before && now <= time(NULL));
	assert_int_equal(pipeline_retest_done(w, q.id, PROBE_OPEN, 1, RETEST_STILL_OPEN), RBL_OK);
	assert_int_equal(pipeline_retest_request(w, &a, NULL, RETEST_VIA_API, &limits, &q, &refusal, &wait), RBL_OK);
	assert_int_equal(refusal, RETEST_TOO_SOON);
	assert_int_equal(wait, 3600);
	store_write_abort(w);
}

static void test_operator_requests_count_against_no_network(void **state)
{
	struct fixture *f = *state;
	for (unsigned i = 1; i <= 12; i++) {
		char addr[ADDR_STRLEN];
		snprintf(addr, sizeof addr, "192.0.2.%u", i);
		assert_int_equal(request_at(f, T0, addr, NULL, NULL).refusal, RETEST_ACCEPTED);
	}
	retest_request_t q;
	uint64_t position;
	assert_int_equal(get(f, "192.0.2.12", &q, &position), RBL_OK);
	assert_int_equal(q.client_net.addr.family, 0);
	assert_int_equal(q.via, RETEST_VIA_CLI);
	assert_int_equal(position, 12);
	store_wtxn_t *w;
	uint64_t pruned = 9;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(pipeline_retest_prune_at(w, T0 + 999999, &pruned), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	assert_int_equal(pruned, 0);
}

static void test_prune_forgets_the_network_counters_whose_window_ended(void **state)
{
	struct fixture *f = *state;
	request(f, T0, "192.0.2.1", "198.51.100.1");
	request(f, T0 + 1800, "192.0.2.2", "203.0.113.1");
	request(f, T0 + 1800, "192.0.2.3", "2001:db8::1");
	uint64_t pruned = 9;
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(pipeline_retest_prune_at(w, T0 + 3599, &pruned), RBL_OK);
	assert_int_equal(pruned, 0);
	assert_int_equal(pipeline_retest_prune_at(w, T0 + 3600, &pruned), RBL_OK);
	assert_int_equal(pruned, 1);
	assert_int_equal(pipeline_retest_prune_at(w, T0 + 3600, &pruned), RBL_OK);
	assert_int_equal(pruned, 0);
	assert_int_equal(pipeline_retest_prune_at(w, T0 + 5400, &pruned), RBL_OK);
	assert_int_equal(pruned, 2);
	assert_int_equal(store_write_commit(w), RBL_OK);
	/* Requests and the queue are kept: only counters go. */
	assert_int_equal(position_of(f, "192.0.2.3"), 3);
}

static void test_secret_is_made_once_and_then_always_the_same(void **state)
{
	struct fixture *f = *state;
	uint8_t first[RETEST_SECRET_LEN], again[RETEST_SECRET_LEN], read[RETEST_SECRET_LEN];
	uint8_t zero[RETEST_SECRET_LEN] = {0};
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(pipeline_retest_secret(w, first), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	assert_memory_not_equal(first, zero, RETEST_SECRET_LEN);
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(pipeline_retest_secret(w, again), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	assert_memory_equal(first, again, RETEST_SECRET_LEN);
	store_rtxn_t *r;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(pipeline_retest_secret_r(r, read), RBL_OK);
	store_read_end(r);
	assert_memory_equal(first, read, RETEST_SECRET_LEN);
}

static void test_malformed_requests_are_refused(void **state)
{
	struct fixture *f = *state;
	addr_t a = addr_of("192.0.2.7"), none;
	memset(&none, 0, sizeof none);
	cidr_t bad_net;
	memset(&bad_net, 0, sizeof bad_net);
	retest_request_t q;
	enum retest_refusal refusal;
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(pipeline_retest_request(w, &none, NULL, RETEST_VIA_CLI, NULL, &q, &refusal, NULL), RBL_EINVAL);
	enum retest_via no_via = (enum retest_via)0;
	assert_int_equal(pipeline_retest_request(w, &a, NULL, no_via, NULL, &q, &refusal, NULL), RBL_EINVAL);
	assert_int_equal(pipeline_retest_request(w, &a, &bad_net, RETEST_VIA_WEB, NULL, &q, &refusal, NULL),
			 RBL_EINVAL);
	bad_net.addr = a;
	bad_net.len = 33;
	assert_int_equal(pipeline_retest_request(w, &a, &bad_net, RETEST_VIA_WEB, NULL, &q, &refusal, NULL),
			 RBL_EINVAL);
	store_write_abort(w);
}

/* Overwrites the value of key in the retest table. */
static void put_raw(struct fixture *f, const void *key, size_t key_len, const void *value, size_t len)
{
	store_wtxn_t *w;
	MDB_dbi db;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_ext_table_w(w, "retest", &db), RBL_OK);
	MDB_val k = {key_len, (void *)key}, v = {len, (void *)value};
	assert_int_equal(mdb_put(store_ext_wtxn(w), db, &k, &v, 0), 0);
	assert_int_equal(store_write_commit(w), RBL_OK);
}

static void test_damaged_records_are_refused(void **state)
{
	struct fixture *f = *state;
	request(f, T0, "192.0.2.7", "198.51.100.1");
	store_rtxn_t *r;
	MDB_dbi db;
	MDB_val k, v;
	uint8_t key[9] = {'r', 0, 0, 0, 0, 0, 0, 0, 1}, good[64];
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(store_ext_table_r(r, "retest", &db), RBL_OK);
	k = (MDB_val){sizeof key, key};
	assert_int_equal(mdb_get(store_ext_rtxn(r), db, &k, &v), 0);
	assert_int_equal(v.mv_size, sizeof good);
	memcpy(good, v.mv_data, sizeof good);
	store_read_end(r);

	struct {
		const char *what;
		size_t offset, len;
		uint8_t byte;
	} damage[] = {
	        {"another version", 0, 64, 2},         {"cut short", 0, 63, 1},
	        {"unknown family", 1, 64, 5},          {"client network too long", 43, 64, 33},
	        {"unknown via", 44, 64, 9},            {"unknown state", 45, 64, 3},
	        {"queued with an outcome", 63, 64, 1}, {"unknown outcome", 63, 64, RETEST_OUTCOME_MAX + 1},
	};
	for (size_t i = 0; i < sizeof damage / sizeof damage[0]; i++) {
		uint8_t bad[64];
		memcpy(bad, good, sizeof bad);
		bad[damage[i].offset] = damage[i].byte;
		print_message("%s\n", damage[i].what);
		put_raw(f, key, sizeof key, bad, damage[i].len);
		retest_request_t q;
		uint64_t position;
		assert_int_equal(get(f, "192.0.2.7", &q, &position), RBL_EDAMAGED);
		struct seen s = {0};
		assert_int_equal(queued(f, &s), RBL_EDAMAGED);
	}
	put_raw(f, key, sizeof key, good, sizeof good);
	assert_int_equal(position_of(f, "192.0.2.7"), 1);
	put_raw(f, "s", 1, good, 31);
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(pipeline_retest_secret_r(r, good), RBL_EDAMAGED);
	store_read_end(r);
}

static void no_problem(void *ctx, const char *what)
{
	(void)ctx;
	fail_msg("verify: %s", what);
}

/* The table budget (LMDB's 16 named tables, STORE_EXT_TABLES_MAX 8): the store's 8, the pipeline's 6 and rbl_xfr's
 * journal (opened here by its name, as xfr_journal.c does) in one store handle, then verified in a fresh one. */
static void test_every_extension_table_fits_in_one_store_and_verifies(void **state)
{
	struct fixture *f = *state;
	request(f, T0, "192.0.2.7", "198.51.100.1");
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	const char *tables[] = {"hosts", "reports", "probes", "optout", "events", "retest", "xfr_journal"};
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		MDB_dbi db;
		assert_int_equal(store_ext_table_w(w, tables[i], &db), RBL_OK);
		uint8_t key = 'x';
		MDB_val k = {1, &key}, v = {1, &key};
		if (strcmp(tables[i], "retest") != 0) /* a record the verify walk counts; retest has its own */
			assert_int_equal(mdb_put(store_ext_wtxn(w), db, &k, &v, 0), 0);
	}
	uint8_t secret[RETEST_SECRET_LEN];
	assert_int_equal(pipeline_retest_secret(w, secret), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	store_close(f->st);
	assert_int_equal(store_open(f->dir, 0, &f->st), RBL_OK);
	store_verify_sink_t sink = {no_problem, NULL, NULL};
	store_verify_stats_t stats;
	assert_int_equal(store_verify(f->st, &sink, &stats), RBL_OK);
	assert_int_equal(stats.problems, 0);
	assert_int_equal(stats.tables, 15);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(pipeline_retest_via_name(RETEST_VIA_WEB), "web");
	assert_string_equal(pipeline_retest_via_name(RETEST_VIA_CLI), "cli");
	assert_string_equal(pipeline_retest_outcome_name(RETEST_DELISTED), "delisted");
	assert_string_equal(pipeline_retest_outcome_name(RETEST_PROBED_MEANWHILE), "probed meanwhile");
	assert_string_equal(pipeline_retest_refusal_name(RETEST_NETWORK_LIMIT), "network limit");
	assert_string_equal(pipeline_retest_refusal_name((enum retest_refusal)99), "?");
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        TEST(test_first_request_is_accepted_queued_and_read_back_whole),
	        TEST(test_store_without_requests_finds_none),
	        TEST(test_request_for_a_queued_address_returns_the_queued_one_even_without_limits),
	        TEST(test_second_request_within_the_hour_is_too_soon_with_the_exact_wait),
	        TEST(test_ten_requests_an_hour_per_client_slash_24),
	        TEST(test_ipv6_clients_share_the_limit_per_slash_56),
	        TEST(test_full_queue_refuses_until_a_request_is_done),
	        TEST(test_positions_move_up_as_requests_are_done),
	        TEST(test_queue_is_walked_oldest_first_and_the_walk_stops_when_asked),
	        TEST(test_done_records_the_result_once_and_a_second_done_changes_nothing),
	        TEST(test_requests_without_a_given_time_use_the_transactions),
	        TEST(test_operator_requests_count_against_no_network),
	        TEST(test_prune_forgets_the_network_counters_whose_window_ended),
	        TEST(test_secret_is_made_once_and_then_always_the_same),
	        TEST(test_malformed_requests_are_refused),
	        TEST(test_damaged_records_are_refused),
	        TEST(test_every_extension_table_fits_in_one_store_and_verifies),
	        cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
