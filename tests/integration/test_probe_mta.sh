#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_probe_mta.sh — the relay prober's verdicts against real MTAs from Debian, one private instance per
# configuration: Exim (open, Debian-like closed with its default limits, closed with domain literals allowed, closed
# with a catch-all local domain, closed but really relaying bang paths), Postfix (open, closed, closed with
# defer_unauth_destination, closed with smtpd_delay_reject = no; all with Postfix's own error limits), OpenSMTPD and
# Sendmail (open, closed). A wrong "open" would list an innocent operator; a wrong "closed" would miss a relay.
#
# The truth for each is in its library's header (exim_lib.sh, postfix_lib.sh, opensmtpd_lib.sh, sendmail_lib.sh),
# checked there by a swaks-style session and the MTA's own address test; the catch-all and bang-path cases are
# checked here too with "exim -bt". Loopback instances are probed in one rbltool run; OpenSMTPD's and Sendmail's
# closed instances treat every address of their own host as local, so they run in a network namespace of the
# test's own and are probed from its peer namespace. The prober stays inside every server's session limits (no
# "Too many ..." in any Exim log, no "too many errors" in Postfix's), and no instance ever receives DATA or queues a
# message. At the end the test prints the matrix: MTA/config, expected, got, connections, time.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix_lib.sh"
. "$(dirname "$0")/mta_unpack_lib.sh"
. "$(dirname "$0")/exim_lib.sh"
. "$(dirname "$0")/opensmtpd_lib.sh"
. "$(dirname "$0")/sendmail_lib.sh"

ZONE=relays.mta.test
IT_ZONE=$ZONE
TIMEOUT=10       # rbltool's per-reply timeout
POSTFIX_LIMITS=default

# name mta mode address expected [form-name-needle]
CASES=(
	"exim-open exim open 127.0.27.1 open"
	"exim-closed exim closed 127.0.27.2 closed"
	"exim-closed-literals exim closed-literals 127.0.27.3 closed"
	"exim-closed-catchall exim closed-catchall 127.0.27.4 closed"
	"exim-bang-relay exim bang-relay 127.0.27.5 open bang path"
	"postfix-open postfix open 127.0.27.10 open"
	"postfix-closed postfix closed 127.0.27.11 closed"
	"postfix-closed-defer postfix closed-defer 127.0.27.12 closed"
	"postfix-closed-nodelay postfix closed-nodelay 127.0.27.13 closed"
	"opensmtpd-open opensmtpd open 127.0.27.20 open"
	"opensmtpd-closed opensmtpd closed 198.18.0.1 closed"
	"sendmail-open sendmail open 127.0.27.30 open"
	"sendmail-closed sendmail closed 198.18.0.4 closed"
)

postfix_require || finish
exim_require || finish
opensmtpd_require || finish
sendmail_require || finish
rbl zone create "$ZONE" >/dev/null

PORT=$(random_port)
local_targets=()
netns_targets=()
for c in "${CASES[@]}"; do
	read -r name mta mode addr expected _ <<<"$c"
	"${mta}_start" "$mode" "$addr" "$PORT" || finish
	if [[ $addr == 127.* ]]; then
		local_targets+=("$addr:$PORT")
	else
		netns_targets+=("$addr:$PORT")
	fi
done

# One rbltool run for the loopback instances (all at once), one from the client namespace for the others.
probe_out=$(rbl probe "${local_targets[@]}" --list-into "$ZONE" --timeout "$TIMEOUT" --gap 1s 2>&1)
expect_exit "rbltool probe (loopback instances) exits 0" 0 $? "$probe_out"
ns_out=$(mta_client_exec "$RBLTOOL" --db "$IT_DB" probe "${netns_targets[@]}" --list-into "$ZONE" \
	--timeout "$TIMEOUT" --gap 1s 2>&1)
expect_exit "rbltool probe (namespace instances, from the client namespace) exits 0" 0 $? "$ns_out"
probe_out+=$'\n'"$ns_out"

