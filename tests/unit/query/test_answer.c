/* SPDX-License-Identifier: BSD-2-Clause */
/* test_answer.c — docs/DESIGN.md's answers table, end to end through answer_packet: a temp store with zones and
 * listings written through the store API, queries built with ldns (by hand when malformed), and every response parsed
 * back with ldns and checked field by field (header, question, records, SOA, OPT), over UDP and TCP. */
#include "query/answer.h"
#include "base/err.h"
#include "store/store.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ZONE "rbl.example"
#define OTHER_ZONE "other.example" /* a second zone: the defaults, no NS, no data */
#define ZONE_TTL 1800
#define ZONE_CODE 0x7f00000au /* 127.0.0.10, not the built-in default, so a hard-coded 127.0.0.2 shows */
#define ZONE_TEMPLATE "Listed in rbl.example: see https://rbl.example/q?ip=$ ($)"
#define TEST_POINT 0x7f000002u
#define OUT_CAP 65535
#define SENTINEL 0xA5

struct fixture {
	char dir[64];
	store_t *st;
	uint32_t zone;
	answer_ctx_t ctx;
	uint16_t next_id;
	/* The last response parsed, freed by the next parse or by teardown, so a failed assert leaks nothing. */
	ldns_pkt *response;
	uint8_t out[OUT_CAP];
};

static void create_zone(struct fixture *f, const char *name, bool configured)
{
	zone_def_t def;
	zone_def_init(&def, name, time(NULL));
	if (configured) {
		def.ns_count = 2;
		snprintf(def.ns[0], sizeof def.ns[0], "ns1.rbl.example");
		snprintf(def.ns[1], sizeof def.ns[1], "ns2.example.net");
		snprintf(def.mname, sizeof def.mname, "ns1.rbl.example");
		snprintf(def.rname, sizeof def.rname, "abuse.rbl.example"); /* contact abuse@rbl.example */
		def.ttl = ZONE_TTL;
		def.minimum = 120;
		def.default_code = ZONE_CODE;
		snprintf(def.txt, sizeof def.txt, "%s", ZONE_TEMPLATE);
	}
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_zone_create(w, &def), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	if (configured)
		f->zone = def.id;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/test_answer.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(store_open(f->dir, STORE_CREATE, &f->st), RBL_OK);
	create_zone(f, ZONE, true);
	create_zone(f, OTHER_ZONE, false);
	assert_int_equal(answer_ctx_init(&f->ctx, f->st), RBL_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	ldns_pkt_free(f->response);
	answer_ctx_free(&f->ctx);
	store_close(f->st);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* One listing (or exclusion) of rbl.example; codes are the last octet of 127.0.0.x, 0 ends them. */
struct listing {
	const char *net;
	uint8_t codes[4];
	uint8_t flags;
	int64_t expires;
	const char *reason;
};

static void put(struct fixture *f, const struct listing *l)
{
	entry_t e;
	memset(&e, 0, sizeof e);
	assert_int_equal(cidr_parse(l->net, &e.net), RBL_OK);
	for (unsigned i = 0; i < 4 && l->codes[i]; i++)
		e.codes[e.ncodes++] = 0x7f000000u | l->codes[i];
	e.flags = l->flags;
	e.expires = l->expires;
	snprintf(e.reason, sizeof e.reason, "%s", l->reason ? l->reason : "");
	snprintf(e.source, sizeof e.source, "test_answer");
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_entry_put(w, f->zone, &e), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
}

#define PUT(f, ...) put((f), &(struct listing){.net = __VA_ARGS__})

/* The committed definition (its serial moves with every commit) of the zone a query name lies in: the longest
 * suffix of the name, compared without case, that names a zone. */
static void zone_def_of(struct fixture *f, const char *name, zone_def_t *def)
{
	char lower[256];
	size_t n = strlen(name);
	assert_true(n > 0 && n < sizeof lower && name[n - 1] == '.');
	for (size_t i = 0; i < n; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	lower[n - 1] = '\0';
	store_rtxn_t *r;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	int err = RBL_ENOENT;
	for (const char *p = lower; err == RBL_ENOENT && p; p = strchr(p, '.') ? strchr(p, '.') + 1 : NULL)
		err = store_zone_get(r, p, def);
	store_read_end(r);
	assert_int_equal(err, RBL_OK);
}

struct query {
	const char *name; /* with the trailing dot; its case must come back */
	ldns_rr_type type;
	bool tcp;
	ldns_rr_class klass; /* 0 = IN */
	bool edns;
	uint16_t payload;
	uint8_t version;
	bool do_bit;
};

/* The most a response to q may take: 512 over UDP, the client's EDNS payload (at least 512) capped at our 1232, or
 * 64 KiB over TCP. */
static size_t limit_of(const struct query *q)
{
	size_t payload = !q->edns || q->payload < 512 ? 512 : q->payload;
	return q->tcp ? OUT_CAP : payload < 1232 ? payload : 1232;
}

static ldns_pkt *parse_response(struct fixture *f, size_t len)
{
	ldns_pkt_free(f->response);
	f->response = NULL;
	assert_int_equal(ldns_wire2pkt(&f->response, f->out, len), LDNS_STATUS_OK);
	assert_non_null(f->response);
	return f->response;
}

static void assert_dname_text(const ldns_rdf *rdf, const char *expected)
{
	char *text = ldns_rdf2str(rdf);
	assert_non_null(text);
	bool same = strcmp(text, expected) == 0;
	if (!same)
		print_error("name \"%s\", expected \"%s\"\n", text, expected);
	free(text);
	assert_true(same);
}

/* Sends q inside the batch the caller holds; checks what every answered query must show (the size limit kept and
 * nothing written past it, id, QR, opcode, RD, the question in its case, the OPT) and returns the response. */
static ldns_pkt *ask_in_batch(struct fixture *f, const struct query *q)
{
	ldns_rdf *name = ldns_dname_new_frm_str(q->name);
	assert_non_null(name);
	ldns_rr_class klass = q->klass ? q->klass : LDNS_RR_CLASS_IN;
	ldns_pkt *query = ldns_pkt_query_new(name, q->type, klass, LDNS_RD);
	assert_non_null(query);
	uint16_t id = f->next_id++;
	ldns_pkt_set_id(query, id);
	ldns_pkt_set_edns_udp_size(query, q->payload); /* all zero: no OPT */
	ldns_pkt_set_edns_version(query, q->version);
	ldns_pkt_set_edns_do(query, q->do_bit);
	uint8_t *wire = NULL;
	size_t wire_len = 0;
	ldns_status status = ldns_pkt2wire(&wire, query, &wire_len);
	ldns_pkt_free(query);
	assert_int_equal(status, LDNS_STATUS_OK);

	memset(f->out, SENTINEL, sizeof f->out);
	size_t len = answer_packet(&f->ctx, wire, wire_len, f->out, sizeof f->out, q->tcp);
	free(wire);
	size_t limit = limit_of(q);
	assert_in_range(len, 12, limit);
	for (size_t i = limit; i < sizeof f->out; i++)
		if (f->out[i] != SENTINEL)
			fail_msg("byte %zu written past the %zu-byte limit", i, limit);

	ldns_pkt *r = parse_response(f, len);
	assert_int_equal(ldns_pkt_id(r), id);
	assert_true(ldns_pkt_qr(r));
	assert_int_equal(ldns_pkt_get_opcode(r), LDNS_PACKET_QUERY);
	assert_true(ldns_pkt_rd(r));
	assert_false(ldns_pkt_ra(r));
	assert_int_equal(ldns_pkt_qdcount(r), 1);
	ldns_rr *question = ldns_rr_list_rr(ldns_pkt_question(r), 0);
	assert_non_null(question);
	assert_dname_text(ldns_rr_owner(question), q->name);
	assert_int_equal(ldns_rr_get_type(question), q->type);
	assert_int_equal(ldns_rr_get_class(question), klass);
	assert_int_equal(ldns_pkt_edns(r), q->edns);
	assert_int_equal(f->out[10] << 8 | f->out[11], q->edns ? 1 : 0); /* ARCOUNT: our OPT or nothing */
	if (q->edns) {
		assert_int_equal(ldns_pkt_edns_udp_size(r), 1232);
		assert_int_equal(ldns_pkt_edns_version(r), 0);
		assert_int_equal(ldns_pkt_edns_do(r), q->do_bit);
		assert_int_equal(ldns_pkt_edns_extended_rcode(r), q->version > 0 ? 1 : 0); /* BADVERS = 1 << 4 */
	}
	return r;
}

static ldns_pkt *ask(struct fixture *f, const struct query *q)
{
	assert_int_equal(answer_batch_begin(&f->ctx), RBL_OK);
	ldns_pkt *r = ask_in_batch(f, q);
	answer_batch_end(&f->ctx);
	return r;
}

#define ASK(f, ...) ask((f), &(struct query){.name = __VA_ARGS__})

static void expect_status(const ldns_pkt *r, ldns_pkt_rcode rcode, bool aa, bool tc, size_t an, size_t ns)
{
	assert_int_equal(ldns_pkt_get_rcode(r), rcode);
	assert_int_equal(ldns_pkt_aa(r), aa);
	assert_int_equal(ldns_pkt_tc(r), tc);
	assert_int_equal(ldns_pkt_ancount(r), an);
	assert_int_equal(ldns_pkt_nscount(r), ns);
	assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_answer(r)), an);
	assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_authority(r)), ns);
}

