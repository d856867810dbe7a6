/* SPDX-License-Identifier: BSD-2-Clause */
/* export_bind.c — a zone as an RFC 1035 master file (BIND, NSD, Knot), answering what dnsbld answers.
 *
 * A master file has names, not prefixes, and wildcards (RFC 4592) that only match names that do not exist. So the
 * entries are first flattened into non-overlapping intervals of listed addresses, each owned by the deepest entry
 * (exclusions are holes), as dnsbld's lookup index is; then the reversed-name tree is walked from the apex:
 * - a node whose whole range one entry owns gets a wildcard "*.node" with that entry's answer (an octet for IPv4,
 *   a nibble for IPv6); an address (4 octets, 32 nibbles) gets its own name;
 * - any other node with something listed inside is opened: each child is walked the same way, so an excluded
 *   address, or one in a gap, has no name and no wildcard above it, and answers NXDOMAIN as in dnsbld;
 * - no wildcard hangs below a node of digit labels 0-9 at depth 0..3: such a node is a name in both the IPv4 and
 *   the IPv6 trees ("1.2" is 2.1.0.0/16 and 2100::/8), and its wildcard would answer the other family's addresses.
 *   Its children are named one by one instead (a /24 of digit-only octets becomes 256 names).
 * Records: one A per code, and a TXT unless the entry has no text, with '$' expanded at export time: to the address
 * under a name of its own, exactly as dnsbld does, and to the owning entry's network ("10.0.0.0/8") under a wildcard,
 * which a master file cannot do otherwise (noted once, with the count of entries concerned). TXT longer than 255
 * bytes is split into 255-byte strings, as dnsbld splits it. IPv4 data is repeated under ::ffff:0:0/96 as nibble
 * names, since dnsbld answers IPv4-mapped names from it ('$' then still reads as the IPv4 address). An aggregate's
 * sources (itself, then its members) are flattened one by one and laid over each other: a name answers one A per
 * distinct code and one TXT per distinct text of every source that lists it, as dnsbld does.
 * Names stay bounded: each interval boundary opens at most one node a level, an opened node has at most 256 (IPv4)
 * or 16 (IPv6) children, and the digit-only nodes opened for want of a wildcard are at most 1111 a family.
 * What still differs from dnsbld: a wildcard also answers names below it that are no address — a partial name
 * ("1.16.172" under *.16.172: dnsbld says NODATA), too many labels or a non-numeric label (dnsbld: NXDOMAIN).
 */
#include "export_bind_internal.h"

#include "base/err.h"
#include <stdlib.h>
#include <string.h>

static int push(struct intervals *s, const addr_t *first, const addr_t *last, uint32_t item, bool mapped)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct interval *v = realloc(s->v, cap * sizeof *v);
		if (!v)
			return RBL_ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = (struct interval){*first, *last, item, mapped};
	return RBL_OK;
}

/* The sweep: items in key order (each covering prefix before what it covers), a stack of the open ones; every
 * stretch goes to the innermost open item, and an exclusion's stretches to nobody. */
static int flatten(const export_source_t *src, size_t begin, size_t end, struct intervals *out)
{
	const export_item_t *items = src->items;
	struct {
		uint32_t item;
		addr_t last;
	} stack[129];
	size_t depth = 0;
	addr_t cursor = {.family = begin < end ? items[begin].net.addr.family : ADDR_V4};
	bool cursor_past_end = false;
	int err = RBL_OK;
	for (size_t i = begin; i <= end && !err; i++) {
		addr_t first = {0};
		if (i < end)
			cidr_first(&items[i].net, &first);
		/* Close the open items that end before this one starts (all of them after the last item). */
		while (depth > 0 && (i == end || addr_cmp(&stack[depth - 1].last, &first) < 0)) {
			depth--;
			const export_item_t *owner = &items[stack[depth].item];
			if (!cursor_past_end && !(owner->flags & ENTRY_EXCLUDE) &&
			    addr_cmp(&cursor, &stack[depth].last) <= 0)
				err = push(out, &cursor, &stack[depth].last, stack[depth].item, false);
			cursor = stack[depth].last;
			cursor_past_end = !addr_inc(&cursor);
			if (err)
				return err;
		}
		if (i == end)
			break;
		const export_item_t *it = &items[i];
		if (depth > 0 && !(items[stack[depth - 1].item].flags & ENTRY_EXCLUDE) &&
		    addr_cmp(&cursor, &first) < 0) {
			addr_t before = first;
			addr_dec(&before);
			err = push(out, &cursor, &before, stack[depth - 1].item, false);
		}
		cursor = first;
		cursor_past_end = false;
		stack[depth].item = (uint32_t)i;
		cidr_last(&it->net, &stack[depth].last);
		depth++;
	}
	return err;
}

