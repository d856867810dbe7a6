/* SPDX-License-Identifier: BSD-2-Clause */
/* xfr_conf.c — the [key "NAME"] and [zone "NAME"] sections of dnsbld.conf and key-file, checked (xfr_conf.h). */
#include "xfr/xfr_conf.h"

#include "base/err.h"
#include "base/hostport.h"
#include "xfr/tsig_keyfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int why_not(char *why, size_t why_size, int err, const char *text)
{
	snprintf(why, why_size, "%s", text);
	return err;
}

void xfr_conf_init(xfr_conf_t *xfr)
{
	memset(xfr, 0, sizeof *xfr);
}

/* [key "NAME"] */

static int key_open(void *target, const conf_place_t *at, char *why, size_t why_size)
{
	xfr_conf_t *xfr = target;
	memset(&xfr->pending, 0, sizeof xfr->pending);
	xfr->pending_algorithm_line = xfr->pending_secret_line = 0;
	if (dname_normalize(at->section, xfr->pending.name) != RBL_OK)
		return why_not(why, why_size, RBL_EINVAL,
		               "a key name must be a DNS name (letters, digits, '-', '_', '.')");
	if (tsig_keytab_find(&xfr->keys, xfr->pending.name)) {
		snprintf(why, why_size, "key '%s' is defined twice", xfr->pending.name);
		return RBL_EEXIST;
	}
	return RBL_OK;
}

static int key_algorithm(void *target, const conf_place_t *at, const char *value, char *why, size_t why_size)
{
	xfr_conf_t *xfr = target;
	xfr->pending_algorithm_line = at->line;
	return tsig_algorithm_parse(value, &xfr->pending.algorithm, why, why_size);
}

static int key_secret(void *target, const conf_place_t *at, const char *value, char *why, size_t why_size)
{
	xfr_conf_t *xfr = target;
	int err = tsig_secret_check(value, &xfr->pending.secret_len, why, why_size);
	if (err)
		return err;
	snprintf(xfr->pending.secret, sizeof xfr->pending.secret, "%s", value);
	xfr->pending_secret_line = at->line;
	return RBL_OK;
}

static int key_close(void *target, const conf_place_t *at, char *why, size_t why_size)
{
	(void)at;
	xfr_conf_t *xfr = target;
	if (!xfr->pending_algorithm_line || !xfr->pending_secret_line)
		return why_not(why, why_size, RBL_EINVAL,
		               !xfr->pending_algorithm_line ? "no algorithm (algorithm = hmac-sha256)" : "no secret");
	return tsig_keytab_add(&xfr->keys, &xfr->pending, why, why_size);
}

static const conf_section_key_t key_keys[] = {
        {"algorithm", false, false, key_algorithm},
        {"secret", false, true, key_secret},
};

/* [zone "NAME"] */

static xfr_zone_t *current_zone(xfr_conf_t *xfr)
{
	return &xfr->zones[xfr->zone_count - 1]; /* conf calls the setters only inside a section it opened */
}

static int zone_open(void *target, const conf_place_t *at, char *why, size_t why_size)
{
	xfr_conf_t *xfr = target;
	char name[DNAME_TEXTMAX];
	if (dname_normalize(at->section, name) != RBL_OK)
		return why_not(why, why_size, RBL_EINVAL,
		               "a zone name must be a DNS name (letters, digits, '-', '_', '.')");
	const xfr_zone_t *seen = xfr_conf_zone(xfr, name);
	if (seen) {
		snprintf(why, why_size, "zone '%s' is given twice (first on line %u)", name, seen->line);
		return RBL_EEXIST;
	}
	if (xfr->zone_count == XFR_ZONES_MAX) {
		snprintf(why, why_size, "at most %d zone sections", XFR_ZONES_MAX);
		return RBL_EFULL;
	}
	xfr_zone_t *zone = &xfr->zones[xfr->zone_count++];
	memset(zone, 0, sizeof *zone);
	memcpy(zone->name, name, sizeof name);
	zone->line = at->line;
	zone->key = -1;
	zone->journal_max = XFR_JOURNAL_MAX_DEFAULT;
	return RBL_OK;
}

static int zone_close(void *target, const conf_place_t *at, char *why, size_t why_size)
{
	(void)at;
	const xfr_zone_t *zone = current_zone(target);
	if (!zone->allow_count)
		return why_not(why, why_size, RBL_EINVAL,
		               "no allow-transfer: a transfer needs an allowed address and a TSIG key");
	if (!*zone->key_name)
		return why_not(why, why_size, RBL_EINVAL,
		               "no tsig-key: a transfer needs an allowed address and a TSIG key");
	return RBL_OK;
}

