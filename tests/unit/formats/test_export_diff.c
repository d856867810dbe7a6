/* SPDX-License-Identifier: BSD-2-Clause */
/* test_export_diff.c — export_bind_diff (export_diff.c): the difference written from the parts of the tree a
 * commit's networks reach equals the difference of the whole zone before and after, over hundreds of random commits
 * (nested CIDRs, exclusions, digit-only octets, IPv6 and IPv4-mapped entries, the test points, an aggregate and its
 * members, imports, expiry); and what the whole difference says for a few hand-made changes. The commits go through
 * the store's commit hook, so the networks are the ones the store noted. */
#include "base/err.h"
#include "formats/export.h"
#include "store/store.h"
#include "store/store_ext.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../store_fixture.h"

#define ZONE "diff.rbl.test"
#define MEMBER "member.rbl.test"
#define AGG "agg.rbl.test"

struct fixture {
	char dir[64];
	store_t *st;
	uint32_t zone, member, agg;
	uint64_t compared, nonempty, ranged_roots;
	char last_removed[1 << 18], last_added[1 << 18]; /* the whole difference of ZONE's last commit, cut */
};

struct diff_text {
	char *removed, *added;
	size_t removed_len, added_len;
	export_diff_stats_t stats;
};

static void diff(store_rtxn_t *before, store_rtxn_t *after, const char *zone, const cidr_t *nets, size_t count,
		 bool whole, struct diff_text *d)
{
	memset(d, 0, sizeof *d);
	FILE *r = open_memstream(&d->removed, &d->removed_len), *a = open_memstream(&d->added, &d->added_len);
	assert_int_equal(export_bind_diff(before, after, zone, nets, count, whole, r, a, &d->stats), RBL_OK);
	fclose(r);
	fclose(a);
}

static const store_change_t *change_of(const store_change_t *changes, size_t count, uint32_t id)
{
	for (size_t i = 0; i < count; i++)
		if (changes[i].zone_id == id)
			return &changes[i];
	return NULL;
}

/* The ranged difference of one zone (its own networks and its members') against the whole one. */
static void check_zone(struct fixture *f, store_rtxn_t *before, store_rtxn_t *after, const char *name,
		       const uint32_t *sources, unsigned source_count, const store_change_t *changes, size_t count)
{
	static cidr_t nets[3 * STORE_CHANGE_NETS_MAX];
	size_t n = 0;
	bool all = false, touched = false;
	for (unsigned s = 0; s < source_count; s++) {
		const store_change_t *c = change_of(changes, count, sources[s]);
		if (!c)
			continue;
		touched = true;
		all |= c->all;
		for (size_t i = 0; i < c->count && n < sizeof nets / sizeof nets[0]; i++)
			nets[n++] = c->nets[i];
	}
	if (!touched)
		return;
	struct diff_text ranged, whole;
	diff(before, after, name, nets, n, all, &ranged);
	diff(before, after, name, NULL, 0, true, &whole);
	if (ranged.removed_len != whole.removed_len || memcmp(ranged.removed, whole.removed, whole.removed_len) ||
	    ranged.added_len != whole.added_len || memcmp(ranged.added, whole.added, whole.added_len)) {
		fprintf(stderr, "zone %s, %zu networks (ranged %zu+%zu bytes, %llu roots; whole %zu+%zu, before %llu after %llu):\n", name, n,
			ranged.removed_len, ranged.added_len, (unsigned long long)ranged.stats.roots, whole.removed_len,
			whole.added_len, (unsigned long long)whole.stats.before, (unsigned long long)whole.stats.after);
		for (size_t i = 0; i < n && i < 20; i++) {
			char text[64];
			cidr_format(&nets[i], text);
			fprintf(stderr, "  changed %s\n", text);
		}
		fprintf(stderr, "ranged removed:\n%.*s\nwhole removed:\n%.*s\n", (int)ranged.removed_len,
			ranged.removed, (int)whole.removed_len, whole.removed);
		fprintf(stderr, "ranged added:\n%.*s\nwhole added:\n%.*s\n", (int)ranged.added_len, ranged.added,
			(int)whole.added_len, whole.added);
		fail_msg("the ranged difference of %s is not the whole one", name);
	}
	assert_int_equal(ranged.stats.removed, whole.stats.removed);
	assert_int_equal(ranged.stats.added, whole.stats.added);
	f->compared++;
	f->nonempty += whole.stats.removed + whole.stats.added > 0;
	if (!all)
		f->ranged_roots += ranged.stats.roots;
	if (strcmp(name, ZONE) == 0) {
		snprintf(f->last_removed, sizeof f->last_removed, "%.*s", (int)whole.removed_len, whole.removed);
		snprintf(f->last_added, sizeof f->last_added, "%.*s", (int)whole.added_len, whole.added);
	}
	free(ranged.removed);
	free(ranged.added);
	free(whole.removed);
	free(whole.added);
}

