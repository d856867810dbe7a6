#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_metrics_format.sh — dnsbld's metrics text, rendered with realistic values (test_metrics --print: zones, a
# label that needs escaping, both transports, every counter family), passes promtool check metrics: the Prometheus
# text format 0.0.4 and its naming lint. promtool's own verdict is checked first on a known-bad exposition, so a
# promtool that accepted anything would fail this test too.
set -u
. "$(dirname "$0")/lib.sh"

: "${TEST_METRICS:?TEST_METRICS must name the test_metrics binary (ctest sets it)}"
if ! command -v promtool >/dev/null; then
	it_fail "promtool is installed (scripts/deps.sh: prometheus)" "promtool on PATH" "(none)"
	finish
fi

# promtool: exit status and everything it says (it lints to stderr).
lint() {
	promtool check metrics <"$1" >"$IT_TMP/promtool.out" 2>&1
}

printf '# HELP bad a counter without _total\n# TYPE bad counter\nbad 1\n' >"$IT_TMP/bad.txt"
lint "$IT_TMP/bad.txt"
rc=$?
[ "$rc" -ne 0 ] && it_pass "promtool refuses a counter without _total (exit $rc)" ||
	it_fail "promtool refuses a counter without _total" "a non-zero exit" "0"

"$TEST_METRICS" --print >"$IT_TMP/metrics.txt" 2>"$IT_TMP/stderr"
expect_exit "test_metrics --print exits 0" 0 $? "$(cat "$IT_TMP/stderr")"
lint "$IT_TMP/metrics.txt"
expect_exit "promtool check metrics accepts the exposition" 0 $? "$(cat "$IT_TMP/promtool.out")"
expect_eq "promtool has nothing to say about it" "" "$(cat "$IT_TMP/promtool.out")"

text=$(cat "$IT_TMP/metrics.txt")
for family in dnsbld_queries_total:counter dnsbld_listed_answers_total:counter \
	dnsbld_queries_by_transport_total:counter dnsbld_truncated_total:counter dnsbld_malformed_total:counter \
	dnsbld_dropped_total:counter dnsbld_rrl_total:counter dnsbld_acl_refused_total:counter \
	dnsbld_tcp_connections_accepted_total:counter dnsbld_tcp_connections_closed_total:counter \
	dnsbld_tcp_connections_open:gauge dnsbld_response_seconds:histogram dnsbld_zone_serial:gauge \
	dnsbld_zone_entries:gauge dnsbld_zone_last_change_timestamp_seconds:gauge dnsbld_store_map_used_bytes:gauge \
	dnsbld_store_map_size_bytes:gauge dnsbld_start_time_seconds:gauge dnsbld_build_info:gauge; do
	expect_contains "the exposition has ${family%%:*} as a ${family#*:}" "# TYPE ${family%%:*} ${family#*:}" "$text"
done
expect_contains "a zone name with a quote, a backslash and a newline is escaped" \
	'zone="odd\"name\\with\nnewline.example"' "$text"
expect_contains "build_info carries the project's version" "dnsbld_build_info{version=\"$RBL_VERSION\"} 1" "$text"
finish
