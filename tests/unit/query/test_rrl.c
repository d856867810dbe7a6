/* SPDX-License-Identifier: BSD-2-Clause */
/* test_rrl.c — response rate limiting: buckets, classes, prefixes, slip, window, exemptions, the full table, threads,
 * and the slipped response; prints the cost of rrl_decide with one and two threads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "query/answer.h"
#include "query/rrl.h"
#include "query/wire.h"

#include "query/wire_queries.h"

struct client {
	struct sockaddr_storage ss;
};

static const struct sockaddr *client(struct client *c, const char *text)
{
	memset(c, 0, sizeof *c);
	if (strchr(text, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&c->ss;
		s6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, text, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&c->ss;
		s4->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, text, &s4->sin_addr), 1);
	}
	return (const struct sockaddr *)&c->ss;
}

/* A question name in wire form, and the answer info for it. */
struct answer {
	uint8_t qname[256];
	answer_info_t info;
};

static const answer_info_t *answer(struct answer *a, enum answer_kind kind, const char *name, int32_t zone)
{
	size_t len = 0;
	const char *p = name;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		a->qname[len++] = (uint8_t)n;
		memcpy(a->qname + len, p, n);
		len += n;
		p += n + (dot ? 1 : 0);
	}
	a->qname[len++] = 0;
	a->info = (answer_info_t){.kind = (uint8_t)kind, .zone = zone, .qname_len = (uint16_t)len, .qtype = WIRE_T_A};
	return &a->info;
}

static rrl_t *make(unsigned rate, unsigned window, unsigned slip)
{
	rrl_config_t c;
	rrl_config_init(&c);
	c.rate = rate;
	c.window = window;
	c.slip = slip;
	rrl_t *r = rrl_new(&c);
	assert_non_null(r);
	return r;
}

/* How many of n responses (kind, name, zone) to the client at second `second` go out whole. */
static unsigned sent(rrl_t *r, const char *addr, enum answer_kind kind, const char *name, int32_t zone, unsigned second,
                     unsigned n)
{
	struct client c;
	struct answer a;
	const struct sockaddr *sa = client(&c, addr);
	const answer_info_t *info = answer(&a, kind, name, zone);
	unsigned count = 0;
	for (unsigned i = 0; i < n; i++)
		count += rrl_decide(r, sa, info, a.qname, (uint64_t)second * 1000 + i % 1000) == RRL_SEND;
	return count;
}

static void test_a_client_within_the_rate_gets_every_answer(void **state)
{
	(void)state;
	rrl_t *r = make(5, 15, 2);
	for (unsigned s = 0; s < 30; s++)
		assert_int_equal(sent(r, "192.0.2.1", ANSWER_POSITIVE, "2.0.0.127.rbl.test", 0, s, 5), 5);
	rrl_free(r);
}

static void test_a_flood_gets_the_rate_then_nothing_until_it_stops(void **state)
{
	(void)state;
	rrl_t *r = make(5, 15, 0);
	assert_int_equal(sent(r, "192.0.2.1", ANSWER_POSITIVE, "2.0.0.127.rbl.test", 0, 100, 50), 5);
	/* Each second gives the rate back, the flood takes three times as much: the debt only grows, to its floor. */
	for (unsigned s = 101; s < 110; s++)
		assert_int_equal(sent(r, "192.0.2.1", ANSWER_POSITIVE, "2.0.0.127.rbl.test", 0, s, 15), 0);
	rrl_free(r);
}

static void test_a_limited_bucket_recovers_after_the_window(void **state)
{
	(void)state;
	rrl_t *r = make(10, 4, 0);
	sent(r, "192.0.2.1", ANSWER_POSITIVE, "x.rbl.test", 0, 1000, 10000); /* debt at its floor: -10 * 4 */
	/* 4 s later the 4 s of credit have paid the debt to 0: the next response is still over. */
	assert_int_equal(sent(r, "192.0.2.1", ANSWER_POSITIVE, "x.rbl.test", 0, 1004, 1), 0);
	/* One more second: -1 + 10 = 9 whole responses, then limited again. */
	assert_int_equal(sent(r, "192.0.2.1", ANSWER_POSITIVE, "x.rbl.test", 0, 1005, 20), 9);
	rrl_free(r);
}

