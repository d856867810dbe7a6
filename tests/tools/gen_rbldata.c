/* SPDX-License-Identifier: BSD-2-Clause */
/* gen_rbldata.c — writes, from a fixed seed, the data and the questions of the differential test against rbldnsd
 * (tests/integration/test_rbldnsd_diff.sh): an ip4set file, an ip6trie file and a query list, the same bytes for the
 * same seed on every machine (its own PRNG, no rand()).
 *
 *   gen_rbldata --zone ZONE --ip4 FILE --ip6 FILE --queries FILE [--seed N] [--scale N]
 *
 * The data uses the datasets' whole syntax: single addresses, CIDRs of every length (/8../32, /32../128),
 * abbreviated prefixes, a-b ranges in their full, prefix and suffix forms, exclusions (with values, which are
 * ignored), nested listings with other values, relistings inside exclusions, every value form (":A:TXT", ":A:",
 * ":A", text only, "=text", none, a comment), default lines, "$n" variables (one redefined, one defined late),
 * a "$=" base template, "$$", identical duplicate lines, and IPv4-mapped ("::ffff:") copies of some IPv4 families
 * in the ip6trie file (rbldnsd answers mapped names from its IPv4 data; dnsbld folds mapped entries into its IPv4
 * data: the copies carry the same value, so both read the same).
 *
 * The two servers resolve overlaps differently. dnsbld: the longest prefix wins, an exclusion is a hole. rbldnsd's
 * ip4set stores every entry at the octet boundary at or below it (a /20 as sixteen /24s) and answers from the
 * deepest level that holds the address: an exclusion there wins, otherwise every value there is returned. So the
 * data nests a listing only at a deeper octet level than what encloses it, and an exclusion only strictly inside
 * its listing; every query is checked against both models here, and a query they would answer differently is a
 * generator bug (exit 3). The cases where the models differ on purpose are the test script's named checks.
 *
 * The queries ("NAME TYPE", A and TXT for each name): the first and last address of every entry and the
 * addresses just outside, random addresses inside listings and exclusions, random addresses anywhere, IPv6 the
 * same, and IPv4-mapped names of some IPv4 points. Left out: 127.0.0.0/8 (RFC 5782 test points) and IPv4 addresses
 * whose four labels are single digits (those names are also IPv6 empty non-terminals, a designed difference).
 * A summary of the mix goes to stdout. Exit status: 0 written, 2 usage or I/O error, 3 generator bug.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

#define MAX_NODES 20000
#define MAX_PIECES 200000
#define MAX_POINTS 400000
#define MAX_DEPTH 3
#define SECTIONS 6

/* --- the PRNG: splitmix64 ------------------------------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned percent)
{
	return below(100) < percent;
}

static u128 rnd128(void)
{
	return (u128)rnd() << 64 | rnd();
}

/* A uniform value in [0, n) for n up to 2^128 (n == 0 meaning 2^128). */
static u128 below128(u128 n)
{
	u128 r = rnd128();
	return n ? r % n : r;
}

/* --- addresses ------------------------------------------------------------------------------------------------- */

enum family { V4 = 4, V6 = 6 };

static int width(enum family fam)
{
	return fam == V4 ? 32 : 128;
}

/* The size of a block of prefix length len; 0 stands for 2^128. */
static u128 block(enum family fam, int len)
{
	int host = width(fam) - len;
	return host >= 128 ? 0 : (u128)1 << host;
}

static u128 top_address(enum family fam)
{
	return fam == V4 ? (u128)0xffffffffu : ~(u128)0;
}

/* The octet level rbldnsd's ip4set files a prefix under; IPv6 (a trie) keeps the exact length. */
static int level(enum family fam, int len)
{
	return fam == V4 ? (len + 7) / 8 * 8 : len;
}

/* --- the data model ------------------------------------------------------------------------------------------- */

enum form { F_NONE, F_FULL, F_NOTXT, F_CODE, F_TEXT, F_RAWTEXT, F_FULL_RAW, F_NOTXT_RAW, F_COMMENT, F_COUNT };

struct node {
	enum family fam;
	u128 first, last;
	int len; /* CIDR length, or -1: an a-b range */
	bool exclude;
	int parent; /* -1: top */
	int depth;
	bool mirror; /* also written as ::ffff: in the ip6trie file */
	bool dup;    /* written twice, identically */
	int section; /* which default line is in force */
	enum form form;
	uint64_t value_seed; /* the value is drawn from this, so a duplicate or a mapped copy reads the same */
	int piece_first, piece_n;
	int first_child, next_sibling;
};

struct piece {
	enum family fam;
	u128 net;
	int len;
	int node;
};

static struct node nodes[MAX_NODES];
static int node_count;
static int first_top = -1; /* the top entries, linked through next_sibling */
static struct piece pieces[MAX_PIECES];
static int piece_count;

