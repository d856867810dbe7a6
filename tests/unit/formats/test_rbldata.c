/* SPDX-License-Identifier: BSD-2-Clause */
/* test_rbldata.c — the rbldnsd data-file reader, line by line: address forms, ranges, values and templates, specials,
 * the dataset types and combined sections, and what the sink receives for each. Fixtures are in data/rbldata/ next to
 * this file (or in $RBLDATA_TEST_DATA); short cases are written to a temporary file by the test itself. The sink and
 * its helpers are in rbldata_recorder.h; test_rbldata_input.c pins how the reader takes a whole file (bad-line
 * reporting and stopping, line limits, stray bytes, gzip, pipes, missing files, progress). */
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
#include "formats/rbldata.h"
#include "rbldata_recorder.h"

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
	        T(test_every_cidr_of_a_range_carries_the_widest_length_of_its_line),
	        T(test_widest_length_of_trie_and_ipv6_lines_is_their_own),
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
	        T(test_dataset_names_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
