/* SPDX-License-Identifier: BSD-2-Clause */
/* probe.h — SMTP open-relay probes: many hosts at once on one libuv loop.
 *
 * A probe opens SMTP to the host, reads the (possibly multi-line, possibly late) greeting, says EHLO (HELO when EHLO
 * gets 500/502), then tries the relay battery — PROBE_FORM_COUNT MAIL FROM / RCPT TO pairs in the forms nmap's
 * smtp-open-relay uses (null sender, external to external, IP-literal sender, percent hack, quoted local parts,
 * double @, source routes, bang paths), with RSET between — and QUITs. It NEVER sends DATA. Every read has a timeout
 * and a byte limit, every session a total time limit; every byte both ways is kept in the transcript, the evidence.
 *
 * Verdicts: an RCPT answered 250/251 for an external recipient → PROBE_OPEN (the first such form is named). Every form
 * refused with 5xx → PROBE_CLOSED. A 4xx whose text says relaying is denied counts as a refusal. Anything else — no
 * banner, 421, greylisting 4xx, timeouts, a dropped connection, garbage — → PROBE_INCONCLUSIVE (retest later).
 * Traffic goes only where the caller says; the caller is responsible for never aiming it outside what it may probe.
 *
 * How the rules above are applied (probe_session.c):
 *   - 5xx to the greeting or to EHLO/HELO refuses every form at once -> PROBE_CLOSED (after EHLO 500/502, HELO).
 *   - 530 (or any 4xx/5xx) asking for STARTTLS -> PROBE_INCONCLUSIVE: we do not speak TLS, and after TLS the server
 *     might relay. A 530 demanding authentication without TLS is a 5xx refusal like any other.
 *   - A 4xx or 5xx whose words say relaying is refused ("Relay access denied", "not permitted to relay", ...)
 *     counts as a refusal; the envelope addresses a server echoes back are not read as its words.
 *   - A MAIL refused skips that form's RCPT (the form counts as refused). RCPT 250/251 ends the battery: the first
 *     relayed form is the evidence, and an open relay need not be burdened with more.
 *   - A dropped connection, 421 or timeout mid-battery: PROBE_CLOSED only if every form was already refused
 *     (a tarpit that hangs up after 10 errors leaves forms untried -> PROBE_INCONCLUSIVE).
 *   - Bytes after a complete reply (we never pipeline) mean the dialogue is out of step -> PROBE_INCONCLUSIVE.
 *   - QUIT is sent whenever the connection is still up and the server has not said 421; the verdict is fixed before
 *     it, and the QUIT exchange only adds to the transcript.
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
	unsigned session_timeout_ms;  /* whole session, e.g. 120000 */
	size_t max_reply_bytes;       /* one reply, all its lines, e.g. 16384: past it the session is inconclusive */
	size_t max_transcript_bytes;  /* e.g. 65536: past it the transcript is cut (and says so), the probe goes on */
	unsigned concurrency;         /* sessions open at once, e.g. 200 */
	unsigned per_host_gap_ms;     /* least time between two sessions to the same address */
} probe_config_t;
/* The names must be host names (LDH labels, at most 128 bytes): they go into commands. Timeouts and concurrency
 * must be non-zero; max_reply_bytes at least 512 (one RFC 5321 reply line), max_transcript_bytes at least 256.
 * per_host_gap_ms is counted from one session's start to the next one's, per address (the port does not make
 * another host); 0 means no per-host limit. The session timeout caps every wait, the reply timeout included. */

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
