/* SPDX-License-Identifier: BSD-2-Clause */
/* pipeline_retest.c — retest requests: the lookup page's (and operators') requests to probe a listed address again,
 * their queue, the per-network counters that limit them and the secret of the page's CSRF tokens (see pipeline.h).
 *
 * One table, "retest", its keys told apart by their first byte:
 *   'r' · request id (8, counter next_request) → the request and, once done, its result (kept: the history);
 *   'q' · request id (8)                       → empty: present while queued, so the queue is a walk in id order;
 *   'a' · address (17)                         → the id of the address's latest request;
 *   'n' · network (17) · prefix length (1)     → window end (8) · count (4): a client network's requests;
 *   's'                                        → the CSRF secret (32 bytes).
 * Every limit is checked in the write transaction, against what is committed: with one writer, two requests cannot
 * both pass the same limit. Values are read whole or refused (RBL_EDAMAGED).
 */
#include "relay/pipeline.h"

#include "pipeline_internal.h"

#include "base/codec.h"
#include "base/err.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#define TABLE_RETEST "retest" /* part of the store format, as the other pipeline tables */
#define COUNTER_REQUEST "next_request"
#define REQUEST_VERSION 1
#define REQUEST_VALUE_LEN (1 + ADDR_KEY_LEN + 8 + ADDR_KEY_LEN + 1 + 1 + 1 + 8 + 8 + 1 + 1)
#define NETWORK_VALUE_LEN (8 + 4)
#define KEY_REQUEST 'r'
#define KEY_QUEUED 'q'
#define KEY_ADDRESS 'a'
#define KEY_NETWORK 'n'
#define KEY_SECRET 's'
#define STATE_QUEUED 1
#define STATE_DONE 2
#define CLIENT_NET_V4 24
#define CLIENT_NET_V6 56

const char *pipeline_retest_via_name(enum retest_via v)
{
	switch (v) {
	case RETEST_VIA_WEB: return "web";
	case RETEST_VIA_API: return "api";
	case RETEST_VIA_CLI: return "cli";
	}
	return "?";
}

const char *pipeline_retest_outcome_name(enum retest_outcome o)
{
	switch (o) {
	case RETEST_PENDING: return "pending";
	case RETEST_DELISTED: return "delisted";
	case RETEST_STILL_OPEN: return "still open";
	case RETEST_INCONCLUSIVE: return "inconclusive";
	case RETEST_NOT_LISTED: return "not listed";
	case RETEST_OPTED_OUT: return "opted out";
	case RETEST_PROBED_MEANWHILE: return "probed meanwhile";
	}
	return "?";
}

const char *pipeline_retest_refusal_name(enum retest_refusal r)
{
	switch (r) {
	case RETEST_ACCEPTED: return "accepted";
	case RETEST_ALREADY_QUEUED: return "already queued";
	case RETEST_TOO_SOON: return "too soon";
	case RETEST_NETWORK_LIMIT: return "network limit";
	case RETEST_QUEUE_FULL: return "queue full";
	}
	return "?";
}

void pipeline_retest_client_net(const addr_t *client, cidr_t *net)
{
	memset(net, 0, sizeof *net);
	net->addr = *client;
	net->len = client->family == ADDR_V6 ? CLIENT_NET_V6 : CLIENT_NET_V4;
	addr_mask(&net->addr, net->len);
}

/* --- keys and values */

static size_t id_key(uint8_t kind, uint64_t id, uint8_t key[9])
{
	key[0] = kind;
	store_put_u64(key + 1, id);
	return 9;
}

static size_t address_key(const addr_t *addr, uint8_t key[1 + ADDR_KEY_LEN])
{
	key[0] = KEY_ADDRESS;
	addr_key(addr, key + 1);
	return 1 + ADDR_KEY_LEN;
}

static size_t network_key(const cidr_t *net, uint8_t key[2 + ADDR_KEY_LEN])
{
	key[0] = KEY_NETWORK;
	addr_key(&net->addr, key + 1);
	key[1 + ADDR_KEY_LEN] = net->len;
	return 2 + ADDR_KEY_LEN;
}

