/* SPDX-License-Identifier: BSD-2-Clause */
/* listen.c — parsing listen addresses and binding reusable sockets to them. */
#include "listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int parse_port(const char *text, uint16_t *port)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	/* Port 0 would give every worker and protocol a different ephemeral port. */
	if (!*text || *end || errno || v < 1 || v > 65535 || text[0] == '-' || text[0] == '+')
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int listen_parse(const char *text, listen_addr_t *out)
{
	memset(out, 0, sizeof *out);
	char host[64];
	const char *port_text;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close || close[1] != ':' || (size_t)(close - text - 1) >= sizeof host)
			return -1;
		memcpy(host, text + 1, (size_t)(close - text - 1));
		host[close - text - 1] = '\0';
		port_text = close + 2;
	} else {
		const char *colon = strrchr(text, ':');
		if (!colon || strchr(text, ':') != colon || (size_t)(colon - text) >= sizeof host)
			return -1;
		memcpy(host, text, (size_t)(colon - text));
		host[colon - text] = '\0';
		port_text = colon + 1;
	}
	uint16_t port;
	if (parse_port(port_text, &port))
		return -1;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&out->sa;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->sa;
	if (text[0] != '[' && inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		out->salen = sizeof *v4;
	} else if (text[0] == '[' && inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		out->salen = sizeof *v6;
	} else {
		return -1;
	}
	snprintf(out->text, sizeof out->text, "%s", text);
	return 0;
}

int listen_bind(const listen_addr_t *addr, int type)
{
	int fd = socket(addr->sa.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int on = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on))
		goto fail;
	/* An IPv6 socket answers IPv6 only: IPv4 gets its own listen address, as the operator wrote it. */
	if (addr->sa.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on))
		goto fail;
	if (bind(fd, (const struct sockaddr *)&addr->sa, addr->salen))
		goto fail;
	return fd;
fail:;
	int saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int listen_check_free(const listen_addr_t *addr)
{
	static const int types[] = {SOCK_DGRAM, SOCK_STREAM};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		int fd = socket(addr->sa.ss_family, types[i] | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		int on = 1;
		if (types[i] == SOCK_STREAM) /* a connection in TIME_WAIT is no other server */
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
		if (addr->sa.ss_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
		int rc = bind(fd, (const struct sockaddr *)&addr->sa, addr->salen);
		int saved = errno;
		close(fd);
		if (rc) {
			errno = saved;
			return -1;
		}
	}
	return 0;
}
