/* SPDX-License-Identifier: BSD-2-Clause */
/* rbldata_special.c — the special entries of rbldnsd data files that describe the zone rather than its entries:
 * $SOA, $NS, $TTL, $MAXRANGE4 and $TIMESTAMP (rbldnsd(8), "Special Entries"). */
#include "rbldata_internal.h"

#include "base/dname.h"

#include <string.h>

const char *rbldata_keyword(const char *s, const char *word)
{
	for (; *word; word++, s++) {
		char c = *s;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != *word)
			return NULL;
	}
	if (*s != '\0' && !rbldata_is_space(*s))
		return NULL;
	while (rbldata_is_space(*s))
		s++;
	return s;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *skip_blanks(const char *s)
{
	while (rbldata_is_space(*s))
		s++;
	return s;
}

/* The end of a field: the end of the line or a blank. */
static bool field_ends(char c)
{
	return c == '\0' || rbldata_is_space(c);
}

static int parse_number(struct rbldata_reader *r, const char **sp, uint32_t *out, const char *what)
{
	const char *s = *sp;
	uint64_t v = 0;
	char word[48];

	if (*s == '\0')
		return rbldata_fail(r, "%s: missing", what);
	if (!is_digit(*s))
		return rbldata_fail(r, "%s: expected a number at '%s'", what, rbldata_word(s, word, sizeof word));
	while (is_digit(*s)) {
		v = v * 10 + (uint64_t)(*s++ - '0');
		if (v > UINT32_MAX)
			return rbldata_fail(r, "%s: '%s' is too large", what, rbldata_word(*sp, word, sizeof word));
	}
	if (!field_ends(*s))
		return rbldata_fail(r, "%s: bad number '%s'", what, rbldata_word(*sp, word, sizeof word));
	*out = (uint32_t)v;
	*sp = skip_blanks(s);
	return 0;
}

/* Seconds, or a number with one unit: w(eeks), d(ays), h(ours), m(inutes), s(econds), either case (rbldnsd's -t
 * syntax: one unit, "1w", not "1w2d"). */
static int parse_time(struct rbldata_reader *r, const char **sp, uint32_t *out, const char *what)
{
	const char *s = *sp;
	uint64_t v = 0, unit = 1;
	char word[48];

	if (*s == '\0')
		return rbldata_fail(r, "%s: missing", what);
	if (!is_digit(*s))
		return rbldata_fail(r, "%s: expected a time at '%s'", what, rbldata_word(s, word, sizeof word));
	for (; is_digit(*s); s++)
		if (v <= UINT32_MAX)
			v = v * 10 + (uint64_t)(*s - '0');
	switch (*s) {
	case 'w':
	case 'W':
		unit = 7 * 24 * 3600;
		s++;
		break;
	case 'd':
	case 'D':
		unit = 24 * 3600;
		s++;
		break;
	case 'h':
	case 'H':
		unit = 3600;
		s++;
		break;
	case 'm':
	case 'M':
		unit = 60;
		s++;
		break;
	case 's':
	case 'S':
		s++;
		break;
	}
	if (!field_ends(*s))
		return rbldata_fail(r, "%s: bad time '%s' (a number with one of the units w, d, h, m, s)", what,
		                    rbldata_word(*sp, word, sizeof word));
	if (v > UINT32_MAX / unit)
		return rbldata_fail(r, "%s: time '%s' is too large", what, rbldata_word(*sp, word, sizeof word));
	*out = (uint32_t)(v * unit);
	*sp = skip_blanks(s);
	return 0;
}

static int parse_name(struct rbldata_reader *r, const char **sp, char out[256], const char *what)
{
	const char *s = *sp;
	size_t len = 0;
	uint8_t wire[DNAME_MAXLEN];
	size_t wire_len;
	char word[48];

	while (!field_ends(s[len]))
		len++;
	if (len == 0)
		return rbldata_fail(r, "%s: missing a name", what);
	if (len > 255)
		return rbldata_fail(r, "%s: name '%s' is too long", what, rbldata_word(s, word, sizeof word));
	memcpy(out, s, len);
	out[len] = '\0';
	if (dname_from_text(out, wire, &wire_len) != 0)
		return rbldata_fail(r, "%s: '%s' is not a valid domain name", what, rbldata_word(s, word, sizeof word));
	*sp = skip_blanks(s + len);
	return 0;
}

