/* SPDX-License-Identifier: BSD-2-Clause */
/* tcp.h — dnsbld's TCP path (RFC 7766): 2-byte length framing, pipelined queries answered in order, an idle
 * timeout that trickling bytes do not extend, a bound on the time a query may take to arrive, and a per-worker
 * connection cap: when it is reached a new client takes the slot of the longest-idle (else the slowest) connection;
 * only when none can give way is the new one accepted and closed at once, so it does not wait in the backlog. */
#ifndef DNSBLD_TCP_H
#define DNSBLD_TCP_H

#include "server.h"

int tcp_start(worker_t *w);
/* Closes the listeners and every open connection of the worker. */
void tcp_close_all(worker_t *w);
/* Frees what tcp_start allocated, after the loop has closed the handles. */
void tcp_free(worker_t *w);

#endif
