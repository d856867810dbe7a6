/* SPDX-License-Identifier: BSD-2-Clause */
/* web_server.c — the lookup service's HTTP side (web.h): libmicrohttpd's polling thread, its limits, the routes. */
#include "web/web.h"
#include "web_internal.h"

#include "base/err.h"
#include "base/hostport.h"
#include "base/log.h"
#include "tmpl/tmpl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libmicrohttpd's own limit sits above ours: at its limit it stops accepting, and a client would wait in the
 * backlog; below it, accept_policy closes the connections past ours at once. */
#define MHD_LIMIT (WEB_MAX_CONNS + 4)

struct web_server {
	struct MHD_Daemon *daemon;
	store_t *st;
	tmpl_set_t *pages;
	char *style; /* style.css */
	size_t style_len;
	answer_ctx_t answers; /* the polling thread's only */
	uint16_t port;
	unsigned open;
	atomic_bool started;
	char why[256];
};

/* What a request carries from one call of the access handler to the next. */
struct request {
	size_t body; /* bytes of body seen */
	bool refused; /* a reply is queued already (too many headers, too large a body) */
};

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	web_server_t *s = cls;
	char line[512];
	vsnprintf(line, sizeof line, fmt, ap);
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (!atomic_load(&s->started))
		snprintf(s->why, sizeof s->why, "%s", line);
	else /* a bad request, a client gone: a client could flood the operator's log with these */
		log_debug("web: %s", line);
}

static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr, socklen_t len)
{
	(void)addr, (void)len;
	const web_server_t *s = cls;
	return s->open < WEB_MAX_CONNS ? MHD_YES : MHD_NO;
}

static void notify_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
			      enum MHD_ConnectionNotificationCode code)
{
	(void)c, (void)socket_ctx;
	web_server_t *s = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		s->open++;
	else if (code == MHD_CONNECTION_NOTIFY_CLOSED && s->open)
		s->open--;
}

static void request_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode why)
{
	(void)cls, (void)c, (void)why;
	free(*con_cls);
	*con_cls = NULL;
}

/* libmicrohttpd's unescape callback: web_unescape. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls, (void)c;
	return web_unescape(s);
}

/* Queues body (len bytes; owned: freed by libmicrohttpd, else static) with the headers every answer carries: no
 * sniffing, no scripts, no framing, no caching (answers change with the store), the referrer kept to this site. */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type, char *body, size_t len,
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
static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status, json_t *doc, const char *allow)
{
	char *body = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_ENSURE_ASCII) : NULL;
	json_decref(doc);
	if (!body)
		return MHD_NO;
	return reply(c, status, "application/json", body, strlen(body), true, allow, NULL);
}

/* Renders the page name over doc (taken) and queues it with status; a page that does not render (a template bug,
 * or past the output cap) is a 500 and logged. */
static enum MHD_Result reply_page(web_server_t *s, struct MHD_Connection *c, unsigned status, const char *name,
				  json_t *doc, const char *allow)
{
	tmpl_out_t out = {0};
	int err = doc ? tmpl_render(s->pages, name, doc, &out) : RBL_ENOMEM;
	json_decref(doc);
	if (err) {
		log_warn("web: page %s: %s", name, out.why[0] ? out.why : rbl_strerror(err));
		tmpl_out_free(&out);
		static char failed[] = "the page cannot be shown now\n";
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8", failed, sizeof failed - 1,
			     false, NULL, NULL);
	}
	return reply(c, status, "text/html; charset=utf-8", out.data, out.len, true, allow, NULL); /* MHD frees it */
}

/* The error page: a heading, the message, the form with what was asked in it. */
static enum MHD_Result reply_error_page(web_server_t *s, struct MHD_Connection *c, unsigned status,
					const char *heading, const char *message, const char *asked, const char *allow)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "title", json_string(heading));
	json_object_set_new(doc, "heading", json_string(heading));
	json_object_set_new(doc, "error", web_json_text(message, strlen(message)));
	if (asked)
		json_object_set_new(doc, "asked", web_json_text(asked, strnlen(asked, 256)));
	return reply_page(s, c, status, "error", doc, allow);
}

static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status, const char *message, const char *allow)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "error", web_json_text(message, strlen(message)));
	return reply_json(c, status, doc, allow);
}

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind, (void)key, (void)value;
	(*(unsigned *)cls)++;
	return MHD_YES;
}

