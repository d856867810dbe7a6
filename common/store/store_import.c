/* SPDX-License-Identifier: BSD-2-Clause */
/* store_import.c — bulk import: queue entries in memory, sort and merge them, merge-join them with the zone's
 * stored entries, write only what changed, and rebuild the lookup index once.
 *
 * Why not store_entry_put per line: each put rebuilds the index inside its own prefix (a clear, a covering search,
 * a sweep): fine for one change, ~6 us an entry for a million. Here the entries go in sorted, and when much of the
 * zone changed one sweep over the whole zone replaces a million small ones. A large import is journalled as one
 * record (its counts and source) instead of one record a change: a journal reader ("what changed since", IXFR) sees
 * that the zone changed wholesale there, as a DNS server does when its journal cannot say.
 */

#define IMPORT_JOURNAL_EACH_MAX 1000 /* imports of more lines get one 'I' journal record */
#define IMPORT_PREFETCH 8            /* records ahead whose text the merge asks for early */
#include "store_internal.h"

#include "base/err.h"

#include <stdlib.h>
#include <string.h>

/* A queued entry; its reason lives in the import's text arena. */
struct import_rec {
	cidr_t net;
	uint8_t flags, ncodes;
	uint32_t codes[ENTRY_MAX_CODES];
	int64_t expires;
	uint32_t seq;        /* arrival order: the first text of duplicates wins */
	uint32_t reason_off; /* in texts; reason_len 0 = none */
	uint16_t reason_len;
	uint32_t source_off; /* in texts; source_len 0 = the import's source */
	uint16_t source_len;
};

struct store_import {
	store_wtxn_t *w;
	uint32_t zone_id;
	bool replace;
	char source[ENTRY_SOURCE_MAX];
	struct import_rec *recs; /* in arrival order, never moved */
	size_t count, cap;
	uint32_t *order; /* after sort_and_merge: recs in entry key order, duplicates merged; count of them */
	char *texts;
	size_t texts_len, texts_cap;
	uint8_t lens[2][STORE_LENS_BYTES]; /* prefix lengths queued, per family (0: IPv4, 1: IPv6) */
	bool journal_each;                 /* small import: one journal record a change */
	store_import_progress_fn progress; /* store_import_on_progress; NULL: none */
	void *progress_ctx;
	const char *progress_phase; /* the last report: a merge stays at one queue position while it walks stored */
	uint64_t progress_done;     /* entries, which must not repeat it */
};

void store_import_on_progress(store_import_t *imp, store_import_progress_fn fn, void *ctx)
{
	imp->progress = fn;
	imp->progress_ctx = ctx;
}

/* Tells the progress callback where the import is: every STORE_IMPORT_PROGRESS_STEP entries of a phase, and its end. */
static void progress(store_import_t *imp, const char *phase, uint64_t done, uint64_t total)
{
	if (!imp->progress || (done % STORE_IMPORT_PROGRESS_STEP != 0 && done != total) ||
	    (phase == imp->progress_phase && done == imp->progress_done))
		return;
	imp->progress_phase = phase;
	imp->progress_done = done;
	imp->progress(imp->progress_ctx, phase, done, total);
}

int store_import_begin(store_wtxn_t *w, uint32_t zone_id, bool replace, const char *source, store_import_t **out)
{
	store_import_t *imp = calloc(1, sizeof *imp);
	if (!imp)
		return RBL_ENOMEM;
	imp->w = w;
	imp->zone_id = zone_id;
	imp->replace = replace;
	if (source && strlen(source) >= sizeof imp->source) {
		free(imp);
		return RBL_ERANGE;
	}
	strcpy(imp->source, source ? source : "");
	*out = imp;
	return RBL_OK;
}

void store_import_free(store_import_t *imp)
{
	if (!imp)
		return;
	free(imp->recs);
	free(imp->order);
	free(imp->texts);
	free(imp);
}


