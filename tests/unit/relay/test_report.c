/* SPDX-License-Identifier: BSD-2-Clause */
/* test_report.c — the report readers: ARF feedback reports (RFC 5965) and mboxes of spam, one message or many, and
 * what the sink receives for good and bad messages. Fixtures are in data/report/ next to this file (or in
 * $REPORT_TEST_DATA); short or generated cases (over-long lines, binary junk) are written to a temporary file by the
 * test itself. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "relay/report.h"
#include "report_internal.h"

#define MAX_REPORTS 16
#define MAX_BAD 16

struct got_bad {
	char file[256];
	unsigned message;
	char why[256];
};

static struct recorder {
	report_t reports[MAX_REPORTS];
	unsigned n;
	struct got_bad bad[MAX_BAD];
	unsigned nbad;
	int stop_with; /* the report callback's answer */
} rec;

static int on_report(void *ctx, const report_t *r)
{
	struct recorder *c = ctx;
	if (c->n < MAX_REPORTS)
		c->reports[c->n] = *r;
	c->n++;
	return c->stop_with;
}

static void on_bad(void *ctx, const char *file, unsigned message, const char *why)
{
	struct recorder *c = ctx;
	if (c->nbad < MAX_BAD) {
		snprintf(c->bad[c->nbad].file, sizeof c->bad[c->nbad].file, "%s", file);
		c->bad[c->nbad].message = message;
		snprintf(c->bad[c->nbad].why, sizeof c->bad[c->nbad].why, "%s", why);
	}
	c->nbad++;
}

static const report_sink_t sink = {on_report, on_bad};

static char temp_path[64];

