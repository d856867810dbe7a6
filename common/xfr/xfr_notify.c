/* SPDX-License-Identifier: BSD-2-Clause */
/* xfr_notify.c — NOTIFY messages built with ldns, signed as a TSIG client signs a request. */
#include "xfr/xfr_notify.h"

#include "base/err.h"

#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPCODE_NOTIFY 4

int xfr_notify_message(const char *zone, uint32_t serial, uint16_t id, const tsig_key_t *key, uint8_t *out,
		       size_t cap, size_t *len)
{
	*len = 0;
	char text[DNAME_TEXTMAX + 64];
	size_t n = strlen(zone);
	if (n == 0 || n >= DNAME_TEXTMAX)
		return RBL_EINVAL;
	const char *dot = zone[n - 1] == '.' ? "" : ".";
	ldns_pkt *p = NULL;
	ldns_rr *soa = NULL;
	if (ldns_pkt_query_new_frm_str(&p, (snprintf(text, sizeof text, "%s%s", zone, dot), text), LDNS_RR_TYPE_SOA,
				       LDNS_RR_CLASS_IN, LDNS_AA) != LDNS_STATUS_OK)
		return RBL_EINVAL;
	ldns_pkt_set_opcode(p, OPCODE_NOTIFY);
	ldns_pkt_set_id(p, id);
	ldns_pkt_set_rd(p, false);
	/* The serial as a hint: the rest of the SOA is not read by secondaries (RFC 1996 section 3.7). */
	snprintf(text, sizeof text, "%s%s 0 IN SOA . . %u 0 0 0 0", zone, dot, serial);
	int err = RBL_OK;
	if (ldns_rr_new_frm_str(&soa, text, 0, NULL, NULL) != LDNS_STATUS_OK)
		err = RBL_EINVAL;
	else if (!ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, soa))
		err = RBL_ENOMEM;
	if (!err && key &&
	    ldns_pkt_tsig_sign(p, key->name, key->secret, 300, tsig_algorithm_name(key->algorithm), NULL) !=
		    LDNS_STATUS_OK)
		err = RBL_ENOMEM;
	uint8_t *wire = NULL;
	size_t wire_len = 0;
	if (!err && ldns_pkt2wire(&wire, p, &wire_len) != LDNS_STATUS_OK)
		err = RBL_ENOMEM;
	if (!err && wire_len > cap)
		err = RBL_ESPACE;
	if (!err) {
		memcpy(out, wire, wire_len);
		*len = wire_len;
	}
	free(wire);
	ldns_pkt_free(p);
	return err;
}

bool xfr_notify_is_ack(const uint8_t *msg, size_t len, uint16_t id)
{
	return len >= 12 && ((unsigned)msg[0] << 8 | msg[1]) == id && (msg[2] & 0x80) &&
	       ((msg[2] >> 3) & 0x0f) == OPCODE_NOTIFY && (msg[3] & 0x0f) == 0;
}
