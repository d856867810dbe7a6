/* SPDX-License-Identifier: BSD-2-Clause */
/* probe_internal.h — the relay prober's parts, shared by probe*.c and tests/unit/relay/test_probe.c.
 *
 *   probe_forms.c       the relay battery (the 16 MAIL FROM / RCPT TO forms), the SMTP commands we may send,
 *                       the verdict from the forms' outcomes
 *   probe_reply.c       the SMTP reply parser (fed arbitrary fragments, bounded) and what a reply means
 *   probe_ehlo.c        the session facts read from the greeting and the EHLO/HELO reply (keywords, names)
 *   probe_reason.c      the words of the verdict: where the dialogue is, the reason of a battery run to its end
 *   probe_transcript.c  the bounded evidence transcript
 *   probe_session.c     one SMTP session on the loop: connect, greeting, EHLO/HELO, battery, QUIT
 *   probe.c             probe_start / probe_run: the batch on a loop, the concurrency cap and the per-host gap
 * Nothing here is part of the public contract (probe.h); the unit tests use it to pin the pieces one by one.
 */
#ifndef RBL_PROBE_INTERNAL_H
#define RBL_PROBE_INTERNAL_H

#include "relay/probe.h"

#include <uv.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- the relay battery (probe_forms.c) ---------------------------------------------------------------------- */

#define PROBE_SENDER_LOCAL "rbl-probe"      /* local part of every external sender */
#define PROBE_RECIPIENT_LOCAL "relay-check" /* local part of every external recipient */
#define PROBE_DOMAIN_MAX PROBE_NAME_MAX     /* longest configured domain or server name we use (128) */
#define PROBE_LITERAL_MAX 48                /* "[IPv6:" + address + "]" + NUL */
#define PROBE_ARG_MAX 400                   /* longest MAIL/RCPT argument a form can make, NUL included */
#define PROBE_LINE_MAX 512                  /* RFC 5321 4.5.3.1.4: a command line, CRLF included */

/* What the forms are built from: the configured external domains and the target's own names. */
struct probe_form_env {
	const char *sender_domain;    /* external sender domain (cfg) */
	const char *recipient_domain; /* external recipient domain (cfg) */
	const char *ip_literal;       /* the target's address literal: "[192.0.2.1]", "[IPv6:2001:db8::1]" */
	const char *server_name;      /* the name the server gave in its EHLO/HELO reply, else the IP literal */
	const char *control_local;    /* set by probe_control_format only */
};

/* Where a form's recipient goes. PROBE_VIA_NONE: straight to the external domain (an acceptance is relaying).
 * The others route through the server itself — its address literal, its own name, or no domain at all (which the
 * server qualifies with its own) — so an acceptance proves relaying only if the server refuses a recipient that
 * cannot exist at that same place (the control); a server that accepts any local part there is a catch-all. */
enum probe_via { PROBE_VIA_NONE, PROBE_VIA_LITERAL, PROBE_VIA_NAME, PROBE_VIA_UNQUALIFIED, PROBE_VIA_COUNT };
enum probe_via probe_form_via(int form);

/* Writes form's MAIL FROM and RCPT TO arguments ("<...>", no verb, no CRLF). RBL_EINVAL for a bad form number,
 * RBL_ESPACE if the env's names make an argument longer than PROBE_ARG_MAX - 1. */
int probe_form_format(int form, const struct probe_form_env *env, char mail[PROBE_ARG_MAX], char rcpt[PROBE_ARG_MAX]);

/* The plain sender every form falls back to when its own is refused: "<rbl-probe@SENDER_DOMAIN>". */
int probe_plain_sender(const struct probe_form_env *env, char mail[PROBE_ARG_MAX]);

/* The control recipient for via: a local part that cannot exist ("rbl-probe-nonexistent-" and 8 hex digits of
 * nonce) at the place via routes through. RBL_EINVAL for PROBE_VIA_NONE. */
int probe_control_format(enum probe_via via, const struct probe_form_env *env, uint32_t nonce,
			 char rcpt[PROBE_ARG_MAX]);

