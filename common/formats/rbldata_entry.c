/* SPDX-License-Identifier: BSD-2-Clause */
/* rbldata_entry.c — the address lines of the ip4set, ip4tset, ip4trie, ip6trie and ip6tset datasets, read as
 * rbldnsd reads them (its ip4range/ip4cidr/ip6prefix/ip6cidr rules), and handed to the sink as CIDRs. */
#include "rbldata_internal.h"

#include "base/addr.h"

#include <string.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static uint32_t v4_mask(unsigned bits)
{
	return bits == 0 ? 0 : 0xffffffffu << (32 - bits);
}

static void v4_format(uint32_t a, char buf[16])
{
	addr_t addr = {.family = ADDR_V4, .b = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a}};
	char text[ADDR_STRLEN];
	addr_format(&addr, text);
	memcpy(buf, text, strlen(text) + 1);
}

int rbldata_v4_octets(struct rbldata_reader *r, const char **sp, uint32_t *addr, unsigned *count)
{
	const char *s = *sp;
	uint32_t a = 0;
	unsigned n = 0;
	char word[48];

	for (;;) {
		if (!is_digit(*s))
			return n == 0 ? rbldata_fail(r, "expected an IPv4 address at '%s'",
			                             rbldata_word(s, word, sizeof word))
			              : rbldata_fail(r, "missing octet after '.' in '%s'",
			                             rbldata_word(*sp, word, sizeof word));
		const char *digits = s;
		unsigned octet = 0;
		while (is_digit(*s)) {
			octet = octet * 10 + (unsigned)(*s - '0');
			if (octet > 255) {
				size_t len = 0;
				while (is_digit(digits[len]) && len < 20)
					len++;
				return rbldata_fail(r, "octet %.*s out of range", (int)len, digits);
			}
			s++;
		}
		a |= octet << (24 - 8 * n);
		n++;
		if (n == 4 || *s != '.')
			break;
		s++;
	}
	*sp = s;
	*addr = a;
	*count = n;
	return 0;
}

/* "/len" at *sp (the '/' already seen); max is 32 or 128. */
static int prefix_length(struct rbldata_reader *r, const char **sp, unsigned max, unsigned *len)
{
	const char *s = *sp + 1;
	unsigned v = 0;

	if (!is_digit(*s))
		return rbldata_fail(r, "missing prefix length after '/'");
	while (is_digit(*s)) {
		v = v * 10 + (unsigned)(*s++ - '0');
		if (v > max) {
			while (is_digit(*s))
				s++;
			return rbldata_fail(r, "prefix length %.*s > %u", (int)(s - *sp - 1), *sp + 1, max);
		}
	}
	*sp = s;
	*len = v;
	return 0;
}

/* What may follow an address: the end, a blank, a comment, or the ':' of a value written right after it. */
static int check_tail(struct rbldata_reader *r, const char *s, const char *start)
{
	char word[48], junk[48];

	if (*s == '\0' || rbldata_is_space(*s) || *s == '#' || *s == ';' || *s == ':')
		return 0;
	rbldata_word(start, word, sizeof word);
	return rbldata_fail(r, "unexpected '%s' after the address in '%s'", rbldata_word(s, junk, sizeof junk), word);
}

/* ip4set: "a.b.c.d", a prefix "a.b.c" (= /24), "a.b/len", or a range "first-last" whose last part is either as
 * long as the first (then completed with 255s) or one octet replacing the first's last octet ("127.0.0.1-255",
 * "127.16-31"). A lone number is refused ("127": write "127/8"), as are ends of different lengths
 * ("127-127.0.0", although rbldnsd(8) lists it, rbldnsd itself refuses it) and "/0" (rbldnsd's ip4set takes a
 * prefix length of 0 for an error; "0.0.0.0-255.255.255.255" is the way to write everything). */
