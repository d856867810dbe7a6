/* SPDX-License-Identifier: BSD-2-Clause */
/* dnsdiff.c — asks two DNS servers on 127.0.0.1 the same questions over UDP and compares what matters to a DNSBL
 * client: the rcode, the set of A records and the set of TXT strings (a TXT record's character-strings joined), and
 * the TC flag. For the differential test against rbldnsd (tests/integration/test_rbldnsd_diff.sh).
 *
 *   dnsdiff [--timeout MS] [--window N] [--show N] [--max-queries N] [--names A,B] [--wildcard-tolerance ZONE]
 *           PORT_A PORT_B QUERY_FILE
 *
 * QUERY_FILE holds one "NAME TYPE" a line ('#' starts a comment line). Queries go out without RD and without EDNS,
 * --window (default 64) at a time to both servers; a query unanswered after --timeout ms (default 1000) is sent once
 * more, and then counts as "no response". Every mismatch is printed (up to --show, default 20) with both answers,
 * then a line counts the kinds of answers that agreed, and the last line is "N passed, M failed". Exit status: 0 all
 * agree, 1 a mismatch, 2 usage, file or socket error.
 * Each answer is a canonical line, "RCODE A{...} TXT{...}" with both lists sorted (duplicates kept, so a repeated
 * record shows) and " TC" when truncated, and two answers agree when their lines are equal.
 *
 * --wildcard-tolerance ZONE: PORT_A is dnsbld and PORT_B a server of its zone ZONE as a master file (a secondary
 * that transferred it, or rbltool export --format bind loaded by NSD). Two differences, the ones the export's own
 * comment names (common/formats/export_bind.c, "What still differs from dnsbld"), then count as passed, each kind
 * counted and its first case printed (within --show); anything else is still a mismatch:
 *  - "network for '$'": a TXT question for a complete reversed address under ZONE (4 decimal labels, or 32 nibbles;
 *    an IPv4-mapped one stands for its IPv4 address) whose answers agree once every CIDR in B's TXT strings that
 *    holds the queried address, spelt as the export spells it ("10.0.0.0/8", "2001:db8::/32"), is replaced by the
 *    address as dnsbld spells it: under a wildcard a master file can only give the entry's network;
 *  - "wildcard above a name that is no address": a name under ZONE that is not a complete reversed address, which
 *    B answers NOERROR (a wildcard's answer) and A answers NODATA (NOERROR, no record, no TC) if it is a partial
 *    name (fewer than 4 decimal labels, or fewer than 32 nibbles) or NXDOMAIN if it is not (too many labels, or a
 *    label that is neither a decimal octet nor a nibble).
 * The last lines are then "tolerated: ..." (the counts), "agreed: ..." and "N passed, M failed" (N counts both).
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
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define USAGE                                                                                                          \
	"usage: dnsdiff [--timeout MS] [--window N] [--show N] [--max-queries N] [--names A,B] "                       \
	"[--wildcard-tolerance ZONE] PORT_A PORT_B QUERY_FILE\n"
#define MAX_WINDOW 1024
#define HARD_MAX_QUERIES 1000000
#define ATTEMPTS 2 /* the first send and one retry */

/* What a question's name is under the --wildcard-tolerance zone. */
enum name_kind {
	NAME_OUTSIDE,     /* not under the zone, or the zone itself (or no tolerance asked) */
	NAME_ADDRESS,     /* a complete reversed address: 4 decimal labels, or 32 nibbles */
	NAME_PARTIAL,     /* fewer labels of one kind: an empty non-terminal or nothing, never an address */
	NAME_NOT_ADDRESS, /* too many labels, or a label that is neither a decimal octet nor a nibble */
};

/* The address a complete reversed name stands for, as dnsbld's '$' gives it (an IPv4-mapped one as IPv4). */
struct query_addr {
	int bits; /* 32 or 128 */
	uint8_t b[16];
};

struct question {
	char *name;
	char *type_text;
	uint8_t *wire; /* the query, built once; its id is set at each send */
	size_t wire_len;
	enum name_kind kind;
	struct query_addr addr; /* when kind is NAME_ADDRESS */
	bool txt;               /* a TXT question */
};

struct server {
	const char *label;
	int fd;
	char *answers[MAX_WINDOW];   /* canonical answer lines of the current window; NULL = none yet */
	bool rewrite;                /* --wildcard-tolerance and this is server B */
	char *rewritten[MAX_WINDOW]; /* then: the line with its TXT networks replaced by the queried address, when that
	                                changed anything; else NULL */
};

