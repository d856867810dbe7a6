/* SPDX-License-Identifier: BSD-2-Clause */
/* test_answer_protocol.c — the message around the name: FORMERR, NOTIMP, header flags, REFUSED, EDNS0, size limits. */
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

/* Answers a hand-built packet from an exact-size heap copy, so that AddressSanitizer sees any read past its end. */
static size_t answer_raw(struct fixture *f, const uint8_t *bytes, size_t len, bool tcp)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, bytes, len);
	memset(f->out, SENTINEL, sizeof f->out);
	assert_int_equal(answer_batch_begin(&f->ctx), RBL_OK);
	size_t n = answer_packet(&f->ctx, copy, len, f->out, sizeof f->out, tcp);
	answer_batch_end(&f->ctx);
	free(copy);
	return n;
}

/* Header (id 0x4242, flags, QDCOUNT qd, other counts 0) and the question 2.0.0.127.rbl.example A IN. */
static size_t raw_query(uint8_t *p, uint16_t flags, uint16_t qd)
{
	static const uint8_t question[] = {1, '2', 1,   '0', 1,   '0', 3,   '1', '2', '7', 3, 'r', 'b', 'l',
	                                   7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,   0,   1, 0,   1};
	const uint8_t header[12] = {0x42, 0x42, (uint8_t)(flags >> 8), (uint8_t)flags, 0, (uint8_t)qd};
	memcpy(p, header, sizeof header);
	memcpy(p + 12, question, sizeof question);
	return 12 + sizeof question;
}

/* A response of a header only (FORMERR, NOTIMP): the query's id, QR, opcode echoed, RD echoed for QUERY only (it
 * means nothing for another opcode), no question, no OPT. */
static void expect_header_only(struct fixture *f, size_t n, ldns_pkt_opcode opcode, ldns_pkt_rcode rcode)
{
	assert_int_equal(n, 12);
	ldns_pkt *r = parse_response(f, n);
	assert_int_equal(ldns_pkt_id(r), 0x4242);
	assert_true(ldns_pkt_qr(r));
	assert_int_equal(ldns_pkt_rd(r), opcode == LDNS_PACKET_QUERY);
	assert_int_equal(ldns_pkt_get_opcode(r), opcode);
	assert_int_equal(ldns_pkt_qdcount(r), 0);
	expect_status(r, rcode, false, false, 0, 0);
	assert_false(ldns_pkt_edns(r));
}

static void test_qdcount_other_than_one_is_formerr(void **state)
{
	struct fixture *f = *state;
	uint8_t p[128];
	size_t len = raw_query(p, 0x0100, 2);
	memcpy(p + len, p + 12, len - 12); /* the same question twice */
	for (int tcp = 0; tcp <= 1; tcp++) {
		expect_header_only(f, answer_raw(f, p, 2 * len - 12, tcp), LDNS_PACKET_QUERY, LDNS_RCODE_FORMERR);
		expect_header_only(f, answer_raw(f, p, 12, tcp), LDNS_PACKET_QUERY, LDNS_RCODE_FORMERR);
	}
	len = raw_query(p, 0x0100, 0);
	expect_header_only(f, answer_raw(f, p, len, false), LDNS_PACKET_QUERY, LDNS_RCODE_FORMERR);
	len = raw_query(p, 0x0100, 1);
	expect_header_only(f, answer_raw(f, p, len - 7, false), LDNS_PACKET_QUERY, LDNS_RCODE_FORMERR); /* cut */
}

static void test_other_opcode_is_notimp_with_opcode_echoed(void **state)
{
	struct fixture *f = *state;
	uint8_t p[128];
	size_t len = raw_query(p, 2 << 11 | 0x0100, 1); /* opcode 2, STATUS */
	expect_header_only(f, answer_raw(f, p, len, false), LDNS_PACKET_STATUS, LDNS_RCODE_NOTIMPL);
	len = raw_query(p, 4 << 11 | 0x0100, 1); /* opcode 4, NOTIFY */
	expect_header_only(f, answer_raw(f, p, len, true), LDNS_PACKET_NOTIFY, LDNS_RCODE_NOTIMPL);
}

/* ISC's DNS compliance tester (genreport) sends QUERY with each header flag set alone, and opcode 15 with none and
 * with all. RD and CD are echoed for QUERY; AA is ours; TC, RA, Z and AD are never set. For any other opcode
 * (NOTIMP) none of them means anything: only QR, the opcode and the rcode are set. */
