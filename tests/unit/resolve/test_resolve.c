/* SPDX-License-Identifier: BSD-2-Clause */
/* test_resolve.c — the resolver's contract without answers: server values, status names, names refused, the time
 * limit against a loopback port that never answers, and every callback running once when the resolver is freed.
 *
 * Nothing leaves the machine: every resolver here asks a UDP socket of this process on 127.0.0.1 that is bound
 * and never read. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/err.h"
#include "resolve/resolve.h"

/* --- resolver_server_parse ------------------------------------------------------------------------------------ */

static void expect_server(const char *text, const char *addr_text, uint16_t port)
{
	addr_t addr, want;
	uint16_t got_port = 0;
	assert_int_equal(addr_parse(addr_text, &want), RBL_OK);
	if (resolver_server_parse(text, &addr, &got_port) != RBL_OK)
		fail_msg("'%s' was refused", text);
	assert_int_equal(addr.family, want.family);
	assert_memory_equal(addr.b, want.b, sizeof addr.b);
	assert_int_equal(got_port, port);
}

static void test_server_values_in_every_documented_form_parse(void **state)
{
	(void)state;
	expect_server("127.0.0.1", "127.0.0.1", 53);
	expect_server("127.0.0.1:5353", "127.0.0.1", 5353);
	expect_server("192.0.2.1:65535", "192.0.2.1", 65535);
	expect_server("10.0.0.1:1", "10.0.0.1", 1);
	expect_server("::1", "::1", 53);
	expect_server("2001:db8::53", "2001:db8::53", 53);
	expect_server("[::1]:5353", "::1", 5353);
	expect_server("[2001:db8::1]:53", "2001:db8::1", 53);
	expect_server("[::1]", "::1", 53);
	expect_server("::ffff:127.0.0.1", "127.0.0.1", 53); /* IPv4-mapped becomes IPv4, as everywhere */
}

static void test_malformed_server_values_are_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
	        "",
	        "localhost",
	        "ns.example.org",
	        "127.0.0.1:",
	        "127.0.0.1:0",
	        "127.0.0.1:65536",
	        ":53",
	        "127.0.0.1:053",
	        "127.0.0.1:+53",
	        "127.0.0.1:53x",
	        "127.0.0.1:5:3",
	        "1.2.3.4.5",
	        "[::1]53",
	        "[::1",
	        "[::1]:",
	        "[::1]:0",
	        "::1]:53",
	        "[127.0.0.1]:53",
	        "[]:53",
	        "127.0.0.256",
	        " 127.0.0.1",
	        "127.0.0.1 ",
	        "fe80::1%lo",
	        "[fe80::1%lo]:53",
	        "127.0.0.1:-1",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		addr_t addr;
		uint16_t port;
		if (resolver_server_parse(bad[i], &addr, &port) != RBL_EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
	}
}

static void test_status_names_are_the_stable_words(void **state)
{
	(void)state;
	assert_string_equal(resolve_status_name(RESOLVE_OK), "ok");
	assert_string_equal(resolve_status_name(RESOLVE_NODATA), "nodata");
	assert_string_equal(resolve_status_name(RESOLVE_NXDOMAIN), "nxdomain");
	assert_string_equal(resolve_status_name(RESOLVE_SERVFAIL), "servfail");
	assert_string_equal(resolve_status_name(RESOLVE_REFUSED), "refused");
	assert_string_equal(resolve_status_name(RESOLVE_BAD_RCODE), "error-rcode");
	assert_string_equal(resolve_status_name(RESOLVE_TIMEOUT), "timeout");
	assert_string_equal(resolve_status_name(RESOLVE_ERROR), "error");
	assert_string_equal(resolve_status_name((enum resolve_status)99), "error");
}

/* --- a resolver that asks a socket that never answers -------------------------------------------------------- */

struct silent {
	uv_loop_t loop;
	int fd;
	char server[32];
	resolver_t *r;
};

static int silent_setup(void **state)
{
	static struct silent s;
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof sin;
	memset(&s, 0, sizeof s);
	assert_int_equal(uv_loop_init(&s.loop), 0);
	s.fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(s.fd >= 0);
	assert_int_equal(bind(s.fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(s.fd, (struct sockaddr *)&sin, &len), 0);
	snprintf(s.server, sizeof s.server, "127.0.0.1:%u", (unsigned)ntohs(sin.sin_port));
	*state = &s;
	return 0;
}

static int silent_teardown(void **state)
{
	struct silent *s = *state;
	resolver_free(s->r); /* NULL when the test freed it */
	uv_run(&s->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&s->loop), 0); /* every handle closed */
	close(s->fd);
	return 0;
}

