/* SPDX-License-Identifier: BSD-2-Clause */
/* xfr_axfr_internal.h — the message packer the transfer answers share (xfr_axfr.c's xfr_answer, xfr_stream.c's
 * streamed whole zone): records go in one at a time, a message goes out (signed when asked) each time the records
 * of the one being filled pass XFR_MESSAGE_RR_BYTES. Owns two buffers (~20 KB, and 64 KB when signing); logs nothing.
 */
#ifndef RBL_XFR_AXFR_INTERNAL_H
#define RBL_XFR_AXFR_INTERNAL_H

#include "xfr/xfr_axfr.h"

typedef struct xfr_packer {
	const xfr_request_t *req;
	tsig_stream_t *ts; /* NULL: unsigned */
	xfr_emit_fn emit;
	void *ctx;
	ldns_buffer *buf;    /* the message being filled: header, the question in the first, records */
	uint8_t *signed_buf; /* where a signed message is written */
	unsigned filling;    /* records in the message being filled */
	uint64_t messages;   /* messages emit took */
	uint64_t records;    /* records in the messages handed to emit */
} xfr_packer_t;

/* Starts the first message of the answer to req. RBL_OK or RBL_ENOMEM; release p in both cases. */
int xfr_packer_init(xfr_packer_t *p, const xfr_request_t *req, tsig_stream_t *ts, xfr_emit_fn emit, void *ctx);
/* Adds rr, sending the message being filled first when it is full: RBL_OK, RBL_ENOMEM, tsig_stream_sign's error or
 * emit's. After an error nothing more may be added. */
int xfr_packer_add(xfr_packer_t *p, const ldns_rr *rr);
/* Sends the message being filled (the last of the answer). Same errors. */
int xfr_packer_finish(xfr_packer_t *p);
void xfr_packer_release(xfr_packer_t *p);

#endif
