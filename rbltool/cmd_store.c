/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_store.c — rbltool init, verify and backup: making an empty store, its health and its copies (the work is
 * store_open's, store_verify.h's and store_backup's). */
#include "cmd.h"

#include "base/err.h"
#include "store/store_verify.h"

#include <stdio.h>

#define INIT_USAGE "rbltool init"
#define VERIFY_USAGE "rbltool verify"
#define BACKUP_USAGE "rbltool backup DIR"

/* A store and nothing else, for a package's postinst: dnsbld refuses a directory without one. Idempotent: a store
 * already there is left as it is (and still opened, so a damaged or newer one is reported, exit 1). */
int cmd_init(cli_t *cli, int argc, char **argv)
{
	int rc;
	if ((rc = cli_expect_args(argc, argv, 1, 0, INIT_USAGE)) || (rc = cli_open(cli, true)))
		return rc; /* cli_open says "created a new store in DIR" when it made one */
	if (!store_created(cli->store))
		fprintf(stderr, "rbltool: a store is already in %s: nothing changed\n", cli->db_dir);
	return CLI_OK;
}

static void print_problem(void *ctx, const char *what)
{
	(void)ctx;
	fprintf(stderr, "rbltool: store damaged: %s\n", what);
}

int cmd_verify(cli_t *cli, int argc, char **argv)
{
	int rc;
	if ((rc = cli_expect_args(argc, argv, 1, 0, VERIFY_USAGE)) || (rc = cli_check_db(cli)))
		return rc;
	store_verify_sink_t sink = {print_problem, NULL, NULL};
	store_verify_stats_t stats;
	int err = store_verify_dir(cli->db_dir, &sink, &stats);
	if (err == RBL_ENOENT)
		return cli_fail("no store in %s", cli->db_dir);
	if (err == RBL_EDAMAGED) {
		if (stats.problems > STORE_VERIFY_REPORTED)
			fprintf(stderr, "rbltool: ... %u more problem(s) not shown\n",
			        stats.problems - STORE_VERIFY_REPORTED);
		return cli_fail("store %s: %u problem(s): the store is damaged (see README: recovery)", cli->db_dir,
		                stats.problems);
	}
	if (err)
		return cli_fail("cannot verify the store %s: %s", cli->db_dir, rbl_strerror(err));
	printf("store %s is sound: %u tables, %llu records, %u zones\n", cli->db_dir, stats.tables,
	       (unsigned long long)stats.records, stats.zones);
	return CLI_OK;
}

int cmd_backup(cli_t *cli, int argc, char **argv)
{
	int rc;
	if ((rc = cli_expect_args(argc, argv, 1, 1, BACKUP_USAGE)))
		return rc;
	const char *dest = argv[1];
	if (!*dest)
		return cli_bad_input("backup: the directory is empty (usage: %s)", BACKUP_USAGE);
	if ((rc = cli_open(cli, false)))
		return rc;
	uint64_t bytes;
	int err = store_backup(cli->store, dest, &bytes);
	if (err == RBL_EEXIST)
		return cli_bad_input("backup: %s exists and is not an empty directory (a backup goes into a new one)",
		                     dest);
	if (err)
		return cli_fail("backup into %s failed: %s (nothing was left there)", dest, rbl_strerror(err));
	printf("store %s backed up into %s (%llu bytes, compacted)\n", cli->db_dir, dest, (unsigned long long)bytes);
	return CLI_OK;
}
