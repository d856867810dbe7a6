/* SPDX-License-Identifier: BSD-2-Clause */
/* test_qlog.c — dnsbld's query log (dnsbld/qlog.c): the exact lines, the codes read from the response, a full ring
 * dropping and counting, sampling one query in N, reopening after the file was renamed, the writer thread. */
#include "qlog.h"

#include "query/wire.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

typedef struct fixture {
	char dir[64];
	char path[128];
	uint8_t query[512];
	size_t query_len;
	uint8_t response[512];
	size_t response_len;
	answer_info_t info;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
} fixture_t;

/* A query for the wire name (length-prefixed labels, ending in 0) of qname_len bytes. */
static void make_query(fixture_t *f, const uint8_t *qname, size_t qname_len, uint16_t qtype)
{
	static const uint8_t header[WIRE_HEADER_LEN] = {0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
	memcpy(f->query, header, sizeof header);
	memcpy(f->query + WIRE_HEADER_LEN, qname, qname_len);
	size_t o = WIRE_HEADER_LEN + qname_len;
	f->query[o++] = (uint8_t)(qtype >> 8);
	f->query[o++] = (uint8_t)qtype;
	f->query[o++] = 0;
	f->query[o++] = 1;
	f->query_len = o;
	f->info = (answer_info_t){.kind = ANSWER_NXDOMAIN,
	                          .rcode = WIRE_R_NXDOMAIN,
	                          .qtype = qtype,
	                          .zone = -1,
	                          .qname_len = (uint16_t)qname_len};
	memcpy(f->response, f->query, f->query_len);
	f->response[2] = 0x84;
	f->response[3] = WIRE_R_NXDOMAIN;
	f->response_len = f->query_len;
}

/* Makes the response a listed NOERROR with these A records (and a TXT record between them, to be skipped). */
static void answer_with(fixture_t *f, unsigned count, const char *const *addrs)
{
	f->info.kind = ANSWER_POSITIVE;
	f->info.rcode = WIRE_R_NOERROR;
	f->info.listed = true;
	f->response[3] = WIRE_R_NOERROR;
	f->response[7] = (uint8_t)(count + 1);
	size_t o = f->query_len;
	for (unsigned i = 0; i < count; i++) {
		static const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4};
		memcpy(f->response + o, rr, sizeof rr);
		o += sizeof rr;
		assert_int_equal(inet_pton(AF_INET, addrs[i], f->response + o), 1);
		o += 4;
		if (i == 0) {
			static const uint8_t txt[] = {0xc0, 0x0c, 0, 16, 0, 1, 0, 0, 0x0e, 0x10, 0, 3, 2, 'h', 'i'};
			memcpy(f->response + o, txt, sizeof txt);
			o += sizeof txt;
		}
	}
	f->response_len = o;
}

static const uint8_t listed_name[] = "\0012\0010\0010\003127\006relays\003rbl\007example";
#define LISTED_LEN sizeof listed_name /* the string's own NUL is the root label */

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/test_qlog.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/query.log", f->dir);
	f->v4.sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &f->v4.sin_addr);
	f->v6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::53", &f->v6.sin6_addr);
	make_query(f, listed_name, LISTED_LEN, WIRE_T_A);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* 2026-12-05T03:04:05.123Z */
#define SOME_TIME_MS 1796439845123LL

static const char *line_of(fixture_t *f, const struct sockaddr *peer, bool tcp)
{
	static char line[QLOG_LINE_MAX];
	qlog_record_t rec;
	qlog_record_fill(&rec, SOME_TIME_MS, peer, f->query, f->query_len, &f->info, f->response, f->response_len, tcp);
	size_t n = qlog_format(&rec, line, sizeof line);
	assert_int_equal(n, strlen(line));
	return line;
}

static char *read_file(const char *path)
{
	static char text[1 << 16];
	FILE *in = fopen(path, "r");
	if (!in)
		return NULL;
	size_t n = fread(text, 1, sizeof text - 1, in);
	text[n] = '\0';
	fclose(in);
	return text;
}

static unsigned count_lines(const char *text)
{
	unsigned n = 0;
	for (; text && *text; text++)
		n += *text == '\n';
	return n;
}

static void test_a_listed_answer_is_one_line_with_its_codes(void **state)
{
	fixture_t *f = *state;
	answer_with(f, 2, (const char *const[]){"127.0.0.2", "127.0.0.4"});
	assert_string_equal(line_of(f, (struct sockaddr *)&f->v4, false),
	                    "2026-12-05T03:04:05.123Z 127.0.0.1 2.0.0.127.relays.rbl.example A NOERROR "
	                    "127.0.0.2,127.0.0.4 udp\n");
}

