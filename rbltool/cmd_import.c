/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_import.c — rbltool import ZONE FILE: plain, CSV and rbldnsd data files into a zone, in one transaction. */
#include "cmd.h"

#include "base/duration.h"
#include "base/err.h"
#include "base/text.h"
#include "formats/listfile.h"
#include "formats/rbldata.h"
#include "relay/report.h"
#include "relay/pipeline.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define IMPORT_USAGE                                                                                                 \
	"rbltool import ZONE FILE [--format plain|csv|rbldnsd|arf|mbox] "                                             \
	"[--dataset ip4set|ip4tset|ip4trie|ip6trie|ip6tset|combined] [--replace] [--skip-bad] [--as-reports] "        \
	"[--trusted CIDR]... [--code 127.0.0.N] [--reason TEXT] [--source TEXT] [--expires 30d|DATE] [--allow-wide]"
#define MAX_TRUSTED 32

enum import_format { FORMAT_PLAIN, FORMAT_CSV, FORMAT_RBLDNSD, FORMAT_ARF, FORMAT_MBOX };

#define MAX_TARGETS 32

/* A zone the import writes into: the named zone, or for a combined file, the zone of each $DATASET section. */
struct target {
	zone_def_t zone;
	store_import_t *imp;
	bool changed; /* the definition (members, $SOA...) must be written back */
};

struct import_run {
	const char *file;
	bool replace;
	const char *source;
	store_wtxn_t *w;
	struct target targets[MAX_TARGETS];
	unsigned target_count;
	struct target *current;   /* where entries go now */
	bool skip_bad;
	bool allow_wide;          /* listings wider than cli_widest() are imported too */
	unsigned wide_line;       /* the last rbldnsd line refused as too wide (a range gives several CIDRs) */
	unsigned long skipped;
	int stop;                 /* the first error that ends the import */
	/* Defaults from the command line, for rows that do not say. */
	uint32_t code;
	bool have_code;
	const char *reason;
	int64_t expires;
	/* Progress on a terminal. */
	bool tty;
	double started;
	const char *phase; /* the store's phase on the progress line (sorting, writing, indexing) and since when */
	double phase_started;
	long long file_size;
	/* Reports instead of listings (arf, mbox, --as-reports): pending until a relay probe decides. */
	bool as_reports;
	unsigned long reports, reports_opted_out;
	cidr_t trusted[MAX_TRUSTED];
	unsigned trusted_count;
};

#define BASE(run) (&(run)->targets[0])

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_progress(void *ctx, unsigned long lines, unsigned long long bytes)
{
	struct import_run *run = ctx;
	if (!run->tty)
		return;
	double elapsed = now_s() - run->started;
	double rate = elapsed > 0 ? (double)lines / elapsed : 0;
	double done = run->file_size > 0 ? (double)bytes / (double)run->file_size : 0;
	double eta = done > 0 ? elapsed / done - elapsed : 0;
	fprintf(stderr, "\r%lu lines, %.0f lines/s, %.0f%%, ETA %.0fs   ", lines, rate, done * 100, eta);
}

/* The store's phases after the file is read (store_import_on_progress), on the same line. */
static void on_finish_progress(void *ctx, const char *phase, uint64_t done, uint64_t total)
{
	struct import_run *run = ctx;
	double now = now_s();
	if (phase != run->phase) {
		run->phase = phase;
		run->phase_started = now;
	}
	double elapsed = now - run->phase_started;
	double rate = elapsed > 0 ? (double)done / elapsed : 0;
	fprintf(stderr, "\r\033[K%s: %" PRIu64 "/%" PRIu64 " entries, %.0f entries/s, %.0f%%", phase, done, total, rate,
		total ? 100.0 * (double)done / (double)total : 100.0);
}

