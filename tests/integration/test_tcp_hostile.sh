#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_tcp_hostile.sh — hostile clients cannot stop dnsbld from answering: slow-drip TCP clients (a 4096-byte query
# announced, one byte a second) are closed within the idle time of their first byte and, while they hold every slot,
# a new TCP client takes the slot of the slowest; idle connections give way to new clients; a flood of garbage
# datagrams does not stop UDP answers; the daemon's file descriptors stay bounded by its slots. One worker, 16 TCP
# slots, a 2 s idle time; every hostile client is bounded in count and time (tests/tools/hostile.c).
set -u
. "$(dirname "$0")/lib.sh"

ZONE=hostile.rbl.test
IT_ZONE=$ZONE
SLOTS=16
IDLE=2
rbl zone create "$ZONE" >/dev/null
rbl add "$ZONE" 127.0.0.2 >/dev/null
DNSBLD_WORKERS=1
start_dnsbld --tcp-max-conns "$SLOTS" --tcp-idle "$IDLE" || finish
daemon=$(pgrep -P "$DNSBLD_PID" -x dnsbld) # DNSBLD_PID is timeout(1), its parent
fds_before=$(ls /proc/"$daemon"/fd 2>/dev/null | wc -l)

# answered N TRANSPORT: how many of N queries for the listed name got their answer, each tried up to three times as
# a resolver would (a datagram lost in a flood is the kernel's doing, not dnsbld's).
answered() {
	local n=$1 transport=$2 ok=0 i
	for i in $(seq "$n"); do
		: "$i"
		DIG_TRANSPORT=$transport q "2.0.0.127.$ZONE" A +tries=3 | grep -q '127.0.0.2$' && ok=$((ok + 1))
	done
	echo "$ok"
}

# --- slow drip: 40 connections against 16 slots, for 8 s ---------------------------------------------------------
"$HOSTILE" drip 127.0.0.1 "$DNSBLD_PORT" 40 8 >"$IT_TMP/drip.out" 2>&1 &
drip=$!
sleep 1
expect_eq "while slow-drip clients hold every slot, 10 TCP queries are answered" 10 "$(answered 10 +tcp)"
fds_during=$(ls /proc/"$daemon"/fd 2>/dev/null | wc -l)
wait "$drip"
read -r _ longest <<<"$(sed -n 's/.*closed=\([0-9]*\) longest_ms=\([0-9]*\).*/\1 \2/p' "$IT_TMP/drip.out")"
expect_eq "no slow-drip connection is still open after 8 s" "open=0" "$(grep -o 'open=[0-9]*' "$IT_TMP/drip.out")" \
	"$(cat "$IT_TMP/drip.out")"
if [ -n "$longest" ] && [ "$longest" -le $((IDLE * 1000 + 1500)) ]; then
	it_pass "a dripping query is dropped within the idle time of its first byte (longest held: $longest ms)"
else
	it_fail "a dripping query is dropped within the idle time of its first byte" "<= $((IDLE * 1000 + 1500)) ms" \
		"${longest:-?} ms" "$(cat "$IT_TMP/drip.out")"
fi
if [ "$fds_during" -le $((fds_before + SLOTS + 4)) ]; then
	it_pass "file descriptors stay bounded by the slots during the attack ($fds_before before, $fds_during during)"
else
	it_fail "file descriptors stay bounded by the slots" "<= $((fds_before + SLOTS + 4))" "$fds_during"
fi

# --- idle connections: 40 against 16 slots ----------------------------------------------------------------------
"$HOSTILE" idle 127.0.0.1 "$DNSBLD_PORT" 40 4 >"$IT_TMP/idle.out" 2>&1 &
idle=$!
sleep 0.5
expect_eq "while idle clients hold every slot, 10 TCP queries are answered" 10 "$(answered 10 +tcp)"
wait "$idle"
expect_eq "no idle connection outlives the idle time" "open=0" "$(grep -o 'open=[0-9]*' "$IT_TMP/idle.out")" \
	"$(cat "$IT_TMP/idle.out")"

# --- garbage datagrams ------------------------------------------------------------------------------------------
"$HOSTILE" garbage 127.0.0.1 "$DNSBLD_PORT" 300000 >"$IT_TMP/garbage.out" 2>&1 &
garbage=$!
expect_eq "during a flood of garbage datagrams, 20 UDP queries are answered (up to 3 tries each)" 20 \
	"$(answered 20 +notcp)"
wait "$garbage"
expect_contains "the flood was sent" "sent=" "$(cat "$IT_TMP/garbage.out")"
expect_eq "after the flood, UDP and TCP answer" "5 5" "$(answered 5 +notcp) $(answered 5 +tcp)"
if kill -0 "$daemon" 2>/dev/null; then
	it_pass "dnsbld is still running"
else
	it_fail "dnsbld is still running" "alive" "gone"
fi
finish
