/* SPDX-License-Identifier: BSD-2-Clause */
/* test_store.c — the LMDB store: zones, entries, the interval index (longest prefix, exclusions, nesting),
 * expiry, serials, the journal, format versions. Every lookup goes through the query path's reader. */
#include "base/err.h"
#include "store/store.h"
#include "store/store_reader.h"

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
#include <unistd.h>

struct fixture {
	char dir[64];
	store_t *st;
	uint32_t zone;
	store_reader_t reader;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	fixture_store_open(f->dir, "test_store", &f->st);
	zone_def_t def;
	zone_def_init(&def, "rbl.example", 1000);
	f->zone = fixture_zone_create(f->st, &def);
	assert_int_equal(store_reader_init(f->st, &f->reader), RBL_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_reader_free(&f->reader);
	fixture_store_remove(f->st, f->dir);
	free(f);
	return 0;
}

static cidr_t net_of(const char *text)
{
	cidr_t c;
	assert_int_equal(cidr_parse(text, &c), RBL_OK);
	return c;
}

static void put(struct fixture *f, const char *net, uint32_t code, bool exclude, int64_t expires)
{
	entry_t e;
	memset(&e, 0, sizeof e);
	e.net = net_of(net);
	if (exclude)
		e.flags = ENTRY_EXCLUDE;
	if (code) {
		e.ncodes = 1;
		e.codes[0] = code;
	}
	e.expires = expires;
	snprintf(e.reason, sizeof e.reason, "reason for %s", net);
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_entry_put(w, f->zone, &e), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
}

static int del(struct fixture *f, const char *net)
{
	cidr_t c = net_of(net);
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	int err = store_entry_del(w, f->zone, &c);
	if (err) {
		store_write_abort(w);
		return err;
	}
	assert_int_equal(store_write_commit(w), RBL_OK);
	return RBL_OK;
}

/* The code answering for addr (the entry's first code, or 2 for the zone default), 0 when not listed. */
static uint32_t lookup_at(struct fixture *f, const char *addr, int64_t now)
{
	addr_t a;
	assert_int_equal(addr_parse(addr, &a), RBL_OK);
	store_hit_t hit;
	assert_int_equal(store_reader_begin(&f->reader), RBL_OK);
	int listed = store_reader_lookup(&f->reader, f->zone, &a, now, &hit);
	store_reader_end(&f->reader);
	assert_true(listed >= 0);
	if (!listed)
		return 0;
	return hit.ncodes ? hit.codes[0] & 0xff : 2;
}

static uint32_t lookup(struct fixture *f, const char *addr)
{
	return lookup_at(f, addr, time(NULL));
}

static bool range_listed(struct fixture *f, const char *net)
{
	cidr_t c = net_of(net);
	assert_int_equal(store_reader_begin(&f->reader), RBL_OK);
	bool listed = store_reader_range_listed(&f->reader, f->zone, &c, time(NULL));
	store_reader_end(&f->reader);
	return listed;
}

static void test_single_address_is_listed_and_neighbours_are_not(void **state)
{
	struct fixture *f = *state;
	put(f, "192.0.2.7", 0x7f000005, false, 0);
	assert_int_equal(lookup(f, "192.0.2.7"), 5);
	assert_int_equal(lookup(f, "192.0.2.6"), 0);
	assert_int_equal(lookup(f, "192.0.2.8"), 0);
}

static void test_cidr_covers_first_and_last_address_only(void **state)
{
	struct fixture *f = *state;
	put(f, "10.1.0.0/16", 0, false, 0);
	assert_int_equal(lookup(f, "10.1.0.0"), 2);
	assert_int_equal(lookup(f, "10.1.255.255"), 2);
	assert_int_equal(lookup(f, "10.0.255.255"), 0);
	assert_int_equal(lookup(f, "10.2.0.0"), 0);
}

static void test_longest_prefix_wins_with_nested_codes(void **state)
{
	struct fixture *f = *state;
	put(f, "10.0.0.0/8", 0x7f000002, false, 0);
	put(f, "10.1.0.0/16", 0x7f000003, false, 0);
	put(f, "10.1.2.0/24", 0x7f000004, false, 0);
	put(f, "10.1.2.3", 0x7f000005, false, 0);
	assert_int_equal(lookup(f, "10.9.9.9"), 2);
	assert_int_equal(lookup(f, "10.1.9.9"), 3);
	assert_int_equal(lookup(f, "10.1.2.9"), 4);
	assert_int_equal(lookup(f, "10.1.2.3"), 5);
	assert_int_equal(lookup(f, "10.1.2.4"), 4);
}

static void test_nested_entries_added_outer_last_still_win(void **state)
{
	struct fixture *f = *state;
	put(f, "10.1.2.3", 0x7f000005, false, 0);
	put(f, "10.1.2.0/24", 0x7f000004, false, 0);
	put(f, "10.0.0.0/8", 0x7f000002, false, 0);
	assert_int_equal(lookup(f, "10.1.2.3"), 5);
	assert_int_equal(lookup(f, "10.1.2.4"), 4);
	assert_int_equal(lookup(f, "10.200.0.1"), 2);
}

static void test_exclusion_inside_cidr_is_not_listed(void **state)
{
	struct fixture *f = *state;
	put(f, "198.51.100.0/24", 0, false, 0);
	put(f, "198.51.100.128/28", 0, true, 0);
	assert_int_equal(lookup(f, "198.51.100.127"), 2);
	assert_int_equal(lookup(f, "198.51.100.128"), 0);
	assert_int_equal(lookup(f, "198.51.100.143"), 0);
	assert_int_equal(lookup(f, "198.51.100.144"), 2);
}

static void test_listing_inside_exclusion_is_listed_again(void **state)
{
	struct fixture *f = *state;
	put(f, "198.51.100.0/24", 0, false, 0);
	put(f, "198.51.100.0/25", 0, true, 0);
	put(f, "198.51.100.9", 0x7f000009, false, 0);
	assert_int_equal(lookup(f, "198.51.100.8"), 0);
	assert_int_equal(lookup(f, "198.51.100.9"), 9);
	assert_int_equal(lookup(f, "198.51.100.200"), 2);
}

static void test_deleting_outer_range_leaves_inner_entries_answering(void **state)
{
	struct fixture *f = *state;
	put(f, "10.0.0.0/8", 0x7f000002, false, 0);
	put(f, "10.1.2.0/24", 0x7f000004, false, 0);
	put(f, "10.3.0.0/16", 0, true, 0);
	assert_int_equal(del(f, "10.0.0.0/8"), RBL_OK);
	assert_int_equal(lookup(f, "10.1.2.200"), 4);
	assert_int_equal(lookup(f, "10.9.9.9"), 0);
	assert_int_equal(lookup(f, "10.3.0.1"), 0);
}

static void test_deleting_inner_entry_restores_outer_answer(void **state)
{
	struct fixture *f = *state;
	put(f, "10.0.0.0/8", 0x7f000002, false, 0);
	put(f, "10.1.2.3", 0x7f000005, false, 0);
	put(f, "10.1.2.4", 0, true, 0);
	assert_int_equal(del(f, "10.1.2.3"), RBL_OK);
	assert_int_equal(del(f, "10.1.2.4"), RBL_OK);
	assert_int_equal(lookup(f, "10.1.2.3"), 2);
	assert_int_equal(lookup(f, "10.1.2.4"), 2);
}

static void test_deleting_missing_entry_is_enoent(void **state)
{
	struct fixture *f = *state;
	put(f, "10.0.0.0/8", 0, false, 0);
	assert_int_equal(del(f, "10.0.0.0/9"), RBL_ENOENT);
	assert_int_equal(lookup(f, "10.0.0.1"), 2);
}

static void test_ipv6_prefixes_and_exclusions(void **state)
{
	struct fixture *f = *state;
	put(f, "2001:db8::/32", 0x7f000002, false, 0);
	put(f, "2001:db8:1::/48", 0, true, 0);
	put(f, "2001:db8:1::5/128", 0x7f000007, false, 0);
	assert_int_equal(lookup(f, "2001:db8:ffff::1"), 2);
	assert_int_equal(lookup(f, "2001:db8:1::4"), 0);
	assert_int_equal(lookup(f, "2001:db8:1::5"), 7);
	assert_int_equal(lookup(f, "2001:db9::"), 0);
	assert_int_equal(lookup(f, "10.0.0.1"), 0);
}

static void test_whole_space_prefixes_do_not_overflow(void **state)
{
	struct fixture *f = *state;
	put(f, "0.0.0.0/0", 0x7f000002, false, 0);
	put(f, "255.255.255.255", 0x7f000003, false, 0);
	put(f, "::/0", 0x7f000004, false, 0);
	assert_int_equal(lookup(f, "0.0.0.0"), 2);
	assert_int_equal(lookup(f, "255.255.255.255"), 3);
	assert_int_equal(lookup(f, "255.255.255.254"), 2);
	assert_int_equal(lookup(f, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 4);
	assert_int_equal(del(f, "0.0.0.0/0"), RBL_OK);
	assert_int_equal(lookup(f, "1.2.3.4"), 0);
	assert_int_equal(lookup(f, "255.255.255.255"), 3);
}

static void test_expired_entry_is_not_served_and_outer_answers(void **state)
{
	struct fixture *f = *state;
	int64_t now = time(NULL);
	put(f, "10.0.0.0/8", 0x7f000002, false, 0);
	put(f, "10.1.1.1", 0x7f000005, false, now + 100);
	put(f, "192.0.2.1", 0x7f000005, false, now + 100);
	assert_int_equal(lookup_at(f, "10.1.1.1", now), 5);
	assert_int_equal(lookup_at(f, "10.1.1.1", now + 100), 2);
	assert_int_equal(lookup_at(f, "192.0.2.1", now + 100), 0);
}

static void test_expired_exclusion_uncovers_listing(void **state)
{
	struct fixture *f = *state;
	int64_t now = time(NULL);
	put(f, "10.0.0.0/8", 0x7f000002, false, 0);
	put(f, "10.1.1.0/24", 0, true, now + 100);
	assert_int_equal(lookup_at(f, "10.1.1.1", now), 0);
	assert_int_equal(lookup_at(f, "10.1.1.1", now + 100), 2);
	assert_int_equal(lookup_at(f, "10.1.2.1", now + 100), 2);
	store_wtxn_t *w;
	uint64_t purged = 0;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_expire(w, now + 100, &purged), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	assert_int_equal(purged, 1);
	assert_int_equal(lookup_at(f, "10.1.1.1", now + 100), 2);
}

static void test_expire_purges_only_expired_entries(void **state)
{
	struct fixture *f = *state;
	int64_t now = time(NULL);
	put(f, "192.0.2.1", 0, false, now + 10);
	put(f, "192.0.2.2", 0, false, now + 1000);
	put(f, "192.0.2.3", 0, false, 0);
	store_wtxn_t *w;
	uint64_t purged = 0;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_expire(w, now + 10, &purged), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	assert_int_equal(purged, 1);
	assert_int_equal(lookup_at(f, "192.0.2.1", now), 0);
	assert_int_equal(lookup_at(f, "192.0.2.2", now), 2);
	assert_int_equal(lookup_at(f, "192.0.2.3", now), 2);
}

static void test_range_listed_sees_entries_below_a_partial_name(void **state)
{
	struct fixture *f = *state;
	put(f, "10.1.2.3", 0, false, 0);
	put(f, "10.9.0.0/16", 0, false, 0);
	put(f, "10.9.4.0/24", 0, true, 0);
	put(f, "10.9.6.0/23", 0, true, time(NULL) + 1000);
	assert_true(range_listed(f, "10.0.0.0/8"));
	assert_false(range_listed(f, "10.9.6.0/24"));
	assert_false(range_listed(f, "10.9.7.0/24"));
	assert_true(range_listed(f, "10.1.0.0/16"));
	assert_true(range_listed(f, "10.1.2.0/24"));
	assert_false(range_listed(f, "10.1.3.0/24"));
	assert_false(range_listed(f, "10.9.4.0/24"));
	assert_true(range_listed(f, "10.9.5.0/24"));
	assert_false(range_listed(f, "11.0.0.0/8"));
}

static uint32_t serial_of(struct fixture *f)
{
	store_rtxn_t *r;
	zone_def_t def;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(store_zone_get(r, "rbl.example", &def), RBL_OK);
	store_read_end(r);
	return def.serial;
}

static uint32_t serial_of_zone(struct fixture *f, const char *name)
{
	store_rtxn_t *r;
	zone_def_t def;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(store_zone_get(r, name, &def), RBL_OK);
	store_read_end(r);
	return def.serial;
}

/* One commit putting a /32 into each zone named (NULL-terminated). */
static void put_in(struct fixture *f, const char *const *zones)
{
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	for (; *zones; zones++) {
		zone_def_t def;
		assert_int_equal(store_zone_get_w(w, *zones, &def), RBL_OK);
		entry_t e = {.net = net_of("192.0.2.1/32")};
		assert_int_equal(store_entry_put(w, def.id, &e), RBL_OK);
	}
	assert_int_equal(store_write_commit(w), RBL_OK);
}

static void test_a_change_to_a_member_moves_its_aggregates_serial_once(void **state)
{
	struct fixture *f = *state;
	zone_def_t def;
	zone_def_init(&def, "b.example", 1000);
	uint32_t b = fixture_zone_create(f->st, &def);
	zone_def_init(&def, "other.example", 1000);
	fixture_zone_create(f->st, &def);
	zone_def_init(&def, "agg.example", 1000);
	def.member_count = 2;
	def.members[0] = f->zone;
	def.members[1] = b;
	fixture_zone_create(f->st, &def);
	uint32_t agg0 = serial_of_zone(f, "agg.example"), other0 = serial_of_zone(f, "other.example");
	put_in(f, (const char *const[]){"rbl.example", NULL});
	assert_int_equal(serial_of_zone(f, "agg.example"), agg0 + 1);
	put_in(f, (const char *const[]){"b.example", NULL});
	assert_int_equal(serial_of_zone(f, "agg.example"), agg0 + 2);
	put_in(f, (const char *const[]){"rbl.example", "b.example", NULL}); /* both members: once */
	assert_int_equal(serial_of_zone(f, "agg.example"), agg0 + 3);
	put_in(f, (const char *const[]){"other.example", NULL}); /* not a member */
	assert_int_equal(serial_of_zone(f, "agg.example"), agg0 + 3);
	assert_int_equal(serial_of_zone(f, "other.example"), other0 + 1);
}

static void test_each_commit_bumps_serial_once(void **state)
{
	struct fixture *f = *state;
	uint32_t s0 = serial_of(f);
	put(f, "192.0.2.1", 0, false, 0);
	assert_int_equal(serial_of(f), s0 + 1);
	entry_t e;
	memset(&e, 0, sizeof e);
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	for (int i = 0; i < 5; i++) {
		e.net = net_of(i % 2 ? "192.0.2.2" : "192.0.2.3");
		assert_int_equal(store_entry_put(w, f->zone, &e), RBL_OK);
	}
	assert_int_equal(store_write_commit(w), RBL_OK);
	assert_int_equal(serial_of(f), s0 + 2);
	assert_int_equal(del(f, "192.0.2.1"), RBL_OK);
	assert_int_equal(serial_of(f), s0 + 3);
}

static void test_journal_records_every_change(void **state)
{
	struct fixture *f = *state;
	put(f, "192.0.2.1", 0, false, 0);
	put(f, "192.0.2.0/24", 0, true, 0);
	assert_int_equal(del(f, "192.0.2.1"), RBL_OK);
	store_rtxn_t *r;
	uint64_t count = 0;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(store_journal_count(r, f->zone, &count), RBL_OK);
	store_read_end(r);
	assert_int_equal(count, 3);
}

static void test_aborted_transaction_changes_nothing(void **state)
{
	struct fixture *f = *state;
	uint32_t s0 = serial_of(f);
	entry_t e;
	memset(&e, 0, sizeof e);
	e.net = net_of("192.0.2.1");
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_entry_put(w, f->zone, &e), RBL_OK);
	store_write_abort(w);
	assert_int_equal(lookup(f, "192.0.2.1"), 0);
	assert_int_equal(serial_of(f), s0);
}

static void test_reader_sees_commit_at_next_batch(void **state)
{
	struct fixture *f = *state;
	addr_t a;
	assert_int_equal(addr_parse("192.0.2.1", &a), RBL_OK);
	store_hit_t hit;
	assert_int_equal(store_reader_begin(&f->reader), RBL_OK);
	assert_int_equal(store_reader_lookup(&f->reader, f->zone, &a, time(NULL), &hit), 0);
	put(f, "192.0.2.1", 0, false, 0); /* the open snapshot does not block the writer */
	assert_int_equal(store_reader_lookup(&f->reader, f->zone, &a, time(NULL), &hit), 0);
	store_reader_end(&f->reader);
	assert_int_equal(lookup(f, "192.0.2.1"), 2);
}

static void test_replacing_entry_keeps_created_time(void **state)
{
	struct fixture *f = *state;
	put(f, "192.0.2.1", 0x7f000002, false, 0);
	store_rtxn_t *r;
	entry_t first, second;
	cidr_t c = net_of("192.0.2.1");
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(store_entry_get(r, f->zone, &c, &first), RBL_OK);
	store_read_end(r);
	put(f, "192.0.2.1", 0x7f000003, false, 0);
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(store_entry_get(r, f->zone, &c, &second), RBL_OK);
	store_read_end(r);
	assert_int_equal(first.created, second.created);
	assert_int_equal(second.codes[0], 0x7f000003);
	assert_string_equal(second.reason, "reason for 192.0.2.1");
}

static void test_zone_delete_removes_its_entries(void **state)
{
	struct fixture *f = *state;
	put(f, "192.0.2.1", 0, false, 0);
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_zone_delete(w, "rbl.example"), RBL_OK);
	assert_int_equal(store_zone_delete(w, "rbl.example"), RBL_ENOENT);
	assert_int_equal(store_write_commit(w), RBL_OK);
	assert_int_equal(lookup(f, "192.0.2.1"), 0);
	store_rtxn_t *r;
	entry_t e;
	cidr_t c = net_of("192.0.2.1");
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(store_entry_get(r, f->zone, &c, &e), RBL_ENOENT);
	store_read_end(r);
}

