/* SPDX-License-Identifier: BSD-2-Clause */
/* server.c — starting and stopping the worker threads. */
#include "server.h"
#include "notify.h"
#include "xfr_serve.h"

#include "base/err.h"
#include "base/log.h"
#include "metrics.h"
#include "metrics_http.h"
#include "qlog.h"
#include "tcp.h"
#include "udp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct server {
	const server_config_t *config;
	store_t *store;
	worker_t *workers;
	server_live_t *current;    /* the newest live, handed to every worker */
	server_live_t *retired;    /* the one before: freed once every worker has taken the newest */
	rrl_t *rrl;                /* response rate limiting, one table for every worker; NULL when off */
	metrics_worker_t *metrics; /* one block of counters a worker; NULL when metrics are off */
	metrics_source_t metrics_source;
	metrics_http_t *http;
	xfr_server_t *xfr;         /* zone transfers; NULL when no zone may be transferred */
	notifier_t *notifier;      /* NOTIFY to secondaries; NULL when no zone names any */
	atomic_uint reload_acks;
};

/* --- what /metrics reads besides the counters (on the HTTP server's thread, in its own read transaction) */

struct zone_emit {
	metrics_zone_fn emit;
	void *ctx;
};

static int emit_zone(const zone_def_t *def, void *arg)
{
	struct zone_emit *z = arg;
	metrics_zone_t zone = {.id = def->id,
	                       .name = def->name,
	                       .serial = def->serial,
	                       .entries = def->entries > INT64_MAX ? -1 : (int64_t)def->entries,
	                       .last_change = def->changed};
	z->emit(z->ctx, &zone);
	return 0;
}

static int metrics_zones(void *ctx, metrics_zone_fn emit, void *emit_ctx)
{
	server_t *s = ctx;
	store_rtxn_t *r;
	int err = store_read_begin(s->store, &r);
	if (err)
		return err;
	struct zone_emit z = {emit, emit_ctx};
	err = store_zone_foreach(r, emit_zone, &z);
	store_read_end(r);
	return err;
}

static int metrics_store_map(void *ctx, uint64_t *used, uint64_t *size)
{
	server_t *s = ctx;
	return store_map_usage(s->store, used, size);
}

/* Closes every handle of the worker; its loop then ends by itself. Runs on the worker's own thread. */
static void close_handles(worker_t *w)
{
	udp_close_all(w);
	tcp_close_all(w);
	uv_close((uv_handle_t *)&w->idle, NULL);
	uv_close((uv_handle_t *)&w->stop, NULL);
	uv_close((uv_handle_t *)&w->reload, NULL);
}

#define IDLE_RELEASE_MS 1000

/* A worker keeps its read snapshot between batches (answer.h); one that answered nothing for a tick lets it go, so
 * that the writer can reuse the pages the snapshot pins. */
static void on_idle_tick(uv_timer_t *t)
{
	worker_t *w = t->data;
	if (w->answer.batches == w->idle_seen)
		answer_release(&w->answer);
	w->idle_seen = w->answer.batches;
}

static void on_stop(uv_async_t *async)
{
	close_handles(async->data);
}

/* On the worker's own thread, between packets: the new live takes effect for the next one. */
static void on_reload(uv_async_t *async)
{
	worker_t *w = async->data;
	w->live = atomic_load(&w->pending_live);
	w->answer.options = &w->live->answer;
	atomic_fetch_add(w->reload_acks, 1);
}

static void worker_main(void *arg)
{
	worker_t *w = arg;
	uv_run(&w->loop, UV_RUN_DEFAULT);
}

static int bind_sockets(worker_t *w)
{
	const server_config_t *cfg = w->config;
	w->udp_fds = malloc(cfg->listen_count * sizeof *w->udp_fds);
	w->tcp_fds = malloc(cfg->listen_count * sizeof *w->tcp_fds);
	if (!w->udp_fds || !w->tcp_fds)
		return RBL_ENOMEM;
	for (unsigned i = 0; i < cfg->listen_count; i++)
		w->udp_fds[i] = w->tcp_fds[i] = -1;
	for (unsigned i = 0; i < cfg->listen_count; i++) {
		const listen_addr_t *la = &cfg->listen[i];
		w->udp_fds[i] = listen_bind(la, SOCK_DGRAM);
		if (w->udp_fds[i] < 0) {
			log_err("cannot listen on %s/udp: %s", la->text, strerror(errno));
			return RBL_EIO;
		}
		w->tcp_fds[i] = listen_bind(la, SOCK_STREAM);
		if (w->tcp_fds[i] < 0) {
			log_err("cannot listen on %s/tcp: %s", la->text, strerror(errno));
			return RBL_EIO;
		}
	}
	return RBL_OK;
}

