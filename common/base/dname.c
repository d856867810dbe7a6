/* SPDX-License-Identifier: BSD-2-Clause */
/* dname.c — domain names between text and DNS wire format, for zone, NS and SOA names. */
#include "base/dname.h"

#include "base/err.h"

#include <stdbool.h>
#include <string.h>

#define DNAME_LABELMAX 63

/* ASCII only, on purpose: tolower() and isalnum() depend on the locale. */
static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_label_char(char c)
{
	c = lower(c);
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int dname_from_text(const char *text, uint8_t out[DNAME_MAXLEN], size_t *len)
{
	const char *p = text;
	size_t pos = 0; /* where the next label's length byte goes */

	if (p[0] == '.' && p[1] == '\0') {
		out[0] = 0;
		*len = 1;
		return RBL_OK;
	}
	for (;;) {
		size_t n = 0;
		while (*p != '.' && *p != '\0') {
			char byte;
			/* "\." is a dot inside a label, as in the SOA RNAME "first\.last.rbl.example". */
			if (*p == '\\') {
				if (p[1] != '.')
					return RBL_EINVAL;
				byte = '.';
				p += 2;
			} else if (is_label_char(*p)) {
				byte = lower(*p);
				p++;
			} else {
				return RBL_EINVAL;
			}
			/* Checked before writing so that neither out nor the read of text can run away. */
			if (n == DNAME_LABELMAX || pos + 1 + n + 1 >= DNAME_MAXLEN)
				return RBL_ERANGE;
			out[pos + 1 + n] = (uint8_t)byte;
			n++;
		}
		if (n == 0)
			return RBL_EINVAL;
		if (out[pos + 1] == '-' || out[pos + n] == '-')
			return RBL_EINVAL;
		out[pos] = (uint8_t)n;
		pos += 1 + n;
		if (*p == '\0' || p[1] == '\0')
			break;
		p++;
	}
	out[pos] = 0;
	*len = pos + 1;
	return RBL_OK;
}

int dname_to_text(const uint8_t *wire, size_t len, char buf[DNAME_TEXTMAX])
{
	size_t pos = 0, out = 0;

	for (;;) {
		if (pos >= len || pos >= DNAME_MAXLEN)
			return RBL_EINVAL;
		size_t n = wire[pos];
		if (n == 0)
			break;
		/* Above 63 is a compression pointer or an extended label type: neither belongs in a stored name. */
		if (n > DNAME_LABELMAX || n > len - pos - 1 || pos + 1 + n >= DNAME_MAXLEN)
			return RBL_EINVAL;
		if (out > 0)
			buf[out++] = '.';
		for (size_t i = 0; i < n; i++) {
			char c = lower((char)wire[pos + 1 + i]);
			bool escape = c == '.';
			if (!escape && !is_label_char(c))
				return RBL_EINVAL;
			/* Keep two bytes spare: the separating dot that may follow, and the NUL. */
			if (out + (escape ? 2 : 1) + 1 >= DNAME_TEXTMAX)
				return RBL_ESPACE;
			if (escape)
				buf[out++] = '\\';
			buf[out++] = c;
		}
		pos += 1 + n;
	}
	if (out == 0)
		buf[out++] = '.';
	buf[out] = '\0';
	return RBL_OK;
}

int dname_normalize(const char *text, char buf[DNAME_TEXTMAX])
{
	uint8_t wire[DNAME_MAXLEN];
	size_t len;
	int err = dname_from_text(text, wire, &len);

	if (err)
		return err;
	return dname_to_text(wire, len, buf);
}

int dname_from_email(const char *email, char buf[DNAME_TEXTMAX])
{
	const char *at = strchr(email, '@');

	if (!at)
		return dname_normalize(email, buf);

	/* Escape the local part and let dname_normalize judge the result, so that whatever this returns is also valid
	 * input to dname_from_text. The local part can take at most one label, escaped to twice its length. */
	char text[2 * DNAME_LABELMAX + 1 + DNAME_TEXTMAX];
	size_t local_len = (size_t)(at - email);
	size_t out = 0;
	if (local_len == 0 || at[1] == '\0')
		return RBL_EINVAL;
	if (local_len > DNAME_LABELMAX)
		return RBL_ERANGE;
	for (size_t i = 0; i < local_len; i++) {
		char c = email[i];
		if (c == '\\')
			return RBL_EINVAL;
		if (c == '.') {
			/* RFC 5322 dot-atom: no dot at either end of the local part, nor two in a row. */
			if (i == 0 || i == local_len - 1 || email[i + 1] == '.')
				return RBL_EINVAL;
			text[out++] = '\\';
		}
		text[out++] = c;
	}
	text[out++] = '.';
	size_t domain_len = strnlen(at + 1, DNAME_TEXTMAX);
	if (domain_len == DNAME_TEXTMAX)
		return RBL_ERANGE;
	memcpy(text + out, at + 1, domain_len + 1);
	return dname_normalize(text, buf);
}