struct options {
	int timeout_ms;
	unsigned window;
	unsigned show;
	unsigned long max_queries;
	const char *tolerance_zone; /* --wildcard-tolerance ZONE, or NULL */
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

/* --- --wildcard-tolerance: names, addresses and the export's spelling of networks -------------------------------- */

/* A decimal octet label as a reversed IPv4 name has it: "0".."255", no leading zero. */
static bool octet_label(const char *label, size_t len, unsigned *value)
{
	if (len == 0 || len > 3 || (len > 1 && label[0] == '0'))
		return false;
	unsigned v = 0;
	for (size_t i = 0; i < len; i++) {
		if (label[i] < '0' || label[i] > '9')
			return false;
		v = v * 10 + (unsigned)(label[i] - '0');
	}
	*value = v;
	return v <= 255;
}

/* A nibble label: one hex digit, either case. */
static bool nibble_label(const char *label, size_t len, unsigned *value)
{
	if (len != 1 || !isxdigit((unsigned char)label[0]))
		return false;
	*value = (unsigned)(isdigit((unsigned char)label[0]) ? label[0] - '0'
	                                                     : tolower((unsigned char)label[0]) - 'a' + 10);
	return true;
}

/* What NAME is under ZONE (names compared without case and without a final dot); fills addr for an address. */
static enum name_kind classify_name(const char *name, const char *zone, struct query_addr *addr)
{
	size_t nlen = strlen(name), zlen = strlen(zone);
	if (nlen && name[nlen - 1] == '.')
		nlen--;
	if (zlen && zone[zlen - 1] == '.')
		zlen--;
	if (nlen <= zlen + 1 || name[nlen - zlen - 1] != '.' || strncasecmp(name + nlen - zlen, zone, zlen) != 0)
		return NAME_OUTSIDE;
	size_t plen = nlen - zlen - 1; /* the labels before the zone */
	unsigned octets[4], nibbles[32], v;
	size_t labels = 0;
	bool all_octets = true, all_nibbles = true;
	for (size_t start = 0; start <= plen;) {
		const char *dot = memchr(name + start, '.', plen - start);
		size_t len = dot ? (size_t)(dot - (name + start)) : plen - start;
		if (octet_label(name + start, len, &v)) {
			if (labels < 4)
				octets[labels] = v;
		} else {
			all_octets = false;
		}
		if (nibble_label(name + start, len, &v)) {
			if (labels < 32)
				nibbles[labels] = v;
		} else {
			all_nibbles = false;
		}
		labels++;
		start += len + 1;
	}
	if (all_octets && labels == 4) {
		*addr = (struct query_addr){.bits = 32};
		for (int i = 0; i < 4; i++)
			addr->b[i] = (uint8_t)octets[3 - i];
		return NAME_ADDRESS;
	}
	if (all_nibbles && labels == 32) {
		*addr = (struct query_addr){.bits = 128};
		for (int i = 0; i < 16; i++)
			addr->b[i] = (uint8_t)(nibbles[31 - 2 * i] << 4 | nibbles[30 - 2 * i]);
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (memcmp(addr->b, mapped, sizeof mapped) == 0) { /* dnsbld answers it from IPv4 data, '$' included */
			memmove(addr->b, addr->b + 12, 4);
			memset(addr->b + 4, 0, 12);
			addr->bits = 32;
		}
		return NAME_ADDRESS;
	}
	if ((all_octets && labels < 4) || (all_nibbles && labels < 32))
		return NAME_PARTIAL;
	return NAME_NOT_ADDRESS;
}

/* An address as dnsbld and the export spell it (common/base/addr.c): dotted quad; RFC 5952 for IPv6 (lowercase, no
 * leading zeros, "::" for the first longest run of two or more zero groups, never a dotted quad inside). */
static void format_addr(int bits, const uint8_t b[16], char out[64])
{
	if (bits == 32) {
		snprintf(out, 64, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
		return;
	}
	unsigned groups[8];
	int best = -1, best_len = 1, run = -1;
	for (int g = 0; g < 8; g++)
		groups[g] = (unsigned)b[2 * g] << 8 | b[2 * g + 1];
	for (int g = 0; g <= 8; g++) {
		if (g < 8 && groups[g] == 0) {
			if (run < 0)
				run = g;
			continue;
		}
		if (run >= 0 && g - run > best_len) {
			best = run;
			best_len = g - run;
		}
		run = -1;
	}
	char *p = out;
	for (int g = 0; g < 8; g++) {
		if (g == best) {
			p += sprintf(p, "::");
			g += best_len - 1;
			continue;
		}
		p += sprintf(p, g > 0 && g != best + best_len ? ":%x" : "%x", groups[g]);
	}
}

/* Replaces in a canonical TXT string (quoted, escaped: digits, dots, colons and '/' are kept as they are) every
 * network that holds the address ("NET/LEN", LEN 0..bits, spelt by format_addr, not inside a longer run of address
 * characters) by the address. Returns the new string (the old one freed), or NULL when out of memory. */
static char *networks_as_address(char *txt, const struct query_addr *addr)
{
	char address[64], net_text[80];
	format_addr(addr->bits, addr->b, address);
	for (int len = addr->bits; len >= 0; len--) {
		uint8_t net[16] = {0};
		for (int i = 0; i < addr->bits / 8; i++) {
			int keep = len - 8 * i;
			net[i] = keep >= 8 ? addr->b[i] : keep <= 0 ? 0 : (uint8_t)(addr->b[i] & (0xff << (8 - keep)));
		}
		format_addr(addr->bits, net, net_text);
		size_t n = strlen(net_text);
		n += (size_t)snprintf(net_text + n, sizeof net_text - n, "/%d", len);
		for (char *hit = strstr(txt, net_text); hit; hit = strstr(hit + 1, net_text)) {
			bool before =
			        hit > txt && (isxdigit((unsigned char)hit[-1]) || hit[-1] == '.' || hit[-1] == ':');
			if (before || isdigit((unsigned char)hit[n]))
				continue;
			size_t head = (size_t)(hit - txt), alen = strlen(address), tail = strlen(hit + n);
			char *next = malloc(head + alen + tail + 1);
			if (!next) {
				free(txt);
				return NULL;
			}
			memcpy(next, txt, head);
			memcpy(next + head, address, alen);
			memcpy(next + head + alen, hit + n, tail + 1);
			free(txt);
			txt = next;
			hit = txt + head + alen - 1;
		}
	}
	return txt;
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

/* Reads the query file; returns the count, or -1 with a message. zone: --wildcard-tolerance's, or NULL. */
static long read_questions(const char *path, unsigned long max, const char *zone, struct question **out)
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
		q->kind = zone ? classify_name(name, zone, &q->addr) : NAME_OUTSIDE;
		q->txt = t == LDNS_RR_TYPE_TXT;
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

/* The canonical answer line of a response, or NULL when out of memory. With rewrite, every network in a TXT string
 * that holds that address is replaced by the address (networks_as_address). */
static char *canonical(const ldns_pkt *pkt, const struct query_addr *rewrite)
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
		else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_TXT) {
			ok = (txt[ntxt] = txt_string(rr)) != NULL;
			if (ok && rewrite)
				ok = (txt[ntxt] = networks_as_address(txt[ntxt], rewrite)) != NULL;
			ntxt += ok;
		}
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
		char *line, *rewritten = NULL;
		const struct question *q = &qs[first + slot];
		bool rewrite = srv->rewrite && q->kind == NAME_ADDRESS && q->txt;
		if (ldns_wire2pkt(&pkt, buf, (size_t)len) != LDNS_STATUS_OK) {
			line = strdup("MALFORMED");
		} else {
			line = canonical(pkt, NULL);
			if (line && rewrite && !(rewritten = canonical(pkt, &q->addr))) {
				free(line);
				line = NULL;
			}
		}
		ldns_pkt_free(pkt);
		if (!line) {
			fprintf(stderr, "dnsdiff: out of memory\n");
			return -1;
		}
		if (rewritten && strcmp(rewritten, line) == 0) {
			free(rewritten);
			rewritten = NULL;
		}
		srv->answers[slot] = line;
		srv->rewritten[slot] = rewritten;
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

/* The differences --wildcard-tolerance lets pass (TOLERATED_NONE: none of them). */
enum tolerated { TOLERATED_NONE, TOLERATED_NETWORK, TOLERATED_PARTIAL, TOLERATED_NOT_ADDRESS, TOLERATED_KINDS };

static const char *const TOLERATED_TEXT[TOLERATED_KINDS] = {
        [TOLERATED_NETWORK] = "TXT with the entry's network for '$' (a wildcard)",
        [TOLERATED_PARTIAL] = "partial names answered by a wildcard (A: NODATA)",
        [TOLERATED_NOT_ADDRESS] = "names that are no address answered by a wildcard (A: NXDOMAIN)",
};

/* Whether --wildcard-tolerance lets a difference pass: a is server A's line (dnsbld), b and b_rewritten server B's
 * (the master file's). Both answered; the lines differ. */
static enum tolerated tolerated(const struct question *q, const char *a, const char *b, const char *b_rewritten)
{
	bool b_wildcard = strncmp(b, "NOERROR ", 8) == 0 && !strstr(b, " TC");
	switch (q->kind) {
	case NAME_ADDRESS:
		return b_rewritten && strcmp(a, b_rewritten) == 0 ? TOLERATED_NETWORK : TOLERATED_NONE;
	case NAME_PARTIAL:
		return b_wildcard && strcmp(a, "NOERROR A{} TXT{}") == 0 ? TOLERATED_PARTIAL : TOLERATED_NONE;
	case NAME_NOT_ADDRESS:
		return b_wildcard && strcmp(a, "NXDOMAIN A{} TXT{}") == 0 ? TOLERATED_NOT_ADDRESS : TOLERATED_NONE;
	case NAME_OUTSIDE:
		break;
	}
	return TOLERATED_NONE;
}

struct tally {
	unsigned long passed, failed, show;
	size_t width;                                            /* of the longer label */
	unsigned long nxdomain, with_a, with_txt, nodata, other; /* the answers that agreed */
	unsigned long tolerated[TOLERATED_KINDS];                /* the differences --wildcard-tolerance let pass */
};

/* Compares the window's answers, prints the mismatches (up to show in all), counts, and frees the answers. */
static void compare_window(struct tally *t, struct server srv[2], const struct question *qs, unsigned long first,
                           unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const char *a = srv[0].answers[i] ? srv[0].answers[i] : "no response";
		const char *b = srv[1].answers[i] ? srv[1].answers[i] : "no response";
		const struct question *q = &qs[first + i];
		enum tolerated kind = TOLERATED_NONE;
		bool answered = srv[0].answers[i] && srv[1].answers[i];
		if (answered && strcmp(a, b) != 0 && srv[1].rewrite)
			kind = tolerated(q, a, b, srv[1].rewritten[i]);
		if (kind != TOLERATED_NONE) {
			if (t->tolerated[kind]++ == 0 && t->show)
				printf("tolerated (%s), the first: %s %s\n  %-*s %s\n  %-*s %s\n", TOLERATED_TEXT[kind],
				       q->name, q->type_text, (int)t->width + 1, srv[0].label, a, (int)t->width + 1,
				       srv[1].label, b);
			t->passed++;
		} else if (answered && strcmp(a, b) == 0) {
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
			free(srv[s].rewritten[i]);
			srv[s].rewritten[i] = NULL;
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"timeout", required_argument, NULL, 't'},
	        {"window", required_argument, NULL, 'w'},
	        {"show", required_argument, NULL, 's'},
	        {"max-queries", required_argument, NULL, 'm'},
	        {"names", required_argument, NULL, 'n'},
	        {"wildcard-tolerance", required_argument, NULL, 'W'},
	        {0},
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
		case 'W':
			if (!*optarg || strlen(optarg) > 253)
				return fprintf(stderr, "dnsdiff: --wildcard-tolerance: a zone name\n"), 2;
			o.tolerance_zone = optarg;
			break;
		default:
			return fputs(USAGE, stderr), 2;
		}
	}
	if (argc - optind != 3)
		return fputs(USAGE, stderr), 2;
	char *comma = strchr(names, ',');
	*comma = '\0';
	struct server srv[2] = {{.label = names, .fd = -1},
	                        {.label = comma + 1, .fd = -1, .rewrite = o.tolerance_zone != NULL}};
	struct question *qs = NULL;
	long count = read_questions(argv[optind + 2], o.max_queries, o.tolerance_zone, &qs);
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
	if (o.tolerance_zone)
		printf("tolerated (--wildcard-tolerance %s): %lu %s, %lu %s, %lu %s\n", o.tolerance_zone,
		       t.tolerated[TOLERATED_NETWORK], TOLERATED_TEXT[TOLERATED_NETWORK],
		       t.tolerated[TOLERATED_PARTIAL], TOLERATED_TEXT[TOLERATED_PARTIAL],
		       t.tolerated[TOLERATED_NOT_ADDRESS], TOLERATED_TEXT[TOLERATED_NOT_ADDRESS]);
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