static int on_bad_line(void *ctx, const char *file, unsigned line, const char *text, const char *why)
{
	struct import_run *run = ctx;
	/* The line comes from the file, and some reasons quote it: escaped, so that it stays one line of plain text. */
	char shown_why[TEXT_ESCAPED_SIZE(256)], shown_text[TEXT_ESCAPED_SIZE(200)];
	size_t text_len = strnlen(text, 200);
	text_escape(text, text_len, shown_text, sizeof shown_text);
	if (run->tty)
		fputc('\r', stderr);
	fprintf(stderr, "rbltool: %s:%u: %s: '%s'%s\n", file, line, cli_escaped(why, shown_why, sizeof shown_why),
		shown_text, run->skip_bad ? " (skipped)" : "");
	if (run->skip_bad) {
		run->skipped++;
		return 0;
	}
	return run->stop = RBL_EINVAL;
}

static int queue(struct import_run *run, const store_import_item_t *item, unsigned line)
{
	int err = store_import_add(run->current->imp, item);
	if (err) {
		char net[ADDR_STRLEN];
		cidr_format(&item->net, net);
		fprintf(stderr, "rbltool: %s:%u: cannot queue %s: %s\n", run->file, line, net, rbl_strerror(err));
		run->stop = err;
	}
	return err;
}

static int add_report(struct import_run *run, const report_t *rep)
{
	bool opted_out;
	int err = pipeline_report_add(run->w, rep, &opted_out);
	if (err) {
		fprintf(stderr, "rbltool: %s: cannot record a report: %s\n", run->file, rbl_strerror(err));
		return run->stop = err;
	}
	run->reports++;
	run->reports_opted_out += opted_out;
	return 0;
}

static int on_report(void *ctx, const report_t *rep)
{
	return add_report(ctx, rep);
}

static void on_bad_message(void *ctx, const char *file, unsigned message, const char *why)
{
	struct import_run *run = ctx;
	char shown[TEXT_ESCAPED_SIZE(256)];
	fprintf(stderr, "rbltool: %s: message %u: %s (skipped)\n", file, message,
		cli_escaped(why, shown, sizeof shown));
	run->skipped++;
}

static int on_list_row(void *ctx, const listfile_row_t *row)
{
	struct import_run *run = ctx;
	if (run->as_reports) {
		report_t rep;
		memset(&rep, 0, sizeof rep);
		rep.addr = row->net.addr;
		rep.arrival = time(NULL);
		rep.message = row->line;
		snprintf(rep.feedback_type, sizeof rep.feedback_type, "list");
		snprintf(rep.source, sizeof rep.source, "%s", *row->source ? row->source : run->source);
		if (row->net.len != addr_maxlen(row->net.addr.family)) {
			char net[ADDR_STRLEN];
			cidr_format(&row->net, net);
			return on_bad_line(run, run->file, row->line, net, "a report names one host, not a network");
		}
		return add_report(run, &rep);
	}
	if (!row->exclude && !run->allow_wide && row->net.len < cli_widest(row->net.addr.family)) {
		char why[96];
		snprintf(why, sizeof why, "a listing wider than /%u (--allow-wide imports it)",
			 cli_widest(row->net.addr.family));
		char net[ADDR_STRLEN];
		cidr_format(&row->net, net);
		return on_bad_line(run, run->file, row->line, net, why);
	}
	store_import_item_t item = {.net = row->net, .flags = row->exclude ? ENTRY_EXCLUDE : 0};
	item.ncodes = row->ncodes;
	memcpy(item.codes, row->codes, sizeof item.codes);
	if (!item.ncodes && run->have_code) {
		item.ncodes = 1;
		item.codes[0] = run->code;
	}
	item.reason = *row->reason ? row->reason : run->reason;
	item.source = *row->source ? row->source : NULL;
	item.expires = row->expires ? row->expires : run->expires;
	return queue(run, &item, row->line);
}

static int on_rbldata_entry(void *ctx, const rbldata_entry_t *e)
{
	struct import_run *run = ctx;
	/* A range line is split into CIDRs that all carry the line's widest length: the line goes in whole or not at
	 * all, and is reported once. */
	if (!e->exclude && !run->allow_wide && e->widest_len < cli_widest(e->net.addr.family)) {
		if (e->line == run->wide_line)
			return 0;
		run->wide_line = e->line;
		char why[96], net[ADDR_STRLEN];
		snprintf(why, sizeof why, "a listing wider than /%u (--allow-wide imports it)",
			 cli_widest(e->net.addr.family));
		cidr_format(&e->net, net);
		return on_bad_line(run, run->file, e->line, net, why);
	}
	store_import_item_t item = {.net = e->net, .expires = run->expires};
	if (e->exclude) {
		item.flags = ENTRY_EXCLUDE;
	} else {
		item.ncodes = 1;
		item.codes[0] = e->code;
		item.flags = e->has_txt ? 0 : ENTRY_NOTEXT;
		item.reason = e->has_txt ? e->txt : NULL;
	}
	return queue(run, &item, e->line);
}

