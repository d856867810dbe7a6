/* SPDX-License-Identifier: BSD-2-Clause */
/* test_hostport.c — HOST[:PORT] on the command line (base/hostport.h). */
#include "base/err.h"
#include "base/hostport.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static void expect_split(const char *text, const char *host, uint16_t port)
{
	char got[64];
	uint16_t got_port = 0;
	assert_int_equal(hostport_split(text, 25, got, sizeof got, &got_port), RBL_OK);
	assert_string_equal(got, host);
	assert_int_equal(got_port, port);
}

static void test_host_alone_takes_the_default_port(void **state)
{
	(void)state;
	expect_split("192.0.2.1", "192.0.2.1", 25);
	expect_split("mx.example.org", "mx.example.org", 25);
	expect_split("2001:db8::1", "2001:db8::1", 25); /* more than one colon: a bare IPv6 address, no port */
	expect_split("[2001:db8::1]", "2001:db8::1", 25);
}

static void test_port_after_one_colon_or_after_brackets(void **state)
{
	(void)state;
	expect_split("192.0.2.1:2525", "192.0.2.1", 2525);
	expect_split("mx.example.org:587", "mx.example.org", 587);
	expect_split("[2001:db8::1]:65535", "2001:db8::1", 65535);
	expect_split("h:1", "h", 1);
}

static void test_bad_ports_and_brackets_are_refused_and_leave_the_outputs(void **state)
{
	(void)state;
	const char *bad[] = {"",      ":25",  "h:",     "h:0",    "h:65536", "h:025",   "h:+25",        "h: 25",
	                     "h:25x", "[::1", "[::1]x", "[::1]:", "[]:25",   "[::1]:0", "h:99999999999"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char host[16] = "untouched";
		uint16_t port = 7;
		assert_int_equal(hostport_split(bad[i], 25, host, sizeof host, &port), RBL_EINVAL);
		assert_string_equal(host, "untouched");
		assert_int_equal(port, 7);
	}
	assert_int_equal(hostport_split(NULL, 25, (char[8]){0}, 8, &(uint16_t){0}), RBL_EINVAL);
}

static void test_host_longer_than_the_buffer_is_refused(void **state)
{
	(void)state;
	char host[8];
	uint16_t port;
	assert_int_equal(hostport_split("1234567", 25, host, sizeof host, &port), RBL_OK);
	assert_int_equal(hostport_split("12345678", 25, host, sizeof host, &port), RBL_EINVAL);
	assert_int_equal(hostport_split("12345678:25", 25, host, sizeof host, &port), RBL_EINVAL);
}

static void test_listen_addresses_are_numeric_and_port_zero_asks_for_a_free_one(void **state)
{
	(void)state;
	struct sockaddr_storage ss;
	bool v6;
	assert_int_equal(hostport_listen_addr("127.0.0.1:8053", 1, &ss, &v6), RBL_OK);
	assert_false(v6);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 8053);
	assert_int_equal(hostport_listen_addr("[::1]:0", 1, &ss, &v6), RBL_OK);
	assert_true(v6);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 0);
	assert_int_equal(hostport_listen_addr("127.0.0.1", 9153, &ss, &v6), RBL_OK);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9153);
	assert_int_equal(hostport_listen_addr("localhost:53", 1, &ss, &v6), RBL_EINVAL); /* names are not resolved */
	assert_int_equal(hostport_listen_addr("127.0.0.1:65536", 1, &ss, &v6), RBL_EINVAL);
	assert_int_equal(hostport_listen_addr(":0", 1, &ss, &v6), RBL_EINVAL);
	assert_int_equal(hostport_listen_addr("", 1, &ss, &v6), RBL_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_host_alone_takes_the_default_port),
	        cmocka_unit_test(test_port_after_one_colon_or_after_brackets),
	        cmocka_unit_test(test_bad_ports_and_brackets_are_refused_and_leave_the_outputs),
	        cmocka_unit_test(test_host_longer_than_the_buffer_is_refused),
	        cmocka_unit_test(test_listen_addresses_are_numeric_and_port_zero_asks_for_a_free_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
