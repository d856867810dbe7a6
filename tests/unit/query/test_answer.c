/* SPDX-License-Identifier: BSD-2-Clause */
/* test_answer.c — docs/DESIGN.md's answers table, end to end through answer_packet: a temp store with zones and
 * listings written through the store API, queries built with ldns, and every response parsed back with ldns and
 * checked field by field (header, question, records, SOA), over UDP and TCP; and which commit a batch sees. The
 * harness is in answer_harness.h; test_answer_protocol.c pins what surrounds the name (malformed and non-QUERY
 * headers, flags, REFUSED, EDNS0, size limits). */
#include "query/answer.h"
#include "base/err.h"
#include "store/store.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "answer_harness.h"

static void test_listed_address_answers_one_a_per_code(void **state)
{
	struct fixture *f = *state;
	PUT(f, "192.0.2.1", {2, 3, 11});
	/* record() compares owners as text: an A owner must be the question's spelling exactly (0x20). */
	EXPECT_LISTED(f, "1.2.0.192.RbL.eXaMpLe.", 0x7f000002, 0x7f000003, 0x7f00000b);
}

static void test_listed_address_without_codes_answers_the_zone_default_code(void **state)
{
	struct fixture *f = *state;
	PUT(f, "192.0.2.0/24");
	EXPECT_LISTED(f, "77.2.0.192.rbl.example.", ZONE_CODE);
}

static void test_listed_txt_is_the_entry_text_else_the_zone_template_with_dollar_replaced(void **state)
{
	struct fixture *f = *state;
	PUT(f, "192.0.2.0/24", {4}, .reason = "open relay $, see https://rbl.example/$");
	PUT(f, "192.0.2.2");
	expect_listed_txt(f, "9.2.0.192.rbl.example.", "open relay 192.0.2.9, see https://rbl.example/192.0.2.9");
	expect_listed_txt(f, "2.2.0.192.rbl.example.",
	                  "Listed in rbl.example: see https://rbl.example/q?ip=192.0.2.2 (192.0.2.2)");
}

static void test_notext_entry_answers_a_but_txt_is_nodata(void **state)
{
	struct fixture *f = *state;
	PUT(f, "192.0.2.3", {5}, ENTRY_NOTEXT, .reason = "never shown");
	EXPECT_LISTED(f, "3.2.0.192.rbl.example.", 0x7f000005);
	expect_nodata(f, "3.2.0.192.rbl.example.", LDNS_RR_TYPE_TXT);
}

static void test_other_type_at_listed_name_is_nodata_with_soa(void **state)
{
	struct fixture *f = *state;
	PUT(f, "192.0.2.4", {3});
	static const ldns_rr_type types[] = {LDNS_RR_TYPE_AAAA, LDNS_RR_TYPE_MX, LDNS_RR_TYPE_NS, LDNS_RR_TYPE_SOA,
	                                     LDNS_RR_TYPE_PTR};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		expect_nodata(f, "4.2.0.192.rbl.example.", types[i]);
}

static void test_unlisted_address_is_nxdomain_with_soa(void **state)
{
	struct fixture *f = *state;
	PUT(f, "192.0.2.1");
	expect_nxdomain(f, "2.2.0.192.rbl.example.");
	expect_nxdomain(f, "1.2.0.193.rbl.example.");
	expect_nxdomain(f, "x.1.2.0.192.rbl.example."); /* below a listed address */
}

static void test_excluded_address_inside_listed_cidr_is_nxdomain(void **state)
{
	struct fixture *f = *state;
	PUT(f, "192.0.2.0/24", {4});
	PUT(f, "192.0.2.9", .flags = ENTRY_EXCLUDE);
	expect_nxdomain(f, "9.2.0.192.rbl.example.");
	EXPECT_LISTED(f, "10.2.0.192.rbl.example.", 0x7f000004);
}

static void test_expired_entry_is_nxdomain(void **state)
{
	struct fixture *f = *state;
	PUT(f, "192.0.2.66", {3}, .expires = time(NULL) - 60);
	PUT(f, "192.0.2.67", {3}, .expires = time(NULL) + 3600);
	expect_nxdomain(f, "66.2.0.192.rbl.example.");
	EXPECT_LISTED(f, "67.2.0.192.rbl.example.", 0x7f000003);
}

