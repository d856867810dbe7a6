/* SPDX-License-Identifier: BSD-2-Clause */
/* answer_harness.h — a store with two zones, queries sent through answer_packet, the checks every response gets. */
#ifndef RBL_TEST_ANSWER_HARNESS_H
#define RBL_TEST_ANSWER_HARNESS_H

/* What test_answer.c and test_answer_protocol.c share. Header-only (static functions): every
 * tests/unit/<library>/test_*.c is its own program. Needs cmocka included first. */
#include "query/answer.h"
#include "base/err.h"
#include "store/store.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Not every program that includes this uses every helper. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"

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

#define EXPECT_LISTED(f, name, ...)                                                                                    \
	expect_listed((f), (name), (const uint32_t[]){__VA_ARGS__},                                                    \
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

#pragma GCC diagnostic pop

#endif
