/* SPDX-License-Identifier: BSD-2-Clause */
/* test_rbldata_input.c — the reader on whole files: bad and long lines, stray bytes, gzip, pipes, progress, no file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "formats/rbldata.h"
#include "rbldata_recorder.h"

static void test_bad_line_reports_file_line_and_text_and_can_stop(void **state)
{
	(void)state;
	rec->bad_return = RBL_EINVAL;
	assert_int_equal(read_text(RBLDATA_IP4SET, "1.0.0.1\n  1.0.0.300  \n1.0.0.3\n"), RBL_EINVAL);
	assert_int_equal(rec->nbad, 1);
	assert_string_equal(rec->bad[0].file, temp_path);
	assert_int_equal(rec->bad[0].line, 2);
	assert_string_equal(rec->bad[0].text, "1.0.0.300");
	assert_string_equal(rec->bad[0].why, "octet 300 out of range");
	assert_int_equal(rec->n, 1);
}

static void test_skipped_bad_lines_do_not_stop_the_read(void **state)
{
	(void)state;
	assert_int_equal(read_text(RBLDATA_IP4SET, "x\n1.0.0.1\n$BAD\n1.0.0.2\n:99999\n1.0.0.3\n"), 0);
	assert_int_equal(rec->nbad, 3);
	assert_int_equal(rec->n, 3);
	assert_entry(2, "1.0.0.3/32", CODE(2), NULL, 6);
}

static void test_sink_answer_stops_the_read_and_is_returned(void **state)
{
	(void)state;
	rec->stop_at = 3;
	rec->stop_value = -1; /* even the value a bad line would use internally */
	assert_int_equal(read_text(RBLDATA_IP4SET, "10.0.0.3-10.0.0.17\n1.0.0.1\n"), -1);
	assert_int_equal(rec->n, 3);
	assert_int_equal(rec->nbad, 0);
}

static void test_line_of_10000_bytes_is_a_bad_line(void **state)
{
	(void)state;
	size_t len = 10000;
	char *text = malloc(len + 64);
	assert_non_null(text);
	size_t n = (size_t)sprintf(text, "1.0.0.1\n1.0.0.2 ");
	memset(text + n, 'y', len - 8);
	n += len - 8;
	n += (size_t)sprintf(text + n, "\n1.0.0.3 z\n");
	assert_int_equal(read_bytes(RBLDATA_IP4SET, text, n), 0);
	free(text);
	assert_int_equal(rec->nbad, 1);
	assert_bad(0, 2, "line longer than 4096 bytes");
	assert_memory_equal(rec->bad[0].text, "1.0.0.2 yyy", 11);
	assert_true(strlen(rec->bad[0].text) < 200);
	assert_entry(0, "1.0.0.1/32", CODE(2), NULL, 1);
	assert_entry(1, "1.0.0.3/32", CODE(2), "z", 3);
}

static void test_line_of_4096_bytes_is_read_and_4097_is_not(void **state)
{
	(void)state;
	char text[8300];
	size_t n = 0;
	for (int extra = 0; extra < 2; extra++) {
		size_t start = n;
		n += (size_t)sprintf(text + n, "1.0.0.%d #", extra + 1);
		memset(text + n, 'c', 4096 + (size_t)extra - (n - start));
		n = start + 4096 + (size_t)extra;
		text[n++] = '\n';
	}
	assert_int_equal(read_bytes(RBLDATA_IP4SET, text, n), 0);
	assert_entry(0, "1.0.0.1/32", CODE(2), NULL, 1);
	assert_int_equal(rec->n, 1);
	assert_bad(0, 2, "line longer than 4096 bytes");
}

static void test_binary_garbage_is_a_bad_line(void **state)
{
	(void)state;
	/* Not at the very start: a file that begins with the gzip magic (1f 8b) is read as gzip. */
	static const char garbage[] = "1.0.0.1\n\x1f\x8b\xff\xfe garbage\n1.0.0\x00.1\n\x01\x02\x03\n1.0.0.4\n";
	assert_int_equal(read_bytes(RBLDATA_IP4SET, garbage, sizeof garbage - 1), 0);
	assert_int_equal(rec->nbad, 3);
	assert_bad(0, 2, "expected an IPv4 address at '\\x1f\\x8b\\xff\\xfe'");
	assert_bad(1, 3, "NUL byte in the line");
	assert_bad(2, 4, "expected an IPv4 address at '\\x01\\x02\\x03'");
	assert_entry(0, "1.0.0.1/32", CODE(2), NULL, 1);
	assert_entry(1, "1.0.0.4/32", CODE(2), NULL, 5);
}