static void test_genreport_flag_and_opcode_combinations_get_clean_flags(void **state)
{
	struct fixture *f = *state;
	static const uint16_t flags[] = {0x0400 /* aa */, 0x0200 /* tc */, 0x0100 /* rd */, 0x0080 /* ra */,
	                                 0x0040 /* z */,  0x0020 /* ad */, 0x0010 /* cd */, 0x0000};
	uint8_t p[128];
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		size_t len = raw_query(p, flags[i], 1);
		size_t n = answer_raw(f, p, len, false);
		assert_true(n > 12);
		assert_int_equal(f->out[2], 0x80 | 0x04 | (flags[i] == 0x0100 ? 0x01 : 0)); /* QR, AA, RD if asked */
		assert_int_equal(f->out[3], flags[i] == 0x0010 ? 0x10 : 0x00);              /* CD if asked, NOERROR */
	}
	for (unsigned opcode = 1; opcode <= 15; opcode++) {
		for (int all = 0; all <= 1; all++) {
			size_t len = raw_query(p, (uint16_t)(opcode << 11 | (all ? 0x07F0 : 0)), 1);
			for (int tcp = 0; tcp <= 1; tcp++) {
				assert_int_equal(answer_raw(f, p, len, tcp), 12);
				assert_int_equal(f->out[2], 0x80 | opcode << 3); /* QR and the opcode: no AA, TC, RD */
				assert_int_equal(f->out[3], LDNS_RCODE_NOTIMPL); /* no RA, Z, AD, CD */
			}
		}
	}
}

static void test_refused_answer_for_clients_outside_the_acl_echoes_the_question(void **state)
{
	struct fixture *f = *state;
	uint8_t p[128];
	size_t len = raw_query(p, 0x0100, 1);
	for (int tcp = 0; tcp <= 1; tcp++) {
		size_t n = answer_refused(p, len, f->out, sizeof f->out, tcp, NULL);
		assert_int_equal(n, len);
		ldns_pkt *r = parse_response(f, n);
		assert_int_equal(ldns_pkt_id(r), 0x4242);
		assert_true(ldns_pkt_rd(r));
		assert_int_equal(ldns_pkt_qdcount(r), 1);
		expect_status(r, LDNS_RCODE_REFUSED, false, false, 0, 0);
		assert_memory_equal(f->out + 12, p + 12, len - 12);
	}
	len = raw_query(p, 4 << 11, 1); /* NOTIFY: refused too, header only */
	assert_int_equal(answer_refused(p, len, f->out, sizeof f->out, false, NULL), 12);
	assert_int_equal(f->out[3] & 0xf, LDNS_RCODE_REFUSED);
	p[2] |= 0x80; /* a response: never answered */
	assert_int_equal(answer_refused(p, len, f->out, sizeof f->out, false, NULL), 0);
}

static void test_response_or_packet_shorter_than_header_is_never_answered(void **state)
{
	struct fixture *f = *state;
	uint8_t p[128];
	size_t len = raw_query(p, 0x8100, 1); /* QR=1 */
	assert_int_equal(answer_raw(f, p, len, false), 0);
	assert_int_equal(answer_raw(f, p, len, true), 0);
	len = raw_query(p, 0x8000 | 2 << 11, 2); /* a response is dropped whatever else is wrong with it */
	assert_int_equal(answer_raw(f, p, len, false), 0);
	raw_query(p, 0x0100, 1);
	for (len = 0; len < 12; len++) { /* shorter than a header */
		assert_int_equal(answer_raw(f, p, len, false), 0);
		assert_int_equal(answer_raw(f, p, len, true), 0);
	}
	assert_int_equal(f->out[0], SENTINEL);
}

static void test_edns_opt_is_echoed_with_our_payload_and_do_bit(void **state)
{
	struct fixture *f = *state;
	zone_def_t def;
	zone_def_of(f, ZONE ".", &def);
	/* ask_in_batch checks the OPT: payload 1232, version 0, DO as sent, extended rcode 0. */
	for (int do_bit = 0; do_bit <= 1; do_bit++) {
		ldns_pkt *r = ASK(f, "2.0.0.127.rbl.example.", LDNS_RR_TYPE_A, false, 0, true, 4096, 0, do_bit);
		expect_status(r, LDNS_RCODE_NOERROR, true, false, 1, 0);
		expect_a(r, 0, "2.0.0.127.rbl.example.", ZONE_TTL, TEST_POINT);
		r = ASK(f, "1.0.0.127.rbl.example.", LDNS_RR_TYPE_A, true, 0, true, 512, 0, do_bit);
		expect_negative_soa(r, LDNS_RCODE_NXDOMAIN, &def);
		r = ASK(f, "2.0.0.127.example.", LDNS_RR_TYPE_A, false, 0, true, 1232, 0, do_bit);
		expect_status(r, LDNS_RCODE_REFUSED, false, false, 0, 0);
	}
}

static void test_edns_version_1_is_badvers(void **state)
{
	struct fixture *f = *state;
	for (int tcp = 0; tcp <= 1; tcp++) {
		ldns_pkt *r = ASK(f, "2.0.0.127.rbl.example.", LDNS_RR_TYPE_A, tcp, 0, true, 1232, 1, true);
		/* BADVERS is 16: 0 in the header's rcode, 1 in the OPT's extended rcode (checked by ask_in_batch). */
		assert_int_equal(ldns_pkt_edns_extended_rcode(r) << 4 | ldns_pkt_get_rcode(r), 16);
		expect_status(r, LDNS_RCODE_NOERROR, false, false, 0, 0);
	}
}