struct stats {
	unsigned long lens[2][129]; /* CIDR entries per family (IPv4, IPv6) and length */
	unsigned long v4_singles, v4_cidrs, v4_ranges, v4_excl, v4_nested, v4_relisted, v4_dups, v4_mirrored;
	unsigned long v6_cidrs, v6_excl, v6_nested, v6_relisted;
	unsigned long forms[F_COUNT];
	unsigned long abbreviated, range_forms[4];
} stats;

static void die(int status, const char *msg)
{
	fprintf(stderr, "gen_rbldata: %s\n", msg);
	exit(status);
}

/* The maximal aligned blocks of [first, last] into out: a range's CIDRs, as both servers split it. Returns how many,
 * or -1 when more than cap. */
static int split_range(enum family fam, u128 first, u128 last, struct piece *out, int cap)
{
	int n = 0;
	for (;;) {
		int len = width(fam);
		while (len > 0) {
			u128 size = block(fam, len - 1);
			if (size == 0 || first % size != 0 || first + (size - 1) > last || first + (size - 1) < first)
				break;
			len--;
		}
		if (n == cap)
			return -1;
		out[n].fam = fam;
		out[n].net = first;
		out[n].len = len;
		n++;
		u128 end = first + (block(fam, len) - 1);
		if (end >= last)
			return n;
		first = end + 1;
	}
}

static bool overlaps(const struct node *a, enum family fam, u128 first, u128 last)
{
	return a->fam == fam && a->first <= last && first <= a->last;
}

/* Whether a candidate child of parent (-1: a top entry) keeps every answer the same in both models: no overlap
 * with a sibling, every piece strictly inside one piece of the parent, a listing at a deeper rbldnsd level than
 * the piece that holds it, an exclusion or relisting deeper than its parent's piece. */
static bool fits(int parent, enum family fam, u128 first, u128 last, bool exclude, const struct piece *cand, int n)
{
	for (int i = parent < 0 ? first_top : nodes[parent].first_child; i >= 0; i = nodes[i].next_sibling)
		if (overlaps(&nodes[i], fam, first, last))
			return false;
	if (parent < 0)
		return true;
	const struct node *p = &nodes[parent];
	if (first < p->first || last > p->last)
		return false;
	for (int c = 0; c < n; c++) {
		const struct piece *host = NULL;
		for (int i = p->piece_first; i < p->piece_first + p->piece_n && !host; i++)
			if (cand[c].net >= pieces[i].net && cand[c].net + (block(fam, cand[c].len) - 1) <=
			                                            pieces[i].net + (block(fam, pieces[i].len) - 1))
				host = &pieces[i];
		if (!host || cand[c].len <= host->len)
			return false;
		/* A listing under a listing must sit at a deeper level; so must one under an exclusion (rbldnsd's
		 * exclusion wins at its own level). An exclusion strictly inside its listing is a hole in both. */
		bool hole = exclude && !p->exclude;
		if (!hole && level(fam, cand[c].len) <= level(fam, host->len))
			return false;
	}
	return true;
}

static int add_node(enum family fam, u128 first, u128 last, int len, bool exclude, int parent)
{
	struct piece cand[256];
	int n = split_range(fam, first, last, cand, 256);
	if (n < 0 || !fits(parent, fam, first, last, exclude, cand, n))
		return -1;
	if (node_count == MAX_NODES || piece_count + n > MAX_PIECES)
		die(3, "too many entries: lower --scale");
	struct node *nd = &nodes[node_count];
	*nd = (struct node){.fam = fam,
	                    .first = first,
	                    .last = last,
	                    .len = len,
	                    .exclude = exclude,
	                    .parent = parent,
	                    .depth = parent < 0 ? 0 : nodes[parent].depth + 1,
	                    .value_seed = rnd(),
	                    .piece_first = piece_count,
	                    .piece_n = n,
	                    .first_child = -1};
	int *head = parent < 0 ? &first_top : &nodes[parent].first_child;
	nd->next_sibling = *head;
	*head = node_count;
	for (int i = 0; i < n; i++) {
		cand[i].node = node_count;
		pieces[piece_count++] = cand[i];
	}
	return node_count++;
}

/* A random CIDR of length len inside [lo, hi] (aligned blocks only). */
static u128 random_net(enum family fam, u128 lo, u128 hi, int len)
{
	u128 size = block(fam, len);
	u128 count = (hi - lo) / size + 1; /* lo is aligned at least to size in every use */
	return lo + below128(count) * size;
}

/* Top entries go anywhere in 1.0.0.0-223.255.255.255 but 127/8, and in IPv6 in 2000::/3. */
static int add_top_cidr(enum family fam, int len)
{
	for (int attempt = 0; attempt < 200; attempt++) {
		u128 net;
		if (fam == V4) {
			uint32_t a = (uint32_t)(1 + below(223)) << 24 | (uint32_t)(rnd() & 0xffffff);
			if (a >> 24 == 127)
				continue;
			net = (u128)a & ~(block(V4, len) - 1);
		} else {
			net = ((u128)1 << 125 | (rnd128() >> 3)) & ~(block(V6, len) - 1);
		}
		int id = add_node(fam, net, net + (block(fam, len) - 1), len, false, -1);
		if (id >= 0)
			return id;
	}
	return -1;
}

