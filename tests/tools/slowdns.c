/* SPDX-License-Identifier: BSD-2-Clause */
/* slowdns.c — a small DNS server for the reverse-DNS tests that answers every query after a fixed delay, the
 * delays overlapping: a queue of answers due, one libuv timer for its head (the delay is the same for all, so the
 * order of arrival is the order of departure), never one answer waiting for another.
 *
 *   slowdns --listen ADDR:PORT [--delay-ms N] [--max-seconds N] [--ttl N] [--ready FILE] [--log FILE]
 *
 * It listens on UDP and TCP (two-byte length prefix, several queries a connection) on ADDR:PORT, a loopback
 * address only (127.0.0.0/8 or ::1: anything else is refused). Its data, class IN:
 *   Z.Y.X.127.in-addr.arpa  PTR  h-X-Y-Z.fake.test.        (any 127.X.Y.Z)
 *   h-X-Y-Z.fake.test       A    127.X.Y.Z
 *   fake.test, 127.in-addr.arpa  SOA (and NS ns.fake.test), the apexes of the two zones
 * Another type at one of those names, or a name between an apex and them (2.1.127.in-addr.arpa): NOERROR without
 * an answer (NODATA); any other name: NXDOMAIN. Negative answers carry their zone's SOA (none outside both zones).
 * Answers in its zones have AA set (NXDOMAIN too), and RA when the query had RD (so that a stub resolver pointed at
 * it is content); EDNS is answered with EDNS (1232 bytes). A query that does not parse gets FORMERR, an opcode other
 * than QUERY NOTIMP, a class other than IN REFUSED; responses (QR set) are dropped.
 *
 * --delay-ms (default 0): how long each answer waits, counted from its query's arrival. --ttl (default 60): of
 * every record. --ready FILE is created once both sockets listen; --log FILE gets a line per answer sent,
 * "MS_SINCE_START PROTO QNAME TYPE RCODE WAITING" (WAITING: answers queued at that moment, this one included).
 * It stops by itself after --max-seconds (default 300), or on SIGTERM/SIGINT, and then prints one line to stderr:
 * "slowdns: N queries, N answered, N dropped, at most N waiting at once". The queue is bounded (QUEUE_MAX; more
 * is dropped and counted), and so are TCP connections (TCP_MAX) and each TCP connection's idle time (TCP_IDLE_MS).
 * Exit status: 0 ran until stopped, 1 a socket or file error, 2 usage.
 */
#include <ctype.h>
#include <ldns/ldns.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <uv.h>

#include "tool_common.h"

#define QUEUE_MAX 100000
#define TCP_MAX 512
#define TCP_IDLE_MS 10000
#define TCP_MSG_MAX 65535
#define EDNS_SIZE 1232
#define UDP_BUFFER (8 * 1024 * 1024) /* a burst of a thousand queries must not overflow the socket */
#define FAKE_ZONE "fake.test"
#define REV_ZONE "127.in-addr.arpa"

static struct {
	unsigned delay_ms, max_seconds, ttl;
} opt = {.delay_ms = 0, .max_seconds = 300, .ttl = 60};

struct tcp_conn;

/* One answer waiting for its time; the send request lives in it, so it is freed once the send is done. */
struct pending {
	struct pending *next;
	uint64_t due_ns;       /* uv_hrtime() when it may go: its arrival plus the delay, never less */
	struct tcp_conn *conn; /* NULL: UDP, to peer */
	struct sockaddr_storage peer;
	union {
		uv_udp_send_t udp;
		uv_write_t tcp;
	} req;
	char log[300];
	size_t len;
	uint8_t wire[]; /* TCP: with its two-byte length first */
};

struct tcp_conn {
	uv_tcp_t tcp;
	uv_timer_t idle;
	unsigned refs; /* the two handles until closed, and each pending answer */
	bool closing;
	size_t have;
	uint8_t buf[2 + TCP_MSG_MAX];
};

static uv_loop_t *loop;
static uv_udp_t udp;
static uv_tcp_t listener;
static uv_timer_t due_timer;
static struct pending *queue_head, *queue_tail;
static size_t queued, queued_max, tcp_open;
static unsigned long n_queries, n_answered, n_dropped;
static uint64_t started_ns;
static FILE *log_file;
static bool stopping;

/* --- the data ------------------------------------------------------------------------------------------------ */

