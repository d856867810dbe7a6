/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_zone_journal.h — a zone's IXFR journal for rbltool's zone commands (cmd_zone_journal.c). */
#ifndef RBLTOOL_CMD_ZONE_JOURNAL_H
#define RBLTOOL_CMD_ZONE_JOURNAL_H

#include "cli.h"

#include <jansson.h>

/* `zone show`: a "journal" line with its serials, changes and bytes, when the zone has one. */
int zone_journal_print(cli_t *cli, const zone_def_t *def);
/* `zone show --json`: doc's "journal": {from, to, changes, bytes}, or null. */
int zone_journal_json(cli_t *cli, const zone_def_t *def, json_t *doc);
/* `zone diff ZONE --from SERIAL`: argv[0] is "diff". */
int zone_diff(cli_t *cli, int argc, char **argv);

#endif
