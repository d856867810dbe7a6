/* SPDX-License-Identifier: BSD-2-Clause */
/* export_rbldnsd.c — a zone as an rbldnsd "combined" dataset; and the export model both writers share (the zone's
 * unexpired entries and its members', with the RFC 5782 test points applied).
 *
 * rbldnsd's ip4trie and ip6trie datasets answer by longest prefix match with one (A, TXT) value a prefix and "!"
 * exclusions: the store's own model, so each entry becomes one line. What they cannot say, checked against Debian's
 * rbldnsd 1.0~20210120 and its source:
 * - one value a prefix: a repeated prefix is dropped with "duplicated entry". But a combined dataset may hold several
 *   sections for the same subzone, and rbldnsd answers from all of them, merging the records and dropping duplicate
 *   ones. So code k of an entry goes into a section "NAME-codeK", which holds every entry with k codes or more as
 *   "NET :codeK:" (no TXT: the main section gives it) and every entry nested inside one of those that must not answer
 *   code k as "!NET". The A set is then dnsbld's; only the order may differ. Each such entry is noted.
 * - the same merging gives an aggregate zone: one set of sections for its own entries ("dnsbld"), one for each member
 *   ("member1", ...), and rbldnsd answers one A per code and one TXT per distinct text, as dnsbld does.
 * - its TXT template language is dnsbld's ('$' the address, "$$" a '$') plus "$0".."$9" and "$=" (substitution
 *   variables, kept literally when undefined) and a leading '=' (dropped). A host entry (/32, /128) gets its text
 *   expanded here, which is exact; a shorter prefix keeps the template and is noted. A leading '=' is doubled.
 * - TXT is cut at 254 bytes, leading and trailing blanks of a value are dropped, a line ends at a newline, and an
 *   empty template gives no TXT where dnsbld answers an empty string: each such entry is noted.
 * - IPv4-mapped names (::ffff:a.b.c.d) are answered from the IPv4 data, as dnsbld does: nothing to write for them.
 * - names with fewer labels than an address (0.127.ZONE) are NXDOMAIN, where dnsbld answers NODATA when something is
 *   listed below: nothing a data file can change.
 */
#include "formats/export.h"

#include "base/err.h"
#include "query/wire.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define RBLDNSD_TXT_MAX 254    /* what rbldnsd's txtsubst keeps */

int export_format_parse(const char *name)
{
	if (strcmp(name, "rbldnsd") == 0)
		return EXPORT_RBLDNSD;
	if (strcmp(name, "bind") == 0)
		return EXPORT_BIND;
	return -1;
}

void export_printf(export_out_t *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vfprintf(o->f, fmt, ap);
	va_end(ap);
	if (n < 0)
		o->err = RBL_EIO;
	else
		o->bytes += (uint64_t)n;
}

void export_write(export_out_t *o, const char *text, size_t len)
{
	if (len && fwrite(text, 1, len, o->f) != len)
		o->err = RBL_EIO;
	o->bytes += len;
}

void export_note(export_model_t *m, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	m->notes++;
	if (m->opts->note)
		m->opts->note(m->opts->note_ctx, line);
}

size_t export_txt_expand(const char *tmpl, const char *subst, char *buf, size_t cap)
{
	size_t n = 0, subst_len = strlen(subst);
	for (const char *p = tmpl; *p; p++) {
		const char *piece = p;
		size_t len = 1;
		if (*p == '$' && p[1] == '$')
			p++;
		else if (*p == '$') {
			piece = subst;
			len = subst_len;
		}
		for (size_t i = 0; i < len; i++, n++)
			if (n + 1 < cap)
				buf[n] = piece[i];
	}
	if (cap)
		buf[n < cap ? n : cap - 1] = '\0';
	return n;
}

/* --- the model --------------------------------------------------------------------------------------------------- */

static int item_cmp(const export_item_t *a, const export_item_t *b)
{
	int c = addr_cmp(&a->net.addr, &b->net.addr);
	return c ? c : (int)a->net.len - (int)b->net.len;
}

