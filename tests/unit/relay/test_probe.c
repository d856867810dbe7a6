/* SPDX-License-Identifier: BSD-2-Clause */
/* test_probe.c — the relay prober's parts: reply parser, reply meaning, verdict rules, the 16 forms, the command
 * table, the transcript bound, the EHLO keywords and names of the session facts; and probe_run's scheduling
 * (concurrency cap, per-host gap) against loopback sockets that never answer. The full dialogue against scripted
 * servers is tests/integration/test_probe_fakes.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "relay/probe.h"
#include "probe_internal.h"

/* --- the reply parser --------------------------------------------------------------------------------------- */

static enum probe_feed feed_all(struct probe_reply *r, const char *text, size_t n, size_t *used)
{
	return probe_reply_feed(r, text, n, used);
}

static enum probe_feed feed_str(struct probe_reply *r, const char *text)
{
	size_t used;
	return feed_all(r, text, strlen(text), &used);
}

static void test_single_line_reply_is_done_with_its_code_and_text(void **state)
{
	struct probe_reply r;
	(void)state;
	assert_int_equal(probe_reply_init(&r, 1024), RBL_OK);
	assert_int_equal(feed_str(&r, "220 mx.example.net ESMTP\r\n"), PROBE_FEED_DONE);
	assert_int_equal(r.code, 220);
	assert_int_equal(r.lines, 1);
	assert_string_equal(r.text, "220 mx.example.net ESMTP\n");
	probe_reply_free(&r);
}

static void test_multiline_reply_fed_one_byte_at_a_time_is_one_reply(void **state)
{
	const char *text = "250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n";
	struct probe_reply r;
	size_t used;
	(void)state;
	assert_int_equal(probe_reply_init(&r, 1024), RBL_OK);
	for (size_t i = 0; i + 1 < strlen(text); i++) {
		assert_int_equal(probe_reply_feed(&r, text + i, 1, &used), PROBE_FEED_MORE);
		assert_int_equal(used, 1);
	}
	assert_int_equal(probe_reply_feed(&r, text + strlen(text) - 1, 1, &used), PROBE_FEED_DONE);
	assert_int_equal(r.code, 250);
	assert_int_equal(r.lines, 4);
	assert_string_equal(r.text, "250-mx.example.net\n250-PIPELINING\n250-SIZE 10240000\n250 8BITMIME\n");
	probe_reply_free(&r);
}

static void test_a_reply_split_at_any_point_parses_the_same(void **state)
{
	const char *text = "554-5.7.1 first\r\n554-5.7.1 second\n554 5.7.1 Relay access denied\r\n";
	size_t n = strlen(text);
	(void)state;
	for (size_t cut = 0; cut <= n; cut++) {
		struct probe_reply r;
		size_t used;
		assert_int_equal(probe_reply_init(&r, 1024), RBL_OK);
		enum probe_feed first = probe_reply_feed(&r, text, cut, &used);
		assert_int_equal(first, cut == n ? PROBE_FEED_DONE : PROBE_FEED_MORE);
		if (cut < n)
			assert_int_equal(probe_reply_feed(&r, text + cut, n - cut, &used), PROBE_FEED_DONE);
		assert_int_equal(r.code, 554);
		assert_int_equal(r.lines, 3);
		assert_string_equal(r.text, "554-5.7.1 first\n554-5.7.1 second\n554 5.7.1 Relay access denied\n");
		probe_reply_free(&r);
	}
}

static void test_bare_lf_and_code_only_lines_are_tolerated(void **state)
{
	struct probe_reply r;
	(void)state;
	assert_int_equal(probe_reply_init(&r, 1024), RBL_OK);
	assert_int_equal(feed_str(&r, "250-first\n250\n"), PROBE_FEED_DONE);
	assert_int_equal(r.lines, 2);
	probe_reply_reset(&r);
	assert_int_equal(feed_str(&r, "221\r\n"), PROBE_FEED_DONE);
	assert_int_equal(r.code, 221);
	probe_reply_free(&r);
}

static void test_bytes_after_a_complete_reply_are_left_unused(void **state)
{
	const char *text = "250 ok\r\n250 again\r\n";
	struct probe_reply r;
	size_t used;
	(void)state;
	assert_int_equal(probe_reply_init(&r, 1024), RBL_OK);
	assert_int_equal(probe_reply_feed(&r, text, strlen(text), &used), PROBE_FEED_DONE);
	assert_int_equal(used, 8);
	probe_reply_free(&r);
}

static void test_a_megabyte_line_is_too_long_and_never_held_past_the_limit(void **state)
{
	struct probe_reply r;
	char chunk[4096];
	size_t used, fed = 0;
	enum probe_feed status = PROBE_FEED_MORE;
	(void)state;
	assert_int_equal(probe_reply_init(&r, 16384), RBL_OK);
	memset(chunk, 'x', sizeof chunk);
	memcpy(chunk, "250 ", 4);
	while (status == PROBE_FEED_MORE && fed < 1024 * 1024) {
		status = probe_reply_feed(&r, chunk, sizeof chunk, &used);
		fed += used;
		memset(chunk, 'x', 4);
	}
	assert_int_equal(status, PROBE_FEED_TOO_LONG);
	assert_int_equal(fed, 16384);
	assert_true(r.len <= 16384);
	assert_int_equal(r.raw, 16384);
	/* And it stays dead. */
	assert_int_equal(probe_reply_feed(&r, "\r\n", 2, &used), PROBE_FEED_TOO_LONG);
	assert_int_equal(used, 0);
	probe_reply_free(&r);
}