static resolver_t *silent_resolver(struct silent *s, unsigned timeout_ms)
{
	resolver_config_t cfg = {s->server, timeout_ms};
	assert_int_equal(resolver_new(&s->loop, &cfg, &s->r), RBL_OK);
	return s->r;
}

/* What the callbacks saw, per lookup. */
struct seen {
	unsigned calls;
	enum resolve_status status;
	int rcode;
	uint64_t at_ms;
	resolver_t **free_on_call; /* set: the callback frees the resolver (and clears the pointer) */
};

static void on_answer(void *ctx, const resolve_answer_t *answer)
{
	struct seen *seen = ctx;
	seen->calls++;
	seen->status = answer->status;
	seen->rcode = answer->rcode;
	seen->at_ms = uv_hrtime() / 1000000u;
	if (seen->free_on_call && *seen->free_on_call) {
		resolver_t *r = *seen->free_on_call;
		*seen->free_on_call = NULL;
		resolver_free(r);
	}
}

static void test_a_lookup_nobody_answers_times_out_within_its_limit(void **state)
{
	struct silent *s = *state;
	resolver_t *r = silent_resolver(s, 500);
	struct seen seen = {0};
	uint64_t start = uv_hrtime() / 1000000u;
	assert_int_equal(resolver_lookup(r, "1.2.0.192.in-addr.arpa", RESOLVE_TYPE_PTR, on_answer, &seen), RBL_OK);
	assert_int_equal(resolver_pending(r), 1);
	while (seen.calls == 0)
		uv_run(&s->loop, UV_RUN_ONCE);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.status, RESOLVE_TIMEOUT);
	assert_int_equal(seen.rcode, -1);
	assert_int_equal(resolver_pending(r), 0);
	uint64_t took = seen.at_ms - start;
	if (took < 450 || took > 1500)
		fail_msg("timed out after %llu ms, not about 500", (unsigned long long)took);
}

static void test_lookups_time_out_in_the_order_they_started(void **state)
{
	struct silent *s = *state;
	resolver_t *r = silent_resolver(s, 300);
	struct seen first = {0}, second = {0};
	assert_int_equal(resolver_lookup(r, "first.example", RESOLVE_TYPE_A, on_answer, &first), RBL_OK);
	uv_sleep(100);
	assert_int_equal(resolver_lookup(r, "second.example", RESOLVE_TYPE_AAAA, on_answer, &second), RBL_OK);
	while (second.calls == 0)
		uv_run(&s->loop, UV_RUN_ONCE);
	assert_int_equal(first.calls, 1);
	assert_int_equal(first.status, RESOLVE_TIMEOUT);
	assert_int_equal(second.status, RESOLVE_TIMEOUT);
	assert_true(second.at_ms >= first.at_ms + 50); /* each its own deadline, not the first one's */
}

static void test_freeing_with_lookups_pending_runs_every_callback_once(void **state)
{
	struct silent *s = *state;
	resolver_t *r = silent_resolver(s, 5000);
	struct seen seen[4] = {{0}};
	static const char *const names[] = {"a.example", "b.example.", "4.3.2.1.in-addr.arpa", "txt.example"};
	static const uint16_t types[] = {RESOLVE_TYPE_A, RESOLVE_TYPE_AAAA, RESOLVE_TYPE_PTR, RESOLVE_TYPE_TXT};
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(resolver_lookup(r, names[i], types[i], on_answer, &seen[i]), RBL_OK);
	assert_int_equal(resolver_pending(r), 4);
	uv_run(&s->loop, UV_RUN_NOWAIT);
	resolver_free(r);
	s->r = NULL;
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(seen[i].calls, 1);
		assert_int_equal(seen[i].status, RESOLVE_ERROR);
		assert_int_equal(seen[i].rcode, -1);
	}
	uv_run(&s->loop, UV_RUN_DEFAULT); /* the handles close; nothing is called again */
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(seen[i].calls, 1);
}

