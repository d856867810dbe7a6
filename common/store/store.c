/* SPDX-License-Identifier: BSD-2-Clause */
/* store.c — opening the LMDB environment, meta and format version, transactions, serial bumps, the journal. */
#include "store_internal.h"

#include "base/err.h"
#include "base/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <limits.h>
#include <unistd.h>

static size_t store_map_size(void);

int store_mdb_error(int rc, const char *doing)
{
	switch (rc) {
	case MDB_NOTFOUND:
		return RBL_ENOENT;
	case ENOSPC:
		log_err("store: %s: no space left on device", doing);
		return RBL_ENOSPC;
	case MDB_MAP_FULL:
		/* The map is the most the file may grow to: only a larger one, in every process, lets it grow further. */
		log_err("store: %s: the store's map of %zu MiB is full: %s", doing, store_map_size() >> 20,
			getenv("DNSBL_MAP_GIB") ? "unset DNSBL_MAP_GIB or raise it, for rbltool and dnsbld alike"
						 : "set DNSBL_MAP_GIB above 32 (GiB), for rbltool and dnsbld alike");
		return RBL_EFULL;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
		log_err("store: %s: %s: the store is damaged (rbltool verify tells more; see README: recovery)", doing,
			mdb_strerror(rc));
		return RBL_EDAMAGED;
	}
	log_err("store: %s: %s", doing, mdb_strerror(rc));
	return RBL_ESTORE;
}

/* LMDB reports a short write as EIO ("filesystem full?", it guesses): with the store's file system all but full, that
 * is what it was. Short writes come in chunks of at most 64 pages, so the space left after one is below 1 MiB. */
static bool disk_full(MDB_env *env)
{
	int fd;
	struct statvfs vfs;
	if (mdb_env_get_fd(env, &fd) != 0 || fstatvfs(fd, &vfs) != 0)
		return false;
	unsigned long long left = (unsigned long long)(geteuid() == 0 ? vfs.f_bfree : vfs.f_bavail) * vfs.f_frsize;
	return left < (1ull << 20);
}

int store_grow(void **buf, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return RBL_OK;
	size_t ncap = *cap ? *cap : 1024;
	while (ncap < need)
		ncap *= 2;
	void *grown = realloc(*buf, ncap * elem);
	if (!grown)
		return RBL_ENOMEM;
	*buf = grown;
	*cap = ncap;
	return RBL_OK;
}

void store_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

uint32_t store_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void store_put_u64(uint8_t *p, uint64_t v)
{
	store_put_u32(p, (uint32_t)(v >> 32));
	store_put_u32(p + 4, (uint32_t)v);
}

uint64_t store_get_u64(const uint8_t *p)
{
	return (uint64_t)store_get_u32(p) << 32 | store_get_u32(p + 4);
}

int store_meta_get_u64(MDB_txn *txn, MDB_dbi meta, const char *key, uint64_t *value)
{
	MDB_val k = {strlen(key), (void *)key}, v;
	int rc = mdb_get(txn, meta, &k, &v);
	if (rc == MDB_NOTFOUND) {
		*value = 0;
		return RBL_OK;
	}
	if (rc)
		return store_mdb_error(rc, "reading meta");
	if (v.mv_size != 8) {
		log_err("store: meta key %s has %zu bytes, expected 8", key, v.mv_size);
		return RBL_ESTORE;
	}
	*value = store_get_u64(v.mv_data);
	return RBL_OK;
}

int store_meta_put_u64(MDB_txn *txn, MDB_dbi meta, const char *key, uint64_t value)
{
	uint8_t buf[8];
	store_put_u64(buf, value);
	MDB_val k = {strlen(key), (void *)key}, v = {8, buf};
	int rc = mdb_put(txn, meta, &k, &v, 0);
	return rc ? store_mdb_error(rc, "writing meta") : RBL_OK;
}

void store_default_dir(char *buf, size_t cap)
{
	const char *env = getenv("DNSBL_DB");
	if (env) {
		snprintf(buf, cap, "%s", env);
		return;
	}
	env = getenv("XDG_DATA_HOME");
	if (env && *env) {
		snprintf(buf, cap, "%s/dnsbld", env);
		return;
	}
	env = getenv("HOME");
	if (env && *env) {
		snprintf(buf, cap, "%s/.local/share/dnsbld", env);
		return;
	}
	snprintf(buf, cap, "./dnsbld-db");
}

