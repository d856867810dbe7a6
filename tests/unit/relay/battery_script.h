/* SPDX-License-Identifier: BSD-2-Clause */
/* battery_script.h — the harness of test_probe_battery.c: a scripted SMTP server (a function from the command sent
 * to the reply), a run of the battery against it to its FINISH with every command recorded per connection, and the
 * dialogue rules every run must keep (assert_dialogue_rules). Header-only (static functions): one test program uses
 * it. Needs cmocka and probe_internal.h included first. */
#ifndef RBL_TEST_BATTERY_SCRIPT_H
#define RBL_TEST_BATTERY_SCRIPT_H

/* Not every program that includes this uses every helper. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-variable"

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
	/* A relayed form finishes the battery at once (unless all_forms): the form's RCPT (or its control) is the last
	 * command. With all_forms the battery finishes politely all the same, and the first relayed form is named. */
	if (r->verdict == PROBE_OPEN && r->cfg.all_forms) {
		assert_true(r->first_relayed >= 0 && r->first_relayed < PROBE_FORM_COUNT);
		assert_int_equal(r->b.outcome[r->first_relayed], PROBE_FORM_RELAYED);
		for (int i = 0; i < r->first_relayed; i++)
			assert_int_not_equal(r->b.outcome[i], PROBE_FORM_RELAYED);
		assert_non_null(strstr(r->why, "relayed"));
	} else if (r->verdict == PROBE_OPEN) {
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

/* --- servers both battery test programs use ---------------------------------------------------------- */

static void server_relays_for_the_null_sender(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_base(r, cmd, arg, out);
	if (cmd == PROBE_CMD_RCPT && strcmp(arg, EXTERNAL_RCPT) == 0 && strcmp(current(r)->txn, "<>") == 0)
		say(out, 250, "2.1.5 Ok");
}

static void server_refuses_literal_senders(struct run *r, int cmd, const char *arg, struct srv_reply *out)
{
	server_base(r, cmd, arg, out);
	if (cmd == PROBE_CMD_MAIL && strstr(arg, "@[") != NULL)
		say(out, 501, "%s: domain literals not allowed", arg);
}

#pragma GCC diagnostic pop

#endif
