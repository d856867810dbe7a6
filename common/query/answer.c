/* SPDX-License-Identifier: BSD-2-Clause */
/* answer.c — the answers table: zone match, reversed-name parse, interval lookup, RFC 5782 test points, records. */
#include "answer_internal.h"

#include "base/err.h"
#include "base/revname.h"
#include "query/wire.h"

#include <string.h>
#include <time.h>

#define TEST_POINT_LISTED 0x7f000002u /* 127.0.0.2: listed in every zone */
#define TEST_POINT_NEVER 0x7f000001u  /* 127.0.0.1: never listed */
#define TEST_POINT_TXT "$ is the RFC 5782 test point of this list"

int answer_ctx_init(answer_ctx_t *ctx, store_t *st)
{
	memset(ctx, 0, sizeof *ctx);
	return store_reader_init(st, &ctx->reader);
}

void answer_ctx_free(answer_ctx_t *ctx)
{
	answer_release(ctx);
	store_reader_free(&ctx->reader);
	zonetab_free(&ctx->zones);
}

int answer_batch_begin(answer_ctx_t *ctx)
{
	ctx->now = time(NULL);
	ctx->batches++;
	/* The snapshot kept from the last batch serves as long as nothing was committed since: one look at LMDB's
	 * meta page instead of a reset and a renew (~330 instructions) per batch. */
	if (ctx->reader.active && store_reader_current(&ctx->reader)) {
		ctx->in_batch = true;
		return RBL_OK;
	}
	store_reader_end(&ctx->reader);
	int err = store_reader_begin(&ctx->reader);
	if (!err)
		err = zonetab_refresh(&ctx->zones, &ctx->reader);
	if (err) {
		store_reader_end(&ctx->reader);
		return err;
	}
	ctx->in_batch = true;
	return RBL_OK;
}

void answer_batch_end(answer_ctx_t *ctx)
{
	ctx->in_batch = false; /* the snapshot stays for the next batch (answer_release lets it go) */
}

void answer_release(answer_ctx_t *ctx)
{
	store_reader_end(&ctx->reader);
	ctx->in_batch = false;
}

/* Everything one question's answer needs while it is being written. */
struct question {
	answer_ctx_t *ctx;
	const wire_query_t *q;
	const zonetab_zone_t *zone;
	wire_writer_t *w;
	uint16_t apex_off; /* offset of the apex name inside the response (a suffix of the question name) */
};

static uint32_t v4_value(const addr_t *a)
{
	return (uint32_t)a->b[0] << 24 | (uint32_t)a->b[1] << 16 | (uint32_t)a->b[2] << 8 | a->b[3];
}

static void add_soa(struct question *qn, enum wire_section section, uint32_t ttl)
{
	/* The serial moves with every commit to the zone, the table only with its definitions: read it once a snapshot. */
	const zonetab_zone_t *z = zonetab_soa_current(&qn->ctx->zones, &qn->ctx->reader, qn->zone);
	wire_writer_rr(qn->w, section, qn->apex_off, WIRE_T_SOA, ttl, z->soa_rdata, z->soa_rdlen);
}

/* NOERROR with no answer, or NXDOMAIN: the SOA in authority tells the negative TTL (RFC 2308). */
static unsigned negative(struct question *qn, unsigned rcode)
{
	add_soa(qn, WIRE_AUTHORITY_SECTION, qn->zone->minimum);
	return rcode;
}

/* A name server's own name inside the zone: its addresses, or no data for another type. */
static unsigned answer_ns_name(struct question *qn, unsigned ns)
{
	uint16_t qtype = qn->q->qtype;
	if (answer_ns_addresses(qn->w, qn->zone, ns, qtype, WIRE_ANSWER_SECTION, WIRE_HEADER_LEN) == 0)
		return negative(qn, WIRE_R_NOERROR);
	return WIRE_R_NOERROR;
}