/* mkdir -p, for the default directory under $HOME/.local/share. */
static int make_dirs(const char *dir)
{
	char path[4096];
	if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
		return RBL_ERANGE;
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return RBL_EIO;
		*p = '/';
	}
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return RBL_EIO;
	return RBL_OK;
}

/* The tables every format has. */
static int open_dbis(store_t *st, MDB_txn *txn, unsigned dbflags)
{
	int rc;
	if ((rc = mdb_dbi_open(txn, "meta", dbflags, &st->meta)) ||
	    (rc = mdb_dbi_open(txn, "zones", dbflags, &st->zones)) ||
	    (rc = mdb_dbi_open(txn, "entries", dbflags, &st->entries)) ||
	    (rc = mdb_dbi_open(txn, "index", dbflags, &st->index)) ||
	    (rc = mdb_dbi_open(txn, "journal", dbflags, &st->journal)))
		return rc;
	return mdb_set_compare(txn, st->index, store_interval6_cmp);
}

/* index4 and zone_state (format 4 on), origins (format 5 on): made by a writer's opening transaction (MDB_CREATE),
 * which an upgrade then fills. An existing table keeps the flags it was made with, whatever an opener passes. */
static int open_newer_tables(store_t *st, MDB_txn *txn, unsigned dbflags)
{
	int rc = mdb_dbi_open(txn, "index4", dbflags ? dbflags | MDB_INTEGERKEY : 0, &st->index4);
	if (!rc)
		rc = mdb_dbi_open(txn, "zone_state", dbflags, &st->zone_state);
	return rc ? rc : mdb_dbi_open(txn, "origins", dbflags, &st->origins);
}

/* The time of the zone's newest journal record (its last change), or 0 when it has none. */
static int last_journal_time(MDB_txn *txn, const store_t *st, uint32_t zone_id, int64_t *when)
{
	*when = 0;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, st->journal, &cur);
	if (rc)
		return store_mdb_error(rc, "opening a journal cursor");
	/* The record before the first key past the zone's (the last record of all for the highest zone id). */
	uint8_t next[4];
	store_put_u32(next, zone_id + 1);
	MDB_val k = {sizeof next, next}, v;
	rc = zone_id == UINT32_MAX ? MDB_NOTFOUND : mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	rc = rc == MDB_NOTFOUND ? mdb_cursor_get(cur, &k, &v, MDB_LAST) : mdb_cursor_get(cur, &k, &v, MDB_PREV);
	if (!rc && k.mv_size >= 4 && store_get_u32(k.mv_data) == zone_id && v.mv_size >= 9)
		*when = (int64_t)store_get_u64((const uint8_t *)v.mv_data + 1);
	mdb_cursor_close(cur);
	return rc && rc != MDB_NOTFOUND ? store_mdb_error(rc, "reading the journal") : RBL_OK;
}

struct upgrade_walk {
	store_t *st;
	MDB_txn *txn;
	uint64_t from; /* the store's format version before the upgrade */
	zone_def_t *defs; /* the definitions to rewrite after the walk (their state moves to zone_state) */
	size_t count;
};

static int upgrade_zone(const zone_def_t *def, void *ctx)
{
	struct upgrade_walk *u = ctx;
	if (u->from < 2) { /* format 1 kept expiry times in the index as 8 fixed bytes, 2 writes varints: rebuild */
		static const uint8_t families[] = {ADDR_V4, ADDR_V6};
		for (size_t i = 0; i < sizeof families; i++) {
			cidr_t all = {.addr = {.family = families[i]}, .len = 0};
			int err = store_index_rebuild(u->txn, u->st, def->id, &all);
			if (err)
				return err;
		}
	}
	if (u->from >= 4)
		return RBL_OK;
	/* Format 4 keeps each zone's serial, entry count and last change time in zone_state, not in its definition. */
	zone_def_t *grown = realloc(u->defs, (u->count + 1) * sizeof *grown);
	if (!grown)
		return RBL_ENOMEM;
	u->defs = grown;
	zone_def_t *d = &u->defs[u->count++];
	*d = *def;
	if (u->from >= 3)
		return RBL_OK;
	/* Before format 3 no zone kept its entry count and last change time: count and date it once. */
	int64_t when;
	int err = store_zone_count_entries(u->txn, u->st, def->id, &d->entries);
	if (!err)
		err = last_journal_time(u->txn, u->st, def->id, &when);
	if (!err && when > d->changed)
		d->changed = when;
	return err;
}