static int add_top_range(void)
{
	static const uint32_t sizes[] = {1u << 8, 1u << 16, 1u << 22};
	for (int attempt = 0; attempt < 200; attempt++) {
		uint32_t first = (uint32_t)(1 + below(223)) << 24 | (uint32_t)(rnd() & 0xffffff);
		unsigned cls = below(100) < 60 ? 0 : below(100) < 75 ? 1 : 2;
		uint32_t size = 2 + (uint32_t)below(sizes[cls]);
		uint64_t last = (uint64_t)first + size - 1;
		unsigned align = (unsigned)below(10);
		if (align < 3 || (align < 5 && cls > 0)) { /* whole /24s or /16s: the prefix-range spellings */
			uint32_t low = align < 3 ? 0xffu : 0xffffu;
			first &= ~low;
			last |= low;
		}
		if (first >> 24 == 127 || last >> 24 == 127 || last >> 24 >= 224)
			continue;
		int id = add_node(V4, first, (u128)last, -1, false, -1);
		if (id >= 0)
			return id;
	}
	return -1;
}

/* Children of a node: exclusions and deeper listings inside a listing, relistings inside an exclusion. */
static void add_children(int parent)
{
	const struct node *p = &nodes[parent];
	if (p->depth >= MAX_DEPTH)
		return;
	enum family fam = p->fam;
	int want = (int)below(p->depth == 0 ? 4 : 3);
	for (int c = 0; c < want; c++) {
		for (int attempt = 0; attempt < 30; attempt++) {
			/* a piece of the parent to put it in */
			const struct piece h = pieces[p->piece_first + (int)below((uint64_t)p->piece_n)];
			bool exclude = !p->exclude && chance(45);
			int min = exclude ? h.len + 1 : level(fam, h.len) + 1;
			if (min > width(fam))
				break;
			u128 hlast = h.net + (block(fam, h.len) - 1);
			int id;
			if (fam == V4 && chance(20)) {
				/* a range inside the piece */
				u128 span = block(V4, min);
				u128 first = h.net + below128(block(V4, h.len) - 1);
				u128 size = 2 + below128(span > 2 ? span * 3 : 2);
				u128 last = first + size - 1 > hlast ? hlast : first + size - 1;
				id = add_node(V4, first, last, -1, exclude, parent);
			} else {
				int len = min + (int)below((uint64_t)(width(fam) - min + 1));
				u128 net = random_net(fam, h.net, hlast, len);
				id = add_node(fam, net, net + (block(fam, len) - 1), len, exclude, parent);
			}
			if (id >= 0) {
				add_children(id);
				break;
			}
		}
	}
}

/* --- writing the files ---------------------------------------------------------------------------------------- */

static const char *const BASE_TEMPLATE = "$= [$=] see http://rbl.test/q?ip=$ $1";
static const char *const VARS_HEAD[] = {"$1 (list one)", "$2 costs $$5 to delist"};
static const char *const VARS_TAIL[] = {"$1 a redefinition that must not win", "$3 late-var"};

/* A random TXT template: words, the address, "$$", variables (one undefined), punctuation. At most one word names
 * the address, so that no answer nears rbldnsd's 254-byte TXT limit (a designed difference, checked apart). */
static void random_text(char *out, size_t cap)
{
	static const char *const first[] = {"listed", "Open relay", "spam source", "see", "Blocked:", "dyn", "x"};
	static const char *const more[] = {
	        "$",    "at $",      "$$5", "$1",       "$2",          "$3",
	        "$9",   "(ref #42)", "a;b", "quote\"d", "back\\slash", "http://rbl.test/lookup?$",
	        "100%", "[$]",       "ok",  "-",        "$$"};
	size_t n = (size_t)snprintf(out, cap, "%s", first[below(sizeof first / sizeof *first)]);
	int words = (int)below(4);
	bool address = false;
	/* Words are joined with a blank: "$" right before "$$" has no spelling in dnsbld's templates (rbldata.h). */
	for (int i = 0; i < words && n + 40 < cap; i++) {
		const char *w = more[below(sizeof more / sizeof *more)];
		const char *d = strchr(w, '$');
		bool names_address = d && d[1] != '$' && (d[1] < '0' || d[1] > '9');
		if (names_address && address)
			continue;
		address |= names_address;
		n += (size_t)snprintf(out + n, cap - n, " %s", w);
	}
}

static void random_code(char *out, size_t cap)
{
	unsigned v = 2 + (unsigned)below(253);
	switch (below(6)) {
	case 0:
		snprintf(out, cap, "127.0.0.%u", v);
		break;
	case 1:
		snprintf(out, cap, "127.0.%u.%u", (unsigned)below(4), v);
		break;
	case 2:
		snprintf(out, cap, "127.%u", v);
		break;
	default:
		snprintf(out, cap, "%u", v);
	}
}

