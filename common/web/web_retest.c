/* SPDX-License-Identifier: BSD-2-Clause */
/* web_retest.c — retest requests from the lookup page and the API: who asks (the client behind a trusted proxy),
 * whether they may (same site, a token made for them, a listing the relay probe made, the limits), and the queue. */
#include "web_internal.h"

#include "base/err.h"
#include "base/log.h"
#include "relay/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define XFF "X-Forwarded-For"

struct xff {
	const char *values[WEB_XFF_MAX_ITEMS + 1];
	size_t count;
	bool too_many;
};

static enum MHD_Result take_xff(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	struct xff *x = cls;
	if (strcasecmp(key, XFF) != 0)
		return MHD_YES;
	if (x->count == WEB_XFF_MAX_ITEMS) {
		x->too_many = true;
		return MHD_NO;
	}
	x->values[x->count++] = value;
	return MHD_YES;
}

int web_client_of(const web_server_t *s, struct MHD_Connection *c, addr_t *client)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	addr_t peer;
	if (!ci || !addr_from_sockaddr(ci->client_addr, &peer))
		return RBL_EINVAL;
	struct xff x = {0};
	if (s->trusted_count)
		MHD_get_connection_values(c, MHD_HEADER_KIND, take_xff, &x);
	if (x.too_many)
		return RBL_EINVAL;
	return web_client_addr(&peer, x.values, x.count, s->trusted, s->trusted_count, client);
}

void web_offer_token(const web_server_t *s, struct MHD_Connection *c, json_t *doc)
{
	json_t *retest = json_object_get(doc, "retest");
	const char *text = json_string_value(json_object_get(doc, "address"));
	addr_t client, a;
	if (!json_is_true(json_object_get(retest, "offer")) || !text || addr_parse(text, &a) != RBL_OK ||
	    web_client_of(s, c, &client) != RBL_OK)
		return;
	cidr_t net;
	pipeline_retest_client_net(&client, &net);
	char token[WEB_CSRF_LEN + 1];
	if (web_csrf_make(s->secret, &a, &net, (int64_t)time(NULL), token) == RBL_OK)
		json_object_set_new(retest, "csrf", json_string(token));
}

/* A refusal, as the page's error page or the API's JSON (with retry_after when there is one). */
static enum MHD_Result refuse(web_server_t *s, struct MHD_Connection *c, bool api, unsigned status,
			      const char *message, const char *addr, int64_t retry_after)
{
	char retry[24] = "";
	if (retry_after > 0)
		snprintf(retry, sizeof retry, "%lld", (long long)retry_after);
	if (!api) {
		/* The page's error page; Retry-After cannot be added to it here, and a person reads the message. */
		char text[320];
		snprintf(text, sizeof text, "%s%s%s%s", message, retry[0] ? " Try again in " : "", retry,
			 retry[0] ? " s." : "");
		return web_reply_error_page(s, c, status, "Retest not queued", text, addr, NULL);
	}
	json_t *doc = json_object();
	json_object_set_new(doc, "error", json_string(message));
	if (retry[0])
		json_object_set_new(doc, "retry_after", json_integer(retry_after));
	return web_reply_json(c, status, doc, NULL);
}

/* Whether the POST comes from this site: no cross-site fetch, and with --public-url an Origin that is it. */
static bool same_site(const web_server_t *s, struct MHD_Connection *c)
{
	const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
	if (site && strcasecmp(site, "cross-site") == 0)
		return false;
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	return !s->origin[0] || !origin || strcmp(origin, s->origin) == 0;
}

/* Queues the request in one write transaction: RBL_OK with *refusal and what the pipeline said. */
static int queue(web_server_t *s, const addr_t *a, const cidr_t *net, bool api, retest_request_t *q,
		 enum retest_refusal *refusal, int64_t *retry_after, uint64_t *position)
{
	store_wtxn_t *w;
	retest_limits_t limits = RETEST_LIMITS_DEFAULT;
	int err = store_write_begin(s->st, &w);
	if (err)
		return err;
	err = pipeline_retest_request(w, a, net, api ? RETEST_VIA_API : RETEST_VIA_WEB, &limits, q, refusal,
				      retry_after);
	if (err) {
		store_write_abort(w);
		return err;
	}
	if ((err = store_write_commit(w)))
		return err;
	store_rtxn_t *r;
	retest_request_t again;
	if (!store_read_begin(s->st, &r)) {
		if (pipeline_retest_get(r, a, &again, position) != RBL_OK)
			*position = 0;
		store_read_end(r);
	}
	return RBL_OK;
}