/* The index before the zones: format 1's is rebuilt from the entries (by upgrade_zone, straight into the tables of
 * this format), formats 2 and 3 had IPv4 intervals in index under byte keys, which format 4 keeps in index4. */
static int upgrade_index(store_t *st, MDB_txn *txn, uint64_t version)
{
	if (version >= 2)
		return store_index_move_v4(txn, st);
	int rc = mdb_drop(txn, st->index, 0);
	if (!rc)
		rc = mdb_drop(txn, st->index4, 0);
	return rc ? store_mdb_error(rc, "emptying the index for an upgrade") : RBL_OK;
}

/* Format 4 -> 5: every plain IPv4 /32 listing moves from entries into its interval (a lone listing). One entry at a
 * time, the cursor seeking past each one moved (the moves write to other tables and delete under it). */
static int upgrade_lone(store_t *st, MDB_txn *txn, uint64_t *moved)
{
	store_wtxn_t w = {.st = st, .txn = txn, .now = time(NULL)};
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, st->entries, &cur);
	if (rc)
		return store_mdb_error(rc, "opening an entry cursor");
	static _Thread_local entry_t e;
	int err = RBL_OK;
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc && !err;) {
		uint32_t zone_id;
		memset(&e, 0, sizeof e);
		if (entry_key_decode(k.mv_data, k.mv_size, &zone_id, &e.net) || entry_decode(v.mv_data, v.mv_size, &e) ||
		    !store_lone_fits(&e)) {
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT); /* left as it is (damage is rbltool verify's to report) */
			continue;
		}
		uint8_t key[ENTRY_KEY_MAX];
		size_t key_len = entry_key(zone_id, &e.net, key);
		if ((rc = mdb_cursor_del(cur, 0)) || (err = store_lone_put(&w, zone_id, &e, NULL)))
			break;
		(*moved)++;
		k = (MDB_val){key_len, key};
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	}
	mdb_cursor_close(cur);
	if (!err && rc && rc != MDB_NOTFOUND)
		err = store_mdb_error(rc, "moving listings into the index");
	return err;
}

/* Brings an older format up to this one, step by step, in the opening transaction. Only a writer can. */
static int upgrade(store_t *st, MDB_txn *txn, const char *dir, uint64_t version)
{
	if (st->readonly) {
		log_err("store %s has format version %llu, older than this program's %d: run any rbltool command on it "
			"once (e.g. rbltool --db %s zone list) to upgrade it", dir, (unsigned long long)version,
			STORE_FORMAT_VERSION, dir);
		return RBL_EVERSION;
	}
	int err = upgrade_index(st, txn, version);
	struct upgrade_walk u = {st, txn, version, NULL, 0};
	store_rtxn_t view = {st, txn};
	if (!err)
		err = store_zone_foreach(&view, upgrade_zone, &u);
	for (size_t i = 0; !err && i < u.count; i++) {
		const zone_def_t *d = &u.defs[i];
		zone_state_t state = {d->serial, d->entries, d->changed};
		err = store_zone_state_put(txn, st, d->id, &state);
		if (!err)
			err = store_zone_def_put(txn, st, d, 0);
	}
	free(u.defs);
	uint64_t moved = 0;
	if (!err && version < 5 && !(err = upgrade_lone(st, txn, &moved)) && moved)
		log_info("store %s: %llu plain /32 listing(s) now kept in the index alone", dir, (unsigned long long)moved);
	uint64_t generation = 0;
	if (!err)
		err = store_meta_get_u64(txn, st->meta, META_ZONES_GENERATION, &generation);
	if (!err)
		err = store_meta_put_u64(txn, st->meta, META_ZONES_GENERATION, generation + 1);
	if (!err)
		err = store_meta_put_u64(txn, st->meta, META_VERSION, STORE_FORMAT_VERSION);
	if (!err)
		log_info("store %s upgraded from format %llu to %d", dir, (unsigned long long)version,
			 STORE_FORMAT_VERSION);
	return err;
}

