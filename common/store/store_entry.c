/* SPDX-License-Identifier: BSD-2-Clause */
/* store_entry.c — listings and exclusions: put, delete, expire, look up, walk. Every change also updates the lookup
 * index (store_index.c) and the journal, and marks the zone's serial for a bump, in the same transaction. */
#include "store_internal.h"

#include "base/err.h"
#include "base/log.h"

#include <stdlib.h>
#include <string.h>

static bool entry_expired(const entry_t *e, int64_t now)
{
	return e->expires != 0 && e->expires <= now;
}

/* The entry of zone_id at net, wherever it lives: *lone (when not NULL) says whether in index4 as a lone listing. */
static int entry_find(MDB_txn *txn, const store_t *st, uint32_t zone_id, const cidr_t *net, entry_t *e, bool *lone)
{
	if (lone)
		*lone = false;
	if (net->addr.family == ADDR_V4 && net->len == 32) {
		int err = store_lone_get(txn, st, zone_id, &net->addr, e);
		if (err != RBL_ENOENT) {
			if (lone)
				*lone = true;
			return err;
		}
	}
	uint8_t key[ENTRY_KEY_MAX];
	MDB_val k = {entry_key(zone_id, net, key), key}, v;
	int rc = mdb_get(txn, st->entries, &k, &v);
	if (rc)
		return store_mdb_error(rc, "reading an entry");
	memset(e, 0, sizeof *e);
	e->net = *net;
	return entry_decode(v.mv_data, v.mv_size, e);
}

static int entry_get_txn(MDB_txn *txn, const store_t *st, uint32_t zone_id, const cidr_t *net, entry_t *e)
{
	return entry_find(txn, st, zone_id, net, e, NULL);
}

static bool net_is_canonical(const cidr_t *net)
{
	if (net->addr.family != ADDR_V4 && net->addr.family != ADDR_V6)
		return false;
	if (net->len > addr_maxlen(net->addr.family))
		return false;
	addr_t masked = net->addr;
	addr_mask(&masked, net->len);
	return addr_cmp(&masked, &net->addr) == 0;
}

static size_t lens_key(uint32_t zone_id, uint8_t family, uint8_t key[9])
{
	memcpy(key, "lens", 4);
	store_put_u32(key + 4, zone_id);
	key[8] = family;
	return 9;
}

int store_lens_read(MDB_txn *txn, const store_t *st, uint32_t zone_id, uint8_t family,
		    uint8_t mask[STORE_LENS_BYTES])
{
	uint8_t key[9];
	MDB_val k = {lens_key(zone_id, family, key), key}, v;
	memset(mask, 0, STORE_LENS_BYTES);
	int rc = mdb_get(txn, st->meta, &k, &v);
	if (rc == MDB_NOTFOUND)
		return RBL_OK;
	if (rc)
		return store_mdb_error(rc, "reading prefix lengths");
	if (v.mv_size != STORE_LENS_BYTES)
		return RBL_ESTORE;
	memcpy(mask, v.mv_data, STORE_LENS_BYTES);
	return RBL_OK;
}

int store_lens_note(MDB_txn *txn, const store_t *st, uint32_t zone_id, uint8_t family, unsigned len)
{
	uint8_t mask[STORE_LENS_BYTES];
	int err = store_lens_read(txn, st, zone_id, family, mask);
	if (err || (mask[len / 8] & (1u << (len % 8))))
		return err;
	mask[len / 8] |= (uint8_t)(1u << (len % 8));
	uint8_t key[9];
	MDB_val k = {lens_key(zone_id, family, key), key}, v = {STORE_LENS_BYTES, mask};
	int rc = mdb_put(txn, st->meta, &k, &v, 0);
	return rc ? store_mdb_error(rc, "writing prefix lengths") : RBL_OK;
}

