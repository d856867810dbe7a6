/* SPDX-License-Identifier: BSD-2-Clause */
/* test_probe_battery_edges.c — the relay battery (probe_battery.c) at its edges, driven without sockets through
 * battery_script.h: STARTTLS, greetings and EHLO, lost connections, the verdict rules (probe_decide) and the replies
 * that end a session, and the bugs once found there. test_probe_battery.c has the dialogues with whole servers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "relay/probe.h"
#include "probe_internal.h"

#include "battery_script.h"

/* --- STARTTLS, greetings, EHLO ------------------------------------------------------------------------------ */

static void server_wants_tls_at_mail(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_base(r, cmd, arg, out);
	if (cmd == PROBE_CMD_MAIL)
		say(out, 530, "5.7.0 Must issue a STARTTLS command first");
}

static void test_starttls_required_at_mail_is_inconclusive_and_polite(void **state)
{
	struct run *r = new_run(server_wants_tls_at_mail, NULL);
	(void)state;
	run_and_check(r);
	assert_int_equal(r->verdict, PROBE_INCONCLUSIVE);
	assert_true(r->polite);
	assert_int_equal(r->conns, 1);
	assert_int_equal(count_cmds(r, PROBE_CMD_MAIL), 1);
	assert_int_equal(count_cmds(r, PROBE_CMD_RCPT), 0);
	assert_int_equal(r->b.outcome[0], PROBE_FORM_DEFERRED);
	assert_non_null(strstr(r->why, "STARTTLS required at MAIL of form 0 on connection 1"));
	assert_non_null(strstr(r->why, "530 5.7.0 Must issue a STARTTLS command first"));
	free_run(r);
}

struct greeting {
	unsigned on_conn; /* the connection that gets it */
	int code;
	const char *text;
	bool ends;
};

static void server_with_greeting(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	const struct greeting *g = r->user;

	server_base(r, cmd, arg, out);
	if (cmd == CMD_GREETING && r->conns == g->on_conn) {
		say(out, g->code, "%s", g->text);
		out->ends = g->ends;
	}
}

static void test_a_5xx_greeting_on_the_first_connection_refuses_every_form(void **state)
{
	struct greeting g = {1, 554, "5.7.1 Service unavailable; client host blocked using zen.spamhaus.org", false};
	struct run *r = new_run(server_with_greeting, &g);
	(void)state;
	run_and_check(r);
	assert_int_equal(r->verdict, PROBE_CLOSED);
	assert_int_equal(r->conns, 1);
	assert_int_equal(r->conn[0].n, 0);
	for (int i = 0; i < PROBE_FORM_COUNT; i++)
		assert_int_equal(r->b.outcome[i], PROBE_FORM_REFUSED);
	assert_true(r->polite);
	assert_non_null(strstr(r->why, "greeting refused, so is every form: '554 5.7.1 Service unavailable"));
	free_run(r);
}

static void test_a_too_many_connections_greeting_is_inconclusive(void **state)
{
	struct greeting g = {1, 554, "5.7.0 Too many connections from your host", true};
	struct run *r = new_run(server_with_greeting, &g);
	(void)state;
	run_and_check(r);
	assert_int_equal(r->verdict, PROBE_INCONCLUSIVE);
	assert_int_equal(r->conns, 1);
	assert_int_equal(r->conn[0].n, 0);
	assert_false(r->polite);
	assert_non_null(strstr(r->why, "greeting answered '554 5.7.0 Too many connections"));
	free_run(r);
}

static void test_a_4xx_greeting_is_inconclusive(void **state)
{
	struct greeting g421 = {1, 421, "4.7.0 mx.example.org Try again later", true};
	struct greeting g450 = {1, 450, "4.3.2 Service temporarily unavailable", false};
	(void)state;

	struct run *r = new_run(server_with_greeting, &g421);
	run_and_check(r);
	assert_int_equal(r->verdict, PROBE_INCONCLUSIVE);
	assert_int_equal(r->conn[0].n, 0);
	assert_false(r->polite);
	assert_non_null(strstr(r->why, "greeting answered '421 4.7.0"));
	free_run(r);

	r = new_run(server_with_greeting, &g450);
	run_and_check(r);
	assert_int_equal(r->verdict, PROBE_INCONCLUSIVE);
	assert_int_equal(r->conn[0].n, 0);
	assert_true(r->polite);
	assert_non_null(strstr(r->why, "greeting answered '450 4.3.2"));
	free_run(r);
}