static void test_oversized_txt_without_edns_is_truncated_over_udp_and_whole_over_tcp(void **state)
{
	struct fixture *f = *state;
	char reason[601];
	memset(reason, 'r', 600);
	memcpy(reason, "relay $: ", 9);
	reason[600] = '\0';
	PUT(f, "192.0.2.8", {3}, .reason = reason);
	char expected[700];
	snprintf(expected, sizeof expected, "relay 192.0.2.8: %s", reason + 9);
	const char *name = "8.2.0.192.Rbl.Example.";

	/* UDP, no EDNS0: 662 bytes do not fit in 512; the question is kept (ask_in_batch checks it). */
	expect_status(ASK(f, name, LDNS_RR_TYPE_TXT), LDNS_RCODE_NOERROR, true, true, 0, 0);
	ldns_pkt *r = ASK(f, name, LDNS_RR_TYPE_TXT, true);
	expect_status(r, LDNS_RCODE_NOERROR, true, false, 1, 0);
	expect_txt(r, 0, name, ZONE_TTL, expected);
	assert_int_equal(ldns_rr_rd_count(ldns_rr_list_rr(ldns_pkt_answer(r), 0)), 3); /* 608 bytes: 255 + 255 + 98 */
	r = ASK(f, name, LDNS_RR_TYPE_TXT, false, 0, true, 1232);                      /* fits in EDNS0's 1232 */
	expect_status(r, LDNS_RCODE_NOERROR, true, false, 1, 0);
	expect_txt(r, 0, name, ZONE_TTL, expected);
	expect_status(ASK(f, name, LDNS_RR_TYPE_A), LDNS_RCODE_NOERROR, true, false, 1, 0);
}

static void test_response_never_exceeds_client_edns_payload(void **state)
{
	struct fixture *f = *state;
	/* 72 x "$ " + 8 bytes: 72 x "192.0.2.77 " + 8 = an 800-byte TXT, a response of exactly 867 bytes ("$ " and not
	 * "$$", which is a literal dollar). */
	char reason[300] = "", expected[2048] = "";
	for (int i = 0; i < 72; i++) {
		strcat(reason, "$ ");
		strcat(expected, "192.0.2.77 ");
	}
	strcat(reason, "abcdefgh");
	strcat(expected, "abcdefgh");
	PUT(f, "192.0.2.77", .reason = reason);
	const char *name = "77.2.0.192.rbl.example.";

	static const struct {
		uint16_t payload;
		bool fits;
	} cases[] = {{0, false},  {100, false}, {512, false}, {700, false}, {866, false},
	             {867, true}, {1232, true}, {4096, true}, {65535, true}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		/* ask_in_batch checks len <= min(max(payload, 512), 1232) and that no byte past it was written. */
		ldns_pkt *r = ASK(f, name, LDNS_RR_TYPE_TXT, false, 0, true, cases[i].payload, 0, true);
		expect_status(r, LDNS_RCODE_NOERROR, true, !cases[i].fits, cases[i].fits ? 1 : 0, 0);
		if (cases[i].fits)
			expect_txt(r, 0, name, ZONE_TTL, expected);
	}

	/* 136 x 11 + 4 bytes = 1500: past our own 1232 whatever the client offers; whole over TCP. */
	reason[0] = expected[0] = '\0';
	for (int i = 0; i < 136; i++) {
		strcat(reason, "$ ");
		strcat(expected, "192.0.2.77 ");
	}
	strcat(reason, "abcd");
	strcat(expected, "abcd");
	PUT(f, "192.0.2.77", .reason = reason);
	ldns_pkt *r = ASK(f, name, LDNS_RR_TYPE_TXT, false, 0, true, 4096);
	expect_status(r, LDNS_RCODE_NOERROR, true, true, 0, 0);
	r = ASK(f, name, LDNS_RR_TYPE_TXT, true, 0, true, 4096);
	expect_status(r, LDNS_RCODE_NOERROR, true, false, 1, 0);
	expect_txt(r, 0, name, ZONE_TTL, expected);
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        TEST(test_refused_answer_for_clients_outside_the_acl_echoes_the_question),
	        TEST(test_qdcount_other_than_one_is_formerr),
	        TEST(test_other_opcode_is_notimp_with_opcode_echoed),
	        TEST(test_genreport_flag_and_opcode_combinations_get_clean_flags),
	        TEST(test_response_or_packet_shorter_than_header_is_never_answered),
	        TEST(test_edns_opt_is_echoed_with_our_payload_and_do_bit),
	        TEST(test_edns_version_1_is_badvers),
	        TEST(test_oversized_txt_without_edns_is_truncated_over_udp_and_whole_over_tcp),
	        TEST(test_response_never_exceeds_client_edns_payload),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
