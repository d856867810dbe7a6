#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_probe_rdns.sh — reverse DNS stored with every probe, and overlapped with the probes: 1,000 fake SMTP hosts
# (tests/tools/fakesmtp, behaviour "closed": they refuse every form at once) on 127.1.0.1 and up, probed by
# rbltool probe once with --no-rdns and once with reverse DNS through tests/tools/slowdns, a DNS server that
# answers PTR 127.X.Y.Z -> h-X-Y-Z.fake.test and A h-X-Y-Z.fake.test -> 127.X.Y.Z, each answer 50 ms late.
# 1,000 hosts x (PTR + A) x 50 ms is 100 s of lookups; run one after another they would add that much. They must
# overlap with each other and with the probes: the run with reverse DNS may take at most RDNS_EXTRA_MS more than
# the one without. Then what was stored: rbltool show names each host's PTR name as forward-confirmed, and probe's
# --json has an "rdns" object with "fcrdns": true for every host. With --no-rdns slowdns hears nothing at all, and
# DNSBL_RESOLVER is the default resolver when --resolver is not given.
# slowdns itself is checked first: with dig, its answers and its delay; and 200 queries in flight
# at once (dnsdiff, one process) done in far less than 200 x 50 ms. All traffic stays on 127.0.0.0/8; slowdns and
# the fakes run with --max-seconds and are stopped on exit; each probe run is bounded by timeout(1).
set -u
. "$(dirname "$0")/lib.sh"
: "${FAKESMTP:?FAKESMTP must name the fakesmtp binary (ctest sets it)}"
: "${SLOWDNS:?SLOWDNS must name the slowdns binary (ctest sets it)}"
: "${DNSDIFF:?DNSDIFF must name the dnsdiff binary (ctest sets it)}"
. "$(dirname "$0")/fakesmtp_lib.sh"

MANY=1000
DELAY_MS=50
RDNS_EXTRA_MS=20000     # what reverse DNS may add to the run, against 100 s of lookups one after another
RDNS_MIN_IN_FLIGHT=50   # lookups slowdns must see in flight at once (the probes run 200 at a time)
PARALLEL_DIGS=100
PARALLEL_CAP_MS=1000    # 200 queries in flight at once: a tenth of 200 x 50 ms, many times what they take (~60 ms)
PROBE_OPTS=(--concurrency 200 --gap 0s --timeout 10)
# shellcheck disable=SC2034 # start_ready and stop_pid set and read it by name
SLOWDNS_PID=""
SLOWDNS_PORT=""
SLOWDNS_LOG=""
SAMPLES=(127.1.0.1 127.1.0.255 127.1.1.0 127.1.2.77 127.1.3.232) # the first, the last and some between

# shellcheck disable=SC2317 # called by the EXIT trap
rdns_cleanup() {
	stop_slowdns
	fake_cleanup # the fakes, then lib.sh's it_cleanup
}
trap rdns_cleanup EXIT

now_ms() {
	date +%s%3N
}

stop_slowdns() {
	stop_pid SLOWDNS_PID
}

# start_slowdns ARGS...: slowdns on 127.0.0.1 and a free port (UDP and TCP), waited for (~5 s) until its --ready file
# exists (lib.sh's start_ready). Sets SLOWDNS_PORT, SLOWDNS_PID, SLOWDNS_LOG (a line per answer). A few ports are
# tried.
start_slowdns() {
	SLOWDNS_LOG="$IT_TMP/slowdns.log"
	start_ready slowdns SLOWDNS_PID SLOWDNS_PORT "$SLOWDNS" --listen "127.0.0.1:PORT" --log "$SLOWDNS_LOG" \
		--max-seconds 240 "$@"
}

sd() {
	dig @127.0.0.1 -p "$SLOWDNS_PORT" +time=3 +tries=1 "$@" 2>&1
}

# The answers slowdns has sent so far (its log's lines), and the most it held at once in a part of its log.
slowdns_answers() {
	wc -l <"$SLOWDNS_LOG" 2>/dev/null || echo 0
}

slowdns_most_waiting() {
	awk '$NF > m { m = $NF } END { print m + 0 }' <<<"$1"
}

# The query time dig reports, in ms.
query_ms() {
	sed -n 's/^;; Query time: \([0-9]*\) msec.*/\1/p' <<<"$1"
}

# --- slowdns on its own -------------------------------------------------------------------------------------------

