/* SPDX-License-Identifier: BSD-2-Clause */
/* flood.c — a paced UDP query flood from many loopback source addresses, for the response-rate-limiting test.
 *
 *   flood SERVER PORT NAME TYPE NETS HOSTS RATE SECONDS [BASE]
 *
 * Binds NETS x HOSTS UDP sockets to 127.BASE+n/256.n%256.h (network n = 0..NETS-1, host h = 1..HOSTS; BASE default
 * 100): any 127/8 address is ours on lo, so each network plays a /24 of spoofed victims. Sends RATE queries a second
 * per network (spread over its hosts, evenly in time) for SECONDS seconds — NAME TYPE class IN, RD clear, with an
 * EDNS0 OPT (payload 1232) — then waits 500 ms for late answers. Counts, per network: queries sent, answers, answers
 * with TC, TC answers that still carry records (should be none), bytes out (queries) and in (answers), the answers
 * without TC in each second of CLOCK_MONOTONIC (the clock dnsbld's loop time comes from) and the most of them in one
 * second. Prints two lines per network and a total:
 *   net=127.100.0.0/24 sent=N answers=N full=N tc=N tc_records=N bytes_out=N bytes_in=N max_full_per_s=N
 *   net=127.100.0.0/24 full_by_second=N,N,... (one count per second of the monotonic clock from the start's)
 *   total ... noerror=N nxdomain=N refused=N other=N
 * Exit status: 0 ran, 2 usage or socket error. SERVER must be in 127.0.0.0/8; bounded: NETS x HOSTS <= 2048,
 * RATE x NETS <= 100000, SECONDS <= 60.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SOCKETS 2048
#define MAX_TOTAL_RATE 100000L
#define MAX_SECONDS 60
#define MAX_NETS 256

struct net {
	uint64_t sent, answers, full, tc, tc_records, bytes_out, bytes_in;
	uint64_t full_in_second[MAX_SECONDS + 2];
};

static struct net nets[MAX_NETS];
static uint64_t rcodes[16];

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static long number(const char *text, long min, long max, const char *what)
{
	char *end;
	long v = strtol(text, &end, 10);
	if (!*text || *end || v < min || v > max) {
		fprintf(stderr, "flood: %s: expected %ld..%ld, not '%s'\n", what, min, max, text);
		exit(2);
	}
	return v;
}

/* The query, its ID at bytes 0..1 left for the sender. */
static size_t build_query(uint8_t *out, const char *name, uint16_t type)
{
	size_t len = 12;
	memset(out, 0, 12);
	out[5] = 1;  /* QDCOUNT */
	out[11] = 1; /* ARCOUNT: the OPT */
	const char *p = name;
	while (*p && strcmp(p, ".") != 0) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (n == 0 || n > 63 || len + n + 1 > 12 + 255) {
			fprintf(stderr, "flood: bad name '%s'\n", name);
			exit(2);
		}
		out[len++] = (uint8_t)n;
		memcpy(out + len, p, n);
		len += n;
		p += n + (dot ? 1 : 0);
	}
	out[len++] = 0;
	out[len++] = (uint8_t)(type >> 8);
	out[len++] = (uint8_t)type;
	out[len++] = 0;
	out[len++] = 1; /* IN */
	static const uint8_t opt[11] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};
	memcpy(out + len, opt, sizeof opt);
	return len + sizeof opt;
}

static uint16_t type_code(const char *text)
{
	static const struct {
		const char *name;
		uint16_t code;
	} types[] = {{"A", 1}, {"NS", 2}, {"SOA", 6}, {"TXT", 16}, {"AAAA", 28}, {"ANY", 255}};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcasecmp(text, types[i].name) == 0)
			return types[i].code;
	return (uint16_t)number(text, 1, 65535, "TYPE");
}

/* Reads every answer waiting on socket fd of network n. */
static void drain(int fd, struct net *n, uint64_t start_s)
{
	uint8_t buf[4096];
	for (;;) {
		ssize_t got = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (got < 0)
			return;
		if (got < 12 || !(buf[2] & 0x80))
			continue;
		n->answers++;
		n->bytes_in += (uint64_t)got;
		rcodes[buf[3] & 0x0f]++;
		bool records = buf[6] || buf[7] || buf[8] || buf[9];
		if (buf[2] & 0x02) {
			n->tc++;
			n->tc_records += records;
		} else {
			n->full++;
			uint64_t second = now_us() / 1000000u - start_s;
			if (second <= MAX_SECONDS + 1)
				n->full_in_second[second]++;
		}
	}
}

