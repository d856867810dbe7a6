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
 *
 * IPv4 intervals live in index4 under integer keys, IPv6 ones in index (store_internal.h: interval keys); both hold
 * the same values, and everything here goes through store_index_dbi and store_interval_key.
 */
#include "store_internal.h"

#include "base/codec.h"
#include "base/err.h"

#include <stdlib.h>
#include <string.h>

static uint64_t load_be64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof v);
	return __builtin_bswap64(v);
}

int store_interval6_cmp(const MDB_val *a, const MDB_val *b)
{
	const uint8_t *x = a->mv_data, *y = b->mv_data;
	if (a->mv_size != INTERVAL6_KEY_SIZE || b->mv_size != INTERVAL6_KEY_SIZE) {
		size_t n = a->mv_size < b->mv_size ? a->mv_size : b->mv_size;
		int diff = memcmp(x, y, n);
		return diff ? diff : (a->mv_size > b->mv_size) - (a->mv_size < b->mv_size);
	}
	/* Bytes 0-7, 8-15, then 13-20: the last word overlaps bytes already found equal. */
	static const unsigned at[] = {0, 8, INTERVAL6_KEY_SIZE - 8};
	for (unsigned i = 0; i < 3; i++) {
		uint64_t p = load_be64(x + at[i]), q = load_be64(y + at[i]);
		if (p != q)
			return p < q ? -1 : 1;
	}
	return 0;
}

