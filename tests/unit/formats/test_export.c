/* SPDX-License-Identifier: BSD-2-Clause */
/* test_export.c — rbltool export's writers (export_rbldnsd.c, export_bind.c) on a temp store with nested CIDRs,
 * exclusions, IPv6, no-text, multi-code and expired entries: the rbldnsd file and a small master file checked line by
 * line; the bigger master file parsed with ldns (a valid zone) and resolved name by name, with RFC 4592 wildcard
 * rules, against what answer_packet (dnsbld) answers for the same addresses. */
#include "query/answer.h"
#include "base/err.h"
#include "formats/export.h"
#include "base/revname.h"
#include "store/store.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ZONE "unit.rbl.test"
#define SMALL "small.rbl.test"
#define OTHER "other.rbl.test"
#define AGG "all.rbl.test"
#define TEMPLATE "Listed $ ($$)"
#define OUT_CAP 65535

struct fixture {
	char dir[64];
	store_t *st;
	int64_t now;
	char *text; /* the last export, freed by the next one or by teardown */
	size_t len;
	char notes[8192];
	export_stats_t stats;
	uint8_t out[OUT_CAP];
};

static uint32_t create_zone(struct fixture *f, const char *name, const char *tmpl, bool ns, const uint32_t *members,
			    unsigned member_count)
{
	zone_def_t def;
	zone_def_init(&def, name, f->now);
	if (ns) {
		def.ns_count = 1;
		snprintf(def.ns[0], sizeof def.ns[0], "ns1.example.org");
		snprintf(def.mname, sizeof def.mname, "ns1.example.org");
		snprintf(def.rname, sizeof def.rname, "hostmaster.example.org");
	}
	def.ttl = 600;
	snprintf(def.txt, sizeof def.txt, "%s", tmpl);
	for (unsigned i = 0; i < member_count; i++)
		def.members[def.member_count++] = members[i];
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_zone_create(w, &def), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	return def.id;
}

/* One entry; codes are the last octet of 127.0.0.x, 0 ends them. */
struct listing {
	const char *net;
	uint8_t codes[4];
	uint8_t flags;
	int64_t expires;
	const char *reason;
};

static void put(struct fixture *f, uint32_t zone, const struct listing *l)
{
	entry_t e;
	memset(&e, 0, sizeof e);
	assert_int_equal(cidr_parse(l->net, &e.net), RBL_OK);
	for (unsigned i = 0; i < 4 && l->codes[i]; i++)
		e.codes[e.ncodes++] = 0x7f000000u | l->codes[i];
	e.flags = l->flags;
	e.expires = l->expires;
	snprintf(e.reason, sizeof e.reason, "%s", l->reason ? l->reason : "");
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_entry_put(w, zone, &e), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
}

#define PUT(f, zone, ...) put((f), (zone), &(struct listing){.net = __VA_ARGS__})

