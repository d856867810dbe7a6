/* SPDX-License-Identifier: BSD-2-Clause */
/* cli.h — what every rbltool subcommand shares: exit codes, error messages that name the bad value, option
 * parsing helpers, and opening the store.
 *
 * Contract with the user: bad input of any kind gets one line on stderr naming the value, exit status 2, and
 * nothing written (every check runs before the write transaction begins). Free text typed by the user (reasons,
 * sources, templates) may hold no control character (base/text.h); text printed from the store or from reports has
 * its control characters escaped, so that nothing read back can move the cursor or recolour the terminal. A failed
 * write to standard output is exit status 1 with one message, "cannot write the output: ...", printed by main.
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
	/* dnsbld's configuration (--config, else the packaged one if it is there; NULL: none): the store's default
	 * directory (its db) and the zones that keep an IXFR journal (its [zone] sections), read when the store is
	 * opened for writing. */
	const char *config;
	struct xfr_conf *xfr;
} cli_t;

/* A subcommand: argv[0] is its name. Returns an exit status. */
typedef int (*cli_command_fn)(cli_t *cli, int argc, char **argv);

/* Prints "rbltool: <message>" to stderr and returns CLI_BAD_INPUT. */
int cli_bad_input(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "rbltool: <message>" to stderr and returns CLI_FAILED. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The store when --db is not given, into buf: $DNSBL_DB, else "db" of config (dnsbld.conf; NULL: none) when it has
 * one (so that rbltool and the service agree), else the per-user default. CLI_OK, or CLI_BAD_INPUT after one line
 * naming the file and line that could not be read. */
int cli_default_db(const char *config, char *buf, size_t cap);
/* Closes the store and forgets the configuration read with it. */
void cli_close(cli_t *cli);

/* Opens the store: for writing (created if missing, saying so on stderr) or for reading (it must exist: "no store in
 * DIR", CLI_FAILED, nothing created). An empty directory name is CLI_BAD_INPUT. For writing, the zones of the
 * configuration's [zone] sections get an IXFR journal (xfr_journal.h): a configuration that does not read is
 * CLI_BAD_INPUT, naming its file and line. */
int cli_open(cli_t *cli, bool write);
/* CLI_BAD_INPUT when the store directory is empty (--db '' or DNSBL_DB=''), for commands that do not cli_open. */
int cli_check_db(const cli_t *cli);

/* Runs fn inside one write transaction (opening the store for writing): commits when fn returns CLI_OK, aborts
 * and returns fn's status otherwise. fn prints its own message on failure. */
int cli_in_write_txn(cli_t *cli, int (*fn)(store_wtxn_t *w, void *ctx), void *ctx);

/* Parses ADDR[/LEN]; on failure prints the message naming text and returns CLI_BAD_INPUT. */
int cli_parse_cidr(const char *text, cidr_t *out);
/* The widest listing add and import take without --allow-wide: /8 for IPv4, /16 for IPv6. A typo such as
 * "0.0.0.0/0", or an rbldnsd range "0.0.0.0-255.255.255.255", would list the whole Internet. */
#define CLI_WIDEST_V4 8
#define CLI_WIDEST_V6 16
/* The shortest prefix length a listing of that family may have without --allow-wide. */
unsigned cli_widest(enum addr_family family);
/* Parses a zone name and checks the zone exists (reading it into def); CLI_BAD_INPUT if it does not. */
int cli_zone_exists(cli_t *cli, const char *text, zone_def_t *def);
/* Parses a code in 127.0.0.0/8. */
int cli_parse_code(const char *opt, const char *text, uint32_t *code);

/* For a command whose only option is --json: parses it wherever it stands (*json = given), leaving the operands
 * from optind on; any other option is CLI_BAD_INPUT naming it. */
int cli_parse_json_flag(int argc, char **argv, const char *usage, bool *json);

/* An entry's codes as the text output shows them: "127.0.0.2,127.0.0.3" (the zone's default_code when it names
 * none), or "excluded". */
void cli_codes_text(const entry_t *e, uint32_t default_code, char *buf, size_t cap);

/* Checks the positional argument count after option parsing: CLI_BAD_INPUT with the usage line otherwise. */
int cli_expect_args(int argc, char **argv, int first, int want, const char *usage);
/* For getopt's '?' (unknown option, or an option missing its value): one line naming it, CLI_BAD_INPUT. */
int cli_bad_option(char **argv, const char *usage);

/* CLI_BAD_INPUT, naming opt, the byte and the (escaped) value, if text holds a control character; else CLI_OK. */
int cli_check_text(const char *opt, const char *text);
/* text with its control characters escaped as "\xNN", in buf (cap bytes; TEXT_ESCAPED_SIZE(strlen) holds it whole,
 * a smaller buf holds its start); returns buf, for printf. */
const char *cli_escaped(const char *text, char *buf, size_t cap);
/* Prints len bytes of text to stdout, control characters escaped. */
void cli_print_escaped(const char *text, size_t len);

/* True once a write to stdout has failed (the first failure's errno is kept for the message): loops that print
 * check it and stop. */
bool cli_output_failed(void);
/* Flushes and closes stdout, once, after the command. If any write to it failed: prints "cannot write the output:
 * <why>" and returns CLI_FAILED, or rc if the command had failed already. Otherwise returns rc. */
int cli_close_output(int rc);

#endif
