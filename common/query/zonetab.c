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
	z->soa_serial_off = (uint16_t)(mlen + rlen);
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
	for (size_t i = 0; !err && i < z->apex_len; i++)
		z->apex_case[i] = z->apex[i] >= 'a' && z->apex[i] <= 'z' ? 0x20 : 0;
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

static uint64_t load64(const uint8_t *p)
{
	uint64_t word;
	memcpy(&word, p, sizeof word);
	return word;
}

#define HASH_MULTIPLIER 0x9e3779b97f4a7c15ull /* 2^64 / golden ratio, odd */
#define CASE_FOLD 0x2020202020202020ull

/* A hash of a wire name stretch that is the same in any case: every byte is hashed with its 0x20 bit set (names that
 * differ by more than ASCII case may collide too, which the caller's exact comparison settles). A word at a time; a
 * tail shorter than a word is the last word again, overlapping, so no byte outside len is read. */
static uint64_t name_hash(const uint8_t *name, size_t len)
{
	uint64_t h = len * HASH_MULTIPLIER;
	size_t at = 0;
	for (; at + 8 <= len; at += 8)
		h = (h ^ (load64(name + at) | CASE_FOLD)) * HASH_MULTIPLIER;
	if (at < len) {
		uint64_t tail = 0;
		if (len >= 8)
			tail = load64(name + len - 8);
		else
			for (size_t i = 0; i < len; i++)
				tail = tail << 8 | name[i];
		h = (h ^ (tail | CASE_FOLD)) * HASH_MULTIPLIER;
	}
	return h ^ h >> 32; /* the slot is taken from the low bits, which the multiplications mix least */
}

static unsigned apex_label_count(const zonetab_zone_t *z)
{
	unsigned labels = 0;
	for (size_t off = 0; z->apex[off] != 0; off += 1 + (size_t)z->apex[off])
		labels++;
	return labels;
}

/* Whether the len bytes at name are z's apex in any case (RFC 4343, ASCII only). A name byte OR'ed with 0x20 under
 * a letter of the apex, and with 0 elsewhere, equals the apex byte exactly when it is that letter in either case or,
 * elsewhere, the same byte: one OR and one comparison a word. */
static bool is_apex(const zonetab_zone_t *z, const uint8_t *name, size_t len)
{
	if (len != z->apex_len)
		return false;
	if (len < 8) {
		for (size_t i = 0; i < len; i++)
			if ((name[i] | z->apex_case[i]) != z->apex[i])
				return false;
		return true;
	}
	size_t at = 0;
	for (; at + 8 < len; at += 8)
		if ((load64(name + at) | load64(z->apex_case + at)) != load64(z->apex + at))
			return false;
	at = len - 8; /* the last word, overlapping the one before unless len is a multiple of 8 */
	return (load64(name + at) | load64(z->apex_case + at)) == load64(z->apex + at);
}

/* The zone in the hash whose apex is the len bytes at name (any case), or NULL. */
static const zonetab_zone_t *find_apex(const zonetab_t *t, const uint8_t *name, size_t len)
{
	uint64_t h = name_hash(name, len);
	uint32_t tag = (uint32_t)(h >> 32);
	for (size_t i = h & t->slot_mask;; i = (i + 1) & t->slot_mask) {
		const zonetab_slot_t *slot = &t->slots[i];
		if (slot->zone == 0)
			return NULL;
		const zonetab_zone_t *z = &t->zones[slot->zone - 1];
		if (slot->tag == tag && is_apex(z, name, len))
			return z;
	}
}