static void item_free_text(export_item_t *it)
{
	if (it->flags & EXPORT_OWN_TEXT)
		free((char *)it->text);
	it->flags &= (uint8_t)~EXPORT_OWN_TEXT;
	it->text = NULL;
}

static int grow(export_source_t *src)
{
	if (src->count < src->cap)
		return RBL_OK;
	size_t cap = src->cap ? src->cap * 2 : 256;
	export_item_t *items = realloc(src->items, cap * sizeof *items);
	if (!items)
		return RBL_ENOMEM;
	src->items = items;
	src->cap = cap;
	return RBL_OK;
}

struct load_ctx {
	export_model_t *m;
	export_source_t *src;
};

static int load_entry(const entry_t *e, void *arg)
{
	struct load_ctx *lc = arg;
	export_source_t *src = lc->src;
	if (e->expires != 0 && e->expires <= lc->m->opts->now) {
		lc->m->expired++;
		return 0;
	}
	if (grow(src))
		return RBL_ENOMEM;
	export_item_t *it = &src->items[src->count];
	memset(it, 0, sizeof *it);
	it->net = e->net;
	it->flags = e->flags & (ENTRY_EXCLUDE | ENTRY_NOTEXT);
	if (!(e->flags & ENTRY_EXCLUDE)) {
		it->ncodes = e->ncodes ? e->ncodes : 1;
		if (e->ncodes)
			memcpy(it->codes, e->codes, e->ncodes * sizeof e->codes[0]);
		else
			it->codes[0] = src->zone.default_code;
		if (e->flags & ENTRY_NOTEXT)
			it->text = NULL;
		else if (e->reason[0]) {
			if (!(it->text = strdup(e->reason)))
				return RBL_ENOMEM;
			it->flags |= EXPORT_OWN_TEXT;
		} else
			it->text = src->zone.txt;
	}
	src->count++;
	if (e->net.addr.family == ADDR_V4)
		src->v4_count = src->count;
	return 0;
}

/* Puts it in key order among the IPv4 items, replacing an item with the same prefix. */
static int put_v4_item(export_source_t *src, const export_item_t *it)
{
	size_t lo = 0, hi = src->v4_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (item_cmp(&src->items[mid], it) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < src->v4_count && item_cmp(&src->items[lo], it) == 0) {
		item_free_text(&src->items[lo]);
		src->items[lo] = *it;
		return RBL_OK;
	}
	if (grow(src))
		return RBL_ENOMEM;
	memmove(&src->items[lo + 1], &src->items[lo], (src->count - lo) * sizeof *src->items);
	src->items[lo] = *it;
	src->count++;
	src->v4_count++;
	return RBL_OK;
}

/* 1 if a source's data lists a (its deepest unexpired covering entry is a listing), 0 if not, <0 on error. */
static int source_lists(store_rtxn_t *r, const export_source_t *src, uint32_t v4, int64_t now)
{
	addr_t a = {.family = ADDR_V4, .b = {(uint8_t)(v4 >> 24), (uint8_t)(v4 >> 16), (uint8_t)(v4 >> 8), (uint8_t)v4}};
	entry_t *e = malloc(sizeof *e);
	if (!e)
		return RBL_ENOMEM;
	int err = store_entry_covering(r, src->zone.id, &a, now, e);
	int listed = err == RBL_OK && !(e->flags & ENTRY_EXCLUDE);
	free(e);
	return err && err != RBL_ENOENT ? err : listed;
}

/* dnsbld lists 127.0.0.2 in every zone (its own answer when no source lists it) and 127.0.0.1 in none (answer.c);
 * other servers only answer what the data says. */
