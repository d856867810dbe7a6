/* SPDX-License-Identifier: BSD-2-Clause */
/* test_tsig_key.c — TSIG algorithms, secrets and the key table (tsig_key.h): what is accepted, what is refused and
 * the words that say why. */
#include "base/err.h"
#include "xfr/tsig_key.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#define SECRET32 "QdCevH+CiU8/uqLbVtvT/os+nIVaFeVCfjA2wmmmOfI="

static void test_algorithms_are_read_in_any_case_with_a_final_dot(void **state)
{
	(void)state;
	enum tsig_algorithm a;
	char why[256];
	assert_int_equal(tsig_algorithm_parse("hmac-sha256", &a, why, sizeof why), RBL_OK);
	assert_int_equal(a, TSIG_HMAC_SHA256);
	assert_int_equal(tsig_algorithm_parse("HMAC-SHA512.", &a, why, sizeof why), RBL_OK);
	assert_int_equal(a, TSIG_HMAC_SHA512);
	assert_int_equal(tsig_algorithm_parse("hmac-sha1", &a, why, sizeof why), RBL_OK);
	assert_int_equal(a, TSIG_HMAC_SHA1);
	assert_string_equal(tsig_algorithm_name(TSIG_HMAC_SHA512), "hmac-sha512");
	assert_int_equal(tsig_algorithm_mac_size(TSIG_HMAC_SHA1), 20);
	assert_int_equal(tsig_algorithm_mac_size(TSIG_HMAC_SHA256), 32);
}

static void test_algorithms_ldns_cannot_compute_are_refused_with_the_reason(void **state)
{
	(void)state;
	enum tsig_algorithm a;
	const char *refused[] = {"hmac-sha384",  "hmac-sha224", "hmac-md5", "hmac-md5.sig-alg.reg.int", "sha256", "",
	                         "hmac-sha256.."};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		char why[256] = "";
		assert_int_equal(tsig_algorithm_parse(refused[i], &a, why, sizeof why), RBL_EINVAL);
		assert_non_null(strstr(why, "expected hmac-sha256"));
	}
}

static void test_secret_lengths_and_alphabet_are_checked(void **state)
{
	(void)state;
	unsigned n = 0;
	char why[256];
	assert_int_equal(tsig_secret_check(SECRET32, &n, why, sizeof why), RBL_OK);
	assert_int_equal(n, 32);
	assert_int_equal(tsig_secret_check("AAAAAAAAAAAAAAAAAAAAAA==", &n, why, sizeof why), RBL_OK); /* 16 bytes */
	assert_int_equal(n, 16);
	assert_int_equal(tsig_secret_check("AAAAAAAAAAAAAAAAAAAA", &n, why, sizeof why), RBL_ERANGE); /* 15 bytes */
	assert_non_null(strstr(why, "15 bytes of key: expected 16..256"));
	const char *bad[] = {"QdCevH+CiU8/uqLbVtvT/os+nIVaFeVCfjA2wmmmOfI",
	                     "QdCevH+CiU8/uqLbVtvT/os+nIV!FeVCfjA2wmmmOfI=",
	                     "QdCevH+CiU8/uqLbVtvT/os+nIVa FeVCfjA2wmmmOfI=",
	                     "",
	                     "====",
	                     "AA=A"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(tsig_secret_check(bad[i], &n, why, sizeof why), RBL_EINVAL);
		assert_non_null(strstr(why, "not base64"));
	}
	char longest[400];
	memset(longest, 'A', 344);
	longest[344] = '\0'; /* 258 bytes */
	assert_int_equal(tsig_secret_check(longest, &n, why, sizeof why), RBL_ERANGE);
	memset(longest, 'A', sizeof longest - 1);
	longest[sizeof longest - 1] = '\0';
	assert_int_equal(tsig_secret_check(longest, &n, why, sizeof why), RBL_ERANGE);
	assert_non_null(strstr(why, "longer than 256 bytes"));
}

static void test_key_table_finds_names_without_case_and_refuses_twins(void **state)
{
	(void)state;
	static tsig_keytab_t keys;
	tsig_key_t key;
	char why[256];
	assert_int_equal(tsig_key_make(&key, "Transfer.Example.", "hmac-sha256", SECRET32, why, sizeof why), RBL_OK);
	assert_string_equal(key.name, "transfer.example");
	assert_int_equal(tsig_keytab_add(&keys, &key, why, sizeof why), RBL_OK);
	assert_non_null(tsig_keytab_find(&keys, "TRANSFER.example."));
	assert_null(tsig_keytab_find(&keys, "transfer.example.org"));
	assert_int_equal(tsig_keytab_add(&keys, &key, why, sizeof why), RBL_EEXIST);
	assert_string_equal(why, "key 'transfer.example' is defined twice");
	for (unsigned i = 1; i < TSIG_KEYS_MAX; i++) {
		char name[32];
		snprintf(name, sizeof name, "k%u.example", i);
		assert_int_equal(tsig_key_make(&key, name, "hmac-sha256", SECRET32, why, sizeof why), RBL_OK);
		assert_int_equal(tsig_keytab_add(&keys, &key, why, sizeof why), RBL_OK);
	}
	assert_int_equal(tsig_key_make(&key, "one-more.example", "hmac-sha256", SECRET32, why, sizeof why), RBL_OK);
	assert_int_equal(tsig_keytab_add(&keys, &key, why, sizeof why), RBL_EFULL);
}

static void test_key_make_names_the_part_that_is_wrong(void **state)
{
	(void)state;
	tsig_key_t key;
	memset(&key, 0x5a, sizeof key);
	char why[256];
	assert_int_equal(tsig_key_make(&key, "bad name", "hmac-sha256", SECRET32, why, sizeof why), RBL_EINVAL);
	assert_non_null(strstr(why, "the key name"));
	assert_int_equal(tsig_key_make(&key, "k.example", "hmac-sha384", SECRET32, why, sizeof why), RBL_EINVAL);
	assert_non_null(strstr(why, "key 'k.example': expected hmac-sha256"));
	assert_int_equal(tsig_key_make(&key, "k.example", "hmac-sha256", "c2VjcmV0", why, sizeof why), RBL_ERANGE);
	assert_non_null(strstr(why, "key 'k.example': 6 bytes of key"));
	assert_int_equal(key.name[0], 0x5a); /* unchanged on error */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_algorithms_are_read_in_any_case_with_a_final_dot),
	        cmocka_unit_test(test_algorithms_ldns_cannot_compute_are_refused_with_the_reason),
	        cmocka_unit_test(test_secret_lengths_and_alphabet_are_checked),
	        cmocka_unit_test(test_key_table_finds_names_without_case_and_refuses_twins),
	        cmocka_unit_test(test_key_make_names_the_part_that_is_wrong),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
