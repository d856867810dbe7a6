#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_secondary_harness.sh — secondary_lib.sh, checked against a primary that already does zone transfers: Knot
# serves a small test zone from a master file, with transfers only for a TSIG key (hmac-sha256) and NOTIFY to two
# secondaries, a Knot and an NSD of the harness. Both must take the zone by AXFR and serve its serial; then, for each
# of a few changes (the file edited, its serial bumped, knotc zone-reload), both must serve the new serial within
# 3 s (the time from the reload to each secondary's answer is printed), by IXFR and never AXFR as the harness counts
# them, and end with the primary's records. A Knot and an NSD secondary with a wrong secret must not get the zone
# (the primary answers NOTAUTH/BADSIG), nor dig without a key or with the wrong one. When dnsbld transfers zones, its
# tests run these same steps with dnsbld as the primary. Everything listens on 127.0.0.1 and runs under timeout(1).
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/secondary_lib.sh"

ZONE=xfr.rbl.test
KEY=xfr-key.rbl.test
SECRET=$(head -c 32 /dev/urandom | base64)
WRONG_SECRET=$(head -c 32 /dev/urandom | base64)
ZONE_FILE="$IT_TMP/$ZONE.zone"
CHANGES=5
WAIT_MS=5000   # the longest wait for a serial, each time
TARGET_MS=3000 # the issue's target for the slowest propagation

# write_zone K: the zone as it is after K changes, serial K+1: change i adds i.2.0.192 (A and TXT); every change
# rewrites 2.0.0.127's TXT; from change 3 on, 9.9.9.10 (10.9.9.9) is gone (a deletion in the IXFR).
write_zone() {
	local k=$1 i
	{
		# shellcheck disable=SC2016 # $ORIGIN and $TTL are the master file's, not the shell's
		printf '$ORIGIN %s.\n$TTL 300\n' "$ZONE"
		printf '@ SOA ns1.example.org. hostmaster.example.org. %d 3600 600 86400 300\n' $((k + 1))
		printf '@ NS ns1.example.org.\n'
		printf '2.0.0.127 A 127.0.0.2\n2.0.0.127 TXT "test entry, version %d"\n' "$k"
		[ "$k" -ge 3 ] || printf '9.9.9.10 A 127.0.0.2\n'
		for ((i = 1; i <= k; i++)); do
			printf '%d.2.0.192 A 127.0.0.2\n%d.2.0.192 TXT "change %d"\n' "$i" "$i" "$i"
		done
	} >"$ZONE_FILE.tmp"
	mv "$ZONE_FILE.tmp" "$ZONE_FILE"
}

# The answers (rcode and answer records, TTLs left out) a server gives to A and TXT queries for the names the changes
# touched. (The authority section differs by design: NSD adds the NS records, Knot does not.)
answers_of() {
	local port=$1 name type
	for name in 2.0.0.127 9.9.9.10 1.2.0.192 $CHANGES.2.0.192 $((CHANGES + 1)).2.0.192; do
		for type in A TXT; do
			dig @127.0.0.1 -p "$port" +norec +time=2 +tries=1 +noall +comments +answer "$name.$ZONE" "$type" 2>&1 |
				awk -v q="$name $type" '/status:/ { sub(/,.*/, "", $6); print q, $6 }
					/^[^;]/ && NF >= 5 { $2 = ""; $0 = $0; $1 = $1; print }' | sort
		done
	done
}

# median_max MS...: "median M, max X" of integers.
median_max() {
	printf '%s\n' "$@" | sort -n |
		awk '{ v[NR] = $1 } END { printf "median %d ms, max %d ms", v[int((NR + 1) / 2)], v[NR] }'
}

secondary_require || finish

# The secondaries' ports are chosen first: the primary's notify list names them.
KNOT_PORT=$(random_port)
NSD_PORT=$(random_port)
while [ "$NSD_PORT" = "$KNOT_PORT" ]; do NSD_PORT=$(random_port); done

