/* SPDX-License-Identifier: BSD-2-Clause */
/* probe.c — a batch of probes on a libuv loop (probe_start; probe_run owns a loop for one): at most
 * cfg->concurrency sessions at once, and sessions to the same address started at least cfg->per_host_gap_ms apart.
 *
 * Targets are grouped by address (the port does not make another host). Each host waits in one of two FIFOs:
 * ready (may start now) or waiting (its gap has not passed). The gap is one constant added to a non-decreasing
 * clock, so the waiting FIFO is always in order of due time and one wake-up timer for its head suffices. With a
 * gap of 0 there is no per-host limit at all. Within a host, targets start in the order given.
 * The wake-up timer is the batch's one handle on the loop: the first sessions start from it (so probe_start calls
 * nothing back before the loop runs), and it is closed once every target is reported and every session closed —
 * then the batch is finished.
 */
#include "probe_internal.h"

#include "base/err.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct probe_host {
	size_t next;         /* its next target, as an index into engine.order */
	size_t end;          /* past its last target in engine.order */
	uint64_t not_before; /* loop time (ms) before which no session to it may start */
};

/* A FIFO of host indices; each host is in at most one FIFO at a time, so host_count slots suffice. */
struct host_fifo {
	size_t *slot;
	size_t head;
	size_t len;
	size_t cap;
};

struct probe_batch {
	uv_loop_t *loop;
	uv_timer_t wake;
	probe_config_t cfg;
	char names[3][PROBE_NAME_MAX + 1]; /* cfg's names, copied: cfg points here */
	const probe_target_t *targets;
	size_t count;
	probe_done_fn *done;
	void (*finished_cb)(void *ctx, probe_batch_t *batch);
	void *ctx;
	size_t *order; /* target indices, grouped by host, in the callers' order within a host */
	struct probe_host *hosts;
	size_t host_count;
	struct host_fifo ready;
	struct host_fifo waiting;
	unsigned active;
	size_t reported;
	bool closing;  /* the wake-up timer is closing: every target reported, every session closed */
	bool finished; /* it is closed */
};

const char *probe_verdict_name(enum probe_verdict v)
{
	switch (v) {
	case PROBE_OPEN:
		return "open";
	case PROBE_CLOSED:
		return "closed";
	case PROBE_INCONCLUSIVE:
		return "inconclusive";
	}
	return "inconclusive";
}

void probe_config_default(probe_config_t *cfg)
{
	*cfg = (probe_config_t){
	        .helo_name = "probe.rbl.example",
	        .sender_domain = "probe.example",
	        .recipient_domain = "relay-test.example",
	        .connect_timeout_ms = 10000,
	        .reply_timeout_ms = 30000,
	        .session_timeout_ms = 120000,
	        .max_reply_bytes = 16384,
	        .max_transcript_bytes = 65536,
	        .concurrency = 200,
	        .per_host_gap_ms = 10000,
	        .all_forms = false,
	};
}

int probe_config_check(const probe_config_t *cfg)
{
	if (cfg == NULL || !probe_domain_ok(cfg->helo_name) || !probe_domain_ok(cfg->sender_domain) ||
	    !probe_domain_ok(cfg->recipient_domain))
		return RBL_EINVAL;
	if (cfg->connect_timeout_ms == 0 || cfg->reply_timeout_ms == 0 || cfg->session_timeout_ms == 0 ||
	    cfg->concurrency == 0)
		return RBL_EINVAL;
	if (cfg->max_reply_bytes < PROBE_REPLY_MIN || cfg->max_transcript_bytes < PROBE_TRANSCRIPT_MIN)
		return RBL_ERANGE;
	return RBL_OK;
}

uv_loop_t *probe_engine_loop(struct probe_batch *e)
{
	return e->loop;
}

const probe_config_t *probe_engine_config(struct probe_batch *e)
{
	return &e->cfg;
}

void probe_engine_report(struct probe_batch *e, const probe_target_t *target, const probe_result_t *result)
{
	e->reported++;
	e->done(e->ctx, target, result);
}

static void fifo_push(struct host_fifo *f, size_t host)
{
	f->slot[(f->head + f->len++) % f->cap] = host;
}

static size_t fifo_pop(struct host_fifo *f)
{
	size_t host = f->slot[f->head];

	f->head = (f->head + 1) % f->cap;
	f->len--;
	return host;
}

/* A target we could not even start a session for (out of memory): reported at once, never silently dropped. */
static void report_unstarted(struct probe_batch *e, const probe_target_t *target, int err)
{
	probe_result_t result = {
	        .verdict = PROBE_INCONCLUSIVE,
	        .form = -1,
	        .form_name = "",
	        .why = err == RBL_ENOMEM ? "could not start the session: out of memory" : "could not start the session",
	        .transcript = "",
	};
	probe_engine_report(e, target, &result);
}

static void on_wake(uv_timer_t *timer);

