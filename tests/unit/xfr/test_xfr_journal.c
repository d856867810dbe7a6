/* SPDX-License-Identifier: BSD-2-Clause */
/* test_xfr_journal.c — the record-level journal (xfr_journal.c) written by the commit hook and read as a chain:
 * applying a chain to the zone's records at its first serial gives the records at the last (records read from
 * export_bind's own master file); the range; a chain from the current serial or one the journal does not hold is
 * refused; a definition change, a commit made without the hook, a zone deleted and journal-max each cut the journal
 * as its contract says; an aggregate gets its member's differences; a chain longer than the zone gives the whole zone
 * (xfr_content_load_ixfr). */
#include "base/err.h"
#include "formats/export.h"
#include "store/store.h"
#include "store/store_ext.h"
#include "xfr/xfr_conf.h"
#include "xfr/xfr_content.h"
#include "xfr/xfr_journal.h"

#include "tsig_fixture.h" /* cmocka, before store_fixture.h */
#include "store_fixture.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define ZONE "rbl.example"

struct fixture {
	struct store_zone_fixture *z;
	xfr_conf_t conf;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	void *zs;
	store_zone_fixture_setup(&zs, "test_xfr_journal");
	f->z = zs;
	xfr_conf_init(&f->conf);
	f->conf.zone_count = 1;
	snprintf(f->conf.zones[0].name, sizeof f->conf.zones[0].name, "%s", ZONE);
	f->conf.zones[0].journal_max = XFR_JOURNAL_MAX_DEFAULT;
	store_set_commit_hook(f->z->st, xfr_journal_hook, &f->conf);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	void *zs = f->z;
	store_zone_fixture_teardown(&zs);
	free(f);
	return 0;
}

static uint32_t serial_of(struct fixture *f, const char *zone)
{
	store_rtxn_t *r;
	zone_def_t def;
	assert_int_equal(store_read_begin(f->z->st, &r), RBL_OK);
	assert_int_equal(store_zone_get(r, zone, &def), RBL_OK);
	store_read_end(r);
	return def.serial;
}

static void put(struct fixture *f, uint32_t zone, const char *net, bool exclude, uint32_t code, const char *reason)
{
	entry_t e;
	memset(&e, 0, sizeof e);
	assert_int_equal(cidr_parse(net, &e.net), RBL_OK);
	e.flags = exclude ? ENTRY_EXCLUDE : 0;
	if (!exclude)
		e.codes[e.ncodes++] = 0x7f000000u | code;
	if (reason)
		snprintf(e.reason, sizeof e.reason, "%s", reason);
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->z->st, &w), RBL_OK);
	assert_int_equal(store_entry_put(w, zone, &e), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
}

static void del(struct fixture *f, uint32_t zone, const char *text)
{
	cidr_t net;
	assert_int_equal(cidr_parse(text, &net), RBL_OK);
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->z->st, &w), RBL_OK);
	assert_int_equal(store_entry_del(w, zone, &net), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
}

/* --- the zone's records as export_bind writes them, one a line in the journal's form ----------------------------- */

struct lines {
	char **v;
	size_t n, cap;
};

static void lines_add(struct lines *l, const char *line, size_t len)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
		assert_non_null(l->v);
	}
	l->v[l->n++] = strndup(line, len);
}

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The master file's records below the apex: a line that starts with a tab has the previous line's owner. */
static void zone_records(struct fixture *f, const char *zone, struct lines *out)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	store_rtxn_t *r;
	export_opts_t opts = {0};
	assert_int_equal(store_read_begin(f->z->st, &r), RBL_OK);
	assert_int_equal(export_bind(r, zone, &opts, mem, NULL), RBL_OK);
	store_read_end(r);
	fclose(mem);
	char owner[128] = "";
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == ';' || line[0] == '$' || line[0] == '@' || strstr(line, "\tIN\t"))
			continue; /* comments, directives, the apex's SOA and NS */
		char full[1024];
		if (line[0] == '\t') {
			snprintf(full, sizeof full, "%s%s", owner, line);
		} else {
			snprintf(full, sizeof full, "%s", line);
			snprintf(owner, sizeof owner, "%.*s", (int)strcspn(line, "\t"), line);
		}
		lines_add(out, full, strlen(full));
	}
	free(text);
	qsort(out->v, out->n, sizeof *out->v, str_cmp);
}

