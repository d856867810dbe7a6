/* SPDX-License-Identifier: BSD-2-Clause */
/* store_internal.h — what the store_*.c files share and nothing outside common/store/ may use. */
#ifndef RBL_STORE_INTERNAL_H
#define RBL_STORE_INTERNAL_H

#include "store/store.h"
#include "store/store_ext.h"
#include "store/store_reader.h"

#include <lmdb.h>
#include <string.h>

struct store {
	MDB_env *env;
	MDB_dbi meta, zones, entries, journal;
	MDB_dbi zone_state; /* per zone: serial, entry count, last change (store_zone_state_*) */
	MDB_dbi index4; /* IPv4 intervals: integer keys (store_interval_key) */
	MDB_dbi index;  /* IPv6 intervals */
	MDB_dbi origins; /* the sources and reasons lone listings share (store_origin.c), since format 5 */
	bool readonly;
	bool may_create; /* STORE_CREATE: this open may make the store (directory, data file, tables) */
	bool created;    /* it did */
	/* Tables that libraries above the store keep in its environment (store_ext.h), opened on first use. */
	struct store_ext_table {
		char name[STORE_EXT_NAME_MAX + 1];
		MDB_dbi dbi;
		MDB_txn *opened_in; /* the transaction that opened it while that one runs (LMDB closes the handle if it
				     * does not commit), then NULL */
	} ext[STORE_EXT_TABLES_MAX];
	unsigned ext_count;
	/* Called by every commit that changed a zone, before LMDB commits (store_set_commit_hook). */
	store_commit_fn commit_hook;
	void *commit_hook_ctx;
};

struct store_wtxn {
	store_t *st;
	MDB_txn *txn;
	int64_t now;
	/* The zones this transaction changed: commit bumps each one's serial, sets its last change time and moves its
	 * entry count by delta (store_zone_touched). Grown as needed; touched_last is the one a lookup tries first (a
	 * walk over many entries meets one zone after the other). */
	struct store_touched {
		uint32_t zone_id;
		int64_t delta;
		/* With a commit hook: the networks of the entries put or deleted, up to STORE_CHANGE_NETS_MAX; past that,
		 * or for a change too big to list (a large import), all. */
		cidr_t *nets;
		uint32_t net_count, net_cap;
		bool all;
	} *touched;
	unsigned touched_count, touched_cap, touched_last;
	int error; /* out of memory while noting a change: commit fails with it */
	bool definitions_changed; /* a zone was created, redefined or deleted: commit moves META_ZONES_GENERATION */
	uint64_t journal_next;               /* next journal sequence, read once, written back at commit */
	bool journal_loaded;
	/* The origin last found or made in this transaction (store_origin_id): an import asks for one a million times. */
	char origin_last_source[ENTRY_SOURCE_MAX];
	char origin_last_reason[ENTRY_TEXT_MAX];
	uint32_t origin_last_id;
};

struct store_rtxn {
	store_t *st;
	MDB_txn *txn;
};

/* Meta keys. */
#define META_VERSION "version"
#define META_CREATED "created"
#define META_NEXT_ZONE "next_zone_id"
#define META_NEXT_JOURNAL "next_journal"
#define META_NEXT_ORIGIN "next_origin"
/* Moved by every commit that created, changed or deleted a zone definition (not by listing changes): a reader's zone
 * table is rebuilt when it moves (store_reader_zones_generation). */
#define META_ZONES_GENERATION "zones_generation"

/* What every commit that changes a zone rewrites, kept apart from its definition (table zone_state, key the zone id
 * (4, BE), since format 4) so that a listing change leaves the definition, and the readers' zone tables built from
 * it, alone. Value: encoding (1) · serial (4) · entries (8) · last change (8), big-endian. */
