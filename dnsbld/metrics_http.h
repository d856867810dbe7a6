/* SPDX-License-Identifier: BSD-2-Clause */
/* metrics_http.h — serves GET /metrics (Prometheus text format 0.0.4) from a thread of its own (libmicrohttpd).
 *
 * Owns that thread and its listening socket. Each scrape renders afresh (metrics_render): the source's callbacks run
 * on that thread. Bounded: at most METRICS_HTTP_MAX_CONNS connections (more are closed at once), each for at most
 * METRICS_HTTP_TIMEOUT_S seconds idle, with a request of at most METRICS_HTTP_MEMORY bytes of header (more is
 * refused with 4xx by libmicrohttpd). Other paths are 404, other methods than GET and HEAD 405. Logs what fails.
 */
#ifndef DNSBLD_METRICS_HTTP_H
#define DNSBLD_METRICS_HTTP_H

#include "metrics.h"

#include <stdint.h>

#define METRICS_HTTP_DEFAULT_PORT 9153
#define METRICS_HTTP_MAX_CONNS 16
#define METRICS_HTTP_TIMEOUT_S 10
#define METRICS_HTTP_MEMORY (16 * 1024)
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef struct metrics_http metrics_http_t;

/* Listens on listen ("ADDRESS:PORT", "[IPV6]:PORT"; numeric addresses only; port 0 picks a free one) and serves src
 * (copied; its workers and ctx must outlive the server). RBL_EINVAL for a listen value that is not that (logged,
 * naming it), RBL_EIO when it cannot be bound or the thread not started (logged), RBL_ENOMEM. */
int metrics_http_start(const char *listen, const metrics_source_t *src, metrics_http_t **out);
/* The port listened on (the one picked, for port 0). */
uint16_t metrics_http_port(const metrics_http_t *h);
/* Closes the socket and every connection, joins the thread. NULL is ignored. */
void metrics_http_stop(metrics_http_t *h);

#endif
