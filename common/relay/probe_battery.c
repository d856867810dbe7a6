/* SPDX-License-Identifier: BSD-2-Clause */
/* probe_battery.c — the relay battery's dialogue and its verdict rules, as a state machine without I/O.
 *
 * Per connection: greeting -> EHLO (HELO after 500/502) -> forms. A form is MAIL FROM (skipped when the open
 * transaction already has that sender), RCPT TO, and — when the recipient routes through the server's own name and
 * was accepted — a control RCPT at the same place. Between senders, RSET. Rules (probe.h states them for users):
 *
 *   - A form is decided only by the answer to its RCPT. A refused MAIL FROM is retried with the plain sender; a
 *     refused literal sender makes every later form use the plain sender too (Exim: "domain literals not allowed").
 *   - No command is sent once the server said it is closing (421, "Too many ..."): the form under way is tried again
 *     on a new connection (PROBE_FORM_ATTEMPTS in all). A connection also ends, politely, before it reaches a
 *     common MTA's limits: PROBE_FORMS_PER_CONNECTION forms, PROBE_SYNTAX_ERRORS_PER_CONNECTION 500..504 replies,
 *     PROBE_NONMAIL_PER_CONNECTION EHLO/HELO/RSET. At most PROBE_MAX_CONNECTIONS connections.
 *   - A recipient accepted at an external domain is relaying. One accepted at the server's own literal, name or
 *     no domain is relaying only if the control recipient there is refused; if the control is accepted, the domain
 *     is a catch-all and the forms routed through it are untestable; the verdict rests on the others.
 *   - A relayed form ends the battery, unless all_forms: then it goes on to the last form, and the reason starts
 *     with the first relayed form (the verdict's) and lists the others.
 * The replies of the first connection's greeting and EHLO/HELO also give the session facts (probe_ehlo.c).
 */
#include "probe_internal.h"

#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The first line of a reply, printable, short. */
static void quote(const char *text, char out[PROBE_QUOTE_MAX])
{
	size_t n = 0;

	for (; text != NULL && text[n] != '\0' && text[n] != '\n' && n < PROBE_QUOTE_MAX - 1; n++)
		out[n] = (text[n] >= 0x20 && text[n] <= 0x7e) ? text[n] : '?';
	out[n] = '\0';
}

static void copy(char *out, size_t size, const char *text)
{
	snprintf(out, size, "%s", text);
}

void probe_battery_init(struct probe_battery *b, const probe_config_t *cfg, const addr_t *target, uint32_t nonce,
                        struct probe_transcript *transcript)
{
	memset(b, 0, sizeof *b);
	b->helo_name = cfg->helo_name;
	b->all_forms = cfg->all_forms;
	probe_ip_literal(target, b->ip_literal);
	copy(b->server_name, sizeof b->server_name, b->ip_literal);
	b->env = (struct probe_form_env){
	        .sender_domain = cfg->sender_domain,
	        .recipient_domain = cfg->recipient_domain,
	        .ip_literal = b->ip_literal,
	        .server_name = b->server_name,
	};
	b->nonce = nonce;
	b->transcript = transcript;
	b->step = PROBE_STEP_OFF;
	b->form = -1;
	b->first_relayed = -1;
}

void probe_battery_connected(struct probe_battery *b)
{
	b->connections++;
	b->conn_forms = b->conn_errors = b->conn_nonmail = 0;
	b->in_transaction = false;
	b->txn_mail[0] = '\0';
	b->step = PROBE_STEP_GREETING;
}

static void decide(struct probe_battery *b)
{
	if (b->decided)
		return;
	b->decided = true;
	b->verdict = probe_decide(b->outcome, &b->first_relayed);
}

/* Fixes the verdict with why, unless it is fixed already (the first reason stands). Once a form relayed (all_forms)
 * the verdict is open whatever ended the battery: the relay leads the reason, the end follows. */
