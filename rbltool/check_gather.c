/* SPDX-License-Identifier: BSD-2-Clause */
/* check_gather.c — what rbltool check needs, gathered at once on one libuv loop. */
#include "check_gather.h"

#include "probe_jobs.h"
#include "progress.h"

#include "base/err.h"
#include "base/revname.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct check_gather {
	uv_loop_t loop;
	resolver_t *resolver;
	probe_batch_t *batch;
	probe_target_t target;
	progress_t progress;
	unsigned pending; /* lookups and the probe batch not done yet; the loop is stopped when none is */
	bool closing;     /* check_gather_free: callbacks no longer stop the loop */
	check_facts_t facts;
	kept_result_t kept;
	resolve_answer_t host_a, host_aaaa;
};

static void done_one(check_gather_t *g)
{
	if (--g->pending == 0 && !g->closing)
		uv_stop(&g->loop);
}

/* --- lookups */

struct lookup_ctx {
	check_gather_t *g;
	resolve_answer_t *slot;
};

static void on_lookup(void *ctx, const resolve_answer_t *answer)
{
	struct lookup_ctx *l = ctx;
	check_gather_t *g = l->g;
	*l->slot = *answer;
	free(l);
	done_one(g);
}

static int lookup(check_gather_t *g, const char *name, uint16_t type, resolve_answer_t *slot)
{
	struct lookup_ctx *l = malloc(sizeof *l);
	if (!l)
		return RBL_ENOMEM;
	*l = (struct lookup_ctx){g, slot};
	memset(slot, 0, offsetof(resolve_answer_t, addrs));
	slot->status = RESOLVE_ERROR;
	slot->rcode = -1;
	int err = resolver_lookup(g->resolver, name, type, on_lookup, l);
	if (err)
		free(l);
	else
		g->pending++;
	return err;
}

static void on_rdns(void *ctx, const rdns_result_t *result)
{
	check_gather_t *g = ctx;
	g->facts.rdns = *result;
	done_one(g);
}

/* --- the probe */

static void on_probed(void *ctx, const probe_target_t *target, const probe_result_t *result)
{
	(void)target;
	check_gather_t *g = ctx;
	kept_result_set(&g->kept, result);
	g->facts.probed = true;
	g->facts.probe = g->kept.result;
	progress_count(&g->progress, result->verdict);
}

static void on_batch_finished(void *ctx, probe_batch_t *batch)
{
	(void)batch;
	done_one(ctx);
}

/* --- the pieces */

int check_gather_new(const resolver_config_t *resolver, check_gather_t **out)
{
	check_gather_t *g = calloc(1, sizeof *g);
	if (!g)
		return RBL_ENOMEM;
	if (uv_loop_init(&g->loop) != 0) {
		free(g);
		return RBL_EIO;
	}
	int err = resolver_new(&g->loop, resolver, &g->resolver);
	if (err) {
		uv_loop_close(&g->loop);
		free(g);
		return err;
	}
	*out = g;
	return RBL_OK;
}

void check_gather_free(check_gather_t *g)
{
	if (!g)
		return;
	g->closing = true;
	progress_stop(&g->progress);
	resolver_free(g->resolver); /* cancels what is pending: its callbacks run now */
	/* The handles close, and a batch still under way (only if the caller stopped early) runs to its end. */
	uv_run(&g->loop, UV_RUN_DEFAULT);
	probe_batch_free(g->batch);
	uv_loop_close(&g->loop);
	kept_result_free(&g->kept);
	free(g->facts.zones);
	free(g);
}

/* Runs the loop until everything started is done. */
static void run_until_done(check_gather_t *g)
{
	if (g->pending)
		uv_run(&g->loop, UV_RUN_DEFAULT);
}

int check_gather_host(check_gather_t *g, const char *host, addr_t *addr, enum resolve_status *status)
{
	if (addr_parse(host, addr) == RBL_OK)
		return RBL_OK;
	int err = lookup(g, host, RESOLVE_TYPE_A, &g->host_a);
	if (!err && (err = lookup(g, host, RESOLVE_TYPE_AAAA, &g->host_aaaa))) {
		run_until_done(g); /* the A lookup under way */
		return err;
	}
	if (err)
		return err;
	run_until_done(g);
	*status = g->host_a.status;
	if (g->host_a.status == RESOLVE_OK && g->host_a.count)
		*addr = g->host_a.addrs[0];
	else if (g->host_aaaa.status == RESOLVE_OK && g->host_aaaa.count)
		*addr = g->host_aaaa.addrs[0];
	else
		return RBL_ENOENT;
	return RBL_OK;
}