/* A read-only look first: most opens (dnsbld, rbltool list/show/query/export) find a current store and need to
 * write nothing, and a read transaction never waits for a writer (an import may hold the write lock for seconds).
 * Returns 1 when the store is ready, 0 when a writer must set it up (new, older format), or an error. */
static int check_ready(store_t *st, const char *dir)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn);
	if (rc)
		return store_mdb_error(rc, "beginning the opening transaction");
	rc = open_dbis(st, txn, 0);
	uint64_t version = 0;
	int err = rc ? RBL_OK : store_meta_get_u64(txn, st->meta, META_VERSION, &version);
	if (!rc && !err && version > STORE_FORMAT_VERSION) {
		log_err("store %s has format version %llu; this program reads version %d or older: upgrade dnsbld",
			dir, (unsigned long long)version, STORE_FORMAT_VERSION);
		err = RBL_EVERSION;
	}
	if (!rc && !err && version == STORE_FORMAT_VERSION && (rc = open_newer_tables(st, txn, 0)) == MDB_NOTFOUND) {
		log_err("store %s: format %d without its table index4, zone_state or origins: the store is damaged (rbltool "
			"verify tells more; see README: recovery)", dir, STORE_FORMAT_VERSION);
		err = RBL_EDAMAGED;
	}
	bool ready = !rc && !err && version == STORE_FORMAT_VERSION;
	if (rc == MDB_NOTFOUND && !err && !st->readonly && !st->may_create) {
		mdb_txn_abort(txn);
		return RBL_ENOENT; /* an LMDB file without the store's tables: no store, and only a writer makes one */
	}
	if (ready) {
		/* Committing (not aborting) a read transaction keeps the database handles it opened. */
		rc = mdb_txn_commit(txn);
		return rc ? store_mdb_error(rc, "committing the opening transaction") : 1;
	}
	mdb_txn_abort(txn);
	if (err)
		return err;
	if (!st->readonly)
		return 0;
	if (rc == MDB_NOTFOUND || (!rc && version == 0)) {
		log_err("store %s has not been initialised (run rbltool zone create first)", dir);
		return RBL_ENOENT;
	}
	if (rc)
		return store_mdb_error(rc, "opening databases");
	return upgrade(st, NULL, dir, version); /* refuses, with the message saying how to upgrade */
}

/* Creates the databases and meta on first open, upgrades an older format: a writer's job. */
static int init_meta(store_t *st, const char *dir)
{
	int ready = check_ready(st, dir);
	if (ready != 0)
		return ready < 0 ? ready : RBL_OK;
	MDB_txn *txn;
	int rc = mdb_txn_begin(st->env, NULL, 0, &txn);
	if (rc)
		return store_mdb_error(rc, "beginning the opening transaction");
	rc = open_dbis(st, txn, MDB_CREATE);
	if (!rc)
		rc = open_newer_tables(st, txn, MDB_CREATE);
	if (rc) {
		mdb_txn_abort(txn);
		return store_mdb_error(rc, "opening databases");
	}
	uint64_t version = 0;
	int err = store_meta_get_u64(txn, st->meta, META_VERSION, &version);
	if (!err && version == 0 && !st->may_create)
		err = RBL_ENOENT;
	if (!err && version == 0) {
		st->created = true;
		version = STORE_FORMAT_VERSION;
		err = store_meta_put_u64(txn, st->meta, META_VERSION, version);
		if (!err)
			err = store_meta_put_u64(txn, st->meta, META_CREATED, (uint64_t)time(NULL));
		if (!err)
			err = store_meta_put_u64(txn, st->meta, META_NEXT_ZONE, 1);
	}
	if (!err && version < STORE_FORMAT_VERSION)
		err = upgrade(st, txn, dir, version);
	if (err) {
		mdb_txn_abort(txn);
		return err;
	}
	rc = mdb_txn_commit(txn);
	return rc ? store_mdb_error(rc, "committing the opening transaction") : RBL_OK;
}

