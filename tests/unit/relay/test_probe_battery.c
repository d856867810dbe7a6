/* SPDX-License-Identifier: BSD-2-Clause */
/* test_probe_battery.c — the relay battery's dialogue (probe_battery.c) driven without sockets: each test scripts a
 * server (a function from the command sent to the reply), runs the battery to its FINISH, and checks the commands
 * sent on every connection, the connection count, the verdict, the form named and the reason. Every run also checks
 * the dialogue rules that hold whatever the server says (assert_dialogue_rules). */
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

/* --- relaying ----------------------------------------------------------------------------------------------- */


static void test_a_relay_for_the_null_sender_is_open_on_form_0_after_one_rcpt(void **state)
{
	struct run *r = new_run(server_relays_for_the_null_sender, NULL);
	(void)state;
	run_and_check(r);
	assert_int_equal(r->verdict, PROBE_OPEN);
	assert_int_equal(r->first_relayed, 0);
	assert_int_equal(r->conns, 1);
	assert_int_equal(r->conn[0].n, 3);
	assert_int_equal(r->conn[0].cmds[0].cmd, PROBE_CMD_EHLO);
	assert_string_equal(r->conn[0].cmds[0].arg, "probe.rbl.example");
	assert_int_equal(r->conn[0].cmds[1].cmd, PROBE_CMD_MAIL);
	assert_string_equal(r->conn[0].cmds[1].arg, "<>");
	assert_int_equal(r->conn[0].cmds[2].cmd, PROBE_CMD_RCPT);
	assert_string_equal(r->conn[0].cmds[2].arg, EXTERNAL_RCPT);
	assert_int_equal(count_controls(r, PROBE_VIA_COUNT), 0);
	assert_int_equal(r->b.outcome[0], PROBE_FORM_RELAYED);
	assert_non_null(strstr(r->why, "'250 2.1.5 Ok'"));
	assert_non_null(strstr(r->why, "connection 1"));
	assert_non_null(strstr(r->why, "form 0 (null sender)"));
	assert_true(r->polite);
	free_run(r);
}

static void server_relays_bang_paths_via_its_name(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_base(r, cmd, arg, out);
	if (cmd != PROBE_CMD_RCPT)
		return;
	if (strcmp(arg, "<relay-test.example!relay-check@" SERVER_NAME ">") == 0)
		say(out, 250, "Accepted");
	else if (is_control(arg) && place_of(r, arg) == PROBE_VIA_NAME)
		say(out, 550, "Unrouteable address");
}

static void test_a_bang_path_relay_with_a_refused_control_is_open_on_form_15(void **state)
{
	struct run *r = new_run(server_relays_bang_paths_via_its_name, NULL);
	(void)state;
	run_and_check(r);
	assert_int_equal(r->verdict, PROBE_OPEN);
	assert_int_equal(r->first_relayed, 15);
	assert_int_equal(count_controls(r, PROBE_VIA_COUNT), 1);
	assert_int_equal(count_controls(r, PROBE_VIA_NAME), 1);
	const struct conn *c = &r->conn[r->conns - 1];
	assert_string_equal(c->cmds[c->n - 1].arg, "<" CONTROL_LOCAL "@" SERVER_NAME ">");
	for (int i = 0; i < 15; i++)
		assert_int_equal(r->b.outcome[i], PROBE_FORM_REFUSED);
	assert_non_null(strstr(r->why, "form 15 (bang path via server name)"));
	assert_non_null(strstr(r->why, "'250 Accepted'"));
	assert_non_null(strstr(r->why, "<" CONTROL_LOCAL "@" SERVER_NAME ">, was refused: '550 Unrouteable address'"));
	char on[32];
	snprintf(on, sizeof on, "connection %u", r->conns);
	assert_non_null(strstr(r->why, on));
	free_run(r);
}

/* Any bang path accepted, an unknown local part refused everywhere: the first bang form (13, unqualified) relays. */
static void server_relays_every_bang_path(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_base(r, cmd, arg, out);
	if (cmd != PROBE_CMD_RCPT)
		return;
	if (strchr(arg, '!') != NULL)
		say(out, 250, "Accepted");
	else if (is_control(arg))
		say(out, 550, "5.1.1 %s: Recipient address rejected: User unknown", arg);
}

static void test_an_unqualified_bang_path_relay_is_open_on_form_13(void **state)
{
	struct run *r = new_run(server_relays_every_bang_path, NULL);
	(void)state;
	run_and_check(r);
	assert_int_equal(r->verdict, PROBE_OPEN);
	assert_int_equal(r->first_relayed, 13);
	assert_int_equal(count_controls(r, PROBE_VIA_COUNT), 1);
	assert_int_equal(count_controls(r, PROBE_VIA_UNQUALIFIED), 1);
	assert_non_null(strstr(r->why, "form 13 (bang path)"));
	assert_non_null(strstr(r->why, "<" CONTROL_LOCAL ">, was refused: '550 5.1.1"));
	free_run(r);
}

/* --- closed servers and the per-connection budgets ---------------------------------------------------------- */

