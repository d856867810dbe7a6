/* SPDX-License-Identifier: BSD-2-Clause */
/* xfr_conf.h — zone transfer settings in dnsbld.conf: which zones may be transferred, to whom, with which TSIG
 * key, and whom to NOTIFY (issue 15). Read through conf's named sections:
 *
 *     key-file = /etc/dnsbld/keys.conf        top level: TSIG keys in BIND's format (tsig_keyfile.h), absolute path
 *
 *     [key "transfer.rbl.example"]
 *     algorithm = hmac-sha256                 hmac-sha256, hmac-sha512 or hmac-sha1
 *     secret = base64==                        16..256 bytes of key
 *
 *     [zone "rbl.example"]
 *     allow-transfer = 192.0.2.0/24, 2001:db8::/32    repeatable; a list of addresses or CIDRs
 *     tsig-key = transfer.rbl.example                  a key above or in key-file
 *     notify = 192.0.2.53, [2001:db8::53]:5300         repeatable; numeric addresses, port 53 unless given
 *     journal-max = 100M                               bytes of IXFR journal kept for the zone (64K..64G; K, M,
 *                                                      G); the oldest changes go first (xfr_journal.h)
 *
 * A zone section needs allow-transfer and tsig-key: issue 15 serves a transfer only to an allowed address with a
 * valid TSIG, so a section without either could never be used and is refused as a mistake. A key section needs
 * algorithm and secret. A zone or key named twice, a tsig-key naming no key, a bad CIDR, address, algorithm or
 * secret are errors naming FILE:LINE and the value (a secret by its first characters only).
 *
 * Plain data with fixed capacities, no pointers: a configuration can be copied whole (dnsbld keeps the running one
 * and a re-read one). Reading it allocates nothing that outlives a call and logs nothing.
 */
#ifndef RBL_XFR_CONF_H
#define RBL_XFR_CONF_H

#include "base/addr.h"
#include "conf/conf.h"
#include "xfr/tsig_key.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#define XFR_ZONES_MAX 256
#define XFR_ALLOW_MAX 32  /* allow-transfer networks per zone */
#define XFR_NOTIFY_MAX 16 /* notify addresses per zone */
#define XFR_NOTIFY_PORT 53
#define XFR_CONF_KINDS 2
#define XFR_JOURNAL_MAX_DEFAULT (100ull << 20) /* Knot's journal-max-usage default */
#define XFR_JOURNAL_MAX_MIN (64ull << 10)
#define XFR_JOURNAL_MAX_LIMIT (64ull << 30) /* the section kinds xfr_conf_kinds fills: key, zone */

typedef struct xfr_notify {
	addr_t addr;
	uint16_t port;
} xfr_notify_t;

typedef struct xfr_zone {
	char name[DNAME_TEXTMAX]; /* lowercase, no final dot */
	unsigned line;            /* of its [zone "NAME"] header */
	cidr_t allow[XFR_ALLOW_MAX];
	unsigned allow_count;
	char key_name[DNAME_TEXTMAX]; /* tsig-key, normalised */
	unsigned key_line;
	int key; /* index into xfr_conf_t.keys once xfr_conf_check passed; -1 before */
	xfr_notify_t notify[XFR_NOTIFY_MAX];
	unsigned notify_count;
	uint64_t journal_max; /* bytes */
} xfr_zone_t;

typedef struct xfr_conf {
	xfr_zone_t zones[XFR_ZONES_MAX];
	unsigned zone_count;
	tsig_keytab_t keys;                      /* from [key] sections and key-file, in file order */
	char key_file[PATH_MAX];                 /* "" when none */
	unsigned key_file_first, key_file_count; /* its keys in keys (key-file is read once, at its line) */
	/* the [key "NAME"] section being read */
	tsig_key_t pending;
	unsigned pending_algorithm_line, pending_secret_line;
} xfr_conf_t;

/* Empties xfr. */
void xfr_conf_init(xfr_conf_t *xfr);

/* Fills kinds[XFR_CONF_KINDS] with the [key "NAME"] and [zone "NAME"] sections, their target xfr, for a
 * conf_table_t. */
void xfr_conf_kinds(xfr_conf_t *xfr, conf_section_kind_t kinds[XFR_CONF_KINDS]);

/* The setter of the top-level key-file key: reads the file's keys into xfr now (a missing or bad file is an error
 * naming that file's line). Not repeatable. */
int xfr_conf_set_key_file(xfr_conf_t *xfr, const char *value, char *why, size_t why_size);

/* After the whole file was read (keys may follow the zones that name them): every tsig-key names a key. Sets each
 * zone's key index. RBL_OK, or RBL_EINVAL with err filled "PATH:LINE: tsig-key = 'NAME': ...". */
int xfr_conf_check(xfr_conf_t *xfr, const char *path, conf_error_t *err);

/* The zone of that name (any case, a final dot allowed), or NULL. */
const xfr_zone_t *xfr_conf_zone(const xfr_conf_t *xfr, const char *name);

/* The key of a checked zone. */
const tsig_key_t *xfr_zone_key(const xfr_conf_t *xfr, const xfr_zone_t *zone);

/* Reads the [zone] and [key] sections of the dnsbld.conf at path for a program that needs the zones only (rbltool:
 * which zones keep a journal, journal-max): the other keys and key-file are left alone (the key file may be
 * readable by dnsbld only), tsig-key is not checked against the keys. conf_read_table's returns and err. */
int xfr_conf_read_zones(const char *path, xfr_conf_t *xfr, conf_error_t *err);

/* Writes the sections as dnsbld.conf would say them, secrets left out (a comment gives their length), for
 * dnsbld --check-config. key-file is a top-level key: the caller prints it with the others. */
void xfr_conf_print(const xfr_conf_t *xfr, FILE *out);

#endif
