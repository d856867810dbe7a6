/* SPDX-License-Identifier: BSD-2-Clause */
/* web_server.c — the lookup service's HTTP side (web.h): libmicrohttpd's polling thread, its limits, the routes. */
#include "web/web.h"
#include "web_internal.h"

#include "base/err.h"
#include "base/hostport.h"
#include "base/log.h"
#include "relay/pipeline.h"
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
	struct web_request *req = *con_cls;
	if (req && req->pp)
		MHD_destroy_post_processor(req->pp);
	free(req);
	*con_cls = NULL;
}

/* A POST's form field: only csrf is kept (a longer value than a token is kept long enough to be refused). */
static enum MHD_Result post_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
				  const char *content_type, const char *encoding, const char *data, uint64_t off,
				  size_t size)
{
	(void)kind, (void)filename, (void)content_type, (void)encoding;
	struct web_request *req = cls;
	if (strcmp(key, "csrf") != 0)
		return MHD_YES;
	size_t room = sizeof req->csrf - 1;
	if (off < room) {
		size_t n = size < room - off ? size : room - (size_t)off;
		memcpy(req->csrf + off, data, n);
		req->csrf[off + n] = '\0';
	}
	return MHD_YES;
}

/* libmicrohttpd's unescape callback: web_unescape. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls, (void)c;
	return web_unescape(s);
}

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind, (void)key, (void)value;
	(*(unsigned *)cls)++;
	return MHD_YES;
}

/* The first call for a request (its headers read): the checks that need no body. NULL: go on. */
static const char *refusal(struct MHD_Connection *c, enum web_route route, const char *method, unsigned *status,
			   const char **allow)
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
	bool get = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
	bool post = !strcmp(method, MHD_HTTP_METHOD_POST);
	*allow = route == WEB_RETEST_PAGE ? "POST" : route == WEB_API_RETEST ? "GET, HEAD, POST" : "GET, HEAD";
	if ((route == WEB_RETEST_PAGE && !post) || (route == WEB_API_RETEST && !get && !post) ||
	    (route != WEB_RETEST_PAGE && route != WEB_API_RETEST && !get)) {
		*status = MHD_HTTP_METHOD_NOT_ALLOWED;
		return "method not allowed";
	}
	*allow = NULL;
	return NULL;
}

/* The lookup document of the address in text, or the reason there is none: 400 (*status) for text that is no
 * address (why filled), 503 for a store that cannot be read. NULL on failure. */
json_t *web_lookup_doc(web_server_t *s, const char *text, unsigned *status, char *why, size_t why_size)
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
	json_t *doc = web_lookup_doc(s, text, &status, why, sizeof why);
	if (!doc)
		return web_reply_error(c, status, why, NULL);
	web_offer_token(s, c, doc);
	return web_reply_json(c, status, doc, NULL);
}

static enum MHD_Result lookup_page(web_server_t *s, struct MHD_Connection *c, const char *text)
{
	unsigned status;
	char why[160];
	json_t *doc = web_lookup_doc(s, text, &status, why, sizeof why);
	if (!doc)
		return web_reply_error_page(s, c, status, status == MHD_HTTP_BAD_REQUEST ? "Not an address" : "Not now", why,
					text, NULL);
	json_t *title = json_pack("s+", "Lookup of ", json_string_value(json_object_get(doc, "address")));
	json_object_set_new(doc, "title", title ? title : json_string("Lookup"));
	json_object_set_new(doc, "asked", json_incref(json_object_get(doc, "address")));
	web_offer_token(s, c, doc);
	return web_reply_page(s, c, MHD_HTTP_OK, "lookup", doc, NULL);
}

/* The form's GET /lookup?addr=X: 303 to the address's own page, its address written canonically. */
static enum MHD_Result lookup_form(web_server_t *s, struct MHD_Connection *c)
{
	const char *text = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "addr");
	addr_t a;
	char why[160];
	if (!text || web_parse_address(text, &a, why, sizeof why) != RBL_OK)
		return web_reply_error_page(s, c, MHD_HTTP_BAD_REQUEST, "Not an address",
					text ? why : "no address given: enter an IPv4 or IPv6 address", text, NULL);
	char canonical[ADDR_STRLEN], location[ADDR_STRLEN + 16];
	addr_format(&a, canonical);
	snprintf(location, sizeof location, "/lookup/%s", canonical);
	static char moved[] = "see the address's page\n";
	return web_reply(c, MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8", moved, sizeof moved - 1, false, NULL, location);
}

