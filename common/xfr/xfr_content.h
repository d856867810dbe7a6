/* SPDX-License-Identifier: BSD-2-Clause */
/* xfr_content.h — a zone's content as a secondary receives it: the records `rbltool export --format bind` writes
 * (export_bind: SOA, NS, A and TXT per listed name, wildcards at octet and nibble boundaries, exclusions opened into
 * their children), read from one snapshot of the store, as ldns records. What an AXFR sends (xfr_axfr.h).
 *
 * The master file is written into memory and read back by ldns (ldns_zone_new_frm_fp): one representation, the one
 * the export's tests check against NSD and rbldnsd, rather than a second writer of the same records in wire form.
 * Held whole, the zone costs memory and time in proportion to it: ~1.1 KB and ~7 us a listing (1,000,000 listings:
 * 1.4 GB, 12 s before a first message could leave). So dnsbld loads whole only what is small — the SOA, an IXFR's
 * differences — and sends a whole zone with xfr_stream_answer (xfr_stream.h), which reads the same export record by
 * record while it is written. xfr_content_load stays as the reference the streamed answer is tested against.
 */
#ifndef RBL_XFR_CONTENT_H
#define RBL_XFR_CONTENT_H

#include "store/store.h"

#include <ldns/ldns.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct xfr_content {
	ldns_rr *soa;        /* the zone's SOA, its serial the snapshot's */
	ldns_rr_list *rrs;   /* every other record, NS first, in the export's order */
	uint32_t serial;
	uint64_t notes;      /* the export's notes: where a master file cannot say what dnsbld says */
	bool incremental;    /* rrs are an IXFR's differences (xfr_content_load_ixfr), not the zone */
} xfr_content_t;

/* The content of zone (a zone name as the store has it) in snapshot r, entries expiring at or before now left out
 * (0: none left out — what a transfer sends, so that the content at a serial is fixed and expiry a commit).
 * RBL_OK with *out (free with xfr_content_free); RBL_ENOENT when there is no such zone; RBL_ENOMEM; RBL_ESTORE;
 * RBL_EINVAL when ldns refuses what the export wrote (a bug: the message is logged with its line). */
int xfr_content_load(store_rtxn_t *r, const char *zone, int64_t now, xfr_content_t **out);
/* The zone's SOA alone (c->rrs empty), as the export writes it: what an IXFR over UDP gets (RFC 1995 section 2).
 * Same errors. */
int xfr_content_load_soa(store_rtxn_t *r, const char *zone, xfr_content_t **out);
/* What an IXFR from serial from sends between the current SOA twice (xfr_ixfr.c): for each journal record from from
 * to the zone's serial, its old SOA, the records it removed, its new SOA, the records it added (RFC 1995). c->soa is
 * the current SOA. RBL_ENOENT when the zone is not there, or the journal does not hold the chain whole, or the chain
 * has more records than four times the zone's entries (no smaller than the zone): then the whole zone is the answer. */
int xfr_content_load_ixfr(store_rtxn_t *r, const char *zone, uint32_t from, xfr_content_t **out);
void xfr_content_free(xfr_content_t *c);

#endif