/* The address literal of a (RFC 5321 4.1.3). */
void probe_ip_literal(const addr_t *a, char out[PROBE_LITERAL_MAX]);

/* A host name we are willing to put in a command: LDH labels of 1..63, dot-separated, 1..PROBE_DOMAIN_MAX long. */
bool probe_domain_ok(const char *name);

/* The server's own name from the first line of its EHLO/HELO reply ("250-mx.example.org Hello"), if it is a
 * well-formed host name; else fallback. out has PROBE_DOMAIN_MAX + 1 bytes. */
void probe_server_name(const char *reply_text, const char *fallback, char out[PROBE_DOMAIN_MAX + 1]);

/* The only commands the prober can send. There is no DATA (nor BDAT, nor anything that carries a message): the
 * session writes nothing but "VERB[ARG]\r\n" with a verb from this list and an argument without CR or LF. */
enum probe_command {
	PROBE_CMD_EHLO,
	PROBE_CMD_HELO,
	PROBE_CMD_MAIL,
	PROBE_CMD_RCPT,
	PROBE_CMD_RSET,
	PROBE_CMD_QUIT,
	PROBE_CMD_COUNT
};

/* The command's text up to its argument: "EHLO ", "MAIL FROM:", "QUIT", ...; NULL past PROBE_CMD_COUNT. */
const char *probe_command_verb(enum probe_command cmd);

/* Formats one command line, CRLF included, into line (PROBE_LINE_MAX bytes); returns its length, or RBL_EINVAL if
 * the argument holds a byte outside printable ASCII (so never CR or LF: no second command can ride along), or
 * RBL_ESPACE if the line would not fit. */
int probe_command_format(enum probe_command cmd, const char *arg, char line[PROBE_LINE_MAX]);

/* enum probe_form_outcome (what became of one form) is public: probe.h. */

/* The verdict rules of probe.h: the first RELAYED form -> PROBE_OPEN (its index in *first_relayed, else -1);
 * every form REFUSED or UNTESTABLE, at least one REFUSED -> PROBE_CLOSED; anything else -> PROBE_INCONCLUSIVE. */
enum probe_verdict probe_decide(const enum probe_form_outcome outcome[PROBE_FORM_COUNT], int *first_relayed);

struct probe_transcript; /* below */

/* --- the dialogue (probe_battery.c) ------------------------------------------------------------------------- */

/* Budgets that keep a battery inside every common MTA's session limits, so that no server ends a session on us:
 * Exim drops a session when its syntax or protocol errors exceed smtp_max_synprot_errors (3: at the 4th) and its
 * non-mail commands exceed smtp_accept_max_nonmail (10; the first HELO/EHLO and RSET are free); Postfix starts
 * sleeping before each reply after 10 errors (smtpd_soft_error_limit).
 * Past a budget the battery goes on in a new connection. */
#define PROBE_FORMS_PER_CONNECTION 6
#define PROBE_SYNTAX_ERRORS_PER_CONNECTION 2 /* 500..504 replies */
#define PROBE_NONMAIL_PER_CONNECTION 8       /* EHLO/HELO and RSET */
#define PROBE_MAX_CONNECTIONS 8
#define PROBE_FORM_ATTEMPTS 2 /* a form whose connection ends under it is tried once more */
#define PROBE_QUOTE_MAX 120   /* how much of one server reply a reason quotes */
#define PROBE_WHY_MAX 512

/* What the session must do next. */
enum probe_action_kind {
	PROBE_ACT_SEND,      /* send cmd with arg, then feed its reply */
	PROBE_ACT_RECONNECT, /* end this connection (QUIT first if polite), then open a new one */
	PROBE_ACT_FINISH,    /* the verdict is fixed: QUIT if polite, then report */
};

struct probe_action {
	enum probe_action_kind kind;
	enum probe_command cmd; /* PROBE_ACT_SEND */
	const char *arg;        /* PROBE_ACT_SEND: NULL or a string owned by the battery, valid until the next event */
	bool polite;            /* RECONNECT, FINISH: the server has not said it is closing, a QUIT is in order */
};

