/* SPDX-License-Identifier: BSD-2-Clause */
/* store_index.c — keeps the lookup index (non-overlapping intervals) in step with the entries.
 *
 * A change to prefix P only affects addresses inside P. The rebuild (1) removes the intervals inside P's range and
 * trims the ones that straddle its ends, (2) sweeps the entries inside P in key order — network address, then
 * prefix length, which visits every prefix before the prefixes nested in it — with a stack of open prefixes, the
 * deepest covering one owning each stretch of addresses, and writes one interval per stretch owned by a listing.
 * Exclusions own their stretches too but write nothing — a hole is "not listed" — unless they expire: then the
 * stretch gets an interval flagged ENTRY_EXCLUDE, so the query path can see the expiry and let the covering listing
 * answer once it has passed. Cost: O(entries inside P + log n).
 */
#include "store_internal.h"

#include "base/codec.h"
#include "base/err.h"

#include <string.h>

size_t store_interval_key(uint32_t zone_id, const addr_t *last, uint8_t key[INTERVAL_KEY_MAX])
{
	size_t n = addr_bytes(last->family);
	store_put_u32(key, zone_id);
	key[4] = last->family;
	memcpy(key + 5, last->b, n);
	return 5 + n;
}

/* An open prefix during the sweep: which addresses it owns ends at last. */
struct frame {
	addr_t last;
	bool writes; /* owns intervals: a listing, or an exclusion that expires */
	uint8_t payload[INTERVAL_VALUE_MAX];
	size_t payload_len; /* the interval value after its first address */
};

static void frame_from_entry(struct frame *f, const entry_t *e)
{
	cidr_last(&e->net, &f->last);
	f->writes = !(e->flags & ENTRY_EXCLUDE) || e->expires != 0;
	codec_writer_t c = {f->payload, 0};
	codec_put_u8(&c, e->net.len);
	codec_put_u8(&c, e->flags);
	codec_put_varint(&c, (uint64_t)e->expires); /* 0 (never) takes one byte */
	codec_put_u8(&c, e->ncodes);
	for (unsigned i = 0; i < e->ncodes; i++) {
		codec_put_u8(&c, (uint8_t)(e->codes[i] >> 16));
		codec_put_u8(&c, (uint8_t)(e->codes[i] >> 8));
		codec_put_u8(&c, (uint8_t)e->codes[i]);
	}
	f->payload_len = c.len;
}

static int put_interval(MDB_txn *txn, const store_t *st, uint32_t zone_id, const addr_t *first, const addr_t *last,
			const uint8_t *payload, size_t payload_len)
{
	uint8_t key[INTERVAL_KEY_MAX], val[INTERVAL_VALUE_MAX];
	size_t n = addr_bytes(first->family);
	memcpy(val, first->b, n);
	memcpy(val + n, payload, payload_len);
	MDB_val k = {store_interval_key(zone_id, last, key), key}, v = {n + payload_len, val};
	int rc = mdb_put(txn, st->index, &k, &v, 0);
	return rc ? store_mdb_error(rc, "writing an interval") : RBL_OK;
}

/* What is left of an interval that straddles an end of the rebuilt range. */
struct remainder {
	bool present;
	addr_t first, last;
	uint8_t payload[INTERVAL_VALUE_MAX];
	size_t payload_len;
};

static void keep_remainder(struct remainder *r, const addr_t *first, const addr_t *last, const MDB_val *v, size_t n)
{
	r->present = true;
	r->first = *first;
	r->last = *last;
	r->payload_len = v->mv_size - n;
	memcpy(r->payload, (const uint8_t *)v->mv_data + n, r->payload_len);
}

/* Removes every interval meeting [lo, hi], keeping the parts of straddling ones that lie outside it. */
static int clear_range(MDB_txn *txn, const store_t *st, uint32_t zone_id, const addr_t *lo, const addr_t *hi)
{
	size_t n = addr_bytes(lo->family);
	uint8_t seek[INTERVAL_KEY_MAX];
	size_t seek_len = store_interval_key(zone_id, lo, seek);
	struct remainder left = {0}, right = {0};
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, st->index, &cur);
	if (rc)
		return store_mdb_error(rc, "opening an index cursor");
	MDB_val k = {seek_len, seek}, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)) {
		if (k.mv_size != seek_len || memcmp(k.mv_data, seek, 5) != 0 || v.mv_size < n ||
		    v.mv_size > INTERVAL_VALUE_MAX) /* the maximum counts the first address too */
			break;
		addr_t first = {.family = lo->family}, last = {.family = lo->family};
		memcpy(last.b, (const uint8_t *)k.mv_data + 5, n);
		memcpy(first.b, v.mv_data, n);
		if (addr_cmp(&first, hi) > 0)
			break;
		if (addr_cmp(&first, lo) < 0) {
			addr_t end = *lo;
			addr_dec(&end);
			keep_remainder(&left, &first, &end, &v, n);
		}
		if (addr_cmp(&last, hi) > 0) {
			addr_t start = *hi;
			addr_inc(&start);
			keep_remainder(&right, &start, &last, &v, n);
		}
		rc = mdb_cursor_del(cur, 0);
		if (rc)
			break;
		k.mv_size = seek_len;
		k.mv_data = seek;
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return store_mdb_error(rc, "clearing intervals");
	int err = RBL_OK;
	if (left.present)
		err = put_interval(txn, st, zone_id, &left.first, &left.last, left.payload, left.payload_len);
	if (!err && right.present)
		err = put_interval(txn, st, zone_id, &right.first, &right.last, right.payload, right.payload_len);
	return err;
}