static const ldns_rr *record(const ldns_rr_list *section, size_t i, const char *owner, ldns_rr_type type, uint32_t ttl)
{
	const ldns_rr *rr = ldns_rr_list_rr(section, i);
	assert_non_null(rr);
	assert_dname_text(ldns_rr_owner(rr), owner);
	assert_int_equal(ldns_rr_get_type(rr), type);
	assert_int_equal(ldns_rr_get_class(rr), LDNS_RR_CLASS_IN);
	assert_int_equal(ldns_rr_ttl(rr), ttl);
	return rr;
}

static void expect_a(const ldns_pkt *r, size_t i, const char *owner, uint32_t ttl, uint32_t code)
{
	const ldns_rr *rr = record(ldns_pkt_answer(r), i, owner, LDNS_RR_TYPE_A, ttl);
	assert_int_equal(ldns_rr_rd_count(rr), 1);
	const ldns_rdf *rdf = ldns_rr_rdf(rr, 0);
	uint8_t expected[4] = {(uint8_t)(code >> 24), (uint8_t)(code >> 16), (uint8_t)(code >> 8), (uint8_t)code};
	assert_int_equal(ldns_rdf_size(rdf), 4);
	assert_memory_equal(ldns_rdf_data(rdf), expected, 4);
}

/* The TXT record's character-strings (each but the last 255 bytes long) joined into text (cap bytes). */
static void txt_of(const ldns_pkt *r, size_t i, const char *owner, uint32_t ttl, char *text, size_t cap)
{
	const ldns_rr *rr = record(ldns_pkt_answer(r), i, owner, LDNS_RR_TYPE_TXT, ttl);
	size_t len = 0, strings = ldns_rr_rd_count(rr);
	assert_true(strings >= 1);
	for (size_t s = 0; s < strings; s++) {
		const ldns_rdf *rdf = ldns_rr_rdf(rr, s);
		const uint8_t *data = ldns_rdf_data(rdf);
		assert_int_equal(ldns_rdf_size(rdf), 1 + (size_t)data[0]);
		if (s + 1 < strings)
			assert_int_equal(data[0], 255);
		assert_true(len + data[0] < cap);
		memcpy(text + len, data + 1, data[0]);
		len += data[0];
	}
	text[len] = '\0';
}

static void expect_txt(const ldns_pkt *r, size_t i, const char *owner, uint32_t ttl, const char *expected)
{
	char text[8192];
	txt_of(r, i, owner, ttl, text, sizeof text);
	assert_string_equal(text, expected);
}

/* The zone's SOA: owned by the apex (in the question's case, so compared without case), every field from def. */
static void expect_soa(const ldns_rr *rr, const zone_def_t *def, uint32_t ttl)
{
	assert_non_null(rr);
	ldns_rdf *apex = ldns_dname_new_frm_str(def->name);
	assert_non_null(apex);
	int order = ldns_dname_compare(ldns_rr_owner(rr), apex);
	ldns_rdf_deep_free(apex);
	assert_int_equal(order, 0);
	assert_int_equal(ldns_rr_get_type(rr), LDNS_RR_TYPE_SOA);
	assert_int_equal(ldns_rr_get_class(rr), LDNS_RR_CLASS_IN);
	assert_int_equal(ldns_rr_ttl(rr), ttl);
	assert_int_equal(ldns_rr_rd_count(rr), 7);
	char mname[300], rname[300];
	snprintf(mname, sizeof mname, "%s.", def->mname);
	snprintf(rname, sizeof rname, "%s.", def->rname);
	assert_dname_text(ldns_rr_rdf(rr, 0), mname);
	assert_dname_text(ldns_rr_rdf(rr, 1), rname);
	const uint32_t fields[] = {def->serial, def->refresh, def->retry, def->expire, def->minimum};
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(ldns_rdf_size(ldns_rr_rdf(rr, 2 + i)), 4);
		assert_int_equal(ldns_rdf2native_int32(ldns_rr_rdf(rr, 2 + i)), fields[i]);
	}
}

