/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_listing.c — rbltool add | exclude | del | list | show | expire: one listing at a time. */
#include "cmd.h"

#include "base/duration.h"
#include "base/err.h"
#include "base/text.h"
#include "relay/pipeline.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define ADD_USAGE                                                                                                    \
	"rbltool add ZONE ADDR[/LEN] [--code 127.0.0.N]... [--reason TEXT] [--source TEXT] [--expires 30d|DATE] "   \
	"[--no-text] [--allow-wide]"
#define EXCLUDE_USAGE "rbltool exclude ZONE ADDR[/LEN] [--reason TEXT] [--source TEXT] [--expires 30d|DATE]"

/* Writes e into the zone in one transaction. */
static int put_entry(cli_t *cli, const zone_def_t *zone, entry_t *e)
{
	store_wtxn_t *w;
	int err = store_write_begin(cli->store, &w);
	if (!err && (err = store_entry_put(w, zone->id, e)))
		store_write_abort(w);
	if (!err)
		err = store_write_commit(w);
	if (err)
		return cli_fail("cannot write the entry: %s", rbl_strerror(err));
	return CLI_OK;
}

/* add and exclude share their options; exclude takes no codes and no --no-text. */
static int listing_command(cli_t *cli, int argc, char **argv, bool exclude)
{
	static const struct option options[] = {
		{"code", required_argument, NULL, 'c'},    {"reason", required_argument, NULL, 'r'},
		{"source", required_argument, NULL, 's'},  {"expires", required_argument, NULL, 'e'},
		{"no-text", no_argument, NULL, 'n'},       {"allow-wide", no_argument, NULL, 'w'},
		{0},
	};
	const char *usage = exclude ? EXCLUDE_USAGE : ADD_USAGE;
	entry_t e;
	memset(&e, 0, sizeof e);
	e.flags = exclude ? ENTRY_EXCLUDE : 0;
	bool allow_wide = false;
	int opt, rc, err;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (exclude)
				return cli_bad_input("exclude takes no --code (usage: %s)", usage);
			if (e.ncodes == ENTRY_MAX_CODES)
				return cli_bad_input("--code: at most %d codes an entry", ENTRY_MAX_CODES);
			if ((rc = cli_parse_code("--code", optarg, &e.codes[e.ncodes])))
				return rc;
			e.ncodes++;
			break;
		case 'r':
			if (strlen(optarg) >= sizeof e.reason)
				return cli_bad_input("--reason: longer than %d bytes", ENTRY_TEXT_MAX - 1);
			if ((rc = cli_check_text("--reason", optarg)))
				return rc;
			snprintf(e.reason, sizeof e.reason, "%s", optarg);
			break;
		case 's':
			if (strlen(optarg) >= sizeof e.source)
				return cli_bad_input("--source: longer than %d bytes", ENTRY_SOURCE_MAX - 1);
			if ((rc = cli_check_text("--source", optarg)))
				return rc;
			snprintf(e.source, sizeof e.source, "%s", optarg);
			break;
		case 'e':
			err = duration_parse_expiry(optarg, time(NULL), &e.expires);
			if (err == RBL_ERANGE)
				return cli_bad_input("--expires: '%s' is in the past or too far ahead", optarg);
			if (err)
				return cli_bad_input("--expires: invalid duration or date '%s' (e.g. 30d, 12h, 2026-12-31)",
						     optarg);
			break;
		case 'n':
			if (exclude)
				return cli_bad_input("exclude takes no --no-text (usage: %s)", usage);
			e.flags |= ENTRY_NOTEXT;
			break;
		case 'w':
			if (exclude) /* an exclusion takes nothing away from what is answered: no width is too wide */
				return cli_bad_input("exclude takes no --allow-wide (usage: %s)", usage);
			allow_wide = true;
			break;
		default:
			return cli_bad_option(argv, usage);
		}
	}
	zone_def_t zone;
	/* Every value is checked before the store is opened: bad input is named whatever state the store is in. */
	if ((rc = cli_expect_args(argc, argv, optind, 2, usage)) || (rc = cli_parse_cidr(argv[optind + 1], &e.net)))
		return rc;
	char net[ADDR_STRLEN];
	cidr_format(&e.net, net);
	unsigned widest = cli_widest(e.net.addr.family);
	if (!exclude && !allow_wide && e.net.len < widest)
		return cli_bad_input("'%s' is wider than /%u: give --allow-wide to list that much", net, widest);
	if ((rc = cli_zone_exists(cli, argv[optind], &zone)))
		return rc;
	if ((rc = cli_open(cli, true)) || (rc = put_entry(cli, &zone, &e)))
		return rc;
	printf("%s %s in %s\n", exclude ? "excluded" : "listed", net, zone.name);
	return CLI_OK;
}

