/* SPDX-License-Identifier: BSD-2-Clause */
/* wire_parse.c — reads a DNS query packet into a wire_query: the query path's only parser. No allocation, no
 * logging, and every read checked against the packet length first. */
#include "query/wire.h"

#include <string.h>

#define WIRE_MAXNAME 255 /* wire bytes of a name, the root label included (RFC 1035 3.1) */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void clear_question(wire_query_t *q)
{
	q->qname = NULL;
	q->qname_len = 0;
	q->question_len = 0;
	q->labels = 0;
	q->qtype = 0;
	q->qclass = 0;
	q->edns = false;
	q->edns_payload = 0;
	q->edns_version = 0;
	q->edns_do = false;
}

/* Reads the question name at pkt[*pos] into q: where it is and where each label starts, nothing copied. Only plain
 * labels are accepted: refusing compression pointers here is what makes a pointer loop impossible, and a query has no
 * earlier name to point to anyway. */
static bool parse_qname(const uint8_t *pkt, size_t len, size_t *pos, wire_query_t *q)
{
	const uint8_t *name = pkt + *pos;
	/* Every length byte, the root's included, must lie inside the packet and within the 255 bytes a name may take;
	 * so must every label, as the byte after it is the next length byte. This also keeps labels below
	 * WIRE_MAXLABELS (each takes at least 2 bytes) and every offset inside a uint8_t. */
	size_t limit = len - *pos < WIRE_MAXNAME ? len - *pos : WIRE_MAXNAME;
	size_t off = 0;
	unsigned labels = 0;

	if (limit == 0)
		return false;
	for (;;) {
		uint8_t label = name[off];
		if (label == 0)
			break;
		if (label > 63) /* 0xC0 pointer, 0x40 extended, 0x80 reserved */
			return false;
		size_t next = off + 1 + label;
		if (next >= limit)
			return false;
		q->label_off[labels] = (uint8_t)off;
		labels++;
		off = next;
	}
	q->qname = name;
	q->qname_len = off + 1;
	q->labels = labels;
	*pos += off + 1;
	return true;
}

static uint64_t load64(const uint8_t *p)
{
	uint64_t word;
	memcpy(&word, p, sizeof word);
	return word;
}

#define BYTES(b) (0x0101010101010101ull * (b))

/* The word with each byte in 'A'..'Z' made lowercase (SWAR): for a byte below 0x80, adding 0x3f carries into its top
 * bit exactly when it is >= 'A', adding 0x25 when it is > 'Z'; no sum leaves its byte. */
static uint64_t ascii_lower_word(uint64_t word)
{
	uint64_t low7 = word & BYTES(0x7f);
	uint64_t upper = (low7 + BYTES(0x3f)) & ~(low7 + BYTES(0x25)) & ~word & BYTES(0x80);
	return word | upper >> 2;
}

bool wire_name_equal(const uint8_t *name, const uint8_t *lower, size_t len)
{
	size_t at = 0;
	for (; at + 8 <= len; at += 8)
		if (ascii_lower_word(load64(name + at)) != load64(lower + at))
			return false;
	if (at == len)
		return true;
	if (len >= 8) /* the last word again, overlapping the one before: no byte outside len is read */
		return ascii_lower_word(load64(name + len - 8)) == load64(lower + len - 8);
	for (; at < len; at++) {
		uint8_t c = name[at];
		if (((unsigned)(c - 'A') < 26 ? c | 0x20 : c) != lower[at])
			return false;
	}
	return true;
}

/* Steps over the owner name of an additional record without following pointers: a pointer is 2 bytes and ends the
 * name. *root tells whether the name was the single root byte. */
static bool skip_name(const uint8_t *pkt, size_t len, size_t *pos, bool *root)
{
	size_t start = *pos;
	size_t at = start;

	for (;;) {
		if (at >= len)
			return false;
		uint8_t label = pkt[at];
		if ((label & 0xC0) == 0xC0) {
			if (len - at < 2)
				return false;
			*root = false;
			*pos = at + 2;
			return true;
		}
		if (label > 63)
			return false;
		if (label == 0) {
			*root = at == start;
			*pos = at + 1;
			return true;
		}
		if (at - start + 1 + label + 1 > WIRE_MAXNAME)
			return false;
		if (len - at - 1 < label)
			return false;
		at += 1 + (size_t)label;
	}
}