static void test_a_longer_window_keeps_a_flooder_limited_longer(void **state)
{
	(void)state;
	rrl_t *r = make(10, 15, 0);
	sent(r, "192.0.2.1", ANSWER_POSITIVE, "x.rbl.test", 0, 1000, 10000);
	assert_int_equal(sent(r, "192.0.2.1", ANSWER_POSITIVE, "x.rbl.test", 0, 1010, 1), 0);
	assert_int_equal(sent(r, "192.0.2.1", ANSWER_POSITIVE, "x.rbl.test", 0, 1030, 10), 10);
	rrl_free(r);
}

static void test_every_slip_th_limited_response_is_truncated(void **state)
{
	(void)state;
	struct client c;
	struct answer a;
	for (unsigned slip = 0; slip <= 3; slip++) {
		rrl_t *r = make(1, 15, slip);
		const struct sockaddr *sa = client(&c, "198.51.100.7");
		const answer_info_t *info = answer(&a, ANSWER_POSITIVE, "2.0.0.127.rbl.test", 0);
		assert_int_equal(rrl_decide(r, sa, info, a.qname, 5000), RRL_SEND);
		for (unsigned i = 1; i <= 12; i++) {
			enum rrl_action want = slip && i % slip == 0 ? RRL_SLIP : RRL_DROP;
			assert_int_equal(rrl_decide(r, sa, info, a.qname, 5000), want);
		}
		rrl_free(r);
	}
}

static void test_clients_of_one_network_share_a_bucket(void **state)
{
	(void)state;
	rrl_t *r = make(4, 15, 0);
	assert_int_equal(sent(r, "192.0.2.1", ANSWER_POSITIVE, "x.rbl.test", 0, 7, 2), 2);
	assert_int_equal(sent(r, "192.0.2.200", ANSWER_POSITIVE, "x.rbl.test", 0, 7, 5), 2);
	assert_int_equal(sent(r, "192.0.3.1", ANSWER_POSITIVE, "x.rbl.test", 0, 7, 5), 4);
	/* IPv6 by /56: 2001:db8:0:ff:: and 2001:db8:0:12:: share 2001:db8::/56; 2001:db8:0:100:: does not. */
	assert_int_equal(sent(r, "2001:db8:0:ff::1", ANSWER_POSITIVE, "x.rbl.test", 0, 7, 3), 3);
	assert_int_equal(sent(r, "2001:db8:0:12::9", ANSWER_POSITIVE, "x.rbl.test", 0, 7, 5), 1);
	assert_int_equal(sent(r, "2001:db8:0:100::1", ANSWER_POSITIVE, "x.rbl.test", 0, 7, 5), 4);
	/* An IPv4-mapped IPv6 client is its IPv4 network. */
	assert_int_equal(sent(r, "::ffff:192.0.3.77", ANSWER_POSITIVE, "x.rbl.test", 0, 7, 5), 0);
	rrl_free(r);
}

static void test_the_prefix_lengths_are_configurable(void **state)
{
	(void)state;
	rrl_config_t c;
	rrl_config_init(&c);
	c.rate = 2;
	c.ipv4_prefix = 32;
	c.ipv6_prefix = 48;
	rrl_t *r = rrl_new(&c);
	assert_non_null(r);
	assert_int_equal(sent(r, "192.0.2.1", ANSWER_POSITIVE, "x.rbl.test", 0, 7, 5), 2);
	assert_int_equal(sent(r, "192.0.2.2", ANSWER_POSITIVE, "x.rbl.test", 0, 7, 5), 2);
	assert_int_equal(sent(r, "2001:db8:0:100::1", ANSWER_POSITIVE, "x.rbl.test", 0, 7, 5), 2);
	assert_int_equal(sent(r, "2001:db8:0:200::1", ANSWER_POSITIVE, "x.rbl.test", 0, 7, 5), 0);
	rrl_free(r);
}

static void test_nxdomains_of_random_names_share_one_bucket_per_zone(void **state)
{
	(void)state;
	rrl_t *r = make(10, 15, 0);
	unsigned zone0 = 0, zone1 = 0, nozone = 0;
	for (unsigned i = 0; i < 100; i++) {
		char name[64];
		snprintf(name, sizeof name, "r%u.%u.rbl.test", i * 7919, i);
		zone0 += sent(r, "192.0.2.1", ANSWER_NXDOMAIN, name, 0, 3, 1);
		zone1 += sent(r, "192.0.2.1", ANSWER_NXDOMAIN, name, 1, 3, 1);
		nozone += sent(r, "192.0.2.1", ANSWER_REFUSED, name, -1, 3, 1);
	}
	assert_int_equal(zone0, 10);
	assert_int_equal(zone1, 10);
	assert_int_equal(nozone, 10);
	/* SERVFAIL and FORMERR are errors too: the same bucket as the REFUSED outside every zone. */
	assert_int_equal(sent(r, "192.0.2.1", ANSWER_ERROR, "a.b", -1, 3, 1), 0);
	assert_int_equal(sent(r, "192.0.2.1", ANSWER_MALFORMED, "", -1, 3, 1), 0);
	rrl_free(r);
}

