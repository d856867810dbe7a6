/* SPDX-License-Identifier: BSD-2-Clause */
/* test_xfr_stream.c — the whole zone sent while it is written (xfr_stream.h): the same messages, byte for byte, as
 * xfr_answer sends from the zone loaded whole (xfr_content_load, the reference); a signed chain that verifies as a
 * secondary checks it; a secondary that goes away stops the writer (the test ends) and leaves no thread or file
 * descriptor behind; a zone that is not there sends nothing. */
#include "base/err.h"
#include "store/store.h"
#include "xfr/xfr_axfr.h"
#include "xfr/xfr_content.h"
#include "xfr/xfr_stream.h"

#include "tsig_fixture.h" /* cmocka, before store_fixture.h */
#include "store_fixture.h"
#include "xfr_zone_fixture.h"

#include <dirent.h>
#include <stdio.h>
#include <time.h>

static int setup(void **state)
{
	return xfr_zone_fixture_setup(state, "test_xfr_stream");
}

static int teardown(void **state)
{
	return store_zone_fixture_teardown(state);
}

/* The messages of one answer, as received; fail_at: the message whose emit fails (0: none). */
struct received {
	uint8_t *msg[512];
	size_t len[512];
	unsigned count;
	unsigned fail_at;
};

static int keep(void *ctx, const uint8_t *msg, size_t len)
{
	struct received *got = ctx;
	if (got->fail_at && got->count + 1 == got->fail_at)
		return RBL_EIO; /* the secondary went away */
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

static void request(const char *key, xfr_request_t *req, uint8_t *wire, size_t *len)
{
	ldns_pkt *q = fixture_query(LDNS_RR_TYPE_AXFR, key, key ? SECRET_SHA256 : NULL, key ? "hmac-sha256." : NULL);
	*len = fixture_wire(q, wire);
	ldns_pkt_free(q);
	assert_int_equal(xfr_request_read(wire, *len, req), RBL_OK);
}

/* The answer streamed from a snapshot of f's store. */
static int stream(struct store_zone_fixture *f, const xfr_request_t *req, tsig_stream_t *ts, struct received *got,
                  xfr_stream_stats_t *stats)
{
	store_rtxn_t *r;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	int err = xfr_stream_answer(r, req, ts, keep, got, stats);
	store_read_end(r);
	return err;
}

static unsigned open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	assert_non_null(d);
	unsigned n = 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static unsigned threads(void)
{
	FILE *status = fopen("/proc/self/status", "r");
	assert_non_null(status);
	char line[256];
	unsigned n = 0;
	while (fgets(line, sizeof line, status))
		if (sscanf(line, "Threads: %u", &n) == 1)
			break;
	fclose(status);
	return n;
}

static void test_the_streamed_answer_is_the_loaded_answer_byte_for_byte(void **state)
{
	struct store_zone_fixture *f = *state;
	static uint8_t wire[65535];
	size_t len;
	xfr_request_t req;
	request(NULL, &req, wire, &len);
	store_rtxn_t *r;
	xfr_content_t *c;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(xfr_content_load(r, "rbl.example", 0, &c), RBL_OK);
	store_read_end(r);
	struct received loaded = {0}, streamed = {0};
	uint64_t messages, records;
	assert_int_equal(xfr_answer(&req, c, NULL, keep, &loaded, &messages, &records), RBL_OK);
	xfr_stream_stats_t stats;
	assert_int_equal(stream(f, &req, NULL, &streamed, &stats), RBL_OK);
	assert_true(streamed.count >= 3);
	assert_int_equal(stats.messages, streamed.count);
	assert_int_equal(stats.messages, messages);
	assert_int_equal(stats.records, records);
	assert_int_equal(stats.records, 2 + ldns_rr_list_rr_count(c->rrs)); /* the SOA first and last */
	assert_int_equal(stats.serial, c->serial);
	assert_int_equal(streamed.count, loaded.count);
	for (unsigned i = 0; i < streamed.count; i++) {
		assert_int_equal(streamed.len[i], loaded.len[i]);
		assert_memory_equal(streamed.msg[i], loaded.msg[i], loaded.len[i]);
	}
	/* And as a secondary reads it: the SOA opens and closes it. */
	ldns_pkt *last = NULL;
	assert_int_equal(ldns_wire2pkt(&last, streamed.msg[streamed.count - 1], streamed.len[streamed.count - 1]),
	                 LDNS_STATUS_OK);
	const ldns_rr_list *answer = ldns_pkt_answer(last);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(answer, ldns_rr_list_rr_count(answer) - 1)),
	                 LDNS_RR_TYPE_SOA);
	assert_int_equal(ldns_rr_compare(ldns_rr_list_rr(answer, ldns_rr_list_rr_count(answer) - 1), c->soa), 0);
	ldns_pkt_free(last);
	received_free(&loaded);
	received_free(&streamed);
	xfr_content_free(c);
}

