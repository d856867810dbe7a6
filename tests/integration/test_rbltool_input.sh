#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_rbltool_input.sh — pins the command-line contract for bad input: rbltool answers every bad value (address,
# CIDR length, host bits, zone, code, duration, date, zone name, subcommand) with one line on stderr naming the
# value, exit status 2, and nothing written (the entries, every zone's serial and the zone list are compared before
# and after); a control character in a reason, source or template (typed, or in an imported file) and a listing wider
# than /8 or /16 without --allow-wide are bad input too, and so is a file line holding a NUL byte (named as such);
# missing arguments exit 2 with one line and write nothing; del of an entry that is not there exits 1 and writes
# nothing; dnsbld exits 2 on a bad --listen and non-zero, with a message naming the store, on a store that does not
# exist. rbltool init makes a store and nothing else, says so, and on a store already there changes nothing.
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
out=$(rbl zone create "$ZONE" --ns ns1.demo.rbl.test=127.0.0.1 --contact hostmaster@example.org 2>&1)
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

# --- control characters in free text: refused where they are typed, naming the option, the byte and the value
# expect_control_refused CHECK OPTION BYTE SHOWN ARGS...: as expect_rejected for the value SHOWN (the value with its
# control characters escaped), and the message says "OPTION: control character BYTE not allowed".
expect_control_refused() {
	local check=$1 option=$2 byte=$3 shown=$4
	shift 4
	expect_rejected "$check" "$shown" "$@"
	expect_contains "$check: the message names the option and the byte" \
		"rbltool: $option: control character $byte not allowed" "$(cat "$IT_TMP/stderr")"
	expect_not_contains "$check: the message passes no control character" $'\x1b' "$(cat "$IT_TMP/stderr")"
}
expect_control_refused "add --reason with a newline and an escape" --reason 0x0a 'a\x0ab\x1b[31m' \
	add "$ZONE" 192.0.2.9 --reason $'a\nb\x1b[31m'
expect_control_refused "add --source with a TAB" --source 0x09 'feed\x09name' \
	add "$ZONE" 192.0.2.9 --source $'feed\tname'
expect_control_refused "exclude --reason with a DEL" --reason 0x7f 'gone\x7f' \
	exclude "$ZONE" 192.0.2.9 --reason $'gone\x7f'
expect_control_refused "zone create --txt with an escape" --txt 0x1b 'Listed\x1b[2J $' \
	zone create new.rbl.test --txt $'Listed\x1b[2J $'
printf '192.0.2.9\n' >"$IT_TMP/one.txt"
expect_control_refused "import --reason with a control character" --reason 0x01 'r\x01' \
	import "$ZONE" "$IT_TMP/one.txt" --reason $'r\x01'
expect_control_refused "import --source with a carriage return" --source 0x0d 'x\x0dy' \
	import "$ZONE" "$IT_TMP/one.txt" --source $'x\ry'
expect_control_refused "report --source with an escape" --source 0x1b 'x\x1b[0m' report 192.0.2.9 --source $'x\x1b[0m'
expect_control_refused "optout add --reason with an escape" --reason 0x1b 'q\x1b[8m' \
	optout add 203.0.113.0/24 --reason $'q\x1b[8m'
out=$(rbl optout list 2>&1)
expect_eq "optout add --reason with an escape: no opt-out is written" "" "$out"

# expect_bad_file CHECK NEEDLE ARGS...: rbltool ARGS (an import) exits 2, names the bad line (NEEDLE), writes nothing.
expect_bad_file() {
	local check=$1 needle=$2 before status err
	shift 2
	before=$(snapshot)
	rbl "$@" >"$IT_TMP/stdout" 2>"$IT_TMP/stderr"
	status=$?
	err=$(cat "$IT_TMP/stderr")
	expect_exit "$check: exit status 2" 2 "$status" "$err"
	expect_contains "$check: the message names the line and what is wrong" "$needle" "$err"
	expect_not_contains "$check: the message passes no escape character" $'\x1b' "$err"
	expect_eq "$check: nothing is written" "$before" "$(snapshot)"
}
printf 'address,reason,source\n192.0.2.20,fine,feed\n192.0.2.21,"red\x1b[31malert",feed\n' >"$IT_TMP/control.csv"
expect_bad_file "a CSV reason with an escape" "$IT_TMP/control.csv:3: control character 0x1b in the reason" \
	import "$ZONE" "$IT_TMP/control.csv" --format csv
out=$(rbl import "$ZONE" "$IT_TMP/control.csv" --format csv --skip-bad 2>&1)
expect_exit "a CSV reason with an escape, --skip-bad: exit status 0" 0 $? "$out"
expect_contains "a CSV reason with an escape, --skip-bad: the line is named as skipped" \
	"$IT_TMP/control.csv:3: control character 0x1b in the reason" "$out"
