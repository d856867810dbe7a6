/* SPDX-License-Identifier: BSD-2-Clause */
/* probe_ehlo.c — the session facts a server's greeting and EHLO/HELO reply show: the banner's first line and name,
 * the name it gives itself, the EHLO keywords (RFC 5321 4.1.1.1: "250-KEYWORD params" on every line after the
 * first), read case-blind, bounded by the fields whatever the reply holds. Pure functions; the battery calls them
 * for the first connection's replies.
 */
#include "probe_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Copies the line at p (up to '\n' or NUL) into out[size], bytes outside printable ASCII as '?'. */
static void copy_printable(const char *p, char *out, size_t size)
{
	size_t n = 0;

	for (; p[n] != '\0' && p[n] != '\n' && n + 1 < size; n++)
		out[n] = (p[n] >= 0x20 && p[n] <= 0x7e) ? p[n] : '?';
	out[n] = '\0';
}

/* The text of a reply line after its code and separator ("250-mx Hello" -> "mx Hello"), or "" for "250". */
static const char *after_code(const char *line)
{
	size_t n = strcspn(line, "\n");

	return n > 4 ? line + 4 : "";
}

/* Whether name's last label has a letter: "5.7.1" (an enhanced status code) or "192.0.2.1" is LDH but no host
 * name (a top-level domain is never all-numeric, RFC 3696 2). */
static bool top_label_has_letter(const char *name)
{
	const char *dot = strrchr(name, '.');

	for (const char *p = dot ? dot + 1 : name; *p != '\0'; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
			return true;
	return false;
}

/* The first word of line (up to a space or the line's end) into out[PROBE_NAME_MAX + 1], if it is a host name. */
static void first_word_name(const char *line, char out[PROBE_NAME_MAX + 1])
{
	char word[PROBE_NAME_MAX + 2];
	size_t n = 0;

	while (line[n] != '\0' && line[n] != ' ' && line[n] != '\n' && n < sizeof word - 1) {
		word[n] = line[n];
		n++;
	}
	word[n] = '\0';
	if (probe_domain_ok(word) && top_label_has_letter(word))
		memcpy(out, word, n + 1);
	else
		out[0] = '\0';
}

void probe_facts_greeting(probe_session_facts_t *f, int code, const char *text)
{
	const char *line = after_code(text);

	f->greeting_code = code;
	copy_printable(line, f->greeting, sizeof f->greeting);
	first_word_name(line, f->banner_name);
}

void probe_facts_ehlo(probe_session_facts_t *f, int code, const char *text)
{
	f->ehlo_code = code;
	f->ehlo_ok = code == 250;
	if (code / 100 != 2)
		return;
	first_word_name(after_code(text), f->ehlo_name);
	probe_ehlo_keywords(text, f);
}

void probe_facts_helo(probe_session_facts_t *f, int code, const char *text)
{
	if (code / 100 == 2)
		first_word_name(after_code(text), f->ehlo_name);
}

/* Whether the word at p of length n is keyword, case-blind. */
static bool is_keyword(const char *p, size_t n, const char *keyword)
{
	return n == strlen(keyword) && strncasecmp(p, keyword, n) == 0;
}

/* SIZE's parameter: decimal digits only, at most 20 of them and no overflow; else 0. */
static uint64_t size_value(const char *p, size_t n)
{
	uint64_t v = 0;

	if (n == 0 || n > 20)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		unsigned digit = (unsigned)(p[i] - '0');
		if (v > (UINT64_MAX - digit) / 10)
			return 0;
		v = v * 10 + digit;
	}
	return v;
}

/* One keyword line's text (after "250-"), n bytes: the keyword, then its parameters. */
static void keyword_line(const char *p, size_t n, probe_session_facts_t *f)
{
	size_t k = 0;

	while (k < n && p[k] != ' ' && p[k] != '=')
		k++;
	const char *params = p + k + (k < n);
	size_t params_len = n - k - (k < n);
	while (params_len > 0 && params[0] == ' ')
		params++, params_len--;
	while (params_len > 0 && (params[params_len - 1] == ' ' || params[params_len - 1] == '\r'))
		params_len--;

	if (is_keyword(p, k, "STARTTLS")) {
		f->starttls = true;
	} else if (is_keyword(p, k, "PIPELINING")) {
		f->pipelining = true;
	} else if (is_keyword(p, k, "SIZE")) {
		f->has_size = true;
		size_t digits = strcspn(params, " \n");
		f->size_limit = size_value(params, digits < params_len ? digits : params_len);
	} else if (is_keyword(p, k, "AUTH")) {
		/* "AUTH PLAIN LOGIN", and the pre-standard "AUTH=PLAIN LOGIN" some servers add: the first one wins. */
		if (!f->auth && params_len > 0) {
			size_t take =
			        params_len < sizeof f->auth_mechanisms - 1 ? params_len : sizeof f->auth_mechanisms - 1;
			char mechanisms[PROBE_AUTH_MAX + 1];
			memcpy(mechanisms, params, take);
			mechanisms[take] = '\0';
			copy_printable(mechanisms, f->auth_mechanisms, sizeof f->auth_mechanisms);
		}
		f->auth = true;
	}
}

void probe_ehlo_keywords(const char *text, probe_session_facts_t *f)
{
	const char *line = text;

	if (text == NULL)
		return;
	/* The first line is the server's name and greeting, no keyword. */
	line += strcspn(line, "\n");
	while (*line == '\n') {
		line++;
		size_t n = strcspn(line, "\n");
		if (n > 4)
			keyword_line(line + 4, n - 4, f);
		line += n;
	}
}
