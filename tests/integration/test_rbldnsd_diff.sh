#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_rbldnsd_diff.sh — the differential test against Debian's rbldnsd (1.0~20210120). gen_rbldata writes, from a
# fixed seed, an ip4set file and an ip6trie file in rbldnsd's whole syntax (singles, CIDRs /8../32 and /32../128,
# abbreviated prefixes, a-b ranges, nested listings with other values, exclusions and relistings, every value form,
# default lines, $n and $= templates, $$, duplicated lines, ::ffff: copies) and over 20,000 A and TXT questions
# (every entry's first and last address and the ones just outside, random listed and unlisted ones, IPv6,
# IPv4-mapped names). rbldnsd serves the files; rbltool imports them into a store that dnsbld serves; dnsdiff asks
# both every question and wants the same rcode, A set and TXT set. The data keeps to overlaps that both servers
# resolve alike (see gen_rbldata.c); where they differ on purpose, a small fixed zone and the checks below name each
# difference and pin dnsbld's documented answer and rbldnsd's observed one (README.md, "Differences from
# rbldnsd"). Then the round trip: rbltool export --format rbldnsd, a second rbldnsd loads the export, and every
# question again gets dnsbld's answer.
# Every server listens on 127.0.0.1 only, runs under timeout(1) and is stopped on exit.
# shellcheck disable=SC2119 # start_dnsbld takes optional dnsbld options; none are needed here
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/rbldnsd_lib.sh"

: "${DNSDIFF:?DNSDIFF must name the dnsdiff binary (ctest sets it)}"
: "${GEN_RBLDATA:?GEN_RBLDATA must name the gen_rbldata binary (ctest sets it)}"

ZONE=diff.rbl.test     # the generated data
DESIGN=design.rbl.test # the designed differences
STRICT=strict.rbl.test # a line rbldnsd takes and rbltool refuses
IT_ZONE=$ZONE
SEED=20210120
MIN_QUERIES=20000
DIFF_TIMEOUT_MS=2000 # per attempt, one retry: generous for the sanitizer build
rbldnsd_require || finish

# What a server answers NAME TYPE [DIG OPTIONS]: "RCODE|sorted A set|sorted TXT set".
answer_of() {
	local port=$1 out
	shift
	out=$(DNSBLD_PORT=$port q "$@")
	printf '%s|%s|%s' "$(rcode_of "$out")" \
		"$(section_of ANSWER "$out" | awk '$4 == "A" {print $5}' | sort | paste -sd, -)" \
		"$(txt_of "$out" | sort | paste -sd'#' -)"
}

# Both servers' answers on one line: "dnsbld ANSWER rbldnsd ANSWER".
both() {
	printf 'dnsbld %s rbldnsd %s' "$(answer_of "$DNSBLD_PORT" "$@")" "$(answer_of "$RBLDNSD_PORT" "$@")"
}

# --- the data -----------------------------------------------------------------------------------------------------

generate() {
	local out again status
	out=$("$GEN_RBLDATA" --seed "$SEED" --zone "$ZONE" --ip4 "$PUBLIC_DIR/diff.ip4set" \
		--ip6 "$PUBLIC_DIR/diff.ip6trie" --queries "$IT_TMP/queries" 2>&1)
	status=$?
	expect_exit "gen_rbldata --seed $SEED writes the data and the questions" 0 "$status" "$out"
	[ "$status" = 0 ] || return 1
	printf '# %s\n' "${out//$'\n'/$'\n'# }"
	again=$("$GEN_RBLDATA" --seed "$SEED" --zone "$ZONE" --ip4 "$IT_TMP/again.ip4set" --ip6 "$IT_TMP/again.ip6trie" \
		--queries "$IT_TMP/again.queries" 2>&1)
	if [ "$again" = "$out" ] && cmp -s "$PUBLIC_DIR/diff.ip4set" "$IT_TMP/again.ip4set" &&
		cmp -s "$PUBLIC_DIR/diff.ip6trie" "$IT_TMP/again.ip6trie" && cmp -s "$IT_TMP/queries" "$IT_TMP/again.queries"; then
		it_pass "the same seed writes the same bytes"
	else
		it_fail "the same seed writes the same bytes" "identical files" "they differ"
	fi
	QUERY_COUNT=$(grep -c ' \(A\|TXT\)$' "$IT_TMP/queries")
	if [ "$QUERY_COUNT" -ge "$MIN_QUERIES" ]; then
		it_pass "at least $MIN_QUERIES A and TXT questions ($QUERY_COUNT)"
	else
		it_fail "at least $MIN_QUERIES A and TXT questions" ">= $MIN_QUERIES" "$QUERY_COUNT"
	fi
}

