/* SPDX-License-Identifier: BSD-2-Clause */
/* test_store_faults.c — a store that is missing, damaged or full: what store_open refuses and creates, what
 * store_verify and store_verify_dir report (damage that makes LMDB abort stays in the child), store_backup, and a full
 * map. */
#include "base/err.h"
#include "store/store.h"
#include "store/store_reader.h"
#include "store/store_verify.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store_fixture.h"
#include "raw_lmdb.h"

#include <dirent.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fixture {
	char dir[64];
	store_t *st;
	uint32_t zone;
};

/* A store with two zones, nested listings, an exclusion, an expiring exclusion, IPv6. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	fixture_store_open(f->dir, "test_store_faults", &f->st);
	zone_def_t def;
	zone_def_init(&def, "rbl.example", 1000);
	f->zone = fixture_zone_create(f->st, &def);
	zone_def_init(&def, "other.example", 1000);
	fixture_zone_create(f->st, &def);
	static const struct {
		const char *net;
		uint8_t flags;
		int64_t expires;
	} entries[] = {
	        {"10.0.0.0/8", 0, 0},
	        {"10.1.0.0/16", ENTRY_EXCLUDE, 0},
	        {"10.1.2.0/24", 0, 0},
	        {"10.2.0.0/16", ENTRY_EXCLUDE, 4000000000},
	        {"192.0.2.7/32", 0, 3000000000},
	        {"2001:db8::/32", 0, 0},
	        {"2001:db8:1::/48", ENTRY_EXCLUDE, 0},
	};
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++) {
		entry_t e = {.flags = entries[i].flags, .expires = entries[i].expires};
		assert_int_equal(cidr_parse(entries[i].net, &e.net), RBL_OK);
		assert_int_equal(store_entry_put(w, f->zone, &e), RBL_OK);
	}
	assert_int_equal(store_write_commit(w), RBL_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	fixture_store_remove(f->st, f->dir);
	free(f);
	return 0;
}

/* What a verify reported. */
struct report {
	unsigned count;
	char first[640];
	char all[4096];
};

static void note_problem(void *ctx, const char *what)
{
	struct report *r = ctx;
	if (!r->count++)
		snprintf(r->first, sizeof r->first, "%s", what);
	size_t used = strlen(r->all);
	snprintf(r->all + used, sizeof r->all - used, "%s\n", what);
}

static int verify(struct fixture *f, struct report *r, store_verify_stats_t *stats)
{
	memset(r, 0, sizeof *r);
	store_verify_sink_t sink = {note_problem, NULL, r};
	return store_verify(f->st, &sink, stats);
}

static int verify_dir(const char *dir, struct report *r, store_verify_stats_t *stats)
{
	memset(r, 0, sizeof *r);
	store_verify_sink_t sink = {note_problem, NULL, r};
	return store_verify_dir(dir, &sink, stats);
}

static bool dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *de;
	bool empty = true;
	while ((de = readdir(d)))
		empty = empty && (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0);
	closedir(d);
	return empty;
}

static off_t data_size(const char *dir)
{
	char path[128];
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	return sb.st_size;
}

static void truncate_data(const char *dir, off_t size)
{
	char path[128];
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	assert_int_equal(truncate(path, size), 0);
}

/* Runs fn on the store's environment opened straight through LMDB, the store closed meanwhile. */
static void raw_edit(struct fixture *f, void (*fn)(MDB_txn *txn, struct fixture *f))
{
	store_close(f->st);
	f->st = NULL;
	MDB_env *env;
	MDB_txn *txn;
	raw_begin(f->dir, &env, &txn);
	fn(txn, f);
	raw_end(env, txn);
	assert_int_equal(store_open(f->dir, 0, &f->st), RBL_OK);
}

/* --- opening ------------------------------------------------------------------------------------------------- */

static void test_reading_open_of_an_empty_directory_creates_nothing(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_store_faults_empty.XXXXXX";
	assert_non_null(mkdtemp(dir));
	store_t *st = NULL;
	assert_int_equal(store_open(dir, 0, &st), RBL_ENOENT);
	assert_int_equal(store_open(dir, STORE_READONLY, &st), RBL_ENOENT);
	assert_null(st);
	assert_true(dir_is_empty(dir));
	assert_int_equal(store_open(dir, STORE_CREATE, &st), RBL_OK);
	assert_true(store_created(st));
	store_close(st);
	assert_int_equal(store_open(dir, STORE_CREATE, &st), RBL_OK);
	assert_false(store_created(st));
	fixture_store_remove(st, dir);
}