/* The shared-store model (README: deploy): a store directory with the setgid bit (/var/lib/dnsbld, dnsbld:dnsbld 2770)
 * is shared by its group — the daemon's user and the operators who run rbltool — so its files must be group-writable
 * whoever created them and whatever their umask: readers register in lock.mdb. Files of other owners are left as they
 * are (only their owner may change their mode). */
static void share_with_group(const char *dir)
{
	struct stat sb;
	if (stat(dir, &sb) != 0 || !(sb.st_mode & S_ISGID))
		return;
	static const char *const files[] = {"data.mdb", "lock.mdb"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		if (stat(path, &sb) == 0 && sb.st_uid == geteuid() && (sb.st_mode & 0060) != 0060)
			chmod(path, (sb.st_mode & 07777) | 0060);
	}
}

/* STORE_MAP_SIZE, or $DNSBL_MAP_GIB GiB: tools with a smaller address space (valgrind) need a smaller map, and the
 * fault tests fill a map of a few MiB (a fraction: 0.01). LMDB never maps less than the data already committed. */
static size_t store_map_size(void)
{
	const char *env = getenv("DNSBL_MAP_GIB");
	if (env && *env) {
		char *end;
		double gib = strtod(env, &end);
		if (!*end && gib >= 1.0 / 1024 && gib <= 1024)
			return (size_t)(gib * (1u << 30)) & ~(size_t)0xffff; /* whole 64 KiB: a multiple of any page size */
		log_warn("DNSBL_MAP_GIB=%s is not 1..1024 (or a fraction down to 1/1024): using the default map size", env);
	}
	return STORE_MAP_SIZE;
}

int store_open(const char *dir, unsigned flags, store_t **out)
{
	*out = NULL;
	if (!*dir) {
		log_err("store: the directory name is empty");
		return RBL_EINVAL;
	}
	/* Before LMDB maps the file: a file shorter than its pages would fault on first touch (SIGBUS), an empty one would
	 * be taken for a new store, and a missing one would be created by any opener but a read-only one. */
	char why[512];
	int found = store_file_check(dir, why, sizeof why);
	if (found == RBL_ENOENT && !(flags & STORE_CREATE)) {
		if (flags & STORE_READONLY)
			log_err("no store in %s (create it with: rbltool --db %s zone create ZONE)", dir, dir);
		return RBL_ENOENT;
	}
	if (found && found != RBL_ENOENT) {
		log_err("%s", why);
		return found;
	}
	store_t *st = calloc(1, sizeof *st);
	if (!st)
		return RBL_ENOMEM;
	st->readonly = flags & STORE_READONLY;
	st->may_create = !st->readonly && (flags & STORE_CREATE);
	int err = RBL_OK;
	if (flags & STORE_CREATE) {
		err = make_dirs(dir);
		if (err) {
			log_err("cannot create store directory %s: %s", dir, strerror(errno));
			goto fail;
		}
	}
	int rc = mdb_env_create(&st->env);
	if (!rc)
		rc = mdb_env_set_maxdbs(st->env, 16);
	if (!rc)
		rc = mdb_env_set_mapsize(st->env, store_map_size());
	if (!rc)
		rc = mdb_env_set_maxreaders(st->env, 510);
	if (rc) {
		err = store_mdb_error(rc, "creating the environment");
		goto fail;
	}
	/* MDB_NOTLS: a read transaction belongs to its worker, not to a thread slot, so it can be reset and renewed. */
	unsigned envflags = MDB_NOTLS | (st->readonly ? MDB_RDONLY : 0);
	rc = mdb_env_open(st->env, dir, envflags, 0664);
	if (rc) {
		if (rc == ENOENT)
			log_err("no store in %s (create it with: rbltool --db %s zone create ZONE)", dir, dir);
		else
			log_err("cannot open store %s: %s", dir, mdb_strerror(rc));
		err = rc == ENOENT ? RBL_ENOENT : rc == ENOSPC ? RBL_ENOSPC : rc == MDB_INVALID ? RBL_EDAMAGED : RBL_ESTORE;
		goto fail;
	}
	share_with_group(dir);
	int dead = 0;
	mdb_reader_check(st->env, &dead);
	if (dead)
		log_info("store %s: cleared %d stale reader slot(s)", dir, dead);
	err = init_meta(st, dir);
	if (err)
		goto fail;
	*out = st;
	return RBL_OK;
fail:
	if (st->env)
		mdb_env_close(st->env);
	free(st);
	return err;
}