static void test_expired_host_inside_listed_cidr_answers_with_the_cidr(void **state)
{
	struct fixture *f = *state;
	PUT(f, "192.0.2.0/24", {6}, .reason = "network $");
	PUT(f, "192.0.2.5", {7}, .expires = time(NULL) - 60, .reason = "host $");
	PUT(f, "192.0.2.68", .flags = ENTRY_EXCLUDE, .expires = time(NULL) - 60); /* an expired hole closes */
	EXPECT_LISTED(f, "5.2.0.192.rbl.example.", 0x7f000006);
	expect_listed_txt(f, "5.2.0.192.rbl.example.", "network 192.0.2.5");
	EXPECT_LISTED(f, "68.2.0.192.rbl.example.", 0x7f000006);
}

static void test_partial_name_with_listing_below_is_nodata(void **state)
{
	struct fixture *f = *state;
	PUT(f, "198.51.100.7", {3});
	expect_nodata(f, "100.51.198.rbl.example.", LDNS_RR_TYPE_A);
	expect_nodata(f, "51.198.rbl.example.", LDNS_RR_TYPE_TXT);
	expect_nodata(f, "198.rbl.example.", LDNS_RR_TYPE_A);
	expect_nodata(f, "0.127.rbl.example.", LDNS_RR_TYPE_A); /* the test point lies below */
}

static void test_partial_name_without_listing_below_is_nxdomain(void **state)
{
	struct fixture *f = *state;
	PUT(f, "198.51.100.7", {3});
	PUT(f, "10.0.0.0/8", {3});
	PUT(f, "10.1.0.0/16", .flags = ENTRY_EXCLUDE);
	expect_nxdomain(f, "101.51.198.rbl.example.");
	expect_nxdomain(f, "52.198.rbl.example.");
	expect_nxdomain(f, "203.rbl.example.");
	expect_nxdomain(f, "9.9.9.rbl.example."); /* nothing under 9.9.9.0/24, nor under 999::/12 */
	expect_nxdomain(f, "1.10.rbl.example.");  /* all excluded */
	expect_nxdomain(f, "2.1.10.rbl.example.");
	expect_nodata(f, "2.10.rbl.example.", LDNS_RR_TYPE_A);
}

static void test_partial_name_whose_only_listing_below_expired_is_nxdomain(void **state)
{
	struct fixture *f = *state;
	PUT(f, "198.51.100.7", {3}, .expires = time(NULL) - 60); /* never served again: nothing lies below */
	expect_nxdomain(f, "7.100.51.198.rbl.example.");
	expect_nxdomain(f, "100.51.198.rbl.example.");
	expect_nxdomain(f, "51.198.rbl.example.");
}

static void test_non_numeric_or_five_label_names_are_nxdomain(void **state)
{
	struct fixture *f = *state;
	PUT(f, "127.0.0.0/8", {3});
	expect_nxdomain(f, "abc.0.0.127.rbl.example.");
	expect_nxdomain(f, "2.0.0.127.10.rbl.example.");
	expect_nxdomain(f, "www.rbl.example.");
	expect_nxdomain(f, "02.0.0.127.rbl.example."); /* a leading zero names no address */
}

static void test_ipv6_nibble_name_is_answered_like_ipv4(void **state)
{
	struct fixture *f = *state;
	char name[256];
	PUT(f, "2001:db8::1", {3});
	PUT(f, "2001:db8:1::/48", {4}, .reason = "v6 net $");
	EXPECT_LISTED(f, nibble_name("2001:db8::1", 32, ZONE, name), 0x7f000003);
	expect_listed_txt(f, name, "Listed in rbl.example: see https://rbl.example/q?ip=2001:db8::1 (2001:db8::1)");
	expect_nodata(f, name, LDNS_RR_TYPE_AAAA);
	expect_listed_txt(f, nibble_name("2001:db8:1:2::3", 32, ZONE, name), "v6 net 2001:db8:1:2::3");
	expect_nxdomain(f, nibble_name("2001:db8::2", 32, ZONE, name));
	expect_nodata(f, nibble_name("2001:db8::", 8, ZONE, name), LDNS_RR_TYPE_A);
	expect_nxdomain(f, nibble_name("2001:db9::", 8, ZONE, name));
}

