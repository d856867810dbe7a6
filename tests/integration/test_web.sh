#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_web.sh — the lookup service's JSON API (rbltool web; issue 16, first part) on a loopback port: for a listed, an
# excluded, an unlisted, an IPv6 and an IPv4-mapped address, GET /api/v1/lookup/ADDR says what `rbltool query --json`
# (dnsbld's own answer code) says for every zone, with the entry that answers; a reason holding HTML and quotes comes
# back as text; a malformed address is a 400 naming it (escaped, %00 included); the bounds: 404, 405 with Allow, 413
# for a body over 1 KiB, 431 for 70 header fields, 414 for a 40 KB path; the server stops on SIGTERM.
set -u
. "$(dirname "$0")/lib.sh"
require_jq

ZONE=relays.web.test
OTHER=other.web.test
rbl zone create "$ZONE" --txt 'Listed: $' >/dev/null 2>&1
rbl zone create "$OTHER" >/dev/null 2>&1
rbl add "$ZONE" 192.0.2.0/24 --reason 'open relay <script>alert("x")</script> & $' >/dev/null
rbl exclude "$ZONE" 192.0.2.128/25 >/dev/null
rbl add "$ZONE" 2001:db8::/48 --code 127.0.0.3 >/dev/null
rbl add "$OTHER" 192.0.2.7 --code 127.0.0.9 >/dev/null

# get PATH [CURL-ARGS...]: "STATUS" on the first line, the body after it.
get() {
	local path=$1
	shift
	curl -s --max-time 5 -o "$IT_TMP/body" -w '%{http_code}' "$@" "$WEB_URL$path" >"$IT_TMP/status"
	cat "$IT_TMP/status"
	echo
	cat "$IT_TMP/body"
}

start_web

# expect_like_query CHECK ADDR: the API's zone entries agree with rbltool query --json for every zone.
expect_like_query() {
	local check=$1 addr=$2 out zone want got
	out=$(get "/api/v1/lookup/$addr")
	expect_eq "$check: 200" 200 "$(head -n 1 <<<"$out")" "$out"
	out=$(tail -n +2 <<<"$out")
	for zone in "$OTHER" "$ZONE"; do
		want=$(rbl query "$zone" "$addr" --json | jq -c '{listed, rcode, ttl, a, txt}')
		got=$(jq -c --arg z "$zone" '.zones[] | select(.zone == $z) | {listed, rcode, ttl, a, txt}' <<<"$out")
		expect_eq "$check: $zone as rbltool query (dnsbld's answer code) says" "$want" "$got" "$out"
	done
	LAST=$out
}

expect_like_query "a listed address" 192.0.2.9
jq_eq "… listed overall" .listed "$LAST" true
jq_eq "… the entry that answers, with its network" '.zones[] | select(.zone == "'"$ZONE"'") | .entry.network' \
	"$LAST" 192.0.2.0/24
jq_eq "… and its reason as text, HTML and quotes kept as characters" \
	'.zones[] | select(.zone == "'"$ZONE"'") | .entry.reason' "$LAST" 'open relay <script>alert("x")</script> & $'
jq_eq "… the TXT dnsbld answers, with the address in it" '.zones[] | select(.zone == "'"$ZONE"'") | .txt[0]' \
	"$LAST" 'open relay <script>alert("x")</script> & 192.0.2.9'
jq_eq "… a zone that does not list it: no entry" '.zones[] | select(.zone == "'"$OTHER"'") | .entry' "$LAST" null
expect_like_query "an excluded address" 192.0.2.200
jq_eq "… not listed" .listed "$LAST" false
jq_eq "… the exclusion is the entry that answers" '.zones[] | select(.zone == "'"$ZONE"'") | .entry.exclusion' \
	"$LAST" true
expect_like_query "an address listed in the other zone only" 192.0.2.7
expect_like_query "an unlisted address" 198.51.100.1
jq_eq "… not listed" .listed "$LAST" false
expect_like_query "an IPv6 address" 2001:db8::5
jq_eq "… its code" '.zones[] | select(.zone == "'"$ZONE"'") | .a | join(",")' "$LAST" 127.0.0.3
out=$(get "/api/v1/lookup/2001%3Adb8%3A%3A5")
jq_eq "a %-escaped IPv6 address is read" .address "$(tail -n +2 <<<"$out")" 2001:db8::5
out=$(get "/api/v1/lookup/::ffff:192.0.2.9")
jq_eq "an IPv4-mapped address is its IPv4 address" .address "$(tail -n +2 <<<"$out")" 192.0.2.9

out=$(get "/api/v1/lookup/192.0.2.1%00x")
expect_eq "a %00 in the address: 400" 400 "$(head -n 1 <<<"$out")" "$out"
jq_eq "… naming it as written" .error "$(tail -n +2 <<<"$out")" "'192.0.2.1%00x' is not an IPv4 or IPv6 address"
out=$(get "/api/v1/lookup/%3Cb%3E")
jq_eq "a malformed address: named as text" .error "$(tail -n +2 <<<"$out")" "'<b>' is not an IPv4 or IPv6 address"
expect_eq "… with JSON's content type and nosniff" 2 \
	"$(curl -s -D - -o /dev/null "$WEB_URL/api/v1/lookup/x" | grep -ci '^content-type: application/json\|^x-content-type-options: nosniff')"
