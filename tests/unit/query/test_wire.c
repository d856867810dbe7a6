/* SPDX-License-Identifier: BSD-2-Clause */
/* test_wire.c — the hand-written DNS reader: every verdict of wire_parse_query, and the fields it reads from a query it
 * accepts. The writer is pinned in test_wire_writer.c; the queries both programs build are in wire_queries.h. */
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
	/* clang-format off */
	put_raw(&p, "\x00" "\x00\x01" "\x00\x01", 5);
	/* clang-format on */
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
	/* clang-format off */
	put_raw(&p, "\x03" "abc" "\xC0\x0C" "\x00\x01" "\x00\x01", 10);
	/* clang-format on */
	assert_int_equal(verdict_of(&p), WIRE_FORMERR);
}

static void test_pointer_loop_in_question_is_formerr(void **state)
{
	struct packet p;
	put_header(&p, 0, 1, 0, 0, 0);
	/* clang-format off */
	put_raw(&p, "\xC0\x0C" "\x00\x01" "\x00\x01", 6); /* a pointer to itself */
	/* clang-format on */
	assert_int_equal(verdict_of(&p), WIRE_FORMERR);
}

static void test_extended_label_type_in_question_is_formerr(void **state)
{
	struct packet p;
	put_header(&p, 0, 1, 0, 0, 0);
	/* clang-format off */
	put_raw(&p, "\x41" "\x00" "\x00\x01" "\x00\x01", 6);
	assert_int_equal(verdict_of(&p), WIRE_FORMERR);
	put_header(&p, 0, 1, 0, 0, 0);
	put_raw(&p, "\x80" "\x00" "\x00\x01" "\x00\x01", 6);
	/* clang-format on */
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
	assert_int_equal(q.qname[254], 0);
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
	/* clang-format off */
	put_raw(&p, "\x03" "abc", 4); /* no root label */
	assert_int_equal(parse_exact(p.bytes, p.len, &q), WIRE_FORMERR);
	put_header(&p, 0, 1, 0, 0, 0);
	put_raw(&p, "\x05" "abc", 4); /* label runs past the end */
	/* clang-format on */
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
	/* clang-format off */
	assert_true(wire_name_equal(q.qname, (const uint8_t *)"\x01" "2" "\x01" "0" "\x01" "0" "\x03" "127" "\x03" "rbl"
	                            "\x07" "example" "\x00", 23));
	assert_memory_equal(q.qname, "\x01" "2" "\x01" "0" "\x01" "0" "\x03" "127" "\x03" "Rbl" "\x07" "ExAmple" "\x00",
	                    23);
	/* clang-format on */
}

static void test_root_question_has_no_labels(void **state)
{
	struct packet p;
	put_header(&p, 0, 1, 0, 0, 0);
	/* clang-format off */
	put_raw(&p, "\x00" "\x00\x02" "\x00\x01", 5);
	/* clang-format on */
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
	/* clang-format off */
	put_raw(&p, "\x01" "a", 2);
	put_opt(&p, 1232, 0, false);
	assert_int_equal(verdict_of(&p), WIRE_FORMERR);
	put_simple_query(&p, 1);
	put_raw(&p, "\xC0\x12" "\x00\x29" "\x04\xD0" "\x00\x00\x00\x00" "\x00\x00", 12); /* pointer to the root */
	/* clang-format on */
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
	/* clang-format off */
	put_raw(&p, "\xC0\x0C" "\x00\x01" "\x00\x01" "\x00\x00\x00\x3C" "\x00\x04" "\x7F\x00\x00\x02", 16);
	put_raw(&p, "\x01" "b" "\x00" "\x00\x01" "\x00\x01" "\x00\x00\x00\x3C" "\x00\x04" "\x7F\x00\x00\x02", 17);
	/* clang-format on */
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
	/* clang-format off */
	put_raw(&p, "\x41" "\x00" "\x00\x01" "\x00\x01" "\x00\x00\x00\x3C" "\x00\x00", 12);
	/* clang-format on */
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
	size_t off = 0; /* each label starts where the one before it ends, and the root byte ends them all */
	for (unsigned i = 0; i < q->labels; i++) {
		assert_int_equal(q->label_off[i], off);
		assert_true(q->qname[off] >= 1 && q->qname[off] <= 63);
		off += 1 + (size_t)q->qname[off];
	}
	assert_int_equal(off, q->qname_len - 1);
	assert_int_equal(q->qname[off], 0);
	if (q->edns)
		assert_true(q->edns_payload >= 512);
}

static void test_every_single_byte_mutation_stays_in_bounds(void **state)
{
	struct packet p;
	put_simple_query(&p, 2);
	/* clang-format off */
	put_raw(&p, "\xC0\x0C" "\x00\x01" "\x00\x01" "\x00\x00\x00\x3C" "\x00\x04" "\x7F\x00\x00\x02", 16);
	/* clang-format on */
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
