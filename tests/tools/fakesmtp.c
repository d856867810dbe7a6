/* SPDX-License-Identifier: BSD-2-Clause */
/* fakesmtp.c — a scriptable fake SMTP server for the relay-probe tests: it does what no real MTA can be told to do
 * (stay silent, greet late, answer forever, send garbage, tarpit) and records every command it receives.
 *
 *   fakesmtp --listen ADDR:PORT[,BEHAVIOUR] ... [--many FIRST_V4:PORT:COUNT] [--behaviour NAME|mix]
 *            [--log FILE] [--map FILE] [--ready FILE] [--max-seconds N]
 *            [--delay-ms N] [--tarpit-ms N] [--split-ms N] [--synprot-max N] [--nonmail-max N]
 *
 * --listen may repeat; ",BEHAVIOUR" overrides --behaviour for that address. --many listens on COUNT consecutive
 * IPv4 addresses from FIRST_V4, all on PORT; with --behaviour mix the i-th listener (in the order they are given)
 * gets behaviour i mod the number of behaviours. --map writes "ADDR:PORT BEHAVIOUR" per listener; --ready is
 * created once every socket listens. Only 127.0.0.0/8 and ::1: anything else is refused. It stops by itself after
 * --max-seconds (default 120), or on SIGTERM/SIGINT.
 *
 * --log gets one line per event, "ADDR:PORT #N KIND TEXT", N the connection's number on that listener (from 1):
 *   C: COMMAND          every line received (escaped), also those that come after the fake said it is closing
 *   * connection        a connection was accepted
 *   * closing: REPLY    the fake answered something that ends the session (421, 221, a "Too many ..." limit): it
 *                       answers nothing more, half-closes, logs whatever still arrives, and hangs up once the client
 *                       closes (or after LINGER_MS) — so "a C: line after * closing with the same #N" is checkable
 *   * closed by the client, * hung up
 *   ! early talker: ...  a command before the greeting
 * so a test can check that DATA never came and that nothing was sent after the server said it was closing.
 *
 * Behaviours: what each one does is in the table behaviours[] in fakesmtp_behaviours.c, with the replies (usage()
 * prints it); the prober's verdict each should get is in tests/integration/test_probe_fakes.sh. The last five model
 * Exim 4 with its default options (src/src/smtp_in.c, src/src/parse.c: smtp_max_synprot_errors 3,
 * smtp_accept_max_nonmail 10, allow_domain_literals false, the reply texts of its default configuration).
 */
#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <uv.h>

#include "fakesmtp.h"
#include "tool_common.h"

#define MANY_MAX 5000
#define GENERATED_CHUNK 8192
#define LINGER_MS 1000 /* after "* closing": how long the fake waits for the client to close */

struct options opt = {
        .delay_ms = 1000, .tarpit_ms = 100, .split_ms = 2, .max_seconds = 120, .synprot_max = 3, .nonmail_max = 10};
static uv_loop_t *loop;
static FILE *log_file;
static bool stopping;

/* One piece of output, written after its delay. */
struct chunk {
	struct chunk *next;
	unsigned delay_ms;
	size_t len;
	char bytes[];
};

void conn_log(const struct conn *c, const char *kind, const char *text, size_t n)
{
	if (log_file == NULL)
		return;
	fprintf(log_file, "%s #%u %s ", c->listener->name, c->id, kind);
	for (size_t i = 0; i < n; i++) {
		unsigned char b = (unsigned char)text[i];
		if (b >= 0x20 && b < 0x7f && b != '\\')
			fputc(b, log_file);
		else
			fprintf(log_file, "\\x%02x", b);
	}
	fputc('\n', log_file);
}

static void on_conn_closed(uv_handle_t *handle)
{
	struct conn *c = handle->data;

	if (--c->open_handles > 0)
		return;
	while (c->head) {
		struct chunk *next = c->head->next;
		free(c->head);
		c->head = next;
	}
	free(c);
}

static void conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
	uv_close((uv_handle_t *)&c->timer, on_conn_closed);
}

/* The reply being queued ends the session: log it, answer nothing more; conn_flush() half-closes after it. */
void conn_announce_close(struct conn *c, const char *reply_text)
{
	char text[200];
	size_t n = strcspn(reply_text, "\r\n");

	if (c->close_after)
		return;
	c->close_after = true;
	snprintf(text, sizeof text, "closing: %.*s", (int)(n < 180 ? n : 180), reply_text);
	conn_log(c, "*", text, strlen(text));
}

static void on_linger_over(uv_timer_t *timer)
{
	struct conn *c = timer->data;

	conn_log(c, "*", "hung up", 7);
	conn_close(c);
}

