/* SPDX-License-Identifier: BSD-2-Clause */
/* server.h — dnsbld's worker threads: each runs its own libuv loop with its own UDP socket and TCP listener per
 * listen address (SO_REUSEPORT spreads the load), and its own store reader, so no lock is taken on the query path.
 */
#ifndef DNSBLD_SERVER_H
#define DNSBLD_SERVER_H

#include "query/answer.h"
#include "listen.h"

#include <stdbool.h>
#include <uv.h>

#define SERVER_MAX_LISTEN 16

typedef struct server_config {
	const char *db_dir;
	listen_addr_t listen[SERVER_MAX_LISTEN];
	unsigned listen_count;
	unsigned workers;
	unsigned tcp_idle_ms;       /* RFC 7766 idle timeout */
	unsigned tcp_max_conns;     /* per worker; more are accepted and closed at once */
} server_config_t;

struct udp_endpoint;
struct tcp_state;

typedef struct worker {
	unsigned index;
	uv_thread_t thread;
	uv_loop_t loop;
	uv_async_t stop;
	uv_timer_t idle;            /* lets the kept store snapshot go when no query came for a while */
	uint64_t idle_seen;         /* answer.batches at the last tick */
	answer_ctx_t answer;
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

#endif
