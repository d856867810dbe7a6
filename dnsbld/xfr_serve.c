/* SPDX-License-Identifier: BSD-2-Clause */
/* xfr_serve.c — zone transfers over TCP: the checks, and one thread per running transfer (xfr_serve.h). */
#include "xfr_serve.h"

#include "base/err.h"
#include "base/log.h"
#include "xfr/tsig.h"
#include "xfr/xfr_axfr.h"
#include "xfr/xfr_content.h"
#include "xfr/xfr_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define QUERY_MAX 4096 /* tcp.c's largest frame */

enum { RCODE_FORMERR = 1, RCODE_SERVFAIL = 2, RCODE_REFUSED = 5 };

/* One transfer: what its thread needs, and its slot. */
struct job {
	xfr_server_t *x;
	struct conf_ref *conf; /* the configuration its TSIG key is in, held until the transfer ends */
	int fd;
	uint8_t query[QUERY_MAX];
	size_t qlen;
	tsig_request_t tsig;
	char peer[ADDR_STRLEN];
	pthread_t thread;
	bool done; /* the thread has finished (it is joined when its slot is taken again, or at the end) */
	bool wrote; /* a message of the answer went to send_frame: part of it may be out (transfer thread only) */
};

/* A configuration and the requests using it: a reload puts a new one in place while transfers of the old one run
 * on (their TSIG keys are in it); the last user frees it. */
struct conf_ref {
	xfr_conf_t conf;
	atomic_uint refs;
};

struct xfr_server {
	struct conf_ref *current; /* under lock */
	store_t *st;
	pthread_mutex_t lock;
	struct job *slots[XFR_RUNNING_MAX];
};

static struct conf_ref *conf_take(xfr_server_t *x)
{
	pthread_mutex_lock(&x->lock);
	struct conf_ref *r = x->current;
	atomic_fetch_add(&r->refs, 1);
	pthread_mutex_unlock(&x->lock);
	return r;
}

static void conf_drop(struct conf_ref *r)
{
	if (r && atomic_fetch_sub(&r->refs, 1) == 1)
		free(r);
}

int xfr_server_set_conf(xfr_server_t *x, const xfr_conf_t *conf)
{
	struct conf_ref *r = malloc(sizeof *r);
	if (!r)
		return RBL_ENOMEM;
	r->conf = *conf;
	atomic_init(&r->refs, 1);
	pthread_mutex_lock(&x->lock);
	struct conf_ref *old = x->current;
	x->current = r;
	pthread_mutex_unlock(&x->lock);
	conf_drop(old);
	return RBL_OK;
}

xfr_server_t *xfr_server_new(const xfr_conf_t *conf, store_t *st)
{
	xfr_server_t *x = calloc(1, sizeof *x);
	if (!x) {
		log_err("zone transfers: out of memory; transfer requests will be refused");
		return NULL;
	}
	x->st = st;
	pthread_mutex_init(&x->lock, NULL);
	static const xfr_conf_t none; /* no section: every request REFUSED */
	if (xfr_server_set_conf(x, conf ? conf : &none)) {
		log_err("zone transfers: out of memory; transfer requests will be refused");
		pthread_mutex_destroy(&x->lock);
		free(x);
		return NULL;
	}
	return x;
}

void xfr_server_free(xfr_server_t *x)
{
	if (!x)
		return;
	for (unsigned i = 0; i < XFR_RUNNING_MAX; i++) {
		struct job *j = x->slots[i];
		if (!j)
			continue;
		pthread_mutex_lock(&x->lock);
		if (!j->done && j->fd >= 0)
			shutdown(j->fd, SHUT_RDWR); /* a blocked write or read returns */
		pthread_mutex_unlock(&x->lock);
		pthread_join(j->thread, NULL);
		free(j);
	}
	conf_drop(x->current);
	pthread_mutex_destroy(&x->lock);
	free(x);
}

/* An answer with no records: the request's ID, opcode and RD, its question when req has one, rcode. Its length. */
static size_t empty_answer(const uint8_t *q, const xfr_request_t *req, unsigned rcode, uint8_t *out, size_t cap)
{
	size_t question = req && req->question ? req->question_len : 0;
	if (cap < 12 + question)
		return 0;
	memset(out, 0, 12);
	out[0] = q[0];
	out[1] = q[1];
	out[2] = (uint8_t)(0x80 | (q[2] & 0x79)); /* QR, the opcode and RD echoed */
	out[3] = (uint8_t)rcode;
	out[5] = question ? 1 : 0;
	if (question)
		memcpy(out + 12, req->question, question);
	return 12 + question;
}

