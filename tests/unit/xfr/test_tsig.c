/* SPDX-License-Identifier: BSD-2-Clause */
/* test_tsig.c — a request's TSIG checked (tsig_verify_request) against queries ldns signs as a client would, each
 * verdict provoked by one change; responses signed message by message and checked by ldns as a secondary checks
 * them; the NOTAUTH error answers, BADTIME's signed and verified by ldns as a client verifies it. */
#include "tsig_fixture.h"

#include <time.h>

static tsig_keytab_t keys;
static uint8_t wire[65535], out[65535];

static int setup(void **state)
{
	(void)state;
	fixture_keys(&keys);
	return 0;
}

/* Signs a query with key, verifies it at the time it was signed plus skew. */
static enum tsig_verdict verify_signed(const char *key_name, const char *secret, const char *algorithm, long skew,
                                       tsig_request_t *request)
{
	ldns_pkt *q = fixture_query(LDNS_RR_TYPE_AXFR, key_name, secret, algorithm);
	size_t len = fixture_wire(q, wire);
	ldns_pkt_free(q);
	assert_int_equal(tsig_verify_request(wire, len, &keys, (uint64_t)time(NULL), request), RBL_OK);
	uint64_t signed_at = request->time_signed;
	assert_int_equal(tsig_verify_request(wire, len, &keys, signed_at + (uint64_t)skew, request), RBL_OK);
	return request->verdict;
}

static void test_query_signed_by_a_known_key_is_ok_and_names_the_key(void **state)
{
	(void)state;
	tsig_request_t r;
	assert_int_equal(verify_signed(KEY_SHA256, SECRET_SHA256, "hmac-sha256", 0, &r), TSIG_OK);
	assert_non_null(r.key);
	assert_string_equal(r.key->name, KEY_SHA256);
	assert_int_equal(r.mac_len, 32);
	assert_int_equal(r.original_id, QUERY_ID);
	assert_int_equal(r.fudge, 300);
	assert_true(r.time_signed + 5 >= (uint64_t)time(NULL));
}

static void test_sha512_and_sha1_keys_verify_too(void **state)
{
	(void)state;
	tsig_request_t r;
	assert_int_equal(verify_signed(KEY_SHA512, SECRET_SHA512, "hmac-sha512", 0, &r), TSIG_OK);
	assert_string_equal(r.key->name, KEY_SHA512);
	assert_int_equal(r.mac_len, 64);
	assert_int_equal(verify_signed(KEY_SHA1, SECRET_SHA1, "hmac-sha1", 0, &r), TSIG_OK);
	assert_string_equal(r.key->name, KEY_SHA1);
	assert_int_equal(r.mac_len, 20);
}

static void test_key_name_is_matched_without_case(void **state)
{
	(void)state;
	tsig_request_t r;
	assert_int_equal(verify_signed("Transfer.EXAMPLE.", SECRET_SHA256, "hmac-sha256", 0, &r), TSIG_OK);
	assert_string_equal(r.key->name, KEY_SHA256);
}

static void test_one_flipped_mac_byte_is_badsig(void **state)
{
	(void)state;
	tsig_request_t r;
	ldns_pkt *q = fixture_query(LDNS_RR_TYPE_AXFR, KEY_SHA256, SECRET_SHA256, "hmac-sha256");
	size_t len = fixture_wire(q, wire);
	size_t mac = fixture_mac_offset(q, wire, len);
	ldns_pkt_free(q);
	uint64_t now = (uint64_t)time(NULL);
	assert_int_equal(tsig_verify_request(wire, len, &keys, now, &r), RBL_OK);
	assert_int_equal(r.verdict, TSIG_OK);
	wire[mac + 7] ^= 0x01;
	assert_int_equal(tsig_verify_request(wire, len, &keys, now, &r), RBL_OK);
	assert_int_equal(r.verdict, TSIG_BADSIG);
	/* The key is known: the BADSIG answer is not signed, but the request's key is named. */
	assert_string_equal(r.key->name, KEY_SHA256);
}