bool store_interval_key_read(uint8_t family, const MDB_val *k, uint32_t *zone_id, addr_t *last)
{
	memset(last, 0, sizeof *last);
	last->family = family;
	if (family == ADDR_V4) {
		uint64_t key;
		if (k->mv_size != INTERVAL4_KEY_SIZE)
			return false;
		memcpy(&key, k->mv_data, sizeof key);
		*zone_id = (uint32_t)(key >> 32);
		store_put_u32(last->b, (uint32_t)key);
		return true;
	}
	const uint8_t *p = k->mv_data;
	if (k->mv_size != INTERVAL6_KEY_SIZE || p[4] != ADDR_V6)
		return false;
	*zone_id = store_get_u32(p);
	memcpy(last->b, p + 5, 16);
	return true;
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
	interval_key_t key;
	uint8_t val[INTERVAL_VALUE_MAX];
	size_t n = addr_bytes(first->family);
	memcpy(val, first->b, n);
	memcpy(val + n, payload, payload_len);
	MDB_val k = store_interval_key(zone_id, last, &key), v = {n + payload_len, val};
	int rc = mdb_put(txn, store_index_dbi(st, first->family), &k, &v, 0);
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

/* Whether an interval value of family's table is a lone listing's. */
static bool lone_interval(uint8_t family, const MDB_val *v)
{
	return family == ADDR_V4 && store_lone_value(v);
}

int store_index_clear(MDB_txn *txn, const store_t *st, uint32_t zone_id, const addr_t *lo, const addr_t *hi,
		      bool keep_lone)
{
	size_t n = addr_bytes(lo->family);
	interval_key_t seek;
	struct remainder left = {0}, right = {0};
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, store_index_dbi(st, lo->family), &cur);
	if (rc)
		return store_mdb_error(rc, "opening an index cursor");
	/* After a delete the cursor seeks again from lo; past a kept lone listing it steps on (nothing was written). */
	MDB_val k = store_interval_key(zone_id, lo, &seek), v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); !rc;) {
		uint32_t id;
		addr_t first = {.family = lo->family}, last;
		if (!store_interval_key_read(lo->family, &k, &id, &last) || id != zone_id || v.mv_size < n ||
		    v.mv_size > INTERVAL_VALUE_MAX) /* the maximum counts the first address too */
			break;
		memcpy(first.b, v.mv_data, n);
		if (addr_cmp(&first, hi) > 0)
			break;
		if (keep_lone && lone_interval(lo->family, &v)) {
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
			continue;
		}
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
		addr_t after = last;
		bool more = addr_inc(&after);
		rc = mdb_cursor_del(cur, 0);
		if (rc || !more)
			break;
		k = store_interval_key(zone_id, &after, &seek);
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
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
	store_walk_t walk; /* sweep_range's */
	entry_t entry;
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

/* The entry e opens a frame; a lone listing's (lone_value: its interval value, as stored) answers with its
 * interval as it is, which the rebuild's writer then leaves where it is. */
static int sweep_push(struct sweep *s, const entry_t *e, const uint8_t *lone_value, size_t lone_len)
{
	int err = sweep_entry(s, e);
	if (!err && lone_value) {
		struct frame *f = &s->stack[s->depth - 1];
		f->payload_len = lone_len - 4;
		memcpy(f->payload, lone_value + 4, f->payload_len);
	}
	return err;
}

/* Closes every open frame, giving out the rest of the range. */
static int sweep_finish(struct sweep *s)
{
	int err = RBL_OK;
	while (!err && s->depth > 0) {
		err = sweep_emit(s, &s->stack[s->depth - 1].last);
		s->depth--;
	}
	return err;
}

/* Sets s up for [lo, hi], with the base frame cover (NULL: nothing covers it from outside). */
static void sweep_start(struct sweep *s, const addr_t *lo, const addr_t *hi, const entry_t *cover,
			store_interval_fn emit, void *emit_ctx)
{
	memset(s, 0, sizeof *s);
	s->emit = emit;
	s->emit_ctx = emit_ctx;
	s->next = *lo;
	if (cover)
		frame_from_entry(&s->stack[0], cover);
	else
		s->stack[0].writes = false;
	s->stack[0].last = *hi;
	s->depth = 1;
}

/* Sweeps the entries inside net, handing each interval they call for to emit. */
static int sweep_range(MDB_txn *txn, const store_t *st, uint32_t zone_id, const cidr_t *net, store_interval_fn emit,
		       void *emit_ctx)
{
	addr_t lo, hi;
	cidr_first(net, &lo);
	cidr_last(net, &hi);
	static _Thread_local struct sweep s; /* 130 frames: too large for a comfortable stack frame */
	/* The base frame: whatever covers all of net from outside it. */
	entry_t cover;
	int err = net->len ? store_covering_entry(txn, st, zone_id, &lo, net->len - 1u, 0, &cover) : RBL_ENOENT;
	if (err && err != RBL_ENOENT)
		return err;
	sweep_start(&s, &lo, &hi, err == RBL_OK ? &cover : NULL, emit, emit_ctx);

	/* Every entry inside net, from net itself onwards, in key order. */
	store_walk_t *walk = &s.walk;
	if ((err = store_walk_open(walk, txn, st, zone_id, net)))
		return err;
	entry_t *e = &s.entry;
	bool lone;
	while ((err = store_walk_next(walk, e, &lone)) == 1)
		if ((err = sweep_push(&s, e, lone ? walk->value : NULL, walk->value_len)))
			break;
	store_walk_close(walk);
	return err ? err : sweep_finish(&s);
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
	if (first->family == ADDR_V4 && (payload[1] & INTERVAL_LONE))
		return RBL_OK; /* a lone listing: its interval is the listing, kept by the clear */
	return put_interval(w->txn, w->st, w->zone_id, first, last, payload, payload_len);
}

int store_index_rebuild(MDB_txn *txn, const store_t *st, uint32_t zone_id, const cidr_t *net)
{
	addr_t lo, hi;
	cidr_first(net, &lo);
	cidr_last(net, &hi);
	int err = store_index_clear(txn, st, zone_id, &lo, &hi, true);
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

int store_index_delete_zone(MDB_txn *txn, const store_t *st, uint32_t zone_id)
{
	static const uint8_t families[] = {ADDR_V4, ADDR_V6};
	for (size_t i = 0; i < sizeof families; i++) {
		cidr_t all = {.addr = {.family = families[i]}, .len = 0};
		addr_t lo, hi;
		cidr_first(&all, &lo);
		cidr_last(&all, &hi);
		/* The whole space, lone listings too: nothing straddles it. */
		int err = store_index_clear(txn, st, zone_id, &lo, &hi, false);
		if (err)
			return err;
	}
	return RBL_OK;
}

/* A format-3 IPv4 interval: key zone id (4, BE) · ADDR_V4 · last address (4, BE), value as in index4. */
static bool format3_v4_interval(const MDB_val *k, const MDB_val *v)
{
	return k->mv_size == 9 && ((const uint8_t *)k->mv_data)[4] == ADDR_V4 &&
	       v->mv_size >= 4 + INTERVAL_PAYLOAD_MIN && v->mv_size <= INTERVAL_VALUE_MAX;
}

/* Copies every format-3 IPv4 interval of index into index4; *copied = how many. */
static int copy_v4(MDB_txn *txn, const store_t *st, uint64_t *copied)
{
	MDB_cursor *from, *to;
	int rc = mdb_cursor_open(txn, st->index, &from);
	if (rc)
		return store_mdb_error(rc, "opening an index cursor");
	if ((rc = mdb_cursor_open(txn, st->index4, &to))) {
		mdb_cursor_close(from);
		return store_mdb_error(rc, "opening an index cursor");
	}
	MDB_val k, v;
	for (rc = mdb_cursor_get(from, &k, &v, MDB_FIRST); !rc; rc = mdb_cursor_get(from, &k, &v, MDB_NEXT)) {
		if (!format3_v4_interval(&k, &v))
			continue; /* IPv6, or damage left for rbltool verify to report */
		const uint8_t *p = k.mv_data;
		addr_t last = {.family = ADDR_V4, .b = {p[5], p[6], p[7], p[8]}};
		interval_key_t key;
		MDB_val nk = store_interval_key(store_get_u32(p), &last, &key);
		/* Format 3's keys sort as the integer keys do, so each is appended while index4 is empty; one that is
		 * not (a store written by this format and marked older) takes a plain put. */
		rc = mdb_cursor_put(to, &nk, &v, MDB_APPEND);
		if (rc == MDB_KEYEXIST)
			rc = mdb_cursor_put(to, &nk, &v, 0);
		if (rc)
			break;
		(*copied)++;
	}
	mdb_cursor_close(from);
	mdb_cursor_close(to);
	return rc && rc != MDB_NOTFOUND ? store_mdb_error(rc, "copying the IPv4 intervals") : RBL_OK;
}

/* Deletes every format-3 IPv4 interval from index, one by one (IPv6 intervals stay). */
static int delete_v4(MDB_txn *txn, const store_t *st)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, st->index, &cur);
	if (rc)
		return store_mdb_error(rc, "opening an index cursor");
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc;) {
		if (!format3_v4_interval(&k, &v)) {
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
			continue;
		}
		uint8_t deleted[9];
		memcpy(deleted, k.mv_data, sizeof deleted);
		if ((rc = mdb_cursor_del(cur, 0)))
			break;
		/* The first key after the deleted one: seek rather than rely on where a delete leaves the cursor. */
		k = (MDB_val){sizeof deleted, deleted};
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	}
	mdb_cursor_close(cur);
	return rc && rc != MDB_NOTFOUND ? store_mdb_error(rc, "deleting the old IPv4 intervals") : RBL_OK;
}

