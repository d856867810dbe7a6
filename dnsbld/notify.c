/* SPDX-License-Identifier: BSD-2-Clause */
/* notify.c — the NOTIFY thread: serials watched, rounds sent, acknowledgements matched, retries (notify.h). */
#include "notify.h"

#include "base/err.h"
#include "base/log.h"
#include "xfr/xfr_notify.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* One address of one zone in the current round. */
struct target {
	unsigned tries;   /* sent so far in this round */
	uint64_t next_ms; /* when to send again, if not acknowledged */
	bool acked, given_up;
	bool warned; /* a refused acknowledgement was logged at warn in this round (the next ones at debug) */
	/* The round's NOTIFY, built and signed once: every try sends the same bytes, so that an acknowledgement of an
	 * earlier try, arriving late, still verifies over the MAC it answers. build_err: why it could not be built. */
	int build_err;
	uint8_t msg[XFR_NOTIFY_MSG_MAX];
	size_t msg_len;
	xfr_notify_sent_t sent;
};

struct zone_state {
	const xfr_zone_t *conf;
	bool seen;             /* a serial was read once */
	uint32_t serial;       /* the serial of the current round */
	uint64_t round_ms;     /* when it began */
	bool pending;          /* a newer serial waits for the gap to pass */
	uint32_t pending_serial;
	struct target targets[XFR_NOTIFY_MAX];
};

