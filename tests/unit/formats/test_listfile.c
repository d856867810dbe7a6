/* SPDX-License-Identifier: BSD-2-Clause */
/* test_listfile.c — plain and CSV lists (plain or gzip): rows, skipped lines, bad lines named by file and line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/err.h"
#include "formats/listfile.h"

#define NOW 1700000000 /* 2023-11-14: what relative expiries count from */
#define DAY 86400
#define MAX_SEEN 64

struct seen_row {
	char net[ADDR_STRLEN];
	bool exclude;
	uint8_t ncodes;
	uint32_t codes[ENTRY_MAX_CODES];
	char reason[ENTRY_TEXT_MAX];
	char source[ENTRY_SOURCE_MAX];
	int64_t expires;
	unsigned line;
};

struct seen_bad {
	char file[256];
	unsigned line;
	char text[128];
	char why[128];
};

struct fixture {
	char dir[64];
	char path[128];
	struct seen_row rows[MAX_SEEN];
	unsigned nrows;
	struct seen_bad bad[MAX_SEEN];
	unsigned nbad;
	int bad_answer;       /* what bad_line returns */
	unsigned stop_at_row; /* row() returns 5 at this row (1-based); 0 = never */
	unsigned long progress_lines;
	unsigned long long progress_bytes;
	unsigned progress_calls;
	unsigned long total_rows; /* counted past MAX_SEEN too */
};

static int on_row(void *ctx, const listfile_row_t *row)
{
	struct fixture *f = ctx;
	f->total_rows++;
	if (f->nrows < MAX_SEEN) {
		struct seen_row *s = &f->rows[f->nrows++];
		cidr_format(&row->net, s->net);
		s->exclude = row->exclude;
		s->ncodes = row->ncodes;
		memcpy(s->codes, row->codes, sizeof s->codes);
		assert_non_null(row->reason);
		assert_non_null(row->source);
		snprintf(s->reason, sizeof s->reason, "%s", row->reason);
		snprintf(s->source, sizeof s->source, "%s", row->source);
		s->expires = row->expires;
		s->line = row->line;
	}
	return f->stop_at_row && f->total_rows == f->stop_at_row ? 5 : 0;
}

static int on_bad(void *ctx, const char *file, unsigned line, const char *text, const char *why)
{
	struct fixture *f = ctx;
	assert_true(f->nbad < MAX_SEEN);
	struct seen_bad *b = &f->bad[f->nbad++];
	snprintf(b->file, sizeof b->file, "%s", file);
	b->line = line;
	snprintf(b->text, sizeof b->text, "%s", text);
	snprintf(b->why, sizeof b->why, "%s", why);
	return f->bad_answer;
}

static void on_progress(void *ctx, unsigned long lines, unsigned long long bytes_read)
{
	struct fixture *f = ctx;
	f->progress_calls++;
	f->progress_lines = lines;
	f->progress_bytes = bytes_read;
}

static const listfile_sink_t sink = {on_row, on_bad, on_progress};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/test_listfile.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/list", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void write_file(struct fixture *f, const char *text)
{
	FILE *out = fopen(f->path, "wb");
	assert_non_null(out);
	assert_int_equal(fwrite(text, 1, strlen(text), out), strlen(text));
	assert_int_equal(fclose(out), 0);
}

static void write_gzip(struct fixture *f, const char *text)
{
	gzFile out = gzopen(f->path, "wb");
	assert_non_null(out);
	assert_int_equal(gzwrite(out, text, (unsigned)strlen(text)), (int)strlen(text));
	assert_int_equal(gzclose(out), Z_OK);
}

static int read_bytes(struct fixture *f, enum listfile_format format, const char *bytes, size_t len)
{
	FILE *out = fopen(f->path, "wb");
	assert_non_null(out);
	assert_int_equal(fwrite(bytes, 1, len, out), len);
	assert_int_equal(fclose(out), 0);
	return listfile_read(f->path, format, NOW, &sink, f);
}

