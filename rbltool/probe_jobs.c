/* SPDX-License-Identifier: BSD-2-Clause */
/* probe_jobs.c — one run of relay probes with reverse DNS and a progress line, on one libuv loop. */
#include "probe_jobs.h"

#include "cli_json.h"
#include "progress.h"

#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *copy_text(const char *s, size_t n)
{
	char *c = malloc(n + 1);
	if (c) {
		if (n)
			memcpy(c, s, n);
		c[n] = '\0';
	}
	return c;
}

void kept_result_set(kept_result_t *k, const probe_result_t *result)
{
	k->result = *result;
	k->transcript = copy_text(result->transcript, result->transcript ? result->transcript_len : 0);
	k->why = copy_text(result->why, result->why ? strlen(result->why) : 0);
	k->form_name = copy_text(result->form_name, result->form_name ? strlen(result->form_name) : 0);
	k->result.transcript = k->transcript ? k->transcript : "";
	k->result.transcript_len = k->transcript && result->transcript ? result->transcript_len : 0;
	k->result.why = k->why ? k->why : "";
	k->result.form_name = k->form_name ? k->form_name : "";
}

void kept_result_free(kept_result_t *k)
{
	free(k->transcript);
	free(k->why);
	free(k->form_name);
	k->transcript = k->why = k->form_name = NULL;
}

int probe_jobs_add(probe_jobs_t *p, const addr_t *addr, uint16_t port)
{
	if (p->count == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 64;
		struct job *grown = realloc(p->jobs, ncap * sizeof *grown);
		if (!grown)
			return RBL_ENOMEM;
		p->jobs = grown;
		p->cap = ncap;
	}
	struct job *j = &p->jobs[p->count++];
	memset(j, 0, sizeof *j);
	j->target.addr = *addr;
	j->target.port = port;
	return RBL_OK;
}

int probe_jobs_add_listing(struct job *j, const struct job_listing *l)
{
	if (j->nlistings >= JOB_LISTINGS_MAX)
		return RBL_ERANGE;
	if (!j->listings && !(j->listings = calloc(JOB_LISTINGS_MAX, sizeof *j->listings)))
		return RBL_ENOMEM;
	j->listings[j->nlistings++] = *l;
	return RBL_OK;
}

void probe_jobs_free(probe_jobs_t *p)
{
	for (size_t i = 0; i < p->count; i++) {
		kept_result_free(&p->jobs[i].kept);
		free(p->jobs[i].listings);
	}
	free(p->jobs);
	p->jobs = NULL;
	p->count = p->cap = 0;
}

/* --- the run */

struct run {
	uv_loop_t loop;
	probe_jobs_t *jobs;
	resolver_t *resolver;
	probe_batch_t *batch;
	progress_t progress;
	size_t pending; /* the batch (until finished) and each reverse DNS lookup */
	bool closing;   /* tearing down: callbacks no longer stop the loop */
	size_t *order;  /* job indices sorted by address: a run of equal addresses shares one lookup */
};

static void done_one(struct run *run)
{
	if (--run->pending == 0 && !run->closing)
		uv_stop(&run->loop);
}

static void on_probed(void *ctx, const probe_target_t *target, const probe_result_t *result)
{
	struct run *run = ctx;
	struct job *j = target->user;
	j->done = true;
	kept_result_set(&j->kept, result);
	progress_count(&run->progress, result->verdict);
}

static void on_finished(void *ctx, probe_batch_t *batch)
{
	(void)batch;
	done_one(ctx);
}

struct rdns_ctx {
	struct run *run;
	struct job *job;
};

static void on_rdns(void *ctx, const rdns_result_t *result)
{
	struct rdns_ctx *c = ctx;
	c->job->rdns_done = true;
	c->job->rdns = *result;
	struct run *run = c->run;
	free(c);
	done_one(run);
}

