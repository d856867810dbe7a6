/* SPDX-License-Identifier: BSD-2-Clause */
/* pipeline.c — reports, hosts, probes and opt-outs: the relay pipeline's tables in the store (see pipeline.h). */
#include "relay/pipeline.h"

#include "pipeline_internal.h"

#include "base/codec.h"
#include "base/err.h"
#include "store/store_ext.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *pipeline_host_state_name(enum host_state s)
{
	switch (s) {
	case HOST_PENDING: return "pending";
	case HOST_OPEN: return "open";
	case HOST_CLOSED: return "closed";
	case HOST_INCONCLUSIVE: return "inconclusive";
	case HOST_OPTED_OUT: return "opted out";
	}
	return "?";
}

/* The pipeline's tables and counters in the store (store_ext.h); the names are part of the store format. */
#define TABLE_HOSTS "hosts"
#define TABLE_REPORTS "reports"
#define TABLE_PROBES "probes"
#define TABLE_OPTOUT "optout"
#define COUNTER_REPORT "next_report"
#define COUNTER_PROBE "next_probe"

/* --- hosts */

static void host_encode(const host_record_t *h, codec_writer_t *c)
{
	codec_put_u8(c, 1);
	codec_put_u8(c, h->state);
	codec_put_u32(c, h->inconclusive);
	codec_put_u32(c, h->reports);
	codec_put_u64(c, (uint64_t)h->first_report);
	codec_put_u64(c, (uint64_t)h->last_report);
	codec_put_u64(c, (uint64_t)h->last_probe);
	codec_put_u64(c, h->last_probe_id);
}

static int host_decode(const MDB_val *k, const MDB_val *v, host_record_t *h)
{
	if (k->mv_size != ADDR_KEY_LEN)
		return RBL_ESTORE;
	memset(h, 0, sizeof *h);
	addr_from_key(k->mv_data, &h->addr);
	codec_reader_t c = {v->mv_data, v->mv_size, false};
	codec_get_u8(&c);
	h->state = codec_get_u8(&c);
	h->inconclusive = (uint16_t)codec_get_u32(&c);
	h->reports = codec_get_u32(&c);
	h->first_report = (int64_t)codec_get_u64(&c);
	h->last_report = (int64_t)codec_get_u64(&c);
	h->last_probe = (int64_t)codec_get_u64(&c);
	h->last_probe_id = codec_get_u64(&c);
	return c.failed ? RBL_ESTORE : RBL_OK;
}

static int host_get_txn(MDB_txn *txn, MDB_dbi hosts, const addr_t *addr, host_record_t *h)
{
	uint8_t key[ADDR_KEY_LEN];
	addr_key(addr, key);
	MDB_val k = {sizeof key, key}, v;
	int rc = mdb_get(txn, hosts, &k, &v);
	if (rc)
		return store_mdb_error(rc, "reading a host");
	return host_decode(&k, &v, h);
}

int pipeline_host_get(store_rtxn_t *r, const addr_t *addr, host_record_t *h)
{
	MDB_dbi hosts;
	int err = store_ext_table_r(r, TABLE_HOSTS, &hosts);
	return err ? err : host_get_txn(store_ext_rtxn(r), hosts, addr, h);
}

int pipeline_host_get_w(store_wtxn_t *w, const addr_t *addr, host_record_t *h)
{
	MDB_dbi hosts;
	int err = store_ext_table_w(w, TABLE_HOSTS, &hosts);
	return err ? err : host_get_txn(store_ext_wtxn(w), hosts, addr, h);
}

int pipeline_host_put(store_wtxn_t *w, const host_record_t *h)
{
	MDB_dbi hosts;
	int err = store_ext_table_w(w, TABLE_HOSTS, &hosts);
	if (err)
		return err;
	uint8_t key[ADDR_KEY_LEN], val[64];
	addr_key(&h->addr, key);
	codec_writer_t c = {val, 0};
	host_encode(h, &c);
	MDB_val k = {sizeof key, key}, v = {c.len, val};
	int rc = mdb_put(store_ext_wtxn(w), hosts, &k, &v, 0);
	return rc ? store_mdb_error(rc, "writing a host") : RBL_OK;
}

