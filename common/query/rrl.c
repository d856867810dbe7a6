/* SPDX-License-Identifier: BSD-2-Clause */
/* rrl.c — response rate limiting: the shared lock-free bucket table and the slipped (truncated) response (rrl.h). */
#include "rrl.h"

#include "base/err.h"
#include "query/wire.h"

#include <endian.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define GROUP 4u /* slots a key may live in: 4 x 16 bytes, one cache line */

/* A bucket's state in one 64-bit word, so one CAS updates it whole:
 *   bits  0..31  the last second (now_ms / 1000, truncated) the bucket was charged
 *   bits 32..59  balance + BALANCE_BIAS (the balance lies in -RRL_RATE_MAX * RRL_WINDOW_MAX .. RRL_RATE_MAX)
 *   bits 60..63  limited responses since the last slip */
#define BALANCE_BIAS (1ll << 27)
#define BALANCE_MASK ((1ull << 28) - 1)

struct slot {
	_Atomic uint64_t key; /* 0: empty */
	_Atomic uint64_t state;
};

struct rrl {
	rrl_config_t config;
	uint64_t seed;
	unsigned group_shift; /* a key's group: its top log2(table_size / GROUP) bits */
	uint32_t v4_mask;     /* the client network masks, in network byte order */
	uint64_t v6_mask[2];
	int64_t floor; /* the lowest balance: -rate * window */
	struct slot *slots;
};

/* The response classes: each has buckets of its own. */
enum rrl_class {
	CLASS_ANSWER = 1, /* keyed by the question name */
	CLASS_NODATA,     /* keyed by the question name */
	CLASS_NXDOMAIN,   /* keyed by the zone */
	CLASS_ERROR,      /* keyed by the zone */
	CLASS_ACL,        /* REFUSED outside allow-query: no name */
};

void rrl_config_init(rrl_config_t *config)
{
	memset(config, 0, sizeof *config);
	config->window = RRL_DEFAULT_WINDOW;
	config->slip = RRL_DEFAULT_SLIP;
	config->ipv4_prefix = RRL_DEFAULT_IPV4_PREFIX;
	config->ipv6_prefix = RRL_DEFAULT_IPV6_PREFIX;
	config->table_size = RRL_DEFAULT_TABLE_SIZE;
}

static int bad(char *why, size_t why_size, const char *field)
{
	if (why)
		snprintf(why, why_size, "%s out of range", field);
	return RBL_EINVAL;
}

int rrl_config_check(const rrl_config_t *c, char *why, size_t why_size)
{
	if (c->rate < 1 || c->rate > RRL_RATE_MAX)
		return bad(why, why_size, "rate");
	if (c->window < 1 || c->window > RRL_WINDOW_MAX)
		return bad(why, why_size, "window");
	if (c->slip > RRL_SLIP_MAX)
		return bad(why, why_size, "slip");
	if (c->ipv4_prefix < 1 || c->ipv4_prefix > 32)
		return bad(why, why_size, "ipv4_prefix");
	if (c->ipv6_prefix < 1 || c->ipv6_prefix > 128)
		return bad(why, why_size, "ipv6_prefix");
	if (c->table_size < RRL_TABLE_MIN || c->table_size > RRL_TABLE_MAX || (c->table_size & (c->table_size - 1)))
		return bad(why, why_size, "table_size");
	if (c->exempt_count > RRL_EXEMPT_MAX)
		return bad(why, why_size, "exempt_count");
	return RBL_OK;
}

static uint64_t random_seed(void)
{
	uint64_t seed;
	if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) == (ssize_t)sizeof seed)
		return seed;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ull ^ (uint64_t)ts.tv_sec;
}

