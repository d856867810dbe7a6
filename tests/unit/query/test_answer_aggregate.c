/* SPDX-License-Identifier: BSD-2-Clause */
/* test_answer_aggregate.c — aggregate zones: one A per member (and own entries) that lists the address, each one's
 * TXT, members answering as their own zones below the aggregate, and membership following zone deletion. */
#include "query/answer.h"
#include "base/err.h"
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store_fixture.h"

#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fixture {
	char dir[64];
	store_t *st;
	answer_ctx_t ctx;
	uint32_t relays, proxies, combined;
};

static uint32_t create(struct fixture *f, const char *name, const uint32_t *members, unsigned n)
{
	zone_def_t def;
	zone_def_init(&def, name, 1000);
	snprintf(def.txt, sizeof def.txt, "listed in %s: $", name);
	def.default_code = 0x7f000002;
	for (unsigned i = 0; i < n; i++)
		def.members[def.member_count++] = members[i];
	return fixture_zone_create(f->st, &def);
}

static void put(struct fixture *f, uint32_t zone, const char *net, uint32_t code, const char *reason)
{
	entry_t e;
	memset(&e, 0, sizeof e);
	assert_int_equal(cidr_parse(net, &e.net), RBL_OK);
	e.ncodes = 1;
	e.codes[0] = code;
	if (reason)
		snprintf(e.reason, sizeof e.reason, "%s", reason);
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_entry_put(w, zone, &e), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	fixture_store_open(f->dir, "test_aggregate", &f->st);
	f->relays = create(f, "relays.bl.example", NULL, 0);
	f->proxies = create(f, "proxies.bl.example", NULL, 0);
	uint32_t members[] = {f->relays, f->proxies};
	f->combined = create(f, "bl.example", members, 2);
	put(f, f->relays, "192.0.2.1", 0x7f000002, "relay $");
	put(f, f->proxies, "192.0.2.1", 0x7f000003, NULL);
	put(f, f->proxies, "192.0.2.0/24", 0x7f000003, "proxy net");
	put(f, f->relays, "198.51.100.9", 0x7f000002, "relay");
	put(f, f->proxies, "198.51.100.9", 0x7f000002, "relay");
	put(f, f->combined, "203.0.113.7", 0x7f000009, "own entry");
	assert_int_equal(answer_ctx_init(&f->ctx, f->st), RBL_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	answer_ctx_free(&f->ctx);
	fixture_store_remove(f->st, f->dir);
	free(f);
	return 0;
}

static ldns_pkt *ask(struct fixture *f, const char *name, ldns_rr_type type)
{
	ldns_pkt *query = ldns_pkt_query_new(ldns_dname_new_frm_str(name), type, LDNS_RR_CLASS_IN, 0);
	uint8_t *wire;
	size_t len;
	assert_int_equal(ldns_pkt2wire(&wire, query, &len), LDNS_STATUS_OK);
	ldns_pkt_free(query);
	uint8_t out[4096];
	assert_int_equal(answer_batch_begin(&f->ctx), RBL_OK);
	size_t n = answer_packet(&f->ctx, wire, len, out, sizeof out, true);
	answer_batch_end(&f->ctx);
	free(wire);
	ldns_pkt *r;
	assert_true(n > 0);
	assert_int_equal(ldns_wire2pkt(&r, out, n), LDNS_STATUS_OK);
	return r;
}

/* The answer's records of one type as sorted, newline-joined rdata texts. */
static char *rdata_set(ldns_pkt *r, ldns_rr_type type)
{
	static char buf[4096];
	char *items[32];
	size_t n = 0;
	ldns_rr_list *an = ldns_pkt_answer(r);
	for (size_t i = 0; i < ldns_rr_list_rr_count(an) && n < 32; i++) {
		ldns_rr *rr = ldns_rr_list_rr(an, i);
		if (ldns_rr_get_type(rr) == type)
			items[n++] = ldns_rdf2str(ldns_rr_rdf(rr, 0));
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(items[j], items[i]) < 0) {
				char *t = items[i];
				items[i] = items[j];
				items[j] = t;
			}
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		strcat(buf, items[i]);
		strcat(buf, i + 1 < n ? "\n" : "");
		free(items[i]);
	}
	return buf;
}

static void expect(struct fixture *f, const char *name, ldns_rr_type type, ldns_pkt_rcode rcode, const char *set)
{
	ldns_pkt *r = ask(f, name, type);
	assert_int_equal(ldns_pkt_get_rcode(r), rcode);
	assert_string_equal(rdata_set(r, type), set);
	ldns_pkt_free(r);
}

static void test_aggregate_answers_one_a_per_member_that_lists(void **state)
{
	struct fixture *f = *state;
	expect(f, "1.2.0.192.bl.example.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, "127.0.0.2\n127.0.0.3");
	expect(f, "7.2.0.192.bl.example.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, "127.0.0.3");
	expect(f, "8.113.0.203.bl.example.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, "");
}

static void test_aggregate_answers_each_members_txt(void **state)
{
	struct fixture *f = *state;
	/* proxies' entry has no text of its own: its zone's template answers. */
	expect(f, "1.2.0.192.bl.example.", LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR,
	       "\"listed in proxies.bl.example: 192.0.2.1\"\n\"relay 192.0.2.1\"");
}

static void test_same_code_and_text_from_two_members_are_written_once(void **state)
{
	struct fixture *f = *state;
	expect(f, "9.100.51.198.bl.example.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, "127.0.0.2");
	expect(f, "9.100.51.198.bl.example.", LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR, "\"relay\"");
}

static void test_aggregate_own_entries_answer_too(void **state)
{
	struct fixture *f = *state;
	expect(f, "7.113.0.203.bl.example.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, "127.0.0.9");
}

static void test_members_answer_as_their_own_zones_below_the_aggregate(void **state)
{
	struct fixture *f = *state;
	expect(f, "1.2.0.192.relays.bl.example.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, "127.0.0.2");
	expect(f, "7.2.0.192.relays.bl.example.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, "");
	expect(f, "7.2.0.192.proxies.bl.example.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, "127.0.0.3");
	expect(f, "7.113.0.203.relays.bl.example.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, "");
}

static void test_aggregate_partial_name_sees_members_listings(void **state)
{
	struct fixture *f = *state;
	expect(f, "100.51.198.bl.example.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, "");
	expect(f, "101.51.198.bl.example.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, "");
}

static void test_test_points_hold_in_aggregates(void **state)
{
	struct fixture *f = *state;
	expect(f, "2.0.0.127.bl.example.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, "127.0.0.2");
	expect(f, "1.0.0.127.bl.example.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, "");
}

static void test_deleted_member_leaves_the_aggregate(void **state)
{
	struct fixture *f = *state;
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_zone_delete(w, "proxies.bl.example"), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	expect(f, "1.2.0.192.bl.example.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, "127.0.0.2");
	expect(f, "7.2.0.192.bl.example.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, "");
	store_rtxn_t *r;
	zone_def_t def;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(store_zone_get(r, "bl.example", &def), RBL_OK);
	store_read_end(r);
	assert_int_equal(def.member_count, 1);
	assert_int_equal(def.members[0], f->relays);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_aggregate_answers_one_a_per_member_that_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aggregate_answers_each_members_txt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_code_and_text_from_two_members_are_written_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aggregate_own_entries_answer_too, setup, teardown),
		cmocka_unit_test_setup_teardown(test_members_answer_as_their_own_zones_below_the_aggregate, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_aggregate_partial_name_sees_members_listings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_test_points_hold_in_aggregates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_member_leaves_the_aggregate, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
