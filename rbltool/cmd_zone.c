/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_zone.c — rbltool zone create | set | list | show | delete. */
#include "cmd.h"

#include "cli_json.h"
#include "cmd_zone_journal.h"

#include "base/duration.h"
#include "base/err.h"
#include "base/text.h"
#include "relay/pipeline.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CREATE_USAGE                                                                                                 \
	"rbltool zone create ZONE [--ns NAME[=ADDR[,ADDR]...]]... [--contact EMAIL] [--code 127.0.0.N] "               \
	"[--txt TEMPLATE] [--ttl SECS] [--member ZONE]..."
#define SET_USAGE                                                                                                    \
	"rbltool zone set ZONE [--ns NAME[=ADDR[,ADDR]...]]... [--contact EMAIL] [--code 127.0.0.N] [--txt TEMPLATE] " \
	"[--ttl SECS]"

#define LIST_USAGE "rbltool zone list [--json]"
#define SHOW_USAGE "rbltool zone show ZONE [--json]"

/* One --ns NAME[=ADDR[,ADDR]...]: appended to def's name servers. */
static int parse_ns(const char *arg, zone_def_t *def)
{
	char text[DNAME_TEXTMAX + 256], name[DNAME_TEXTMAX];
	if (def->ns_count == ZONE_MAX_NS)
		return cli_bad_input("--ns: at most %d name servers", ZONE_MAX_NS);
	if (strlen(arg) >= sizeof text)
		return cli_bad_input("--ns: '%s' is too long", arg);
	snprintf(text, sizeof text, "%s", arg);
	char *addrs = strchr(text, '=');
	if (addrs)
		*addrs++ = '\0';
	if (dname_normalize(text, name))
		return cli_bad_input("--ns: invalid name server name '%s'", text);
	unsigned i = def->ns_count;
	memcpy(def->ns[i], name, sizeof name);
	def->ns_addr_count[i] = 0;
	for (char *save = NULL, *a = addrs ? strtok_r(addrs, ",", &save) : NULL; a; a = strtok_r(NULL, ",", &save)) {
		if (def->ns_addr_count[i] == ZONE_NS_ADDR_MAX)
			return cli_bad_input("--ns %s: at most %d addresses", name, ZONE_NS_ADDR_MAX);
		if (addr_parse(a, &def->ns_addr[i][def->ns_addr_count[i]]))
			return cli_bad_input("--ns %s: invalid address '%s'", name, a);
		def->ns_addr_count[i]++;
	}
	if (addrs && def->ns_addr_count[i] == 0)
		return cli_bad_input("--ns %s=: no address after '='", name);
	def->ns_count++;
	return CLI_OK;
}

/* A name server inside the zone needs its address (nobody else can give it); one outside must not have one (it is
 * not this zone's to give). */
static int check_ns(const zone_def_t *def)
{
	for (unsigned i = 0; i < def->ns_count; i++) {
		bool inside = zone_ns_in_zone(def, i);
		if (inside && def->ns_addr_count[i] == 0)
			return cli_bad_input("--ns %s lies inside zone %s: give its address (--ns %s=ADDR), or resolvers "
			                     "cannot find it",
			                     def->ns[i], def->name, def->ns[i]);
		if (!inside && def->ns_addr_count[i] > 0)
			return cli_bad_input("--ns %s: an address only for a name server inside zone %s (this one's address "
			                     "is up to its own zone)",
			                     def->ns[i], def->name);
	}
	return CLI_OK;
}

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
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'n':
			if ((rc = parse_ns(optarg, &def)))
				return rc;
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
	if ((rc = check_ns(&def)))
		return rc;
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

/* What zone set changes: each field only when its option was given. */
struct zone_changes {
	char name[DNAME_TEXTMAX];
	zone_def_t given; /* the options' values; ns_count > 0: the new name-server set */
	bool contact, code, txt, ttl;
};

