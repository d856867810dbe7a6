#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_probe_fakes.sh — the relay prober against scripted fake SMTP servers (tests/tools/fakesmtp), through the
# library (tests/tools/probe_driver; rbltool's probe command is another module's). For each behaviour a real MTA
# cannot be told to have — silence, a late greeting, 421, replies in fragments, an endless reply, a 1 MB line,
# binary garbage, greylisting, relaying for one form only, a tarpit that hangs up after 10 errors, STARTTLS demanded
# — the verdict, the form named, the time it took (capped), the transcript, and the fake's own log of every command
# it received: DATA never came. Five more model Exim (tests/tools/fakesmtp_behaviours.c says how): domain literal senders
# refused, its syntax/protocol error limit, its non-mail command limit, a catch-all own domain (closed: forms routed
# through the server's own name prove nothing there), and one that really relays bang paths (open); the prober
# never sends a command after the fake said it is closing. Then 1,000 fake hosts of mixed behaviour on 1,000
# loopback addresses (127.1.x.y, one port) probed at once with a concurrency of 200: every verdict right, all within
# the time cap.
# All traffic stays on 127.0.0.0/8 (and ::1); every fake runs with --max-seconds and is stopped on exit.
set -u
. "$(dirname "$0")/lib.sh"
: "${FAKESMTP:?FAKESMTP must name the fakesmtp binary (ctest sets it)}"
: "${PROBE_DRIVER:?PROBE_DRIVER must name the probe_driver binary (ctest sets it)}"

. "$(dirname "$0")/fakesmtp_lib.sh"
# The driver's limits: small, so that the slow behaviours finish fast; the caps below follow from them.
DRIVER_OPTS=(--gap-ms 0 --connect-timeout-ms 1000 --reply-timeout-ms 1000 --session-timeout-ms 8000
	--max-reply-bytes 16384 --max-transcript-bytes 65536)
CAP_MS=4000 # any one behaviour: the slowest (silent: one reply timeout; tarpit: ~25 replies x 50 ms) fit well inside
SUMMARY=""
LAST_LINE="" # probe_behaviour's result line, for checks of its own after it

now_ms() {
	date +%s%3N
}

# field NAME LINE — the value of NAME=... in a driver result line (why= runs to the end of the line).
field() {
	if [ "$1" = why ]; then
		sed -n 's/.* why=//p' <<<"$2"
	else
		tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p" | head -n 1
	fi
}

# probe_behaviour BEHAVIOUR VERDICT FORM WHY_NEEDLE TRANSCRIPT_NEEDLE [FAKESMTP OPTIONS...]
#   FORM: the form an open verdict must name, or -1; "13|14|15": any one of those. Empty needles are not checked.
probe_behaviour() {
	local behaviour=$1 verdict=$2 form=$3 why_needle=$4 transcript_needle=$5
	shift 5
	local log="$IT_TMP/$behaviour.log" transcripts="$IT_TMP/$behaviour.transcript" out line t0 took
	start_fake "$log" --listen "127.0.0.1:PORT" --behaviour "$behaviour" "$@" || return
	t0=$(now_ms)
	out=$("$PROBE_DRIVER" "${DRIVER_OPTS[@]}" --transcripts "$transcripts" "127.0.0.1:$FAKE_PORT" 2>&1)
	took=$(($(now_ms) - t0))
	stop_fake
	line=$(grep "^127.0.0.1:$FAKE_PORT " <<<"$out")
	LAST_LINE=$line
	expect_eq "$behaviour: verdict" "$verdict" "$(awk '{print $2}' <<<"$line")" "$out"
	if [[ $form == *"|"* ]]; then
		if [[ $(field form "$line") =~ ^($form)$ ]]; then
			it_pass "$behaviour: form named is one of $form"
		else
			it_fail "$behaviour: form named" "one of $form" "$(field form "$line")" "$out"
		fi
	else
		expect_eq "$behaviour: form named" "$form" "$(field form "$line")" "$out"
	fi
	if [ "$took" -le "$CAP_MS" ]; then
		it_pass "$behaviour: done in $took ms (cap $CAP_MS ms)"
	else
		it_fail "$behaviour: done within the cap" "<= $CAP_MS ms" "$took ms" "$out"
	fi
	expect_eq "$behaviour: data_sent is false" "no" "$(field data_sent "$line")" "$out"
	[ -n "$why_needle" ] && expect_contains "$behaviour: why says '$why_needle'" "$why_needle" "$(field why "$line")"
	[ -n "$transcript_needle" ] &&
		expect_contains "$behaviour: transcript shows '$transcript_needle'" "$transcript_needle" "$(cat "$transcripts")"
	expect_eq "$behaviour: the fake never received DATA (nor BDAT)" 0 "$(grep -ciE ' C: (DATA|BDAT)' "$log")" \
		"$(cat "$log")"
	expect_eq "$behaviour: the prober never spoke before the greeting" 0 "$(grep -c 'early talker' "$log")"
	SUMMARY+=$(printf '#   %-18s %-12s form=%-3s %5d ms  %s' "$behaviour" "$(awk '{print $2}' <<<"$line")" \
		"$(field form "$line")" "$took" "$(field why "$line")")$'\n'
}

