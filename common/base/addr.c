/* SPDX-License-Identifier: BSD-2-Clause */
/* addr.c — IPv4/IPv6 address and CIDR parsing, RFC 5952 formatting, and bit arithmetic. */
#include "base/addr.h"

#include "base/err.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* Longer than any valid address or CIDR text, even with zero-padded groups and an IPv4 tail
 * ("0000:0000:0000:0000:0000:ffff:255.255.255.255/128" is 49 bytes); text this long is junk, and we stop reading. */
#define ADDR_SCANMAX 64

size_t addr_bytes(int family)
{
	return family == ADDR_V4 ? 4 : 16;
}

unsigned addr_maxlen(int family)
{
	return family == ADDR_V4 ? 32 : 128;
}

int addr_hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly four decimal octets. Leading zeros are refused because inet_aton() and friends read "010" as octal 8:
 * accepting them would make the same text mean different addresses to different tools. */
static int parse_v4(const char *s, size_t n, uint8_t out[4])
{
	size_t i = 0;

	for (int octet = 0; octet < 4; octet++) {
		if (octet > 0) {
			if (i >= n || s[i] != '.')
				return RBL_EINVAL;
			i++;
		}
		size_t start = i;
		unsigned value = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 3) {
			value = value * 10 + (unsigned)(s[i] - '0');
			i++;
		}
		size_t digits = i - start;
		if (digits == 0 || value > 255 || (digits > 1 && s[start] == '0'))
			return RBL_EINVAL;
		out[octet] = (uint8_t)value;
	}
	return i == n ? RBL_OK : RBL_EINVAL;
}

/* RFC 4291 section 2.2 text forms. Written by hand rather than with inet_pton() so that the text need not be
 * NUL-terminated at the end of the address (cidr_parse passes the part before '/') and so that the embedded IPv4
 * tail obeys the same strict rules as a plain IPv4 address on every libc. */
static int parse_v6(const char *s, size_t n, uint8_t out[16])
{
	uint16_t groups[8];
	size_t ngroups = 0;
	int gap = -1; /* index in groups where "::" stands, if any */
	size_t i = 0;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	} else if (n >= 1 && s[0] == ':') {
		return RBL_EINVAL;
	}
	while (i < n) {
		size_t start = i;
		unsigned value = 0;
		int digit;
		while (i < n && (digit = addr_hex_value(s[i])) >= 0) {
			if (i - start == 4)
				return RBL_EINVAL;
			value = value * 16 + (unsigned)digit;
			i++;
		}
		if (i < n && s[i] == '.') {
			uint8_t v4[4];
			if (ngroups > 6 || parse_v4(s + start, n - start, v4) != RBL_OK)
				return RBL_EINVAL;
			groups[ngroups++] = (uint16_t)(v4[0] << 8 | v4[1]);
			groups[ngroups++] = (uint16_t)(v4[2] << 8 | v4[3]);
			i = n;
			break;
		}
		if (i == start || ngroups == 8)
			return RBL_EINVAL;
		groups[ngroups++] = (uint16_t)value;
		if (i == n)
			break;
		if (s[i] != ':')
			return RBL_EINVAL;
		i++;
		if (i < n && s[i] == ':') {
			if (gap >= 0)
				return RBL_EINVAL;
			gap = (int)ngroups;
			i++;
		} else if (i == n) {
			return RBL_EINVAL;
		}
	}
	/* "::" stands for one or more zero groups (RFC 4291), so it cannot appear in a full eight-group address. */
	if (gap < 0 ? ngroups != 8 : ngroups >= 8)
		return RBL_EINVAL;

	memset(out, 0, 16);
	size_t head = gap < 0 ? ngroups : (size_t)gap;
	size_t tail = ngroups - head;
	for (size_t g = 0; g < head; g++) {
		out[2 * g] = (uint8_t)(groups[g] >> 8);
		out[2 * g + 1] = (uint8_t)groups[g];
	}
	for (size_t g = 0; g < tail; g++) {
		size_t slot = 8 - tail + g;
		out[2 * slot] = (uint8_t)(groups[head + g] >> 8);
		out[2 * slot + 1] = (uint8_t)groups[head + g];
	}
	return RBL_OK;
}

