/* SPDX-License-Identifier: BSD-2-Clause */
/* probe_driver.c — runs probe_run over targets given on the command line, for the integration tests (rbltool's own
 * probe command is another module's). Loopback targets only: this is a test tool.
 *
 *   probe_driver [--connect-timeout-ms N] [--reply-timeout-ms N] [--session-timeout-ms N] [--max-reply-bytes N]
 *                [--max-transcript-bytes N] [--concurrency N] [--gap-ms N] [--transcripts FILE]
 *                [--targets FILE] [ADDR:PORT | [ADDR6]:PORT] ...
 *
 * Prints one line per target, in completion order:
 *   ADDR:PORT VERDICT form=N name="FORM NAME" elapsed_ms=N start_ms=N data_sent=no why=...
 * (start_ms: when its session started, counted from the start of the run), then "# N targets in N ms: open=N
 * closed=N inconclusive=N". --transcripts appends "=== ADDR:PORT VERDICT" and the transcript per target.
 * Exit status: 0 ran, 1 probe_run failed, 2 usage.
 */
#include "base/err.h"
#include "relay/probe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct run {
	FILE *transcripts;
	struct timespec started;
	unsigned counts[3];
};

static unsigned ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (unsigned)((now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000);
}

static void target_text(const probe_target_t *t, char *out, size_t size)
{
	char a[ADDR_STRLEN];

	addr_format(&t->addr, a);
	snprintf(out, size, t->addr.family == ADDR_V6 ? "[%s]:%u" : "%s:%u", a, (unsigned)t->port);
}

static void on_done(void *ctx, const probe_target_t *target, const probe_result_t *result)
{
	struct run *run = ctx;
	char name[ADDR_STRLEN + 8];
	unsigned now = ms_since(&run->started);

	target_text(target, name, sizeof name);
	run->counts[result->verdict]++;
	printf("%s %s form=%d name=\"%s\" elapsed_ms=%u start_ms=%u data_sent=%s why=%s\n", name,
	       probe_verdict_name(result->verdict), result->form, result->form_name, result->elapsed_ms,
	       now > result->elapsed_ms ? now - result->elapsed_ms : 0, result->data_sent ? "YES" : "no", result->why);
	if (run->transcripts) {
		fprintf(run->transcripts, "=== %s %s\n", name, probe_verdict_name(result->verdict));
		fwrite(result->transcript, 1, result->transcript_len, run->transcripts);
	}
}

/* "127.0.0.1:25" or "[::1]:25"; loopback only. */
static int parse_target(const char *text, probe_target_t *t)
{
	char host[ADDR_STRLEN + 2];
	const char *colon = strrchr(text, ':');

	if (colon == NULL || (size_t)(colon - text) >= sizeof host)
		return -1;
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = '\0';
	char *h = host;
	if (h[0] == '[' && h[strlen(h) - 1] == ']') {
		h[strlen(h) - 1] = '\0';
		h++;
	}
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 1 || port > 65535 || addr_parse(h, &t->addr) != RBL_OK)
		return -1;
	static const uint8_t v6_loopback[16] = {[15] = 1};
	bool loopback = t->addr.family == ADDR_V4 ? t->addr.b[0] == 127 : memcmp(t->addr.b, v6_loopback, 16) == 0;
	if (!loopback)
		return -1;
	t->port = (uint16_t)port;
	t->user = NULL;
	return 0;
}

static int add_target(probe_target_t **targets, size_t *count, size_t *cap, const char *text)
{
	if (*count == *cap) {
		size_t n = *cap ? *cap * 2 : 64;
		probe_target_t *grown = realloc(*targets, n * sizeof **targets);
		if (grown == NULL)
			return -1;
		*targets = grown;
		*cap = n;
	}
	if (parse_target(text, &(*targets)[*count]) != 0) {
		fprintf(stderr, "probe_driver: bad target %s (want a loopback ADDR:PORT)\n", text);
		return -1;
	}
	(*count)++;
	return 0;
}

static bool number_arg(const char *text, unsigned long *out)
{
	char *end;
	errno = 0;
	*out = strtoul(text, &end, 10);
	return errno == 0 && end != text && *end == '\0' && *out <= 100000000ul;
}

int main(int argc, char **argv)
{
	probe_config_t cfg;
	probe_target_t *targets = NULL;
	size_t count = 0, cap = 0;
	struct run run = {0};
	int status = 2;

	probe_config_default(&cfg);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned long n = 0;
		bool takes_number =
		        strncmp(a, "--", 2) == 0 && strcmp(a, "--transcripts") != 0 && strcmp(a, "--targets") != 0;
		if (takes_number && (v == NULL || !number_arg(v, &n))) {
			fprintf(stderr, "probe_driver: %s needs a number\n", a);
			goto out;
		}
		if (strcmp(a, "--connect-timeout-ms") == 0)
			cfg.connect_timeout_ms = (unsigned)n;
		else if (strcmp(a, "--reply-timeout-ms") == 0)
			cfg.reply_timeout_ms = (unsigned)n;
		else if (strcmp(a, "--session-timeout-ms") == 0)
			cfg.session_timeout_ms = (unsigned)n;
		else if (strcmp(a, "--max-reply-bytes") == 0)
			cfg.max_reply_bytes = n;
		else if (strcmp(a, "--max-transcript-bytes") == 0)
			cfg.max_transcript_bytes = n;
		else if (strcmp(a, "--concurrency") == 0)
			cfg.concurrency = (unsigned)n;
		else if (strcmp(a, "--gap-ms") == 0)
			cfg.per_host_gap_ms = (unsigned)n;
		else if (strcmp(a, "--transcripts") == 0 && v) {
			if ((run.transcripts = fopen(v, "a")) == NULL) {
				fprintf(stderr, "probe_driver: cannot open %s: %s\n", v, strerror(errno));
				goto out;
			}
		} else if (strcmp(a, "--targets") == 0 && v) {
			FILE *f = fopen(v, "r");
			char line[128];
			if (f == NULL) {
				fprintf(stderr, "probe_driver: cannot open %s: %s\n", v, strerror(errno));
				goto out;
			}
			while (fgets(line, sizeof line, f)) {
				line[strcspn(line, " \r\n")] = '\0';
				if (line[0] != '\0' && add_target(&targets, &count, &cap, line) != 0) {
					fclose(f);
					goto out;
				}
			}
			fclose(f);
		} else if (strncmp(a, "--", 2) == 0) {
			fprintf(stderr, "probe_driver: unknown option %s\n", a);
			goto out;
		} else {
			if (add_target(&targets, &count, &cap, a) != 0)
				goto out;
			continue;
		}
		i++;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	clock_gettime(CLOCK_MONOTONIC, &run.started);
	int err = probe_run(&cfg, targets, count, on_done, &run);
	if (err != RBL_OK) {
		fprintf(stderr, "probe_driver: probe_run: %s\n", rbl_strerror(err));
		status = 1;
		goto out;
	}
	printf("# %zu targets in %u ms: open=%u closed=%u inconclusive=%u\n", count, ms_since(&run.started),
	       run.counts[PROBE_OPEN], run.counts[PROBE_CLOSED], run.counts[PROBE_INCONCLUSIVE]);
	status = 0;
out:
	if (run.transcripts)
		fclose(run.transcripts);
	free(targets);
	return status;
}
