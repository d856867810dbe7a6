/* SPDX-License-Identifier: BSD-2-Clause */
/* probe_session.c — one SMTP relay probe on the engine's loop.
 *
 * connect -> greeting -> EHLO (HELO on 500/502) -> for each form: MAIL, RCPT, RSET before the next -> QUIT.
 * One command is outstanding at a time (no pipelining), so any byte after a complete reply is out of step and
 * ends the session. One timer serves every wait: the connect or reply timeout, capped by the session deadline.
 * Writes go only through send_command(), which only writes probe_command_format() lines: no DATA, ever.
 *
 * The session stops at the first relayed form (that is the evidence; more would only burden the relay), after a
 * STARTTLS demand (we do not speak TLS), after 421 or a refused RSET, and on any timeout, byte limit, garbage or
 * lost connection. The verdict is fixed before the QUIT, which only adds to the transcript.
 */
#include "probe_internal.h"

#include "base/err.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum step { STEP_CONNECT, STEP_GREETING, STEP_EHLO, STEP_HELO, STEP_MAIL, STEP_RCPT, STEP_RSET, STEP_QUIT, STEP_DONE };

static const char *const step_names[] = {"connect", "greeting", "EHLO", "HELO", "MAIL", "RCPT", "RSET", "QUIT", "end"};

#define QUOTE_MAX 120 /* how much of a server's reply goes into the one-line why */
#define READ_CHUNK 4096

struct probe_session {
	struct probe_engine *engine;
	const probe_config_t *cfg;
	const probe_target_t *target;
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_connect_t connect_req;
	int open_handles;
	int connect_error; /* uv_tcp_connect failed at once: reported from the timer, not from inside the scheduler */
	enum step step;
	bool connected; /* up, as far as we know: a QUIT is worth sending */
	bool decided;
	int form; /* the form being tried */
	enum probe_form_outcome outcome[PROBE_FORM_COUNT];
	enum probe_verdict verdict;
	int first_relayed;
	struct probe_reply reply;
	struct probe_transcript transcript;
	char peer[ADDR_STRLEN + 8];
	char ip_literal[PROBE_LITERAL_MAX];
	char server_name[PROBE_DOMAIN_MAX + 1];
	char mail[PROBE_ARG_MAX];
	char rcpt[PROBE_ARG_MAX];
	char why[384];
	char last_refusal[QUOTE_MAX];
	char first_deferral[QUOTE_MAX];
	uint64_t started_ns;
	uint64_t deadline; /* loop time, ms */
	int64_t started_unix;
	char read_buf[READ_CHUNK];
};

struct pending_write {
	uv_write_t req;
	struct probe_session *session;
	char line[PROBE_LINE_MAX];
};

static void on_timer(uv_timer_t *timer);
static void send_command(struct probe_session *s, enum probe_command cmd, const char *arg, enum step next);

/* The first line of a reply, printable, short: for the why. */
static void quote_reply(const char *text, char out[QUOTE_MAX])
{
	size_t n = 0;

	for (; text[n] != '\0' && text[n] != '\n' && n < QUOTE_MAX - 1; n++)
		out[n] = (text[n] >= 0x20 && text[n] <= 0x7e) ? text[n] : '?';
	out[n] = '\0';
}

static void arm(struct probe_session *s, unsigned timeout_ms)
{
	uint64_t now = uv_now(s->tcp.loop);
	uint64_t due = now + timeout_ms;

	if (due > s->deadline)
		due = s->deadline;
	uv_timer_start(&s->timer, on_timer, due > now ? due - now : 0, 0);
}

/* Every line of the reply so far, as received; an unfinished last line is marked. */
static void transcribe_reply(struct probe_session *s)
{
	const char *p = s->reply.text, *end = s->reply.text + s->reply.len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		probe_transcript_add(&s->transcript, "S: ", p, n);
		if (nl == NULL)
			probe_transcript_note(&s->transcript, "(the line above is unfinished: %zu bytes of this reply)",
			                      s->reply.raw);
		p += n + 1;
	}
}

static void on_close(uv_handle_t *handle)
{
	struct probe_session *s = handle->data;

	if (--s->open_handles > 0)
		return;
	struct probe_engine *e = s->engine;
	probe_reply_free(&s->reply);
	probe_transcript_free(&s->transcript);
	free(s);
	probe_engine_session_closed(e);
}

