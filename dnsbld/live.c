/* SPDX-License-Identifier: BSD-2-Clause */
/* live.c — the settings a reload may change: the query ACL and the CH TXT texts (server.h). */
#include "server.h"

#include <netinet/in.h>
#include <string.h>

void server_live_fix(server_live_t *live)
{
	live->answer.identity = *live->identity ? live->identity : NULL;
	live->answer.version = *live->version ? live->version : NULL;
}

bool server_live_allows(const server_live_t *live, const struct sockaddr *sa)
{
	if (live->allow_count == 0)
		return true;
	addr_t a;
	return addr_from_sockaddr(sa, &a) && cidr_any_contains(live->allow, live->allow_count, &a);
}