static char long_reason[301];

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->now = time(NULL);
	snprintf(f->dir, sizeof f->dir, "/tmp/test_export.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(store_open(f->dir, STORE_CREATE, &f->st), RBL_OK);

	uint32_t z = create_zone(f, ZONE, TEMPLATE, true, NULL, 0);
	PUT(f, z, "10.0.0.0/8", {4});
	PUT(f, z, "10.1.0.0/16", {5}, .reason = "sub $ \"q\" \\ back");
	PUT(f, z, "10.1.2.128/28", .flags = ENTRY_EXCLUDE);
	PUT(f, z, "192.0.2.1");
	PUT(f, z, "192.0.2.9", {2, 10, 11});
	PUT(f, z, "192.0.2.7", .flags = ENTRY_NOTEXT);
	PUT(f, z, "192.0.2.20", .expires = f->now - 100, .reason = "expired");
	PUT(f, z, "198.51.100.0/24", .reason = "net $1 and $$");
	PUT(f, z, "198.51.100.77", .reason = "host $1");
	PUT(f, z, "203.0.113.5", .reason = "=eq");
	PUT(f, z, "127.0.0.1", .reason = "never served");
	PUT(f, z, "2001:db8::/32", {7});
	PUT(f, z, "2001:db8:1::/48", .flags = ENTRY_EXCLUDE);
	PUT(f, z, "2001:db8::1", {2, 3});

	uint32_t s = create_zone(f, SMALL, "T $", false, NULL, 0);
	memset(long_reason, 'x', 300);
	PUT(f, s, "192.0.2.1", .reason = "say \"hi\" \\ $");
	PUT(f, s, "192.0.2.2", .reason = long_reason);
	PUT(f, s, "198.51.100.0/24", {3});
	PUT(f, s, "2001:db8::1", .flags = ENTRY_NOTEXT);

	uint32_t o = create_zone(f, OTHER, "other $", true, NULL, 0);
	PUT(f, o, "192.0.2.1", {20});
	PUT(f, o, "10.1.2.130", {21});
	uint32_t members[2] = {z, o};
	uint32_t a = create_zone(f, AGG, TEMPLATE, true, members, 2);
	PUT(f, a, "203.0.113.99", {30});
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	free(f->text);
	store_close(f->st);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void collect_note(void *ctx, const char *note)
{
	struct fixture *f = ctx;
	size_t n = strlen(f->notes);
	snprintf(f->notes + n, sizeof f->notes - n, "%s\n", note);
}

static int run_export(struct fixture *f, const char *zone, enum export_format format)
{
	free(f->text);
	f->text = NULL;
	f->notes[0] = '\0';
	FILE *out = open_memstream(&f->text, &f->len);
	assert_non_null(out);
	export_opts_t opts = {.now = f->now, .note = collect_note, .note_ctx = f};
	store_rtxn_t *r;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	int err = format == EXPORT_BIND ? export_bind(r, zone, &opts, out, &f->stats)
					: export_rbldnsd(r, zone, &opts, out, &f->stats);
	store_read_end(r);
	fclose(out);
	return err;
}

static uint32_t serial_of(struct fixture *f, const char *zone)
{
	zone_def_t def;
	store_rtxn_t *r;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(store_zone_get(r, zone, &def), RBL_OK);
	store_read_end(r);
	return def.serial;
}

/* The export, line by line, against expected (NULL-terminated); "%u" in a line stands for the zone's serial. */
static void expect_lines(struct fixture *f, const char *zone, const char *const *expected)
{
	char *save = NULL, *copy = strdup(f->text);
	assert_non_null(copy);
	char *line = strtok_r(copy, "\n", &save);
	unsigned serial = serial_of(f, zone), n = 0;
	for (; expected[n]; n++, line = strtok_r(NULL, "\n", &save)) {
		char want[2048];
		snprintf(want, sizeof want, expected[n], serial, serial);
		if (!line || strcmp(line, want) != 0) {
			print_error("line %u: got  \"%s\"\n        want \"%s\"\n", n + 1, line ? line : "(end)", want);
			free(copy);
			fail();
		}
	}
	if (line)
		print_error("line %u: unexpected \"%s\"\n", n + 1, line);
	bool extra = line != NULL;
	free(copy);
	assert_false(extra);
}

static void test_rbldnsd_file_line_by_line(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(run_export(f, ZONE, EXPORT_RBLDNSD), RBL_OK);
	static const char *const expected[] = {
		"# rbldnsd dataset of zone unit.rbl.test, exported from the dnsbld store at serial %u: 14 entries,",
		"# 1 expired ones left out, the RFC 5782 test points explicit.",
		"# Load it with: rbldnsd ... unit.rbl.test:combined:THIS-FILE",
		"$SOA 600 ns1.example.org hostmaster.example.org %u 3600 600 604800 300",
		"$NS 600 ns1.example.org",
		"$TTL 600",
		"$DATASET ip4trie:dnsbld @",
		"10.0.0.0/8 :127.0.0.4:Listed $ ($$)",
		"10.1.0.0/16 :127.0.0.5:sub $ \"q\" \\ back",
		"!10.1.2.128/28",
		"# RFC 5782 test point: dnsbld never lists 127.0.0.1",
		"!127.0.0.1/32",
		"# RFC 5782 test point: dnsbld lists 127.0.0.2 in every zone",
		"127.0.0.2/32 :127.0.0.2:$ is the RFC 5782 test point of this list",
		"192.0.2.1/32 :127.0.0.2:Listed $ ($$)",
		"192.0.2.7/32 :127.0.0.2:",
		"192.0.2.9/32 :127.0.0.2:Listed $ ($$)",
		"198.51.100.0/24 :127.0.0.2:net $1 and $$",
		"198.51.100.77/32 :127.0.0.2:host 198.51.100.771",
		"203.0.113.5/32 :127.0.0.2:==eq",
		"$DATASET ip4trie:dnsbld-code2 @",
		"192.0.2.9/32 :127.0.0.10:",
		"$DATASET ip4trie:dnsbld-code3 @",
		"192.0.2.9/32 :127.0.0.11:",
		"$DATASET ip6trie:dnsbld @",
		"2001:db8::/32 :127.0.0.7:Listed $ ($$)",
		"2001:db8::1/128 :127.0.0.2:Listed $ ($$)",
		"!2001:db8:1::/48",
		"$DATASET ip6trie:dnsbld-code2 @",
		"2001:db8::1/128 :127.0.0.3:",
		NULL,
	};
	expect_lines(f, ZONE, expected);
	assert_int_equal(f->stats.entries, 14);
	assert_int_equal(f->stats.expired, 1);
	assert_int_equal(f->stats.records, 17); /* 14 in the main sections, 3 in the code sections */
	assert_int_equal(f->stats.bytes, f->len);
	assert_non_null(strstr(f->notes, "192.0.2.9/32: 3 codes"));
	assert_non_null(strstr(f->notes, "2001:db8::1/128: 2 codes"));
	assert_non_null(strstr(f->notes, "198.51.100.0/24: rbldnsd reads"));
	assert_null(strstr(f->notes, "198.51.100.77/32: rbldnsd reads")); /* expanded here: exact */
	assert_int_equal(f->stats.notes, 3);
}

static void test_rbldnsd_aggregate_has_a_section_set_per_source(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(run_export(f, AGG, EXPORT_RBLDNSD), RBL_OK);
	assert_non_null(strstr(f->text, "$DATASET ip4trie:dnsbld @\n# RFC 5782 test point: dnsbld lists 127.0.0.2 in "
					"every zone\n127.0.0.2/32 :127.0.0.2:$ is the RFC 5782 test point of this list\n"
					"203.0.113.99/32 :127.0.0.30:Listed $ ($$)\n$DATASET ip6trie:dnsbld @\n"));
	assert_non_null(strstr(f->text, "# member zone unit.rbl.test: dnsbld answers for its entries too\n"
					"$DATASET ip4trie:member1 @\n10.0.0.0/8 :127.0.0.4:Listed $ ($$)\n"));
	assert_non_null(strstr(f->text, "# member zone other.rbl.test: dnsbld answers for its entries too\n"
					"$DATASET ip4trie:member2 @\n10.1.2.130/32 :127.0.0.21:other $\n"
					"192.0.2.1/32 :127.0.0.20:other $\n$DATASET ip6trie:member2 @\n"));
	/* The built-in test point once, in the aggregate's own section: no source lists 127.0.0.2. */
	char *first = strstr(f->text, "127.0.0.2/32");
	assert_non_null(first);
	assert_null(strstr(first + 1, "127.0.0.2/32"));
}

static void test_bind_small_zone_line_by_line(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(run_export(f, SMALL, EXPORT_BIND), RBL_OK);
	static char long1[400], long2[400];
	snprintf(long1, sizeof long1, "\tTXT\t\"%.255s\" \"%.45s\"", long_reason, long_reason);
	memcpy(long2, long1, sizeof long1);
	const char *const expected[] = {
		"; zone small.rbl.test, exported from the dnsbld store at serial %u: 5 entries, 0 expired ones left out,",
		"; the RFC 5782 test points explicit, IPv4 repeated under ::ffff:0:0/96.",
		"$ORIGIN small.rbl.test.",
		"$TTL 600",
		"@\tIN\tSOA\tlocalhost. hostmaster.small.rbl.test. %u 3600 600 604800 300",
		"\tIN\tNS\tlocalhost.",
		"2.0.0.127\tA\t127.0.0.2",
		"\tTXT\t\"127.0.0.2 is the RFC 5782 test point of this list\"",
		"1.2.0.192\tA\t127.0.0.2",
		"\tTXT\t\"say \\\"hi\\\" \\\\ 192.0.2.1\"",
		"2.2.0.192\tA\t127.0.0.2",
		long1,
		"*.100.51.198\tA\t127.0.0.3",
		"\tTXT\t\"T 198.51.100.0/24\"",
		"2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0\tA\t127.0.0.2",
		"\tTXT\t\"127.0.0.2 is the RFC 5782 test point of this list\"",
		"1.0.2.0.0.0.0.c.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0\tA\t127.0.0.2",
		"\tTXT\t\"say \\\"hi\\\" \\\\ 192.0.2.1\"",
		"2.0.2.0.0.0.0.c.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0\tA\t127.0.0.2",
		long2,
		"*.4.6.3.3.6.c.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0\tA\t127.0.0.3",
		"\tTXT\t\"T 198.51.100.0/24\"",
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2\tA\t127.0.0.2",
		NULL,
	};
	expect_lines(f, SMALL, expected);
	assert_int_equal(f->stats.names, 9);
	assert_int_equal(f->stats.wildcards, 2);
	assert_int_equal(f->stats.records, 2 + 9 + 8); /* SOA, NS; 9 A; 8 TXT */
	assert_non_null(strstr(f->notes, "the zone has no NS"));
	assert_non_null(strstr(f->notes, "1 entry answers under wildcard names"));
}

/* --- the bigger master file, resolved like a server would ------------------------------------------------------- */

struct zone_view {
	ldns_zone *zone;
	ldns_rdf *origin;
};

static bool owner_exists(const struct zone_view *v, const ldns_rdf *name)
{
	const ldns_rr_list *rrs = ldns_zone_rrs(v->zone);
	for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		const ldns_rdf *owner = ldns_rr_owner(ldns_rr_list_rr(rrs, i));
		if (ldns_dname_compare(owner, name) == 0 || ldns_dname_is_subdomain(owner, name))
			return true;
	}
	return ldns_dname_compare(name, v->origin) == 0;
}