static int parse_v4_range(struct rbldata_reader *r, const char **sp, uint32_t *first, uint32_t *last)
{
	const char *start = *sp, *s = *sp;
	uint32_t a, b;
	unsigned n, m;
	char word[48], text1[16], text2[16];

	if (rbldata_v4_octets(r, &s, &a, &n) < 0)
		return -1;
	if (*s == '-') {
		s++;
		const char *second = s;
		if (rbldata_v4_octets(r, &s, &b, &m) < 0)
			return -1;
		if (m == 1)
			b = (a & v4_mask(8 * (n - 1))) | (b >> (8 * (n - 1)));
		else if (m != n)
			return rbldata_fail(r, "range ends '%.*s' and '%.*s' differ in length",
			                    (int)(second - 1 - start), start, (int)(s - second), second);
		b |= ~v4_mask(8 * n);
		if (a > b) {
			v4_format(a, text1);
			v4_format(b, text2);
			return rbldata_fail(r, "range start %s is after its end %s", text1, text2);
		}
	} else {
		unsigned bits = 8 * n;
		if (*s == '/') {
			if (prefix_length(r, &s, 32, &bits) < 0)
				return -1;
			if (bits == 0)
				return rbldata_fail(r, "prefix length 0 is refused in ip4set (as rbldnsd does); write "
				                       "0.0.0.0-255.255.255.255");
		} else if (n == 1) {
			return rbldata_fail(r, "bare number '%s' is not an address; write %s/8",
			                    rbldata_word(start, word, sizeof word),
			                    rbldata_word(start, text1, sizeof text1));
		}
		/* Bits set past the length ("10.0.0.1/8"): rbldnsd refuses the line unless started with -e, and
		 * nothing here is configurable, so we refuse it too rather than guess which network was meant. */
		if (a & ~v4_mask(bits)) {
			v4_format(a & v4_mask(bits), text1);
			return rbldata_fail(r, "host bits set in '%.*s' (the network is %s/%u)", (int)(s - start),
			                    start, text1, bits);
		}
		b = a | ~v4_mask(bits);
	}
	*sp = s;
	*first = a;
	*last = b;
	return 0;
}

/* ip4trie: "a.b.c.d", "a.b.c" (= /24) or "a.b/len" (0..32); no ranges. */
static int parse_v4_cidr(struct rbldata_reader *r, const char **sp, uint32_t *net, unsigned *len)
{
	const char *start = *sp, *s = *sp;
	uint32_t a;
	unsigned n, bits;
	char word[48], text[16];

	if (rbldata_v4_octets(r, &s, &a, &n) < 0)
		return -1;
	bits = 8 * n;
	if (*s == '/') {
		if (prefix_length(r, &s, 32, &bits) < 0)
			return -1;
	} else if (*s == '-') {
		return rbldata_fail(r, "ranges are not accepted in ip4trie ('%s'); write CIDRs",
		                    rbldata_word(start, word, sizeof word));
	} else if (n == 1) {
		return rbldata_fail(r, "bare number '%s' is not an address; write %s/8",
		                    rbldata_word(start, word, sizeof word), rbldata_word(start, text, sizeof text));
	}
	if (a & ~v4_mask(bits)) {
		v4_format(a & v4_mask(bits), text);
		return rbldata_fail(r, "host bits set in '%.*s' (the network is %s/%u)", (int)(s - start), start, text,
		                    bits);
	}
	*sp = s;
	*net = a;
	*len = bits;
	return 0;
}

/* rbldnsd's IPv6 words: up to eight groups of hex; without "::" the missing trailing groups are zero and the
 * prefix length is 16 per group written ("2001:db8:1:2" is a /64); with "::" it is a full address. Like rbldnsd,
 * the parse stops after eight groups or at the first ':' that does not begin a group, and what follows is the
 * value: "1:2:3:4:5:6:7:8:9" is the address 1:2:3:4:5:6:7:8 with the value ":9". */
static int parse_v6_words(struct rbldata_reader *r, const char **sp, uint8_t out[16], unsigned *bits)
{
	const char *s = *sp;
	unsigned bytes = 0;
	int gap = -1;
	char word[48];

	memset(out, 0, 16);
	if (s[0] == ':' && s[1] == ':') {
		gap = 0;
		s += 2;
	}
	for (;;) {
		const char *group = s;
		unsigned v = 0;
		int h;
		while ((h = addr_hex_value(*s)) >= 0) {
			v = (v << 4) | (unsigned)h;
			if (v > 0xffff)
				return rbldata_fail(r, "IPv6 group '%s' is over 16 bits",
				                    rbldata_word(group, word, sizeof word));
			s++;
		}
		if (s == group) {
			if (gap >= 0)
				break;
			return rbldata_fail(r, "expected an IPv6 address at '%s'",
			                    rbldata_word(*sp, word, sizeof word));
		}
		out[bytes++] = (uint8_t)(v >> 8);
		out[bytes++] = (uint8_t)v;
		if (*s != ':' || bytes == 16)
			break;
		s++;
		if (gap < 0 && *s == ':') {
			gap = (int)bytes;
			s++;
		}
	}
	if (gap >= 0) {
		if (bytes == 16)
			return rbldata_fail(r, "'::' in an address of eight groups: '%s'",
			                    rbldata_word(*sp, word, sizeof word));
		unsigned zeros = 16 - bytes;
		memmove(out + gap + zeros, out + gap, bytes - (unsigned)gap);
		memset(out + gap, 0, zeros);
		*bits = 128;
	} else {
		*bits = bytes * 8;
	}
	*sp = s;
	return 0;
}

