#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_rbltool_input.sh — pins the command-line contract for bad input: rbltool answers every bad value (address,
# CIDR length, host bits, zone, code, duration, date, zone name, subcommand) with one line on stderr naming the
# value, exit status 2, and nothing written (the entries, every zone's serial and the zone list are compared before
# and after); missing arguments exit 2 with one line and write nothing; del of an entry that is not there exits 1 and writes
# nothing; dnsbld exits 2 on a bad --listen and non-zero, with a message naming the store, on a store that does not
# exist.
set -u
. "$(dirname "$0")/lib.sh"

ZONE=demo.rbl.test
LONG_LABEL=$(printf 'a%.0s' $(seq 64))

# Everything a write could change: the zone list (with serials), the zone's SOA, its entries.
snapshot() {
	rbl zone list 2>&1
	rbl zone show "$ZONE" 2>&1 | grep '^soa'
	rbl list "$ZONE" 2>&1
}

# expect_rejected CHECK VALUE ARGS...: rbltool ARGS exits 2 with one stderr line naming VALUE and writes nothing.
expect_rejected() {
	local check=$1 value=$2 before after status err
	shift 2
	before=$(snapshot)
	rbl "$@" >"$IT_TMP/stdout" 2>"$IT_TMP/stderr"
	status=$?
	err=$(cat "$IT_TMP/stderr")
	after=$(snapshot)
	expect_exit "$check: exit status 2" 2 "$status" "$err"
	expect_eq "$check: the message is one line" 1 "$(wc -l <"$IT_TMP/stderr")" "$err"
	expect_contains "$check: the message names '$value'" "'$value'" "$err"
	expect_eq "$check: nothing is written" "$before" "$after"
}

# expect_missing CHECK USAGE ARGS...: rbltool ARGS exits 2, says an argument is missing, shows the usage, writes
# nothing.
expect_missing() {
	local check=$1 usage=$2 before after status err
	shift 2
	before=$(snapshot)
	rbl "$@" >"$IT_TMP/stdout" 2>"$IT_TMP/stderr"
	status=$?
	err=$(cat "$IT_TMP/stderr")
	after=$(snapshot)
	expect_exit "$check: exit status 2" 2 "$status" "$err"
	expect_eq "$check: the message is one line" 1 "$(wc -l <"$IT_TMP/stderr")" "$err"
	expect_contains "$check: the message says an argument is missing" "rbltool: missing argument" "$err"
	expect_contains "$check: the message shows the usage" "$usage" "$err"
	expect_eq "$check: nothing is written" "$before" "$after"
}

# --- a store with something in it
out=$(rbl zone create "$ZONE" --ns ns1.demo.rbl.test --contact hostmaster@example.org 2>&1)
expect_exit "rbltool zone create makes a fresh store" 0 $? "$out"
for cidr in 192.0.2.1 198.51.100.0/24 2001:db8::/48; do
	out=$(rbl add "$ZONE" "$cidr" --reason "seed $cidr" 2>&1)
	expect_exit "rbltool add $cidr succeeds" 0 $? "$out"
done

# --- addresses and CIDRs
expect_rejected "malformed address 1.2.3" 1.2.3 add "$ZONE" 1.2.3
expect_rejected "octet over 255" 192.0.2.300 add "$ZONE" 192.0.2.300
expect_rejected "not an address at all" not-an-address add "$ZONE" not-an-address
expect_rejected "IPv4 prefix length /33" 192.0.2.0/33 add "$ZONE" 192.0.2.0/33
expect_rejected "IPv6 prefix length /129" 2001:db8::/129 add "$ZONE" 2001:db8::/129
expect_rejected "host bits set below the prefix (10.0.0.1/8)" 10.0.0.1/8 add "$ZONE" 10.0.0.1/8
expect_rejected "exclude of a malformed CIDR" 10.0.0.1/8 exclude "$ZONE" 10.0.0.1/8
expect_rejected "del of a malformed CIDR" 192.0.2.0/33 del "$ZONE" 192.0.2.0/33

# --- zones
expect_rejected "add to an unknown zone" nozone.test add nozone.test 192.0.2.9
expect_rejected "list of an unknown zone" nozone.test list nozone.test
expect_rejected "zone name with an empty label (bad..name)" bad..name zone create bad..name
expect_rejected "zone name with a 64-character label" "$LONG_LABEL.test" zone create "$LONG_LABEL.test"
expect_rejected "zone create of a zone that exists" "$ZONE" zone create "$ZONE"
expect_rejected "zone create with a bad --ttl" 10x zone create new.rbl.test --ttl 10x

