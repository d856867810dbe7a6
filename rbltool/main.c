/* SPDX-License-Identifier: BSD-2-Clause */
/* main.c — rbltool: global options and dispatch to the subcommand families. */
#include "cmd.h"

#include "conf/conf.h"

#include <ldns/ldns.h>
#include <uv.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
	fputs("usage: rbltool [--db DIR] [--config FILE] COMMAND ...     rbltool --help | --version     rbltool COMMAND --help\n"
	      "zones and listings:\n"
	      "  zone create ZONE [--ns NAME[=ADDR,...]]... [--contact EMAIL] [--code 127.0.0.N] [--txt TEMPLATE]\n"
	      "                   [--ttl SECS] [--member ZONE]...\n"
	      "  zone set ZONE [--ns NAME[=ADDR,...]]... [--contact EMAIL] [--code 127.0.0.N] [--txt T] [--ttl SECS]\n"
	      "  zone list [--json] | zone show ZONE [--json] | zone delete ZONE | zone diff ZONE --from SERIAL\n"
	      "  add ZONE ADDR[/LEN] [--code 127.0.0.N]... [--reason TEXT] [--source TEXT] [--expires 30d|DATE]"
	      " [--no-text]\n"
	      "                   [--allow-wide]   (a listing wider than /8 or IPv6 /16 needs --allow-wide)\n"
	      "  exclude ZONE ADDR[/LEN] [--reason TEXT] [--source TEXT] [--expires 30d|DATE]\n"
	      "  del ZONE ADDR[/LEN]      expire\n"
	      "  list ZONE [--json]       show ADDR [--json]      query ZONE ADDR [--json]\n"
	      "  stats [ZONE] [--json]    (entries by prefix, listed addresses, expiry, sources, codes, journal)\n"
	      "files:\n"
	      "  import ZONE FILE [--format plain|csv|rbldnsd|arf|mbox] [--dataset TYPE] [--replace] [--skip-bad]\n"
	      "                   [--as-reports] [--trusted CIDR]... [--code C] [--reason T] [--source T]\n"
	      "                   [--expires D] [--allow-wide]\n"
	      "  export ZONE [--format rbldnsd|bind] [--output FILE]\n"
	      "relay pipeline:\n"
	      "  report ADDR [--source TEXT]      optout add CIDR [--reason TEXT] | optout del CIDR | optout list\n"
	      "  probe HOST[:PORT]... | probe --pending [--port N] [--max-attempts N]\n"
	      "        [--list-into ZONE [--expires 30d] [--code 127.0.0.N]] [--concurrency N] [--timeout SECS]\n"
	      "        [--gap 10s] [--all-forms] [--resolver ADDR[:PORT]] [--no-rdns] [--json]\n"
	      "  retest ZONE [--older-than 7d] [--port N] [--expires 30d] [--concurrency N] [--timeout SECS]\n"
	      "        [--gap 10s] [--all-forms] [--resolver ADDR[:PORT]] [--no-rdns] [--json]\n"
	      "  retest --requested [--max 50] [--quiet] [--port N] ... (the queued retest requests)\n"
	      "  retest --queue ADDR... [--json]  (ask for a retest, as the lookup page's button does)\n"
	      "  (--gap: the least time between two connections to one host)\n"
	      "  check HOST[:PORT] [--resolver ADDR[:PORT]] [--dnsbl ZONE]... [--no-store-zones] [--helo NAME]\n"
	      "        [--sender-domain D] [--recipient-domain D] [--timeout SECS] [--json]\n"
	      "        (the mail server self-test)\n"
	      "  rdns ADDR... [--resolver ADDR[:PORT]] [--timeout SECS] [--json]\n"
	      "        (PTR and forward-confirmed reverse DNS)\n"
	      "the lookup service:\n"
	      "  web [--listen ADDR:PORT] [--templates DIR] [--public-url URL] [--trusted-proxy CIDR]...\n"
	      "        (the lookup pages and their API, retest requests; README: The lookup service)\n"
	      "the store:\n"
	      "  init        an empty store in the --db directory, if none is there (for installing)\n"
	      "  verify      backup DIR (into a new directory; safe while dnsbld runs)\n"
	      "The store is --db DIR, else $DNSBL_DB, else db in dnsbld.conf (--config FILE, else /etc/dnsbld/dnsbld.conf),\n"
	      "else ~/.local/share/dnsbld. Zones with a [zone] section in that file keep an IXFR journal.\n"
	      "--json: one JSON document instead of the text (README: JSON output).\n"
	      "Exit status: 0 done, 1 failed, 2 bad input (nothing written).\n",
	      out);
}

