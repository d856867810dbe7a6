/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_query.c — rbltool query ZONE ADDR: prints exactly what dnsbld answers, by running the same answer code
 * (common/query/answer.c) on the same store and printing the response with ldns. */
#include "cmd.h"

#include "query/answer.h"
#include "base/err.h"
#include "base/revname.h"

#include <ldns/ldns.h>
#include <stdio.h>
#include <string.h>

static int ask(answer_ctx_t *ctx, const char *qname, ldns_rr_type type)
{
	ldns_rdf *name = ldns_dname_new_frm_str(qname);
	if (!name)
		return cli_bad_input("cannot form the query name '%s'", qname);
	ldns_pkt *query = ldns_pkt_query_new(name, type, LDNS_RR_CLASS_IN, 0);
	uint8_t *wire = NULL;
	size_t wire_len = 0;
	ldns_status st = ldns_pkt2wire(&wire, query, &wire_len);
	ldns_pkt_free(query);
	if (st != LDNS_STATUS_OK)
		return cli_fail("cannot build the query: %s", ldns_get_errorstr_by_id(st));
	uint8_t response[65535];
	size_t n = answer_packet(ctx, wire, wire_len, response, sizeof response, true);
	free(wire);
	ldns_pkt *pkt = NULL;
	if (!n || ldns_wire2pkt(&pkt, response, n) != LDNS_STATUS_OK)
		return cli_fail("no valid answer for %s", qname);
	ldns_lookup_table *rcode = ldns_lookup_by_id(ldns_rcodes, ldns_pkt_get_rcode(pkt));
	char *type_text = ldns_rr_type2str(type);
	printf("%s %s: %s\n", qname, type_text, rcode ? rcode->name : "?");
	free(type_text);
	ldns_rr_list *answers = ldns_pkt_answer(pkt);
	for (size_t i = 0; i < ldns_rr_list_rr_count(answers); i++) {
		char *line = ldns_rr2str(ldns_rr_list_rr(answers, i));
		fputs(line, stdout);
		free(line);
	}
	ldns_pkt_free(pkt);
	return CLI_OK;
}

int cmd_query(cli_t *cli, int argc, char **argv)
{
	zone_def_t zone;
	addr_t addr;
	int rc;
	if ((rc = cli_expect_args(argc, argv, 1, 2, "rbltool query ZONE ADDR")) ||
	    (rc = cli_zone_exists(cli, argv[1], &zone)))
		return rc;
	if (addr_parse(argv[2], &addr))
		return cli_bad_input("invalid address '%s'", argv[2]);
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
	rc = ask(&ctx, qname, LDNS_RR_TYPE_A);
	if (!rc && !cli_output_failed())
		rc = ask(&ctx, qname, LDNS_RR_TYPE_TXT);
	answer_ctx_free(&ctx);
	return rc;
}