static int on_rbldata_soa(void *ctx, const rbldata_soa_t *soa)
{
	struct import_run *run = ctx;
	zone_def_t *z = &BASE(run)->zone;
	if (dname_normalize(soa->mname, z->mname) || dname_normalize(soa->rname, z->rname)) {
		fprintf(stderr, "rbltool: %s: $SOA names are not valid DNS names\n", run->file);
		return run->stop = RBL_EINVAL;
	}
	/* A serial of 0 means "rbldnsd picks one"; ours keeps counting. */
	z->refresh = soa->refresh;
	z->retry = soa->retry;
	z->expire = soa->expire;
	z->minimum = soa->minimum;
	/* The $SOA ttl is the SOA record's own; answers keep the zone's TTL ($TTL sets it). */
	BASE(run)->changed = true;
	return 0;
}

static int on_rbldata_ns(void *ctx, uint32_t ttl, const char *const *names, unsigned count)
{
	(void)ttl;
	struct import_run *run = ctx;
	zone_def_t *z = &BASE(run)->zone;
	zone_def_t before = *z; /* name servers keep the addresses they had, by name: a data file cannot give any */
	z->ns_count = 0;
	for (unsigned i = 0; i < count && i < ZONE_MAX_NS; i++) {
		unsigned n = z->ns_count;
		if (dname_normalize(names[i], z->ns[n])) {
			fprintf(stderr, "rbltool: %s: $NS name '%s' is not a valid DNS name\n", run->file, names[i]);
			return run->stop = RBL_EINVAL;
		}
		z->ns_addr_count[n] = 0;
		for (unsigned k = 0; k < before.ns_count; k++) {
			if (strcmp(before.ns[k], z->ns[n]) == 0) {
				z->ns_addr_count[n] = before.ns_addr_count[k];
				memcpy(z->ns_addr[n], before.ns_addr[k], sizeof z->ns_addr[n]);
			}
		}
		z->ns_count++;
		if (zone_ns_in_zone(z, n) && z->ns_addr_count[n] == 0)
			fprintf(stderr,
			        "rbltool: %s: $NS %s lies inside zone %s and has no address: resolvers cannot find it "
			        "until rbltool zone set %s --ns %s=ADDR\n",
			        run->file, z->ns[n], z->name, z->name, z->ns[n]);
	}
	if (z->ns_count)
		memcpy(z->mname, z->ns[0], sizeof z->mname);
	BASE(run)->changed = true;
	return 0;
}

static int on_rbldata_ttl(void *ctx, uint32_t ttl)
{
	struct import_run *run = ctx;
	if (ttl == 0) /* "the default": keep the zone's */
		return 0;
	run->current->zone.ttl = ttl;
	run->current->changed = true;
	return 0;
}

/* The target for zone name, found in this import, in the store, or created like the base zone. */
static int find_target(struct import_run *run, const char *name, struct target **out)
{
	for (unsigned i = 0; i < run->target_count; i++)
		if (strcmp(run->targets[i].zone.name, name) == 0) {
			*out = &run->targets[i];
			return RBL_OK;
		}
	if (run->target_count == MAX_TARGETS)
		return RBL_EFULL;
	struct target *t = &run->targets[run->target_count];
	memset(t, 0, sizeof *t);
	int err = store_zone_get_w(run->w, name, &t->zone);
	if (err == RBL_ENOENT) {
		/* A new member zone: the base zone's SOA, NS and TTL, its own name and contact. */
		t->zone = BASE(run)->zone;
		t->zone.member_count = 0;
		snprintf(t->zone.name, sizeof t->zone.name, "%s", name);
		err = store_zone_create(run->w, &t->zone);
	}
	if (!err)
		err = store_import_begin(run->w, t->zone.id, run->replace, run->source, &t->imp);
	if (err)
		return err;
	run->target_count++;
	*out = t;
	return RBL_OK;
}

