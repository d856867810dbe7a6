/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_web.c — rbltool web [--listen ADDR:PORT] [--templates DIR]: the lookup service (web.h) over the store until
 * SIGINT or SIGTERM. */
#include "cmd.h"

#include "base/err.h"
#include "web/web.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>

#define WEB_USAGE "rbltool web [--listen ADDR:PORT] [--templates DIR] [--public-url URL] [--trusted-proxy CIDR]..."

int cmd_web(cli_t *cli, int argc, char **argv)
{
	static const struct option options[] = {{"listen", required_argument, NULL, 'l'},
						{"templates", required_argument, NULL, 't'},
						{"public-url", required_argument, NULL, 'u'},
						{"trusted-proxy", required_argument, NULL, 'p'},
						{0}};
	cidr_t trusted[WEB_TRUSTED_PROXIES_MAX];
	web_options_t o = {.listen = WEB_DEFAULT_LISTEN, .templates = RBL_WEB_TEMPLATES_DEFAULT, .trusted = trusted};
	int opt, rc;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == 'l') {
			o.listen = optarg;
		} else if (opt == 't') {
			o.templates = optarg;
		} else if (opt == 'u') {
			o.public_url = optarg;
		} else if (opt == 'p') {
			if (o.trusted_count == WEB_TRUSTED_PROXIES_MAX)
				return cli_bad_input("--trusted-proxy: at most %d", WEB_TRUSTED_PROXIES_MAX);
			if ((rc = cli_parse_cidr(optarg, &trusted[o.trusted_count])))
				return rc;
			o.trusted_count++;
		} else {
			return cli_bad_option(argv, WEB_USAGE);
		}
	}
	/* For writing: it queues retest requests (and makes the token secret once); no zone changes, so no journal. */
	if ((rc = cli_expect_args(argc, argv, optind, 0, WEB_USAGE)) || (rc = cli_open(cli, true)))
		return rc;
	/* The server's thread inherits the mask: the signals come to sigwait here, not to it. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	web_server_t *s;
	char why[320];
	int err = web_server_start(cli->store, &o, &s, why, sizeof why);
	if (err == RBL_EINVAL)
		return cli_bad_input("%s", why);
	if (err)
		return cli_fail("%s", why[0] ? why : rbl_strerror(err));
	fprintf(stderr, "rbltool: web: serving the store %s on port %u (%s, pages from %s); SIGINT or SIGTERM stops it\n",
		cli->db_dir, web_server_port(s), o.listen, o.templates);
	fflush(stderr);
	int sig;
	sigwait(&stop, &sig);
	web_server_stop(s);
	fprintf(stderr, "rbltool: web: stopped\n");
	return CLI_OK;
}