static void test_a_5xx_greeting_on_a_later_connection_is_inconclusive(void **state)
{
	struct greeting g = {2, 554, "5.7.1 Service unavailable", false};
	struct run *r = new_run(server_with_greeting, &g);
	(void)state;
	run_and_check(r);
	assert_int_equal(r->conns, 2);
	assert_int_equal(r->conn[1].n, 0);
	assert_int_equal(r->verdict, PROBE_INCONCLUSIVE);
	for (int i = 0; i < PROBE_FORMS_PER_CONNECTION; i++)
		assert_int_equal(r->b.outcome[i], PROBE_FORM_REFUSED);
	assert_int_equal(r->b.outcome[PROBE_FORMS_PER_CONNECTION], PROBE_FORM_UNTRIED);
	assert_non_null(strstr(r->why, "greeting on connection 2 answered '554 5.7.1"));
	free_run(r);
}

static void server_without_ehlo(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_base(r, cmd, arg, out);
	if (cmd == PROBE_CMD_EHLO)
		say(out, 502, "5.5.2 Error: command not recognized");
}

static void test_ehlo_502_falls_back_to_helo_and_the_battery_goes_on(void **state)
{
	struct run *r = new_run(server_without_ehlo, NULL);
	(void)state;
	run_and_check(r);
	for (unsigned i = 0; i < r->conns; i++) {
		assert_true(r->conn[i].n >= 3);
		assert_int_equal(r->conn[i].cmds[0].code, 502);
		assert_int_equal(r->conn[i].cmds[1].cmd, PROBE_CMD_HELO);
		assert_string_equal(r->conn[i].cmds[1].arg, "probe.rbl.example");
		assert_int_equal(r->conn[i].cmds[2].cmd, PROBE_CMD_MAIL);
	}
	/* The name comes from the HELO reply. */
	assert_string_equal(r->b.server_name, SERVER_NAME);
	assert_int_equal(count_mail(r, "<rbl-probe@" SERVER_NAME ">"), 1);
	assert_int_equal(count_form_rcpts(r), PROBE_FORM_COUNT);
	assert_int_equal(r->verdict, PROBE_CLOSED);
	free_run(r);
}

/* --- connections lost --------------------------------------------------------------------------------------- */

struct loss {
	enum srv_how how;
	bool done;
};

/* The first MAIL gets no reply: a hang-up or a timeout. */
static void server_loses_the_first_mail(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	struct loss *l = r->user;

	server_base(r, cmd, arg, out);
	if (cmd == PROBE_CMD_MAIL && !l->done) {
		l->done = true;
		*out = (struct srv_reply){.how = l->how};
	}
}

static void test_a_timeout_mid_form_finishes_impolitely_inconclusive(void **state)
{
	struct loss l = {SRV_TIME_OUT, false};
	struct run *r = new_run(server_loses_the_first_mail, &l);
	(void)state;
	run_and_check(r);
	assert_int_equal(r->conns, 1);
	assert_int_equal(r->verdict, PROBE_INCONCLUSIVE);
	assert_false(r->polite);
	assert_int_equal(r->conn[0].end, PROBE_ACT_FINISH);
	assert_string_equal(r->why, "no complete reply within 30000 ms during MAIL of form 0 on connection 1");
	free_run(r);
}

