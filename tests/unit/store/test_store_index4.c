/* SPDX-License-Identifier: BSD-2-Clause */
/* test_store_index4.c — the IPv4 intervals' table of integer keys (zone id << 32 | address): zones that are neighbours
 * in it, the ends of the address space, /0, exclusions and expiry across zone boundaries; zone deletion; the upgrade
 * of a format-3 store, whose IPv4 intervals sat in index under byte keys. Lookups go through the query path's
 * reader. */
#include "base/err.h"
#include "store/store.h"
#include "store/store_reader.h"
#include "store/store_verify.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store_fixture.h"
#include "older_format.h"
#include "raw_lmdb.h"

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ZONE_HIGH (UINT32_MAX - 1) /* the ids of the two zones made after next_zone_id is moved to the top */
#define ZONE_TOP UINT32_MAX

struct fixture {
	char dir[64];
	store_t *st;
	uint32_t low; /* id 1: the first zone */
	store_reader_t reader;
	bool reading;
};

/* --- raw LMDB: what another version of the store left ------------------------------------------------------------- */


static void raw_put_meta(MDB_txn *txn, const char *key, uint64_t value)
{
	MDB_dbi meta;
	uint8_t v[8];
	for (int i = 0; i < 8; i++)
		v[i] = (uint8_t)(value >> (56 - 8 * i));
	MDB_val k = {strlen(key), (void *)key}, val = {8, v};
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	assert_int_equal(mdb_put(txn, meta, &k, &val, 0), 0);
}

/* Turns the store in dir into what format 3 wrote: every IPv4 interval back in index under zone id (BE) · 4 · last
 * address (BE), no index4, each zone's serial and count in its definition (no zone_state), version 3. Returns how
 * many intervals moved. */
static size_t make_format_3(const char *dir)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi index, index4;
	MDB_cursor *cur;
	MDB_val k, v;
	size_t moved = 0;
	raw_begin(dir, &env, &txn);
	assert_int_equal(mdb_dbi_open(txn, "index", 0, &index), 0);
	assert_int_equal(mdb_dbi_open(txn, "index4", 0, &index4), 0);
	assert_int_equal(mdb_cursor_open(txn, index4, &cur), 0);
	for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		uint64_t key;
		assert_int_equal(k.mv_size, 8);
		memcpy(&key, k.mv_data, 8);
		uint8_t old[9] = {
		        (uint8_t)(key >> 56), (uint8_t)(key >> 48), (uint8_t)(key >> 40), (uint8_t)(key >> 32), 4,
		        (uint8_t)(key >> 24), (uint8_t)(key >> 16), (uint8_t)(key >> 8),  (uint8_t)key};
		MDB_val ok = {sizeof old, old};
		assert_int_equal(mdb_put(txn, index, &ok, &v, MDB_NOOVERWRITE), 0);
		moved++;
	}
	mdb_cursor_close(cur);
	assert_int_equal(mdb_drop(txn, index4, 1), 0);
	older_format_fold_zone_state(txn);
	raw_put_meta(txn, "version", 3);
	raw_end(env, txn);
	return moved;
}

/* Entries in the table named, counted through LMDB. */
static size_t raw_count(const char *dir, const char *table)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_stat ms;
	raw_begin(dir, &env, &txn);
	int rc = mdb_dbi_open(txn, table, 0, &dbi);
	assert_true(rc == 0 || rc == MDB_NOTFOUND);
	size_t count = 0;
	if (rc == 0) {
		assert_int_equal(mdb_stat(txn, dbi, &ms), 0);
		count = ms.ms_entries;
	}
	raw_end(env, txn);
	return count;
}

/* --- the store through its API ------------------------------------------------------------------------------------ */

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	fixture_store_open(f->dir, "test_store_index4", &f->st);
	zone_def_t def;
	zone_def_init(&def, "low.example", 1000);
	f->low = fixture_zone_create(f->st, &def);
	assert_int_equal(f->low, 1);
	*state = f;
	return 0;
}

