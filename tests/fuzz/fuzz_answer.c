/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_answer.c — the query path (wire_parse, answer_packet, wire_write) over a small real store, UDP and TCP.
 *
 * Each input is answered five ways: as one UDP datagram into a buffer of exactly dnsbld's UDP size; as the same
 * message over TCP (a UDP reply without TC must be the TCP reply, but for whole additional RRsets left out); as a TCP
 * byte stream, cut into frames the way dnsbld/tcp.c cuts it (2-byte length, at most TCP_MAX_QUERY, an incomplete
 * frame waits), each frame copied to a buffer of its own size so that ASan sees any read past it; as a UDP datagram
 * outside a batch (SERVFAIL) into the smallest buffer answer.h allows; and by answer_refused (REFUSED, outside
 * allow-query). Every reply must parse with ldns, keep the query's ID, have QR set and fit the limit the query
 * allowed (answer.h: 512 without EDNS0, the EDNS payload size capped at 1232 with it, 65535 over TCP); only a
 * datagram shorter than a header or with QR=1 goes unanswered. The context answers CH TXT id.server and
 * hostname.bind, and refuses version.bind; name servers inside their zones have addresses (A/AAAA answers at their
 * names, glue in NS answers).
 */
#include "fuzz_common.h"

#include "base/err.h"
#include "query/answer.h"
#include "query/wire.h"
#include "store/store.h"
#include "xfr/tsig.h"

#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TCP_MAX_QUERY 4096 /* dnsbld/tcp.c: a larger frame closes the connection */
#define TCP_REPLY_MAX 65535

/* CH TXT id.server / hostname.bind answered (with a '$' that is no template), version.bind REFUSED. */
static const answer_options_t options = {.identity = "ns1.rbl.example $ \"fuzz\"", .version = NULL};
static store_t *store;
static answer_ctx_t ctx;
static uint8_t *udp_out, *tcp_out, *min_out; /* exactly WIRE_EDNS_PAYLOAD, TCP_REPLY_MAX, WIRE_UDP_MIN bytes */

static void must(int err, const char *what)
{
	if (err != RBL_OK) {
		fprintf(stderr, "fuzz_answer setup: %s: %s\n", what, rbl_strerror(err));
		abort();
	}
}

static uint32_t zone_create(zone_def_t *def)
{
	store_wtxn_t *w;
	must(store_write_begin(store, &w), "write begin");
	must(store_zone_create(w, def), def->name);
	must(store_write_commit(w), "commit");
	return def->id;
}

/* An address of name server i, for its A/AAAA answers and the glue of NS answers. */
static void add_ns_addr(zone_def_t *def, unsigned i, const char *text)
{
	must(addr_parse(text, &def->ns_addr[i][def->ns_addr_count[i]++]), text);
}

/* One listing (codes are the last octet of 127.0.0.x) or exclusion (no codes, ENTRY_EXCLUDE). */
static void put(uint32_t zone, const char *net, const uint8_t *codes, unsigned ncodes, uint8_t flags, int64_t expires,
                const char *reason)
{
	entry_t e;
	memset(&e, 0, sizeof e);
	must(cidr_parse(net, &e.net), net);
	for (unsigned i = 0; i < ncodes; i++)
		e.codes[e.ncodes++] = 0x7f000000u | codes[i];
	e.flags = flags;
	e.expires = expires;
	snprintf(e.reason, sizeof e.reason, "%s", reason);
	snprintf(e.source, sizeof e.source, "fuzz_answer");
	store_wtxn_t *w;
	must(store_write_begin(store, &w), "write begin");
	must(store_entry_put(w, zone, &e), net);
	must(store_write_commit(w), "commit");
}

/* Zones of every kind the answers table knows — configured, default, nested, aggregate, with TXT that overflows any
 * UDP limit — and listings of every kind: several codes, exclusions and listings inside them, no-TXT, expired,
 * IPv6, a reason full of '$'. The files are unlinked at once: LMDB keeps them open, and a crash leaves nothing. */