# --- codes, durations, dates
expect_rejected "code outside 127.0.0.0/8 (10.0.0.2)" 10.0.0.2 add "$ZONE" 192.0.2.9 --code 10.0.0.2
expect_rejected "malformed code (127.0.0.256)" 127.0.0.256 add "$ZONE" 192.0.2.9 --code 127.0.0.256
expect_rejected "bad duration (--expires 10x)" 10x add "$ZONE" 192.0.2.9 --expires 10x
expect_rejected "date in the past (--expires 2001-01-01)" 2001-01-01 add "$ZONE" 192.0.2.9 --expires 2001-01-01
expect_rejected "zero duration (--expires 0s)" 0s add "$ZONE" 192.0.2.9 --expires 0s

# --- commands
expect_rejected "unknown command" frobnicate frobnicate
expect_rejected "unknown zone subcommand" frob zone frob

# --- missing arguments
expect_missing "add without an address" "usage: rbltool add ZONE ADDR" add "$ZONE"
expect_missing "add without arguments" "usage: rbltool add ZONE ADDR" add
expect_missing "exclude without an address" "usage: rbltool exclude ZONE ADDR" exclude "$ZONE"
expect_missing "del without an address" "usage: rbltool del ZONE ADDR" del "$ZONE"
expect_missing "zone create without a name" "usage: rbltool zone create ZONE" zone create
expect_missing "list without a zone" "usage: rbltool list ZONE" list
expect_missing "query without an address" "usage: rbltool query ZONE ADDR" query "$ZONE"

# --- del of an entry that is not there: a failure (1), not bad input, and nothing written
before=$(snapshot)
rbl del "$ZONE" 192.0.2.77 >"$IT_TMP/stdout" 2>"$IT_TMP/stderr"
status=$?
err=$(cat "$IT_TMP/stderr")
expect_exit "del of an entry that is not there: exit status 1" 1 "$status" "$err"
expect_contains "del of an entry that is not there: the message names the entry" 192.0.2.77 "$err"
expect_eq "del of an entry that is not there: nothing is written" "$before" "$(snapshot)"

# --- the comparison above does see a write: a good add changes the serial and the entries
serial_before=$(rbl zone show "$ZONE" | awk '$1 == "soa" {print $4}')
out=$(rbl add "$ZONE" 192.0.2.77 2>&1)
expect_exit "a good add succeeds" 0 $? "$out"
if [ "$(snapshot)" != "$before" ]; then
	it_pass "a good add changes what the snapshot sees"
else
	it_fail "a good add changes what the snapshot sees" "a different snapshot" "the same" "$before"
fi
serial_after=$(rbl zone show "$ZONE" | awk '$1 == "soa" {print $4}')
if [ -n "$serial_before" ] && [ -n "$serial_after" ] && [ "$serial_after" != "$serial_before" ]; then
	it_pass "a good add bumps the zone's serial"
else
	it_fail "a good add bumps the zone's serial" "a serial other than $serial_before" "${serial_after:-(none)}"
fi

# --- bad input against a store that does not exist yet writes nothing either
"$RBLTOOL" --db "$IT_TMP/fresh" zone create bad..name >/dev/null 2>&1
expect_exit "zone create bad..name on a new store: exit status 2" 2 $?
if [ -e "$IT_TMP/fresh" ]; then
	it_fail "zone create bad..name on a new store creates no store" "no $IT_TMP/fresh" "it exists"
else
	it_pass "zone create bad..name on a new store creates no store"
fi

# --- dnsbld's command line
port=$(random_port)
err=$(timeout 5 "$DNSBLD" --db "$IT_DB" --listen junk 2>&1)
expect_exit "dnsbld --listen junk: exit status 2" 2 $? "$err"
expect_contains "dnsbld --listen junk: the message names 'junk'" "'junk'" "$err"
err=$(timeout 5 "$DNSBLD" --db "$IT_DB" --listen "127.0.0.1:99999" 2>&1)
expect_exit "dnsbld --listen with port 99999: exit status 2" 2 $? "$err"
err=$(timeout 5 "$DNSBLD" --db "$IT_DB" --listen "127.0.0.1:$port" --workers 0 2>&1)
expect_exit "dnsbld --workers 0: exit status 2" 2 $? "$err"
missing_db="$IT_TMP/nonexistent"
err=$(timeout 5 "$DNSBLD" --db "$missing_db" --listen "127.0.0.1:$port" 2>&1)
status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 124 ] && [ "$status" -ne 137 ]; then
	it_pass "dnsbld --db on a missing store exits non-zero at once"
else
	it_fail "dnsbld --db on a missing store exits non-zero at once" "a non-zero exit within 5 s" \
		"exit status $status (124/137: still running after 5 s)" "$err"
fi
expect_contains "dnsbld --db on a missing store: the message names the store" "$missing_db" "$err"
if [ -e "$missing_db" ]; then
	it_fail "dnsbld --db on a missing store does not create it" "no $missing_db" "it exists"
else
	it_pass "dnsbld --db on a missing store does not create it"
fi

finish
