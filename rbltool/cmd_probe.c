/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_probe.c — rbltool probe and retest: the relay pipeline's middle. Targets are chosen in a read snapshot, probed
 * with no transaction open (probes take seconds), and every result is recorded — with the listings it leads to — in
 * one write transaction at the end. */
#include "cli_json.h"
#include "cli_resolver.h"
#include "cmd.h"
#include "probe_jobs.h"
#include "retest_requests.h"

#include "base/duration.h"
#include "base/err.h"
#include "base/hostport.h"
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
	"[--list-into ZONE [--expires 30d] [--code 127.0.0.N]] [--concurrency N] [--timeout SECS] [--gap 10s] "        \
	"[--all-forms] [--resolver ADDR[:PORT]] [--no-rdns] [--json]"
#define RETEST_USAGE                                                                                                 \
	"rbltool retest ZONE [--older-than 7d] | retest --requested [--max N] [--quiet] | retest --queue ADDR...  "    \
	"[--port N] [--expires 30d] [--concurrency N] [--timeout SECS] [--gap 10s] "                                   \
	"[--all-forms] [--resolver ADDR[:PORT]] [--no-rdns] [--json]"
#define DEFAULT_PORT 25
#define DEFAULT_LISTING_TTL (30 * 86400)
#define DEFAULT_MAX_ATTEMPTS 3
#define DEFAULT_REQUESTED_MAX 50


struct plan {
	probe_jobs_t run;
	/* Listing: where open relays go (zone_id 0 = nowhere). */
	zone_def_t zone;
	bool list;
	int64_t listing_ttl;
	uint32_t code;
	bool have_code;
	bool retest;
	/* retest --requested: the jobs answer requests (job.request_id); these were answered without a probe. */
	bool requested;
	retest_answers_t answered;
	/* Output: --json builds one array, printed once everything is recorded. */
	bool json;
	json_t *out;
	const char *resolver_option;
	char resolver_server[128];
};

static int add_job(struct plan *p, const addr_t *addr, uint16_t port)
{
	return probe_jobs_add(&p->run, addr, port);
}

static void free_plan(struct plan *p)
{
	probe_jobs_free(&p->run);
	retest_answers_free(&p->answered);
	json_decref(p->out);
}

/* "HOST" or "HOST:PORT" or "[V6]:PORT" (default_port when none); HOST must be an address (names are not resolved:
 * say what you probe). */
static int parse_target(const char *text, uint16_t default_port, addr_t *addr, uint16_t *port)
{
	char host[ADDR_STRLEN];
	int err = hostport_split(text, default_port, host, sizeof host, port);
	return err ? err : addr_parse(host, addr);
}

/* The history event of a listing change made by a probe (pipeline.h), in the same transaction as the change. */
static int record_event(store_wtxn_t *w, const struct job *j, uint32_t zone_id, const char *zone,
			enum pipeline_event_kind kind, uint64_t probe_id, const entry_t *e, const struct job_listing *l)
{
	pipeline_event_t ev;
	memset(&ev, 0, sizeof ev);
	ev.addr = j->target.addr;
	ev.kind = (uint8_t)kind;
	ev.zone_id = zone_id;
	snprintf(ev.zone, sizeof ev.zone, "%s", zone);
	ev.probe_id = probe_id;
	ev.request_id = j->request_id;
	ev.ncodes = e ? e->ncodes : l->ncodes;
	memcpy(ev.codes, e ? e->codes : l->codes, sizeof ev.codes);
	ev.expires = e ? e->expires : 0;
	return pipeline_event_add(w, &ev);
}

/* The listing an open relay gets in zone_id: its /32 or /128, the zone's code (or --code; a listing l being
 * extended keeps its codes), the form and time as the reason, the probe as evidence, and an expiry; and its history
 * event (listed, or extended when l was listed). */
