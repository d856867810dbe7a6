/* SPDX-License-Identifier: BSD-2-Clause */
/* rbldata_recorder.h — a sink that records what rbldata_read reports, the files it reads, assertions on the record. */
#ifndef RBL_TEST_RBLDATA_RECORDER_H
#define RBL_TEST_RBLDATA_RECORDER_H

/* What test_rbldata.c and test_rbldata_input.c share. Header-only (static functions): every
 * tests/unit/<library>/test_*.c is its own program. Needs cmocka included first. data_path() finds the fixtures from
 * __FILE__, this header's path: it must stay next to data/rbldata/. */
#include "base/err.h"
#include "formats/rbldata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Not every program that includes this uses every helper. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-variable"

#define MAX_ENTRIES 256
#define MAX_BAD 32
#define CODE(n) (0x7f000000u | (n))

struct got_entry {
	char net[ADDR_STRLEN];
	bool exclude;
	uint32_t code;
	bool has_txt;
	char txt[RBLDATA_TXT_MAX];
	unsigned line;
	unsigned section; /* how many sections had begun when it arrived */
	unsigned widest_len;
};

struct got_bad {
	char file[256];
	unsigned line;
	char text[256];
	char why[256];
};

struct got_section {
	enum rbldata_dataset type;
	char name[64];
	char subzones[RBLDATA_MAX_SUBZONES][64];
	unsigned subzone_count, line;
};

static struct recorder {
	struct got_entry entries[MAX_ENTRIES];
	unsigned n;
	unsigned long long counted; /* every entry, also past MAX_ENTRIES */
	struct got_bad bad[MAX_BAD];
	unsigned nbad;
	rbldata_soa_t soa;
	unsigned soa_calls;
	char ns[RBLDATA_MAX_NS][256];
	unsigned ns_count, ns_calls;
	uint32_t ns_ttl;
	uint32_t ttls[16];
	unsigned nttl;
	struct got_section sections[8];
	unsigned nsections;
	unsigned long progress_calls, last_progress_lines;
	unsigned long long last_progress_bytes;
	int bad_return;   /* what bad_line answers */
	unsigned stop_at; /* entry answers stop_value at this entry (1-based); 0 = never */
	int stop_value;
} * rec;

static int on_entry(void *ctx, const rbldata_entry_t *e)
{
	(void)ctx;
	rec->counted++;
	if (rec->n < MAX_ENTRIES) {
		struct got_entry *g = &rec->entries[rec->n++];
		cidr_format(&e->net, g->net);
		g->exclude = e->exclude;
		g->code = e->code;
		g->has_txt = e->has_txt;
		snprintf(g->txt, sizeof g->txt, "%s", e->has_txt ? e->txt : "");
		g->line = e->line;
		g->section = rec->nsections;
		g->widest_len = e->widest_len;
	}
	if (rec->stop_at && rec->counted == rec->stop_at)
		return rec->stop_value;
	return 0;
}

static int on_soa(void *ctx, const rbldata_soa_t *soa)
{
	(void)ctx;
	rec->soa = *soa;
	rec->soa_calls++;
	return 0;
}

static int on_ns(void *ctx, uint32_t ttl, const char *const *names, unsigned count)
{
	(void)ctx;
	assert_true(count <= RBLDATA_MAX_NS);
	rec->ns_ttl = ttl;
	rec->ns_count = count;
	rec->ns_calls++;
	for (unsigned i = 0; i < count; i++)
		snprintf(rec->ns[i], sizeof rec->ns[i], "%s", names[i]);
	return 0;
}

static int on_ttl(void *ctx, uint32_t ttl)
{
	(void)ctx;
	if (rec->nttl < 16)
		rec->ttls[rec->nttl++] = ttl;
	return 0;
}

