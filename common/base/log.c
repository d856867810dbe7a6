/* SPDX-License-Identifier: BSD-2-Clause */
/* log.c — timestamped stderr logging. */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static enum log_level log_threshold = RBL_LOG_INFO;
static const char *const log_names[] = {"error", "warning", "info", "debug"};

void log_set_level(enum log_level level)
{
	log_threshold = level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level > log_threshold)
		return;
	char stamp[32];
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);

	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* One fprintf so that lines from worker threads do not interleave. */
	fprintf(stderr, "%s %s: %s\n", stamp, log_names[level], line);
}
