/* SPDX-License-Identifier: BSD-2-Clause */
/* test_rbldata.c — the rbldnsd data-file reader: address forms, ranges, values and templates, specials, combined
 * sections, bad lines, gzip, and what the sink receives for each. Fixtures are in data/rbldata/ next to this file
 * (or in $RBLDATA_TEST_DATA); short cases are written to a temporary file by the test itself. */
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

#define MAX_ENTRIES 256
#define MAX_BAD 32
#define CODE(n) (0x7f000000u | (n))

struct got_entry {
	char net[ADDR_STRLEN];
	bool exclude;
	uint32_t code;
	bool has_txt;
	char txt[RBLDATA_TXT_MAX];
	unsigned line;
	unsigned section; /* how many sections had begun when it arrived */
	unsigned widest_len;
};

struct got_bad {
	char file[256];
	unsigned line;
	char text[256];
	char why[256];
};

struct got_section {
	enum rbldata_dataset type;
	char name[64];
	char subzones[RBLDATA_MAX_SUBZONES][64];
	unsigned subzone_count, line;
};

static struct recorder {
	struct got_entry entries[MAX_ENTRIES];
	unsigned n;
	unsigned long long counted; /* every entry, also past MAX_ENTRIES */
	struct got_bad bad[MAX_BAD];
	unsigned nbad;
	rbldata_soa_t soa;
	unsigned soa_calls;
	char ns[RBLDATA_MAX_NS][256];
	unsigned ns_count, ns_calls;
	uint32_t ns_ttl;
	uint32_t ttls[16];
	unsigned nttl;
	struct got_section sections[8];
	unsigned nsections;
	unsigned long progress_calls, last_progress_lines;
	unsigned long long last_progress_bytes;
	int bad_return;   /* what bad_line answers */
	unsigned stop_at; /* entry answers stop_value at this entry (1-based); 0 = never */
	int stop_value;
} * rec;

static int on_entry(void *ctx, const rbldata_entry_t *e)
{
	(void)ctx;
	rec->counted++;
	if (rec->n < MAX_ENTRIES) {
		struct got_entry *g = &rec->entries[rec->n++];
		cidr_format(&e->net, g->net);
		g->exclude = e->exclude;
		g->code = e->code;
		g->has_txt = e->has_txt;
		snprintf(g->txt, sizeof g->txt, "%s", e->has_txt ? e->txt : "");
		g->line = e->line;
		g->section = rec->nsections;
		g->widest_len = e->widest_len;
	}
	if (rec->stop_at && rec->counted == rec->stop_at)
		return rec->stop_value;
	return 0;
}

static int on_soa(void *ctx, const rbldata_soa_t *soa)
{
	(void)ctx;
	rec->soa = *soa;
	rec->soa_calls++;
	return 0;
}

static int on_ns(void *ctx, uint32_t ttl, const char *const *names, unsigned count)
{
	(void)ctx;
	assert_true(count <= RBLDATA_MAX_NS);
	rec->ns_ttl = ttl;
	rec->ns_count = count;
	rec->ns_calls++;
	for (unsigned i = 0; i < count; i++)
		snprintf(rec->ns[i], sizeof rec->ns[i], "%s", names[i]);
	return 0;
}

static int on_ttl(void *ctx, uint32_t ttl)
{
	(void)ctx;
	if (rec->nttl < 16)
		rec->ttls[rec->nttl++] = ttl;
	return 0;
}

static int on_section(void *ctx, const rbldata_section_t *section)
{
	(void)ctx;
	assert_true(rec->nsections < 8);
	struct got_section *g = &rec->sections[rec->nsections++];
	g->type = section->type;
	snprintf(g->name, sizeof g->name, "%s", section->name);
	g->subzone_count = section->subzone_count;
	for (unsigned i = 0; i < section->subzone_count; i++)
		snprintf(g->subzones[i], sizeof g->subzones[i], "%s", section->subzones[i]);
	g->line = section->line;
	return 0;
}

static int on_bad_line(void *ctx, const char *file, unsigned line, const char *text, const char *why)
{
	(void)ctx;
	if (rec->nbad < MAX_BAD) {
		struct got_bad *g = &rec->bad[rec->nbad];
		snprintf(g->file, sizeof g->file, "%s", file);
		g->line = line;
		snprintf(g->text, sizeof g->text, "%s", text);
		snprintf(g->why, sizeof g->why, "%s", why);
	}
	rec->nbad++;
	return rec->bad_return;
}

static void on_progress(void *ctx, unsigned long lines, unsigned long long bytes)
{
	(void)ctx;
	rec->progress_calls++;
	assert_true(lines > rec->last_progress_lines);
	assert_true(bytes >= rec->last_progress_bytes);
	rec->last_progress_lines = lines;
	rec->last_progress_bytes = bytes;
}

static const rbldata_sink_t sink = {on_entry, on_soa, on_ns, on_ttl, on_section, on_bad_line, on_progress};

static int setup(void **state)
{
	(void)state;
	rec = calloc(1, sizeof *rec);
	return rec ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(rec);
	return 0;
}

static const char *data_path(const char *name)
{
	static char path[1024];
	const char *dir = getenv("RBLDATA_TEST_DATA");
	if (dir) {
		snprintf(path, sizeof path, "%s/%s", dir, name);
	} else {
		const char *slash = strrchr(__FILE__, '/');
		int dirlen = slash ? (int)(slash - __FILE__) : 1;
		snprintf(path, sizeof path, "%.*s/data/rbldata/%s", dirlen, slash ? __FILE__ : ".", name);
	}
	return path;
}

static int read_fixture(const char *name, enum rbldata_dataset type)
{
	return rbldata_read(data_path(name), type, &sink, NULL);
}