static void test_duplicate_zone_is_eexist(void **state)
{
	struct fixture *f = *state;
	zone_def_t def;
	zone_def_init(&def, "rbl.example", 1);
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_zone_create(w, &def), RBL_EEXIST);
	store_write_abort(w);
}

static void test_newer_format_version_is_refused(void **state)
{
	struct fixture *f = *state;
	store_reader_free(&f->reader);
	store_close(f->st);
	f->st = NULL;
	/* Write a higher version straight through LMDB, as a future dnsbld would. */
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta;
	raw_begin(f->dir, &env, &txn);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	uint8_t v[8] = {0, 0, 0, 0, 0, 0, 0, STORE_FORMAT_VERSION + 1};
	MDB_val k = {7, "version"}, val = {8, v};
	assert_int_equal(mdb_put(txn, meta, &k, &val, 0), 0);
	raw_end(env, txn);
	assert_int_equal(store_open(f->dir, 0, &f->st), RBL_EVERSION);
	assert_null(f->st);
	assert_int_equal(store_open(f->dir, STORE_CREATE, &f->st), RBL_EVERSION);
	/* Reopen a fresh store so teardown has something to close. */
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s/*", f->dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(store_open(f->dir, STORE_CREATE, &f->st), RBL_OK);
	assert_int_equal(store_reader_init(f->st, &f->reader), RBL_OK);
}

/* Sets the stored format version straight through LMDB; below 4, with each zone's serial, count and last change
 * back in its definition, as those formats kept them. */
static void set_format_version(const char *dir, uint8_t version)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta;
	raw_begin(dir, &env, &txn);
	if (version < 4)
		older_format_fold_zone_state(txn);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	uint8_t v[8] = {0, 0, 0, 0, 0, 0, 0, version};
	MDB_val k = {7, "version"}, val = {8, v};
	assert_int_equal(mdb_put(txn, meta, &k, &val, 0), 0);
	raw_end(env, txn);
}

