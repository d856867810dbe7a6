/* SPDX-License-Identifier: BSD-2-Clause */
/* test_probe_loop.c — probes on the caller's loop (probe_start) against a fake SMTP server that runs on that same
 * loop, through the public header only: the batch's callbacks and its end, the SIGPIPE hold, the session facts the
 * self-test reads (our address, the banner, the EHLO keywords, the times), and all_forms over real sockets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/err.h"
#include "relay/probe.h"

/* --- a fake SMTP server on the test's loop ------------------------------------------------------------------ */

#define FAKE_NAME "fake.loop.test"
#define EXTERNAL_RCPT "<relay-check@relay-test.example>"

struct fake_server {
	uv_tcp_t listener;
	uint16_t port;
	unsigned greeting_delay_ms; /* before the greeting */
	unsigned ehlo_delay_ms;     /* before the EHLO reply */
	const char *ehlo_reply;     /* the whole EHLO reply, CRLFs included */
	bool relays;                /* RCPT TO:EXTERNAL_RCPT is accepted; every other recipient is refused */
	unsigned connections;
};

struct fake_conn {
	uv_tcp_t tcp;
	uv_timer_t delay;
	struct fake_server *server;
	int handles; /* open handles: freed at 0 */
	bool quit;
	size_t len;
	char line[1024];
	char pending[1024]; /* what the delay timer sends */
};

struct fake_write {
	uv_write_t req;
	struct fake_conn *conn;
	bool close_after;
	char bytes[];
};

static void fake_conn_handle_closed(uv_handle_t *handle)
{
	struct fake_conn *c = handle->data;
	if (--c->handles == 0)
		free(c);
}

static void fake_conn_close(struct fake_conn *c)
{
	if (uv_is_closing((uv_handle_t *)&c->tcp))
		return;
	uv_close((uv_handle_t *)&c->tcp, fake_conn_handle_closed);
	uv_close((uv_handle_t *)&c->delay, fake_conn_handle_closed);
}

static void fake_written(uv_write_t *req, int status)
{
	struct fake_write *w = (struct fake_write *)req;
	(void)status;
	if (w->close_after)
		fake_conn_close(w->conn);
	free(w);
}

static void fake_send(struct fake_conn *c, const char *text, bool close_after)
{
	size_t n = strlen(text);
	struct fake_write *w = malloc(sizeof *w + n);
	assert_non_null(w);
	memcpy(w->bytes, text, n);
	w->conn = c;
	w->close_after = close_after;
	uv_buf_t buf = uv_buf_init(w->bytes, (unsigned)n);
	if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, fake_written) != 0) {
		free(w);
		fake_conn_close(c);
	}
}

static void fake_delayed(uv_timer_t *timer)
{
	struct fake_conn *c = timer->data;
	fake_send(c, c->pending, false);
}

static void fake_send_later(struct fake_conn *c, const char *text, unsigned delay_ms)
{
	if (delay_ms == 0) {
		fake_send(c, text, false);
		return;
	}
	snprintf(c->pending, sizeof c->pending, "%s", text);
	uv_timer_start(&c->delay, fake_delayed, delay_ms, 0);
}

static void fake_command(struct fake_conn *c, const char *line)
{
	struct fake_server *s = c->server;

	if (strncasecmp(line, "EHLO ", 5) == 0)
		fake_send_later(c, s->ehlo_reply, s->ehlo_delay_ms);
	else if (strncasecmp(line, "HELO ", 5) == 0 || strncasecmp(line, "MAIL FROM:", 10) == 0)
		fake_send(c, "250 2.1.0 Ok\r\n", false);
	else if (strcasecmp(line, "RSET") == 0)
		fake_send(c, "250 2.0.0 Ok\r\n", false);
	else if (strncasecmp(line, "RCPT TO:", 8) == 0 && s->relays && strcmp(line + 8, EXTERNAL_RCPT) == 0)
		fake_send(c, "250 2.1.5 Ok\r\n", false);
	else if (strncasecmp(line, "RCPT TO:", 8) == 0)
		fake_send(c, "554 5.7.1 Relay access denied\r\n", false);
	else if (strcasecmp(line, "QUIT") == 0)
		fake_send(c, "221 2.0.0 Bye\r\n", true);
	else
		fake_send(c, "502 5.5.2 Error: command not recognized\r\n", false);
}

static void fake_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	static char chunk[4096];
	(void)handle;
	(void)suggested;
	*buf = uv_buf_init(chunk, sizeof chunk);
}

static void fake_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct fake_conn *c = stream->data;

	if (nread < 0) {
		fake_conn_close(c);
		return;
	}
	for (ssize_t i = 0; i < nread; i++) {
		char ch = buf->base[i];
		if (ch == '\n') {
			c->line[c->len - (c->len > 0 && c->line[c->len - 1] == '\r')] = '\0';
			c->len = 0;
			fake_command(c, c->line);
		} else if (c->len < sizeof c->line - 1) {
			c->line[c->len++] = ch;
		}
	}
}

