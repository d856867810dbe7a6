/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_cli_values.c — the parsers of command-line values: durations and expiry dates, addresses, CIDRs, zone and
 * host names, e-mail contacts, answer codes; and the reversed-name and wire-name readers on the raw bytes.
 *
 * The input up to its first NUL is the text every parser gets. Where a parser accepts it, the result must be what
 * its header promises, and formatting it must give text that parses back to the same value (addresses and CIDRs in
 * canonical form, names in lowercase, expiry times as ISO 8601 unless out of the years 0000..9999).
 */
#include "fuzz_common.h"

#include "base/addr.h"
#include "base/dname.h"
#include "base/duration.h"
#include "base/err.h"
#include "base/revname.h"
#include "store/zone.h"

#include <string.h>

#define NOW 1700000000 /* 2023-11-14 */
#define TEN_YEARS (3653 * 86400LL)
#define TEXT_MAX 1024

static void durations(const char *text)
{
	int64_t seconds, when, again;
	if (duration_parse(text, &seconds) == RBL_OK)
		FUZZ_CHECK(seconds >= 0 && seconds <= TEN_YEARS);
	if (duration_parse_expiry(text, NOW, &when) != RBL_OK)
		return;
	FUZZ_CHECK(when > NOW);
	char buf[TIME_STRLEN];
	duration_format_time(when, buf);
	FUZZ_CHECK(memchr(buf, '\0', sizeof buf) != NULL);
	if (buf[0] == '@')
		return;
	FUZZ_CHECK(duration_parse_expiry(buf, NOW, &again) == RBL_OK);
	FUZZ_CHECK(again == when);
}

static void addresses(const char *text)
{
	addr_t a, back;
	char buf[ADDR_STRLEN];
	if (addr_parse(text, &a) == RBL_OK) {
		FUZZ_CHECK(a.family == ADDR_V4 || a.family == ADDR_V6);
		addr_format(&a, buf);
		FUZZ_CHECK(addr_parse(buf, &back) == RBL_OK);
		FUZZ_CHECK(back.family == a.family && addr_cmp(&back, &a) == 0);
	}
	cidr_t c, cback;
	if (cidr_parse(text, &c) == RBL_OK) {
		fuzz_check_cidr(&c);
		cidr_format(&c, buf);
		FUZZ_CHECK(cidr_parse(buf, &cback) == RBL_OK);
		FUZZ_CHECK(cback.addr.family == c.addr.family && cback.len == c.len &&
		           addr_cmp(&cback.addr, &c.addr) == 0);
	}
}

/* A well-formed uncompressed wire name of exactly len bytes. */
static void check_wire_name(const uint8_t *wire, size_t len)
{
	FUZZ_CHECK(len >= 1 && len <= DNAME_MAXLEN);
	size_t off = 0;
	while (wire[off] != 0) {
		FUZZ_CHECK(wire[off] <= 63);
		off += 1 + wire[off];
		FUZZ_CHECK(off < len);
	}
	FUZZ_CHECK(off + 1 == len);
}

static void names(const char *text)
{
	uint8_t wire[DNAME_MAXLEN], wire2[DNAME_MAXLEN];
	size_t len, len2;
	char buf[DNAME_TEXTMAX], buf2[DNAME_TEXTMAX];
	if (dname_from_text(text, wire, &len) == RBL_OK) {
		check_wire_name(wire, len);
		int rc = dname_to_text(wire, len, buf);
		FUZZ_CHECK(rc == RBL_OK || rc == RBL_ESPACE);
		if (rc == RBL_OK) {
			FUZZ_CHECK(dname_from_text(buf, wire2, &len2) == RBL_OK);
			FUZZ_CHECK(len2 == len && memcmp(wire, wire2, len) == 0);
		}
	}
	if (dname_normalize(text, buf) == RBL_OK) {
		FUZZ_CHECK(dname_normalize(buf, buf2) == RBL_OK);
		FUZZ_CHECK(strcmp(buf, buf2) == 0);
	}
	if (dname_from_email(text, buf) == RBL_OK)
		FUZZ_CHECK(dname_from_text(buf, wire, &len) == RBL_OK);
}

static void codes(const char *text)
{
	uint32_t code, back;
	if (zone_code_parse(text, &code) != RBL_OK)
		return;
	FUZZ_CHECK(code >> 24 == 127);
	char buf[ZONE_CODE_STRLEN];
	zone_code_format(code, buf);
	FUZZ_CHECK(zone_code_parse(buf, &back) == RBL_OK && back == code);
}

/* The raw bytes as a wire name (dname_to_text) and as the labels in front of a zone apex (revname_parse). */
static void wire_readers(const uint8_t *data, size_t size)
{
	char buf[DNAME_TEXTMAX];
	if (dname_to_text(data, size, buf) == RBL_OK) { /* bytes only: a label may still start with '-' (dname.h) */
		FUZZ_CHECK(memchr(buf, '\0', sizeof buf) != NULL);
		for (const char *p = buf; *p; p++)
			FUZZ_CHECK((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("-_.\\", *p));
	}

	revname_t rn;
	revname_parse(data, size, &rn);
	if (rn.v4_valid)
		FUZZ_CHECK(rn.v4.addr.family == ADDR_V4 && rn.v4.len % 8 == 0 && rn.v4.len >= 8 && rn.v4.len <= 32);
	if (rn.v6_valid && !rn.v6_mapped)
		FUZZ_CHECK(rn.v6.addr.family == ADDR_V6 && rn.v6.len % 4 == 0 && rn.v6.len >= 4);
	if (rn.v6_mapped)
		FUZZ_CHECK(rn.v4_valid && rn.v4.len == 32);
	if (rn.v4_valid)
		fuzz_check_cidr(&rn.v4);
	if (rn.v6_valid && !rn.v6_mapped)
		fuzz_check_cidr(&rn.v6);
}

/* duration_format_time on every 8-byte window read as a time: never truncated, whatever the value. */
static void times(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i + 8 <= size && i < 64; i += 8) {
		int64_t when;
		memcpy(&when, data + i, sizeof when);
		char buf[TIME_STRLEN];
		duration_format_time(when, buf);
		FUZZ_CHECK(memchr(buf, '\0', sizeof buf) != NULL);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[TEXT_MAX + 1];
	size_t n = size < TEXT_MAX ? size : TEXT_MAX;
	memcpy(text, data, n);
	text[n] = '\0';
	durations(text);
	addresses(text);
	names(text);
	codes(text);
	wire_readers(data, size);
	times(data, size);
	return 0;
}
