/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_stats.c — rbltool stats [ZONE] [--json]: a zone's entries counted by prefix, expiry, source and code, the
 * address space it lists, and its journal; one walk over the zone's entries, nothing held but the counters.
 *
 * Listed addresses follow the query path: the deepest covering entry that has not expired decides, so a listing
 * nested in a listing is counted once, an exclusion opens a hole, and a listing inside that hole closes it again.
 * The walk visits a prefix before the prefixes nested in it (entry.h), so a stack of open prefixes gives each entry
 * its parent: an entry owns its size less its children's sizes, and the listed space is the sum of what listings
 * own. Exact for both families: IPv6 counts use 128-bit arithmetic plus one more bit (::/0 is 2^128 addresses).
 */
#include "cmd.h"

#include "cli_json.h"

#include "base/err.h"
#include "base/text.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STATS_USAGE "rbltool stats [ZONE] [--json]"
#define STATS_TOP_SOURCES 10
#define DAY_SECS 86400

typedef unsigned __int128 u128;

/* A count of addresses, 0..2^128: lo plus hi times 2^128. */
typedef struct span {
	u128 lo;
	unsigned hi;
} span_t;

static span_t span_of(const cidr_t *c)
{
	unsigned bits = addr_maxlen(c->addr.family) - c->len;
	return bits == 128 ? (span_t){0, 1} : (span_t){(u128)1 << bits, 0};
}

static void span_add(span_t *a, span_t b)
{
	u128 lo = a->lo + b.lo;
	a->hi += b.hi + (lo < a->lo);
	a->lo = lo;
}

static void span_sub(span_t *a, span_t b)
{
	a->hi -= b.hi + (a->lo < b.lo);
	a->lo -= b.lo;
}

/* Decimal, with "," every three digits when grouped; buf holds 52 bytes (2^128 grouped). */
#define SPAN_STRLEN 52
static const char *span_format(span_t s, bool grouped, char buf[SPAN_STRLEN])
{
	char digits[SPAN_STRLEN];
	size_t n = 0;
	if (s.hi) { /* only 2^128 itself: the whole IPv6 space */
		static const char whole[] = "340282366920938463463374607431768211456";
		for (n = 0; n < sizeof whole - 1; n++)
			digits[n] = whole[sizeof whole - 2 - n];
	} else {
		do {
			digits[n++] = (char)('0' + (int)(s.lo % 10));
			s.lo /= 10;
		} while (s.lo);
	}
	size_t out = 0;
	for (size_t i = n; i-- > 0;) {
		buf[out++] = digits[i];
		if (grouped && i > 0 && i % 3 == 0)
			buf[out++] = ',';
	}
	buf[out] = '\0';
	return buf;
}

static const char *count_format(uint64_t n, char buf[SPAN_STRLEN])
{
	return span_format((span_t){n, 0}, true, buf);
}

/* Counts a key (bytes) was seen: an open-addressing table that grows at half full. */
struct tally_slot {
	char *key; /* NUL-terminated copy; NULL = empty slot */
	size_t len;
	uint64_t count;
};

typedef struct tally {
	struct tally_slot *slots;
	size_t cap, used;
} tally_t;

static uint64_t tally_hash(const char *key, size_t len)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)key[i]) * 1099511628211ull;
	return h;
}

static struct tally_slot *tally_find(struct tally_slot *slots, size_t cap, const char *key, size_t len)
{
	size_t i = tally_hash(key, len) & (cap - 1);
	while (slots[i].key && (slots[i].len != len || memcmp(slots[i].key, key, len) != 0))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int tally_add(tally_t *t, const char *key, size_t len)
{
	if (2 * (t->used + 1) > t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		struct tally_slot *slots = calloc(cap, sizeof *slots);
		if (!slots)
			return RBL_ENOMEM;
		for (size_t i = 0; i < t->cap; i++)
			if (t->slots[i].key)
				*tally_find(slots, cap, t->slots[i].key, t->slots[i].len) = t->slots[i];
		free(t->slots);
		t->slots = slots;
		t->cap = cap;
	}
	struct tally_slot *s = tally_find(t->slots, t->cap, key, len);
	if (!s->key) {
		if (!(s->key = malloc(len + 1)))
			return RBL_ENOMEM;
		memcpy(s->key, key, len);
		s->key[len] = '\0';
		s->len = len;
		t->used++;
	}
	s->count++;
	return RBL_OK;
}

static void tally_free(tally_t *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i].key);
	free(t->slots);
}

