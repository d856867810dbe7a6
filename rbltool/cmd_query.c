/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_query.c — rbltool query ZONE ADDR [--json]: prints exactly what dnsbld answers, by running the same answer code
 * (common/query/answer.c) on the same store and printing the response with ldns. */
#include "cmd.h"

#include "cli_json.h"
#include "query/answer.h"
#include "base/err.h"
#include "base/revname.h"
#include "web/web_answer.h"

#include <ldns/ldns.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define QUERY_USAGE "rbltool query ZONE ADDR [--json]"

/* The response dnsbld gives to qname/type, parsed into *pkt (the caller frees it). */
static int ask(answer_ctx_t *ctx, const char *qname, ldns_rr_type type, ldns_pkt **pkt)
{
	int err = web_answer_ask(ctx, qname, type, pkt);
	if (err == RBL_ENOMEM)
		return cli_fail("cannot build the query for %s: out of memory", qname);
	return err ? cli_fail("no valid answer for %s", qname) : CLI_OK;
}

static const char *rcode_name(const ldns_pkt *pkt)
{
	ldns_lookup_table *rcode = ldns_lookup_by_id(ldns_rcodes, ldns_pkt_get_rcode(pkt));
	return rcode ? rcode->name : "?";
}

static void print_answer(const char *qname, ldns_rr_type type, const ldns_pkt *pkt)
{
	char *type_text = ldns_rr_type2str(type);
	printf("%s %s: %s\n", qname, type_text, rcode_name(pkt));
	free(type_text);
	ldns_rr_list *answers = ldns_pkt_answer(pkt);
	for (size_t i = 0; i < ldns_rr_list_rr_count(answers); i++) {
		char *line = ldns_rr2str(ldns_rr_list_rr(answers, i));
		fputs(line, stdout);
		free(line);
	}
}

/* {"zone", "address", "name", "rcode", "listed", "ttl", "a", "txt"}: the two answers the text prints, in one. */
static int print_json(const zone_def_t *zone, const addr_t *addr, const char *qname, const ldns_pkt *a,
		      const ldns_pkt *txt)
{
	char text[ADDR_STRLEN];
	addr_format(addr, text);
	json_t *doc = json_object(), *codes = json_array(), *texts = json_array();
	long ttl = -1;
	web_answer_records(a, LDNS_RR_TYPE_A, codes, &ttl);
	web_answer_records(txt, LDNS_RR_TYPE_TXT, texts, &ttl);
	cli_json_set(doc, "zone", json_string(zone->name));
	cli_json_set(doc, "address", json_string(text));
	cli_json_set(doc, "name", json_string(qname));
	cli_json_set(doc, "rcode", json_string(rcode_name(a)));
	cli_json_set(doc, "listed", json_boolean(json_array_size(codes) > 0));
	cli_json_set(doc, "ttl", ttl >= 0 ? json_integer(ttl) : json_null());
	cli_json_set(doc, "a", codes);
	cli_json_set(doc, "txt", texts);
	return cli_json_print(doc);
}

/* Asks for A and TXT and prints both answers. */
static int ask_both(answer_ctx_t *ctx, const zone_def_t *zone, const addr_t *addr, const char *qname, bool json)
{
	ldns_pkt *a = NULL, *txt = NULL;
	int rc = ask(ctx, qname, LDNS_RR_TYPE_A, &a);
	if (!rc && !json)
		print_answer(qname, LDNS_RR_TYPE_A, a);
	if (!rc && !cli_output_failed())
		rc = ask(ctx, qname, LDNS_RR_TYPE_TXT, &txt);
	if (!rc && !json)
		print_answer(qname, LDNS_RR_TYPE_TXT, txt);
	if (!rc && json)
		rc = print_json(zone, addr, qname, a, txt);
	ldns_pkt_free(a);
	ldns_pkt_free(txt);
	return rc;
}

int cmd_query(cli_t *cli, int argc, char **argv)
{
	zone_def_t zone;
	addr_t addr;
	bool json;
	int rc;
	if ((rc = cli_parse_json_flag(argc, argv, QUERY_USAGE, &json)) ||
	    (rc = cli_expect_args(argc, argv, optind, 2, QUERY_USAGE)) ||
	    (rc = cli_zone_exists(cli, argv[optind], &zone)))
		return rc;
	if (addr_parse(argv[optind + 1], &addr))
		return cli_bad_input("invalid address '%s'", argv[optind + 1]);
	char rev[REVNAME_STRLEN], qname[REVNAME_STRLEN + DNAME_TEXTMAX + 2];
	revname_format(&addr, rev);
	snprintf(qname, sizeof qname, "%s.%s.", rev, zone.name);

	answer_ctx_t ctx;
	int err = answer_ctx_init(&ctx, cli->store);
	if (!err)
		err = answer_batch_begin(&ctx);
	if (err) {
		answer_ctx_free(&ctx);
		return cli_fail("cannot read the store: %s", rbl_strerror(err));
	}
	rc = ask_both(&ctx, &zone, &addr, qname, json);
	answer_ctx_free(&ctx);
	return rc;
}
