/* SPDX-License-Identifier: BSD-2-Clause */
/* resolve.c — the resolver: libunbound in a thread of its own, its result pipe polled on the caller's libuv loop,
 * one timer for every lookup's time limit, and the answers read into resolve_answer_t. */
#include "resolve/resolve.h"
#include "resolve_internal.h"

#include "base/err.h"
#include "base/hostport.h"

#include <unbound.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TIMEOUT_MS 5000u
#define MAX_TIMEOUT_MS 60000u
#define RESOLV_CONF "/etc/resolv.conf"
/* Lookups handed to libunbound at once; more wait in a FIFO and go as answers come back, so that a lookup's time
 * limit counts its own wait on the resolver, not its wait behind 10,000 others (a probe of 10,000 hosts starts
 * 10,000 PTR lookups at once), and libunbound's thread holds a bounded number. Its outgoing-range (open query
 * ports) bounds the real parallelism: at the library's default ~15 lookups were in flight (500 lookups answered
 * after 50 ms each took 1.65 s); at 512, 0.13 s — and 512 sockets stay well inside a 1,024-descriptor limit beside
 * 200 probe connections. */
#define MAX_IN_FLIGHT 1024
#define UB_QUERIES_PER_THREAD "2048"
#define UB_OUTGOING_RANGE "512"

/* One lookup libunbound knows about. Pending lookups are in the resolver's list in the order they were started,
 * which is the order of their deadlines (every lookup has the same time limit). */
struct lookup {
	struct lookup *prev, *next;
	resolver_t *resolver;
	uint64_t deadline;               /* loop time, ms; from the moment it is handed to libunbound */
	char name[RESOLVE_NAME_MAX + 2]; /* kept while it waits its turn (waiting FIFO) */
	int async_id;
	uint16_t type;
	/* Timed out or cancelled, but libunbound did not confirm the cancel: it may still call back, so the lookup
	 * stays allocated (in the orphan list) until it does or until the context is deleted. */
	bool orphan;
	void (*cb)(void *ctx, const resolve_answer_t *answer);
	void *ctx;
};

struct resolver {
	struct ub_ctx *ub;
	uv_poll_t poll;
	uv_timer_t timer;
	unsigned timeout_ms;
	struct lookup *head, *tail; /* pending, deadline order */
	size_t pending;
	struct lookup *waiting_head, *waiting_tail; /* not yet handed to libunbound (MAX_IN_FLIGHT) */
	size_t waiting;
	struct lookup *orphans;
	unsigned depth; /* > 0 while our loop callbacks run: resolver_free then leaves the teardown to them */
	unsigned open_handles;
	bool closing;
	bool broken; /* libunbound's pipe failed: nothing more will be answered */
};

const char *resolve_status_name(enum resolve_status s)
{
	switch (s) {
	case RESOLVE_OK:
		return "ok";
	case RESOLVE_NODATA:
		return "nodata";
	case RESOLVE_NXDOMAIN:
		return "nxdomain";
	case RESOLVE_SERVFAIL:
		return "servfail";
	case RESOLVE_REFUSED:
		return "refused";
	case RESOLVE_BAD_RCODE:
		return "error-rcode";
	case RESOLVE_TIMEOUT:
		return "timeout";
	case RESOLVE_ERROR:
		break;
	}
	return "error";
}

/* --- server addresses ---------------------------------------------------------------------------------------- */

int resolver_server_parse(const char *text, addr_t *addr, uint16_t *port)
{
	char host[ADDR_STRLEN];
	addr_t parsed;
	uint16_t parsed_port;
	if (hostport_split(text, 53, host, sizeof host, &parsed_port) || addr_parse(host, &parsed))
		return RBL_EINVAL;
	/* Brackets are for IPv6 only: "[192.0.2.1]:53" is refused. */
	if (text[0] == '[' && !strchr(host, ':'))
		return RBL_EINVAL;
	*addr = parsed;
	*port = parsed_port;
	return RBL_OK;
}

/* --- set-up -------------------------------------------------------------------------------------------------- */

/* libunbound reads a resolv.conf without a nameserver line as "ask 127.0.0.1"; we call that no resolver. */
static bool resolv_conf_has_nameserver(void)
{
	FILE *in = fopen(RESOLV_CONF, "r");
	char line[1024];
	bool found = false;
	if (!in)
		return false;
	while (!found && fgets(line, sizeof line, in)) {
		const char *p = line + strspn(line, " \t");
		if (strncmp(p, "nameserver", 10) == 0 && (p[10] == ' ' || p[10] == '\t')) {
			p += 10 + strspn(p + 10, " \t");
			found = isxdigit((unsigned char)*p) || *p == ':';
		}
	}
	fclose(in);
	return found;
}