static int read_plain(struct fixture *f, const char *text)
{
	write_file(f, text);
	return listfile_read(f->path, LISTFILE_PLAIN, NOW, &sink, f);
}

static int read_csv(struct fixture *f, const char *text)
{
	write_file(f, text);
	return listfile_read(f->path, LISTFILE_CSV, NOW, &sink, f);
}

static void assert_row(const struct seen_row *row, unsigned line, const char *net, bool exclude)
{
	assert_int_equal(row->line, line);
	assert_string_equal(row->net, net);
	assert_int_equal(row->exclude, exclude);
}

/* A plain row: no codes, no texts, no expiry. */
static void assert_bare_row(const struct seen_row *row, unsigned line, const char *net, bool exclude)
{
	assert_row(row, line, net, exclude);
	assert_int_equal(row->ncodes, 0);
	assert_string_equal(row->reason, "");
	assert_string_equal(row->source, "");
	assert_true(row->expires == 0);
}

static void assert_bad(const struct fixture *f, unsigned i, unsigned line, const char *text, const char *why_part)
{
	assert_true(i < f->nbad);
	assert_string_equal(f->bad[i].file, f->path);
	assert_int_equal(f->bad[i].line, line);
	if (text)
		assert_string_equal(f->bad[i].text, text);
	assert_non_null(strstr(f->bad[i].why, why_part));
}

/* --- plain */

static const char plain_list[] = "# the header comment\n"
                                 "192.0.2.1\n"
                                 "   \n"
                                 "10.0.0.0/8   # a comment after the address\n"
                                 "2001:DB8::/32\n"
                                 "!192.0.2.128/25\n"
                                 "\n"
                                 "\t198.51.100.7\t\n"
                                 "#!203.0.113.0/24\n";

static void assert_plain_list_rows(const struct fixture *f)
{
	assert_int_equal(f->nbad, 0);
	assert_int_equal(f->nrows, 5);
	assert_bare_row(&f->rows[0], 2, "192.0.2.1/32", false);
	assert_bare_row(&f->rows[1], 4, "10.0.0.0/8", false);
	assert_bare_row(&f->rows[2], 5, "2001:db8::/32", false);
	assert_bare_row(&f->rows[3], 6, "192.0.2.128/25", true);
	assert_bare_row(&f->rows[4], 8, "198.51.100.7/32", false);
}

static void test_plain_reads_addresses_and_cidrs_skipping_comments_and_blank_lines(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(read_plain(f, plain_list), RBL_OK);
	assert_plain_list_rows(f);
}

static void test_plain_reads_crlf_lines_and_a_last_line_without_newline(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(read_plain(f, "192.0.2.1\r\n\r\n10.0.0.0/8\r\n2001:db8::1"), RBL_OK);
	assert_int_equal(f->nbad, 0);
	assert_int_equal(f->nrows, 3);
	assert_bare_row(&f->rows[0], 1, "192.0.2.1/32", false);
	assert_bare_row(&f->rows[1], 3, "10.0.0.0/8", false);
	assert_bare_row(&f->rows[2], 4, "2001:db8::1/128", false);
}

static void test_gzip_file_reads_like_the_plain_one(void **state)
{
	struct fixture *f = *state;
	write_gzip(f, plain_list);
	assert_int_equal(listfile_read(f->path, LISTFILE_PLAIN, NOW, &sink, f), RBL_OK);
	assert_plain_list_rows(f);
}

static void test_empty_files_give_no_rows(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(read_plain(f, ""), RBL_OK);
	assert_int_equal(read_csv(f, ""), RBL_OK);
	assert_int_equal(read_plain(f, "# nothing but comments\n\n"), RBL_OK);
	assert_int_equal(f->nrows, 0);
	assert_int_equal(f->nbad, 0);
}