static void test_older_format_is_upgraded_by_a_writer_and_refused_by_a_reader(void **state)
{
	struct fixture *f = *state;
	put(f, "10.0.0.0/8", 0x7f000003, false, 0);
	put(f, "10.1.0.0/16", 0, true, 0);
	store_reader_free(&f->reader);
	store_close(f->st);
	set_format_version(f->dir, 1);
	assert_int_equal(store_open(f->dir, STORE_READONLY, &f->st), RBL_EVERSION);
	assert_int_equal(store_open(f->dir, 0, &f->st), RBL_OK);
	assert_int_equal(store_reader_init(f->st, &f->reader), RBL_OK);
	assert_int_equal(lookup(f, "10.9.9.9"), 3);
	assert_int_equal(lookup(f, "10.1.9.9"), 0);
	store_reader_free(&f->reader);
	store_close(f->st);
	assert_int_equal(store_open(f->dir, STORE_READONLY, &f->st), RBL_OK);
	assert_int_equal(store_reader_init(f->st, &f->reader), RBL_OK);
	assert_int_equal(lookup(f, "10.9.9.9"), 3);
}

/* The zone's definition as the store has it now. */
static zone_def_t zone_now(struct fixture *f)
{
	store_rtxn_t *r;
	zone_def_t def;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(store_zone_get(r, "rbl.example", &def), RBL_OK);
	store_read_end(r);
	return def;
}

