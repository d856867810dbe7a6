#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_export.sh — rbltool export, checked against real servers: a store built with rbltool and served by dnsbld is
# exported as an rbldnsd combined dataset and served by Debian's rbldnsd, and as a master file that named-checkzone
# accepts and NSD serves; for a list of listed, unlisted, excluded and boundary addresses (IPv4, IPv6, IPv4-mapped),
# each server's A and TXT answers (rcode, A set, TXT set) must equal dnsbld's. The designed differences are pinned
# too, so that a change in either shows: rbldnsd answers NXDOMAIN for empty non-terminals, cuts TXT at 254 bytes and
# reads "$1" as its own variable in a prefix's template; a master file answers a wildcard's TXT with the entry's
# network for '$' and answers names below a wildcard that dnsbld calls NODATA or NXDOMAIN. Then the command-line
# contract: --output writes FILE.tmp and renames it, bad input exits 2 and writes nothing.
# Every server listens on 127.0.0.1 only, runs under timeout(1) and is stopped on exit.
# shellcheck disable=SC2119 # start_dnsbld takes optional dnsbld options; none are needed here
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nsd_lib.sh"
. "$(dirname "$0")/answers_lib.sh"

ZONE=export.rbl.test
OTHER=other.rbl.test # a second listing zone
AGG=all.rbl.test     # an aggregate of the two, with entries of its own
IT_ZONE=$ZONE
TTL=600
TEMPLATE='Listed: see https://rbl.example/q?ip=$ (cost: $$5)'
LONG_REASON="Relayed spam for \$: $(printf '0123456789%.0s' $(seq 30))" # ~320 bytes: past rbldnsd's 254
RBLDNSD_PID=""
RBLDNSD_PORT=""
# rbldnsd reads its file after dropping root (-u), so as root the file lives in a directory others can read.
PUBLIC_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dnsbld-export.XXXXXX") || exit 1
chmod 755 "$PUBLIC_DIR"

# shellcheck disable=SC2317 # the EXIT trap runs it
export_cleanup() {
	stop_pid RBLDNSD_PID
	rm -rf "$PUBLIC_DIR"
	nsd_cleanup # NSD, then lib.sh's it_cleanup
}
trap export_cleanup EXIT

seed() {
	local out
	out=$(rbl "$@" 2>&1)
	expect_exit "rbltool $* succeeds" 0 $? "$out"
}