static void on_wake_closed(uv_handle_t *handle)
{
	struct probe_batch *e = handle->data;

	e->finished = true;
	if (e->finished_cb != NULL)
		e->finished_cb(e->ctx, e); /* may free e: nothing after it */
}

/* Starts what the concurrency cap and the per-host gaps allow; arms the wake-up timer for the next host due; once
 * nothing is left to start or to wait for, closes it. */
static void pump(struct probe_batch *e)
{
	uint64_t now = uv_now(e->loop);

	while (e->waiting.len > 0 && e->hosts[e->waiting.slot[e->waiting.head]].not_before <= now)
		fifo_push(&e->ready, fifo_pop(&e->waiting));
	while (e->active < e->cfg.concurrency && e->ready.len > 0) {
		size_t h = fifo_pop(&e->ready);
		struct probe_host *host = &e->hosts[h];
		const probe_target_t *target = &e->targets[e->order[host->next++]];

		host->not_before = now + e->cfg.per_host_gap_ms;
		if (host->next < host->end)
			fifo_push(e->cfg.per_host_gap_ms == 0 ? &e->ready : &e->waiting, h);
		int err = probe_session_start(e, target);
		if (err == RBL_OK)
			e->active++;
		else
			report_unstarted(e, target, err);
	}
	if (e->reported == e->count && e->active == 0) {
		if (!e->closing) {
			e->closing = true;
			uv_close((uv_handle_t *)&e->wake, on_wake_closed);
		}
		return;
	}
	if (e->ready.len == 0 && e->waiting.len > 0 && e->active < e->cfg.concurrency)
		uv_timer_start(&e->wake, on_wake, e->hosts[e->waiting.slot[e->waiting.head]].not_before - now, 0);
	else
		uv_timer_stop(&e->wake);
}

static void on_wake(uv_timer_t *timer)
{
	pump(timer->data);
}

void probe_engine_session_closed(struct probe_batch *e)
{
	e->active--;
	pump(e);
}

/* A target's address next to its index, so that sorting needs no context (qsort has none). */
struct keyed_target {
	addr_t addr;
	size_t index;
};

static int by_address_then_index(const void *a, const void *b)
{
	const struct keyed_target *x = a, *y = b;

	if (x->addr.family != y->addr.family)
		return x->addr.family < y->addr.family ? -1 : 1;
	int c = addr_cmp(&x->addr, &y->addr);
	if (c != 0)
		return c;
	return x->index < y->index ? -1 : (x->index > y->index ? 1 : 0);
}

