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
 */
#ifndef RBL_PROBE_H
#define RBL_PROBE_H

#include "addr.h"

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

/* Sensible defaults (the examples above). */
void probe_config_default(probe_config_t *cfg);

typedef struct probe_target {
	addr_t addr;
	uint16_t port;  /* 25 by default */
	void *user;     /* the caller's, handed back in the result */
} probe_target_t;

typedef struct probe_result {
	enum probe_verdict verdict;
	int form;                /* the first relay form accepted (PROBE_OPEN), else -1 */
	const char *form_name;   /* its short name ("external to external", ...), or "" */
	const char *why;         /* one line: what decided the verdict */
	const char *transcript;  /* "C: ..." / "S: ..." lines; valid during the callback only */
	size_t transcript_len;
	int64_t started;         /* unix time */
	unsigned elapsed_ms;
	bool data_sent;          /* always false: kept so that tests can assert it */
} probe_result_t;

/* Probes every target, at most cfg->concurrency at once, and calls done once per target, in completion order.
 * Runs its own libuv loop and returns when all are done: 0, or a negative RBL_E* code if it could not run. */
int probe_run(const probe_config_t *cfg, const probe_target_t *targets, size_t count,
	      void (*done)(void *ctx, const probe_target_t *target, const probe_result_t *result), void *ctx);

#endif