/* NXDOMAIN or NODATA: AA, no answer, the SOA of def in authority with the SOA minimum as its TTL (RFC 2308). */
static void expect_negative_soa(const ldns_pkt *r, ldns_pkt_rcode rcode, const zone_def_t *def)
{
	expect_status(r, rcode, true, false, 0, 1);
	expect_soa(ldns_rr_list_rr(ldns_pkt_authority(r), 0), def, def->minimum);
}

/* NOERROR AA, one A per code in order, owned by the question name, the zone's TTL, nothing in authority. */
static void expect_listed(struct fixture *f, const char *name, const uint32_t *codes, size_t n)
{
	zone_def_t def;
	zone_def_of(f, name, &def);
	for (int tcp = 0; tcp <= 1; tcp++) {
		ldns_pkt *r = ASK(f, name, LDNS_RR_TYPE_A, tcp);
		expect_status(r, LDNS_RCODE_NOERROR, true, false, n, 0);
		for (size_t i = 0; i < n; i++)
			expect_a(r, i, name, def.ttl, codes[i]);
	}
}

#define EXPECT_LISTED(f, name, ...)                                                                                   \
	expect_listed((f), (name), (const uint32_t[]){__VA_ARGS__},                                                   \
		      sizeof((const uint32_t[]){__VA_ARGS__}) / sizeof(uint32_t))

static void expect_listed_txt(struct fixture *f, const char *name, const char *text)
{
	zone_def_t def;
	zone_def_of(f, name, &def);
	for (int tcp = 0; tcp <= 1; tcp++) {
		ldns_pkt *r = ASK(f, name, LDNS_RR_TYPE_TXT, tcp);
		expect_status(r, LDNS_RCODE_NOERROR, true, false, 1, 0);
		expect_txt(r, 0, name, def.ttl, text);
	}
}

static void expect_negative(struct fixture *f, const char *name, ldns_rr_type type, ldns_pkt_rcode rcode)
{
	zone_def_t def;
	zone_def_of(f, name, &def);
	for (int tcp = 0; tcp <= 1; tcp++)
		expect_negative_soa(ASK(f, name, type, tcp), rcode, &def);
}

static void expect_nxdomain(struct fixture *f, const char *name)
{
	expect_negative(f, name, LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN);
	expect_negative(f, name, LDNS_RR_TYPE_TXT, LDNS_RCODE_NXDOMAIN);
}

static void expect_nodata(struct fixture *f, const char *name, ldns_rr_type type)
{
	expect_negative(f, name, type, LDNS_RCODE_NOERROR);
}

/* The reversed name of the first `nibbles` nibbles of an IPv6 address (parsed as is, never mapped to IPv4). */
static const char *nibble_name(const char *v6, unsigned nibbles, const char *zone, char name[256])
{
	uint8_t b[16];
	assert_int_equal(inet_pton(AF_INET6, v6, b), 1);
	size_t at = 0;
	for (unsigned i = nibbles; i > 0; i--)
		at += (size_t)snprintf(name + at, 256 - at, "%x.", (b[(i - 1) / 2] >> (i % 2 ? 4 : 0)) & 0xf);
	snprintf(name + at, 256 - at, "%s.", zone);
	return name;
}

static void test_listed_address_answers_one_a_per_code(void **state)
{
	struct fixture *f = *state;
	PUT(f, "192.0.2.1", {2, 3, 11});
	/* record() compares owners as text: an A owner must be the question's spelling exactly (0x20). */
	EXPECT_LISTED(f, "1.2.0.192.RbL.eXaMpLe.", 0x7f000002, 0x7f000003, 0x7f00000b);
}

static void test_listed_address_without_codes_answers_the_zone_default_code(void **state)
{
	struct fixture *f = *state;
	PUT(f, "192.0.2.0/24");
	EXPECT_LISTED(f, "77.2.0.192.rbl.example.", ZONE_CODE);
}

static void test_listed_txt_is_the_entry_text_else_the_zone_template_with_dollar_replaced(void **state)
{
	struct fixture *f = *state;
	PUT(f, "192.0.2.0/24", {4}, .reason = "open relay $, see https://rbl.example/$");
	PUT(f, "192.0.2.2");
	expect_listed_txt(f, "9.2.0.192.rbl.example.", "open relay 192.0.2.9, see https://rbl.example/192.0.2.9");
	expect_listed_txt(f, "2.2.0.192.rbl.example.",
			  "Listed in rbl.example: see https://rbl.example/q?ip=192.0.2.2 (192.0.2.2)");
}

static void test_notext_entry_answers_a_but_txt_is_nodata(void **state)
{
	struct fixture *f = *state;
	PUT(f, "192.0.2.3", {5}, ENTRY_NOTEXT, .reason = "never shown");
	EXPECT_LISTED(f, "3.2.0.192.rbl.example.", 0x7f000005);
	expect_nodata(f, "3.2.0.192.rbl.example.", LDNS_RR_TYPE_TXT);
}

static void test_other_type_at_listed_name_is_nodata_with_soa(void **state)
{
	struct fixture *f = *state;
	PUT(f, "192.0.2.4", {3});
	static const ldns_rr_type types[] = {LDNS_RR_TYPE_AAAA, LDNS_RR_TYPE_MX, LDNS_RR_TYPE_NS, LDNS_RR_TYPE_SOA,
					     LDNS_RR_TYPE_PTR};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		expect_nodata(f, "4.2.0.192.rbl.example.", types[i]);
}

static void test_unlisted_address_is_nxdomain_with_soa(void **state)
{
	struct fixture *f = *state;
	PUT(f, "192.0.2.1");
	expect_nxdomain(f, "2.2.0.192.rbl.example.");
	expect_nxdomain(f, "1.2.0.193.rbl.example.");
	expect_nxdomain(f, "x.1.2.0.192.rbl.example."); /* below a listed address */
}

static void test_excluded_address_inside_listed_cidr_is_nxdomain(void **state)
{
	struct fixture *f = *state;
	PUT(f, "192.0.2.0/24", {4});
	PUT(f, "192.0.2.9", .flags = ENTRY_EXCLUDE);
	expect_nxdomain(f, "9.2.0.192.rbl.example.");
	EXPECT_LISTED(f, "10.2.0.192.rbl.example.", 0x7f000004);
}

static void test_expired_entry_is_nxdomain(void **state)
{
	struct fixture *f = *state;
	PUT(f, "192.0.2.66", {3}, .expires = time(NULL) - 60);
	PUT(f, "192.0.2.67", {3}, .expires = time(NULL) + 3600);
	expect_nxdomain(f, "66.2.0.192.rbl.example.");
	EXPECT_LISTED(f, "67.2.0.192.rbl.example.", 0x7f000003);
}

