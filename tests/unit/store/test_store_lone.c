/* SPDX-License-Identifier: BSD-2-Clause */
/* test_store_lone.c — lone listings (store format 5): a plain IPv4 /32 lives in its index4 interval alone, not in
 * entries as well. Where each kind of entry is kept, moves between the two places when an entry changes, ranges
 * split around a lone host and made whole again, TXT from the shared origin, the merged walk in key order, imports
 * into an empty and into a full zone against a model, expiry, the upgrade of a format-4 store, and what verify
 * reports when the two places disagree. Lookups go through the query path's reader. */
#include "base/err.h"
#include "store/store.h"
#include "store/store_reader.h"
#include "store/store_verify.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "raw_lmdb.h"
#include "store_fixture.h"

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static int setup(void **state)
{
	return store_zone_fixture_setup(state, "test_store_lone");
}

static int teardown(void **state)
{
	return store_zone_fixture_teardown(state);
}

/* --- helpers ------------------------------------------------------------------------------------------------------ */

static void put(struct store_zone_fixture *f, const char *net, const char *reason, uint64_t evidence, uint8_t flags,
		uint32_t code)
{
	entry_t *e = &(entry_t){0};
	assert_int_equal(cidr_parse(net, &e->net), RBL_OK);
	snprintf(e->reason, sizeof e->reason, "%s", reason);
	snprintf(e->source, sizeof e->source, "test");
	e->evidence = evidence;
	e->flags = flags;
	if (code) {
		e->ncodes = 1;
		e->codes[0] = code;
	}
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_entry_put(w, f->zone, e), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
}

static void del(struct store_zone_fixture *f, const char *net)
{
	cidr_t c;
	assert_int_equal(cidr_parse(net, &c), RBL_OK);
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_entry_del(w, f->zone, &c), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
}

/* How many records a table of the store holds (opened raw, read-only). */
static size_t table_records(struct store_zone_fixture *f, const char *table)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_stat ms;
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_set_mapsize(env, STORE_MAP_SIZE), 0);
	assert_int_equal(mdb_env_open(env, f->dir, MDB_RDONLY, 0644), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, table, 0, &dbi), 0);
	assert_int_equal(mdb_stat(txn, dbi, &ms), 0);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return ms.ms_entries;
}

/* The code the query path answers for addr (0: not listed). */
static uint32_t answer(struct store_zone_fixture *f, const char *addr)
{
	addr_t a;
	assert_int_equal(addr_parse(addr, &a), RBL_OK);
	store_reader_t r;
	assert_int_equal(store_reader_init(f->st, &r), RBL_OK);
	assert_int_equal(store_reader_begin(&r), RBL_OK);
	store_hit_t hit;
	int found = store_reader_lookup(&r, f->zone, &a, time(NULL), &hit);
	assert_true(found >= 0);
	store_reader_end(&r);
	store_reader_free(&r);
	return found ? (hit.ncodes ? hit.codes[0] : 1) : 0;
}

/* The TXT reason the query path finds for addr, into buf. */
static void reason(struct store_zone_fixture *f, const char *addr, char *buf, size_t cap)
{
	addr_t a;
	assert_int_equal(addr_parse(addr, &a), RBL_OK);
	store_reader_t r;
	assert_int_equal(store_reader_init(f->st, &r), RBL_OK);
	assert_int_equal(store_reader_begin(&r), RBL_OK);
	store_hit_t hit;
	assert_int_equal(store_reader_lookup(&r, f->zone, &a, 1, &hit), 1);
	const char *text;
	size_t len;
	assert_int_equal(store_reader_text(&r, f->zone, &a, &hit, &text, &len), RBL_OK);
	snprintf(buf, cap, "%.*s", (int)len, text ? text : "");
	store_reader_end(&r);
	store_reader_free(&r);
}

static void problem_line(void *ctx, const char *what)
{
	char *all = ctx;
	strncat(all, what, 4000 - strlen(all) - 2);
	strcat(all, "\n");
}

/* rbltool verify in this process: its result, the problems in report (4000 bytes). */
static int verify(struct store_zone_fixture *f, char *report)
{
	report[0] = '\0';
	store_verify_sink_t sink = {problem_line, NULL, report};
	store_verify_stats_t stats;
	return store_verify(f->st, &sink, &stats);
}

static void assert_sound(struct store_zone_fixture *f)
{
	char report[4000];
	int rc = verify(f, report);
	if (rc != RBL_OK)
		fprintf(stderr, "verify: %s\n", report);
	assert_int_equal(rc, RBL_OK);
}