static uint64_t now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

/* Writes one message with its TCP length in front, whole (blocking writes; a short one goes on), within
 * XFR_SEND_TIMEOUT_S for the whole message: a reader that takes a byte now and then does not hold a slot. */
static int send_frame(void *ctx, const uint8_t *msg, size_t len)
{
	int fd = *(int *)ctx;
	uint8_t prefix[2] = {(uint8_t)(len >> 8), (uint8_t)len};
	struct iovec iov[2] = {{prefix, 2}, {(void *)msg, len}};
	size_t left = 2 + len;
	uint64_t deadline = now_s() + XFR_SEND_TIMEOUT_S;
	while (left) {
		if (now_s() > deadline)
			return RBL_EIO;
		ssize_t n = writev(fd, iov, 2);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return RBL_EIO;
		left -= (size_t)n;
		for (int i = 0; i < 2 && n > 0; i++) {
			size_t step = (size_t)n < iov[i].iov_len ? (size_t)n : iov[i].iov_len;
			iov[i].iov_base = (uint8_t *)iov[i].iov_base + step;
			iov[i].iov_len -= step;
			n -= (ssize_t)step;
		}
	}
	return RBL_OK;
}

/* send_frame for an answer's messages (ctx: the job), noting that the connection has been written to. */
static int send_message(void *ctx, const uint8_t *msg, size_t len)
{
	struct job *j = ctx;
	j->wrote = true;
	return send_frame(&j->fd, msg, len);
}

/* Ends the connection without losing what is still queued: Linux answers a close with unread input by a reset,
 * which throws away the unsent end of the transfer. Half-closes, reads until the secondary closes its side
 * (bounded: XFR_DRAIN_S), then closes. Requests that came after this one are not answered (the secondary asks
 * again on a new connection). */