# The designed differences, each on data of its own (names under DESIGN, see check_design).
write_design_data() {
	local long
	long=$(printf 'long-reason-%03d ' $(seq 1 40))
	LONG_TXT=${long% } # 639 bytes: over 512 and over rbldnsd's 254
	cat >"$PUBLIC_DIR/design.ip4set" <<-EOF
		# Overlaps that dnsbld (longest prefix wins, one entry a prefix) and rbldnsd's ip4set (deepest octet level
		# wins, every entry there answers, an exclusion there wins) resolve differently.
		10.0.0.0/20 :3:the /20
		10.0.1.0/24 :4:the /24 inside the /20
		10.16.0.0/12 :5:the /12
		10.17.0.0/16 :6:the /16 inside the /12
		10.32.0.1 :7:first line
		10.32.0.1 :8:second line
		10.32.0.2 :7:same code, first text
		10.32.0.2 :7:same code, second text
		10.48.0.0/16 :9:a /16 with a /20 hole
		!10.48.0.0/20
		10.48.1.0/24 :10:a /24 inside the /20 hole
		10.64.0.0/24 :11:a /24 with a /25 hole
		!10.64.0.0/25
		10.64.0.5 :12:relisted inside the /25 hole
		10.80.0.0/24 :13:listed and excluded
		!10.80.0.0/24
		127.0.0.1 :14:the never-listed test point
		10.96.0.1 :2:$LONG_TXT
	EOF
	cat >"$PUBLIC_DIR/design.ip6trie" <<-'EOF'
		# An IPv4-mapped entry with no IPv4 counterpart, a prefix given twice, something under 2001::/16.
		::ffff:a70:0/120 :15:an IPv4-mapped entry of the ip6trie file
		2001:db8:1::/48 :16:first
		2001:db8:1::/48 :17:second
		2001:db8:2::/48 :18:under 2001::/16
	EOF
	printf '10.128.0.9 :2:a DOS line\r\n' >>"$PUBLIC_DIR/design.ip4set" # its '\r' is data to rbldnsd
	printf '# a code outside 127.0.0.0/8\n192.0.2.1 :10.0.0.1:outside\n' >"$PUBLIC_DIR/strict.ip4set"
}

load_store() {
	local out dataset
	out=$(rbl zone create "$ZONE" 2>&1)
	expect_exit "rbltool zone create $ZONE" 0 $? "$out"
	for dataset in ip4set ip6trie; do
		out=$(rbl import "$ZONE" "$PUBLIC_DIR/diff.$dataset" --format rbldnsd --dataset "$dataset" 2>&1)
		expect_exit "rbltool import reads every line of the generated $dataset file" 0 $? "$out"
		echo "# $out"
	done
	out=$(rbl zone create "$DESIGN" 2>&1)
	expect_exit "rbltool zone create $DESIGN" 0 $? "$out"
	for dataset in ip4set ip6trie; do
		out=$(rbl import "$DESIGN" "$PUBLIC_DIR/design.$dataset" --format rbldnsd --dataset "$dataset" 2>&1)
		expect_exit "rbltool import reads the $dataset file of the designed differences" 0 $? "$out"
	done
}

# --- the differential run ---------------------------------------------------------------------------------------

# run_dnsdiff CHECK PORT LABEL: every question, dnsbld against the server on PORT.
run_dnsdiff() {
	local check=$1 port=$2 label=$3 out status started=$SECONDS
	out=$("$DNSDIFF" --names "dnsbld,$label" --timeout "$DIFF_TIMEOUT_MS" --show 30 "$DNSBLD_PORT" "$port" \
		"$IT_TMP/queries" 2>&1)
	status=$?
	echo "# dnsdiff dnsbld/$label: $(tail -n 1 <<<"$out") in $((SECONDS - started)) s; $(tail -n 2 <<<"$out" | head -n 1)"
	expect_exit "$check: dnsdiff finds no mismatch" 0 "$status" "$out"
	expect_eq "$check: all $QUERY_COUNT questions answered alike" "$QUERY_COUNT passed, 0 failed" \
		"$(tail -n 1 <<<"$out")"
}

