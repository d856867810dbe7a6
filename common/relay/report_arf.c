/* SPDX-License-Identifier: BSD-2-Clause */
/* report_arf.c — ARF feedback reports (RFC 5965): a multipart/report; report-type=feedback-report message whose
 * message/feedback-report part names the Source-IP that sent the reported mail.
 *
 * The message is read as a stream: its header, then the body parts one after the other (multiparts nested up to
 * REPORT_MIME_DEPTH), until the first message/feedback-report part, whose fields are read and the rest skipped.
 * That part may be 7bit/8bit/binary, base64 or quoted-printable; an encoded one is decoded into a bounded buffer
 * (ARF_DECODED_MAX, larger is a bad message). A missing final boundary does not matter: the message's end closes
 * every open part. */
#include "report_internal.h"

#include "base/err.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A feedback-report part holds a dozen short fields; 16 KiB of them is already far more than any real one. */
#define ARF_DECODED_MAX 16384

enum arf_encoding { ENC_IDENTITY, ENC_BASE64, ENC_QUOTED_PRINTABLE };

struct arf_reader {
	struct header_block hdr; /* the message's header, then each part's, then the feedback-report fields */
	struct mime_stack stack;
	enum arf_encoding encoding;
	char decoded[ARF_DECODED_MAX];
	size_t decoded_len;
	char *why;
	size_t whysize;
};

__attribute__((format(printf, 2, 3))) static int bad(struct arf_reader *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->why, a->whysize, fmt, ap);
	va_end(ap);
	return REPORT_BAD;
}

/* A field value as a bad message's reason may quote it: short, and without control characters. */
static const char *quoted(char out[64], const char *value)
{
	report_text_copy(out, 64, value);
	return out;
}

static int push_boundary(struct arf_reader *a, const char *content_type)
{
	struct mime_stack *s = &a->stack;
	char boundary[REPORT_BOUNDARY_MAX + 1];

	int found = report_mime_param(content_type, "boundary", boundary, sizeof boundary);
	if (found == 0)
		return bad(a, "multipart without a boundary parameter");
	if (found < 0)
		return bad(a, "malformed boundary, or longer than %d characters", REPORT_BOUNDARY_MAX);
	if (s->depth == REPORT_MIME_DEPTH)
		return bad(a, "multiparts nested deeper than %d", REPORT_MIME_DEPTH);
	size_t len = strlen(boundary);
	memcpy(s->boundary[s->depth], boundary, len + 1);
	s->len[s->depth] = len;
	s->depth++;
	return 0;
}

static int part_encoding(struct arf_reader *a)
{
	const char *cte = report_hdr_get(&a->hdr, "Content-Transfer-Encoding");
	char mechanism[32];

	a->encoding = ENC_IDENTITY;
	if (!cte)
		return 0;
	if (!report_mime_media_type(cte, mechanism, sizeof mechanism)) {
		/* Not type/subtype, as it should not be: read the mechanism as one token. */
		size_t n = 0;
		while (cte[n] && !isspace((unsigned char)cte[n]) && cte[n] != '(' && n + 1 < sizeof mechanism) {
			mechanism[n] = (char)tolower((unsigned char)cte[n]);
			n++;
		}
		mechanism[n] = '\0';
	}
	if (!strcmp(mechanism, "7bit") || !strcmp(mechanism, "8bit") || !strcmp(mechanism, "binary"))
		return 0;
	if (!strcmp(mechanism, "base64")) {
		a->encoding = ENC_BASE64;
		return 0;
	}
	if (!strcmp(mechanism, "quoted-printable")) {
		a->encoding = ENC_QUOTED_PRINTABLE;
		return 0;
	}
	char shown[64];
	return bad(a, "feedback-report part in an unknown Content-Transfer-Encoding \"%s\"", quoted(shown, cte));
}

/* Walks the body parts up to the first message/feedback-report one: 0 with the reader at that part's body and
 * a->encoding set, REPORT_BAD, RBL_EIO. */