/* A decimal octet as it appears in a name: 0..255, no leading zero. Advances *p past it. */
static bool octet(const char **p, unsigned *out)
{
	const char *s = *p;
	unsigned v = 0;
	size_t n = 0;

	while (isdigit((unsigned char)s[n]) && n < 4)
		v = v * 10 + (unsigned)(s[n++] - '0');
	if (n == 0 || n > 3 || v > 255 || (n > 1 && s[0] == '0'))
		return false;
	*p = s + n;
	*out = v;
	return true;
}

/* Whether name (lowercase, no final dot) is suffix or ends in "." suffix; *prefix_len: what comes before ("." too). */
static bool under(const char *name, const char *suffix, size_t *prefix_len)
{
	size_t n = strlen(name), s = strlen(suffix);

	if (n == s && strcmp(name, suffix) == 0) {
		*prefix_len = 0;
		return true;
	}
	if (n > s && name[n - s - 1] == '.' && strcmp(name + n - s, suffix) == 0) {
		*prefix_len = n - s - 1;
		return true;
	}
	return false;
}

enum kind {
	NAME_NONE, /* NXDOMAIN */
	NAME_APEX, /* a zone's apex: SOA, NS */
	NAME_ENT,  /* between an apex and the data: exists, no records */
	NAME_PTR,  /* Z.Y.X.127.in-addr.arpa */
	NAME_A,    /* h-X-Y-Z.fake.test */
};

/* What name (lowercase, no final dot) is; *zone: its zone's apex (NULL outside both); o: its octets X, Y, Z. */
static enum kind classify(const char *name, const char **zone, unsigned o[3])
{
	size_t plen;

	*zone = NULL;
	if (under(name, REV_ZONE, &plen)) {
		*zone = REV_ZONE;
		if (plen == 0)
			return NAME_APEX;
		/* "Z.Y.X", "Y.X" or "X", written most specific first */
		const char *p = name;
		unsigned v[3], count = 0;
		while (count < 3 && octet(&p, &v[count])) {
			count++;
			if ((size_t)(p - name) == plen)
				break;
			if (*p != '.')
				return NAME_NONE;
			p++;
		}
		if ((size_t)(p - name) != plen || count == 0)
			return NAME_NONE;
		if (count < 3)
			return NAME_ENT;
		o[0] = v[2];
		o[1] = v[1];
		o[2] = v[0];
		return NAME_PTR;
	}
	if (under(name, FAKE_ZONE, &plen)) {
		*zone = FAKE_ZONE;
		if (plen == 0)
			return NAME_APEX;
		const char *p = name;
		if (strncmp(p, "h-", 2) != 0)
			return NAME_NONE;
		p += 2;
		for (int i = 0; i < 3; i++) {
			if (!octet(&p, &o[i]))
				return NAME_NONE;
			if (i < 2 && *p++ != '-')
				return NAME_NONE;
		}
		return (size_t)(p - name) == plen ? NAME_A : NAME_NONE;
	}
	return NAME_NONE;
}

/* Adds the record "OWNER TTL IN TEXT" to a section of resp. */
static bool push(ldns_pkt *resp, ldns_pkt_section section, const char *owner, const char *text)
{
	char line[600];
	ldns_rr *rr = NULL;

	snprintf(line, sizeof line, "%s. %u IN %s", owner, opt.ttl, text);
	if (ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL) != LDNS_STATUS_OK)
		return false;
	ldns_pkt_push_rr(resp, section, rr);
	return true;
}

static bool push_soa(ldns_pkt *resp, ldns_pkt_section section, const char *zone)
{
	return push(resp, section, zone, "SOA ns." FAKE_ZONE ". hostmaster." FAKE_ZONE ". 1 3600 600 86400 60");
}

/* A header-only reply to a query we cannot parse: its id, QR, the rcode. */
static size_t header_reply(const uint8_t *q, size_t qlen, ldns_pkt_rcode rcode, uint8_t *out)
{
	if (qlen < 12 || (q[2] & 0x80))
		return 0;
	memset(out, 0, 12);
	out[0] = q[0];
	out[1] = q[1];
	out[2] = (uint8_t)(0x80 | (q[2] & 0x79)); /* QR, the opcode and RD as asked */
	out[3] = (uint8_t)rcode;
	return 12;
}

