/* SPDX-License-Identifier: BSD-2-Clause */
/* tsig.h — TSIG (RFC 8945) on the primary's side: a signed request verified, its responses signed, a multi-message
 * response (AXFR, IXFR) signed message by message, error answers carrying a TSIG record; and the response to a
 * request the primary signed (NOTIFY) verified. ldns computes every MAC (ldns_pkt_tsig_verify_next,
 * ldns_pkt_tsig_sign_next) but a BADTIME answer's (libcrypto, see below); this module chooses the keys, the checks and
 * their order.
 *
 * Checks on a request, in RFC 8945 section 5.2's order: the TSIG record is the last record of the additional section
 * and the only one, of class ANY and TTL 0 (else FORMERR); its key name and algorithm are a key of the table (else
 * BADKEY); the MAC is full length (truncated MACs are not accepted: BADTRUNC, shorter than RFC 8945's floor FORMERR)
 * and right (else BADSIG); the time signed is within the request's fudge of now (else BADTIME).
 *
 * A response to a request this side signed (a NOTIFY's acknowledgement) is checked as a client checks one
 * (tsig_verify_response): the key's, over the request's MAC, no TSIG error, in time.
 *
 * Answers, as RFC 8945 section 5.3 says: a request that passed is answered signed (tsig_stream_*), the first message
 * over the request's MAC, each later one over the previous message's MAC and the timers only (section 5.3.1; every
 * message is signed, none is left to the "every 100 messages" allowance). BADKEY, BADSIG and BADTRUNC are answered
 * NOTAUTH with a TSIG record whose MAC is empty (tsig_error_answer; sections 5.2.1, 5.2.2: there is no key that
 * verified to sign with). BADTIME is answered NOTAUTH signed with the request's key, as section 5.2.3 requires: the
 * MAC covers the request's MAC, the answer and every TSIG variable, with the request's time signed and fudge, error
 * BADTIME and the server's 48-bit time as other data, so that the client can verify it with its own clock and learn
 * ours. ldns 1.8.3 signs only with the error 0 and no other data, and its MAC function is not public: that one MAC is
 * an HMAC computed by OpenSSL's libcrypto (EVP_MAC), for the key's algorithm (tsig_key.h).
 *
 * Messages go in and out as wire bytes; ldns parses and re-encodes each one, so a signed message is ldns's encoding
 * of the one given (the same records; its own name compression). Allocates only inside a call (ldns, libcrypto);
 * logs nothing. Called by dnsbld's transfer code (dnsbld/xfr_serve.c) and the NOTIFY messages (xfr_notify.c); the
 * query path never calls it.
 */
#ifndef RBL_TSIG_H
#define RBL_TSIG_H

#include "xfr/tsig_key.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TSIG_FUDGE_DEFAULT 300 /* seconds: what answers carry (RFC 8945 section 10 recommends 300) */

/* The TSIG error field (RFC 8945 section 3, the IANA DNS RCODE registry). */
enum {
	TSIG_ERROR_BADSIG = 16,
	TSIG_ERROR_BADKEY = 17,
	TSIG_ERROR_BADTIME = 18,
	TSIG_ERROR_BADTRUNC = 22,
};

enum tsig_verdict {
	TSIG_NONE,     /* no TSIG record: an unsigned request */
	TSIG_OK,       /* signed by key, in time */
	TSIG_FORMERR,  /* not a message ldns parses, or a misplaced, repeated or malformed TSIG: answer FORMERR */
	TSIG_BADKEY,   /* no key of that name and algorithm: answer NOTAUTH, TSIG error BADKEY */
	TSIG_BADSIG,   /* the MAC is wrong: NOTAUTH, BADSIG */
	TSIG_BADTRUNC, /* the MAC is truncated: NOTAUTH, BADTRUNC */
	TSIG_BADTIME,  /* the MAC is right but the time is outside the fudge: NOTAUTH, BADTIME */
};

/* What a request's TSIG said, kept to answer it. */
typedef struct tsig_request {
	enum tsig_verdict verdict;
	const tsig_key_t *key; /* TSIG_OK, TSIG_BADSIG, TSIG_BADTRUNC, TSIG_BADTIME: the key (in the table given) */
	uint8_t key_name[DNAME_MAXLEN]; /* from the TSIG record, wire format, as the request wrote it */
	size_t key_name_len;
	uint8_t algorithm[DNAME_MAXLEN];
	size_t algorithm_len;
	uint8_t mac[TSIG_MAC_MAX]; /* the request's MAC: the first answer's digest starts with it */
	size_t mac_len;
	uint64_t time_signed;
	uint16_t fudge;
	uint16_t original_id;
} tsig_request_t;

