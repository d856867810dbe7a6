/* SPDX-License-Identifier: BSD-2-Clause */
/* test_xfr_notify.c — a NOTIFY as a secondary reads it (opcode, question, the serial hint, a TSIG it verifies) and
 * the acknowledgement check: the ID, response, opcode and rcode must all match; for a signed NOTIFY, only an answer
 * signed by the zone's key over the NOTIFY's MAC (signed here by ldns, as a secondary signs it) is one. */
#include "xfr/xfr_notify.h"

#include "tsig_fixture.h"

#include <time.h>

static tsig_keytab_t keys;

static int setup(void **state)
{
	(void)state;
	fixture_keys(&keys);
	return 0;
}

static void test_notify_carries_zone_serial_and_a_tsig_the_secondary_verifies(void **state)
{
	(void)state;
	const tsig_key_t *key = tsig_keytab_find(&keys, KEY_SHA256);
	assert_non_null(key);
	uint8_t msg[XFR_NOTIFY_MSG_MAX];
	size_t len;
	xfr_notify_sent_t sent;
	assert_int_equal(xfr_notify_message("rbl.example", 2026120501u, 777, key, msg, sizeof msg, &len, &sent),
	                 RBL_OK);
	ldns_pkt *p = NULL;
	assert_int_equal(ldns_wire2pkt(&p, msg, len), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_get_opcode(p), LDNS_PACKET_NOTIFY);
	assert_int_equal(ldns_pkt_id(p), 777);
	assert_true(ldns_pkt_aa(p) && !ldns_pkt_qr(p));
	ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	assert_int_equal(ldns_rr_get_type(q), LDNS_RR_TYPE_SOA);
	char *owner = ldns_rdf2str(ldns_rr_owner(q));
	assert_string_equal(owner, "rbl.example.");
	free(owner);
	ldns_rr *soa = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
	assert_non_null(soa);
	assert_int_equal(ldns_rdf2native_int32(ldns_rr_rdf(soa, 2)), 2026120501u);
	assert_non_null(ldns_pkt_tsig(p));
	assert_true(ldns_pkt_tsig_verify(p, msg, len, KEY_SHA256, SECRET_SHA256, NULL));
	assert_false(ldns_pkt_tsig_verify(p, msg, len, KEY_SHA256, SECRET_OTHER, NULL));
	/* What the acknowledgement is checked against: the ID, the key, the MAC the message carries. */
	const ldns_rdf *mac = ldns_rr_rdf(ldns_pkt_tsig(p), 3);
	assert_int_equal(sent.id, 777);
	assert_ptr_equal(sent.key, key);
	assert_int_equal(sent.mac_len, 32);
	assert_memory_equal(sent.mac, ldns_rdf_data(mac) + 2, 32);
	ldns_pkt_free(p);
	/* Unsigned when the zone has no key; a name that is none is refused. */
	assert_int_equal(xfr_notify_message("rbl.example.", 1, 1, NULL, msg, sizeof msg, &len, &sent), RBL_OK);
	assert_int_equal(ldns_wire2pkt(&p, msg, len), LDNS_STATUS_OK);
	assert_null(ldns_pkt_tsig(p));
	ldns_pkt_free(p);
	assert_null(sent.key);
	assert_int_equal(sent.mac_len, 0);
	assert_int_equal(xfr_notify_message("", 1, 1, NULL, msg, sizeof msg, &len, &sent), RBL_EINVAL);
	assert_int_equal(xfr_notify_message("rbl.example", 1, 1, NULL, msg, 20, &len, &sent), RBL_ESPACE);
}

static void test_the_longest_names_fit_the_message_bound(void **state)
{
	(void)state;
	char zone[DNAME_TEXTMAX] = "", key_name[DNAME_TEXTMAX], why[256];
	/* Four labels of 61 characters and one of 5: 253 characters, 255 bytes in wire form. */
	for (int l = 0; l < 4; l++) {
		memset(zone + strlen(zone), 'a', 61);
		strcat(zone, ".");
	}
	strcat(zone, "abcde");
	assert_int_equal(strlen(zone), 253);
	memcpy(key_name, zone, sizeof key_name);
	key_name[0] = 'k';
	tsig_key_t key;
	assert_int_equal(tsig_key_make(&key, key_name, "hmac-sha512", SECRET_SHA512, why, sizeof why), RBL_OK);
	uint8_t msg[XFR_NOTIFY_MSG_MAX];
	size_t len;
	xfr_notify_sent_t sent;
	assert_int_equal(xfr_notify_message(zone, UINT32_MAX, 1, &key, msg, sizeof msg, &len, &sent), RBL_OK);
	assert_true(len <= 663);
}

