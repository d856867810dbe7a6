/* SPDX-License-Identifier: BSD-2-Clause */
/* privileges.h — what dnsbld gives up once its sockets are bound: root (to --user/--group, for good), and what it
 * needs of the system: enough file descriptors for its TCP slots. */
#ifndef DNSBLD_PRIVILEGES_H
#define DNSBLD_PRIVILEGES_H

#include <stdbool.h>
#include <stddef.h>

/* With user: becomes that user (group: the given one, else the user's own; supplementary groups: that one only) and
 * checks that root cannot be regained. Without: refuses to go on as root unless allow_root. 0, or -1 with the reason
 * in err (naming the user or group). */
int privileges_drop(const char *user, const char *group, bool allow_root, char *err, size_t err_size);

/* Raises the soft RLIMIT_NOFILE to needed (up to the hard limit). 0, or -1 with err saying what is needed and what
 * the limit is. */
int privileges_file_limit(unsigned long needed, char *err, size_t err_size);

#endif