static void test_zone_entry_count_follows_puts_updates_deletes_and_expiry(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(zone_now(f).entries, 0);
	put(f, "192.0.2.1", 0x7f000002, false, 0);
	put(f, "192.0.2.0/24", 0x7f000003, false, 0);
	put(f, "192.0.2.128/25", 0, true, 0);
	put(f, "2001:db8::/32", 0x7f000002, false, 0);
	assert_int_equal(zone_now(f).entries, 4);
	put(f, "192.0.2.1", 0x7f000004, false, 0); /* an update: no new entry */
	assert_int_equal(zone_now(f).entries, 4);
	assert_int_equal(del(f, "192.0.2.128/25"), RBL_OK);
	assert_int_equal(del(f, "192.0.2.128/25"), RBL_ENOENT); /* nothing deleted, nothing counted */
	assert_int_equal(zone_now(f).entries, 3);
	put(f, "198.51.100.7", 0x7f000002, false, 1000); /* expired long ago */
	assert_int_equal(zone_now(f).entries, 4);
	store_wtxn_t *w;
	uint64_t purged;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_expire(w, time(NULL), &purged), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	assert_int_equal(purged, 1);
	assert_int_equal(zone_now(f).entries, 3);
}

static void test_zone_last_change_is_the_time_of_the_commit_that_moved_its_serial(void **state)
{
	struct fixture *f = *state;
	zone_def_t before = zone_now(f);
	assert_true(before.changed == 1000); /* zone_def_init's time: created, never changed since */
	int64_t t0 = time(NULL);
	put(f, "192.0.2.1", 0x7f000002, false, 0);
	zone_def_t after = zone_now(f);
	assert_true(after.changed >= t0 && after.changed <= time(NULL));
	assert_int_not_equal(after.serial, before.serial);
	/* A zone update keeps the store's count and time, whatever the caller's definition says. */
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	after.entries = 999;
	after.changed = 5;
	after.ttl = 60;
	assert_int_equal(store_zone_update(w, &after), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	zone_def_t updated = zone_now(f);
	assert_int_equal(updated.ttl, 60);
	assert_int_equal(updated.entries, 1);
	assert_true(updated.changed >= t0);
}

static void import_nets(struct fixture *f, bool replace, const char *const *nets, size_t count,
                        store_import_stats_t *stats)
{
	store_wtxn_t *w;
	store_import_t *imp;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_import_begin(w, f->zone, replace, "test", &imp), RBL_OK);
	for (size_t i = 0; i < count; i++) {
		store_import_item_t item = {.net = net_of(nets[i])};
		assert_int_equal(store_import_add(imp, &item), RBL_OK);
	}
	assert_int_equal(store_import_finish(imp, stats), RBL_OK);
	store_import_free(imp);
	assert_int_equal(store_write_commit(w), RBL_OK);
}