static unsigned answer_apex(struct question *qn)
{
	const zonetab_zone_t *z = qn->zone;
	uint16_t qtype = qn->q->qtype;
	bool any = qtype == WIRE_T_ANY;
	int apex_ns = answer_ns_host(z, qn->q, 0); /* a name server named like the zone itself */
	if ((qtype == WIRE_T_A || qtype == WIRE_T_AAAA) && apex_ns >= 0)
		return answer_ns_name(qn, (unsigned)apex_ns);
	if (qtype != WIRE_T_SOA && qtype != WIRE_T_NS && !any)
		return negative(qn, WIRE_R_NOERROR);
	if (qtype == WIRE_T_NS && z->ns_count == 0)
		return negative(qn, WIRE_R_NOERROR);
	if (qtype == WIRE_T_SOA || any)
		add_soa(qn, WIRE_ANSWER_SECTION, z->ttl);
	uint16_t ns_name_off[ZONE_MAX_NS] = {0}; /* where each NS record's name server name lies in the response */
	if (qtype == WIRE_T_NS || any) {
		for (unsigned i = 0; i < z->ns_count; i++) {
			if (!qn->w->overflow)
				ns_name_off[i] = (uint16_t)(qn->w->len + 12); /* after the record's fixed part */
			wire_writer_rr(qn->w, WIRE_ANSWER_SECTION, qn->apex_off, WIRE_T_NS, z->ttl, z->ns_rdata[i],
			               z->ns_rdlen[i]);
		}
	}
	if (any && apex_ns >= 0)
		answer_ns_addresses(qn->w, z, (unsigned)apex_ns, WIRE_T_ANY, WIRE_ANSWER_SECTION, qn->apex_off);
	/* Glue: the addresses of the name servers inside the zone, which no one else can give. */
	for (unsigned i = 0; i < z->ns_count && !qn->w->overflow; i++)
		if (z->ns_in_zone[i] && ns_name_off[i] && (!any || (int)i != apex_ns))
			answer_ns_addresses(qn->w, z, i, WIRE_T_ANY, WIRE_ADDITIONAL_SECTION, ns_name_off[i]);
	return WIRE_R_NOERROR;
}

/* Where a listing comes from: the queried zone's own entries, or (for an aggregate) a member zone's. */
struct source_hit {
	const zonetab_zone_t *source;
	store_hit_t hit;
	bool builtin; /* the RFC 5782 test point, not in the data */
};

#define MAX_SOURCES (1 + ZONE_MAX_MEMBERS)

static unsigned zone_sources(const zonetab_zone_t *z, const zonetab_zone_t *out[MAX_SOURCES])
{
	out[0] = z;
	for (unsigned i = 0; i < z->member_count; i++)
		out[1 + i] = z->members[i];
	return 1 + z->member_count;
}

/* One A per code of every source that lists the address; a code two sources share is written once. */
static void add_a_records(struct question *qn, const struct source_hit *hits, unsigned n)
{
	uint32_t written[MAX_SOURCES * ENTRY_MAX_CODES];
	unsigned count = 0;
	for (unsigned h = 0; h < n; h++) {
		const store_hit_t *hit = &hits[h].hit;
		const uint32_t *codes = hit->ncodes ? hit->codes : &hits[h].source->default_code;
		for (unsigned i = 0; i < (hit->ncodes ? hit->ncodes : 1u); i++) {
			bool seen = false;
			for (unsigned j = 0; j < count && !seen; j++)
				seen = written[j] == codes[i];
			if (seen)
				continue;
			written[count++] = codes[i];
			uint8_t rdata[4] = {(uint8_t)(codes[i] >> 24), (uint8_t)(codes[i] >> 16),
			                    (uint8_t)(codes[i] >> 8), (uint8_t)codes[i]};
			wire_writer_rr(qn->w, WIRE_ANSWER_SECTION, WIRE_HEADER_LEN, WIRE_T_A, qn->zone->ttl, rdata, 4);
		}
	}
}

/* The text a hit answers with: the entry's own, else its zone's template (the test point has its own). */
static int hit_text(struct question *qn, const addr_t *a, const struct source_hit *h, const char **text, size_t *len)
{
	if (h->builtin) {
		*text = TEST_POINT_TXT;
		*len = sizeof TEST_POINT_TXT - 1;
		return RBL_OK;
	}
	int err = store_reader_text(&qn->ctx->reader, h->source->id, a, &h->hit, text, len);
	if (!err && *len == 0) {
		*text = h->source->txt;
		*len = h->source->txt_len;
	}
	return err;
}

