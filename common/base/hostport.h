/* SPDX-License-Identifier: BSD-2-Clause */
/* hostport.h — "HOST", "HOST:PORT", "[IPV6]:PORT", "[IPV6]" and a bare IPv6 address ("2001:db8::1", which has more
 * than one colon and so no port), as the command line gives a server. Pure, no allocation. */
#ifndef RBL_HOSTPORT_H
#define RBL_HOSTPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sockaddr_storage;

/* Splits text into host (cap bytes, NUL-terminated; a name or an address, not checked further) and port
 * (default_port when none is given). RBL_EINVAL: NULL or empty text, an empty host, a host that does not fit, an
 * unclosed '[' or bytes after ']' other than ":PORT", a port that is not 1..65535 in plain decimal digits (no sign,
 * no leading zero). */
int hostport_split(const char *text, uint16_t default_port, char *host, size_t cap, uint16_t *port);

/* A listen address, "ADDRESS:PORT" or "[IPV6]:PORT" with a numeric address (so that what is bound is what was
 * written), into *ss; ":0" asks for a free port (tests); *v6 says the family. RBL_EINVAL for anything else. */
int hostport_listen_addr(const char *text, uint16_t default_port, struct sockaddr_storage *ss, bool *v6);

#endif
