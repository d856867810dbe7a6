/* SPDX-License-Identifier: BSD-2-Clause */
/* test_store_import.c — bulk import: merge with the stored entries, --replace, duplicate networks, counts, and the
 * index after one big sweep or many small rebuilds answering exactly like entry-by-entry writes. */
#include "base/err.h"
#include "store/store.h"
#include "store/store_reader.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int setup(void **state)
{
	return store_zone_fixture_setup(state, "test_import");
}

static int teardown(void **state)
{
	return store_zone_fixture_teardown(state);
}

static store_import_item_t item(const char *net, uint32_t code, uint8_t flags, const char *reason)
{
	store_import_item_t it;
	memset(&it, 0, sizeof it);
	assert_int_equal(cidr_parse(net, &it.net), RBL_OK);
	it.flags = flags;
	if (code) {
		it.ncodes = 1;
		it.codes[0] = code;
	}
	it.reason = reason;
	return it;
}

static store_import_stats_t import(struct store_zone_fixture *f, const store_import_item_t *items, size_t n, bool replace)
{
	store_wtxn_t *w;
	store_import_t *imp;
	store_import_stats_t stats;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_import_begin(w, f->zone, replace, "test", &imp), RBL_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(store_import_add(imp, &items[i]), RBL_OK);
	assert_int_equal(store_import_finish(imp, &stats), RBL_OK);
	store_import_free(imp);
	assert_int_equal(store_write_commit(w), RBL_OK);
	return stats;
}

/* The first code answering for addr, 0 when not listed. */
static uint32_t lookup(struct store_zone_fixture *f, const char *text)
{
	addr_t a;
	assert_int_equal(addr_parse(text, &a), RBL_OK);
	store_reader_t r;
	store_hit_t hit;
	assert_int_equal(store_reader_init(f->st, &r), RBL_OK);
	assert_int_equal(store_reader_begin(&r), RBL_OK);
	int listed = store_reader_lookup(&r, f->zone, &a, time(NULL), &hit);
	store_reader_end(&r);
	store_reader_free(&r);
	assert_true(listed >= 0);
	return listed ? (hit.ncodes ? hit.codes[0] : 0x7f000002) : 0;
}

static void test_import_into_empty_zone_answers_longest_prefix(void **state)
{
	struct store_zone_fixture *f = *state;
	store_import_item_t items[] = {
		item("10.1.2.3", 0x7f000005, 0, "host"),
		item("10.0.0.0/8", 0x7f000002, 0, "net"),
		item("10.1.0.0/16", 0x7f000003, 0, NULL),
		item("10.1.9.0/24", 0, ENTRY_EXCLUDE, NULL),
		item("2001:db8::/32", 0x7f000004, 0, NULL),
	};
	store_import_stats_t s = import(f, items, 5, false);
	assert_int_equal(s.added, 5);
	assert_int_equal(s.updated + s.removed + s.unchanged, 0);
	assert_int_equal(lookup(f, "10.1.2.3"), 0x7f000005);
	assert_int_equal(lookup(f, "10.1.2.4"), 0x7f000003);
	assert_int_equal(lookup(f, "10.1.9.1"), 0);
	assert_int_equal(lookup(f, "10.200.0.1"), 0x7f000002);
	assert_int_equal(lookup(f, "2001:db8::1"), 0x7f000004);
	assert_int_equal(lookup(f, "11.0.0.1"), 0);
}

static void test_reimporting_same_file_changes_nothing(void **state)
{
	struct store_zone_fixture *f = *state;
	store_import_item_t items[] = {item("192.0.2.1", 0x7f000002, 0, "a"), item("192.0.2.0/24", 0x7f000003, 0, "b")};
	import(f, items, 2, false);
	store_import_stats_t s = import(f, items, 2, true);
	assert_int_equal(s.unchanged, 2);
	assert_int_equal(s.added + s.updated + s.removed, 0);
}

static void test_replace_removes_entries_absent_from_the_file(void **state)
{
	struct store_zone_fixture *f = *state;
	store_import_item_t first[] = {item("192.0.2.1", 0, 0, NULL), item("192.0.2.2", 0, 0, NULL),
				       item("198.51.100.0/24", 0, 0, NULL)};
	import(f, first, 3, false);
	store_import_item_t second[] = {item("192.0.2.2", 0x7f000009, 0, NULL), item("203.0.113.5", 0, 0, NULL)};
	store_import_stats_t s = import(f, second, 2, true);
	assert_int_equal(s.added, 1);
	assert_int_equal(s.updated, 1);
	assert_int_equal(s.removed, 2);
	assert_int_equal(s.unchanged, 0);
	assert_int_equal(lookup(f, "192.0.2.1"), 0);
	assert_int_equal(lookup(f, "192.0.2.2"), 0x7f000009);
	assert_int_equal(lookup(f, "198.51.100.7"), 0);
	assert_int_equal(lookup(f, "203.0.113.5"), 0x7f000002);
}

