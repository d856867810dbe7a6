#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_metrics.sh — dnsbld's GET /metrics on a running server: queries counted by zone, type and rcode, listed
# answers, UDP and TCP, truncated and malformed packets, ACL refusals, rate-limiting drops, TCP connections, the
# latency histogram, zone serials, entries and last change, build info; the live text accepted by promtool; other paths and methods refused.
# All traffic on 127.0.0.1; dnsbld runs under timeout(1) (lib.sh).
set -u
. "$(dirname "$0")/lib.sh"
: "${RAWDNS:?RAWDNS must name the rawdns test tool (ctest sets it)}"
: "${FLOOD:?FLOOD must name the flood test tool (ctest sets it)}"

ZONE=metrics.rbl.test
rbl zone create "$ZONE" --txt 'Listed: $' >/dev/null 2>&1
rbl add "$ZONE" 192.0.2.1 --reason "$(printf 'r%.0s' $(seq 600))" >/dev/null 2>&1
MPORT=$(random_port)
# Clients in 127.0.0.0/9 are answered, 127.200.0.50 is not; rate limiting at 5 answers a second per /24, so that
# only 127.60.0.x, the one network that floods (flood: 100 queries a second for 2 s), is limited.
start_dnsbld --workers 2 --metrics-listen "127.0.0.1:$MPORT" --allow-query 127.0.0.0/9 --allow-query ::1 \
	--rrl-rate 5 --rrl-slip 0 || finish

metrics() {
	curl -s --max-time 5 "http://127.0.0.1:$MPORT/metrics"
}
# The value of a series (exact name and labels as rendered), 0 when absent.
value_of() {
	awk -v k="$1" '$1 == k { print $2; found = 1 } END { if (!found) print 0 }' <<<"$2"
}

before=$(metrics)
expect_contains "GET /metrics: the build info" "dnsbld_build_info{version=\"$RBL_VERSION\"} 1" "$before"

for i in 1 2 3; do q "1.2.0.192.$ZONE" A >/dev/null; done       # listed, A
q "9.2.0.192.$ZONE" A >/dev/null                               # NXDOMAIN
q "1.2.0.192.$ZONE" TXT +noedns +ignore >/dev/null            # listed, TXT: 600 bytes do not fit in 512 (TC)
DIG_TRANSPORT=+tcp q "1.2.0.192.$ZONE" TXT >/dev/null          # the same over TCP: whole
q www.example.com A >/dev/null                                 # outside every zone: REFUSED
"$RAWDNS" udp 127.0.0.1 "$DNSBLD_PORT" abcd00000002000000000000 1000 >/dev/null 2>&1 # QDCOUNT 2, no question: FORMERR
dig @127.0.0.1 -p "$DNSBLD_PORT" -b 127.200.0.50 +norec +time=1 +tries=1 +notcp "1.2.0.192.$ZONE" A >/dev/null 2>&1
flood_out=$("$FLOOD" 127.0.0.1 "$DNSBLD_PORT" "1.2.0.192.$ZONE" A 1 1 100 2 60 2>&1)
flood_sent=$(sed -n 's/^total .*sent=\([0-9]*\).*/\1/p' <<<"$flood_out")
sleep 0.2
after=$(metrics)

delta() {
	echo $(($(value_of "$1" "$after") - $(value_of "$1" "$before")))
}
listed_a=$(delta "dnsbld_queries_total{zone=\"$ZONE\",qtype=\"A\",rcode=\"NOERROR\"}")
if [ "$listed_a" -ge 3 ]; then
	it_pass "queries_total counts the listed A answers by zone, qtype and rcode ($listed_a)"
else
	it_fail "queries_total counts the listed A answers" ">= 3" "$listed_a" "$after"
fi
expect_eq "queries_total counts the NXDOMAIN" 1 "$(delta "dnsbld_queries_total{zone=\"$ZONE\",qtype=\"A\",rcode=\"NXDOMAIN\"}")"
# The REFUSED outside every zone, and the one to the client outside allow-query: zone "(none)".
expect_eq "queries_total counts the REFUSED answers under zone (none)" 2 \
	"$(delta 'dnsbld_queries_total{zone="(none)",qtype="A",rcode="REFUSED"}')"
