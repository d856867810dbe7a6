/* SPDX-License-Identifier: BSD-2-Clause */
/* test_tsig_keyfile.c — BIND-format key files (tsig_keyfile.h): several keys among comments, and every kind of bad
 * file refused with FILE:LINE and the bad value, the table left as it was. */
#include "base/err.h"
#include "xfr/tsig_keyfile.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#define SECRET32 "QdCevH+CiU8/uqLbVtvT/os+nIVaFeVCfjA2wmmmOfI="
#define SECRET64 "hTcEi9xkQdUqkEEjzG9WRcM4RWP9R93972+14poseHHr6SB5113wAgZ9WnvC+Yi4MxFTWIQStb2tWErV8ShnHw=="

static tsig_keytab_t keys;
static char err[640];

static int parse(const char *text)
{
	memset(&keys, 0, sizeof keys);
	err[0] = '\0';
	return tsig_keyfile_parse("keys.conf", text, strlen(text), &keys, err, sizeof err);
}

static void test_keys_among_comments_are_read_in_order(void **state)
{
	(void)state;
	assert_int_equal(parse("# tsig-keygen output, edited\n"
	                       "key \"transfer.rbl.example\" {\n"
	                       "\talgorithm hmac-sha256;\n"
	                       "\tsecret \"" SECRET32 "\";\n"
	                       "};\n"
	                       "// a second one, written by knotc\n"
	                       "key other.example { secret \"" SECRET64
	                       "\"; /* order is free */ algorithm HMAC-SHA512; };"
	                       "\n/* a last\n comment */\n"),
	                 RBL_OK);
	assert_int_equal(keys.count, 2);
	assert_string_equal(keys.keys[0].name, "transfer.rbl.example");
	assert_int_equal(keys.keys[0].algorithm, TSIG_HMAC_SHA256);
	assert_string_equal(keys.keys[0].secret, SECRET32);
	assert_int_equal(keys.keys[0].secret_len, 32);
	assert_string_equal(keys.keys[1].name, "other.example");
	assert_int_equal(keys.keys[1].algorithm, TSIG_HMAC_SHA512);
	assert_int_equal(keys.keys[1].secret_len, 64);
	assert_int_equal(parse(""), RBL_OK);
	assert_int_equal(keys.count, 0);
}

/* text must be refused with code, and err must be exactly want. */
static void refused(const char *text, int code, const char *want)
{
	memset(&keys, 0, sizeof keys);
	const char *first = "key \"first.example\" { algorithm hmac-sha256; secret \"" SECRET32 "\"; };\n";
	char *whole = malloc(strlen(first) + strlen(text) + 1);
	assert_non_null(whole);
	strcpy(whole, first);
	strcat(whole, text);
	int rc = tsig_keyfile_parse("keys.conf", whole, strlen(whole), &keys, err, sizeof err);
	free(whole);
	if (rc != code || strcmp(err, want) != 0)
		print_message("for %s\n got %d '%s'\nwant %d '%s'\n", text, rc, err, code, want);
	assert_int_equal(rc, code);
	assert_string_equal(err, want);
	assert_int_equal(keys.count, 0); /* the good key before the bad one is not kept */
}

