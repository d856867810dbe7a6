/* SPDX-License-Identifier: BSD-2-Clause */
/* test_metrics_http.c — GET /metrics over loopback, and what the server refuses: other paths and methods, an
 * oversized request, connections past the limit, a listen value that is not an address. */
#include "metrics_http.h"

#include "base/err.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int zones_rc;

static int one_zone(void *ctx, metrics_zone_fn emit, void *emit_ctx)
{
	(void)ctx;
	if (zones_rc)
		return zones_rc;
	emit(emit_ctx, &(metrics_zone_t){.id = 1, .name = "rbl.example", .serial = 7, .entries = 3, .last_change = 5});
	return RBL_OK;
}

typedef struct fixture {
	metrics_worker_t *workers;
	metrics_source_t src;
	metrics_http_t *http;
	uint16_t port;
} fixture_t;

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	f->workers = metrics_workers_new(1);
	f->src = (metrics_source_t){.workers = f->workers, .worker_count = 1, .version = "test", .zones = one_zone};
	assert_int_equal(metrics_http_start("127.0.0.1:0", &f->src, &f->http), RBL_OK);
	f->port = metrics_http_port(f->http);
	assert_true(f->port > 0);
	zones_rc = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	metrics_http_stop(f->http);
	metrics_workers_free(f->workers);
	free(f);
	return 0;
}

static int connect_to(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct timeval tv = {.tv_sec = 5};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	return fd;
}

/* Sends request on fd and reads until the server closes; the response (maybe empty) in a malloc'd string. */
static char *exchange_on(int fd, const char *request, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = send(fd, request + off, len - off, MSG_NOSIGNAL);
		if (n <= 0)
			break; /* the server may close first (too big a request, too many connections) */
		off += (size_t)n;
	}
	size_t cap = 1 << 16, got = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (got + 1 == cap)
			buf = realloc(buf, cap *= 2);
		ssize_t n = recv(fd, buf + got, cap - got - 1, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	close(fd);
	return buf;
}

static char *exchange(uint16_t port, const char *request)
{
	return exchange_on(connect_to(port), request, strlen(request));
}