/* What the zone answers for name and type, RFC 4592: "RCODE|sorted A set|sorted TXT set"; *wildcard tells whether a
 * wildcard answered. */
static void zone_answer(const struct zone_view *v, const char *text, ldns_rr_type type, char *buf, size_t cap,
			bool *wildcard)
{
	ldns_rdf *name = ldns_dname_new_frm_str(text), *source = NULL;
	assert_non_null(name);
	*wildcard = false;
	const char *rcode = "NXDOMAIN";
	if (owner_exists(v, name)) {
		source = ldns_rdf_clone(name);
		rcode = "NOERROR";
	} else {
		ldns_rdf *encloser = ldns_dname_left_chop(name);
		while (encloser && !owner_exists(v, encloser)) {
			ldns_rdf *up = ldns_dname_left_chop(encloser);
			ldns_rdf_deep_free(encloser);
			encloser = up;
		}
		if (encloser) {
			ldns_rdf *star = ldns_dname_new_frm_str("*");
			ldns_rdf *wild = ldns_dname_cat_clone(star, encloser);
			ldns_rdf_deep_free(star);
			ldns_rdf_deep_free(encloser);
			const ldns_rr_list *rrs = ldns_zone_rrs(v->zone);
			for (size_t i = 0; i < ldns_rr_list_rr_count(rrs) && !source; i++)
				if (ldns_dname_compare(ldns_rr_owner(ldns_rr_list_rr(rrs, i)), wild) == 0)
					source = ldns_rdf_clone(wild);
			ldns_rdf_deep_free(wild);
			if (source) {
				rcode = "NOERROR";
				*wildcard = true;
			}
		}
	}
	char *items[64];
	size_t n = 0;
	const ldns_rr_list *rrs = ldns_zone_rrs(v->zone);
	for (size_t i = 0; source && i < ldns_rr_list_rr_count(rrs) && n < 64; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		if (ldns_rr_get_type(rr) != type || ldns_dname_compare(ldns_rr_owner(rr), source) != 0)
			continue;
		items[n] = calloc(1, 4096);
		for (size_t j = 0; j < ldns_rr_rd_count(rr); j++) {
			const ldns_rdf *rd = ldns_rr_rdf(rr, j);
			if (type == LDNS_RR_TYPE_A) {
				char *s = ldns_rdf2str(rd);
				strcat(items[n], s);
				free(s);
			} else
				strncat(items[n], (const char *)ldns_rdf_data(rd) + 1, ldns_rdf_data(rd)[0]);
		}
		n++;
	}
	ldns_rdf_deep_free(source);
	ldns_rdf_deep_free(name);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(items[j - 1], items[j]) > 0; j--) {
			char *t = items[j];
			items[j] = items[j - 1];
			items[j - 1] = t;
		}
	size_t len = (size_t)snprintf(buf, cap, "%s|", rcode);
	for (size_t i = 0; i < n; i++) {
		len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? "#" : "", items[i]);
		free(items[i]);
	}
}

