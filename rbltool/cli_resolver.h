/* SPDX-License-Identifier: BSD-2-Clause */
/* cli_resolver.h — which recursive resolver an rbltool command asks (rdns, probe, check): --resolver, else
 * $DNSBL_RESOLVER, else /etc/resolv.conf. */
#ifndef RBLTOOL_CLI_RESOLVER_H
#define RBLTOOL_CLI_RESOLVER_H

#include "resolve/resolve.h"

#include <stddef.h>

/* Sets cfg->server from option_value (a --resolver value, or NULL when the option was not given), else from
 * $DNSBL_RESOLVER when it is set and not empty, else NULL (resolv.conf). The value is checked
 * (resolver_server_parse) and copied into buf (cap bytes), which cfg->server then points to; cfg->timeout_ms is left
 * alone. CLI_OK, or CLI_BAD_INPUT after one line naming the option or variable and its value. */
int cli_resolver_config(const char *option_value, resolver_config_t *cfg, char *buf, size_t cap);

#endif