int check_zone_names(const char *zone, const addr_t *addr, char testpoint[DNAME_TEXTMAX], char negative[DNAME_TEXTMAX],
                     char reversed[DNAME_TEXTMAX])
{
	char rev[REVNAME_STRLEN];
	revname_format(addr, rev);
	/* 253 text bytes: the longest name without its final dot (255 wire bytes). */
	if (strlen(zone) + 1 + strlen(rev) > 253 || strlen(zone) + 10 > 253)
		return RBL_ERANGE;
	snprintf(testpoint, DNAME_TEXTMAX, "2.0.0.127.%s", zone);
	snprintf(negative, DNAME_TEXTMAX, "1.0.0.127.%s", zone);
	snprintf(reversed, DNAME_TEXTMAX, "%s.%s", rev, zone);
	return RBL_OK;
}

static int start_zone_lookups(check_gather_t *g, check_zone_t *z, const addr_t *addr)
{
	char testpoint[DNAME_TEXTMAX], negative[DNAME_TEXTMAX], reversed[DNAME_TEXTMAX];
	int err = check_zone_names(z->name, addr, testpoint, negative, reversed);
	if (!err)
		err = lookup(g, testpoint, RESOLVE_TYPE_A, &z->testpoint);
	if (!err)
		err = lookup(g, negative, RESOLVE_TYPE_A, &z->negative);
	if (!err)
		err = lookup(g, reversed, RESOLVE_TYPE_A, &z->a);
	if (!err)
		err = lookup(g, reversed, RESOLVE_TYPE_TXT, &z->txt);
	return err;
}

/* Whether addr is one of this machine's interface addresses (getifaddrs): then the check runs on the server. */
static bool address_is_local(const addr_t *addr)
{
	struct ifaddrs *list, *i;
	bool found = false;
	if (getifaddrs(&list) != 0)
		return false;
	for (i = list; i && !found; i = i->ifa_next) {
		addr_t a = {0};
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			a.family = ADDR_V4;
			memcpy(a.b, &((const struct sockaddr_in *)(const void *)i->ifa_addr)->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			a.family = ADDR_V6;
			memcpy(a.b, &((const struct sockaddr_in6 *)(const void *)i->ifa_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		found = a.family == addr->family && addr_cmp(&a, addr) == 0;
	}
	freeifaddrs(list);
	return found;
}

int check_gather_run(check_gather_t *g, const addr_t *addr, uint16_t port, const probe_config_t *probe,
                     const char (*zones)[DNAME_TEXTMAX], size_t nzones, bool progress)
{
	check_facts_t *f = &g->facts;
	f->addr = *addr;
	f->port = port;
	f->server_is_local = address_is_local(addr);
	f->zones = calloc(nzones ? nzones : 1, sizeof *f->zones);
	if (!f->zones)
		return RBL_ENOMEM;
	f->nzones = nzones;
	/* Every lookup first: if one cannot start, nothing has been sent to the server. */
	int err = rdns_lookup(g->resolver, addr, on_rdns, g);
	if (!err)
		g->pending++;
	for (size_t i = 0; !err && i < nzones; i++) {
		snprintf(f->zones[i].name, sizeof f->zones[i].name, "%s", zones[i]);
		err = start_zone_lookups(g, &f->zones[i], addr);
	}
	if (!err) {
		g->target = (probe_target_t){.addr = *addr, .port = port, .user = g};
		err = probe_start(&g->loop, probe, &g->target, 1, on_probed, on_batch_finished, g, &g->batch);
	}
	if (err)
		return err; /* check_gather_free cancels the lookups started */
	g->pending++;
	if (progress)
		progress_start(&g->progress, &g->loop, "check", 1);
	run_until_done(g);
	progress_stop(&g->progress);
	return RBL_OK;
}

const check_facts_t *check_gather_facts(const check_gather_t *g)
{
	return &g->facts;
}
