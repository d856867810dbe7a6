/* SPDX-License-Identifier: BSD-2-Clause */
/* web_reply.c — every answer of the lookup service, with the headers each carries: JSON, pages, errors. */
#include "web_internal.h"

#include "base/err.h"
#include "base/log.h"

#include <stdlib.h>
#include <string.h>

/* Queues body (len bytes; owned: freed by libmicrohttpd, else static) with the headers every answer carries: no
 * sniffing, no scripts, no framing, no caching (answers change with the store), the referrer kept to this site. */
enum MHD_Result web_reply(struct MHD_Connection *c, unsigned status, const char *type, char *body, size_t len,
			     bool owned, const char *allow, const char *location)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	        len, body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!r) {
		if (owned)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
				"frame-ancestors 'none'; base-uri 'none'");
	MHD_add_response_header(r, "Referrer-Policy", "same-origin");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	if (location)
		MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, location);
	enum MHD_Result rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* Queues doc (taken) as JSON with status. */
enum MHD_Result web_reply_json(struct MHD_Connection *c, unsigned status, json_t *doc, const char *allow)
{
	char *body = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_ENSURE_ASCII) : NULL;
	json_decref(doc);
	if (!body)
		return MHD_NO;
	return web_reply(c, status, "application/json", body, strlen(body), true, allow, NULL);
}

/* Renders the page name over doc (taken) and queues it with status; a page that does not render (a template bug,
 * or past the output cap) is a 500 and logged. */
enum MHD_Result web_reply_page(web_server_t *s, struct MHD_Connection *c, unsigned status, const char *name,
				  json_t *doc, const char *allow)
{
	tmpl_out_t out = {0};
	int err = doc ? tmpl_render(s->pages, name, doc, &out) : RBL_ENOMEM;
	json_decref(doc);
	if (err) {
		log_warn("web: page %s: %s", name, out.why[0] ? out.why : rbl_strerror(err));
		tmpl_out_free(&out);
		static char failed[] = "the page cannot be shown now\n";
		return web_reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8", failed, sizeof failed - 1,
			     false, NULL, NULL);
	}
	return web_reply(c, status, "text/html; charset=utf-8", out.data, out.len, true, allow, NULL); /* MHD frees it */
}

/* The error page: a heading, the message, the form with what was asked in it. */
enum MHD_Result web_reply_error_page(web_server_t *s, struct MHD_Connection *c, unsigned status,
					const char *heading, const char *message, const char *asked, const char *allow)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "title", json_string(heading));
	json_object_set_new(doc, "heading", json_string(heading));
	json_object_set_new(doc, "error", web_json_text(message, strlen(message)));
	if (asked)
		json_object_set_new(doc, "asked", web_json_text(asked, strnlen(asked, 256)));
	return web_reply_page(s, c, status, "error", doc, allow);
}

enum MHD_Result web_reply_error(struct MHD_Connection *c, unsigned status, const char *message, const char *allow)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "error", web_json_text(message, strlen(message)));
	return web_reply_json(c, status, doc, allow);
}