int store_import_add(store_import_t *imp, const store_import_item_t *item)
{
	const cidr_t *net = &item->net;
	if ((net->addr.family != ADDR_V4 && net->addr.family != ADDR_V6) || net->len > addr_maxlen(net->addr.family) ||
	    item->ncodes > ENTRY_MAX_CODES || (item->flags & ~ENTRY_FLAGS_ALL) || imp->count >= UINT32_MAX)
		return RBL_EINVAL;
	size_t reason_len = item->reason ? strlen(item->reason) : 0;
	size_t source_len = item->source ? strlen(item->source) : 0;
	if (reason_len >= ENTRY_TEXT_MAX || source_len >= ENTRY_SOURCE_MAX)
		return RBL_ERANGE;
	if (imp->texts_len + reason_len + source_len > UINT32_MAX)
		return RBL_EFULL;
	int err = store_grow((void **)&imp->recs, &imp->cap, imp->count + 1, sizeof *imp->recs);
	if (!err)
		err = store_grow((void **)&imp->texts, &imp->texts_cap, imp->texts_len + reason_len + source_len, 1);
	if (err)
		return err;
	struct import_rec *r = &imp->recs[imp->count];
	r->net = *net;
	addr_mask(&r->net.addr, net->len);
	r->flags = item->flags;
	r->ncodes = item->ncodes;
	memcpy(r->codes, item->codes, sizeof r->codes);
	r->expires = item->expires;
	r->seq = (uint32_t)imp->count;
	r->reason_off = (uint32_t)imp->texts_len;
	r->reason_len = (uint16_t)reason_len;
	if (reason_len) {
		memcpy(imp->texts + imp->texts_len, item->reason, reason_len);
		imp->texts_len += reason_len;
	}
	r->source_off = (uint32_t)imp->texts_len;
	r->source_len = (uint16_t)source_len;
	if (source_len) {
		memcpy(imp->texts + imp->texts_len, item->source, source_len);
		imp->texts_len += source_len;
	}
	imp->count++;
	unsigned fam = net->addr.family == ADDR_V6;
	imp->lens[fam][net->len / 8] |= (uint8_t)(1u << (net->len % 8));
	return RBL_OK;
}

/* Entry key order: family, network, prefix length (then arrival, so duplicates stay in file order). The sort below
 * keeps this order without calling it; merge_join compares a stored entry with a queued record by it. */
