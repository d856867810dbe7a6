/* SPDX-License-Identifier: BSD-2-Clause */
/* zone.c — zone definitions: defaults, stored encoding, answer-code parsing. */
#include "store/zone.h"

#include "base/codec.h"
#include "base/err.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define ZONE_ENCODING 4 /* 2 added the member list, 3 the name servers' addresses, 4 the entry count and last change */

void zone_def_init(zone_def_t *def, const char *name, int64_t now)
{
	memset(def, 0, sizeof *def);
	snprintf(def->name, sizeof def->name, "%s", name);
	snprintf(def->mname, sizeof def->mname, "localhost");
	snprintf(def->rname, sizeof def->rname, "hostmaster.%s", name);
	def->serial = (uint32_t)now;
	def->refresh = ZONE_DEFAULT_REFRESH;
	def->retry = ZONE_DEFAULT_RETRY;
	def->expire = ZONE_DEFAULT_EXPIRE;
	def->minimum = ZONE_DEFAULT_MINIMUM;
	def->ttl = ZONE_DEFAULT_TTL;
	def->default_code = ZONE_DEFAULT_CODE;
	snprintf(def->txt, sizeof def->txt, "%s", ZONE_DEFAULT_TXT);
	def->created = now;
	def->changed = now;
}

size_t zone_encode(const zone_def_t *def, uint8_t *buf)
{
	codec_writer_t w = {buf, 0};
	codec_put_u8(&w, ZONE_ENCODING);
	codec_put_u32(&w, def->id);
	codec_put_u8(&w, 0); /* reserved (was the zone kind) */
	codec_put_str(&w, def->name);
	codec_put_str(&w, def->mname);
	codec_put_str(&w, def->rname);
	codec_put_u32(&w, def->serial);
	codec_put_u32(&w, def->refresh);
	codec_put_u32(&w, def->retry);
	codec_put_u32(&w, def->expire);
	codec_put_u32(&w, def->minimum);
	codec_put_u32(&w, def->ttl);
	codec_put_u32(&w, def->default_code);
	codec_put_u64(&w, (uint64_t)def->created);
	codec_put_str(&w, def->txt);
	codec_put_u8(&w, (uint8_t)def->ns_count);
	for (unsigned i = 0; i < def->ns_count; i++)
		codec_put_str(&w, def->ns[i]);
	codec_put_u8(&w, (uint8_t)def->member_count);
	for (unsigned i = 0; i < def->member_count; i++)
		codec_put_u32(&w, def->members[i]);
	for (unsigned i = 0; i < def->ns_count; i++) {
		codec_put_u8(&w, (uint8_t)def->ns_addr_count[i]);
		for (unsigned j = 0; j < def->ns_addr_count[i]; j++) {
			const addr_t *a = &def->ns_addr[i][j];
			codec_put_u8(&w, a->family);
			codec_put_bytes(&w, a->b, addr_bytes(a->family));
		}
	}
	codec_put_u64(&w, def->entries);
	codec_put_u64(&w, (uint64_t)def->changed);
	return w.len;
}

int zone_decode(const uint8_t *buf, size_t len, zone_def_t *def)
{
	memset(def, 0, sizeof *def);
	codec_reader_t r = {buf, len, false};
	uint8_t encoding = codec_get_u8(&r);
	if (!r.failed && encoding > ZONE_ENCODING)
		return RBL_EVERSION;
	def->id = codec_get_u32(&r);
	codec_get_u8(&r);
	codec_get_str(&r, def->name, sizeof def->name);
	codec_get_str(&r, def->mname, sizeof def->mname);
	codec_get_str(&r, def->rname, sizeof def->rname);
	def->serial = codec_get_u32(&r);
	def->refresh = codec_get_u32(&r);
	def->retry = codec_get_u32(&r);
	def->expire = codec_get_u32(&r);
	def->minimum = codec_get_u32(&r);
	def->ttl = codec_get_u32(&r);
	def->default_code = codec_get_u32(&r);
	def->created = (int64_t)codec_get_u64(&r);
	codec_get_str(&r, def->txt, sizeof def->txt);
	def->ns_count = codec_get_u8(&r);
	if (def->ns_count > ZONE_MAX_NS)
		return RBL_EINVAL;
	for (unsigned i = 0; i < def->ns_count; i++)
		codec_get_str(&r, def->ns[i], sizeof def->ns[i]);
	if (encoding >= 2) {
		def->member_count = codec_get_u8(&r);
		if (def->member_count > ZONE_MAX_MEMBERS)
			return RBL_EINVAL;
		for (unsigned i = 0; i < def->member_count; i++)
			def->members[i] = codec_get_u32(&r);
	}
	if (encoding >= 3) {
		for (unsigned i = 0; i < def->ns_count && !r.failed; i++) {
			def->ns_addr_count[i] = codec_get_u8(&r);
			if (def->ns_addr_count[i] > ZONE_NS_ADDR_MAX)
				return RBL_EINVAL;
			for (unsigned j = 0; j < def->ns_addr_count[i]; j++) {
				addr_t *a = &def->ns_addr[i][j];
				a->family = codec_get_u8(&r);
				if (a->family != ADDR_V4 && a->family != ADDR_V6)
					return RBL_EINVAL;
				codec_get_bytes(&r, a->b, addr_bytes(a->family));
			}
		}
	}
	if (encoding >= 4) {
		def->entries = codec_get_u64(&r);
		def->changed = (int64_t)codec_get_u64(&r);
	} else {
		def->changed = def->created; /* the store's upgrade to format 3 counts and dates every zone */
	}
	return r.failed || r.left ? RBL_EINVAL : RBL_OK;
}

bool zone_ns_in_zone(const zone_def_t *def, unsigned i)
{
	size_t n = strlen(def->ns[i]), z = strlen(def->name);
	if (n == z)
		return strcmp(def->ns[i], def->name) == 0;
	return n > z && def->ns[i][n - z - 1] == '.' && strcmp(def->ns[i] + n - z, def->name) == 0;
}

int zone_code_parse(const char *text, uint32_t *code)
{
	struct in_addr in;
	if (inet_pton(AF_INET, text, &in) != 1)
		return RBL_EINVAL;
	uint32_t v = ntohl(in.s_addr);
	if ((v >> 24) != 127)
		return RBL_ERANGE;
	*code = v;
	return RBL_OK;
}

void zone_code_format(uint32_t code, char buf[ZONE_CODE_STRLEN])
{
	snprintf(buf, ZONE_CODE_STRLEN, "%u.%u.%u.%u", code >> 24, (code >> 16) & 255, (code >> 8) & 255, code & 255);
}
