/* SPDX-License-Identifier: BSD-2-Clause */
/* test_conf.c — the INI reader of conf.h: keys in file order through their setters, unknown and repeated keys and
 * bad values refused with FILE:LINE naming the key and the value, comments, sections, long lines, missing files;
 * named sections ([zone "NAME"]): their setters told the name and line, open and close hooks, bad headers. */
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

static void test_a_line_of_a_thousand_bytes_is_read_whole(void **state)
{
	(void)state;
	struct settings s;
	conf_error_t err;
	char path[64], text[1100];
	strcpy(text, "workers = 2\nlisten = ");
	size_t len = strlen(text);
	memset(text + len, 'a', 1000);
	strcpy(text + len + 1000, "\nworkers = 3\n"); /* inih's default buffer would cut it at 200 bytes */
	assert_int_equal(read_text(text, 0, &s, &err, path), RBL_EINVAL);
	assert_non_null(strstr(err.message, ":3: 'workers' is given twice (first on line 1)"));
	assert_int_equal(s.listen_count, 1);
}

static void test_missing_file_is_enoent_naming_it(void **state)
{
	(void)state;
	struct settings s;
	conf_error_t err;
	assert_int_equal(conf_read("/nonexistent/dnsbld.conf", keys, 4, 0, &s, &err), RBL_ENOENT);
	assert_non_null(strstr(err.message, "/nonexistent/dnsbld.conf: No such file or directory"));
}


/* Named sections: a kind "zone" whose setters and hooks write what they saw into a log. */
struct zones {
	char log[1024];
	bool refuse_close;
};

static void note(struct zones *z, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct zones *z, const char *fmt, ...)
{
	va_list ap;
	size_t len = strlen(z->log);
	va_start(ap, fmt);
	vsnprintf(z->log + len, sizeof z->log - len, fmt, ap);
	va_end(ap);
}

static int zone_open(void *target, const conf_place_t *at, char *why, size_t why_size)
{
	(void)why;
	(void)why_size;
	note(target, "open %s@%u;", at->section, at->line);
	return RBL_OK;
}

static int zone_close(void *target, const conf_place_t *at, char *why, size_t why_size)
{
	struct zones *z = target;
	note(z, "close %s@%u;", at->section, at->line);
	if (z->refuse_close) {
		snprintf(why, why_size, "no notify");
		return RBL_EINVAL;
	}
	return RBL_OK;
}

static int zone_notify(void *target, const conf_place_t *at, const char *value, char *why, size_t why_size)
{
	if (strcmp(value, "bad") == 0) {
		snprintf(why, why_size, "expected an address");
		return RBL_EINVAL;
	}
	note(target, "notify %s=%s@%u;", at->section, value, at->line);
	return RBL_OK;
}

static int zone_secret(void *target, const conf_place_t *at, const char *value, char *why, size_t why_size)
{
	(void)target;
	(void)at;
	if (strlen(value) < 8) {
		snprintf(why, why_size, "too short");
		return RBL_EINVAL;
	}
	return RBL_OK;
}

static const conf_section_key_t zone_keys[] = {
        {"notify", true, false, zone_notify},
        {"secret", false, true, zone_secret},
};

static struct zones zones;