static int on_section(void *ctx, const rbldata_section_t *section)
{
	(void)ctx;
	assert_true(rec->nsections < 8);
	struct got_section *g = &rec->sections[rec->nsections++];
	g->type = section->type;
	snprintf(g->name, sizeof g->name, "%s", section->name);
	g->subzone_count = section->subzone_count;
	for (unsigned i = 0; i < section->subzone_count; i++)
		snprintf(g->subzones[i], sizeof g->subzones[i], "%s", section->subzones[i]);
	g->line = section->line;
	return 0;
}

static int on_bad_line(void *ctx, const char *file, unsigned line, const char *text, const char *why)
{
	(void)ctx;
	if (rec->nbad < MAX_BAD) {
		struct got_bad *g = &rec->bad[rec->nbad];
		snprintf(g->file, sizeof g->file, "%s", file);
		g->line = line;
		snprintf(g->text, sizeof g->text, "%s", text);
		snprintf(g->why, sizeof g->why, "%s", why);
	}
	rec->nbad++;
	return rec->bad_return;
}

static void on_progress(void *ctx, unsigned long lines, unsigned long long bytes)
{
	(void)ctx;
	rec->progress_calls++;
	assert_true(lines > rec->last_progress_lines);
	assert_true(bytes >= rec->last_progress_bytes);
	rec->last_progress_lines = lines;
	rec->last_progress_bytes = bytes;
}

static const rbldata_sink_t sink = {on_entry, on_soa, on_ns, on_ttl, on_section, on_bad_line, on_progress};

static int setup(void **state)
{
	(void)state;
	rec = calloc(1, sizeof *rec);
	return rec ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(rec);
	return 0;
}

static const char *data_path(const char *name)
{
	static char path[1024];
	const char *dir = getenv("RBLDATA_TEST_DATA");
	if (dir) {
		snprintf(path, sizeof path, "%s/%s", dir, name);
	} else {
		const char *slash = strrchr(__FILE__, '/');
		int dirlen = slash ? (int)(slash - __FILE__) : 1;
		snprintf(path, sizeof path, "%.*s/data/rbldata/%s", dirlen, slash ? __FILE__ : ".", name);
	}
	return path;
}

static int read_fixture(const char *name, enum rbldata_dataset type)
{
	return rbldata_read(data_path(name), type, &sink, NULL);
}

static char temp_path[64];

/* Writes content (len bytes) to a fresh temporary file and reads it as type. */
static int read_bytes(enum rbldata_dataset type, const char *content, size_t len)
{
	snprintf(temp_path, sizeof temp_path, "/tmp/test_rbldata.XXXXXX");
	int fd = mkstemp(temp_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	close(fd);
	int rc = rbldata_read(temp_path, type, &sink, NULL);
	unlink(temp_path);
	return rc;
}

static int read_text(enum rbldata_dataset type, const char *content)
{
	return read_bytes(type, content, strlen(content));
}

static void assert_entry(unsigned i, const char *net, uint32_t code, const char *txt, unsigned line)
{
	assert_true(i < rec->n);
	const struct got_entry *g = &rec->entries[i];
	assert_string_equal(g->net, net);
	assert_false(g->exclude);
	assert_int_equal(g->code, code);
	if (txt) {
		assert_true(g->has_txt);
		assert_string_equal(g->txt, txt);
	} else {
		assert_false(g->has_txt);
	}
	assert_int_equal(g->line, line);
}

static void assert_exclusion(unsigned i, const char *net, unsigned line)
{
	assert_true(i < rec->n);
	assert_string_equal(rec->entries[i].net, net);
	assert_true(rec->entries[i].exclude);
	assert_int_equal(rec->entries[i].line, line);
}

static void assert_net(unsigned i, const char *net)
{
	assert_true(i < rec->n);
	assert_string_equal(rec->entries[i].net, net);
}

static void assert_bad(unsigned i, unsigned line, const char *why)
{
	assert_true(i < rec->nbad);
	assert_int_equal(rec->bad[i].line, line);
	assert_string_equal(rec->bad[i].why, why);
}

#pragma GCC diagnostic pop

#endif