static int hook(void *ctx, store_wtxn_t *w, store_rtxn_t *before, store_rtxn_t *after, const store_change_t *changes,
		size_t count)
{
	(void)w;
	struct fixture *f = ctx;
	uint32_t zone[] = {f->zone}, member[] = {f->member}, agg[] = {f->agg, f->zone, f->member};
	check_zone(f, before, after, ZONE, zone, 1, changes, count);
	if (f->member)
		check_zone(f, before, after, MEMBER, member, 1, changes, count);
	if (f->agg)
		check_zone(f, before, after, AGG, agg, 3, changes, count);
	return RBL_OK;
}

static uint32_t make_zone(struct fixture *f, const char *name, const char *tmpl, const uint32_t *members,
			  unsigned member_count)
{
	zone_def_t def;
	zone_def_init(&def, name, time(NULL));
	snprintf(def.txt, sizeof def.txt, "%s", tmpl);
	for (unsigned i = 0; i < member_count; i++)
		def.members[def.member_count++] = members[i];
	return fixture_zone_create(f->st, &def);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	fixture_store_open(f->dir, "test_export_diff", &f->st);
	f->zone = make_zone(f, ZONE, "Listed: $ see https://example.test/$", NULL, 0);
	store_set_commit_hook(f->st, hook, f);
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

static void put(store_wtxn_t *w, uint32_t zone, const char *net, bool exclude, uint32_t code, const char *reason,
		int64_t expires)
{
	entry_t e;
	memset(&e, 0, sizeof e);
	assert_int_equal(cidr_parse(net, &e.net), RBL_OK);
	e.flags = exclude ? ENTRY_EXCLUDE : 0;
	if (!exclude && code)
		e.codes[e.ncodes++] = 0x7f000000u | code;
	if (reason)
		snprintf(e.reason, sizeof e.reason, "%s", reason);
	e.expires = expires;
	assert_int_equal(store_entry_put(w, zone, &e), RBL_OK);
}

static void commit_one(struct fixture *f, uint32_t zone, const char *net, bool exclude, uint32_t code)
{
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	put(w, zone, net, exclude, code, NULL, 0);
	assert_int_equal(store_write_commit(w), RBL_OK);
}

/* --- hand-made changes: what the difference says ---------------------------------------------------------------- */

static void test_a_host_added_is_its_name_and_its_mapped_twin(void **state)
{
	struct fixture *f = *state;
	commit_one(f, f->zone, "10.1.2.3/32", false, 3);
	assert_string_equal(f->last_removed, "");
	assert_string_equal(f->last_added,
			    "3.0.2.0.1.0.a.0.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0\tA\t127.0.0.3\n"
			    "3.0.2.0.1.0.a.0.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0\tTXT\t\"Listed: 10.1.2.3 see "
			    "https://example.test/10.1.2.3\"\n"
			    "3.2.1.10\tA\t127.0.0.3\n"
			    "3.2.1.10\tTXT\t\"Listed: 10.1.2.3 see https://example.test/10.1.2.3\"\n");
}

static void test_an_exclusion_inside_a_wildcard_opens_it(void **state)
{
	struct fixture *f = *state;
	commit_one(f, f->zone, "10.1.2.0/24", false, 2);
	assert_non_null(strstr(f->last_added, "*.2.1.10\tA\t127.0.0.2\n"));
	commit_one(f, f->zone, "10.1.2.7/32", true, 0);
	/* The wildcard goes; the /24's other 255 addresses get names of their own, the excluded one none. */
	assert_non_null(strstr(f->last_removed, "*.2.1.10\tA\t127.0.0.2\n"));
	assert_null(strstr(f->last_added, "\n7.2.1.10\t"));
	assert_non_null(strstr(f->last_added, "\n17.2.1.10\tA\t127.0.0.2\n"));
	assert_non_null(strstr(f->last_added, "6.2.1.10\tA\t127.0.0.2\n"));
	assert_non_null(strstr(f->last_added, "8.2.1.10\tA\t127.0.0.2\n"));
	/* Deleting the exclusion closes it again: the difference is the reverse. */
	store_wtxn_t *w;
	cidr_t net;
	cidr_parse("10.1.2.7/32", &net);
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_entry_del(w, f->zone, &net), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	assert_non_null(strstr(f->last_added, "*.2.1.10\tA\t127.0.0.2\n"));
	assert_non_null(strstr(f->last_removed, "6.2.1.10\tA\t127.0.0.2\n"));
}

static void test_a_change_in_a_large_zone_reads_a_small_part(void **state)
{
	struct fixture *f = *state;
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	for (unsigned i = 0; i < 3000; i++) {
		char net[32];
		snprintf(net, sizeof net, "10.%u.%u.%u/32", 20 + i / 65536, (i / 256) % 256, i % 256);
		put(w, f->zone, net, false, 2, NULL, 0);
	}
	assert_int_equal(store_write_commit(w), RBL_OK);
	f->ranged_roots = 0;
	uint64_t compared = f->compared;
	commit_one(f, f->zone, "10.20.5.77/32", false, 4);
	assert_int_equal(f->compared, compared + 1);
	assert_int_equal(f->ranged_roots, 2); /* the name and its mapped twin */
	assert_string_equal(f->last_removed, "77.5.20.10\tA\t127.0.0.2\n"
					     "d.4.5.0.4.1.a.0.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0\tA\t127.0.0.2\n");
	assert_string_equal(f->last_added, "77.5.20.10\tA\t127.0.0.4\n"
					   "d.4.5.0.4.1.a.0.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0\tA\t127.0.0.4\n");
}

/* --- random commits: ranged equals whole ------------------------------------------------------------------------ */

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 16);
}