int pipeline_host_foreach(store_rtxn_t *r, int (*fn)(const host_record_t *h, void *ctx), void *ctx)
{
	MDB_dbi hosts;
	int err = store_ext_table_r(r, TABLE_HOSTS, &hosts);
	if (err)
		return err == RBL_ENOENT ? RBL_OK : err;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(store_ext_rtxn(r), hosts, &cur);
	if (rc)
		return store_mdb_error(rc, "opening a host cursor");
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc && !err; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		host_record_t h;
		err = host_decode(&k, &v, &h);
		if (!err)
			err = fn(&h, ctx);
	}
	mdb_cursor_close(cur);
	if (!err && rc != MDB_NOTFOUND)
		err = store_mdb_error(rc, "walking hosts");
	return err;
}

/* --- reports */

int pipeline_report_add(store_wtxn_t *w, const report_t *rep, bool *opted_out)
{
	MDB_dbi reports;
	int err = store_ext_table_w(w, TABLE_REPORTS, &reports);
	if (err)
		return err;
	int covered = pipeline_optout_covers_w(w, &rep->addr);
	if (covered < 0)
		return covered;
	*opted_out = covered == 1;
	uint64_t id;
	if ((err = store_ext_counter_next(w, COUNTER_REPORT, &id)))
		return err;
	int64_t now = store_ext_now(w);
	uint8_t key[ADDR_KEY_LEN + 8], val[16 + 4 * (REPORT_TEXT_MAX + 2) + 40];
	addr_key(&rep->addr, key);
	store_put_u64(key + ADDR_KEY_LEN, id);
	codec_writer_t c = {val, 0};
	codec_put_u8(&c, 1);
	codec_put_u64(&c, (uint64_t)rep->arrival);
	codec_put_u64(&c, (uint64_t)now);
	codec_put_u32(&c, rep->message);
	codec_put_str(&c, rep->feedback_type);
	codec_put_str(&c, rep->reported_domain);
	codec_put_str(&c, rep->mail_from);
	codec_put_str(&c, rep->source);
	MDB_val k = {sizeof key, key}, v = {c.len, val};
	int rc = mdb_put(store_ext_wtxn(w), reports, &k, &v, 0);
	if (rc)
		return store_mdb_error(rc, "writing a report");

	host_record_t h;
	err = pipeline_host_get_w(w, &rep->addr, &h);
	if (err == RBL_ENOENT) {
		memset(&h, 0, sizeof h);
		h.addr = rep->addr;
		h.first_report = now;
		h.state = HOST_PENDING;
	} else if (err) {
		return err;
	}
	h.reports++;
	h.last_report = now;
	/* A new report of a closed or undecided host asks for a new probe; an open one is listed already. */
	if (*opted_out) {
		h.state = HOST_OPTED_OUT;
	} else if (h.state != HOST_OPEN) {
		h.state = HOST_PENDING;
		h.inconclusive = 0;
	}
	return pipeline_host_put(w, &h);
}

int pipeline_walk_addr(store_rtxn_t *r, const char *table, const addr_t *addr,
		       int (*each)(const MDB_val *k, const MDB_val *v, void *ctx), void *ctx)
{
	MDB_dbi db;
	int err = store_ext_table_r(r, table, &db);
	if (err)
		return err == RBL_ENOENT ? RBL_OK : err;
	uint8_t prefix[ADDR_KEY_LEN];
	addr_key(addr, prefix);
	MDB_cursor *cur;
	int rc = mdb_cursor_open(store_ext_rtxn(r), db, &cur);
	if (rc)
		return store_mdb_error(rc, "opening a cursor");
	MDB_val k = {sizeof prefix, prefix}, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); !rc && !err; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != ADDR_KEY_LEN + 8 || memcmp(k.mv_data, prefix, ADDR_KEY_LEN) != 0)
			break;
		err = each(&k, &v, ctx);
	}
	mdb_cursor_close(cur);
	return err;
}