static void test_get_metrics_is_the_exposition_with_its_content_type(void **state)
{
	fixture_t *f = *state;
	char *r = exchange(f->port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_true(!strncmp(r, "HTTP/1.1 200 ", 13));
	assert_non_null(strcasestr(r, "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	assert_non_null(strstr(r, "\r\n\r\n# HELP dnsbld_queries_total "));
	assert_non_null(strstr(r, "\ndnsbld_zone_serial{zone=\"rbl.example\"} 7\n"));
	assert_non_null(strstr(r, "\ndnsbld_build_info{version=\"test\"} 1\n"));
	free(r);
}

static void test_head_metrics_has_no_body(void **state)
{
	fixture_t *f = *state;
	char *r = exchange(f->port, "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_true(!strncmp(r, "HTTP/1.1 200 ", 13));
	const char *end = strstr(r, "\r\n\r\n");
	assert_non_null(end);
	assert_string_equal(end, "\r\n\r\n");
	free(r);
}

static void test_another_path_is_not_found(void **state)
{
	fixture_t *f = *state;
	char *r = exchange(f->port, "GET /other HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_true(!strncmp(r, "HTTP/1.1 404 ", 13));
	free(r);
	r = exchange(f->port, "GET /metrics/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_true(!strncmp(r, "HTTP/1.1 404 ", 13));
	free(r);
}

static void test_post_is_not_allowed(void **state)
{
	fixture_t *f = *state;
	char *r = exchange(f->port, "POST /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n"
	                            "\r\nhello");
	assert_true(!strncmp(r, "HTTP/1.1 405 ", 13));
	assert_non_null(strcasestr(r, "\r\nAllow: GET, HEAD\r\n"));
	free(r);
}

static void test_an_oversized_request_is_refused(void **state)
{
	fixture_t *f = *state;
	size_t big = 4 * METRICS_HTTP_MEMORY;
	char *req = malloc(big + 128);
	int n = snprintf(req, 128, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Padding: ");
	memset(req + n, 'a', big);
	memcpy(req + n + big, "\r\n\r\n", 5);
	char *r = exchange_on(connect_to(f->port), req, strlen(req));
	/* libmicrohttpd answers 431 (or 413) and closes; never the metrics. */
	assert_true(!strncmp(r, "HTTP/1.1 4", 10) || !*r);
	assert_null(strstr(r, "dnsbld_"));
	free(r);
	free(req);
}

static void test_connections_past_the_limit_are_closed(void **state)
{
	fixture_t *f = *state;
	int held[METRICS_HTTP_MAX_CONNS];
	for (int i = 0; i < METRICS_HTTP_MAX_CONNS; i++)
		held[i] = connect_to(f->port);
	usleep(100 * 1000); /* the server thread accepts them */
	const char get[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char *r = exchange_on(connect_to(f->port), get, sizeof get - 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_string_equal(r, "");             /* closed without a word */
	assert_true(t1.tv_sec - t0.tv_sec < 2); /* at once, not left waiting in the backlog */
	free(r);
	for (int i = 0; i < METRICS_HTTP_MAX_CONNS; i++)
		close(held[i]);
	/* Once the server has seen them close, it serves again. */
	bool served = false;
	for (int tries = 0; tries < 50 && !served; tries++) {
		usleep(20 * 1000);
		r = exchange_on(connect_to(f->port), get, sizeof get - 1);
		served = !strncmp(r, "HTTP/1.1 200 ", 13);
		free(r);
	}
	assert_true(served);
}

static void test_a_failing_source_is_a_server_error(void **state)
{
	fixture_t *f = *state;
	zones_rc = RBL_ESTORE;
	char *r = exchange(f->port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_true(!strncmp(r, "HTTP/1.1 500 ", 13));
	free(r);
}

static void test_listen_values_that_are_not_addresses_are_refused(void **state)
{
	(void)state;
	metrics_source_t src = {0};
	metrics_http_t *h = (metrics_http_t *)&src;
	static const char *const bad[] = {"", "localhost:9153", "127.0.0.1:99999", "[::1", "1.2.3.4:x", "::1]:80"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(metrics_http_start(bad[i], &src, &h), RBL_EINVAL);
		assert_null(h);
	}
}

static void test_a_port_in_use_is_an_io_error(void **state)
{
	fixture_t *f = *state;
	char listen[32];
	snprintf(listen, sizeof listen, "127.0.0.1:%u", f->port);
	metrics_http_t *h;
	assert_int_equal(metrics_http_start(listen, &f->src, &h), RBL_EIO);
	assert_null(h);
}

static void test_ipv6_loopback_serves(void **state)
{
	fixture_t *f = *state;
	metrics_http_t *h;
	assert_int_equal(metrics_http_start("[::1]:0", &f->src, &h), RBL_OK);
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	struct timeval tv = {.tv_sec = 5};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(metrics_http_port(h))};
	sin6.sin6_addr = in6addr_loopback;
	if (connect(fd, (struct sockaddr *)&sin6, sizeof sin6) != 0) { /* no IPv6 on this machine */
		close(fd);
		metrics_http_stop(h);
		skip();
	}
	const char get[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	char *r = exchange_on(fd, get, sizeof get - 1);
	assert_true(!strncmp(r, "HTTP/1.1 200 ", 13));
	free(r);
	metrics_http_stop(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_get_metrics_is_the_exposition_with_its_content_type, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_head_metrics_has_no_body, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_another_path_is_not_found, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_post_is_not_allowed, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_an_oversized_request_is_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_connections_past_the_limit_are_closed, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_a_failing_source_is_a_server_error, setup, teardown),
	        cmocka_unit_test(test_listen_values_that_are_not_addresses_are_refused),
	        cmocka_unit_test_setup_teardown(test_a_port_in_use_is_an_io_error, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_ipv6_loopback_serves, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
