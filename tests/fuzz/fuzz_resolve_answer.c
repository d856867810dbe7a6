/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_resolve_answer.c — resolve_read_answer (resolve_answer.c): libunbound's result, whose rdata comes from
 * whatever DNS server answered, read into resolve_answer_t.
 *
 * Input: byte 0 the type asked (low 2 bits: A, AAAA, PTR, TXT; 0xf0..0xff: a type resolver_lookup never asks,
 * NS, CNAME, MX, ..., checked for bounds only), byte 1 the rcode (low 4 bits) and the havedata, nxdomain, secure
 * and bogus flags (which the reader must not need), byte 2 the odd cases (bits 0-2 = 7: ub_resolve failed, err
 * -1..-16, bit 7 then also res NULL; = 6: res NULL without err; bit 3: data and len NULL; bit 4: an rcode past 15),
 * then the records: each a length byte (0xff: the next two bytes, big-endian, up to 65535) and that many bytes,
 * capped by what the input has left; at most MAX_RECORDS of them. Every record gets an allocation of its own length,
 * the arrays one of their own, so that ASan sees any read past one.
 *
 * Checked, as resolve.h promises: the status from the rcode (OK only with a record, NODATA only without), rcode
 * 0..15 or -1, count <= RESOLVE_MAX_RECORDS and `more` only past it; each kept record, against a model of the
 * record's wire format written here: an A/AAAA record of exactly 4/16 bytes is the address, of its family; a PTR
 * rdata that is a well-formed uncompressed name (not the root) reads back, unescaped, as that name lowercased, and
 * is NUL-terminated within its array, printable ASCII, without uppercase, without a final dot, escaped as ldns
 * prints (\. \; \( \) \\ and \DDD for the rest); a TXT rdata made exactly of character-strings is their
 * concatenation, \DDD for control bytes, non-ASCII and the backslash, cut before the escape that does not fit.
 * Malformed records are skipped, and records past RESOLVE_MAX_RECORDS counted, in answer order.
 */
#include "fuzz_common.h"

#include "resolve_internal.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RECORDS 40 /* past RESOLVE_MAX_RECORDS, with room for skipped ones */

static const uint16_t asked[] = {RESOLVE_TYPE_A, RESOLVE_TYPE_AAAA, RESOLVE_TYPE_PTR, RESOLVE_TYPE_TXT};
/* Types resolver_lookup refuses: resolve_read_answer reads them as TXT, and only its bounds are checked. */
static const uint16_t others[] = {0, 2, 5, 6, 13, 15, 33, 35, 39, 41, 46, 99, 255, 256, 32769, 65535};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

struct input {
	const uint8_t *data;
	size_t size, pos;
};

static size_t take(struct input *in, size_t want)
{
	size_t left = in->size - in->pos;
	return want < left ? want : left;
}

/* --- the model: what a well-formed record reads as --------------------------------------------------------- */

/* A PTR rdata's name, lowercased, as labels (label[i] of len[i] bytes); false if the rdata does not start with an
 * uncompressed name, or that is the root, or its presentation form is too long for RESOLVE_NAME_MAX. */
struct wire_name {
	unsigned labels;
	uint8_t len[128];
	uint8_t label[128][63];
};

static bool name_model(const uint8_t *d, size_t n, struct wire_name *w)
{
	size_t pos = 0;
	w->labels = 0;
	while (pos < n && d[pos] != 0) {
		size_t l = d[pos++];
		if (l > 63 || l > n - pos || w->labels == 128)
			return false;
		w->len[w->labels] = (uint8_t)l;
		for (size_t i = 0; i < l; i++) {
			uint8_t c = d[pos + i];
			w->label[w->labels][i] = c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
		}
		w->labels++;
		pos += l;
	}
	if (pos + 1 != n || w->labels == 0) /* the root label ends the rdata: trailing bytes make it malformed */
		return false;
	/* Its presentation form must fit RESOLVE_NAME_MAX with the NUL. */
	size_t text = w->labels - 1;
	for (unsigned i = 0; i < w->labels; i++)
		for (unsigned j = 0; j < w->len[i]; j++) {
			uint8_t c = w->label[i][j];
			bool special = c == '.' || c == ';' || c == '(' || c == ')' || c == '\\';
			text += special ? 2 : c <= 0x20 || c >= 0x7f ? 4 : 1;
		}
	return text <= RESOLVE_NAME_MAX - 1;
}

static int digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : -1;
}

/* The kept PTR name against the model: every byte printable, no uppercase, escapes as ldns writes them (a special
 * character after '\', or three digits up to 255 for a byte ldns would not print), labels that unescape to the
 * wire's; that also rules out an empty label and a final dot. */