static int list_open_relay(store_wtxn_t *w, const struct plan *p, const struct job *j, uint32_t zone_id,
			   const char *zone, const struct job_listing *l, uint64_t probe_id)
{
	entry_t *e = calloc(1, sizeof *e);
	if (!e)
		return RBL_ENOMEM;
	e->net.addr = j->target.addr;
	e->net.len = (uint8_t)addr_maxlen(j->target.addr.family);
	if (l) {
		e->ncodes = l->ncodes;
		memcpy(e->codes, l->codes, sizeof e->codes);
	} else if (p->have_code) {
		e->ncodes = 1;
		e->codes[0] = p->code;
	}
	char when[TIME_STRLEN];
	duration_format_time(j->kept.result.started, when);
	snprintf(e->reason, sizeof e->reason, "open relay: %s accepted %s", j->kept.result.form_name, when);
	snprintf(e->source, sizeof e->source, "probe");
	e->evidence = probe_id;
	e->expires = (int64_t)time(NULL) + p->listing_ttl;
	int err = store_entry_put(w, zone_id, e);
	if (!err)
		err = record_event(w, j, zone_id, zone, l ? EVENT_EXTENDED : EVENT_LISTED, probe_id, e, l);
	free(e);
	return err;
}

/* One probe's line of --json: what the text line says, and the reverse DNS and every relayed form besides. */
static json_t *result_json(const struct job *j, uint64_t id, const char *action)
{
	const probe_result_t *r = &j->kept.result;
	char addr[ADDR_STRLEN];
	addr_format(&j->target.addr, addr);
	json_t *o = json_object(), *forms = json_array();
	cli_json_set(o, "address", json_string(addr));
	cli_json_set(o, "port", json_integer(j->target.port));
	cli_json_set(o, "verdict", json_string(j->done ? probe_verdict_name(r->verdict) : "not probed"));
	if (j->request_id)
		cli_json_set(o, "request", json_integer((json_int_t)j->request_id));
	if (!j->done)
		return o;
	cli_json_set(o, "why", cli_json_text(r->why));
	cli_json_set(o, "form", r->form >= 0 ? json_integer(r->form) : json_null()); /* 0..15, as in "why" */
	cli_json_set(o, "form_name", r->form >= 0 ? cli_json_text(r->form_name) : json_null());
	for (int f = 0; f < PROBE_FORM_COUNT; f++)
		if (r->relayed_forms & (1u << f))
			cli_json_push(forms, json_pack("{s:i,s:s}", "form", f, "name", probe_form_name(f)));
	cli_json_set(o, "relayed_forms", forms);
	cli_json_set(o, "connections", json_integer(r->connections));
	cli_json_set(o, "started", cli_json_time(r->started));
	cli_json_set(o, "elapsed_ms", json_integer(r->elapsed_ms));
	cli_json_set(o, "evidence", json_integer((json_int_t)id));
	cli_json_set(o, "action", *action ? json_string(action) : json_null());
	cli_json_set(o, "rdns", j->rdns_done ? cli_json_rdns(&j->rdns) : json_null());
	return o;
}

/* Applies a retest's verdict to each listing of j whose zone still exists (the probes took time: a zone deleted
 * meanwhile, or made again under a new id, is skipped): open extends it, closed deletes it. *action says what was
 * done ("" when nothing), *outcome what it means for a request. */
