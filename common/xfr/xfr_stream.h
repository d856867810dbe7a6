/* SPDX-License-Identifier: BSD-2-Clause */
/* xfr_stream.h — the whole-zone answer (AXFR, or an IXFR the journal cannot answer) sent while the zone is written:
 * a producer thread writes export_bind's master file for the snapshot into a pipe, and the caller's thread reads it
 * back record by record with ldns and packs the records into messages as xfr_answer does (xfr_axfr.h: the SOA, every
 * record, the SOA again; ~16 KB of records a message, the question in the first, each signed when ts is given).
 *
 * Memory is the export's own model of the zone (export_bind loads the zone's entries before it writes: ~300 bytes a
 * listing, as rbltool export uses) plus the pipe and two message buffers — not the records, ~1.1 KB a listing read
 * back whole: the first message leaves as soon as the export has written 16 KB of them. The snapshot r is the
 * producer's while the answer runs (store.h: a read transaction is used by one thread at a time; the store is opened
 * with MDB_NOTLS), so it stays open until the whole zone has been written; the caller gets it back, unused, when
 * xfr_stream_answer returns, and ends it.
 *
 * An incomplete answer never ends with the SOA, so a secondary discards it (RFC 5936 section 2.2): when the export
 * fails (RBL_ESTORE, RBL_ENOMEM; logged here) or emit does (the secondary went away, a send timeout), what was sent
 * stays unclosed. A failing emit closes the pipe's read end: the producer's next write fails (EPIPE; SIGPIPE is
 * blocked in its thread) and it ends; it is joined before the return, on every path. Waits are bounded by the
 * export (which only waits for the pipe) and by emit.
 */
#ifndef RBL_XFR_STREAM_H
#define RBL_XFR_STREAM_H

#include "store/store.h"
#include "xfr/xfr_axfr.h"

#include <stdint.h>

typedef struct xfr_stream_stats {
	uint64_t messages; /* messages emit took */
	uint64_t records;  /* records in them (the SOA twice when the answer is whole) */
	uint32_t serial;   /* the SOA's serial (0 until the SOA was read) */
	uint64_t notes;    /* the export's notes (export.h) */
} xfr_stream_stats_t;

/* Sends the whole zone req->zone of snapshot r (as committed: nothing left out for expiry) in answer to req through
 * emit, as xfr_answer would from xfr_content_load's content. RBL_OK; RBL_ENOENT when there is no such zone (nothing
 * sent); RBL_ENOMEM; RBL_ESTORE; RBL_EIO when the pipe or the thread cannot be had; RBL_EINVAL when ldns refuses what
 * the export wrote (a bug: logged with the line); tsig_stream_sign's or emit's error. stats says what was sent. */
int xfr_stream_answer(store_rtxn_t *r, const xfr_request_t *req, tsig_stream_t *ts, xfr_emit_fn emit, void *ctx,
		      xfr_stream_stats_t *stats);

#endif
