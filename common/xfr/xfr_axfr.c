/* SPDX-License-Identifier: BSD-2-Clause */
/* xfr_axfr.c — transfer requests read, and their answers built message by message. */
#include "xfr/xfr_axfr.h"

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

/* One message being filled: header, the question in the first, records. */
struct message {
	ldns_buffer *buf;
	unsigned records;
};

static int message_begin(struct message *m, const xfr_request_t *req, bool first)
{
	ldns_buffer_clear(m->buf);
	m->records = 0;
	uint8_t header[HEADER_LEN] = {(uint8_t)(req->id >> 8), (uint8_t)req->id, 0x84 /* QR, AA */, 0, 0,
				      first ? 1 : 0};
	ldns_buffer_write(m->buf, header, sizeof header);
	if (first)
		ldns_buffer_write(m->buf, req->question, req->question_len);
	return ldns_buffer_status_ok(m->buf) ? RBL_OK : RBL_ENOMEM;
}

static int message_add(struct message *m, const ldns_rr *rr)
{
	if (ldns_rr2buffer_wire(m->buf, rr, LDNS_SECTION_ANSWER) != LDNS_STATUS_OK)
		return RBL_ENOMEM;
	m->records++;
	return RBL_OK;
}

/* Sets the answer count, signs when asked, and hands the message on. */
static int message_send(struct message *m, tsig_stream_t *ts, xfr_emit_fn emit, void *ctx, uint8_t *signed_buf)
{
	uint8_t *wire = ldns_buffer_begin(m->buf);
	size_t len = ldns_buffer_position(m->buf);
	wire[6] = (uint8_t)(m->records >> 8);
	wire[7] = (uint8_t)m->records;
	if (!ts)
		return emit(ctx, wire, len);
	size_t signed_len;
	int err = tsig_stream_sign(ts, wire, len, signed_buf, 65535, &signed_len);
	return err ? err : emit(ctx, signed_buf, signed_len);
}

int xfr_answer(const xfr_request_t *req, const xfr_content_t *c, tsig_stream_t *ts, xfr_emit_fn emit, void *ctx,
	       uint64_t *messages, uint64_t *records)
{
	*messages = *records = 0;
	struct message m = {ldns_buffer_new(XFR_MESSAGE_RR_BYTES + 4096), 0};
	uint8_t *signed_buf = ts ? malloc(65535) : NULL;
	if (!m.buf || (ts && !signed_buf)) {
		ldns_buffer_free(m.buf);
		free(signed_buf);
		return RBL_ENOMEM;
	}
	/* RFC 1982: the secondary's serial is current when the zone's is not ahead of it. */
	bool current = req->kind == XFR_IXFR && req->has_serial && (int32_t)(c->serial - req->serial) <= 0;
	int err = message_begin(&m, req, true);
	if (!err)
		err = message_add(&m, c->soa);
	size_t count = current ? 0 : ldns_rr_list_rr_count(c->rrs);
	for (size_t i = 0; !err && i <= count; i++) {
		if (i == count && current)
			break;
		const ldns_rr *rr = i < count ? ldns_rr_list_rr(c->rrs, i) : c->soa; /* the SOA closes the zone */
		if (ldns_buffer_position(m.buf) > XFR_MESSAGE_RR_BYTES) {
			*records += m.records;
			if ((err = message_send(&m, ts, emit, ctx, signed_buf)))
				break;
			(*messages)++;
			err = message_begin(&m, req, false);
		}
		if (!err)
			err = message_add(&m, rr);
	}
	if (!err) {
		*records += m.records;
		if (!(err = message_send(&m, ts, emit, ctx, signed_buf)))
			(*messages)++;
	}
	ldns_buffer_free(m.buf);
	free(signed_buf);
	return err;
}