static int retest_listings(store_wtxn_t *w, const struct plan *p, const struct job *j, uint64_t probe_id,
			   const char **action, enum retest_outcome *outcome)
{
	enum probe_verdict v = j->kept.result.verdict;
	unsigned changed = 0;
	*action = "";
	/* Opted out while the probes ran: the opt-out removed its listings already, and an open relay must not get
	 * them back. */
	int covered = v == PROBE_OPEN ? pipeline_optout_covers_w(w, &j->target.addr) : 0;
	if (covered < 0)
		return covered;
	if (covered) {
		*outcome = RETEST_OPTED_OUT;
		return RBL_OK;
	}
	for (unsigned i = 0; i < j->nlistings; i++) {
		const struct job_listing *l = &j->listings[i];
		zone_def_t now;
		int err = store_zone_get_w(w, l->zone, &now);
		if (err == RBL_ENOENT || (!err && now.id != l->zone_id))
			continue;
		if (!err && v == PROBE_OPEN)
			err = list_open_relay(w, p, j, l->zone_id, l->zone, l, probe_id);
		else if (!err && v == PROBE_CLOSED) {
			err = store_entry_del(w, l->zone_id, &l->net);
			if (err == RBL_ENOENT) /* deleted meanwhile (rbltool del, an opt-out): nothing to record */
				continue;
			if (!err)
				err = record_event(w, j, l->zone_id, l->zone, EVENT_DELISTED_RETEST, probe_id, NULL, l);
		} else if (!err)
			continue;
		if (err)
			return err;
		changed++;
	}
	*action = !changed ? "" : v == PROBE_OPEN ? "listing extended" : "delisted";
	if (v == PROBE_OPEN)
		*outcome = RETEST_STILL_OPEN;
	else if (v == PROBE_CLOSED) /* closed with nothing left to delist: it was not listed any more */
		*outcome = changed ? RETEST_DELISTED : RETEST_NOT_LISTED;
	else
		*outcome = RETEST_INCONCLUSIVE;
	return RBL_OK;
}

/* A request answered without a probe: recorded done, and its line. */
static int record_answered(store_wtxn_t *w, struct plan *p, const retest_answered_t *a)
{
	char addr[ADDR_STRLEN];
	addr_format(&a->addr, addr);
	int err = pipeline_retest_done(w, a->id, a->verdict, a->probe_id, a->outcome);
	if (err)
		return cli_fail("cannot record request #%" PRIu64 " of %s: %s", a->id, addr, rbl_strerror(err));
	const char *outcome = pipeline_retest_outcome_name(a->outcome);
	if (p->json) {
		json_t *o = json_object();
		cli_json_set(o, "address", json_string(addr));
		cli_json_set(o, "verdict", json_string("not probed"));
		cli_json_set(o, "request", json_integer((json_int_t)a->id));
		cli_json_set(o, "outcome", json_string(outcome));
		cli_json_set(o, "evidence", a->probe_id ? json_integer((json_int_t)a->probe_id) : json_null());
		cli_json_push(p->out, o);
	} else if (a->probe_id) {
		printf("%s\t%s: not probed\tevidence %" PRIu64 " (%s)\trequest #%" PRIu64 "\n", addr, outcome,
		       a->probe_id, probe_verdict_name((enum probe_verdict)a->verdict), a->id);
	} else {
		printf("%s\t%s: not probed\trequest #%" PRIu64 "\n", addr, outcome, a->id);
	}
	return CLI_OK;
}

