#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_pipeline_requests.sh — pins rbltool retest --requested (what dnsbld-retest.timer runs) and retest --queue
# against a fake SMTP server: a host the pipeline listed as an open relay in two zones and asked a retest for. Probed
# since its request, that probe answers it (no new probe); still open, both listings are extended; then, the fake
# restarted closed on the same address and port, it is delisted in both zones (dnsbld answers NXDOMAIN), the request
# is done with outcome "delisted", the history says delisted-retest with the request's number. Requests for an address
# nobody listed (or only an operator did) and for an opted-out one are done without a probe; --max bounds one run,
# oldest first; --quiet prints nothing when nothing is queued; bad input exits 2. Everything on 127.0.0.0/8.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakesmtp_lib.sh"

ZONE=relays.requests.test
ZONE2=relays2.requests.test
IT_ZONE=$ZONE
HOST=127.0.27.1
name="1.27.0.127.$ZONE"
name2="1.27.0.127.$ZONE2"
rbl zone create "$ZONE" >/dev/null
rbl zone create "$ZONE2" >/dev/null
start_dnsbld || finish
start_fake "$IT_TMP/fake.log" --listen "$HOST:PORT,open" || finish
PORT=$FAKE_PORT
sessions() { grep -c ' C: EHLO\| C: HELO' "$IT_TMP/fake.log" "$IT_TMP/closed.log" 2>/dev/null |
	awk -F: '{ n += $NF } END { print n + 0 }'; }
# The listing history: the kinds of show's "history" lines, oldest first.
kinds() { rbl show "$1" | awk '$1 == "history" { printf "%s%s", sep, $3; sep = " " }'; }

# --- bad input first (nothing queued yet)
for args in "--requested --max 0" "--requested --max 10001" "--requested --max x" "--requested $ZONE" \
	"--requested --older-than 1d" "--queue --older-than 1d 192.0.2.1" "--queue --requested 192.0.2.1" \
	"--queue" "--queue not-an-address" "$ZONE --max 5" "$ZONE --quiet"; do
	# shellcheck disable=SC2086 # the arguments are split on purpose
	out=$(rbl retest $args 2>&1)
	expect_exit "retest $args is bad input" 2 $? "$out"
done
out=$(rbl retest --requested --quiet 2>&1)
expect_exit "retest --requested --quiet with an empty queue succeeds" 0 $? "$out"
expect_eq "... and prints nothing" "" "$out"
out=$(rbl retest --requested 2>&1)
expect_eq "without --quiet it says there is nothing to probe" "nothing to probe" "$out"
expect_eq "--json with an empty queue is an empty array" "[]" "$(rbl retest --requested --json 2>&1 | tr -d ' \n')"

# --- a host listed in two zones by the probe, found open by the fake
out=$(rbl probe "$HOST:$PORT" --list-into "$ZONE" --timeout 5 2>&1)
expect_contains "the fake open relay is probed and listed" "	open	" "$out"
out=$(rbl probe "$HOST:$PORT" --list-into "$ZONE2" --timeout 5 2>&1)
expect_contains "... and listed in a second zone" "listed" "$out"
expect_answer_contains "dnsbld answers the listing in the first zone" "IN A 127.0.0.2" "$(q "$name" A)"
expect_answer_contains "... and in the second" "IN A 127.0.0.2" "$(q "$name2" A)"

# --- a host probed since its request (a scheduled retest ran meanwhile): that probe answers it
out=$(rbl retest --queue "$HOST" 2>&1)
expect_exit "retest --queue succeeds" 0 $? "$out"
expect_eq "retest --queue names the request" "$HOST	queued	request #1" "$out"
out=$(rbl retest --queue "$HOST" 2>&1)
expect_eq "queueing it again gives the same request" "$HOST	already queued	request #1" "$out"
expect_contains "show says the request is queued, first" "retest   request #1 (cli, " "$(rbl show "$HOST")"
expect_contains "... position 1" "queued, position 1" "$(rbl show "$HOST")"
out=$(rbl show "$HOST" --json)
jq_eq "show --json: the queued request" '.retest | [.id, .state, .position, .via, .outcome] | @json' "$out" \
	'[1,"queued",1,"cli",null]'