static int apply_changes(store_wtxn_t *w, void *ctx)
{
	struct zone_changes *c = ctx;
	zone_def_t def;
	int err = store_zone_get_w(w, c->name, &def);
	if (err == RBL_ENOENT)
		return cli_bad_input("no such zone '%s'", c->name);
	if (err)
		return cli_fail("cannot read zone '%s': %s", c->name, rbl_strerror(err));
	if (c->given.ns_count) {
		def.ns_count = c->given.ns_count;
		memcpy(def.ns, c->given.ns, sizeof def.ns);
		memcpy(def.ns_addr_count, c->given.ns_addr_count, sizeof def.ns_addr_count);
		memcpy(def.ns_addr, c->given.ns_addr, sizeof def.ns_addr);
		memcpy(def.mname, def.ns[0], sizeof def.mname);
	}
	if (c->contact)
		memcpy(def.rname, c->given.rname, sizeof def.rname);
	if (c->code)
		def.default_code = c->given.default_code;
	if (c->txt)
		memcpy(def.txt, c->given.txt, sizeof def.txt);
	if (c->ttl)
		def.ttl = c->given.ttl;
	int rc = check_ns(&def);
	if (rc)
		return rc;
	if ((err = store_zone_update(w, &def)))
		return cli_fail("cannot change zone '%s': %s", def.name, rbl_strerror(err));
	printf("zone %s changed\n", def.name);
	return CLI_OK;
}

static int zone_set(cli_t *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{"ns", required_argument, NULL, 'n'},   {"contact", required_argument, NULL, 'm'},
		{"code", required_argument, NULL, 'c'}, {"txt", required_argument, NULL, 't'},
		{"ttl", required_argument, NULL, 'T'},  {0},
	};
	struct zone_changes c;
	memset(&c, 0, sizeof c);
	int opt, rc;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'n':
			if ((rc = parse_ns(optarg, &c.given)))
				return rc;
			break;
		case 'm':
			if (dname_from_email(optarg, c.given.rname))
				return cli_bad_input("--contact: invalid contact address '%s'", optarg);
			c.contact = true;
			break;
		case 'c':
			if ((rc = cli_parse_code("--code", optarg, &c.given.default_code)))
				return rc;
			c.code = true;
			break;
		case 't':
			if (strlen(optarg) >= sizeof c.given.txt)
				return cli_bad_input("--txt: template longer than %d bytes", ZONE_TXT_MAX - 1);
			if ((rc = cli_check_text("--txt", optarg)))
				return rc;
			snprintf(c.given.txt, sizeof c.given.txt, "%s", optarg);
			c.txt = true;
			break;
		case 'T':
			if ((rc = parse_ttl(optarg, &c.given.ttl)))
				return rc;
			c.ttl = true;
			break;
		default:
			return cli_bad_option(argv, SET_USAGE);
		}
	}
	if ((rc = cli_expect_args(argc, argv, optind, 1, SET_USAGE)))
		return rc;
	if (!c.given.ns_count && !c.contact && !c.code && !c.txt && !c.ttl)
		return cli_bad_input("zone set: nothing to change (usage: %s)", SET_USAGE);
	if (dname_normalize(argv[optind], c.name))
		return cli_bad_input("invalid zone name '%s'", argv[optind]);
	snprintf(c.given.name, sizeof c.given.name, "%s", c.name); /* check_ns in apply_changes reads the real zone */
	return cli_in_write_txn(cli, apply_changes, &c);
}

static int print_zone_line(const zone_def_t *def, void *ctx)
{
	(void)ctx;
	char code[ZONE_CODE_STRLEN];
	zone_code_format(def->default_code, code);
	printf("%s\tserial %" PRIu32 "\tttl %" PRIu32 "\tcode %s\tentries %" PRIu64 "\n", def->name, def->serial,
	       def->ttl, code, def->entries);
	return cli_output_failed() ? 1 : 0;
}

static json_t *zone_line_json(const zone_def_t *def)
{
	json_t *obj = json_object();
	cli_json_set(obj, "name", json_string(def->name));
	cli_json_set(obj, "serial", json_integer(def->serial));
	cli_json_set(obj, "ttl", json_integer(def->ttl));
	cli_json_set(obj, "entries", json_integer((json_int_t)def->entries));
	return cli_json_set(obj, "code", cli_json_code(def->default_code));
}

static int push_zone_line(const zone_def_t *def, void *ctx)
{
	cli_json_push(ctx, zone_line_json(def));
	return 0;
}

static int zone_list(cli_t *cli, int argc, char **argv)
{
	bool json;
	int rc = cli_parse_json_flag(argc, argv, LIST_USAGE, &json);
	if (rc || (rc = cli_expect_args(argc, argv, optind, 0, LIST_USAGE)) || (rc = cli_open(cli, false)))
		return rc;
	json_t *zones = json ? json_array() : NULL;
	store_rtxn_t *r;
	int err = store_read_begin(cli->store, &r);
	if (!err)
		err = json ? store_zone_foreach(r, push_zone_line, zones)
			   : store_zone_foreach(r, print_zone_line, NULL);
	store_read_end(r);
	if (cli_output_failed()) {
		json_decref(zones);
		return CLI_FAILED; /* main says why */
	}
	if (err) {
		json_decref(zones);
		return cli_fail("cannot list zones: %s", rbl_strerror(err));
	}
	return json ? cli_json_print(zones) : CLI_OK;
}

