/* SPDX-License-Identifier: BSD-2-Clause */
/* notify.h — NOTIFY (RFC 1996) to each zone's secondaries after a commit changed it.
 *
 * One thread watches the serials of the zones that have notify addresses in dnsbld.conf (a read of the store every
 * NOTIFY_POLL_MS: rbltool's commit is seen within that) and, when one moved, sends every address a NOTIFY signed with
 * the zone's key — at most one round a zone every NOTIFY_GAP_MS (a burst of commits is one NOTIFY of the newest
 * serial); an address that does not acknowledge is sent again after 1, 2, 4 and 8 s, then given up (logged). An
 * answer to a signed NOTIFY acknowledges it only when signed with the zone's key over the NOTIFY's MAC. Also
 * once at start, so that secondaries that missed changes while dnsbld was down catch up. UDP from an ephemeral port.
 */
#ifndef DNSBLD_NOTIFY_H
#define DNSBLD_NOTIFY_H

#include "store/store.h"
#include "xfr/xfr_conf.h"

#define NOTIFY_POLL_MS 100
#define NOTIFY_GAP_MS 500
#define NOTIFY_TRIES 5

typedef struct notifier notifier_t;

/* Starts the thread for conf's zones that have notify addresses (conf is copied; st must outlive it); NULL when
 * there are none, or when it cannot start (logged). A reload stops the notifier and starts one with the new
 * settings (rounds under way are dropped; the new one notifies every zone once at its start). */
notifier_t *notifier_start(const xfr_conf_t *conf, store_t *st);
/* Stops and joins it. NULL is fine. */
void notifier_stop(notifier_t *n);

#endif
