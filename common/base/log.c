/* SPDX-License-Identifier: BSD-2-Clause */
/* log.c — logging to stderr (timestamped, or with journal priorities) or to syslog (log.h). */
#include "base/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>

static _Atomic int log_threshold = RBL_LOG_INFO;
static _Atomic int log_where = LOG_TO_STDERR;
static const char *const log_names[] = {"error", "warning", "info", "debug"};
static const int log_priorities[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};

void log_set_level(enum log_level level)
{
	atomic_store(&log_threshold, (int)level);
}

void log_set_target(enum log_target target, const char *ident)
{
	if (target == LOG_TO_SYSLOG)
		openlog(ident, LOG_PID, LOG_DAEMON);
	atomic_store(&log_where, (int)target);
}

enum log_target log_target_from_environment(void)
{
	const char *stream = getenv("JOURNAL_STREAM");
	return stream && *stream ? LOG_TO_JOURNAL : LOG_TO_STDERR;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if ((int)level > atomic_load(&log_threshold))
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	switch (atomic_load(&log_where)) {
	case LOG_TO_SYSLOG:
		syslog(log_priorities[level], "%s", line);
		return;
	case LOG_TO_JOURNAL:
		fprintf(stderr, "<%d>%s: %s\n", log_priorities[level], log_names[level], line);
		return;
	default:
		break;
	}
	char stamp[32];
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* One fprintf so that lines from worker threads do not interleave. */
	fprintf(stderr, "%s %s: %s\n", stamp, log_names[level], line);
}