static int setup(void **state)
{
	(void)state;
	memset(&rec, 0, sizeof rec);
	temp_path[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (temp_path[0])
		unlink(temp_path);
	return 0;
}

static const char *fixture(const char *name)
{
	static char path[1024];
	const char *dir = getenv("REPORT_TEST_DATA");

	if (dir) {
		snprintf(path, sizeof path, "%s/%s", dir, name);
	} else {
		const char *slash = strrchr(__FILE__, '/');
		int dirlen = slash ? (int)(slash - __FILE__) : 1;
		snprintf(path, sizeof path, "%.*s/data/report/%s", dirlen, slash ? __FILE__ : ".", name);
	}
	return path;
}

/* Writes len bytes to a fresh temporary file (removed by teardown) and returns its path. */
static const char *write_temp(const void *bytes, size_t len)
{
	snprintf(temp_path, sizeof temp_path, "/tmp/test_report.XXXXXX");
	int fd = mkstemp(temp_path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return temp_path;
}

static const char *write_text(const char *text)
{
	return write_temp(text, strlen(text));
}

static void assert_addr(const addr_t *a, const char *text)
{
	char buf[ADDR_STRLEN];
	addr_format(a, buf);
	assert_string_equal(buf, text);
}

static int read_arf(const char *path)
{
	return report_read_arf(path, &sink, &rec);
}

static const cidr_t *trusted_nets(size_t *count)
{
	static cidr_t nets[3];
	assert_int_equal(cidr_parse("127.0.0.0/8", &nets[0]), 0);
	assert_int_equal(cidr_parse("10.0.0.0/8", &nets[1]), 0);
	assert_int_equal(cidr_parse("::1/128", &nets[2]), 0);
	*count = 3;
	return nets;
}

/* A small valid ARF report around the given feedback-report part header and fields. */
#define ARF_HEAD                                                                                                       \
	"From: Feedback Loop <fbl@isp.example>\n"                                                                      \
	"Subject: report\n"                                                                                            \
	"MIME-Version: 1.0\n"                                                                                          \
	"Content-Type: multipart/report; report-type=feedback-report; boundary=\"b1\"\n"                               \
	"\n"                                                                                                           \
	"--b1\n"                                                                                                       \
	"Content-Type: text/plain\n"                                                                                   \
	"\n"                                                                                                           \
	"An abuse report.\n"                                                                                           \
	"\n"                                                                                                           \
	"--b1\n"

#define ARF_FIELDS                                                                                                     \
	"Content-Type: message/feedback-report\n"                                                                      \
	"\n"                                                                                                           \
	"Feedback-Type: abuse\n"                                                                                       \
	"User-Agent: Gen/1\n"                                                                                          \
	"Version: 1\n"                                                                                                 \
	"Source-IP: 192.0.2.9\n"                                                                                       \
	"\n"

/* ---- ARF ---- */

static void test_arf_sample_with_crlf_yields_every_field(void **state)
{
	(void)state;
	assert_int_equal(read_arf(fixture("arf_sample.eml")), 0);
	assert_int_equal(rec.nbad, 0);
	assert_int_equal(rec.n, 1);
	const report_t *r = &rec.reports[0];
	assert_addr(&r->addr, "192.0.2.1");
	assert_int_equal(r->message, 1);
	assert_string_equal(r->feedback_type, "abuse");
	assert_int_equal(r->arrival, 1741780991); /* 2025-03-12 08:03:11 -0400 */
	assert_string_equal(r->reported_domain, "example.net");
	assert_string_equal(r->mail_from, "somespammer@example.net");
	assert_string_equal(r->source, "abuse@mail.example.net");
}

static void test_arf_mbox_reports_the_malformed_one_and_numbers_the_rest(void **state)
{
	(void)state;
	const char *path = fixture("arf_three.mbox");
	assert_int_equal(read_arf(path), 0);
	assert_int_equal(rec.n, 2);
	assert_int_equal(rec.reports[0].message, 1);
	assert_addr(&rec.reports[0].addr, "203.0.113.7");
	assert_string_equal(rec.reports[0].feedback_type, "abuse");
	assert_string_equal(rec.reports[0].mail_from, "bulk@spammer.example");
	assert_string_equal(rec.reports[0].reported_domain, "spammer.example");
	assert_int_equal(rec.reports[0].arrival, 1741600680);
	assert_string_equal(rec.reports[0].source, "fbl@isp.example");
	assert_int_equal(rec.reports[1].message, 3);
	assert_addr(&rec.reports[1].addr, "198.51.100.77");
	assert_string_equal(rec.reports[1].feedback_type, "fraud");
	assert_string_equal(rec.reports[1].mail_from, "phish@bank.example");

	assert_int_equal(rec.nbad, 1);
	assert_int_equal(rec.bad[0].message, 2);
	assert_string_equal(rec.bad[0].file, path);
	assert_non_null(strstr(rec.bad[0].why, "Source-IP"));
}

static void test_arf_base64_feedback_part_is_decoded(void **state)
{
	(void)state;
	const char *path =
	        write_text(ARF_HEAD "Content-Type: message/feedback-report\n"
	                            "Content-Transfer-Encoding: base64\n"
	                            "\n"
	                            "RmVlZGJhY2stVHlwZTogYWJ1c2UNClVzZXItQWdlbnQ6IEI2NEdlbi8xLjANClZlcnNpb246IDEN\n"
	                            "ClNvdXJjZS1JUDogMTkyLjAuMi43Nw0KQXJyaXZhbC1EYXRlOiAxMCBNYXIgMjAyNSAwOTo1OCBH\n"
	                            "TVQNClJlcG9ydGVkLURvbWFpbjogYjY0LmV4YW1wbGUNCg==\n"
	                            "\n"
	                            "--b1--\n");
	assert_int_equal(read_arf(path), 0);
	assert_int_equal(rec.nbad, 0);
	assert_int_equal(rec.n, 1);
	assert_addr(&rec.reports[0].addr, "192.0.2.77");
	assert_string_equal(rec.reports[0].reported_domain, "b64.example");
	assert_int_equal(rec.reports[0].arrival, 1741600680); /* no weekday, no seconds, GMT */
}

static void test_arf_quoted_printable_feedback_part_is_decoded(void **state)
{
	(void)state;
	const char *path = write_text("Content-Type: multipart/report; report-type=feedback-report; boundary=\"b1\"\n"
	                              "\n"
	                              "--b1\n"
	                              "Content-Type: message/feedback-report\n"
	                              "Content-Transfer-Encoding: Quoted-Printable\n"
	                              "\n"
	                              "Feedback-Type: abuse\n"
	                              "User-Agent: QP=3Dgen/1.0  \n"
	                              "Source-IP: 192.0.2.=\n"
	                              "78\n"
	                              "--b1--\n");
	assert_int_equal(read_arf(path), 0);
	assert_int_equal(rec.nbad, 0);
	assert_int_equal(rec.n, 1);
	assert_addr(&rec.reports[0].addr, "192.0.2.78");
	/* No From: header, so the reporter is the User-Agent. */
	assert_string_equal(rec.reports[0].source, "QP=gen/1.0");
}

static void test_arf_ipv6_source_ip_is_kept(void **state)
{
	(void)state;
	const char *path = write_text(ARF_HEAD "Content-Type: message/feedback-report\n"
	                                       "\n"
	                                       "Feedback-Type: abuse\n"
	                                       "Source-IP: 2001:DB8:0:0::25\n"
	                                       "\n"
	                                       "--b1--\n");
	assert_int_equal(read_arf(path), 0);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.reports[0].addr.family, ADDR_V6);
	assert_addr(&rec.reports[0].addr, "2001:db8::25");
}

static void test_arf_folded_headers_and_fields_are_unfolded(void **state)
{
	(void)state;
	const char *path = write_text("From:\n"
	                              "  Folded Sender\n"
	                              "   <folded@isp.example>\n"
	                              "CONTENT-TYPE: Multipart/Report;\n"
	                              "\treport-type=\"Feedback-Report\";\n"
	                              "\tboundary=\n"
	                              "  \"folded=boundary\"\n"
	                              "\n"
	                              "--folded=boundary\n"
	                              "content-type:\n"
	                              "    message/feedback-report\n"
	                              "\n"
	                              "feedback-type: abuse\n"
	                              "Arrival-Date: Tue,\n"
	                              "  11 Mar 2025\n"
	                              "  10:00:03 +0000\n"
	                              "Reported-Domain:\n"
	                              "\tfolded.example\n"
	                              "SOURCE-IP:\n"
	                              "   192.0.2.10\n"
	                              "\n"
	                              "--folded=boundary--\n");
	assert_int_equal(read_arf(path), 0);
	assert_int_equal(rec.nbad, 0);
	assert_int_equal(rec.n, 1);
	assert_addr(&rec.reports[0].addr, "192.0.2.10");
	assert_string_equal(rec.reports[0].source, "folded@isp.example");
	assert_string_equal(rec.reports[0].reported_domain, "folded.example");
	assert_int_equal(rec.reports[0].arrival, 1741687203);
}

static void test_arf_quoted_and_unquoted_boundaries_both_work(void **state)
{
	(void)state;
	/* The quoted boundary holds characters a token cannot (spaces, '/'); the unquoted one is a plain token. */
	const char *path =
	        write_text("From x  Mon Mar 10 10:00:00 2025\n"
	                   "Content-Type: multipart/report; boundary=\"=_a b/c:d\"; report-type=feedback-report\n"
	                   "\n"
	                   "--=_a b/c:d\n"
	                   "Content-Type: message/feedback-report\n"
	                   "\n"
	                   "Feedback-Type: abuse\n"
	                   "Source-IP: 192.0.2.11\n"
	                   "--=_a b/c:d--\n"
	                   "\n"
	                   "From x  Mon Mar 10 10:00:00 2025\n"
	                   "Content-Type: multipart/report; report-type=feedback-report; boundary=plain_token.42\n"
	                   "\n"
	                   "--plain_token.42   \n"
	                   "Content-Type: message/feedback-report\n"
	                   "\n"
	                   "Feedback-Type: abuse\n"
	                   "Source-IP: 192.0.2.12\n"
	                   "--plain_token.42--\n");
	assert_int_equal(read_arf(path), 0);
	assert_int_equal(rec.nbad, 0);
	assert_int_equal(rec.n, 2);
	assert_addr(&rec.reports[0].addr, "192.0.2.11");
	assert_addr(&rec.reports[1].addr, "192.0.2.12");
	assert_int_equal(rec.reports[1].message, 2);
}

static void test_arf_missing_final_boundary_still_reports(void **state)
{
	(void)state;
	/* The original message part runs to the end of the message: no closing boundary anywhere. */
	const char *path = write_text("From a  Mon Mar 10 10:00:00 2025\n" ARF_HEAD ARF_FIELDS "--b1\n"
	                              "Content-Type: message/rfc822\n"
	                              "\n"
	                              "Subject: the spam\n"
	                              "\n"
	                              "body\n"
	                              "\n"
	                              "From b  Mon Mar 10 10:00:00 2025\n" ARF_HEAD ARF_FIELDS);
	assert_int_equal(read_arf(path), 0);
	assert_int_equal(rec.nbad, 0);
	assert_int_equal(rec.n, 2);
	assert_int_equal(rec.reports[0].message, 1);
	assert_int_equal(rec.reports[1].message, 2);
	assert_addr(&rec.reports[1].addr, "192.0.2.9");
}

static void test_arf_over_long_line_makes_only_its_message_bad(void **state)
{
	(void)state;
	char *text = malloc(64 * 1024);
	assert_non_null(text);
	char longline[REPORT_LINE_MAX + 2];
	memset(longline, 'x', sizeof longline - 1);
	longline[sizeof longline - 1] = '\0'; /* one byte over the limit */
	char atlimit[REPORT_LINE_MAX + 1];
	memset(atlimit, 'y', sizeof atlimit - 1);
	atlimit[sizeof atlimit - 1] = '\0'; /* exactly the limit, with a CR LF after it: fine */

	snprintf(text, 64 * 1024,
	         "From a  Mon Mar 10 10:00:00 2025\nX-Long: %s\n" ARF_HEAD ARF_FIELDS "\n"
	         "From b  Mon Mar 10 10:00:00 2025\n" ARF_HEAD ARF_FIELDS "--b1\nContent-Type: message/rfc822\n\n%s\n"
	         "\n"
	         "From c  Mon Mar 10 10:00:00 2025\n" ARF_HEAD ARF_FIELDS "--b1\nContent-Type: text/plain\n\n%s\r\n"
	         "--b1--\n",
	         longline, longline, atlimit);
	const char *path = write_text(text);
	free(text);
	assert_int_equal(read_arf(path), 0);
	assert_int_equal(rec.nbad, 2);
	assert_int_equal(rec.bad[0].message, 1);
	assert_non_null(strstr(rec.bad[0].why, "longer than 8192"));
	/* Message 2's long line comes after its feedback-report part: still bad. */
	assert_int_equal(rec.bad[1].message, 2);
	assert_non_null(strstr(rec.bad[1].why, "longer than 8192"));
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.reports[0].message, 3);
}