/* Most first, then by key (bytes). */
static int by_count(const void *a, const void *b)
{
	const struct tally_slot *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->key, y->key, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* By key (bytes): codes are keyed big-endian, so they come in numeric order. */
static int by_key(const void *a, const void *b)
{
	const struct tally_slot *x = a, *y = b;
	return memcmp(x->key, y->key, 4);
}

/* The used slots, packed at the front of the table and sorted (the table is no longer one to add to). */
static size_t tally_sorted(tally_t *t, int (*order)(const void *, const void *))
{
	size_t n = 0;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].key)
			t->slots[n++] = t->slots[i];
	for (size_t i = n; i < t->cap; i++)
		t->slots[i].key = NULL; /* moved to the front: freed there */
	if (n)
		qsort(t->slots, n, sizeof *t->slots, order);
	return n;
}

/* An open prefix of the walk and what it owns so far. */
struct frame {
	addr_t last;
	bool listing;
	span_t own;
};

struct zone_stats {
	int64_t now;
	uint32_t default_code; /* what a listing naming no code answers */
	uint64_t total, exclusions, expired, day, week;
	uint64_t by_prefix[2][129]; /* listings: [0] IPv4, [1] IPv6 */
	span_t listed[2];
	struct frame stack[129];
	unsigned depth, family; /* family of the frames on the stack */
	tally_t sources, codes;
	uint64_t journal_records;
};

static void pop_frame(struct zone_stats *s)
{
	struct frame *f = &s->stack[--s->depth];
	if (f->listing)
		span_add(&s->listed[s->family == ADDR_V6], f->own);
}

/* One non-expired entry in the interval walk. */
static void walk_entry(struct zone_stats *s, const entry_t *e)
{
	if (s->depth && s->family != e->net.addr.family)
		while (s->depth)
			pop_frame(s);
	while (s->depth && addr_cmp(&e->net.addr, &s->stack[s->depth - 1].last) > 0)
		pop_frame(s);
	span_t size = span_of(&e->net);
	if (s->depth)
		span_sub(&s->stack[s->depth - 1].own, size);
	struct frame *f = &s->stack[s->depth++];
	cidr_last(&e->net, &f->last);
	f->listing = !(e->flags & ENTRY_EXCLUDE);
	f->own = size;
	s->family = e->net.addr.family;
}

static int count_entry(const entry_t *e, void *ctx)
{
	struct zone_stats *s = ctx;
	bool exclusion = e->flags & ENTRY_EXCLUDE;
	s->total++;
	if (exclusion)
		s->exclusions++;
	else
		s->by_prefix[e->net.addr.family == ADDR_V6][e->net.len]++;
	bool expired = e->expires != 0 && e->expires <= s->now;
	if (expired)
		s->expired++;
	else if (e->expires != 0 && e->expires <= s->now + DAY_SECS)
		s->day++;
	if (!expired && e->expires != 0 && e->expires <= s->now + 7 * DAY_SECS)
		s->week++;
	if (!expired)
		walk_entry(s, e);
	int err = tally_add(&s->sources, e->source, strlen(e->source));
	for (unsigned i = 0; !err && !exclusion && i < (e->ncodes ? e->ncodes : 1u); i++) {
		uint32_t code = e->ncodes ? e->codes[i] : s->default_code;
		uint8_t key[4] = {code >> 24, (code >> 16) & 255, (code >> 8) & 255, code & 255};
		err = tally_add(&s->codes, (const char *)key, sizeof key);
	}
	return err;
}

static uint32_t code_of(const struct tally_slot *slot)
{
	const uint8_t *k = (const uint8_t *)slot->key;
	return (uint32_t)k[0] << 24 | (uint32_t)k[1] << 16 | (uint32_t)k[2] << 8 | k[3];
}

/* The walk's counts into s (zeroed by the caller but for now). */
static int gather(store_rtxn_t *r, const zone_def_t *zone, struct zone_stats *s)
{
	int err = store_entry_foreach(r, zone->id, count_entry, s);
	while (!err && s->depth)
		pop_frame(s);
	return err ? err : store_journal_count(r, zone->id, &s->journal_records);
}

