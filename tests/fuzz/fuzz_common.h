/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_common.h — what the harnesses share: the libFuzzer entry points, a check that aborts, and an in-memory file
 * for the readers that take a path. */
#ifndef RBL_FUZZ_COMMON_H
#define RBL_FUZZ_COMMON_H

#include "base/addr.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken contract: says which and aborts, so that libFuzzer saves the input as a crash. */
#define FUZZ_CHECK(cond)                                                                                               \
	do {                                                                                                           \
		if (!(cond))                                                                                           \
			fuzz_fail(__FILE__, __LINE__, #cond);                                                          \
	} while (0)
void fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

/* What addr.h promises of every cidr_t a parser hands out: a family, a length within it, no host bits, zeros past
 * the family's bytes. */
void fuzz_check_cidr(const cidr_t *c);

/* A memfd named by a path ("/proc/self/fd/N") that the readers open as a regular file, so that no input touches
 * the disk. fuzz_file_set replaces its content; every open of the path starts at offset 0. Aborts on failure. */
struct fuzz_file {
	int fd;
	char path[32];
};
void fuzz_file_init(struct fuzz_file *f, const char *name);
void fuzz_file_set(struct fuzz_file *f, const uint8_t *data, size_t size);

#endif
