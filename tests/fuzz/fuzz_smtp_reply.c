/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_smtp_reply.c — the prober's SMTP reply parser (probe_reply_feed) under any fragmentation, and what it
 * makes of a complete reply (probe_reply_classify, probe_reply_ends_session).
 *
 * Input: byte 0 sets the reply limit (512 + 128 * (byte % 16)), byte 1 seeds the fragment sizes, the rest is what a
 * server sends. The stream is read as the session reads it — reply after reply, until one is garbage or too long —
 * three times: in one piece, one byte at a time, and in pseudo-random pieces of 1..64 bytes. The three readings must
 * agree (status, code, text and where each reply ends), and each complete reply must be what probe_internal.h says:
 * lines that all start with the same code 2xx..5xx, each ended by '\n', within the limit.
 */
#include "fuzz_common.h"

#include "base/err.h"
#include "probe_internal.h"

#include <stdlib.h>
#include <string.h>

struct reading {
	enum probe_feed status;
	int code;
	size_t end; /* stream offset just after the reply's last byte */
	char *text;
};

struct readings {
	struct reading *r;
	size_t count;
};

static void check_complete(const struct probe_reply *r)
{
	FUZZ_CHECK(r->code >= 200 && r->code <= 599);
	FUZZ_CHECK(r->len >= 4 && r->len <= r->max && strlen(r->text) == r->len);
	FUZZ_CHECK(r->text[r->len - 1] == '\n');
	unsigned lines = 0;
	for (const char *line = r->text; *line; line = strchr(line, '\n') + 1, lines++) {
		FUZZ_CHECK(line[0] == '0' + r->code / 100 && line[1] == '0' + r->code / 10 % 10 &&
		           line[2] == '0' + r->code % 10);
		FUZZ_CHECK(line[3] == '\n' || line[3] == ' ' || line[3] == '-');
	}
	FUZZ_CHECK(lines == r->lines && lines >= 1);

	enum probe_reply_kind kind = probe_reply_classify(r->code, r->text);
	FUZZ_CHECK(kind <= PROBE_REPLY_ODD);
	if (r->code / 100 == 2)
		FUZZ_CHECK(kind == PROBE_REPLY_OK);
	if (r->code / 100 == 5)
		FUZZ_CHECK(kind == PROBE_REPLY_REFUSED || kind == PROBE_REPLY_TLS_REQUIRED);
	bool ends = probe_reply_ends_session(r->code, r->text);
	if (r->code == 421)
		FUZZ_CHECK(ends);
	probe_text_denies_relay(r->text);
}

static uint32_t next_random(uint32_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

/* Reads the stream in pieces: piece 0 = all that is left, 1 = one byte, 2 = random. */
static struct readings read_stream(const char *s, size_t n, size_t max, int piece, uint32_t seed)
{
	struct readings out = {calloc(n + 1, sizeof(struct reading)), 0};
	struct probe_reply r;
	if (!out.r || probe_reply_init(&r, max) != RBL_OK)
		abort();
	uint32_t state = seed | 1;
	size_t pos = 0;
	enum probe_feed status = PROBE_FEED_MORE;
	while (pos < n) {
		size_t len = n - pos;
		if (piece == 1)
			len = 1;
		else if (piece == 2 && len > 1)
			len = 1 + next_random(&state) % (len < 64 ? len : 64);
		size_t used = 0;
		status = probe_reply_feed(&r, s + pos, len, &used);
		FUZZ_CHECK(used <= len);
		FUZZ_CHECK(status != PROBE_FEED_MORE || used == len);
		FUZZ_CHECK(r.len <= r.max && r.raw <= r.max && r.text[r.len] == '\0');
		pos += used;
		if (status == PROBE_FEED_MORE)
			continue;
		if (status == PROBE_FEED_DONE)
			check_complete(&r);
		out.r[out.count++] = (struct reading){status, r.code, pos, strdup(r.text)};
		if (status != PROBE_FEED_DONE)
			break; /* the reply is dead, and so is the session */
		probe_reply_reset(&r);
	}
	if (status == PROBE_FEED_MORE && r.raw > 0) /* an unfinished reply at the end of the stream */
		out.r[out.count++] = (struct reading){status, r.code, pos, strdup(r.text)};
	probe_reply_free(&r);
	return out;
}

static void readings_free(struct readings *rs)
{
	for (size_t i = 0; i < rs->count; i++)
		free(rs->r[i].text);
	free(rs->r);
}

static void same(const struct readings *a, const struct readings *b)
{
	FUZZ_CHECK(a->count == b->count);
	for (size_t i = 0; i < a->count; i++) {
		FUZZ_CHECK(a->r[i].status == b->r[i].status);
		FUZZ_CHECK(a->r[i].code == b->r[i].code);
		FUZZ_CHECK(a->r[i].end == b->r[i].end);
		FUZZ_CHECK(strcmp(a->r[i].text, b->r[i].text) == 0);
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
	if (size < 2)
		return 0;
	size_t max = PROBE_REPLY_MIN + 128 * (data[0] % 16);
	uint32_t seed = data[1] * 2654435761u;
	const char *stream = (const char *)data + 2;
	size_t n = size - 2;

	struct readings whole = read_stream(stream, n, max, 0, seed);
	struct readings bytes = read_stream(stream, n, max, 1, seed);
	struct readings random = read_stream(stream, n, max, 2, seed);
	same(&whole, &bytes);
	same(&whole, &random);
	readings_free(&whole);
	readings_free(&bytes);
	readings_free(&random);
	return 0;
}