static void test_a_hang_up_mid_form_reconnects_and_retries_the_form(void **state)
{
	struct loss l = {SRV_HANG_UP, false};
	struct run *r = new_run(server_loses_the_first_mail, &l);
	(void)state;
	run_and_check(r);
	assert_int_equal(r->conn[0].end, PROBE_ACT_RECONNECT);
	assert_false(r->conn[0].end_polite);
	assert_int_equal(r->conn[0].n, 2); /* EHLO, MAIL <> */
	assert_int_equal(r->conn[1].cmds[1].cmd, PROBE_CMD_MAIL);
	assert_string_equal(r->conn[1].cmds[1].arg, "<>");
	assert_int_equal(r->conn[1].cmds[1].form, 0);
	assert_int_equal(r->b.attempts[0], 2);
	assert_int_equal(r->b.outcome[0], PROBE_FORM_REFUSED);
	assert_int_equal(r->verdict, PROBE_CLOSED);
	free_run(r);
}

/* The same two events fed by hand, to pin the actions themselves. */
static void test_lost_connections_by_hand(void **state)
{
	struct probe_battery *b = &hand_battery;
	struct probe_transcript *t = &hand_transcript;
	struct probe_action act;
	static probe_config_t cfg; /* the battery keeps pointers into it */
	addr_t target;
	(void)state;

	probe_config_default(&cfg);
	assert_int_equal(addr_parse(TARGET, &target), RBL_OK);
	probe_transcript_init(t, 65536);
	for (int retryable = 0; retryable <= 1; retryable++) {
		probe_battery_init(b, &cfg, &target, NONCE, t);
		probe_battery_connected(b);
		probe_battery_reply(b, 220, "220 " SERVER_NAME " ESMTP\n", &act);
		assert_int_equal(act.kind, PROBE_ACT_SEND);
		assert_int_equal(act.cmd, PROBE_CMD_EHLO);
		probe_battery_reply(b, 250, "250 " SERVER_NAME "\n", &act);
		assert_int_equal(act.kind, PROBE_ACT_SEND);
		assert_int_equal(act.cmd, PROBE_CMD_MAIL);
		assert_string_equal(act.arg, "<>");
		probe_battery_reply(b, 250, "250 2.1.0 Ok\n", &act);
		assert_int_equal(act.cmd, PROBE_CMD_RCPT);
		probe_battery_lost(b, "connection reset by peer", retryable, &act);
		assert_false(act.polite);
		if (!retryable) {
			assert_int_equal(act.kind, PROBE_ACT_FINISH);
			assert_true(b->decided);
			assert_int_equal(b->verdict, PROBE_INCONCLUSIVE);
			assert_string_equal(b->why, "connection reset by peer during RCPT of form 0 on connection 1");
			continue;
		}
		assert_int_equal(act.kind, PROBE_ACT_RECONNECT);
		assert_false(b->decided);
		probe_battery_connected(b);
		probe_battery_reply(b, 220, "220 " SERVER_NAME " ESMTP\n", &act);
		assert_int_equal(act.cmd, PROBE_CMD_EHLO);
		probe_battery_reply(b, 250, "250 " SERVER_NAME "\n", &act);
		assert_int_equal(act.kind, PROBE_ACT_SEND);
		assert_int_equal(act.cmd, PROBE_CMD_MAIL);
		assert_string_equal(act.arg, "<>");
		assert_int_equal(b->form, 0);
		assert_int_equal(b->attempts[0], 2);
	}
}

/* probe_battery_stop gives the reason of a battery that has not decided, and leaves a decided one alone. */
static void test_stop_gives_the_reason_only_when_nothing_is_decided(void **state)
{
	struct run *r = new_run(server_relays_for_the_null_sender, NULL);
	struct probe_battery *b = &hand_battery;
	addr_t target;
	(void)state;

	assert_int_equal(addr_parse(TARGET, &target), RBL_OK);
	probe_transcript_init(&hand_transcript, 4096);
	probe_battery_init(b, &r->cfg, &target, NONCE, &hand_transcript);
	probe_battery_stop(b, "connect to %s failed: %s", TARGET, "connection refused");
	assert_true(b->decided);
	assert_int_equal(b->verdict, PROBE_INCONCLUSIVE);
	assert_int_equal(b->first_relayed, -1);
	assert_string_equal(b->why, "connect to 192.0.2.25 failed: connection refused");

	run_and_check(r);
	assert_int_equal(r->verdict, PROBE_OPEN);
	probe_battery_stop(&r->b, "connection time limit (120000 ms) reached");
	assert_int_equal(r->b.verdict, PROBE_OPEN);
	assert_string_equal(r->b.why, r->why);
	free_run(r);
}

