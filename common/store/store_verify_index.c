/* SPDX-License-Identifier: BSD-2-Clause */
/* store_verify_index.c — rbltool verify's comparison of a zone's stored index with what its entries call for.
 *
 * The index is not canonical: a rebuild over part of a zone may leave an owner's stretch cut in two where a sweep over
 * the whole zone writes one. Both sides are therefore compared as runs, adjacent intervals with the same answer
 * merged, streamed side by side: the stored one from a cursor, the expected one from the rebuild's own sweep.
 */
#include "base/err.h"
#include "store_internal.h"

#include <stdio.h>
#include <string.h>

struct run {
	addr_t first, last;
	uint8_t payload[INTERVAL_VALUE_MAX];
	size_t payload_len;
};

struct comparison {
	uint32_t zone_id;
	uint8_t family;
	MDB_cursor *cur;
	bool started, stored_done, peeked;
	struct run peek; /* the stored interval read ahead */
	bool have_expected;
	struct run expected; /* the run the entries call for, still growing */
	char *what;          /* the difference, once found */
	size_t what_cap;
};

#define DIFFERENT 1 /* stops the sweep: one difference is reported, not every one after it */

static bool extends(const struct run *r, const addr_t *first, const uint8_t *payload, size_t payload_len)
{
	addr_t next = r->last;
	return addr_inc(&next) && addr_cmp(&next, first) == 0 && r->payload_len == payload_len &&
	       memcmp(r->payload, payload, payload_len) == 0;
}

/* The next stored interval of the zone and family: 1, 0 past the last, or an error. */
static int stored_interval(struct comparison *c, struct run *r)
{
	interval_key_t key;
	addr_t zero = {.family = c->family};
	size_t n = addr_bytes(c->family);
	MDB_val k = store_interval_key(c->zone_id, &zero, &key), val;
	if (c->stored_done)
		return 0;
	int rc = mdb_cursor_get(c->cur, &k, &val, c->started ? MDB_NEXT : MDB_SET_RANGE);
	c->started = true;
	uint32_t zone_id;
	if (rc == MDB_NOTFOUND ||
	    (!rc && (!store_interval_key_read(c->family, &k, &zone_id, &r->last) || zone_id != c->zone_id))) {
		c->stored_done = true;
		return 0;
	}
	if (rc)
		return store_mdb_error(rc, "walking the index");
	if (val.mv_size < n + INTERVAL_PAYLOAD_MIN || val.mv_size > INTERVAL_VALUE_MAX)
		return RBL_EDAMAGED;
	r->first.family = c->family;
	memset(r->first.b, 0, sizeof r->first.b);
	memcpy(r->first.b, val.mv_data, n);
	r->payload_len = val.mv_size - n;
	memcpy(r->payload, (const uint8_t *)val.mv_data + n, r->payload_len);
	return 1;
}

/* The next stored run: 1, 0 past the last, or an error. */
static int stored_run(struct comparison *c, struct run *r)
{
	int rc = c->peeked ? 1 : stored_interval(c, &c->peek);
	if (rc <= 0)
		return rc;
	*r = c->peek;
	c->peeked = false;
	while ((rc = stored_interval(c, &c->peek)) == 1) {
		if (!extends(r, &c->peek.first, c->peek.payload, c->peek.payload_len)) {
			c->peeked = true;
			break;
		}
		r->last = c->peek.last;
	}
	return rc < 0 ? rc : 1;
}

static void describe(const struct run *r, char *buf, size_t cap)
{
	char first[ADDR_STRLEN], last[ADDR_STRLEN];
	addr_format(&r->first, first);
	addr_format(&r->last, last);
	store_hit_t hit;
	if (store_hit_decode(r->payload, r->payload_len, &hit))
		snprintf(buf, cap, "%s-%s (undecodable)", first, last);
	else
		snprintf(buf, cap, "%s-%s (%s of a /%u, %u code(s), expires %lld)", first, last,
		         hit.flags & ENTRY_EXCLUDE ? "exclusion" : "listing", hit.entry_len, hit.ncodes,
		         (long long)hit.expires);
}

static int differ(struct comparison *c, const struct run *stored, const struct run *expected)
{
	char s[160] = "", e[160] = "";
	if (stored)
		describe(stored, s, sizeof s);
	if (expected)
		describe(expected, e, sizeof e);
	if (!stored)
		snprintf(c->what, c->what_cap, "%s is missing", e);
	else if (!expected)
		snprintf(c->what, c->what_cap, "%s is there, but no entry calls for it", s);
	else
		snprintf(c->what, c->what_cap, "it has %s where the entries call for %s", s, e);
	return DIFFERENT;
}

static int compare_expected(struct comparison *c)
{
	struct run stored;
	int rc = stored_run(c, &stored);
	if (rc < 0)
		return rc;
	if (rc == 0 || addr_cmp(&c->expected.last, &stored.first) < 0)
		return differ(c, NULL, &c->expected);
	if (addr_cmp(&stored.last, &c->expected.first) < 0)
		return differ(c, &stored, NULL);
	if (addr_cmp(&stored.first, &c->expected.first) != 0 || addr_cmp(&stored.last, &c->expected.last) != 0 ||
	    stored.payload_len != c->expected.payload_len ||
	    memcmp(stored.payload, c->expected.payload, stored.payload_len) != 0)
		return differ(c, &stored, &c->expected);
	return RBL_OK;
}

static int expected_interval(void *ctx, const addr_t *first, const addr_t *last, const uint8_t *payload,
                             size_t payload_len)
{
	struct comparison *c = ctx;
	if (c->have_expected && extends(&c->expected, first, payload, payload_len)) {
		c->expected.last = *last;
		return RBL_OK;
	}
	int rc = c->have_expected ? compare_expected(c) : RBL_OK;
	c->have_expected = true;
	c->expected.first = *first;
	c->expected.last = *last;
	c->expected.payload_len = payload_len;
	memcpy(c->expected.payload, payload, payload_len);
	return rc;
}

int store_verify_index(MDB_txn *txn, const store_t *st, uint32_t zone_id, uint8_t family, char *what, size_t cap)
{
	struct comparison c = {.zone_id = zone_id, .family = family, .what = what, .what_cap = cap};
	int rc = mdb_cursor_open(txn, store_index_dbi(st, family), &c.cur);
	if (rc)
		return store_mdb_error(rc, "opening an index cursor");
	int err = store_index_expected(txn, st, zone_id, family, expected_interval, &c);
	if (!err && c.have_expected)
		err = compare_expected(&c);
	struct run extra;
	if (!err && (err = stored_run(&c, &extra)) == 1)
		err = differ(&c, &extra, NULL);
	mdb_cursor_close(c.cur);
	return err;
}
