/* SPDX-License-Identifier: BSD-2-Clause */
/* export.h — writes one zone of the store as a file another DNS server loads, answering what dnsbld answers as
 * closely as that server can: an rbldnsd "combined" dataset (export_rbldnsd.c) or an RFC 1035 master file for BIND,
 * NSD or Knot (export_bind.c).
 *
 * Both read the caller's read snapshot. Expired entries are left out. The RFC 5782 test points, built into dnsbld,
 * are made explicit: 127.0.0.2 is listed (with dnsbld's built-in answer when the data does not list it) and 127.0.0.1
 * is not (an exclusion when the data lists it). Where a format cannot say what dnsbld says, the writer writes the
 * closest form and tells the caller through the note callback: one line per entry concerned, or one for the zone.
 * The writers print nothing themselves and only write to the FILE* they are given; the caller (rbltool export) owns
 * the file, its temporary name and the rename.
 */
#ifndef RBL_EXPORT_H
#define RBL_EXPORT_H

#include "store/store.h"

#include <stdint.h>
#include <stdio.h>

enum export_format { EXPORT_RBLDNSD = 0, EXPORT_BIND = 1 };

/* "rbldnsd" or "bind" to the enum; -1 for anything else. */
int export_format_parse(const char *name);

/* One difference from dnsbld's answers, as one line of text without a newline. */
typedef void (*export_note_fn)(void *ctx, const char *note);

typedef struct export_stats {
	uint64_t entries;   /* listings and exclusions written, the explicit test points included */
	uint64_t expired;   /* expired entries left out */
	uint64_t records;   /* rbldnsd: entry lines; bind: resource records, SOA and NS included */
	uint64_t names;     /* bind: owner names below the apex, wildcards included */
	uint64_t wildcards; /* bind: wildcard owner names */
	uint64_t notes;     /* notes given to the callback */
	uint64_t bytes;     /* bytes written */
} export_stats_t;

typedef struct export_opts {
	int64_t now;           /* entries expiring at or before now are left out */
	export_note_fn note;   /* may be NULL */
	void *note_ctx;
} export_opts_t;

/* The rbldnsd form: $SOA, $NS and $TTL, then "$DATASET ip4trie @" and "$DATASET ip6trie @" sections of
 * "NET/LEN :A:TXT" lines (":A:" for a no-text entry, "!NET/LEN" for an exclusion). Load it as ZONE:combined:FILE.
 * An entry with several codes keeps its first in the main section; each further code goes into an extra ip4trie or
 * ip6trie section ("dnsbld-code2", ...) that rbldnsd also consults, so the A set is dnsbld's; an aggregate zone gets
 * a set of sections per member ("member1", ...) the same way (see export_rbldnsd.c).
 * RBL_ENOENT if the zone is gone, RBL_EIO if writing fails, RBL_ENOMEM, RBL_ESTORE. */
int export_rbldnsd(store_rtxn_t *r, const char *zone, const export_opts_t *opts, FILE *out, export_stats_t *stats);

/* The master-file form: $ORIGIN, $TTL, SOA, NS, then A (one per code) and TXT records under relative reversed
 * names: a name per listed address, or a wildcard where a whole octet (IPv4) or nibble (IPv6) subtree answers alike,
 * so that an excluded address has no name and answers NXDOMAIN. IPv4 data is repeated under ::ffff:0:0/96, as
 * dnsbld answers IPv4-mapped names from it; an aggregate's names answer for all its members at once. Same errors as
 * export_rbldnsd (see export_bind.c for the rules). */
int export_bind(store_rtxn_t *r, const char *zone, const export_opts_t *opts, FILE *out, export_stats_t *stats);

/* What a commit changed in export_bind's form of a zone, for a record-level journal (IXFR): the records it removed
 * and the records it added, each as one line "OWNER<TAB>TYPE<TAB>RDATA" (the owner relative to the zone, no TTL or
 * class), sorted, written to removed and added. before and after are the store before and after the change; nets
 * are the networks of the entries it put or deleted (in the zone or, for an aggregate, in its members); whole: take
 * the whole zone as changed (nets ignored). Only the parts of the tree that the networks can reach are written (see
 * export_diff.c), so a change to a few entries of a large zone costs a few reads. Expiry is not applied: a
 * transfer sends what was committed. The apex (SOA, NS, glue) is not compared: a change there is a new definition.
 * A zone missing from one state has no records in it. */