struct report_walk {
	const addr_t *addr;
	int (*fn)(const report_t *rep, void *ctx);
	void *ctx;
};

static int each_report(const MDB_val *k, const MDB_val *v, void *arg)
{
	(void)k;
	struct report_walk *w = arg;
	report_t rep;
	memset(&rep, 0, sizeof rep);
	rep.addr = *w->addr;
	codec_reader_t c = {v->mv_data, v->mv_size, false};
	codec_get_u8(&c);
	rep.arrival = (int64_t)codec_get_u64(&c);
	codec_get_u64(&c); /* recorded at */
	rep.message = codec_get_u32(&c);
	codec_get_str(&c, rep.feedback_type, sizeof rep.feedback_type);
	codec_get_str(&c, rep.reported_domain, sizeof rep.reported_domain);
	codec_get_str(&c, rep.mail_from, sizeof rep.mail_from);
	codec_get_str(&c, rep.source, sizeof rep.source);
	return c.failed ? RBL_ESTORE : w->fn(&rep, w->ctx);
}

int pipeline_report_foreach(store_rtxn_t *r, const addr_t *addr, int (*fn)(const report_t *rep, void *ctx),
			    void *ctx)
{
	struct report_walk w = {addr, fn, ctx};
	return pipeline_walk_addr(r, TABLE_REPORTS, addr, each_report, &w);
}

/* --- probes */

/* Probe records: version 1 ends with the transcript; version 2 appends the reverse DNS (a flag, then the result). */
#define PROBE_RECORD_VERSION 2

static size_t rdns_encoded_max(const rdns_result_t *rdns)
{
	size_t n = 1;
	if (rdns)
		for (unsigned i = 0; i < rdns->count && i < RDNS_MAX_NAMES; i++)
			n += 2 + strnlen(rdns->names[i].name, RESOLVE_NAME_MAX - 1) + 2;
	return n + 16;
}

static void rdns_encode(const rdns_result_t *rdns, codec_writer_t *c)
{
	codec_put_u8(c, rdns != NULL);
	if (!rdns)
		return;
	unsigned count = rdns->count <= RDNS_MAX_NAMES ? rdns->count : RDNS_MAX_NAMES;
	codec_put_u8(c, (uint8_t)rdns->ptr);
	codec_put_u8(c, (uint8_t)count);
	codec_put_u8(c, rdns->more);
	codec_put_u8(c, rdns->fcrdns);
	codec_put_u32(c, rdns->elapsed_ms);
	for (unsigned i = 0; i < count; i++) {
		char name[RESOLVE_NAME_MAX];
		snprintf(name, sizeof name, "%s", rdns->names[i].name);
		codec_put_str(c, name);
		codec_put_u8(c, (uint8_t)rdns->names[i].forward);
		codec_put_u8(c, rdns->names[i].confirmed);
	}
}

/* Statuses past the enum (a newer writer) read as RESOLVE_ERROR rather than as values we cannot name. */
static enum resolve_status rdns_status(uint8_t v)
{
	return v <= RESOLVE_ERROR ? (enum resolve_status)v : RESOLVE_ERROR;
}

