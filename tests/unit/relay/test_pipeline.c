/* SPDX-License-Identifier: BSD-2-Clause */
/* test_pipeline.c — the pipeline's store tables: reports, host states, probes, opt-outs, absent or aborted tables. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "relay/pipeline.h"
#include "store/store.h"

#include "store_fixture.h"

#define MAX_SEEN 16

struct fixture {
	char dir[64];
	store_t *st;
	uint32_t zone, other_zone;
	store_rtxn_t *old; /* a snapshot a test holds open; ended by teardown if a failed assert left it open */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	fixture_store_open(f->dir, "test_pipeline", &f->st);
	zone_def_t def;
	zone_def_init(&def, "relays.rbl.example", time(NULL));
	f->zone = fixture_zone_create(f->st, &def);
	zone_def_init(&def, "all.rbl.example", time(NULL));
	f->other_zone = fixture_zone_create(f->st, &def);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_read_end(f->old);
	fixture_store_remove(f->st, f->dir);
	free(f);
	return 0;
}

static addr_t addr_of(const char *text)
{
	addr_t a;
	assert_int_equal(addr_parse(text, &a), RBL_OK);
	return a;
}

static cidr_t net_of(const char *text)
{
	cidr_t c;
	assert_int_equal(cidr_parse(text, &c), RBL_OK);
	return c;
}

static report_t report_of(const char *addr, unsigned message)
{
	report_t r;
	memset(&r, 0, sizeof r);
	r.addr = addr_of(addr);
	r.arrival = 1700000000 + message;
	r.message = message;
	snprintf(r.feedback_type, sizeof r.feedback_type, "abuse");
	snprintf(r.reported_domain, sizeof r.reported_domain, "victim%u.example", message);
	snprintf(r.mail_from, sizeof r.mail_from, "spammer%u@example.net", message);
	snprintf(r.source, sizeof r.source, "Example FBL/1.0");
	return r;
}

