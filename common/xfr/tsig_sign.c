/* SPDX-License-Identifier: BSD-2-Clause */
/* tsig_sign.c — responses signed by ldns, message after message, and TSIG error answers (tsig.h). */
#include "xfr/tsig.h"

#include "base/err.h"
#include "tsig_internal.h"

#include <stdlib.h>
#include <string.h>

int tsig_write_pkt(const ldns_pkt *pkt, uint8_t *out, size_t out_size, size_t *out_len)
{
	uint8_t *wire = NULL;
	size_t len = 0;
	int err = tsig_from_ldns(ldns_pkt2wire(&wire, pkt, &len));
	if (!err && (len > out_size || len > LDNS_MAX_PACKETLEN))
		err = RBL_ESPACE;
	if (!err) {
		memcpy(out, wire, len);
		*out_len = len;
	}
	free(wire);
	return err;
}

size_t tsig_space(const tsig_key_t *key)
{
	uint8_t name[DNAME_MAXLEN], algorithm[DNAME_MAXLEN];
	size_t name_len = DNAME_MAXLEN, algorithm_len = DNAME_MAXLEN;
	tsig_key_wire(key, name, &name_len, algorithm, &algorithm_len);
	/* owner, type, class, TTL, RDLENGTH; algorithm, time (6), fudge, MAC size, MAC, original ID, error, other
	 * length, other (6: BADTIME's time) */
	return name_len + 10 + algorithm_len + 6 + 2 + 2 + tsig_algorithm_mac_size(key->algorithm) + 2 + 2 + 2 + 6;
}

void tsig_stream_start(tsig_stream_t *stream, const tsig_request_t *request)
{
	memset(stream, 0, sizeof *stream);
	stream->key = request->key;
	stream->fudge = TSIG_FUDGE_DEFAULT;
	stream->mac_len = request->mac_len;
	memcpy(stream->mac, request->mac, request->mac_len);
}

static int parse_unsigned_message(const uint8_t *msg, size_t len, ldns_pkt **pkt)
{
	*pkt = NULL;
	int err = tsig_from_ldns(ldns_wire2pkt(pkt, msg, len));
	if (!err && ldns_pkt_tsig(*pkt))
		err = RBL_EINVAL;
	if (err) {
		ldns_pkt_free(*pkt);
		*pkt = NULL;
	}
	return err;
}

int tsig_stream_sign(tsig_stream_t *stream, const uint8_t *msg, size_t len, uint8_t *out, size_t out_size,
                     size_t *out_len)
{
	ldns_pkt *pkt;
	int err = parse_unsigned_message(msg, len, &pkt);
	if (err)
		return err;
	/* RFC 8945 section 5.3.1: the first message's digest starts with the request's MAC and covers every TSIG
	 * variable; each later one starts with the previous message's MAC and covers the timers only. ldns writes the
	 * prior MAC with its 2-byte size, as the RFC's digest does. */
	ldns_rdf *prior = ldns_native2rdf_int16_data(stream->mac_len, stream->mac);
	if (!prior) {
		ldns_pkt_free(pkt);
		return RBL_ENOMEM;
	}
	err = tsig_from_ldns(ldns_pkt_tsig_sign_next(pkt, stream->key->name, stream->key->secret, stream->fudge,
	                                             tsig_algorithm_name(stream->key->algorithm), prior,
	                                             stream->count > 0));
	ldns_rdf_deep_free(prior);
	const ldns_rr *tsig = err ? NULL : ldns_pkt_tsig(pkt);
	const ldns_rdf *mac = tsig ? ldns_rr_rdf(tsig, 3) : NULL;
	if (!err && (!mac || ldns_rdf_size(mac) < 2 || ldns_rdf_size(mac) - 2 > TSIG_MAC_MAX))
		err = RBL_EINVAL;
	if (!err)
		err = tsig_write_pkt(pkt, out, out_size, out_len);
	if (!err) {
		stream->mac_len = ldns_rdf_size(mac) - 2;
		memcpy(stream->mac, ldns_rdf_data(mac) + 2, stream->mac_len);
		stream->count++;
	}
	ldns_pkt_free(pkt);
	return err;
}

static uint16_t error_of(enum tsig_verdict verdict)
{
	switch (verdict) {
	case TSIG_BADKEY:
		return TSIG_ERROR_BADKEY;
	case TSIG_BADSIG:
		return TSIG_ERROR_BADSIG;
	case TSIG_BADTRUNC:
		return TSIG_ERROR_BADTRUNC;
	case TSIG_BADTIME:
		return TSIG_ERROR_BADTIME;
	default:
		return 0;
	}
}

/* The unsigned TSIG record of an error answer (tsig.h says what it holds). NULL when out of memory. */
static ldns_rr *error_record(const tsig_request_t *request, uint16_t error, uint64_t now)
{
	uint8_t time[6];
	for (int i = 0; i < 6; i++)
		time[i] = (uint8_t)(now >> (8 * (5 - i)));
	ldns_rr *rr = ldns_rr_new();
	ldns_rdf *owner = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, request->key_name_len, request->key_name);
	ldns_rdf *rdfs[7] = {
	        ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, request->algorithm_len, request->algorithm),
	        ldns_rdf_new_frm_data(LDNS_RDF_TYPE_TSIGTIME, 6, time),
	        ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, TSIG_FUDGE_DEFAULT),
	        ldns_native2rdf_int16_data(0, NULL),
	        ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, request->original_id),
	        ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, error),
	        ldns_native2rdf_int16_data(error == TSIG_ERROR_BADTIME ? 6 : 0,
	                                   error == TSIG_ERROR_BADTIME ? time : NULL),
	};
	bool complete = rr && owner;
	for (int i = 0; i < 7; i++)
		complete = complete && rdfs[i];
	if (!complete) {
		ldns_rr_free(rr);
		ldns_rdf_deep_free(owner);
		for (int i = 0; i < 7; i++)
			ldns_rdf_deep_free(rdfs[i]);
		return NULL;
	}
	ldns_rr_set_owner(rr, owner);
	ldns_rr_set_type(rr, LDNS_RR_TYPE_TSIG);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_ANY);
	ldns_rr_set_ttl(rr, 0);
	for (int i = 0; i < 7; i++)
		ldns_rr_push_rdf(rr, rdfs[i]);
	return rr;
}

int tsig_error_answer(const tsig_request_t *request, const uint8_t *msg, size_t len, uint64_t now, uint8_t *out,
                      size_t out_size, size_t *out_len)
{
	uint16_t error = error_of(request->verdict);
	if (!error)
		return RBL_EINVAL;
	ldns_pkt *pkt;
	int err = parse_unsigned_message(msg, len, &pkt);
	if (err)
		return err;
	ldns_rr *tsig = error_record(request, error, now);
	if (!tsig) {
		ldns_pkt_free(pkt);
		return RBL_ENOMEM;
	}
	ldns_pkt_set_rcode(pkt, LDNS_RCODE_NOTAUTH);
	ldns_pkt_set_tsig(pkt, tsig);
	err = tsig_write_pkt(pkt, out, out_size, out_len);
	ldns_pkt_free(pkt);
	return err;
}