static void test_an_endless_multiline_reply_is_too_long(void **state)
{
	struct probe_reply r;
	size_t used, lines = 0;
	enum probe_feed status = PROBE_FEED_MORE;
	(void)state;
	assert_int_equal(probe_reply_init(&r, 2048), RBL_OK);
	while (status == PROBE_FEED_MORE && lines++ < 100000)
		status = feed_all(&r, "220-and on and on\r\n", 19, &used);
	assert_int_equal(status, PROBE_FEED_TOO_LONG);
	assert_true(lines < 200);
	assert_true(r.len <= 2048);
	probe_reply_free(&r);
}

static void test_a_reply_ending_exactly_at_the_limit_is_done(void **state)
{
	struct probe_reply r;
	(void)state;
	assert_int_equal(probe_reply_init(&r, 8), RBL_OK);
	assert_int_equal(feed_str(&r, "250 ok\r\n"), PROBE_FEED_DONE);
	probe_reply_reset(&r);
	assert_int_equal(feed_str(&r, "250 ok!\r\n"), PROBE_FEED_TOO_LONG);
	probe_reply_free(&r);
}

static void test_binary_garbage_is_refused_at_the_first_byte(void **state)
{
	const char tls_hello[] = "\x16\x03\x01\x00\xa5\x01";
	struct probe_reply r;
	size_t used;
	(void)state;
	assert_int_equal(probe_reply_init(&r, 1024), RBL_OK);
	assert_int_equal(probe_reply_feed(&r, tls_hello, sizeof tls_hello - 1, &used), PROBE_FEED_GARBAGE);
	assert_int_equal(used, 1);
	probe_reply_free(&r);
}

static void test_malformed_replies_are_garbage(void **state)
{
	static const char *const bad[] = {
	        "HTTP/1.1 400 Bad Request\r\n", /* not a code */
	        "250x hello\r\n",               /* no separator after the code */
	        "25\r\n",                       /* short code */
	        "250-one\r\n251 two\r\n",       /* codes differ between lines */
	        "650 six hundred\r\n",          /* no such class */
	        "\r\n",                         /* empty line */
	        "250 has a \0 NUL\r\n",         /* NUL (strlen stops early: fed with its length below) */
	};
	static const size_t lengths[] = {0, 0, 0, 0, 0, 0, 17};
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct probe_reply r;
		size_t used;
		assert_int_equal(probe_reply_init(&r, 1024), RBL_OK);
		size_t n = lengths[i] ? lengths[i] : strlen(bad[i]);
		if (probe_reply_feed(&r, bad[i], n, &used) != PROBE_FEED_GARBAGE)
			fail_msg("\"%s\" was not refused as garbage", bad[i]);
		probe_reply_free(&r);
	}
}

/* --- what replies mean -------------------------------------------------------------------------------------- */

static void test_relay_denials_are_refusals_even_as_4xx(void **state)
{
	static const char *const denials[] = {
	        "554 5.7.1 <relay-check@relay-test.example>: Relay access denied\n",
	        "550 5.7.1 Relaying denied\n",
	        "450 4.7.1 <relay-check@relay-test.example>: Relaying temporarily denied\n",
	        "451 4.7.1 Client is not permitted to relay\n",
	        "452 we do not relay.\n",
	        "421 4.7.0 relay not permitted, closing\n",
	        "450 Unable to relay for relay-check@relay-test.example\n",
	        "451 Relaying prohibited\n",
	};
	(void)state;
	for (size_t i = 0; i < sizeof denials / sizeof denials[0]; i++) {
		int code = atoi(denials[i]);
		if (!probe_text_denies_relay(denials[i]))
			fail_msg("not read as a relay denial: %s", denials[i]);
		assert_int_equal(probe_reply_classify(code, denials[i]), PROBE_REPLY_REFUSED);
	}
}

static void test_our_own_addresses_echoed_back_are_not_relay_words(void **state)
{
	const char *greylist =
	        "450 4.2.0 <relay-test.example!relay-check@fake.smtp.test>: Recipient address rejected: Greylisted\n";
	(void)state;
	assert_false(probe_text_denies_relay(greylist));
	assert_int_equal(probe_reply_classify(450, greylist), PROBE_REPLY_DEFERRED);
	assert_false(probe_text_denies_relay("451 4.3.0 relay-test.example: temporary lookup failure, not found\n"));
	assert_false(probe_text_denies_relay("451 4.7.1 relayed mail is fine, note the delay\n"));
}

