/* SPDX-License-Identifier: BSD-2-Clause */
/* xfr_journal.h — the record-level journal of the transferable zones: what each commit removed from and added to a
 * zone's transferred form (export_bind's records), so that IXFR (RFC 1995) sends a secondary the difference.
 *
 * Written by rbltool: xfr_journal_hook is the store's commit hook (store_ext.h), given dnsbld.conf's [zone] sections.
 * For each configured zone the commit changed (itself, or a member of it as an aggregate) it writes one record —
 * from the serial the zone had to the serial the commit gave it, the records removed and added (export_bind_diff),
 * each a line "OWNER<TAB>TYPE<TAB>RDATA", owner relative to the zone — in the same transaction. The journal is
 * always one unbroken chain ending at the zone's serial:
 * - a commit that changed the zone's definition or a member's (SOA, NS, TXT template, default code, members), or
 *   a zone created or deleted, empties it: no difference of records says that; the next IXFR is a whole zone;
 * - a difference bigger than the zone (a large import replacing it) empties it too, as does one bigger than
 *   journal-max;
 * - a record whose first serial is not the last record's last one (a commit made without this hook: rbltool run
 *   without the configuration) drops the records before it;
 * - past journal-max bytes the oldest records go.
 * Zones without a [zone] section keep no journal and pay nothing (the hook is not even called without one).
 *
 * Kept in the store table "xfr_journal" (store_ext.h): key zone id (4, BE) · sequence (8, BE); value encoding (1) ·
 * from serial (4) · to serial (4) · removed records (4) · added records (4) · removed bytes (4) · the removed lines ·
 * the added lines.
 */
#ifndef RBL_XFR_JOURNAL_H
#define RBL_XFR_JOURNAL_H

#include "store/store_ext.h"
#include "xfr/xfr_conf.h"

#include <stdint.h>

/* The commit hook (store_commit_fn): ctx is the xfr_conf_t of dnsbld.conf, which must outlive the store handle. */
int xfr_journal_hook(void *ctx, store_wtxn_t *w, store_rtxn_t *before, store_rtxn_t *after,
		     const store_change_t *changes, size_t count);

/* One journal record as read: pointers into the read snapshot. */
typedef struct xfr_journal_step {
	uint32_t from, to;
	uint32_t removed_count, added_count;
	const char *removed, *added; /* lines, each ending in '\n' */
	size_t removed_len, added_len;
} xfr_journal_step_t;

/* The journal of zone_id in r's snapshot: *first = the oldest serial it can go from, *last = the serial it ends at,
 * *records and *bytes its size. RBL_ENOENT when it is empty. */
int xfr_journal_range(store_rtxn_t *r, uint32_t zone_id, uint32_t *first, uint32_t *last, uint64_t *records,
		      uint64_t *bytes);

/* Calls fn for each record of the chain from serial from to serial to, in order: RBL_ENOENT (fn never called)
 * when the journal does not hold that chain whole. A non-zero return from fn stops and is returned. */
int xfr_journal_chain(store_rtxn_t *r, uint32_t zone_id, uint32_t from, uint32_t to,
		      int (*fn)(void *ctx, const xfr_journal_step_t *step), void *ctx);

#endif
