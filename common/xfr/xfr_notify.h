/* SPDX-License-Identifier: BSD-2-Clause */
/* xfr_notify.h — NOTIFY messages (RFC 1996): the one a primary sends a secondary when a zone changed, signed with
 * the zone's TSIG key, and the check of the secondary's acknowledgement. The sending, timing and retries are
 * dnsbld's (dnsbld/notify.c).
 */
#ifndef RBL_XFR_NOTIFY_H
#define RBL_XFR_NOTIFY_H

#include "xfr/tsig_key.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A NOTIFY for zone (a name, no final dot needed) at serial: opcode NOTIFY, AA, the question "zone SOA IN" and the
 * zone's SOA serial as a hint in the answer section (RFC 1996 section 3.7), ID id, signed with key when it is not
 * NULL. Into out (cap bytes), *len its length. RBL_OK, RBL_EINVAL for a name that is not one, RBL_ESPACE,
 * RBL_ENOMEM. */
int xfr_notify_message(const char *zone, uint32_t serial, uint16_t id, const tsig_key_t *key, uint8_t *out,
		       size_t cap, size_t *len);

/* Whether msg (len bytes, from the secondary) acknowledges the NOTIFY with ID id: a response, opcode NOTIFY, that
 * ID, RCODE NOERROR. Reads the header only. */
bool xfr_notify_is_ack(const uint8_t *msg, size_t len, uint16_t id);

#endif
