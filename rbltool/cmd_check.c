/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_check.c — rbltool check HOST[:PORT]: the mail server self-test. Its options, the zones (--dnsbl and the
 * store's), check_gather.c's gathering, check_items.c's checklist printed as text or JSON, and the exit status:
 * 0 (all PASS), 1 (a WARN), 3 (a FAIL), 4 (the check could not be made), 2 (bad input). */
#include "check_gather.h"
#include "cli_json.h"
#include "cli_resolver.h"
#include "cmd.h"

#include "base/dname.h"
#include "base/duration.h"
#include "base/err.h"
#include "base/hostport.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK_USAGE                                                                                                    \
	"rbltool check HOST[:PORT] [--resolver ADDR[:PORT]] [--dnsbl ZONE]... [--no-store-zones] [--helo NAME] "       \
	"[--sender-domain D] [--recipient-domain D] [--timeout SECS] [--json]"

struct check_options {
	const char *target;
	const char *resolver;
	char zones[CHECK_MAX_ZONES][DNAME_TEXTMAX]; /* normalised: lowercase, no final dot */
	size_t nzones;
	size_t zones_left_out; /* store zones past CHECK_MAX_ZONES */
	bool store_zones;
	bool json;
	probe_config_t probe;
	unsigned lookup_timeout_ms;
};

/* The zones to look the address up in: --dnsbl, then the local store's (unless --no-store-zones). */
static int collect_store_zone(const zone_def_t *def, void *ctx)
{
	struct check_options *o = ctx;
	for (size_t i = 0; i < o->nzones; i++)
		if (strcmp(o->zones[i], def->name) == 0)
			return 0;
	if (o->nzones == CHECK_MAX_ZONES)
		o->zones_left_out++;
	else
		snprintf(o->zones[o->nzones++], DNAME_TEXTMAX, "%s", def->name);
	return 0;
}

static int add_store_zones(cli_t *cli, struct check_options *o)
{
	char mdb[4096];
	snprintf(mdb, sizeof mdb, "%s/data.mdb", cli->db_dir);
	if (!o->store_zones || access(mdb, F_OK) != 0) /* no local store: only the --dnsbl zones */
		return CLI_OK;
	int rc = cli_open(cli, false);
	if (rc)
		return rc;
	store_rtxn_t *r;
	int err = store_read_begin(cli->store, &r);
	if (!err) {
		err = store_zone_foreach(r, collect_store_zone, o);
		store_read_end(r);
	}
	return err ? cli_fail("cannot read the zones of the store: %s", rbl_strerror(err)) : CLI_OK;
}

/* --- output */

static void print_text(const check_facts_t *f, const check_report_t *r, const char *host)
{
	char addr[ADDR_STRLEN];
	addr_format(&f->addr, addr);
	printf("rbltool check %s port %u%s%s%s\n", addr, f->port, strcmp(host, addr) ? " (" : "",
	       strcmp(host, addr) ? host : "", strcmp(host, addr) ? ")" : "");
	for (size_t i = 0; i < r->count && !cli_output_failed(); i++) {
		const check_line_t *l = &r->lines[i];
		printf("%-5s %-14s %s\n", check_status_name(l->status), l->item, l->detail);
		if (l->status == CHECK_PASS)
			continue;
		for (size_t e = 0; e < l->nevidence; e++)
			printf("      %s\n", l->evidence[e]);
		for (size_t h = 0; h < l->nfix; h++)
			printf("      fix: %s\n", l->fix[h]);
	}
	printf("%zu PASS, %zu WARN, %zu FAIL\n", r->pass, r->warn, r->fail);
}

static int print_json(const check_facts_t *f, const check_report_t *r, const char *host)
{
	char addr[ADDR_STRLEN], source[ADDR_STRLEN], why[ADDR_STRLEN + 64];
	addr_format(&f->addr, addr);
	json_t *doc = json_object();
	cli_json_set(doc, "host", cli_json_text(host));
	cli_json_set(doc, "port", json_integer(f->port));
	cli_json_set(doc, "address", json_string(addr));
	const probe_session_facts_t *s = &f->probe.facts;
	if (f->probed && s->connected && s->local_addr.family) {
		addr_format(&s->local_addr, source);
		cli_json_set(doc, "source_address", json_string(source));
		cli_json_set(doc, "trusted_source",
		             json_boolean(check_source_trusted(&s->local_addr, &f->addr, f->server_is_local, why,
		                                               sizeof why)));
	} else {
		cli_json_set(doc, "source_address", json_null());
		cli_json_set(doc, "trusted_source", json_null());
	}
	json_t *checks = json_array();
	for (size_t i = 0; i < r->count; i++) {
		const check_line_t *l = &r->lines[i];
		json_t *c = json_object(), *fix = json_array(), *evidence = json_array();
		cli_json_set(c, "item", cli_json_text(l->item));
		cli_json_set(c, "status", json_string(check_status_name(l->status)));
		cli_json_set(c, "detail", cli_json_text(l->detail));
		for (size_t h = 0; l->status != CHECK_PASS && h < l->nfix; h++)
			cli_json_push(fix, json_string(l->fix[h]));
		for (size_t e = 0; e < l->nevidence; e++)
			cli_json_push(evidence, cli_json_text(l->evidence[e]));
		cli_json_set(c, "fix", fix);
		cli_json_set(c, "evidence", evidence);
		cli_json_push(checks, c);
	}
	cli_json_set(doc, "checks", checks);
	cli_json_set(doc, "summary",
	             json_pack("{sisisi}", "pass", (json_int_t)r->pass, "warn", (json_int_t)r->warn, "fail",
	                       (json_int_t)r->fail));
	return cli_json_print(doc);
}

/* --- options */

/* A name that may go into an SMTP command: LDH labels, at most 128 bytes. */
static bool host_name_ok(const char *text, char normal[DNAME_TEXTMAX])
{
	static const char ldh[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.";
	size_t n = strlen(text);
	return n && n <= 128 && strspn(text, ldh) == n && dname_normalize(text, normal) == 0 && normal[0] &&
	       text[0] != '-' && text[0] != '.';
}

static int parse_options(int argc, char **argv, struct check_options *o)
{
	static const struct option options[] = {
	        {"resolver", required_argument, NULL, 'r'},
	        {"dnsbl", required_argument, NULL, 'z'},
	        {"no-store-zones", no_argument, NULL, 'Z'},
	        {"helo", required_argument, NULL, 'H'},
	        {"sender-domain", required_argument, NULL, 'S'},
	        {"recipient-domain", required_argument, NULL, 'R'},
	        {"timeout", required_argument, NULL, 't'},
	        {"json", no_argument, NULL, 'j'},
	        {0},
	};
	int opt;
	int64_t secs;
	char *end;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'r':
			o->resolver = optarg;
			break;
		case 'z':
			if (o->nzones == CHECK_MAX_ZONES)
				return cli_bad_input("--dnsbl: at most %d zones", CHECK_MAX_ZONES);
			if (dname_normalize(optarg, o->zones[o->nzones]) || !o->zones[o->nzones][0])
				return cli_bad_input("--dnsbl: invalid zone name '%s'", optarg);
			o->nzones++;
			break;
		case 'Z':
			o->store_zones = false;
			break;
		case 'H':
		case 'S':
		case 'R': {
			const char *name = opt == 'H'   ? "--helo"
			                   : opt == 'S' ? "--sender-domain"
			                                : "--recipient-domain";
			char normal[DNAME_TEXTMAX];
			if (!host_name_ok(optarg, normal))
				return cli_bad_input("%s: invalid host name '%s'", name, optarg);
			*(opt == 'H'   ? &o->probe.helo_name
			  : opt == 'S' ? &o->probe.sender_domain
			               : &o->probe.recipient_domain) = optarg;
			break;
		}
		case 't':
			if (duration_parse(optarg, &secs)) {
				secs = strtol(optarg, &end, 10);
				if (!*optarg || *end)
					return cli_bad_input("--timeout: invalid duration '%s' (seconds, or e.g. 30s)",
					                     optarg);
			}
			if (secs < 1 || secs > 600)
				return cli_bad_input("--timeout: '%s' is outside 1s..10m", optarg);
			o->probe.reply_timeout_ms = o->probe.connect_timeout_ms = (unsigned)secs * 1000u;
			o->probe.session_timeout_ms = (unsigned)secs * 4000u;
			if (o->lookup_timeout_ms > (unsigned)secs * 1000u)
				o->lookup_timeout_ms = (unsigned)secs * 1000u;
			break;
		case 'j':
			o->json = true;
			break;
		default:
			return cli_bad_option(argv, CHECK_USAGE);
		}
	}
	if (optind != argc - 1)
		return cli_bad_input("give one HOST[:PORT] (usage: %s)", CHECK_USAGE);
	o->target = argv[optind];
	return CLI_OK;
}