MATRIX=""
for c in "${CASES[@]}"; do
	read -r name mta mode addr expected needle <<<"$c"
	line=$(grep "^$addr:$PORT	" <<<"$probe_out")
	got=$(cut -f2 <<<"$line")
	why=$(cut -f3 <<<"$line")
	expect_eq "$name: verdict" "$expected" "$got" "$line"
	[ -n "$needle" ] && expect_contains "$name: the reason names the form ($needle)" "$needle" "$why"
	shown=$(rbl show "$addr")
	expect_not_contains "$name: the prober never sent DATA" "C: DATA" "$shown"
	ms=$(grep -m1 -o '([0-9]* ms)' <<<"$shown" | tr -dc 0-9)
	conns=$(grep -c '^ *\* connection [0-9]* to ' <<<"$shown")
	MATRIX+=$(printf '#   %-24s %-8s %-13s %2s conn %6s ms  %s' "$name" "$expected" "${got:-none}" "$conns" \
		"${ms:-?}" "$why")$'\n'
	if [ "$expected" = open ]; then
		expect_contains "$name: listed" "$addr/32" "$(rbl list "$ZONE")"
	else
		expect_not_contains "$name: not listed" "$addr/32" "$(rbl list "$ZONE")"
	fi
done

# --- what the verdicts rest on -----------------------------------------------------------------------------------

line=$(grep "^127.0.27.2:$PORT	" <<<"$probe_out")
expect_contains "exim-closed: literal senders refused, the plain sender used instead" \
	"literal senders refused ('501" "$line"
expect_contains "exim-closed: every form refused" "all 16 forms refused" "$line"

H=$(exim_hostname 127.0.27.4)
line=$(grep "^127.0.27.4:$PORT	" <<<"$probe_out")
expect_contains "exim-closed-catchall: the forms through its own name are not testable (catch-all)" \
	"not testable on a catch-all domain" "$line"
expect_contains "exim-closed-catchall: Exim itself routes the percent hack at its name to a local catch-all" \
	"router = catchall" "$(exim_address_test 127.0.27.4 "relay-check%relay-test.example@$H")"

H=$(exim_hostname 127.0.27.5)
line=$(grep "^127.0.27.5:$PORT	" <<<"$probe_out")
expect_contains "exim-bang-relay: the control at its own name was refused" "a recipient that cannot exist there" \
	"$line"
expect_contains "exim-bang-relay: Exim itself routes the bang path to the remote domain" "router = remote_domains" \
	"$(exim_address_test 127.0.27.5 "relay-test.example!relay-check@$H")"

line=$(grep "^127.0.27.12:$PORT	" <<<"$probe_out")
expect_contains "postfix-closed-defer: the 454 says relaying is denied, a refusal" "Relay access denied" "$line"

# --- inside every server's limits, nothing delivered ---------------------------------------------------------------

for addr in 127.0.27.1 127.0.27.2 127.0.27.3 127.0.27.4 127.0.27.5; do
	logs=$(cat "$(exim_mainlog "$addr")" "$(exim_rejectlog "$addr")" 2>/dev/null)
	expect_not_contains "Exim at $addr never ended a session for too many commands or errors" "too many" "${logs,,}"
	expect_eq "Exim at $addr queued nothing" "" "$(exim_queued_files "$addr")"
done
for addr in 127.0.27.10 127.0.27.11 127.0.27.12 127.0.27.13; do
	log=$(cat "$(postfix_maillog "$addr")")
	expect_not_contains "Postfix at $addr never hit its error limit" "too many errors" "$log"
	expect_not_contains "Postfix at $addr never received DATA" "data=" "$log"
	expect_eq "Postfix at $addr queued nothing" "" "$(postfix_queued_files "$addr")"
done
for addr in 127.0.27.20 198.18.0.1; do
	expect_eq "OpenSMTPD at $addr queued nothing" "" "$(opensmtpd_queued_files "$addr")"
done
for addr in 127.0.27.30 198.18.0.4; do
	expect_eq "Sendmail at $addr queued nothing" "" "$(sendmail_queued_files "$addr")"
	expect_not_contains "Sendmail at $addr never received DATA" "DATA" "$(cat "$(sendmail_transcript "$addr")")"
done

echo "# MTA / config             expected got           connections, time, reason"
printf '%s' "$MATRIX"
finish