static int apply_test_points(store_rtxn_t *r, export_model_t *m)
{
	int64_t now = m->opts->now;
	int listed = 0;
	for (unsigned s = 0; s < m->source_count && listed == 0; s++)
		listed = source_lists(r, &m->sources[s], EXPORT_TEST_POINT_CODE, now);
	if (listed < 0)
		return listed;
	if (!listed) {
		export_item_t it = {.flags = EXPORT_BUILTIN, .ncodes = 1, .codes = {EXPORT_TEST_POINT_CODE},
				    .text = EXPORT_TEST_POINT_TXT};
		cidr_parse("127.0.0.2/32", &it.net);
		int err = put_v4_item(&m->sources[0], &it);
		if (err)
			return err;
	}
	for (unsigned s = 0; s < m->source_count; s++) {
		listed = source_lists(r, &m->sources[s], EXPORT_TEST_POINT_NEVER, now);
		if (listed < 0)
			return listed;
		if (!listed)
			continue;
		export_item_t it = {.flags = ENTRY_EXCLUDE | EXPORT_NEVER};
		cidr_parse("127.0.0.1/32", &it.net);
		int err = put_v4_item(&m->sources[s], &it);
		if (err)
			return err;
	}
	return RBL_OK;
}

/* An aggregate's members, in its order (a member deleted meanwhile is skipped, as dnsbld's zone table does). */
static int add_member(const zone_def_t *def, void *arg)
{
	export_model_t *m = arg;
	for (unsigned i = 0; i < m->zone.member_count; i++)
		if (m->zone.members[i] == def->id)
			m->sources[1 + i].zone = *def;
	return 0;
}

/* The part of within that IPv4 data answers in the IPv6 tree (its names under ::ffff:0:0/96), as an IPv4 network:
 * false when within does not reach there. */
static bool mapped_part(const cidr_t *within, cidr_t *v4)
{
	cidr_t mapped = {.addr = {.family = ADDR_V6}, .len = 96}; /* cidr_parse would read it as IPv4 */
	mapped.addr.b[10] = mapped.addr.b[11] = 0xff;
	if (within->len <= 96) {
		if (!cidr_contains(within, &mapped.addr))
			return false;
		*v4 = (cidr_t){.addr = {.family = ADDR_V4}, .len = 0};
		return true;
	}
	if (!cidr_contains(&mapped, &within->addr))
		return false;
	*v4 = (cidr_t){.addr = {.family = ADDR_V4}, .len = (uint8_t)(within->len - 96)};
	memcpy(v4->addr.b, within->addr.b + 12, 4);
	return true;
}

/* The entries of one source that answer inside within: the deepest wider one that covers it (it answers there for
 * all the wider ones) and those inside. */
static int load_within(store_rtxn_t *r, struct load_ctx *lc, const cidr_t *within)
{
	if (within->len > 0) {
		cidr_t wider = *within;
		wider.len--;
		addr_mask(&wider.addr, wider.len);
		entry_t *e = malloc(sizeof *e);
		if (!e)
			return RBL_ENOMEM;
		int err = store_entry_covering_net(r, lc->src->zone.id, &wider, lc->m->opts->now, e);
		if (!err)
			err = load_entry(e, lc);
		free(e);
		if (err && err != RBL_ENOENT)
			return err;
	}
	return store_entry_foreach_within(r, lc->src->zone.id, within, load_entry, lc);
}

/* A source's entries: all of them, or those answering inside within (for an IPv6 one reaching ::ffff:0:0/96, the
 * IPv4 entries answering there too), IPv4 first. */
static int load_source(store_rtxn_t *r, export_model_t *m, export_source_t *src, const cidr_t *within)
{
	struct load_ctx lc = {m, src};
	if (!within)
		return store_entry_foreach(r, src->zone.id, load_entry, &lc);
	cidr_t v4;
	int err = RBL_OK;
	if (within->addr.family == ADDR_V6 && mapped_part(within, &v4))
		err = load_within(r, &lc, &v4);
	return err ? err : load_within(r, &lc, within);
}

