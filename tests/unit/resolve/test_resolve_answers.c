/* SPDX-License-Identifier: BSD-2-Clause */
/* test_resolve_answers.c — what the resolver makes of answers: rcodes to statuses, records kept and counted, TXT
 * joined, escaped and cut, PTR names lowercased and escaped, and libunbound's built-in local zones switched off so
 * that the resolver's own answers for localhost, 127.in-addr.arpa, RFC 1918 and .test names are seen.
 *
 * Every answer comes from fake_dns.h, a server of this process on 127.0.0.1. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "fake_dns.h"

#include "base/err.h"
#include "resolve/resolve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct env {
	uv_loop_t loop;
	struct fake_dns dns;
	resolver_t *r;
	resolve_answer_t answer;
	unsigned calls;
};

static char *lines[64];

/* The table: fixed lines, and the generated ones (many.test, cut.test). */
static void build_records(void)
{
	static const char *const fixed[] = {
	        "ok.test. IN A 192.0.2.1",
	        "ok.test. IN A 192.0.2.2",
	        "ok.test. IN AAAA 2001:db8::1",
	        "v6.test. IN AAAA 2001:db8::2",
	        "alias.test. IN CNAME ok.test.",
	        "txt.test. IN TXT \"ab\" \"c\\001d\\255\\\\\"",
	        "ptr.test. IN PTR MX.Example.ORG.",
	        "ptr.test. IN PTR we\\.ird.example.",
	        "ptr.test. IN PTR sp\\032ace.example.",
	        "1.0.0.127.in-addr.arpa. IN PTR lo.test.",
	        "localhost. IN A 127.0.0.9",
	        "1.1.168.192.in-addr.arpa. IN PTR lan.test.",
	        "1.2.0.192.in-addr.arpa. IN PTR doc.test.",
	        "onion. IN TXT \"not blocked\"",
	};
	size_t n = 0;
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		lines[n++] = strdup(fixed[i]);
	for (unsigned i = 0; i < 20; i++) {
		char line[64];
		snprintf(line, sizeof line, "many.test. IN A 198.51.100.%u", i + 1);
		lines[n++] = strdup(line);
	}
	/* 255 + 254 'x' then a control byte: the text is cut before its escape, at 509 bytes, not inside it */
	char *cut = malloc(1024);
	int o = sprintf(cut, "cut.test. IN TXT \"");
	memset(cut + o, 'x', 255), o += 255;
	o += sprintf(cut + o, "\" \"");
	memset(cut + o, 'x', 254), o += 254;
	sprintf(cut + o, "\" \"\\001zz\"");
	lines[n++] = cut;
	lines[n] = NULL;
}

static int setup(void **state)
{
	static struct env e;
	char server[32];
	memset(&e, 0, sizeof e);
	build_records();
	assert_int_equal(uv_loop_init(&e.loop), 0);
	fake_dns_start(&e.dns, &e.loop, (const char *const *)lines);
	snprintf(server, sizeof server, "127.0.0.1:%u", (unsigned)e.dns.port);
	resolver_config_t cfg = {server, 5000};
	assert_int_equal(resolver_new(&e.loop, &cfg, &e.r), RBL_OK);
	*state = &e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	resolver_free(e->r);
	fake_dns_stop(&e->dns);
	uv_run(&e->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&e->loop), 0);
	for (size_t i = 0; lines[i]; i++)
		free(lines[i]);
	return 0;
}

static void on_answer(void *ctx, const resolve_answer_t *answer)
{
	struct env *e = ctx;
	e->answer = *answer;
	e->calls++;
}

static const resolve_answer_t *ask(struct env *e, const char *name, uint16_t type)
{
	unsigned before = e->calls;
	assert_int_equal(resolver_lookup(e->r, name, type, on_answer, e), RBL_OK);
	while (e->calls == before)
		uv_run(&e->loop, UV_RUN_ONCE);
	assert_int_equal(e->calls, before + 1);
	assert_int_equal(e->answer.type, type);
	return &e->answer;
}