static int add_member(struct target *aggregate, const struct target *member)
{
	zone_def_t *z = &aggregate->zone;
	for (unsigned i = 0; i < z->member_count; i++)
		if (z->members[i] == member->zone.id)
			return RBL_OK;
	if (z->member_count == ZONE_MAX_MEMBERS)
		return RBL_EFULL;
	z->members[z->member_count++] = member->zone.id;
	aggregate->changed = true;
	return RBL_OK;
}

/* "$DATASET type[:name] sub... @": the section's entries go into the zone of its first subzone (sub.BASE, or BASE
 * itself for "@" alone); BASE and every other subzone become aggregates that include it. */
static int on_rbldata_section(void *ctx, const rbldata_section_t *section)
{
	struct import_run *run = ctx;
	const char *primary = NULL;
	bool at_base = false;
	for (unsigned i = 0; i < section->subzone_count; i++) {
		if (strcmp(section->subzones[i], "@") == 0)
			at_base = true;
		else if (!primary)
			primary = section->subzones[i];
	}
	char name[DNAME_TEXTMAX + 64];
	struct target *target = BASE(run), *other;
	int err = RBL_OK;
	if (primary) {
		snprintf(name, sizeof name, "%s.%s", primary, BASE(run)->zone.name);
		char normalized[DNAME_TEXTMAX];
		err = dname_normalize(name, normalized);
		if (!err)
			err = find_target(run, normalized, &target);
		if (!err && target->zone.member_count)
			err = RBL_EINVAL;
		if (!err && at_base)
			err = add_member(BASE(run), target);
	}
	for (unsigned i = 0; !err && i < section->subzone_count; i++) {
		if (strcmp(section->subzones[i], "@") == 0 || section->subzones[i] == primary)
			continue;
		snprintf(name, sizeof name, "%s.%s", section->subzones[i], BASE(run)->zone.name);
		char normalized[DNAME_TEXTMAX];
		err = dname_normalize(name, normalized);
		if (!err)
			err = find_target(run, normalized, &other);
		if (!err)
			err = add_member(other, target);
	}
	if (err) {
		fprintf(stderr, "rbltool: %s:%u: cannot set up the zones of this $DATASET section: %s\n", run->file,
			section->line, err == RBL_EINVAL ? "a subzone name is invalid or already an aggregate"
							  : rbl_strerror(err));
		return run->stop = RBL_EINVAL;
	}
	run->current = target;
	return 0;
}

static int read_file(struct import_run *run, enum import_format format, int dataset)
{
	if (format == FORMAT_ARF || format == FORMAT_MBOX) {
		const report_sink_t sink = {on_report, on_bad_message};
		return format == FORMAT_ARF ? report_read_arf(run->file, &sink, run)
					    : report_read_mbox(run->file, run->trusted, run->trusted_count, &sink, run);
	}
	if (format == FORMAT_RBLDNSD) {
		const rbldata_sink_t sink = {on_rbldata_entry, on_rbldata_soa, on_rbldata_ns, on_rbldata_ttl,
					     on_rbldata_section, on_bad_line, on_progress};
		return rbldata_read(run->file, (enum rbldata_dataset)dataset, &sink, run);
	}
	const listfile_sink_t sink = {on_list_row, on_bad_line, on_progress};
	return listfile_read(run->file, format == FORMAT_CSV ? LISTFILE_CSV : LISTFILE_PLAIN, run->w ? time(NULL) : 0,
			     &sink, run);
}

static int parse_format(const char *text, enum import_format *format)
{
	static const char *const names[] = {"plain", "csv", "rbldnsd", "arf", "mbox"};
	for (int i = 0; i < 5; i++)
		if (strcmp(text, names[i]) == 0) {
			*format = (enum import_format)i;
			return CLI_OK;
		}
	return cli_bad_input("--format: unknown format '%s' (plain, csv, rbldnsd, arf, mbox)", text);
}