static int record_results(store_wtxn_t *w, void *ctx)
{
	struct plan *p = ctx;
	/* The probes took time: the zone may have gone meanwhile, and listings must not land under a dead zone id.
	 * (retest --requested checks each listing's zone instead: retest_listings.) */
	zone_def_t now;
	if (p->list && !p->requested && (store_zone_get_w(w, p->zone.name, &now) || now.id != p->zone.id))
		return cli_fail("zone '%s' was deleted while the probes ran: nothing recorded", p->zone.name);
	int rc;
	for (size_t i = 0; i < p->answered.count; i++)
		if ((rc = record_answered(w, p, &p->answered.items[i])))
			return rc;
	for (size_t i = 0; i < p->run.count; i++) {
		struct job *j = &p->run.jobs[i];
		char addr[ADDR_STRLEN], request[32] = "";
		addr_format(&j->target.addr, addr);
		if (j->request_id)
			snprintf(request, sizeof request, "\trequest #%" PRIu64, j->request_id);
		if (!j->done) { /* a request stays queued: the next run takes it */
			if (p->json)
				cli_json_push(p->out, result_json(j, 0, ""));
			else
				printf("%s:%u\tnot probed%s\n", addr, j->target.port, request);
			continue;
		}
		uint64_t id;
		const probe_result_t *res = &j->kept.result;
		int err = pipeline_probe_add(w, &j->target.addr, j->target.port, res, j->rdns_done ? &j->rdns : NULL,
					     &id);
		const char *action = "";
		enum retest_outcome outcome = RETEST_PENDING;
		if (!err && p->retest)
			err = retest_listings(w, p, j, id, &action, &outcome);
		else if (!err && res->verdict == PROBE_OPEN && p->list) {
			err = list_open_relay(w, p, j, p->zone.id, p->zone.name, NULL, id);
			action = "listed";
		}
		if (!err && j->request_id)
			err = pipeline_retest_done(w, j->request_id, (uint8_t)res->verdict, id, outcome);
		if (err)
			return cli_fail("cannot record the probe of %s: %s", addr, rbl_strerror(err));
		if (p->json) {
			json_t *o = result_json(j, id, action);
			if (j->request_id)
				cli_json_set(o, "outcome", json_string(pipeline_retest_outcome_name(outcome)));
			cli_json_push(p->out, o);
			continue;
		}
		/* The reason quotes the server: escaped, and no longer than the store keeps it. */
		char why[TEXT_ESCAPED_SIZE(sizeof((probe_record_t *)0)->why)];
		printf("%s:%u\t%s\t%s\tevidence %" PRIu64 "%s%s%s\n", addr, j->target.port,
		       probe_verdict_name(res->verdict), cli_escaped(res->why, why, sizeof why), id, *action ? "\t" : "",
		       action, request);
	}
	if (p->requested) {
		int err = pipeline_retest_prune(w, NULL);
		if (err)
			return cli_fail("cannot prune the retest counters: %s", rbl_strerror(err));
	}
	return CLI_OK;
}

static int run_plan(cli_t *cli, struct plan *p, bool quiet)
{
	if (p->run.count == 0 && p->answered.count == 0) {
		if (quiet)
			return CLI_OK;
		if (!p->json) {
			printf("nothing to probe\n");
			return CLI_OK;
		}
		int rc = cli_json_print(p->out);
		p->out = NULL;
		return rc;
	}
	int err = p->run.count ? probe_jobs_run(&p->run) : RBL_OK;
	if (err)
		return cli_fail("cannot run the probes: %s", rbl_strerror(err));
	int rc = cli_in_write_txn(cli, record_results, p);
	if (rc == CLI_OK && p->json) {
		rc = cli_json_print(p->out);
		p->out = NULL;
	}
	return rc;
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
	struct job_listing l = {.zone_id = c->plan->zone.id, .net = e->net, .ncodes = e->ncodes};
	snprintf(l.zone, sizeof l.zone, "%s", c->plan->zone.name);
	memcpy(l.codes, e->codes, sizeof l.codes);
	return c->err = probe_jobs_add_listing(&c->plan->run.jobs[c->plan->run.count - 1], &l);
}

/* --- retest --requested: the queued requests, oldest first (retest_requests.c) */

static int retest_requested(cli_t *cli, struct plan *p, uint16_t port, unsigned max, bool quiet)
{
	int rc = cli_open(cli, true);
	if (rc)
		return rc;
	store_rtxn_t *r;
	int err = store_read_begin(cli->store, &r);
	if (!err) {
		err = retest_requests_pick(r, &p->run, &p->answered, port, max, (int64_t)time(NULL));
		store_read_end(r);
	}
	return err ? cli_fail("cannot read the store: %s", rbl_strerror(err)) : run_plan(cli, p, quiet);
}

