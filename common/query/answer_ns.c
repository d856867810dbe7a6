/* SPDX-License-Identifier: BSD-2-Clause */
/* answer_ns.c — the addresses of name servers that lie inside their zone: answers at their names, and glue in the
 * additional section of NS answers (answer_internal.h). Without them a resolver that primes the zone's NS set
 * (unbound's stub-prime) finds no address for the zone's own servers and fails the zone. */
#include "answer_internal.h"

#include <string.h>

int answer_ns_host(const zonetab_zone_t *z, const wire_query_t *q, size_t prefix_len)
{
	for (unsigned i = 0; i < z->ns_count; i++)
		if (z->ns_in_zone[i] && z->ns_prefix_len[i] == prefix_len &&
		    wire_name_equal(q->qname, z->ns_prefix[i], prefix_len))
			return (int)i;
	return -1;
}

bool answer_ns_below(const zonetab_zone_t *z, const wire_query_t *q, size_t prefix_len)
{
	for (unsigned i = 0; i < z->ns_count; i++) {
		if (!z->ns_in_zone[i] || z->ns_prefix_len[i] <= prefix_len)
			continue;
		/* Walk the name server's labels: is the question's name what follows one of them? */
		for (size_t off = 0; off < z->ns_prefix_len[i]; off += 1 + (size_t)z->ns_prefix[i][off])
			if (z->ns_prefix_len[i] - off == prefix_len &&
			    wire_name_equal(q->qname, z->ns_prefix[i] + off, prefix_len))
				return true;
	}
	return false;
}

unsigned answer_ns_addresses(wire_writer_t *w, const zonetab_zone_t *z, unsigned i, uint16_t qtype,
                             enum wire_section section, uint16_t owner_off)
{
	unsigned n = 0;
	if (section == WIRE_ADDITIONAL_SECTION) {
		/* Glue goes in whole or not at all: a resolver takes a partial address set for the whole one. */
		size_t need = 0;
		for (unsigned k = 0; k < z->ns_addr_count[i]; k++)
			need += 12 + addr_bytes(z->ns_addr[i][k].family);
		if (need > wire_writer_room(w))
			return 0;
	}
	for (unsigned k = 0; k < z->ns_addr_count[i]; k++) {
		const addr_t *a = &z->ns_addr[i][k];
		uint16_t type = a->family == ADDR_V6 ? WIRE_T_AAAA : WIRE_T_A;
		if (qtype != type && qtype != WIRE_T_ANY)
			continue;
		wire_writer_rr(w, section, owner_off, type, z->ttl, a->b, (uint16_t)addr_bytes(a->family));
		n++;
	}
	return n;
}