static uint64_t zone_entries(struct store_zone_fixture *f)
{
	store_rtxn_t *r;
	zone_def_t def;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(store_zone_get(r, "rbl.example", &def), RBL_OK);
	store_read_end(r);
	return def.entries;
}

#define CODE_A 0x7f000002u
#define CODE_B 0x7f000003u

/* --- where entries live ------------------------------------------------------------------------------------------- */

static void test_plain_host_is_kept_in_its_interval_alone(void **state)
{
	struct store_zone_fixture *f = *state;
	put(f, "192.0.2.1/32", "spam source", 0, 0, CODE_B);
	assert_int_equal(table_records(f, "entries"), 0);
	assert_int_equal(table_records(f, "index4"), 1);
	store_rtxn_t *r;
	entry_t *e = &(entry_t){0};
	cidr_t net;
	assert_int_equal(cidr_parse("192.0.2.1/32", &net), RBL_OK);
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(store_entry_get(r, f->zone, &net, e), RBL_OK);
	store_read_end(r);
	assert_string_equal(e->reason, "spam source");
	assert_string_equal(e->source, "test");
	assert_int_equal(e->ncodes, 1);
	assert_int_equal(e->codes[0], CODE_B);
	assert_true(e->created > 0 && e->updated >= e->created);
	assert_int_equal(e->flags, 0); /* INTERVAL_LONE is never an entry flag */
	assert_int_equal(answer(f, "192.0.2.1"), CODE_B);
	assert_int_equal(answer(f, "192.0.2.2"), 0);
	assert_int_equal(zone_entries(f), 1);
	assert_sound(f);
}

static void test_host_with_evidence_an_exclusion_a_range_and_ipv6_stay_in_entries(void **state)
{
	struct store_zone_fixture *f = *state;
	put(f, "192.0.2.1/32", "", 42, 0, 0);
	put(f, "192.0.2.2/32", "", 0, ENTRY_EXCLUDE, 0);
	put(f, "198.51.100.0/24", "", 0, 0, 0);
	put(f, "2001:db8::1/128", "", 0, 0, 0);
	assert_int_equal(table_records(f, "entries"), 4);
	assert_int_equal(zone_entries(f), 4);
	assert_sound(f);
}

/* 0x80 marks a lone listing's interval: an entry carrying it (or any bit the store does not know) would be stored
 * and never served. Both ways in refuse it. */
static void test_unknown_entry_flags_are_refused(void **state)
{
	struct store_zone_fixture *f = *state;
	entry_t *e = &(entry_t){.flags = 0x80, .evidence = 7};
	assert_int_equal(cidr_parse("10.0.0.1/32", &e->net), RBL_OK);
	store_wtxn_t *w;
	store_import_t *imp;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_entry_put(w, f->zone, e), RBL_EINVAL);
	assert_int_equal(store_import_begin(w, f->zone, false, "test", &imp), RBL_OK);
	store_import_item_t item = {.net = e->net, .flags = 0x04};
	assert_int_equal(store_import_add(imp, &item), RBL_EINVAL);
	store_import_free(imp);
	store_write_abort(w);
}

static void test_host_moves_between_the_two_places_as_it_changes(void **state)
{
	struct store_zone_fixture *f = *state;
	put(f, "192.0.2.9/32", "", 0, 0, CODE_A);
	assert_int_equal(table_records(f, "entries"), 0);
	put(f, "192.0.2.9/32", "", 7, 0, CODE_B); /* evidence: into entries */
	assert_int_equal(table_records(f, "entries"), 1);
	assert_int_equal(table_records(f, "index4"), 1);
	assert_int_equal(answer(f, "192.0.2.9"), CODE_B);
	assert_sound(f);
	put(f, "192.0.2.9/32", "", 0, 0, CODE_A); /* back to its interval alone */
	assert_int_equal(table_records(f, "entries"), 0);
	assert_int_equal(table_records(f, "index4"), 1);
	assert_int_equal(answer(f, "192.0.2.9"), CODE_A);
	put(f, "192.0.2.9/32", "", 0, ENTRY_EXCLUDE, 0); /* an exclusion of nothing: no interval */
	assert_int_equal(table_records(f, "entries"), 1);
	assert_int_equal(answer(f, "192.0.2.9"), 0);
	assert_int_equal(zone_entries(f), 1);
	assert_sound(f);
}