static void test_empty_directory_name_is_refused(void **state)
{
	(void)state;
	store_t *st = NULL;
	assert_int_equal(store_open("", STORE_CREATE, &st), RBL_EINVAL);
	assert_int_equal(store_open("", STORE_READONLY, &st), RBL_EINVAL);
	assert_null(st);
}

static void test_empty_data_file_is_refused_not_reinitialised(void **state)
{
	struct fixture *f = *state;
	store_close(f->st);
	f->st = NULL;
	truncate_data(f->dir, 0);
	assert_int_equal(store_open(f->dir, STORE_CREATE, &f->st), RBL_EDAMAGED);
	assert_int_equal(store_open(f->dir, 0, &f->st), RBL_EDAMAGED);
	assert_int_equal(store_open(f->dir, STORE_READONLY, &f->st), RBL_EDAMAGED);
	assert_null(f->st);
	assert_int_equal(data_size(f->dir), 0);
	struct report r;
	store_verify_stats_t stats;
	assert_int_equal(verify_dir(f->dir, &r, &stats), RBL_EDAMAGED);
	assert_non_null(strstr(r.first, "data.mdb is 0 bytes"));
}

static void test_short_data_file_is_refused_naming_its_length(void **state)
{
	struct fixture *f = *state;
	store_close(f->st);
	f->st = NULL;
	off_t full = data_size(f->dir);
	long page = sysconf(_SC_PAGESIZE);
	assert_true(full > 3 * page);
	truncate_data(f->dir, 2 * page);
	assert_int_equal(store_open(f->dir, STORE_READONLY, &f->st), RBL_EDAMAGED);
	assert_int_equal(store_open(f->dir, STORE_CREATE, &f->st), RBL_EDAMAGED);
	assert_int_equal(data_size(f->dir), 2 * page);
	struct report r;
	store_verify_stats_t stats;
	assert_int_equal(verify_dir(f->dir, &r, &stats), RBL_EDAMAGED);
	char expected[160];
	snprintf(expected, sizeof expected, "data.mdb is %ld bytes, shorter than the %lld its last page needs",
	         2 * page, (long long)full);
	assert_non_null(strstr(r.first, expected));
}

static void test_foreign_data_file_is_refused(void **state)
{
	struct fixture *f = *state;
	store_close(f->st);
	f->st = NULL;
	char path[128];
	snprintf(path, sizeof path, "%s/data.mdb", f->dir);
	FILE *out = fopen(path, "w");
	assert_non_null(out);
	for (int i = 0; i < 4096; i++)
		fputs("not a store ", out);
	fclose(out);
	assert_int_equal(store_open(f->dir, STORE_CREATE, &f->st), RBL_EDAMAGED);
	assert_null(f->st);
}

/* --- verify in this process -------------------------------------------------------------------------------------- */

static void test_verify_passes_a_sound_store_and_counts_it(void **state)
{
	struct fixture *f = *state;
	struct report r;
	store_verify_stats_t stats;
	assert_int_equal(verify(f, &r, &stats), RBL_OK);
	assert_string_equal(r.all, "");
	assert_int_equal(stats.zones, 2);
	assert_int_equal(stats.tables, 8);
	assert_int_equal(stats.problems, 0);
	assert_true(stats.records > 7 + 2);
}

static void test_verify_passes_an_index_cut_by_partial_rebuilds(void **state)
{
	struct fixture *f = *state;
	/* An exclusion put and deleted leaves the /8's interval in three pieces where a whole sweep writes one. */
	store_wtxn_t *w;
	entry_t e = {.flags = ENTRY_EXCLUDE};
	assert_int_equal(cidr_parse("10.200.0.1/32", &e.net), RBL_OK);
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_entry_put(w, f->zone, &e), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_entry_del(w, f->zone, &e.net), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	struct report r;
	store_verify_stats_t stats;
	assert_int_equal(verify(f, &r, &stats), RBL_OK);
	assert_string_equal(r.all, "");
}

