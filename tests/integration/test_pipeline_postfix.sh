#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_pipeline_postfix.sh — the relay-probe pipeline end to end, against real MTAs: private Postfix instances on
# loopback addresses (postfix_lib.sh), one configured as an open relay and one closed, each unable to deliver
# anything. rbltool probe finds the open one open (naming the form that relayed) and the closed one closed, with
# Postfix's "Relay access denied" in the evidence. Then the pipeline: an ARF report and an mbox of forwarded spam
# become pending reports; probe --pending lists the open relay in a zone that a running dnsbld answers at once (A and
# TXT); the relay is reconfigured closed; retest delists it (NXDOMAIN), and rbltool show keeps the whole history. An
# opted-out reported host is never probed — its Postfix never sees a session — and never listed. No Postfix ever
# receives DATA or queues a message, and nothing outside the test's directory is written.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix_lib.sh"

ZONE=relays.pipeline.test
IT_ZONE=$ZONE
FIXTURES=$(cd "$(dirname "$0")/data/pipeline" && pwd)
# The fixtures name these: the ARF's Source-IP, the mbox's first untrusted hops (our relays are 10.0.0.0/8).
OPEN=127.0.25.10      # reported by ARF; an open relay, later reconfigured closed
CLOSED=127.0.25.11    # reported in the mbox; closed
OPTED_OUT=127.0.25.12 # reported in the mbox; opted out
TIMEOUT=5             # rbltool's per-reply timeout: every probe below is bounded by it

postfix_require || finish
system_before=$(postfix_system_snapshot)

# One port for all three instances: probe --pending and retest probe every host on the same port.
PORT=$(random_port)
postfix_start open "$OPEN" "$PORT" || finish
postfix_start closed "$CLOSED" "$PORT" || finish
postfix_start closed "$OPTED_OUT" "$PORT" || finish

# Every line of a probe's transcript: the evidence must show no DATA, whatever the verdict.
expect_no_data_in() {
	if grep -qE '(^|[[:space:]])C: (DATA|BDAT)' <<<"$2"; then
		it_fail "$1" "no 'C: DATA' or 'C: BDAT' in the transcript" "found" "$2"
	else
		it_pass "$1"
	fi
}

# --- real MTAs as probe targets (a store of their own, apart from the pipeline's) ------------------------------

direct() {
	"$RBLTOOL" --db "$IT_TMP/direct-db" "$@"
}

out=$(direct probe "$OPEN:$PORT" "$CLOSED:$PORT" --timeout "$TIMEOUT" 2>&1)
expect_exit "rbltool probe of two Postfix instances succeeds" 0 $? "$out"
open_line=$(grep -F "$OPEN:$PORT" <<<"$out")
closed_line=$(grep -F "$CLOSED:$PORT" <<<"$out")
expect_eq "the open Postfix's verdict is open" open "$(cut -f2 <<<"$open_line")" "$out"
expect_contains "the open verdict names the form that relayed" "form 0 (null sender) relayed" "$open_line"
expect_contains "the open verdict quotes Postfix's acceptance" "RCPT TO:<relay-check@relay-test.example> answered '250" \
	"$open_line"
expect_eq "the closed Postfix's verdict is closed" closed "$(cut -f2 <<<"$closed_line")" "$out"
expect_contains "the closed verdict says every form was refused" "all 16 forms refused" "$closed_line"

shown=$(direct show "$OPEN")
expect_contains "show: the open Postfix's host state is open" "host     open" "$shown"
expect_contains "show: the transcript has Postfix's banner" "S: 220 mx.pipeline.test ESMTP Postfix" "$shown"
expect_contains "show: the transcript has the accepted RCPT" "S: 250 2.1.5 Ok" "$shown"
expect_no_data_in "show: the open probe never sent DATA" "$shown"
shown=$(direct show "$CLOSED")
expect_contains "show: the closed Postfix's host state is closed" "host     closed" "$shown"
expect_contains "show: the closed transcript has 'Relay access denied'" \
	"S: 554 5.7.1 <relay-check@relay-test.example>: Relay access denied" "$shown"
expect_eq "show: all 16 forms were tried and refused" 16 "$(grep -c 'Relay access denied$' <<<"$shown")" "$shown"
expect_no_data_in "show: the closed probe never sent DATA" "$shown"

# --- the pipeline: reports -> pending -> probe -> listed -> reconfigured closed -> retest -> delisted -------------