/* Sets up a worker's loop and handles in the main thread, before its thread runs the loop; its sockets are bound
 * already. */
static int worker_init(server_t *s, worker_t *w)
{
	int err = answer_ctx_init(&w->answer, s->store);
	if (err)
		return err;
	w->live = s->current;
	atomic_store(&w->pending_live, s->current);
	w->reload_acks = &s->reload_acks;
	w->rrl = s->rrl;
	w->xfr = s->xfr;
	w->metrics = s->metrics ? &s->metrics[w - s->workers] : NULL;
	w->qlog = s->config->qlog ? qlog_ring(s->config->qlog, w->index) : NULL;
	w->answer.options = &w->live->answer;
	if (uv_loop_init(&w->loop))
		return RBL_ENOMEM;
	w->loop_ready = true;
	w->stop.data = w->reload.data = w;
	uv_async_init(&w->loop, &w->stop, on_stop);
	uv_async_init(&w->loop, &w->reload, on_reload);
	w->idle.data = w;
	uv_timer_init(&w->loop, &w->idle);
	uv_timer_start(&w->idle, on_idle_tick, IDLE_RELEASE_MS, IDLE_RELEASE_MS);
	if ((err = udp_start(w)) || (err = tcp_start(w)))
		return err;
	return RBL_OK;
}

static void worker_free(worker_t *w)
{
	if (w->loop_ready) {
		if (!w->thread_started)
			close_handles(w);
		uv_run(&w->loop, UV_RUN_DEFAULT); /* lets close callbacks run */
		uv_loop_close(&w->loop);
	}
	for (unsigned i = 0; w->udp_fds && i < w->config->listen_count; i++) {
		if (w->udp_fds[i] >= 0)
			close(w->udp_fds[i]);
		if (w->tcp_fds[i] >= 0)
			close(w->tcp_fds[i]);
	}
	free(w->udp_fds);
	free(w->tcp_fds);
	udp_free(w);
	tcp_free(w);
	answer_ctx_free(&w->answer);
}

static int warn_unreachable_ns(const zone_def_t *def, void *ctx)
{
	(void)ctx;
	for (unsigned i = 0; i < def->ns_count; i++)
		if (zone_ns_in_zone(def, i) && def->ns_addr_count[i] == 0)
			log_warn("zone %s: name server %s lies inside the zone and has no address: resolvers that look "
			         "it up "
			         "get NXDOMAIN and may fail the whole zone (rbltool zone set %s --ns %s=ADDR)",
			         def->name, def->ns[i], def->name, def->ns[i]);
	return 0;
}

/* Says at start-up which zones name a server nobody can find (their definitions predate name-server addresses). */
static void check_zones(store_t *st)
{
	store_rtxn_t *r;
	if (store_read_begin(st, &r) == RBL_OK) {
		store_zone_foreach(r, warn_unreachable_ns, NULL);
		store_read_end(r);
	}
}