static void test_a_line_that_is_only_a_nul_is_a_bad_line(void **state)
{
	(void)state;
	static const char text[] = "1.0.0.1\n\x00\n1.0.0.2\n1.0.0.3\x00";
	assert_int_equal(read_bytes(RBLDATA_IP4SET, text, sizeof text - 1), 0);
	assert_int_equal(rec->nbad, 2);
	assert_bad(0, 2, "NUL byte in the line");
	assert_bad(1, 4, "NUL byte in the line"); /* the last line, without a newline */
	assert_int_equal(rec->n, 2);
	assert_entry(0, "1.0.0.1/32", CODE(2), NULL, 1);
	assert_entry(1, "1.0.0.2/32", CODE(2), NULL, 3);
}

static void test_control_characters_in_txt_are_bad_lines(void **state)
{
	(void)state;
	assert_int_equal(read_text(RBLDATA_IP4SET, "1.0.0.1 :2:a\x1b[31mred\n"
	                                           "1.0.0.2 :2:tab\there\n"
	                                           ":3:bad\adefault\n"
	                                           "$1 x\x01y\n"
	                                           "1.0.0.3 :2:via $1\n"
	                                           "1.0.0.4 :2:bell\x7f\n"
	                                           "1.0.0.5 :2:fine \xc3\xa9\n"),
	                 0);
	assert_int_equal(rec->nbad, 5);
	assert_bad(0, 1, "control character 0x1b in the TXT text");
	assert_bad(1, 2, "control character 0x09 in the TXT text");
	assert_bad(2, 3, "control character 0x07 in the TXT text");
	assert_bad(3, 5, "control character 0x01 in the TXT text"); /* the variable's text, once used */
	assert_bad(4, 6, "control character 0x7f in the TXT text");
	assert_int_equal(rec->n, 1);
	assert_entry(0, "1.0.0.5/32", CODE(2), "fine \xc3\xa9", 7);
}

static void test_crlf_and_missing_final_newline(void **state)
{
	(void)state;
	assert_int_equal(read_text(RBLDATA_IP4SET, "$1 one\r\n1.0.0.1 :3:a $1\r\n\t 1.0.0.2\r\n1.0.0.3"), 0);
	assert_int_equal(rec->nbad, 0);
	assert_entry(0, "1.0.0.1/32", CODE(3), "a one", 2);
	assert_entry(1, "1.0.0.2/32", CODE(2), NULL, 3);
	assert_entry(2, "1.0.0.3/32", CODE(2), NULL, 4);
}

static void test_gzip_file_reads_like_the_plain_one(void **state)
{
	(void)state;
	assert_int_equal(read_fixture("ip4set_forms.txt", RBLDATA_IP4SET), 0);
	unsigned plain = rec->n;
	struct got_entry last = rec->entries[plain - 1];
	memset(rec, 0, sizeof *rec);
	assert_int_equal(read_fixture("ip4set_forms.txt.gz", RBLDATA_IP4SET), 0);
	assert_int_equal(rec->n, plain);
	assert_int_equal(rec->nbad, 0);
	assert_string_equal(rec->entries[plain - 1].net, last.net);
	assert_string_equal(rec->entries[plain - 1].txt, last.txt);
	assert_int_equal(rec->entries[plain - 1].line, last.line);
}

static void test_truncated_gzip_is_an_io_error(void **state)
{
	(void)state;
	assert_int_equal(read_fixture("truncated.txt.gz", RBLDATA_IP4SET), RBL_EIO);
	assert_int_equal(rec->n, 0); /* found out in the first pass, before any entry */
}