sleep 1.1 # times are whole seconds: the probe below must come after the request
rbl probe "$HOST:$PORT" --timeout 5 --gap 0s >/dev/null 2>&1
before=$(sessions)
out=$(rbl retest --requested --port "$PORT" --timeout 5 --gap 0s 2>&1)
expect_eq "a host probed since its request is answered by that probe, not probed again" \
	"$HOST	probed meanwhile: not probed	evidence 3 (open)	request #1" "$out"
expect_eq "... no new session" "$before" "$(sessions)"
expect_answer_contains "... and it stays listed" "IN A 127.0.0.2" "$(q "$name" A)"

# --- still open: both listings extended, the request's outcome "still open"
expires_before=$(rbl show "$HOST" --json | jq -r '[.zones[].expires] | join(",")')
out=$(rbl retest --queue "$HOST" 2>&1)
expect_eq "a new request for it" "$HOST	queued	request #2" "$out"
sleep 1.1 # the extended listings' expiry is whole seconds too
out=$(rbl retest --requested --port "$PORT" --timeout 5 --gap 0s 2>&1)
expect_contains "still open: the listings are extended, the line names the request" \
	"	listing extended	request #2" "$out"
expect_eq "... both zones' expiry moved" "2" "$(rbl show "$HOST" --json | jq -r --arg before "$expires_before" \
	'[.zones[] | select((.expires | tostring) as $e | ($before | split(",") | index($e)) == null)] | length')"
expect_contains "show: the request is done, still open" "still open, probe #4 open" "$(rbl show "$HOST")"
expect_answer_contains "... and dnsbld still lists it" "IN A 127.0.0.2" "$(q "$name2" A)"

# --- the host fixed its relay: the fake comes back closed on the same address and port
out=$(rbl retest --queue "$HOST" 2>&1)
expect_eq "a new request for it" "$HOST	queued	request #3" "$out"
stop_fake
"$FAKESMTP" --listen "$HOST:$PORT,closed" --log "$IT_TMP/closed.log" --max-seconds "$FAKE_LIFETIME" \
	--ready "$IT_TMP/closed.ready" >"$IT_TMP/closed.out" 2>&1 &
# shellcheck disable=SC2034 # stop_fake (fakesmtp_lib.sh) stops it by this name, at exit
FAKE_PID=$!
for _ in $(seq 50); do [ -e "$IT_TMP/closed.ready" ] && break; sleep 0.1; done
before=$(sessions)
out=$(rbl retest --requested --port "$PORT" --timeout 5 --gap 0s 2>&1)
expect_exit "retest --requested succeeds" 0 $? "$out"
expect_contains "it probes the requested host: closed" "$HOST:$PORT	closed	" "$out"
expect_contains "... the line names the action and the request" "	delisted	request #3" "$out"
after=$(sessions)
if [ "$after" -gt "$before" ]; then
	it_pass "the closed fake saw the probe ($((after - before)) sessions)"
else
	it_fail "the closed fake saw the probe" "more than $before sessions" "$after"
fi
expect_nxdomain "dnsbld no longer lists it in the first zone" "$(q "$name" A)"
expect_nxdomain "... nor in the second" "$(q "$name2" A)"
expect_contains "rbltool query: NXDOMAIN in the first zone" "$name. A: NXDOMAIN" "$(rbl query "$ZONE" "$HOST" 2>&1)"
expect_contains "... and in the second" "$name2. A: NXDOMAIN" "$(rbl query "$ZONE2" "$HOST" 2>&1)"
expect_eq "both zones are empty" "" "$(rbl list "$ZONE"; rbl list "$ZONE2")"
shown=$(rbl show "$HOST")
expect_eq "the history: listed twice, extended twice, then delisted by the retest in both zones" \
	"listed listed extended extended delisted-retest delisted-retest" "$(kinds "$HOST")" "$shown"