listed=$(delta "dnsbld_listed_answers_total{zone=\"$ZONE\"}")
if [ "$listed" -ge 5 ]; then
	it_pass "listed_answers_total counts the listings answered ($listed)"
else
	it_fail "listed_answers_total counts the listings answered" ">= 5" "$listed"
fi
expect_eq "truncated_total counts the TXT that did not fit over UDP" 1 "$(delta dnsbld_truncated_total)"
tcp=$(delta 'dnsbld_queries_by_transport_total{transport="tcp"}')
expect_eq "queries over TCP are counted as such" 1 "$tcp"
expect_eq "a malformed packet is counted by kind" 1 "$(delta 'dnsbld_malformed_total{kind="formerr"}')" \
	"$(grep malformed <<<"$after")"
expect_eq "the client outside allow-query is an ACL refusal" 1 "$(delta dnsbld_acl_refused_total)"
rrl=$(delta 'dnsbld_rrl_total{action="drop"}')
if [ "$rrl" -ge 150 ]; then
	it_pass "rate-limiting drops are counted ($rrl of ${flood_sent:-?} sent at 100 a second past a rate of 5)"
else
	it_fail "rate-limiting drops are counted" ">= 150 of ~200" "$rrl" "$(grep rrl <<<"$after"; echo "$flood_out")"
fi
expect_eq "the TCP connection was accepted and closed" "1 1" \
	"$(delta dnsbld_tcp_connections_accepted_total) $(($(delta 'dnsbld_tcp_connections_closed_total{reason="other"}') + $(delta 'dnsbld_tcp_connections_closed_total{reason="idle"}')))"
# Every answer sent, and none that rate limiting dropped: the queries counted by transport, less the drops.
answered=$(($(delta 'dnsbld_queries_by_transport_total{transport="udp"}') + $(delta 'dnsbld_queries_by_transport_total{transport="tcp"}')))
expect_eq "the latency histogram counts every answer sent (receive to send), not the dropped ones" \
	"$((answered - rrl))" "$(delta dnsbld_response_seconds_count)"
expect_contains "the zone's serial" "dnsbld_zone_serial{zone=\"$ZONE\"}" "$after"
expect_contains "the store's map use" "dnsbld_store_map_used_bytes" "$after"
# Per zone: entries and the last change, as the store keeps them at each commit; live, no reload.
expect_eq "the zone's entries" 1 "$(value_of "dnsbld_zone_entries{zone=\"$ZONE\"}" "$after")"
t0=$(date +%s)
rbl add "$ZONE" 192.0.2.0/24 >/dev/null 2>&1
rbl exclude "$ZONE" 192.0.2.128/25 >/dev/null 2>&1
rbl add "$ZONE" 2001:db8::/32 --allow-wide >/dev/null 2>&1
rbl del "$ZONE" 192.0.2.1 >/dev/null 2>&1
changed=$(metrics)
expect_eq "the zone's entries follow adds, an exclusion and a delete" 3 \
	"$(value_of "dnsbld_zone_entries{zone=\"$ZONE\"}" "$changed")"
last=$(value_of "dnsbld_zone_last_change_timestamp_seconds{zone=\"$ZONE\"}" "$changed")
if [ "$last" -ge "$t0" ] && [ "$last" -le "$(date +%s)" ]; then
	it_pass "the zone's last change is the time of the last commit ($last)"
else
	it_fail "the zone's last change is the time of the last commit" ">= $t0" "$last"
fi

if command -v promtool >/dev/null; then
	out=$(promtool check metrics <<<"$after" 2>&1)
	expect_exit "promtool check metrics accepts the live text" 0 $? "$out"
else
	it_fail "promtool is installed (scripts/deps.sh: prometheus)" "promtool" "not found"
fi
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$MPORT/other")
expect_eq "another path is 404" 404 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST "http://127.0.0.1:$MPORT/metrics")
expect_eq "POST is 405" 405 "$code"
out=$("$DNSBLD" --metrics-listen 127.0.0.1 --check-config 2>&1)
expect_exit "--metrics-listen without a port is bad input" 2 $? "$out"
expect_contains "... and says what it expects" "expected ADDR:PORT" "$out"
finish