/* Reads text with the keys above plus the kind "zone". */
static int read_named(const char *text, unsigned flags, struct settings *s, conf_error_t *err, char path[64])
{
	snprintf(path, 64, "/tmp/test_conf.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	memset(s, 0, sizeof *s);
	bool refuse = zones.refuse_close;
	memset(&zones, 0, sizeof zones);
	zones.refuse_close = refuse;
	conf_section_kind_t kind = {"zone", zone_keys, 2, zone_open, zone_close, &zones};
	conf_table_t table = {keys, sizeof keys / sizeof keys[0], &kind, 1};
	int rc = conf_read_table(path, &table, flags, s, err);
	unlink(path);
	return rc;
}

static void test_named_sections_tell_setters_and_hooks_their_name_and_line(void **state)
{
	(void)state;
	struct settings s;
	conf_error_t err;
	char path[64];
	assert_int_equal(read_named("db = /x\n[zone \"a.example\"]\nnotify = 1\nnotify = 2\n[key example]\n"
	                            "secret = c2VjcmV0\n  [zone  \"b.example\"]  \n# comment\nnotify = 3\n",
	                            0, &s, &err, path),
	                 RBL_OK);
	assert_string_equal(s.db, "/x");
	assert_string_equal(s.secret, "c2VjcmV0"); /* a fixed section between two named ones */
	assert_string_equal(zones.log, "open a.example@2;notify a.example=1@3;notify a.example=2@4;close a.example@2;"
	                               "open b.example@7;notify b.example=3@9;close b.example@7;");
}

static void test_a_name_longer_than_inih_keeps_is_seen_whole(void **state)
{
	(void)state;
	struct settings s;
	conf_error_t err;
	char path[64], text[512], want[512];
	char name[201];
	memset(name, 'x', 200);
	name[200] = '\0';
	snprintf(text, sizeof text, "[zone \"%s\"]\nnotify = 1\nunknown = 2\n", name);
	assert_int_equal(read_named(text, 0, &s, &err, path), RBL_EINVAL);
	snprintf(want, sizeof want, "open %s@1;notify %s=1@2;", name, name);
	assert_string_equal(zones.log, want);
	snprintf(want, sizeof want, ":3: unknown key 'unknown' in section [zone \"%s\"]", name);
	assert_non_null(strstr(err.message, want));
}

static void test_close_hook_error_names_the_header_line(void **state)
{
	(void)state;
	struct settings s;
	conf_error_t err;
	char path[64];
	zones.refuse_close = true;
	assert_int_equal(read_named("[zone \"a.example\"]\n\nnotify = 1\n", 0, &s, &err, path), RBL_EINVAL);
	zones.refuse_close = false;
	assert_int_equal(err.line, 1);
	assert_non_null(strstr(err.message, ":1: [zone \"a.example\"]: no notify"));
}

static void test_bad_named_headers_are_refused(void **state)
{
	(void)state;
	struct settings s;
	conf_error_t err;
	char path[64];
	static const struct {
		const char *text, *want;
	} cases[] = {
	        {"db = /x\n[zone]\n", ":2: [zone]: expected [zone \"NAME\"]"},
	        {"[zone a.example]\n", ":1: [zone a.example]: expected [zone \"NAME\"]"},
	        {"[zone \"a.example]\n", ":1: [zone \"a.example]: expected [zone \"NAME\"]"},
	        {"[zone \"a\" \"b\"]\n", ":1: [zone \"a\" \"b\"]: expected [zone \"NAME\"]"},
	        {"[zone \"a.example\"] notify = 1\n", ":1: [zone \"a.example\"]: text after ']'"},
	        {"[zone \"\"]\n", ":1: [zone \"\"]: the name must be 1..255 bytes"},
	        {"[zone \"a\\.b\"]\n", ":1: [zone \"a\\.b\"]: control characters and '\\' are not allowed in a name"},
	        {"[zone \"a\tb\"]\n", ":1: [zone \"a\tb\"]: control characters and '\\' are not allowed in a name"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(read_named(cases[i].text, 0, &s, &err, path), RBL_EINVAL);
		if (!strstr(err.message, cases[i].want))
			print_message("%s\n got %s\nwant %s\n", cases[i].text, err.message, cases[i].want);
		assert_non_null(strstr(err.message, cases[i].want));
	}
	char text[400];
	memset(text, 'x', sizeof text);
	memcpy(text, "[zone \"", 7);
	memcpy(text + 7 + 256, "\"]\n", 4);
	assert_int_equal(read_named(text, 0, &s, &err, path), RBL_EINVAL);
	assert_non_null(strstr(err.message, "the name must be 1..255 bytes"));
}

static void test_named_keys_twice_outside_or_secret_are_reported_so(void **state)
{
	(void)state;
	struct settings s;
	conf_error_t err;
	char path[64];
	assert_int_equal(read_named("notify = 1\n", 0, &s, &err, path), RBL_EINVAL);
	assert_non_null(strstr(err.message, ":1: unknown key 'notify'"));
	assert_int_equal(read_named("[zone \"a\"]\nsecret = 12345678\nsecret = 12345678\n", 0, &s, &err, path),
	                 RBL_EINVAL);
	assert_non_null(strstr(err.message, ":3: 'secret' is given twice in this section (first on line 2)"));
	assert_int_equal(read_named("[zone \"a\"]\nsecret = 12345678\n[zone \"b\"]\nsecret = 12345678\n", 0, &s, &err,
	                            path),
	                 RBL_OK); /* once per section */
	assert_int_equal(read_named("[zone \"a\"]\nsecret = hunter\n", 0, &s, &err, path), RBL_EINVAL);
	assert_non_null(strstr(err.message, ":2: secret = 'hunt...' (6 bytes): too short"));
	assert_null(strstr(err.message, "hunter"));
	assert_int_equal(read_named("[zone \"a\"]\nnotify = bad\n", 0, &s, &err, path), RBL_EINVAL);
	assert_non_null(strstr(err.message, ":2: notify = 'bad': expected an address"));
	assert_int_equal(read_named("[zone \"a\"]\nallow-query = 1\nnotify = 1\n", CONF_IGNORE_UNKNOWN, &s, &err, path),
	                 RBL_OK);
	assert_string_equal(zones.log, "open a@1;notify a=1@3;close a@1;");
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
	        cmocka_unit_test(test_a_line_of_a_thousand_bytes_is_read_whole),
	        cmocka_unit_test(test_missing_file_is_enoent_naming_it),
	        cmocka_unit_test(test_named_sections_tell_setters_and_hooks_their_name_and_line),
	        cmocka_unit_test(test_a_name_longer_than_inih_keeps_is_seen_whole),
	        cmocka_unit_test(test_close_hook_error_names_the_header_line),
	        cmocka_unit_test(test_bad_named_headers_are_refused),
	        cmocka_unit_test(test_named_keys_twice_outside_or_secret_are_reported_so),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
