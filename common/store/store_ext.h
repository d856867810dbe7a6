/* SPDX-License-Identifier: BSD-2-Clause */
/* store_ext.h — the store's extension interface: for a library above the store that keeps tables of its own in the
 * store's LMDB environment and writes them in the store's transactions (rbl_relay's pipeline: hosts, reports, probes,
 * opt-outs), so that a listing and the evidence behind it commit together.
 *
 * The store knows nothing of what such tables hold. It hands out the raw LMDB transaction of a store_wtxn_t or
 * store_rtxn_t, opens named tables on first use and caches their handles, keeps named counters in its meta table,
 * and deletes entries by predicate (with the index, journal and serials kept in step). Everything else about an
 * extension table — keys, values, versions — is its owner's business. dnsbld never uses this header.
 */
#ifndef RBL_STORE_EXT_H
#define RBL_STORE_EXT_H

#include "store/store.h"

#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

#define STORE_EXT_TABLES_MAX 8 /* extension tables one store handle can have open */
#define STORE_EXT_NAME_MAX 23  /* bytes in a table name; names must not clash with the store's own tables */

/* The LMDB transaction behind a store transaction: valid until that transaction ends. */
MDB_txn *store_ext_wtxn(store_wtxn_t *w);
MDB_txn *store_ext_rtxn(store_rtxn_t *r);
/* The time a write transaction began (what the store records as "now" for its own changes). */
int64_t store_ext_now(const store_wtxn_t *w);

/* The handle of the named table, created if missing (write) — the handle is cached in the store handle until
 * store_close, or forgotten if this transaction aborts. RBL_EINVAL for a name that is too long or one of the store's
 * own tables, RBL_EFULL when STORE_EXT_TABLES_MAX are open already, RBL_EBUSY when another transaction of this
 * process opened the table and has not ended (LMDB allows one opener at a time: open tables before overlapping
 * transactions). */
int store_ext_table_w(store_wtxn_t *w, const char *name, MDB_dbi *dbi);
/* The same for reading: RBL_ENOENT when the table does not exist in r's snapshot (nothing had been written to it
 * when r began). The handle is cached once r ends (store_read_end). RBL_EBUSY when r began before this process
 * opened a table that r's snapshot holds: end r and begin another. */
int store_ext_table_r(store_rtxn_t *r, const char *name, MDB_dbi *dbi);

/* Advances the named counter in the store's meta table by one and returns the new value (the first is 1). */
int store_ext_counter_next(store_wtxn_t *w, const char *name, uint64_t *value);

/* Deletes every entry, in every zone, for which doomed returns true; the index, journal and serials follow as for
 * store_entry_del. *deleted = how many went. */
int store_entries_delete_where(store_wtxn_t *w, bool (*doomed)(uint32_t zone_id, const entry_t *e, void *ctx),
                               void *ctx, uint64_t *deleted);

/* A commit hook: what a library above the store computes from a commit's changes and writes in the same
 * transaction (rbl_xfr's record-level journal). Called by store_write_commit once the serials moved, before LMDB
 * commits, when the transaction changed a zone: before is a read snapshot of the store as the transaction found it
 * (the last commit: there is one writer), after is the transaction itself (read through it; write through w). One
 * change per zone the transaction touched — an aggregate whose member changed is listed too, with no networks of
 * its own; a deleted zone too (it is gone from after). An error aborts the transaction and is commit's. */
#define STORE_CHANGE_NETS_MAX 65536 /* networks listed per zone and commit (1.2 MB); past them, all */
typedef struct store_change {
	uint32_t zone_id;
	bool all;           /* too many networks to list (or a large import): take the whole zone as changed */
	const cidr_t *nets; /* the networks of the entries put or deleted, in the order they were, repeats possible */
	size_t count;
} store_change_t;
typedef int (*store_commit_fn)(void *ctx, store_wtxn_t *w, store_rtxn_t *before, store_rtxn_t *after,
			       const store_change_t *changes, size_t count);
/* Sets (fn NULL: clears) the hook of every later transaction of this handle. */
void store_set_commit_hook(store_t *st, store_commit_fn fn, void *ctx);

/* Translates an LMDB return code to an RBL_E* code, logging the failure with what was being done. */
int store_mdb_error(int rc, const char *doing);

/* Big-endian helpers for keys. */
void store_put_u64(uint8_t *p, uint64_t v);
uint64_t store_get_u64(const uint8_t *p);

#endif
