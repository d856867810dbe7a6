/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_report.c — the ARF and mbox report readers (report_read_arf, report_read_mbox) and the MIME walker under
 * them: every input is read by both, the mbox reader with a few trusted networks.
 *
 * Reports must hold what report.h promises: an address, NUL-terminated text fields within their arrays, a 1-based
 * message number; bad messages come with a reason; the reads end in 0 or RBL_EIO.
 */
#include "fuzz_common.h"

#include "base/err.h"
#include "relay/report.h"

#include <stdlib.h>
#include <string.h>

static struct fuzz_file file;
static cidr_t trusted[4];

#define TERMINATED(field) (memchr((field), '\0', sizeof(field)) != NULL)

static int on_report(void *ctx, const report_t *r)
{
	(void)ctx;
	FUZZ_CHECK(r->addr.family == ADDR_V4 || r->addr.family == ADDR_V6);
	FUZZ_CHECK(TERMINATED(r->feedback_type));
	FUZZ_CHECK(TERMINATED(r->reported_domain));
	FUZZ_CHECK(TERMINATED(r->mail_from));
	FUZZ_CHECK(TERMINATED(r->source));
	FUZZ_CHECK(r->message >= 1);
	return 0;
}

static void on_bad_message(void *ctx, const char *path, unsigned message, const char *why)
{
	(void)ctx;
	FUZZ_CHECK(path != NULL && why != NULL && *why != '\0');
	FUZZ_CHECK(message >= 1);
}

static const report_sink_t sink = {.report = on_report, .bad_message = on_bad_message};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_file_init(&file, "fuzz_report");
	static const char *const nets[] = {"127.0.0.0/8", "10.0.0.0/8", "192.168.0.0/16", "::1/128"};
	for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++)
		if (cidr_parse(nets[i], &trusted[i]) != RBL_OK)
			abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_file_set(&file, data, size);
	int rc = report_read_arf(file.path, &sink, NULL);
	FUZZ_CHECK(rc == RBL_OK || rc == RBL_EIO);
	rc = report_read_mbox(file.path, trusted, sizeof trusted / sizeof trusted[0], &sink, NULL);
	FUZZ_CHECK(rc == RBL_OK || rc == RBL_EIO);
	return 0;
}