/* The value part of a listing line, in the node's form, drawn from the node's own seed. attached: a value starting
 * with ':' may follow the address without a blank. */
static void write_value(FILE *f, const struct node *nd, bool attached)
{
	char code[24], text[160];
	uint64_t saved = rng_state;
	rng_state = nd->value_seed;
	random_code(code, sizeof code);
	random_text(text, sizeof text);
	bool semicolon = chance(50);
	rng_state = saved;
	const char *sep = attached && chance(10) ? "" : " ";
	switch (nd->form) {
	case F_NONE:
		break;
	case F_FULL:
		fprintf(f, "%s:%s:%s", sep, code, text);
		break;
	case F_NOTXT:
		fprintf(f, "%s:%s:", sep, code);
		break;
	case F_CODE:
		fprintf(f, "%s:%s", sep, code);
		break;
	case F_TEXT:
		fprintf(f, " %s", text);
		break;
	case F_RAWTEXT:
		fprintf(f, " =%s", text);
		break;
	case F_FULL_RAW:
		fprintf(f, "\t:%s:=%s", code, text);
		break;
	case F_NOTXT_RAW: /* no TXT even under a base template */
		fprintf(f, "%s:%s:=", sep, code);
		break;
	case F_COMMENT:
		fprintf(f, semicolon ? " ; a comment, %s" : "  # %s", text);
		break;
	case F_COUNT:
		break;
	}
}

static void v4_text(uint32_t a, char *out, size_t cap)
{
	snprintf(out, cap, "%u.%u.%u.%u", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255);
}

/* An IPv4 CIDR in one of ip4set's spellings. */
static void write_v4_cidr(FILE *f, uint32_t a, int len)
{
	unsigned o[4] = {a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255};
	int pick = (int)below(4);
	if (len % 8 == 0 && len < 32 && pick < 2) {
		stats.abbreviated++;
		if (len == 24)
			fprintf(f, pick ? "%u.%u.%u" : "%u.%u.%u/24", o[0], o[1], o[2]);
		else if (len == 16)
			fprintf(f, pick ? "%u.%u" : "%u.%u/16", o[0], o[1]);
		else
			fprintf(f, "%u/8", o[0]);
		return;
	}
	if (len < 32 && pick == 2 && len <= 24) {
		/* trailing zero octets left out: "10.16/12" */
		int octets = (len + 7) / 8;
		stats.abbreviated++;
		for (int i = 0; i < octets; i++)
			fprintf(f, i ? ".%u" : "%u", o[i]);
		fprintf(f, "/%d", len);
		return;
	}
	if (len == 32 && pick != 3)
		fprintf(f, "%u.%u.%u.%u", o[0], o[1], o[2], o[3]);
	else
		fprintf(f, "%u.%u.%u.%u/%d", o[0], o[1], o[2], o[3], len);
}

/* An IPv4 range in one of ip4set's range spellings (full, prefix, suffix) where its ends allow. */
static void write_v4_range(FILE *f, uint32_t first, uint32_t last)
{
	char a[16], b[16];
	v4_text(first, a, sizeof a);
	v4_text(last, b, sizeof b);
	unsigned fo[4] = {first >> 24, first >> 16 & 255, first >> 8 & 255, first & 255};
	unsigned lo[4] = {last >> 24, last >> 16 & 255, last >> 8 & 255, last & 255};
	bool prefix3 = fo[3] == 0 && lo[3] == 255, prefix2 = prefix3 && fo[2] == 0 && lo[2] == 255;
	if (prefix2 && chance(70)) {
		stats.range_forms[1]++;
		if (fo[0] == lo[0] && chance(50)) /* "a.b-y" */
			fprintf(f, "%u.%u-%u", fo[0], fo[1], lo[1]);
		else
			fprintf(f, "%u.%u-%u.%u", fo[0], fo[1], lo[0], lo[1]);
		return;
	}
	if (prefix3 && chance(70)) {
		stats.range_forms[1]++;
		if (fo[0] == lo[0] && fo[1] == lo[1] && chance(50)) /* "a.b.c-z" */
			fprintf(f, "%u.%u.%u-%u", fo[0], fo[1], fo[2], lo[2]);
		else
			fprintf(f, "%u.%u.%u-%u.%u.%u", fo[0], fo[1], fo[2], lo[0], lo[1], lo[2]);
		return;
	}
	if ((first >> 8) == (last >> 8) && chance(60)) { /* "a.b.c.d-e" */
		stats.range_forms[2]++;
		fprintf(f, "%s-%u", a, lo[3]);
		return;
	}
	stats.range_forms[0]++;
	fprintf(f, "%s-%s", a, b);
}

