/* SPDX-License-Identifier: BSD-2-Clause */
/* xfr_journal.c — the record-level journal: written at commit (xfr_journal_hook), read as a chain for IXFR. */
#include "xfr/xfr_journal.h"

#include "base/err.h"
#include "base/log.h"
#include "formats/export.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JOURNAL_TABLE "xfr_journal"
#define JOURNAL_ENCODING 1
#define JOURNAL_HEADER 21 /* encoding, from, to, removed records, added records, removed bytes */
#define JOURNAL_KEY 12

/* --- the table ----------------------------------------------------------------------------------------------- */

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool decode(const MDB_val *k, const MDB_val *v, uint32_t zone_id, xfr_journal_step_t *step)
{
	if (k->mv_size != JOURNAL_KEY || get_u32(k->mv_data) != zone_id || v->mv_size < JOURNAL_HEADER)
		return false;
	const uint8_t *p = v->mv_data;
	if (p[0] != JOURNAL_ENCODING)
		return false;
	step->from = get_u32(p + 1);
	step->to = get_u32(p + 5);
	step->removed_count = get_u32(p + 9);
	step->added_count = get_u32(p + 13);
	step->removed_len = get_u32(p + 17);
	if (step->removed_len > v->mv_size - JOURNAL_HEADER)
		return false;
	step->removed = (const char *)p + JOURNAL_HEADER;
	step->added = step->removed + step->removed_len;
	step->added_len = v->mv_size - JOURNAL_HEADER - step->removed_len;
	return true;
}

/* Calls fn on each record of zone_id in sequence order, with the cursor on it (fn may delete it: LMDB's next step
 * is then the record after). fn returns 0 to go on, 1 to stop, or an error; the walk returns RBL_OK or that error.
 * A record that does not decode is RBL_ESTORE. */
typedef int (*record_fn)(void *ctx, MDB_cursor *cur, uint64_t seq, const MDB_val *k, const MDB_val *v,
			 const xfr_journal_step_t *step);

static int each_record(MDB_txn *txn, MDB_dbi dbi, uint32_t zone_id, record_fn fn, void *ctx)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, dbi, &cur);
	if (rc)
		return store_mdb_error(rc, "opening the IXFR journal");
	uint8_t seek[JOURNAL_KEY] = {0};
	put_u32(seek, zone_id);
	MDB_val k = {sizeof seek, seek}, v;
	int err = RBL_OK;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); !rc && !err; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		xfr_journal_step_t step;
		if (k.mv_size != JOURNAL_KEY || get_u32(k.mv_data) != zone_id)
			break;
		if (!decode(&k, &v, zone_id, &step))
			err = RBL_ESTORE;
		else
			err = fn(ctx, cur, store_get_u64((const uint8_t *)k.mv_data + 4), &k, &v, &step);
	}
	mdb_cursor_close(cur);
	if (!err && rc && rc != MDB_NOTFOUND)
		err = store_mdb_error(rc, "reading the IXFR journal");
	return err == 1 ? RBL_OK : err;
}

static int delete_record(MDB_cursor *cur)
{
	int rc = mdb_cursor_del(cur, 0);
	return rc ? store_mdb_error(rc, "trimming the IXFR journal") : 0;
}

static int drop_one_before(void *ctx, MDB_cursor *cur, uint64_t seq, const MDB_val *k, const MDB_val *v,
			   const xfr_journal_step_t *step)
{
	(void)k, (void)v, (void)step;
	return seq >= *(const uint64_t *)ctx ? 1 : delete_record(cur);
}

/* Deletes the zone's records before sequence keep_from (all of them with UINT64_MAX). */
static int drop_before(MDB_txn *txn, MDB_dbi dbi, uint32_t zone_id, uint64_t keep_from)
{
	return each_record(txn, dbi, zone_id, drop_one_before, &keep_from);
}