/* One TXT per source with text ('$' becomes the address); identical texts are written once. Returns how many
 * were written, or a store error. */
static int add_txt_records(struct question *qn, const addr_t *a, const struct source_hit *hits, unsigned n)
{
	const char *texts[MAX_SOURCES];
	size_t lens[MAX_SOURCES];
	unsigned count = 0;
	char subst[ADDR_STRLEN];
	addr_format(a, subst);
	for (unsigned h = 0; h < n; h++) {
		if (hits[h].hit.flags & ENTRY_NOTEXT)
			continue;
		int err = hit_text(qn, a, &hits[h], &texts[count], &lens[count]);
		if (err)
			return err;
		bool seen = false;
		for (unsigned j = 0; j < count && !seen; j++)
			seen = lens[j] == lens[count] && memcmp(texts[j], texts[count], lens[count]) == 0;
		if (seen)
			continue;
		wire_writer_txt(qn->w, WIRE_HEADER_LEN, qn->zone->ttl, texts[count], lens[count], subst);
		count++;
	}
	return (int)count;
}

/* A listed address: A, TXT, ANY answer; every other type, and TXT when no source has text, is NODATA. */
static unsigned answer_listed(struct question *qn, const addr_t *a, const struct source_hit *hits, unsigned n)
{
	qn->ctx->info.listed = true;
	uint16_t qtype = qn->q->qtype;
	bool any = qtype == WIRE_T_ANY;
	if (qtype == WIRE_T_A || any)
		add_a_records(qn, hits, n);
	int texts = 0;
	if (qtype == WIRE_T_TXT || any)
		texts = add_txt_records(qn, a, hits, n);
	if (texts < 0)
		return WIRE_R_SERVFAIL;
	if (qtype == WIRE_T_A || any || texts > 0)
		return WIRE_R_NOERROR;
	return negative(qn, WIRE_R_NOERROR);
}

/* Looks a whole address up in every source, applying the RFC 5782 test points: 127.0.0.2 is listed whatever the
 * data says (the data supplies the answer if it lists it), 127.0.0.1 never is. Returns how many sources list it,
 * or a store error. */
static int lookup_address(struct question *qn, const addr_t *a, struct source_hit hits[MAX_SOURCES])
{
	if (a->family == ADDR_V4 && v4_value(a) == TEST_POINT_NEVER)
		return 0;
	const zonetab_zone_t *sources[MAX_SOURCES];
	unsigned n = zone_sources(qn->zone, sources), found = 0;
	for (unsigned i = 0; i < n; i++) {
		int listed = store_reader_lookup(&qn->ctx->reader, sources[i]->id, a, qn->ctx->now, &hits[found].hit);
		if (listed < 0)
			return listed;
		if (listed) {
			hits[found].source = sources[i];
			hits[found++].builtin = false;
		}
	}
	if (found == 0 && a->family == ADDR_V4 && v4_value(a) == TEST_POINT_LISTED) {
		memset(&hits[0], 0, sizeof hits[0]);
		hits[0].source = qn->zone;
		hits[0].hit.ncodes = 1;
		hits[0].hit.codes[0] = TEST_POINT_LISTED;
		hits[0].builtin = true;
		found = 1;
	}
	return (int)found;
}

/* Whether any source lists an address inside range. */
static bool any_source_range_listed(struct question *qn, const cidr_t *range)
{
	const zonetab_zone_t *sources[MAX_SOURCES];
	unsigned n = zone_sources(qn->zone, sources);
	for (unsigned i = 0; i < n; i++)
		if (store_reader_range_listed(&qn->ctx->reader, sources[i]->id, range, qn->ctx->now))
			return true;
	return false;
}

static bool v4_range_listed(struct question *qn, const cidr_t *range)
{
	addr_t test_point = {.family = ADDR_V4, .b = {127, 0, 0, 2}};
	return cidr_contains(range, &test_point) || any_source_range_listed(qn, range);
}

/* Whether a partial IPv6 name has anything listed below it. ::ffff:0:0/96 is the IPv4 data (and holds the test
 * point ::ffff:7f00:2), so a range around it always has, and a range inside it asks the IPv4 intervals. */