static void request_encode(const retest_request_t *q, uint8_t val[REQUEST_VALUE_LEN])
{
	codec_writer_t c = {val, 0};
	uint8_t key[ADDR_KEY_LEN];
	codec_put_u8(&c, REQUEST_VERSION);
	addr_key(&q->addr, key);
	codec_put_bytes(&c, key, sizeof key);
	codec_put_u64(&c, (uint64_t)q->requested);
	if (q->client_net.addr.family)
		addr_key(&q->client_net.addr, key);
	else
		memset(key, 0, sizeof key);
	codec_put_bytes(&c, key, sizeof key);
	codec_put_u8(&c, q->client_net.addr.family ? q->client_net.len : 0);
	codec_put_u8(&c, q->via);
	codec_put_u8(&c, q->queued ? STATE_QUEUED : STATE_DONE);
	codec_put_u64(&c, (uint64_t)q->done);
	codec_put_u64(&c, q->probe_id);
	codec_put_u8(&c, q->verdict);
	codec_put_u8(&c, q->outcome);
}

static bool client_net_valid(const uint8_t *key, uint8_t len)
{
	if (key[0] == 0) {
		for (size_t i = 1; i < ADDR_KEY_LEN; i++)
			if (key[i])
				return false;
		return len == 0;
	}
	return addr_key_valid(key) && len <= addr_maxlen(key[0]);
}

static int request_decode(uint64_t id, const MDB_val *v, retest_request_t *q)
{
	memset(q, 0, sizeof *q);
	q->id = id;
	if (v->mv_size != REQUEST_VALUE_LEN)
		return RBL_EDAMAGED;
	codec_reader_t c = {v->mv_data, v->mv_size, false};
	uint8_t key[ADDR_KEY_LEN], net[ADDR_KEY_LEN];
	uint8_t version = codec_get_u8(&c);
	codec_get_bytes(&c, key, sizeof key);
	q->requested = (int64_t)codec_get_u64(&c);
	codec_get_bytes(&c, net, sizeof net);
	q->client_net.len = codec_get_u8(&c);
	q->via = codec_get_u8(&c);
	uint8_t state = codec_get_u8(&c);
	q->done = (int64_t)codec_get_u64(&c);
	q->probe_id = codec_get_u64(&c);
	q->verdict = codec_get_u8(&c);
	q->outcome = codec_get_u8(&c);
	if (c.failed || version != REQUEST_VERSION || !addr_key_valid(key) ||
	    !client_net_valid(net, q->client_net.len) || q->via < RETEST_VIA_WEB || q->via > RETEST_VIA_CLI || (state != STATE_QUEUED && state != STATE_DONE) ||
	    q->outcome > RETEST_OUTCOME_MAX || (state == STATE_QUEUED) != (q->outcome == RETEST_PENDING))
		return RBL_EDAMAGED;
	addr_from_key(key, &q->addr);
	if (net[0])
		addr_from_key(net, &q->client_net.addr);
	q->queued = state == STATE_QUEUED;
	return RBL_OK;
}

static int request_get(MDB_txn *txn, MDB_dbi db, uint64_t id, retest_request_t *q)
{
	uint8_t key[9];
	MDB_val k = {id_key(KEY_REQUEST, id, key), key}, v;
	int rc = mdb_get(txn, db, &k, &v);
	if (rc == MDB_NOTFOUND)
		return RBL_EDAMAGED; /* a queue or address key names it: it must be there */
	if (rc)
		return store_mdb_error(rc, "reading a retest request");
	return request_decode(id, &v, q);
}

static int request_put(MDB_txn *txn, MDB_dbi db, const retest_request_t *q)
{
	uint8_t key[9], val[REQUEST_VALUE_LEN];
	request_encode(q, val);
	MDB_val k = {id_key(KEY_REQUEST, q->id, key), key}, v = {sizeof val, val};
	int rc = mdb_put(txn, db, &k, &v, 0);
	return rc ? store_mdb_error(rc, "writing a retest request") : RBL_OK;
}

/* The id of addr's latest request: RBL_OK, RBL_ENOENT (none) or an error. */
static int latest_id(MDB_txn *txn, MDB_dbi db, const addr_t *addr, uint64_t *id)
{
	uint8_t key[1 + ADDR_KEY_LEN];
	MDB_val k = {address_key(addr, key), key}, v;
	int rc = mdb_get(txn, db, &k, &v);
	if (rc == MDB_NOTFOUND)
		return RBL_ENOENT;
	if (rc)
		return store_mdb_error(rc, "reading an address's retest request");
	if (v.mv_size != 8)
		return RBL_EDAMAGED;
	*id = store_get_u64(v.mv_data);
	return RBL_OK;
}

/* Calls each(txn, db, id, ctx) for every queued request in id order, while it returns 0 (its non-zero return is
 * returned). */
