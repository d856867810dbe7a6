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

/* --- the harness -------------------------------------------------------------------------------------------- */

#define TARGET "192.0.2.25"
#define LITERAL "[192.0.2.25]"
#define SERVER_NAME "mx.example.org"
#define NONCE 0x1234abcdu
#define CONTROL_LOCAL "rbl-probe-nonexistent-1234abcd"
#define PLAIN_SENDER "<rbl-probe@probe.example>"
#define LITERAL_SENDER "<rbl-probe@" LITERAL ">"
#define EXTERNAL_RCPT "<relay-check@relay-test.example>"

#define CMD_GREETING PROBE_CMD_COUNT /* what a script is asked for when a connection opens */
#define MAX_CONNS 16                 /* more than PROBE_MAX_CONNECTIONS: overrunning it must show */
#define MAX_CMDS 64
#define MAX_EVENTS 2000 /* a battery that never finishes fails instead of hanging */

enum srv_how {
	SRV_SAY,      /* reply code/text */
	SRV_HANG_UP,  /* no reply: the server closes the connection (probe_battery_lost, retryable) */
	SRV_TIME_OUT, /* no reply in time (probe_battery_lost, not retryable) */
};

struct srv_reply {
	enum srv_how how;
	int code;
	char text[600]; /* as probe_reply holds it: "DDD text\n", one line per line */
	bool close;     /* the server closes the connection after this reply */
	bool ends;      /* the reply announces the end of the session (421, "Too many ..."): nothing may follow */
};

struct run;
typedef void server_fn(struct run *r, int cmd, const char *arg, struct srv_reply *out);

struct sent {
	int cmd;
	char arg[PROBE_ARG_MAX];
	int form;                /* the battery's form when it was sent (MAIL, RCPT, RSET) */
	bool control;            /* a control RCPT */
	char txn[PROBE_ARG_MAX]; /* the sender of the transaction open when it was sent, "" if none */
	int code;                /* the reply, 0 if there was none */
};

struct conn {
	struct sent cmds[MAX_CMDS];
	unsigned n;
	int greeting;               /* the greeting's code, 0 if none */
	char txn[PROBE_ARG_MAX];    /* the sender of the open transaction, as the server sees it */
	bool ended;                 /* the server announced the end of the session */
	bool closed;                /* the server closed the connection */
	unsigned sent_after_end;    /* commands sent after the server announced the end */
	unsigned syntax_errors;     /* 500..504 replies */
	enum probe_action_kind end; /* RECONNECT or FINISH */
	bool end_polite;
};

struct run {
	server_fn *server;
	void *user;            /* the script's own state */
	const char *ehlo_name; /* what the server calls itself in its EHLO/HELO reply */
	probe_config_t cfg;
	struct probe_battery b;
	struct probe_transcript transcript;
	struct conn conn[MAX_CONNS];
	unsigned conns;
	unsigned events;
	enum probe_verdict verdict;
	int first_relayed;
	char why[PROBE_WHY_MAX];
	bool polite; /* the FINISH */
};

/* What a test has allocated, freed by teardown when an assertion ends the test early. */
static struct run *live_run;
static struct probe_battery hand_battery; /* for the tests that feed events by hand */
static struct probe_transcript hand_transcript;

static struct run *new_run(server_fn *server, void *user)
{
	struct run *r = calloc(1, sizeof *r);
	assert_non_null(r);
	assert_null(live_run);
	live_run = r;
	r->server = server;
	r->user = user;
	r->ehlo_name = SERVER_NAME;
	probe_config_default(&r->cfg);
	probe_transcript_init(&r->transcript, 1 << 20);
	return r;
}

static void free_run(struct run *r)
{
	probe_transcript_free(&r->transcript);
	free(r);
	live_run = NULL;
}

static int teardown(void **state)
{
	(void)state;
	if (live_run != NULL)
		free_run(live_run);
	probe_transcript_free(&hand_transcript);
	return 0;
}