static void test_a_closed_server_gets_all_16_forms_within_the_per_connection_budgets(void **state)
{
	struct run *r = new_run(server_base, NULL);
	(void)state;
	run_and_check(r);
	assert_int_equal(r->verdict, PROBE_CLOSED);
	assert_int_equal(count_form_rcpts(r), PROBE_FORM_COUNT);
	assert_int_equal(count_controls(r, PROBE_VIA_COUNT), 0);
	for (int i = 0; i < PROBE_FORM_COUNT; i++) {
		assert_int_equal(r->b.outcome[i], PROBE_FORM_REFUSED);
		assert_non_null(form_rcpt(r, i, NULL));
	}
	/* 16 forms, 6 a connection. */
	assert_int_equal(r->conns, 3);
	/* The senders: <>, plain, name, then the literal for forms 3..15 — one MAIL each per connection. */
	assert_int_equal(count_mail(r, "<>"), 1);
	assert_int_equal(count_mail(r, PLAIN_SENDER), 1);
	assert_int_equal(count_mail(r, "<rbl-probe@" SERVER_NAME ">"), 1);
	assert_int_equal(count_mail(r, LITERAL_SENDER), 3);
	assert_int_equal(count_cmds(r, PROBE_CMD_MAIL), 6);
	/* RSET only where the sender changes: <> -> plain -> name -> literal. */
	assert_int_equal(count_cmds(r, PROBE_CMD_RSET), 3);
	for (unsigned i = 0; i < r->conns; i++)
		assert_false(r->conn[i].ended);
	assert_non_null(strstr(r->why, "all 16 forms refused on 3 connections"));
	assert_non_null(strstr(r->why, "Relay access denied"));
	assert_true(r->polite);
	free_run(r);
}


static void test_refused_literal_senders_are_tried_once_then_the_plain_sender_carries_forms_3_to_15(void **state)
{
	struct run *r = new_run(server_refuses_literal_senders, NULL);
	(void)state;
	run_and_check(r);
	assert_int_equal(r->verdict, PROBE_CLOSED);
	assert_int_equal(count_mail(r, LITERAL_SENDER), 1);
	for (int i = 3; i < PROBE_FORM_COUNT; i++) {
		const struct sent *s = form_rcpt(r, i, NULL);
		assert_non_null(s);
		assert_string_equal(s->txn, PLAIN_SENDER);
		assert_int_equal(r->b.outcome[i], PROBE_FORM_REFUSED);
	}
	assert_true(r->b.literal_refused);
	assert_non_null(strstr(r->why, "literal senders refused"));
	assert_non_null(strstr(r->why, "domain literals not allowed"));
	assert_true(transcript_has(r, "* literal senders refused: " PLAIN_SENDER " from now on"));
	free_run(r);
}

static void server_refuses_the_null_sender(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_base(r, cmd, arg, out);
	if (cmd == PROBE_CMD_MAIL && strcmp(arg, "<>") == 0)
		say(out, 550, "5.7.1 Null sender not accepted here");
}

static void test_a_refused_null_sender_is_retried_with_the_plain_sender_and_decided_by_rcpt(void **state)
{
	struct run *r = new_run(server_refuses_the_null_sender, NULL);
	(void)state;
	run_and_check(r);
	assert_int_equal(r->verdict, PROBE_CLOSED);
	const struct conn *c = &r->conn[0];
	assert_int_equal(c->cmds[1].cmd, PROBE_CMD_MAIL);
	assert_string_equal(c->cmds[1].arg, "<>");
	assert_int_equal(c->cmds[1].code, 550);
	assert_int_equal(c->cmds[2].cmd, PROBE_CMD_MAIL);
	assert_string_equal(c->cmds[2].arg, PLAIN_SENDER);
	assert_int_equal(c->cmds[2].form, 0);
	/* Form 0 is decided by its RCPT, sent with the plain sender. */
	const struct sent *s = form_rcpt(r, 0, NULL);
	assert_non_null(s);
	assert_string_equal(s->txn, PLAIN_SENDER);
	assert_int_equal(s->code, 554);
	assert_int_equal(r->b.outcome[0], PROBE_FORM_REFUSED);
	assert_true(r->b.plain_sender[0]);
	/* Form 1's sender is that same plain sender: no RSET, no second MAIL, straight to its RCPT. */
	assert_int_equal(c->cmds[4].cmd, PROBE_CMD_RCPT);
	assert_int_equal(c->cmds[4].form, 1);
	assert_int_equal(count_mail(r, PLAIN_SENDER), 1);
	assert_false(r->b.literal_refused);
	assert_null(strstr(r->why, "literal"));
	free_run(r);
}

static void server_refuses_the_null_sender_but_relays(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_refuses_the_null_sender(r, cmd, arg, out);
	if (cmd == PROBE_CMD_RCPT && strcmp(arg, EXTERNAL_RCPT) == 0)
		say(out, 250, "2.1.5 Ok");
}