static void test_plain_bad_lines_are_named_with_file_line_and_reason(void **state)
{
	struct fixture *f = *state;
	const char *text = "not-an-address\n"
	                   "10.0.0.1/33\n"
	                   "10.0.0.1/8\n"
	                   "192.0.2.1 192.0.2.2\n"
	                   "192.0.2.9\n"
	                   "300.1.2.3 # comment\n"
	                   "!\n";
	assert_int_equal(read_plain(f, text), RBL_OK); /* the sink said go on */
	assert_int_equal(f->nbad, 6);
	assert_bad(f, 0, 1, "not-an-address", "not an address");
	assert_bad(f, 1, 2, "10.0.0.1/33", "prefix length out of range");
	assert_bad(f, 2, 3, "10.0.0.1/8", "host bits");
	assert_bad(f, 3, 4, "192.0.2.1 192.0.2.2", "more than one address");
	assert_bad(f, 4, 6, "300.1.2.3 # comment", "not an address"); /* the line as written, comment and all */
	assert_bad(f, 5, 7, "!", "not an address");
	assert_int_equal(f->nrows, 1);
	assert_bare_row(&f->rows[0], 5, "192.0.2.9/32", false);
}

static void test_bad_line_sink_value_stops_the_read_and_is_returned(void **state)
{
	struct fixture *f = *state;
	f->bad_answer = 77;
	assert_int_equal(read_plain(f, "192.0.2.1\nnonsense\n192.0.2.2\n"), 77);
	assert_int_equal(f->nbad, 1);
	assert_bad(f, 0, 2, "nonsense", "not an address");
	assert_int_equal(f->nrows, 1); /* nothing after the line that stopped it */
}

static void test_without_a_bad_line_sink_a_bad_line_stops_with_einval(void **state)
{
	struct fixture *f = *state;
	const listfile_sink_t rows_only = {on_row, NULL, NULL};
	write_file(f, "192.0.2.1\nnonsense\n192.0.2.2\n");
	assert_int_equal(listfile_read(f->path, LISTFILE_PLAIN, NOW, &rows_only, f), RBL_EINVAL);
	assert_int_equal(f->nrows, 1);
}

static void test_row_sink_value_stops_the_read_and_is_returned(void **state)
{
	struct fixture *f = *state;
	f->stop_at_row = 2;
	assert_int_equal(read_plain(f, "192.0.2.1\n192.0.2.2\n192.0.2.3\n"), 5);
	assert_int_equal(f->nrows, 2);
	assert_bare_row(&f->rows[1], 2, "192.0.2.2/32", false);
}

static void test_missing_file_is_eio(void **state)
{
	struct fixture *f = *state;
	char missing[160];
	snprintf(missing, sizeof missing, "%s/no-such-file", f->dir);
	assert_int_equal(listfile_read(missing, LISTFILE_PLAIN, NOW, &sink, f), RBL_EIO);
	assert_int_equal(listfile_read(missing, LISTFILE_CSV, NOW, &sink, f), RBL_EIO);
	assert_int_equal(f->nrows, 0);
}

/* A plain line of exactly len bytes (before its newline): an address, then a comment filling the rest. */
static void padded_line(char *out, size_t len, const char *address)
{
	size_t n = strlen(address);
	memcpy(out, address, n);
	out[n] = ' ';
	out[n + 1] = '#';
	memset(out + n + 2, 'c', len - n - 2);
	out[len] = '\n';
	out[len + 1] = '\0';
}