int store_lens_delete(MDB_txn *txn, const store_t *st, uint32_t zone_id)
{
	static const uint8_t families[] = {ADDR_V4, ADDR_V6};
	for (size_t i = 0; i < sizeof families; i++) {
		uint8_t key[9];
		MDB_val k = {lens_key(zone_id, families[i], key), key};
		int rc = mdb_del(txn, st->meta, &k, NULL);
		if (rc && rc != MDB_NOTFOUND)
			return store_mdb_error(rc, "deleting prefix lengths");
	}
	return RBL_OK;
}

/* Removes the stored record of old (an entry at the same network as a change): from entries, or its lone interval
 * (whose address a non-lone successor's rebuild, or a lone successor's put, then fills). */
static int drop_record(store_wtxn_t *w, uint32_t zone_id, const entry_t *old, bool lone)
{
	if (lone) {
		interval_key_t key;
		MDB_val k = store_interval_key(zone_id, &old->net.addr, &key);
		int rc = mdb_del(w->txn, w->st->index4, &k, NULL);
		return rc ? store_mdb_error(rc, "deleting a listing") : RBL_OK;
	}
	uint8_t key[ENTRY_KEY_MAX];
	MDB_val k = {entry_key(zone_id, &old->net, key), key};
	int rc = mdb_del(w->txn, w->st->entries, &k, NULL);
	return rc ? store_mdb_error(rc, "deleting an entry") : RBL_OK;
}

int store_entry_put(store_wtxn_t *w, uint32_t zone_id, entry_t *e)
{
	if (!net_is_canonical(&e->net) || e->ncodes > ENTRY_MAX_CODES || (e->flags & ~ENTRY_FLAGS_ALL))
		return RBL_EINVAL;
	entry_t old;
	bool old_lone;
	int err = entry_find(w->txn, w->st, zone_id, &e->net, &old, &old_lone);
	if (err && err != RBL_ENOENT)
		return err;
	bool added = err == RBL_ENOENT;
	e->created = added ? (e->created ? e->created : w->now) : old.created;
	e->updated = w->now;
	bool lone = store_lone_fits(e);
	/* The old record goes when the new one lives elsewhere; in the same place the write replaces it. */
	if (!added && old_lone != lone && (err = drop_record(w, zone_id, &old, old_lone)))
		return err;
	if (lone) {
		err = store_lone_put(w, zone_id, e, NULL);
	} else {
		uint8_t key[ENTRY_KEY_MAX], val[ENTRY_ENCODED_MAX];
		MDB_val k = {entry_key(zone_id, &e->net, key), key}, v = {entry_encode(e, val), val};
		int rc = mdb_put(w->txn, w->st->entries, &k, &v, 0);
		err = rc ? store_mdb_error(rc, "writing an entry") : RBL_OK;
	}
	if (err || (err = store_lens_note(w->txn, w->st, zone_id, e->net.addr.family, e->net.len)) ||
	    (err = store_journal_append(w, zone_id, 'A', e)))
		return err;
	store_touch(w, zone_id, added ? 1 : 0);
	return lone ? RBL_OK : store_index_rebuild(w->txn, w->st, zone_id, &e->net);
}

int store_entry_del(store_wtxn_t *w, uint32_t zone_id, const cidr_t *net)
{
	entry_t old;
	bool lone;
	int err = entry_find(w->txn, w->st, zone_id, net, &old, &lone);
	if (err)
		return err;
	if ((err = drop_record(w, zone_id, &old, lone)) || (err = store_journal_append(w, zone_id, 'D', &old)))
		return err;
	store_touch(w, zone_id, -1);
	return store_index_rebuild(w->txn, w->st, zone_id, net);
}

struct doomed {
	uint32_t zone_id;
	cidr_t net;
};

/* The doomed list, grown as needed. */
struct doomed_list {
	struct doomed *at;
	size_t count, cap;
};

