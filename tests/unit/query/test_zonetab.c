/* SPDX-License-Identifier: BSD-2-Clause */
/* test_zonetab.c — the zone table: what it holds, longest-apex case-blind matching on labels, rebuilt when zone
 * definitions change, only its serials refreshed when listings do. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "query/wire.h"
#include "query/zonetab.h"
#include "store/store.h"
#include "store/store_reader.h"

#include "store_fixture.h"

struct fixture {
	char dir[64];
	store_t *st;
	store_reader_t reader;
	zonetab_t table;
};

/* A parsed question and the packet it points into. */
struct question {
	uint8_t pkt[512];
	wire_query_t q;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	fixture_store_open(f->dir, "test_zonetab", &f->st);
	assert_int_equal(store_reader_init(f->st, &f->reader), RBL_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	zonetab_free(&f->table);
	store_reader_free(&f->reader);
	fixture_store_remove(f->st, f->dir);
	free(f);
	return 0;
}

static uint32_t create_zone(struct fixture *f, const char *name)
{
	zone_def_t def;
	zone_def_init(&def, name, time(NULL));
	return fixture_zone_create(f->st, &def);
}

static void delete_zone(struct fixture *f, const char *name)
{
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_zone_delete(w, name), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
}

static void update_zone(struct fixture *f, const zone_def_t *def)
{
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_zone_update(w, def), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
}

static zone_def_t stored_zone(struct fixture *f, const char *name)
{
	zone_def_t def;
	store_rtxn_t *r;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(store_zone_get(r, name, &def), RBL_OK);
	store_read_end(r);
	return def;
}

/* One batch's refresh, as the answer path does it: inside a reader snapshot. */
static int refresh(struct fixture *f)
{
	assert_int_equal(store_reader_begin(&f->reader), RBL_OK);
	int err = zonetab_refresh(&f->table, &f->reader);
	store_reader_end(&f->reader);
	return err;
}

/* Builds an A/IN query for the wire-form name (labels and the root byte) and parses it. */
static void question_wire(struct question *qs, const uint8_t *name, size_t name_len)
{
	static const uint8_t header[WIRE_HEADER_LEN] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
	memcpy(qs->pkt, header, sizeof header);
	memcpy(qs->pkt + WIRE_HEADER_LEN, name, name_len);
	uint8_t *p = qs->pkt + WIRE_HEADER_LEN + name_len;
	*p++ = 0;
	*p++ = WIRE_T_A;
	*p++ = 0;
	*p++ = WIRE_C_IN;
	assert_int_equal(wire_parse_query(qs->pkt, (size_t)(p - qs->pkt), &qs->q), WIRE_ANSWER);
}

/* The same from text ("2.0.0.127.rbl.example"), case kept as given. */
static void question(struct question *qs, const char *text)
{
	uint8_t wire[256];
	size_t len = 0;
	for (const char *label = text; *label;) {
		const char *dot = strchr(label, '.');
		size_t n = dot ? (size_t)(dot - label) : strlen(label);
		wire[len++] = (uint8_t)n;
		memcpy(wire + len, label, n);
		len += n;
		label += n + (dot ? 1 : 0);
	}
	wire[len++] = 0;
	question_wire(qs, wire, len);
}

/* The zone text's question falls in (NULL for none); *prefix_len as zonetab_match sets it. */
static const zonetab_zone_t *match(struct fixture *f, const char *text, size_t *prefix_len)
{
	static struct question qs;
	question(&qs, text);
	*prefix_len = SIZE_MAX;
	const zonetab_zone_t *z = zonetab_match(&f->table, &qs.q, prefix_len);
	if (!z)
		assert_int_equal(*prefix_len, SIZE_MAX);
	return z;
}

static void assert_matches(struct fixture *f, const char *text, const char *zone, size_t prefix_len)
{
	size_t got;
	const zonetab_zone_t *z = match(f, text, &got);
	assert_non_null(z);
	assert_string_equal(z->name, zone);
	assert_int_equal(got, prefix_len);
}

/* Creates zones "<prefix><i>.<suffix>" for i in [0, n) in one commit. */
static void create_numbered_zones(struct fixture *f, const char *prefix, const char *suffix, unsigned n)
{
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	for (unsigned i = 0; i < n; i++) {
		char name[DNAME_TEXTMAX];
		snprintf(name, sizeof name, "%s%u.%s", prefix, i, suffix);
		zone_def_t def;
		zone_def_init(&def, name, time(NULL));
		assert_int_equal(store_zone_create(w, &def), RBL_OK);
	}
	assert_int_equal(store_write_commit(w), RBL_OK);
}

/* "a.a. ... .a.<suffix>" with n labels "a" in front. */
static void repeated_labels(char *buf, size_t size, unsigned n, const char *suffix)
{
	size_t len = 0;
	for (unsigned i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, size - len, "a.");
	snprintf(buf + len, size - len, "%s", suffix);
}

static void assert_no_match(struct fixture *f, const char *text)
{
	size_t got;
	assert_null(match(f, text, &got));
}

static void test_empty_store_loads_an_empty_table_that_matches_nothing(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(refresh(f), RBL_OK);
	assert_true(f->table.loaded);
	assert_int_equal(f->table.count, 0);
	assert_no_match(f, "2.0.0.127.rbl.example");
	assert_no_match(f, "rbl.example");
}

static void test_name_at_the_apex_matches_with_no_prefix(void **state)
{
	struct fixture *f = *state;
	create_zone(f, "rbl.example");
	assert_int_equal(refresh(f), RBL_OK);
	assert_matches(f, "rbl.example", "rbl.example", 0);
}

static void test_name_below_the_apex_matches_with_the_bytes_in_front_of_it(void **state)
{
	struct fixture *f = *state;
	create_zone(f, "rbl.example");
	assert_int_equal(refresh(f), RBL_OK);
	/* "2.0.0.127" is four labels: 1+1, 1+1, 1+1, 1+3 = 10 wire bytes in front of the apex. */
	assert_matches(f, "2.0.0.127.rbl.example", "rbl.example", 10);
	/* An IPv6 nibble name: 32 one-character labels. */
	assert_matches(f, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.rbl.example", "rbl.example",
	               64);
	assert_matches(f, "www.rbl.example", "rbl.example", 4);
}

static void test_matching_ignores_case(void **state)
{
	struct fixture *f = *state;
	create_zone(f, "rbl.example");
	assert_int_equal(refresh(f), RBL_OK);
	assert_matches(f, "RBL.EXAMPLE", "rbl.example", 0);
	assert_matches(f, "2.0.0.127.Rbl.ExAmple", "rbl.example", 10);
	assert_matches(f, "WWW.rBL.examplE", "rbl.example", 4);
}

static void test_longest_apex_wins_whatever_the_zone_order(void **state)
{
	struct fixture *f = *state;
	/* The store walks zones in name order: "a.rbl.example" comes before "rbl.example", "sub.rbl.example" after it,
	 * "example" first of all; so the longest apex is met both before and after a shorter one. */
	create_zone(f, "sub.rbl.example");
	create_zone(f, "rbl.example");
	create_zone(f, "a.rbl.example");
	create_zone(f, "example");
	assert_int_equal(refresh(f), RBL_OK);
	assert_int_equal(f->table.count, 4);
	assert_matches(f, "2.0.0.127.sub.rbl.example", "sub.rbl.example", 10);
	assert_matches(f, "2.0.0.127.a.rbl.example", "a.rbl.example", 10);
	assert_matches(f, "2.0.0.127.rbl.example", "rbl.example", 10);
	assert_matches(f, "sub.rbl.example", "sub.rbl.example", 0);
	assert_matches(f, "b.rbl.example", "rbl.example", 2);
	assert_matches(f, "2.0.0.127.other.example", "example", 16);
	assert_matches(f, "example", "example", 0);
}

static void test_apex_must_start_on_a_label_boundary(void **state)
{
	struct fixture *f = *state;
	create_zone(f, "rbl.example");
	assert_int_equal(refresh(f), RBL_OK);
	assert_no_match(f, "xrbl.example");
	assert_no_match(f, "2.0.0.127.xrbl.example");
	assert_no_match(f, "bl.example");
	assert_no_match(f, "example");
	assert_no_match(f, "rbl.example.com");
	assert_no_match(f, "rbl.example.rbl");

	/* A label holding the apex's own bytes, length byte included: "x\x03rbl\x07example" as ONE 13-byte label
	 * followed by the root ends in exactly the apex's wire form, one byte inside the label. */
	static const uint8_t inside[] = {13, 'x', 3, 'r', 'b', 'l', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
	static struct question qs;
	question_wire(&qs, inside, sizeof inside);
	size_t prefix_len = SIZE_MAX;
	assert_null(zonetab_match(&f->table, &qs.q, &prefix_len));
	assert_int_equal(prefix_len, SIZE_MAX);
}

static void test_nested_zones_each_answer_the_names_below_them_and_not_above(void **state)
{
	struct fixture *f = *state;
	create_zone(f, "a.example");
	create_zone(f, "b.a.example");
	assert_int_equal(refresh(f), RBL_OK);
	assert_matches(f, "b.a.example", "b.a.example", 0);
	assert_matches(f, "x.b.a.example", "b.a.example", 2);
	assert_matches(f, "2.0.0.127.B.a.EXAMPLE", "b.a.example", 10);
	assert_matches(f, "a.example", "a.example", 0);
	assert_matches(f, "c.a.example", "a.example", 2);
	assert_matches(f, "bb.a.example", "a.example", 3);
	assert_matches(f, "b.c.a.example", "a.example", 4);
	assert_matches(f, "b.a.b.a.example", "b.a.example", 4);
	assert_no_match(f, "example");
	assert_no_match(f, "b.a.example.net");
}

static void test_mixed_case_0x20_names_match_and_other_bytes_do_not_fold(void **state)
{
	struct fixture *f = *state;
	create_zone(f, "bl.spam-zone_1.example");
	assert_int_equal(refresh(f), RBL_OK);
	/* Every letter in either case: the apex spans three words, the last one overlapping. */
	assert_matches(f, "2.0.0.127.bL.SpAm-ZoNe_1.eXaMpLe", "bl.spam-zone_1.example", 10);
	assert_matches(f, "BL.SPAM-ZONE_1.EXAMPLE", "bl.spam-zone_1.example", 0);
	/* Bytes that differ from the apex's only in the 0x20 bit but are not letters hash alike; the comparison still
	 * tells them apart. */
	/* clang-format off */
	assert_no_match(f, "bl.spam-zone\x7f" "1.example"); /* '_' is 0x5f */
	assert_no_match(f, "bl.spam-zone_\x11.example");   /* '1' is 0x31 */
	assert_no_match(f, "bl.spam\rzone_1.example");      /* '-' is 0x2d */
	/* clang-format on */
	assert_no_match(f, "bl.spam-zone_1.exampld");
}

static void test_a_thousand_zones_each_match_their_own_names(void **state)
{
	struct fixture *f = *state;
	create_numbered_zones(f, "z", "example", 1000);
	create_zone(f, "rbl.example");
	assert_int_equal(refresh(f), RBL_OK);
	assert_int_equal(f->table.count, 1001);
	for (unsigned i = 0; i < 1000; i++) {
		char name[64], zone[64];
		snprintf(zone, sizeof zone, "z%u.example", i);
		snprintf(name, sizeof name, "2.0.0.127.Z%u.example", i);
		assert_matches(f, name, zone, 10);
		snprintf(name, sizeof name, "z%u.example.org", i);
		assert_no_match(f, name);
	}
	assert_matches(f, "2.0.0.127.rbl.example", "rbl.example", 10);
	assert_no_match(f, "2.0.0.127.z1000.example");
	assert_no_match(f, "example");
}

static void test_question_of_127_labels_matches_a_zone_of_100_labels(void **state)
{
	struct fixture *f = *state;
	char zone[256], name[256];
	repeated_labels(zone, sizeof zone, 99, "x"); /* 100 labels, 201 wire bytes with the root */
	create_zone(f, zone);
	create_zone(f, "x");
	assert_int_equal(refresh(f), RBL_OK);
	assert_int_equal(f->table.max_apex_labels, 100);
	repeated_labels(name, sizeof name, 126, "x"); /* 127 labels, 255 wire bytes: the most a name may have */
	assert_matches(f, name, zone, 54);
	repeated_labels(name, sizeof name, 98, "x"); /* one label short of the deep zone */
	assert_matches(f, name, "x", 196);
	repeated_labels(name, sizeof name, 126, "y");
	assert_no_match(f, name);
}

/* The match before the apex hash, kept as the reference: the question's lowercase copy against every apex, on a
 * label boundary, the longest apex winning (the first of equals). */
static const zonetab_zone_t *reference_match(const zonetab_t *t, const wire_query_t *q, size_t *prefix_len)
{
	uint8_t lower[255];
	for (size_t i = 0; i < q->qname_len; i++)
		lower[i] = q->qname[i] >= 'A' && q->qname[i] <= 'Z' ? (uint8_t)(q->qname[i] + 32) : q->qname[i];
	const zonetab_zone_t *best = NULL;
	for (size_t i = 0; i < t->count; i++) {
		const zonetab_zone_t *z = &t->zones[i];
		if (z->apex_len > q->qname_len || (best && z->apex_len <= best->apex_len))
			continue;
		size_t at = q->qname_len - z->apex_len;
		if (memcmp(lower + at, z->apex, z->apex_len) != 0)
			continue;
		bool boundary = at == 0;
		for (unsigned l = 0; !boundary && l < q->labels; l++)
			boundary = q->label_off[l] == at;
		if (boundary)
			best = z;
	}
	if (best)
		*prefix_len = q->qname_len - best->apex_len;
	return best;
}

static void test_random_names_match_as_the_linear_match_did(void **state)
{
	struct fixture *f = *state;
	static const char *const zones[] = {"example",
	                                    "a.example",
	                                    "b.a.example",
	                                    "rbl.example",
	                                    "x.rbl.example.net",
	                                    "net",
	                                    "bl.spam-zone_1.example",
	                                    "0.0.127.in-addr.arpa",
	                                    "x"};
	for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++)
		create_zone(f, zones[i]);
	assert_int_equal(refresh(f), RBL_OK);
	/* Labels of the zones in either case, near misses, and bytes that differ from a letter only in 0x20. */
	static const char *const pieces[] = {
	        "a",   "A",   "b",       "B",       "x",    "X",   "example",     "EXAMPLE",     "eXample",
	        "rbl", "RBL", "net",     "NeT",     "bl",   "BL",  "spam-zone_1", "SPAM-ZONE_1", "spam\rzone_1",
	        "0",   "127", "in-addr", "IN-ADDR", "arpa", "www", "examplE",     "exampl",      "\x01",
	        "@",   "`"};
	const size_t npieces = sizeof pieces / sizeof pieces[0];
	srand(4343);
	for (int round = 0; round < 20000; round++) {
		uint8_t wire[256];
		size_t len = 0;
		int labels = rand() % 9;
		for (int i = 0; i < labels; i++) {
			const char *text = pieces[(size_t)rand() % npieces];
			size_t n = strlen(text);
			wire[len++] = (uint8_t)n;
			memcpy(wire + len, text, n);
			len += n;
		}
		wire[len++] = 0;
		static struct question qs;
		question_wire(&qs, wire, len);
		size_t got_len = SIZE_MAX, want_len = SIZE_MAX;
		const zonetab_zone_t *got = zonetab_match(&f->table, &qs.q, &got_len);
		const zonetab_zone_t *want = reference_match(&f->table, &qs.q, &want_len);
		assert_ptr_equal(got, want);
		assert_int_equal(got_len, want_len);
	}
}

static void test_root_question_matches_no_zone(void **state)
{
	struct fixture *f = *state;
	create_zone(f, "rbl.example");
	assert_int_equal(refresh(f), RBL_OK);
	static const uint8_t root[] = {0};
	static struct question qs;
	question_wire(&qs, root, sizeof root);
	size_t prefix_len = SIZE_MAX;
	assert_null(zonetab_match(&f->table, &qs.q, &prefix_len));
	assert_int_equal(prefix_len, SIZE_MAX);
}

static void test_unrelated_name_matches_nothing(void **state)
{
	struct fixture *f = *state;
	create_zone(f, "rbl.example");
	create_zone(f, "bl.example.org");
	assert_int_equal(refresh(f), RBL_OK);
	assert_no_match(f, "2.0.0.127.zen.example.net");
	assert_no_match(f, "org");
	assert_no_match(f, "example.org");
}

static void test_zone_holds_its_definition_in_wire_form(void **state)
{
	struct fixture *f = *state;
	zone_def_t def;
	zone_def_init(&def, "rbl.example", time(NULL));
	snprintf(def.mname, sizeof def.mname, "ns1.rbl.example");
	snprintf(def.rname, sizeof def.rname, "abuse.rbl.example");
	def.refresh = 0x01020304u;
	def.retry = 0x05060708u;
	def.expire = 0x090a0b0cu;
	def.minimum = 120;
	def.ttl = 1800;
	def.default_code = 0x7f00000au;
	def.ns_count = 2;
	snprintf(def.ns[0], sizeof def.ns[0], "ns1.rbl.example");
	snprintf(def.ns[1], sizeof def.ns[1], "NS2.Example.NET.");
	snprintf(def.txt, sizeof def.txt, "Listed: $");
	uint32_t id = fixture_zone_create(f->st, &def);
	zone_def_t stored = stored_zone(f, "rbl.example");
	assert_int_equal(refresh(f), RBL_OK);

	assert_int_equal(f->table.count, 1);
	const zonetab_zone_t *z = &f->table.zones[0];
	assert_int_equal(z->id, id);
	assert_string_equal(z->name, "rbl.example");
	assert_int_equal(z->ttl, 1800);
	assert_int_equal(z->minimum, 120);
	assert_int_equal(z->default_code, 0x7f00000au);
	static const uint8_t apex[] = {3, 'r', 'b', 'l', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
	assert_int_equal(z->apex_len, sizeof apex);
	assert_memory_equal(z->apex, apex, sizeof apex);

	/* SOA: MNAME, RNAME, then serial, refresh, retry, expire, minimum as 32-bit big-endian. */
	uint8_t soa[ZONETAB_SOA_RDATA_MAX];
	size_t n = 0;
	static const uint8_t mname[] = {3, 'n', 's', '1', 3, 'r', 'b', 'l', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
	static const uint8_t rname[] = {5, 'a', 'b', 'u', 's', 'e', 3,   'r', 'b', 'l',
	                                7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
	memcpy(soa + n, mname, sizeof mname);
	n += sizeof mname;
	memcpy(soa + n, rname, sizeof rname);
	n += sizeof rname;
	const uint32_t numbers[5] = {stored.serial, def.refresh, def.retry, def.expire, def.minimum};
	for (int i = 0; i < 5; i++)
		for (int shift = 24; shift >= 0; shift -= 8)
			soa[n++] = (uint8_t)(numbers[i] >> shift);
	assert_int_equal(z->soa_rdlen, n);
	assert_memory_equal(z->soa_rdata, soa, n);

	assert_int_equal(z->ns_count, 2);
	assert_int_equal(z->ns_rdlen[0], sizeof mname);
	assert_memory_equal(z->ns_rdata[0], mname, sizeof mname);
	static const uint8_t ns2[] = {3, 'n', 's', '2', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'n', 'e', 't', 0};
	assert_int_equal(z->ns_rdlen[1], sizeof ns2); /* lowercased, trailing dot dropped */
	assert_memory_equal(z->ns_rdata[1], ns2, sizeof ns2);

	assert_string_equal(z->txt, "Listed: $");
	assert_int_equal(z->txt_len, strlen("Listed: $"));
	assert_int_equal(z->member_count, 0);
}

static void test_zone_created_after_loading_is_served_from_the_next_refresh(void **state)
{
	struct fixture *f = *state;
	create_zone(f, "rbl.example");
	assert_int_equal(refresh(f), RBL_OK);
	assert_no_match(f, "2.0.0.127.new.example");

	create_zone(f, "new.example");
	assert_no_match(f, "2.0.0.127.new.example"); /* the table is a snapshot until refreshed */
	assert_int_equal(refresh(f), RBL_OK);
	assert_matches(f, "2.0.0.127.new.example", "new.example", 10);
	assert_matches(f, "2.0.0.127.rbl.example", "rbl.example", 10);
}

static void test_deleted_zone_is_gone_after_refresh(void **state)
{
	struct fixture *f = *state;
	create_zone(f, "rbl.example");
	create_zone(f, "sub.rbl.example");
	assert_int_equal(refresh(f), RBL_OK);
	assert_matches(f, "2.0.0.127.sub.rbl.example", "sub.rbl.example", 10);

	delete_zone(f, "sub.rbl.example");
	assert_int_equal(refresh(f), RBL_OK);
	assert_int_equal(f->table.count, 1);
	/* The name now falls in the zone above it. */
	assert_matches(f, "2.0.0.127.sub.rbl.example", "rbl.example", 14);
}

static void test_changed_definition_is_seen_after_refresh(void **state)
{
	struct fixture *f = *state;
	create_zone(f, "rbl.example");
	assert_int_equal(refresh(f), RBL_OK);
	assert_int_equal(f->table.zones[0].ttl, ZONE_DEFAULT_TTL);

	zone_def_t def = stored_zone(f, "rbl.example");
	def.ttl = 60;
	def.default_code = 0x7f000004u;
	update_zone(f, &def);
	assert_int_equal(refresh(f), RBL_OK);
	assert_int_equal(f->table.count, 1);
	assert_int_equal(f->table.zones[0].ttl, 60);
	assert_int_equal(f->table.zones[0].default_code, 0x7f000004u);
}

/* The serial in z's SOA rdata, as an answer would carry it (read from the store if the snapshot moved). */
static uint32_t served_serial(struct fixture *f, const zonetab_zone_t *z)
{
	assert_int_equal(store_reader_begin(&f->reader), RBL_OK);
	z = zonetab_soa_current(&f->table, &f->reader, z);
	store_reader_end(&f->reader);
	const uint8_t *p = z->soa_rdata + z->soa_serial_off;
	assert_int_equal(z->soa_serial_off + 20, z->soa_rdlen);
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void add_listing(struct fixture *f, uint32_t zone_id, const char *net)
{
	entry_t e;
	memset(&e, 0, sizeof e);
	assert_int_equal(cidr_parse(net, &e.net), RBL_OK);
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_entry_put(w, zone_id, &e), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
}

static void test_refresh_with_nothing_committed_keeps_the_table(void **state)
{
	struct fixture *f = *state;
	create_zone(f, "rbl.example");
	assert_int_equal(refresh(f), RBL_OK);
	assert_int_equal(f->table.rebuilds, 1);
	f->table.zones[0].ttl = 4242; /* a mark the store does not hold */
	assert_int_equal(refresh(f), RBL_OK);
	assert_int_equal(f->table.rebuilds, 1);
	assert_int_equal(f->table.zones[0].ttl, 4242);
}

static void test_listing_commit_moves_the_served_serial_without_a_rebuild(void **state)
{
	struct fixture *f = *state;
	uint32_t id = create_zone(f, "rbl.example");
	uint32_t other = create_zone(f, "other.example");
	assert_int_equal(refresh(f), RBL_OK);
	assert_int_equal(f->table.rebuilds, 1);
	uint64_t generation = f->table.generation;
	const zonetab_zone_t *z = &f->table.zones[0], *o = &f->table.zones[1];
	if (z->id != id) {
		const zonetab_zone_t *swap = z;
		z = o;
		o = swap;
	}
	assert_int_equal(served_serial(f, z), stored_zone(f, "rbl.example").serial);
	f->table.zones[0].ttl = 4242; /* a mark the store does not hold: survives as long as the table does */

	for (int i = 0; i < 3; i++) {
		uint32_t before = stored_zone(f, "rbl.example").serial;
		add_listing(f, id, i == 1 ? "192.0.2.2" : "192.0.2.1");
		uint32_t after = stored_zone(f, "rbl.example").serial;
		assert_int_not_equal(after, before);
		assert_int_equal(refresh(f), RBL_OK);
		assert_int_equal(f->table.rebuilds, 1); /* the definitions did not change: no zone was read again */
		assert_int_equal(f->table.generation, generation);
		assert_int_equal(f->table.zones[0].ttl, 4242);
		assert_int_equal(served_serial(f, z), after);
		assert_int_equal(served_serial(f, o), stored_zone(f, "other.example").serial);
	}
	add_listing(f, other, "198.51.100.1");
	assert_int_equal(refresh(f), RBL_OK);
	assert_int_equal(f->table.rebuilds, 1);
	assert_int_equal(served_serial(f, o), stored_zone(f, "other.example").serial);
	assert_int_equal(served_serial(f, z), stored_zone(f, "rbl.example").serial);
}

static void test_definition_change_rebuilds_the_table(void **state)
{
	struct fixture *f = *state;
	create_zone(f, "rbl.example");
	assert_int_equal(refresh(f), RBL_OK);
	uint64_t generation = f->table.generation;
	f->table.zones[0].ttl = 4242;

	zone_def_t def = stored_zone(f, "rbl.example");
	update_zone(f, &def); /* written again unchanged (an import's $SOA line): the serial moves, the table stays */
	assert_int_equal(refresh(f), RBL_OK);
	assert_int_equal(f->table.rebuilds, 1);
	assert_int_equal(served_serial(f, &f->table.zones[0]), stored_zone(f, "rbl.example").serial);

	def = stored_zone(f, "rbl.example");
	def.ttl = 60; /* zone set --ttl 60 */
	update_zone(f, &def);
	assert_int_equal(refresh(f), RBL_OK);
	assert_int_equal(f->table.rebuilds, 2);
	assert_true(f->table.generation != generation);
	assert_int_equal(f->table.zones[0].ttl, 60);
	assert_int_equal(served_serial(f, &f->table.zones[0]), stored_zone(f, "rbl.example").serial);

	create_zone(f, "new.example");
	assert_int_equal(refresh(f), RBL_OK);
	assert_int_equal(f->table.rebuilds, 3);
	delete_zone(f, "new.example");
	assert_int_equal(refresh(f), RBL_OK);
	assert_int_equal(f->table.rebuilds, 4);
	assert_int_equal(f->table.count, 1);
}

static void test_aggregate_members_resolve_and_missing_ones_are_dropped(void **state)
{
	struct fixture *f = *state;
	uint32_t spam = create_zone(f, "spam.rbl.example");
	uint32_t relays = create_zone(f, "relays.rbl.example");
	zone_def_t agg;
	zone_def_init(&agg, "rbl.example", time(NULL));
	agg.member_count = 3;
	agg.members[0] = relays;
	agg.members[1] = 999999; /* no such zone */
	agg.members[2] = spam;
	uint32_t agg_id = fixture_zone_create(f->st, &agg);
	/* An aggregate naming itself as a member. */
	agg = stored_zone(f, "rbl.example");
	agg.members[agg.member_count++] = agg_id;
	update_zone(f, &agg);
	assert_int_equal(refresh(f), RBL_OK);

	size_t prefix_len;
	const zonetab_zone_t *z = match(f, "2.0.0.127.rbl.example", &prefix_len);
	assert_non_null(z);
	assert_int_equal(z->id, agg_id);
	assert_int_equal(z->member_count, 2);
	assert_non_null(z->members[0]);
	assert_non_null(z->members[1]);
	assert_int_equal(z->members[0]->id, relays);
	assert_string_equal(z->members[0]->name, "relays.rbl.example");
	assert_int_equal(z->members[1]->id, spam);
	assert_string_equal(z->members[1]->name, "spam.rbl.example");
	/* Members sit below the aggregate and are matched as zones of their own. */
	assert_matches(f, "2.0.0.127.spam.rbl.example", "spam.rbl.example", 10);
}

static void test_zone_with_an_unusable_name_is_skipped_and_the_others_served(void **state)
{
	struct fixture *f = *state;
	create_zone(f, "rbl.example");
	zone_def_t broken;
	zone_def_init(&broken, "broken.example", time(NULL));
	broken.ns_count = 1;
	snprintf(broken.ns[0], sizeof broken.ns[0], "ns1..example"); /* an empty label: no wire form */
	fixture_zone_create(f->st, &broken);
	assert_int_equal(refresh(f), RBL_OK);
	assert_int_equal(f->table.count, 1);
	assert_matches(f, "2.0.0.127.rbl.example", "rbl.example", 10);
	assert_no_match(f, "2.0.0.127.broken.example");
}

static void test_free_leaves_an_empty_unloaded_table(void **state)
{
	struct fixture *f = *state;
	create_zone(f, "rbl.example");
	assert_int_equal(refresh(f), RBL_OK);
	assert_int_equal(f->table.count, 1);
	zonetab_free(&f->table);
	assert_null(f->table.zones);
	assert_int_equal(f->table.count, 0);
	assert_false(f->table.loaded);
	assert_no_match(f, "2.0.0.127.rbl.example");
	/* And it loads again from scratch. */
	assert_int_equal(refresh(f), RBL_OK);
	assert_matches(f, "2.0.0.127.rbl.example", "rbl.example", 10);
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        TEST(test_empty_store_loads_an_empty_table_that_matches_nothing),
	        TEST(test_name_at_the_apex_matches_with_no_prefix),
	        TEST(test_name_below_the_apex_matches_with_the_bytes_in_front_of_it),
	        TEST(test_matching_ignores_case),
	        TEST(test_longest_apex_wins_whatever_the_zone_order),
	        TEST(test_apex_must_start_on_a_label_boundary),
	        TEST(test_nested_zones_each_answer_the_names_below_them_and_not_above),
	        TEST(test_mixed_case_0x20_names_match_and_other_bytes_do_not_fold),
	        TEST(test_a_thousand_zones_each_match_their_own_names),
	        TEST(test_question_of_127_labels_matches_a_zone_of_100_labels),
	        TEST(test_random_names_match_as_the_linear_match_did),
	        TEST(test_root_question_matches_no_zone),
	        TEST(test_unrelated_name_matches_nothing),
	        TEST(test_zone_holds_its_definition_in_wire_form),
	        TEST(test_zone_created_after_loading_is_served_from_the_next_refresh),
	        TEST(test_deleted_zone_is_gone_after_refresh),
	        TEST(test_changed_definition_is_seen_after_refresh),
	        TEST(test_refresh_with_nothing_committed_keeps_the_table),
	        TEST(test_listing_commit_moves_the_served_serial_without_a_rebuild),
	        TEST(test_definition_change_rebuilds_the_table),
	        TEST(test_aggregate_members_resolve_and_missing_ones_are_dropped),
	        TEST(test_zone_with_an_unusable_name_is_skipped_and_the_others_served),
	        TEST(test_free_leaves_an_empty_unloaded_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