static void test_lines_are_bounded_and_an_overlong_one_is_skipped_whole(void **state)
{
	struct fixture *f = *state;
	static char text[4 * LISTFILE_LINE_MAX];
	padded_line(text, LISTFILE_LINE_MAX, "192.0.2.1");                        /* line 1: exactly the bound */
	padded_line(text + strlen(text), 3 * LISTFILE_LINE_MAX / 2, "192.0.2.2"); /* line 2: over it */
	strcat(text, "192.0.2.3\n");                                              /* line 3 */
	padded_line(text + strlen(text), LISTFILE_LINE_MAX + 1, "192.0.2.4");     /* line 4: one byte over */
	strcat(text, "192.0.2.5\n");                                              /* line 5 */
	assert_int_equal(read_plain(f, text), RBL_OK);
	assert_int_equal(f->nbad, 2);
	assert_bad(f, 0, 2, NULL, "longer than 4096");
	assert_bad(f, 1, 4, NULL, "longer than 4096");
	assert_int_equal(f->nrows, 3);
	assert_bare_row(&f->rows[0], 1, "192.0.2.1/32", false);
	assert_bare_row(&f->rows[1], 3, "192.0.2.3/32", false); /* the rest of line 2 was not read as lines */
	assert_bare_row(&f->rows[2], 5, "192.0.2.5/32", false);
}

static void test_a_nul_byte_in_a_line_is_named_as_a_nul_byte_not_a_long_line(void **state)
{
	struct fixture *f = *state;
	static const char text[] = "192.0.2.1\n192.0.2.2\x00junk\n192.0.2.3\n192.0.2.4\x00";
	assert_int_equal(read_bytes(f, LISTFILE_PLAIN, text, sizeof text - 1), RBL_OK);
	assert_int_equal(f->nbad, 2);
	assert_bad(f, 0, 2, "192.0.2.2", "NUL byte");
	assert_bad(f, 1, 4, "192.0.2.4", "NUL byte"); /* the last line, without a newline */
	assert_null(strstr(f->bad[0].why, "longer"));
	assert_int_equal(f->nrows, 2);
	assert_bare_row(&f->rows[0], 1, "192.0.2.1/32", false);
	assert_bare_row(&f->rows[1], 3, "192.0.2.3/32", false);
}

static void test_a_line_that_is_only_a_nul_is_refused_not_skipped(void **state)
{
	struct fixture *f = *state;
	static const char text[] = "192.0.2.1\n\x00\n192.0.2.3\n";
	assert_int_equal(read_bytes(f, LISTFILE_PLAIN, text, sizeof text - 1), RBL_OK);
	assert_int_equal(f->nbad, 1);
	assert_bad(f, 0, 2, "", "NUL byte");
	assert_int_equal(f->nrows, 2);
	static const char csv[] = "address,reason\n192.0.2.1,a\x00" "b\n\x00\n";
	f->nbad = f->nrows = 0;
	assert_int_equal(read_bytes(f, LISTFILE_CSV, csv, sizeof csv - 1), RBL_OK);
	assert_int_equal(f->nbad, 2);
	assert_bad(f, 0, 2, NULL, "NUL byte");
	assert_bad(f, 1, 3, NULL, "NUL byte");
	assert_int_equal(f->nrows, 0);
}

static void test_progress_is_reported_every_65536_lines(void **state)
{
	struct fixture *f = *state;
	FILE *out = fopen(f->path, "wb");
	assert_non_null(out);
	for (unsigned i = 0; i < 65536 + 10; i++)
		fputs("10.0.0.1\n", out);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(listfile_read(f->path, LISTFILE_PLAIN, NOW, &sink, f), RBL_OK);
	assert_int_equal(f->total_rows, 65536 + 10);
	assert_int_equal(f->progress_calls, 1);
	assert_int_equal(f->progress_lines, 65536);
	assert_true(f->progress_bytes > 0 && f->progress_bytes <= (65536 + 10) * 9ull);
}

/* --- CSV */

