#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_web_retest.sh — retest requests on the lookup service (issue 16): a host the relay probe listed (fakesmtp
# as an open relay on a loopback address, rbltool probe --list-into) is offered a retest on its page, with a token;
# the request is refused without the token, with a wrong or another address's token, cross-site, and for an address
# the probe did not list (409); accepted from the page (303 back to the page, which then shows the queue position)
# and through the API (200: already queued); a second request for a host is "too soon" (429 with Retry-After) once
# the first is done; a client network's quota (10 an hour) is kept per /24 — clients picked with curl --interface
# from 127.0.40.0/24 and 127.0.41.0/24; behind --trusted-proxy the client is X-Forwarded-For's, not the proxy.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakesmtp_lib.sh"
require_jq

ZONE=relays.retest.test
HOST=127.0.27.1
rbl zone create "$ZONE" >/dev/null 2>&1
# Open relays on 127.0.27.1 .. 127.0.27.16, all listed by the probe.
start_fake "$IT_TMP/fake.log" --behaviour open --many "$HOST:PORT:16" || finish
targets=()
for i in $(seq 1 16); do targets+=("127.0.27.$i:$FAKE_PORT"); done
out=$(rbl probe "${targets[@]}" --list-into "$ZONE" --timeout 5 --gap 0s 2>&1)
expect_eq "the relay probe lists the 16 open relays" 16 "$(rbl list "$ZONE" --json | jq length)" "$out"
rbl add "$ZONE" 192.0.2.44 >/dev/null # listed by hand: no probe behind it
start_web --trusted-proxy 127.0.0.9/32

# token ADDR [CURL-ARGS...]: the csrf token the API offers this client for ADDR ("null" when none).
token() {
	local addr=$1
	shift
	curl -s --max-time 5 "$@" "$WEB_URL/api/v1/retest/$addr" | jq -r .retest.csrf
}
# post ADDR TOKEN [CURL-ARGS...]: the page's form POST; prints "STATUS LOCATION".
post() {
	local addr=$1 tok=$2
	shift 2
	curl -s --max-time 5 -o "$IT_TMP/post.body" -w '%{http_code} %{redirect_url}' --data-urlencode "csrf=$tok" "$@" \
		"$WEB_URL/retest/$addr"
}

out=$(curl -s "$WEB_URL/api/v1/lookup/$HOST")
jq_eq "the evidence: the probe that listed it, open" '.probes[0].verdict' "$out" open
jq_eq "… its transcript, the tester's lines told from the server's" \
	'[.probes[0].transcript[] | select(.who == "tester") | .text][0]' "$out" "EHLO probe.rbl.example"
jq_eq "… the server's greeting" '[.probes[0].transcript[] | select(.who == "server") | .text][0] | startswith("220 ")' \
	"$out" true
jq_eq "… the reverse DNS seen then" '.probes[0].rdns | type' "$out" string
jq_eq "… and the history: listed, with that probe" '.history[0] | "\(.kind) \(.probe)"' "$out" \
	"listed $(jq -r '.probes[0].id' <<<"$out")"
page=$(curl -s "$WEB_URL/lookup/$HOST")
expect_contains "the page shows the transcript's tester lines" '<span class="tester">EHLO probe.rbl.example</span>' "$page"
expect_contains "… and the server's, escaped" '<span class="server">250 2.1.5 Ok</span>' "$page"
expect_contains "… the reverse DNS seen at probe time" 'Reverse DNS at the time: ' "$page"
expect_contains "… and the history" ": listed in $ZONE (probe #" "$page"
jq_eq "the probe's listing can be retested" .retest.eligible "$out" true
jq_eq "… none asked for yet" .retest.state "$out" none
page=$(curl -s "$WEB_URL/lookup/$HOST")
expect_contains "its page offers the button" '<button type="submit" id="retest">Request a retest</button>' "$page"
expect_contains "… in a form posting to /retest/ADDR with a token" "action=\"/retest/$HOST\"" "$page"
out=$(curl -s "$WEB_URL/api/v1/lookup/192.0.2.44")
jq_eq "a listing made by hand offers none" .retest.offer "$out" false
expect_not_contains "… and its page no button" 'id="retest"' "$(curl -s "$WEB_URL/lookup/192.0.2.44")"

