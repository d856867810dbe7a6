/* SPDX-License-Identifier: BSD-2-Clause */
/* dnsdiff.c — asks two DNS servers on 127.0.0.1 the same questions over UDP and compares what matters to a DNSBL
 * client: the rcode, the set of A records and the set of TXT strings (a TXT record's character-strings joined), and
 * the TC flag. For the differential test against rbldnsd (tests/integration/test_rbldnsd_diff.sh).
 *
 *   dnsdiff [--timeout MS] [--window N] [--show N] [--max-queries N] [--names A,B] PORT_A PORT_B QUERY_FILE
 *
 * QUERY_FILE holds one "NAME TYPE" a line ('#' starts a comment line). Queries go out without RD and without EDNS,
 * --window (default 64) at a time to both servers; a query unanswered after --timeout ms (default 1000) is sent once
 * more, and then counts as "no response". Every mismatch is printed (up to --show, default 20) with both answers,
 * then a line counts the kinds of answers that agreed, and the last line is "N passed, M failed". Exit status: 0 all
 * agree, 1 a mismatch, 2 usage, file or socket error.
 * Each answer is a canonical line, "RCODE A{...} TXT{...}" with both lists sorted (duplicates kept, so a repeated
 * record shows) and " TC" when truncated, and two answers agree when their lines are equal.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <ldns/ldns.h>
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

#define USAGE                                                                                                          \
	"usage: dnsdiff [--timeout MS] [--window N] [--show N] [--max-queries N] [--names A,B] PORT_A PORT_B "         \
	"QUERY_FILE\n"
#define MAX_WINDOW 1024
#define HARD_MAX_QUERIES 1000000
#define ATTEMPTS 2 /* the first send and one retry */

struct question {
	char *name;
	char *type_text;
	uint8_t *wire; /* the query, built once; its id is set at each send */
	size_t wire_len;
};

struct server {
	const char *label;
	int fd;
	char *answers[MAX_WINDOW]; /* canonical answer lines of the current window; NULL = none yet */
};

struct options {
	int timeout_ms;
	unsigned window;
	unsigned show;
	unsigned long max_queries;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int parse_uint(const char *text, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (errno || end == text || *end || v > max || text[0] == '-')
		return -1;
	*out = v;
	return 0;
}

/* The wire form of a question: id 0 (set at each send), no RD, no EDNS. */
static int build_query(const char *text, ldns_rr_type type, uint8_t **wire, size_t *len)
{
	ldns_rdf *name = ldns_dname_new_frm_str(text);
	if (!name)
		return -1;
	ldns_pkt *pkt = ldns_pkt_query_new(name, type, LDNS_RR_CLASS_IN, 0);
	if (!pkt)
		return -1;
	ldns_pkt_set_id(pkt, 0);
	ldns_status s = ldns_pkt2wire(wire, pkt, len);
	ldns_pkt_free(pkt);
	return s == LDNS_STATUS_OK && *len > 12 ? 0 : -1;
}

/* Reads the query file; returns the count, or -1 with a message. */
static long read_questions(const char *path, unsigned long max, struct question **out)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "dnsdiff: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	struct question *qs = NULL;
	size_t count = 0, cap = 0;
	char line[1024];
	unsigned long lineno = 0;
	long rc = -1;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char name[512], type[32], extra[2];
		if (line[0] == '#' || strspn(line, " \t\r\n") == strlen(line))
			continue;
		if (sscanf(line, "%511s %31s %1s", name, type, extra) != 2) {
			fprintf(stderr, "dnsdiff: %s:%lu: expected \"NAME TYPE\"\n", path, lineno);
			goto out;
		}
		ldns_rr_type t = ldns_get_rr_type_by_name(type);
		if (t == 0) {
			fprintf(stderr, "dnsdiff: %s:%lu: unknown type '%s'\n", path, lineno, type);
			goto out;
		}
		if (count == max) {
			fprintf(stderr, "dnsdiff: %s: more than %lu queries (raise --max-queries)\n", path, max);
			goto out;
		}
		if (count == cap) {
			cap = cap ? cap * 2 : 1024;
			struct question *grown = realloc(qs, cap * sizeof *qs);
			if (!grown) {
				fprintf(stderr, "dnsdiff: out of memory\n");
				goto out;
			}
			qs = grown;
		}
		struct question *q = &qs[count];
		q->name = strdup(name);
		q->type_text = strdup(type);
		q->wire = NULL;
		if (!q->name || !q->type_text || build_query(name, t, &q->wire, &q->wire_len)) {
			fprintf(stderr, "dnsdiff: %s:%lu: cannot build a query for '%s %s'\n", path, lineno, name,
			        type);
			free(q->name);
			free(q->type_text);
			free(q->wire);
			goto out;
		}
		count++;
	}
	if (ferror(f)) {
		fprintf(stderr, "dnsdiff: cannot read %s\n", path);
		goto out;
	}
	rc = (long)count;
