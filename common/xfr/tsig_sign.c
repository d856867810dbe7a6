/* SPDX-License-Identifier: BSD-2-Clause */
/* tsig_sign.c — responses signed message after message, and TSIG error answers (BADTIME's signed), each MAC one
 * libcrypto HMAC over RFC 8945's fields (tsig.h). */
#include "xfr/tsig.h"

#include "base/err.h"
#include "tsig_internal.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static void write_u48(uint8_t out[6], uint64_t v)
{
	for (int i = 0; i < 6; i++)
		out[i] = (uint8_t)(v >> (8 * (5 - i)));
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

/* What a response's MAC covers (RFC 8945 section 4.3.3), for the one response ldns cannot sign: an error with
 * other data. */
typedef struct mac_input {
	const uint8_t *request_mac; /* the request's MAC, its size written before it */
	size_t request_mac_len;
	const uint8_t *msg; /* the response as sent, without its TSIG record */
	size_t msg_len;
	uint16_t original_id; /* replaces the message's ID in the digest */
	uint64_t time_signed;
	uint16_t fudge, error;
	const uint8_t *other;
	size_t other_len;
	bool timers_only; /* a transfer's later message: the digest's variables are time signed and fudge alone */
} mac_input_t;

static const char *digest_name(enum tsig_algorithm algorithm)
{
	switch (algorithm) {
	case TSIG_HMAC_SHA1:
		return "SHA1";
	case TSIG_HMAC_SHA256:
		return "SHA256";
	case TSIG_HMAC_SHA512:
		return "SHA512";
	}
	return NULL;
}

/* The TSIG variables of the digest after the message: key name and algorithm in canonical form (lowercase,
 * uncompressed: the key's own names, not the request's spelling), class ANY, TTL 0, then the timers, error and
 * other data. Into out (at most 2 * DNAME_MAXLEN + 20 + other_len bytes); its length, 0 for a key that is no name. */
static size_t digest_variables(const tsig_key_t *key, const mac_input_t *in, uint8_t *out)
{
	uint8_t name[DNAME_MAXLEN], algorithm[DNAME_MAXLEN];
	size_t name_len, algorithm_len;
	if (tsig_key_wire(key, name, &name_len, algorithm, &algorithm_len) != RBL_OK)
		return 0;
	uint8_t *p = out;
	if (in->timers_only) { /* RFC 8945 section 5.3.1 */
		write_u48(p, in->time_signed);
		p[6] = (uint8_t)(in->fudge >> 8);
		p[7] = (uint8_t)in->fudge;
		return 8;
	}
	memcpy(p, name, name_len);
	p += name_len;
	static const uint8_t class_any_ttl_0[] = {0, 255, 0, 0, 0, 0};
	memcpy(p, class_any_ttl_0, sizeof class_any_ttl_0);
	p += sizeof class_any_ttl_0;
	memcpy(p, algorithm, algorithm_len);
	p += algorithm_len;
	write_u48(p, in->time_signed);
	p += 6;
	const uint16_t fields[] = {in->fudge, in->error, (uint16_t)in->other_len};
	for (size_t i = 0; i < 3; i++) {
		*p++ = (uint8_t)(fields[i] >> 8);
		*p++ = (uint8_t)fields[i];
	}
	if (in->other_len) /* a transfer's message has no other data (and no pointer to it) */
		memcpy(p, in->other, in->other_len);
	return (size_t)(p - out) + in->other_len;
}

/* One HMAC with key's algorithm and secret (libcrypto) over in, as section 4.3.3 orders it: the request's (or the
 * prior message's) MAC with its size, the message with the original ID, the variables. RBL_OK with mac (*mac_len:
 * the algorithm's full size); RBL_EINVAL for a key or input that cannot be one; RBL_ENOMEM. */
static int mac_compute(const tsig_key_t *key, const mac_input_t *in, uint8_t mac[TSIG_MAC_MAX], size_t *mac_len)
{
	uint8_t variables[2 * DNAME_MAXLEN + 20 + 6];
	const char *digest = digest_name(key->algorithm);
	if (!digest || in->msg_len < LDNS_HEADER_SIZE || in->request_mac_len > TSIG_MAC_MAX || in->other_len > 6)
		return RBL_EINVAL;
	size_t variables_len = digest_variables(key, in, variables);
	ldns_rdf *secret = NULL; /* the base64 decoder ldns signs with, for the same bytes */
	if (!variables_len || ldns_str2rdf_b64(&secret, key->secret) != LDNS_STATUS_OK || !secret)
		return RBL_EINVAL;
	uint8_t header[LDNS_HEADER_SIZE],
	        request_mac_size[2] = {(uint8_t)(in->request_mac_len >> 8), (uint8_t)in->request_mac_len};
	memcpy(header, in->msg, sizeof header);
	header[0] = (uint8_t)(in->original_id >> 8);
	header[1] = (uint8_t)in->original_id;
	OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0),
	                       OSSL_PARAM_construct_end()};
	EVP_MAC *hmac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	EVP_MAC_CTX *ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
	size_t got = 0;
	bool ok = ctx && EVP_MAC_init(ctx, ldns_rdf_data(secret), ldns_rdf_size(secret), params) &&
	          EVP_MAC_update(ctx, request_mac_size, sizeof request_mac_size) &&
	          EVP_MAC_update(ctx, in->request_mac, in->request_mac_len) &&
	          EVP_MAC_update(ctx, header, sizeof header) &&
	          EVP_MAC_update(ctx, in->msg + LDNS_HEADER_SIZE, in->msg_len - LDNS_HEADER_SIZE) &&
	          EVP_MAC_update(ctx, variables, variables_len) && EVP_MAC_final(ctx, mac, &got, TSIG_MAC_MAX);
	int err = !ctx ? RBL_ENOMEM : ok && got == tsig_algorithm_mac_size(key->algorithm) ? RBL_OK : RBL_EINVAL;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(hmac);
	OPENSSL_cleanse(ldns_rdf_data(secret), ldns_rdf_size(secret));
	ldns_rdf_deep_free(secret);
	*mac_len = err ? 0 : got;
	return err;
}