tok=$(token "$HOST")
expect_eq "the token is 48 hex characters" 48 "${#tok}"
expect_eq "no token: 403" "403 " "$(post "$HOST" "")"
expect_contains "… saying why" "reload the page" "$(cat "$IT_TMP/post.body")"
wrong=${tok:0:47}$([ "${tok:47}" = 0 ] && echo 1 || echo 0)
expect_eq "a wrong token (one MAC digit changed): 403" "403 " "$(post "$HOST" "$wrong")"
other=$(token 192.0.2.44)
expect_eq "no token is offered where no retest is" null "$other"
expect_eq "a token made for another client network: 403" "403 " \
	"$(post "$HOST" "$(token "$HOST" --interface 127.0.41.1)" --interface 127.0.40.1)"
expect_eq "a cross-site POST: 403" "403 " "$(post "$HOST" "$tok" -H 'Sec-Fetch-Site: cross-site')"
out=$(curl -s -X POST -H "X-CSRF-Token: $(token 192.0.2.44)" "$WEB_URL/api/v1/retest/192.0.2.44")
jq_eq "an address the probe did not list: refused (its token is null)" .error "$out" \
	"the form has expired or was not made for you: reload the page and ask again"
expect_eq "a GET of the form's target: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' "$WEB_URL/retest/$HOST")"

out=$(post "$HOST" "$tok")
expect_eq "the form with its token: 303 back to the address's page" "303 $WEB_URL/lookup/$HOST" "$out"
page=$(curl -s "$WEB_URL/lookup/$HOST")
expect_contains "the page shows the request queued, first in line" '<span id="queue-position">1</span>' "$page"
expect_not_contains "… and offers no second button" 'id="retest"' "$page"
out=$(curl -s -X POST -H "X-CSRF-Token: $tok" -w '\n%{http_code}' "$WEB_URL/api/v1/retest/$HOST")
expect_eq "the API asked again: 200, already queued" 200 "$(tail -n 1 <<<"$out")" "$out"
jq_eq "… the same request" .request.position "$(head -n -1 <<<"$out")" 1

# The per-network quota: ten requests from one /24 — the eleventh is refused.
codes=""
for i in $(seq 2 12); do
	t=$(token "127.0.27.$i" --interface 127.0.40.7)
	codes+="$(post "127.0.27.$i" "$t" --interface 127.0.40.7 | cut -d' ' -f1) "
done
expect_eq "ten requests from 127.0.40.0/24 are queued, the eleventh is refused (429)" \
	"303 303 303 303 303 303 303 303 303 303 429 " "$codes"
t=$(token 127.0.27.12 --interface 127.0.41.7)
expect_eq "… while another /24 may still ask" 303 "$(post 127.0.27.12 "$t" --interface 127.0.41.7 | cut -d' ' -f1)"

# Behind the trusted proxy (127.0.0.9) the client is X-Forwarded-For's: the proxy's own /24 is not the quota.
t=$(token 127.0.27.14 --interface 127.0.0.9 -H 'X-Forwarded-For: 198.51.100.7')
expect_eq "a token made for the client behind the proxy is refused for the proxy itself" "403 " \
	"$(post 127.0.27.14 "$t" --interface 127.0.0.9)"
expect_eq "… and holds for the client behind it" 303 \
	"$(post 127.0.27.14 "$t" --interface 127.0.0.9 -H 'X-Forwarded-For: 6.6.6.6, 198.51.100.7' | cut -d' ' -f1)"
expect_eq "a forged X-Forwarded-For from a client that is no proxy is ignored: its own token holds" 303 \
	"$(post 127.0.27.15 "$(token 127.0.27.15 --interface 127.0.42.8)" --interface 127.0.42.8 \
		-H 'X-Forwarded-For: 198.51.100.7' | cut -d' ' -f1)"
out=$(post 127.0.27.16 "$t" --interface 127.0.0.9 -H 'X-Forwarded-For: not-an-address')
expect_eq "a bad X-Forwarded-For from the proxy: 400" "400 " "$out"
finish