/* The answer to the query q, in *wire (malloc'd, *len bytes), and a log text; false: nothing to send (dropped). */
static bool answer(const uint8_t *q, size_t qlen, uint8_t **wire, size_t *len, char *log, size_t log_size)
{
	ldns_pkt *query = NULL, *resp = NULL;
	char *owner_text = NULL, name[LDNS_MAX_DOMAINLEN + 2];
	bool ok = false;

	*wire = NULL;
	if (ldns_wire2pkt(&query, q, qlen) != LDNS_STATUS_OK) {
		uint8_t hdr[12];
		size_t n = header_reply(q, qlen, LDNS_RCODE_FORMERR, hdr);
		if (n == 0 || (*wire = malloc(n)) == NULL)
			return false;
		memcpy(*wire, hdr, n);
		*len = n;
		snprintf(log, log_size, "(unparsable) - FORMERR");
		return true;
	}
	if (ldns_pkt_qr(query))
		goto done;
	resp = ldns_pkt_new();
	if (resp == NULL)
		goto done;
	ldns_pkt_set_id(resp, ldns_pkt_id(query));
	ldns_pkt_set_qr(resp, true);
	ldns_pkt_set_opcode(resp, ldns_pkt_get_opcode(query));
	ldns_pkt_set_rd(resp, ldns_pkt_rd(query));
	ldns_pkt_set_ra(resp, ldns_pkt_rd(query));
	ldns_pkt_set_cd(resp, ldns_pkt_cd(query));
	if (ldns_pkt_edns(query))
		ldns_pkt_set_edns_udp_size(resp, EDNS_SIZE);

	ldns_rr_list *questions = ldns_pkt_question(query);
	if (ldns_pkt_get_opcode(query) != LDNS_PACKET_QUERY) {
		ldns_pkt_set_rcode(resp, LDNS_RCODE_NOTIMPL);
		snprintf(log, log_size, "(opcode %d) - NOTIMP", (int)ldns_pkt_get_opcode(query));
	} else if (questions == NULL || ldns_rr_list_rr_count(questions) != 1) {
		ldns_pkt_set_rcode(resp, LDNS_RCODE_FORMERR);
		snprintf(log, log_size, "(%zu questions) - FORMERR", questions ? ldns_rr_list_rr_count(questions) : 0);
	} else {
		ldns_rr *question = ldns_rr_list_rr(questions, 0);
		ldns_rr_type type = ldns_rr_get_type(question);
		char *type_text = ldns_rr_type2str(type);
		ldns_pkt_push_rr(resp, LDNS_SECTION_QUESTION, ldns_rr_clone(question));
		owner_text = ldns_rdf2str(ldns_rr_owner(question));
		if (owner_text == NULL) {
			free(type_text);
			goto done;
		}
		/* The owner as asked (case kept), without its final dot; the name lowercased, to look it up. */
		size_t n = strlen(owner_text);
		if (n > 1 && owner_text[n - 1] == '.')
			owner_text[--n] = '\0';
		snprintf(name, sizeof name, "%s", owner_text);
		for (char *c = name; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		const char *zone = NULL;
		unsigned o[3] = {0, 0, 0};
		enum kind k = ldns_rr_get_class(question) == LDNS_RR_CLASS_IN ? classify(name, &zone, o) : NAME_NONE;
		char text[300];
		bool answered = false;
		if (zone != NULL)
			ldns_pkt_set_aa(resp, true); /* its own zones: an authoritative answer, NXDOMAIN too */
		if (ldns_rr_get_class(question) != LDNS_RR_CLASS_IN) {
			ldns_pkt_set_rcode(resp, LDNS_RCODE_REFUSED);
		} else if (k == NAME_NONE) {
			ldns_pkt_set_rcode(resp, LDNS_RCODE_NXDOMAIN);
		} else {
			if (k == NAME_PTR && (type == LDNS_RR_TYPE_PTR || type == LDNS_RR_TYPE_ANY)) {
				snprintf(text, sizeof text, "PTR h-%u-%u-%u." FAKE_ZONE ".", o[0], o[1], o[2]);
				answered = push(resp, LDNS_SECTION_ANSWER, owner_text, text);
			} else if (k == NAME_A && (type == LDNS_RR_TYPE_A || type == LDNS_RR_TYPE_ANY)) {
				snprintf(text, sizeof text, "A 127.%u.%u.%u", o[0], o[1], o[2]);
				answered = push(resp, LDNS_SECTION_ANSWER, owner_text, text);
			} else if (k == NAME_APEX && type == LDNS_RR_TYPE_SOA) {
				answered = push_soa(resp, LDNS_SECTION_ANSWER, owner_text);
			} else if (k == NAME_APEX && type == LDNS_RR_TYPE_NS) {
				answered = push(resp, LDNS_SECTION_ANSWER, owner_text, "NS ns." FAKE_ZONE ".");
			}
		}
		if (!answered && zone != NULL && ldns_pkt_get_rcode(resp) != LDNS_RCODE_REFUSED)
			push_soa(resp, LDNS_SECTION_AUTHORITY, zone);
		ldns_lookup_table *rc = ldns_lookup_by_id(ldns_rcodes, (int)ldns_pkt_get_rcode(resp));
		snprintf(log, log_size, "%s %s %s", owner_text, type_text ? type_text : "?", rc ? rc->name : "?");
		free(type_text);
	}
	if (ldns_pkt2wire(wire, resp, len) == LDNS_STATUS_OK)
		ok = true;
done:
	free(owner_text);
	ldns_pkt_free(query);
	ldns_pkt_free(resp);
	return ok;
}

/* --- the queue of answers due --------------------------------------------------------------------------------- */

static void on_due(uv_timer_t *timer);

static void conn_unref(struct tcp_conn *c)
{
	if (--c->refs == 0) {
		free(c);
		tcp_open--;
	}
}

static void on_conn_handle_closed(uv_handle_t *handle)
{
	conn_unref(handle->data);
}

static void conn_close(struct tcp_conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	uv_close((uv_handle_t *)&c->tcp, on_conn_handle_closed);
	uv_close((uv_handle_t *)&c->idle, on_conn_handle_closed);
}

static void on_udp_sent(uv_udp_send_t *req, int status)
{
	(void)status; /* the client may have gone: fine */
	free(req->data);
}

static void on_tcp_written(uv_write_t *req, int status)
{
	struct pending *p = req->data;

	if (status < 0)
		conn_close(p->conn);
	conn_unref(p->conn);
	free(p);
}

static void send_pending(struct pending *p)
{
	uv_buf_t buf = uv_buf_init((char *)p->wire, (unsigned)p->len);

	if (log_file)
		fprintf(log_file, "%llu %s %s %zu\n", (unsigned long long)((uv_hrtime() - started_ns) / 1000000u),
		        p->conn ? "tcp" : "udp", p->log, queued + 1);
	if (p->conn) {
		if (p->conn->closing) {
			n_dropped++;
			conn_unref(p->conn);
			free(p);
			return;
		}
		p->req.tcp.data = p;
		if (uv_write(&p->req.tcp, (uv_stream_t *)&p->conn->tcp, &buf, 1, on_tcp_written) < 0) {
			n_dropped++;
			conn_close(p->conn);
			conn_unref(p->conn);
			free(p);
			return;
		}
		uv_timer_again(&p->conn->idle);
	} else {
		p->req.udp.data = p;
		if (uv_udp_send(&p->req.udp, &udp, &buf, 1, (const struct sockaddr *)&p->peer, on_udp_sent) < 0) {
			n_dropped++;
			free(p);
			return;
		}
	}
	n_answered++;
}

/* Starts the timer for the answer due at due_ns: libuv's timers count whole ms of a loop time taken at the start
 * of the iteration, so the wait is rounded up and on_due checks the clock itself (an early wake-up re-arms). */
static void arm(uint64_t due_ns)
{
	uint64_t now = uv_hrtime();
	uint64_t ms = due_ns > now ? (due_ns - now + 999999u) / 1000000u : 0;

	uv_update_time(loop);
	uv_timer_start(&due_timer, on_due, ms, 0);
}

/* Queues the answer to q (from peer, or on conn); it goes after the delay. */
static void handle_query(const uint8_t *q, size_t qlen, const struct sockaddr *peer, struct tcp_conn *conn)
{
	uint8_t *wire;
	size_t len;
	char log[300];

	n_queries++;
	if (stopping || queued >= QUEUE_MAX || !answer(q, qlen, &wire, &len, log, sizeof log)) {
		n_dropped++;
		return;
	}
	size_t prefix = conn ? 2 : 0;
	struct pending *p = malloc(sizeof *p + prefix + len);
	if (p == NULL) {
		free(wire);
		n_dropped++;
		return;
	}
	memset(p, 0, sizeof *p);
	p->due_ns = uv_hrtime() + (uint64_t)opt.delay_ms * 1000000u;
	p->conn = conn;
	if (peer)
		memcpy(&p->peer, peer,
		       peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	snprintf(p->log, sizeof p->log, "%s", log);
	if (conn) {
		p->wire[0] = (uint8_t)(len >> 8);
		p->wire[1] = (uint8_t)len;
		conn->refs++;
	}
	memcpy(p->wire + prefix, wire, len);
	p->len = prefix + len;
	LDNS_FREE(wire);
	if (queue_tail)
		queue_tail->next = p;
	else
		queue_head = p;
	queue_tail = p;
	if (++queued > queued_max)
		queued_max = queued;
	if (!uv_is_active((uv_handle_t *)&due_timer))
		arm(p->due_ns);
}

/* Sends every answer that is due, then waits for the next one's time. */
static void on_due(uv_timer_t *timer)
{
	uint64_t now = uv_hrtime();

	(void)timer;
	while (queue_head && queue_head->due_ns <= now) {
		struct pending *p = queue_head;
		queue_head = p->next;
		if (queue_head == NULL)
			queue_tail = NULL;
		queued--;
		send_pending(p);
	}
	if (queue_head)
		arm(queue_head->due_ns);
}

/* --- sockets ---------------------------------------------------------------------------------------------------- */

static void on_udp_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	static char block[TCP_MSG_MAX];

	(void)handle;
	(void)suggested;
	*buf = uv_buf_init(block, sizeof block);
}

static void on_udp_read(uv_udp_t *handle, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *peer,
                        unsigned flags)
{
	(void)handle;
	if (nread <= 0 || peer == NULL || (flags & UV_UDP_PARTIAL))
		return;
	handle_query((const uint8_t *)buf->base, (size_t)nread, peer, NULL);
}

static void on_tcp_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	struct tcp_conn *c = handle->data;

	(void)suggested;
	*buf = uv_buf_init((char *)c->buf + c->have, (unsigned)(sizeof c->buf - c->have));
}

