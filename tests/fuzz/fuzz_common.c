/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_common.c — the harnesses' shared check and in-memory file (fuzz_common.h). */
#include "fuzz_common.h"

#include <sanitizer/common_interface_defs.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

void fuzz_fail(const char *file, int line, const char *what)
{
	char message[512];
	snprintf(message, sizeof message, "%s:%d: check failed: %s", file, line, what);
	/* Through the sanitizers' report channel, which libFuzzer keeps open when -close_fd_mask=2 closes stderr. */
	__sanitizer_report_error_summary(message);
	abort();
}

void fuzz_check_cidr(const cidr_t *c)
{
	FUZZ_CHECK(c->addr.family == ADDR_V4 || c->addr.family == ADDR_V6);
	FUZZ_CHECK(c->len <= addr_maxlen(c->addr.family));
	addr_t first;
	cidr_first(c, &first);
	FUZZ_CHECK(addr_cmp(&first, &c->addr) == 0);
	for (size_t i = addr_bytes(c->addr.family); i < sizeof c->addr.b; i++)
		FUZZ_CHECK(c->addr.b[i] == 0);
}

void fuzz_file_init(struct fuzz_file *f, const char *name)
{
	f->fd = memfd_create(name, MFD_CLOEXEC);
	if (f->fd < 0) {
		perror("memfd_create");
		abort();
	}
	snprintf(f->path, sizeof f->path, "/proc/self/fd/%d", f->fd);
}

void fuzz_file_set(struct fuzz_file *f, const uint8_t *data, size_t size)
{
	if (ftruncate(f->fd, 0) != 0)
		fuzz_fail(__FILE__, __LINE__, "ftruncate");
	for (size_t done = 0; done < size;) {
		ssize_t n = pwrite(f->fd, data + done, size - done, (off_t)done);
		if (n <= 0)
			fuzz_fail(__FILE__, __LINE__, "pwrite");
		done += (size_t)n;
	}
}
