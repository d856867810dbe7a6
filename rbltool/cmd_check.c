/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_check.c — rbltool check HOST[:PORT]: the mail server self-test. Gathers on one libuv loop, at once: a probe
 * with all 16 relay forms (never DATA), the reverse DNS of the address, and the blocklist lookups; then prints the
 * checklist of check_items.c and exits 0 (all PASS), 1 (a WARN) or 3 (a FAIL). */
#include "check.h"
#include "cli_json.h"
#include "cli_resolver.h"
#include "cmd.h"
#include "progress.h"

#include "base/dname.h"
#include "base/duration.h"
#include "base/err.h"
#include "base/hostport.h"
#include "base/revname.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <netinet/in.h>
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
	bool store_zones;
	bool json;
	probe_config_t probe;
	unsigned lookup_timeout_ms;
};

/* Everything in flight on the loop; the loop stops when nothing is. */
struct gather {
	uv_loop_t loop;
	resolver_t *resolver;
	probe_batch_t *batch;
	probe_target_t target;
	progress_t progress;
	unsigned pending;
	check_facts_t facts;
	char *transcript, *why, *form_name; /* the probe's strings, kept */
	resolve_answer_t host_a, host_aaaa; /* HOST given as a name */
};

static void done_one(struct gather *g)
{
	if (--g->pending == 0)
		uv_stop(&g->loop);
}

struct lookup_ctx {
	struct gather *g;
	resolve_answer_t *slot;
};

static void on_lookup(void *ctx, const resolve_answer_t *answer)
{
	struct lookup_ctx *l = ctx;
	*l->slot = *answer;
	struct gather *g = l->g;
	free(l);
	done_one(g);
}

static int lookup(struct gather *g, const char *name, uint16_t type, resolve_answer_t *slot)
{
	struct lookup_ctx *l = malloc(sizeof *l);
	if (!l)
		return RBL_ENOMEM;
	*l = (struct lookup_ctx){g, slot};
	memset(slot, 0, sizeof *slot);
	slot->status = RESOLVE_ERROR;
	slot->rcode = -1;
	int err = resolver_lookup(g->resolver, name, type, on_lookup, l);
	if (err)
		free(l);
	else
		g->pending++;
	return err;
}

static void on_rdns(void *ctx, const rdns_result_t *result)
{
	struct gather *g = ctx;
	g->facts.rdns = *result;
	done_one(g);
}

static char *copy_text(const char *s, size_t n)
{
	char *c = malloc(n + 1);
	if (c) {
		memcpy(c, s ? s : "", n);
		c[n] = '\0';
	}
	return c;
}

static void on_probed(void *ctx, const probe_target_t *target, const probe_result_t *result)
{
	(void)target;
	struct gather *g = ctx;
	g->facts.probed = true;
	g->facts.probe = *result;
	g->transcript = copy_text(result->transcript, result->transcript_len);
	g->why = copy_text(result->why, result->why ? strlen(result->why) : 0);
	g->form_name = copy_text(result->form_name, result->form_name ? strlen(result->form_name) : 0);
	g->facts.probe.transcript = g->transcript ? g->transcript : "";
	g->facts.probe.transcript_len = g->transcript ? result->transcript_len : 0;
	g->facts.probe.why = g->why ? g->why : "";
	g->facts.probe.form_name = g->form_name ? g->form_name : "";
	progress_count(&g->progress, result->verdict);
}

static void on_batch_finished(void *ctx, probe_batch_t *batch)
{
	(void)batch;
	done_one(ctx);
}

/* Runs the loop until everything started is done, then lets the handles close. */
static void run_until_done(struct gather *g)
{
	if (g->pending)
		uv_run(&g->loop, UV_RUN_DEFAULT);
}

static void gather_close(struct gather *g)
{
	progress_stop(&g->progress);
	resolver_free(g->resolver);
	uv_run(&g->loop, UV_RUN_DEFAULT); /* closing handles, cancelled lookups */
	probe_batch_free(g->batch);
	uv_loop_close(&g->loop);
	free(g->transcript);
	free(g->why);
	free(g->form_name);
	free(g->facts.zones);
}

/* HOST as an address, or its first A (else AAAA) record through the resolver. */
static int resolve_host(struct gather *g, const char *host, addr_t *addr)
{
	if (addr_parse(host, addr) == RBL_OK)
		return CLI_OK;
	if (lookup(g, host, RESOLVE_TYPE_A, &g->host_a) || lookup(g, host, RESOLVE_TYPE_AAAA, &g->host_aaaa))
		return cli_bad_input("invalid host '%s' (an IP address or a host name)", host);
	run_until_done(g);
	if (g->host_a.status == RESOLVE_OK && g->host_a.count)
		*addr = g->host_a.addrs[0];
	else if (g->host_aaaa.status == RESOLVE_OK && g->host_aaaa.count)
		*addr = g->host_aaaa.addrs[0];
	else
		return cli_bad_input("cannot resolve '%s': %s", host, resolve_status_name(g->host_a.status));
	return CLI_OK;
}

