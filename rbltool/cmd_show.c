/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_show.c — rbltool show ADDR [--json]: every zone's entry covering an address, and what the relay pipeline
 * knows of it (host state, opt-out, reports, probes with their transcripts, the history of its listings, the latest
 * retest request). */
#include "cmd.h"

#include "cli_json.h"
#include "base/duration.h"
#include "base/err.h"
#include "base/text.h"
#include "relay/pipeline.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SHOW_USAGE "rbltool show ADDR [--json]"

struct show_ctx {
	store_rtxn_t *r;
	const addr_t *addr;
	int64_t now;
	unsigned found;
	int err;
	json_t *zones; /* --json: the "zones" array; NULL: print text */
};

static void print_zone_entry(const zone_def_t *zone, const entry_t *e, int64_t now)
{
	char net[ADDR_STRLEN], codes[160], created[TIME_STRLEN], updated[TIME_STRLEN], expires[TIME_STRLEN];
	char reason[TEXT_ESCAPED_SIZE(ENTRY_TEXT_MAX)], source[TEXT_ESCAPED_SIZE(ENTRY_SOURCE_MAX)];
	cidr_format(&e->net, net);
	cli_codes_text(e, zone->default_code, codes, sizeof codes);
	duration_format_time(e->created, created);
	duration_format_time(e->updated, updated);
	duration_format_time(e->expires, expires);
	bool expired = e->expires && e->expires <= now;
	printf("zone     %s\nentry    %s%s\ncodes    %s\nreason   %s\nsource   %s\ncreated  %s\nupdated  %s\n"
	       "expires  %s%s\n\n",
	       zone->name, net, e->flags & ENTRY_EXCLUDE ? " (exclusion)" : "", codes,
	       e->flags & ENTRY_NOTEXT ? "(no text: TXT answers NODATA)"
	                               : cli_escaped(e->reason, reason, sizeof reason),
	       cli_escaped(e->source, source, sizeof source), created, updated, expires,
	       expired ? " (expired: not served)" : "");
}

/* One zone's entry covering the address, as the text shows it; "listed": answered (a listing, not expired). */
static json_t *zone_entry_json(const zone_def_t *zone, const entry_t *e, int64_t now)
{
	bool expired = e->expires && e->expires <= now;
	json_t *obj = json_object();
	cli_json_set(obj, "zone", json_string(zone->name));
	cli_json_set(obj, "listed", json_boolean(!expired && !(e->flags & ENTRY_EXCLUDE)));
	cli_json_entry(obj, e, zone->default_code);
	cli_json_set(obj, "expired", json_boolean(expired));
	cli_json_set(obj, "source", cli_json_text(e->source));
	cli_json_set(obj, "created", cli_json_time(e->created));
	cli_json_set(obj, "updated", cli_json_time(e->updated));
	return cli_json_set(obj, "evidence", e->evidence ? json_integer((json_int_t)e->evidence) : json_null());
}

static int show_in_zone(const zone_def_t *zone, void *arg)
{
	struct show_ctx *s = arg;
	entry_t e;
	int err = store_entry_covering(s->r, zone->id, s->addr, 0, &e);
	if (err == RBL_ENOENT)
		return 0;
	if (err) {
		s->err = err;
		return 1;
	}
	s->found++;
	if (s->zones) {
		cli_json_push(s->zones, zone_entry_json(zone, &e, s->now));
		return 0;
	}
	print_zone_entry(zone, &e, s->now);
	return cli_output_failed() ? 1 : 0;
}

static int print_report(const report_t *rep, void *ctx)
{
	(void)ctx;
	char when[TIME_STRLEN];
	/* Every field comes from a stranger's mail: escaped. */
	char type[TEXT_ESCAPED_SIZE(sizeof rep->feedback_type)], source[TEXT_ESCAPED_SIZE(sizeof rep->source)];
	char from[TEXT_ESCAPED_SIZE(sizeof rep->mail_from)], domain[TEXT_ESCAPED_SIZE(sizeof rep->reported_domain)];
	duration_format_time(rep->arrival, when);
	printf("report   %s  %s  from %s%s%s%s%s\n", when, cli_escaped(rep->feedback_type, type, sizeof type),
	       cli_escaped(rep->source, source, sizeof source), *rep->mail_from ? ", mail from " : "",
	       cli_escaped(rep->mail_from, from, sizeof from), *rep->reported_domain ? ", domain " : "",
	       cli_escaped(rep->reported_domain, domain, sizeof domain));
	return cli_output_failed() ? 1 : 0;
}