/* The first call for a request (its headers read): the checks that need no body. NULL: go on. */
static const char *refusal(struct MHD_Connection *c, const char *method, unsigned *status, const char **allow)
{
	*allow = NULL;
	unsigned headers = 0;
	MHD_get_connection_values(c, MHD_HEADER_KIND, count_header, &headers);
	if (headers > WEB_MAX_HEADERS) {
		*status = MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE;
		return "too many header fields";
	}
	const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (length && strtoull(length, NULL, 10) > WEB_MAX_BODY) {
		*status = MHD_HTTP_CONTENT_TOO_LARGE;
		return "the request body is too large";
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		*status = MHD_HTTP_METHOD_NOT_ALLOWED;
		*allow = "GET, HEAD";
		return "method not allowed";
	}
	return NULL;
}

/* The lookup document of the address in text, or the reason there is none: 400 (*status) for text that is no
 * address (why filled), 503 for a store that cannot be read. NULL on failure. */
static json_t *lookup_doc(web_server_t *s, const char *text, unsigned *status, char *why, size_t why_size)
{
	addr_t a;
	if (web_parse_address(text, &a, why, why_size) != RBL_OK) {
		*status = MHD_HTTP_BAD_REQUEST;
		return NULL;
	}
	json_t *doc;
	int err = web_lookup(&s->answers, s->st, &a, &doc);
	if (err) {
		log_warn("web: lookup of %s: %s", text, rbl_strerror(err));
		*status = MHD_HTTP_SERVICE_UNAVAILABLE;
		snprintf(why, why_size, "the store cannot be read now");
		return NULL;
	}
	*status = MHD_HTTP_OK;
	return doc;
}

static enum MHD_Result api_lookup(web_server_t *s, struct MHD_Connection *c, const char *text)
{
	unsigned status;
	char why[160];
	json_t *doc = lookup_doc(s, text, &status, why, sizeof why);
	return doc ? reply_json(c, status, doc, NULL) : reply_error(c, status, why, NULL);
}

static enum MHD_Result lookup_page(web_server_t *s, struct MHD_Connection *c, const char *text)
{
	unsigned status;
	char why[160];
	json_t *doc = lookup_doc(s, text, &status, why, sizeof why);
	if (!doc)
		return reply_error_page(s, c, status, status == MHD_HTTP_BAD_REQUEST ? "Not an address" : "Not now", why,
					text, NULL);
	json_t *title = json_pack("s+", "Lookup of ", json_string_value(json_object_get(doc, "address")));
	json_object_set_new(doc, "title", title ? title : json_string("Lookup"));
	json_object_set_new(doc, "asked", json_incref(json_object_get(doc, "address")));
	return reply_page(s, c, MHD_HTTP_OK, "lookup", doc, NULL);
}

/* The form's GET /lookup?addr=X: 303 to the address's own page, its address written canonically. */
static enum MHD_Result lookup_form(web_server_t *s, struct MHD_Connection *c)
{
	const char *text = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "addr");
	addr_t a;
	char why[160];
	if (!text || web_parse_address(text, &a, why, sizeof why) != RBL_OK)
		return reply_error_page(s, c, MHD_HTTP_BAD_REQUEST, "Not an address",
					text ? why : "no address given: enter an IPv4 or IPv6 address", text, NULL);
	char canonical[ADDR_STRLEN], location[ADDR_STRLEN + 16];
	addr_format(&a, canonical);
	snprintf(location, sizeof location, "/lookup/%s", canonical);
	static char moved[] = "see the address's page\n";
	return reply(c, MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8", moved, sizeof moved - 1, false, NULL, location);
}

static enum MHD_Result index_page(web_server_t *s, struct MHD_Connection *c)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "title", json_string("Blocklist lookup"));
	return reply_page(s, c, MHD_HTTP_OK, "index", doc, NULL);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *upload, size_t *upload_len, void **con_cls)
{
	(void)version, (void)upload;
	web_server_t *s = cls;
	struct request *req = *con_cls;
	if (!req) { /* headers read: the checks that need no body, then wait for the body (if any) */
		if (!(req = calloc(1, sizeof *req)))
			return MHD_NO;
		*con_cls = req;
		unsigned status;
		const char *allow, *why = refusal(c, method, &status, &allow), *arg;
		if (why) {
			req->refused = true;
			enum web_route route = web_route_of(url, &arg);
			if (route == WEB_API_LOOKUP || route == WEB_API_OTHER)
				return reply_error(c, status, why, allow);
			return reply_error_page(s, c, status, "Not served", why, NULL, allow);
		}
		return MHD_YES;
	}
	if (*upload_len) { /* a body with no length given, or one we do not read: counted, capped, dropped */
		req->body += *upload_len;
		*upload_len = 0;
		return req->body > WEB_MAX_BODY ? MHD_NO : MHD_YES;
	}
	if (req->refused)
		return MHD_YES;
	const char *arg;
	switch (web_route_of(url, &arg)) {
	case WEB_API_LOOKUP:
		return api_lookup(s, c, arg);
	case WEB_API_OTHER:
		return reply_error(c, MHD_HTTP_NOT_FOUND, "not found: GET /api/v1/lookup/ADDRESS", NULL);
	case WEB_INDEX:
		return index_page(s, c);
	case WEB_STYLE:
		return reply(c, MHD_HTTP_OK, "text/css; charset=utf-8", s->style, s->style_len, false, NULL, NULL);
	case WEB_LOOKUP_FORM:
		return lookup_form(s, c);
	case WEB_LOOKUP_PAGE:
		return lookup_page(s, c, arg);
	case WEB_NOT_FOUND:
		break;
	}
	return reply_error_page(s, c, MHD_HTTP_NOT_FOUND, "Not found", "There is no such page here.", NULL, NULL);
}