static enum MHD_Result index_page(web_server_t *s, struct MHD_Connection *c)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "title", json_string("Blocklist lookup"));
	return web_reply_page(s, c, MHD_HTTP_OK, "index", doc, NULL);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *upload, size_t *upload_len, void **con_cls)
{
	(void)version;
	web_server_t *s = cls;
	struct web_request *req = *con_cls;
	const char *arg;
	enum web_route route = web_route_of(url, &arg);
	bool api = route == WEB_API_LOOKUP || route == WEB_API_RETEST || route == WEB_API_OTHER;
	if (!req) { /* headers read: the checks that need no body, then wait for the body (if any) */
		if (!(req = calloc(1, sizeof *req)))
			return MHD_NO;
		*con_cls = req;
		unsigned status;
		const char *allow, *why = refusal(c, route, method, &status, &allow);
		if (why) {
			req->refused = true;
			return api ? web_reply_error(c, status, why, allow)
				   : web_reply_error_page(s, c, status, "Not served", why, NULL, allow);
		}
		if (!strcmp(method, MHD_HTTP_METHOD_POST)) /* NULL for a body that is no form: the API's header then */
			req->pp = MHD_create_post_processor(c, WEB_MAX_BODY, post_field, req);
		return MHD_YES;
	}
	if (*upload_len) { /* counted and capped; a form's fields go to post_field */
		req->body += *upload_len;
		if (req->body > WEB_MAX_BODY || (req->pp && MHD_post_process(req->pp, upload, *upload_len) != MHD_YES))
			return MHD_NO;
		*upload_len = 0;
		return MHD_YES;
	}
	if (req->refused)
		return MHD_YES;
	bool post = !strcmp(method, MHD_HTTP_METHOD_POST);
	const char *token = req->csrf[0] ? req->csrf : NULL;
	switch (route) {
	case WEB_API_LOOKUP:
		return api_lookup(s, c, arg);
	case WEB_API_RETEST:
		if (!post)
			return web_retest_get(s, c, arg);
		if (!token)
			token = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");
		return web_retest_post(s, c, arg, token, true);
	case WEB_RETEST_PAGE:
		return web_retest_post(s, c, arg, token, false);
	case WEB_API_OTHER:
		return web_reply_error(c, MHD_HTTP_NOT_FOUND, "not found: /api/v1/lookup/ADDRESS, /api/v1/retest/ADDRESS",
				       NULL);
	case WEB_INDEX:
		return index_page(s, c);
	case WEB_STYLE:
		return web_reply(c, MHD_HTTP_OK, "text/css; charset=utf-8", s->style, s->style_len, false, NULL, NULL);
	case WEB_LOOKUP_FORM:
		return lookup_form(s, c);
	case WEB_LOOKUP_PAGE:
		return lookup_page(s, c, arg);
	case WEB_NOT_FOUND:
		break;
	}
	return web_reply_error_page(s, c, MHD_HTTP_NOT_FOUND, "Not found", "There is no such page here.", NULL, NULL);
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

/* The public URL's origin ("scheme://host[:port]"), what a browser sends as Origin on the site's own POST. */
static int public_origin(const char *url, char origin[WEB_ORIGIN_MAX])
{
	const char *rest = !strncmp(url, "https://", 8) ? url + 8 : !strncmp(url, "http://", 7) ? url + 7 : NULL;
	size_t host = rest ? strcspn(rest, "/?#") : 0;
	if (!rest || !host || (size_t)(rest - url) + host >= WEB_ORIGIN_MAX || strpbrk(url, " \t\r\n\"<>"))
		return RBL_EINVAL;
	memcpy(origin, url, (size_t)(rest - url) + host);
	origin[(rest - url) + host] = '\0';
	return RBL_OK;
}

/* The options and the store's retest secret (made now if the store has none: a write). */
static int server_options(web_server_t *s, const web_options_t *o, char *why, size_t why_size)
{
	if (o->trusted_count > WEB_TRUSTED_MAX) {
		snprintf(why, why_size, "at most %d trusted proxies", WEB_TRUSTED_MAX);
		return RBL_EINVAL;
	}
	memcpy(s->trusted, o->trusted, o->trusted_count * sizeof *s->trusted);
	s->trusted_count = o->trusted_count;
	if (o->public_url && public_origin(o->public_url, s->origin) != RBL_OK) {
		snprintf(why, why_size, "--public-url: '%.200s' is not http(s)://HOST[:PORT][/PATH]", o->public_url);
		return RBL_EINVAL;
	}
	store_wtxn_t *w;
	int err = store_write_begin(s->st, &w);
	if (!err && (err = pipeline_retest_secret(w, s->secret)))
		store_write_abort(w);
	if (!err)
		err = store_write_commit(w);
	if (err)
		snprintf(why, why_size, "cannot write the retest secret into the store: %s", rbl_strerror(err));
	return err == RBL_EINVAL ? RBL_EIO : err;
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
	int err = server_options(s, o, why, why_size);
	if (!err)
		err = tmpl_set_load(o->templates, &s->pages, why, why_size);
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
				     /* behind a proxy every connection is the proxy's: its own limits do this job */
				     (unsigned)(s->trusted_count ? 0 : WEB_MAX_CONNS_PER_IP), MHD_OPTION_NOTIFY_CONNECTION, notify_connection, s,
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
