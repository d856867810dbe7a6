/* SPDX-License-Identifier: BSD-2-Clause */
/* answer.h — turns one DNS query packet into its response: docs/DESIGN.md's answers table in code.
 *
 * Shared by dnsbld (every packet) and rbltool query (to print exactly what dnsbld would answer). Per batch of
 * packets the caller brackets answer_packet with answer_batch_begin/end. A batch answers from a read snapshot that
 * sees every commit made before it: the snapshot of the previous batch is kept while nothing was committed since,
 * else renewed (the zone table rebuilt only when zone definitions changed; otherwise each zone's SOA serial is read
 * again the first time an answer needs it: zonetab.h). A kept snapshot stops LMDB from reusing pages freed after it, so an
 * idle caller lets it go with answer_release. answer_packet allocates nothing and logs nothing.
 */
#ifndef RBL_ANSWER_H
#define RBL_ANSWER_H

#include "store/store_reader.h"
#include "query/zonetab.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Answers a server operator chooses (dnsbld.conf; swapped between batches on a reload): the CH TXT names. A NULL
 * text, or no options at all, answers that name REFUSED. */
typedef struct answer_options {
	const char *identity; /* CH TXT id.server and hostname.bind */
	const char *version;  /* CH TXT version.bind and version.server */
} answer_options_t;

/* What the last answer was, for the caller's counters, rate limiting and query log (answer_packet and answer_refused
 * fill it; plain stores, no cost worth measuring). */
enum answer_kind {
	ANSWER_NONE = 0, /* not answered (dropped: too short, or a response) */
	ANSWER_POSITIVE, /* NOERROR with records in the answer section */
	ANSWER_NODATA,   /* NOERROR, empty answer */
	ANSWER_NXDOMAIN,
	ANSWER_REFUSED,     /* outside every zone, zone transfers, CH names without a text */
	ANSWER_ACL_REFUSED, /* answer_refused: a client outside allow-query */
	ANSWER_ERROR,       /* SERVFAIL, BADVERS */
	ANSWER_MALFORMED,   /* FORMERR, NOTIMP */
	ANSWER_KIND_COUNT
};

typedef struct answer_info {
	uint8_t kind;       /* enum answer_kind */
	uint8_t rcode;      /* the response's rcode (BADVERS: 16); meaningful when kind != ANSWER_NONE */
	uint16_t qtype;     /* 0 when the question was not read (malformed) */
	int32_t zone;       /* index into the answering context's zone table, -1 for none */
	bool listed;        /* the answer carries a listing (A or TXT of an entry) */
	bool truncated;     /* TC set: it did not fit */
	uint16_t qname_len; /* wire length of the question name, at offset 12 of the query packet; 0 when not read */
} answer_info_t;

typedef struct answer_ctx {
	store_reader_t reader;
	zonetab_t zones;
	int64_t now;
	uint64_t batches; /* counted by answer_batch_begin: an idle timer compares it to release the snapshot */
	bool in_batch;    /* a snapshot is held: answers come from it; without one every query gets SERVFAIL */
	const answer_options_t *options; /* the caller's; NULL: every CH name REFUSED */
	answer_info_t info;              /* the last answer_packet's */
} answer_ctx_t;

int answer_ctx_init(answer_ctx_t *ctx, store_t *st);
void answer_ctx_free(answer_ctx_t *ctx);

/* Starts a batch on a snapshot that sees every commit so far (kept or renewed), zone table refreshed. */
int answer_batch_begin(answer_ctx_t *ctx);
void answer_batch_end(answer_ctx_t *ctx);
/* Releases the kept snapshot (an idle worker; shutdown). */
void answer_release(answer_ctx_t *ctx);

/* Writes the response to the query pkt[0..len) into out (cap bytes, at least 512) and returns its length, or 0 when
 * the packet must not be answered. Over UDP (tcp false) the response is kept within the requester's limit (512
 * without EDNS0, its payload size capped at 1232 with it) and truncated with TC=1 when the answer does not fit. */
size_t answer_packet(answer_ctx_t *ctx, const uint8_t *pkt, size_t len, uint8_t *out, size_t cap, bool tcp);

/* The REFUSED response to pkt, for a client the server does not answer (outside allow-query): the question echoed
 * (header only for a message that answer_packet would FORMERR or NOTIMP), an OPT when the query had one; 0 when the
 * packet must not be answered at all. Reads no store. info (may be NULL) gets ANSWER_ACL_REFUSED, or ANSWER_NONE. */
size_t answer_refused(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap, bool tcp, answer_info_t *info);

#endif
