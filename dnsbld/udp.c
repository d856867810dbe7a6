/* SPDX-License-Identifier: BSD-2-Clause */
/* udp.c — batched UDP receive, answer and send. */
#include "udp.h"

#include "metrics.h"
#include "qlog.h"
#include "xfr_serve.h"

#include "base/err.h"
#include "base/log.h"
#include "xfr/xfr_axfr.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Each wake-up of the socket reads with recvmmsg straight into UDP_BATCH slices of 64 KiB (any UDP payload fits:
 * nothing is cut), answers the whole batch from one store snapshot, and sends the replies with one sendmmsg; it reads
 * again while batches come back full, at most UDP_ROUNDS times, then lets the loop serve its other handles. */
#define UDP_SLICE (64 * 1024)
#define UDP_BATCH 32
#define UDP_ROUNDS 8

struct udp_reply {
	struct sockaddr_storage peer;
	socklen_t peer_len;
	size_t len;
	uint8_t data[WIRE_EDNS_PAYLOAD];
};

struct udp_endpoint {
	uv_poll_t poll;
	bool poll_ready; /* poll initialised: udp_close_all closes it */
	int fd;          /* the bound socket, owned from udp_start on; closed by udp_free */
	worker_t *worker;
	uint8_t *recv_buf; /* UDP_BATCH slices */
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_storage peers[UDP_BATCH];
	struct udp_reply replies[UDP_BATCH];
	unsigned pending;  /* replies waiting for the batch's sendmmsg */
	uint64_t batch_ns; /* uv_hrtime when the batch arrived (metrics: receive to answer) */
	uint64_t batch_ms; /* the loop's time for the batch (rate limiting's clock) */
	uint64_t receives, datagrams; /* recvmmsg calls that returned datagrams, and those datagrams: logged at exit */
};

