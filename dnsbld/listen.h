/* SPDX-License-Identifier: BSD-2-Clause */
/* listen.h — listen addresses ("127.0.0.1:5300", "[::1]:5300") and the sockets bound to them.
 *
 * Sockets are created and bound by the main thread before any worker starts, so a bad address or a port in use is
 * reported at once; SO_REUSEPORT lets every worker bind its own socket to the same address.
 */
#ifndef DNSBLD_LISTEN_H
#define DNSBLD_LISTEN_H

#include <sys/socket.h>

#define LISTEN_DEFAULT "127.0.0.1:5300"

typedef struct listen_addr {
	struct sockaddr_storage sa;
	socklen_t salen;
	char text[64];
} listen_addr_t;

/* Parses ADDR:PORT or [IPV6]:PORT, port 1..65535. -1 for anything else (the caller names the value). */
int listen_parse(const char *text, listen_addr_t *out);

/* Binds, and closes again, a UDP and a TCP socket to addr *without* SO_REUSEPORT: fails (-1, errno EADDRINUSE) when
 * another process — say a second dnsbld — already serves it, which SO_REUSEPORT would otherwise let us share
 * silently, splitting the queries between two servers. */
int listen_check_free(const listen_addr_t *addr);

/* A non-blocking socket of the given type (SOCK_DGRAM or SOCK_STREAM) bound to addr with SO_REUSEPORT;
 * -1 with errno set on failure. */
int listen_bind(const listen_addr_t *addr, int type);

#endif