static int doom(struct doomed_list *l, uint32_t zone_id, const cidr_t *net)
{
	int err = store_grow((void **)&l->at, &l->cap, l->count + 1, sizeof *l->at);
	if (!err)
		l->at[l->count++] = (struct doomed){zone_id, *net};
	return err;
}

/* Every entry of the entries table that doomed picks, into list. */
static int collect_entries(store_wtxn_t *w, bool (*doomed)(uint32_t zone_id, const entry_t *e, void *ctx), void *ctx,
			   struct doomed_list *list)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(w->txn, w->st->entries, &cur);
	if (rc)
		return store_mdb_error(rc, "opening an entry cursor");
	static _Thread_local entry_t e; /* 1.4 KiB: not on the stack of a loop body */
	int err = RBL_OK;
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		uint32_t zone_id;
		if (entry_key_decode(k.mv_data, k.mv_size, &zone_id, &e.net) || entry_decode(v.mv_data, v.mv_size, &e)) {
			err = RBL_ESTORE;
			log_err("store: malformed entry found while walking every entry");
			break;
		}
		if (doomed(zone_id, &e, ctx) && (err = doom(list, zone_id, &e.net)))
			break;
	}
	mdb_cursor_close(cur);
	return !err && rc != MDB_NOTFOUND ? store_mdb_error(rc, "walking entries") : err;
}

/* Whether a lone listing's value says it never expires (its expiry varint, after first address, length and flags, is
 * the single byte 0): read without decoding the listing. */
static bool lone_never_expires(const MDB_val *v)
{
	return v->mv_size > 6 && ((const uint8_t *)v->mv_data)[6] == 0;
}

/* Every lone listing that doomed picks, into list; with expiring_only, doomed picks only listings that expire, and
 * the others are not even decoded (an expiry pass over ten million listings every minute). */
static int collect_lone(store_wtxn_t *w, bool (*doomed)(uint32_t zone_id, const entry_t *e, void *ctx), void *ctx,
			bool expiring_only, struct doomed_list *list)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(w->txn, w->st->index4, &cur);
	if (rc)
		return store_mdb_error(rc, "opening an index cursor");
	static _Thread_local entry_t e;
	static _Thread_local store_origin_cache_t origin;
	origin.id = 0;
	int err = RBL_OK;
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		uint32_t zone_id;
		addr_t last;
		if (!store_lone_value(&v) || (expiring_only && lone_never_expires(&v)))
			continue;
		if (!store_interval_key_read(ADDR_V4, &k, &zone_id, &last) ||
		    store_lone_decode(w->txn, w->st, &v, &e, &origin)) {
			err = RBL_ESTORE;
			log_err("store: malformed listing found while walking every entry");
			break;
		}
		if (doomed(zone_id, &e, ctx) && (err = doom(list, zone_id, &e.net)))
			break;
	}
	mdb_cursor_close(cur);
	return !err && rc != MDB_NOTFOUND ? store_mdb_error(rc, "walking listings") : err;
}

static int delete_where(store_wtxn_t *w, bool (*doomed)(uint32_t zone_id, const entry_t *e, void *ctx), void *ctx,
			bool expiring_only, uint64_t *deleted)
{
	*deleted = 0;
	/* Collect first, delete after: deleting under a walking cursor would make the walk depend on LMDB's cursor
	 * repositioning rules. */
	struct doomed_list list = {0};
	int err = collect_entries(w, doomed, ctx, &list);
	if (!err)
		err = collect_lone(w, doomed, ctx, expiring_only, &list);
	for (size_t i = 0; !err && i < list.count; i++)
		err = store_entry_del(w, list.at[i].zone_id, &list.at[i].net);
	if (!err)
		*deleted = list.count;
	free(list.at);
	return err;
}

int store_entries_delete_where(store_wtxn_t *w, bool (*doomed)(uint32_t zone_id, const entry_t *e, void *ctx),
			       void *ctx, uint64_t *deleted)
{
	return delete_where(w, doomed, ctx, false, deleted);
}