static void test_positive_answers_are_limited_per_name_case_blind(void **state)
{
	(void)state;
	rrl_t *r = make(3, 15, 0);
	assert_int_equal(sent(r, "192.0.2.1", ANSWER_POSITIVE, "2.0.0.127.rbl.test", 0, 3, 2), 2);
	assert_int_equal(sent(r, "192.0.2.1", ANSWER_POSITIVE, "2.0.0.127.RBL.Test", 0, 3, 5), 1);
	assert_int_equal(sent(r, "192.0.2.1", ANSWER_POSITIVE, "3.0.0.127.rbl.test", 0, 3, 5), 3);
	/* A long name, its case changed past the first 8 bytes. */
	assert_int_equal(sent(r, "192.0.2.1", ANSWER_POSITIVE, "f.e.d.c.b.a.9.8.7.6.5.4.3.2.1.0.rbl.test", 0, 3, 2), 2);
	assert_int_equal(sent(r, "192.0.2.1", ANSWER_POSITIVE, "F.E.D.C.B.A.9.8.7.6.5.4.3.2.1.0.RBL.TEST", 0, 3, 5), 1);
	/* NODATA for the same name is a class of its own. */
	assert_int_equal(sent(r, "192.0.2.1", ANSWER_NODATA, "2.0.0.127.rbl.test", 0, 3, 5), 3);
	rrl_free(r);
}

static void test_acl_refusals_are_a_class_of_their_own(void **state)
{
	(void)state;
	rrl_t *r = make(3, 15, 0);
	unsigned refused = 0;
	for (unsigned i = 0; i < 20; i++) {
		char name[64];
		snprintf(name, sizeof name, "n%u.other.test", i);
		refused += sent(r, "203.0.113.9", ANSWER_ACL_REFUSED, name, -1, 3, 1);
	}
	assert_int_equal(refused, 3);
	assert_int_equal(sent(r, "203.0.113.9", ANSWER_REFUSED, "n1.other.test", -1, 3, 5), 3);
	assert_int_equal(sent(r, "203.0.113.9", ANSWER_NXDOMAIN, "n1.rbl.test", 0, 3, 5), 3);
	assert_int_equal(sent(r, "203.0.113.9", ANSWER_POSITIVE, "n1.rbl.test", 0, 3, 5), 3);
	rrl_free(r);
}

static void test_exempt_networks_are_never_limited(void **state)
{
	(void)state;
	rrl_config_t c;
	rrl_config_init(&c);
	c.rate = 1;
	assert_int_equal(cidr_parse("192.0.2.0/25", &c.exempt[c.exempt_count++]), RBL_OK);
	assert_int_equal(cidr_parse("2001:db8::/32", &c.exempt[c.exempt_count++]), RBL_OK);
	rrl_t *r = rrl_new(&c);
	assert_non_null(r);
	struct client cl;
	assert_true(rrl_exempt(r, client(&cl, "192.0.2.100")));
	assert_false(rrl_exempt(r, client(&cl, "192.0.2.200")));
	assert_int_equal(sent(r, "192.0.2.100", ANSWER_POSITIVE, "x.rbl.test", 0, 3, 100), 100);
	assert_int_equal(sent(r, "2001:db8:1::1", ANSWER_NXDOMAIN, "x.rbl.test", 0, 3, 100), 100);
	assert_int_equal(sent(r, "192.0.2.200", ANSWER_POSITIVE, "x.rbl.test", 0, 3, 100), 1);
	rrl_free(r);
}

static void test_nothing_to_send_is_not_counted(void **state)
{
	(void)state;
	rrl_t *r = make(1, 15, 0);
	assert_int_equal(sent(r, "192.0.2.1", ANSWER_NONE, "x.rbl.test", 0, 3, 10), 10);
	assert_int_equal(sent(r, "192.0.2.1", ANSWER_POSITIVE, "x.rbl.test", 0, 3, 1), 1);
	rrl_free(r);
}