static void delete_first_interval_of(MDB_txn *txn, const char *table)
{
	MDB_dbi index;
	MDB_cursor *cur;
	MDB_val k, v;
	assert_int_equal(mdb_dbi_open(txn, table, 0, &index), 0);
	assert_int_equal(mdb_cursor_open(txn, index, &cur), 0);
	assert_int_equal(mdb_cursor_get(cur, &k, &v, MDB_FIRST), 0);
	assert_int_equal(mdb_cursor_del(cur, 0), 0);
	mdb_cursor_close(cur);
}

static void delete_first_ipv4_interval(MDB_txn *txn, struct fixture *f)
{
	(void)f;
	delete_first_interval_of(txn, "index4");
}

static void delete_first_ipv6_interval(MDB_txn *txn, struct fixture *f)
{
	(void)f;
	delete_first_interval_of(txn, "index");
}

static void test_verify_reports_an_interval_missing_from_the_ipv4_index(void **state)
{
	struct fixture *f = *state;
	raw_edit(f, delete_first_ipv4_interval);
	struct report r;
	store_verify_stats_t stats;
	assert_int_equal(verify(f, &r, &stats), RBL_EDAMAGED);
	assert_int_equal(stats.problems, 1);
	assert_non_null(strstr(r.first, "index of zone 'rbl.example' (IPv4)"));
	assert_non_null(strstr(r.first, "10.0.0.0-10.0.255.255 (listing of a /8"));
	assert_non_null(strstr(r.first, "is missing"));
}

static void test_verify_reports_an_interval_missing_from_the_ipv6_index(void **state)
{
	struct fixture *f = *state;
	raw_edit(f, delete_first_ipv6_interval);
	struct report r;
	store_verify_stats_t stats;
	assert_int_equal(verify(f, &r, &stats), RBL_EDAMAGED);
	assert_int_equal(stats.problems, 1);
	assert_non_null(strstr(r.first, "index of zone 'rbl.example' (IPv6)"));
	assert_non_null(strstr(r.first, "2001:db8::-2001:db8:0:ffff:ffff:ffff:ffff:ffff (listing of a /32"));
	assert_non_null(strstr(r.first, "is missing"));
}

/* Puts an IPv4 interval straight into index4: key zone << 32 | last address (native), value first address (BE), the
 * owner's length, flags, expiry (varint 0), no codes. */
static void put_ipv4_interval(MDB_txn *txn, uint32_t zone_id, uint32_t first, uint32_t last, uint8_t len)
{
	MDB_dbi index4;
	uint64_t key = (uint64_t)zone_id << 32 | last;
	uint8_t value[8] = {(uint8_t)(first >> 24), (uint8_t)(first >> 16), (uint8_t)(first >> 8), (uint8_t)first, len};
	MDB_val k = {sizeof key, &key}, v = {sizeof value, value};
	assert_int_equal(mdb_dbi_open(txn, "index4", 0, &index4), 0);
	assert_int_equal(mdb_put(txn, index4, &k, &v, 0), 0);
}

static void add_an_ipv4_interval_no_entry_calls_for(MDB_txn *txn, struct fixture *f)
{
	put_ipv4_interval(txn, f->zone, 0xc6336409, 0xc6336409, 32); /* 198.51.100.9 */
}

static void test_verify_reports_an_ipv4_interval_no_entry_calls_for(void **state)
{
	struct fixture *f = *state;
	raw_edit(f, add_an_ipv4_interval_no_entry_calls_for);
	struct report r;
	store_verify_stats_t stats;
	assert_int_equal(verify(f, &r, &stats), RBL_EDAMAGED);
	assert_int_equal(stats.problems, 1);
	assert_non_null(strstr(r.first, "index of zone 'rbl.example' (IPv4)"));
	assert_non_null(strstr(r.first, "198.51.100.9-198.51.100.9 (listing of a /32, 0 code(s), expires 0) is there, "
	                                "but no entry calls for it"));
}