static void test_import_moves_the_zone_entry_count_by_added_less_removed(void **state)
{
	struct fixture *f = *state;
	put(f, "203.0.113.9", 0x7f000002, false, 0);
	static const char *const first[] = {"192.0.2.1", "192.0.2.2", "192.0.2.0/24", "2001:db8::1"};
	store_import_stats_t stats;
	import_nets(f, false, first, 4, &stats);
	assert_int_equal(stats.added, 4);
	assert_int_equal(zone_now(f).entries, 5);
	static const char *const second[] = {"192.0.2.1", "192.0.2.3"}; /* replace: 1 kept, 1 added, 4 removed */
	import_nets(f, true, second, 2, &stats);
	assert_int_equal(stats.added, 1);
	assert_int_equal(stats.removed, 4);
	assert_int_equal(zone_now(f).entries, 2);
}

/* Writes def as the stored definition straight through LMDB (what an older rbltool left). */
static void write_zone_raw(const char *dir, const zone_def_t *def)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi zones;
	raw_begin(dir, &env, &txn);
	assert_int_equal(mdb_dbi_open(txn, "zones", 0, &zones), 0);
	static uint8_t buf[ZONE_ENCODED_MAX];
	MDB_val k = {strlen(def->name), (void *)def->name}, v = {zone_encode(def, buf), buf};
	assert_int_equal(mdb_put(txn, zones, &k, &v, 0), 0);
	raw_end(env, txn);
}