static int queue_walk(MDB_txn *txn, MDB_dbi db, int (*each)(MDB_txn *txn, MDB_dbi db, uint64_t id, void *ctx),
		      void *ctx)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, db, &cur), err = RBL_OK;
	if (rc)
		return store_mdb_error(rc, "opening a retest cursor");
	uint8_t start = KEY_QUEUED;
	MDB_val k = {1, &start}, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); !rc && !err; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const uint8_t *key = k.mv_data;
		if (key[0] != KEY_QUEUED)
			break;
		if (k.mv_size != 9 || v.mv_size != 0) {
			err = RBL_EDAMAGED;
			break;
		}
		err = each(txn, db, store_get_u64(key + 1), ctx);
	}
	mdb_cursor_close(cur);
	if (!err && rc && rc != MDB_NOTFOUND)
		err = store_mdb_error(rc, "walking the retest queue");
	return err;
}

struct queue_count {
	uint64_t below; /* count the ids below this (UINT64_MAX: all) */
	uint64_t count;
	uint64_t stop_at; /* stop counting here (0: never) */
};

static int count_queued(MDB_txn *txn, MDB_dbi db, uint64_t id, void *arg)
{
	(void)txn;
	(void)db;
	struct queue_count *q = arg;
	if (id >= q->below)
		return 1;
	q->count++;
	return q->stop_at && q->count >= q->stop_at ? 1 : 0;
}

/* Queued requests with an id below `below`, counting no further than stop_at (0: all). */
static int queued_count(MDB_txn *txn, MDB_dbi db, uint64_t below, uint64_t stop_at, uint64_t *count)
{
	struct queue_count q = {below, 0, stop_at};
	int err = queue_walk(txn, db, count_queued, &q);
	*count = q.count;
	return err == 1 ? RBL_OK : err;
}

/* --- requests */

/* The client network's counter: its window's end and count (a window that has ended reads as a fresh one). */
static int network_get(MDB_txn *txn, MDB_dbi db, const cidr_t *net, int64_t now, int64_t window, int64_t *end,
		       uint32_t *count)
{
	uint8_t key[2 + ADDR_KEY_LEN];
	MDB_val k = {network_key(net, key), key}, v;
	int rc = mdb_get(txn, db, &k, &v);
	*end = now + window;
	*count = 0;
	if (rc == MDB_NOTFOUND)
		return RBL_OK;
	if (rc)
		return store_mdb_error(rc, "reading a retest network counter");
	if (v.mv_size != NETWORK_VALUE_LEN)
		return RBL_EDAMAGED;
	int64_t stored_end = (int64_t)store_get_u64(v.mv_data);
	if (stored_end > now) {
		*end = stored_end;
		codec_reader_t c = {(const uint8_t *)v.mv_data + 8, 4, false};
		*count = codec_get_u32(&c);
	}
	return RBL_OK;
}

static int network_put(MDB_txn *txn, MDB_dbi db, const cidr_t *net, int64_t end, uint32_t count)
{
	uint8_t key[2 + ADDR_KEY_LEN], val[NETWORK_VALUE_LEN];
	codec_writer_t c = {val, 0};
	codec_put_u64(&c, (uint64_t)end);
	codec_put_u32(&c, count);
	MDB_val k = {network_key(net, key), key}, v = {sizeof val, val};
	int rc = mdb_put(txn, db, &k, &v, 0);
	return rc ? store_mdb_error(rc, "writing a retest network counter") : RBL_OK;
}

int pipeline_retest_request(store_wtxn_t *w, const addr_t *addr, const cidr_t *client_net, enum retest_via via,
			    const retest_limits_t *limits, retest_request_t *out, enum retest_refusal *refusal,
			    int64_t *retry_after)
{
	return pipeline_retest_request_at(w, store_ext_now(w), addr, client_net, via, limits, out, refusal,
					  retry_after);
}

int pipeline_retest_request_at(store_wtxn_t *w, int64_t now, const addr_t *addr, const cidr_t *client_net,
			       enum retest_via via, const retest_limits_t *limits, retest_request_t *out,
			       enum retest_refusal *refusal, int64_t *retry_after)
{
	int64_t wait = 0;
	if (retry_after)
		*retry_after = 0;
	if ((addr->family != ADDR_V4 && addr->family != ADDR_V6) || via < RETEST_VIA_WEB || via > RETEST_VIA_CLI ||
	    (client_net && ((client_net->addr.family != ADDR_V4 && client_net->addr.family != ADDR_V6) ||
			    client_net->len > addr_maxlen(client_net->addr.family))))
		return RBL_EINVAL;
	MDB_dbi db;
	int err = store_ext_table_w(w, TABLE_RETEST, &db);
	if (err)
		return err;
	MDB_txn *txn = store_ext_wtxn(w);