static int find_feedback_part(struct arf_reader *a, struct msg_reader *m)
{
	unsigned parts = 0;
	const char *line;
	size_t len;
	bool closing;
	int rc;

	while ((rc = report_msg_line(m, &line, &len)) != MSG_END) {
		if (rc < 0)
			return rc;
		if (rc == MSG_LONG)
			return bad(a, "line %u is longer than %d bytes", m->line_in_message, REPORT_LINE_MAX);
		int level = report_mime_boundary_match(&a->stack, line, len, &closing);
		if (level < 0)
			continue; /* a preamble, a body we do not want, an epilogue */
		a->stack.depth = (unsigned)level + (closing ? 0 : 1);
		if (closing)
			continue;
		if (++parts > REPORT_MIME_PARTS)
			return bad(a, "more than %d body parts", REPORT_MIME_PARTS);
		if ((rc = report_mime_read_headers(m, &a->hdr, &a->stack, a->why, a->whysize)) != MIME_OK)
			return rc;
		const char *ct = report_hdr_get(&a->hdr, "Content-Type");
		char type[128];
		if (!ct || !report_mime_media_type(ct, type, sizeof type))
			continue; /* text/plain, or something unreadable: not ours either way */
		if (!strncmp(type, "multipart/", 10)) {
			if ((rc = push_boundary(a, ct)) != 0)
				return rc;
		} else if (!strcmp(type, "message/feedback-report")) {
			return part_encoding(a);
		}
	}
	return bad(a, "no message/feedback-report part");
}

static int decoded_put(struct arf_reader *a, char c)
{
	if (a->decoded_len == sizeof a->decoded)
		return bad(a, "encoded feedback-report part decodes to more than %d bytes", ARF_DECODED_MAX);
	a->decoded[a->decoded_len++] = c;
	return 0;
}

static int base64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* RFC 2045 6.8: characters outside the alphabet are ignored; "=" ends the data. */
static int decode_base64_line(struct arf_reader *a, const char *line, size_t len, uint32_t *acc, unsigned *bits,
                              bool *done)
{
	for (size_t i = 0; i < len && !*done; i++) {
		if (line[i] == '=') {
			*done = true;
			break;
		}
		int v = base64_value(line[i]);
		if (v < 0)
			continue;
		*acc = (*acc << 6) | (uint32_t)v;
		*bits += 6;
		if (*bits >= 8) {
			*bits -= 8;
			int rc = decoded_put(a, (char)((*acc >> *bits) & 0xff));
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)toupper((unsigned char)c);
	return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* RFC 2045 6.7: trailing blanks go, "=" at the end is a soft line break, "=XX" an octet; a stray "=" is kept. */
static int decode_qp_line(struct arf_reader *a, const char *line, size_t len)
{
	int rc;

	while (len && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	bool soft = len && line[len - 1] == '=';
	if (soft)
		len--;
	for (size_t i = 0; i < len; i++) {
		char c = line[i];
		if (c == '=' && i + 2 < len && hex_value(line[i + 1]) >= 0 && hex_value(line[i + 2]) >= 0) {
			c = (char)(hex_value(line[i + 1]) * 16 + hex_value(line[i + 2]));
			i += 2;
		}
		if ((rc = decoded_put(a, c)) != 0)
			return rc;
	}
	return soft ? 0 : decoded_put(a, '\n');
}

/* Decodes the encoded part's body, up to the next boundary or the message's end, then reads its fields. */
static int read_encoded_fields(struct arf_reader *a, struct msg_reader *m)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	bool done = false, closing;
	const char *line;
	size_t len;
	int rc;

	a->decoded_len = 0;
	while ((rc = report_msg_line(m, &line, &len)) != MSG_END) {
		if (rc < 0)
			return rc;
		if (rc == MSG_LONG)
			return bad(a, "line %u is longer than %d bytes", m->line_in_message, REPORT_LINE_MAX);
		if (report_mime_boundary_match(&a->stack, line, len, &closing) >= 0)
			break;
		rc = a->encoding == ENC_BASE64 ? decode_base64_line(a, line, len, &acc, &bits, &done)
		                               : decode_qp_line(a, line, len);
		if (rc)
			return rc;
	}

	report_hdr_begin(&a->hdr);
	const char *p = a->decoded, *end = a->decoded + a->decoded_len;
	bool started = false;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *next = nl ? nl + 1 : end;
		if (n && p[n - 1] == '\r')
			n--;
		if (n == 0 && !started) {
			p = next;
			continue;
		}
		started = true;
		int st = report_hdr_feed(&a->hdr, p, n);
		if (st == HDR_TOO_BIG)
			return bad(a, "feedback-report fields over %d bytes", REPORT_HEADER_BYTES);
		if (st != HDR_MORE)
			break;
		p = next;
	}
	report_hdr_finish(&a->hdr);
	return 0;
}

static int read_plain_fields(struct arf_reader *a, struct msg_reader *m)
{
	const char *line;
	size_t len;
	int rc;

	/* Some generators leave a blank line between the part's header and its fields. */
	while ((rc = report_msg_line(m, &line, &len)) == MSG_LINE && len == 0)
		;
	if (rc < 0)
		return rc;
	if (rc != MSG_END)
		report_msg_unget(m);
	return report_mime_read_headers(m, &a->hdr, &a->stack, a->why, a->whysize);
}

/* "192.0.2.1", also "[192.0.2.1]" or "[IPv6:2001:db8::1]", and a comment after it. */
static bool parse_source_ip(const char *value, addr_t *addr)
{
	char text[ADDR_STRLEN + 1];
	size_t n = 0;
	const char *p = value;

	if (*p == '[')
		p++;
	if (!strncasecmp(p, "IPv6:", 5))
		p += 5;
	while (*p && *p != ']' && *p != '(' && !isspace((unsigned char)*p)) {
		if (n + 1 == sizeof text)
			return false;
		text[n++] = *p++;
	}
	text[n] = '\0';
	return addr_parse(text, addr) == 0;
}

static bool is_feedback_type(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '-' && s[n] != '_' && s[n] != '.')
			return false;
	return n > 0 && n < sizeof((report_t *)0)->feedback_type;
}

