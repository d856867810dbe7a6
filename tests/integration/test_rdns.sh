#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_rdns.sh — rbltool rdns against real servers: NSD serves reverse zones (127.0.0.x, 10.x, 192.168.x, 192.0.2.x,
# 2001:db8::/32) and a forward zone (tests/integration/data/rdns/); rbltool asks it directly (--resolver) and through
# a private unbound that stub-zones to it. Pinned: a confirming PTR, a PTR name that is NXDOMAIN, one whose A is
# another address, no PTR at all, IPv6, loopback/private/documentation addresses answered by NSD (not by libunbound's
# built-in local zones), a resolver that never answers (timed out, exit 3, within the limit), --json read with jq,
# DNSBL_RESOLVER, and exit statuses 0/1/2/3.
# Traffic goes to 127.0.0.1 only: every rbltool run has --resolver or DNSBL_RESOLVER at 127.0.0.1, except the one
# that checks "no resolver", which runs in a mount namespace whose resolv.conf is empty (and only if it is). Every
# server listens on 127.0.0.1, runs under timeout(1) and is stopped on exit.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nsd_lib.sh"

DATA=$(cd "$(dirname "$0")/data/rdns" && pwd)
ZONES=(rdns.test 2.0.192.in-addr.arpa 127.in-addr.arpa 10.in-addr.arpa 168.192.in-addr.arpa 8.b.d.0.1.0.0.2.ip6.arpa)
UNBOUND_PID=""
UNBOUND_PORT=""
SILENT_PID=""
SILENT_PORT=""
unset DNSBL_RESOLVER

# shellcheck disable=SC2317 # the EXIT trap runs it
rdns_cleanup() {
	stop_pid UNBOUND_PID
	stop_pid SILENT_PID
	nsd_cleanup # NSD, then lib.sh's it_cleanup
}
trap rdns_cleanup EXIT

for cmd in nsd unbound socat jq dig; do
	if ! command -v "$cmd" >/dev/null; then
		it_fail "$cmd is installed (scripts/deps.sh)" "$cmd on PATH" "not found"
		finish
	fi
done

# run ARGS...: rbltool rdns ARGS; sets OUT, ERR, RC.
run() {
	OUT=$("$RBLTOOL" rdns "$@" 2>"$IT_TMP/rdns.err")
	RC=$?
	ERR=$(cat "$IT_TMP/rdns.err")
}

# expect_line CHECK ADDR DESCRIPTION: OUT has the line "ADDR<TAB>DESCRIPTION".
expect_line() {
	expect_contains "$1" "$2	$3" "$OUT"
}

# --- straight to NSD ------------------------------------------------------------------------------------------------