setup_store() {
	seed zone create "$ZONE" --ns ns1.example.org --ns ns2.example.net --contact hostmaster@example.org \
		--ttl "$TTL" --txt "$TEMPLATE"
	seed add "$ZONE" 192.0.2.1
	seed add "$ZONE" 192.0.2.128/25 --code 127.0.0.9 --reason 'upper half of $'
	seed add "$ZONE" 198.51.100.0/24 --code 127.0.0.3 --reason 'Open relay $, see https://rbl.example/lookup?ip=$'
	seed add "$ZONE" 10.0.0.0/8 --code 127.0.0.4 # nested CIDRs: the deepest wins
	seed add "$ZONE" 10.1.0.0/16 --code 127.0.0.5
	seed add "$ZONE" 10.1.2.0/24 --code 127.0.0.6
	seed exclude "$ZONE" 10.1.2.128/28 # a hole inside the /24
	seed add "$ZONE" 172.16.0.0/12 --code 127.0.0.8
	seed add "$ZONE" 100.64.0.0/10 --no-text
	seed add "$ZONE" 1.2.3.0/24 --reason 'digits only: $' # a name IPv4 and IPv6 share (1.2.3.0/24, 1230::/12)
	seed add "$ZONE" 2.4.0.2 --code 127.0.0.12          # its name is also 2402::/16's
	seed add "$ZONE" 203.0.113.7 --no-text
	seed add "$ZONE" 203.0.113.9 --code 127.0.0.2 --code 127.0.0.10 --code 127.0.0.11
	seed add "$ZONE" 203.0.114.0/24 --code 127.0.0.2 --code 127.0.0.3 # two codes, with a deeper entry and a hole
	seed add "$ZONE" 203.0.114.5 --code 127.0.0.4
	seed exclude "$ZONE" 203.0.114.6
	seed add "$ZONE" 203.0.113.50 --reason "$LONG_REASON"
	seed add "$ZONE" 198.18.0.0/24 --reason 'net $1 of $'
	seed add "$ZONE" 127.0.0.1 --reason 'data that must never be served'
	seed exclude "$ZONE" 127.0.0.2
	seed add "$ZONE" 2001:db8:abcd::/48 --code 127.0.0.7
	seed exclude "$ZONE" 2001:db8:abcd:1::/64
	seed add "$ZONE" 2001:db8::1/128
	seed add "$ZONE" 2001:db8:2::/126 --reason 'v6 $ quad'
	seed add "$ZONE" 2400::/12 --code 127.0.0.13 --allow-wide
	seed add "$ZONE" 203.0.113.20 --expires 1s # expired by the time of the export

	seed zone create "$OTHER" --ns ns1.example.org --ttl "$TTL"
	seed add "$OTHER" 192.0.2.1 --code 127.0.0.20 --reason 'other: $'
	seed add "$OTHER" 10.1.2.130 --code 127.0.0.21
	seed add "$OTHER" 10.1.2.0/24 --code 127.0.0.6
	seed add "$OTHER" 2001:db8::1
	seed add "$OTHER" 127.0.0.1
	seed exclude "$OTHER" 192.0.2.200
	seed add "$OTHER" 198.51.100.0/25 --code 127.0.0.3
	seed zone create "$AGG" --ns ns1.example.org --ttl "$TTL" --member "$ZONE" --member "$OTHER"
	seed add "$AGG" 203.0.113.99 --code 127.0.0.30
	sleep 2
}

AGG_ADDRS=(
	192.0.2.1 192.0.2.2 192.0.2.200 10.1.2.130 10.1.2.131 10.1.2.5 10.1.3.5 198.51.100.5 198.51.100.200
	203.0.113.99 203.0.113.9 8.8.8.8 127.0.0.1 127.0.0.2 2001:db8::1 2001:db8::3 ::ffff:c000:201 ::ffff:a01:282
)

# Addresses whose answers every server must give exactly as dnsbld does.
COMMON_ADDRS=(
	192.0.2.1 192.0.2.2 192.0.2.127 192.0.2.128 192.0.2.200 192.0.2.255 192.0.3.0
	198.51.100.0 198.51.100.7 198.51.100.255 198.51.99.255 198.51.101.0
	9.255.255.255 10.0.0.0 10.5.6.7 10.255.255.255 11.0.0.0 10.1.0.0 10.1.255.255 10.2.0.0
	10.1.2.0 10.1.2.127 10.1.2.128 10.1.2.130 10.1.2.143 10.1.2.144 10.1.2.255
	172.15.255.255 172.16.0.0 172.20.1.2 172.31.255.255 172.32.0.0
	100.63.255.255 100.64.0.0 100.100.100.100 100.127.255.255 100.128.0.0
	1.2.3.0 1.2.3.4 1.2.3.255 1.2.4.0 1.2.2.255 2.4.0.2
	203.0.113.7 203.0.113.8 203.0.113.9 203.0.113.20
	203.0.114.0 203.0.114.5 203.0.114.6 203.0.114.7 203.0.114.255
	127.0.0.1 127.0.0.2 127.0.0.3
	2001:db8::1 2001:db8::2 2001:db8:abcd:: 2001:db8:abcd:0:1:2:3:4 2001:db8:abcd:1::5 2001:db8:abcd:2::1
	2001:db8:abcd:ffff:ffff:ffff:ffff:ffff 2001:db8:abce:: 2001:db8:abcc:ffff:ffff:ffff:ffff:ffff
	2001:db8:2:: 2001:db8:2::3 2001:db8:2::4
	2400::1 240f:ffff:ffff:ffff:ffff:ffff:ffff:ffff 2410:: 23ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 2402::5 1230::1
	::ffff:c000:201 ::ffff:c000:202 ::ffff:a01:282 ::ffff:a05:607 ::ffff:7f00:1 ::ffff:7f00:2 ::ffff:cb00:7109
)