/* --- probe_decide and probe_reply_ends_session -------------------------------------------------------------- */

static void fill(enum probe_form_outcome outcome[PROBE_FORM_COUNT], enum probe_form_outcome value)
{
	for (int i = 0; i < PROBE_FORM_COUNT; i++)
		outcome[i] = value;
}

static void test_probe_decide_rules(void **state)
{
	enum probe_form_outcome o[PROBE_FORM_COUNT];
	int first;
	(void)state;

	/* RELAYED wins over anything, the first one is named. */
	fill(o, PROBE_FORM_DEFERRED);
	o[9] = PROBE_FORM_RELAYED;
	o[12] = PROBE_FORM_RELAYED;
	o[0] = PROBE_FORM_UNTRIED;
	assert_int_equal(probe_decide(o, &first), PROBE_OPEN);
	assert_int_equal(first, 9);
	/* REFUSED and UNTESTABLE -> closed. */
	fill(o, PROBE_FORM_UNTESTABLE);
	o[3] = PROBE_FORM_REFUSED;
	assert_int_equal(probe_decide(o, &first), PROBE_CLOSED);
	assert_int_equal(first, -1);
	fill(o, PROBE_FORM_REFUSED);
	assert_int_equal(probe_decide(o, &first), PROBE_CLOSED);
	/* All UNTESTABLE -> inconclusive: nothing was refused. */
	fill(o, PROBE_FORM_UNTESTABLE);
	assert_int_equal(probe_decide(o, &first), PROBE_INCONCLUSIVE);
	/* Any DEFERRED or UNTRIED -> inconclusive. */
	fill(o, PROBE_FORM_REFUSED);
	o[15] = PROBE_FORM_DEFERRED;
	assert_int_equal(probe_decide(o, &first), PROBE_INCONCLUSIVE);
	fill(o, PROBE_FORM_REFUSED);
	o[0] = PROBE_FORM_UNTRIED;
	assert_int_equal(probe_decide(o, &first), PROBE_INCONCLUSIVE);
	assert_int_equal(first, -1);
}

static void test_which_replies_end_the_session(void **state)
{
	(void)state;
	assert_true(probe_reply_ends_session(421, "421 4.3.2 Service shutting down\n"));
	assert_true(probe_reply_ends_session(421, "421 mx.example.org\n"));
	assert_true(probe_reply_ends_session(554, "554 Too many nonmail commands\n"));
	assert_true(probe_reply_ends_session(501, "501 Too many syntax or protocol errors\n"));
	assert_true(probe_reply_ends_session(501, "501-<a@b@c>: malformed address\n501 Too many syntax or protocol "
	                                          "errors\n"));
	assert_false(probe_reply_ends_session(452, "452 4.5.3 Error: too many recipients\n"));
	assert_false(probe_reply_ends_session(550, "550 5.7.1 Relay access denied\n"));
	assert_true(probe_reply_ends_session(221, "221 closing connection\n"));
}

/* --- once bugs, now pinned ------------------------------------------------------------------------------ */

/* A 2xx banner with a policy line ("abusers are disconnected") is a greeting like any other: only 421, 221 and a
 * 4xx/5xx that says so end a session. */
static void server_with_a_stern_banner(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_base(r, cmd, arg, out);
	if (cmd == CMD_GREETING) {
		*out = (struct srv_reply){.how = SRV_SAY, .code = 220};
		snprintf(out->text, sizeof out->text,
		         "220-%s ESMTP\n220 Unauthorized use is prohibited; abusers are disconnected\n", r->ehlo_name);
	}
}

static void test_a_greeting_banner_that_mentions_disconnecting_does_not_end_the_session(void **state)
{
	struct run *r = new_run(server_with_a_stern_banner, NULL);
	(void)state;
	run_and_check(r);
	assert_true(r->conn[0].n > 0);
	assert_int_equal(r->verdict, PROBE_CLOSED);
	assert_false(probe_reply_ends_session(220, "220-" SERVER_NAME " ESMTP\n220 Unauthorized use is prohibited; "
	                                           "abusers are disconnected\n"));
	free_run(r);
}