bool store_created(const store_t *st)
{
	return st->created;
}

const char *store_lmdb_version(void)
{
	return mdb_version(NULL, NULL, NULL);
}

int store_map_usage(store_t *st, uint64_t *used, uint64_t *size)
{
	MDB_envinfo info;
	MDB_stat stat;
	int rc = mdb_env_info(st->env, &info);
	if (!rc)
		rc = mdb_env_stat(st->env, &stat);
	if (rc)
		return store_mdb_error(rc, "reading the map's size");
	*used = ((uint64_t)info.me_last_pgno + 1) * stat.ms_psize;
	*size = info.me_mapsize;
	return RBL_OK;
}

void store_close(store_t *st)
{
	if (!st)
		return;
	mdb_env_close(st->env);
	free(st);
}

int store_write_begin(store_t *st, store_wtxn_t **out)
{
	*out = NULL;
	if (st->readonly)
		return RBL_EINVAL;
	store_wtxn_t *w = calloc(1, sizeof *w);
	if (!w)
		return RBL_ENOMEM;
	int rc = mdb_txn_begin(st->env, NULL, 0, &w->txn);
	if (rc) {
		free(w);
		return store_mdb_error(rc, "beginning a write transaction");
	}
	w->st = st;
	w->now = time(NULL);
	*out = w;
	return RBL_OK;
}

void store_touch(store_wtxn_t *w, uint32_t zone_id, int64_t delta)
{
	if (w->touched_last < w->touched_count && w->touched[w->touched_last].zone_id == zone_id) {
		w->touched[w->touched_last].delta += delta;
		return;
	}
	for (unsigned i = 0; i < w->touched_count; i++)
		if (w->touched[i].zone_id == zone_id) {
			w->touched[i].delta += delta;
			w->touched_last = i;
			return;
		}
	if (w->touched_count == w->touched_cap) {
		unsigned cap = w->touched_cap ? w->touched_cap * 2 : 8;
		struct store_touched *grown = realloc(w->touched, cap * sizeof *grown);
		if (!grown) {
			w->error = RBL_ENOMEM;
			return;
		}
		w->touched = grown;
		w->touched_cap = cap;
	}
	w->touched_last = w->touched_count;
	w->touched[w->touched_count++] = (struct store_touched){.zone_id = zone_id, .delta = delta};
}

void store_note_change(store_wtxn_t *w, uint32_t zone_id, const cidr_t *net)
{
	if (!w->st->commit_hook)
		return;
	store_touch(w, zone_id, 0);
	if (w->error)
		return;
	struct store_touched *t = &w->touched[w->touched_last];
	if (t->all)
		return;
	if (!net || t->net_count == STORE_CHANGE_NETS_MAX) {
		t->all = true;
		free(t->nets);
		t->nets = NULL;
		t->net_count = t->net_cap = 0;
		return;
	}
	size_t cap = t->net_cap;
	void *nets = t->nets;
	if (store_grow(&nets, &cap, t->net_count + 1u, sizeof *t->nets)) {
		w->error = RBL_ENOMEM;
		return;
	}
	t->nets = nets;
	t->net_cap = (uint32_t)cap;
	t->nets[t->net_count++] = *net;
}

void store_set_commit_hook(store_t *st, store_commit_fn fn, void *ctx)
{
	st->commit_hook = fn;
	st->commit_hook_ctx = ctx;
}

/* The commit hook's call: the changes as it sees them, and the store as the transaction found it. */
static int run_commit_hook(store_wtxn_t *w)
{
	if (!w->st->commit_hook || w->touched_count == 0)
		return RBL_OK;
	store_change_t *changes = calloc(w->touched_count, sizeof *changes);
	store_rtxn_t *before = NULL;
	int err = changes ? store_read_begin(w->st, &before) : RBL_ENOMEM;
	if (!err) {
		for (unsigned i = 0; i < w->touched_count; i++)
			changes[i] = (store_change_t){w->touched[i].zone_id, w->touched[i].all, w->touched[i].nets,
						      w->touched[i].net_count};
		store_rtxn_t after = {w->st, w->txn};
		err = w->st->commit_hook(w->st->commit_hook_ctx, w, before, &after, changes, w->touched_count);
	}
	store_read_end(before);
	free(changes);
	return err;
}

