/* SPDX-License-Identifier: BSD-2-Clause */
/* export_diff.c — what a change did to a zone's master-file form (export.h, export_bind_diff): the records removed
 * and added, found by writing the same parts of the tree before and after, never the whole zone unless asked.
 *
 * A changed network sits under one node of the reversed-name tree (the smallest octet or nibble node holding it):
 * nothing outside that node's names changed, except through its ancestors — a node the walk writes as one wildcard
 * ("whole") stops the walk there, so a change that makes a node whole, or no longer whole, changes the names above
 * it. So the part written (the "root") climbs from that node while it is whole before or after, and stops below a
 * parent that the walk opens in both states (not whole in either; or the apex and the digit-only nodes, always
 * opened). Whether a parent is whole needs its own range read: that read happens only when the child is whole. An
 * IPv4 change has a twin in the IPv6 tree (its names under ::ffff:0:0/96), climbed the same way; the IPv4 tree
 * always holds the exclusion of 127.0.0.1 and the listing of 127.0.0.2 (the test points), so ::ffff:0:0/96 is never
 * whole and the twin's climb stays inside it. Roots inside another root are dropped; each root's records are
 * written from a model of its range alone (export_model_load_within), before and after, and the two sorted sets
 * compared.
 */
#include "export_bind_internal.h"

#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A node of one family's tree: its prefix and depth (labels: octets for IPv4, nibbles for IPv6). */
struct node {
	addr_t prefix;
	unsigned depth;
};

static unsigned stride_of(int family)
{
	return family == ADDR_V4 ? 8 : 4;
}

static cidr_t node_net(const struct node *n)
{
	return (cidr_t){.addr = n->prefix, .len = (uint8_t)(n->depth * stride_of(n->prefix.family))};
}

/* The smallest node holding net. */
static struct node node_of(const cidr_t *net)
{
	struct node n = {net->addr, net->len / stride_of(net->addr.family)};
	addr_mask(&n.prefix, n.depth * stride_of(net->addr.family));
	return n;
}

static struct node parent_of(const struct node *n)
{
	struct node p = {n->prefix, n->depth - 1};
	addr_mask(&p.prefix, p.depth * stride_of(n->prefix.family));
	return p;
}

/* One state of the zone (before or after) read for the range of a node: its model and trees, exact for any node
 * inside that one (a dense import's neighbours read their /24 once). */
struct state {
	export_model_t model;
	struct segments v4, v6;
	struct node node;
	bool loaded;
};

/* Whether inner lies inside outer (or is it). */
static bool node_holds(const struct node *outer, const struct node *inner)
{
	if (outer->prefix.family != inner->prefix.family || outer->depth > inner->depth)
		return false;
	cidr_t net = node_net(outer);
	return cidr_contains(&net, &inner->prefix);
}

static void state_free(struct state *s)
{
	if (!s->loaded)
		return;
	bind_free_segments(&s->v4);
	bind_free_segments(&s->v6);
	export_model_free(&s->model);
	memset(&s->v4, 0, sizeof s->v4);
	memset(&s->v6, 0, sizeof s->v6);
	s->loaded = false;
}

static int state_load(struct state *s, store_rtxn_t *r, const char *zone, const export_opts_t *opts,
		      const struct node *n)
{
	if (s->loaded && node_holds(&s->node, n))
		return RBL_OK;
	state_free(s);
	s->node = *n;
	cidr_t net = node_net(n);
	int err = export_model_load_within(r, zone, opts, n->depth ? &net : NULL, &s->model);
	if (err == RBL_ENOENT) { /* the zone does not exist in this state (created or deleted): nothing in it */
		memset(&s->model, 0, sizeof s->model);
		s->loaded = true;
		return RBL_OK;
	}
	if (!err && (err = bind_build_trees(&s->model, &s->v4, &s->v6))) {
		export_model_free(&s->model);
		bind_free_segments(&s->v4);
		bind_free_segments(&s->v6);
	}
	s->loaded = !err;
	return err;
}

static bool state_whole(const struct state *s, const struct node *n)
{
	int family = n->prefix.family;
	return bind_node_whole(family == ADDR_V4 ? &s->v4 : &s->v6, family, &n->prefix, n->depth);
}

struct differ {
	store_rtxn_t *r[2]; /* before, after */
	const char *zone;
	export_opts_t opts;
	struct state st[2][2]; /* [tree: IPv4, IPv6][before, after]: each tree's last range read, kept apart */
	struct node *roots;
	size_t root_count, root_cap;
	struct node last_root[2]; /* the last root found in the IPv4 and the IPv6 tree */
	char *text[2]; /* the records of the roots, one a line */
	size_t text_len[2];
	FILE *out[2];
};