/* A network drawn where entries overlap: around 10.0.0.0/16, digit-only octets, the test points, 0/0 rarely; IPv6
 * in 2001:db8::/32 and under ::ffff:0:0/96. */
static void random_net(uint64_t *s, char *buf, size_t cap)
{
	static const unsigned v4_lens[] = {14, 16, 20, 22, 23, 24, 25, 26, 28, 30, 31, 32, 32, 32, 32, 32};
	static const unsigned v6_lens[] = {32, 36, 44, 48, 56, 60, 63, 64, 96, 120, 124, 127, 128, 128};
	unsigned kind = rnd(s) % 20;
	if (kind < 12) {
		unsigned len = v4_lens[rnd(s) % (sizeof v4_lens / sizeof v4_lens[0])];
		uint32_t v;
		if (kind < 7) { /* nested networks in 10.0.0.0/14 */
			v = 10u << 24 | (rnd(s) % 3) << 16 | (rnd(s) % 4) << 8 | (rnd(s) % 2 ? rnd(s) % 8 : rnd(s) % 256);
		} else if (kind < 9) { /* digit-only octets: never under a wildcard (kept narrow: a /8 is 28,000 names) */
			v = (rnd(s) % 10) << 24 | (rnd(s) % 10) << 16 | (rnd(s) % 10) << 8 | rnd(s) % 4;
			len = 24 + rnd(s) % 3 * 4;
		} else if (kind < 11) { /* around the test points */
			v = 0x7f000000u | rnd(s) % 4;
			len = 30 + rnd(s) % 3;
		} else { /* wide: 128.0.0.0/1, 192.0.0.0/2, 224.0.0.0/3 */
			len = 1 + rnd(s) % 3;
			v = ~0u << (32 - len);
		}
		v = len ? v & ~0u << (32 - len) : 0;
		snprintf(buf, cap, "%u.%u.%u.%u/%u", v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255, len);
		return;
	}
	unsigned len = v6_lens[rnd(s) % (sizeof v6_lens / sizeof v6_lens[0])];
	char text[64];
	if (kind < 17) {
		snprintf(text, sizeof text, "2001:db8:%x:%x::%x/128", rnd(s) % 3, rnd(s) % 4 * 0x10, rnd(s) % 4);
	} else {
		/* A network holding ::ffff:0:0/96, where the IPv4 data answers instead. */
		static const unsigned wide[] = {0, 1, 16, 64, 80};
		snprintf(text, sizeof text, "::/128");
		len = wide[rnd(s) % 5];
	}
	cidr_t c;
	assert_int_equal(cidr_parse(text, &c), RBL_OK);
	addr_mask(&c.addr, len);
	c.len = (uint8_t)len;
	assert_true(cap >= ADDR_STRLEN + 4);
	cidr_format(&c, buf);
}