rrl_t *rrl_new(const rrl_config_t *config)
{
	if (rrl_config_check(config, NULL, 0) != RBL_OK)
		return NULL;
	rrl_t *rrl = calloc(1, sizeof *rrl);
	if (!rrl)
		return NULL;
	rrl->config = *config;
	rrl->seed = random_seed();
	unsigned groups_log2 = 0;
	while ((GROUP << groups_log2) < config->table_size)
		groups_log2++;
	rrl->group_shift = 64 - groups_log2; /* table_size >= RRL_TABLE_MIN: at least 16 groups, never a shift of 64 */
	rrl->floor = -(int64_t)config->rate * config->window;
	unsigned v4 = config->ipv4_prefix, v6 = config->ipv6_prefix;
	rrl->v4_mask = htobe32((uint32_t)(~0ull << (32 - v4)));
	rrl->v6_mask[0] = htobe64(v6 >= 64 ? ~0ull : ~0ull << (64 - v6));
	rrl->v6_mask[1] = htobe64(v6 >= 128 ? ~0ull : v6 > 64 ? ~0ull << (128 - v6) : 0);
	rrl->slots = aligned_alloc(64, (size_t)config->table_size * sizeof *rrl->slots);
	if (!rrl->slots) {
		free(rrl);
		return NULL;
	}
	for (unsigned i = 0; i < config->table_size; i++) {
		atomic_init(&rrl->slots[i].key, 0);
		atomic_init(&rrl->slots[i].state, 0);
	}
	return rrl;
}

void rrl_free(rrl_t *rrl)
{
	if (!rrl)
		return;
	free(rrl->slots);
	free(rrl);
}

/* The client's address as the socket address holds it, in two words: IPv4 in w[0]'s first 4 bytes (as in memory),
 * IPv6 in both; an IPv4-mapped IPv6 address counts as IPv4. False for a family that is neither. The one reader of
 * client addresses on the per-answer path (client_network); the exempt check reads an addr_t (addr_from_sockaddr). */
static inline bool client_words(const struct sockaddr *sa, uint64_t w[2], unsigned *family)
{
	w[0] = w[1] = 0;
	if (sa->sa_family == AF_INET) {
		memcpy(&w[0], &((const struct sockaddr_in *)sa)->sin_addr, 4);
		*family = ADDR_V4;
		return true;
	}
	if (sa->sa_family != AF_INET6)
		return false;
	const uint8_t *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	uint64_t w0;
	uint32_t mid;
	memcpy(&w0, b, 8);
	memcpy(&mid, b + 8, 4);
	if (w0 == 0 && mid == htobe32(0xffff)) {
		memcpy(&w[0], b + 12, 4);
		*family = ADDR_V4;
		return true;
	}
	memcpy(w, b, 16);
	*family = ADDR_V6;
	return true;
}

bool rrl_exempt(const rrl_t *rrl, const struct sockaddr *client)
{
	addr_t a;
	return addr_from_sockaddr(client, &a) && cidr_any_contains(rrl->config.exempt, rrl->config.exempt_count, &a);
}

/* --- the key ----------------------------------------------------------------------------------------------------- */

/* The key is a 64-bit hash: multiply-xorshift steps over 8-byte words. Its high bits pick the group (rrl_new sets
 * group_shift), the whole of it is what a slot stores. It runs for every UDP answer, so it is kept short: no final
 * avalanche (the multiply already spreads every word into the high bits the group comes from). */
static inline uint64_t mix(uint64_t h, uint64_t word)
{
	h = (h ^ word) * 0x9E3779B97F4A7C15ull;
	return h ^ (h >> 29);
}

/* The question name, case-blind: every byte is hashed with bit 0x20 set, which makes 'A'..'Z' equal to 'a'..'z' (so
 * 0x20 spelling does not make a new bucket). It also makes a few other byte pairs equal ('@' and '`', a label
 * length and a byte 32 higher at the same position): two such names share a bucket, which limits them together and
 * no more — a client can always limit a name's bucket by asking that name itself. Words are read whole; the last
 * one overlaps the one before instead of being copied byte by byte. */
static inline uint64_t hash_name(uint64_t h, const uint8_t *name, size_t len)
{
	const uint64_t fold = 0x2020202020202020ull;
	uint64_t w;
	if (len < 8) {
		w = 0;
		memcpy(&w, name, len);
		return mix(h, (w | fold) ^ len);
	}
	size_t i = 0;
	for (; i + 8 < len; i += 8) {
		memcpy(&w, name + i, 8);
		h = mix(h, w | fold);
	}
	memcpy(&w, name + len - 8, 8);
	return mix(h, (w | fold) ^ len);
}

