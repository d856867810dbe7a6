/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_probe.c — rbltool probe and retest: the relay pipeline's middle. Targets are chosen in a read snapshot, probed
 * with no transaction open (probes take seconds), and every result is recorded — with the listings it leads to — in
 * one write transaction at the end. */
#include "cmd.h"

#include "base/duration.h"
#include "base/err.h"
#include "base/text.h"
#include "relay/probe.h"
#include "relay/pipeline.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PROBE_USAGE                                                                                                  \
	"rbltool probe HOST[:PORT]... | probe --pending [--port N] [--max-attempts N]  "                              \
	"[--list-into ZONE [--expires 30d] [--code 127.0.0.N]] [--concurrency N] [--timeout SECS] [--gap 10s]"
#define RETEST_USAGE                                                                                                 \
	"rbltool retest ZONE [--older-than 7d] [--port N] [--expires 30d] [--concurrency N] [--timeout SECS] [--gap 10s]"
#define DEFAULT_PORT 25
#define DEFAULT_LISTING_TTL (30 * 86400)
#define DEFAULT_MAX_ATTEMPTS 3

/* One host to probe and what is known of it beforehand. */
struct job {
	probe_target_t target;
	bool listed;          /* retest: it has a pipeline listing in the zone */
	cidr_t listing;
	uint8_t ncodes;       /* retest: the listing's codes, kept when it is extended */
	uint32_t codes[ENTRY_MAX_CODES];
	/* Filled by the probe. */
	bool done;
	probe_result_t result;
	char *transcript, *why, *form_name;
};

struct plan {
	struct job *jobs;
	size_t count, cap;
	probe_config_t config;
	/* Listing: where open relays go (zone_id 0 = nowhere). */
	zone_def_t zone;
	bool list;
	int64_t listing_ttl;
	uint32_t code;
	bool have_code;
	bool retest;
};

static int add_job(struct plan *p, const addr_t *addr, uint16_t port)
{
	if (p->count == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 64;
		struct job *grown = realloc(p->jobs, ncap * sizeof *grown);
		if (!grown)
			return RBL_ENOMEM;
		p->jobs = grown;
		p->cap = ncap;
	}
	struct job *j = &p->jobs[p->count++];
	memset(j, 0, sizeof *j);
	j->target.addr = *addr;
	j->target.port = port;
	return RBL_OK;
}

static void free_plan(struct plan *p)
{
	for (size_t i = 0; i < p->count; i++) {
		free(p->jobs[i].transcript);
		free(p->jobs[i].why);
		free(p->jobs[i].form_name);
	}
	free(p->jobs);
}

static void on_probed(void *ctx, const probe_target_t *target, const probe_result_t *result)
{
	(void)ctx;
	struct job *j = target->user;
	j->done = true;
	j->result = *result;
	j->transcript = malloc(result->transcript_len + 1);
	j->why = strdup(result->why ? result->why : "");
	j->form_name = strdup(result->form_name ? result->form_name : "");
	if (j->transcript) {
		memcpy(j->transcript, result->transcript, result->transcript_len);
		j->transcript[result->transcript_len] = '\0';
	}
	j->result.transcript = j->transcript ? j->transcript : "";
	j->result.transcript_len = j->transcript ? result->transcript_len : 0;
	j->result.why = j->why ? j->why : "";
	j->result.form_name = j->form_name ? j->form_name : "";
}

/* "HOST" or "HOST:PORT" or "[V6]:PORT" (default_port when none); HOST must be an address (names are not resolved:
 * say what you probe). */
static int parse_target(const char *text, uint16_t default_port, addr_t *addr, uint16_t *port)
{
	char host[ADDR_STRLEN];
	const char *port_text = NULL;
	*port = default_port;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close || (size_t)(close - text - 1) >= sizeof host)
			return RBL_EINVAL;
		memcpy(host, text + 1, (size_t)(close - text - 1));
		host[close - text - 1] = '\0';
		if (close[1] == ':')
			port_text = close + 2;
		else if (close[1])
			return RBL_EINVAL;
	} else {
		const char *colon = strchr(text, ':');
		bool v4_with_port = colon && !strchr(colon + 1, ':');
		size_t n = v4_with_port ? (size_t)(colon - text) : strlen(text);
		if (n >= sizeof host)
			return RBL_EINVAL;
		memcpy(host, text, n);
		host[n] = '\0';
		if (v4_with_port)
			port_text = colon + 1;
	}
	if (port_text) {
		char *end;
		unsigned long v = strtoul(port_text, &end, 10);
		if (!*port_text || *end || v == 0 || v > 65535)
			return RBL_EINVAL;
		*port = (uint16_t)v;
	}
	return addr_parse(host, addr);
}