static int rec_cmp(const void *pa, const void *pb)
{
	const struct import_rec *a = pa, *b = pb;
	if (a->net.addr.family != b->net.addr.family)
		return a->net.addr.family < b->net.addr.family ? -1 : 1;
	int c = memcmp(a->net.addr.b, b->net.addr.b, addr_bytes(a->net.addr.family));
	if (c)
		return c;
	if (a->net.len != b->net.len)
		return a->net.len < b->net.len ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static bool same_net(const cidr_t *a, const cidr_t *b)
{
	return a->addr.family == b->addr.family && a->len == b->len &&
	       memcmp(a->addr.b, b->addr.b, addr_bytes(a->addr.family)) == 0;
}

/* Folds dup into keep (same network): see store_import_add. */
static void merge_into(struct import_rec *keep, const struct import_rec *dup)
{
	if (dup->flags & ENTRY_EXCLUDE)
		keep->flags = ENTRY_EXCLUDE;
	if (!(keep->flags & ENTRY_EXCLUDE)) {
		for (unsigned i = 0; i < dup->ncodes && keep->ncodes < ENTRY_MAX_CODES; i++) {
			bool seen = false;
			for (unsigned j = 0; j < keep->ncodes; j++)
				seen |= keep->codes[j] == dup->codes[i];
			if (!seen)
				keep->codes[keep->ncodes++] = dup->codes[i];
		}
		if (!(dup->flags & ENTRY_NOTEXT))
			keep->flags &= (uint8_t)~ENTRY_NOTEXT;
	}
	if (!keep->reason_len) {
		keep->reason_off = dup->reason_off;
		keep->reason_len = dup->reason_len;
	}
	if (!keep->source_len) {
		keep->source_off = dup->source_off;
		keep->source_len = dup->source_len;
	}
	if (keep->expires && (!dup->expires || dup->expires > keep->expires))
		keep->expires = dup->expires;
}

/* --- the sort ------------------------------------------------------------------------------------------------
 * Records are ~100 bytes, so they stay where they are and an order of their indices is sorted instead. IPv4 records
 * (all before IPv6 ones, as in the entry key) are sorted by a 40-bit key — address, then prefix length — with a
 * least-significant-digit radix sort: stable, so equal keys keep arrival order, and linear in the count (a comparison
 * sort of 10 M records spent most of an import moving them). IPv6 records, rare in bulk, by qsort on a compact key
 * that ends in the arrival index. */

struct sort_v4 {
	uint64_t key; /* address << 8 | prefix length */
	uint32_t idx;
};

struct sort_v6 {
	uint64_t hi, lo;
	uint32_t len, idx;
};

#define RADIX_BITS 16

static void radix_pass(const struct sort_v4 *from, struct sort_v4 *to, size_t n, unsigned shift, size_t *count)
{
	memset(count, 0, sizeof(size_t) << RADIX_BITS);
	const uint64_t mask = (1u << RADIX_BITS) - 1;
	for (size_t i = 0; i < n; i++)
		count[(from[i].key >> shift) & mask]++;
	size_t sum = 0;
	for (size_t d = 0; d < (1u << RADIX_BITS); d++) {
		size_t c = count[d];
		count[d] = sum;
		sum += c;
	}
	for (size_t i = 0; i < n; i++)
		to[count[(from[i].key >> shift) & mask]++] = from[i];
}

/* The IPv4 records' indices, sorted, into out; RBL_ENOMEM. */
static int sort_v4(const store_import_t *imp, size_t n4, uint32_t *out)
{
	struct sort_v4 *a = malloc(n4 * sizeof *a), *b = malloc(n4 * sizeof *b);
	size_t *count = malloc(sizeof(size_t) << RADIX_BITS);
	if (!a || !b || !count) {
		free(a), free(b), free(count);
		return RBL_ENOMEM;
	}
	size_t k = 0;
	for (size_t i = 0; i < imp->count; i++) {
		const struct import_rec *r = &imp->recs[i];
		if (r->net.addr.family != ADDR_V4)
			continue;
		const uint8_t *o = r->net.addr.b;
		uint64_t addr = (uint64_t)o[0] << 24 | (uint64_t)o[1] << 16 | (uint64_t)o[2] << 8 | o[3];
		a[k++] = (struct sort_v4){addr << 8 | r->net.len, (uint32_t)i};
	}
	radix_pass(a, b, n4, 0, count);
	radix_pass(b, a, n4, RADIX_BITS, count);
	radix_pass(a, b, n4, 2 * RADIX_BITS, count); /* bits 32..47: the key has 40 */
	for (size_t i = 0; i < n4; i++)
		out[i] = b[i].idx;
	free(a), free(b), free(count);
	return RBL_OK;
}

static int v6_cmp(const void *pa, const void *pb)
{
	const struct sort_v6 *a = pa, *b = pb;
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static uint64_t be64_at(const uint8_t *p)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* The IPv6 records' indices, sorted, into out; RBL_ENOMEM. */
static int sort_v6(const store_import_t *imp, size_t n6, uint32_t *out)
{
	if (!n6)
		return RBL_OK;
	struct sort_v6 *a = malloc(n6 * sizeof *a);
	if (!a)
		return RBL_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < imp->count; i++) {
		const struct import_rec *r = &imp->recs[i];
		if (r->net.addr.family == ADDR_V6)
			a[k++] = (struct sort_v6){be64_at(r->net.addr.b), be64_at(r->net.addr.b + 8), r->net.len,
			                          (uint32_t)i};
	}
	qsort(a, n6, sizeof *a, v6_cmp);
	for (size_t i = 0; i < n6; i++)
		out[i] = a[i].idx;
	free(a);
	return RBL_OK;
}

/* Lays the records out in sorted order (one pass of independent loads, which the processor overlaps), so that the
 * merge reads them front to back instead of all over a large buffer: a miss a record there was a fifth of a 10 M-line
 * import. Out of memory, the order stays and the merge reads through it. */
static void gather(store_import_t *imp)
{
	struct import_rec *sorted = malloc(imp->count * sizeof *sorted);
	if (!sorted)
		return;
	for (size_t i = 0; i < imp->count; i++) {
		if (i + 16 < imp->count)
			__builtin_prefetch(&imp->recs[imp->order[i + 16]]);
		sorted[i] = imp->recs[imp->order[i]];
	}
	free(imp->recs);
	imp->recs = sorted;
	imp->cap = imp->count;
	free(imp->order);
	imp->order = NULL;
}

/* Sorts the queue into imp->order and folds duplicates (same network) into their first arrival. */
static int sort_and_merge(store_import_t *imp)
{
	if (imp->count == 0)
		return RBL_OK;
	imp->order = malloc(imp->count * sizeof *imp->order);
	if (!imp->order)
		return RBL_ENOMEM;
	size_t n4 = 0;
	for (size_t i = 0; i < imp->count; i++)
		n4 += imp->recs[i].net.addr.family == ADDR_V4;
	int err = sort_v4(imp, n4, imp->order);
	if (!err)
		err = sort_v6(imp, imp->count - n4, imp->order + n4);
	if (err)
		return err;
	size_t out = 0;
	for (size_t i = 0; i < imp->count; i++) {
		struct import_rec *r = &imp->recs[imp->order[i]];
		struct import_rec *keep = out ? &imp->recs[imp->order[out - 1]] : NULL;
		if (keep && same_net(&keep->net, &r->net))
			merge_into(keep, r);
		else
			imp->order[out++] = imp->order[i];
	}
	imp->count = out;
	gather(imp);
	return RBL_OK;
}

/* The i-th record in entry key order (after sort_and_merge: gathered, or through the order). */
static const struct import_rec *sorted_rec(const store_import_t *imp, size_t i)
{
	return imp->order ? &imp->recs[imp->order[i]] : &imp->recs[i];
}

/* The entry a queued record becomes; created and updated are filled by the writer. */
static void rec_to_entry(const store_import_t *imp, const struct import_rec *r, entry_t *e)
{
	e->net = r->net;
	e->flags = r->flags;
	e->ncodes = r->flags & ENTRY_EXCLUDE ? 0 : r->ncodes;
	memcpy(e->codes, r->codes, sizeof e->codes);
	e->expires = r->expires;
	e->evidence = 0;
	if (r->reason_len)
		memcpy(e->reason, imp->texts + r->reason_off, r->reason_len);
	e->reason[r->reason_len] = '\0';
	if (r->source_len) {
		memcpy(e->source, imp->texts + r->source_off, r->source_len);
		e->source[r->source_len] = '\0';
	} else {
		strcpy(e->source, imp->source);
	}
}

static bool entry_same(const entry_t *a, const entry_t *b)
{
	return a->flags == b->flags && a->ncodes == b->ncodes &&
	       memcmp(a->codes, b->codes, a->ncodes * sizeof a->codes[0]) == 0 && a->expires == b->expires &&
	       strcmp(a->reason, b->reason) == 0 && strcmp(a->source, b->source) == 0;
}

/* Where the import writes and what it knows about the tables: append_entries, every key written so far in this
 * import, and every key stored, sorts before the next one in entries (LMDB then adds it at the end of the last page
 * without a search, and fills pages instead of splitting them in half); append_lone, the same is tried for lone
 * listings in index4 until LMDB refuses it once. */
struct writes {
	bool append_entries, append_lone;
};

/* Writes fresh, the import's version of its network; old (when have_old) is the stored one at the same network, in
 * entries or (old_lone) as a lone listing. *rebuild: the index must follow (a lone listing's write is its interval). */
static int put_entry(store_import_t *imp, struct writes *wr, entry_t *fresh, const entry_t *old, bool have_old,
		     bool old_lone, bool *rebuild)
{
	store_wtxn_t *w = imp->w;
	bool lone = store_lone_fits(fresh);
	int rc = 0, err = RBL_OK;
	uint8_t key[ENTRY_KEY_MAX], val[ENTRY_ENCODED_MAX];
	MDB_val k = {entry_key(imp->zone_id, &fresh->net, key), key};
	if (have_old && old_lone && !lone) {
		interval_key_t ik;
		MDB_val old_key = store_interval_key(imp->zone_id, &old->net.addr, &ik);
		rc = mdb_del(w->txn, w->st->index4, &old_key, NULL);
	} else if (have_old && !old_lone && lone) {
		rc = mdb_del(w->txn, w->st->entries, &k, NULL);
	}
	if (rc)
		return store_mdb_error(rc, "replacing an entry");
	*rebuild = !lone;
	if (lone) {
		err = store_lone_put(w, imp->zone_id, fresh, &wr->append_lone);
	} else {
		MDB_val v = {entry_encode(fresh, val), val};
		rc = mdb_put(w->txn, w->st->entries, &k, &v, wr->append_entries && !have_old ? MDB_APPEND : 0);
		err = rc ? store_mdb_error(rc, "writing an imported entry") : RBL_OK;
	}
	if (err)
		return err;
	if (imp->journal_each)
		return store_journal_append(w, imp->zone_id, 'A', fresh);
	store_note_change(w, imp->zone_id, &fresh->net); /* for a commit hook: the record-level journal's networks */
	return RBL_OK;
}

static int del_entry(store_import_t *imp, const entry_t *old, bool old_lone)
{
	int rc;
	if (old_lone) {
		interval_key_t ik;
		MDB_val k = store_interval_key(imp->zone_id, &old->net.addr, &ik);
		rc = mdb_del(imp->w->txn, imp->w->st->index4, &k, NULL);
	} else {
		uint8_t key[ENTRY_KEY_MAX];
		MDB_val k = {entry_key(imp->zone_id, &old->net, key), key};
		rc = mdb_del(imp->w->txn, imp->w->st->entries, &k, NULL);
	}
	if (rc)
		return store_mdb_error(rc, "deleting an entry absent from the import");
	if (imp->journal_each)
		return store_journal_append(imp->w, imp->zone_id, 'D', old);
	store_note_change(imp->w, imp->zone_id, &old->net);
	return RBL_OK;
}

/* A change the index must follow: the network that changed. */
struct changes {
	cidr_t *nets;
	size_t count, cap;
};

static int note_change(struct changes *c, const cidr_t *net)
{
	int err = store_grow((void **)&c->nets, &c->cap, c->count + 1, sizeof *c->nets);
	if (!err)
		c->nets[c->count++] = *net;
	return err;
}

/* Whether every key stored sorts before the first queued one (an import into the newest zone, or into an empty
 * store): then each new entry is written with MDB_APPEND. */
static int appendable(const store_import_t *imp, MDB_cursor *cur, bool *append)
{
	*append = false;
	if (imp->count == 0)
		return RBL_OK;
	MDB_val k, v;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == MDB_NOTFOUND) {
		*append = true;
		return RBL_OK;
	}
	if (rc)
		return store_mdb_error(rc, "reading the last entry");
	uint8_t first[ENTRY_KEY_MAX];
	MDB_val f = {entry_key(imp->zone_id, &sorted_rec(imp, 0)->net, first), first};
	*append = mdb_cmp(mdb_cursor_txn(cur), mdb_cursor_dbi(cur), &k, &f) < 0;
	return RBL_OK;
}