static int print_probe(const probe_record_t *p, void *ctx)
{
	(void)ctx;
	char when[TIME_STRLEN], why[TEXT_ESCAPED_SIZE(sizeof p->why)], form[TEXT_ESCAPED_SIZE(sizeof p->form_name)];
	duration_format_time(p->started, when);
	/* The reason quotes the server, and the transcript is what the server said: escaped. */
	printf("probe    #%" PRIu64 "  %s  port %u  %s: %s%s%s  (%u ms)\n", p->id, when, p->port,
	       probe_verdict_name((enum probe_verdict)p->verdict), cli_escaped(p->why, why, sizeof why),
	       *p->form_name ? ", form: " : "", cli_escaped(p->form_name, form, sizeof form), p->elapsed_ms);
	if (p->has_rdns) { /* the reverse DNS seen at probe time */
		char rdns[1024], escaped[TEXT_ESCAPED_SIZE(sizeof rdns)];
		rdns_describe(&p->rdns, rdns, sizeof rdns);
		printf("           rdns: %s\n", cli_escaped(rdns, escaped, sizeof escaped));
	}
	/* The transcript, indented, line by line: the evidence. */
	const char *t = p->transcript, *end = p->transcript + p->transcript_len;
	while (t < end && !cli_output_failed()) {
		const char *nl = memchr(t, '\n', (size_t)(end - t));
		size_t n = nl ? (size_t)(nl - t) : (size_t)(end - t);
		fputs("           ", stdout);
		cli_print_escaped(t, n);
		putchar('\n');
		t += n + (nl ? 1 : 0);
	}
	return cli_output_failed() ? 1 : 0;
}

/* --- the history (pipeline events) */

struct zone_find {
	uint32_t id;
	zone_def_t *zone;
};

static int zone_with_id(const zone_def_t *def, void *arg)
{
	struct zone_find *f = arg;
	if (def->id != f->id)
		return 0;
	*f->zone = *def;
	return 1;
}

/* The zone an event names, if it still exists under that id: 1 and *zone, 0 (gone), or a negative error. An event
 * written without the name (an opt-out's) is named this way while its zone lives. */
static int event_zone(store_rtxn_t *r, const pipeline_event_t *ev, zone_def_t *zone)
{
	struct zone_find f = {ev->zone_id, zone};
	int err = store_zone_foreach(r, zone_with_id, &f);
	return err == 1 ? 1 : err;
}

/* The event's codes as show prints an entry's: the zone's default for none, when the zone is known. */
static void event_entry(const pipeline_event_t *ev, entry_t *e)
{
	memset(e, 0, sizeof *e);
	e->net.addr = ev->addr;
	e->net.len = (uint8_t)addr_maxlen(ev->addr.family);
	e->ncodes = ev->ncodes;
	memcpy(e->codes, ev->codes, sizeof e->codes);
}

static int print_event(const pipeline_event_t *ev, void *arg)
{
	store_rtxn_t *r = arg;
	zone_def_t zone;
	int known = event_zone(r, ev, &zone);
	if (known < 0)
		return known;
	char when[TIME_STRLEN], expires[TIME_STRLEN], codes[160] = "", note[TEXT_ESCAPED_SIZE(EVENT_NOTE_MAX)];
	duration_format_time(ev->time, when);
	duration_format_time(ev->expires, expires);
	if (ev->ncodes || known) {
		entry_t *e = malloc(sizeof *e);
		if (!e)
			return RBL_ENOMEM;
		event_entry(ev, e);
		cli_codes_text(e, known ? zone.default_code : 0, codes, sizeof codes);
		free(e);
	}
	const char *name = *ev->zone ? ev->zone : known ? zone.name : "(deleted zone)";
	printf("history  %s  %s  %s", when, pipeline_event_kind_name((enum pipeline_event_kind)ev->kind), name);
	if (*codes && (ev->kind == EVENT_LISTED || ev->kind == EVENT_EXTENDED))
		printf("  %s", codes);
	if (ev->probe_id)
		printf("  probe #%" PRIu64, ev->probe_id);
	if (ev->request_id)
		printf("  request #%" PRIu64, ev->request_id);
	if (ev->expires && (ev->kind == EVENT_LISTED || ev->kind == EVENT_EXTENDED))
		printf("  expires %s", expires);
	if (*ev->note)
		printf("  (%s)", cli_escaped(ev->note, note, sizeof note));
	putchar('\n');
	return cli_output_failed() ? 1 : 0;
}

