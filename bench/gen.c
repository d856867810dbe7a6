/* SPDX-License-Identifier: BSD-2-Clause */
/* gen.c — the benchmark's data: a fixed-seed rbldnsd ip4set file of random /32s and /24s, and a dnsperf query file
 * of which half the names are listed and half are not.
 *
 *   gen --seed S --hosts N --nets M --data FILE [--queries FILE --count Q --zone Z] [--soa]
 *
 * The same seed always gives the same files. Addresses avoid 0/8, 127/8, 198.18/15 (kept free for the add/del
 * probe) and 224/3. Entries are unique and written in a shuffled order; a "not listed" query is checked against
 * both the /32s and the /24s. A "listed" query names a /32 of the file or a random host inside one of its /24s. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

static uint64_t rng_next(void) /* splitmix64 */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t n)
{
	return rng_next() % n;
}

static int usable(uint32_t a)
{
	unsigned first = a >> 24;
	if (first == 0 || first == 127 || first >= 224)
		return 0;
	if ((a >> 17) == (198u << 7 | 18u >> 1)) /* 198.18.0.0/15 */
		return 0;
	return 1;
}

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return a < b ? -1 : a > b;
}

/* Sorts and removes duplicates; returns the new count. */
static size_t sort_unique(uint32_t *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_u32);
	size_t out = 0;
	for (size_t i = 0; i < n; i++)
		if (out == 0 || v[out - 1] != v[i])
			v[out++] = v[i];
	return out;
}

static void shuffle(uint32_t *v, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = rng_below(i);
		uint32_t t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}

/* want unique usable addresses with the given mask applied, sorted: draw, dedupe, top up what duplicates took. */
static uint32_t *random_set(size_t want, uint32_t mask, size_t *got)
{
	uint32_t *v = malloc((want + 1) * sizeof *v);
	size_t n = 0;
	if (!v)
		return NULL;
	while (n < want) {
		while (n < want) {
			uint32_t a = (uint32_t)rng_next() & mask;
			if (usable(a))
				v[n++] = a;
		}
		n = sort_unique(v, n);
	}
	*got = n;
	return v;
}

static int contains(const uint32_t *v, size_t n, uint32_t a)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo] == a;
}

/* Writes a dotted quad (or its reverse) at p; returns the end. */
static char *put_quad(char *p, uint32_t a, int reversed)
{
	for (int i = 0; i < 4; i++) {
		unsigned octet = reversed ? (a >> (8 * i)) & 255 : (a >> (24 - 8 * i)) & 255;
		if (octet >= 100)
			*p++ = (char)('0' + octet / 100);
		if (octet >= 10)
			*p++ = (char)('0' + octet / 10 % 10);
		*p++ = (char)('0' + octet % 10);
		if (i < 3)
			*p++ = '.';
	}
	return p;
}

#define OUTBUF (1 << 20)

struct out {
	FILE *f;
	char buf[OUTBUF];
	size_t len;
};

static int out_flush(struct out *o)
{
	if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len)
		return -1;
	o->len = 0;
	return 0;
}

static char *out_room(struct out *o, size_t need)
{
	if (o->len + need > OUTBUF && out_flush(o))
		return NULL;
	return o->buf + o->len;
}

