/* SPDX-License-Identifier: BSD-2-Clause */
/* retest_requests.c — the retest requests' side of rbltool retest: which queued requests retest --requested probes
 * (and which it answers without a probe), and retest --queue, an operator's requests. */
#include "retest_requests.h"

#include "cli_json.h"

#include "base/err.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct requested_ctx {
	probe_jobs_t *run;
	retest_answers_t *answers;
	store_rtxn_t *r;
	uint16_t port;
	unsigned max, taken;
	int64_t now;
	struct job_listing *found; /* the listings of the request's address, one per zone */
	unsigned nfound;
	int err;
};

/* The request's pipeline listing in zone, if one is still served: evidence, not an exclusion, not expired. */
struct listing_walk {
	struct requested_ctx *c;
	const addr_t *addr;
};

static int find_listing(const zone_def_t *zone, void *arg)
{
	struct listing_walk *lw = arg;
	struct requested_ctx *c = lw->c;
	cidr_t net = {.addr = *lw->addr, .len = (uint8_t)addr_maxlen(lw->addr->family)};
	entry_t e;
	int err = store_entry_get(c->r, zone->id, &net, &e);
	if (err == RBL_ENOENT)
		return 0;
	if (err)
		return c->err = err;
	if (!e.evidence || (e.flags & ENTRY_EXCLUDE) || (e.expires && e.expires <= c->now))
		return 0;
	if (c->nfound >= JOB_LISTINGS_MAX) /* more zones than a job holds: the rest wait for their expiry */
		return 0;
	struct job_listing *l = &c->found[c->nfound++];
	memset(l, 0, sizeof *l);
	l->zone_id = zone->id;
	snprintf(l->zone, sizeof l->zone, "%s", zone->name);
	l->net = e.net;
	l->ncodes = e.ncodes;
	memcpy(l->codes, e.codes, sizeof l->codes);
	return 0;
}

static int answer(retest_answers_t *a, const retest_request_t *q, enum retest_outcome outcome, uint64_t probe_id,
		  uint8_t verdict)
{
	retest_answered_t *grown = realloc(a->items, (a->count + 1) * sizeof *grown);
	if (!grown)
		return RBL_ENOMEM;
	a->items = grown;
	a->items[a->count++] = (retest_answered_t){q->id, q->addr, outcome, probe_id, verdict};
	return RBL_OK;
}

static int pick_requested(const retest_request_t *q, void *arg)
{
	struct requested_ctx *c = arg;
	if (c->taken >= c->max)
		return 1; /* stop the walk: the rest wait for the next run */
	c->taken++;
	int covered = pipeline_optout_covers(c->r, &q->addr);
	if (covered < 0)
		return c->err = covered;
	if (covered)
		return c->err = answer(c->answers, q, RETEST_OPTED_OUT, 0, 0);
	c->nfound = 0;
	struct listing_walk lw = {c, &q->addr};
	int err = store_zone_foreach(c->r, find_listing, &lw);
	if (err || c->err)
		return c->err = err ? err : c->err;
	if (c->nfound == 0)
		return c->err = answer(c->answers, q, RETEST_NOT_LISTED, 0, 0);
	host_record_t h;
	err = pipeline_host_get(c->r, &q->addr, &h);
	if (err && err != RBL_ENOENT)
		return c->err = err;
	if (!err && h.last_probe > q->requested && h.last_probe_id) {
		uint8_t verdict = h.state == HOST_OPEN ? PROBE_OPEN : h.state == HOST_CLOSED ? PROBE_CLOSED
											   : PROBE_INCONCLUSIVE;
		return c->err = answer(c->answers, q, RETEST_PROBED_MEANWHILE, h.last_probe_id, verdict);
	}
	if ((err = probe_jobs_add(c->run, &q->addr, c->port)))
		return c->err = err;
	struct job *j = &c->run->jobs[c->run->count - 1];
	j->request_id = q->id;
	for (unsigned i = 0; i < c->nfound && !err; i++)
		err = probe_jobs_add_listing(j, &c->found[i]);
	return c->err = err;
}

int retest_requests_pick(store_rtxn_t *r, probe_jobs_t *run, retest_answers_t *answers, uint16_t port, unsigned max,
			 int64_t now)
{
	struct job_listing *found = calloc(JOB_LISTINGS_MAX, sizeof *found);
	if (!found)
		return RBL_ENOMEM;
	struct requested_ctx c = {run, answers, r, port, max, 0, now, found, 0, 0};
	int err = pipeline_retest_foreach_queued(r, pick_requested, &c);
	if (err == 1) /* stopped at max */
		err = RBL_OK;
	free(found);
	return err ? err : c.err;
}

void retest_answers_free(retest_answers_t *a)
{
	free(a->items);
	a->items = NULL;
	a->count = 0;
}

/* --- retest --queue ADDR...: an operator's requests (no limits) */

struct queue_ctx {
	addr_t *addrs;
	int count;
	json_t *out; /* --json */
};

static int queue_requests(store_wtxn_t *w, void *arg)
{
	struct queue_ctx *q = arg;
	for (int i = 0; i < q->count; i++) {
		retest_request_t req;
		enum retest_refusal refusal;
		char addr[ADDR_STRLEN];
		addr_format(&q->addrs[i], addr);
		int err = pipeline_retest_request(w, &q->addrs[i], NULL, RETEST_VIA_CLI, NULL, &req, &refusal, NULL);
		if (!err && refusal != RETEST_ACCEPTED && refusal != RETEST_ALREADY_QUEUED)
			err = RBL_EINVAL; /* no limits given: cannot happen */
		if (err)
			return cli_fail("cannot queue a retest of %s: %s", addr, rbl_strerror(err));
		const char *state = refusal == RETEST_ACCEPTED ? "queued" : "already queued";
		if (q->out)
			cli_json_push(q->out, json_pack("{s:s,s:I,s:s}", "address", addr, "request", (json_int_t)req.id,
							"state", state));
		else
			printf("%s\t%s\trequest #%" PRIu64 "\n", addr, state, req.id);
	}
	return CLI_OK;
}

int retest_requests_queue(cli_t *cli, int argc, char **argv, bool json, const char *usage)
{
	if (argc < 1)
		return cli_bad_input("--queue needs one ADDR at least (usage: %s)", usage);
	struct queue_ctx q = {calloc((size_t)argc, sizeof(addr_t)), argc, json ? json_array() : NULL};
	int rc = CLI_OK;
	if (!q.addrs || (json && !q.out))
		rc = cli_fail("out of memory");
	for (int i = 0; !rc && i < argc; i++)
		if (addr_parse(argv[i], &q.addrs[i]))
			rc = cli_bad_input("--queue: invalid address '%s' (an IPv4 or IPv6 address)", argv[i]);
	if (!rc)
		rc = cli_in_write_txn(cli, queue_requests, &q);
	free(q.addrs);
	if (!rc && json) {
		rc = cli_json_print(q.out);
		q.out = NULL;
	}
	json_decref(q.out);
	return rc;
}
