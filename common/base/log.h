/* SPDX-License-Identifier: BSD-2-Clause */
/* log.h — logging with a level, to one of three places: stderr with a timestamp (the default), stderr with the
 * syslog priority as a "<N>" prefix and no timestamp (under systemd, whose journal stamps lines itself: chosen when
 * $JOURNAL_STREAM is set), or syslog(3) (facility daemon). Never called on the per-query path. The level and the
 * place may change while other threads log (a reload): both are read atomically. */
#ifndef RBL_LOG_H
#define RBL_LOG_H

enum log_level { RBL_LOG_ERR = 0, RBL_LOG_WARN = 1, RBL_LOG_INFO = 2, RBL_LOG_DEBUG = 3 };
enum log_target { LOG_TO_STDERR, LOG_TO_JOURNAL, LOG_TO_SYSLOG };

/* Messages above this level are dropped; default RBL_LOG_INFO. */
void log_set_level(enum log_level level);
/* Where lines go; ident names the program for syslog (kept, not copied). */
void log_set_target(enum log_target target, const char *ident);
/* LOG_TO_JOURNAL when $JOURNAL_STREAM is set (the process's stderr is systemd's journal), else LOG_TO_STDERR. */
enum log_target log_target_from_environment(void);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(RBL_LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(RBL_LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(RBL_LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(RBL_LOG_DEBUG, __VA_ARGS__)

#endif