static int usage(void)
{
	fprintf(stderr, "usage: gen --seed S --hosts N --nets M --data FILE [--soa] "
			"[--queries FILE --count Q --zone Z]\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned long long seed = 1, hosts = 0, nets = 0, count = 0;
	const char *data_path = NULL, *queries_path = NULL, *zone = "bench.rbl.test";
	int soa = 0;
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(opt, "--soa") == 0) {
			soa = 1;
			continue;
		}
		if (!val)
			return usage();
		i++;
		if (strcmp(opt, "--seed") == 0)
			seed = strtoull(val, NULL, 10);
		else if (strcmp(opt, "--hosts") == 0)
			hosts = strtoull(val, NULL, 10);
		else if (strcmp(opt, "--nets") == 0)
			nets = strtoull(val, NULL, 10);
		else if (strcmp(opt, "--count") == 0)
			count = strtoull(val, NULL, 10);
		else if (strcmp(opt, "--data") == 0)
			data_path = val;
		else if (strcmp(opt, "--queries") == 0)
			queries_path = val;
		else if (strcmp(opt, "--zone") == 0)
			zone = val;
		else
			return usage();
	}
	if (!data_path || hosts + nets == 0 || (queries_path && !count))
		return usage();
	rng_state = seed;

	size_t nh, nn;
	uint32_t *host = random_set(hosts, 0xffffffffu, &nh);
	uint32_t *net = random_set(nets, 0xffffff00u, &nn);
	if (!host || !net) {
		fprintf(stderr, "gen: out of memory\n");
		return 1;
	}

	/* The data file: both sets, shuffled together. */
	size_t total = nh + nn;
	uint32_t *order = malloc(total * sizeof *order);
	if (!order) {
		fprintf(stderr, "gen: out of memory\n");
		return 1;
	}
	/* Shuffle indexes: values < nh are hosts, the rest nets. */
	for (size_t i = 0; i < total; i++)
		order[i] = (uint32_t)i;
	shuffle(order, total);

	static struct out o;
	o.f = fopen(data_path, "w");
	if (!o.f) {
		fprintf(stderr, "gen: %s: %s\n", data_path, strerror(errno));
		return 1;
	}
	o.len = (size_t)snprintf(o.buf, OUTBUF, "# dnsbld benchmark data: seed %llu, %zu /32, %zu /24\n", seed, nh,
				 nn);
	if (soa)
		o.len += (size_t)snprintf(o.buf + o.len, OUTBUF - o.len,
					  "$SOA 3600 ns1.%s hostmaster.%s 1 3600 600 86400 300\n$NS 3600 ns1.%s\n",
					  zone, zone, zone);
	o.len += (size_t)snprintf(o.buf + o.len, OUTBUF - o.len, ":127.0.0.2:Listed $\n");
	for (size_t i = 0; i < total; i++) {
		char *p = out_room(&o, 32);
		if (!p)
			goto write_error;
		char *end;
		if (order[i] < nh) {
			end = put_quad(p, host[order[i]], 0);
		} else {
			end = put_quad(p, net[order[i] - nh], 0);
			memcpy(end, "/24", 3);
			end += 3;
		}
		*end++ = '\n';
		o.len += (size_t)(end - p);
	}
	if (out_flush(&o) || fclose(o.f))
		goto write_error;

	if (queries_path) {
		o.f = fopen(queries_path, "w");
		if (!o.f) {
			fprintf(stderr, "gen: %s: %s\n", queries_path, strerror(errno));
			return 1;
		}
		size_t zlen = strlen(zone);
		for (unsigned long long q = 0; q < count; q++) {
			uint32_t a;
			if (q % 2 == 0) { /* listed */
				size_t k = rng_below(total);
				a = k < nh ? host[k] : net[k - nh] | (uint32_t)rng_below(256);
			} else {
				do
					a = (uint32_t)rng_next();
				while (!usable(a) || contains(host, nh, a) || contains(net, nn, a & 0xffffff00u));
			}
			char *p = out_room(&o, 32 + zlen);
			if (!p)
				goto write_error;
			char *end = put_quad(p, a, 1);
			*end++ = '.';
			memcpy(end, zone, zlen);
			end += zlen;
			memcpy(end, " A\n", 3);
			end += 3;
			o.len += (size_t)(end - p);
		}
		if (out_flush(&o) || fclose(o.f))
			goto write_error;
	}
	fprintf(stderr, "gen: seed %llu: %zu /32 + %zu /24 -> %s%s%s\n", seed, nh, nn, data_path,
		queries_path ? ", queries -> " : "", queries_path ? queries_path : "");
	free(order);
	free(host);
	free(net);
	return 0;
write_error:
	fprintf(stderr, "gen: write failed: %s\n", strerror(errno));
	return 1;
}
