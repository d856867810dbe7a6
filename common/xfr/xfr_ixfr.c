/* SPDX-License-Identifier: BSD-2-Clause */
/* xfr_ixfr.c — an IXFR's records from the journal (xfr_journal.h): each step's old SOA, the records it removed, its
 * new SOA, the records it added (RFC 1995 section 4), as xfr_answer sends them between the current SOA twice. */
#include "xfr/xfr_content.h"
#include "xfr/xfr_journal.h"

#include "base/err.h"
#include "base/log.h"

#include <stdlib.h>
#include <string.h>

struct chain {
	xfr_content_t *c;
	ldns_rdf *origin;
	uint32_t ttl;
	const char *zone;
	uint64_t records, limit;
};

/* The current SOA with another serial: a step's SOA (the journal is emptied when the SOA's other fields change). */
static int add_soa(struct chain *ch, uint32_t serial)
{
	ldns_rr *soa = ldns_rr_clone(ch->c->soa);
	ldns_rdf *s = ldns_native2rdf_int32(LDNS_RDF_TYPE_INT32, serial);
	if (!soa || !s) {
		ldns_rr_free(soa);
		ldns_rdf_deep_free(s);
		return RBL_ENOMEM;
	}
	ldns_rdf_deep_free(ldns_rr_set_rdf(soa, s, 2));
	return ldns_rr_list_push_rr(ch->c->rrs, soa) ? RBL_OK : RBL_ENOMEM;
}

/* A step's lines ("OWNER<TAB>TYPE<TAB>RDATA\n", owner relative to the zone) as records. */
static int add_lines(struct chain *ch, const char *text, size_t len)
{
	char line[4096];
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
		if (n >= sizeof line) {
			log_err("zone transfer of %s: a journal record's line is %zu bytes long", ch->zone, n);
			return RBL_ESTORE;
		}
		memcpy(line, text + at, n);
		line[n] = '\0';
		at += n + 1;
		ldns_rr *rr = NULL;
		ldns_status s = ldns_rr_new_frm_str(&rr, line, ch->ttl, ch->origin, NULL);
		if (s != LDNS_STATUS_OK) {
			log_err("zone transfer of %s: a journal record does not read (%s): %s", ch->zone,
				ldns_get_errorstr_by_id(s), line);
			return s == LDNS_STATUS_MEM_ERR ? RBL_ENOMEM : RBL_ESTORE;
		}
		if (!ldns_rr_list_push_rr(ch->c->rrs, rr)) {
			ldns_rr_free(rr);
			return RBL_ENOMEM;
		}
	}
	return RBL_OK;
}

static int take_step(void *ctx, const xfr_journal_step_t *step)
{
	struct chain *ch = ctx;
	ch->records += step->removed_count + step->added_count + 2;
	if (ch->records > ch->limit)
		return RBL_ERANGE;
	int err = add_soa(ch, step->from);
	if (!err)
		err = add_lines(ch, step->removed, step->removed_len);
	if (!err)
		err = add_soa(ch, step->to);
	return err ? err : add_lines(ch, step->added, step->added_len);
}

struct sizes {
	const zone_def_t *zone;
	uint64_t entries;
};

static int add_member_entries(const zone_def_t *def, void *ctx)
{
	struct sizes *s = ctx;
	for (unsigned i = 0; i < s->zone->member_count; i++)
		if (s->zone->members[i] == def->id)
			s->entries += def->entries;
	return 0;
}

int xfr_content_load_ixfr(store_rtxn_t *r, const char *zone, uint32_t from, xfr_content_t **out)
{
	*out = NULL;
	zone_def_t *z = malloc(sizeof *z);
	xfr_content_t *c = NULL;
	int err = z ? store_zone_get(r, zone, z) : RBL_ENOMEM;
	if (!err)
		err = xfr_content_load_soa(r, zone, &c);
	struct chain ch = {c, NULL, z ? z->ttl : 0, zone, 0, 0};
	if (!err) {
		/* Past this many records the chain is no smaller than the zone (a plain IPv4 listing is four records: A
		 * and TXT, under its name and its IPv4-mapped twin): the whole zone goes instead. */
		struct sizes sizes = {z, z->entries};
		if (z->member_count)
			err = store_zone_foreach(r, add_member_entries, &sizes);
		ch.limit = 4 * sizes.entries + 64;
	}
	if (!err && !(ch.origin = ldns_dname_new_frm_str(zone)))
		err = RBL_ENOMEM;
	if (!err)
		err = xfr_journal_chain(r, z->id, from, z->serial, take_step, &ch);
	ldns_rdf_deep_free(ch.origin);
	free(z);
	if (err) {
		xfr_content_free(c);
		return err == RBL_ERANGE ? RBL_ENOENT : err;
	}
	c->incremental = true;
	*out = c;
	return RBL_OK;
}
