/* SPDX-License-Identifier: BSD-2-Clause */
/* test_check_items.c — rbltool check's rules (rbltool/check_items.c): the checklist from gathered facts. */
#include "check.h"

#include "base/err.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static addr_t addr_of(const char *text)
{
	addr_t a;
	assert_int_equal(addr_parse(text, &a), RBL_OK);
	return a;
}

/* A closed server at 192.0.2.1 seen from 198.51.100.7, with a forward-confirmed PTR and STARTTLS: all PASS. */
static void healthy(check_facts_t *f)
{
	memset(f, 0, sizeof *f);
	f->addr = addr_of("192.0.2.1");
	f->port = 25;
	f->probed = true;
	f->probe.verdict = PROBE_CLOSED;
	f->probe.form = -1;
	f->probe.why = "all 16 forms refused";
	f->probe.form_name = "";
	f->probe.transcript = "";
	for (int i = 0; i < PROBE_FORM_COUNT; i++)
		f->probe.outcome[i] = PROBE_FORM_REFUSED;
	probe_session_facts_t *s = &f->probe.facts;
	s->connected = true;
	s->local_addr = addr_of("198.51.100.7");
	s->greeting_code = 220;
	snprintf(s->banner_name, sizeof s->banner_name, "mx.example.org");
	snprintf(s->ehlo_name, sizeof s->ehlo_name, "MX.example.org");
	s->ehlo_ok = true;
	s->starttls = true;
	s->has_size = true;
	s->size_limit = 52428800;
	s->greeting_ms = 12;
	s->ehlo_ms = 3;
	f->rdns.addr = f->addr;
	f->rdns.ptr = RESOLVE_OK;
	f->rdns.count = 1;
	f->rdns.fcrdns = true;
	snprintf(f->rdns.names[0].name, sizeof f->rdns.names[0].name, "mx.example.org");
	f->rdns.names[0].confirmed = true;
}

static const check_line_t *line(const check_report_t *r, const char *item)
{
	for (size_t i = 0; i < r->count; i++)
		if (strcmp(r->lines[i].item, item) == 0)
			return &r->lines[i];
	fail_msg("no line for %s", item);
	return NULL;
}

static check_report_t report;

static void test_healthy_server_passes_every_item_and_exits_0(void **state)
{
	(void)state;
	check_facts_t f;
	healthy(&f);
	check_evaluate(&f, &report);
	assert_int_equal(report.fail + report.warn, 0);
	assert_int_equal(check_exit_status(&report), 0);
	const char *items[] = {"relaying", "reverse-dns", "banner-name",  "ehlo-name",
	                       "starttls", "size",        "response-time"};
	assert_int_equal(report.count, sizeof items / sizeof items[0]);
	for (size_t i = 0; i < report.count; i++)
		assert_string_equal(report.lines[i].item, items[i]);
	assert_non_null(strstr(line(&report, "reverse-dns")->detail, "forward-confirmed"));
}

static void test_relaying_from_outside_fails_naming_every_form_with_its_lines(void **state)
{
	(void)state;
	check_facts_t f;
	healthy(&f);
	f.probe.verdict = PROBE_OPEN;
	f.probe.form = 1;
	f.probe.relayed_forms = 1u << 1 | 1u << 7;
	f.probe.outcome[1] = f.probe.outcome[7] = PROBE_FORM_RELAYED;
	static const char transcript[] =
	        "C: MAIL FROM:<rbl-probe@probe.example>\nS: 250 ok\n"
	        "C: RCPT TO:<relay-check@relay-test.example>\nS: 250 accepted\n"
	        "* form 1 relayed: the battery goes on (all forms)\n"
	        "C: RCPT TO:<relay-check%relay-test.example@[192.0.2.1]>\nS: 250 fine\n"
	        "C: RCPT TO:<rbl-probe-nonexistent-1234abcd@[192.0.2.1]>\nS: 550 no such user\n"
	        "* form 7 relayed too\n";
	f.probe.transcript = transcript;
	f.probe.transcript_len = sizeof transcript - 1;
	check_evaluate(&f, &report);
	const check_line_t *l = line(&report, "relaying");
	assert_int_equal(l->status, CHECK_FAIL);
	assert_non_null(strstr(l->detail, "form 1 (external to external)"));
	assert_non_null(strstr(l->detail, "form 7 ("));
	assert_int_equal(l->nevidence, 6);
	assert_string_equal(l->evidence[1], "form 1: C: RCPT TO:<relay-check@relay-test.example>");
	assert_string_equal(l->evidence[2], "form 1: S: 250 accepted");
	/* The form's own RCPT, not the control that followed it. */
	assert_string_equal(l->evidence[4], "form 7: C: RCPT TO:<relay-check%relay-test.example@[192.0.2.1]>");
	assert_true(l->nfix >= 2);
	assert_int_equal(check_exit_status(&report), 3);
}