/* The last reply is out (FIN sent): wait a little for the client to close, logging whatever it still sends. */
static void on_shutdown(uv_shutdown_t *req, int status)
{
	struct conn *c = req->data;

	if (c->closing)
		return;
	if (status < 0) {
		conn_close(c);
		return;
	}
	uv_timer_start(&c->timer, on_linger_over, LINGER_MS, 0);
}

void conn_enqueue(struct conn *c, const char *bytes, size_t len, unsigned delay_ms)
{
	struct chunk *k = malloc(sizeof *k + len);

	if (k == NULL) {
		conn_close(c);
		return;
	}
	k->next = NULL;
	k->delay_ms = delay_ms;
	k->len = len;
	memcpy(k->bytes, bytes, len);
	if (c->tail)
		c->tail->next = k;
	else
		c->head = k;
	c->tail = k;
}

void conn_enqueue_text(struct conn *c, const char *text, unsigned delay_ms)
{
	conn_enqueue(c, text, strlen(text), delay_ms);
}

/* More of an endless reply or of the megabyte line, one chunk at a time: memory stays bounded. */
static void generate(struct conn *c)
{
	static char block[GENERATED_CHUNK];
	size_t n = 0;

	if (c->generator == GEN_ENDLESS) {
		static const char line[] = "220-this greeting goes on and on and on, it never ends\r\n";
		while (n + sizeof line - 1 <= sizeof block) {
			memcpy(block + n, line, sizeof line - 1);
			n += sizeof line - 1;
		}
	} else if (c->generator == GEN_MEGABYTE) {
		n = c->generated_left < sizeof block ? c->generated_left : sizeof block;
		memset(block, 'x', n);
		c->generated_left -= n;
		if (c->generated_left == 0) {
			c->generator = GEN_NONE;
			if (n + 2 > sizeof block) {
				conn_enqueue(c, block, n, 0);
				n = 0;
			}
			memcpy(block + n, "\r\n", 2);
			n += 2;
		}
	}
	if (n > 0)
		conn_enqueue(c, block, n, 0);
}

static void on_written(uv_write_t *req, int status)
{
	struct conn *c = req->data;

	free(c->in_flight);
	c->in_flight = NULL;
	if (status < 0) {
		conn_close(c); /* the client went away: fine, it is allowed to */
		return;
	}
	conn_flush(c);
}

static void on_delay(uv_timer_t *timer)
{
	struct conn *c = timer->data;

	c->waiting = false;
	if (c->head)
		c->head->delay_ms = 0;
	conn_flush(c);
}

/* Writes the queue one chunk at a time, each after its delay; one write in flight at most. */
void conn_flush(struct conn *c)
{
	if (c->closing || c->in_flight || c->waiting)
		return;
	if (c->head == NULL && c->generator != GEN_NONE)
		generate(c);
	if (c->head == NULL) {
		if (c->close_after && !c->shutting_down) {
			c->shutting_down = true;
			c->shutdown_req.data = c;
			if (uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, on_shutdown) < 0)
				conn_close(c);
		}
		return;
	}
	if (c->head->delay_ms > 0) {
		c->waiting = true;
		uv_timer_start(&c->timer, on_delay, c->head->delay_ms, 0);
		return;
	}
	struct chunk *k = c->head;
	c->head = k->next;
	if (c->head == NULL)
		c->tail = NULL;
	c->in_flight = k;
	c->greeted = true;
	uv_buf_t buf = uv_buf_init(k->bytes, (unsigned)k->len);
	c->write_req.data = c;
	if (uv_write(&c->write_req, (uv_stream_t *)&c->tcp, &buf, 1, on_written) < 0) {
		free(k);
		c->in_flight = NULL;
		conn_close(c);
	}
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	static char block[4096];

	(void)handle;
	(void)suggested;
	*buf = uv_buf_init(block, sizeof block);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = stream->data;

	if (nread < 0) {
		conn_log(c, "*", "closed by the client", 20);
		conn_close(c);
		return;
	}
	for (ssize_t i = 0; i < nread && !c->closing; i++) {
		char b = buf->base[i];
		if (b != '\n') {
			if (c->line_len < LINE_MAX_BYTES)
				c->line[c->line_len++] = b;
			else
				c->line_overflow = true;
			continue;
		}
		if (c->line_len > 0 && c->line[c->line_len - 1] == '\r')
			c->line_len--;
		c->line[c->line_len] = '\0';
		conn_log(c, "C:", c->line, c->line_len);
		if (c->close_after)
			; /* said it is closing: logged, not answered */
		else if (c->line_overflow)
			behaviour_reply(c, "500 5.5.2 Error: line too long\r\n");
		else
			behaviour_on_command(c, c->line);
		c->line_len = 0;
		c->line_overflow = false;
	}
}

