/* SPDX-License-Identifier: BSD-2-Clause */
/* qlog.c — the query log: per-worker rings, one writer thread, the line format (qlog.h). */
#include "qlog.h"

#include "base/err.h"
#include "base/log.h"
#include "query/wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#define QLOG_BUFFER (64 * 1024)

struct qlog {
	char *path;
	FILE *file; /* NULL while the file cannot be opened: lines drained then are lost */
	qlog_ring_t *rings;
	unsigned ring_count;
	uint64_t lost;       /* lines drained while no file was open, or whose write failed (writer only) */
	bool write_failed;   /* a write error was logged; logged again only after a reopen */
	_Atomic bool reopen; /* set by qlog_reopen, taken by the writer */
	bool stop;           /* under lock */
	bool started;
	uv_mutex_t lock; /* the writer's: held while it drains, so qlog_sync may run beside it */
	uv_cond_t wake;
	uv_thread_t thread;
	time_t line_second; /* the second whose text line_time holds; -1 none */
	char line_time[24]; /* "2026-12-05T03:04:05." */
};

/* --- the worker's side --- */

/* Skips a name in a response (labels or a compression pointer) at off; returns the offset after it, or 0. */
static size_t skip_name(const uint8_t *p, size_t len, size_t off)
{
	while (off < len) {
		uint8_t b = p[off];
		if (b == 0)
			return off + 1;
		if ((b & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : 0;
		if (b & 0xc0)
			return 0;
		off += 1 + (size_t)b;
	}
	return 0;
}

/* The A records' addresses in the answer section of resp, at most QLOG_MAX_CODES. Bounded by resp_len and the
 * answer count; a response that does not parse gives what was read so far. */
static void read_codes(qlog_record_t *rec, const uint8_t *resp, size_t resp_len, size_t qname_len)
{
	if (resp_len < WIRE_HEADER_LEN || (resp[4] << 8 | resp[5]) != 1)
		return;
	unsigned ancount = (unsigned)(resp[6] << 8 | resp[7]);
	size_t off = WIRE_HEADER_LEN + qname_len + 4; /* the question, echoed as the query had it */
	for (unsigned i = 0; i < ancount && rec->code_count < QLOG_MAX_CODES; i++) {
		off = skip_name(resp, resp_len, off);
		if (!off || off + 10 > resp_len)
			return;
		unsigned type = (unsigned)(resp[off] << 8 | resp[off + 1]);
		unsigned rdlen = (unsigned)(resp[off + 8] << 8 | resp[off + 9]);
		off += 10;
		if (off + rdlen > resp_len)
			return;
		if (type == WIRE_T_A && rdlen == 4)
			memcpy(rec->codes[rec->code_count++], resp + off, 4);
		off += rdlen;
	}
}

void qlog_record_fill(qlog_record_t *rec, int64_t time_ms, const struct sockaddr *peer, const uint8_t *pkt, size_t len,
                      const answer_info_t *info, const uint8_t *resp, size_t resp_len, bool tcp)
{
	rec->time_ms = time_ms;
	if (peer->sa_family == AF_INET6) {
		rec->family = 6;
		memcpy(rec->addr, &((const struct sockaddr_in6 *)peer)->sin6_addr, 16);
	} else {
		rec->family = 4;
		memcpy(rec->addr, &((const struct sockaddr_in *)peer)->sin_addr, 4);
	}
	rec->tcp = tcp;
	rec->rcode = info->rcode;
	rec->qtype = info->qtype;
	rec->code_count = 0;
	size_t qlen = info->qname_len;
	if (qlen > sizeof rec->qname || WIRE_HEADER_LEN + qlen > len)
		qlen = 0;
	rec->qname_len = (uint16_t)qlen;
	memcpy(rec->qname, pkt + WIRE_HEADER_LEN, qlen);
	if (info->listed && qlen)
		read_codes(rec, resp, resp_len, qlen);
}

bool qlog_query(qlog_ring_t *ring, const struct sockaddr *peer, const uint8_t *pkt, size_t len,
                const answer_info_t *info, const uint8_t *resp, size_t resp_len, bool tcp)
{
	if (++ring->sample_seen < ring->sample)
		return true;
	ring->sample_seen = 0;
	uint64_t head = atomic_load_explicit(&ring->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&ring->tail, memory_order_acquire);
	if (head - tail > ring->mask) {
		/* One writer: a load and a store, no locked read-modify-write. */
		atomic_store_explicit(&ring->dropped, atomic_load_explicit(&ring->dropped, memory_order_relaxed) + 1,
		                      memory_order_relaxed);
		return false;
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	qlog_record_fill(&ring->records[head & ring->mask], (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000, peer,
	                 pkt, len, info, resp, resp_len, tcp);
	atomic_store_explicit(&ring->head, head + 1, memory_order_release);
	return true;
}

/* --- the line --- */

static const char *qtype_name(uint16_t t)
{
	switch (t) {
	case 1:
		return "A";
	case 2:
		return "NS";
	case 5:
		return "CNAME";
	case 6:
		return "SOA";
	case 12:
		return "PTR";
	case 15:
		return "MX";
	case 16:
		return "TXT";
	case 28:
		return "AAAA";
	case 33:
		return "SRV";
	case 35:
		return "NAPTR";
	case 43:
		return "DS";
	case 46:
		return "RRSIG";
	case 47:
		return "NSEC";
	case 48:
		return "DNSKEY";
	case 64:
		return "SVCB";
	case 65:
		return "HTTPS";
	case 99:
		return "SPF";
	case 251:
		return "IXFR";
	case 252:
		return "AXFR";
	case 255:
		return "ANY";
	case 257:
		return "CAA";
	default:
		return NULL;
	}
}

static const char *rcode_name(uint8_t r)
{
	static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};
	if (r < sizeof names / sizeof names[0])
		return names[r];
	return r == WIRE_R_BADVERS ? "BADVERS" : NULL;
}

/* The name in lowercase presentation form; a byte that is not printable ASCII, a space, or a . or \ inside a label
 * is escaped, so no control character reaches the file. A malformed wire name escapes the rest byte by byte. */
static size_t format_name(const uint8_t *name, size_t len, char *out)
{
	size_t o = 0, i = 0;
	if (len == 0) {
		out[o++] = '-';
		return o;
	}
	while (i < len) {
		size_t label = name[i];
		if (label == 0 && i + 1 == len)
			break;
		if (label == 0 || label > 63 || i + 1 + label > len) {
			for (; i < len; i++)
				o += (size_t)sprintf(out + o, "\\%03u", name[i]);
			return o;
		}
		for (size_t k = i + 1; k <= i + label; k++) {
			uint8_t c = name[k];
			if (c >= 'A' && c <= 'Z')
				out[o++] = (char)(c + 32);
			else if (c == '.' || c == '\\')
				out[o++] = '\\', out[o++] = (char)c;
			else if (c > ' ' && c < 0x7f)
				out[o++] = (char)c;
			else
				o += (size_t)sprintf(out + o, "\\%03u", c);
		}
		out[o++] = '.';
		i += 1 + label;
	}
	if (o > 1)
		o--; /* no trailing dot, as in the example: the root alone is "." */
	else if (o == 0)
		out[o++] = '.';
	return o;
}

/* "YYYY-MM-DDTHH:MM:SS." of the record's second, formatted once per second. */
static void format_time(time_t second, char out[24])
{
	struct tm tm;
	gmtime_r(&second, &tm);
	strftime(out, 24, "%Y-%m-%dT%H:%M:%S.", &tm);
}

static size_t format_with(const qlog_record_t *rec, const char *second_text, char *out, size_t cap)
{
	char client[INET6_ADDRSTRLEN];
	inet_ntop(rec->family == 6 ? AF_INET6 : AF_INET, rec->addr, client, sizeof client);
	char name[4 * 255 + 2];
	name[format_name(rec->qname, rec->qname_len, name)] = '\0';
	char qtype[16];
	const char *t = rec->qname_len ? qtype_name(rec->qtype) : "-";
	if (!t)
		snprintf(qtype, sizeof qtype, "TYPE%u", rec->qtype), t = qtype;
	char rcode[16];
	const char *r = rcode_name(rec->rcode);
	if (!r)
		snprintf(rcode, sizeof rcode, "RCODE%u", rec->rcode), r = rcode;
	char codes[QLOG_MAX_CODES * 16] = "-";
	size_t c = 0;
	for (unsigned i = 0; i < rec->code_count; i++) {
		if (i)
			codes[c++] = ',';
		inet_ntop(AF_INET, rec->codes[i], codes + c, (socklen_t)(sizeof codes - c));
		c += strlen(codes + c);
	}
	int n = snprintf(out, cap, "%s%03dZ %s %s %s %s %s %s\n", second_text, (int)(rec->time_ms % 1000), client, name,
	                 t, r, codes, rec->tcp ? "tcp" : "udp");
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

size_t qlog_format(const qlog_record_t *rec, char *out, size_t cap)
{
	char second[24];
	format_time((time_t)(rec->time_ms / 1000), second);
	return format_with(rec, second, out, cap);
}

/* --- the writer's side --- */

int qlog_new(const char *path, unsigned workers, unsigned sample, unsigned ring_size, qlog_t **out)
{
	*out = NULL;
	if (!path || !*path || workers == 0 || sample == 0 || sample > QLOG_SAMPLE_MAX || ring_size < 2 ||
	    (ring_size & (ring_size - 1)))
		return RBL_EINVAL;
	qlog_t *q = calloc(1, sizeof *q);
	if (!q)
		return RBL_ENOMEM;
	q->path = strdup(path);
	q->ring_count = workers;
	q->rings = aligned_alloc(64, workers * sizeof *q->rings);
	q->line_second = -1;
	if (!q->path || !q->rings) {
		free(q->rings);
		q->rings = NULL;
		goto nomem;
	}
	memset(q->rings, 0, workers * sizeof *q->rings);
	for (unsigned i = 0; i < workers; i++) {
		q->rings[i].sample = sample;
		q->rings[i].mask = ring_size - 1;
		q->rings[i].records = calloc(ring_size, sizeof(qlog_record_t));
		if (!q->rings[i].records)
			goto nomem;
	}
	uv_mutex_init(&q->lock);
	uv_cond_init(&q->wake);
	*out = q;
	return RBL_OK;
nomem:
	for (unsigned i = 0; q->rings && i < workers; i++)
		free(q->rings[i].records);
	free(q->rings);
	free(q->path);
	free(q);
	return RBL_ENOMEM;
}

static FILE *open_path(const char *path, int *error)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
	if (fd < 0) {
		*error = errno;
		return NULL;
	}
	FILE *f = fdopen(fd, "a");
	if (!f) {
		*error = errno;
		close(fd);
		return NULL;
	}
	setvbuf(f, NULL, _IOFBF, QLOG_BUFFER);
	return f;
}

int qlog_open_file(qlog_t *q, char *err, size_t err_size)
{
	int error = 0;
	q->file = open_path(q->path, &error);
	if (!q->file) {
		snprintf(err, err_size, "cannot open the query log %s: %s", q->path, strerror(error));
		return -1;
	}
	return 0;
}

static void close_file(qlog_t *q)
{
	if (!q->file)
		return;
	if (fclose(q->file) != 0 && !q->write_failed)
		log_warn("query log %s: %s (lines were lost)", q->path, strerror(errno));
	q->file = NULL;
}

static void reopen_file(qlog_t *q)
{
	close_file(q);
	int error = 0;
	q->file = open_path(q->path, &error);
	q->write_failed = false;
	if (!q->file)
		log_err("query log: cannot reopen %s: %s; lines are dropped until a reopen (SIGHUP) works", q->path,
		        strerror(error));
}

static void drain_ring(qlog_t *q, qlog_ring_t *ring)
{
	uint64_t tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&ring->head, memory_order_acquire);
	char line[QLOG_LINE_MAX];
	for (; tail != head; tail++) {
		const qlog_record_t *rec = &ring->records[tail & ring->mask];
		if (!q->file) {
			q->lost++;
			continue;
		}
		time_t second = (time_t)(rec->time_ms / 1000);
		if (second != q->line_second) {
			format_time(second, q->line_time);
			q->line_second = second;
		}
		size_t n = format_with(rec, q->line_time, line, sizeof line);
		if (fwrite(line, 1, n, q->file) != n)
			q->lost++;
	}
	atomic_store_explicit(&ring->tail, tail, memory_order_release);
}

/* One wake-up's work; the caller holds q->lock. */
static void sync_locked(qlog_t *q)
{
	if (atomic_exchange(&q->reopen, false))
		reopen_file(q);
	for (unsigned i = 0; i < q->ring_count; i++)
		drain_ring(q, &q->rings[i]);
	if (q->file && (fflush(q->file) != 0 || ferror(q->file))) {
		if (!q->write_failed)
			log_err("query log %s: cannot write: %s; lines are lost until it can", q->path,
			        strerror(errno));
		q->write_failed = true;
		clearerr(q->file);
	}
}

void qlog_sync(qlog_t *q)
{
	uv_mutex_lock(&q->lock);
	sync_locked(q);
	uv_mutex_unlock(&q->lock);
}

static void writer_main(void *arg)
{
	qlog_t *q = arg;
	uv_mutex_lock(&q->lock);
	while (!q->stop) {
		/* A timer, never a wake-up per query: the workers do not signal. */
		uv_cond_timedwait(&q->wake, &q->lock, (uint64_t)QLOG_WAKE_MS * 1000000u);
		sync_locked(q);
	}
	uv_mutex_unlock(&q->lock);
}

int qlog_start(qlog_t *q)
{
	if (uv_thread_create(&q->thread, writer_main, q))
		return RBL_ENOMEM;
	q->started = true;
	return RBL_OK;
}

void qlog_reopen(qlog_t *q)
{
	if (!q)
		return;
	atomic_store(&q->reopen, true);
	uv_mutex_lock(&q->lock);
	uv_cond_signal(&q->wake);
	uv_mutex_unlock(&q->lock);
}

qlog_ring_t *qlog_ring(qlog_t *q, unsigned w)
{
	return &q->rings[w];
}

uint64_t qlog_dropped(qlog_t *q)
{
	uint64_t total = 0;
	for (unsigned i = 0; i < q->ring_count; i++)
		total += atomic_load_explicit(&q->rings[i].dropped, memory_order_relaxed);
	uv_mutex_lock(&q->lock);
	total += q->lost;
	uv_mutex_unlock(&q->lock);
	return total;
}

void qlog_free(qlog_t *q)
{
	if (!q)
		return;
	if (q->started) {
		uv_mutex_lock(&q->lock);
		q->stop = true;
		uv_cond_signal(&q->wake);
		uv_mutex_unlock(&q->lock);
		uv_thread_join(&q->thread);
	}
	qlog_sync(q); /* what came after the writer's last wake-up */
	uint64_t dropped = qlog_dropped(q);
	if (q->started)
		log_info("query log %s: %llu line(s) dropped", q->path, (unsigned long long)dropped);
	close_file(q);
	uv_cond_destroy(&q->wake);
	uv_mutex_destroy(&q->lock);
	for (unsigned i = 0; i < q->ring_count; i++)
		free(q->rings[i].records);
	free(q->rings);
	free(q->path);
	free(q);
}