static void test_expired_host_inside_listed_cidr_answers_with_the_cidr(void **state)
{
	struct fixture *f = *state;
	PUT(f, "192.0.2.0/24", {6}, .reason = "network $");
	PUT(f, "192.0.2.5", {7}, .expires = time(NULL) - 60, .reason = "host $");
	PUT(f, "192.0.2.68", .flags = ENTRY_EXCLUDE, .expires = time(NULL) - 60); /* an expired hole closes */
	EXPECT_LISTED(f, "5.2.0.192.rbl.example.", 0x7f000006);
	expect_listed_txt(f, "5.2.0.192.rbl.example.", "network 192.0.2.5");
	EXPECT_LISTED(f, "68.2.0.192.rbl.example.", 0x7f000006);
}

static void test_partial_name_with_listing_below_is_nodata(void **state)
{
	struct fixture *f = *state;
	PUT(f, "198.51.100.7", {3});
	expect_nodata(f, "100.51.198.rbl.example.", LDNS_RR_TYPE_A);
	expect_nodata(f, "51.198.rbl.example.", LDNS_RR_TYPE_TXT);
	expect_nodata(f, "198.rbl.example.", LDNS_RR_TYPE_A);
	expect_nodata(f, "0.127.rbl.example.", LDNS_RR_TYPE_A); /* the test point lies below */
}

static void test_partial_name_without_listing_below_is_nxdomain(void **state)
{
	struct fixture *f = *state;
	PUT(f, "198.51.100.7", {3});
	PUT(f, "10.0.0.0/8", {3});
	PUT(f, "10.1.0.0/16", .flags = ENTRY_EXCLUDE);
	expect_nxdomain(f, "101.51.198.rbl.example.");
	expect_nxdomain(f, "52.198.rbl.example.");
	expect_nxdomain(f, "203.rbl.example.");
	expect_nxdomain(f, "9.9.9.rbl.example."); /* nothing under 9.9.9.0/24, nor under 999::/12 */
	expect_nxdomain(f, "1.10.rbl.example."); /* all excluded */
	expect_nxdomain(f, "2.1.10.rbl.example.");
	expect_nodata(f, "2.10.rbl.example.", LDNS_RR_TYPE_A);
}

static void test_partial_name_whose_only_listing_below_expired_is_nxdomain(void **state)
{
	struct fixture *f = *state;
	PUT(f, "198.51.100.7", {3}, .expires = time(NULL) - 60); /* never served again: nothing lies below */
	expect_nxdomain(f, "7.100.51.198.rbl.example.");
	expect_nxdomain(f, "100.51.198.rbl.example.");
	expect_nxdomain(f, "51.198.rbl.example.");
}

static void test_non_numeric_or_five_label_names_are_nxdomain(void **state)
{
	struct fixture *f = *state;
	PUT(f, "127.0.0.0/8", {3});
	expect_nxdomain(f, "abc.0.0.127.rbl.example.");
	expect_nxdomain(f, "2.0.0.127.10.rbl.example.");
	expect_nxdomain(f, "www.rbl.example.");
	expect_nxdomain(f, "02.0.0.127.rbl.example."); /* a leading zero names no address */
}

static void test_ipv6_nibble_name_is_answered_like_ipv4(void **state)
{
	struct fixture *f = *state;
	char name[256];
	PUT(f, "2001:db8::1", {3});
	PUT(f, "2001:db8:1::/48", {4}, .reason = "v6 net $");
	EXPECT_LISTED(f, nibble_name("2001:db8::1", 32, ZONE, name), 0x7f000003);
	expect_listed_txt(f, name, "Listed in rbl.example: see https://rbl.example/q?ip=2001:db8::1 (2001:db8::1)");
	expect_nodata(f, name, LDNS_RR_TYPE_AAAA);
	expect_listed_txt(f, nibble_name("2001:db8:1:2::3", 32, ZONE, name), "v6 net 2001:db8:1:2::3");
	expect_nxdomain(f, nibble_name("2001:db8::2", 32, ZONE, name));
	expect_nodata(f, nibble_name("2001:db8::", 8, ZONE, name), LDNS_RR_TYPE_A);
	expect_nxdomain(f, nibble_name("2001:db9::", 8, ZONE, name));
}

static void test_ipv4_mapped_nibble_name_is_answered_from_ipv4_data(void **state)
{
	struct fixture *f = *state;
	char name[256];
	PUT(f, "192.0.2.1", {3}, .reason = "mapped $");
	EXPECT_LISTED(f, nibble_name("::ffff:192.0.2.1", 32, ZONE, name), 0x7f000003);
	expect_listed_txt(f, name, "mapped 192.0.2.1");
	expect_nxdomain(f, nibble_name("::ffff:192.0.2.2", 32, ZONE, name));
}

static void test_ipv6_partial_names_towards_test_point_are_nodata(void **state)
{
	struct fixture *f = *state;
	char name[256];
	/* 4 nibbles is "0.0.0.0": also the IPv4 address 0.0.0.0, but as an IPv6 name it has the test point below. */
	static const unsigned lengths[] = {1, 4, 20, 21, 24, 25, 28, 30, 31};
	for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++)
		expect_nodata(f, nibble_name("::ffff:7f00:2", lengths[i], ZONE, name), LDNS_RR_TYPE_A);
	expect_nxdomain(f, nibble_name("::fffe:7f00:2", 24, ZONE, name));
	expect_nxdomain(f, nibble_name("::ffff:8000:0", 30, ZONE, name));
}

static void expect_builtin_test_point(struct fixture *f, const char *name)
{
	EXPECT_LISTED(f, name, TEST_POINT);
	zone_def_t def;
	zone_def_of(f, name, &def);
	ldns_pkt *r = ASK(f, name, LDNS_RR_TYPE_TXT);
	expect_status(r, LDNS_RCODE_NOERROR, true, false, 1, 0);
	char text[1024];
	txt_of(r, 0, name, def.ttl, text, sizeof text);
	assert_non_null(strstr(text, "127.0.0.2"));
	assert_non_null(strstr(text, "test point"));
}

static void test_test_point_2_is_listed_in_every_zone_with_builtin_answer(void **state)
{
	struct fixture *f = *state;
	char name[256];
	expect_builtin_test_point(f, "2.0.0.127.rbl.example.");
	expect_builtin_test_point(f, "2.0.0.127.Other.Example.");
	expect_builtin_test_point(f, nibble_name("::ffff:7f00:2", 32, ZONE, name));
	expect_builtin_test_point(f, nibble_name("::ffff:7f00:2", 32, OTHER_ZONE, name));
	expect_nxdomain(f, "1.0.0.127.other.example.");
	expect_nxdomain(f, nibble_name("::ffff:7f00:1", 32, OTHER_ZONE, name));
}