/* Every zone's names must fit in a DNS name for this address: bad input, before anything is sent. */
static int check_zone_lengths(const struct check_options *o, const addr_t *addr)
{
	char testpoint[DNAME_TEXTMAX], negative[DNAME_TEXTMAX], reversed[DNAME_TEXTMAX];
	for (size_t i = 0; i < o->nzones; i++)
		if (check_zone_names(o->zones[i], addr, testpoint, negative, reversed))
			return cli_bad_input("zone '%s' is too long to look an %s address up in", o->zones[i],
			                     addr->family == ADDR_V6 ? "IPv6" : "IPv4");
	return CLI_OK;
}

/* Everything but the exit status of the checklist: CLI_OK with the report printed, else a failure status. */
static int run_check(cli_t *cli, struct check_options *o, const char *host, uint16_t port, int *status)
{
	resolver_config_t rcfg;
	char server[128];
	int rc = cli_resolver_config(o->resolver, &rcfg, server, sizeof server);
	if (rc)
		return rc;
	rcfg.timeout_ms = o->lookup_timeout_ms;
	check_gather_t *g;
	int err = check_gather_new(&rcfg, &g);
	if (err == RBL_ENOENT)
		return cli_fail("no resolver: /etc/resolv.conf names no nameserver (give --resolver ADDR[:PORT])");
	if (err)
		return cli_fail("cannot start the resolver: %s", rbl_strerror(err));
	addr_t addr;
	enum resolve_status why = RESOLVE_ERROR;
	err = check_gather_host(g, host, &addr, &why);
	if (err == RBL_EINVAL)
		rc = cli_bad_input("invalid host '%s' (an IP address or a host name)", host);
	else if (err == RBL_ENOENT && (why == RESOLVE_NXDOMAIN || why == RESOLVE_NODATA || why == RESOLVE_OK))
		rc = cli_bad_input("cannot resolve '%s': %s", host, resolve_status_name(why));
	else if (err == RBL_ENOENT) /* the resolver failed, not the name: the check could not be made */
		rc = cli_fail("cannot resolve '%s': %s", host, resolve_status_name(why));
	else if (err)
		rc = cli_fail("cannot look '%s' up: %s", host, rbl_strerror(err));
	if (!rc)
		rc = add_store_zones(cli, o);
	if (!rc)
		rc = check_zone_lengths(o, &addr);
	if (!rc && (err = check_gather_run(g, &addr, port, &o->probe, (const char(*)[DNAME_TEXTMAX])o->zones, o->nzones,
	                                   !o->json)))
		rc = cli_fail("cannot run the check: %s", rbl_strerror(err));
	check_report_t *report = rc ? NULL : malloc(sizeof *report);
	if (!rc && !report)
		rc = cli_fail("out of memory");
	if (!rc) {
		check_facts_t facts = *check_gather_facts(g);
		facts.zones_left_out = o->zones_left_out;
		check_evaluate(&facts, report);
		if (o->json)
			rc = print_json(&facts, report, host);
		else
			print_text(&facts, report, host);
		*status = check_exit_status(report);
	}
	free(report);
	check_gather_free(g);
	return rc;
}

int cmd_check(cli_t *cli, int argc, char **argv)
{
	struct check_options o = {.store_zones = true, .lookup_timeout_ms = 5000};
	probe_config_default(&o.probe);
	o.probe.all_forms = true;    /* every accepted form is named */
	o.probe.per_host_gap_ms = 0; /* the operator's own server, one probe */
	o.probe.concurrency = 1;
	int rc = parse_options(argc, argv, &o);
	if (rc)
		return rc;
	char host[256];
	uint16_t port;
	if (hostport_split(o.target, 25, host, sizeof host, &port))
		return cli_bad_input("invalid target '%s' (HOST or HOST:PORT; [IPv6]:PORT)", o.target);
	int status = 0;
	rc = run_check(cli, &o, host, port, &status);
	/* A check that could not be made is not "a warning" (1): it has a status of its own. */
	if (rc == CLI_FAILED)
		return CHECK_EXIT_NOT_RUN;
	return rc ? rc : status;
}