static addr_t mapped_addr(const addr_t *v4)
{
	addr_t a = {.family = ADDR_V6};
	a.b[10] = a.b[11] = 0xff;
	memcpy(a.b + 12, v4->b, 4);
	return a;
}

/* The IPv6 intervals with ::ffff:0:0/96 replaced by the IPv4 ones, moved there. */
static int with_mapped(const struct intervals *v6, const struct intervals *v4, struct intervals *out)
{
	addr_t zero = {.family = ADDR_V4}, ones = {.family = ADDR_V4, .b = {255, 255, 255, 255}};
	addr_t m0 = mapped_addr(&zero), m1 = mapped_addr(&ones), below = m0, above = m1;
	addr_dec(&below);
	addr_inc(&above);
	bool inserted = false;
	int err = RBL_OK;
	for (size_t i = 0; i <= v6->n && !err; i++) {
		const struct interval *in = i < v6->n ? &v6->v[i] : NULL;
		if (in && addr_cmp(&in->last, &m0) < 0) {
			err = push(out, &in->first, &in->last, in->item, false);
			continue;
		}
		if (in && addr_cmp(&in->first, &m0) < 0)
			err = push(out, &in->first, &below, in->item, false);
		for (size_t j = 0; !inserted && !err && j < v4->n; j++) {
			addr_t first = mapped_addr(&v4->v[j].first), last = mapped_addr(&v4->v[j].last);
			err = push(out, &first, &last, v4->v[j].item, true);
		}
		inserted = true;
		if (in && !err && addr_cmp(&in->last, &m1) > 0)
			err = push(out, addr_cmp(&in->first, &m1) > 0 ? &in->first : &above, &in->last, in->item, false);
	}
	return err;
}

/* Lays the sources' intervals over each other: a segment wherever the set of sources listing an address changes, owned
 * by one item of each of them, in source order. With one source the segments are its intervals. */