static void test_reply_kinds(void **state)
{
	(void)state;
	assert_int_equal(probe_reply_classify(250, "250 2.1.5 Ok\n"), PROBE_REPLY_OK);
	assert_int_equal(probe_reply_classify(251, "251 User not local; will forward\n"), PROBE_REPLY_OK);
	assert_int_equal(probe_reply_classify(550, "550 5.1.1 User unknown\n"), PROBE_REPLY_REFUSED);
	assert_int_equal(probe_reply_classify(450, "450 4.2.0 Greylisted, try again later\n"), PROBE_REPLY_DEFERRED);
	assert_int_equal(probe_reply_classify(421, "421 4.3.2 Service not available\n"), PROBE_REPLY_CLOSING);
	assert_int_equal(probe_reply_classify(354, "354 go ahead\n"), PROBE_REPLY_ODD);
	assert_int_equal(probe_reply_classify(530, "530 5.7.0 Must issue a STARTTLS command first\n"),
	                 PROBE_REPLY_TLS_REQUIRED);
	/* Authentication without TLS: an anonymous client cannot relay through it, so it refuses us. */
	assert_int_equal(probe_reply_classify(530, "530 5.7.0 Authentication required\n"), PROBE_REPLY_REFUSED);
}

/* --- verdict rules ------------------------------------------------------------------------------------------ */

static void fill(enum probe_form_outcome outcome[PROBE_FORM_COUNT], enum probe_form_outcome value)
{
	for (int i = 0; i < PROBE_FORM_COUNT; i++)
		outcome[i] = value;
}

static void test_the_first_relayed_form_makes_open_and_is_named(void **state)
{
	enum probe_form_outcome outcome[PROBE_FORM_COUNT];
	int first;
	(void)state;
	fill(outcome, PROBE_FORM_REFUSED);
	outcome[4] = PROBE_FORM_RELAYED;
	outcome[9] = PROBE_FORM_RELAYED;
	outcome[15] = PROBE_FORM_UNTRIED;
	assert_int_equal(probe_decide(outcome, &first), PROBE_OPEN);
	assert_int_equal(first, 4);
	assert_string_equal(probe_form_name(first), "percent hack via IP literal");
}

static void test_every_form_refused_is_closed(void **state)
{
	enum probe_form_outcome outcome[PROBE_FORM_COUNT];
	int first;
	(void)state;
	fill(outcome, PROBE_FORM_REFUSED);
	assert_int_equal(probe_decide(outcome, &first), PROBE_CLOSED);
	assert_int_equal(first, -1);
}

static void test_one_deferred_or_untried_form_is_inconclusive(void **state)
{
	enum probe_form_outcome outcome[PROBE_FORM_COUNT];
	int first;
	(void)state;
	fill(outcome, PROBE_FORM_REFUSED);
	outcome[7] = PROBE_FORM_DEFERRED;
	assert_int_equal(probe_decide(outcome, &first), PROBE_INCONCLUSIVE);
	/* A tarpit that hangs up after 10 refusals: the other 6 were never tried. */
	fill(outcome, PROBE_FORM_UNTRIED);
	for (int i = 0; i < 10; i++)
		outcome[i] = PROBE_FORM_REFUSED;
	assert_int_equal(probe_decide(outcome, &first), PROBE_INCONCLUSIVE);
	fill(outcome, PROBE_FORM_UNTRIED);
	assert_int_equal(probe_decide(outcome, &first), PROBE_INCONCLUSIVE);
}

static void test_verdict_names(void **state)
{
	(void)state;
	assert_string_equal(probe_verdict_name(PROBE_OPEN), "open");
	assert_string_equal(probe_verdict_name(PROBE_CLOSED), "closed");
	assert_string_equal(probe_verdict_name(PROBE_INCONCLUSIVE), "inconclusive");
}

/* --- the 16 forms and the commands -------------------------------------------------------------------------- */

static const struct probe_form_env test_env = {
        .sender_domain = "probe.example",
        .recipient_domain = "relay-test.example",
        .ip_literal = "[192.0.2.25]",
        .server_name = "mx.example.net",
};

static void test_the_battery_is_nmaps_sixteen_forms(void **state)
{
	static const char *const expected[PROBE_FORM_COUNT][2] = {
	        {"<>", "<relay-check@relay-test.example>"},
	        {"<rbl-probe@probe.example>", "<relay-check@relay-test.example>"},
	        {"<rbl-probe@mx.example.net>", "<relay-check@relay-test.example>"},
	        {"<rbl-probe@[192.0.2.25]>", "<relay-check@relay-test.example>"},
	        {"<rbl-probe@[192.0.2.25]>", "<relay-check%relay-test.example@[192.0.2.25]>"},
	        {"<rbl-probe@[192.0.2.25]>", "<relay-check%relay-test.example@mx.example.net>"},
	        {"<rbl-probe@[192.0.2.25]>", "<\"relay-check@relay-test.example\">"},
	        {"<rbl-probe@[192.0.2.25]>", "<\"relay-check%relay-test.example\">"},
	        {"<rbl-probe@[192.0.2.25]>", "<relay-check@relay-test.example@[192.0.2.25]>"},
	        {"<rbl-probe@[192.0.2.25]>", "<\"relay-check@relay-test.example\"@[192.0.2.25]>"},
	        {"<rbl-probe@[192.0.2.25]>", "<relay-check@relay-test.example@mx.example.net>"},
	        {"<rbl-probe@[192.0.2.25]>", "<@[192.0.2.25]:relay-check@relay-test.example>"},
	        {"<rbl-probe@[192.0.2.25]>", "<@mx.example.net:relay-check@relay-test.example>"},
	        {"<rbl-probe@[192.0.2.25]>", "<relay-test.example!relay-check>"},
	        {"<rbl-probe@[192.0.2.25]>", "<relay-test.example!relay-check@[192.0.2.25]>"},
	        {"<rbl-probe@[192.0.2.25]>", "<relay-test.example!relay-check@mx.example.net>"},
	};
	char mail[PROBE_ARG_MAX], rcpt[PROBE_ARG_MAX];
	(void)state;
	for (int i = 0; i < PROBE_FORM_COUNT; i++) {
		assert_int_equal(probe_form_format(i, &test_env, mail, rcpt), RBL_OK);
		assert_string_equal(mail, expected[i][0]);
		assert_string_equal(rcpt, expected[i][1]);
		assert_true(strlen(probe_form_name(i)) > 0);
	}
	assert_int_equal(probe_form_format(PROBE_FORM_COUNT, &test_env, mail, rcpt), RBL_EINVAL);
	assert_int_equal(probe_form_format(-1, &test_env, mail, rcpt), RBL_EINVAL);
	assert_string_equal(probe_form_name(PROBE_FORM_COUNT), "");
	assert_string_equal(probe_form_name(-1), "");
}

