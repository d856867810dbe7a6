/* SPDX-License-Identifier: BSD-2-Clause */
/* revname.c — reversed-address label sequences to IPv4/IPv6 prefixes, and addresses to reversed names. */
#include "base/revname.h"

#include <stdio.h>
#include <string.h>

#define REVNAME_V4_LABELS 4
#define REVNAME_V6_LABELS 32

/* The value of a label of n >= 1 bytes that is one decimal octet ("0".."255", no leading zero, so that each address
 * has exactly one query name), or -1. d0 - 1 > 8 refuses a leading '0' and a non-digit at once (the subtraction
 * wraps); with three digits the first must be 1 or 2. */
static int octet_label(const uint8_t *label, size_t n)
{
	unsigned d0 = (unsigned)label[0] - '0', d1, d2, value;
	switch (n) {
	case 1:
		return d0 <= 9 ? (int)d0 : -1;
	case 2:
		d1 = (unsigned)label[1] - '0';
		if (d0 - 1 > 8 || d1 > 9)
			return -1;
		return (int)(d0 * 10 + d1);
	case 3:
		d1 = (unsigned)label[1] - '0';
		d2 = (unsigned)label[2] - '0';
		value = d0 * 100 + d1 * 10 + d2;
		if (d0 - 1 > 1 || d1 > 9 || d2 > 9 || value > 255)
			return -1;
		return (int)value;
	default:
		return -1;
	}
}

/* The value of a label of n >= 1 bytes that is one hex digit in either case, or -1. */
static int nibble_label(const uint8_t *label, size_t n)
{
	if (n != 1)
		return -1;
	unsigned digit = (unsigned)label[0] - '0';
	if (digit <= 9)
		return (int)digit;
	unsigned letter = ((unsigned)label[0] | 0x20) - 'a';
	return letter < 6 ? (int)(letter + 10) : -1;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* The count labels read as octets: v4 holds label i at bits 8i, so the first label is the least significant part
 * of the prefix, which is then shifted up to the top of the address. */
static void set_v4(revname_t *out, uint32_t v4, unsigned count)
{
	if (count < REVNAME_V4_LABELS)
		v4 <<= 32 - 8 * count;
	out->v4_valid = true;
	out->v4.addr.family = ADDR_V4;
	out->v4.addr.b[0] = (uint8_t)(v4 >> 24);
	out->v4.addr.b[1] = (uint8_t)(v4 >> 16);
	out->v4.addr.b[2] = (uint8_t)(v4 >> 8);
	out->v4.addr.b[3] = (uint8_t)v4;
	out->v4.len = (uint8_t)(8 * count);
}

/* The count labels read as nibbles: the 128-bit number hi:lo holds label i at bits 4i, shifted up the same way. */
static void set_v6(revname_t *out, uint64_t hi, uint64_t lo, unsigned count)
{
	unsigned shift = 4 * (REVNAME_V6_LABELS - count);
	if (shift >= 64) {
		hi = lo << (shift - 64);
		lo = 0;
	} else if (shift > 0) {
		hi = hi << shift | lo >> (64 - shift);
		lo <<= shift;
	}
	out->v6_valid = true;
	out->v6.addr.family = ADDR_V6;
	put_be64(out->v6.addr.b, hi);
	put_be64(out->v6.addr.b + 8, lo);
	out->v6.len = (uint8_t)(4 * count);
	if (count == REVNAME_V6_LABELS && hi == 0 && lo >> 32 == 0xffff) {
		/* ::ffff:a.b.c.d: the store only holds the IPv4 form of such a host (addr.h), so hand that over. */
		out->v6_mapped = true;
		out->v4_valid = true;
		memset(&out->v4, 0, sizeof out->v4);
		out->v4.addr.family = ADDR_V4;
		memcpy(out->v4.addr.b, out->v6.addr.b + 12, 4);
		out->v4.len = 32;
	}
}

/* One pass over the labels reads both families at once; it stops as soon as neither reading can hold. */
void revname_parse(const uint8_t *labels, size_t len, revname_t *out)
{
	uint32_t v4 = 0;
	uint64_t v6[2] = {0, 0};
	bool v4_ok = true, v6_ok = true;
	unsigned count = 0;

	memset(out, 0, sizeof *out);
	for (size_t pos = 0; pos < len;) {
		size_t n = labels[pos];
		/* A root label inside the sequence or a label running past len is a caller bug or a hostile packet:
		 * neither meaning is safe to act on. */
		if (n == 0 || n > len - pos - 1)
			return;
		const uint8_t *label = labels + pos + 1;
		if (v4_ok) {
			int octet = count < REVNAME_V4_LABELS ? octet_label(label, n) : -1;
			if (octet >= 0)
				v4 |= (uint32_t)octet << 8 * count;
			else
				v4_ok = false;
		}
		if (v6_ok) {
			int nibble = count < REVNAME_V6_LABELS ? nibble_label(label, n) : -1;
			if (nibble >= 0)
				v6[count / 16] |= (uint64_t)nibble << 4 * (count % 16);
			else
				v6_ok = false;
		}
		if (!v4_ok && !v6_ok)
			return; /* the rest cannot make either valid: not even a 33rd label is looked at */
		count++;
		pos += 1 + n;
	}
	if (count == 0)
		return;
	if (v4_ok)
		set_v4(out, v4, count);
	if (v6_ok)
		set_v6(out, v6[1], v6[0], count);
}

void revname_format(const addr_t *a, char buf[REVNAME_STRLEN])
{
	static const char digits[] = "0123456789abcdef";

	if (a->family == ADDR_V4) {
		snprintf(buf, REVNAME_STRLEN, "%u.%u.%u.%u", a->b[3], a->b[2], a->b[1], a->b[0]);
		return;
	}
	char *p = buf;
	for (size_t i = 16; i > 0; i--) {
		*p++ = digits[a->b[i - 1] & 0xf];
		*p++ = '.';
		*p++ = digits[a->b[i - 1] >> 4];
		*p++ = i > 1 ? '.' : '\0';
	}
}
