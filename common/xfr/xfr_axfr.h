/* SPDX-License-Identifier: BSD-2-Clause */
/* xfr_axfr.h — the messages that answer a zone transfer request (RFC 5936 AXFR; RFC 1995 IXFR), built from a zone's
 * content (xfr_content.h) and signed message by message when the request was (tsig.h).
 *
 * AXFR: the SOA, every record, the SOA again, in messages of at most XFR_MESSAGE_RR_BYTES of records each, names
 * uncompressed (compressing 32-label names cost more CPU than the bytes saved were worth: signing through ldns, which
 * compresses, was 84 % of a transfer's CPU); the question in the first message only (RFC 5936 section 2.2.1).
 * IXFR: from an older serial the journal holds, the differences (xfr_content_load_ixfr): the current SOA, each
 * step's old SOA, removed records, new SOA, added records, the current SOA again; from one it does not hold, the
 * whole zone in AXFR form, which RFC 1995 section 4 allows ("the entire zone is returned"); for the current serial
 * or a newer one, one message holding only the current SOA (RFC 1995 section 2).
 * xfr_answer sends content held in memory (the SOA alone, an IXFR's differences); a whole zone is too large for that
 * and goes through xfr_stream_answer (xfr_stream.h), which sends the same messages while the zone is written.
 */
#ifndef RBL_XFR_AXFR_H
#define RBL_XFR_AXFR_H

#include "base/dname.h"
#include "xfr/tsig.h"
#include "xfr/xfr_content.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XFR_MESSAGE_RR_BYTES 16384 /* records a message carries, before its TSIG: well under 65535 */

enum xfr_kind { XFR_NONE = 0, XFR_AXFR = 252, XFR_IXFR = 251 };

/* A transfer request as read from the wire. */
typedef struct xfr_request {
	enum xfr_kind kind;
	uint16_t id;
	char zone[DNAME_TEXTMAX];    /* the question's name, lowercase, no final dot ("" for the root) */
	const uint8_t *question;     /* the question as the request wrote it (name, type, class), in the request */
	size_t question_len;
	bool has_serial;             /* IXFR: the SOA in the authority section gave the secondary's serial */
	uint32_t serial;
} xfr_request_t;

/* Whether msg (len bytes, a DNS message) is a query for AXFR or IXFR: XFR_AXFR, XFR_IXFR or XFR_NONE, reading only the
 * header and the question (bounded: a malformed message is XFR_NONE and left to the query path). Cheap: called for
 * every query over TCP. */
enum xfr_kind xfr_request_kind(const uint8_t *msg, size_t len);

/* Reads a transfer request (its kind must not be XFR_NONE). RBL_OK; RBL_EINVAL for one ldns cannot parse, a
 * question count other than 1, or a class other than IN. r->question points into msg. */
int xfr_request_read(const uint8_t *msg, size_t len, xfr_request_t *r);

/* Writes each message of the answer to req from c (a whole zone, the SOA alone, or an IXFR's differences) through emit (one call a message, without the TCP length
 * prefix), signed with ts when it is not NULL (started on the request's TSIG). A non-zero return from emit stops and
 * is returned; else RBL_OK, RBL_ENOMEM, or tsig_stream_sign's error. *messages and *records count what was sent
 * (the SOA twice in a whole zone). */
typedef int (*xfr_emit_fn)(void *ctx, const uint8_t *msg, size_t len);
int xfr_answer(const xfr_request_t *req, const xfr_content_t *c, tsig_stream_t *ts, xfr_emit_fn emit, void *ctx,
	       uint64_t *messages, uint64_t *records);

#endif
