/* SPDX-License-Identifier: BSD-2-Clause */
/* rawdns.c — sends one raw DNS message (given in hex) to a server over UDP or TCP and prints the response header,
 * or "noanswer" after the timeout. For the malformed-packet tests, which dig cannot produce.
 *
 *   rawdns udp|tcp ADDR PORT HEX [TIMEOUT_MS]
 *   prints: id=ID qr=1 opcode=N aa=N tc=N rcode=N qd=N an=N ns=N ar=N len=N
 * Exit status: 0 answered, 1 no answer, 2 usage or socket error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int parse_hex(const char *hex, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(hex);
	if (n % 2 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return 0;
}

static int wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = {fd, POLLIN, 0};
	return poll(&p, 1, timeout_ms) == 1;
}

/* Reads exactly n bytes from a stream socket within the timeout. */
static int read_full(int fd, uint8_t *buf, size_t n, int timeout_ms)
{
	size_t have = 0;
	while (have < n) {
		if (!wait_readable(fd, timeout_ms))
			return -1;
		ssize_t r = read(fd, buf + have, n - have);
		if (r <= 0)
			return -1;
		have += (size_t)r;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: rawdns udp|tcp ADDR PORT HEX [TIMEOUT_MS]\n");
		return 2;
	}
	int tcp = strcmp(argv[1], "tcp") == 0;
	int timeout_ms = argc == 6 ? atoi(argv[5]) : 1000;
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	socklen_t sslen;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	uint16_t port = (uint16_t)atoi(argv[3]);
	if (inet_pton(AF_INET, argv[2], &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		sslen = sizeof *v4;
	} else if (inet_pton(AF_INET6, argv[2], &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		sslen = sizeof *v6;
	} else {
		fprintf(stderr, "rawdns: bad address %s\n", argv[2]);
		return 2;
	}
	uint8_t msg[65535 + 2];
	size_t len;
	if (parse_hex(argv[4], msg + 2, sizeof msg - 2, &len)) {
		fprintf(stderr, "rawdns: bad hex\n");
		return 2;
	}
	int fd = socket(ss.ss_family, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sslen)) {
		fprintf(stderr, "rawdns: %s\n", strerror(errno));
		return 2;
	}
	uint8_t resp[65535];
	ssize_t n;
	if (tcp) {
		msg[0] = (uint8_t)(len >> 8);
		msg[1] = (uint8_t)len;
		if (write(fd, msg, len + 2) != (ssize_t)(len + 2))
			return 2;
		uint8_t pre[2];
		if (read_full(fd, pre, 2, timeout_ms)) {
			puts("noanswer");
			return 1;
		}
		n = pre[0] << 8 | pre[1];
		if (read_full(fd, resp, (size_t)n, timeout_ms)) {
			puts("noanswer");
			return 1;
		}
	} else {
		if (send(fd, msg + 2, len, 0) != (ssize_t)len)
			return 2;
		if (!wait_readable(fd, timeout_ms) || (n = recv(fd, resp, sizeof resp, 0)) <= 0) {
			puts("noanswer");
			return 1;
		}
	}
	if (n < 12) {
		printf("short len=%zd\n", n);
		return 0;
	}
	printf("id=%u qr=%u opcode=%u aa=%u tc=%u rcode=%u qd=%u an=%u ns=%u ar=%u len=%zd\n", resp[0] << 8 | resp[1],
	       resp[2] >> 7, (resp[2] >> 3) & 15, (resp[2] >> 2) & 1, (resp[2] >> 1) & 1, resp[3] & 15,
	       resp[4] << 8 | resp[5], resp[6] << 8 | resp[7], resp[8] << 8 | resp[9], resp[10] << 8 | resp[11], n);
	close(fd);
	return 0;
}
