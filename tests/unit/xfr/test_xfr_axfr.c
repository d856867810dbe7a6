/* SPDX-License-Identifier: BSD-2-Clause */
/* test_xfr_axfr.c — a zone transfer's answer: transfer requests told apart from other queries and read; the zone's
 * records from the store (the master-file export read back), sent as SOA, records, SOA across messages that ldns
 * parses, the same records the export writes; IXFR from the current serial answered with one SOA, from an older one
 * with the whole zone; every message signed so that a secondary's check of the chain passes. */
#include "base/err.h"
#include "formats/export.h"
#include "store/store.h"
#include "xfr/xfr_axfr.h"
#include "xfr/xfr_content.h"

#include "tsig_fixture.h" /* cmocka, before store_fixture.h */
#include "store_fixture.h"
#include "xfr_zone_fixture.h"

#include <stdio.h>
#include <time.h>

static int setup(void **state)
{
	return xfr_zone_fixture_setup(state, "test_xfr_axfr");
}

static int teardown(void **state)
{
	return store_zone_fixture_teardown(state);
}

static xfr_content_t *load(struct store_zone_fixture *f)
{
	store_rtxn_t *r;
	xfr_content_t *c;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(xfr_content_load(r, "rbl.example", time(NULL), &c), RBL_OK);
	store_read_end(r);
	return c;
}

/* The messages of one answer, as received. */
struct received {
	uint8_t *msg[512];
	size_t len[512];
	unsigned count;
};

static int keep(void *ctx, const uint8_t *msg, size_t len)
{
	struct received *got = ctx;
	assert_true(got->count < 512);
	got->msg[got->count] = malloc(len);
	memcpy(got->msg[got->count], msg, len);
	got->len[got->count++] = len;
	return 0;
}

static void received_free(struct received *got)
{
	for (unsigned i = 0; i < got->count; i++)
		free(got->msg[i]);
	got->count = 0;
}

/* A growing text of records, one per line. */
struct text {
	char *all;
	size_t len, cap;
};

static void text_add(struct text *t, const ldns_rr *rr)
{
	char *line = ldns_rr2str(rr);
	size_t n = strlen(line);
	while (t->len + n + 1 > t->cap)
		t->all = realloc(t->all, t->cap = t->cap ? t->cap * 2 : 1 << 20);
	memcpy(t->all + t->len, line, n + 1);
	t->len += n;
	free(line);
}

/* Every answer record of every message, in order, as text (one per line). */
static char *records_of(const struct received *got, unsigned *records)
{
	struct text t = {0};
	*records = 0;
	for (unsigned i = 0; i < got->count; i++) {
		ldns_pkt *p = NULL;
		assert_int_equal(ldns_wire2pkt(&p, got->msg[i], got->len[i]), LDNS_STATUS_OK);
		assert_int_equal(ldns_pkt_id(p), QUERY_ID);
		assert_true(ldns_pkt_qr(p) && ldns_pkt_aa(p));
		assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
		assert_int_equal(ldns_pkt_qdcount(p), i == 0 ? 1 : 0);
		for (size_t j = 0; j < ldns_pkt_ancount(p); j++, (*records)++)
			text_add(&t, ldns_rr_list_rr(ldns_pkt_answer(p), j));
		ldns_pkt_free(p);
	}
	return t.all;
}

/* The export's records as ldns prints them, the SOA first. */
static char *export_records(struct store_zone_fixture *f, unsigned *records)
{
	xfr_content_t *c = load(f);
	struct text t = {0};
	text_add(&t, c->soa);
	for (size_t i = 0; i < ldns_rr_list_rr_count(c->rrs); i++)
		text_add(&t, ldns_rr_list_rr(c->rrs, i));
	*records = 1 + (unsigned)ldns_rr_list_rr_count(c->rrs);
	xfr_content_free(c);
	return t.all;
}

static void request(ldns_rr_type type, const char *key, xfr_request_t *req, uint8_t *wire, size_t *len)
{
	ldns_pkt *q = fixture_query(type, key, key ? SECRET_SHA256 : NULL, key ? "hmac-sha256." : NULL);
	*len = fixture_wire(q, wire);
	ldns_pkt_free(q);
	assert_int_equal(xfr_request_read(wire, *len, req), RBL_OK);
}

/* --- requests ----------------------------------------------------------------------------------------------------- */