/* With no host name of its own (EHLO "250-[192.0.2.25] Hello") the server's name is its address literal, so form 2's
 * sender <rbl-probe@[192.0.2.25]> is a literal sender: its refusal counts as the literal refusal, and no later form
 * sends a literal sender again. */
static void test_a_literal_sender_refused_at_form_2_is_not_tried_again(void **state)
{
	struct run *r = new_run(server_refuses_literal_senders, NULL);
	(void)state;
	r->ehlo_name = LITERAL;
	run_and_check(r);
	assert_int_equal(r->verdict, PROBE_CLOSED);
	assert_int_equal(count_mail(r, LITERAL_SENDER), 1);
	free_run(r);
}

/* --- the session facts of the first connection -------------------------------------------------------------- */

static void test_the_facts_of_a_plain_server_come_from_its_greeting_and_ehlo(void **state)
{
	struct run *r = new_run(server_base, NULL);
	(void)state;
	run_and_check(r);
	const probe_session_facts_t *f = &r->b.facts;
	assert_int_equal(f->greeting_code, 220);
	assert_string_equal(f->greeting, SERVER_NAME " ESMTP");
	assert_string_equal(f->banner_name, SERVER_NAME);
	assert_int_equal(f->ehlo_code, 250);
	assert_true(f->ehlo_ok);
	assert_string_equal(f->ehlo_name, SERVER_NAME);
	assert_true(f->pipelining);
	assert_false(f->starttls);
	assert_false(f->auth);
	assert_false(f->has_size);
	assert_int_equal(f->size_limit, 0);
	/* What only the session knows is left to it. */
	assert_false(f->connected);
	free_run(r);
}

/* A server with a busy EHLO on its first connection, in mixed case, and another name on the later ones. */
static void server_with_keywords(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_base(r, cmd, arg, out);
	if (r->conns > 1 && cmd == CMD_GREETING)
		say(out, 220, "other.example.net ESMTP Exim");
	if (r->conns > 1 && cmd == PROBE_CMD_EHLO) {
		*out = (struct srv_reply){.how = SRV_SAY, .code = 250};
		snprintf(out->text, sizeof out->text, "250-other.example.net\n250-STARTTLS\n250 SIZE 1\n");
	}
	if (r->conns == 1 && cmd == PROBE_CMD_EHLO) {
		*out = (struct srv_reply){.how = SRV_SAY, .code = 250};
		snprintf(out->text, sizeof out->text,
		         "250-" SERVER_NAME " Hello probe.rbl.example [198.51.100.7]\n250-size 52428800\n"
		         "250-Auth PLAIN LOGIN\n250-AUTH=LOGIN\n250-starttls\n250-ENHANCEDSTATUSCODES\n250 HELP\n");
	}
}

static void test_ehlo_keywords_are_read_case_blind_from_the_first_connection_only(void **state)
{
	struct run *r = new_run(server_with_keywords, NULL);
	(void)state;
	run_and_check(r);
	assert_true(r->conns > 1);
	const probe_session_facts_t *f = &r->b.facts;
	assert_string_equal(f->greeting, SERVER_NAME " ESMTP");
	assert_string_equal(f->ehlo_name, SERVER_NAME);
	assert_true(f->starttls);
	assert_false(f->pipelining);
	assert_true(f->has_size);
	assert_int_equal(f->size_limit, 52428800);
	assert_true(f->auth);
	assert_string_equal(f->auth_mechanisms, "PLAIN LOGIN");
	/* The keywords did not change the dialogue. */
	assert_int_equal(r->verdict, PROBE_CLOSED);
	free_run(r);
}