/* What the zone's records hold: the first sequence, the last one and its step, the bytes. *count 0: none. */
struct extent {
	uint64_t first_seq, last_seq, count, bytes;
	uint32_t last_to;
};

static int measure_one(void *ctx, MDB_cursor *cur, uint64_t seq, const MDB_val *k, const MDB_val *v,
		       const xfr_journal_step_t *step)
{
	(void)cur;
	struct extent *x = ctx;
	if (!x->count)
		x->first_seq = seq;
	x->last_seq = seq;
	x->last_to = step->to;
	x->count++;
	x->bytes += k->mv_size + v->mv_size;
	return 0;
}

static int read_extent(MDB_txn *txn, MDB_dbi dbi, uint32_t zone_id, struct extent *x)
{
	memset(x, 0, sizeof *x);
	return each_record(txn, dbi, zone_id, measure_one, x);
}

struct trimming {
	uint64_t bytes, max;
};

static int trim_one(void *ctx, MDB_cursor *cur, uint64_t seq, const MDB_val *k, const MDB_val *v,
		    const xfr_journal_step_t *step)
{
	(void)seq, (void)step;
	struct trimming *t = ctx;
	if (t->bytes <= t->max)
		return 1;
	t->bytes -= k->mv_size + v->mv_size;
	return delete_record(cur);
}

/* Drops the oldest records until the zone's are at most max bytes. */
static int trim(MDB_txn *txn, MDB_dbi dbi, uint32_t zone_id, uint64_t max)
{
	struct extent x;
	int err = read_extent(txn, dbi, zone_id, &x);
	struct trimming t = {x.bytes, max};
	return err || x.bytes <= max ? err : each_record(txn, dbi, zone_id, trim_one, &t);
}

/* --- writing ----------------------------------------------------------------------------------------------------- */

/* A definition as it shapes the records: without what every commit moves. */
static bool same_definition(const zone_def_t *a, const zone_def_t *b)
{
	zone_def_t x = *a, y = *b;
	x.serial = y.serial = 0;
	x.entries = y.entries = 0;
	x.changed = y.changed = 0;
	uint8_t ex[ZONE_ENCODED_MAX], ey[ZONE_ENCODED_MAX];
	size_t nx = zone_encode(&x, ex), ny = zone_encode(&y, ey);
	return nx == ny && memcmp(ex, ey, nx) == 0;
}

static const store_change_t *change_of(const store_change_t *changes, size_t count, uint32_t zone_id)
{
	for (size_t i = 0; i < count; i++)
		if (changes[i].zone_id == zone_id)
			return &changes[i];
	return NULL;
}

struct member_defs {
	const zone_def_t *zone;
	zone_def_t *defs; /* [ZONE_MAX_MEMBERS], by position; name "" when gone */
};

static int take_member(const zone_def_t *def, void *ctx)
{
	struct member_defs *m = ctx;
	for (unsigned i = 0; i < m->zone->member_count; i++)
		if (m->zone->members[i] == def->id)
			m->defs[i] = *def;
	return 0;
}

/* Whether the zone and its members are defined alike in both states (the records' shape did not change). */
static int shape_kept(store_rtxn_t *before, store_rtxn_t *after, const zone_def_t *b, const zone_def_t *a,
		      bool *kept)
{
	*kept = same_definition(b, a);
	if (!*kept || !a->member_count)
		return RBL_OK;
	zone_def_t *defs = calloc(2 * ZONE_MAX_MEMBERS, sizeof *defs);
	if (!defs)
		return RBL_ENOMEM;
	struct member_defs mb = {b, defs}, ma = {a, defs + ZONE_MAX_MEMBERS};
	int err = store_zone_foreach(before, take_member, &mb);
	if (!err)
		err = store_zone_foreach(after, take_member, &ma);
	for (unsigned i = 0; !err && *kept && i < a->member_count; i++)
		*kept = same_definition(&defs[i], &defs[ZONE_MAX_MEMBERS + i]);
	free(defs);
	return err;
}

