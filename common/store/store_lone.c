/* SPDX-License-Identifier: BSD-2-Clause */
/* store_lone.c — lone listings: plain IPv4 /32 listings kept in their index4 interval alone (store_internal.h).
 *
 * Why: a list of a million hosts is a million /32s sharing one source and one reason; keeping each in entries and
 * in index4 cost ~83 bytes a listing, the interval alone ~35. The interval of a /32 is exactly its own answer (no
 * deeper prefix exists to split it), so it can be the listing's only record.
 */
#include "store_internal.h"

#include "base/codec.h"
#include "base/err.h"

#include <string.h>

bool store_lone_fits(const entry_t *e)
{
	return e->net.addr.family == ADDR_V4 && e->net.len == 32 && !(e->flags & ENTRY_EXCLUDE) && !e->evidence &&
	       e->ncodes <= ENTRY_MAX_CODES;
}

bool store_lone_value(const MDB_val *v)
{
	const uint8_t *p = v->mv_data;
	return v->mv_size >= 4 + INTERVAL_PAYLOAD_MIN && p[4] == 32 && (p[5] & INTERVAL_LONE);
}

/* Reads a lone payload (the value after its first address) up to its origin id; the codec is left after it. */
static void read_answer(codec_reader_t *c, entry_t *e)
{
	e->net.len = codec_get_u8(c);
	e->flags = codec_get_u8(c) & (uint8_t)~INTERVAL_LONE;
	e->expires = (int64_t)codec_get_varint(c);
	e->ncodes = codec_get_u8(c);
	if (e->ncodes > ENTRY_MAX_CODES) {
		c->failed = true;
		return;
	}
	for (unsigned i = 0; i < e->ncodes; i++) {
		uint32_t low = (uint32_t)codec_get_u8(c) << 16;
		low |= (uint32_t)codec_get_u8(c) << 8;
		e->codes[i] = 0x7f000000u | low | codec_get_u8(c);
	}
}

uint32_t store_lone_origin(const uint8_t *payload, size_t len)
{
	codec_reader_t c = {payload, len, false};
	entry_t *e = &(entry_t){0};
	read_answer(&c, e);
	uint64_t origin = codec_get_varint(&c);
	return c.failed || origin > UINT32_MAX ? 0 : (uint32_t)origin;
}

int store_lone_decode(MDB_txn *txn, const store_t *st, const MDB_val *v, entry_t *e, store_origin_cache_t *cache)
{
	if (!store_lone_value(v))
		return RBL_ESTORE;
	codec_reader_t c = {v->mv_data, v->mv_size, false};
	memset(e, 0, sizeof *e);
	e->net.addr.family = ADDR_V4;
	codec_get_bytes(&c, e->net.addr.b, 4);
	read_answer(&c, e);
	uint64_t origin = codec_get_varint(&c);
	uint64_t created = codec_get_varint(&c), since = codec_get_varint(&c);
	if (c.failed || c.left || origin == 0 || origin > UINT32_MAX || created > INT64_MAX ||
	    since > (uint64_t)INT64_MAX - created) /* a damaged value: no overflow, no nonsense */
		return RBL_ESTORE;
	e->created = (int64_t)created;
	e->updated = (int64_t)(created + since);
	if (cache && cache->id == origin) {
		strcpy(e->source, cache->source);
		strcpy(e->reason, cache->reason);
		return RBL_OK;
	}
	int err = store_origin_get(txn, st, (uint32_t)origin, e->source, e->reason);
	if (!err && cache) {
		cache->id = (uint32_t)origin;
		strcpy(cache->source, e->source);
		strcpy(cache->reason, e->reason);
	}
	return err;
}

int store_lone_encode(store_wtxn_t *w, const entry_t *e, uint8_t val[INTERVAL_VALUE_MAX], size_t *len)
{
	uint32_t origin;
	int err = store_origin_id(w, e->source, e->reason, &origin);
	if (err)
		return err;
	codec_writer_t c = {val, 0};
	codec_put_bytes(&c, e->net.addr.b, 4);
	codec_put_u8(&c, 32);
	codec_put_u8(&c, (uint8_t)(e->flags | INTERVAL_LONE));
	codec_put_varint(&c, (uint64_t)e->expires);
	codec_put_u8(&c, e->ncodes);
	for (unsigned i = 0; i < e->ncodes; i++) {
		codec_put_u8(&c, (uint8_t)(e->codes[i] >> 16));
		codec_put_u8(&c, (uint8_t)(e->codes[i] >> 8));
		codec_put_u8(&c, (uint8_t)e->codes[i]);
	}
	codec_put_varint(&c, origin);
	codec_put_varint(&c, (uint64_t)(e->created > 0 ? e->created : 0));
	codec_put_varint(&c, e->updated > e->created ? (uint64_t)(e->updated - e->created) : 0);
	*len = c.len;
	return RBL_OK;
}

int store_lone_get(MDB_txn *txn, const store_t *st, uint32_t zone_id, const addr_t *a, entry_t *e)
{
	interval_key_t key;
	MDB_val k = store_interval_key(zone_id, a, &key), v;
	int rc = mdb_get(txn, st->index4, &k, &v);
	if (rc == MDB_NOTFOUND)
		return RBL_ENOENT;
	if (rc)
		return store_mdb_error(rc, "reading an interval");
	if (!store_lone_value(&v) || memcmp(v.mv_data, a->b, 4) != 0)
		return RBL_ENOENT; /* the end of a longer interval */
	return store_lone_decode(txn, st, &v, e, NULL);
}

int store_lone_put(store_wtxn_t *w, uint32_t zone_id, const entry_t *e, bool *append)
{
	uint8_t val[INTERVAL_VALUE_MAX];
	size_t len;
	int err = store_lone_encode(w, e, val, &len);
	if (err)
		return err;
	interval_key_t key;
	MDB_val k = store_interval_key(zone_id, &e->net.addr, &key), v = {len, val};
	if (append && *append) {
		/* Refused (MDB_KEYEXIST) unless the key sorts after every stored one — and then no interval holds the
		 * address, so there is nothing to split. */
		int rc = mdb_put(w->txn, w->st->index4, &k, &v, MDB_APPEND);
		if (rc != MDB_KEYEXIST)
			return rc ? store_mdb_error(rc, "writing a listing") : RBL_OK;
		*append = false;
	}
	if ((err = store_index_clear(w->txn, w->st, zone_id, &e->net.addr, &e->net.addr, false)))
		return err;
	int rc = mdb_put(w->txn, w->st->index4, &k, &v, 0);
	return rc ? store_mdb_error(rc, "writing a listing") : RBL_OK;
}

int store_lone_count(MDB_txn *txn, const store_t *st, uint32_t zone_id, uint64_t *count)
{
	*count = 0;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, st->index4, &cur);
	if (rc)
		return store_mdb_error(rc, "opening an index cursor");
	uint64_t from = (uint64_t)zone_id << 32;
	MDB_val k = {sizeof from, &from}, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		uint64_t at;
		if (k.mv_size != sizeof at)
			break;
		memcpy(&at, k.mv_data, sizeof at);
		if (at >> 32 != zone_id)
			break;
		*count += store_lone_value(&v);
	}
	mdb_cursor_close(cur);
	return rc && rc != MDB_NOTFOUND ? store_mdb_error(rc, "counting listings") : RBL_OK;
}