static void test_the_facts_of_a_helo_only_server_have_its_name_but_no_ehlo(void **state)
{
	struct run *r = new_run(server_without_ehlo, NULL);
	(void)state;
	run_and_check(r);
	const probe_session_facts_t *f = &r->b.facts;
	assert_int_equal(f->ehlo_code, 502);
	assert_false(f->ehlo_ok);
	assert_string_equal(f->ehlo_name, SERVER_NAME);
	assert_false(f->pipelining);
	assert_false(f->has_size);
	free_run(r);
}

static void test_a_greeting_is_kept_printable_and_bounded_and_named_only_by_a_host_name(void **state)
{
	struct greeting g = {1, 220, "", false};
	char long_banner[400];
	(void)state;

	g.text = "[192.0.2.25] ESMTP \x01ready\x7f";
	struct run *r = new_run(server_with_greeting, &g);
	run_and_check(r);
	assert_string_equal(r->b.facts.greeting, "[192.0.2.25] ESMTP ?ready?");
	assert_string_equal(r->b.facts.banner_name, "");
	free_run(r);

	memset(long_banner, 'a', sizeof long_banner - 1);
	long_banner[sizeof long_banner - 1] = '\0';
	memcpy(long_banner, "mx.example.org ", 15);
	g.text = long_banner;
	r = new_run(server_with_greeting, &g);
	run_and_check(r);
	assert_int_equal(strlen(r->b.facts.greeting), PROBE_GREETING_MAX);
	assert_true(starts_with(r->b.facts.greeting, "mx.example.org aaa"));
	assert_string_equal(r->b.facts.banner_name, "mx.example.org");
	free_run(r);

	/* A refusing greeting is a fact too: the self-test shows it. */
	struct greeting refused = {1, 554, "5.7.1 blocked", false};
	r = new_run(server_with_greeting, &refused);
	run_and_check(r);
	assert_int_equal(r->b.facts.greeting_code, 554);
	assert_string_equal(r->b.facts.greeting, "5.7.1 blocked");
	assert_string_equal(r->b.facts.banner_name, "");
	assert_int_equal(r->b.facts.ehlo_code, 0);
	free_run(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_teardown(test_starttls_required_at_mail_is_inconclusive_and_polite, teardown),
	        cmocka_unit_test_teardown(test_a_5xx_greeting_on_the_first_connection_refuses_every_form, teardown),
	        cmocka_unit_test_teardown(test_a_too_many_connections_greeting_is_inconclusive, teardown),
	        cmocka_unit_test_teardown(test_a_4xx_greeting_is_inconclusive, teardown),
	        cmocka_unit_test_teardown(test_a_5xx_greeting_on_a_later_connection_is_inconclusive, teardown),
	        cmocka_unit_test_teardown(test_ehlo_502_falls_back_to_helo_and_the_battery_goes_on, teardown),
	        cmocka_unit_test_teardown(test_a_timeout_mid_form_finishes_impolitely_inconclusive, teardown),
	        cmocka_unit_test_teardown(test_a_hang_up_mid_form_reconnects_and_retries_the_form, teardown),
	        cmocka_unit_test_teardown(test_lost_connections_by_hand, teardown),
	        cmocka_unit_test_teardown(test_stop_gives_the_reason_only_when_nothing_is_decided, teardown),
	        cmocka_unit_test_teardown(test_probe_decide_rules, teardown),
	        cmocka_unit_test_teardown(test_which_replies_end_the_session, teardown),
	        cmocka_unit_test_teardown(test_a_greeting_banner_that_mentions_disconnecting_does_not_end_the_session,
	                                  teardown),
	        cmocka_unit_test_teardown(test_a_literal_sender_refused_at_form_2_is_not_tried_again, teardown),
	        cmocka_unit_test_teardown(test_the_facts_of_a_plain_server_come_from_its_greeting_and_ehlo, teardown),
	        cmocka_unit_test_teardown(test_ehlo_keywords_are_read_case_blind_from_the_first_connection_only,
	                                  teardown),
	        cmocka_unit_test_teardown(test_the_facts_of_a_helo_only_server_have_its_name_but_no_ehlo, teardown),
	        cmocka_unit_test_teardown(test_a_greeting_is_kept_printable_and_bounded_and_named_only_by_a_host_name,
	                                  teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
