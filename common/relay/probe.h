/* SPDX-License-Identifier: BSD-2-Clause */
/* probe.h — SMTP open-relay probes: many hosts at once on one libuv loop.
 *
 * A probe opens SMTP to the host, reads the (possibly multi-line, possibly late) greeting, says EHLO (HELO when EHLO
 * gets 500/502), then tries the relay battery — PROBE_FORM_COUNT MAIL FROM / RCPT TO pairs in the forms nmap's
 * smtp-open-relay uses (null sender, external to external, IP-literal sender, percent hack, quoted local parts,
 * double @, source routes, bang paths; see Connections below) — and QUITs. It NEVER sends DATA. Every read has a
 * timeout and a byte limit, every connection a time limit; every byte both ways is kept in the transcript, the
 * evidence.
 *
 * Verdicts. A form is decided by the answer to its RCPT:
 *   - RCPT 250/251 for a recipient at the external domain -> PROBE_OPEN (the first such form is named). A recipient
 *     routed through the server itself (its address literal or name with %, !, @ or a source route; a quoted or
 *     unqualified local part) proves relaying only if a control recipient that cannot exist at that same place
 *     ("rbl-probe-nonexistent-XXXXXXXX") is refused; if the control is accepted the place is a catch-all, those
 *     forms are "not testable" and the verdict rests on the others.
 *   - Every form refused (or not testable), at least one refused -> PROBE_CLOSED. 5xx refuses; so does a 4xx whose
 *     text says relaying is denied.
 *   - Anything else — no banner, 421 before any form, greylisting 4xx, timeouts, garbage, STARTTLS demanded, forms
 *     left untested -> PROBE_INCONCLUSIVE (retest later).
 * A refused MAIL FROM decides nothing: the form's recipient is tried with the plain sender <rbl-probe@SENDER>, and
 * once a literal sender is refused ("domain literals not allowed") every later form uses the plain sender.
 * Traffic goes only where the caller says; the caller is responsible for never aiming it outside what it may probe.
 *
 * Connections: the battery stays inside common MTAs' session limits (Exim drops a session at its 4th syntax error
 * or its 12th RSET; Postfix slows down after 10 errors): a connection carries at most a few forms, two
 * syntax errors and eight EHLO/HELO/RSETs, then the battery goes on in a new connection; so it does after a server
 * ends a session (421, "Too many ..."), and nothing is sent after a server said it is closing. The form under way
 * when a connection ends is tried again once. At most 8 connections, per_host_gap_ms apart (connect to connect).
 * Details: probe_battery.c; why each rule exists: docs/DESIGN.md, "Relay probes".
 *
 * How the other rules are applied (probe_battery.c, probe_session.c):
 *   - 5xx to the greeting or to EHLO/HELO of the first connection refuses every form -> PROBE_CLOSED.
 *   - 530 (or any 4xx/5xx) asking for STARTTLS -> PROBE_INCONCLUSIVE: we do not speak TLS, and after TLS the server
 *     might relay. A 530 demanding authentication without TLS is a 5xx refusal like any other.
 *   - The envelope addresses a server echoes back are not read as its words.
 *   - A relayed form ends the battery: it is the evidence, and an open relay need not be burdened with more —
 *     unless cfg->all_forms asks for every form (the same budgets and connections); the verdict stays the first.
 *   - Bytes after a complete reply (we never pipeline) mean the dialogue is out of step -> PROBE_INCONCLUSIVE.
 *   - The reason (why) names the deciding command, the server's own words and the connection count.
 */
#ifndef RBL_PROBE_H
#define RBL_PROBE_H

#include "base/addr.h"

#include <uv.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROBE_FORM_COUNT 16

enum probe_verdict { PROBE_OPEN = 0, PROBE_CLOSED = 1, PROBE_INCONCLUSIVE = 2 };

/* "open", "closed", "inconclusive". */
const char *probe_verdict_name(enum probe_verdict v);