/* What dnsbld answers, the same way. */
static void dnsbld_answer(struct fixture *f, answer_ctx_t *ctx, const char *text, ldns_rr_type type, char *buf,
			  size_t cap)
{
	ldns_pkt *query = ldns_pkt_query_new(ldns_dname_new_frm_str(text), type, LDNS_RR_CLASS_IN, 0);
	assert_non_null(query);
	uint8_t *wire = NULL;
	size_t wire_len = 0;
	assert_int_equal(ldns_pkt2wire(&wire, query, &wire_len), LDNS_STATUS_OK);
	ldns_pkt_free(query);
	assert_int_equal(answer_batch_begin(ctx), RBL_OK);
	size_t len = answer_packet(ctx, wire, wire_len, f->out, sizeof f->out, true);
	answer_batch_end(ctx);
	free(wire);
	ldns_pkt *r = NULL;
	assert_int_equal(ldns_wire2pkt(&r, f->out, len), LDNS_STATUS_OK);
	char *rcode = ldns_pkt_rcode2str(ldns_pkt_get_rcode(r));
	size_t n = (size_t)snprintf(buf, cap, "%s|", rcode);
	free(rcode);
	char *items[64];
	size_t count = 0;
	const ldns_rr_list *answer = ldns_pkt_answer(r);
	for (size_t i = 0; i < ldns_rr_list_rr_count(answer) && count < 64; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(answer, i);
		if (ldns_rr_get_type(rr) != type)
			continue;
		items[count] = calloc(1, 4096);
		for (size_t j = 0; j < ldns_rr_rd_count(rr); j++) {
			const ldns_rdf *rd = ldns_rr_rdf(rr, j);
			if (type == LDNS_RR_TYPE_A) {
				char *s = ldns_rdf2str(rd);
				strcat(items[count], s);
				free(s);
			} else
				strncat(items[count], (const char *)ldns_rdf_data(rd) + 1, ldns_rdf_data(rd)[0]);
		}
		count++;
	}
	ldns_pkt_free(r);
	for (size_t i = 1; i < count; i++)
		for (size_t j = i; j > 0 && strcmp(items[j - 1], items[j]) > 0; j--) {
			char *t = items[j];
			items[j] = items[j - 1];
			items[j - 1] = t;
		}
	for (size_t i = 0; i < count; i++) {
		n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? "#" : "", items[i]);
		free(items[i]);
	}
}

