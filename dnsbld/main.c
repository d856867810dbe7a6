/* SPDX-License-Identifier: BSD-2-Clause */
/* main.c — dnsbld: the command line and dnsbld.conf (config.c), privileges, signals (TERM and INT stop, HUP
 * re-reads the configuration), systemd's readiness protocol, and the server's lifetime. */
#include "base/err.h"
#include "base/log.h"
#include "config.h"
#include "privileges.h"
#include "qlog.h"
#include "server.h"
#include "store/store.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#define ERR_MAX 768

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: dnsbld [--config FILE] [--check-config] [--db DIR] [--listen ADDR:PORT]... [--workers N]\n"
	        "              [--user NAME [--group NAME]] [--allow-root] [--tcp-idle SECONDS] [--tcp-max-conns N]\n"
	        "              [--allow-query CIDR]... [--acl-action refuse|drop] [--log-level LEVEL] [--verbose]\n"
	        "              [--identity TEXT] [--server-version TEXT] [--rrl-rate N] [--rrl-window SECONDS]\n"
	        "              [--rrl-slip N] [--rrl-ipv4-prefix LEN] [--rrl-ipv6-prefix LEN] [--rrl-exempt CIDR]...\n"
	        "              [--rrl-table-size N] [--metrics-listen ADDR:PORT] [--query-log FILE]\n"
	        "              [--query-log-sample N] [--syslog] [--version]\n"
	        "  --config FILE       settings (default %s when it exists); the options below win over it\n"
	        "  --check-config      check the settings, print them as they take effect, and exit\n"
	        "  --db DIR            the store (default: db in the file, $DNSBL_DB, else ~/.local/share/dnsbld)\n"
	        "  --listen A:P        UDP and TCP listen address, repeatable; IPv6 as [::1]:5300 (default %s)\n"
	        "  --workers N         worker threads, each with its own sockets (default: the number of CPUs)\n"
	        "  --user, --group     drop root for this user and group once the sockets are bound\n"
	        "  --allow-root        go on as root (not recommended)\n"
	        "  --tcp-idle S        a TCP query must arrive, and an idle connection closes, within S s (default 10)\n"
	        "  --tcp-max-conns N   TCP connections per worker (default 256)\n"
	        "  --allow-query CIDR  answer only these clients, repeatable (default: everyone)\n"
	        "  --acl-action        what the others get: refuse (REFUSED, the default) or drop (nothing)\n"
	        "  --log-level LEVEL   error, warning, info (default) or debug; --verbose is debug\n"
	        "  --identity TEXT     answer CH TXT id.server / hostname.bind (default: REFUSED)\n"
	        "  --server-version T  answer CH TXT version.bind / version.server (default: REFUSED)\n"
	        "  --rrl-rate N        UDP responses per second per client network and answer (default 0: no limit)\n"
	        "  --rrl-window S      a client over the rate stays limited up to S s after it slows down (default 15)\n"
	        "  --rrl-slip N        every N-th limited response goes out truncated, the rest dropped (default 2)\n"
	        "  --rrl-ipv4-prefix L client networks: IPv4 /L (default 24)\n"
	        "  --rrl-ipv6-prefix L client networks: IPv6 /L (default 56)\n"
	        "  --rrl-exempt CIDR   never rate-limit these clients, repeatable\n"
	        "  --rrl-table-size N  rate-limit buckets, a power of two (default 65536)\n"
	        "  --metrics-listen ADDR:PORT  serve Prometheus metrics at http://ADDR:PORT/metrics (default: off)\n"
	        "  --query-log FILE    append a line per query to FILE (default: off); SIGHUP reopens it\n"
	        "  --query-log-sample N  log one query in N, counted per worker (default 1: every query)\n"
	        "  --syslog            log to syslog (facility daemon) instead of stderr\n"
	        "SIGHUP re-reads the file: allow-query, acl-action, log-level, identity and version change at once;\n"
	        "it also reopens the query log (logrotate).\n",
	        CONFIG_DEFAULT_PATH, LISTEN_DEFAULT);
}

static void version(void)
{
	printf("dnsbld %s\n%s\nlibuv %s\n", RBL_VERSION, store_lmdb_version(), uv_version_string());
}

/* What the signal handlers need. */
struct running {
	config_t config; /* what runs now */
	const char *path;
	const config_override_t *overrides;
	unsigned override_count;
	server_t *server;
	qlog_t *qlog; /* NULL: no query log */
};

static void notify_reloading(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
	           (unsigned long long)now.tv_sec * 1000000ull + (unsigned long long)now.tv_nsec / 1000ull);
}

