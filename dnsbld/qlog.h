/* SPDX-License-Identifier: BSD-2-Clause */
/* qlog.h — the query log: one line per query (or one in N), written off the query path.
 *
 * Each worker owns a ring of fixed-size records (qlog_ring_t), allocated once with the log: per query it copies the
 * client, the question name, the qtype, the rcode and the A records' addresses of a listed answer into the next slot
 * and publishes it with a release store of the ring's head. It never waits, allocates or calls into the kernel:
 * when its ring is full the line is counted as dropped and the worker goes on. One writer thread for the process
 * (qlog_start) wakes every QLOG_WAKE_MS, drains every ring (acquire loads), formats the lines and writes them through
 * a stdio buffer, flushed once per wake-up. qlog_reopen (SIGHUP, logrotate) makes the writer close the file and open
 * the same path again; while it cannot be opened, the lines drained are lost (counted, logged). Logs on open
 * failures and at close; nothing per query.
 *
 * Line: TIME CLIENT QNAME QTYPE RCODE CODES TRANSPORT, e.g.
 *   2026-12-05T03:04:05.123Z 127.0.0.1 2.0.0.127.relays.rbl.example A NOERROR 127.0.0.2 udp
 * TIME UTC with milliseconds; QNAME lowercase presentation form, every byte outside [!-~] and the characters . and \
 * inside a label escaped as \DDD or \. \\ ("-" when the question was not read); QTYPE a mnemonic or TYPEnnn; CODES
 * the A records' addresses of a listed answer, comma-separated, else "-"; TRANSPORT udp or tcp.
 */
#ifndef DNSBLD_QLOG_H
#define DNSBLD_QLOG_H

#include "query/answer.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define QLOG_RING_DEFAULT 4096 /* records per worker (a power of two) */
#define QLOG_MAX_CODES 8       /* A records of one answer kept for the line; more are left out */
#define QLOG_SAMPLE_MAX 1000000
#define QLOG_WAKE_MS 100
#define QLOG_LINE_MAX 1400 /* longest line: a 255-byte name, every byte escaped as \DDD, is 1020 */

typedef struct qlog_record {
	int64_t time_ms;  /* Unix time, milliseconds */
	uint8_t addr[16]; /* the client: 4 bytes for IPv4, 16 for IPv6 */
	uint8_t family;   /* 4 or 6 */
	uint8_t tcp;
	uint8_t rcode;
	uint8_t code_count;
	uint16_t qtype;
	uint16_t qname_len; /* wire length; 0: the question was not read */
	uint8_t codes[QLOG_MAX_CODES][4];
	uint8_t qname[255]; /* wire form, as the client sent it */
} qlog_record_t;

typedef struct qlog_ring {
	_Alignas(64) _Atomic uint64_t head;    /* written by the worker (release) */
	_Alignas(64) _Atomic uint64_t tail;    /* written by the writer (release) */
	_Alignas(64) _Atomic uint64_t dropped; /* the worker's: lines lost to a full ring */
	unsigned sample_seen;                  /* the worker's: queries since the last one logged */
	unsigned sample;                       /* log one query in sample */
	unsigned mask;                         /* ring size - 1 */
	qlog_record_t *records;
} qlog_ring_t;

typedef struct qlog qlog_t;

/* Allocates the log and one ring of ring_size records (a power of two) per worker; opens nothing. RBL_OK,
 * RBL_EINVAL, RBL_ENOMEM. */
int qlog_new(const char *path, unsigned workers, unsigned sample, unsigned ring_size, qlog_t **out);
/* Opens (creates: 0640, appends) the file. 0, or -1 with one line in err naming the file and why. */
int qlog_open_file(qlog_t *q, char *err, size_t err_size);
/* Starts the writer thread. RBL_OK or RBL_ENOMEM. */
int qlog_start(qlog_t *q);
/* Asks the writer to close the file and open its path again (any thread; a signal handler's loop). */
void qlog_reopen(qlog_t *q);
/* What the writer does each wake-up, now, on the caller's thread: a pending reopen, every ring drained, the buffer
 * flushed. For tests, and for a log whose writer was not started. */
void qlog_sync(qlog_t *q);
/* Stops the writer, writes what the rings hold, closes the file, logs how many lines were dropped, frees. NULL: no-op.
 */
void qlog_free(qlog_t *q);
/* Worker w's ring (w < workers). */
qlog_ring_t *qlog_ring(qlog_t *q, unsigned w);
/* Lines lost: to full rings, and drained while no file was open. */
uint64_t qlog_dropped(qlog_t *q);

/* Fills rec from a query pkt[0..len), its response resp[0..resp_len) (the codes: the answer section's A records
 * when info->listed; a bounded parse) and info as answer_packet left it. Allocates nothing. */
void qlog_record_fill(qlog_record_t *rec, int64_t time_ms, const struct sockaddr *peer, const uint8_t *pkt, size_t len,
                      const answer_info_t *info, const uint8_t *resp, size_t resp_len, bool tcp);
/* Formats rec as one line with its newline into out (cap >= QLOG_LINE_MAX); returns the length. */
size_t qlog_format(const qlog_record_t *rec, char *out, size_t cap);

/* The worker's call after each answer (info->kind != ANSWER_NONE): sampled, then copied into the ring. Returns
 * false when the ring was full and the line dropped (the caller may count it), else true. */
bool qlog_query(qlog_ring_t *ring, const struct sockaddr *peer, const uint8_t *pkt, size_t len,
                const answer_info_t *info, const uint8_t *resp, size_t resp_len, bool tcp);

#endif
