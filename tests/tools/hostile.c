/* SPDX-License-Identifier: BSD-2-Clause */
/* hostile.c — hostile DNS clients for dnsbld's robustness tests, each bounded in count and time, loopback only.
 *
 *   hostile drip ADDR PORT CONNECTIONS SECONDS   each connection announces a 4096-byte query and then sends one byte
 *                                                of it a second; prints "open=N closed=N longest_ms=N": how many the
 *                                                server still held at the end, how many it closed, and the longest
 *                                                time a connection was held counted from its first byte
 *   hostile idle ADDR PORT CONNECTIONS SECONDS   connections that send nothing; prints the same
 *   hostile garbage ADDR PORT DATAGRAMS          UDP datagrams of random bytes (0..600 of them, a fixed seed), as fast
 *                                                as the socket takes them; prints "sent=N"
 * Exit status: 0 ran, 2 usage or socket error. ADDR must be in 127.0.0.0/8: nothing leaves the machine.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNECTIONS 2000
#define MAX_SECONDS 120
#define MAX_DATAGRAMS 10000000L

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int loopback(const char *addr, const char *port, struct sockaddr_in *sin)
{
	char *end;
	long p = strtol(port, &end, 10);
	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	if (*end || p < 1 || p > 65535 || inet_pton(AF_INET, addr, &sin->sin_addr) != 1 ||
	    (ntohl(sin->sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "hostile: %s:%s is not a loopback address and port\n", addr, port);
		return -1;
	}
	sin->sin_port = htons((uint16_t)p);
	return 0;
}

struct conn {
	int fd;
	uint64_t first_byte; /* when the first byte went out (or the connect, for idle ones) */
	uint64_t closed_at;  /* when the server closed it; 0: still open */
	int sent;
};

/* drip (send != 0) or idle: CONNECTIONS connections for SECONDS. */
static int run_tcp(const struct sockaddr_in *sin, long count, long seconds, bool drip)
{
	struct conn *c = calloc((size_t)count, sizeof *c);
	if (!c)
		return 2;
	for (long i = 0; i < count; i++) {
		c[i].fd = socket(AF_INET, SOCK_STREAM, 0);
		if (c[i].fd < 0 || connect(c[i].fd, (const struct sockaddr *)sin, sizeof *sin) != 0) {
			fprintf(stderr, "hostile: connection %ld: %s\n", i, strerror(errno));
			return 2;
		}
		fcntl(c[i].fd, F_SETFL, O_NONBLOCK);
		c[i].first_byte = now_ms();
		if (drip) {
			static const uint8_t announce[] = {0x10, 0x00}; /* a 4096-byte frame follows: never whole */
			if (write(c[i].fd, announce, sizeof announce) == (ssize_t)sizeof announce)
				c[i].sent = 2;
		}
	}
	uint64_t end = now_ms() + (uint64_t)seconds * 1000u, next_drip = now_ms() + 1000;
	while (now_ms() < end) {
		for (long i = 0; i < count; i++) {
			if (c[i].closed_at)
				continue;
			uint8_t buf[512];
			ssize_t n = read(c[i].fd, buf, sizeof buf);
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
				c[i].closed_at = now_ms();
		}
		if (drip && now_ms() >= next_drip) {
			for (long i = 0; i < count; i++) {
				uint8_t byte = 0;
				if (!c[i].closed_at && c[i].sent < 4098 && write(c[i].fd, &byte, 1) == 1)
					c[i].sent++;
			}
			next_drip += 1000;
		}
		poll(NULL, 0, 20);
	}
	long open = 0, closed = 0;
	uint64_t longest = 0, stop = now_ms();
	for (long i = 0; i < count; i++) {
		uint64_t held = (c[i].closed_at ? c[i].closed_at : stop) - c[i].first_byte;
		if (held > longest)
			longest = held;
		if (c[i].closed_at)
			closed++;
		else
			open++;
		close(c[i].fd);
	}
	printf("open=%ld closed=%ld longest_ms=%llu\n", open, closed, (unsigned long long)longest);
	free(c);
	return 0;
}

static int run_garbage(const struct sockaddr_in *sin, long count)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return 2;
	uint32_t seed = 12345;
	uint8_t buf[600];
	long sent = 0;
	for (long i = 0; i < count; i++) {
		seed = seed * 1103515245u + 12345u;
		size_t len = (seed >> 8) % sizeof buf;
		for (size_t j = 0; j < len; j++) {
			seed = seed * 1103515245u + 12345u;
			buf[j] = (uint8_t)(seed >> 16);
		}
		if (sendto(fd, buf, len, 0, (const struct sockaddr *)sin, sizeof *sin) >= 0)
			sent++;
	}
	close(fd);
	printf("sent=%ld\n", sent);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin;
	if (argc < 5 || loopback(argv[2], argv[3], &sin) != 0) {
		fprintf(stderr, "usage: hostile drip|idle ADDR PORT CONNECTIONS SECONDS | garbage ADDR PORT DATAGRAMS\n");
		return 2;
	}
	long n = strtol(argv[4], NULL, 10);
	if (strcmp(argv[1], "garbage") == 0 && n > 0 && n <= MAX_DATAGRAMS)
		return run_garbage(&sin, n);
	long seconds = argc > 5 ? strtol(argv[5], NULL, 10) : 0;
	bool drip = strcmp(argv[1], "drip") == 0;
	if ((drip || strcmp(argv[1], "idle") == 0) && n > 0 && n <= MAX_CONNECTIONS && seconds > 0 &&
	    seconds <= MAX_SECONDS)
		return run_tcp(&sin, n, seconds, drip);
	fprintf(stderr, "hostile: bad arguments (at most %d connections, %d s, %ld datagrams)\n", MAX_CONNECTIONS,
	        MAX_SECONDS, MAX_DATAGRAMS);
	return 2;
}