static void test_ipv4_mapped_nibble_name_is_answered_from_ipv4_data(void **state)
{
	struct fixture *f = *state;
	char name[256];
	PUT(f, "192.0.2.1", {3}, .reason = "mapped $");
	EXPECT_LISTED(f, nibble_name("::ffff:192.0.2.1", 32, ZONE, name), 0x7f000003);
	expect_listed_txt(f, name, "mapped 192.0.2.1");
	expect_nxdomain(f, nibble_name("::ffff:192.0.2.2", 32, ZONE, name));
}

static void test_ipv6_partial_names_towards_test_point_are_nodata(void **state)
{
	struct fixture *f = *state;
	char name[256];
	/* 4 nibbles is "0.0.0.0": also the IPv4 address 0.0.0.0, but as an IPv6 name it has the test point below. */
	static const unsigned lengths[] = {1, 4, 20, 21, 24, 25, 28, 30, 31};
	for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++)
		expect_nodata(f, nibble_name("::ffff:7f00:2", lengths[i], ZONE, name), LDNS_RR_TYPE_A);
	expect_nxdomain(f, nibble_name("::fffe:7f00:2", 24, ZONE, name));
	expect_nxdomain(f, nibble_name("::ffff:8000:0", 30, ZONE, name));
}

static void expect_builtin_test_point(struct fixture *f, const char *name)
{
	EXPECT_LISTED(f, name, TEST_POINT);
	zone_def_t def;
	zone_def_of(f, name, &def);
	ldns_pkt *r = ASK(f, name, LDNS_RR_TYPE_TXT);
	expect_status(r, LDNS_RCODE_NOERROR, true, false, 1, 0);
	char text[1024];
	txt_of(r, 0, name, def.ttl, text, sizeof text);
	assert_non_null(strstr(text, "127.0.0.2"));
	assert_non_null(strstr(text, "test point"));
}

static void test_test_point_2_is_listed_in_every_zone_with_builtin_answer(void **state)
{
	struct fixture *f = *state;
	char name[256];
	expect_builtin_test_point(f, "2.0.0.127.rbl.example.");
	expect_builtin_test_point(f, "2.0.0.127.Other.Example.");
	expect_builtin_test_point(f, nibble_name("::ffff:7f00:2", 32, ZONE, name));
	expect_builtin_test_point(f, nibble_name("::ffff:7f00:2", 32, OTHER_ZONE, name));
	expect_nxdomain(f, "1.0.0.127.other.example.");
	expect_nxdomain(f, nibble_name("::ffff:7f00:1", 32, OTHER_ZONE, name));
}

static void test_test_point_2_answers_from_data_when_data_lists_it(void **state)
{
	struct fixture *f = *state;
	char name[256];
	PUT(f, "127.0.0.2", {4, 5}, .reason = "data says $");
	EXPECT_LISTED(f, "2.0.0.127.rbl.example.", 0x7f000004, 0x7f000005);
	expect_listed_txt(f, "2.0.0.127.rbl.example.", "data says 127.0.0.2");
	EXPECT_LISTED(f, nibble_name("::ffff:7f00:2", 32, ZONE, name), 0x7f000004, 0x7f000005);
	expect_builtin_test_point(f, "2.0.0.127.other.example."); /* the data is rbl.example's only */
}

static void test_test_point_2_stays_listed_when_data_excludes_it(void **state)
{
	struct fixture *f = *state;
	char name[256];
	PUT(f, "127.0.0.0/24", {9});
	PUT(f, "127.0.0.2", .flags = ENTRY_EXCLUDE);
	expect_builtin_test_point(f, "2.0.0.127.rbl.example.");
	expect_builtin_test_point(f, nibble_name("::ffff:7f00:2", 32, ZONE, name));
	EXPECT_LISTED(f, "3.0.0.127.rbl.example.", 0x7f000009);
}

static void test_loopback_1_is_never_listed_even_when_data_lists_it(void **state)
{
	struct fixture *f = *state;
	char name[256];
	PUT(f, "127.0.0.0/8", {5}, .reason = "all of loopback");
	PUT(f, "127.0.0.1", {6}, .reason = "the host itself");
	expect_nxdomain(f, "1.0.0.127.rbl.example.");
	expect_nxdomain(f, "1.0.0.127.RBL.example.");
	expect_nxdomain(f, nibble_name("::ffff:7f00:1", 32, ZONE, name));
	EXPECT_LISTED(f, "3.0.0.127.rbl.example.", 0x7f000005);
}