/* The zones libunbound answers itself unless told not to (services/localzone.c, local_zone_enter_defaults):
 * localhost and its reverse zones, RFC 6761/7686/8375/9462/9665 special-use names. The RFC 1918, RFC 6303, AS112
 * and documentation reverse zones are the "LAN zones" that unblock-lan-zones drops.
 * These are declared "transparent" (no data of their own: every question goes to the resolver), not "nodefault":
 * ub_ctx_set_option("local-zone:", "NAME nodefault") keeps "NAME nodefault" whole as the zone's name (libunbound
 * 1.17 up to at least 1.24, util/config_file.c cfg_parse_local_zone), so it never matches. A zone of that name
 * existing is what keeps the default out all the same (lz_exists in local_zone_enter_defaults). */
static const char *const LOCAL_ZONE_DEFAULTS[] = {
        "localhost.", "127.in-addr.arpa.", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
        "test.",      "invalid.",          "onion.",
        "home.arpa.", "resolver.arpa.",    "service.arpa.",
};

static int ub_error(int ub_err)
{
	return ub_err == UB_NOMEM ? RBL_ENOMEM : RBL_EIO;
}

static int configure(struct ub_ctx *ub, const resolver_config_t *cfg)
{
	int err = ub_ctx_async(ub, 1);
	if (!err)
		err = ub_ctx_set_option(ub, "do-not-query-localhost:", "no");
	if (!err)
		err = ub_ctx_set_option(ub, "num-queries-per-thread:", UB_QUERIES_PER_THREAD);
	if (!err)
		err = ub_ctx_set_option(ub, "outgoing-range:", UB_OUTGOING_RANGE);
	if (!err)
		err = ub_ctx_set_option(ub, "unblock-lan-zones:", "yes");
	if (!err)
		err = ub_ctx_set_option(ub, "insecure-lan-zones:", "yes");
	for (size_t i = 0; !err && i < sizeof LOCAL_ZONE_DEFAULTS / sizeof LOCAL_ZONE_DEFAULTS[0]; i++) {
		char zone[128];
		snprintf(zone, sizeof zone, "%s transparent", LOCAL_ZONE_DEFAULTS[i]);
		err = ub_ctx_set_option(ub, "local-zone:", zone);
	}
	if (err)
		return ub_error(err);
	if (!cfg->server) {
		err = ub_ctx_resolvconf(ub, NULL);
		return err ? ub_error(err) : RBL_OK;
	}
	addr_t addr;
	uint16_t port;
	char addr_text[ADDR_STRLEN], fwd[ADDR_STRLEN + 8];
	if (resolver_server_parse(cfg->server, &addr, &port))
		return RBL_EINVAL;
	addr_format(&addr, addr_text);
	snprintf(fwd, sizeof fwd, "%s@%u", addr_text, (unsigned)port);
	err = ub_ctx_set_fwd(ub, fwd);
	return err ? ub_error(err) : RBL_OK;
}

static void on_readable(uv_poll_t *poll, int status, int events);
static struct lookup *take_waiting(resolver_t *r);
static void start_waiting(resolver_t *r);
static void on_timer(uv_timer_t *timer);

int resolver_new(uv_loop_t *loop, const resolver_config_t *cfg, resolver_t **out)
{
	addr_t addr;
	uint16_t port;
	if (!loop || !cfg || !out || cfg->timeout_ms > MAX_TIMEOUT_MS ||
	    (cfg->server && resolver_server_parse(cfg->server, &addr, &port)))
		return RBL_EINVAL;
	if (!cfg->server && !resolv_conf_has_nameserver())
		return RBL_ENOENT;
	resolver_t *r = calloc(1, sizeof *r);
	if (!r)
		return RBL_ENOMEM;
	r->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
	r->ub = ub_ctx_create();
	int err = r->ub ? configure(r->ub, cfg) : RBL_EIO;
	if (!err && uv_poll_init(loop, &r->poll, ub_fd(r->ub)) != 0)
		err = RBL_EIO;
	if (err) {
		ub_ctx_delete(r->ub);
		free(r);
		return err;
	}
	r->poll.data = r;
	uv_timer_init(loop, &r->timer);
	r->timer.data = r;
	r->open_handles = 2;
	if (uv_poll_start(&r->poll, UV_READABLE, on_readable) != 0) {
		resolver_free(r);
		return RBL_EIO;
	}
	*out = r;
	return RBL_OK;
}