static void free_touched(store_wtxn_t *w)
{
	for (unsigned i = 0; i < w->touched_count; i++)
		free(w->touched[i].nets);
	free(w->touched);
}

/* RFC 1982: the serial grows by one modulo 2^32; 0 is skipped because some secondaries treat it as "unset". */
static uint32_t serial_next(uint32_t serial)
{
	serial++;
	return serial ? serial : 1;
}

/* An aggregate answers from its members: a commit that changed a member changes what the aggregate serves, so the
 * aggregate is touched too (its serial moves; its own entry count does not). ctx: the transaction, whose touched
 * list grows while the first `members_touched` entries are the zones the commit itself changed. */
struct aggregate_walk {
	store_wtxn_t *w;
	unsigned members_touched;
};

static int touch_aggregate(const zone_def_t *def, void *ctx)
{
	struct aggregate_walk *a = ctx;
	for (unsigned i = 0; i < def->member_count; i++)
		for (unsigned t = 0; t < a->members_touched; t++)
			if (a->w->touched[t].zone_id == def->members[i]) {
				store_touch(a->w, def->id, 0);
				return 0;
			}
	return 0;
}

/* Each changed zone: serial bumped, last change time set, entry count moved — in its state record only (a get and
 * a put per touched zone): its definition, and every reader's zone table, stay as they are. A zone deleted in this
 * transaction has no record left and is skipped. */
static int bump_serials(store_wtxn_t *w)
{
	if (w->touched_count) {
		struct aggregate_walk a = {w, w->touched_count};
		store_rtxn_t view = {w->st, w->txn};
		int err = store_zone_foreach(&view, touch_aggregate, &a);
		if (err || w->error)
			return err ? err : w->error;
	}
	for (unsigned i = 0; i < w->touched_count; i++) {
		const struct store_touched *t = &w->touched[i];
		zone_state_t s;
		int err = store_zone_state_get(w->txn, w->st, t->zone_id, &s);
		if (err == RBL_ENOENT)
			continue;
		if (err)
			return err;
		s.serial = serial_next(s.serial);
		s.changed = w->now;
		s.entries = t->delta < 0 && (uint64_t)-t->delta > s.entries ? 0 : s.entries + (uint64_t)t->delta;
		if ((err = store_zone_state_put(w->txn, w->st, t->zone_id, &s)))
			return err;
	}
	if (!w->definitions_changed)
		return RBL_OK;
	uint64_t generation;
	int err = store_meta_get_u64(w->txn, w->st->meta, META_ZONES_GENERATION, &generation);
	return err ? err : store_meta_put_u64(w->txn, w->st->meta, META_ZONES_GENERATION, generation + 1);
}

int store_write_commit(store_wtxn_t *w)
{
	int err = w->error ? w->error : bump_serials(w);
	if (!err)
		err = run_commit_hook(w);
	if (!err && w->journal_loaded)
		err = store_meta_put_u64(w->txn, w->st->meta, META_NEXT_JOURNAL, w->journal_next);
	if (err) {
		store_write_abort(w);
		return err;
	}
	MDB_txn *txn = w->txn;
	int rc = mdb_txn_commit(txn);
	store_ext_settle(w->st, txn, rc == 0);
	if (rc == EIO && disk_full(w->st->env))
		rc = ENOSPC;
	free_touched(w);
	free(w);
	return rc ? store_mdb_error(rc, "committing") : RBL_OK;
}

void store_write_abort(store_wtxn_t *w)
{
	if (!w)
		return;
	mdb_txn_abort(w->txn);
	store_ext_settle(w->st, w->txn, false);
	free_touched(w);
	free(w);
}

int store_read_begin(store_t *st, store_rtxn_t **out)
{
	*out = NULL;
	store_rtxn_t *r = calloc(1, sizeof *r);
	if (!r)
		return RBL_ENOMEM;
	int rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &r->txn);
	if (rc) {
		free(r);
		return store_mdb_error(rc, "beginning a read transaction");
	}
	r->st = st;
	*out = r;
	return RBL_OK;
}

