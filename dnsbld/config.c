/* SPDX-License-Identifier: BSD-2-Clause */
/* config.c — dnsbld's keys: their defaults, setters and printing; the file then the command line (config.h). */
#include "config.h"

#include "base/hostport.h"

#include "base/addr.h"
#include "base/err.h"
#include "base/log.h"
#include "base/text.h"
#include "conf/conf.h"
#include "qlog.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#define DEFAULT_TCP_IDLE_MS 10000
#define DEFAULT_TCP_MAX_CONNS 256

static int why(char *out, size_t size, const char *text)
{
	snprintf(out, size, "%s", text);
	return RBL_EINVAL;
}

static int parse_unsigned(const char *value, unsigned min, unsigned max, unsigned *out, char *w, size_t ws)
{
	char *end;
	unsigned long v = strtoul(value, &end, 10);
	if (!*value || *end || value[0] == '-' || v < min || v > max) {
		snprintf(w, ws, "expected %u..%u", min, max);
		return RBL_EINVAL;
	}
	*out = (unsigned)v;
	return RBL_OK;
}

static int set_db(void *target, const char *value, char *w, size_t ws)
{
	config_t *c = target;
	if (!*value)
		return why(w, ws, "empty");
	if (strlen(value) >= sizeof c->db_dir)
		return why(w, ws, "too long");
	snprintf(c->db_dir, sizeof c->db_dir, "%s", value);
	c->db_set = true;
	return RBL_OK;
}

static int set_listen(void *target, const char *value, char *w, size_t ws)
{
	config_t *c = target;
	if (c->server.listen_count == SERVER_MAX_LISTEN) {
		snprintf(w, ws, "at most %d listen addresses", SERVER_MAX_LISTEN);
		return RBL_EFULL;
	}
	if (listen_parse(value, &c->server.listen[c->server.listen_count]))
		return why(w, ws, "expected ADDR:PORT or [IPV6]:PORT");
	c->server.listen_count++;
	return RBL_OK;
}

static int set_workers(void *target, const char *value, char *w, size_t ws)
{
	return parse_unsigned(value, 1, 256, &((config_t *)target)->server.workers, w, ws);
}

static int set_tcp_idle(void *target, const char *value, char *w, size_t ws)
{
	unsigned s;
	int err = parse_unsigned(value, 1, 3600, &s, w, ws);
	if (!err)
		((config_t *)target)->server.tcp_idle_ms = s * 1000;
	return err;
}

static int set_tcp_max_conns(void *target, const char *value, char *w, size_t ws)
{
	return parse_unsigned(value, 1, 100000, &((config_t *)target)->server.tcp_max_conns, w, ws);
}

static int set_name(char *out, size_t size, const char *value, char *w, size_t ws)
{
	if (!*value || strlen(value) >= size || strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                                                        "0123456789._-") != strlen(value))
		return why(w, ws, "expected a user or group name");
	snprintf(out, size, "%s", value);
	return RBL_OK;
}

static int set_user(void *target, const char *value, char *w, size_t ws)
{
	config_t *c = target;
	return set_name(c->user, sizeof c->user, value, w, ws);
}

static int set_group(void *target, const char *value, char *w, size_t ws)
{
	config_t *c = target;
	return set_name(c->group, sizeof c->group, value, w, ws);
}

static int set_bool(bool *out, const char *value, char *w, size_t ws)
{
	if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0 || strcmp(value, "1") == 0)
		*out = true;
	else if (strcmp(value, "no") == 0 || strcmp(value, "false") == 0 || strcmp(value, "0") == 0)
		*out = false;
	else
		return why(w, ws, "expected yes or no");
	return RBL_OK;
}

static int set_allow_root(void *target, const char *value, char *w, size_t ws)
{
	return set_bool(&((config_t *)target)->allow_root, value, w, ws);
}

static int set_allow_query(void *target, const char *value, char *w, size_t ws)
{
	server_live_t *live = &((config_t *)target)->live;
	if (live->allow_count == SERVER_ACL_MAX) {
		snprintf(w, ws, "at most %d networks", SERVER_ACL_MAX);
		return RBL_EFULL;
	}
	int err = cidr_parse(value, &live->allow[live->allow_count]);
	if (err)
		return why(w, ws, err == RBL_EHOSTBITS ? "host bits set below the prefix length"
		                                       : "expected an address or a CIDR (192.0.2.0/24, 2001:db8::/32)");
	live->allow_count++;
	return RBL_OK;
}

