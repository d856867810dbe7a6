/* SPDX-License-Identifier: BSD-2-Clause */
/* text.c — finding and escaping control characters in free text. */
#include "base/text.h"

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
