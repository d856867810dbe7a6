/* SPDX-License-Identifier: BSD-2-Clause */
/* rbldata.h — reads rbldnsd data files: the ip4set, ip4tset, ip4trie, ip6trie, ip6tset and combined datasets, plain
 * or gzip-compressed, with their whole syntax (rbldnsd(8), "DATASET TYPES AND FORMATS").
 *
 * The reader resolves everything that is a property of the file — abbreviated prefixes ("127.0.0" = /24), ranges
 * ("a-b", "127.0.0.1-255") split into CIDRs, the ":A:TXT" / ":A:" / text-only values and the default line, "$n"
 * substitution variables and the "$=" base template — and hands each resulting CIDR to the sink with its final
 * answer: one code, and either a TXT template or none. In the template '$' still stands for the queried address and
 * "$$" for a literal dollar sign (the store's template language: see wire_writer_txt). It never allocates per line
 * and never reads past a line; a bad line goes to the sink's error callback with file, line number and text.
 *
 * Where rbldnsd and its manual disagree, the reader does what rbldnsd 1.0~20210120 does (rbldata_entry.c says which
 * rules those are). rbldnsd substitutes "$n" and "$=" when it answers, so a variable applies to every entry of its
 * scope (file, or $DATASET section), even entries above it, and the first definition of a name wins (a section
 * inherits the common part's variables, which win over its own); ip4tset and ip6tset answer every entry with the
 * dataset's first default line. To give the same answers, a regular file is read twice (variables and tset defaults
 * first); a pipe is read once, and then they apply from their line on. Any other default line (":A:TXT") holds from
 * its line to the end of its file or section. Deliberately stricter than rbldnsd: a code outside 127.0.0.0/8, a line
 * over 4096 bytes, a NUL byte, an expanded template over RBLDATA_TXT_MAX - 1 bytes or holding a control character
 * (base/text.h: any byte below 0x20, TAB included, and 0x7f) and names that are not valid DNS names are bad lines; a
 * '\r' before the newline is dropped. TXT templates are not cut at 255 bytes (the store splits long TXT into
 * several strings).
 */
#ifndef RBL_RBLDATA_H
#define RBL_RBLDATA_H

#include "base/addr.h"

#include <stdbool.h>
#include <stdint.h>

enum rbldata_dataset {
	RBLDATA_IP4SET,
	RBLDATA_IP4TSET,
	RBLDATA_IP4TRIE,
	RBLDATA_IP6TRIE,
	RBLDATA_IP6TSET,
	RBLDATA_COMBINED,
};

#define RBLDATA_TXT_MAX 1024   /* an expanded template, NUL included; longer is a bad line */
#define RBLDATA_MAX_SUBZONES 16
#define RBLDATA_MAX_NS 8

/* "ip4set" etc. to the enum; -1 when unknown. */
int rbldata_dataset_parse(const char *name);
const char *rbldata_dataset_name(enum rbldata_dataset type);

/* One listed or excluded CIDR with its resolved answer. For an exclusion, code and txt are meaningless. An
 * IPv4-mapped IPv6 entry (::ffff:0:0/96 and longer) comes as IPv4, as addr.h represents it. */
typedef struct rbldata_entry {
	cidr_t net;
	bool exclude;
	uint32_t code;      /* host order, 127.0.0.0/8 */
	bool has_txt;       /* false: TXT queries get nothing (rbldnsd's ":A:" form, or no template anywhere) */
	const char *txt;    /* has_txt: the expanded template, valid during the callback */
	unsigned line;      /* where it came from */
	/* The shortest prefix length among the CIDRs this line was split into (net.len for a line that names one
	 * CIDR): the same for every CIDR of a line, so that a caller refusing too wide a listing refuses all of it. */
	uint8_t widest_len;
} rbldata_entry_t;

/* $SOA: times already in seconds ("1w", "2h" understood). A ttl of 0 means the default TTL (rbldnsd's -t or $TTL);
 * a serial of 0 is passed on as 0 (rbldnsd puts the data's modification time there). */
typedef struct rbldata_soa {
	uint32_t ttl;
	char mname[256], rname[256];
	uint32_t serial, refresh, retry, expire, minimum;
} rbldata_soa_t;

/* A $DATASET section of a combined file: its type, optional name, and the subzones it serves ("@" = the base
 * zone itself), as written. Every entry after it, up to the next section, belongs to it. name and subzones are
 * valid during the callback. A section of a type dnsbld does not serve (dnset, generic, acl), with no subzone or an
 * invalid one is a bad line, and the lines up to the next $DATASET are ignored (its $SOA/$NS still count). */
typedef struct rbldata_section {
	enum rbldata_dataset type;
	const char *name;                 /* "" when not given */
	unsigned subzone_count;
	const char *subzones[RBLDATA_MAX_SUBZONES];
	unsigned line;
} rbldata_section_t;

/* The reader calls these; a non-zero return stops the read and is returned by rbldata_read. Any may be NULL. */
typedef struct rbldata_sink {
	int (*entry)(void *ctx, const rbldata_entry_t *e);
	int (*soa)(void *ctx, const rbldata_soa_t *soa);          /* the first $SOA only */
	/* The first $NS naming a server ("-name" entries are left out); over RBLDATA_MAX_NS names is a bad line. */
	int (*ns)(void *ctx, uint32_t ttl, const char *const *names, unsigned count);
	/* Every $TTL, in the scope it is written in (before the first section of a combined file: the whole file);
	 * 0 means the default TTL. */
	int (*ttl)(void *ctx, uint32_t ttl);
	int (*section)(void *ctx, const rbldata_section_t *section);
	/* A bad line: return 0 to skip it and go on (--skip-bad), non-zero to stop. why names what is wrong. text is
	 * the line without surrounding blanks (for a line over 4096 bytes, its start). NULL: skip every bad line.
	 * $MAXRANGE4 trying to raise the limit comes here too (rbldnsd warns); the limit is kept either way. */
	int (*bad_line)(void *ctx, const char *file, unsigned line, const char *text, const char *why);
	/* Progress, every 65536 lines: bytes of the (compressed) file consumed so far. */
	void (*progress)(void *ctx, unsigned long lines, unsigned long long bytes_read);
} rbldata_sink_t;

/* Reads path (gzip or plain, detected by content) as a dataset of the given type. Returns 0, the sink's non-zero
 * return, or RBL_EIO (file cannot be opened or read, or a gzip file is truncated or corrupt; the message is logged;
 * entries before the failure may already have been delivered); RBL_EINVAL for bad arguments, RBL_ENOMEM. */
int rbldata_read(const char *path, enum rbldata_dataset type, const rbldata_sink_t *sink, void *ctx);

#endif