static void test_a_changed_question_is_badsig(void **state)
{
	(void)state;
	tsig_request_t r;
	ldns_pkt *q = fixture_query(LDNS_RR_TYPE_AXFR, KEY_SHA256, SECRET_SHA256, "hmac-sha256");
	size_t len = fixture_wire(q, wire);
	ldns_pkt_free(q);
	wire[13] = 'R'; /* "rbl" -> "Rbl": the same name to DNS, other bytes to the MAC */
	assert_int_equal(tsig_verify_request(wire, len, &keys, (uint64_t)time(NULL), &r), RBL_OK);
	assert_int_equal(r.verdict, TSIG_BADSIG);
}

static void test_the_right_name_with_the_wrong_secret_is_badsig(void **state)
{
	(void)state;
	tsig_request_t r;
	assert_int_equal(verify_signed(KEY_SHA256, SECRET_OTHER, "hmac-sha256", 0, &r), TSIG_BADSIG);
}

static void test_unknown_key_name_is_badkey_and_keeps_the_name(void **state)
{
	(void)state;
	tsig_request_t r;
	assert_int_equal(verify_signed("stranger.example", SECRET_SHA256, "hmac-sha256", 0, &r), TSIG_BADKEY);
	assert_null(r.key);
	char text[DNAME_TEXTMAX];
	assert_int_equal(dname_to_text(r.key_name, r.key_name_len, text), RBL_OK);
	assert_string_equal(text, "stranger.example");
}

static void test_known_name_with_another_algorithm_is_badkey(void **state)
{
	(void)state;
	tsig_request_t r;
	assert_int_equal(verify_signed(KEY_SHA256, SECRET_SHA256, "hmac-sha512", 0, &r), TSIG_BADKEY);
	assert_null(r.key);
}

static void test_time_outside_the_fudge_is_badtime_inside_is_ok(void **state)
{
	(void)state;
	tsig_request_t r;
	assert_int_equal(verify_signed(KEY_SHA256, SECRET_SHA256, "hmac-sha256", 300, &r), TSIG_OK);
	assert_int_equal(verify_signed(KEY_SHA256, SECRET_SHA256, "hmac-sha256", -300, &r), TSIG_OK);
	assert_int_equal(verify_signed(KEY_SHA256, SECRET_SHA256, "hmac-sha256", 301, &r), TSIG_BADTIME);
	assert_string_equal(r.key->name, KEY_SHA256);
	assert_int_equal(r.mac_len, 32); /* kept: a BADTIME answer is about this request */
	assert_int_equal(verify_signed(KEY_SHA256, SECRET_SHA256, "hmac-sha256", -301, &r), TSIG_BADTIME);
}

static void test_bad_signature_wins_over_bad_time(void **state)
{
	(void)state;
	tsig_request_t r; /* RFC 8945 section 5.2: the MAC is checked before the time */
	assert_int_equal(verify_signed(KEY_SHA256, SECRET_OTHER, "hmac-sha256", 1000, &r), TSIG_BADSIG);
}

static void test_unsigned_query_has_no_tsig(void **state)
{
	(void)state;
	tsig_request_t r;
	ldns_pkt *q = fixture_query(LDNS_RR_TYPE_AXFR, NULL, NULL, NULL);
	size_t len = fixture_wire(q, wire);
	ldns_pkt_free(q);
	assert_int_equal(tsig_verify_request(wire, len, &keys, (uint64_t)time(NULL), &r), RBL_OK);
	assert_int_equal(r.verdict, TSIG_NONE);
	assert_null(r.key);
}

/* A signed query's wire, and where its TSIG record starts. */
static size_t signed_query_wire(size_t *tsig_at)
{
	ldns_pkt *q = fixture_query(LDNS_RR_TYPE_AXFR, KEY_SHA256, SECRET_SHA256, "hmac-sha256");
	size_t len = fixture_wire(q, wire);
	ldns_rr *tsig = ldns_pkt_tsig(q);
	ldns_pkt_set_tsig(q, NULL);
	*tsig_at = fixture_wire(q, out); /* the same message without its TSIG: the record starts where it ends */
	ldns_pkt_set_tsig(q, tsig);
	ldns_pkt_free(q);
	assert_memory_equal(wire + 12, out + 12, *tsig_at - 12);
	return len;
}