static void on_connection(uv_stream_t *server, int status)
{
	struct listener *l = server->data;
	struct conn *c;

	if (status < 0 || stopping || (c = calloc(1, sizeof *c)) == NULL)
		return;
	c->kind = KIND_CONN;
	c->listener = l;
	c->id = ++l->connections;
	uv_tcp_init(loop, &c->tcp);
	uv_timer_init(loop, &c->timer);
	c->tcp.data = c->timer.data = c;
	c->open_handles = 2;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
		conn_close(c);
		return;
	}
	conn_log(c, "*", "connection", 10);
	uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
	behaviour_greet(c);
}

static int find_behaviour(const char *name)
{
	for (int b = 0; b < B_COUNT; b++)
		if (strcmp(name, behaviours[b].name) == 0)
			return b;
	return -1;
}

static struct listener *listeners;
static size_t listener_count;

static int add_listener(const char *addr_port, int behaviour)
{
	struct sockaddr_storage ss;

	if (tool_parse_addr_port(addr_port, &ss) != 0) {
		fprintf(stderr, "fakesmtp: bad address %s (want ADDR:PORT or [ADDR]:PORT)\n", addr_port);
		return -1;
	}
	if (!tool_is_loopback(&ss)) {
		fprintf(stderr, "fakesmtp: %s is not a loopback address: refused\n", addr_port);
		return -1;
	}
	struct listener *l = &listeners[listener_count];
	snprintf(l->name, sizeof l->name, "%s", addr_port);
	l->kind = KIND_LISTENER;
	l->behaviour = (enum behaviour)behaviour;
	char text[INET6_ADDRSTRLEN];
	if (ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&ss)->sin6_addr, text, sizeof text);
		snprintf(l->literal, sizeof l->literal, "[IPv6:%s]", text);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&ss)->sin_addr, text, sizeof text);
		snprintf(l->literal, sizeof l->literal, "[%s]", text);
	}
	uv_tcp_init(loop, &l->tcp);
	l->tcp.data = l;
	listener_count++;
	int err = uv_tcp_bind(&l->tcp, (const struct sockaddr *)&ss, 0);
	if (err == 0)
		err = uv_listen((uv_stream_t *)&l->tcp, 128, on_connection);
	if (err != 0) {
		fprintf(stderr, "fakesmtp: cannot listen on %s: %s\n", addr_port, uv_strerror(err));
		return -1;
	}
	return 0;
}

static void close_any(uv_handle_t *handle, void *arg)
{
	(void)arg;
	if (uv_is_closing(handle))
		return;
	if (handle->data != NULL && *(const enum kind *)handle->data == KIND_CONN)
		conn_close(handle->data); /* its socket and its timer */
	else
		uv_close(handle, NULL);
}

static void stop(void)
{
	if (stopping)
		return;
	stopping = true;
	uv_walk(loop, close_any, NULL);
}

static void usage(void)
{
	fprintf(stderr, "usage: fakesmtp --listen ADDR:PORT[,BEHAVIOUR] ... [--many FIRST_V4:PORT:COUNT]\n"
	                "                [--behaviour NAME|mix] [--log FILE] [--map FILE] [--ready FILE]\n"
	                "                [--max-seconds N] [--delay-ms N] [--tarpit-ms N] [--split-ms N]\n"
	                "                [--synprot-max N] [--nonmail-max N]\n"
	                "behaviours:\n");
	for (int b = 0; b < B_COUNT; b++) {
		const char *what = behaviours[b].what;
		fprintf(stderr, "  %-18s", behaviours[b].name);
		while (*what != '\0') { /* wrapped at spaces, 90 columns of text */
			size_t n = strlen(what);
			if (n > 90) {
				n = 90;
				while (n > 0 && what[n] != ' ')
					n--;
				if (n == 0)
					n = 90;
			}
			fprintf(stderr, " %.*s\n", (int)n, what);
			what += n;
			while (*what == ' ')
				what++;
			if (*what != '\0')
				fprintf(stderr, "  %-18s", "");
		}
	}
}