static void make_store(void)
{
	char dir[] = "/tmp/fuzz_answer.XXXXXX";
	if (!mkdtemp(dir))
		abort();
	must(store_open(dir, STORE_CREATE, &store), dir);
	int64_t now = time(NULL);

	zone_def_t def;
	zone_def_init(&def, "rbl.example", now);
	def.ns_count = 2;
	snprintf(def.ns[0], sizeof def.ns[0], "ns1.rbl.example");
	snprintf(def.ns[1], sizeof def.ns[1], "ns2.example.net");
	add_ns_addr(&def, 0, "192.0.2.53");
	add_ns_addr(&def, 0, "2001:db8::53");
	snprintf(def.mname, sizeof def.mname, "ns1.rbl.example");
	snprintf(def.rname, sizeof def.rname, "abuse.rbl.example");
	def.ttl = 1800;
	def.minimum = 120;
	def.default_code = 0x7f00000au;
	snprintf(def.txt, sizeof def.txt, "Listed in rbl.example: see https://rbl.example/q?ip=$ ($) $$5");
	uint32_t rbl = zone_create(&def);

	zone_def_init(&def, "sub.rbl.example", now);
	uint32_t sub = zone_create(&def);
	zone_def_init(&def, "other.example", now);
	uint32_t other = zone_create(&def);

	zone_def_init(&def, "long.example", now);
	def.ns_count = ZONE_MAX_NS;
	for (unsigned i = 0; i < ZONE_MAX_NS; i++) { /* in the zone, each with every address it may have: big glue */
		snprintf(def.ns[i], sizeof def.ns[i],
		         "%u.a-rather-long-name-server-label-to-fill-the-authority.long.example", i);
		static const char *const addrs[ZONE_NS_ADDR_MAX] = {"192.0.2.1", "198.51.100.1", "2001:db8::1",
		                                                    "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"};
		for (unsigned k = 0; k < ZONE_NS_ADDR_MAX; k++)
			add_ns_addr(&def, i, addrs[k]);
	}
	memset(def.txt, '$', sizeof def.txt - 1); /* every '$' an address: far over WIRE_TXT_MAX */
	def.txt[sizeof def.txt - 1] = '\0';
	uint32_t longz = zone_create(&def);

	zone_def_init(&def, "agg.example", now);
	def.members[def.member_count++] = rbl;
	def.members[def.member_count++] = other;
	def.members[def.member_count++] = longz;
	uint32_t agg = zone_create(&def);

	char reason[ENTRY_TEXT_MAX];
	memset(reason, '$', sizeof reason - 1);
	reason[sizeof reason - 1] = '\0';
	put(rbl, "192.0.2.0/24", (const uint8_t[]){2, 3, 4}, 3, 0, 0, "net $ listed");
	put(rbl, "192.0.2.128/25", NULL, 0, ENTRY_EXCLUDE, 0, "");
	put(rbl, "192.0.2.200", (const uint8_t[]){5}, 1, 0, 0, "");
	put(rbl, "198.51.100.7", (const uint8_t[]){6}, 1, ENTRY_NOTEXT, 0, "");
	put(rbl, "203.0.113.5", NULL, 0, 0, now - 60, "expired");
	put(rbl, "203.0.113.6", NULL, 0, 0, now + 86400, "expires tomorrow");
	put(rbl, "2001:db8::/32", (const uint8_t[]){7}, 1, 0, 0, reason);
	put(rbl, "2001:db8:1::/48", NULL, 0, ENTRY_EXCLUDE, 0, "");
	put(sub, "10.0.0.0/8", (const uint8_t[]){2, 3, 4, 5, 6, 7, 8, 9}, 8, 0, 0, "sub $");
	put(longz, "192.0.2.1", (const uint8_t[]){2}, 1, 0, 0, "");
	put(longz, "2001:db8::1", (const uint8_t[]){3}, 1, 0, 0, reason);
	put(agg, "192.0.2.1", (const uint8_t[]){9}, 1, 0, 0, "own entry");

	must(answer_ctx_init(&ctx, store), "answer_ctx_init");
	ctx.options = &options;
	char path[64];
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	make_store();
	udp_out = malloc(WIRE_EDNS_PAYLOAD);
	tcp_out = malloc(TCP_REPLY_MAX);
	min_out = malloc(WIRE_UDP_MIN);
	if (!udp_out || !tcp_out || !min_out)
		abort();
	return 0;
}

/* The most a UDP reply to query may take, read from the query by ldns rather than by the parser under test. When
 * ldns cannot read the query, only the absolute cap is known. */
static size_t udp_limit(const uint8_t *query, size_t len)
{
	ldns_pkt *q = NULL;
	tsig_wire_records_t records; /* ldns_wire2pkt leaks on repeated TSIG or OPT records (tsig.h) */
	if (tsig_wire_scan(query, len, &records) || !tsig_wire_parsable(&records) ||
	    ldns_wire2pkt(&q, query, len) != LDNS_STATUS_OK)
		return WIRE_EDNS_PAYLOAD;
	size_t limit = WIRE_UDP_MIN;
	if (ldns_pkt_edns(q)) {
		size_t payload = ldns_pkt_edns_udp_size(q);
		if (payload > limit)
			limit = payload < WIRE_EDNS_PAYLOAD ? payload : WIRE_EDNS_PAYLOAD;
	}
	ldns_pkt_free(q);
	return limit;
}

static void check_reply(const uint8_t *query, size_t qlen, const uint8_t *reply, size_t n, size_t limit)
{
	bool droppable = qlen < WIRE_HEADER_LEN || (query[2] & 0x80);
	if (n == 0) {
		FUZZ_CHECK(droppable);
		return;
	}
	FUZZ_CHECK(!droppable);
	FUZZ_CHECK(n >= WIRE_HEADER_LEN);
	FUZZ_CHECK(n <= limit);
	FUZZ_CHECK(reply[0] == query[0] && reply[1] == query[1]);
	FUZZ_CHECK(reply[2] & 0x80);
	ldns_pkt *p = NULL;
	ldns_status st = ldns_wire2pkt(&p, reply, n);
	if (st != LDNS_STATUS_OK)
		fprintf(stderr, "ldns: %s\n", ldns_get_errorstr_by_id(st));
	FUZZ_CHECK(st == LDNS_STATUS_OK);
	ldns_pkt_free(p);
}

