/* SPDX-License-Identifier: BSD-2-Clause */
/* xfr_serve.h — zone transfers over TCP (issue 15, first part: AXFR, and IXFR answered with the whole zone or the
 * current SOA; no journal of differences, no NOTIFY yet).
 *
 * A TCP frame that asks for AXFR or IXFR (xfr_request_kind) comes here from tcp.c before the query path (an IXFR
 * over UDP comes from udp.c, after the query path refused it as malformed: it has an authority record). It is
 * answered at once when it is refused, or handed with the connection's socket to a transfer thread of its own, which
 * reads the zone from a snapshot of the store, writes every message (TSIG-signed) with blocking writes bounded by
 * XFR_SEND_TIMEOUT_S, and closes the socket. The worker's loop never waits for a transfer. A whole zone is sent while
 * it is written (xfr_stream.h: a second thread writes it, the snapshot stays open until it has); an error after the
 * first message cuts the connection, and a secondary discards an answer without its closing SOA.
 *
 * Refusals (RFC 8945, RFC 5936): a zone without a [zone] section in dnsbld.conf, a client outside its
 * allow-transfer, a request without TSIG, more than XFR_RUNNING_MAX transfers at once — REFUSED; a TSIG of an
 * unknown key, a wrong MAC, a truncated MAC, a time out of its fudge, or another key than the zone's — NOTAUTH with
 * the TSIG error (BADKEY, BADSIG, BADTRUNC, BADTIME); a request ldns cannot read — FORMERR. A reload puts new
 * settings in place (xfr_server_set_conf).
 */
#ifndef DNSBLD_XFR_SERVE_H
#define DNSBLD_XFR_SERVE_H

#include "store/store.h"
#include "xfr/xfr_conf.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define XFR_RUNNING_MAX 4     /* transfers at once, in the whole process */
#define XFR_SEND_TIMEOUT_S 30 /* a secondary that does not take a whole message (~16 KB) in this long loses it */
#define XFR_DRAIN_S 5         /* after the last message, how long the secondary has to close its side */

typedef struct xfr_server xfr_server_t;

/* The transfer service over store st (which must outlive it), with a copy of conf (NULL: no zone, every request
 * REFUSED). NULL when out of memory (logged): then the query path refuses transfer requests. */
xfr_server_t *xfr_server_new(const xfr_conf_t *conf, store_t *st);
/* A reload's configuration (copied): requests from now on are checked against it; transfers running go on with the
 * one they began with. RBL_ENOMEM leaves the old one in place. Any thread. */
int xfr_server_set_conf(xfr_server_t *x, const xfr_conf_t *conf);
/* Stops: the sockets of running transfers are shut down and their threads joined. NULL is fine. */
void xfr_server_free(xfr_server_t *x);

enum xfr_serve_result {
	XFR_SERVE_ANSWER, /* out holds the answer (*out_len bytes; 0: none, close the connection) */
	XFR_SERVE_TAKEN,  /* a transfer thread has the socket (a dup of fd): close the connection's handle */
};

/* A transfer request q (qlen bytes, one TCP frame without its length) from peer on the connection whose socket is
 * fd. Thread-safe (every worker calls it). */
enum xfr_serve_result xfr_serve_tcp(xfr_server_t *x, int fd, const struct sockaddr *peer, const uint8_t *q,
				    size_t qlen, uint8_t *out, size_t cap, size_t *out_len);

/* An IXFR request over UDP (RFC 1995 section 2): after the same checks, the zone's current SOA alone, signed, into
 * out; a refusal otherwise. The answer's length (0: none). */
size_t xfr_serve_udp(xfr_server_t *x, const struct sockaddr *peer, const uint8_t *q, size_t qlen, uint8_t *out,
		     size_t cap);

#endif