static void say(struct srv_reply *out, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(struct srv_reply *out, int code, const char *fmt, ...)
{
	char line[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	*out = (struct srv_reply){.how = SRV_SAY, .code = code};
	snprintf(out->text, sizeof out->text, "%03d %s\n", code, line);
}

/* Copies a string into a buffer of the same run (snprintf would see the two as overlapping). */
static void set(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);
	memmove(dst, src, n);
	dst[n] = '\0';
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static bool is_control(const char *rcpt)
{
	return strstr(rcpt, CONTROL_LOCAL) != NULL;
}

/* The envelope the battery builds, with the server's name as the battery understood it. */
static struct probe_form_env env_of(const struct run *r)
{
	return (struct probe_form_env){.sender_domain = r->cfg.sender_domain,
	                               .recipient_domain = r->cfg.recipient_domain,
	                               .ip_literal = LITERAL,
	                               .server_name = r->b.server_name};
}

/* Where a recipient goes, as a server would see it: a control by its domain, a form's recipient by the form
 * (forms 0..3 share one recipient; with a server named by its literal, the name forms read as literal ones). */
static enum probe_via place_of(const struct run *r, const char *rcpt)
{
	struct probe_form_env env = env_of(r);
	char mail[PROBE_ARG_MAX], form_rcpt[PROBE_ARG_MAX];

	if (is_control(rcpt)) {
		if (ends_with(rcpt, "@" LITERAL ">"))
			return PROBE_VIA_LITERAL;
		return strchr(rcpt, '@') != NULL ? PROBE_VIA_NAME : PROBE_VIA_UNQUALIFIED;
	}
	for (int i = 0; i < PROBE_FORM_COUNT; i++) {
		assert_int_equal(probe_form_format(i, &env, mail, form_rcpt), RBL_OK);
		if (strcmp(form_rcpt, rcpt) == 0)
			return probe_form_via(i);
	}
	fail_msg("a recipient no form makes: %s", rcpt);
	return PROBE_VIA_COUNT;
}

/* A well-behaved closed MTA: everything accepted but relaying. Scripts call it, then change what they need. */
static void server_base(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	switch (cmd) {
	case CMD_GREETING:
		say(out, 220, "%s ESMTP", r->ehlo_name);
		return;
	case PROBE_CMD_EHLO:
		*out = (struct srv_reply){.how = SRV_SAY, .code = 250};
		snprintf(out->text, sizeof out->text, "250-%s Hello probe.rbl.example\n250-PIPELINING\n250 8BITMIME\n",
		         r->ehlo_name);
		return;
	case PROBE_CMD_HELO:
		say(out, 250, "%s", r->ehlo_name);
		return;
	case PROBE_CMD_MAIL:
		say(out, 250, "2.1.0 Ok");
		return;
	case PROBE_CMD_RCPT:
		say(out, 554, "5.7.1 %s: Relay access denied", arg);
		return;
	case PROBE_CMD_RSET:
		say(out, 250, "2.0.0 Ok");
		return;
	default:
		fail_msg("the battery asked for command %d", cmd);
	}
}

static struct conn *current(struct run *r)
{
	return &r->conn[r->conns - 1];
}

/* Feeds the server's answer (or its silence) to the battery. */
static void deliver(struct run *r, const struct srv_reply *rep, struct probe_action *act)
{
	struct conn *c = current(r);

	if (rep->how == SRV_HANG_UP) {
		c->closed = true;
		probe_transcript_note(&r->transcript, "connection closed by the server");
		probe_battery_lost(&r->b, "connection closed by the server", true, act);
		return;
	}
	if (rep->how == SRV_TIME_OUT) {
		probe_transcript_note(&r->transcript, "no complete reply within 30000 ms");
		probe_battery_lost(&r->b, "no complete reply within 30000 ms", false, act);
		return;
	}
	for (const char *line = rep->text; *line != '\0';) {
		size_t n = strcspn(line, "\n");
		probe_transcript_add(&r->transcript, "S: ", line, n);
		line += n + (line[n] == '\n');
	}
	if (rep->code >= 500 && rep->code <= 504)
		c->syntax_errors++;
	if (rep->ends)
		c->ended = c->closed = true;
	if (rep->close)
		c->closed = true;
	probe_battery_reply(&r->b, rep->code, rep->text, act);
}

static void ask(struct run *r, int cmd, const char *arg, struct srv_reply *rep)
{
	memset(rep, 0, sizeof *rep);
	r->server(r, cmd, arg, rep);
}

/* Runs the battery to its FINISH against r->server. */
static void run_battery(struct run *r)
{
	struct probe_action act;
	struct srv_reply rep;
	addr_t target;

	assert_int_equal(addr_parse(TARGET, &target), RBL_OK);
	probe_battery_init(&r->b, &r->cfg, &target, NONCE, &r->transcript);
	for (;;) {
		assert_true(r->conns < MAX_CONNS);
		r->conns++;
		struct conn *c = current(r);
		probe_transcript_note(&r->transcript, "connection %u", r->conns);
		probe_battery_connected(&r->b);
		ask(r, CMD_GREETING, NULL, &rep);
		c->greeting = rep.how == SRV_SAY ? rep.code : 0;
		deliver(r, &rep, &act);
		while (act.kind == PROBE_ACT_SEND) {
			assert_true(++r->events < MAX_EVENTS);
			assert_true(c->n < MAX_CMDS);
			struct sent *s = &c->cmds[c->n++];
			s->cmd = act.cmd;
			set(s->arg, sizeof s->arg, act.arg != NULL ? act.arg : "");
			s->form = r->b.form;
			s->control = r->b.step == PROBE_STEP_CONTROL;
			set(s->txn, sizeof s->txn, c->txn);
			char line[PROBE_LINE_MAX];
			int n = probe_command_format(act.cmd, act.arg, line);
			assert_true(n >= 2);
			probe_transcript_add(&r->transcript, "C: ", line, (size_t)n - 2);
			if (c->ended)
				c->sent_after_end++;
			if (c->closed) {
				probe_transcript_note(&r->transcript, "connection closed by the server");
				probe_battery_lost(&r->b, "connection closed by the server", true, &act);
				continue;
			}
			ask(r, act.cmd, s->arg, &rep);
			s->code = rep.how == SRV_SAY ? rep.code : 0;
			if (s->cmd == PROBE_CMD_MAIL && s->code / 100 == 2)
				set(c->txn, sizeof c->txn, s->arg);
			if (s->cmd == PROBE_CMD_RSET && s->code / 100 == 2)
				c->txn[0] = '\0';
			deliver(r, &rep, &act);
		}
		c->end = act.kind;
		c->end_polite = act.polite;
		if (act.kind == PROBE_ACT_FINISH)
			break;
		assert_int_equal(act.kind, PROBE_ACT_RECONNECT);
		probe_transcript_note(&r->transcript, "reconnecting");
	}
	assert_true(r->b.decided);
	r->verdict = r->b.verdict;
	r->first_relayed = r->b.first_relayed;
	set(r->why, sizeof r->why, r->b.why);
	r->polite = act.polite;
}

static unsigned count_cmds(const struct run *r, int cmd)
{
	unsigned n = 0;

	for (unsigned i = 0; i < r->conns; i++)
		for (unsigned k = 0; k < r->conn[i].n; k++)
			n += r->conn[i].cmds[k].cmd == cmd;
	return n;
}

/* The RCPTs of forms (not controls). */
static unsigned count_form_rcpts(const struct run *r)
{
	unsigned n = 0;

	for (unsigned i = 0; i < r->conns; i++)
		for (unsigned k = 0; k < r->conn[i].n; k++)
			n += r->conn[i].cmds[k].cmd == PROBE_CMD_RCPT && !r->conn[i].cmds[k].control;
	return n;
}

static unsigned count_controls(const struct run *r, enum probe_via place)
{
	unsigned n = 0;

	for (unsigned i = 0; i < r->conns; i++)
		for (unsigned k = 0; k < r->conn[i].n; k++) {
			const struct sent *s = &r->conn[i].cmds[k];
			if (s->cmd == PROBE_CMD_RCPT && s->control &&
			    (place == PROBE_VIA_COUNT || place_of(r, s->arg) == place))
				n++;
		}
	return n;
}

static unsigned count_mail(const struct run *r, const char *sender)
{
	unsigned n = 0;

	for (unsigned i = 0; i < r->conns; i++)
		for (unsigned k = 0; k < r->conn[i].n; k++)
			n += r->conn[i].cmds[k].cmd == PROBE_CMD_MAIL && strcmp(r->conn[i].cmds[k].arg, sender) == 0;
	return n;
}

/* The RCPT of form (not a control) sent last, or NULL. */
static const struct sent *form_rcpt(const struct run *r, int form, unsigned *conn)
{
	const struct sent *found = NULL;

	for (unsigned i = 0; i < r->conns; i++)
		for (unsigned k = 0; k < r->conn[i].n; k++) {
			const struct sent *s = &r->conn[i].cmds[k];
			if (s->cmd == PROBE_CMD_RCPT && !s->control && s->form == form) {
				found = s;
				if (conn != NULL)
					*conn = i + 1;
			}
		}
	return found;
}

/* With PROBE_BATTERY_VERBOSE set, every run prints its transcript and verdict. */
static void print_dialogue(const struct run *r)
{
	if (getenv("PROBE_BATTERY_VERBOSE") == NULL)
		return;
	for (const char *line = r->transcript.text; line != NULL && *line != '\0';) {
		int n = (int)strcspn(line, "\n");
		print_message("%.*s\n", n, line);
		line += n + (line[n] == '\n');
	}
	print_message("verdict %s, form %d, why: %s\n", probe_verdict_name(r->verdict), r->first_relayed, r->why);
}

/* What holds for every dialogue, whatever the server says. */
static void assert_dialogue_rules(const struct run *r)
{
	assert_true(r->conns >= 1);
	assert_true(r->conns <= PROBE_MAX_CONNECTIONS);
	for (unsigned i = 0; i < r->conns; i++) {
		const struct conn *c = &r->conn[i];
		char txn[PROBE_ARG_MAX] = "";
		unsigned nonmail = 0, forms = 0;
		int seen[PROBE_FORM_COUNT] = {0};

		/* Nothing is sent once the server said it is closing. */
		assert_int_equal(c->sent_after_end, 0);
		/* No command is sent before the greeting has been answered with a 2xx. */
		if (c->n > 0)
			assert_int_equal(c->greeting / 100, 2);
		/* Every connection starts with EHLO. */
		if (c->n > 0)
			assert_int_equal(c->cmds[0].cmd, PROBE_CMD_EHLO);
		/* At most two 500..504 replies a connection. */
		assert_true(c->syntax_errors <= PROBE_SYNTAX_ERRORS_PER_CONNECTION);
		for (unsigned k = 0; k < c->n; k++) {
			const struct sent *s = &c->cmds[k];
			if (s->cmd == PROBE_CMD_EHLO || s->cmd == PROBE_CMD_HELO || s->cmd == PROBE_CMD_RSET)
				nonmail++;
			if ((s->cmd == PROBE_CMD_MAIL || s->cmd == PROBE_CMD_RCPT || s->cmd == PROBE_CMD_RSET) &&
			    s->form >= 0 && s->form < PROBE_FORM_COUNT && !seen[s->form]++)
				forms++;
			/* No second MAIL in one transaction: an accepted MAIL is ended by RSET first. */
			if (s->cmd == PROBE_CMD_MAIL)
				assert_string_equal(txn, "");
			/* RSET only inside a transaction, and only to change the sender. */
			if (s->cmd == PROBE_CMD_RSET) {
				assert_string_not_equal(txn, "");
				for (unsigned m = k + 1; m < c->n; m++)
					if (c->cmds[m].cmd == PROBE_CMD_MAIL) {
						assert_string_not_equal(c->cmds[m].arg, txn);
						break;
					}
			}
			/* RCPT only inside a transaction. */
			if (s->cmd == PROBE_CMD_RCPT)
				assert_string_not_equal(txn, "");
			if (s->cmd == PROBE_CMD_MAIL && s->code / 100 == 2)
				set(txn, sizeof txn, s->arg);
			if (s->cmd == PROBE_CMD_RSET && s->code / 100 == 2)
				txn[0] = '\0';
			/* A control only right after its form's accepted RCPT. */
			if (s->control) {
				assert_true(k > 0);
				assert_false(c->cmds[k - 1].control);
				assert_int_equal(c->cmds[k - 1].cmd, PROBE_CMD_RCPT);
				assert_true(c->cmds[k - 1].code == 250 || c->cmds[k - 1].code == 251);
				assert_int_equal(c->cmds[k - 1].form, s->form);
				assert_true(is_control(s->arg));
			}
		}
		assert_true(nonmail <= PROBE_NONMAIL_PER_CONNECTION);
		assert_true(forms <= PROBE_FORMS_PER_CONNECTION);
		/* Only the last connection finishes. */
		assert_int_equal(c->end, i + 1 == r->conns ? PROBE_ACT_FINISH : PROBE_ACT_RECONNECT);
		/* A connection whose server announced the end is left without a QUIT. */
		if (c->ended)
			assert_false(c->end_polite);
	}
	/* A relayed form finishes the battery at once: the form's RCPT (or its control) is the last command. */
	if (r->verdict == PROBE_OPEN) {
		const struct conn *c = &r->conn[r->conns - 1];
		assert_true(c->n > 0);
		assert_int_equal(c->cmds[c->n - 1].form, r->first_relayed);
		assert_int_equal(c->cmds[c->n - 1].cmd, PROBE_CMD_RCPT);
		assert_true(r->polite);
	} else {
		assert_int_equal(r->first_relayed, -1);
	}
}

static void run_and_check(struct run *r)
{
	run_battery(r);
	print_dialogue(r);
	assert_dialogue_rules(r);
}

static bool transcript_has(const struct run *r, const char *text)
{
	return r->transcript.text != NULL && strstr(r->transcript.text, text) != NULL;
}

/* --- relaying ----------------------------------------------------------------------------------------------- */

static void server_relays_for_the_null_sender(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_base(r, cmd, arg, out);
	if (cmd == PROBE_CMD_RCPT && strcmp(arg, EXTERNAL_RCPT) == 0 && strcmp(current(r)->txn, "<>") == 0)
		say(out, 250, "2.1.5 Ok");
}

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

static void server_refuses_literal_senders(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_base(r, cmd, arg, out);
	if (cmd == PROBE_CMD_MAIL && strstr(arg, "@[") != NULL)
		say(out, 501, "%s: domain literals not allowed", arg);
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
	        cmocka_unit_test_teardown(test_a_server_refusing_even_the_plain_sender_at_rcpt_is_inconclusive_not_closed,
	                                  teardown),
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
