/* SPDX-License-Identifier: BSD-2-Clause */
/* xfr_zone_fixture.h — the zone the transfer tests send (test_xfr_axfr.c, test_xfr_stream.c): 3,000 hosts with a
 * reason, a /24 and a /25 exclusion inside it — a dozen messages, and an export far larger than a pipe holds. Header
 * only (static functions): each test is its own program. Include after store_fixture.h. */
#ifndef RBL_TEST_XFR_ZONE_FIXTURE_H
#define RBL_TEST_XFR_ZONE_FIXTURE_H

/* cmocka's setup: store_zone_fixture_setup(state, prefix) with the zone filled. */
static inline int xfr_zone_fixture_setup(void **state, const char *prefix)
{
	store_zone_fixture_setup(state, prefix);
	struct store_zone_fixture *f = *state;
	store_wtxn_t *w;
	store_import_t *imp;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_import_begin(w, f->zone, false, "test", &imp), RBL_OK);
	for (unsigned i = 0; i < 3000; i++) {
		store_import_item_t item = {.net = {.addr = {.family = ADDR_V4, .b = {172, 16, (uint8_t)(i >> 8),
		                                                                      (uint8_t)i}},
		                                    .len = 32},
		                            .reason = "open relay"};
		assert_int_equal(store_import_add(imp, &item), RBL_OK);
	}
	store_import_item_t net = {.net = {.addr = {.family = ADDR_V4, .b = {10, 1, 2, 0}}, .len = 24}};
	assert_int_equal(store_import_add(imp, &net), RBL_OK);
	store_import_item_t hole = {.net = {.addr = {.family = ADDR_V4, .b = {10, 1, 2, 128}}, .len = 25},
	                            .flags = ENTRY_EXCLUDE};
	assert_int_equal(store_import_add(imp, &hole), RBL_OK);
	store_import_stats_t stats;
	assert_int_equal(store_import_finish(imp, &stats), RBL_OK);
	store_import_free(imp);
	assert_int_equal(store_write_commit(w), RBL_OK);
	return 0;
}

#endif