/* The address as written, without turning ::ffff:a.b.c.d into IPv4: cidr_parse needs the raw form to decide. */
static int parse_raw(const char *s, size_t n, addr_t *out)
{
	memset(out, 0, sizeof *out);
	if (memchr(s, ':', n)) {
		out->family = ADDR_V6;
		return parse_v6(s, n, out->b);
	}
	out->family = ADDR_V4;
	return parse_v4(s, n, out->b);
}

static bool is_v4_mapped(const addr_t *a)
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	return a->family == ADDR_V6 && memcmp(a->b, prefix, sizeof prefix) == 0;
}

static void unmap_v4(addr_t *a)
{
	uint8_t v4[4];

	memcpy(v4, a->b + 12, 4);
	memset(a, 0, sizeof *a);
	a->family = ADDR_V4;
	memcpy(a->b, v4, 4);
}

int addr_parse(const char *text, addr_t *out)
{
	size_t n = strnlen(text, ADDR_SCANMAX);
	if (n == ADDR_SCANMAX)
		return RBL_EINVAL;
	int err = parse_raw(text, n, out);
	if (err)
		return err;
	if (is_v4_mapped(out))
		unmap_v4(out);
	return RBL_OK;
}

/* Decimal without sign or leading zeros, like the octets. Values too large to matter are clamped rather than
 * wrapped so that "/4294967328" is reported as out of range and not read as /32. */
static int parse_prefix_len(const char *s, size_t n, unsigned *len)
{
	if (n == 0 || (n > 1 && s[0] == '0'))
		return RBL_EINVAL;
	unsigned value = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return RBL_EINVAL;
		if (value <= 1000)
			value = value * 10 + (unsigned)(s[i] - '0');
	}
	*len = value;
	return RBL_OK;
}

static bool has_host_bits(const addr_t *a, unsigned len)
{
	addr_t masked = *a;

	addr_mask(&masked, len);
	return memcmp(masked.b, a->b, sizeof a->b) != 0;
}

int cidr_parse(const char *text, cidr_t *out)
{
	size_t n = strnlen(text, ADDR_SCANMAX);
	if (n == ADDR_SCANMAX)
		return RBL_EINVAL;
	const char *slash = memchr(text, '/', n);
	size_t addr_len = slash ? (size_t)(slash - text) : n;

	addr_t a;
	int err = parse_raw(text, addr_len, &a);
	if (err)
		return err;
	unsigned len = addr_maxlen(a.family);
	if (slash) {
		err = parse_prefix_len(slash + 1, n - addr_len - 1, &len);
		if (err)
			return err;
		if (len > addr_maxlen(a.family))
			return RBL_ERANGE;
	}
	if (is_v4_mapped(&a) && len >= 96) {
		unmap_v4(&a);
		len -= 96;
	}
	if (has_host_bits(&a, len))
		return RBL_EHOSTBITS;
	out->addr = a;
	out->len = (uint8_t)len;
	return RBL_OK;
}

static char *put_hex_group(char *p, unsigned group)
{
	static const char digits[] = "0123456789abcdef";
	bool started = false;

	for (int shift = 12; shift >= 0; shift -= 4) {
		unsigned nibble = (group >> shift) & 0xf;
		if (nibble || started || shift == 0) {
			*p++ = digits[nibble];
			started = true;
		}
	}
	return p;
}

/* RFC 5952 section 4: lowercase, no leading zeros, "::" for the longest run of two or more zero groups (the first
 * such run on a tie). Not inet_ntop(), which prints ::a.b.c.d for IPv4-compatible addresses. */