static void test_arf_binary_junk_is_bad_and_reading_goes_on(void **state)
{
	(void)state;
	unsigned char text[8192];
	size_t n = 0;
	const char *head = "From junk  Mon Mar 10 10:00:00 2025\n";
	memcpy(text, head, strlen(head));
	n += strlen(head);
	uint32_t x = 2463534242u;
	for (int i = 0; i < 3000; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		text[n++] = (unsigned char)x; /* NULs, high bytes, stray line breaks */
	}
	const char *next = "\n\nFrom good  Mon Mar 10 10:00:00 2025\n" ARF_HEAD ARF_FIELDS "--b1--\n";
	memcpy(text + n, next, strlen(next));
	n += strlen(next);
	const char *path = write_temp(text, n);
	assert_int_equal(read_arf(path), 0);
	assert_int_equal(rec.nbad, 1);
	assert_int_equal(rec.bad[0].message, 1);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.reports[0].message, 2);

	/* Junk that is not an mbox is one bad message. */
	memset(&rec, 0, sizeof rec);
	unlink(temp_path);
	path = write_temp(text + strlen(head), 3000);
	assert_int_equal(read_arf(path), 0);
	assert_int_equal(rec.n, 0);
	assert_int_equal(rec.nbad, 1);
	assert_int_equal(rec.bad[0].message, 1);
}

