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

/* What tests that need a new store with one zone (rbl.example, TTL 1000) and nothing else start from, as cmocka's
 * setup and teardown: store_zone_fixture_setup(state, "test_name") makes it, the teardown removes it. */
struct store_zone_fixture {
	char dir[64];
	store_t *st;
	uint32_t zone;
};

static inline int store_zone_fixture_setup(void **state, const char *prefix)
{
	struct store_zone_fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	fixture_store_open(f->dir, prefix, &f->st);
	zone_def_t def;
	zone_def_init(&def, "rbl.example", 1000);
	f->zone = fixture_zone_create(f->st, &def);
	*state = f;
	return 0;
}

static inline int store_zone_fixture_teardown(void **state)
{
	struct store_zone_fixture *f = *state;
	fixture_store_remove(f->st, f->dir);
	free(f);
	return 0;
}

#endif