/* What became of one form of the battery (probe_result_t.outcome). */
enum probe_form_outcome {
	PROBE_FORM_UNTRIED = 0, /* never got that far */
	PROBE_FORM_RELAYED,     /* RCPT 250/251 (through the server itself: with its control refused) */
	PROBE_FORM_REFUSED,     /* 5xx at MAIL or RCPT, or a 4xx that says relaying is denied */
	PROBE_FORM_DEFERRED,    /* any other answer: 4xx, 421, STARTTLS required, nonsense */
	PROBE_FORM_UNTESTABLE,  /* routed through a catch-all domain: an acceptance proves nothing */
};

/* "untried", "relayed", "refused", "deferred", "not testable"; "untried" for anything else. */
const char *probe_form_outcome_name(enum probe_form_outcome o);

/* Short English name of form 0..PROBE_FORM_COUNT-1 ("external to external", ...); "" for anything else. */
const char *probe_form_name(int form);

typedef struct probe_config {
	const char *helo_name;        /* what we say in EHLO/HELO, e.g. "probe.rbl.example" */
	const char *sender_domain;    /* external sender domain of the forms, e.g. "probe.example" */
	const char *recipient_domain; /* external recipient domain, e.g. "relay-test.example" */
	unsigned connect_timeout_ms;  /* e.g. 10000 */
	unsigned reply_timeout_ms;    /* per reply, greeting included, e.g. 30000 */
	unsigned session_timeout_ms;  /* each connection of a probe, e.g. 120000 */
	size_t max_reply_bytes;       /* one reply, all its lines, e.g. 16384: past it the session is inconclusive */
	size_t max_transcript_bytes;  /* e.g. 65536: past it the transcript is cut (and says so), the probe goes on */
	unsigned concurrency;         /* sessions open at once, e.g. 200 */
	unsigned per_host_gap_ms;     /* least time between two sessions to the same address */
	bool all_forms;               /* go on after a relayed form and try all 16 (default false: stop at the first) */
} probe_config_t;
/* The names must be host names (LDH labels, at most 128 bytes): they go into commands. Timeouts and concurrency
 * must be non-zero; max_reply_bytes at least 512 (one RFC 5321 reply line), max_transcript_bytes at least 256.
 * per_host_gap_ms is counted from one connection's start to the next one's, per address (the port does not make
 * another host; two probes of one address start that far apart, and so do the connections of one probe); 0 means no
 * per-host limit. The session timeout caps every wait of a connection, the reply timeout included; a probe as a
 * whole lasts at most 8 x (session timeout + gap). */

/* Sensible defaults (the examples above; per_host_gap_ms 10000, all_forms false). */
void probe_config_default(probe_config_t *cfg);

typedef struct probe_target {
	addr_t addr;
	uint16_t port;  /* 25 by default (0 means 25) */
	void *user;     /* the caller's, handed back in the result */
} probe_target_t;

#define PROBE_NAME_MAX 128     /* the longest host name taken from a server */
#define PROBE_GREETING_MAX 256 /* the bytes of the greeting's first line kept */
#define PROBE_AUTH_MAX 64      /* the bytes of the EHLO AUTH mechanisms kept */

/* What the server showed of itself on the probe's FIRST connection, for the self-test (rbltool check). Strings are
 * NUL-terminated, printable ASCII (other bytes as '?'), "" when unknown; times in ms, 0 when not measured (or under
 * 1 ms: look at the code or flag beside them). EHLO keywords are matched case-blind on the reply's lines after the
 * first; a keyword line is read up to its end or the field's bound, whichever comes first. */
typedef struct probe_session_facts {
	/* The connection. local_addr is our own address on it (getsockname; family 0 if unknown): whether the server
	 * might trust us. */
	bool connected;
	addr_t local_addr;
	uint16_t local_port;
	unsigned connect_ms; /* connect started -> connection made */
	/* The greeting: its code (0: no complete greeting), its first line after the code ("mx.example.org ESMTP"),
	 * that line's first word if it is a host name (LDH labels, the last with a letter: not "5.7.1", not an
	 * address), and the time from the connection made to the greeting complete. */
	int greeting_code;
	char greeting[PROBE_GREETING_MAX + 1];
	char banner_name[PROBE_NAME_MAX + 1];
	unsigned greeting_ms;
	/* EHLO: its reply code (0: never answered); ehlo_ok when that is 250 (not the HELO fallback); the name in the
	 * first line of the EHLO (or HELO) reply, if a host name as above; the time from EHLO sent to its reply. */
	int ehlo_code;
	bool ehlo_ok;
	char ehlo_name[PROBE_NAME_MAX + 1];
	unsigned ehlo_ms;
	/* The EHLO keywords: STARTTLS, PIPELINING, AUTH (or the old AUTH=) with the words after it as given ("PLAIN
	 * LOGIN"), SIZE with its number (RFC 1870: 0 = no limit; 0 too without a valid number). */
	bool starttls;
	bool pipelining;
	bool auth;
	char auth_mechanisms[PROBE_AUTH_MAX + 1];
	bool has_size;
	uint64_t size_limit;
} probe_session_facts_t;