enum probe_battery_step { PROBE_STEP_GREETING, PROBE_STEP_EHLO, PROBE_STEP_HELO, PROBE_STEP_MAIL, PROBE_STEP_RCPT,
			  PROBE_STEP_CONTROL, PROBE_STEP_RSET, PROBE_STEP_OFF };

enum probe_control { PROBE_CONTROL_UNKNOWN, PROBE_CONTROL_REFUSED, PROBE_CONTROL_ACCEPTED, PROBE_CONTROL_DEFERRED };

/* The relay battery as a state machine without I/O: probe_session.c feeds it the events of a probe (a connection
 * made, a complete reply, a connection lost) and does what it answers. All the verdict rules of probe.h live here,
 * so the unit tests can drive any dialogue without a socket. Notes on what it decides go into the transcript.
 * It also reads the session facts the replies of the first connection show (facts); the session adds what only it
 * can know (the connection, our address, the times). */
struct probe_battery {
	const char *helo_name;
	bool all_forms;            /* cfg->all_forms: a relayed form does not end the battery */
	struct probe_form_env env; /* server_name points into server_name below once the server has named itself */
	uint32_t nonce;            /* makes the control recipients' local parts */
	struct probe_transcript *transcript;

	enum probe_battery_step step;
	unsigned connections;     /* opened so far, this one included */
	unsigned conn_forms;      /* forms begun on this connection */
	unsigned conn_errors;     /* 500..504 replies on this connection */
	unsigned conn_nonmail;    /* EHLO/HELO/RSET sent on this connection */
	bool in_transaction;      /* a MAIL was accepted on this connection and not RSET */
	bool literal_refused;     /* a literal sender was refused once: plain senders from then on */
	bool plain_sender[PROBE_FORM_COUNT]; /* the form's own sender was refused: it goes on with the plain one */
	int form;                 /* the form being tried */
	unsigned attempts[PROBE_FORM_COUNT];
	enum probe_form_outcome outcome[PROBE_FORM_COUNT];
	enum probe_control control[PROBE_VIA_COUNT];
	bool decided;
	enum probe_verdict verdict;
	int first_relayed;
	probe_session_facts_t facts;

	char server_name[PROBE_DOMAIN_MAX + 1];
	char ip_literal[PROBE_LITERAL_MAX];
	char mail[PROBE_ARG_MAX];     /* the current form's MAIL argument */
	char rcpt[PROBE_ARG_MAX];     /* its RCPT argument */
	char txn_mail[PROBE_ARG_MAX]; /* the MAIL argument of the open transaction */
	char control_rcpt[PROBE_VIA_COUNT][PROBE_ARG_MAX];
	char control_reply[PROBE_VIA_COUNT][PROBE_QUOTE_MAX];
	char accepted[PROBE_QUOTE_MAX];   /* the acceptance of the form waiting on a control */
	char last_refusal[PROBE_QUOTE_MAX];
	char first_deferral[PROBE_QUOTE_MAX];
	char literal_refusal[PROBE_QUOTE_MAX];
	char catch_all[PROBE_ARG_MAX + PROBE_QUOTE_MAX + 16]; /* the first control accepted, with the reply */
	char relayed_why[PROBE_WHY_MAX]; /* how the first form relayed: the reason's start once one has */
	char why[PROBE_WHY_MAX];
};

/* Sets b up for target: nothing is sent until probe_battery_connected. transcript receives the battery's notes.
 * b points into itself: it must not be copied or moved once set up. */
void probe_battery_init(struct probe_battery *b, const probe_config_t *cfg, const addr_t *target, uint32_t nonce,
			struct probe_transcript *transcript);
