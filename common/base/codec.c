/* SPDX-License-Identifier: BSD-2-Clause */
/* codec.c — bounded field reading and writing for stored values. */
#include "base/codec.h"

#include <string.h>

void codec_put_u8(codec_writer_t *w, uint8_t v)
{
	w->p[w->len++] = v;
}

void codec_put_u32(codec_writer_t *w, uint32_t v)
{
	for (int shift = 24; shift >= 0; shift -= 8)
		w->p[w->len++] = (uint8_t)(v >> shift);
}

void codec_put_u64(codec_writer_t *w, uint64_t v)
{
	codec_put_u32(w, (uint32_t)(v >> 32));
	codec_put_u32(w, (uint32_t)v);
}

void codec_put_bytes(codec_writer_t *w, const void *bytes, size_t n)
{
	memcpy(w->p + w->len, bytes, n);
	w->len += n;
}

void codec_put_str(codec_writer_t *w, const char *s)
{
	size_t n = strlen(s);
	w->p[w->len++] = (uint8_t)(n >> 8);
	w->p[w->len++] = (uint8_t)n;
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static const uint8_t *take(codec_reader_t *r, size_t n)
{
	if (r->failed || r->left < n) {
		r->failed = true;
		return NULL;
	}
	const uint8_t *at = r->p;
	r->p += n;
	r->left -= n;
	return at;
}

void codec_get_bytes(codec_reader_t *r, void *out, size_t n)
{
	const uint8_t *p = take(r, n);
	if (p)
		memcpy(out, p, n);
	else
		memset(out, 0, n);
}

void codec_skip(codec_reader_t *r, size_t n)
{
	(void)take(r, n);
}

uint8_t codec_get_u8(codec_reader_t *r)
{
	const uint8_t *p = take(r, 1);
	return p ? p[0] : 0;
}

uint32_t codec_get_u32(codec_reader_t *r)
{
	const uint8_t *p = take(r, 4);
	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
}

uint64_t codec_get_u64(codec_reader_t *r)
{
	uint64_t hi = codec_get_u32(r);
	return hi << 32 | codec_get_u32(r);
}

void codec_get_str(codec_reader_t *r, char *buf, size_t cap)
{
	buf[0] = '\0';
	const uint8_t *lenp = take(r, 2);
	if (!lenp)
		return;
	size_t n = (size_t)lenp[0] << 8 | lenp[1];
	if (n >= cap) {
		r->failed = true;
		return;
	}
	const uint8_t *s = take(r, n);
	if (!s)
		return;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

void codec_put_varint(codec_writer_t *w, uint64_t v)
{
	while (v >= 0x80) {
		w->p[w->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	w->p[w->len++] = (uint8_t)v;
}

void codec_put_vstr(codec_writer_t *w, const char *s)
{
	size_t n = strlen(s);
	codec_put_varint(w, n);
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

uint64_t codec_get_varint(codec_reader_t *r)
{
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		const uint8_t *p = take(r, 1);
		if (!p)
			return 0;
		/* The 10th byte holds bit 63 only: anything more would not fit in 64 bits. */
		if (shift == 63 && (*p & 0x7e)) {
			r->failed = true;
			return 0;
		}
		v |= (uint64_t)(*p & 0x7f) << shift;
		if (!(*p & 0x80))
			return v;
	}
	r->failed = true; /* more than 10 bytes: not ours */
	return 0;
}

void codec_view_vstr(codec_reader_t *r, const char **s, size_t *len)
{
	uint64_t n = codec_get_varint(r);
	*s = "";
	*len = 0;
	if (r->failed || n > r->left) {
		r->failed = true;
		return;
	}
	*s = (const char *)take(r, (size_t)n);
	*len = (size_t)n;
}

void codec_get_vstr(codec_reader_t *r, char *buf, size_t cap)
{
	const char *s;
	size_t n;
	buf[0] = '\0';
	codec_view_vstr(r, &s, &n);
	if (r->failed)
		return;
	if (n >= cap) {
		r->failed = true;
		return;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
}