/* The listing an open relay gets: its /32 or /128, the zone's code (or --code), the form and time as the reason,
 * the probe as evidence, and an expiry. */
static int list_open_relay(store_wtxn_t *w, const struct plan *p, const struct job *j, uint64_t probe_id)
{
	entry_t *e = calloc(1, sizeof *e);
	if (!e)
		return RBL_ENOMEM;
	e->net.addr = j->target.addr;
	e->net.len = (uint8_t)addr_maxlen(j->target.addr.family);
	if (j->listed) {
		e->ncodes = j->ncodes;
		memcpy(e->codes, j->codes, sizeof e->codes);
	} else if (p->have_code) {
		e->ncodes = 1;
		e->codes[0] = p->code;
	}
	char when[TIME_STRLEN];
	duration_format_time(j->result.started, when);
	snprintf(e->reason, sizeof e->reason, "open relay: %s accepted %s", j->result.form_name, when);
	snprintf(e->source, sizeof e->source, "probe");
	e->evidence = probe_id;
	e->expires = (int64_t)time(NULL) + p->listing_ttl;
	int err = store_entry_put(w, p->zone.id, e);
	free(e);
	return err;
}

static int record_results(store_wtxn_t *w, void *ctx)
{
	struct plan *p = ctx;
	/* The probes took time: the zone may have gone meanwhile, and listings must not land under a dead zone id. */
	zone_def_t now;
	if (p->list && (store_zone_get_w(w, p->zone.name, &now) || now.id != p->zone.id))
		return cli_fail("zone '%s' was deleted while the probes ran: nothing recorded", p->zone.name);
	for (size_t i = 0; i < p->count; i++) {
		struct job *j = &p->jobs[i];
		char addr[ADDR_STRLEN];
		addr_format(&j->target.addr, addr);
		if (!j->done) {
			printf("%s:%u\tnot probed\n", addr, j->target.port);
			continue;
		}
		uint64_t id;
		int err = pipeline_probe_add(w, &j->target.addr, j->target.port, &j->result, &id);
		const char *action = "";
		if (!err && j->result.verdict == PROBE_OPEN && p->list) {
			err = list_open_relay(w, p, j, id);
			action = j->listed ? "\tlisting extended" : "\tlisted";
		} else if (!err && j->result.verdict == PROBE_CLOSED && p->retest && j->listed) {
			err = store_entry_del(w, p->zone.id, &j->listing);
			action = "\tdelisted";
		}
		if (err)
			return cli_fail("cannot record the probe of %s: %s", addr, rbl_strerror(err));
		/* The reason quotes the server: escaped, and no longer than the store keeps it. */
		char why[TEXT_ESCAPED_SIZE(sizeof((probe_record_t *)0)->why)];
		printf("%s:%u\t%s\t%s\tevidence %" PRIu64 "%s\n", addr, j->target.port,
		       probe_verdict_name(j->result.verdict), cli_escaped(j->result.why, why, sizeof why), id, action);
	}
	return CLI_OK;
}

static int run_plan(cli_t *cli, struct plan *p)
{
	if (p->count == 0) {
		printf("nothing to probe\n");
		return CLI_OK;
	}
	probe_target_t *targets = calloc(p->count, sizeof *targets);
	if (!targets)
		return cli_fail("out of memory");
	for (size_t i = 0; i < p->count; i++) {
		targets[i] = p->jobs[i].target;
		targets[i].user = &p->jobs[i];
	}
	int err = probe_run(&p->config, targets, p->count, on_probed, p);
	free(targets);
	if (err)
		return cli_fail("cannot run the probes: %s", rbl_strerror(err));
	return cli_in_write_txn(cli, record_results, p);
}

/* --- choosing targets */

struct pending_ctx {
	struct plan *plan;
	store_rtxn_t *r;
	uint16_t port;
	unsigned max_attempts;
	int err;
};