rbl zone create "$ZONE" --ns ns1.pipeline.test >/dev/null
out=$(rbl optout add "$OPTED_OUT/32" --reason 'asked not to be probed' 2>&1)
expect_exit "optout add succeeds" 0 $? "$out"

out=$(rbl import "$ZONE" "$FIXTURES/report.arf.eml" --format arf 2>&1)
expect_exit "importing the ARF report succeeds" 0 $? "$out"
expect_contains "the ARF file gives one pending report" "1 report recorded, pending a probe" "$out"
# Our relays are 10.0.0.0/8; the default trusted list (loopback) must not apply, or the loopback hops would be ours.
out=$(rbl import "$ZONE" "$FIXTURES/forwarded-spam.mbox" --format mbox --trusted 10.0.0.0/8 2>&1)
expect_exit "importing the mbox succeeds" 0 $? "$out"
expect_contains "the mbox gives two reports, one opted out" "2 reports recorded, pending a probe (1 opted out" "$out"
expect_not_contains "the mbox has no bad message" "skipped" "$out"

shown=$(rbl show "$OPEN")
expect_contains "show: the ARF-reported host is pending" "host     pending, 1 report, last probe none" "$shown"
expect_contains "show: the ARF report is kept" "abuse  from abuse@fbl.reporter.test, mail from bulk@spam.test" "$shown"
shown=$(rbl show "$CLOSED")
expect_contains "show: the mbox-reported host is pending" "host     pending, 1 report, last probe none" "$shown"
expect_contains "show: the mbox report is kept" "spam  from mbox, mail from winner@lottery.test" "$shown"
shown=$(rbl show "$OPTED_OUT")
expect_contains "show: the opted-out host says so" "optout   yes" "$shown"
expect_contains "show: the opted-out host's report is kept" "mail from offers@shop.test" "$shown"

start_dnsbld || finish
expect_nxdomain "before the probe, the reported open relay is not listed" "$(q "$(v4_rev "$OPEN").$ZONE" A)"

out=$(rbl probe --pending --port "$PORT" --list-into "$ZONE" --expires 30d --timeout "$TIMEOUT" 2>&1)
expect_exit "probe --pending succeeds" 0 $? "$out"
expect_eq "probe --pending probes exactly the two pending, not opted-out hosts" \
	"$(printf '%s\n%s' "$OPEN:$PORT" "$CLOSED:$PORT")" "$(cut -f1 <<<"$out" | sort)" "$out"
open_line=$(grep -F "$OPEN:$PORT" <<<"$out")
expect_eq "probe --pending: the ARF-reported Postfix is open" open "$(cut -f2 <<<"$open_line")" "$out"
expect_contains "probe --pending lists the open relay" "	listed" "$open_line"
closed_line=$(grep -F "$CLOSED:$PORT" <<<"$out")
expect_eq "probe --pending: the mbox-reported Postfix is closed" closed "$(cut -f2 <<<"$closed_line")" "$out"
expect_not_contains "probe --pending does not list the closed host" "listed" "$closed_line"
expect_not_contains "probe --pending never names the opted-out host" "$OPTED_OUT" "$out"

name=$(v4_rev "$OPEN").$ZONE
expect_answer_contains "dnsbld answers the listed open relay at once: A 127.0.0.2" "IN A 127.0.0.2" "$(q "$name" A)"
txt=$(txt_of "$(q "$name" TXT)")
expect_contains "its TXT is the probe's reason: which form, accepted when" "open relay: null sender accepted " "$txt"
expect_nxdomain "the closed host is not listed" "$(q "$(v4_rev "$CLOSED").$ZONE" A)"
expect_nxdomain "the opted-out host is not listed" "$(q "$(v4_rev "$OPTED_OUT").$ZONE" A)"
listing=$(rbl list "$ZONE")
expect_eq "the zone holds exactly the open relay" "$OPEN/32" "$(cut -f1 <<<"$listing")" "$listing"
expect_not_contains "the listing expires (--expires 30d)" "never" "$listing"
shown=$(rbl show "$OPEN")
expect_contains "show: the listing's source is the probe" "source   probe" "$shown"
expect_contains "show: the host is open" "host     open, 1 report" "$shown"

# Naming the opted-out host on the command line does not probe it either.
out=$(rbl probe "$OPTED_OUT:$PORT" --timeout "$TIMEOUT" 2>&1)
expect_contains "probe HOST refuses an opted-out host" "$OPTED_OUT	opted out: not probed" "$out"

