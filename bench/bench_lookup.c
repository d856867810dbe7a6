/* SPDX-License-Identifier: BSD-2-Clause */
/* bench_lookup.c — measures the store's write and lookup costs on a generated data set, and the whole query path
 * (parse, zone match, lookup, answer writing) through answer_packet. Not a test: it prints numbers.
 *
 *   bench_lookup [--entries N] [--cidrs N] [--queries N] [--db DIR]
 * Data: N random /32 and M random /24 (fixed seed), one zone; queries: half listed addresses, half random ones.
 *
 *   bench_lookup --commit-zones Z [--rounds R]
 * What a commit costs a worker: Z zones, then R rounds of one listing added to one zone (a commit, as rbltool add
 * makes) followed by the worker's next batch (answer_batch_begin and one NXDOMAIN answer, whose SOA carries the
 * serial). Under callgrind, --toggle-collect=worker_batch_after_commit counts that batch's instructions alone.
 */
#include "query/answer.h"
#include "base/err.h"
#include "store/store.h"
#include "store/store_reader.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: a fixed, portable sequence. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rng32(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

static addr_t v4(uint32_t v)
{
	addr_t a = {.family = ADDR_V4, .b = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v}};
	return a;
}

static int load(store_t *st, uint32_t *zone_id, uint32_t *listed, size_t entries, size_t cidrs)
{
	zone_def_t def;
	zone_def_init(&def, "bench.rbl", time(NULL));
	store_wtxn_t *w;
	store_import_t *imp = NULL;
	int err = store_write_begin(st, &w);
	if (!err)
		err = store_zone_create(w, &def);
	*zone_id = def.id;
	double t0 = now_s();
	if (!err)
		err = store_import_begin(w, def.id, false, "bench", &imp);
	for (size_t i = 0; !err && i < entries + cidrs; i++) {
		uint32_t v = rng32();
		bool cidr = i >= entries;
		if (cidr)
			v &= 0xffffff00u;
		else
			listed[i] = v;
		store_import_item_t item = {.net = {v4(v), (uint8_t)(cidr ? 24 : 32)}};
		err = store_import_add(imp, &item);
	}
	store_import_stats_t stats;
	if (!err)
		err = store_import_finish(imp, &stats);
	store_import_free(imp);
	if (!err)
		err = store_write_commit(w);
	else
		store_write_abort(w);
	double t = now_s() - t0;
	printf("load      %zu entries imported in one transaction: %.2f s (%.2f us an entry)\n", entries + cidrs, t,
	       t * 1e6 / (double)(entries + cidrs));
	return err;
}