static void test_arf_plain_message_is_not_a_report(void **state)
{
	(void)state;
	const char *path = write_text("From: someone@example.org\nContent-Type: text/plain\n\nSource-IP: 192.0.2.1\n");
	assert_int_equal(read_arf(path), 0);
	assert_int_equal(rec.n, 0);
	assert_int_equal(rec.nbad, 1);
	assert_non_null(strstr(rec.bad[0].why, "multipart/report"));

	/* A first line that looks like a continuation continues nothing: the header ends before it. */
	memset(&rec, 0, sizeof rec);
	unlink(temp_path);
	path = write_text("  Content-Type: multipart/report; report-type=feedback-report; boundary=b1\n\n--b1\n");
	assert_int_equal(read_arf(path), 0);
	assert_int_equal(rec.nbad, 1);
	assert_string_equal(rec.bad[0].why, "not a multipart/report message (Content-Type: none)");
}

static void test_arf_other_report_type_is_bad(void **state)
{
	(void)state;
	const char *path = write_text("Content-Type: multipart/report; report-type=delivery-status; boundary=b1\n\n"
	                              "--b1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n--b1--\n");
	assert_int_equal(read_arf(path), 0);
	assert_int_equal(rec.n, 0);
	assert_int_equal(rec.nbad, 1);
	assert_non_null(strstr(rec.bad[0].why, "feedback-report"));
}

static void test_arf_multipart_without_boundary_is_bad(void **state)
{
	(void)state;
	const char *path = write_text("Content-Type: multipart/report; report-type=feedback-report\n\n"
	                              "--\nContent-Type: message/feedback-report\n\n"
	                              "Feedback-Type: abuse\nSource-IP: 192.0.2.1\n");
	assert_int_equal(read_arf(path), 0);
	assert_int_equal(rec.n, 0);
	assert_int_equal(rec.nbad, 1);
	assert_string_equal(rec.bad[0].why, "multipart without a boundary parameter");
}

static void test_arf_without_feedback_part_is_bad(void **state)
{
	(void)state;
	const char *path = write_text(ARF_HEAD "Content-Type: message/rfc822\n\nSubject: spam\n\n--b1--\n");
	assert_int_equal(read_arf(path), 0);
	assert_int_equal(rec.n, 0);
	assert_int_equal(rec.nbad, 1);
	assert_string_equal(rec.bad[0].why, "no message/feedback-report part");
}

static void test_arf_unparsable_source_ip_is_bad(void **state)
{
	(void)state;
	const char *path = write_text(ARF_HEAD "Content-Type: message/feedback-report\n\n"
	                                       "Feedback-Type: abuse\nSource-IP: 192.0.2.256\n\n--b1--\n");
	assert_int_equal(read_arf(path), 0);
	assert_int_equal(rec.n, 0);
	assert_int_equal(rec.nbad, 1);
	assert_non_null(strstr(rec.bad[0].why, "192.0.2.256"));
}