static void test_test_point_2_answers_from_data_when_data_lists_it(void **state)
{
	struct fixture *f = *state;
	char name[256];
	PUT(f, "127.0.0.2", {4, 5}, .reason = "data says $");
	EXPECT_LISTED(f, "2.0.0.127.rbl.example.", 0x7f000004, 0x7f000005);
	expect_listed_txt(f, "2.0.0.127.rbl.example.", "data says 127.0.0.2");
	EXPECT_LISTED(f, nibble_name("::ffff:7f00:2", 32, ZONE, name), 0x7f000004, 0x7f000005);
	expect_builtin_test_point(f, "2.0.0.127.other.example."); /* the data is rbl.example's only */
}

static void test_test_point_2_stays_listed_when_data_excludes_it(void **state)
{
	struct fixture *f = *state;
	char name[256];
	PUT(f, "127.0.0.0/24", {9});
	PUT(f, "127.0.0.2", .flags = ENTRY_EXCLUDE);
	expect_builtin_test_point(f, "2.0.0.127.rbl.example.");
	expect_builtin_test_point(f, nibble_name("::ffff:7f00:2", 32, ZONE, name));
	EXPECT_LISTED(f, "3.0.0.127.rbl.example.", 0x7f000009);
}

static void test_loopback_1_is_never_listed_even_when_data_lists_it(void **state)
{
	struct fixture *f = *state;
	char name[256];
	PUT(f, "127.0.0.0/8", {5}, .reason = "all of loopback");
	PUT(f, "127.0.0.1", {6}, .reason = "the host itself");
	expect_nxdomain(f, "1.0.0.127.rbl.example.");
	expect_nxdomain(f, "1.0.0.127.RBL.example.");
	expect_nxdomain(f, nibble_name("::ffff:7f00:1", 32, ZONE, name));
	EXPECT_LISTED(f, "3.0.0.127.rbl.example.", 0x7f000005);
}

static void expect_apex_soa(const ldns_pkt *r, size_t i, const char *owner, const zone_def_t *def)
{
	const ldns_rr *soa = ldns_rr_list_rr(ldns_pkt_answer(r), i);
	assert_non_null(soa);
	assert_dname_text(ldns_rr_owner(soa), owner);
	expect_soa(soa, def, def->ttl);
}

static void expect_ns_set(const ldns_pkt *r, size_t from, const char *owner)
{
	static const char *const ns[] = {"ns1.rbl.example.", "ns2.example.net."};
	for (size_t i = 0; i < 2; i++) {
		const ldns_rr *rr = record(ldns_pkt_answer(r), from + i, owner, LDNS_RR_TYPE_NS, ZONE_TTL);
		assert_int_equal(ldns_rr_rd_count(rr), 1);
		assert_dname_text(ldns_rr_rdf(rr, 0), ns[i]);
	}
}

static void test_apex_soa_and_ns_answer_the_zone_soa_and_ns_set(void **state)
{
	struct fixture *f = *state;
	zone_def_t def;
	zone_def_of(f, ZONE ".", &def);
	for (int tcp = 0; tcp <= 1; tcp++) {
		ldns_pkt *r = ASK(f, "Rbl.Example.", LDNS_RR_TYPE_SOA, tcp);
		expect_status(r, LDNS_RCODE_NOERROR, true, false, 1, 0);
		expect_apex_soa(r, 0, "Rbl.Example.", &def);
		r = ASK(f, "rbl.example.", LDNS_RR_TYPE_NS, tcp);
		expect_status(r, LDNS_RCODE_NOERROR, true, false, 2, 0);
		expect_ns_set(r, 0, "rbl.example.");
	}
	expect_nodata(f, "other.example.", LDNS_RR_TYPE_NS); /* a zone without NS names */
}

static void test_apex_any_answers_what_exists(void **state)
{
	struct fixture *f = *state;
	zone_def_t def;
	zone_def_of(f, ZONE ".", &def);
	ldns_pkt *r = ASK(f, "rbl.EXAMPLE.", LDNS_RR_TYPE_ANY);
	expect_status(r, LDNS_RCODE_NOERROR, true, false, 3, 0);
	expect_apex_soa(r, 0, "rbl.EXAMPLE.", &def);
	expect_ns_set(r, 1, "rbl.EXAMPLE.");
	zone_def_of(f, OTHER_ZONE ".", &def);
	r = ASK(f, "other.example.", LDNS_RR_TYPE_ANY, true);
	expect_status(r, LDNS_RCODE_NOERROR, true, false, 1, 0);
	expect_apex_soa(r, 0, "other.example.", &def);
}

static void test_apex_a_is_nodata_with_soa(void **state)
{
	struct fixture *f = *state;
	expect_nodata(f, "rbl.example.", LDNS_RR_TYPE_A);
	expect_nodata(f, "rbl.example.", LDNS_RR_TYPE_TXT);
	expect_nodata(f, "other.example.", LDNS_RR_TYPE_A);
}

static void expect_refused(struct fixture *f, const struct query *q)
{
	expect_status(ask(f, q), LDNS_RCODE_REFUSED, false, false, 0, 0);
}

static void test_name_outside_every_zone_is_refused_without_aa(void **state)
{
	struct fixture *f = *state;
	static const char *const names[] = {"2.0.0.127.zen.spamhaus.org.", "example.", "xrbl.example.",
					    "2.0.0.127.xrbl.example.", "rbl.example.com.", "."};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		expect_refused(f, &(struct query){.name = names[i], .type = LDNS_RR_TYPE_A});
		expect_refused(f, &(struct query){.name = names[i], .type = LDNS_RR_TYPE_TXT, .tcp = true});
	}
}

static void test_chaos_class_is_refused_without_operator_text(void **state)
{
	struct fixture *f = *state;
	expect_refused(f, &(struct query){.name = "version.bind.", LDNS_RR_TYPE_TXT, .klass = LDNS_RR_CLASS_CH});
	expect_refused(f, &(struct query){.name = "id.server.", LDNS_RR_TYPE_TXT, .klass = LDNS_RR_CLASS_CH});
	expect_refused(f, &(struct query){.name = "2.0.0.127.rbl.example.", LDNS_RR_TYPE_A, .klass = LDNS_RR_CLASS_CH});
	answer_options_t only_version = {.version = "dnsbld 1"};
	f->ctx.options = &only_version;
	expect_refused(f, &(struct query){.name = "id.server.", LDNS_RR_TYPE_TXT, .klass = LDNS_RR_CLASS_CH});
	expect_refused(f, &(struct query){.name = "version.bind.", LDNS_RR_TYPE_TXT}); /* class IN: not ours */
	f->ctx.options = NULL;
}