/* Applies a step: each removed line must be there, each added one must not. */
static void apply_lines(struct lines *set, const char *text, size_t len, bool add)
{
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		assert_non_null(nl);
		size_t n = (size_t)(nl - (text + at));
		size_t found = SIZE_MAX;
		for (size_t i = 0; i < set->n && found == SIZE_MAX; i++)
			if (strlen(set->v[i]) == n && memcmp(set->v[i], text + at, n) == 0)
				found = i;
		if (add) {
			if (found != SIZE_MAX)
				fail_msg("added twice: %.*s", (int)n, text + at);
			lines_add(set, text + at, n);
		} else {
			if (found == SIZE_MAX)
				fail_msg("removed but not there: %.*s", (int)n, text + at);
			free(set->v[found]);
			set->v[found] = set->v[--set->n];
		}
		at += n + 1;
	}
}

struct apply {
	struct lines *set;
	unsigned steps;
	uint32_t last;
};

static int apply_step(void *ctx, const xfr_journal_step_t *step)
{
	struct apply *a = ctx;
	if (a->steps)
		assert_int_equal(step->from, a->last);
	apply_lines(a->set, step->removed, step->removed_len, false);
	apply_lines(a->set, step->added, step->added_len, true);
	a->last = step->to;
	a->steps++;
	return 0;
}

static int chain(struct fixture *f, uint32_t zone_id, uint32_t from, uint32_t to, struct apply *a)
{
	store_rtxn_t *r;
	assert_int_equal(store_read_begin(f->z->st, &r), RBL_OK);
	int err = xfr_journal_chain(r, zone_id, from, to, apply_step, a);
	store_read_end(r);
	return err;
}

static void expect_same(struct lines *a, struct lines *b)
{
	qsort(a->v, a->n, sizeof *a->v, str_cmp);
	qsort(b->v, b->n, sizeof *b->v, str_cmp);
	for (size_t i = 0; i < a->n && i < b->n; i++)
		assert_string_equal(a->v[i], b->v[i]);
	assert_int_equal(a->n, b->n);
}

static int range(struct fixture *f, uint32_t zone_id, uint32_t *first, uint32_t *last, uint64_t *records)
{
	store_rtxn_t *r;
	uint64_t bytes;
	assert_int_equal(store_read_begin(f->z->st, &r), RBL_OK);
	int err = xfr_journal_range(r, zone_id, first, last, records, &bytes);
	store_read_end(r);
	return err;
}

/* --- tests ------------------------------------------------------------------------------------------------------- */

static void test_a_chain_applied_to_the_old_records_gives_the_new(void **state)
{
	struct fixture *f = *state;
	uint32_t zone = f->z->zone;
	put(f, zone, "192.0.2.1/32", false, 2, NULL);
	uint32_t s0 = serial_of(f, ZONE);
	struct lines old = {0}, now = {0};
	zone_records(f, ZONE, &old);
	put(f, zone, "10.1.2.0/24", false, 3, "network $");
	put(f, zone, "10.1.2.128/25", true, 0, NULL);
	put(f, zone, "192.0.2.1/32", false, 4, "host $");
	put(f, zone, "2001:db8::/48", false, 5, NULL);
	del(f, zone, "10.1.2.128/25");
	put(f, zone, "10.1.2.7/32", false, 2, NULL);
	del(f, zone, "192.0.2.1/32");
	uint32_t s7 = serial_of(f, ZONE);
	struct apply a = {&old, 0, 0};
	assert_int_equal(chain(f, zone, s0, s7, &a), RBL_OK);
	assert_int_equal(a.steps, 7);
	assert_int_equal(a.last, s7);
	zone_records(f, ZONE, &now);
	expect_same(&old, &now);
	uint32_t first, last;
	uint64_t records;
	assert_int_equal(range(f, zone, &first, &last, &records), RBL_OK);
	assert_int_equal(last, s7);
	assert_int_equal(records, 8); /* the first put's record too: from the zone's first serial */
	lines_free(&old);
	lines_free(&now);
}

