/* SPDX-License-Identifier: BSD-2-Clause */
/* metrics_http.c — GET /metrics over HTTP: libmicrohttpd's own polling thread, bounded in connections, time and
 * request size. */
#include "metrics_http.h"

#include "base/err.h"
#include "base/hostport.h"
#include "base/log.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libmicrohttpd's own limit sits above ours: at its limit it stops accepting, and a client would wait in the
 * backlog; below it, accept_policy closes the connections past ours at once. */
#define MHD_LIMIT (METRICS_HTTP_MAX_CONNS + 4)

struct metrics_http {
	struct MHD_Daemon *daemon;
	metrics_source_t src;
	uint16_t port;
	unsigned open;       /* connections open; the server thread's only */
	atomic_bool started; /* after MHD_start_daemon: its messages are a client's doing, logged at debug */
	char why[256];       /* libmicrohttpd's last message while starting: why it failed */
};

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	metrics_http_t *h = cls;
	char line[512];
	vsnprintf(line, sizeof line, fmt, ap);
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (!atomic_load(&h->started)) { /* kept whole up to why's size, cut there */
		size_t keep = n < sizeof h->why - 1 ? n : sizeof h->why - 1;
		memcpy(h->why, line, keep);
		h->why[keep] = '\0';
	}
	else /* a bad request, a client gone: nothing for the operator, and a client could flood the log with it */
		log_debug("metrics: %s", line);
}

static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr, socklen_t len)
{
	(void)addr, (void)len;
	const metrics_http_t *h = cls;
	return h->open < METRICS_HTTP_MAX_CONNS ? MHD_YES : MHD_NO;
}

static void notify_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
                              enum MHD_ConnectionNotificationCode code)
{
	(void)c, (void)socket_ctx;
	metrics_http_t *h = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		h->open++;
	else if (code == MHD_CONNECTION_NOTIFY_CLOSED && h->open)
		h->open--;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body, size_t len, bool owned,
                             const char *allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	        len, (void *)body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!r) {
		if (owned)
			free((void *)body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	                        status == MHD_HTTP_OK ? METRICS_CONTENT_TYPE : "text/plain; charset=utf-8");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	enum MHD_Result rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

#define STATIC_REPLY(c, status, text, allow) reply(c, status, text, sizeof text - 1, false, allow)

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_len, void **request)
{
	(void)version, (void)upload, (void)upload_len, (void)request;
	const metrics_http_t *h = cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return STATIC_REPLY(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed: GET /metrics\n", "GET, HEAD");
	if (strcmp(url, "/metrics"))
		return STATIC_REPLY(c, MHD_HTTP_NOT_FOUND, "not found: GET /metrics\n", NULL);
	metrics_text_t text = {0};
	int rc = metrics_render(&h->src, &text);
	if (rc != RBL_OK) {
		log_warn("metrics: cannot render the metrics: %s", rbl_strerror(rc));
		metrics_text_free(&text);
		return STATIC_REPLY(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "the metrics cannot be read now\n", NULL);
	}
	return reply(c, MHD_HTTP_OK, text.data, text.len, true, NULL); /* MHD frees text.data */
}

int metrics_http_start(const char *listen, const metrics_source_t *src, metrics_http_t **out)
{
	*out = NULL;
	struct sockaddr_storage ss;
	bool v6;
	if (!listen || hostport_listen_addr(listen, METRICS_HTTP_DEFAULT_PORT, &ss, &v6) != RBL_OK) {
		log_err("metrics-listen: '%s' is not ADDRESS:PORT with a numeric IPv4 or [IPv6] address",
		        listen ? listen : "");
		return RBL_EINVAL;
	}
	metrics_http_t *h = calloc(1, sizeof *h);
	if (!h)
		return RBL_ENOMEM;
	h->src = *src;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
	/* The logger first: options before it would log to stderr. */
	h->daemon = MHD_start_daemon(flags, 0, accept_policy, h, handle, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
	                             MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
	                             (unsigned)MHD_LIMIT, MHD_OPTION_NOTIFY_CONNECTION, notify_connection, h,
	                             MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_HTTP_TIMEOUT_S,
	                             MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)METRICS_HTTP_MEMORY, MHD_OPTION_END);
	if (!h->daemon) {
		log_err("metrics-listen: cannot serve HTTP on %s: %s", listen,
		        h->why[0] ? h->why : "libmicrohttpd failed");
		free(h);
		return RBL_EIO;
	}
	atomic_store(&h->started, true);
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	h->port = di ? di->port : 0;
	*out = h;
	return RBL_OK;
}

uint16_t metrics_http_port(const metrics_http_t *h)
{
	return h->port;
}

void metrics_http_stop(metrics_http_t *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->daemon);
	free(h);
}