/* Builds the apex hash of t's zones. On failure (no memory) t is left as it was. */
static int index_apexes(zonetab_t *t)
{
	size_t slots = 8;
	while (slots < 2 * t->count)
		slots *= 2;
	zonetab_slot_t *table = calloc(slots, sizeof *table);
	if (!table)
		return RBL_ENOMEM;
	free(t->slots);
	t->slots = table;
	t->slot_mask = slots - 1;
	memset(t->apex_labels, 0, sizeof t->apex_labels);
	t->max_apex_labels = 0;
	for (size_t z = 0; z < t->count; z++) {
		const zonetab_zone_t *zone = &t->zones[z];
		if (find_apex(t, zone->apex, zone->apex_len))
			continue; /* a duplicate apex: the first zone keeps winning, as it always did */
		uint64_t h = name_hash(zone->apex, zone->apex_len);
		size_t i = h & t->slot_mask;
		while (t->slots[i].zone != 0)
			i = (i + 1) & t->slot_mask;
		t->slots[i] = (zonetab_slot_t){.tag = (uint32_t)(h >> 32), .zone = (uint32_t)z + 1};
		unsigned labels = apex_label_count(zone);
		t->apex_labels[labels / 64] |= (uint64_t)1 << labels % 64;
		if (labels > t->max_apex_labels)
			t->max_apex_labels = labels;
	}
	return RBL_OK;
}

int zonetab_refresh(zonetab_t *t, store_reader_t *r)
{
	uint64_t snapshot, generation;
	int err = store_reader_generation(r, &snapshot);
	if (err)
		return err;
	if (t->loaded && snapshot == t->snapshot)
		return RBL_OK;
	err = store_reader_zones_generation(r, &generation);
	if (err)
		return err;
	if (t->loaded && generation == t->generation) {
		/* Listings changed, definitions did not: every serial may have moved, and is read when first needed. */
		t->snapshot = snapshot;
		return RBL_OK;
	}
	struct building b = {0};
	err = store_reader_zones(r, add_zone, &b);
	if (err) {
		free(b.zones);
		return err;
	}
	resolve_members(&b);
	for (size_t i = 0; i < b.count; i++)
		b.zones[i].serial_snapshot = snapshot;
	zonetab_t built = {.zones = b.zones,
	                   .count = b.count,
	                   .generation = generation,
	                   .snapshot = snapshot,
	                   .rebuilds = t->rebuilds + 1,
	                   .loaded = true};
	err = index_apexes(&built);
	if (err) {
		free(b.zones);
		return err;
	}
	free(t->zones);
	free(t->slots);
	*t = built;
	return RBL_OK;
}

void zonetab_serial_read(zonetab_t *t, store_reader_t *r, const zonetab_zone_t *z)
{
	zonetab_zone_t *zone = &t->zones[z - t->zones]; /* the table's own: t is not const */
	uint32_t serial;
	if (store_reader_zone_serial(r, zone->id, &serial) == RBL_OK)
		put_u32(zone->soa_rdata + zone->soa_serial_off, serial);
	zone->serial_snapshot = t->snapshot; /* once per snapshot, even after an error: no read (or log) per query */
}

void zonetab_free(zonetab_t *t)
{
	free(t->zones);
	free(t->slots);
	memset(t, 0, sizeof *t);
}

const zonetab_zone_t *zonetab_match(const zonetab_t *t, const wire_query_t *q, size_t *prefix_len)
{
	if (!t->slots)
		return NULL;
	/* Suffix i starts at label i; the root name's one suffix is itself (a root apex matches nothing else, as the
	 * root byte of a longer name is no label boundary). Longest first: the first hit is the most specific zone. */
	unsigned last = q->labels ? q->labels - 1 : 0;
	unsigned first = q->labels > t->max_apex_labels ? q->labels - t->max_apex_labels : 0;
	for (unsigned i = first; i <= last; i++) {
		unsigned labels = q->labels - i;
		if (!(t->apex_labels[labels / 64] >> labels % 64 & 1))
			continue;
		size_t off = q->labels ? q->label_off[i] : 0;
		const zonetab_zone_t *z = find_apex(t, q->qname + off, q->qname_len - off);
		if (z) {
			*prefix_len = off;
			return z;
		}
	}
	return NULL;
}
