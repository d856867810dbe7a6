/* SPDX-License-Identifier: BSD-2-Clause */
/* tool_common.h — what the test servers fakesmtp and slowdns share: their command line's numbers and addresses, the
 * --log and --ready files, and a libuv loop that runs until --max-seconds have passed or SIGTERM/SIGINT comes. */
#ifndef RBL_TEST_TOOL_COMMON_H
#define RBL_TEST_TOOL_COMMON_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>
#include <uv.h>

/* TEXT as a decimal number from MIN to MAX (no sign, nothing after it) in *out; false if it is not one. */
bool tool_number_arg(const char *text, unsigned min, unsigned max, unsigned *out);

/* "ADDR:PORT" (IPv4) or "[ADDR]:PORT" (IPv6), PORT from 1 to 65535, in *ss; -1 if it is not that. */
int tool_parse_addr_port(const char *text, struct sockaddr_storage *ss);

/* Whether the address is 127.0.0.0/8 or ::1: the only ones the tools listen on. */
bool tool_is_loopback(const struct sockaddr_storage *ss);

/* The --log file PATH opened for appending, line-buffered, in *out (NULL if PATH is NULL). False, after a line
 * "TOOL: cannot open PATH: REASON" on stderr, if it cannot be opened. */
bool tool_open_log(const char *tool, const char *path, FILE **out);

/* Creates the --ready file PATH (empty), which tells a test that the tool listens; nothing if PATH is NULL. False,
 * after a line "TOOL: cannot write PATH" on stderr, if it cannot be written. */
bool tool_write_ready(const char *tool, const char *path);

/* Runs loop until max_seconds have passed (then "TOOL: --max-seconds N reached, stopping" on stderr) or SIGTERM or
 * SIGINT comes: either calls stop, which closes every handle of the loop (the timer and signal handles this adds
 * have data NULL), so that uv_run returns. */
void tool_run(uv_loop_t *loop, const char *tool, unsigned max_seconds, void (*stop)(void));

#endif