static int pick_pending(const host_record_t *h, void *arg)
{
	struct pending_ctx *c = arg;
	bool due = h->state == HOST_PENDING || (h->state == HOST_INCONCLUSIVE && h->inconclusive < c->max_attempts);
	if (!due)
		return 0;
	int covered = pipeline_optout_covers(c->r, &h->addr);
	if (covered < 0)
		return c->err = covered;
	if (covered)
		return 0;
	return c->err = add_job(c->plan, &h->addr, c->port);
}

struct retest_ctx {
	struct plan *plan;
	store_rtxn_t *r;
	uint16_t port;
	int64_t older_than; /* probe time at or before this: due */
	int err;
};

static int pick_listed(const entry_t *e, void *arg)
{
	struct retest_ctx *c = arg;
	if (!e->evidence || (e->flags & ENTRY_EXCLUDE) || e->net.len != addr_maxlen(e->net.addr.family))
		return 0;
	int covered = pipeline_optout_covers(c->r, &e->net.addr);
	if (covered < 0)
		return c->err = covered;
	if (covered) /* never probed; optout add already delisted it, and a later listing cannot have come from us */
		return 0;
	host_record_t h;
	int err = pipeline_host_get(c->r, &e->net.addr, &h);
	if (err && err != RBL_ENOENT)
		return c->err = err;
	if (!err && h.last_probe > c->older_than)
		return 0;
	if ((err = add_job(c->plan, &e->net.addr, c->port)))
		return c->err = err;
	struct job *j = &c->plan->jobs[c->plan->count - 1];
	j->listed = true;
	j->listing = e->net;
	j->ncodes = e->ncodes;
	memcpy(j->codes, e->codes, sizeof j->codes);
	return 0;
}

/* Options both commands share; returns CLI_OK, or a status for an unknown option. */
static int parse_common(struct plan *p, int opt, const char *arg, const char *usage, char **argv, uint16_t *port)
{
	unsigned long v;
	char *end;
	int64_t secs;
	switch (opt) {
	case 'p':
		v = strtoul(arg, &end, 10);
		if (!*arg || *end || v == 0 || v > 65535)
			return cli_bad_input("--port: invalid port '%s'", arg);
		*port = (uint16_t)v;
		return CLI_OK;
	case 'n':
		v = strtoul(arg, &end, 10);
		if (!*arg || *end || v == 0 || v > 5000)
			return cli_bad_input("--concurrency: invalid value '%s' (1..5000)", arg);
		p->config.concurrency = (unsigned)v;
		return CLI_OK;
	case 't':
		if (duration_parse(arg, &secs)) { /* a bare number is seconds */
			secs = strtol(arg, &end, 10);
			if (!*arg || *end)
				return cli_bad_input("--timeout: invalid duration '%s' (seconds, or e.g. 30s)", arg);
		}
		if (secs < 1 || secs > 600)
			return cli_bad_input("--timeout: '%s' is outside 1s..10m", arg);
		p->config.reply_timeout_ms = p->config.connect_timeout_ms = (unsigned)secs * 1000u;
		p->config.session_timeout_ms = (unsigned)secs * 4000u;
		return CLI_OK;
	case 'g':
		if (duration_parse(arg, &secs) || secs > 3600)
			return cli_bad_input("--gap: invalid duration '%s' (0s..1h, e.g. 10s)", arg);
		p->config.per_host_gap_ms = (unsigned)secs * 1000u;
		return CLI_OK;
	case 'e':
		if (duration_parse(arg, &p->listing_ttl) || p->listing_ttl <= 0)
			return cli_bad_input("--expires: invalid duration '%s' (e.g. 30d)", arg);
		return CLI_OK;
	case 'c':
		p->have_code = true;
		return cli_parse_code("--code", arg, &p->code);
	default:
		return cli_bad_option(argv, usage);
	}
}