static bool has_addr(const resolve_answer_t *a, const char *text)
{
	addr_t want;
	assert_int_equal(addr_parse(text, &want), RBL_OK);
	for (size_t i = 0; i < a->count; i++)
		if (a->addrs[i].family == want.family && addr_cmp(&a->addrs[i], &want) == 0)
			return true;
	return false;
}

static void test_addresses_of_an_existing_name_are_ok(void **state)
{
	const resolve_answer_t *a = ask(*state, "ok.test", RESOLVE_TYPE_A);
	assert_int_equal(a->status, RESOLVE_OK);
	assert_int_equal(a->rcode, 0);
	assert_int_equal(a->count, 2);
	assert_int_equal(a->more, 0);
	assert_true(has_addr(a, "192.0.2.1") && has_addr(a, "192.0.2.2"));
	a = ask(*state, "OK.Test.", RESOLVE_TYPE_AAAA);
	assert_int_equal(a->status, RESOLVE_OK);
	assert_int_equal(a->count, 1);
	assert_true(has_addr(a, "2001:db8::1"));
}

static void test_a_cname_is_followed_to_the_addresses(void **state)
{
	const resolve_answer_t *a = ask(*state, "alias.test", RESOLVE_TYPE_A);
	assert_int_equal(a->status, RESOLVE_OK);
	assert_int_equal(a->count, 2);
	assert_true(has_addr(a, "192.0.2.1"));
}

static void test_each_rcode_has_its_status(void **state)
{
	const resolve_answer_t *a = ask(*state, "v6.test", RESOLVE_TYPE_A);
	assert_int_equal(a->status, RESOLVE_NODATA);
	assert_int_equal(a->rcode, 0);
	assert_int_equal(a->count, 0);
	a = ask(*state, "nothere.test", RESOLVE_TYPE_A);
	assert_int_equal(a->status, RESOLVE_NXDOMAIN);
	assert_int_equal(a->rcode, 3);
	a = ask(*state, "servfail.test", RESOLVE_TYPE_PTR);
	assert_int_equal(a->status, RESOLVE_SERVFAIL);
	assert_int_equal(a->rcode, 2);
	/* libunbound takes a server's REFUSED or NOTIMP as that server failing: no other server, so SERVFAIL. */
	a = ask(*state, "refused.test", RESOLVE_TYPE_A);
	assert_int_equal(a->status, RESOLVE_SERVFAIL);
	a = ask(*state, "notimp.test", RESOLVE_TYPE_A);
	assert_int_equal(a->status, RESOLVE_SERVFAIL);
}

static void test_records_past_the_limit_are_counted_not_kept(void **state)
{
	const resolve_answer_t *a = ask(*state, "many.test", RESOLVE_TYPE_A);
	assert_int_equal(a->status, RESOLVE_OK);
	assert_int_equal(a->count, RESOLVE_MAX_RECORDS);
	assert_int_equal(a->more, 20 - RESOLVE_MAX_RECORDS);
}

static void test_txt_strings_are_joined_and_unprintable_bytes_escaped(void **state)
{
	const resolve_answer_t *a = ask(*state, "txt.test", RESOLVE_TYPE_TXT);
	assert_int_equal(a->status, RESOLVE_OK);
	assert_int_equal(a->count, 1);
	assert_string_equal(a->texts[0], "abc\\001d\\255\\092");
}

static void test_long_txt_is_cut_before_an_escape_not_inside_it(void **state)
{
	const resolve_answer_t *a = ask(*state, "cut.test", RESOLVE_TYPE_TXT);
	char want[RESOLVE_TEXT_MAX];
	assert_int_equal(a->status, RESOLVE_OK);
	memset(want, 'x', 509);
	want[509] = '\0';
	assert_string_equal(a->texts[0], want);
}