expect_contains "the history names the request" "delisted-retest  $ZONE  probe #5  request #3" "$shown"
expect_contains "... in the second zone too" "delisted-retest  $ZONE2  probe #5  request #3" "$shown"
expect_contains "show says the request is done: delisted, by probe #5" "delisted, probe #5 closed" "$shown"
out=$(rbl show "$HOST" --json)
jq_eq "show --json: the done request" '.retest | [.id, .state, .position, .outcome, .probe, .verdict] | @json' \
	"$out" '[3,"done",null,"delisted",5,"closed"]'
jq_eq "show --json: the history's request numbers" '[.history[] | .request] | @json' "$out" '[null,null,2,2,3,3]'
out=$(rbl retest --requested --quiet 2>&1)
expect_eq "the queue is empty again: --quiet prints nothing" "" "$out"

# --- requests answered without a probe
NOT_LISTED=127.0.27.2
OPTED=127.0.27.3
rbl optout add "$OPTED/32" --reason 'asked' >/dev/null
out=$(rbl retest --queue "$NOT_LISTED" "$OPTED" 2>&1)
expect_eq "two requests queued in one command" "$NOT_LISTED	queued	request #4
$OPTED	queued	request #5" "$out"
before=$(sessions)
out=$(rbl retest --requested --port "$PORT" --timeout 5 --gap 0s --json 2>&1)
expect_exit "retest --requested --json succeeds" 0 $? "$out"
jq_eq "--json: the not-listed request, not probed" \
	".[] | select(.address == \"$NOT_LISTED\") | [.request, .verdict, .outcome] | @json" "$out" \
	'[4,"not probed","not listed"]'
jq_eq "--json: the opted-out request, not probed" \
	".[] | select(.address == \"$OPTED\") | [.request, .verdict, .outcome] | @json" "$out" \
	'[5,"not probed","opted out"]'
expect_eq "no probe session for either" "$before" "$(sessions)"
expect_contains "show: the not-listed request is done without a probe" "not listed, not probed" \
	"$(rbl show "$NOT_LISTED")"
expect_contains "show: the opted-out one likewise" "opted out, not probed" "$(rbl show "$OPTED")"
rbl add "$ZONE" "$HOST" --reason 'by hand' >/dev/null # no evidence: an operator's listing, not the pipeline's
out=$(rbl retest --queue "$HOST" >/dev/null && rbl retest --requested --port "$PORT" --timeout 5 --gap 0s 2>&1)
expect_eq "an operator's listing is not retested: not listed, not probed" \
	"$HOST	not listed: not probed	request #6" "$out"
expect_eq "... and not touched" "1" "$(rbl list "$ZONE" | grep -c "$HOST")"
rbl del "$ZONE" "$HOST" >/dev/null

# --- --max bounds one run, oldest first
rbl retest --queue 127.0.27.10 127.0.27.11 127.0.27.12 >/dev/null
out=$(rbl retest --requested --max 2 2>&1)
expect_eq "--max 2 handles two requests" 2 "$(grep -c 'request #' <<<"$out")" "$out"
expect_contains "... the oldest first" "127.0.27.10	" "$out"
expect_not_contains "... leaving the newest queued" "127.0.27.12" "$out"
expect_contains "show: the third is still queued, first in line" "queued, position 1" "$(rbl show 127.0.27.12)"
out=$(rbl retest --requested --max 2 2>&1)
expect_eq "the next run takes it" "127.0.27.12	not listed: not probed	request #9" "$out"

expect_eq "the fake never received DATA" 0 \
	"$(cat "$IT_TMP/fake.log" "$IT_TMP/closed.log" | grep -c ' C: DATA\| C: BDAT')"
finish