static void test_tsig_not_last_or_twice_is_formerr(void **state)
{
	(void)state;
	tsig_request_t r;
	size_t tsig_at, len = signed_query_wire(&tsig_at);
	static const uint8_t a_record[] = {0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1}; /* ". 60 IN A 192.0.2.1" */
	memcpy(wire + len, a_record, sizeof a_record);
	wire[11]++;
	assert_int_equal(tsig_verify_request(wire, len + sizeof a_record, &keys, (uint64_t)time(NULL), &r), RBL_OK);
	assert_int_equal(r.verdict, TSIG_FORMERR);

	wire[11]--;
	memmove(wire + len, wire + tsig_at, len - tsig_at); /* the TSIG record twice */
	wire[11]++;
	assert_int_equal(tsig_verify_request(wire, 2 * len - tsig_at, &keys, (uint64_t)time(NULL), &r), RBL_OK);
	assert_int_equal(r.verdict, TSIG_FORMERR);
}

static void test_truncated_mac_is_badtrunc_and_too_short_is_formerr(void **state)
{
	(void)state;
	tsig_request_t r;
	ldns_pkt *q = fixture_query(LDNS_RR_TYPE_AXFR, KEY_SHA256, SECRET_SHA256, "hmac-sha256");
	size_t len = fixture_wire(q, wire);
	size_t mac = fixture_mac_offset(q, wire, len);
	ldns_pkt_free(q);
	size_t rdlength = mac - 2 - 2 - 6 - 13 - 2; /* MAC size, fudge, time, "hmac-sha256.", then RDLENGTH */
	assert_int_equal(wire[rdlength] << 8 | wire[rdlength + 1], 13 + 6 + 2 + 2 + 32 + 2 + 2 + 2);
	for (unsigned keep = 16; keep >= 8; keep -= 8) {
		uint8_t cut[600];
		memcpy(cut, wire, mac + keep);
		memcpy(cut + mac + keep, wire + mac + 32, len - mac - 32);
		cut[mac - 1] = (uint8_t)keep;
		cut[rdlength + 1] = (uint8_t)(wire[rdlength + 1] - (32 - keep));
		assert_int_equal(tsig_verify_request(cut, len - (32 - keep), &keys, (uint64_t)time(NULL), &r), RBL_OK);
		assert_int_equal(r.verdict, keep == 16 ? TSIG_BADTRUNC : TSIG_FORMERR);
	}
}

static void test_bytes_that_are_no_message_are_formerr(void **state)
{
	(void)state;
	tsig_request_t r;
	static const uint8_t short_header[] = {0x10, 0x92, 0, 0, 0, 1};
	assert_int_equal(tsig_verify_request(short_header, sizeof short_header, &keys, 0, &r), RBL_OK);
	assert_int_equal(r.verdict, TSIG_FORMERR);
	size_t tsig_at, len = signed_query_wire(&tsig_at);
	assert_int_equal(tsig_verify_request(wire, len - 3, &keys, (uint64_t)time(NULL), &r), RBL_OK);
	assert_int_equal(r.verdict, TSIG_FORMERR);
}

/* Verifies signed messages as a secondary does: the first over the request's MAC with every variable, each later
 * one over the previous MAC with the timers only. Returns how many verified in a row. */
static unsigned secondary_verifies(const ldns_rdf *request_mac, uint8_t *const *msgs, const size_t *lens,
                                   unsigned count)
{
	ldns_rdf *prior = ldns_rdf_clone(request_mac);
	unsigned good = 0;
	for (unsigned i = 0; i < count; i++) {
		ldns_pkt *p = NULL;
		assert_int_equal(ldns_wire2pkt(&p, msgs[i], lens[i]), LDNS_STATUS_OK);
		assert_non_null(ldns_pkt_tsig(p));
		bool ok = ldns_pkt_tsig_verify_next(p, msgs[i], lens[i], KEY_SHA256, SECRET_SHA256, prior, i > 0);
		ldns_rdf_deep_free(prior);
		prior = ldns_pkt_tsig(p) ? ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(p), 3)) : NULL;
		ldns_pkt_free(p);
		if (!ok || !prior)
			break;
		good++;
	}
	ldns_rdf_deep_free(prior);
	return good;
}

static const char *const part1[] = {
        "rbl.example. 3600 IN SOA ns1.rbl.example. hostmaster.rbl.example. 7 3600 600 86400 60",
        "rbl.example. 3600 IN NS ns1.rbl.example.",
        "2.0.0.127.rbl.example. 60 IN A 127.0.0.2",
};
static const char *const part2[] = {
        "2.0.0.127.rbl.example. 60 IN TXT \"listed: see https://rbl.example/\"",
        "*.2.0.192.rbl.example. 60 IN A 127.0.0.2",
};
static const char *const part3[] = {
        "rbl.example. 3600 IN SOA ns1.rbl.example. hostmaster.rbl.example. 7 3600 600 86400 60",
};