static void replace_all(char *s, size_t cap, const char *from, const char *to)
{
	char out[8192] = "";
	size_t n = 0, from_len = strlen(from);
	for (const char *p = s; *p && n + 64 < sizeof out;) {
		if (strncmp(p, from, from_len) == 0) {
			n += (size_t)snprintf(out + n, sizeof out - n, "%s", to);
			p += from_len;
		} else
			out[n++] = *p++;
	}
	out[n] = '\0';
	snprintf(s, cap, "%s", out);
}

static void parse_zone(struct fixture *f, struct zone_view *v)
{
	FILE *in = fmemopen(f->text, f->len, "r");
	assert_non_null(in);
	int line = 0;
	ldns_status status = ldns_zone_new_frm_fp_l(&v->zone, in, NULL, 0, LDNS_RR_CLASS_IN, &line);
	fclose(in);
	if (status != LDNS_STATUS_OK)
		print_error("ldns: %s at line %d\n", ldns_get_errorstr_by_id(status), line);
	assert_int_equal(status, LDNS_STATUS_OK);
	v->origin = ldns_rr_owner(ldns_zone_soa(v->zone));
}

static void test_bind_zone_is_valid_for_ldns(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(run_export(f, ZONE, EXPORT_BIND), RBL_OK);
	struct zone_view v;
	parse_zone(f, &v);
	assert_non_null(ldns_zone_soa(v.zone));
	/* Every record but the SOA is in the zone's list: nothing was dropped or merged. */
	assert_int_equal(ldns_rr_list_rr_count(ldns_zone_rrs(v.zone)) + 1, f->stats.records);
	assert_int_equal(f->stats.bytes, f->len);
	ldns_zone_deep_free(v.zone);
}