/* Walks the zone's stored entries (both places: store_walk) and the sorted queue side by side, in entry key order. */
static int merge_join(store_import_t *imp, store_import_stats_t *stats, struct changes *changed, uint64_t *stored)
{
	store_wtxn_t *w = imp->w;
	static _Thread_local store_walk_t walk;
	static _Thread_local entry_t old, fresh; /* 1.4 KiB each: not on the stack of a loop body */
	struct writes wr = {.append_lone = true};
	MDB_cursor *cur;
	int rc = mdb_cursor_open(w->txn, w->st->entries, &cur);
	if (rc)
		return store_mdb_error(rc, "opening an entry cursor");
	int err = appendable(imp, cur, &wr.append_entries);
	mdb_cursor_close(cur);
	if (err || (err = store_walk_open(&walk, w->txn, w->st, imp->zone_id, NULL)))
		return err;
	size_t next = 0;
	bool have_old = false, old_lone = false;
	for (;;) {
		if (!have_old) {
			int got = store_walk_next(&walk, &old, &old_lone);
			if (got < 0) {
				err = got;
				break;
			}
			have_old = got == 1;
			*stored += got;
		}
		if (!have_old && next == imp->count)
			break;
		if (next < imp->count)
			progress(imp, "writing", next, imp->count);
		int order;
		if (!have_old)
			order = 1;
		else if (next == imp->count)
			order = -1;
		else if (same_net(&old.net, &sorted_rec(imp, next)->net))
			order = 0;
		else {
			struct import_rec probe = {.net = old.net};
			order = rec_cmp(&probe, sorted_rec(imp, next));
		}
		if (order < 0) { /* stored only */
			if (imp->replace) {
				if ((err = del_entry(imp, &old, old_lone)) || (err = note_change(changed, &old.net)))
					break;
				stats->removed++;
			}
		} else {
			/* The texts lie in arrival order: the one IMPORT_PREFETCH records ahead is asked for early, so
			 * that its cache miss overlaps the writes in between. Written here, not in a helper: GCC drops a
			 * call to a function that only prefetches (it has no effect it must keep). */
			if (next + IMPORT_PREFETCH < imp->count && sorted_rec(imp, next + IMPORT_PREFETCH)->reason_len)
				__builtin_prefetch(imp->texts + sorted_rec(imp, next + IMPORT_PREFETCH)->reason_off);
			rec_to_entry(imp, sorted_rec(imp, next++), &fresh);
			if (order == 0 && entry_same(&old, &fresh)) {
				stats->unchanged++;
			} else {
				bool rebuild;
				fresh.created = order == 0 ? old.created : w->now;
				fresh.updated = w->now;
				if ((err = put_entry(imp, &wr, &fresh, &old, order == 0, old_lone, &rebuild)) ||
				    (rebuild && (err = note_change(changed, &fresh.net))))
					break;
				if (order == 0)
					stats->updated++;
				else
					stats->added++;
			}
		}
		if (order <= 0)
			have_old = false;
	}
	store_walk_close(&walk);
	return err;
}

