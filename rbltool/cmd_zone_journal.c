/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_zone_journal.c — a transferable zone's IXFR journal (xfr_journal.h): its range in `zone show`, and
 * `zone diff ZONE --from SERIAL`, the records an IXFR from that serial sends. */
#include "cmd_zone_journal.h"

#include "cmd.h"
#include "cli_json.h"
#include "base/err.h"
#include "xfr/xfr_journal.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIFF_USAGE "rbltool zone diff ZONE --from SERIAL"

struct journal_range {
	bool present;
	uint32_t first, last;
	uint64_t records, bytes;
};

static int read_range(cli_t *cli, const zone_def_t *def, struct journal_range *j)
{
	memset(j, 0, sizeof *j);
	store_rtxn_t *r;
	int err = store_read_begin(cli->store, &r);
	if (!err)
		err = xfr_journal_range(r, def->id, &j->first, &j->last, &j->records, &j->bytes);
	store_read_end(r);
	j->present = !err;
	return err == RBL_ENOENT ? RBL_OK : err;
}

int zone_journal_print(cli_t *cli, const zone_def_t *def)
{
	struct journal_range j;
	int err = read_range(cli, def, &j);
	if (err)
		return cli_fail("cannot read the journal of %s: %s", def->name, rbl_strerror(err));
	if (j.present)
		printf("journal  serials %" PRIu32 " to %" PRIu32 ": %" PRIu64 " change%s, %" PRIu64 " bytes%s\n", j.first,
		       j.last, j.records, j.records == 1 ? "" : "s", j.bytes,
		       j.last == def->serial ? "" : " (behind the zone's serial: IXFR sends the whole zone)");
	return CLI_OK;
}

int zone_journal_json(cli_t *cli, const zone_def_t *def, json_t *doc)
{
	struct journal_range j;
	int err = read_range(cli, def, &j);
	if (err)
		return cli_fail("cannot read the journal of %s: %s", def->name, rbl_strerror(err));
	json_t *obj = json_null();
	if (j.present) {
		obj = json_object();
		cli_json_set(obj, "from", json_integer(j.first));
		cli_json_set(obj, "to", json_integer(j.last));
		cli_json_set(obj, "changes", json_integer((json_int_t)j.records));
		cli_json_set(obj, "bytes", json_integer((json_int_t)j.bytes));
	}
	cli_json_set(doc, "journal", obj);
	return CLI_OK;
}

/* One step: a comment with its serials, then "-" and "+" before the records removed and added. */
static void print_lines(char sign, const char *text, size_t len, const char *zone)
{
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
		const char *tab = memchr(text + at, '\t', n);
		size_t owner = tab ? (size_t)(tab - (text + at)) : n;
		printf("%c%.*s.%s.%.*s\n", sign, (int)owner, text + at, zone, (int)(n - owner), text + at + owner);
		at += n + 1;
	}
}

struct diff_print {
	const zone_def_t *zone;
	uint32_t from;
	bool started;
};

static int print_step(void *ctx, const xfr_journal_step_t *step)
{
	struct diff_print *p = ctx;
	const char *zone = p->zone->name;
	if (!p->started)
		printf("; %s from serial %" PRIu32 " to %" PRIu32 "\n", zone, p->from, p->zone->serial);
	p->started = true;
	printf("; serial %" PRIu32 " -> %" PRIu32 ": %" PRIu32 " removed, %" PRIu32 " added\n", step->from, step->to,
	       step->removed_count, step->added_count);
	print_lines('-', step->removed, step->removed_len, zone);
	print_lines('+', step->added, step->added_len, zone);
	return 0;
}

int zone_diff(cli_t *cli, int argc, char **argv)
{
	static const struct option options[] = {{"from", required_argument, NULL, 'f'}, {0}};
	bool have_from = false;
	uint32_t from = 0;
	int opt, rc;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt != 'f')
			return cli_bad_option(argv, DIFF_USAGE);
		char *end;
		errno = 0;
		unsigned long long v = strtoull(optarg, &end, 10);
		if (!*optarg || *end || errno || v > UINT32_MAX || optarg[0] == '-')
			return cli_bad_input("--from: expected a serial (0..4294967295), not '%s'", optarg);
		from = (uint32_t)v;
		have_from = true;
	}
	zone_def_t def;
	if ((rc = cli_expect_args(argc, argv, optind, 1, DIFF_USAGE)) || (rc = cli_zone_exists(cli, argv[optind], &def)))
		return rc;
	if (!have_from)
		return cli_bad_input("--from SERIAL is needed (usage: %s)", DIFF_USAGE);
	if (from == def.serial) {
		printf("; %s is at serial %" PRIu32 ": nothing changed since\n", def.name, from);
		return CLI_OK;
	}
	store_rtxn_t *r;
	int err = store_read_begin(cli->store, &r);
	struct diff_print p = {&def, from, false};
	if (!err)
		err = xfr_journal_chain(r, def.id, from, def.serial, print_step, &p);
	store_read_end(r);
	if (err == RBL_ENOENT) {
		struct journal_range j;
		if (read_range(cli, &def, &j) == RBL_OK && j.present)
			return cli_fail("the journal of %s does not go from serial %" PRIu32 " (it holds %" PRIu32
					" to %" PRIu32 "): a secondary there gets the whole zone",
					def.name, from, j.first, j.last);
		return cli_fail("%s has no journal from serial %" PRIu32 " (a zone keeps one when dnsbld.conf has a "
				"[zone \"%s\"] section): a secondary there gets the whole zone",
				def.name, from, def.name);
	}
	return err ? cli_fail("cannot read the journal of %s: %s", def.name, rbl_strerror(err)) : CLI_OK;
}