/* The CH TXT answer to q: NOERROR, AA, one TXT of class CH, TTL 0, the text as given ('$' kept). */
static void expect_chaos_txt(struct fixture *f, const char *name, const char *text)
{
	ldns_pkt *r = ask(f, &(struct query){.name = name, LDNS_RR_TYPE_TXT, .klass = LDNS_RR_CLASS_CH});
	expect_status(r, LDNS_RCODE_NOERROR, true, false, 1, 0);
	ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(r), 0);
	assert_int_equal(ldns_rr_get_class(rr), LDNS_RR_CLASS_CH);
	assert_int_equal(ldns_rr_ttl(rr), 0);
	const ldns_rdf *rdf = ldns_rr_rdf(rr, 0);
	assert_int_equal(ldns_rdf_size(rdf), strlen(text) + 1);
	assert_memory_equal(ldns_rdf_data(rdf) + 1, text, strlen(text));
}

static void test_chaos_names_answer_the_operator_text(void **state)
{
	struct fixture *f = *state;
	answer_options_t options = {.identity = "ns1.example", .version = "dnsbld $1"};
	f->ctx.options = &options;
	expect_chaos_txt(f, "version.bind.", "dnsbld $1");
	expect_chaos_txt(f, "VERSION.Server.", "dnsbld $1");
	expect_chaos_txt(f, "id.server.", "ns1.example");
	expect_chaos_txt(f, "hostname.bind.", "ns1.example");
	ldns_pkt *r = ask(f, &(struct query){.name = "id.server.", LDNS_RR_TYPE_A, .klass = LDNS_RR_CLASS_CH});
	expect_status(r, LDNS_RCODE_NOERROR, true, false, 0, 0); /* another type: no data */
	expect_refused(f, &(struct query){.name = "authors.bind.", LDNS_RR_TYPE_TXT, .klass = LDNS_RR_CLASS_CH});
	f->ctx.options = NULL;
}

/* Answers a hand-built packet from an exact-size heap copy, so that AddressSanitizer sees any read past its end. */
static size_t answer_raw(struct fixture *f, const uint8_t *bytes, size_t len, bool tcp)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, bytes, len);
	memset(f->out, SENTINEL, sizeof f->out);
	assert_int_equal(answer_batch_begin(&f->ctx), RBL_OK);
	size_t n = answer_packet(&f->ctx, copy, len, f->out, sizeof f->out, tcp);
	answer_batch_end(&f->ctx);
	free(copy);
	return n;
}

/* Header (id 0x4242, flags, QDCOUNT qd, other counts 0) and the question 2.0.0.127.rbl.example A IN. */
static size_t raw_query(uint8_t *p, uint16_t flags, uint16_t qd)
{
	static const uint8_t question[] = {1,   '2', 1,   '0', 1,   '0', 3,   '1', '2', '7', 3,   'r', 'b', 'l',
					   7,   'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,   0,   1,   0,   1};
	const uint8_t header[12] = {0x42, 0x42, (uint8_t)(flags >> 8), (uint8_t)flags, 0, (uint8_t)qd};
	memcpy(p, header, sizeof header);
	memcpy(p + 12, question, sizeof question);
	return 12 + sizeof question;
}

/* A response of a header only (FORMERR, NOTIMP): the query's id, QR, opcode echoed, RD echoed for QUERY only (it
 * means nothing for another opcode), no question, no OPT. */
static void expect_header_only(struct fixture *f, size_t n, ldns_pkt_opcode opcode, ldns_pkt_rcode rcode)
{
	assert_int_equal(n, 12);
	ldns_pkt *r = parse_response(f, n);
	assert_int_equal(ldns_pkt_id(r), 0x4242);
	assert_true(ldns_pkt_qr(r));
	assert_int_equal(ldns_pkt_rd(r), opcode == LDNS_PACKET_QUERY);
	assert_int_equal(ldns_pkt_get_opcode(r), opcode);
	assert_int_equal(ldns_pkt_qdcount(r), 0);
	expect_status(r, rcode, false, false, 0, 0);
	assert_false(ldns_pkt_edns(r));
}

static void test_qdcount_other_than_one_is_formerr(void **state)
{
	struct fixture *f = *state;
	uint8_t p[128];
	size_t len = raw_query(p, 0x0100, 2);
	memcpy(p + len, p + 12, len - 12); /* the same question twice */
	for (int tcp = 0; tcp <= 1; tcp++) {
		expect_header_only(f, answer_raw(f, p, 2 * len - 12, tcp), LDNS_PACKET_QUERY, LDNS_RCODE_FORMERR);
		expect_header_only(f, answer_raw(f, p, 12, tcp), LDNS_PACKET_QUERY, LDNS_RCODE_FORMERR);
	}
	len = raw_query(p, 0x0100, 0);
	expect_header_only(f, answer_raw(f, p, len, false), LDNS_PACKET_QUERY, LDNS_RCODE_FORMERR);
	len = raw_query(p, 0x0100, 1);
	expect_header_only(f, answer_raw(f, p, len - 7, false), LDNS_PACKET_QUERY, LDNS_RCODE_FORMERR); /* cut */
}

static void test_other_opcode_is_notimp_with_opcode_echoed(void **state)
{
	struct fixture *f = *state;
	uint8_t p[128];
	size_t len = raw_query(p, 2 << 11 | 0x0100, 1); /* opcode 2, STATUS */
	expect_header_only(f, answer_raw(f, p, len, false), LDNS_PACKET_STATUS, LDNS_RCODE_NOTIMPL);
	len = raw_query(p, 4 << 11 | 0x0100, 1); /* opcode 4, NOTIFY */
	expect_header_only(f, answer_raw(f, p, len, true), LDNS_PACKET_NOTIFY, LDNS_RCODE_NOTIMPL);
}

/* ISC's DNS compliance tester (genreport) sends QUERY with each header flag set alone, and opcode 15 with none and
 * with all. RD and CD are echoed for QUERY; AA is ours; TC, RA, Z and AD are never set. For any other opcode
 * (NOTIMP) none of them means anything: only QR, the opcode and the rcode are set. */
static void test_genreport_flag_and_opcode_combinations_get_clean_flags(void **state)
{
	struct fixture *f = *state;
	static const uint16_t flags[] = {0x0400 /* aa */, 0x0200 /* tc */, 0x0100 /* rd */, 0x0080 /* ra */,
	                                 0x0040 /* z */,  0x0020 /* ad */, 0x0010 /* cd */, 0x0000};
	uint8_t p[128];
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		size_t len = raw_query(p, flags[i], 1);
		size_t n = answer_raw(f, p, len, false);
		assert_true(n > 12);
		assert_int_equal(f->out[2], 0x80 | 0x04 | (flags[i] == 0x0100 ? 0x01 : 0)); /* QR, AA, RD if asked */
		assert_int_equal(f->out[3], flags[i] == 0x0010 ? 0x10 : 0x00);              /* CD if asked, NOERROR */
	}
	for (unsigned opcode = 1; opcode <= 15; opcode++) {
		for (int all = 0; all <= 1; all++) {
			size_t len = raw_query(p, (uint16_t)(opcode << 11 | (all ? 0x07F0 : 0)), 1);
			for (int tcp = 0; tcp <= 1; tcp++) {
				assert_int_equal(answer_raw(f, p, len, tcp), 12);
				assert_int_equal(f->out[2], 0x80 | opcode << 3); /* QR and the opcode: no AA, TC, RD */
				assert_int_equal(f->out[3], LDNS_RCODE_NOTIMPL); /* no RA, Z, AD, CD */
			}
		}
	}
}