struct member_names {
	const zone_def_t *aggregate;
	json_t *names; /* --json: the "members" array; NULL: print them */
};

static int print_if_member(const zone_def_t *def, void *ctx)
{
	const struct member_names *m = ctx;
	for (unsigned i = 0; i < m->aggregate->member_count; i++) {
		if (m->aggregate->members[i] != def->id)
			continue;
		if (m->names)
			cli_json_push(m->names, json_string(def->name));
		else
			printf("member   %s\n", def->name);
	}
	return 0;
}

/* The aggregate's members, printed or (names not NULL) appended to names. */
static int show_members(cli_t *cli, const zone_def_t *def, json_t *names)
{
	if (!def->member_count)
		return CLI_OK;
	store_rtxn_t *r;
	struct member_names m = {def, names};
	int err = store_read_begin(cli->store, &r);
	if (!err)
		err = store_zone_foreach(r, print_if_member, &m);
	store_read_end(r);
	return err ? cli_fail("cannot read the store: %s", rbl_strerror(err)) : CLI_OK;
}

static void print_zone(const zone_def_t *def)
{
	char code[ZONE_CODE_STRLEN], created[TIME_STRLEN], changed[TIME_STRLEN], txt[TEXT_ESCAPED_SIZE(ZONE_TXT_MAX)];
	zone_code_format(def->default_code, code);
	duration_format_time(def->created, created);
	duration_format_time(def->changed, changed);
	printf("zone     %s\nsoa      %s %s %" PRIu32 " %" PRIu32 " %" PRIu32 " %" PRIu32 " %" PRIu32 "\n", def->name,
	       def->mname, def->rname, def->serial, def->refresh, def->retry, def->expire, def->minimum);
	for (unsigned i = 0; i < def->ns_count; i++) {
		printf("ns       %s", def->ns[i]);
		for (unsigned k = 0; k < def->ns_addr_count[i]; k++) {
			char addr[ADDR_STRLEN];
			addr_format(&def->ns_addr[i][k], addr);
			printf(" %s", addr);
		}
		if (zone_ns_in_zone(def, i) && def->ns_addr_count[i] == 0)
			printf("  (inside the zone without an address: resolvers cannot find it; rbltool zone set %s "
			       "--ns %s=ADDR)",
			       def->name, def->ns[i]);
		printf("\n");
	}
	printf("ttl      %" PRIu32 "\ncode     %s\ntxt      %s\ncreated  %s\nchanged  %s\nentries  %" PRIu64 "\n", def->ttl,
	       code, cli_escaped(def->txt, txt, sizeof txt), created, changed, def->entries);
}

static json_t *soa_json(const zone_def_t *def)
{
	json_t *soa = json_object();
	cli_json_set(soa, "mname", json_string(def->mname));
	cli_json_set(soa, "rname", json_string(def->rname));
	cli_json_set(soa, "serial", json_integer(def->serial));
	cli_json_set(soa, "refresh", json_integer(def->refresh));
	cli_json_set(soa, "retry", json_integer(def->retry));
	cli_json_set(soa, "expire", json_integer(def->expire));
	return cli_json_set(soa, "minimum", json_integer(def->minimum));
}

/* Name server i: its name, its addresses, and whether it lacks the address only this zone can give. */
static json_t *ns_json(const zone_def_t *def, unsigned i)
{
	json_t *ns = json_object(), *addrs = json_array();
	for (unsigned k = 0; k < def->ns_addr_count[i]; k++) {
		char addr[ADDR_STRLEN];
		addr_format(&def->ns_addr[i][k], addr);
		cli_json_push(addrs, json_string(addr));
	}
	cli_json_set(ns, "name", json_string(def->ns[i]));
	cli_json_set(ns, "addresses", addrs);
	return cli_json_set(ns, "address_missing", json_boolean(zone_ns_in_zone(def, i) && !def->ns_addr_count[i]));
}

static json_t *zone_json(const zone_def_t *def)
{
	json_t *obj = json_object(), *ns = json_array();
	for (unsigned i = 0; i < def->ns_count; i++)
		cli_json_push(ns, ns_json(def, i));
	cli_json_set(obj, "name", json_string(def->name));
	cli_json_set(obj, "soa", soa_json(def));
	cli_json_set(obj, "ns", ns);
	cli_json_set(obj, "ttl", json_integer(def->ttl));
	cli_json_set(obj, "code", cli_json_code(def->default_code));
	cli_json_set(obj, "txt", cli_json_text(def->txt));
	cli_json_set(obj, "created", cli_json_time(def->created));
	cli_json_set(obj, "changed", cli_json_time(def->changed));
	return cli_json_set(obj, "entries", json_integer((json_int_t)def->entries));
}

