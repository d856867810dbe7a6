/* SPDX-License-Identifier: BSD-2-Clause */
/* tsig_keyfile.h — TSIG keys from a file in BIND's format, the one tsig-keygen, knotc and many scripts write:
 *
 *     key "transfer.rbl.example" {
 *             algorithm hmac-sha256;
 *             secret "base64==";
 *     };
 *
 * Any number of key statements; comments '#' and '//' to the end of the line and C-style; names quoted or bare.
 * Nothing else is read: another statement (options, zone, ...) is an error, not skipped, so that a file meant for
 * something else is not half-read. Keys are checked as tsig_key_make does and added to a key table.
 *
 * Reads at most TSIG_KEYFILE_MAX bytes; allocates nothing that outlives the call; logs nothing. Every error is one
 * line "FILE:LINE: ..." naming the bad value (a secret by its first 4 characters and its length only: a near-miss of
 * a real secret must not land in a log); on error the table is as it was before the call. Called by xfr_conf for
 * dnsbld.conf's key-file, at start and on every reload.
 */
#ifndef RBL_TSIG_KEYFILE_H
#define RBL_TSIG_KEYFILE_H

#include "xfr/tsig_key.h"

#include <stddef.h>

#define TSIG_KEYFILE_MAX 65536 /* bytes: a file of TSIG_KEYS_MAX keys and their comments fits many times over */

/* Reads path and adds its keys to keys. RBL_OK; RBL_ENOENT (no such file) or RBL_EIO (unreadable, or longer than
 * TSIG_KEYFILE_MAX); RBL_EINVAL, RBL_ERANGE, RBL_EEXIST or RBL_EFULL for a bad statement or key. */
int tsig_keyfile_read(const char *path, tsig_keytab_t *keys, char *err, size_t err_size);

/* The same on text of len bytes (a NUL byte in it is an error), path naming it in errors. */
int tsig_keyfile_parse(const char *path, const char *text, size_t len, tsig_keytab_t *keys, char *err, size_t err_size);

#endif
