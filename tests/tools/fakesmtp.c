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
 * Behaviours: what each one does is in the table behaviours[] below (usage() prints it); the prober's verdict each
 * should get is in tests/integration/test_probe_fakes.sh. The last five model Exim 4 with its default options
 * (src/src/smtp_in.c, src/src/parse.c: smtp_max_synprot_errors 3, smtp_accept_max_nonmail 10, allow_domain_literals
 * false, the reply texts of its default configuration).
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
	B_LITERAL_REFUSED,
	B_SYNPROT_LIMIT,
	B_NONMAIL_LIMIT,
	B_CATCH_ALL,
	B_BANG_RELAY,
	B_COUNT
};

/* The behaviour table (usage() prints it). "Closed": MAIL 250, every RCPT "554 5.7.1 <rcpt>: Relay access denied".
 * A recipient's domain is what follows its last @ outside quotes, a source route ("<@x,@y:...>") skipped; the "own
 * domain" is fake.smtp.test or the listener's address literal ([127.0.0.1], [IPv6:::1]); "unqualified" has no @
 * outside quotes. The five Exim models answer a MAIL inside an open transaction "503 sender already given". */
static const struct {
	const char *name;
	const char *what;
} behaviours[B_COUNT] = {
        [B_OPEN] = {"open", "every RCPT 250: an open relay"},
        [B_CLOSED] = {"closed", "every RCPT 554 Relay access denied"},
        [B_SILENT] = {"silent", "accepts the connection, never greets, never answers"},
        [B_LATE_GREETING] = {"late-greeting", "closed, greets after --delay-ms"},
        [B_GREET421] = {"greet421", "greets 421 and hangs up"},
        [B_MULTILINE_SPLIT] =
                {"multiline-split",
                 "open; multiline replies (one line ends in a bare LF) in 5-byte pieces --split-ms apart"},
        [B_ENDLESS_MULTILINE] = {"endless-multiline", "a 220- greeting that never ends"},
        [B_MEGABYTE_LINE] = {"megabyte-line", "answers EHLO with a 1 MiB line"},
        [B_GARBAGE] = {"garbage", "greets with binary bytes (a TLS record, escapes)"},
        [B_GREYLIST] = {"greylist", "every RCPT 450 Greylisted"},
        [B_SOME_FORMS] = {"some-forms", "closed, but a RCPT with an unquoted % gets 250 (the plain percent hack)"},
        [B_TARPIT] = {"tarpit", "closed, every reply --tarpit-ms late; after 10 5xx replies 421 and hangs up"},
        [B_STARTTLS_REQUIRED] = {"starttls-required", "offers STARTTLS; MAIL 530 Must issue a STARTTLS command first"},
        [B_HELO_ONLY] = {"helo-only", "closed; EHLO 502 (HELO works)"},
        [B_DENIED_4XX] = {"denied-4xx", "every RCPT 450 Relaying temporarily denied"},
        [B_LITERAL_REFUSED] = {"literal-refused",
                               "Exim refusing domain literal senders: MAIL FROM with @[ -> \"501 <addr>: domain "
                               "literals not allowed\"; RCPT at an external domain -> \"550 relay not permitted\", at "
                               "the own domain or unqualified -> \"550 unknown user\"; no limits: closed"},
        [B_SYNPROT_LIMIT] = {"synprot-limit",
                             "closed, plus Exim's address syntax (allow_domain_literals false) and "
                             "smtp_max_synprot_errors: MAIL or RCPT with a domain literal -> \"501 <addr>: domain "
                             "literals not allowed\", with a second @ -> \"501 <addr>: malformed address: X may not "
                             "follow Y\", an open quote -> \"501 <addr>: unmatched doublequote in local part\", no "
                             "domain -> \"501 <addr>: recipient (sender) address must contain a domain\". Every "
                             "500..504 reply counts; the one that takes the count past --synprot-max (3, so the 4th) "
                             "goes out as \"5xx-<its text>\" + \"5xx Too many syntax or protocol errors\" and the "
                             "fake hangs up"},
        [B_NONMAIL_LIMIT] = {"nonmail-limit",
                             "closed, plus Exim's smtp_accept_max_nonmail: RSET HELO EHLO NOOP VRFY EXPN HELP ETRN "
                             "ATRN AUTH STARTTLS count, except the first HELO-or-EHLO, the first RSET, the first "
                             "STARTTLS and the first AUTH (MAIL RCPT DATA BDAT QUIT and unknown verbs never count); "
                             "the command that takes the count past --nonmail-max (10, so the 11th counted) is not "
                             "done: \"554 Too many nonmail commands\" and the fake hangs up"},
        [B_CATCH_ALL] = {"catch-all",
                         "a catch-all own domain: RCPT at the own domain (any local part: x%ext@, ext!x@, x@ext@, "
                         "random ones) or unqualified -> \"250 Accepted\", at an external domain -> \"550 relay not "
                         "permitted\": closed"},
        [B_BANG_RELAY] = {"bang-relay",
                          "literal-refused, except that it relays bang paths: RCPT <ext!local@own domain> -> \"250 "
                          "Accepted\"; any other local part at the own domain, or unqualified -> \"550 unknown "
                          "user\": open"},
};