static void test_csv_reads_every_column_in_the_header_order(void **state)
{
	struct fixture *f = *state;
	const char *text = "reason,expires,address,code,source\n"
	                   "\"open relay, probed\",30d,192.0.2.1,127.0.0.2 127.0.0.4,probe\n"
	                   ",,10.0.0.0/8,,\n"
	                   "\"say \"\"hi\"\"\",2030-01-01,!192.0.2.0/28,127.0.0.3,\n"
	                   " spaced out , 2h , 2001:db8::/48 , 127.0.0.5 , manual \n";
	assert_int_equal(read_csv(f, text), RBL_OK);
	assert_int_equal(f->nbad, 0);
	assert_int_equal(f->nrows, 4);

	assert_row(&f->rows[0], 2, "192.0.2.1/32", false);
	assert_int_equal(f->rows[0].ncodes, 2);
	assert_int_equal(f->rows[0].codes[0], 0x7f000002u);
	assert_int_equal(f->rows[0].codes[1], 0x7f000004u);
	assert_string_equal(f->rows[0].reason, "open relay, probed");
	assert_string_equal(f->rows[0].source, "probe");
	assert_true(f->rows[0].expires == NOW + 30 * DAY);

	assert_bare_row(&f->rows[1], 3, "10.0.0.0/8", false);

	assert_row(&f->rows[2], 4, "192.0.2.0/28", true);
	assert_int_equal(f->rows[2].ncodes, 1);
	assert_int_equal(f->rows[2].codes[0], 0x7f000003u);
	assert_string_equal(f->rows[2].reason, "say \"hi\"");
	assert_true(f->rows[2].expires == 1893456000); /* 2030-01-01T00:00:00Z */

	assert_row(&f->rows[3], 5, "2001:db8::/48", false);
	assert_string_equal(f->rows[3].reason, "spaced out");
	assert_string_equal(f->rows[3].source, "manual");
	assert_int_equal(f->rows[3].codes[0], 0x7f000005u);
	assert_true(f->rows[3].expires == NOW + 2 * 3600);
}

static void test_csv_needs_only_the_address_column_named_in_any_case(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(read_csv(f, "Address\n192.0.2.1\n\"!192.0.2.2\"\n"), RBL_OK);
	assert_int_equal(f->nbad, 0);
	assert_int_equal(f->nrows, 2);
	assert_bare_row(&f->rows[0], 2, "192.0.2.1/32", false);
	assert_bare_row(&f->rows[1], 3, "192.0.2.2/32", true);

	f->nrows = 0;
	assert_int_equal(read_csv(f, "CODE, ADDRESS\n127.0.0.9,10.0.0.0/8\n"), RBL_OK);
	assert_int_equal(f->nrows, 1);
	assert_row(&f->rows[0], 2, "10.0.0.0/8", false);
	assert_int_equal(f->rows[0].ncodes, 1);
	assert_int_equal(f->rows[0].codes[0], 0x7f000009u);
}

static void test_csv_skips_blank_and_comment_lines_but_counts_them(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(read_csv(f, "# exported list\n\naddress,reason\n\n# a note\n192.0.2.1,x\n   \n192.0.2.2,y\n"),
	                 RBL_OK);
	assert_int_equal(f->nbad, 0);
	assert_int_equal(f->nrows, 2);
	assert_row(&f->rows[0], 6, "192.0.2.1/32", false);
	assert_string_equal(f->rows[0].reason, "x");
	assert_row(&f->rows[1], 8, "192.0.2.2/32", false);
	assert_string_equal(f->rows[1].reason, "y");
}

static void test_csv_header_without_address_column_stops_whatever_the_sink_says(void **state)
{
	struct fixture *f = *state;
	f->bad_answer = 0; /* "go on": a file without a usable header cannot */
	assert_int_equal(read_csv(f, "code,reason\n127.0.0.2,x\n"), RBL_EINVAL);
	assert_int_equal(f->nbad, 1);
	assert_bad(f, 0, 1, "code,reason", "no address column");
	assert_int_equal(f->nrows, 0);
}

static void test_csv_header_with_an_unknown_column_stops_the_read(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(read_csv(f, "address,colour\n192.0.2.1,red\n"), RBL_EINVAL);
	assert_int_equal(f->nbad, 1);
	assert_bad(f, 0, 1, "address,colour", "unknown column");
	assert_int_equal(f->nrows, 0);

	f->nbad = 0;
	assert_int_equal(read_csv(f, "\"address,reason\n192.0.2.1\n"), RBL_EINVAL);
	assert_bad(f, 0, 1, NULL, "unterminated");
	assert_int_equal(f->nrows, 0);
}

