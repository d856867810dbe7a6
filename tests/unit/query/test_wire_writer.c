/* SPDX-License-Identifier: BSD-2-Clause */
/* test_wire_writer.c — the DNS writer: each response it builds is valid DNS (ldns parses it) holding what was asked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#include "query/wire.h"
#include "wire_queries.h"

/* cmocka hands every test a state pointer; none of these tests needs one. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

static ldns_pkt *parse_response(const uint8_t *buf, size_t len)
{
	ldns_pkt *pkt = NULL;
	assert_int_equal(ldns_wire2pkt(&pkt, buf, len), LDNS_STATUS_OK);
	assert_non_null(pkt);
	return pkt;
}

static void assert_owner(const ldns_rr *rr, const char *expected)
{
	char *owner = ldns_rdf2str(ldns_rr_owner(rr));
	assert_non_null(owner);
	assert_string_equal(owner, expected);
	free(owner);
}

/* Section counts as ldns read them (its arcount leaves the OPT out). */
static void assert_counts(const ldns_pkt *r, unsigned qd, unsigned an, unsigned ns)
{
	assert_int_equal(ldns_pkt_qdcount(r), qd);
	assert_int_equal(ldns_pkt_ancount(r), an);
	assert_int_equal(ldns_pkt_nscount(r), ns);
}

/* Our OPT as ldns read it: payload 1232, version 0, the given extended rcode and DO. */
static void assert_our_opt(const ldns_pkt *r, unsigned extended_rcode, bool do_bit)
{
	assert_true(ldns_pkt_edns(r));
	assert_int_equal(ldns_pkt_edns_udp_size(r), WIRE_EDNS_PAYLOAD);
	assert_int_equal(ldns_pkt_edns_version(r), 0);
	assert_int_equal(ldns_pkt_edns_extended_rcode(r), extended_rcode);
	assert_int_equal(ldns_pkt_edns_do(r), do_bit);
}

static void test_response_header_echoes_query(void **state)
{
	struct packet p;
	wire_query_t q;
	answerable_query(&listed_a, &p, &q);
	uint8_t buf[512];
	wire_writer_t w;
	wire_writer_begin(&w, buf, sizeof buf, &q, true, true);
	wire_writer_rcode(&w, WIRE_R_NXDOMAIN);
	size_t len = wire_writer_finish(&w);
	assert_int_equal(len, 12 + q.question_len);
	ldns_pkt *r = parse_response(buf, len);
	assert_int_equal(ldns_pkt_id(r), 0xBEEF);
	assert_true(ldns_pkt_qr(r));
	assert_true(ldns_pkt_aa(r));
	assert_false(ldns_pkt_tc(r));
	assert_true(ldns_pkt_rd(r));
	assert_true(ldns_pkt_cd(r));
	assert_false(ldns_pkt_ra(r));
	assert_false(ldns_pkt_ad(r));
	assert_int_equal(ldns_pkt_get_opcode(r), LDNS_PACKET_QUERY);
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NXDOMAIN);
	assert_counts(r, 1, 0, 0);
	assert_int_equal(ldns_pkt_arcount(r), 0);
	assert_false(ldns_pkt_edns(r));
	ldns_rr *question = ldns_rr_list_rr(ldns_pkt_question(r), 0);
	assert_int_equal(ldns_rr_get_type(question), LDNS_RR_TYPE_A);
	assert_int_equal(ldns_rr_get_class(question), LDNS_RR_CLASS_IN);
	ldns_pkt_free(r);
}

