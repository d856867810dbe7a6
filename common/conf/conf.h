/* SPDX-License-Identifier: BSD-2-Clause */
/* conf.h — configuration files in INI form (dnsbld.conf), read with inih: "key = value" lines, "[section]" headers,
 * comment lines starting with '#' or ';'. A value runs to the end of its line (no inline comments: a TXT template
 * may hold ';'); no continuation lines; leading and trailing blanks are trimmed.
 *
 * What a key means is the caller's: it hands a table of keys, each with a setter that parses the value into its
 * target. conf_read checks that every key is known, that a key that is not repeatable appears once, and reports
 * the first problem as one line "FILE:LINE: ..." naming the key and the value. It allocates nothing that outlives
 * the call and logs nothing; a file it refuses has changed nothing the caller did not set itself.
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

enum conf_flags {
	CONF_IGNORE_UNKNOWN = 1, /* a reader that needs a few keys of a file others own (rbltool reads only db) */
};

/* Reads path, calling each key's setter with target, in file order. RBL_OK; RBL_ENOENT when there is no such file;
 * RBL_EIO when it cannot be read; RBL_EINVAL for a bad line (the first one). Every error fills err->message, which
 * names the file (and line, key and value). At most 64 keys. */
int conf_read(const char *path, const conf_key_t *keys, size_t count, unsigned flags, void *target, conf_error_t *err);

#endif