static void open_from(check_facts_t *f, const char *server, const char *source, bool server_is_local)
{
	healthy(f);
	f->addr = addr_of(server);
	f->probe.verdict = PROBE_OPEN;
	f->probe.form = 0;
	f->probe.relayed_forms = 1;
	f->probe.facts.local_addr = addr_of(source);
	f->server_is_local = server_is_local;
}

static void test_relaying_from_a_trusted_address_is_only_a_warning(void **state)
{
	(void)state;
	/* server, source: a private server reached from its own network, loopback, the server itself. */
	const char *pairs[][2] = {{"10.0.0.25", "10.1.2.3"},
	                          {"192.168.1.25", "172.16.0.9"},
	                          {"192.168.1.25", "192.168.1.1"},
	                          {"100.64.0.25", "100.64.0.1"},
	                          {"10.0.0.25", "169.254.1.1"},
	                          {"127.0.0.1", "127.0.0.1"},
	                          {"::1", "::1"},
	                          {"fd00::25", "fd00::1"},
	                          {"fd00::25", "fe80::1"},
	                          {"192.0.2.1", "192.0.2.1"}};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		check_facts_t f;
		open_from(&f, pairs[i][0], pairs[i][1], false);
		check_evaluate(&f, &report);
		const check_line_t *l = line(&report, "relaying");
		assert_int_equal(l->status, CHECK_WARN);
		assert_non_null(strstr(l->detail, "run the check from outside"));
		assert_int_equal(check_exit_status(&report), 1);
	}
}

static void test_private_source_to_a_public_server_went_through_nat_and_is_a_stranger(void **state)
{
	(void)state;
	check_facts_t f;
	open_from(&f, "192.0.2.1", "192.168.1.50", false);
	check_evaluate(&f, &report);
	const check_line_t *l = line(&report, "relaying");
	assert_int_equal(l->status, CHECK_FAIL);
	assert_non_null(strstr(l->detail, "behind NAT"));
	assert_int_equal(check_exit_status(&report), 3);
}

static void test_public_and_documentation_sources_are_not_trusted(void **state)
{
	(void)state;
	char why[128];
	const char *sources[] = {"192.0.2.2", "198.51.100.7", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2001:db8::2"};
	addr_t server = addr_of("192.0.2.1");
	for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++) {
		addr_t a = addr_of(sources[i]);
		assert_false(check_source_trusted(&a, &server, false, why, sizeof why));
		assert_string_equal(why, sources[i]);
	}
}

static void test_relaying_from_another_address_of_the_servers_own_host_is_only_a_warning(void **state)
{
	(void)state;
	check_facts_t f;
	healthy(&f);
	f.probe.verdict = PROBE_OPEN;
	f.probe.form = 0;
	f.probe.relayed_forms = 1;
	f.probe.facts.local_addr = addr_of("192.0.2.9"); /* the kernel's pick on a host that also has 192.0.2.1 */
	f.server_is_local = true;
	check_evaluate(&f, &report);
	assert_int_equal(line(&report, "relaying")->status, CHECK_WARN);
	assert_non_null(strstr(line(&report, "relaying")->detail, "the server's own host"));
}

static void test_missing_or_unconfirmed_ptr_fails_and_names_the_cause(void **state)
{
	(void)state;
	check_facts_t f;
	healthy(&f);
	f.rdns.ptr = RESOLVE_NXDOMAIN;
	f.rdns.count = 0;
	f.rdns.fcrdns = false;
	check_evaluate(&f, &report);
	assert_int_equal(line(&report, "reverse-dns")->status, CHECK_FAIL);
	assert_non_null(strstr(line(&report, "reverse-dns")->detail, "nxdomain"));
	assert_int_equal(line(&report, "banner-name")->status, CHECK_WARN);

	healthy(&f);
	f.rdns.fcrdns = false;
	f.rdns.names[0].confirmed = false;
	f.rdns.names[0].forward = RESOLVE_NXDOMAIN;
	check_evaluate(&f, &report);
	assert_int_equal(line(&report, "reverse-dns")->status, CHECK_FAIL);
	assert_int_equal(check_exit_status(&report), 3);
}

static void test_banner_name_other_than_the_ptr_is_a_warning(void **state)
{
	(void)state;
	check_facts_t f;
	healthy(&f);
	snprintf(f.probe.facts.banner_name, sizeof f.probe.facts.banner_name, "mail.other.example");
	check_evaluate(&f, &report);
	const check_line_t *l = line(&report, "banner-name");
	assert_int_equal(l->status, CHECK_WARN);
	assert_non_null(strstr(l->detail, "mail.other.example"));
	assert_non_null(strstr(l->detail, "mx.example.org"));
	assert_int_equal(line(&report, "ehlo-name")->status, CHECK_PASS); /* case does not matter */
	assert_int_equal(check_exit_status(&report), 1);
}