check_findings() {
	local ns=127.0.0.1:$NSD_PORT
	run --resolver "$ns" 192.0.2.1
	expect_exit "a confirming PTR: exit 0" 0 "$RC" "$ERR"
	expect_eq "a confirming PTR: one line, the name, forward-confirmed" \
		"192.0.2.1	mx.rdns.test (forward-confirmed)" "$OUT"

	run --resolver "$ns" 192.0.2.2
	expect_exit "a PTR name that does not exist: exit 3" 3 "$RC" "$ERR"
	expect_line "a PTR name that does not exist: NXDOMAIN back" 192.0.2.2 \
		"gone.rdns.test (does not resolve back: nxdomain)"

	run --resolver "$ns" 192.0.2.3
	expect_exit "a PTR name whose A is another address: exit 3" 3 "$RC" "$ERR"
	expect_line "a PTR name whose A is another address: not confirmed" 192.0.2.3 \
		"elsewhere.rdns.test (does not resolve back: other addresses)"

	run --resolver "$ns" 192.0.2.4
	expect_exit "no PTR: exit 3" 3 "$RC" "$ERR"
	expect_line "no PTR: NXDOMAIN" 192.0.2.4 "no PTR (nxdomain)"

	run --resolver "$ns" 2001:db8::25
	expect_exit "IPv6, a confirming PTR (AAAA back): exit 0" 0 "$RC" "$ERR"
	expect_line "IPv6: confirmed by the name's AAAA" 2001:db8::25 "mx.rdns.test (forward-confirmed)"
	run --resolver "[::1]:1" --resolver "$ns" 2001:db8::26 # the last --resolver counts
	expect_exit "IPv6, the name's AAAA is another address: exit 3" 3 "$RC" "$ERR"
	expect_line "IPv6: not confirmed" 2001:db8::26 "mx.rdns.test (does not resolve back: other addresses)"

	# libunbound answers these itself unless its defaults are off: localhost for 127.0.0.1, NXDOMAIN for the rest.
	run --resolver "$ns" 127.0.0.1 127.0.0.2 10.1.2.3 192.168.1.1
	expect_exit "loopback and RFC 1918 addresses, all confirming: exit 0" 0 "$RC" "$ERR"
	expect_line "127.0.0.1: NSD's PTR, not libunbound's localhost" 127.0.0.1 "loop.rdns.test (forward-confirmed)"
	expect_line "127.0.0.2: NSD's PTR (127.in-addr.arpa)" 127.0.0.2 "loop2.rdns.test (forward-confirmed)"
	expect_line "10.1.2.3: NSD's PTR (10.in-addr.arpa, AS112)" 10.1.2.3 "ten.rdns.test (forward-confirmed)"
	expect_line "192.168.1.1: NSD's PTR (168.192.in-addr.arpa)" 192.168.1.1 "lan.rdns.test (forward-confirmed)"

	run --resolver "$ns" 192.0.2.5 192.0.2.6 192.0.2.7 192.0.2.8
	expect_line "two PTR names, the second confirms" 192.0.2.5 "mx5.rdns.test (forward-confirmed)"
	expect_line "a PTR name with no A: NODATA back" 192.0.2.6 "v6only.rdns.test (does not resolve back: nodata)"
	expect_line "a PTR name in mixed case is printed lowercase" 192.0.2.7 "mixed.rdns.test (forward-confirmed)"
	expect_line "a PTR name that is a CNAME to another address's name" 192.0.2.8 \
		"alias.rdns.test (does not resolve back: other addresses)"

	run --resolver "$ns" 192.0.2.4 192.0.2.1 2001:db8::25 10.1.2.3 192.0.2.2
	expect_exit "several addresses, some not confirmed: exit 3" 3 "$RC" "$ERR"
	expect_eq "several addresses: one line each, in the order given" \
		"192.0.2.4 192.0.2.1 2001:db8::25 10.1.2.3 192.0.2.2" "$(cut -f1 <<<"$OUT" | tr '\n' ' ' | sed 's/ $//')" \
		"$OUT"
}