static void put_group(FILE *f, bool colon, unsigned group, bool upper)
{
	fprintf(f, upper ? "%s%X" : "%s%x", colon ? ":" : "", group);
}

/* An IPv6 prefix in one of ip6trie's spellings: compressed, all eight groups, or the leading groups only; some in
 * upper case. Returns whether it wrote a "/len" (a value may follow it without a blank). */
static bool write_v6_cidr(FILE *f, u128 net, int len)
{
	bool upper = chance(15);
	unsigned g[8];
	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)(net >> (112 - 16 * i)) & 0xffff;
	int pick = (int)below(3);
	int used = 8;
	while (used > 0 && g[used - 1] == 0)
		used--;
	if (pick == 2 && used >= 2 && used < 8 && len <= 16 * used + 16) {
		/* leading groups only; without a length they mean 16 per group */
		for (int i = 0; i < used; i++)
			put_group(f, i > 0, g[i], upper);
		if (len != 16 * used || chance(50)) {
			fprintf(f, "/%d", len);
			return true;
		}
		return false;
	}
	if (pick == 1) {
		for (int i = 0; i < 8; i++)
			put_group(f, i > 0, g[i], upper);
	} else {
		/* the longest run of zero groups (two or more) becomes "::" */
		int best = -1, best_len = 1;
		for (int i = 0; i < 8;) {
			int j = i;
			while (j < 8 && g[j] == 0)
				j++;
			if (j - i > best_len) {
				best = i;
				best_len = j - i;
			}
			i = j > i ? j : i + 1;
		}
		for (int i = 0; i < 8; i++) {
			if (i == best) {
				fputs("::", f);
				i += best_len - 1;
				continue;
			}
			put_group(f, i != 0 && i != best + best_len, g[i], upper);
		}
	}
	if (len != 128 || chance(30)) {
		fprintf(f, "/%d", len);
		return true;
	}
	return false;
}

static void write_node(FILE *f, const struct node *nd, bool as_mapped)
{
	bool attached = true; /* after an IPv6 address without "/len", a ':' would read as one more group */
	if (chance(4))
		fputs(chance(50) ? "  " : "\t", f);
	if (nd->exclude)
		fputs(chance(20) ? "! " : "!", f);
	if (as_mapped) {
		uint32_t a = (uint32_t)nd->first;
		fprintf(f, "::ffff:%x:%x", a >> 16, a & 0xffff);
		if (nd->len != 32)
			fprintf(f, "/%d", 96 + nd->len);
		attached = nd->len != 32;
	} else if (nd->fam == V6) {
		attached = write_v6_cidr(f, nd->first, nd->len);
	} else if (nd->len >= 0) {
		write_v4_cidr(f, (uint32_t)nd->first, nd->len);
	} else {
		write_v4_range(f, (uint32_t)nd->first, (uint32_t)nd->last);
	}
	if (nd->exclude) {
		if (chance(15))
			fputs(" :3:an exclusion's value is ignored", f);
	} else {
		write_value(f, nd, attached);
	}
	fputc('\n', f);
}

static void write_default_line(FILE *f, int section)
{
	char code[24], text[160];
	random_code(code, sizeof code);
	random_text(text, sizeof text);
	if (section % 3 == 2)
		fprintf(f, ":%s:=\n", code); /* a default code and no TXT, even under a base template */
	else
		fprintf(f, ":%s:%s\n", code, text);
}

/* One dataset file: header, the nodes of the family section by section (each after its default line), the
 * late variables, and (ip6trie) the IPv4-mapped copies. The ip4set file has a base template ($=), the ip6trie file
 * none, so both kinds of expansion are compared. Returns 0 or -1 (I/O error). */
static int write_file(const char *path, enum family fam, const char *title)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f,
	        "# %s, written by gen_rbldata (tests/tools/gen_rbldata.c); every line is read by rbldnsd and by "
	        "rbltool import\n",
	        title);
	for (size_t i = 0; i < 2; i++)
		fprintf(f, "%s\n", VARS_HEAD[i]);
	for (int s = 0; s < SECTIONS; s++) {
		if (s > 0)
			write_default_line(f, s);
		if (s == SECTIONS / 2 && fam == V4)
			fprintf(f, "%s\n", BASE_TEMPLATE); /* a base template applies to the entries above it too */
		for (int i = 0; i < node_count; i++) {
			const struct node *nd = &nodes[i];
			if (nd->fam != fam || nd->section != s)
				continue;
			uint64_t saved = rng_state;
			write_node(f, nd, false);
			if (nd->dup) {
				rng_state = saved; /* the same bytes again */
				write_node(f, nd, false);
			}
		}
	}
	for (size_t i = 0; i < 2; i++)
		fprintf(f, "%s\n", VARS_TAIL[i]);
	if (fam == V6) {
		/* After a default line of its own, so a mapped copy never takes a default from the IPv6 part. */
		fputs("# IPv4-mapped copies of IPv4 families of the ip4set file, with the same values\n:2:\n", f);
		for (int i = 0; i < node_count; i++)
			if (nodes[i].mirror) {
				write_node(f, &nodes[i], true);
			}
	}
	return fclose(f) == 0 ? 0 : -1;
}

