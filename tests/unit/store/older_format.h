/* SPDX-License-Identifier: BSD-2-Clause */
/* older_format.h — turns a store back into what formats before 4 kept of each zone: its serial, entry count and last
 * change inside its definition (zone encoding 4's fields), no table zone_state. Header-only for the store tests. */
#ifndef RBL_TEST_OLDER_FORMAT_H
#define RBL_TEST_OLDER_FORMAT_H

#include "store/zone.h"

#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

static inline uint64_t older_format_get_be(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

/* In txn (a write transaction on the store's environment): each definition gets its state record's values back,
 * and zone_state is dropped. */
static inline void older_format_fold_zone_state(MDB_txn *txn)
{
	MDB_dbi zones, state;
	assert_int_equal(mdb_dbi_open(txn, "zones", 0, &zones), 0);
	if (mdb_dbi_open(txn, "zone_state", 0, &state) != 0)
		return;
	MDB_cursor *cur;
	MDB_val k, v;
	assert_int_equal(mdb_cursor_open(txn, zones, &cur), 0);
	zone_def_t *def = malloc(sizeof *def);
	static uint8_t buf[ZONE_ENCODED_MAX];
	assert_non_null(def);
	for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		assert_int_equal(zone_decode(v.mv_data, v.mv_size, def), 0);
		uint8_t id[4] = {(uint8_t)(def->id >> 24), (uint8_t)(def->id >> 16), (uint8_t)(def->id >> 8),
		                 (uint8_t)def->id};
		MDB_val sk = {sizeof id, id}, sv;
		assert_int_equal(mdb_get(txn, state, &sk, &sv), 0);
		assert_int_equal(sv.mv_size, 21);
		const uint8_t *p = sv.mv_data;
		def->serial = (uint32_t)older_format_get_be(p + 1, 4);
		def->entries = older_format_get_be(p + 5, 8);
		def->changed = (int64_t)older_format_get_be(p + 13, 8);
		MDB_val nv = {zone_encode(def, buf), buf};
		assert_int_equal(mdb_cursor_put(cur, &k, &nv, MDB_CURRENT), 0);
	}
	mdb_cursor_close(cur);
	free(def);
	assert_int_equal(mdb_drop(txn, state, 1), 0);
}

#endif
