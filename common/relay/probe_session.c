/* SPDX-License-Identifier: BSD-2-Clause */
/* probe_session.c — one relay probe on the engine's loop: the connections, reads, writes and timers of the dialogue
 * that probe_battery.c conducts.
 *
 * A probe is one or more connections to the target (the battery asks for another when a server's session limits or
 * its hang-up call for one), each: connect -> the battery's commands, one at a time -> QUIT when polite -> close.
 * Between two connections the per-host gap is kept (counted from one connect to the next). One timer serves every
 * wait: the connect or reply timeout, capped by the connection's time limit (session_timeout_ms), and the gap.
 * One command is outstanding at a time (no pipelining), so any byte after a complete reply is out of step and ends
 * the probe. Writes go only through send_command(), which only writes probe_command_format() lines: no DATA, ever.
 * Of the session facts (probe.h) the battery reads the replies; the session adds the first connection's own: that it
 * was made, our address on it, and the times.
 */
#include "probe_internal.h"

#include "base/err.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define READ_CHUNK 4096

enum phase {
	PHASE_CONNECT, /* waiting for the connection */
	PHASE_TALK,    /* waiting for the reply the battery asked for */
	PHASE_QUIT,    /* QUIT sent: its reply, the server's close or the timeout ends the connection */
	PHASE_CLOSING, /* the connection's handle is closing */
	PHASE_GAP,     /* between connections */
	PHASE_DONE,    /* reported; the handles are closing */
};

struct probe_session {
	struct probe_batch *engine;
	const probe_config_t *cfg;
	const probe_target_t *target;
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_connect_t connect_req;
	enum phase phase;
	bool connected;      /* up, as far as we know: a QUIT is worth sending */
	bool reconnect;      /* what follows the connection's close: another connection, or the report */
	int connect_error;   /* uv_tcp_connect failed at once: handled from the timer, not inside the scheduler */
	uint64_t connect_at; /* loop time (ms) of the last connect */
	uint64_t connect_ns; /* the first connection's times (uv_hrtime): connect started, made, EHLO sent */
	uint64_t connected_ns;
	uint64_t ehlo_ns;
	uint64_t deadline;   /* loop time (ms) by which this connection must be over */
	struct probe_battery battery;
	struct probe_reply reply;
	struct probe_transcript transcript;
	char peer[ADDR_STRLEN + 8];
	uint64_t started_ns;
	int64_t started_unix;
	char read_buf[READ_CHUNK];
};

struct pending_write {
	uv_write_t req;
	struct probe_session *session;
	char line[PROBE_LINE_MAX];
};

static void on_timer(uv_timer_t *timer);
static void act(struct probe_session *s, const struct probe_action *a);
static void open_connection(struct probe_session *s);

