/* SPDX-License-Identifier: BSD-2-Clause */
/* test_wire.c — the hand-written DNS reader and writer: every verdict of wire_parse_query, and every response the
 * writer builds parsed back with ldns to prove it is valid DNS carrying exactly what was asked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#include "query/wire.h"

/* cmocka hands every test a state pointer; none of these tests needs one. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

/* A query packet built by hand (for malformed ones) or copied from ldns. */
struct packet {
	uint8_t bytes[1024];
	size_t len;
};

static void put_u8(struct packet *p, uint8_t v)
{
	assert_true(p->len < sizeof p->bytes);
	p->bytes[p->len++] = v;
}

static void put_u16(struct packet *p, uint16_t v)
{
	put_u8(p, (uint8_t)(v >> 8));
	put_u8(p, (uint8_t)v);
}

static void put_raw(struct packet *p, const void *src, size_t n)
{
	assert_true(n <= sizeof p->bytes - p->len);
	memcpy(p->bytes + p->len, src, n);
	p->len += n;
}

/* flags is header bytes 2 and 3 together: 0x0100 = RD. */
static void put_header(struct packet *p, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
{
	p->len = 0;
	put_u16(p, 0x1234);
	put_u16(p, flags);
	put_u16(p, qd);
	put_u16(p, an);
	put_u16(p, ns);
	put_u16(p, ar);
}

static void put_opt(struct packet *p, uint16_t payload, uint8_t version, bool do_bit)
{
	put_u8(p, 0);
	put_u16(p, WIRE_T_OPT);
	put_u16(p, payload);
	put_u8(p, 0);
	put_u8(p, version);
	put_u16(p, do_bit ? 0x8000 : 0);
	put_u16(p, 0);
}

/* Header, question "\x01a\x03Rbl\x00" A IN, then nothing: ARCOUNT is the caller's. */
static void put_simple_query(struct packet *p, uint16_t ar)
{
	put_header(p, 0x0100, 1, 0, 0, ar);
	put_raw(p, "\x01" "a" "\x03" "Rbl" "\x00" "\x00\x01" "\x00\x01", 11);
}

struct query_spec {
	const char *name;
	ldns_rr_type type;
	uint16_t id;
	uint16_t flags; /* LDNS_RD, LDNS_CD */
	bool edns;
	uint16_t udp_size;
	uint8_t version;
	bool do_bit;
};

static void ldns_query(const struct query_spec *spec, struct packet *p)
{
	ldns_rdf *name = ldns_dname_new_frm_str(spec->name);
	assert_non_null(name);
	ldns_pkt *pkt = ldns_pkt_query_new(name, spec->type, LDNS_RR_CLASS_IN, spec->flags);
	assert_non_null(pkt);
	ldns_pkt_set_id(pkt, spec->id);
	if (spec->edns) {
		ldns_pkt_set_edns_udp_size(pkt, spec->udp_size);
		ldns_pkt_set_edns_version(pkt, spec->version);
		ldns_pkt_set_edns_do(pkt, spec->do_bit);
	}
	uint8_t *wire = NULL;
	size_t size = 0;
	assert_int_equal(ldns_pkt2wire(&wire, pkt, &size), LDNS_STATUS_OK);
	p->len = 0;
	put_raw(p, wire, size);
	free(wire);
	ldns_pkt_free(pkt);
}

/* Builds a query with ldns and parses it, expecting a query to answer. */
static void answerable_query(const struct query_spec *spec, struct packet *p, wire_query_t *q)
{
	ldns_query(spec, p);
	assert_int_equal(wire_parse_query(p->bytes, p->len, q), WIRE_ANSWER);
}

/* Parses from an exact-size heap copy, so that AddressSanitizer catches any read past len. */
static enum wire_verdict parse_exact(const uint8_t *bytes, size_t len, wire_query_t *q)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, bytes, len);
	enum wire_verdict verdict = wire_parse_query(copy, len, q);
	/* qname would dangle once copy is freed. */
	q->qname = NULL;
	free(copy);
	return verdict;
}

/* The verdict on p, parsed from an exact-size copy. */
static enum wire_verdict verdict_of(const struct packet *p)
{
	wire_query_t q;
	return parse_exact(p->bytes, p->len, &q);
}

static void parse_ok(const struct packet *p, wire_query_t *q, enum wire_verdict expected)
{
	assert_int_equal(wire_parse_query(p->bytes, p->len, q), expected);
}

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