/* Appends to out (holding the message, *len bytes) a TSIG record of key: time signed, fudge, MAC, original ID, no
 * error, no other data; and counts it in ARCOUNT. RBL_ESPACE past out_size or 65535 bytes. */
static int append_tsig(const tsig_key_t *key, uint64_t time_signed, uint16_t fudge, const uint8_t *mac,
		       size_t mac_len, uint16_t original_id, uint8_t *out, size_t out_size, size_t *len)
{
	uint8_t name[DNAME_MAXLEN], algorithm[DNAME_MAXLEN];
	size_t name_len, algorithm_len;
	if (tsig_key_wire(key, name, &name_len, algorithm, &algorithm_len) != RBL_OK)
		return RBL_EINVAL;
	size_t rdlength = algorithm_len + 6 + 2 + 2 + mac_len + 2 + 2 + 2;
	size_t total = *len + name_len + 10 + rdlength;
	if (total > out_size || total > 65535)
		return RBL_ESPACE;
	uint8_t *p = out + *len;
	memcpy(p, name, name_len);
	p += name_len;
	const uint8_t fixed[] = {0, LDNS_RR_TYPE_TSIG, 0, LDNS_RR_CLASS_ANY, 0, 0, 0, 0,
				 (uint8_t)(rdlength >> 8), (uint8_t)rdlength};
	memcpy(p, fixed, sizeof fixed);
	p += sizeof fixed;
	memcpy(p, algorithm, algorithm_len);
	p += algorithm_len;
	write_u48(p, time_signed);
	p += 6;
	const uint16_t before_mac[] = {fudge, (uint16_t)mac_len};
	for (size_t i = 0; i < 2; i++, p += 2)
		p[0] = (uint8_t)(before_mac[i] >> 8), p[1] = (uint8_t)before_mac[i];
	memcpy(p, mac, mac_len);
	p += mac_len;
	const uint16_t after_mac[] = {original_id, 0 /* error */, 0 /* other length */};
	for (size_t i = 0; i < 3; i++, p += 2)
		p[0] = (uint8_t)(after_mac[i] >> 8), p[1] = (uint8_t)after_mac[i];
	uint16_t arcount = (uint16_t)(out[10] << 8 | out[11]);
	arcount++;
	out[10] = (uint8_t)(arcount >> 8);
	out[11] = (uint8_t)arcount;
	*len = total;
	return RBL_OK;
}

/* A message of ours must not carry a TSIG already: the additional section is scanned when it has records. */
static int check_unsigned(const uint8_t *msg, size_t len)
{
	if (len < LDNS_HEADER_SIZE || (msg[10] == 0xff && msg[11] == 0xff))
		return RBL_EINVAL;
	if (msg[10] == 0 && msg[11] == 0)
		return RBL_OK;
	tsig_wire_records_t records;
	int err = tsig_wire_scan(msg, len, &records);
	return err ? err : records.tsig ? RBL_EINVAL : RBL_OK;
}

