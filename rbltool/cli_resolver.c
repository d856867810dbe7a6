/* SPDX-License-Identifier: BSD-2-Clause */
/* cli_resolver.c — the resolver an rbltool command asks: --resolver, $DNSBL_RESOLVER or resolv.conf. */
#include "cli_resolver.h"

#include "cli.h"

#include <stdlib.h>
#include <string.h>

int cli_resolver_config(const char *option_value, resolver_config_t *cfg, char *buf, size_t cap)
{
	const char *what = "--resolver";
	const char *value = option_value;
	if (!value) {
		value = getenv("DNSBL_RESOLVER");
		what = "DNSBL_RESOLVER";
		if (!value || !*value) {
			cfg->server = NULL;
			return CLI_OK;
		}
	}
	addr_t addr;
	uint16_t port;
	char shown[256];
	if (resolver_server_parse(value, &addr, &port) || strlen(value) >= cap)
		return cli_bad_input("%s: invalid resolver '%s' (ADDR, ADDR:PORT or [IPv6]:PORT)", what,
		                     cli_escaped(value, shown, sizeof shown));
	memcpy(buf, value, strlen(value) + 1);
	cfg->server = buf;
	return CLI_OK;
}
