/* SPDX-License-Identifier: BSD-2-Clause */
/* report_internal.h — what the two report readers (report_arf.c, report_mbox.c) share, implemented in report_mime.c:
 * splitting a file into messages, bounded header blocks with unfolding, Content-Type parameters, MIME boundaries,
 * RFC 5322 dates and mailbox addresses. Not for use outside those files.
 *
 * Every buffer here has a fixed size: a message is read one line at a time and never held whole, so a reader's
 * memory does not grow with its input.
 */
#ifndef RBL_REPORT_INTERNAL_H
#define RBL_REPORT_INTERNAL_H

#include "relay/report.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define REPORT_LINE_MAX 8192      /* bytes of one line, CR LF excluded; a longer line makes its message bad */
#define REPORT_HEADER_BYTES 32768 /* one unfolded header block (names, values, NULs) */
#define REPORT_HEADER_FIELDS 256  /* fields in one header block */
#define REPORT_MIME_DEPTH 4       /* nested multiparts, the message's own included */
#define REPORT_MIME_PARTS 64      /* body parts of one message, at every depth together */
#define REPORT_BOUNDARY_MAX 70    /* RFC 2046: 1 to 70 characters */
#define REPORT_WHY_MAX 256
#define REPORT_READ_CHUNK 65536

/* ---- messages ---- */

enum msg_status {
	MSG_END = 0,  /* the message has no more lines */
	MSG_LINE = 1, /* a line */
	MSG_LONG = 2, /* a line over REPORT_LINE_MAX: its first REPORT_LINE_MAX bytes, the rest skipped */
};

/* A file read as a sequence of messages. A file whose first non-blank line begins with "From " is an mbox: each
 * "From " line at the start of the file or after a blank line begins the next message (and is not part of it).
 * Any other file is one message, whatever its body holds. */
struct msg_reader {
	FILE *in;
	const char *path;
	char chunk[REPORT_READ_CHUNK];
	size_t start, end;
	bool eof;

	char line[REPORT_LINE_MAX + 2]; /* the current line, NUL-terminated; it may hold NULs of its own */
	size_t len;
	bool too_long;

	bool opened; /* the first message has been looked for */
	bool mbox;
	bool in_message;   /* report_msg_line belongs to message number `message` */
	bool ended;        /* ... and that message has no more lines */
	bool pending_from; /* the "From " line of the next message has been read */
	bool prev_blank;
	bool replay;      /* report_msg_unget: the next report_msg_line returns the current line again */
	unsigned message; /* 1-based */
	unsigned line_in_message;
	unsigned first_long; /* the first over-long line of this message (1-based), 0 if none */
};

/* 0, or RBL_EIO (logged) when path cannot be opened. */
int report_msg_open(struct msg_reader *m, const char *path);
void report_msg_close(struct msg_reader *m);
/* Skips what is left of the current message and begins the next: 1 (m->message is its number), 0 at the end of the
 * file, RBL_EIO on a read error (logged). */
int report_msg_next(struct msg_reader *m);
/* The next line of the current message, CR LF or LF removed: enum msg_status, or RBL_EIO. */
int report_msg_line(struct msg_reader *m, const char **line, size_t *len);
/* Makes the next report_msg_line return the line it returned last. One level only. */
void report_msg_unget(struct msg_reader *m);
/* Reads the current message to its end; returns 0 or RBL_EIO. m->first_long then tells whether any line of the
 * whole message was over-long. */
int report_msg_drain(struct msg_reader *m);

/* ---- header blocks ---- */

struct header_field {
	const char *name;
	char *value; /* unfolded (line breaks removed, the folding blanks kept), trimmed by report_hdr_finish */
};

struct header_block {
	char text[REPORT_HEADER_BYTES];
	size_t used;
	struct header_field field[REPORT_HEADER_FIELDS];
	unsigned count;
};

enum hdr_status {
	HDR_MORE = 0,      /* the line was a field or a continuation: go on */
	HDR_END = 1,       /* a blank line: the block is over, the line belongs to nobody */
	HDR_NOT_FIELD = 2, /* not a field line (or it holds a NUL): the block is over, the line is the body's */
	HDR_TOO_BIG = 3,   /* REPORT_HEADER_BYTES or REPORT_HEADER_FIELDS exceeded */
};

void report_hdr_begin(struct header_block *h);
/* Adds one line (without its line break) to the block: enum hdr_status. */
int report_hdr_feed(struct header_block *h, const char *line, size_t len);
/* Trims every value; call once the block is complete. */
void report_hdr_finish(struct header_block *h);
/* The value of the first field named name (case-insensitive), or NULL. */
const char *report_hdr_get(const struct header_block *h, const char *name);

/* ---- MIME ---- */

struct mime_stack {
	char boundary[REPORT_MIME_DEPTH][REPORT_BOUNDARY_MAX + 1];
	size_t len[REPORT_MIME_DEPTH];
	unsigned depth;
};

/* The boundary level (0 = outermost) that line delimits, -1 if none; *closing for a "--boundary--" line.
 * Trailing blanks (RFC 2046 transport padding) are allowed. */
int report_mime_boundary_match(const struct mime_stack *s, const char *line, size_t len, bool *closing);

enum mime_read { MIME_OK = 0, MIME_BAD = 1 };

/* Reads a header block from the current message into h, stopping at a blank line (consumed), a line that is not a
 * field or is a boundary of stack (may be NULL; either is given back with report_msg_unget), or the message's end.
 * MIME_OK; MIME_BAD with why filled (over-long line, block too big); RBL_EIO. */
int report_mime_read_headers(struct msg_reader *m, struct header_block *h, const struct mime_stack *stack, char *why,
                      size_t whysize);

/* The media type of a Content-Type value ("multipart/report"), lowercased, without parameters. False when the
 * value is not type "/" subtype or does not fit. */
bool report_mime_media_type(const char *value, char *type, size_t size);
/* A Content-Type parameter, quoted or not, by case-insensitive name: 1 found (unquoted into out), 0 absent,
 * -1 present but malformed or longer than size - 1. */
int report_mime_param(const char *value, const char *name, char *out, size_t size);

/* ---- the message loop ---- */

enum report_parse { REPORT_PARSED = 0, REPORT_BAD = 1 };

/* Reads one message from m (positioned at its first line) into r (zeroed, r->message set): REPORT_PARSED,
 * REPORT_BAD with why filled, or RBL_EIO. It need not read the message to its end. */
typedef int (*report_parse_fn)(void *state, struct msg_reader *m, report_t *r, char *why, size_t whysize);

/* Opens path, hands each message to parse and the outcome to sink: a message that parsed but holds an over-long
 * line further on is bad too. Returns 0, the sink's non-zero value, RBL_EIO, or RBL_ENOMEM. */
int report_read_messages(const char *path, report_parse_fn parse, void *state, const report_sink_t *sink, void *ctx);

/* ---- field values ---- */

/* An RFC 5322 date-time (obsolete forms too: no weekday, two-digit years, zone names, no seconds) to unix time.
 * False when it cannot be read. */
bool report_parse_date(const char *text, int64_t *when);
/* The address of a mailbox ("Name <a@b>", "a@b (Name)", "<a@b>") into out, truncated to fit; "" for "<>". */
void report_address(const char *value, char *out, size_t size);
/* Copies text into out: blanks at both ends trimmed, control characters made spaces, cut on a UTF-8 character
 * boundary to fit. */
void report_text_copy(char *out, size_t size, const char *text);
/* The word "From " at the start of line. */
bool report_mbox_from_line(const char *line, size_t len);

#endif
