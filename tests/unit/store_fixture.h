/* SPDX-License-Identifier: BSD-2-Clause */
/* store_fixture.h — what the store-backed unit tests share: a fresh store in a temporary directory, a zone in it,
 * and the removal of both. Header-only (static functions) because every tests/unit/<library>/test_*.c is its own
 * program. */
#ifndef RBL_TEST_STORE_FIXTURE_H
#define RBL_TEST_STORE_FIXTURE_H

#include "base/err.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>

/* Creates /tmp/<prefix>.XXXXXX (name written into dir, 64 bytes) and opens a new store there. */
static inline void fixture_store_open(char dir[64], const char *prefix, store_t **st)
{
	snprintf(dir, 64, "/tmp/%s.XXXXXX", prefix);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(store_open(dir, STORE_CREATE, st), RBL_OK);
}

/* Creates a zone with the defaults (adjusted by the caller first, if def is given) and returns its id. */
static inline uint32_t fixture_zone_create(store_t *st, zone_def_t *def)
{
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(st, &w), RBL_OK);
	assert_int_equal(store_zone_create(w, def), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	return def->id;
}

/* Closes the store and removes its directory. */
static inline void fixture_store_remove(store_t *st, const char *dir)
{
	store_close(st);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

#endif
