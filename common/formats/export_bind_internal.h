/* SPDX-License-Identifier: BSD-2-Clause */
/* export_bind_internal.h — the master-file writer's tree (export_bind.c), shared with its differences
 * (export_diff.c): nothing outside common/formats/ may use it. */
#ifndef RBL_EXPORT_BIND_INTERNAL_H
#define RBL_EXPORT_BIND_INTERNAL_H

#include "formats/export.h"
#include "query/wire.h"

#include <stdbool.h>

/* A stretch of listed addresses, all answered by one item of one source. */
struct interval {
	addr_t first, last;
	uint32_t item;
	bool mapped; /* an IPv4 item repeated under ::ffff:0:0/96 */
};

struct intervals {
	struct interval *v;
	size_t n, cap;
};

/* Who answers an address: an item of one source. */
struct owner {
	uint32_t source, item;
};

/* A stretch of listed addresses with the same owners (one per source that lists them: dnsbld's aggregate answer). */
struct segment {
	addr_t first, last;
	size_t owners; /* into the owner array */
	unsigned owner_count;
	bool mapped;
};

struct segments {
	struct segment *v;
	size_t n, cap;
	struct owner *owners;
	size_t owner_n, owner_cap;
};

struct bind_writer {
	export_model_t model;
	export_model_t *m;
	export_out_t out;
	const struct segments *tree;
	unsigned stride, max_depth; /* 8, 4 (IPv4) or 4, 32 (IPv6) */
	uint64_t names, wildcards, records;
	uint64_t wildcard_templates; /* items answered under a wildcard whose TXT has a '$' */
	char name[80];               /* "*." and 32 nibble labels */
	char expanded[WIRE_TXT_MAX + 1];
	char texts[1 + ZONE_MAX_MEMBERS][WIRE_TXT_MAX + 1]; /* one name's TXTs, to write each distinct one once */
	bool owner_each; /* every record with its owner name, one a line (export_diff.c), not owner once a name */
};

/* The two trees' segments of a model: IPv4, and IPv6 with the IPv4 data repeated under ::ffff:0:0/96. */
int bind_build_trees(const export_model_t *m, struct segments *v4_tree, struct segments *v6_tree);
void bind_free_segments(struct segments *t);

/* Writes the names under the node of family's tree at prefix (depth labels: octets for IPv4, nibbles for IPv6) as
 * export_bind does when its walk reaches the node. w->m and w->out must be set. */
void bind_walk_node(struct bind_writer *w, const struct segments *tree, int family, const addr_t *prefix,
		    unsigned depth);
/* Whether one segment answers the whole node (the walk writes it as one name or wildcard, if it reaches it). */
bool bind_node_whole(const struct segments *tree, int family, const addr_t *prefix, unsigned depth);
/* Whether the walk always opens the node, whole or not: the apex, or digit-only labels at depth 1..3. */
bool bind_node_always_opened(int family, const addr_t *prefix, unsigned depth);

#endif