static int set_acl_action(void *target, const char *value, char *w, size_t ws)
{
	server_live_t *live = &((config_t *)target)->live;
	if (strcmp(value, "refuse") == 0)
		live->acl_drop = false;
	else if (strcmp(value, "drop") == 0)
		live->acl_drop = true;
	else
		return why(w, ws, "expected refuse or drop");
	return RBL_OK;
}

static const char *const level_names[] = {"error", "warning", "info", "debug"};

static int set_log_level(void *target, const char *value, char *w, size_t ws)
{
	for (int i = 0; i < 4; i++) {
		if (strcmp(value, level_names[i]) == 0) {
			((config_t *)target)->log_level = i;
			return RBL_OK;
		}
	}
	return why(w, ws, "expected error, warning, info or debug");
}

static int set_text(char *out, size_t size, const char *value, char *w, size_t ws)
{
	if (strlen(value) >= size || strlen(value) > 255)
		return why(w, ws, "longer than 255 bytes");
	if (text_has_control(value, strlen(value)))
		return why(w, ws, "control characters are not allowed");
	snprintf(out, size, "%s", value);
	return RBL_OK;
}

static int set_identity(void *target, const char *value, char *w, size_t ws)
{
	server_live_t *live = &((config_t *)target)->live;
	return set_text(live->identity, sizeof live->identity, value, w, ws);
}

static int set_version(void *target, const char *value, char *w, size_t ws)
{
	server_live_t *live = &((config_t *)target)->live;
	return set_text(live->version, sizeof live->version, value, w, ws);
}

/* "ADDR:PORT" or "[V6ADDR]:PORT" (a numeric address, a port given), or "" to switch it off. */
static int set_metrics_listen(void *target, const char *value, char *w, size_t ws)
{
	config_t *c = target;
	char host[ADDR_STRLEN];
	uint16_t port = 0;
	addr_t a;
	if (!*value) {
		c->metrics_listen[0] = '\0';
		return RBL_OK;
	}
	if (hostport_split(value, 0, host, sizeof host, &port) || port == 0 || addr_parse(host, &a) ||
	    strlen(value) >= sizeof c->metrics_listen)
		return why(w, ws, "expected ADDR:PORT (127.0.0.1:9153, [::1]:9153)");
	snprintf(c->metrics_listen, sizeof c->metrics_listen, "%s", value);
	return RBL_OK;
}

static int set_rrl_rate(void *target, const char *value, char *w, size_t ws)
{
	return parse_unsigned(value, 0, RRL_RATE_MAX, &((config_t *)target)->server.rrl.rate, w, ws);
}

static int set_rrl_window(void *target, const char *value, char *w, size_t ws)
{
	return parse_unsigned(value, 1, RRL_WINDOW_MAX, &((config_t *)target)->server.rrl.window, w, ws);
}

static int set_rrl_slip(void *target, const char *value, char *w, size_t ws)
{
	return parse_unsigned(value, 0, RRL_SLIP_MAX, &((config_t *)target)->server.rrl.slip, w, ws);
}

static int set_rrl_ipv4_prefix(void *target, const char *value, char *w, size_t ws)
{
	return parse_unsigned(value, 1, 32, &((config_t *)target)->server.rrl.ipv4_prefix, w, ws);
}

static int set_rrl_ipv6_prefix(void *target, const char *value, char *w, size_t ws)
{
	return parse_unsigned(value, 1, 128, &((config_t *)target)->server.rrl.ipv6_prefix, w, ws);
}

static int set_rrl_table_size(void *target, const char *value, char *w, size_t ws)
{
	unsigned n;
	if (parse_unsigned(value, RRL_TABLE_MIN, RRL_TABLE_MAX, &n, w, ws) != RBL_OK || (n & (n - 1))) {
		snprintf(w, ws, "expected a power of two, %u..%u", RRL_TABLE_MIN, RRL_TABLE_MAX);
		return RBL_EINVAL;
	}
	((config_t *)target)->server.rrl.table_size = n;
	return RBL_OK;
}

