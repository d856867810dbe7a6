/* SPDX-License-Identifier: BSD-2-Clause */
/* test_conf.c — the INI reader of conf.h: keys in file order through their setters, unknown and repeated keys and
 * bad values refused with FILE:LINE naming the key and the value, comments, sections, long lines, missing files. */
#include "base/err.h"
#include "conf/conf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct settings {
	char db[256];
	unsigned workers;
	char listen[4][64];
	unsigned listen_count;
	char secret[64];
};

static int set_db(void *target, const char *value, char *why, size_t why_size)
{
	struct settings *s = target;
	if (!*value) {
		snprintf(why, why_size, "empty");
		return RBL_EINVAL;
	}
	snprintf(s->db, sizeof s->db, "%s", value);
	return RBL_OK;
}

static int set_workers(void *target, const char *value, char *why, size_t why_size)
{
	struct settings *s = target;
	char *end;
	unsigned long v = strtoul(value, &end, 10);
	if (!*value || *end || v < 1 || v > 256) {
		snprintf(why, why_size, "expected 1..256");
		return RBL_EINVAL;
	}
	s->workers = (unsigned)v;
	return RBL_OK;
}

static int set_listen(void *target, const char *value, char *why, size_t why_size)
{
	struct settings *s = target;
	if (s->listen_count == 4) {
		snprintf(why, why_size, "at most 4");
		return RBL_EFULL;
	}
	snprintf(s->listen[s->listen_count++], sizeof s->listen[0], "%s", value);
	return RBL_OK;
}

static int set_secret(void *target, const char *value, char *why, size_t why_size)
{
	(void)why;
	(void)why_size;
	struct settings *s = target;
	snprintf(s->secret, sizeof s->secret, "%s", value);
	return RBL_OK;
}

static const conf_key_t keys[] = {
        {"", "db", false, set_db},
        {"", "workers", false, set_workers},
        {"", "listen", true, set_listen},
        {"key example", "secret", false, set_secret},
};

/* Writes text to a temporary file, reads it with the table above. */
static int read_text(const char *text, unsigned flags, struct settings *s, conf_error_t *err, char path[64])
{
	snprintf(path, 64, "/tmp/test_conf.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	memset(s, 0, sizeof *s);
	int rc = conf_read(path, keys, sizeof keys / sizeof keys[0], flags, s, err);
	unlink(path);
	return rc;
}

static void test_keys_reach_their_setters_in_file_order(void **state)
{
	(void)state;
	struct settings s;
	conf_error_t err;
	char path[64];
	assert_int_equal(read_text("# a comment\n; another\n\ndb = /var/lib/dnsbld\nworkers=4\n"
	                           "listen = 127.0.0.1:53\nlisten = [::1]:53\n[key example]\nsecret = c2VjcmV0\n",
	                           0, &s, &err, path),
	                 RBL_OK);
	assert_string_equal(s.db, "/var/lib/dnsbld");
	assert_int_equal(s.workers, 4);
	assert_int_equal(s.listen_count, 2);
	assert_string_equal(s.listen[1], "[::1]:53");
	assert_string_equal(s.secret, "c2VjcmV0");
}

static void test_a_value_keeps_semicolons_and_hashes(void **state)
{
	(void)state;
	struct settings s;
	conf_error_t err;
	char path[64];
	assert_int_equal(read_text("db = /srv/rbl;blocked #1\n", 0, &s, &err, path), RBL_OK);
	assert_string_equal(s.db, "/srv/rbl;blocked #1");
}

static void test_unknown_key_is_refused_with_its_line(void **state)
{
	(void)state;
	struct settings s;
	conf_error_t err;
	char path[64], want[128];
	assert_int_equal(read_text("db = /x\n\nwrokers = 4\n", 0, &s, &err, path), RBL_EINVAL);
	assert_int_equal(err.line, 3);
	snprintf(want, sizeof want, "%s:3: unknown key 'wrokers'", path);
	assert_string_equal(err.message, want);
}

static void test_unknown_key_is_skipped_when_asked(void **state)
{
	(void)state;
	struct settings s;
	conf_error_t err;
	char path[64];
	assert_int_equal(read_text("tcp-idle = 5\ndb = /x\n[zone \"a\"]\nnotify = 1\n", CONF_IGNORE_UNKNOWN, &s, &err,
	                           path),
	                 RBL_OK);
	assert_string_equal(s.db, "/x");
}

static void test_key_in_the_wrong_section_is_unknown(void **state)
{
	(void)state;
	struct settings s;
	conf_error_t err;
	char path[64];
	assert_int_equal(read_text("[key example]\ndb = /x\n", 0, &s, &err, path), RBL_EINVAL);
	assert_non_null(strstr(err.message, ":2: unknown key 'db' in section [key example]"));
}

static void test_single_valued_key_twice_names_both_lines(void **state)
{
	(void)state;
	struct settings s;
	conf_error_t err;
	char path[64];
	assert_int_equal(read_text("workers = 2\ndb = /x\nworkers = 3\n", 0, &s, &err, path), RBL_EINVAL);
	assert_int_equal(err.line, 3);
	assert_non_null(strstr(err.message, ":3: 'workers' is given twice (first on line 1)"));
	assert_int_equal(s.workers, 2);
}

static void test_bad_value_names_key_value_and_reason(void **state)
{
	(void)state;
	struct settings s;
	conf_error_t err;
	char path[64];
	assert_int_equal(read_text("db = /x\nworkers = lots\n", 0, &s, &err, path), RBL_EINVAL);
	assert_non_null(strstr(err.message, ":2: workers = 'lots': expected 1..256"));
}

static void test_line_without_equals_is_refused(void **state)
{
	(void)state;
	struct settings s;
	conf_error_t err;
	char path[64];
	assert_int_equal(read_text("db = /x\njust words\n", 0, &s, &err, path), RBL_EINVAL);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.message, ":2: not a 'key = value' line"));
}

static void test_line_longer_than_the_limit_is_refused_not_split(void **state)
{
	(void)state;
	struct settings s;
	conf_error_t err;
	char path[64];
	size_t n = CONF_LINE_MAX + 100;
	char *text = malloc(n + 32);
	assert_non_null(text);
	strcpy(text, "workers = 1\ndb = ");
	size_t len = strlen(text);
	memset(text + len, 'a', n);
	strcpy(text + len + n, "\n");
	assert_int_equal(read_text(text, 0, &s, &err, path), RBL_EINVAL);
	free(text);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.message, ":2: line longer than"));
}

static void test_missing_file_is_enoent_naming_it(void **state)
{
	(void)state;
	struct settings s;
	conf_error_t err;
	assert_int_equal(conf_read("/nonexistent/dnsbld.conf", keys, 4, 0, &s, &err), RBL_ENOENT);
	assert_non_null(strstr(err.message, "/nonexistent/dnsbld.conf: No such file or directory"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_keys_reach_their_setters_in_file_order),
	        cmocka_unit_test(test_a_value_keeps_semicolons_and_hashes),
	        cmocka_unit_test(test_unknown_key_is_refused_with_its_line),
	        cmocka_unit_test(test_unknown_key_is_skipped_when_asked),
	        cmocka_unit_test(test_key_in_the_wrong_section_is_unknown),
	        cmocka_unit_test(test_single_valued_key_twice_names_both_lines),
	        cmocka_unit_test(test_bad_value_names_key_value_and_reason),
	        cmocka_unit_test(test_line_without_equals_is_refused),
	        cmocka_unit_test(test_line_longer_than_the_limit_is_refused_not_split),
	        cmocka_unit_test(test_missing_file_is_enoent_naming_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