static void test_range_splits_around_a_lone_host_and_is_whole_again_when_it_goes(void **state)
{
	struct store_zone_fixture *f = *state;
	put(f, "10.0.0.0/24", "", 0, 0, CODE_A);
	put(f, "10.0.0.5/32", "", 0, 0, CODE_B);
	assert_int_equal(answer(f, "10.0.0.4"), CODE_A);
	assert_int_equal(answer(f, "10.0.0.5"), CODE_B);
	assert_int_equal(answer(f, "10.0.0.6"), CODE_A);
	assert_sound(f);
	del(f, "10.0.0.5/32");
	assert_int_equal(answer(f, "10.0.0.5"), CODE_A);
	assert_sound(f);
	/* A range put over lone hosts keeps them; its deletion leaves them alone. */
	put(f, "10.0.0.5/32", "", 0, 0, CODE_B);
	put(f, "10.0.0.200/32", "", 0, 0, CODE_B);
	put(f, "10.0.0.0/24", "", 0, 0, CODE_A);
	put(f, "10.0.0.128/25", "", 0, ENTRY_EXCLUDE, 0);
	assert_int_equal(answer(f, "10.0.0.5"), CODE_B);
	assert_int_equal(answer(f, "10.0.0.200"), CODE_B); /* the deeper prefix wins over the exclusion */
	assert_int_equal(answer(f, "10.0.0.199"), 0);
	assert_int_equal(answer(f, "10.0.0.127"), CODE_A);
	assert_sound(f);
	del(f, "10.0.0.0/24");
	assert_int_equal(answer(f, "10.0.0.4"), 0);
	assert_int_equal(answer(f, "10.0.0.5"), CODE_B);
	assert_int_equal(answer(f, "10.0.0.200"), CODE_B);
	assert_int_equal(zone_entries(f), 3);
	assert_sound(f);
}

static void test_txt_of_a_lone_host_is_its_origins_reason(void **state)
{
	struct store_zone_fixture *f = *state;
	put(f, "192.0.2.1/32", "open relay", 0, 0, 0);
	put(f, "192.0.2.2/32", "open relay", 0, 0, 0);
	put(f, "192.0.2.3/32", "spam trap hit", 0, 0, 0);
	put(f, "192.0.2.4/32", "", 0, 0, 0);
	char text[64];
	reason(f, "192.0.2.1", text, sizeof text);
	assert_string_equal(text, "open relay");
	reason(f, "192.0.2.3", text, sizeof text);
	assert_string_equal(text, "spam trap hit");
	reason(f, "192.0.2.4", text, sizeof text);
	assert_string_equal(text, ""); /* the zone's template answers */
	/* Three contents, each kept once (an id record and a hash record each). */
	assert_int_equal(table_records(f, "origins"), 6);
	assert_sound(f);
}

static int collect(const entry_t *e, void *ctx)
{
	char *out = ctx;
	char text[ADDR_STRLEN];
	cidr_format(&e->net, text);
	strcat(out, text);
	strcat(out, " ");
	return 0;
}

static void test_walk_gives_both_places_merged_in_key_order(void **state)
{
	struct store_zone_fixture *f = *state;
	put(f, "10.0.0.6/32", "", 0, 0, 0);        /* lone */
	put(f, "2001:db8::/32", "", 0, 0, 0);      /* entries, after every IPv4 one */
	put(f, "10.0.0.5/32", "", 9, 0, 0);        /* entries (evidence) */
	put(f, "10.0.0.0/24", "", 0, 0, 0);        /* entries */
	put(f, "10.0.0.0/32", "", 0, 0, 0);        /* lone, after the /24 at the same address */
	put(f, "9.255.255.255/32", "", 0, 0, 0);   /* lone, first */
	put(f, "255.255.255.255/32", "", 0, 0, 0); /* lone, the last address */
	char out[512] = "";
	store_rtxn_t *r;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(store_entry_foreach(r, f->zone, collect, out), RBL_OK);
	store_read_end(r);
	assert_string_equal(out, "9.255.255.255/32 10.0.0.0/24 10.0.0.0/32 10.0.0.5/32 10.0.0.6/32 "
	                         "255.255.255.255/32 2001:db8::/32 ");
	assert_sound(f);
}

/* --- imports against a model -------------------------------------------------------------------------------------- */

#define MODEL_MAX 4096

struct model {
	cidr_t net[MODEL_MAX];
	uint8_t flags[MODEL_MAX];
	uint32_t code[MODEL_MAX];
	size_t count;
};

