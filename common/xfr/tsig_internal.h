/* SPDX-License-Identifier: BSD-2-Clause */
/* tsig_internal.h — what tsig_verify.c and tsig_sign.c share: names compared in wire form, ldns's status read. */
#ifndef RBL_TSIG_INTERNAL_H
#define RBL_TSIG_INTERNAL_H

#include "xfr/tsig_key.h"

#include <ldns/ldns.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether two uncompressed wire names are the same name, ASCII case ignored. */
bool tsig_same_name(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len);

/* The key's name and its algorithm's name in wire form (DNAME_MAXLEN bytes each). RBL_OK or RBL_EINVAL. */
int tsig_key_wire(const tsig_key_t *key, uint8_t name[DNAME_MAXLEN], size_t *name_len, uint8_t algorithm[DNAME_MAXLEN],
                  size_t *algorithm_len);

/* ldns's status as an rbl_err: MEM_ERR is RBL_ENOMEM, every other failure RBL_EINVAL. */
int tsig_from_ldns(ldns_status status);

/* pkt in wire form into out (out_size bytes at most, and 65535). RBL_OK, RBL_ESPACE, RBL_ENOMEM. */
int tsig_write_pkt(const ldns_pkt *pkt, uint8_t *out, size_t out_size, size_t *out_len);

#endif
