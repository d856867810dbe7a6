/* SPDX-License-Identifier: BSD-2-Clause */
/* conf.h — configuration files in INI form (dnsbld.conf), read with inih: "key = value" lines, "[section]" headers,
 * comment lines starting with '#' or ';'. A value runs to the end of its line (no inline comments: a TXT template
 * may hold ';'); no continuation lines; leading and trailing blanks are trimmed.
 *
 * What a key means is the caller's: it hands a table of keys, each with a setter that parses the value into its
 * target. conf_read checks that every key is known, that a key that is not repeatable appears once, and reports
 * the first problem as one line "FILE:LINE: ..." naming the key and the value. It allocates nothing that outlives
 * the call and logs nothing; a file it refuses has changed nothing the caller did not set itself.
 *
 * Named sections: a table may also declare kinds of section (conf_read_table). A header whose first word is a
 * declared kind must read [KIND "NAME"] (one header per line, nothing after the ']'); the kind's keys are allowed
 * only inside such sections, and their setters are told the section's NAME and the line. Each kind may have an open
 * hook (at the header) and a close hook (at the next header or the end of the file) to refuse, say, a section given
 * twice or one that lacks a required key. Section headers are read by conf itself, not inih, so a NAME of up to
 * CONF_NAME_MAX - 1 bytes is seen whole.
 */
#ifndef RBL_CONF_H
#define RBL_CONF_H

#include <stdbool.h>
#include <stddef.h>

#define CONF_DNSBLD_PATH "/etc/dnsbld/dnsbld.conf" /* the packaged dnsbld.conf: dnsbld's, and rbltool's store */
#define CONF_ERROR_MAX 640
#define CONF_LINE_MAX 4096 /* a longer line is an error */

/* Parses value into target. RBL_OK, or an RBL_E* code with why (a few words: "expected 1..256") filled in. */
typedef int (*conf_setter)(void *target, const char *value, char *why, size_t why_size);

typedef struct conf_key {
	const char *section; /* "" for the keys before any [section] */
	const char *name;
	bool repeatable;     /* may appear on several lines (listen, allow-query); else a second one is an error */
	conf_setter set;
} conf_key_t;

typedef struct conf_error {
	unsigned line; /* 0: not about a line (the file cannot be read) */
	char message[CONF_ERROR_MAX];
} conf_error_t;

#define CONF_NAME_MAX 256 /* a section's NAME, NUL included */

/* Where a value of a named section was read. */
typedef struct conf_place {
	const char *path;
	unsigned line;       /* the value's line; for a close hook, the section header's */
	const char *section; /* NAME of [KIND "NAME"], as written between the quotes */
} conf_place_t;

/* Parses value (read at *at) into target. RBL_OK, or an RBL_E* code with why filled in. */
typedef int (*conf_section_setter)(void *target, const conf_place_t *at, const char *value, char *why, size_t why_size);
/* A section's open or close hook: RBL_OK, or an RBL_E* code with why filled in (reported at the header's line). */
typedef int (*conf_section_hook)(void *target, const conf_place_t *at, char *why, size_t why_size);

typedef struct conf_section_key {
	const char *name;
	bool repeatable; /* may appear on several lines of one section */
	bool secret;     /* an error names the value by its first 4 bytes and its length, not whole (a near-miss of a
	                    real secret must not land in a log) */
	conf_section_setter set;
} conf_section_key_t;

/* A kind of named section: [zone "rbl.example"] is a section of kind "zone" named "rbl.example". */
typedef struct conf_section_kind {
	const char *kind;
	const conf_section_key_t *keys;
	size_t count;           /* at most 64 */
	conf_section_hook open; /* NULL: none */
	conf_section_hook close;
	void *target; /* what this kind's setters and hooks are given (not conf_read_table's target) */
} conf_section_kind_t;

typedef struct conf_table {
	const conf_key_t *keys; /* the keys before any header and those of fixed [section]s, as for conf_read */
	size_t count;
	const conf_section_kind_t *kinds;
	size_t kind_count; /* at most 8 */
} conf_table_t;

enum conf_flags {
	CONF_IGNORE_UNKNOWN = 1, /* a reader that needs a few keys of a file others own (rbltool reads only db) */
};

/* Reads path, calling each key's setter with target, in file order. RBL_OK; RBL_ENOENT when there is no such file;
 * RBL_EIO when it cannot be read; RBL_EINVAL for a bad line (the first one). Every error fills err->message, which
 * names the file (and line, key and value). At most 64 keys. */
int conf_read(const char *path, const conf_key_t *keys, size_t count, unsigned flags, void *target, conf_error_t *err);

/* conf_read with named sections: the keys of table->keys get target, those of a kind that kind's target. A bad
 * header of a declared kind ("[zone rbl.example]", an empty or over-long NAME, a quote, '\' or control byte in it,
 * text after ']') is refused like a bad line; so is an unknown key inside a named section (unless
 * CONF_IGNORE_UNKNOWN) and a key that is not repeatable given twice in one section. Headers of other words are fixed
 * sections, as for conf_read. */
int conf_read_table(const char *path, const conf_table_t *table, unsigned flags, void *target, conf_error_t *err);

#endif