/* The networks the commit changed in the zone or its members, gathered; *whole when one of them is too many. */
static int gather(const zone_def_t *z, const store_change_t *changes, size_t count, cidr_t **nets, size_t *n,
		  bool *whole, bool *touched)
{
	*nets = NULL;
	*n = 0;
	*whole = *touched = false;
	size_t total = 0;
	const store_change_t *of[1 + ZONE_MAX_MEMBERS];
	unsigned sources = 0;
	of[sources++] = change_of(changes, count, z->id);
	for (unsigned i = 0; i < z->member_count; i++)
		of[sources++] = change_of(changes, count, z->members[i]);
	for (unsigned s = 0; s < sources; s++) {
		if (!of[s])
			continue;
		*touched = true;
		*whole |= of[s]->all;
		total += of[s]->count;
	}
	if (*whole || !total)
		return RBL_OK;
	if (!(*nets = malloc(total * sizeof **nets)))
		return RBL_ENOMEM;
	for (unsigned s = 0; s < sources; s++)
		if (of[s] && of[s]->count) {
			memcpy(*nets + *n, of[s]->nets, of[s]->count * sizeof **nets);
			*n += of[s]->count;
		}
	return RBL_OK;
}

static int put_record(MDB_txn *txn, MDB_dbi dbi, uint32_t zone_id, uint64_t seq, uint32_t from, uint32_t to,
		      const export_diff_stats_t *st, const char *removed, size_t removed_len, const char *added,
		      size_t added_len)
{
	uint8_t key[JOURNAL_KEY];
	put_u32(key, zone_id);
	store_put_u64(key + 4, seq);
	MDB_val k = {sizeof key, key}, v = {JOURNAL_HEADER + removed_len + added_len, NULL};
	int rc = mdb_put(txn, dbi, &k, &v, MDB_RESERVE);
	if (rc)
		return store_mdb_error(rc, "writing the IXFR journal");
	uint8_t *p = v.mv_data;
	p[0] = JOURNAL_ENCODING;
	put_u32(p + 1, from);
	put_u32(p + 5, to);
	put_u32(p + 9, (uint32_t)st->removed);
	put_u32(p + 13, (uint32_t)st->added);
	put_u32(p + 17, (uint32_t)removed_len);
	memcpy(p + JOURNAL_HEADER, removed, removed_len);
	memcpy(p + JOURNAL_HEADER + removed_len, added, added_len);
	return RBL_OK;
}

static int add_member_entries(const zone_def_t *def, void *ctx)
{
	struct member_defs *m = ctx;
	for (unsigned i = 0; i < m->zone->member_count; i++)
		if (m->zone->members[i] == def->id)
			m->defs[0].entries += def->entries;
	return 0;
}

/* The entries the zone answers from in r: its own and its members'. */
static int answering_entries(store_rtxn_t *r, const zone_def_t *z, uint64_t *entries)
{
	zone_def_t sum = {.entries = z->entries};
	struct member_defs m = {z, &sum};
	int err = z->member_count ? store_zone_foreach(r, add_member_entries, &m) : RBL_OK;
	*entries = sum.entries;
	return err;
}

/* The difference a commit made to zone z (b before, a after), computed and appended; or the journal emptied
 * when no difference can say what changed. */
