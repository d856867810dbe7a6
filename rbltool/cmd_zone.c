/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_zone.c — rbltool zone create | list | show | delete. */
#include "cmd.h"

#include "base/duration.h"
#include "base/err.h"
#include "base/text.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CREATE_USAGE                                                                                                 \
	"rbltool zone create ZONE [--ns NAME]... [--contact EMAIL] [--code 127.0.0.N] [--txt TEMPLATE] [--ttl SECS] "  \
	"[--member ZONE]..."

/* A TTL as seconds or as a duration ("15m"). */
static int parse_ttl(const char *text, uint32_t *ttl)
{
	char *end;
	unsigned long v = strtoul(text, &end, 10);
	int64_t secs;
	if (*text && !*end && text[0] != '-' && v <= 604800) {
		*ttl = (uint32_t)v;
		return CLI_OK;
	}
	if (duration_parse(text, &secs) == RBL_OK && secs <= 604800) {
		*ttl = (uint32_t)secs;
		return CLI_OK;
	}
	return cli_bad_input("--ttl: invalid TTL '%s' (seconds up to 604800, or a duration such as 15m)", text);
}

static int zone_create(cli_t *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{"ns", required_argument, NULL, 'n'},   {"contact", required_argument, NULL, 'm'},
		{"code", required_argument, NULL, 'c'}, {"txt", required_argument, NULL, 't'},
		{"ttl", required_argument, NULL, 'T'},  {"member", required_argument, NULL, 'M'},
		{0},
	};
	zone_def_t def;
	zone_def_init(&def, "", time(NULL));
	bool contact = false;
	const char *members[ZONE_MAX_MEMBERS];
	unsigned member_count = 0;
	int opt, rc;
	char name[DNAME_TEXTMAX];
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'n':
			if (def.ns_count == ZONE_MAX_NS)
				return cli_bad_input("--ns: at most %d name servers", ZONE_MAX_NS);
			if (dname_normalize(optarg, name))
				return cli_bad_input("--ns: invalid name server name '%s'", optarg);
			memcpy(def.ns[def.ns_count++], name, sizeof name);
			break;
		case 'm':
			if (dname_from_email(optarg, def.rname))
				return cli_bad_input("--contact: invalid contact address '%s'", optarg);
			contact = true;
			break;
		case 'c':
			if ((rc = cli_parse_code("--code", optarg, &def.default_code)))
				return rc;
			break;
		case 't':
			if (strlen(optarg) >= sizeof def.txt)
				return cli_bad_input("--txt: template longer than %d bytes", ZONE_TXT_MAX - 1);
			if ((rc = cli_check_text("--txt", optarg)))
				return rc;
			snprintf(def.txt, sizeof def.txt, "%s", optarg);
			break;
		case 'T':
			if ((rc = parse_ttl(optarg, &def.ttl)))
				return rc;
			break;
		case 'M':
			if (member_count == ZONE_MAX_MEMBERS)
				return cli_bad_input("--member: at most %d members", ZONE_MAX_MEMBERS);
			members[member_count++] = optarg;
			break;
		default:
			return cli_bad_option(argv, CREATE_USAGE);
		}
	}
	if ((rc = cli_expect_args(argc, argv, optind, 1, CREATE_USAGE)))
		return rc;
	int err = dname_normalize(argv[optind], def.name);
	if (err || strcmp(def.name, ".") == 0)
		return cli_bad_input("invalid zone name '%s': %s", argv[optind],
				     err ? rbl_strerror(err) : "the root cannot be a zone");
	if (!contact) {
		char rname[DNAME_TEXTMAX + 16];
		snprintf(rname, sizeof rname, "hostmaster.%s", def.name);
		if (dname_normalize(rname, def.rname))
			return cli_bad_input("zone name '%s' is too long for the default contact: give --contact",
					     argv[optind]);
	}
	if (def.ns_count)
		memcpy(def.mname, def.ns[0], sizeof def.mname);
	for (unsigned i = 0; i < member_count; i++) {
		zone_def_t member;
		if ((rc = cli_zone_exists(cli, members[i], &member)))
			return rc;
		if (member.member_count)
			return cli_bad_input("--member: '%s' is itself an aggregate (aggregates do not nest)", members[i]);
		def.members[def.member_count++] = member.id;
	}
	if ((rc = cli_open(cli, true)))
		return rc;
	store_wtxn_t *w;
	if ((err = store_write_begin(cli->store, &w)))
		return cli_fail("cannot write the store: %s", rbl_strerror(err));
	err = store_zone_create(w, &def);
	if (err) {
		store_write_abort(w);
		if (err == RBL_EEXIST)
			return cli_bad_input("zone '%s' already exists", def.name);
		return cli_fail("cannot create zone '%s': %s", def.name, rbl_strerror(err));
	}
	if ((err = store_write_commit(w)))
		return cli_fail("cannot commit: %s", rbl_strerror(err));
	printf("zone %s created (serial %" PRIu32 ")\n", def.name, def.serial);
	return CLI_OK;
}

