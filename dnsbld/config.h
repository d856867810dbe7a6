/* SPDX-License-Identifier: BSD-2-Clause */
/* config.h — dnsbld's settings: the defaults, then dnsbld.conf (common/conf), then the command line, which wins.
 * Every command-line option is a key of the file ("--tcp-idle 5" is "tcp-idle = 5"), parsed by the same setter,
 * so both refuse the same values with the same words. A repeatable key given on the command line replaces what the
 * file listed. SIGHUP re-reads the file (config_reload): the live part (ACL, log level, identity, version) changes at
 * once; a changed key that needs a restart is logged and ignored; a file that no longer parses changes nothing.
 */
#ifndef DNSBLD_CONFIG_H
#define DNSBLD_CONFIG_H

#include "conf/conf.h"
#include "server.h"
#include "xfr/xfr_conf.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#define CONFIG_DEFAULT_PATH CONF_DNSBLD_PATH
#define CONFIG_OVERRIDES_MAX 64

/* One key = value from the command line, applied after the file. */
typedef struct config_override {
	const char *key;
	const char *value;
} config_override_t;

typedef struct config {
	server_config_t server; /* what the workers read; server.live points at live below */
	server_live_t live;     /* what a reload may change */
	char db_dir[PATH_MAX];
	bool db_set;            /* by the file or the command line (else the per-user default) */
	char user[64], group[64];
	bool allow_root;
	int log_level;          /* enum log_level */
	char path[PATH_MAX];    /* the file read; "" when there was none */
	/* which repeatable keys the command line has started to replace (listen, allow-query, rrl-exempt) */
	bool cli_listen, cli_acl, cli_rrl_exempt;
	char metrics_listen[ADDR_STRLEN + 8]; /* "ADDR:PORT" of GET /metrics; "" off */
	char query_log[PATH_MAX];             /* the query log's file; "" off */
	unsigned query_log_sample;            /* log one query in this many (1: every one) */
	/* key-file, [key "NAME"] and [zone "NAME"]: the zone transfers dnsbld serves (xfr_serve.h) and the NOTIFY it
	 * sends (notify.h); a reload re-reads them and hands them over (server_reload_xfr). */
	xfr_conf_t xfr;
} config_t;

/* Fills cfg: defaults, then the file (path, or CONFIG_DEFAULT_PATH when path is NULL and that file exists), then the
 * overrides. 0, or -1 with one line in err naming the file:line or the option, the key and the value (a zone's
 * tsig-key that names no key is reported after the whole file is read, at the tsig-key's line). */
int config_load(config_t *cfg, const char *path, const config_override_t *overrides, unsigned count, char *err,
		size_t err_size);

/* Whether key is a key of dnsbld.conf (the command line checks its options against the same table). */
bool config_has_key(const char *key);

/* Prints the effective settings as a dnsbld.conf would say them (dnsbld --check-config). */
void config_print(const config_t *cfg, FILE *out);

/* Keys whose change needs a restart, as one line ("listen, workers"), comparing two loaded configurations; "" if
 * none changed. */
void config_restart_keys(const config_t *running, const config_t *reread, char *out, size_t size);

#endif