/* The address's latest retest request (RBL_ENOENT: none), as one line or one object. */
static int print_retest(store_rtxn_t *r, const addr_t *addr)
{
	retest_request_t q;
	uint64_t position;
	int err = pipeline_retest_get(r, addr, &q, &position);
	if (err)
		return err == RBL_ENOENT ? RBL_OK : err;
	char requested[TIME_STRLEN], done[TIME_STRLEN];
	duration_format_time(q.requested, requested);
	duration_format_time(q.done, done);
	printf("retest   request #%" PRIu64 " (%s, %s): ", q.id, pipeline_retest_via_name((enum retest_via)q.via),
	       requested);
	if (q.queued)
		printf("queued, position %" PRIu64 "\n", position);
	else if (q.probe_id)
		printf("done %s: %s, probe #%" PRIu64 " %s\n", done,
		       pipeline_retest_outcome_name((enum retest_outcome)q.outcome), q.probe_id,
		       probe_verdict_name((enum probe_verdict)q.verdict));
	else
		printf("done %s: %s, not probed\n", done, pipeline_retest_outcome_name((enum retest_outcome)q.outcome));
	return RBL_OK;
}

static int retest_json(store_rtxn_t *r, const addr_t *addr, json_t *doc)
{
	retest_request_t q;
	uint64_t position;
	int err = pipeline_retest_get(r, addr, &q, &position);
	if (err == RBL_ENOENT) {
		cli_json_set(doc, "retest", json_null());
		return RBL_OK;
	}
	if (err)
		return err;
	json_t *obj = json_object();
	cli_json_set(obj, "id", json_integer((json_int_t)q.id));
	cli_json_set(obj, "state", json_string(q.queued ? "queued" : "done"));
	cli_json_set(obj, "position", q.queued ? json_integer((json_int_t)position) : json_null());
	cli_json_set(obj, "via", json_string(pipeline_retest_via_name((enum retest_via)q.via)));
	cli_json_set(obj, "requested", cli_json_time(q.requested));
	cli_json_set(obj, "done", q.queued ? json_null() : cli_json_time(q.done));
	const char *outcome = pipeline_retest_outcome_name((enum retest_outcome)q.outcome);
	cli_json_set(obj, "outcome", q.queued ? json_null() : json_string(outcome));
	cli_json_set(obj, "probe", q.probe_id ? json_integer((json_int_t)q.probe_id) : json_null());
	cli_json_set(obj, "verdict",
		     q.probe_id ? json_string(probe_verdict_name((enum probe_verdict)q.verdict)) : json_null());
	cli_json_set(doc, "retest", obj);
	return RBL_OK;
}

/* What the relay pipeline knows of the address: its state, every report, every probe with its transcript, and the
 * history of its listings. */
static int show_pipeline(cli_t *cli, const addr_t *addr)
{
	store_rtxn_t *r;
	int err = store_read_begin(cli->store, &r);
	if (err)
		return cli_fail("cannot read the store: %s", rbl_strerror(err));
	host_record_t h;
	err = pipeline_host_get(r, addr, &h);
	if (err == RBL_OK) {
		char last[TIME_STRLEN];
		duration_format_time(h.last_probe, last);
		printf("host     %s, %u report%s, last probe %s\n", pipeline_host_state_name((enum host_state)h.state),
		       h.reports, h.reports == 1 ? "" : "s", h.last_probe ? last : "none");
	} else if (err == RBL_ENOENT) {
		printf("host     never reported or probed\n");
		err = RBL_OK;
	}
	int opted = err ? 0 : pipeline_optout_covers(r, addr);
	if (opted == 1)
		printf("optout   yes: never probed, never listed by the pipeline\n");
	if (!err && opted >= 0)
		err = pipeline_report_foreach(r, addr, print_report, NULL);
	if (!err)
		err = pipeline_probe_foreach(r, addr, print_probe, NULL);
	if (!err && !cli_output_failed())
		err = pipeline_event_foreach(r, addr, print_event, r);
	if (!err && !cli_output_failed())
		err = print_retest(r, addr);
	store_read_end(r);
	if (cli_output_failed())
		return CLI_FAILED; /* main says why */
	return err ? cli_fail("cannot read the store: %s", rbl_strerror(err)) : CLI_OK;
}

