/* SPDX-License-Identifier: BSD-2-Clause */
/* zonetab.c — the zone table: built from the store when its generation changes, matched per question. */
#include "query/zonetab.h"

#include "base/err.h"
#include "base/log.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct building {
	zonetab_zone_t *zones;
	size_t count, cap;
};

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int build_soa(zonetab_zone_t *z, const zone_def_t *def)
{
	size_t mlen, rlen;
	int err = dname_from_text(def->mname, z->soa_rdata, &mlen);
	if (err)
		return err;
	err = dname_from_text(def->rname, z->soa_rdata + mlen, &rlen);
	if (err)
		return err;
	uint8_t *p = z->soa_rdata + mlen + rlen;
	put_u32(p, def->serial);
	put_u32(p + 4, def->refresh);
	put_u32(p + 8, def->retry);
	put_u32(p + 12, def->expire);
	put_u32(p + 16, def->minimum);
	z->soa_rdlen = (uint16_t)(mlen + rlen + 20);
	return RBL_OK;
}

static int add_zone(const zone_def_t *def, void *ctx)
{
	struct building *b = ctx;
	if (b->count == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 8;
		zonetab_zone_t *grown = realloc(b->zones, ncap * sizeof *grown);
		if (!grown)
			return RBL_ENOMEM;
		b->zones = grown;
		b->cap = ncap;
	}
	zonetab_zone_t *z = &b->zones[b->count];
	memset(z, 0, sizeof *z);
	z->id = def->id;
	z->ttl = def->ttl;
	z->minimum = def->minimum;
	z->default_code = def->default_code;
	memcpy(z->name, def->name, sizeof z->name);
	int err = dname_from_text(def->name, z->apex, &z->apex_len);
	if (!err)
		err = build_soa(z, def);
	for (unsigned i = 0; !err && i < def->ns_count; i++) {
		size_t len;
		err = dname_from_text(def->ns[i], z->ns_rdata[i], &len);
		z->ns_rdlen[i] = (uint16_t)len;
		if (!err && zone_ns_in_zone(def, i)) {
			/* The labels in front of the apex, lowercase, as a question's lower form holds them. */
			z->ns_in_zone[i] = true;
			z->ns_prefix_len[i] = (uint8_t)(len - z->apex_len);
			for (size_t k = 0; k < z->ns_prefix_len[i]; k++)
				z->ns_prefix[i][k] = (uint8_t)tolower(z->ns_rdata[i][k]);
			z->ns_addr_count[i] = def->ns_addr_count[i];
			memcpy(z->ns_addr[i], def->ns_addr[i], sizeof z->ns_addr[i]);
		}
	}
	if (err) {
		log_err("zone %s has an invalid name in its definition; not served", def->name);
		return RBL_OK;
	}
	z->ns_count = def->ns_count;
	z->member_count = def->member_count;
	memcpy(z->member_ids, def->members, sizeof z->member_ids);
	z->txt_len = strlen(def->txt);
	memcpy(z->txt, def->txt, z->txt_len + 1);
	b->count++;
	return RBL_OK;
}

/* Member ids to pointers, once the array has stopped moving. A member that is itself an aggregate contributes only
 * its own entries (aggregates do not nest). */
static void resolve_members(struct building *b)
{
	for (size_t i = 0; i < b->count; i++) {
		zonetab_zone_t *z = &b->zones[i];
		unsigned kept = 0;
		for (unsigned m = 0; m < z->member_count; m++)
			for (size_t j = 0; j < b->count; j++)
				if (b->zones[j].id == z->member_ids[m] && j != i)
					z->members[kept++] = &b->zones[j];
		z->member_count = kept;
	}
}

int zonetab_refresh(zonetab_t *t, store_reader_t *r)
{
	uint64_t gen;
	int err = store_reader_generation(r, &gen);
	if (err)
		return err;
	if (t->loaded && gen == t->generation)
		return RBL_OK;
	struct building b = {0};
	err = store_reader_zones(r, add_zone, &b);
	if (err) {
		free(b.zones);
		return err;
	}
	resolve_members(&b);
	free(t->zones);
	t->zones = b.zones;
	t->count = b.count;
	t->generation = gen;
	t->loaded = true;
	return RBL_OK;
}

void zonetab_free(zonetab_t *t)
{
	free(t->zones);
	memset(t, 0, sizeof *t);
}

const zonetab_zone_t *zonetab_match(const zonetab_t *t, const wire_query_t *q, size_t *prefix_len)
{
	const zonetab_zone_t *best = NULL;
	for (size_t i = 0; i < t->count; i++) {
		const zonetab_zone_t *z = &t->zones[i];
		if (z->apex_len > q->qname_len || (best && z->apex_len <= best->apex_len))
			continue;
		size_t at = q->qname_len - z->apex_len;
		if (memcmp(q->lower + at, z->apex, z->apex_len) != 0)
			continue;
		/* The suffix must start on a label boundary, not inside a label that happens to end the same way. */
		bool boundary = at == 0;
		for (unsigned l = 0; !boundary && l < q->labels; l++)
			boundary = q->label_off[l] == at;
		if (boundary)
			best = z;
	}
	if (best)
		*prefix_len = q->qname_len - best->apex_len;
	return best;
}