static void close_store(struct fixture *f)
{
	if (f->reading)
		store_reader_free(&f->reader);
	f->reading = false;
	store_close(f->st);
	f->st = NULL;
}

static void open_store(struct fixture *f, unsigned flags)
{
	assert_int_equal(store_open(f->dir, flags, &f->st), RBL_OK);
	assert_int_equal(store_reader_init(f->st, &f->reader), RBL_OK);
	f->reading = true;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (f->reading)
		store_reader_free(&f->reader);
	if (!f->st)
		assert_int_equal(store_open(f->dir, 0, &f->st), RBL_OK);
	fixture_store_remove(f->st, f->dir);
	free(f);
	return 0;
}

/* Makes the zones high.example (id UINT32_MAX - 1) and top.example (id UINT32_MAX): next_zone_id moved there. */
static void make_high_zones(struct fixture *f)
{
	close_store(f);
	MDB_env *env;
	MDB_txn *txn;
	raw_begin(f->dir, &env, &txn);
	raw_put_meta(txn, "next_zone_id", ZONE_HIGH);
	raw_end(env, txn);
	assert_int_equal(store_open(f->dir, 0, &f->st), RBL_OK);
	zone_def_t def;
	zone_def_init(&def, "high.example", 1000);
	assert_int_equal(fixture_zone_create(f->st, &def), ZONE_HIGH);
	zone_def_init(&def, "top.example", 1000);
	assert_int_equal(fixture_zone_create(f->st, &def), ZONE_TOP);
	assert_int_equal(store_reader_init(f->st, &f->reader), RBL_OK);
	f->reading = true;
}

static void put(struct fixture *f, uint32_t zone, const char *net, uint32_t code, bool exclude, int64_t expires)
{
	entry_t e;
	memset(&e, 0, sizeof e);
	assert_int_equal(cidr_parse(net, &e.net), RBL_OK);
	e.flags = exclude ? ENTRY_EXCLUDE : 0;
	e.ncodes = code ? 1 : 0;
	e.codes[0] = code;
	e.expires = expires;
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_entry_put(w, zone, &e), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
}

/* The last octet of the code answering for addr in zone (2 for the zone's default), 0 when not listed. */
static uint32_t lookup(struct fixture *f, uint32_t zone, const char *addr)
{
	addr_t a;
	assert_int_equal(addr_parse(addr, &a), RBL_OK);
	store_hit_t hit;
	assert_int_equal(store_reader_begin(&f->reader), RBL_OK);
	int listed = store_reader_lookup(&f->reader, zone, &a, time(NULL), &hit);
	store_reader_end(&f->reader);
	assert_true(listed >= 0);
	return listed ? (hit.ncodes ? hit.codes[0] & 0xff : 2) : 0;
}

static bool range_listed(struct fixture *f, uint32_t zone, const char *net)
{
	cidr_t c;
	assert_int_equal(cidr_parse(net, &c), RBL_OK);
	assert_int_equal(store_reader_begin(&f->reader), RBL_OK);
	bool listed = store_reader_range_listed(&f->reader, zone, &c, time(NULL));
	store_reader_end(&f->reader);
	return listed;
}

static void note_problem(void *ctx, const char *what)
{
	fprintf(stderr, "verify: %s\n", what);
	(*(unsigned *)ctx)++;
}

static unsigned verify_problems(struct fixture *f)
{
	unsigned problems = 0;
	store_verify_sink_t sink = {note_problem, NULL, &problems};
	store_verify_stats_t stats;
	int err = store_verify(f->st, &sink, &stats);
	assert_int_equal(err, problems ? RBL_EDAMAGED : RBL_OK);
	return problems;
}

/* --- zones side by side in the integer keys ----------------------------------------------------------------------- */