int cmd_add(cli_t *cli, int argc, char **argv)
{
	return listing_command(cli, argc, argv, false);
}

int cmd_exclude(cli_t *cli, int argc, char **argv)
{
	return listing_command(cli, argc, argv, true);
}

int cmd_del(cli_t *cli, int argc, char **argv)
{
	static const char usage[] = "rbltool del ZONE ADDR[/LEN]";
	zone_def_t zone;
	cidr_t net;
	int rc;
	if ((rc = cli_expect_args(argc, argv, 1, 2, usage)) || (rc = cli_parse_cidr(argv[2], &net)) ||
	    (rc = cli_zone_exists(cli, argv[1], &zone)))
		return rc;
	store_wtxn_t *w;
	int err = store_write_begin(cli->store, &w);
	if (!err && (err = store_entry_del(w, zone.id, &net)))
		store_write_abort(w);
	if (!err)
		err = store_write_commit(w);
	char text[ADDR_STRLEN];
	cidr_format(&net, text);
	if (err == RBL_ENOENT)
		return cli_fail("%s has no entry %s (rbltool list %s shows what it has)", zone.name, text, zone.name);
	if (err)
		return cli_fail("cannot delete %s: %s", text, rbl_strerror(err));
	printf("deleted %s from %s\n", text, zone.name);
	return CLI_OK;
}

static void codes_text(const entry_t *e, uint32_t default_code, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = '\0';
	if (e->flags & ENTRY_EXCLUDE) {
		snprintf(buf, cap, "excluded");
		return;
	}
	unsigned count = e->ncodes ? e->ncodes : 1;
	for (unsigned i = 0; i < count && n < cap; i++) {
		uint32_t c = e->ncodes ? e->codes[i] : default_code;
		n += (size_t)snprintf(buf + n, cap - n, "%s%u.%u.%u.%u", i ? "," : "", c >> 24, (c >> 16) & 255,
				      (c >> 8) & 255, c & 255);
	}
}

static int print_entry_line(const entry_t *e, void *ctx)
{
	const zone_def_t *zone = ctx;
	char net[ADDR_STRLEN], codes[160], expires[TIME_STRLEN], reason[TEXT_ESCAPED_SIZE(ENTRY_TEXT_MAX)];
	cidr_format(&e->net, net);
	codes_text(e, zone->default_code, codes, sizeof codes);
	duration_format_time(e->expires, expires);
	/* Escaped: a reason stored before control characters were refused must not break the line or the terminal. */
	cli_escaped(e->flags & ENTRY_NOTEXT ? "(no text)" : e->reason, reason, sizeof reason);
	printf("%s\t%s\t%s\t%s\n", net, codes, expires, reason);
	return cli_output_failed() ? 1 : 0;
}

int cmd_list(cli_t *cli, int argc, char **argv)
{
	zone_def_t zone;
	int rc;
	if ((rc = cli_expect_args(argc, argv, 1, 1, "rbltool list ZONE")) || (rc = cli_zone_exists(cli, argv[1], &zone)))
		return rc;
	store_rtxn_t *r;
	int err = store_read_begin(cli->store, &r);
	if (!err)
		err = store_entry_foreach(r, zone.id, print_entry_line, &zone);
	store_read_end(r);
	if (cli_output_failed())
		return CLI_FAILED; /* main says why */
	return err ? cli_fail("cannot list %s: %s", zone.name, rbl_strerror(err)) : CLI_OK;
}