out=$("$SLOWDNS" --listen 192.0.2.1:5353 --max-seconds 1 2>&1)
expect_eq "slowdns refuses to listen on a non-loopback address" "exit status 1, refused" \
	"exit status $?, $(grep -o refused <<<"$out")" "$out"
start_slowdns --delay-ms "$DELAY_MS" || finish

t0=$(now_ms)
out=$(sd -x 127.1.2.3)
took=$(($(now_ms) - t0))
expect_answer_contains "slowdns: PTR of 127.1.2.3 is h-1-2-3.fake.test" "IN PTR h-1-2-3.fake.test." "$out"
expect_flag "slowdns: authoritative (aa)" aa "$out"
# Timed around dig (dig's own "Query time" counts whole ms of its loop's clock, and may show 48 for 50).
if [ "$took" -ge "$DELAY_MS" ]; then
	it_pass "slowdns: the answer took its delay ($took ms >= $DELAY_MS ms; dig says $(query_ms "$out") ms)"
else
	it_fail "slowdns: the answer takes its delay" ">= $DELAY_MS ms" "$took ms" "$out"
fi
out=$(sd h-1-2-3.fake.test A)
expect_answer_contains "slowdns: A of h-1-2-3.fake.test is 127.1.2.3" "IN A 127.1.2.3" "$out"
out=$(sd H-1-2-3.Fake.TEST A)
expect_answer_contains "slowdns: names in any case" "IN A 127.1.2.3" "$out"
out=$(sd h-1-2-3.fake.test AAAA)
expect_nodata "slowdns: AAAA of h-1-2-3.fake.test is NODATA" "$out"
out=$(sd h-1-2-256.fake.test A)
expect_nxdomain "slowdns: h-1-2-256.fake.test does not exist" "$out"
out=$(sd -x 192.0.2.1)
expect_rcode "slowdns: PTR outside 127/8 is NXDOMAIN" NXDOMAIN "$out"
out=$(sd +tcp -x 127.9.8.7)
expect_answer_contains "slowdns: over TCP too" "IN PTR h-9-8-7.fake.test." "$out"
# The overlap, timed in one process (100 dig processes at once lost 2 answers of 100 in one CI run on a busy 2-core
# machine, so they are not the test): dnsdiff keeps a window of queries in flight and asks "both" servers, here
# slowdns twice: 2 x 100 queries of 50 ms each, 10 s one after another.
for i in $(seq "$PARALLEL_DIGS"); do echo "h-3-0-$i.fake.test A"; done >"$IT_TMP/parallel.queries"
before=$(slowdns_answers)
t0=$(now_ms)
out=$("$DNSDIFF" --window "$PARALLEL_DIGS" --timeout 3000 "$SLOWDNS_PORT" "$SLOWDNS_PORT" \
	"$IT_TMP/parallel.queries" 2>&1)
took=$(($(now_ms) - t0))
expect_contains "slowdns: $((2 * PARALLEL_DIGS)) queries in flight at once, all answered (dnsdiff)" \
	"$PARALLEL_DIGS passed, 0 failed" "$out"
echo "# slowdns: $((2 * PARALLEL_DIGS)) queries in flight at once, $DELAY_MS ms each: $took ms" \
	"(one after another: $((2 * PARALLEL_DIGS * DELAY_MS)) ms)"
if [ "$took" -lt "$PARALLEL_CAP_MS" ]; then
	it_pass "slowdns: its delays overlap: $took ms < $PARALLEL_CAP_MS ms"
else
	it_fail "slowdns: its delays overlap" "< $PARALLEL_CAP_MS ms" "$took ms"
fi
most=$(slowdns_most_waiting "$(tail -n +"$((before + 1))" "$SLOWDNS_LOG")")
if [ "$most" -ge "$PARALLEL_DIGS" ]; then
	it_pass "slowdns: it held $most answers waiting at once (its delays do not queue one behind another)"
else
	it_fail "slowdns: it holds the answers waiting at once" "at least $PARALLEL_DIGS" "$most"
fi

# --- rbltool probe has what this test needs -------------------------------------------------------------------------

# The unknown option, last, is the one named only when the ones before it are known.
out=$("$RBLTOOL" --db "$IT_DB" probe --no-rdns --resolver "127.0.0.1:$SLOWDNS_PORT" --json --zz-no-such-option 2>&1)
if grep -qF -- "'--zz-no-such-option'" <<<"$out"; then
	it_pass "rbltool probe knows --no-rdns, --resolver and --json"