static inline enum rrl_class class_of(const answer_info_t *info)
{
	switch (info->kind) {
	case ANSWER_POSITIVE:
		return CLASS_ANSWER;
	case ANSWER_NODATA:
		return CLASS_NODATA;
	case ANSWER_NXDOMAIN:
		return CLASS_NXDOMAIN;
	case ANSWER_ACL_REFUSED:
		return CLASS_ACL;
	default:
		return CLASS_ERROR;
	}
}

/* The client's network, as two 64-bit words of its address cut to the family's prefix, and the family. */
static inline bool client_network(const rrl_t *rrl, const struct sockaddr *sa, uint64_t *hi, uint64_t *lo,
                                  unsigned *family)
{
	uint64_t w[2];
	if (!client_words(sa, w, family))
		return false;
	if (*family == ADDR_V4) {
		*hi = (uint32_t)w[0] & rrl->v4_mask, *lo = 0;
		return true;
	}
	*hi = w[0] & rrl->v6_mask[0], *lo = w[1] & rrl->v6_mask[1];
	return true;
}

static inline uint64_t bucket_key(const rrl_t *rrl, uint64_t hi, uint64_t lo, unsigned family,
                                  const answer_info_t *info, const uint8_t *qname)
{
	enum rrl_class cls = class_of(info);
	uint64_t h = mix(rrl->seed ^ ((uint64_t)cls << 8 | family), hi);
	if (family == ADDR_V6)
		h = mix(h, lo);
	if (cls == CLASS_ANSWER || cls == CLASS_NODATA) {
		if (qname && info->qname_len)
			h = hash_name(h, qname, info->qname_len);
	} else if (cls != CLASS_ACL) {
		h = mix(h, (uint64_t)(uint32_t)info->zone); /* -1 (no zone) is one key of its own */
	}
	return h ? h : 1; /* 0 marks an empty slot */
}

/* --- the state --------------------------------------------------------------------------------------------------- */

static inline uint64_t pack(uint32_t second, int64_t balance, unsigned slips)
{
	return (uint64_t)second | ((uint64_t)(balance + BALANCE_BIAS) & BALANCE_MASK) << 32 | (uint64_t)slips << 60;
}

static inline uint32_t state_second(uint64_t s)
{
	return (uint32_t)s;
}

static inline int64_t state_balance(uint64_t s)
{
	return (int64_t)((s >> 32) & BALANCE_MASK) - BALANCE_BIAS;
}

static inline unsigned state_slips(uint64_t s)
{
	return (unsigned)(s >> 60);
}

/* Seconds from then to now; 0 when now is behind (another thread's loop time may lag by a little). */
static inline uint32_t elapsed(uint32_t now, uint32_t then)
{
	uint32_t d = now - then;
	return (int32_t)d < 0 ? 0 : d;
}

/* Charges one response to the bucket in state: the new state in *next and what to do. The common case — the same
 * second, tokens left — takes the first return. */
static inline enum rrl_action charge(const rrl_t *rrl, uint64_t state, uint32_t now, uint64_t *next)
{
	int64_t rate = rrl->config.rate;
	int64_t balance = state_balance(state);
	unsigned slips = state_slips(state);
	uint32_t second = state_second(state);
	if (second != now) {
		uint32_t gone = elapsed(now, second);
		if (gone) {
			balance = gone > rrl->config.window ? rate : balance + (int64_t)gone * rate;
			if (balance > rate)
				balance = rate;
			second = now;
		}
	}
	if (--balance >= 0) {
		*next = pack(second, balance, slips);
		return RRL_SEND;
	}
	if (balance < rrl->floor)
		balance = rrl->floor;
	enum rrl_action action = RRL_DROP;
	if (rrl->config.slip && ++slips >= rrl->config.slip) {
		slips = 0;
		action = RRL_SLIP;
	}
	*next = pack(second, balance, slips);
	return action;
}