static void rdns_decode(codec_reader_t *c, probe_record_t *p)
{
	p->has_rdns = codec_get_u8(c) == 1;
	if (!p->has_rdns)
		return;
	rdns_result_t *r = &p->rdns;
	r->addr = p->addr;
	r->ptr = rdns_status(codec_get_u8(c));
	r->count = codec_get_u8(c);
	r->more = codec_get_u8(c);
	r->fcrdns = codec_get_u8(c) != 0;
	r->elapsed_ms = codec_get_u32(c);
	if (r->count > RDNS_MAX_NAMES) {
		c->failed = true;
		return;
	}
	for (unsigned i = 0; i < r->count; i++) {
		codec_get_str(c, r->names[i].name, sizeof r->names[i].name);
		r->names[i].forward = rdns_status(codec_get_u8(c));
		r->names[i].confirmed = codec_get_u8(c) != 0;
	}
}

int pipeline_probe_add(store_wtxn_t *w, const addr_t *addr, uint16_t port, const probe_result_t *res,
		       const rdns_result_t *rdns, uint64_t *id)
{
	MDB_dbi probes;
	int err = store_ext_table_w(w, TABLE_PROBES, &probes);
	if (err || (err = store_ext_counter_next(w, COUNTER_PROBE, id)))
		return err;
	uint8_t key[ADDR_KEY_LEN + 8];
	addr_key(addr, key);
	store_put_u64(key + ADDR_KEY_LEN, *id);
	size_t form_len = strlen(res->form_name), why_len = strlen(res->why);
	if (form_len > 63)
		form_len = 63;
	if (why_len > 511)
		why_len = 511;
	/* Fixed part, then the strings; the transcript is whatever the engine kept (it bounds it). */
	size_t cap = 64 + form_len + why_len + res->transcript_len + rdns_encoded_max(rdns);
	MDB_val k = {sizeof key, key}, v = {cap, NULL};
	int rc = mdb_put(store_ext_wtxn(w), probes, &k, &v, MDB_RESERVE);
	if (rc)
		return store_mdb_error(rc, "writing a probe");
	codec_writer_t c = {v.mv_data, 0};
	char form[64], why[512];
	memcpy(form, res->form_name, form_len);
	form[form_len] = '\0';
	memcpy(why, res->why, why_len);
	why[why_len] = '\0';
	codec_put_u8(&c, PROBE_RECORD_VERSION);
	codec_put_u32(&c, port);
	codec_put_u64(&c, (uint64_t)res->started);
	codec_put_u32(&c, res->elapsed_ms);
	codec_put_u8(&c, (uint8_t)res->verdict);
	codec_put_u8(&c, (uint8_t)(int8_t)res->form);
	codec_put_str(&c, form);
	codec_put_str(&c, why);
	codec_put_u32(&c, (uint32_t)res->transcript_len);
	memcpy((uint8_t *)v.mv_data + c.len, res->transcript, res->transcript_len);
	c.len += res->transcript_len;
	rdns_encode(rdns, &c);
	memset((uint8_t *)v.mv_data + c.len, 0, cap - c.len);

	host_record_t h;
	err = pipeline_host_get_w(w, addr, &h);
	if (err == RBL_ENOENT) {
		memset(&h, 0, sizeof h);
		h.addr = *addr;
	} else if (err) {
		return err;
	}
	h.last_probe = res->started;
	h.last_probe_id = *id;
	h.state = res->verdict == PROBE_OPEN ? HOST_OPEN : res->verdict == PROBE_CLOSED ? HOST_CLOSED : HOST_INCONCLUSIVE;
	h.inconclusive = res->verdict == PROBE_INCONCLUSIVE ? (uint16_t)(h.inconclusive + 1) : 0;
	return pipeline_host_put(w, &h);
}

struct probe_walk {
	const addr_t *addr;
	int (*fn)(const probe_record_t *p, void *ctx);
	void *ctx;
};