typedef struct zone_state {
	uint32_t serial;
	uint64_t entries;
	int64_t changed;
} zone_state_t;
#define ZONE_STATE_ENCODING 1
#define ZONE_STATE_SIZE 21
/* Decodes a zone_state value: false when it is not one (damage). */
bool store_zone_state_decode(const MDB_val *v, zone_state_t *s);
/* The state of zone_id: RBL_ENOENT when it has none, RBL_ESTORE when it does not decode. */
int store_zone_state_get(MDB_txn *txn, const store_t *st, uint32_t zone_id, zone_state_t *s);
int store_zone_state_put(MDB_txn *txn, const store_t *st, uint32_t zone_id, const zone_state_t *s);
/* Writes def into zones without its serial, entry count and last change (zero there: zone_state holds them). */
int store_zone_def_put(MDB_txn *txn, const store_t *st, const zone_def_t *def, unsigned flags);

/* Checks the data file of the store in dir before LMDB maps it (store_file.c): its two meta pages are LMDB's and it
 * is as long as the last page the newer one names. RBL_OK, RBL_ENOENT when there is no data.mdb, RBL_EDAMAGED (a
 * short, empty or foreign file) or RBL_EIO, with a message naming dir in why. Two page reads. */
int store_file_check(const char *dir, char *why, size_t cap);

/* Settles the extension tables opened in txn as it ends: kept when it committed, forgotten when it did not (LMDB
 * closed their handles). Called by store_write_commit/abort and store_read_end. */
void store_ext_settle(store_t *st, const MDB_txn *txn, bool committed);

/* Makes *buf (of *cap elements of elem bytes) hold at least need, doubling from 1024: RBL_OK or RBL_ENOMEM (*buf as
 * it was). */
int store_grow(void **buf, size_t *cap, size_t need, size_t elem);

/* Big-endian helpers for keys and values. */
void store_put_u32(uint8_t *p, uint32_t v);
uint32_t store_get_u32(const uint8_t *p);

/* Meta counters stored as 8-byte big-endian values; a missing key reads as 0. */
int store_meta_get_u64(MDB_txn *txn, MDB_dbi meta, const char *key, uint64_t *value);
int store_meta_put_u64(MDB_txn *txn, MDB_dbi meta, const char *key, uint64_t value);

/* Records that a zone changed in this transaction (its serial is bumped once at commit) and that its entry count
 * moved by delta (+1 a new entry, -1 a deleted one, 0 an update). */
void store_touch(store_wtxn_t *w, uint32_t zone_id, int64_t delta);
/* Notes, for the commit hook (nothing without one), that the entry at net of zone_id was put or deleted; net NULL:
 * the zone changed too much to list (the hook treats it whole). */
void store_note_change(store_wtxn_t *w, uint32_t zone_id, const cidr_t *net);
/* The number of entries stored for a zone (a walk over its keys: the upgrade and verify count with it). */
int store_zone_count_entries(MDB_txn *txn, const store_t *st, uint32_t zone_id, uint64_t *count);
/* Appends a journal record for a change to zone_id: op is 'A' (put) or 'D' (delete). */
int store_journal_append(store_wtxn_t *w, uint32_t zone_id, char op, const entry_t *e);
/* One record 'I' for a bulk import that changed too much to journal entry by entry (store_import.c). */
int store_journal_append_import(store_wtxn_t *w, uint32_t zone_id, const store_import_stats_t *stats,
				const char *source);

/* The zone definition with id zone_id (a cursor walk: zones are few). */
int store_zone_by_id(MDB_txn *txn, const store_t *st, uint32_t zone_id, zone_def_t *def);

/* Prefix lengths in use in a zone and family, as a bitmap (bit L = some entry has prefix length L), so that a
 * covering-entry search probes only those lengths. Bits are set on every put and never cleared: a stale bit costs
 * one lookup, a missing one would be a wrong answer. */
#define STORE_LENS_BYTES 17
int store_lens_read(MDB_txn *txn, const store_t *st, uint32_t zone_id, uint8_t family,
		    uint8_t mask[STORE_LENS_BYTES]);
