/* SPDX-License-Identifier: BSD-2-Clause */
/* text.c — finding and escaping control characters in free text. */
#include "base/text.h"

#include <string.h>

bool text_is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

const char *text_has_control(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (text_is_control((unsigned char)text[i]))
			return text + i;
	return NULL;
}

size_t text_escape(const char *text, size_t len, char *buf, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t need = 0, n = 0;
	bool cut = cap == 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		char piece[4] = {(char)c};
		size_t width = 1;
		if (text_is_control(c)) {
			piece[0] = '\\';
			piece[1] = 'x';
			piece[2] = hex[c >> 4];
			piece[3] = hex[c & 15];
			width = 4;
		}
		need += width;
		/* Once a piece does not fit, nothing after it is written either: the result is a prefix of the whole. */
		if (!cut && n + width < cap) {
			for (size_t k = 0; k < width; k++)
				buf[n++] = piece[k];
		} else {
			cut = true;
		}
	}
	if (cap)
		buf[n] = '\0';
	return need;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none starts there (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF). */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned min;
	unsigned cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2, cp = c & 0x1F, min = 0x80;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3, cp = c & 0x0F, min = 0x800;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

size_t text_utf8_escape(const char *text, size_t len, char *buf, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)text;
	size_t need = 0, n = 0;
	bool cut = cap == 0;
	for (size_t i = 0; i < len;) {
		size_t seq = utf8_sequence(s + i, len - i);
		char piece[4];
		const char *from = (const char *)s + i;
		size_t width = seq;
		if (seq == 0 || (seq == 1 && text_is_control(s[i]))) {
			piece[0] = '\\';
			piece[1] = 'x';
			piece[2] = hex[s[i] >> 4];
			piece[3] = hex[s[i] & 15];
			from = piece;
			width = 4;
			seq = 1;
		}
		need += width;
		/* As text_escape: once a piece does not fit, nothing after it is written either. */
		if (!cut && n + width < cap) {
			memcpy(buf + n, from, width);
			n += width;
		} else {
			cut = true;
		}
		i += seq;
	}
	if (cap)
		buf[n] = '\0';
	return need;
}