static void test_arf_missing_feedback_type_is_bad(void **state)
{
	(void)state;
	const char *path = write_text(ARF_HEAD "Content-Type: message/feedback-report\n\n"
	                                       "Source-IP: 192.0.2.1\n\n--b1--\n");
	assert_int_equal(read_arf(path), 0);
	assert_int_equal(rec.n, 0);
	assert_int_equal(rec.nbad, 1);
	assert_non_null(strstr(rec.bad[0].why, "Feedback-Type"));
}

static void test_arf_unreadable_arrival_date_leaves_arrival_zero(void **state)
{
	(void)state;
	const char *path = write_text(ARF_HEAD "Content-Type: message/feedback-report\n\n"
	                                       "Feedback-Type: abuse\nArrival-Date: yesterday, around noon\n"
	                                       "Source-IP: [192.0.2.14]\n\n--b1--\n");
	assert_int_equal(read_arf(path), 0);
	assert_int_equal(rec.nbad, 0);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.reports[0].arrival, 0);
	assert_addr(&rec.reports[0].addr, "192.0.2.14");
}

static void test_arf_feedback_part_inside_nested_multipart_is_found(void **state)
{
	(void)state;
	const char *path = write_text("Content-Type: multipart/report; report-type=feedback-report; boundary=outer\n\n"
	                              "--outer\n"
	                              "Content-Type: multipart/alternative; boundary=\"inner\"\n\n"
	                              "--inner\nContent-Type: text/plain\n\nplain\n"
	                              "--inner\nContent-Type: text/html\n\n<p>html</p>\n"
	                              "--inner--\n"
	                              "--outer\n"
	                              "Content-Type: message/feedback-report\n\n"
	                              "Feedback-Type: abuse\nSource-IP: 192.0.2.15\n\n"
	                              "--outer--\n");
	assert_int_equal(read_arf(path), 0);
	assert_int_equal(rec.nbad, 0);
	assert_int_equal(rec.n, 1);
	assert_addr(&rec.reports[0].addr, "192.0.2.15");
}

static void test_arf_nesting_deeper_than_four_is_bad(void **state)
{
	(void)state;
	const char *path = write_text("Content-Type: multipart/report; report-type=feedback-report; boundary=m1\n\n"
	                              "--m1\nContent-Type: multipart/mixed; boundary=m2\n\n"
	                              "--m2\nContent-Type: multipart/mixed; boundary=m3\n\n"
	                              "--m3\nContent-Type: multipart/mixed; boundary=m4\n\n"
	                              "--m4\nContent-Type: multipart/mixed; boundary=m5\n\n"
	                              "--m5\nContent-Type: message/feedback-report\n\n"
	                              "Feedback-Type: abuse\nSource-IP: 192.0.2.16\n\n"
	                              "--m5--\n--m4--\n--m3--\n--m2--\n--m1--\n");
	assert_int_equal(read_arf(path), 0);
	assert_int_equal(rec.n, 0);
	assert_int_equal(rec.nbad, 1);
	assert_non_null(strstr(rec.bad[0].why, "nested deeper than 4"));
}

static void test_arf_too_many_parts_is_bad(void **state)
{
	(void)state;
	char text[8192];
	size_t n = (size_t)snprintf(text, sizeof text,
	                            "Content-Type: multipart/report; report-type=feedback-report; boundary=b\n\n");
	for (int i = 0; i < REPORT_MIME_PARTS; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "--b\nContent-Type: text/plain\n\npart\n");
	snprintf(text + n, sizeof text - n,
	         "--b\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nSource-IP: 192.0.2.17\n--b--\n");
	const char *path = write_text(text);
	assert_int_equal(read_arf(path), 0);
	assert_int_equal(rec.n, 0);
	assert_int_equal(rec.nbad, 1);
	assert_non_null(strstr(rec.bad[0].why, "body parts"));
}

static void test_arf_header_block_over_its_field_limit_is_bad(void **state)
{
	(void)state;
	size_t size = (REPORT_HEADER_FIELDS + 1) * 32 + 4096;
	char *text = malloc(size);
	assert_non_null(text);
	size_t n = 0;
	for (int i = 0; i <= REPORT_HEADER_FIELDS; i++)
		n += (size_t)snprintf(text + n, size - n, "X-Filler-%d: %d\n", i, i);
	snprintf(text + n, size - n, "%s", ARF_HEAD ARF_FIELDS "--b1--\n");
	const char *path = write_text(text);
	free(text);
	assert_int_equal(read_arf(path), 0);
	assert_int_equal(rec.n, 0);
	assert_int_equal(rec.nbad, 1);
	assert_non_null(strstr(rec.bad[0].why, "header block"));
}

