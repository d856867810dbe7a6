/* SPDX-License-Identifier: BSD-2-Clause */
/* probe_jobs.c — one run of relay probes with reverse DNS and a progress line, on one libuv loop. */
#include "probe_jobs.h"

#include "cli_json.h"
#include "progress.h"

#include "base/err.h"

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

void probe_jobs_free(probe_jobs_t *p)
{
	for (size_t i = 0; i < p->count; i++)
		kept_result_free(&p->jobs[i].kept);
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
};

static void done_one(struct run *run)
{
	if (--run->pending == 0)
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

/* One lookup per address: a host probed on several ports is looked up once, and every job of it gets the answer. */
static int start_lookups(struct run *run)
{
	probe_jobs_t *p = run->jobs;
	for (size_t i = 0; i < p->count; i++) {
		struct job *j = &p->jobs[i];
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = addr_cmp(&p->jobs[k].target.addr, &j->target.addr) == 0 &&
			       p->jobs[k].target.addr.family == j->target.addr.family;
		if (seen)
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

/* Jobs of an address looked up once share its answer. */
static void share_lookups(probe_jobs_t *p)
{
	for (size_t i = 0; i < p->count; i++)
		for (size_t k = 0; k < i && !p->jobs[i].rdns_done; k++)
			if (p->jobs[k].rdns_done && p->jobs[k].target.addr.family == p->jobs[i].target.addr.family &&
			    addr_cmp(&p->jobs[k].target.addr, &p->jobs[i].target.addr) == 0) {
				p->jobs[i].rdns = p->jobs[k].rdns;
				p->jobs[i].rdns_done = true;
			}
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
	int err = uv_loop_init(&run.loop) ? RBL_EIO : RBL_OK;
	if (err) {
		free(targets);
		return err;
	}
	if (p->rdns)
		err = resolver_new(&run.loop, &p->resolver, &run.resolver);
	if (!err)
		err = probe_start(&run.loop, &p->config, targets, p->count, on_probed, on_finished, &run, &run.batch);
	if (!err) {
		run.pending++;
		progress_start(&run.progress, &run.loop, p->what ? p->what : "probe", p->count);
		if (run.resolver)
			err = start_lookups(&run);
		/* Even when a lookup could not start, the probes already under way are run to the end. */
		uv_run(&run.loop, UV_RUN_DEFAULT);
		progress_stop(&run.progress);
	}
	resolver_free(run.resolver); /* cancels what is left (only after an error) */
	uv_run(&run.loop, UV_RUN_DEFAULT);
	if (run.batch && probe_batch_free(run.batch) == RBL_EBUSY && !err)
		err = RBL_EIO;
	uv_loop_close(&run.loop);
	free(targets);
	share_lookups(p);
	return err;
}