static int call(struct rbldata_reader *r, int rc)
{
	r->stop = rc;
	return rc ? 1 : 0;
}

/* $SOA ttl mname rname serial refresh retry expire minimum; only the first counts, later ones are not even read. */
static int soa_line(struct rbldata_reader *r, const char *s)
{
	rbldata_soa_t soa;

	if (r->soa_done)
		return 0;
	memset(&soa, 0, sizeof soa);
	if (parse_time(r, &s, &soa.ttl, "$SOA ttl") < 0 || parse_name(r, &s, soa.mname, "$SOA origin") < 0 ||
	    parse_name(r, &s, soa.rname, "$SOA contact") < 0 || parse_number(r, &s, &soa.serial, "$SOA serial") < 0 ||
	    parse_time(r, &s, &soa.refresh, "$SOA refresh") < 0 || parse_time(r, &s, &soa.retry, "$SOA retry") < 0 ||
	    parse_time(r, &s, &soa.expire, "$SOA expire") < 0 || parse_time(r, &s, &soa.minimum, "$SOA minimum") < 0)
		return -1;
	if (*s) {
		char word[48];
		return rbldata_fail(r, "$SOA: unexpected '%s' after the minimum TTL",
		                    rbldata_word(s, word, sizeof word));
	}
	r->soa_done = true;
	return r->sink->soa ? call(r, r->sink->soa(r->ctx, &soa)) : 0;
}

/* $NS ttl name...; names written "-name" are commented out. The first $NS that names a server counts. */
static int ns_line(struct rbldata_reader *r, const char *s)
{
	const char *names[RBLDATA_MAX_NS];
	unsigned count = 0;
	uint32_t ttl;

	if (r->ns_done)
		return 0;
	if (parse_time(r, &s, &ttl, "$NS ttl") < 0)
		return -1;
	if (!*s)
		return rbldata_fail(r, "$NS: no name server");
	while (*s) {
		if (*s == '-') {
			while (!field_ends(*s))
				s++;
			s = skip_blanks(s);
			continue;
		}
		if (count == RBLDATA_MAX_NS)
			return rbldata_fail(r, "$NS: more than %d name servers", RBLDATA_MAX_NS);
		if (parse_name(r, &s, r->ns_names[count], "$NS") < 0)
			return -1;
		names[count] = r->ns_names[count];
		count++;
	}
	if (count == 0)
		return 0;
	r->ns_done = true;
	return r->sink->ns ? call(r, r->sink->ns(r->ctx, ttl, names, count)) : 0;
}

static int ttl_line(struct rbldata_reader *r, const char *s)
{
	uint32_t ttl;
	char word[48];

	if (parse_time(r, &s, &ttl, "$TTL") < 0)
		return -1;
	if (*s)
		return rbldata_fail(r, "$TTL: unexpected '%s'", rbldata_word(s, word, sizeof word));
	if (r->skipping)
		return 0;
	return r->sink->ttl ? call(r, r->sink->ttl(r->ctx, ttl)) : 0;
}

/* $MAXRANGE4 256 or $MAXRANGE4 /24: IPv4 entries covering more addresses become bad lines. It holds to the end of
 * the file, across sections, and may be lowered but not raised. */
static int maxrange_line(struct rbldata_reader *r, const char *s)
{
	bool cidr = *s == '/';
	uint32_t v;
	uint64_t limit;
	char word[48];

	if (cidr)
		s++;
	if (parse_number(r, &s, &v, "$MAXRANGE4") < 0)
		return -1;
	if (*s)
		return rbldata_fail(r, "$MAXRANGE4: unexpected '%s'", rbldata_word(s, word, sizeof word));
	if (v == 0 || (cidr && v > 32))
		return rbldata_fail(r, "$MAXRANGE4: %s%u is not a range size (1 and up, or /1 to /32)", cidr ? "/" : "",
		                    v);
	limit = cidr ? UINT64_C(1) << (32 - v) : v;
	if (r->maxrange4 && limit > r->maxrange4)
		return rbldata_fail(r, "$MAXRANGE4 cannot be raised from %llu to %llu (kept at %llu)",
		                    (unsigned long long)r->maxrange4, (unsigned long long)limit,
		                    (unsigned long long)r->maxrange4);
	r->maxrange4 = limit;
	return 0;
}