/* The addresses every answer is compared for: listed, unlisted, excluded, boundaries, IPv6, IPv4-mapped. */
static const char *const probe_names[] = {
	"1.2.0.192", "2.2.0.192", "7.2.0.192", "9.2.0.192", "20.2.0.192", "0.0.0.10", "255.255.255.10", "7.6.5.10",
	"0.0.1.10", "0.2.1.10", "127.2.1.10", "128.2.1.10", "143.2.1.10", "144.2.1.10", "255.255.1.10", "0.0.2.10",
	"255.255.255.9", "0.0.0.11", "0.100.51.198", "77.100.51.198", "255.100.51.198", "5.113.0.203", "1.0.0.127",
	"2.0.0.127", "3.0.0.127",
	/* 2001:db8::1, 2001:db8::2, 2001:db8:1::5, 2001:db8:2::, 2001:db9:: */
	"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2",
	"2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2",
	"5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2",
	"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.8.b.d.0.1.0.0.2",
	"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.9.b.d.0.1.0.0.2",
	/* ::ffff:192.0.2.1, ::ffff:10.1.2.130, ::ffff:10.7.7.7, ::ffff:127.0.0.2, ::ffff:127.0.0.1 */
	"1.0.2.0.0.0.0.c.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0",
	"2.8.2.0.1.0.a.0.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0",
	"7.0.7.0.7.0.a.0.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0",
	"2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0",
	"1.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0",
	/* empty non-terminals that are no wildcard's */
	"2.1.10", "0.127",
};

/* The master file answers A and TXT for each probe as dnsbld does; under a wildcard the TXT gives the owning entry's
 * network for '$'. */
static void expect_bind_answers_like_dnsbld(struct fixture *f, const char *zone)
{
	assert_int_equal(run_export(f, zone, EXPORT_BIND), RBL_OK);
	struct zone_view v;
	parse_zone(f, &v);
	answer_ctx_t ctx;
	assert_int_equal(answer_ctx_init(&ctx, f->st), RBL_OK);
	unsigned wildcards = 0;
	for (size_t i = 0; i < sizeof probe_names / sizeof probe_names[0]; i++) {
		char name[256];
		snprintf(name, sizeof name, "%s.%s.", probe_names[i], zone);
		for (int t = 0; t < 2; t++) {
			ldns_rr_type type = t ? LDNS_RR_TYPE_TXT : LDNS_RR_TYPE_A;
			char want[8192], got[8192];
			bool wildcard;
			dnsbld_answer(f, &ctx, name, type, want, sizeof want);
			zone_answer(&v, name, type, got, sizeof got, &wildcard);
			if (wildcard && type == LDNS_RR_TYPE_TXT && strcmp(want, got) != 0) {
				/* Put the entry's network where dnsbld has the address. */
				revname_t rn;
				uint8_t wire[256];
				size_t len = 0;
				for (const char *p = probe_names[i]; *p;) {
					size_t l = strcspn(p, ".");
					wire[len++] = (uint8_t)l;
					memcpy(wire + len, p, l);
					len += l;
					p += l + (p[l] == '.');
				}
				revname_parse(wire, len, &rn);
				const addr_t *a = rn.v4_valid && rn.v4.len == 32 ? &rn.v4.addr : &rn.v6.addr;
				char addr_text[ADDR_STRLEN], net_text[ADDR_STRLEN];
				addr_format(a, addr_text);
				entry_t *e = malloc(sizeof *e);
				store_rtxn_t *r;
				zone_def_t def;
				assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
				assert_int_equal(store_zone_get(r, zone, &def), RBL_OK);
				/* The zone's own entry, else the first member's that lists the address. */
				for (unsigned m = 0; m <= def.member_count; m++) {
					uint32_t id = m ? def.members[m - 1] : def.id;
					if (store_entry_covering(r, id, a, f->now, e) == RBL_OK &&
					    !(e->flags & ENTRY_EXCLUDE)) {
						cidr_format(&e->net, net_text);
						replace_all(want, sizeof want, addr_text, net_text);
						break;
					}
				}
				store_read_end(r);
				free(e);
				wildcards++;
			}
			if (strcmp(want, got) != 0)
				print_error("%s %s: dnsbld \"%s\", zone \"%s\"\n", name, t ? "TXT" : "A", want, got);
			assert_string_equal(want, got);
		}
	}
	assert_true(wildcards > 0);
	answer_ctx_free(&ctx);
	ldns_zone_deep_free(v.zone);
}

