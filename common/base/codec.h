/* SPDX-License-Identifier: BSD-2-Clause */
/* codec.h — bounded big-endian field reader and writer for the store's stored values (zones, entries).
 *
 * The writer is given a buffer sized by the caller for the largest value it can produce; the reader never reads
 * past its end and remembers the first failure, so decoders check once at the end.
 */
#ifndef RBL_CODEC_H
#define RBL_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct codec_writer {
	uint8_t *p;
	size_t len;
} codec_writer_t;

void codec_put_u8(codec_writer_t *w, uint8_t v);
void codec_put_u32(codec_writer_t *w, uint32_t v);
void codec_put_u64(codec_writer_t *w, uint64_t v);
/* A 2-byte length then the bytes of s (without the NUL). */
void codec_put_str(codec_writer_t *w, const char *s);
/* n raw bytes, no length: the reader must know n. */
void codec_put_bytes(codec_writer_t *w, const void *bytes, size_t n);
/* LEB128: 7 bits a byte, small values in one byte (at most 10 bytes). */
void codec_put_varint(codec_writer_t *w, uint64_t v);
/* A varint length then the bytes of s. */
void codec_put_vstr(codec_writer_t *w, const char *s);

typedef struct codec_reader {
	const uint8_t *p;
	size_t left;
	bool failed;
} codec_reader_t;

uint8_t codec_get_u8(codec_reader_t *r);
uint32_t codec_get_u32(codec_reader_t *r);
uint64_t codec_get_u64(codec_reader_t *r);
/* Reads a string written by codec_put_str into buf of cap bytes, NUL-terminated; fails if it does not fit. */
void codec_get_str(codec_reader_t *r, char *buf, size_t cap);
/* n raw bytes into out (zeroed when they are not there: failed is set). */
void codec_get_bytes(codec_reader_t *r, void *out, size_t n);
/* Steps over n bytes (fails, as every get, when fewer are left). */
void codec_skip(codec_reader_t *r, size_t n);
uint64_t codec_get_varint(codec_reader_t *r);
void codec_get_vstr(codec_reader_t *r, char *buf, size_t cap);
/* A vstr without copying: *s points into the reader's buffer. */
void codec_view_vstr(codec_reader_t *r, const char **s, size_t *len);

#endif