/* Groups the targets by address into hosts; the ready FIFO gets the hosts in order of their first target. */
static int plan(struct probe_batch *e)
{
	size_t n = e->count;
	size_t *host_of = malloc(n * sizeof *host_of);
	struct keyed_target *keyed = malloc(n * sizeof *keyed);

	e->order = malloc(n * sizeof *e->order);
	e->hosts = malloc(n * sizeof *e->hosts);
	e->ready.slot = malloc(n * sizeof(size_t));
	e->waiting.slot = malloc(n * sizeof(size_t));
	if (!host_of || !keyed || !e->order || !e->hosts || !e->ready.slot || !e->waiting.slot) {
		free(host_of);
		free(keyed);
		return RBL_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		keyed[i] = (struct keyed_target){.addr = e->targets[i].addr, .index = i};
	qsort(keyed, n, sizeof *keyed, by_address_then_index);
	for (size_t i = 0; i < n; i++) {
		e->order[i] = keyed[i].index;
		if (i == 0 || keyed[i].addr.family != keyed[i - 1].addr.family ||
		    addr_cmp(&keyed[i].addr, &keyed[i - 1].addr) != 0)
			e->hosts[e->host_count++] = (struct probe_host){.next = i, .end = i + 1};
		else
			e->hosts[e->host_count - 1].end = i + 1;
		host_of[e->order[i]] = e->host_count - 1;
	}
	free(keyed);
	e->ready.cap = e->waiting.cap = e->host_count;
	/* Within a host the targets are in the caller's order, so target i is its host's first when it is the one at
	 * the host's cursor: pushing hosts then gives them in order of their first target. */
	for (size_t i = 0; i < n; i++)
		if (e->order[e->hosts[host_of[i]].next] == i)
			fifo_push(&e->ready, host_of[i]);
	free(host_of);
	return RBL_OK;
}

/* A server that hangs up while we write would raise SIGPIPE, whose default kills the caller (dnsbld, rbltool).
 * libuv leaves that to the application; a library must not change a process-wide disposition, so the signal is
 * blocked for this thread while batches live (the loop runs in this thread), and one raised meanwhile is taken off
 * before the mask is restored. The hold is counted per thread, so batches may overlap; a caller that already
 * blocks SIGPIPE keeps its mask and whatever is pending. */
static _Thread_local unsigned sigpipe_holds;
static _Thread_local bool sigpipe_blocked_here;
static _Thread_local sigset_t sigpipe_old_mask;

static void hold_sigpipe(void)
{
	sigset_t pipe_only;

	if (sigpipe_holds++ > 0)
		return;
	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	sigpipe_blocked_here = pthread_sigmask(SIG_BLOCK, &pipe_only, &sigpipe_old_mask) == 0 &&
	                       !sigismember(&sigpipe_old_mask, SIGPIPE);
}

static void release_sigpipe(void)
{
	sigset_t pipe_only;
	struct timespec now = {0, 0};

	if (sigpipe_holds == 0 || --sigpipe_holds > 0 || !sigpipe_blocked_here)
		return;
	sigpipe_blocked_here = false;
	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	while (sigtimedwait(&pipe_only, NULL, &now) == SIGPIPE)
		;
	pthread_sigmask(SIG_SETMASK, &sigpipe_old_mask, NULL);
}

static void free_plan(struct probe_batch *e)
{
	free(e->order);
	free(e->hosts);
	free(e->ready.slot);
	free(e->waiting.slot);
}

static int check_request(const probe_config_t *cfg, const probe_target_t *targets, size_t count, probe_done_fn *done)
{
	int err = probe_config_check(cfg);

	if (err != RBL_OK)
		return err;
	if (done == NULL || (count > 0 && targets == NULL))
		return RBL_EINVAL;
	for (size_t i = 0; i < count; i++)
		if (targets[i].addr.family != ADDR_V4 && targets[i].addr.family != ADDR_V6)
			return RBL_EINVAL;
	return RBL_OK;
}

/* cfg's names into the batch (probe_config_check has bounded them), so that the caller's may go. */
static void copy_config(struct probe_batch *e, const probe_config_t *cfg)
{
	const char *names[3] = {cfg->helo_name, cfg->sender_domain, cfg->recipient_domain};

	e->cfg = *cfg;
	for (int i = 0; i < 3; i++)
		snprintf(e->names[i], sizeof e->names[i], "%s", names[i]);
	e->cfg.helo_name = e->names[0];
	e->cfg.sender_domain = e->names[1];
	e->cfg.recipient_domain = e->names[2];
}

int probe_start(uv_loop_t *loop, const probe_config_t *cfg, const probe_target_t *targets, size_t count,
                probe_done_fn *done, void (*finished)(void *ctx, probe_batch_t *batch), void *ctx, probe_batch_t **out)
{
	int err = check_request(cfg, targets, count, done);

	if (err != RBL_OK)
		return err;
	if (loop == NULL || out == NULL)
		return RBL_EINVAL;
	struct probe_batch *e = calloc(1, sizeof *e);
	if (e == NULL)
		return RBL_ENOMEM;
	e->loop = loop;
	copy_config(e, cfg);
	e->targets = targets;
	e->count = count;
	e->done = done;
	e->finished_cb = finished;
	e->ctx = ctx;
	err = count > 0 ? plan(e) : RBL_OK;
	if (err != RBL_OK) {
		free_plan(e);
		free(e);
		return err;
	}
	uv_timer_init(loop, &e->wake);
	e->wake.data = e;
	uv_timer_start(&e->wake, on_wake, 0, 0);
	hold_sigpipe();
	*out = e;
	return RBL_OK;
}

size_t probe_batch_reported(const probe_batch_t *batch)
{
	return batch->reported;
}

size_t probe_batch_count(const probe_batch_t *batch)
{
	return batch->count;
}

bool probe_batch_finished(const probe_batch_t *batch)
{
	return batch->finished;
}

int probe_batch_free(probe_batch_t *batch)
{
	if (batch == NULL)
		return RBL_OK;
	if (!batch->finished)
		return RBL_EBUSY;
	free_plan(batch);
	free(batch);
	release_sigpipe();
	return RBL_OK;
}

int probe_run(const probe_config_t *cfg, const probe_target_t *targets, size_t count, probe_done_fn *done, void *ctx)
{
	int err = check_request(cfg, targets, count, done);
	uv_loop_t loop;
	probe_batch_t *batch = NULL;

	if (err != RBL_OK || count == 0)
		return err;
	if (uv_loop_init(&loop) != 0)
		return RBL_EIO;
	err = probe_start(&loop, cfg, targets, count, done, NULL, ctx, &batch);
	if (err == RBL_OK) {
		uv_run(&loop, UV_RUN_DEFAULT);
		/* The loop ends when no session and no wake-up is pending, which is when every target was reported. */
		err = probe_batch_finished(batch) && probe_batch_reported(batch) == count ? RBL_OK : RBL_EIO;
		if (probe_batch_free(batch) != RBL_OK)
			err = RBL_EIO; /* cannot happen (the loop ran dry); never freed under a live handle */
	}
	if (uv_loop_close(&loop) != 0)
		err = RBL_EIO;
	return err;
}
