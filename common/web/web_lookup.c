/* SPDX-License-Identifier: BSD-2-Clause */
/* web_lookup.c — the lookup document: for each zone, what dnsbld answers for an address (A and TXT, by its own
 * answer code on the same store) and the zone's entry that answers it. */
#include "web/web_answer.h"
#include "web_internal.h"

#include "base/duration.h"
#include "base/err.h"
#include "base/revname.h"
#include "relay/pipeline.h"

#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int web_answer_ask(answer_ctx_t *ctx, const char *qname, ldns_rr_type type, ldns_pkt **pkt)
{
	*pkt = NULL;
	ldns_rdf *name = ldns_dname_new_frm_str(qname);
	ldns_pkt *query = name ? ldns_pkt_query_new(name, type, LDNS_RR_CLASS_IN, 0) : NULL;
	if (!query) {
		ldns_rdf_deep_free(name);
		return RBL_ENOMEM;
	}
	uint8_t *wire = NULL;
	size_t wire_len = 0;
	ldns_status st = ldns_pkt2wire(&wire, query, &wire_len);
	ldns_pkt_free(query);
	if (st != LDNS_STATUS_OK)
		return RBL_ENOMEM;
	uint8_t *response = malloc(65535);
	size_t n = response ? answer_packet(ctx, wire, wire_len, response, 65535, true) : 0;
	free(wire);
	int err = n && ldns_wire2pkt(pkt, response, n) == LDNS_STATUS_OK ? RBL_OK : RBL_EINVAL;
	free(response);
	return err;
}

/* One TXT record's text: its character-strings joined, as a resolver's client reads it. */
static json_t *txt_json(const ldns_rr *rr)
{
	char *text = malloc(65535);
	size_t len = 0;
	for (size_t i = 0; text && i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *rdf = ldns_rr_rdf(rr, i);
		const uint8_t *data = ldns_rdf_data(rdf);
		size_t n = ldns_rdf_size(rdf) ? data[0] : 0; /* a character-string: its length, then its bytes */
		if (n + 1 > ldns_rdf_size(rdf) || len + n > 65535)
			break;
		memcpy(text + len, data + 1, n);
		len += n;
	}
	json_t *v = text ? web_json_text(text, len) : NULL;
	free(text);
	return v;
}

void web_answer_records(const ldns_pkt *pkt, ldns_rr_type type, json_t *arr, long *ttl)
{
	ldns_rr_list *answers = ldns_pkt_answer(pkt);
	for (size_t i = 0; i < ldns_rr_list_rr_count(answers); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(answers, i);
		if (ldns_rr_get_type(rr) != type)
			continue;
		if (*ttl < 0)
			*ttl = (long)ldns_rr_ttl(rr);
		if (type == LDNS_RR_TYPE_TXT) {
			json_array_append_new(arr, txt_json(rr));
		} else {
			char *code = ldns_rdf2str(ldns_rr_rdf(rr, 0));
			json_array_append_new(arr, code ? json_string(code) : json_null());
			free(code);
		}
	}
}

static json_t *time_json(int64_t when)
{
	if (!when)
		return json_null();
	char text[TIME_STRLEN];
	duration_format_time(when, text);
	return json_string(text);
}

/* The zone's own entry answering a: its network, kind, times, reason, source and the probe behind it; null when none
 * answers. *probed: it is a listing the relay probe made for this very host (a retest can lift it). */
static json_t *entry_json(store_rtxn_t *r, const zone_def_t *zone, const addr_t *a, bool *probed)
{
	entry_t *e = malloc(sizeof *e);
	if (!e || zone->member_count || store_entry_covering(r, zone->id, a, (int64_t)time(NULL), e) != RBL_OK) {
		free(e);
		return json_null();
	}
	*probed = e->evidence && !(e->flags & ENTRY_EXCLUDE) && e->net.len == addr_maxlen(a->family);
	char net[ADDR_STRLEN];
	cidr_format(&e->net, net);
	json_t *obj = json_object();
	json_object_set_new(obj, "network", json_string(net));
	json_object_set_new(obj, "exclusion", json_boolean(e->flags & ENTRY_EXCLUDE));
	json_object_set_new(obj, "created", time_json(e->created));
	json_object_set_new(obj, "updated", time_json(e->updated));
	json_object_set_new(obj, "expires", time_json(e->expires));
	json_object_set_new(obj, "reason", web_json_text(e->reason, strnlen(e->reason, sizeof e->reason)));
	json_object_set_new(obj, "source", web_json_text(e->source, strnlen(e->source, sizeof e->source)));
	json_object_set_new(obj, "probe", e->evidence ? json_integer((json_int_t)e->evidence) : json_null());
	free(e);
	return obj;
}

struct lookup {
	answer_ctx_t *ctx;
	store_rtxn_t *r;
	const addr_t *a;
	json_t *zones;
	bool listed, probed;
	int err;
};