/* qsort_r's comparison of two job indices by their address (family first). */
static int by_address(const void *a, const void *b, void *jobs)
{
	const struct job *j = jobs;
	const addr_t *x = &j[*(const size_t *)a].target.addr, *y = &j[*(const size_t *)b].target.addr;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return addr_cmp(x, y);
}

static bool same_address(const struct job *a, const struct job *b)
{
	return a->target.addr.family == b->target.addr.family && addr_cmp(&a->target.addr, &b->target.addr) == 0;
}

/* One lookup per address (a host probed on several ports is looked up once): the first job of each run of equal
 * addresses in run->order. */
static int start_lookups(struct run *run)
{
	probe_jobs_t *p = run->jobs;
	for (size_t i = 0; i < p->count; i++) {
		struct job *j = &p->jobs[run->order[i]];
		if (i > 0 && same_address(&p->jobs[run->order[i - 1]], j))
			continue;
		struct rdns_ctx *c = malloc(sizeof *c);
		if (!c)
			return RBL_ENOMEM;
		*c = (struct rdns_ctx){run, j};
		int err = rdns_lookup(run->resolver, &j->target.addr, on_rdns, c);
		if (err) {
			free(c);
			return err;
		}
		run->pending++;
	}
	return RBL_OK;
}

/* The other jobs of a run of equal addresses take the first one's answer. */
static void share_lookups(struct run *run)
{
	probe_jobs_t *p = run->jobs;
	for (size_t i = 1; i < p->count; i++) {
		struct job *prev = &p->jobs[run->order[i - 1]], *j = &p->jobs[run->order[i]];
		if (same_address(prev, j) && prev->rdns_done && !j->rdns_done) {
			j->rdns = prev->rdns;
			j->rdns_done = true;
		}
	}
}

/* The resolver, unless reverse DNS is off or there is none to ask (then the probes go on without, and say so). */
static int start_resolver(struct run *run)
{
	probe_jobs_t *p = run->jobs;
	if (!p->rdns || p->count == 0)
		return RBL_OK;
	int err = resolver_new(&run->loop, &p->resolver, &run->resolver);
	if (err == RBL_ENOENT) {
		fputs("rbltool: /etc/resolv.conf names no nameserver: probing without reverse DNS "
		      "(--resolver ADDR[:PORT] names one)\n",
		      stderr);
		return RBL_OK;
	}
	if (err)
		return err;
	run->order = malloc(p->count * sizeof *run->order);
	if (!run->order)
		return RBL_ENOMEM;
	for (size_t i = 0; i < p->count; i++)
		run->order[i] = i;
	qsort_r(run->order, p->count, sizeof *run->order, by_address, p->jobs);
	return start_lookups(run);
}

int probe_jobs_run(probe_jobs_t *p)
{
	struct run run = {.jobs = p};
	probe_target_t *targets = calloc(p->count ? p->count : 1, sizeof *targets);
	if (!targets)
		return RBL_ENOMEM;
	for (size_t i = 0; i < p->count; i++) {
		targets[i] = p->jobs[i].target;
		targets[i].user = &p->jobs[i];
	}
	if (uv_loop_init(&run.loop) != 0) {
		free(targets);
		return RBL_EIO;
	}
	/* The lookups start first: if one cannot, nothing has been sent to any host. */
	int err = start_resolver(&run);
	if (!err)
		err = probe_start(&run.loop, &p->config, targets, p->count, on_probed, on_finished, &run, &run.batch);
	if (!err) {
		run.pending++;
		progress_start(&run.progress, &run.loop, p->what ? p->what : "probe", p->count);
		uv_run(&run.loop, UV_RUN_DEFAULT);
		progress_stop(&run.progress);
	}
	run.closing = true;
	resolver_free(run.resolver); /* cancels what is left (only after an error) */
	uv_run(&run.loop, UV_RUN_DEFAULT);
	if (run.batch && probe_batch_free(run.batch) == RBL_EBUSY && !err)
		err = RBL_EIO;
	uv_loop_close(&run.loop);
	free(targets);
	if (run.order)
		share_lookups(&run);
	free(run.order);
	return err;
}