static void report(struct probe_session *s)
{
	if (!s->decided) {
		s->decided = true;
		s->verdict = probe_decide(s->outcome, &s->first_relayed);
	}
	probe_transcript_note(&s->transcript, "verdict: %s: %s", probe_verdict_name(s->verdict), s->why);
	probe_result_t result = {
	        .verdict = s->verdict,
	        .form = s->first_relayed,
	        .form_name = probe_form_name(s->first_relayed),
	        .why = s->why,
	        .transcript = s->transcript.text ? s->transcript.text : "",
	        .transcript_len = s->transcript.len,
	        .started = s->started_unix,
	        .elapsed_ms = (unsigned)((uv_hrtime() - s->started_ns) / 1000000u),
	        .data_sent = false,
	};
	probe_engine_report(s->engine, s->target, &result);
}

/* Reports the target and lets go of the connection; the session is freed when its handles have closed. */
static void finish(struct probe_session *s)
{
	if (s->step == STEP_DONE)
		return;
	s->step = STEP_DONE;
	report(s);
	uv_timer_stop(&s->timer);
	uv_read_stop((uv_stream_t *)&s->tcp);
	uv_close((uv_handle_t *)&s->tcp, on_close);
	uv_close((uv_handle_t *)&s->timer, on_close);
}

/* Fixes the verdict from the outcomes so far, with why; then QUITs (polite, and still connected) or hangs up.
 * Once the verdict is fixed, later events (the QUIT's reply, a timeout, a close) only end the session. */