static int overlay(const struct intervals *per_source, unsigned sources, struct segments *out)
{
	size_t next[1 + ZONE_MAX_MEMBERS] = {0};
	addr_t pos = {0};
	bool started = false;
	for (;;) {
		/* Where the next segment starts: pos if a source covers it, else the nearest interval start. */
		const addr_t *start = NULL;
		for (unsigned s = 0; s < sources; s++) {
			if (next[s] == per_source[s].n)
				continue;
			const struct interval *in = &per_source[s].v[next[s]];
			const addr_t *from = started && addr_cmp(&in->first, &pos) < 0 ? &pos : &in->first;
			if (!start || addr_cmp(from, start) < 0)
				start = from;
		}
		if (!start)
			return RBL_OK;
		pos = *start;
		started = true;
		/* It ends where an owner's interval ends or another source's begins, whichever is first. */
		addr_t end = {0};
		bool have_end = false, mapped = false;
		if (out->n == out->cap || out->owner_n + sources > out->owner_cap) {
			size_t cap = out->cap ? out->cap * 2 : 256, owner_cap = out->owner_cap * 2 + 256 + sources;
			struct segment *v = realloc(out->v, cap * sizeof *v);
			if (v)
				out->v = v, out->cap = cap;
			struct owner *o = realloc(out->owners, owner_cap * sizeof *o);
			if (o)
				out->owners = o, out->owner_cap = owner_cap;
			if (!v || !o)
				return RBL_ENOMEM;
		}
		struct segment *seg = &out->v[out->n];
		seg->owners = out->owner_n;
		seg->owner_count = 0;
		for (unsigned s = 0; s < sources; s++) {
			if (next[s] == per_source[s].n)
				continue;
			const struct interval *in = &per_source[s].v[next[s]];
			addr_t limit;
			if (addr_cmp(&in->first, &pos) <= 0) {
				out->owners[out->owner_n++] = (struct owner){s, in->item};
				seg->owner_count++;
				mapped = in->mapped;
				limit = in->last;
			} else {
				limit = in->first;
				addr_dec(&limit);
			}
			if (!have_end || addr_cmp(&limit, &end) < 0)
				end = limit;
			have_end = true;
		}
		seg->first = pos;
		seg->last = end;
		seg->mapped = mapped;
		out->n++;
		for (unsigned s = 0; s < sources; s++)
			if (next[s] < per_source[s].n && addr_cmp(&per_source[s].v[next[s]].last, &end) == 0)
				next[s]++;
		pos = end;
		if (!addr_inc(&pos))
			return RBL_OK;
	}
}

/* --- names ------------------------------------------------------------------------------------------------------- */

static unsigned label_at(const struct bind_writer *w, const addr_t *a, unsigned depth)
{
	if (w->stride == 8)
		return a->b[depth];
	uint8_t byte = a->b[depth / 2];
	return depth % 2 ? byte & 0xfu : byte >> 4;
}

static void set_label(const struct bind_writer *w, addr_t *a, unsigned depth, unsigned value)
{
	if (w->stride == 8) {
		a->b[depth] = (uint8_t)value;
		return;
	}
	uint8_t *byte = &a->b[depth / 2];
	*byte = depth % 2 ? (uint8_t)((*byte & 0xf0u) | value) : (uint8_t)((*byte & 0x0fu) | value << 4);
}

/* The last address below a node: every bit past the node's labels set. */
static void node_last(const addr_t *prefix, unsigned bits, addr_t *last)
{
	*last = *prefix;
	for (unsigned i = 0; i < addr_bytes(prefix->family); i++) {
		unsigned bit = i * 8;
		if (bits <= bit)
			last->b[i] = 0xff;
		else if (bits < bit + 8)
			last->b[i] |= (uint8_t)(0xffu >> (bits - bit));
	}
}

/* A node of digit-only labels at depth 0..3 is a name of both trees (see the file comment). */
static bool shared_with_other_family(const struct bind_writer *w, const addr_t *prefix, unsigned depth)
{
	if (depth > 3)
		return false;
	for (unsigned d = 0; d < depth; d++)
		if (label_at(w, prefix, d) > 9)
			return false;
	return true;
}

bool bind_node_always_opened(int family, const addr_t *prefix, unsigned depth)
{
	struct bind_writer w = {.stride = family == ADDR_V4 ? 8 : 4};
	return shared_with_other_family(&w, prefix, depth);
}

static void format_name(struct bind_writer *w, const addr_t *prefix, unsigned depth, bool wildcard)
{
	static const char hex[] = "0123456789abcdef";
	char *p = w->name;
	if (wildcard)
		*p++ = '*';
	for (unsigned d = depth; d > 0; d--) {
		if (p != w->name)
			*p++ = '.';
		unsigned label = label_at(w, prefix, d - 1);
		if (w->stride == 8)
			p += snprintf(p, 4, "%u", label);
		else
			*p++ = hex[label];
	}
	*p = '\0';
}

/* --- records ----------------------------------------------------------------------------------------------------- */

static bool has_substitution(const char *tmpl)
{
	for (const char *p = tmpl; *p; p++) {
		if (*p == '$' && p[1] == '$')
			p++;
		else if (*p == '$')
			return true;
	}
	return false;
}