static void test_transfer_messages_are_signed_in_a_chain_a_secondary_verifies(void **state)
{
	(void)state;
	ldns_pkt *q = fixture_query(LDNS_RR_TYPE_AXFR, KEY_SHA256, SECRET_SHA256, "hmac-sha256");
	size_t len = fixture_wire(q, wire);
	tsig_request_t request;
	assert_int_equal(tsig_verify_request(wire, len, &keys, (uint64_t)time(NULL), &request), RBL_OK);
	assert_int_equal(request.verdict, TSIG_OK);

	static uint8_t msg[3][4096], signed_msg[3][4096];
	size_t msg_len[3], signed_len[3];
	msg_len[0] = fixture_answer(q, part1, 3, true, msg[0]);
	msg_len[1] = fixture_answer(q, part2, 2, false, msg[1]);
	msg_len[2] = fixture_answer(q, part3, 1, false, msg[2]);
	tsig_stream_t stream;
	tsig_stream_start(&stream, &request);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(tsig_stream_sign(&stream, msg[i], msg_len[i], signed_msg[i], sizeof signed_msg[i],
		                                  &signed_len[i]),
		                 RBL_OK);
		assert_true(signed_len[i] <= msg_len[i] + tsig_space(request.key));
	}
	assert_int_equal(stream.count, 3);

	uint8_t *msgs[3] = {signed_msg[0], signed_msg[1], signed_msg[2]};
	const ldns_rdf *request_mac = ldns_rr_rdf(ldns_pkt_tsig(q), 3);
	assert_int_equal(secondary_verifies(request_mac, msgs, signed_len, 3), 3);

	/* The chain is what holds them: the second message alone does not verify over the request's MAC, a message
	 * with one byte changed stops the chain there, and another request's MAC does not start it. */
	uint8_t *skipped[2] = {signed_msg[1], signed_msg[2]};
	size_t skipped_len[2] = {signed_len[1], signed_len[2]};
	assert_int_equal(secondary_verifies(request_mac, skipped, skipped_len, 2), 0);
	signed_msg[1][40] ^= 0x20;
	assert_int_equal(secondary_verifies(request_mac, msgs, signed_len, 3), 1);
	signed_msg[1][40] ^= 0x20;
	uint8_t zero_mac[32] = {0};
	ldns_rdf *wrong = ldns_native2rdf_int16_data(sizeof zero_mac, zero_mac);
	assert_int_equal(secondary_verifies(wrong, msgs, signed_len, 3), 0);
	ldns_rdf_deep_free(wrong);

	/* What the first message carries: the request's ID, fudge 300, no error, the records given. */
	ldns_pkt *p = NULL;
	assert_int_equal(ldns_wire2pkt(&p, signed_msg[0], signed_len[0]), LDNS_STATUS_OK);
	const ldns_rr *tsig = ldns_pkt_tsig(p);
	assert_int_equal(ldns_rdf2native_int16(ldns_rr_rdf(tsig, 2)), 300);
	assert_int_equal(ldns_rdf2native_int16(ldns_rr_rdf(tsig, 4)), QUERY_ID);
	assert_int_equal(ldns_rdf2native_int16(ldns_rr_rdf(tsig, 5)), 0);
	assert_int_equal(ldns_pkt_ancount(p), 3);
	assert_int_equal(ldns_pkt_arcount(p), 0); /* ldns counts the TSIG apart */
	ldns_pkt_free(p);
	ldns_pkt_free(q);
}

static void test_signing_refuses_a_message_signed_already_and_too_small_a_buffer(void **state)
{
	(void)state;
	ldns_pkt *q = fixture_query(LDNS_RR_TYPE_SOA, KEY_SHA256, SECRET_SHA256, "hmac-sha256");
	size_t len = fixture_wire(q, wire);
	tsig_request_t request;
	assert_int_equal(tsig_verify_request(wire, len, &keys, (uint64_t)time(NULL), &request), RBL_OK);
	tsig_stream_t stream;
	tsig_stream_start(&stream, &request);
	size_t n;
	assert_int_equal(tsig_stream_sign(&stream, wire, len, out, sizeof out, &n), RBL_EINVAL);
	size_t answer = fixture_answer(q, part3, 1, true, wire);
	assert_int_equal(tsig_stream_sign(&stream, wire, answer, out, answer + 10, &n), RBL_ESPACE);
	assert_int_equal(stream.count, 0);
	assert_int_equal(tsig_stream_sign(&stream, wire, answer, out, answer + tsig_space(request.key), &n), RBL_OK);
	assert_int_equal(stream.count, 1);
	ldns_pkt_free(q);
}

