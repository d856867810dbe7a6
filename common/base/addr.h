/* SPDX-License-Identifier: BSD-2-Clause */
/* addr.h — IPv4/IPv6 addresses and CIDR prefixes: parsing, formatting, arithmetic.
 *
 * Addresses are held in network byte order in a fixed 16-byte array; an IPv4 address uses b[0..3] and leaves the
 * rest zero. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is always converted to the IPv4 form on parsing, so the
 * store and the query path only ever see one representation of an IPv4 host. Pure functions, no allocation.
 * Functions on a cidr_t are named cidr_*, after the type, the rest addr_*.
 */
#ifndef RBL_ADDR_H
#define RBL_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum addr_family { ADDR_V4 = 4, ADDR_V6 = 6 };

typedef struct addr {
	uint8_t family; /* ADDR_V4 or ADDR_V6 */
	uint8_t b[16];  /* network byte order; bytes past addr_bytes(family) are zero */
} addr_t;

typedef struct cidr {
	addr_t addr; /* the network address: every bit past len is zero */
	uint8_t len; /* 0..32 for IPv4, 0..128 for IPv6 */
} cidr_t;

/* Enough for any address or CIDR text, NUL included ("ffff:...:ffff/128"). */
#define ADDR_STRLEN 48

/* The value of a hex digit in either case, or -1. */
int addr_hex_value(char c);

/* 4 or 16. */
size_t addr_bytes(int family);
/* 32 or 128. */
unsigned addr_maxlen(int family);

/* Parses a dotted-quad IPv4 or an RFC 4291 IPv6 text address. ::ffff:a.b.c.d (and ::ffff:hex:hex) become IPv4.
 * Returns RBL_EINVAL for anything else (leading/trailing junk, empty string, octet > 255). An octet with a leading
 * zero ("01", "00") is refused, as inet_pton does, since inet_aton would read it as octal; no zone ids ("%eth0"). */
int addr_parse(const char *text, addr_t *out);

/* Parses "ADDR" (a host prefix, /32 or /128) or "ADDR/LEN".
 * RBL_EINVAL: malformed address or length (LEN is plain decimal: no sign, no spaces, no leading zero as in "/08");
 * RBL_ERANGE: LEN above 32 (IPv4) or 128 (IPv6); RBL_EHOSTBITS: bits set past LEN. Checked in that order.
 * An IPv4-mapped IPv6 prefix of length >= 96 becomes the IPv4 prefix of length LEN - 96; a shorter one stays IPv6,
 * and so always fails with RBL_EHOSTBITS (its ffff group lies past LEN). */
int cidr_parse(const char *text, cidr_t *out);

/* Writes the canonical text form (dotted quad; RFC 5952 for IPv6) into buf of ADDR_STRLEN bytes. */
void addr_format(const addr_t *a, char buf[ADDR_STRLEN]);
/* "net/len" always, even for host prefixes. */
void cidr_format(const cidr_t *c, char buf[ADDR_STRLEN]);

/* memcmp-order comparison of two addresses of the same family: <0, 0, >0. */
int addr_cmp(const addr_t *a, const addr_t *b);
/* a + 1 / a - 1 in place; returns false (and leaves a wrapped) on overflow past all-ones / below zero. */
bool addr_inc(addr_t *a);
bool addr_dec(addr_t *a);
/* Clears every bit of a past len. */
void addr_mask(addr_t *a, unsigned len);

/* The first and last address covered by c. */
void cidr_first(const cidr_t *c, addr_t *out);
void cidr_last(const cidr_t *c, addr_t *out);
/* True if a (same family) lies inside c. */
bool cidr_contains(const cidr_t *c, const addr_t *a);
/* Whether a lies in one of the count networks (one of another family never holds it). */
bool cidr_any_contains(const cidr_t *nets, unsigned count, const addr_t *a);

struct sockaddr;
struct sockaddr_storage;
/* The address of a socket address: AF_INET, or AF_INET6 with an IPv4-mapped address read as IPv4 (a client that
 * reached a dual-stack socket over IPv4). false for another family (*a zeroed). */
bool addr_from_sockaddr(const struct sockaddr *sa, addr_t *a);
/* The socket address of a and port into *ss; its length. */
unsigned addr_to_sockaddr(const addr_t *a, uint16_t port, struct sockaddr_storage *ss);

#endif