static int each_probe(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct probe_walk *w = arg;
	probe_record_t p;
	memset(&p, 0, sizeof p);
	p.addr = *w->addr;
	p.id = store_get_u64((const uint8_t *)k->mv_data + ADDR_KEY_LEN);
	codec_reader_t c = {v->mv_data, v->mv_size, false};
	uint8_t version = codec_get_u8(&c);
	if (version < 1 || version > PROBE_RECORD_VERSION)
		return RBL_ESTORE;
	p.port = (uint16_t)codec_get_u32(&c);
	p.started = (int64_t)codec_get_u64(&c);
	p.elapsed_ms = codec_get_u32(&c);
	p.verdict = codec_get_u8(&c);
	p.form = (int8_t)codec_get_u8(&c);
	codec_get_str(&c, p.form_name, sizeof p.form_name);
	codec_get_str(&c, p.why, sizeof p.why);
	p.transcript_len = codec_get_u32(&c);
	if (c.failed || p.transcript_len > c.left)
		return RBL_ESTORE;
	p.transcript = (const char *)c.p;
	codec_skip(&c, p.transcript_len);
	if (version >= 2)
		rdns_decode(&c, &p);
	if (c.failed)
		return RBL_ESTORE;
	return w->fn(&p, w->ctx);
}

int pipeline_probe_foreach(store_rtxn_t *r, const addr_t *addr, int (*fn)(const probe_record_t *p, void *ctx),
			   void *ctx)
{
	struct probe_walk w = {addr, fn, ctx};
	return pipeline_walk_addr(r, TABLE_PROBES, addr, each_probe, &w);
}

/* --- opt-outs */

static size_t optout_key(const cidr_t *net, uint8_t key[ADDR_KEY_LEN + 1])
{
	addr_key(&net->addr, key);
	key[ADDR_KEY_LEN] = net->len;
	return ADDR_KEY_LEN + 1;
}

/* The listings an opt-out removes, kept for their history events: written once the deletion walk has ended (the
 * predicate must not write while store_entries_delete_where's cursor walks). */
struct optout_delist {
	const cidr_t *net;
	struct optout_gone {
		uint32_t zone_id;
		cidr_t net;
		uint64_t evidence;
		int64_t expires;
	} *gone;
	size_t count, cap;
	bool failed; /* out of memory: the deletion goes on, the transaction is then refused */
};

/* The pipeline's listings — entries carrying a probe as evidence — inside net. */
static bool pipeline_listing_in(uint32_t zone_id, const entry_t *e, void *ctx)
{
	struct optout_delist *d = ctx;
	const cidr_t *net = d->net;
	if (!(e->evidence && e->net.addr.family == net->addr.family && e->net.len >= net->len &&
	      cidr_contains(net, &e->net.addr)))
		return false;
	if (d->count == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 16;
		void *grown = realloc(d->gone, cap * sizeof *d->gone);
		if (!grown) {
			d->failed = true;
			return true;
		}
		d->gone = grown;
		d->cap = cap;
	}
	d->gone[d->count++] = (struct optout_gone){zone_id, e->net, e->evidence, e->expires};
	return true;
}

/* One "delisted by opt-out" event per listing removed (per address: a pipeline listing is a /32 or /128). The zone
 * name is left empty: the zone is named by id, and readers resolve it while the zone exists. */
static int optout_events(store_wtxn_t *w, const optout_record_t *o, const struct optout_delist *d)
{
	char net[ADDR_STRLEN];
	cidr_format(&o->net, net);
	for (size_t i = 0; i < d->count; i++) {
		pipeline_event_t ev;
		memset(&ev, 0, sizeof ev);
		ev.addr = d->gone[i].net.addr;
		ev.kind = EVENT_DELISTED_OPTOUT;
		ev.zone_id = d->gone[i].zone_id;
		ev.probe_id = d->gone[i].evidence;
		ev.expires = d->gone[i].expires;
		snprintf(ev.note, sizeof ev.note, "opt-out %s", net);
		int err = pipeline_event_add(w, &ev);
		if (err)
			return err;
	}
	return RBL_OK;
}