/* The error answer to request, into out; its length. */
static size_t error_answer_wire(const tsig_request_t *request, uint64_t now)
{
	ldns_pkt *q = fixture_query(LDNS_RR_TYPE_AXFR, NULL, NULL, NULL);
	ldns_pkt_set_qr(q, true);
	ldns_pkt_set_rcode(q, LDNS_RCODE_REFUSED);
	size_t len = fixture_wire(q, wire), n;
	ldns_pkt_free(q);
	assert_int_equal(tsig_error_answer(request, wire, len, now, out, sizeof out, &n), RBL_OK);
	return n;
}

/* The error answer to a request whose verdict is v, read back: its TSIG record. */
static ldns_pkt *error_answer(tsig_request_t *request, uint64_t now)
{
	size_t n = error_answer_wire(request, now);
	ldns_pkt *p = NULL;
	assert_int_equal(ldns_wire2pkt(&p, out, n), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOTAUTH);
	assert_int_equal(ldns_pkt_id(p), QUERY_ID);
	assert_non_null(ldns_pkt_tsig(p));
	return p;
}

static void test_badkey_answer_is_notauth_with_an_empty_mac_and_the_request_names(void **state)
{
	(void)state;
	tsig_request_t r;
	assert_int_equal(verify_signed("stranger.example", SECRET_SHA256, "hmac-sha256", 0, &r), TSIG_BADKEY);
	ldns_pkt *p = error_answer(&r, 1700000000);
	const ldns_rr *tsig = ldns_pkt_tsig(p);
	char *owner = ldns_rdf2str(ldns_rr_owner(tsig)), *algorithm = ldns_rdf2str(ldns_rr_rdf(tsig, 0));
	assert_string_equal(owner, "stranger.example.");
	assert_string_equal(algorithm, "hmac-sha256.");
	free(owner);
	free(algorithm);
	assert_int_equal(ldns_rdf_size(ldns_rr_rdf(tsig, 3)), 2); /* MAC size 0 */
	assert_int_equal(ldns_rdf2native_int16(ldns_rr_rdf(tsig, 4)), QUERY_ID);
	assert_int_equal(ldns_rdf2native_int16(ldns_rr_rdf(tsig, 5)), TSIG_ERROR_BADKEY);
	assert_int_equal(ldns_rdf_size(ldns_rr_rdf(tsig, 6)), 2); /* no other data */
	ldns_pkt_free(p);
}

static void test_badsig_and_badtime_answers_carry_their_errors(void **state)
{
	(void)state;
	tsig_request_t r;
	assert_int_equal(verify_signed(KEY_SHA256, SECRET_OTHER, "hmac-sha256", 0, &r), TSIG_BADSIG);
	ldns_pkt *p = error_answer(&r, 1700000000);
	assert_int_equal(ldns_rdf2native_int16(ldns_rr_rdf(ldns_pkt_tsig(p), 5)), TSIG_ERROR_BADSIG);
	ldns_pkt_free(p);

	assert_int_equal(verify_signed(KEY_SHA256, SECRET_SHA256, "hmac-sha256", 301, &r), TSIG_BADTIME);
	p = error_answer(&r, 0x0000123456789aULL);
	const ldns_rr *tsig = ldns_pkt_tsig(p);
	assert_int_equal(ldns_rdf2native_int16(ldns_rr_rdf(tsig, 5)), TSIG_ERROR_BADTIME);
	static const uint8_t server_time[] = {0, 6, 0x00, 0x12, 0x34, 0x56, 0x78, 0x9a}; /* other data: our clock */
	assert_int_equal(ldns_rdf_size(ldns_rr_rdf(tsig, 6)), sizeof server_time);
	assert_memory_equal(ldns_rdf_data(ldns_rr_rdf(tsig, 6)), server_time, sizeof server_time);
	ldns_pkt_free(p);
}