expect_contains "a CSV reason with an escape, --skip-bad: the good line is imported" 192.0.2.20/32 "$(rbl list "$ZONE")"
expect_not_contains "a CSV reason with an escape, --skip-bad: the bad line is not" 192.0.2.21/32 "$(rbl list "$ZONE")"
rbl del "$ZONE" 192.0.2.20 >/dev/null
printf '192.0.2.22 :2:fine\n192.0.2.23 :2:ring\abell\n' >"$IT_TMP/control.data"
expect_bad_file "an rbldnsd TXT with a BEL" "$IT_TMP/control.data:2: control character 0x07 in the TXT text" \
	import "$ZONE" "$IT_TMP/control.data" --format rbldnsd
cp "$IT_TMP/one.txt" "$IT_TMP/"$'list\x1b[31m.txt'
expect_bad_file "a file name with an escape, as the default source" "not allowed in 'list\x1b[31m.txt'" \
	import "$ZONE" "$IT_TMP/"$'list\x1b[31m.txt'

# --- NUL bytes in imported files: named as such, even a line that is nothing else
printf '192.0.2.30\n\0\n192.0.2.31\n' >"$IT_TMP/nul-line.txt"
expect_bad_file "a plain line that is only a NUL" "$IT_TMP/nul-line.txt:2: NUL byte in the line" \
	import "$ZONE" "$IT_TMP/nul-line.txt"
printf '192.0.2.30\0junk\n' >"$IT_TMP/nul-inside.txt"
expect_bad_file "a plain line with a NUL inside" "$IT_TMP/nul-inside.txt:1: NUL byte in the line" \
	import "$ZONE" "$IT_TMP/nul-inside.txt"
expect_not_contains "a plain line with a NUL inside: not called a long line" "longer than" "$(cat "$IT_TMP/stderr")"
printf 'address\n192.0.2.30\0\n' >"$IT_TMP/nul.csv"
expect_bad_file "a CSV line with a NUL" "$IT_TMP/nul.csv:2: NUL byte in the line" \
	import "$ZONE" "$IT_TMP/nul.csv" --format csv
printf '192.0.2.30\n\0\n' >"$IT_TMP/nul.data"
expect_bad_file "an rbldnsd line that is only a NUL" "$IT_TMP/nul.data:2: NUL byte in the line" \
	import "$ZONE" "$IT_TMP/nul.data" --format rbldnsd

# --- listings wider than /8 (IPv4) or /16 (IPv6) need --allow-wide
expect_rejected "add 0.0.0.0/0 without --allow-wide" 0.0.0.0/0 add "$ZONE" 0.0.0.0/0
expect_contains "add 0.0.0.0/0 without --allow-wide: the message names --allow-wide" --allow-wide \
	"$(cat "$IT_TMP/stderr")"
expect_rejected "add of a /7 without --allow-wide" 10.0.0.0/7 add "$ZONE" 10.0.0.0/7
expect_rejected "add of an IPv6 /15 without --allow-wide" 2000::/15 add "$ZONE" 2000::/15
expect_rejected "add of ::/0 without --allow-wide" ::/0 add "$ZONE" ::/0
for cidr in 10.0.0.0/8 2001::/16; do
	out=$(rbl add "$ZONE" "$cidr" 2>&1)
	expect_exit "add of $cidr, as wide as allowed, succeeds" 0 $? "$out"
	rbl del "$ZONE" "$cidr" >/dev/null
done
out=$(rbl add "$ZONE" 0.0.0.0/0 --allow-wide 2>&1)
expect_exit "add 0.0.0.0/0 --allow-wide succeeds" 0 $? "$out"
expect_contains "add 0.0.0.0/0 --allow-wide: it is listed" 0.0.0.0/0 "$(rbl list "$ZONE")"
rbl del "$ZONE" 0.0.0.0/0 >/dev/null
out=$(rbl exclude "$ZONE" 0.0.0.0/0 2>&1)
expect_exit "exclude 0.0.0.0/0 needs no --allow-wide (an exclusion lists nothing)" 0 $? "$out"
rbl del "$ZONE" 0.0.0.0/0 >/dev/null

printf '192.0.2.40\n0.0.0.0/0\n' >"$IT_TMP/wide.txt"
expect_bad_file "import of a plain 0.0.0.0/0" "$IT_TMP/wide.txt:2: a listing wider than /8 (--allow-wide imports it)" \
	import "$ZONE" "$IT_TMP/wide.txt"
printf '192.0.2.40\n0.0.0.0-255.255.255.255\n' >"$IT_TMP/wide.data"
expect_bad_file "import of an rbldnsd 0.0.0.0-255.255.255.255" \
	"$IT_TMP/wide.data:2: a listing wider than /8 (--allow-wide imports it)" \
	import "$ZONE" "$IT_TMP/wide.data" --format rbldnsd
printf '::/0\n' >"$IT_TMP/wide6.data"
expect_bad_file "import of an rbldnsd ::/0" "$IT_TMP/wide6.data:1: a listing wider than /16" \
	import "$ZONE" "$IT_TMP/wide6.data" --dataset ip6trie
