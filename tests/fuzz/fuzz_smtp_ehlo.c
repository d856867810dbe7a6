/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_smtp_ehlo.c — the session facts (probe_ehlo.c): what probe_facts_greeting, probe_facts_ehlo,
 * probe_facts_helo and probe_ehlo_keywords read from a server's greeting and EHLO/HELO replies.
 *
 * Input: byte 0 picks the mode. Bit 0 clear: the rest is the server's stream, read with probe_reply_feed (reply
 * limit 1024, as the battery harness) into up to three complete replies, handed over as the battery does: the first
 * as the greeting, the second as the EHLO reply, the third (bit 1 set) as the HELO reply. Bit 0 set: the rest, up
 * to its first NUL, is one text handed as it is (no reply shape: lines without codes, no final '\n', bytes past
 * 0x7f), with the code byte 1 picks (0..99: 200..299, 100..199: 400..499, 200..255: 500..555), to all four
 * functions: they promise to stay bounded whatever the text.
 *
 * Checked, against a model of probe.h's words written here: after each call every string of the facts is
 * NUL-terminated within its array and printable ASCII; greeting is the first line after its code, other bytes as
 * '?', cut to PROBE_GREETING_MAX; banner_name and ehlo_name are that line's first word when it is a host name (LDH
 * labels of 1..63, at most PROBE_NAME_MAX, the last label with a letter; probe_domain_ok agrees), else ""; EHLO sets
 * ehlo_code and ehlo_ok (250 only), and on a 2xx the name and the keywords, read case-blind from the lines after the
 * first: STARTTLS, PIPELINING, SIZE with its number (0 unless 1..20 digits without overflow), AUTH / AUTH= with the
 * first such line's words (other bytes as '?', at most PROBE_AUTH_MAX); nothing else changes, nothing is cleared.
 */
#include "fuzz_common.h"
#include "fuzz_facts.h"

#include "base/err.h"
#include "probe_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define REPLY_MAX 1024

static struct probe_reply reply;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (probe_reply_init(&reply, REPLY_MAX) != RBL_OK)
		abort();
	return 0;
}

/* --- the model ----------------------------------------------------------------------------------------------- */


static bool letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A host name as probe.h defines it, written here again: LDH labels of 1..63 (no hyphen first or last), dots between
 * them, at most PROBE_NAME_MAX bytes, the last label with a letter. */
static bool host_name(const char *w, size_t n)
{
	if (n == 0 || n > PROBE_NAME_MAX)
		return false;
	size_t start = 0;
	bool has_letter = false;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && w[i] != '.') {
			if (!(letter(w[i]) || (w[i] >= '0' && w[i] <= '9') || w[i] == '-'))
				return false;
			has_letter |= letter(w[i]);
			continue;
		}
		size_t l = i - start;
		if (l == 0 || l > 63 || w[start] == '-' || w[i - 1] == '-')
			return false;
		if (i < n)
			has_letter = false;
		start = i + 1;
	}
	return has_letter;
}

/* The first line's text after its code: line[4..] when the line is longer than 4 bytes, else "". */
static void first_line(const char *text, const char **s, size_t *n)
{
	size_t len = strcspn(text, "\n");
	*s = len > 4 ? text + 4 : text + len;
	*n = len > 4 ? len - 4 : 0;
}

/* What a name field must hold after reading the first line of text. */
static void check_name(const char *field, const char *text)
{
	const char *s;
	size_t n;
	first_line(text, &s, &n);
	size_t w = 0;
	while (w < n && s[w] != ' ')
		w++;
	char word[REPLY_MAX + 1];
	bool name = w < sizeof word && host_name(s, w);
	if (w < sizeof word) {
		memcpy(word, s, w);
		word[w] = '\0';
		FUZZ_CHECK(!name || probe_domain_ok(word));
	}
	if (name)
		FUZZ_CHECK(strlen(field) == w && memcmp(field, s, w) == 0);
	else
		FUZZ_CHECK(field[0] == '\0');
}