else
	it_fail "rbltool probe knows --no-rdns, --resolver and --json" "an unknown option after them named as the bad one" \
		"it is not (not written yet?)" "$out"
	finish
fi

# --- 1,000 fake hosts ---------------------------------------------------------------------------------------------

map="$IT_TMP/many.map"
start_fake "$IT_TMP/many.log" --many "127.1.0.1:PORT:$MANY" --behaviour closed --map "$map" || finish
mapfile -t TARGETS < <(awk '{print $1}' "$map")
expect_eq "$MANY fake hosts listen" "$MANY" "${#TARGETS[@]}"
expect_eq "the last one is 127.1.3.232" "127.1.3.232:$FAKE_PORT" "${TARGETS[$((MANY - 1))]}"
export DNSBL_RESOLVER="127.0.0.1:$SLOWDNS_PORT" # whatever runs, never this machine's resolver
"$RBLTOOL" --db "$IT_TMP/db-nordns" init >/dev/null 2>&1
rbl init >/dev/null 2>&1

# run_probe LABEL DB LIMIT_S ARGS...: rbltool probe, timed and bounded; sets RUN_OUT, RUN_RC, RUN_MS.
run_probe() {
	local label=$1 db=$2 limit=$3 t0
	shift 3
	t0=$(now_ms)
	RUN_OUT=$(timeout -k 5 "$limit" "$RBLTOOL" --db "$db" probe "${PROBE_OPTS[@]}" "$@" 2>"$IT_TMP/probe.err")
	RUN_RC=$?
	RUN_MS=$(($(now_ms) - t0))
	echo "# $label: exit status $RUN_RC, $RUN_MS ms"
	if [ "$RUN_RC" = 124 ] || [ "$RUN_RC" = 137 ]; then
		it_fail "$label: finishes" "within $limit s" "killed by timeout(1) after $RUN_MS ms" "$(cat "$IT_TMP/probe.err")"
	fi
	expect_exit "$label: exit status 0" 0 "$RUN_RC" "$(cat "$IT_TMP/probe.err")"
}

# json_verdicts: "N closed" from --json (an array of results).
json_closed() {
	jq '[.[] | select(.verdict == "closed")] | length' <<<"$RUN_OUT" 2>/dev/null || echo "not JSON"
}

# --- without reverse DNS --------------------------------------------------------------------------------------------

before=$(slowdns_answers)
run_probe "--no-rdns" "$IT_TMP/db-nordns" 120 --no-rdns --resolver "127.0.0.1:$SLOWDNS_PORT" --json "${TARGETS[@]}"
NORDNS_MS=$RUN_MS
expect_eq "--no-rdns: every host closed" "$MANY" "$(json_closed)" "$(head -c 3000 <<<"$RUN_OUT")"
expect_eq "--no-rdns: slowdns was asked nothing" "$before" "$(slowdns_answers)"
expect_eq "--no-rdns: no result has an rdns object" 0 \
	"$(jq '[.[] | select((.rdns | type) == "object")] | length' <<<"$RUN_OUT" 2>/dev/null)"
out=$("$RBLTOOL" --db "$IT_TMP/db-nordns" show "${SAMPLES[0]}" 2>&1)
expect_not_contains "--no-rdns: show ${SAMPLES[0]} names no PTR name" "h-1-0-1.fake.test" "$out"

# --- with reverse DNS, 50 ms an answer -------------------------------------------------------------------------------

before=$(slowdns_answers)
limit=$((NORDNS_MS / 1000 + RDNS_EXTRA_MS / 1000 + 30))
run_probe "reverse DNS" "$IT_DB" "$limit" --resolver "127.0.0.1:$SLOWDNS_PORT" --json "${TARGETS[@]}"
RDNS_MS=$RUN_MS
expect_eq "reverse DNS: every host closed" "$MANY" "$(json_closed)" "$(head -c 3000 <<<"$RUN_OUT")"
part=$(tail -n +"$((before + 1))" "$SLOWDNS_LOG")
ptrs=$(grep -c ' PTR NOERROR ' <<<"$part")
as=$(grep -c ' A NOERROR ' <<<"$part")
most=$(slowdns_most_waiting "$part")
echo "# without reverse DNS: $NORDNS_MS ms; with it: $RDNS_MS ms; difference $((RDNS_MS - NORDNS_MS)) ms"
echo "# slowdns answered $ptrs PTR and $as A queries, $DELAY_MS ms each: $(((ptrs + as) * DELAY_MS)) ms one after" \
	"another; it held at most $most waiting at once"