/* Finishes every target's import and writes back the definitions that changed; totals the counts. */
static int finish_targets(struct import_run *run, store_import_stats_t *total)
{
	memset(total, 0, sizeof *total);
	for (unsigned i = 0; i < run->target_count; i++) {
		struct target *t = &run->targets[i];
		store_import_stats_t stats;
		if (run->tty)
			store_import_on_progress(t->imp, on_finish_progress, run);
		int err = store_import_finish(t->imp, &stats);
		if (!err && t->changed)
			err = store_zone_update(run->w, &t->zone);
		if (err)
			return err;
		total->added += stats.added;
		total->updated += stats.updated;
		total->removed += stats.removed;
		total->unchanged += stats.unchanged;
	}
	return RBL_OK;
}

static int run_import(cli_t *cli, struct import_run *run, enum import_format format, int dataset)
{
	int rc = cli_open(cli, true); /* the store is open for reading: the journals come with writing */
	if (rc)
		return rc;
	int err = store_write_begin(cli->store, &run->w);
	if (err)
		return cli_fail("cannot write the store: %s", rbl_strerror(err));
	struct target *base = BASE(run);
	/* Read the zone again inside the transaction: a commit since the check may have moved its serial. */
	if ((err = store_zone_get_w(run->w, base->zone.name, &base->zone))) {
		store_write_abort(run->w);
		return cli_fail("zone '%s' is gone: %s", base->zone.name, rbl_strerror(err));
	}
	run->target_count = run->as_reports ? 0 : 1;
	run->current = base;
	if (!run->as_reports)
		err = store_import_begin(run->w, base->zone.id, run->replace, run->source, &base->imp);
	if (!err) {
		run->started = now_s();
		err = read_file(run, format, dataset);
		if (run->tty)
			fputs("\r\033[K", stderr);
	}
	store_import_stats_t stats = {0};
	if (!err)
		err = finish_targets(run, &stats);
	if (run->tty && run->phase)
		fputs(err ? "\r\033[K" : "\r\033[Kcommitting", stderr);
	for (unsigned i = 0; i < run->target_count; i++)
		store_import_free(run->targets[i].imp);
	if (err) {
		store_write_abort(run->w);
		if (run->stop == RBL_EINVAL || err == RBL_EINVAL)
			return cli_bad_input("%s: nothing imported (fix the line above, or use --skip-bad)", run->file);
		return cli_fail("%s: nothing imported: %s", run->file, rbl_strerror(err));
	}
	err = store_write_commit(run->w);
	if (run->tty && run->phase)
		fputs("\r\033[K", stderr);
	if (err)
		return cli_fail("cannot commit the import: %s", rbl_strerror(err));
	if (run->as_reports) {
		printf("%s: %lu report%s recorded, pending a probe", run->file, run->reports, run->reports == 1 ? "" : "s");
		if (run->reports_opted_out)
			printf(" (%lu opted out: never probed)", run->reports_opted_out);
		if (run->skipped)
			printf(", %lu bad line%s or message%s skipped", run->skipped, run->skipped == 1 ? "" : "s",
			       run->skipped == 1 ? "" : "s");
		printf("\n");
		return CLI_OK;
	}
	printf("%s -> %s: %" PRIu64 " added, %" PRIu64 " updated, %" PRIu64 " removed, %" PRIu64 " unchanged", run->file,
	       base->zone.name, stats.added, stats.updated, stats.removed, stats.unchanged);
	if (run->target_count > 1)
		printf(" in %u zones", run->target_count);
	if (run->skipped)
		printf(", %lu bad line%s skipped", run->skipped, run->skipped == 1 ? "" : "s");
	printf(" (%.2f s)\n", now_s() - run->started);
	return CLI_OK;
}