static int set_rrl_exempt(void *target, const char *value, char *w, size_t ws)
{
	rrl_config_t *rrl = &((config_t *)target)->server.rrl;
	if (rrl->exempt_count == RRL_EXEMPT_MAX) {
		snprintf(w, ws, "at most %u networks", RRL_EXEMPT_MAX);
		return RBL_EFULL;
	}
	int err = cidr_parse(value, &rrl->exempt[rrl->exempt_count]);
	if (err)
		return why(w, ws, err == RBL_EHOSTBITS ? "host bits set below the prefix length"
		                                       : "expected an address or a CIDR (192.0.2.0/24, 2001:db8::/32)");
	rrl->exempt_count++;
	return RBL_OK;
}

/* A file name, or "" to switch the query log off. */
static int set_query_log(void *target, const char *value, char *w, size_t ws)
{
	config_t *c = target;
	if (strlen(value) >= sizeof c->query_log)
		return why(w, ws, "too long");
	if (text_has_control(value, strlen(value)))
		return why(w, ws, "control characters are not allowed");
	snprintf(c->query_log, sizeof c->query_log, "%s", value);
	return RBL_OK;
}

static int set_query_log_sample(void *target, const char *value, char *w, size_t ws)
{
	return parse_unsigned(value, 1, QLOG_SAMPLE_MAX, &((config_t *)target)->query_log_sample, w, ws);
}

static int set_key_file(void *target, const char *value, char *w, size_t ws)
{
	return xfr_conf_set_key_file(&((config_t *)target)->xfr, value, w, ws);
}

static const conf_key_t keys[] = {
        {"", "db", false, set_db},
        {"", "listen", true, set_listen},
        {"", "workers", false, set_workers},
        {"", "user", false, set_user},
        {"", "group", false, set_group},
        {"", "allow-root", false, set_allow_root},
        {"", "tcp-idle", false, set_tcp_idle},
        {"", "tcp-max-conns", false, set_tcp_max_conns},
        {"", "allow-query", true, set_allow_query},
        {"", "acl-action", false, set_acl_action},
        {"", "log-level", false, set_log_level},
        {"", "identity", false, set_identity},
        {"", "version", false, set_version},
        {"", "metrics-listen", false, set_metrics_listen},
        {"", "rrl-rate", false, set_rrl_rate},
        {"", "rrl-window", false, set_rrl_window},
        {"", "rrl-slip", false, set_rrl_slip},
        {"", "rrl-ipv4-prefix", false, set_rrl_ipv4_prefix},
        {"", "rrl-ipv6-prefix", false, set_rrl_ipv6_prefix},
        {"", "rrl-exempt", true, set_rrl_exempt},
        {"", "rrl-table-size", false, set_rrl_table_size},
        {"", "query-log", false, set_query_log},
        {"", "query-log-sample", false, set_query_log_sample},
        {"", "key-file", false, set_key_file},
};
#define KEY_COUNT (sizeof keys / sizeof keys[0])

bool config_has_key(const char *key)
{
	for (size_t i = 0; i < KEY_COUNT; i++)
		if (strcmp(keys[i].name, key) == 0)
			return true;
	return false;
}

static void defaults(config_t *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	store_default_dir(cfg->db_dir, sizeof cfg->db_dir);
	cfg->server.workers = (unsigned)uv_available_parallelism();
	cfg->server.tcp_idle_ms = DEFAULT_TCP_IDLE_MS;
	cfg->server.tcp_max_conns = DEFAULT_TCP_MAX_CONNS;
	rrl_config_init(&cfg->server.rrl);
	cfg->log_level = RBL_LOG_INFO;
	cfg->query_log_sample = 1;
	xfr_conf_init(&cfg->xfr);
}

static int apply_override(config_t *cfg, const config_override_t *o, char *err, size_t err_size)
{
	size_t i;
	for (i = 0; i < KEY_COUNT && strcmp(keys[i].name, o->key) != 0; i++)
		;
	if (i == KEY_COUNT) {
		snprintf(err, err_size, "--%s: no such option", o->key);
		return -1;
	}
	/* The command line's list replaces the file's. */
	if (strcmp(o->key, "listen") == 0 && !cfg->cli_listen) {
		cfg->server.listen_count = 0;
		cfg->cli_listen = true;
	} else if (strcmp(o->key, "allow-query") == 0 && !cfg->cli_acl) {
		cfg->live.allow_count = 0;
		cfg->cli_acl = true;
	} else if (strcmp(o->key, "rrl-exempt") == 0 && !cfg->cli_rrl_exempt) {
		cfg->server.rrl.exempt_count = 0;
		cfg->cli_rrl_exempt = true;
	}
	char w[256] = "";
	if (keys[i].set(cfg, o->value, w, sizeof w) != RBL_OK) {
		snprintf(err, err_size, "--%s: invalid value '%s' (%s)", o->key, o->value, *w ? w : "invalid");
		return -1;
	}
	return 0;
}