out=$(get "/api/v1/lookup/192.0.2.0/24")
expect_eq "a CIDR is not an address: 400" 400 "$(head -n 1 <<<"$out")" "$out"
out=$(get "/nothing/here")
expect_eq "an unknown path: 404" 404 "$(head -n 1 <<<"$out")" "$out"
expect_contains "… as a page" "There is no such page here." "$out"
out=$(get "/api/v1/nothing")
jq_eq "an unknown API path: a JSON 404" .error "$(tail -n +2 <<<"$out")" "not found: /api/v1/lookup/ADDRESS, /api/v1/retest/ADDRESS"

# --- the pages --------------------------------------------------------------------------------------------------

out=$(get /)
expect_eq "the front page: 200" 200 "$(head -n 1 <<<"$out")" "$out"
expect_contains "… holds the lookup form" '<form method="get" action="/lookup">' "$out"
expect_contains "… sent with a policy that allows no script" "default-src 'none'" \
	"$(curl -s -D - -o /dev/null "$WEB_URL/" | grep -i '^content-security-policy')"
expect_not_contains "… and holds none" "<script" "$out"
out=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$WEB_URL/lookup?addr=2001:DB8:0::5")
expect_eq "the form's target sends to the address's page, written canonically" \
	"303 $WEB_URL/lookup/2001:db8::5" "$out"
out=$(get /lookup/192.0.2.9)
expect_eq "a listed address's page: 200" 200 "$(head -n 1 <<<"$out")" "$out"
expect_contains "… says it is listed" '<p class="verdict listed" id="verdict">192.0.2.9 is listed.</p>' "$out"
expect_contains "… with the entry's network" "<code>192.0.2.0/24</code>" "$out"
expect_contains "… the reason shown as text, its HTML escaped" \
	'open relay &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; $' "$out"
expect_not_contains "… never as markup" '<script>' "$out"
out=$(get /lookup/198.51.100.1)
expect_contains "an unlisted address's page says so" "198.51.100.1 is not listed in any zone of this list." "$out"
out=$(get "/lookup?addr=%3Cb%3Ex%3C%2Fb%3E")
expect_eq "the form with no address in it: 400" 400 "$(head -n 1 <<<"$out")" "$out"
expect_contains "… naming it as text" "&#39;&lt;b&gt;x&lt;/b&gt;&#39; is not an IPv4 or IPv6 address" "$out"
expect_contains "… and giving the form back with it, escaped" 'value="&lt;b&gt;x&lt;/b&gt;"' "$out"
expect_not_contains "… never as markup" "<b>x</b>" "$out"
out=$(curl -s -D - -o /dev/null "$WEB_URL/style.css")
expect_contains "the style sheet: text/css" "text/css" "$(grep -i '^content-type' <<<"$out")"
out=$(get /api/v1/lookup/192.0.2.9 -X POST)
expect_eq "POST: 405" 405 "$(head -n 1 <<<"$out")" "$out"
expect_contains "… with Allow" "Allow: GET, HEAD" "$(curl -s -D - -o /dev/null -X DELETE "$WEB_URL/")"
head -c 5000 /dev/zero >"$IT_TMP/big"
out=$(get /api/v1/lookup/192.0.2.9 -X GET --data-binary @"$IT_TMP/big")
expect_eq "a 5,000-byte body: 413" 413 "$(head -n 1 <<<"$out")" "$out"
headers=()
for i in $(seq 1 70); do headers+=(-H "X-Field-$i: v"); done
out=$(get /api/v1/lookup/192.0.2.9 "${headers[@]}")
expect_eq "70 header fields: 431" 431 "$(head -n 1 <<<"$out")" "$out"
out=$(get "/api/v1/lookup/$(head -c 40000 /dev/zero | tr '\0' 7)")
expect_eq "a 40 KB path: 414" 414 "$(head -n 1 <<<"$out")" "$out"
out=$(get /api/v1/lookup/192.0.2.9)
expect_eq "after all that, still answering" 200 "$(head -n 1 <<<"$out")" "$out"

kill -TERM "$(pgrep -P "$WEB_PID" -f 'rbltool.*web')" 2>/dev/null
wait "$WEB_PID"
expect_eq "SIGTERM stops it: exit 0" 0 $? "$(cat "$IT_TMP/web.log")"
expect_contains "… saying so" "rbltool: web: stopped" "$(cat "$IT_TMP/web.log")"
out=$("$RBLTOOL" --db "$IT_DB" web --listen nowhere 2>&1)
expect_exit "a --listen that is no address: bad input" 2 $? "$out"
finish