int store_lens_note(MDB_txn *txn, const store_t *st, uint32_t zone_id, uint8_t family, unsigned len);
int store_lens_delete(MDB_txn *txn, const store_t *st, uint32_t zone_id);

/* The deepest entry covering a in the zone (ignoring expired ones when now != 0), using only exact gets. */
int store_covering_entry(MDB_txn *txn, const store_t *st, uint32_t zone_id, const addr_t *a, unsigned max_len,
			 int64_t now, entry_t *e);

/* Rebuilds the intervals of the range of net from the entries (store_index.c). */
int store_index_rebuild(MDB_txn *txn, const store_t *st, uint32_t zone_id, const cidr_t *net);
/* The intervals the entries of a zone and family call for, in address order, handed to emit instead of written (the
 * rebuild's own sweep, over the whole family): payload is an interval value after its first address. A non-zero
 * return from emit stops the sweep and is returned. */
typedef int (*store_interval_fn)(void *ctx, const addr_t *first, const addr_t *last, const uint8_t *payload,
				 size_t payload_len);
int store_index_expected(MDB_txn *txn, const store_t *st, uint32_t zone_id, uint8_t family, store_interval_fn emit,
			 void *ctx);
/* Compares the stored index of a zone and family with what its entries call for (store_verify_index.c): 0 when they
 * agree, 1 with the first difference described in what, RBL_EDAMAGED for an interval that does not decode, or a
 * store error. */
int store_verify_index(MDB_txn *txn, const store_t *st, uint32_t zone_id, uint8_t family, char *what, size_t cap);
/* Removes every entry and journal record whose key starts with the 4-byte zone id, in db. */
int store_delete_zone_keys(MDB_txn *txn, MDB_dbi db, uint32_t zone_id);
/* Removes every interval of the zone, of both families (zone deletion). */
int store_index_delete_zone(MDB_txn *txn, const store_t *st, uint32_t zone_id);
/* Format 3 -> 4: moves every IPv4 interval from index to index4, which must be empty (store.c's upgrade). */
int store_index_move_v4(MDB_txn *txn, const store_t *st);

/* Interval keys. Each family has a table of its own (store_index_dbi):
 *   index4 (IPv4, MDB_INTEGERKEY): zone id << 32 | the interval's last address read as a number, as a native
 *          uint64_t: LMDB compares such keys as numbers, so zone z's intervals are the keys z << 32 ..
 *          z << 32 | 0xffffffff, in address order, and a seek compares one word instead of calling memcmp;
 *   index  (IPv6): zone id (4, BE) · family (1, ADDR_V6) · last address (16).
 * An integer key must be as wide as size_t for LMDB to compare it as one number on branch pages. */
#define INTERVAL4_KEY_SIZE 8
#define INTERVAL6_KEY_SIZE 21
_Static_assert(sizeof(size_t) == INTERVAL4_KEY_SIZE, "index4's keys are size_t-wide integers");

typedef union interval_key {
	uint64_t v4;
	uint8_t v6[INTERVAL6_KEY_SIZE];
} interval_key_t;

/* The table holding the intervals of family. */
static inline MDB_dbi store_index_dbi(const store_t *st, uint8_t family)
{
	return family == ADDR_V4 ? st->index4 : st->index;
}

/* An IPv4 address as a number (b[0] the most significant byte). */
static inline uint32_t store_addr4_value(const addr_t *a)
{
	return (uint32_t)a->b[0] << 24 | (uint32_t)a->b[1] << 16 | (uint32_t)a->b[2] << 8 | a->b[3];
}

/* The key of the interval of zone_id ending at last, written into key; the MDB_val points into key. */
static inline MDB_val store_interval_key(uint32_t zone_id, const addr_t *last, interval_key_t *key)
{
	if (last->family == ADDR_V4) {
		key->v4 = (uint64_t)zone_id << 32 | store_addr4_value(last);
		return (MDB_val){INTERVAL4_KEY_SIZE, &key->v4};
	}
	store_put_u32(key->v6, zone_id);
	key->v6[4] = ADDR_V6;
	memcpy(key->v6 + 5, last->b, 16);
	return (MDB_val){INTERVAL6_KEY_SIZE, key->v6};
}