static void expect_apex_soa(const ldns_pkt *r, size_t i, const char *owner, const zone_def_t *def)
{
	const ldns_rr *soa = ldns_rr_list_rr(ldns_pkt_answer(r), i);
	assert_non_null(soa);
	assert_dname_text(ldns_rr_owner(soa), owner);
	expect_soa(soa, def, def->ttl);
}

static void expect_ns_set(const ldns_pkt *r, size_t from, const char *owner)
{
	static const char *const ns[] = {"ns1.rbl.example.", "ns2.example.net."};
	for (size_t i = 0; i < 2; i++) {
		const ldns_rr *rr = record(ldns_pkt_answer(r), from + i, owner, LDNS_RR_TYPE_NS, ZONE_TTL);
		assert_int_equal(ldns_rr_rd_count(rr), 1);
		assert_dname_text(ldns_rr_rdf(rr, 0), ns[i]);
	}
}

static void test_apex_soa_and_ns_answer_the_zone_soa_and_ns_set(void **state)
{
	struct fixture *f = *state;
	zone_def_t def;
	zone_def_of(f, ZONE ".", &def);
	for (int tcp = 0; tcp <= 1; tcp++) {
		ldns_pkt *r = ASK(f, "Rbl.Example.", LDNS_RR_TYPE_SOA, tcp);
		expect_status(r, LDNS_RCODE_NOERROR, true, false, 1, 0);
		expect_apex_soa(r, 0, "Rbl.Example.", &def);
		r = ASK(f, "rbl.example.", LDNS_RR_TYPE_NS, tcp);
		expect_status(r, LDNS_RCODE_NOERROR, true, false, 2, 0);
		expect_ns_set(r, 0, "rbl.example.");
	}
	expect_nodata(f, "other.example.", LDNS_RR_TYPE_NS); /* a zone without NS names */
}

static void test_apex_any_answers_what_exists(void **state)
{
	struct fixture *f = *state;
	zone_def_t def;
	zone_def_of(f, ZONE ".", &def);
	ldns_pkt *r = ASK(f, "rbl.EXAMPLE.", LDNS_RR_TYPE_ANY);
	expect_status(r, LDNS_RCODE_NOERROR, true, false, 3, 0);
	expect_apex_soa(r, 0, "rbl.EXAMPLE.", &def);
	expect_ns_set(r, 1, "rbl.EXAMPLE.");
	zone_def_of(f, OTHER_ZONE ".", &def);
	r = ASK(f, "other.example.", LDNS_RR_TYPE_ANY, true);
	expect_status(r, LDNS_RCODE_NOERROR, true, false, 1, 0);
	expect_apex_soa(r, 0, "other.example.", &def);
}

static void test_apex_a_is_nodata_with_soa(void **state)
{
	struct fixture *f = *state;
	expect_nodata(f, "rbl.example.", LDNS_RR_TYPE_A);
	expect_nodata(f, "rbl.example.", LDNS_RR_TYPE_TXT);
	expect_nodata(f, "other.example.", LDNS_RR_TYPE_A);
}

static void expect_refused(struct fixture *f, const struct query *q)
{
	expect_status(ask(f, q), LDNS_RCODE_REFUSED, false, false, 0, 0);
}

static void test_name_outside_every_zone_is_refused_without_aa(void **state)
{
	struct fixture *f = *state;
	static const char *const names[] = {"2.0.0.127.zen.spamhaus.org.", "example.",         "xrbl.example.",
	                                    "2.0.0.127.xrbl.example.",     "rbl.example.com.", "."};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		expect_refused(f, &(struct query){.name = names[i], .type = LDNS_RR_TYPE_A});
		expect_refused(f, &(struct query){.name = names[i], .type = LDNS_RR_TYPE_TXT, .tcp = true});
	}
}

