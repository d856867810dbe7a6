/* SPDX-License-Identifier: BSD-2-Clause */
/* server.h — dnsbld's worker threads: each runs its own libuv loop with its own UDP socket and TCP listener per
 * listen address (SO_REUSEPORT spreads the load), and its own store reader, so no lock is taken on the query path.
 */
#ifndef DNSBLD_SERVER_H
#define DNSBLD_SERVER_H

#include "base/addr.h"
#include "query/answer.h"
#include "query/rrl.h"
#include "listen.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <uv.h>

#define SERVER_MAX_LISTEN 16
#define SERVER_ACL_MAX 64

/* What a reload may change while the workers answer (live.c). A worker reads its own copy's pointer, swapped on
 * its own thread between packets: no lock on the query path. */
typedef struct server_live {
	cidr_t allow[SERVER_ACL_MAX]; /* allow-query; none: every client is answered */
	unsigned allow_count;
	bool acl_drop;                /* acl-action = drop: no answer at all to the others (else REFUSED) */
	char identity[256];           /* CH TXT id.server; "" off */
	char version[256];            /* CH TXT version.bind; "" off */
	answer_options_t answer;      /* points into identity and version: server_live_fix sets it */
} server_live_t;

/* Points live->answer at live's own texts (after a copy). */
void server_live_fix(server_live_t *live);
/* Whether the client at sa may be answered: allow-query empty, or sa inside one of its networks (an IPv4-mapped
 * IPv6 address counts as IPv4). Allocates nothing. */
bool server_live_allows(const server_live_t *live, const struct sockaddr *sa);

typedef struct server_config {
	const char *db_dir;
	listen_addr_t listen[SERVER_MAX_LISTEN];
	unsigned listen_count;
	unsigned workers;
	unsigned tcp_idle_ms;       /* RFC 7766 idle timeout */
	unsigned tcp_max_conns;     /* per worker; more are accepted and closed at once */
	const server_live_t *live;  /* the settings a reload may change; copied at start */
	rrl_config_t rrl;           /* UDP response rate limiting; rate 0: off */
	const char *metrics_listen; /* "ADDR:PORT" serving Prometheus' GET /metrics (its own thread); NULL: off */
	struct qlog *qlog;          /* the query log (qlog.h), one ring per worker; NULL: off. The caller owns it */
	const struct xfr_conf *xfr; /* zone transfers (xfr_conf.h): the zones secondaries may transfer, the keys, the
				     * NOTIFY addresses (copied at start; server_reload_xfr); NULL: none */
	/* Called once every socket is bound and before the store is opened and the threads start (privileges are
	 * dropped there); non-zero stops the start. May be NULL. */
	int (*after_bind)(void *ctx);
	void *after_bind_ctx;
} server_config_t;

struct udp_endpoint;
struct tcp_state;

typedef struct worker {
	unsigned index;
	uv_thread_t thread;
	uv_loop_t loop;
	uv_async_t stop;
	uv_async_t reload;          /* a new live is waiting in pending_live */
	const server_live_t *live;  /* what this worker answers with; only its own thread changes it */
	_Atomic(const server_live_t *) pending_live;
	atomic_uint *reload_acks;   /* the server's count of workers that took the newest live */
	uv_timer_t idle;            /* lets the kept store snapshot go when no query came for a while */
	uint64_t idle_seen;         /* answer.batches at the last tick */
	answer_ctx_t answer;
	rrl_t *rrl;                 /* the server's one table, shared by every worker; NULL: no rate limiting */
	struct metrics_worker *metrics; /* this worker's counters, written by it alone; NULL: metrics off */
	struct qlog_ring *qlog;     /* this worker's query-log ring, written by it alone; NULL: no query log */
	struct xfr_server *xfr;     /* the server's zone transfers (xfr_serve.h), shared; NULL: none configured */
	const server_config_t *config;
	int *udp_fds, *tcp_fds;     /* bound by the main thread, one per listen address; -1 once libuv owns it */
	bool loop_ready;
	bool thread_started;
	struct udp_endpoint *udp;   /* one per listen address */
	struct tcp_state *tcp_state;
	unsigned tcp_conns;
} worker_t;

typedef struct server server_t;

/* Opens the store, binds every socket of every worker and starts the threads. Errors are logged. */
int server_start(const server_config_t *config, server_t **out);
/* Asks every worker to close its sockets, waits for the threads, closes the store. */
void server_stop(server_t *s);
/* Hands every worker a copy of live (they take it between packets). RBL_OK or RBL_ENOMEM (nothing changed). */
int server_reload(server_t *s, const server_live_t *live);
/* A reload's zone transfer settings: new requests are checked against them, NOTIFY restarts with them. Main thread. */
int server_reload_xfr(server_t *s, const struct xfr_conf *xfr);

#endif