/* A query packet for the reversed name of v under bench.rbl, type A, without EDNS. */
static size_t make_query(uint32_t v, uint16_t id, uint8_t *buf)
{
	uint8_t *p = buf;
	*p++ = (uint8_t)(id >> 8);
	*p++ = (uint8_t)id;
	static const uint8_t head[] = {0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
	memcpy(p, head, sizeof head);
	p += sizeof head;
	for (int shift = 0; shift < 32; shift += 8) {
		char label[4];
		int n = snprintf(label, sizeof label, "%u", (v >> shift) & 255);
		*p++ = (uint8_t)n;
		memcpy(p, label, (size_t)n);
		p += n;
	}
	static const uint8_t tail[] = {5, 'b', 'e', 'n', 'c', 'h', 3, 'r', 'b', 'l', 0, 0, 1, 0, 1};
	memcpy(p, tail, sizeof tail);
	p += sizeof tail;
	return (size_t)(p - buf);
}

/* One batch of one query: a snapshot that sees every commit (and whatever the worker reloads) and an answer
 * carrying the zone's serial, which is returned (read from the response's SOA). */
__attribute__((noinline)) static uint32_t batch_serial(answer_ctx_t *ctx, const uint8_t *query, size_t qlen)
{
	uint8_t response[WIRE_EDNS_PAYLOAD];
	if (answer_batch_begin(ctx))
		return 0;
	size_t n = answer_packet(ctx, query, qlen, response, sizeof response, false);
	answer_batch_end(ctx);
	/* The SOA ends the response: serial, refresh, retry, expire, minimum. */
	const uint8_t *p = response + n - 20;
	return n < 32 ? 0 : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The worker's side of one commit (the first batch after it). Not inlined: callgrind toggles collection on it, so
 * that the first batch of all (the zone table's first load) is left out. */
__attribute__((noinline)) static uint32_t worker_batch_after_commit(answer_ctx_t *ctx, const uint8_t *query,
                                                                    size_t qlen)
{
	return batch_serial(ctx, query, qlen);
}

static int bench_commits(const char *db, size_t zones, size_t rounds)
{
	store_t *st;
	if (store_open(db, STORE_CREATE, &st))
		return 1;
	store_wtxn_t *w;
	uint32_t first_id = 0;
	int err = store_write_begin(st, &w);
	for (size_t i = 0; !err && i < zones; i++) {
		char name[64];
		/* bench.rbl is the zone the queries name; the others only make the table big */
		snprintf(name, sizeof name, i ? "z%zu.example" : "bench.rbl", i);
		zone_def_t def;
		zone_def_init(&def, name, time(NULL));
		err = store_zone_create(w, &def);
		if (!i)
			first_id = def.id;
	}
	err = err ? (store_write_abort(w), err) : store_write_commit(w);
	answer_ctx_t ctx;
	if (err || answer_ctx_init(&ctx, st))
		return 1;
	uint8_t query[512];
	size_t qlen = make_query(0x0a000001u, 1, query); /* 1.0.0.10.bench.rbl: never listed, NXDOMAIN */
	uint32_t serial = batch_serial(&ctx, query, qlen), stale = 0;
	double spent = 0;
	for (size_t i = 0; !err && i < rounds; i++) {
		entry_t e = {.net = {v4(0xc0000200u + (uint32_t)i % 256), 32}};
		if (!(err = store_write_begin(st, &w)) && !(err = store_entry_put(w, first_id, &e)))
			err = store_write_commit(w);
		double t0 = now_s();
		uint32_t now_serial = worker_batch_after_commit(&ctx, query, qlen);
		spent += now_s() - t0;
		stale += now_serial == serial;
		serial = now_serial;
	}
	printf("commit    %zu zones, %zu commits of one listing: %.1f us a worker's next batch; %u stale serials\n",
	       zones, rounds, spent * 1e6 / (double)rounds, stale);
	answer_ctx_free(&ctx);
	store_close(st);
	return err || stale ? 1 : 0;
}

int main(int argc, char **argv)
{
	size_t entries = 1000000, cidrs = 10000, queries = 2000000, commit_zones = 0, rounds = 200;
	const char *db = NULL;
	static const struct option options[] = {
		{"entries", required_argument, NULL, 'e'}, {"cidrs", required_argument, NULL, 'c'},
		{"queries", required_argument, NULL, 'q'}, {"db", required_argument, NULL, 'd'},
		{"commit-zones", required_argument, NULL, 'z'}, {"rounds", required_argument, NULL, 'r'}, {0},
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'e': entries = strtoul(optarg, NULL, 10); break;
		case 'c': cidrs = strtoul(optarg, NULL, 10); break;
		case 'q': queries = strtoul(optarg, NULL, 10); break;
		case 'd': db = optarg; break;
		case 'z': commit_zones = strtoul(optarg, NULL, 10); break;
		case 'r': rounds = strtoul(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: bench_lookup [--entries N] [--cidrs N] [--queries N] [--db DIR]\n"
			                "       bench_lookup --commit-zones Z [--rounds R] [--db DIR]\n");
			return 2;
		}
	}
	char dir[64] = "/tmp/bench_lookup.XXXXXX";
	if (!db && !(db = mkdtemp(dir)))
		return 1;
	if (commit_zones) {
		int rc = bench_commits(db, commit_zones, rounds);
		if (db == dir) {
			char cmd[256];
			snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
			rc |= system(cmd) != 0;
		}
		return rc;
	}
	store_t *st;
	uint32_t zone_id;
	uint32_t *listed = calloc(entries ? entries : 1, sizeof *listed);
	if (!listed || store_open(db, STORE_CREATE, &st) || load(st, &zone_id, listed, entries, cidrs))
		return 1;

	/* Raw lookups: one read transaction per 64, as a worker renews one per batch. */
	store_reader_t r;
	store_reader_init(st, &r);
	size_t hits = 0;
	double t0 = now_s();
	for (size_t i = 0; i < queries; i++) {
		if (i % 64 == 0) {
			if (i)
				store_reader_end(&r);
			store_reader_begin(&r);
		}
		addr_t a = v4(i % 2 && entries ? listed[rng32() % entries] : rng32());
		store_hit_t hit;
		hits += store_reader_lookup(&r, zone_id, &a, 1, &hit) == 1;
	}
	store_reader_end(&r);
	double t = now_s() - t0;
	printf("lookup    %zu lookups (%zu listed): %.0f ns a lookup\n", queries, hits, t * 1e9 / (double)queries);
	store_reader_free(&r);

	/* The whole query path: parse, match, look up, write the response. */
	answer_ctx_t ctx;
	answer_ctx_init(&ctx, st);
	uint8_t query[512], response[WIRE_EDNS_PAYLOAD];
	size_t answered = 0;
	t0 = now_s();
	for (size_t i = 0; i < queries; i++) {
		if (i % 64 == 0) {
			if (i)
				answer_batch_end(&ctx);
			answer_batch_begin(&ctx);
		}
		uint32_t v = i % 2 && entries ? listed[rng32() % entries] : rng32();
		size_t qlen = make_query(v, (uint16_t)i, query);
		answered += answer_packet(&ctx, query, qlen, response, sizeof response, false) > 0;
	}
	answer_batch_end(&ctx);
	t = now_s() - t0;
	printf("answer    %zu queries through answer_packet (%zu answered): %.0f ns a query\n", queries, answered,
	       t * 1e9 / (double)queries);
	answer_ctx_free(&ctx);
	store_close(st);
	free(listed);
	if (db == dir) {
		char cmd[256];
		snprintf(cmd, sizeof cmd, "du -sh %s; rm -rf %s", dir, dir);
		return system(cmd) == 0 ? 0 : 1;
	}
	return 0;
}
