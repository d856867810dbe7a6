/* SPDX-License-Identifier: BSD-2-Clause */
/* store.h — the LMDB listing store shared by rbltool (the only writer) and dnsbld (readers).
 *
 * One LMDB environment, eight databases:
 *   meta     format version, creation time, zone-id, journal, report and probe counters, the zone-definitions
 *            generation (moved by every commit that creates, changes or deletes a zone), prefix lengths in use;
 *   zones    zone name -> zone_def (zone.h), without serial, entry count and last change (stored as 0);
 *   zone_state  zone id -> serial, entry count, last change: what every commit to the zone rewrites, kept apart so
 *            that a listing change leaves the definition (and the readers' zone tables) alone;
 *   entries  entry_key -> entry (entry.h): the source of truth, except for lone listings;
 *   index4   zone << 32 | last address (an integer key) -> first address + the answer: the IPv4 intervals,
 *            non-overlapping, derived from the entries in the same transaction (store_index.c), so a lookup is one
 *            MDB_SET_RANGE seek; a plain /32 listing (no reason, no evidence, not an exclusion) lives here alone,
 *            its interval holding the rest of the entry (a "lone" listing: half the bytes);
 *   origins  the sources and reasons lone listings share, each kept once under a small id;
 *   index    zone | family | last address -> the same, for IPv6;
 *   journal  zone | sequence -> one committed change, with the serial it produced.
 * A write transaction bumps the SOA serial (RFC 1982) of each zone it touched exactly once, at commit (in zone_state),
 * and of each aggregate one of those zones is a member of (what the aggregate answers changed with it).
 * The zone calls below fill zone_def_t's serial, entries and changed from zone_state.
 * Readers never block the writer and see each commit at their next read transaction.
 */
#ifndef RBL_STORE_H
#define RBL_STORE_H

#include "store/entry.h"
#include "store/zone.h"

#include <stdbool.h>
#include <stdint.h>

/* 2: varint expiry in the index; 3: entry count and last change time per zone; 4: IPv4 intervals in index4, and
 * each zone's serial, entry count and last change in zone_state instead of its definition; 5: plain IPv4 /32
 * listings kept in their index4 interval alone ("lone"), their sources and reasons in origins */
#define STORE_FORMAT_VERSION 5
#define STORE_MAP_SIZE (32ull << 30) /* sparse: readers never see MDB_MAP_RESIZED; 32 GiB still runs under valgrind */

typedef struct store store_t;
typedef struct store_wtxn store_wtxn_t;

enum store_open_flags {
	STORE_READONLY = 1u << 0, /* dnsbld: never writes */
	STORE_CREATE = 1u << 1,   /* create the directory and the databases if missing */
};

/* Opens (and with STORE_CREATE creates) the store in directory dir, clears stale reader slots, checks the format
 * version (RBL_EVERSION for a newer one; the message is logged). Without STORE_CREATE a directory without a store is
 * RBL_ENOENT and nothing is made in it (logged only with STORE_READONLY: rbltool words it itself). Before LMDB maps
 * data.mdb, a file that is empty, not LMDB's or shorter than its last page is RBL_EDAMAGED, logged naming it: LMDB
 * would fault on it (SIGBUS) or take it for a new store. An empty dir is RBL_EINVAL. */
int store_open(const char *dir, unsigned flags, store_t **out);
void store_close(store_t *st);
/* True when this open made the store (STORE_CREATE on a directory without one): rbltool says so. */
bool store_created(const store_t *st);
/* The map's use: *used = bytes up to the last page the newest commit uses (pages LMDB keeps free for reuse count:
 * the file's high-water mark), *size = the map size (what used may grow to before RBL_EFULL). Reads the newest meta
 * page: no transaction, safe from any thread while the store is open. */
int store_map_usage(store_t *st, uint64_t *used, uint64_t *size);
/* The LMDB library version in use, as LMDB prints it ("LMDB 0.9.24: (July 24, 2019)"). */
const char *store_lmdb_version(void);

/* Writes a compacted copy of the store (one read snapshot: safe while dnsbld reads and rbltool writes) into dest, a
 * new directory or an empty one (RBL_EEXIST otherwise, not logged); *bytes = the copy's size. The copy is synced;
 * nothing is left in dest on failure. A copy holds data.mdb only: LMDB makes lock.mdb when it is opened. */
int store_backup(store_t *st, const char *dest, uint64_t *bytes);

/* Default store directory: $DNSBL_DB, else $XDG_DATA_HOME/dnsbld, else $HOME/.local/share/dnsbld, else
 * ./dnsbld-db. Written into buf. A DNSBL_DB set but empty gives "", which store_open refuses: an empty name is a
 * mistake to report, not a reason to fall back to another store. */
void store_default_dir(char *buf, size_t cap);

/* --- writing (rbltool) --- */

int store_write_begin(store_t *st, store_wtxn_t **out);
/* Bumps the serials of the touched zones and commits. The transaction is gone afterwards. */
int store_write_commit(store_wtxn_t *w);
void store_write_abort(store_wtxn_t *w);