out:
	fclose(f);
	if (rc < 0) {
		for (size_t i = 0; i < count; i++) {
			free(qs[i].name);
			free(qs[i].type_text);
			free(qs[i].wire);
		}
		free(qs);
		qs = NULL;
	}
	*out = qs;
	return rc;
}

static int open_socket(const char *port_text, int *fd)
{
	unsigned long port;
	if (parse_uint(port_text, 65535, &port) || port == 0) {
		fprintf(stderr, "dnsdiff: invalid port '%s'\n", port_text);
		return -1;
	}
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (*fd < 0 || connect(*fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		fprintf(stderr, "dnsdiff: cannot open a UDP socket to 127.0.0.1:%lu: %s\n", port, strerror(errno));
		return -1;
	}
	int size = 1 << 20;
	setsockopt(*fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	return 0;
}

/* A growing string. */
struct text {
	char *s;
	size_t len, cap;
	bool failed;
};

static void text_add(struct text *t, const char *s, size_t n)
{
	if (t->failed)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 128;
		while (cap < t->len + n + 1)
			cap *= 2;
		char *grown = realloc(t->s, cap);
		if (!grown) {
			t->failed = true;
			return;
		}
		t->s = grown;
		t->cap = cap;
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static void text_str(struct text *t, const char *s)
{
	text_add(t, s, strlen(s));
}

/* A TXT record's character-strings joined, in quotes, with '"', '\\' and bytes outside printable ASCII escaped. */
static char *txt_string(const ldns_rr *rr)
{
	struct text t = {0};
	text_str(&t, "\"");
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *rdf = ldns_rr_rdf(rr, i);
		const uint8_t *d = ldns_rdf_data(rdf);
		size_t size = ldns_rdf_size(rdf);
		if (size == 0)
			continue;
		size_t n = d[0] < size - 1 ? d[0] : size - 1;
		for (size_t j = 1; j <= n; j++) {
			char esc[8];
			if (d[j] == '"' || d[j] == '\\')
				snprintf(esc, sizeof esc, "\\%c", d[j]);
			else if (d[j] < 32 || d[j] > 126)
				snprintf(esc, sizeof esc, "\\%03u", d[j]);
			else
				snprintf(esc, sizeof esc, "%c", d[j]);
			text_str(&t, esc);
		}
	}
	text_str(&t, "\"");
	return t.failed ? (free(t.s), NULL) : t.s;
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends "LABEL{x,y}" with the items sorted, and frees them. */
static void add_sorted(struct text *t, const char *label, char **items, size_t n)
{
	qsort(items, n, sizeof *items, compare_strings);
	text_str(t, label);
	text_str(t, "{");
	for (size_t i = 0; i < n; i++) {
		if (i)
			text_str(t, ",");
		text_str(t, items[i]);
		free(items[i]);
	}
	text_str(t, "}");
}

/* The canonical answer line of a response, or NULL when out of memory. */
static char *canonical(const ldns_pkt *pkt)
{
	struct text t = {0};
	char *rcode = ldns_pkt_rcode2str(ldns_pkt_get_rcode(pkt));
	text_str(&t, rcode ? rcode : "RCODE?");
	free(rcode);
	const ldns_rr_list *answer = ldns_pkt_answer(pkt);
	size_t count = answer ? ldns_rr_list_rr_count(answer) : 0, na = 0, ntxt = 0;
	char **a = calloc(count + 1, sizeof *a), **txt = calloc(count + 1, sizeof *txt);
	bool ok = a && txt;
	for (size_t i = 0; ok && i < count; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(answer, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_A && ldns_rr_rd_count(rr) == 1)
			ok = (a[na++] = ldns_rdf2str(ldns_rr_rdf(rr, 0))) != NULL;
		else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_TXT)
			ok = (txt[ntxt++] = txt_string(rr)) != NULL;
	}
	if (ok) {
		add_sorted(&t, " A", a, na);
		add_sorted(&t, " TXT", txt, ntxt);
		if (ldns_pkt_tc(pkt))
			text_str(&t, " TC");
	} else {
		for (size_t i = 0; i < na; i++)
			free(a[i]);
		for (size_t i = 0; i < ntxt; i++)
			free(txt[i]);
		t.failed = true;
	}
	free(a);
	free(txt);
	return t.failed ? (free(t.s), NULL) : t.s;
}

/* Whether a response carries the question asked: one question, the same bytes but for the case of the name. */
static bool same_question(const uint8_t *resp, size_t len, const struct question *q)
{
	size_t qlen = q->wire_len - 12;
	if (len < 12 + qlen || resp[4] != 0 || resp[5] != 1)
		return false;
	for (size_t i = 12; i < q->wire_len; i++)
		if (tolower(resp[i]) != tolower(q->wire[i]))
			return false;
	return true;
}

/* Reads every datagram waiting on a server's socket and files the answers of the window [first, first+n). */
static int drain(struct server *srv, const struct question *qs, unsigned long first, unsigned n)
{
	uint8_t buf[65536];
	for (;;) {
		ssize_t len = recv(srv->fd, buf, sizeof buf, 0);
		if (len < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == ECONNREFUSED || errno == EINTR)
				continue; /* a server not (yet) listening: the query counts as unanswered */
			fprintf(stderr, "dnsdiff: recv from %s: %s\n", srv->label, strerror(errno));
			return -1;
		}
		if (len < 12)
			continue;
		unsigned slot = (unsigned)(((buf[0] << 8 | buf[1]) - (first & 0xffff)) & 0xffff);
		if (slot >= n || srv->answers[slot])
			continue; /* a late answer to an earlier window, or a duplicate */
		if (!(buf[2] & 0x80) || !same_question(buf, (size_t)len, &qs[first + slot]))
			continue; /* not a response to this question */
		ldns_pkt *pkt = NULL;
		char *line;
		if (ldns_wire2pkt(&pkt, buf, (size_t)len) != LDNS_STATUS_OK)
			line = strdup("MALFORMED");
		else
			line = canonical(pkt);
		ldns_pkt_free(pkt);
		if (!line) {
			fprintf(stderr, "dnsdiff: out of memory\n");
			return -1;
		}
		srv->answers[slot] = line;
	}
}

static int send_missing(struct server *srv, const struct question *qs, unsigned long first, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (srv->answers[i])
			continue;
		const struct question *q = &qs[first + i];
		q->wire[0] = (uint8_t)((first + i) >> 8);
		q->wire[1] = (uint8_t)(first + i);
		ssize_t sent;
		do
			sent = send(srv->fd, q->wire, q->wire_len, 0);
		while (sent < 0 && (errno == EINTR || errno == ECONNREFUSED));
		if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			fprintf(stderr, "dnsdiff: send to %s: %s\n", srv->label, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static bool all_answered(const struct server *srv, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (!srv->answers[i])
			return false;
	return true;
}

/* Asks both servers the window's questions, each at most ATTEMPTS times, waiting timeout_ms for each attempt. */
static int ask_window(struct server srv[2], const struct question *qs, unsigned long first, unsigned n, int timeout_ms)
{
	for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
		for (int s = 0; s < 2; s++)
			if (send_missing(&srv[s], qs, first, n))
				return -1;
		double deadline = now_ms() + timeout_ms;
		while (!all_answered(&srv[0], n) || !all_answered(&srv[1], n)) {
			double left = deadline - now_ms();
			if (left <= 0)
				break;
			struct pollfd p[2] = {{srv[0].fd, POLLIN, 0}, {srv[1].fd, POLLIN, 0}};
			if (poll(p, 2, (int)left + 1) < 0 && errno != EINTR) {
				fprintf(stderr, "dnsdiff: poll: %s\n", strerror(errno));
				return -1;
			}
			for (int s = 0; s < 2; s++)
				if (drain(&srv[s], qs, first, n))
					return -1;
		}
		if (all_answered(&srv[0], n) && all_answered(&srv[1], n))
			break;
	}
	return 0;
}

static bool none_answered(const struct server *srv, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (srv->answers[i])
			return false;
	return true;
}

struct tally {
	unsigned long passed, failed, show;
	size_t width;                                            /* of the longer label */
	unsigned long nxdomain, with_a, with_txt, nodata, other; /* the answers that agreed */
};

/* Compares the window's answers, prints the mismatches (up to show in all), counts, and frees the answers. */
static void compare_window(struct tally *t, struct server srv[2], const struct question *qs, unsigned long first,
                           unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const char *a = srv[0].answers[i] ? srv[0].answers[i] : "no response";
		const char *b = srv[1].answers[i] ? srv[1].answers[i] : "no response";
		if (srv[0].answers[i] && srv[1].answers[i] && strcmp(a, b) == 0) {
			t->passed++;
			if (strncmp(a, "NXDOMAIN ", 9) == 0)
				t->nxdomain++;
			else if (strncmp(a, "NOERROR ", 8) != 0)
				t->other++;
			else if (!strstr(a, " A{} "))
				t->with_a++;
			else if (!strstr(a, " TXT{}"))
				t->with_txt++;
			else
				t->nodata++;
		} else {
			if (t->failed < t->show)
				printf("mismatch: %s %s\n  %-*s %s\n  %-*s %s\n", qs[first + i].name,
				       qs[first + i].type_text, (int)t->width + 1, srv[0].label, a, (int)t->width + 1,
				       srv[1].label, b);
			t->failed++;
		}
		for (int s = 0; s < 2; s++) {
			free(srv[s].answers[i]);
			srv[s].answers[i] = NULL;
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"timeout", required_argument, NULL, 't'}, {"window", required_argument, NULL, 'w'},
	        {"show", required_argument, NULL, 's'},    {"max-queries", required_argument, NULL, 'm'},
	        {"names", required_argument, NULL, 'n'},   {0},
	};
	struct options o = {.timeout_ms = 1000, .window = 64, .show = 20, .max_queries = 200000};
	static char names[256] = "A,B";
	unsigned long v;
	int opt;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 't':
			if (parse_uint(optarg, 60000, &v) || v == 0)
				return fprintf(stderr, "dnsdiff: --timeout: 1..60000 ms, not '%s'\n", optarg), 2;
			o.timeout_ms = (int)v;
			break;
		case 'w':
			if (parse_uint(optarg, MAX_WINDOW, &v) || v == 0)
				return fprintf(stderr, "dnsdiff: --window: 1..%d, not '%s'\n", MAX_WINDOW, optarg), 2;
			o.window = (unsigned)v;
			break;
		case 's':
			if (parse_uint(optarg, 1000000, &v))
				return fprintf(stderr, "dnsdiff: --show: a count, not '%s'\n", optarg), 2;
			o.show = (unsigned)v;
			break;
		case 'm':
			if (parse_uint(optarg, HARD_MAX_QUERIES, &v) || v == 0)
				return fprintf(stderr, "dnsdiff: --max-queries: 1..%d, not '%s'\n", HARD_MAX_QUERIES,
				               optarg),
				       2;
			o.max_queries = v;
			break;
		case 'n':
			if (strlen(optarg) >= sizeof names || !strchr(optarg, ','))
				return fprintf(stderr, "dnsdiff: --names: two labels, 'A,B'\n"), 2;
			snprintf(names, sizeof names, "%s", optarg);
			break;
		default:
			return fputs(USAGE, stderr), 2;
		}
	}
	if (argc - optind != 3)
		return fputs(USAGE, stderr), 2;
	char *comma = strchr(names, ',');
	*comma = '\0';
	struct server srv[2] = {{.label = names, .fd = -1}, {.label = comma + 1, .fd = -1}};
	struct question *qs = NULL;
	long count = read_questions(argv[optind + 2], o.max_queries, &qs);
	int status = 2;
	if (count < 0 || open_socket(argv[optind], &srv[0].fd) || open_socket(argv[optind + 1], &srv[1].fd))
		goto out;
	if (count == 0) {
		fprintf(stderr, "dnsdiff: %s holds no queries\n", argv[optind + 2]);
		goto out;
	}

	struct tally t = {.show = o.show};
	t.width = strlen(srv[0].label) > strlen(srv[1].label) ? strlen(srv[0].label) : strlen(srv[1].label);
	for (unsigned long first = 0; first < (unsigned long)count; first += o.window) {
		unsigned n =
		        (unsigned)((unsigned long)count - first < o.window ? (unsigned long)count - first : o.window);
		int err = ask_window(srv, qs, first, n, o.timeout_ms);
		bool silent[2] = {!err && none_answered(&srv[0], n), !err && none_answered(&srv[1], n)};
		compare_window(&t, srv, qs, first, n);
		if (err)
			goto out;
		if (silent[0] || silent[1]) {
			/* A server that answers nothing has stopped: the rest would only wait out their timeouts. */
			unsigned long rest = (unsigned long)count - first - n;
			printf("%s answered none of %u questions in a row: %lu questions left unasked count as "
			       "failed\n",
			       srv[silent[0] ? 0 : 1].label, n, rest);
			t.failed += rest;
			break;
		}
	}
	if (t.failed > t.show)
		printf("(%lu more mismatches not shown)\n", t.failed - t.show);
	printf("agreed: %lu NXDOMAIN, %lu with A records, %lu with TXT records, %lu NODATA, %lu other\n", t.nxdomain,
	       t.with_a, t.with_txt, t.nodata, t.other);
	printf("%lu passed, %lu failed\n", t.passed, t.failed);
	status = t.failed ? 1 : 0;
out:
	for (int s = 0; s < 2; s++)
		if (srv[s].fd >= 0)
			close(srv[s].fd);
	for (long i = 0; i < count; i++) {
		free(qs[i].name);
		free(qs[i].type_text);
		free(qs[i].wire);
	}
	free(qs);
	return status;
}