struct show_ctx {
	store_rtxn_t *r;
	const addr_t *addr;
	int64_t now;
	unsigned found;
	int err;
};

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
	char net[ADDR_STRLEN], codes[160], created[TIME_STRLEN], updated[TIME_STRLEN], expires[TIME_STRLEN];
	char reason[TEXT_ESCAPED_SIZE(ENTRY_TEXT_MAX)], source[TEXT_ESCAPED_SIZE(ENTRY_SOURCE_MAX)];
	cidr_format(&e.net, net);
	codes_text(&e, zone->default_code, codes, sizeof codes);
	duration_format_time(e.created, created);
	duration_format_time(e.updated, updated);
	duration_format_time(e.expires, expires);
	bool expired = e.expires && e.expires <= s->now;
	printf("zone     %s\nentry    %s%s\ncodes    %s\nreason   %s\nsource   %s\ncreated  %s\nupdated  %s\n"
	       "expires  %s%s\n\n",
	       zone->name, net, e.flags & ENTRY_EXCLUDE ? " (exclusion)" : "", codes,
	       e.flags & ENTRY_NOTEXT ? "(no text: TXT answers NODATA)" : cli_escaped(e.reason, reason, sizeof reason),
	       cli_escaped(e.source, source, sizeof source), created, updated, expires,
	       expired ? " (expired: not served)" : "");
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

/* What the relay pipeline knows of the address: its state, every report, every probe with its transcript. */
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
		printf("host     %s, %u report%s, last probe %s\n", pipeline_host_state_name((enum host_state)h.state), h.reports,
		       h.reports == 1 ? "" : "s", h.last_probe ? last : "none");
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
	store_read_end(r);
	if (cli_output_failed())
		return CLI_FAILED; /* main says why */
	return err ? cli_fail("cannot read the store: %s", rbl_strerror(err)) : CLI_OK;
}

int cmd_show(cli_t *cli, int argc, char **argv)
{
	addr_t addr;
	int rc;
	if ((rc = cli_expect_args(argc, argv, 1, 1, "rbltool show ADDR")))
		return rc;
	if (addr_parse(argv[1], &addr))
		return cli_bad_input("invalid address '%s'", argv[1]);
	if ((rc = cli_open(cli, false)))
		return rc;
	store_rtxn_t *r;
	int err = store_read_begin(cli->store, &r);
	if (err)
		return cli_fail("cannot read the store: %s", rbl_strerror(err));
	struct show_ctx s = {r, &addr, time(NULL), 0, 0};
	err = store_zone_foreach(r, show_in_zone, &s);
	store_read_end(r);
	if (cli_output_failed())
		return CLI_FAILED;
	if (s.err || (err && err != 1))
		return cli_fail("cannot read the store: %s", rbl_strerror(s.err ? s.err : err));
	if (!s.found)
		printf("%s is not in any zone\n\n", argv[1]);
	return show_pipeline(cli, &addr);
}

int cmd_expire(cli_t *cli, int argc, char **argv)
{
	int rc;
	if ((rc = cli_expect_args(argc, argv, 1, 0, "rbltool expire")) || (rc = cli_open(cli, true)))
		return rc;
	store_wtxn_t *w;
	uint64_t purged = 0;
	int err = store_write_begin(cli->store, &w);
	if (!err && (err = store_expire(w, time(NULL), &purged)))
		store_write_abort(w);
	if (!err)
		err = store_write_commit(w);
	if (err)
		return cli_fail("cannot expire: %s", rbl_strerror(err));
	printf("purged %" PRIu64 " expired entr%s\n", purged, purged == 1 ? "y" : "ies");
	return CLI_OK;
}