/* Reads the additional section: skips every record, takes the EDNS fields from the one OPT. */
static bool parse_additional(const uint8_t *pkt, size_t len, size_t pos, unsigned arcount, wire_query_t *q)
{
	for (unsigned i = 0; i < arcount; i++) {
		bool root;
		if (!skip_name(pkt, len, &pos, &root))
			return false;
		/* type 2, class 2, ttl 4, rdlength 2 */
		if (len - pos < 10)
			return false;
		const uint8_t *fixed = pkt + pos;
		uint16_t rdlen = get16(fixed + 8);
		pos += 10;
		if (len - pos < rdlen)
			return false;
		if (get16(fixed) == WIRE_T_OPT) {
			if (!root || q->edns)
				return false;
			uint16_t payload = get16(fixed + 2);
			q->edns = true;
			q->edns_payload = payload < WIRE_UDP_MIN ? WIRE_UDP_MIN : payload;
			/* TTL of an OPT (RFC 6891 6.1.3): extended rcode, version, then DO and 15 zero bits. */
			q->edns_version = fixed[5];
			q->edns_do = (fixed[6] & 0x80) != 0;
		}
		pos += rdlen;
	}
	return true;
}

/* For an answer that cannot use the question (NOTIMP, FORMERR): whether the message still carries a well-formed
 * OPT, so the reply can carry ours (RFC 6891 section 7). Steps over every section without interpreting it; any
 * malformation means no OPT. Every record consumes bytes, so the walk is bounded by len. */
static void find_opt(const uint8_t *pkt, size_t len, wire_query_t *q)
{
	size_t pos = WIRE_HEADER_LEN;
	unsigned qd = get16(pkt + 4), rr = (unsigned)get16(pkt + 6) + get16(pkt + 8);
	bool root;
	for (unsigned i = 0; i < qd; i++) {
		if (!skip_name(pkt, len, &pos, &root) || len - pos < 4)
			return;
		pos += 4;
	}
	for (unsigned i = 0; i < rr; i++) {
		if (!skip_name(pkt, len, &pos, &root) || len - pos < 10)
			return;
		size_t rdlen = get16(pkt + pos + 8);
		pos += 10;
		if (len - pos < rdlen)
			return;
		pos += rdlen;
	}
	wire_query_t found = *q;
	if (parse_additional(pkt, len, pos, get16(pkt + 10), &found) && found.edns) {
		q->edns = true;
		q->edns_payload = found.edns_payload;
		q->edns_version = found.edns_version;
		q->edns_do = found.edns_do;
	}
}

enum wire_verdict wire_parse_query(const uint8_t *pkt, size_t len, wire_query_t *q)
{
	if (len < WIRE_HEADER_LEN)
		return WIRE_DROP;
	if (pkt[2] & 0x80) /* QR: answering a response invites reflection loops */
		return WIRE_DROP;

	q->id = get16(pkt);
	q->opcode = (pkt[2] >> 3) & 0x0F;
	q->rd = (pkt[2] & 0x01) != 0;
	q->cd = (pkt[3] & 0x10) != 0;
	clear_question(q);
	if (q->opcode != 0) {
		/* RD and CD (like AA, RA, AD) are defined for QUERY only: an answer to another opcode has neither. */
		q->rd = q->cd = false;
		find_opt(pkt, len, q);
		return WIRE_NOTIMP;
	}
	if (get16(pkt + 4) != 1 || get16(pkt + 6) != 0 || get16(pkt + 8) != 0) {
		find_opt(pkt, len, q);
		return WIRE_FORMERR;
	}

	size_t pos = WIRE_HEADER_LEN;
	if (!parse_qname(pkt, len, &pos, q))
		goto formerr;
	if (len - pos < 4)
		goto formerr;
	q->qtype = get16(pkt + pos);
	q->qclass = get16(pkt + pos + 2);
	q->question_len = q->qname_len + 4;
	pos += 4;

	if (!parse_additional(pkt, len, pos, get16(pkt + 10), q))
		goto formerr;
	if (q->edns && q->edns_version > 0)
		return WIRE_BADVERS;
	return WIRE_ANSWER;

formerr:
	clear_question(q);
	find_opt(pkt, len, q);
	return WIRE_FORMERR;
}
