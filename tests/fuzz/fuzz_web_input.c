/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_web_input.c — what the lookup service reads from a request's path (web_input.c): the %-decoding callback,
 * the route, the address and its refusal message.
 *
 * The input up to its first NUL is the path as libmicrohttpd hands it over. web_unescape must never lengthen it,
 * must leave no control character in it that was not there raw, and must be the identity on its own output's
 * escapes of controls; an address parsed must format back to text that parses to the same address; a refusal's
 * message is a bounded, control-free line. The same text as X-Forwarded-For from a trusted proxy gives an address or
 * RBL_EINVAL, and as a retest token never holds (web_csrf_valid).
 */
#include "fuzz_common.h"

#include "base/err.h"
#include "base/text.h"
#include "relay/pipeline.h"
#include "web_internal.h"

#include <stdlib.h>
#include <string.h>

#define PATH_MAX_FUZZ 4096

static size_t controls(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += text_is_control((unsigned char)*s);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[PATH_MAX_FUZZ + 1];
	size_t len = strnlen((const char *)data, size < PATH_MAX_FUZZ ? size : PATH_MAX_FUZZ);
	memcpy(path, data, len);
	path[len] = '\0';
	char raw[PATH_MAX_FUZZ + 1];
	memcpy(raw, path, len + 1);
	size_t raw_controls = controls(path);
	size_t n = web_unescape(path);
	FUZZ_CHECK(n <= len && n == strlen(path));
	FUZZ_CHECK(controls(path) == raw_controls); /* no control made from an escape */
	const char *arg;
	if (web_route_of(path, &arg) == WEB_API_LOOKUP) {
		FUZZ_CHECK(arg >= path && arg <= path + n);
		addr_t a, again;
		char why[160];
		if (web_parse_address(arg, &a, why, sizeof why) == RBL_OK) {
			char text[ADDR_STRLEN];
			addr_format(&a, text);
			FUZZ_CHECK(addr_parse(text, &again) == RBL_OK && addr_cmp(&a, &again) == 0);
		} else {
			FUZZ_CHECK(strlen(why) < sizeof why - 1 && !text_has_control(why, strlen(why)));
		}
	}
	/* The same bytes as X-Forwarded-For from a trusted proxy, and as a retest token. */
	cidr_t trusted = {.addr = {.family = ADDR_V4, .b = {127, 0, 0, 1}}, .len = 32};
	addr_t peer = trusted.addr, client;
	const char *values[] = {raw};
	if (web_client_addr(&peer, values, 1, &trusted, 1, &client) == RBL_OK)
		FUZZ_CHECK(client.family == ADDR_V4 || client.family == ADDR_V6);
	uint8_t secret[WEB_CSRF_SECRET_LEN] = {1};
	cidr_t net;
	pipeline_retest_client_net(&peer, &net);
	FUZZ_CHECK(!web_csrf_valid(secret, &peer, &net, 1800000000, raw)); /* a token nobody made never holds */
	return 0;
}