/* Calls take on each item of a list ("a, b c"): commas and blanks separate. The first error, naming its item. */
static int each_item(const char *value, int (*take)(xfr_zone_t *, const char *, char *, size_t), xfr_zone_t *zone,
                     char *why, size_t why_size)
{
	char list[CONF_LINE_MAX + 1], *save = NULL, *item;
	if (strlen(value) >= sizeof list)
		return why_not(why, why_size, RBL_EINVAL, "too long");
	memcpy(list, value, strlen(value) + 1);
	unsigned items = 0;
	for (item = strtok_r(list, ", \t", &save); item; item = strtok_r(NULL, ", \t", &save), items++) {
		char reason[160] = "";
		int err = take(zone, item, reason, sizeof reason);
		if (err) {
			snprintf(why, why_size, "'%s': %s", item, reason);
			return err;
		}
	}
	return items ? RBL_OK : why_not(why, why_size, RBL_EINVAL, "empty");
}

static int take_network(xfr_zone_t *zone, const char *item, char *why, size_t why_size)
{
	if (zone->allow_count == XFR_ALLOW_MAX) {
		snprintf(why, why_size, "at most %d networks", XFR_ALLOW_MAX);
		return RBL_EFULL;
	}
	int err = cidr_parse(item, &zone->allow[zone->allow_count]);
	if (err)
		return why_not(why, why_size, err,
		               err == RBL_EHOSTBITS ? "host bits set below the prefix length"
		                                    : "expected an address or a CIDR (192.0.2.0/24, 2001:db8::/32)");
	zone->allow_count++;
	return RBL_OK;
}

static int take_notify(xfr_zone_t *zone, const char *item, char *why, size_t why_size)
{
	if (zone->notify_count == XFR_NOTIFY_MAX) {
		snprintf(why, why_size, "at most %d addresses", XFR_NOTIFY_MAX);
		return RBL_EFULL;
	}
	char host[ADDR_STRLEN];
	xfr_notify_t *n = &zone->notify[zone->notify_count];
	if (hostport_split(item, XFR_NOTIFY_PORT, host, sizeof host, &n->port) != RBL_OK ||
	    addr_parse(host, &n->addr) != RBL_OK)
		return why_not(
		        why, why_size, RBL_EINVAL,
		        "expected ADDR, ADDR:PORT or [IPV6]:PORT with a numeric address (192.0.2.53, [::1]:5300)");
	zone->notify_count++;
	return RBL_OK;
}

static int zone_allow_transfer(void *target, const conf_place_t *at, const char *value, char *why, size_t why_size)
{
	(void)at;
	return each_item(value, take_network, current_zone(target), why, why_size);
}

static int zone_notify(void *target, const conf_place_t *at, const char *value, char *why, size_t why_size)
{
	(void)at;
	return each_item(value, take_notify, current_zone(target), why, why_size);
}

static int zone_tsig_key(void *target, const conf_place_t *at, const char *value, char *why, size_t why_size)
{
	xfr_zone_t *zone = current_zone(target);
	if (dname_normalize(value, zone->key_name) != RBL_OK)
		return why_not(why, why_size, RBL_EINVAL, "expected a key name (a DNS name)");
	zone->key_line = at->line;
	return RBL_OK; /* that the key exists is checked after the file: it may be defined below */
}

/* A size: bytes, or a number with K, M or G (powers of 1024). */
static int zone_journal_max(void *target, const conf_place_t *at, const char *value, char *why, size_t why_size)
{
	(void)at;
	char *end = NULL;
	errno = 0;
	unsigned long long n = value[0] >= '0' && value[0] <= '9' ? strtoull(value, &end, 10) : 0;
	unsigned shift = 0;
	if (end && (*end == 'K' || *end == 'k'))
		shift = 10, end++;
	else if (end && (*end == 'M' || *end == 'm'))
		shift = 20, end++;
	else if (end && (*end == 'G' || *end == 'g'))
		shift = 30, end++;
	if (!end || *end || errno || n > (XFR_JOURNAL_MAX_LIMIT >> shift) || (n << shift) < XFR_JOURNAL_MAX_MIN)
		return why_not(why, why_size, RBL_EINVAL,
		               "expected a size from 64K to 64G (bytes, or a number with K, M or G)");
	current_zone(target)->journal_max = (uint64_t)n << shift;
	return RBL_OK;
}

static const conf_section_key_t zone_keys[] = {
        {"allow-transfer", true, false, zone_allow_transfer},
        {"tsig-key", false, false, zone_tsig_key},
        {"notify", true, false, zone_notify},
        {"journal-max", false, false, zone_journal_max},
};

void xfr_conf_kinds(xfr_conf_t *xfr, conf_section_kind_t kinds[XFR_CONF_KINDS])
{
	kinds[0] =
	        (conf_section_kind_t){"key", key_keys, sizeof key_keys / sizeof key_keys[0], key_open, key_close, xfr};
	kinds[1] = (conf_section_kind_t){"zone",    zone_keys,  sizeof zone_keys / sizeof zone_keys[0],
	                                 zone_open, zone_close, xfr};
}

