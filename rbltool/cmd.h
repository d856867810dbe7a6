/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd.h — rbltool's subcommand families, one file each. */
#ifndef RBLTOOL_CMD_H
#define RBLTOOL_CMD_H

#include "cli.h"

int cmd_zone(cli_t *cli, int argc, char **argv);    /* cmd_zone.c */
int cmd_add(cli_t *cli, int argc, char **argv);     /* cmd_listing.c */
int cmd_exclude(cli_t *cli, int argc, char **argv);
int cmd_del(cli_t *cli, int argc, char **argv);
int cmd_list(cli_t *cli, int argc, char **argv);
int cmd_show(cli_t *cli, int argc, char **argv);
int cmd_expire(cli_t *cli, int argc, char **argv);
int cmd_stats(cli_t *cli, int argc, char **argv);   /* cmd_stats.c */
int cmd_web(cli_t *cli, int argc, char **argv);     /* cmd_web.c */
int cmd_query(cli_t *cli, int argc, char **argv);   /* cmd_query.c */
int cmd_export(cli_t *cli, int argc, char **argv);  /* cmd_export.c */
int cmd_import(cli_t *cli, int argc, char **argv);  /* cmd_import.c */
int cmd_report(cli_t *cli, int argc, char **argv);  /* cmd_report.c */
int cmd_optout(cli_t *cli, int argc, char **argv);
int cmd_probe(cli_t *cli, int argc, char **argv);   /* cmd_probe.c */
int cmd_retest(cli_t *cli, int argc, char **argv);
int cmd_check(cli_t *cli, int argc, char **argv);   /* cmd_check.c */
int cmd_rdns(cli_t *cli, int argc, char **argv);    /* cmd_rdns.c */
int cmd_init(cli_t *cli, int argc, char **argv);    /* cmd_store.c */
int cmd_verify(cli_t *cli, int argc, char **argv);
int cmd_backup(cli_t *cli, int argc, char **argv);

#endif
