/* SPDX-License-Identifier: BSD-2-Clause */
/* cli_target.c — HOST[:PORT] on the command line. */
#include "cli_target.h"

#include "base/err.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int cli_target_split(const char *text, uint16_t default_port, char *host, size_t cap, uint16_t *port)
{
	const char *port_text = NULL;
	size_t n;
	*port = default_port;
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
	memcpy(host, text, n);
	host[n] = '\0';
	if (port_text) {
		char *end;
		unsigned long v = strtoul(port_text, &end, 10);
		if (!*port_text || *end || *port_text < '0' || *port_text > '9' || v == 0 || v > 65535)
			return RBL_EINVAL;
		*port = (uint16_t)v;
	}
	return RBL_OK;
}