static void test_question_case_is_kept_in_answer(void **state)
{
	struct packet p;
	wire_query_t q;
	answerable_query(&listed_a, &p, &q);
	uint8_t buf[512];
	wire_writer_t w;
	wire_writer_begin(&w, buf, sizeof buf, &q, true, true);
	wire_writer_rr(&w, WIRE_ANSWER_SECTION, 12, WIRE_T_A, 2100, (const uint8_t *)"\x7F\x00\x00\x02", 4);
	wire_writer_rr(&w, WIRE_ANSWER_SECTION, 12, WIRE_T_A, 2100, (const uint8_t *)"\x7F\x00\x00\x04", 4);
	size_t len = wire_writer_finish(&w);
	assert_int_equal(len, 12 + q.question_len + 2 * 16);
	assert_memory_equal(buf + 12, p.bytes + 12, q.question_len);
	assert_int_equal(buf[12 + q.question_len], 0xC0);
	assert_int_equal(buf[12 + q.question_len + 1], 12);
	ldns_pkt *r = parse_response(buf, len);
	assert_owner(ldns_rr_list_rr(ldns_pkt_question(r), 0), "2.0.0.127.Rbl.ExAmple.");
	assert_counts(r, 1, 2, 0);
	for (size_t i = 0; i < 2; i++) {
		ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(r), i);
		assert_owner(rr, "2.0.0.127.Rbl.ExAmple.");
		assert_int_equal(ldns_rr_get_type(rr), LDNS_RR_TYPE_A);
		assert_int_equal(ldns_rr_get_class(rr), LDNS_RR_CLASS_IN);
		assert_int_equal(ldns_rr_ttl(rr), 2100);
		ldns_rdf *address = ldns_rr_rdf(rr, 0);
		assert_int_equal(ldns_rdf_size(address), 4);
		const uint8_t expected[4] = {127, 0, 0, (uint8_t)(i == 0 ? 2 : 4)};
		assert_memory_equal(ldns_rdf_data(address), expected, 4);
	}
	ldns_pkt_free(r);
}

static void test_authority_soa_owned_by_zone_suffix(void **state)
{
	struct packet p;
	wire_query_t q;
	answerable_query(&listed_a, &p, &q);
	/* clang-format off */
	uint8_t soa[] = "\x02" "ns" "\x00" "\x04" "host" "\x00"
	                "\x00\x00\x00\x2A" "\x00\x00\x0E\x10" "\x00\x00\x02\x58" "\x00\x09\x3A\x80" "\x00\x00\x01\x2C";
	/* clang-format on */
	uint8_t buf[512];
	wire_writer_t w;
	wire_writer_begin(&w, buf, sizeof buf, &q, true, true);
	wire_writer_rcode(&w, WIRE_R_NXDOMAIN);
	wire_writer_rr(&w, WIRE_AUTHORITY_SECTION, (uint16_t)(12 + q.label_off[4]), WIRE_T_SOA, 300, soa,
	               sizeof soa - 1);
	ldns_pkt *r = parse_response(buf, wire_writer_finish(&w));
	assert_counts(r, 1, 0, 1);
	ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_authority(r), 0);
	assert_owner(rr, "Rbl.ExAmple.");
	assert_int_equal(ldns_rr_get_type(rr), LDNS_RR_TYPE_SOA);
	assert_int_equal(ldns_rr_ttl(rr), 300);
	assert_int_equal(ldns_rdf2native_int32(ldns_rr_rdf(rr, 2)), 42);
	assert_int_equal(ldns_rdf2native_int32(ldns_rr_rdf(rr, 6)), 300);
	ldns_pkt_free(r);
}

/* Writes one TXT answer to a TXT query and checks, through ldns, that it holds text split into 255-byte
 * character-strings. */
static void assert_txt_answer(const char *tmpl, size_t tmpl_len, const char *subst, const char *text, size_t text_len)
{
	struct packet p;
	wire_query_t q;
	answerable_query(&listed_txt_edns, &p, &q);
	uint8_t buf[8192];
	wire_writer_t w;
	wire_writer_begin(&w, buf, sizeof buf, &q, true, true);
	wire_writer_txt(&w, 12, 2100, tmpl, tmpl_len, subst);
	assert_false(w.overflow);
	ldns_pkt *r = parse_response(buf, wire_writer_finish(&w));
	assert_counts(r, 1, 1, 0);
	ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(r), 0);
	assert_owner(rr, "2.0.0.127.rbl.example.");
	assert_int_equal(ldns_rr_get_type(rr), LDNS_RR_TYPE_TXT);
	assert_int_equal(ldns_rr_ttl(rr), 2100);
	size_t strings = text_len == 0 ? 1 : (text_len + 254) / 255;
	assert_int_equal(ldns_rr_rd_count(rr), strings);
	size_t at = 0;
	for (size_t i = 0; i < strings; i++) {
		ldns_rdf *rdf = ldns_rr_rdf(rr, i);
		assert_int_equal(ldns_rdf_get_type(rdf), LDNS_RDF_TYPE_STR);
		size_t piece = text_len - at < 255 ? text_len - at : 255;
		assert_int_equal(ldns_rdf_size(rdf), piece + 1);
		assert_int_equal(ldns_rdf_data(rdf)[0], piece);
		assert_memory_equal(ldns_rdf_data(rdf) + 1, text + at, piece);
		at += piece;
	}
	assert_int_equal(at, text_len);
	ldns_pkt_free(r);
}

