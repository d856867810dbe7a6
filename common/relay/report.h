/* SPDX-License-Identifier: BSD-2-Clause */
/* report.h — reports of open relays from mail: ARF feedback reports (RFC 5965) and mbox files of forwarded spam.
 *
 * A report names an address that someone says relayed abuse. It is not a listing: rbltool keeps reports as
 * "pending" until a relay probe decides. Both readers take a single message file or an mbox (messages separated by
 * "From " lines), bound every line and header, and hand bad messages to the sink with the file and message number;
 * the other messages still come through.
 *
 * Details (report_mime.c, report_arf.c, report_mbox.c): a file whose first non-blank line begins with "From " is an
 * mbox, any other file is one message. A message is bad when any of its lines is over 8192 bytes, its header block
 * over 32 KiB or 256 fields, its multiparts nested deeper than 4 or its parts more than 64. An ARF
 * message/feedback-report part may be base64 or quoted-printable (decoded, up to 16 KiB). An unreadable date leaves
 * arrival 0. Both readers also return RBL_EINVAL for a NULL path or sink and RBL_ENOMEM; memory use is fixed
 * (about 130 KiB a call), whatever the file's size.
 */
#ifndef RBL_REPORT_H
#define RBL_REPORT_H

#include "base/addr.h"

#include <stdint.h>

#define REPORT_TEXT_MAX 256

typedef struct report {
	addr_t addr;                         /* the address reported */
	int64_t arrival;                     /* Arrival-Date / the Received: date, unix time; 0 if none */
	char feedback_type[32];              /* ARF Feedback-Type ("abuse", ...); "spam" for mbox reports */
	char reported_domain[REPORT_TEXT_MAX];
	char mail_from[REPORT_TEXT_MAX];     /* ARF Original-Mail-From, or the spam's envelope/From */
	char source[REPORT_TEXT_MAX];        /* the reporter: ARF User-Agent/From of the report, or "mbox" */
	unsigned message;                    /* 1-based message number in the file */
} report_t;

typedef struct report_sink {
	int (*report)(void *ctx, const report_t *r);   /* non-zero stops the read and is returned */
	void (*bad_message)(void *ctx, const char *file, unsigned message, const char *why);
} report_sink_t;

/* ARF: each message must be multipart/report; report-type=feedback-report with a message/feedback-report part;
 * its Source-IP is the address (Feedback-Type, Arrival-Date, Reported-Domain, Original-Mail-From are kept). A
 * message without a usable Source-IP is a bad message. Returns 0, the sink's non-zero value, or RBL_EIO. */
int report_read_arf(const char *path, const report_sink_t *sink, void *ctx);

/* mbox of spam: the relaying address of each message is the sending host of the first Received: header (walking from
 * the top, i.e. from our side) whose sending host is outside trusted (our own relays), as the "from ... ([a.b.c.d])"
 * or "from ... (... [a.b.c.d])" parts of Received: headers give it. A message where every hop is trusted, or with
 * no parsable Received: header, is a bad message. */
int report_read_mbox(const char *path, const cidr_t *trusted, size_t trusted_count, const report_sink_t *sink,
		     void *ctx);

#endif