static int tree_of(const struct node *n)
{
	return n->prefix.family == ADDR_V4 ? 0 : 1;
}

static int load_both(struct differ *d, const struct node *n)
{
	struct state *st = d->st[tree_of(n)];
	int err = state_load(&st[0], d->r[0], d->zone, &d->opts, n);
	return err ? err : state_load(&st[1], d->r[1], d->zone, &d->opts, n);
}

/* The root for a change under node n (see the file comment). */
static int climb(struct differ *d, struct node n, struct node *root)
{
	int err = load_both(d, &n);
	while (!err) {
		struct state *st = d->st[tree_of(&n)];
		if ((!state_whole(&st[0], &n) && !state_whole(&st[1], &n)) || n.depth == 0)
			break;
		struct node p = parent_of(&n);
		if (bind_node_always_opened(p.prefix.family, &p.prefix, p.depth))
			break;
		if ((err = load_both(d, &p)))
			break;
		if (!state_whole(&st[0], &p) && !state_whole(&st[1], &p))
			break;
		n = p;
	}
	*root = n;
	return err;
}

static int add_root(struct differ *d, const struct node *n)
{
	size_t cap = d->root_cap;
	void *roots = d->roots;
	if (d->root_count == cap) {
		cap = cap ? cap * 2 : 64;
		if (!(roots = realloc(roots, cap * sizeof *d->roots)))
			return RBL_ENOMEM;
	}
	d->roots = roots;
	d->root_cap = cap;
	d->roots[d->root_count++] = *n;
	return RBL_OK;
}

/* Whether the last root found in family's tree holds net: its climb would find that root again (or one inside). */
static bool under_last_root(const struct differ *d, const cidr_t *net)
{
	const struct node *last = &d->last_root[net->addr.family == ADDR_V4 ? 0 : 1];
	if (last->prefix.family != net->addr.family)
		return false;
	cidr_t outer = node_net(last);
	return outer.len <= net->len && cidr_contains(&outer, &net->addr);
}

/* The root of net in its family's tree, unless the last one holds it. */
static int add_change_in(struct differ *d, const cidr_t *net)
{
	if (under_last_root(d, net))
		return RBL_OK;
	struct node root;
	int err = climb(d, node_of(net), &root);
	if (!err)
		d->last_root[net->addr.family == ADDR_V4 ? 0 : 1] = root;
	return err ? err : add_root(d, &root);
}

static int add_change(struct differ *d, const cidr_t *net)
{
	int err = add_change_in(d, net);
	if (err || net->addr.family != ADDR_V4)
		return err;
	cidr_t twin = {.addr = {.family = ADDR_V6}, .len = (uint8_t)(96 + net->len)};
	twin.addr.b[10] = twin.addr.b[11] = 0xff;
	memcpy(twin.addr.b + 12, net->addr.b, 4);
	return add_change_in(d, &twin);
}

/* Networks in address order, wider first: neighbours share roots. */
static int net_cmp(const void *a, const void *b)
{
	const cidr_t *x = a, *y = b;
	int c = addr_cmp(&x->addr, &y->addr);
	return c ? c : (int)x->len - (int)y->len;
}

/* Roots in family, then address order, a wider one before those it holds. */
static int root_cmp(const void *a, const void *b)
{
	const struct node *x = a, *y = b;
	int c = addr_cmp(&x->prefix, &y->prefix);
	return c ? c : (int)x->depth - (int)y->depth;
}

/* Sorts the roots and drops each one inside another. */
static void settle_roots(struct differ *d)
{
	qsort(d->roots, d->root_count, sizeof *d->roots, root_cmp);
	size_t kept = 0;
	for (size_t i = 0; i < d->root_count; i++) {
		cidr_t outer = kept ? node_net(&d->roots[kept - 1]) : (cidr_t){0};
		if (kept && outer.addr.family == d->roots[i].prefix.family && cidr_contains(&outer, &d->roots[i].prefix))
			continue;
		d->roots[kept++] = d->roots[i];
	}
	d->root_count = kept;
}