static void damage_index4_keys(MDB_txn *txn, struct fixture *f)
{
	put_ipv4_interval(txn, 77, 0x0a000000, 0x0a0000ff, 24);      /* 10.0.0.0-10.0.0.255 of no zone */
	put_ipv4_interval(txn, f->zone, 0x0b000002, 0x0b000001, 32); /* 11.0.0.2-11.0.0.1: starts after its end */
	MDB_dbi index4, index;
	uint32_t short_key = 5;
	uint8_t value[8] = {0};
	MDB_val k = {sizeof short_key, &short_key}, v = {sizeof value, value};
	assert_int_equal(mdb_dbi_open(txn, "index4", 0, &index4), 0);
	assert_int_equal(mdb_put(txn, index4, &k, &v, 0), 0);
	/* And an IPv4 interval left in index under format 3's key. */
	uint8_t old_key[9] = {0, 0, 0, 1, 4, 11, 0, 0, 9};
	MDB_val ok = {sizeof old_key, old_key};
	assert_int_equal(mdb_dbi_open(txn, "index", 0, &index), 0);
	assert_int_equal(mdb_put(txn, index, &ok, &v, 0), 0);
}

static void test_verify_reports_index4_keys_that_do_not_decode_or_belong_nowhere(void **state)
{
	struct fixture *f = *state;
	raw_edit(f, damage_index4_keys);
	struct report r;
	store_verify_stats_t stats;
	assert_int_equal(verify(f, &r, &stats), RBL_EDAMAGED);
	assert_non_null(strstr(r.all, "table index4: a key of 4 bytes does not decode"));
	assert_non_null(strstr(r.all, "table index4: the interval ending at 10.0.0.255 belongs to zone id 77, which no "
	                              "zone has"));
	assert_non_null(strstr(r.all, "table index4: the interval ending at 11.0.0.1 in zone 'rbl.example' starts "
	                              "after its end"));
	assert_non_null(strstr(r.all, "table index: a key of 9 bytes does not decode"));
}

static void delete_entry_behind_the_index(MDB_txn *txn, struct fixture *f)
{
	MDB_dbi entries;
	uint8_t key[ENTRY_KEY_MAX];
	cidr_t net;
	assert_int_equal(cidr_parse("10.1.2.0/24", &net), RBL_OK); /* a /32 would be a lone listing, not in entries */
	MDB_val k = {entry_key(f->zone, &net, key), key};
	assert_int_equal(mdb_dbi_open(txn, "entries", 0, &entries), 0);
	assert_int_equal(mdb_del(txn, entries, &k, NULL), 0);
}

static void test_verify_reports_an_interval_no_entry_calls_for(void **state)
{
	struct fixture *f = *state;
	raw_edit(f, delete_entry_behind_the_index);
	struct report r;
	store_verify_stats_t stats;
	assert_int_equal(verify(f, &r, &stats), RBL_EDAMAGED);
	assert_non_null(strstr(r.all, "10.1.2.0-10.1.2.255"));
	assert_non_null(strstr(r.all, "no entry calls for it"));
	/* The zone's kept entry count no longer matches the table either. */
	assert_non_null(strstr(r.all, "table zone_state: zone 'rbl.example' counts "));
	assert_non_null(strstr(r.all, " entries, tables entries and index4 hold "));
}

/* The zone's state record (serial, entry count, last change): deleted, or copied under a zone id nobody has. */
static void edit_zone_state(MDB_txn *txn, struct fixture *f, bool orphan)
{
	MDB_dbi zone_state;
	uint8_t id[4] = {(uint8_t)(f->zone >> 24), (uint8_t)(f->zone >> 16), (uint8_t)(f->zone >> 8), (uint8_t)f->zone};
	MDB_val k = {sizeof id, id}, v;
	assert_int_equal(mdb_dbi_open(txn, "zone_state", 0, &zone_state), 0);
	if (!orphan) {
		assert_int_equal(mdb_del(txn, zone_state, &k, NULL), 0);
		return;
	}
	assert_int_equal(mdb_get(txn, zone_state, &k, &v), 0);
	uint8_t copy[64];
	assert_true(v.mv_size <= sizeof copy);
	memcpy(copy, v.mv_data, v.mv_size);
	uint8_t nobody[4] = {0, 0, 0x30, 0x39}; /* 12345 */
	MDB_val nk = {sizeof nobody, nobody}, nv = {v.mv_size, copy};
	assert_int_equal(mdb_put(txn, zone_state, &nk, &nv, 0), 0);
}

static void delete_zone_state(MDB_txn *txn, struct fixture *f)
{
	edit_zone_state(txn, f, false);
}

static void add_orphan_zone_state(MDB_txn *txn, struct fixture *f)
{
	edit_zone_state(txn, f, true);
}