if [ "$ptrs" -ge "$MANY" ] && [ "$as" -ge "$MANY" ]; then
	it_pass "reverse DNS: slowdns answered a PTR and an A query for every host ($ptrs, $as)"
else
	it_fail "reverse DNS: slowdns answers a PTR and an A query for every host" ">= $MANY each" "$ptrs PTR, $as A" \
		"$(tail -n 5 <<<"$part")"
fi
if [ $((RDNS_MS - NORDNS_MS)) -lt "$RDNS_EXTRA_MS" ]; then
	it_pass "reverse DNS overlaps: it added $((RDNS_MS - NORDNS_MS)) ms < $RDNS_EXTRA_MS ms" \
		"(the lookups' sum: $((MANY * 2 * DELAY_MS)) ms)"
else
	it_fail "reverse DNS overlaps with the probes and with itself" "less than $RDNS_EXTRA_MS ms added" \
		"$((RDNS_MS - NORDNS_MS)) ms added ($NORDNS_MS -> $RDNS_MS ms)"
fi
# 200 hosts are probed at a time, each with its lookups: far more than a handful are in flight at once, unless the
# resolver holds them back (libunbound as a library allows 16 outstanding queries unless told otherwise:
# outgoing-range and num-queries-per-thread).
if [ "$most" -ge "$RDNS_MIN_IN_FLIGHT" ]; then
	it_pass "reverse DNS: slowdns held $most answers waiting at once (lookups in parallel)"
else
	it_fail "reverse DNS: the lookups are in flight together, not a handful at a time" \
		"slowdns holding at least $RDNS_MIN_IN_FLIGHT answers at once" "at most $most"
fi
expect_eq "reverse DNS: every result has an rdns object with \"fcrdns\": true" "$MANY" \
	"$(jq '[.[] | select(.rdns.fcrdns == true)] | length' <<<"$RUN_OUT" 2>/dev/null)"
expect_eq "reverse DNS: every rdns object names h-X-Y-Z.fake.test for 127.X.Y.Z" "" \
	"$(jq -r '.[] | select(.rdns | type == "object")
		| (.address | split(".")) as $o
		| select(([.rdns.names[]?.name] | index("h-\($o[1])-\($o[2])-\($o[3]).fake.test")) == null)
		| .address' <<<"$RUN_OUT" 2>&1 | head -n 5)"
rdns_sample=$(jq -c '.[0].rdns' <<<"$RUN_OUT" 2>/dev/null)
echo "# the first result's rdns: $rdns_sample"

for addr in "${SAMPLES[@]}"; do
	IFS=. read -r _ x y z <<<"$addr"
	name="h-$x-$y-$z.fake.test"
	out=$(rbl show "$addr" 2>&1)
	line=$(grep -F "$name" <<<"$out" | head -n 1)
	if grep -qF "forward-confirmed" <<<"$line"; then
		it_pass "show $addr: $name, forward-confirmed (${line#"${line%%[![:space:]]*}"})"
	else
		it_fail "show $addr: the PTR name $name, marked forward-confirmed" \
			"a line with '$name' and 'forward-confirmed'" "${line:-no line names $name}" "$(head -n 6 <<<"$out")"
	fi
done

# --- DNSBL_RESOLVER, when --resolver is not given ---------------------------------------------------------------------

before=$(slowdns_answers)
run_probe "DNSBL_RESOLVER (no --resolver)" "$IT_DB" 60 --json "${TARGETS[@]:0:10}"
expect_eq "DNSBL_RESOLVER: 10 results with \"fcrdns\": true" 10 \
	"$(jq '[.[] | select(.rdns.fcrdns == true)] | length' <<<"$RUN_OUT" 2>/dev/null)" "$RUN_OUT"
if [ "$(slowdns_answers)" -gt "$before" ]; then
	it_pass "DNSBL_RESOLVER: the lookups went to slowdns, the resolver it names"
else
	it_fail "DNSBL_RESOLVER: the lookups go to the resolver it names" "slowdns answering" "it heard nothing"
fi

expect_eq "the fakes never received DATA (nor BDAT)" 0 "$(grep -ciE ' C: (DATA|BDAT)' "$IT_TMP/many.log")"
stop_fake
stop_slowdns
echo "# $(cat "$IT_TMP/slowdns.$SLOWDNS_PORT.out")"
finish
