/* SPDX-License-Identifier: BSD-2-Clause */
/* revname.h — reversed-address query names ("2.0.0.127", 32 nibbles for IPv6) to addresses and back.
 *
 * The query path hands the labels in front of the zone apex to revname_parse, which says what they denote: a whole
 * address, or an address range (fewer labels: an empty non-terminal candidate), or nothing. No allocation.
 */
#ifndef RBL_REVNAME_H
#define RBL_REVNAME_H

#include "base/addr.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a sequence of labels can mean, for each family separately. A name such as "1.2" is a valid partial name for
 * both IPv4 (2.1.0.0/16) and IPv6 (2100::/8: the nibbles 2, 1 from the top), so both interpretations are returned.
 * For an IPv4-mapped name v6_valid stays true and v6 holds ::ffff:a.b.c.d/128 as named, but the store never holds
 * that form, so callers look up v4 whenever v6_mapped is set. Nothing is valid for len 0, for more than 32 labels,
 * or for a malformed sequence (a zero length byte, or a label running past len). */
typedef struct revname {
	bool v4_valid;   /* the labels are 1..4 decimal octets (0..255, no leading zeros, no sign) */
	cidr_t v4;       /* 4 labels: the /32; 1..3 labels: the /8, /16, /24 they name */
	bool v6_valid;   /* the labels are 1..32 single hex digits (either case) */
	cidr_t v6;       /* 32 labels: the /128 (or, if IPv4-mapped, v6_mapped is set: see below); fewer: /4*n */
	bool v6_mapped;  /* 32 labels naming ::ffff:a.b.c.d: v4/v4_valid hold the IPv4 /32 instead */
} revname_t;

/* labels: wire-format label sequence (length byte + bytes, repeated) of exactly len bytes, without the zone part and
 * without a terminating root label; len 0 means no labels (the apex). Never reads past labels + len. */
void revname_parse(const uint8_t *labels, size_t len, revname_t *out);

/* Text of the reversed name of a, without a zone: "2.0.0.127" or 32 dot-separated lowercase nibbles. buf must hold
 * 74 bytes. */
#define REVNAME_STRLEN 74
void revname_format(const addr_t *a, char buf[REVNAME_STRLEN]);

#endif