/* --- the two models and the queries --------------------------------------------------------------------------- */

struct point {
	enum family fam;
	u128 addr;
	bool mapped; /* query the IPv4 address as ::ffff:a.b.c.d */
};

static struct point points[MAX_POINTS];
static int point_count;

static void add_point(enum family fam, u128 addr, bool mapped)
{
	if (fam == V4) {
		if (addr > 0xffffffffu)
			return;
		uint32_t a = (uint32_t)addr;
		if (a >> 24 == 127 || a >> 24 == 0)
			return;
		if ((a >> 24) < 10 && (a >> 16 & 255) < 10 && (a >> 8 & 255) < 10 && (a & 255) < 10)
			return;
	}
	if (point_count == MAX_POINTS)
		die(3, "too many queries: lower --scale");
	points[point_count++] = (struct point){fam, addr, mapped};
}

/* What answers a query, in each model: -1 not listed, else the node whose value answers. In rbldnsd's ip4set
 * model, several nodes at the deepest level would each answer (several records): that is returned as -2. */
static int dnsbld_answer(enum family fam, u128 a)
{
	int best = -1, best_len = -1;
	for (int i = 0; i < piece_count; i++) {
		const struct piece *p = &pieces[i];
		if (p->fam != fam || a < p->net || a > p->net + (block(fam, p->len) - 1))
			continue;
		if (p->len > best_len) {
			best_len = p->len;
			best = p->node;
		} else if (p->len == best_len && p->node != best) {
			return -3; /* two entries for one prefix: not generated */
		}
	}
	return best < 0 || nodes[best].exclude ? -1 : best;
}

static int rbldnsd_answer(enum family fam, u128 a)
{
	int best_level = -1, answer = -1;
	bool excluded = false;
	for (int i = 0; i < piece_count; i++) {
		const struct piece *p = &pieces[i];
		if (p->fam != fam || a < p->net || a > p->net + (block(fam, p->len) - 1))
			continue;
		int lv = level(fam, p->len);
		if (lv > best_level) {
			best_level = lv;
			excluded = nodes[p->node].exclude;
			answer = p->node;
		} else if (lv == best_level) {
			if (nodes[p->node].exclude)
				excluded = true;
			else if (answer >= 0 && !nodes[answer].exclude && answer != p->node)
				answer = -2;
			else if (answer < 0 || nodes[answer].exclude)
				answer = p->node;
		}
	}
	return excluded || answer < 0 ? -1 : answer;
}

static int compare_points(const void *x, const void *y)
{
	const struct point *a = x, *b = y;
	if (a->fam != b->fam)
		return a->fam < b->fam ? -1 : 1;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return (int)a->mapped - (int)b->mapped;
}

static void write_name_lower(FILE *f, const struct point *p, const char *zone)
{
	if (p->fam == V4 && !p->mapped) {
		uint32_t a = (uint32_t)p->addr;
		fprintf(f, "%u.%u.%u.%u.%s", a & 255, a >> 8 & 255, a >> 16 & 255, a >> 24, zone);
		return;
	}
	u128 a = p->fam == V4 ? ((u128)0xffff << 32 | p->addr) : p->addr;
	for (int i = 0; i < 32; i++)
		fprintf(f, "%x.", (unsigned)(a >> (4 * i)) & 15);
	fputs(zone, f);
}

/* The query name of a point; one in twenty in upper case (names are case-insensitive, both servers must agree). */
static void write_name(FILE *f, const struct point *p, const char *zone, bool upper)
{
	char name[512];
	FILE *m = fmemopen(name, sizeof name, "w");
	if (!m)
		die(2, "fmemopen failed");
	write_name_lower(m, p, zone);
	fclose(m);
	for (char *c = name; upper && *c; c++)
		*c = (char)toupper((unsigned char)*c);
	fputs(name, f);
}

