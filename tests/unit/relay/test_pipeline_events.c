/* SPDX-License-Identifier: BSD-2-Clause */
/* test_pipeline_events.c — the listing history (pipeline_event_*): order, per-address walks, surviving the deletion of
 * the entry and of its zone, opt-out delistings, and refusal of events that are malformed or stored damaged. */
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

#include "store_fixture.h"

#define MAX_SEEN 16

struct fixture {
	char dir[64];
	store_t *st;
	uint32_t zone, other_zone;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	fixture_store_open(f->dir, "test_pipeline_events", &f->st);
	zone_def_t def;
	zone_def_init(&def, "relays.rbl.example", 3600);
	f->zone = fixture_zone_create(f->st, &def);
	zone_def_init(&def, "all.rbl.example", 3600);
	f->other_zone = fixture_zone_create(f->st, &def);
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

static pipeline_event_t event_of(const char *addr, enum pipeline_event_kind kind, uint32_t zone_id, const char *zone)
{
	pipeline_event_t ev;
	memset(&ev, 0, sizeof ev);
	ev.addr = addr_of(addr);
	ev.kind = (uint8_t)kind;
	ev.zone_id = zone_id;
	snprintf(ev.zone, sizeof ev.zone, "%s", zone);
	return ev;
}

/* Records ev in a transaction of its own; returns its id. */
static uint64_t add_event(struct fixture *f, pipeline_event_t *ev)
{
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(pipeline_event_add(w, ev), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	return ev->id;
}

struct seen {
	pipeline_event_t ev[MAX_SEEN];
	unsigned count;
};

static int collect(const pipeline_event_t *ev, void *ctx)
{
	struct seen *s = ctx;
	assert_true(s->count < MAX_SEEN);
	s->ev[s->count++] = *ev;
	return 0;
}

/* The events of addr; returns pipeline_event_foreach's result. */
static int history(struct fixture *f, const char *addr, struct seen *s)
{
	memset(s, 0, sizeof *s);
	addr_t a = addr_of(addr);
	store_rtxn_t *r;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	int err = pipeline_event_foreach(r, &a, collect, s);
	store_read_end(r);
	return err;
}

static void put_listing(struct fixture *f, uint32_t zone, const char *net, uint64_t evidence)
{
	entry_t e;
	memset(&e, 0, sizeof e);
	assert_int_equal(cidr_parse(net, &e.net), RBL_OK);
	e.evidence = evidence;
	snprintf(e.source, sizeof e.source, "probe");
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_entry_put(w, zone, &e), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
}

static void test_events_of_an_address_are_walked_oldest_first_with_every_field(void **state)
{
	struct fixture *f = *state;
	int64_t before = time(NULL);
	pipeline_event_t listed = event_of("192.0.2.7", EVENT_LISTED, f->zone, "relays.rbl.example");
	listed.probe_id = 11;
	listed.expires = 1900000000;
	listed.ncodes = 2;
	listed.codes[0] = 0x7f000002;
	listed.codes[1] = 0x7f0a0b0c;
	snprintf(listed.note, sizeof listed.note, "first <listing> \"quoted\"");
	uint64_t first = add_event(f, &listed);
	pipeline_event_t extended = event_of("192.0.2.7", EVENT_EXTENDED, f->zone, "relays.rbl.example");
	extended.probe_id = 12;
	uint64_t second = add_event(f, &extended);
	pipeline_event_t delisted = event_of("192.0.2.7", EVENT_DELISTED_RETEST, f->zone, "relays.rbl.example");
	delisted.probe_id = 13;
	delisted.request_id = 4;
	uint64_t third = add_event(f, &delisted);
	assert_true(first < second && second < third);

	struct seen s;
	assert_int_equal(history(f, "192.0.2.7", &s), RBL_OK);
	assert_int_equal(s.count, 3);
	assert_int_equal(s.ev[0].id, first);
	assert_int_equal(s.ev[0].kind, EVENT_LISTED);
	assert_int_equal(s.ev[1].kind, EVENT_EXTENDED);
	assert_int_equal(s.ev[2].kind, EVENT_DELISTED_RETEST);
	const pipeline_event_t *e = &s.ev[0];
	assert_true(e->time >= before && e->time <= time(NULL));
	assert_int_equal(e->zone_id, f->zone);
	assert_string_equal(e->zone, "relays.rbl.example");
	assert_int_equal(e->probe_id, 11);
	assert_int_equal(e->expires, 1900000000);
	assert_int_equal(e->ncodes, 2);
	assert_int_equal(e->codes[0], 0x7f000002);
	assert_int_equal(e->codes[1], 0x7f0a0b0c);
	assert_string_equal(e->note, "first <listing> \"quoted\"");
	assert_int_equal(s.ev[2].request_id, 4);
	assert_int_equal(s.ev[2].probe_id, 13);
	char text[ADDR_STRLEN];
	addr_format(&s.ev[1].addr, text);
	assert_string_equal(text, "192.0.2.7");
}

static void test_each_address_finds_only_its_own_events(void **state)
{
	struct fixture *f = *state;
	const char *addrs[] = {"192.0.2.6", "192.0.2.7", "192.0.2.8", "2001:db8::7", "::c000:207", "c000:207::"};
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
			pipeline_event_t ev = event_of(addrs[i], EVENT_LISTED, f->zone, "relays.rbl.example");
			ev.probe_id = 100 * (i + 1) + (uint64_t)round;
			add_event(f, &ev);
		}
	for (size_t i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
		struct seen s;
		assert_int_equal(history(f, addrs[i], &s), RBL_OK);
		assert_int_equal(s.count, 2);
		assert_int_equal(s.ev[0].probe_id, 100 * (i + 1));
		assert_int_equal(s.ev[1].probe_id, 100 * (i + 1) + 1);
	}
	struct seen s;
	assert_int_equal(history(f, "192.0.2.9", &s), RBL_OK);
	assert_int_equal(s.count, 0);
}

static void test_store_without_events_has_an_empty_history(void **state)
{
	struct fixture *f = *state;
	struct seen s;
	assert_int_equal(history(f, "192.0.2.7", &s), RBL_OK);
	assert_int_equal(s.count, 0);
}

static void test_event_survives_the_deletion_of_its_entry_and_of_its_zone(void **state)
{
	struct fixture *f = *state;
	put_listing(f, f->zone, "192.0.2.7/32", 5);
	pipeline_event_t ev = event_of("192.0.2.7", EVENT_LISTED, f->zone, "relays.rbl.example");
	ev.probe_id = 5;
	add_event(f, &ev);

	cidr_t net;
	assert_int_equal(cidr_parse("192.0.2.7/32", &net), RBL_OK);
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_entry_del(w, f->zone, &net), RBL_OK);
	pipeline_event_t del = event_of("192.0.2.7", EVENT_DELISTED_OPERATOR, f->zone, "relays.rbl.example");
	assert_int_equal(pipeline_event_add(w, &del), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	struct seen s;
	assert_int_equal(history(f, "192.0.2.7", &s), RBL_OK);
	assert_int_equal(s.count, 2);

	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_zone_delete(w, "relays.rbl.example"), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	assert_int_equal(history(f, "192.0.2.7", &s), RBL_OK);
	assert_int_equal(s.count, 2);
	assert_int_equal(s.ev[0].kind, EVENT_LISTED);
	assert_int_equal(s.ev[1].kind, EVENT_DELISTED_OPERATOR);
	assert_string_equal(s.ev[1].zone, "relays.rbl.example");
}

static void test_aborted_transaction_leaves_no_event(void **state)
{
	struct fixture *f = *state;
	store_wtxn_t *w;
	pipeline_event_t ev = event_of("192.0.2.7", EVENT_LISTED, f->zone, "relays.rbl.example");
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(pipeline_event_add(w, &ev), RBL_OK);
	store_write_abort(w);
	struct seen s;
	assert_int_equal(history(f, "192.0.2.7", &s), RBL_OK);
	assert_int_equal(s.count, 0);
}

static void test_optout_writes_one_delisted_event_per_pipeline_listing_it_removes(void **state)
{
	struct fixture *f = *state;
	put_listing(f, f->zone, "192.0.2.7/32", 5);
	put_listing(f, f->other_zone, "192.0.2.7/32", 5);
	put_listing(f, f->zone, "192.0.2.8/32", 6);
	put_listing(f, f->zone, "192.0.2.9/32", 0);   /* by hand: stays, no event */
	put_listing(f, f->zone, "198.51.100.1/32", 7); /* outside the opt-out */
	optout_record_t o;
	memset(&o, 0, sizeof o);
	assert_int_equal(cidr_parse("192.0.2.0/24", &o.net), RBL_OK);
	snprintf(o.reason, sizeof o.reason, "asked");
	store_wtxn_t *w;
	uint64_t delisted = 0;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(pipeline_optout_add(w, &o, &delisted), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	assert_int_equal(delisted, 3);

	struct seen s;
	assert_int_equal(history(f, "192.0.2.7", &s), RBL_OK);
	assert_int_equal(s.count, 2);
	uint32_t zones_seen = 0;
	for (unsigned i = 0; i < s.count; i++) {
		assert_int_equal(s.ev[i].kind, EVENT_DELISTED_OPTOUT);
		assert_int_equal(s.ev[i].probe_id, 5);
		assert_string_equal(s.ev[i].note, "opt-out 192.0.2.0/24");
		zones_seen |= s.ev[i].zone_id == f->zone ? 1u : s.ev[i].zone_id == f->other_zone ? 2u : 4u;
	}
	assert_int_equal(zones_seen, 3);
	assert_int_equal(history(f, "192.0.2.8", &s), RBL_OK);
	assert_int_equal(s.count, 1);
	assert_int_equal(history(f, "192.0.2.9", &s), RBL_OK);
	assert_int_equal(s.count, 0);
	assert_int_equal(history(f, "198.51.100.1", &s), RBL_OK);
	assert_int_equal(s.count, 0);
}

static void test_malformed_events_are_refused_before_anything_is_written(void **state)
{
	struct fixture *f = *state;
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	pipeline_event_t ev = event_of("192.0.2.7", EVENT_LISTED, f->zone, "relays.rbl.example");
	ev.kind = 0;
	assert_int_equal(pipeline_event_add(w, &ev), RBL_EINVAL);
	ev.kind = EVENT_KIND_MAX + 1;
	assert_int_equal(pipeline_event_add(w, &ev), RBL_EINVAL);
	ev.kind = EVENT_LISTED;
	ev.ncodes = ENTRY_MAX_CODES + 1;
	assert_int_equal(pipeline_event_add(w, &ev), RBL_EINVAL);
	ev.ncodes = 1;
	ev.codes[0] = 0x0a000001; /* 10.0.0.1: not a code */
	assert_int_equal(pipeline_event_add(w, &ev), RBL_ERANGE);
	ev.ncodes = 0;
	ev.addr.family = 0;
	assert_int_equal(pipeline_event_add(w, &ev), RBL_EINVAL);
	store_write_abort(w);
}

/* Writes value under the key of address 192.0.2.7 · id straight into the events table (made by a first, good event). */
static void put_raw(struct fixture *f, uint64_t id, const void *value, size_t len)
{
	pipeline_event_t ev = event_of("192.0.2.200", EVENT_LISTED, f->zone, "");
	add_event(f, &ev);
	store_wtxn_t *w;
	MDB_dbi events;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_ext_table_w(w, "events", &events), RBL_OK);
	uint8_t key[25] = {ADDR_V4, 192, 0, 2, 7};
	store_put_u64(key + 17, id);
	MDB_val k = {sizeof key, key}, v = {len, (void *)value};
	assert_int_equal(mdb_put(store_ext_wtxn(w), events, &k, &v, 0), 0);
	assert_int_equal(store_write_commit(w), RBL_OK);
}

/* A good version-1 value: kind listed, zone 1 "z", no codes, note "n". */
static size_t good_value(uint8_t *v)
{
	size_t n = 0;
	v[n++] = 1;                          /* version */
	memset(v + n, 0, 8), n += 8;         /* time */
	v[n++] = EVENT_LISTED;               /* kind */
	memcpy(v + n, "\0\0\0\1", 4), n += 4; /* zone id */
	memcpy(v + n, "\0\1z", 3), n += 3;   /* zone name */
	memset(v + n, 0, 24), n += 24;       /* probe, request, expires */
	v[n++] = 0;                          /* ncodes */
	memcpy(v + n, "\0\1n", 3), n += 3;   /* note */
	return n;
}

static void test_damaged_event_values_are_refused_not_half_read(void **state)
{
	struct fixture *f = *state;
	uint8_t v[128];
	size_t n = good_value(v);
	put_raw(f, 1000, v, n);
	struct seen s;
	assert_int_equal(history(f, "192.0.2.7", &s), RBL_OK);
	assert_int_equal(s.count, 1);
	assert_string_equal(s.ev[0].zone, "z");
	assert_string_equal(s.ev[0].note, "n");

	struct {
		const char *what;
		size_t offset;
		uint8_t byte;
		ssize_t len_change;
	} damage[] = {
	        {"unknown version", 0, 2, 0},
	        {"version 0", 0, 0, 0},
	        {"kind 0", 9, 0, 0},
	        {"unknown kind", 9, EVENT_KIND_MAX + 1, 0},
	        {"zone name longer than the value", 15, 200, 0},
	        {"more codes than an entry has", 41, ENTRY_MAX_CODES + 1, 0},
	        {"codes missing", 41, 2, 0},
	        {"cut short", 0, 1, -1},
	        {"empty", 0, 1, -(ssize_t)n},
	        {"trailing bytes", 0, 1, +2},
	};
	for (size_t i = 0; i < sizeof damage / sizeof damage[0]; i++) {
		uint8_t bad[128];
		good_value(bad);
		bad[n] = bad[n + 1] = 0;
		bad[damage[i].offset] = damage[i].byte;
		print_message("%s\n", damage[i].what);
		put_raw(f, 1000, bad, (size_t)((ssize_t)n + damage[i].len_change));
		assert_int_equal(history(f, "192.0.2.7", &s), RBL_EDAMAGED);
	}
}

static void test_kind_names_are_one_token_each(void **state)
{
	(void)state;
	assert_string_equal(pipeline_event_kind_name(EVENT_LISTED), "listed");
	assert_string_equal(pipeline_event_kind_name(EVENT_EXTENDED), "extended");
	assert_string_equal(pipeline_event_kind_name(EVENT_DELISTED_RETEST), "delisted-retest");
	assert_string_equal(pipeline_event_kind_name(EVENT_DELISTED_OPTOUT), "delisted-optout");
	assert_string_equal(pipeline_event_kind_name(EVENT_DELISTED_OPERATOR), "delisted-operator");
	assert_string_equal(pipeline_event_kind_name((enum pipeline_event_kind)0), "?");
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        TEST(test_events_of_an_address_are_walked_oldest_first_with_every_field),
	        TEST(test_each_address_finds_only_its_own_events),
	        TEST(test_store_without_events_has_an_empty_history),
	        TEST(test_event_survives_the_deletion_of_its_entry_and_of_its_zone),
	        TEST(test_aborted_transaction_leaves_no_event),
	        TEST(test_optout_writes_one_delisted_event_per_pipeline_listing_it_removes),
	        TEST(test_malformed_events_are_refused_before_anything_is_written),
	        TEST(test_damaged_event_values_are_refused_not_half_read),
	        cmocka_unit_test(test_kind_names_are_one_token_each),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