#define PROBE_OPTIONS "[--all-forms] [--resolver ADDR[:PORT]] [--no-rdns] [--json]"

/* "rbltool COMMAND --help": each command's usage and what it does. A subcommand is "zone create"; the family's name
 * alone ("zone", "optout") prints every subcommand's. */
struct command_help {
	const char *name;
	const char *usage; /* one or more lines, after "usage: " */
	const char *what;
};

/* One entry a command, its lines as printed. */
/* clang-format off */
static const struct command_help helps[] = {
	{"zone create",
	 "rbltool zone create ZONE [--ns NAME[=ADDR[,ADDR]...]]... [--contact EMAIL] [--code 127.0.0.N]\n"
	 "       [--txt TEMPLATE] [--ttl SECS] [--member ZONE]...",
	 "Create a zone; a name server inside it needs its address; --member makes it an aggregate."},
	{"zone set",
	 "rbltool zone set ZONE [--ns NAME[=ADDR[,ADDR]...]]... [--contact EMAIL] [--code 127.0.0.N]\n"
	 "       [--txt TEMPLATE] [--ttl SECS]",
	 "Change the settings given; the --ns options given replace the name-server set."},
	{"zone list", "rbltool zone list [--json]", "One line a zone: name, serial, TTL, default code."},
	{"zone show", "rbltool zone show ZONE [--json]",
	 "A zone's SOA, name servers, TTL, code, template, members, and its IXFR journal's serials."},
	{"zone delete", "rbltool zone delete ZONE", "Delete a zone and all its entries."},
	{"web", "rbltool web [--listen ADDR:PORT] [--templates DIR] [--public-url URL] [--trusted-proxy CIDR]...",
	 "Serve the lookup pages and GET /api/v1/lookup/ADDR over HTTP (default 127.0.0.1:8053): for each zone, what\n"
	 "dnsbld answers for the address and the entry that answers, and retest requests for the relay probe's\n"
	 "listings (queued for retest --requested); until SIGINT or SIGTERM. --templates: the pages' directory\n"
	 "(default: " RBL_WEB_TEMPLATES_DEFAULT "); --public-url: a POST's Origin must be its origin;\n"
	 "--trusted-proxy: a reverse proxy whose X-Forwarded-For names the client (repeatable)."},
	{"zone diff", "rbltool zone diff ZONE --from SERIAL",
	 "The records an IXFR from SERIAL sends, change by change ('-' removed, '+' added), from the zone's journal\n"
	 "(kept for zones with a [zone] section in dnsbld.conf)."},
	{"add",
	 "rbltool add ZONE ADDR[/LEN] [--code 127.0.0.N]... [--reason TEXT] [--source TEXT] [--expires 30d|DATE]\n"
	 "       [--no-text] [--allow-wide]",
	 "List a network (wider than /8 or IPv6 /16 only with --allow-wide); one A record per code."},
	{"exclude", "rbltool exclude ZONE ADDR[/LEN] [--reason TEXT] [--source TEXT] [--expires 30d|DATE]",
	 "A hole in a listed network: the longest prefix wins."},
	{"del", "rbltool del ZONE ADDR[/LEN]", "Delete the entry at exactly that network (exit 1 if there is none)."},
	{"list", "rbltool list ZONE [--json]", "Every entry of the zone: network, codes, expiry, reason."},
	{"show", "rbltool show ADDR [--json]",
	 "Every zone's entry covering the address, the host's reports and its probes with their transcripts."},
	{"query", "rbltool query ZONE ADDR [--json]", "What dnsbld answers for the address, A and TXT."},
	{"expire", "rbltool expire", "Purge expired entries (they are never answered anyway)."},
	{"stats", "rbltool stats [ZONE] [--json]",
	 "Each zone's entries by prefix, listed addresses, expiry, top sources, codes and journal size."},
	{"import",
	 "rbltool import ZONE FILE [--format plain|csv|rbldnsd|arf|mbox]\n"
	 "       [--dataset ip4set|ip4tset|ip4trie|ip6trie|ip6tset|combined] [--replace] [--skip-bad] [--as-reports]\n"
	 "       [--trusted CIDR]... [--code 127.0.0.N] [--reason TEXT] [--source TEXT] [--expires 30d|DATE]\n"
	 "       [--allow-wide]",
	 "Import a file (gzip too) in one transaction; arf and mbox files, and --as-reports, give reports."},
	{"export", "rbltool export ZONE [--format rbldnsd|bind] [--output FILE]",
	 "Write the zone as an rbldnsd data file or a master file for BIND, NSD or Knot."},
	{"report", "rbltool report ADDR [--source TEXT]", "Record a report of an open relay: the host is now pending."},
	{"optout add", "rbltool optout add CIDR [--reason TEXT]",
	 "Never probe or list the network by the pipeline (its pipeline listings go now)."},
	{"optout del", "rbltool optout del CIDR", "Remove an opt-out."},
	{"optout list", "rbltool optout list", "Every opted-out network."},
	{"probe",
	 "rbltool probe HOST[:PORT]... [--port N] [--concurrency N] [--timeout SECS] [--gap 10s] " PROBE_OPTIONS "\n"
	 "       rbltool probe --pending [--port N] [--max-attempts N] [--list-into ZONE [--expires 30d]\n"
	 "       [--code 127.0.0.N]] [--concurrency N] [--timeout SECS] [--gap 10s] " PROBE_OPTIONS,
	 "SMTP relay tests (never DATA); --pending probes the reported hosts and lists the open relays."},
	{"retest",
	 "rbltool retest ZONE [--older-than 7d] [--port N] [--expires 30d] [--concurrency N] [--timeout SECS]\n"
	 "       [--gap 10s] " PROBE_OPTIONS,
	 "Probe the zone's listings again: closed hosts are delisted, open ones have their expiry extended."},
	{"retest --requested",
	 "rbltool retest --requested [--max 50] [--quiet] [--port N] [--expires 30d] [--concurrency N]\n"
	 "       [--timeout SECS] [--gap 10s] " PROBE_OPTIONS,
	 "Probe the hosts whose retest was asked for, oldest request first: delisted in every zone when closed."},
	{"retest --queue", "rbltool retest --queue ADDR... [--json]",
	 "Queue a retest request for each address (an operator's: no limits)."},
	{"check",
	 "rbltool check HOST[:PORT] [--resolver ADDR[:PORT]] [--dnsbl ZONE]... [--no-store-zones] [--helo NAME]\n"
	 "       [--sender-domain D] [--recipient-domain D] [--timeout SECS] [--json]",
	 "The mail server self-test."},
	{"rdns", "rbltool rdns ADDR... [--resolver ADDR[:PORT]] [--timeout SECS] [--json]",
	 "PTR and forward-confirmed reverse DNS of each address."},
	{"init", "rbltool init", "Make an empty store in the --db directory, if none is there."},
	{"verify", "rbltool verify", "Walk every table and decode every record: sound, or exit 1."},
	{"backup", "rbltool backup DIR", "A compacted copy of the store into a new directory; safe while dnsbld runs."},
};
/* clang-format on */

