/* SPDX-License-Identifier: BSD-2-Clause */
/* xfr_axfr.c — transfer requests read, and their answers built message by message. */
#include "xfr/xfr_axfr.h"
#include "xfr_axfr_internal.h"

#include "base/err.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define HEADER_LEN 12

enum xfr_kind xfr_request_kind(const uint8_t *msg, size_t len)
{
	if (len < HEADER_LEN + 5 || (msg[2] & 0x80) || ((msg[2] >> 3) & 0x0f) != 0 || msg[4] != 0 || msg[5] != 1)
		return XFR_NONE; /* a response, an opcode other than QUERY, or not one question */
	size_t off = HEADER_LEN;
	for (unsigned labels = 0; labels <= 127; labels++) {
		if (off >= len || msg[off] > 63)
			return XFR_NONE;
		if (msg[off] == 0) {
			if (off + 5 > len)
				return XFR_NONE;
			unsigned qtype = (unsigned)msg[off + 1] << 8 | msg[off + 2];
			return qtype == XFR_AXFR ? XFR_AXFR : qtype == XFR_IXFR ? XFR_IXFR : XFR_NONE;
		}
		off += 1u + msg[off];
	}
	return XFR_NONE;
}

int xfr_request_read(const uint8_t *msg, size_t len, xfr_request_t *r)
{
	memset(r, 0, sizeof *r);
	r->kind = xfr_request_kind(msg, len);
	if (r->kind == XFR_NONE)
		return RBL_EINVAL;
	tsig_wire_records_t records;
	if (tsig_wire_scan(msg, len, &records) || !tsig_wire_parsable(&records))
		return RBL_EINVAL; /* also what would make ldns_wire2pkt leak (tsig.h) */
	ldns_pkt *p = NULL;
	if (ldns_wire2pkt(&p, msg, len) != LDNS_STATUS_OK)
		return RBL_EINVAL;
	int err = RBL_OK;
	ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	if (ldns_pkt_qdcount(p) != 1 || !q || ldns_rr_get_class(q) != LDNS_RR_CLASS_IN) {
		err = RBL_EINVAL;
	} else {
		char *name = ldns_rdf2str(ldns_rr_owner(q));
		size_t n = name ? strlen(name) : 0;
		if (!name || n == 0 || n >= sizeof r->zone) {
			err = name ? RBL_EINVAL : RBL_ENOMEM;
		} else {
			if (name[n - 1] == '.')
				name[--n] = '\0';
			for (size_t i = 0; i < n; i++)
				r->zone[i] = (char)tolower((unsigned char)name[i]);
			r->zone[n] = '\0';
		}
		free(name);
		r->id = ldns_pkt_id(p);
		size_t qname_len = ldns_rdf_size(ldns_rr_owner(q));
		r->question = msg + HEADER_LEN;
		r->question_len = qname_len + 4;
		if (HEADER_LEN + r->question_len > len)
			err = RBL_EINVAL;
		ldns_rr *soa = ldns_rr_list_rr(ldns_pkt_authority(p), 0);
		if (!err && r->kind == XFR_IXFR && soa && ldns_rr_get_type(soa) == LDNS_RR_TYPE_SOA &&
		    ldns_rr_rd_count(soa) >= 3) {
			r->has_serial = true;
			r->serial = ldns_rdf2native_int32(ldns_rr_rdf(soa, 2));
		}
	}
	ldns_pkt_free(p);
	return err;
}

/* Begins a message: header, the question in the first (RFC 5936 section 2.2.1). */
static int message_begin(xfr_packer_t *p)
{
	bool first = p->messages == 0;
	ldns_buffer_clear(p->buf);
	p->filling = 0;
	uint8_t header[HEADER_LEN] = {(uint8_t)(p->req->id >> 8), (uint8_t)p->req->id, 0x84 /* QR, AA */, 0, 0,
				      first ? 1 : 0};
	ldns_buffer_write(p->buf, header, sizeof header);
	if (first)
		ldns_buffer_write(p->buf, p->req->question, p->req->question_len);
	return ldns_buffer_status_ok(p->buf) ? RBL_OK : RBL_ENOMEM;
}

/* Sets the answer count, signs when asked, and hands the message on. */
static int message_send(xfr_packer_t *p)
{
	uint8_t *wire = ldns_buffer_begin(p->buf);
	size_t len = ldns_buffer_position(p->buf);
	wire[6] = (uint8_t)(p->filling >> 8);
	wire[7] = (uint8_t)p->filling;
	p->records += p->filling;
	int err;
	if (!p->ts) {
		err = p->emit(p->ctx, wire, len);
	} else {
		size_t signed_len;
		err = tsig_stream_sign(p->ts, wire, len, p->signed_buf, 65535, &signed_len);
		if (!err)
			err = p->emit(p->ctx, p->signed_buf, signed_len);
	}
	if (!err)
		p->messages++;
	return err;
}

int xfr_packer_init(xfr_packer_t *p, const xfr_request_t *req, tsig_stream_t *ts, xfr_emit_fn emit, void *ctx)
{
	*p = (xfr_packer_t){.req = req, .ts = ts, .emit = emit, .ctx = ctx};
	p->buf = ldns_buffer_new(XFR_MESSAGE_RR_BYTES + 4096);
	p->signed_buf = ts ? malloc(65535) : NULL;
	if (!p->buf || (ts && !p->signed_buf))
		return RBL_ENOMEM;
	return message_begin(p);
}

int xfr_packer_add(xfr_packer_t *p, const ldns_rr *rr)
{
	if (ldns_buffer_position(p->buf) > XFR_MESSAGE_RR_BYTES) {
		int err = message_send(p);
		if (err || (err = message_begin(p)))
			return err;
	}
	if (ldns_rr2buffer_wire(p->buf, rr, LDNS_SECTION_ANSWER) != LDNS_STATUS_OK)
		return RBL_ENOMEM;
	p->filling++;
	return RBL_OK;
}

int xfr_packer_finish(xfr_packer_t *p)
{
	return message_send(p);
}

void xfr_packer_release(xfr_packer_t *p)
{
	ldns_buffer_free(p->buf);
	free(p->signed_buf);
	p->buf = NULL;
	p->signed_buf = NULL;
}

int xfr_answer(const xfr_request_t *req, const xfr_content_t *c, tsig_stream_t *ts, xfr_emit_fn emit, void *ctx,
	       uint64_t *messages, uint64_t *records)
{
	xfr_packer_t p;
	int err = xfr_packer_init(&p, req, ts, emit, ctx);
	/* RFC 1982: the secondary's serial is current when the zone's is not ahead of it. */
	bool current = req->kind == XFR_IXFR && req->has_serial && (int32_t)(c->serial - req->serial) <= 0;
	if (!err)
		err = xfr_packer_add(&p, c->soa);
	size_t count = current ? 0 : ldns_rr_list_rr_count(c->rrs);
	for (size_t i = 0; !err && i < count; i++)
		err = xfr_packer_add(&p, ldns_rr_list_rr(c->rrs, i));
	if (!err && !current)
		err = xfr_packer_add(&p, c->soa); /* the SOA closes the zone */
	if (!err)
		err = xfr_packer_finish(&p);
	*messages = p.messages;
	*records = p.records;
	xfr_packer_release(&p);
	return err;
}