static void test_nxdomain_over_tcp_from_ipv6_has_no_codes(void **state)
{
	fixture_t *f = *state;
	assert_string_equal(line_of(f, (struct sockaddr *)&f->v6, true),
	                    "2026-12-05T03:04:05.123Z 2001:db8::53 2.0.0.127.relays.rbl.example A NXDOMAIN - tcp\n");
}

static void test_a_name_with_odd_bytes_is_lowercased_and_escaped(void **state)
{
	fixture_t *f = *state;
	static const uint8_t odd[] = "\005A\n.\\\x7f\004B C\xff\003RBL";
	make_query(f, odd, sizeof odd, 1234);
	assert_string_equal(
	        line_of(f, (struct sockaddr *)&f->v4, false),
	        "2026-12-05T03:04:05.123Z 127.0.0.1 a\\010\\.\\\\\\127.b\\032c\\255.rbl TYPE1234 NXDOMAIN - "
	        "udp\n");
	f->info.qtype = 65;
	f->info.rcode = 9;
	assert_non_null(strstr(line_of(f, (struct sockaddr *)&f->v4, false), " HTTPS RCODE9 - udp\n"));
}

static void test_unread_question_and_root_name(void **state)
{
	fixture_t *f = *state;
	make_query(f, (const uint8_t *)"", 1, WIRE_T_NS);
	assert_string_equal(line_of(f, (struct sockaddr *)&f->v4, false),
	                    "2026-12-05T03:04:05.123Z 127.0.0.1 . NS NXDOMAIN - udp\n");
	f->info = (answer_info_t){.kind = ANSWER_MALFORMED, .rcode = WIRE_R_FORMERR, .zone = -1};
	assert_string_equal(line_of(f, (struct sockaddr *)&f->v4, false),
	                    "2026-12-05T03:04:05.123Z 127.0.0.1 - - FORMERR - udp\n");
}

static void test_a_truncated_response_gives_the_codes_it_holds(void **state)
{
	fixture_t *f = *state;
	answer_with(f, 2, (const char *const[]){"127.0.0.2", "127.0.0.3"});
	f->response_len -= 3; /* the second A record cut short */
	assert_non_null(strstr(line_of(f, (struct sockaddr *)&f->v4, false), " NOERROR 127.0.0.2 udp\n"));
}

static void test_a_full_ring_drops_and_counts(void **state)
{
	fixture_t *f = *state;
	qlog_t *q;
	char err[256];
	assert_int_equal(qlog_new(f->path, 2, 1, 4, &q), 0);
	assert_int_equal(qlog_open_file(q, err, sizeof err), 0);
	qlog_ring_t *ring = qlog_ring(q, 1);
	for (int i = 0; i < 4; i++)
		assert_true(qlog_query(ring, (struct sockaddr *)&f->v4, f->query, f->query_len, &f->info, f->response,
		                       f->response_len, false));
	assert_false(qlog_query(ring, (struct sockaddr *)&f->v4, f->query, f->query_len, &f->info, f->response,
	                        f->response_len, false));
	assert_false(qlog_query(ring, (struct sockaddr *)&f->v4, f->query, f->query_len, &f->info, f->response,
	                        f->response_len, true));
	assert_int_equal(qlog_dropped(q), 2);
	qlog_sync(q); /* drained: room again */
	assert_true(qlog_query(ring, (struct sockaddr *)&f->v4, f->query, f->query_len, &f->info, f->response,
	                       f->response_len, false));
	qlog_free(q);
	const char *text = read_file(f->path);
	assert_int_equal(count_lines(text), 5);
	assert_non_null(strstr(text, " 127.0.0.1 2.0.0.127.relays.rbl.example A NXDOMAIN - udp\n"));
}

static void test_sampling_keeps_one_query_in_n(void **state)
{
	fixture_t *f = *state;
	qlog_t *q;
	char err[256];
	assert_int_equal(qlog_new(f->path, 1, 10, 256, &q), 0);
	assert_int_equal(qlog_open_file(q, err, sizeof err), 0);
	for (int i = 0; i < 105; i++)
		qlog_query(qlog_ring(q, 0), (struct sockaddr *)&f->v4, f->query, f->query_len, &f->info, f->response,
		           f->response_len, false);
	qlog_free(q);
	assert_int_equal(count_lines(read_file(f->path)), 10);
}