static int print_zone_line(const zone_def_t *def, void *ctx)
{
	(void)ctx;
	char code[ZONE_CODE_STRLEN];
	zone_code_format(def->default_code, code);
	printf("%s\tserial %" PRIu32 "\tttl %" PRIu32 "\tcode %s\n", def->name, def->serial, def->ttl, code);
	return cli_output_failed() ? 1 : 0;
}

static int zone_list(cli_t *cli, int argc, char **argv)
{
	int rc = cli_expect_args(argc, argv, 1, 0, "rbltool zone list");
	if (rc || (rc = cli_open(cli, false)))
		return rc;
	store_rtxn_t *r;
	int err = store_read_begin(cli->store, &r);
	if (!err)
		err = store_zone_foreach(r, print_zone_line, NULL);
	store_read_end(r);
	if (cli_output_failed())
		return CLI_FAILED; /* main says why */
	return err ? cli_fail("cannot list zones: %s", rbl_strerror(err)) : CLI_OK;
}

struct member_names {
	const zone_def_t *aggregate;
};

static int print_if_member(const zone_def_t *def, void *ctx)
{
	const struct member_names *m = ctx;
	for (unsigned i = 0; i < m->aggregate->member_count; i++)
		if (m->aggregate->members[i] == def->id)
			printf("member   %s\n", def->name);
	return 0;
}

static int show_members(cli_t *cli, const zone_def_t *def)
{
	if (!def->member_count)
		return CLI_OK;
	store_rtxn_t *r;
	struct member_names m = {def};
	int err = store_read_begin(cli->store, &r);
	if (!err)
		err = store_zone_foreach(r, print_if_member, &m);
	store_read_end(r);
	return err ? cli_fail("cannot read the store: %s", rbl_strerror(err)) : CLI_OK;
}

static int zone_show(cli_t *cli, int argc, char **argv)
{
	zone_def_t def;
	int rc = cli_expect_args(argc, argv, 1, 1, "rbltool zone show ZONE");
	if (rc || (rc = cli_zone_exists(cli, argv[1], &def)))
		return rc;
	char code[ZONE_CODE_STRLEN], created[TIME_STRLEN], txt[TEXT_ESCAPED_SIZE(ZONE_TXT_MAX)];
	zone_code_format(def.default_code, code);
	duration_format_time(def.created, created);
	printf("zone     %s\nsoa      %s %s %" PRIu32 " %" PRIu32 " %" PRIu32 " %" PRIu32 " %" PRIu32 "\n", def.name,
	       def.mname, def.rname, def.serial, def.refresh, def.retry, def.expire, def.minimum);
	for (unsigned i = 0; i < def.ns_count; i++)
		printf("ns       %s\n", def.ns[i]);
	printf("ttl      %" PRIu32 "\ncode     %s\ntxt      %s\ncreated  %s\n", def.ttl, code,
	       cli_escaped(def.txt, txt, sizeof txt), created);
	return show_members(cli, &def);
}

static int zone_delete(cli_t *cli, int argc, char **argv)
{
	zone_def_t def;
	int rc = cli_expect_args(argc, argv, 1, 1, "rbltool zone delete ZONE");
	if (rc || (rc = cli_zone_exists(cli, argv[1], &def)))
		return rc;
	store_wtxn_t *w;
	int err = store_write_begin(cli->store, &w);
	if (!err && (err = store_zone_delete(w, def.name)))
		store_write_abort(w);
	if (!err)
		err = store_write_commit(w);
	if (err)
		return cli_fail("cannot delete zone '%s': %s", def.name, rbl_strerror(err));
	printf("zone %s deleted\n", def.name);
	return CLI_OK;
}

int cmd_zone(cli_t *cli, int argc, char **argv)
{
	static const struct {
		const char *name;
		cli_command_fn fn;
	} subs[] = {{"create", zone_create}, {"list", zone_list}, {"show", zone_show}, {"delete", zone_delete}};
	if (argc < 2)
		return cli_bad_input("usage: rbltool zone create|list|show|delete ...");
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
		if (strcmp(argv[1], subs[i].name) == 0) {
			optind = 0; /* glibc: restart getopt for the subcommand's own options */
			return subs[i].fn(cli, argc - 1, argv + 1);
		}
	return cli_bad_input("unknown zone subcommand '%s' (create, list, show, delete)", argv[1]);
}
