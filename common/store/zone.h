/* SPDX-License-Identifier: BSD-2-Clause */
/* zone.h — a zone's definition (SOA fields, NS set, TTL, default answer, TXT template) and its stored encoding.
 *
 * The definition is what `rbltool zone create` writes and what the query path turns into SOA/NS records. The
 * encoding is versioned and length-checked: zone_decode never reads past the value LMDB gives it.
 */
#ifndef RBL_ZONE_H
#define RBL_ZONE_H

#include "base/addr.h"
#include "base/dname.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZONE_MAX_NS 8
#define ZONE_NS_ADDR_MAX 4 /* addresses of one name server (IPv4 and IPv6 together) */
#define ZONE_TXT_MAX 1024  /* template bytes, NUL included */

#define ZONE_DEFAULT_TTL 900
#define ZONE_DEFAULT_REFRESH 3600
#define ZONE_DEFAULT_RETRY 600
#define ZONE_DEFAULT_EXPIRE 604800
#define ZONE_DEFAULT_MINIMUM 300
#define ZONE_DEFAULT_CODE 0x7f000002u /* 127.0.0.2 */
#define ZONE_DEFAULT_TXT "Listed: see the operator of this list about $"

/* An aggregate answers for its own entries and for each member zone's: one A per listing source, and each one's
 * TXT (the way one combined list answers for its sublists, RFC 5782 section 2.3). Members are listing zones. */
#define ZONE_MAX_MEMBERS 16

typedef struct zone_def {
	uint32_t id;                  /* assigned by the store, never reused */
	char name[DNAME_TEXTMAX];     /* lowercase, no trailing dot */
	char mname[DNAME_TEXTMAX];
	char rname[DNAME_TEXTMAX];
	uint32_t serial, refresh, retry, expire, minimum;
	uint32_t ttl;                 /* of A, TXT, NS and SOA answers; negative answers use minimum */
	uint32_t default_code;        /* host order, inside 127.0.0.0/8 */
	unsigned ns_count;
	char ns[ZONE_MAX_NS][DNAME_TEXTMAX];
	/* The addresses of each name server: what dnsbld answers (and adds as glue) for a name server inside the zone,
	 * which nobody else can resolve. A name server outside the zone has none. */
	unsigned ns_addr_count[ZONE_MAX_NS];
	addr_t ns_addr[ZONE_MAX_NS][ZONE_NS_ADDR_MAX];
	char txt[ZONE_TXT_MAX];       /* '$' = the queried address, "$$" = a literal '$' */
	int64_t created;
	/* Kept by the store at every commit that changes the zone (a caller's values are not written), in its table
	 * zone_state since format 4 (the stored definition holds 0 in these and in serial): */
	int64_t changed;              /* when (Unix seconds) its serial last moved */
	uint64_t entries;             /* entries stored in it: listings and exclusions */
	unsigned member_count;        /* > 0: an aggregate */
	uint32_t members[ZONE_MAX_MEMBERS]; /* zone ids */
} zone_def_t;

/* Fills def with the defaults for a new zone called name (already normalised): contact hostmaster.<name>,
 * mname = the first NS or "localhost", serial = now. */
void zone_def_init(zone_def_t *def, const char *name, int64_t now);

/* Whether name server i lies inside the zone (its name is the zone's or ends in ".<zone>"): then only the zone's own
 * records can give its address. */
bool zone_ns_in_zone(const zone_def_t *def, unsigned i);

/* Upper bound of an encoded definition. */
#define ZONE_ENCODED_MAX                                                                                             \
	(80 + (3 + ZONE_MAX_NS) * DNAME_TEXTMAX + ZONE_TXT_MAX + 4 * ZONE_MAX_MEMBERS +                                \
	 ZONE_MAX_NS * (1 + 17 * ZONE_NS_ADDR_MAX))

/* Encodes def into buf (ZONE_ENCODED_MAX bytes); returns the length. */
size_t zone_encode(const zone_def_t *def, uint8_t *buf);
/* RBL_EINVAL if the value is truncated or malformed, RBL_EVERSION if written by a newer encoding. */
int zone_decode(const uint8_t *buf, size_t len, zone_def_t *def);

/* Parses an answer code "127.0.0.N" (host order into *code): RBL_EINVAL if not an IPv4 address, RBL_ERANGE if
 * outside 127.0.0.0/8, as every answer code must be. */
int zone_code_parse(const char *text, uint32_t *code);
/* "127.0.0.2" into buf (16 bytes). */
#define ZONE_CODE_STRLEN 16
void zone_code_format(uint32_t code, char buf[ZONE_CODE_STRLEN]);

#endif