static void test_neighbouring_zones_never_answer_with_each_others_intervals(void **state)
{
	struct fixture *f = *state;
	make_high_zones(f);
	/* Zone 1's last key and zone UINT32_MAX - 1's first are neighbours in index4: nothing lies between them. */
	put(f, f->low, "255.255.255.255", 0x7f000003, false, 0);
	put(f, ZONE_HIGH, "0.0.0.0", 0x7f000004, false, 0);
	put(f, ZONE_TOP, "0.0.0.0", 0x7f000005, false, 0);
	assert_int_equal(lookup(f, f->low, "255.255.255.255"), 3);
	assert_int_equal(lookup(f, f->low, "0.0.0.0"), 0);
	assert_int_equal(lookup(f, f->low, "255.255.255.254"), 0);
	assert_int_equal(lookup(f, ZONE_HIGH, "0.0.0.0"), 4);
	assert_int_equal(lookup(f, ZONE_HIGH, "0.0.0.1"), 0);
	assert_int_equal(lookup(f, ZONE_HIGH, "255.255.255.255"), 0); /* the seek lands in top.example */
	assert_int_equal(lookup(f, ZONE_TOP, "0.0.0.0"), 5);
	assert_int_equal(lookup(f, ZONE_TOP, "255.255.255.255"), 0); /* past the last key of all */
	assert_false(range_listed(f, ZONE_HIGH, "128.0.0.0/1"));
	assert_true(range_listed(f, ZONE_HIGH, "0.0.0.0/1"));
	assert_false(range_listed(f, f->low, "0.0.0.0/1"));
	assert_true(range_listed(f, f->low, "255.0.0.0/8"));
	/* Zone ids without IPv4 intervals see nothing, wherever their seek lands. */
	assert_int_equal(lookup(f, 2, "0.0.0.0"), 0);
	assert_int_equal(lookup(f, ZONE_HIGH - 1, "255.255.255.255"), 0);
	assert_int_equal(verify_problems(f), 0);
}

static void test_whole_space_listings_stay_inside_their_zone(void **state)
{
	struct fixture *f = *state;
	make_high_zones(f);
	put(f, f->low, "0.0.0.0/0", 0x7f000003, false, 0);
	put(f, f->low, "10.0.0.0/8", 0, true, 0);
	put(f, f->low, "10.1.0.0/16", 0x7f000006, false, 0);
	put(f, ZONE_HIGH, "0.0.0.0/0", 0, true, 0);
	put(f, ZONE_HIGH, "192.0.2.0/24", 0x7f000004, false, 0);
	put(f, ZONE_TOP, "0.0.0.0/0", 0x7f000005, false, 0);
	assert_int_equal(lookup(f, f->low, "0.0.0.0"), 3);
	assert_int_equal(lookup(f, f->low, "255.255.255.255"), 3);
	assert_int_equal(lookup(f, f->low, "10.9.9.9"), 0);
	assert_int_equal(lookup(f, f->low, "10.1.9.9"), 6);
	assert_int_equal(lookup(f, f->low, "11.0.0.0"), 3);
	assert_int_equal(lookup(f, ZONE_HIGH, "0.0.0.0"), 0);
	assert_int_equal(lookup(f, ZONE_HIGH, "192.0.2.255"), 4);
	assert_int_equal(lookup(f, ZONE_HIGH, "255.255.255.255"), 0);
	assert_int_equal(lookup(f, ZONE_TOP, "0.0.0.0"), 5);
	assert_int_equal(lookup(f, ZONE_TOP, "255.255.255.255"), 5);
	assert_false(range_listed(f, ZONE_HIGH, "198.51.100.0/24"));
	assert_true(range_listed(f, ZONE_HIGH, "192.0.0.0/8"));
	assert_false(range_listed(f, f->low, "10.2.0.0/16"));
	/* IPv6 keeps its own table: an IPv4 /0 says nothing about it. */
	assert_int_equal(lookup(f, f->low, "2001:db8::1"), 0);
	put(f, f->low, "::/0", 0x7f000007, false, 0);
	assert_int_equal(lookup(f, f->low, "2001:db8::1"), 7);
	assert_int_equal(lookup(f, ZONE_HIGH, "2001:db8::1"), 0);
	assert_int_equal(verify_problems(f), 0);
}