static int zone_show(cli_t *cli, int argc, char **argv)
{
	zone_def_t def;
	bool json;
	int rc = cli_parse_json_flag(argc, argv, SHOW_USAGE, &json);
	if (rc || (rc = cli_expect_args(argc, argv, optind, 1, SHOW_USAGE)) ||
	    (rc = cli_zone_exists(cli, argv[optind], &def)))
		return rc;
	if (!json) {
		print_zone(&def);
		rc = show_members(cli, &def, NULL);
		return rc ? rc : zone_journal_print(cli, &def);
	}
	json_t *doc = zone_json(&def), *members = json_array();
	if ((rc = show_members(cli, &def, members))) {
		json_decref(members);
		json_decref(doc);
		return rc;
	}
	cli_json_set(doc, "members", members);
	if ((rc = zone_journal_json(cli, &def, doc))) {
		json_decref(doc);
		return rc;
	}
	return cli_json_print(doc);
}

/* The pipeline listings of a zone about to be deleted: each gets a "delisted" event, so that the history of its
 * address outlives the zone. Pipeline zones are small; a large imported zone costs one walk of its entries. */
struct zone_gone {
	pipeline_event_t *events;
	size_t count, cap;
	int err;
};

static int collect_listing(const entry_t *e, void *arg)
{
	struct zone_gone *g = arg;
	if (!e->evidence || (e->flags & ENTRY_EXCLUDE))
		return 0;
	if (g->count == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 16;
		pipeline_event_t *grown = realloc(g->events, cap * sizeof *grown);
		if (!grown)
			return g->err = RBL_ENOMEM;
		g->events = grown;
		g->cap = cap;
	}
	pipeline_event_t *ev = &g->events[g->count++];
	memset(ev, 0, sizeof *ev);
	ev->addr = e->net.addr;
	ev->kind = EVENT_DELISTED_OPERATOR;
	ev->probe_id = e->evidence;
	ev->expires = e->expires;
	ev->ncodes = e->ncodes;
	memcpy(ev->codes, e->codes, sizeof ev->codes);
	snprintf(ev->note, sizeof ev->note, "zone deleted");
	return 0;
}

/* Deletes the zone in w, with the events of its pipeline listings (read in a snapshot begun inside w: with one
 * writer, the state w started from). */
static int delete_with_history(cli_t *cli, store_wtxn_t *w, const zone_def_t *def)
{
	struct zone_gone g = {0};
	store_rtxn_t *r;
	int err = store_read_begin(cli->store, &r);
	if (err)
		return err;
	err = store_entry_foreach(r, def->id, collect_listing, &g);
	store_read_end(r);
	if (!err && g.err)
		err = g.err;
	if (!err)
		err = store_zone_delete(w, def->name);
	for (size_t i = 0; !err && i < g.count; i++) {
		g.events[i].zone_id = def->id;
		snprintf(g.events[i].zone, sizeof g.events[i].zone, "%s", def->name);
		err = pipeline_event_add(w, &g.events[i]);
	}
	free(g.events);
	return err;
}

static int zone_delete(cli_t *cli, int argc, char **argv)
{
	zone_def_t def;
	int rc = cli_expect_args(argc, argv, 1, 1, "rbltool zone delete ZONE");
	if (rc || (rc = cli_zone_exists(cli, argv[1], &def)) || (rc = cli_open(cli, true)))
		return rc;
	store_wtxn_t *w;
	int err = store_write_begin(cli->store, &w);
	if (!err && (err = delete_with_history(cli, w, &def)))
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
	} subs[] = {{"create", zone_create}, {"set", zone_set},       {"list", zone_list},
		    {"show", zone_show},     {"delete", zone_delete}, {"diff", zone_diff}};
	if (argc < 2)
		return cli_bad_input("usage: rbltool zone create|set|list|show|delete|diff ...");
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
		if (strcmp(argv[1], subs[i].name) == 0) {
			optind = 0; /* glibc: restart getopt for the subcommand's own options */
			return subs[i].fn(cli, argc - 1, argv + 1);
		}
	return cli_bad_input("unknown zone subcommand '%s' (create, set, list, show, delete, diff)", argv[1]);
}
