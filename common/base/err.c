/* SPDX-License-Identifier: BSD-2-Clause */
/* err.c — descriptions of rbl_err codes. */
#include "base/err.h"

const char *rbl_strerror(int err)
{
	switch (err) {
	case RBL_OK: return "success";
	case RBL_EINVAL: return "invalid value";
	case RBL_ERANGE: return "value out of range";
	case RBL_EHOSTBITS: return "host bits set below the prefix length";
	case RBL_ENOENT: return "not found";
	case RBL_EEXIST: return "already exists";
	case RBL_ENOMEM: return "out of memory";
	case RBL_ESPACE: return "buffer too small";
	case RBL_ESTORE: return "store (LMDB) error";
	case RBL_EVERSION: return "store format is newer than this program";
	case RBL_EIO: return "I/O error";
	case RBL_EFULL: return "capacity exhausted";
	case RBL_EBUSY: return "in use by another transaction";
	case RBL_ENOSPC: return "no space left on device";
	case RBL_EDAMAGED: return "store damaged";
	}
	return "unknown error";
}