/* Query points for every entry, random listed and random anywhere, checked against both models. */
static int write_queries(const char *path, const char *zone, unsigned scale, unsigned long *listed)
{
	for (int i = 0; i < node_count; i++) {
		const struct node *nd = &nodes[i];
		u128 size = nd->last - nd->first + 1;
		bool mapped = nd->fam == V4 && chance(20);
		add_point(nd->fam, nd->first, mapped);
		add_point(nd->fam, nd->last, mapped);
		if (nd->first > 0)
			add_point(nd->fam, nd->first - 1, false);
		if (nd->last < top_address(nd->fam))
			add_point(nd->fam, nd->last + 1, mapped);
		add_point(nd->fam, nd->first + below128(size), false);
		if (size > 2)
			add_point(nd->fam, nd->first + below128(size), nd->fam == V4);
	}
	for (unsigned i = 0; i < 1500 * scale; i++) {
		const struct node *nd = &nodes[below((uint64_t)node_count)];
		add_point(nd->fam, nd->first + below128(nd->last - nd->first + 1), chance(10));
	}
	for (unsigned i = 0; i < 2000 * scale; i++)
		add_point(V4, (u128)(uint32_t)rnd(), chance(10));
	for (unsigned i = 0; i < 600 * scale; i++)
		add_point(V6, chance(50) ? (u128)1 << 125 | rnd128() >> 3 : rnd128(), false);
	qsort(points, (size_t)point_count, sizeof *points, compare_points);

	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int written = 0;
	for (int i = 0; i < point_count; i++) {
		const struct point *p = &points[i];
		if (i > 0 && compare_points(p, &points[i - 1]) == 0)
			continue;
		if (p->fam == V6 && (p->addr >> 32) == 0xffff)
			continue; /* an IPv4-mapped name: only through mapped IPv4 points */
		int d = dnsbld_answer(p->fam, p->addr), r = rbldnsd_answer(p->fam, p->addr);
		if (d != r || d < -1) {
			fprintf(stderr,
			        "gen_rbldata: generator bug: the models disagree on a %s point (dnsbld %d, "
			        "rbldnsd %d): ",
			        p->fam == V4 ? "IPv4" : "IPv6", d, r);
			write_name(stderr, p, zone, false);
			fputc('\n', stderr);
			fclose(f);
			exit(3);
		}
		if (d >= 0)
			(*listed)++;
		bool upper = chance(5);
		write_name(f, p, zone, upper);
		fputs(" A\n", f);
		write_name(f, p, zone, upper);
		fputs(" TXT\n", f);
		written++;
	}
	return fclose(f) == 0 ? written : -1;
}

/* --- building the data ---------------------------------------------------------------------------------------- */

static bool subtree_is_cidrs(int id)
{
	if (nodes[id].len < 0)
		return false;
	for (int i = nodes[id].first_child; i >= 0; i = nodes[i].next_sibling)
		if (!subtree_is_cidrs(i))
			return false;
	return true;
}

static void mark_mirror(int id)
{
	nodes[id].mirror = true;
	for (int i = nodes[id].first_child; i >= 0; i = nodes[i].next_sibling)
		mark_mirror(i);
}

static void build(unsigned scale)
{
	/* IPv4: every prefix length as a top entry (singles and the rest), then ranges. */
	for (int len = 8; len <= 32; len++)
		for (unsigned k = 0; k < (len == 8 ? 2 : 5) * scale; k++) {
			int id = add_top_cidr(V4, len);
			if (id >= 0 && chance(len == 32 ? 10 : 70))
				add_children(id);
		}
	for (unsigned k = 0; k < 500 * scale; k++)
		add_top_cidr(V4, 32);
	for (unsigned k = 0; k < 120 * scale; k++) {
		int id = add_top_range();
		if (id >= 0 && chance(50))
			add_children(id);
	}
	/* Exclusions of nothing: both say "not listed". */
	for (unsigned k = 0; k < 10 * scale; k++) {
		uint32_t a = (uint32_t)(1 + below(126)) << 24 | (uint32_t)(rnd() & 0xffffff);
		add_node(V4, a, a, 32, true, -1);
	}
	/* IPv6: every length from /32 to /128 as a top entry, with children. */
	for (int len = 32; len <= 128; len++)
		for (unsigned k = 0; k < 2 * scale; k++) {
			int id = add_top_cidr(V6, len);
			if (id >= 0 && chance(50))
				add_children(id);
		}
	for (int i = 0; i < node_count; i++) {
		struct node *nd = &nodes[i];
		nd->section = (int)below(SECTIONS);
		if (nd->parent < 0 && nd->fam == V4 && !nd->exclude && subtree_is_cidrs(i) && chance(12))
			mark_mirror(i);
	}
	for (int i = 0; i < node_count; i++) {
		struct node *nd = &nodes[i];
		if (nd->exclude)
			continue;
		/* A mapped copy must read as the same value in the ip6trie file, whatever default line is in force
		 * there and without the ip4set file's base template: the forms that spell out the A and opt out of the
		 * base template. (rbldnsd drops a repeated ip6trie prefix with a warning, so only ip4set lines are
		 * written twice.) */
		nd->form = nd->mirror ? (chance(70) ? F_FULL_RAW : F_NOTXT_RAW) : (enum form)below(F_COUNT);
		nd->dup = nd->fam == V4 && !nd->mirror && chance(3);
	}
}