# count_commands LOG VERB — how many commands starting with VERB the fake logged.
count_commands() {
	grep -c " C: $2" "$1"
}

# commands_after_closing LOG — the fake's log lines "ADDR:PORT #N C: ..." that came after "ADDR:PORT #N * closing"
# on the same connection: commands the prober sent after the server said it was closing (none is the rule).
commands_after_closing() {
	awk '$3 == "*" && $4 == "closing:" { closed[$1 " " $2] = 1 } $3 == "C:" && closed[$1 " " $2] { print }' "$1"
}

# expect_nothing_after_closing BEHAVIOUR — also says (as a note) how often the fake ended a session itself.
expect_nothing_after_closing() {
	local log="$IT_TMP/$1.log"
	expect_eq "$1: no command after the fake said it was closing" "" "$(commands_after_closing "$log")" \
		"$(cat "$log")"
	echo "# $1: $(grep -c ' \* connection' "$log") connection(s); the fake ended $(grep -c ' \* closing: [0-9]* Too many' \
		"$log") of them at its limit"
}

# rcpt_set LOG — the distinct RCPT TO arguments the fake received, control recipients left out.
rcpt_set() {
	sed -n 's/^[^ ]* #[0-9]* C: RCPT TO://Ip' "$1" | grep -v 'rbl-probe-nonexistent-' | sort -u
}

# --- the fake itself: loopback only ------------------------------------------------------------------------------

for where in 0.0.0.0 192.0.2.1; do
	out=$("$FAKESMTP" --listen "$where:2525" --behaviour open --max-seconds 1 2>&1)
	status=$?
	expect_eq "fakesmtp refuses to listen on $where" "exit status 1, refused" \
		"exit status $status, $(grep -o 'refused' <<<"$out")" "$out"
done

# --- one fake per behaviour -------------------------------------------------------------------------------------

probe_behaviour open open 0 "form 0 (null sender) relayed" "C: MAIL FROM:<>"
expect_eq "open: the prober stops at the first relayed form and QUITs" "1 1 1" \
	"$(count_commands "$IT_TMP/open.log" MAIL) $(count_commands "$IT_TMP/open.log" RCPT) $(count_commands \
		"$IT_TMP/open.log" QUIT)"

probe_behaviour closed closed -1 "all 16 forms refused" "Relay access denied"
# Six forms a connection at most (a MAIL reused while the sender stays the same, RSET when it changes): 16 RCPT over
# three connections, each ended with a QUIT.
expect_eq "closed: 16 RCPT over 3 connections, each with its QUIT" "16 3 3" \
	"$(count_commands "$IT_TMP/closed.log" RCPT) $(grep -c ' \* connection$' "$IT_TMP/closed.log") \
$(count_commands "$IT_TMP/closed.log" QUIT)"
expect_contains "closed: the transcript has the IP-literal forms" "C: RCPT TO:<relay-check%relay-test.example@[127.0.0.1]>" \
	"$(cat "$IT_TMP/closed.transcript")"
expect_contains "closed: the transcript has the server-name forms" "C: RCPT TO:<@fake.smtp.test:relay-check@relay-test.example>" \
	"$(cat "$IT_TMP/closed.transcript")"

probe_behaviour silent inconclusive -1 "no complete reply within 1000 ms during greeting" "no complete reply"
expect_eq "silent: nothing was sent to a server that never greeted" 0 "$(grep -c ' C: ' "$IT_TMP/silent.log")"

probe_behaviour late-greeting closed -1 "all 16 forms refused" "S: 220 fake.smtp.test ESMTP, at last" --delay-ms 600

probe_behaviour greet421 inconclusive -1 "greeting answered '421" "S: 421 4.3.2"

probe_behaviour multiline-split open 0 "relayed" "S: 220-greetings written" --split-ms 2

probe_behaviour endless-multiline inconclusive -1 "a reply over 16384 bytes during greeting" "reply over 16384 bytes"

probe_behaviour megabyte-line inconclusive -1 "a reply over 16384 bytes during EHLO" "(the line above is unfinished"

probe_behaviour garbage inconclusive -1 "not SMTP" 'S: \x16'

probe_behaviour greylist inconclusive -1 "deferred" "Greylisted, try again later"

