/* SPDX-License-Identifier: BSD-2-Clause */
/* probe_reply.c — SMTP replies as they come off the wire: assembled from fragments of any size, checked byte by
 * byte so that garbage is refused at once, never held beyond the configured limit; then what a reply means.
 *
 * A reply is one or more lines "DDD-text" ending with a line "DDD text" or "DDD" (RFC 5321 4.2.1), all with the
 * same code, the first digit 2..5. A line ends at LF; a CR just before it is dropped (bare LF is tolerated).
 */
#include "probe_internal.h"

#include "base/err.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int probe_reply_init(struct probe_reply *r, size_t max)
{
	memset(r, 0, sizeof *r);
	r->text = malloc(max + 1);
	if (r->text == NULL)
		return RBL_ENOMEM;
	r->max = max;
	r->text[0] = '\0';
	return RBL_OK;
}

void probe_reply_free(struct probe_reply *r)
{
	free(r->text);
	r->text = NULL;
}

void probe_reply_reset(struct probe_reply *r)
{
	r->len = 0;
	r->raw = 0;
	r->line_start = 0;
	r->code = 0;
	r->lines = 0;
	r->text[0] = '\0';
}

/* Whether byte c may stand at position pos of a reply line (pos < 4: the code and what follows it). */
static bool byte_fits(char c, size_t pos)
{
	if (c == '\0')
		return false;
	switch (pos) {
	case 0:
		return c >= '2' && c <= '5';
	case 1:
	case 2:
		return c >= '0' && c <= '9';
	case 3:
		return c == ' ' || c == '-' || c == '\r';
	}
	return true;
}

/* A line has just ended (its LF seen, not stored): checks it, and says whether it ends the reply. */
static enum probe_feed end_line(struct probe_reply *r)
{
	char *line = r->text + r->line_start;
	size_t n = r->len - r->line_start;

	if (n > 0 && line[n - 1] == '\r')
		r->len--, n--;
	if (n < 3 || (n > 3 && line[3] != ' ' && line[3] != '-'))
		return PROBE_FEED_GARBAGE;
	int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (r->lines > 0 && code != r->code)
		return PROBE_FEED_GARBAGE;
	r->code = code;
	r->lines++;
	r->text[r->len++] = '\n';
	r->text[r->len] = '\0';
	r->line_start = r->len;
	return n == 3 || line[3] == ' ' ? PROBE_FEED_DONE : PROBE_FEED_MORE;
}

enum probe_feed probe_reply_feed(struct probe_reply *r, const char *bytes, size_t n, size_t *used)
{
	enum probe_feed status = PROBE_FEED_MORE;
	size_t i = 0;

	if (r->raw >= r->max && n > 0) {
		*used = 0;
		return PROBE_FEED_TOO_LONG;
	}
	/* raw <= max holds throughout, and text never holds more than raw bytes: the buffer of max + 1 suffices. */
	while (i < n && status == PROBE_FEED_MORE) {
		char c = bytes[i++];

		r->raw++;
		if (c == '\n') {
			status = end_line(r);
		} else {
			r->text[r->len++] = c; /* even an offending byte: the transcript shows what ended the session */
			if (!byte_fits(c, r->len - 1 - r->line_start))
				status = PROBE_FEED_GARBAGE;
		}
		/* A reply that has used up the limit without ending would only go past it. */
		if (status == PROBE_FEED_MORE && r->raw >= r->max)
			status = PROBE_FEED_TOO_LONG;
	}
	r->text[r->len] = '\0';
	*used = i;
	return status;
}

static bool contains_ci(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);

	for (const char *p = haystack; *p != '\0'; p++)
		if (strncasecmp(p, needle, n) == 0)
			return true;
	return false;
}

static bool is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Words that, next to "relay", make a refusal; matched at the start of a word ("refused", "unauthorised"). */
static const char *const refusal_words[] = {
        "denied", "deny",   "not",    "no",    "refuse", "prohibit", "disallow",  "unable",
        "forbid", "reject", "cannot", "can't", "don't",  "won't",    "unauthori", "never",
};

