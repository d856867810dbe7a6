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
	memset(&a, 0, sizeof a);
	if (sa->sa_family == AF_INET) {
		a.family = ADDR_V4;
		memcpy(a.b, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const uint8_t *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (memcmp(b, mapped, sizeof mapped) == 0) {
			a.family = ADDR_V4;
			memcpy(a.b, b + 12, 4);
		} else {
			a.family = ADDR_V6;
			memcpy(a.b, b, 16);
		}
	} else {
		return false;
	}
	for (unsigned i = 0; i < live->allow_count; i++)
		if (live->allow[i].addr.family == a.family && cidr_contains(&live->allow[i], &a))
			return true;
	return false;
}