static void arm(struct probe_session *s, unsigned timeout_ms)
{
	uint64_t now = uv_now(s->timer.loop);
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

static void on_timer_closed(uv_handle_t *handle)
{
	struct probe_session *s = handle->data;
	struct probe_batch *e = s->engine;

	probe_reply_free(&s->reply);
	probe_transcript_free(&s->transcript);
	free(s);
	probe_engine_session_closed(e);
}

static unsigned ms_between(uint64_t from_ns, uint64_t to_ns)
{
	return to_ns > from_ns ? (unsigned)((to_ns - from_ns) / 1000000u) : 0;
}

static void report(struct probe_session *s)
{
	struct probe_battery *b = &s->battery;

	probe_battery_stop(b, "ended");
	probe_transcript_note(&s->transcript, "verdict: %s: %s", probe_verdict_name(b->verdict), b->why);
	probe_result_t result = {
	        .verdict = b->verdict,
	        .form = b->first_relayed,
	        .form_name = probe_form_name(b->first_relayed),
	        .why = b->why,
	        .transcript = s->transcript.text ? s->transcript.text : "",
	        .transcript_len = s->transcript.len,
	        .started = s->started_unix,
	        .elapsed_ms = (unsigned)((uv_hrtime() - s->started_ns) / 1000000u),
	        .connections = b->connections,
	        .data_sent = false,
	        .relayed_forms = probe_battery_relayed_forms(b),
	        .facts = b->facts,
	};
	for (int i = 0; i < PROBE_FORM_COUNT; i++)
		result.outcome[i] = (uint8_t)b->outcome[i];
	probe_engine_report(s->engine, s->target, &result);
}

/* The connection's handle is closed: the next connection after the gap, or the report and the end. */
static void on_tcp_closed(uv_handle_t *handle)
{
	struct probe_session *s = handle->data;

	if (s->reconnect) {
		uint64_t now = uv_now(s->timer.loop), due = s->connect_at + s->cfg->per_host_gap_ms;
		s->phase = PHASE_GAP;
		uv_timer_start(&s->timer, on_timer, due > now ? due - now : 0, 0);
		return;
	}
	s->phase = PHASE_DONE;
	report(s);
	uv_close((uv_handle_t *)&s->timer, on_timer_closed);
}

static void close_connection(struct probe_session *s)
{
	if (s->phase == PHASE_CLOSING || s->phase == PHASE_GAP || s->phase == PHASE_DONE)
		return;
	s->phase = PHASE_CLOSING;
	s->connected = false;
	uv_timer_stop(&s->timer);
	uv_read_stop((uv_stream_t *)&s->tcp);
	uv_close((uv_handle_t *)&s->tcp, on_tcp_closed);
}

static void on_write(uv_write_t *req, int status)
{
	struct pending_write *w = (struct pending_write *)req;
	struct probe_session *s = w->session;

	free(w);
	if (status >= 0 || status == UV_ECANCELED)
		return;
	probe_transcript_note(&s->transcript, "write failed: %s", uv_strerror(status));
	s->connected = false;
	if (s->phase == PHASE_TALK) {
		char what[64];
		struct probe_action a;
		snprintf(what, sizeof what, "write failed (%s)", uv_strerror(status));
		probe_battery_lost(&s->battery, what, true, &a);
		act(s, &a);
	} else {
		close_connection(s);
	}
}

/* Writes one command line; false if it could not be sent (the probe then ends, or the connection does). */
static bool send_command(struct probe_session *s, enum probe_command cmd, const char *arg)
{
	struct pending_write *w = malloc(sizeof *w);
	int n = w ? probe_command_format(cmd, arg, w->line) : RBL_ENOMEM;

	if (n < 0) {
		free(w);
		probe_battery_stop(&s->battery, "cannot send %s: %s", probe_command_verb(cmd), rbl_strerror(n));
		return false;
	}
	probe_transcript_add(&s->transcript, "C: ", w->line, (size_t)n - 2);
	w->session = s;
	if (cmd == PROBE_CMD_EHLO && s->battery.connections == 1)
		s->ehlo_ns = uv_hrtime();
	uv_buf_t buf = uv_buf_init(w->line, (unsigned)n);
	int err = uv_write(&w->req, (uv_stream_t *)&s->tcp, &buf, 1, on_write);
	if (err < 0) {
		free(w);
		s->connected = false;
		probe_transcript_note(&s->transcript, "write failed: %s", uv_strerror(err));
		probe_battery_stop(&s->battery, "write failed: %s", uv_strerror(err));
		return false;
	}
	probe_reply_reset(&s->reply);
	arm(s, s->cfg->reply_timeout_ms);
	return true;
}

/* Ends the connection, with a QUIT first when polite and still connected. */
static void end_connection(struct probe_session *s, bool polite, bool reconnect)
{
	s->reconnect = reconnect;
	if (polite && s->connected && s->phase == PHASE_TALK) {
		s->phase = PHASE_QUIT;
		if (send_command(s, PROBE_CMD_QUIT, NULL))
			return;
		s->reconnect = false; /* the probe is over: probe_battery_stop has the reason */
	}
	close_connection(s);
}

static void act(struct probe_session *s, const struct probe_action *a)
{
	switch (a->kind) {
	case PROBE_ACT_SEND:
		if (!send_command(s, a->cmd, a->arg))
			end_connection(s, false, false);
		return;
	case PROBE_ACT_RECONNECT:
		end_connection(s, a->polite, true);
		return;
	case PROBE_ACT_FINISH:
		end_connection(s, a->polite, false);
		return;
	}
}

static void lost(struct probe_session *s, const char *what, bool retryable)
{
	struct probe_action a;

	if (s->phase != PHASE_TALK) {
		close_connection(s);
		return;
	}
	probe_battery_lost(&s->battery, what, retryable, &a);
	act(s, &a);
}

static void on_timer(uv_timer_t *timer)
{
	struct probe_session *s = timer->data;
	char what[96];

	switch (s->phase) {
	case PHASE_GAP:
		open_connection(s);
		return;
	case PHASE_CONNECT:
		if (s->connect_error != 0) {
			probe_transcript_note(&s->transcript, "connect failed: %s", uv_strerror(s->connect_error));
			probe_battery_stop(&s->battery, "connect to %s failed: %s", s->peer,
			                   uv_strerror(s->connect_error));
		} else {
			probe_transcript_note(&s->transcript, "no connection within %u ms", s->cfg->connect_timeout_ms);
			probe_battery_stop(&s->battery, "no connection to %s within %u ms", s->peer,
			                   s->cfg->connect_timeout_ms);
		}
		s->reconnect = false;
		close_connection(s);
		return;
	case PHASE_TALK:
		if (s->reply.len > 0)
			transcribe_reply(s);
		if (uv_now(timer->loop) >= s->deadline) {
			probe_transcript_note(&s->transcript, "connection time limit reached (%u ms)",
			                      s->cfg->session_timeout_ms);
			snprintf(what, sizeof what, "connection time limit (%u ms) reached",
			         s->cfg->session_timeout_ms);
		} else {
			probe_transcript_note(&s->transcript, "no complete reply within %u ms",
			                      s->cfg->reply_timeout_ms);
			snprintf(what, sizeof what, "no complete reply within %u ms", s->cfg->reply_timeout_ms);
		}
		lost(s, what, false);
		return;
	case PHASE_QUIT:
		close_connection(s);
		return;
	case PHASE_CLOSING:
	case PHASE_DONE:
		return;
	}
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	struct probe_session *s = handle->data;

	(void)suggested;
	*buf = uv_buf_init(s->read_buf, sizeof s->read_buf);
}

/* A complete reply of the first connection's greeting or EHLO: how long the server took. */
static void note_reply_time(struct probe_session *s)
{
	probe_session_facts_t *f = &s->battery.facts;

	if (s->battery.connections != 1)
		return;
	if (s->battery.step == PROBE_STEP_GREETING)
		f->greeting_ms = ms_between(s->connected_ns, uv_hrtime());
	else if (s->battery.step == PROBE_STEP_EHLO)
		f->ehlo_ms = ms_between(s->ehlo_ns, uv_hrtime());
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct probe_session *s = stream->data;
	size_t used = 0;
	char what[160];

	if (nread == 0 || (s->phase != PHASE_TALK && s->phase != PHASE_QUIT))
		return;
	if (nread < 0) {
		s->connected = false;
		if (s->reply.len > 0)
			transcribe_reply(s);
		snprintf(what, sizeof what, "%s",
		         nread == UV_EOF ? "connection closed by the server" : uv_strerror((int)nread));
		probe_transcript_note(&s->transcript, "%s", what);
		lost(s, what, true);
		return;
	}
	switch (probe_reply_feed(&s->reply, buf->base, (size_t)nread, &used)) {
	case PROBE_FEED_MORE:
		return;
	case PROBE_FEED_DONE:
		transcribe_reply(s);
		if (s->phase == PHASE_QUIT) {
			close_connection(s);
			return;
		}
		if (used < (size_t)nread) {
			probe_transcript_add(&s->transcript, "S: ", buf->base + used, (size_t)nread - used);
			probe_transcript_note(&s->transcript, "unasked-for bytes after the reply");
			snprintf(what, sizeof what, "out of step: %zu bytes nobody asked for after the reply",
			         (size_t)nread - used);
			lost(s, what, false);
			return;
		}
		struct probe_action a;
		note_reply_time(s);
		probe_battery_reply(&s->battery, s->reply.code, s->reply.text, &a);
		act(s, &a);
		return;
	case PROBE_FEED_TOO_LONG:
		transcribe_reply(s);
		probe_transcript_note(&s->transcript, "reply over %zu bytes: given up", s->cfg->max_reply_bytes);
		snprintf(what, sizeof what, "a reply over %zu bytes", s->cfg->max_reply_bytes);
		lost(s, what, false);
		return;
	case PROBE_FEED_GARBAGE:
		transcribe_reply(s);
		probe_transcript_note(&s->transcript, "not an SMTP reply");
		lost(s, "not SMTP: garbage in the reply", false);
		return;
	}
}

/* Our own address on a connection, as the server sees it (unless a NAT is in between). */
static void local_address(struct probe_session *s, probe_session_facts_t *f)
{
	struct sockaddr_storage ss;
	int len = sizeof ss;
	static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (uv_tcp_getsockname(&s->tcp, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
		f->local_addr.family = ADDR_V4;
		memcpy(f->local_addr.b, &sin->sin_addr, 4);
		f->local_port = ntohs(sin->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss;
		const uint8_t *b = (const uint8_t *)&sin6->sin6_addr;
		bool mapped = memcmp(b, v4_mapped, sizeof v4_mapped) == 0;
		f->local_addr.family = mapped ? ADDR_V4 : ADDR_V6;
		memcpy(f->local_addr.b, mapped ? b + 12 : b, mapped ? 4 : 16);
		f->local_port = ntohs(sin6->sin6_port);
	}
}

static void first_connection_facts(struct probe_session *s)
{
	probe_session_facts_t *f = &s->battery.facts;

	s->connected_ns = uv_hrtime();
	f->connected = true;
	f->connect_ms = ms_between(s->connect_ns, s->connected_ns);
	local_address(s, f);
}

static void on_connect(uv_connect_t *req, int status)
{
	struct probe_session *s = req->data;

	if (s->phase != PHASE_CONNECT)
		return; /* cancelled: the timer ended the connection */
	if (status < 0) {
		probe_transcript_note(&s->transcript, "connect failed: %s", uv_strerror(status));
		probe_battery_stop(&s->battery, "connect to %s failed: %s", s->peer, uv_strerror(status));
		s->reconnect = false;
		close_connection(s);
		return;
	}
	s->connected = true;
	probe_transcript_note(&s->transcript, "connected");
	if (s->battery.connections == 0)
		first_connection_facts(s);
	probe_battery_connected(&s->battery);
	s->phase = PHASE_TALK;
	probe_reply_reset(&s->reply);
	int err = uv_read_start((uv_stream_t *)&s->tcp, on_alloc, on_read);
	if (err < 0) {
		probe_battery_stop(&s->battery, "cannot read from %s: %s", s->peer, uv_strerror(err));
		s->reconnect = false;
		close_connection(s);
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

static void open_connection(struct probe_session *s)
{
	uv_loop_t *loop = s->timer.loop;
	struct sockaddr_storage ss;

	/* Cannot fail on Unix short of a bad loop; the handle then exists and must be closed. */
	uv_tcp_init(loop, &s->tcp);
	s->tcp.data = s->connect_req.data = s;
	s->phase = PHASE_CONNECT;
	s->connect_error = 0;
	s->connect_at = uv_now(loop);
	if (s->battery.connections == 0)
		s->connect_ns = uv_hrtime();
	s->deadline = s->connect_at + s->cfg->session_timeout_ms;
	probe_transcript_note(&s->transcript, "connection %u to %s", s->battery.connections + 1, s->peer);
	target_sockaddr(s->target, &ss);
	int err = uv_tcp_connect(&s->connect_req, &s->tcp, (const struct sockaddr *)&ss, on_connect);
	if (err < 0) {
		s->connect_error = err;
		uv_timer_start(&s->timer, on_timer, 0, 0);
		return;
	}
	arm(s, s->cfg->connect_timeout_ms);
}

int probe_session_start(struct probe_batch *e, const probe_target_t *target)
{
	uv_loop_t *loop = probe_engine_loop(e);
	struct probe_session *s = calloc(1, sizeof *s);
	char text[ADDR_STRLEN];

	if (s == NULL)
		return RBL_ENOMEM;
	s->engine = e;
	s->cfg = probe_engine_config(e);
	s->target = target;
	if (probe_reply_init(&s->reply, s->cfg->max_reply_bytes) != RBL_OK) {
		free(s);
		return RBL_ENOMEM;
	}
	probe_transcript_init(&s->transcript, s->cfg->max_transcript_bytes);
	addr_format(&target->addr, text);
	snprintf(s->peer, sizeof s->peer, target->addr.family == ADDR_V6 ? "[%s]:%u" : "%s:%u", text,
	         (unsigned)(target->port ? target->port : 25));
	s->started_ns = uv_hrtime();
	s->started_unix = (int64_t)time(NULL);
	/* The control recipients' local parts: unguessable enough that no real mailbox has one. */
	uint32_t nonce = (uint32_t)(s->started_ns ^ (s->started_ns >> 32));
	for (size_t i = 0; i < 16; i++)
		nonce = nonce * 31u + target->addr.b[i];
	probe_battery_init(&s->battery, s->cfg, &target->addr, nonce, &s->transcript);
	uv_timer_init(loop, &s->timer);
	s->timer.data = s;
	open_connection(s);
	return RBL_OK;
}
