/* SPDX-License-Identifier: BSD-2-Clause */
/* fakesmtp.c — a scriptable fake SMTP server for the relay-probe tests: it does what no real MTA can be told to do
 * (stay silent, greet late, answer forever, send garbage, tarpit) and records every command it receives.
 *
 *   fakesmtp --listen ADDR:PORT[,BEHAVIOUR] ... [--many FIRST_V4:PORT:COUNT] [--behaviour NAME|mix]
 *            [--log FILE] [--map FILE] [--ready FILE] [--max-seconds N]
 *            [--delay-ms N] [--tarpit-ms N] [--split-ms N]
 *
 * --listen may repeat; ",BEHAVIOUR" overrides --behaviour for that address. --many listens on COUNT consecutive
 * IPv4 addresses from FIRST_V4, all on PORT; with --behaviour mix the i-th listener (in the order they are given)
 * gets behaviour i mod the number of behaviours. --map writes "ADDR:PORT BEHAVIOUR" per listener; --ready is
 * created once every socket listens; --log gets "ADDR:PORT C: COMMAND" for every line received (escaped) and
 * "ADDR:PORT * ..." for connections, so a test can check that DATA never came. Only 127.0.0.0/8 and ::1: anything
 * else is refused. It stops by itself after --max-seconds (default 120), or on SIGTERM/SIGINT.
 *
 * Behaviours (see usage()): what each one does is in the table below; the prober's verdict each should get is in
 * tests/integration/test_probe_fakes.sh.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <uv.h>

enum behaviour {
	B_OPEN,
	B_CLOSED,
	B_SILENT,
	B_LATE_GREETING,
	B_GREET421,
	B_MULTILINE_SPLIT,
	B_ENDLESS_MULTILINE,
	B_MEGABYTE_LINE,
	B_GARBAGE,
	B_GREYLIST,
	B_SOME_FORMS,
	B_TARPIT,
	B_STARTTLS_REQUIRED,
	B_HELO_ONLY,
	B_DENIED_4XX,
	B_COUNT
};

static const char *const behaviour_names[B_COUNT] = {
        "open",          "closed",  "silent",   "late-greeting", "greet421", "multiline-split",   "endless-multiline",
        "megabyte-line", "garbage", "greylist", "some-forms",    "tarpit",   "starttls-required", "helo-only",
        "denied-4xx",
};

#define HOSTNAME "fake.smtp.test"
#define LINE_MAX_BYTES 1000 /* RFC 5321 command line limit, with room */
#define MANY_MAX 5000
#define TARPIT_ERRORS 10
#define GENERATED_CHUNK 8192
#define MEGABYTE (1024 * 1024)

struct options {
	unsigned delay_ms;  /* late-greeting: how late */
	unsigned tarpit_ms; /* tarpit: before every reply */
	unsigned split_ms;  /* multiline-split: between fragments */
	unsigned max_seconds;
};

static struct options opt = {.delay_ms = 1000, .tarpit_ms = 100, .split_ms = 2, .max_seconds = 120};
static uv_loop_t *loop;
static FILE *log_file;
static uv_timer_t lifetime;
static uv_signal_t sigterm, sigint;
static bool stopping;

/* What a handle's data points to, so that the shutdown walk can tell them apart. */
enum kind { KIND_LISTENER = 1, KIND_CONN };

struct listener {
	enum kind kind;
	uv_tcp_t tcp;
	enum behaviour behaviour;
	char name[64];
};

/* One piece of output, written after its delay. */
struct chunk {
	struct chunk *next;
	unsigned delay_ms;
	size_t len;
	char bytes[];
};

enum generator { GEN_NONE, GEN_ENDLESS, GEN_MEGABYTE };

struct conn {
	enum kind kind;
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_write_t write_req;
	struct listener *listener;
	struct chunk *head, *tail, *in_flight;
	bool waiting;     /* the timer runs for the head's delay */
	bool close_after; /* close once the queue is empty */
	bool closing;
	bool greeted;
	bool in_mail;
	enum generator generator;
	size_t generated_left; /* GEN_MEGABYTE: bytes of the long line still to write */
	int errors;
	int open_handles;
	size_t line_len;
	bool line_overflow;
	char line[LINE_MAX_BYTES + 1];
};

