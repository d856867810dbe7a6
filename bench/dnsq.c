/* SPDX-License-Identifier: BSD-2-Clause */
/* dnsq.c — the benchmark's small DNS client: readiness, exec-to-first-answer, change visibility, paced sending
 * for callgrind. Loopback only: every command takes a port on 127.0.0.1.
 *
 *   dnsq ready   PORT NAME TIMEOUT_MS                      exit 0 once NAME A gets a positive answer
 *   dnsq first   PORT NAME TIMEOUT_MS -- CMD [ARG]...      exec CMD, poll NAME A every ~200 µs, print
 *                                                          "first_answer_ms X", then SIGTERM CMD and reap it
 *   dnsq visible PORT NAME listed|nxdomain TIMEOUT_MS -- CMD [ARG]...
 *                                                          run CMD to its end, then poll NAME until the answer
 *                                                          is the wanted one; print "cmd_ms X visible_ms Y"
 *   dnsq send    PORT QUERYFILE COUNT BURST                send COUNT queries, BURST at a time, each burst
 *                                                          waiting for its answers (5 s at most; a burst
 *                                                          with none ends the run); print "sent N answered M"
 *
 * A positive answer is NOERROR with at least one answer record; nxdomain is rcode 3. Every wait is bounded. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* the cc build in bench/run; the CMake build defines it for every file */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PKT 512

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int udp_connect(int port)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	int size = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Writes a query for name (type A, class IN, RD clear) with the given id; returns its length or -1. */
static int build_query(uint8_t *pkt, uint16_t id, const char *name)
{
	memset(pkt, 0, 12);
	pkt[0] = (uint8_t)(id >> 8);
	pkt[1] = (uint8_t)id;
	pkt[5] = 1; /* QDCOUNT */
	int len = 12;
	const char *label = name;
	while (*label) {
		const char *dot = strchr(label, '.');
		size_t n = dot ? (size_t)(dot - label) : strlen(label);
		if (n == 0 || n > 63 || len + (int)n + 6 > MAX_PKT)
			return n == 0 && !dot ? len : -1;
		pkt[len++] = (uint8_t)n;
		memcpy(pkt + len, label, n);
		len += (int)n;
		if (!dot)
			break;
		label = dot + 1;
	}
	pkt[len++] = 0;
	pkt[len++] = 0;
	pkt[len++] = 1; /* A */
	pkt[len++] = 0;
	pkt[len++] = 1; /* IN */
	return len;
}

enum verdict { V_NONE, V_POSITIVE, V_NXDOMAIN, V_OTHER };

static enum verdict classify(const uint8_t *pkt, ssize_t len)
{
	if (len < 12 || !(pkt[2] & 0x80))
		return V_NONE;
	unsigned rcode = pkt[3] & 15, ancount = (unsigned)pkt[6] << 8 | pkt[7];
	if (rcode == 0 && ancount > 0)
		return V_POSITIVE;
	if (rcode == 3)
		return V_NXDOMAIN;
	return V_OTHER;
}

/* Sends one query and waits up to wait_ms for an answer; returns the verdict of the first answer seen (answers to
 * earlier queries count: any answer to this name is as good). */
static enum verdict ask(int fd, const char *name, uint16_t id, int wait_ms)
{
	uint8_t q[MAX_PKT], r[MAX_PKT];
	int qlen = build_query(q, id, name);
	if (qlen < 0)
		return V_NONE;
	if (send(fd, q, (size_t)qlen, 0) < 0 && errno != ECONNREFUSED)
		return V_NONE;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	double deadline = now_s() + wait_ms / 1000.0;
	for (;;) {
		int left = (int)((deadline - now_s()) * 1000.0 + 0.999);
		if (left < 0)
			left = 0;
		if (poll(&p, 1, left) <= 0)
			return V_NONE;
		ssize_t n = recv(fd, r, sizeof r, 0);
		if (n < 0) {
			if (errno == ECONNREFUSED) /* nobody on the port yet */
				return V_NONE;
			continue;
		}
		enum verdict v = classify(r, n);
		if (v != V_NONE)
			return v;
	}
}

/* Asks again every step_ms (re-sending at once after an error) until the wanted verdict arrives; 0, or -1 at
 * the deadline. */
static int poll_until(int fd, const char *name, enum verdict want, int step_ms, double deadline, double *when)
{
	uint16_t id = 1;
	while (now_s() < deadline) {
		enum verdict v = ask(fd, name, id++, step_ms);
		if (v == want) {
			*when = now_s();
			return 0;
		}
		if (v == V_NONE) /* nobody listening yet: ask again soon */
			usleep(step_ms > 1 ? 10000 : 200);
	}
	return -1;
}

static int cmd_ready(int port, const char *name, int timeout_ms)
{
	int fd = udp_connect(port);
	double when;
	if (fd < 0)
		return 1;
	/* 100 ms a try: a server under valgrind answers in one try, so runs see the same number of probe queries. */
	int rc = poll_until(fd, name, V_POSITIVE, 100, now_s() + timeout_ms / 1000.0, &when);
	close(fd);
	return rc ? 1 : 0;
}