static void test_txt_dollar_is_replaced_by_address(void **state)
{
	static const char tmpl[] = "Listed: $ see https://rbl.example/lookup?ip=$";
	static const char text[] = "Listed: 127.0.0.2 see https://rbl.example/lookup?ip=127.0.0.2";
	assert_txt_answer(tmpl, strlen(tmpl), "127.0.0.2", text, strlen(text));
}

static void test_txt_double_dollar_is_one_literal_dollar(void **state)
{
	static const char tmpl[] = "Pays $$$$ to relay via $, $$1 a mail$";
	static const char text[] = "Pays $$ to relay via 192.0.2.1, $1 a mail192.0.2.1";
	assert_txt_answer(tmpl, strlen(tmpl), "192.0.2.1", text, strlen(text));
}

static void test_long_txt_is_split_into_strings(void **state)
{
	char tmpl[600];
	char text[600 + 8];
	memset(tmpl, 'x', sizeof tmpl);
	tmpl[300] = '$';
	memset(text, 'x', sizeof text);
	memcpy(text + 300, "10.0.0.1", 8);
	assert_txt_answer(tmpl, sizeof tmpl, "10.0.0.1", text, sizeof text - 1); /* 607: 255 + 255 + 97 */
}

static void test_txt_split_at_exactly_255_bytes(void **state)
{
	char tmpl[256];
	memset(tmpl, 'y', sizeof tmpl);
	assert_txt_answer(tmpl, 255, NULL, tmpl, 255);
	assert_txt_answer(tmpl, 256, NULL, tmpl, 256);
}

static void test_txt_longer_than_4000_bytes_is_cut(void **state)
{
	char tmpl[5000];
	for (size_t i = 0; i < sizeof tmpl; i++)
		tmpl[i] = (char)('a' + i % 26);
	assert_txt_answer(tmpl, sizeof tmpl, "", tmpl, WIRE_TXT_MAX);
	tmpl[WIRE_TXT_MAX - 2] = '$'; /* the cut falls inside the address */
	char text[WIRE_TXT_MAX];
	memcpy(text, tmpl, WIRE_TXT_MAX - 2);
	memcpy(text + WIRE_TXT_MAX - 2, "12", 2);
	assert_txt_answer(tmpl, WIRE_TXT_MAX - 1, "127.0.0.2", text, WIRE_TXT_MAX);
}

static void test_empty_txt_is_one_empty_string(void **state)
{
	assert_txt_answer("$", 1, "", "", 0);
}

static void test_edns_version_1_is_badvers(void **state)
{
	struct query_spec spec = listed_txt_edns;
	spec.version = 1;
	struct packet p;
	ldns_query(&spec, &p);
	wire_query_t q;
	parse_ok(&p, &q, WIRE_BADVERS);
	assert_true(q.edns);
	assert_int_equal(q.edns_version, 1);
	uint8_t buf[512];
	wire_writer_t w;
	wire_writer_begin(&w, buf, sizeof buf, &q, false, true);
	wire_writer_rcode(&w, WIRE_R_BADVERS);
	wire_writer_opt(&w, WIRE_R_BADVERS, q.edns_do);
	ldns_pkt *r = parse_response(buf, wire_writer_finish(&w));
	assert_int_equal(ldns_pkt_get_rcode(r), 0);
	assert_our_opt(r, 1, true);
	assert_int_equal(ldns_pkt_edns_extended_rcode(r) << 4 | ldns_pkt_get_rcode(r), WIRE_R_BADVERS);
	assert_counts(r, 1, 0, 0);
	ldns_pkt_free(r);
}