static void log_one(qlog_t *q, fixture_t *f, bool tcp)
{
	assert_true(qlog_query(qlog_ring(q, 0), (struct sockaddr *)&f->v4, f->query, f->query_len, &f->info,
	                       f->response, f->response_len, tcp));
}

static void test_reopen_after_a_rename_writes_to_the_new_file(void **state)
{
	fixture_t *f = *state;
	qlog_t *q;
	char err[256], rotated[160];
	assert_int_equal(qlog_new(f->path, 1, 1, 16, &q), 0);
	assert_int_equal(qlog_open_file(q, err, sizeof err), 0);
	log_one(q, f, false);
	qlog_sync(q);
	snprintf(rotated, sizeof rotated, "%s.1", f->path);
	assert_int_equal(rename(f->path, rotated), 0);
	log_one(q, f, false); /* before the reopen: still the old file */
	qlog_sync(q);
	qlog_reopen(q);
	log_one(q, f, true);
	qlog_sync(q);
	assert_int_equal(count_lines(read_file(rotated)), 2);
	const char *text = read_file(f->path);
	assert_int_equal(count_lines(text), 1);
	assert_non_null(strstr(text, " tcp\n"));
	/* The mode: 0640, whatever the umask allows of it. */
	assert_int_equal(access(f->path, W_OK), 0);
	qlog_free(q);
}

static void test_a_file_that_cannot_be_opened_is_named(void **state)
{
	fixture_t *f = *state;
	qlog_t *q;
	char err[256], path[160];
	snprintf(path, sizeof path, "%s/no/such/dir/query.log", f->dir);
	assert_int_equal(qlog_new(path, 1, 1, 16, &q), 0);
	assert_int_equal(qlog_open_file(q, err, sizeof err), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "No such file"));
	qlog_free(q);
}

static void test_a_failed_reopen_drops_lines_until_one_works(void **state)
{
	fixture_t *f = *state;
	qlog_t *q;
	char err[256], moved[160];
	assert_int_equal(qlog_new(f->path, 1, 1, 16, &q), 0);
	assert_int_equal(qlog_open_file(q, err, sizeof err), 0);
	snprintf(moved, sizeof moved, "%s.gone", f->dir);
	assert_int_equal(rename(f->dir, moved), 0); /* the directory is gone: the reopen fails */
	qlog_reopen(q);
	log_one(q, f, false);
	qlog_sync(q);
	assert_int_equal(qlog_dropped(q), 1);
	assert_int_equal(rename(moved, f->dir), 0);
	qlog_reopen(q);
	log_one(q, f, false);
	qlog_sync(q);
	assert_int_equal(count_lines(read_file(f->path)), 1);
	qlog_free(q);
}

static void test_the_writer_thread_writes_without_being_asked(void **state)
{
	fixture_t *f = *state;
	qlog_t *q;
	char err[256];
	assert_int_equal(qlog_new(f->path, 1, 1, 16, &q), 0);
	assert_int_equal(qlog_open_file(q, err, sizeof err), 0);
	assert_int_equal(qlog_start(q), 0);
	log_one(q, f, false);
	unsigned lines = 0;
	for (int i = 0; i < 50 && lines == 0; i++) {
		usleep(20000);
		lines = count_lines(read_file(f->path));
	}
	assert_int_equal(lines, 1);
	qlog_free(q);
}

static void test_bad_arguments_are_refused(void **state)
{
	fixture_t *f = *state;
	qlog_t *q;
	assert_int_equal(qlog_new(f->path, 1, 0, 16, &q), -1);
	assert_int_equal(qlog_new(f->path, 1, QLOG_SAMPLE_MAX + 1, 16, &q), -1);
	assert_int_equal(qlog_new(f->path, 1, 1, 12, &q), -1);
	assert_int_equal(qlog_new("", 1, 1, 16, &q), -1);
	assert_null(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_a_listed_answer_is_one_line_with_its_codes, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_nxdomain_over_tcp_from_ipv6_has_no_codes, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_a_name_with_odd_bytes_is_lowercased_and_escaped, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_unread_question_and_root_name, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_a_truncated_response_gives_the_codes_it_holds, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_a_full_ring_drops_and_counts, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sampling_keeps_one_query_in_n, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_reopen_after_a_rename_writes_to_the_new_file, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_a_file_that_cannot_be_opened_is_named, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_a_failed_reopen_drops_lines_until_one_works, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_the_writer_thread_writes_without_being_asked, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_bad_arguments_are_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