static void print_zone(const zone_def_t *zone, struct zone_stats *s)
{
	char n1[SPAN_STRLEN], n2[SPAN_STRLEN], n3[SPAN_STRLEN];
	printf("zone %s (serial %" PRIu32 ")\n", zone->name, zone->serial);
	uint64_t listings = s->total - s->exclusions;
	printf("  entries: %s (%s listing%s, %s exclusion%s)\n", count_format(s->total, n1), count_format(listings, n2),
	       listings == 1 ? "" : "s", count_format(s->exclusions, n3), s->exclusions == 1 ? "" : "s");
	for (unsigned f = 0; f < 2; f++)
		for (unsigned len = 0; len <= (f ? 128u : 32u); len++)
			if (s->by_prefix[f][len])
				printf("    %s /%u: %s\n", f ? "IPv6" : "IPv4", len,
				       count_format(s->by_prefix[f][len], n1));
	span_t v6 = s->listed[1];
	/* In /64s too, the unit IPv6 is handed out in; a double is enough for a figure to read. */
	double in64s = (double)v6.lo / 18446744073709551616.0 + (double)v6.hi * 18446744073709551616.0;
	printf("  listed addresses: IPv4 %s, IPv6 %s (in /64s: %.6g)\n", span_format(s->listed[0], true, n1),
	       span_format(v6, true, n2), in64s);
	printf("  expiring: %s expired (not purged), %s within a day, %s within a week\n", count_format(s->expired, n1),
	       count_format(s->day, n2), count_format(s->week, n3));
	size_t nsources = tally_sorted(&s->sources, by_count);
	printf("  sources: %s", count_format(nsources, n1));
	if (nsources > STATS_TOP_SOURCES)
		printf(", the top %d", STATS_TOP_SOURCES);
	printf("\n");
	for (size_t i = 0; i < nsources && i < STATS_TOP_SOURCES; i++) {
		char source[TEXT_ESCAPED_SIZE(ENTRY_SOURCE_MAX)];
		const struct tally_slot *slot = &s->sources.slots[i];
		printf("    %s: %s\n", slot->len ? cli_escaped(slot->key, source, sizeof source) : "(none)",
		       count_format(slot->count, n1));
	}
	size_t ncodes = tally_sorted(&s->codes, by_key);
	printf("  codes:\n");
	for (size_t i = 0; i < ncodes; i++) {
		uint32_t c = code_of(&s->codes.slots[i]);
		printf("    %u.%u.%u.%u: %s\n", c >> 24, (c >> 16) & 255, (c >> 8) & 255, c & 255,
		       count_format(s->codes.slots[i].count, n1));
	}
	printf("  journal: %s record%s\n", count_format(s->journal_records, n1), s->journal_records == 1 ? "" : "s");
}

static json_t *zone_json(const zone_def_t *zone, struct zone_stats *s)
{
	char text[SPAN_STRLEN];
	json_t *by_prefix = json_object();
	for (unsigned f = 0; by_prefix && f < 2; f++)
		for (unsigned len = 0; len <= (f ? 128u : 32u); len++) {
			char key[16];
			snprintf(key, sizeof key, "%s/%u", f ? "v6" : "v4", len);
			if (s->by_prefix[f][len])
				cli_json_set(by_prefix, key, json_integer((json_int_t)s->by_prefix[f][len]));
		}
	json_t *entries = json_object();
	cli_json_set(entries, "total", json_integer((json_int_t)s->total));
	cli_json_set(entries, "exclusions", json_integer((json_int_t)s->exclusions));
	cli_json_set(entries, "by_prefix", by_prefix);
	json_t *listed = json_object();
	cli_json_set(listed, "v4", json_integer((json_int_t)s->listed[0].lo));
	cli_json_set(listed, "v6", json_string(span_format(s->listed[1], false, text)));
	json_t *expiring = json_object();
	cli_json_set(expiring, "expired", json_integer((json_int_t)s->expired));
	cli_json_set(expiring, "day", json_integer((json_int_t)s->day));
	cli_json_set(expiring, "week", json_integer((json_int_t)s->week));
	json_t *sources = json_array();
	size_t n = tally_sorted(&s->sources, by_count);
	for (size_t i = 0; i < n && i < STATS_TOP_SOURCES; i++) {
		json_t *o = json_object();
		cli_json_set(o, "source", cli_json_textn(s->sources.slots[i].key, s->sources.slots[i].len));
		cli_json_push(sources, cli_json_set(o, "count", json_integer((json_int_t)s->sources.slots[i].count)));
	}
	json_t *codes = json_array();
	n = tally_sorted(&s->codes, by_key);
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		cli_json_set(o, "code", cli_json_code(code_of(&s->codes.slots[i])));
		cli_json_push(codes, cli_json_set(o, "count", json_integer((json_int_t)s->codes.slots[i].count)));
	}
	json_t *journal = json_object();
	cli_json_set(journal, "records", json_integer((json_int_t)s->journal_records));
	json_t *z = json_object();
	cli_json_set(z, "name", json_string(zone->name));
	cli_json_set(z, "serial", json_integer(zone->serial));
	cli_json_set(z, "entries", entries);
	cli_json_set(z, "listed_addresses", listed);
	cli_json_set(z, "expiring", expiring);
	cli_json_set(z, "sources", sources);
	cli_json_set(z, "codes", codes);
	return cli_json_set(z, "journal", journal);
}