/* What records of a message make ldns_wire2pkt (ldns 1.8.3) lose memory: it keeps only the last TSIG record and the
 * last OPT and leaks the others. Every message from outside is scanned record by record (ldns_wire2rr, each record
 * freed) and parsed whole only when tsig_wire_parsable says so. */
typedef struct tsig_wire_records {
	unsigned tsig, opt;  /* outside the question section */
	bool tsig_last;      /* a TSIG is the message's last record, in the additional section */
} tsig_wire_records_t;
/* RBL_OK with *out; RBL_EINVAL when a record does not parse; RBL_ENOMEM. */
int tsig_wire_scan(const uint8_t *wire, size_t len, tsig_wire_records_t *out);
/* At most one TSIG, the last record, and at most one OPT. */
bool tsig_wire_parsable(const tsig_wire_records_t *r);

/* Reads the TSIG of the request in wire (len bytes, as received) and checks it against keys at time now (seconds
 * since the epoch). Fills *out (the key pointer points into keys: keep the table while answering). RBL_OK with the
 * verdict, RBL_ENOMEM when ldns could not allocate. */
int tsig_verify_request(const uint8_t *wire, size_t len, const tsig_keytab_t *keys, uint64_t now, tsig_request_t *out);

/* Checks the TSIG of a response (wire, len bytes, as received) to a request this side signed with key, whose MAC was
 * request_mac (request_mac_len bytes): a client's checks (RFC 8945 section 5.3), for a response of one message (a
 * NOTIFY's acknowledgement). *verdict: TSIG_OK when signed by key over request_mac, with no TSIG error, within its
 * fudge of now; TSIG_NONE unsigned; TSIG_FORMERR not a message ldns parses, or a misplaced, repeated or malformed
 * TSIG; TSIG_BADKEY another key name or algorithm; TSIG_BADTRUNC a MAC shorter than the algorithm's; TSIG_BADSIG a MAC
 * that does not verify, an empty one, or a TSIG error (the other side did not accept our request); TSIG_BADTIME
 * outside the fudge. RBL_OK with *verdict, RBL_ENOMEM when ldns could not allocate. */
int tsig_verify_response(const uint8_t *wire, size_t len, const tsig_key_t *key, const uint8_t *request_mac,
                         size_t request_mac_len, uint64_t now, enum tsig_verdict *verdict);

/* The most bytes a TSIG record of key adds to a message (a BADTIME error's included): leave this much room. */
size_t tsig_space(const tsig_key_t *key);

/* The signing state of one response: one message, or the messages of a transfer in order. */
typedef struct tsig_stream {
	const tsig_key_t *key;
	uint8_t mac[TSIG_MAC_MAX]; /* the request's MAC, then each signed message's */
	size_t mac_len;
	uint16_t fudge;
	unsigned count; /* messages signed so far */
} tsig_stream_t;

/* Starts signing the response to request, whose verdict must be TSIG_OK. */
void tsig_stream_start(tsig_stream_t *stream, const tsig_request_t *request);

/* Signs the next message of the response: msg (len bytes, a whole DNS message without a TSIG record) to out (at
 * most out_size bytes, 65535 at most used): msg as it is, a TSIG record appended, ARCOUNT counting it; *out_len its
 * length. The time signed is the clock's. RBL_EINVAL: msg is shorter than a header, or its additional section does
 * not parse or holds a TSIG; RBL_ESPACE: the signed message does not fit out_size or 65535 bytes; RBL_ENOMEM. On
 * error the stream is unchanged: the message may be signed again. */
int tsig_stream_sign(tsig_stream_t *stream, const uint8_t *msg, size_t len, uint8_t *out, size_t out_size,
                     size_t *out_len);

/* The answer to a request whose verdict is TSIG_BADKEY, TSIG_BADSIG, TSIG_BADTRUNC or TSIG_BADTIME: msg (the
 * answer without its TSIG: ID, question and flags as the server builds them) with its RCODE set to NOTAUTH and a
 * TSIG record appended with the request's key name and algorithm (as the request wrote them), the request's
 * original ID and the verdict's error. BADKEY, BADSIG, BADTRUNC: time signed now, fudge TSIG_FUDGE_DEFAULT, an empty
 * MAC, no other data. BADTIME: the request's time signed and fudge, now as other data (6 bytes), and the MAC of the
 * request's key (request->key) over the request's MAC, the answer and those variables. RBL_EINVAL for another
 * verdict, a BADTIME request without its key, or a message ldns does not parse; RBL_ESPACE; RBL_ENOMEM. */
int tsig_error_answer(const tsig_request_t *request, const uint8_t *msg, size_t len, uint64_t now, uint8_t *out,
                      size_t out_size, size_t *out_len);

#endif