static void test_arf_single_message_is_never_split_on_from_lines(void **state)
{
	(void)state;
	/* Not an mbox (no "From " line first): a "From " line after a blank line in the body is only text. */
	const char *path = write_text(ARF_HEAD "Content-Type: text/plain\n\nquoted mail:\n\nFrom me to you\n\n"
	                                       "--b1\n" ARF_FIELDS "--b1--\n");
	assert_int_equal(read_arf(path), 0);
	assert_int_equal(rec.nbad, 0);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.reports[0].message, 1);
}

static void test_arf_sink_answer_stops_the_read(void **state)
{
	(void)state;
	rec.stop_with = 7;
	assert_int_equal(read_arf(fixture("arf_three.mbox")), 7);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.nbad, 0);
}

static void test_missing_file_is_an_io_error(void **state)
{
	(void)state;
	size_t count;
	const cidr_t *nets = trusted_nets(&count);
	assert_int_equal(read_arf("/nonexistent/report.eml"), RBL_EIO);
	assert_int_equal(report_read_mbox("/nonexistent/spam.mbox", nets, count, &sink, &rec), RBL_EIO);
	assert_int_equal(rec.n + rec.nbad, 0);
}

static void test_empty_file_has_no_messages(void **state)
{
	(void)state;
	const char *path = write_text("\n\n");
	assert_int_equal(read_arf(path), 0);
	assert_int_equal(rec.n + rec.nbad, 0);
}

/* ---- mbox of spam ---- */

static void test_mbox_picks_the_first_untrusted_hop_of_each_mta_style(void **state)
{
	(void)state;
	size_t count;
	const cidr_t *nets = trusted_nets(&count);
	const char *path = fixture("spam.mbox");
	assert_int_equal(report_read_mbox(path, nets, count, &sink, &rec), 0);
	assert_int_equal(rec.n, 5);

	/* Postfix: localhost and 10.1.2.3 are ours; the HELO literal [198.51.100.200] is the client's claim. */
	assert_int_equal(rec.reports[0].message, 1);
	assert_addr(&rec.reports[0].addr, "192.0.2.45");
	assert_int_equal(rec.reports[0].arrival, 1741687203);
	assert_string_equal(rec.reports[0].mail_from, "winner@lottery.example");
	assert_string_equal(rec.reports[0].feedback_type, "spam");
	assert_string_equal(rec.reports[0].source, "mbox");
	assert_string_equal(rec.reports[0].reported_domain, "");

	/* Exim "from [IP] (helo=[10.9.9.9])": the bracket after helo= does not count. No Return-Path: From. */
	assert_int_equal(rec.reports[1].message, 2);
	assert_addr(&rec.reports[1].addr, "198.51.100.9");
	assert_int_equal(rec.reports[1].arrival, 1741687201);
	assert_string_equal(rec.reports[1].mail_from, "offers@shop.example");

	/* Sendmail with IDENT and "(may be forged)", IPv6; Return-Path <> falls back to From. */
	assert_int_equal(rec.reports[2].message, 3);
	assert_addr(&rec.reports[2].addr, "2001:db8:bad::25");
	assert_int_equal(rec.reports[2].arrival, 1741694408);
	assert_string_equal(rec.reports[2].mail_from, "rx@pharma.example");

	/* qmail behind a filter on [IPv6:::1]; the "(qmail ... invoked from network)" line names nobody. */
	assert_int_equal(rec.reports[3].message, 4);
	assert_addr(&rec.reports[3].addr, "198.51.100.66");
	assert_int_equal(rec.reports[3].arrival, 1741697999);

	/* Postfix, [IPv6:2001:db8::1]. */
	assert_int_equal(rec.reports[4].message, 5);
	assert_addr(&rec.reports[4].addr, "2001:db8::1");
	assert_int_equal(rec.reports[4].arrival, 1741701600);

	assert_int_equal(rec.nbad, 3);
	assert_int_equal(rec.bad[0].message, 6);
	assert_non_null(strstr(rec.bad[0].why, "trusted"));
	assert_int_equal(rec.bad[1].message, 7);
	assert_non_null(strstr(rec.bad[1].why, "no Received"));
	assert_int_equal(rec.bad[2].message, 8);
	assert_non_null(strstr(rec.bad[2].why, "no Received"));
	assert_string_equal(rec.bad[2].file, path);
}

static void test_mbox_without_trusted_networks_takes_the_topmost_hop(void **state)
{
	(void)state;
	assert_int_equal(report_read_mbox(fixture("spam.mbox"), NULL, 0, &sink, &rec), 0);
	assert_int_equal(rec.n, 6);
	assert_addr(&rec.reports[0].addr, "127.0.0.1");
	assert_addr(&rec.reports[3].addr, "::1");
	assert_addr(&rec.reports[5].addr, "127.0.0.1"); /* message 6: nothing is trusted any more */
	assert_int_equal(rec.reports[5].message, 6);
	assert_int_equal(rec.nbad, 2);
}

