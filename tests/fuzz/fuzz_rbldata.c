/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_rbldata.c — the rbldnsd data-file reader (rbldata_read), every dataset type, plain or gzip, file or pipe.
 *
 * The first byte chooses: its low 7 bits modulo 6 the dataset type ('0' ip4set, '1' ip4tset, '2' ip4trie,
 * '3' ip6trie, '4' ip6tset, '5' combined), its top bit a pipe instead of a regular file (a regular file is read
 * twice, a pipe once: rbldata.h). The rest is the file. Every callback checks what rbldata.h promises about its
 * arguments (a template without control characters included).
 */
#include "fuzz_common.h"

#include "base/err.h"
#include "base/text.h"
#include "formats/rbldata.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define PIPE_MAX 65536 /* the default pipe capacity: a shorter input is written whole before the read starts */

static struct fuzz_file file;

static int on_entry(void *ctx, const rbldata_entry_t *e)
{
	(void)ctx;
	fuzz_check_cidr(&e->net);
	FUZZ_CHECK(e->line >= 1);
	FUZZ_CHECK(e->widest_len <= e->net.len); /* the widest CIDR of its line */
	if (e->exclude)
		return 0;
	FUZZ_CHECK(e->code >> 24 == 127);
	if (e->has_txt) {
		FUZZ_CHECK(e->txt != NULL);
		FUZZ_CHECK(strlen(e->txt) < RBLDATA_TXT_MAX);
		FUZZ_CHECK(text_has_control(e->txt, strlen(e->txt)) == NULL);
	}
	return 0;
}

static int on_soa(void *ctx, const rbldata_soa_t *soa)
{
	(void)ctx;
	FUZZ_CHECK(memchr(soa->mname, '\0', sizeof soa->mname) != NULL);
	FUZZ_CHECK(memchr(soa->rname, '\0', sizeof soa->rname) != NULL);
	return 0;
}

static int on_ns(void *ctx, uint32_t ttl, const char *const *names, unsigned count)
{
	(void)ctx;
	(void)ttl;
	FUZZ_CHECK(count >= 1 && count <= RBLDATA_MAX_NS);
	for (unsigned i = 0; i < count; i++)
		FUZZ_CHECK(names[i] != NULL && strlen(names[i]) < 256);
	return 0;
}

static int on_ttl(void *ctx, uint32_t ttl)
{
	(void)ctx;
	(void)ttl;
	return 0;
}

static int on_section(void *ctx, const rbldata_section_t *s)
{
	(void)ctx;
	FUZZ_CHECK((unsigned)s->type < RBLDATA_COMBINED); /* a section of another type is a bad line */
	FUZZ_CHECK(s->name != NULL);
	FUZZ_CHECK(s->subzone_count >= 1 && s->subzone_count <= RBLDATA_MAX_SUBZONES);
	for (unsigned i = 0; i < s->subzone_count; i++)
		FUZZ_CHECK(s->subzones[i] != NULL);
	return 0;
}

static int on_bad_line(void *ctx, const char *path, unsigned line, const char *text, const char *why)
{
	(void)ctx;
	FUZZ_CHECK(path != NULL && text != NULL && why != NULL && *why != '\0');
	FUZZ_CHECK(line >= 1);
	return 0; /* --skip-bad: go on */
}

static const rbldata_sink_t sink = {
        .entry = on_entry,
        .soa = on_soa,
        .ns = on_ns,
        .ttl = on_ttl,
        .section = on_section,
        .bad_line = on_bad_line,
};

/* The pipe's write end stays open until the reader has taken every byte (or has given up), then closes: the reader
 * sees the end of the file only then, and must already have opened the read end (opening a pipe with no writer
 * left would block). */
struct pipe_writer {
	int fd;
	atomic_bool reader_done;
};

static void *pipe_closer(void *arg)
{
	struct pipe_writer *pw = arg;
	int queued;
	while (!atomic_load(&pw->reader_done) && ioctl(pw->fd, FIONREAD, &queued) == 0 && queued > 0)
		nanosleep(&(struct timespec){0, 20000}, NULL);
	close(pw->fd);
	return NULL;
}

static void read_pipe(const uint8_t *data, size_t size, enum rbldata_dataset type)
{
	int fds[2];
	if (pipe(fds) != 0)
		abort();
	for (size_t done = 0; done < size;) {
		ssize_t n = write(fds[1], data + done, size - done);
		if (n <= 0)
			abort();
		done += (size_t)n;
	}
	struct pipe_writer pw = {.fd = fds[1]};
	atomic_init(&pw.reader_done, false);
	pthread_t closer;
	if (pthread_create(&closer, NULL, pipe_closer, &pw) != 0)
		abort();
	char path[32];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fds[0]);
	int rc = rbldata_read(path, type, &sink, NULL);
	FUZZ_CHECK(rc == RBL_OK || rc == RBL_EIO);
	atomic_store(&pw.reader_done, true);
	pthread_join(closer, NULL);
	close(fds[0]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_file_init(&file, "fuzz_rbldata");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	enum rbldata_dataset type = (enum rbldata_dataset)((data[0] & 0x7f) % 6);
	bool pipe_mode = data[0] & 0x80;
	data++, size--;
	/* An empty pipe would be closed before the reader opens it; an empty file is read as a file. */
	if (pipe_mode && size > 0 && size < PIPE_MAX) {
		read_pipe(data, size, type);
		return 0;
	}
	fuzz_file_set(&file, data, size);
	int rc = rbldata_read(file.path, type, &sink, NULL);
	FUZZ_CHECK(rc == RBL_OK || rc == RBL_EIO); /* EIO: a corrupt gzip stream */
	return 0;
}