check_rbldnsd_log() {
	local log=$1
	expect_eq "rbldnsd takes every line of the generated files (no warning)" "" \
		"$(grep -E 'diff\.(ip4set|ip6trie)\(' "$log")" "$(cat "$log")"
	local long_line twice_line
	long_line=$(grep -n '^10\.96\.0\.1 ' "$PUBLIC_DIR/design.ip4set" | cut -d: -f1)
	twice_line=$(grep -n '^2001:db8:1::/48 :17:' "$PUBLIC_DIR/design.ip6trie" | cut -d: -f1)
	expect_contains "rbldnsd cuts the long TXT when loading the design data" \
		"design.ip4set($long_line): TXT RR truncated" "$(cat "$log")"
	expect_contains "rbldnsd drops the repeated IPv6 prefix of the design data" \
		"design.ip6trie($twice_line): duplicated entry for 2001:db8:1::/48" "$(cat "$log")"
}

# --- the designed differences -----------------------------------------------------------------------------------

check_design() {
	local d="$DESIGN" out rout len

	# Overlapping ip4set entries.
	expect_eq "difference: a /24 inside a /20 (one octet level): dnsbld answers the /24, rbldnsd both" \
		"dnsbld NOERROR|127.0.0.4| rbldnsd NOERROR|127.0.0.3,127.0.0.4|" "$(both "5.1.0.10.$d" A)"
	expect_eq "difference: ... and both TXT in rbldnsd" \
		"dnsbld NOERROR||the /24 inside the /20 rbldnsd NOERROR||the /20#the /24 inside the /20" \
		"$(both "5.1.0.10.$d" TXT)"
	expect_eq "difference: a /16 inside a /12 (one octet level): dnsbld answers the /16, rbldnsd both" \
		"dnsbld NOERROR|127.0.0.6| rbldnsd NOERROR|127.0.0.5,127.0.0.6|" "$(both "5.0.17.10.$d" A)"
	expect_eq "same in both: a /24 inside a /20, outside the /24, answers the /20" \
		"dnsbld NOERROR|127.0.0.3| rbldnsd NOERROR|127.0.0.3|" "$(both "5.2.0.10.$d" A)"
	expect_eq "same in both: an address on two lines with two codes answers both codes" \
		"dnsbld NOERROR|127.0.0.7,127.0.0.8| rbldnsd NOERROR|127.0.0.7,127.0.0.8|" "$(both "1.0.32.10.$d" A)"
	expect_eq "difference: an address on two lines: dnsbld keeps the first line's TXT, rbldnsd answers both" \
		"dnsbld NOERROR||first line rbldnsd NOERROR||first line#second line" "$(both "1.0.32.10.$d" TXT)"
	expect_eq "difference: one code, two texts: dnsbld keeps the first, rbldnsd answers both" \
		"dnsbld NOERROR||same code, first text rbldnsd NOERROR||same code, first text#same code, second text" \
		"$(both "2.0.32.10.$d" TXT)"
	expect_eq "difference: a /24 inside a /20 exclusion (one octet level): dnsbld lists it, rbldnsd does not" \
		"dnsbld NOERROR|127.0.0.10| rbldnsd NXDOMAIN||" "$(both "5.1.48.10.$d" A)"
	expect_eq "same in both: the /20 hole outside the /24 is not listed" "dnsbld NXDOMAIN|| rbldnsd NXDOMAIN||" \
		"$(both "5.2.48.10.$d" A)"
	expect_eq "difference: an address relisted inside a /25 exclusion (both /32 level): dnsbld lists it" \
		"dnsbld NOERROR|127.0.0.12| rbldnsd NXDOMAIN||" "$(both "5.0.64.10.$d" A)"
	expect_eq "same in both: a prefix both listed and excluded is excluded" "dnsbld NXDOMAIN|| rbldnsd NXDOMAIN||" \
		"$(both "5.0.80.10.$d" A)"

	# IPv4-mapped entries and repeated prefixes in ip6trie.
	expect_eq "difference: an ip6trie ::ffff: entry is IPv4 data to dnsbld; rbldnsd never answers it" \
		"dnsbld NOERROR|127.0.0.15| rbldnsd NXDOMAIN||" "$(both "5.0.112.10.$d" A)"
	expect_eq "difference: ... nor its IPv4-mapped name" "dnsbld NOERROR|127.0.0.15| rbldnsd NXDOMAIN||" \
		"$(both "$(v6_rev ::ffff:a70:5).$d" A)"
	expect_eq "difference: an ip6trie prefix given twice: dnsbld unites the codes, rbldnsd keeps the first line" \
		"dnsbld NOERROR|127.0.0.16,127.0.0.17| rbldnsd NOERROR|127.0.0.16|" "$(both "$(v6_rev 2001:db8:1::1).$d" A)"
	expect_eq "same in both: ... and the first line's TXT" "dnsbld NOERROR||first rbldnsd NOERROR||first" \
		"$(both "$(v6_rev 2001:db8:1::1).$d" TXT)"

	# Empty non-terminals (RFC 8020).
	out=$(q "0.10.$d" A)
	expect_nodata "difference: an empty non-terminal (0.10.$d, 10.0/16) is NODATA in dnsbld" "$out"
	expect_eq "difference: ... and NXDOMAIN in rbldnsd" "NXDOMAIN" "$(answer_of "$RBLDNSD_PORT" "0.10.$d" A | cut -d'|' -f1)"
	out=$(q "$(v6_rev 2001:db8:1:: 12).$d" A)
	expect_nodata "difference: an IPv6 empty non-terminal (2001:db8:1::/48's 12 nibbles) is NODATA in dnsbld" "$out"
	expect_eq "difference: ... and NXDOMAIN in rbldnsd" "NXDOMAIN" \
		"$(answer_of "$RBLDNSD_PORT" "$(v6_rev 2001:db8:1:: 12).$d" A | cut -d'|' -f1)"
	out=$(q "1.0.0.2.$d" A)
	expect_nodata "difference: an unlisted IPv4 name that is also an IPv6 empty non-terminal (2001::/16) is NODATA" \
		"$out"
	expect_eq "difference: ... and NXDOMAIN in rbldnsd" "NXDOMAIN" "$(answer_of "$RBLDNSD_PORT" "1.0.0.2.$d" A | cut -d'|' -f1)"

	# A line ending in CR LF.
	expect_eq "difference: a CR before the newline: dnsbld drops it, rbldnsd keeps it in the TXT" \
		'dnsbld NOERROR||a DOS line rbldnsd NOERROR||a DOS line\013' "$(both "9.0.128.10.$d" TXT)"

	# RFC 5782 test points.
	expect_eq "difference: 127.0.0.2 is listed in every dnsbld zone; rbldnsd only if the data lists it" \
		"dnsbld NOERROR|127.0.0.2| rbldnsd NXDOMAIN||" "$(both "2.0.0.127.$ZONE" A)"
	expect_eq "difference: ... with a TXT saying so" \
		"dnsbld NOERROR||127.0.0.2 is the RFC 5782 test point of this list rbldnsd NXDOMAIN||" \
		"$(both "2.0.0.127.$ZONE" TXT)"
	expect_eq "difference: ::ffff:7f00:2 is listed too" "dnsbld NOERROR|127.0.0.2| rbldnsd NXDOMAIN||" \
		"$(both "$(v6_rev ::ffff:7f00:2).$ZONE" A)"
	expect_eq "same in both: 127.0.0.1 unlisted in the data is not listed" "dnsbld NXDOMAIN|| rbldnsd NXDOMAIN||" \
		"$(both "1.0.0.127.$ZONE" A)"
	expect_eq "difference: 127.0.0.1 listed in the data: never listed in dnsbld, listed in rbldnsd" \
		"dnsbld NXDOMAIN|| rbldnsd NOERROR|127.0.0.14|" "$(both "1.0.0.127.$d" A)"

	# TCP.
	expect_eq "difference: dnsbld answers over TCP as over UDP" "$(answer_of "$DNSBLD_PORT" "1.0.32.10.$d" A)" \
		"$(answer_of "$DNSBLD_PORT" "1.0.32.10.$d" A +tcp)"
	expect_eq "difference: rbldnsd does not answer over TCP" "no-response||" \
		"$(answer_of "$RBLDNSD_PORT" "1.0.32.10.$d" A +tcp)"

	# An answer over 512 bytes, and rbldnsd's TXT limit.
	out=$(q "1.0.96.10.$d" TXT +noedns +ignore)
	expect_flag "difference: a ${#LONG_TXT}-byte TXT over UDP without EDNS: dnsbld sets TC" tc "$out"
	expect_answer_count "difference: ... and sends no partial answer" 0 "$out"
	out=$(q "1.0.96.10.$d" TXT +tcp)
	len=$(txt_of "$out" | tr -d '\n' | wc -c)
	expect_eq "difference: ... and the whole text over TCP" "${#LONG_TXT}" "$len" "$out"
	out=$(q "1.0.96.10.$d" TXT +bufsize=1232)
	len=$(txt_of "$out" | tr -d '\n' | wc -c)
	expect_eq "difference: ... or over UDP with EDNS0 (1232 bytes)" "${#LONG_TXT}" "$len" "$out"
	rout=$(DNSBLD_PORT=$RBLDNSD_PORT q "1.0.96.10.$d" TXT +noedns +ignore)
	expect_no_flag "difference: rbldnsd does not set TC" tc "$rout"
	len=$(txt_of "$rout" | tr -d '\n' | wc -c)
	expect_eq "difference: ... because it cut the text to 254 bytes when loading" 254 "$len" "$rout"

	# EDNS0.
	out=$(q "1.0.32.10.$d" A +edns=0)
	expect_contains "difference: dnsbld echoes OPT with its payload size" "; EDNS: version: 0, flags:; udp: 1232" "$out"
	rout=$(DNSBLD_PORT=$RBLDNSD_PORT q "1.0.32.10.$d" A +edns=0)
	expect_not_contains "difference: rbldnsd answers without OPT" "OPT PSEUDOSECTION" "$rout"
	expect_rcode "difference: EDNS version 1: dnsbld answers BADVERS" BADVERS "$(q "1.0.32.10.$d" A +edns=1 +noednsneg)"
	expect_rcode "difference: ... rbldnsd answers as if there were no OPT" NOERROR \
		"$(DNSBLD_PORT=$RBLDNSD_PORT q "1.0.32.10.$d" A +edns=1 +noednsneg)"

	# A line rbldnsd takes and rbltool refuses.
	out=$(rbl zone create "$STRICT" 2>&1 && rbl import "$STRICT" "$PUBLIC_DIR/strict.ip4set" --format rbldnsd 2>&1)
	expect_exit "difference: rbltool import refuses a code outside 127.0.0.0/8" 2 $? "$out"
	expect_contains "difference: ... naming the file and line" "strict.ip4set:2: code 10.0.0.1 outside 127.0.0.0/8" "$out"
	expect_eq "difference: ... and imports nothing" "" "$(rbl list "$STRICT" 2>&1)"
	expect_eq "difference: rbldnsd serves it" "NOERROR|10.0.0.1|" "$(answer_of "$RBLDNSD_PORT" "1.2.0.192.$STRICT" A)"
}

