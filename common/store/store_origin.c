/* SPDX-License-Identifier: BSD-2-Clause */
/* store_origin.c — what lone listings share (store_lone.c): their source and reason, kept once as an "origin".
 *
 * An import of a million hosts gives each the same source (the file) and the same reason (the data file's default
 * text): stored once here, each listing holds a small id. Table origins, two kinds of key:
 *   'i' · id (4, BE)                     -> source (varint length + bytes) · reason (the same);
 *   'h' · hash (8, BE) · probe (1)       -> id (4, BE): the origins with that content hash, probe 0, 1, … (a
 *                                           collision takes the next probe; at most ORIGIN_PROBES).
 * Ids come from meta's next_origin and are never reused; an origin stays when its last listing goes (a few bytes
 * per distinct source and reason ever used), so an id a listing holds always resolves.
 */
#include "store_internal.h"

#include "base/codec.h"
#include "base/err.h"

#include <string.h>

#define ORIGIN_PROBES 16
#define ORIGIN_VALUE_MAX (2 * 2 + ENTRY_SOURCE_MAX + ENTRY_TEXT_MAX)

static MDB_val id_key(uint32_t id, uint8_t key[5])
{
	key[0] = 'i';
	store_put_u32(key + 1, id);
	return (MDB_val){5, key};
}

static MDB_val hash_key(uint64_t hash, unsigned probe, uint8_t key[10])
{
	key[0] = 'h';
	store_put_u64(key + 1, hash);
	key[9] = (uint8_t)probe;
	return (MDB_val){10, key};
}