static int fill_report(struct arf_reader *a, report_t *r)
{
	const struct header_block *h = &a->hdr;
	const char *type = report_hdr_get(h, "Feedback-Type");
	const char *ip = report_hdr_get(h, "Source-IP");
	char shown[64];

	if (!type)
		return bad(a, "no Feedback-Type field");
	if (!is_feedback_type(type))
		return bad(a, "malformed Feedback-Type \"%s\"", quoted(shown, type));
	if (!ip)
		return bad(a, "no Source-IP field");
	if (!parse_source_ip(ip, &r->addr))
		return bad(a, "unparsable Source-IP \"%s\"", quoted(shown, ip));
	for (size_t i = 0; type[i]; i++)
		r->feedback_type[i] = (char)tolower((unsigned char)type[i]);

	/* Received-Date is Arrival-Date's name in the ARF drafts some generators still follow. An unreadable date
	 * is no reason to lose the report: arrival stays 0. */
	const char *date = report_hdr_get(h, "Arrival-Date");
	if (!date)
		date = report_hdr_get(h, "Received-Date");
	if (date && !report_parse_date(date, &r->arrival))
		r->arrival = 0;
	const char *text;
	if ((text = report_hdr_get(h, "Reported-Domain")))
		report_text_copy(r->reported_domain, sizeof r->reported_domain, text);
	if ((text = report_hdr_get(h, "Original-Mail-From")))
		report_address(text, r->mail_from, sizeof r->mail_from);
	if (!r->source[0] && (text = report_hdr_get(h, "User-Agent")))
		report_text_copy(r->source, sizeof r->source, text);
	return REPORT_PARSED;
}

static int arf_parse(void *state, struct msg_reader *m, report_t *r, char *why, size_t whysize)
{
	struct arf_reader *a = state;
	char type[128], report_type[64], shown[64];
	int rc;

	a->why = why;
	a->whysize = whysize;
	a->stack.depth = 0;
	if ((rc = report_mime_read_headers(m, &a->hdr, NULL, why, whysize)) != MIME_OK)
		return rc;
	const char *ct = report_hdr_get(&a->hdr, "Content-Type");
	if (!ct || !report_mime_media_type(ct, type, sizeof type) || strcmp(type, "multipart/report") != 0)
		return bad(a, "not a multipart/report message (Content-Type: %s)", ct ? quoted(shown, ct) : "none");
	if (report_mime_param(ct, "report-type", report_type, sizeof report_type) != 1 ||
	    strcasecmp(report_type, "feedback-report") != 0)
		return bad(a, "multipart/report without report-type=feedback-report");
	if ((rc = push_boundary(a, ct)) != 0)
		return rc;
	/* The reporter is the report's sender; the header block is reused below, so it is taken now. */
	const char *from = report_hdr_get(&a->hdr, "From");
	if (from)
		report_address(from, r->source, sizeof r->source);

	if ((rc = find_feedback_part(a, m)) != 0)
		return rc;
	rc = a->encoding == ENC_IDENTITY ? read_plain_fields(a, m) : read_encoded_fields(a, m);
	if (rc != 0)
		return rc;
	return fill_report(a, r);
}

int report_read_arf(const char *path, const report_sink_t *sink, void *ctx)
{
	struct arf_reader *a = malloc(sizeof *a);
	if (!a)
		return RBL_ENOMEM;
	int rc = report_read_messages(path, arf_parse, a, sink, ctx);
	free(a);
	return rc;
}
