/* SPDX-License-Identifier: BSD-2-Clause */
/* store_verify.h — checking a store end to end, for rbltool verify: every table walked in one read snapshot, every
 * record of the store's own tables decoded, the index compared with what the entries call for.
 *
 * LMDB keeps no checksums and asserts or faults inside itself on a damaged page, so store_verify_dir runs the walk in
 * a child process and turns its abort or fault into a problem report. Never writes; allocates the zone list of the
 * walk; logs nothing itself (problems go to the sink).
 */
#ifndef RBL_STORE_VERIFY_H
#define RBL_STORE_VERIFY_H

#include "store/store.h"

typedef struct store_verify_stats {
	unsigned tables; /* named tables walked */
	unsigned zones;
	uint64_t records; /* records walked in them */
	unsigned problems;
} store_verify_stats_t;

typedef struct store_verify_sink {
	void (*problem)(void *ctx, const char *what); /* one problem, one line; the first STORE_VERIFY_REPORTED only */
	void (*stage)(void *ctx, const char *what);   /* what is walked next ("table entries"); may be NULL */
	void *ctx;
} store_verify_sink_t;

#define STORE_VERIFY_REPORTED 100 /* problems reported one by one; past that they are only counted */

/* Walks st in this process: RBL_OK when sound, RBL_EDAMAGED when a problem was reported, another error when the walk
 * could not start. Damage that makes LMDB abort or fault takes the process with it: see store_verify_dir. */
int store_verify(store_t *st, const store_verify_sink_t *sink, store_verify_stats_t *stats);

/* Checks the data file of the store in dir (store_open's length check), then walks it with store_verify in a child
 * process that opens it read-only and cannot leave a core file: a child killed by a signal or ending early is one
 * more problem, naming the stage it had reached and LMDB's last words ("Assertion 'IS_LEAF(mp)' failed"). RBL_OK,
 * RBL_EDAMAGED, RBL_ENOENT when dir holds no store, or the child's opening error (RBL_EVERSION, ...; logged). */
int store_verify_dir(const char *dir, const store_verify_sink_t *sink, store_verify_stats_t *stats);

#endif