# A range splits into CIDRs of many lengths: the whole line goes, reported once, even its narrow parts.
printf '192.0.2.41\n1.0.0.0-255.255.255.255\n!10.0.0.0/7\n' >"$IT_TMP/range.data"
out=$(rbl import "$ZONE" "$IT_TMP/range.data" --format rbldnsd --skip-bad 2>&1)
expect_exit "a too wide range, --skip-bad: exit status 0" 0 $? "$out"
expect_eq "a too wide range, --skip-bad: the line is reported once" 1 "$(grep -c 'range.data:2:' <<<"$out")" "$out"
listing=$(rbl list "$ZONE")
expect_contains "a too wide range, --skip-bad: the other line is imported" 192.0.2.41/32 "$listing"
expect_not_contains "a too wide range, --skip-bad: none of its narrow parts is imported" 1.0.0.0/8 "$listing"
expect_not_contains "a too wide range, --skip-bad: none of its wide parts is imported" 128.0.0.0/1 "$listing"
expect_contains "a too wide range, --skip-bad: a wide exclusion is imported" $'10.0.0.0/7\texcluded' "$listing"
for cidr in 192.0.2.41 10.0.0.0/7; do rbl del "$ZONE" "$cidr" >/dev/null; done
out=$(rbl import "$ZONE" "$IT_TMP/wide.data" --format rbldnsd --allow-wide 2>&1)
expect_exit "import of an rbldnsd 0.0.0.0-255.255.255.255 --allow-wide succeeds" 0 $? "$out"
expect_contains "import --allow-wide: 0.0.0.0/0 is listed" 0.0.0.0/0 "$(rbl list "$ZONE")"
for cidr in 192.0.2.40 0.0.0.0/0; do rbl del "$ZONE" "$cidr" >/dev/null; done

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

# --- rbltool init: a store and nothing else, idempotent (the package's postinst runs it)
init_db="$IT_TMP/init/store"
out=$("$RBLTOOL" --db "$init_db" init 2>&1)
expect_exit "init on a new directory: exit status 0" 0 $? "$out"
expect_eq "init on a new directory says it created the store" "rbltool: created a new store in $init_db" "$out"
out=$("$RBLTOOL" --db "$init_db" verify 2>&1)
expect_contains "init makes a sound store with no zone" "is sound: " "$out"
expect_contains "init makes a store with no zone" ", 0 zones" "$out"
before=$(cksum <"$init_db/data.mdb")
out=$("$RBLTOOL" --db "$init_db" init 2>&1)
expect_exit "init on a store already there: exit status 0" 0 $? "$out"
expect_eq "init on a store already there says so" "rbltool: a store is already in $init_db: nothing changed" "$out"
expect_eq "init on a store already there changes nothing" "$before" "$(cksum <"$init_db/data.mdb")"
out=$(DNSBL_DB="$init_db" "$RBLTOOL" zone create init.rbl.test 2>&1)
expect_exit "init's store takes a zone (DNSBL_DB names it)" 0 $? "$out"
out=$("$RBLTOOL" --db "$init_db" init 2>&1)
expect_exit "init on a store with a zone: exit status 0" 0 $? "$out"
expect_contains "init on a store with a zone keeps it" "init.rbl.test" "$("$RBLTOOL" --db "$init_db" zone list 2>&1)"
out=$("$RBLTOOL" --db "$init_db" init extra 2>&1)
expect_exit "init with an argument: exit status 2" 2 $? "$out"
expect_contains "init with an argument: the message names it" "'extra'" "$out"
out=$("$RBLTOOL" --db '' init 2>&1)
expect_exit "init --db '': exit status 2" 2 $? "$out"
mkdir -p "$IT_TMP/init/damaged"
: >"$IT_TMP/init/damaged/data.mdb"
out=$("$RBLTOOL" --db "$IT_TMP/init/damaged" init 2>&1)
expect_exit "init on a damaged store (empty data.mdb): exit status 1" 1 $? "$out"
expect_eq "init on a damaged store leaves it as it was" 0 "$(stat -c %s "$IT_TMP/init/damaged/data.mdb")"

# --- dnsbld's command line
port=$(random_port)
err=$(timeout 5 "$DNSBLD" "${DNSBLD_ROOT_OPTS[@]}" --db "$IT_DB" --listen junk 2>&1)
expect_exit "dnsbld --listen junk: exit status 2" 2 $? "$err"
expect_contains "dnsbld --listen junk: the message names 'junk'" "'junk'" "$err"
err=$(timeout 5 "$DNSBLD" "${DNSBLD_ROOT_OPTS[@]}" --db "$IT_DB" --listen "127.0.0.1:99999" 2>&1)
expect_exit "dnsbld --listen with port 99999: exit status 2" 2 $? "$err"
err=$(timeout 5 "$DNSBLD" "${DNSBLD_ROOT_OPTS[@]}" --db "$IT_DB" --listen "127.0.0.1:$port" --workers 0 2>&1)
expect_exit "dnsbld --workers 0: exit status 2" 2 $? "$err"
missing_db="$IT_TMP/nonexistent"
err=$(timeout 5 "$DNSBLD" "${DNSBLD_ROOT_OPTS[@]}" --db "$missing_db" --listen "127.0.0.1:$port" 2>&1)
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
