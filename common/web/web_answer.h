/* SPDX-License-Identifier: BSD-2-Clause */
/* web_answer.h — what dnsbld answers for a name, asked of its own answer code (answer_packet) and read with ldns:
 * the lookup page's answers (web_lookup.c) and rbltool query's. */
#ifndef RBL_WEB_ANSWER_H
#define RBL_WEB_ANSWER_H

#include "query/answer.h"

#include <jansson.h>
#include <ldns/ldns.h>

/* The answer to qname (absolute, with its final dot) and type, from ctx inside a batch (answer_batch_begin), parsed
 * into *pkt (the caller frees it): RBL_OK; RBL_ENOMEM; RBL_EINVAL when no answer came or it did not parse. */
int web_answer_ask(answer_ctx_t *ctx, const char *qname, ldns_rr_type type, ldns_pkt **pkt);

/* The records of type in pkt's answer section appended to arr — an A as its address text, a TXT as its strings
 * joined, both escaped as text_utf8_escape does — and the TTL of the first into *ttl when it is still -1. */
void web_answer_records(const ldns_pkt *pkt, ldns_rr_type type, json_t *arr, long *ttl);

#endif