int cmd_import(cli_t *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{"format", required_argument, NULL, 'f'}, {"dataset", required_argument, NULL, 'D'},
		{"replace", no_argument, NULL, 'R'},      {"skip-bad", no_argument, NULL, 'S'},
		{"code", required_argument, NULL, 'c'},   {"reason", required_argument, NULL, 'r'},
		{"source", required_argument, NULL, 's'}, {"expires", required_argument, NULL, 'e'},
		{"as-reports", no_argument, NULL, 'A'},   {"trusted", required_argument, NULL, 'T'},
		{"allow-wide", no_argument, NULL, 'W'},   {0},
	};
	static struct import_run run;
	memset(&run, 0, sizeof run);
	enum import_format format = FORMAT_PLAIN;
	int dataset = RBLDATA_IP4SET, opt, rc, err;
	bool format_given = false;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if ((rc = parse_format(optarg, &format)))
				return rc;
			format_given = true;
			break;
		case 'D':
			dataset = rbldata_dataset_parse(optarg);
			if (dataset < 0)
				return cli_bad_input("--dataset: unknown dataset type '%s' (ip4set, ip4tset, ip4trie, "
						     "ip6trie, ip6tset, combined)", optarg);
			break;
		case 'R':
			run.replace = true;
			break;
		case 'S':
			run.skip_bad = true;
			break;
		case 'W':
			run.allow_wide = true;
			break;
		case 'c':
			if ((rc = cli_parse_code("--code", optarg, &run.code)))
				return rc;
			run.have_code = true;
			break;
		case 'r':
			if (strlen(optarg) >= ENTRY_TEXT_MAX)
				return cli_bad_input("--reason: longer than %d bytes", ENTRY_TEXT_MAX - 1);
			if ((rc = cli_check_text("--reason", optarg)))
				return rc;
			run.reason = optarg;
			break;
		case 's':
			if (strlen(optarg) >= ENTRY_SOURCE_MAX)
				return cli_bad_input("--source: longer than %d bytes", ENTRY_SOURCE_MAX - 1);
			if ((rc = cli_check_text("--source", optarg)))
				return rc;
			run.source = optarg;
			break;
		case 'A':
			run.as_reports = true;
			break;
		case 'T':
			if (run.trusted_count == MAX_TRUSTED)
				return cli_bad_input("--trusted: at most %d networks", MAX_TRUSTED);
			if ((rc = cli_parse_cidr(optarg, &run.trusted[run.trusted_count])))
				return rc;
			run.trusted_count++;
			break;
		case 'e':
			err = duration_parse_expiry(optarg, time(NULL), &run.expires);
			if (err)
				return cli_bad_input("--expires: invalid duration or date '%s'", optarg);
			break;
		default:
			return cli_bad_option(argv, IMPORT_USAGE);
		}
	}
	if ((rc = cli_expect_args(argc, argv, optind, 2, IMPORT_USAGE)) ||
	    (rc = cli_zone_exists(cli, argv[optind], &BASE(&run)->zone)))
		return rc;
	if (dataset != RBLDATA_IP4SET && !format_given)
		format = FORMAT_RBLDNSD;
	if (format == FORMAT_ARF || format == FORMAT_MBOX)
		run.as_reports = true;
	if (format == FORMAT_RBLDNSD && (run.have_code || run.reason))
		return cli_bad_input("--code and --reason do not apply to rbldnsd files: their lines carry their own values");
	if (run.as_reports && (format == FORMAT_RBLDNSD || run.replace))
		return cli_bad_input("reports come from arf, mbox, plain or csv files, and --replace does not apply to them");
	if (run.trusted_count == 0) { /* our own side: the loopback networks */
		cidr_parse("127.0.0.0/8", &run.trusted[run.trusted_count++]);
		cidr_parse("::1/128", &run.trusted[run.trusted_count++]);
	}
	if (dataset != RBLDATA_IP4SET && format != FORMAT_RBLDNSD)
		return cli_bad_input("--dataset applies to --format rbldnsd only");
	run.file = argv[optind + 1];
	struct stat sb;
	if (stat(run.file, &sb) != 0 || !S_ISREG(sb.st_mode))
		return cli_bad_input("cannot read '%s': not a regular file", run.file);
	run.file_size = (long long)sb.st_size;
	run.tty = isatty(STDERR_FILENO);
	if (!run.source) {
		const char *slash = strrchr(run.file, '/');
		run.source = slash ? slash + 1 : run.file;
		/* The file's name becomes the entries' source: it may not smuggle in what --source may not. */
		if (text_has_control(run.source, strlen(run.source)))
			return cli_check_text("the file name (the default --source; give --source)", run.source);
	}
	return run_import(cli, &run, format, dataset);
}
