/* SPDX-License-Identifier: BSD-2-Clause */
/* wire_write.c — builds a DNS response in a caller-owned buffer: header, the question copied byte for byte, records
 * whose owners are compression pointers, the OPT. Never writes at or past cap and never allocates. */
#include "query/wire.h"

#include <assert.h>
#include <string.h>

#define RR_FIXED_LEN 12 /* owner pointer 2, type 2, class 2, ttl 4, rdlength 2 */
#define FLAG_TC 0x02    /* in header byte 2 */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static size_t room(const wire_writer_t *w)
{
	return w->cap > w->len ? w->cap - w->len : 0;
}

size_t wire_writer_room(const wire_writer_t *w)
{
	return w->overflow ? 0 : room(w);
}

void wire_writer_begin(wire_writer_t *w, uint8_t *buf, size_t cap, const wire_query_t *q, bool aa,
		       bool include_question)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->ancount = w->nscount = w->arcount = 0;
	w->rr_class = WIRE_C_IN;
	w->overflow = false;
	if (cap < WIRE_HEADER_LEN) {
		w->overflow = true;
		return;
	}

	put16(buf, q->id);
	buf[2] = (uint8_t)(0x80 | (q->opcode & 0x0F) << 3 | (aa ? 0x04 : 0) | (q->rd ? 0x01 : 0));
	buf[3] = q->cd ? 0x10 : 0; /* RA, Z, AD clear; rcode NOERROR until wire_writer_rcode */
	memset(buf + 4, 0, WIRE_HEADER_LEN - 4);
	w->len = WIRE_HEADER_LEN;
	if (!include_question)
		return;
	if (q->qname == NULL || q->qname_len == 0 || room(w) < q->qname_len + 4) {
		w->overflow = true;
		return;
	}
	memcpy(buf + w->len, q->qname, q->qname_len);
	w->len += q->qname_len;
	put16(buf + w->len, q->qtype);
	put16(buf + w->len + 2, q->qclass);
	w->len += 4;
	put16(buf + 4, 1);
}

void wire_writer_rcode(wire_writer_t *w, unsigned rcode)
{
	if (w->len < WIRE_HEADER_LEN)
		return;
	w->buf[3] = (uint8_t)((w->buf[3] & 0xF0) | (rcode & 0x0F));
}

/* Checks that a section record of rdlen bytes fits; on failure marks the overflow. Records must come in section
 * order, or the counts written by wire_writer_finish would describe the wrong records. */
static bool record_fits(wire_writer_t *w, enum wire_section section, size_t rdlen)
{
	assert(section == WIRE_ADDITIONAL_SECTION ||
	       (w->arcount == 0 && (section == WIRE_AUTHORITY_SECTION || w->nscount == 0)));
	if (w->overflow)
		return false;
	if (room(w) < RR_FIXED_LEN + rdlen) {
		/* Additional data may be left out (RFC 2181 section 9); an answer or authority record may not. */
		if (section != WIRE_ADDITIONAL_SECTION)
			w->overflow = true;
		return false;
	}
	return true;
}

/* Writes the fixed part of a record after a compression-pointer owner; returns where its rdata goes. */
static uint8_t *put_rr_head(wire_writer_t *w, enum wire_section section, uint16_t owner_off, uint16_t type,
			    uint32_t ttl, uint16_t rdlen)
{
	uint8_t *p = w->buf + w->len;
	put16(p, (uint16_t)(0xC000 | (owner_off & 0x3FFF)));
	put16(p + 2, type);
	put16(p + 4, w->rr_class);
	put32(p + 6, ttl);
	put16(p + 10, rdlen);
	w->len += RR_FIXED_LEN + (size_t)rdlen;
	if (section == WIRE_ANSWER_SECTION)
		w->ancount++;
	else if (section == WIRE_AUTHORITY_SECTION)
		w->nscount++;
	else
		w->arcount++;
	return p + RR_FIXED_LEN;
}

void wire_writer_rr(wire_writer_t *w, enum wire_section section, uint16_t owner_off, uint16_t type, uint32_t ttl,
		    const uint8_t *rdata, uint16_t rdlen)
{
	if (!record_fits(w, section, rdlen))
		return;
	uint8_t *out = put_rr_head(w, section, owner_off, type, ttl, rdlen);
	if (rdlen > 0)
		memcpy(out, rdata, rdlen);
}

