/* SPDX-License-Identifier: BSD-2-Clause */
/* fake_dns.h — a tiny DNS server on the test's own libuv loop, on 127.0.0.1 and a port of its choosing, answering
 * from a table of records in presentation form (built and parsed with ldns), for the resolver's unit tests.
 *
 * For a question it answers, with AA and RA set and EDNS when asked: the records of that name and type; a CNAME at
 * the name and the target's records of the type; NOERROR and the SOA when the name has other types only (NODATA);
 * SERVFAIL, REFUSED or NOTIMP for the names servfail.test., refused.test. and notimp.test.; NXDOMAIN and the SOA
 * otherwise. It counts the questions it has seen. Header-only: each test file that includes it gets its own copy.
 */
#ifndef TEST_FAKE_DNS_H
#define TEST_FAKE_DNS_H

#include <ldns/ldns.h>
#include <uv.h>

#include <stdio.h>
#include <string.h>

struct fake_dns {
	uv_udp_t udp;
	uint16_t port;
	unsigned questions;
	ldns_rr_list *records;
	ldns_rr *soa;
};

static bool fake_dns_name_is(const ldns_rdf *name, const char *text)
{
	ldns_rdf *other = ldns_dname_new_frm_str(text);
	bool same = other && ldns_dname_compare(name, other) == 0;
	ldns_rdf_deep_free(other);
	return same;
}

/* Adds the records of owner and type from the table to the answer section; true if the owner has any record. */
static bool fake_dns_add(struct fake_dns *f, ldns_pkt *resp, const ldns_rdf *owner, ldns_rr_type type, int depth)
{
	bool exists = false;
	for (size_t i = 0; i < ldns_rr_list_rr_count(f->records); i++) {
		ldns_rr *rr = ldns_rr_list_rr(f->records, i);
		if (ldns_dname_compare(ldns_rr_owner(rr), owner) != 0)
			continue;
		exists = true;
		if (ldns_rr_get_type(rr) == type) {
			ldns_pkt_push_rr(resp, LDNS_SECTION_ANSWER, ldns_rr_clone(rr));
		} else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME && depth < 4) {
			ldns_pkt_push_rr(resp, LDNS_SECTION_ANSWER, ldns_rr_clone(rr));
			fake_dns_add(f, resp, ldns_rr_rdf(rr, 0), type, depth + 1);
		}
	}
	return exists;
}

static ldns_pkt *fake_dns_answer(struct fake_dns *f, const ldns_pkt *query)
{
	ldns_rr *question = ldns_rr_list_rr(ldns_pkt_question(query), 0);
	if (!question)
		return NULL;
	ldns_pkt *resp = ldns_pkt_new();
	ldns_pkt_set_id(resp, ldns_pkt_id(query));
	ldns_pkt_set_qr(resp, true);
	ldns_pkt_set_aa(resp, true);
	ldns_pkt_set_ra(resp, true);
	ldns_pkt_set_rd(resp, ldns_pkt_rd(query));
	ldns_pkt_set_cd(resp, ldns_pkt_cd(query));
	ldns_pkt_push_rr(resp, LDNS_SECTION_QUESTION, ldns_rr_clone(question));
	if (ldns_pkt_edns(query))
		ldns_pkt_set_edns_udp_size(resp, 1232);
	const ldns_rdf *qname = ldns_rr_owner(question);
	if (fake_dns_name_is(qname, "servfail.test.")) {
		ldns_pkt_set_rcode(resp, LDNS_RCODE_SERVFAIL);
	} else if (fake_dns_name_is(qname, "refused.test.")) {
		ldns_pkt_set_rcode(resp, LDNS_RCODE_REFUSED);
	} else if (fake_dns_name_is(qname, "notimp.test.")) {
		ldns_pkt_set_rcode(resp, LDNS_RCODE_NOTIMPL);
	} else {
		bool exists = fake_dns_add(f, resp, qname, ldns_rr_get_type(question), 0);
		ldns_pkt_set_rcode(resp, exists ? LDNS_RCODE_NOERROR : LDNS_RCODE_NXDOMAIN);
		if (ldns_pkt_ancount(resp) == 0)
			ldns_pkt_push_rr(resp, LDNS_SECTION_AUTHORITY, ldns_rr_clone(f->soa));
	}
	return resp;
}

static void fake_dns_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	static char space[65536];
	(void)handle, (void)suggested;
	*buf = uv_buf_init(space, sizeof space);
}

static void fake_dns_recv(uv_udp_t *udp, ssize_t n, const uv_buf_t *buf, const struct sockaddr *from, unsigned flags)
{
	struct fake_dns *f = udp->data;
	ldns_pkt *query = NULL;
	(void)flags;
	if (n <= 0 || !from || ldns_wire2pkt(&query, (const uint8_t *)buf->base, (size_t)n) != LDNS_STATUS_OK)
		return;
	f->questions++;
	ldns_pkt *resp = fake_dns_answer(f, query);
	uint8_t *wire = NULL;
	size_t len = 0;
	if (resp && ldns_pkt2wire(&wire, resp, &len) == LDNS_STATUS_OK) {
		uv_buf_t out = uv_buf_init((char *)wire, (unsigned)len);
		uv_udp_try_send(udp, &out, 1, from);
	}
	free(wire);
	ldns_pkt_free(resp);
	ldns_pkt_free(query);
}

/* Starts the server on loop with the records (NULL-terminated presentation lines, absolute names, class IN). */
static void fake_dns_start(struct fake_dns *f, uv_loop_t *loop, const char *const *records)
{
	struct sockaddr_in sin;
	int len = sizeof sin;
	memset(f, 0, sizeof *f);
	f->records = ldns_rr_list_new();
	for (size_t i = 0; records[i]; i++) {
		ldns_rr *rr = NULL;
		if (ldns_rr_new_frm_str(&rr, records[i], 60, NULL, NULL) != LDNS_STATUS_OK)
			fail_msg("fake_dns: cannot parse '%s'", records[i]);
		ldns_rr_list_push_rr(f->records, rr);
	}
	assert_int_equal(
	        ldns_rr_new_frm_str(&f->soa, "test. 60 IN SOA ns.test. hostmaster.test. 1 60 60 60 60", 60, NULL, NULL),
	        LDNS_STATUS_OK);
	assert_int_equal(uv_ip4_addr("127.0.0.1", 0, &sin), 0);
	assert_int_equal(uv_udp_init(loop, &f->udp), 0);
	f->udp.data = f;
	assert_int_equal(uv_udp_bind(&f->udp, (const struct sockaddr *)&sin, 0), 0);
	assert_int_equal(uv_udp_getsockname(&f->udp, (struct sockaddr *)&sin, &len), 0);
	f->port = ntohs(sin.sin_port);
	assert_int_equal(uv_udp_recv_start(&f->udp, fake_dns_alloc, fake_dns_recv), 0);
}

/* Closes the socket (the loop must run once more to finish) and frees the table. */
static void fake_dns_stop(struct fake_dns *f)
{
	uv_close((uv_handle_t *)&f->udp, NULL);
	ldns_rr_list_deep_free(f->records);
	ldns_rr_free(f->soa);
}

#endif