/* Records one report in a transaction of its own; returns *opted_out. */
static bool add_report(struct fixture *f, const report_t *r)
{
	store_wtxn_t *w;
	bool opted_out = true; /* the opposite of what an unreported, uncovered host gives */
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(pipeline_report_add(w, r, &opted_out), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	return opted_out;
}

static probe_result_t result_of(enum probe_verdict verdict, const char *transcript, size_t transcript_len)
{
	probe_result_t res;
	memset(&res, 0, sizeof res);
	res.verdict = verdict;
	res.form = verdict == PROBE_OPEN ? 3 : -1;
	res.form_name = verdict == PROBE_OPEN ? "percent hack" : "";
	res.why = verdict == PROBE_OPEN ? "RCPT 250 for an external recipient" : "every form refused";
	res.transcript = transcript;
	res.transcript_len = transcript_len;
	res.started = 1700000100;
	res.elapsed_ms = 1234;
	return res;
}

static uint64_t add_probe_result(struct fixture *f, const char *addr, uint16_t port, const probe_result_t *res)
{
	store_wtxn_t *w;
	uint64_t id = 0;
	addr_t a = addr_of(addr);
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(pipeline_probe_add(w, &a, port, res, NULL, &id), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	return id;
}

static uint64_t add_probe(struct fixture *f, const char *addr, enum probe_verdict verdict)
{
	static const char transcript[] = "* connect\nS: 220 hello\nC: QUIT\n";
	probe_result_t res = result_of(verdict, transcript, sizeof transcript - 1);
	return add_probe_result(f, addr, 25, &res);
}

static int get_host(struct fixture *f, const char *addr, host_record_t *h)
{
	store_rtxn_t *r;
	addr_t a = addr_of(addr);
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	memset(h, 0, sizeof *h);
	int err = pipeline_host_get(r, &a, h);
	store_read_end(r);
	return err;
}

static host_record_t host(struct fixture *f, const char *addr)
{
	host_record_t h;
	assert_int_equal(get_host(f, addr, &h), RBL_OK);
	return h;
}

static uint64_t add_optout(struct fixture *f, const char *net, int64_t created, const char *reason)
{
	optout_record_t o;
	memset(&o, 0, sizeof o);
	o.net = net_of(net);
	o.created = created;
	snprintf(o.reason, sizeof o.reason, "%s", reason);
	store_wtxn_t *w;
	uint64_t delisted = UINT64_MAX;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(pipeline_optout_add(w, &o, &delisted), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	return delisted;
}

static void put_listing(struct fixture *f, uint32_t zone, const char *net, uint64_t evidence)
{
	entry_t e;
	memset(&e, 0, sizeof e);
	e.net = net_of(net);
	e.evidence = evidence;
	snprintf(e.reason, sizeof e.reason, evidence ? "open relay (probe %llu)" : "listed by hand",
	         (unsigned long long)evidence);
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(store_entry_put(w, zone, &e), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
}

static bool listed(struct fixture *f, uint32_t zone, const char *net)
{
	store_rtxn_t *r;
	cidr_t c = net_of(net);
	entry_t e;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	int err = store_entry_get(r, zone, &c, &e);
	store_read_end(r);
	assert_true(err == RBL_OK || err == RBL_ENOENT);
	return err == RBL_OK;
}

/* --- walks, collected */

struct collected {
	unsigned count;
	report_t reports[MAX_SEEN];
	probe_record_t probes[MAX_SEEN];
	char *transcripts[MAX_SEEN]; /* copies: the walk's pointers die with the snapshot */
	host_record_t hosts[MAX_SEEN];
	optout_record_t optouts[MAX_SEEN];
};

static void collected_free(struct collected *c)
{
	for (unsigned i = 0; i < c->count && i < MAX_SEEN; i++)
		free(c->transcripts[i]);
}

static int collect_report(const report_t *rep, void *ctx)
{
	struct collected *c = ctx;
	assert_true(c->count < MAX_SEEN);
	c->reports[c->count++] = *rep;
	return 0;
}

static int collect_probe(const probe_record_t *p, void *ctx)
{
	struct collected *c = ctx;
	assert_true(c->count < MAX_SEEN);
	c->probes[c->count] = *p;
	c->transcripts[c->count] = malloc(p->transcript_len + 1);
	assert_non_null(c->transcripts[c->count]);
	memcpy(c->transcripts[c->count], p->transcript, p->transcript_len);
	c->probes[c->count].transcript = c->transcripts[c->count];
	c->count++;
	return 0;
}

static int collect_host(const host_record_t *h, void *ctx)
{
	struct collected *c = ctx;
	assert_true(c->count < MAX_SEEN);
	c->hosts[c->count++] = *h;
	return 0;
}

static int collect_optout(const optout_record_t *o, void *ctx)
{
	struct collected *c = ctx;
	assert_true(c->count < MAX_SEEN);
	c->optouts[c->count++] = *o;
	return 0;
}

static void reports_of(struct fixture *f, const char *addr, struct collected *c)
{
	memset(c, 0, sizeof *c);
	addr_t a = addr_of(addr);
	store_rtxn_t *r;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(pipeline_report_foreach(r, &a, collect_report, c), RBL_OK);
	store_read_end(r);
}

static void probes_of(struct fixture *f, const char *addr, struct collected *c)
{
	memset(c, 0, sizeof *c);
	addr_t a = addr_of(addr);
	store_rtxn_t *r;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(pipeline_probe_foreach(r, &a, collect_probe, c), RBL_OK);
	store_read_end(r);
}

static void all_hosts(struct fixture *f, struct collected *c)
{
	memset(c, 0, sizeof *c);
	store_rtxn_t *r;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(pipeline_host_foreach(r, collect_host, c), RBL_OK);
	store_read_end(r);
}

static void all_optouts(struct fixture *f, struct collected *c)
{
	memset(c, 0, sizeof *c);
	store_rtxn_t *r;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(pipeline_optout_foreach(r, collect_optout, c), RBL_OK);
	store_read_end(r);
}

static int covers(struct fixture *f, const char *addr)
{
	addr_t a = addr_of(addr);
	store_rtxn_t *r;
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	int in_read = pipeline_optout_covers(r, &a);
	store_read_end(r);
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	int in_write = pipeline_optout_covers_w(w, &a);
	store_write_abort(w);
	assert_int_equal(in_read, in_write); /* either transaction kind gives the same answer */
	return in_read;
}

static void assert_addr_equal(const addr_t *a, const char *text)
{
	addr_t b = addr_of(text);
	assert_int_equal(a->family, b.family);
	assert_memory_equal(a->b, b.b, 16);
}

/* --- reports and hosts */

static void test_report_makes_an_unknown_host_pending(void **state)
{
	struct fixture *f = *state;
	host_record_t h;
	assert_int_equal(get_host(f, "192.0.2.1", &h), RBL_ENOENT);

	int64_t before = time(NULL);
	report_t r = report_of("192.0.2.1", 1);
	assert_false(add_report(f, &r));
	int64_t after = time(NULL);

	h = host(f, "192.0.2.1");
	assert_addr_equal(&h.addr, "192.0.2.1");
	assert_int_equal(h.state, HOST_PENDING);
	assert_int_equal(h.reports, 1);
	assert_true(h.first_report >= before && h.first_report <= after);
	assert_true(h.last_report == h.first_report);
	assert_true(h.last_probe == 0);
	assert_true(h.last_probe_id == 0);
	assert_int_equal(h.inconclusive, 0);
}

static void test_reports_are_kept_whole_and_walked_per_address_oldest_first(void **state)
{
	struct fixture *f = *state;
	report_t first = report_of("192.0.2.1", 1), second = report_of("192.0.2.1", 2);
	report_t other = report_of("192.0.2.2", 3), v6 = report_of("2001:db8::1", 4);
	/* An IPv6 address whose first four bytes are those of 192.0.2.1. */
	report_t lookalike = report_of("c000:201::", 5);
	add_report(f, &first);
	add_report(f, &other);
	add_report(f, &second);
	add_report(f, &v6);
	add_report(f, &lookalike);

	struct collected c;
	reports_of(f, "192.0.2.1", &c);
	assert_int_equal(c.count, 2);
	const report_t *want[2] = {&first, &second};
	for (unsigned i = 0; i < 2; i++) {
		assert_addr_equal(&c.reports[i].addr, "192.0.2.1");
		assert_true(c.reports[i].arrival == want[i]->arrival);
		assert_int_equal(c.reports[i].message, want[i]->message);
		assert_string_equal(c.reports[i].feedback_type, want[i]->feedback_type);
		assert_string_equal(c.reports[i].reported_domain, want[i]->reported_domain);
		assert_string_equal(c.reports[i].mail_from, want[i]->mail_from);
		assert_string_equal(c.reports[i].source, want[i]->source);
	}
	reports_of(f, "2001:db8::1", &c);
	assert_int_equal(c.count, 1);
	assert_int_equal(c.reports[0].message, 4);
	reports_of(f, "c000:201::", &c);
	assert_int_equal(c.count, 1);
	assert_int_equal(c.reports[0].message, 5);
	reports_of(f, "192.0.2.3", &c);
	assert_int_equal(c.count, 0);
}

static void test_repeated_reports_count_up_and_keep_the_first_time(void **state)
{
	struct fixture *f = *state;
	report_t r = report_of("192.0.2.1", 1);
	add_report(f, &r);
	host_record_t first = host(f, "192.0.2.1");
	add_report(f, &r);
	add_report(f, &r);
	host_record_t h = host(f, "192.0.2.1");
	assert_int_equal(h.reports, 3);
	assert_true(h.first_report == first.first_report);
	assert_true(h.last_report >= first.last_report);
	assert_int_equal(h.state, HOST_PENDING);
}

static void test_report_of_an_opted_out_host_marks_it_opted_out_and_is_kept(void **state)
{
	struct fixture *f = *state;
	add_optout(f, "192.0.2.0/24", 0, "our own network");
	report_t inside = report_of("192.0.2.5", 1), outside = report_of("192.0.3.5", 2);
	assert_true(add_report(f, &inside));
	assert_false(add_report(f, &outside));

	host_record_t h = host(f, "192.0.2.5");
	assert_int_equal(h.state, HOST_OPTED_OUT);
	assert_int_equal(h.reports, 1);
	struct collected c;
	reports_of(f, "192.0.2.5", &c);
	assert_int_equal(c.count, 1); /* kept either way */
	assert_int_equal(c.reports[0].message, 1);

	assert_int_equal(host(f, "192.0.3.5").state, HOST_PENDING);
}

static void test_report_after_a_probe_asks_again_unless_the_host_is_open(void **state)
{
	struct fixture *f = *state;
	report_t open = report_of("192.0.2.1", 1), closed = report_of("192.0.2.2", 2),
	         undecided = report_of("192.0.2.3", 3);
	add_probe(f, "192.0.2.1", PROBE_OPEN);
	add_probe(f, "192.0.2.2", PROBE_CLOSED);
	add_probe(f, "192.0.2.3", PROBE_INCONCLUSIVE);
	add_probe(f, "192.0.2.3", PROBE_INCONCLUSIVE);
	assert_int_equal(host(f, "192.0.2.3").inconclusive, 2);

	add_report(f, &open);
	add_report(f, &closed);
	add_report(f, &undecided);
	assert_int_equal(host(f, "192.0.2.1").state, HOST_OPEN); /* listed already */
	assert_int_equal(host(f, "192.0.2.2").state, HOST_PENDING);
	host_record_t h = host(f, "192.0.2.3");
	assert_int_equal(h.state, HOST_PENDING);
	assert_int_equal(h.inconclusive, 0); /* a fresh round of retries */
	assert_int_equal(h.reports, 1);
}

static void test_host_put_and_get_round_trip_and_walk_in_address_order(void **state)
{
	struct fixture *f = *state;
	static const char *const order[] = {"10.0.0.1", "192.0.2.1", "192.0.2.200", "2001:db8::1", "2001:db8::2"};
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	/* Written out of order. */
	static const unsigned put_order[] = {3, 1, 4, 0, 2};
	for (unsigned i = 0; i < 5; i++) {
		host_record_t h;
		memset(&h, 0, sizeof h);
		unsigned n = put_order[i];
		h.addr = addr_of(order[n]);
		h.state = (uint8_t)(n % 5);
		h.inconclusive = (uint16_t)(1000 + n);
		h.reports = 70000 + n;
		h.first_report = 1600000000 + n;
		h.last_report = 1650000000 + n;
		h.last_probe = 1690000000 + n;
		h.last_probe_id = ((uint64_t)1 << 40) + n;
		assert_int_equal(pipeline_host_put(w, &h), RBL_OK);
	}
	host_record_t seen;
	addr_t a = addr_of("192.0.2.200");
	assert_int_equal(pipeline_host_get_w(w, &a, &seen), RBL_OK); /* visible inside the writing transaction */
	assert_int_equal(seen.reports, 70002);
	assert_int_equal(store_write_commit(w), RBL_OK);

	struct collected c;
	all_hosts(f, &c);
	assert_int_equal(c.count, 5);
	for (unsigned n = 0; n < 5; n++) {
		const host_record_t *h = &c.hosts[n];
		assert_addr_equal(&h->addr, order[n]);
		assert_int_equal(h->state, n % 5);
		assert_int_equal(h->inconclusive, 1000 + n);
		assert_int_equal(h->reports, 70000 + n);
		assert_true(h->first_report == 1600000000 + n);
		assert_true(h->last_report == 1650000000 + n);
		assert_true(h->last_probe == 1690000000 + n);
		assert_true(h->last_probe_id == ((uint64_t)1 << 40) + n);
	}
}

static void test_host_state_names(void **state)
{
	(void)state;
	assert_string_equal(pipeline_host_state_name(HOST_PENDING), "pending");
	assert_string_equal(pipeline_host_state_name(HOST_OPEN), "open");
	assert_string_equal(pipeline_host_state_name(HOST_CLOSED), "closed");
	assert_string_equal(pipeline_host_state_name(HOST_INCONCLUSIVE), "inconclusive");
	assert_string_equal(pipeline_host_state_name(HOST_OPTED_OUT), "opted out");
}

/* --- probes */

static void test_probe_moves_the_host_to_the_verdicts_state(void **state)
{
	struct fixture *f = *state;
	report_t r = report_of("192.0.2.1", 1);
	add_report(f, &r);
	assert_int_equal(host(f, "192.0.2.1").state, HOST_PENDING);

	uint64_t id = add_probe(f, "192.0.2.1", PROBE_CLOSED);
	host_record_t h = host(f, "192.0.2.1");
	assert_int_equal(h.state, HOST_CLOSED);
	assert_true(h.last_probe_id == id);
	assert_true(h.last_probe == 1700000100);
	assert_int_equal(h.reports, 1); /* a probe is not a report */

	add_probe(f, "192.0.2.1", PROBE_INCONCLUSIVE);
	assert_int_equal(host(f, "192.0.2.1").state, HOST_INCONCLUSIVE);
	assert_int_equal(host(f, "192.0.2.1").inconclusive, 1);
	add_probe(f, "192.0.2.1", PROBE_INCONCLUSIVE);
	assert_int_equal(host(f, "192.0.2.1").inconclusive, 2);

	id = add_probe(f, "192.0.2.1", PROBE_OPEN);
	h = host(f, "192.0.2.1");
	assert_int_equal(h.state, HOST_OPEN);
	assert_int_equal(h.inconclusive, 0);
	assert_true(h.last_probe_id == id);
}

static void test_probe_of_an_unreported_host_creates_it(void **state)
{
	struct fixture *f = *state;
	uint64_t id = add_probe(f, "2001:db8::25", PROBE_OPEN);
	host_record_t h = host(f, "2001:db8::25");
	assert_addr_equal(&h.addr, "2001:db8::25");
	assert_int_equal(h.state, HOST_OPEN);
	assert_int_equal(h.reports, 0);
	assert_true(h.last_probe_id == id);
}

static void test_probe_ids_start_at_one_and_increase_across_hosts_and_transactions(void **state)
{
	struct fixture *f = *state;
	uint64_t a = add_probe(f, "192.0.2.1", PROBE_CLOSED);
	uint64_t b = add_probe(f, "2001:db8::1", PROBE_OPEN);
	uint64_t c = add_probe(f, "192.0.2.1", PROBE_INCONCLUSIVE);
	assert_true(a == 1);
	assert_true(b > a);
	assert_true(c > b);

	/* Several in one transaction. */
	store_wtxn_t *w;
	probe_result_t res = result_of(PROBE_CLOSED, "", 0);
	addr_t addr = addr_of("198.51.100.1");
	uint64_t d = 0, e = 0;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(pipeline_probe_add(w, &addr, 25, &res, NULL, &d), RBL_OK);
	assert_int_equal(pipeline_probe_add(w, &addr, 587, &res, NULL, &e), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	assert_true(d > c);
	assert_true(e > d);
}

static void test_probe_walk_returns_every_field_and_the_transcript_intact(void **state)
{
	struct fixture *f = *state;
	/* Every byte value, NUL included, several times over: the transcript is stored as bytes, not as a string. */
	static char transcript[5000];
	for (size_t i = 0; i < sizeof transcript; i++)
		transcript[i] = (char)(i * 7 % 256);
	probe_result_t open = result_of(PROBE_OPEN, transcript, sizeof transcript);
	open.started = 1700000200;
	open.elapsed_ms = 98765;
	probe_result_t closed = result_of(PROBE_CLOSED, "S: 554 no\n", 10);
	closed.started = 1700000100;
	uint64_t first = add_probe_result(f, "192.0.2.1", 2525, &closed);
	uint64_t second = add_probe_result(f, "192.0.2.1", 25, &open);
	add_probe(f, "192.0.2.2", PROBE_OPEN); /* another host's */

	struct collected c;
	probes_of(f, "192.0.2.1", &c);
	assert_int_equal(c.count, 2);
	const probe_record_t *p = &c.probes[0];
	assert_true(p->id == first);
	assert_addr_equal(&p->addr, "192.0.2.1");
	assert_int_equal(p->port, 2525);
	assert_true(p->started == 1700000100);
	assert_int_equal(p->verdict, PROBE_CLOSED);
	assert_int_equal(p->form, -1);
	assert_string_equal(p->form_name, "");
	assert_string_equal(p->why, "every form refused");
	assert_int_equal(p->transcript_len, 10);
	assert_memory_equal(p->transcript, "S: 554 no\n", 10);

	p = &c.probes[1];
	assert_true(p->id == second);
	assert_int_equal(p->port, 25);
	assert_true(p->started == 1700000200);
	assert_int_equal(p->elapsed_ms, 98765);
	assert_int_equal(p->verdict, PROBE_OPEN);
	assert_int_equal(p->form, 3);
	assert_string_equal(p->form_name, "percent hack");
	assert_string_equal(p->why, "RCPT 250 for an external recipient");
	assert_int_equal(p->transcript_len, sizeof transcript);
	assert_memory_equal(p->transcript, transcript, sizeof transcript);
	collected_free(&c);

	probes_of(f, "192.0.2.2", &c);
	assert_int_equal(c.count, 1);
	collected_free(&c);
	probes_of(f, "192.0.2.3", &c);
	assert_int_equal(c.count, 0);
}

static void test_probe_form_name_and_reason_are_cut_to_their_fields(void **state)
{
	struct fixture *f = *state;
	char form[100], why[600];
	memset(form, 'f', sizeof form - 1);
	form[sizeof form - 1] = '\0';
	memset(why, 'w', sizeof why - 1);
	why[sizeof why - 1] = '\0';
	probe_result_t res = result_of(PROBE_OPEN, "x", 1);
	res.form_name = form;
	res.why = why;
	add_probe_result(f, "192.0.2.1", 25, &res);

	struct collected c;
	probes_of(f, "192.0.2.1", &c);
	assert_int_equal(c.count, 1);
	assert_int_equal(strlen(c.probes[0].form_name), 63);
	assert_memory_equal(c.probes[0].form_name, form, 63);
	assert_int_equal(strlen(c.probes[0].why), 511);
	assert_memory_equal(c.probes[0].why, why, 511);
	assert_int_equal(c.probes[0].transcript_len, 1);
	collected_free(&c);
}

static void test_probe_keeps_the_reverse_dns_seen_at_probe_time(void **state)
{
	struct fixture *f = *state;
	rdns_result_t rdns;
	memset(&rdns, 0, sizeof rdns);
	rdns.addr = addr_of("192.0.2.1");
	rdns.ptr = RESOLVE_OK;
	rdns.count = 2;
	rdns.more = 3;
	rdns.fcrdns = true;
	rdns.elapsed_ms = 57;
	snprintf(rdns.names[0].name, sizeof rdns.names[0].name, "mx.example.org");
	rdns.names[0].forward = RESOLVE_OK;
	rdns.names[0].confirmed = true;
	memset(rdns.names[1].name, 'n', RESOLVE_NAME_MAX - 1); /* the longest name it holds */
	rdns.names[1].forward = RESOLVE_NXDOMAIN;
	probe_result_t res = result_of(PROBE_CLOSED, "S: 554 no\n", 10);
	store_wtxn_t *w;
	uint64_t id;
	addr_t a = addr_of("192.0.2.1");
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(pipeline_probe_add(w, &a, 25, &res, &rdns, &id), RBL_OK);
	assert_int_equal(pipeline_probe_add(w, &a, 25, &res, NULL, &id), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);

	struct collected c;
	probes_of(f, "192.0.2.1", &c);
	assert_int_equal(c.count, 2);
	const probe_record_t *p = &c.probes[0];
	assert_true(p->has_rdns);
	assert_int_equal(p->rdns.ptr, RESOLVE_OK);
	assert_int_equal(p->rdns.count, 2);
	assert_int_equal(p->rdns.more, 3);
	assert_true(p->rdns.fcrdns);
	assert_int_equal(p->rdns.elapsed_ms, 57);
	assert_string_equal(p->rdns.names[0].name, "mx.example.org");
	assert_true(p->rdns.names[0].confirmed);
	assert_int_equal(strlen(p->rdns.names[1].name), RESOLVE_NAME_MAX - 1);
	assert_int_equal(p->rdns.names[1].forward, RESOLVE_NXDOMAIN);
	assert_false(p->rdns.names[1].confirmed);
	assert_int_equal(p->transcript_len, 10);
	assert_memory_equal(p->transcript, "S: 554 no\n", 10);
	assert_false(c.probes[1].has_rdns); /* looked up without reverse DNS */
	collected_free(&c);
}

/* --- opt-outs */

static void test_optout_delists_pipeline_listings_inside_it_but_not_manual_ones(void **state)
{
	struct fixture *f = *state;
	put_listing(f, f->zone, "192.0.2.5", 1);       /* pipeline, inside: goes */
	put_listing(f, f->zone, "192.0.2.0/28", 2);    /* pipeline, inside: goes */
	put_listing(f, f->other_zone, "192.0.2.7", 5); /* pipeline, inside, another zone: goes */
	put_listing(f, f->zone, "192.0.2.6", 0);       /* by hand: stays */
	put_listing(f, f->zone, "198.51.100.1", 3);    /* pipeline, outside: stays */
	put_listing(f, f->zone, "192.0.0.0/16", 4);    /* pipeline, wider than the opt-out: not inside it */
	put_listing(f, f->zone, "2001:db8::5", 6);     /* pipeline, the other family: stays */

	assert_int_equal(add_optout(f, "192.0.2.0/24", 0, "asked to be left alone"), 3);
	assert_false(listed(f, f->zone, "192.0.2.5"));
	assert_false(listed(f, f->zone, "192.0.2.0/28"));
	assert_false(listed(f, f->other_zone, "192.0.2.7"));
	assert_true(listed(f, f->zone, "192.0.2.6"));
	assert_true(listed(f, f->zone, "198.51.100.1"));
	assert_true(listed(f, f->zone, "192.0.0.0/16"));
	assert_true(listed(f, f->zone, "2001:db8::5"));

	/* The same for IPv6, and nothing left to delist the second time. */
	assert_int_equal(add_optout(f, "2001:db8::/32", 0, "v6 too"), 1);
	assert_false(listed(f, f->zone, "2001:db8::5"));
	assert_int_equal(add_optout(f, "192.0.2.0/24", 0, "again"), 0);
}

static void test_optout_covers_its_networks_in_both_families(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(covers(f, "192.0.2.1"), 0);
	add_optout(f, "192.0.2.0/24", 0, "v4");
	add_optout(f, "2001:db8::/32", 0, "v6");
	add_optout(f, "203.0.113.9", 0, "one host");

	assert_int_equal(covers(f, "192.0.2.0"), 1);
	assert_int_equal(covers(f, "192.0.2.255"), 1);
	assert_int_equal(covers(f, "192.0.1.255"), 0);
	assert_int_equal(covers(f, "192.0.3.0"), 0);
	assert_int_equal(covers(f, "203.0.113.9"), 1);
	assert_int_equal(covers(f, "203.0.113.10"), 0);
	assert_int_equal(covers(f, "2001:db8::"), 1);
	assert_int_equal(covers(f, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), 1);
	assert_int_equal(covers(f, "2001:db9::"), 0);
	/* The bytes of 192.0.2.0/24 as an IPv6 prefix are another network. */
	assert_int_equal(covers(f, "c000:200::1"), 0);
}

static void test_optout_of_everything_in_one_family_leaves_the_other(void **state)
{
	struct fixture *f = *state;
	add_optout(f, "::/0", 0, "no IPv6 probing");
	assert_int_equal(covers(f, "2001:db8::1"), 1);
	assert_int_equal(covers(f, "::"), 1);
	assert_int_equal(covers(f, "0.0.0.0"), 0);
	assert_int_equal(covers(f, "192.0.2.1"), 0);
}

static void test_optouts_are_walked_with_their_reason_and_time_and_can_be_removed(void **state)
{
	struct fixture *f = *state;
	int64_t before = time(NULL);
	add_optout(f, "192.0.2.0/24", 1600000000, "customer request #42");
	add_optout(f, "2001:db8::/32", 0, "");
	int64_t after = time(NULL);

	struct collected c;
	all_optouts(f, &c);
	assert_int_equal(c.count, 2);
	char text[ADDR_STRLEN];
	cidr_format(&c.optouts[0].net, text);
	assert_string_equal(text, "192.0.2.0/24");
	assert_true(c.optouts[0].created == 1600000000);
	assert_string_equal(c.optouts[0].reason, "customer request #42");
	cidr_format(&c.optouts[1].net, text);
	assert_string_equal(text, "2001:db8::/32");
	assert_true(c.optouts[1].created >= before && c.optouts[1].created <= after); /* 0: the transaction's time */
	assert_string_equal(c.optouts[1].reason, "");

	store_wtxn_t *w;
	cidr_t net = net_of("192.0.2.0/24");
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(pipeline_optout_del(w, &net), RBL_OK);
	assert_int_equal(store_write_commit(w), RBL_OK);
	assert_int_equal(covers(f, "192.0.2.1"), 0);
	assert_int_equal(covers(f, "2001:db8::1"), 1);
	all_optouts(f, &c);
	assert_int_equal(c.count, 1);

	/* Removing one that is not there says so. */
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	assert_int_equal(pipeline_optout_del(w, &net), RBL_ENOENT);
	store_write_abort(w);
}

/* --- stores without the tables */

/* Every read the pipeline offers finds nothing: walks succeed without a call, a host is RBL_ENOENT. */
static void assert_pipeline_empty(struct fixture *f)
{
	store_rtxn_t *r;
	addr_t a = addr_of("192.0.2.1");
	host_record_t h;
	struct collected c;
	memset(&c, 0, sizeof c);
	assert_int_equal(store_read_begin(f->st, &r), RBL_OK);
	assert_int_equal(pipeline_host_get(r, &a, &h), RBL_ENOENT);
	assert_int_equal(pipeline_host_foreach(r, collect_host, &c), RBL_OK);
	assert_int_equal(pipeline_report_foreach(r, &a, collect_report, &c), RBL_OK);
	assert_int_equal(pipeline_probe_foreach(r, &a, collect_probe, &c), RBL_OK);
	assert_int_equal(pipeline_optout_foreach(r, collect_optout, &c), RBL_OK);
	assert_int_equal(pipeline_optout_covers(r, &a), 0);
	store_read_end(r);
	assert_int_equal(c.count, 0);
}

/* Something written through every table, committed, and read back. */
static void assert_pipeline_writable(struct fixture *f)
{
	report_t rep = report_of("192.0.2.1", 1);
	assert_false(add_report(f, &rep));
	assert_int_equal(host(f, "192.0.2.1").state, HOST_PENDING);
	uint64_t id = add_probe(f, "192.0.2.1", PROBE_OPEN);
	assert_int_equal(host(f, "192.0.2.1").state, HOST_OPEN);
	assert_true(host(f, "192.0.2.1").last_probe_id == id);
	add_optout(f, "198.51.100.0/24", 0, "x");
	assert_int_equal(covers(f, "198.51.100.1"), 1);
	struct collected c;
	reports_of(f, "192.0.2.1", &c);
	assert_int_equal(c.count, 1);
	probes_of(f, "192.0.2.1", &c);
	assert_int_equal(c.count, 1);
	collected_free(&c);
}

static void test_store_that_never_had_pipeline_tables_finds_nothing(void **state)
{
	struct fixture *f = *state;
	assert_pipeline_empty(f);
	assert_pipeline_empty(f); /* a second look (nothing cached from the first) */
	assert_pipeline_writable(f);
}

/* Creates every pipeline table in one write transaction, then aborts it. */
static void create_tables_and_abort(struct fixture *f)
{
	store_wtxn_t *w;
	assert_int_equal(store_write_begin(f->st, &w), RBL_OK);
	report_t rep = report_of("192.0.2.1", 1);
	bool opted_out;
	assert_int_equal(pipeline_report_add(w, &rep, &opted_out), RBL_OK);
	probe_result_t res = result_of(PROBE_OPEN, "t", 1);
	uint64_t id;
	assert_int_equal(pipeline_probe_add(w, &rep.addr, 25, &res, NULL, &id), RBL_OK);
	host_record_t h;
	assert_int_equal(pipeline_host_get_w(w, &rep.addr, &h), RBL_OK);
	assert_int_equal(h.state, HOST_OPEN);
	store_write_abort(w);
}

static void test_aborted_write_that_created_the_tables_leaves_reads_finding_nothing(void **state)
{
	struct fixture *f = *state;
	create_tables_and_abort(f);
	assert_pipeline_empty(f);
	assert_pipeline_writable(f);
}

static void test_aborted_write_that_created_the_tables_leaves_the_next_write_working(void **state)
{
	struct fixture *f = *state;
	create_tables_and_abort(f);
	assert_pipeline_writable(f); /* no read in between */
	/* The aborted probe's id was not consumed: counters roll back with their transaction. */
	struct collected c;
	probes_of(f, "192.0.2.1", &c);
	assert_int_equal(c.count, 1);
	assert_true(c.probes[0].id == 1);
	collected_free(&c);
}

static void test_aborted_write_after_the_tables_exist_keeps_them_usable(void **state)
{
	struct fixture *f = *state;
	report_t rep = report_of("192.0.2.1", 1);
	add_report(f, &rep); /* the tables exist and their handles are cached */
	create_tables_and_abort(f);
	assert_int_equal(host(f, "192.0.2.1").reports, 1); /* the aborted report is gone, the committed one is not */
	struct collected c;
	reports_of(f, "192.0.2.1", &c);
	assert_int_equal(c.count, 1);
	add_report(f, &rep);
	assert_int_equal(host(f, "192.0.2.1").reports, 2);
}

/* A read snapshot older than the tables never gets the newer cached handle (LMDB would refuse it): it finds nothing,
 * as a store without the tables does. */
static void test_snapshot_taken_before_the_tables_existed_still_finds_nothing(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(store_read_begin(f->st, &f->old), RBL_OK);
	store_rtxn_t *old = f->old;
	/* The tables are created and committed while the old snapshot is open (it never touched them). */
	report_t rep = report_of("192.0.2.1", 1);
	add_report(f, &rep);
	assert_int_equal(host(f, "192.0.2.1").state, HOST_PENDING); /* a new snapshot sees them */

	addr_t a = addr_of("192.0.2.1");
	host_record_t h;
	struct collected c;
	memset(&c, 0, sizeof c);
	assert_int_equal(pipeline_host_get(old, &a, &h), RBL_ENOENT);
	assert_int_equal(pipeline_host_foreach(old, collect_host, &c), RBL_OK);
	assert_int_equal(pipeline_report_foreach(old, &a, collect_report, &c), RBL_OK);
	assert_int_equal(c.count, 0);
	store_read_end(old);
	f->old = NULL;
	assert_int_equal(host(f, "192.0.2.1").reports, 1);
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        TEST(test_report_makes_an_unknown_host_pending),
	        TEST(test_reports_are_kept_whole_and_walked_per_address_oldest_first),
	        TEST(test_repeated_reports_count_up_and_keep_the_first_time),
	        TEST(test_report_of_an_opted_out_host_marks_it_opted_out_and_is_kept),
	        TEST(test_report_after_a_probe_asks_again_unless_the_host_is_open),
	        TEST(test_host_put_and_get_round_trip_and_walk_in_address_order),
	        cmocka_unit_test(test_host_state_names),
	        TEST(test_probe_moves_the_host_to_the_verdicts_state),
	        TEST(test_probe_of_an_unreported_host_creates_it),
	        TEST(test_probe_ids_start_at_one_and_increase_across_hosts_and_transactions),
	        TEST(test_probe_walk_returns_every_field_and_the_transcript_intact),
	        TEST(test_probe_form_name_and_reason_are_cut_to_their_fields),
	        TEST(test_probe_keeps_the_reverse_dns_seen_at_probe_time),
	        TEST(test_optout_delists_pipeline_listings_inside_it_but_not_manual_ones),
	        TEST(test_optout_covers_its_networks_in_both_families),
	        TEST(test_optout_of_everything_in_one_family_leaves_the_other),
	        TEST(test_optouts_are_walked_with_their_reason_and_time_and_can_be_removed),
	        TEST(test_store_that_never_had_pipeline_tables_finds_nothing),
	        TEST(test_aborted_write_that_created_the_tables_leaves_reads_finding_nothing),
	        TEST(test_aborted_write_that_created_the_tables_leaves_the_next_write_working),
	        TEST(test_aborted_write_after_the_tables_exist_keeps_them_usable),
	        TEST(test_snapshot_taken_before_the_tables_existed_still_finds_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