static void log_line(const struct conn *c, const char *kind, const char *text, size_t n)
{
	if (log_file == NULL)
		return;
	fprintf(log_file, "%s %s ", c->listener->name, kind);
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

static void enqueue(struct conn *c, const char *bytes, size_t len, unsigned delay_ms)
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

static void enqueue_text(struct conn *c, const char *text, unsigned delay_ms)
{
	enqueue(c, text, strlen(text), delay_ms);
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
				enqueue(c, block, n, 0);
				n = 0;
			}
			memcpy(block + n, "\r\n", 2);
			n += 2;
		}
	}
	if (n > 0)
		enqueue(c, block, n, 0);
}

static void flush(struct conn *c);

static void on_written(uv_write_t *req, int status)
{
	struct conn *c = req->data;

	free(c->in_flight);
	c->in_flight = NULL;
	if (status < 0) {
		conn_close(c); /* the client went away: fine, it is allowed to */
		return;
	}
	flush(c);
}

static void on_delay(uv_timer_t *timer)
{
	struct conn *c = timer->data;

	c->waiting = false;
	if (c->head)
		c->head->delay_ms = 0;
	flush(c);
}

/* Writes the queue one chunk at a time, each after its delay; one write in flight at most. */
static void flush(struct conn *c)
{
	if (c->closing || c->in_flight || c->waiting)
		return;
	if (c->head == NULL && c->generator != GEN_NONE)
		generate(c);
	if (c->head == NULL) {
		if (c->close_after)
			conn_close(c);
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

/* Queues a reply the way this behaviour writes replies: at once, late (tarpit) or in small pieces. */
static void reply(struct conn *c, const char *text)
{
	size_t len = strlen(text);

	switch (c->listener->behaviour) {
	case B_TARPIT:
		enqueue(c, text, len, opt.tarpit_ms);
		break;
	case B_MULTILINE_SPLIT:
		for (size_t i = 0; i < len; i += 5)
			enqueue(c, text + i, len - i < 5 ? len - i : 5, opt.split_ms);
		break;
	default:
		enqueue(c, text, len, 0);
		break;
	}
	if (text[0] >= '5' && ++c->errors >= TARPIT_ERRORS && c->listener->behaviour == B_TARPIT) {
		enqueue_text(c, "421 4.7.0 " HOSTNAME " too many errors, closing\r\n", opt.tarpit_ms);
		c->close_after = true;
	}
	flush(c);
}

static void greet(struct conn *c)
{
	static const unsigned char garbage[] = {0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03,
	                                        0x03, 0x00, 0xff, 0xfe, 0x80, 0x0d, 0x0a, 0x1b, 0x5b, 0x32};

	switch (c->listener->behaviour) {
	case B_SILENT:
		return;
	case B_LATE_GREETING:
		enqueue_text(c, "220 " HOSTNAME " ESMTP, at last\r\n", opt.delay_ms);
		break;
	case B_GREET421:
		enqueue_text(c, "421 4.3.2 " HOSTNAME " service not available, closing\r\n", 0);
		c->close_after = true;
		break;
	case B_MULTILINE_SPLIT:
		reply(c, "220-" HOSTNAME " ESMTP\r\n220-greetings written\n220-in pieces\r\n220 ready\r\n");
		return;
	case B_ENDLESS_MULTILINE:
		c->generator = GEN_ENDLESS;
		break;
	case B_GARBAGE:
		for (int i = 0; i < 20; i++)
			enqueue(c, (const char *)garbage, sizeof garbage, 0);
		break;
	case B_TARPIT:
		reply(c, "220 " HOSTNAME " ESMTP (slowly)\r\n");
		return;
	default:
		enqueue_text(c, "220 " HOSTNAME " ESMTP fakesmtp\r\n", 0);
		break;
	}
	flush(c);
}

static bool verb_is(const char *line, const char *verb)
{
	size_t n = strlen(verb);

	return strncasecmp(line, verb, n) == 0 && (line[n] == '\0' || line[n] == ' ' || line[n] == ':');
}

static void on_rcpt(struct conn *c, const char *line)
{
	char text[LINE_MAX_BYTES + 100];
	const char *rcpt = line + 8; /* past "RCPT TO:" */

	if (!c->in_mail) {
		reply(c, "503 5.5.1 Error: need MAIL command\r\n");
		return;
	}
	switch (c->listener->behaviour) {
	case B_OPEN:
		reply(c, "250 2.1.5 Ok\r\n");
		return;
	case B_MULTILINE_SPLIT:
		reply(c, "250-2.1.5 Recipient\r\n250-2.1.5 looks\n250 2.1.5 fine\r\n");
		return;
	case B_GREYLIST:
		snprintf(text, sizeof text, "450 4.2.0 %s: Recipient address rejected: Greylisted, try again later\r\n",
		         rcpt);
		reply(c, text);
		return;
	case B_SOME_FORMS:
		/* Only the plain percent hack: "<local%domain@host>", unquoted. */
		if (strchr(rcpt, '%') && !strchr(rcpt, '"')) {
			reply(c, "250 2.1.5 Ok\r\n");
			return;
		}
		break;
	case B_TARPIT:
		reply(c, "550 5.7.1 Relaying denied\r\n");
		return;
	case B_DENIED_4XX:
		snprintf(text, sizeof text, "450 4.7.1 %s: Relaying temporarily denied\r\n", rcpt);
		reply(c, text);
		return;
	default:
		break;
	}
	snprintf(text, sizeof text, "554 5.7.1 %s: Relay access denied\r\n", rcpt);
	reply(c, text);
}

static void on_command(struct conn *c, const char *line)
{
	enum behaviour b = c->listener->behaviour;

	if (!c->greeted)
		log_line(c, "!", "early talker: a command before the greeting", 43);
	if (verb_is(line, "EHLO")) {
		if (b == B_HELO_ONLY)
			reply(c, "502 5.5.2 Error: command not recognized\r\n");
		else if (b == B_MEGABYTE_LINE) {
			enqueue_text(c, "250 ", 0);
			c->generator = GEN_MEGABYTE;
			c->generated_left = MEGABYTE;
			flush(c);
		} else if (b == B_STARTTLS_REQUIRED)
			reply(c, "250-" HOSTNAME "\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n");
		else
			reply(c, "250-" HOSTNAME "\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n");
	} else if (verb_is(line, "HELO")) {
		reply(c, "250 " HOSTNAME "\r\n");
	} else if (verb_is(line, "MAIL")) {
		if (b == B_STARTTLS_REQUIRED) {
			reply(c, "530 5.7.0 Must issue a STARTTLS command first\r\n");
		} else {
			c->in_mail = true;
			reply(c, "250 2.1.0 Ok\r\n");
		}
	} else if (verb_is(line, "RCPT") && strlen(line) >= 8) {
		on_rcpt(c, line);
	} else if (verb_is(line, "RSET")) {
		c->in_mail = false;
		reply(c, "250 2.0.0 Ok\r\n");
	} else if (verb_is(line, "NOOP")) {
		reply(c, "250 2.0.0 Ok\r\n");
	} else if (verb_is(line, "QUIT")) {
		reply(c, "221 2.0.0 Bye\r\n");
		c->close_after = true;
	} else if (verb_is(line, "DATA") || verb_is(line, "BDAT")) {
		reply(c, "554 5.5.1 Error: no message wanted here\r\n");
	} else {
		reply(c, "502 5.5.2 Error: command not recognized\r\n");
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
		log_line(c, "*", "closed by the client", 20);
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
		log_line(c, "C:", c->line, c->line_len);
		if (c->line_overflow)
			reply(c, "500 5.5.2 Error: line too long\r\n");
		else
			on_command(c, c->line);
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
	uv_tcp_init(loop, &c->tcp);
	uv_timer_init(loop, &c->timer);
	c->tcp.data = c->timer.data = c;
	c->open_handles = 2;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
		conn_close(c);
		return;
	}
	log_line(c, "*", "connection", 10);
	uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
	greet(c);
}

static bool loopback_only(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	}
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	return memcmp(&sin6->sin6_addr, &in6addr_loopback, sizeof in6addr_loopback) == 0;
}

static int parse_addr_port(const char *text, struct sockaddr_storage *ss)
{
	char host[64];
	const char *colon = strrchr(text, ':');

	memset(ss, 0, sizeof *ss);
	if (colon == NULL || (size_t)(colon - text) >= sizeof host)
		return -1;
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = '\0';
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 1 || port > 65535)
		return -1;
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		host[strlen(host) - 1] = '\0';
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		return inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) == 1 ? 0 : -1;
	}
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : -1;
}