int config_load(config_t *cfg, const char *path, const config_override_t *overrides, unsigned count, char *err,
		size_t err_size)
{
	defaults(cfg);
	const char *file = path;
	if (!file && access(CONFIG_DEFAULT_PATH, F_OK) == 0)
		file = CONFIG_DEFAULT_PATH;
	if (file) {
		conf_error_t error;
		conf_section_kind_t kinds[XFR_CONF_KINDS];
		xfr_conf_kinds(&cfg->xfr, kinds);
		conf_table_t table = {.keys = keys, .count = KEY_COUNT, .kinds = kinds, .kind_count = XFR_CONF_KINDS};
		if (conf_read_table(file, &table, 0, cfg, &error) != RBL_OK ||
		    xfr_conf_check(&cfg->xfr, file, &error) != RBL_OK) {
			snprintf(err, err_size, "%s", error.message);
			return -1;
		}
		snprintf(cfg->path, sizeof cfg->path, "%s", file);
	}
	/* $DNSBL_DB wins over the file (the packaged file names /var/lib/dnsbld), the command line over both. */
	const char *env = getenv("DNSBL_DB");
	if (env && !*env) {
		snprintf(err, err_size, "DNSBL_DB is set but empty");
		return -1;
	}
	if (env)
		snprintf(cfg->db_dir, sizeof cfg->db_dir, "%s", env);
	for (unsigned i = 0; i < count; i++)
		if (apply_override(cfg, &overrides[i], err, err_size))
			return -1;
	if (cfg->server.listen_count == 0)
		listen_parse(LISTEN_DEFAULT, &cfg->server.listen[cfg->server.listen_count++]);
	cfg->server.db_dir = cfg->db_dir;
	cfg->server.metrics_listen = *cfg->metrics_listen ? cfg->metrics_listen : NULL;
	cfg->server.live = &cfg->live;
	server_live_fix(&cfg->live);
	return 0;
}

void config_print(const config_t *cfg, FILE *out)
{
	const server_config_t *s = &cfg->server;
	fprintf(out, "# dnsbld %s: effective settings (%s)\n", RBL_VERSION,
	        *cfg->path ? cfg->path : "no configuration file");
	fprintf(out, "db = %s\n", cfg->db_dir);
	for (unsigned i = 0; i < s->listen_count; i++)
		fprintf(out, "listen = %s\n", s->listen[i].text);
	fprintf(out, "workers = %u\n", s->workers);
	fprintf(out, "tcp-idle = %u\n", s->tcp_idle_ms / 1000);
	fprintf(out, "tcp-max-conns = %u\n", s->tcp_max_conns);
	if (*cfg->user)
		fprintf(out, "user = %s\n", cfg->user);
	if (*cfg->group)
		fprintf(out, "group = %s\n", cfg->group);
	fprintf(out, "allow-root = %s\n", cfg->allow_root ? "yes" : "no");
	if (cfg->live.allow_count == 0)
		fprintf(out, "# allow-query: not set, every client is answered\n");
	for (unsigned i = 0; i < cfg->live.allow_count; i++) {
		char text[ADDR_STRLEN + 4];
		cidr_format(&cfg->live.allow[i], text);
		fprintf(out, "allow-query = %s\n", text);
	}
	fprintf(out, "acl-action = %s\n", cfg->live.acl_drop ? "drop" : "refuse");
	fprintf(out, "log-level = %s\n", level_names[cfg->log_level]);
	if (*cfg->live.identity)
		fprintf(out, "identity = %s\n", cfg->live.identity);
	if (*cfg->live.version)
		fprintf(out, "version = %s\n", cfg->live.version);
	if (*cfg->metrics_listen)
		fprintf(out, "metrics-listen = %s\n", cfg->metrics_listen);
	else
		fprintf(out, "# metrics-listen: not set, no /metrics\n");
	const rrl_config_t *rrl = &s->rrl;
	fprintf(out, "rrl-rate = %u\n", rrl->rate);
	if (!rrl->rate)
		fprintf(out, "# rrl-rate 0: responses are not rate-limited\n");
	fprintf(out, "rrl-window = %u\n", rrl->window);
	fprintf(out, "rrl-slip = %u\n", rrl->slip);
	fprintf(out, "rrl-ipv4-prefix = %u\n", rrl->ipv4_prefix);
	fprintf(out, "rrl-ipv6-prefix = %u\n", rrl->ipv6_prefix);
	for (unsigned i = 0; i < rrl->exempt_count; i++) {
		char text[ADDR_STRLEN + 4];
		cidr_format(&rrl->exempt[i], text);
		fprintf(out, "rrl-exempt = %s\n", text);
	}
	fprintf(out, "rrl-table-size = %u\n", rrl->table_size);
	if (*cfg->query_log)
		fprintf(out, "query-log = %s\n", cfg->query_log);
	else
		fprintf(out, "# query-log: not set, no query log\n");
	fprintf(out, "query-log-sample = %u\n", cfg->query_log_sample);
	if (*cfg->xfr.key_file)
		fprintf(out, "key-file = %s\n", cfg->xfr.key_file);
	if (cfg->xfr.zone_count)
		fprintf(out, "# zone sections: the zones secondaries may transfer (AXFR over TCP, TSIG)\n");
	xfr_conf_print(&cfg->xfr, out);
}

