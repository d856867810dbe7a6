/* SPDX-License-Identifier: BSD-2-Clause */
/* err.h — the one error vocabulary of the project.
 *
 * Every non-void function in common/ returns 0 (RBL_OK) on success or one of the negative codes below. Foreign codes
 * (LMDB, libuv, errno) are translated at the boundary where they arise; callers never see them.
 */
#ifndef RBL_ERR_H
#define RBL_ERR_H

enum rbl_err {
	RBL_OK = 0,
	RBL_EINVAL = -1,   /* malformed input: address, CIDR, name, duration, file line */
	RBL_ERANGE = -2,   /* well-formed but out of range: /33, code outside 127/8, label > 63 */
	RBL_EHOSTBITS = -3, /* CIDR with bits set below its prefix length */
	RBL_ENOENT = -4,   /* no such zone / entry */
	RBL_EEXIST = -5,   /* zone already exists */
	RBL_ENOMEM = -6,
	RBL_ESPACE = -7,   /* output buffer too small */
	RBL_ESTORE = -8,   /* LMDB failure (details logged where it happened) */
	RBL_EVERSION = -9, /* store written by a newer format */
	RBL_EIO = -10,     /* file or socket I/O */
	RBL_EFULL = -11,   /* a fixed capacity is exhausted (codes per entry, NS per zone) */
	RBL_EBUSY = -12,   /* held by another transaction of this process */
	RBL_ENOSPC = -13,  /* no space left on the device holding a file (the store, an export, a backup) */
	RBL_EDAMAGED = -14, /* the store's files are damaged: short, unreadable pages, records that do not decode */
};

/* A short English description of an rbl_err code; never NULL. */
const char *rbl_strerror(int err);

#endif