static void test_bind_zone_answers_like_dnsbld(void **state)
{
	expect_bind_answers_like_dnsbld(*state, ZONE);
}

static void test_bind_aggregate_answers_like_dnsbld(void **state)
{
	expect_bind_answers_like_dnsbld(*state, AGG);
}

/* dnsbld's built-in test point TXT (answer.c) is the one the exports write. */
static void test_test_point_text_is_dnsbld_s(void **state)
{
	struct fixture *f = *state;
	answer_ctx_t ctx;
	assert_int_equal(answer_ctx_init(&ctx, f->st), RBL_OK);
	char got[1024], want[1024];
	dnsbld_answer(f, &ctx, "2.0.0.127." SMALL ".", LDNS_RR_TYPE_TXT, got, sizeof got);
	answer_ctx_free(&ctx);
	char text[256];
	export_txt_expand(EXPORT_TEST_POINT_TXT, "127.0.0.2", text, sizeof text);
	snprintf(want, sizeof want, "NOERROR|%s", text);
	assert_string_equal(got, want);
}

static void test_txt_expand_follows_the_template_language(void **state)
{
	(void)state;
	char buf[64];
	assert_int_equal(export_txt_expand("a $ b $$ c $$$", "1.2.3.4", buf, sizeof buf), 24);
	assert_string_equal(buf, "a 1.2.3.4 b $ c $1.2.3.4");
	assert_int_equal(export_txt_expand("$$$$", "x", buf, sizeof buf), 2);
	assert_string_equal(buf, "$$");
	assert_int_equal(export_txt_expand("$$ $", "1.2.3.4", buf, 5), 9); /* the length it needs, as snprintf */
	assert_string_equal(buf, "$ 1.");
}

static void test_unknown_zone_is_enoent(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(run_export(f, "no-such.rbl.test", EXPORT_RBLDNSD), RBL_ENOENT);
	assert_int_equal(f->len, 0);
	assert_int_equal(run_export(f, "no-such.rbl.test", EXPORT_BIND), RBL_ENOENT);
	assert_int_equal(f->len, 0);
}

static void test_write_failure_is_eio(void **state)
{
	struct fixture *f = *state;
	FILE *full = fopen("/dev/full", "w");
	if (!full)
		skip();
	export_opts_t opts = {.now = f->now};
	store_rtxn_t *r;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(export_rbldnsd(r, ZONE, &opts, full, NULL), RBL_EIO);
	assert_int_equal(export_bind(r, ZONE, &opts, full, NULL), RBL_EIO);
	store_read_end(r);
	fclose(full);
}

static void test_format_names(void **state)
{
	(void)state;
	assert_int_equal(export_format_parse("rbldnsd"), EXPORT_RBLDNSD);
	assert_int_equal(export_format_parse("bind"), EXPORT_BIND);
	assert_int_equal(export_format_parse("tinydns"), -1);
	assert_int_equal(export_format_parse(""), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rbldnsd_file_line_by_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rbldnsd_aggregate_has_a_section_set_per_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_small_zone_line_by_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_zone_is_valid_for_ldns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_zone_answers_like_dnsbld, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_aggregate_answers_like_dnsbld, setup, teardown),
		cmocka_unit_test_setup_teardown(test_test_point_text_is_dnsbld_s, setup, teardown),
		cmocka_unit_test(test_txt_expand_follows_the_template_language),
		cmocka_unit_test_setup_teardown(test_unknown_zone_is_enoent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_failure_is_eio, setup, teardown),
		cmocka_unit_test(test_format_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
