/* SPDX-License-Identifier: BSD-2-Clause */
/* retest_requests.h — the retest requests' side of rbltool retest (retest_requests.c): choosing what retest
 * --requested probes, in a read snapshot, and queueing an operator's requests (retest --queue). Recording the results
 * stays with the probes' (cmd_probe.c), in one write transaction.
 */
#ifndef RBLTOOL_RETEST_REQUESTS_H
#define RBLTOOL_RETEST_REQUESTS_H

#include "cli.h"
#include "probe_jobs.h"

#include "relay/pipeline.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A queued request answered without a probe: recorded done with the probes' results. */
typedef struct retest_answered {
	uint64_t id;
	addr_t addr;
	enum retest_outcome outcome; /* RETEST_OPTED_OUT, RETEST_NOT_LISTED or RETEST_PROBED_MEANWHILE */
	uint64_t probe_id;           /* PROBED_MEANWHILE: the probe that answers it */
	uint8_t verdict;             /* ... and its verdict */
} retest_answered_t;

typedef struct retest_answers {
	retest_answered_t *items;
	size_t count;
} retest_answers_t;

/* Up to max queued requests, oldest first: an opted-out host, one with no pipeline listing left in any zone
 * (evidence, not an exclusion, not expired at now), or one probed after its request is appended to answers;
 * any other becomes a job of run on port, with request_id and its listings (one per zone). RBL_OK, or the store's
 * error (RBL_ENOMEM). */
int retest_requests_pick(store_rtxn_t *r, probe_jobs_t *run, retest_answers_t *answers, uint16_t port, unsigned max,
			 int64_t now);
void retest_answers_free(retest_answers_t *a);

/* rbltool retest --queue ADDR... [--json]: one request per address (via cli, no limits; an address already queued
 * keeps its request), all in one write transaction; a line (or object) per address. A CLI status. */
int retest_requests_queue(cli_t *cli, int argc, char **argv, bool json, const char *usage);

#endif