static void test_transfer_requests_are_told_from_queries_and_read(void **state)
{
	(void)state;
	static uint8_t wire[65535];
	size_t len;
	xfr_request_t req;
	request(LDNS_RR_TYPE_AXFR, NULL, &req, wire, &len);
	assert_int_equal(req.kind, XFR_AXFR);
	assert_string_equal(req.zone, "rbl.example");
	assert_int_equal(req.id, QUERY_ID);
	assert_int_equal(req.question_len, 13 + 4);
	request(LDNS_RR_TYPE_IXFR, KEY_SHA256, &req, wire, &len);
	assert_int_equal(req.kind, XFR_IXFR);
	assert_false(req.has_serial);
	ldns_pkt *a = fixture_query(LDNS_RR_TYPE_A, NULL, NULL, NULL);
	len = fixture_wire(a, wire);
	ldns_pkt_free(a);
	assert_int_equal(xfr_request_kind(wire, len), XFR_NONE);
	assert_int_equal(xfr_request_read(wire, len, &req), RBL_EINVAL);
	/* Cut anywhere, an AXFR query is no transfer request and reads nothing past its end. */
	request(LDNS_RR_TYPE_AXFR, NULL, &req, wire, &len);
	for (size_t cut = 0; cut < 12 + 17; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		memcpy(copy, wire, cut);
		assert_int_equal(xfr_request_kind(copy, cut), XFR_NONE);
		free(copy);
	}
	wire[2] |= 0x80; /* a response */
	assert_int_equal(xfr_request_kind(wire, len), XFR_NONE);
}

/* A request with its TSIG record twice: refused before ldns_wire2pkt, which would keep one and leak the other. */
static void test_a_request_with_two_tsig_records_is_refused_unparsed(void **state)
{
	(void)state;
	static uint8_t wire[65535];
	size_t len;
	xfr_request_t req;
	request(LDNS_RR_TYPE_AXFR, KEY_SHA256, &req, wire, &len);
	size_t tsig_at = 12 + req.question_len, tsig_len = len - tsig_at;
	memcpy(wire + len, wire + tsig_at, tsig_len);
	wire[11]++; /* ARCOUNT 2 */
	tsig_wire_records_t records;
	assert_int_equal(tsig_wire_scan(wire, len + tsig_len, &records), RBL_OK);
	assert_int_equal(records.tsig, 2);
	assert_false(tsig_wire_parsable(&records));
	assert_int_equal(xfr_request_read(wire, len + tsig_len, &req), RBL_EINVAL);
	tsig_keytab_t keys;
	fixture_keys(&keys);
	tsig_request_t treq;
	assert_int_equal(tsig_verify_request(wire, len + tsig_len, &keys, (uint64_t)time(NULL), &treq), RBL_OK);
	assert_int_equal(treq.verdict, TSIG_FORMERR);
}

/* --- answers ------------------------------------------------------------------------------------------------------ */

static void test_axfr_sends_soa_every_record_soa_across_messages(void **state)
{
	struct store_zone_fixture *f = *state;
	static uint8_t wire[65535];
	size_t len;
	xfr_request_t req;
	request(LDNS_RR_TYPE_AXFR, NULL, &req, wire, &len);
	xfr_content_t *c = load(f);
	struct received got = {0};
	uint64_t messages, records;
	assert_int_equal(xfr_answer(&req, c, NULL, keep, &got, &messages, &records), RBL_OK);
	assert_int_equal(messages, got.count);
	assert_true(got.count >= 3); /* 3,000 names with A and TXT do not fit one message */
	for (unsigned i = 0; i < got.count; i++)
		assert_true(got.len[i] <= XFR_MESSAGE_RR_BYTES + 2048);
	unsigned n_sent, n_export;
	char *sent = records_of(&got, &n_sent), *exported = export_records(f, &n_export);
	assert_int_equal(n_sent, n_export + 1); /* the SOA again at the end */
	assert_int_equal(records, n_sent);
	/* The same records in the same order, then the SOA again. */
	char *soa = ldns_rr2str(c->soa);
	size_t exported_len = strlen(exported);
	assert_memory_equal(sent, exported, exported_len);
	assert_string_equal(sent + exported_len, soa);
	assert_non_null(strstr(sent, "1.0.16.172.rbl.example.\t900\tIN\tTXT\t\"open relay\""));
	assert_non_null(strstr(sent, "\n127.2.1.10.rbl.example.\t900\tIN\tA\t127.0.0.2"));
	assert_null(strstr(sent, "\n128.2.1.10.rbl.example.")); /* 10.1.2.128/25 is a hole */
	free(soa);
	free(sent);
	free(exported);
	received_free(&got);
	xfr_content_free(c);
}

