/* SPDX-License-Identifier: BSD-2-Clause */
/* pipeline_internal.h — what the pipeline's table modules (pipeline.c, pipeline_events.c, pipeline_retest.c) share:
 * the address key and the walk over the records of one address. Not for use outside rbl_relay. */
#ifndef RBL_RELAY_PIPELINE_INTERNAL_H
#define RBL_RELAY_PIPELINE_INTERNAL_H

#include "base/addr.h"
#include "store/store_ext.h"

#include <string.h>

#define ADDR_KEY_LEN 17 /* family | 16 address bytes: one key length for both families */

static inline void addr_key(const addr_t *a, uint8_t key[ADDR_KEY_LEN])
{
	key[0] = a->family;
	memcpy(key + 1, a->b, 16);
}

static inline void addr_from_key(const uint8_t *key, addr_t *a)
{
	memset(a, 0, sizeof *a);
	a->family = key[0];
	memcpy(a->b, key + 1, addr_bytes(a->family == ADDR_V6 ? ADDR_V6 : ADDR_V4));
}

/* A stored address key is one of ours: a known family and nothing past the family's bytes. */
static inline bool addr_key_valid(const uint8_t *key)
{
	if (key[0] != ADDR_V4 && key[0] != ADDR_V6)
		return false;
	for (size_t i = 1 + addr_bytes(key[0]); i < ADDR_KEY_LEN; i++)
		if (key[i])
			return false;
	return true;
}

/* Calls each for every record of table keyed address · id (8 bytes), oldest first; an absent table has none. */
int pipeline_walk_addr(store_rtxn_t *r, const char *table, const addr_t *addr,
		       int (*each)(const MDB_val *k, const MDB_val *v, void *ctx), void *ctx);

#endif