static int journal_zone(const xfr_zone_t *conf, MDB_txn *txn, MDB_dbi dbi, store_rtxn_t *before,
			store_rtxn_t *after, const zone_def_t *b, const zone_def_t *a, const cidr_t *nets, size_t n,
			bool whole)
{
	uint64_t had = 0;
	int err = whole ? answering_entries(before, b, &had) : RBL_OK;
	if (err)
		return err;
	if (whole && had == 0) { /* the zone was empty: its difference is the whole zone, no smaller than it */
		log_info("zone %s: the change to serial %u fills an empty zone: IXFR from before it sends the whole zone",
			 a->name, a->serial);
		return drop_before(txn, dbi, a->id, UINT64_MAX);
	}
	char *removed = NULL, *added = NULL;
	size_t removed_len = 0, added_len = 0;
	FILE *fr = open_memstream(&removed, &removed_len), *fa = open_memstream(&added, &added_len);
	export_diff_stats_t st = {0};
	err = fr && fa ? export_bind_diff(before, after, a->name, nets, n, whole, fr, fa, &st) : RBL_ENOMEM;
	if (fr && fclose(fr) != 0 && !err)
		err = RBL_ENOMEM;
	if (fa && fclose(fa) != 0 && !err)
		err = RBL_ENOMEM;
	struct extent x = {0};
	if (!err)
		err = read_extent(txn, dbi, a->id, &x);
	uint64_t size = JOURNAL_KEY + JOURNAL_HEADER + removed_len + added_len;
	bool too_big = (whole && st.removed + st.added > st.after) || size > conf->journal_max ||
		       removed_len > UINT32_MAX || st.removed > UINT32_MAX || st.added > UINT32_MAX;
	if (!err && (too_big || (x.count && x.last_to != b->serial)))
		err = drop_before(txn, dbi, a->id, UINT64_MAX); /* no chain goes through this commit, or the last */
	if (!err && too_big)
		log_info("zone %s: the change to serial %u is bigger than %s: IXFR from before it sends the whole zone",
			 a->name, a->serial, size > conf->journal_max ? "journal-max" : "the zone");
	if (!err && !too_big)
		err = put_record(txn, dbi, a->id, x.count ? x.last_seq + 1 : 1, b->serial, a->serial, &st, removed,
				 removed_len, added, added_len);
	if (!err && !too_big)
		err = trim(txn, dbi, a->id, conf->journal_max);
	free(removed);
	free(added);
	return err;
}

/* One configured zone: journalled, emptied, or left alone (the commit did not touch it). */
static int hook_zone(const xfr_zone_t *conf, MDB_txn *txn, MDB_dbi dbi, store_rtxn_t *before, store_rtxn_t *after,
		     const store_change_t *changes, size_t count)
{
	zone_def_t *defs = malloc(2 * sizeof *defs);
	if (!defs)
		return RBL_ENOMEM;
	zone_def_t *b = &defs[0], *a = &defs[1];
	int eb = store_zone_get(before, conf->name, b), ea = store_zone_get(after, conf->name, a);
	int err = eb && eb != RBL_ENOENT ? eb : ea && ea != RBL_ENOENT ? ea : RBL_OK;
	cidr_t *nets = NULL;
	size_t n = 0;
	bool whole = false, touched = false, kept = false;
	if (!err && ea == RBL_ENOENT) { /* deleted, or never there: its id's records go with it */
		if (!eb && change_of(changes, count, b->id))
			err = drop_before(txn, dbi, b->id, UINT64_MAX);
	} else if (!err && !(err = gather(a, changes, count, &nets, &n, &whole, &touched)) && touched) {
		if (!eb && a->id == b->id && !(err = shape_kept(before, after, b, a, &kept)) && kept &&
		    a->serial != b->serial)
			err = journal_zone(conf, txn, dbi, before, after, b, a, nets, n, whole);
		else if (!err)
			err = drop_before(txn, dbi, a->id, UINT64_MAX);
	}
	free(nets);
	free(defs);
	return err;
}

int xfr_journal_hook(void *ctx, store_wtxn_t *w, store_rtxn_t *before, store_rtxn_t *after,
		     const store_change_t *changes, size_t count)
{
	const xfr_conf_t *conf = ctx;
	if (!conf->zone_count)
		return RBL_OK;
	MDB_dbi dbi;
	int err = store_ext_table_w(w, JOURNAL_TABLE, &dbi);
	for (unsigned i = 0; i < conf->zone_count && !err; i++)
		err = hook_zone(&conf->zones[i], store_ext_wtxn(w), dbi, before, after, changes, count);
	return err;
}