static bool v6_range_listed(struct question *qn, const cidr_t *range)
{
	static const addr_t mapped = {.family = ADDR_V6, .b = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}};
	if (range->len <= 96 && cidr_contains(range, &mapped))
		return true;
	if (range->len > 96) {
		addr_t head = range->addr;
		addr_mask(&head, 96);
		if (addr_cmp(&head, &mapped) == 0) {
			cidr_t v4 = {.addr = {.family = ADDR_V4}, .len = (uint8_t)(range->len - 96)};
			memcpy(v4.addr.b, range->addr.b + 12, 4);
			return v4_range_listed(qn, &v4);
		}
	}
	return any_source_range_listed(qn, range);
}

/* An empty non-terminal (RFC 8020): a name naming an address range with something listed inside answers NODATA,
 * under either reading of its labels. */
static bool names_nonempty_range(struct question *qn, const revname_t *rn)
{
	if (rn->v4_valid && rn->v4.len < 32 && v4_range_listed(qn, &rn->v4))
		return true;
	return rn->v6_valid && !rn->v6_mapped && rn->v6.len < 128 && v6_range_listed(qn, &rn->v6);
}

static unsigned answer_below_apex(struct question *qn, size_t prefix_len)
{
	int ns = answer_ns_host(qn->zone, qn->q, prefix_len);
	if (ns >= 0)
		return answer_ns_name(qn, (unsigned)ns);
	if (answer_ns_below(qn->zone, qn->q, prefix_len))
		return negative(qn, WIRE_R_NOERROR); /* an empty non-terminal above a name server's name (RFC 8020) */
	revname_t rn;
	revname_parse(qn->q->qname, prefix_len, &rn); /* the labels in front of the apex, in the packet */
	const addr_t *a = NULL;
	if (rn.v4_valid && rn.v4.len == 32)
		a = &rn.v4.addr;
	else if (rn.v6_valid && rn.v6.len == 128)
		a = &rn.v6.addr;
	if (a) {
		struct source_hit hits[MAX_SOURCES];
		int listed = lookup_address(qn, a, hits);
		if (listed < 0)
			return WIRE_R_SERVFAIL;
		if (listed)
			return answer_listed(qn, a, hits, (unsigned)listed);
	}
	return negative(qn, names_nonempty_range(qn, &rn) ? WIRE_R_NOERROR : WIRE_R_NXDOMAIN);
}

static uint16_t clamp_u16(size_t v)
{
	return v > 65535 ? 65535 : (uint16_t)v;
}

/* The most a response may take: TCP's 65535, or over UDP 512 without EDNS0 and the requester's payload size
 * (capped at ours) with it. */
static size_t response_limit(const wire_query_t *q, size_t cap, bool tcp)
{
	size_t limit = tcp ? 65535 : WIRE_UDP_MIN;
	if (!tcp && q->edns)
		limit = q->edns_payload < WIRE_EDNS_PAYLOAD ? q->edns_payload : WIRE_EDNS_PAYLOAD;
	if (limit < WIRE_UDP_MIN)
		limit = WIRE_UDP_MIN;
	return limit < cap ? limit : cap;
}

/* The kind of an answer from its rcode and answer count. */
static uint8_t kind_of(unsigned rcode, uint16_t ancount)
{
	switch (rcode) {
	case WIRE_R_NOERROR:
		return ancount ? ANSWER_POSITIVE : ANSWER_NODATA;
	case WIRE_R_NXDOMAIN:
		return ANSWER_NXDOMAIN;
	case WIRE_R_REFUSED:
		return ANSWER_REFUSED;
	default:
		return ANSWER_ERROR;
	}
}