static const struct query_spec listed_a = {"2.0.0.127.Rbl.ExAmple.", LDNS_RR_TYPE_A, 0xBEEF, LDNS_RD | LDNS_CD,
					   false, 0, 0, false};
static const struct query_spec listed_txt_edns = {"2.0.0.127.rbl.example.", LDNS_RR_TYPE_TXT, 0x0102, LDNS_RD,
						  true, 4096, 0, true};

/* ---- parsing ---- */

static void test_nine_byte_packet_is_dropped(void **state)
{
	struct packet p;
	put_simple_query(&p, 0);
	wire_query_t q;
	assert_int_equal(parse_exact(p.bytes, 9, &q), WIRE_DROP);
	assert_int_equal(parse_exact(p.bytes, 0, &q), WIRE_DROP);
	assert_int_equal(parse_exact(p.bytes, 11, &q), WIRE_DROP);
}

static void test_response_packet_is_dropped(void **state)
{
	struct packet p;
	put_simple_query(&p, 0);
	p.bytes[2] |= 0x80;
	wire_query_t q;
	q.id = 7;
	parse_ok(&p, &q, WIRE_DROP);
	assert_int_equal(q.id, 7); /* not touched */
}

static void test_other_opcode_is_notimp_with_header_filled_and_no_flags(void **state)
{
	struct packet p;
	/* NOTIFY (4) with QDCOUNT 0: the opcode is checked before the counts. RD and CD mean nothing outside QUERY, so
	 * the answer echoes neither. */
	put_header(&p, 4 << 11 | 0x0100 | 0x0010, 0, 0, 0, 0);
	wire_query_t q;
	parse_ok(&p, &q, WIRE_NOTIMP);
	assert_int_equal(q.id, 0x1234);
	assert_int_equal(q.opcode, 4);
	assert_false(q.rd);
	assert_false(q.cd);
	assert_null(q.qname);
	assert_false(q.edns);
}

static void test_qdcount_two_is_formerr(void **state)
{
	struct packet p;
	put_simple_query(&p, 0);
	p.bytes[5] = 2;
	put_raw(&p, "\x00" "\x00\x01" "\x00\x01", 5);
	wire_query_t q;
	parse_ok(&p, &q, WIRE_FORMERR);
	assert_int_equal(q.id, 0x1234);
	assert_true(q.rd);
}

static void test_qdcount_zero_is_formerr(void **state)
{
	struct packet p;
	put_header(&p, 0, 0, 0, 0, 0);
	assert_int_equal(verdict_of(&p), WIRE_FORMERR);
}

static void test_ancount_or_nscount_is_formerr(void **state)
{
	struct packet p;
	put_simple_query(&p, 0);
	p.bytes[7] = 1;
	assert_int_equal(verdict_of(&p), WIRE_FORMERR);
	put_simple_query(&p, 0);
	p.bytes[9] = 1;
	assert_int_equal(verdict_of(&p), WIRE_FORMERR);
}

static void test_compression_pointer_in_question_is_formerr(void **state)
{
	struct packet p;
	put_header(&p, 0, 1, 0, 0, 0);
	put_raw(&p, "\x03" "abc" "\xC0\x0C" "\x00\x01" "\x00\x01", 10);
	assert_int_equal(verdict_of(&p), WIRE_FORMERR);
}

static void test_pointer_loop_in_question_is_formerr(void **state)
{
	struct packet p;
	put_header(&p, 0, 1, 0, 0, 0);
	put_raw(&p, "\xC0\x0C" "\x00\x01" "\x00\x01", 6); /* a pointer to itself */
	assert_int_equal(verdict_of(&p), WIRE_FORMERR);
}

static void test_extended_label_type_in_question_is_formerr(void **state)
{
	struct packet p;
	put_header(&p, 0, 1, 0, 0, 0);
	put_raw(&p, "\x41" "\x00" "\x00\x01" "\x00\x01", 6);
	assert_int_equal(verdict_of(&p), WIRE_FORMERR);
	put_header(&p, 0, 1, 0, 0, 0);
	put_raw(&p, "\x80" "\x00" "\x00\x01" "\x00\x01", 6);
	assert_int_equal(verdict_of(&p), WIRE_FORMERR);
}

/* A question whose labels have the given lengths, filled with 'x'. */
static void put_labels_query(struct packet *p, const unsigned *lengths, size_t count)
{
	put_header(p, 0, 1, 0, 0, 0);
	for (size_t i = 0; i < count; i++) {
		put_u8(p, (uint8_t)lengths[i]);
		for (unsigned j = 0; j < lengths[i]; j++)
			put_u8(p, 'x');
	}
	put_u8(p, 0);
	put_u16(p, WIRE_T_A);
	put_u16(p, WIRE_C_IN);
}