/* Length of tmpl with every '$' replaced by subst, cut at WIRE_TXT_MAX. */
static size_t txt_expanded_len(const char *tmpl, size_t tmpl_len, size_t subst_len)
{
	size_t n = 0;
	for (size_t i = 0; i < tmpl_len && n < WIRE_TXT_MAX; i++) {
		if (tmpl[i] == '$' && i + 1 < tmpl_len && tmpl[i + 1] == '$') {
			n++; /* "$$" is one literal '$' */
			i++;
			continue;
		}
		n += tmpl[i] == '$' ? subst_len : 1;
	}
	return n < WIRE_TXT_MAX ? n : WIRE_TXT_MAX;
}

/* Emits expanded text into rdata, starting a new character-string every 255 bytes. */
struct txt_out {
	uint8_t *p;
	size_t done;  /* text bytes written so far */
	size_t total; /* text bytes to write */
};

static void txt_emit(struct txt_out *t, char c)
{
	if (t->done % 255 == 0) {
		size_t left = t->total - t->done;
		*t->p++ = (uint8_t)(left < 255 ? left : 255);
	}
	*t->p++ = (uint8_t)c;
	t->done++;
}

void wire_writer_txt(wire_writer_t *w, uint16_t owner_off, uint32_t ttl, const char *tmpl, size_t tmpl_len,
		     const char *subst)
{
	if (subst == NULL)
		subst = "";
	size_t subst_len = strlen(subst);
	size_t text_len = txt_expanded_len(tmpl, tmpl_len, subst_len);
	size_t strings = text_len == 0 ? 1 : (text_len + 254) / 255;
	size_t rdlen = text_len + strings;
	if (!record_fits(w, WIRE_ANSWER_SECTION, rdlen))
		return;

	struct txt_out t = {put_rr_head(w, WIRE_ANSWER_SECTION, owner_off, WIRE_T_TXT, ttl, (uint16_t)rdlen), 0,
			    text_len};
	if (text_len == 0)
		*t.p = 0;
	for (size_t i = 0; i < tmpl_len && t.done < t.total; i++) {
		if (tmpl[i] != '$') {
			txt_emit(&t, tmpl[i]);
			continue;
		}
		if (i + 1 < tmpl_len && tmpl[i + 1] == '$') {
			txt_emit(&t, '$');
			i++;
			continue;
		}
		for (size_t j = 0; j < subst_len && t.done < t.total; j++)
			txt_emit(&t, subst[j]);
	}
}

void wire_writer_opt(wire_writer_t *w, unsigned rcode, bool do_bit)
{
	if (w->len < WIRE_HEADER_LEN || room(w) < WIRE_OPT_LEN) {
		w->overflow = true;
		return;
	}
	uint8_t *p = w->buf + w->len;
	p[0] = 0; /* root owner */
	put16(p + 1, WIRE_T_OPT);
	put16(p + 3, WIRE_EDNS_PAYLOAD);
	/* TTL: extended rcode (upper 8 bits of the 12-bit rcode), version 0, DO echoed (RFC 3225), Z zero. */
	put32(p + 5, (uint32_t)((rcode >> 4) & 0xFF) << 24 | (do_bit ? 0x8000u : 0));
	put16(p + 9, 0);
	w->len += WIRE_OPT_LEN;
	w->arcount++;
}

void wire_writer_reserve(wire_writer_t *w, size_t n)
{
	assert(n <= w->cap);
	w->cap = n <= w->cap ? w->cap - n : 0;
}

void wire_writer_unreserve(wire_writer_t *w, size_t n)
{
	w->cap += n;
}

/* End of the question in the response: it was written by wire_writer_begin, so it is plain labels within len. */
static size_t question_end(const wire_writer_t *w)
{
	if (w->buf[4] == 0 && w->buf[5] == 0)
		return WIRE_HEADER_LEN;
	size_t at = WIRE_HEADER_LEN;
	while (at < w->len && w->buf[at] != 0)
		at += 1 + (size_t)w->buf[at];
	at += 1 + 4;
	return at <= w->len ? at : WIRE_HEADER_LEN;
}

void wire_writer_truncate(wire_writer_t *w)
{
	if (w->len < WIRE_HEADER_LEN)
		return;
	w->len = question_end(w);
	w->ancount = w->nscount = w->arcount = 0;
	w->buf[2] |= FLAG_TC;
}

size_t wire_writer_finish(wire_writer_t *w)
{
	if (w->len < WIRE_HEADER_LEN)
		return 0;
	put16(w->buf + 6, w->ancount);
	put16(w->buf + 8, w->nscount);
	put16(w->buf + 10, w->arcount);
	return w->len;
}