void store_read_end(store_rtxn_t *r)
{
	if (!r)
		return;
	/* Commit, not abort: the same for the snapshot, but it keeps the extension tables' handles opened in r. */
	MDB_txn *txn = r->txn;
	int rc = mdb_txn_commit(txn);
	store_ext_settle(r->st, txn, rc == 0);
	free(r);
}

/* Journal value: op (1) | time (8) | the op's payload. The serial-to-be is not known until commit, so the record
 * keeps the change and its time; the sequence number orders records. */
static int journal_put(store_wtxn_t *w, uint32_t zone_id, char op, const uint8_t *payload, size_t len)
{
	if (!w->journal_loaded) {
		int err = store_meta_get_u64(w->txn, w->st->meta, META_NEXT_JOURNAL, &w->journal_next);
		if (err)
			return err;
		w->journal_loaded = true;
	}
	uint8_t key[12];
	store_put_u32(key, zone_id);
	store_put_u64(key + 4, w->journal_next++);
	uint8_t val[1 + 8 + 1 + ENTRY_KEY_MAX + ENTRY_ENCODED_MAX];
	if (len > sizeof val - 9)
		return RBL_ERANGE;
	val[0] = (uint8_t)op;
	store_put_u64(val + 1, (uint64_t)w->now);
	memcpy(val + 9, payload, len);
	MDB_val k = {sizeof key, key}, v = {9 + len, val};
	int rc = mdb_put(w->txn, w->st->journal, &k, &v, 0);
	return rc ? store_mdb_error(rc, "appending to the journal") : RBL_OK;
}

/* 'A' (put) and 'D' (delete) payload: entry key length | entry key | (for 'A') entry value. */
int store_journal_append(store_wtxn_t *w, uint32_t zone_id, char op, const entry_t *e)
{
	uint8_t payload[1 + ENTRY_KEY_MAX + ENTRY_ENCODED_MAX];
	size_t klen = entry_key(zone_id, &e->net, payload + 1);
	payload[0] = (uint8_t)klen;
	size_t n = 1 + klen;
	store_note_change(w, zone_id, &e->net);
	if (op == 'A')
		n += entry_encode(e, payload + n);
	return journal_put(w, zone_id, op, payload, n);
}

/* 'I' payload: added, updated, removed, unchanged (8 bytes each) | source. */
int store_journal_append_import(store_wtxn_t *w, uint32_t zone_id, const store_import_stats_t *stats,
				const char *source)
{
	uint8_t payload[32 + ENTRY_SOURCE_MAX];
	store_put_u64(payload, stats->added);
	store_put_u64(payload + 8, stats->updated);
	store_put_u64(payload + 16, stats->removed);
	store_put_u64(payload + 24, stats->unchanged);
	size_t n = strlen(source);
	if (n >= ENTRY_SOURCE_MAX)
		n = ENTRY_SOURCE_MAX - 1;
	memcpy(payload + 32, source, n);
	return journal_put(w, zone_id, 'I', payload, 32 + n);
}

int store_journal_count(store_rtxn_t *r, uint32_t zone_id, uint64_t *count)
{
	*count = 0;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(r->txn, r->st->journal, &cur);
	if (rc)
		return store_mdb_error(rc, "opening a journal cursor");
	uint8_t prefix[4];
	store_put_u32(prefix, zone_id);
	MDB_val k = {4, prefix}, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < 4 || memcmp(k.mv_data, prefix, 4) != 0)
			break;
		(*count)++;
	}
	mdb_cursor_close(cur);
	return RBL_OK;
}

int store_delete_zone_keys(MDB_txn *txn, MDB_dbi db, uint32_t zone_id)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, db, &cur);
	if (rc)
		return store_mdb_error(rc, "opening a cursor");
	uint8_t prefix[4];
	store_put_u32(prefix, zone_id);
	MDB_val k = {4, prefix}, v;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (!rc) {
		if (k.mv_size < 4 || memcmp(k.mv_data, prefix, 4) != 0)
			break;
		rc = mdb_cursor_del(cur, 0);
		if (rc)
			break;
		/* Seek again rather than rely on where a delete leaves the cursor. */
		k.mv_size = 4;
		k.mv_data = prefix;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return store_mdb_error(rc, "deleting a zone's records");
	return RBL_OK;
}
