/* SPDX-License-Identifier: BSD-2-Clause */
/* udp.h — dnsbld's UDP path: datagrams received in batches (recvmmsg through libuv), answered from one store
 * snapshot per batch, and the batch's replies sent with one sendmmsg. Nothing on this path allocates or logs. */
#ifndef DNSBLD_UDP_H
#define DNSBLD_UDP_H

#include "server.h"

/* Creates the worker's UDP handles on its bound sockets and starts receiving. */
int udp_start(worker_t *w);
void udp_close_all(worker_t *w);
/* Frees what udp_start allocated, after the loop has closed the handles. */
void udp_free(worker_t *w);

#endif