/* --- reading ----------------------------------------------------------------------------------------------------- */

/* The table in r's snapshot, opened under a lock: dnsbld's transfer threads read it at once, and LMDB lets one
 * opener at a time. RBL_ENOENT when there is none (nothing was ever journalled). */
static int open_r(store_rtxn_t *r, MDB_dbi *dbi)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&lock);
	int err = store_ext_table_r(r, JOURNAL_TABLE, dbi);
	pthread_mutex_unlock(&lock);
	return err == RBL_EBUSY ? RBL_ENOENT : err; /* another transfer is opening it: this one goes without */
}

int xfr_journal_range(store_rtxn_t *r, uint32_t zone_id, uint32_t *first, uint32_t *last, uint64_t *records,
		      uint64_t *bytes)
{
	MDB_dbi dbi;
	int err = open_r(r, &dbi);
	struct extent x;
	if (!err)
		err = read_extent(store_ext_rtxn(r), dbi, zone_id, &x);
	if (!err && !x.count)
		err = RBL_ENOENT;
	if (err)
		return err;
	/* The first record's from serial: one more read. */
	uint8_t key[JOURNAL_KEY];
	put_u32(key, zone_id);
	store_put_u64(key + 4, x.first_seq);
	MDB_val k = {sizeof key, key}, v;
	xfr_journal_step_t step;
	int rc = mdb_get(store_ext_rtxn(r), dbi, &k, &v);
	if (rc)
		return store_mdb_error(rc, "reading the IXFR journal");
	if (!decode(&k, &v, zone_id, &step))
		return RBL_ESTORE;
	*first = step.from;
	*last = x.last_to;
	*records = x.count;
	*bytes = x.bytes;
	return RBL_OK;
}

/* A chain being followed: from, to, where it is, and the caller's function (NULL: only check it is whole). */
struct chain_walk {
	uint32_t from, to, at;
	bool started, done, broken;
	int (*fn)(void *ctx, const xfr_journal_step_t *step);
	void *ctx;
};

static int follow_one(void *ctx, MDB_cursor *cur, uint64_t seq, const MDB_val *k, const MDB_val *v,
		      const xfr_journal_step_t *step)
{
	(void)cur, (void)seq, (void)k, (void)v;
	struct chain_walk *c = ctx;
	if (!c->started && step->from != c->from)
		return 0;
	if (step->from != c->at) { /* a gap: never written so (damage) */
		c->broken = true;
		return 1;
	}
	c->started = true;
	int err = c->fn ? c->fn(c->ctx, step) : 0;
	c->at = step->to;
	c->done = c->at == c->to;
	return err ? err : c->done;
}

static int walk_chain(MDB_txn *txn, MDB_dbi dbi, uint32_t zone_id, uint32_t from, uint32_t to,
		      int (*fn)(void *ctx, const xfr_journal_step_t *step), void *ctx)
{
	struct chain_walk c = {from, to, from, false, false, false, fn, ctx};
	int err = each_record(txn, dbi, zone_id, follow_one, &c);
	return !err && (!c.done || c.broken) ? RBL_ENOENT : err;
}

int xfr_journal_chain(store_rtxn_t *r, uint32_t zone_id, uint32_t from, uint32_t to,
		      int (*fn)(void *ctx, const xfr_journal_step_t *step), void *ctx)
{
	MDB_dbi dbi;
	int err = open_r(r, &dbi);
	if (err)
		return err;
	if (from == to)
		return RBL_ENOENT;
	err = walk_chain(store_ext_rtxn(r), dbi, zone_id, from, to, NULL, NULL);
	return err ? err : walk_chain(store_ext_rtxn(r), dbi, zone_id, from, to, fn, ctx);
}