static void check_name(const char s[RESOLVE_NAME_MAX], const struct wire_name *w)
{
	const char *end = memchr(s, '\0', RESOLVE_NAME_MAX);
	FUZZ_CHECK(end != NULL && end > s);
	unsigned label = 0, at = 0;
	for (const char *p = s; p < end; p++) {
		FUZZ_CHECK(*p > 0x20 && *p < 0x7f && !(*p >= 'A' && *p <= 'Z'));
		uint8_t c = (uint8_t)*p;
		if (c == '.') {
			FUZZ_CHECK(label < w->labels && at == w->len[label] && at > 0);
			label++, at = 0;
			continue;
		}
		if (c == '\\') {
			FUZZ_CHECK(p + 1 < end);
			if (digit(p[1]) >= 0) {
				FUZZ_CHECK(p + 3 < end && digit(p[2]) >= 0 && digit(p[3]) >= 0);
				unsigned v = (unsigned)(digit(p[1]) * 100 + digit(p[2]) * 10 + digit(p[3]));
				FUZZ_CHECK(v <= 255 && (v <= 0x20 || v >= 0x7f));
				c = (uint8_t)v;
				p += 3;
			} else {
				FUZZ_CHECK(strchr(".;()\\", p[1]) != NULL);
				p++;
				c = (uint8_t)*p;
			}
		} else {
			FUZZ_CHECK(strchr(";()", c) == NULL);
		}
		FUZZ_CHECK(label < w->labels && at < w->len[label] && w->label[label][at] == c);
		at++;
	}
	FUZZ_CHECK(label + 1 == w->labels && at == w->len[label]);
}

/* A TXT rdata as resolve.h says it reads: NULL (to skip) unless it is one or more character-strings filling it
 * exactly; else their bytes joined, escaped, cut before the first escape that does not fit. */
static bool text_model(const uint8_t *d, size_t n, char out[RESOLVE_TEXT_MAX])
{
	size_t pos = 0, o = 0;
	bool room = true;
	if (n == 0)
		return false;
	out[0] = '\0';
	while (pos < n) {
		size_t l = d[pos++];
		if (l > n - pos)
			return false;
		for (size_t i = 0; i < l && room; i++) {
			uint8_t c = d[pos + i];
			char unit[5];
			if (c < 0x20 || c >= 0x7f || c == '\\') {
				unit[0] = '\\', unit[1] = (char)('0' + c / 100), unit[2] = (char)('0' + c / 10 % 10);
				unit[3] = (char)('0' + c % 10), unit[4] = '\0';
			} else {
				unit[0] = (char)c, unit[1] = '\0';
			}
			size_t u = strlen(unit);
			if (o + u > RESOLVE_TEXT_MAX - 1) {
				room = false;
				break;
			}
			memcpy(out + o, unit, u + 1);
			o += u;
		}
		pos += l;
	}
	return true;
}

/* What any text the reader writes must be (the kept records of a type resolver_lookup refuses, which it reads as
 * TXT): NUL-terminated within the array, printable ASCII, every backslash the start of \DDD. */
static void check_text_bounds(const char s[RESOLVE_TEXT_MAX])
{
	const char *end = memchr(s, '\0', RESOLVE_TEXT_MAX);
	FUZZ_CHECK(end != NULL);
	for (const char *p = s; p < end; p++) {
		FUZZ_CHECK(*p >= 0x20 && *p < 0x7f);
		if (*p == '\\') {
			FUZZ_CHECK(end - p > 3 && digit(p[1]) >= 0 && digit(p[2]) >= 0 && digit(p[3]) >= 0);
			p += 3;
		}
	}
}