probe_behaviour some-forms open 4 "form 4 (percent hack via IP literal) relayed" \
	"C: RCPT TO:<relay-check%relay-test.example@[127.0.0.1]>"

# The tarpit hangs up after 10 errors in one session; the prober never makes that many in one connection.
probe_behaviour tarpit closed -1 "all 16 forms refused on 3 connections" "battery goes on in connection 2" \
	--tarpit-ms 50
expect_eq "tarpit: every form was tried" 16 "$(count_commands "$IT_TMP/tarpit.log" RCPT)"
expect_not_contains "tarpit: its 'too many errors' hang-up was never provoked" "too many errors" \
	"$(cat "$IT_TMP/tarpit.transcript")"

probe_behaviour starttls-required inconclusive -1 "we do not speak TLS" "S: 530 5.7.0 Must issue a STARTTLS"
expect_eq "starttls-required: no form after the STARTTLS demand" "1 0" \
	"$(count_commands "$IT_TMP/starttls-required.log" MAIL) $(count_commands "$IT_TMP/starttls-required.log" RCPT)"

probe_behaviour helo-only closed -1 "all 16 forms refused" "C: HELO probe.rbl.example"

probe_behaviour denied-4xx closed -1 "Relaying temporarily denied" "S: 450 4.7.1"

# --- Exim models ------------------------------------------------------------------------------------------------

# A refused MAIL FROM is not a refused form: the recipient is tried again with the plain sender, and after the
# first refused literal sender no other is sent.
probe_behaviour literal-refused closed -1 "" "domain literals not allowed"
expect_eq "literal-refused: one literal sender, then none" 1 \
	"$(grep -c ' C: MAIL FROM:<[^>]*@\[' "$IT_TMP/literal-refused.log")" "$(cat "$IT_TMP/literal-refused.log")"
expect_eq "literal-refused: every form's recipient was still tried (as against closed)" \
	"$(rcpt_set "$IT_TMP/closed.log")" "$(rcpt_set "$IT_TMP/literal-refused.log")"
expect_nothing_after_closing literal-refused

# Exim's smtp_max_synprot_errors (3: the 4th 500..504 reply ends the session) with literal and malformed
# addresses refused 501, and its smtp_accept_max_nonmail (10: the 11th counted RSET/HELO/EHLO/NOOP ends it): the
# battery spread over connections, nothing sent after "closing".
probe_behaviour synprot-limit closed -1 "" "domain literals not allowed"
expect_nothing_after_closing synprot-limit
expect_eq "synprot-limit: every form's recipient was tried (as against closed)" "$(rcpt_set "$IT_TMP/closed.log")" \
	"$(rcpt_set "$IT_TMP/synprot-limit.log")"
probe_behaviour nonmail-limit closed -1 "" "Relay access denied"
expect_nothing_after_closing nonmail-limit
expect_eq "nonmail-limit: every form's recipient was tried (as against closed)" "$(rcpt_set "$IT_TMP/closed.log")" \
	"$(rcpt_set "$IT_TMP/nonmail-limit.log")"

# A catch-all own domain accepts x%ext@server, ext!x@server and the control alike: closed, and the prober says so.
probe_behaviour catch-all closed -1 "" ""
if grep -qi 'catch-all' <<<"$(field why "$LAST_LINE")"$'\n'"$(cat "$IT_TMP/catch-all.transcript")"; then
	it_pass "catch-all: the why or the transcript mentions the catch-all"
else
	it_fail "catch-all: the why or the transcript mentions the catch-all" "'catch-all' (any case)" "(not found)" \
		"$(cat "$IT_TMP/catch-all.transcript")"
fi
expect_contains "catch-all: a control recipient was tried" "rbl-probe-nonexistent-" "$(cat "$IT_TMP/catch-all.log")"
expect_nothing_after_closing catch-all

# Bang paths relayed while the control at the same domain is refused: open, naming a bang-path form.
probe_behaviour bang-relay open "13|14|15" "bang path" "550 unknown user"
expect_contains "bang-relay: a control recipient was tried" "rbl-probe-nonexistent-" "$(cat "$IT_TMP/bang-relay.log")"
expect_nothing_after_closing bang-relay

if [ "$IT_HAVE_V6" = 1 ]; then
	start_fake "$IT_TMP/v6.log" --listen "[::1]:PORT" --behaviour closed
	out=$("$PROBE_DRIVER" "${DRIVER_OPTS[@]}" --transcripts "$IT_TMP/v6.transcript" "[::1]:$FAKE_PORT" 2>&1)
	stop_fake
	expect_contains "::1: closed" "[::1]:$FAKE_PORT closed" "$out"
	expect_contains "::1: the IPv6 address literal" "<rbl-probe@[IPv6:::1]>" "$(cat "$IT_TMP/v6.transcript")"
