/* SPDX-License-Identifier: BSD-2-Clause */
/* test_store_map.c — store_map_usage: the map's size and the bytes in use, as dnsbld's metrics report them. */
#include "base/err.h"
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void put_many(store_t *st, uint32_t zone, unsigned count)
{
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(st, &w), RBL_OK);
	for (unsigned i = 0; i < count; i++) {
		entry_t e;
		memset(&e, 0, sizeof e);
		char net[32];
		snprintf(net, sizeof net, "10.%u.%u.0/24", (i >> 8) & 0xff, i & 0xff);
		assert_int_equal(cidr_parse(net, &e.net), RBL_OK);
		snprintf(e.reason, sizeof e.reason, "listed for the map test, entry %u", i);
		assert_int_equal(store_entry_put(w, zone, &e), RBL_OK);
	}
	assert_int_equal(store_write_commit(w), RBL_OK);
}

static void test_map_size_is_the_configured_map(void **state)
{
	(void)state;
	setenv("DNSBL_MAP_GIB", "0.0625", 1); /* 64 MiB */
	char dir[64];
	store_t *st;
	fixture_store_open(dir, "test_store_map", &st);
	uint64_t used = 0, size = 0;
	assert_int_equal(store_map_usage(st, &used, &size), RBL_OK);
	assert_int_equal(size, 64u << 20);
	assert_true(used > 0);
	assert_true(used < size);
	fixture_store_remove(st, dir);
	unsetenv("DNSBL_MAP_GIB");
}

static void test_map_use_grows_with_the_data_and_matches_the_file(void **state)
{
	(void)state;
	char dir[64];
	store_t *st;
	fixture_store_open(dir, "test_store_map", &st);
	zone_def_t def;
	zone_def_init(&def, "map.example", 1000);
	uint32_t zone = fixture_zone_create(st, &def);
	uint64_t before, after, size;
	assert_int_equal(store_map_usage(st, &before, &size), RBL_OK);
	put_many(st, zone, 5000);
	assert_int_equal(store_map_usage(st, &after, &size), RBL_OK);
	assert_true(after > before + 5000 * 32); /* each entry is well over 32 bytes in entries and index */
	/* The pages in use are the file's pages: LMDB grows data.mdb as it writes them. */
	char path[128];
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_true(after <= (uint64_t)sb.st_size);
	fixture_store_remove(st, dir);
}

static void test_a_read_only_open_sees_the_writers_use(void **state)
{
	(void)state;
	char dir[64];
	store_t *st, *ro;
	fixture_store_open(dir, "test_store_map", &st);
	zone_def_t def;
	zone_def_init(&def, "map.example", 1000);
	uint32_t zone = fixture_zone_create(st, &def);
	assert_int_equal(store_open(dir, STORE_READONLY, &ro), RBL_OK);
	uint64_t before, after, size, writer_used;
	assert_int_equal(store_map_usage(ro, &before, &size), RBL_OK);
	put_many(st, zone, 2000);
	assert_int_equal(store_map_usage(ro, &after, &size), RBL_OK);
	assert_int_equal(store_map_usage(st, &writer_used, &size), RBL_OK);
	assert_true(after > before);
	assert_int_equal(after, writer_used);
	store_close(ro);
	fixture_store_remove(st, dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_map_size_is_the_configured_map),
	        cmocka_unit_test(test_map_use_grows_with_the_data_and_matches_the_file),
	        cmocka_unit_test(test_a_read_only_open_sees_the_writers_use),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