# --- rbldnsd ------------------------------------------------------------------------------------------------------

# start_rbldnsd FILE AGG_FILE: ZONE and AGG from their exports.
start_rbldnsd() {
	local file=$1 agg_file=$2 attempt port user=() deadline
	if [ "$(id -u)" = 0 ]; then
		if id rbldns >/dev/null 2>&1; then user=(-u rbldns); else user=(-u nobody); fi
	fi
	for attempt in 1 2 3 4 5; do
		: "$attempt"
		port=$(random_port)
		timeout -k 2 "$IT_SERVER_LIFETIME" rbldnsd -n "${user[@]}" -b "127.0.0.1/$port" \
			"$ZONE:combined:$file" "$AGG:combined:$agg_file" >"$IT_TMP/rbldnsd.log" 2>&1 &
		RBLDNSD_PID=$!
		RBLDNSD_PORT=$port
		deadline=$((SECONDS + 5))
		while [ "$SECONDS" -le "$deadline" ] && kill -0 "$RBLDNSD_PID" 2>/dev/null; do
			if dig @127.0.0.1 -p "$port" +norec +time=1 +tries=1 "$ZONE" SOA 2>/dev/null | grep -q 'status: NOERROR'; then
				it_pass "rbldnsd loads the export and answers on 127.0.0.1:$port"
				return 0
			fi
			sleep 0.1
		done
		sed 's/^/#   /' "$IT_TMP/rbldnsd.log"
		stop_pid RBLDNSD_PID
	done
	it_fail "rbldnsd loads the export" "an answer within ~5 s" "none (its log is above)"
	return 1
}