static void test_chaos_class_is_refused_without_operator_text(void **state)
{
	struct fixture *f = *state;
	expect_refused(f, &(struct query){.name = "version.bind.", LDNS_RR_TYPE_TXT, .klass = LDNS_RR_CLASS_CH});
	expect_refused(f, &(struct query){.name = "id.server.", LDNS_RR_TYPE_TXT, .klass = LDNS_RR_CLASS_CH});
	expect_refused(f, &(struct query){.name = "2.0.0.127.rbl.example.", LDNS_RR_TYPE_A, .klass = LDNS_RR_CLASS_CH});
	answer_options_t only_version = {.version = "dnsbld 1"};
	f->ctx.options = &only_version;
	expect_refused(f, &(struct query){.name = "id.server.", LDNS_RR_TYPE_TXT, .klass = LDNS_RR_CLASS_CH});
	expect_refused(f, &(struct query){.name = "version.bind.", LDNS_RR_TYPE_TXT}); /* class IN: not ours */
	f->ctx.options = NULL;
}

/* The CH TXT answer to q: NOERROR, AA, one TXT of class CH, TTL 0, the text as given ('$' kept). */
static void expect_chaos_txt(struct fixture *f, const char *name, const char *text)
{
	ldns_pkt *r = ask(f, &(struct query){.name = name, LDNS_RR_TYPE_TXT, .klass = LDNS_RR_CLASS_CH});
	expect_status(r, LDNS_RCODE_NOERROR, true, false, 1, 0);
	ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(r), 0);
	assert_int_equal(ldns_rr_get_class(rr), LDNS_RR_CLASS_CH);
	assert_int_equal(ldns_rr_ttl(rr), 0);
	const ldns_rdf *rdf = ldns_rr_rdf(rr, 0);
	assert_int_equal(ldns_rdf_size(rdf), strlen(text) + 1);
	assert_memory_equal(ldns_rdf_data(rdf) + 1, text, strlen(text));
}

static void test_chaos_names_answer_the_operator_text(void **state)
{
	struct fixture *f = *state;
	answer_options_t options = {.identity = "ns1.example", .version = "dnsbld $1"};
	f->ctx.options = &options;
	expect_chaos_txt(f, "version.bind.", "dnsbld $1");
	expect_chaos_txt(f, "VERSION.Server.", "dnsbld $1");
	expect_chaos_txt(f, "id.server.", "ns1.example");
	expect_chaos_txt(f, "hostname.bind.", "ns1.example");
	ldns_pkt *r = ask(f, &(struct query){.name = "id.server.", LDNS_RR_TYPE_A, .klass = LDNS_RR_CLASS_CH});
	expect_status(r, LDNS_RCODE_NOERROR, true, false, 0, 0); /* another type: no data */
	expect_refused(f, &(struct query){.name = "authors.bind.", LDNS_RR_TYPE_TXT, .klass = LDNS_RR_CLASS_CH});
	f->ctx.options = NULL;
}

static void test_zone_created_after_init_is_served_from_next_batch(void **state)
{
	struct fixture *f = *state;
	expect_status(ASK(f, "2.0.0.127.late.example.", LDNS_RR_TYPE_A), LDNS_RCODE_REFUSED, false, false, 0, 0);
	create_zone(f, "late.example", false);
	EXPECT_LISTED(f, "2.0.0.127.late.example.", TEST_POINT);
	expect_nxdomain(f, "1.0.0.127.late.example.");
}

static void test_commit_between_batches_is_seen_only_by_next_batch(void **state)
{
	struct fixture *f = *state;
	const char *name = "9.113.0.203.rbl.example.";
	zone_def_t before, after;
	zone_def_of(f, ZONE ".", &before);

	assert_int_equal(answer_batch_begin(&f->ctx), RBL_OK);
	ldns_pkt *r = ask_in_batch(f, &(struct query){.name = name, .type = LDNS_RR_TYPE_A});
	expect_negative_soa(r, LDNS_RCODE_NXDOMAIN, &before);
	PUT(f, "203.0.113.9", {5}); /* committed while the batch holds its snapshot */
	zone_def_of(f, ZONE ".", &after);
	assert_int_not_equal(after.serial, before.serial);
	r = ask_in_batch(f, &(struct query){.name = name, .type = LDNS_RR_TYPE_A});
	expect_negative_soa(r, LDNS_RCODE_NXDOMAIN, &before);
	answer_batch_end(&f->ctx);

	EXPECT_LISTED(f, name, 0x7f000005);
	expect_negative_soa(ASK(f, name, LDNS_RR_TYPE_MX), LDNS_RCODE_NOERROR, &after);
}

