/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_report.c — rbltool report ADDR, and rbltool optout add|del|list: the intake end of the relay pipeline. */
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

#define REPORT_USAGE "rbltool report ADDR [--source TEXT]"

struct manual_report {
	report_t report;
	bool opted_out;
};

static int write_report(store_wtxn_t *w, void *ctx)
{
	struct manual_report *m = ctx;
	int err = pipeline_report_add(w, &m->report, &m->opted_out);
	return err ? cli_fail("cannot record the report: %s", rbl_strerror(err)) : CLI_OK;
}

int cmd_report(cli_t *cli, int argc, char **argv)
{
	static const struct option options[] = {{"source", required_argument, NULL, 's'}, {0}};
	struct manual_report m;
	memset(&m, 0, sizeof m);
	snprintf(m.report.feedback_type, sizeof m.report.feedback_type, "manual");
	snprintf(m.report.source, sizeof m.report.source, "rbltool report");
	int opt, rc;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt != 's')
			return cli_bad_option(argv, REPORT_USAGE);
		if (strlen(optarg) >= sizeof m.report.source)
			return cli_bad_input("--source: longer than %zu bytes", sizeof m.report.source - 1);
		if ((rc = cli_check_text("--source", optarg)))
			return rc;
		snprintf(m.report.source, sizeof m.report.source, "%s", optarg);
	}
	if ((rc = cli_expect_args(argc, argv, optind, 1, REPORT_USAGE)))
		return rc;
	if (addr_parse(argv[optind], &m.report.addr))
		return cli_bad_input("invalid address '%s'", argv[optind]);
	m.report.arrival = time(NULL);
	if ((rc = cli_in_write_txn(cli, write_report, &m)))
		return rc;
	printf("reported %s%s\n", argv[optind], m.opted_out ? " (opted out: it will not be probed or listed)" : ": pending a probe");
	return CLI_OK;
}

/* --- optout */

struct optout_change {
	optout_record_t record;
	uint64_t delisted;
};

static int write_optout(store_wtxn_t *w, void *ctx)
{
	struct optout_change *c = ctx;
	int err = pipeline_optout_add(w, &c->record, &c->delisted);
	return err ? cli_fail("cannot record the opt-out: %s", rbl_strerror(err)) : CLI_OK;
}

static int delete_optout(store_wtxn_t *w, void *ctx)
{
	int err = pipeline_optout_del(w, ctx);
	char net[ADDR_STRLEN];
	cidr_format(ctx, net);
	if (err == RBL_ENOENT)
		return cli_fail("%s is not opted out (rbltool optout list shows the list)", net);
	return err ? cli_fail("cannot delete the opt-out: %s", rbl_strerror(err)) : CLI_OK;
}

static int print_optout(const optout_record_t *o, void *ctx)
{
	(void)ctx;
	char net[ADDR_STRLEN], when[TIME_STRLEN], reason[TEXT_ESCAPED_SIZE(sizeof o->reason)];
	cidr_format(&o->net, net);
	duration_format_time(o->created, when);
	printf("%s\t%s\t%s\n", net, when, cli_escaped(o->reason, reason, sizeof reason));
	return cli_output_failed() ? 1 : 0;
}

int cmd_optout(cli_t *cli, int argc, char **argv)
{
	static const char usage[] = "rbltool optout add CIDR [--reason TEXT] | optout del CIDR | optout list";
	static const struct option options[] = {{"reason", required_argument, NULL, 'r'}, {0}};
	if (argc < 2)
		return cli_bad_input("usage: %s", usage);
	const char *sub = argv[1];
	argc--;
	argv++;
	optind = 0;
	struct optout_change change;
	memset(&change, 0, sizeof change);
	optout_record_t *o = &change.record;
	int opt, rc;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt != 'r' || strcmp(sub, "add") != 0)
			return cli_bad_option(argv, usage);
		if (strlen(optarg) >= sizeof o->reason)
			return cli_bad_input("--reason: longer than %zu bytes", sizeof o->reason - 1);
		if ((rc = cli_check_text("--reason", optarg)))
			return rc;
		snprintf(o->reason, sizeof o->reason, "%s", optarg);
	}
	if (strcmp(sub, "list") == 0) {
		if ((rc = cli_expect_args(argc, argv, optind, 0, usage)) || (rc = cli_open(cli, false)))
			return rc;
		store_rtxn_t *r;
		int err = store_read_begin(cli->store, &r);
		if (!err)
			err = pipeline_optout_foreach(r, print_optout, NULL);
		store_read_end(r);
		if (cli_output_failed())
			return CLI_FAILED; /* main says why */
		return err ? cli_fail("cannot read the opt-out list: %s", rbl_strerror(err)) : CLI_OK;
	}
	if (strcmp(sub, "add") != 0 && strcmp(sub, "del") != 0)
		return cli_bad_input("unknown optout subcommand '%s' (add, del, list)", sub);
	if ((rc = cli_expect_args(argc, argv, optind, 1, usage)) || (rc = cli_parse_cidr(argv[optind], &o->net)))
		return rc;
	char net[ADDR_STRLEN];
	cidr_format(&o->net, net);
	if (strcmp(sub, "add") == 0) {
		if ((rc = cli_in_write_txn(cli, write_optout, &change)))
			return rc;
		printf("opted out %s: never probed, never listed by the pipeline", net);
		if (change.delisted)
			printf(" (%" PRIu64 " pipeline listing%s removed)", change.delisted, change.delisted == 1 ? "" : "s");
		printf("\n");
	} else {
		if ((rc = cli_in_write_txn(cli, delete_optout, &o->net)))
			return rc;
		printf("%s is no longer opted out\n", net);
	}
	return CLI_OK;
}