static void test_mbox_all_hops_trusted_is_bad(void **state)
{
	(void)state;
	size_t count;
	const cidr_t *nets = trusted_nets(&count);
	const char *path = write_text("Received: from a (a [10.0.0.1]) by b; Tue, 11 Mar 2025 10:00:00 +0000\n"
	                              "Received: from c ([127.0.0.2]) by a; Tue, 11 Mar 2025 09:59:00 +0000\n"
	                              "Subject: internal\n\nbody\n");
	assert_int_equal(report_read_mbox(path, nets, count, &sink, &rec), 0);
	assert_int_equal(rec.n, 0);
	assert_int_equal(rec.nbad, 1);
	assert_int_equal(rec.bad[0].message, 1);
	assert_non_null(strstr(rec.bad[0].why, "every Received: hop is trusted"));
}

static void test_mbox_message_without_received_is_bad(void **state)
{
	(void)state;
	size_t count;
	const cidr_t *nets = trusted_nets(&count);
	const char *path = write_text("From: spammer@example.net\r\nSubject: hi\r\n\r\nbody\r\n");
	assert_int_equal(report_read_mbox(path, nets, count, &sink, &rec), 0);
	assert_int_equal(rec.n, 0);
	assert_int_equal(rec.nbad, 1);
	assert_non_null(strstr(rec.bad[0].why, "no Received"));
}

static void test_mbox_over_long_line_is_bad_and_the_next_message_comes_through(void **state)
{
	(void)state;
	size_t count;
	const cidr_t *nets = trusted_nets(&count);
	static char text[3 * REPORT_LINE_MAX];
	char body[REPORT_LINE_MAX + 101];
	memset(body, 'z', sizeof body - 1);
	body[sizeof body - 1] = '\0';
	snprintf(text, sizeof text,
	         "From a  Tue Mar 11 10:00:00 2025\n"
	         "Received: from x (x [192.0.2.50]) by mx; Tue, 11 Mar 2025 10:00:00 +0000\n\n%s\n\n"
	         "From b  Tue Mar 11 10:00:00 2025\n"
	         "Received: from y (y [192.0.2.51]) by mx; Tue, 11 Mar 2025 10:00:00 +0000\n\nshort\n",
	         body);
	const char *path = write_text(text);
	assert_int_equal(report_read_mbox(path, nets, count, &sink, &rec), 0);
	assert_int_equal(rec.nbad, 1);
	assert_int_equal(rec.bad[0].message, 1);
	assert_non_null(strstr(rec.bad[0].why, "line 3 is longer than"));
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.reports[0].message, 2);
	assert_addr(&rec.reports[0].addr, "192.0.2.51");
}

static void test_mbox_from_line_splits_only_after_a_blank_line(void **state)
{
	(void)state;
	const char *path = write_text("From a  Tue Mar 11 10:00:00 2025\n"
	                              "Received: from x (x [192.0.2.60]) by mx; Tue, 11 Mar 2025 10:00:00 +0000\n"
	                              "\n"
	                              "Quoted by a careless writer:\n"
	                              "From y  Tue Mar 11 10:00:00 2025\n"
	                              "Received: from y (y [192.0.2.61]) by mx; Tue, 11 Mar 2025 10:00:00 +0000\n"
	                              "\n"
	                              "From z  Tue Mar 11 10:00:00 2025\n"
	                              "Received: from z (z [192.0.2.62]) by mx; Tue, 11 Mar 2025 10:00:00 +0000\n");
	assert_int_equal(report_read_mbox(path, NULL, 0, &sink, &rec), 0);
	assert_int_equal(rec.nbad, 0);
	assert_int_equal(rec.n, 2);
	assert_addr(&rec.reports[0].addr, "192.0.2.60");
	assert_int_equal(rec.reports[1].message, 2);
	assert_addr(&rec.reports[1].addr, "192.0.2.62");
}

/* ---- the shared pieces ---- */

static void test_rfc5322_dates_in_current_and_obsolete_forms(void **state)
{
	(void)state;
	int64_t t = 0;
	assert_true(report_parse_date("Tue, 11 Mar 2025 10:00:03 +0000", &t));
	assert_int_equal(t, 1741687203);
	assert_true(report_parse_date("11 Mar 2025 05:00:03 -0500 (EST)", &t));
	assert_int_equal(t, 1741687203);
	assert_true(report_parse_date("Tue, 11 Mar 25 06:00:03 EDT", &t));
	assert_int_equal(t, 1741687203);
	assert_true(report_parse_date("Tue, 11 mar 2025 10:00 UT", &t));
	assert_int_equal(t, 1741687200);
	assert_true(report_parse_date("Sat, 29 Feb 2020 00:00:00 +0100", &t));
	assert_int_equal(t, 1582930800);
	assert_true(report_parse_date("Tue 11 Mar 2025 10:00:03 GMT", &t));
	assert_int_equal(t, 1741687203);
	assert_true(report_parse_date("Fri, 31 Dec 99 23:59:59 +0000", &t)); /* RFC 5322 4.3: 99 is 1999 */
	assert_int_equal(t, 946684799);
	assert_false(report_parse_date("30 Feb 2025 10:00:00 +0000", &t));
	assert_false(report_parse_date("11 Mar 2025 24:00:00 +0000", &t));
	assert_false(report_parse_date("11 Mar 2025 10:00:00 +2400", &t));
	assert_false(report_parse_date("2025-03-11T10:00:00Z", &t));
	assert_false(report_parse_date("", &t));
}