static void test_a_refused_null_sender_does_not_hide_a_relay_for_the_plain_sender(void **state)
{
	struct run *r = new_run(server_refuses_the_null_sender_but_relays, NULL);
	(void)state;
	run_and_check(r);
	assert_int_equal(r->verdict, PROBE_OPEN);
	assert_int_equal(r->first_relayed, 0);
	assert_int_equal(r->conn[0].n, 4); /* EHLO, MAIL <>, MAIL plain, RCPT */
	assert_non_null(strstr(r->why, "(MAIL FROM:" PLAIN_SENDER ")"));
	free_run(r);
}

/* Postfix (smtpd_delay_reject) and Exim (verify = sender) judge the sender at RCPT: that refusal is of the sender,
 * not of the recipient. */
static void server_judges_senders_at_rcpt(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_base(r, cmd, arg, out);
	if (cmd == PROBE_CMD_RCPT && strcmp(current(r)->txn, PLAIN_SENDER) != 0)
		say(out, 450, "4.1.8 %s: Sender address rejected: Domain not found", current(r)->txn);
}

static void test_a_sender_refused_at_rcpt_is_retried_plain_and_the_form_decided_by_its_recipient(void **state)
{
	struct run *r = new_run(server_judges_senders_at_rcpt, NULL);
	(void)state;
	run_and_check(r);
	assert_int_equal(r->verdict, PROBE_CLOSED);
	for (int form = 0; form < PROBE_FORM_COUNT; form++) {
		const struct sent *s = form_rcpt(r, form, NULL);
		assert_non_null(s);
		assert_string_equal(s->txn, PLAIN_SENDER); /* the deciding RCPT went with the plain sender */
		assert_int_equal(r->b.outcome[form], PROBE_FORM_REFUSED);
	}
	free_run(r);
}

static void server_verifies_every_sender(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_base(r, cmd, arg, out);
	if (cmd == PROBE_CMD_RCPT)
		say(out, 550, "Sender verify failed");
}

static void test_a_server_refusing_even_the_plain_sender_at_rcpt_is_inconclusive_not_closed(void **state)
{
	struct run *r = new_run(server_verifies_every_sender, NULL);
	(void)state;
	run_and_check(r);
	assert_int_equal(r->verdict, PROBE_INCONCLUSIVE); /* it might relay for a sender it accepts */
	assert_non_null(strstr(r->why, "Sender verify failed"));
	free_run(r);
}

static void server_defers_the_null_sender(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_base(r, cmd, arg, out);
	if (cmd == PROBE_CMD_MAIL && strcmp(arg, "<>") == 0)
		say(out, 451, "4.3.0 Temporary lookup failure");
}

static void test_a_deferred_sender_at_mail_is_retried_plain(void **state)
{
	struct run *r = new_run(server_defers_the_null_sender, NULL);
	(void)state;
	run_and_check(r);
	assert_int_equal(r->verdict, PROBE_CLOSED);
	assert_true(r->b.plain_sender[0]);
	free_run(r);
}

/* Exim with its defaults: smtp_max_synprot_errors 3 (the 4th 500..504 drops the session, its reply followed by
 * "Too many syntax or protocol errors"), smtp_accept_max_nonmail 10 (the first HELO/EHLO and the first RSET free),
 * domain literals not allowed, malformed (double @) recipients 501, no relaying. */
struct exim {
	unsigned errors, nonmail;
	bool helo_seen, rset_seen;
	unsigned synprot_drops, nonmail_drops; /* the limit replies produced, in all connections */
};

static bool double_at(const char *rcpt)
{
	const char *p = rcpt;
	bool quoted = false;
	int at = 0;

	if (starts_with(p, "<@")) { /* a source route: Exim strips it */
		p = strchr(p, ':');
		if (p == NULL)
			return false;
	}
	for (; *p != '\0'; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '@' && !quoted)
			at++;
	}
	return at >= 2;
}

static void server_exim(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	struct exim *e = r->user;

	if (cmd == CMD_GREETING) {
		e->errors = e->nonmail = 0;
		e->helo_seen = e->rset_seen = false;
		server_base(r, cmd, arg, out);
		return;
	}
	if (cmd == PROBE_CMD_EHLO || cmd == PROBE_CMD_HELO) {
		e->nonmail += e->helo_seen;
		e->helo_seen = true;
	}
	if (cmd == PROBE_CMD_RSET) {
		e->nonmail += e->rset_seen;
		e->rset_seen = true;
	}
	if (e->nonmail > 10) {
		e->nonmail_drops++;
		say(out, 554, "Too many nonmail commands");
		out->ends = true;
		return;
	}
	server_base(r, cmd, arg, out);
	if (cmd == PROBE_CMD_MAIL && strstr(arg, "@[") != NULL)
		say(out, 501, "%s: domain literals not allowed", arg);
	if (cmd == PROBE_CMD_RCPT) {
		if (strstr(arg, "@[") != NULL)
			say(out, 501, "%s: domain literals not allowed", arg);
		else if (double_at(arg))
			say(out, 501, "%s: malformed address: @ may not follow the local part", arg);
		else if (place_of(r, arg) == PROBE_VIA_NONE)
			say(out, 550, "relay not permitted");
		else
			say(out, 550, "Unrouteable address");
	}
	if (out->code >= 500 && out->code <= 504 && ++e->errors > 3) {
		char first[400];
		snprintf(first, sizeof first, "%s", out->text + 4);
		first[strcspn(first, "\n")] = '\0';
		snprintf(out->text, sizeof out->text, "%03d-%s\n%03d Too many syntax or protocol errors\n", out->code,
		         first, out->code);
		out->ends = true;
		e->synprot_drops++;
	}
}

