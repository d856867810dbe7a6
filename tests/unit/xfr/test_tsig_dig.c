/* SPDX-License-Identifier: BSD-2-Clause */
/* test_tsig_dig.c — TSIG against another implementation: BIND's dig asks for an AXFR signed with dig -y over
 * loopback TCP, the request is verified here, and the three answer messages signed here are verified by dig, which
 * reports ";; Couldn't verify signature: tsig verify failure" for any message whose MAC is wrong. A chain broken on
 * purpose must make dig say so, so the test cannot pass because dig skipped the check. A signed BADTIME answer (our
 * clock put 1000 s ahead) makes dig report the clock skew, which it does only once the MAC verified; the same answer
 * with a changed MAC makes it report the verify failure. Skipped when dig is not installed (scripts/deps.sh installs
 * bind9-dnsutils). */
#include "dig_vectors.h"
#include "tsig_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static tsig_keytab_t keys;

static int setup(void **state)
{
	(void)state;
	fixture_keys(&keys);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static bool dig_exists(void)
{
	return system("command -v dig >/dev/null 2>&1") == 0;
}

static void read_all(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		assert_int_equal(poll(&p, 1, 10000), 1);
		ssize_t n = read(fd, buf + got, len - got);
		assert_true(n > 0);
		got += (size_t)n;
	}
}

static void write_frame(int fd, const uint8_t *msg, size_t len)
{
	uint8_t frame[2 + 65535];
	frame[0] = (uint8_t)(len >> 8);
	frame[1] = (uint8_t)len;
	memcpy(frame + 2, msg, len);
	assert_int_equal(write(fd, frame, len + 2), (ssize_t)(len + 2));
}

static const char *const part1[] = {
        "rbl.example. 3600 IN SOA ns1.rbl.example. hostmaster.rbl.example. 7 3600 600 86400 60",
        "2.0.0.127.rbl.example. 60 IN A 127.0.0.2",
};
static const char *const part2[] = {
        "2.0.0.127.rbl.example. 60 IN TXT \"listed\"",
        "*.2.0.192.rbl.example. 60 IN A 127.0.0.3",
};
static const char *const part3[] = {
        "rbl.example. 3600 IN SOA ns1.rbl.example. hostmaster.rbl.example. 7 3600 600 86400 60",
};

enum serving {
	SERVE_TRANSFER,       /* three messages signed in a chain */
	SERVE_BROKEN_CHAIN,   /* the second message signed as if it were the first */
	SERVE_BADTIME,        /* our clock 1000 s ahead of dig's: the signed BADTIME answer */
	SERVE_BADTIME_FORGED, /* the same with one byte of its MAC changed */
};

/* The BADTIME answer to dig's query, verified as if our clock were 1000 s ahead, into out; its length. With forged,
 * one byte of the MAC is changed. */
static size_t badtime_answer(const ldns_pkt *q, const uint8_t *query, size_t query_len, bool forged, uint8_t *out,
                             size_t out_size)
{
	tsig_request_t request;
	uint64_t ahead = (uint64_t)time(NULL) + 1000;
	assert_int_equal(tsig_verify_request(query, query_len, &keys, ahead, &request), RBL_OK);
	assert_int_equal(request.verdict, TSIG_BADTIME);
	uint8_t msg[4096];
	size_t len = fixture_answer(q, NULL, 0, true, msg), n;
	assert_int_equal(tsig_error_answer(&request, msg, len, ahead, out, out_size, &n), RBL_OK);
	if (forged) {
		ldns_pkt *p = NULL;
		assert_int_equal(ldns_wire2pkt(&p, out, n), LDNS_STATUS_OK);
		out[fixture_mac_offset(p, out, n) + 3] ^= 1;
		ldns_pkt_free(p);
	}
	return n;
}

