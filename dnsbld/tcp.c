/* SPDX-License-Identifier: BSD-2-Clause */
/* tcp.c — DNS over TCP: accept, frame, answer, write, time out.
 *
 * Each connection answers into two fixed buffers, allocated with the connection, never per query: one is being
 * written while the other fills. When the filling one is full and the other is still on the wire, the connection
 * stops reading until the write completes — backpressure instead of an unbounded queue.
 *
 * Time limits (one timer a connection): a query must arrive whole within tcp_idle_ms of its first byte, and a
 * connection with nothing under way is closed tcp_idle_ms after its last complete query (or its accept) — bytes that
 * trickle in do not extend either, so a client cannot hold a slot by dripping a frame. When the worker's slots are
 * full, a new client takes the slot of the connection idle the longest, else of the one whose unfinished query began
 * the earliest (RFC 7766 section 6.2.3: the server may close connections to make room).
 */
#include "tcp.h"

#include "metrics.h"
#include "qlog.h"
#include "xfr_serve.h"

#include "xfr/xfr_axfr.h"

#include "base/err.h"
#include "base/log.h"

#include <stdlib.h>
#include <string.h>

#define TCP_MAX_QUERY 4096      /* a larger frame is no query of ours: the connection is closed */
#define TCP_OUT_CAP (2 + 65535) /* one buffer holds at least one answer of any size */

struct tcp_endpoint {
	uv_tcp_t handle;
	worker_t *worker;
};

struct tcp_conn {
	uv_tcp_t handle;
	uv_timer_t idle;
	uv_write_t write_req;
	worker_t *worker;
	struct tcp_conn *prev, *next; /* the worker's open connections, for shutdown */
	size_t have;                  /* bytes in `in` not yet answered */
	uint8_t in[2 + TCP_MAX_QUERY];
	uint8_t *out[2]; /* answers, framed */
	size_t out_len[2];
	int filling;  /* the buffer answers go into */
	bool writing; /* the other buffer is on the wire */
	bool reading;
	bool eof;                     /* the client half-closed: answer what came, then close */
	uint64_t active_at;           /* loop time (ms) of the accept or of the last complete query */
	uint64_t frame_at;            /* loop time (ms) of the first byte of the query under way; 0: none */
	struct sockaddr_storage peer; /* the client, for allow-query */
	bool counted;                 /* metrics: counted as accepted, so its close is counted too */
	bool timed_out;               /* closed by its timer (metrics: closed by idle timeout) */
	int closing;                  /* handles still to be closed before the memory goes */
};

/* Per-worker state kept beside the endpoints: the list of connections, and where answers are written first. */
struct tcp_state {
	struct tcp_endpoint *endpoints;
	struct tcp_conn *conns;
	uint8_t scratch[65535];
};

static struct tcp_state *state_of(worker_t *w)
{
	return w->tcp_state;
}

static void conn_closed(uv_handle_t *h)
{
	struct tcp_conn *c = h->data;
	if (--c->closing > 0)
		return;
	free(c->out[0]);
	free(c->out[1]);
	free(c);
}

static void conn_close(struct tcp_conn *c)
{
	if (c->closing)
		return;
	struct tcp_state *st = state_of(c->worker);
	if (c->prev)
		c->prev->next = c->next;
	else
		st->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->worker->tcp_conns--;
	if (c->counted && c->timed_out)
		metrics_tcp_closed_idle(c->worker->metrics);
	else if (c->counted)
		metrics_tcp_closed(c->worker->metrics);
	c->closing = 2;
	uv_close((uv_handle_t *)&c->idle, conn_closed);
	uv_close((uv_handle_t *)&c->handle, conn_closed);
}

static void on_idle(uv_timer_t *t)
{
	struct tcp_conn *c = t->data;
	c->timed_out = true;
	conn_close(c);
}

/* (Re)arms the connection's one timer: the query under way must be whole by frame_at + idle, an idle connection
 * closes at active_at + idle. */
static void arm(struct tcp_conn *c)
{
	uint64_t now = uv_now(c->idle.loop);
	uint64_t due = (c->frame_at ? c->frame_at : c->active_at) + c->worker->config->tcp_idle_ms;
	uv_timer_start(&c->idle, on_idle, due > now ? due - now : 0, 0);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	struct tcp_conn *c = h->data;
	*buf = uv_buf_init((char *)c->in + c->have, (unsigned)(sizeof c->in - c->have));
}

static void on_written(uv_write_t *req, int status);
static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);

/* Puts the filled buffer on the wire if the other one is not there already. */
static void flush(struct tcp_conn *c)
{
	if (c->writing || c->out_len[c->filling] == 0 || c->closing)
		return;
	int f = c->filling;
	uv_buf_t buf = uv_buf_init((char *)c->out[f], (unsigned)c->out_len[f]);
	if (uv_write(&c->write_req, (uv_stream_t *)&c->handle, &buf, 1, on_written)) {
		conn_close(c);
		return;
	}
	c->writing = true;
	c->filling = 1 - f;
	c->out_len[c->filling] = 0;
}