/* The store holds an IPv4-mapped prefix (::ffff:0:0/96 and longer) as IPv4 (see addr.h), so the query path that
 * maps such queries to IPv4 finds it. */
static void v6_to_cidr(const uint8_t bytes[16], unsigned len, cidr_t *net)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	memset(net, 0, sizeof *net);
	if (len >= 96 && memcmp(bytes, mapped, 12) == 0) {
		net->addr.family = ADDR_V4;
		memcpy(net->addr.b, bytes + 12, 4);
		net->len = (uint8_t)(len - 96);
		return;
	}
	net->addr.family = ADDR_V6;
	memcpy(net->addr.b, bytes, 16);
	net->len = (uint8_t)len;
}

/* ip6trie: the words above, optionally "/len" (0..128); a single group without a length is refused. */
static int parse_v6_cidr(struct rbldata_reader *r, const char **sp, cidr_t *net)
{
	const char *start = *sp, *s = *sp;
	uint8_t bytes[16];
	unsigned bits;
	char word[48];

	if (parse_v6_words(r, &s, bytes, &bits) < 0)
		return -1;
	if (*s == '/') {
		if (prefix_length(r, &s, 128, &bits) < 0)
			return -1;
	} else if (bits == 16) {
		return rbldata_fail(r, "bare number '%s' is not an IPv6 prefix; write %s/16",
		                    rbldata_word(start, word, sizeof word), rbldata_word(start, word, sizeof word));
	}
	addr_t masked = {.family = ADDR_V6};
	memcpy(masked.b, bytes, 16);
	addr_mask(&masked, bits);
	if (memcmp(masked.b, bytes, 16) != 0) {
		char text[ADDR_STRLEN];
		addr_format(&masked, text);
		return rbldata_fail(r, "host bits set in '%.*s' (the network is %s/%u)", (int)(s - start), start, text,
		                    bits);
	}
	v6_to_cidr(bytes, bits, net);
	*sp = s;
	return 0;
}

/* The sink's non-zero answer is kept in r->stop: any value, -1 included, must not read as "bad line". */
static int emit(struct rbldata_reader *r, rbldata_entry_t *e)
{
	if (r->sink->entry && (r->stop = r->sink->entry(r->ctx, e)) != 0)
		return 1;
	return 0;
}

/* Resolves the value after the address (s at the first blank or ':' after it) into e. */
static int resolve_value(struct rbldata_reader *r, const char *s, rbldata_entry_t *e)
{
	const char *raw;
	size_t len;

	while (rbldata_is_space(*s))
		s++;
	if (*s == '\0' || *s == '#' || *s == ';') {
		e->code = r->default_code;
		if (rbldata_default_expansion(r, &e->txt, &len) < 0)
			return -1;
	} else {
		if (rbldata_parse_value(r, s, r->default_code, r->default_txt, &e->code, &raw) < 0)
			return -1;
		if (raw == r->default_txt) {
			if (rbldata_default_expansion(r, &e->txt, &len) < 0)
				return -1;
		} else {
			if (rbldata_expand(r, raw, r->expansion, &len) < 0)
				return -1;
			e->txt = r->expansion;
		}
	}
	e->has_txt = len > 0;
	return 0;
}

static int check_maxrange(struct rbldata_reader *r, uint64_t count, const char *start, const char *end)
{
	if (r->maxrange4 && count > r->maxrange4)
		return rbldata_fail(r, "'%.*s' covers %llu addresses, more than $MAXRANGE4 %llu", (int)(end - start),
		                    start, (unsigned long long)count, (unsigned long long)r->maxrange4);
	return 0;
}

/* The prefix length of the largest block that starts at a and ends at or before end. */
static unsigned v4_block(uint64_t a, uint64_t end)
{
	unsigned len = 32;
	/* Grow the block while a stays aligned to it and it stays inside the range. */
	while (len > 0 && (a & ((UINT64_C(1) << (33 - len)) - 1)) == 0 && a + (UINT64_C(1) << (33 - len)) <= end)
		len--;
	return len;
}

