/* SPDX-License-Identifier: BSD-2-Clause */
/* test_wire_errors.c — error answers and EDNS0: a NOTIMP or FORMERR answer to a query that carried a well-formed OPT
 * carries ours back (RFC 6891 section 7); a message too broken to walk gets none; the walk never reads past it. */
#include "base/err.h"
#include "query/wire.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

/* A query for "a." IN A with the given opcode and QDCOUNT (the question repeated), and an OPT (DO set) when opt. */
static size_t build(uint8_t *buf, unsigned opcode, unsigned qdcount, bool opt)
{
	static const uint8_t question[] = {1, 'a', 0, 0, 1, 0, 1};
	static const uint8_t opt_rr[] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0};
	uint8_t header[12] = {0x12, 0x34, (uint8_t)(opcode << 3), 0, 0, (uint8_t)qdcount, 0, 0, 0, 0, 0, opt ? 1 : 0};
	size_t n = 0;
	memcpy(buf, header, sizeof header);
	n += sizeof header;
	for (unsigned i = 0; i < qdcount; i++) {
		memcpy(buf + n, question, sizeof question);
		n += sizeof question;
	}
	if (opt) {
		memcpy(buf + n, opt_rr, sizeof opt_rr);
		n += sizeof opt_rr;
	}
	return n;
}

/* The error answer the writer builds for q, parsed back with ldns. */
static ldns_pkt *error_answer(const wire_query_t *q, unsigned rcode)
{
	uint8_t out[512];
	wire_writer_t w;
	wire_writer_begin(&w, out, sizeof out, q, false, false);
	wire_writer_rcode(&w, rcode);
	if (q->edns)
		wire_writer_opt(&w, rcode, q->edns_do);
	size_t n = wire_writer_finish(&w);
	ldns_pkt *p = NULL;
	assert_int_equal(ldns_wire2pkt(&p, out, n), LDNS_STATUS_OK);
	return p;
}

static void test_notimp_to_an_edns_query_carries_an_opt(void **state)
{
	(void)state;
	uint8_t pkt[64];
	size_t n = build(pkt, 2, 1, true);
	wire_query_t q;
	assert_int_equal(wire_parse_query(pkt, n, &q), WIRE_NOTIMP);
	assert_true(q.edns);
	assert_true(q.edns_do);
	ldns_pkt *p = error_answer(&q, WIRE_R_NOTIMP);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOTIMPL);
	assert_int_equal(ldns_pkt_edns_udp_size(p), WIRE_EDNS_PAYLOAD);
	assert_true(ldns_pkt_edns_do(p));
	ldns_pkt_free(p);
}

static void test_formerr_for_two_questions_with_edns_carries_an_opt(void **state)
{
	(void)state;
	uint8_t pkt[64];
	size_t n = build(pkt, 0, 2, true);
	wire_query_t q;
	assert_int_equal(wire_parse_query(pkt, n, &q), WIRE_FORMERR);
	assert_true(q.edns);
	ldns_pkt *p = error_answer(&q, WIRE_R_FORMERR);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR);
	assert_int_equal(ldns_pkt_edns_udp_size(p), WIRE_EDNS_PAYLOAD);
	ldns_pkt_free(p);
}

static void test_error_answers_without_edns_have_no_opt(void **state)
{
	(void)state;
	uint8_t pkt[64];
	size_t n = build(pkt, 2, 1, false);
	wire_query_t q;
	assert_int_equal(wire_parse_query(pkt, n, &q), WIRE_NOTIMP);
	assert_false(q.edns);
}

static void test_a_truncated_message_gets_no_opt_and_no_overread(void **state)
{
	(void)state;
	uint8_t full[64];
	size_t n = build(full, 2, 1, true);
	for (size_t len = 12; len < n; len++) {
		uint8_t *exact = malloc(len); /* exact size: ASan catches any read past it */
		memcpy(exact, full, len);
		wire_query_t q;
		assert_int_equal(wire_parse_query(exact, len, &q), WIRE_NOTIMP);
		assert_false(q.edns);
		free(exact);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notimp_to_an_edns_query_carries_an_opt),
		cmocka_unit_test(test_formerr_for_two_questions_with_edns_carries_an_opt),
		cmocka_unit_test(test_error_answers_without_edns_have_no_opt),
		cmocka_unit_test(test_a_truncated_message_gets_no_opt_and_no_overread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