static void test_exims_session_limits_are_never_reached(void **state)
{
	struct exim e = {0};
	struct run *r = new_run(server_exim, &e);
	(void)state;
	run_and_check(r);
	assert_int_equal(e.synprot_drops, 0);
	assert_int_equal(e.nonmail_drops, 0);
	for (unsigned i = 0; i < r->conns; i++) {
		assert_false(r->conn[i].ended);
		assert_true(r->conn[i].end_polite);
	}
	assert_int_equal(r->verdict, PROBE_CLOSED);
	for (int i = 0; i < PROBE_FORM_COUNT; i++)
		assert_int_equal(r->b.outcome[i], PROBE_FORM_REFUSED);
	assert_int_equal(count_mail(r, LITERAL_SENDER), 1);
	assert_non_null(strstr(r->why, "all 16 forms refused"));
	assert_non_null(strstr(r->why, "literal senders refused"));
	free_run(r);
}

/* --- a session ended by the server -------------------------------------------------------------------------- */

struct interrupt {
	unsigned conns_to_interrupt; /* how many connections get the 421 at form 2's RCPT */
	unsigned interrupted;
};

static void server_421_at_form_2(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	struct interrupt *it = r->user;

	server_base(r, cmd, arg, out);
	if (cmd == PROBE_CMD_RCPT && strcmp(current(r)->txn, "<rbl-probe@" SERVER_NAME ">") == 0 &&
	    it->interrupted < it->conns_to_interrupt) {
		it->interrupted++;
		say(out, 421, "4.3.2 Service shutting down, closing transmission channel");
		out->ends = true;
	}
}

static void test_a_421_mid_form_ends_the_connection_and_the_form_is_retried_on_the_next(void **state)
{
	struct interrupt it = {.conns_to_interrupt = 1};
	struct run *r = new_run(server_421_at_form_2, &it);
	(void)state;
	run_and_check(r);
	/* The 421 answered the last command of connection 1; no QUIT. */
	const struct conn *c = &r->conn[0];
	assert_true(c->ended);
	assert_int_equal(c->cmds[c->n - 1].code, 421);
	assert_int_equal(c->cmds[c->n - 1].form, 2);
	assert_int_equal(c->end, PROBE_ACT_RECONNECT);
	assert_false(c->end_polite);
	/* Connection 2 begins with form 2 again. */
	c = &r->conn[1];
	assert_int_equal(c->cmds[1].cmd, PROBE_CMD_MAIL);
	assert_string_equal(c->cmds[1].arg, "<rbl-probe@" SERVER_NAME ">");
	assert_int_equal(c->cmds[1].form, 2);
	unsigned conn = 0;
	assert_non_null(form_rcpt(r, 2, &conn));
	assert_int_equal(conn, 2);
	assert_int_equal(r->b.attempts[2], 2);
	assert_int_equal(r->verdict, PROBE_CLOSED);
	assert_true(transcript_has(r, "the server ended connection 1: '421 4.3.2"));
	free_run(r);
}

static void test_a_form_interrupted_twice_is_deferred_and_the_verdict_inconclusive(void **state)
{
	struct interrupt it = {.conns_to_interrupt = 100};
	struct run *r = new_run(server_421_at_form_2, &it);
	(void)state;
	run_and_check(r);
	assert_int_equal(it.interrupted, PROBE_FORM_ATTEMPTS);
	assert_int_equal(r->b.outcome[2], PROBE_FORM_DEFERRED);
	for (int i = 0; i < PROBE_FORM_COUNT; i++)
		if (i != 2)
			assert_int_equal(r->b.outcome[i], PROBE_FORM_REFUSED);
	assert_int_equal(r->verdict, PROBE_INCONCLUSIVE);
	assert_non_null(strstr(r->why, "15 of 16 forms refused, 1 deferred"));
	assert_non_null(strstr(r->why, "form 2: 421 4.3.2"));
	free_run(r);
}

/* A 421 that refuses the relay (here to the first RCPT of all) is the answer to the form, not an interruption. */
static void server_421_relaying_denied(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_base(r, cmd, arg, out);
	if (cmd == PROBE_CMD_RCPT && r->conns == 1) {
		say(out, 421, "4.7.1 Relaying denied, closing connection");
		out->ends = true;
	}
}

