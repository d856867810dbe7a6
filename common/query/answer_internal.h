/* SPDX-License-Identifier: BSD-2-Clause */
/* answer_internal.h — what answer.c shares with the other answer_*.c files of rbl_query, and nothing else uses. */
#ifndef RBL_ANSWER_INTERNAL_H
#define RBL_ANSWER_INTERNAL_H

#include "query/answer.h"
#include "query/wire.h"

/* The operator's text for a CH question about the server (version.bind, id.server, ...), or NULL: REFUSED. */
const char *answer_chaos_text(const answer_options_t *options, const wire_query_t *q);
/* Writes the CH TXT answer (for TXT or ANY; no data for other types) and returns the rcode. */
unsigned answer_chaos(const wire_query_t *q, wire_writer_t *w, const char *text);

#endif