/* Whether the zone has no entry in either place. */
static int zone_empty(store_import_t *imp, bool *empty)
{
	static _Thread_local store_walk_t walk;
	static _Thread_local entry_t first;
	int err = store_walk_open(&walk, imp->w->txn, imp->w->st, imp->zone_id, NULL);
	if (err)
		return err;
	bool lone;
	int got = store_walk_next(&walk, &first, &lone);
	store_walk_close(&walk);
	*empty = got == 0;
	return got < 0 ? got : RBL_OK;
}

/* An import into a zone without entries: every queued entry is new, and each family's intervals — the lone
 * listings themselves among them — are written in key order by one stream (MDB_APPEND: full pages, no search)
 * instead of a rebuild after the entries. */
static int import_fresh(store_import_t *imp, store_import_stats_t *stats)
{
	store_wtxn_t *w = imp->w;
	static _Thread_local entry_t fresh;
	bool append = false;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(w->txn, w->st->entries, &cur);
	if (rc)
		return store_mdb_error(rc, "opening an entry cursor");
	int err = appendable(imp, cur, &append);
	mdb_cursor_close(cur);
	store_index_stream_t *stream = NULL;
	uint8_t family = 0;
	for (size_t i = 0; !err && i < imp->count; i++) {
		progress(imp, "writing", i, imp->count);
		if (i + IMPORT_PREFETCH < imp->count && sorted_rec(imp, i + IMPORT_PREFETCH)->reason_len)
			__builtin_prefetch(imp->texts + sorted_rec(imp, i + IMPORT_PREFETCH)->reason_off);
		rec_to_entry(imp, sorted_rec(imp, i), &fresh);
		fresh.created = fresh.updated = w->now;
		if (fresh.net.addr.family != family) { /* IPv4 sorts first: at most one change of stream */
			family = fresh.net.addr.family;
			if ((err = store_index_stream_end(stream, true)))
				stream = NULL;
			else
				err = store_index_stream_begin(w->txn, w->st, imp->zone_id, family, &stream);
			if (err)
				break;
		}
		uint8_t val[ENTRY_ENCODED_MAX > INTERVAL_VALUE_MAX ? ENTRY_ENCODED_MAX : INTERVAL_VALUE_MAX];
		size_t len;
		if (store_lone_fits(&fresh)) {
			if (!(err = store_lone_encode(w, &fresh, val, &len)))
				err = store_index_stream_entry(stream, &fresh, val, len);
		} else {
			uint8_t key[ENTRY_KEY_MAX];
			MDB_val k = {entry_key(imp->zone_id, &fresh.net, key), key}, v = {entry_encode(&fresh, val), val};
			rc = mdb_put(w->txn, w->st->entries, &k, &v, append ? MDB_APPEND : 0);
			err = rc ? store_mdb_error(rc, "writing an imported entry")
				 : store_index_stream_entry(stream, &fresh, NULL, 0);
		}
		if (!err && imp->journal_each)
			err = store_journal_append(w, imp->zone_id, 'A', &fresh);
		else if (!err)
			store_note_change(w, imp->zone_id, &fresh.net);
		stats->added++;
	}
	progress(imp, "writing", imp->count, imp->count);
	int end = store_index_stream_end(stream, !err);
	return err ? err : end;
}