static void on_hup(uv_signal_t *sig, int signum)
{
	(void)signum;
	struct running *r = sig->data;
	static config_t reread; /* large: not on the stack */
	char err[ERR_MAX];
	notify_reloading();
	qlog_reopen(r->qlog); /* the writer closes the file and opens its path again (logrotate moved it) */
	if (config_load(&reread, r->path, r->overrides, r->override_count, err, sizeof err)) {
		log_err("reload: %s; the running settings stay", err);
		sd_notify(0, "READY=1\nSTATUS=reload failed: the running settings stay");
		return;
	}
	char restart[256];
	config_restart_keys(&r->config, &reread, restart, sizeof restart);
	if (*restart)
		log_warn("reload: %s changed in %s: restart dnsbld to apply; the running values stay", restart,
		         *reread.path ? reread.path : "the settings");
	if (server_reload(r->server, &reread.live) != RBL_OK) {
		log_err("reload: out of memory; the running settings stay");
		sd_notify(0, "READY=1");
		return;
	}
	if (server_reload_xfr(r->server, &reread.xfr) != RBL_OK)
		log_err("reload: out of memory; the running zone transfer settings stay");
	else
		r->config.xfr = reread.xfr;
	r->config.live = reread.live;
	server_live_fix(&r->config.live);
	r->config.log_level = reread.log_level;
	log_set_level((enum log_level)reread.log_level);
	log_debug("reload: %s re-read, log level %d", *reread.path ? reread.path : "(no file)", reread.log_level);
	log_info("reload: settings re-read (%u allow-query networks, acl-action %s, identity %s, version %s, %u "
	         "transferable zone(s))",
	         reread.live.allow_count, reread.live.acl_drop ? "drop" : "refuse", *reread.live.identity ? "on" : "off",
	         *reread.live.version ? "on" : "off", reread.xfr.zone_count);
	sd_notify(0, "READY=1\nSTATUS=serving");
}

static void on_stop_signal(uv_signal_t *sig, int signum)
{
	log_info("signal %d: stopping", signum);
	sd_notify(0, "STOPPING=1");
	uv_stop(sig->loop);
}

/* After the sockets are bound, before the store is opened: privileges and limits. */
static int after_bind(void *ctx)
{
	struct running *r = ctx;
	const config_t *cfg = &r->config;
	char err[ERR_MAX];
	if (privileges_drop(cfg->user, cfg->group, cfg->allow_root, err, sizeof err)) {
		log_err("%s", err);
		return -1;
	}
	/* Opened as the user dnsbld runs as, who must reopen it on SIGHUP: its directory must be writable by it. */
	if (r->qlog && qlog_open_file(r->qlog, err, sizeof err)) {
		log_err("%s", err);
		return -1;
	}
	return 0;
}

