/* SPDX-License-Identifier: BSD-2-Clause */
/* store_file.c — the store's data file as bytes: the length check made before LMDB maps it, and compacted backups. */
#include "store_internal.h"

#include "base/err.h"
#include "base/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* LMDB's data file starts with two meta pages (mdb.c: MDB_page, then MDB_meta). A meta page is a page header —
 * page number (a size_t), two 16-bit fields (padding, flags: 0x08 for a meta page) and 4 bytes of bounds — followed
 * by the meta: magic, data-format version, the map address and size, the free and main databases (a 48-byte
 * MDB_db each, whose first 4 bytes in the free one hold the page size), the last page in use and the transaction id
 * that wrote it. Everything is in the host's byte order and word size, as LMDB writes it. Only what the check needs
 * is named here. */
struct lmdb_db_record {
	uint32_t pad; /* the page size, in the free database's record */
	uint16_t flags, depth;
	size_t branch_pages, leaf_pages, overflow_pages, entries, root;
};

struct lmdb_meta_page {
	size_t pgno;
	uint16_t pad, flags;
	uint32_t bounds;
	uint32_t magic, version;
	void *address;
	size_t mapsize;
	struct lmdb_db_record dbs[2];
	size_t last_pg, txnid;
};

#define LMDB_MAGIC 0xBEEFC0DEu
#define LMDB_DATA_VERSION 1u
#define LMDB_PAGE_META 0x08u
#define LMDB_PAGE_MIN 512u
#define LMDB_PAGE_MAX 65536u

/* Reads the meta page at offset; an explanation in why when it is not one. */
static bool read_meta(int fd, off_t offset, struct lmdb_meta_page *m, char *why, size_t cap)
{
	ssize_t n = pread(fd, m, sizeof *m, offset);
	if (n != (ssize_t)sizeof *m) {
		snprintf(why, cap, "its meta page at byte %lld cannot be read", (long long)offset);
		return false;
	}
	bool psize_ok = m->dbs[0].pad >= LMDB_PAGE_MIN && m->dbs[0].pad <= LMDB_PAGE_MAX &&
	                (m->dbs[0].pad & (m->dbs[0].pad - 1)) == 0;
	if (m->magic != LMDB_MAGIC || !(m->flags & LMDB_PAGE_META) || m->version != LMDB_DATA_VERSION || !psize_ok) {
		snprintf(why, cap, "its meta page at byte %lld is not an LMDB meta page", (long long)offset);
		return false;
	}
	return true;
}

/* One look at the file: RBL_OK, RBL_ENOENT (no file), RBL_EDAMAGED (why says how), RBL_EIO. *size is its length. */
static int check_once(int fd, const char *dir, char *why, size_t cap, off_t *size)
{
	char what[160];
	struct lmdb_meta_page m0, m1;
	/* The metas first, the length after: a commit running meanwhile only makes the file longer. */
	bool ok0 = read_meta(fd, 0, &m0, what, sizeof what);
	bool ok1 = ok0 && read_meta(fd, m0.dbs[0].pad, &m1, what, sizeof what);
	struct stat sb;
	if (fstat(fd, &sb) != 0) {
		snprintf(why, cap, "store %s: cannot read data.mdb's length: %s", dir, strerror(errno));
		return RBL_EIO;
	}
	*size = sb.st_size;
	size_t psize = ok0 ? m0.dbs[0].pad : (size_t)sysconf(_SC_PAGESIZE);
	if (!ok1) {
		if (sb.st_size < (off_t)(2 * psize))
			snprintf(why, cap,
			         "store %s: data.mdb is %lld bytes, shorter than the %zu its two meta pages need: "
			         "the store is damaged (see README: recovery)",
			         dir, (long long)sb.st_size, 2 * psize);
		else
			snprintf(why, cap, "store %s: data.mdb is damaged: %s (see README: recovery)", dir, what);
		return RBL_EDAMAGED;
	}
	const struct lmdb_meta_page *newest = m1.txnid > m0.txnid ? &m1 : &m0;
	if (newest->dbs[0].pad != psize) {
		snprintf(why, cap,
		         "store %s: data.mdb is damaged: its meta pages disagree on the page size (see README: "
		         "recovery)",
		         dir);
		return RBL_EDAMAGED;
	}
	unsigned long long need = ((unsigned long long)newest->last_pg + 1) * psize;
	if (newest->last_pg > (1ull << 40) || (unsigned long long)sb.st_size < need) {
		snprintf(why, cap,
		         "store %s: data.mdb is %lld bytes, shorter than the %llu its last page needs: the store "
		         "is damaged (see README: recovery)",
		         dir, (long long)sb.st_size, need);
		return RBL_EDAMAGED;
	}
	return RBL_OK;
}

int store_file_check(const char *dir, char *why, size_t cap)
{
	char path[4096];
	if (snprintf(path, sizeof path, "%s/data.mdb", dir) >= (int)sizeof path) {
		snprintf(why, cap, "store %s: the path is too long", dir);
		return RBL_ERANGE;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return RBL_ENOENT;
		snprintf(why, cap, "store %s: cannot open data.mdb: %s", dir, strerror(errno));
		return RBL_EIO;
	}
	/* LMDB creates the file and writes its two meta pages a moment later, under its lock: a file without them may
	 * be one that another process is creating right now. Give that creator ~100 ms before calling the file damaged.
	 */
	off_t size = 0;
	int err = RBL_OK;
	for (int attempt = 0; attempt < 20; attempt++) {
		err = check_once(fd, dir, why, cap, &size);
		if (err != RBL_EDAMAGED || size >= 2 * sysconf(_SC_PAGESIZE))
			break;
		nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
	}
	close(fd);
	return err;
}

/* RBL_OK when dest is absent (then made) or an empty directory; RBL_EEXIST otherwise. *made says which. */
static int backup_target(const char *dest, bool *made)
{
	*made = false;
	if (mkdir(dest, 0755) == 0) {
		*made = true;
		return RBL_OK;
	}
	if (errno != EEXIST) {
		log_err("backup: cannot create %s: %s", dest, strerror(errno));
		return errno == ENOSPC ? RBL_ENOSPC : RBL_EIO;
	}
	DIR *d = opendir(dest);
	if (!d)
		return RBL_EEXIST;
	struct dirent *de;
	bool empty = true;
	while (empty && (de = readdir(d)))
		empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
	closedir(d);
	return empty ? RBL_OK : RBL_EEXIST;
}

int store_backup(store_t *st, const char *dest, uint64_t *bytes)
{
	*bytes = 0;
	if (!*dest)
		return RBL_EINVAL;
	bool made;
	int err = backup_target(dest, &made);
	if (err)
		return err;
	char path[4096];
	if (snprintf(path, sizeof path, "%s/data.mdb", dest) >= (int)sizeof path)
		return RBL_ERANGE;
	/* One read snapshot, copied page by page without the free ones: writers and readers go on meanwhile. */
	int rc = mdb_env_copy2(st->env, dest, MDB_CP_COMPACT);
	if (rc) {
		err = store_mdb_error(rc, "writing the backup");
		unlink(path);
		if (made)
			rmdir(dest);
		return err;
	}
	/* LMDB writes the copy without syncing it: a backup is only one once it is on the disk. */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fsync(fd) != 0 || fstat(fd, &sb) != 0) {
		err = errno == ENOSPC ? RBL_ENOSPC : RBL_EIO;
		log_err("backup: cannot sync %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(path);
		if (made)
			rmdir(dest);
		return err;
	}
	close(fd);
	*bytes = (uint64_t)sb.st_size;
	return RBL_OK;
}