static void fake_accept(uv_stream_t *listener, int status)
{
	struct fake_server *s = listener->data;
	struct fake_conn *c = calloc(1, sizeof *c);

	assert_int_equal(status, 0);
	assert_non_null(c);
	c->server = s;
	c->handles = 2;
	uv_tcp_init(listener->loop, &c->tcp);
	uv_timer_init(listener->loop, &c->delay);
	c->tcp.data = c->delay.data = c;
	assert_int_equal(uv_accept(listener, (uv_stream_t *)&c->tcp), 0);
	s->connections++;
	uv_read_start((uv_stream_t *)&c->tcp, fake_alloc, fake_read);
	fake_send_later(c, "220 " FAKE_NAME " ESMTP ready\r\n", s->greeting_delay_ms);
}

static const char plain_ehlo[] = "250-" FAKE_NAME " Hello\r\n250-PIPELINING\r\n250 8BITMIME\r\n";

static void fake_listen(uv_loop_t *loop, struct fake_server *s)
{
	struct sockaddr_in sin;
	struct sockaddr_storage bound;
	int len = sizeof bound;

	if (s->ehlo_reply == NULL)
		s->ehlo_reply = plain_ehlo;
	uv_ip4_addr("127.0.0.1", 0, &sin);
	assert_int_equal(uv_tcp_init(loop, &s->listener), 0);
	s->listener.data = s;
	assert_int_equal(uv_tcp_bind(&s->listener, (const struct sockaddr *)&sin, 0), 0);
	assert_int_equal(uv_listen((uv_stream_t *)&s->listener, 16, fake_accept), 0);
	assert_int_equal(uv_tcp_getsockname(&s->listener, (struct sockaddr *)&bound, &len), 0);
	s->port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
}

/* --- the caller ------------------------------------------------------------------------------------------------ */

struct caller {
	struct fake_server *server;
	probe_batch_t *batch;
	unsigned done, finished;
	bool finished_after_every_done;
	bool sigpipe_blocked_in_done;
	size_t reported_seen[8];
	probe_result_t result; /* the last one (its transcript and why pointers are not kept) */
	uv_timer_t ticker;     /* the caller's own work on the loop */
	unsigned ticks, ticks_while_probing;
};

static bool sigpipe_blocked(void)
{
	sigset_t mask;
	assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &mask), 0);
	return sigismember(&mask, SIGPIPE);
}

static void on_done(void *ctx, const probe_target_t *target, const probe_result_t *result)
{
	struct caller *c = ctx;
	(void)target;
	if (c->done < 8)
		c->reported_seen[c->done] = probe_batch_reported(c->batch);
	c->done++;
	c->result = *result;
	c->result.transcript = NULL;
	c->result.why = NULL;
	c->sigpipe_blocked_in_done = sigpipe_blocked();
	assert_false(result->data_sent);
}

static void on_finished(void *ctx, probe_batch_t *batch)
{
	struct caller *c = ctx;
	assert_ptr_equal(batch, c->batch);
	assert_true(probe_batch_finished(batch));
	c->finished++;
	c->finished_after_every_done = c->done == probe_batch_count(batch);
	uv_close((uv_handle_t *)&c->server->listener, NULL);
	uv_timer_stop(&c->ticker);
}

static void on_tick(uv_timer_t *timer)
{
	struct caller *c = timer->data;
	c->ticks++;
	c->ticks_while_probing += c->finished == 0;
}