/* Whether a client that sent a request whose MAC was request_mac verifies answer (len bytes) with the key, as ldns
 * verifies a response: its own HMAC over the request's MAC, the answer and the TSIG variables the answer carries
 * (error and other data included). The code under test is not called. */
static bool client_verifies(const uint8_t *answer, size_t len, const uint8_t *request_mac, size_t request_mac_len,
                            const char *key_name, const char *secret)
{
	ldns_pkt *p = NULL;
	assert_int_equal(ldns_wire2pkt(&p, answer, len), LDNS_STATUS_OK);
	ldns_rr *tsig = ldns_pkt_tsig(p);
	assert_non_null(tsig);
	uint8_t mac[TSIG_MAC_MAX];
	memcpy(mac, request_mac, request_mac_len);
	ldns_rdf *prior = ldns_native2rdf_int16_data(request_mac_len, mac);
	bool ok = ldns_pkt_tsig_verify_next(p, answer, len, key_name, secret, prior, false);
	if (!ldns_pkt_tsig(p)) /* ldns 1.8.3 returns early without putting the record back */
		ldns_pkt_set_tsig(p, tsig);
	ldns_rdf_deep_free(prior);
	ldns_pkt_free(p);
	return ok;
}

static void test_badtime_answer_is_signed_with_the_request_key_and_a_client_verifies_it(void **state)
{
	(void)state;
	static const struct {
		const char *name, *secret, *algorithm;
		size_t mac_size;
	} signers[] = {
	        {KEY_SHA256, SECRET_SHA256, "hmac-sha256", 32},
	        {KEY_SHA512, SECRET_SHA512, "hmac-sha512", 64},
	        {KEY_SHA1, SECRET_SHA1, "hmac-sha1", 20},
	};
	for (size_t i = 0; i < sizeof signers / sizeof signers[0]; i++) {
		tsig_request_t r;
		assert_int_equal(verify_signed(signers[i].name, signers[i].secret, signers[i].algorithm, 1000, &r),
		                 TSIG_BADTIME);
		uint64_t now = r.time_signed + 1000;
		size_t n = error_answer_wire(&r, now);

		ldns_pkt *p = NULL;
		assert_int_equal(ldns_wire2pkt(&p, out, n), LDNS_STATUS_OK);
		assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOTAUTH);
		const ldns_rr *tsig = ldns_pkt_tsig(p);
		assert_non_null(tsig);
		assert_int_equal(ldns_rdf2native_int16(ldns_rr_rdf(tsig, 5)), TSIG_ERROR_BADTIME);
		assert_int_equal(ldns_rdf_size(ldns_rr_rdf(tsig, 3)), 2 + signers[i].mac_size); /* a full MAC */
		/* RFC 8945 section 5.2.3: the client's time signed and fudge back, ours as other data. */
		uint8_t client_time[6], server_time[8] = {0, 6};
		for (int b = 0; b < 6; b++) {
			client_time[b] = (uint8_t)(r.time_signed >> (8 * (5 - b)));
			server_time[2 + b] = (uint8_t)(now >> (8 * (5 - b)));
		}
		assert_memory_equal(ldns_rdf_data(ldns_rr_rdf(tsig, 1)), client_time, 6);
		assert_int_equal(ldns_rdf2native_int16(ldns_rr_rdf(tsig, 2)), r.fudge);
		assert_int_equal(ldns_rdf_size(ldns_rr_rdf(tsig, 6)), sizeof server_time);
		assert_memory_equal(ldns_rdf_data(ldns_rr_rdf(tsig, 6)), server_time, sizeof server_time);
		size_t other_at = (size_t)((const uint8_t *)memmem(out, n, server_time, sizeof server_time) - out);
		ldns_pkt_free(p);

		assert_true(client_verifies(out, n, r.mac, r.mac_len, signers[i].name, signers[i].secret));
		/* What the MAC holds: the secret, the request's MAC, the answer, the other data. */
		assert_false(client_verifies(out, n, r.mac, r.mac_len, signers[i].name, SECRET_OTHER));
		uint8_t other_mac[TSIG_MAC_MAX];
		memcpy(other_mac, r.mac, r.mac_len);
		other_mac[0] ^= 1;
		assert_false(client_verifies(out, n, other_mac, r.mac_len, signers[i].name, signers[i].secret));
		out[13] = 'R'; /* "rbl" -> "Rbl" in the question */
		assert_false(client_verifies(out, n, r.mac, r.mac_len, signers[i].name, signers[i].secret));
		out[13] = 'r';
		out[other_at + 7] ^= 1; /* the server's time */
		assert_false(client_verifies(out, n, r.mac, r.mac_len, signers[i].name, signers[i].secret));
		out[other_at + 7] ^= 1;
		assert_true(client_verifies(out, n, r.mac, r.mac_len, signers[i].name, signers[i].secret));
	}
}