static void test_verify_reports_a_zone_without_its_state_record(void **state)
{
	struct fixture *f = *state;
	raw_edit(f, delete_zone_state);
	struct report r;
	store_verify_stats_t stats;
	assert_int_equal(verify(f, &r, &stats), RBL_EDAMAGED);
	assert_int_equal(stats.problems, 1);
	assert_non_null(strstr(r.first, "table zone_state: zone 'rbl.example' has no record"));
}

static void test_verify_reports_a_state_record_of_no_zone(void **state)
{
	struct fixture *f = *state;
	raw_edit(f, add_orphan_zone_state);
	struct report r;
	store_verify_stats_t stats;
	assert_int_equal(verify(f, &r, &stats), RBL_EDAMAGED);
	assert_int_equal(stats.problems, 1);
	assert_non_null(strstr(r.first, "table zone_state: a record for zone id 12345, which no zone has"));
}

static void garble_an_entry(MDB_txn *txn, struct fixture *f)
{
	MDB_dbi entries;
	uint8_t key[ENTRY_KEY_MAX];
	cidr_t net;
	assert_int_equal(cidr_parse("10.1.2.0/24", &net), RBL_OK);
	MDB_val k = {entry_key(f->zone, &net, key), key}, v = {3, "\x02\x00\x09"}; /* 9 codes announced, none there */
	assert_int_equal(mdb_dbi_open(txn, "entries", 0, &entries), 0);
	assert_int_equal(mdb_put(txn, entries, &k, &v, 0), 0);
}

static void test_verify_reports_an_entry_that_does_not_decode(void **state)
{
	struct fixture *f = *state;
	raw_edit(f, garble_an_entry);
	struct report r;
	store_verify_stats_t stats;
	assert_int_equal(verify(f, &r, &stats), RBL_EDAMAGED);
	assert_non_null(strstr(r.all, "table entries: 10.1.2.0/24 in zone 'rbl.example' does not decode"));
}

static void drop_the_zone_behind_its_entries(MDB_txn *txn, struct fixture *f)
{
	(void)f;
	MDB_dbi zones;
	MDB_val k = {11, "rbl.example"};
	assert_int_equal(mdb_dbi_open(txn, "zones", 0, &zones), 0);
	assert_int_equal(mdb_del(txn, zones, &k, NULL), 0);
}

static void test_verify_reports_entries_of_a_zone_that_is_gone(void **state)
{
	struct fixture *f = *state;
	raw_edit(f, drop_the_zone_behind_its_entries);
	struct report r;
	store_verify_stats_t stats;
	assert_int_equal(verify(f, &r, &stats), RBL_EDAMAGED);
	assert_non_null(strstr(r.all, "which no zone has"));
	assert_int_equal(stats.zones, 1);
}

/* --- verify in a child ------------------------------------------------------------------------------------------- */

/* A store of n /32 listings written in one transaction: its pages are nearly all tree pages. */
static void fill(struct fixture *f, unsigned n)
{
	store_wtxn_t *w;
	store_import_t *imp;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_import_begin(w, f->zone, false, "test", &imp), RBL_OK);
	for (unsigned i = 0; i < n; i++) {
		store_import_item_t item = {.net = {.addr = {.family = ADDR_V4}, .len = 32}};
		item.net.addr.b[0] = 172;
		item.net.addr.b[1] = 16 + (uint8_t)(i >> 16);
		item.net.addr.b[2] = (uint8_t)(i >> 8);
		item.net.addr.b[3] = (uint8_t)i;
		item.reason = "a reason long enough to fill pages faster than bare addresses would";
		assert_int_equal(store_import_add(imp, &item), RBL_OK);
	}
	store_import_stats_t stats;
	assert_int_equal(store_import_finish(imp, &stats), RBL_OK);
	store_import_free(imp);
	assert_int_equal(store_write_commit(w), RBL_OK);
}

static void overwrite_page(const char *dir, off_t page, int byte)
{
	char path[128];
	long size = sysconf(_SC_PAGESIZE);
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	int fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	uint8_t buf[65536];
	srand(1127);
	for (long i = 0; i < size; i++)
		buf[i] = (uint8_t)(byte >= 0 ? byte : rand());
	assert_int_equal(pwrite(fd, buf, (size_t)size, page * size), size);
	close(fd);
}