write_zone 0
start_knot_primary primary "$KEY" "$SECRET" "$KNOT_PORT $NSD_PORT" "$ZONE=$ZONE_FILE" || finish
PRIMARY_PORT=$(secondary_port primary)
expect_eq "the primary serves serial 1" 1 "$(secondary_serial primary "$ZONE")"

# --- the primary refuses transfers without the key -------------------------------------------------------------

out=$(dig @127.0.0.1 -p "$PRIMARY_PORT" +time=2 +tries=1 "$ZONE" AXFR 2>&1)
expect_contains "AXFR without TSIG: refused by the primary" "Transfer failed" "$out"
out=$(dig @127.0.0.1 -p "$PRIMARY_PORT" +time=2 +tries=1 -y "hmac-sha256:$KEY:$WRONG_SECRET" "$ZONE" AXFR 2>&1)
expect_contains "AXFR with a wrong secret: refused by the primary with BADSIG" "BADSIG" "$out"
out=$(dig @127.0.0.1 -p "$PRIMARY_PORT" +time=2 +tries=1 +noall +answer -y "hmac-sha256:$KEY:$SECRET" "$ZONE" AXFR 2>&1)
expect_eq "AXFR with the key: the zone, between two SOAs" 2 "$(awk '$4 == "SOA"' <<<"$out" | wc -l)" "$out"

# --- initial transfer -------------------------------------------------------------------------------------------

start=$(secondary_now_us)
start_knot_secondary --port "$KNOT_PORT" knot "$PRIMARY_PORT" "$KEY" "$SECRET" "$ZONE" || finish
start_nsd_secondary --port "$NSD_PORT" nsd "$PRIMARY_PORT" "$KEY" "$SECRET" "$ZONE" || finish
out=$(secondaries_wait_serial "$ZONE" 1 10000 "$start" knot nsd)
expect_exit "both secondaries serve serial 1 (the initial transfer)" 0 $? "$out"
echo "# initial transfer, ms from the first start: $(tr '\n' ' ' <<<"$out")"
for name in knot nsd; do
	expect_eq "$name: the initial transfer was an AXFR" "1 AXFR, 0 IXFR" \
		"$(secondary_xfr_count "$name" AXFR) AXFR, $(secondary_xfr_count "$name" IXFR) IXFR" \
		"$(tail -n 20 "$(secondary_log "$name")")"
done

# --- changes ----------------------------------------------------------------------------------------------------

# change K: the zone file at version K (serial K+1), knotc zone-reload; waits for both secondaries to serve the new
# serial and adds each one's milliseconds, counted from just before the reload, to TIMES[NAME].
declare -A TIMES=()
change() {
	local k=$1 serial=$(($1 + 1)) start out status name ms
	write_zone "$k"
	start=$(secondary_now_us)
	out=$(knot_primary_reload primary "$ZONE")
	expect_exit "change $k: knotc zone-reload" 0 $? "$out"
	out=$(secondaries_wait_serial "$ZONE" "$serial" "$WAIT_MS" "$start" knot nsd)
	status=$?
	expect_eq "change $k: the primary serves serial $serial" "$serial" "$(secondary_serial primary "$ZONE")"
	expect_exit "change $k: both secondaries serve serial $serial within $WAIT_MS ms" 0 "$status" "$out"
	while read -r name ms; do
		TIMES[$name]+=" $ms"
		if [ "$ms" = timeout ] || [ "$ms" -gt "$TARGET_MS" ]; then
			it_fail "change $k: $name within $TARGET_MS ms" "<= $TARGET_MS ms" "$ms" \
				"$(secondary_status "$name" "$ZONE"; tail -n 20 "$(secondary_log "$name")")"
		fi
	done <<<"$out"
}

# expect_xfrs NAME AXFRS IXFRS CHECK: the harness counts that many transfers of each kind.
expect_xfrs() {
	expect_eq "$1: $4" "$2 AXFR, $3 IXFR" \
		"$(secondary_xfr_count "$1" AXFR "$ZONE") AXFR, $(secondary_xfr_count "$1" IXFR "$ZONE") IXFR" \
		"$(tail -n 30 "$(secondary_log "$1")")"
}