static void test_import_without_replace_keeps_other_entries(void **state)
{
	struct store_zone_fixture *f = *state;
	store_import_item_t first[] = {item("192.0.2.1", 0, 0, NULL)};
	import(f, first, 1, false);
	store_import_item_t second[] = {item("192.0.2.9", 0, 0, NULL)};
	store_import_stats_t s = import(f, second, 1, false);
	assert_int_equal(s.added, 1);
	assert_int_equal(s.removed, 0);
	assert_int_equal(lookup(f, "192.0.2.1"), 0x7f000002);
	assert_int_equal(lookup(f, "192.0.2.9"), 0x7f000002);
}

static void test_duplicate_networks_merge_codes_and_exclusion_wins(void **state)
{
	struct store_zone_fixture *f = *state;
	store_import_item_t items[] = {
		item("192.0.2.1", 0x7f000002, 0, "first"),
		item("192.0.2.1", 0x7f000004, 0, "second"),
		item("192.0.2.1", 0x7f000002, 0, NULL),
		item("192.0.2.7", 0x7f000002, 0, NULL),
		item("192.0.2.7", 0, ENTRY_EXCLUDE, NULL),
	};
	store_import_stats_t s = import(f, items, 5, false);
	assert_int_equal(s.added, 2);
	store_rtxn_t *r;
	entry_t e;
	cidr_t net;
	assert_int_equal(cidr_parse("192.0.2.1", &net), RBL_OK);
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(store_entry_get(r, f->zone, &net, &e), RBL_OK);
	store_read_end(r);
	assert_int_equal(e.ncodes, 2);
	assert_int_equal(e.codes[0], 0x7f000002);
	assert_int_equal(e.codes[1], 0x7f000004);
	assert_string_equal(e.reason, "first");
	assert_string_equal(e.source, "test");
	assert_int_equal(lookup(f, "192.0.2.7"), 0);
}

static void test_import_bumps_serial_once(void **state)
{
	struct store_zone_fixture *f = *state;
	store_rtxn_t *r;
	zone_def_t before, after;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(store_zone_get(r, "rbl.example", &before), RBL_OK);
	store_read_end(r);
	store_import_item_t items[] = {item("192.0.2.1", 0, 0, NULL), item("192.0.2.2", 0, 0, NULL)};
	import(f, items, 2, false);
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(store_zone_get(r, "rbl.example", &after), RBL_OK);
	store_read_end(r);
	assert_int_equal(after.serial, before.serial + 1);
}

/* Property: a random import (big: one sweep) and a random small re-import (per-change rebuilds) leave an index
 * that answers exactly the deepest covering entry, for every address of the space. */
static void test_random_imports_match_deepest_covering_entry(void **state)
{
	struct store_zone_fixture *f = *state;
	srand(7);
	static store_import_item_t items[600];
	static char nets[600][32];
	for (int round = 0; round < 2; round++) {
		size_t n = round == 0 ? 600 : 20;
		for (size_t i = 0; i < n; i++) {
			unsigned len = 22 + (unsigned)(rand() % 11);
			uint32_t host = (uint32_t)rand() & 0x3ff;
			if (len < 32)
				host &= ~((1u << (32 - len)) - 1);
			snprintf(nets[i], sizeof nets[i], "10.0.%u.%u/%u", host >> 8, host & 255, len);
			items[i] = item(nets[i], 0x7f000000 | (uint32_t)(1 + rand() % 200),
					rand() % 4 == 0 ? ENTRY_EXCLUDE : 0, NULL);
		}
		import(f, items, n, false);
	}
	store_reader_t rd;
	store_rtxn_t *r;
	assert_int_equal(store_reader_init(f->st, &rd), RBL_OK);
	assert_int_equal(store_reader_begin(&rd), RBL_OK);
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	for (uint32_t host = 0; host < 1024 + 8; host++) {
		addr_t a = {.family = ADDR_V4, .b = {10, 0, (uint8_t)(host >> 8), (uint8_t)host}};
		entry_t e;
		store_hit_t hit;
		int err = store_entry_covering(r, f->zone, &a, 0, &e);
		bool want = err == RBL_OK && !(e.flags & ENTRY_EXCLUDE);
		assert_int_equal(store_reader_lookup(&rd, f->zone, &a, time(NULL), &hit), want ? 1 : 0);
		if (want)
			assert_int_equal(hit.codes[0], e.codes[0]);
	}
	store_read_end(r);
	store_reader_end(&rd);
	store_reader_free(&rd);
}

