/* SPDX-License-Identifier: BSD-2-Clause */
/* answer_internal.h — what answer.c shares with the other answer_*.c files of rbl_query, and nothing else uses. */
#ifndef RBL_ANSWER_INTERNAL_H
#define RBL_ANSWER_INTERNAL_H

#include "query/answer.h"
#include "query/wire.h"
#include "query/zonetab.h"

/* The operator's text for a CH question about the server (version.bind, id.server, ...), or NULL: REFUSED. */
const char *answer_chaos_text(const answer_options_t *options, const wire_query_t *q);
/* The name server of z inside the zone whose name is the question's (prefix_len bytes of q->qname in front of the
 * apex; 0: the apex), or -1. */
int answer_ns_host(const zonetab_zone_t *z, const wire_query_t *q, size_t prefix_len);
/* Whether the question's name (prefix_len bytes in front of the apex) is an ancestor of a name server's name. */
bool answer_ns_below(const zonetab_zone_t *z, const wire_query_t *q, size_t prefix_len);
/* Writes the addresses of name server i of type qtype (A, AAAA; both for ANY) in section, owned by the name at
 * owner_off; returns how many. */
unsigned answer_ns_addresses(wire_writer_t *w, const zonetab_zone_t *z, unsigned i, uint16_t qtype,
			     enum wire_section section, uint16_t owner_off);

/* Writes the CH TXT answer (for TXT or ANY; no data for other types) and returns the rcode. */
unsigned answer_chaos(const wire_query_t *q, wire_writer_t *w, const char *text);

#endif