static void zone_answers(check_zone_t *z, const char *name, enum resolve_status testpoint, enum resolve_status a)
{
	memset(z, 0, sizeof *z);
	snprintf(z->name, sizeof z->name, "%s", name);
	z->testpoint.status = testpoint;
	if (testpoint == RESOLVE_OK) {
		z->testpoint.count = 1;
		z->testpoint.addrs[0] = addr_of("127.0.0.2");
	}
	z->negative.status = RESOLVE_NXDOMAIN;
	z->a.status = a;
	z->txt.status = a == RESOLVE_OK ? RESOLVE_OK : a;
	if (a == RESOLVE_OK) {
		z->a.count = 1;
		z->a.addrs[0] = addr_of("127.0.0.2");
		z->txt.count = 1;
		snprintf(z->txt.texts[0], sizeof z->txt.texts[0], "open relay, see https://rbl.example/192.0.2.1");
	}
}

static void test_blocklists_listed_fails_dead_warns_clean_passes(void **state)
{
	(void)state;
	check_zone_t zones[3];
	zone_answers(&zones[0], "listed.rbl.example", RESOLVE_OK, RESOLVE_OK);
	zone_answers(&zones[1], "dead.rbl.example", RESOLVE_NXDOMAIN, RESOLVE_NXDOMAIN);
	zone_answers(&zones[2], "clean.rbl.example", RESOLVE_OK, RESOLVE_NXDOMAIN);
	check_facts_t f;
	healthy(&f);
	f.zones = zones;
	f.nzones = 3;
	check_evaluate(&f, &report);
	const check_line_t *l = line(&report, "dnsbl listed.rbl.example");
	assert_int_equal(l->status, CHECK_FAIL);
	assert_non_null(strstr(l->detail, "127.0.0.2"));
	assert_non_null(strstr(l->detail, "open relay, see https://rbl.example/192.0.2.1"));
	l = line(&report, "dnsbl dead.rbl.example");
	assert_int_equal(l->status, CHECK_WARN);
	assert_non_null(strstr(l->detail, "list does not answer"));
	assert_int_equal(line(&report, "dnsbl clean.rbl.example")->status, CHECK_PASS);
	assert_int_equal(check_exit_status(&report), 3);
}

static void test_no_starttls_small_size_and_slow_greeting_warn(void **state)
{
	(void)state;
	check_facts_t f;
	healthy(&f);
	f.probe.facts.starttls = false;
	f.probe.facts.size_limit = 1000000;
	f.probe.facts.greeting_ms = 15000;
	check_evaluate(&f, &report);
	assert_int_equal(line(&report, "starttls")->status, CHECK_WARN);
	assert_int_equal(line(&report, "size")->status, CHECK_WARN);
	assert_int_equal(line(&report, "response-time")->status, CHECK_WARN);
	assert_int_equal(report.warn, 3);
	assert_int_equal(check_exit_status(&report), 1);
}

static void test_unreachable_server_fails_relaying_and_skips_what_needs_a_session(void **state)
{
	(void)state;
	check_facts_t f;
	healthy(&f);
	memset(&f.probe.facts, 0, sizeof f.probe.facts);
	f.probe.verdict = PROBE_INCONCLUSIVE;
	f.probe.why = "connect failed: connection refused";
	check_evaluate(&f, &report);
	const check_line_t *l = line(&report, "relaying");
	assert_int_equal(l->status, CHECK_FAIL);
	assert_non_null(strstr(l->detail, "connection refused"));
	for (size_t i = 0; i < report.count; i++)
		assert_string_not_equal(report.lines[i].item, "starttls");
}

static void test_inconclusive_probe_is_a_warning_with_the_reason(void **state)
{
	(void)state;
	check_facts_t f;
	healthy(&f);
	f.probe.verdict = PROBE_INCONCLUSIVE;
	f.probe.why = "RCPT 450 Greylisted";
	check_evaluate(&f, &report);
	const check_line_t *l = line(&report, "relaying");
	assert_int_equal(l->status, CHECK_WARN);
	assert_non_null(strstr(l->detail, "Greylisted"));
}