static void on_tcp_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct tcp_conn *c = stream->data;

	(void)buf;
	if (nread < 0) {
		conn_close(c);
		return;
	}
	c->have += (size_t)nread;
	uv_timer_again(&c->idle);
	while (c->have >= 2) {
		size_t len = ((size_t)c->buf[0] << 8) | c->buf[1];
		if (c->have < 2 + len)
			break;
		handle_query(c->buf + 2, len, NULL, c);
		memmove(c->buf, c->buf + 2 + len, c->have - 2 - len);
		c->have -= 2 + len;
	}
}

static void on_idle(uv_timer_t *timer)
{
	conn_close(timer->data);
}

static void free_handle(uv_handle_t *handle)
{
	free(handle);
}

static void on_connection(uv_stream_t *server, int status)
{
	struct tcp_conn *c;

	if (status < 0 || stopping || tcp_open >= TCP_MAX || (c = calloc(1, sizeof *c)) == NULL) {
		/* Accept and drop it, so that it does not wait in the backlog. */
		uv_tcp_t *drop = malloc(sizeof *drop);
		if (status >= 0 && drop && uv_tcp_init(loop, drop) == 0) {
			if (uv_accept(server, (uv_stream_t *)drop) != 0) { /* nothing to do: closed just below */
			}
			drop->data = NULL;
			uv_close((uv_handle_t *)drop, free_handle);
		} else {
			free(drop);
		}
		return;
	}
	tcp_open++;
	c->refs = 2;
	uv_tcp_init(loop, &c->tcp);
	uv_timer_init(loop, &c->idle);
	c->tcp.data = c->idle.data = c;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
		conn_close(c);
		return;
	}
	uv_timer_start(&c->idle, on_idle, TCP_IDLE_MS, TCP_IDLE_MS);
	uv_read_start((uv_stream_t *)&c->tcp, on_tcp_alloc, on_tcp_read);
}

