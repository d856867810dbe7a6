/* SPDX-License-Identifier: BSD-2-Clause */
/* text.h — control characters in free text (reasons, sources, TXT templates, report fields, SMTP replies): the check
 * that refuses them where text comes in, and the escape that defuses them where text goes out to a terminal.
 *
 * The policy: every byte below 0x20 and the byte 0x7f is a control character, TAB included. A TAB in a reason or a
 * template would be served in TXT answers as is and would break `rbltool list`'s TAB-separated columns; no list we
 * know of needs one. Bytes from 0x80 up (UTF-8) are text. Both functions work on bytes, allocate nothing and log
 * nothing; what to say about a control character is the caller's business.
 */
#ifndef RBL_TEXT_H
#define RBL_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* True for a byte the policy above calls a control character. */
bool text_is_control(unsigned char c);

/* The first control character among the len bytes at text, or NULL when there is none. A NUL inside the len bytes
 * counts as one; use strlen(text) as len for a C string. */
const char *text_has_control(const char *text, size_t len);

/* The buffer text_escape needs for len bytes of input, terminating NUL included: each byte may become "\xNN". */
#define TEXT_ESCAPED_SIZE(len) (4 * (len) + 1)

/* Copies the len bytes at text into buf with each control character written as "\xNN" (two lowercase hex digits)
 * and every other byte as is (a backslash too: the escape is for the eyes and the terminal, not to be parsed back).
 * Writes at most cap - 1 bytes and a NUL (nothing when cap is 0), never cutting an escape in half; returns the length
 * the whole result needs, as snprintf does, so a return >= cap means it was cut. */
size_t text_escape(const char *text, size_t len, char *buf, size_t cap);

/* text_escape for text that should be UTF-8 (a JSON string, a web page): a valid UTF-8 sequence (RFC 3629: no
 * overlongs, no surrogates, nothing past U+10FFFF) is kept whole, every other byte and every control character is
 * written as "\xNN". Same buffer rules and return as text_escape. */
size_t text_utf8_escape(const char *text, size_t len, char *buf, size_t cap);

#endif