struct zone_list {
	zone_def_t *defs;
	size_t count, cap;
};

static int collect_zone(const zone_def_t *def, void *ctx)
{
	struct zone_list *l = ctx;
	if (l->count == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		zone_def_t *defs = realloc(l->defs, cap * sizeof *defs);
		if (!defs)
			return RBL_ENOMEM;
		l->defs = defs;
		l->cap = cap;
	}
	l->defs[l->count++] = *def;
	return RBL_OK;
}

/* One zone's stats, printed as text or pushed onto zones (--json). */
static int stats_zone(store_rtxn_t *r, const zone_def_t *zone, json_t *zones, int64_t now)
{
	struct zone_stats *s = calloc(1, sizeof *s);
	if (!s)
		return cli_fail("cannot count %s: %s", zone->name, rbl_strerror(RBL_ENOMEM));
	s->now = now;
	s->default_code = zone->default_code;
	int rc = CLI_OK, err = gather(r, zone, s);
	if (err)
		rc = cli_fail("cannot count %s: %s", zone->name, rbl_strerror(err));
	else if (zones)
		cli_json_push(zones, zone_json(zone, s));
	else
		print_zone(zone, s);
	tally_free(&s->sources);
	tally_free(&s->codes);
	free(s);
	return rc;
}

int cmd_stats(cli_t *cli, int argc, char **argv)
{
	struct zone_list list = {0};
	bool json;
	int rc;
	if ((rc = cli_parse_json_flag(argc, argv, STATS_USAGE, &json)))
		return rc;
	if (argc - optind > 1)
		return cli_expect_args(argc, argv, optind, 1, STATS_USAGE);
	if (argc - optind == 1) {
		if (!(list.defs = calloc(1, sizeof *list.defs)))
			return cli_fail("cannot count: %s", rbl_strerror(RBL_ENOMEM));
		list.count = list.cap = 1;
		if ((rc = cli_zone_exists(cli, argv[optind], &list.defs[0])))
			goto out;
	} else if ((rc = cli_open(cli, false))) {
		return rc;
	}
	store_rtxn_t *r;
	int err = store_read_begin(cli->store, &r);
	if (err) {
		rc = cli_fail("cannot read the store: %s", rbl_strerror(err));
		goto out;
	}
	/* One snapshot for every zone; the zones are read first so that no walk runs inside another. */
	if (list.count == 0 && (err = store_zone_foreach(r, collect_zone, &list)))
		rc = cli_fail("cannot list zones: %s", rbl_strerror(err));
	json_t *zones = json ? json_array() : NULL;
	int64_t now = (int64_t)time(NULL);
	for (size_t i = 0; !rc && i < list.count && !cli_output_failed(); i++) {
		if (i && !json)
			printf("\n");
		rc = stats_zone(r, &list.defs[i], zones, now);
	}
	store_read_end(r);
	if (rc || cli_output_failed()) {
		json_decref(zones);
		rc = rc ? rc : CLI_FAILED; /* said already, or main says why */
	} else if (json) {
		rc = cli_json_print(cli_json_set(json_object(), "zones", zones));
	}
out:
	free(list.defs);
	return rc;
}
