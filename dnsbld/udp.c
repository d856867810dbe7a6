/* SPDX-License-Identifier: BSD-2-Clause */
/* udp.c — batched UDP receive, answer and send. */
#include "udp.h"

#include "metrics.h"
#include "qlog.h"

#include "base/err.h"
#include "base/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* libuv hands recvmmsg 64 KiB slices of the receive buffer, at most 20 per call (UV__MMSG_MAXWIDTH). */
#define UDP_SLICE (64 * 1024)
#define UDP_BATCH 20

struct udp_reply {
	struct sockaddr_storage peer;
	socklen_t peer_len;
	size_t len;
	uint8_t data[WIRE_EDNS_PAYLOAD];
};

struct udp_endpoint {
	uv_udp_t handle;
	worker_t *worker;
	uint8_t *recv_buf; /* UDP_BATCH slices */
	struct udp_reply replies[UDP_BATCH];
	unsigned pending; /* replies waiting for the batch's sendmmsg */
	bool in_batch;
	uint64_t batch_ns; /* uv_hrtime when the batch began (metrics: receive to answer) */
	uint64_t batch_ms; /* the loop's time for the batch (rate limiting's clock) */
};

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	struct udp_endpoint *ep = handle->data;
	*buf = uv_buf_init((char *)ep->recv_buf, UDP_SLICE * UDP_BATCH);
}

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
	int fd;
	uv_fileno((uv_handle_t *)&ep->handle, &fd);
	unsigned sent = 0;
	while (sent < ep->pending) {
		int n = sendmmsg(fd, msgs + sent, ep->pending - sent, MSG_DONTWAIT);
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

static void batch_end(struct udp_endpoint *ep)
{
	flush_replies(ep);
	if (ep->in_batch)
		answer_batch_end(&ep->worker->answer);
	ep->in_batch = false;
}

static void answer_one(struct udp_endpoint *ep, const uint8_t *pkt, size_t len, const struct sockaddr *peer)
{
	answer_ctx_t *ctx = &ep->worker->answer;
	metrics_worker_t *m = ep->worker->metrics;
	if (!ep->in_batch) {
		/* On a store error the context answers SERVFAIL until a later batch succeeds. */
		answer_batch_begin(ctx);
		ep->in_batch = true;
		ep->batch_ms = uv_now(&ep->worker->loop);
		if (m) {
			metrics_worker_zones(m, &ctx->zones);
			ep->batch_ns = uv_hrtime(); /* the batch arrived together: its latency counts from here */
		}
	}
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

static void on_recv(uv_udp_t *handle, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *peer, unsigned flags)
{
	(void)buf;
	struct udp_endpoint *ep = handle->data;
	if (nread > 0 && peer && !(flags & UV_UDP_PARTIAL))
		answer_one(ep, (const uint8_t *)buf->base, (size_t)nread, peer);
	/* A batch ends with libuv's "free the buffer" call, or, without recvmmsg, after every datagram. */
	if ((flags & UV_UDP_MMSG_FREE) || !(flags & UV_UDP_MMSG_CHUNK))
		batch_end(ep);
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
		ep->recv_buf = malloc(UDP_SLICE * UDP_BATCH);
		if (!ep->recv_buf)
			return RBL_ENOMEM;
		int rc = uv_udp_init_ex(&w->loop, &ep->handle, AF_UNSPEC | UV_UDP_RECVMMSG);
		if (rc) {
			log_err("udp: %s", uv_strerror(rc));
			return RBL_EIO;
		}
		ep->handle.data = ep;
		rc = uv_udp_open(&ep->handle, w->udp_fds[i]);
		if (!rc) {
			w->udp_fds[i] = -1; /* libuv closes it with the handle */
			rc = uv_udp_recv_start(&ep->handle, on_alloc, on_recv);
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
		uv_handle_t *h = (uv_handle_t *)&w->udp[i].handle;
		if (h->loop && !uv_is_closing(h))
			uv_close(h, NULL);
	}
}

void udp_free(worker_t *w)
{
	for (unsigned i = 0; w->udp && i < w->config->listen_count; i++)
		free(w->udp[i].recv_buf);
	free(w->udp);
	w->udp = NULL;
}
