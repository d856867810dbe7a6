/* SPDX-License-Identifier: BSD-2-Clause */
/* main.c — rbltool: global options and dispatch to the subcommand families. */
#include "cmd.h"

#include <ldns/ldns.h>
#include <uv.h>

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fputs("usage: rbltool [--db DIR] COMMAND ...     rbltool --help | --version\n"
	      "zones and listings:\n"
	      "  zone create ZONE [--ns NAME[=ADDR,...]]... [--contact EMAIL] [--code 127.0.0.N] [--txt TEMPLATE] [--ttl SECS]\n"
	      "                   [--member ZONE]...\n"
	      "  zone set ZONE [--ns NAME[=ADDR,...]]... [--contact EMAIL] [--code 127.0.0.N] [--txt T] [--ttl SECS]\n"
	      "  zone list | zone show ZONE | zone delete ZONE\n"
	      "  add ZONE ADDR[/LEN] [--code 127.0.0.N]... [--reason TEXT] [--source TEXT] [--expires 30d|DATE]"
	      " [--no-text]\n"
	      "                   [--allow-wide]   (a listing wider than /8 or IPv6 /16 needs --allow-wide)\n"
	      "  exclude ZONE ADDR[/LEN] [--reason TEXT] [--source TEXT] [--expires 30d|DATE]\n"
	      "  del ZONE ADDR[/LEN]      list ZONE      show ADDR      query ZONE ADDR      expire\n"
	      "files:\n"
	      "  import ZONE FILE [--format plain|csv|rbldnsd|arf|mbox] [--dataset TYPE] [--replace] [--skip-bad]\n"
	      "                   [--as-reports] [--trusted CIDR]... [--code C] [--reason T] [--source T] [--expires D]\n"
	      "                   [--allow-wide]\n"
	      "  export ZONE [--format rbldnsd|bind] [--output FILE]\n"
	      "relay pipeline:\n"
	      "  report ADDR [--source TEXT]      optout add CIDR [--reason TEXT] | optout del CIDR | optout list\n"
	      "  probe HOST[:PORT]... | probe --pending [--port N] [--max-attempts N]\n"
	      "        [--list-into ZONE [--expires 30d] [--code 127.0.0.N]] [--concurrency N] [--timeout SECS]\n"
	      "        [--gap 10s]\n"
	      "  retest ZONE [--older-than 7d] [--port N] [--expires 30d] [--concurrency N] [--timeout SECS] [--gap 10s]\n"
	      "  (--gap: the least time between two connections to one host)\n"
	      "the store:\n"
	      "  init        an empty store in the --db directory, if none is there (for installing)\n"
	      "  verify      backup DIR (into a new directory; safe while dnsbld runs)\n"
	      "The store is --db DIR, else $DNSBL_DB, else db in /etc/dnsbld/dnsbld.conf, else ~/.local/share/dnsbld.\n"
	      "Exit status: 0 done, 1 failed, 2 bad input (nothing written).\n",
	      out);
}

static void version(void)
{
	printf("rbltool %s\n%s\nlibuv %s\nldns %s\n", RBL_VERSION, store_lmdb_version(), uv_version_string(),
	       ldns_version());
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		cli_command_fn fn;
	} commands[] = {
		{"zone", cmd_zone}, {"add", cmd_add},   {"exclude", cmd_exclude}, {"del", cmd_del},
		{"list", cmd_list}, {"show", cmd_show}, {"query", cmd_query},     {"expire", cmd_expire},
		{"export", cmd_export},
		{"import", cmd_import}, {"report", cmd_report}, {"optout", cmd_optout},
		{"probe", cmd_probe},   {"retest", cmd_retest},
		{"verify", cmd_verify}, {"backup", cmd_backup}, {"init", cmd_init},
	};
	static const struct option options[] = {
		{"db", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	char db_dir[PATH_MAX];
	if (cli_default_db(db_dir, sizeof db_dir))
		return CLI_BAD_INPUT;
	cli_t cli = {db_dir, NULL};
	int opt;
	opterr = 0; /* every bad option gets our own one-line message */
	/* '+': stop at the command name, so that its options are its own. */
	while ((opt = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		switch (opt) {
		case 'd':
			cli.db_dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return cli_close_output(CLI_OK);
		case 'V':
			version();
			return cli_close_output(CLI_OK);
		default:
			return cli_bad_option(argv, "rbltool [--db DIR] COMMAND ... (rbltool --help lists them)");
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return CLI_BAD_INPUT;
	}
	char **sub_argv = argv + optind;
	int sub_argc = argc - optind;
	int rc = -1;
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(sub_argv[0], commands[i].name) == 0) {
			optind = 0; /* glibc: restart getopt for the subcommand's own options */
			rc = commands[i].fn(&cli, sub_argc, sub_argv);
			break;
		}
	}
	if (rc < 0)
		rc = cli_bad_input("unknown command '%s' (rbltool --help lists them)", sub_argv[0]);
	store_close(cli.store);
	/* Every command prints through stdout's buffer: only closing it tells whether what it printed was written. */
	return cli_close_output(rc);
}