static void test_ptr_names_are_lowercase_escaped_without_the_final_dot(void **state)
{
	const resolve_answer_t *a = ask(*state, "ptr.test", RESOLVE_TYPE_PTR);
	bool mx = false, weird = false, space = false;
	assert_int_equal(a->status, RESOLVE_OK);
	assert_int_equal(a->count, 3);
	for (size_t i = 0; i < a->count; i++) {
		mx = mx || strcmp(a->names[i], "mx.example.org") == 0;
		weird = weird || strcmp(a->names[i], "we\\.ird.example") == 0;
		space = space || strcmp(a->names[i], "sp\\032ace.example") == 0;
	}
	if (!mx || !weird || !space)
		fail_msg("names: '%s' '%s' '%s'", a->names[0], a->names[1], a->names[2]);
}

static void test_builtin_local_zones_do_not_hide_the_resolvers_answers(void **state)
{
	struct env *e = *state;
	unsigned asked = e->dns.questions;
	const resolve_answer_t *a = ask(e, "1.0.0.127.in-addr.arpa", RESOLVE_TYPE_PTR);
	assert_int_equal(a->status, RESOLVE_OK);
	assert_string_equal(a->names[0], "lo.test"); /* libunbound's own answer would be "localhost" */
	a = ask(e, "localhost", RESOLVE_TYPE_A);
	assert_int_equal(a->status, RESOLVE_OK);
	assert_true(has_addr(a, "127.0.0.9"));
	a = ask(e, "1.1.168.192.in-addr.arpa", RESOLVE_TYPE_PTR); /* RFC 1918 (AS112) */
	assert_int_equal(a->status, RESOLVE_OK);
	assert_string_equal(a->names[0], "lan.test");
	a = ask(e, "1.2.0.192.in-addr.arpa", RESOLVE_TYPE_PTR); /* documentation */
	assert_int_equal(a->status, RESOLVE_OK);
	assert_string_equal(a->names[0], "doc.test");
	a = ask(e, "onion", RESOLVE_TYPE_TXT); /* a special-use name */
	assert_int_equal(a->status, RESOLVE_OK);
	assert_string_equal(a->texts[0], "not blocked");
	a = ask(e, "2.0.0.127.in-addr.arpa", RESOLVE_TYPE_PTR);
	assert_int_equal(a->status, RESOLVE_NXDOMAIN);
	assert_true(e->dns.questions >= asked + 6); /* every one was asked of the server */
}

struct tally {
	unsigned calls, nxdomain;
};

static void on_tally(void *ctx, const resolve_answer_t *answer)
{
	struct tally *t = ctx;
	t->calls++;
	t->nxdomain += answer->status == RESOLVE_NXDOMAIN;
}

/* More lookups than are handed to libunbound at once (1,024): the rest wait their turn, and every one is answered —
 * none is dropped by libunbound's own limit on queries in hand. */
static void test_lookups_past_the_in_flight_cap_wait_their_turn_and_are_all_answered(void **state)
{
	struct env *e = *state;
	enum { LOOKUPS = 3000 };
	struct tally t = {0, 0};
	char name[64];
	for (unsigned i = 0; i < LOOKUPS; i++) {
		snprintf(name, sizeof name, "n%u.absent.test", i);
		assert_int_equal(resolver_lookup(e->r, name, RESOLVE_TYPE_A, on_tally, &t), RBL_OK);
	}
	assert_int_equal(resolver_pending(e->r), LOOKUPS);
	while (t.calls < LOOKUPS)
		uv_run(&e->loop, UV_RUN_ONCE);
	assert_int_equal(t.calls, LOOKUPS);
	assert_int_equal(t.nxdomain, LOOKUPS);
	assert_int_equal(resolver_pending(e->r), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_addresses_of_an_existing_name_are_ok, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_lookups_past_the_in_flight_cap_wait_their_turn_and_are_all_answered, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_a_cname_is_followed_to_the_addresses, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_each_rcode_has_its_status, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_records_past_the_limit_are_counted_not_kept, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_txt_strings_are_joined_and_unprintable_bytes_escaped, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_long_txt_is_cut_before_an_escape_not_inside_it, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_ptr_names_are_lowercase_escaped_without_the_final_dot, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_builtin_local_zones_do_not_hide_the_resolvers_answers, setup,
	                                        teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
