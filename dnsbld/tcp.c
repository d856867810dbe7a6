/* tcp.c — DNS over TCP: accept, frame, answer, write, time out. */
#include "tcp.h"

#include "err.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

#define TCP_MAX_QUERY 4096          /* a larger frame is no query of ours: the connection is closed */
#define TCP_MAX_QUEUED (256 * 1024) /* unread answers past this: the client is not reading, close */

struct tcp_endpoint {
	uv_tcp_t handle;
	worker_t *worker;
};

struct tcp_conn {
	uv_tcp_t handle;
	uv_timer_t idle;
	worker_t *worker;
	struct tcp_conn *prev, *next;   /* the worker's open connections, for shutdown */
	size_t have;
	uint8_t in[2 + TCP_MAX_QUERY];
	int closing;                    /* handles still to be closed before the memory goes */
};

struct tcp_write {
	uv_write_t req;
	size_t len;
	uint8_t data[];
};

/* Per-worker state kept beside the endpoints: the list of connections. */
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
	c->closing = 2;
	uv_close((uv_handle_t *)&c->idle, conn_closed);
	uv_close((uv_handle_t *)&c->handle, conn_closed);
}

static void on_idle(uv_timer_t *t)
{
	conn_close(t->data);
}

static void on_written(uv_write_t *req, int status)
{
	(void)status;
	free(req->data);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	struct tcp_conn *c = h->data;
	*buf = uv_buf_init((char *)c->in + c->have, (unsigned)(sizeof c->in - c->have));
}

/* Answers the query framed at c->in and queues the framed answer. */
static int answer_frame(struct tcp_conn *c, const uint8_t *query, size_t len)
{
	worker_t *w = c->worker;
	struct tcp_state *st = state_of(w);
	size_t n = answer_packet(&w->answer, query, len, st->scratch, sizeof st->scratch, true);
	if (!n)
		return RBL_OK;
	struct tcp_write *wr = malloc(sizeof *wr + 2 + n);
	if (!wr)
		return RBL_ENOMEM;
	wr->data[0] = (uint8_t)(n >> 8);
	wr->data[1] = (uint8_t)n;
	memcpy(wr->data + 2, st->scratch, n);
	wr->req.data = wr;
	uv_buf_t buf = uv_buf_init((char *)wr->data, (unsigned)(2 + n));
	if (uv_write(&wr->req, (uv_stream_t *)&c->handle, &buf, 1, on_written)) {
		free(wr);
		return RBL_EIO;
	}
	return RBL_OK;
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	(void)buf;
	struct tcp_conn *c = stream->data;
	if (nread < 0) {
		conn_close(c);
		return;
	}
	c->have += (size_t)nread;
	uv_timer_again(&c->idle);
	answer_ctx_t *ctx = &c->worker->answer;
	bool batch = false;
	int err = RBL_OK;
	size_t off = 0;
	while (!err && c->have - off >= 2) {
		size_t len = (size_t)c->in[off] << 8 | c->in[off + 1];
		if (len > TCP_MAX_QUERY) {
			err = RBL_ERANGE;
			break;
		}
		if (c->have - off < 2 + len)
			break;
		if (!batch) {
			answer_batch_begin(ctx);
			batch = true;
		}
		err = answer_frame(c, c->in + off + 2, len);
		off += 2 + len;
	}
	if (batch)
		answer_batch_end(ctx);
	memmove(c->in, c->in + off, c->have - off);
	c->have -= off;
	if (err || uv_stream_get_write_queue_size(stream) > TCP_MAX_QUEUED)
		conn_close(c);
}

static void on_connection(uv_stream_t *listener, int status)
{
	struct tcp_endpoint *ep = listener->data;
	worker_t *w = ep->worker;
	if (status < 0)
		return;
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
	if (uv_accept(listener, (uv_stream_t *)&c->handle) || w->tcp_conns > w->config->tcp_max_conns) {
		conn_close(c);
		return;
	}
	uv_timer_start(&c->idle, on_idle, w->config->tcp_idle_ms, w->config->tcp_idle_ms);
	uv_read_start((uv_stream_t *)&c->handle, on_alloc, on_read);
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
