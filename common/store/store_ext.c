/* SPDX-License-Identifier: BSD-2-Clause */
/* store_ext.c — extension tables, counters and raw transactions for the libraries above the store (store_ext.h). */
#include "store_internal.h"

#include "base/err.h"

#include <string.h>

static const char *const own_tables[] = {"meta", "zones", "entries", "index", "index4", "journal"};

MDB_txn *store_ext_wtxn(store_wtxn_t *w)
{
	return w->txn;
}

MDB_txn *store_ext_rtxn(store_rtxn_t *r)
{
	return r->txn;
}

int64_t store_ext_now(const store_wtxn_t *w)
{
	return w->now;
}

static int check_name(const char *name)
{
	if (!name || !*name || strlen(name) > STORE_EXT_NAME_MAX)
		return RBL_EINVAL;
	for (size_t i = 0; i < sizeof own_tables / sizeof own_tables[0]; i++)
		if (strcmp(name, own_tables[i]) == 0)
			return RBL_EINVAL;
	return RBL_OK;
}

/* 1 and *dbi when name is open and usable in txn, 0 when it is not open yet, RBL_EBUSY when another transaction
 * that has not ended opened it (LMDB: a transaction that opens a table must end before another may use it). */
static int cached(const store_t *st, const MDB_txn *txn, const char *name, MDB_dbi *dbi)
{
	for (unsigned i = 0; i < st->ext_count; i++) {
		if (strcmp(st->ext[i].name, name) != 0)
			continue;
		if (st->ext[i].opened_in && st->ext[i].opened_in != txn)
			return RBL_EBUSY;
		*dbi = st->ext[i].dbi;
		return 1;
	}
	return 0;
}

/* A cached handle is unknown to a transaction that began before it was opened (LMDB: EINVAL). Such a snapshot
 * either predates the table (RBL_ENOENT, as for any store without it) or has it under a handle it cannot use
 * (RBL_EBUSY: end the transaction and begin another). */
static int usable_in(MDB_txn *txn, const char *name, MDB_dbi dbi)
{
	unsigned flags;
	MDB_dbi main_table;
	MDB_val key = {strlen(name), (void *)name}, value;

	if (mdb_dbi_flags(txn, dbi, &flags) == 0)
		return RBL_OK;
	int rc = mdb_dbi_open(txn, NULL, 0, &main_table);
	if (rc == 0)
		rc = mdb_get(txn, main_table, &key, &value);
	if (rc == MDB_NOTFOUND)
		return RBL_ENOENT;
	return rc ? store_mdb_error(rc, "looking up an extension table") : RBL_EBUSY;
}

static void remember(store_t *st, const char *name, MDB_dbi dbi, MDB_txn *txn)
{
	struct store_ext_table *t = &st->ext[st->ext_count++];
	strcpy(t->name, name); /* length checked by check_name */
	t->dbi = dbi;
	t->opened_in = txn;
}

/* A handle opened in a transaction joins the environment when that transaction commits: store_write_commit and
 * store_read_end commit (a read transaction's commit only releases its snapshot and keeps the handles). */
static int open_table(store_t *st, MDB_txn *txn, const char *name, unsigned flags, MDB_dbi *dbi)
{
	int err = check_name(name);
	if (err)
		return err;
	int found = cached(st, txn, name, dbi);
	if (found < 0)
		return found;
	if (found)
		return usable_in(txn, name, *dbi);
	if (st->ext_count == STORE_EXT_TABLES_MAX)
		return RBL_EFULL;
	int rc = mdb_dbi_open(txn, name, flags, dbi);
	if (rc == MDB_NOTFOUND)
		return RBL_ENOENT;
	if (rc)
		return store_mdb_error(rc, "opening an extension table");
	remember(st, name, *dbi, txn);
	return RBL_OK;
}

int store_ext_table_w(store_wtxn_t *w, const char *name, MDB_dbi *dbi)
{
	return open_table(w->st, w->txn, name, MDB_CREATE, dbi);
}

int store_ext_table_r(store_rtxn_t *r, const char *name, MDB_dbi *dbi)
{
	return open_table(r->st, r->txn, name, 0, dbi);
}

void store_ext_settle(store_t *st, const MDB_txn *txn, bool committed)
{
	unsigned kept = 0;
	for (unsigned i = 0; i < st->ext_count; i++) {
		if (st->ext[i].opened_in == txn) {
			if (!committed)
				continue;
			st->ext[i].opened_in = NULL;
		}
		st->ext[kept++] = st->ext[i];
	}
	st->ext_count = kept;
}

int store_ext_counter_next(store_wtxn_t *w, const char *name, uint64_t *value)
{
	uint64_t v;
	int err = store_meta_get_u64(w->txn, w->st->meta, name, &v);
	if (!err)
		err = store_meta_put_u64(w->txn, w->st->meta, name, v + 1);
	*value = v + 1;
	return err;
}