static void test_expiry_at_the_ends_of_the_space_falls_back_inside_the_zone(void **state)
{
	struct fixture *f = *state;
	make_high_zones(f);
	int64_t past = 1000, future = time(NULL) + 86400;
	put(f, f->low, "0.0.0.0/0", 0x7f000003, false, 0);
	put(f, f->low, "255.255.255.255", 0x7f000009, false, past); /* expired: the /0 answers */
	put(f, f->low, "0.0.0.0", 0, true, past);                   /* an expired exclusion: the /0 answers */
	put(f, ZONE_HIGH, "0.0.0.0", 0x7f000004, false, past);      /* expired, nothing of its zone behind it */
	put(f, ZONE_HIGH, "255.255.255.255", 0, true, future);      /* an exclusion that will expire: a hole now */
	put(f, ZONE_HIGH, "255.255.255.0/24", 0x7f000008, false, 0);
	assert_int_equal(lookup(f, f->low, "255.255.255.255"), 3);
	assert_int_equal(lookup(f, f->low, "0.0.0.0"), 3);
	assert_int_equal(lookup(f, ZONE_HIGH, "0.0.0.0"), 0);
	assert_int_equal(lookup(f, ZONE_HIGH, "255.255.255.255"), 0);
	assert_int_equal(lookup(f, ZONE_HIGH, "255.255.255.254"), 8);
	assert_false(range_listed(f, ZONE_HIGH, "0.0.0.0/8"));
	assert_int_equal(verify_problems(f), 0);
}

/* --- zone deletion ------------------------------------------------------------------------------------------------ */

static void test_zone_delete_removes_its_intervals_from_both_tables(void **state)
{
	struct fixture *f = *state;
	make_high_zones(f);
	put(f, f->low, "0.0.0.0/0", 0x7f000003, false, 0);
	put(f, f->low, "10.0.0.0/8", 0, true, 0);
	put(f, f->low, "2001:db8::/32", 0x7f000003, false, 0);
	put(f, ZONE_HIGH, "0.0.0.0", 0x7f000004, false, 0);
	put(f, ZONE_HIGH, "2001:db8::1", 0x7f000004, false, 0);
	put(f, ZONE_TOP, "255.255.255.255", 0x7f000005, false, 0);
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_zone_delete(w, "high.example"), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	assert_int_equal(lookup(f, ZONE_HIGH, "0.0.0.0"), 0);
	assert_int_equal(lookup(f, ZONE_HIGH, "2001:db8::1"), 0);
	assert_int_equal(lookup(f, f->low, "255.255.255.255"), 3);
	assert_int_equal(lookup(f, ZONE_TOP, "255.255.255.255"), 5);
	assert_int_equal(verify_problems(f), 0); /* an interval of a zone that is gone would be a problem */
	close_store(f);
	assert_int_equal(raw_count(f->dir, "index4"), 2 + 1); /* low: two either side of its hole; top: one */
	assert_int_equal(raw_count(f->dir, "index"), 1);
	open_store(f, 0);
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_zone_delete(w, "low.example"), RBL_OK);
	assert_int_equal(store_zone_delete(w, "top.example"), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	close_store(f);
	assert_int_equal(raw_count(f->dir, "index4"), 0);
	assert_int_equal(raw_count(f->dir, "index"), 0);
	open_store(f, 0);
	assert_int_equal(verify_problems(f), 0); /* no state record left behind by a deleted zone */
}

/* --- IPv6: its own table, in LMDB's own key order ----------------------------------------------------------------- */