int store_index_move_v4(MDB_txn *txn, const store_t *st)
{
	uint64_t copied = 0;
	int err = copy_v4(txn, st, &copied);
	if (err || !copied)
		return err;
	MDB_stat ms;
	int rc = mdb_stat(txn, st->index, &ms);
	if (rc)
		return store_mdb_error(rc, "counting the index");
	if (ms.ms_entries != copied)
		return delete_v4(txn, st);
	/* Nothing else was there (a store without IPv6 listings): emptying the table is one call, not one per key. */
	rc = mdb_drop(txn, st->index, 0);
	return rc ? store_mdb_error(rc, "emptying the old index") : RBL_OK;
}

/* A family's whole index written in key order from a stream of entries (store_internal.h). */
struct store_index_stream {
	struct sweep sweep;
	MDB_cursor *cur;
	uint32_t zone_id;
	bool append; /* until LMDB refuses an append once */
};

static int stream_write(void *ctx, const addr_t *first, const addr_t *last, const uint8_t *payload,
			size_t payload_len)
{
	store_index_stream_t *s = ctx;
	interval_key_t key;
	uint8_t val[INTERVAL_VALUE_MAX];
	size_t n = addr_bytes(first->family);
	memcpy(val, first->b, n);
	memcpy(val + n, payload, payload_len);
	MDB_val k = store_interval_key(s->zone_id, last, &key), v = {n + payload_len, val};
	int rc = s->append ? mdb_cursor_put(s->cur, &k, &v, MDB_APPEND) : MDB_KEYEXIST;
	if (rc == MDB_KEYEXIST) {
		s->append = false;
		rc = mdb_cursor_put(s->cur, &k, &v, 0);
	}
	return rc ? store_mdb_error(rc, "writing an interval") : RBL_OK;
}

int store_index_stream_begin(MDB_txn *txn, const store_t *st, uint32_t zone_id, uint8_t family,
			     store_index_stream_t **out)
{
	*out = NULL;
	store_index_stream_t *s = malloc(sizeof *s);
	if (!s)
		return RBL_ENOMEM;
	cidr_t all = {.addr = {.family = family}, .len = 0};
	addr_t lo, hi;
	cidr_first(&all, &lo);
	cidr_last(&all, &hi);
	sweep_start(&s->sweep, &lo, &hi, NULL, stream_write, s);
	s->zone_id = zone_id;
	s->append = true;
	int rc = mdb_cursor_open(txn, store_index_dbi(st, family), &s->cur);
	if (rc) {
		free(s);
		return store_mdb_error(rc, "opening an index cursor");
	}
	*out = s;
	return RBL_OK;
}

int store_index_stream_entry(store_index_stream_t *s, const entry_t *e, const uint8_t *lone_value, size_t lone_len)
{
	return sweep_push(&s->sweep, e, lone_value, lone_len);
}

int store_index_stream_end(store_index_stream_t *s, bool write)
{
	if (!s)
		return RBL_OK;
	int err = write ? sweep_finish(&s->sweep) : RBL_OK;
	mdb_cursor_close(s->cur);
	free(s);
	return err;
}
