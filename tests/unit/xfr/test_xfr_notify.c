/* SPDX-License-Identifier: BSD-2-Clause */
/* test_xfr_notify.c — a NOTIFY as a secondary reads it (opcode, question, the serial hint, a TSIG it verifies) and
 * the acknowledgement check (the ID, response, opcode and rcode must all match). */
#include "xfr/xfr_notify.h"

#include "tsig_fixture.h"

static void test_notify_carries_zone_serial_and_a_tsig_the_secondary_verifies(void **state)
{
	(void)state;
	tsig_keytab_t keys;
	fixture_keys(&keys);
	const tsig_key_t *key = tsig_keytab_find(&keys, KEY_SHA256);
	assert_non_null(key);
	uint8_t msg[1024];
	size_t len;
	assert_int_equal(xfr_notify_message("rbl.example", 2026120501u, 777, key, msg, sizeof msg, &len), RBL_OK);
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
	ldns_pkt_free(p);
	/* Unsigned when the zone has no key; a name that is none is refused. */
	assert_int_equal(xfr_notify_message("rbl.example.", 1, 1, NULL, msg, sizeof msg, &len), RBL_OK);
	assert_int_equal(ldns_wire2pkt(&p, msg, len), LDNS_STATUS_OK);
	assert_null(ldns_pkt_tsig(p));
	ldns_pkt_free(p);
	assert_int_equal(xfr_notify_message("", 1, 1, NULL, msg, sizeof msg, &len), RBL_EINVAL);
	assert_int_equal(xfr_notify_message("rbl.example", 1, 1, NULL, msg, 20, &len), RBL_ESPACE);
}

static void test_only_a_matching_response_acknowledges(void **state)
{
	(void)state;
	/* ID 0x1234, QR, opcode NOTIFY (4 << 3), AA; NOERROR. */
	uint8_t ack[12] = {0x12, 0x34, 0x80 | 0x20 | 0x04, 0x00};
	assert_true(xfr_notify_is_ack(ack, sizeof ack, 0x1234));
	assert_false(xfr_notify_is_ack(ack, sizeof ack, 0x1235)); /* another ID */
	assert_false(xfr_notify_is_ack(ack, 11, 0x1234));         /* short */
	ack[3] = 0x05;                                            /* REFUSED */
	assert_false(xfr_notify_is_ack(ack, sizeof ack, 0x1234));
	ack[3] = 0;
	ack[2] = 0x20; /* not a response */
	assert_false(xfr_notify_is_ack(ack, sizeof ack, 0x1234));
	ack[2] = 0x80; /* opcode QUERY */
	assert_false(xfr_notify_is_ack(ack, sizeof ack, 0x1234));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_notify_carries_zone_serial_and_a_tsig_the_secondary_verifies),
	        cmocka_unit_test(test_only_a_matching_response_acknowledges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
