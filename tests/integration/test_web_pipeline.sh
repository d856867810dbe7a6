#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_web_pipeline.sh — the lookup page end to end with the relay pipeline and a real MTA (issue 16): a private
# Postfix on a loopback address (postfix_lib.sh) configured as an open relay is probed and listed; its page shows it
# listed with the evidence; the operator fixes it (reconfigured closed); the retest is asked for on the page (the
# form's token, POST, 303 back); rbltool retest --requested probes it and delists it; the page, the API and dig
# (against a running dnsbld) all say it is no longer listed, and the page's history keeps the listing, the request
# and the delisting. No probe sends DATA.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix_lib.sh"
require_jq

ZONE=relays.webpipe.test
IT_ZONE=$ZONE
HOST=127.0.25.40
TIMEOUT=5
postfix_require || finish
PORT=$(random_port)
postfix_start open "$HOST" "$PORT" || finish
rbl zone create "$ZONE" >/dev/null 2>&1

out=$(rbl probe "$HOST:$PORT" --list-into "$ZONE" --timeout "$TIMEOUT" 2>&1)
expect_eq "the open Postfix is probed open and listed" "open listed" "$(cut -f2,5 <<<"$out" | tr '\t' ' ')" "$out"
start_dnsbld || finish
out=$(q "$(v4_rev "$HOST").$ZONE" A)
expect_eq "dig: listed" "127.0.0.2" "$(section_of ANSWER "$out" | awk '$4 == "A" {print $5}')" "$out"
start_web

page=$(curl -s "$WEB_URL/lookup/$HOST")
expect_contains "the page says it is listed" "$HOST is listed." "$page"
expect_contains "… with Postfix's own words in the evidence" '<span class="server">220 ' "$page"
expect_contains "… and offers a retest" 'id="retest"' "$page"
tok=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' <<<"$page")
expect_eq "the form carries its token" 48 "${#tok}"

postfix_reconfigure closed "$HOST" || finish
out=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' --data-urlencode "csrf=$tok" "$WEB_URL/retest/$HOST")
expect_eq "the retest asked for on the page: 303 back to it" "303 $WEB_URL/lookup/$HOST" "$out"
expect_contains "… which shows it queued" '<span id="queue-position">1</span>' "$(curl -s "$WEB_URL/lookup/$HOST")"

out=$(rbl retest --requested --port "$PORT" --timeout "$TIMEOUT" 2>&1)
expect_exit "rbltool retest --requested runs" 0 $? "$out"
expect_contains "… finds the fixed Postfix closed" "closed" "$out"

api=$(curl -s "$WEB_URL/api/v1/lookup/$HOST")
jq_eq "the API: no longer listed" .listed "$api" false
jq_eq "… the request done, delisted" .retest.request.outcome "$api" delisted
jq_eq "… the history: listed, then delisted by the requested retest" '[.history[].kind] | reverse | join(" ")' "$api" \
	"listed delisted-retest"
jq_eq "… the delisting names the request" '.history[0].request' "$api" "$(jq -r .retest.request.id <<<"$api")"
jq_eq "… the evidence of the first probe is still there" '.probes | length' "$api" 2
page=$(curl -s "$WEB_URL/lookup/$HOST")
expect_contains "the page: not listed" "$HOST is not listed in any zone of this list." "$page"
expect_contains "… the last retest's result" "delisted" "$(grep 'id="retest-state"' <<<"$page")"
expect_nxdomain "dig: delisted" "$(q "$(v4_rev "$HOST").$ZONE" A)"
jq_eq "no probe ever sent DATA or BDAT (both transcripts)" \
	'[.probes[].transcript[] | select(.who == "tester") | select(.text | test("^(DATA|BDAT)"))] | length' "$api" 0
postfix_stop_all
finish