static void test_missing_file_and_bad_arguments(void **state)
{
	(void)state;
	assert_int_equal(rbldata_read("/nonexistent/rbldata", RBLDATA_IP4SET, &sink, NULL), RBL_EIO);
	assert_int_equal(rbldata_read(data_path("values.txt"), (enum rbldata_dataset)99, &sink, NULL), RBL_EINVAL);
	assert_int_equal(rbldata_read(NULL, RBLDATA_IP4SET, &sink, NULL), RBL_EINVAL);
}

static void test_null_callbacks_are_allowed(void **state)
{
	(void)state;
	const rbldata_sink_t none = {0};
	assert_int_equal(rbldata_read(data_path("combined.txt"), RBLDATA_COMBINED, &none, NULL), 0);
	assert_int_equal(rbldata_read(data_path("specials.txt"), RBLDATA_IP4SET, &none, NULL), 0);
}

static void test_pipe_is_read_once_with_variables_from_their_line_on(void **state)
{
	(void)state;
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static const char text[] = "1.0.0.1 $1\n$1 one\n1.0.0.2 $1\n";
		close(fds[0]);
		_exit(write(fds[1], text, sizeof text - 1) == (ssize_t)(sizeof text - 1) ? 0 : 1);
	}
	close(fds[1]);
	char path[64];
	snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
	assert_int_equal(rbldata_read(path, RBLDATA_IP4SET, &sink, NULL), 0);
	close(fds[0]);
	int status;
	waitpid(pid, &status, 0);
	assert_int_equal(status, 0);
	assert_entry(0, "1.0.0.1/32", CODE(2), "$$1", 1);
	assert_entry(1, "1.0.0.2/32", CODE(2), "one", 3);
}

static void test_200k_generated_lines_parse_with_progress(void **state)
{
	(void)state;
	static const char *const forms[] = {"%u.%u.%u.%u\n", "%u.%u.%u.0/24 :3:spam $\n", "%u.%u.%u.1-100\n",
	                                    "!%u.%u.%u.%u # excluded\n"};
	const unsigned lines = 200000;
	char *text = malloc((size_t)lines * 48 + 64);
	assert_non_null(text);
	size_t n = (size_t)sprintf(text, ":127.0.0.2:Listed, see http://ex.example/$\n");
	for (unsigned i = 0; i < lines - 1; i++) {
		unsigned a = i * 2654435761u;
		/* Every form takes the four octets; the ones that show fewer ignore the rest. */
		n += (size_t)sprintf(text + n, forms[i % 4], a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	}
	clock_t start = clock();
	assert_int_equal(read_bytes(RBLDATA_IP4SET, text, n), 0);
	double elapsed = (double)(clock() - start) / CLOCKS_PER_SEC;
	free(text);
	assert_int_equal(rec->nbad, 0);
	/* 1-100 is 9 CIDRs: 1/32 2/31 4/30 8/29 16/28 32/27 64/27 96/30 100/32; the last kind has one line less. */
	assert_int_equal(rec->counted, 50000ull + 50000 + 50000 * 9 + 49999);
	assert_int_equal(rec->progress_calls, lines / 65536);
	assert_int_equal(rec->last_progress_lines, 3 * 65536);
	assert_true(elapsed < 10.0); /* a sanity bound only (sanitizer builds are slow); see the report for speed */
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        T(test_bad_line_reports_file_line_and_text_and_can_stop),
	        T(test_skipped_bad_lines_do_not_stop_the_read),
	        T(test_sink_answer_stops_the_read_and_is_returned),
	        T(test_line_of_10000_bytes_is_a_bad_line),
	        T(test_line_of_4096_bytes_is_read_and_4097_is_not),
	        T(test_binary_garbage_is_a_bad_line),
	        T(test_a_line_that_is_only_a_nul_is_a_bad_line),
	        T(test_control_characters_in_txt_are_bad_lines),
	        T(test_crlf_and_missing_final_newline),
	        T(test_gzip_file_reads_like_the_plain_one),
	        T(test_truncated_gzip_is_an_io_error),
	        T(test_missing_file_and_bad_arguments),
	        T(test_null_callbacks_are_allowed),
	        T(test_pipe_is_read_once_with_variables_from_their_line_on),
	        T(test_200k_generated_lines_parse_with_progress),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