/* --- the pending list and its timer --------------------------------------------------------------------------- */

static void unlink_lookup(resolver_t *r, struct lookup *l)
{
	if (l->prev)
		l->prev->next = l->next;
	else
		r->head = l->next;
	if (l->next)
		l->next->prev = l->prev;
	else
		r->tail = l->prev;
	l->prev = l->next = NULL;
	r->pending--;
}

static void arm_timer(resolver_t *r)
{
	if (r->closing)
		return;
	if (!r->head) {
		uv_timer_stop(&r->timer);
		return;
	}
	uint64_t now = uv_now(r->timer.loop);
	uv_timer_start(&r->timer, on_timer, r->head->deadline > now ? r->head->deadline - now : 0, 0);
}

/* Calls l's callback with an answer that carries only status (no answer came). */
static void report_failure(struct lookup *l, enum resolve_status status)
{
	resolve_answer_t answer;
	memset(&answer, 0, offsetof(resolve_answer_t, addrs)); /* the arrays are read up to count only */
	answer.status = status;
	answer.rcode = -1;
	answer.type = l->type;
	l->cb(l->ctx, &answer);
}

/* Ends a lookup that libunbound has not answered: the callback runs with status, and the lookup is freed when
 * libunbound confirms it will never call back, kept as an orphan otherwise. l is unlinked already. */
static void abandon(resolver_t *r, struct lookup *l, enum resolve_status status)
{
	if (ub_cancel(r->ub, l->async_id) == UB_NOERROR) {
		/* With threads, a cancelled query's answer is dropped inside ub_process: its callback never runs. */
		report_failure(l, status);
		free(l);
		return;
	}
	l->orphan = true;
	l->next = r->orphans;
	r->orphans = l;
	report_failure(l, status);
}

/* The last step of resolver_free, once no callback of ours is on the stack. */
static void on_closed(uv_handle_t *handle)
{
	resolver_t *r = handle->data;
	if (--r->open_handles == 0)
		free(r);
}

static void finish_closing(resolver_t *r)
{
	if (!r->closing || r->depth > 0 || !r->ub)
		return;
	ub_ctx_delete(r->ub); /* stops the thread: no orphan can be called back after this */
	r->ub = NULL;
	while (r->orphans) {
		struct lookup *l = r->orphans;
		r->orphans = l->next;
		free(l);
	}
	uv_close((uv_handle_t *)&r->poll, on_closed);
	uv_close((uv_handle_t *)&r->timer, on_closed);
}

static void on_timer(uv_timer_t *timer)
{
	resolver_t *r = timer->data;
	uint64_t now = uv_now(timer->loop);
	r->depth++;
	while (r->head && r->head->deadline <= now) {
		struct lookup *l = r->head;
		unlink_lookup(r, l);
		abandon(r, l, RESOLVE_TIMEOUT);
	}
	start_waiting(r);
	r->depth--;
	arm_timer(r);
	finish_closing(r);
}

/* libunbound's callback, from ub_process inside on_readable. */
static void on_result(void *data, int err, struct ub_result *res)
{
	struct lookup *l = data;
	resolver_t *r = l->resolver;
	if (l->orphan) {
		/* Reported already; unlink it from the orphans and drop the answer. */
		for (struct lookup **p = &r->orphans; *p; p = &(*p)->next) {
			if (*p == l) {
				*p = l->next;
				break;
			}
		}
		free(l);
		ub_resolve_free(res);
		return;
	}
	unlink_lookup(r, l);
	arm_timer(r);
	resolve_answer_t answer;
	memset(&answer, 0, offsetof(resolve_answer_t, addrs)); /* the arrays are read up to count only */
	answer.type = l->type;
	resolve_read_answer(&answer, err, res);
	ub_resolve_free(res);
	l->cb(l->ctx, &answer);
	free(l);
}

/* Every pending and waiting lookup ends with status. */
static void fail_pending(resolver_t *r, enum resolve_status status)
{
	while (r->head) {
		struct lookup *l = r->head;
		unlink_lookup(r, l);
		abandon(r, l, status);
	}
	struct lookup *l;
	while ((l = take_waiting(r))) {
		report_failure(l, status);
		free(l);
	}
}

static void on_readable(uv_poll_t *poll, int status, int events)
{
	resolver_t *r = poll->data;
	(void)events;
	r->depth++;
	if (status < 0 || ub_process(r->ub) != UB_NOERROR) {
		/* The pipe from libunbound's thread is gone: nothing pending will be answered. */
		r->broken = true;
		uv_poll_stop(&r->poll);
		fail_pending(r, RESOLVE_ERROR);
	}
	start_waiting(r);
	r->depth--;
	arm_timer(r);
	finish_closing(r);
}

