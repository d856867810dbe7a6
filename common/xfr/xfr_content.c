/* SPDX-License-Identifier: BSD-2-Clause */
/* xfr_content.c — a zone's records from the store, through its master-file export read back by ldns. */
#include "xfr/xfr_content.h"

#include "base/err.h"
#include "base/log.h"
#include "formats/export.h"

#include <stdio.h>
#include <stdlib.h>

static void ignore_note(void *ctx, const char *note)
{
	(void)note;
	(*(uint64_t *)ctx)++;
}

void xfr_content_free(xfr_content_t *c)
{
	if (!c)
		return;
	if (c->soa)
		ldns_rr_free(c->soa);
	if (c->rrs)
		ldns_rr_list_deep_free(c->rrs);
	free(c);
}

/* Reads the master file in text (len bytes) into c. */
static int read_back(const char *zone, char *text, size_t len, xfr_content_t *c)
{
	FILE *in = fmemopen(text, len, "r");
	if (!in)
		return RBL_ENOMEM;
	ldns_zone *z = NULL;
	int line = 0;
	ldns_status s = ldns_zone_new_frm_fp_l(&z, in, NULL, 0, LDNS_RR_CLASS_IN, &line);
	fclose(in);
	if (s != LDNS_STATUS_OK || !ldns_zone_soa(z)) {
		log_err("zone transfer of %s: the zone's records do not read back (line %d: %s)", zone, line,
			s == LDNS_STATUS_OK ? "no SOA" : ldns_get_errorstr_by_id(s));
		if (z)
			ldns_zone_deep_free(z);
		return s == LDNS_STATUS_MEM_ERR ? RBL_ENOMEM : RBL_EINVAL;
	}
	/* The records are taken out of the zone, not copied: a copy would double the peak (~1 KB a listing parsed). */
	c->soa = ldns_zone_soa(z);
	c->rrs = ldns_zone_rrs(z);
	ldns_zone_set_soa(z, NULL);
	ldns_zone_set_rrs(z, NULL);
	ldns_zone_free(z);
	c->serial = ldns_rdf2native_int32(ldns_rr_rdf(c->soa, 2));
	return RBL_OK;
}

int xfr_content_load(store_rtxn_t *r, const char *zone, int64_t now, xfr_content_t **out)
{
	*out = NULL;
	xfr_content_t *c = calloc(1, sizeof *c);
	if (!c)
		return RBL_ENOMEM;
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	if (!mem) {
		free(c);
		return RBL_ENOMEM;
	}
	export_opts_t opts = {.now = now, .note = ignore_note, .note_ctx = &c->notes};
	export_stats_t stats;
	int err = export_bind(r, zone, &opts, mem, &stats);
	if (fclose(mem) != 0 && !err)
		err = RBL_ENOMEM;
	if (!err)
		err = read_back(zone, text, len, c);
	free(text);
	if (err) {
		xfr_content_free(c);
		return err;
	}
	*out = c;
	return RBL_OK;
}

int xfr_content_load_soa(store_rtxn_t *r, const char *zone, xfr_content_t **out)
{
	*out = NULL;
	zone_def_t *z = malloc(sizeof *z);
	xfr_content_t *c = calloc(1, sizeof *c);
	int err = z && c ? store_zone_get(r, zone, z) : RBL_ENOMEM;
	if (!err) {
		/* The export's apex line (export_bind.c, write_apex), with the names absolute. */
		char text[4 * DNAME_TEXTMAX + 128];
		snprintf(text, sizeof text, "%s. %u IN SOA %s. %s. %u %u %u %u %u", z->name, z->ttl, z->mname, z->rname,
			 z->serial, z->refresh, z->retry, z->expire, z->minimum);
		ldns_status s = ldns_rr_new_frm_str(&c->soa, text, 0, NULL, NULL);
		c->rrs = ldns_rr_list_new();
		err = s == LDNS_STATUS_OK ? (c->rrs ? RBL_OK : RBL_ENOMEM) : RBL_EINVAL;
		c->serial = z->serial;
	}
	free(z);
	if (err) {
		xfr_content_free(c);
		return err;
	}
	*out = c;
	return RBL_OK;
}