/* index's comparison, set in every transaction that opens it (store.c): the order of LMDB's own (memcmp, then the
 * shorter first), so a process that opens the table without it (mdb_dump, mdb_stat) sees the same order, in three
 * comparisons of big-endian words for a key of 21 bytes. */
int store_interval6_cmp(const MDB_val *a, const MDB_val *b);

/* Reads a key of family's table: true with *zone_id and *last when it has that table's shape, false otherwise (a
 * damaged key; never read past k's size). k may be unaligned (LMDB keeps leaf keys 2-byte aligned). */
bool store_interval_key_read(uint8_t family, const MDB_val *k, uint32_t *zone_id, addr_t *last);

/* Interval value layout: first address (4/16) | entry prefix length | flags | expires (varint) | ncodes | 3 bytes a
 * code (the low 24 bits: every code is inside 127/8). The same in both tables. A lone listing's interval
 * (INTERVAL_LONE in flags, IPv4 only) goes on: origin id (varint) | created (varint) | updated - created (varint). */
#define INTERVAL_PAYLOAD_MIN 4
#define INTERVAL_VALUE_MAX (16 + 3 + 10 + 3 * ENTRY_MAX_CODES + 3 * 10)

/* Lone listings (store_lone.c, since format 5). A plain IPv4 /32 listing — not an exclusion, no evidence — is most of
 * a large list, and its interval already holds its answer: it is kept there alone, not in entries as well (about
 * half the bytes a listing). Its interval's flags carry INTERVAL_LONE (never an entry flag) and its value the rest
 * of the entry: created, updated, and its source and reason as the id of an origin (store_origin.c) shared with the
 * listings that have the same. Every reader of entries (get, walks, covering search, the index sweep, import,
 * verify) sees lone listings as entries; an entry is in one of the two places, never both. */
#define INTERVAL_LONE 0x80u
/* Whether e is kept as a lone listing. */
bool store_lone_fits(const entry_t *e);
/* Whether an index4 value is a lone listing's. */
bool store_lone_value(const MDB_val *v);
/* The origin id in a lone listing's interval payload (the value after its first address); 0 when it has none. */
uint32_t store_lone_origin(const uint8_t *payload, size_t len);
/* The last origin a walk decoded (id 0: none yet), so that a million listings of one origin read it once. Valid
 * within one transaction. */
typedef struct store_origin_cache {
	uint32_t id;
	char source[ENTRY_SOURCE_MAX];
	char reason[ENTRY_TEXT_MAX];
} store_origin_cache_t;
/* The entry a lone listing's value holds (e->net set from it); RBL_ESTORE when it does not decode or names an
 * origin that is not there. cache may be NULL. */
int store_lone_decode(MDB_txn *txn, const store_t *st, const MDB_val *v, entry_t *e, store_origin_cache_t *cache);
/* The lone listing of zone_id at a (an IPv4 address): RBL_ENOENT when there is none. */
int store_lone_get(MDB_txn *txn, const store_t *st, uint32_t zone_id, const addr_t *a, entry_t *e);
/* Writes e (store_lone_fits) as a lone listing: the interval holding its address is split around it. With *append
 * (append may be NULL), LMDB is first asked to append it (no search, full pages: an import's sorted listings into
 * a zone with nothing after them); when the key does not sort last that is refused and *append set false. No
 * journal, no touch, no prefix length noted: the caller's. */
int store_lone_put(store_wtxn_t *w, uint32_t zone_id, const entry_t *e, bool *append);
/* The interval value of e as a lone listing into val (its origin found or made); *len its size. */
int store_lone_encode(store_wtxn_t *w, const entry_t *e, uint8_t val[INTERVAL_VALUE_MAX], size_t *len);
/* Counts the lone listings of a zone. */
int store_lone_count(MDB_txn *txn, const store_t *st, uint32_t zone_id, uint64_t *count);

