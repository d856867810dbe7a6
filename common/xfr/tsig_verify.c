/* SPDX-License-Identifier: BSD-2-Clause */
/* tsig_verify.c — a request's TSIG checked in RFC 8945 section 5.2's order, and a response's to a request we signed;
 * the MAC by ldns (tsig.h). */
#include "xfr/tsig.h"

#include "base/err.h"
#include "tsig_internal.h"

#include <string.h>

bool tsig_same_name(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
	if (a_len != b_len)
		return false;
	for (size_t i = 0; i < a_len; i++) { /* label lengths are below 64, which ASCII case folding leaves alone */
		uint8_t x = a[i] >= 'A' && a[i] <= 'Z' ? a[i] + 32 : a[i];
		uint8_t y = b[i] >= 'A' && b[i] <= 'Z' ? b[i] + 32 : b[i];
		if (x != y)
			return false;
	}
	return true;
}

int tsig_key_wire(const tsig_key_t *key, uint8_t name[DNAME_MAXLEN], size_t *name_len, uint8_t algorithm[DNAME_MAXLEN],
                  size_t *algorithm_len)
{
	if (dname_from_text(key->name, name, name_len) != RBL_OK)
		return RBL_EINVAL;
	return dname_from_text(tsig_algorithm_name(key->algorithm), algorithm, algorithm_len);
}

int tsig_from_ldns(ldns_status status)
{
	if (status == LDNS_STATUS_OK)
		return RBL_OK;
	return status == LDNS_STATUS_MEM_ERR ? RBL_ENOMEM : RBL_EINVAL;
}

int tsig_wire_scan(const uint8_t *wire, size_t len, tsig_wire_records_t *out)
{
	static const ldns_pkt_section sections[] = {LDNS_SECTION_QUESTION, LDNS_SECTION_ANSWER, LDNS_SECTION_AUTHORITY,
	                                            LDNS_SECTION_ADDITIONAL};
	memset(out, 0, sizeof *out);
	if (len < LDNS_HEADER_SIZE)
		return RBL_EINVAL;
	unsigned counts[4] = {LDNS_QDCOUNT(wire), LDNS_ANCOUNT(wire), LDNS_NSCOUNT(wire), LDNS_ARCOUNT(wire)};
	size_t pos = LDNS_HEADER_SIZE;
	for (unsigned s = 0; s < 4; s++) {
		for (unsigned i = 0; i < counts[s]; i++) {
			ldns_rr *rr = NULL;
			ldns_status status = ldns_wire2rr(&rr, wire, len, &pos, sections[s]);
			if (status != LDNS_STATUS_OK)
				return tsig_from_ldns(status);
			ldns_rr_type type = ldns_rr_get_type(rr);
			if (s > 0 && type == LDNS_RR_TYPE_TSIG) {
				out->tsig++;
				out->tsig_last = s == 3 && i == counts[s] - 1;
			} else if (s > 0 && type == LDNS_RR_TYPE_OPT) {
				out->opt++;
			}
			ldns_rr_free(rr);
		}
	}
	return RBL_OK;
}

bool tsig_wire_parsable(const tsig_wire_records_t *r)
{
	return r->tsig <= 1 && (r->tsig == 0 || r->tsig_last) && r->opt <= 1;
}

static uint64_t read_u48(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 6; i++)
		v = v << 8 | p[i];
	return v;
}