/* The answer the model gives for a: the deepest entry covering it decides. */
static uint32_t model_answer(const struct model *m, const addr_t *a)
{
	int best = -1;
	for (size_t i = 0; i < m->count; i++)
		if (cidr_contains(&m->net[i], a) && (best < 0 || m->net[i].len > m->net[best].len))
			best = (int)i;
	return best < 0 || (m->flags[best] & ENTRY_EXCLUDE) ? 0 : m->code[best];
}

/* Random /32s, /24s and /28 exclusions inside 10.0.0.0/16, imported into the zone (replace: the zone then holds
 * exactly them); the model is set to the same. */
static void import_random(struct store_zone_fixture *f, struct model *m, unsigned seed, size_t n, bool replace)
{
	srand(seed);
	m->count = 0;
	store_wtxn_t *w;
	store_import_t *imp;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_import_begin(w, f->zone, replace, "model", &imp), RBL_OK);
	for (size_t i = 0; i < n; i++) {
		store_import_item_t item = {.net = {.addr = {.family = ADDR_V4, .b = {10, 0}}}};
		int kind = rand() % 10;
		item.net.addr.b[2] = (uint8_t)(rand() % 8);
		item.net.addr.b[3] = (uint8_t)rand();
		item.net.len = kind < 7 ? 32 : kind < 9 ? 24 : 28;
		addr_mask(&item.net.addr, item.net.len);
		item.flags = kind == 9 ? ENTRY_EXCLUDE : 0;
		item.ncodes = 1;
		item.codes[0] = 0x7f000000u | (uint32_t)(2 + rand() % 3);
		item.reason = kind == 0 ? "listed for a reason" : NULL;
		bool dup = false;
		for (size_t j = 0; j < m->count && !dup; j++)
			dup = m->net[j].len == item.net.len && addr_cmp(&m->net[j].addr, &item.net.addr) == 0;
		if (dup)
			continue; /* the import merges duplicates; the model keeps it simple */
		m->net[m->count] = item.net;
		m->flags[m->count] = item.flags;
		m->code[m->count] = item.codes[0];
		m->count++;
		assert_int_equal(store_import_add(imp, &item), RBL_OK);
	}
	store_import_stats_t stats;
	assert_int_equal(store_import_finish(imp, &stats), RBL_OK);
	store_import_free(imp);
	assert_int_equal(store_write_commit(w), RBL_OK);
}

/* Every address of 10.0.0.0/21 answers as the model says. */
static void assert_model(struct store_zone_fixture *f, const struct model *m)
{
	store_reader_t r;
	assert_int_equal(store_reader_init(f->st, &r), RBL_OK);
	assert_int_equal(store_reader_begin(&r), RBL_OK);
	for (unsigned i = 0; i < 8 * 256; i++) {
		addr_t a = {.family = ADDR_V4, .b = {10, 0, (uint8_t)(i >> 8), (uint8_t)i}};
		store_hit_t hit;
		int found = store_reader_lookup(&r, f->zone, &a, 1, &hit);
		assert_true(found >= 0);
		uint32_t got = found ? hit.codes[0] : 0, want = model_answer(m, &a);
		if (got != want)
			fprintf(stderr, "10.0.%u.%u: store %08x, model %08x\n", i >> 8, i & 255, got, want);
		assert_int_equal(got, want);
	}
	store_reader_end(&r);
	store_reader_free(&r);
	assert_int_equal(zone_entries(f), m->count);
	assert_sound(f);
}

static void test_import_into_an_empty_zone_then_over_it_answers_as_the_model(void **state)
{
	struct store_zone_fixture *f = *state;
	static struct model m;
	import_random(f, &m, 1, 1500, false); /* empty zone: one ordered stream */
	assert_true(table_records(f, "entries") < m.count / 2);
	assert_model(f, &m);
	import_random(f, &m, 2, 1500, true); /* over it: the merge, replacing */
	assert_model(f, &m);
	import_random(f, &m, 3, 200, true); /* most of it deleted */
	assert_model(f, &m);
}

/* --- expiry, upgrade, verify -------------------------------------------------------------------------------------- */

static void test_expiry_purges_lone_hosts(void **state)
{
	struct store_zone_fixture *f = *state;
	entry_t *e = &(entry_t){0};
	assert_int_equal(cidr_parse("192.0.2.1/32", &e->net), RBL_OK);
	e->expires = 1000; /* long past */
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_entry_put(w, f->zone, e), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	put(f, "192.0.2.2/32", "", 0, 0, 0);
	assert_int_equal(answer(f, "192.0.2.1"), 0); /* the reader sees the expiry at once */
	uint64_t purged;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_expire(w, 2000, &purged), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	assert_int_equal(purged, 1);
	assert_int_equal(table_records(f, "index4"), 1);
	assert_int_equal(zone_entries(f), 1);
	assert_sound(f);
}