/* Room for bursts in the UDP socket's buffers: past net.core.rmem_max as root (SO_*BUFFORCE), else up to it. */
static void grow_buffers(void)
{
	uv_os_fd_t fd;
	int size = UDP_BUFFER;

	if (uv_fileno((uv_handle_t *)&udp, &fd) != 0)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
		uv_recv_buffer_size((uv_handle_t *)&udp, &size);
	size = UDP_BUFFER;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
		uv_send_buffer_size((uv_handle_t *)&udp, &size);
}

/* --- start and stop ------------------------------------------------------------------------------------------- */

static void close_any(uv_handle_t *handle, void *arg)
{
	(void)arg;
	if (uv_is_closing(handle))
		return;
	if (handle->data != NULL && handle->type == UV_TCP && handle != (uv_handle_t *)&listener)
		conn_close(handle->data);
	else if (handle->data != NULL && handle->type == UV_TIMER && handle != (uv_handle_t *)&due_timer)
		conn_close(handle->data); /* a connection's idle timer (tool_run's handles have data NULL) */
	else
		uv_close(handle, NULL);
}

static void stop(void)
{
	if (stopping)
		return;
	stopping = true;
	/* What is still queued is dropped. */
	while (queue_head) {
		struct pending *p = queue_head;
		queue_head = p->next;
		if (p->conn)
			conn_unref(p->conn);
		free(p);
		n_dropped++;
	}
	queue_tail = NULL;
	queued = 0;
	uv_walk(loop, close_any, NULL);
}

