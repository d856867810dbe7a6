/* SPDX-License-Identifier: BSD-2-Clause */
/* rdns.c — forward-confirmed reverse DNS: the PTR of an address, then the A/AAAA of its names, in parallel. */
#include "resolve/resolve.h"

#include "base/err.h"
#include "base/revname.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rdns_job;

/* The context of one forward lookup: which name of which job. */
struct rdns_forward {
	struct rdns_job *job;
	unsigned index;
};

struct rdns_job {
	resolver_t *resolver;
	rdns_result_t result;
	uint64_t started_ns;
	unsigned forwards_pending;
	struct rdns_forward forwards[RDNS_MAX_NAMES];
	void (*cb)(void *ctx, const rdns_result_t *result);
	void *ctx;
};

static void finish(struct rdns_job *job)
{
	rdns_result_t *res = &job->result;
	for (unsigned i = 0; i < res->count; i++)
		res->fcrdns = res->fcrdns || res->names[i].confirmed;
	res->elapsed_ms = (unsigned)((uv_hrtime() - job->started_ns) / 1000000u);
	job->cb(job->ctx, res);
	free(job);
}

static void on_forward(void *ctx, const resolve_answer_t *answer)
{
	struct rdns_forward *fwd = ctx;
	struct rdns_job *job = fwd->job;
	rdns_name_t *name = &job->result.names[fwd->index];
	name->forward = answer->status;
	for (size_t i = 0; answer->status == RESOLVE_OK && i < answer->count; i++) {
		if (answer->addrs[i].family == job->result.addr.family &&
		    addr_cmp(&answer->addrs[i], &job->result.addr) == 0)
			name->confirmed = true;
	}
	if (--job->forwards_pending == 0)
		finish(job);
}

static void on_ptr(void *ctx, const resolve_answer_t *answer)
{
	struct rdns_job *job = ctx;
	rdns_result_t *res = &job->result;
	res->ptr = answer->status;
	if (answer->status != RESOLVE_OK) {
		finish(job);
		return;
	}
	size_t keep = answer->count < RDNS_MAX_NAMES ? answer->count : RDNS_MAX_NAMES;
	size_t more = answer->count - keep + answer->more;
	res->count = (uint8_t)keep;
	res->more = (uint8_t)(more > UINT8_MAX ? UINT8_MAX : more);
	uint16_t type = res->addr.family == ADDR_V4 ? RESOLVE_TYPE_A : RESOLVE_TYPE_AAAA;
	/* Counted before any lookup starts, so that no answer can find the count at zero early (none can arrive
	 * before we return to the loop, but a failed start ends its name here and now). */
	job->forwards_pending = (unsigned)keep + 1;
	for (unsigned i = 0; i < keep; i++) {
		rdns_name_t *name = &res->names[i];
		memcpy(name->name, answer->names[i], sizeof name->name);
		name->forward = RESOLVE_ERROR;
		job->forwards[i] = (struct rdns_forward){job, i};
		if (resolver_lookup(job->resolver, name->name, type, on_forward, &job->forwards[i]) != RBL_OK)
			job->forwards_pending--; /* a name we cannot ask: its forward lookup stays RESOLVE_ERROR */
	}
	if (--job->forwards_pending == 0)
		finish(job);
}

int rdns_lookup(resolver_t *r, const addr_t *addr, void (*cb)(void *ctx, const rdns_result_t *result), void *ctx)
{
	if (!r || !addr || !cb || (addr->family != ADDR_V4 && addr->family != ADDR_V6))
		return RBL_EINVAL;
	struct rdns_job *job = calloc(1, sizeof *job);
	if (!job)
		return RBL_ENOMEM;
	job->resolver = r;
	job->result.addr = *addr;
	job->result.ptr = RESOLVE_ERROR;
	job->cb = cb;
	job->ctx = ctx;
	job->started_ns = uv_hrtime();
	char rev[REVNAME_STRLEN], qname[REVNAME_STRLEN + sizeof ".in-addr.arpa"];
	revname_format(addr, rev);
	snprintf(qname, sizeof qname, "%s.%s", rev, addr->family == ADDR_V4 ? "in-addr.arpa" : "ip6.arpa");
	int err = resolver_lookup(r, qname, RESOLVE_TYPE_PTR, on_ptr, job);
	if (err)
		free(job);
	return err;
}

void rdns_describe(const rdns_result_t *res, char *out, size_t size)
{
	if (!out || size == 0)
		return;
	switch (res->ptr) {
	case RESOLVE_OK:
		break;
	case RESOLVE_TIMEOUT:
		snprintf(out, size, "PTR lookup timed out");
		return;
	case RESOLVE_ERROR:
		snprintf(out, size, "PTR lookup failed (%s)", resolve_status_name(res->ptr));
		return;
	default:
		snprintf(out, size, "no PTR (%s)", resolve_status_name(res->ptr));
		return;
	}
	if (res->count == 0) {
		snprintf(out, size, "no usable PTR name");
		return;
	}
	for (unsigned i = 0; i < res->count; i++) {
		if (res->names[i].confirmed) {
			snprintf(out, size, "%s (forward-confirmed)", res->names[i].name);
			return;
		}
	}
	/* Not confirmed: the first name and why it does not lead back; how many others failed, or were not tried. */
	const rdns_name_t *first = &res->names[0];
	const char *why = first->forward == RESOLVE_OK ? "other addresses" : resolve_status_name(first->forward);
	unsigned others = (unsigned)res->count - 1;
	char nor[48] = "", unchecked[48] = "";
	if (others)
		snprintf(nor, sizeof nor, "; nor do %u other name%s", others, others == 1 ? "" : "s");
	if (res->more)
		snprintf(unchecked, sizeof unchecked, "; %u more not checked", (unsigned)res->more);
	snprintf(out, size, "%s (does not resolve back: %s%s%s)", first->name, why, nor, unchecked);
}