static bool contains_ci(const char *haystack, const char *needle)
{
	for (const char *p = haystack; *p; p++)
		if (strncasecmp(p, needle, strlen(needle)) == 0)
			return true;
	return false;
}

static void test_every_form_is_a_well_formed_command_and_none_sends_data(void **state)
{
	char mail[PROBE_ARG_MAX], rcpt[PROBE_ARG_MAX], line[PROBE_LINE_MAX];
	(void)state;
	for (int i = 0; i < PROBE_FORM_COUNT; i++) {
		assert_int_equal(probe_form_format(i, &test_env, mail, rcpt), RBL_OK);
		const char *args[2] = {mail, rcpt};
		for (int k = 0; k < 2; k++) {
			size_t n = strlen(args[k]);
			assert_true(n >= 2 && args[k][0] == '<' && args[k][n - 1] == '>');
			assert_null(strchr(args[k], ' '));
			assert_false(contains_ci(args[k], "DATA"));
			int len = probe_command_format(k == 0 ? PROBE_CMD_MAIL : PROBE_CMD_RCPT, args[k], line);
			assert_true(len > 0 && len <= PROBE_LINE_MAX);
			/* One line: no CR or LF but the final CR LF. */
			assert_int_equal(strcspn(line, "\r\n"), (size_t)len - 2);
			assert_string_equal(line + len - 2, "\r\n");
		}
		/* Every recipient is the external one, however it is disguised. */
		assert_non_null(strstr(rcpt, "relay-check"));
		assert_non_null(strstr(rcpt, "relay-test.example"));
		/* Each form is its own: no two alike when the server has a name. */
		for (int j = 0; j < i; j++) {
			char other_mail[PROBE_ARG_MAX], other_rcpt[PROBE_ARG_MAX];
			probe_form_format(j, &test_env, other_mail, other_rcpt);
			assert_false(strcmp(mail, other_mail) == 0 && strcmp(rcpt, other_rcpt) == 0);
		}
	}
}

static void test_the_command_table_has_no_data_and_no_line_can_smuggle_one(void **state)
{
	char line[PROBE_LINE_MAX];
	(void)state;
	for (int c = 0; c < PROBE_CMD_COUNT; c++) {
		const char *verb = probe_command_verb((enum probe_command)c);
		assert_non_null(verb);
		assert_false(contains_ci(verb, "DATA"));
		assert_false(contains_ci(verb, "BDAT"));
	}
	assert_null(probe_command_verb(PROBE_CMD_COUNT));
	assert_int_equal(probe_command_format(PROBE_CMD_RCPT, "<a@b.example>\r\nDATA", line), RBL_EINVAL);
	assert_int_equal(probe_command_format(PROBE_CMD_RCPT, "<a@b.example>\nDATA", line), RBL_EINVAL);
	assert_int_equal(probe_command_format(PROBE_CMD_EHLO, "probe\x80", line), RBL_EINVAL);
	assert_int_equal(probe_command_format(PROBE_CMD_QUIT, NULL, line), 6);
	assert_string_equal(line, "QUIT\r\n");
	assert_int_equal(probe_command_format(PROBE_CMD_EHLO, "probe.rbl.example", line), 24);
	assert_string_equal(line, "EHLO probe.rbl.example\r\n");
}

static void test_address_literals(void **state)
{
	addr_t a;
	char literal[PROBE_LITERAL_MAX];
	(void)state;
	assert_int_equal(addr_parse("127.0.3.7", &a), RBL_OK);
	probe_ip_literal(&a, literal);
	assert_string_equal(literal, "[127.0.3.7]");
	assert_int_equal(addr_parse("2001:db8::25", &a), RBL_OK);
	probe_ip_literal(&a, literal);
	assert_string_equal(literal, "[IPv6:2001:db8::25]");
}