/* Creates a zone: assigns def->id. RBL_EEXIST if the name exists. */
int store_zone_create(store_wtxn_t *w, zone_def_t *def);
/* Replaces a zone's definition (same id); its serial is bumped at commit (from def->serial when the caller changed
 * it). A definition written again unchanged moves only the serial, not the zone-definitions generation. */
int store_zone_update(store_wtxn_t *w, const zone_def_t *def);
/* Deletes a zone with all its entries, intervals and journal. RBL_ENOENT if absent. */
int store_zone_delete(store_wtxn_t *w, const char *name);
/* RBL_ENOENT if absent. */
int store_zone_get_w(store_wtxn_t *w, const char *name, zone_def_t *def);

/* Adds or replaces the entry at e->net (listing or exclusion, per e->flags) and brings the index in step. created
 * is kept from an entry it replaces. */
int store_entry_put(store_wtxn_t *w, uint32_t zone_id, entry_t *e);
/* Deletes the entry at exactly net (RBL_ENOENT if none) and brings the index in step. */
int store_entry_del(store_wtxn_t *w, uint32_t zone_id, const cidr_t *net);
/* Deletes every entry of every zone whose expiry is at or before now; *purged = how many. */
int store_expire(store_wtxn_t *w, int64_t now, uint64_t *purged);

/* --- bulk import (rbltool import): one transaction, one merge, one index sweep --- */

typedef struct store_import store_import_t;

typedef struct store_import_item {
	cidr_t net;
	uint8_t flags;                   /* entry_flags */
	uint8_t ncodes;
	uint32_t codes[ENTRY_MAX_CODES];
	int64_t expires;
	const char *reason;              /* copied; NULL or "" = none */
	const char *source;              /* copied; NULL = the import's source */
} store_import_item_t;

typedef struct store_import_stats {
	uint64_t added, updated, removed, unchanged;
} store_import_stats_t;

/* Starts an import into a zone inside the write transaction w. With replace, the zone ends up holding exactly the
 * imported entries (the others are deleted in the same transaction). source is recorded on every entry written. */
int store_import_begin(store_wtxn_t *w, uint32_t zone_id, bool replace, const char *source, store_import_t **out);
/* Queues one entry (nothing is written yet). The same network given twice merges: codes are united (up to
 * ENTRY_MAX_CODES), an exclusion wins over a listing, the first text is kept, the later expiry is kept. */
int store_import_add(store_import_t *imp, const store_import_item_t *item);
/* Writes what changed (journalled, created times kept for updated entries), brings the index in step — by one sweep
 * over the zone when much changed, else per change — and fills stats. The transaction is still w's to commit. */
int store_import_finish(store_import_t *imp, store_import_stats_t *stats);
void store_import_free(store_import_t *imp);
/* Reports store_import_finish's phases as it goes, for a progress line: fn(ctx, phase, done, total) with phase
 * "sorting" (once, before the sort), "writing" (every STORE_IMPORT_PROGRESS_STEP entries of the queue, and once at
 * the end with done == total) and "indexing" (once, before the index follows the changes; total = their count).
 * Optional; fn must not use the store. */
#define STORE_IMPORT_PROGRESS_STEP 65536
typedef void (*store_import_progress_fn)(void *ctx, const char *phase, uint64_t done, uint64_t total);
void store_import_on_progress(store_import_t *imp, store_import_progress_fn fn, void *ctx);

/* --- reading (both) --- */

/* A read-only snapshot for listing and showing (rbltool). Not for the query path (see store_reader.h). */
typedef struct store_rtxn store_rtxn_t;
int store_read_begin(store_t *st, store_rtxn_t **out);
void store_read_end(store_rtxn_t *r);

int store_zone_get(store_rtxn_t *r, const char *name, zone_def_t *def);
/* Calls fn for each zone in name order; a non-zero return from fn stops the walk and is returned. */
int store_zone_foreach(store_rtxn_t *r, int (*fn)(const zone_def_t *def, void *ctx), void *ctx);
/* Calls fn for each entry of the zone in address order (IPv4 first). */
int store_entry_foreach(store_rtxn_t *r, uint32_t zone_id, int (*fn)(const entry_t *e, void *ctx), void *ctx);
/* The entry at exactly net; RBL_ENOENT if none. */
int store_entry_get(store_rtxn_t *r, uint32_t zone_id, const cidr_t *net, entry_t *e);
/* The deepest entry (listing or exclusion) covering a, ignoring expired ones if now != 0; RBL_ENOENT if none. */
int store_entry_covering(store_rtxn_t *r, uint32_t zone_id, const addr_t *a, int64_t now, entry_t *e);
/* The deepest entry whose network contains net (its prefix length at most net's), ignoring expired ones if now != 0;
 * RBL_ENOENT if none. */
int store_entry_covering_net(store_rtxn_t *r, uint32_t zone_id, const cidr_t *net, int64_t now, entry_t *e);
/* Calls fn for each entry of the zone whose network lies inside net (net itself included), in key order. */
int store_entry_foreach_within(store_rtxn_t *r, uint32_t zone_id, const cidr_t *net,
			       int (*fn)(const entry_t *e, void *ctx), void *ctx);
/* Number of journal records of a zone. */
int store_journal_count(store_rtxn_t *r, uint32_t zone_id, uint64_t *count);

#endif
