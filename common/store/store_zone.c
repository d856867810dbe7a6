/* SPDX-License-Identifier: BSD-2-Clause */
/* store_zone.c — zone definitions in the store: create, update, delete, look up, walk; and each zone's state record
 * (serial, entry count, last change), kept apart from the definition. */
#include "store_internal.h"

#include "base/err.h"
#include "base/log.h"

#include <stdlib.h>
#include <string.h>

bool store_zone_state_decode(const MDB_val *v, zone_state_t *s)
{
	const uint8_t *p = v->mv_data;
	if (v->mv_size != ZONE_STATE_SIZE || p[0] != ZONE_STATE_ENCODING)
		return false;
	s->serial = store_get_u32(p + 1);
	s->entries = store_get_u64(p + 5);
	s->changed = (int64_t)store_get_u64(p + 13);
	return true;
}

int store_zone_state_get(MDB_txn *txn, const store_t *st, uint32_t zone_id, zone_state_t *s)
{
	uint8_t key[4];
	store_put_u32(key, zone_id);
	MDB_val k = {sizeof key, key}, v;
	int rc = mdb_get(txn, st->zone_state, &k, &v);
	if (rc == MDB_NOTFOUND)
		return RBL_ENOENT;
	if (rc)
		return store_mdb_error(rc, "reading a zone's serial");
	return store_zone_state_decode(&v, s) ? RBL_OK : RBL_ESTORE;
}

int store_zone_state_put(MDB_txn *txn, const store_t *st, uint32_t zone_id, const zone_state_t *s)
{
	uint8_t key[4], val[ZONE_STATE_SIZE];
	store_put_u32(key, zone_id);
	val[0] = ZONE_STATE_ENCODING;
	store_put_u32(val + 1, s->serial);
	store_put_u64(val + 5, s->entries);
	store_put_u64(val + 13, (uint64_t)s->changed);
	MDB_val k = {sizeof key, key}, v = {sizeof val, val};
	int rc = mdb_put(txn, st->zone_state, &k, &v, 0);
	return rc ? store_mdb_error(rc, "writing a zone's serial") : RBL_OK;
}

/* The serial, entry count and last change of def's zone, from its state record. A zone without one (damage, which
 * verify reports) keeps what its definition holds. */
static int fill_state(MDB_txn *txn, const store_t *st, zone_def_t *def)
{
	zone_state_t s = {0};
	int err = store_zone_state_get(txn, st, def->id, &s);
	if (err == RBL_ENOENT || err == RBL_ESTORE)
		return RBL_OK;
	if (err)
		return err;
	def->serial = s.serial;
	def->entries = s.entries;
	def->changed = s.changed;
	return RBL_OK;
}

static int zone_get_txn(MDB_txn *txn, const store_t *st, const char *name, zone_def_t *def)
{
	MDB_val k = {strlen(name), (void *)name}, v;
	int rc = mdb_get(txn, st->zones, &k, &v);
	if (rc)
		return store_mdb_error(rc, "reading a zone");
	int err = zone_decode(v.mv_data, v.mv_size, def);
	return err ? err : fill_state(txn, st, def);
}

int store_zone_def_put(MDB_txn *txn, const store_t *st, const zone_def_t *def, unsigned flags)
{
	uint8_t buf[ZONE_ENCODED_MAX];
	zone_def_t stored = *def;
	stored.serial = 0;
	stored.entries = 0;
	stored.changed = 0;
	MDB_val k = {strlen(def->name), (void *)def->name}, v = {zone_encode(&stored, buf), buf};
	int rc = mdb_put(txn, st->zones, &k, &v, flags);
	if (rc == MDB_KEYEXIST)
		return RBL_EEXIST;
	return rc ? store_mdb_error(rc, "writing a zone") : RBL_OK;
}

int store_zone_create(store_wtxn_t *w, zone_def_t *def)
{
	uint64_t next = 0;
	int err = store_meta_get_u64(w->txn, w->st->meta, META_NEXT_ZONE, &next);
	if (err)
		return err;
	if (next == 0 || next > UINT32_MAX)
		return RBL_EFULL;
	def->id = (uint32_t)next;
	err = store_zone_def_put(w->txn, w->st, def, MDB_NOOVERWRITE);
	if (err)
		return err;
	zone_state_t state = {def->serial, 0, def->changed ? def->changed : def->created};
	def->entries = 0;
	def->changed = state.changed;
	if ((err = store_zone_state_put(w->txn, w->st, def->id, &state)))
		return err;
	w->definitions_changed = true;
	return store_meta_put_u64(w->txn, w->st->meta, META_NEXT_ZONE, next + 1);
}

int store_zone_update(store_wtxn_t *w, const zone_def_t *def)
{
	zone_def_t old;
	int err = zone_get_txn(w->txn, w->st, def->name, &old);
	if (err)
		return err;
	if (old.id != def->id)
		return RBL_EINVAL;
	store_touch(w, def->id, 0);
	/* The entry count and last change time are the store's: commit keeps them (bump_serials), not the caller's. A
	 * serial the caller set is kept, and commit bumps it. */
	if (def->serial != old.serial) {
		zone_state_t state = {def->serial, old.entries, old.changed};
		err = store_zone_state_put(w->txn, w->st, def->id, &state);
		if (err)
			return err;
	}
	/* A definition written again unchanged (an import's $SOA line) leaves the readers' zone tables alone. */
	uint8_t before[ZONE_ENCODED_MAX], after[ZONE_ENCODED_MAX];
	zone_def_t a = old, b = *def;
	a.serial = b.serial = 0;
	a.entries = b.entries = 0;
	a.changed = b.changed = 0;
	size_t before_len = zone_encode(&a, before), after_len = zone_encode(&b, after);
	if (before_len == after_len && memcmp(before, after, before_len) == 0)
		return RBL_OK;
	w->definitions_changed = true;
	return store_zone_def_put(w->txn, w->st, def, 0);
}

