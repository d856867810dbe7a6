/* SPDX-License-Identifier: BSD-2-Clause */
/* xfr_notify.c — NOTIFY messages built with ldns, signed as a TSIG client signs a request, and their
 * acknowledgements checked, the TSIG by tsig_verify_response (xfr_notify.h). */
#include "xfr/xfr_notify.h"

#include "base/err.h"
#include "tsig_internal.h"
#include "xfr/tsig.h"

#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPCODE_NOTIFY 4

/* Signs p with key as a request (no prior MAC) and keeps its MAC in sent. */
static int sign(ldns_pkt *p, const tsig_key_t *key, xfr_notify_sent_t *sent)
{
	int err = tsig_from_ldns(ldns_pkt_tsig_sign(p, key->name, key->secret, TSIG_FUDGE_DEFAULT,
	                                            tsig_algorithm_name(key->algorithm), NULL));
	const ldns_rr *tsig = err ? NULL : ldns_pkt_tsig(p);
	const ldns_rdf *mac = tsig ? ldns_rr_rdf(tsig, 3) : NULL;
	if (!err && (!mac || ldns_rdf_size(mac) < 2 || ldns_rdf_size(mac) - 2 > TSIG_MAC_MAX))
		err = RBL_EINVAL;
	if (!err) {
		sent->key = key;
		sent->mac_len = ldns_rdf_size(mac) - 2;
		memcpy(sent->mac, ldns_rdf_data(mac) + 2, sent->mac_len);
	}
	return err;
}

int xfr_notify_message(const char *zone, uint32_t serial, uint16_t id, const tsig_key_t *key, uint8_t *out, size_t cap,
                       size_t *len, xfr_notify_sent_t *sent)
{
	*len = 0;
	memset(sent, 0, sizeof *sent);
	sent->id = id;
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
	if (!err && key)
		err = sign(p, key, sent);
	if (!err)
		err = tsig_write_pkt(p, out, cap, len);
	ldns_pkt_free(p);
	if (err)
		memset(sent, 0, sizeof *sent);
	return err;
}

/* The header of an acknowledgement of the NOTIFY with ID id: a response, opcode NOTIFY, that ID, NOERROR. */
static bool acknowledges(const uint8_t *msg, size_t len, uint16_t id)
{
	return len >= LDNS_HEADER_SIZE && ((unsigned)msg[0] << 8 | msg[1]) == id && (msg[2] & 0x80) &&
	       ((msg[2] >> 3) & 0x0f) == OPCODE_NOTIFY && (msg[3] & 0x0f) == 0;
}

enum xfr_notify_ack xfr_notify_check_ack(const uint8_t *msg, size_t len, const xfr_notify_sent_t *sent, uint64_t now)
{
	if (!acknowledges(msg, len, sent->id))
		return XFR_NOTIFY_NOT_ACK;
	if (!sent->key)
		return XFR_NOTIFY_ACK; /* an unsigned NOTIFY: the header is all there is to match */
	enum tsig_verdict verdict;
	if (tsig_verify_response(msg, len, sent->key, sent->mac, sent->mac_len, now, &verdict))
		return XFR_NOTIFY_ACK_BAD_TSIG;
	if (verdict == TSIG_NONE)
		return XFR_NOTIFY_ACK_UNSIGNED;
	return verdict == TSIG_OK ? XFR_NOTIFY_ACK : XFR_NOTIFY_ACK_BAD_TSIG;
}