static void test_format_2_store_gets_every_zone_counted_and_dated_by_the_upgrade(void **state)
{
	struct fixture *f = *state;
	put(f, "192.0.2.1", 0x7f000002, false, 0);
	put(f, "192.0.2.0/24", 0x7f000003, false, 0);
	put(f, "2001:db8::/48", 0x7f000002, false, 0);
	zone_def_t def = zone_now(f);
	int64_t last = def.changed;
	/* What format 2 had: no count (reads as 0) and the creation as the last change. */
	def.entries = 0;
	def.changed = def.created;
	store_reader_free(&f->reader);
	store_close(f->st);
	set_format_version(f->dir, 2);
	write_zone_raw(f->dir, &def);
	assert_int_equal(store_open(f->dir, STORE_READONLY, &f->st), RBL_EVERSION);
	assert_int_equal(store_open(f->dir, 0, &f->st), RBL_OK);
	assert_int_equal(store_reader_init(f->st, &f->reader), RBL_OK);
	zone_def_t up = zone_now(f);
	assert_int_equal(up.serial, def.serial); /* moved from the definition into its state record */
	assert_int_equal(up.entries, 3);
	assert_true(up.changed == last); /* the newest journal record's time */
	assert_int_equal(lookup(f, "192.0.2.1"), 2);
}