/* An answer to the NOTIFY in notify (len bytes) as a secondary sends it: a response with the NOTIFY's ID and
 * question, the rcode given; signed over the NOTIFY's MAC with key_name and secret when key_name is not NULL (with
 * prior_mac, over that MAC instead). Into out; its length. */
static size_t secondary_answer(const uint8_t *notify, size_t len, ldns_pkt_rcode rcode, const char *key_name,
                               const char *secret, const char *algorithm, ldns_rdf *prior_mac, uint8_t *out)
{
	ldns_pkt *n = NULL;
	assert_int_equal(ldns_wire2pkt(&n, notify, len), LDNS_STATUS_OK);
	ldns_pkt *a = ldns_pkt_new();
	assert_non_null(a);
	ldns_pkt_set_id(a, ldns_pkt_id(n));
	ldns_pkt_set_qr(a, true);
	ldns_pkt_set_aa(a, true);
	ldns_pkt_set_opcode(a, LDNS_PACKET_NOTIFY);
	ldns_pkt_set_rcode(a, rcode);
	ldns_pkt_push_rr(a, LDNS_SECTION_QUESTION, ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(n), 0)));
	if (key_name) {
		ldns_rdf *mac = prior_mac ? prior_mac : ldns_rr_rdf(ldns_pkt_tsig(n), 3);
		assert_int_equal(ldns_pkt_tsig_sign(a, key_name, secret, 300, algorithm, mac), LDNS_STATUS_OK);
	}
	size_t n_len = fixture_wire(a, out);
	ldns_pkt_free(a);
	ldns_pkt_free(n);
	return n_len;
}

static void test_a_signed_notify_is_acknowledged_only_by_an_answer_signed_over_its_mac(void **state)
{
	(void)state;
	const tsig_key_t *key = tsig_keytab_find(&keys, KEY_SHA256);
	uint8_t msg[XFR_NOTIFY_MSG_MAX], ack[4096];
	size_t len, n;
	xfr_notify_sent_t sent;
	assert_int_equal(xfr_notify_message("rbl.example", 7, 4242, key, msg, sizeof msg, &len, &sent), RBL_OK);
	uint64_t now = (uint64_t)time(NULL);

	n = secondary_answer(msg, len, LDNS_RCODE_NOERROR, KEY_SHA256, SECRET_SHA256, "hmac-sha256", NULL, ack);
	assert_int_equal(xfr_notify_check_ack(ack, n, &sent, now), XFR_NOTIFY_ACK);
	assert_int_equal(xfr_notify_check_ack(ack, n, &sent, now + 299), XFR_NOTIFY_ACK);
	assert_int_equal(xfr_notify_check_ack(ack, n, &sent, now + 1000), XFR_NOTIFY_ACK_BAD_TSIG); /* out of time */
	ack[n - 40] ^= 1; /* a byte of the MAC */
	assert_int_equal(xfr_notify_check_ack(ack, n, &sent, now), XFR_NOTIFY_ACK_BAD_TSIG);

	/* Unsigned; signed with the wrong secret; by another key; over another MAC (another NOTIFY's). */
	n = secondary_answer(msg, len, LDNS_RCODE_NOERROR, NULL, NULL, NULL, NULL, ack);
	assert_int_equal(xfr_notify_check_ack(ack, n, &sent, now), XFR_NOTIFY_ACK_UNSIGNED);
	n = secondary_answer(msg, len, LDNS_RCODE_NOERROR, KEY_SHA256, SECRET_OTHER, "hmac-sha256", NULL, ack);
	assert_int_equal(xfr_notify_check_ack(ack, n, &sent, now), XFR_NOTIFY_ACK_BAD_TSIG);
	n = secondary_answer(msg, len, LDNS_RCODE_NOERROR, KEY_SHA512, SECRET_SHA512, "hmac-sha512", NULL, ack);
	assert_int_equal(xfr_notify_check_ack(ack, n, &sent, now), XFR_NOTIFY_ACK_BAD_TSIG);
	uint8_t other[32] = {1, 2, 3};
	ldns_rdf *other_mac = ldns_native2rdf_int16_data(sizeof other, other);
	n = secondary_answer(msg, len, LDNS_RCODE_NOERROR, KEY_SHA256, SECRET_SHA256, "hmac-sha256", other_mac, ack);
	ldns_rdf_deep_free(other_mac);
	assert_int_equal(xfr_notify_check_ack(ack, n, &sent, now), XFR_NOTIFY_ACK_BAD_TSIG);

	/* Well signed, but a refusal, or the answer to another ID: no acknowledgement, whatever its TSIG. */
	n = secondary_answer(msg, len, LDNS_RCODE_REFUSED, KEY_SHA256, SECRET_SHA256, "hmac-sha256", NULL, ack);
	assert_int_equal(xfr_notify_check_ack(ack, n, &sent, now), XFR_NOTIFY_NOT_ACK);
	n = secondary_answer(msg, len, LDNS_RCODE_NOERROR, KEY_SHA256, SECRET_SHA256, "hmac-sha256", NULL, ack);
	sent.id++;
	assert_int_equal(xfr_notify_check_ack(ack, n, &sent, now), XFR_NOTIFY_NOT_ACK);
}