# --- the round trip ---------------------------------------------------------------------------------------------

check_round_trip() {
	local file=$PUBLIC_DIR/export.rbldnsd err
	rbl export "$ZONE" --format rbldnsd --output "$file" 2>"$IT_TMP/export.err"
	expect_exit "rbltool export $ZONE --format rbldnsd" 0 $? "$(cat "$IT_TMP/export.err")"
	err=$(cat "$IT_TMP/export.err")
	echo "# $err"
	expect_contains "the export needs no note (every entry fits rbldnsd's ip4trie/ip6trie)" ", 0 notes" "$err"
	chmod 644 "$file"
	start_rbldnsd "$IT_TMP/rbldnsd-export.log" "$ZONE:combined:$file" || return
	expect_eq "rbldnsd takes every line of the export (no warning)" "" \
		"$(grep -F 'export.rbldnsd(' "$IT_TMP/rbldnsd-export.log")" "$(cat "$IT_TMP/rbldnsd-export.log")"
	run_dnsdiff "round trip (import, export, rbldnsd)" "$RBLDNSD_PORT" rbldnsd-export
}

generate || finish
write_design_data
chmod 644 "$PUBLIC_DIR"/*
load_store
start_rbldnsd "$IT_TMP/rbldnsd.log" "$ZONE:ip4set:$PUBLIC_DIR/diff.ip4set" "$ZONE:ip6trie:$PUBLIC_DIR/diff.ip6trie" \
	"$DESIGN:ip4set:$PUBLIC_DIR/design.ip4set" "$DESIGN:ip6trie:$PUBLIC_DIR/design.ip6trie" \
	"$STRICT:ip4set:$PUBLIC_DIR/strict.ip4set" || finish
check_rbldnsd_log "$IT_TMP/rbldnsd.log"
start_dnsbld || finish
run_dnsdiff "generated data ($ZONE)" "$RBLDNSD_PORT" rbldnsd
check_design
check_round_trip
finish