static void test_every_streamed_message_is_signed_and_the_chain_verifies(void **state)
{
	struct store_zone_fixture *f = *state;
	static uint8_t wire[65535];
	size_t len;
	xfr_request_t req;
	request(KEY_SHA256, &req, wire, &len);
	tsig_keytab_t keys;
	fixture_keys(&keys);
	tsig_request_t treq;
	assert_int_equal(tsig_verify_request(wire, len, &keys, (uint64_t)time(NULL), &treq), RBL_OK);
	assert_int_equal(treq.verdict, TSIG_OK);
	tsig_stream_t ts;
	tsig_stream_start(&ts, &treq);
	struct received got = {0};
	xfr_stream_stats_t stats;
	assert_int_equal(stream(f, &req, &ts, &got, &stats), RBL_OK);
	assert_true(got.count >= 3);
	/* The secondary's side: the first message over the request's MAC, each later one over the previous. */
	ldns_rdf *prior = ldns_native2rdf_int16_data(treq.mac_len, treq.mac);
	uint64_t records = 0;
	for (unsigned i = 0; i < got.count; i++) {
		ldns_pkt *p = NULL;
		assert_int_equal(ldns_wire2pkt(&p, got.msg[i], got.len[i]), LDNS_STATUS_OK);
		assert_int_equal(ldns_pkt_qdcount(p), i == 0 ? 1 : 0);
		assert_non_null(ldns_pkt_tsig(p));
		assert_true(ldns_pkt_tsig_verify_next(p, got.msg[i], got.len[i], KEY_SHA256, SECRET_SHA256, prior,
		                                      i > 0));
		records += ldns_pkt_ancount(p);
		ldns_rdf_deep_free(prior);
		prior = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(p), 3));
		ldns_pkt_free(p);
	}
	assert_int_equal(records, stats.records);
	ldns_rdf_deep_free(prior);
	received_free(&got);
}

/* The secondary takes the first message and goes away: the answer stops there (no closing SOA), the writer, blocked
 * on a full pipe, ends at its next write, and the call returns with nothing left open. */
static void test_a_secondary_gone_after_the_first_message_stops_the_writer_and_leaks_nothing(void **state)
{
	struct store_zone_fixture *f = *state;
	static uint8_t wire[65535];
	size_t len;
	xfr_request_t req;
	request(NULL, &req, wire, &len);
	unsigned fds = open_fds(), running = threads();
	for (unsigned fail_at = 1; fail_at <= 2; fail_at++) {
		struct received got = {.fail_at = fail_at};
		xfr_stream_stats_t stats;
		assert_int_equal(stream(f, &req, NULL, &got, &stats), RBL_EIO);
		assert_int_equal(stats.messages, fail_at - 1);
		assert_int_equal(got.count, fail_at - 1);
		assert_int_equal(open_fds(), fds);
		assert_int_equal(threads(), running);
		received_free(&got);
	}
}

static void test_a_zone_not_in_the_store_sends_nothing(void **state)
{
	struct store_zone_fixture *f = *state;
	static uint8_t wire[65535];
	size_t len;
	xfr_request_t req;
	request(NULL, &req, wire, &len);
	strcpy(req.zone, "missing.example");
	unsigned fds = open_fds();
	struct received got = {0};
	xfr_stream_stats_t stats;
	assert_int_equal(stream(f, &req, NULL, &got, &stats), RBL_ENOENT);
	assert_int_equal(got.count, 0);
	assert_int_equal(stats.messages, 0);
	assert_int_equal(open_fds(), fds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_the_streamed_answer_is_the_loaded_answer_byte_for_byte, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_every_streamed_message_is_signed_and_the_chain_verifies, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(
	                test_a_secondary_gone_after_the_first_message_stops_the_writer_and_leaks_nothing, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_a_zone_not_in_the_store_sends_nothing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