/* Each boundary test also shows that the size just below the limit is accepted. */
static void test_label_of_64_bytes_is_formerr(void **state)
{
	struct packet p;
	const unsigned too_long[] = {64, 3}, longest[] = {63, 3};
	put_labels_query(&p, too_long, 2);
	assert_int_equal(verdict_of(&p), WIRE_FORMERR);
	put_labels_query(&p, longest, 2);
	wire_query_t q;
	parse_ok(&p, &q, WIRE_ANSWER);
	assert_int_equal(q.labels, 2);
	assert_int_equal(q.label_off[1], 64);
	assert_int_equal(q.qname_len, 69);
}

static void test_name_of_256_bytes_is_formerr(void **state)
{
	struct packet p;
	const unsigned too_long[] = {63, 63, 63, 62}, longest[] = {63, 63, 63, 61}; /* 64 * 3 + 62 + root = 255 */
	put_labels_query(&p, too_long, 4);
	assert_int_equal(verdict_of(&p), WIRE_FORMERR);
	put_labels_query(&p, longest, 4);
	wire_query_t q;
	parse_ok(&p, &q, WIRE_ANSWER);
	assert_int_equal(q.qname_len, 255);
	assert_int_equal(q.lower[254], 0);
}

static void test_name_of_127_one_byte_labels_is_accepted(void **state)
{
	unsigned lengths[127];
	for (size_t i = 0; i < 127; i++)
		lengths[i] = 1;
	struct packet p;
	put_labels_query(&p, lengths, 127);
	wire_query_t q;
	parse_ok(&p, &q, WIRE_ANSWER);
	assert_int_equal(q.labels, 127);
	assert_int_equal(q.label_off[126], 252);
}

static void test_truncated_question_is_formerr(void **state)
{
	struct packet p;
	wire_query_t q;
	put_header(&p, 0, 1, 0, 0, 0);
	put_raw(&p, "\x03" "abc", 4); /* no root label */
	assert_int_equal(parse_exact(p.bytes, p.len, &q), WIRE_FORMERR);
	put_header(&p, 0, 1, 0, 0, 0);
	put_raw(&p, "\x05" "abc", 4); /* label runs past the end */
	assert_int_equal(parse_exact(p.bytes, p.len, &q), WIRE_FORMERR);
	put_simple_query(&p, 0);
	assert_int_equal(parse_exact(p.bytes, p.len - 1, &q), WIRE_FORMERR); /* class cut */
}

static void test_query_fields_are_read(void **state)
{
	struct packet p;
	wire_query_t q;
	answerable_query(&listed_a, &p, &q);
	assert_int_equal(q.id, 0xBEEF);
	assert_int_equal(q.opcode, 0);
	assert_true(q.rd);
	assert_true(q.cd);
	assert_ptr_equal(q.qname, p.bytes + 12);
	assert_int_equal(q.qname_len, 23);
	assert_int_equal(q.question_len, 27);
	assert_int_equal(q.qtype, WIRE_T_A);
	assert_int_equal(q.qclass, WIRE_C_IN);
	assert_false(q.edns);
	assert_int_equal(q.labels, 6);
	const uint8_t offsets[] = {0, 2, 4, 6, 10, 14};
	assert_memory_equal(q.label_off, offsets, sizeof offsets);
	assert_memory_equal(q.lower, "\x01" "2" "\x01" "0" "\x01" "0" "\x03" "127" "\x03" "rbl" "\x07" "example" "\x00",
			    23);
	assert_memory_equal(q.qname, "\x01" "2" "\x01" "0" "\x01" "0" "\x03" "127" "\x03" "Rbl" "\x07" "ExAmple" "\x00",
			    23);
}

static void test_root_question_has_no_labels(void **state)
{
	struct packet p;
	put_header(&p, 0, 1, 0, 0, 0);
	put_raw(&p, "\x00" "\x00\x02" "\x00\x01", 5);
	wire_query_t q;
	parse_ok(&p, &q, WIRE_ANSWER);
	assert_int_equal(q.labels, 0);
	assert_int_equal(q.qname_len, 1);
	assert_int_equal(q.qtype, WIRE_T_NS);
}

