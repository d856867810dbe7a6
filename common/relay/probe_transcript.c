/* SPDX-License-Identifier: BSD-2-Clause */
/* probe_transcript.c — the evidence of a probe: every line sent and received, escaped, in a buffer that grows up to
 * its limit and is then cut, with a note saying so. Memory is bounded by the limit plus the note, whatever the
 * server sends.
 */
#include "probe_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CUT_NOTE_MAX 64 /* room past max for the note, NUL included */
#define FIRST_CAP 1024

void probe_transcript_init(struct probe_transcript *t, size_t max)
{
	memset(t, 0, sizeof *t);
	t->max = max;
}

void probe_transcript_free(struct probe_transcript *t)
{
	free(t->text);
	t->text = NULL;
	t->len = t->cap = 0;
}

/* Makes room for need more bytes and the NUL; false (and the transcript stops) if memory runs out. */
static bool reserve(struct probe_transcript *t, size_t need)
{
	size_t hard_cap = t->max + CUT_NOTE_MAX;

	if (t->len + need + 1 <= t->cap)
		return true;
	size_t cap = t->cap ? t->cap : FIRST_CAP;
	while (cap < t->len + need + 1 && cap < hard_cap)
		cap *= 2;
	if (cap > hard_cap)
		cap = hard_cap;
	if (t->len + need + 1 > cap)
		return false;
	char *text = realloc(t->text, cap);
	if (text == NULL) {
		t->cut = true;
		return false;
	}
	t->text = text;
	t->cap = cap;
	return true;
}

static void append(struct probe_transcript *t, const char *bytes, size_t n)
{
	memcpy(t->text + t->len, bytes, n);
	t->len += n;
	t->text[t->len] = '\0';
}

/* Writes c as it appears in the transcript; returns its length (1, 2 or 4). */
static size_t escape(unsigned char c, char out[4])
{
	static const char hex[] = "0123456789abcdef";

	if (c == '\\') {
		out[0] = out[1] = '\\';
		return 2;
	}
	if (c >= 0x20 && c <= 0x7e) {
		out[0] = (char)c;
		return 1;
	}
	out[0] = '\\';
	out[1] = 'x';
	out[2] = hex[c >> 4];
	out[3] = hex[c & 15];
	return 4;
}

static void cut(struct probe_transcript *t)
{
	char note[CUT_NOTE_MAX];
	int n = snprintf(note, sizeof note, "[transcript cut at %zu bytes]\n", t->max);

	/* A line cut short still ends: the byte for its LF was kept free below max. */
	if (t->len > 0 && t->text[t->len - 1] != '\n' && reserve(t, 1))
		append(t, "\n", 1);
	if (n > 0 && (size_t)n < sizeof note && reserve(t, (size_t)n))
		append(t, note, (size_t)n);
	t->cut = true;
}

static void add_escaped(struct probe_transcript *t, const char *bytes, size_t n)
{
	char one[4];

	for (size_t i = 0; i < n && !t->cut; i++) {
		size_t k = escape((unsigned char)bytes[i], one);
		if (t->len + k + 1 > t->max) {
			cut(t);
			return;
		}
		if (reserve(t, k))
			append(t, one, k);
	}
}

void probe_transcript_add(struct probe_transcript *t, const char *prefix, const char *bytes, size_t n)
{
	if (t->cut)
		return;
	add_escaped(t, prefix, strlen(prefix));
	add_escaped(t, bytes, n);
	if (t->cut)
		return;
	if (t->len + 1 > t->max)
		cut(t);
	else if (reserve(t, 1))
		append(t, "\n", 1);
}

void probe_transcript_note(struct probe_transcript *t, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	probe_transcript_add(t, "* ", line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}