static void test_listing_commits_move_every_served_serial_without_reloading_the_zone_table(void **state)
{
	struct fixture *f = *state;
	const char *name = "9.113.0.203.rbl.example.";
	ask(f, &(struct query){.name = name, .type = LDNS_RR_TYPE_A}); /* the first batch loads the table */
	uint64_t rebuilds = f->ctx.zones.rebuilds;
	for (int i = 0; i < 3; i++) {
		PUT(f, "198.51.100.0/24", {(uint8_t)(5 + i)}); /* a listing added, then changed */
		zone_def_t now;
		zone_def_of(f, ZONE ".", &now);
		/* NXDOMAIN, NODATA and SOA answers, in one batch and in the next: the new serial every time. */
		expect_negative_soa(ASK(f, name, LDNS_RR_TYPE_A), LDNS_RCODE_NXDOMAIN, &now);
		expect_negative_soa(ASK(f, "1.100.51.198.rbl.example.", LDNS_RR_TYPE_MX), LDNS_RCODE_NOERROR, &now);
		ldns_pkt *r = ASK(f, ZONE ".", LDNS_RR_TYPE_SOA);
		expect_status(r, LDNS_RCODE_NOERROR, true, false, 1, 0);
		expect_soa(ldns_rr_list_rr(ldns_pkt_answer(r), 0), &now, ZONE_TTL);
		/* The other zone's serial is read too, and did not move. */
		zone_def_t other;
		zone_def_of(f, OTHER_ZONE ".", &other);
		expect_negative_soa(ASK(f, "1.0.0.10." OTHER_ZONE ".", LDNS_RR_TYPE_A), LDNS_RCODE_NXDOMAIN, &other);
	}
	assert_int_equal(f->ctx.zones.rebuilds, rebuilds);
	/* A changed definition is a rebuild. */
	zone_def_t def;
	zone_def_of(f, ZONE ".", &def);
	def.minimum = 77;
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_zone_update(w, &def), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	zone_def_of(f, ZONE ".", &def);
	expect_negative_soa(ASK(f, name, LDNS_RR_TYPE_A), LDNS_RCODE_NXDOMAIN, &def);
	assert_int_equal(f->ctx.zones.rebuilds, rebuilds + 1);
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        TEST(test_listed_address_answers_one_a_per_code),
	        TEST(test_listing_commits_move_every_served_serial_without_reloading_the_zone_table),
	        TEST(test_listed_address_without_codes_answers_the_zone_default_code),
	        TEST(test_listed_txt_is_the_entry_text_else_the_zone_template_with_dollar_replaced),
	        TEST(test_notext_entry_answers_a_but_txt_is_nodata),
	        TEST(test_other_type_at_listed_name_is_nodata_with_soa),
	        TEST(test_unlisted_address_is_nxdomain_with_soa),
	        TEST(test_excluded_address_inside_listed_cidr_is_nxdomain),
	        TEST(test_expired_entry_is_nxdomain),
	        TEST(test_expired_host_inside_listed_cidr_answers_with_the_cidr),
	        TEST(test_partial_name_with_listing_below_is_nodata),
	        TEST(test_partial_name_without_listing_below_is_nxdomain),
	        TEST(test_partial_name_whose_only_listing_below_expired_is_nxdomain),
	        TEST(test_non_numeric_or_five_label_names_are_nxdomain),
	        TEST(test_ipv6_nibble_name_is_answered_like_ipv4),
	        TEST(test_ipv4_mapped_nibble_name_is_answered_from_ipv4_data),
	        TEST(test_ipv6_partial_names_towards_test_point_are_nodata),
	        TEST(test_test_point_2_is_listed_in_every_zone_with_builtin_answer),
	        TEST(test_test_point_2_answers_from_data_when_data_lists_it),
	        TEST(test_test_point_2_stays_listed_when_data_excludes_it),
	        TEST(test_loopback_1_is_never_listed_even_when_data_lists_it),
	        TEST(test_apex_soa_and_ns_answer_the_zone_soa_and_ns_set),
	        TEST(test_apex_any_answers_what_exists),
	        TEST(test_apex_a_is_nodata_with_soa),
	        TEST(test_name_outside_every_zone_is_refused_without_aa),
	        TEST(test_chaos_class_is_refused_without_operator_text),
	        TEST(test_chaos_names_answer_the_operator_text),
	        TEST(test_zone_created_after_init_is_served_from_next_batch),
	        TEST(test_commit_between_batches_is_seen_only_by_next_batch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