/* How many records of l belong to rr's RRset (owner, type and class). */
static size_t rrset_size(const ldns_rr_list *l, const ldns_rr *rr)
{
	size_t n = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		const ldns_rr *x = ldns_rr_list_rr(l, i);
		n += ldns_rr_get_type(x) == ldns_rr_get_type(rr) && ldns_rr_get_class(x) == ldns_rr_get_class(rr) &&
		     ldns_dname_compare(ldns_rr_owner(x), ldns_rr_owner(rr)) == 0;
	}
	return n;
}

/* The transport changes only the size limit. A truncated UDP reply keeps no answer or authority record
 * (wire_writer_truncate). One without TC is the TCP reply, except that additional RRsets that did not fit may be
 * left out — whole RRsets: RFC 2181 section 9 ("the entire RRSet that will not fit in the response should be
 * omitted"), or a resolver caches part of a name server's addresses as all of them. */
static void compare_transports(const uint8_t *udp, size_t n, const uint8_t *tcp, size_t whole)
{
	if (n == 0 || (udp[2] & 0x02)) {
		FUZZ_CHECK((n == 0) == (whole == 0));
		FUZZ_CHECK(n == 0 || (udp[6] | udp[7] | udp[8] | udp[9]) == 0);
		return;
	}
	if (whole == n) {
		FUZZ_CHECK(memcmp(udp, tcp, n) == 0);
		return;
	}
	FUZZ_CHECK(whole > n);
	FUZZ_CHECK(memcmp(udp, tcp, 10) == 0); /* ID, flags, question, answer and authority counts */
	ldns_pkt *u = NULL, *t = NULL;
	FUZZ_CHECK(ldns_wire2pkt(&u, udp, n) == LDNS_STATUS_OK && ldns_wire2pkt(&t, tcp, whole) == LDNS_STATUS_OK);
	FUZZ_CHECK(ldns_rr_list_compare(ldns_pkt_answer(u), ldns_pkt_answer(t)) == 0);
	FUZZ_CHECK(ldns_rr_list_compare(ldns_pkt_authority(u), ldns_pkt_authority(t)) == 0);
	const ldns_rr_list *ua = ldns_pkt_additional(u), *ta = ldns_pkt_additional(t);
	FUZZ_CHECK(ldns_rr_list_rr_count(ua) < ldns_rr_list_rr_count(ta));
	for (size_t i = 0; i < ldns_rr_list_rr_count(ua); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ua, i);
		FUZZ_CHECK(ldns_rr_list_contains_rr(ta, rr));
		FUZZ_CHECK(rrset_size(ua, rr) == rrset_size(ta, rr)); /* no partial RRset */
	}
	FUZZ_CHECK(ldns_pkt_edns(u) == ldns_pkt_edns(t) && ldns_pkt_edns_udp_size(u) == ldns_pkt_edns_udp_size(t) &&
	           ldns_pkt_edns_do(u) == ldns_pkt_edns_do(t) &&
	           ldns_pkt_edns_extended_rcode(u) == ldns_pkt_edns_extended_rcode(t));
	ldns_pkt_free(u);
	ldns_pkt_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	must(answer_batch_begin(&ctx), "answer_batch_begin");
	size_t n = answer_packet(&ctx, data, size, udp_out, WIRE_EDNS_PAYLOAD, false);
	check_reply(data, size, udp_out, n, n ? udp_limit(data, size) : 0);
	size_t whole = answer_packet(&ctx, data, size, tcp_out, TCP_REPLY_MAX, true);
	check_reply(data, size, tcp_out, whole, TCP_REPLY_MAX);
	compare_transports(udp_out, n, tcp_out, whole);

	for (size_t off = 0; size - off >= 2;) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		if (len > TCP_MAX_QUERY || size - off - 2 < len)
			break;
		uint8_t *frame = malloc(len ? len : 1);
		if (!frame)
			abort();
		memcpy(frame, data + off + 2, len);
		n = answer_packet(&ctx, frame, len, tcp_out, TCP_REPLY_MAX, true);
		check_reply(frame, len, tcp_out, n, TCP_REPLY_MAX);
		free(frame);
		off += 2 + len;
	}
	answer_batch_end(&ctx);

	n = answer_packet(&ctx, data, size, min_out, WIRE_UDP_MIN, false); /* no batch: SERVFAIL, or an error */
	check_reply(data, size, min_out, n, WIRE_UDP_MIN);

	/* A client outside allow-query: REFUSED, whatever the message. */
	n = answer_refused(data, size, udp_out, WIRE_EDNS_PAYLOAD, false, NULL);
	check_reply(data, size, udp_out, n, n ? udp_limit(data, size) : 0);
	FUZZ_CHECK(n == 0 || (udp_out[3] & 0x0f) == WIRE_R_REFUSED);
	return 0;
}