/* The sweep's state: a stack of open prefixes and the first address not yet given to one. */
struct sweep {
	store_interval_fn emit; /* what becomes of each interval: written, or compared (store_verify.c) */
	void *emit_ctx;
	struct frame stack[130]; /* one per prefix length, plus the base */
	unsigned depth;
	addr_t next;
	bool exhausted; /* next ran past the all-ones address */
};

/* Gives [s->next, to] to the innermost open prefix and moves next past it. */
static int sweep_emit(struct sweep *s, const addr_t *to)
{
	if (s->exhausted || addr_cmp(&s->next, to) > 0)
		return RBL_OK;
	const struct frame *top = &s->stack[s->depth - 1];
	int err = RBL_OK;
	if (top->writes)
		err = s->emit(s->emit_ctx, &s->next, to, top->payload, top->payload_len);
	s->next = *to;
	if (!addr_inc(&s->next))
		s->exhausted = true;
	return err;
}

/* Closes the prefixes that end before addr. */
static int sweep_close_before(struct sweep *s, const addr_t *addr)
{
	while (s->depth > 1 && addr_cmp(&s->stack[s->depth - 1].last, addr) < 0) {
		int err = sweep_emit(s, &s->stack[s->depth - 1].last);
		if (err)
			return err;
		s->depth--;
	}
	return RBL_OK;
}

static int sweep_entry(struct sweep *s, const entry_t *e)
{
	addr_t first;
	cidr_first(&e->net, &first);
	int err = sweep_close_before(s, &first);
	if (err)
		return err;
	addr_t before = first;
	if (addr_dec(&before) && (err = sweep_emit(s, &before)))
		return err;
	if (s->depth == sizeof s->stack / sizeof s->stack[0])
		return RBL_ESTORE; /* impossible with nested CIDRs: one frame per prefix length */
	frame_from_entry(&s->stack[s->depth++], e);
	return RBL_OK;
}

/* Sweeps the entries inside net, handing each interval they call for to emit. */
static int sweep_range(MDB_txn *txn, const store_t *st, uint32_t zone_id, const cidr_t *net, store_interval_fn emit,
		       void *emit_ctx)
{
	addr_t lo, hi;
	cidr_first(net, &lo);
	cidr_last(net, &hi);
	static _Thread_local struct sweep s; /* 130 frames: too large for a comfortable stack frame */
	memset(&s, 0, sizeof s);
	s.emit = emit;
	s.emit_ctx = emit_ctx;
	s.next = lo;
	/* The base frame: whatever covers all of net from outside it. */
	entry_t cover;
	int err = net->len ? store_covering_entry(txn, st, zone_id, &lo, net->len - 1u, 0, &cover) : RBL_ENOENT;
	if (err && err != RBL_ENOENT)
		return err;
	if (err == RBL_OK)
		frame_from_entry(&s.stack[0], &cover);
	else
		s.stack[0].writes = false;
	err = RBL_OK;
	s.stack[0].last = hi;
	s.depth = 1;

	/* Every entry inside net, from net itself onwards, in key order. */
	uint8_t seek[ENTRY_KEY_MAX];
	size_t seek_len = entry_key(zone_id, net, seek);
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, st->entries, &cur);
	if (rc)
		return store_mdb_error(rc, "opening an entry cursor");
	MDB_val k = {seek_len, seek}, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != seek_len || memcmp(k.mv_data, seek, 5) != 0)
			break;
		entry_t e;
		uint32_t id;
		memset(&e, 0, sizeof e);
		if (entry_key_decode(k.mv_data, k.mv_size, &id, &e.net) || entry_decode(v.mv_data, v.mv_size, &e)) {
			err = RBL_ESTORE;
			break;
		}
		if (!cidr_contains(net, &e.net.addr))
			break;
		if ((err = sweep_entry(&s, &e)))
			break;
	}
	mdb_cursor_close(cur);
	if (!err && rc && rc != MDB_NOTFOUND)
		err = store_mdb_error(rc, "walking entries");
	while (!err && s.depth > 0) {
		err = sweep_emit(&s, &s.stack[s.depth - 1].last);
		s.depth--;
	}
	return err;
}

struct writer {
	MDB_txn *txn;
	const store_t *st;
	uint32_t zone_id;
};

static int write_interval(void *ctx, const addr_t *first, const addr_t *last, const uint8_t *payload,
			  size_t payload_len)
{
	const struct writer *w = ctx;
	return put_interval(w->txn, w->st, w->zone_id, first, last, payload, payload_len);
}

int store_index_rebuild(MDB_txn *txn, const store_t *st, uint32_t zone_id, const cidr_t *net)
{
	addr_t lo, hi;
	cidr_first(net, &lo);
	cidr_last(net, &hi);
	int err = clear_range(txn, st, zone_id, &lo, &hi);
	if (err)
		return err;
	struct writer w = {txn, st, zone_id};
	return sweep_range(txn, st, zone_id, net, write_interval, &w);
}

int store_index_expected(MDB_txn *txn, const store_t *st, uint32_t zone_id, uint8_t family, store_interval_fn emit,
			 void *ctx)
{
	cidr_t all = {.addr = {.family = family}, .len = 0};
	return sweep_range(txn, st, zone_id, &all, emit, ctx);
}