/* s[0..n) with bytes outside printable ASCII as '?', cut to size - 1. */
static bool same_printable(const char *field, size_t size, const char *s, size_t n)
{
	if (n > size - 1)
		n = size - 1;
	if (strlen(field) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (field[i] != (s[i] >= 0x20 && s[i] <= 0x7e ? s[i] : '?'))
			return false;
	return true;
}

/* The keywords of text's lines after the first, applied to f as probe_ehlo_keywords should. */
static void keywords_model(const char *text, probe_session_facts_t *f)
{
	const char *line = strchr(text, '\n');
	while (line != NULL) {
		line++;
		size_t len = strcspn(line, "\n");
		if (len > 4) {
			const char *p = line + 4;
			size_t n = len - 4, k = 0;
			while (k < n && p[k] != ' ' && p[k] != '=')
				k++;
			const char *params = p + k;
			size_t plen = n - k;
			if (plen > 0)
				params++, plen--; /* the separator */
			while (plen > 0 && params[0] == ' ')
				params++, plen--;
			while (plen > 0 && (params[plen - 1] == ' ' || params[plen - 1] == '\r'))
				plen--;
			if (k == 8 && strncasecmp(p, "STARTTLS", 8) == 0) {
				f->starttls = true;
			} else if (k == 10 && strncasecmp(p, "PIPELINING", 10) == 0) {
				f->pipelining = true;
			} else if (k == 4 && strncasecmp(p, "SIZE", 4) == 0) {
				f->has_size = true;
				size_t digits = 0;
				while (digits < plen && params[digits] != ' ')
					digits++;
				uint64_t v = 0;
				bool ok = digits >= 1 && digits <= 20;
				for (size_t i = 0; ok && i < digits; i++) {
					unsigned d = (unsigned)(params[i] - '0');
					if (d > 9 || v > (UINT64_MAX - d) / 10)
						ok = false;
					else
						v = v * 10 + d;
				}
				f->size_limit = ok ? v : 0;
			} else if (k == 4 && strncasecmp(p, "AUTH", 4) == 0) {
				if (!f->auth && plen > 0) {
					size_t m = plen < PROBE_AUTH_MAX ? plen : PROBE_AUTH_MAX;
					for (size_t i = 0; i < m; i++)
						f->auth_mechanisms[i] =
						        params[i] >= 0x20 && params[i] <= 0x7e ? params[i] : '?';
					f->auth_mechanisms[m] = '\0';
				}
				f->auth = true;
			}
		}
		line = strchr(line, '\n');
	}
}

/* The keyword fields of got against want. */
static void same_keywords(const probe_session_facts_t *got, const probe_session_facts_t *want)
{
	FUZZ_CHECK(got->starttls == want->starttls);
	FUZZ_CHECK(got->pipelining == want->pipelining);
	FUZZ_CHECK(got->has_size == want->has_size && got->size_limit == want->size_limit);
	FUZZ_CHECK(got->auth == want->auth && strcmp(got->auth_mechanisms, want->auth_mechanisms) == 0);
}

/* --- the calls ----------------------------------------------------------------------------------------------- */

static void greeting(probe_session_facts_t *f, int code, const char *text)
{
	probe_session_facts_t before = *f;
	probe_facts_greeting(f, code, text);
	fuzz_check_facts_fields(f);
	FUZZ_CHECK(f->greeting_code == code);
	const char *s;
	size_t n;
	first_line(text, &s, &n);
	FUZZ_CHECK(same_printable(f->greeting, sizeof f->greeting, s, n));
	check_name(f->banner_name, text);
	/* Nothing of the EHLO's changes. */
	FUZZ_CHECK(f->ehlo_code == before.ehlo_code && f->ehlo_ok == before.ehlo_ok);
	FUZZ_CHECK(strcmp(f->ehlo_name, before.ehlo_name) == 0);
	same_keywords(f, &before);
}

static void ehlo(probe_session_facts_t *f, int code, const char *text)
{
	probe_session_facts_t want = *f;
	probe_facts_ehlo(f, code, text);
	fuzz_check_facts_fields(f);
	FUZZ_CHECK(f->ehlo_code == code && f->ehlo_ok == (code == 250));
	FUZZ_CHECK(f->greeting_code == want.greeting_code && strcmp(f->greeting, want.greeting) == 0 &&
	           strcmp(f->banner_name, want.banner_name) == 0);
	if (code / 100 == 2) {
		check_name(f->ehlo_name, text);
		keywords_model(text, &want);
	} else {
		FUZZ_CHECK(strcmp(f->ehlo_name, want.ehlo_name) == 0);
	}
	same_keywords(f, &want);
}

static void helo(probe_session_facts_t *f, int code, const char *text)
{
	probe_session_facts_t before = *f;
	probe_facts_helo(f, code, text);
	fuzz_check_facts_fields(f);
	if (code / 100 == 2)
		check_name(f->ehlo_name, text);
	else
		FUZZ_CHECK(strcmp(f->ehlo_name, before.ehlo_name) == 0);
	FUZZ_CHECK(f->ehlo_code == before.ehlo_code && f->ehlo_ok == before.ehlo_ok);
	FUZZ_CHECK(f->greeting_code == before.greeting_code && strcmp(f->greeting, before.greeting) == 0);
	same_keywords(f, &before);
}

static void keywords(probe_session_facts_t *f, const char *text)
{
	probe_session_facts_t want = *f;
	probe_ehlo_keywords(text, f);
	fuzz_check_facts_fields(f);
	keywords_model(text, &want);
	same_keywords(f, &want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	probe_session_facts_t facts;
	memset(&facts, 0, sizeof facts);

	if (data[0] & 1) {
		/* One text as it is. */
		if (size < 2)
			return 0;
		int code = data[1] < 100 ? 200 + data[1] : 300 + data[1];
		size_t n = strnlen((const char *)data + 2, size - 2);
		char *text = malloc(n + 1);
		if (!text)
			abort();
		memcpy(text, data + 2, n);
		text[n] = '\0';
		greeting(&facts, code, text);
		ehlo(&facts, code, text);
		helo(&facts, code, text);
		keywords(&facts, text);
		probe_ehlo_keywords(NULL, &facts);
		fuzz_check_facts_fields(&facts);
		free(text);
		return 0;
	}

	/* The server's stream: greeting, EHLO reply, HELO reply. */
	const char *stream = (const char *)data + 1;
	size_t len = size - 1, pos = 0;
	for (int step = 0; step < ((data[0] & 2) ? 3 : 2) && pos < len; step++) {
		size_t used = 0;
		probe_reply_reset(&reply);
		enum probe_feed status = probe_reply_feed(&reply, stream + pos, len - pos, &used);
		pos += used;
		if (status != PROBE_FEED_DONE)
			break;
		/* The reply copied to a buffer of its own size, so that ASan sees a read past its NUL. */
		char *text = strdup(reply.text);
		if (!text)
			abort();
		if (step == 0)
			greeting(&facts, reply.code, text);
		else if (step == 1)
			ehlo(&facts, reply.code, text);
		else
			helo(&facts, reply.code, text);
		free(text);
	}
	return 0;
}