	uint64_t latest;
	retest_request_t last;
	bool have_last = false;
	err = latest_id(txn, db, addr, &latest);
	if (!err) {
		if ((err = request_get(txn, db, latest, &last)))
			return err;
		have_last = true;
	} else if (err != RBL_ENOENT) {
		return err;
	}
	if (have_last && last.queued) {
		*out = last;
		*refusal = RETEST_ALREADY_QUEUED;
		return RBL_OK;
	}
	cidr_t net;
	int64_t window_end = 0;
	uint32_t count = 0;
	if (client_net) {
		net = *client_net;
		addr_mask(&net.addr, net.len);
	}
	*refusal = RETEST_ACCEPTED;
	if (limits) {
		if (have_last && last.requested + limits->per_address > now) {
			*refusal = RETEST_TOO_SOON;
			wait = last.requested + limits->per_address - now;
		}
		if (!*refusal && client_net) {
			if ((err = network_get(txn, db, &net, now, limits->network_window, &window_end, &count)))
				return err;
			if (count >= limits->per_network) {
				*refusal = RETEST_NETWORK_LIMIT;
				wait = window_end - now;
			}
		}
		uint64_t queued;
		if (!*refusal && limits->queue_max) {
			if ((err = queued_count(txn, db, UINT64_MAX, limits->queue_max, &queued)))
				return err;
			if (queued >= limits->queue_max) {
				*refusal = RETEST_QUEUE_FULL;
				wait = RETEST_QUEUE_FULL_RETRY;
			}
		}
	}
	if (*refusal) {
		if (retry_after)
			*retry_after = wait;
		return RBL_OK;
	}

	retest_request_t q;
	memset(&q, 0, sizeof q);
	if ((err = store_ext_counter_next(w, COUNTER_REQUEST, &q.id)))
		return err;
	q.addr = *addr;
	if (client_net)
		q.client_net = net;
	q.requested = now;
	q.via = (uint8_t)via;
	q.queued = 1;
	q.outcome = RETEST_PENDING;
	if ((err = request_put(txn, db, &q)))
		return err;
	uint8_t key[1 + ADDR_KEY_LEN], id[8];
	store_put_u64(id, q.id);
	MDB_val k = {id_key(KEY_QUEUED, q.id, key), key}, v = {0, id};
	int rc = mdb_put(txn, db, &k, &v, 0);
	if (!rc) {
		k = (MDB_val){address_key(addr, key), key};
		v = (MDB_val){sizeof id, id};
		rc = mdb_put(txn, db, &k, &v, 0);
	}
	if (rc)
		return store_mdb_error(rc, "queueing a retest request");
	/* Counted only where limits apply: an operator's request (no network, no limits) uses nobody's quota. */
	if (client_net && limits && (err = network_put(txn, db, &net, window_end, count + 1)))
		return err;
	*out = q;
	return RBL_OK;
}

static int get_txn(MDB_txn *txn, MDB_dbi db, const addr_t *addr, retest_request_t *out, uint64_t *position)
{
	uint64_t id;
	int err = latest_id(txn, db, addr, &id);
	if (err || (err = request_get(txn, db, id, out)))
		return err;
	*position = 0;
	if (!out->queued)
		return RBL_OK;
	err = queued_count(txn, db, id, 0, position);
	++*position;
	return err;
}

int pipeline_retest_get(store_rtxn_t *r, const addr_t *addr, retest_request_t *out, uint64_t *position)
{
	MDB_dbi db;
	int err = store_ext_table_r(r, TABLE_RETEST, &db);
	return err ? err : get_txn(store_ext_rtxn(r), db, addr, out, position);
}

struct queued_walk {
	int (*fn)(const retest_request_t *q, void *ctx);
	void *ctx;
	int stopped; /* fn's non-zero return, kept apart from the walk's own stop */
};

static int each_queued(MDB_txn *txn, MDB_dbi db, uint64_t id, void *arg)
{
	struct queued_walk *walk = arg;
	retest_request_t q;
	int err = request_get(txn, db, id, &q);
	if (err)
		return err;
	if (!q.queued)
		return RBL_EDAMAGED; /* on the queue, but done */
	walk->stopped = walk->fn(&q, walk->ctx);
	return walk->stopped ? 1 : 0;
}

int pipeline_retest_foreach_queued(store_rtxn_t *r, int (*fn)(const retest_request_t *q, void *ctx), void *ctx)
{
	MDB_dbi db;
	int err = store_ext_table_r(r, TABLE_RETEST, &db);
	if (err)
		return err == RBL_ENOENT ? RBL_OK : err;
	struct queued_walk walk = {fn, ctx, 0};
	err = queue_walk(store_ext_rtxn(r), db, each_queued, &walk);
	return walk.stopped ? walk.stopped : err;
}