static void conclude(struct probe_session *s, bool polite, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void conclude(struct probe_session *s, bool polite, const char *fmt, ...)
{
	if (s->decided) {
		finish(s);
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->why, sizeof s->why, fmt, ap);
	va_end(ap);
	s->decided = true;
	s->verdict = probe_decide(s->outcome, &s->first_relayed);
	if (polite && s->connected)
		send_command(s, PROBE_CMD_QUIT, NULL, STEP_QUIT);
	else
		finish(s);
}

/* The server refused the whole session (5xx to the greeting or to EHLO/HELO): no form can get through. */
static void refuse_every_form(struct probe_session *s)
{
	for (int i = 0; i < PROBE_FORM_COUNT; i++)
		if (s->outcome[i] == PROBE_FORM_UNTRIED)
			s->outcome[i] = PROBE_FORM_REFUSED;
}

static void on_write(uv_write_t *req, int status)
{
	struct pending_write *w = (struct pending_write *)req;
	struct probe_session *s = w->session;

	free(w);
	if (status < 0 && status != UV_ECANCELED && s->step != STEP_DONE) {
		s->connected = false;
		probe_transcript_note(&s->transcript, "write failed: %s", uv_strerror(status));
		conclude(s, false, "write failed during %s: %s", step_names[s->step], uv_strerror(status));
	}
}

static void send_command(struct probe_session *s, enum probe_command cmd, const char *arg, enum step next)
{
	struct pending_write *w = malloc(sizeof *w);
	int n = w ? probe_command_format(cmd, arg, w->line) : RBL_ENOMEM;

	if (n < 0) {
		free(w);
		conclude(s, false, "cannot send %s: %s", probe_command_verb(cmd), rbl_strerror(n));
		return;
	}
	probe_transcript_add(&s->transcript, "C: ", w->line, (size_t)n - 2);
	w->session = s;
	uv_buf_t buf = uv_buf_init(w->line, (unsigned)n);
	int err = uv_write(&w->req, (uv_stream_t *)&s->tcp, &buf, 1, on_write);
	if (err < 0) {
		free(w);
		s->connected = false;
		conclude(s, false, "write failed during %s: %s", step_names[next], uv_strerror(err));
		return;
	}
	s->step = next;
	probe_reply_reset(&s->reply);
	arm(s, s->cfg->reply_timeout_ms);
}

static void send_mail(struct probe_session *s)
{
	struct probe_form_env env = {
	        .sender_domain = s->cfg->sender_domain,
	        .recipient_domain = s->cfg->recipient_domain,
	        .ip_literal = s->ip_literal,
	        .server_name = s->server_name,
	};
	int err = probe_form_format(s->form, &env, s->mail, s->rcpt);

	if (err < 0) {
		conclude(s, true, "cannot build form %d: %s", s->form, rbl_strerror(err));
		return;
	}
	send_command(s, PROBE_CMD_MAIL, s->mail, STEP_MAIL);
}

static void battery_done(struct probe_session *s)
{
	int refused = 0, deferred = 0;

	for (int i = 0; i < PROBE_FORM_COUNT; i++) {
		refused += s->outcome[i] == PROBE_FORM_REFUSED;
		deferred += s->outcome[i] == PROBE_FORM_DEFERRED;
	}
	if (refused == PROBE_FORM_COUNT)
		conclude(s, true, "all %d forms refused (last: %s)", PROBE_FORM_COUNT, s->last_refusal);
	else
		conclude(s, true, "%d of %d forms refused, %d deferred (first: %s)", refused, PROBE_FORM_COUNT,
		         deferred, s->first_deferral);
}

static void next_form(struct probe_session *s)
{
	if (s->form + 1 >= PROBE_FORM_COUNT)
		battery_done(s);
	else
		send_command(s, PROBE_CMD_RSET, NULL, STEP_RSET);
}

/* MAIL or RCPT of the current form got anything but a go-ahead (MAIL) or an acceptance (RCPT). */
static void form_not_accepted(struct probe_session *s, enum probe_reply_kind kind, const char *quoted)
{
	const char *what = step_names[s->step];

	if (kind == PROBE_REPLY_REFUSED) {
		s->outcome[s->form] = PROBE_FORM_REFUSED;
		snprintf(s->last_refusal, sizeof s->last_refusal, "%s", quoted);
		next_form(s);
		return;
	}
	s->outcome[s->form] = PROBE_FORM_DEFERRED;
	if (s->first_deferral[0] == '\0')
		snprintf(s->first_deferral, sizeof s->first_deferral, "%s", quoted);
	if (kind == PROBE_REPLY_TLS_REQUIRED)
		conclude(s, true, "STARTTLS required at %s of form %d (%s); we do not speak TLS", what, s->form,
		         quoted);
	else if (kind == PROBE_REPLY_CLOSING)
		conclude(s, false, "%s of form %d answered %s", what, s->form, quoted);
	else
		next_form(s);
}

/* 5xx, 4xx, 421 and oddities to the greeting or to EHLO/HELO. */
static void session_not_accepted(struct probe_session *s, enum probe_reply_kind kind, const char *quoted)
{
	const char *what = step_names[s->step];

	switch (kind) {
	case PROBE_REPLY_REFUSED:
		refuse_every_form(s);
		conclude(s, true, "%s refused, so is every form: %s", what, quoted);
		return;
	case PROBE_REPLY_CLOSING:
		conclude(s, false, "%s answered %s", what, quoted);
		return;
	case PROBE_REPLY_TLS_REQUIRED:
		conclude(s, true, "STARTTLS required at %s (%s); we do not speak TLS", what, quoted);
		return;
	default:
		conclude(s, true, "%s answered %s", what, quoted);
		return;
	}
}

static void start_battery(struct probe_session *s)
{
	probe_server_name(s->reply.text, s->ip_literal, s->server_name);
	s->form = 0;
	send_mail(s);
}

static void handle_reply(struct probe_session *s)
{
	char quoted[QUOTE_MAX];
	int code = s->reply.code;
	enum probe_reply_kind kind = probe_reply_classify(code, s->reply.text);

	quote_reply(s->reply.text, quoted);
	switch (s->step) {
	case STEP_GREETING:
		if (kind == PROBE_REPLY_OK)
			send_command(s, PROBE_CMD_EHLO, s->cfg->helo_name, STEP_EHLO);
		else
			session_not_accepted(s, kind, quoted);
		return;
	case STEP_EHLO:
		if (code == 500 || code == 502)
			send_command(s, PROBE_CMD_HELO, s->cfg->helo_name, STEP_HELO);
		else if (kind == PROBE_REPLY_OK)
			start_battery(s);
		else
			session_not_accepted(s, kind, quoted);
		return;
	case STEP_HELO:
		if (kind == PROBE_REPLY_OK)
			start_battery(s);
		else
			session_not_accepted(s, kind, quoted);
		return;
	case STEP_MAIL:
		if (kind == PROBE_REPLY_OK)
			send_command(s, PROBE_CMD_RCPT, s->rcpt, STEP_RCPT);
		else
			form_not_accepted(s, kind, quoted);
		return;
	case STEP_RCPT:
		if (code == 250 || code == 251) {
			s->outcome[s->form] = PROBE_FORM_RELAYED;
			conclude(s, true, "form %d (%s) relayed: MAIL FROM:%s RCPT TO:%s answered %s", s->form,
			         probe_form_name(s->form), s->mail, s->rcpt, quoted);
		} else {
			/* Any other 2xx to RCPT is no acceptance we can name: deferred, not relayed. */
			form_not_accepted(s, kind == PROBE_REPLY_OK ? PROBE_REPLY_ODD : kind, quoted);
		}
		return;
	case STEP_RSET:
		if (kind == PROBE_REPLY_OK) {
			s->form++;
			send_mail(s);
		} else {
			conclude(s, kind != PROBE_REPLY_CLOSING, "RSET after form %d answered %s", s->form, quoted);
		}
		return;
	case STEP_QUIT:
	default:
		finish(s);
		return;
	}
}

/* Where the session was, for a why: "RCPT of form 11" or "greeting". */
static void describe_step(const struct probe_session *s, char *out, size_t size)
{
	if (s->step == STEP_MAIL || s->step == STEP_RCPT || s->step == STEP_RSET)
		snprintf(out, size, "%s of form %d", step_names[s->step], s->form);
	else
		snprintf(out, size, "%s", step_names[s->step]);
}

static void on_timer(uv_timer_t *timer)
{
	struct probe_session *s = timer->data;
	char where[32];
	bool session_over = uv_now(timer->loop) >= s->deadline;

	if (s->connect_error != 0) {
		probe_transcript_note(&s->transcript, "connect failed: %s", uv_strerror(s->connect_error));
		conclude(s, false, "connect to %s failed: %s", s->peer, uv_strerror(s->connect_error));
		return;
	}
	if (s->step == STEP_QUIT || s->step == STEP_DONE) {
		finish(s);
		return;
	}
	if (s->reply.len > 0)
		transcribe_reply(s);
	describe_step(s, where, sizeof where);
	if (session_over) {
		probe_transcript_note(&s->transcript, "session time limit reached (%u ms)", s->cfg->session_timeout_ms);
		conclude(s, false, "session time limit (%u ms) reached waiting for %s", s->cfg->session_timeout_ms,
		         where);
	} else if (s->step == STEP_CONNECT) {
		probe_transcript_note(&s->transcript, "no connection within %u ms", s->cfg->connect_timeout_ms);
		conclude(s, false, "no connection to %s within %u ms", s->peer, s->cfg->connect_timeout_ms);
	} else {
		probe_transcript_note(&s->transcript, "no complete reply within %u ms", s->cfg->reply_timeout_ms);
		conclude(s, false, "no complete reply to %s within %u ms", where, s->cfg->reply_timeout_ms);
	}
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	struct probe_session *s = handle->data;

	(void)suggested;
	*buf = uv_buf_init(s->read_buf, sizeof s->read_buf);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct probe_session *s = stream->data;
	char where[32];
	size_t used = 0;

	if (nread == 0 || s->step == STEP_DONE)
		return;
	describe_step(s, where, sizeof where);
	if (nread < 0) {
		s->connected = false;
		if (s->reply.len > 0)
			transcribe_reply(s);
		probe_transcript_note(&s->transcript, "%s",
		                      nread == UV_EOF ? "connection closed by the server" : uv_strerror((int)nread));
		conclude(s, false, "connection %s during %s", nread == UV_EOF ? "closed by the server" : "failed",
		         where);
		return;
	}
	switch (probe_reply_feed(&s->reply, buf->base, (size_t)nread, &used)) {
	case PROBE_FEED_MORE:
		return;
	case PROBE_FEED_DONE:
		transcribe_reply(s);
		if (used < (size_t)nread && s->step != STEP_QUIT) {
			probe_transcript_add(&s->transcript, "S: ", buf->base + used, (size_t)nread - used);
			probe_transcript_note(&s->transcript, "unasked-for bytes after the reply");
			conclude(s, false, "out of step: %zu bytes nobody asked for after the %s reply",
			         (size_t)nread - used, where);
			return;
		}
		handle_reply(s);
		return;
	case PROBE_FEED_TOO_LONG:
		transcribe_reply(s);
		probe_transcript_note(&s->transcript, "reply over %zu bytes: given up", s->cfg->max_reply_bytes);
		conclude(s, false, "reply to %s over %zu bytes", where, s->cfg->max_reply_bytes);
		return;
	case PROBE_FEED_GARBAGE:
		transcribe_reply(s);
		probe_transcript_note(&s->transcript, "not an SMTP reply");
		conclude(s, false, "not SMTP: garbage in the reply to %s", where);
		return;
	}
}

static void on_connect(uv_connect_t *req, int status)
{
	struct probe_session *s = req->data;

	if (s->step == STEP_DONE)
		return; /* cancelled: the timer ended the session */
	if (status < 0) {
		probe_transcript_note(&s->transcript, "connect failed: %s", uv_strerror(status));
		conclude(s, false, "connect to %s failed: %s", s->peer, uv_strerror(status));
		return;
	}
	s->connected = true;
	probe_transcript_note(&s->transcript, "connected");
	s->step = STEP_GREETING;
	int err = uv_read_start((uv_stream_t *)&s->tcp, on_alloc, on_read);
	if (err < 0) {
		conclude(s, false, "cannot read from %s: %s", s->peer, uv_strerror(err));
		return;
	}
	arm(s, s->cfg->reply_timeout_ms);
}

static void target_sockaddr(const probe_target_t *t, struct sockaddr_storage *ss)
{
	uint16_t port = htons(t->port ? t->port : 25);

	memset(ss, 0, sizeof *ss);
	if (t->addr.family == ADDR_V6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = port;
		memcpy(&sin6->sin6_addr, t->addr.b, 16);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = port;
		memcpy(&sin->sin_addr, t->addr.b, 4);
	}
}

int probe_session_start(struct probe_engine *e, const probe_target_t *target)
{
	uv_loop_t *loop = probe_engine_loop(e);
	struct probe_session *s = calloc(1, sizeof *s);
	struct sockaddr_storage ss;
	char text[ADDR_STRLEN];

	if (s == NULL)
		return RBL_ENOMEM;
	s->engine = e;
	s->cfg = probe_engine_config(e);
	s->target = target;
	s->first_relayed = -1;
	if (probe_reply_init(&s->reply, s->cfg->max_reply_bytes) != RBL_OK) {
		free(s);
		return RBL_ENOMEM;
	}
	probe_transcript_init(&s->transcript, s->cfg->max_transcript_bytes);
	addr_format(&target->addr, text);
	snprintf(s->peer, sizeof s->peer, target->addr.family == ADDR_V6 ? "[%s]:%u" : "%s:%u", text,
	         (unsigned)(target->port ? target->port : 25));
	probe_ip_literal(&target->addr, s->ip_literal);
	snprintf(s->server_name, sizeof s->server_name, "%s", s->ip_literal);
	s->started_ns = uv_hrtime();
	s->started_unix = (int64_t)time(NULL);
	s->deadline = uv_now(loop) + s->cfg->session_timeout_ms;

	/* Neither init can fail on Unix short of a bad loop; the handles then exist and must be closed. */
	uv_tcp_init(loop, &s->tcp);
	uv_timer_init(loop, &s->timer);
	s->tcp.data = s->timer.data = s->connect_req.data = s;
	s->open_handles = 2;
	s->step = STEP_CONNECT;
	probe_transcript_note(&s->transcript, "connecting to %s", s->peer);
	target_sockaddr(target, &ss);
	int err = uv_tcp_connect(&s->connect_req, &s->tcp, (const struct sockaddr *)&ss, on_connect);
	if (err < 0) {
		s->connect_error = err;
		uv_timer_start(&s->timer, on_timer, 0, 0);
		return RBL_OK;
	}
	arm(s, s->cfg->connect_timeout_ms);
	return RBL_OK;
}
