/* SPDX-License-Identifier: BSD-2-Clause */
/* store_walk.c — a zone's entries in key order from both places they live: the entries table and index4's lone
 * listings (store_internal.h), merged. Each place keeps its next entry decoded (a copy: the caller may write between
 * steps) and, once it is taken, seeks past it afresh rather than trust a cursor across the caller's writes. */
#include "store_internal.h"

#include "base/err.h"
#include "base/log.h"

#include <string.h>

enum { FROM_ENTRIES, FROM_LONE };

int store_walk_open(store_walk_t *walk, MDB_txn *txn, const store_t *st, uint32_t zone_id, const cidr_t *within)
{
	memset(walk, 0, sizeof *walk);
	walk->txn = txn;
	walk->st = st;
	walk->zone_id = zone_id;
	walk->whole_zone = within == NULL;
	if (within)
		walk->within = *within;
	int rc = mdb_cursor_open(txn, st->entries, &walk->entries);
	if (!rc && (rc = mdb_cursor_open(txn, st->index4, &walk->lone))) {
		mdb_cursor_close(walk->entries);
		walk->entries = NULL;
	}
	return rc ? store_mdb_error(rc, "opening an entry cursor") : RBL_OK;
}

void store_walk_close(store_walk_t *walk)
{
	if (walk->entries)
		mdb_cursor_close(walk->entries);
	if (walk->lone)
		mdb_cursor_close(walk->lone);
	walk->entries = walk->lone = NULL;
}

static bool inside(const store_walk_t *walk, const cidr_t *net)
{
	return walk->whole_zone ||
	       (net->addr.family == walk->within.addr.family && cidr_contains(&walk->within, &net->addr));
}

/* The next entry of the entries table past the last one taken (or from the start): 1, 0, or an error. */
static int fetch_entry(store_walk_t *walk, entry_t *e)
{
	uint8_t seek[ENTRY_KEY_MAX];
	size_t prefix = 4; /* the zone id; with a range, its family too */
	MDB_val k, v;
	if (walk->started[FROM_ENTRIES]) {
		k = (MDB_val){entry_key(walk->zone_id, &walk->last[FROM_ENTRIES], seek), seek};
	} else if (walk->whole_zone) {
		store_put_u32(seek, walk->zone_id);
		k = (MDB_val){4, seek};
	} else {
		k = (MDB_val){entry_key(walk->zone_id, &walk->within, seek), seek};
	}
	if (!walk->whole_zone)
		prefix = 5;
	size_t seek_len = k.mv_size;
	int rc = mdb_cursor_get(walk->entries, &k, &v, MDB_SET_RANGE);
	if (!rc && walk->started[FROM_ENTRIES] && k.mv_size == seek_len && memcmp(k.mv_data, seek, seek_len) == 0)
		rc = mdb_cursor_get(walk->entries, &k, &v, MDB_NEXT);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return store_mdb_error(rc, "walking entries");
	if (k.mv_size < prefix || memcmp(k.mv_data, seek, prefix) != 0)
		return 0;
	uint32_t id;
	memset(e, 0, sizeof *e);
	if (entry_key_decode(k.mv_data, k.mv_size, &id, &e->net) || entry_decode(v.mv_data, v.mv_size, e)) {
		log_err("store: malformed entry in zone %u", walk->zone_id);
		return RBL_ESTORE;
	}
	return inside(walk, &e->net) ? 1 : 0;
}

/* The next lone listing past the last one taken (or from the start): 1, 0, or an error. */
static int fetch_lone(store_walk_t *walk, entry_t *e)
{
	if (!walk->whole_zone && walk->within.addr.family != ADDR_V4)
		return 0;
	addr_t from = {.family = ADDR_V4};
	if (walk->started[FROM_LONE]) {
		from = walk->last[FROM_LONE].addr;
		if (!addr_inc(&from))
			return 0;
	} else if (!walk->whole_zone) {
		cidr_first(&walk->within, &from);
	}
	interval_key_t key;
	MDB_val k = store_interval_key(walk->zone_id, &from, &key), v;
	int rc;
	for (rc = mdb_cursor_get(walk->lone, &k, &v, MDB_SET_RANGE); !rc;
	     rc = mdb_cursor_get(walk->lone, &k, &v, MDB_NEXT)) {
		uint32_t id;
		addr_t last;
		if (!store_interval_key_read(ADDR_V4, &k, &id, &last) || id != walk->zone_id)
			return 0;
		if (!walk->whole_zone && !cidr_contains(&walk->within, &last))
			return 0;
		if (!store_lone_value(&v))
			continue;
		int err = store_lone_decode(walk->txn, walk->st, &v, e, &walk->origin);
		if (!err && (addr_cmp(&e->net.addr, &last) != 0 || v.mv_size > sizeof walk->lone_head_value))
			err = RBL_ESTORE;
		if (!err) {
			memcpy(walk->lone_head_value, v.mv_data, v.mv_size);
			walk->lone_head_len = v.mv_size;
		}
		if (err)
			log_err("store: malformed listing in zone %u's index", walk->zone_id);
		return err ? err : 1;
	}
	return rc == MDB_NOTFOUND ? 0 : store_mdb_error(rc, "walking listings");
}

/* Key order: the entry keys' bytes (family, address, prefix length). */
static int key_order(uint32_t zone_id, const entry_t *a, const entry_t *b)
{
	uint8_t ka[ENTRY_KEY_MAX], kb[ENTRY_KEY_MAX];
	size_t la = entry_key(zone_id, &a->net, ka), lb = entry_key(zone_id, &b->net, kb);
	int diff = memcmp(ka, kb, la < lb ? la : lb);
	return diff ? diff : (la > lb) - (la < lb);
}

int store_walk_next(store_walk_t *walk, entry_t *e, bool *lone)
{
	for (int i = 0; i < 2; i++) {
		if (walk->fetched[i])
			continue;
		int got = i == FROM_ENTRIES ? fetch_entry(walk, &walk->buf[i]) : fetch_lone(walk, &walk->buf[i]);
		if (got < 0)
			return got;
		walk->head[i] = got ? &walk->buf[i] : NULL;
		walk->fetched[i] = true;
	}
	int from;
	if (!walk->head[FROM_ENTRIES] && !walk->head[FROM_LONE])
		return 0;
	if (!walk->head[FROM_LONE])
		from = FROM_ENTRIES;
	else if (!walk->head[FROM_ENTRIES])
		from = FROM_LONE;
	else
		from = key_order(walk->zone_id, walk->head[FROM_ENTRIES], walk->head[FROM_LONE]) <= 0 ? FROM_ENTRIES
												     : FROM_LONE;
	*e = *walk->head[from];
	*lone = from == FROM_LONE;
	if (*lone) {
		memcpy(walk->value, walk->lone_head_value, walk->lone_head_len);
		walk->value_len = walk->lone_head_len;
	}
	walk->last[from] = e->net;
	walk->started[from] = true;
	walk->fetched[from] = false;
	return 1;
}