/* A new connection is up: the next reply fed is its greeting. */
void probe_battery_connected(struct probe_battery *b);
/* A complete reply (code, and its text as probe_reply holds it) to what the battery asked for. */
void probe_battery_reply(struct probe_battery *b, int code, const char *text, struct probe_action *act);
/* The connection ended without a reply: what says how (for the reason), retryable says whether a new connection
 * could help (the server hung up) or not (a timeout, a byte limit, garbage: the same would happen again). */
void probe_battery_lost(struct probe_battery *b, const char *what, bool retryable, struct probe_action *act);
/* Ends the battery from outside (a connect failure, the session's time limit) with why, unless it has decided. */
void probe_battery_stop(struct probe_battery *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* --- the verdict's words (probe_reason.c) ------------------------------------------------------------------- */

/* Where the dialogue is, for a reason: "RCPT of form 11 on connection 2", "greeting". */
void probe_battery_where(const struct probe_battery *b, char *out, size_t size);
/* Bit i set: form i relayed. */
uint32_t probe_battery_relayed_forms(const struct probe_battery *b);
/* Appends to b->why; what does not fit is cut. */
void probe_battery_why_add(struct probe_battery *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes b->why for a battery that has tried its last form: the refusals, deferrals, catch-alls and literal senders,
 * or (all_forms, a form relayed) the first relayed form's reason and the number of every relayed form. */
void probe_battery_summarize(struct probe_battery *b);

/* --- the session facts (probe_ehlo.c) ----------------------------------------------------------------------- */

/* Each takes a complete reply (code, and its text as probe_reply holds it: lines "DDD-text\n") of the first
 * connection and fills what it shows; bounded whatever the reply holds. */
/* The greeting: greeting_code, greeting (the first line after the code), banner_name. */
void probe_facts_greeting(probe_session_facts_t *f, int code, const char *text);
/* The reply to EHLO: ehlo_code, ehlo_ok, and on a 2xx ehlo_name and the keywords (probe_ehlo_keywords). */
void probe_facts_ehlo(probe_session_facts_t *f, int code, const char *text);
/* The reply to HELO (after EHLO failed): ehlo_name, on a 2xx. */
void probe_facts_helo(probe_session_facts_t *f, int code, const char *text);
/* The EHLO keywords of the reply's lines after the first (STARTTLS, PIPELINING, SIZE [n], AUTH mechanisms,
 * AUTH=mechanisms), case-blind. Sets what it finds, clears nothing. */
void probe_ehlo_keywords(const char *text, probe_session_facts_t *f);

/* --- SMTP replies (probe_reply.c) --------------------------------------------------------------------------- */

/* The least max_reply_bytes probe_run accepts: one full reply line (RFC 5321 4.5.3.1.5). */
#define PROBE_REPLY_MIN 512

/* One reply being assembled from fragments. text holds its lines as received, each ended by '\n' (CR of a CRLF
 * dropped), NUL-terminated; it never holds more than max bytes, whatever the server sends. */
struct probe_reply {
	char *text;
	size_t len;        /* bytes in text */
	size_t raw;        /* bytes received for this reply, line ends included: counted against max */
	size_t max;        /* the byte limit of one reply */
	size_t line_start; /* offset in text of the line being received */
	int code;          /* the reply code (of the first line), once a line is complete */
	unsigned lines;    /* complete lines */
};

enum probe_feed {
	PROBE_FEED_MORE,     /* the reply is not complete yet: feed more */
	PROBE_FEED_DONE,     /* a complete reply: code and text are set */
	PROBE_FEED_TOO_LONG, /* more than max bytes without the reply ending */
	PROBE_FEED_GARBAGE,  /* not an SMTP reply: no 3-digit code, codes differ between lines, NUL bytes */
};

/* RBL_ENOMEM, RBL_OK. */
int probe_reply_init(struct probe_reply *r, size_t max);
void probe_reply_free(struct probe_reply *r);
/* Forgets the reply, to read the next one. */
void probe_reply_reset(struct probe_reply *r);

/* Takes bytes[0..n) (any fragment of the stream); *used says how many it consumed — fewer than n only when it
 * returns anything but PROBE_FEED_MORE. After DONE, the bytes left over belong to no reply we asked for. After
 * TOO_LONG or GARBAGE the reply is dead: text keeps what was received, for the transcript. */
enum probe_feed probe_reply_feed(struct probe_reply *r, const char *bytes, size_t n, size_t *used);

/* What a complete reply means to the prober. */
enum probe_reply_kind {
	PROBE_REPLY_OK,           /* 2xx */
	PROBE_REPLY_REFUSED,      /* 5xx, or a 4xx whose text says relaying is denied */
	PROBE_REPLY_DEFERRED,     /* other 4xx: greylisting, resources, try later */
	PROBE_REPLY_CLOSING,      /* 421: the server is closing the connection */
	PROBE_REPLY_TLS_REQUIRED, /* 4xx/5xx asking for STARTTLS first (typically 530): we do not speak TLS */
	PROBE_REPLY_ODD,          /* 1xx/3xx where no such reply belongs */
};

enum probe_reply_kind probe_reply_classify(int code, const char *text);

/* Whether a reply announces that the server is ending the session: 421, or words such as "Too many syntax or
 * protocol errors", "Too many nonmail commands", "closing connection". After it nothing more may be sent. */
bool probe_reply_ends_session(int code, const char *text);

/* Whether a reply's text says the sender is refused ("Sender verify failed", "Sender address rejected: Domain not
 * found"): said to a RCPT (Postfix and Exim check the sender there), it is about the sender, not about relaying. */
bool probe_text_refuses_sender(const char *text);

/* Whether a reply's text says relaying is refused ("Relay access denied", "Relaying denied", "not permitted to
 * relay", "we do not relay", ...). */
bool probe_text_denies_relay(const char *text);

/* --- the transcript (probe_transcript.c) -------------------------------------------------------------------- */

/* The least max_transcript_bytes probe_run accepts. */
#define PROBE_TRANSCRIPT_MIN 256

/* Lines "C: ..." (what we sent), "S: ..." (what the server sent), "* ..." (what happened: connect, timeout, close,
 * the verdict). Bytes outside printable ASCII and the backslash are written \xNN / \\, so one line of the
 * transcript is one line received or sent. text holds at most max bytes of lines, then the cut note. */
struct probe_transcript {
	char *text; /* NUL-terminated; NULL until the first line */
	size_t len;
	size_t cap;
	size_t max;
	bool cut; /* the limit was reached (or memory ran out): nothing more is added */
};

void probe_transcript_init(struct probe_transcript *t, size_t max);
void probe_transcript_free(struct probe_transcript *t);
/* Adds one line: prefix, then bytes[0..n) escaped, then '\n'. A line that does not fit is cut where the limit
 * falls and followed by the note "[transcript cut at N bytes]". */
void probe_transcript_add(struct probe_transcript *t, const char *prefix, const char *bytes, size_t n);
void probe_transcript_note(struct probe_transcript *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* --- the engine and its sessions (probe.c, probe_session.c) ------------------------------------------------- */

struct probe_batch; /* probe.c: a batch of probes on one loop (probe_batch_t) */

/* Starts one session for target on the engine's loop. RBL_ENOMEM (nothing started: the caller reports the target
 * itself), else RBL_OK: the session reports to done exactly once and then calls probe_engine_session_closed. */
int probe_session_start(struct probe_batch *e, const probe_target_t *target);

/* What a session needs from its engine (the batch of probe.c). */
uv_loop_t *probe_engine_loop(struct probe_batch *e);
const probe_config_t *probe_engine_config(struct probe_batch *e);
void probe_engine_report(struct probe_batch *e, const probe_target_t *target, const probe_result_t *result);
/* The session's handles are closed and its memory freed: a slot is free. */
void probe_engine_session_closed(struct probe_batch *e);

/* Whether cfg can be used: domains well-formed, timeouts and limits non-zero and above their minimums.
 * RBL_OK, RBL_EINVAL (a bad name, a zero) or RBL_ERANGE (a limit below its minimum). */
int probe_config_check(const probe_config_t *cfg);

#endif