static void test_csv_file_with_no_header_line_is_reported(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(read_csv(f, "# only a comment\n\n"), RBL_OK); /* the sink said go on */
	assert_int_equal(f->nbad, 1);
	assert_bad(f, 0, 2, NULL, "no header line");
	f->nbad = 0;
	f->bad_answer = 3;
	assert_int_equal(read_csv(f, "# only a comment\n"), 3);
	assert_int_equal(f->nbad, 1);
}

static void test_csv_bad_rows_are_named_with_line_and_reason_and_the_rest_read(void **state)
{
	struct fixture *f = *state;
	static char text[8192];
	char long_reason[ENTRY_TEXT_MAX + 1];
	memset(long_reason, 'r', ENTRY_TEXT_MAX);
	long_reason[ENTRY_TEXT_MAX] = '\0';
	snprintf(text, sizeof text,
	         "address,code,expires,reason\n" /* 1 */
	         "192.0.2.1,127.0.0.2\n"         /* 2: fewer fields */
	         "192.0.2.2,10.0.0.2,,\n"        /* 3 */
	         "192.0.2.3,localhost,,\n"       /* 4 */
	         "192.0.2.4,127.0.0.1 127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5 127.0.0.6 127.0.0.7 127.0.0.8 "
	         "127.0.0.9,,\n"                       /* 5 */
	         "192.0.2.5,,2000-01-01,\n"            /* 6 */
	         "192.0.2.6,,soon,\n"                  /* 7 */
	         "192.0.2.7,,,\"unterminated\n"        /* 8 */
	         "192.0.2.8,,,\"closed\"early\n"       /* 9 */
	         "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q\n" /* 10 */
	         "192.0.2.10,,,%s\n"                   /* 11 */
	         "192.0.2.11/24,,,\n"                  /* 12 */
	         "192.0.2.12,127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5 127.0.0.6 127.0.0.7 127.0.0.8 127.0.0.9,,"
	         "eight codes\n", /* 13: good */
	         long_reason);
	assert_int_equal(read_csv(f, text), RBL_OK);
	assert_int_equal(f->nbad, 11);
	assert_bad(f, 0, 2, "192.0.2.1,127.0.0.2", "fewer fields than the header");
	assert_bad(f, 1, 3, "192.0.2.2,10.0.0.2,,", "outside 127.0.0.0/8");
	assert_bad(f, 2, 4, "192.0.2.3,localhost,,", "not an IPv4 address");
	assert_bad(f, 3, 5, NULL, "more than 8 codes");
	assert_bad(f, 4, 6, "192.0.2.5,,2000-01-01,", "in the past");
	assert_bad(f, 5, 7, "192.0.2.6,,soon,", "not a duration or date");
	assert_bad(f, 6, 8, "192.0.2.7,,,\"unterminated", "unterminated quoted field");
	assert_bad(f, 7, 9, "192.0.2.8,,,\"closed\"early", "text after a closing quote");
	assert_bad(f, 8, 10, NULL, "too many fields");
	assert_bad(f, 9, 11, NULL, "too long");
	assert_bad(f, 10, 12, "192.0.2.11/24,,,", "host bits");
	assert_int_equal(f->nrows, 1);
	assert_row(&f->rows[0], 13, "192.0.2.12/32", false);
	assert_int_equal(f->rows[0].ncodes, ENTRY_MAX_CODES);
	assert_int_equal(f->rows[0].codes[7], 0x7f000009u);
	assert_string_equal(f->rows[0].reason, "eight codes");
}

/* duration_parse_expiry says RBL_ERANGE both for the past and for a duration over its 10-year cap ("3654d"): the
 * bad-line reason must not call a far-future expiry "in the past". */