static void test_verify_dir_reports_zeroed_and_random_pages_without_dying(void **state)
{
	struct fixture *f = *state;
	fill(f, 20000);
	struct report r;
	store_verify_stats_t stats;
	assert_int_equal(verify_dir(f->dir, &r, &stats), RBL_OK);
	assert_int_equal(stats.zones, 2);
	store_close(f->st);
	f->st = NULL;
	long pages = (long)(data_size(f->dir) / sysconf(_SC_PAGESIZE));
	/* Every page of the middle half, zeroed then filled with noise, one at a time: LMDB asserts, faults or reads
	 * garbage; each time the verdict is a report, and this process lives on. */
	char backup[192];
	snprintf(backup, sizeof backup, "cp %s/data.mdb %s/data.pristine", f->dir, f->dir);
	assert_int_equal(system(backup), 0);
	unsigned damaged = 0, tried = 0;
	for (long page = pages / 4; page < 3 * pages / 4; page += pages / 16, tried += 2) {
		for (int fill_byte = 0; fill_byte >= -1; fill_byte--) {
			snprintf(backup, sizeof backup, "cp %s/data.pristine %s/data.mdb", f->dir, f->dir);
			assert_int_equal(system(backup), 0);
			overwrite_page(f->dir, page, fill_byte);
			int err = verify_dir(f->dir, &r, &stats);
			assert_true(err == RBL_EDAMAGED || err == RBL_OK);
			if (err == RBL_EDAMAGED) {
				assert_true(stats.problems >= 1);
				assert_true(r.count >= 1);
				damaged++;
			}
		}
	}
	/* A freshly written store has next to no free pages: nearly every one of those is found. */
	assert_true(damaged >= tried - 2);
	snprintf(backup, sizeof backup, "mv %s/data.pristine %s/data.mdb", f->dir, f->dir);
	assert_int_equal(system(backup), 0);
	assert_int_equal(store_open(f->dir, 0, &f->st), RBL_OK);
}

static void test_verify_dir_of_a_directory_without_store_is_enoent(void **state)
{
	(void)state;
	struct report r;
	store_verify_stats_t stats;
	assert_int_equal(verify_dir("/tmp/test_store_faults_does_not_exist", &r, &stats), RBL_ENOENT);
	assert_int_equal(r.count, 0);
}

/* --- backup ------------------------------------------------------------------------------------------------------ */

static void test_backup_writes_a_compacted_copy_that_verifies(void **state)
{
	struct fixture *f = *state;
	fill(f, 3000);
	char dest[96];
	snprintf(dest, sizeof dest, "%s.backup", f->dir);
	uint64_t bytes = 0;
	assert_int_equal(store_backup(f->st, dest, &bytes), RBL_OK);
	assert_true(bytes > 0 && bytes <= (uint64_t)data_size(f->dir));
	struct report r;
	store_verify_stats_t original, copy;
	assert_int_equal(verify(f, &r, &original), RBL_OK);
	store_t *st;
	assert_int_equal(store_open(dest, STORE_READONLY, &st), RBL_OK);
	store_rtxn_t *rt;
	entry_t e;
	cidr_t net;
	assert_int_equal(store_read_begin(st, &rt), RBL_OK);
	assert_int_equal(cidr_parse("172.16.11.183/32", &net), RBL_OK);
	assert_int_equal(store_entry_get(rt, f->zone, &net, &e), RBL_OK);
	store_read_end(rt);
	/* The copy answers from its interval tables, IPv4's integer keys included. */
	store_reader_t reader;
	store_hit_t hit;
	assert_int_equal(store_reader_init(st, &reader), RBL_OK);
	assert_int_equal(store_reader_begin(&reader), RBL_OK);
	assert_int_equal(store_reader_lookup(&reader, f->zone, &net.addr, 0, &hit), 1);
	addr_t listed = {.family = ADDR_V4, .b = {172, 16, 11, 182}},
	       past_the_last = {.family = ADDR_V4, .b = {172, 16, 11, 184}};
	assert_int_equal(store_reader_lookup(&reader, f->zone, &listed, 0, &hit), 1);
	assert_int_equal(store_reader_lookup(&reader, f->zone, &past_the_last, 0, &hit), 0);
	store_reader_end(&reader);
	store_reader_free(&reader);
	store_close(st);
	assert_int_equal(verify_dir(dest, &r, &copy), RBL_OK);
	assert_int_equal(copy.records, original.records);
	assert_int_equal(copy.zones, original.zones);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dest);
	assert_int_equal(system(cmd), 0);
}