static void close_gently(int fd)
{
	shutdown(fd, SHUT_WR);
	struct timeval limit = {XFR_DRAIN_S, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
	uint8_t sink[4096];
	uint64_t deadline = now_s() + XFR_DRAIN_S;
	while (now_s() <= deadline && read(fd, sink, sizeof sink) > 0)
		;
	close(fd);
}

/* How the log names what was sent (c NULL: the whole zone, streamed). */
static const char *transfer_form(const xfr_request_t *req, const xfr_content_t *c)
{
	if (req->kind != XFR_IXFR)
		return "AXFR";
	if (!c)
		return "IXFR, whole zone";
	if (req->has_serial && (int32_t)(c->serial - req->serial) <= 0)
		return "IXFR, current";
	return "IXFR, from the journal";
}

/* What the transfer sends, from one snapshot: the SOA alone to an IXFR that is current, the journal's differences
 * to an older one that it holds (both in *c), else the whole zone as committed (*c NULL: xfr_stream_answer sends it;
 * expiry is a commit of its own). */
static int load_content(store_rtxn_t *r, const xfr_request_t *req, xfr_content_t **c)
{
	*c = NULL;
	if (req->kind != XFR_IXFR || !req->has_serial)
		return RBL_OK;
	int err = xfr_content_load_soa(r, req->zone, c);
	if (err || (int32_t)((*c)->serial - req->serial) <= 0)
		return err;
	xfr_content_free(*c);
	*c = NULL;
	err = xfr_content_load_ixfr(r, req->zone, req->serial, c);
	return err == RBL_ENOENT ? RBL_OK : err;
}

/* Sends the answer to req from snapshot r: from *c when load_content gave one (r is ended first), else the whole
 * zone streamed (r stays open until the export has written it: the producer reads it). Ends r. */
static int send_answer(struct job *j, store_rtxn_t *r, const xfr_request_t *req, xfr_content_t **c)
{
	int err = load_content(r, req, c);
	tsig_stream_t ts;
	tsig_stream_start(&ts, &j->tsig);
	uint64_t messages = 0, records = 0;
	uint32_t serial = 0;
	if (err || *c) {
		store_read_end(r);
		if (!err && !(err = xfr_answer(req, *c, &ts, send_message, j, &messages, &records)))
			serial = (*c)->serial;
	} else {
		xfr_stream_stats_t stats;
		err = xfr_stream_answer(r, req, &ts, send_message, j, &stats);
		store_read_end(r);
		messages = stats.messages;
		records = stats.records;
		serial = stats.serial;
	}
	if (!err)
		log_info("zone transfer of %s (serial %u, %s) to %s: %llu records in %llu messages", req->zone, serial,
			 transfer_form(req, *c), j->peer, (unsigned long long)records,
			 (unsigned long long)messages);
	return err;
}

static void *transfer(void *arg)
{
	struct job *j = arg;
	xfr_server_t *x = j->x;
	int flags = fcntl(j->fd, F_GETFL);
	if (flags >= 0)
		fcntl(j->fd, F_SETFL, flags & ~O_NONBLOCK);
	struct timeval limit = {XFR_SEND_TIMEOUT_S, 0};
	setsockopt(j->fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
	xfr_request_t req;
	xfr_content_t *c = NULL;
	store_rtxn_t *r = NULL;
	int err = xfr_request_read(j->query, j->qlen, &req);
	if (!err && !(err = store_read_begin(x->st, &r)))
		err = send_answer(j, r, &req, &c);
	/* A refusal or a failure before the answer's first write is answered; after it, part of a message may be out,
	 * and another would not be read as one. */
	if (err && !j->wrote) {
		uint8_t out[12 + DNAME_MAXLEN + 4];
		size_t n = empty_answer(j->query, &req, err == RBL_ENOENT ? RCODE_REFUSED : RCODE_SERVFAIL, out,
					sizeof out);
		if (n)
			send_frame(&j->fd, out, n);
	}
	/* After the first message an error ends the connection only: the answer lacks its closing SOA, so the
	 * secondary discards what it got (RFC 5936 section 2.2). */
	if (err)
		log_warn("zone transfer of %s to %s: %s%s", req.zone[0] ? req.zone : "?", j->peer,
			 err == RBL_ENOENT ? "no such zone in the store" : rbl_strerror(err),
			 j->wrote ? " (the transfer was cut short)" : "");
	xfr_content_free(c);
	conf_drop(j->conf);
	j->conf = NULL;
	close_gently(j->fd); /* outside the lock: it may wait for the secondary; a shutdown at exit ends the wait */
	pthread_mutex_lock(&x->lock);
	j->fd = -1;
	j->done = true;
	pthread_mutex_unlock(&x->lock);
	return NULL;
}

/* Starts a thread for job in a free slot: false when every slot is busy (or the thread cannot start). */
static bool start(xfr_server_t *x, struct job *job)
{
	pthread_mutex_lock(&x->lock);
	int slot = -1;
	for (int i = 0; i < XFR_RUNNING_MAX && slot < 0; i++)
		if (!x->slots[i] || x->slots[i]->done)
			slot = i;
	struct job *old = slot >= 0 ? x->slots[slot] : NULL;
	bool started = slot >= 0 && pthread_create(&job->thread, NULL, transfer, job) == 0;
	if (started)
		x->slots[slot] = job;
	pthread_mutex_unlock(&x->lock);
	if (started && old) {
		pthread_join(old->thread, NULL); /* done: returns at once */
		free(old);
	}
	return started;
}

/* The checks of a transfer request: a zone section, the client in its allow-transfer, a TSIG of the zone's key that
 * verifies in time. true when it may go on (*req, *tsig and peer filled); false with the refusal in out (*out_len
 * bytes; 0: none). */
static bool admit(const xfr_conf_t *conf, const struct sockaddr *peer, const uint8_t *q, size_t qlen,
		  xfr_request_t *req, tsig_request_t *tsig, char peer_text[ADDR_STRLEN], uint8_t *out, size_t cap,
		  size_t *out_len, bool udp)
{
	*out_len = 0;
	if (qlen > QUERY_MAX || xfr_request_read(q, qlen, req)) {
		*out_len = empty_answer(q, NULL, RCODE_FORMERR, out, cap);
		return false;
	}
	addr_t from;
	const xfr_zone_t *zone = xfr_conf_zone(conf, req->zone);
	if (!zone || !addr_from_sockaddr(peer, &from) || !cidr_any_contains(zone->allow, zone->allow_count, &from)) {
		*out_len = empty_answer(q, req, RCODE_REFUSED, out, cap);
		return false;
	}
	addr_format(&from, peer_text);
	uint64_t now = (uint64_t)time(NULL);
	if (tsig_verify_request(q, qlen, &conf->keys, now, tsig)) {
		*out_len = empty_answer(q, req, RCODE_SERVFAIL, out, cap);
		return false;
	}
	if (tsig->verdict == TSIG_OK && tsig->key != xfr_zone_key(conf, zone))
		tsig->verdict = TSIG_BADKEY; /* signed, but not with the zone's key */
	if (tsig->verdict == TSIG_OK)
		return true;
	uint8_t answer[12 + DNAME_MAXLEN + 4];
	size_t n = empty_answer(q, req, tsig->verdict == TSIG_NONE ? RCODE_REFUSED : RCODE_FORMERR, answer, sizeof answer);
	if (tsig->verdict == TSIG_NONE || tsig->verdict == TSIG_FORMERR)
		memcpy(out, answer, *out_len = n <= cap ? n : 0);
	else if (tsig_error_answer(tsig, answer, n, now, out, cap, out_len))
		*out_len = 0;
	/* Over UDP at debug only: a datagram's source is easily forged, and a flood must not fill the log. */
	log_msg(udp ? RBL_LOG_DEBUG : RBL_LOG_INFO, "zone transfer of %s refused to %s%s: %s", req->zone, peer_text,
		udp ? " (UDP)" : "", tsig->verdict == TSIG_NONE ? "no TSIG" : "bad TSIG");
	return false;
}

enum xfr_serve_result xfr_serve_tcp(xfr_server_t *x, int fd, const struct sockaddr *peer, const uint8_t *q,
				    size_t qlen, uint8_t *out, size_t cap, size_t *out_len)
{
	xfr_request_t req;
	struct job *job = calloc(1, sizeof *job);
	if (!job) {
		*out_len = empty_answer(q, NULL, RCODE_SERVFAIL, out, cap);
		return XFR_SERVE_ANSWER;
	}
	job->conf = conf_take(x);
	if (!admit(&job->conf->conf, peer, q, qlen, &req, &job->tsig, job->peer, out, cap, out_len, false)) {
		conf_drop(job->conf);
		free(job);
		return XFR_SERVE_ANSWER;
	}
	job->x = x;
	job->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	memcpy(job->query, q, qlen);
	job->qlen = qlen;
	if (job->fd < 0 || !start(x, job)) {
		if (job->fd < 0)
			log_warn("zone transfer of %s to %s refused: cannot duplicate its socket: %s", req.zone, job->peer,
				 strerror(errno));
		else
			log_warn("zone transfer of %s to %s refused: %d transfers are running already", req.zone,
				 job->peer, XFR_RUNNING_MAX);
		if (job->fd >= 0)
			close(job->fd);
		conf_drop(job->conf);
		free(job);
		*out_len = empty_answer(q, &req, RCODE_REFUSED, out, cap);
		return XFR_SERVE_ANSWER;
	}
	return XFR_SERVE_TAKEN;
}

/* Where a UDP answer's one message goes. */
struct udp_out {
	uint8_t *buf;
	size_t cap, len;
};

static int keep_message(void *ctx, const uint8_t *msg, size_t len)
{
	struct udp_out *o = ctx;
	if (len > o->cap)
		return RBL_ESPACE;
	memcpy(o->buf, msg, len);
	o->len = len;
	return RBL_OK;
}

size_t xfr_serve_udp(xfr_server_t *x, const struct sockaddr *peer, const uint8_t *q, size_t qlen, uint8_t *out,
		     size_t cap)
{
	xfr_request_t req;
	tsig_request_t tsig;
	char peer_text[ADDR_STRLEN];
	size_t n;
	struct conf_ref *conf = conf_take(x);
	if (!admit(&conf->conf, peer, q, qlen, &req, &tsig, peer_text, out, cap, &n, true)) {
		conf_drop(conf);
		return n;
	}
	store_rtxn_t *r;
	xfr_content_t *c = NULL;
	int err = store_read_begin(x->st, &r);
	if (!err) {
		err = xfr_content_load_soa(r, req.zone, &c);
		store_read_end(r);
	}
	if (err) {
		conf_drop(conf);
		return empty_answer(q, &req, err == RBL_ENOENT ? RCODE_REFUSED : RCODE_SERVFAIL, out, cap);
	}
	/* The whole zone never fits a datagram: the current SOA alone, as to a secondary that is current. */
	req.has_serial = true;
	req.serial = c->serial;
	tsig_stream_t ts;
	tsig_stream_start(&ts, &tsig);
	struct udp_out o = {out, cap, 0};
	uint64_t messages, records;
	err = xfr_answer(&req, c, &ts, keep_message, &o, &messages, &records);
	xfr_content_free(c);
	conf_drop(conf);
	return err ? empty_answer(q, &req, RCODE_SERVFAIL, out, cap) : o.len;
}