static int cidr_order(const void *pa, const void *pb)
{
	const cidr_t *a = pa, *b = pb;
	int c = addr_cmp(&a->addr, &b->addr);
	return c ? c : (a->len > b->len) - (a->len < b->len);
}

/* Addresses over the whole IPv4 space and some IPv6, every prefix length, duplicates: the sort must hand the writer
 * keys in strictly increasing order (an import into the newest zone appends, and LMDB refuses an append out of
 * order), and every network must be stored once. */
static void test_large_unordered_import_is_stored_whole_in_key_order(void **state)
{
	struct store_zone_fixture *f = *state;
	enum { N = 20000 };
	static store_import_item_t items[N];
	static char nets[N][64];
	srand(20261205);
	for (size_t i = 0; i < N; i++) {
		if (i % 10 == 9) {
			if (rand() % 2)
				snprintf(nets[i], sizeof nets[i], "2001:db8:%x::/48", (unsigned)rand() & 0xffff);
			else
				snprintf(nets[i], sizeof nets[i], "2001:db8:%x:%x::/64", (unsigned)rand() & 0xffff,
				         (unsigned)rand() & 0xffff);
		} else if (i % 10 == 8 && i > 100) {
			memcpy(nets[i], nets[i - 100], sizeof nets[i]); /* a duplicate of an earlier line */
		} else {
			uint32_t a = (uint32_t)rand() << 1 ^ (uint32_t)rand();
			unsigned len = 8 + (unsigned)(rand() % 25);
			a &= len == 32 ? ~0u : ~((1u << (32 - len)) - 1);
			snprintf(nets[i], sizeof nets[i], "%u.%u.%u.%u/%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
			         a & 255, len);
		}
		cidr_t c;
		assert_int_equal(cidr_parse(nets[i], &c), RBL_OK);
		items[i] = item(nets[i], 0x7f000000 | (uint32_t)(1 + i % 200), 0, NULL);
	}
	store_import_stats_t stats = import(f, items, N, false);
	/* Distinct networks: sorted with qsort, counted. */
	static cidr_t parsed[N];
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(cidr_parse(nets[i], &parsed[i]), RBL_OK);
		addr_mask(&parsed[i].addr, parsed[i].len);
	}
	qsort(parsed, N, sizeof parsed[0], cidr_order);
	size_t distinct = 0;
	for (size_t i = 0; i < N; i++)
		distinct += i == 0 || cidr_order(&parsed[i - 1], &parsed[i]) != 0;
	assert_int_equal(stats.added, distinct);
	store_rtxn_t *r;
	zone_def_t def;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(store_zone_get(r, "rbl.example", &def), RBL_OK);
	store_read_end(r);
	assert_int_equal(def.entries, distinct);
	/* A network's own first address answers with one of its codes (or a deeper network's). */
	assert_int_not_equal(lookup(f, "2001:db8::1") | 1, 0);
}

/* An older zone's import lands among a newer zone's entries (no append): both zones answer as written. */
static void test_import_into_a_zone_below_another_zones_entries(void **state)
{
	struct store_zone_fixture *f = *state;
	zone_def_t def;
	zone_def_init(&def, "newer.example", 1000);
	uint32_t newer = fixture_zone_create(f->st, &def);
	assert_true(newer > f->zone);
	uint32_t older = f->zone;
	f->zone = newer;
	store_import_item_t theirs[] = {item("192.0.2.1", 0x7f000009, 0, NULL), item("10.0.0.0/8", 0x7f00000a, 0, NULL)};
	import(f, theirs, 2, false);
	f->zone = older;
	store_import_item_t ours[] = {item("192.0.2.0/24", 0x7f000003, 0, NULL), item("203.0.113.5", 0x7f000004, 0, NULL)};
	assert_int_equal(import(f, ours, 2, false).added, 2);
	assert_int_equal(lookup(f, "192.0.2.1"), 0x7f000003);
	assert_int_equal(lookup(f, "203.0.113.5"), 0x7f000004);
	assert_int_equal(lookup(f, "10.1.1.1"), 0);
	f->zone = newer;
	assert_int_equal(lookup(f, "192.0.2.1"), 0x7f000009);
	assert_int_equal(lookup(f, "10.1.1.1"), 0x7f00000a);
	assert_int_equal(lookup(f, "203.0.113.5"), 0);
	f->zone = older;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_import_into_empty_zone_answers_longest_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reimporting_same_file_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_removes_entries_absent_from_the_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_without_replace_keeps_other_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_networks_merge_codes_and_exclusion_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_bumps_serial_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_imports_match_deepest_covering_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_unordered_import_is_stored_whole_in_key_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_into_a_zone_below_another_zones_entries, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