int server_start(const server_config_t *config, server_t **out)
{
	*out = NULL;
	server_t *s = calloc(1, sizeof *s);
	if (!s)
		return RBL_ENOMEM;
	s->config = config;
	int err = RBL_OK;
	for (unsigned i = 0; i < config->listen_count; i++) {
		if (listen_check_free(&config->listen[i])) {
			log_err("cannot listen on %s: %s (is another dnsbld serving it?)", config->listen[i].text,
			        strerror(errno));
			err = RBL_EIO;
			goto fail;
		}
	}
	s->workers = calloc(config->workers, sizeof *s->workers);
	if (!s->workers) {
		err = RBL_ENOMEM;
		goto fail;
	}
	/* Every socket first (a port below 1024 needs the privileges the hook may drop), then the store. */
	for (unsigned i = 0; i < config->workers; i++) {
		s->workers[i].index = i;
		s->workers[i].config = config;
		if ((err = bind_sockets(&s->workers[i])))
			goto fail;
	}
	if (config->after_bind && config->after_bind(config->after_bind_ctx)) {
		err = RBL_EINVAL;
		goto fail;
	}
	if ((err = store_open(config->db_dir, STORE_READONLY, &s->store)))
		goto fail;
	check_zones(s->store);
	s->current = malloc(sizeof *s->current);
	if (!s->current) {
		err = RBL_ENOMEM;
		goto fail;
	}
	*s->current = *config->live;
	server_live_fix(s->current);
	if (config->rrl.rate && !(s->rrl = rrl_new(&config->rrl))) {
		log_err("cannot allocate the rate-limiting table (%u slots)", config->rrl.table_size);
		err = RBL_ENOMEM;
		goto fail;
	}
	s->xfr = xfr_server_new(config->xfr, s->store);
	s->notifier = notifier_start(config->xfr, s->store);
	if (config->metrics_listen && !(s->metrics = metrics_workers_new(config->workers))) {
		err = RBL_ENOMEM;
		goto fail;
	}
	atomic_store(&s->reload_acks, config->workers); /* every worker starts with the current live */
	for (unsigned i = 0; i < config->workers; i++) {
		err = worker_init(s, &s->workers[i]);
		if (err)
			goto fail;
	}
	for (unsigned i = 0; i < config->workers; i++) {
		if (uv_thread_create(&s->workers[i].thread, worker_main, &s->workers[i])) {
			log_err("cannot start worker thread %u", i);
			err = RBL_ENOMEM;
			goto fail;
		}
		s->workers[i].thread_started = true;
	}
	if (config->metrics_listen) {
		s->metrics_source = (metrics_source_t){.workers = s->metrics,
		                                       .worker_count = config->workers,
		                                       .version = RBL_VERSION,
		                                       .start_time = (int64_t)time(NULL),
		                                       .zones = metrics_zones,
		                                       .store_map = metrics_store_map,
		                                       .ctx = s};
		if ((err = metrics_http_start(config->metrics_listen, &s->metrics_source, &s->http)))
			goto fail; /* metrics_http_start logged why */
	}
	*out = s;
	return RBL_OK;
fail:
	server_stop(s);
	return err;
}

void server_stop(server_t *s)
{
	if (!s)
		return;
	metrics_http_stop(s->http); /* first: a scrape reads the store and the counters */
	for (unsigned i = 0; s->workers && i < s->config->workers; i++)
		if (s->workers[i].thread_started)
			uv_async_send(&s->workers[i].stop);
	for (unsigned i = 0; s->workers && i < s->config->workers; i++)
		if (s->workers[i].thread_started)
			uv_thread_join(&s->workers[i].thread);
	for (unsigned i = 0; s->workers && i < s->config->workers; i++)
		worker_free(&s->workers[i]);
	free(s->workers);
	xfr_server_free(s->xfr); /* after the workers: none hands it a transfer any more */
	notifier_stop(s->notifier);
	metrics_workers_free(s->metrics);
	rrl_free(s->rrl);
	store_close(s->store);
	free(s->current);
	free(s->retired);
	free(s);
}

int server_reload_xfr(server_t *s, const struct xfr_conf *xfr)
{
	int err = s->xfr ? xfr_server_set_conf(s->xfr, xfr) : RBL_OK;
	if (err)
		return err;
	notifier_stop(s->notifier);
	s->notifier = notifier_start(xfr, s->store);
	return RBL_OK;
}

int server_reload(server_t *s, const server_live_t *live)
{
	server_live_t *next = malloc(sizeof *next);
	if (!next)
		return RBL_ENOMEM;
	*next = *live;
	server_live_fix(next);
	/* The retired live is free to go once every worker has taken the current one; a worker that has not (it would
	 * be busy for a whole reload interval) keeps it, and it stays allocated. */
	if (atomic_load(&s->reload_acks) >= s->config->workers)
		free(s->retired);
	else
		log_warn("a worker had not taken the previous settings yet: their memory is kept");
	s->retired = s->current;
	s->current = next;
	atomic_store(&s->reload_acks, 0);
	for (unsigned i = 0; i < s->config->workers; i++) {
		atomic_store(&s->workers[i].pending_live, next);
		uv_async_send(&s->workers[i].reload);
	}
	return RBL_OK;
}
