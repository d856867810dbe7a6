/* SPDX-License-Identifier: BSD-2-Clause */
/* answer_chaos.c — class CH questions: version.bind / version.server and id.server / hostname.bind, answered with the
 * operator's text when dnsbld.conf sets one, REFUSED otherwise (answer_internal.h). */
#include "answer_internal.h"

#include <string.h>

/* Whether the question's name is, in any case, the wire name `wire` (lowercase labels, root included). */
static bool name_is(const wire_query_t *q, const char *wire, size_t wire_len)
{
	return q->qname_len == wire_len && wire_name_equal(q->qname, (const uint8_t *)wire, wire_len);
}

#define WIRE_NAME(s) s, sizeof s /* the literal's terminating NUL is the root label */

const char *answer_chaos_text(const answer_options_t *options, const wire_query_t *q)
{
	if (options == NULL || q->qclass != WIRE_C_CH)
		return NULL;
	if (name_is(q, WIRE_NAME("\7version\4bind")) || name_is(q, WIRE_NAME("\7version\6server")))
		return options->version;
	if (name_is(q, WIRE_NAME("\2id\6server")) || name_is(q, WIRE_NAME("\10hostname\4bind")))
		return options->identity;
	return NULL;
}

unsigned answer_chaos(const wire_query_t *q, wire_writer_t *w, const char *text)
{
	if (q->qtype == WIRE_T_TXT || q->qtype == WIRE_T_ANY) {
		w->rr_class = WIRE_C_CH;
		/* "$" for '$': the operator's text is no template. */
		wire_writer_txt(w, WIRE_HEADER_LEN, 0, text, strlen(text), "$");
	}
	return WIRE_R_NOERROR; /* another type at one of these names: no data */
}