static void format_v6(const uint8_t b[16], char *buf)
{
	unsigned groups[8];
	int best_start = -1, best_len = 1;
	int run_start = -1;

	for (int g = 0; g < 8; g++)
		groups[g] = (unsigned)b[2 * g] << 8 | b[2 * g + 1];
	for (int g = 0; g <= 8; g++) {
		if (g < 8 && groups[g] == 0) {
			if (run_start < 0)
				run_start = g;
			continue;
		}
		if (run_start >= 0 && g - run_start > best_len) {
			best_start = run_start;
			best_len = g - run_start;
		}
		run_start = -1;
	}

	char *p = buf;
	for (int g = 0; g < 8; g++) {
		if (g == best_start) {
			*p++ = ':';
			*p++ = ':';
			g += best_len - 1;
			continue;
		}
		if (g > 0 && g != best_start + best_len)
			*p++ = ':';
		p = put_hex_group(p, groups[g]);
	}
	*p = '\0';
}

void addr_format(const addr_t *a, char buf[ADDR_STRLEN])
{
	if (a->family == ADDR_V4)
		snprintf(buf, ADDR_STRLEN, "%u.%u.%u.%u", a->b[0], a->b[1], a->b[2], a->b[3]);
	else
		format_v6(a->b, buf);
}

void cidr_format(const cidr_t *c, char buf[ADDR_STRLEN])
{
	addr_format(&c->addr, buf);
	size_t n = strlen(buf);
	snprintf(buf + n, ADDR_STRLEN - n, "/%u", (unsigned)c->len);
}

int addr_cmp(const addr_t *a, const addr_t *b)
{
	/* Mixed families are a caller bug, but ordering IPv4 first keeps a sort total instead of comparing garbage. */
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->b, b->b, addr_bytes(a->family));
}

bool addr_inc(addr_t *a)
{
	for (size_t i = addr_bytes(a->family); i > 0; i--) {
		if (a->b[i - 1] != 0xff) {
			a->b[i - 1]++;
			return true;
		}
		a->b[i - 1] = 0;
	}
	return false;
}

bool addr_dec(addr_t *a)
{
	for (size_t i = addr_bytes(a->family); i > 0; i--) {
		if (a->b[i - 1] != 0) {
			a->b[i - 1]--;
			return true;
		}
		a->b[i - 1] = 0xff;
	}
	return false;
}

void addr_mask(addr_t *a, unsigned len)
{
	size_t nbytes = addr_bytes(a->family);

	for (size_t i = 0; i < nbytes; i++) {
		unsigned bit = (unsigned)i * 8;
		if (len >= bit + 8)
			continue;
		a->b[i] &= len > bit ? (uint8_t)(0xff << (8 - (len - bit))) : 0;
	}
}

void cidr_first(const cidr_t *c, addr_t *out)
{
	*out = c->addr;
	addr_mask(out, c->len);
}

void cidr_last(const cidr_t *c, addr_t *out)
{
	size_t nbytes = addr_bytes(c->addr.family);
	unsigned len = c->len;

	*out = c->addr;
	for (size_t i = 0; i < nbytes; i++) {
		unsigned bit = (unsigned)i * 8;
		if (len >= bit + 8)
			continue;
		out->b[i] |= len > bit ? (uint8_t)(0xff >> (len - bit)) : 0xff;
	}
}

bool cidr_contains(const cidr_t *c, const addr_t *a)
{
	if (a->family != c->addr.family)
		return false;
	addr_t masked = *a;
	addr_mask(&masked, c->len);
	return memcmp(masked.b, c->addr.b, sizeof masked.b) == 0;
}

bool cidr_any_contains(const cidr_t *nets, unsigned count, const addr_t *a)
{
	for (unsigned i = 0; i < count; i++)
		if (cidr_contains(&nets[i], a))
			return true;
	return false;
}

bool addr_from_sockaddr(const struct sockaddr *sa, addr_t *a)
{
	memset(a, 0, sizeof *a);
	if (sa->sa_family == AF_INET) {
		a->family = ADDR_V4;
		memcpy(a->b, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return true;
	}
	if (sa->sa_family != AF_INET6)
		return false;
	a->family = ADDR_V6;
	memcpy(a->b, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	if (is_v4_mapped(a))
		unmap_v4(a);
	return true;
}

unsigned addr_to_sockaddr(const addr_t *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (a->family == ADDR_V4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->b, 4);
		return sizeof *sin;
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	memcpy(&sin6->sin6_addr, a->b, 16);
	return sizeof *sin6;
}