static void test_opt_echoes_do_and_advertises_1232(void **state)
{
	struct packet p;
	wire_query_t q;
	answerable_query(&listed_txt_edns, &p, &q);
	uint8_t buf[512];
	wire_writer_t w;
	wire_writer_begin(&w, buf, sizeof buf, &q, true, true);
	wire_writer_opt(&w, WIRE_R_NOERROR, q.edns_do);
	size_t len = wire_writer_finish(&w);
	/* clang-format off */
	assert_memory_equal(buf + len - 11, "\x00" "\x00\x29" "\x04\xD0" "\x00\x00\x80\x00" "\x00\x00", 11);
	/* clang-format on */
	assert_int_equal(buf[11], 1); /* ARCOUNT */
	ldns_pkt *r = parse_response(buf, len);
	assert_our_opt(r, 0, true);
	ldns_pkt_free(r);
	wire_writer_begin(&w, buf, sizeof buf, &q, true, true);
	wire_writer_opt(&w, WIRE_R_NOERROR, false);
	r = parse_response(buf, wire_writer_finish(&w));
	assert_our_opt(r, 0, false);
	ldns_pkt_free(r);
}

/* Response buffers are filled with 0xAA beforehand, so that a write past cap shows. */
static void assert_canary_from(const uint8_t *buf, size_t from, size_t size)
{
	for (size_t i = from; i < size; i++)
		assert_int_equal(buf[i], 0xAA);
}

static void test_record_that_does_not_fit_sets_overflow(void **state)
{
	struct packet p;
	wire_query_t q;
	answerable_query(&listed_a, &p, &q);
	uint8_t buf[256];
	memset(buf, 0xAA, sizeof buf);
	size_t cap = 12 + q.question_len + 16 + 15; /* one A, and not quite a second */
	wire_writer_t w;
	wire_writer_begin(&w, buf, cap, &q, true, true);
	wire_writer_rr(&w, WIRE_ANSWER_SECTION, 12, WIRE_T_A, 60, (const uint8_t *)"\x7F\x00\x00\x02", 4);
	assert_false(w.overflow);
	size_t before = w.len;
	wire_writer_rr(&w, WIRE_ANSWER_SECTION, 12, WIRE_T_A, 60, (const uint8_t *)"\x7F\x00\x00\x03", 4);
	assert_true(w.overflow);
	assert_int_equal(w.len, before);
	assert_int_equal(w.ancount, 1);
	assert_canary_from(buf, before, sizeof buf);
	ldns_pkt *r = parse_response(buf, wire_writer_finish(&w));
	assert_counts(r, 1, 1, 0);
	assert_false(ldns_pkt_tc(r));
	ldns_pkt_free(r);
}

static void test_record_after_overflow_is_not_written(void **state)
{
	struct packet p;
	wire_query_t q;
	answerable_query(&listed_a, &p, &q);
	uint8_t buf[512];
	uint8_t big[400] = {0};
	wire_writer_t w;
	wire_writer_begin(&w, buf, sizeof buf, &q, true, true);
	wire_writer_rr(&w, WIRE_ANSWER_SECTION, 12, WIRE_T_A, 60, (const uint8_t *)"\x7F\x00\x00\x02", 4);
	wire_writer_rr(&w, WIRE_ANSWER_SECTION, 12, 99, 60, big, sizeof big);
	wire_writer_rr(&w, WIRE_ANSWER_SECTION, 12, 99, 60, big, sizeof big);
	assert_true(w.overflow);
	size_t before = w.len;
	/* Would fit, but would leave a hole where the record before it is missing. */
	wire_writer_rr(&w, WIRE_AUTHORITY_SECTION, 12, WIRE_T_A, 60, (const uint8_t *)"\x7F\x00\x00\x03", 4);
	assert_int_equal(w.len, before);
	assert_int_equal(w.nscount, 0);
	assert_int_equal(w.ancount, 2);
}

