/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_qlog.c — the query log's record and line (dnsbld/qlog.c) from any query bytes, any response bytes and any
 * answer info: qlog_record_fill reads the question name at offset 12 (info.qname_len bytes, from the client) and the
 * A records of the response's answer section (a bounded parse); qlog_format writes the line.
 *
 * Input: byte 0 flags (bit 0 listed, bit 1 TCP, bit 2 IPv6 client), byte 1 the rcode, bytes 2-3 the qtype, byte 4
 * the question name length as info claims it (0..255), byte 5 how many of the following bytes are the query (the
 * rest is the response). Checked: the line fits QLOG_LINE_MAX, ends with its only newline, holds no byte outside
 * printable ASCII, has 7 space-separated fields, and the record keeps at most QLOG_MAX_CODES codes. */
#include "fuzz_common.h"

#include "qlog.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 6)
		return 0;
	answer_info_t info = {.kind = ANSWER_POSITIVE,
			      .rcode = data[1],
			      .qtype = (uint16_t)(data[2] << 8 | data[3]),
			      .zone = 0,
			      .listed = data[0] & 1,
			      .qname_len = data[4]};
	size_t qlen = data[5] < size - 6 ? data[5] : size - 6;
	const uint8_t *query = data + 6, *resp = data + 6 + qlen;
	size_t rlen = size - 6 - qlen;
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	if (data[0] & 4) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		memcpy(&a->sin6_addr, data, size < 16 ? size : 16);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		memcpy(&a->sin_addr, data, 4);
	}
	/* The query and the response in allocations of their own size, so that ASan sees a read past either. */
	uint8_t *q = malloc(qlen ? qlen : 1), *r = malloc(rlen ? rlen : 1);
	if (!q || !r)
		abort();
	memcpy(q, query, qlen);
	memcpy(r, resp, rlen);
	qlog_record_t rec;
	qlog_record_fill(&rec, 1764900000123, (const struct sockaddr *)&ss, q, qlen, &info, r, rlen, data[0] & 2);
	FUZZ_CHECK(rec.code_count <= QLOG_MAX_CODES);
	FUZZ_CHECK(rec.qname_len <= sizeof rec.qname);
	char line[QLOG_LINE_MAX];
	size_t n = qlog_format(&rec, line, sizeof line);
	FUZZ_CHECK(n > 0 && n < sizeof line);
	FUZZ_CHECK(line[n - 1] == '\n' && memchr(line, '\n', n - 1) == NULL);
	unsigned spaces = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		FUZZ_CHECK(line[i] >= 0x20 && line[i] <= 0x7e);
		spaces += line[i] == ' ';
	}
	FUZZ_CHECK(spaces == 6);
	free(q);
	free(r);
	return 0;
}
