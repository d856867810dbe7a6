/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_listfile.c — the plain and CSV list readers (listfile_read): every input is read as both formats.
 *
 * Rows must hold what listfile.h promises: a well-formed CIDR, at most ENTRY_MAX_CODES codes inside 127.0.0.0/8,
 * reason and source that fit an entry and hold no control character, an expiry of never or after now; the read
 * itself ends in 0 or RBL_EIO (a bad gzip stream), or RBL_EINVAL for a CSV header it cannot use (which stops the
 * read whatever the sink says).
 */
#include "fuzz_common.h"

#include "base/err.h"
#include "base/text.h"
#include "formats/listfile.h"

#include <string.h>

#define NOW 1700000000 /* 2023-11-14: anchors relative expiries */

static struct fuzz_file file;

static int on_row(void *ctx, const listfile_row_t *row)
{
	(void)ctx;
	fuzz_check_cidr(&row->net);
	FUZZ_CHECK(row->ncodes <= ENTRY_MAX_CODES);
	for (unsigned i = 0; i < row->ncodes; i++)
		FUZZ_CHECK(row->codes[i] >> 24 == 127);
	FUZZ_CHECK(row->reason != NULL && strlen(row->reason) < ENTRY_TEXT_MAX);
	FUZZ_CHECK(row->source != NULL && strlen(row->source) < ENTRY_SOURCE_MAX);
	FUZZ_CHECK(text_has_control(row->reason, strlen(row->reason)) == NULL);
	FUZZ_CHECK(text_has_control(row->source, strlen(row->source)) == NULL);
	FUZZ_CHECK(row->expires == 0 || row->expires > NOW);
	FUZZ_CHECK(row->line >= 1);
	return 0;
}

static int on_bad_line(void *ctx, const char *path, unsigned line, const char *text, const char *why)
{
	(void)ctx;
	FUZZ_CHECK(path != NULL && text != NULL && why != NULL && *why != '\0');
	FUZZ_CHECK(line >= 1);
	return 0; /* skip it and go on */
}

static const listfile_sink_t sink = {.row = on_row, .bad_line = on_bad_line};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_file_init(&file, "fuzz_listfile");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_file_set(&file, data, size);
	int rc = listfile_read(file.path, LISTFILE_PLAIN, NOW, &sink, NULL);
	FUZZ_CHECK(rc == RBL_OK || rc == RBL_EIO);
	rc = listfile_read(file.path, LISTFILE_CSV, NOW, &sink, NULL);
	FUZZ_CHECK(rc == RBL_OK || rc == RBL_EIO || rc == RBL_EINVAL);
	return 0;
}
