/* SPDX-License-Identifier: BSD-2-Clause */
/* resolve_answer.c — libunbound's answers read into resolve_answer_t: names, addresses, TXT, bounded and escaped. */
#include "resolve_internal.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Appends byte c to out (at *o, cap bytes with the NUL) as itself or as \DDD; false when it does not fit whole. */
static bool put_char(char *out, size_t *o, size_t cap, unsigned char c, bool escape)
{
	size_t need = escape ? 4 : 1;
	if (*o + need >= cap)
		return false;
	if (escape)
		snprintf(out + *o, 5, "\\%03u", c);
	else
		out[*o] = (char)c;
	*o += need;
	out[*o] = '\0';
	return true;
}

/* An uncompressed wire name (PTR rdata) as ldns prints it, lowercase, without the final dot. False when malformed
 * (bytes after the root label included), the root, or too long for RESOLVE_NAME_MAX. */
static bool name_from_wire(const uint8_t *d, size_t len, char out[RESOLVE_NAME_MAX])
{
	size_t pos = 0, o = 0;
	out[0] = '\0';
	while (pos < len && d[pos] != 0) {
		size_t label = d[pos++];
		if (label > 63 || label > len - pos)
			return false;
		if (o > 0 && !put_char(out, &o, RESOLVE_NAME_MAX, '.', false))
			return false;
		for (size_t i = 0; i < label; i++) {
			unsigned char c = (unsigned char)tolower(d[pos + i]);
			bool ok;
			if (c == '.' || c == ';' || c == '(' || c == ')' || c == '\\')
				ok = put_char(out, &o, RESOLVE_NAME_MAX, '\\', false) &&
				     put_char(out, &o, RESOLVE_NAME_MAX, c, false);
			else
				ok = put_char(out, &o, RESOLVE_NAME_MAX, c, c <= 0x20 || c >= 0x7f);
			if (!ok)
				return false;
		}
		pos += label;
	}
	return pos + 1 == len && o > 0; /* ended by the root label, the rdata's last byte; not the root itself */
}

/* TXT rdata: its character-strings joined, escaped, cut (never inside an escape) to fit. False when malformed. */
static bool text_from_wire(const uint8_t *d, size_t len, char out[RESOLVE_TEXT_MAX])
{
	size_t pos = 0, o = 0;
	bool room = true;
	out[0] = '\0';
	if (len == 0)
		return false;
	while (pos < len) {
		size_t n = d[pos++];
		if (n > len - pos)
			return false;
		for (size_t i = 0; room && i < n; i++) {
			unsigned char c = d[pos + i];
			room = put_char(out, &o, RESOLVE_TEXT_MAX, c, c < 0x20 || c >= 0x7f || c == '\\');
		}
		pos += n;
	}
	return true;
}

static bool keep_record(resolve_answer_t *a, const uint8_t *d, size_t len)
{
	switch (a->type) {
	case RESOLVE_TYPE_A:
	case RESOLVE_TYPE_AAAA: {
		size_t want = a->type == RESOLVE_TYPE_A ? 4 : 16;
		if (len != want)
			return false;
		memset(&a->addrs[a->count], 0, sizeof a->addrs[0]);
		a->addrs[a->count].family = a->type == RESOLVE_TYPE_A ? ADDR_V4 : ADDR_V6;
		memcpy(a->addrs[a->count].b, d, want);
		return true;
	}
	case RESOLVE_TYPE_PTR:
		return name_from_wire(d, len, a->names[a->count]);
	default:
		return text_from_wire(d, len, a->texts[a->count]);
	}
}

void resolve_read_answer(resolve_answer_t *a, int err, const struct ub_result *res)
{
	if (err || !res) {
		a->status = RESOLVE_ERROR;
		a->rcode = -1;
		return;
	}
	a->rcode = res->rcode & 0xf; /* the header's 4 bits: the status is chosen from the same value */
	switch (a->rcode) {
	case 0:
		a->status = RESOLVE_NODATA;
		break;
	case 2:
		a->status = RESOLVE_SERVFAIL;
		return;
	case 3:
		a->status = RESOLVE_NXDOMAIN;
		return;
	case 5:
		a->status = RESOLVE_REFUSED;
		return;
	default:
		a->status = RESOLVE_BAD_RCODE;
		return;
	}
	for (size_t i = 0; res->data && res->len && res->data[i]; i++) {
		a->status = RESOLVE_OK;
		if (a->count == RESOLVE_MAX_RECORDS)
			a->more++;
		else if (res->len[i] >= 0 && keep_record(a, (const uint8_t *)res->data[i], (size_t)res->len[i]))
			a->count++;
	}
}