int export_model_load_within(store_rtxn_t *r, const char *zone, const export_opts_t *opts, const cidr_t *within,
			     export_model_t *m)
{
	memset(m, 0, sizeof *m);
	m->opts = opts;
	int err = store_zone_get(r, zone, &m->zone);
	if (err)
		return err;
	m->sources[0].zone = m->zone;
	if (m->zone.member_count && (err = store_zone_foreach(r, add_member, m)))
		return err;
	/* Close the gaps of members that are gone. */
	unsigned n = 1;
	for (unsigned i = 0; i < m->zone.member_count; i++)
		if (m->sources[1 + i].zone.name[0])
			m->sources[n++].zone = m->sources[1 + i].zone;
	m->source_count = n;
	for (unsigned s = 0; s < m->source_count && !err; s++)
		err = load_source(r, m, &m->sources[s], within);
	if (!err)
		err = apply_test_points(r, m);
	for (unsigned s = 0; s < m->source_count; s++)
		m->items += m->sources[s].count;
	if (err)
		export_model_free(m);
	return err;
}

int export_model_load(store_rtxn_t *r, const char *zone, const export_opts_t *opts, export_model_t *m)
{
	return export_model_load_within(r, zone, opts, NULL, m);
}

void export_model_free(export_model_t *m)
{
	for (unsigned s = 0; s < m->source_count; s++) {
		export_source_t *src = &m->sources[s];
		for (size_t i = 0; i < src->count; i++)
			item_free_text(&src->items[i]);
		free(src->items);
		src->items = NULL;
		src->count = src->cap = src->v4_count = 0;
	}
}

/* --- the rbldnsd writer ------------------------------------------------------------------------------------------ */

struct rbldnsd_writer {
	export_model_t model;
	export_model_t *m;
	export_out_t out;
	uint64_t lines;
	const export_source_t *src; /* the source being written */
	const char *section;        /* its sections' name: "dnsbld", or "memberN" */
	bool template_noted[1 + ZONE_MAX_MEMBERS]; /* a template's own problems are noted once, not per entry */
	unsigned src_index;
	char expanded[WIRE_TXT_MAX + 1];
};

