/* SPDX-License-Identifier: BSD-2-Clause */
/* test_rdns.c — forward-confirmed reverse DNS: confirmed, not leading back, no PTR, IPv6, more names than are
 * checked, many addresses at once; and the line rdns_describe writes for each finding.
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
#include <string.h>

static const char *const RECORDS[] = {
        "1.2.0.192.in-addr.arpa. IN PTR MX.rdns.test.",
        "mx.rdns.test. IN A 192.0.2.1",
        "mx.rdns.test. IN AAAA 2001:db8::25",
        "2.2.0.192.in-addr.arpa. IN PTR elsewhere.rdns.test.",
        "elsewhere.rdns.test. IN A 192.0.2.99",
        "3.2.0.192.in-addr.arpa. IN PTR gone.rdns.test.",
        "6.2.0.192.in-addr.arpa. IN PTR v6only.rdns.test.",
        "v6only.rdns.test. IN AAAA 2001:db8::6",
        "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. IN PTR mx.rdns.test.",
        /* six names, every one confirming: RDNS_MAX_NAMES are checked, the rest counted */
        "5.2.0.192.in-addr.arpa. IN PTR n1.rdns.test.",
        "5.2.0.192.in-addr.arpa. IN PTR n2.rdns.test.",
        "5.2.0.192.in-addr.arpa. IN PTR n3.rdns.test.",
        "5.2.0.192.in-addr.arpa. IN PTR n4.rdns.test.",
        "5.2.0.192.in-addr.arpa. IN PTR n5.rdns.test.",
        "5.2.0.192.in-addr.arpa. IN PTR n6.rdns.test.",
        "n1.rdns.test. IN A 192.0.2.5",
        "n2.rdns.test. IN A 192.0.2.5",
        "n3.rdns.test. IN A 192.0.2.5",
        "n4.rdns.test. IN A 192.0.2.5",
        "n5.rdns.test. IN A 192.0.2.5",
        "n6.rdns.test. IN A 192.0.2.5",
        NULL,
};

struct env {
	uv_loop_t loop;
	struct fake_dns dns;
	resolver_t *r;
};

/* One address's outcome. */
struct outcome {
	unsigned calls;
	rdns_result_t result;
};

static int setup(void **state)
{
	static struct env e;
	char server[32];
	memset(&e, 0, sizeof e);
	assert_int_equal(uv_loop_init(&e.loop), 0);
	fake_dns_start(&e.dns, &e.loop, RECORDS);
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
	return 0;
}

static void on_result(void *ctx, const rdns_result_t *result)
{
	struct outcome *o = ctx;
	o->calls++;
	o->result = *result;
}

/* Looks every address up at once and runs the loop until each has its result. */
static void check_all(struct env *e, const char *const *texts, struct outcome *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		addr_t addr;
		memset(&out[i], 0, sizeof out[i]);
		assert_int_equal(addr_parse(texts[i], &addr), RBL_OK);
		assert_int_equal(rdns_lookup(e->r, &addr, on_result, &out[i]), RBL_OK);
	}
	for (size_t done = 0; done < n;) {
		uv_run(&e->loop, UV_RUN_ONCE);
		done = 0;
		for (size_t i = 0; i < n; i++)
			done += out[i].calls;
	}
	for (size_t i = 0; i < n; i++)
		assert_int_equal(out[i].calls, 1);
	assert_int_equal(resolver_pending(e->r), 0);
}

static void describe_is(const rdns_result_t *res, const char *want)
{
	char line[512];
	rdns_describe(res, line, sizeof line);
	assert_string_equal(line, want);
}

