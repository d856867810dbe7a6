/* SPDX-License-Identifier: BSD-2-Clause */
/* progress.h — the progress line of probe, retest and check: done / total, verdicts so far, rate, ETA.
 *
 * Drawn on stderr, rewritten in place twice a second from a timer on the probes' loop, only when stderr is a
 * terminal (nothing at all otherwise, so logs and pipes stay clean); erased when the run ends, before the results
 * are printed. Owns one uv_timer_t; allocates nothing.
 */
#ifndef RBLTOOL_PROGRESS_H
#define RBLTOOL_PROGRESS_H

#include "relay/probe.h"

#include <uv.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct progress {
	uv_timer_t timer;
	bool started;     /* progress_start ran: the timer is ours to close */
	bool shown;       /* stderr is a terminal: the line is drawn */
	bool drawn;       /* something is on the line now */
	const char *what; /* "probe", "retest", "check" */
	size_t total, done;
	size_t verdicts[3];  /* by enum probe_verdict */
	uint64_t started_ms; /* loop time */
} progress_t;

/* Starts the line on loop for total probes (does nothing visible unless stderr is a terminal). */
void progress_start(progress_t *p, uv_loop_t *loop, const char *what, size_t total);
/* One probe finished with verdict v. */
void progress_count(progress_t *p, enum probe_verdict v);
/* Erases the line and stops the timer (closes its handle: let the loop run once more). Safe on a zeroed progress_t
 * that was never started, and a second time. */
void progress_stop(progress_t *p);

/* The line's text for the counts, at elapsed_ms since the start (exposed for the unit test). */
void progress_format(const progress_t *p, uint64_t elapsed_ms, char *out, size_t size);

#endif
