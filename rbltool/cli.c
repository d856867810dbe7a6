/* SPDX-License-Identifier: BSD-2-Clause */
/* cli.c — shared helpers of rbltool's subcommands. */
#include "cli.h"

#include "base/dname.h"
#include "base/err.h"
#include "store/zone.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>

static void vmessage(const char *fmt, va_list ap)
{
	fputs("rbltool: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int cli_bad_input(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	return CLI_BAD_INPUT;
}

int cli_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	return CLI_FAILED;
}

int cli_open(cli_t *cli, bool write)
{
	if (cli->store)
		return CLI_OK;
	int err = store_open(cli->db_dir, write ? STORE_CREATE : 0, &cli->store);
	if (err)
		return cli_fail("cannot open the store %s: %s", cli->db_dir, rbl_strerror(err));
	return CLI_OK;
}

int cli_parse_cidr(const char *text, cidr_t *out)
{
	int err = cidr_parse(text, out);
	if (err)
		return cli_bad_input("invalid address or CIDR '%s': %s", text, rbl_strerror(err));
	return CLI_OK;
}

int cli_zone_exists(cli_t *cli, const char *text, zone_def_t *def)
{
	char name[DNAME_TEXTMAX];
	int err = dname_normalize(text, name);
	if (err)
		return cli_bad_input("invalid zone name '%s': %s", text, rbl_strerror(err));
	int rc = cli_open(cli, false);
	if (rc)
		return rc;
	store_rtxn_t *r;
	err = store_read_begin(cli->store, &r);
	if (err)
		return cli_fail("cannot read the store: %s", rbl_strerror(err));
	err = store_zone_get(r, name, def);
	store_read_end(r);
	if (err == RBL_ENOENT)
		return cli_bad_input("unknown zone '%s' (see: rbltool zone list)", text);
	if (err)
		return cli_fail("cannot read zone '%s': %s", text, rbl_strerror(err));
	return CLI_OK;
}

int cli_parse_code(const char *opt, const char *text, uint32_t *code)
{
	int err = zone_code_parse(text, code);
	if (err == RBL_ERANGE)
		return cli_bad_input("%s: code '%s' is outside 127.0.0.0/8", opt, text);
	if (err)
		return cli_bad_input("%s: invalid code '%s' (expected 127.0.0.N)", opt, text);
	return CLI_OK;
}

int cli_expect_args(int argc, char **argv, int first, int want, const char *usage)
{
	int have = argc - first;
	if (have > want)
		return cli_bad_input("unexpected argument '%s' (usage: %s)", argv[first + want], usage);
	if (have < want)
		return cli_bad_input("missing argument after '%s' (usage: %s)", argv[argc - 1], usage);
	return CLI_OK;
}

int cli_bad_option(char **argv, const char *usage)
{
	/* getopt is silenced (opterr = 0): this is the one line the user sees. optind has moved past the option. */
	const char *opt = optind > 0 ? argv[optind - 1] : "?";
	if (optopt && optopt != '?')
		return cli_bad_input("option '%s' needs a value (usage: %s)", opt, usage);
	return cli_bad_input("unknown option '%s' (usage: %s)", opt, usage);
}

int cli_in_write_txn(cli_t *cli, int (*fn)(store_wtxn_t *w, void *ctx), void *ctx)
{
	int rc = cli_open(cli, true);
	if (rc)
		return rc;
	store_wtxn_t *w;
	int err = store_write_begin(cli->store, &w);
	if (err)
		return cli_fail("cannot write the store: %s", rbl_strerror(err));
	rc = fn(w, ctx);
	if (rc) {
		store_write_abort(w);
		return rc;
	}
	err = store_write_commit(w);
	return err ? cli_fail("cannot commit: %s", rbl_strerror(err)) : CLI_OK;
}