/* --- lookups ------------------------------------------------------------------------------------------------- */

/* A presentation-form name: printable ASCII, labels of 1..63 bytes (\X and \DDD escapes counted as one), at most
 * 255 bytes in wire form, a final dot optional; "." is the root. */
static bool name_is_valid(const char *name)
{
	size_t label = 0, wire = 1;
	const char *p = name;
	if (strcmp(name, ".") == 0)
		return true;
	if (*p == '\0' || *p == '.')
		return false;
	while (*p) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c >= 0x7f)
			return false;
		if (c == '.') {
			if (label == 0)
				return false;
			wire += label + 1;
			label = 0;
			p++;
			continue;
		}
		if (c == '\\') {
			if (isdigit((unsigned char)p[1])) {
				if (!isdigit((unsigned char)p[2]) || !isdigit((unsigned char)p[3]) ||
				    (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0') > 255)
					return false;
				p += 4;
			} else if (p[1] > 0x20 && p[1] < 0x7f) {
				p += 2;
			} else {
				return false;
			}
		} else {
			p++;
		}
		if (++label > 63)
			return false;
	}
	wire += label ? label + 1 : 0;
	return wire <= 255;
}

/* Hands l to libunbound and puts it on the pending list: RBL_OK, or an error (l is not freed). */
static int send_lookup(resolver_t *r, struct lookup *l)
{
	int err = ub_resolve_async(r->ub, l->name, l->type, 1 /* IN */, l, on_result, &l->async_id);
	if (err)
		return err == UB_SYNTAX ? RBL_EINVAL : ub_error(err);
	uv_update_time(r->timer.loop); /* the loop's clock may be stale when lookups start outside a callback */
	l->deadline = uv_now(r->timer.loop) + r->timeout_ms;
	l->prev = r->tail;
	l->next = NULL;
	if (r->tail)
		r->tail->next = l;
	else
		r->head = l;
	r->tail = l;
	r->pending++;
	if (r->head == l)
		arm_timer(r);
	return RBL_OK;
}

static struct lookup *take_waiting(resolver_t *r)
{
	struct lookup *l = r->waiting_head;
	if (l) {
		r->waiting_head = l->next;
		if (!r->waiting_head)
			r->waiting_tail = NULL;
		l->next = NULL;
		r->waiting--;
	}
	return l;
}

/* Sends waiting lookups while there is room; one that libunbound refuses ends with RESOLVE_ERROR. */
static void start_waiting(resolver_t *r)
{
	while (!r->closing && !r->broken && r->pending < MAX_IN_FLIGHT && r->waiting_head) {
		struct lookup *l = take_waiting(r);
		if (send_lookup(r, l) != RBL_OK) {
			report_failure(l, RESOLVE_ERROR);
			free(l);
		}
	}
}

int resolver_lookup(resolver_t *r, const char *name, uint16_t type,
                    void (*cb)(void *ctx, const resolve_answer_t *answer), void *ctx)
{
	if (!r || !name || !cb || !name_is_valid(name) || strlen(name) >= RESOLVE_NAME_MAX + 2 ||
	    (type != RESOLVE_TYPE_A && type != RESOLVE_TYPE_AAAA && type != RESOLVE_TYPE_PTR &&
	     type != RESOLVE_TYPE_TXT))
		return RBL_EINVAL;
	if (r->closing || r->broken)
		return RBL_EIO;
	struct lookup *l = calloc(1, sizeof *l);
	if (!l)
		return RBL_ENOMEM;
	l->resolver = r;
	l->type = type;
	l->cb = cb;
	l->ctx = ctx;
	memcpy(l->name, name, strlen(name) + 1);
	if (r->pending < MAX_IN_FLIGHT) {
		int err = send_lookup(r, l);
		if (err)
			free(l);
		return err;
	}
	if (r->waiting_tail)
		r->waiting_tail->next = l;
	else
		r->waiting_head = l;
	r->waiting_tail = l;
	r->waiting++;
	return RBL_OK;
}

size_t resolver_pending(const resolver_t *r)
{
	return r ? r->pending + r->waiting : 0;
}

void resolver_free(resolver_t *r)
{
	if (!r || r->closing)
		return;
	r->closing = true;
	uv_timer_stop(&r->timer);
	uv_poll_stop(&r->poll);
	r->depth++; /* the callbacks below may call resolver_free again: a no-op, as closing is set */
	fail_pending(r, RESOLVE_ERROR);
	r->depth--;
	finish_closing(r);
}
