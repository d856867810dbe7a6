#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_pipeline_optout.sh — pins the opt-out list of the relay pipeline against a fake open relay: an opted-out host
# is never probed (not by probe --pending, not by retest, not when named) and never listed; opting out a host the
# pipeline listed removes that listing at once (dnsbld answers NXDOMAIN) and keeps the history; a new report of an
# opted-out host leaves it "opted out", not pending; removing the opt-out lets the pipeline probe it again. show's
# history (text and --json) records each listing and delisting: by the opt-out, by rbltool del, by a zone delete.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakesmtp_lib.sh"

ZONE=relays.optout.test
IT_ZONE=$ZONE
HOST=127.0.26.1
name="1.26.0.127.$ZONE"
rbl zone create "$ZONE" >/dev/null
start_dnsbld || finish
start_fake "$IT_TMP/fake.log" --listen "$HOST:PORT,open" || finish
# The fake logs "ADDR:PORT #N C: COMMAND" for every command it receives.
sessions() { grep -c ' C: EHLO\| C: HELO' "$IT_TMP/fake.log"; }

rbl report "$HOST" >/dev/null
out=$(rbl probe --pending --port "$FAKE_PORT" --list-into "$ZONE" --timeout 5 2>&1)
expect_contains "the reported open relay is probed and listed" "	open	" "$out"
expect_answer_contains "dnsbld answers the pipeline listing" "IN A 127.0.0.2" "$(q "$name" A)"

out=$(rbl optout add "$HOST/32" --reason 'asked' 2>&1)
expect_exit "optout add succeeds" 0 $? "$out"
expect_contains "optout add says it removed the pipeline listing" "1 pipeline listing removed" "$out"
expect_nxdomain "an opted-out host's listing is gone at once" "$(q "$name" A)"
expect_eq "the zone has no entry left" "" "$(rbl list "$ZONE")"

before=$(sessions)
out=$(rbl retest "$ZONE" --older-than 0s --port "$FAKE_PORT" --timeout 5 2>&1)
expect_contains "retest finds nothing to probe" "nothing to probe" "$out"
rbl report "$HOST" >/dev/null
expect_contains "a new report leaves the host opted out, not pending" "host     opted out" "$(rbl show "$HOST")"
out=$(rbl probe --pending --port "$FAKE_PORT" --list-into "$ZONE" --timeout 5 2>&1)
expect_contains "probe --pending skips it" "nothing to probe" "$out"
out=$(rbl probe "$HOST:$FAKE_PORT" --list-into "$ZONE" --timeout 5 2>&1)
expect_contains "naming it on the command line does not probe it either" "opted out: not probed" "$out"
expect_eq "the fake saw no session after the opt-out" "$before" "$(sessions)"
expect_nxdomain "it is still not listed" "$(q "$name" A)"
shown=$(rbl show "$HOST")
expect_contains "show keeps the history: the probe that found it open" "open: form 0" "$shown"
expect_contains "show says it is opted out" "optout   yes" "$shown"
# The listing history: "history  TIME  KIND  ZONE ..." lines, oldest first.
kinds() { rbl show "$1" | awk '$1 == "history" { printf "%s%s", sep, $3; sep = " " }'; }
expect_eq "show's history: listed, then delisted by the opt-out" "listed delisted-optout" "$(kinds "$HOST")" "$shown"
expect_contains "show's history names the zone and the opt-out" "delisted-optout  $ZONE  probe #1  (opt-out $HOST/32)" \
	"$shown"

out=$(rbl optout del "$HOST/32" 2>&1)
expect_exit "optout del succeeds" 0 $? "$out"
out=$(rbl probe "$HOST:$FAKE_PORT" --list-into "$ZONE" --timeout 5 2>&1)
expect_contains "without the opt-out it is probed again and listed" "listed" "$out"
expect_answer_contains "and dnsbld answers it again" "IN A 127.0.0.2" "$(q "$name" A)"
expect_eq "the fake had two probe sessions (before the opt-out and after it was lifted)" 2 "$(sessions)" \
	"$(cat "$IT_TMP/fake.log")"
out=$(rbl show "$HOST" --json 2>&1)
jq_eq "show --json: the history, oldest first" '.history | map(.kind) | join(",")' "$out" \
	"listed,delisted-optout,listed"
jq_eq "show --json: a listing event's fields" \
	'.history[2] | [.zone, (.codes | join(",")), .probe, .request, (.expires | test("^20..-")), (.time | type)] | @json' \
	"$out" "[\"$ZONE\",\"127.0.0.2\",2,null,true,\"string\"]"

# rbltool del of a pipeline listing, and a zone deleted with one, are delistings of the history too.
rbl del "$ZONE" "$HOST" >/dev/null
expect_eq "show's history: rbltool del is an operator's delisting" "listed delisted-optout listed delisted-operator" \
	"$(kinds "$HOST")"
OTHER=relays2.optout.test
rbl zone create "$OTHER" >/dev/null
rbl probe "$HOST:$FAKE_PORT" --list-into "$OTHER" --timeout 5 >/dev/null 2>&1
rbl zone delete "$OTHER" >/dev/null
shown=$(rbl show "$HOST")
expect_eq "show's history: a zone deleted with a pipeline listing delists it" \
	"listed delisted-optout listed delisted-operator listed delisted-operator" "$(kinds "$HOST")" "$shown"
expect_contains "show's history keeps the deleted zone's name and says why" "delisted-operator  $OTHER  probe #3" \
	"$shown"
expect_contains "... zone deleted" "(zone deleted)" "$shown"
rbl add "$ZONE" 198.51.100.9 >/dev/null
rbl del "$ZONE" 198.51.100.9 >/dev/null
expect_eq "deleting a listing made by hand writes no history" "" "$(kinds 198.51.100.9)"
expect_eq "the fake never received DATA" 0 "$(grep -c ' C: DATA\| C: BDAT' "$IT_TMP/fake.log")"

finish
