/* SPDX-License-Identifier: BSD-2-Clause */
/* wire_queries.h — the queries test_wire.c and test_wire_writer.c parse: built by hand or copied from ldns. */
#ifndef RBL_TEST_WIRE_QUERIES_H
#define RBL_TEST_WIRE_QUERIES_H

/* Header-only (static functions): every tests/unit/<library>/test_*.c is its own program. Needs cmocka, ldns and
 * query/wire.h included first. Not every program that includes this uses every helper. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-variable"

/* A query packet built by hand (for malformed ones) or copied from ldns. */
struct packet {
	uint8_t bytes[1024];
	size_t len;
};

static void put_u8(struct packet *p, uint8_t v)
{
	assert_true(p->len < sizeof p->bytes);
	p->bytes[p->len++] = v;
}

static void put_u16(struct packet *p, uint16_t v)
{
	put_u8(p, (uint8_t)(v >> 8));
	put_u8(p, (uint8_t)v);
}

static void put_raw(struct packet *p, const void *src, size_t n)
{
	assert_true(n <= sizeof p->bytes - p->len);
	memcpy(p->bytes + p->len, src, n);
	p->len += n;
}

/* flags is header bytes 2 and 3 together: 0x0100 = RD. */
static void put_header(struct packet *p, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
{
	p->len = 0;
	put_u16(p, 0x1234);
	put_u16(p, flags);
	put_u16(p, qd);
	put_u16(p, an);
	put_u16(p, ns);
	put_u16(p, ar);
}

static void put_opt(struct packet *p, uint16_t payload, uint8_t version, bool do_bit)
{
	put_u8(p, 0);
	put_u16(p, WIRE_T_OPT);
	put_u16(p, payload);
	put_u8(p, 0);
	put_u8(p, version);
	put_u16(p, do_bit ? 0x8000 : 0);
	put_u16(p, 0);
}

/* Header, question "\x01a\x03Rbl\x00" A IN, then nothing: ARCOUNT is the caller's. */
static void put_simple_query(struct packet *p, uint16_t ar)
{
	put_header(p, 0x0100, 1, 0, 0, ar);
	/* clang-format off */
	put_raw(p, "\x01" "a" "\x03" "Rbl" "\x00" "\x00\x01" "\x00\x01", 11);
	/* clang-format on */
}

struct query_spec {
	const char *name;
	ldns_rr_type type;
	uint16_t id;
	uint16_t flags; /* LDNS_RD, LDNS_CD */
	bool edns;
	uint16_t udp_size;
	uint8_t version;
	bool do_bit;
};

static void ldns_query(const struct query_spec *spec, struct packet *p)
{
	ldns_rdf *name = ldns_dname_new_frm_str(spec->name);
	assert_non_null(name);
	ldns_pkt *pkt = ldns_pkt_query_new(name, spec->type, LDNS_RR_CLASS_IN, spec->flags);
	assert_non_null(pkt);
	ldns_pkt_set_id(pkt, spec->id);
	if (spec->edns) {
		ldns_pkt_set_edns_udp_size(pkt, spec->udp_size);
		ldns_pkt_set_edns_version(pkt, spec->version);
		ldns_pkt_set_edns_do(pkt, spec->do_bit);
	}
	uint8_t *wire = NULL;
	size_t size = 0;
	assert_int_equal(ldns_pkt2wire(&wire, pkt, &size), LDNS_STATUS_OK);
	p->len = 0;
	put_raw(p, wire, size);
	free(wire);
	ldns_pkt_free(pkt);
}

/* Builds a query with ldns and parses it, expecting a query to answer. */
static void answerable_query(const struct query_spec *spec, struct packet *p, wire_query_t *q)
{
	ldns_query(spec, p);
	assert_int_equal(wire_parse_query(p->bytes, p->len, q), WIRE_ANSWER);
}

static void parse_ok(const struct packet *p, wire_query_t *q, enum wire_verdict expected)
{
	assert_int_equal(wire_parse_query(p->bytes, p->len, q), expected);
}

static const struct query_spec listed_a = {
        "2.0.0.127.Rbl.ExAmple.", LDNS_RR_TYPE_A, 0xBEEF, LDNS_RD | LDNS_CD, false, 0, 0, false};
static const struct query_spec listed_txt_edns = {
        "2.0.0.127.rbl.example.", LDNS_RR_TYPE_TXT, 0x0102, LDNS_RD, true, 4096, 0, true};

#pragma GCC diagnostic pop

#endif