static void test_csv_expiry_beyond_the_duration_cap_is_not_called_past(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(read_csv(f, "address,expires\n192.0.2.1,3654d\n"), RBL_OK);
	assert_int_equal(f->nrows, 0);
	assert_int_equal(f->nbad, 1);
	assert_int_equal(f->bad[0].line, 2);
	assert_null(strstr(f->bad[0].why, "past"));
	assert_non_null(strstr(f->bad[0].why, "10 years"));
}

static void test_csv_control_characters_in_reason_or_source_are_bad_lines(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(read_csv(f, "address,reason,source\n"
	                             "192.0.2.1,\"a\x1b[31mred\",feed\n"
	                             "192.0.2.2,fine,tab\there\n"
	                             "192.0.2.3,del\x7f,feed\n"
	                             "192.0.2.4,\"caf\xc3\xa9, 50% \\ ok\",feed\n"),
	                 RBL_OK);
	assert_int_equal(f->nbad, 3);
	assert_bad(f, 0, 2, NULL, "control character 0x1b in the reason");
	assert_bad(f, 1, 3, NULL, "control character 0x09 in the source");
	assert_bad(f, 2, 4, NULL, "control character 0x7f in the reason");
	assert_int_equal(f->nrows, 1);
	assert_row(&f->rows[0], 5, "192.0.2.4/32", false);
	assert_string_equal(f->rows[0].reason, "caf\xc3\xa9, 50% \\ ok");
}

static void test_csv_gzip_file_reads_like_the_plain_one(void **state)
{
	struct fixture *f = *state;
	write_gzip(f, "address,reason\n192.0.2.1,\"a, b\"\n");
	assert_int_equal(listfile_read(f->path, LISTFILE_CSV, NOW, &sink, f), RBL_OK);
	assert_int_equal(f->nbad, 0);
	assert_int_equal(f->nrows, 1);
	assert_row(&f->rows[0], 2, "192.0.2.1/32", false);
	assert_string_equal(f->rows[0].reason, "a, b");
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        TEST(test_plain_reads_addresses_and_cidrs_skipping_comments_and_blank_lines),
	        TEST(test_plain_reads_crlf_lines_and_a_last_line_without_newline),
	        TEST(test_gzip_file_reads_like_the_plain_one),
	        TEST(test_empty_files_give_no_rows),
	        TEST(test_plain_bad_lines_are_named_with_file_line_and_reason),
	        TEST(test_bad_line_sink_value_stops_the_read_and_is_returned),
	        TEST(test_without_a_bad_line_sink_a_bad_line_stops_with_einval),
	        TEST(test_row_sink_value_stops_the_read_and_is_returned),
	        TEST(test_missing_file_is_eio),
	        TEST(test_lines_are_bounded_and_an_overlong_one_is_skipped_whole),
	        TEST(test_a_nul_byte_in_a_line_is_named_as_a_nul_byte_not_a_long_line),
	        TEST(test_a_line_that_is_only_a_nul_is_refused_not_skipped),
	        TEST(test_progress_is_reported_every_65536_lines),
	        TEST(test_csv_reads_every_column_in_the_header_order),
	        TEST(test_csv_needs_only_the_address_column_named_in_any_case),
	        TEST(test_csv_skips_blank_and_comment_lines_but_counts_them),
	        TEST(test_csv_header_without_address_column_stops_whatever_the_sink_says),
	        TEST(test_csv_header_with_an_unknown_column_stops_the_read),
	        TEST(test_csv_file_with_no_header_line_is_reported),
	        TEST(test_csv_bad_rows_are_named_with_line_and_reason_and_the_rest_read),
	        TEST(test_csv_expiry_beyond_the_duration_cap_is_not_called_past),
	        TEST(test_csv_control_characters_in_reason_or_source_are_bad_lines),
	        TEST(test_csv_gzip_file_reads_like_the_plain_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