static int show_text(cli_t *cli, const addr_t *addr, const char *given)
{
	store_rtxn_t *r;
	int err = store_read_begin(cli->store, &r);
	if (err)
		return cli_fail("cannot read the store: %s", rbl_strerror(err));
	struct show_ctx s = {r, addr, time(NULL), 0, 0, NULL};
	err = store_zone_foreach(r, show_in_zone, &s);
	store_read_end(r);
	if (cli_output_failed())
		return CLI_FAILED;
	if (s.err || (err && err != 1))
		return cli_fail("cannot read the store: %s", rbl_strerror(s.err ? s.err : err));
	if (!s.found)
		printf("%s is not in any zone\n\n", given);
	return show_pipeline(cli, addr);
}

/* --json ----------------------------------------------------------------------------------------------------- */

static json_t *host_json(const host_record_t *h)
{
	json_t *obj = json_object();
	cli_json_set(obj, "state", json_string(pipeline_host_state_name((enum host_state)h->state)));
	cli_json_set(obj, "reports", json_integer(h->reports));
	return cli_json_set(obj, "last_probe", cli_json_time(h->last_probe));
}

/* A report field that may be absent: null when empty. */
static json_t *text_or_null(const char *text)
{
	return *text ? cli_json_text(text) : json_null();
}

static int push_report(const report_t *rep, void *ctx)
{
	json_t *obj = json_object();
	cli_json_set(obj, "arrival", cli_json_time(rep->arrival));
	cli_json_set(obj, "feedback_type", cli_json_text(rep->feedback_type));
	cli_json_set(obj, "source", cli_json_text(rep->source));
	cli_json_set(obj, "mail_from", text_or_null(rep->mail_from));
	cli_json_set(obj, "reported_domain", text_or_null(rep->reported_domain));
	cli_json_push(ctx, obj);
	return 0;
}

/* The transcript as the text shows it: one string a line, the line ends dropped. */
static json_t *transcript_json(const char *t, size_t len)
{
	json_t *lines = json_array();
	const char *end = t + len;
	while (t < end) {
		const char *nl = memchr(t, '\n', (size_t)(end - t));
		size_t n = nl ? (size_t)(nl - t) : (size_t)(end - t);
		cli_json_push(lines, cli_json_textn(t, n));
		t += n + (nl ? 1 : 0);
	}
	return lines;
}

/* One probe record: the fields the text shows, and its transcript. */
static json_t *probe_json(const probe_record_t *p)
{
	json_t *obj = json_object();
	cli_json_set(obj, "id", json_integer((json_int_t)p->id));
	cli_json_set(obj, "port", json_integer(p->port));
	cli_json_set(obj, "started", cli_json_time(p->started));
	cli_json_set(obj, "elapsed_ms", json_integer(p->elapsed_ms));
	cli_json_set(obj, "verdict", json_string(probe_verdict_name((enum probe_verdict)p->verdict)));
	cli_json_set(obj, "form", p->form >= 0 ? json_integer(p->form) : json_null());
	cli_json_set(obj, "form_name", text_or_null(p->form_name));
	cli_json_set(obj, "why", cli_json_text(p->why));
	cli_json_set(obj, "rdns", p->has_rdns ? cli_json_rdns(&p->rdns) : json_null());
	return cli_json_set(obj, "transcript", transcript_json(p->transcript, p->transcript_len));
}

static int push_probe(const probe_record_t *p, void *ctx)
{
	cli_json_push(ctx, probe_json(p));
	return 0;
}

struct history_walk {
	store_rtxn_t *r;
	json_t *history;
};

/* One event: {"id", "time", "kind", "zone" (null: deleted, and not named when written), "zone_id", "codes" (those of
 * the listing; the zone's default when it has none and the zone is known, else []), "expires", "probe",
 * "request", "note"}. */