static void test_a_chain_the_journal_does_not_hold_is_refused(void **state)
{
	struct fixture *f = *state;
	uint32_t zone = f->z->zone;
	uint32_t s0 = serial_of(f, ZONE);
	put(f, zone, "192.0.2.1/32", false, 2, NULL);
	put(f, zone, "192.0.2.2/32", false, 2, NULL);
	uint32_t s2 = serial_of(f, ZONE);
	struct lines set = {0};
	struct apply a = {&set, 0, 0};
	assert_int_equal(chain(f, zone, s2, s2, &a), RBL_ENOENT);      /* current */
	assert_int_equal(chain(f, zone, s0 - 5, s2, &a), RBL_ENOENT);  /* before it */
	assert_int_equal(chain(f, zone, s0, s2 + 1, &a), RBL_ENOENT);  /* past it */
	assert_int_equal(a.steps, 0);                                  /* fn is never called for a refused chain */
	lines_free(&set);
}

static void test_a_definition_change_empties_the_journal(void **state)
{
	struct fixture *f = *state;
	uint32_t zone = f->z->zone, first, last;
	uint64_t records;
	put(f, zone, "192.0.2.1/32", false, 2, NULL);
	assert_int_equal(range(f, zone, &first, &last, &records), RBL_OK);
	store_wtxn_t *w;
	zone_def_t def;
	assert_int_equal(store_write_begin(f->z->st, &w), RBL_OK);
	assert_int_equal(store_zone_get_w(w, ZONE, &def), RBL_OK);
	snprintf(def.txt, sizeof def.txt, "another template for $");
	assert_int_equal(store_zone_update(w, &def), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	assert_int_equal(range(f, zone, &first, &last, &records), RBL_ENOENT);
	uint32_t s = serial_of(f, ZONE);
	put(f, zone, "192.0.2.2/32", false, 2, NULL);
	assert_int_equal(range(f, zone, &first, &last, &records), RBL_OK);
	assert_int_equal(first, s);
	assert_int_equal(records, 1);
}

static void test_a_commit_without_the_hook_cuts_the_chain(void **state)
{
	struct fixture *f = *state;
	uint32_t zone = f->z->zone, first, last;
	uint64_t records;
	uint32_t s0 = serial_of(f, ZONE);
	put(f, zone, "192.0.2.1/32", false, 2, NULL);
	store_set_commit_hook(f->z->st, NULL, NULL); /* rbltool run without dnsbld.conf */
	put(f, zone, "192.0.2.2/32", false, 2, NULL);
	store_set_commit_hook(f->z->st, xfr_journal_hook, &f->conf);
	assert_int_equal(range(f, zone, &first, &last, &records), RBL_OK);
	assert_int_not_equal(last, serial_of(f, ZONE)); /* behind: an IXFR gets the whole zone */
	uint32_t s2 = serial_of(f, ZONE);
	put(f, zone, "192.0.2.3/32", false, 2, NULL);
	assert_int_equal(range(f, zone, &first, &last, &records), RBL_OK);
	assert_int_equal(first, s2);
	assert_int_equal(records, 1);
	struct lines set = {0};
	struct apply a = {&set, 0, 0};
	assert_int_equal(chain(f, zone, s0, serial_of(f, ZONE), &a), RBL_ENOENT);
	lines_free(&set);
}

static void test_journal_max_drops_the_oldest(void **state)
{
	struct fixture *f = *state;
	uint32_t zone = f->z->zone, first, last;
	uint64_t records, bytes;
	f->conf.zones[0].journal_max = XFR_JOURNAL_MAX_MIN; /* 64 KB */
	char net[32];
	for (unsigned i = 0; i < 60; i++) { /* each a /20: 16 wildcards a /24, one in the IPv4-mapped tree, ~2.4 KB */
		snprintf(net, sizeof net, "10.%u.0.0/20", i);
		put(f, zone, net, false, 2, "a reason long enough to make each record count for something: $");
	}
	store_rtxn_t *r;
	assert_int_equal(store_read_begin(f->z->st, &r), RBL_OK);
	assert_int_equal(xfr_journal_range(r, zone, &first, &last, &records, &bytes), RBL_OK);
	store_read_end(r);
	assert_true(bytes <= XFR_JOURNAL_MAX_MIN);
	assert_true(records > 1 && records < 60);
	assert_int_equal(last, serial_of(f, ZONE));
}

static void test_a_deleted_zone_takes_its_journal_along(void **state)
{
	struct fixture *f = *state;
	uint32_t zone = f->z->zone, first, last;
	uint64_t records;
	put(f, zone, "192.0.2.1/32", false, 2, NULL);
	assert_int_equal(range(f, zone, &first, &last, &records), RBL_OK);
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->z->st, &w), RBL_OK);
	assert_int_equal(store_zone_delete(w, ZONE), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	assert_int_equal(range(f, zone, &first, &last, &records), RBL_ENOENT);
}