/* Options both commands share (COMMON_OPTIONS); returns CLI_OK, or a status for an unknown option. */
#define COMMON_OPTIONS                                                                                               \
	{"port", required_argument, NULL, 'p'}, {"concurrency", required_argument, NULL, 'n'},                       \
	{"timeout", required_argument, NULL, 't'}, {"gap", required_argument, NULL, 'g'},                             \
	{"expires", required_argument, NULL, 'e'}, {"all-forms", no_argument, NULL, 'A'},                             \
	{"resolver", required_argument, NULL, 'r'}, {"no-rdns", no_argument, NULL, 'N'},                              \
	{"json", no_argument, NULL, 'j'}

static void plan_init(struct plan *p, const char *what)
{
	memset(p, 0, sizeof *p);
	probe_config_default(&p->run.config);
	p->run.rdns = true;
	p->run.what = what;
	p->listing_ttl = DEFAULT_LISTING_TTL;
}

/* After the options: the resolver (checked now, so that a bad one is bad input) and the --json array. */
static int plan_ready(struct plan *p)
{
	int rc = cli_resolver_config(p->resolver_option, &p->run.resolver, p->resolver_server,
				     sizeof p->resolver_server);
	if (rc)
		return rc;
	/* A lookup waits no longer than a reply would, and 5 s at most: it must not outlast its probe. */
	p->run.resolver.timeout_ms = p->run.config.reply_timeout_ms < 5000 ? p->run.config.reply_timeout_ms : 5000;
	if (p->json && !(p->out = json_array()))
		return cli_fail("out of memory");
	return CLI_OK;
}

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
		p->run.config.concurrency = (unsigned)v;
		return CLI_OK;
	case 't':
		if (duration_parse(arg, &secs)) { /* a bare number is seconds */
			secs = strtol(arg, &end, 10);
			if (!*arg || *end)
				return cli_bad_input("--timeout: invalid duration '%s' (seconds, or e.g. 30s)", arg);
		}
		if (secs < 1 || secs > 600)
			return cli_bad_input("--timeout: '%s' is outside 1s..10m", arg);
		p->run.config.reply_timeout_ms = p->run.config.connect_timeout_ms = (unsigned)secs * 1000u;
		p->run.config.session_timeout_ms = (unsigned)secs * 4000u;
		return CLI_OK;
	case 'g':
		if (duration_parse(arg, &secs) || secs > 3600)
			return cli_bad_input("--gap: invalid duration '%s' (0s..1h, e.g. 10s)", arg);
		p->run.config.per_host_gap_ms = (unsigned)secs * 1000u;
		return CLI_OK;
	case 'A':
		p->run.config.all_forms = true;
		return CLI_OK;
	case 'r':
		p->resolver_option = arg;
		return CLI_OK;
	case 'N':
		p->run.rdns = false;
		return CLI_OK;
	case 'j':
		p->json = true;
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
		{"pending", no_argument, NULL, 'P'},
		{"list-into", required_argument, NULL, 'L'},
		{"max-attempts", required_argument, NULL, 'm'},
		{"code", required_argument, NULL, 'c'},
		COMMON_OPTIONS,
		{0},
	};
	struct plan p;
	plan_init(&p, "probe");
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
	if ((rc = plan_ready(&p))) {
		free_plan(&p);
		return rc;
	}
	for (int i = optind; i < argc; i++) {
		addr_t addr;
		uint16_t target_port;
		if (parse_target(argv[i], port, &addr, &target_port)) {
			free_plan(&p);
			return cli_bad_input("invalid target '%s' (an IP address, optionally :PORT; [IPv6]:PORT)", argv[i]);
		}
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
	for (size_t i = 0; !err && i < p.run.count; i++) {
		int covered = pipeline_optout_covers(r, &p.run.jobs[i].target.addr);
		char addr[ADDR_STRLEN];
		addr_format(&p.run.jobs[i].target.addr, addr);
		if (covered < 0)
			err = covered; /* unsure whether it opted out: probe nothing */
		else if (covered == 1 && p.json)
			cli_json_push(p.out, json_pack("{s:s,s:i,s:s}", "address", addr, "port", p.run.jobs[i].target.port,
						       "verdict", "opted out"));
		else if (covered == 1)
			printf("%s\topted out: not probed\n", addr);
		else
			p.run.jobs[kept++] = p.run.jobs[i];
	}
	p.run.count = kept;
	store_read_end(r);
	rc = err ? cli_fail("cannot read the store: %s", rbl_strerror(err)) : run_plan(cli, &p, false);
	free_plan(&p);
	return rc;
}