int pipeline_optout_add(store_wtxn_t *w, const optout_record_t *o, uint64_t *delisted)
{
	MDB_dbi optout;
	int err = store_ext_table_w(w, TABLE_OPTOUT, &optout);
	if (err)
		return err;
	uint8_t key[ADDR_KEY_LEN + 1], val[8 + 2 + 256];
	codec_writer_t c = {val, 0};
	codec_put_u64(&c, (uint64_t)(o->created ? o->created : store_ext_now(w)));
	codec_put_str(&c, o->reason);
	MDB_val k = {optout_key(&o->net, key), key}, v = {c.len, val};
	int rc = mdb_put(store_ext_wtxn(w), optout, &k, &v, 0);
	if (rc)
		return store_mdb_error(rc, "writing an opt-out");
	struct optout_delist d = {.net = &o->net};
	err = store_entries_delete_where(w, pipeline_listing_in, &d, delisted);
	if (!err && d.failed)
		err = RBL_ENOMEM;
	if (!err)
		err = optout_events(w, o, &d);
	free(d.gone);
	return err;
}

int pipeline_optout_del(store_wtxn_t *w, const cidr_t *net)
{
	MDB_dbi optout;
	int err = store_ext_table_w(w, TABLE_OPTOUT, &optout);
	if (err)
		return err;
	uint8_t key[ADDR_KEY_LEN + 1];
	MDB_val k = {optout_key(net, key), key};
	int rc = mdb_del(store_ext_wtxn(w), optout, &k, NULL);
	return rc ? store_mdb_error(rc, "deleting an opt-out") : RBL_OK;
}

static int optout_walk(MDB_txn *txn, MDB_dbi optout, int (*fn)(const optout_record_t *o, void *ctx), void *ctx)
{
	int err = RBL_OK;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, optout, &cur);
	if (rc)
		return store_mdb_error(rc, "opening an opt-out cursor");
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc && !err; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != ADDR_KEY_LEN + 1) {
			err = RBL_ESTORE;
			break;
		}
		optout_record_t o;
		memset(&o, 0, sizeof o);
		addr_from_key(k.mv_data, &o.net.addr);
		o.net.len = ((const uint8_t *)k.mv_data)[ADDR_KEY_LEN];
		codec_reader_t c = {v.mv_data, v.mv_size, false};
		o.created = (int64_t)codec_get_u64(&c);
		codec_get_str(&c, o.reason, sizeof o.reason);
		err = c.failed ? RBL_ESTORE : fn(&o, ctx);
	}
	mdb_cursor_close(cur);
	return err;
}

/* The opt-out list is short (operators' own networks and those who asked): a walk is cheaper than an index. */
static int optout_walk_r(store_rtxn_t *r, int (*fn)(const optout_record_t *o, void *ctx), void *ctx)
{
	MDB_dbi optout;
	int err = store_ext_table_r(r, TABLE_OPTOUT, &optout);
	if (err)
		return err == RBL_ENOENT ? RBL_OK : err;
	return optout_walk(store_ext_rtxn(r), optout, fn, ctx);
}

int pipeline_optout_foreach(store_rtxn_t *r, int (*fn)(const optout_record_t *o, void *ctx), void *ctx)
{
	return optout_walk_r(r, fn, ctx);
}

struct covers {
	const addr_t *addr;
};

static int covers_one(const optout_record_t *o, void *ctx)
{
	const struct covers *c = ctx;
	return o->net.addr.family == c->addr->family && cidr_contains(&o->net, c->addr) ? 1 : 0;
}

int pipeline_optout_covers(store_rtxn_t *r, const addr_t *addr)
{
	struct covers c = {addr};
	return optout_walk_r(r, covers_one, &c);
}

int pipeline_optout_covers_w(store_wtxn_t *w, const addr_t *addr)
{
	MDB_dbi optout;
	int err = store_ext_table_w(w, TABLE_OPTOUT, &optout);
	if (err)
		return err;
	struct covers c = {addr};
	return optout_walk(store_ext_wtxn(w), optout, covers_one, &c);
}