check_json() {
	local ns=127.0.0.1:$NSD_PORT doc
	run --resolver "$ns" --json 192.0.2.5 192.0.2.4 2001:db8::26
	expect_exit "--json: exit 3 (not all confirmed)" 3 "$RC" "$ERR"
	if ! doc=$(jq -c . <<<"$OUT" 2>&1); then
		it_fail "--json: jq parses the document" "valid JSON" "$doc" "$OUT"
		return
	fi
	expect_eq "--json: an array, one object per address, in order" "192.0.2.5 192.0.2.4 2001:db8::26" \
		"$(jq -r 'map(.address) | join(" ")' <<<"$OUT")" "$OUT"
	expect_eq "--json: the fields of each object" \
		'["address","ptr_status","names","more_names","fcrdns","elapsed_ms"]' \
		"$(jq -c '.[0] | keys_unsorted' <<<"$OUT")" "$OUT"
	expect_eq "--json: confirmed address: ptr ok, fcrdns, the confirming name" "ok true mx5.rdns.test" \
		"$(jq -r '.[0] | "\(.ptr_status) \(.fcrdns) \(.names | map(select(.confirmed)) | .[0].name)"' <<<"$OUT")" \
		"$OUT"
	expect_eq "--json: the other name's forward lookup: nxdomain, not confirmed" "gone.rdns.test nxdomain false" \
		"$(jq -r '.[0].names[] | select(.confirmed | not) | "\(.name) \(.forward_status) \(.confirmed)"' \
			<<<"$OUT")" "$OUT"
	expect_eq "--json: no PTR: ptr_status nxdomain, no names, fcrdns false" "nxdomain 0 0 false" \
		"$(jq -r '.[1] | "\(.ptr_status) \(.names | length) \(.more_names) \(.fcrdns)"' <<<"$OUT")" "$OUT"
	expect_eq "--json: IPv6 not confirmed: forward ok, confirmed false" "ok false false" \
		"$(jq -r '.[2] | "\(.names[0].forward_status) \(.names[0].confirmed) \(.fcrdns)"' <<<"$OUT")" "$OUT"
	expect_eq "--json: elapsed_ms is a number below the time limit" "true" \
		"$(jq -r 'all(.elapsed_ms | type == "number" and . >= 0 and . < 5000)' <<<"$OUT")" "$OUT"
	run --resolver "$ns" --json 192.0.2.1
	expect_exit "--json, confirmed: exit 0" 0 "$RC" "$ERR"
	expect_eq "--json, confirmed: fcrdns true" "true" "$(jq -r '.[0].fcrdns' <<<"$OUT")" "$OUT"
}