/* Random IPv6 prefixes of both zones, their bytes drawn from the extremes as often as from the middle. */
static void put_random_ipv6(struct fixture *f, unsigned count)
{
	static const uint8_t edges[] = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff};
	srand(20261205);
	for (unsigned i = 0; i < count; i++) {
		entry_t e;
		memset(&e, 0, sizeof e);
		e.net.addr.family = ADDR_V6;
		for (unsigned b = 0; b < 16; b++)
			e.net.addr.b[b] = rand() % 2 ? edges[rand() % sizeof edges] : (uint8_t)rand();
		e.net.len = (uint8_t)(rand() % 3 ? 128 : 32 + rand() % 97);
		addr_mask(&e.net.addr, e.net.len);
		e.flags = rand() % 5 ? 0 : ENTRY_EXCLUDE;
		store_wtxn_t *w;
		assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
		assert_int_equal(store_entry_put(w, i % 2 ? f->low : ZONE_HIGH, &e), RBL_OK);
		assert_int_equal(store_write_commit(w), RBL_OK);
	}
}

static void test_ipv6_intervals_are_kept_in_lmdbs_own_key_order(void **state)
{
	struct fixture *f = *state;
	make_high_zones(f);
	put_random_ipv6(f, 400);
	assert_int_equal(verify_problems(f), 0);
	close_store(f);
	/* Walked without the store's comparison, as mdb_dump would: every key above the one before, byte by byte. */
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi index;
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t prev[21] = {0};
	size_t walked = 0;
	raw_begin(f->dir, &env, &txn);
	assert_int_equal(mdb_dbi_open(txn, "index", 0, &index), 0);
	assert_int_equal(mdb_cursor_open(txn, index, &cur), 0);
	for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		assert_int_equal(k.mv_size, sizeof prev);
		assert_true(walked == 0 || memcmp(prev, k.mv_data, sizeof prev) < 0);
		memcpy(prev, k.mv_data, sizeof prev);
		walked++;
	}
	mdb_cursor_close(cur);
	raw_end(env, txn);
	assert_true(walked > 250);
	open_store(f, STORE_READONLY);
	assert_int_equal(verify_problems(f), 0); /* and the store's comparison finds LMDB's order sound */
}

/* --- format 3 -> 4 ------------------------------------------------------------------------------------------------ */

static const char *const probes[] = {
        "0.0.0.0",   "9.255.255.255", "10.0.0.0",        "10.1.2.3",    "10.2.0.1",      "192.0.2.7",
        "192.0.2.8", "203.0.113.1",   "255.255.255.255", "2001:db8::1", "2001:db8:1::1", "2001:db8:2::",
};

/* The answers of both zones at every probe, as one string. */
static void answers(struct fixture *f, char *out, size_t cap)
{
	size_t used = 0;
	static const uint32_t zones[] = {1, ZONE_HIGH};
	for (size_t z = 0; z < 2; z++)
		for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
			used += (size_t)snprintf(out + used, cap - used, "%u ", lookup(f, zones[z], probes[i]));
	assert_true(used < cap);
}

static void fill_for_upgrade(struct fixture *f, bool with_ipv6)
{
	make_high_zones(f);
	put(f, f->low, "10.0.0.0/8", 0x7f000003, false, 0);
	put(f, f->low, "10.1.0.0/16", 0, true, 0);
	put(f, f->low, "10.1.2.0/24", 0x7f000004, false, 0);
	put(f, f->low, "10.2.0.0/16", 0, true, 4000000000);
	put(f, f->low, "192.0.2.7", 0x7f000005, false, 1000); /* expired, not purged */
	put(f, f->low, "255.255.255.255", 0x7f000006, false, 0);
	put(f, ZONE_HIGH, "0.0.0.0/0", 0x7f000007, false, 0);
	put(f, ZONE_HIGH, "203.0.113.0/24", 0, true, 0);
	if (with_ipv6) {
		put(f, f->low, "2001:db8::/32", 0x7f000008, false, 0);
		put(f, f->low, "2001:db8:1::/48", 0, true, 0);
		put(f, ZONE_HIGH, "2001:db8:2::/48", 0x7f000009, false, 0);
	}
}

