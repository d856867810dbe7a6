/* SPDX-License-Identifier: BSD-2-Clause */
/* main.c — dnsbld: command line, signals, and the server's lifetime. */
#include "base/err.h"
#include "base/log.h"
#include "store/store.h"
#include "server.h"

#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TCP_IDLE_MS 10000
#define DEFAULT_TCP_MAX_CONNS 256

static void usage(FILE *out)
{
	fprintf(out,
		"usage: dnsbld [--db DIR] [--listen ADDR:PORT]... [--workers N]\n"
		"              [--tcp-idle SECONDS] [--tcp-max-conns N] [--verbose] [--version]\n"
		"  --db DIR          the store (default: $DNSBL_DB, else ~/.local/share/dnsbld)\n"
		"  --listen A:P      UDP and TCP listen address, repeatable; IPv6 as [::1]:5300 (default %s)\n"
		"  --workers N       worker threads, each with its own sockets (default: the number of CPUs)\n"
		"  --tcp-idle S      close idle TCP connections after S seconds (default %d)\n"
		"  --tcp-max-conns N open TCP connections per worker (default %d)\n",
		LISTEN_DEFAULT, DEFAULT_TCP_IDLE_MS / 1000, DEFAULT_TCP_MAX_CONNS);
}

static void version(void)
{
	printf("dnsbld %s\n%s\nlibuv %s\n", RBL_VERSION, store_lmdb_version(), uv_version_string());
}

static int parse_count(const char *opt, const char *text, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(text, &end, 10);
	if (!*text || *end || text[0] == '-' || v < min || v > max) {
		fprintf(stderr, "dnsbld: %s: invalid value '%s' (expected %u..%u)\n", opt, text, min, max);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static void on_signal(uv_signal_t *sig, int signum)
{
	log_info("signal %d: stopping", signum);
	uv_stop(sig->loop);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{"db", required_argument, NULL, 'd'},
		{"listen", required_argument, NULL, 'l'},
		{"workers", required_argument, NULL, 'w'},
		{"tcp-idle", required_argument, NULL, 'i'},
		{"tcp-max-conns", required_argument, NULL, 'c'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	static server_config_t cfg;
	char db_dir[PATH_MAX];
	store_default_dir(db_dir, sizeof db_dir);
	cfg.db_dir = db_dir;
	cfg.workers = (unsigned)uv_available_parallelism();
	cfg.tcp_idle_ms = DEFAULT_TCP_IDLE_MS;
	cfg.tcp_max_conns = DEFAULT_TCP_MAX_CONNS;
	unsigned idle_s;
	int opt;
	while ((opt = getopt_long(argc, argv, "d:l:w:i:c:vh", options, NULL)) != -1) {
		switch (opt) {
		case 'd':
			cfg.db_dir = optarg;
			break;
		case 'l':
			if (cfg.listen_count == SERVER_MAX_LISTEN) {
				fprintf(stderr, "dnsbld: at most %d listen addresses\n", SERVER_MAX_LISTEN);
				return 2;
			}
			if (listen_parse(optarg, &cfg.listen[cfg.listen_count])) {
				fprintf(stderr, "dnsbld: --listen: invalid address '%s' (expected ADDR:PORT or [IPV6]:PORT)\n",
					optarg);
				return 2;
			}
			cfg.listen_count++;
			break;
		case 'w':
			if (parse_count("--workers", optarg, 1, 256, &cfg.workers))
				return 2;
			break;
		case 'i':
			if (parse_count("--tcp-idle", optarg, 1, 3600, &idle_s))
				return 2;
			cfg.tcp_idle_ms = idle_s * 1000;
			break;
		case 'c':
			if (parse_count("--tcp-max-conns", optarg, 1, 100000, &cfg.tcp_max_conns))
				return 2;
			break;
		case 'v':
			log_set_level(RBL_LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			version();
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dnsbld: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (cfg.listen_count == 0)
		listen_parse(LISTEN_DEFAULT, &cfg.listen[cfg.listen_count++]);

	/* A TCP client that hangs up while we write must cost an EPIPE, not the process: every worker inherits this. */
	signal(SIGPIPE, SIG_IGN);
	uv_loop_t *loop = uv_default_loop();
	uv_signal_t sigterm, sigint;
	uv_signal_init(loop, &sigterm);
	uv_signal_init(loop, &sigint);
	uv_signal_start(&sigterm, on_signal, SIGTERM);
	uv_signal_start(&sigint, on_signal, SIGINT);

	server_t *server;
	if (server_start(&cfg, &server)) {
		log_err("dnsbld not started");
		return 1;
	}
	for (unsigned i = 0; i < cfg.listen_count; i++)
		log_info("dnsbld serving %s on %s (udp, tcp) with %u worker(s)", cfg.db_dir, cfg.listen[i].text,
			 cfg.workers);
	uv_run(loop, UV_RUN_DEFAULT);
	server_stop(server);
	uv_close((uv_handle_t *)&sigterm, NULL);
	uv_close((uv_handle_t *)&sigint, NULL);
	uv_run(loop, UV_RUN_DEFAULT);
	uv_loop_close(loop);
	log_info("dnsbld stopped");
	return 0;
}
