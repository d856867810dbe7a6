/* SPDX-License-Identifier: BSD-2-Clause */
/* cli_target.h — "HOST", "HOST:PORT", "[IPV6]:PORT" and a bare IPv6 address, as probe and check take them. */
#ifndef RBLTOOL_CLI_TARGET_H
#define RBLTOOL_CLI_TARGET_H

#include <stddef.h>
#include <stdint.h>

/* Splits text into host (cap bytes, NUL-terminated; a name or an address, not checked further) and port
 * (default_port when none is given). RBL_EINVAL: an empty host, a host that does not fit, a bad or zero port,
 * an unclosed '['. */
int cli_target_split(const char *text, uint16_t default_port, char *host, size_t cap, uint16_t *port);

#endif
