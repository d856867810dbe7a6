/* SPDX-License-Identifier: BSD-2-Clause */
/* zonetab.h — a worker's in-memory table of the zones it serves, with their SOA and NS records in wire form.
 *
 * Built from a store snapshot (zonetab_refresh) whenever the store's zone definitions changed, so a zone created,
 * changed or deleted by rbltool is served from the next batch on. A commit that changed only listings moves only
 * serials: the table stays, and each zone's SOA serial is read again (one small record) the first time an answer of
 * a newer snapshot carries that zone's SOA (zonetab_soa_current), so every answer has the current serial. Matching a
 * question to its zone looks the question's suffixes that start on a label boundary up in a hash of the apexes, longest
 * first, so the most specific zone wins (member zones may sit below an aggregate) and the cost does not grow with the
 * number of zones.
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
	uint8_t apex[DNAME_MAXLEN];      /* lowercase wire form */
	uint8_t apex_case[DNAME_MAXLEN]; /* 0x20 under each letter of the apex, 0 elsewhere: for the case-blind match */
	size_t apex_len;
	uint8_t soa_rdata[ZONETAB_SOA_RDATA_MAX];
	uint16_t soa_rdlen;
	uint16_t soa_serial_off;  /* where the serial lies in soa_rdata: after MNAME and RNAME */
	uint64_t serial_snapshot; /* the snapshot (zonetab_t.snapshot) whose serial soa_rdata holds */
	unsigned ns_count;
	uint8_t ns_rdata[ZONE_MAX_NS][DNAME_MAXLEN];
	uint16_t ns_rdlen[ZONE_MAX_NS];
	/* Name servers inside the zone: their name in front of the apex, lowercase wire labels as a question names it
	 * in front of the apex (wire_name_equal; length 0 and in_zone: the apex itself), and their addresses. */
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

/* One slot of the apex hash: the zone (index + 1; 0 = empty) and the high half of its apex's hash. */
typedef struct zonetab_slot {
	uint32_t tag;
	uint32_t zone;
} zonetab_slot_t;

typedef struct zonetab {
	zonetab_zone_t *zones;
	size_t count;
	uint64_t generation; /* the store's zone-definitions generation it was built from: moves with each rebuild */
	uint64_t snapshot;   /* the reader snapshot (LMDB transaction id) last refreshed to */
	uint64_t rebuilds;   /* how many times the table was built (kept across rebuilds; tests and benchmarks) */
	bool loaded;
	/* The apex hash: open addressing, linear probing, a power of two of slots at least twice the zones (so a probe
	 * always ends at an empty slot). A zone whose apex an earlier zone already has is not in it, as it would never
	 * win a match. */
	zonetab_slot_t *slots;
	size_t slot_mask;
	uint64_t apex_labels[2]; /* bit n: an apex has n labels (0..127); suffixes of other lengths are not looked up */
	unsigned max_apex_labels;
} zonetab_t;

/* Brings t to the reader's snapshot: rebuilt when the store's zone definitions changed since t was built (or t was
 * never loaded), else only marked so that each zone's serial is read again when first needed. Costs nothing when the
 * snapshot is the one t last saw. On failure t is left as it was. */
int zonetab_refresh(zonetab_t *t, store_reader_t *r);
void zonetab_free(zonetab_t *t);

/* Reads the serial of z (a zone of t) from r's snapshot into its SOA rdata (zonetab_soa_current). A zone without a
 * serial record, or a store error, keeps the serial it had (logged once per snapshot on an error). */
void zonetab_serial_read(zonetab_t *t, store_reader_t *r, const zonetab_zone_t *z);

/* z's SOA rdata with the serial of the snapshot t was last refreshed to (r's): a comparison, and once per zone and
 * snapshot one read of the zone's state record. */
static inline const zonetab_zone_t *zonetab_soa_current(zonetab_t *t, store_reader_t *r, const zonetab_zone_t *z)
{
	if (z->serial_snapshot != t->snapshot)
		zonetab_serial_read(t, r, z);
	return z;
}

/* The zone whose apex is the longest suffix of q's name starting on a label boundary (compared case-blind), or NULL;
 * a root apex matches the root name only. *prefix_len = bytes of q->qname in front of the apex (0 at the apex
 * itself), untouched on NULL. At most one hash probe per label count some apex has, whatever the number of zones. */
const zonetab_zone_t *zonetab_match(const zonetab_t *t, const wire_query_t *q, size_t *prefix_len);

#endif