int pipeline_retest_done(store_wtxn_t *w, uint64_t id, uint8_t verdict, uint64_t probe_id, enum retest_outcome outcome)
{
	if (outcome == RETEST_PENDING || outcome > RETEST_OUTCOME_MAX)
		return RBL_EINVAL;
	MDB_dbi db;
	int err = store_ext_table_w(w, TABLE_RETEST, &db);
	if (err)
		return err;
	MDB_txn *txn = store_ext_wtxn(w);
	uint8_t key[9];
	MDB_val k = {id_key(KEY_QUEUED, id, key), key};
	int rc = mdb_del(txn, db, &k, NULL);
	if (rc == MDB_NOTFOUND)
		return RBL_OK;
	if (rc)
		return store_mdb_error(rc, "taking a retest request off the queue");
	retest_request_t q;
	if ((err = request_get(txn, db, id, &q)))
		return err;
	q.queued = 0;
	q.done = store_ext_now(w);
	q.verdict = verdict;
	q.probe_id = probe_id;
	q.outcome = (uint8_t)outcome;
	return request_put(txn, db, &q);
}

int pipeline_retest_prune(store_wtxn_t *w, uint64_t *pruned)
{
	return pipeline_retest_prune_at(w, store_ext_now(w), pruned);
}

int pipeline_retest_prune_at(store_wtxn_t *w, int64_t now, uint64_t *pruned)
{
	uint64_t gone = 0;
	if (pruned)
		*pruned = 0;
	MDB_dbi db;
	int err = store_ext_table_w(w, TABLE_RETEST, &db);
	if (err)
		return err;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(store_ext_wtxn(w), db, &cur);
	if (rc)
		return store_mdb_error(rc, "opening a retest cursor");
	uint8_t start = KEY_NETWORK;
	MDB_val k = {1, &start}, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (((const uint8_t *)k.mv_data)[0] != KEY_NETWORK)
			break;
		if (k.mv_size != 2 + ADDR_KEY_LEN || v.mv_size != NETWORK_VALUE_LEN) {
			err = RBL_EDAMAGED;
			break;
		}
		if ((int64_t)store_get_u64(v.mv_data) > now)
			continue;
		if ((rc = mdb_cursor_del(cur, 0)))
			break;
		gone++;
	}
	mdb_cursor_close(cur);
	if (!err && rc && rc != MDB_NOTFOUND)
		err = store_mdb_error(rc, "pruning the retest network counters");
	if (pruned)
		*pruned = gone;
	return err;
}

/* --- the CSRF secret */

static int secret_read(MDB_txn *txn, MDB_dbi db, uint8_t secret[RETEST_SECRET_LEN])
{
	uint8_t key = KEY_SECRET;
	MDB_val k = {1, &key}, v;
	int rc = mdb_get(txn, db, &k, &v);
	if (rc == MDB_NOTFOUND)
		return RBL_ENOENT;
	if (rc)
		return store_mdb_error(rc, "reading the retest secret");
	if (v.mv_size != RETEST_SECRET_LEN)
		return RBL_EDAMAGED;
	memcpy(secret, v.mv_data, RETEST_SECRET_LEN);
	return RBL_OK;
}

int pipeline_retest_secret(store_wtxn_t *w, uint8_t secret[RETEST_SECRET_LEN])
{
	MDB_dbi db;
	int err = store_ext_table_w(w, TABLE_RETEST, &db);
	if (err)
		return err;
	MDB_txn *txn = store_ext_wtxn(w);
	if ((err = secret_read(txn, db, secret)) != RBL_ENOENT)
		return err;
	ssize_t got;
	do
		got = getrandom(secret, RETEST_SECRET_LEN, 0);
	while (got < 0 && errno == EINTR);
	if (got != RETEST_SECRET_LEN)
		return RBL_EIO;
	uint8_t key = KEY_SECRET;
	MDB_val k = {1, &key}, v = {RETEST_SECRET_LEN, secret};
	int rc = mdb_put(txn, db, &k, &v, 0);
	return rc ? store_mdb_error(rc, "writing the retest secret") : RBL_OK;
}

int pipeline_retest_secret_r(store_rtxn_t *r, uint8_t secret[RETEST_SECRET_LEN])
{
	MDB_dbi db;
	int err = store_ext_table_r(r, TABLE_RETEST, &db);
	return err ? err : secret_read(store_ext_rtxn(r), db, secret);
}