/* style.css of the templates' directory, whole: RBL_EIO, RBL_ERANGE past WEB_STYLE_MAX, RBL_ENOMEM. */
static int load_style(const char *dir, web_server_t *s, char *why, size_t why_size)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/style.css", dir);
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(why, why_size, "%s: %s", path, strerror(errno));
		return RBL_EIO;
	}
	s->style = malloc(WEB_STYLE_MAX + 1);
	s->style_len = s->style ? fread(s->style, 1, WEB_STYLE_MAX + 1, f) : 0;
	int err = !s->style ? RBL_ENOMEM : ferror(f) ? RBL_EIO : s->style_len > WEB_STYLE_MAX ? RBL_ERANGE : RBL_OK;
	fclose(f);
	if (err)
		snprintf(why, why_size, "%s: %s", path, err == RBL_ERANGE ? "larger than 64 KiB" : rbl_strerror(err));
	return err;
}

static void server_free(web_server_t *s)
{
	answer_ctx_free(&s->answers);
	tmpl_set_free(s->pages);
	free(s->style);
	free(s);
}

int web_server_start(store_t *st, const web_options_t *o, web_server_t **out, char *why, size_t why_size)
{
	*out = NULL;
	const char *listen = o->listen;
	struct sockaddr_storage ss;
	bool v6;
	if (!listen || hostport_listen_addr(listen, WEB_DEFAULT_PORT, &ss, &v6) != RBL_OK) {
		snprintf(why, why_size, "'%s' is not ADDRESS:PORT with a numeric IPv4 or [IPv6] address",
			 listen ? listen : "");
		return RBL_EINVAL;
	}
	web_server_t *s = calloc(1, sizeof *s);
	if (!s)
		return RBL_ENOMEM;
	s->st = st;
	int err = tmpl_set_load(o->templates, &s->pages, why, why_size);
	if (!err)
		err = load_style(o->templates, s, why, why_size);
	if (err) {
		tmpl_set_free(s->pages);
		free(s->style);
		free(s);
		return err == RBL_EIO ? RBL_EIO : RBL_EINVAL;
	}
	if ((err = answer_ctx_init(&s->answers, st))) {
		tmpl_set_free(s->pages);
		free(s->style);
		free(s);
		snprintf(why, why_size, "cannot read the store: %s", rbl_strerror(err));
		return err;
	}
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
	/* The logger first: options before it would log to stderr. */
	s->daemon = MHD_start_daemon(flags, 0, accept_policy, s, handle, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
				     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
				     (unsigned)MHD_LIMIT, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				     (unsigned)WEB_MAX_CONNS_PER_IP, MHD_OPTION_NOTIFY_CONNECTION, notify_connection, s,
				     MHD_OPTION_NOTIFY_COMPLETED, request_done, s, MHD_OPTION_CONNECTION_TIMEOUT,
				     (unsigned)WEB_IDLE_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				     (size_t)WEB_CONN_MEMORY, MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
				     MHD_OPTION_END);
	if (!s->daemon) {
		snprintf(why, why_size, "cannot serve HTTP on %s: %s", listen, s->why[0] ? s->why : "libmicrohttpd failed");
		server_free(s);
		return RBL_EIO;
	}
	atomic_store(&s->started, true);
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : 0;
	*out = s;
	return RBL_OK;
}

uint16_t web_server_port(const web_server_t *s)
{
	return s->port;
}

void web_server_stop(web_server_t *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->daemon);
	server_free(s);
}
