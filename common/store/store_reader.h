/* SPDX-License-Identifier: BSD-2-Clause */
/* store_reader.h — the query path's view of the store: one reusable read transaction, interval lookups, texts.
 *
 * A reader belongs to one worker. store_reader_begin renews its transaction (so it sees every commit made before
 * it), store_reader_end releases the snapshot; between the two, pointers handed out (texts) stay valid. No call
 * allocates or logs except store_reader_init and a store error.
 */
#ifndef RBL_STORE_READER_H
#define RBL_STORE_READER_H

#include "store/store.h"

typedef struct store_reader {
	store_t *st;
	void *txn;     /* MDB_txn, reset between batches */
	void *cursor;  /* MDB_cursor on the IPv4 intervals, renewed with the transaction */
	void *cursor6; /* MDB_cursor on the IPv6 intervals, renewed by the first IPv6 question of a snapshot */
	bool active;
	bool cursor6_current; /* cursor6 was renewed in this snapshot */
} store_reader_t;

/* The answer an interval carries. */
typedef struct store_hit {
	uint8_t entry_len;   /* prefix length of the entry that owns the address */
	uint8_t flags;       /* entry_flags */
	uint8_t ncodes;      /* 0 = the zone's default */
	uint32_t codes[ENTRY_MAX_CODES];
	int64_t expires;
	const uint8_t *payload; /* the interval's value after its first address, in the snapshot (a lone listing's
				 * origin, read by store_reader_text) */
	size_t payload_len;
} store_hit_t;

int store_reader_init(store_t *st, store_reader_t *r);
void store_reader_free(store_reader_t *r);
int store_reader_begin(store_reader_t *r);
void store_reader_end(store_reader_t *r);

/* True if no commit happened since this (active) snapshot was taken: it still shows the latest state. */
bool store_reader_current(store_reader_t *r);
/* A number that changes whenever a commit happened before this snapshot (LMDB's transaction id). */
int store_reader_generation(store_reader_t *r, uint64_t *gen);
/* A number that changes whenever a commit before this snapshot created, changed or deleted a zone definition, and
 * not when only listings (and so serials) changed: the zone table is rebuilt when it moves. One meta read. */
int store_reader_zones_generation(store_reader_t *r, uint64_t *gen);
/* Calls fn for each zone (for the zone table), serial included. */
int store_reader_zones(store_reader_t *r, int (*fn)(const zone_def_t *def, void *ctx), void *ctx);
/* The zone's SOA serial in this snapshot: one read of its state record, no decoding of its definition.
 * RBL_ENOENT when the zone has none. */
int store_reader_zone_serial(store_reader_t *r, uint32_t zone_id, uint32_t *serial);

/* Looks a up in the zone: 1 and *hit if listed, 0 if not (never listed, excluded, or expired at now; an expired
 * entry's covering listing answers in its place), negative on a store error. */
int store_reader_lookup(store_reader_t *r, uint32_t zone_id, const addr_t *a, int64_t now, store_hit_t *hit);

/* True if any address inside range is listed at now (for empty non-terminals). */
bool store_reader_range_listed(store_reader_t *r, uint32_t zone_id, const cidr_t *range, int64_t now);

/* The reason text of the entry owning a (found by store_reader_lookup): *text points into the snapshot, *len = 0
 * when the entry has none. */
int store_reader_text(store_reader_t *r, uint32_t zone_id, const addr_t *a, const store_hit_t *hit,
		      const char **text, size_t *len);

#endif