typedef struct probe_result {
	enum probe_verdict verdict;
	int form;                /* the first relay form accepted (PROBE_OPEN), else -1 */
	const char *form_name;   /* its short name ("external to external", ...), or "" */
	const char *why;         /* one line: what decided the verdict */
	const char *transcript;  /* "C: ..." / "S: ..." lines, "* ..." for events (connect, timeout, close, the
				  * verdict); bytes outside printable ASCII as \xNN; valid during the callback only */
	size_t transcript_len;
	int64_t started;         /* unix time */
	unsigned elapsed_ms;
	unsigned connections;    /* how many connections the probe made (0: it never connected) */
	bool data_sent;          /* always false: kept so that tests can assert it */
	uint32_t relayed_forms;  /* bit i: form i relayed (with all_forms every such form, else at most the first) */
	uint8_t outcome[PROBE_FORM_COUNT]; /* each form's enum probe_form_outcome */
	probe_session_facts_t facts;       /* the first connection's */
} probe_result_t;

typedef void probe_done_fn(void *ctx, const probe_target_t *target, const probe_result_t *result);

/* Probes every target, at most cfg->concurrency at once, and calls done once per target, in completion order.
 * Runs its own libuv loop and returns when all are done: 0, or a negative RBL_E* code if it could not run
 * (RBL_EINVAL / RBL_ERANGE: a bad configuration or target, checked before anything is sent; RBL_ENOMEM; RBL_EIO).
 * While it runs, SIGPIPE is blocked in the calling thread (a server hanging up mid-write must not kill the
 * caller); the mask is restored on return. Threads may each run their own probe_run. */
int probe_run(const probe_config_t *cfg, const probe_target_t *targets, size_t count, probe_done_fn *done, void *ctx);

/* The same probes on the caller's loop, beside its other work (lookups, timers). */
typedef struct probe_batch probe_batch_t;

/* Starts probing targets on loop and returns at once (no callback runs before the loop does): 0 and *out, or an
 * error as probe_run's (nothing started). done is called from the loop, once per target, in completion order. The
 * batch is finished once every target is reported and the batch's own handles are closed: then it keeps nothing
 * on the loop, and finished (if not NULL) is called once — it may free the batch. cfg is copied (its names too);
 * targets must stay valid until the batch is finished (done gets pointers into it).
 * SIGPIPE: from probe_start to probe_batch_free it is blocked in the calling thread, which must be the one that runs
 * the loop (a SIGPIPE raised meanwhile is discarded at the end); batches started in one thread share that hold, and
 * the old mask comes back when the last is freed. A caller that already blocks SIGPIPE keeps its mask and whatever
 * is pending. */
int probe_start(uv_loop_t *loop, const probe_config_t *cfg, const probe_target_t *targets, size_t count,
                probe_done_fn *done, void (*finished)(void *ctx, probe_batch_t *batch), void *ctx, probe_batch_t **out);

/* Targets reported so far, and in all (for progress). */
size_t probe_batch_reported(const probe_batch_t *batch);
size_t probe_batch_count(const probe_batch_t *batch);
/* Whether the batch is finished (above). */
bool probe_batch_finished(const probe_batch_t *batch);

/* Frees a finished batch (NULL: nothing) and releases its SIGPIPE hold: RBL_OK. RBL_EBUSY if it is not finished
 * (then nothing is freed: run the loop on). */
int probe_batch_free(probe_batch_t *batch);

#endif