/* One character-string: quoted, with '"' and '\' escaped and anything unprintable as \DDD. */
static void write_string(struct bind_writer *w, const char *s, size_t len)
{
	export_write(&w->out, "\"", 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			export_printf(&w->out, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			export_printf(&w->out, "\\%03u", c);
		else
			export_write(&w->out, s + i, 1);
	}
	export_write(&w->out, "\"", 1);
}

static void write_txt(struct bind_writer *w, const char *text, size_t len)
{
	if (len > WIRE_TXT_MAX)
		len = WIRE_TXT_MAX; /* where dnsbld cuts it too */
	if (w->owner_each)
		export_write(&w->out, w->name, strlen(w->name));
	export_write(&w->out, "\tTXT\t", 5);
	size_t done = 0;
	do {
		size_t part = len - done < 255 ? len - done : 255;
		if (done)
			export_write(&w->out, " ", 1);
		write_string(w, text + done, part);
		done += part;
	} while (done < len);
	export_write(&w->out, "\n", 1);
	w->records++;
}

/* The records of one name, the node itself (an address) or its wildcard: one A per code of every owner (a code two
 * owners share once), and each owner's TXT (an identical text once), as dnsbld answers. */
static void write_node(struct bind_writer *w, const addr_t *prefix, unsigned depth, const struct segment *seg,
		       bool wildcard)
{
	const struct owner *owners = &w->tree->owners[seg->owners];
	format_name(w, prefix, depth, wildcard);
	uint32_t written[(1 + ZONE_MAX_MEMBERS) * ENTRY_MAX_CODES];
	unsigned count = 0, texts = 0;
	for (unsigned o = 0; o < seg->owner_count; o++) {
		const export_item_t *it = &w->m->sources[owners[o].source].items[owners[o].item];
		for (unsigned k = 0; k < it->ncodes; k++) {
			uint32_t c = it->codes[k];
			bool seen = false;
			for (unsigned j = 0; j < count && !seen; j++)
				seen = written[j] == c;
			if (seen)
				continue;
			written[count] = c;
			export_printf(&w->out, "%s\tA\t%u.%u.%u.%u\n", count++ && !w->owner_each ? "" : w->name, c >> 24,
				      (c >> 16) & 255, (c >> 8) & 255, c & 255);
			w->records++;
		}
	}
	for (unsigned o = 0; o < seg->owner_count; o++) {
		export_item_t *it = &w->m->sources[owners[o].source].items[owners[o].item];
		if (!it->text)
			continue;
		char subst[ADDR_STRLEN];
		if (wildcard)
			cidr_format(&it->net, subst);
		else if (seg->mapped) {
			addr_t v4 = {.family = ADDR_V4};
			memcpy(v4.b, prefix->b + 12, 4);
			addr_format(&v4, subst);
		} else
			addr_format(prefix, subst);
		size_t len = export_txt_expand(it->text, subst, w->texts[texts], sizeof w->texts[texts]);
		bool seen = false;
		for (unsigned j = 0; j < texts && !seen; j++)
			seen = strcmp(w->texts[j], w->texts[texts]) == 0;
		if (!seen)
			write_txt(w, w->texts[texts++], len);
		if (wildcard && has_substitution(it->text) && !(it->flags & EXPORT_MARK)) {
			it->flags |= EXPORT_MARK;
			w->wildcard_templates++;
		}
	}
	w->names++;
	w->wildcards += wildcard;
}

/* Writes the names below prefix (depth labels), given the segments v[lo..hi) that overlap its range. */
static void walk(struct bind_writer *w, const addr_t *prefix, unsigned depth, size_t lo, size_t hi)
{
	if (lo == hi || w->out.err)
		return;
	addr_t last;
	node_last(prefix, depth * w->stride, &last);
	const struct segment *v = w->tree->v;
	bool whole = hi - lo == 1 && addr_cmp(&v[lo].first, prefix) <= 0 && addr_cmp(&v[lo].last, &last) >= 0;
	if (whole && depth == w->max_depth) {
		write_node(w, prefix, depth, &v[lo], false);
		return;
	}
	if (whole && !shared_with_other_family(w, prefix, depth)) {
		write_node(w, prefix, depth, &v[lo], true);
		return;
	}
	/* Open the node: only the children that something listed overlaps. */
	unsigned fanout = 1u << w->stride;
	addr_t pos = *prefix;
	size_t j = lo;
	while (j < hi) {
		if (addr_cmp(&v[j].first, &pos) > 0)
			pos = v[j].first;
		unsigned label = label_at(w, &pos, depth);
		addr_t child = *prefix, child_last;
		set_label(w, &child, depth, label);
		node_last(&child, (depth + 1) * w->stride, &child_last);
		size_t k = j;
		while (k < hi && addr_cmp(&v[k].first, &child_last) <= 0)
			k++;
		walk(w, &child, depth + 1, j, k);
		if (label == fanout - 1)
			break;
		pos = child_last;
		addr_inc(&pos);
		j = addr_cmp(&v[k - 1].last, &child_last) > 0 ? k - 1 : k;
	}
}

static void set_tree(struct bind_writer *w, const struct segments *tree, int family)
{
	w->tree = tree;
	w->stride = family == ADDR_V4 ? 8 : 4;
	w->max_depth = family == ADDR_V4 ? 4 : 32;
}

static void walk_tree(struct bind_writer *w, const struct segments *tree, int family)
{
	set_tree(w, tree, family);
	addr_t root = {.family = (uint8_t)family};
	walk(w, &root, 0, 0, tree->n);
}

/* The first segment that ends at or after a. */
static size_t first_ending_from(const struct segments *tree, const addr_t *a)
{
	size_t lo = 0, hi = tree->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (addr_cmp(&tree->v[mid].last, a) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void bind_walk_node(struct bind_writer *w, const struct segments *tree, int family, const addr_t *prefix,
		    unsigned depth)
{
	set_tree(w, tree, family);
	addr_t last;
	node_last(prefix, depth * w->stride, &last);
	size_t lo = first_ending_from(tree, prefix), hi = lo;
	while (hi < tree->n && addr_cmp(&tree->v[hi].first, &last) <= 0)
		hi++;
	walk(w, prefix, depth, lo, hi);
}

bool bind_node_whole(const struct segments *tree, int family, const addr_t *prefix, unsigned depth)
{
	addr_t last;
	node_last(prefix, depth * (family == ADDR_V4 ? 8u : 4u), &last);
	size_t i = first_ending_from(tree, prefix);
	return i < tree->n && addr_cmp(&tree->v[i].first, prefix) <= 0 && addr_cmp(&tree->v[i].last, &last) >= 0;
}

/* --- the apex ---------------------------------------------------------------------------------------------------- */

static void write_apex(struct bind_writer *w)
{
	const zone_def_t *z = &w->m->zone;
	export_printf(&w->out,
		      "; zone %s, exported from the dnsbld store at serial %u: %zu entries, %llu expired ones left out,\n"
		      "; the RFC 5782 test points explicit, IPv4 repeated under ::ffff:0:0/96.\n"
		      "$ORIGIN %s.\n$TTL %u\n@\tIN\tSOA\t%s. %s. %u %u %u %u %u\n",
		      z->name, z->serial, (size_t)w->m->items, (unsigned long long)w->m->expired, z->name, z->ttl, z->mname,
		      z->rname, z->serial, z->refresh, z->retry, z->expire, z->minimum);
	w->records++;
	for (unsigned i = 0; i < z->ns_count; i++) {
		export_printf(&w->out, "\tIN\tNS\t%s.\n", z->ns[i]);
		w->records++;
		if (zone_ns_in_zone(z, i) && z->ns_addr_count[i] == 0)
			export_note(w->m, "NS %s lies inside the zone and dnsbld has no address for it: add its A/AAAA "
				    "records before a server loads this file (rbltool zone set %s --ns %s=ADDR)",
				    z->ns[i], z->name, z->ns[i]);
	}
	/* The addresses of the name servers inside the zone: records of their own, and so glue for a secondary. */
	for (unsigned i = 0; i < z->ns_count; i++) {
		for (unsigned k = 0; zone_ns_in_zone(z, i) && k < z->ns_addr_count[i]; k++) {
			char addr[ADDR_STRLEN];
			addr_format(&z->ns_addr[i][k], addr);
			export_printf(&w->out, "%s.\tIN\t%s\t%s\n", z->ns[i],
				      z->ns_addr[i][k].family == ADDR_V6 ? "AAAA" : "A", addr);
			w->records++;
		}
	}
	if (z->ns_count == 0) {
		export_printf(&w->out, "\tIN\tNS\t%s.\n", z->mname);
		w->records++;
		export_note(w->m, "the zone has no NS: NS %s (the SOA's MNAME) is written, since a master file needs one; "
			    "dnsbld answers NS queries with no records", z->mname);
	}
}

void bind_free_segments(struct segments *t)
{
	free(t->v);
	free(t->owners);
}

/* The two trees' segments: IPv4, and IPv6 with the IPv4 data repeated under ::ffff:0:0/96. */
int bind_build_trees(const export_model_t *m, struct segments *v4_tree, struct segments *v6_tree)
{
	struct intervals v4[1 + ZONE_MAX_MEMBERS] = {{0}}, v6[1 + ZONE_MAX_MEMBERS] = {{0}};
	int err = RBL_OK;
	for (unsigned s = 0; s < m->source_count && !err; s++) {
		const export_source_t *src = &m->sources[s];
		struct intervals own = {0};
		err = flatten(src, 0, src->v4_count, &v4[s]);
		if (!err)
			err = flatten(src, src->v4_count, src->count, &own);
		if (!err)
			err = with_mapped(&own, &v4[s], &v6[s]);
		free(own.v);
	}
	if (!err)
		err = overlay(v4, m->source_count, v4_tree);
	if (!err)
		err = overlay(v6, m->source_count, v6_tree);
	for (unsigned s = 0; s < m->source_count; s++) {
		free(v4[s].v);
		free(v6[s].v);
	}
	return err;
}

int export_bind(store_rtxn_t *r, const char *zone, const export_opts_t *opts, FILE *out, export_stats_t *stats)
{
	struct bind_writer *w = calloc(1, sizeof *w);
	if (!w)
		return RBL_ENOMEM;
	export_model_t *m = &w->model;
	int err = export_model_load(r, zone, opts, m);
	if (err) {
		free(w);
		return err;
	}
	w->m = m;
	w->out.f = out;
	struct segments v4 = {0}, v6 = {0};
	err = bind_build_trees(m, &v4, &v6);
	if (!err) {
		write_apex(w);
		walk_tree(w, &v4, ADDR_V4);
		walk_tree(w, &v6, ADDR_V6);
		if (fflush(out) != 0)
			w->out.err = RBL_EIO;
		err = w->out.err;
	}
	if (!err && w->wildcard_templates)
		export_note(m, "%llu entr%s answer%s under wildcard names, where the TXT gives the entry's network "
			    "(e.g. 10.0.0.0/8) for '$': dnsbld gives the queried address",
			    (unsigned long long)w->wildcard_templates, w->wildcard_templates == 1 ? "y" : "ies",
			    w->wildcard_templates == 1 ? "s" : "");
	if (stats) {
		memset(stats, 0, sizeof *stats);
		stats->entries = m->items;
		stats->expired = m->expired;
		stats->records = w->records;
		stats->names = w->names;
		stats->wildcards = w->wildcards;
		stats->notes = m->notes;
		stats->bytes = w->out.bytes;
	}
	bind_free_segments(&v4);
	bind_free_segments(&v6);
	export_model_free(m);
	free(w);
	return err;
}