typedef struct export_diff_stats {
	uint64_t removed, added;
	uint64_t before, after; /* the records written for the parts compared, in each state */
	uint64_t roots;         /* the parts (tree nodes) compared */
} export_diff_stats_t;
int export_bind_diff(store_rtxn_t *before, store_rtxn_t *after, const char *zone, const cidr_t *nets, size_t count,
		     bool whole, FILE *removed, FILE *added, export_diff_stats_t *stats);

/* --- what the two writers share (export_rbldnsd.c); not for other callers --- */

/* Item flags beside entry.h's ENTRY_EXCLUDE and ENTRY_NOTEXT. */
#define EXPORT_BUILTIN 0x80u  /* dnsbld's built-in test point 127.0.0.2, not in the data */
#define EXPORT_NEVER 0x40u    /* the exclusion of 127.0.0.1 the test points add */
#define EXPORT_OWN_TEXT 0x20u /* text was allocated for the item */
#define EXPORT_MARK 0x10u     /* free for a writer's own bookkeeping */
#define EXPORT_TEST_POINT_CODE 0x7f000002u
#define EXPORT_TEST_POINT_NEVER 0x7f000001u
/* dnsbld's built-in TXT for 127.0.0.2 (answer.c's TEST_POINT_TXT; test_export checks they agree). */
#define EXPORT_TEST_POINT_TXT "$ is the RFC 5782 test point of this list"

/* One entry as it will be answered: a listing (codes filled in with its zone's default when it has none, text the
 * entry's reason or else its zone's template, NULL for a no-text entry) or an exclusion (ENTRY_EXCLUDE). */
typedef struct export_item {
	cidr_t net;
	uint8_t flags;
	uint8_t ncodes;
	uint32_t codes[ENTRY_MAX_CODES];
	const char *text;
} export_item_t;

/* The unexpired entries of one zone that answers for the exported one, in key order (IPv4 first, each covering
 * prefix before what it covers), with the test points applied. */
typedef struct export_source {
	zone_def_t zone;
	export_item_t *items;
	size_t count, cap;
	size_t v4_count; /* items[0 .. v4_count) are IPv4 */
} export_source_t;

/* The exported zone and its sources: itself, then (for an aggregate) each member, in the order dnsbld asks them. */
typedef struct export_model {
	zone_def_t zone;
	export_source_t sources[1 + ZONE_MAX_MEMBERS];
	unsigned source_count;
	uint64_t items, expired;
	const export_opts_t *opts;
	uint64_t notes;
} export_model_t;

/* Fills m (a large struct: keep it off small stacks); RBL_ENOENT if the zone does not exist. */
int export_model_load(store_rtxn_t *r, const char *zone, const export_opts_t *opts, export_model_t *m);
/* The same for the part of the tree inside within: the items answering there (the deepest wider entry covering it
 * and the entries inside; for IPv6 reaching ::ffff:0:0/96, the IPv4 entries answering there too) and the test
 * points. Items outside within may be there: only within's answers are exact. */
int export_model_load_within(store_rtxn_t *r, const char *zone, const export_opts_t *opts, const cidr_t *within,
			     export_model_t *m);
void export_model_free(export_model_t *m);
/* Formats one note and hands it to the callback. */
void export_note(export_model_t *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The TXT dnsbld writes for template tmpl when subst is the address: '$' becomes subst, "$$" a '$'. Writes at most
 * cap - 1 bytes and a NUL; returns the full length, as snprintf does. */
size_t export_txt_expand(const char *tmpl, const char *subst, char *buf, size_t cap);

/* A FILE* that counts what it writes and remembers the first failure. */
typedef struct export_out {
	FILE *f;
	uint64_t bytes;
	int err;
} export_out_t;
void export_printf(export_out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void export_write(export_out_t *o, const char *text, size_t len);

#endif