static void test_refused_answer_for_clients_outside_the_acl_echoes_the_question(void **state)
{
	struct fixture *f = *state;
	uint8_t p[128];
	size_t len = raw_query(p, 0x0100, 1);
	for (int tcp = 0; tcp <= 1; tcp++) {
		size_t n = answer_refused(p, len, f->out, sizeof f->out, tcp);
		assert_int_equal(n, len);
		ldns_pkt *r = parse_response(f, n);
		assert_int_equal(ldns_pkt_id(r), 0x4242);
		assert_true(ldns_pkt_rd(r));
		assert_int_equal(ldns_pkt_qdcount(r), 1);
		expect_status(r, LDNS_RCODE_REFUSED, false, false, 0, 0);
		assert_memory_equal(f->out + 12, p + 12, len - 12);
	}
	len = raw_query(p, 4 << 11, 1); /* NOTIFY: refused too, header only */
	assert_int_equal(answer_refused(p, len, f->out, sizeof f->out, false), 12);
	assert_int_equal(f->out[3] & 0xf, LDNS_RCODE_REFUSED);
	p[2] |= 0x80; /* a response: never answered */
	assert_int_equal(answer_refused(p, len, f->out, sizeof f->out, false), 0);
}

static void test_response_or_packet_shorter_than_header_is_never_answered(void **state)
{
	struct fixture *f = *state;
	uint8_t p[128];
	size_t len = raw_query(p, 0x8100, 1); /* QR=1 */
	assert_int_equal(answer_raw(f, p, len, false), 0);
	assert_int_equal(answer_raw(f, p, len, true), 0);
	len = raw_query(p, 0x8000 | 2 << 11, 2); /* a response is dropped whatever else is wrong with it */
	assert_int_equal(answer_raw(f, p, len, false), 0);
	raw_query(p, 0x0100, 1);
	for (len = 0; len < 12; len++) { /* shorter than a header */
		assert_int_equal(answer_raw(f, p, len, false), 0);
		assert_int_equal(answer_raw(f, p, len, true), 0);
	}
	assert_int_equal(f->out[0], SENTINEL);
}

static void test_edns_opt_is_echoed_with_our_payload_and_do_bit(void **state)
{
	struct fixture *f = *state;
	zone_def_t def;
	zone_def_of(f, ZONE ".", &def);
	/* ask_in_batch checks the OPT: payload 1232, version 0, DO as sent, extended rcode 0. */
	for (int do_bit = 0; do_bit <= 1; do_bit++) {
		ldns_pkt *r = ASK(f, "2.0.0.127.rbl.example.", LDNS_RR_TYPE_A, false, 0, true, 4096, 0, do_bit);
		expect_status(r, LDNS_RCODE_NOERROR, true, false, 1, 0);
		expect_a(r, 0, "2.0.0.127.rbl.example.", ZONE_TTL, TEST_POINT);
		r = ASK(f, "1.0.0.127.rbl.example.", LDNS_RR_TYPE_A, true, 0, true, 512, 0, do_bit);
		expect_negative_soa(r, LDNS_RCODE_NXDOMAIN, &def);
		r = ASK(f, "2.0.0.127.example.", LDNS_RR_TYPE_A, false, 0, true, 1232, 0, do_bit);
		expect_status(r, LDNS_RCODE_REFUSED, false, false, 0, 0);
	}
}

static void test_edns_version_1_is_badvers(void **state)
{
	struct fixture *f = *state;
	for (int tcp = 0; tcp <= 1; tcp++) {
		ldns_pkt *r = ASK(f, "2.0.0.127.rbl.example.", LDNS_RR_TYPE_A, tcp, 0, true, 1232, 1, true);
		/* BADVERS is 16: 0 in the header's rcode, 1 in the OPT's extended rcode (checked by ask_in_batch). */
		assert_int_equal(ldns_pkt_edns_extended_rcode(r) << 4 | ldns_pkt_get_rcode(r), 16);
		expect_status(r, LDNS_RCODE_NOERROR, false, false, 0, 0);
	}
}

static void test_oversized_txt_without_edns_is_truncated_over_udp_and_whole_over_tcp(void **state)
{
	struct fixture *f = *state;
	char reason[601];
	memset(reason, 'r', 600);
	memcpy(reason, "relay $: ", 9);
	reason[600] = '\0';
	PUT(f, "192.0.2.8", {3}, .reason = reason);
	char expected[700];
	snprintf(expected, sizeof expected, "relay 192.0.2.8: %s", reason + 9);
	const char *name = "8.2.0.192.Rbl.Example.";

	/* UDP, no EDNS0: 662 bytes do not fit in 512; the question is kept (ask_in_batch checks it). */
	expect_status(ASK(f, name, LDNS_RR_TYPE_TXT), LDNS_RCODE_NOERROR, true, true, 0, 0);
	ldns_pkt *r = ASK(f, name, LDNS_RR_TYPE_TXT, true);
	expect_status(r, LDNS_RCODE_NOERROR, true, false, 1, 0);
	expect_txt(r, 0, name, ZONE_TTL, expected);
	assert_int_equal(ldns_rr_rd_count(ldns_rr_list_rr(ldns_pkt_answer(r), 0)), 3); /* 608 bytes: 255 + 255 + 98 */
	r = ASK(f, name, LDNS_RR_TYPE_TXT, false, 0, true, 1232); /* fits in EDNS0's 1232 */
	expect_status(r, LDNS_RCODE_NOERROR, true, false, 1, 0);
	expect_txt(r, 0, name, ZONE_TTL, expected);
	expect_status(ASK(f, name, LDNS_RR_TYPE_A), LDNS_RCODE_NOERROR, true, false, 1, 0);
}