static void test_edns_fields_are_read(void **state)
{
	struct packet p;
	wire_query_t q;
	answerable_query(&listed_txt_edns, &p, &q);
	assert_true(q.edns);
	assert_int_equal(q.edns_payload, 4096);
	assert_int_equal(q.edns_version, 0);
	assert_true(q.edns_do);
	assert_int_equal(q.qtype, WIRE_T_TXT);
}

static void test_edns_payload_below_512_is_raised_to_512(void **state)
{
	struct packet p;
	put_simple_query(&p, 1);
	put_opt(&p, 100, 0, false);
	wire_query_t q;
	parse_ok(&p, &q, WIRE_ANSWER);
	assert_true(q.edns);
	assert_int_equal(q.edns_payload, 512);
	assert_false(q.edns_do);
}

static void test_second_opt_is_formerr(void **state)
{
	struct packet p;
	put_simple_query(&p, 2);
	put_opt(&p, 1232, 0, false);
	put_opt(&p, 1232, 0, false);
	wire_query_t q;
	parse_ok(&p, &q, WIRE_FORMERR);
	assert_false(q.edns);
}

static void test_opt_with_non_root_owner_is_formerr(void **state)
{
	struct packet p;
	put_simple_query(&p, 1);
	put_raw(&p, "\x01" "a", 2);
	put_opt(&p, 1232, 0, false);
	assert_int_equal(verdict_of(&p), WIRE_FORMERR);
	put_simple_query(&p, 1);
	put_raw(&p, "\xC0\x12" "\x00\x29" "\x04\xD0" "\x00\x00\x00\x00" "\x00\x00", 12); /* pointer to the root */
	assert_int_equal(verdict_of(&p), WIRE_FORMERR);
}

static void test_additional_record_cut_short_is_formerr(void **state)
{
	struct packet p;
	put_simple_query(&p, 1);
	put_opt(&p, 1232, 0, false);
	p.bytes[p.len - 1] = 4; /* rdlength 4, no rdata */
	assert_int_equal(verdict_of(&p), WIRE_FORMERR);
	put_simple_query(&p, 2); /* ARCOUNT 2, one record */
	put_opt(&p, 1232, 0, false);
	assert_int_equal(verdict_of(&p), WIRE_FORMERR);
}

static void test_additional_record_with_pointer_owner_is_skipped(void **state)
{
	struct packet p;
	put_simple_query(&p, 3);
	/* An A record owned by a pointer to the question, one owned by a plain name, then the OPT. */
	put_raw(&p, "\xC0\x0C" "\x00\x01" "\x00\x01" "\x00\x00\x00\x3C" "\x00\x04" "\x7F\x00\x00\x02", 16);
	put_raw(&p, "\x01" "b" "\x00" "\x00\x01" "\x00\x01" "\x00\x00\x00\x3C" "\x00\x04" "\x7F\x00\x00\x02", 17);
	put_opt(&p, 1400, 0, true);
	wire_query_t q;
	assert_int_equal(parse_exact(p.bytes, p.len, &q), WIRE_ANSWER);
	assert_true(q.edns);
	assert_int_equal(q.edns_payload, 1400);
	assert_true(q.edns_do);
}

static void test_additional_owner_with_extended_label_is_formerr(void **state)
{
	struct packet p;
	put_simple_query(&p, 1);
	put_raw(&p, "\x41" "\x00" "\x00\x01" "\x00\x01" "\x00\x00\x00\x3C" "\x00\x00", 12);
	assert_int_equal(verdict_of(&p), WIRE_FORMERR);
}

static void test_bytes_after_last_record_are_ignored(void **state)
{
	struct packet p;
	put_simple_query(&p, 1);
	put_opt(&p, 1232, 0, false);
	put_raw(&p, "\xC0\xFF\x41garbage", 10);
	wire_query_t q;
	parse_ok(&p, &q, WIRE_ANSWER);
	assert_true(q.edns);
}

static void test_every_prefix_of_edns_query_is_drop_or_formerr(void **state)
{
	struct packet p;
	ldns_query(&listed_txt_edns, &p);
	wire_query_t q;
	for (size_t len = 0; len < p.len; len++) {
		enum wire_verdict verdict = parse_exact(p.bytes, len, &q);
		assert_int_equal(verdict, len < WIRE_HEADER_LEN ? WIRE_DROP : WIRE_FORMERR);
	}
	assert_int_equal(parse_exact(p.bytes, p.len, &q), WIRE_ANSWER);
}