/* Option -> key of dnsbld.conf; the value goes through the key's setter (config.c). */
static const struct option options[] = {
        {"config", required_argument, NULL, 'C'},
        {"check-config", no_argument, NULL, 'K'},
        {"db", required_argument, NULL, 'k'},
        {"listen", required_argument, NULL, 'k'},
        {"workers", required_argument, NULL, 'k'},
        {"user", required_argument, NULL, 'k'},
        {"group", required_argument, NULL, 'k'},
        {"allow-root", no_argument, NULL, 'R'},
        {"tcp-idle", required_argument, NULL, 'k'},
        {"tcp-max-conns", required_argument, NULL, 'k'},
        {"allow-query", required_argument, NULL, 'k'},
        {"acl-action", required_argument, NULL, 'k'},
        {"log-level", required_argument, NULL, 'k'},
        {"identity", required_argument, NULL, 'k'},
        {"server-version", required_argument, NULL, 'S'},
        {"rrl-rate", required_argument, NULL, 'k'},
        {"rrl-window", required_argument, NULL, 'k'},
        {"rrl-slip", required_argument, NULL, 'k'},
        {"rrl-ipv4-prefix", required_argument, NULL, 'k'},
        {"rrl-ipv6-prefix", required_argument, NULL, 'k'},
        {"rrl-exempt", required_argument, NULL, 'k'},
        {"rrl-table-size", required_argument, NULL, 'k'},
        {"metrics-listen", required_argument, NULL, 'k'},
        {"query-log", required_argument, NULL, 'k'},
        {"query-log-sample", required_argument, NULL, 'k'},
        {"verbose", no_argument, NULL, 'v'},
        {"syslog", no_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {0},
};

int main(int argc, char **argv)
{
	static struct running r;
	static config_override_t overrides[CONFIG_OVERRIDES_MAX];
	const char *path = NULL;
	bool check_only = false;
	enum log_target target = log_target_from_environment();
	unsigned count = 0;
	int opt, index = 0;
	char err[ERR_MAX];
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "vh", options, &index)) != -1) {
		const char *key = NULL, *value = optarg;
		switch (opt) {
		case 'C':
			path = optarg;
			continue;
		case 'K':
			check_only = true;
			continue;
		case 'k':
			key = options[index].name;
			break;
		case 'R':
			key = "allow-root";
			value = "yes";
			break;
		case 'S':
			key = "version";
			break;
		case 'v':
			key = "log-level";
			value = "debug";
			break;
		case 'L':
			target = LOG_TO_SYSLOG;
			continue;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			version();
			return 0;
		default:
			fprintf(stderr, "dnsbld: %s: unknown option, or its value is missing\n", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
		if (count == CONFIG_OVERRIDES_MAX) {
			fprintf(stderr, "dnsbld: more than %d options\n", CONFIG_OVERRIDES_MAX);
			return 2;
		}
		overrides[count++] = (config_override_t){key, value};
	}
	if (optind < argc) {
		fprintf(stderr, "dnsbld: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (config_load(&r.config, path, overrides, count, err, sizeof err)) {
		fprintf(stderr, "dnsbld: %s\n", err);
		return 2;
	}
	if (check_only) {
		config_print(&r.config, stdout);
		return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
	}
	r.path = path;
	r.overrides = overrides;
	r.override_count = count;
	log_set_target(target, "dnsbld");
	log_set_level((enum log_level)r.config.log_level);
	server_config_t *cfg = &r.config.server;
	unsigned long fds = (unsigned long)cfg->workers * (cfg->tcp_max_conns + 1 + 2 * cfg->listen_count) + 64;
	if (privileges_file_limit(fds, err, sizeof err)) {
		log_err("%s", err);
		return 1;
	}
	cfg->after_bind = after_bind;
	cfg->after_bind_ctx = &r;
	cfg->xfr = &r.config.xfr; /* copied by the server at start; a reload hands it the re-read one */
	if (*r.config.query_log) {
		if (qlog_new(r.config.query_log, cfg->workers, r.config.query_log_sample, QLOG_RING_DEFAULT, &r.qlog)) {
			log_err("cannot allocate the query log's buffers (%u workers)", cfg->workers);
			return 1;
		}
		cfg->qlog = r.qlog;
	}

	/* A TCP client that hangs up while we write must cost an EPIPE, not the process: every worker inherits this. */
	signal(SIGPIPE, SIG_IGN);
	uv_loop_t *loop = uv_default_loop();
	uv_signal_t sigterm, sigint, sighup;
	uv_signal_init(loop, &sigterm);
	uv_signal_init(loop, &sigint);
	uv_signal_init(loop, &sighup);
	uv_signal_start(&sigterm, on_stop_signal, SIGTERM);
	uv_signal_start(&sigint, on_stop_signal, SIGINT);

	if (server_start(cfg, &r.server) || (r.qlog && qlog_start(r.qlog))) {
		log_err("dnsbld not started");
		server_stop(r.server);
		qlog_free(r.qlog);
		return 1;
	}
	sighup.data = &r;
	uv_signal_start(&sighup, on_hup, SIGHUP);
	for (unsigned i = 0; i < cfg->listen_count; i++)
		log_info("dnsbld serving %s on %s (udp, tcp) with %u worker(s)", cfg->db_dir, cfg->listen[i].text,
		         cfg->workers);
	if (r.qlog)
		log_info("query log: %s, one query in %u", r.config.query_log, r.config.query_log_sample);
	if (cfg->rrl.rate)
		log_info("UDP responses rate-limited: %u/s per bucket, window %u s, slip %u, networks /%u and /%u, "
		         "%u exempt, %u buckets",
		         cfg->rrl.rate, cfg->rrl.window, cfg->rrl.slip, cfg->rrl.ipv4_prefix, cfg->rrl.ipv6_prefix,
		         cfg->rrl.exempt_count, cfg->rrl.table_size);
	sd_notify(0, "READY=1\nSTATUS=serving");
	uv_run(loop, UV_RUN_DEFAULT);
	server_stop(r.server);
	qlog_free(r.qlog); /* after the workers: what their rings hold is written */
	uv_close((uv_handle_t *)&sigterm, NULL);
	uv_close((uv_handle_t *)&sigint, NULL);
	uv_close((uv_handle_t *)&sighup, NULL);
	uv_run(loop, UV_RUN_DEFAULT);
	uv_loop_close(loop);
	log_info("dnsbld stopped");
	return 0;
}