static int find_behaviour(const char *name)
{
	for (int b = 0; b < B_COUNT; b++)
		if (strcmp(name, behaviour_names[b]) == 0)
			return b;
	return -1;
}

static struct listener *listeners;
static size_t listener_count;

static int add_listener(const char *addr_port, int behaviour)
{
	struct sockaddr_storage ss;

	if (parse_addr_port(addr_port, &ss) != 0) {
		fprintf(stderr, "fakesmtp: bad address %s (want ADDR:PORT or [ADDR]:PORT)\n", addr_port);
		return -1;
	}
	if (!loopback_only(&ss)) {
		fprintf(stderr, "fakesmtp: %s is not a loopback address: refused\n", addr_port);
		return -1;
	}
	struct listener *l = &listeners[listener_count];
	snprintf(l->name, sizeof l->name, "%s", addr_port);
	l->kind = KIND_LISTENER;
	l->behaviour = (enum behaviour)behaviour;
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

static void on_lifetime(uv_timer_t *timer)
{
	(void)timer;
	fprintf(stderr, "fakesmtp: --max-seconds %u reached, stopping\n", opt.max_seconds);
	stop();
}

static void on_signal(uv_signal_t *signal, int signum)
{
	(void)signal;
	(void)signum;
	stop();
}

static void usage(void)
{
	fprintf(stderr, "usage: fakesmtp --listen ADDR:PORT[,BEHAVIOUR] ... [--many FIRST_V4:PORT:COUNT]\n"
	                "                [--behaviour NAME|mix] [--log FILE] [--map FILE] [--ready FILE]\n"
	                "                [--max-seconds N] [--delay-ms N] [--tarpit-ms N] [--split-ms N]\n"
	                "behaviours:");
	for (int b = 0; b < B_COUNT; b++)
		fprintf(stderr, " %s", behaviour_names[b]);
	fprintf(stderr, "\n");
}

static bool number_arg(const char *text, unsigned max, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (errno != 0 || *end != '\0' || end == text || v > max)
		return false;
	*out = (unsigned)v;
	return true;
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
			ok = number_arg(v, 3600, &opt.max_seconds) && opt.max_seconds > 0;
		else if (strcmp(a, "--delay-ms") == 0 && v)
			ok = number_arg(v, 600000, &opt.delay_ms);
		else if (strcmp(a, "--tarpit-ms") == 0 && v)
			ok = number_arg(v, 600000, &opt.tarpit_ms);
		else if (strcmp(a, "--split-ms") == 0 && v)
			ok = number_arg(v, 60000, &opt.split_ms);
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
		if (!port || !number_arg(port, 65535, &many_port) || many_port == 0 ||
		    !number_arg(count, MANY_MAX, &many_count) || many_count == 0 || strlen(copy) >= sizeof many_first) {
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
	if (log_path && (log_file = fopen(log_path, "a")) == NULL) {
		fprintf(stderr, "fakesmtp: cannot open %s: %s\n", log_path, strerror(errno));
		return 1;
	}
	if (log_file)
		setvbuf(log_file, NULL, _IOLBF, 0);

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
			fprintf(map, "%s %s\n", listeners[i].name, behaviour_names[listeners[i].behaviour]);
		if (map == NULL || fclose(map) != 0) {
			fprintf(stderr, "fakesmtp: cannot write %s\n", map_path);
			status = 1;
		}
	}
	if (status == 0 && ready_path) {
		FILE *ready = fopen(ready_path, "w");
		if (ready == NULL || fclose(ready) != 0) {
			fprintf(stderr, "fakesmtp: cannot write %s\n", ready_path);
			status = 1;
		}
	}

	uv_timer_init(loop, &lifetime);
	uv_signal_init(loop, &sigterm);
	uv_signal_init(loop, &sigint);
	if (status == 0) {
		uv_timer_start(&lifetime, on_lifetime, (uint64_t)opt.max_seconds * 1000, 0);
		uv_signal_start(&sigterm, on_signal, SIGTERM);
		uv_signal_start(&sigint, on_signal, SIGINT);
		uv_run(loop, UV_RUN_DEFAULT);
	}
	stop();
	uv_run(loop, UV_RUN_DEFAULT);
	uv_loop_close(loop);
	free(listeners);
	if (log_file)
		fclose(log_file);
	return status;
}