static void test_backup_refuses_a_directory_that_is_not_empty(void **state)
{
	struct fixture *f = *state;
	uint64_t bytes;
	assert_int_equal(store_backup(f->st, f->dir, &bytes), RBL_EEXIST);
	struct report r;
	store_verify_stats_t stats;
	assert_int_equal(verify(f, &r, &stats), RBL_OK);
}

/* --- a full map -------------------------------------------------------------------------------------------------- */

static void test_full_map_is_efull_and_keeps_what_was_committed(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_store_faults_map.XXXXXX";
	assert_non_null(mkdtemp(dir));
	setenv("DNSBL_MAP_GIB", "0.002", 1); /* 2 MiB */
	struct fixture small = {.st = NULL};
	snprintf(small.dir, sizeof small.dir, "%s", dir);
	assert_int_equal(store_open(dir, STORE_CREATE, &small.st), RBL_OK);
	zone_def_t def;
	zone_def_init(&def, "rbl.example", 1000);
	small.zone = fixture_zone_create(small.st, &def);
	fill(&small, 100);
	store_wtxn_t *w;
	store_import_t *imp;
	assert_int_equal(store_write_begin(small.st, &w), RBL_OK);
	assert_int_equal(store_import_begin(w, small.zone, true, "test", &imp), RBL_OK);
	for (unsigned i = 0; i < 40000; i++) {
		store_import_item_t item = {
		        .net = {.addr = {.family = ADDR_V4,
		                         .b = {10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i}},
		                .len = 32}};
		assert_int_equal(store_import_add(imp, &item), RBL_OK);
	}
	store_import_stats_t stats;
	int err = store_import_finish(imp, &stats);
	store_import_free(imp);
	if (!err)
		err = store_write_commit(w);
	else
		store_write_abort(w);
	assert_int_equal(err, RBL_EFULL);
	unsetenv("DNSBL_MAP_GIB");
	struct report r;
	store_verify_stats_t vstats;
	assert_int_equal(verify(&small, &r, &vstats), RBL_OK);
	store_rtxn_t *rt;
	entry_t e;
	cidr_t net;
	assert_int_equal(store_read_begin(small.st, &rt), RBL_OK);
	assert_int_equal(cidr_parse("172.16.0.99/32", &net), RBL_OK);
	assert_int_equal(store_entry_get(rt, small.zone, &net, &e), RBL_OK);
	assert_int_equal(cidr_parse("10.0.0.1/32", &net), RBL_OK);
	assert_int_equal(store_entry_get(rt, small.zone, &net, &e), RBL_ENOENT);
	store_read_end(rt);
	fixture_store_remove(small.st, dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_reading_open_of_an_empty_directory_creates_nothing),
	        cmocka_unit_test(test_empty_directory_name_is_refused),
	        cmocka_unit_test_setup_teardown(test_empty_data_file_is_refused_not_reinitialised, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_short_data_file_is_refused_naming_its_length, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_foreign_data_file_is_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_verify_passes_a_sound_store_and_counts_it, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_verify_passes_an_index_cut_by_partial_rebuilds, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_verify_reports_an_interval_missing_from_the_ipv6_index, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_verify_reports_an_ipv4_interval_no_entry_calls_for, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_verify_reports_index4_keys_that_do_not_decode_or_belong_nowhere,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_verify_reports_an_interval_missing_from_the_ipv4_index, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_verify_reports_an_interval_no_entry_calls_for, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_verify_reports_a_zone_without_its_state_record, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_verify_reports_a_state_record_of_no_zone, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_verify_reports_an_entry_that_does_not_decode, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_verify_reports_entries_of_a_zone_that_is_gone, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_verify_dir_reports_zeroed_and_random_pages_without_dying, setup,
	                                        teardown),
	        cmocka_unit_test(test_verify_dir_of_a_directory_without_store_is_enoent),
	        cmocka_unit_test_setup_teardown(test_backup_writes_a_compacted_copy_that_verifies, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_backup_refuses_a_directory_that_is_not_empty, setup, teardown),
	        cmocka_unit_test(test_full_map_is_efull_and_keeps_what_was_committed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