static enum rrl_action charge_slot(const rrl_t *rrl, struct slot *slot, uint32_t now)
{
	uint64_t old = atomic_load_explicit(&slot->state, memory_order_relaxed);
	for (;;) {
		uint64_t next;
		enum rrl_action action = charge(rrl, old, now, &next);
		if (atomic_compare_exchange_weak_explicit(&slot->state, &old, next, memory_order_relaxed,
		                                          memory_order_relaxed))
			return action;
	}
}

/* The slot of the group a new key takes: an empty one, else a stale one, else the least recently charged. */
static struct slot *victim(const rrl_t *rrl, struct slot *group, const uint64_t keys[GROUP], uint32_t now)
{
	struct slot *oldest = &group[0];
	uint32_t oldest_second = 0;
	for (unsigned i = 0; i < GROUP; i++) {
		if (keys[i] == 0)
			return &group[i];
		uint32_t second = state_second(atomic_load_explicit(&group[i].state, memory_order_relaxed));
		if (elapsed(now, second) > rrl->config.window)
			return &group[i];
		if (i == 0 || (int32_t)(second - oldest_second) < 0) {
			oldest = &group[i];
			oldest_second = second;
		}
	}
	return oldest;
}

enum rrl_action rrl_decide(rrl_t *rrl, const struct sockaddr *client, const answer_info_t *info, const uint8_t *qname,
                           uint64_t now_ms)
{
	uint64_t hi, lo;
	unsigned family;
	if (info->kind == ANSWER_NONE || !client_network(rrl, client, &hi, &lo, &family))
		return RRL_SEND;
	if (rrl->config.exempt_count && rrl_exempt(rrl, client))
		return RRL_SEND;
	uint64_t key = bucket_key(rrl, hi, lo, family, info, qname);
	uint32_t now = (uint32_t)(now_ms / 1000);
	struct slot *group = &rrl->slots[(key >> rrl->group_shift) * GROUP];
	/* A takeover lost to another thread is retried once; after that the response is charged wherever the key is. */
	for (int attempt = 0; attempt < 2; attempt++) {
		uint64_t keys[GROUP];
		for (unsigned i = 0; i < GROUP; i++) {
			keys[i] = atomic_load_explicit(&group[i].key, memory_order_relaxed);
			if (keys[i] == key)
				return charge_slot(rrl, &group[i], now);
		}
		struct slot *slot = victim(rrl, group, keys, now);
		uint64_t expected = keys[slot - group];
		if (atomic_compare_exchange_strong_explicit(&slot->key, &expected, key, memory_order_relaxed,
		                                            memory_order_relaxed)) {
			/* A new bucket: a full balance (rate >= 1) less this response's token. */
			atomic_store_explicit(&slot->state, pack(now, (int64_t)rrl->config.rate - 1, 0),
			                      memory_order_relaxed);
			return RRL_SEND;
		}
	}
	return RRL_SEND;
}

/* --- the slipped response ---------------------------------------------------------------------------------------- */

size_t rrl_slip_response(const uint8_t *query, size_t query_len, const answer_info_t *info, uint8_t *response,
                         size_t response_len)
{
	if (response_len < WIRE_HEADER_LEN)
		return 0;
	wire_query_t q;
	enum wire_verdict verdict = wire_parse_query(query, query_len, &q);
	bool edns = verdict != WIRE_DROP && q.edns;
	unsigned qdcount = (unsigned)response[4] << 8 | response[5];
	size_t len = WIRE_HEADER_LEN;
	if (qdcount == 1 && info->qname_len && len + info->qname_len + 4u <= response_len)
		len += info->qname_len + 4u;
	else
		qdcount = 0;
	response[2] |= 0x02; /* TC */
	response[4] = 0;
	response[5] = (uint8_t)qdcount;
	memset(response + 6, 0, 6); /* ANCOUNT, NSCOUNT, ARCOUNT */
	if (edns) {
		wire_writer_t w = {.buf = response, .cap = response_len, .len = len};
		wire_writer_opt(&w, info->rcode, q.edns_do);
		if (!w.overflow) {
			len = w.len;
			response[11] = 1;
		}
	}
	return len;
}