static void flush_replies(struct udp_endpoint *ep)
{
	if (!ep->pending)
		return;
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	for (unsigned i = 0; i < ep->pending; i++) {
		struct udp_reply *r = &ep->replies[i];
		iov[i] = (struct iovec){r->data, r->len};
		msgs[i] = (struct mmsghdr){
		        .msg_hdr = {
		                .msg_name = &r->peer, .msg_namelen = r->peer_len, .msg_iov = &iov[i], .msg_iovlen = 1}};
	}
	unsigned sent = 0;
	while (sent < ep->pending) {
		int n = sendmmsg(ep->fd, msgs + sent, ep->pending - sent, MSG_DONTWAIT);
		if (n > 0) {
			sent += (unsigned)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		/* A full socket buffer or an unreachable peer: the datagram is lost, as UDP allows; the client retries.
		 */
		sent++;
	}
	/* Receive to send, one clock read for them all: the batch's replies were received together. */
	if (ep->worker->metrics)
		metrics_observe_latency(ep->worker->metrics, (unsigned)((uv_hrtime() - ep->batch_ns) / 1000),
		                        ep->pending);
	ep->pending = 0;
}

static void answer_one(struct udp_endpoint *ep, const uint8_t *pkt, size_t len, const struct sockaddr *peer)
{
	answer_ctx_t *ctx = &ep->worker->answer;
	metrics_worker_t *m = ep->worker->metrics;
	if (ep->pending == UDP_BATCH)
		flush_replies(ep);
	struct udp_reply *r = &ep->replies[ep->pending];
	const server_live_t *live = ep->worker->live;
	bool acl_dropped = false;
	if (server_live_allows(live, peer))
		r->len = answer_packet(ctx, pkt, len, r->data, sizeof r->data, false);
	else if (!live->acl_drop)
		r->len = answer_refused(pkt, len, r->data, sizeof r->data, false, &ctx->info);
	else
		r->len = 0, acl_dropped = true;
	if (ep->worker->xfr && r->len && ctx->info.rcode == WIRE_R_FORMERR && xfr_request_kind(pkt, len) == XFR_IXFR) {
		/* An IXFR (its authority SOA makes it FORMERR to the query path): the transfer's checks, then the SOA
		 * alone. Not counted, logged or rate-limited as a query. */
		r->len = xfr_serve_udp(ep->worker->xfr, peer, pkt, len, r->data, sizeof r->data);
		if (r->len) {
			r->peer_len = peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
			memcpy(&r->peer, peer, r->peer_len);
			ep->pending++;
		}
		return;
	}
	if (!r->len) {
		if (m) /* unanswered: acl-action drop, too short for a header, or a response (QR set) */
			metrics_count_dropped(m, acl_dropped             ? METRICS_DROP_ACL
			                         : len < WIRE_HEADER_LEN ? METRICS_DROP_SHORT
			                                                 : METRICS_DROP_RESPONSE);
		return;
	}
	if (m) /* every query answered, whether rate limiting then sends, shortens or drops the answer */
		metrics_count_response(m, &ctx->info, false);
	/* Logged as answered, before rate limiting may drop or shorten the reply (the codes come from it whole). */
	if (ep->worker->qlog && !qlog_query(ep->worker->qlog, peer, pkt, len, &ctx->info, r->data, r->len, false) && m)
		metrics_count_query_log_dropped(m);
	if (ep->worker->rrl) {
		/* ctx->info is the answer just built; its question name lies at offset 12 of the query. */
		enum rrl_action action =
		        rrl_decide(ep->worker->rrl, peer, &ctx->info, pkt + WIRE_HEADER_LEN, ep->batch_ms);
		if (m && action != RRL_SEND)
			metrics_count_rrl(m, action == RRL_SLIP);
		if (action == RRL_DROP)
			return;
		if (action == RRL_SLIP)
			r->len = rrl_slip_response(pkt, len, &ctx->info, r->data, r->len);
	}
	r->peer_len = peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	memcpy(&r->peer, peer, r->peer_len);
	ep->pending++;
}

/* One batch: the datagrams recvmmsg returned, answered from one snapshot, replies sent together. */
static void answer_batch(struct udp_endpoint *ep, unsigned count)
{
	answer_ctx_t *ctx = &ep->worker->answer;
	metrics_worker_t *m = ep->worker->metrics;
	/* On a store error the context answers SERVFAIL until a later batch succeeds. */
	answer_batch_begin(ctx);
	ep->batch_ms = uv_now(&ep->worker->loop);
	if (m) {
		metrics_worker_zones(m, &ctx->zones);
		ep->batch_ns = uv_hrtime(); /* the batch arrived together: its latency counts from here */
	}
	for (unsigned i = 0; i < count; i++)
		answer_one(ep, ep->recv_buf + (size_t)i * UDP_SLICE, ep->msgs[i].msg_len,
		           (const struct sockaddr *)&ep->peers[i]);
	flush_replies(ep);
	answer_batch_end(ctx);
}

static void on_readable(uv_poll_t *handle, int status, int events)
{
	(void)events;
	struct udp_endpoint *ep = handle->data;
	if (status < 0)
		return; /* a socket error: the next readable event retries */
	for (unsigned round = 0; round < UDP_ROUNDS; round++) {
		for (unsigned i = 0; i < UDP_BATCH; i++)
			ep->msgs[i].msg_hdr.msg_namelen = sizeof ep->peers[i];
		int n = recvmmsg(ep->fd, ep->msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* drained (EAGAIN), or an error the next readable event meets again */
		ep->receives++;
		ep->datagrams += (unsigned)n;
		answer_batch(ep, (unsigned)n);
		if (n < UDP_BATCH)
			return; /* what was waiting is answered */
	}
}

int udp_start(worker_t *w)
{
	const server_config_t *cfg = w->config;
	w->udp = calloc(cfg->listen_count, sizeof *w->udp);
	if (!w->udp)
		return RBL_ENOMEM;
	for (unsigned i = 0; i < cfg->listen_count; i++) {
		struct udp_endpoint *ep = &w->udp[i];
		ep->worker = w;
		ep->fd = w->udp_fds[i];
		w->udp_fds[i] = -1; /* ours now: udp_free closes it */
		ep->recv_buf = malloc((size_t)UDP_SLICE * UDP_BATCH);
		if (!ep->recv_buf)
			return RBL_ENOMEM;
		for (unsigned k = 0; k < UDP_BATCH; k++) {
			ep->iov[k] = (struct iovec){ep->recv_buf + (size_t)k * UDP_SLICE, UDP_SLICE};
			ep->msgs[k].msg_hdr = (struct msghdr){.msg_name = &ep->peers[k], .msg_iov = &ep->iov[k], .msg_iovlen = 1};
		}
		int rc = uv_poll_init_socket(&w->loop, &ep->poll, ep->fd);
		if (!rc) {
			ep->poll_ready = true;
			ep->poll.data = ep;
			rc = uv_poll_start(&ep->poll, UV_READABLE, on_readable);
		}
		if (rc) {
			log_err("udp %s: %s", cfg->listen[i].text, uv_strerror(rc));
			return RBL_EIO;
		}
	}
	return RBL_OK;
}

void udp_close_all(worker_t *w)
{
	for (unsigned i = 0; w->udp && i < w->config->listen_count; i++) {
		uv_handle_t *h = (uv_handle_t *)&w->udp[i].poll;
		if (w->udp[i].poll_ready && !uv_is_closing(h))
			uv_close(h, NULL);
	}
}

void udp_free(worker_t *w)
{
	for (unsigned i = 0; w->udp && i < w->config->listen_count; i++) {
		struct udp_endpoint *ep = &w->udp[i];
		if (ep->receives)
			log_info("worker %u, %s/udp: %" PRIu64 " datagrams in %" PRIu64 " receive calls (%.1f a call)",
			         w->index, w->config->listen[i].text, ep->datagrams, ep->receives,
			         (double)ep->datagrams / (double)ep->receives);
		if (ep->worker && ep->fd >= 0)
			close(ep->fd);
		free(ep->recv_buf);
	}
	free(w->udp);
	w->udp = NULL;
}