static void test_a_list_that_lists_127_0_0_1_or_answers_no_listing_code_is_a_warning(void **state)
{
	(void)state;
	check_zone_t zones[3];
	zone_answers(&zones[0], "everything.rbl.example", RESOLVE_OK, RESOLVE_OK);
	zones[0].negative = zones[0].testpoint; /* it lists 127.0.0.1 too: a wildcard, or a rewriting resolver */
	zone_answers(&zones[1], "hijacked.rbl.example", RESOLVE_OK, RESOLVE_OK);
	zones[1].a.addrs[0] = addr_of("192.0.2.80"); /* a resolver's "search page" */
	zone_answers(&zones[2], "refusing.rbl.example", RESOLVE_OK, RESOLVE_OK);
	zones[2].a.addrs[0] = addr_of("127.255.255.254"); /* Spamhaus: "query via a public resolver" */
	check_facts_t f;
	healthy(&f);
	f.zones = zones;
	f.nzones = 3;
	check_evaluate(&f, &report);
	assert_int_equal(line(&report, "dnsbl everything.rbl.example")->status, CHECK_WARN);
	assert_non_null(strstr(line(&report, "dnsbl everything.rbl.example")->detail, "127.0.0.1"));
	assert_int_equal(line(&report, "dnsbl hijacked.rbl.example")->status, CHECK_WARN);
	assert_non_null(strstr(line(&report, "dnsbl hijacked.rbl.example")->detail, "192.0.2.80"));
	assert_int_equal(line(&report, "dnsbl refusing.rbl.example")->status, CHECK_WARN);
	assert_int_equal(report.fail, 0);
}

static void test_a_failed_lookup_is_a_warning_not_a_missing_ptr(void **state)
{
	(void)state;
	const enum resolve_status failures[] = {RESOLVE_TIMEOUT, RESOLVE_SERVFAIL, RESOLVE_REFUSED, RESOLVE_ERROR};
	for (size_t i = 0; i < sizeof failures / sizeof failures[0]; i++) {
		check_facts_t f;
		healthy(&f);
		f.rdns.ptr = failures[i];
		f.rdns.count = 0;
		check_evaluate(&f, &report);
		assert_int_equal(line(&report, "reverse-dns")->status, CHECK_WARN);
		assert_non_null(strstr(line(&report, "reverse-dns")->detail, "could not check"));
		/* ... and so is a forward lookup that failed, where no name confirms. */
		healthy(&f);
		f.rdns.names[0].confirmed = false;
		f.rdns.names[0].forward = failures[i];
		f.rdns.fcrdns = false;
		check_evaluate(&f, &report);
		assert_int_equal(line(&report, "reverse-dns")->status, CHECK_WARN);
	}
}

static void test_postfix_default_size_limit_passes(void **state)
{
	(void)state;
	check_facts_t f;
	healthy(&f);
	f.probe.facts.size_limit = 10240000;
	check_evaluate(&f, &report);
	assert_int_equal(line(&report, "size")->status, CHECK_PASS);
}

static void test_zones_past_the_limit_are_named_not_dropped(void **state)
{
	(void)state;
	check_facts_t f;
	healthy(&f);
	f.zones_left_out = 5;
	check_evaluate(&f, &report);
	assert_int_equal(line(&report, "dnsbl")->status, CHECK_WARN);
	assert_non_null(strstr(line(&report, "dnsbl")->detail, "5 more zones"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_healthy_server_passes_every_item_and_exits_0),
	        cmocka_unit_test(test_relaying_from_outside_fails_naming_every_form_with_its_lines),
	        cmocka_unit_test(test_relaying_from_a_trusted_address_is_only_a_warning),
	        cmocka_unit_test(test_private_source_to_a_public_server_went_through_nat_and_is_a_stranger),
	        cmocka_unit_test(test_a_list_that_lists_127_0_0_1_or_answers_no_listing_code_is_a_warning),
	        cmocka_unit_test(test_a_failed_lookup_is_a_warning_not_a_missing_ptr),
	        cmocka_unit_test(test_postfix_default_size_limit_passes),
	        cmocka_unit_test(test_zones_past_the_limit_are_named_not_dropped),
	        cmocka_unit_test(test_public_and_documentation_sources_are_not_trusted),
	        cmocka_unit_test(test_relaying_from_another_address_of_the_servers_own_host_is_only_a_warning),
	        cmocka_unit_test(test_missing_or_unconfirmed_ptr_fails_and_names_the_cause),
	        cmocka_unit_test(test_banner_name_other_than_the_ptr_is_a_warning),
	        cmocka_unit_test(test_blocklists_listed_fails_dead_warns_clean_passes),
	        cmocka_unit_test(test_no_starttls_small_size_and_slow_greeting_warn),
	        cmocka_unit_test(test_unreachable_server_fails_relaying_and_skips_what_needs_a_session),
	        cmocka_unit_test(test_inconclusive_probe_is_a_warning_with_the_reason),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
