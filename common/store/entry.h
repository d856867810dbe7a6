/* SPDX-License-Identifier: BSD-2-Clause */
/* entry.h — one listing (or exclusion) of a zone: the source of truth the lookup index is derived from.
 *
 * Stored in the store's entries database under entry_key (zone id, family, network, prefix length), so that a cursor
 * walk visits a zone's entries in address order with every covering prefix before the prefixes it covers.
 */
#ifndef RBL_ENTRY_H
#define RBL_ENTRY_H

#include "base/addr.h"

#include <stddef.h>
#include <stdint.h>

#define ENTRY_MAX_CODES 8
#define ENTRY_TEXT_MAX 1024   /* reason bytes, NUL included */
#define ENTRY_SOURCE_MAX 256

enum entry_flags {
	ENTRY_EXCLUDE = 1u << 0, /* an exclusion: a hole in any covering listing */
	ENTRY_NOTEXT = 1u << 1,  /* TXT queries get NODATA (rbldnsd's ":A:" form) */
};
#define ENTRY_FLAGS_ALL (ENTRY_EXCLUDE | ENTRY_NOTEXT) /* any other bit is refused (the store uses 0x80 itself) */

typedef struct entry {
	cidr_t net;
	uint8_t flags;
	uint8_t ncodes;                 /* 0 = the zone's default code */
	uint32_t codes[ENTRY_MAX_CODES];/* host order, inside 127.0.0.0/8 */
	int64_t created, updated;
	int64_t expires;                /* 0 = never */
	uint64_t evidence;              /* id of the probe transcript that justified it, 0 = none */
	char reason[ENTRY_TEXT_MAX];    /* "" = the zone's template */
	char source[ENTRY_SOURCE_MAX];
} entry_t;

/* Key: zone id (4, big-endian) | family (1) | network (4 or 16) | prefix length (1). */
#define ENTRY_KEY_MAX 22
size_t entry_key(uint32_t zone_id, const cidr_t *net, uint8_t key[ENTRY_KEY_MAX]);
/* The inverse; RBL_EINVAL for a malformed key. */
int entry_key_decode(const uint8_t *key, size_t len, uint32_t *zone_id, cidr_t *net);

#define ENTRY_ENCODED_MAX (48 + 4 * ENTRY_MAX_CODES + ENTRY_TEXT_MAX + ENTRY_SOURCE_MAX)
size_t entry_encode(const entry_t *e, uint8_t *buf);
/* Decodes the value part; e->net is left as it was (it lives in the key). RBL_EINVAL when malformed. */
int entry_decode(const uint8_t *buf, size_t len, entry_t *e);
/* The reason text inside an encoded value, without copying (for the query path): *text points into buf. */
int entry_reason_view(const uint8_t *buf, size_t len, const char **text, size_t *text_len);

#endif