static void test_reserve_keeps_room_for_opt(void **state)
{
	struct packet p;
	wire_query_t q;
	answerable_query(&listed_txt_edns, &p, &q);
	uint8_t buf[256];
	memset(buf, 0xAA, sizeof buf);
	size_t cap = 12 + q.question_len + 16 + 11;
	wire_writer_t w;
	wire_writer_begin(&w, buf, cap, &q, true, true);
	wire_writer_reserve(&w, 11);
	wire_writer_rr(&w, WIRE_ANSWER_SECTION, 12, WIRE_T_A, 60, (const uint8_t *)"\x7F\x00\x00\x02", 4);
	assert_false(w.overflow);
	wire_writer_rr(&w, WIRE_ANSWER_SECTION, 12, WIRE_T_A, 60, (const uint8_t *)"\x7F\x00\x00\x03", 4);
	assert_true(w.overflow);
	wire_writer_unreserve(&w, 11);
	wire_writer_opt(&w, 0, true);
	size_t len = wire_writer_finish(&w);
	assert_int_equal(len, cap);
	assert_canary_from(buf, cap, sizeof buf);
	ldns_pkt *r = parse_response(buf, len);
	assert_counts(r, 1, 1, 0);
	assert_our_opt(r, 0, true);
	ldns_pkt_free(r);
}

static void test_truncate_sets_tc_and_keeps_question(void **state)
{
	struct packet p;
	wire_query_t q;
	answerable_query(&listed_txt_edns, &p, &q);
	uint8_t buf[512];
	char tmpl[700];
	memset(tmpl, 'q', sizeof tmpl);
	wire_writer_t w;
	wire_writer_begin(&w, buf, sizeof buf, &q, true, true);
	wire_writer_reserve(&w, 11);
	wire_writer_txt(&w, 12, 60, "short $", 7, "127.0.0.2");
	wire_writer_txt(&w, 12, 60, tmpl, sizeof tmpl, "");
	assert_true(w.overflow);
	wire_writer_truncate(&w);
	assert_int_equal(w.len, 12 + q.question_len);
	assert_int_equal(w.ancount, 0);
	wire_writer_unreserve(&w, 11);
	wire_writer_opt(&w, 0, q.edns_do);
	size_t len = wire_writer_finish(&w);
	assert_int_equal(len, 12 + q.question_len + 11);
	assert_memory_equal(buf + 12, p.bytes + 12, q.question_len);
	ldns_pkt *r = parse_response(buf, len);
	assert_true(ldns_pkt_tc(r));
	assert_true(ldns_pkt_qr(r));
	assert_int_equal(ldns_pkt_id(r), 0x0102);
	assert_counts(r, 1, 0, 0);
	assert_our_opt(r, 0, true);
	assert_owner(ldns_rr_list_rr(ldns_pkt_question(r), 0), "2.0.0.127.rbl.example.");
	ldns_pkt_free(r);
}

static void test_truncate_without_question_keeps_header(void **state)
{
	struct packet p;
	put_simple_query(&p, 0);
	wire_query_t q;
	parse_ok(&p, &q, WIRE_ANSWER);
	uint8_t buf[64];
	wire_writer_t w;
	wire_writer_begin(&w, buf, sizeof buf, &q, false, false);
	wire_writer_truncate(&w);
	size_t len = wire_writer_finish(&w);
	assert_int_equal(len, 12);
	ldns_pkt *r = parse_response(buf, len);
	assert_true(ldns_pkt_tc(r));
	assert_counts(r, 0, 0, 0);
	ldns_pkt_free(r);
}

static void test_formerr_response_has_header_only(void **state)
{
	struct packet p;
	put_simple_query(&p, 0);
	p.bytes[5] = 2;
	wire_query_t q;
	parse_ok(&p, &q, WIRE_FORMERR);
	uint8_t buf[64];
	wire_writer_t w;
	wire_writer_begin(&w, buf, sizeof buf, &q, false, false);
	wire_writer_rcode(&w, WIRE_R_FORMERR);
	size_t len = wire_writer_finish(&w);
	assert_int_equal(len, 12);
	ldns_pkt *r = parse_response(buf, len);
	assert_int_equal(ldns_pkt_id(r), 0x1234);
	assert_true(ldns_pkt_qr(r));
	assert_true(ldns_pkt_rd(r));
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_FORMERR);
	assert_counts(r, 0, 0, 0);
	assert_false(ldns_pkt_edns(r));
	ldns_pkt_free(r);
}