static void test_freeing_from_inside_a_callback_ends_the_others_once(void **state)
{
	struct silent *s = *state;
	resolver_t *r = silent_resolver(s, 200);
	struct seen seen[3] = {{0}};
	seen[0].free_on_call = &s->r;
	for (size_t i = 0; i < 3; i++) {
		char name[32];
		snprintf(name, sizeof name, "n%zu.example", i);
		assert_int_equal(resolver_lookup(r, name, RESOLVE_TYPE_A, on_answer, &seen[i]), RBL_OK);
	}
	uv_run(&s->loop, UV_RUN_DEFAULT); /* returns once the resolver freed in the first callback has closed */
	assert_null(s->r);
	assert_int_equal(seen[0].status, RESOLVE_TIMEOUT);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(seen[i].calls, 1);
		assert_true(seen[i].status == RESOLVE_TIMEOUT || seen[i].status == RESOLVE_ERROR);
	}
}

static void test_malformed_names_and_other_types_are_refused(void **state)
{
	struct silent *s = *state;
	resolver_t *r = silent_resolver(s, 5000);
	char label64[80], long_name[300];
	memset(label64, 'a', 64);
	strcpy(label64 + 64, ".example");
	/* 128 labels "a.": 257 wire bytes with the root label, two past the limit */
	for (size_t i = 0; i < 128; i++)
		memcpy(long_name + 2 * i, "a.", 2);
	long_name[256] = '\0';
	const char *const bad[] = {
	        "",    "..",    "a..b",   ".a",    "a b.example", "a\tb",  "caf\xc3\xa9.example",
	        "a\\", "\\256", "\\12.x", label64, long_name,     "a.b..", "\x7f",
	};
	struct seen seen = {0};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (resolver_lookup(r, bad[i], RESOLVE_TYPE_A, on_answer, &seen) != RBL_EINVAL)
			fail_msg("name %zu ('%s') was accepted", i, bad[i]);
	assert_int_equal(resolver_lookup(r, "mx.example", 15 /* MX */, on_answer, &seen), RBL_EINVAL);
	assert_int_equal(resolver_lookup(r, "mx.example", 0, on_answer, &seen), RBL_EINVAL);
	assert_int_equal(resolver_pending(r), 0);

	/* The longest names and labels, escapes and the root pass. */
	char label63[80];
	memset(label63, 'a', 63);
	strcpy(label63 + 63, ".example");
	long_name[254] = '\0'; /* 127 labels: 255 wire bytes, the most there can be */
	const char *const good[] = {long_name, label63, "a.b", "a.b.", "we\\.ird.example", "sp\\032ace.example", "."};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		if (resolver_lookup(r, good[i], RESOLVE_TYPE_TXT, on_answer, &seen) != RBL_OK)
			fail_msg("name '%s' was refused", good[i]);
	assert_int_equal(resolver_pending(r), sizeof good / sizeof good[0]);
	assert_int_equal(seen.calls, 0); /* none of the refusals ran the callback */
	resolver_free(r);
	s->r = NULL;
	assert_int_equal(seen.calls, sizeof good / sizeof good[0]);
}

static void test_bad_configurations_are_refused(void **state)
{
	struct silent *s = *state;
	resolver_t *r = NULL;
	resolver_config_t too_long = {s->server, 60001}, bad_server = {"ns.example", 0}, port_zero = {"127.0.0.1:0", 0};
	assert_int_equal(resolver_new(&s->loop, &too_long, &r), RBL_EINVAL);
	assert_int_equal(resolver_new(&s->loop, &bad_server, &r), RBL_EINVAL);
	assert_int_equal(resolver_new(&s->loop, &port_zero, &r), RBL_EINVAL);
	assert_null(r);
	resolver_free(NULL);
	assert_int_equal(resolver_pending(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_server_values_in_every_documented_form_parse),
	        cmocka_unit_test(test_malformed_server_values_are_refused),
	        cmocka_unit_test(test_status_names_are_the_stable_words),
	        cmocka_unit_test_setup_teardown(test_a_lookup_nobody_answers_times_out_within_its_limit, silent_setup,
	                                        silent_teardown),
	        cmocka_unit_test_setup_teardown(test_lookups_time_out_in_the_order_they_started, silent_setup,
	                                        silent_teardown),
	        cmocka_unit_test_setup_teardown(test_freeing_with_lookups_pending_runs_every_callback_once,
	                                        silent_setup, silent_teardown),
	        cmocka_unit_test_setup_teardown(test_freeing_from_inside_a_callback_ends_the_others_once, silent_setup,
	                                        silent_teardown),
	        cmocka_unit_test_setup_teardown(test_malformed_names_and_other_types_are_refused, silent_setup,
	                                        silent_teardown),
	        cmocka_unit_test_setup_teardown(test_bad_configurations_are_refused, silent_setup, silent_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