int xfr_conf_set_key_file(xfr_conf_t *xfr, const char *value, char *why, size_t why_size)
{
	if (value[0] != '/')
		return why_not(why, why_size, RBL_EINVAL, "expected an absolute path");
	if (strlen(value) >= sizeof xfr->key_file)
		return why_not(why, why_size, RBL_EINVAL, "too long");
	xfr->key_file_first = xfr->keys.count;
	int err = tsig_keyfile_read(value, &xfr->keys, why, why_size);
	if (err)
		return err;
	xfr->key_file_count = xfr->keys.count - xfr->key_file_first;
	snprintf(xfr->key_file, sizeof xfr->key_file, "%s", value);
	return RBL_OK;
}

int xfr_conf_check(xfr_conf_t *xfr, const char *path, conf_error_t *err)
{
	memset(err, 0, sizeof *err);
	for (unsigned i = 0; i < xfr->zone_count; i++) {
		xfr_zone_t *zone = &xfr->zones[i];
		const tsig_key_t *key = tsig_keytab_find(&xfr->keys, zone->key_name);
		if (!key) {
			err->line = zone->key_line;
			snprintf(err->message, sizeof err->message,
			         "%s:%u: tsig-key = '%s': no such key (no [key \"%s\"] section%s)", path,
			         zone->key_line, zone->key_name, zone->key_name,
			         *xfr->key_file ? " and not in key-file" : ", no key-file");
			return RBL_EINVAL;
		}
		zone->key = (int)(key - xfr->keys.keys);
	}
	return RBL_OK;
}

const xfr_zone_t *xfr_conf_zone(const xfr_conf_t *xfr, const char *name)
{
	char normal[DNAME_TEXTMAX];
	if (dname_normalize(name, normal) != RBL_OK)
		return NULL;
	for (unsigned i = 0; i < xfr->zone_count; i++)
		if (strcmp(xfr->zones[i].name, normal) == 0)
			return &xfr->zones[i];
	return NULL;
}

const tsig_key_t *xfr_zone_key(const xfr_conf_t *xfr, const xfr_zone_t *zone)
{
	return zone->key >= 0 && (unsigned)zone->key < xfr->keys.count ? &xfr->keys.keys[zone->key] : NULL;
}

void xfr_conf_print(const xfr_conf_t *xfr, FILE *out)
{
	for (unsigned i = 0; i < xfr->keys.count; i++) {
		const tsig_key_t *key = &xfr->keys.keys[i];
		if (i >= xfr->key_file_first && i < xfr->key_file_first + xfr->key_file_count) {
			fprintf(out, "# key \"%s\" (%s) from key-file\n", key->name,
			        tsig_algorithm_name(key->algorithm));
			continue;
		}
		fprintf(out, "[key \"%s\"]\nalgorithm = %s\n# secret: %u bytes, not shown\n", key->name,
		        tsig_algorithm_name(key->algorithm), key->secret_len);
	}
	for (unsigned i = 0; i < xfr->zone_count; i++) {
		const xfr_zone_t *zone = &xfr->zones[i];
		fprintf(out, "[zone \"%s\"]\n", zone->name);
		for (unsigned j = 0; j < zone->allow_count; j++) {
			char text[ADDR_STRLEN];
			cidr_format(&zone->allow[j], text);
			fprintf(out, "allow-transfer = %s\n", text);
		}
		fprintf(out, "tsig-key = %s\n", zone->key_name);
		for (unsigned j = 0; j < zone->notify_count; j++) {
			char text[ADDR_STRLEN];
			addr_format(&zone->notify[j].addr, text);
			fprintf(out, zone->notify[j].addr.family == ADDR_V6 ? "notify = [%s]:%u\n" : "notify = %s:%u\n",
			        text, zone->notify[j].port);
		}
		uint64_t max = zone->journal_max;
		unsigned shift = max % (1u << 30) == 0 ? 30 : max % (1u << 20) == 0 ? 20 : max % 1024 == 0 ? 10 : 0;
		fprintf(out, "journal-max = %llu%s\n", (unsigned long long)(max >> shift),
		        shift == 30 ? "G" : shift == 20 ? "M" : shift == 10 ? "K" : "");
	}
}

/* key-file names the secrets: a reader of the zone sections alone neither needs nor may be able to read it. */
static int skip_key_file(void *target, const char *value, char *why, size_t why_size)
{
	(void)target, (void)value, (void)why, (void)why_size;
	return RBL_OK;
}

int xfr_conf_read_zones(const char *path, xfr_conf_t *xfr, conf_error_t *err)
{
	xfr_conf_init(xfr);
	conf_section_kind_t kinds[XFR_CONF_KINDS];
	xfr_conf_kinds(xfr, kinds);
	static const conf_key_t keys[] = {{"", "key-file", false, skip_key_file}};
	conf_table_t table = {keys, 1, kinds, XFR_CONF_KINDS};
	return conf_read_table(path, &table, CONF_IGNORE_UNKNOWN, xfr, err);
}