for ((k = 1; k <= CHANGES; k++)); do
	change "$k"
done

for name in knot nsd; do
	# shellcheck disable=SC2086 # the times, one word each
	echo "# $name: ms from zone-reload to the new serial, per change:${TIMES[$name]}" \
		"($(median_max ${TIMES[$name]//timeout/$WAIT_MS}))"
	expect_xfrs "$name" 1 "$CHANGES" "the $CHANGES changes came by IXFR, none by AXFR"
	expect_eq "$name: the records of the changed names are the primary's" "$(answers_of "$PRIMARY_PORT")" \
		"$(answers_of "$(secondary_port "$name")")"
done
# The answers compared are real ones: the last change's entry, the deleted one gone.
expect_contains "the primary answers the last change's entry" "$CHANGES.2.0.192.$ZONE. IN TXT \"change $CHANGES\"" \
	"$(answers_of "$PRIMARY_PORT")"
expect_contains "the primary answers NXDOMAIN for the deleted entry" "9.9.9.10 A NXDOMAIN" \
	"$(answers_of "$PRIMARY_PORT")"

# --- the counters see an AXFR -------------------------------------------------------------------------------------

# With provide-ixfr off the primary answers each IXFR query with the whole zone (AXFR-style): the next change must be
# counted as an AXFR. NSD drops the IXFRs it kept when an AXFR comes, so its count turns every earlier transfer into
# an AXFR too (the count errs towards AXFR); once IXFR is back, the next change counts as an IXFR again.
conf=$(secondary_conf primary)
sed -i 's/^    zonefile-load: difference$/    provide-ixfr: off\n&/' "$conf"
out=$(sec_knotc primary reload 2>&1)
expect_exit "the primary reloads its configuration with provide-ixfr: off" 0 $? "$out"
change $((CHANGES + 1))
expect_xfrs knot 2 "$CHANGES" "an AXFR-style answer to its IXFR counts as an AXFR"
expect_xfrs nsd $((CHANGES + 2)) 0 "an AXFR-style answer to its IXFR counts as an AXFR (and the IXFRs before it)"
sed -i '/^    provide-ixfr: off$/d' "$conf"
out=$(sec_knotc primary reload 2>&1)
expect_exit "the primary reloads its configuration with provide-ixfr on" 0 $? "$out"
change $((CHANGES + 2))
expect_xfrs knot 2 $((CHANGES + 1)) "with IXFR back, the next change counts as an IXFR"
expect_xfrs nsd $((CHANGES + 2)) 1 "with IXFR back, the next change counts as an IXFR"

# --- a wrong secret -----------------------------------------------------------------------------------------------

start_knot_secondary bad-knot "$PRIMARY_PORT" "$KEY" "$WRONG_SECRET" "$ZONE" || finish
start_nsd_secondary bad-nsd "$PRIMARY_PORT" "$KEY" "$WRONG_SECRET" "$ZONE" || finish
line=$(secondary_wait_log bad-knot 'refresh, remote primary, .*failed \(failed to verify TSIG\)' 5000)
expect_exit "Knot with a wrong secret: its refresh fails on the primary's TSIG" 0 $? \
	"$(tail -n 20 "$(secondary_log bad-knot)")"
line=$(secondary_wait_log bad-nsd 'from 127\.0\.0\.1@[0-9]+: tsig error \(Bad Signature\)' 5000)
expect_exit "NSD with a wrong secret: its transfer fails on the primary's TSIG (BADSIG)" 0 $? \
	"$(tail -n 20 "$(secondary_log bad-nsd)")"
: "$line"
for name in bad-knot bad-nsd; do
	out=$(dig @127.0.0.1 -p "$(secondary_port "$name")" +norec +time=2 +tries=1 "$ZONE" SOA 2>&1)
	expect_rcode "$name: no zone to serve (SERVFAIL)" SERVFAIL "$out"
	expect_eq "$name: no transfer applied" "0 AXFR, 0 IXFR" \
		"$(secondary_xfr_count "$name" AXFR) AXFR, $(secondary_xfr_count "$name" IXFR) IXFR"
done

finish