static void test_the_server_name_comes_from_ehlo_only_when_well_formed(void **state)
{
	char name[PROBE_DOMAIN_MAX + 1];
	(void)state;
	probe_server_name("250-mx.example.net Hello\n250 8BITMIME\n", "[192.0.2.25]", name);
	assert_string_equal(name, "mx.example.net");
	probe_server_name("250 fake.smtp.test\n", "[192.0.2.25]", name);
	assert_string_equal(name, "fake.smtp.test");
	probe_server_name("250 [192.0.2.25]\n", "[192.0.2.25]", name);
	assert_string_equal(name, "[192.0.2.25]");
	probe_server_name("250 evil\r\nDATA\n", "[192.0.2.25]", name);
	assert_string_equal(name, "[192.0.2.25]");
	probe_server_name("250\n", "[192.0.2.25]", name);
	assert_string_equal(name, "[192.0.2.25]");
	probe_server_name("250 under_score.example\n", "[192.0.2.25]", name);
	assert_string_equal(name, "[192.0.2.25]");
}

static void test_domain_names_we_accept(void **state)
{
	char long_name[PROBE_DOMAIN_MAX + 2];
	(void)state;
	assert_true(probe_domain_ok("probe.example"));
	assert_true(probe_domain_ok("relay-test.example"));
	assert_true(probe_domain_ok("localhost"));
	assert_false(probe_domain_ok(""));
	assert_false(probe_domain_ok(NULL));
	assert_false(probe_domain_ok("a..b"));
	assert_false(probe_domain_ok(".a"));
	assert_false(probe_domain_ok("a."));
	assert_false(probe_domain_ok("-a.example"));
	assert_false(probe_domain_ok("a-.example"));
	assert_false(probe_domain_ok("probe.example\r\nDATA"));
	assert_false(probe_domain_ok("pro be.example"));
	memset(long_name, 'a', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = '\0';
	for (size_t i = 60; i < sizeof long_name - 1; i += 60)
		long_name[i] = '.';
	assert_false(probe_domain_ok(long_name));
}

/* --- the transcript ----------------------------------------------------------------------------------------- */

static void test_the_transcript_escapes_what_is_not_printable(void **state)
{
	struct probe_transcript t;
	(void)state;
	probe_transcript_init(&t, 1024);
	probe_transcript_add(&t, "S: ", "220 a\\b\x01\xff\r", 10);
	probe_transcript_add(&t, "C: ", "QUIT", 4);
	probe_transcript_note(&t, "closed after %d ms", 12);
	assert_string_equal(t.text, "S: 220 a\\\\b\\x01\\xff\\x0d\nC: QUIT\n* closed after 12 ms\n");
	assert_false(t.cut);
	probe_transcript_free(&t);
}

static void test_the_transcript_is_cut_with_a_note_and_stays_bounded(void **state)
{
	struct probe_transcript t;
	char line[1000];
	(void)state;
	memset(line, 'y', sizeof line);
	probe_transcript_init(&t, 4096);
	for (int i = 0; i < 1000; i++)
		probe_transcript_add(&t, "S: ", line, sizeof line);
	assert_true(t.cut);
	assert_true(t.len <= 4096 + 64);
	assert_non_null(strstr(t.text, "[transcript cut at 4096 bytes]\n"));
	/* Cut mid-line, the line still ends before the note. */
	assert_non_null(strstr(t.text, "y\n[transcript cut"));
	size_t len = t.len;
	probe_transcript_add(&t, "C: ", "QUIT", 4);
	assert_int_equal(t.len, len);
	probe_transcript_free(&t);
}

static void test_escaping_cannot_push_the_transcript_past_its_bound(void **state)
{
	struct probe_transcript t;
	char binary[3000];
	(void)state;
	memset(binary, 0, sizeof binary);
	probe_transcript_init(&t, 1000);
	probe_transcript_add(&t, "S: ", binary, sizeof binary);
	assert_true(t.cut);
	assert_true(t.len <= 1000 + 64);
	probe_transcript_free(&t);
}

/* --- EHLO keywords (probe_ehlo.c) --------------------------------------------------------------------------- */

static probe_session_facts_t keywords_of(const char *reply)
{
	probe_session_facts_t f;
	memset(&f, 0, sizeof f);
	probe_ehlo_keywords(reply, &f);
	return f;
}

static void test_ehlo_size_is_read_only_when_it_is_a_number_that_fits(void **state)
{
	static const struct {
		const char *reply;
		bool has_size;
		uint64_t limit;
	} cases[] = {
	        {"250-mx\n250 SIZE 10240000\n", true, 10240000},
	        {"250-mx\n250-size 52428800\n250 HELP\n", true, 52428800},
	        {"250-mx\n250 SIZE\n", true, 0},
	        {"250-mx\n250 SIZE 0\n", true, 0},
	        {"250-mx\n250 SIZE abc\n", true, 0},
	        {"250-mx\n250 SIZE 12x\n", true, 0},
	        {"250-mx\n250 SIZE -5\n", true, 0},
	        {"250-mx\n250 SIZE   4096  \n", true, 4096},
	        {"250-mx\n250 SIZE 18446744073709551615\n", true, UINT64_MAX},
	        {"250-mx\n250 SIZE 18446744073709551616\n", true, 0},
	        {"250-mx\n250 SIZE 000000000000000000000001\n", true, 0},
	        {"250-mx\n250 SIZEX 10\n", false, 0},
	        {"250-mx\n250 X-SIZE 10\n", false, 0},
	        {"250 SIZE 10\n", false, 0}, /* the first line is the server's name, no keyword */
	        {"250-mx\n250\n", false, 0},
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		probe_session_facts_t f = keywords_of(cases[i].reply);
		if (f.has_size != cases[i].has_size || f.size_limit != cases[i].limit)
			fail_msg("%s: has_size %d, limit %llu", cases[i].reply, f.has_size,
			         (unsigned long long)f.size_limit);
	}
}

static void test_ehlo_keywords_are_whole_words_in_any_case(void **state)
{
	(void)state;
	probe_session_facts_t f = keywords_of("250-mx.example.net Hello\n250-starttls\n250-Pipelining\n250 8BITMIME\n");
	assert_true(f.starttls);
	assert_true(f.pipelining);
	assert_false(f.auth);
	f = keywords_of("250-mx\n250-STARTTLSX\n250-XPIPELINING\n250 STARTTL\n");
	assert_false(f.starttls);
	assert_false(f.pipelining);
	/* Names in the first line are not keywords, even when they look like one. */
	f = keywords_of("250 STARTTLS\n");
	assert_false(f.starttls);
	f = keywords_of(NULL);
	assert_false(f.starttls);
}

static void test_ehlo_auth_keeps_the_first_mechanisms_bounded(void **state)
{
	char reply[2048];
	(void)state;
	probe_session_facts_t f = keywords_of("250-mx\n250-AUTH=LOGIN\n250 AUTH PLAIN LOGIN CRAM-MD5\n");
	assert_true(f.auth);
	assert_string_equal(f.auth_mechanisms, "LOGIN");
	f = keywords_of("250-mx\n250 auth\n");
	assert_true(f.auth);
	assert_string_equal(f.auth_mechanisms, "");
	/* A long line is cut at the field's bound; its bytes outside printable ASCII become '?'. */
	int n = snprintf(reply, sizeof reply, "250-mx\n250 AUTH \x01");
	memset(reply + n, 'M', 1500);
	memcpy(reply + n + 1500, "\n", 2);
	f = keywords_of(reply);
	assert_true(f.auth);
	assert_int_equal(strlen(f.auth_mechanisms), PROBE_AUTH_MAX);
	assert_int_equal(f.auth_mechanisms[0], '?');
}

static void test_the_ehlo_facts_take_a_name_and_keywords_only_from_a_2xx(void **state)
{
	probe_session_facts_t f;
	(void)state;
	memset(&f, 0, sizeof f);
	probe_facts_ehlo(&f, 250, "250-mx.example.net Hello [192.0.2.7]\n250 STARTTLS\n");
	assert_int_equal(f.ehlo_code, 250);
	assert_true(f.ehlo_ok);
	assert_string_equal(f.ehlo_name, "mx.example.net");
	assert_true(f.starttls);
	memset(&f, 0, sizeof f);
	probe_facts_ehlo(&f, 554, "554-mx.example.net go away\n554 STARTTLS\n");
	assert_int_equal(f.ehlo_code, 554);
	assert_false(f.ehlo_ok);
	assert_string_equal(f.ehlo_name, "");
	assert_false(f.starttls);
	memset(&f, 0, sizeof f);
	probe_facts_ehlo(&f, 250, "250 192.0.2.25\n");
	assert_string_equal(f.ehlo_name, ""); /* an address is no host name */
	probe_facts_helo(&f, 250, "250 mx.example.net\n");
	assert_string_equal(f.ehlo_name, "mx.example.net");
	memset(&f, 0, sizeof f);
	probe_facts_greeting(&f, 220, "220\n");
	assert_int_equal(f.greeting_code, 220);
	assert_string_equal(f.greeting, "");
	assert_string_equal(f.banner_name, "");
}

/* --- the configuration and probe_run ------------------------------------------------------------------------ */

static void test_the_default_configuration_is_valid_and_uses_reserved_names(void **state)
{
	probe_config_t cfg;
	(void)state;
	probe_config_default(&cfg);
	assert_int_equal(probe_config_check(&cfg), RBL_OK);
	assert_string_equal(cfg.helo_name, "probe.rbl.example");
	assert_string_equal(cfg.sender_domain, "probe.example");
	assert_string_equal(cfg.recipient_domain, "relay-test.example");
}

static void count_result(void *ctx, const probe_target_t *target, const probe_result_t *result)
{
	(void)target;
	(void)result;
	(*(int *)ctx)++;
}

static void test_probe_run_refuses_a_bad_configuration(void **state)
{
	probe_config_t cfg;
	probe_target_t target = {.port = 25};
	int calls = 0;
	(void)state;
	addr_parse("127.0.0.1", &target.addr);
	probe_config_default(&cfg);
	cfg.concurrency = 0;
	assert_int_equal(probe_run(&cfg, &target, 1, count_result, &calls), RBL_EINVAL);
	probe_config_default(&cfg);
	cfg.recipient_domain = "relay-test.example\r\nDATA";
	assert_int_equal(probe_run(&cfg, &target, 1, count_result, &calls), RBL_EINVAL);
	probe_config_default(&cfg);
	cfg.reply_timeout_ms = 0;
	assert_int_equal(probe_run(&cfg, &target, 1, count_result, &calls), RBL_EINVAL);
	probe_config_default(&cfg);
	cfg.max_reply_bytes = 100;
	assert_int_equal(probe_run(&cfg, &target, 1, count_result, &calls), RBL_ERANGE);
	probe_config_default(&cfg);
	assert_int_equal(probe_run(&cfg, &target, 1, NULL, &calls), RBL_EINVAL);
	assert_int_equal(probe_run(NULL, &target, 1, count_result, &calls), RBL_EINVAL);
	assert_int_equal(probe_run(&cfg, NULL, 0, count_result, &calls), RBL_OK);
	assert_int_equal(calls, 0);
}

/* A loopback socket that listens but never accepts: the kernel completes the handshake, nobody ever speaks. */
static int mute_listener(const char *addr, uint16_t *port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	inet_pton(AF_INET, addr, &sin.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(fd, 64), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* A loopback port nobody listens on (bound, then closed). */
static uint16_t dead_port(void)
{
	uint16_t port;
	close(mute_listener("127.0.0.1", &port));
	return port;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct timing {
	uint64_t t0;
	int n;
	uint64_t start[16]; /* completion time - elapsed: when each session began, ms since t0 */
	uint64_t end[16];
	enum probe_verdict verdict[16];
	char why[16][128];
	bool data_sent;
	bool transcript_ok;
};

static void record(void *ctx, const probe_target_t *target, const probe_result_t *result)
{
	struct timing *t = ctx;
	uint64_t end = now_ms() - t->t0;
	(void)target;
	if (t->n >= 16)
		return;
	t->end[t->n] = end;
	t->start[t->n] = end > result->elapsed_ms ? end - result->elapsed_ms : 0;
	t->verdict[t->n] = result->verdict;
	snprintf(t->why[t->n], sizeof t->why[0], "%s", result->why);
	t->data_sent |= result->data_sent;
	t->transcript_ok = result->transcript_len == strlen(result->transcript) &&
	                   strstr(result->transcript, "* verdict: ") != NULL;
	t->n++;
}

static void test_a_refused_connection_is_inconclusive(void **state)
{
	probe_config_t cfg;
	probe_target_t target = {.port = dead_port()};
	struct timing t = {.t0 = now_ms()};
	(void)state;
	addr_parse("127.0.0.1", &target.addr);
	probe_config_default(&cfg);
	assert_int_equal(probe_run(&cfg, &target, 1, record, &t), RBL_OK);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.verdict[0], PROBE_INCONCLUSIVE);
	assert_non_null(strstr(t.why[0], "connect"));
	/* SIGPIPE was blocked only while the loop ran. */
	sigset_t mask;
	assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &mask), 0);
	assert_false(sigismember(&mask, SIGPIPE));
	assert_true(t.transcript_ok);
	assert_false(t.data_sent);
}

static void test_silence_after_connect_is_inconclusive_after_the_reply_timeout(void **state)
{
	probe_config_t cfg;
	probe_target_t target = {0};
	struct timing t = {.t0 = now_ms()};
	int fd = mute_listener("127.0.0.1", &target.port);
	(void)state;
	addr_parse("127.0.0.1", &target.addr);
	probe_config_default(&cfg);
	cfg.reply_timeout_ms = 200;
	assert_int_equal(probe_run(&cfg, &target, 1, record, &t), RBL_OK);
	close(fd);
	assert_int_equal(t.verdict[0], PROBE_INCONCLUSIVE);
	assert_non_null(strstr(t.why[0], "greeting"));
	assert_true(t.end[0] >= 190 && t.end[0] < 2000);
}

static void test_the_connection_time_limit_caps_a_long_reply_timeout(void **state)
{
	probe_config_t cfg;
	probe_target_t target = {0};
	struct timing t = {.t0 = now_ms()};
	int fd = mute_listener("127.0.0.1", &target.port);
	(void)state;
	addr_parse("127.0.0.1", &target.addr);
	probe_config_default(&cfg);
	cfg.session_timeout_ms = 150;
	assert_int_equal(probe_run(&cfg, &target, 1, record, &t), RBL_OK);
	close(fd);
	assert_int_equal(t.verdict[0], PROBE_INCONCLUSIVE);
	assert_non_null(strstr(t.why[0], "connection time limit"));
	assert_true(t.end[0] < 2000);
}

static void test_no_more_sessions_than_the_concurrency_cap_run_at_once(void **state)
{
	probe_config_t cfg;
	probe_target_t targets[6];
	struct timing t = {.t0 = now_ms()};
	uint16_t port;
	int fd = mute_listener("127.0.0.1", &port);
	(void)state;
	for (int i = 0; i < 6; i++) {
		targets[i] = (probe_target_t){.port = port};
		addr_parse("127.0.0.1", &targets[i].addr);
	}
	probe_config_default(&cfg);
	cfg.reply_timeout_ms = 150;
	cfg.concurrency = 2;
	cfg.per_host_gap_ms = 0;
	assert_int_equal(probe_run(&cfg, targets, 6, record, &t), RBL_OK);
	close(fd);
	assert_int_equal(t.n, 6);
	/* Three waves of two. */
	for (int i = 0; i < 6; i++) {
		int overlapping = 0;
		for (int j = 0; j < 6; j++)
			overlapping += t.start[j] <= t.start[i] + 5 && t.end[j] > t.start[i] + 5;
		assert_true(overlapping <= 2);
	}
	assert_true(t.end[5] >= 3 * 150 - 15);
}

static void test_sessions_to_one_address_are_spaced_by_the_gap_and_others_do_not_wait(void **state)
{
	probe_config_t cfg;
	probe_target_t targets[4];
	struct timing t = {.t0 = now_ms()};
	uint16_t port = dead_port();
	(void)state;
	for (int i = 0; i < 4; i++)
		targets[i] = (probe_target_t){.port = port, .user = (void *)(intptr_t)i};
	addr_parse("127.0.0.1", &targets[0].addr);
	addr_parse("127.0.0.1", &targets[1].addr);
	addr_parse("127.0.0.1", &targets[2].addr);
	addr_parse("127.0.0.2", &targets[3].addr);
	probe_config_default(&cfg);
	cfg.per_host_gap_ms = 200;
	assert_int_equal(probe_run(&cfg, targets, 4, record, &t), RBL_OK);
	assert_int_equal(t.n, 4);
	/* Refused at once: 127.0.0.1 at 0, 200, 400 ms; 127.0.0.2 at 0 — so the order of completion is a, d, b, c. */
	uint64_t starts[4];
	memcpy(starts, t.start, sizeof starts);
	assert_true(starts[0] < 100 && starts[1] < 100);
	assert_true(starts[2] >= 190 && starts[2] < 2000);
	assert_true(starts[3] >= starts[2] + 190);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_single_line_reply_is_done_with_its_code_and_text),
	        cmocka_unit_test(test_multiline_reply_fed_one_byte_at_a_time_is_one_reply),
	        cmocka_unit_test(test_a_reply_split_at_any_point_parses_the_same),
	        cmocka_unit_test(test_bare_lf_and_code_only_lines_are_tolerated),
	        cmocka_unit_test(test_bytes_after_a_complete_reply_are_left_unused),
	        cmocka_unit_test(test_a_megabyte_line_is_too_long_and_never_held_past_the_limit),
	        cmocka_unit_test(test_an_endless_multiline_reply_is_too_long),
	        cmocka_unit_test(test_a_reply_ending_exactly_at_the_limit_is_done),
	        cmocka_unit_test(test_binary_garbage_is_refused_at_the_first_byte),
	        cmocka_unit_test(test_malformed_replies_are_garbage),
	        cmocka_unit_test(test_relay_denials_are_refusals_even_as_4xx),
	        cmocka_unit_test(test_our_own_addresses_echoed_back_are_not_relay_words),
	        cmocka_unit_test(test_reply_kinds),
	        cmocka_unit_test(test_the_first_relayed_form_makes_open_and_is_named),
	        cmocka_unit_test(test_every_form_refused_is_closed),
	        cmocka_unit_test(test_one_deferred_or_untried_form_is_inconclusive),
	        cmocka_unit_test(test_verdict_names),
	        cmocka_unit_test(test_the_battery_is_nmaps_sixteen_forms),
	        cmocka_unit_test(test_every_form_is_a_well_formed_command_and_none_sends_data),
	        cmocka_unit_test(test_the_command_table_has_no_data_and_no_line_can_smuggle_one),
	        cmocka_unit_test(test_address_literals),
	        cmocka_unit_test(test_the_server_name_comes_from_ehlo_only_when_well_formed),
	        cmocka_unit_test(test_domain_names_we_accept),
	        cmocka_unit_test(test_ehlo_size_is_read_only_when_it_is_a_number_that_fits),
	        cmocka_unit_test(test_ehlo_keywords_are_whole_words_in_any_case),
	        cmocka_unit_test(test_ehlo_auth_keeps_the_first_mechanisms_bounded),
	        cmocka_unit_test(test_the_ehlo_facts_take_a_name_and_keywords_only_from_a_2xx),
	        cmocka_unit_test(test_the_transcript_escapes_what_is_not_printable),
	        cmocka_unit_test(test_the_transcript_is_cut_with_a_note_and_stays_bounded),
	        cmocka_unit_test(test_escaping_cannot_push_the_transcript_past_its_bound),
	        cmocka_unit_test(test_the_default_configuration_is_valid_and_uses_reserved_names),
	        cmocka_unit_test(test_probe_run_refuses_a_bad_configuration),
	        cmocka_unit_test(test_a_refused_connection_is_inconclusive),
	        cmocka_unit_test(test_silence_after_connect_is_inconclusive_after_the_reply_timeout),
	        cmocka_unit_test(test_the_connection_time_limit_caps_a_long_reply_timeout),
	        cmocka_unit_test(test_no_more_sessions_than_the_concurrency_cap_run_at_once),
	        cmocka_unit_test(test_sessions_to_one_address_are_spaced_by_the_gap_and_others_do_not_wait),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
