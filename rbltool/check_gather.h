/* SPDX-License-Identifier: BSD-2-Clause */
/* check_gather.h — rbltool check's gathering, on one libuv loop: the host's address when it is given by name, then
 * at once the reverse DNS, every blocklist's lookups and the probe with every form. Every lookup is started before
 * the probe, so a check that cannot look something up sends nothing to the server. What it gathers is a
 * check_facts_t (check.h); the decisions are check_items.c's.
 */
#ifndef RBLTOOL_CHECK_GATHER_H
#define RBLTOOL_CHECK_GATHER_H

#include "check.h"

#include "base/dname.h"

typedef struct check_gather check_gather_t;

/* A loop and a resolver: RBL_OK, or resolver_new's error. */
int check_gather_new(const resolver_config_t *resolver, check_gather_t **out);
void check_gather_free(check_gather_t *g);

/* host as an address, or its first A (else AAAA) record: RBL_OK, or RBL_ENOENT with *status the A lookup's outcome
 * (RBL_EINVAL: not a valid name). */
int check_gather_host(check_gather_t *g, const char *host, addr_t *addr, enum resolve_status *status);

/* The names looked up in zone for addr: the RFC 5782 test point "2.0.0.127.ZONE", the negative one
 * "1.0.0.127.ZONE", and the address's reversed name in it. RBL_ERANGE when one would be longer than a DNS name may
 * be (an IPv6 address's 64 bytes of nibbles leave 189 for the zone). Buffers of DNAME_TEXTMAX bytes. */
int check_zone_names(const char *zone, const addr_t *addr, char testpoint[DNAME_TEXTMAX], char negative[DNAME_TEXTMAX],
                     char reversed[DNAME_TEXTMAX]);

/* Gathers everything for addr:port (zones: normalised names, each passing check_zone_names) and returns when all is
 * in: RBL_OK with the facts filled, or the error that kept it from starting (nothing sent then). The progress line
 * is drawn when progress is set and stderr is a terminal. */
int check_gather_run(check_gather_t *g, const addr_t *addr, uint16_t port, const probe_config_t *probe,
                     const char (*zones)[DNAME_TEXTMAX], size_t nzones, bool progress);

/* The facts; valid until check_gather_free. */
const check_facts_t *check_gather_facts(const check_gather_t *g);

#endif