/* Room for every socket: the listeners, and the connections the tests make to them. */
static void raise_fd_limit(size_t listeners_wanted)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)listeners_wanted * 2 + 256;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	const char *listen_args[64];
	size_t listen_count = 0;
	const char *many = NULL, *log_path = NULL, *map_path = NULL, *ready_path = NULL;
	int behaviour = B_OPEN;
	bool mix = false;
	int status = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool ok = v != NULL;
		if (strcmp(a, "--listen") == 0 && v && listen_count < 64)
			listen_args[listen_count++] = v;
		else if (strcmp(a, "--many") == 0 && v)
			many = v;
		else if (strcmp(a, "--behaviour") == 0 && v) {
			mix = strcmp(v, "mix") == 0;
			behaviour = mix ? B_OPEN : find_behaviour(v);
			ok = behaviour >= 0;
		} else if (strcmp(a, "--log") == 0 && v)
			log_path = v;
		else if (strcmp(a, "--map") == 0 && v)
			map_path = v;
		else if (strcmp(a, "--ready") == 0 && v)
			ready_path = v;
		else if (strcmp(a, "--max-seconds") == 0 && v)
			ok = tool_number_arg(v, 1, 3600, &opt.max_seconds);
		else if (strcmp(a, "--delay-ms") == 0 && v)
			ok = tool_number_arg(v, 0, 600000, &opt.delay_ms);
		else if (strcmp(a, "--tarpit-ms") == 0 && v)
			ok = tool_number_arg(v, 0, 600000, &opt.tarpit_ms);
		else if (strcmp(a, "--split-ms") == 0 && v)
			ok = tool_number_arg(v, 0, 60000, &opt.split_ms);
		else if (strcmp(a, "--synprot-max") == 0 && v)
			ok = tool_number_arg(v, 0, 1000, &opt.synprot_max);
		else if (strcmp(a, "--nonmail-max") == 0 && v)
			ok = tool_number_arg(v, 0, 1000, &opt.nonmail_max);
		else
			ok = false;
		if (!ok) {
			usage();
			return 2;
		}
		i++;
	}

	char many_first[64] = "";
	unsigned many_port = 0, many_count = 0;
	if (many) {
		char *copy = strdup(many);
		char *count = copy ? strrchr(copy, ':') : NULL;
		char *port = NULL;
		if (count) {
			*count++ = '\0';
			port = strrchr(copy, ':');
		}
		if (port)
			*port++ = '\0';
		if (!port || !tool_number_arg(port, 1, 65535, &many_port) ||
		    !tool_number_arg(count, 1, MANY_MAX, &many_count) || strlen(copy) >= sizeof many_first) {
			fprintf(stderr, "fakesmtp: bad --many %s (want FIRST_V4:PORT:COUNT, COUNT <= %d)\n", many,
			        MANY_MAX);
			free(copy);
			return 2;
		}
		snprintf(many_first, sizeof many_first, "%s", copy);
		free(copy);
	}
	if (listen_count + many_count == 0) {
		usage();
		return 2;
	}
	signal(SIGPIPE, SIG_IGN); /* a client hanging up mid-write is a normal event here */
	raise_fd_limit(listen_count + many_count);
	listeners = calloc(listen_count + many_count, sizeof *listeners);
	loop = uv_default_loop();
	if (listeners == NULL)
		return 1;
	if (!tool_open_log("fakesmtp", log_path, &log_file))
		return 1;

	size_t index = 0;
	for (size_t i = 0; i < listen_count && status == 0; i++, index++) {
		char addr[80];
		snprintf(addr, sizeof addr, "%s", listen_args[i]);
		char *comma = strchr(addr, ',');
		int b = mix ? (int)(index % B_COUNT) : behaviour;
		if (comma) {
			*comma = '\0';
			b = find_behaviour(comma + 1);
		}
		if (b < 0) {
			fprintf(stderr, "fakesmtp: unknown behaviour in %s\n", listen_args[i]);
			status = 2;
		} else if (add_listener(addr, b) != 0) {
			status = 1;
		}
	}
	struct in_addr first;
	if (status == 0 && many && inet_pton(AF_INET, many_first, &first) != 1) {
		fprintf(stderr, "fakesmtp: bad --many address %s\n", many_first);
		status = 2;
	}
	for (unsigned i = 0; i < many_count && status == 0; i++, index++) {
		struct in_addr a = {.s_addr = htonl(ntohl(first.s_addr) + i)};
		char text[INET_ADDRSTRLEN], addr[80];
		inet_ntop(AF_INET, &a, text, sizeof text);
		snprintf(addr, sizeof addr, "%s:%u", text, many_port);
		if (add_listener(addr, mix ? (int)(index % B_COUNT) : behaviour) != 0)
			status = 1;
	}
	if (status == 0 && map_path) {
		FILE *map = fopen(map_path, "w");
		for (size_t i = 0; map && i < listener_count; i++)
			fprintf(map, "%s %s\n", listeners[i].name, behaviours[listeners[i].behaviour].name);
		if (map == NULL || fclose(map) != 0) {
			fprintf(stderr, "fakesmtp: cannot write %s\n", map_path);
			status = 1;
		}
	}
	if (status == 0 && !tool_write_ready("fakesmtp", ready_path))
		status = 1;

	if (status == 0)
		tool_run(loop, "fakesmtp", opt.max_seconds, stop);
	stop();
	uv_run(loop, UV_RUN_DEFAULT);
	uv_loop_close(loop);
	free(listeners);
	if (log_file)
		fclose(log_file);
	return status;
}