check_input() {
	local ns=127.0.0.1:$NSD_PORT
	OUT=$(DNSBL_RESOLVER=$ns "$RBLTOOL" rdns 192.0.2.1 2>&1)
	expect_exit "DNSBL_RESOLVER is the resolver without --resolver" 0 $? "$OUT"
	OUT=$(DNSBL_RESOLVER="not a resolver" "$RBLTOOL" rdns --resolver "$ns" 192.0.2.1 2>&1)
	expect_exit "--resolver wins over DNSBL_RESOLVER" 0 $? "$OUT"

	export DNSBL_RESOLVER=$ns # from here on, even the runs that should never ask anyone have a loopback resolver
	local -a cases=(
		"a bad address|192.0.2.300|invalid address '192.0.2.300'"
		"a bad address among good ones|192.0.2.1 2001:db8::zz|invalid address '2001:db8::zz'"
		"a CIDR is not an address|192.0.2.0/24|invalid address '192.0.2.0/24'"
		"--timeout 0|--timeout 0 192.0.2.1|--timeout: '0'"
		"--timeout 61|--timeout 61 192.0.2.1|--timeout: '61'"
		"--timeout not a number|--timeout soon 192.0.2.1|--timeout: invalid duration 'soon'"
		"--resolver with port 0|--resolver 127.0.0.1:0 192.0.2.1|--resolver: invalid resolver '127.0.0.1:0'"
		"--resolver a host name|--resolver localhost 192.0.2.1|--resolver: invalid resolver 'localhost'"
		"an unknown option|--bogus 192.0.2.1|unknown option '--bogus'"
		"no address|--json|missing address"
	)
	local c name args want
	for c in "${cases[@]}"; do
		IFS='|' read -r name args want <<<"$c"
		# shellcheck disable=SC2086 # args split on purpose
		run $args
		expect_exit "bad input, $name: exit 2" 2 "$RC" "$ERR"
		expect_contains "bad input, $name: the message names it" "$want" "$ERR"
		expect_eq "bad input, $name: nothing on stdout" "" "$OUT"
	done
	OUT=$(DNSBL_RESOLVER=127.0.0.1:65536 "$RBLTOOL" rdns 192.0.2.1 2>&1)
	expect_exit "a bad DNSBL_RESOLVER: exit 2" 2 $? "$OUT"
	expect_contains "a bad DNSBL_RESOLVER: the message names it" "DNSBL_RESOLVER: invalid resolver '127.0.0.1:65536'" \
		"$OUT"

	run --help
	expect_exit "rbltool rdns --help: exit 0" 0 "$RC" "$ERR"
	expect_contains "rbltool rdns --help prints the usage" "usage: rbltool rdns ADDR..." "$OUT"

	# No resolver at all: an empty resolv.conf, bind-mounted in a namespace of its own; rbltool runs only if the
	# mount took, so it cannot reach the machine's own resolvers.
	: >"$IT_TMP/resolv.conf.empty"
	if [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2>/dev/null; then
		# shellcheck disable=SC2016 # the inner script expands its own arguments
		OUT=$(DNSBL_RESOLVER="" unshare -m --propagation private bash -c \
			'mount --bind "$1" /etc/resolv.conf && ! grep -q nameserver /etc/resolv.conf && exec "$2" rdns 192.0.2.1' \
			_ "$IT_TMP/resolv.conf.empty" "$RBLTOOL" 2>&1)
		expect_exit "no nameserver in resolv.conf and no DNSBL_RESOLVER: exit 1" 1 $? "$OUT"
		expect_contains "no resolver: the message says so" "no resolver to ask" "$OUT"
	else
		echo "# skipped: the no-resolver check needs root and unshare -m"
	fi
}

# --- a resolver that never answers ------------------------------------------------------------------------------------

check_timeout() {
	local attempt port started took
	for attempt in 1 2 3; do
		: "$attempt"
		port=$(random_port)
		timeout -k 2 60 socat -u "UDP-RECV:$port,bind=127.0.0.1" /dev/null 2>"$IT_TMP/socat.err" &
		SILENT_PID=$!
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			[ -n "$(ss -Hun "( sport = :$port )" 2>/dev/null)" ] && break
			sleep 0.1
		done
		kill -0 "$SILENT_PID" 2>/dev/null && break
		stop_pid SILENT_PID
	done
	SILENT_PORT=$port
	started=$(date +%s%N)
	run --resolver "127.0.0.1:$SILENT_PORT" --timeout 2 192.0.2.1 2001:db8::25
	took=$((($(date +%s%N) - started) / 1000000))
	expect_exit "a resolver that never answers: exit 3" 3 "$RC" "$ERR"
	expect_line "a resolver that never answers: timed out (IPv4)" 192.0.2.1 "PTR lookup timed out"
	expect_line "a resolver that never answers: timed out (IPv6)" 2001:db8::25 "PTR lookup timed out"
	if [ "$took" -ge 1900 ] && [ "$took" -lt 4500 ]; then
		it_pass "--timeout 2: both lookups end after about 2 s, together [$took ms]"
	else
		it_fail "--timeout 2: both lookups end after about 2 s, together" "1900..4500 ms" "$took ms" "$OUT"
	fi
	run --resolver "127.0.0.1:$SILENT_PORT" --timeout 1 --json 192.0.2.1
	expect_eq "--json, timed out: ptr_status timeout" "timeout false" \
		"$(jq -r '.[0] | "\(.ptr_status) \(.fcrdns)"' <<<"$OUT" 2>&1)" "$OUT"
	stop_pid SILENT_PID
}

# --- through a private unbound ------------------------------------------------------------------------------------------

start_unbound() {
	local attempt port deadline conf=$IT_TMP/unbound.conf zone out
	mkdir -p "$IT_TMP/unbound"
	for attempt in 1 2 3; do
		: "$attempt"
		port=$(random_port)
		{
			cat <<-EOF
				# A private unbound for test_rdns.sh: 127.0.0.1 only, no validation, every zone a stub to NSD.
				server:
				  interface: 127.0.0.1@$port
				  port: $port
				  username: ""
				  chroot: ""
				  directory: "$IT_TMP/unbound"
				  pidfile: ""
				  use-syslog: no
				  logfile: ""
				  verbosity: 1
				  num-threads: 1
				  do-ip6: no
				  module-config: "iterator"
				  do-not-query-localhost: no
				  access-control: 127.0.0.0/8 allow
				  # unbound's own defaults would answer these; the operator serves them (NSD here).
				  unblock-lan-zones: yes
				  insecure-lan-zones: yes
				  local-zone: "localhost." nodefault
				  local-zone: "127.in-addr.arpa." nodefault
				  local-zone: "test." nodefault
				remote-control:
				  control-enable: no
				# The root too goes to NSD (which refuses it): nothing is ever asked outside this machine.
				stub-zone:
				  name: "."
				  stub-addr: 127.0.0.1@$NSD_PORT
			EOF
			for zone in "${ZONES[@]}"; do
				printf 'stub-zone:\n  name: "%s"\n  stub-addr: 127.0.0.1@%s\n' "$zone" "$NSD_PORT"
			done
		} >"$conf"
		if ! out=$(unbound-checkconf "$conf" 2>&1); then
			it_fail "unbound-checkconf accepts the configuration" "exit status 0" "failed" "$out"
			return 1
		fi
		timeout -k 2 "$IT_SERVER_LIFETIME" unbound -d -c "$conf" >"$IT_TMP/unbound.log" 2>&1 &
		UNBOUND_PID=$!
		UNBOUND_PORT=$port
		deadline=$((SECONDS + 10))
		while [ "$SECONDS" -le "$deadline" ] && kill -0 "$UNBOUND_PID" 2>/dev/null; do
			if dig @127.0.0.1 -p "$port" +time=1 +tries=1 1.2.0.192.in-addr.arpa PTR 2>/dev/null |
				grep -q 'status: NOERROR'; then
				it_pass "unbound answers on 127.0.0.1:$port from NSD's zones"
				return 0
			fi
			sleep 0.1
		done
		sed 's/^/#   /' "$IT_TMP/unbound.log"
		stop_pid UNBOUND_PID
	done
	it_fail "unbound starts and answers from NSD" "an answer within ~10 s" "none (its log is above)"
	return 1
}

check_through_unbound() {
	start_unbound || return
	run --resolver "127.0.0.1:$UNBOUND_PORT" 192.0.2.1 2001:db8::25 127.0.0.1 10.1.2.3 192.168.1.1
	expect_exit "through unbound, all confirming: exit 0" 0 "$RC" "$ERR"
	expect_line "through unbound: a confirming PTR" 192.0.2.1 "mx.rdns.test (forward-confirmed)"
	expect_line "through unbound: IPv6" 2001:db8::25 "mx.rdns.test (forward-confirmed)"
	expect_line "through unbound: loopback" 127.0.0.1 "loop.rdns.test (forward-confirmed)"
	expect_line "through unbound: RFC 1918 (10/8)" 10.1.2.3 "ten.rdns.test (forward-confirmed)"
	expect_line "through unbound: RFC 1918 (192.168/16)" 192.168.1.1 "lan.rdns.test (forward-confirmed)"
	run --resolver "127.0.0.1:$UNBOUND_PORT" 192.0.2.2 192.0.2.3 192.0.2.4
	expect_exit "through unbound, none confirming: exit 3" 3 "$RC" "$ERR"
	expect_line "through unbound: NXDOMAIN back" 192.0.2.2 "gone.rdns.test (does not resolve back: nxdomain)"
	expect_line "through unbound: another address" 192.0.2.3 \
		"elsewhere.rdns.test (does not resolve back: other addresses)"
	expect_line "through unbound: no PTR" 192.0.2.4 "no PTR (nxdomain)"
	stop_pid UNBOUND_PID
}

NSD_ZONES=()
for zone in "${ZONES[@]}"; do
	NSD_ZONES+=("$zone=$DATA/$zone.zone")
done
if start_nsd "$IT_TMP/nsd" "the rdns zones" "${NSD_ZONES[@]}"; then
	check_findings
	check_json
	check_input
	check_timeout
	check_through_unbound
fi
finish
