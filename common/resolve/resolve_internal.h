/* SPDX-License-Identifier: BSD-2-Clause */
/* resolve_internal.h — the resolver's parts, shared by resolve*.c only. */
#ifndef RBL_RESOLVE_INTERNAL_H
#define RBL_RESOLVE_INTERNAL_H

#include "resolve/resolve.h"

#include <unbound.h>

/* Fills a from libunbound's result (err: ub_resolve's error code; res may be NULL then): status and rcode, and the
 * records of a->type (set by the caller), every read bounded; malformed records are skipped. */
void resolve_read_answer(resolve_answer_t *a, int err, const struct ub_result *res);

#endif