/* Serves one AXFR to dig -y as mode says. dig's output (stdout and stderr) into output. */
static void serve_dig(enum serving mode, char *output, size_t output_size)
{
	int listener = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(listener >= 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sa_len = sizeof sa;
	assert_int_equal(bind(listener, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(listener, 1), 0);
	assert_int_equal(getsockname(listener, (struct sockaddr *)&sa, &sa_len), 0);

	char port[8], key[128], log[] = "/tmp/test_tsig_dig.XXXXXX";
	snprintf(port, sizeof port, "%u", ntohs(sa.sin_port));
	snprintf(key, sizeof key, "hmac-sha256:%s:%s", KEY_SHA256, SECRET_SHA256);
	int log_fd = mkstemp(log);
	assert_true(log_fd >= 0);
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, log_fd, 1);
	posix_spawn_file_actions_adddup2(&actions, log_fd, 2);
	char *argv[] = {"dig", "-p", port, "@127.0.0.1", "-y", key, "rbl.example", "AXFR", "+time=5", "+tries=1", NULL};
	pid_t dig;
	assert_int_equal(posix_spawnp(&dig, "dig", &actions, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&actions);

	struct pollfd p = {.fd = listener, .events = POLLIN};
	assert_int_equal(poll(&p, 1, 10000), 1);
	int conn = accept(listener, NULL, NULL);
	assert_true(conn >= 0);
	uint8_t length[2], query[65535];
	read_all(conn, length, 2);
	size_t query_len = (size_t)(length[0] << 8 | length[1]);
	read_all(conn, query, query_len);

	tsig_request_t request;
	assert_int_equal(tsig_verify_request(query, query_len, &keys, (uint64_t)time(NULL), &request), RBL_OK);
	assert_int_equal(request.verdict, TSIG_OK); /* dig's signature, checked by ldns here */
	assert_string_equal(request.key->name, KEY_SHA256);

	ldns_pkt *q = NULL;
	assert_int_equal(ldns_wire2pkt(&q, query, query_len), LDNS_STATUS_OK);
	static uint8_t msg[4096], signed_msg[4096];
	const char *const *parts[] = {part1, part2, part3};
	size_t counts[] = {2, 2, 1};
	tsig_stream_t stream;
	tsig_stream_start(&stream, &request);
	if (mode == SERVE_BADTIME || mode == SERVE_BADTIME_FORGED) {
		size_t len = badtime_answer(q, query, query_len, mode == SERVE_BADTIME_FORGED, signed_msg,
		                            sizeof signed_msg);
		write_frame(conn, signed_msg, len);
	}
	for (int i = 0; i < 3 && mode != SERVE_BADTIME && mode != SERVE_BADTIME_FORGED; i++) {
		size_t len = fixture_answer(q, parts[i], counts[i], i == 0, msg), signed_len;
		if (mode == SERVE_BROKEN_CHAIN && i == 1)
			tsig_stream_start(&stream, &request);
		assert_int_equal(tsig_stream_sign(&stream, msg, len, signed_msg, sizeof signed_msg, &signed_len),
		                 RBL_OK);
		write_frame(conn, signed_msg, signed_len);
	}
	ldns_pkt_free(q);
	int status;
	assert_int_equal(waitpid(dig, &status, 0), dig);
	close(conn);
	close(listener);
	ssize_t n = pread(log_fd, output, output_size - 1, 0);
	assert_true(n >= 0);
	output[n] = '\0';
	close(log_fd);
	unlink(log);
}

static void test_dig_accepts_a_signed_three_message_transfer(void **state)
{
	(void)state;
	if (!dig_exists())
		skip();
	static char output[16384];
	serve_dig(SERVE_TRANSFER, output, sizeof output);
	print_message("%s", output);
	assert_non_null(strstr(output, "*.2.0.192.rbl.example.\t60\tIN\tA\t127.0.0.3"));
	assert_non_null(strstr(output, "XFR size: 5 records (messages 3"));
	assert_null(strstr(output, "verify")); /* ";; Couldn't verify signature: tsig verify failure" */
	assert_null(strstr(output, "failure"));
}

static void test_dig_refuses_a_transfer_whose_chain_is_broken(void **state)
{
	(void)state;
	if (!dig_exists())
		skip();
	static char output[16384];
	serve_dig(SERVE_BROKEN_CHAIN, output, sizeof output);
	print_message("%s", output);
	assert_non_null(strstr(output, "Couldn't verify signature: tsig verify failure"));
}

static void test_dig_verifies_a_badtime_answer_and_reports_the_clock_skew(void **state)
{
	(void)state;
	if (!dig_exists())
		skip();
	static char output[16384];
	serve_dig(SERVE_BADTIME, output, sizeof output);
	print_message("%s", output);
	/* BIND checks the MAC before it reads the error: the skew is reported only for an answer that verified. */
	assert_non_null(strstr(output, "Couldn't verify signature: clocks are unsynchronized"));
	assert_non_null(strstr(output, "BADTIME 6 "));
	assert_null(strstr(output, "tsig verify failure"));
	serve_dig(SERVE_BADTIME_FORGED, output, sizeof output);
	print_message("%s", output);
	assert_non_null(strstr(output, "tsig verify failure"));
}

static void test_queries_dig_signed_with_sha512_and_sha1_verify_at_their_time(void **state)
{
	(void)state;
	tsig_request_t r;
	assert_int_equal(tsig_verify_request(dig_sha512_soa, sizeof dig_sha512_soa, &keys, DIG_SIGNED_AT, &r), RBL_OK);
	assert_int_equal(r.verdict, TSIG_OK);
	assert_string_equal(r.key->name, KEY_SHA512);
	assert_int_equal(r.time_signed, DIG_SIGNED_AT);
	assert_int_equal(tsig_verify_request(dig_sha1_soa_edns, sizeof dig_sha1_soa_edns, &keys, DIG_SIGNED_AT, &r),
	                 RBL_OK);
	assert_int_equal(r.verdict, TSIG_OK);
	assert_string_equal(r.key->name, KEY_SHA1);
	assert_int_equal(
	        tsig_verify_request(dig_sha1_soa_edns, sizeof dig_sha1_soa_edns, &keys, DIG_SIGNED_AT + 301, &r),
	        RBL_OK);
	assert_int_equal(r.verdict, TSIG_BADTIME);
	static uint8_t changed[sizeof dig_sha512_soa];
	memcpy(changed, dig_sha512_soa, sizeof changed);
	changed[sizeof changed - 20] ^= 1; /* inside the MAC's last bytes, before original ID, error and other length */
	assert_int_equal(tsig_verify_request(changed, sizeof changed, &keys, DIG_SIGNED_AT, &r), RBL_OK);
	assert_int_equal(r.verdict, TSIG_BADSIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_dig_accepts_a_signed_three_message_transfer),
	        cmocka_unit_test(test_dig_refuses_a_transfer_whose_chain_is_broken),
	        cmocka_unit_test(test_dig_verifies_a_badtime_answer_and_reports_the_clock_skew),
	        cmocka_unit_test(test_queries_dig_signed_with_sha512_and_sha1_verify_at_their_time),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