static bool same_exempt(const rrl_config_t *a, const rrl_config_t *b)
{
	if (a->exempt_count != b->exempt_count)
		return false;
	for (unsigned i = 0; i < a->exempt_count; i++)
		if (a->exempt[i].len != b->exempt[i].len || addr_cmp(&a->exempt[i].addr, &b->exempt[i].addr) != 0)
			return false;
	return true;
}

static bool same_listen(const server_config_t *a, const server_config_t *b)
{
	if (a->listen_count != b->listen_count)
		return false;
	for (unsigned i = 0; i < a->listen_count; i++)
		if (strcmp(a->listen[i].text, b->listen[i].text) != 0)
			return false;
	return true;
}

void config_restart_keys(const config_t *running, const config_t *reread, char *out, size_t size)
{
	struct {
		const char *key;
		bool changed;
	} checks[] = {
	        {"db", strcmp(running->db_dir, reread->db_dir) != 0},
	        {"listen", !same_listen(&running->server, &reread->server)},
	        {"workers", running->server.workers != reread->server.workers},
	        {"user", strcmp(running->user, reread->user) != 0},
	        {"group", strcmp(running->group, reread->group) != 0},
	        {"allow-root", running->allow_root != reread->allow_root},
	        {"tcp-idle", running->server.tcp_idle_ms != reread->server.tcp_idle_ms},
	        {"tcp-max-conns", running->server.tcp_max_conns != reread->server.tcp_max_conns},
	        {"metrics-listen", strcmp(running->metrics_listen, reread->metrics_listen) != 0},
	        {"rrl-rate", running->server.rrl.rate != reread->server.rrl.rate},
	        {"rrl-window", running->server.rrl.window != reread->server.rrl.window},
	        {"rrl-slip", running->server.rrl.slip != reread->server.rrl.slip},
	        {"rrl-ipv4-prefix", running->server.rrl.ipv4_prefix != reread->server.rrl.ipv4_prefix},
	        {"rrl-ipv6-prefix", running->server.rrl.ipv6_prefix != reread->server.rrl.ipv6_prefix},
	        {"rrl-exempt", !same_exempt(&running->server.rrl, &reread->server.rrl)},
	        {"rrl-table-size", running->server.rrl.table_size != reread->server.rrl.table_size},
	        {"query-log", strcmp(running->query_log, reread->query_log) != 0},
	        {"query-log-sample", running->query_log_sample != reread->query_log_sample},
	};
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		if (!checks[i].changed)
			continue;
		int n = snprintf(out + len, size - len, "%s%s", len ? ", " : "", checks[i].key);
		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
	}
}