#define HOSTNAME "fake.smtp.test"
#define LINE_MAX_BYTES 1000 /* RFC 5321 command line limit, with room */
#define MANY_MAX 5000
#define TARPIT_ERRORS 10
#define GENERATED_CHUNK 8192
#define MEGABYTE (1024 * 1024)
#define LINGER_MS 1000 /* after "* closing": how long the fake waits for the client to close */
#define LITERAL_MAX 56 /* "[IPv6:" + address (INET6_ADDRSTRLEN) + "]" + NUL */

struct options {
	unsigned delay_ms;  /* late-greeting: how late */
	unsigned tarpit_ms; /* tarpit: before every reply */
	unsigned split_ms;  /* multiline-split: between fragments */
	unsigned max_seconds;
	unsigned synprot_max; /* synprot-limit: Exim's smtp_max_synprot_errors */
	unsigned nonmail_max; /* nonmail-limit: Exim's smtp_accept_max_nonmail */
};

static struct options opt = {
        .delay_ms = 1000, .tarpit_ms = 100, .split_ms = 2, .max_seconds = 120, .synprot_max = 3, .nonmail_max = 10};
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
	char literal[LITERAL_MAX]; /* its address as a domain literal: "[127.0.0.1]", "[IPv6:::1]" */
	unsigned connections;      /* accepted so far: the #N of the log */
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
	uv_shutdown_t shutdown_req;
	struct listener *listener;
	unsigned id; /* #N in the log */
	struct chunk *head, *tail, *in_flight;
	bool waiting;     /* the timer runs for the head's delay */
	bool close_after; /* said it is closing: answer nothing more, half-close once the queue is empty */
	bool shutting_down;
	bool closing;
	bool greeted;
	bool in_mail;
	enum generator generator;
	size_t generated_left; /* GEN_MEGABYTE: bytes of the long line still to write */
	int errors;
	unsigned synprot_errors; /* synprot-limit: 500..504 replies so far */
	unsigned nonmail;        /* nonmail-limit: counted non-mail commands so far */
	bool free_helo_used, free_rset_used, free_starttls_used,
	        free_auth_used; /* nonmail-limit: Exim's uncounted ones */
	int open_handles;
	size_t line_len;
	bool line_overflow;
	char line[LINE_MAX_BYTES + 1];
};

static void log_line(const struct conn *c, const char *kind, const char *text, size_t n)
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

/* The reply being queued ends the session: log it, answer nothing more; flush() half-closes after it. */
static void announce_close(struct conn *c, const char *reply_text)
{
	char text[200];
	size_t n = strcspn(reply_text, "\r\n");

	if (c->close_after)
		return;
	c->close_after = true;
	snprintf(text, sizeof text, "closing: %.*s", (int)(n < 180 ? n : 180), reply_text);
	log_line(c, "*", text, strlen(text));
}