check_rbldnsd() {
	local file=$PUBLIC_DIR/export.rbldnsd agg_file=$PUBLIC_DIR/all.rbldnsd out err
	rbl export "$AGG" --output "$agg_file" 2>"$IT_TMP/export-agg.err"
	expect_exit "rbltool export of the aggregate zone succeeds" 0 $? "$(cat "$IT_TMP/export-agg.err")"
	expect_contains "the aggregate's export has a section set for its member $OTHER" "ip4trie:member2 @" \
		"$(cat "$agg_file")"
	rbl export "$ZONE" --output "$file" 2>"$IT_TMP/export.err"
	expect_exit "rbltool export --format rbldnsd (the default) succeeds" 0 $? "$(cat "$IT_TMP/export.err")"
	chmod 644 "$file" "$agg_file"
	err=$(cat "$IT_TMP/export.err")
	expect_contains "the export notes the entry with three codes" "203.0.113.9/32: 3 codes" "$err"
	expect_contains "the export notes the two-code /24" "203.0.114.0/24: 2 codes" "$err"
	expect_contains "the export notes rbldnsd's 254-byte TXT limit" "203.0.113.50/32: TXT is" "$err"
	expect_contains "the export notes rbldnsd's \$1 variable in a prefix" "198.18.0.0/24: rbldnsd reads" "$err"
	expect_contains "the export summary counts the expired entry left out" "(1 expired left out)" "$err"
	out=$(cat "$file")
	expect_contains "the file has the zone's SOA" "\$SOA $TTL ns1.example.org hostmaster.example.org" "$out"
	expect_contains "the file has the NS set" "\$NS $TTL ns1.example.org ns2.example.net" "$out"
	expect_contains "the file has an ip4trie section" "\$DATASET ip4trie:dnsbld @" "$out"
	expect_contains "the file has an ip6trie section" "\$DATASET ip6trie:dnsbld @" "$out"
	expect_contains "the file lists the built-in test point" "127.0.0.2/32 :127.0.0.2:\$ is the RFC 5782 test point" "$out"
	expect_contains "the file excludes 127.0.0.1" "!127.0.0.1/32" "$out"
	expect_not_contains "the file leaves the expired entry out" "203.0.113.20/" "$out"
	expect_eq "a no-text entry is ':A:'" "203.0.113.7/32 :127.0.0.2:" "$(grep -x '203.0.113.7/32 :127.0.0.2:' "$file")"
	start_rbldnsd "$file" "$agg_file" || return
	compare_with rbldnsd "$RBLDNSD_PORT" "$ZONE" exact "${COMMON_ADDRS[@]}"
	compare_with rbldnsd "$RBLDNSD_PORT" "$AGG" exact "${AGG_ADDRS[@]}"

	# The designed differences, pinned.
	local r d
	r=$(answer_of "$RBLDNSD_PORT" "2.1.10.$ZONE" A)
	d=$(answer_of "$DNSBLD_PORT" "2.1.10.$ZONE" A)
	expect_eq "[rbldnsd] difference: an empty non-terminal is NXDOMAIN (dnsbld: NODATA)" \
		"dnsbld NOERROR|| rbldnsd NXDOMAIN||" "dnsbld $d rbldnsd $r"
	r=$(answer_of "$RBLDNSD_PORT" "1.0.4.2.$ZONE" A) # 2.4.0.1: nothing listed, but 2401::/16 is
	d=$(answer_of "$DNSBLD_PORT" "1.0.4.2.$ZONE" A)
	expect_eq "[rbldnsd] difference: an IPv4 name that is an IPv6 empty non-terminal is NXDOMAIN" \
		"dnsbld NOERROR|| rbldnsd NXDOMAIN||" "dnsbld $d rbldnsd $r"
	r=$(answer_of "$RBLDNSD_PORT" "50.113.0.203.$ZONE" TXT)
	d=$(answer_of "$DNSBLD_PORT" "50.113.0.203.$ZONE" TXT)
	local d_txt=${d##*|}
	expect_eq "[rbldnsd] difference: TXT is cut at 254 bytes (dnsbld: ${#d_txt})" "${d%|*}|${d_txt:0:254}" "$r"
	r=$(answer_of "$RBLDNSD_PORT" "7.0.18.198.$ZONE" TXT)
	d=$(answer_of "$DNSBLD_PORT" "7.0.18.198.$ZONE" TXT)
	expect_eq "[rbldnsd] difference: \$1 in a prefix's template stays literal" \
		"dnsbld NOERROR||net 198.18.0.71 of 198.18.0.7 rbldnsd NOERROR||net \$1 of 198.18.0.7" "dnsbld $d rbldnsd $r"
}

# --- the master file, served by NSD ----------------------------------------------------------------------------------

check_bind() {
	local file=$IT_TMP/export.zone agg_file=$IT_TMP/all.zone out err
	rbl export "$AGG" --format bind --output "$agg_file" 2>"$IT_TMP/export-agg.err"
	expect_exit "rbltool export --format bind of the aggregate zone succeeds" 0 $? "$(cat "$IT_TMP/export-agg.err")"
	out=$(named-checkzone -i local "$AGG" "$agg_file" 2>&1)
	expect_exit "named-checkzone accepts the aggregate's exported zone" 0 $? "$out"
	rbl export "$ZONE" --format bind --output "$file" 2>"$IT_TMP/export.err"
	expect_exit "rbltool export --format bind succeeds" 0 $? "$(cat "$IT_TMP/export.err")"
	err=$(cat "$IT_TMP/export.err")
	expect_contains "the bind export notes the wildcard TXT" "answer under wildcard names" "$err"
	echo "# $(tail -n 1 <<<"$err")"
	out=$(named-checkzone -i local "$ZONE" "$file" 2>&1)
	expect_exit "named-checkzone accepts the exported zone" 0 $? "$out"
	out=$(cat "$file")
	expect_contains "the master file has the built-in test point" $'2.0.0.127\tA\t127.0.0.2' "$out"
	expect_eq "the master file has no name for 127.0.0.1" "" "$(grep $'^1\\.0\\.0\\.127\t' "$file")"
	expect_contains "a digit-only /24 gets names, not a wildcard" $'4.3.2.1\tA' "$out"
	expect_not_contains "a digit-only /24 gets no wildcard" $'*.3.2.1\t' "$out"
	start_nsd "$IT_TMP/nsd" "the exported master file" "$ZONE=$file" "$AGG=$agg_file" || return
	compare_with nsd "$NSD_PORT" "$ZONE" wildcards "${COMMON_ADDRS[@]}" 2.4.0.3 # 2403::/16: NODATA in both
	compare_with nsd "$NSD_PORT" "$AGG" wildcards "${AGG_ADDRS[@]}"

	# The designed differences, pinned.
	local n d
	n=$(answer_of "$NSD_PORT" "1.16.172.$ZONE" A)
	d=$(answer_of "$DNSBLD_PORT" "1.16.172.$ZONE" A)
	expect_eq "[nsd] difference: a partial name below a wildcard gets the wildcard's answer (dnsbld: NODATA)" \
		"dnsbld NOERROR|| nsd NOERROR|127.0.0.8|" "dnsbld $d nsd $n"
	n=$(answer_of "$NSD_PORT" "5.4.3.2.16.172.$ZONE" A)
	d=$(answer_of "$DNSBLD_PORT" "5.4.3.2.16.172.$ZONE" A)
	expect_eq "[nsd] difference: too many labels below a wildcard get its answer (dnsbld: NXDOMAIN)" \
		"dnsbld NXDOMAIN|| nsd NOERROR|127.0.0.8|" "dnsbld $d nsd $n"
	n=$(answer_of "$NSD_PORT" "2.1.10.$ZONE" A)
	d=$(answer_of "$DNSBLD_PORT" "2.1.10.$ZONE" A)
	expect_eq "[nsd] an empty non-terminal is NODATA, as in dnsbld" "$d" "$n"
	n=$(answer_of "$NSD_PORT" "1.0.4.2.$ZONE" A)
	d=$(answer_of "$DNSBLD_PORT" "1.0.4.2.$ZONE" A)
	expect_eq "[nsd] an IPv4 name that is an IPv6 empty non-terminal is NODATA, as in dnsbld" "$d" "$n"
}

# --- the command line ---------------------------------------------------------------------------------------------

check_cli() {
	local status out
	rbl export "$ZONE" --format bind --output "$IT_TMP/cli.zone" 2>/dev/null
	expect_exit "export --output succeeds" 0 $?
	if [ -e "$IT_TMP/cli.zone.tmp" ]; then
		it_fail "export --output leaves no FILE.tmp behind" "no $IT_TMP/cli.zone.tmp" "it exists"
	else
		it_pass "export --output leaves no FILE.tmp behind"
	fi
	expect_eq "export to stdout writes what --output writes" "$(cat "$IT_TMP/cli.zone")" \
		"$(rbl export "$ZONE" --format bind 2>/dev/null)"
	out=$(rbl export no-such.zone --output "$IT_TMP/none" 2>&1)
	status=$?
	expect_exit "export of an unknown zone exits 2" 2 "$status" "$out"
	expect_eq "export of an unknown zone says so in one line" 1 "$(wc -l <<<"$out")" "$out"
	expect_contains "export of an unknown zone names it" "'no-such.zone'" "$out"
	out=$(rbl export "$ZONE" --format tinydns --output "$IT_TMP/none" 2>&1)
	status=$?
	expect_exit "export --format tinydns exits 2" 2 "$status" "$out"
	expect_contains "export --format tinydns names the format" "'tinydns'" "$out"
	if [ -e "$IT_TMP/none" ] || [ -e "$IT_TMP/none.tmp" ]; then
		it_fail "bad input writes no file" "no $IT_TMP/none" "a file was written"
	else
		it_pass "bad input writes no file"
	fi
}

setup_store
start_dnsbld || finish
check_rbldnsd
check_bind
check_cli
finish