static void upgrade_keeps_every_answer(struct fixture *f, bool with_ipv6)
{
	fill_for_upgrade(f, with_ipv6);
	char before[512], after[512];
	answers(f, before, sizeof before);
	close_store(f);
	size_t moved = make_format_3(f->dir);
	assert_true(moved >= 8);
	assert_int_equal(store_open(f->dir, STORE_READONLY, &f->st), RBL_EVERSION); /* dnsbld: run rbltool once */
	assert_null(f->st);
	open_store(f, 0); /* rbltool, a command that only reads: it upgrades all the same */
	answers(f, after, sizeof after);
	assert_string_equal(after, before);
	assert_int_equal(verify_problems(f), 0);
	close_store(f);
	assert_int_equal(raw_count(f->dir, "index4"), moved);
	assert_int_equal(raw_count(f->dir, "index"), with_ipv6 ? 3 : 0);
	open_store(f, STORE_READONLY);
	answers(f, after, sizeof after);
	assert_string_equal(after, before);
}

static void test_format_3_store_answers_the_same_after_the_upgrade(void **state)
{
	upgrade_keeps_every_answer(*state, true);
}

static void test_format_3_store_without_ipv6_answers_the_same_after_the_upgrade(void **state)
{
	upgrade_keeps_every_answer(*state, false);
}

static void test_upgraded_store_takes_changes_in_both_tables(void **state)
{
	struct fixture *f = *state;
	fill_for_upgrade(f, true);
	close_store(f);
	make_format_3(f->dir);
	open_store(f, 0);
	put(f, f->low, "10.1.2.128/25", 0, true, 0);
	put(f, ZONE_HIGH, "2001:db8:2::/64", 0, true, 0);
	assert_int_equal(lookup(f, f->low, "10.1.2.129"), 0);
	assert_int_equal(lookup(f, f->low, "10.1.2.1"), 4);
	assert_int_equal(lookup(f, ZONE_HIGH, "2001:db8:2::1"), 0);
	assert_int_equal(lookup(f, ZONE_HIGH, "2001:db8:2:1::1"), 9);
	assert_int_equal(verify_problems(f), 0);
}

static void test_format_4_store_without_index4_is_damaged(void **state)
{
	struct fixture *f = *state;
	put(f, f->low, "192.0.2.1", 0, false, 0);
	close_store(f);
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi index4;
	raw_begin(f->dir, &env, &txn);
	assert_int_equal(mdb_dbi_open(txn, "index4", 0, &index4), 0);
	assert_int_equal(mdb_drop(txn, index4, 1), 0);
	raw_end(env, txn);
	assert_int_equal(store_open(f->dir, STORE_READONLY, &f->st), RBL_EDAMAGED);
	assert_int_equal(store_open(f->dir, 0, &f->st), RBL_EDAMAGED);
	assert_int_equal(store_open(f->dir, STORE_CREATE, &f->st), RBL_EDAMAGED); /* never made again, empty */
	assert_null(f->st);
	raw_begin(f->dir, &env, &txn); /* for teardown: a store that opens */
	assert_int_equal(mdb_dbi_open(txn, "index4", MDB_CREATE | MDB_INTEGERKEY, &index4), 0);
	raw_end(env, txn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_neighbouring_zones_never_answer_with_each_others_intervals, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_whole_space_listings_stay_inside_their_zone, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_expiry_at_the_ends_of_the_space_falls_back_inside_the_zone, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_zone_delete_removes_its_intervals_from_both_tables, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_ipv6_intervals_are_kept_in_lmdbs_own_key_order, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_format_3_store_answers_the_same_after_the_upgrade, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_format_3_store_without_ipv6_answers_the_same_after_the_upgrade,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_upgraded_store_takes_changes_in_both_tables, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_format_4_store_without_index4_is_damaged, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
