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
 *   - A relayed form ends the battery: it is the evidence, and an open relay need not be burdened with more.
 *   - Bytes after a complete reply (we never pipeline) mean the dialogue is out of step -> PROBE_INCONCLUSIVE.
 *   - The reason (why) names the deciding command, the server's own words and the connection count.
 */
#ifndef RBL_PROBE_H
#define RBL_PROBE_H

#include "base/addr.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROBE_FORM_COUNT 16

enum probe_verdict { PROBE_OPEN = 0, PROBE_CLOSED = 1, PROBE_INCONCLUSIVE = 2 };

/* "open", "closed", "inconclusive". */
const char *probe_verdict_name(enum probe_verdict v);

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
} probe_config_t;
/* The names must be host names (LDH labels, at most 128 bytes): they go into commands. Timeouts and concurrency
 * must be non-zero; max_reply_bytes at least 512 (one RFC 5321 reply line), max_transcript_bytes at least 256.
 * per_host_gap_ms is counted from one connection's start to the next one's, per address (the port does not make
 * another host; two probes of one address start that far apart, and so do the connections of one probe); 0 means no
 * per-host limit. The session timeout caps every wait of a connection, the reply timeout included; a probe as a
 * whole lasts at most 8 x (session timeout + gap). */

/* Sensible defaults (the examples above; per_host_gap_ms 10000). */
void probe_config_default(probe_config_t *cfg);

typedef struct probe_target {
	addr_t addr;
	uint16_t port;  /* 25 by default (0 means 25) */
	void *user;     /* the caller's, handed back in the result */
} probe_target_t;

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
} probe_result_t;

/* Probes every target, at most cfg->concurrency at once, and calls done once per target, in completion order.
 * Runs its own libuv loop and returns when all are done: 0, or a negative RBL_E* code if it could not run
 * (RBL_EINVAL / RBL_ERANGE: a bad configuration or target, checked before anything is sent; RBL_ENOMEM; RBL_EIO).
 * While it runs, SIGPIPE is blocked in the calling thread (a server hanging up mid-write must not kill the
 * caller); the mask is restored on return. Threads may each run their own probe_run. */
int probe_run(const probe_config_t *cfg, const probe_target_t *targets, size_t count,
	      void (*done)(void *ctx, const probe_target_t *target, const probe_result_t *result), void *ctx);

#endif