enum MHD_Result web_retest_post(web_server_t *s, struct MHD_Connection *c, const char *text, const char *token,
				bool api)
{
	unsigned status;
	char why[160];
	json_t *doc = web_lookup_doc(s, text, &status, why, sizeof why);
	if (!doc)
		return refuse(s, c, api, status, why, text, 0);
	bool eligible = json_is_true(json_object_get(json_object_get(doc, "retest"), "eligible"));
	char canonical[ADDR_STRLEN];
	snprintf(canonical, sizeof canonical, "%s", json_string_value(json_object_get(doc, "address")));
	json_decref(doc);
	addr_t a, client;
	addr_parse(canonical, &a);
	if (!same_site(s, c))
		return refuse(s, c, api, MHD_HTTP_FORBIDDEN, "a retest is asked for from this site's own page", canonical,
			      0);
	if (web_client_of(s, c, &client) != RBL_OK)
		return refuse(s, c, api, MHD_HTTP_BAD_REQUEST, "the proxy's X-Forwarded-For is not a list of addresses",
			      canonical, 0);
	cidr_t net;
	pipeline_retest_client_net(&client, &net);
	if (!token || !web_csrf_valid(s->secret, &a, &net, (int64_t)time(NULL), token))
		return refuse(s, c, api, MHD_HTTP_FORBIDDEN,
			      "the form has expired or was not made for you: reload the page and ask again", canonical, 0);
	if (!eligible)
		return refuse(s, c, api, MHD_HTTP_CONFLICT,
			      "the relay probe has no listing of this address: there is nothing to retest", canonical, 0);
	retest_request_t q;
	enum retest_refusal refusal;
	int64_t retry_after = 0;
	uint64_t position = 0;
	int err = queue(s, &a, &net, api, &q, &refusal, &retry_after, &position);
	if (err) {
		log_warn("web: retest of %s: %s", canonical, rbl_strerror(err));
		return refuse(s, c, api, MHD_HTTP_SERVICE_UNAVAILABLE, "the store cannot be written now", canonical, 60);
	}
	log_info("web: retest of %s for %s: %s", canonical, api ? "the API" : "the page",
		 pipeline_retest_refusal_name(refusal));
	switch (refusal) {
	case RETEST_ACCEPTED:
	case RETEST_ALREADY_QUEUED:
		break;
	case RETEST_TOO_SOON:
		return refuse(s, c, api, MHD_HTTP_TOO_MANY_REQUESTS, "a retest of this address was asked for recently.",
			      canonical, retry_after);
	case RETEST_NETWORK_LIMIT:
		return refuse(s, c, api, MHD_HTTP_TOO_MANY_REQUESTS,
			      "your network has asked for as many retests as it may for now.", canonical, retry_after);
	case RETEST_QUEUE_FULL:
		return refuse(s, c, api, MHD_HTTP_SERVICE_UNAVAILABLE, "the retest queue is full.", canonical,
			      retry_after);
	}
	if (api) {
		json_t *out = json_object();
		json_object_set_new(out, "request", web_request_json(&q, position));
		return web_reply_json(c, refusal == RETEST_ACCEPTED ? MHD_HTTP_ACCEPTED : MHD_HTTP_OK, out, NULL);
	}
	char location[ADDR_STRLEN + 16];
	snprintf(location, sizeof location, "/lookup/%s", canonical); /* post/redirect/get: the page shows the queue */
	static char moved[] = "the retest is queued: see the address's page\n";
	return web_reply(c, MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8", moved, sizeof moved - 1, false, NULL,
			 location);
}

enum MHD_Result web_retest_get(web_server_t *s, struct MHD_Connection *c, const char *text)
{
	unsigned status;
	char why[160];
	json_t *doc = web_lookup_doc(s, text, &status, why, sizeof why);
	if (!doc)
		return web_reply_error(c, status, why, NULL);
	web_offer_token(s, c, doc);
	json_t *out = json_object();
	json_object_set(out, "address", json_object_get(doc, "address"));
	json_object_set(out, "retest", json_object_get(doc, "retest"));
	json_decref(doc);
	return web_reply_json(c, MHD_HTTP_OK, out, NULL);
}