static void usage(void)
{
	fprintf(stderr, "usage: slowdns --listen ADDR:PORT [--delay-ms N] [--max-seconds N] [--ttl N] [--ready FILE] "
	                "[--log FILE]\n"
	                "  answers PTR for Z.Y.X.127.in-addr.arpa (h-X-Y-Z." FAKE_ZONE ") and A for h-X-Y-Z." FAKE_ZONE
	                " (127.X.Y.Z),\n"
	                "  NXDOMAIN for any other name, each after --delay-ms; ADDR must be a loopback address\n");
}

int main(int argc, char **argv)
{
	const char *listen_arg = NULL, *ready_path = NULL, *log_path = NULL;
	struct sockaddr_storage ss;
	int err, status = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool ok = v != NULL;
		if (ok && strcmp(a, "--listen") == 0)
			listen_arg = v;
		else if (ok && strcmp(a, "--delay-ms") == 0)
			ok = tool_number_arg(v, 0, 60000, &opt.delay_ms);
		else if (ok && strcmp(a, "--max-seconds") == 0)
			ok = tool_number_arg(v, 1, 3600, &opt.max_seconds);
		else if (ok && strcmp(a, "--ttl") == 0)
			ok = tool_number_arg(v, 0, 86400, &opt.ttl);
		else if (ok && strcmp(a, "--ready") == 0)
			ready_path = v;
		else if (ok && strcmp(a, "--log") == 0)
			log_path = v;
		else
			ok = false;
		if (!ok) {
			usage();
			return 2;
		}
		i++;
	}
	if (listen_arg == NULL) {
		usage();
		return 2;
	}
	if (tool_parse_addr_port(listen_arg, &ss) != 0) {
		fprintf(stderr, "slowdns: bad address %s (want ADDR:PORT or [ADDR]:PORT)\n", listen_arg);
		return 2;
	}
	if (!tool_is_loopback(&ss)) {
		fprintf(stderr, "slowdns: %s is not a loopback address: refused\n", listen_arg);
		return 1;
	}
	if (!tool_open_log("slowdns", log_path, &log_file))
		return 1;
	signal(SIGPIPE, SIG_IGN);
	loop = uv_default_loop();
	started_ns = uv_hrtime();
	uv_timer_init(loop, &due_timer);
	uv_udp_init(loop, &udp);
	uv_tcp_init(loop, &listener);
	if ((err = uv_udp_bind(&udp, (const struct sockaddr *)&ss, 0)) == 0) {
		grow_buffers();
		err = uv_udp_recv_start(&udp, on_udp_alloc, on_udp_read);
	}
	if (err == 0 && (err = uv_tcp_bind(&listener, (const struct sockaddr *)&ss, 0)) == 0)
		err = uv_listen((uv_stream_t *)&listener, 128, on_connection);
	if (err != 0) {
		fprintf(stderr, "slowdns: cannot listen on %s: %s\n", listen_arg, uv_strerror(err));
		status = 1;
	}
	if (status == 0 && !tool_write_ready("slowdns", ready_path))
		status = 1;
	if (status == 0)
		tool_run(loop, "slowdns", opt.max_seconds, stop);
	stop();
	uv_run(loop, UV_RUN_DEFAULT);
	uv_loop_close(loop);
	if (log_file)
		fclose(log_file);
	fprintf(stderr, "slowdns: %lu queries, %lu answered, %lu dropped, at most %zu waiting at once\n", n_queries,
	        n_answered, n_dropped, queued_max);
	return status;
}