static void test_each_finding_of_many_addresses_at_once(void **state)
{
	static const char *const addrs[] = {"192.0.2.1", "192.0.2.2", "192.0.2.3",
	                                    "192.0.2.4", "192.0.2.6", "2001:db8::25"};
	struct outcome out[6];
	check_all(*state, addrs, out, 6);

	const rdns_result_t *confirmed = &out[0].result;
	assert_int_equal(confirmed->ptr, RESOLVE_OK);
	assert_int_equal(confirmed->count, 1);
	assert_string_equal(confirmed->names[0].name, "mx.rdns.test");
	assert_int_equal(confirmed->names[0].forward, RESOLVE_OK);
	assert_true(confirmed->names[0].confirmed);
	assert_true(confirmed->fcrdns);
	describe_is(confirmed, "mx.rdns.test (forward-confirmed)");

	const rdns_result_t *elsewhere = &out[1].result;
	assert_int_equal(elsewhere->names[0].forward, RESOLVE_OK);
	assert_false(elsewhere->names[0].confirmed);
	assert_false(elsewhere->fcrdns);
	describe_is(elsewhere, "elsewhere.rdns.test (does not resolve back: other addresses)");

	const rdns_result_t *gone = &out[2].result;
	assert_int_equal(gone->names[0].forward, RESOLVE_NXDOMAIN);
	assert_false(gone->fcrdns);
	describe_is(gone, "gone.rdns.test (does not resolve back: nxdomain)");

	const rdns_result_t *no_ptr = &out[3].result;
	assert_int_equal(no_ptr->ptr, RESOLVE_NXDOMAIN);
	assert_int_equal(no_ptr->count, 0);
	assert_false(no_ptr->fcrdns);
	describe_is(no_ptr, "no PTR (nxdomain)");

	const rdns_result_t *v6only = &out[4].result;
	assert_int_equal(v6only->names[0].forward, RESOLVE_NODATA); /* an IPv4 address is checked by A only */
	describe_is(v6only, "v6only.rdns.test (does not resolve back: nodata)");

	const rdns_result_t *v6 = &out[5].result;
	assert_int_equal(v6->addr.family, ADDR_V6);
	assert_true(v6->names[0].confirmed);
	assert_true(v6->fcrdns);
	describe_is(v6, "mx.rdns.test (forward-confirmed)");
}

static void test_only_the_first_names_are_checked_and_the_rest_counted(void **state)
{
	static const char *const addrs[] = {"192.0.2.5"};
	struct outcome out[1];
	check_all(*state, addrs, out, 1);
	const rdns_result_t *res = &out[0].result;
	assert_int_equal(res->ptr, RESOLVE_OK);
	assert_int_equal(res->count, RDNS_MAX_NAMES);
	assert_int_equal(res->more, 6 - RDNS_MAX_NAMES);
	for (unsigned i = 0; i < res->count; i++)
		assert_true(res->names[i].confirmed);
	assert_true(res->fcrdns);
}

static void test_the_description_of_every_other_finding(void **state)
{
	rdns_result_t res;
	(void)state;
	memset(&res, 0, sizeof res);
	res.ptr = RESOLVE_TIMEOUT;
	describe_is(&res, "PTR lookup timed out");
	res.ptr = RESOLVE_SERVFAIL;
	describe_is(&res, "no PTR (servfail)");
	res.ptr = RESOLVE_NODATA;
	describe_is(&res, "no PTR (nodata)");
	res.ptr = RESOLVE_ERROR;
	describe_is(&res, "PTR lookup failed (error)");
	res.ptr = RESOLVE_OK;
	describe_is(&res, "no usable PTR name");

	res.count = 3;
	res.more = 2;
	strcpy(res.names[0].name, "a.example");
	res.names[0].forward = RESOLVE_TIMEOUT;
	strcpy(res.names[1].name, "b.example");
	strcpy(res.names[2].name, "c.example");
	describe_is(&res, "a.example (does not resolve back: timeout; nor do 2 other names; 2 more not checked)");
	res.names[2].confirmed = true;
	res.fcrdns = true;
	describe_is(&res, "c.example (forward-confirmed)");

	char small[8];
	rdns_describe(&res, small, sizeof small);
	assert_string_equal(small, "c.examp"); /* cut, terminated */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_each_finding_of_many_addresses_at_once, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_only_the_first_names_are_checked_and_the_rest_counted, setup,
	                                        teardown),
	        cmocka_unit_test(test_the_description_of_every_other_finding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
