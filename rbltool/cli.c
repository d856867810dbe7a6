/* SPDX-License-Identifier: BSD-2-Clause */
/* cli.c — shared helpers of rbltool's subcommands. */
#include "cli.h"

#include "base/dname.h"
#include "base/err.h"
#include "base/text.h"
#include "conf/conf.h"
#include "store/zone.h"
#include "xfr/xfr_conf.h"
#include "xfr/xfr_journal.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The errno of the first failed write to stdout; 0 while none failed. */
static int output_errno;

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

struct db_setting {
	char *buf;
	size_t cap;
};

static int take_db(void *target, const char *value, char *why, size_t why_size)
{
	struct db_setting *d = target;
	if (!*value || strlen(value) >= d->cap) {
		snprintf(why, why_size, "%s", *value ? "too long" : "empty");
		return RBL_EINVAL;
	}
	snprintf(d->buf, d->cap, "%s", value);
	return RBL_OK;
}

int cli_default_db(const char *config, char *buf, size_t cap)
{
	const char *env = getenv("DNSBL_DB");
	if (env) {
		snprintf(buf, cap, "%s", env); /* empty: cli_check_db refuses it */
		return CLI_OK;
	}
	store_default_dir(buf, cap);
	if (!config)
		return CLI_OK;
	static const conf_key_t keys[] = {{"", "db", false, take_db}};
	struct db_setting d = {buf, cap};
	conf_error_t err;
	int rc = conf_read(config, keys, 1, CONF_IGNORE_UNKNOWN, &d, &err);
	if (rc != RBL_OK && rc != RBL_ENOENT) {
		fprintf(stderr, "rbltool: %s\n", err.message);
		return CLI_BAD_INPUT;
	}
	return CLI_OK;
}

int cli_check_db(const cli_t *cli)
{
	if (!*cli->db_dir)
		return cli_bad_input("the store directory is empty (--db '' or DNSBL_DB=''): name a directory");
	return CLI_OK;
}

/* The journal of the configuration's transferable zones, kept by every commit of this handle. */
static int keep_journals(cli_t *cli)
{
	if (!cli->config || cli->xfr)
		return CLI_OK;
	if (!(cli->xfr = malloc(sizeof *cli->xfr)))
		return cli_fail("out of memory");
	conf_error_t err;
	int rc = xfr_conf_read_zones(cli->config, cli->xfr, &err);
	if (rc == RBL_ENOENT) /* the packaged file, not installed: no transferable zone */
		return CLI_OK;
	if (rc)
		return cli_bad_input("%s", err.message);
	if (cli->xfr->zone_count)
		store_set_commit_hook(cli->store, xfr_journal_hook, cli->xfr);
	return CLI_OK;
}

void cli_close(cli_t *cli)
{
	store_close(cli->store);
	cli->store = NULL;
	free(cli->xfr);
	cli->xfr = NULL;
}

int cli_open(cli_t *cli, bool write)
{
	if (cli->store)
		return write ? keep_journals(cli) : CLI_OK;
	int rc = cli_check_db(cli);
	if (rc)
		return rc;
	int err = store_open(cli->db_dir, write ? STORE_CREATE : 0, &cli->store);
	if (err == RBL_ENOENT)
		return cli_fail("no store in %s (a command that writes, such as zone create, makes one)", cli->db_dir);
	if (err == RBL_EDAMAGED)
		return cli_fail("cannot open the store %s: it is damaged (see README: recovery)", cli->db_dir);
	if (err)
		return cli_fail("cannot open the store %s: %s", cli->db_dir, rbl_strerror(err));
	if (store_created(cli->store))
		fprintf(stderr, "rbltool: created a new store in %s\n", cli->db_dir);
	return write ? keep_journals(cli) : CLI_OK;
}

int cli_parse_cidr(const char *text, cidr_t *out)
{
	int err = cidr_parse(text, out);
	if (err)
		return cli_bad_input("invalid address or CIDR '%s': %s", text, rbl_strerror(err));
	return CLI_OK;
}

unsigned cli_widest(enum addr_family family)
{
	return family == ADDR_V4 ? CLI_WIDEST_V4 : CLI_WIDEST_V6;
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

int cli_parse_json_flag(int argc, char **argv, const char *usage, bool *json)
{
	static const struct option options[] = {{"json", no_argument, NULL, 'j'}, {0}};
	int opt;
	*json = false;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt != 'j')
			return cli_bad_option(argv, usage);
		*json = true;
	}
	return CLI_OK;
}

void cli_codes_text(const entry_t *e, uint32_t default_code, char *buf, size_t cap)
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
	/* getopt sets optopt for an unknown short option too; no subcommand has a short option, so "-x" is unknown. */
	bool short_option = opt[0] == '-' && opt[1] != '-';
	if (optopt && optopt != '?' && !short_option)
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

int cli_check_text(const char *opt, const char *text)
{
	const char *bad = text_has_control(text, strlen(text));
	if (!bad)
		return CLI_OK;
	char shown[TEXT_ESCAPED_SIZE(256)];
	size_t need = text_escape(text, strlen(text), shown, sizeof shown);
	return cli_bad_input("%s: control character 0x%02x not allowed in '%s'%s", opt, (unsigned char)*bad, shown,
			     need >= sizeof shown ? "..." : "");
}

const char *cli_escaped(const char *text, char *buf, size_t cap)
{
	text_escape(text, strlen(text), buf, cap);
	return buf;
}

void cli_print_escaped(const char *text, size_t len)
{
	char chunk[TEXT_ESCAPED_SIZE(256)];
	for (size_t done = 0; done < len;) {
		size_t n = len - done < 256 ? len - done : 256;
		size_t out = text_escape(text + done, n, chunk, sizeof chunk);
		fwrite(chunk, 1, out, stdout);
		done += n;
	}
}

bool cli_output_failed(void)
{
	if (!ferror(stdout))
		return false;
	/* Called right after the write that failed, errno is still that write's. */
	if (!output_errno)
		output_errno = errno ? errno : EIO;
	return true;
}

int cli_close_output(int rc)
{
	/* stdio keeps what it could not write, so flushing again gives the reason afresh, and that errno is surely the
	 * write's; a write that failed earlier and left nothing behind is known by ferror and the errno kept then. */
	errno = 0;
	int why = fflush(stdout) != 0 ? (errno ? errno : EIO) : 0;
	if (cli_output_failed() && !why)
		why = output_errno;
	errno = 0;
	if (fclose(stdout) != 0 && !why)
		why = errno ? errno : EIO;
	if (!why)
		return rc;
	cli_fail("cannot write the output: %s", strerror(why));
	return rc ? rc : CLI_FAILED;
}
