/* SPDX-License-Identifier: BSD-2-Clause */
/* web_csrf.c — the retest form's token: made for one address and one client network, checked in constant time. */
#include "web_internal.h"

#include "base/err.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#define MAC_BYTES 16
static const char LABEL[] = "dnsbld-retest-v1"; /* with its NUL: no other use of the secret can collide */

/* The bytes of a cidr in the MAC: family, 16 address bytes, prefix length (fixed width). */
static void net_bytes(const cidr_t *net, uint8_t out[18])
{
	memset(out, 0, 18);
	out[0] = net->addr.family;
	memcpy(out + 1, net->addr.b, net->addr.family == ADDR_V4 ? 4 : 16);
	out[17] = net->len;
}

static bool mac_of(const uint8_t secret[WEB_CSRF_SECRET_LEN], const addr_t *a, const cidr_t *client_net,
		   uint64_t made, uint8_t mac[MAC_BYTES])
{
	uint8_t msg[sizeof LABEL + 18 + 18 + 8];
	size_t n = 0;
	memcpy(msg, LABEL, sizeof LABEL);
	n += sizeof LABEL;
	cidr_t host = {*a, (uint8_t)(a->family == ADDR_V4 ? 32 : 128)};
	net_bytes(&host, msg + n);
	n += 18;
	net_bytes(client_net, msg + n);
	n += 18;
	for (int i = 0; i < 8; i++)
		msg[n++] = (uint8_t)(made >> (56 - 8 * i));
	uint8_t full[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	if (!HMAC(EVP_sha256(), secret, WEB_CSRF_SECRET_LEN, msg, n, full, &len) || len < MAC_BYTES)
		return false;
	memcpy(mac, full, MAC_BYTES);
	return true;
}

static void hex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
}

int web_csrf_make(const uint8_t secret[WEB_CSRF_SECRET_LEN], const addr_t *a, const cidr_t *client_net,
		  int64_t now, char token[WEB_CSRF_LEN + 1])
{
	uint8_t made[8], mac[MAC_BYTES];
	for (int i = 0; i < 8; i++)
		made[i] = (uint8_t)((uint64_t)now >> (56 - 8 * i));
	if (!mac_of(secret, a, client_net, (uint64_t)now, mac))
		return RBL_ENOMEM;
	hex(made, 8, token);
	hex(mac, MAC_BYTES, token + 16);
	token[WEB_CSRF_LEN] = '\0';
	return RBL_OK;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool web_csrf_valid(const uint8_t secret[WEB_CSRF_SECRET_LEN], const addr_t *a, const cidr_t *client_net,
		    int64_t now, const char *token)
{
	uint8_t bytes[WEB_CSRF_LEN / 2];
	for (size_t i = 0; i < WEB_CSRF_LEN; i++) { /* stops at a NUL: a short token fails here */
		int d = hex_digit(token[i]);
		if (d < 0)
			return false;
		if (i % 2 == 0)
			bytes[i / 2] = (uint8_t)(d << 4);
		else
			bytes[i / 2] |= (uint8_t)d;
	}
	if (token[WEB_CSRF_LEN])
		return false;
	uint64_t made = 0;
	for (int i = 0; i < 8; i++)
		made = made << 8 | bytes[i];
	if ((int64_t)made < now - WEB_CSRF_MAX_AGE_S || (int64_t)made > now + WEB_CSRF_SKEW_S)
		return false;
	uint8_t mac[MAC_BYTES];
	return mac_of(secret, a, client_net, made, mac) && CRYPTO_memcmp(mac, bytes + 8, MAC_BYTES) == 0;
}