static void test_a_421_that_denies_relaying_refuses_the_form_and_the_battery_goes_on(void **state)
{
	struct run *r = new_run(server_421_relaying_denied, NULL);
	(void)state;
	run_and_check(r);
	assert_true(r->conn[0].ended);
	assert_false(r->conn[0].end_polite);
	assert_int_equal(r->b.outcome[0], PROBE_FORM_REFUSED);
	assert_int_equal(r->b.attempts[0], 1);
	/* Connection 2 goes on with form 1. */
	assert_int_equal(r->conn[1].cmds[1].cmd, PROBE_CMD_MAIL);
	assert_int_equal(r->conn[1].cmds[1].form, 1);
	assert_int_equal(count_form_rcpts(r), PROBE_FORM_COUNT);
	assert_int_equal(r->verdict, PROBE_CLOSED);
	free_run(r);
}

/* --- catch-all domains and the controls --------------------------------------------------------------------- */

static void server_catch_all(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_base(r, cmd, arg, out);
	if (cmd == PROBE_CMD_RCPT && place_of(r, arg) != PROBE_VIA_NONE)
		say(out, 250, "2.1.5 Ok");
}

static void test_a_catch_all_makes_the_routed_forms_untestable_and_the_rest_decide_closed(void **state)
{
	struct run *r = new_run(server_catch_all, NULL);
	(void)state;
	run_and_check(r);
	assert_int_equal(r->verdict, PROBE_CLOSED);
	for (int i = 0; i < PROBE_FORM_COUNT; i++)
		assert_int_equal(r->b.outcome[i],
		                 probe_form_via(i) == PROBE_VIA_NONE ? PROBE_FORM_REFUSED : PROBE_FORM_UNTESTABLE);
	/* One control a place, the first time a form through it is accepted. */
	assert_int_equal(count_controls(r, PROBE_VIA_LITERAL), 1);
	assert_int_equal(count_controls(r, PROBE_VIA_NAME), 1);
	assert_int_equal(count_controls(r, PROBE_VIA_UNQUALIFIED), 1);
	assert_int_equal(count_controls(r, PROBE_VIA_COUNT), 3);
	assert_non_null(strstr(r->why, "every testable form refused (4)"));
	assert_non_null(strstr(r->why, "12 forms not testable on a catch-all domain"));
	assert_non_null(strstr(r->why, "<" CONTROL_LOCAL "@" LITERAL "> answered '250 2.1.5 Ok'"));
	assert_true(transcript_has(r, "* catch-all: <" CONTROL_LOCAL "@" LITERAL "> was accepted"));
	free_run(r);
}

static void server_4xx_control_at_its_literal(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_base(r, cmd, arg, out);
	if (cmd != PROBE_CMD_RCPT)
		return;
	if (is_control(arg))
		say(out, 450, "4.2.1 %s: Recipient address rejected: try again later", arg);
	else if (place_of(r, arg) == PROBE_VIA_LITERAL)
		say(out, 250, "2.1.5 Ok");
}

static void test_a_routed_form_accepted_with_a_4xx_control_is_deferred(void **state)
{
	struct run *r = new_run(server_4xx_control_at_its_literal, NULL);
	(void)state;
	run_and_check(r);
	for (int i = 0; i < PROBE_FORM_COUNT; i++)
		assert_int_equal(r->b.outcome[i],
		                 probe_form_via(i) == PROBE_VIA_LITERAL ? PROBE_FORM_DEFERRED : PROBE_FORM_REFUSED);
	/* The control is asked once; the later forms through the literal reuse its answer. */
	assert_int_equal(count_controls(r, PROBE_VIA_COUNT), 1);
	assert_int_equal(r->verdict, PROBE_INCONCLUSIVE);
	assert_non_null(strstr(r->why, "11 of 16 forms refused, 5 deferred"));
	assert_non_null(strstr(r->why, "450 4.2.1"));
	free_run(r);
}

/* Accepts everything at its literal or its name, the controls included; refuses the rest. */
static void server_catch_all_at_its_names(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_base(r, cmd, arg, out);
	if (cmd == PROBE_CMD_RCPT) {
		enum probe_via place = place_of(r, arg);
		if (place == PROBE_VIA_LITERAL || place == PROBE_VIA_NAME)
			say(out, 250, "2.1.5 Ok");
	}
}

static void test_a_server_named_by_its_literal_shares_one_control_between_name_and_literal(void **state)
{
	static const struct {
		const char *ehlo_name;
		unsigned controls;
	} cases[] = {
	        {LITERAL, 1},       /* "250-[192.0.2.25] Hello": no name but the literal */
	        {"mx_bad!name", 1}, /* not a host name: the literal stands in */
	        {SERVER_NAME, 2},   /* a real name: two places, two controls */
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct run *r = new_run(server_catch_all_at_its_names, NULL);
		r->ehlo_name = cases[i].ehlo_name;
		run_and_check(r);
		assert_string_equal(r->b.server_name, i < 2 ? LITERAL : SERVER_NAME);
		assert_int_equal(count_controls(r, PROBE_VIA_COUNT), cases[i].controls);
		assert_int_equal(count_controls(r, PROBE_VIA_LITERAL), 1);
		assert_int_equal(count_controls(r, PROBE_VIA_UNQUALIFIED), 0);
		assert_int_equal(r->verdict, PROBE_CLOSED);
		for (int f = 0; f < PROBE_FORM_COUNT; f++) {
			enum probe_via via = probe_form_via(f);
			bool through_names = via == PROBE_VIA_LITERAL || via == PROBE_VIA_NAME;
			assert_int_equal(r->b.outcome[f], through_names ? PROBE_FORM_UNTESTABLE : PROBE_FORM_REFUSED);
		}
		free_run(r);
	}
}

