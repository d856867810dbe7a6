/* SPDX-License-Identifier: BSD-2-Clause */
/* rrl.h — response rate limiting (RRL) for UDP answers, as BIND and Knot define it.
 *
 * One token bucket per (client network, response class, name). The network is the client's address cut to
 * ipv4_prefix / ipv6_prefix bits (an IPv4-mapped IPv6 address counts as IPv4). The class and name come from the
 * answer_info_t that answer_packet or answer_refused left: a positive answer and a NODATA are keyed by the question
 * name (compared case-blind: 0x20 does not make a new bucket), an NXDOMAIN and an error (REFUSED, SERVFAIL, FORMERR,
 * NOTIMP, BADVERS) by the zone (one fixed key when there is none), a REFUSED to a client outside allow-query
 * (ANSWER_ACL_REFUSED) by a class of its own with no name.
 *
 * Accounting is BIND's, per whole second: a bucket starts with a balance of `rate`; each response takes 1; each
 * second adds `rate` back, up to `rate`; the balance goes no lower than -rate * window, so a client that stops
 * flooding is limited for at most `window` seconds after. A response is sent while the balance, after its 1 is
 * taken, is not negative; past that it is limited: every `slip`-th limited response of the bucket is sent truncated
 * (rrl_slip_response: TC=1, no records, so a real client retries over TCP) and the others are dropped; slip 0 drops
 * them all, slip 1 truncates them all. Clients inside an exempt network are never limited. TCP is never limited: its
 * caller does not ask.
 *
 * One table for the whole process, shared by every worker thread: rrl_decide may be called from any number of
 * threads at once. A fixed array of table_size slots (a power of two), allocated by rrl_new, nothing allocated
 * afterwards; a slot is a 64-bit key hash and a 64-bit state (last second seen, balance, slip count), each an atomic
 * updated by compare-and-swap, no lock. A key lives in one group of 4 slots (one cache line). When the group holds
 * no slot with the key, the key takes: an empty slot, else a stale one (unseen for more than `window` seconds: its
 * balance would be back to full anyway), else the group's least recently used slot (the oldest second seen), whose
 * bucket is forgotten. So a full table never refuses to account, and a client flooding one name keeps its bucket
 * (it is the most recently used), while a flood of many distinct keys can push older buckets out and let them start
 * again at a full balance. Races are resolved by the CAS on the state: two threads on one bucket each take their own
 * token; two threads missing the same new key at the same instant may give it two slots for a moment, and a lookup
 * racing a takeover may charge one response to the bucket being replaced — accounting errors of one response,
 * never a lost or torn bucket.
 *
 * Time comes from the caller, in milliseconds of a monotonic clock (the loop's time), so the tests drive it. rrl_*
 * never logs and never allocates outside rrl_new.
 */
#ifndef RBL_RRL_H
#define RBL_RRL_H

#include "base/addr.h"
#include "query/answer.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define RRL_RATE_MAX 10000u      /* responses per second per bucket */
#define RRL_WINDOW_MAX 3600u     /* seconds; BIND's range is 1..3600 */
#define RRL_SLIP_MAX 10u         /* BIND's range is 0..10 */
#define RRL_EXEMPT_MAX 64u       /* exempt networks */
#define RRL_TABLE_MIN 64u        /* slots */
#define RRL_TABLE_MAX (1u << 24) /* slots: 16 bytes each, 256 MiB */
#define RRL_DEFAULT_WINDOW 15u
#define RRL_DEFAULT_SLIP 2u
#define RRL_DEFAULT_IPV4_PREFIX 24u
#define RRL_DEFAULT_IPV6_PREFIX 56u
#define RRL_DEFAULT_TABLE_SIZE 65536u

typedef struct rrl_config {
	unsigned rate;        /* responses per second per bucket, 1..RRL_RATE_MAX (0: the caller does not limit) */
	unsigned window;      /* seconds, 1..RRL_WINDOW_MAX */
	unsigned slip;        /* 0..RRL_SLIP_MAX */
	unsigned ipv4_prefix; /* 1..32 */
	unsigned ipv6_prefix; /* 1..128 */
	unsigned table_size;  /* slots, a power of two in RRL_TABLE_MIN..RRL_TABLE_MAX */
	cidr_t exempt[RRL_EXEMPT_MAX];
	unsigned exempt_count;
} rrl_config_t;

enum rrl_action {
	RRL_SEND = 0, /* within the rate, exempt, or nothing to limit: send the response as it is */
	RRL_SLIP,     /* over the rate, this one's turn to slip: send rrl_slip_response's truncated form instead */
	RRL_DROP,     /* over the rate: send nothing */
};

typedef struct rrl rrl_t;

/* Fills config with the defaults above and rate 0. */
void rrl_config_init(rrl_config_t *config);

/* Checks config's ranges: RBL_OK, or RBL_EINVAL with the offending field named in why (why may be NULL). */
int rrl_config_check(const rrl_config_t *config, char *why, size_t why_size);

/* \brief The shared table (config copied), every slot empty; NULL when config fails rrl_config_check or out of memory.
 */
rrl_t *rrl_new(const rrl_config_t *config);
void rrl_free(rrl_t *rrl);

/* \brief Whether client lies in one of the exempt networks. */
bool rrl_exempt(const rrl_t *rrl, const struct sockaddr *client);

/* \brief What to do with the response just built for client: info is the answer's (answer_ctx_t.info, or what
 * answer_refused filled), qname the question name inside the query packet (offset 12, info->qname_len bytes; may be
 * NULL when qname_len is 0), now_ms the caller's monotonic time. Exempt clients and ANSWER_NONE get RRL_SEND.
 * Thread-safe, lock-free, no allocation. */
enum rrl_action rrl_decide(rrl_t *rrl, const struct sockaddr *client, const answer_info_t *info, const uint8_t *qname,
                           uint64_t now_ms);

/* \brief Cuts the response (built for query, whose answer info is info) in place to its slipped form: the same
 * header with TC=1 and no records, the question kept (none when the response had none), and an OPT when the query
 * carried one (DO echoed, extended rcode kept). Returns the new length (never above response_len), 0 when
 * response_len is below a header. */
size_t rrl_slip_response(const uint8_t *query, size_t query_len, const answer_info_t *info, uint8_t *response,
                         size_t response_len);

#endif