struct gather {
	entry_t list[64];
	size_t n;
};

static int gather(const entry_t *e, void *ctx)
{
	struct gather *g = ctx;
	assert_true(g->n < 64);
	g->list[g->n++] = *e;
	return 0;
}

/* Turns the store into format 4: every lone host back into entries with a plain interval (format 4's value: first
 * address, prefix length, flags, expiry, codes), no origins table, version 4. The store is closed after. */
static void make_format_4(struct store_zone_fixture *f)
{
	static struct gather g;
	g.n = 0;
	store_rtxn_t *r;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(store_entry_foreach(r, f->zone, gather, &g), RBL_OK);
	store_read_end(r);
	store_close(f->st);
	f->st = NULL;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi entries, index4, origins, meta;
	raw_begin(f->dir, &env, &txn);
	assert_int_equal(mdb_dbi_open(txn, "entries", 0, &entries), 0);
	assert_int_equal(mdb_dbi_open(txn, "index4", MDB_INTEGERKEY, &index4), 0);
	assert_int_equal(mdb_dbi_open(txn, "origins", 0, &origins), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	for (size_t i = 0; i < g.n; i++) {
		const entry_t *e = &g.list[i];
		if (e->net.addr.family != ADDR_V4 || e->net.len != 32 || e->evidence)
			continue;
		uint8_t key[ENTRY_KEY_MAX], val[ENTRY_ENCODED_MAX];
		MDB_val k = {entry_key(f->zone, &e->net, key), key}, v = {entry_encode(e, val), val};
		assert_int_equal(mdb_put(txn, entries, &k, &v, 0), 0);
		const uint8_t *b = e->net.addr.b;
		uint64_t ik = (uint64_t)f->zone << 32 | (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
		              b[3];
		uint8_t iv[8 + 3 * ENTRY_MAX_CODES] = {b[0], b[1], b[2], b[3], 32, 0, 0, e->ncodes};
		for (unsigned c = 0; c < e->ncodes; c++) {
			iv[8 + 3 * c] = (uint8_t)(e->codes[c] >> 16);
			iv[9 + 3 * c] = (uint8_t)(e->codes[c] >> 8);
			iv[10 + 3 * c] = (uint8_t)e->codes[c];
		}
		MDB_val k4 = {8, &ik}, v4 = {8 + 3 * (size_t)e->ncodes, iv};
		assert_int_equal(mdb_put(txn, index4, &k4, &v4, 0), 0);
	}
	assert_int_equal(mdb_drop(txn, origins, 1), 0);
	uint8_t four[8] = {0, 0, 0, 0, 0, 0, 0, 4};
	MDB_val vk = {7, "version"}, vv = {8, four};
	assert_int_equal(mdb_put(txn, meta, &vk, &vv, 0), 0);
	raw_end(env, txn);
}

static void test_format_4_store_is_upgraded_and_refused_by_a_reader_until_then(void **state)
{
	struct store_zone_fixture *f = *state;
	put(f, "10.0.0.0/24", "", 0, 0, CODE_A);
	put(f, "10.0.0.5/32", "", 0, 0, CODE_B);
	put(f, "10.0.0.6/32", "", 3, 0, CODE_B);
	put(f, "192.0.2.1/32", "", 0, 0, 0);
	make_format_4(f);
	assert_int_equal(store_open(f->dir, STORE_READONLY, &f->st), RBL_EVERSION);
	assert_int_equal(store_open(f->dir, 0, &f->st), RBL_OK); /* a writer upgrades */
	assert_int_equal(table_records(f, "entries"), 2);    /* the /24 and the host with evidence */
	assert_int_equal(answer(f, "10.0.0.4"), CODE_A);
	assert_int_equal(answer(f, "10.0.0.5"), CODE_B);
	assert_int_equal(answer(f, "10.0.0.6"), CODE_B);
	assert_int_equal(answer(f, "192.0.2.1"), 1);
	assert_int_equal(zone_entries(f), 4);
	assert_sound(f);
}

static void add_entries_twin(MDB_txn *txn, uint32_t zone)
{
	MDB_dbi entries;
	entry_t *e = &(entry_t){0};
	assert_int_equal(cidr_parse("192.0.2.1/32", &e->net), RBL_OK);
	uint8_t key[ENTRY_KEY_MAX], val[ENTRY_ENCODED_MAX];
	MDB_val k = {entry_key(zone, &e->net, key), key}, v = {entry_encode(e, val), val};
	assert_int_equal(mdb_dbi_open(txn, "entries", 0, &entries), 0);
	assert_int_equal(mdb_put(txn, entries, &k, &v, 0), 0);
}

static void drop_origins(MDB_txn *txn)
{
	MDB_dbi origins;
	assert_int_equal(mdb_dbi_open(txn, "origins", 0, &origins), 0);
	assert_int_equal(mdb_drop(txn, origins, 0), 0);
}

static void test_verify_reports_a_lone_host_in_entries_too_and_a_missing_origin(void **state)
{
	struct store_zone_fixture *f = *state;
	put(f, "192.0.2.1/32", "x", 0, 0, 0);
	store_close(f->st);
	MDB_env *env;
	MDB_txn *txn;
	raw_begin(f->dir, &env, &txn);
	add_entries_twin(txn, f->zone);
	raw_end(env, txn);
	assert_int_equal(store_open(f->dir, 0, &f->st), RBL_OK);
	char report[4000];
	assert_int_equal(verify(f, report), RBL_EDAMAGED);
	assert_non_null(strstr(report, "table index4: the listing 192.0.2.1/32 in zone 'rbl.example' is in table "
	                               "entries too"));
	store_close(f->st);
	raw_begin(f->dir, &env, &txn);
	drop_origins(txn);
	raw_end(env, txn);
	assert_int_equal(store_open(f->dir, 0, &f->st), RBL_OK);
	assert_int_equal(verify(f, report), RBL_EDAMAGED);
	assert_non_null(strstr(report, "table index4: the listing 192.0.2.1 in zone 'rbl.example' does not decode (or "
	                               "names an origin that is not there)"));
}

/* --- size --------------------------------------------------------------------------------------------------------- */

/* The reason for lone hosts: a list of plain /32s costs one record a host, not two. Bytes on disk per host after
 * importing 100,000 into an empty zone (the two-record layout of format 4 took ~83). */
static void test_plain_hosts_take_under_45_bytes_each_on_disk(void **state)
{
	struct store_zone_fixture *f = *state;
	store_wtxn_t *w;
	store_import_t *imp;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_import_begin(w, f->zone, false, "size", &imp), RBL_OK);
	for (uint32_t i = 0; i < 100000; i++) {
		uint32_t a = 0x0b000000u + i * 37u; /* spread over 11/8 */
		store_import_item_t item = {.net = {.addr = {.family = ADDR_V4, .b = {(uint8_t)(a >> 24),
		                                                                      (uint8_t)(a >> 16),
		                                                                      (uint8_t)(a >> 8), (uint8_t)a}},
		                                    .len = 32},
		                            .reason = "Listed $"};
		assert_int_equal(store_import_add(imp, &item), RBL_OK);
	}
	store_import_stats_t stats;
	assert_int_equal(store_import_finish(imp, &stats), RBL_OK);
	store_import_free(imp);
	assert_int_equal(store_write_commit(w), RBL_OK);
	assert_int_equal(stats.added, 100000);
	store_close(f->st);
	f->st = NULL;
	char path[96];
	struct stat sb;
	snprintf(path, sizeof path, "%s/data.mdb", f->dir);
	assert_int_equal(stat(path, &sb), 0);
	double per = (double)sb.st_size / 100000;
	fprintf(stderr, "%.1f bytes a host\n", per);
	assert_true(per < 45);
	assert_int_equal(store_open(f->dir, 0, &f->st), RBL_OK);
	assert_sound(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_plain_host_is_kept_in_its_interval_alone, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_host_with_evidence_an_exclusion_a_range_and_ipv6_stay_in_entries,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_unknown_entry_flags_are_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_host_moves_between_the_two_places_as_it_changes, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_range_splits_around_a_lone_host_and_is_whole_again_when_it_goes,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_txt_of_a_lone_host_is_its_origins_reason, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_walk_gives_both_places_merged_in_key_order, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_import_into_an_empty_zone_then_over_it_answers_as_the_model,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_expiry_purges_lone_hosts, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_format_4_store_is_upgraded_and_refused_by_a_reader_until_then,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_verify_reports_a_lone_host_in_entries_too_and_a_missing_origin,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_plain_hosts_take_under_45_bytes_each_on_disk, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
