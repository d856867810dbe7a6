/* SPDX-License-Identifier: BSD-2-Clause */
/* web_input.c — what a request says, read carefully: its path's %-escapes, its route, the address it asks about. */
#include "web_internal.h"

#include "base/err.h"
#include "base/text.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define API_LOOKUP "/api/v1/lookup/"
#define PAGE_LOOKUP "/lookup/"
#define API_RETEST "/api/v1/retest/"
#define PAGE_RETEST "/retest/"

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t web_unescape(char *s)
{
	char *out = s;
	for (const char *p = s; *p;) {
		int hi = p[0] == '%' ? hex_value(p[1]) : -1, lo = hi >= 0 ? hex_value(p[2]) : -1;
		int c = hi >= 0 && lo >= 0 ? hi << 4 | lo : -1;
		if (c >= 0 && !text_is_control((unsigned char)c)) {
			*out++ = (char)c;
			p += 3;
		} else {
			*out++ = *p++;
		}
	}
	*out = '\0';
	return (size_t)(out - s);
}

enum web_route web_route_of(const char *path, const char **arg)
{
	*arg = NULL;
	if (strncmp(path, API_LOOKUP, sizeof API_LOOKUP - 1) == 0) {
		*arg = path + sizeof API_LOOKUP - 1;
		return WEB_API_LOOKUP;
	}
	if (strncmp(path, PAGE_LOOKUP, sizeof PAGE_LOOKUP - 1) == 0) {
		*arg = path + sizeof PAGE_LOOKUP - 1;
		return WEB_LOOKUP_PAGE;
	}
	if (strncmp(path, API_RETEST, sizeof API_RETEST - 1) == 0) {
		*arg = path + sizeof API_RETEST - 1;
		return WEB_API_RETEST;
	}
	if (strncmp(path, PAGE_RETEST, sizeof PAGE_RETEST - 1) == 0) {
		*arg = path + sizeof PAGE_RETEST - 1;
		return WEB_RETEST_PAGE;
	}
	if (strcmp(path, "/") == 0)
		return WEB_INDEX;
	if (strcmp(path, "/style.css") == 0)
		return WEB_STYLE;
	if (strcmp(path, "/lookup") == 0)
		return WEB_LOOKUP_FORM;
	if (strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0)
		return WEB_API_OTHER;
	return WEB_NOT_FOUND;
}

int web_parse_address(const char *text, addr_t *a, char *why, size_t why_size)
{
	if (addr_parse(text, a) == RBL_OK) /* bounded: it reads at most a few dozen bytes */
		return RBL_OK;
	char shown[65]; /* at most 64 bytes of it, escaped: the message stays one short line */
	size_t len = strnlen(text, 1024);
	bool cut = text_utf8_escape(text, len, shown, sizeof shown) >= sizeof shown || text[len];
	snprintf(why, why_size, "'%s%s' is not an IPv4 or IPv6 address", shown, cut ? "..." : "");
	return RBL_EINVAL;
}

json_t *web_json_text(const char *text, size_t len)
{
	char small[256];
	char *buf = TEXT_ESCAPED_SIZE(len) <= sizeof small ? small : malloc(TEXT_ESCAPED_SIZE(len));
	if (!buf)
		return NULL;
	size_t n = text_utf8_escape(text, len, buf, TEXT_ESCAPED_SIZE(len));
	json_t *v = json_stringn(buf, n);
	if (buf != small)
		free(buf);
	return v;
}

/* Splits the X-Forwarded-For values into items (commas, blanks), each an address: RBL_EINVAL past the bounds or
 * for an item that is not one. */
static int xff_items(const char *const *values, size_t nvalues, addr_t items[WEB_XFF_MAX_ITEMS], size_t *count)
{
	*count = 0;
	size_t bytes = 0;
	for (size_t v = 0; v < nvalues; v++) {
		bytes += strlen(values[v]);
		if (bytes > WEB_XFF_MAX_BYTES)
			return RBL_EINVAL;
		for (const char *p = values[v]; *p;) {
			p += strspn(p, ", \t");
			size_t n = strcspn(p, ", \t");
			if (!n)
				break;
			char item[64];
			if (n >= sizeof item || *count == WEB_XFF_MAX_ITEMS)
				return RBL_EINVAL;
			memcpy(item, p, n);
			item[n] = '\0';
			if (addr_parse(item, &items[(*count)++]) != RBL_OK)
				return RBL_EINVAL;
			p += n;
		}
	}
	return RBL_OK;
}

int web_client_addr(const addr_t *peer, const char *const *values, size_t nvalues, const cidr_t *trusted,
		    unsigned ntrusted, addr_t *client)
{
	*client = *peer;
	if (!ntrusted || !cidr_any_contains(trusted, ntrusted, peer))
		return RBL_OK; /* the header is the client's own word: ignored */
	addr_t items[WEB_XFF_MAX_ITEMS];
	size_t count;
	int err = xff_items(values, nvalues, items, &count);
	if (err)
		return err;
	for (size_t i = count; i > 0; i--) /* rightmost first: what the nearest proxy saw */
		if (!cidr_any_contains(trusted, ntrusted, &items[i - 1])) {
			*client = items[i - 1];
			break;
		}
	return RBL_OK;
}