/* Prints the help of name, or of every subcommand of the family name; false if there is none. */
static bool print_help(const char *name)
{
	size_t len = strlen(name);
	bool found = false;
	for (size_t i = 0; i < sizeof helps / sizeof helps[0]; i++) {
		const char *h = helps[i].name;
		if (strcmp(h, name) != 0 && !(strncmp(h, name, len) == 0 && h[len] == ' '))
			continue;
		printf("%susage: %s\n%s\n", found ? "\n" : "", helps[i].usage, helps[i].what);
		found = true;
	}
	return found;
}

/* Whether "--help" or "-h" stands among a command's arguments, before "--", as an option of its own: not where it
 * can be the value of the option before it ("add Z 192.0.2.1 --reason -h" adds, with the reason "-h"). It is its own
 * option first after the command (and its subcommand), or after an argument that is no option ("list Z --help") or
 * one with its value attached ("--reason=x --help"). */
static bool asks_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--help") != 0 && strcmp(argv[i], "-h") != 0)
			continue;
		const char *before = argv[i - 1];
		if (i == 1 || (i == 2 && before[0] != '-') || before[0] != '-' || strchr(before, '='))
			return true;
	}
	return false;
}

/* Whether help entry h is "COMMAND SUB". */
static bool is_subcommand(const char *h, const char *command, const char *sub)
{
	size_t len = strlen(command);
	return strncmp(h, command, len) == 0 && h[len] == ' ' && strcmp(h + len + 1, sub) == 0;
}