/* The TSIG record's fields into out. false when one is not the size its type has. */
static bool read_fields(const ldns_rr *tsig, tsig_request_t *out)
{
	if (ldns_rr_rd_count(tsig) != 7 || ldns_rr_get_class(tsig) != LDNS_RR_CLASS_ANY || ldns_rr_ttl(tsig) != 0)
		return false;
	const ldns_rdf *owner = ldns_rr_owner(tsig), *algorithm = ldns_rr_rdf(tsig, 0);
	const ldns_rdf *time = ldns_rr_rdf(tsig, 1), *fudge = ldns_rr_rdf(tsig, 2), *mac = ldns_rr_rdf(tsig, 3);
	const ldns_rdf *id = ldns_rr_rdf(tsig, 4);
	if (ldns_rdf_size(owner) > DNAME_MAXLEN || ldns_rdf_size(algorithm) > DNAME_MAXLEN ||
	    ldns_rdf_size(time) != 6 || ldns_rdf_size(fudge) != 2 || ldns_rdf_size(mac) < 2 || ldns_rdf_size(id) != 2)
		return false;
	size_t mac_len = ldns_rdf_size(mac) - 2;
	if (mac_len > TSIG_MAC_MAX)
		return false;
	out->key_name_len = ldns_rdf_size(owner);
	memcpy(out->key_name, ldns_rdf_data(owner), out->key_name_len);
	out->algorithm_len = ldns_rdf_size(algorithm);
	memcpy(out->algorithm, ldns_rdf_data(algorithm), out->algorithm_len);
	out->time_signed = read_u48(ldns_rdf_data(time));
	out->fudge = ldns_rdf2native_int16(fudge);
	out->mac_len = mac_len;
	memcpy(out->mac, ldns_rdf_data(mac) + 2, mac_len);
	out->original_id = ldns_rdf2native_int16(id);
	return true;
}

static const tsig_key_t *find_key(const tsig_keytab_t *keys, const tsig_request_t *request)
{
	for (unsigned i = 0; i < keys->count; i++) {
		uint8_t name[DNAME_MAXLEN], algorithm[DNAME_MAXLEN];
		size_t name_len, algorithm_len;
		if (tsig_key_wire(&keys->keys[i], name, &name_len, algorithm, &algorithm_len) != RBL_OK)
			continue;
		if (tsig_same_name(name, name_len, request->key_name, request->key_name_len) &&
		    tsig_same_name(algorithm, algorithm_len, request->algorithm, request->algorithm_len))
			return &keys->keys[i];
	}
	return NULL;
}

/* The checks after the record was read: key, MAC length, MAC, time. */
static enum tsig_verdict judge(ldns_pkt *pkt, const uint8_t *wire, size_t len, const tsig_keytab_t *keys, uint64_t now,
                               tsig_request_t *out)
{
	const tsig_key_t *key = find_key(keys, out);
	if (!key)
		return TSIG_BADKEY;
	out->key = key;
	size_t full = tsig_algorithm_mac_size(key->algorithm);
	size_t shortest = full / 2 > 10 ? full / 2 : 10;
	if (out->mac_len > full || out->mac_len < shortest)
		return TSIG_FORMERR; /* RFC 8945 section 5.2.2.1 */
	if (out->mac_len < full)
		return TSIG_BADTRUNC; /* our policy: the full MAC (ldns compares whole MACs) */
	ldns_rr *tsig = ldns_pkt_tsig(pkt);
	bool good = ldns_pkt_tsig_verify(pkt, wire, len, key->name, key->secret, NULL);
	if (!ldns_pkt_tsig(pkt)) /* ldns 1.8.3 returns early without putting the record back */
		ldns_pkt_set_tsig(pkt, tsig);
	if (!good)
		return TSIG_BADSIG;
	uint64_t skew = now > out->time_signed ? now - out->time_signed : out->time_signed - now;
	return skew > out->fudge ? TSIG_BADTIME : TSIG_OK;
}

int tsig_verify_request(const uint8_t *wire, size_t len, const tsig_keytab_t *keys, uint64_t now, tsig_request_t *out)
{
	memset(out, 0, sizeof *out);
	tsig_wire_records_t records;
	int err = tsig_wire_scan(wire, len, &records);
	if (err == RBL_ENOMEM)
		return err;
	if (err || !tsig_wire_parsable(&records)) {
		out->verdict = TSIG_FORMERR; /* RFC 8945 section 5.1: one TSIG, the last record (and one OPT) */
		return RBL_OK;
	}
	if (records.tsig == 0) {
		out->verdict = TSIG_NONE;
		return RBL_OK;
	}
	ldns_pkt *pkt = NULL;
	ldns_status status = ldns_wire2pkt(&pkt, wire, len);
	if (status == LDNS_STATUS_MEM_ERR)
		return RBL_ENOMEM;
	if (status != LDNS_STATUS_OK || !ldns_pkt_tsig(pkt) || !read_fields(ldns_pkt_tsig(pkt), out))
		out->verdict = TSIG_FORMERR;
	else
		out->verdict = judge(pkt, wire, len, keys, now, out);
	if (out->verdict != TSIG_OK && out->verdict != TSIG_BADTIME && out->verdict != TSIG_BADSIG &&
	    out->verdict != TSIG_BADTRUNC)
		out->key = NULL;
	ldns_pkt_free(pkt);
	return RBL_OK;
}