int cmd_retest(cli_t *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{"older-than", required_argument, NULL, 'o'},
		{"requested", no_argument, NULL, 'R'},
		{"queue", no_argument, NULL, 'Q'},
		{"max", required_argument, NULL, 'M'},
		{"quiet", no_argument, NULL, 'q'},
		COMMON_OPTIONS,
		{0},
	};
	struct plan p;
	plan_init(&p, "retest");
	p.retest = p.list = true;
	int64_t older = 7 * 86400;
	bool have_older = false, requested = false, queue = false, quiet = false, have_max = false;
	unsigned max = DEFAULT_REQUESTED_MAX;
	uint16_t port = DEFAULT_PORT;
	int opt, rc;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == 'o') {
			if (duration_parse(optarg, &older))
				return cli_bad_input("--older-than: invalid duration '%s' (e.g. 7d)", optarg);
			have_older = true;
		} else if (opt == 'R') {
			requested = true;
		} else if (opt == 'Q') {
			queue = true;
		} else if (opt == 'q') {
			quiet = true;
		} else if (opt == 'M') {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (!*optarg || *end || optarg[0] == '-' || v < 1 || v > 10000)
				return cli_bad_input("--max: invalid value '%s' (1..10000)", optarg);
			max = (unsigned)v;
			have_max = true;
		} else if ((rc = parse_common(&p, opt, optarg, RETEST_USAGE, argv, &port))) {
			return rc;
		}
	}
	if (requested && queue)
		return cli_bad_input("give either --requested or --queue ADDR... (usage: %s)", RETEST_USAGE);
	if (have_older && (requested || queue))
		return cli_bad_input("--older-than is for retest ZONE: --requested probes what was asked for, however "
				     "recent (usage: %s)", RETEST_USAGE);
	if ((have_max || quiet) && !requested)
		return cli_bad_input("--max and --quiet are for retest --requested (usage: %s)", RETEST_USAGE);
	if (queue)
		return retest_requests_queue(cli, argc - optind, argv + optind, p.json, RETEST_USAGE);
	if (requested) {
		if (optind < argc)
			return cli_bad_input("retest --requested takes no ZONE: it retests the requested hosts' "
					     "listings in every zone (usage: %s)",
					     RETEST_USAGE);
		p.requested = true;
		rc = plan_ready(&p);
		if (!rc)
			rc = retest_requested(cli, &p, port, max, quiet);
		free_plan(&p);
		return rc;
	}
	if ((rc = cli_expect_args(argc, argv, optind, 1, RETEST_USAGE)) ||
	    (rc = cli_zone_exists(cli, argv[optind], &p.zone)) || (rc = plan_ready(&p))) {
		free_plan(&p);
		return rc;
	}
	store_rtxn_t *r;
	int err = store_read_begin(cli->store, &r);
	struct retest_ctx c = {&p, r, port, (int64_t)time(NULL) - older, 0};
	if (!err)
		err = store_entry_foreach(r, p.zone.id, pick_listed, &c);
	if (!err)
		err = c.err;
	store_read_end(r);
	rc = err ? cli_fail("cannot read the store: %s", rbl_strerror(err)) : run_plan(cli, &p, false);
	free_plan(&p);
	return rc;
}
