/* SPDX-License-Identifier: BSD-2-Clause */
/* test_xfr_conf.c — the transfer sections of dnsbld.conf (xfr_conf.h) read through conf's named sections: a full
 * configuration parsed, and each kind of mistake refused with FILE:LINE naming the key and the value. */
#include "base/err.h"
#include "conf/conf.h"
#include "xfr/xfr_conf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SECRET32 "QdCevH+CiU8/uqLbVtvT/os+nIVaFeVCfjA2wmmmOfI="
#define SECRET64 "hTcEi9xkQdUqkEEjzG9WRcM4RWP9R93972+14poseHHr6SB5113wAgZ9WnvC+Yi4MxFTWIQStb2tWErV8ShnHw=="

static xfr_conf_t xfr;
static conf_error_t error;
static char conf_path[64], key_path[64];

static int set_key_file(void *target, const char *value, char *why, size_t why_size)
{
	return xfr_conf_set_key_file(target, value, why, why_size);
}

static const conf_key_t top_keys[] = {{"", "key-file", false, set_key_file}};

static void write_file(char *path, const char *pattern, const char *text)
{
	snprintf(path, 64, "%s", pattern);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* Reads text as dnsbld.conf does: the sections, then the check that every tsig-key names a key. */
static int read_conf(const char *text)
{
	write_file(conf_path, "/tmp/test_xfr_conf.XXXXXX", text);
	xfr_conf_init(&xfr);
	conf_section_kind_t kinds[XFR_CONF_KINDS];
	xfr_conf_kinds(&xfr, kinds);
	conf_table_t table = {top_keys, 1, kinds, XFR_CONF_KINDS};
	int rc = conf_read_table(conf_path, &table, 0, &xfr, &error);
	if (rc == RBL_OK)
		rc = xfr_conf_check(&xfr, conf_path, &error);
	unlink(conf_path);
	return rc;
}

static int setup(void **state)
{
	(void)state;
	write_file(key_path, "/tmp/test_xfr_keys.XXXXXX",
	           "key \"file.example\" { algorithm hmac-sha512; secret \"" SECRET64 "\"; };\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(key_path);
	return 0;
}

static void test_zones_keys_and_key_file_are_read(void **state)
{
	(void)state;
	char text[2048];
	snprintf(text, sizeof text,
	         "key-file = %s\n"
	         "[zone \"RBL.example.\"]\n"
	         "allow-transfer = 192.0.2.0/24, 2001:db8::/32\n"
	         "allow-transfer = 127.0.0.1\n"
	         "tsig-key = Transfer.Example\n"
	         "notify = 192.0.2.53 [::1]:5300, 2001:db8::53\n"
	         "notify = 127.0.0.1:5301\n"
	         "\n# the key is defined after the zone that names it\n"
	         "[key \"transfer.example\"]\n"
	         "algorithm = hmac-sha256\n"
	         "secret = " SECRET32 "\n"
	         "[zone \"other.example\"]\n"
	         "allow-transfer = 10.0.0.0/8\n"
	         "tsig-key = file.example\n",
	         key_path);
	assert_int_equal(read_conf(text), RBL_OK);
	assert_int_equal(xfr.zone_count, 2);
	assert_int_equal(xfr.keys.count, 2);
	assert_string_equal(xfr.key_file, key_path);

	const xfr_zone_t *zone = xfr_conf_zone(&xfr, "rbl.EXAMPLE");
	assert_non_null(zone);
	assert_string_equal(zone->name, "rbl.example");
	assert_int_equal(zone->line, 2);
	assert_int_equal(zone->allow_count, 3);
	char cidr[ADDR_STRLEN];
	cidr_format(&zone->allow[1], cidr);
	assert_string_equal(cidr, "2001:db8::/32");
	cidr_format(&zone->allow[2], cidr);
	assert_string_equal(cidr, "127.0.0.1/32");
	assert_int_equal(zone->notify_count, 4);
	char addr[ADDR_STRLEN];
	addr_format(&zone->notify[1].addr, addr);
	assert_string_equal(addr, "::1");
	assert_int_equal(zone->notify[1].port, 5300);
	addr_format(&zone->notify[2].addr, addr);
	assert_string_equal(addr, "2001:db8::53");
	assert_int_equal(zone->notify[2].port, 53);
	assert_int_equal(zone->notify[3].port, 5301);
	const tsig_key_t *key = xfr_zone_key(&xfr, zone);
	assert_non_null(key);
	assert_string_equal(key->name, "transfer.example");
	assert_int_equal(key->algorithm, TSIG_HMAC_SHA256);
	assert_string_equal(key->secret, SECRET32);

	zone = xfr_conf_zone(&xfr, "other.example");
	assert_non_null(zone);
	key = xfr_zone_key(&xfr, zone);
	assert_string_equal(key->name, "file.example");
	assert_int_equal(key->algorithm, TSIG_HMAC_SHA512);
	assert_null(xfr_conf_zone(&xfr, "third.example"));
}

static void test_printed_sections_name_everything_but_secrets(void **state)
{
	(void)state;
	assert_int_equal(read_conf("[key \"t.example\"]\nalgorithm = hmac-sha256\nsecret = " SECRET32 "\n"
	                           "[zone \"rbl.example\"]\nallow-transfer = 192.0.2.0/24\ntsig-key = t.example\n"
	                           "notify = [2001:db8::53]:5300\njournal-max = 2g\n"),
	                 RBL_OK);
	char printed[1024] = "";
	FILE *out = fmemopen(printed, sizeof printed - 1, "w");
	assert_non_null(out);
	xfr_conf_print(&xfr, out);
	fclose(out);
	assert_string_equal(printed, "[key \"t.example\"]\nalgorithm = hmac-sha256\n# secret: 32 bytes, not shown\n"
	                             "[zone \"rbl.example\"]\nallow-transfer = 192.0.2.0/24\ntsig-key = t.example\n"
	                             "notify = [2001:db8::53]:5300\njournal-max = 2G\n");
	assert_int_equal(xfr_conf_zone(&xfr, "rbl.example")->journal_max, 2ull << 30);
}

/* text is refused (RBL_EINVAL, or RBL_EEXIST for a twin) with error.message "FILE:" + want. */
static void refused(const char *text, const char *want)
{
	int rc = read_conf(text);
	assert_true(rc == RBL_EINVAL || rc == RBL_EEXIST);
	char full[CONF_ERROR_MAX + 64];
	snprintf(full, sizeof full, "%s:%s", conf_path, want);
	if (strcmp(error.message, full) != 0)
		print_message(" got '%s'\nwant '%s'\n", error.message, full);
	assert_string_equal(error.message, full);
}

#define ZONE "[zone \"rbl.example\"]\nallow-transfer = 192.0.2.0/24\ntsig-key = t.example\n"
#define KEY "[key \"t.example\"]\nalgorithm = hmac-sha256\nsecret = " SECRET32 "\n"

static void test_each_mistake_names_its_line_and_value(void **state)
{
	(void)state;
	refused(KEY "[zone \"rbl.example\"]\nallow-transfer = 10.0.0.0/33, 192.0.2.0/24\n",
	        "5: allow-transfer = '10.0.0.0/33, 192.0.2.0/24': '10.0.0.0/33': expected an address or a CIDR "
	        "(192.0.2.0/24, 2001:db8::/32)");
	refused(KEY "[zone \"rbl.example\"]\nallow-transfer = 192.0.2.1/24\n",
	        "5: allow-transfer = '192.0.2.1/24': '192.0.2.1/24': host bits set below the prefix length");
	refused(KEY ZONE "notify = ns1.example:53\n", "7: notify = 'ns1.example:53': 'ns1.example:53': expected ADDR, "
	                                              "ADDR:PORT or [IPV6]:PORT with a numeric "
	                                              "address (192.0.2.53, [::1]:5300)");
	refused(KEY ZONE "notify = [::1]:99999\n", "7: notify = '[::1]:99999': '[::1]:99999': expected ADDR, ADDR:PORT "
	                                           "or [IPV6]:PORT with a numeric address (192.0.2.53, [::1]:5300)");
	refused("[key \"t.example\"]\nalgorithm = hmac-md5\n", "2: algorithm = 'hmac-md5': expected hmac-sha256, "
	                                                       "hmac-sha512 or hmac-sha1 (hmac-sha224 and hmac-sha384 "
	                                                       "are not in ldns, hmac-md5 is not accepted)");
	refused("[key \"t.example\"]\nalgorithm = hmac-sha256\nsecret = c2VjcmV0!!\n",
	        "3: secret = 'c2Vj...' (10 bytes): not base64 (A-Z a-z 0-9 + /, '=' padding to 4 characters)");
	refused(KEY ZONE ZONE, "7: [zone \"rbl.example\"]: zone 'rbl.example' is given twice (first on line 4)");
	refused(KEY ZONE "[zone \"RBL.example.\"]\n",
	        "7: [zone \"RBL.example.\"]: zone 'rbl.example' is given twice (first on line 4)");
	refused(KEY KEY, "4: [key \"t.example\"]: key 't.example' is defined twice");
	refused(ZONE, "3: tsig-key = 't.example': no such key (no [key \"t.example\"] section, no key-file)");
	refused("[zone \"rbl.example\"]\ntsig-key = t.example\n\n" KEY,
	        "1: [zone \"rbl.example\"]: no allow-transfer: a transfer needs an allowed address and a TSIG key");
	refused(KEY "[zone \"rbl.example\"]\nallow-transfer = 192.0.2.0/24\n",
	        "4: [zone \"rbl.example\"]: no tsig-key: a transfer needs an allowed address and a TSIG key");
	refused("[key \"t.example\"]\nalgorithm = hmac-sha256\n", "1: [key \"t.example\"]: no secret");
	refused("[zone \"bad name\"]\n",
	        "1: [zone \"bad name\"]: a zone name must be a DNS name (letters, digits, '-', '_', '.')");
	refused("[zone rbl.example]\n", "1: [zone rbl.example]: expected [zone \"NAME\"]");
	refused(KEY ZONE "allow-query = 192.0.2.0/24\n",
	        "7: unknown key 'allow-query' in section [zone \"rbl.example\"]");
	refused(KEY ZONE "tsig-key = t.example\n", "7: 'tsig-key' is given twice in this section (first on line 6)");
	refused("allow-transfer = 192.0.2.0/24\n", "1: unknown key 'allow-transfer'");
	refused("key-file = keys.conf\n", "1: key-file = 'keys.conf': expected an absolute path");
	refused(KEY ZONE "journal-max = 1000\n",
	        "7: journal-max = '1000': expected a size from 64K to 64G (bytes, or a number with K, M or G)");
	refused(KEY ZONE "journal-max = 65G\n",
	        "7: journal-max = '65G': expected a size from 64K to 64G (bytes, or a number with K, M or G)");
	refused(KEY ZONE "journal-max = 10MB\n",
	        "7: journal-max = '10MB': expected a size from 64K to 64G (bytes, or a number with K, M or G)");
	refused(KEY ZONE "journal-max = -5M\n",
	        "7: journal-max = '-5M': expected a size from 64K to 64G (bytes, or a number with K, M or G)");
}

static void test_a_bad_key_file_is_named_with_its_own_line(void **state)
{
	(void)state;
	char path[64], text[256], want[512];
	write_file(path, "/tmp/test_xfr_badkeys.XXXXXX", "# keys\nkey \"k.example\" { algorithm hmac-sha256; };\n");
	snprintf(text, sizeof text, "key-file = %s\n", path);
	snprintf(want, sizeof want, "1: key-file = '%s': %s:2: key 'k.example': no secret", path, path);
	refused(text, want);
	snprintf(text, sizeof text, "key-file = %s\n" KEY, key_path);
	assert_int_equal(read_conf(text), RBL_OK); /* a key file and key sections together */
	snprintf(text, sizeof text,
	         "[key \"file.example\"]\nalgorithm = hmac-sha256\nsecret = " SECRET32 "\n"
	         "key-file = %s\n",
	         key_path);
	snprintf(want, sizeof want, "4: unknown key 'key-file' in section [key \"file.example\"]");
	refused(text, want); /* a top-level key after a section belongs to the section, as INI has it */
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_zones_keys_and_key_file_are_read),
	        cmocka_unit_test(test_printed_sections_name_everything_but_secrets),
	        cmocka_unit_test(test_each_mistake_names_its_line_and_value),
	        cmocka_unit_test(test_a_bad_key_file_is_named_with_its_own_line),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
