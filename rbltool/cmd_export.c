/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_export.c — rbltool export ZONE [--format rbldnsd|bind] [--output FILE]: a zone as a file another DNS server
 * loads (common/formats/export_*.c writes it). With --output the file is written as FILE.tmp, synced and renamed, so
 * that a server reloading it never reads half a file; without it, stdout. What the format cannot say as dnsbld does goes to
 * stderr, one line each, and a summary line ends the run. */
#include "cmd.h"

#include "base/err.h"
#include "formats/export.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXPORT_USAGE "rbltool export ZONE [--format rbldnsd|bind] [--output FILE]"

static void print_note(void *ctx, const char *note)
{
	const char *zone = ctx;
	fprintf(stderr, "rbltool: export %s: %s\n", zone, note);
}

/* Flushes, syncs and closes the temporary file; RBL_EIO if any of it fails. */
static int close_synced(FILE *f)
{
	int err = fflush(f) != 0 || fsync(fileno(f)) != 0 ? RBL_EIO : RBL_OK;
	if (fclose(f) != 0)
		err = RBL_EIO;
	return err;
}

static void print_summary(const zone_def_t *zone, const char *format, const char *output, const export_stats_t *s)
{
	fprintf(stderr, "rbltool: exported %s as %s to %s: %" PRIu64 " entries (%" PRIu64 " expired left out), ",
		zone->name, format, output ? output : "stdout", s->entries, s->expired);
	if (strcmp(format, "bind") == 0)
		fprintf(stderr, "%" PRIu64 " names (%" PRIu64 " wildcards), %" PRIu64 " records", s->names, s->wildcards,
			s->records);
	else
		fprintf(stderr, "%" PRIu64 " entry lines", s->records);
	fprintf(stderr, ", %" PRIu64 " bytes, %" PRIu64 " note%s\n", s->bytes, s->notes, s->notes == 1 ? "" : "s");
}

int cmd_export(cli_t *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{0},
	};
	const char *format = "rbldnsd", *output = NULL;
	int opt, rc;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'f':
			format = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		default:
			return cli_bad_option(argv, EXPORT_USAGE);
		}
	}
	int fmt = export_format_parse(format);
	if (fmt < 0)
		return cli_bad_input("--format: unknown format '%s' (rbldnsd or bind)", format);
	if (output && (!*output || strlen(output) + 5 > PATH_MAX))
		return cli_bad_input("--output: invalid file name '%s'", output);
	zone_def_t zone;
	if ((rc = cli_expect_args(argc, argv, optind, 1, EXPORT_USAGE)) || (rc = cli_zone_exists(cli, argv[optind], &zone)))
		return rc;

	char tmp[PATH_MAX];
	FILE *out = stdout;
	if (output) {
		snprintf(tmp, sizeof tmp, "%s.tmp", output);
		if (!(out = fopen(tmp, "w")))
			return cli_fail("cannot write %s: %s", tmp, strerror(errno));
	}
	export_opts_t opts = {.now = time(NULL), .note = print_note, .note_ctx = zone.name};
	export_stats_t stats;
	store_rtxn_t *r;
	int err = store_read_begin(cli->store, &r);
	if (!err) {
		err = fmt == EXPORT_BIND ? export_bind(r, zone.name, &opts, out, &stats)
					 : export_rbldnsd(r, zone.name, &opts, out, &stats);
		store_read_end(r);
	}
	if (output) {
		int close_err = close_synced(out);
		if (!err)
			err = close_err;
		if (!err && rename(tmp, output) != 0) {
			int saved = errno;
			unlink(tmp);
			return cli_fail("cannot rename %s to %s: %s", tmp, output, strerror(saved));
		}
		if (err)
			unlink(tmp);
	}
	if (err == RBL_ENOENT)
		return cli_fail("zone '%s' was deleted while exporting it", zone.name);
	if (err)
		return cli_fail("cannot export %s: %s", zone.name, rbl_strerror(err));
	print_summary(&zone, format, output, &stats);
	return CLI_OK;
}