/* --- the run ------------------------------------------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	struct input in = {data, size, 3};
	uint8_t sel = data[0], flags = data[1], odd = data[2];
	uint16_t type = sel >= 0xf0 ? others[sel & 0x0f] : asked[sel & 3];
	bool known = sel < 0xf0;

	int err = 0;
	bool res_null = false;
	if ((odd & 7) == 7) {
		err = -1 - ((odd >> 3) & 0x0f);
		res_null = (odd & 0x80) != 0;
	} else if ((odd & 7) == 6) {
		res_null = true;
	}
	bool arrays_null = (odd & 0x08) != 0;
	int rcode = flags & 0x0f;
	if (odd & 0x10)
		rcode += 16 * (1 + (odd >> 5)); /* 16..143: never from libunbound (4 bits of the header), but an int */

	/* The records, each in an allocation of its own length. */
	char *recs[MAX_RECORDS + 1] = {0};
	int lens[MAX_RECORDS + 1] = {0};
	size_t n = 0;
	while (in.pos < in.size && n < MAX_RECORDS) {
		size_t len = data[in.pos++];
		if (len == 0xff) {
			uint8_t be[2] = {0, 0};
			size_t got = take(&in, 2);
			memcpy(be, data + in.pos, got);
			in.pos += got;
			len = (size_t)be[0] << 8 | be[1];
		}
		len = take(&in, len);
		recs[n] = malloc(len ? len : 1);
		if (!recs[n])
			abort();
		memcpy(recs[n], data + in.pos, len);
		lens[n++] = (int)len;
		in.pos += len;
	}
	char **rdata = NULL;
	int *rlen = NULL;
	if (!arrays_null) {
		rdata = malloc((n + 1) * sizeof *rdata);
		rlen = malloc((n + 1) * sizeof *rlen);
		if (!rdata || !rlen)
			abort();
		memcpy(rdata, recs, (n + 1) * sizeof *rdata);
		memcpy(rlen, lens, (n + 1) * sizeof *rlen);
	}

	struct ub_result *res = NULL;
	if (!res_null) {
		res = calloc(1, sizeof *res);
		if (!res)
			abort();
		res->qname = "192.0.2.1.example";
		res->qtype = type;
		res->qclass = 1;
		res->data = rdata;
		res->len = rlen;
		res->rcode = rcode;
		res->havedata = (flags & 0x10) != 0;
		res->nxdomain = (flags & 0x20) != 0;
		res->secure = (flags & 0x40) != 0;
		res->bogus = (flags & 0x80) != 0;
	}

	/* As on_result sets it up: the header zeroed, the arrays not (here: garbage, to catch a read of one). */
	resolve_answer_t *a = malloc(sizeof *a);
	if (!a)
		abort();
	memset(a, 0xa5, sizeof *a);
	memset(a, 0, offsetof(resolve_answer_t, addrs));
	a->type = type;
	resolve_read_answer(a, err, res);

	FUZZ_CHECK(a->type == type);
	FUZZ_CHECK((unsigned)a->status <= RESOLVE_ERROR && a->status != RESOLVE_TIMEOUT);
	FUZZ_CHECK(a->count <= RESOLVE_MAX_RECORDS);
	FUZZ_CHECK(a->more == 0 || a->count == RESOLVE_MAX_RECORDS);
	if (err != 0 || res == NULL) {
		FUZZ_CHECK(a->status == RESOLVE_ERROR && a->rcode == -1 && a->count == 0 && a->more == 0);
		goto out;
	}
	FUZZ_CHECK(a->rcode == (rcode & 0x0f));
	size_t present = arrays_null ? 0 : n;
	unsigned header_rcode = (unsigned)rcode & 0x0f; /* rcode and status both come from the header's 4 bits */
	if (header_rcode == 0) {
		FUZZ_CHECK(a->status == (present > 0 ? RESOLVE_OK : RESOLVE_NODATA));
	} else {
		FUZZ_CHECK(a->status == (header_rcode == 2   ? RESOLVE_SERVFAIL
		                         : header_rcode == 3 ? RESOLVE_NXDOMAIN
		                         : header_rcode == 5 ? RESOLVE_REFUSED
		                                             : RESOLVE_BAD_RCODE));
	}
	if (a->status != RESOLVE_OK) {
		FUZZ_CHECK(a->count == 0 && a->more == 0);
		goto out;
	}

	/* Record by record, in answer order, against the model. */
	size_t kept = 0, more = 0;
	for (size_t i = 0; i < present; i++) {
		const uint8_t *d = (const uint8_t *)recs[i];
		size_t len = (size_t)lens[i];
		if (kept == RESOLVE_MAX_RECORDS) {
			more++;
			continue;
		}
		if (!known) {
			/* Not the model's business: where the reader kept one, it must be bounded text. */
			continue;
		}
		if (type == RESOLVE_TYPE_A || type == RESOLVE_TYPE_AAAA) {
			size_t want = type == RESOLVE_TYPE_A ? 4 : 16;
			if (len != want)
				continue;
			FUZZ_CHECK(kept < a->count);
			const addr_t *got = &a->addrs[kept];
			FUZZ_CHECK(got->family == (type == RESOLVE_TYPE_A ? ADDR_V4 : ADDR_V6));
			FUZZ_CHECK(memcmp(got->b, d, want) == 0);
			for (size_t j = want; j < sizeof got->b; j++)
				FUZZ_CHECK(got->b[j] == 0);
		} else if (type == RESOLVE_TYPE_PTR) {
			static struct wire_name w;
			if (!name_model(d, len, &w))
				continue;
			/* Bytes after the root label (a malformed PTR rdata, which libunbound passes on) are not
			 * looked at: the reader keeps the name before them, and so does the model. */
			FUZZ_CHECK(kept < a->count);
			check_name(a->names[kept], &w);
		} else {
			char want[RESOLVE_TEXT_MAX];
			if (!text_model(d, len, want))
				continue;
			FUZZ_CHECK(kept < a->count);
			check_text_bounds(a->texts[kept]);
			FUZZ_CHECK(strcmp(a->texts[kept], want) == 0);
		}
		kept++;
	}
	if (known) {
		FUZZ_CHECK(a->count == kept && a->more == more);
	} else {
		FUZZ_CHECK(a->count + a->more <= present);
		for (size_t i = 0; i < a->count; i++)
			check_text_bounds(a->texts[i]);
	}

out:
	free(a);
	free(res);
	free(rdata);
	free(rlen);
	for (size_t i = 0; i < n; i++)
		free(recs[i]);
	return 0;
}