int tsig_stream_sign(tsig_stream_t *stream, const uint8_t *msg, size_t len, uint8_t *out, size_t out_size,
                     size_t *out_len)
{
	/* Signed here rather than by ldns: ldns would parse the message and write it again compressed, and its
	 * compression (a tree of every name, compared label by label) was 84 % of a transfer's CPU — 32-label IPv6
	 * names, 200 records a message. RFC 8945 section 5.3.1: the first message's digest starts with the request's
	 * MAC and covers every TSIG variable; each later one starts with the previous message's MAC and covers the
	 * timers only. */
	int err = check_unsigned(msg, len);
	if (err)
		return err;
	if (len > out_size)
		return RBL_ESPACE;
	const mac_input_t input = {
	        .request_mac = stream->mac,
	        .request_mac_len = stream->mac_len,
	        .msg = msg,
	        .msg_len = len,
	        .original_id = (uint16_t)(msg[0] << 8 | msg[1]),
	        .time_signed = (uint64_t)time(NULL),
	        .fudge = stream->fudge,
	        .timers_only = stream->count > 0,
	};
	uint8_t mac[TSIG_MAC_MAX];
	size_t mac_len;
	if ((err = mac_compute(stream->key, &input, mac, &mac_len)))
		return err;
	memcpy(out, msg, len);
	*out_len = len;
	if ((err = append_tsig(stream->key, input.time_signed, stream->fudge, mac, mac_len, input.original_id, out,
			       out_size, out_len)))
		return err;
	memcpy(stream->mac, mac, mac_len);
	stream->mac_len = mac_len;
	stream->count++;
	return RBL_OK;
}

/* The TSIG record of an error answer (tsig.h says what it holds): time signed, fudge and MAC as given, other data
 * the server's time for BADTIME. NULL when out of memory. */
static ldns_rr *error_record(const tsig_request_t *request, uint16_t error, uint64_t time_signed, uint16_t fudge,
                             uint64_t now, uint8_t *mac, size_t mac_len)
{
	uint8_t signed_at[6], server_time[6];
	write_u48(signed_at, time_signed);
	write_u48(server_time, now);
	ldns_rr *rr = ldns_rr_new();
	ldns_rdf *owner = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, request->key_name_len, request->key_name);
	ldns_rdf *rdfs[7] = {
	        ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, request->algorithm_len, request->algorithm),
	        ldns_rdf_new_frm_data(LDNS_RDF_TYPE_TSIGTIME, 6, signed_at),
	        ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, fudge),
	        ldns_native2rdf_int16_data(mac_len, mac_len ? mac : NULL),
	        ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, request->original_id),
	        ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, error),
	        ldns_native2rdf_int16_data(error == TSIG_ERROR_BADTIME ? 6 : 0,
	                                   error == TSIG_ERROR_BADTIME ? server_time : NULL),
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

/* The BADTIME answer's MAC: msg (len bytes, the answer as sent, without its TSIG) and its TSIG variables, over the
 * request's MAC. */
static int badtime_mac(const tsig_request_t *request, const uint8_t *msg, size_t len, uint64_t now,
                       uint8_t mac[TSIG_MAC_MAX], size_t *mac_len)
{
	uint8_t server_time[6];
	write_u48(server_time, now);
	const mac_input_t input = {
	        .request_mac = request->mac,
	        .request_mac_len = request->mac_len,
	        .msg = msg,
	        .msg_len = len,
	        .original_id = request->original_id,
	        .time_signed = request->time_signed,
	        .fudge = request->fudge,
	        .error = TSIG_ERROR_BADTIME,
	        .other = server_time,
	        .other_len = sizeof server_time,
	};
	return mac_compute(request->key, &input, mac, mac_len);
}

int tsig_error_answer(const tsig_request_t *request, const uint8_t *msg, size_t len, uint64_t now, uint8_t *out,
                      size_t out_size, size_t *out_len)
{
	uint16_t error = error_of(request->verdict);
	if (!error || (error == TSIG_ERROR_BADTIME && !request->key))
		return RBL_EINVAL;
	ldns_pkt *pkt;
	int err = parse_unsigned_message(msg, len, &pkt);
	if (err)
		return err;
	ldns_pkt_set_rcode(pkt, LDNS_RCODE_NOTAUTH);
	/* RFC 8945 section 5.2.3: BADTIME is signed by the request's key, with the request's own time signed (the one
	 * clock its sender can check the answer against) and fudge, and our time as other data. The others are not
	 * signed (sections 5.2.1, 5.2.2: the key is unknown or did not verify): time signed now, an empty MAC. The
	 * MAC covers the answer as ldns writes it, which is also what precedes the TSIG once it is added. */
	uint8_t mac[TSIG_MAC_MAX];
	size_t mac_len = 0;
	uint64_t time_signed = now;
	uint16_t fudge = TSIG_FUDGE_DEFAULT;
	if (error == TSIG_ERROR_BADTIME) {
		time_signed = request->time_signed;
		fudge = request->fudge;
		err = tsig_write_pkt(pkt, out, out_size, out_len);
		if (!err)
			err = badtime_mac(request, out, *out_len, now, mac, &mac_len);
	}
	ldns_rr *tsig = err ? NULL : error_record(request, error, time_signed, fudge, now, mac, mac_len);
	if (!err && !tsig)
		err = RBL_ENOMEM;
	if (!err) {
		ldns_pkt_set_tsig(pkt, tsig);
		err = tsig_write_pkt(pkt, out, out_size, out_len);
	}
	ldns_pkt_free(pkt);
	return err;
}
