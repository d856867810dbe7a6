/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_rdns.c — rbltool rdns ADDR...: forward-confirmed reverse DNS of each address, all looked up at once through
 * the operator's resolver (common/resolve/rdns.c), printed in the order given. "rbltool rdns --help" is main.c's.
 * Exit status: 0 every address forward-confirmed, 3 any is not (no PTR, no name leading back, a failed lookup),
 * 2 bad input, 1 no resolver to ask. */
#include "cmd.h"

#include "cli_json.h"
#include "cli_resolver.h"

#include "base/duration.h"
#include "base/err.h"
#include "resolve/resolve.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RDNS_USAGE "rbltool rdns ADDR... [--resolver ADDR[:PORT]] [--timeout SECS] [--json]"
#define RDNS_NOT_CONFIRMED 3 /* exit status: some address is not forward-confirmed */
#define MAX_TIMEOUT_SECS 60

struct rdns_run {
	resolver_t *resolver;
	size_t count, done;
	rdns_result_t *results;
};

struct rdns_slot {
	struct rdns_run *run;
	size_t index;
};

static int parse_timeout(const char *text, unsigned *ms)
{
	int64_t secs;
	char *end, shown[128];
	if (duration_parse(text, &secs)) { /* a bare number is seconds */
		secs = strtol(text, &end, 10);
		if (!*text || *end || text[0] == '-' || text[0] == '+')
			return cli_bad_input("--timeout: invalid duration '%s' (seconds, or e.g. 5s)",
			                     cli_escaped(text, shown, sizeof shown));
	}
	if (secs < 1 || secs > MAX_TIMEOUT_SECS)
		return cli_bad_input("--timeout: '%s' is outside 1s..60s", cli_escaped(text, shown, sizeof shown));
	*ms = (unsigned)secs * 1000u;
	return CLI_OK;
}

static void on_result(void *ctx, const rdns_result_t *result)
{
	struct rdns_slot *slot = ctx;
	struct rdns_run *run = slot->run;
	run->results[slot->index] = *result;
	if (++run->done == run->count)
		resolver_free(run->resolver); /* the loop ends once its handles are closed */
}

/* {"address", then cli_json_rdns's fields}. */
static json_t *result_json(const rdns_result_t *res)
{
	char addr[ADDR_STRLEN];
	addr_format(&res->addr, addr);
	json_t *obj = json_object(), *rdns = cli_json_rdns(res);
	cli_json_set(obj, "address", json_string(addr));
	if (!obj || !rdns || json_object_update(obj, rdns))
		cli_json_set(obj, "rdns", NULL); /* marks the document incomplete: cli_json_print fails */
	json_decref(rdns);
	return obj;
}

static int print_results(const struct rdns_run *run, bool json)
{
	if (json) {
		json_t *doc = json_array();
		for (size_t i = 0; i < run->count; i++)
			cli_json_push(doc, result_json(&run->results[i]));
		return cli_json_print(doc);
	}
	for (size_t i = 0; i < run->count && !cli_output_failed(); i++) {
		char addr[ADDR_STRLEN], line[RESOLVE_NAME_MAX + 128];
		addr_format(&run->results[i].addr, addr);
		rdns_describe(&run->results[i], line, sizeof line);
		printf("%s\t%s\n", addr, line);
	}
	return CLI_OK;
}

/* Every address at once on one loop; results[i] for addrs[i]. CLI_OK or CLI_FAILED after a message. */
static int run_lookups(const resolver_config_t *cfg, struct rdns_run *run, const addr_t *addrs)
{
	uv_loop_t loop;
	if (uv_loop_init(&loop))
		return cli_fail("cannot start the event loop");
	struct rdns_slot *slots = calloc(run->count, sizeof *slots);
	int err = slots ? resolver_new(&loop, cfg, &run->resolver) : RBL_ENOMEM;
	if (err) {
		free(slots);
		uv_run(&loop, UV_RUN_DEFAULT);
		uv_loop_close(&loop);
		if (err == RBL_ENOENT)
			return cli_fail(
			        "no resolver to ask: /etc/resolv.conf names none (use --resolver or DNSBL_RESOLVER)");
		return cli_fail("cannot start the resolver: %s", rbl_strerror(err));
	}
	for (size_t i = 0; i < run->count; i++) {
		slots[i] = (struct rdns_slot){run, i};
		run->results[i].addr = addrs[i];
		run->results[i].ptr = RESOLVE_ERROR;
		if (rdns_lookup(run->resolver, &addrs[i], on_result, &slots[i]) != RBL_OK)
			run->done++; /* out of memory: this address stays "PTR lookup failed" */
	}
	if (run->done == run->count)
		resolver_free(run->resolver);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	free(slots);
	return CLI_OK;
}

int cmd_rdns(cli_t *cli, int argc, char **argv)
{
	static const struct option options[] = {
	        {"resolver", required_argument, NULL, 'r'},
	        {"timeout", required_argument, NULL, 't'},
	        {"json", no_argument, NULL, 'j'},
	        {0},
	};
	const char *resolver_opt = NULL;
	resolver_config_t cfg = {NULL, 0};
	bool json = false;
	int opt, rc;
	(void)cli; /* no store: rdns only asks DNS */
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == 'r') {
			resolver_opt = optarg;
		} else if (opt == 't') {
			if ((rc = parse_timeout(optarg, &cfg.timeout_ms)))
				return rc;
		} else if (opt == 'j') {
			json = true;
		} else {
			return cli_bad_option(argv, RDNS_USAGE);
		}
	}
	if (optind >= argc)
		return cli_bad_input("missing address (usage: %s)", RDNS_USAGE);
	char server[128];
	if ((rc = cli_resolver_config(resolver_opt, &cfg, server, sizeof server)))
		return rc;
	struct rdns_run run = {.count = (size_t)(argc - optind)};
	addr_t *addrs = calloc(run.count, sizeof *addrs);
	run.results = calloc(run.count, sizeof *run.results);
	if (!addrs || !run.results) {
		free(addrs);
		free(run.results);
		return cli_fail("out of memory");
	}
	for (size_t i = 0; i < run.count; i++) {
		if (addr_parse(argv[optind + (int)i], &addrs[i])) {
			char shown[256];
			free(addrs);
			free(run.results);
			return cli_bad_input("invalid address '%s'",
			                     cli_escaped(argv[optind + (int)i], shown, sizeof shown));
		}
	}
	rc = run_lookups(&cfg, &run, addrs);
	if (!rc)
		rc = print_results(&run, json);
	bool all_confirmed = true;
	for (size_t i = 0; i < run.count; i++)
		all_confirmed = all_confirmed && run.results[i].fcrdns;
	free(addrs);
	free(run.results);
	if (rc)
		return rc;
	return all_confirmed ? CLI_OK : RDNS_NOT_CONFIRMED;
}
