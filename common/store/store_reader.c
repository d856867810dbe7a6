/* SPDX-License-Identifier: BSD-2-Clause */
/* store_reader.c — lookups for the query path: one MDB_SET_RANGE seek in the interval index per question (IPv4: index4,
 * integer keys; IPv6: index). */
#include "store/store_reader.h"

#include "base/codec.h"
#include "base/err.h"
#include "store_internal.h"

#include <string.h>

int store_reader_init(store_t *st, store_reader_t *r)
{
	memset(r, 0, sizeof *r);
	r->st = st;
	MDB_txn *txn;
	int rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn);
	if (rc)
		return store_mdb_error(rc, "beginning a reader");
	MDB_cursor *cur, *cur6;
	rc = mdb_cursor_open(txn, st->index4, &cur);
	if (rc) {
		mdb_txn_abort(txn);
		return store_mdb_error(rc, "opening a reader cursor");
	}
	rc = mdb_cursor_open(txn, st->index, &cur6);
	if (rc) {
		mdb_cursor_close(cur);
		mdb_txn_abort(txn);
		return store_mdb_error(rc, "opening a reader cursor");
	}
	mdb_txn_reset(txn);
	r->txn = txn;
	r->cursor = cur;
	r->cursor6 = cur6;
	return RBL_OK;
}

void store_reader_free(store_reader_t *r)
{
	if (!r->txn)
		return;
	mdb_cursor_close(r->cursor);
	mdb_cursor_close(r->cursor6);
	mdb_txn_abort(r->txn);
	r->txn = NULL;
}

int store_reader_begin(store_reader_t *r)
{
	int rc = mdb_txn_renew(r->txn);
	if (!rc)
		rc = mdb_cursor_renew(r->txn, r->cursor);
	if (rc)
		return store_mdb_error(rc, "renewing a reader");
	r->active = true;
	r->cursor6_current = false; /* most batches ask IPv4 questions only: IPv6's cursor is renewed when needed */
	return RBL_OK;
}

void store_reader_end(store_reader_t *r)
{
	if (r->active)
		mdb_txn_reset(r->txn);
	r->active = false;
}

bool store_reader_current(store_reader_t *r)
{
	/* mdb_env_info reads the newest meta page's transaction id from the map: no lock, no system call. */
	MDB_envinfo info;
	return r->active && mdb_env_info(r->st->env, &info) == 0 && info.me_last_txnid == mdb_txn_id(r->txn);
}

int store_reader_generation(store_reader_t *r, uint64_t *gen)
{
	/* LMDB numbers every committed write transaction: the snapshot's number changes exactly when something was
	 * committed, and reading it costs no lookup. */
	*gen = (uint64_t)mdb_txn_id(r->txn);
	return RBL_OK;
}

int store_reader_zones_generation(store_reader_t *r, uint64_t *gen)
{
	return store_meta_get_u64(r->txn, r->st->meta, META_ZONES_GENERATION, gen);
}

int store_reader_zone_serial(store_reader_t *r, uint32_t zone_id, uint32_t *serial)
{
	zone_state_t s;
	int err = store_zone_state_get(r->txn, r->st, zone_id, &s);
	if (!err)
		*serial = s.serial;
	return err;
}

int store_reader_zones(store_reader_t *r, int (*fn)(const zone_def_t *def, void *ctx), void *ctx)
{
	store_rtxn_t view = {r->st, r->txn};
	return store_zone_foreach(&view, fn, ctx);
}

/* An interval as the index cursor sees it: payload points into the snapshot. */
struct interval {
	addr_t first;
	const uint8_t *payload;
	size_t payload_len;
};

/* The cursor on the intervals of family, renewed in this snapshot; NULL after a store error. */
static MDB_cursor *family_cursor(store_reader_t *r, uint8_t family)
{
	if (family == ADDR_V4)
		return r->cursor;
	if (!r->cursor6_current) {
		int rc = mdb_cursor_renew(r->txn, r->cursor6);
		if (rc) {
			store_mdb_error(rc, "renewing a reader");
			return NULL;
		}
		r->cursor6_current = true;
	}
	return r->cursor6;
}

