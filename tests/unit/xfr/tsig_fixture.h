/* SPDX-License-Identifier: BSD-2-Clause */
/* tsig_fixture.h — the TSIG tests' keys, and ldns playing the client and the secondary: a query signed as dig or
 * Knot would send it, a response read back and its MAC checked. */
#ifndef RBL_TEST_TSIG_FIXTURE_H
#define RBL_TEST_TSIG_FIXTURE_H

#include "base/err.h"
#include "xfr/tsig.h"

#include <ldns/ldns.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#define KEY_SHA256 "transfer.example"
#define SECRET_SHA256 "QdCevH+CiU8/uqLbVtvT/os+nIVaFeVCfjA2wmmmOfI="
#define KEY_SHA512 "sha512.example"
#define SECRET_SHA512 "hTcEi9xkQdUqkEEjzG9WRcM4RWP9R93972+14poseHHr6SB5113wAgZ9WnvC+Yi4MxFTWIQStb2tWErV8ShnHw=="
#define KEY_SHA1 "sha1.example"
#define SECRET_SHA1 "m06boKixlULeb50TxuUYzN6XnyY="
#define SECRET_OTHER "BKPgk+9LQP/9bg3r9oYdo4G+zM6TZSRU2wqdtTcUWbA="
#define QUERY_ID 4242

static inline void fixture_keys(tsig_keytab_t *keys)
{
	char why[256];
	tsig_key_t key;
	memset(keys, 0, sizeof *keys);
	assert_int_equal(tsig_key_make(&key, KEY_SHA256, "hmac-sha256", SECRET_SHA256, why, sizeof why), RBL_OK);
	assert_int_equal(tsig_keytab_add(keys, &key, why, sizeof why), RBL_OK);
	assert_int_equal(tsig_key_make(&key, KEY_SHA512, "hmac-sha512", SECRET_SHA512, why, sizeof why), RBL_OK);
	assert_int_equal(tsig_keytab_add(keys, &key, why, sizeof why), RBL_OK);
	assert_int_equal(tsig_key_make(&key, KEY_SHA1, "hmac-sha1", SECRET_SHA1, why, sizeof why), RBL_OK);
	assert_int_equal(tsig_keytab_add(keys, &key, why, sizeof why), RBL_OK);
}

/* A query for rbl.example of type, ID QUERY_ID; unsigned when key_name is NULL. */
static inline ldns_pkt *fixture_query(ldns_rr_type type, const char *key_name, const char *secret,
                                      const char *algorithm)
{
	ldns_pkt *q = NULL;
	assert_int_equal(ldns_pkt_query_new_frm_str(&q, "rbl.example.", type, LDNS_RR_CLASS_IN, 0), LDNS_STATUS_OK);
	ldns_pkt_set_id(q, QUERY_ID);
	if (key_name)
		assert_int_equal(ldns_pkt_tsig_sign(q, key_name, secret, 300, algorithm, NULL), LDNS_STATUS_OK);
	return q;
}

/* pkt's wire form into out (65535 bytes); its length. */
static inline size_t fixture_wire(const ldns_pkt *pkt, uint8_t *out)
{
	uint8_t *wire = NULL;
	size_t len = 0;
	assert_int_equal(ldns_pkt2wire(&wire, pkt, &len), LDNS_STATUS_OK);
	assert_true(len <= 65535);
	memcpy(out, wire, len);
	free(wire);
	return len;
}

/* Where the MAC of the signed pkt sits in its wire form (found by its bytes). */
static inline size_t fixture_mac_offset(const ldns_pkt *pkt, const uint8_t *wire, size_t len)
{
	const ldns_rdf *mac = ldns_rr_rdf(ldns_pkt_tsig(pkt), 3);
	const uint8_t *found = memmem(wire, len, ldns_rdf_data(mac) + 2, ldns_rdf_size(mac) - 2);
	assert_non_null(found);
	return (size_t)(found - wire);
}

/* An answer to query with the given records (ldns text, ";"-free), question only when with_question. */
static inline size_t fixture_answer(const ldns_pkt *query, const char *const *records, size_t count, bool with_question,
                                    uint8_t *out)
{
	ldns_pkt *a = ldns_pkt_new();
	assert_non_null(a);
	ldns_pkt_set_id(a, ldns_pkt_id(query));
	ldns_pkt_set_qr(a, true);
	ldns_pkt_set_aa(a, true);
	if (with_question)
		ldns_pkt_push_rr(a, LDNS_SECTION_QUESTION, ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(query), 0)));
	for (size_t i = 0; i < count; i++) {
		ldns_rr *rr = NULL;
		assert_int_equal(ldns_rr_new_frm_str(&rr, records[i], 0, NULL, NULL), LDNS_STATUS_OK);
		ldns_pkt_push_rr(a, LDNS_SECTION_ANSWER, rr);
	}
	size_t len = fixture_wire(a, out);
	ldns_pkt_free(a);
	return len;
}

#endif