int cmd_probe(cli_t *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{"pending", no_argument, NULL, 'P'},          {"list-into", required_argument, NULL, 'L'},
		{"port", required_argument, NULL, 'p'},       {"max-attempts", required_argument, NULL, 'm'},
		{"concurrency", required_argument, NULL, 'n'}, {"timeout", required_argument, NULL, 't'},
		{"gap", required_argument, NULL, 'g'},
		{"expires", required_argument, NULL, 'e'},    {"code", required_argument, NULL, 'c'},
		{0},
	};
	struct plan p;
	memset(&p, 0, sizeof p);
	probe_config_default(&p.config);
	p.listing_ttl = DEFAULT_LISTING_TTL;
	bool pending = false;
	const char *zone = NULL;
	uint16_t port = DEFAULT_PORT;
	unsigned max_attempts = DEFAULT_MAX_ATTEMPTS;
	int opt, rc;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == 'P')
			pending = true;
		else if (opt == 'L')
			zone = optarg;
		else if (opt == 'm') {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (!*optarg || *end || optarg[0] == '-' || v < 1 || v > 100)
				return cli_bad_input("--max-attempts: invalid value '%s' (1..100)", optarg);
			max_attempts = (unsigned)v;
		} else if ((rc = parse_common(&p, opt, optarg, PROBE_USAGE, argv, &port)))
			return rc;
	}
	if (pending == (optind < argc))
		return cli_bad_input("give either --pending or HOST[:PORT]... (usage: %s)", PROBE_USAGE);
	if (!zone && (p.have_code || p.listing_ttl != DEFAULT_LISTING_TTL))
		return cli_bad_input("--code and --expires need --list-into ZONE (usage: %s)", PROBE_USAGE);
	p.list = zone != NULL;
	for (int i = optind; i < argc; i++) {
		addr_t addr;
		uint16_t target_port;
		if (parse_target(argv[i], port, &addr, &target_port))
			return cli_bad_input("invalid target '%s' (an IP address, optionally :PORT; [IPv6]:PORT)", argv[i]);
		if (add_job(&p, &addr, target_port)) {
			free_plan(&p);
			return cli_fail("out of memory");
		}
	}
	if ((zone && (rc = cli_zone_exists(cli, zone, &p.zone))) || (rc = cli_open(cli, true))) {
		free_plan(&p);
		return rc;
	}
	store_rtxn_t *r;
	int err = store_read_begin(cli->store, &r);
	if (!err && pending) {
		struct pending_ctx c = {&p, r, port, max_attempts, 0};
		err = pipeline_host_foreach(r, pick_pending, &c);
	}
	/* Opted-out hosts are never probed, even when named on the command line. */
	size_t kept = 0;
	for (size_t i = 0; !err && i < p.count; i++) {
		int covered = pipeline_optout_covers(r, &p.jobs[i].target.addr);
		char addr[ADDR_STRLEN];
		addr_format(&p.jobs[i].target.addr, addr);
		if (covered < 0)
			err = covered; /* unsure whether it opted out: probe nothing */
		else if (covered == 1)
			printf("%s\topted out: not probed\n", addr);
		else
			p.jobs[kept++] = p.jobs[i];
	}
	p.count = kept;
	store_read_end(r);
	rc = err ? cli_fail("cannot read the store: %s", rbl_strerror(err)) : run_plan(cli, &p);
	free_plan(&p);
	return rc;
}

int cmd_retest(cli_t *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{"older-than", required_argument, NULL, 'o'}, {"port", required_argument, NULL, 'p'},
		{"concurrency", required_argument, NULL, 'n'}, {"timeout", required_argument, NULL, 't'},
		{"gap", required_argument, NULL, 'g'},
		{"expires", required_argument, NULL, 'e'},    {0},
	};
	struct plan p;
	memset(&p, 0, sizeof p);
	probe_config_default(&p.config);
	p.listing_ttl = DEFAULT_LISTING_TTL;
	p.retest = p.list = true;
	int64_t older = 7 * 86400;
	uint16_t port = DEFAULT_PORT;
	int opt, rc;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == 'o') {
			if (duration_parse(optarg, &older))
				return cli_bad_input("--older-than: invalid duration '%s' (e.g. 7d)", optarg);
		} else if ((rc = parse_common(&p, opt, optarg, RETEST_USAGE, argv, &port))) {
			return rc;
		}
	}
	if ((rc = cli_expect_args(argc, argv, optind, 1, RETEST_USAGE)) ||
	    (rc = cli_zone_exists(cli, argv[optind], &p.zone)))
		return rc;
	store_rtxn_t *r;
	int err = store_read_begin(cli->store, &r);
	struct retest_ctx c = {&p, r, port, (int64_t)time(NULL) - older, 0};
	if (!err)
		err = store_entry_foreach(r, p.zone.id, pick_listed, &c);
	if (!err)
		err = c.err;
	store_read_end(r);
	rc = err ? cli_fail("cannot read the store: %s", rbl_strerror(err)) : run_plan(cli, &p);
	free_plan(&p);
	return rc;
}