static char temp_path[64];

/* Writes content (len bytes) to a fresh temporary file and reads it as type. */
static int read_bytes(enum rbldata_dataset type, const char *content, size_t len)
{
	snprintf(temp_path, sizeof temp_path, "/tmp/test_rbldata.XXXXXX");
	int fd = mkstemp(temp_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	close(fd);
	int rc = rbldata_read(temp_path, type, &sink, NULL);
	unlink(temp_path);
	return rc;
}

static int read_text(enum rbldata_dataset type, const char *content)
{
	return read_bytes(type, content, strlen(content));
}

static void assert_entry(unsigned i, const char *net, uint32_t code, const char *txt, unsigned line)
{
	assert_true(i < rec->n);
	const struct got_entry *g = &rec->entries[i];
	assert_string_equal(g->net, net);
	assert_false(g->exclude);
	assert_int_equal(g->code, code);
	if (txt) {
		assert_true(g->has_txt);
		assert_string_equal(g->txt, txt);
	} else {
		assert_false(g->has_txt);
	}
	assert_int_equal(g->line, line);
}

static void assert_exclusion(unsigned i, const char *net, unsigned line)
{
	assert_true(i < rec->n);
	assert_string_equal(rec->entries[i].net, net);
	assert_true(rec->entries[i].exclude);
	assert_int_equal(rec->entries[i].line, line);
}

static void assert_net(unsigned i, const char *net)
{
	assert_true(i < rec->n);
	assert_string_equal(rec->entries[i].net, net);
}

static void assert_bad(unsigned i, unsigned line, const char *why)
{
	assert_true(i < rec->nbad);
	assert_int_equal(rec->bad[i].line, line);
	assert_string_equal(rec->bad[i].why, why);
}

static void test_ip4set_forms_give_the_manual_cidrs(void **state)
{
	(void)state;
	assert_int_equal(read_fixture("ip4set_forms.txt", RBLDATA_IP4SET), 0);
	assert_int_equal(rec->nbad, 0);
	assert_entry(0, "1.2.3.4/32", CODE(2), NULL, 2);
	assert_entry(1, "127.0.0.0/24", CODE(2), NULL, 3);
	assert_entry(2, "10.0.0.0/8", CODE(2), NULL, 4);
	assert_entry(3, "127.16.0.0/12", CODE(2), NULL, 5);
	for (unsigned i = 4; i < 7; i++) /* 127.0.0.0/24, 127/24, 127.0.0.0-127.0.0.255 */
		assert_entry(i, "127.0.0.0/24", CODE(2), NULL, i + 3);
	for (unsigned i = 7; i < 13; i++) /* six ways of writing 127.16.0.0-127.31.255.255 */
		assert_entry(i, "127.16.0.0/12", CODE(2), NULL, i + 4);
	assert_entry(13, "127.16.0.0/19", CODE(2), NULL, 18); /* 127.16.0-31: the suffix replaces the last octet */
}

static void test_fixture_ranges_split_into_the_fewest_cidrs(void **state)
{
	(void)state;
	assert_int_equal(read_fixture("ip4set_forms.txt", RBLDATA_IP4SET), 0);
	static const char *const want[] = {"127.0.0.1/32",  "127.0.0.2/31",  "127.0.0.4/30",  "127.0.0.8/29",
	                                   "127.0.0.16/28", "127.0.0.32/27", "127.0.0.64/26", "127.0.0.128/25"};
	for (unsigned i = 0; i < 8; i++) /* 127.0.0.1-255 */
		assert_entry(14 + i, want[i], CODE(2), NULL, 19);
	assert_entry(22, "10.0.0.3/32", CODE(2), NULL, 20); /* 10.0.0.3-10.0.0.17 */
	assert_entry(23, "10.0.0.4/30", CODE(2), NULL, 20);
	assert_entry(24, "10.0.0.8/29", CODE(2), NULL, 20);
	assert_entry(25, "10.0.0.16/31", CODE(2), NULL, 20);
	assert_entry(26, "0.0.0.0/0", CODE(2), NULL, 21); /* 0.0.0.0-255.255.255.255 */
}

static void test_exclusions_and_comments_after_the_address(void **state)
{
	(void)state;
	assert_int_equal(read_fixture("ip4set_forms.txt", RBLDATA_IP4SET), 0);
	assert_exclusion(27, "192.168.1.1/32", 22);
	assert_exclusion(28, "192.168.2.0/24", 23); /* "! 192.168.2.0/24 :3:ignored": the value is ignored */
	assert_entry(29, "127.0.0.0/8", CODE(2), NULL, 24);
	assert_entry(30, "192.0.2.1/32", CODE(2), NULL, 25);
	assert_entry(31, "192.0.2.2/32", CODE(5), "value right after", 26);
	assert_int_equal(rec->n, 32);
}

static void test_ranges_split_at_every_alignment(void **state)
{
	(void)state;
	assert_int_equal(read_text(RBLDATA_IP4SET, "10.0.0.255-10.0.1.0\n0.0.0.1-255.255.255.254\n"), 0);
	assert_entry(0, "10.0.0.255/32", CODE(2), NULL, 1);
	assert_entry(1, "10.0.1.0/32", CODE(2), NULL, 1);
	/* 0.0.0.1-255.255.255.254: /32 /31 ... /1 up to 128.0.0.0, then /2 ... /32 down: 62 CIDRs. */
	assert_int_equal(rec->n, 2 + 62);
	assert_net(2, "0.0.0.1/32");
	assert_net(32, "64.0.0.0/2");
	assert_net(33, "128.0.0.0/2");
	assert_net(63, "255.255.255.254/32");
}

static void test_bare_number_and_uneven_range_ends_are_bad_lines(void **state)
{
	(void)state;
	/* rbldnsd(8) lists "127-127.0.0", but rbldnsd refuses it, and a lone "127" too: we do as rbldnsd does. */
	assert_int_equal(read_text(RBLDATA_IP4SET, "127\n127-127.0.0\n1.2-1.2.3.4\n1.2.3.10-1.2.3.4\n"), 0);
	assert_int_equal(rec->n, 0);
	assert_bad(0, 1, "bare number '127' is not an address; write 127/8");
	assert_bad(1, 2, "range ends '127' and '127.0.0' differ in length");
	assert_bad(2, 3, "range ends '1.2' and '1.2.3.4' differ in length");
	assert_bad(3, 4, "range start 1.2.3.10 is after its end 1.2.3.4");
}

static void test_host_bits_in_a_cidr_are_a_bad_line(void **state)
{
	(void)state;
	/* rbldnsd refuses them unless run with -e, which masks them; there is no -e here. */
	assert_int_equal(read_text(RBLDATA_IP4SET, "127.0.2.1/24\n10.0.0.1/8\n"), 0);
	assert_int_equal(rec->n, 0);
	assert_bad(0, 1, "host bits set in '127.0.2.1/24' (the network is 127.0.2.0/24)");
	assert_bad(1, 2, "host bits set in '10.0.0.1/8' (the network is 10.0.0.0/8)");
}

static void test_out_of_range_octet_and_prefix_length_name_the_value(void **state)
{
	(void)state;
	assert_int_equal(read_text(RBLDATA_IP4SET, "1.2.3.256\n1.2.3.0/33\n0/0\n1.2.3.4.5\n1.2..3\n1.2.3.4/\n"), 0);
	assert_int_equal(rec->n, 0);
	assert_bad(0, 1, "octet 256 out of range");
	assert_bad(1, 2, "prefix length 33 > 32");
	assert_bad(2, 3, "prefix length 0 is refused in ip4set (as rbldnsd does); write 0.0.0.0-255.255.255.255");
	assert_bad(3, 4, "unexpected '.5' after the address in '1.2.3.4.5'");
	assert_bad(4, 5, "missing octet after '.' in '1.2..3'");
	assert_bad(5, 6, "missing prefix length after '/'");
}

static void test_manual_default_and_value_cases(void **state)
{
	(void)state;
	assert_int_equal(read_fixture("values.txt", RBLDATA_IP4SET), 0);
	assert_int_equal(rec->nbad, 0);
	assert_entry(0, "127.0.0.4/32", CODE(2), "IP address $ is listed", 4);              /* default A and TXT */
	assert_entry(1, "127.0.0.5/32", CODE(5), "IP address $ is listed", 6);              /* ":5": own A */
	assert_entry(2, "127.0.0.6/32", CODE(6), NULL, 8);                                  /* ":6:": no TXT */
	assert_entry(3, "127.0.0.7/32", CODE(2), "IP address $ running an open relay", 10); /* own TXT */
	assert_entry(4, "127.0.0.8/32", CODE(8), "Blacklisted: http://example.com/bl?$", 11);
	assert_entry(5, "127.0.0.9/32", CODE(8), "spaced", 12); /* ":8 : spaced" */
}

static void test_without_a_default_an_entry_is_127_0_0_2_without_txt(void **state)
{
	(void)state;
	assert_int_equal(read_text(RBLDATA_IP4SET, "1.2.3.4\n1.2.3.5 :3\n1.2.3.6 text only\n"), 0);
	assert_entry(0, "1.2.3.4/32", CODE(2), NULL, 1);
	assert_entry(1, "1.2.3.5/32", CODE(3), NULL, 2);
	assert_entry(2, "1.2.3.6/32", CODE(2), "text only", 3);
}

static void test_default_holds_from_its_line_on(void **state)
{
	(void)state;
	assert_int_equal(read_text(RBLDATA_IP4SET, "1.0.0.1\n:3:three\n1.0.0.2\n:4\n1.0.0.3\n1.0.0.4 :5\n"), 0);
	assert_entry(0, "1.0.0.1/32", CODE(2), NULL, 1);
	assert_entry(1, "1.0.0.2/32", CODE(3), "three", 3);
	assert_entry(2, "1.0.0.3/32", CODE(4), NULL, 5); /* ":4" as a default line: A 4, and no TXT */
	assert_entry(3, "1.0.0.4/32", CODE(5), NULL, 6);
}

static void test_abbreviated_codes_complete_like_rbldnsd(void **state)
{
	(void)state;
	assert_int_equal(read_text(RBLDATA_IP4SET, "1.0.0.1 :2:\n1.0.0.2 :127.3:\n1.0.0.3 :127.0.4:\n"
	                                           "1.0.0.4 :127.0.0.255:\n1.0.0.5:6:glued\n"),
	                 0);
	assert_entry(0, "1.0.0.1/32", CODE(2), NULL, 1);
	assert_entry(1, "1.0.0.2/32", CODE(3), NULL, 2);
	assert_entry(2, "1.0.0.3/32", CODE(4), NULL, 3);
	assert_entry(3, "1.0.0.4/32", CODE(255), NULL, 4);
	assert_entry(4, "1.0.0.5/32", CODE(6), "glued", 5);
}

static void test_bad_codes_are_bad_lines(void **state)
{
	(void)state;
	assert_int_equal(read_text(RBLDATA_IP4SET, "1.0.0.1 :10.0.0.2:x\n1.0.0.2 :1.2\n1.0.0.3 :0\n1.0.0.4 :300\n"
	                                           ":\n1.0.0.5 :5 # comment\n"),
	                 0);
	assert_int_equal(rec->n, 0);
	assert_bad(0, 1, "code 10.0.0.2 outside 127.0.0.0/8");
	assert_bad(1, 2, "code 1.0.0.2 outside 127.0.0.0/8"); /* "1.2" completes to 1.0.0.2, as in rbldnsd */
	assert_bad(2, 3, "A value '0' is zero");
	assert_bad(3, 4, "bad A value: octet 300 out of range");
	assert_bad(4, 5, "missing A value after ':'");
	assert_bad(5, 6, "unexpected '#' after the A value (the forms are :A:TXT, :A: and :A)");
}

static void test_manual_substitution_variables(void **state)
{
	(void)state;
	assert_int_equal(read_fixture("templates.txt", RBLDATA_IP4SET), 0);
	assert_int_equal(rec->nbad, 0);
	/* '$' stays the address; "$$" stays a dollar sign (the store's template language is rbldnsd's). */
	assert_entry(0, "127.0.0.2/32", CODE(2), "See http://www.example.com/bl/spammer/$ for details", 3);
	assert_entry(1, "127.0.0.3/32", CODE(2), "See http://www.example.com/bl/relay/$ for details", 4);
	assert_entry(2, "127.0.0.4/32", CODE(2), "This spammer wants some $$$$.  See http://www.example.com/bl/$", 5);
}

static void test_variables_apply_to_earlier_entries_and_first_definition_wins(void **state)
{
	(void)state;
	assert_int_equal(read_text(RBLDATA_IP4SET, "1.0.0.1 before $1\n$1 one\n$1 second\n1.0.0.2 after $1\n"), 0);
	assert_int_equal(rec->nbad, 0);
	assert_entry(0, "1.0.0.1/32", CODE(2), "before one", 1);
	assert_entry(1, "1.0.0.2/32", CODE(2), "after one", 4);
}

static void test_variable_text_is_copied_as_is_and_undefined_ones_stay(void **state)
{
	(void)state;
	/* rbldnsd copies a variable's text without looking into it: its '$' signs are dollar signs. */
	assert_int_equal(read_text(RBLDATA_IP4SET, "$1 costs $5 at $\n1.0.0.1 $1; $2 undefined; $x; end $\n"), 0);
	assert_entry(0, "1.0.0.1/32", CODE(2), "costs $$5 at $$; $$2 undefined; $x; end $", 2);
}

static void test_manual_base_template_and_equals_opt_out(void **state)
{
	(void)state;
	assert_int_equal(read_fixture("base_template.txt", RBLDATA_IP4SET), 0);
	assert_int_equal(rec->nbad, 0);
	assert_entry(0, "127.0.0.2/32", CODE(2), "See http://www.example.com/bl?r123 ($) for details", 2);
	assert_entry(1, "127.0.0.3/32", CODE(2), "See http://www.example.com/bl?$ ($) for details", 3);
	assert_entry(2, "127.0.0.4/32", CODE(2), "See other blocklists for details about $", 4);
}

static void test_base_template_gives_txt_to_entries_without_one(void **state)
{
	(void)state;
	assert_int_equal(read_text(RBLDATA_IP4SET, "1.0.0.1 :6:\n1.0.0.2 =\n1.0.0.3 cost $$ $1\n$= [$=]\n"), 0);
	assert_entry(0, "1.0.0.1/32", CODE(6), "[$]", 1);             /* rbldnsd answers ":6:" with the base too */
	assert_entry(1, "1.0.0.2/32", CODE(2), NULL, 2);              /* "=" alone: opted out, and empty */
	assert_entry(2, "1.0.0.3/32", CODE(2), "[cost $$$$ $$1]", 3); /* the entry's text goes in as is */
}

static void test_address_followed_by_a_dollar_is_a_bad_line(void **state)
{
	(void)state;
	/* "$" (address) then "$$" (dollar) reads back as "$$" then "$": no spelling for it in the store. */
	assert_int_equal(read_text(RBLDATA_IP4SET, "$= $=$$\n1.0.0.1\n1.0.0.2 fine\n"), 0);
	assert_bad(0, 2,
	           "TXT template puts a '$' right after the address, which has no spelling in dnsbld's templates");
	assert_entry(0, "1.0.0.2/32", CODE(2), "fine$$", 3);
}

static void test_expansion_over_txt_max_is_a_bad_line(void **state)
{
	(void)state;
	char text[1200];
	size_t n = (size_t)snprintf(text, sizeof text, "$1 ");
	memset(text + n, 'x', 600);
	n += 600;
	n += (size_t)snprintf(text + n, sizeof text - n, "\n1.0.0.1 $1\n1.0.0.2 $1$1\n");
	assert_int_equal(read_bytes(RBLDATA_IP4SET, text, n), 0);
	assert_int_equal(rec->n, 1);
	assert_int_equal(strlen(rec->entries[0].txt), 600);
	assert_bad(0, 3, "TXT template expands to more than 1023 bytes");
}

static void test_soa_ns_ttl_and_their_prefixes(void **state)
{
	(void)state;
	assert_int_equal(read_fixture("specials.txt", RBLDATA_IP4SET), 0);
	assert_int_equal(rec->soa_calls, 1); /* the second $SOA is ignored */
	assert_int_equal(rec->soa.ttl, 604800);
	assert_string_equal(rec->soa.mname, "ns1.ex.com");
	assert_string_equal(rec->soa.rname, "hostmaster.ex.com");
	assert_int_equal(rec->soa.serial, 0); /* kept as 0 */
	assert_int_equal(rec->soa.refresh, 7200);
	assert_int_equal(rec->soa.retry, 1800);
	assert_int_equal(rec->soa.expire, 10);
	assert_int_equal(rec->soa.minimum, 3600);
	assert_int_equal(rec->ns_calls, 1); /* "#$NS" counts, ";$NS" after it is ignored */
	assert_int_equal(rec->ns_ttl, 172800);
	assert_int_equal(rec->ns_count, 2); /* "-ns0.ex.com" is commented out */
	assert_string_equal(rec->ns[0], "ns1.ex.com");
	assert_string_equal(rec->ns[1], "ns2.ex.com.");
	assert_int_equal(rec->nttl, 2);
	assert_int_equal(rec->ttls[0], 2100); /* ":$TTL 35m" */
	assert_int_equal(rec->ttls[1], 0);    /* "$ttl 0": the default TTL */
	assert_int_equal(rec->nbad, 1);
	assert_bad(0, 8, "unknown special $FOO");
	assert_entry(0, "1.2.3.4/32", CODE(2), NULL, 9);
}

static void test_ns_with_too_many_names_or_none_is_a_bad_line(void **state)
{
	(void)state;
	assert_int_equal(read_text(RBLDATA_IP4SET, "$NS 1h a.ex b.ex c.ex d.ex e.ex f.ex g.ex h.ex i.ex\n$NS 1h\n"
	                                           "$NS 1h -a.ex -b.ex\n$NS 1h bad_name!\n$NS 1h ok.ex\n"),
	                 0);
	assert_bad(0, 1, "$NS: more than 8 name servers");
	assert_bad(1, 2, "$NS: no name server");
	assert_bad(2, 4, "$NS: 'bad_name!' is not a valid domain name");
	assert_int_equal(rec->ns_calls, 1); /* the one with only commented-out names does not count */
	assert_string_equal(rec->ns[0], "ok.ex");
}

static void test_malformed_specials_are_bad_lines(void **state)
{
	(void)state;
	assert_int_equal(read_text(RBLDATA_IP4SET,
	                           "$TTL 5x\n$TTL\n$SOA 1w ns1.ex hm.ex 0 1 1 1\n$1\n$12 x\n"
	                           "$TIMESTAMP 2020-13-01\n$TIMESTAMP 0 +1d\n$TIMESTAMP 2020:02:29 2021:01:01\n"
	                           "$TIMESTAMP 2021-02-29\n$TTL 4294967296\n$TTL 71583w\n$ttl 1W\n"),
	                 0);
	assert_bad(0, 1, "$TTL: bad time '5x' (a number with one of the units w, d, h, m, s)");
	assert_bad(1, 2, "$TTL: missing");
	assert_bad(2, 3, "$SOA minimum: missing");
	assert_bad(3, 4, "$1 needs a text");
	assert_bad(4, 5, "unknown special $12");
	assert_bad(5, 6, "$TIMESTAMP: bad time stamp (yyyy:mm:dd[:hh[:mi[:ss]]], or 0)");
	assert_bad(6, 7, "$TIMESTAMP: bad relative expiry (+time after a time stamp)");
	assert_bad(7, 9, "$TIMESTAMP: bad time stamp (yyyy:mm:dd[:hh[:mi[:ss]]], or 0)");
	assert_bad(8, 10, "$TTL: time '4294967296' is too large");
	assert_bad(9, 11, "$TTL: time '71583w' is too large");
	assert_int_equal(rec->nbad, 10);
	assert_int_equal(rec->nttl, 1);
	assert_int_equal(rec->ttls[0], 604800);
}

static void test_maxrange4_refuses_larger_entries_and_cannot_be_raised(void **state)
{
	(void)state;
	assert_int_equal(read_text(RBLDATA_IP4SET,
	                           "$MAXRANGE4 /24\n10.0.0.0/23\n10.0.0.0/24\n!10.1.0.0/16\n"
	                           "$MAXRANGE4 65536\n11.0.0.0-11.0.1.255\n$MAXRANGE4 128\n12.0.0.0/24\n"
	                           "12.0.1.0/25\n$MAXRANGE4 /0\n$MAXRANGE4 0\n"),
	                 0);
	assert_bad(0, 2, "'10.0.0.0/23' covers 512 addresses, more than $MAXRANGE4 256");
	assert_bad(1, 4, "'10.1.0.0/16' covers 65536 addresses, more than $MAXRANGE4 256");
	assert_bad(2, 5, "$MAXRANGE4 cannot be raised from 256 to 65536 (kept at 256)");
	assert_bad(3, 6, "'11.0.0.0-11.0.1.255' covers 512 addresses, more than $MAXRANGE4 256");
	assert_bad(4, 8, "'12.0.0.0/24' covers 256 addresses, more than $MAXRANGE4 128");
	assert_bad(5, 10, "$MAXRANGE4: /0 is not a range size (1 and up, or /1 to /32)");
	assert_bad(6, 11, "$MAXRANGE4: 0 is not a range size (1 and up, or /1 to /32)");
	assert_int_equal(rec->n, 2);
	assert_net(0, "10.0.0.0/24");
	assert_net(1, "12.0.1.0/25");
}

static void test_dataset_outside_combined_is_a_bad_line(void **state)
{
	(void)state;
	assert_int_equal(read_text(RBLDATA_IP4SET, "$DATASET ip4set x @\n1.2.3.4\n"), 0);
	assert_bad(0, 1, "$DATASET is only allowed in combined files");
	assert_int_equal(rec->nsections, 0);
	assert_entry(0, "1.2.3.4/32", CODE(2), NULL, 2);
}

static void test_ip4tset_takes_single_addresses_with_the_first_default(void **state)
{
	(void)state;
	/* rbldnsd answers every ip4tset entry with the dataset's first default line, wherever it is. */
	assert_int_equal(read_text(RBLDATA_IP4TSET, "1.2.3.4\n1.2.3.5 :5:ignored\n!1.2.3.6\n1.2.3\n1.2.3.0/24\n"
	                                            ":3:first $\n:4:second\n1.2.3.7\n"),
	                 0);
	assert_entry(0, "1.2.3.4/32", CODE(3), "first $", 1);
	assert_entry(1, "1.2.3.5/32", CODE(3), "first $", 2);
	assert_entry(2, "1.2.3.7/32", CODE(3), "first $", 8);
	assert_bad(0, 3, "ip4tset has no exclusions");
	assert_bad(1, 4, "ip4tset takes complete addresses, not '1.2.3'");
	assert_bad(2, 5, "unexpected '/24' after the address in '1.2.3.0/24'");
	assert_int_equal(rec->nbad, 3);
}

static void test_ip4trie_takes_cidrs_with_values_and_exclusions(void **state)
{
	(void)state;
	assert_int_equal(read_text(RBLDATA_IP4TRIE, ":3:trie\n0.0.0.0/0\n10/8 :4:ten\n10.1\n!10.1.2.3\n"
	                                            "10.0.0.1-10.0.0.3\n10.0.0.1/8\n"),
	                 0);
	assert_entry(0, "0.0.0.0/0", CODE(3), "trie", 2);
	assert_entry(1, "10.0.0.0/8", CODE(4), "ten", 3);
	assert_entry(2, "10.1.0.0/16", CODE(3), "trie", 4);
	assert_exclusion(3, "10.1.2.3/32", 5);
	assert_bad(0, 6, "ranges are not accepted in ip4trie ('10.0.0.1-10.0.0.3'); write CIDRs");
	assert_bad(1, 7, "host bits set in '10.0.0.1/8' (the network is 10.0.0.0/8)");
}

static void test_ip6trie_manual_example(void **state)
{
	(void)state;
	assert_int_equal(read_fixture("ip6trie.txt", RBLDATA_IP6TRIE), 0);
	assert_int_equal(rec->nbad, 0);
	const char *listed = "Listed, see http://example.com/lookup?$";
	assert_entry(0, "2001:21ab:c000::/36", CODE(0x0102), listed, 5);
	assert_entry(1, "2001:21ab:def7:4242::/64", CODE(0x0103), "This one smells funny", 8);
	assert_entry(2, "2605:6001:42::/52", CODE(0x0102), listed, 11);
	assert_entry(3, "::1/128", CODE(0x0102), listed, 12);
	assert_exclusion(4, "2605:6001:42::bead/128", 13);
	assert_int_equal(rec->n, 5);
}

static void test_ip6trie_forms_follow_rbldnsd(void **state)
{
	(void)state;
	assert_int_equal(read_text(RBLDATA_IP6TRIE, "2001\n2001/16\n2001:db8::/129\n2001:db8::1/64\n::/0\n"
	                                            "2001:db8:\n1:2:3:4:5:6:7:8:9\n::ffff:1.2.3.4\n1::2:3:4:5:6:7:8\n"
	                                            "12345::\n"),
	                 0);
	assert_bad(0, 1, "bare number '2001' is not an IPv6 prefix; write 2001/16");
	assert_entry(0, "2001::/16", CODE(2), NULL, 2);
	assert_bad(1, 3, "prefix length 129 > 128");
	assert_bad(2, 4, "host bits set in '2001:db8::1/64' (the network is 2001:db8::/64)");
	assert_entry(1, "::/0", CODE(2), NULL, 5);
	assert_bad(3, 6, "expected an IPv6 address at '2001:db8:'");
	/* Eight groups end the address, and the rest is its value, as in rbldnsd. */
	assert_entry(2, "1:2:3:4:5:6:7:8/128", CODE(9), NULL, 7);
	assert_bad(4, 8, "unexpected '.2.3.4' after the address in '::ffff:1.2.3.4'");
	assert_bad(5, 9, "'::' in an address of eight groups: '1::2:3:4:5:6:7:8'");
	assert_bad(6, 10, "IPv6 group '12345::' is over 16 bits");
	assert_int_equal(rec->n, 3);
	assert_int_equal(rec->nbad, 7);
}

static void test_ipv4_mapped_ipv6_entries_come_as_ipv4(void **state)
{
	(void)state;
	assert_int_equal(read_text(RBLDATA_IP6TRIE, "::ffff:102:304\n::ffff:0:0/96\n::fffe:0:0/96\n"), 0);
	assert_entry(0, "1.2.3.4/32", CODE(2), NULL, 1);
	assert_entry(1, "0.0.0.0/0", CODE(2), NULL, 2);
	assert_entry(2, "::fffe:0:0/96", CODE(2), NULL, 3);
}

static void test_ip6tset_manual_example(void **state)
{
	(void)state;
	assert_int_equal(read_fixture("ip6tset.txt", RBLDATA_IP6TSET), 0);
	assert_int_equal(rec->nbad, 0);
	assert_entry(0, "2001:20fe:23:41ed::/64", CODE(2), NULL, 1);
	assert_entry(1, "abac:adab:ad00:42f::/64", CODE(2), NULL, 2);
	assert_exclusion(2, "abac:adab:ad00:42f:face:f:a:beef/128", 3);
	assert_exclusion(3, "abac:adab:ad00:42f::2/128", 4);
}

static void test_ip6tset_wants_four_groups_and_full_exclusions(void **state)
{
	(void)state;
	assert_int_equal(read_text(RBLDATA_IP6TSET, "2001:db8::\n2001:db8:1\n!2001:db8:1:2\n2001:db8:1:2/64\n"
	                                            "2001:db8:1:3 :5:ignored\n:6:the default\n"),
	                 0);
	assert_bad(0, 1, "ip6tset entries are /64s written as four groups, not '2001:db8::'");
	assert_bad(1, 2, "ip6tset entries are /64s written as four groups, not '2001:db8:1'");
	assert_bad(2, 3, "ip6tset exclusions are complete addresses, not '2001:db8:1:2'");
	assert_bad(3, 4, "unexpected '/64' after the address in '2001:db8:1:2/64'");
	assert_entry(0, "2001:db8:1:3::/64", CODE(6), "the default", 5);
}

static void test_combined_manual_example(void **state)
{
	(void)state;
	assert_int_equal(read_fixture("combined.txt", RBLDATA_COMBINED), 0);
	assert_int_equal(rec->ns_calls, 1);
	assert_int_equal(rec->ns_count, 2);
	assert_int_equal(rec->soa_calls, 1);
	assert_int_equal(rec->soa.expire, 604800);
	assert_int_equal(rec->nsections, 4);
	assert_int_equal(rec->sections[0].type, RBLDATA_IP4SET);
	assert_string_equal(rec->sections[0].name, "proxy");
	assert_int_equal(rec->sections[0].subzone_count, 2);
	assert_string_equal(rec->sections[0].subzones[0], "proxies");
	assert_string_equal(rec->sections[0].subzones[1], "@");
	assert_int_equal(rec->sections[0].line, 6);
	assert_string_equal(rec->sections[2].name, "multihop-relay");
	assert_int_equal(rec->sections[2].subzone_count, 1);
	assert_int_equal(rec->sections[3].type, RBLDATA_IP4TRIE);
	assert_string_equal(rec->sections[3].name, "");
	assert_int_equal(rec->sections[3].subzone_count, 2); /* "trie @ # a comment after the subzones" */

	assert_entry(0, "127.0.0.2/32", CODE(2), "Open proxy, see http://bl.ex.com/proxy/$", 8);
	assert_entry(1, "127.0.0.10/32", CODE(2), "Open proxy, see http://bl.ex.com/proxy/$", 9);
	assert_entry(2, "127.0.0.2/32", CODE(3), "Open relay, see http://bl.ex.com/relay/$", 14);
	assert_entry(4, "127.0.0.2/32", CODE(4), "Multihop open relay, see http://bl.ex.com/relay/$", 20);
	assert_int_equal(rec->entries[4].section, 3);
	/* dnsbld serves no generic datasets: the section is reported and its lines skipped. */
	assert_int_equal(rec->nbad, 1);
	assert_bad(0, 24, "$DATASET generic: dnsbld does not serve generic datasets; section ignored");
	/* The default of the previous section does not reach the next one. */
	assert_entry(6, "127.0.0.0/30", CODE(2), NULL, 29);
	assert_int_equal(rec->entries[6].section, 4);
	assert_int_equal(rec->n, 7);
}

static void test_combined_variables_are_per_section_and_common_ones_win(void **state)
{
	(void)state;
	assert_int_equal(read_text(RBLDATA_COMBINED, "$1 common\n$TTL 1h\n$DATASET ip4set a @\n$1 own\n$2 two\n"
	                                             "$TTL 2h\n1.0.0.1 $1 $2\n$DATASET ip4set b sub\n1.0.0.2 $1 $2\n"
	                                             "$2 later\n"),
	                 0);
	assert_int_equal(rec->nbad, 0);
	assert_entry(0, "1.0.0.1/32", CODE(2), "common two", 7);
	assert_entry(1, "1.0.0.2/32", CODE(2), "common later", 9);
	assert_int_equal(rec->nttl, 2);
	assert_int_equal(rec->ttls[0], 3600);
	assert_int_equal(rec->ttls[1], 7200);
}

static void test_combined_refused_sections_are_skipped(void **state)
{
	(void)state;
	assert_int_equal(read_text(RBLDATA_COMBINED,
	                           "1.0.0.1\n:2:x\n$DATASET dnset d @\nexample.com\n"
	                           "$DATASET ip4set\n1.0.0.2\n$DATASET combined c @\n$DATASET foo f @\n"
	                           "$DATASET ip4set s bad..name\n$SOA 1h a.ex b.ex 1 1 1 1 1\n"
	                           "$DATASET ip4tset:t s1 s2\n:5:five\n1.0.0.3\n"),
	                 0);
	assert_bad(0, 1, "entry before the first $DATASET line");
	assert_bad(1, 2, "default line before the first $DATASET line");
	assert_bad(2, 3, "$DATASET dnset: dnsbld does not serve dnset datasets; section ignored");
	assert_bad(3, 5, "$DATASET ip4set: no subzone given (rbldnsd ignores the section's data)");
	assert_bad(4, 7, "$DATASET combined: combined datasets cannot be nested");
	assert_bad(5, 8, "$DATASET: unknown dataset type 'foo'");
	assert_bad(6, 9, "$DATASET: subzone 'bad..name' is not a valid name");
	assert_int_equal(rec->nbad, 7);
	assert_int_equal(rec->soa_calls, 1); /* a $SOA in a refused section still counts, as in rbldnsd */
	assert_int_equal(rec->nsections, 1);
	assert_int_equal(rec->sections[0].type, RBLDATA_IP4TSET);
	assert_entry(0, "1.0.0.3/32", CODE(5), "five", 13);
	assert_int_equal(rec->n, 1);
}

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

static void test_every_cidr_of_a_range_carries_the_widest_length_of_its_line(void **state)
{
	(void)state;
	assert_int_equal(read_text(RBLDATA_IP4SET, "0.0.0.1-255.255.255.254\n10.0.0.3-10.0.0.17\n"
	                                           "0.0.0.0-255.255.255.255\n192.0.2.0/24\n"),
	                 0);
	assert_int_equal(rec->n, 62 + 4 + 1 + 1);
	for (unsigned i = 0; i < 62; i++) /* /32 /31 ... /2 /2 ... /32: the line is as wide as its /2s */
		assert_int_equal(rec->entries[i].widest_len, 2);
	for (unsigned i = 62; i < 66; i++) /* 10.0.0.3/32, .4/30, .8/29, .16/31 */
		assert_int_equal(rec->entries[i].widest_len, 29);
	assert_net(66, "0.0.0.0/0");
	assert_int_equal(rec->entries[66].widest_len, 0);
	assert_int_equal(rec->entries[67].widest_len, 24);
}

static void test_widest_length_of_trie_and_ipv6_lines_is_their_own(void **state)
{
	(void)state;
	assert_int_equal(read_text(RBLDATA_IP4TRIE, "10.0.0.0/8\n0.0.0.0/0\n"), 0);
	assert_int_equal(rec->entries[0].widest_len, 8);
	assert_int_equal(rec->entries[1].widest_len, 0);
	memset(rec, 0, sizeof *rec);
	assert_int_equal(read_text(RBLDATA_IP6TRIE, "2001:db8::/32\n::/0\n::ffff:0:0/96\n"), 0);
	assert_int_equal(rec->entries[0].widest_len, 32);
	assert_int_equal(rec->entries[1].widest_len, 0);
	assert_net(2, "0.0.0.0/0"); /* IPv4-mapped: as wide as all of IPv4 */
	assert_int_equal(rec->entries[2].widest_len, 0);
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

static void test_dataset_names_round_trip(void **state)
{
	(void)state;
	static const char *const names[] = {"ip4set", "ip4tset", "ip4trie", "ip6trie", "ip6tset", "combined"};
	for (int i = 0; i < 6; i++) {
		assert_int_equal(rbldata_dataset_parse(names[i]), i);
		assert_string_equal(rbldata_dataset_name((enum rbldata_dataset)i), names[i]);
	}
	assert_int_equal(rbldata_dataset_parse("dnset"), -1);
	assert_int_equal(rbldata_dataset_parse(NULL), -1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ip4set_forms_give_the_manual_cidrs),
		T(test_fixture_ranges_split_into_the_fewest_cidrs),
		T(test_exclusions_and_comments_after_the_address),
		T(test_ranges_split_at_every_alignment),
		T(test_bare_number_and_uneven_range_ends_are_bad_lines),
		T(test_host_bits_in_a_cidr_are_a_bad_line),
		T(test_out_of_range_octet_and_prefix_length_name_the_value),
		T(test_manual_default_and_value_cases),
		T(test_without_a_default_an_entry_is_127_0_0_2_without_txt),
		T(test_default_holds_from_its_line_on),
		T(test_abbreviated_codes_complete_like_rbldnsd),
		T(test_bad_codes_are_bad_lines),
		T(test_manual_substitution_variables),
		T(test_variables_apply_to_earlier_entries_and_first_definition_wins),
		T(test_variable_text_is_copied_as_is_and_undefined_ones_stay),
		T(test_manual_base_template_and_equals_opt_out),
		T(test_base_template_gives_txt_to_entries_without_one),
		T(test_address_followed_by_a_dollar_is_a_bad_line),
		T(test_expansion_over_txt_max_is_a_bad_line),
		T(test_soa_ns_ttl_and_their_prefixes),
		T(test_ns_with_too_many_names_or_none_is_a_bad_line),
		T(test_malformed_specials_are_bad_lines),
		T(test_maxrange4_refuses_larger_entries_and_cannot_be_raised),
		T(test_dataset_outside_combined_is_a_bad_line),
		T(test_ip4tset_takes_single_addresses_with_the_first_default),
		T(test_ip4trie_takes_cidrs_with_values_and_exclusions),
		T(test_ip6trie_manual_example),
		T(test_ip6trie_forms_follow_rbldnsd),
		T(test_ipv4_mapped_ipv6_entries_come_as_ipv4),
		T(test_ip6tset_manual_example),
		T(test_ip6tset_wants_four_groups_and_full_exclusions),
		T(test_combined_manual_example),
		T(test_combined_variables_are_per_section_and_common_ones_win),
		T(test_combined_refused_sections_are_skipped),
		T(test_bad_line_reports_file_line_and_text_and_can_stop),
		T(test_skipped_bad_lines_do_not_stop_the_read),
		T(test_sink_answer_stops_the_read_and_is_returned),
		T(test_line_of_10000_bytes_is_a_bad_line),
		T(test_line_of_4096_bytes_is_read_and_4097_is_not),
		T(test_binary_garbage_is_a_bad_line),
		T(test_a_line_that_is_only_a_nul_is_a_bad_line),
		T(test_every_cidr_of_a_range_carries_the_widest_length_of_its_line),
		T(test_widest_length_of_trie_and_ipv6_lines_is_their_own),
		T(test_control_characters_in_txt_are_bad_lines),
		T(test_crlf_and_missing_final_newline),
		T(test_gzip_file_reads_like_the_plain_one),
		T(test_truncated_gzip_is_an_io_error),
		T(test_missing_file_and_bad_arguments),
		T(test_null_callbacks_are_allowed),
		T(test_pipe_is_read_once_with_variables_from_their_line_on),
		T(test_200k_generated_lines_parse_with_progress),
		T(test_dataset_names_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