static void run_probes(struct caller *c, probe_config_t *cfg, probe_target_t *targets, size_t count)
{
	uv_loop_t loop;

	assert_int_equal(uv_loop_init(&loop), 0);
	fake_listen(&loop, c->server);
	for (size_t i = 0; i < count; i++) {
		assert_int_equal(addr_parse("127.0.0.1", &targets[i].addr), RBL_OK);
		targets[i].port = c->server->port;
	}
	uv_timer_init(&loop, &c->ticker);
	c->ticker.data = c;
	uv_timer_start(&c->ticker, on_tick, 5, 5);
	assert_int_equal(probe_start(&loop, cfg, targets, count, on_done, on_finished, c, &c->batch), RBL_OK);
	/* Started, nothing called back yet; SIGPIPE held from here on. */
	assert_int_equal(c->done, 0);
	assert_false(probe_batch_finished(c->batch));
	assert_int_equal(probe_batch_free(c->batch), RBL_EBUSY);
	assert_true(sigpipe_blocked());
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&c->ticker, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(c->finished, 1);
	assert_true(c->finished_after_every_done);
	assert_int_equal(probe_batch_reported(c->batch), count);
	assert_true(sigpipe_blocked());
	assert_int_equal(probe_batch_free(c->batch), RBL_OK);
	assert_false(sigpipe_blocked());
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void quick_config(probe_config_t *cfg)
{
	probe_config_default(cfg);
	cfg->per_host_gap_ms = 0;
	cfg->reply_timeout_ms = 5000;
}

/* A loopback port nobody listens on (bound, then closed). */
static uint16_t dead_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

/* --- the tests ----------------------------------------------------------------------------------------------- */

static void test_probes_run_beside_the_callers_timer_and_the_batch_ends_once(void **state)
{
	struct fake_server server = {.greeting_delay_ms = 60};
	struct caller c = {.server = &server};
	probe_config_t cfg;
	probe_target_t targets[3] = {0};
	(void)state;
	quick_config(&cfg);
	run_probes(&c, &cfg, targets, 3);
	assert_int_equal(c.done, 3);
	assert_int_equal(server.connections, 3 * 3); /* a closed server's 16 forms take 3 connections */
	/* done is called after the count moves: 1, 2, 3 reported. */
	assert_int_equal(c.reported_seen[0], 1);
	assert_int_equal(c.reported_seen[2], 3);
	assert_true(c.sigpipe_blocked_in_done);
	assert_int_equal(c.result.verdict, PROBE_CLOSED);
	/* The caller's timer ran while the greetings were late. */
	assert_true(c.ticks_while_probing >= 3);
}

static void test_the_facts_of_the_first_connection(void **state)
{
	struct fake_server server = {
	        .greeting_delay_ms = 80,
	        .ehlo_delay_ms = 40,
	        .ehlo_reply = "250-" FAKE_NAME " Hello probe.rbl.example [127.0.0.1]\r\n250-SIZE 10240000\r\n"
	                      "250-starttls\r\n250-AUTH PLAIN LOGIN\r\n250-PIPELINING\r\n250 8BITMIME\r\n",
	};
	struct caller c = {.server = &server};
	probe_config_t cfg;
	probe_target_t target = {0};
	char local[ADDR_STRLEN];
	(void)state;
	quick_config(&cfg);
	run_probes(&c, &cfg, &target, 1);
	const probe_session_facts_t *f = &c.result.facts;
	assert_true(f->connected);
	addr_format(&f->local_addr, local);
	assert_string_equal(local, "127.0.0.1");
	assert_true(f->local_port != 0 && f->local_port != server.port);
	assert_int_equal(f->greeting_code, 220);
	assert_string_equal(f->greeting, FAKE_NAME " ESMTP ready");
	assert_string_equal(f->banner_name, FAKE_NAME);
	assert_true(f->greeting_ms >= 70 && f->greeting_ms < 2000);
	assert_int_equal(f->ehlo_code, 250);
	assert_true(f->ehlo_ok);
	assert_string_equal(f->ehlo_name, FAKE_NAME);
	assert_true(f->ehlo_ms >= 30 && f->ehlo_ms < 2000);
	assert_true(f->starttls);
	assert_true(f->pipelining);
	assert_true(f->auth);
	assert_string_equal(f->auth_mechanisms, "PLAIN LOGIN");
	assert_true(f->has_size);
	assert_int_equal(f->size_limit, 10240000);
	assert_true(f->connect_ms < 2000);
	assert_int_equal(c.result.verdict, PROBE_CLOSED);
	assert_int_equal(c.result.relayed_forms, 0);
	for (int i = 0; i < PROBE_FORM_COUNT; i++)
		assert_int_equal(c.result.outcome[i], PROBE_FORM_REFUSED);
}

static void test_a_target_never_reached_has_no_facts(void **state)
{
	probe_config_t cfg;
	probe_target_t target = {.port = dead_port()};
	(void)state;
	assert_int_equal(addr_parse("127.0.0.1", &target.addr), RBL_OK);
	quick_config(&cfg);
	struct caller c = {0};
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(probe_start(&loop, &cfg, &target, 1, on_done, NULL, &c, &c.batch), RBL_OK);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_true(probe_batch_finished(c.batch));
	assert_int_equal(probe_batch_free(c.batch), RBL_OK);
	assert_int_equal(uv_loop_close(&loop), 0);
	assert_int_equal(c.done, 1);
	assert_int_equal(c.result.verdict, PROBE_INCONCLUSIVE);
	assert_false(c.result.facts.connected);
	assert_int_equal(c.result.facts.local_addr.family, 0);
	assert_int_equal(c.result.facts.greeting_code, 0);
	assert_string_equal(c.result.facts.greeting, "");
}

static void test_all_forms_over_sockets_reports_every_relayed_form(void **state)
{
	probe_config_t cfg;
	(void)state;
	quick_config(&cfg);
	for (int all = 0; all <= 1; all++) {
		struct fake_server server = {.relays = true};
		struct caller c = {.server = &server};
		probe_target_t target = {0};
		cfg.all_forms = all;
		run_probes(&c, &cfg, &target, 1);
		assert_int_equal(c.result.verdict, PROBE_OPEN);
		assert_int_equal(c.result.form, 0);
		assert_string_equal(c.result.form_name, "null sender");
		if (!all) {
			assert_int_equal(c.result.relayed_forms, 1u);
			assert_int_equal(c.result.connections, 1);
			assert_int_equal(c.result.outcome[0], PROBE_FORM_RELAYED);
			for (int i = 1; i < PROBE_FORM_COUNT; i++)
				assert_int_equal(c.result.outcome[i], PROBE_FORM_UNTRIED);
			continue;
		}
		/* Forms 0..3 go to the external recipient; the rest route through the server, which refuses them. */
		assert_int_equal(c.result.relayed_forms, 0xfu);
		assert_int_equal(c.result.connections, 3);
		assert_int_equal(server.connections, 3);
		for (int i = 0; i < PROBE_FORM_COUNT; i++)
			assert_int_equal(c.result.outcome[i], i < 4 ? PROBE_FORM_RELAYED : PROBE_FORM_REFUSED);
	}
}

static void on_done_count(void *ctx, const probe_target_t *target, const probe_result_t *result)
{
	(void)target;
	(void)result;
	(*(unsigned *)ctx)++;
}

static void test_overlapping_batches_share_the_sigpipe_hold(void **state)
{
	probe_config_t cfg;
	probe_target_t target = {.port = dead_port()};
	probe_batch_t *first = NULL, *second = NULL;
	unsigned done = 0;
	uv_loop_t loop;
	(void)state;
	assert_int_equal(addr_parse("127.0.0.1", &target.addr), RBL_OK);
	quick_config(&cfg);
	assert_false(sigpipe_blocked());
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(probe_start(&loop, &cfg, &target, 1, on_done_count, NULL, &done, &first), RBL_OK);
	assert_int_equal(probe_start(&loop, &cfg, &target, 1, on_done_count, NULL, &done, &second), RBL_OK);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(done, 2);
	assert_int_equal(probe_batch_free(first), RBL_OK);
	assert_true(sigpipe_blocked());
	assert_int_equal(probe_batch_free(second), RBL_OK);
	assert_false(sigpipe_blocked());
	assert_int_equal(probe_batch_free(NULL), RBL_OK);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_probe_start_refuses_what_probe_run_refuses_and_holds_nothing(void **state)
{
	probe_config_t cfg;
	probe_target_t target = {.port = 25};
	probe_batch_t *batch = NULL;
	unsigned done = 0;
	uv_loop_t loop;
	(void)state;
	assert_int_equal(addr_parse("127.0.0.1", &target.addr), RBL_OK);
	assert_int_equal(uv_loop_init(&loop), 0);
	probe_config_default(&cfg);
	assert_int_equal(probe_start(NULL, &cfg, &target, 1, on_done_count, NULL, &done, &batch), RBL_EINVAL);
	assert_int_equal(probe_start(&loop, &cfg, &target, 1, on_done_count, NULL, &done, NULL), RBL_EINVAL);
	assert_int_equal(probe_start(&loop, &cfg, &target, 1, NULL, NULL, &done, &batch), RBL_EINVAL);
	cfg.max_reply_bytes = 10;
	assert_int_equal(probe_start(&loop, &cfg, &target, 1, on_done_count, NULL, &done, &batch), RBL_ERANGE);
	probe_config_default(&cfg);
	target.addr.family = 0;
	assert_int_equal(probe_start(&loop, &cfg, &target, 1, on_done_count, NULL, &done, &batch), RBL_EINVAL);
	assert_null(batch);
	assert_false(sigpipe_blocked());
	/* No targets: a batch that finishes on the loop's first turn. */
	assert_int_equal(probe_start(&loop, &cfg, NULL, 0, on_done_count, NULL, &done, &batch), RBL_OK);
	assert_false(probe_batch_finished(batch));
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_true(probe_batch_finished(batch));
	assert_int_equal(probe_batch_free(batch), RBL_OK);
	assert_int_equal(done, 0);
	assert_false(sigpipe_blocked());
	assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_probes_run_beside_the_callers_timer_and_the_batch_ends_once),
	        cmocka_unit_test(test_the_facts_of_the_first_connection),
	        cmocka_unit_test(test_a_target_never_reached_has_no_facts),
	        cmocka_unit_test(test_all_forms_over_sockets_reports_every_relayed_form),
	        cmocka_unit_test(test_overlapping_batches_share_the_sigpipe_hold),
	        cmocka_unit_test(test_probe_start_refuses_what_probe_run_refuses_and_holds_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