/* True when the interval starts past a (the seek found the first interval ending at or after a). */
static bool starts_after(const struct interval *iv, const addr_t *a)
{
	if (a->family == ADDR_V4)
		return store_addr4_value(&iv->first) > store_addr4_value(a);
	return memcmp(iv->first.b, a->b, 16) > 0;
}

/* True when k is the key of an interval of the zone in family's table (store_internal.h: interval keys). */
static bool zone_key(uint32_t zone_id, uint8_t family, const MDB_val *k)
{
	if (family == ADDR_V4) {
		uint64_t key;
		if (k->mv_size != INTERVAL4_KEY_SIZE)
			return false;
		memcpy(&key, k->mv_data, sizeof key); /* a leaf key is only 2-byte aligned */
		return (uint32_t)(key >> 32) == zone_id;
	}
	const uint8_t *p = k->mv_data;
	return k->mv_size == INTERVAL6_KEY_SIZE && store_get_u32(p) == zone_id && p[4] == ADDR_V6;
}

/* Moves the cursor of a's family (MDB_SET_RANGE to the first interval ending at or after a, or MDB_NEXT) and reads
 * the interval there: 1 if it belongs to the zone, 0 if not, negative on a store error. */
static int cursor_interval(store_reader_t *r, MDB_cursor_op op, uint32_t zone_id, const addr_t *a,
			   struct interval *iv)
{
	MDB_cursor *cur = family_cursor(r, a->family);
	if (!cur)
		return RBL_ESTORE;
	interval_key_t key;
	MDB_val k = store_interval_key(zone_id, a, &key), v;
	size_t n = addr_bytes(a->family);
	int rc = mdb_cursor_get(cur, &k, &v, op);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return store_mdb_error(rc, "reading an interval");
	if (!zone_key(zone_id, a->family, &k) || v.mv_size < n + INTERVAL_PAYLOAD_MIN)
		return 0;
	iv->first.family = a->family;
	memcpy(iv->first.b, v.mv_data, n);
	memset(iv->first.b + n, 0, sizeof iv->first.b - n);
	iv->payload = (const uint8_t *)v.mv_data + n;
	iv->payload_len = v.mv_size - n;
	return 1;
}

/* Any value, through the bounded reader. */
static int hit_decode_any(const uint8_t *p, size_t len, store_hit_t *hit)
{
	codec_reader_t c = {p, len, false};
	hit->entry_len = codec_get_u8(&c);
	hit->flags = codec_get_u8(&c);
	hit->expires = (int64_t)codec_get_varint(&c);
	hit->ncodes = codec_get_u8(&c);
	if (hit->ncodes > ENTRY_MAX_CODES)
		return RBL_ESTORE;
	for (unsigned i = 0; i < hit->ncodes; i++) {
		uint32_t low = (uint32_t)codec_get_u8(&c) << 16;
		low |= (uint32_t)codec_get_u8(&c) << 8;
		low |= codec_get_u8(&c);
		hit->codes[i] = 0x7f000000u | low;
	}
	hit->payload = p;
	hit->payload_len = len;
	return c.failed ? RBL_ESTORE : RBL_OK;
}

int store_hit_decode(const uint8_t *p, size_t len, store_hit_t *hit)
{
	/* The query path's common value, read in place: an expiry of one byte (0: never), its codes all there. */
	if (len < INTERVAL_PAYLOAD_MIN || (p[2] & 0x80) || p[3] > ENTRY_MAX_CODES || len < 4 + 3 * (size_t)p[3])
		return hit_decode_any(p, len, hit);
	hit->entry_len = p[0];
	hit->flags = p[1];
	hit->expires = p[2];
	hit->ncodes = p[3];
	for (unsigned i = 0; i < hit->ncodes; i++) {
		const uint8_t *code = p + 4 + 3 * i;
		hit->codes[i] = 0x7f000000u | (uint32_t)code[0] << 16 | (uint32_t)code[1] << 8 | code[2];
	}
	hit->payload = p;
	hit->payload_len = len;
	return RBL_OK;
}