static void test_each_bad_file_names_its_line_and_value(void **state)
{
	(void)state;
	refused("options { directory \"/x\"; };\n", RBL_EINVAL,
	        "keys.conf:2: 'options': only key statements are read from a key file");
	refused("key \"k.example\" {\n algorithm hmac-sha384;\n secret \"" SECRET32 "\";\n};\n", RBL_EINVAL,
	        "keys.conf:3: key 'k.example': algorithm 'hmac-sha384': expected hmac-sha256, hmac-sha512 or hmac-sha1 "
	        "(hmac-sha224 and hmac-sha384 are not in ldns, hmac-md5 is not accepted)");
	refused("key \"k.example\" {\n algorithm hmac-sha256;\n secret \"c2VjcmV0!!\";\n};\n", RBL_EINVAL,
	        "keys.conf:4: key 'k.example': secret 'c2Vj...' (10 characters): not base64 (A-Z a-z 0-9 + /, '=' "
	        "padding to 4 characters)");
	refused("key \"k.example\" { algorithm hmac-sha256; secret \"c2VjcmV0\"; };\n", RBL_ERANGE,
	        "keys.conf:2: key 'k.example': secret 'c2Vj...' (8 characters): 6 bytes of key: expected 16..256");
	refused("key \"k.example\" { algorithm hmac-sha256; };\n", RBL_EINVAL,
	        "keys.conf:2: key 'k.example': no secret");
	refused("key \"k.example\" {\n secret \"" SECRET32 "\";\n};\n", RBL_EINVAL,
	        "keys.conf:2: key 'k.example': no algorithm");
	refused("key \"bad name!\" { algorithm hmac-sha256; secret \"" SECRET32 "\"; };\n", RBL_EINVAL,
	        "keys.conf:2: key name 'bad name!': expected a DNS name");
	refused("key \"first.example\" { algorithm hmac-sha1; secret \"" SECRET32 "\"; };\n", RBL_EEXIST,
	        "keys.conf:2: key 'first.example' is defined twice");
	refused("key \"k.example\" { algorithm hmac-sha256; algorithm hmac-sha1; };\n", RBL_EINVAL,
	        "keys.conf:2: 'algorithm' is given twice (first on line 2)");
	refused("key \"k.example\" { algorithm hmac-sha256; secret \"" SECRET32 "\"; keep yes; };\n", RBL_EINVAL,
	        "keys.conf:2: key 'k.example': 'keep': expected algorithm or secret");
	refused("key \"k.example\" { algorithm hmac-sha256 secret \"" SECRET32 "\"; };\n", RBL_EINVAL,
	        "keys.conf:2: expected ';', found 'secret'");
	refused("key \"k.example\" { algorithm hmac-sha256; secret \"" SECRET32 "\"; }\n", RBL_EINVAL,
	        "keys.conf:3: expected ';' after '}', found the end of the file");
	refused("key \"k.example\" {\n algorithm hmac-sha256;\n", RBL_EINVAL,
	        "keys.conf:2: key 'k.example': '{' not closed");
	refused("\n/* never closed\n", RBL_EINVAL, "keys.conf:3: comment not closed");
	refused("key \"k.example\n\" {};\n", RBL_EINVAL, "keys.conf:2: a string not closed on its line");
	refused("key \"k\\.example\" {};\n", RBL_EINVAL,
	        "keys.conf:2: escapes and NUL bytes are not allowed in a string");
	refused("key \x01", RBL_EINVAL, "keys.conf:2: unexpected byte 0x01");
}

static void test_a_nul_byte_and_an_overlong_word_are_refused(void **state)
{
	(void)state;
	static const char text[] = "key \"k.example\" {\0 };";
	memset(&keys, 0, sizeof keys);
	assert_int_equal(tsig_keyfile_parse("keys.conf", text, sizeof text - 1, &keys, err, sizeof err), RBL_EINVAL);
	assert_string_equal(err, "keys.conf:1: a NUL byte");
	char word[600];
	memset(word, 'a', sizeof word - 1);
	word[sizeof word - 1] = '\0';
	assert_int_equal(parse(word), RBL_EINVAL);
	assert_string_equal(err, "keys.conf:1: a word longer than 400 bytes");
}

static void test_a_missing_or_oversized_file_is_refused_naming_it(void **state)
{
	(void)state;
	memset(&keys, 0, sizeof keys);
	assert_int_equal(tsig_keyfile_read("/nonexistent/keys.conf", &keys, err, sizeof err), RBL_ENOENT);
	assert_string_equal(err, "/nonexistent/keys.conf: No such file or directory");
	char path[] = "/tmp/test_tsig_keyfile.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	static char big[TSIG_KEYFILE_MAX + 1];
	memset(big, '#', sizeof big);
	assert_int_equal(write(fd, big, sizeof big), (ssize_t)sizeof big);
	close(fd);
	assert_int_equal(tsig_keyfile_read(path, &keys, err, sizeof err), RBL_EIO);
	assert_non_null(strstr(err, ": longer than 65536 bytes"));
	fd = open(path, O_WRONLY | O_TRUNC);
	const char *good = "key k.example { algorithm hmac-sha256; secret \"" SECRET32 "\"; };\n";
	assert_int_equal(write(fd, good, strlen(good)), (ssize_t)strlen(good));
	close(fd);
	assert_int_equal(tsig_keyfile_read(path, &keys, err, sizeof err), RBL_OK);
	assert_int_equal(keys.count, 1);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_keys_among_comments_are_read_in_order),
	        cmocka_unit_test(test_each_bad_file_names_its_line_and_value),
	        cmocka_unit_test(test_a_nul_byte_and_an_overlong_word_are_refused),
	        cmocka_unit_test(test_a_missing_or_oversized_file_is_refused_naming_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