static void test_response_never_exceeds_client_edns_payload(void **state)
{
	struct fixture *f = *state;
	/* 72 x "$ " + 8 bytes: 72 x "192.0.2.77 " + 8 = an 800-byte TXT, a response of exactly 867 bytes ("$ " and not
	 * "$$", which is a literal dollar). */
	char reason[300] = "", expected[2048] = "";
	for (int i = 0; i < 72; i++) {
		strcat(reason, "$ ");
		strcat(expected, "192.0.2.77 ");
	}
	strcat(reason, "abcdefgh");
	strcat(expected, "abcdefgh");
	PUT(f, "192.0.2.77", .reason = reason);
	const char *name = "77.2.0.192.rbl.example.";

	static const struct {
		uint16_t payload;
		bool fits;
	} cases[] = {{0, false},   {100, false},  {512, false},  {700, false}, {866, false},
		     {867, true},  {1232, true},  {4096, true},  {65535, true}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		/* ask_in_batch checks len <= min(max(payload, 512), 1232) and that no byte past it was written. */
		ldns_pkt *r = ASK(f, name, LDNS_RR_TYPE_TXT, false, 0, true, cases[i].payload, 0, true);
		expect_status(r, LDNS_RCODE_NOERROR, true, !cases[i].fits, cases[i].fits ? 1 : 0, 0);
		if (cases[i].fits)
			expect_txt(r, 0, name, ZONE_TTL, expected);
	}

	/* 136 x 11 + 4 bytes = 1500: past our own 1232 whatever the client offers; whole over TCP. */
	reason[0] = expected[0] = '\0';
	for (int i = 0; i < 136; i++) {
		strcat(reason, "$ ");
		strcat(expected, "192.0.2.77 ");
	}
	strcat(reason, "abcd");
	strcat(expected, "abcd");
	PUT(f, "192.0.2.77", .reason = reason);
	ldns_pkt *r = ASK(f, name, LDNS_RR_TYPE_TXT, false, 0, true, 4096);
	expect_status(r, LDNS_RCODE_NOERROR, true, true, 0, 0);
	r = ASK(f, name, LDNS_RR_TYPE_TXT, true, 0, true, 4096);
	expect_status(r, LDNS_RCODE_NOERROR, true, false, 1, 0);
	expect_txt(r, 0, name, ZONE_TTL, expected);
}

static void test_zone_created_after_init_is_served_from_next_batch(void **state)
{
	struct fixture *f = *state;
	expect_status(ASK(f, "2.0.0.127.late.example.", LDNS_RR_TYPE_A), LDNS_RCODE_REFUSED, false, false, 0, 0);
	create_zone(f, "late.example", false);
	EXPECT_LISTED(f, "2.0.0.127.late.example.", TEST_POINT);
	expect_nxdomain(f, "1.0.0.127.late.example.");
}

static void test_commit_between_batches_is_seen_only_by_next_batch(void **state)
{
	struct fixture *f = *state;
	const char *name = "9.113.0.203.rbl.example.";
	zone_def_t before, after;
	zone_def_of(f, ZONE ".", &before);

	assert_int_equal(answer_batch_begin(&f->ctx), RBL_OK);
	ldns_pkt *r = ask_in_batch(f, &(struct query){.name = name, .type = LDNS_RR_TYPE_A});
	expect_negative_soa(r, LDNS_RCODE_NXDOMAIN, &before);
	PUT(f, "203.0.113.9", {5}); /* committed while the batch holds its snapshot */
	zone_def_of(f, ZONE ".", &after);
	assert_int_not_equal(after.serial, before.serial);
	r = ask_in_batch(f, &(struct query){.name = name, .type = LDNS_RR_TYPE_A});
	expect_negative_soa(r, LDNS_RCODE_NXDOMAIN, &before);
	answer_batch_end(&f->ctx);

	EXPECT_LISTED(f, name, 0x7f000005);
	expect_negative_soa(ASK(f, name, LDNS_RR_TYPE_MX), LDNS_RCODE_NOERROR, &after);
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_listed_address_answers_one_a_per_code),
		TEST(test_listed_address_without_codes_answers_the_zone_default_code),
		TEST(test_listed_txt_is_the_entry_text_else_the_zone_template_with_dollar_replaced),
		TEST(test_notext_entry_answers_a_but_txt_is_nodata),
		TEST(test_other_type_at_listed_name_is_nodata_with_soa),
		TEST(test_unlisted_address_is_nxdomain_with_soa),
		TEST(test_excluded_address_inside_listed_cidr_is_nxdomain),
		TEST(test_expired_entry_is_nxdomain),
		TEST(test_expired_host_inside_listed_cidr_answers_with_the_cidr),
		TEST(test_partial_name_with_listing_below_is_nodata),
		TEST(test_partial_name_without_listing_below_is_nxdomain),
		TEST(test_partial_name_whose_only_listing_below_expired_is_nxdomain),
		TEST(test_non_numeric_or_five_label_names_are_nxdomain),
		TEST(test_ipv6_nibble_name_is_answered_like_ipv4),
		TEST(test_ipv4_mapped_nibble_name_is_answered_from_ipv4_data),
		TEST(test_ipv6_partial_names_towards_test_point_are_nodata),
		TEST(test_test_point_2_is_listed_in_every_zone_with_builtin_answer),
		TEST(test_test_point_2_answers_from_data_when_data_lists_it),
		TEST(test_test_point_2_stays_listed_when_data_excludes_it),
		TEST(test_loopback_1_is_never_listed_even_when_data_lists_it),
		TEST(test_apex_soa_and_ns_answer_the_zone_soa_and_ns_set),
		TEST(test_apex_any_answers_what_exists),
		TEST(test_apex_a_is_nodata_with_soa),
		TEST(test_name_outside_every_zone_is_refused_without_aa),
		TEST(test_chaos_class_is_refused_without_operator_text),
		TEST(test_chaos_names_answer_the_operator_text),
		TEST(test_refused_answer_for_clients_outside_the_acl_echoes_the_question),
		TEST(test_qdcount_other_than_one_is_formerr),
		TEST(test_other_opcode_is_notimp_with_opcode_echoed),
		TEST(test_genreport_flag_and_opcode_combinations_get_clean_flags),
		TEST(test_response_or_packet_shorter_than_header_is_never_answered),
		TEST(test_edns_opt_is_echoed_with_our_payload_and_do_bit),
		TEST(test_edns_version_1_is_badvers),
		TEST(test_oversized_txt_without_edns_is_truncated_over_udp_and_whole_over_tcp),
		TEST(test_response_never_exceeds_client_edns_payload),
		TEST(test_zone_created_after_init_is_served_from_next_batch),
		TEST(test_commit_between_batches_is_seen_only_by_next_batch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
