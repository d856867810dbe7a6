/* SPDX-License-Identifier: BSD-2-Clause */
/* hostport.c — HOST[:PORT] and [IPV6]:PORT, and listen addresses. */
#include "base/hostport.h"

#include "base/err.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

/* A decimal port 1..65535, digits only, no leading zero. */
static int parse_port(const char *text, uint16_t *port)
{
	unsigned long v = 0;
	size_t n = strlen(text);
	if (n == 0 || n > 5 || text[0] == '0')
		return RBL_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (text[i] < '0' || text[i] > '9')
			return RBL_EINVAL;
		v = v * 10 + (unsigned long)(text[i] - '0');
	}
	if (v > 65535)
		return RBL_EINVAL;
	*port = (uint16_t)v;
	return RBL_OK;
}

int hostport_split(const char *text, uint16_t default_port, char *host, size_t cap, uint16_t *port)
{
	const char *port_text = NULL;
	size_t n;
	if (!text || !*text)
		return RBL_EINVAL;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close)
			return RBL_EINVAL;
		n = (size_t)(close - text - 1);
		text++;
		if (close[1] == ':')
			port_text = close + 2;
		else if (close[1])
			return RBL_EINVAL;
	} else {
		const char *colon = strchr(text, ':');
		bool one_colon = colon && !strchr(colon + 1, ':'); /* more than one: a bare IPv6 address */
		n = one_colon ? (size_t)(colon - text) : strlen(text);
		if (one_colon)
			port_text = colon + 1;
	}
	if (n == 0 || n >= cap)
		return RBL_EINVAL;
	uint16_t p = default_port;
	if (port_text && parse_port(port_text, &p))
		return RBL_EINVAL;
	memcpy(host, text, n);
	host[n] = '\0';
	*port = p;
	return RBL_OK;
}

int hostport_listen_addr(const char *listen, uint16_t default_port, struct sockaddr_storage *ss, bool *v6)
{
	char host[INET6_ADDRSTRLEN + 1];
	uint16_t port;
	/* Port 0 asks for a free one (tests); hostport_split refuses 0, so it is read here. */
	size_t n = strlen(listen);
	bool port_zero = n > 2 && !strcmp(listen + n - 2, ":0");
	char copy[INET6_ADDRSTRLEN + 16];
	if (port_zero) {
		if (n - 2 >= sizeof copy)
			return RBL_EINVAL;
		memcpy(copy, listen, n - 2);
		copy[n - 2] = '\0';
		listen = copy;
	}
	if (hostport_split(listen, default_port, host, sizeof host, &port) != RBL_OK)
		return RBL_EINVAL;
	if (port_zero)
		port = 0;
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		*v6 = false;
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*v6 = true;
	} else
		return RBL_EINVAL;
	return RBL_OK;
}