/* Whether rbldnsd would read something in tmpl as its own syntax: "$0".."$9", "$=". */
static bool has_rbldnsd_variable(const char *tmpl)
{
	for (const char *p = tmpl; *p; p++) {
		if (*p != '$')
			continue;
		if (p[1] == '$') {
			p++;
			continue;
		}
		if ((p[1] >= '0' && p[1] <= '9') || p[1] == '=')
			return true;
	}
	return false;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* What rbldnsd cannot say about this text, noted once per entry (or once for the zone template). */
static void note_text_limits(struct rbldnsd_writer *w, const export_item_t *it, const char *text, size_t expanded_len,
			     bool expanded_here)
{
	bool is_template = text == w->src->zone.txt;
	if (is_template && w->template_noted[w->src_index])
		return;
	char who[DNAME_TEXTMAX + 40];
	if (is_template)
		snprintf(who, sizeof who, "the TXT template of %s", w->src->zone.name);
	else
		cidr_format(&it->net, who);
	size_t len = strlen(text);
	if (len == 0)
		export_note(w->m, "%s: TXT is empty: dnsbld answers an empty string, rbldnsd answers no TXT", who);
	if (len && (is_blank(text[0]) || is_blank(text[len - 1])))
		export_note(w->m, "%s: rbldnsd drops the TXT's leading and trailing blanks", who);
	if (strpbrk(text, "\r\n"))
		export_note(w->m, "%s: TXT holds a line break: written as a space (rbldnsd reads one line an entry)", who);
	if (!expanded_here && has_rbldnsd_variable(text))
		export_note(w->m, "%s: rbldnsd reads \"$0\"..\"$9\" and \"$=\" in the TXT as its substitution variables, "
			    "where dnsbld writes the address and then the character", who);
	if (expanded_len > RBLDNSD_TXT_MAX)
		export_note(w->m, "%s: TXT is %zu bytes, rbldnsd cuts it at %d", who, expanded_len, RBLDNSD_TXT_MAX);
	if (is_template)
		w->template_noted[w->src_index] = true;
}

/* Writes text after ":A:" so that rbldnsd answers what dnsbld does, as far as it can (see the file comment). */
static void write_text(struct rbldnsd_writer *w, const export_item_t *it)
{
	const char *text = it->text;
	char subst[ADDR_STRLEN];
	addr_format(&it->net.addr, subst);
	size_t expanded_len = export_txt_expand(text, subst, w->expanded, sizeof w->expanded);
	bool host = it->net.len == addr_maxlen(it->net.addr.family);
	bool expand_here = host && has_rbldnsd_variable(text);
	note_text_limits(w, it, text, expanded_len, expand_here);
	if (expand_here)
		text = w->expanded; /* every '$' in it is now literal */
	if (text[0] == '=')
		export_write(&w->out, "=", 1);
	for (const char *p = text; *p; p++) {
		if (*p == '\n' || *p == '\r')
			export_write(&w->out, " ", 1);
		else if (expand_here && *p == '$')
			export_write(&w->out, "$$", 2);
		else
			export_write(&w->out, p, 1);
	}
}

static void write_listing(struct rbldnsd_writer *w, const export_item_t *it, unsigned code_index, bool with_text)
{
	char net[ADDR_STRLEN], code[ZONE_CODE_STRLEN];
	cidr_format(&it->net, net);
	zone_code_format(it->codes[code_index], code);
	if (it->flags & EXPORT_BUILTIN)
		export_printf(&w->out, "# RFC 5782 test point: dnsbld lists 127.0.0.2 in every zone\n");
	export_printf(&w->out, "%s :%s:", net, code);
	if (with_text && it->text)
		write_text(w, it);
	export_write(&w->out, "\n", 1);
	w->lines++;
}

static void write_exclusion(struct rbldnsd_writer *w, const export_item_t *it)
{
	char net[ADDR_STRLEN];
	cidr_format(&it->net, net);
	if (it->flags & EXPORT_NEVER)
		export_printf(&w->out, "# RFC 5782 test point: dnsbld never lists 127.0.0.1\n");
	export_printf(&w->out, "!%s\n", net);
	w->lines++;
}

static void note_codes(struct rbldnsd_writer *w, const export_item_t *it, const char *trie)
{
	char net[ADDR_STRLEN], more[ENTRY_MAX_CODES * 17] = "";
	cidr_format(&it->net, net);
	size_t n = 0;
	for (unsigned k = 1; k < it->ncodes; k++) {
		char code[ZONE_CODE_STRLEN];
		zone_code_format(it->codes[k], code);
		n += (size_t)snprintf(more + n, sizeof more - n, "%s%s", k > 1 ? ", " : "", code);
	}
	export_note(w->m, "%s%s%s: %u codes: rbldnsd's %s keeps one value a prefix, so the others (%s) are in extra "
		    "sections %s-codeN that rbldnsd also answers from: same A set, the order may differ",
		    w->src_index ? w->src->zone.name : "", w->src_index ? " " : "", net, it->ncodes, trie, more,
		    w->section);
}

static bool covers(const cidr_t *outer, const cidr_t *inner)
{
	return outer->len < inner->len && cidr_contains(outer, &inner->addr);
}

/* Section codeK: code k of every entry that has one, and a hole for whatever lies inside such an entry but must not
 * answer code k (an exclusion, or a deeper entry with fewer codes). */
static void write_code_section(struct rbldnsd_writer *w, const export_item_t *items, size_t n, const char *trie,
			       unsigned k)
{
	export_printf(&w->out, "$DATASET %s:%s-code%u @\n", trie, w->section, k);
	struct {
		const export_item_t *it;
		bool has_code;
	} stack[129];
	size_t depth = 0, with_code = 0;
	for (size_t i = 0; i < n; i++) {
		const export_item_t *it = &items[i];
		while (depth > 0 && !covers(&stack[depth - 1].it->net, &it->net))
			with_code -= stack[--depth].has_code;
		bool has_code = !(it->flags & ENTRY_EXCLUDE) && it->ncodes >= k;
		if (has_code)
			write_listing(w, it, k - 1, false);
		else if (with_code > 0)
			write_exclusion(w, it);
		stack[depth].it = it;
		stack[depth++].has_code = has_code;
		with_code += has_code;
	}
}

static void write_family(struct rbldnsd_writer *w, const export_item_t *items, size_t n, const char *trie)
{
	export_printf(&w->out, "$DATASET %s:%s @\n", trie, w->section);
	unsigned most_codes = 1;
	for (size_t i = 0; i < n; i++) {
		const export_item_t *it = &items[i];
		if (it->flags & ENTRY_EXCLUDE) {
			write_exclusion(w, it);
			continue;
		}
		write_listing(w, it, 0, true);
		if (it->ncodes > 1)
			note_codes(w, it, trie);
		if (it->ncodes > most_codes)
			most_codes = it->ncodes;
	}
	for (unsigned k = 2; k <= most_codes; k++)
		write_code_section(w, items, n, trie, k);
}

static void write_header(struct rbldnsd_writer *w)
{
	const zone_def_t *z = &w->m->zone;
	export_printf(&w->out,
		      "# rbldnsd dataset of zone %s, exported from the dnsbld store at serial %u: %zu entries,\n"
		      "# %llu expired ones left out, the RFC 5782 test points explicit.\n"
		      "# Load it with: rbldnsd ... %s:combined:THIS-FILE\n",
		      z->name, z->serial, (size_t)w->m->items, (unsigned long long)w->m->expired, z->name);
	export_printf(&w->out, "$SOA %u %s %s %u %u %u %u %u\n", z->ttl, z->mname, z->rname, z->serial, z->refresh,
		      z->retry, z->expire, z->minimum);
	if (z->ns_count) {
		export_printf(&w->out, "$NS %u", z->ttl);
		for (unsigned i = 0; i < z->ns_count; i++)
			export_printf(&w->out, " %s", z->ns[i]);
		export_write(&w->out, "\n", 1);
	}
	export_printf(&w->out, "$TTL %u\n", z->ttl);
	/* The addresses of the name servers inside the zone, in a generic dataset (A only: rbldnsd's generic dataset
	 * has no AAAA). */
	bool generic = false;
	for (unsigned i = 0; i < z->ns_count; i++) {
		if (!zone_ns_in_zone(z, i))
			continue;
		size_t rel = strlen(z->ns[i]) > strlen(z->name) ? strlen(z->ns[i]) - strlen(z->name) - 1 : 0;
		for (unsigned k = 0; k < z->ns_addr_count[i]; k++) {
			char addr[ADDR_STRLEN];
			addr_format(&z->ns_addr[i][k], addr);
			if (z->ns_addr[i][k].family == ADDR_V6) {
				export_note(w->m, "NS %s: its IPv6 address %s is left out: rbldnsd's generic dataset has no AAAA",
					    z->ns[i], addr);
				continue;
			}
			if (!generic)
				export_printf(&w->out, "$DATASET generic:nameservers @\n");
			generic = true;
			export_printf(&w->out, "%.*s A %s\n", (int)(rel ? rel : 1), rel ? z->ns[i] : "@", addr);
		}
	}
}

int export_rbldnsd(store_rtxn_t *r, const char *zone, const export_opts_t *opts, FILE *out, export_stats_t *stats)
{
	struct rbldnsd_writer *w = calloc(1, sizeof *w);
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
	write_header(w);
	for (unsigned s = 0; s < m->source_count; s++) {
		const export_source_t *src = &m->sources[s];
		char section[24] = "dnsbld";
		if (s)
			snprintf(section, sizeof section, "member%u", s);
		w->src = src;
		w->src_index = s;
		w->section = section;
		if (s)
			export_printf(&w->out, "# member zone %s: dnsbld answers for its entries too\n", src->zone.name);
		write_family(w, src->items, src->v4_count, "ip4trie");
		write_family(w, src->items + src->v4_count, src->count - src->v4_count, "ip6trie");
	}
	if (fflush(out) != 0)
		w->out.err = RBL_EIO;
	err = w->out.err;
	if (stats) {
		memset(stats, 0, sizeof *stats);
		stats->entries = m->items;
		stats->expired = m->expired;
		stats->records = w->lines;
		stats->notes = m->notes;
		stats->bytes = w->out.bytes;
	}
	export_model_free(m);
	free(w);
	return err;
}