/* One random commit: 1 to 6 puts and deletes (and now and then an expiry pass or an import) in one zone. */
static void random_commit(struct fixture *f, uint64_t *s, uint32_t zone, int64_t now)
{
	static const char *reasons[] = {NULL, "spam from $", "open relay", "range $ and $$"};
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	unsigned what = rnd(s) % 40;
	if (what == 0) {
		uint64_t purged;
		assert_int_equal(store_expire(w, now, &purged), RBL_OK);
	} else if (what == 1) {
		store_import_t *imp;
		unsigned lines = rnd(s) % 3 ? 30 : 1100; /* a journalled one, and one past the per-change limit */
		assert_int_equal(store_import_begin(w, zone, rnd(s) % 2, "import", &imp), RBL_OK);
		for (unsigned i = 0; i < lines; i++) {
			store_import_item_t it = {.ncodes = 1, .codes = {0x7f000002u + rnd(s) % 3}};
			char net[64];
			random_net(s, net, sizeof net);
			assert_int_equal(cidr_parse(net, &it.net), RBL_OK);
			it.flags = rnd(s) % 6 == 0 ? ENTRY_EXCLUDE : 0;
			assert_int_equal(store_import_add(imp, &it), RBL_OK);
		}
		store_import_stats_t stats;
		assert_int_equal(store_import_finish(imp, &stats), RBL_OK);
		store_import_free(imp);
	} else {
		unsigned ops = 1 + rnd(s) % 6;
		for (unsigned i = 0; i < ops; i++) {
			char net[64];
			random_net(s, net, sizeof net);
			if (rnd(s) % 4 == 0) {
				cidr_t c;
				assert_int_equal(cidr_parse(net, &c), RBL_OK);
				int err = store_entry_del(w, zone, &c);
				assert_true(err == RBL_OK || err == RBL_ENOENT);
				continue;
			}
			int64_t expires = rnd(s) % 10 == 0 ? now - 10 : 0;
			put(w, zone, net, rnd(s) % 5 == 0, 2 + rnd(s) % 3, reasons[rnd(s) % 4], expires);
		}
	}
	assert_int_equal(store_write_commit(w), RBL_OK);
}

static void test_ranged_difference_is_the_whole_difference(void **state)
{
	struct fixture *f = *state;
	f->member = make_zone(f, MEMBER, "member $", NULL, 0);
	uint32_t members[] = {f->zone, f->member};
	f->agg = make_zone(f, AGG, "agg $", members, 2);
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	const char *env = getenv("EXPORT_DIFF_SEED");
	if (env)
		seed = strtoull(env, NULL, 0);
	int64_t now = time(NULL);
	unsigned commits = 200;
	for (unsigned i = 0; i < commits; i++)
		random_commit(f, &seed, rnd(&seed) % 3 ? f->zone : f->member, now);
	fprintf(stderr, "# %llu differences compared, %llu not empty\n", (unsigned long long)f->compared,
		(unsigned long long)f->nonempty);
	assert_true(f->compared >= commits * 3 / 2); /* the zone or member, and the aggregate each time */
	assert_true(f->nonempty >= commits);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_host_added_is_its_name_and_its_mapped_twin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_an_exclusion_inside_a_wildcard_opens_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_change_in_a_large_zone_reads_a_small_part, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ranged_difference_is_the_whole_difference, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