static int zone_walk(MDB_txn *txn, const store_t *st, int (*fn)(const zone_def_t *def, void *ctx), void *ctx);

struct drop_member {
	store_wtxn_t *w;
	uint32_t id;
	zone_def_t *changed;  /* aggregates that listed id, to rewrite after the walk */
	unsigned count;
};

static int collect_aggregates_of(const zone_def_t *def, void *ctx)
{
	struct drop_member *d = ctx;
	for (unsigned i = 0; i < def->member_count; i++) {
		if (def->members[i] != d->id)
			continue;
		zone_def_t *grown = realloc(d->changed, (d->count + 1) * sizeof *grown);
		if (!grown)
			return RBL_ENOMEM;
		d->changed = grown;
		d->changed[d->count] = *def;
		zone_def_t *z = &d->changed[d->count++];
		memmove(&z->members[i], &z->members[i + 1], (z->member_count - i - 1) * sizeof z->members[0]);
		z->member_count--;
		break;
	}
	return 0;
}

/* A deleted zone leaves every aggregate it was a member of. */
static int drop_member_everywhere(store_wtxn_t *w, uint32_t id)
{
	struct drop_member d = {w, id, NULL, 0};
	int err = zone_walk(w->txn, w->st, collect_aggregates_of, &d);
	for (unsigned i = 0; !err && i < d.count; i++)
		err = store_zone_update(w, &d.changed[i]);
	free(d.changed);
	return err;
}

int store_zone_delete(store_wtxn_t *w, const char *name)
{
	zone_def_t def;
	int err = zone_get_txn(w->txn, w->st, name, &def);
	if (err)
		return err;
	if ((err = store_delete_zone_keys(w->txn, w->st->entries, def.id)) ||
	    (err = store_index_delete_zone(w->txn, w->st, def.id)) ||
	    (err = store_delete_zone_keys(w->txn, w->st->journal, def.id)) ||
	    (err = store_lens_delete(w->txn, w->st, def.id)))
		return err;
	MDB_val k = {strlen(name), (void *)name};
	int rc = mdb_del(w->txn, w->st->zones, &k, NULL);
	if (rc)
		return store_mdb_error(rc, "deleting a zone");
	uint8_t id[4];
	store_put_u32(id, def.id);
	MDB_val sk = {sizeof id, id};
	rc = mdb_del(w->txn, w->st->zone_state, &sk, NULL);
	if (rc && rc != MDB_NOTFOUND)
		return store_mdb_error(rc, "deleting a zone's serial");
	w->definitions_changed = true;
	store_touch(w, def.id, 0); /* for the commit hook: the zone went (its serial has nowhere to move) */
	return drop_member_everywhere(w, def.id);
}

int store_zone_get_w(store_wtxn_t *w, const char *name, zone_def_t *def)
{
	return zone_get_txn(w->txn, w->st, name, def);
}

int store_zone_get(store_rtxn_t *r, const char *name, zone_def_t *def)
{
	return zone_get_txn(r->txn, r->st, name, def);
}

static int zone_walk(MDB_txn *txn, const store_t *st, int (*fn)(const zone_def_t *def, void *ctx), void *ctx)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, st->zones, &cur);
	if (rc)
		return store_mdb_error(rc, "opening a zone cursor");
	int err = RBL_OK;
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		zone_def_t def;
		if (zone_decode(v.mv_data, v.mv_size, &def) != RBL_OK) {
			/* One bad definition (or one from a newer rbltool) must not take every other zone down with it. */
			log_err("store: zone %.*s has a definition this program cannot read: skipped", (int)k.mv_size,
				(char *)k.mv_data);
			continue;
		}
		err = fill_state(txn, st, &def);
		if (!err)
			err = fn(&def, ctx);
		if (err)
			break;
	}
	mdb_cursor_close(cur);
	if (!err && rc != MDB_NOTFOUND)
		err = store_mdb_error(rc, "walking zones");
	return err;
}

int store_zone_foreach(store_rtxn_t *r, int (*fn)(const zone_def_t *def, void *ctx), void *ctx)
{
	return zone_walk(r->txn, r->st, fn, ctx);
}

struct by_id {
	uint32_t id;
	zone_def_t *def;
};

static int match_id(const zone_def_t *def, void *ctx)
{
	struct by_id *want = ctx;
	if (def->id != want->id)
		return 0;
	*want->def = *def;
	return 1;
}

int store_zone_by_id(MDB_txn *txn, const store_t *st, uint32_t zone_id, zone_def_t *def)
{
	struct by_id want = {zone_id, def};
	int err = zone_walk(txn, st, match_id, &want);
	if (err == 1)
		return RBL_OK;
	return err ? err : RBL_ENOENT;
}
