/* SPDX-License-Identifier: BSD-2-Clause */
/* web_evidence.c — what the relay pipeline knows of an address, for its page: the host's state, its latest probes
 * with their transcripts (the tester's lines and the server's told apart) and the reverse DNS seen then, its
 * reports, and the history of its listings — bounded, every text escaped (web_json_text). */
#include "web_internal.h"

#include "base/duration.h"
#include "base/err.h"
#include "relay/pipeline.h"

#include <stdio.h>
#include <string.h>

#define PROBES_SHOWN 5
#define REPORTS_SHOWN 20
#define HISTORY_SHOWN 200
#define TRANSCRIPT_LINES_SHOWN 400

static json_t *time_or_null(int64_t when)
{
	if (!when)
		return json_null();
	char text[TIME_STRLEN];
	duration_format_time(when, text);
	return json_string(text);
}

/* Keeps the last n items of an array (the walks give the oldest first; the page wants the newest). */
static void keep_last(json_t *arr, size_t n)
{
	while (json_array_size(arr) > n)
		json_array_remove(arr, 0);
}

static void reverse(json_t *arr)
{
	size_t n = json_array_size(arr);
	for (size_t i = 0; i < n / 2; i++) {
		json_t *x = json_incref(json_array_get(arr, i)), *y = json_incref(json_array_get(arr, n - 1 - i));
		json_array_set_new(arr, i, y);
		json_array_set_new(arr, n - 1 - i, x);
	}
}

/* The transcript as lines, each {"who": "tester" | "server" | "note", "text"}. */
static json_t *transcript_json(const char *t, size_t len)
{
	json_t *lines = json_array();
	for (size_t at = 0, shown = 0; at < len && shown < TRANSCRIPT_LINES_SHOWN; shown++) {
		const char *nl = memchr(t + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (t + at)) : len - at;
		const char *line = t + at, *who = "note";
		size_t skip = 0;
		if (n >= 3 && !memcmp(line, "C: ", 3))
			who = "tester", skip = 3;
		else if (n >= 3 && !memcmp(line, "S: ", 3))
			who = "server", skip = 3;
		else if (n >= 2 && !memcmp(line, "* ", 2))
			skip = 2;
		json_t *obj = json_object();
		json_object_set_new(obj, "who", json_string(who));
		json_object_set_new(obj, "text", web_json_text(line + skip, n - skip));
		json_array_append_new(lines, obj);
		at += n + 1;
	}
	return lines;
}

static int add_probe(const probe_record_t *p, void *arg)
{
	json_t *obj = json_object();
	json_object_set_new(obj, "id", json_integer((json_int_t)p->id));
	json_object_set_new(obj, "started", time_or_null(p->started));
	json_object_set_new(obj, "port", json_integer(p->port));
	json_object_set_new(obj, "verdict", json_string(probe_verdict_name(p->verdict)));
	json_object_set_new(obj, "open", json_boolean(p->verdict == PROBE_OPEN));
	json_object_set_new(obj, "why", web_json_text(p->why, strnlen(p->why, sizeof p->why)));
	json_object_set_new(obj, "form", web_json_text(p->form_name, strnlen(p->form_name, sizeof p->form_name)));
	json_object_set_new(obj, "elapsed_ms", json_integer(p->elapsed_ms));
	if (p->has_rdns) {
		char text[512];
		rdns_describe(&p->rdns, text, sizeof text);
		json_object_set_new(obj, "rdns", web_json_text(text, strnlen(text, sizeof text)));
		json_object_set_new(obj, "fcrdns", json_boolean(p->rdns.fcrdns));
	} else {
		json_object_set_new(obj, "rdns", json_null());
	}
	json_object_set_new(obj, "transcript", transcript_json(p->transcript, p->transcript_len));
	json_array_append_new(arg, obj);
	keep_last(arg, PROBES_SHOWN);
	return 0;
}

static int add_report(const report_t *r, void *arg)
{
	json_t *obj = json_object();
	json_object_set_new(obj, "arrival", time_or_null(r->arrival));
	json_object_set_new(obj, "type", web_json_text(r->feedback_type, strnlen(r->feedback_type, sizeof r->feedback_type)));
	json_object_set_new(obj, "source", web_json_text(r->source, strnlen(r->source, sizeof r->source)));
	json_array_append_new(arg, obj);
	keep_last(arg, REPORTS_SHOWN);
	return 0;
}

static int add_event(const pipeline_event_t *ev, void *arg)
{
	json_t *obj = json_object();
	json_object_set_new(obj, "time", time_or_null(ev->time));
	json_object_set_new(obj, "kind", json_string(pipeline_event_kind_name(ev->kind)));
	json_object_set_new(obj, "zone", web_json_text(ev->zone, strnlen(ev->zone, sizeof ev->zone)));
	json_object_set_new(obj, "probe", ev->probe_id ? json_integer((json_int_t)ev->probe_id) : json_null());
	json_object_set_new(obj, "request", ev->request_id ? json_integer((json_int_t)ev->request_id) : json_null());
	json_object_set_new(obj, "expires", time_or_null(ev->expires));
	json_array_append_new(arg, obj);
	keep_last(arg, HISTORY_SHOWN);
	return 0;
}

int web_evidence(store_rtxn_t *r, const addr_t *a, json_t *doc)
{
	host_record_t h;
	int err = pipeline_host_get(r, a, &h);
	if (err && err != RBL_ENOENT)
		return err;
	json_t *host = json_null();
	if (!err) {
		host = json_object();
		json_object_set_new(host, "state", json_string(pipeline_host_state_name(h.state)));
		json_object_set_new(host, "reports", json_integer(h.reports));
		json_object_set_new(host, "first_report", time_or_null(h.first_report));
		json_object_set_new(host, "last_report", time_or_null(h.last_report));
		json_object_set_new(host, "last_probe", time_or_null(h.last_probe));
	}
	json_object_set_new(doc, "host", host);
	json_t *probes = json_array(), *reports = json_array(), *history = json_array();
	json_object_set_new(doc, "probes", probes);
	json_object_set_new(doc, "reports", reports);
	json_object_set_new(doc, "history", history);
	if ((err = pipeline_probe_foreach(r, a, add_probe, probes)) && err != RBL_ENOENT)
		return err;
	if ((err = pipeline_report_foreach(r, a, add_report, reports)) && err != RBL_ENOENT)
		return err;
	if ((err = pipeline_event_foreach(r, a, add_event, history)) && err != RBL_ENOENT)
		return err;
	reverse(probes); /* newest first on the page */
	reverse(reports);
	reverse(history);
	return RBL_OK;
}