static void test_notimp_response_echoes_opcode(void **state)
{
	struct packet p;
	put_simple_query(&p, 0);
	p.bytes[2] = LDNS_PACKET_NOTIFY << 3; /* RD clear */
	wire_query_t q;
	parse_ok(&p, &q, WIRE_NOTIMP);
	uint8_t buf[64];
	wire_writer_t w;
	wire_writer_begin(&w, buf, sizeof buf, &q, false, false);
	wire_writer_rcode(&w, WIRE_R_NOTIMP);
	ldns_pkt *r = parse_response(buf, wire_writer_finish(&w));
	assert_int_equal(ldns_pkt_get_opcode(r), LDNS_PACKET_NOTIFY);
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NOTIMPL);
	assert_true(ldns_pkt_qr(r));
	assert_false(ldns_pkt_aa(r));
	assert_false(ldns_pkt_rd(r));
	assert_counts(r, 0, 0, 0);
	ldns_pkt_free(r);
}

/* The whole answer sequence of the query handler at every cap: nothing is written past cap, and whenever cap is
 * what wire_writer_begin asks for, the result is valid DNS whose TC bit tells whether answers were dropped. */
static void test_writer_never_writes_past_cap(void **state)
{
	struct packet p;
	wire_query_t q;
	answerable_query(&listed_txt_edns, &p, &q);
	size_t minimum = 12 + q.question_len + 11;
	unsigned truncated_seen = 0, complete_seen = 0;
	for (size_t cap = 1; cap < 400; cap++) {
		uint8_t *buf = malloc(cap); /* exact size: ASan sees any write past cap */
		assert_non_null(buf);
		wire_writer_t w;
		wire_writer_begin(&w, buf, cap, &q, true, true);
		if (cap >= 11)
			wire_writer_reserve(&w, 11);
		wire_writer_rr(&w, WIRE_ANSWER_SECTION, 12, WIRE_T_A, 60, (const uint8_t *)"\x7F\x00\x00\x02", 4);
		wire_writer_txt(&w, 12, 60, "Listed, see http://rbl.example/$", 32, "127.0.0.2");
		/* clang-format off */
		wire_writer_rr(&w, WIRE_AUTHORITY_SECTION, (uint16_t)(12 + q.label_off[4]), WIRE_T_NS, 60,
		               (const uint8_t *)"\x02" "ns" "\xC0\x1A", 5);
		/* clang-format on */
		bool truncated = w.overflow;
		if (truncated)
			wire_writer_truncate(&w);
		if (cap >= 11)
			wire_writer_unreserve(&w, 11);
		wire_writer_opt(&w, 0, true);
		size_t len = wire_writer_finish(&w);
		assert_true(len <= cap);
		if (cap >= minimum) {
			ldns_pkt *r = parse_response(buf, len);
			assert_int_equal(ldns_pkt_tc(r), truncated);
			assert_counts(r, 1, truncated ? 0 : 2, truncated ? 0 : 1);
			assert_our_opt(r, 0, true);
			ldns_pkt_free(r);
			truncated ? truncated_seen++ : complete_seen++;
		}
		free(buf);
	}
	assert_true(truncated_seen > 0 && complete_seen > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_response_header_echoes_query),
	        cmocka_unit_test(test_question_case_is_kept_in_answer),
	        cmocka_unit_test(test_authority_soa_owned_by_zone_suffix),
	        cmocka_unit_test(test_txt_dollar_is_replaced_by_address),
	        cmocka_unit_test(test_txt_double_dollar_is_one_literal_dollar),
	        cmocka_unit_test(test_long_txt_is_split_into_strings),
	        cmocka_unit_test(test_txt_split_at_exactly_255_bytes),
	        cmocka_unit_test(test_txt_longer_than_4000_bytes_is_cut),
	        cmocka_unit_test(test_empty_txt_is_one_empty_string),
	        cmocka_unit_test(test_edns_version_1_is_badvers),
	        cmocka_unit_test(test_opt_echoes_do_and_advertises_1232),
	        cmocka_unit_test(test_record_that_does_not_fit_sets_overflow),
	        cmocka_unit_test(test_record_after_overflow_is_not_written),
	        cmocka_unit_test(test_reserve_keeps_room_for_opt),
	        cmocka_unit_test(test_truncate_sets_tc_and_keeps_question),
	        cmocka_unit_test(test_truncate_without_question_keeps_header),
	        cmocka_unit_test(test_formerr_response_has_header_only),
	        cmocka_unit_test(test_notimp_response_echoes_opcode),
	        cmocka_unit_test(test_writer_never_writes_past_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
