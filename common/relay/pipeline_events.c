/* SPDX-License-Identifier: BSD-2-Clause */
/* pipeline_events.c — the listing history of an address: one event per change the pipeline or an operator made to a
 * pipeline listing, kept when the listing or its zone is gone (see pipeline.h).
 *
 * Key: address (17) · event id (8, big-endian, counter next_event): an address's events in the order they happened.
 * Value, version 1: version (1) · time (8) · kind (1) · zone id (4) · zone name (str) · probe id (8) · request id (8)
 * · expires (8) · ncodes (1) · codes (3 bytes each: the low 24 bits, the top byte is 127) · note (str). A value is
 * read whole or refused: a short, long or out-of-range record is damage (RBL_EDAMAGED), never half an event.
 */
#include "relay/pipeline.h"

#include "pipeline_internal.h"

#include "base/codec.h"
#include "base/err.h"

#include <stdio.h>
#include <string.h>

#define TABLE_EVENTS "events" /* part of the store format, as the other pipeline tables */
#define COUNTER_EVENT "next_event"
#define EVENT_VERSION 1
#define EVENT_CODE_NET 0x7f000000u /* codes live in 127.0.0.0/8: three bytes say which */
#define EVENT_VALUE_MAX (1 + 8 + 1 + 4 + 2 + DNAME_TEXTMAX + 8 + 8 + 8 + 1 + 3 * ENTRY_MAX_CODES + 2 + EVENT_NOTE_MAX)

const char *pipeline_event_kind_name(enum pipeline_event_kind k)
{
	switch (k) {
	case EVENT_LISTED: return "listed";
	case EVENT_EXTENDED: return "extended";
	case EVENT_DELISTED_RETEST: return "delisted-retest";
	case EVENT_DELISTED_OPTOUT: return "delisted-optout";
	case EVENT_DELISTED_OPERATOR: return "delisted-operator";
	}
	return "?";
}

static int event_check(const pipeline_event_t *ev)
{
	if (ev->kind < EVENT_LISTED || ev->kind > EVENT_KIND_MAX || ev->ncodes > ENTRY_MAX_CODES ||
	    (ev->addr.family != ADDR_V4 && ev->addr.family != ADDR_V6))
		return RBL_EINVAL;
	if (!memchr(ev->zone, '\0', sizeof ev->zone) || !memchr(ev->note, '\0', sizeof ev->note))
		return RBL_EINVAL;
	for (unsigned i = 0; i < ev->ncodes; i++)
		if ((ev->codes[i] & 0xff000000u) != EVENT_CODE_NET)
			return RBL_ERANGE;
	return RBL_OK;
}

int pipeline_event_add(store_wtxn_t *w, pipeline_event_t *ev)
{
	int err = event_check(ev);
	if (err)
		return err;
	MDB_dbi events;
	if ((err = store_ext_table_w(w, TABLE_EVENTS, &events)) ||
	    (err = store_ext_counter_next(w, COUNTER_EVENT, &ev->id)))
		return err;
	ev->time = store_ext_now(w);
	uint8_t key[ADDR_KEY_LEN + 8], val[EVENT_VALUE_MAX];
	addr_key(&ev->addr, key);
	store_put_u64(key + ADDR_KEY_LEN, ev->id);
	codec_writer_t c = {val, 0};
	codec_put_u8(&c, EVENT_VERSION);
	codec_put_u64(&c, (uint64_t)ev->time);
	codec_put_u8(&c, ev->kind);
	codec_put_u32(&c, ev->zone_id);
	codec_put_str(&c, ev->zone);
	codec_put_u64(&c, ev->probe_id);
	codec_put_u64(&c, ev->request_id);
	codec_put_u64(&c, (uint64_t)ev->expires);
	codec_put_u8(&c, ev->ncodes);
	for (unsigned i = 0; i < ev->ncodes; i++) {
		uint8_t code[3] = {(uint8_t)(ev->codes[i] >> 16), (uint8_t)(ev->codes[i] >> 8), (uint8_t)ev->codes[i]};
		codec_put_bytes(&c, code, sizeof code);
	}
	codec_put_str(&c, ev->note);
	MDB_val k = {sizeof key, key}, v = {c.len, val};
	int rc = mdb_put(store_ext_wtxn(w), events, &k, &v, 0);
	return rc ? store_mdb_error(rc, "writing a listing event") : RBL_OK;
}

/* The inverse of pipeline_event_add's encoding; RBL_EDAMAGED for anything it would not have written. */
static int event_decode(const MDB_val *k, const MDB_val *v, pipeline_event_t *ev)
{
	memset(ev, 0, sizeof *ev);
	if (k->mv_size != ADDR_KEY_LEN + 8 || !addr_key_valid(k->mv_data))
		return RBL_EDAMAGED;
	addr_from_key(k->mv_data, &ev->addr);
	ev->id = store_get_u64((const uint8_t *)k->mv_data + ADDR_KEY_LEN);
	codec_reader_t c = {v->mv_data, v->mv_size, false};
	if (codec_get_u8(&c) != EVENT_VERSION)
		return RBL_EDAMAGED;
	ev->time = (int64_t)codec_get_u64(&c);
	ev->kind = codec_get_u8(&c);
	ev->zone_id = codec_get_u32(&c);
	codec_get_str(&c, ev->zone, sizeof ev->zone);
	ev->probe_id = codec_get_u64(&c);
	ev->request_id = codec_get_u64(&c);
	ev->expires = (int64_t)codec_get_u64(&c);
	ev->ncodes = codec_get_u8(&c);
	if (c.failed || ev->kind < EVENT_LISTED || ev->kind > EVENT_KIND_MAX || ev->ncodes > ENTRY_MAX_CODES)
		return RBL_EDAMAGED;
	for (unsigned i = 0; i < ev->ncodes; i++) {
		uint8_t code[3];
		codec_get_bytes(&c, code, sizeof code);
		ev->codes[i] = EVENT_CODE_NET | (uint32_t)code[0] << 16 | (uint32_t)code[1] << 8 | code[2];
	}
	codec_get_str(&c, ev->note, sizeof ev->note);
	return c.failed || c.left != 0 ? RBL_EDAMAGED : RBL_OK;
}

struct event_walk {
	int (*fn)(const pipeline_event_t *ev, void *ctx);
	void *ctx;
};

static int each_event(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct event_walk *walk = arg;
	pipeline_event_t ev;
	int err = event_decode(k, v, &ev);
	return err ? err : walk->fn(&ev, walk->ctx);
}

int pipeline_event_foreach(store_rtxn_t *r, const addr_t *addr, int (*fn)(const pipeline_event_t *ev, void *ctx),
			   void *ctx)
{
	struct event_walk walk = {fn, ctx};
	return pipeline_walk_addr(r, TABLE_EVENTS, addr, each_event, &walk);
}