static void on_linger_over(uv_timer_t *timer)
{
	struct conn *c = timer->data;

	log_line(c, "*", "hung up", 7);
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

/* Queues a reply the way this behaviour writes replies: at once, late (tarpit) or in small pieces. */
static void reply(struct conn *c, const char *text)
{
	char last[LINE_MAX_BYTES + 400];
	size_t len = strlen(text);

	/* synprot-limit: Exim's synprot_error(): the 500..504 reply that takes the count past smtp_max_synprot_errors
	 * is sent as the first line of a multiline reply, the last line says why, and the connection is dropped. Here
	 * every 500..504 reply counts; Exim is a little more lenient: its "must contain a domain" 501s and, when it
	 * advertised PIPELINING, a "503 sender not yet given" right after a refused MAIL do not count. */
	if (c->listener->behaviour == B_SYNPROT_LIMIT && text[0] == '5' && text[1] == '0' && text[2] >= '0' &&
	    text[2] <= '4' && text[3] == ' ' && ++c->synprot_errors > opt.synprot_max && len + 48 < sizeof last) {
		snprintf(last, sizeof last, "%.3s-%s%.3s Too many syntax or protocol errors\r\n", text, text + 4, text);
		announce_close(c, last + len);
		text = last;
		len = strlen(text);
	}

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
		static const char bye[] = "421 4.7.0 " HOSTNAME " too many errors, closing\r\n";
		announce_close(c, bye);
		enqueue_text(c, bye, opt.tarpit_ms);
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
	case B_GREET421: {
		static const char bye[] = "421 4.3.2 " HOSTNAME " service not available, closing\r\n";
		announce_close(c, bye);
		enqueue_text(c, bye, 0);
		break;
	}
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

static bool exim_model(enum behaviour b)
{
	return b == B_LITERAL_REFUSED || b == B_SYNPROT_LIMIT || b == B_NONMAIL_LIMIT || b == B_CATCH_ALL ||
	       b == B_BANG_RELAY;
}

/* The argument of "MAIL FROM:" / "RCPT TO:" (any case), spaces trimmed, copied to out; false if line is not that
 * command (Exim knows the verbs only as "mail from:" and "rcpt to:"). */
static bool command_arg(const char *line, const char *verb, char out[LINE_MAX_BYTES + 1])
{
	size_t n = strlen(verb);

	if (strncasecmp(line, verb, n) != 0)
		return false;
	line += n;
	while (*line == ' ' || *line == '\t')
		line++;
	n = strlen(line);
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	memcpy(out, line, n);
	out[n] = '\0';
	return true;
}

/* Past a quoted string starting at s ('"'): at its closing quote, or at the NUL if it has none. */
static const char *past_quoted(const char *s)
{
	for (s++; *s != '\0' && *s != '"'; s++)
		if (*s == '\\' && s[1] != '\0')
			s++;
	return s;
}

/* What Exim 4 says to a MAIL (sender) or RCPT argument, allow_domain_literals unset: the reason it is refused
 * with 501 (parse_extract_address's error, or the "must contain a domain" of an unqualified address), or NULL if
 * it is taken. Left to right, as parse.c reads it: a source route ("@a,@b:"), the local part (atoms and quoted
 * strings), "@", the domain, then the closing ">". */
static const char *exim_address_error(const char *arg, bool sender, char *err, size_t size)
{
	const char *s = arg;
	bool angle = *s == '<';

	if (angle)
		s++;
	if (sender && angle && *s == '>' && s[1] == '\0')
		return NULL; /* <> */
	if (*s == '@') {     /* a source route: read (its domains checked), then ignored */
		for (; *s != '\0' && *s != ':'; s++)
			if (*s == '[')
				return "domain literals not allowed";
		if (*s == ':')
			s++;
	}
	for (; *s != '\0' && *s != '@' && !(angle && *s == '>'); s++)
		if (*s == '"' && *(s = past_quoted(s)) == '\0')
			return "unmatched doublequote in local part";
	if (*s != '@')
		return sender ? "sender address must contain a domain" : "recipient address must contain a domain";
	s++;
	if (*s == '[')
		return "domain literals not allowed";
	while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' ||
	       *s == '.' || *s == '_')
		s++;
	if (angle ? (*s == '>' && s[1] == '\0') : *s == '\0')
		return NULL;
	if (angle && *s == '\0')
		return "'>' missing at end of address";
	snprintf(err, size, "malformed address: %.32s may not follow %.*s", s, (int)(s - arg), arg);
	return err;
}

enum place { PLACE_EXTERNAL, PLACE_OWN, PLACE_UNQUALIFIED };

/* Where a recipient goes: its domain is what follows its last @ outside quotes (a source route skipped); the own
 * domain is HOSTNAME or the listener's address literal. local gets the local part (empty if unqualified). */
static enum place recipient_place(const struct conn *c, const char *arg, char local[LINE_MAX_BYTES + 1])
{
	const char *s = arg, *end, *at = NULL;

	if (*s == '<')
		s++;
	end = s + strlen(s);
	if (end > s && end[-1] == '>' && *arg == '<')
		end--;
	if (*s == '@') {
		const char *colon = memchr(s, ':', (size_t)(end - s));
		s = colon ? colon + 1 : end;
	}
	for (const char *p = s; p < end; p++) {
		if (*p == '"') {
			p = past_quoted(p);
			if (*p == '\0' || p >= end)
				break;
		} else if (*p == '@') {
			at = p;
		}
	}
	local[0] = '\0';
	if (at == NULL) {
		snprintf(local, LINE_MAX_BYTES + 1, "%.*s", (int)(end - s), s);
		return PLACE_UNQUALIFIED;
	}
	snprintf(local, LINE_MAX_BYTES + 1, "%.*s", (int)(at - s), s);
	size_t n = (size_t)(end - at - 1);
	if ((n == strlen(HOSTNAME) && strncasecmp(at + 1, HOSTNAME, n) == 0) ||
	    (n == strlen(c->listener->literal) && strncasecmp(at + 1, c->listener->literal, n) == 0))
		return PLACE_OWN;
	return PLACE_EXTERNAL;
}

/* MAIL FROM in the Exim models. */
static void on_mail_exim(struct conn *c, const char *line)
{
	char arg[LINE_MAX_BYTES + 1], err[200], text[LINE_MAX_BYTES + 300];
	enum behaviour b = c->listener->behaviour;
	const char *why = NULL;

	if (!command_arg(line, "MAIL FROM:", arg)) {
		reply(c, "500 unrecognized command\r\n");
		return;
	}
	if (c->in_mail) {
		reply(c, "503 sender already given\r\n");
		return;
	}
	if (b == B_SYNPROT_LIMIT)
		why = exim_address_error(arg, true, err, sizeof err);
	else if ((b == B_LITERAL_REFUSED || b == B_BANG_RELAY) && strstr(arg, "@["))
		why = "domain literals not allowed";
	if (why) {
		snprintf(text, sizeof text, "501 %s: %s\r\n", arg, why);
		reply(c, text);
		return;
	}
	c->in_mail = true;
	reply(c, "250 2.1.0 Ok\r\n");
}

/* RCPT TO in the Exim models (after the MAIL check). */
static void on_rcpt_exim(struct conn *c, const char *arg)
{
	char local[LINE_MAX_BYTES + 1], err[200], text[LINE_MAX_BYTES + 300];
	enum behaviour b = c->listener->behaviour;
	const char *why;

	switch (b) {
	case B_SYNPROT_LIMIT:
		if ((why = exim_address_error(arg, false, err, sizeof err)) != NULL)
			snprintf(text, sizeof text, "501 %s: %s\r\n", arg, why);
		else
			snprintf(text, sizeof text, "554 5.7.1 %s: Relay access denied\r\n", arg);
		break;
	case B_CATCH_ALL:
		snprintf(text, sizeof text, "%s\r\n",
		         recipient_place(c, arg, local) == PLACE_EXTERNAL ? "550 relay not permitted" : "250 Accepted");
		break;
	case B_LITERAL_REFUSED:
	case B_BANG_RELAY:
		switch (recipient_place(c, arg, local)) {
		case PLACE_EXTERNAL:
			snprintf(text, sizeof text, "550 relay not permitted\r\n");
			break;
		case PLACE_OWN:
			snprintf(text, sizeof text, "%s\r\n",
			         b == B_BANG_RELAY && strchr(local, '!') ? "250 Accepted" : "550 unknown user");
			break;
		case PLACE_UNQUALIFIED:
			snprintf(text, sizeof text, "550 unknown user\r\n");
			break;
		}
		break;
	default: /* nonmail-limit: closed */
		snprintf(text, sizeof text, "554 5.7.1 %s: Relay access denied\r\n", arg);
		break;
	}
	reply(c, text);
}

/* nonmail-limit: whether this command counts as Exim's smtp_read_command() counts it (is_mail_cmd false). One
 * HELO-or-EHLO, one RSET and one STARTTLS are uncounted "between messages", and no message ever starts here, so
 * the first of each in the connection; the first AUTH is uncounted too. Unknown verbs are not counted (Exim has
 * smtp_max_unknown_commands for them). */
static bool counts_as_nonmail(struct conn *c, const char *line)
{
	static const char *const counted[] = {"NOOP", "VRFY", "EXPN", "HELP", "ETRN", "ATRN"};
	bool *free_one = NULL;

	if (verb_is(line, "HELO") || verb_is(line, "EHLO"))
		free_one = &c->free_helo_used;
	else if (verb_is(line, "RSET"))
		free_one = &c->free_rset_used;
	else if (verb_is(line, "STARTTLS"))
		free_one = &c->free_starttls_used;
	else if (verb_is(line, "AUTH"))
		free_one = &c->free_auth_used;
	if (free_one) {
		if (*free_one)
			return true;
		*free_one = true;
		return false;
	}
	for (size_t i = 0; i < sizeof counted / sizeof counted[0]; i++)
		if (verb_is(line, counted[i]))
			return true;
	return false;
}

static void on_rcpt(struct conn *c, const char *line)
{
	char text[LINE_MAX_BYTES + 100];
	const char *rcpt = line + 8; /* past "RCPT TO:" */

	if (!c->in_mail) {
		reply(c, exim_model(c->listener->behaviour) ? "503 sender not yet given\r\n"
		                                            : "503 5.5.1 Error: need MAIL command\r\n");
		return;
	}
	if (exim_model(c->listener->behaviour)) {
		char arg[LINE_MAX_BYTES + 1];
		if (!command_arg(line, "RCPT TO:", arg))
			reply(c, "500 unrecognized command\r\n");
		else
			on_rcpt_exim(c, arg);
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
	if (b == B_NONMAIL_LIMIT && counts_as_nonmail(c, line) && ++c->nonmail > opt.nonmail_max) {
		announce_close(c, "554 Too many nonmail commands");
		reply(c, "554 Too many nonmail commands\r\n");
		return;
	}
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
	} else if (verb_is(line, "MAIL") && exim_model(b)) {
		on_mail_exim(c, line);
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
		announce_close(c, "221 2.0.0 Bye");
		reply(c, "221 2.0.0 Bye\r\n");
	} else if (verb_is(line, "DATA") || verb_is(line, "BDAT")) {
		reply(c, "554 5.5.1 Error: no message wanted here\r\n");
	} else {
		reply(c,
		      exim_model(b) ? "500 unrecognized command\r\n" : "502 5.5.2 Error: command not recognized\r\n");
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
		if (c->close_after)
			; /* said it is closing: logged, not answered */
		else if (c->line_overflow)
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
	c->id = ++l->connections;
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
		if (strcmp(name, behaviours[b].name) == 0)
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
		else if (strcmp(a, "--synprot-max") == 0 && v)
			ok = number_arg(v, 1000, &opt.synprot_max);
		else if (strcmp(a, "--nonmail-max") == 0 && v)
			ok = number_arg(v, 1000, &opt.nonmail_max);
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
			fprintf(map, "%s %s\n", listeners[i].name, behaviours[listeners[i].behaviour].name);
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