static void test_the_answer_to_an_unsigned_notify_is_matched_by_its_header(void **state)
{
	(void)state;
	uint8_t msg[XFR_NOTIFY_MSG_MAX], ack[4096];
	size_t len, n;
	xfr_notify_sent_t sent;
	assert_int_equal(xfr_notify_message("rbl.example", 7, 4242, NULL, msg, sizeof msg, &len, &sent), RBL_OK);
	n = secondary_answer(msg, len, LDNS_RCODE_NOERROR, NULL, NULL, NULL, NULL, ack);
	assert_int_equal(xfr_notify_check_ack(ack, n, &sent, 0), XFR_NOTIFY_ACK);
}

static void test_only_a_matching_response_acknowledges(void **state)
{
	(void)state;
	xfr_notify_sent_t sent = {.id = 0x1234};
	/* ID 0x1234, QR, opcode NOTIFY (4 << 3), AA; NOERROR. */
	uint8_t ack[12] = {0x12, 0x34, 0x80 | 0x20 | 0x04, 0x00};
	assert_int_equal(xfr_notify_check_ack(ack, sizeof ack, &sent, 0), XFR_NOTIFY_ACK);
	assert_int_equal(xfr_notify_check_ack(ack, 11, &sent, 0), XFR_NOTIFY_NOT_ACK); /* short */
	/* Another ID. */
	sent.id = 0x1235;
	assert_int_equal(xfr_notify_check_ack(ack, sizeof ack, &sent, 0), XFR_NOTIFY_NOT_ACK);
	sent.id = 0x1234;
	ack[3] = 0x05; /* REFUSED */
	assert_int_equal(xfr_notify_check_ack(ack, sizeof ack, &sent, 0), XFR_NOTIFY_NOT_ACK);
	ack[3] = 0;
	ack[2] = 0x20; /* not a response */
	assert_int_equal(xfr_notify_check_ack(ack, sizeof ack, &sent, 0), XFR_NOTIFY_NOT_ACK);
	ack[2] = 0x80; /* opcode QUERY */
	assert_int_equal(xfr_notify_check_ack(ack, sizeof ack, &sent, 0), XFR_NOTIFY_NOT_ACK);
	/* A header alone never acknowledges a signed NOTIFY. */
	ack[2] = 0x80 | 0x20 | 0x04;
	sent.key = tsig_keytab_find(&keys, KEY_SHA256);
	sent.mac_len = 32;
	assert_int_equal(xfr_notify_check_ack(ack, sizeof ack, &sent, 0), XFR_NOTIFY_ACK_UNSIGNED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_notify_carries_zone_serial_and_a_tsig_the_secondary_verifies),
	        cmocka_unit_test(test_the_longest_names_fit_the_message_bound),
	        cmocka_unit_test(test_a_signed_notify_is_acknowledged_only_by_an_answer_signed_over_its_mac),
	        cmocka_unit_test(test_the_answer_to_an_unsigned_notify_is_matched_by_its_header),
	        cmocka_unit_test(test_only_a_matching_response_acknowledges),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