/* Writes each root's records, in state i, one a line. */
static int write_roots(struct differ *d, int i)
{
	struct bind_writer *w = calloc(1, sizeof *w);
	if (!w)
		return RBL_ENOMEM;
	w->out.f = d->out[i];
	w->owner_each = true;
	int err = RBL_OK;
	for (size_t k = 0; k < d->root_count && !err && !w->out.err; k++) {
		const struct node *n = &d->roots[k];
		struct state *st = &d->st[tree_of(n)][i];
		if ((err = state_load(st, d->r[i], d->zone, &d->opts, n)) || !st->model.source_count)
			continue;
		w->m = &st->model;
		int family = n->prefix.family;
		bind_walk_node(w, family == ADDR_V4 ? &st->v4 : &st->v6, family, &n->prefix, n->depth);
	}
	if (!err)
		err = w->out.err;
	free(w);
	return err;
}

/* The lines of a text, NUL-terminated in place, sorted. */
static int split_sorted(char *text, size_t len, char ***lines, size_t *count)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	char **v = malloc((n ? n : 1) * sizeof *v);
	if (!v)
		return RBL_ENOMEM;
	size_t k = 0;
	for (char *p = text, *end = text + len; p < end && k < n;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		*nl = '\0';
		v[k++] = p;
		p = nl + 1;
	}
	*lines = v;
	*count = k;
	return RBL_OK;
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Writes the lines of a that b does not have. */
static int write_missing(char **a, size_t na, char **b, size_t nb, FILE *out, uint64_t *count)
{
	size_t j = 0;
	for (size_t i = 0; i < na; i++) {
		while (j < nb && strcmp(b[j], a[i]) < 0)
			j++;
		if (j < nb && strcmp(b[j], a[i]) == 0)
			continue;
		if (fprintf(out, "%s\n", a[i]) < 0)
			return RBL_EIO;
		(*count)++;
	}
	return RBL_OK;
}

static int compare(struct differ *d, FILE *removed, FILE *added, export_diff_stats_t *stats)
{
	char **lines[2] = {NULL, NULL};
	size_t count[2] = {0, 0};
	int err = RBL_OK;
	for (int i = 0; i < 2 && !err; i++)
		if (!(err = split_sorted(d->text[i], d->text_len[i], &lines[i], &count[i])))
			qsort(lines[i], count[i], sizeof *lines[i], line_cmp);
	if (!err)
		err = write_missing(lines[0], count[0], lines[1], count[1], removed, &stats->removed);
	if (!err)
		err = write_missing(lines[1], count[1], lines[0], count[0], added, &stats->added);
	stats->before = count[0];
	stats->after = count[1];
	free(lines[0]);
	free(lines[1]);
	return err;
}

int export_bind_diff(store_rtxn_t *before, store_rtxn_t *after, const char *zone, const cidr_t *nets, size_t count,
		     bool whole, FILE *removed, FILE *added, export_diff_stats_t *stats)
{
	memset(stats, 0, sizeof *stats);
	struct differ *d = calloc(1, sizeof *d);
	if (!d)
		return RBL_ENOMEM;
	d->r[0] = before;
	d->r[1] = after;
	d->zone = zone;
	d->opts = (export_opts_t){.now = 0}; /* what was committed: expiry is a commit of its own */
	int err = RBL_OK;
	if (whole) {
		struct node v4 = {{.family = ADDR_V4}, 0}, v6 = {{.family = ADDR_V6}, 0};
		if (!(err = add_root(d, &v4)))
			err = add_root(d, &v6);
	}
	cidr_t *sorted = whole || !count ? NULL : malloc(count * sizeof *sorted);
	if (!whole && count && !sorted)
		err = RBL_ENOMEM;
	if (sorted) {
		memcpy(sorted, nets, count * sizeof *sorted);
		qsort(sorted, count, sizeof *sorted, net_cmp);
	}
	for (size_t i = 0; sorted && i < count && !err; i++)
		err = add_change(d, &sorted[i]);
	free(sorted);
	if (!err)
		settle_roots(d);
	stats->roots = d->root_count;
	for (int i = 0; i < 2 && !err; i++) {
		if (!(d->out[i] = open_memstream(&d->text[i], &d->text_len[i])))
			err = RBL_ENOMEM;
		if (!err)
			err = write_roots(d, i);
		if (d->out[i] && fclose(d->out[i]) != 0 && !err)
			err = RBL_ENOMEM;
		d->out[i] = NULL;
	}
	if (!err)
		err = compare(d, removed, added, stats);
	for (int t = 0; t < 2; t++)
		for (int i = 0; i < 2; i++)
			state_free(&d->st[t][i]);
	free(d->text[0]);
	free(d->text[1]);
	free(d->roots);
	free(d);
	return err;
}
