/* SPDX-License-Identifier: BSD-2-Clause */
/* udp.h — dnsbld's UDP path: a libuv poll handle per socket says when datagrams wait; they are read in batches with
 * recvmmsg (one call for up to 32), answered from one store snapshot per batch, and the batch's replies sent with
 * one sendmmsg. Nothing on this path allocates or logs. */
#ifndef DNSBLD_UDP_H
#define DNSBLD_UDP_H

#include "server.h"

/* Takes the worker's bound UDP sockets (udp_fds set to -1: closed by udp_free) and starts receiving. */
int udp_start(worker_t *w);
void udp_close_all(worker_t *w);
/* Frees what udp_start allocated, after the loop has closed the handles. */
void udp_free(worker_t *w);

#endif