/* --- the connection budget ---------------------------------------------------------------------------------- */

/* Answers every command, but from the first MAIL on hangs up after each reply. */
static void server_hangs_up_after_every_reply(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_base(r, cmd, arg, out);
	if (cmd != CMD_GREETING && cmd != PROBE_CMD_EHLO)
		out->close = true;
}

static void test_a_server_that_hangs_up_after_every_reply_gets_at_most_eight_connections(void **state)
{
	struct run *r = new_run(server_hangs_up_after_every_reply, NULL);
	(void)state;
	run_and_check(r);
	assert_int_equal(r->conns, PROBE_MAX_CONNECTIONS);
	assert_int_equal(r->verdict, PROBE_INCONCLUSIVE);
	assert_false(r->polite);
	/* Each form has its two attempts, then is deferred: forms 0..2 deferred, form 3 under way on the last. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(r->b.outcome[i], PROBE_FORM_DEFERRED);
	for (unsigned i = 0; i < r->conns; i++) {
		assert_int_equal(r->conn[i].cmds[1].cmd, PROBE_CMD_MAIL);
		assert_int_equal(r->conn[i].cmds[1].form, (int)i / PROBE_FORM_ATTEMPTS);
	}
	assert_non_null(strstr(r->why, "connection closed by the server during"));
	assert_non_null(strstr(r->why, "on connection 8"));
	free_run(r);
}

/* Closes the connection after every reply, the greeting's included: EHLO meets a closed connection. */
static void server_hangs_up_after_the_greeting(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_base(r, cmd, arg, out);
	out->close = true;
}

static void test_a_server_that_hangs_up_after_its_greeting_is_inconclusive_after_one_connection(void **state)
{
	struct run *r = new_run(server_hangs_up_after_the_greeting, NULL);
	(void)state;
	run_and_check(r);
	assert_int_equal(r->conns, 1);
	assert_int_equal(r->conn[0].n, 1);
	assert_int_equal(r->conn[0].cmds[0].cmd, PROBE_CMD_EHLO);
	assert_int_equal(r->verdict, PROBE_INCONCLUSIVE);
	assert_false(r->polite);
	assert_string_equal(r->why, "connection closed by the server during EHLO");
	free_run(r);
}

static void server_421_at_every_mail(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_base(r, cmd, arg, out);
	if (cmd == PROBE_CMD_MAIL) {
		say(out, 421, "4.7.0 Try again later, closing connection");
		out->ends = true;
	}
}

static void test_a_server_that_ends_every_session_at_mail_gets_at_most_eight_connections(void **state)
{
	struct run *r = new_run(server_421_at_every_mail, NULL);
	(void)state;
	run_and_check(r);
	assert_int_equal(r->conns, PROBE_MAX_CONNECTIONS);
	assert_int_equal(count_cmds(r, PROBE_CMD_MAIL), PROBE_MAX_CONNECTIONS);
	assert_int_equal(count_cmds(r, PROBE_CMD_RCPT), 0);
	assert_int_equal(r->verdict, PROBE_INCONCLUSIVE);
	assert_false(r->polite);
	assert_non_null(strstr(r->why, "forms untested after 8 connections"));
	free_run(r);
}

/* --- all forms (cfg.all_forms) ------------------------------------------------------------------------------ */

#define FORM_5_RCPT "<relay-check%relay-test.example@" SERVER_NAME ">"
#define FORM_11_RCPT "<@" LITERAL ":relay-check@relay-test.example>"

/* Relays for the null sender (form 0), the percent hack via its name (5) and the source route via its literal (11);
 * an unknown local part is refused everywhere, so the controls of 5 and 11 prove those relays. */
static void server_relays_forms_0_5_and_11(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_relays_for_the_null_sender(r, cmd, arg, out);
	if (cmd != PROBE_CMD_RCPT)
		return;
	if (strcmp(arg, FORM_5_RCPT) == 0 || strcmp(arg, FORM_11_RCPT) == 0)
		say(out, 250, "2.1.5 Ok");
	else if (is_control(arg))
		say(out, 550, "5.1.1 %s: Recipient address rejected: User unknown", arg);
}

static void test_all_forms_goes_on_after_form_0_relays_and_reports_forms_0_5_and_11(void **state)
{
	struct run *r = new_run(server_relays_forms_0_5_and_11, NULL);
	(void)state;
	r->cfg.all_forms = true;
	run_and_check(r);
	assert_int_equal(r->verdict, PROBE_OPEN);
	assert_int_equal(r->first_relayed, 0);
	assert_int_equal(probe_battery_relayed_forms(&r->b), (1u << 0) | (1u << 5) | (1u << 11));
	for (int i = 0; i < PROBE_FORM_COUNT; i++) {
		bool relays = i == 0 || i == 5 || i == 11;
		assert_int_equal(r->b.outcome[i], relays ? PROBE_FORM_RELAYED : PROBE_FORM_REFUSED);
		assert_non_null(form_rcpt(r, i, NULL));
	}
	assert_int_equal(count_form_rcpts(r), PROBE_FORM_COUNT);
	/* The routed relays count only with their controls refused: one at the name, one at the literal. */
	assert_int_equal(count_controls(r, PROBE_VIA_NAME), 1);
	assert_int_equal(count_controls(r, PROBE_VIA_LITERAL), 1);
	assert_int_equal(count_controls(r, PROBE_VIA_COUNT), 2);
	/* The same connections as a closed server's: 16 forms, 6 a connection. */
	assert_int_equal(r->conns, 3);
	assert_true(starts_with(r->why, "form 0 (null sender) relayed on connection 1: RCPT TO:" EXTERNAL_RCPT));
	assert_non_null(strstr(r->why, "; 3 of 16 forms relayed: 0, 5, 11"));
	assert_true(transcript_has(r, "* form 0 relayed: the battery goes on (all forms)"));
	assert_true(transcript_has(r, "* form 5 relayed too"));
	assert_true(transcript_has(r, "* form 11 relayed too"));
	assert_true(r->polite);
	free_run(r);
}

static void test_without_all_forms_the_battery_stops_at_the_first_relay(void **state)
{
	struct run *r = new_run(server_relays_forms_0_5_and_11, NULL);
	(void)state;
	run_and_check(r);
	assert_int_equal(r->verdict, PROBE_OPEN);
	assert_int_equal(r->first_relayed, 0);
	assert_int_equal(r->conns, 1);
	assert_int_equal(count_form_rcpts(r), 1);
	assert_int_equal(probe_battery_relayed_forms(&r->b), 1u);
	for (int i = 1; i < PROBE_FORM_COUNT; i++)
		assert_int_equal(r->b.outcome[i], PROBE_FORM_UNTRIED);
	assert_null(strstr(r->why, "forms relayed"));
	free_run(r);
}

/* Accepts every sender and every recipient, the controls included. */
static void server_accepts_everything(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_base(r, cmd, arg, out);
	if (cmd == PROBE_CMD_RCPT)
		say(out, 250, "2.1.5 Ok");
}

static void test_all_forms_against_a_server_accepting_everything_keeps_the_budgets(void **state)
{
	struct run *r = new_run(server_accepts_everything, NULL);
	(void)state;
	r->cfg.all_forms = true;
	run_and_check(r);
	assert_int_equal(r->verdict, PROBE_OPEN);
	assert_int_equal(r->first_relayed, 0);
	/* The external forms relay; the routed ones meet a catch-all (their control accepted): not testable. */
	for (int i = 0; i < PROBE_FORM_COUNT; i++)
		assert_int_equal(r->b.outcome[i],
		                 probe_form_via(i) == PROBE_VIA_NONE ? PROBE_FORM_RELAYED : PROBE_FORM_UNTESTABLE);
	assert_int_equal(probe_battery_relayed_forms(&r->b), 0xfu);
	assert_int_equal(count_controls(r, PROBE_VIA_COUNT), 3);
	assert_int_equal(count_form_rcpts(r), PROBE_FORM_COUNT);
	/* As for a closed server: three connections, an RSET only where the sender changes, one MAIL a sender and
	 * connection; every connection ended with a QUIT, none by the server. */
	assert_int_equal(r->conns, 3);
	assert_int_equal(count_cmds(r, PROBE_CMD_RSET), 3);
	assert_int_equal(count_cmds(r, PROBE_CMD_MAIL), 6);
	assert_int_equal(count_cmds(r, PROBE_CMD_EHLO), 3);
	for (unsigned i = 0; i < r->conns; i++) {
		assert_false(r->conn[i].ended);
		assert_true(r->conn[i].end_polite);
	}
	assert_non_null(strstr(r->why, "; 4 of 16 forms relayed: 0, 1, 2, 3"));
	free_run(r);
}

/* Exim's session limits (server_exim), but relaying to external domains. */
static void server_open_exim(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_exim(r, cmd, arg, out);
	if (cmd == PROBE_CMD_RCPT && out->code == 550 && !out->ends && place_of(r, arg) == PROBE_VIA_NONE)
		say(out, 250, "Accepted");
}

static void test_all_forms_against_an_open_exim_stays_inside_its_session_limits(void **state)
{
	struct exim e = {0};
	struct run *r = new_run(server_open_exim, &e);
	(void)state;
	r->cfg.all_forms = true;
	run_and_check(r);
	assert_int_equal(e.synprot_drops, 0);
	assert_int_equal(e.nonmail_drops, 0);
	assert_int_equal(r->verdict, PROBE_OPEN);
	assert_int_equal(probe_battery_relayed_forms(&r->b), 0xfu);
	for (int i = 4; i < PROBE_FORM_COUNT; i++)
		assert_int_equal(r->b.outcome[i], PROBE_FORM_REFUSED);
	assert_true(r->conns <= PROBE_MAX_CONNECTIONS);
	for (unsigned i = 0; i < r->conns; i++)
		assert_false(r->conn[i].ended);
	free_run(r);
}

/* Relays for the null sender; from the second connection on, turns us away at the greeting. */
static void server_relays_then_is_busy(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_relays_for_the_null_sender(r, cmd, arg, out);
	if (cmd == CMD_GREETING && r->conns > 1) {
		say(out, 421, "4.7.0 Too many connections, closing connection");
		out->ends = true;
	}
}

static void test_all_forms_ended_early_is_still_open_on_the_first_relay(void **state)
{
	struct run *r = new_run(server_relays_then_is_busy, NULL);
	(void)state;
	r->cfg.all_forms = true;
	run_and_check(r);
	assert_int_equal(r->verdict, PROBE_OPEN);
	assert_int_equal(r->first_relayed, 0);
	assert_int_equal(r->conns, 2);
	assert_int_equal(r->b.outcome[0], PROBE_FORM_RELAYED);
	for (int i = 1; i < 6; i++)
		assert_int_equal(r->b.outcome[i], PROBE_FORM_REFUSED);
	assert_int_equal(r->b.outcome[6], PROBE_FORM_UNTRIED);
	assert_true(starts_with(r->why, "form 0 (null sender) relayed on connection 1"));
	assert_non_null(strstr(r->why, "; the battery then ended: greeting on connection 2 answered '421 4.7.0"));
	free_run(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_teardown(test_a_relay_for_the_null_sender_is_open_on_form_0_after_one_rcpt, teardown),
	        cmocka_unit_test_teardown(test_a_bang_path_relay_with_a_refused_control_is_open_on_form_15, teardown),
	        cmocka_unit_test_teardown(test_an_unqualified_bang_path_relay_is_open_on_form_13, teardown),
	        cmocka_unit_test_teardown(test_a_closed_server_gets_all_16_forms_within_the_per_connection_budgets,
	                                  teardown),
	        cmocka_unit_test(
	                test_refused_literal_senders_are_tried_once_then_the_plain_sender_carries_forms_3_to_15),
	        cmocka_unit_test_teardown(
	                test_a_refused_null_sender_is_retried_with_the_plain_sender_and_decided_by_rcpt, teardown),
	        cmocka_unit_test_teardown(test_a_refused_null_sender_does_not_hide_a_relay_for_the_plain_sender,
	                                  teardown),
	        cmocka_unit_test_teardown(
	                test_a_sender_refused_at_rcpt_is_retried_plain_and_the_form_decided_by_its_recipient, teardown),
	        cmocka_unit_test_teardown(
	                test_a_server_refusing_even_the_plain_sender_at_rcpt_is_inconclusive_not_closed, teardown),
	        cmocka_unit_test_teardown(test_a_deferred_sender_at_mail_is_retried_plain, teardown),
	        cmocka_unit_test_teardown(test_exims_session_limits_are_never_reached, teardown),
	        cmocka_unit_test_teardown(test_a_421_mid_form_ends_the_connection_and_the_form_is_retried_on_the_next,
	                                  teardown),
	        cmocka_unit_test_teardown(test_a_form_interrupted_twice_is_deferred_and_the_verdict_inconclusive,
	                                  teardown),
	        cmocka_unit_test_teardown(test_a_421_that_denies_relaying_refuses_the_form_and_the_battery_goes_on,
	                                  teardown),
	        cmocka_unit_test_teardown(test_a_catch_all_makes_the_routed_forms_untestable_and_the_rest_decide_closed,
	                                  teardown),
	        cmocka_unit_test_teardown(test_a_routed_form_accepted_with_a_4xx_control_is_deferred, teardown),
	        cmocka_unit_test_teardown(
	                test_a_server_named_by_its_literal_shares_one_control_between_name_and_literal, teardown),
	        cmocka_unit_test_teardown(test_a_server_that_hangs_up_after_every_reply_gets_at_most_eight_connections,
	                                  teardown),
	        cmocka_unit_test_teardown(
	                test_a_server_that_hangs_up_after_its_greeting_is_inconclusive_after_one_connection, teardown),
	        cmocka_unit_test_teardown(test_a_server_that_ends_every_session_at_mail_gets_at_most_eight_connections,
	                                  teardown),
	        cmocka_unit_test_teardown(test_all_forms_goes_on_after_form_0_relays_and_reports_forms_0_5_and_11,
	                                  teardown),
	        cmocka_unit_test_teardown(test_without_all_forms_the_battery_stops_at_the_first_relay, teardown),
	        cmocka_unit_test_teardown(test_all_forms_against_a_server_accepting_everything_keeps_the_budgets,
	                                  teardown),
	        cmocka_unit_test_teardown(test_all_forms_against_an_open_exim_stays_inside_its_session_limits,
	                                  teardown),
	        cmocka_unit_test_teardown(test_all_forms_ended_early_is_still_open_on_the_first_relay, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
