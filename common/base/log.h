/* SPDX-License-Identifier: BSD-2-Clause */
/* log.h — logging to stderr with a timestamp and a level. Never called on the per-query path. */
#ifndef RBL_LOG_H
#define RBL_LOG_H

enum log_level { RBL_LOG_ERR = 0, RBL_LOG_WARN = 1, RBL_LOG_INFO = 2, RBL_LOG_DEBUG = 3 };

/* Messages above this level are dropped; default RBL_LOG_INFO. */
void log_set_level(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(RBL_LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(RBL_LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(RBL_LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(RBL_LOG_DEBUG, __VA_ARGS__)

#endif