/* Splits first..last into the fewest CIDRs, each its own entry, all marked with the widest of them. */
static int emit_v4_range(struct rbldata_reader *r, uint32_t first, uint32_t last, rbldata_entry_t *e)
{
	uint64_t a, end = (uint64_t)last + 1;
	unsigned widest = 32;

	for (a = first; a < end;) {
		unsigned len = v4_block(a, end);
		if (len < widest)
			widest = len;
		a += UINT64_C(1) << (32 - len);
	}
	e->widest_len = (uint8_t)widest;
	for (a = first; a < end;) {
		unsigned len = v4_block(a, end);
		e->net.addr.b[0] = (uint8_t)(a >> 24);
		e->net.addr.b[1] = (uint8_t)(a >> 16);
		e->net.addr.b[2] = (uint8_t)(a >> 8);
		e->net.addr.b[3] = (uint8_t)a;
		e->net.len = (uint8_t)len;
		int rc = emit(r, e);
		if (rc)
			return rc;
		a += UINT64_C(1) << (32 - len);
	}
	return 0;
}

int rbldata_entry_line(struct rbldata_reader *r, const char *s)
{
	rbldata_entry_t e;
	const char *start;
	char word[48];

	memset(&e, 0, sizeof e);
	e.line = r->lineno;
	e.txt = "";
	if (*s == '!') {
		if (r->type == RBLDATA_IP4TSET)
			return rbldata_fail(r, "ip4tset has no exclusions");
		e.exclude = true;
		s++;
		while (rbldata_is_space(*s))
			s++;
	}
	start = s;

	switch (r->type) {
	case RBLDATA_IP4SET: {
		uint32_t first = 0, last = 0;
		if (parse_v4_range(r, &s, &first, &last) < 0 || check_tail(r, s, start) < 0 ||
		    check_maxrange(r, (uint64_t)last - first + 1, start, s) < 0)
			return -1;
		if (!e.exclude && resolve_value(r, s, &e) < 0)
			return -1;
		e.net.addr.family = ADDR_V4;
		return emit_v4_range(r, first, last, &e);
	}
	case RBLDATA_IP4TRIE: {
		uint32_t net = 0;
		unsigned len = 32;
		if (parse_v4_cidr(r, &s, &net, &len) < 0 || check_tail(r, s, start) < 0 ||
		    check_maxrange(r, UINT64_C(1) << (32 - len), start, s) < 0)
			return -1;
		if (!e.exclude && resolve_value(r, s, &e) < 0)
			return -1;
		e.net.addr.family = ADDR_V4;
		return emit_v4_range(r, net, net | ~v4_mask(len), &e);
	}
	case RBLDATA_IP4TSET: {
		uint32_t a;
		unsigned n;
		if (rbldata_v4_octets(r, &s, &a, &n) < 0)
			return -1;
		if (n != 4)
			return rbldata_fail(r, "ip4tset takes complete addresses, not '%s'",
			                    rbldata_word(start, word, sizeof word));
		if (check_tail(r, s, start) < 0)
			return -1;
		/* rbldnsd ignores any value written after the address: ip4tset has one answer, the dataset's default.
		 */
		e.code = r->default_code;
		size_t len;
		if (rbldata_default_expansion(r, &e.txt, &len) < 0)
			return -1;
		e.has_txt = len > 0;
		e.net.addr.family = ADDR_V4;
		return emit_v4_range(r, a, a, &e);
	}
	case RBLDATA_IP6TRIE:
		if (parse_v6_cidr(r, &s, &e.net) < 0 || check_tail(r, s, start) < 0)
			return -1;
		if (!e.exclude && resolve_value(r, s, &e) < 0)
			return -1;
		e.widest_len = e.net.len;
		return emit(r, &e);
	case RBLDATA_IP6TSET: {
		uint8_t bytes[16];
		unsigned bits, want = e.exclude ? 128 : 64;
		if (parse_v6_words(r, &s, bytes, &bits) < 0 || check_tail(r, s, start) < 0)
			return -1;
		if (bits != want)
			return rbldata_fail(r, "ip6tset %s are %s, not '%.*s'", e.exclude ? "exclusions" : "entries",
			                    e.exclude ? "complete addresses" : "/64s written as four groups",
			                    (int)(s - start), start);
		if (!e.exclude) {
			e.code = r->default_code;
			size_t len;
			if (rbldata_default_expansion(r, &e.txt, &len) < 0)
				return -1;
			e.has_txt = len > 0;
		}
		v6_to_cidr(bytes, bits, &e.net);
		e.widest_len = e.net.len;
		return emit(r, &e);
	}
	default:
		return rbldata_fail(r, "entry outside a $DATASET section");
	}
}