/* One field of a timestamp: up to width digits in min..max, then an optional ':' or '-'. */
static bool stamp_field(const char **sp, unsigned width, unsigned min, unsigned max, unsigned *out)
{
	const char *s = *sp;
	unsigned v = 0, n = 0;

	while (n < width && is_digit(*s)) {
		v = v * 10 + (unsigned)(*s++ - '0');
		n++;
	}
	if (n == 0 || v < min || v > max)
		return false;
	if (*s == ':' || *s == '-')
		s++;
	*sp = s;
	*out = v;
	return true;
}

/* yyyy[:-]mm[:-]dd[[:-]hh[[:-]mi[[:-]ss]]], or "0", "-" or ":" for none. */
static bool stamp(const char **sp, bool *given)
{
	static const unsigned char days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *s = *sp;
	unsigned year, month, day, v;

	*given = false;
	if ((*s == '0' || *s == '-' || *s == ':') && field_ends(s[1])) {
		*sp = skip_blanks(s + 1);
		return true;
	}
	if (!stamp_field(&s, 4, 1970, 9999, &year) || !stamp_field(&s, 2, 1, 12, &month) ||
	    !stamp_field(&s, 2, 1, days[month - 1], &day))
		return false;
	if (month == 2 && day == 29 && !(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
		return false;
	if (!field_ends(*s) && !stamp_field(&s, 2, 0, 23, &v))
		return false;
	if (!field_ends(*s) && !stamp_field(&s, 2, 0, 59, &v))
		return false;
	if (!field_ends(*s) && !stamp_field(&s, 2, 0, 59, &v))
		return false;
	if (!field_ends(*s))
		return false;
	*given = true;
	*sp = skip_blanks(s);
	return true;
}

/* $TIMESTAMP dstamp [expires]: checked for form, then ignored (rbldnsd refuses data stamped in the future and stops
 * serving it after expires; dnsbld's listings carry their own expiry). */
static int timestamp_line(struct rbldata_reader *r, const char *s)
{
	bool given, expires_given;
	uint32_t rel;
	char word[48];

	if (!stamp(&s, &given))
		return rbldata_fail(r, "$TIMESTAMP: bad time stamp (yyyy:mm:dd[:hh[:mi[:ss]]], or 0)");
	if (*s == '+') {
		s++;
		if (!given || parse_time(r, &s, &rel, "$TIMESTAMP expiry") < 0 || rel == 0)
			return rbldata_fail(r, "$TIMESTAMP: bad relative expiry (+time after a time stamp)");
	} else if (*s && !stamp(&s, &expires_given)) {
		return rbldata_fail(r, "$TIMESTAMP: bad expiry '%s'", rbldata_word(s, word, sizeof word));
	}
	if (*s)
		return rbldata_fail(r, "$TIMESTAMP: unexpected '%s'", rbldata_word(s, word, sizeof word));
	return 0;
}

int rbldata_special(struct rbldata_reader *r, const char *s)
{
	const char *w;
	char word[48];

	if ((w = rbldata_keyword(s, "soa")))
		return soa_line(r, w);
	if ((w = rbldata_keyword(s, "ns")) || (w = rbldata_keyword(s, "nameserver")))
		return ns_line(r, w);
	if ((w = rbldata_keyword(s, "ttl")))
		return ttl_line(r, w);
	if ((w = rbldata_keyword(s, "maxrange4")))
		return maxrange_line(r, w);
	if ((w = rbldata_keyword(s, "timestamp")))
		return timestamp_line(r, w);
	return rbldata_fail(r, "unknown special $%s", rbldata_word(s, word, sizeof word));
}
