/* SPDX-License-Identifier: BSD-2-Clause */
/* tool_common.c — the command line, files and main loop that the test servers fakesmtp and slowdns share. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tool_common.h"

static uv_timer_t lifetime;
static uv_signal_t sigterm, sigint;
static const char *run_tool;
static unsigned run_max_seconds;
static void (*run_stop)(void);

bool tool_number_arg(const char *text, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (errno != 0 || *end != '\0' || end == text || text[0] == '-' || v < min || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

int tool_parse_addr_port(const char *text, struct sockaddr_storage *ss)
{
	char host[64];
	const char *colon = strrchr(text, ':');

	memset(ss, 0, sizeof *ss);
	if (colon == NULL || (size_t)(colon - text) >= sizeof host)
		return -1;
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = '\0';
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 1 || port > 65535)
		return -1;
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		host[strlen(host) - 1] = '\0';
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		return inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) == 1 ? 0 : -1;
	}
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : -1;
}

bool tool_is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	return memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr, &in6addr_loopback, sizeof in6addr_loopback) == 0;
}

bool tool_open_log(const char *tool, const char *path, FILE **out)
{
	*out = NULL;
	if (path == NULL)
		return true;
	if ((*out = fopen(path, "a")) == NULL) {
		fprintf(stderr, "%s: cannot open %s: %s\n", tool, path, strerror(errno));
		return false;
	}
	setvbuf(*out, NULL, _IOLBF, 0);
	return true;
}

bool tool_write_ready(const char *tool, const char *path)
{
	if (path == NULL)
		return true;
	FILE *ready = fopen(path, "w");
	if (ready == NULL || fclose(ready) != 0) {
		fprintf(stderr, "%s: cannot write %s\n", tool, path);
		return false;
	}
	return true;
}

static void on_lifetime(uv_timer_t *timer)
{
	(void)timer;
	fprintf(stderr, "%s: --max-seconds %u reached, stopping\n", run_tool, run_max_seconds);
	run_stop();
}

static void on_signal(uv_signal_t *signal, int signum)
{
	(void)signal;
	(void)signum;
	run_stop();
}

void tool_run(uv_loop_t *loop, const char *tool, unsigned max_seconds, void (*stop)(void))
{
	run_tool = tool;
	run_max_seconds = max_seconds;
	run_stop = stop;
	uv_timer_init(loop, &lifetime);
	uv_signal_init(loop, &sigterm);
	uv_signal_init(loop, &sigint);
	uv_timer_start(&lifetime, on_lifetime, (uint64_t)max_seconds * 1000, 0);
	uv_signal_start(&sigterm, on_signal, SIGTERM);
	uv_signal_start(&sigint, on_signal, SIGINT);
	uv_run(loop, UV_RUN_DEFAULT);
}
