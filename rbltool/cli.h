/* SPDX-License-Identifier: BSD-2-Clause */
/* cli.h — what every rbltool subcommand shares: exit codes, error messages that name the bad value, option
 * parsing helpers, and opening the store.
 *
 * Contract with the user: bad input of any kind gets one line on stderr naming the value, exit status 2, and
 * nothing written (every check runs before the write transaction begins).
 */
#ifndef RBLTOOL_CLI_H
#define RBLTOOL_CLI_H

#include "base/addr.h"
#include "store/store.h"

#include <stdbool.h>

enum cli_exit { CLI_OK = 0, CLI_FAILED = 1, CLI_BAD_INPUT = 2 };

typedef struct cli {
	const char *db_dir;
	store_t *store;
} cli_t;

/* A subcommand: argv[0] is its name. Returns an exit status. */
typedef int (*cli_command_fn)(cli_t *cli, int argc, char **argv);

/* Prints "rbltool: <message>" to stderr and returns CLI_BAD_INPUT. */
int cli_bad_input(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "rbltool: <message>" to stderr and returns CLI_FAILED. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Opens the store: for writing (created if missing) or for reading (it must exist). */
int cli_open(cli_t *cli, bool write);

/* Runs fn inside one write transaction (opening the store for writing): commits when fn returns CLI_OK, aborts
 * and returns fn's status otherwise. fn prints its own message on failure. */
int cli_in_write_txn(cli_t *cli, int (*fn)(store_wtxn_t *w, void *ctx), void *ctx);

/* Parses ADDR[/LEN]; on failure prints the message naming text and returns CLI_BAD_INPUT. */
int cli_parse_cidr(const char *text, cidr_t *out);
/* Parses a zone name and checks the zone exists (reading it into def); CLI_BAD_INPUT if it does not. */
int cli_zone_exists(cli_t *cli, const char *text, zone_def_t *def);
/* Parses a code in 127.0.0.0/8. */
int cli_parse_code(const char *opt, const char *text, uint32_t *code);

/* Checks the positional argument count after option parsing: CLI_BAD_INPUT with the usage line otherwise. */
int cli_expect_args(int argc, char **argv, int first, int want, const char *usage);
/* For getopt's '?' (unknown option, or an option missing its value): one line naming it, CLI_BAD_INPUT. */
int cli_bad_option(char **argv, const char *usage);

#endif
