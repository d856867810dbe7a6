/* SPDX-License-Identifier: BSD-2-Clause */
/* raw_lmdb.h — a write transaction straight on a store's LMDB environment, the store closed: how the store tests
 * leave what an older or newer program, or damage, would have left. Header-only (static functions) because every
 * tests/unit/<library>/test_*.c is its own program; include after cmocka.h. */
#ifndef RBL_TEST_RAW_LMDB_H
#define RBL_TEST_RAW_LMDB_H

#include "store/store.h"

#include <lmdb.h>

/* Opens the environment in dir (the store's map size, room for its tables) and begins a write transaction. */
static inline void raw_begin(const char *dir, MDB_env **env, MDB_txn **txn)
{
	assert_int_equal(mdb_env_create(env), 0);
	assert_int_equal(mdb_env_set_maxdbs(*env, 16), 0);
	assert_int_equal(mdb_env_set_mapsize(*env, STORE_MAP_SIZE), 0);
	assert_int_equal(mdb_env_open(*env, dir, 0, 0644), 0);
	assert_int_equal(mdb_txn_begin(*env, NULL, 0, txn), 0);
}

/* Commits and closes. */
static inline void raw_end(MDB_env *env, MDB_txn *txn)
{
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

#endif