static int push_event(const pipeline_event_t *ev, void *arg)
{
	struct history_walk *h = arg;
	zone_def_t zone;
	int known = event_zone(h->r, ev, &zone);
	if (known < 0)
		return known;
	json_t *obj = json_object(), *codes = json_array();
	cli_json_set(obj, "id", json_integer((json_int_t)ev->id));
	cli_json_set(obj, "time", cli_json_time(ev->time));
	cli_json_set(obj, "kind", json_string(pipeline_event_kind_name((enum pipeline_event_kind)ev->kind)));
	cli_json_set(obj, "zone", *ev->zone ? json_string(ev->zone) : known ? json_string(zone.name) : json_null());
	cli_json_set(obj, "zone_id", json_integer(ev->zone_id));
	for (unsigned i = 0; i < ev->ncodes; i++)
		cli_json_push(codes, cli_json_code(ev->codes[i]));
	if (!ev->ncodes && known)
		cli_json_push(codes, cli_json_code(zone.default_code));
	cli_json_set(obj, "codes", codes);
	cli_json_set(obj, "expires", cli_json_time(ev->expires));
	cli_json_set(obj, "probe", ev->probe_id ? json_integer((json_int_t)ev->probe_id) : json_null());
	cli_json_set(obj, "request", ev->request_id ? json_integer((json_int_t)ev->request_id) : json_null());
	cli_json_set(obj, "note", text_or_null(ev->note));
	cli_json_push(h->history, obj);
	return 0;
}

/* Adds "host", "optout", "reports", "probes", "history" and "retest" (the latest request, or null) to doc. */
static int pipeline_json(store_rtxn_t *r, const addr_t *addr, json_t *doc)
{
	host_record_t h;
	int err = pipeline_host_get(r, addr, &h);
	if (err && err != RBL_ENOENT)
		return err;
	cli_json_set(doc, "host", err ? json_null() : host_json(&h));
	int opted = pipeline_optout_covers(r, addr);
	if (opted < 0)
		return opted;
	cli_json_set(doc, "optout", json_boolean(opted == 1));
	json_t *reports = json_array(), *probes = json_array(), *history = json_array();
	cli_json_set(doc, "reports", reports);
	cli_json_set(doc, "probes", probes);
	cli_json_set(doc, "history", history);
	if (!reports || !probes || !history)
		return RBL_OK; /* cli_json_print finds the hole */
	err = pipeline_report_foreach(r, addr, push_report, reports);
	if (!err)
		err = pipeline_probe_foreach(r, addr, push_probe, probes);
	struct history_walk walk = {r, history};
	if (!err)
		err = pipeline_event_foreach(r, addr, push_event, &walk);
	return err ? err : retest_json(r, addr, doc);
}

static int show_json(cli_t *cli, const addr_t *addr)
{
	char text[ADDR_STRLEN];
	addr_format(addr, text);
	json_t *doc = json_object(), *zones = json_array();
	if (!doc || !zones) {
		json_decref(doc);
		json_decref(zones);
		return cli_fail("cannot build the JSON output: out of memory");
	}
	cli_json_set(doc, "address", json_string(text));
	cli_json_set(doc, "zones", json_incref(zones)); /* and our own reference, for show_in_zone */
	store_rtxn_t *r;
	int err = store_read_begin(cli->store, &r);
	if (err) {
		json_decref(doc);
		return cli_fail("cannot read the store: %s", rbl_strerror(err));
	}
	struct show_ctx s = {r, addr, time(NULL), 0, 0, zones};
	err = store_zone_foreach(r, show_in_zone, &s);
	if (s.err)
		err = s.err;
	if (!err)
		err = pipeline_json(r, addr, doc);
	store_read_end(r);
	json_decref(zones);
	if (err) {
		json_decref(doc);
		return cli_fail("cannot read the store: %s", rbl_strerror(err));
	}
	return cli_json_print(doc);
}

int cmd_show(cli_t *cli, int argc, char **argv)
{
	addr_t addr;
	bool json;
	int rc;
	if ((rc = cli_parse_json_flag(argc, argv, SHOW_USAGE, &json)) ||
	    (rc = cli_expect_args(argc, argv, optind, 1, SHOW_USAGE)))
		return rc;
	const char *given = argv[optind];
	if (addr_parse(given, &addr))
		return cli_bad_input("invalid address '%s'", given);
	if ((rc = cli_open(cli, false)))
		return rc;
	return json ? show_json(cli, &addr) : show_text(cli, &addr, given);
}
