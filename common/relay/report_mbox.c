/* SPDX-License-Identifier: BSD-2-Clause */
/* report_mbox.c — mboxes of spam: the relaying address of each message, from its Received: trace.
 *
 * Received: headers are read top-down, the topmost being our own server's. A header's sending address comes from
 * its "from" clause, in the forms Postfix, Sendmail, Exim and qmail write:
 *
 *   from helo.example (rdns.example [192.0.2.1])       Postfix, Sendmail ("unknown" when no rDNS)
 *   from helo.example ([IPv6:2001:db8::1])             Postfix with IPv6
 *   from rdns.example ([192.0.2.1] helo=helo.example)  Exim
 *   from [192.0.2.1] (helo=helo.example)               Exim without rDNS, or any bare "from [IP]"
 *   from unknown (HELO helo.example) (192.0.2.1)       qmail
 *
 * The address in a comment is what the receiving server saw, so it wins over a literal right after "from" (which in
 * Postfix's form is the client's own HELO and can be forged); a bracket after "helo=" or "HELO " is the client's
 * word too and never counts. A Received: header without a sending address (local delivery, "by ... with LMTP"
 * alone) is skipped. The first sending address outside the trusted networks is the relay.
 */
#include "report_internal.h"

#include "base/err.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct mbox_reader {
	struct header_block hdr;
	const cidr_t *trusted;
	size_t trusted_count;
};

/* An address in text[0..len), "IPv6:" in front allowed. */
static bool parse_literal(const char *text, size_t len, addr_t *addr)
{
	char buf[ADDR_STRLEN + 1];

	while (len && isspace((unsigned char)*text)) {
		text++;
		len--;
	}
	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	if (len >= 5 && !strncasecmp(text, "IPv6:", 5)) {
		text += 5;
		len -= 5;
	}
	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	return addr_parse(buf, addr) == 0;
}

/* The first "[address]" in comment[0..len) that the client did not choose, or the whole comment when it is a
 * bare address (qmail). */
static bool comment_address(const char *comment, size_t len, addr_t *addr)
{
	for (size_t i = 0; i < len; i++) {
		if (comment[i] != '[')
			continue;
		if (i >= 5 && (!strncasecmp(comment + i - 5, "helo=", 5) || !strncasecmp(comment + i - 5, "helo ", 5)))
			continue;
		const char *close = memchr(comment + i, ']', len - i);
		if (close && parse_literal(comment + i + 1, (size_t)(close - comment - i - 1), addr))
			return true;
	}
	return parse_literal(comment, len, addr);
}

static bool is_word(const char *p, const char *word)
{
	size_t n = strlen(word);
	return !strncasecmp(p, word, n) && (p[n] == '\0' || isspace((unsigned char)p[n]) || p[n] == '(');
}

/* The sending address of one Received: value; false when it names none. */
static bool received_sender(const char *value, addr_t *addr)
{
	const char *p = value;
	bool have_literal = false;
	addr_t literal;

	while (isspace((unsigned char)*p))
		p++;
	if (!is_word(p, "from"))
		return false;
	p += 4;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '[') {
		const char *close = strchr(p, ']');
		if (close)
			have_literal = parse_literal(p + 1, (size_t)(close - p - 1), &literal);
	}
	/* Past the client's name (which could be "by"), the from clause runs to the "by" clause, or to the ';'
	 * before the date. */
	while (*p && *p != '(' && *p != ';' && !isspace((unsigned char)*p))
		p++;
	while (*p && *p != ';') {
		if (*p == '(') {
			const char *start = ++p;
			int depth = 1;
			for (; *p && depth > 0; p++) {
				if (*p == '\\' && p[1])
					p++;
				else if (*p == '(')
					depth++;
				else if (*p == ')')
					depth--;
			}
			size_t len = (size_t)(p - start) - (depth == 0);
			if (comment_address(start, len, addr))
				return true;
			continue;
		}
		if (isspace((unsigned char)*p) && is_word(p + 1, "by"))
			break;
		p++;
	}
	if (have_literal)
		*addr = literal;
	return have_literal;
}

static bool is_trusted(const struct mbox_reader *b, const addr_t *addr)
{
	for (size_t i = 0; i < b->trusted_count; i++)
		if (b->trusted[i].addr.family == addr->family && cidr_contains(&b->trusted[i], addr))
			return true;
	return false;
}

static int mbox_parse(void *state, struct msg_reader *m, report_t *r, char *why, size_t whysize)
{
	struct mbox_reader *b = state;
	const struct header_block *h = &b->hdr;
	unsigned hops = 0;
	int rc;

	if ((rc = report_mime_read_headers(m, &b->hdr, NULL, why, whysize)) != MIME_OK)
		return rc;
	for (unsigned i = 0; i < h->count; i++) {
		const char *value = h->field[i].value;
		if (strcasecmp(h->field[i].name, "Received") != 0 || !received_sender(value, &r->addr))
			continue;
		hops++;
		if (is_trusted(b, &r->addr))
			continue;
		const char *semicolon = strrchr(value, ';');
		if (!semicolon || !report_parse_date(semicolon + 1, &r->arrival))
			r->arrival = 0;
		strcpy(r->feedback_type, "spam");
		strcpy(r->source, "mbox");
		const char *text = report_hdr_get(h, "Return-Path");
		if (text)
			report_address(text, r->mail_from, sizeof r->mail_from);
		if (!r->mail_from[0] && (text = report_hdr_get(h, "From")))
			report_address(text, r->mail_from, sizeof r->mail_from);
		return REPORT_PARSED;
	}
	memset(&r->addr, 0, sizeof r->addr);
	if (hops == 0)
		snprintf(why, whysize, "no Received: header names a sending address");
	else
		snprintf(why, whysize, "every Received: hop is trusted (%u)", hops);
	return REPORT_BAD;
}

int report_read_mbox(const char *path, const cidr_t *trusted, size_t trusted_count, const report_sink_t *sink,
                     void *ctx)
{
	if (trusted_count && !trusted)
		return RBL_EINVAL;
	struct mbox_reader *b = malloc(sizeof *b);
	if (!b)
		return RBL_ENOMEM;
	b->trusted = trusted;
	b->trusted_count = trusted_count;
	int rc = report_read_messages(path, mbox_parse, b, sink, ctx);
	free(b);
	return rc;
}
