/* SPDX-License-Identifier: BSD-2-Clause */
/* progress.c — the progress line on a terminal during probes. */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PROGRESS_INTERVAL_MS 500

void progress_format(const progress_t *p, uint64_t elapsed_ms, char *out, size_t size)
{
	double secs = (double)elapsed_ms / 1000.0;
	double rate = secs > 0.05 ? (double)p->done / secs : 0.0;
	char eta[32] = "?";
	if (p->done >= p->total)
		snprintf(eta, sizeof eta, "0:00");
	else if (rate > 0.0) {
		unsigned long left = (unsigned long)((double)(p->total - p->done) / rate + 0.5);
		snprintf(eta, sizeof eta, "%lu:%02lu", left / 60, left % 60);
	}
	snprintf(out, size, "%s: %zu/%zu done, %zu open, %zu closed, %zu inconclusive, %.1f/s, ETA %s", p->what,
	         p->done, p->total, p->verdicts[PROBE_OPEN], p->verdicts[PROBE_CLOSED], p->verdicts[PROBE_INCONCLUSIVE],
	         rate, eta);
}

static void draw(progress_t *p)
{
	if (!p->shown)
		return;
	char line[200];
	progress_format(p, uv_now(p->timer.loop) - p->started_ms, line, sizeof line);
	/* \r, the line, then erase what a longer previous line left to the right. */
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	p->drawn = true;
}

static void on_tick(uv_timer_t *timer)
{
	draw(timer->data);
}

void progress_start(progress_t *p, uv_loop_t *loop, const char *what, size_t total)
{
	memset(p, 0, sizeof *p);
	p->started = true;
	p->what = what;
	p->total = total;
	p->shown = isatty(STDERR_FILENO) == 1;
	uv_timer_init(loop, &p->timer);
	p->timer.data = p;
	p->started_ms = uv_now(loop);
	if (p->shown)
		uv_timer_start(&p->timer, on_tick, PROGRESS_INTERVAL_MS, PROGRESS_INTERVAL_MS);
	/* The timer must not keep the loop alive once the probes are done. */
	uv_unref((uv_handle_t *)&p->timer);
}

void progress_count(progress_t *p, enum probe_verdict v)
{
	p->done++;
	if ((unsigned)v < 3)
		p->verdicts[v]++;
}

void progress_stop(progress_t *p)
{
	if (!p->started)
		return;
	uv_timer_stop(&p->timer);
	if (!uv_is_closing((uv_handle_t *)&p->timer))
		uv_close((uv_handle_t *)&p->timer, NULL);
	if (p->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		p->drawn = false;
	}
}
