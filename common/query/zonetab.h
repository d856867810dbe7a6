/* SPDX-License-Identifier: BSD-2-Clause */
/* zonetab.h — a worker's in-memory table of the zones it serves, with their SOA and NS records in wire form.
 *
 * Built from a store snapshot (zonetab_load) whenever the store's generation changes, so a zone created, changed or
 * deleted by rbltool is served from the next batch on. Matching a question to its zone is a comparison of the
 * question's lowercase tail against each apex, on label boundaries; the longest apex wins (member zones may sit
 * below an aggregate).
 */
#ifndef RBL_ZONETAB_H
#define RBL_ZONETAB_H

#include "store/store_reader.h"
#include "query/wire.h"
#include "store/zone.h"

#define ZONETAB_SOA_RDATA_MAX (2 * DNAME_MAXLEN + 20)

typedef struct zonetab_zone {
	uint32_t id;
	uint32_t ttl, minimum, default_code;
	char name[DNAME_TEXTMAX];
	uint8_t apex[DNAME_MAXLEN];
	size_t apex_len;
	uint8_t soa_rdata[ZONETAB_SOA_RDATA_MAX];
	uint16_t soa_rdlen;
	unsigned ns_count;
	uint8_t ns_rdata[ZONE_MAX_NS][DNAME_MAXLEN];
	uint16_t ns_rdlen[ZONE_MAX_NS];
	/* Name servers inside the zone: their name in front of the apex, lowercase wire labels as they appear in front
	 * of it in wire_query_t.lower (length 0 and in_zone: the apex itself), and their addresses. */
	bool ns_in_zone[ZONE_MAX_NS];
	uint8_t ns_prefix[ZONE_MAX_NS][DNAME_MAXLEN];
	uint8_t ns_prefix_len[ZONE_MAX_NS];
	unsigned ns_addr_count[ZONE_MAX_NS];
	addr_t ns_addr[ZONE_MAX_NS][ZONE_NS_ADDR_MAX];
	char txt[ZONE_TXT_MAX];
	size_t txt_len;
	unsigned member_count;
	uint32_t member_ids[ZONE_MAX_MEMBERS];
	const struct zonetab_zone *members[ZONE_MAX_MEMBERS]; /* resolved after loading; missing ones dropped */
} zonetab_zone_t;

typedef struct zonetab {
	zonetab_zone_t *zones;
	size_t count;
	uint64_t generation;
	bool loaded;
} zonetab_t;

/* Rebuilds t from the reader's snapshot if its generation differs from t's (or t was never loaded). On failure t is
 * left as it was. */
int zonetab_refresh(zonetab_t *t, store_reader_t *r);
void zonetab_free(zonetab_t *t);

/* The zone whose apex is the longest suffix of q's name, or NULL. *prefix_len = bytes of q->lower in front of the
 * apex (0 at the apex itself). */
const zonetab_zone_t *zonetab_match(const zonetab_t *t, const wire_query_t *q, size_t *prefix_len);

#endif