/* Whether addr is one of this machine's interface addresses (getifaddrs): then the check runs on the server. */
static bool address_is_local(const addr_t *addr)
{
	struct ifaddrs *list, *i;
	bool found = false;
	if (getifaddrs(&list) != 0)
		return false;
	for (i = list; i && !found; i = i->ifa_next) {
		addr_t a = {0};
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			a.family = ADDR_V4;
			memcpy(a.b, &((const struct sockaddr_in *)(const void *)i->ifa_addr)->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			a.family = ADDR_V6;
			memcpy(a.b, &((const struct sockaddr_in6 *)(const void *)i->ifa_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		found = a.family == addr->family && addr_cmp(&a, addr) == 0;
	}
	freeifaddrs(list);
	return found;
}

/* The zones to look the address up in: --dnsbl, then the local store's (unless --no-store-zones). */
static int collect_store_zone(const zone_def_t *def, void *ctx)
{
	struct check_options *o = ctx;
	if (o->nzones == CHECK_MAX_ZONES)
		return 0;
	for (size_t i = 0; i < o->nzones; i++)
		if (strcmp(o->zones[i], def->name) == 0)
			return 0;
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

static int start_zone_lookups(struct gather *g, check_zone_t *z, const addr_t *addr)
{
	char rev[REVNAME_STRLEN], name[REVNAME_STRLEN + 260];
	snprintf(name, sizeof name, "2.0.0.127.%s", z->name);
	int err = lookup(g, name, RESOLVE_TYPE_A, &z->testpoint);
	revname_format(addr, rev);
	snprintf(name, sizeof name, "%s.%s", rev, z->name);
	if (!err)
		err = lookup(g, name, RESOLVE_TYPE_A, &z->a);
	if (!err)
		err = lookup(g, name, RESOLVE_TYPE_TXT, &z->txt);
	return err;
}

static int gather(struct gather *g, const struct check_options *o)
{
	check_facts_t *f = &g->facts;
	f->zones = calloc(o->nzones ? o->nzones : 1, sizeof *f->zones);
	if (!f->zones)
		return RBL_ENOMEM;
	f->nzones = o->nzones;
	g->target = (probe_target_t){.addr = f->addr, .port = f->port, .user = g};
	int err = probe_start(&g->loop, &o->probe, &g->target, 1, on_probed, on_batch_finished, g, &g->batch);
	if (err)
		return err;
	g->pending++;
	progress_start(&g->progress, &g->loop, "check", 1);
	if ((err = rdns_lookup(g->resolver, &f->addr, on_rdns, g)))
		return err;
	g->pending++;
	for (size_t i = 0; !err && i < o->nzones; i++) {
		snprintf(f->zones[i].name, sizeof f->zones[i].name, "%s", o->zones[i]);
		err = start_zone_lookups(g, &f->zones[i], &f->addr);
	}
	if (!err)
		run_until_done(g);
	return err;
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
	struct gather *g = calloc(1, sizeof *g);
	if (!g)
		return cli_fail("out of memory");
	g->facts.port = port;
	resolver_config_t rcfg;
	char server[128];
	if ((rc = cli_resolver_config(o.resolver, &rcfg, server, sizeof server)))
		goto out_free;
	rcfg.timeout_ms = o.lookup_timeout_ms;
	uv_loop_init(&g->loop);
	int err = resolver_new(&g->loop, &rcfg, &g->resolver);
	if (err) {
		rc = cli_fail("cannot start the resolver: %s", rbl_strerror(err));
		goto out;
	}
	if ((rc = resolve_host(g, host, &g->facts.addr)) || (rc = add_store_zones(cli, &o)))
		goto out;
	g->facts.server_is_local = address_is_local(&g->facts.addr);
	if ((err = gather(g, &o))) {
		rc = cli_fail("cannot run the check: %s", rbl_strerror(err));
		goto out;
	}
	progress_stop(&g->progress);
	check_report_t *report = malloc(sizeof *report);
	if (!report) {
		rc = cli_fail("out of memory");
		goto out;
	}
	check_evaluate(&g->facts, report);
	if (o.json)
		rc = print_json(&g->facts, report, host);
	else
		print_text(&g->facts, report, host);
	if (rc == CLI_OK)
		rc = check_exit_status(report);
	free(report);
out:
	gather_close(g);
out_free:
	free(g);
	return rc;
}
