/* SPDX-License-Identifier: BSD-2-Clause */
/* tsig_key.c — TSIG key names, algorithms and secrets checked, and the key table (tsig_key.h). */
#include "xfr/tsig_key.h"

#include "base/err.h"

#include <ldns/ldns.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	enum tsig_algorithm algorithm;
	unsigned mac_size;
} algorithms[] = {
        {"hmac-sha1", TSIG_HMAC_SHA1, 20},
        {"hmac-sha256", TSIG_HMAC_SHA256, 32},
        {"hmac-sha512", TSIG_HMAC_SHA512, 64},
};
#define ALGORITHM_COUNT (sizeof algorithms / sizeof algorithms[0])

static int why_not(char *why, size_t why_size, int err, const char *text)
{
	snprintf(why, why_size, "%s", text);
	return err;
}

int tsig_algorithm_parse(const char *text, enum tsig_algorithm *out, char *why, size_t why_size)
{
	size_t len = strlen(text);
	if (len > 0 && text[len - 1] == '.')
		len--;
	for (size_t i = 0; i < ALGORITHM_COUNT; i++) {
		if (strlen(algorithms[i].name) == len && strncasecmp(algorithms[i].name, text, len) == 0) {
			*out = algorithms[i].algorithm;
			return RBL_OK;
		}
	}
	return why_not(why, why_size, RBL_EINVAL,
	               "expected hmac-sha256, hmac-sha512 or hmac-sha1 (hmac-sha224 and hmac-sha384 are not in ldns, "
	               "hmac-md5 is not accepted)");
}

const char *tsig_algorithm_name(enum tsig_algorithm algorithm)
{
	for (size_t i = 0; i < ALGORITHM_COUNT; i++)
		if (algorithms[i].algorithm == algorithm)
			return algorithms[i].name;
	return "unknown";
}

unsigned tsig_algorithm_mac_size(enum tsig_algorithm algorithm)
{
	for (size_t i = 0; i < ALGORITHM_COUNT; i++)
		if (algorithms[i].algorithm == algorithm)
			return algorithms[i].mac_size;
	return 0;
}

static bool base64_shaped(const char *text, size_t len)
{
	if (len == 0 || len % 4 != 0)
		return false;
	size_t pad = text[len - 1] == '=' ? (text[len - 2] == '=' ? 2 : 1) : 0;
	for (size_t i = 0; i < len - pad; i++) {
		char c = text[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
		      c == '/'))
			return false;
	}
	return true;
}

int tsig_secret_check(const char *text, unsigned *decoded, char *why, size_t why_size)
{
	size_t len = strnlen(text, TSIG_SECRET_TEXT_MAX);
	if (len >= TSIG_SECRET_TEXT_MAX) {
		snprintf(why, why_size, "longer than %d bytes of key", TSIG_SECRET_MAX);
		return RBL_ERANGE;
	}
	if (!base64_shaped(text, len))
		return why_not(why, why_size, RBL_EINVAL, "not base64 (A-Z a-z 0-9 + /, '=' padding to 4 characters)");
	ldns_rdf *bytes = NULL; /* ldns decodes: the same decoder that will read the secret when signing */
	if (ldns_str2rdf_b64(&bytes, text) != LDNS_STATUS_OK || !bytes)
		return why_not(why, why_size, RBL_EINVAL, "not base64");
	size_t n = ldns_rdf_size(bytes);
	ldns_rdf_deep_free(bytes);
	if (n < TSIG_SECRET_MIN || n > TSIG_SECRET_MAX) {
		snprintf(why, why_size, "%zu bytes of key: expected %d..%d", n, TSIG_SECRET_MIN, TSIG_SECRET_MAX);
		return RBL_ERANGE;
	}
	*decoded = (unsigned)n;
	return RBL_OK;
}

int tsig_key_make(tsig_key_t *key, const char *name, const char *algorithm, const char *secret, char *why,
                  size_t why_size)
{
	tsig_key_t made = {0};
	char part[160] = "";
	int err = dname_normalize(name, made.name);
	if (err)
		return why_not(why, why_size, err,
		               "the key name: expected a DNS name (letters, digits, '-', '_', '.')");
	err = tsig_algorithm_parse(algorithm, &made.algorithm, part, sizeof part);
	if (!err)
		err = tsig_secret_check(secret, &made.secret_len, part, sizeof part);
	if (err) {
		snprintf(why, why_size, "key '%s': %s", made.name, part);
		return err;
	}
	snprintf(made.secret, sizeof made.secret, "%s", secret);
	*key = made;
	return RBL_OK;
}

int tsig_keytab_add(tsig_keytab_t *keys, const tsig_key_t *key, char *why, size_t why_size)
{
	if (tsig_keytab_find(keys, key->name)) {
		snprintf(why, why_size, "key '%s' is defined twice", key->name);
		return RBL_EEXIST;
	}
	if (keys->count == TSIG_KEYS_MAX) {
		snprintf(why, why_size, "at most %d keys", TSIG_KEYS_MAX);
		return RBL_EFULL;
	}
	keys->keys[keys->count++] = *key;
	return RBL_OK;
}

const tsig_key_t *tsig_keytab_find(const tsig_keytab_t *keys, const char *name)
{
	char normal[DNAME_TEXTMAX];
	if (dname_normalize(name, normal))
		return NULL;
	for (unsigned i = 0; i < keys->count; i++)
		if (strcmp(keys->keys[i].name, normal) == 0)
			return &keys->keys[i];
	return NULL;
}