static bool expired_at(uint32_t zone_id, const entry_t *e, void *ctx)
{
	(void)zone_id;
	return entry_expired(e, *(const int64_t *)ctx);
}

int store_expire(store_wtxn_t *w, int64_t now, uint64_t *purged)
{
	return delete_where(w, expired_at, &now, true, purged);
}

int store_zone_count_entries(MDB_txn *txn, const store_t *st, uint32_t zone_id, uint64_t *count)
{
	*count = 0;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, st->entries, &cur);
	if (rc)
		return store_mdb_error(rc, "opening an entry cursor");
	uint8_t prefix[4];
	store_put_u32(prefix, zone_id);
	MDB_val k = {sizeof prefix, prefix}, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < 4 || memcmp(k.mv_data, prefix, 4) != 0)
			break;
		(*count)++;
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return store_mdb_error(rc, "counting entries");
	uint64_t lone;
	int err = store_lone_count(txn, st, zone_id, &lone);
	*count += lone;
	return err;
}

int store_entry_get(store_rtxn_t *r, uint32_t zone_id, const cidr_t *net, entry_t *e)
{
	return entry_get_txn(r->txn, r->st, zone_id, net, e);
}

int store_covering_entry(MDB_txn *txn, const store_t *st, uint32_t zone_id, const addr_t *a, unsigned max_len,
			 int64_t now, entry_t *e)
{
	uint8_t lens[STORE_LENS_BYTES];
	int err = store_lens_read(txn, st, zone_id, a->family, lens);
	if (err)
		return err;
	for (int len = (int)max_len; len >= 0; len--) {
		if (!(lens[len / 8] & (1u << (len % 8))))
			continue;
		cidr_t net = {*a, (uint8_t)len};
		addr_mask(&net.addr, (unsigned)len);
		err = entry_get_txn(txn, st, zone_id, &net, e);
		if (err == RBL_ENOENT)
			continue;
		if (err)
			return err;
		if (now == 0 || !entry_expired(e, now))
			return RBL_OK;
	}
	return RBL_ENOENT;
}

int store_entry_covering(store_rtxn_t *r, uint32_t zone_id, const addr_t *a, int64_t now, entry_t *e)
{
	return store_covering_entry(r->txn, r->st, zone_id, a, addr_maxlen(a->family), now, e);
}

int store_entry_covering_net(store_rtxn_t *r, uint32_t zone_id, const cidr_t *net, int64_t now, entry_t *e)
{
	return store_covering_entry(r->txn, r->st, zone_id, &net->addr, net->len, now, e);
}

/* The entries of a zone (within NULL) or of within, in key order. */
static int foreach_entry(store_rtxn_t *r, uint32_t zone_id, const cidr_t *within,
			 int (*fn)(const entry_t *e, void *ctx), void *ctx)
{
	store_walk_t *walk = malloc(sizeof *walk); /* two entries and two values: not for the stack */
	entry_t *e = malloc(sizeof *e);
	int err = walk && e ? store_walk_open(walk, r->txn, r->st, zone_id, within) : RBL_ENOMEM;
	if (!err) {
		bool lone;
		while ((err = store_walk_next(walk, e, &lone)) == 1)
			/* The walk also gives a wider network at within's first address: not inside it. */
			if ((!within || e->net.len >= within->len) && (err = fn(e, ctx)))
				break;
		store_walk_close(walk);
	}
	free(walk);
	free(e);
	return err;
}

int store_entry_foreach(store_rtxn_t *r, uint32_t zone_id, int (*fn)(const entry_t *e, void *ctx), void *ctx)
{
	return foreach_entry(r, zone_id, NULL, fn, ctx);
}

int store_entry_foreach_within(store_rtxn_t *r, uint32_t zone_id, const cidr_t *net,
			       int (*fn)(const entry_t *e, void *ctx), void *ctx)
{
	return foreach_entry(r, zone_id, net, fn, ctx);
}