static void test_config_ranges_are_checked(void **state)
{
	(void)state;
	rrl_config_t c;
	char why[64];
	rrl_config_init(&c);
	assert_int_equal(rrl_config_check(&c, why, sizeof why), RBL_EINVAL); /* rate 0 */
	c.rate = 20;
	assert_int_equal(rrl_config_check(&c, why, sizeof why), RBL_OK);
	c.table_size = 1000;
	assert_int_equal(rrl_config_check(&c, why, sizeof why), RBL_EINVAL);
	assert_string_equal(why, "table_size out of range");
	assert_null(rrl_new(&c));
	c.table_size = 1024;
	c.slip = 11;
	assert_int_equal(rrl_config_check(&c, why, sizeof why), RBL_EINVAL);
}

/* The table is full: new keys still get a bucket, taken from the least recently used of their group. */
static void test_a_full_table_forgets_the_least_recently_used_bucket(void **state)
{
	(void)state;
	rrl_config_t c;
	rrl_config_init(&c);
	c.rate = 2;
	c.slip = 0;
	c.table_size = RRL_TABLE_MIN;
	rrl_t *r = rrl_new(&c);
	assert_non_null(r);
	assert_int_equal(sent(r, "192.0.2.1", ANSWER_POSITIVE, "x.rbl.test", 0, 10, 100), 2);
	assert_int_equal(sent(r, "192.0.2.1", ANSWER_POSITIVE, "x.rbl.test", 0, 11, 1), 0);
	/* 10,000 new buckets at second 12 in 64 slots: each is accounted (a fresh bucket sends), and the flooder's
	 * bucket, the oldest of its group, is pushed out. */
	unsigned fresh = 0;
	for (unsigned i = 0; i < 10000; i++) {
		char addr[32];
		snprintf(addr, sizeof addr, "10.%u.%u.1", i / 256, i % 256);
		fresh += sent(r, addr, ANSWER_POSITIVE, "x.rbl.test", 0, 12, 1);
	}
	assert_int_equal(fresh, 10000);
	/* Forgotten: it starts again at a full balance (had it stayed, its debt would still be limiting it). */
	assert_int_equal(sent(r, "192.0.2.1", ANSWER_POSITIVE, "x.rbl.test", 0, 12, 100), 2);
	rrl_free(r);
}

struct hammer {
	rrl_t *rrl;
	const char *addr;
	unsigned iterations;
	bool distinct; /* a different client network per call */
	unsigned sends;
	double ns;
};

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void *hammer_main(void *arg)
{
	struct hammer *h = arg;
	struct client c;
	struct answer a;
	const struct sockaddr *sa = client(&c, h->addr);
	const answer_info_t *info = answer(&a, ANSWER_POSITIVE, "2.0.0.127.rbl.test", 0);
	double start = now_ns();
	for (unsigned i = 0; i < h->iterations; i++) {
		if (h->distinct)
			((struct sockaddr_in *)&c.ss)->sin_addr.s_addr = htonl(0x0a000000u + ((i & 0xffffu) << 8));
		h->sends += rrl_decide(h->rrl, sa, info, a.qname, 42000) == RRL_SEND;
	}
	h->ns = (now_ns() - start) / h->iterations;
	return NULL;
}

/* Runs `threads` hammers at once; returns their sends, *ns the mean cost of one call. */
static unsigned run_hammers(rrl_t *r, unsigned threads, const char *const addrs[], bool distinct, unsigned iterations,
                            double *ns)
{
	struct hammer h[2];
	pthread_t t[2];
	for (unsigned i = 0; i < threads; i++) {
		h[i] = (struct hammer){.rrl = r, .addr = addrs[i], .iterations = iterations, .distinct = distinct};
		assert_int_equal(pthread_create(&t[i], NULL, hammer_main, &h[i]), 0);
	}
	unsigned sends = 0;
	*ns = 0;
	for (unsigned i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		sends += h[i].sends;
		*ns += h[i].ns / threads;
	}
	return sends;
}