static void decide_with(struct probe_battery *b, const char *fmt, va_list ap)
{
	if (b->decided)
		return;
	if (b->relayed_why[0] != '\0') {
		char end[PROBE_WHY_MAX];
		vsnprintf(end, sizeof end, fmt, ap);
		b->why[0] = '\0';
		probe_battery_why_add(b, "%s; the battery then ended: %s", b->relayed_why, end);
	} else {
		vsnprintf(b->why, sizeof b->why, fmt, ap);
	}
	decide(b);
}

static void finish(struct probe_battery *b, struct probe_action *act, bool polite, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static void finish(struct probe_battery *b, struct probe_action *act, bool polite, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	decide_with(b, fmt, ap);
	va_end(ap);
	b->step = PROBE_STEP_OFF;
	*act = (struct probe_action){.kind = PROBE_ACT_FINISH, .polite = polite};
}

void probe_battery_stop(struct probe_battery *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	decide_with(b, fmt, ap);
	va_end(ap);
	b->step = PROBE_STEP_OFF;
}

static void send_command(struct probe_battery *b, struct probe_action *act, enum probe_command cmd, const char *arg,
                         enum probe_battery_step next)
{
	if (cmd == PROBE_CMD_EHLO || cmd == PROBE_CMD_HELO || cmd == PROBE_CMD_RSET)
		b->conn_nonmail++;
	b->step = next;
	*act = (struct probe_action){.kind = PROBE_ACT_SEND, .cmd = cmd, .arg = arg};
}

static int untried_forms(const struct probe_battery *b)
{
	int n = 0;

	for (int i = 0; i < PROBE_FORM_COUNT; i++)
		n += b->outcome[i] == PROBE_FORM_UNTRIED;
	return n;
}

/* Ends this connection and asks for another, or — the connections spent — ends the battery. */
static void reconnect(struct probe_battery *b, struct probe_action *act, bool polite, const char *reason)
{
	if (b->connections >= PROBE_MAX_CONNECTIONS) {
		finish(b, act, polite, "%d forms untested after %u connections (the last ended: %s)", untried_forms(b),
		       b->connections, reason);
		return;
	}
	probe_transcript_note(b->transcript, "%s: the battery goes on in connection %u", reason, b->connections + 1);
	b->step = PROBE_STEP_OFF;
	*act = (struct probe_action){.kind = PROBE_ACT_RECONNECT, .polite = polite};
}

/* The connection ended under the current form: it is tried again, unless it has had its attempts. */
static void form_interrupted(struct probe_battery *b, const char *how)
{
	if (b->form < 0 || b->outcome[b->form] != PROBE_FORM_UNTRIED)
		return;
	if (b->attempts[b->form] >= PROBE_FORM_ATTEMPTS) {
		b->outcome[b->form] = PROBE_FORM_DEFERRED;
		if (b->first_deferral[0] == '\0')
			snprintf(b->first_deferral, sizeof b->first_deferral, "form %d: %.100s", b->form, how);
	}
}

/* Sends a command of the current form, unless the connection's error budget is spent: then the form waits for the
 * next connection (its attempt not counted: nothing went wrong with it). */
static void send_in_form(struct probe_battery *b, struct probe_action *act, enum probe_command cmd, const char *arg,
                         enum probe_battery_step next)
{
	if (b->conn_errors >= PROBE_SYNTAX_ERRORS_PER_CONNECTION) {
		b->attempts[b->form]--;
		b->conn_forms--;
		reconnect(b, act, true, "this connection's share of syntax errors is spent");
		return;
	}
	send_command(b, act, cmd, arg, next);
}

static void battery_done(struct probe_battery *b, struct probe_action *act)
{
	probe_battery_summarize(b);
	decide(b);
	b->step = PROBE_STEP_OFF;
	*act = (struct probe_action){.kind = PROBE_ACT_FINISH, .polite = true};
}

/* The current form's MAIL and RCPT arguments, the plain sender standing in for a refused literal one. */
static int form_arguments(struct probe_battery *b, int form)
{
	int err = probe_form_format(form, &b->env, b->mail, b->rcpt);
	/* The sender as written decides: a server without a name of its own makes form 2's sender a literal too. */
	bool plain = b->plain_sender[form] || (b->literal_refused && strstr(b->mail, "@[") != NULL);

	if (err == RBL_OK && plain)
		err = probe_plain_sender(&b->env, b->mail);
	return err;
}

static void next_form(struct probe_battery *b, struct probe_action *act)
{
	int form = -1;

	for (int i = 0; i < PROBE_FORM_COUNT && form < 0; i++)
		if (b->outcome[i] == PROBE_FORM_UNTRIED)
			form = i;
	if (form < 0) {
		battery_done(b, act);
		return;
	}
	int err = form_arguments(b, form);
	if (err != RBL_OK) {
		finish(b, act, true, "cannot build form %d: %s", form, rbl_strerror(err));
		return;
	}
	bool same_sender = b->in_transaction && strcmp(b->txn_mail, b->mail) == 0;
	if (b->conn_forms >= PROBE_FORMS_PER_CONNECTION) {
		reconnect(b, act, true, "this connection's share of forms is done");
		return;
	}
	if (b->in_transaction && !same_sender && b->conn_nonmail >= PROBE_NONMAIL_PER_CONNECTION) {
		reconnect(b, act, true, "this connection's share of non-mail commands is spent");
		return;
	}
	b->form = form;
	b->attempts[form]++;
	b->conn_forms++;
	if (same_sender)
		send_in_form(b, act, PROBE_CMD_RCPT, b->rcpt, PROBE_STEP_RCPT);
	else if (b->in_transaction)
		send_in_form(b, act, PROBE_CMD_RSET, NULL, PROBE_STEP_RSET);
	else
		send_in_form(b, act, PROBE_CMD_MAIL, b->mail, PROBE_STEP_MAIL);
}

static void form_refused(struct probe_battery *b, struct probe_action *act, const char *q)
{
	b->outcome[b->form] = PROBE_FORM_REFUSED;
	copy(b->last_refusal, sizeof b->last_refusal, q);
	next_form(b, act);
}

static void form_deferred(struct probe_battery *b, struct probe_action *act, const char *q)
{
	b->outcome[b->form] = PROBE_FORM_DEFERRED;
	if (b->first_deferral[0] == '\0')
		copy(b->first_deferral, sizeof b->first_deferral, q);
	next_form(b, act);
}

static void tls_required(struct probe_battery *b, struct probe_action *act, const char *q)
{
	char where[64];

	if (b->form >= 0 && b->outcome[b->form] == PROBE_FORM_UNTRIED)
		b->outcome[b->form] = PROBE_FORM_DEFERRED;
	probe_battery_where(b, where, sizeof where);
	finish(b, act, true, "STARTTLS required at %s ('%s'); we do not speak TLS", where, q);
}

/* The slot of a control: a server that names itself by its address literal has one place, not two. */
static enum probe_via control_slot(const struct probe_battery *b, enum probe_via via)
{
	if (via == PROBE_VIA_NAME && strcmp(b->server_name, b->ip_literal) == 0)
		return PROBE_VIA_LITERAL;
	return via;
}

/* The current form relayed: acceptance is the server's answer to its RCPT; via, unless PROBE_VIA_NONE, the place
 * whose control was refused. The first relayed form's words make the reason; the battery ends, or with all_forms
 * goes on. */
static void relayed(struct probe_battery *b, struct probe_action *act, const char *acceptance, enum probe_via via)
{
	b->outcome[b->form] = PROBE_FORM_RELAYED;
	if (b->relayed_why[0] != '\0') {
		probe_transcript_note(b->transcript, "form %d relayed too", b->form);
		next_form(b, act);
		return;
	}
	b->why[0] = '\0';
	probe_battery_why_add(b, "form %d (%s) relayed on connection %u: RCPT TO:%s answered '%s' (MAIL FROM:%s)",
	                      b->form, probe_form_name(b->form), b->connections, b->rcpt, acceptance, b->mail);
	if (via != PROBE_VIA_NONE)
		probe_battery_why_add(b, "; a recipient that cannot exist there, %s, was refused: '%s'",
		                      b->control_rcpt[via], b->control_reply[via]);
	if (b->all_forms) {
		copy(b->relayed_why, sizeof b->relayed_why, b->why);
		probe_transcript_note(b->transcript, "form %d relayed: the battery goes on (all forms)", b->form);
		next_form(b, act);
		return;
	}
	decide(b);
	b->step = PROBE_STEP_OFF;
	*act = (struct probe_action){.kind = PROBE_ACT_FINISH, .polite = true};
}

/* The current form's own sender was refused (q says how): it goes on with the plain sender, and after a refused
 * literal sender so does every later form. */
static void sender_refused(struct probe_battery *b, const char *q)
{
	char plain[PROBE_ARG_MAX];

	if (strstr(b->mail, "@[") != NULL && !b->literal_refused) {
		b->literal_refused = true;
		copy(b->literal_refusal, sizeof b->literal_refusal, q);
		if (probe_plain_sender(&b->env, plain) == RBL_OK)
			probe_transcript_note(b->transcript, "literal senders refused: %s from now on", plain);
	} else {
		probe_transcript_note(b->transcript, "sender refused: form %d goes on with the plain sender", b->form);
	}
	b->plain_sender[b->form] = true;
}

static void on_mail(struct probe_battery *b, struct probe_action *act, enum probe_reply_kind kind, const char *q)
{
	char plain[PROBE_ARG_MAX];

	if (kind == PROBE_REPLY_OK) {
		b->in_transaction = true;
		copy(b->txn_mail, sizeof b->txn_mail, b->mail);
		send_in_form(b, act, PROBE_CMD_RCPT, b->rcpt, PROBE_STEP_RCPT);
		return;
	}
	if (kind == PROBE_REPLY_TLS_REQUIRED) {
		tls_required(b, act, q);
		return;
	}
	/* A refused (or deferred) sender says nothing about relaying: the form's recipient goes on with the plain
	 * sender. Only the plain sender refused too decides the form: the server takes no mail from us at all. */
	if (probe_plain_sender(&b->env, plain) == RBL_OK && strcmp(plain, b->mail) != 0) {
		sender_refused(b, q);
		copy(b->mail, sizeof b->mail, plain);
		send_in_form(b, act, PROBE_CMD_MAIL, b->mail, PROBE_STEP_MAIL);
	} else if (kind == PROBE_REPLY_REFUSED) {
		form_refused(b, act, q);
	} else {
		form_deferred(b, act, q);
	}
}

static void on_rcpt(struct probe_battery *b, struct probe_action *act, int code, enum probe_reply_kind kind,
                    const char *q)
{
	if (code == 250 || code == 251) {
		enum probe_via via = control_slot(b, probe_form_via(b->form));
		if (via == PROBE_VIA_NONE) {
			relayed(b, act, q, PROBE_VIA_NONE);
			return;
		}
		switch (b->control[via]) {
		case PROBE_CONTROL_REFUSED:
			relayed(b, act, q, via);
			return;
		case PROBE_CONTROL_ACCEPTED:
			b->outcome[b->form] = PROBE_FORM_UNTESTABLE;
			next_form(b, act);
			return;
		case PROBE_CONTROL_DEFERRED:
			form_deferred(b, act, q);
			return;
		case PROBE_CONTROL_UNKNOWN:
			break;
		}
		int err = probe_control_format(via, &b->env, b->nonce, b->control_rcpt[via]);
		if (err != RBL_OK) {
			finish(b, act, true, "cannot build the control for form %d: %s", b->form, rbl_strerror(err));
			return;
		}
		copy(b->accepted, sizeof b->accepted, q);
		send_in_form(b, act, PROBE_CMD_RCPT, b->control_rcpt[via], PROBE_STEP_CONTROL);
		return;
	}
	char plain[PROBE_ARG_MAX];
	if (kind != PROBE_REPLY_OK && kind != PROBE_REPLY_TLS_REQUIRED && probe_text_refuses_sender(q) &&
	    probe_plain_sender(&b->env, plain) == RBL_OK) {
		/* Checked at RCPT (Postfix's smtpd_delay_reject, Exim's verify = sender), the refusal is of the sender:
		 * with the plain sender the form is tried again (RSET, MAIL); the plain one refused leaves it untested. */
		if (strcmp(plain, b->mail) == 0) {
			form_deferred(b, act, q);
			return;
		}
		sender_refused(b, q);
		b->attempts[b->form]--;
		b->conn_forms--;
		next_form(b, act);
		return;
	}
	if (kind == PROBE_REPLY_REFUSED)
		form_refused(b, act, q);
	else if (kind == PROBE_REPLY_TLS_REQUIRED)
		tls_required(b, act, q);
	else
		form_deferred(b, act, q); /* 4xx, and any 2xx but 250/251: no acceptance we can name */
}

static void on_control(struct probe_battery *b, struct probe_action *act, enum probe_reply_kind kind, const char *q)
{
	enum probe_via via = control_slot(b, probe_form_via(b->form));

	copy(b->control_reply[via], sizeof b->control_reply[via], q);
	if (kind == PROBE_REPLY_OK) {
		b->control[via] = PROBE_CONTROL_ACCEPTED;
		b->outcome[b->form] = PROBE_FORM_UNTESTABLE;
		if (b->catch_all[0] == '\0')
			snprintf(b->catch_all, sizeof b->catch_all, "RCPT TO:%s answered '%s'", b->control_rcpt[via],
			         q);
		probe_transcript_note(b->transcript, "catch-all: %s was accepted, so form %d proves nothing",
		                      b->control_rcpt[via], b->form);
		next_form(b, act);
	} else if (kind == PROBE_REPLY_REFUSED) {
		b->control[via] = PROBE_CONTROL_REFUSED;
		relayed(b, act, b->accepted, via);
	} else {
		b->control[via] = PROBE_CONTROL_DEFERRED;
		form_deferred(b, act, q);
	}
}

/* The connection ended under a form (how: the server's words or the event): the battery ends if nothing is left to
 * try, else goes on in a new connection; either way nothing more is said on this one. */
static void connection_ended(struct probe_battery *b, struct probe_action *act, const char *how, const char *reason)
{
	form_interrupted(b, how);
	if (untried_forms(b) == 0)
		battery_done(b, act);
	else
		reconnect(b, act, false, reason);
	act->polite = false;
}

/* 5xx, 4xx, 421 and oddities to the greeting or to EHLO/HELO. */
static void session_not_accepted(struct probe_battery *b, struct probe_action *act, enum probe_reply_kind kind,
                                 bool ends, const char *q)
{
	char where[64];

	probe_battery_where(b, where, sizeof where);
	if (kind == PROBE_REPLY_TLS_REQUIRED) {
		finish(b, act, !ends, "STARTTLS required at %s ('%s'); we do not speak TLS", where, q);
	} else if (kind == PROBE_REPLY_REFUSED && !ends && b->connections == 1) {
		/* The server refuses us any session at all: no form can get through. */
		for (int i = 0; i < PROBE_FORM_COUNT; i++)
			if (b->outcome[i] == PROBE_FORM_UNTRIED)
				b->outcome[i] = PROBE_FORM_REFUSED;
		finish(b, act, true, "%s refused, so is every form: '%s'", where, q);
	} else {
		finish(b, act, !ends && kind != PROBE_REPLY_CLOSING, "%s answered '%s'", where, q);
	}
}

static void start_forms(struct probe_battery *b, struct probe_action *act, const char *text)
{
	if (b->connections == 1)
		probe_server_name(text, b->ip_literal, b->server_name);
	next_form(b, act);
}

/* What the first connection's greeting and EHLO/HELO replies show of the server. */
static void facts_from(struct probe_battery *b, int code, const char *text)
{
	if (b->step == PROBE_STEP_GREETING)
		probe_facts_greeting(&b->facts, code, text);
	else if (b->step == PROBE_STEP_EHLO)
		probe_facts_ehlo(&b->facts, code, text);
	else if (b->step == PROBE_STEP_HELO)
		probe_facts_helo(&b->facts, code, text);
}

void probe_battery_reply(struct probe_battery *b, int code, const char *text, struct probe_action *act)
{
	char q[PROBE_QUOTE_MAX];
	enum probe_reply_kind kind = probe_reply_classify(code, text);
	bool ends = probe_reply_ends_session(code, text);

	quote(text, q);
	if (b->connections == 1)
		facts_from(b, code, text);
	if (code >= 500 && code <= 504)
		b->conn_errors++;
	if (ends && b->step >= PROBE_STEP_MAIL && b->step <= PROBE_STEP_RSET) {
		/* Whatever it answered for, the server has ended the session: nothing more is sent on it. A refusal
		 * of the form itself ("421 relaying denied") still counts; any other form under way is tried again. */
		char reason[PROBE_QUOTE_MAX + 64];
		if (kind == PROBE_REPLY_REFUSED && b->step == PROBE_STEP_RCPT) {
			b->outcome[b->form] = PROBE_FORM_REFUSED;
			copy(b->last_refusal, sizeof b->last_refusal, q);
		}
		snprintf(reason, sizeof reason, "the server ended connection %u: '%s'", b->connections, q);
		connection_ended(b, act, q, reason);
		return;
	}
	switch (b->step) {
	case PROBE_STEP_GREETING:
		if (kind == PROBE_REPLY_OK && !ends)
			send_command(b, act, PROBE_CMD_EHLO, b->helo_name, PROBE_STEP_EHLO);
		else
			session_not_accepted(b, act, kind, ends, q);
		return;
	case PROBE_STEP_EHLO:
		if ((code == 500 || code == 502) && !ends)
			send_command(b, act, PROBE_CMD_HELO, b->helo_name, PROBE_STEP_HELO);
		else if (kind == PROBE_REPLY_OK && !ends)
			start_forms(b, act, text);
		else
			session_not_accepted(b, act, kind, ends, q);
		return;
	case PROBE_STEP_HELO:
		if (kind == PROBE_REPLY_OK && !ends)
			start_forms(b, act, text);
		else
			session_not_accepted(b, act, kind, ends, q);
		return;
	case PROBE_STEP_MAIL:
		on_mail(b, act, kind, q);
		return;
	case PROBE_STEP_RCPT:
		on_rcpt(b, act, code, kind, q);
		return;
	case PROBE_STEP_CONTROL:
		on_control(b, act, kind, q);
		return;
	case PROBE_STEP_RSET:
		if (kind == PROBE_REPLY_OK) {
			b->in_transaction = false;
			b->txn_mail[0] = '\0';
			send_in_form(b, act, PROBE_CMD_MAIL, b->mail, PROBE_STEP_MAIL);
		} else {
			b->attempts[b->form]--;
			reconnect(b, act, true, "RSET was not accepted");
		}
		return;
	case PROBE_STEP_OFF:
		break;
	}
	finish(b, act, false, "a reply nobody asked for: '%s'", q);
}

void probe_battery_lost(struct probe_battery *b, const char *what, bool retryable, struct probe_action *act)
{
	char where[64];
	bool in_forms = b->step >= PROBE_STEP_MAIL && b->step <= PROBE_STEP_RSET;

	probe_battery_where(b, where, sizeof where);
	if (retryable && in_forms && b->connections < PROBE_MAX_CONNECTIONS) {
		char reason[PROBE_QUOTE_MAX + 128];
		snprintf(reason, sizeof reason, "%s during %s", what, where);
		connection_ended(b, act, what, reason);
		return;
	}
	finish(b, act, false, "%s during %s", what, where);
}
