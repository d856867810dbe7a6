/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_tsig.c — the TSIG inputs that come from outside: BIND-format key files (tsig_keyfile_read, _parse) and
 * the TSIG record of a request off the network (tsig_verify_request, then tsig_error_answer for its verdict).
 *
 * Byte 0 even: the rest is a key file, read from a file and parsed from memory; both must agree. On success every
 * key is what tsig_key.h promises (a normalised name found again by tsig_keytab_find, a known algorithm, a secret
 * that tsig_secret_check accepts with the same length); on failure the table is as it was and the error is one
 * "FILE:LINE: ..." line. Byte 0 odd: the rest is a request, checked against a fixed table of three keys at a fixed
 * time; the verdict is one of the enum's, the key set exactly for the verdicts that have one, the MAC within
 * TSIG_MAC_MAX; an error answer is built for every BAD* verdict and fits the space tsig_space promises.
 */
#include "fuzz_common.h"

#include "base/err.h"
#include "xfr/tsig.h"
#include "xfr/tsig_keyfile.h"

#include <stdlib.h>
#include <string.h>

#define NOW 1796454425 /* 2026-12-05 07:07 UTC: when dig signed the seeds' requests, so that they verify */

static struct fuzz_file file;
static tsig_keytab_t fixed_keys; /* the requests' keys: transfer.example (sha256), sha512.example, sha1.example */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_file_init(&file, "fuzz_tsig");
	static const char *const keys[][3] = {
	        {"transfer.example", "hmac-sha256", "QdCevH+CiU8/uqLbVtvT/os+nIVaFeVCfjA2wmmmOfI="},
	        {"sha512.example", "hmac-sha512",
	         "hTcEi9xkQdUqkEEjzG9WRcM4RWP9R93972+14poseHHr6SB5113wAgZ9WnvC+Yi4MxFTWIQStb2tWErV8ShnHw=="},
	        {"sha1.example", "hmac-sha1", "m06boKixlULeb50TxuUYzN6XnyY="},
	};
	for (size_t i = 0; i < 3; i++) {
		tsig_key_t key;
		char why[256];
		FUZZ_CHECK(tsig_key_make(&key, keys[i][0], keys[i][1], keys[i][2], why, sizeof why) == RBL_OK);
		FUZZ_CHECK(tsig_keytab_add(&fixed_keys, &key, why, sizeof why) == RBL_OK);
	}
	return 0;
}

static void check_table(const tsig_keytab_t *keys, int rc, const char *err, unsigned before)
{
	if (rc != RBL_OK) {
		FUZZ_CHECK(keys->count == before);
		FUZZ_CHECK(strchr(err, ':') != NULL && strchr(err, '\n') == NULL);
		return;
	}
	FUZZ_CHECK(keys->count >= before && keys->count <= TSIG_KEYS_MAX);
	for (unsigned i = 0; i < keys->count; i++) {
		const tsig_key_t *key = &keys->keys[i];
		FUZZ_CHECK(tsig_keytab_find(keys, key->name) == key);
		FUZZ_CHECK(tsig_algorithm_mac_size(key->algorithm) != 0);
		unsigned len = 0;
		char why[256];
		FUZZ_CHECK(tsig_secret_check(key->secret, &len, why, sizeof why) == RBL_OK && len == key->secret_len);
	}
}

static void key_file(const uint8_t *data, size_t size)
{
	static tsig_keytab_t read_keys, parsed_keys;
	char read_err[512], parsed_err[512];
	read_keys.count = parsed_keys.count = 0;
	fuzz_file_set(&file, data, size);
	int read_rc = tsig_keyfile_read(file.path, &read_keys, read_err, sizeof read_err);
	int parsed_rc =
	        tsig_keyfile_parse(file.path, (const char *)data, size, &parsed_keys, parsed_err, sizeof parsed_err);
	if (size > TSIG_KEYFILE_MAX) { /* the reader refuses what the parser would read */
		FUZZ_CHECK(read_rc == RBL_EIO);
		return;
	}
	FUZZ_CHECK(read_rc == parsed_rc);
	FUZZ_CHECK(read_rc != RBL_OK || read_keys.count == parsed_keys.count);
	check_table(&parsed_keys, parsed_rc, parsed_err, 0);
	if (parsed_rc != RBL_OK)
		FUZZ_CHECK(strcmp(read_err, parsed_err) == 0);
}

static void request(const uint8_t *data, size_t size)
{
	uint8_t *wire = malloc(size ? size : 1); /* its own allocation: ASan sees a read past the end */
	FUZZ_CHECK(wire != NULL);
	memcpy(wire, data, size);
	tsig_request_t r;
	FUZZ_CHECK(tsig_verify_request(wire, size, &fixed_keys, NOW, &r) == RBL_OK);
	free(wire);
	FUZZ_CHECK(r.verdict >= TSIG_NONE && r.verdict <= TSIG_BADTIME);
	bool keyed = r.verdict == TSIG_OK || r.verdict == TSIG_BADSIG || r.verdict == TSIG_BADTRUNC ||
	             r.verdict == TSIG_BADTIME;
	FUZZ_CHECK(keyed == (r.key != NULL));
	FUZZ_CHECK(r.mac_len <= TSIG_MAC_MAX && r.key_name_len <= DNAME_MAXLEN && r.algorithm_len <= DNAME_MAXLEN);
	if (r.verdict == TSIG_OK || r.verdict == TSIG_BADTRUNC)
		FUZZ_CHECK(r.mac_len >= 10);
	/* An answer for it: a header-only NOTAUTH response with the request's ID. */
	static const uint8_t header[12] = {0x10, 0x92, 0x84, 0x00};
	static uint8_t out[65535];
	size_t n = 0;
	int rc = tsig_error_answer(&r, header, sizeof header, NOW, out, sizeof out, &n);
	if (r.verdict == TSIG_NONE || r.verdict == TSIG_OK || r.verdict == TSIG_FORMERR) {
		FUZZ_CHECK(rc == RBL_EINVAL);
		return;
	}
	FUZZ_CHECK(rc == RBL_OK);
	FUZZ_CHECK(n >= sizeof header && (out[3] & 0x0f) == 9); /* NOTAUTH */
	/* The record echoes the request's names: at most both names, 10 bytes of RR header, 28 of fields */
	FUZZ_CHECK(n <= sizeof header + r.key_name_len + r.algorithm_len + 10 + 16 + 6 + 6);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		request(data + 1, size - 1);
	else
		key_file(data + 1, size - 1);
	return 0;
}