size_t answer_packet(answer_ctx_t *ctx, const uint8_t *pkt, size_t len, uint8_t *out, size_t cap, bool tcp)
{
	wire_query_t q;
	enum wire_verdict verdict = wire_parse_query(pkt, len, &q);
	answer_info_t *info = &ctx->info;
	*info = (answer_info_t){.kind = ANSWER_NONE, .zone = -1};
	if (verdict == WIRE_DROP)
		return 0;
	wire_writer_t w;
	size_t limit = response_limit(&q, cap, tcp);
	if (verdict == WIRE_FORMERR || verdict == WIRE_NOTIMP) {
		unsigned rcode = verdict == WIRE_FORMERR ? WIRE_R_FORMERR : WIRE_R_NOTIMP;
		wire_writer_begin(&w, out, limit, &q, false, false);
		wire_writer_rcode(&w, rcode);
		if (q.edns) /* RFC 6891 section 7: a query with an OPT gets one back, errors included */
			wire_writer_opt(&w, rcode, q.edns_do);
		info->kind = ANSWER_MALFORMED;
		info->rcode = (uint8_t)rcode;
		return wire_writer_finish(&w);
	}
	info->qtype = q.qtype;
	info->qname_len = (uint16_t)q.qname_len;

	size_t prefix_len = 0;
	const zonetab_zone_t *zone = NULL;
	const char *chaos = verdict == WIRE_ANSWER ? answer_chaos_text(ctx->options, &q) : NULL;
	if (verdict == WIRE_ANSWER && ctx->in_batch && (q.qclass == WIRE_C_IN || q.qclass == WIRE_C_ANY))
		zone = zonetab_match(&ctx->zones, &q, &prefix_len);
	wire_writer_begin(&w, out, limit, &q, zone != NULL || chaos != NULL, true);
	if (q.edns)
		wire_writer_reserve(&w, WIRE_OPT_LEN);

	unsigned rcode;
	if (verdict == WIRE_BADVERS)
		rcode = WIRE_R_BADVERS;
	else if (chaos)
		rcode = answer_chaos(&q, &w, chaos);
	else if (!ctx->in_batch)
		rcode = WIRE_R_SERVFAIL;
	else if (!zone || q.qtype == WIRE_T_AXFR || q.qtype == WIRE_T_IXFR)
		rcode = WIRE_R_REFUSED; /* outside every zone, class CH without an operator's text, zone transfers */
	else {
		struct question qn = {ctx, &q, zone, &w, clamp_u16(WIRE_HEADER_LEN + prefix_len)};
		rcode = prefix_len == 0 ? answer_apex(&qn) : answer_below_apex(&qn, prefix_len);
	}
	info->truncated = w.overflow;
	/* A record that did not fit was an answer: what was written so far may be nothing. */
	info->kind = w.overflow && rcode == WIRE_R_NOERROR ? ANSWER_POSITIVE : kind_of(rcode, w.ancount);
	if (w.overflow)
		wire_writer_truncate(&w);
	info->rcode = (uint8_t)rcode;
	if (zone)
		info->zone = (int32_t)(zone - ctx->zones.zones);
	wire_writer_rcode(&w, rcode & 0xf);
	if (q.edns) {
		wire_writer_unreserve(&w, WIRE_OPT_LEN);
		wire_writer_opt(&w, rcode, q.edns_do);
	}
	return wire_writer_finish(&w);
}

size_t answer_refused(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap, bool tcp, answer_info_t *info)
{
	wire_query_t q;
	enum wire_verdict verdict = wire_parse_query(pkt, len, &q);
	if (info)
		*info = (answer_info_t){
		        .kind = verdict == WIRE_DROP ? ANSWER_NONE : ANSWER_ACL_REFUSED,
		        .rcode = WIRE_R_REFUSED,
		        .zone = -1,
		        .qtype = verdict == WIRE_ANSWER || verdict == WIRE_BADVERS ? q.qtype : 0,
		        .qname_len = verdict == WIRE_ANSWER || verdict == WIRE_BADVERS ? (uint16_t)q.qname_len : 0};
	if (verdict == WIRE_DROP)
		return 0;
	wire_writer_t w;
	bool question = verdict == WIRE_ANSWER || verdict == WIRE_BADVERS;
	wire_writer_begin(&w, out, response_limit(&q, cap, tcp), &q, false, question);
	wire_writer_rcode(&w, WIRE_R_REFUSED);
	if (q.edns)
		wire_writer_opt(&w, WIRE_R_REFUSED, q.edns_do);
	return wire_writer_finish(&w);
}