static void test_missing_store_is_enoent_without_create(void **state)
{
	(void)state;
	store_t *st = NULL;
	assert_int_equal(store_open("/tmp/test_store_does_not_exist_dir", 0, &st), RBL_ENOENT);
	assert_null(st);
}

/* Property: after any sequence of puts and deletes of nested prefixes inside a small space, the interval lookup
 * answers exactly what the deepest unexpired covering entry says. */
static void test_random_changes_match_deepest_covering_entry(void **state)
{
	struct fixture *f = *state;
	srand(20261127);
	char net[64];
	for (int round = 0; round < 400; round++) {
		unsigned len = 22 + (unsigned)(rand() % 11); /* /22 .. /32 inside 10.0.0.0/22 */
		uint32_t host = (uint32_t)rand() & 0x3ff;
		if (len < 32)
			host &= ~((1u << (32 - len)) - 1);
		snprintf(net, sizeof net, "10.0.%u.%u/%u", host >> 8, host & 255, len);
		int op = rand() % 4;
		if (op == 3)
			del(f, net); /* ENOENT is fine: deleting what is not there changes nothing */
		else
			put(f, net, 0x7f000000 | (uint32_t)(1 + rand() % 200), op == 2, 0);
	}
	store_rtxn_t *r;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(store_reader_begin(&f->reader), RBL_OK);
	for (uint32_t host = 0; host < 1024 + 16; host++) {
		addr_t a = {.family = ADDR_V4, .b = {10, 0, (uint8_t)(host >> 8), (uint8_t)host}};
		entry_t e;
		store_hit_t hit;
		int err = store_entry_covering(r, f->zone, &a, 0, &e);
		bool want = err == RBL_OK && !(e.flags & ENTRY_EXCLUDE);
		int got = store_reader_lookup(&f->reader, f->zone, &a, time(NULL), &hit);
		assert_int_equal(got, want ? 1 : 0);
		if (want) {
			assert_int_equal(hit.codes[0], e.codes[0]);
			assert_int_equal(hit.entry_len, e.net.len);
		}
	}
	store_reader_end(&f->reader);
	store_read_end(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_single_address_is_listed_and_neighbours_are_not, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cidr_covers_first_and_last_address_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_longest_prefix_wins_with_nested_codes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested_entries_added_outer_last_still_win, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exclusion_inside_cidr_is_not_listed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listing_inside_exclusion_is_listed_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleting_outer_range_leaves_inner_entries_answering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleting_inner_entry_restores_outer_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleting_missing_entry_is_enoent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_prefixes_and_exclusions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whole_space_prefixes_do_not_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired_entry_is_not_served_and_outer_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired_exclusion_uncovers_listing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expire_purges_only_expired_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_range_listed_sees_entries_below_a_partial_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each_commit_bumps_serial_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_records_every_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aborted_transaction_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader_sees_commit_at_next_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replacing_entry_keeps_created_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zone_delete_removes_its_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_zone_is_eexist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_format_version_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zone_entry_count_follows_puts_updates_deletes_and_expiry, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_zone_last_change_is_the_time_of_the_commit_that_moved_its_serial,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_moves_the_zone_entry_count_by_added_less_removed, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_format_2_store_gets_every_zone_counted_and_dated_by_the_upgrade,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_older_format_is_upgraded_by_a_writer_and_refused_by_a_reader, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_missing_store_is_enoent_without_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_changes_match_deepest_covering_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_change_to_a_member_moves_its_aggregates_serial_once, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