/* The client's checks of a response's TSIG once it was read: key, MAC length, MAC over the request's, error, time. */
static enum tsig_verdict judge_response(ldns_pkt *pkt, const uint8_t *wire, size_t len, const tsig_key_t *key,
                                        ldns_rdf *request_mac, uint64_t now, const tsig_request_t *fields)
{
	uint8_t name[DNAME_MAXLEN], algorithm[DNAME_MAXLEN];
	size_t name_len, algorithm_len;
	if (tsig_key_wire(key, name, &name_len, algorithm, &algorithm_len) != RBL_OK ||
	    !tsig_same_name(name, name_len, fields->key_name, fields->key_name_len) ||
	    !tsig_same_name(algorithm, algorithm_len, fields->algorithm, fields->algorithm_len))
		return TSIG_BADKEY;
	if (fields->mac_len != tsig_algorithm_mac_size(key->algorithm))
		return fields->mac_len == 0 ? TSIG_BADSIG : TSIG_BADTRUNC; /* no MAC: an unsigned error answer */
	ldns_rr *tsig = ldns_pkt_tsig(pkt);
	const ldns_rdf *error = ldns_rr_rdf(tsig, 5);
	bool good = ldns_pkt_tsig_verify_next(pkt, wire, len, key->name, key->secret, request_mac, false);
	if (!ldns_pkt_tsig(pkt)) /* ldns 1.8.3 returns early without putting the record back */
		ldns_pkt_set_tsig(pkt, tsig);
	/* A TSIG error, even signed, says the other side did not accept ours: nothing to take as an answer. */
	if (!good || ldns_rdf_size(error) != 2 || ldns_rdf2native_int16(error) != 0)
		return TSIG_BADSIG;
	uint64_t skew = now > fields->time_signed ? now - fields->time_signed : fields->time_signed - now;
	return skew > fields->fudge ? TSIG_BADTIME : TSIG_OK;
}

int tsig_verify_response(const uint8_t *wire, size_t len, const tsig_key_t *key, const uint8_t *request_mac,
                         size_t request_mac_len, uint64_t now, enum tsig_verdict *verdict)
{
	tsig_wire_records_t records;
	int err = tsig_wire_scan(wire, len, &records);
	if (err == RBL_ENOMEM)
		return err;
	if (err || !tsig_wire_parsable(&records) || request_mac_len > TSIG_MAC_MAX) {
		*verdict = TSIG_FORMERR;
		return RBL_OK;
	}
	if (records.tsig == 0) {
		*verdict = TSIG_NONE;
		return RBL_OK;
	}
	uint8_t mac[TSIG_MAC_MAX];
	memcpy(mac, request_mac, request_mac_len);
	ldns_rdf *prior = ldns_native2rdf_int16_data(request_mac_len, mac);
	ldns_pkt *pkt = NULL;
	ldns_status status = prior ? ldns_wire2pkt(&pkt, wire, len) : LDNS_STATUS_MEM_ERR;
	tsig_request_t fields;
	memset(&fields, 0, sizeof fields);
	if (status == LDNS_STATUS_MEM_ERR)
		err = RBL_ENOMEM;
	else if (status != LDNS_STATUS_OK || !ldns_pkt_tsig(pkt) || !read_fields(ldns_pkt_tsig(pkt), &fields))
		*verdict = TSIG_FORMERR;
	else
		*verdict = judge_response(pkt, wire, len, key, prior, now, &fields);
	ldns_pkt_free(pkt);
	ldns_rdf_deep_free(prior);
	return err;
}
