/* SPDX-License-Identifier: BSD-2-Clause */
/* xfr_notify.h — NOTIFY messages (RFC 1996): the one a primary sends a secondary when a zone changed, signed with
 * the zone's TSIG key, and the check of the secondary's acknowledgement: for a signed NOTIFY, only an answer signed
 * by the same key over the NOTIFY's MAC (RFC 8945 section 5.3) is one; for an unsigned one, a matching header is.
 * The sending, timing and retries are dnsbld's (dnsbld/notify.c). Allocates only inside a call (ldns); logs nothing.
 */
#ifndef RBL_XFR_NOTIFY_H
#define RBL_XFR_NOTIFY_H

#include "xfr/tsig_key.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for any NOTIFY: header, a question and an SOA of 255-byte names, a TSIG of a 255-byte key name with
 * hmac-sha512's MAC (663 bytes at most). */
#define XFR_NOTIFY_MSG_MAX 1024

/* What a NOTIFY's acknowledgement is checked against. */
typedef struct xfr_notify_sent {
	uint16_t id;
	const tsig_key_t *key; /* the key it was signed with (the caller's: keep it while checking); NULL: unsigned */
	uint8_t mac[TSIG_MAC_MAX]; /* its MAC: a signed acknowledgement's digest starts with it */
	size_t mac_len;
} xfr_notify_sent_t;

/* A NOTIFY for zone (a name, no final dot needed) at serial: opcode NOTIFY, AA, the question "zone SOA IN" and the
 * zone's SOA serial as a hint in the answer section (RFC 1996 section 3.7), ID id, signed with key when it is not
 * NULL (time signed now, fudge TSIG_FUDGE_DEFAULT). Into out (cap bytes), *len its length; *sent what its
 * acknowledgement is checked against. RBL_OK, RBL_EINVAL for a name that is not one, RBL_ESPACE, RBL_ENOMEM. */
int xfr_notify_message(const char *zone, uint32_t serial, uint16_t id, const tsig_key_t *key, uint8_t *out, size_t cap,
                       size_t *len, xfr_notify_sent_t *sent);

enum xfr_notify_ack {
	XFR_NOTIFY_NOT_ACK,      /* not an acknowledgement of that NOTIFY: another ID, not a response, another opcode,
	                          * an RCODE other than NOERROR, or shorter than a header */
	XFR_NOTIFY_ACK,          /* its acknowledgement */
	XFR_NOTIFY_ACK_UNSIGNED, /* an acknowledgement but for its TSIG: the NOTIFY was signed, the answer is not */
	XFR_NOTIFY_ACK_BAD_TSIG, /* an acknowledgement but for its TSIG: not the key's, not over the NOTIFY's MAC, a
	                          * TSIG error, out of time, malformed, or not checked for want of memory */
};

/* Whether msg (len bytes, from the secondary) acknowledges the NOTIFY described by sent, at now (seconds since the
 * epoch): a response, opcode NOTIFY, sent's ID, RCODE NOERROR (the header, read first); then, when sent->key is set,
 * a TSIG of that key over sent's MAC, with no error and within its fudge of now (tsig_verify_response). Only
 * XFR_NOTIFY_ACK is an acknowledgement. */
enum xfr_notify_ack xfr_notify_check_ack(const uint8_t *msg, size_t len, const xfr_notify_sent_t *sent, uint64_t now);

#endif
