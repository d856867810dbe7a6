/* SPDX-License-Identifier: BSD-2-Clause */
/* probe_jobs.h — what probe, retest and check share: the hosts to probe, and one run over them on one libuv loop —
 * the relay probes, each host's reverse DNS beside its probe (lookups overlap the probes and each other), and the
 * progress line on a terminal. Nothing here touches the store: the commands choose the hosts before and record the
 * results after, in their own transactions.
 */
#ifndef RBLTOOL_PROBE_JOBS_H
#define RBLTOOL_PROBE_JOBS_H

#include "base/dname.h"
#include "relay/probe.h"
#include "resolve/resolve.h"
#include "store/entry.h"

#include <stdbool.h>
#include <stddef.h>

/* A probe result that outlives the probe's callback: its strings copied. */
typedef struct kept_result {
	probe_result_t result; /* strings point into the copies below ("" when a copy failed) */
	char *transcript, *why, *form_name;
} kept_result_t;

void kept_result_set(kept_result_t *k, const probe_result_t *result);
void kept_result_free(kept_result_t *k);

/* A pipeline listing a retest found for its host: extended when the host is open, deleted when closed. */
struct job_listing {
	uint32_t zone_id;
	char zone[DNAME_TEXTMAX];
	cidr_t net;
	uint8_t ncodes; /* the listing's codes, kept when it is extended */
	uint32_t codes[ENTRY_MAX_CODES];
};
#define JOB_LISTINGS_MAX 16

/* One host to probe and what is known of it beforehand. */
struct job {
	probe_target_t target;
	/* retest: its pipeline listings (retest ZONE: one; retest --requested: one per zone that lists it, at most
	 * JOB_LISTINGS_MAX). Allocated on the first one (probe jobs have none: a job stays small), freed with the
	 * jobs. */
	struct job_listing *listings;
	unsigned nlistings;
	uint64_t request_id; /* retest --requested: the request it answers (0: none) */
	/* Filled by the run. */
	bool done;
	kept_result_t kept;
	bool rdns_done;
	rdns_result_t rdns;
};

typedef struct probe_jobs {
	struct job *jobs;
	size_t count, cap;
	probe_config_t config;
	bool rdns; /* look up each host's reverse DNS beside its probe */
	resolver_config_t resolver;
	const char *what; /* for the progress line: "probe", "retest" */
} probe_jobs_t;

/* Appends a host: RBL_OK or RBL_ENOMEM. */
int probe_jobs_add(probe_jobs_t *p, const addr_t *addr, uint16_t port);
/* Adds a listing to job j: RBL_OK, RBL_ENOMEM, or RBL_ERANGE past JOB_LISTINGS_MAX. */
int probe_jobs_add_listing(struct job *j, const struct job_listing *l);
/* Runs every job (see above) and returns when all are done: RBL_OK, or the error that kept the run from starting
 * (probe_start's, resolver_new's, a lookup's that could not start: nothing was sent to any host then). Without a
 * nameserver in resolv.conf (and no resolver named) the probes run without reverse DNS, saying so on stderr. */
int probe_jobs_run(probe_jobs_t *p);
void probe_jobs_free(probe_jobs_t *p);

#endif