static void test_an_aggregate_gets_its_members_differences(void **state)
{
	struct fixture *f = *state;
	zone_def_t member, agg;
	zone_def_init(&member, "member.example", 1000);
	uint32_t member_id = fixture_zone_create(f->z->st, &member);
	zone_def_init(&agg, "agg.example", 1000);
	agg.members[agg.member_count++] = f->z->zone;
	agg.members[agg.member_count++] = member_id;
	uint32_t agg_id = fixture_zone_create(f->z->st, &agg);
	f->conf.zone_count = 2; /* the aggregate transferable, its members not */
	snprintf(f->conf.zones[1].name, sizeof f->conf.zones[1].name, "agg.example");
	f->conf.zones[1].journal_max = XFR_JOURNAL_MAX_DEFAULT;
	uint32_t s0 = serial_of(f, "agg.example");
	struct lines old = {0}, now = {0};
	zone_records(f, "agg.example", &old);
	put(f, member_id, "192.0.2.9/32", false, 7, NULL);
	put(f, f->z->zone, "192.0.2.9/32", false, 2, "the zone's own text");
	put(f, member_id, "198.51.100.0/24", false, 8, NULL);
	struct apply a = {&old, 0, 0};
	assert_int_equal(chain(f, agg_id, s0, serial_of(f, "agg.example"), &a), RBL_OK);
	assert_int_equal(a.steps, 3);
	zone_records(f, "agg.example", &now);
	expect_same(&old, &now);
	lines_free(&old);
	lines_free(&now);
}

static void test_a_chain_longer_than_the_zone_gives_the_whole_zone(void **state)
{
	struct fixture *f = *state;
	uint32_t zone = f->z->zone;
	uint32_t s0 = serial_of(f, ZONE);
	put(f, zone, "10.0.0.0/16", false, 2, NULL); /* 16 * 16 + 256 names... under one entry */
	put(f, zone, "10.0.0.7/32", true, 0, NULL);  /* opens the /16's first /24 into 255 names: ~1,000 records */
	store_rtxn_t *r;
	xfr_content_t *c = NULL;
	assert_int_equal(store_read_begin(f->z->st, &r), RBL_OK);
	assert_int_equal(xfr_content_load_ixfr(r, ZONE, s0, &c), RBL_ENOENT); /* 2 entries: 72 records at most */
	uint32_t s1 = serial_of(f, ZONE) - 1;
	assert_int_equal(xfr_content_load_ixfr(r, ZONE, s1, &c), RBL_ENOENT);
	store_read_end(r);
	put(f, zone, "192.0.2.1/32", false, 2, NULL);
	assert_int_equal(store_read_begin(f->z->st, &r), RBL_OK);
	assert_int_equal(xfr_content_load_ixfr(r, ZONE, serial_of(f, ZONE) - 1, &c), RBL_OK);
	assert_true(c->incremental);
	/* old SOA, nothing removed, new SOA, four added (A and TXT, the name and its IPv4-mapped twin) */
	assert_int_equal(ldns_rr_list_rr_count(c->rrs), 6);
	xfr_content_free(c);
	store_read_end(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_chain_applied_to_the_old_records_gives_the_new, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_chain_the_journal_does_not_hold_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_definition_change_empties_the_journal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_commit_without_the_hook_cuts_the_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_max_drops_the_oldest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_deleted_zone_takes_its_journal_along, setup, teardown),
		cmocka_unit_test_setup_teardown(test_an_aggregate_gets_its_members_differences, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_chain_longer_than_the_zone_gives_the_whole_zone, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