/* The help for a command's arguments: "zone create" when argv names a known subcommand, else the command. */
static bool command_help(int argc, char **argv)
{
	for (size_t i = 0; argc > 1 && i < sizeof helps / sizeof helps[0]; i++)
		if (is_subcommand(helps[i].name, argv[0], argv[1]))
			return print_help(helps[i].name);
	return print_help(argv[0]);
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
		{"zone", cmd_zone},     {"add", cmd_add},       {"exclude", cmd_exclude}, {"del", cmd_del},
		{"list", cmd_list},     {"show", cmd_show},     {"query", cmd_query},     {"expire", cmd_expire},
		{"export", cmd_export}, {"import", cmd_import}, {"report", cmd_report},   {"optout", cmd_optout},
		{"probe", cmd_probe},   {"retest", cmd_retest}, {"check", cmd_check},     {"rdns", cmd_rdns},
		{"verify", cmd_verify}, {"backup", cmd_backup}, {"init", cmd_init},       {"stats", cmd_stats},
		{"web", cmd_web},
	};
	static const struct option options[] = {
		{"db", required_argument, NULL, 'd'},
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	char db_dir[PATH_MAX];
	cli_t cli = {NULL, NULL, access(CONF_DNSBLD_PATH, F_OK) == 0 ? CONF_DNSBLD_PATH : NULL, NULL};
	int opt;
	opterr = 0; /* every bad option gets our own one-line message */
	/* '+': stop at the command name, so that its options are its own. */
	while ((opt = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		switch (opt) {
		case 'd':
			cli.db_dir = optarg;
			break;
		case 'c':
			if (access(optarg, R_OK) != 0)
				return cli_bad_input("--config %s: %s", optarg, strerror(errno));
			cli.config = optarg;
			break;
		case 'h':
			usage(stdout);
			return cli_close_output(CLI_OK);
		case 'V':
			version();
			return cli_close_output(CLI_OK);
		default:
			return cli_bad_option(argv, "rbltool [--db DIR] [--config FILE] COMMAND ... (rbltool --help lists "
						    "them)");
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return CLI_BAD_INPUT;
	}
	if (!cli.db_dir && cli_default_db(cli.config, db_dir, sizeof db_dir))
		return CLI_BAD_INPUT;
	if (!cli.db_dir)
		cli.db_dir = db_dir;
	char **sub_argv = argv + optind;
	int sub_argc = argc - optind;
	int rc = -1;
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(sub_argv[0], commands[i].name) == 0) {
			/* Before the command runs: its help opens no store and checks no argument. */
			if (asks_help(sub_argc, sub_argv) && command_help(sub_argc, sub_argv))
				return cli_close_output(CLI_OK);
			optind = 0; /* glibc: restart getopt for the subcommand's own options */
			rc = commands[i].fn(&cli, sub_argc, sub_argv);
			break;
		}
	}
	if (rc < 0)
		rc = cli_bad_input("unknown command '%s' (rbltool --help lists them)", sub_argv[0]);
	cli_close(&cli);
	/* Every command prints through stdout's buffer: only closing it tells whether what it printed was written. */
	return cli_close_output(rc);
}
