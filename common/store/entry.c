/* SPDX-License-Identifier: BSD-2-Clause */
/* entry.c — the stored form of listings: key layout and value encoding. */
#include "store/entry.h"

#include "base/codec.h"
#include "base/err.h"

#include <string.h>

#define ENTRY_ENCODING 2

size_t entry_key(uint32_t zone_id, const cidr_t *net, uint8_t key[ENTRY_KEY_MAX])
{
	size_t n = addr_bytes(net->addr.family);
	key[0] = (uint8_t)(zone_id >> 24);
	key[1] = (uint8_t)(zone_id >> 16);
	key[2] = (uint8_t)(zone_id >> 8);
	key[3] = (uint8_t)zone_id;
	key[4] = net->addr.family;
	memcpy(key + 5, net->addr.b, n);
	key[5 + n] = net->len;
	return 6 + n;
}

int entry_key_decode(const uint8_t *key, size_t len, uint32_t *zone_id, cidr_t *net)
{
	if (len != 10 && len != 22)
		return RBL_EINVAL;
	uint8_t family = key[4];
	size_t n = len - 6;
	if (!((family == ADDR_V4 && n == 4) || (family == ADDR_V6 && n == 16)))
		return RBL_EINVAL;
	*zone_id = (uint32_t)key[0] << 24 | (uint32_t)key[1] << 16 | (uint32_t)key[2] << 8 | key[3];
	memset(net, 0, sizeof *net);
	net->addr.family = family;
	memcpy(net->addr.b, key + 5, n);
	net->len = key[5 + n];
	return net->len <= addr_maxlen(family) ? RBL_OK : RBL_EINVAL;
}

/* Encoding 2 (what is written): flags | ncodes | codes, 3 bytes each (the low 24 bits: every code is in
 * 127/8) | created | updated - created | expires | evidence (varints: an imported entry's are mostly 1 byte) |
 * reason | source (varint length + bytes). Encoding 1 (fixed-width times, 2-byte lengths) is still read. */
size_t entry_encode(const entry_t *e, uint8_t *buf)
{
	codec_writer_t w = {buf, 0};
	codec_put_u8(&w, ENTRY_ENCODING);
	codec_put_u8(&w, e->flags);
	codec_put_u8(&w, e->ncodes);
	for (unsigned i = 0; i < e->ncodes; i++) {
		codec_put_u8(&w, (uint8_t)(e->codes[i] >> 16));
		codec_put_u8(&w, (uint8_t)(e->codes[i] >> 8));
		codec_put_u8(&w, (uint8_t)e->codes[i]);
	}
	codec_put_varint(&w, (uint64_t)e->created);
	codec_put_varint(&w, e->updated >= e->created ? (uint64_t)(e->updated - e->created) : 0);
	codec_put_varint(&w, (uint64_t)e->expires);
	codec_put_varint(&w, e->evidence);
	codec_put_vstr(&w, e->reason);
	codec_put_vstr(&w, e->source);
	return w.len;
}

static void decode_v1_tail(codec_reader_t *r, entry_t *e)
{
	for (unsigned i = 0; i < e->ncodes; i++)
		e->codes[i] = codec_get_u32(r);
	e->created = (int64_t)codec_get_u64(r);
	e->updated = (int64_t)codec_get_u64(r);
	e->expires = (int64_t)codec_get_u64(r);
	e->evidence = codec_get_u64(r);
	codec_get_str(r, e->reason, sizeof e->reason);
	codec_get_str(r, e->source, sizeof e->source);
}

/* Everything after ncodes, up to (not including) the reason. */
static void decode_v2_fixed(codec_reader_t *r, entry_t *e)
{
	for (unsigned i = 0; i < e->ncodes; i++) {
		uint32_t code = 0x7f000000u | (uint32_t)codec_get_u8(r) << 16;
		code |= (uint32_t)codec_get_u8(r) << 8;
		e->codes[i] = code | codec_get_u8(r);
	}
	e->created = (int64_t)codec_get_varint(r);
	e->updated = e->created + (int64_t)codec_get_varint(r);
	e->expires = (int64_t)codec_get_varint(r);
	e->evidence = codec_get_varint(r);
}

int entry_decode(const uint8_t *buf, size_t len, entry_t *e)
{
	codec_reader_t r = {buf, len, false};
	uint8_t encoding = codec_get_u8(&r);
	if (!r.failed && encoding > ENTRY_ENCODING)
		return RBL_EVERSION;
	e->flags = codec_get_u8(&r);
	e->ncodes = codec_get_u8(&r);
	if (e->ncodes > ENTRY_MAX_CODES)
		return RBL_EINVAL;
	if (encoding == 1) {
		decode_v1_tail(&r, e);
	} else {
		decode_v2_fixed(&r, e);
		codec_get_vstr(&r, e->reason, sizeof e->reason);
		codec_get_vstr(&r, e->source, sizeof e->source);
	}
	return r.failed || r.left ? RBL_EINVAL : RBL_OK;
}

int entry_reason_view(const uint8_t *buf, size_t len, const char **text, size_t *text_len)
{
	codec_reader_t r = {buf, len, false};
	uint8_t encoding = codec_get_u8(&r);
	if (encoding > ENTRY_ENCODING)
		return RBL_EVERSION;
	codec_get_u8(&r); /* flags */
	uint8_t ncodes = codec_get_u8(&r);
	if (ncodes > ENTRY_MAX_CODES)
		return RBL_EINVAL;
	if (encoding == 1) {
		for (unsigned i = 0; i < ncodes; i++)
			codec_get_u32(&r);
		for (unsigned i = 0; i < 4; i++) /* created, updated, expires, evidence */
			codec_get_u64(&r);
		uint32_t n = (uint32_t)codec_get_u8(&r) << 8;
		n |= codec_get_u8(&r);
		if (r.failed || n > r.left)
			return RBL_EINVAL;
		*text = (const char *)r.p;
		*text_len = n;
		return RBL_OK;
	}
	for (unsigned i = 0; i < 3u * ncodes; i++)
		codec_get_u8(&r);
	for (unsigned i = 0; i < 4; i++) /* created, updated, expires, evidence */
		codec_get_varint(&r);
	codec_view_vstr(&r, text, text_len);
	return r.failed ? RBL_EINVAL : RBL_OK;
}
