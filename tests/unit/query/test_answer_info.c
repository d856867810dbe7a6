/* SPDX-License-Identifier: BSD-2-Clause */
/* test_answer_info.c — what answer_packet and answer_refused say of the answer they wrote (answer_info_t): the kind
 * that counters and rate limiting key on, the rcode, qtype, zone, whether it was a listing, truncation. */
#include "query/answer.h"
#include "base/err.h"
#include "store/store.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#include "answer_harness.h"

static const answer_info_t *info_of(struct fixture *f, const struct query *q)
{
	ask(f, q);
	return &f->ctx.info;
}

#define INFO(f, ...) info_of((f), &(struct query){.name = __VA_ARGS__})

static void test_a_listed_address_is_a_positive_listing_in_its_zone(void **state)
{
	struct fixture *f = *state;
	PUT(f, "192.0.2.1");
	const answer_info_t *i = INFO(f, "1.2.0.192." ZONE ".", LDNS_RR_TYPE_A);
	assert_int_equal(i->kind, ANSWER_POSITIVE);
	assert_int_equal(i->rcode, LDNS_RCODE_NOERROR);
	assert_int_equal(i->qtype, LDNS_RR_TYPE_A);
	assert_true(i->listed);
	assert_false(i->truncated);
	assert_true(i->zone >= 0 && (size_t)i->zone < f->ctx.zones.count);
	assert_string_equal(f->ctx.zones.zones[i->zone].name, ZONE);
	assert_int_equal(i->qname_len, strlen("1.2.0.192." ZONE) + 2); /* wire: one length byte more, and the root */
}

static void test_nxdomain_nodata_and_apex_answers_are_no_listing(void **state)
{
	struct fixture *f = *state;
	PUT(f, "192.0.2.1");
	const answer_info_t *i = INFO(f, "9.2.0.192." ZONE ".", LDNS_RR_TYPE_A);
	assert_int_equal(i->kind, ANSWER_NXDOMAIN);
	assert_false(i->listed);
	i = INFO(f, "1.2.0.192." ZONE ".", LDNS_RR_TYPE_MX); /* listed, but no MX: NODATA */
	assert_int_equal(i->kind, ANSWER_NODATA);
	assert_true(i->listed); /* the entry was found: the zone answered from it */
	i = INFO(f, ZONE ".", LDNS_RR_TYPE_SOA);
	assert_int_equal(i->kind, ANSWER_POSITIVE);
	assert_false(i->listed);
	assert_true(i->zone >= 0);
}

static void test_outside_every_zone_is_refused_without_a_zone(void **state)
{
	struct fixture *f = *state;
	const answer_info_t *i = INFO(f, "www.example.com.", LDNS_RR_TYPE_A);
	assert_int_equal(i->kind, ANSWER_REFUSED);
	assert_int_equal(i->rcode, LDNS_RCODE_REFUSED);
	assert_int_equal(i->zone, -1);
}

static void test_malformed_and_dropped_packets(void **state)
{
	struct fixture *f = *state;
	uint8_t p[12] = {0x12, 0x34, 0x01, 0x00, 0, 2}; /* QDCOUNT 2 and no question: FORMERR */
	assert_int_equal(answer_batch_begin(&f->ctx), RBL_OK);
	assert_int_equal(answer_packet(&f->ctx, p, sizeof p, f->out, sizeof f->out, false), 12);
	assert_int_equal(f->ctx.info.kind, ANSWER_MALFORMED);
	assert_int_equal(f->ctx.info.rcode, LDNS_RCODE_FORMERR);
	assert_int_equal(f->ctx.info.qtype, 0);
	assert_int_equal(answer_packet(&f->ctx, p, 5, f->out, sizeof f->out, false), 0); /* too short */
	assert_int_equal(f->ctx.info.kind, ANSWER_NONE);
	answer_batch_end(&f->ctx);
}

static void test_badvers_is_an_error_with_the_extended_rcode(void **state)
{
	struct fixture *f = *state;
	const answer_info_t *i = info_of(f, &(struct query){.name = "1.2.0.192." ZONE ".",
	                                                    .type = LDNS_RR_TYPE_A,
	                                                    .edns = true,
	                                                    .payload = 1232,
	                                                    .version = 1});
	assert_int_equal(i->kind, ANSWER_ERROR);
	assert_int_equal(i->rcode, 16);
}

static void test_a_truncated_answer_says_so(void **state)
{
	struct fixture *f = *state;
	/* A 600-byte reason: its TXT does not fit in 512 bytes over UDP without EDNS0. */
	char reason[601];
	memset(reason, 'r', sizeof reason - 1);
	reason[sizeof reason - 1] = '\0';
	PUT(f, "192.0.2.7", {3}, .reason = reason);
	const answer_info_t *i = INFO(f, "7.2.0.192." ZONE ".", LDNS_RR_TYPE_TXT);
	assert_true(i->truncated);
	assert_true(i->listed);
	assert_int_equal(i->kind, ANSWER_POSITIVE); /* what did not fit was an answer */
	i = info_of(f, &(struct query){.name = "7.2.0.192." ZONE ".", .type = LDNS_RR_TYPE_TXT, .tcp = true});
	assert_false(i->truncated);
	assert_int_equal(i->kind, ANSWER_POSITIVE);
}

static void test_refused_to_a_client_outside_allow_query(void **state)
{
	struct fixture *f = *state;
	ldns_pkt *query = ldns_pkt_query_new(ldns_dname_new_frm_str("1.2.0.192." ZONE "."), LDNS_RR_TYPE_TXT,
	                                     LDNS_RR_CLASS_IN, LDNS_RD);
	assert_non_null(query);
	uint8_t *wire = NULL;
	size_t len = 0;
	assert_int_equal(ldns_pkt2wire(&wire, query, &len), LDNS_STATUS_OK);
	ldns_pkt_free(query);
	answer_info_t info;
	memset(&info, 0xff, sizeof info);
	assert_true(answer_refused(wire, len, f->out, sizeof f->out, false, &info) > 12);
	assert_int_equal(info.kind, ANSWER_ACL_REFUSED);
	assert_int_equal(info.rcode, LDNS_RCODE_REFUSED);
	assert_int_equal(info.qtype, LDNS_RR_TYPE_TXT);
	assert_int_equal(info.zone, -1);
	assert_int_equal(info.qname_len, len - 12 - 4);
	assert_int_equal(answer_refused(wire, 5, f->out, sizeof f->out, false, &info), 0);
	assert_int_equal(info.kind, ANSWER_NONE);
	free(wire);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_a_listed_address_is_a_positive_listing_in_its_zone, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_nxdomain_nodata_and_apex_answers_are_no_listing, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_outside_every_zone_is_refused_without_a_zone, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_malformed_and_dropped_packets, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_badvers_is_an_error_with_the_extended_rcode, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_a_truncated_answer_says_so, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_refused_to_a_client_outside_allow_query, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