static int cmd_first(int port, const char *name, int timeout_ms, char **cmd)
{
	int fd = udp_connect(port);
	if (fd < 0)
		return 1;
	double start = now_s(), when;
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM); /* the server never outlives its prober */
		dup2(2, 1);                       /* its chatter stays off our one line of output */
		execvp(cmd[0], cmd);
		_exit(127);
	}
	int rc = poll_until(fd, name, V_POSITIVE, 1, start + timeout_ms / 1000.0, &when);
	if (rc == 0)
		printf("first_answer_ms %.2f\n", (when - start) * 1000.0);
	else
		printf("first_answer_ms timeout(%d)\n", timeout_ms);
	fflush(stdout);
	kill(pid, SIGTERM);
	int status;
	waitpid(pid, &status, 0);
	close(fd);
	return rc ? 1 : 0;
}

static int cmd_visible(int port, const char *name, const char *want_text, int timeout_ms, char **cmd)
{
	enum verdict want = strcmp(want_text, "listed") == 0 ? V_POSITIVE : V_NXDOMAIN;
	int fd = udp_connect(port);
	if (fd < 0)
		return 1;
	if (ask(fd, name, 0, 1000) == want) {
		fprintf(stderr, "dnsq: %s is already %s before the command\n", name, want_text);
		return 1;
	}
	double start = now_s(), when;
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		execvp(cmd[0], cmd);
		_exit(127);
	}
	int status;
	waitpid(pid, &status, 0);
	double returned = now_s();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "dnsq: %s failed\n", cmd[0]);
		return 1;
	}
	int rc = poll_until(fd, name, want, 1, returned + timeout_ms / 1000.0, &when);
	if (rc == 0)
		printf("cmd_ms %.3f visible_ms %.3f\n", (returned - start) * 1000.0, (when - returned) * 1000.0);
	else
		printf("cmd_ms %.3f visible_ms timeout(%d)\n", (returned - start) * 1000.0, timeout_ms);
	close(fd);
	return rc ? 1 : 0;
}

/* The names of a dnsperf query file ("NAME TYPE" lines; only A is asked). */
static char **load_names(const char *path, size_t *count)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "dnsq: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	size_t cap = 1024, n = 0;
	char **names = malloc(cap * sizeof *names), line[512];
	while (names && fgets(line, sizeof line, f)) {
		char *sp = strpbrk(line, " \t\n");
		if (sp)
			*sp = 0;
		if (!*line)
			continue;
		if (n == cap) {
			char **grown = realloc(names, (cap *= 2) * sizeof *names);
			if (!grown)
				break;
			names = grown;
		}
		names[n++] = strdup(line);
	}
	fclose(f);
	*count = n;
	return n ? names : NULL;
}

static int cmd_send(int port, const char *path, long count, int burst)
{
	size_t nnames;
	char **names = load_names(path, &nnames);
	int fd = udp_connect(port);
	if (!names || fd < 0)
		return 1;
	long sent = 0, answered = 0;
	uint8_t q[MAX_PKT], r[MAX_PKT];
	while (sent < count) {
		int n = burst;
		if (count - sent < n)
			n = (int)(count - sent);
		for (int i = 0; i < n; i++) {
			int len = build_query(q, (uint16_t)(sent + i), names[(size_t)(sent + i) % nnames]);
			if (send(fd, q, (size_t)len, 0) < 0)
				fprintf(stderr, "dnsq: send: %s\n", strerror(errno));
		}
		sent += n;
		int got = 0;
		double deadline = now_s() + 5.0;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		while (got < n && now_s() < deadline) {
			if (poll(&p, 1, 100) <= 0)
				continue;
			while (recv(fd, r, sizeof r, 0) > 0)
				got++;
		}
		answered += got;
		if (got == 0) {
			fprintf(stderr, "dnsq: no answer in 5 s: giving up\n");
			break;
		}
	}
	printf("sent %ld answered %ld\n", sent, answered);
	close(fd);
	return answered == sent ? 0 : 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: dnsq ready PORT NAME TIMEOUT_MS\n"
			"       dnsq first PORT NAME TIMEOUT_MS -- CMD [ARG]...\n"
			"       dnsq visible PORT NAME listed|nxdomain TIMEOUT_MS -- CMD [ARG]...\n"
			"       dnsq send PORT QUERYFILE COUNT BURST\n");
	return 2;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc < 3)
		return usage();
	const char *what = argv[1];
	int port = atoi(argv[2]);
	if (strcmp(what, "ready") == 0 && argc == 5)
		return cmd_ready(port, argv[3], atoi(argv[4]));
	if (strcmp(what, "first") == 0 && argc >= 7 && strcmp(argv[5], "--") == 0)
		return cmd_first(port, argv[3], atoi(argv[4]), argv + 6);
	if (strcmp(what, "visible") == 0 && argc >= 8 && strcmp(argv[6], "--") == 0)
		return cmd_visible(port, argv[3], argv[4], atoi(argv[5]), argv + 7);
	if (strcmp(what, "send") == 0 && argc == 6)
		return cmd_send(port, argv[3], atol(argv[4]), atoi(argv[5]));
	return usage();
}
