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