static void test_mailbox_addresses_lose_names_comments_and_angles(void **state)
{
	(void)state;
	char out[REPORT_TEXT_MAX];
	report_address("\"Doe, John\" <john@example.org>", out, sizeof out);
	assert_string_equal(out, "john@example.org");
	report_address("john@example.org (John Doe)", out, sizeof out);
	assert_string_equal(out, "john@example.org");
	report_address("<>", out, sizeof out);
	assert_string_equal(out, "");
	report_address("\"odd local\"@example.org", out, sizeof out);
	assert_string_equal(out, "\"odd local\"@example.org");
	report_address("first@example.org, second@example.org", out, sizeof out);
	assert_string_equal(out, "first@example.org");
	char small[8];
	report_text_copy(small, sizeof small, "  ab\tc\xc3\xa9\xc3\xa9 ");
	assert_string_equal(small, "ab c\xc3\xa9"); /* cut before a split UTF-8 character */
}

static void test_content_type_parameters_quoted_or_not(void **state)
{
	(void)state;
	char type[64], value[REPORT_BOUNDARY_MAX + 1];
	const char *ct = "Multipart/Report (a comment); Report-Type = feedback-report ;\tboundary=\"a \\\"q\\\" b\"";
	assert_true(report_mime_media_type(ct, type, sizeof type));
	assert_string_equal(type, "multipart/report");
	assert_int_equal(report_mime_param(ct, "report-type", value, sizeof value), 1);
	assert_string_equal(value, "feedback-report");
	assert_int_equal(report_mime_param(ct, "BOUNDARY", value, sizeof value), 1);
	assert_string_equal(value, "a \"q\" b");
	assert_int_equal(report_mime_param(ct, "charset", value, sizeof value), 0);
	assert_int_equal(report_mime_param("multipart/mixed; boundary=\"unterminated", "boundary", value, sizeof value),
			 -1);
	char boundary[200];
	memset(boundary, 'b', sizeof boundary);
	memcpy(boundary, "multipart/mixed; boundary=", 26);
	boundary[sizeof boundary - 1] = '\0';
	assert_int_equal(report_mime_param(boundary, "boundary", value, sizeof value), -1);
	assert_false(report_mime_media_type("text", type, sizeof type));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_arf_sample_with_crlf_yields_every_field, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_arf_mbox_reports_the_malformed_one_and_numbers_the_rest, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_arf_base64_feedback_part_is_decoded, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_arf_quoted_printable_feedback_part_is_decoded, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_arf_ipv6_source_ip_is_kept, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_arf_folded_headers_and_fields_are_unfolded, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_arf_quoted_and_unquoted_boundaries_both_work, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_arf_missing_final_boundary_still_reports, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_arf_over_long_line_makes_only_its_message_bad, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_arf_binary_junk_is_bad_and_reading_goes_on, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_arf_plain_message_is_not_a_report, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_arf_other_report_type_is_bad, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_arf_multipart_without_boundary_is_bad, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_arf_without_feedback_part_is_bad, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_arf_unparsable_source_ip_is_bad, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_arf_missing_feedback_type_is_bad, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_arf_unreadable_arrival_date_leaves_arrival_zero, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_arf_feedback_part_inside_nested_multipart_is_found, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_arf_nesting_deeper_than_four_is_bad, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_arf_too_many_parts_is_bad, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_arf_header_block_over_its_field_limit_is_bad, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_arf_single_message_is_never_split_on_from_lines, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_arf_sink_answer_stops_the_read, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_missing_file_is_an_io_error, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_empty_file_has_no_messages, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_mbox_picks_the_first_untrusted_hop_of_each_mta_style, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_mbox_without_trusted_networks_takes_the_topmost_hop, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_mbox_all_hops_trusted_is_bad, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_mbox_message_without_received_is_bad, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_mbox_over_long_line_is_bad_and_the_next_message_comes_through,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_mbox_from_line_splits_only_after_a_blank_line, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_rfc5322_dates_in_current_and_obsolete_forms, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_mailbox_addresses_lose_names_comments_and_angles, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_content_type_parameters_quoted_or_not, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
