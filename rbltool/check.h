/* SPDX-License-Identifier: BSD-2-Clause */
/* check.h — rbltool check, the mail server self-test: what was gathered, and the checklist made from it.
 *
 * cmd_check.c gathers (one probe with every form, the reverse DNS, the blocklist lookups, all on one loop) into a
 * check_facts; check_items.c turns the facts into checklist lines — PASS / WARN / FAIL, what was seen, how to fix
 * it — with no I/O, so that the rules are plain to read and to test. The exit status follows the worst line.
 */
#ifndef RBLTOOL_CHECK_H
#define RBLTOOL_CHECK_H

#include "relay/probe.h"
#include "resolve/resolve.h"

#include <stdbool.h>
#include <stddef.h>

enum check_status { CHECK_PASS, CHECK_WARN, CHECK_FAIL };
/* "PASS", "WARN", "FAIL". */
const char *check_status_name(enum check_status s);

#define CHECK_MAX_ZONES 32
#define CHECK_MAX_LINES (CHECK_MAX_ZONES + 16)
#define CHECK_MAX_FIX 4
#define CHECK_MAX_EVIDENCE (3 * PROBE_FORM_COUNT)

typedef struct check_line {
	enum check_status status;
	char item[300];                 /* "relaying", "reverse-dns", "dnsbl relays.rbl.example", ... */
	char detail[1024];              /* what was seen, one line */
	const char *fix[CHECK_MAX_FIX]; /* hints, static text: printed for WARN and FAIL only */
	size_t nfix;
	char evidence[CHECK_MAX_EVIDENCE][300]; /* the transcript lines that show it (relaying: MAIL, RCPT, reply) */
	size_t nevidence;
} check_line_t;

typedef struct check_report {
	check_line_t lines[CHECK_MAX_LINES];
	size_t count;
	size_t pass, warn, fail;
} check_report_t;

/* One blocklist looked up: the RFC 5782 test point first, then the address (A, and TXT when listed). */
typedef struct check_zone {
	char name[256];
	resolve_answer_t testpoint; /* A of 2.0.0.127.ZONE: must be listed in a working list (RFC 5782) */
	resolve_answer_t negative;  /* A of 1.0.0.127.ZONE: must not be (a list that lists it lists everything) */
	resolve_answer_t a;         /* A of the reversed address in ZONE */
	resolve_answer_t txt;       /* TXT of it */
} check_zone_t;

typedef struct check_facts {
	addr_t addr;
	uint16_t port;
	bool probed;          /* the probe ran (result below) */
	probe_result_t probe; /* strings point into the gatherer's copies */
	bool server_is_local; /* the server's address is one of this machine's own: the check runs on its host */
	rdns_result_t rdns;
	check_zone_t *zones;
	size_t nzones;
	size_t zones_left_out; /* zones past CHECK_MAX_ZONES, not looked up */
} check_facts_t;

/* Whether a server may trust a client at source: loopback, RFC 1918, RFC 6598 (100.64/10), link-local, IPv6 ULA
 * (fc00::/7), or the same host (source is server, or server_is_local: the check runs on the server's machine, and
 * the kernel picked one of its addresses, maybe another than server's). why gets the words for the line
 * ("127.0.0.1, a loopback address"). */
bool check_source_trusted(const addr_t *source, const addr_t *server, bool server_is_local, char *why, size_t size);

/* The checklist from the facts, in a fixed order: relaying, reverse-dns, banner-name, ehlo-name, one dnsbl line per
 * zone, starttls, size, response-time. */
void check_evaluate(const check_facts_t *f, check_report_t *out);

/* The exit status of a report: 0 all PASS, 1 any WARN and no FAIL, 3 any FAIL; CHECK_EXIT_NOT_RUN when the check
 * could not be made (no resolver, a damaged store, ...), 2 (bad input) as for every command. */
#define CHECK_EXIT_NOT_RUN 4
int check_exit_status(const check_report_t *r);

#endif