struct notifier {
	xfr_conf_t *conf; /* its own copy: a reload starts a new notifier with the new one */
	store_t *st;
	pthread_t thread;
	atomic_bool stop;
	int fd4, fd6;
	struct zone_state *zones;
	unsigned zone_count;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static socklen_t target_sockaddr(const xfr_notify_t *t, struct sockaddr_storage *ss)
{
	return (socklen_t)addr_to_sockaddr(&t->addr, t->port, ss);
}

static void send_one(notifier_t *n, struct zone_state *z, unsigned i, uint64_t now)
{
	struct target *t = &z->targets[i];
	const xfr_notify_t *to = &z->conf->notify[i];
	char where[ADDR_STRLEN];
	addr_format(&to->addr, where);
	struct sockaddr_storage ss;
	socklen_t sl = target_sockaddr(to, &ss);
	int fd = to->addr.family == ADDR_V4 ? n->fd4 : n->fd6;
	const char *why = NULL;
	if (t->build_err)
		why = rbl_strerror(t->build_err);
	else if (fd < 0)
		why = "no socket of that address family";
	else if (sendto(fd, t->msg, t->msg_len, 0, (struct sockaddr *)&ss, sl) < 0)
		why = strerror(errno);
	t->tries++;
	t->next_ms = now + (1000u << (t->tries - 1)); /* 1, 2, 4, 8 s */
	if (why)
		log_warn("NOTIFY of %s (serial %u) to %s port %u: cannot send: %s", z->conf->name, z->serial, where,
			 to->port, why);
}

/* A new round for z at serial: every address, new IDs. */
static void begin_round(notifier_t *n, struct zone_state *z, uint32_t serial, uint64_t now)
{
	z->serial = serial;
	z->round_ms = now;
	z->pending = false;
	log_info("NOTIFY of %s (serial %u) to %u secondar%s", z->conf->name, serial, z->conf->notify_count,
		 z->conf->notify_count == 1 ? "y" : "ies");
	for (unsigned i = 0; i < z->conf->notify_count; i++) {
		struct target *t = &z->targets[i];
		memset(t, 0, sizeof *t);
		uint16_t id;
		if (getrandom(&id, sizeof id, 0) != sizeof id)
			id = (uint16_t)(now * 2654435761u >> 7);
		t->build_err = xfr_notify_message(z->conf->name, serial, id, xfr_zone_key(n->conf, z->conf), t->msg,
		                                  sizeof t->msg, &t->msg_len, &t->sent);
		send_one(n, z, i, now);
	}
}

/* Reads each zone's serial; starts a round where it moved (or defers it until the gap has passed). */
static void watch(notifier_t *n, uint64_t now)
{
	store_rtxn_t *r;
	if (store_read_begin(n->st, &r))
		return;
	for (unsigned i = 0; i < n->zone_count; i++) {
		struct zone_state *z = &n->zones[i];
		zone_def_t def;
		if (store_zone_get(r, z->conf->name, &def))
			continue; /* not in the store (yet) */
		if (!z->seen || (def.serial != z->serial && !z->pending) ||
		    (z->pending && def.serial != z->pending_serial)) {
			if (z->seen && now - z->round_ms < NOTIFY_GAP_MS) {
				z->pending = true;
				z->pending_serial = def.serial;
			} else {
				z->seen = true;
				begin_round(n, z, def.serial, now);
			}
		}
		if (z->pending && now - z->round_ms >= NOTIFY_GAP_MS)
			begin_round(n, z, z->pending_serial, now);
	}
	store_read_end(r);
}

/* Resends what is due; gives up after NOTIFY_TRIES. */
static void retry(notifier_t *n, uint64_t now)
{
	for (unsigned i = 0; i < n->zone_count; i++) {
		struct zone_state *z = &n->zones[i];
		for (unsigned j = 0; z->seen && j < z->conf->notify_count; j++) {
			struct target *t = &z->targets[j];
			if (t->acked || t->given_up || now < t->next_ms)
				continue;
			if (t->tries >= NOTIFY_TRIES) {
				char where[ADDR_STRLEN];
				addr_format(&z->conf->notify[j].addr, where);
				log_warn("NOTIFY of %s (serial %u) to %s port %u: no acknowledgement after %u tries",
					 z->conf->name, z->serial, where, z->conf->notify[j].port, t->tries);
				t->given_up = true;
				continue;
			}
			send_one(n, z, j, now);
		}
	}
}

/* Logs an answer from a target's address that would acknowledge its NOTIFY but for its TSIG: at warn once a round
 * (a secondary that does not sign, or has another key), at debug after that (a datagram is easily forged: a flood of
 * them must not fill the log). */
static void refused_ack(struct zone_state *z, unsigned j, enum xfr_notify_ack ack)
{
	struct target *t = &z->targets[j];
	char where[ADDR_STRLEN];
	addr_format(&z->conf->notify[j].addr, where);
	const char *why = ack == XFR_NOTIFY_ACK_UNSIGNED
	                          ? "it is not signed (the NOTIFY was, with the zone's key)"
	                          : "its TSIG is not the zone's key's over the NOTIFY, or does not verify";
	log_msg(t->warned ? RBL_LOG_DEBUG : RBL_LOG_WARN,
	        "NOTIFY of %s (serial %u) to %s port %u: the answer is not taken as an acknowledgement: %s",
	        z->conf->name, z->serial, where, z->conf->notify[j].port, why);
	t->warned = true;
}

/* Matches an answer to the target whose address sent it and whose NOTIFY it acknowledges (ID, header and, for a
 * signed NOTIFY, a TSIG of the zone's key over its MAC). An answer refused for its TSIG is logged when no other
 * target takes it (two zones' NOTIFYs to one address may share an ID). */
static void take_ack(notifier_t *n, const uint8_t *msg, size_t len, const struct sockaddr_storage *from)
{
	uint64_t now = (uint64_t)time(NULL);
	struct zone_state *refused_zone = NULL;
	unsigned refused_target = 0;
	enum xfr_notify_ack refused = XFR_NOTIFY_NOT_ACK;
	for (unsigned i = 0; i < n->zone_count; i++) {
		struct zone_state *z = &n->zones[i];
		for (unsigned j = 0; j < z->conf->notify_count; j++) {
			struct target *t = &z->targets[j];
			struct sockaddr_storage ss;
			socklen_t sl = target_sockaddr(&z->conf->notify[j], &ss);
			if (t->acked || t->build_err || ss.ss_family != from->ss_family || memcmp(&ss, from, sl) != 0)
				continue;
			enum xfr_notify_ack ack = xfr_notify_check_ack(msg, len, &t->sent, now);
			if (ack == XFR_NOTIFY_NOT_ACK)
				continue;
			if (ack != XFR_NOTIFY_ACK) {
				if (!refused_zone) {
					refused_zone = z;
					refused_target = j;
					refused = ack;
				}
				continue;
			}
			t->acked = true;
			log_debug("NOTIFY of %s (serial %u) acknowledged", z->conf->name, z->serial);
			return;
		}
	}
	if (refused_zone) /* not acknowledged: retried as if the answer had not come */
		refused_ack(refused_zone, refused_target, refused);
}

static void receive(notifier_t *n, int timeout_ms)
{
	struct pollfd pfd[2] = {{n->fd4, POLLIN, 0}, {n->fd6, POLLIN, 0}};
	if (poll(pfd, 2, timeout_ms) <= 0)
		return;
	for (int i = 0; i < 2; i++) {
		if (pfd[i].fd < 0 || !(pfd[i].revents & POLLIN))
			continue;
		uint8_t msg[4096];
		for (;;) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof from;
			ssize_t got = recvfrom(pfd[i].fd, msg, sizeof msg, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
			if (got < 0)
				break;
			take_ack(n, msg, (size_t)got, &from);
		}
	}
}

static void *run(void *arg)
{
	notifier_t *n = arg;
	uint64_t next_watch = 0;
	while (!atomic_load(&n->stop)) {
		uint64_t now = now_ms();
		if (now >= next_watch) {
			watch(n, now);
			next_watch = now + NOTIFY_POLL_MS;
		}
		retry(n, now);
		receive(n, NOTIFY_POLL_MS / 2);
	}
	return NULL;
}

static int udp_socket(int family)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd >= 0 && family == AF_INET6) {
		int on = 1;
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
	}
	return fd;
}