/* What must hold of any query the parser accepts. */
static void assert_question_is_sane(const uint8_t *pkt, size_t len, const wire_query_t *q)
{
	assert_true(q->qname >= pkt + WIRE_HEADER_LEN);
	assert_true(q->qname_len >= 1 && q->qname_len <= 255);
	assert_true((size_t)(q->qname - pkt) + q->question_len <= len);
	assert_int_equal(q->question_len, q->qname_len + 4);
	assert_true(q->labels < WIRE_MAXLABELS);
	for (unsigned i = 0; i < q->labels; i++)
		assert_int_equal(q->lower[q->label_off[i]], q->qname[q->label_off[i]]);
	assert_int_equal(q->lower[q->qname_len - 1], 0);
	if (q->edns)
		assert_true(q->edns_payload >= 512);
}

static void test_every_single_byte_mutation_stays_in_bounds(void **state)
{
	struct packet p;
	put_simple_query(&p, 2);
	put_raw(&p, "\xC0\x0C" "\x00\x01" "\x00\x01" "\x00\x00\x00\x3C" "\x00\x04" "\x7F\x00\x00\x02", 16);
	put_opt(&p, 1232, 0, true);
	uint8_t *copy = malloc(p.len);
	assert_non_null(copy);
	unsigned answered = 0;
	for (size_t at = 0; at < p.len; at++) {
		for (unsigned value = 0; value < 256; value++) {
			memcpy(copy, p.bytes, p.len);
			copy[at] = (uint8_t)value;
			wire_query_t q;
			enum wire_verdict verdict = wire_parse_query(copy, p.len, &q);
			assert_true(verdict >= WIRE_ANSWER && verdict <= WIRE_BADVERS);
			if (verdict == WIRE_ANSWER || verdict == WIRE_BADVERS) {
				assert_question_is_sane(copy, p.len, &q);
				answered++;
			}
		}
	}
	free(copy);
	assert_true(answered > 0);
}

/* ---- writing ---- */

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
	uint8_t soa[] = "\x02" "ns" "\x00" "\x04" "host" "\x00"
			"\x00\x00\x00\x2A" "\x00\x00\x0E\x10" "\x00\x00\x02\x58" "\x00\x09\x3A\x80" "\x00\x00\x01\x2C";
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
static void assert_txt_answer(const char *tmpl, size_t tmpl_len, const char *subst, const char *text,
			      size_t text_len)
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
	assert_memory_equal(buf + len - 11, "\x00" "\x00\x29" "\x04\xD0" "\x00\x00\x80\x00" "\x00\x00", 11);
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
		wire_writer_rr(&w, WIRE_AUTHORITY_SECTION, (uint16_t)(12 + q.label_off[4]), WIRE_T_NS, 60,
			       (const uint8_t *)"\x02" "ns" "\xC0\x1A", 5);
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
		cmocka_unit_test(test_nine_byte_packet_is_dropped),
		cmocka_unit_test(test_response_packet_is_dropped),
		cmocka_unit_test(test_other_opcode_is_notimp_with_header_filled_and_no_flags),
		cmocka_unit_test(test_qdcount_two_is_formerr),
		cmocka_unit_test(test_qdcount_zero_is_formerr),
		cmocka_unit_test(test_ancount_or_nscount_is_formerr),
		cmocka_unit_test(test_compression_pointer_in_question_is_formerr),
		cmocka_unit_test(test_pointer_loop_in_question_is_formerr),
		cmocka_unit_test(test_extended_label_type_in_question_is_formerr),
		cmocka_unit_test(test_label_of_64_bytes_is_formerr),
		cmocka_unit_test(test_name_of_256_bytes_is_formerr),
		cmocka_unit_test(test_name_of_127_one_byte_labels_is_accepted),
		cmocka_unit_test(test_truncated_question_is_formerr),
		cmocka_unit_test(test_query_fields_are_read),
		cmocka_unit_test(test_root_question_has_no_labels),
		cmocka_unit_test(test_edns_fields_are_read),
		cmocka_unit_test(test_edns_payload_below_512_is_raised_to_512),
		cmocka_unit_test(test_second_opt_is_formerr),
		cmocka_unit_test(test_opt_with_non_root_owner_is_formerr),
		cmocka_unit_test(test_additional_record_cut_short_is_formerr),
		cmocka_unit_test(test_additional_record_with_pointer_owner_is_skipped),
		cmocka_unit_test(test_additional_owner_with_extended_label_is_formerr),
		cmocka_unit_test(test_bytes_after_last_record_are_ignored),
		cmocka_unit_test(test_every_prefix_of_edns_query_is_drop_or_formerr),
		cmocka_unit_test(test_every_single_byte_mutation_stays_in_bounds),
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
