/* SPDX-License-Identifier: BSD-2-Clause */
/* revname.c — reversed-address label sequences to IPv4/IPv6 prefixes, and addresses to reversed names. */
#include "base/revname.h"

#include <stdio.h>
#include <string.h>

#define REVNAME_V4_LABELS 4
#define REVNAME_V6_LABELS 32

/* One decimal octet label: "0".."255", no leading zeros, so that each address has exactly one query name. */
static bool octet_label(const uint8_t *label, size_t n, uint8_t *octet)
{
	unsigned value = 0;

	if (n == 0 || n > 3 || (n > 1 && label[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (label[i] < '0' || label[i] > '9')
			return false;
		value = value * 10 + (unsigned)(label[i] - '0');
	}
	if (value > 255)
		return false;
	*octet = (uint8_t)value;
	return true;
}

static bool nibble_label(const uint8_t *label, size_t n, uint8_t *nibble)
{
	if (n != 1)
		return false;
	uint8_t c = label[0];
	if (c >= '0' && c <= '9')
		*nibble = (uint8_t)(c - '0');
	else if (c >= 'a' && c <= 'f')
		*nibble = (uint8_t)(c - 'a' + 10);
	else if (c >= 'A' && c <= 'F')
		*nibble = (uint8_t)(c - 'A' + 10);
	else
		return false;
	return true;
}

void revname_parse(const uint8_t *labels, size_t len, revname_t *out)
{
	/* Where each label starts; a 33rd label already rules out both families, so 32 slots suffice. */
	size_t offsets[REVNAME_V6_LABELS];
	size_t count = 0;

	memset(out, 0, sizeof *out);
	for (size_t pos = 0; pos < len;) {
		size_t n = labels[pos];
		/* A root label inside the sequence or a label running past len is a caller bug or a hostile packet:
		 * neither meaning is safe to act on. */
		if (n == 0 || n > len - pos - 1 || count == REVNAME_V6_LABELS)
			return;
		offsets[count++] = pos;
		pos += 1 + n;
	}
	if (count == 0)
		return;

	/* The first label is the least significant part, so label i fills position count - 1 - i from the top. */
	bool v4_ok = count <= REVNAME_V4_LABELS;
	bool v6_ok = true;
	uint8_t v4[4] = {0};
	uint8_t v6[16] = {0};
	for (size_t i = 0; i < count; i++) {
		const uint8_t *label = labels + offsets[i] + 1;
		size_t n = labels[offsets[i]];
		size_t from_top = count - 1 - i;
		uint8_t value;
		if (v4_ok) {
			if (octet_label(label, n, &value))
				v4[from_top] = value;
			else
				v4_ok = false;
		}
		if (v6_ok) {
			if (nibble_label(label, n, &value))
				v6[from_top / 2] |= (uint8_t)(from_top % 2 ? value : value << 4);
			else
				v6_ok = false;
		}
	}

	if (v4_ok) {
		out->v4_valid = true;
		out->v4.addr.family = ADDR_V4;
		memcpy(out->v4.addr.b, v4, sizeof v4);
		out->v4.len = (uint8_t)(8 * count);
	}
	if (v6_ok) {
		out->v6_valid = true;
		out->v6.addr.family = ADDR_V6;
		memcpy(out->v6.addr.b, v6, sizeof v6);
		out->v6.len = (uint8_t)(4 * count);
		static const uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (count == REVNAME_V6_LABELS && memcmp(v6, mapped_prefix, sizeof mapped_prefix) == 0) {
			/* The store only ever holds the IPv4 form of such a host (addr.h), so hand that over. */
			out->v6_mapped = true;
			out->v4_valid = true;
			memset(&out->v4, 0, sizeof out->v4);
			out->v4.addr.family = ADDR_V4;
			memcpy(out->v4.addr.b, v6 + 12, 4);
			out->v4.len = 32;
		}
	}
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