postfix_reconfigure closed "$OPEN" || finish
out=$(rbl retest "$ZONE" --older-than 0s --port "$PORT" --timeout "$TIMEOUT" 2>&1)
expect_exit "retest succeeds" 0 $? "$out"
expect_eq "retest probes the one pipeline listing" "$OPEN:$PORT" "$(cut -f1 <<<"$out")" "$out"
expect_eq "retest finds the reconfigured Postfix closed" closed "$(cut -f2 <<<"$out")" "$out"
expect_contains "retest delists it" "	delisted" "$out"
expect_nxdomain "after the retest, dnsbld answers NXDOMAIN for the former relay" "$(q "$name" A)"
expect_nxdomain "... and for its TXT" "$(q "$name" TXT)"
expect_eq "the zone is empty again" "" "$(rbl list "$ZONE")"

shown=$(rbl show "$OPEN")
expect_contains "show keeps the history: the host is closed now" "host     closed, 1 report" "$shown"
expect_contains "show keeps the history: the report" "abuse  from abuse@fbl.reporter.test" "$shown"
expect_eq "show keeps the history: both probes" 2 "$(grep -c '^probe    #' <<<"$shown")" "$shown"
expect_contains "show keeps the history: the first probe found it open" "open: form 0 (null sender) relayed" "$shown"
expect_contains "show keeps the history: the retest found it closed" "closed: all 16 forms refused" "$shown"
expect_contains "show keeps the history: the retest's transcript has 'Relay access denied'" \
	"S: 554 5.7.1 <relay-check@relay-test.example>: Relay access denied" "$shown"
expect_contains "show: the former relay is in no zone" "$OPEN is not in any zone" "$shown"
expect_eq "show keeps the listing history: listed by the first probe, delisted by the retest" \
	"listed delisted-retest" "$(awk '$1 == "history" { printf "%s%s", sep, $3; sep = " " }' <<<"$shown")" "$shown"
expect_contains "show's history: the delisting names the zone and the retest's probe" "delisted-retest  $ZONE  probe #" \
	"$shown"
expect_no_data_in "no pipeline probe of the relay sent DATA" "$shown"
shown=$(rbl show "$OPTED_OUT")
expect_not_contains "show: the opted-out host has no probe" "probe    #" "$shown"

# --- what the Postfix instances saw -----------------------------------------------------------------------------

# smtpd's "disconnect from ... ehlo=1 mail=16 rcpt=0/16 rset=15 quit=1 commands=33/49": the commands of a session.
sessions() {
	grep 'postfix/smtpd\[[0-9]*\]: disconnect from' "$(postfix_maillog "$1")"
}
expect_eq "the opted-out host's Postfix never had a probe session (no EHLO at all)" 0 \
	"$(sessions "$OPTED_OUT" | grep -c 'ehlo=')" "$(cat "$(postfix_maillog "$OPTED_OUT")")"
# Three probes: direct and pipeline (open: one connection each, ended by the first relayed form) and the retest
# (closed: its 16 refusals spread over three connections, six forms at most on each).
expect_eq "the open relay's Postfix had five probe connections (direct, pipeline, retest in three)" 5 \
	"$(sessions "$OPEN" | grep -c 'ehlo=')" "$(sessions "$OPEN")"
expect_contains "its Postfix logged the retest's refusals" "Relay access denied; from=<> to=<relay-check@relay-test.example>" \
	"$(cat "$(postfix_maillog "$OPEN")")"
for addr in "$OPEN" "$CLOSED" "$OPTED_OUT"; do
	log=$(cat "$(postfix_maillog "$addr")")
	expect_not_contains "Postfix at $addr never received DATA or BDAT" "data=" "$(sessions "$addr" | sed 's/bdat=/data=/')"
	expect_eq "Postfix at $addr logged no message (no message-id, no qmgr from=)" 0 \
		"$(grep -cE 'message-id=|postfix/qmgr\[[0-9]*\]: [0-9A-F]+: from=|status=' <<<"$log")" "$log"
	expect_contains "Postfix at $addr: postqueue -p finds the queue empty" "Mail queue is empty" \
		"$(postfix_queue_listing "$addr")"
	expect_eq "Postfix at $addr: no file in its queue directories" "" "$(postfix_queued_files "$addr")"
	expect_not_contains "Postfix at $addr logged no error" "fatal:" "$log"
done

postfix_stop_all
for addr in "$OPEN" "$CLOSED" "$OPTED_OUT"; do
	expect_eq "Postfix at $addr is stopped: no process of it is left" "" "$(postfix_processes "$addr")"
done
expect_eq "the private instances wrote nothing in the system's Postfix directories" "$system_before" \
	"$(postfix_system_snapshot)"

finish