/* Its sockets and memory (the thread is not running). */
static void notifier_free(notifier_t *n)
{
	if (n->fd4 >= 0)
		close(n->fd4);
	if (n->fd6 >= 0)
		close(n->fd6);
	free(n->zones);
	free(n->conf);
	free(n);
}

notifier_t *notifier_start(const xfr_conf_t *conf, store_t *st)
{
	unsigned count = 0;
	for (unsigned i = 0; conf && i < conf->zone_count; i++)
		count += conf->zones[i].notify_count > 0;
	if (!count)
		return NULL;
	notifier_t *n = calloc(1, sizeof *n);
	if (!n || !(n->zones = calloc(count, sizeof *n->zones)) || !(n->conf = malloc(sizeof *n->conf))) {
		if (n)
			free(n->zones);
		free(n);
		log_err("NOTIFY: out of memory; secondaries will not be told of changes");
		return NULL;
	}
	*n->conf = *conf;
	n->st = st;
	n->fd4 = n->fd6 = -1;
	for (unsigned i = 0; i < n->conf->zone_count; i++)
		if (n->conf->zones[i].notify_count)
			n->zones[n->zone_count++].conf = &n->conf->zones[i];
	n->fd4 = udp_socket(AF_INET);
	n->fd6 = udp_socket(AF_INET6);
	if ((n->fd4 < 0 && n->fd6 < 0) || pthread_create(&n->thread, NULL, run, n)) {
		log_err("NOTIFY: cannot start (%s); secondaries will not be told of changes", strerror(errno));
		notifier_free(n);
		return NULL;
	}
	return n;
}

void notifier_stop(notifier_t *n)
{
	if (!n)
		return;
	atomic_store(&n->stop, true);
	pthread_join(n->thread, NULL);
	notifier_free(n);
}