/* FNV-1a over source, a 0 byte, reason: the lookup key of an origin (collisions are told apart by content). */
static uint64_t origin_hash(const char *source, const char *reason)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const char *s = source;; s++) {
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
		if (!*s)
			break;
	}
	for (const char *s = reason; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

/* The origin record of id: RBL_ESTORE when there is none or it does not decode. */
static int origin_read(MDB_txn *txn, const store_t *st, uint32_t id, codec_reader_t *c)
{
	uint8_t key[5];
	MDB_val k = id_key(id, key), v;
	int rc = mdb_get(txn, st->origins, &k, &v);
	if (rc == MDB_NOTFOUND)
		return RBL_ESTORE;
	if (rc)
		return store_mdb_error(rc, "reading an origin");
	*c = (codec_reader_t){v.mv_data, v.mv_size, false};
	return RBL_OK;
}

int store_origin_get(MDB_txn *txn, const store_t *st, uint32_t id, char source[ENTRY_SOURCE_MAX],
		     char reason[ENTRY_TEXT_MAX])
{
	codec_reader_t c;
	int err = origin_read(txn, st, id, &c);
	if (err)
		return err;
	codec_get_vstr(&c, source, ENTRY_SOURCE_MAX);
	codec_get_vstr(&c, reason, ENTRY_TEXT_MAX);
	return c.failed || c.left ? RBL_ESTORE : RBL_OK;
}

int store_origin_reason(MDB_txn *txn, const store_t *st, uint32_t id, const char **text, size_t *len)
{
	codec_reader_t c;
	int err = origin_read(txn, st, id, &c);
	if (err)
		return err;
	const char *source;
	size_t source_len;
	codec_view_vstr(&c, &source, &source_len);
	codec_view_vstr(&c, text, len);
	return c.failed || c.left || source_len >= ENTRY_SOURCE_MAX || *len >= ENTRY_TEXT_MAX ? RBL_ESTORE : RBL_OK;
}

/* Whether origin id holds exactly source and reason. */
static int origin_is(MDB_txn *txn, const store_t *st, uint32_t id, const char *source, const char *reason,
		     bool *same)
{
	codec_reader_t c;
	int err = origin_read(txn, st, id, &c);
	if (err)
		return err;
	const char *s, *r;
	size_t sl, rl;
	codec_view_vstr(&c, &s, &sl);
	codec_view_vstr(&c, &r, &rl);
	if (c.failed || c.left)
		return RBL_ESTORE;
	*same = sl == strlen(source) && memcmp(s, source, sl) == 0 && rl == strlen(reason) && memcmp(r, reason, rl) == 0;
	return RBL_OK;
}

/* A new origin under hash probe `probe`. */
static int origin_add(store_wtxn_t *w, const char *source, const char *reason, uint64_t hash, unsigned probe,
		      uint32_t *id)
{
	uint64_t next;
	int err = store_meta_get_u64(w->txn, w->st->meta, META_NEXT_ORIGIN, &next);
	if (err)
		return err;
	if (next == 0)
		next = 1; /* 0 is never an id: the transaction's cache uses it for "none yet" */
	if (next > UINT32_MAX)
		return RBL_ERANGE;
	*id = (uint32_t)next;
	uint8_t val[ORIGIN_VALUE_MAX], ikey[5], hkey[10], idv[4];
	codec_writer_t c = {val, 0};
	codec_put_vstr(&c, source);
	codec_put_vstr(&c, reason);
	store_put_u32(idv, *id);
	MDB_val ik = id_key(*id, ikey), iv = {c.len, val}, hk = hash_key(hash, probe, hkey), hv = {4, idv};
	int rc = mdb_put(w->txn, w->st->origins, &ik, &iv, 0);
	if (!rc)
		rc = mdb_put(w->txn, w->st->origins, &hk, &hv, 0);
	if (rc)
		return store_mdb_error(rc, "writing an origin");
	return store_meta_put_u64(w->txn, w->st->meta, META_NEXT_ORIGIN, next + 1);
}

int store_origin_id(store_wtxn_t *w, const char *source, const char *reason, uint32_t *id)
{
	if (w->origin_last_id && strcmp(w->origin_last_source, source) == 0 &&
	    strcmp(w->origin_last_reason, reason) == 0) {
		*id = w->origin_last_id;
		return RBL_OK;
	}
	if (strlen(source) >= ENTRY_SOURCE_MAX || strlen(reason) >= ENTRY_TEXT_MAX)
		return RBL_EINVAL;
	uint64_t hash = origin_hash(source, reason);
	int err = RBL_ERANGE; /* every probe taken by another content: the caller keeps the listing in entries */
	for (unsigned probe = 0; probe < ORIGIN_PROBES; probe++) {
		uint8_t hkey[10];
		MDB_val hk = hash_key(hash, probe, hkey), hv;
		int rc = mdb_get(w->txn, w->st->origins, &hk, &hv);
		if (rc == MDB_NOTFOUND) {
			err = origin_add(w, source, reason, hash, probe, id);
			break;
		}
		if (rc)
			return store_mdb_error(rc, "reading an origin");
		if (hv.mv_size != 4)
			return RBL_ESTORE;
		bool same;
		uint32_t candidate = store_get_u32(hv.mv_data);
		if ((err = origin_is(w->txn, w->st, candidate, source, reason, &same)))
			return err;
		if (same) {
			*id = candidate;
			break;
		}
		err = RBL_ERANGE;
	}
	if (err)
		return err;
	strcpy(w->origin_last_source, source);
	strcpy(w->origin_last_reason, reason);
	w->origin_last_id = *id;
	return RBL_OK;
}

int store_origin_check(MDB_txn *txn, const store_t *st, const MDB_val *k, const MDB_val *v)
{
	const uint8_t *key = k->mv_data;
	if (k->mv_size == 5 && key[0] == 'i') {
		char source[ENTRY_SOURCE_MAX], *reason = (char[ENTRY_TEXT_MAX]){0};
		return store_origin_get(txn, st, store_get_u32(key + 1), source, reason);
	}
	if (k->mv_size == 10 && key[0] == 'h' && v->mv_size == 4) {
		char source[ENTRY_SOURCE_MAX], *reason = (char[ENTRY_TEXT_MAX]){0};
		int err = store_origin_get(txn, st, store_get_u32(v->mv_data), source, reason);
		if (err)
			return err;
		return origin_hash(source, reason) == store_get_u64(key + 1) ? RBL_OK : RBL_ESTORE;
	}
	return RBL_ESTORE;
}
