#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_pipeline_optout.sh — pins the opt-out list of the relay pipeline against a fake open relay: an opted-out host
# is never probed (not by probe --pending, not by retest, not when named) and never listed; opting out a host the
# pipeline listed removes that listing at once (dnsbld answers NXDOMAIN) and keeps the history; a new report of an
# opted-out host leaves it "opted out", not pending; removing the opt-out lets the pipeline probe it again.
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

out=$(rbl optout del "$HOST/32" 2>&1)
expect_exit "optout del succeeds" 0 $? "$out"
out=$(rbl probe "$HOST:$FAKE_PORT" --list-into "$ZONE" --timeout 5 2>&1)
expect_contains "without the opt-out it is probed again and listed" "listed" "$out"
expect_answer_contains "and dnsbld answers it again" "IN A 127.0.0.2" "$(q "$name" A)"
expect_eq "the fake had two probe sessions (before the opt-out and after it was lifted)" 2 "$(sessions)" \
	"$(cat "$IT_TMP/fake.log")"
expect_eq "the fake never received DATA" 0 "$(grep -c ' C: DATA\| C: BDAT' "$IT_TMP/fake.log")"

finish
