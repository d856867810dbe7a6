/* SPDX-License-Identifier: BSD-2-Clause */
/* store_verify.c — the walk of rbltool verify: every table in key order, every record of the store's own tables
 * decoded, the counts LMDB keeps compared with the records found, and the index compared with the entries. */
#include "store/store_verify.h"

#include "base/err.h"
#include "store_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TABLES_MAX 32

struct zone_seen {
	uint32_t id;
	char name[DNAME_TEXTMAX];
	uint64_t entries_kept;  /* the count its state record keeps */
	uint64_t entries_found; /* the entries walked */
	bool has_state;         /* its record in zone_state was found */
};

struct verify {
	store_t *st;
	MDB_txn *txn;
	const store_verify_sink_t *sink;
	store_verify_stats_t *stats;
	size_t last_pgno;
	struct zone_seen *zones; /* sorted by id once the zones table is walked */
	size_t zone_count, zone_cap;
	uint32_t max_zone_id;
	uint64_t max_journal_seq;
	/* The prefix lengths in use of the zone and family of the last entry seen (meta "lens" keys). */
	uint32_t lens_zone;
	uint8_t lens_family;
	uint8_t lens[STORE_LENS_BYTES];
};

static void problem(struct verify *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct verify *v, const char *fmt, ...)
{
	if (v->stats->problems++ >= STORE_VERIFY_REPORTED)
		return;
	char what[640];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	v->sink->problem(v->sink->ctx, what);
}