static void count_stats(void)
{
	for (int i = 0; i < node_count; i++) {
		const struct node *nd = &nodes[i];
		if (nd->len >= 0)
			stats.lens[nd->fam == V6][nd->len]++;
		if (nd->fam == V4) {
			if (nd->exclude)
				stats.v4_excl++;
			else if (nd->len < 0)
				stats.v4_ranges++;
			else if (nd->len == 32 && nd->parent < 0)
				stats.v4_singles++;
			else
				stats.v4_cidrs++;
			if (!nd->exclude && nd->parent >= 0)
				nodes[nd->parent].exclude ? stats.v4_relisted++ : stats.v4_nested++;
			stats.v4_dups += nd->dup;
			stats.v4_mirrored += nd->mirror;
		} else {
			if (nd->exclude)
				stats.v6_excl++;
			else
				stats.v6_cidrs++;
			if (!nd->exclude && nd->parent >= 0)
				nodes[nd->parent].exclude ? stats.v6_relisted++ : stats.v6_nested++;
		}
		if (!nd->exclude)
			stats.forms[nd->form]++;
	}
}

static void print_stats(int names, unsigned long listed)
{
	count_stats();
	printf("ip4set: %lu single addresses, %lu other CIDRs (%lu nested in a listing at a deeper octet level, %lu "
	       "relisted inside an exclusion), %lu ranges (%lu full a-b, %lu prefix, %lu suffix form), %lu "
	       "exclusions, %lu abbreviated prefixes, %lu duplicated lines, %lu entries copied as ::ffff: into "
	       "the ip6trie file\n",
	       stats.v4_singles, stats.v4_cidrs, stats.v4_nested, stats.v4_relisted, stats.v4_ranges,
	       stats.range_forms[0], stats.range_forms[1], stats.range_forms[2], stats.v4_excl, stats.abbreviated,
	       stats.v4_dups, stats.v4_mirrored);
	printf("ip6trie: %lu prefixes (%lu nested, %lu relisted inside an exclusion), %lu exclusions\n", stats.v6_cidrs,
	       stats.v6_nested, stats.v6_relisted, stats.v6_excl);
	printf("value forms: none %lu, :A:TXT %lu, :A: %lu, :A %lu, TXT %lu, =TXT %lu, :A:=TXT %lu, :A:= %lu, comment "
	       "%lu\n",
	       stats.forms[F_NONE], stats.forms[F_FULL], stats.forms[F_NOTXT], stats.forms[F_CODE], stats.forms[F_TEXT],
	       stats.forms[F_RAWTEXT], stats.forms[F_FULL_RAW], stats.forms[F_NOTXT_RAW], stats.forms[F_COMMENT]);
	for (int fam = 0; fam < 2; fam++) {
		printf("%s CIDR entries per length:", fam ? "IPv6" : "IPv4");
		for (int len = 0; len <= 128; len++)
			if (stats.lens[fam][len])
				printf(" /%d:%lu", len, stats.lens[fam][len]);
		putchar('\n');
	}
	printf("queries: %d names (%lu listed), %d A+TXT queries\n", names, listed, 2 * names);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"seed", required_argument, NULL, 's'},
	        {"scale", required_argument, NULL, 'k'},
	        {"zone", required_argument, NULL, 'z'},
	        {"ip4", required_argument, NULL, '4'},
	        {"ip6", required_argument, NULL, '6'},
	        {"queries", required_argument, NULL, 'q'},
	        {0},
	};
	const char *zone = NULL, *ip4 = NULL, *ip6 = NULL, *queries = NULL;
	unsigned long long seed = 20210120;
	unsigned scale = 1;
	int opt;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		char *end;
		switch (opt) {
		case 's':
			errno = 0;
			seed = strtoull(optarg, &end, 10);
			if (errno || *end || end == optarg)
				die(2, "--seed: a number");
			break;
		case 'k':
			scale = (unsigned)strtoul(optarg, &end, 10);
			if (*end || scale < 1 || scale > 8)
				die(2, "--scale: 1..8");
			break;
		case 'z':
			zone = optarg;
			break;
		case '4':
			ip4 = optarg;
			break;
		case '6':
			ip6 = optarg;
			break;
		case 'q':
			queries = optarg;
			break;
		default:
			die(2, "usage: gen_rbldata --zone ZONE --ip4 FILE --ip6 FILE --queries FILE [--seed N] "
			       "[--scale N]");
		}
	}
	if (!zone || !ip4 || !ip6 || !queries || optind != argc)
		die(2, "usage: gen_rbldata --zone ZONE --ip4 FILE --ip6 FILE --queries FILE [--seed N] [--scale N]");
	rng_state = seed;
	build(scale);
	if (write_file(ip4, V4, "ip4set") || write_file(ip6, V6, "ip6trie")) {
		fprintf(stderr, "gen_rbldata: cannot write the data files: %s\n", strerror(errno));
		return 2;
	}
	unsigned long listed = 0;
	int names = write_queries(queries, zone, scale, &listed);
	if (names < 0) {
		fprintf(stderr, "gen_rbldata: cannot write %s: %s\n", queries, strerror(errno));
		return 2;
	}
	printf("gen_rbldata --seed %llu --scale %u\n", seed, scale);
	print_stats(names, listed);
	return 0;
}