int store_import_finish(store_import_t *imp, store_import_stats_t *stats)
{
	memset(stats, 0, sizeof *stats);
	progress(imp, "sorting", 0, imp->count);
	int sorted = sort_and_merge(imp);
	if (sorted)
		return sorted;
	store_wtxn_t *w = imp->w;
	static const uint8_t families[2] = {ADDR_V4, ADDR_V6};
	for (unsigned f = 0; f < 2; f++)
		for (unsigned len = 0; len <= 128; len++)
			if (imp->lens[f][len / 8] & (1u << (len % 8))) {
				int err = store_lens_note(w->txn, w->st, imp->zone_id, families[f], len);
				if (err)
					return err;
			}
	struct changes changed = {0};
	uint64_t stored = 0;
	imp->journal_each = imp->count <= IMPORT_JOURNAL_EACH_MAX;
	bool empty;
	int err = zone_empty(imp, &empty);
	if (!err)
		err = empty ? import_fresh(imp, stats) : merge_join(imp, stats, &changed, &stored);
	/* A change is what the stats count (lone listings' writes are not in changed: their interval is the write). */
	bool any = stats->added || stats->updated || stats->removed;
	if (!err && any)
		store_touch(w, imp->zone_id, (int64_t)stats->added - (int64_t)stats->removed);
	if (!err && any && !imp->journal_each)
		err = store_journal_append_import(w, imp->zone_id, stats, imp->source);
	if (!err && !empty)
		progress(imp, "writing", imp->count, imp->count);
	if (!err && changed.count)
		progress(imp, "indexing", 0, changed.count);
	/* Many changes: one sweep per family over the whole zone. Few: one small rebuild per change. */
	if (!err && changed.count * 8 > stored + stats->added) {
		for (unsigned f = 0; !err && f < 2; f++) {
			cidr_t all = {.addr = {.family = families[f]}, .len = 0};
			err = store_index_rebuild(w->txn, w->st, imp->zone_id, &all);
		}
	} else {
		for (size_t i = 0; !err && i < changed.count; i++)
			err = store_index_rebuild(w->txn, w->st, imp->zone_id, &changed.nets[i]);
	}
	free(changed.nets);
	return err;
}