static void test_badsig_answer_stays_unsigned(void **state)
{
	(void)state;
	tsig_request_t r; /* section 5.2.2: the key did not verify, so nothing is signed with it */
	assert_int_equal(verify_signed(KEY_SHA256, SECRET_OTHER, "hmac-sha256", 0, &r), TSIG_BADSIG);
	ldns_pkt *p = error_answer(&r, 1700000000);
	assert_int_equal(ldns_rdf_size(ldns_rr_rdf(ldns_pkt_tsig(p), 3)), 2);
	assert_int_equal(ldns_rdf_size(ldns_rr_rdf(ldns_pkt_tsig(p), 6)), 2);
	ldns_pkt_free(p);
}

static void test_badtime_without_its_key_is_refused(void **state)
{
	(void)state;
	tsig_request_t r;
	size_t n;
	assert_int_equal(verify_signed(KEY_SHA256, SECRET_SHA256, "hmac-sha256", 1000, &r), TSIG_BADTIME);
	r.key = NULL;
	assert_int_equal(tsig_error_answer(&r, wire, 12, 0, out, sizeof out, &n), RBL_EINVAL);
}

static void test_no_error_answer_for_a_good_or_unsigned_request(void **state)
{
	(void)state;
	tsig_request_t r;
	size_t n;
	assert_int_equal(verify_signed(KEY_SHA256, SECRET_SHA256, "hmac-sha256", 0, &r), TSIG_OK);
	assert_int_equal(tsig_error_answer(&r, wire, 12, 0, out, sizeof out, &n), RBL_EINVAL);
	r.verdict = TSIG_NONE;
	assert_int_equal(tsig_error_answer(&r, wire, 12, 0, out, sizeof out, &n), RBL_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_query_signed_by_a_known_key_is_ok_and_names_the_key),
	        cmocka_unit_test(test_sha512_and_sha1_keys_verify_too),
	        cmocka_unit_test(test_key_name_is_matched_without_case),
	        cmocka_unit_test(test_one_flipped_mac_byte_is_badsig),
	        cmocka_unit_test(test_a_changed_question_is_badsig),
	        cmocka_unit_test(test_the_right_name_with_the_wrong_secret_is_badsig),
	        cmocka_unit_test(test_unknown_key_name_is_badkey_and_keeps_the_name),
	        cmocka_unit_test(test_known_name_with_another_algorithm_is_badkey),
	        cmocka_unit_test(test_time_outside_the_fudge_is_badtime_inside_is_ok),
	        cmocka_unit_test(test_bad_signature_wins_over_bad_time),
	        cmocka_unit_test(test_unsigned_query_has_no_tsig),
	        cmocka_unit_test(test_tsig_not_last_or_twice_is_formerr),
	        cmocka_unit_test(test_truncated_mac_is_badtrunc_and_too_short_is_formerr),
	        cmocka_unit_test(test_bytes_that_are_no_message_are_formerr),
	        cmocka_unit_test(test_transfer_messages_are_signed_in_a_chain_a_secondary_verifies),
	        cmocka_unit_test(test_signing_refuses_a_message_signed_already_and_too_small_a_buffer),
	        cmocka_unit_test(test_badkey_answer_is_notauth_with_an_empty_mac_and_the_request_names),
	        cmocka_unit_test(test_badsig_and_badtime_answers_carry_their_errors),
	        cmocka_unit_test(test_badtime_answer_is_signed_with_the_request_key_and_a_client_verifies_it),
	        cmocka_unit_test(test_badsig_answer_stays_unsigned),
	        cmocka_unit_test(test_badtime_without_its_key_is_refused),
	        cmocka_unit_test(test_no_error_answer_for_a_good_or_unsigned_request),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
