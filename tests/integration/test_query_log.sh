#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_query_log.sh — dnsbld --query-log on a running server: one line per query (a listed name with its codes, an
# NXDOMAIN, TCP, a name with odd bytes escaped), the file reopened on SIGHUP after logrotate's rename, sampling one in
# ten with one worker, a file that cannot be opened stopping the start, the dropped total logged at exit.
# All traffic on 127.0.0.1; dnsbld runs under timeout(1) (lib.sh).
set -u
. "$(dirname "$0")/lib.sh"
: "${RAWDNS:?RAWDNS must name the rawdns test tool (ctest sets it)}"

ZONE=qlog.rbl.test
rbl zone create "$ZONE" >/dev/null 2>&1
rbl add "$ZONE" 192.0.2.1 --code 127.0.0.2 --code 127.0.0.4 >/dev/null 2>&1
LOG="$IT_TMP/query.log"

# wait_lines FILE N: until FILE has at least N lines (the writer wakes every 100 ms), bounded to ~3 s.
wait_lines() {
	local i
	for i in $(seq 30); do
		: "$i"
		[ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
# A line's fields after the time, which is checked on its own.
fields() {
	cut -d' ' -f2- "$1"
}

out=$("$DNSBLD" --db "$IT_DB" --query-log "$LOG" --query-log-sample 7 --check-config 2>&1)
expect_contains "--check-config prints query-log" "query-log = $LOG" "$out"
expect_contains "--check-config prints query-log-sample" "query-log-sample = 7" "$out"
out=$("$DNSBLD" --db "$IT_DB" --query-log-sample 0 --check-config 2>&1)
expect_contains "query-log-sample 0 is refused" "--query-log-sample: invalid value '0' (expected 1..1000000)" "$out"

start_dnsbld --query-log "$LOG" || finish
q "1.2.0.192.$ZONE" A >/dev/null
q "9.2.0.192.$ZONE" A >/dev/null
DIG_TRANSPORT=+tcp q "1.2.0.192.$ZONE" TXT >/dev/null
# A first label of 'A', 'b', a newline, a space: lowercased, the newline and the space escaped.
odd_hex="abcd00000001000000000000""0441620a20$(name_hex "$ZONE")00010001"
"$RAWDNS" udp 127.0.0.1 "$DNSBLD_PORT" "$odd_hex" 1000 >/dev/null 2>&1
wait_lines "$LOG" 5
lines=$(fields "$LOG")
# The first line is start_dnsbld's SOA query for "invalid".
expect_eq "one line per query" 5 "$(wc -l <"$LOG")" "$lines"
expect_contains "a listed name: its codes" \
	"127.0.0.1 1.2.0.192.$ZONE A NOERROR 127.0.0.2,127.0.0.4 udp" "$lines"
expect_contains "an NXDOMAIN: no codes" "127.0.0.1 9.2.0.192.$ZONE A NXDOMAIN - udp" "$lines"
expect_contains "TCP, TXT: listed, no A record to show" "127.0.0.1 1.2.0.192.$ZONE TXT NOERROR - tcp" "$lines"
expect_contains "odd bytes: lowercase, escaped" "127.0.0.1 ab\\010\\032.$ZONE A NXDOMAIN - udp" "$lines"
expect_eq "the time: ISO 8601 UTC with milliseconds" 5 \
	"$(grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z ' "$LOG")" "$(cat "$LOG")"
expect_eq "no control character reaches the file" 0 "$(tr -d '\n' <"$LOG" | LC_ALL=C grep -c '[[:cntrl:]]')"
if [ "$IT_HAVE_V6" = 1 ]; then
	DIG_SERVER=::1 q "1.2.0.192.$ZONE" A >/dev/null
	wait_lines "$LOG" 6
	expect_contains "an IPv6 client" "::1 1.2.0.192.$ZONE A NOERROR" "$(fields "$LOG")"
fi
expect_eq "the file is 0640" 640 "$(stat -c %a "$LOG")"

# logrotate: rename, SIGHUP, the next line goes to a new file at the same path.
before=$(wc -l <"$LOG")
mv "$LOG" "$LOG.1"
kill -HUP "$(pgrep -P "$DNSBLD_PID" -x dnsbld || echo "$DNSBLD_PID")"
sleep 0.3
q "3.2.0.192.$ZONE" A >/dev/null
wait_lines "$LOG" 1
expect_eq "after SIGHUP the new file gets the line" "127.0.0.1 3.2.0.192.$ZONE A NXDOMAIN - udp" \
	"$(fields "$LOG" 2>&1)"
expect_eq "the renamed file is left as it was" "$before" "$(wc -l <"$LOG.1")"
stop_dnsbld
expect_contains "the dropped total is logged at exit" "query log $LOG: 0 line(s) dropped" "$(cat "$DNSBLD_LOG")"

# One in ten, counted per worker: with one worker, 100 queries give exactly 10 lines (the start's SOA query counts).
rm -f "$LOG"
DNSBLD_WORKERS=1 start_dnsbld --query-log "$LOG" --query-log-sample 10 || finish
for i in $(seq 99); do
	q "$i.9.0.192.$ZONE" A >/dev/null
done
wait_lines "$LOG" 10
sleep 0.3
expect_eq "one query in ten is logged" 10 "$(wc -l <"$LOG")" "$(cat "$LOG")"
stop_dnsbld

# A file that cannot be opened: dnsbld does not start, and says which file.
out=$(timeout 10 "$DNSBLD" "${DNSBLD_ROOT_OPTS[@]}" --db "$IT_DB" --listen "127.0.0.1:$(random_port)" \
	--query-log "$IT_TMP/no/such/dir/q.log" 2>&1)
expect_exit "a query log that cannot be opened stops the start" 1 $? "$out"
expect_contains "the error names the file" "cannot open the query log $IT_TMP/no/such/dir/q.log" "$out"
finish