fi

# --- the memory bound ----------------------------------------------------------------------------------------

# Max RSS of the driver against a megabyte line and an endless reply, next to that against a plain closed server:
# the difference stays far below the megabyte the server tried to send (ASan's own overhead is in both).
if [ -x /usr/bin/time ]; then
	rss_of() {
		start_fake "$IT_TMP/rss.$1.log" --listen "127.0.0.1:PORT" --behaviour "$1" || return
		/usr/bin/time -f '%M' -o "$IT_TMP/rss.$1" "$PROBE_DRIVER" "${DRIVER_OPTS[@]}" "127.0.0.1:$FAKE_PORT" \
			>/dev/null 2>&1
		stop_fake
		tail -n 1 "$IT_TMP/rss.$1"
	}
	base=$(rss_of closed)
	for behaviour in megabyte-line endless-multiline; do
		rss=$(rss_of $behaviour)
		if [ -n "$base" ] && [ -n "$rss" ] && [ $((rss - base)) -lt 768 ]; then
			it_pass "$behaviour: the driver's peak memory is within 768 KiB of a plain probe's ($rss vs $base KiB)"
		else
			it_fail "$behaviour: bounded memory" "peak RSS within 768 KiB of $base KiB" "${rss:-?} KiB"
		fi
	done
fi

# --- 1,000 hosts of mixed behaviour ------------------------------------------------------------------------------

declare -A EXPECTED=(
	[open]=open [closed]=closed [silent]=inconclusive [late-greeting]=closed [greet421]=inconclusive
	[multiline-split]=open [endless-multiline]=inconclusive [megabyte-line]=inconclusive [garbage]=inconclusive
	[greylist]=inconclusive [some-forms]=open [tarpit]=closed [starttls-required]=inconclusive
	[helo-only]=closed [denied-4xx]=closed [literal-refused]=closed [synprot-limit]=closed [nonmail-limit]=closed
	[catch-all]=closed [bang-relay]=open
)
MANY=1000
MANY_CAP_MS=60000
map="$IT_TMP/many.map"
if start_fake "$IT_TMP/many.log" --many "127.1.0.1:PORT:$MANY" --behaviour mix --map "$map" --delay-ms 500 \
	--tarpit-ms 20; then
	awk '{print $1}' "$map" >"$IT_TMP/many.targets"
	t0=$(now_ms)
	"$PROBE_DRIVER" --concurrency 200 --gap-ms 1000 --connect-timeout-ms 2000 --reply-timeout-ms 2000 \
		--session-timeout-ms 15000 --targets "$IT_TMP/many.targets" >"$IT_TMP/many.out" 2>&1
	took=$(($(now_ms) - t0))
	stop_fake
	expect_eq "1,000 hosts: one result each" "$MANY" "$(grep -c '^127\.1\.' "$IT_TMP/many.out")" \
		"$(tail -n 5 "$IT_TMP/many.out")"
	checked=$(awk -v wants="$(for b in "${!EXPECTED[@]}"; do printf '%s=%s ' "$b" "${EXPECTED[$b]}"; done)" '
		BEGIN { n = split(wants, pairs, " "); for (i = 1; i <= n; i++) { split(pairs[i], kv, "="); want[kv[1]] = kv[2] } }
		FNR == NR { behaviour[$1] = $2; next }
		/^127\./ { checked++; if (want[behaviour[$1]] != $2) print $1, behaviour[$1], "got", $2, "expected", want[behaviour[$1]] }
		END { print "checked", checked + 0 }
	' "$map" "$IT_TMP/many.out" 2>&1)
	wrong=$(grep -v '^checked ' <<<"$checked")
	expect_eq "1,000 hosts: every result was checked against its behaviour" "checked $MANY" \
		"$(grep '^checked ' <<<"$checked")" "$checked"
	expect_eq "1,000 hosts: every verdict as its behaviour calls for" "" "$wrong"
	if [ "$took" -le "$MANY_CAP_MS" ]; then
		it_pass "1,000 hosts: done in $took ms (cap $MANY_CAP_MS ms)"
	else
		it_fail "1,000 hosts: done within the cap" "<= $MANY_CAP_MS ms" "$took ms"
	fi
	expect_eq "1,000 hosts: the fakes never received DATA" 0 "$(grep -ciE ' C: (DATA|BDAT)' "$IT_TMP/many.log")"
	expect_eq "1,000 hosts: data_sent never set" 0 "$(grep -c 'data_sent=YES' "$IT_TMP/many.out")"
	echo "# 1,000 hosts: $(grep '^# ' "$IT_TMP/many.out") (wall clock with start-up: $took ms)"
fi

echo "# behaviour          verdict      form   time   why"
printf '%s' "$SUMMARY"
finish