/* Origins (store_origin.c): the id of the origin holding source and reason, made when there is none. RBL_ERANGE
 * when ORIGIN_PROBES (16) other contents share its 64-bit hash (the write fails, naming no listing: never seen). */
int store_origin_id(store_wtxn_t *w, const char *source, const char *reason, uint32_t *id);
/* The source and reason of origin id; RBL_ESTORE when there is no such origin or it does not decode. */
int store_origin_get(MDB_txn *txn, const store_t *st, uint32_t id, char source[ENTRY_SOURCE_MAX],
		     char reason[ENTRY_TEXT_MAX]);
/* The reason of origin id, pointing into the snapshot (the query path's TXT). */
int store_origin_reason(MDB_txn *txn, const store_t *st, uint32_t id, const char **text, size_t *len);
/* rbltool verify: whether a record of the origins table is sound (RBL_OK) or not (RBL_ESTORE). */
int store_origin_check(MDB_txn *txn, const store_t *st, const MDB_val *k, const MDB_val *v);

/* A zone's entries in entry key order, from both places they live (entries, and index4's lone listings), within
 * net (NULL: the whole zone). The caller may write to the store between steps: each step seeks past the entry
 * returned before (store_walk.c). */
typedef struct store_walk {
	MDB_txn *txn;
	const store_t *st;
	uint32_t zone_id;
	cidr_t within;
	bool whole_zone;
	MDB_cursor *entries, *lone;
	entry_t *head[2];   /* the next entry of each place, decoded; NULL when that place is done */
	bool fetched[2];    /* head[i] is current (false: seek past last[i] first) */
	cidr_t last[2];     /* the last entry taken from each place */
	bool started[2];
	entry_t buf[2];
	uint8_t lone_head_value[INTERVAL_VALUE_MAX]; /* head[1]'s interval value, as stored */
	size_t lone_head_len;
	uint8_t value[INTERVAL_VALUE_MAX]; /* after a step that returned a lone listing: its interval value */
	size_t value_len;
	store_origin_cache_t origin;
} store_walk_t;
int store_walk_open(store_walk_t *walk, MDB_txn *txn, const store_t *st, uint32_t zone_id, const cidr_t *within);
/* The next entry into e: 1, 0 at the end, or an error. *lone says where it lives (and walk->value holds a lone
 * listing's interval value until the next step). */
int store_walk_next(store_walk_t *walk, entry_t *e, bool *lone);
void store_walk_close(store_walk_t *walk);

/* A family's whole index of a zone that has none, written in key order with MDB_APPEND (full pages, no search) from
 * its entries given in key order, lone listings with their interval value (store_lone_encode); the lone listings
 * are written by the stream, not before. store_index_stream_end(s, true) writes the rest and frees s; (s, false)
 * only frees it (after an error). */
typedef struct store_index_stream store_index_stream_t;
int store_index_stream_begin(MDB_txn *txn, const store_t *st, uint32_t zone_id, uint8_t family,
			     store_index_stream_t **out);
int store_index_stream_entry(store_index_stream_t *s, const entry_t *e, const uint8_t *lone_value, size_t lone_len);
int store_index_stream_end(store_index_stream_t *s, bool write);

/* Removes every interval inside [lo, hi] of a zone, keeping the parts of straddling ones that lie outside it, and
 * with keep_lone the lone listings inside (store_index.c). */
int store_index_clear(MDB_txn *txn, const store_t *st, uint32_t zone_id, const addr_t *lo, const addr_t *hi,
		      bool keep_lone);
/* Decodes an interval value after its first address (store_reader.c); RBL_ESTORE when malformed. */
int store_hit_decode(const uint8_t *p, size_t len, store_hit_t *hit);

#endif