static void stage(struct verify *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void stage(struct verify *v, const char *fmt, ...)
{
	if (!v->sink->stage)
		return;
	char what[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	v->sink->stage(v->sink->ctx, what);
}

static struct zone_seen *zone_find(struct verify *v, uint32_t id)
{
	size_t lo = 0, hi = v->zone_count;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (v->zones[mid].id == id)
			return &v->zones[mid];
		if (v->zones[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* After an LMDB error the snapshot is unusable (MDB_BAD_TXN): the other tables are walked in a new one. */
static void renew(struct verify *v)
{
	mdb_txn_abort(v->txn);
	v->txn = NULL;
	int rc = mdb_txn_begin(v->st->env, NULL, MDB_RDONLY, &v->txn);
	if (rc) {
		v->txn = NULL;
		problem(v, "no new snapshot after that: %s", mdb_strerror(rc));
	}
}

typedef void (*record_check_fn)(struct verify *v, const MDB_val *k, const MDB_val *val);

/* Walks every record of dbi in key order: keys must rise (a damaged page can send a cursor back to where it was:
 * without this a walk could go round for ever), and their number must be the one LMDB's header of the table keeps. */
static void walk(struct verify *v, MDB_dbi dbi, const char *table, record_check_fn check)
{
	if (!v->txn)
		return;
	stage(v, "table %s", table);
	MDB_stat ms;
	int rc = mdb_stat(v->txn, dbi, &ms);
	if (rc) {
		problem(v, "table %s: its header cannot be read: %s", table, mdb_strerror(rc));
		return;
	}
	MDB_cursor *cur;
	if ((rc = mdb_cursor_open(v->txn, dbi, &cur))) {
		problem(v, "table %s: cannot be walked: %s", table, mdb_strerror(rc));
		return;
	}
	/* Integer keys (index4, the free-page list) are compared as numbers of a size_t each: a key of another size is
	 * damage the table's check reports, and must not be handed to that comparison. */
	unsigned flags = 0;
	mdb_dbi_flags(v->txn, dbi, &flags);
	bool integer_keys = flags & MDB_INTEGERKEY;
	_Alignas(size_t) uint8_t prev[512]; /* aligned as LMDB's own integer keys are */
	MDB_val prev_key = {0, prev}, k, val;
	uint64_t count = 0;
	for (rc = mdb_cursor_get(cur, &k, &val, MDB_FIRST); !rc; rc = mdb_cursor_get(cur, &k, &val, MDB_NEXT)) {
		bool comparable = !integer_keys || (prev_key.mv_size == sizeof(size_t) && k.mv_size == sizeof(size_t));
		if (count && comparable && mdb_cmp(v->txn, dbi, &prev_key, &k) >= 0) {
			problem(v, "table %s: keys out of order after record %llu", table, (unsigned long long)count);
			break;
		}
		if (k.mv_size > sizeof prev) {
			problem(v, "table %s: record %llu has a key of %zu bytes", table, (unsigned long long)count + 1,
			        k.mv_size);
			break;
		}
		memcpy(prev, k.mv_data, k.mv_size);
		prev_key.mv_size = k.mv_size;
		count++;
		if (check)
			check(v, &k, &val);
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND) {
		problem(v, "table %s: the walk stopped after %llu records: %s", table, (unsigned long long)count,
		        mdb_strerror(rc));
		renew(v);
	} else if (rc == MDB_NOTFOUND && count != ms.ms_entries)
		problem(v, "table %s: %llu records walked, its header counts %zu", table, (unsigned long long)count,
		        ms.ms_entries);
	if (dbi != 0) /* the free-page list holds no records of the store's */
		v->stats->records += count;
}

/* The free-page list: key a transaction id, value a count and that many page numbers, each inside the file. */
static void check_free(struct verify *v, const MDB_val *k, const MDB_val *val)
{
	const size_t word = sizeof(size_t);
	size_t count = 0;
	if (val->mv_size >= word)
		memcpy(&count, val->mv_data, word);
	if (k->mv_size != word || val->mv_size < word || count > val->mv_size / word - 1) {
		problem(v, "the free-page list: a record of %zu bytes is malformed", val->mv_size);
		return;
	}
	for (size_t i = 1; i <= count; i++) {
		size_t pgno;
		memcpy(&pgno, (const uint8_t *)val->mv_data + i * word, word);
		if (pgno < 2 || pgno > v->last_pgno) {
			problem(v, "the free-page list names page %zu, outside the file's pages 2..%zu", pgno,
			        v->last_pgno);
			return;
		}
	}
}

static struct zone_seen *zone_add(struct verify *v)
{
	if (v->zone_count == v->zone_cap) {
		size_t cap = v->zone_cap ? 2 * v->zone_cap : 16;
		struct zone_seen *grown = realloc(v->zones, cap * sizeof *grown);
		if (!grown)
			return NULL;
		v->zones = grown;
		v->zone_cap = cap;
	}
	return &v->zones[v->zone_count++];
}

static void check_zone(struct verify *v, const MDB_val *k, const MDB_val *val)
{
	struct zone_seen *z;
	zone_def_t *def = malloc(sizeof *def);
	if (!def) {
		problem(v, "out of memory");
		return;
	}
	int err = zone_decode(val->mv_data, val->mv_size, def);
	int klen = k->mv_size > 255 ? 255 : (int)k->mv_size;
	if (err)
		problem(v, "table zones: zone '%.*s' does not decode: %s", klen, (const char *)k->mv_data,
		        rbl_strerror(err));
	else if (strlen(def->name) != k->mv_size || memcmp(def->name, k->mv_data, k->mv_size) != 0)
		problem(v, "table zones: the record '%.*s' holds zone '%s'", klen, (const char *)k->mv_data, def->name);
	else if (def->id == 0)
		problem(v, "table zones: zone '%s' has id 0", def->name);
	else if (!(z = zone_add(v)))
		problem(v, "out of memory");
	else {
		z->id = def->id;
		snprintf(z->name, sizeof z->name, "%s", def->name);
		z->entries_kept = 0;
		z->entries_found = 0;
		z->has_state = false;
		if (def->id > v->max_zone_id)
			v->max_zone_id = def->id;
	}
	free(def);
}

static int zone_id_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct zone_seen *)a)->id, y = ((const struct zone_seen *)b)->id;
	return x < y ? -1 : x > y;
}

/* After the zones table: ids unique, members known. */
static void check_zone_ids(struct verify *v)
{
	if (v->zone_count)
		qsort(v->zones, v->zone_count, sizeof *v->zones, zone_id_cmp);
	for (size_t i = 1; i < v->zone_count; i++)
		if (v->zones[i].id == v->zones[i - 1].id)
			problem(v, "table zones: zones '%s' and '%s' share the id %u", v->zones[i - 1].name,
			        v->zones[i].name, v->zones[i].id);
	v->stats->zones = (unsigned)v->zone_count;
}

/* zone_state: one record per zone, none for a zone that does not exist. */
static void check_zone_state(struct verify *v, const MDB_val *k, const MDB_val *val)
{
	if (k->mv_size != 4) {
		problem(v, "table zone_state: a key of %zu bytes does not decode", k->mv_size);
		return;
	}
	uint32_t id = store_get_u32(k->mv_data);
	struct zone_seen *z = zone_find(v, id);
	zone_state_t state;
	if (!z)
		problem(v, "table zone_state: a record for zone id %u, which no zone has", id);
	else if (!store_zone_state_decode(val, &state))
		problem(v, "table zone_state: the record of zone '%s' does not decode", z->name);
	else {
		z->has_state = true;
		z->entries_kept = state.entries;
	}
}

static void check_meta(struct verify *v, const MDB_val *k, const MDB_val *val)
{
	const uint8_t *key = k->mv_data;
	if (k->mv_size == 9 && memcmp(key, "lens", 4) == 0 && (key[8] == ADDR_V4 || key[8] == ADDR_V6)) {
		uint32_t id = store_get_u32(key + 4);
		if (val->mv_size != STORE_LENS_BYTES)
			problem(v, "table meta: the prefix lengths of zone id %u have %zu bytes, not %d", id,
			        val->mv_size, STORE_LENS_BYTES);
		else if (!zone_find(v, id))
			problem(v, "table meta: prefix lengths of zone id %u, which no zone has", id);
		return;
	}
	if (val->mv_size != 8)
		problem(v, "table meta: key '%.*s' has %zu bytes, not 8", (int)(k->mv_size > 64 ? 64 : k->mv_size),
		        (const char *)key, val->mv_size);
}

/* The prefix length of every entry must be in its zone's and family's lengths in use: a lookup of a covering entry
 * probes only those. */
static void check_lens(struct verify *v, uint32_t zone_id, const cidr_t *net)
{
	if (v->lens_zone != zone_id || v->lens_family != net->addr.family) {
		v->lens_zone = zone_id;
		v->lens_family = net->addr.family;
		if (store_lens_read(v->txn, v->st, zone_id, net->addr.family, v->lens))
			memset(v->lens, 0xff, sizeof v->lens); /* malformed: reported by check_meta */
	}
	if (!(v->lens[net->len / 8] & (1u << (net->len % 8)))) {
		char text[ADDR_STRLEN];
		cidr_format(net, text);
		problem(v, "table entries: %s in zone '%s' has a prefix length missing from the zone's lengths in use",
		        text, zone_find(v, zone_id)->name);
	}
}

static void check_entry(struct verify *v, const MDB_val *k, const MDB_val *val)
{
	uint32_t zone_id;
	entry_t *e = &(entry_t){0};
	if (entry_key_decode(k->mv_data, k->mv_size, &zone_id, &e->net)) {
		problem(v, "table entries: a key of %zu bytes does not decode", k->mv_size);
		return;
	}
	char text[ADDR_STRLEN];
	cidr_format(&e->net, text);
	struct zone_seen *z = zone_find(v, zone_id);
	if (z)
		z->entries_found++;
	addr_t masked = e->net.addr;
	addr_mask(&masked, e->net.len);
	int err = entry_decode(val->mv_data, val->mv_size, e);
	if (!z)
		problem(v, "table entries: %s belongs to zone id %u, which no zone has", text, zone_id);
	else if (addr_cmp(&masked, &e->net.addr) != 0)
		problem(v, "table entries: %s in zone '%s' has host bits set", text, z->name);
	else if (err)
		problem(v, "table entries: %s in zone '%s' does not decode: %s", text, z->name, rbl_strerror(err));
	else
		check_lens(v, zone_id, &e->net);
}

/* An interval of family's table (store_internal.h: interval keys), named table in what is reported. */
static void check_interval(struct verify *v, uint8_t family, const char *table, const MDB_val *k, const MDB_val *val)
{
	uint32_t zone_id;
	addr_t first = {.family = family}, last;
	size_t n = addr_bytes(family);
	if (!store_interval_key_read(family, k, &zone_id, &last)) {
		problem(v, "table %s: a key of %zu bytes does not decode", table, k->mv_size);
		return;
	}
	char text[ADDR_STRLEN];
	addr_format(&last, text);
	store_hit_t hit;
	const struct zone_seen *z = zone_find(v, zone_id);
	if (!z) {
		problem(v, "table %s: the interval ending at %s belongs to zone id %u, which no zone has", table, text,
		        zone_id);
		return;
	}
	if (val->mv_size < n + INTERVAL_PAYLOAD_MIN || val->mv_size > INTERVAL_VALUE_MAX ||
	    store_hit_decode((const uint8_t *)val->mv_data + n, val->mv_size - n, &hit)) {
		problem(v, "table %s: the interval ending at %s in zone '%s' does not decode", table, text, z->name);
		return;
	}
	memcpy(first.b, val->mv_data, n);
	if (addr_cmp(&first, &last) > 0)
		problem(v, "table %s: the interval ending at %s in zone '%s' starts after its end", table, text,
		        z->name);
}

/* A lone listing: the entry it holds decodes (its source too), it is a /32 of its own key, counted with its zone's
 * entries, and not also in entries. */
static void check_lone(struct verify *v, const MDB_val *k, const MDB_val *val)
{
	uint32_t zone_id;
	addr_t last;
	struct zone_seen *z;
	if (!store_interval_key_read(ADDR_V4, k, &zone_id, &last) || !(z = zone_find(v, zone_id)))
		return; /* reported by check_interval */
	z->entries_found++;
	char text[ADDR_STRLEN];
	addr_format(&last, text);
	entry_t *e = &(entry_t){0};
	int err = store_lone_decode(v->txn, v->st, val, e, NULL);
	if (err) {
		problem(v, "table index4: the listing %s in zone '%s' does not decode (or names an origin that is not "
		        "there): %s", text, z->name, rbl_strerror(err));
		return;
	}
	if (addr_cmp(&e->net.addr, &last) != 0) {
		problem(v, "table index4: the listing ending at %s in zone '%s' is not a /32 of its own", text, z->name);
		return;
	}
	uint8_t key[ENTRY_KEY_MAX];
	MDB_val ek = {entry_key(zone_id, &e->net, key), key}, ev;
	if (mdb_get(v->txn, v->st->entries, &ek, &ev) == 0)
		problem(v, "table index4: the listing %s/32 in zone '%s' is in table entries too", text, z->name);
	check_lens(v, zone_id, &e->net);
}

static void check_interval4(struct verify *v, const MDB_val *k, const MDB_val *val)
{
	check_interval(v, ADDR_V4, "index4", k, val);
	if (store_lone_value(val))
		check_lone(v, k, val);
}

/* origins (store_origin.c): every record decodes, and every hash record names an origin with that hash. */
static void check_origin(struct verify *v, const MDB_val *k, const MDB_val *val)
{
	if (store_origin_check(v->txn, v->st, k, val))
		problem(v, "table origins: the record with a key of %zu bytes does not decode (or names no origin)",
		        k->mv_size);
}

static void check_interval6(struct verify *v, const MDB_val *k, const MDB_val *val)
{
	check_interval(v, ADDR_V6, "index", k, val);
}

static void check_journal(struct verify *v, const MDB_val *k, const MDB_val *val)
{
	const uint8_t *p = val->mv_data;
	if (k->mv_size != 12) {
		problem(v, "table journal: a key of %zu bytes does not decode", k->mv_size);
		return;
	}
	uint32_t zone_id = store_get_u32(k->mv_data);
	uint64_t seq = store_get_u64((const uint8_t *)k->mv_data + 4);
	if (seq > v->max_journal_seq)
		v->max_journal_seq = seq;
	bool ok = val->mv_size >= 9 && zone_find(v, zone_id);
	if (ok && (p[0] == 'A' || p[0] == 'D')) {
		uint32_t id;
		entry_t *e = &(entry_t){0};
		size_t klen = val->mv_size > 9 ? p[9] : 0;
		ok = val->mv_size >= 10 + klen && !entry_key_decode(p + 10, klen, &id, &e->net) && id == zone_id &&
		     (p[0] == 'D' ? val->mv_size == 10 + klen
		                  : !entry_decode(p + 10 + klen, val->mv_size - 10 - klen, e));
	} else if (ok) {
		ok = p[0] == 'I' && val->mv_size >= 9 + 32 && val->mv_size < 9 + 32 + ENTRY_SOURCE_MAX;
	}
	if (!ok)
		problem(v, "table journal: record %llu of zone id %u does not decode", (unsigned long long)seq,
		        zone_id);
}

/* Counters in meta that every id and sequence so far must be below. */
static void check_counters(struct verify *v)
{
	uint64_t next_zone = 0, next_journal = 0;
	if (!v->txn || store_meta_get_u64(v->txn, v->st->meta, META_NEXT_ZONE, &next_zone) ||
	    store_meta_get_u64(v->txn, v->st->meta, META_NEXT_JOURNAL, &next_journal))
		return; /* malformed: reported by check_meta */
	if (v->zone_count && next_zone <= v->max_zone_id)
		problem(v, "table meta: next_zone_id is %llu, not above the zone id %u in use",
		        (unsigned long long)next_zone, v->max_zone_id);
	if (v->max_journal_seq && next_journal <= v->max_journal_seq)
		problem(v, "table meta: next_journal is %llu, not above the journal record %llu",
		        (unsigned long long)next_journal, (unsigned long long)v->max_journal_seq);
	for (size_t i = 0; i < v->zone_count; i++)
		if (!v->zones[i].has_state)
			problem(v, "table zone_state: zone '%s' has no record (its serial and entry count)",
			        v->zones[i].name);
		else if (v->zones[i].entries_kept != v->zones[i].entries_found)
			problem(v, "table zone_state: zone '%s' counts %llu entries, tables entries and index4 hold %llu",
			        v->zones[i].name, (unsigned long long)v->zones[i].entries_kept,
			        (unsigned long long)v->zones[i].entries_found);
}

/* The named tables, in the order walked: zones first (the others name zones), the store's own, then the rest. */
static const char *const own_tables[] = {"zones",  "zone_state", "meta",    "origins",
                                         "entries", "index4",    "index",   "journal"};

static record_check_fn own_check(const char *name)
{
	static const record_check_fn checks[] = {check_zone,  check_zone_state, check_meta,      check_origin,
	                                         check_entry, check_interval4,  check_interval6, check_journal};
	for (size_t i = 0; i < sizeof own_tables / sizeof own_tables[0]; i++)
		if (strcmp(name, own_tables[i]) == 0)
			return checks[i];
	return NULL;
}

/* The names of the tables in the main table, the store's own first. */
static unsigned table_names(struct verify *v, char names[TABLES_MAX][64])
{
	unsigned count = 0;
	for (size_t i = 0; i < sizeof own_tables / sizeof own_tables[0]; i++)
		snprintf(names[count++], 64, "%s", own_tables[i]);
	MDB_dbi main_table;
	MDB_cursor *cur;
	if (!v->txn)
		return count;
	stage(v, "the list of tables");
	int rc = mdb_dbi_open(v->txn, NULL, 0, &main_table);
	if (!rc)
		rc = mdb_cursor_open(v->txn, main_table, &cur);
	if (rc) {
		problem(v, "the list of tables cannot be read: %s", mdb_strerror(rc));
		return count;
	}
	MDB_val k, val;
	for (rc = mdb_cursor_get(cur, &k, &val, MDB_FIRST); !rc; rc = mdb_cursor_get(cur, &k, &val, MDB_NEXT)) {
		char name[64];
		snprintf(name, sizeof name, "%.*s", (int)(k.mv_size < 63 ? k.mv_size : 63), (const char *)k.mv_data);
		if (own_check(name))
			continue;
		if (count == TABLES_MAX || k.mv_size > STORE_EXT_NAME_MAX) {
			problem(v, "the list of tables holds '%s', not a table of this store", name);
			continue;
		}
		snprintf(names[count++], 64, "%s", name);
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		problem(v, "the list of tables: the walk stopped: %s", mdb_strerror(rc));
	return count;
}

/* The index of a zone and family against what its entries call for (store_verify_index.c): one problem at most. */
static void compare_index(struct verify *v, const struct zone_seen *zone, uint8_t family)
{
	const char *family_name = family == ADDR_V4 ? "IPv4" : "IPv6";
	if (!v->txn)
		return;
	stage(v, "the index of zone '%s' (%s)", zone->name, family_name);
	char what[400];
	int rc = store_verify_index(v->txn, v->st, zone->id, family, what, sizeof what);
	if (rc == 1)
		problem(v, "index of zone '%s' (%s): %s", zone->name, family_name, what);
	/* RBL_EDAMAGED: a record that does not decode, or a page LMDB cannot read, reported by the table walks */
	else if (rc < 0 && rc != RBL_EDAMAGED)
		problem(v, "index of zone '%s' (%s): cannot be compared with the entries: %s", zone->name, family_name,
		        rbl_strerror(rc));
	if (rc < 0)
		renew(v);
}

int store_verify(store_t *st, const store_verify_sink_t *sink, store_verify_stats_t *stats)
{
	memset(stats, 0, sizeof *stats);
	struct verify v = {.st = st, .sink = sink, .stats = stats};
	int rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &v.txn);
	if (rc)
		return store_mdb_error(rc, "beginning the verify snapshot");
	MDB_envinfo info;
	mdb_env_info(st->env, &info);
	v.last_pgno = info.me_last_pgno;

	walk(&v, 0, "(free pages)", check_free); /* table 0: LMDB's list of free pages */
	char names[TABLES_MAX][64];
	unsigned count = table_names(&v, names);
	for (unsigned i = 0; i < count && v.txn; i++) {
		MDB_dbi dbi;
		rc = mdb_dbi_open(v.txn, names[i], 0, &dbi);
		if (rc)
			problem(&v, "table %s cannot be opened: %s", names[i], mdb_strerror(rc));
		else
			walk(&v, dbi, names[i], own_check(names[i]));
		stats->tables += !rc;
		if (i == 0) /* zones: the others are checked against them */
			check_zone_ids(&v);
	}
	check_counters(&v);
	for (size_t i = 0; i < v.zone_count; i++) {
		compare_index(&v, &v.zones[i], ADDR_V4);
		compare_index(&v, &v.zones[i], ADDR_V6);
	}
	if (v.txn)
		mdb_txn_abort(v.txn);
	free(v.zones);
	return stats->problems ? RBL_EDAMAGED : RBL_OK;
}
