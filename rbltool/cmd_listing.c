/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_listing.c — rbltool add | exclude | del | list | expire: one listing at a time (show: cmd_show.c). */
#include "cmd.h"

#include "cli_json.h"

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
#define LIST_USAGE "rbltool list ZONE [--json]"
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

/* Deletes the entry at net; a pipeline listing (a probe as evidence) keeps its place in the address's history. The
 * entry is read in a snapshot begun inside w: with one writer, that is the state w started from. */
static int del_entry(cli_t *cli, store_wtxn_t *w, const zone_def_t *zone, const cidr_t *net)
{
	store_rtxn_t *r;
	entry_t e;
	int err = store_read_begin(cli->store, &r);
	if (err)
		return err;
	err = store_entry_get(r, zone->id, net, &e);
	store_read_end(r);
	if (err && err != RBL_ENOENT)
		return err;
	bool pipeline_listing = !err && e.evidence && !(e.flags & ENTRY_EXCLUDE);
	if ((err = store_entry_del(w, zone->id, net)) || !pipeline_listing)
		return err;
	pipeline_event_t ev;
	memset(&ev, 0, sizeof ev);
	ev.addr = e.net.addr;
	ev.kind = EVENT_DELISTED_OPERATOR;
	ev.zone_id = zone->id;
	snprintf(ev.zone, sizeof ev.zone, "%s", zone->name);
	ev.probe_id = e.evidence;
	ev.expires = e.expires;
	ev.ncodes = e.ncodes;
	memcpy(ev.codes, e.codes, sizeof ev.codes);
	snprintf(ev.note, sizeof ev.note, "rbltool del");
	return pipeline_event_add(w, &ev);
}

int cmd_del(cli_t *cli, int argc, char **argv)
{
	static const char usage[] = "rbltool del ZONE ADDR[/LEN]";
	zone_def_t zone;
	cidr_t net;
	int rc;
	if ((rc = cli_expect_args(argc, argv, 1, 2, usage)) || (rc = cli_parse_cidr(argv[2], &net)) ||
	    (rc = cli_zone_exists(cli, argv[1], &zone)) || (rc = cli_open(cli, true)))
		return rc;
	store_wtxn_t *w;
	int err = store_write_begin(cli->store, &w);
	if (!err && (err = del_entry(cli, w, &zone, &net)))
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

static int print_entry_line(const entry_t *e, void *ctx)
{
	const zone_def_t *zone = ctx;
	char net[ADDR_STRLEN], codes[160], expires[TIME_STRLEN], reason[TEXT_ESCAPED_SIZE(ENTRY_TEXT_MAX)];
	cidr_format(&e->net, net);
	cli_codes_text(e, zone->default_code, codes, sizeof codes);
	duration_format_time(e->expires, expires);
	/* Escaped: a reason stored before control characters were refused must not break the line or the terminal. */
	cli_escaped(e->flags & ENTRY_NOTEXT ? "(no text)" : e->reason, reason, sizeof reason);
	printf("%s\t%s\t%s\t%s\n", net, codes, expires, reason);
	return cli_output_failed() ? 1 : 0;
}

struct list_json {
	const zone_def_t *zone;
	cli_json_array_t entries;
	int rc; /* CLI_FAILED once an element could not be printed (the message is out) */
};

static int print_entry_json(const entry_t *e, void *ctx)
{
	struct list_json *l = ctx;
	l->rc = cli_json_array_add(&l->entries, cli_json_entry(json_object(), e, l->zone->default_code));
	return l->rc ? 1 : 0;
}

int cmd_list(cli_t *cli, int argc, char **argv)
{
	zone_def_t zone;
	bool json;
	int rc;
	if ((rc = cli_parse_json_flag(argc, argv, LIST_USAGE, &json)) ||
	    (rc = cli_expect_args(argc, argv, optind, 1, LIST_USAGE)) ||
	    (rc = cli_zone_exists(cli, argv[optind], &zone)))
		return rc;
	/* Streamed, as the text is: a zone of a million entries is never held whole. */
	struct list_json l = {&zone, {0}, CLI_OK};
	store_rtxn_t *r;
	int err = store_read_begin(cli->store, &r);
	if (!err)
		err = json ? store_entry_foreach(r, zone.id, print_entry_json, &l)
			   : store_entry_foreach(r, zone.id, print_entry_line, &zone);
	store_read_end(r);
	if (l.rc || cli_output_failed())
		return CLI_FAILED; /* said already, or main says why */
	if (err)
		return cli_fail("cannot list %s: %s", zone.name, rbl_strerror(err));
	return json ? cli_json_array_end(&l.entries) : CLI_OK;
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