static bool is_refusal_word(const char *word, size_t n)
{
	for (size_t i = 0; i < sizeof refusal_words / sizeof refusal_words[0]; i++) {
		size_t k = strlen(refusal_words[i]);
		/* "no" and "not" must be the whole word: "note", "nothing", "normal" are no refusal. */
		bool whole = strcmp(refusal_words[i], "no") == 0 || strcmp(refusal_words[i], "not") == 0;
		if (n >= k && strncasecmp(word, refusal_words[i], k) == 0 && (!whole || n == k))
			return true;
	}
	return false;
}

bool probe_text_denies_relay(const char *text)
{
	bool relay = false, refusal = false;
	const char *p = text;

	/* Word by word, skipping what looks like an address or a domain: servers echo our envelope back
	 * ("<relay-check@relay-test.example>: Recipient address rejected: Greylisted"), and the words in it are ours,
	 * not the server's. */
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		const char *start = p;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		const char *end = p;
		while (start < end && !is_letter(*start) && *start != '<')
			start++;
		while (end > start && !is_letter(end[-1]) && end[-1] != '>')
			end--;
		size_t n = (size_t)(end - start);
		if (n == 0 || memchr(start, '@', n) || memchr(start, '.', n) || memchr(start, '<', n) ||
		    memchr(start, '%', n) || memchr(start, '!', n))
			continue;
		if (n >= 5 && strncasecmp(start, "relay", 5) == 0)
			relay = true;
		else if (is_refusal_word(start, n))
			refusal = true;
	}
	return relay && refusal;
}

enum probe_reply_kind probe_reply_classify(int code, const char *text)
{
	int kind = code / 100;

	if (kind == 2)
		return PROBE_REPLY_OK;
	if (kind != 4 && kind != 5)
		return PROBE_REPLY_ODD;
	/* A refusal to relay is the answer we came for, even in a 4xx or a 421. */
	if (probe_text_denies_relay(text))
		return PROBE_REPLY_REFUSED;
	/* "530 5.7.0 Must issue a STARTTLS command first": after TLS the server might relay, or might not; we cannot
	 * tell without speaking TLS, so this is no refusal. (An authentication demand without TLS is a refusal: an
	 * anonymous client cannot relay through it.) */
	if (code == 530 && (contains_ci(text, "TLS") || contains_ci(text, "encrypt")))
		return PROBE_REPLY_TLS_REQUIRED;
	if (contains_ci(text, "STARTTLS"))
		return PROBE_REPLY_TLS_REQUIRED;
	if (code == 421)
		return PROBE_REPLY_CLOSING;
	return kind == 5 ? PROBE_REPLY_REFUSED : PROBE_REPLY_DEFERRED;
}

bool probe_reply_ends_session(int code, const char *text)
{
	if (code == 421 || code == 221) /* 221: "closing transmission channel", by definition (RFC 5321) */
		return true;
	if (code < 400) /* a banner may well say "abusers are disconnected" */
		return false;
	/* Exim: "554 Too many nonmail commands", "... Too many syntax or protocol errors"; others: "too many errors",
	 * "too many connections". Not Postfix's "452 4.5.3 Error: too many recipients", which ends only the
	 * transaction. */
	if (contains_ci(text, "too many") && !contains_ci(text, "recipient") &&
	    (contains_ci(text, "error") || contains_ci(text, "command") || contains_ci(text, "connection")))
		return true;
	return (contains_ci(text, "closing") && (contains_ci(text, "connection") || contains_ci(text, "channel"))) ||
	       contains_ci(text, "disconnect") || contains_ci(text, "goodbye");
}

bool probe_text_refuses_sender(const char *text)
{
	if (!contains_ci(text, "sender"))
		return false;
	static const char *const words[] = {"verif", "reject", "refuse", "denied", "unknown", "not found",
	                                    "does not exist", "unroutable", "unrouteable", "invalid"};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (contains_ci(text, words[i]))
			return true;
	return false;
}