static ldns_pkt *ixfr_query(uint32_t serial)
{
	ldns_pkt *q = fixture_query(LDNS_RR_TYPE_IXFR, NULL, NULL, NULL);
	char text[160];
	snprintf(text, sizeof text, "rbl.example. 0 IN SOA ns. host. %u 1 1 1 1", serial);
	ldns_rr *soa = NULL;
	assert_int_equal(ldns_rr_new_frm_str(&soa, text, 0, NULL, NULL), LDNS_STATUS_OK);
	ldns_pkt_push_rr(q, LDNS_SECTION_AUTHORITY, soa);
	return q;
}

static void test_ixfr_from_the_current_serial_gets_one_soa_and_from_an_older_the_zone(void **state)
{
	struct store_zone_fixture *f = *state;
	static uint8_t wire[65535];
	xfr_content_t *c = load(f);
	uint32_t serials[] = {c->serial, c->serial + 1, c->serial - 1};
	for (unsigned k = 0; k < 3; k++) {
		ldns_pkt *q = ixfr_query(serials[k]);
		size_t len = fixture_wire(q, wire);
		ldns_pkt_free(q);
		xfr_request_t req;
		assert_int_equal(xfr_request_read(wire, len, &req), RBL_OK);
		assert_true(req.has_serial);
		assert_int_equal(req.serial, serials[k]);
		struct received got = {0};
		uint64_t messages, records;
		assert_int_equal(xfr_answer(&req, c, NULL, keep, &got, &messages, &records), RBL_OK);
		if (k < 2) { /* current or newer: the SOA alone */
			assert_int_equal(messages, 1);
			assert_int_equal(records, 1);
		} else {
			assert_int_equal(records, 2 + ldns_rr_list_rr_count(c->rrs));
		}
		received_free(&got);
	}
	xfr_content_free(c);
}

static void test_every_message_is_signed_and_the_chain_verifies_as_a_secondary_checks_it(void **state)
{
	struct store_zone_fixture *f = *state;
	static uint8_t wire[65535];
	size_t len;
	xfr_request_t req;
	request(LDNS_RR_TYPE_AXFR, KEY_SHA256, &req, wire, &len);
	tsig_keytab_t keys;
	fixture_keys(&keys);
	tsig_request_t treq;
	assert_int_equal(tsig_verify_request(wire, len, &keys, (uint64_t)time(NULL), &treq), RBL_OK);
	assert_int_equal(treq.verdict, TSIG_OK);
	tsig_stream_t ts;
	tsig_stream_start(&ts, &treq);
	xfr_content_t *c = load(f);
	struct received got = {0};
	uint64_t messages, records;
	assert_int_equal(xfr_answer(&req, c, &ts, keep, &got, &messages, &records), RBL_OK);
	assert_true(got.count >= 3);
	/* The secondary's side: the first message over the request's MAC, each later one over the previous. */
	ldns_rdf *prior = ldns_native2rdf_int16_data(treq.mac_len, treq.mac);
	for (unsigned i = 0; i < got.count; i++) {
		ldns_pkt *p = NULL;
		assert_int_equal(ldns_wire2pkt(&p, got.msg[i], got.len[i]), LDNS_STATUS_OK);
		assert_non_null(ldns_pkt_tsig(p));
		assert_true(ldns_pkt_tsig_verify_next(p, got.msg[i], got.len[i], KEY_SHA256, SECRET_SHA256, prior,
		                                      i > 0));
		ldns_rdf_deep_free(prior);
		prior = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(p), 3));
		ldns_pkt_free(p);
	}
	ldns_rdf_deep_free(prior);
	received_free(&got);
	xfr_content_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_transfer_requests_are_told_from_queries_and_read),
	        cmocka_unit_test(test_a_request_with_two_tsig_records_is_refused_unparsed),
	        cmocka_unit_test_setup_teardown(test_axfr_sends_soa_every_record_soa_across_messages, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_ixfr_from_the_current_serial_gets_one_soa_and_from_an_older_the_zone,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_every_message_is_signed_and_the_chain_verifies_as_a_secondary_checks_it, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