/* A zone transfer request: its own checks (allow-transfer, TSIG) and its own thread with the socket (xfr_serve.h).
 * 1: a refusal of *n bytes in the scratch buffer; 0: answers before it are still to be written (it waits in `in`);
 * -1: a transfer thread has the socket, or it cannot be had: close the connection. */
static int answer_transfer(struct tcp_conn *c, const uint8_t *frame, size_t len, size_t *n)
{
	uv_os_fd_t fd;
	if (c->writing || c->out_len[c->filling])
		return 0;
	if (uv_fileno((uv_handle_t *)&c->handle, &fd))
		return -1;
	uint8_t *scratch = state_of(c->worker)->scratch;
	enum xfr_serve_result r = xfr_serve_tcp(c->worker->xfr, fd, (const struct sockaddr *)&c->peer, frame, len,
						scratch, sizeof state_of(c->worker)->scratch, n);
	return r == XFR_SERVE_TAKEN ? -1 : 1;
}

/* Answers every complete frame in `in` that fits in the filling buffer. Returns false when the connection must
 * close (a frame too large for a query). */
static bool answer_frames(struct tcp_conn *c)
{
	worker_t *w = c->worker;
	struct tcp_state *st = state_of(w);
	answer_ctx_t *ctx = &w->answer;
	metrics_worker_t *m = w->metrics;
	bool batch = false, ok = true;
	size_t off = 0;
	uint64_t batch_ns = 0;
	unsigned placed = 0;
	while (c->have - off >= 2) {
		size_t len = (size_t)c->in[off] << 8 | c->in[off + 1];
		if (len > TCP_MAX_QUERY) {
			ok = false;
			break;
		}
		if (c->have - off < 2 + len)
			break;
		if (!batch) {
			answer_batch_begin(ctx);
			batch = true;
			if (m) {
				metrics_worker_zones(m, &ctx->zones);
				batch_ns = uv_hrtime();
			}
		}
		const server_live_t *live = w->live;
		size_t n;
		const uint8_t *frame = c->in + off + 2;
		bool transfer = w->xfr && xfr_request_kind(frame, len) != XFR_NONE;
		if (transfer) {
			int r = answer_transfer(c, frame, len, &n);
			if (r <= 0) {
				ok = r == 0;
				break;
			}
		} else if (server_live_allows(live, (const struct sockaddr *)&c->peer)) {
			n = answer_packet(ctx, c->in + off + 2, len, st->scratch, sizeof st->scratch, true);
		} else if (!live->acl_drop) {
			n = answer_refused(c->in + off + 2, len, st->scratch, sizeof st->scratch, true, &ctx->info);
		} else {
			if (m)
				metrics_count_dropped(m, METRICS_DROP_ACL);
			ok = false; /* acl-action = drop: no answer, no connection */
			break;
		}
		uint8_t *out = c->out[c->filling];
		size_t *out_len = &c->out_len[c->filling];
		if (n && *out_len + 2 + n > TCP_OUT_CAP)
			break; /* no room until the write in flight completes: this query waits in `in` */
		if (transfer) {
			/* a refused transfer: logged by xfr_serve, not counted as a query */
		} else if (m && n) { /* counted once it is placed: a query that waits is answered again later */
			metrics_count_response(m, &ctx->info, true);
			placed++;
		} else if (m)
			metrics_count_dropped(m, len < WIRE_HEADER_LEN ? METRICS_DROP_SHORT : METRICS_DROP_RESPONSE);
		if (n && !transfer && w->qlog &&
		    !qlog_query(w->qlog, (const struct sockaddr *)&c->peer, c->in + off + 2, len, &ctx->info,
		                st->scratch, n, true) &&
		    m)
			metrics_count_query_log_dropped(m);
		if (n) {
			out[*out_len] = (uint8_t)(n >> 8);
			out[*out_len + 1] = (uint8_t)n;
			memcpy(out + *out_len + 2, st->scratch, n);
			*out_len += 2 + n;
		}
		off += 2 + len;
	}
	if (batch)
		answer_batch_end(ctx);
	if (m) /* receive to answer, one clock read for the frames answered together */
		metrics_observe_latency(m, (unsigned)((uv_hrtime() - batch_ns) / 1000), placed);
	memmove(c->in, c->in + off, c->have - off);
	c->have -= off;
	if (off > 0) {
		/* Queries completed: the connection is active now, and what is left began no earlier than now. */
		c->active_at = uv_now(c->idle.loop);
		c->frame_at = c->have ? c->active_at : 0;
	}
	return ok;
}

/* Answers what can be answered, writes, and reads on only while there is room for more answers. */
static void pump(struct tcp_conn *c)
{
	if (!answer_frames(c)) {
		conn_close(c);
		return;
	}
	flush(c);
	if (c->closing)
		return;
	if (c->eof) {
		/* Nothing more will come: close once every answer is on the wire (a frame left in `in` is incomplete,
		 * or waits for room, which the write in flight will make). */
		bool pending_frame = c->have >= 2 && c->have >= 2 + ((size_t)c->in[0] << 8 | c->in[1]);
		if (!c->writing && c->out_len[c->filling] == 0 && !pending_frame)
			conn_close(c);
		return;
	}
	bool room = !c->writing || c->out_len[c->filling] + 2 + 512 <= TCP_OUT_CAP;
	bool want = room && c->have < sizeof c->in;
	if (want && !c->reading)
		c->reading = uv_read_start((uv_stream_t *)&c->handle, on_alloc, on_read) == 0;
	else if (!want && c->reading) {
		uv_read_stop((uv_stream_t *)&c->handle);
		c->reading = false;
	}
}