static int add_zone(const zone_def_t *zone, void *arg)
{
	struct lookup *l = arg;
	char rev[REVNAME_STRLEN], qname[REVNAME_STRLEN + DNAME_TEXTMAX + 2];
	revname_format(l->a, rev);
	snprintf(qname, sizeof qname, "%s.%s.", rev, zone->name);
	ldns_pkt *a = NULL, *txt = NULL;
	int err = web_answer_ask(l->ctx, qname, LDNS_RR_TYPE_A, &a);
	if (!err)
		err = web_answer_ask(l->ctx, qname, LDNS_RR_TYPE_TXT, &txt);
	if (err) {
		ldns_pkt_free(a);
		return err;
	}
	json_t *obj = json_object(), *codes = json_array(), *texts = json_array();
	long ttl = -1;
	web_answer_records(a, LDNS_RR_TYPE_A, codes, &ttl);
	web_answer_records(txt, LDNS_RR_TYPE_TXT, texts, &ttl);
	ldns_lookup_table *rcode = ldns_lookup_by_id(ldns_rcodes, ldns_pkt_get_rcode(a));
	bool listed = json_array_size(codes) > 0;
	json_object_set_new(obj, "zone", json_string(zone->name));
	json_object_set_new(obj, "name", json_string(qname));
	json_object_set_new(obj, "listed", json_boolean(listed));
	json_object_set_new(obj, "rcode", json_string(rcode ? rcode->name : "?"));
	json_object_set_new(obj, "ttl", ttl >= 0 ? json_integer(ttl) : json_null());
	json_object_set_new(obj, "a", codes);
	json_object_set_new(obj, "txt", texts);
	bool probed = false;
	json_object_set_new(obj, "entry", entry_json(l->r, zone, l->a, &probed));
	l->probed |= probed && listed;
	json_array_append_new(l->zones, obj);
	l->listed |= listed;
	ldns_pkt_free(a);
	ldns_pkt_free(txt);
	return 0;
}

json_t *web_request_json(const retest_request_t *q, uint64_t position)
{
	json_t *req = json_object();
	json_object_set_new(req, "id", json_integer((json_int_t)q->id));
	json_object_set_new(req, "requested", time_json(q->requested));
	json_object_set_new(req, "via", json_string(pipeline_retest_via_name(q->via)));
	json_object_set_new(req, "queued", json_boolean(q->queued));
	json_object_set_new(req, "position", q->queued ? json_integer((json_int_t)position) : json_null());
	json_object_set_new(req, "done", time_json(q->done));
	json_object_set_new(req, "outcome",
			    q->queued ? json_null() : json_string(pipeline_retest_outcome_name(q->outcome)));
	json_object_set_new(req, "probe", q->probe_id ? json_integer((json_int_t)q->probe_id) : json_null());
	return req;
}

/* The address's retest: whether one can be asked for (the relay probe listed it), and its latest request. */
static json_t *retest_json(store_rtxn_t *r, const addr_t *a, bool eligible, int *err)
{
	json_t *obj = json_object();
	retest_request_t q;
	uint64_t position = 0;
	int rc = pipeline_retest_get(r, a, &q, &position);
	if (rc && rc != RBL_ENOENT) {
		*err = rc;
		return obj;
	}
	bool queued = !rc && q.queued;
	json_object_set_new(obj, "eligible", json_boolean(eligible));
	json_object_set_new(obj, "state", json_string(rc ? "none" : queued ? "queued" : "done"));
	json_object_set_new(obj, "offer", json_boolean(eligible && !queued));
	json_object_set_new(obj, "request", rc ? json_null() : web_request_json(&q, position));
	return obj;
}

int web_lookup(answer_ctx_t *ctx, store_t *st, const addr_t *a, json_t **doc)
{
	*doc = NULL;
	struct lookup l = {ctx, NULL, a, json_array(), false, false, RBL_OK};
	json_t *retest = NULL, *evidence = json_object();
	int err = l.zones ? answer_batch_begin(ctx) : RBL_ENOMEM;
	if (!err) {
		if (!(err = store_read_begin(st, &l.r)))
			err = store_zone_foreach(l.r, add_zone, &l);
		if (!err) {
			int covered = pipeline_optout_covers(l.r, a); /* opted out: never probed, nothing to retest */
			err = covered < 0 ? covered : RBL_OK;
			retest = err ? NULL : retest_json(l.r, a, l.probed && !covered, &err);
		}
		if (!err)
			err = web_evidence(l.r, a, evidence);
		store_read_end(l.r);
		answer_batch_end(ctx);
		answer_release(ctx); /* no snapshot held between requests */
	}
	if (err) {
		json_decref(l.zones);
		json_decref(retest);
		json_decref(evidence);
		return err;
	}
	char text[ADDR_STRLEN];
	addr_format(a, text);
	*doc = json_object();
	json_object_set_new(*doc, "address", json_string(text));
	json_object_set_new(*doc, "listed", json_boolean(l.listed));
	json_object_set_new(*doc, "zones", l.zones);
	json_object_set_new(*doc, "retest", retest);
	json_object_update(*doc, evidence);
	json_decref(evidence);
	return RBL_OK;
}