int main(int argc, char **argv)
{
	if (argc < 9 || argc > 10) {
		fprintf(stderr, "usage: flood SERVER PORT NAME TYPE NETS HOSTS RATE SECONDS [BASE]\n");
		return 2;
	}
	struct sockaddr_in server = {.sin_family = AF_INET};
	if (inet_pton(AF_INET, argv[1], &server.sin_addr) != 1 || (ntohl(server.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "flood: %s is not a loopback address\n", argv[1]);
		return 2;
	}
	server.sin_port = htons((uint16_t)number(argv[2], 1, 65535, "PORT"));
	uint16_t type = type_code(argv[4]);
	long net_count = number(argv[5], 1, MAX_NETS, "NETS");
	long hosts = number(argv[6], 1, 254, "HOSTS");
	long rate = number(argv[7], 1, MAX_TOTAL_RATE, "RATE");
	long seconds = number(argv[8], 1, MAX_SECONDS, "SECONDS");
	long base = argc == 10 ? number(argv[9], 1, 255 - (net_count - 1) / 256, "BASE") : 100;
	if (net_count * hosts > MAX_SOCKETS || rate * net_count > MAX_TOTAL_RATE) {
		fprintf(stderr, "flood: at most %d sockets and %ld queries a second\n", MAX_SOCKETS, MAX_TOTAL_RATE);
		return 2;
	}
	uint8_t query[12 + 255 + 4 + 11];
	size_t query_len = build_query(query, argv[3], type);

	int sockets = (int)(net_count * hosts);
	int *fds = calloc((size_t)sockets, sizeof *fds);
	if (!fds)
		return 2;
	for (int i = 0; i < sockets; i++) {
		long n = i / hosts, h = i % hosts + 1;
		struct sockaddr_in src = {.sin_family = AF_INET};
		src.sin_addr.s_addr = htonl((uint32_t)(127u << 24 | (uint32_t)(base + n / 256) << 16 |
		                                       (uint32_t)(n % 256) << 8 | (uint32_t)h));
		fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
		if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&src, sizeof src) != 0 ||
		    connect(fds[i], (struct sockaddr *)&server, sizeof server) != 0) {
			fprintf(stderr, "flood: socket %d: %s\n", i, strerror(errno));
			return 2;
		}
	}

	/* Query k (0-based, over all networks) leaves at start + k / (rate * nets) seconds, from socket k % sockets. */
	uint64_t start = now_us(), start_s = start / 1000000u;
	uint64_t total = (uint64_t)rate * (uint64_t)net_count * (uint64_t)seconds, k = 0;
	uint64_t end = start + (uint64_t)seconds * 1000000u;
	uint16_t id = (uint16_t)getpid();
	while (now_us() < end + 500000u) {
		uint64_t now = now_us();
		uint64_t due = now >= end ? total : (now - start) * (uint64_t)rate * (uint64_t)net_count / 1000000u;
		for (; k < due && k < total; k++) {
			int s = (int)(k % (uint64_t)sockets);
			struct net *n = &nets[s / hosts];
			id++;
			query[0] = (uint8_t)(id >> 8);
			query[1] = (uint8_t)id;
			if (send(fds[s], query, query_len, 0) == (ssize_t)query_len) {
				n->sent++;
				n->bytes_out += query_len;
			}
		}
		for (int s = 0; s < sockets; s++)
			drain(fds[s], &nets[s / hosts], start_s);
		usleep(1000);
	}

	struct net sum = {0};
	uint64_t max_full = 0;
	for (long n = 0; n < net_count; n++) {
		struct net *x = &nets[n];
		uint64_t most = 0;
		for (int s = 0; s <= MAX_SECONDS + 1; s++)
			most = x->full_in_second[s] > most ? x->full_in_second[s] : most;
		printf("net=127.%ld.%ld.0/24 sent=%llu answers=%llu full=%llu tc=%llu tc_records=%llu bytes_out=%llu "
		       "bytes_in=%llu max_full_per_s=%llu\n",
		       base + n / 256, n % 256, (unsigned long long)x->sent, (unsigned long long)x->answers,
		       (unsigned long long)x->full, (unsigned long long)x->tc, (unsigned long long)x->tc_records,
		       (unsigned long long)x->bytes_out, (unsigned long long)x->bytes_in, (unsigned long long)most);
		printf("net=127.%ld.%ld.0/24 full_by_second=", base + n / 256, n % 256);
		for (long s = 0; s <= seconds + 1; s++)
			printf("%s%llu", s ? "," : "", (unsigned long long)x->full_in_second[s]);
		printf("\n");
		sum.sent += x->sent;
		sum.answers += x->answers;
		sum.full += x->full;
		sum.tc += x->tc;
		sum.tc_records += x->tc_records;
		sum.bytes_out += x->bytes_out;
		sum.bytes_in += x->bytes_in;
		max_full = most > max_full ? most : max_full;
	}
	uint64_t other = sum.answers - rcodes[0] - rcodes[3] - rcodes[5];
	printf("total sent=%llu answers=%llu full=%llu tc=%llu tc_records=%llu bytes_out=%llu bytes_in=%llu "
	       "max_full_per_s=%llu noerror=%llu nxdomain=%llu refused=%llu other=%llu\n",
	       (unsigned long long)sum.sent, (unsigned long long)sum.answers, (unsigned long long)sum.full,
	       (unsigned long long)sum.tc, (unsigned long long)sum.tc_records, (unsigned long long)sum.bytes_out,
	       (unsigned long long)sum.bytes_in, (unsigned long long)max_full, (unsigned long long)rcodes[0],
	       (unsigned long long)rcodes[3], (unsigned long long)rcodes[5], (unsigned long long)other);
	for (int i = 0; i < sockets; i++)
		close(fds[i]);
	free(fds);
	return 0;
}