static void on_written(uv_write_t *req, int status)
{
	struct tcp_conn *c = req->handle->data;
	c->writing = false;
	if (status < 0 || c->closing) {
		conn_close(c);
		return;
	}
	pump(c);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	(void)buf;
	struct tcp_conn *c = stream->data;
	if (nread == UV_EOF) {
		c->eof = true;
		uv_read_stop(stream);
		c->reading = false;
		pump(c);
		return;
	}
	if (nread < 0) {
		conn_close(c);
		return;
	}
	if (c->have == 0 && nread > 0)
		c->frame_at = uv_now(c->idle.loop);
	c->have += (size_t)nread;
	pump(c);
	if (!c->closing)
		arm(c);
}

/* The connection whose slot a new client may take: the one idle the longest (nothing under way), else the one whose
 * unfinished query began the earliest. NULL if there is none. */
static struct tcp_conn *victim(struct tcp_state *st)
{
	struct tcp_conn *idle = NULL, *slow = NULL;
	for (struct tcp_conn *c = st->conns; c; c = c->next) {
		if (c->closing)
			continue;
		if (c->frame_at == 0 && !c->writing) {
			if (!idle || c->active_at < idle->active_at)
				idle = c;
		} else if (c->frame_at && (!slow || c->frame_at < slow->frame_at)) {
			slow = c;
		}
	}
	return idle ? idle : slow;
}

static void on_connection(uv_stream_t *listener, int status)
{
	struct tcp_endpoint *ep = listener->data;
	worker_t *w = ep->worker;
	if (status < 0)
		return;
	if (w->tcp_conns >= w->config->tcp_max_conns) {
		struct tcp_conn *old = victim(state_of(w));
		if (old)
			conn_close(old);
	}
	struct tcp_conn *c = calloc(1, sizeof *c);
	if (!c)
		return;
	c->worker = w;
	uv_tcp_init(&w->loop, &c->handle);
	uv_timer_init(&w->loop, &c->idle);
	c->handle.data = c->idle.data = c;
	struct tcp_state *st = state_of(w);
	c->next = st->conns;
	if (st->conns)
		st->conns->prev = c;
	st->conns = c;
	w->tcp_conns++;
	c->out[0] = malloc(TCP_OUT_CAP);
	c->out[1] = malloc(TCP_OUT_CAP);
	if (uv_accept(listener, (uv_stream_t *)&c->handle) || w->tcp_conns > w->config->tcp_max_conns || !c->out[0] ||
	    !c->out[1]) {
		conn_close(c);
		return;
	}
	int peer_len = sizeof c->peer;
	if (uv_tcp_getpeername(&c->handle, (struct sockaddr *)&c->peer, &peer_len)) {
		conn_close(c);
		return;
	}
	if (w->metrics) {
		metrics_tcp_accepted(w->metrics);
		c->counted = true;
	}
	c->active_at = uv_now(&w->loop);
	arm(c);
	c->reading = uv_read_start((uv_stream_t *)&c->handle, on_alloc, on_read) == 0;
}

int tcp_start(worker_t *w)
{
	const server_config_t *cfg = w->config;
	struct tcp_state *st = calloc(1, sizeof *st);
	if (!st)
		return RBL_ENOMEM;
	w->tcp_state = st;
	st->endpoints = calloc(cfg->listen_count, sizeof *st->endpoints);
	if (!st->endpoints)
		return RBL_ENOMEM;
	for (unsigned i = 0; i < cfg->listen_count; i++) {
		struct tcp_endpoint *ep = &st->endpoints[i];
		ep->worker = w;
		uv_tcp_init(&w->loop, &ep->handle);
		ep->handle.data = ep;
		int rc = uv_tcp_open(&ep->handle, w->tcp_fds[i]);
		if (!rc) {
			w->tcp_fds[i] = -1;
			rc = uv_listen((uv_stream_t *)&ep->handle, 128, on_connection);
		}
		if (rc) {
			log_err("tcp %s: %s", cfg->listen[i].text, uv_strerror(rc));
			return RBL_EIO;
		}
	}
	return RBL_OK;
}

void tcp_close_all(worker_t *w)
{
	struct tcp_state *st = state_of(w);
	if (!st)
		return;
	for (unsigned i = 0; st->endpoints && i < w->config->listen_count; i++) {
		uv_handle_t *h = (uv_handle_t *)&st->endpoints[i].handle;
		if (h->loop && !uv_is_closing(h))
			uv_close(h, NULL);
	}
	while (st->conns)
		conn_close(st->conns);
}

void tcp_free(worker_t *w)
{
	struct tcp_state *st = state_of(w);
	if (!st)
		return;
	free(st->endpoints);
	free(st);
	w->tcp_state = NULL;
}
