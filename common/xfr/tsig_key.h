/* SPDX-License-Identifier: BSD-2-Clause */
/* tsig_key.h — TSIG keys (RFC 8945): a name, an HMAC algorithm and a shared secret, and the table of the keys a
 * server knows.
 *
 * Owns nothing outside its structs: no allocation that outlives a call, no I/O, no logging. The secret is kept as
 * the base64 text ldns takes, once checked to be canonical base64 of TSIG_SECRET_MIN..TSIG_SECRET_MAX bytes. Names
 * are DNS names, kept lowercase without the final dot. Errors come back as an RBL_* code with a few words in why.
 */
#ifndef RBL_TSIG_KEY_H
#define RBL_TSIG_KEY_H

#include "base/dname.h"

#include <stddef.h>

/* What ldns 1.8.3 can compute. hmac-sha224 is not in it, and it misspells hmac-sha384 ("hmac-shac384."), so a key
 * of either would never verify: both are refused when read, as is hmac-md5 (RFC 8945 section 6: not recommended). */
enum tsig_algorithm {
	TSIG_HMAC_SHA1 = 1,
	TSIG_HMAC_SHA256,
	TSIG_HMAC_SHA512,
};

#define TSIG_SECRET_MIN 16       /* decoded bytes: shorter keys are guessable (RFC 8945 section 6) */
#define TSIG_SECRET_MAX 256      /* decoded bytes: far past any generated key */
#define TSIG_SECRET_TEXT_MAX 348 /* base64 of TSIG_SECRET_MAX bytes (344), NUL included */
#define TSIG_MAC_MAX 64          /* hmac-sha512's output */
#define TSIG_KEYS_MAX 64

typedef struct tsig_key {
	char name[DNAME_TEXTMAX]; /* lowercase, no final dot: "transfer.rbl.example" */
	enum tsig_algorithm algorithm;
	char secret[TSIG_SECRET_TEXT_MAX]; /* base64 */
	unsigned secret_len;               /* decoded bytes */
} tsig_key_t;

typedef struct tsig_keytab {
	tsig_key_t keys[TSIG_KEYS_MAX];
	unsigned count;
} tsig_keytab_t;

/* "hmac-sha256" (any case, a final dot allowed) to its algorithm. RBL_EINVAL with why for anything else, naming
 * the accepted ones. */
int tsig_algorithm_parse(const char *text, enum tsig_algorithm *out, char *why, size_t why_size);

/* "hmac-sha256": the name BIND, Knot and NSD write in their configuration, and ldns takes. */
const char *tsig_algorithm_name(enum tsig_algorithm algorithm);

/* The algorithm's full MAC length in bytes: 20, 32 or 64. */
unsigned tsig_algorithm_mac_size(enum tsig_algorithm algorithm);

/* Checks that text is canonical base64 (A-Z a-z 0-9 + /, '=' padding only at the end, a multiple of 4 characters)
 * of TSIG_SECRET_MIN..TSIG_SECRET_MAX bytes; *decoded gets the byte count. RBL_EINVAL or RBL_ERANGE with why. */
int tsig_secret_check(const char *text, unsigned *decoded, char *why, size_t why_size);

/* Fills key from its three texts, each checked as above (the name as dname_normalize). On error key is unchanged.
 * RBL_EINVAL or RBL_ERANGE with why naming which of the three is wrong. */
int tsig_key_make(tsig_key_t *key, const char *name, const char *algorithm, const char *secret, char *why,
                  size_t why_size);

/* Adds a copy of key. RBL_EEXIST when a key of that name is there already, RBL_EFULL past TSIG_KEYS_MAX. */
int tsig_keytab_add(tsig_keytab_t *keys, const tsig_key_t *key, char *why, size_t why_size);

/* The key named name (text; any case, a final dot allowed), or NULL. */
const tsig_key_t *tsig_keytab_find(const tsig_keytab_t *keys, const char *name);

#endif