/* The rare path: the owning entry has expired but is not purged yet. The covering entries decide, skipping
 * expired ones; an exclusion still makes a hole. */
static int lookup_past_expired(store_reader_t *r, uint32_t zone_id, const addr_t *a, int64_t now, store_hit_t *hit)
{
	entry_t *e = &(entry_t){0};
	int err = store_covering_entry(r->txn, r->st, zone_id, a, hit->entry_len, now, e);
	if (err == RBL_ENOENT)
		return 0;
	if (err)
		return err;
	if (e->flags & ENTRY_EXCLUDE)
		return 0;
	hit->entry_len = e->net.len;
	hit->flags = e->flags;
	hit->expires = e->expires;
	hit->ncodes = e->ncodes;
	memcpy(hit->codes, e->codes, sizeof hit->codes);
	return 1;
}

int store_reader_lookup(store_reader_t *r, uint32_t zone_id, const addr_t *a, int64_t now, store_hit_t *hit)
{
	struct interval iv;
	int found = cursor_interval(r, MDB_SET_RANGE, zone_id, a, &iv);
	if (found <= 0)
		return found;
	if (starts_after(&iv, a))
		return 0;
	int err = store_hit_decode(iv.payload, iv.payload_len, hit);
	if (err)
		return err;
	if (hit->expires != 0 && hit->expires <= now)
		return lookup_past_expired(r, zone_id, a, now, hit);
	return hit->flags & ENTRY_EXCLUDE ? 0 : 1;
}

bool store_reader_range_listed(store_reader_t *r, uint32_t zone_id, const cidr_t *range, int64_t now)
{
	addr_t lo, hi;
	cidr_first(range, &lo);
	cidr_last(range, &hi);
	struct interval iv;
	int found = cursor_interval(r, MDB_SET_RANGE, zone_id, &lo, &iv);
	/* Step over holes that are intervals too — expiring exclusions, and expired owners with nothing listed under
	 * them — a bounded number of times: past that, say yes (NODATA instead of NXDOMAIN is the harmless error). */
	for (unsigned steps = 0; found > 0 && addr_cmp(&iv.first, &hi) <= 0; steps++) {
		store_hit_t hit;
		if (store_hit_decode(iv.payload, iv.payload_len, &hit) || steps == 1000)
			return true;
		bool expired = hit.expires != 0 && hit.expires <= now;
		if (!expired && !(hit.flags & ENTRY_EXCLUDE))
			return true;
		if (expired) {
			addr_t probe = addr_cmp(&iv.first, &lo) < 0 ? lo : iv.first;
			/* Every address of an interval has the same owner, so one probe answers for all of it. */
			if (lookup_past_expired(r, zone_id, &probe, now, &hit) == 1)
				return true;
		}
		found = cursor_interval(r, MDB_NEXT, zone_id, &lo, &iv);
	}
	return false;
}

int store_reader_text(store_reader_t *r, uint32_t zone_id, const addr_t *a, const store_hit_t *hit,
		      const char **text, size_t *len)
{
	*text = NULL;
	*len = 0;
	if (hit->flags & INTERVAL_LONE) { /* its reason is its origin's */
		uint32_t origin = hit->payload ? store_lone_origin(hit->payload, hit->payload_len) : 0;
		return origin ? store_origin_reason(r->txn, r->st, origin, text, len) : RBL_ESTORE;
	}
	cidr_t net = {*a, hit->entry_len};
	addr_mask(&net.addr, hit->entry_len);
	uint8_t key[ENTRY_KEY_MAX];
	MDB_val k = {entry_key(zone_id, &net, key), key}, v;
	int rc = mdb_get(r->txn, r->st->entries, &k, &v);
	if (rc == MDB_NOTFOUND)
		return RBL_OK;
	if (rc)
		return store_mdb_error(rc, "reading an entry text");
	return entry_reason_view(v.mv_data, v.mv_size, text, len) ? RBL_ESTORE : RBL_OK;
}