static void test_two_threads_on_one_bucket_keep_the_total_within_the_rate(void **state)
{
	(void)state;
	const unsigned n = 1000000;
	const char *const same[] = {"192.0.2.1", "192.0.2.2"};
	const char *const apart[] = {"192.0.2.1", "198.51.100.1"};
	double one, two_same, two_apart, churn1, churn2;

	rrl_t *r = make(1000, 15, 2);
	assert_int_equal(sent(r, "192.0.2.1", ANSWER_POSITIVE, "2.0.0.127.rbl.test", 0, 42, 1), 1);
	assert_int_equal(run_hammers(r, 2, same, false, n, &two_same), 999);
	rrl_free(r);

	r = make(1000, 15, 2);
	assert_int_equal(run_hammers(r, 1, same, false, n, &one), 1000);
	rrl_free(r);
	r = make(1000, 15, 2);
	run_hammers(r, 2, apart, false, n, &two_apart);
	rrl_free(r);
	r = make(1000, 15, 2);
	run_hammers(r, 1, same, true, n, &churn1);
	rrl_free(r);
	r = make(1000, 15, 2);
	run_hammers(r, 2, same, true, n, &churn2);
	rrl_free(r);
	printf("# rrl_decide ns/call: 1 thread one bucket %.1f; 2 threads one bucket %.1f; 2 threads two buckets %.1f; "
	       "65536 networks: 1 thread %.1f, 2 threads %.1f\n",
	       one, two_same, two_apart, churn1, churn2);
}

/* A real response (answer_refused: no store needed) cut to its slipped form, read back with ldns. */
static void test_a_slipped_response_is_the_header_and_question_with_tc(void **state)
{
	(void)state;
	for (int edns = 0; edns <= 1; edns++) {
		struct packet p;
		struct query_spec spec = {.name = "2.0.0.127.Rbl.Test.",
		                          .type = LDNS_RR_TYPE_TXT,
		                          .id = 777,
		                          .flags = LDNS_RD,
		                          .edns = edns,
		                          .udp_size = 1232,
		                          .do_bit = true};
		ldns_query(&spec, &p);
		uint8_t out[1232];
		answer_info_t info;
		size_t len = answer_refused(p.bytes, p.len, out, sizeof out, false, &info);
		assert_true(len > 0);
		size_t slipped = rrl_slip_response(p.bytes, p.len, &info, out, len);
		assert_int_equal(slipped, 12 + info.qname_len + 4 + (edns ? 11 : 0));
		ldns_pkt *pkt = NULL;
		assert_int_equal(ldns_wire2pkt(&pkt, out, slipped), LDNS_STATUS_OK);
		assert_true(ldns_pkt_tc(pkt));
		assert_true(ldns_pkt_qr(pkt));
		assert_int_equal(ldns_pkt_id(pkt), 777);
		assert_int_equal(ldns_pkt_get_rcode(pkt), LDNS_RCODE_REFUSED);
		assert_int_equal(ldns_pkt_qdcount(pkt), 1);
		assert_int_equal(ldns_pkt_ancount(pkt), 0);
		assert_int_equal(ldns_pkt_nscount(pkt), 0);
		assert_int_equal(ldns_pkt_edns(pkt), edns);
		if (edns)
			assert_true(ldns_pkt_edns_do(pkt));
		char *q = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(pkt), 0)));
		assert_string_equal(q, "2.0.0.127.Rbl.Test.");
		free(q);
		ldns_pkt_free(pkt);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_a_client_within_the_rate_gets_every_answer),
	        cmocka_unit_test(test_a_flood_gets_the_rate_then_nothing_until_it_stops),
	        cmocka_unit_test(test_a_limited_bucket_recovers_after_the_window),
	        cmocka_unit_test(test_a_longer_window_keeps_a_flooder_limited_longer),
	        cmocka_unit_test(test_every_slip_th_limited_response_is_truncated),
	        cmocka_unit_test(test_clients_of_one_network_share_a_bucket),
	        cmocka_unit_test(test_the_prefix_lengths_are_configurable),
	        cmocka_unit_test(test_nxdomains_of_random_names_share_one_bucket_per_zone),
	        cmocka_unit_test(test_positive_answers_are_limited_per_name_case_blind),
	        cmocka_unit_test(test_acl_refusals_are_a_class_of_their_own),
	        cmocka_unit_test(test_exempt_networks_are_never_limited),
	        cmocka_unit_test(test_nothing_to_send_is_not_counted),
	        cmocka_unit_test(test_config_ranges_are_checked),
	        cmocka_unit_test(test_a_full_table_forgets_the_least_recently_used_bucket),
	        cmocka_unit_test(test_two_threads_on_one_bucket_keep_the_total_within_the_rate),
	        cmocka_unit_test(test_a_slipped_response_is_the_header_and_question_with_tc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
