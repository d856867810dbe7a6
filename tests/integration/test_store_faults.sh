#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_store_faults.sh — the store under faults. A directory without a store stays without one unless a command
# writes; kill -9 of rbltool import at random moments leaves a store that opens, verifies and holds all of the import
# or none; two writers at once both succeed, nothing lost; a full map and a full disk (a 2 MiB tmpfs, as root) are
# said plainly, the previous content stays and dnsbld keeps answering; a short or empty data.mdb is refused by dnsbld
# and rbltool naming it, and zeroed or random pages are reported by rbltool verify (exit 1, "store damaged"), never a
# signal death nor a core file; a backup taken while dnsbld runs and an import commits verifies, and restores.
set -u
. "$(dirname "$0")/lib.sh"

KILLS=${KILLS:-12}       # kill -9 rounds (the issue asks for at least 10 in CI)
LINES=${LINES:-400000}   # lines of each of the two files the kill rounds import in turn
ZONE=faults.rbl.test
IT_ZONE=$ZONE
MNT=""

faults_cleanup() {
	stop_dnsbld
	if [ -n "$MNT" ]; then
		umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
	fi
	it_cleanup
}
trap faults_cleanup EXIT

# Writes N lines of /32s whose first octet starts at FIRST (one /8 per 65,536 lines).
gen_lines() {
	awk -v n="$1" -v first="$2" 'BEGIN { for (i = 0; i < n; i++)
		printf "%d.%d.%d.%d\n", first + int(i / 65536), int(i / 256) % 256, i % 256, 1 + (i * 7) % 250 }'
}

# How many listed entries of the zone have a first octet below 50 ("A") and at or above it ("B"): "A B".
count_sides() {
	rbl list "$1" | awk '{ split($1, o, "."); if (o[1] + 0 < 50) a++; else b++ } END { printf "%d %d\n", a, b }'
}

# dnsbld on DIR and a free port, in the foreground, bounded to 10 s: for stores it must refuse at once.
dnsbld_once() {
	timeout 10 "$DNSBLD" "${DNSBLD_ROOT_OPTS[@]+"${DNSBLD_ROOT_OPTS[@]}"}" --db "$1" --listen "127.0.0.1:$(random_port)"
}

now_ms() {
	date +%s%3N
}

# One page of noise, the same for the same seed on every machine.
noise_page() {
	local i hex bytes=""
	RANDOM=$1
	for ((i = 0; i < $2; i++)); do
		printf -v hex '\\x%02x' $((RANDOM % 256))
		bytes+=$hex
	done
	printf '%b' "$bytes"
}

# --- defect 4: only a command that writes makes a store -----------------------------------------------------------

EMPTY=$IT_TMP/empty
mkdir -p "$EMPTY"
for cmd in "zone list" "list $ZONE" "show 192.0.2.1" "query $ZONE 192.0.2.1" "export $ZONE" "optout list" "verify" \
	"backup $IT_TMP/never"; do
	# shellcheck disable=SC2086 # cmd holds a command and its arguments
	out=$("$RBLTOOL" --db "$EMPTY" $cmd 2>&1)
	status=$?
	expect_exit "rbltool $cmd in a directory without a store fails" 1 $status "$out"
	expect_contains "rbltool $cmd in a directory without a store says so" "rbltool: no store in $EMPTY" "$out"
	expect_eq "rbltool $cmd leaves the directory empty" "" "$(ls -A "$EMPTY")"
done
expect_eq "rbltool backup from no store makes no backup directory" "absent" \
	"$([ -e "$IT_TMP/never" ] && echo present || echo absent)"
out=$("$RBLTOOL" --db "$IT_TMP/not/there" zone list 2>&1)
expect_exit "rbltool zone list on a missing directory fails" 1 $? "$out"
expect_eq "rbltool zone list makes no missing directory" "absent" \
	"$([ -e "$IT_TMP/not" ] && echo present || echo absent)"

root_had_store=$([ -e /data.mdb ] && echo yes || echo no)
out=$(cd "$IT_TMP" && "$RBLTOOL" --db '' zone list 2>&1)
expect_exit "rbltool --db '' is bad input" 2 $? "$out"
expect_contains "rbltool --db '' says the directory is empty" "the store directory is empty" "$out"
out=$(cd "$IT_TMP" && "$RBLTOOL" --db '' zone create x.rbl.test 2>&1)
expect_exit "rbltool --db '' zone create is bad input too" 2 $? "$out"
out=$(cd "$IT_TMP" && DNSBL_DB='' "$RBLTOOL" zone create x.rbl.test 2>&1)
expect_exit "an empty DNSBL_DB is bad input" 2 $? "$out"
if [ "$root_had_store" = no ]; then
	expect_eq "no store appears in / (--db '')" "absent" "$([ -e /data.mdb ] && echo present || echo absent)"
fi

out=$(dnsbld_once "$EMPTY" 2>&1)
status=$?
expect_eq "dnsbld on a directory without a store exits at once, failed" "failed" \
	"$([ "$status" -ne 0 ] && [ "$status" -ne 124 ] && echo failed || echo "exit $status")" "$out"
expect_contains "dnsbld on a directory without a store says so" "no store in $EMPTY" "$out"
expect_eq "dnsbld leaves the directory without a store empty" "" "$(ls -A "$EMPTY")"
out=$(dnsbld_once '' 2>&1)
status=$?
expect_eq "dnsbld --db '' exits at once, failed" "failed" \
	"$([ "$status" -ne 0 ] && [ "$status" -ne 124 ] && echo failed || echo "exit $status")" "$out"

out=$("$RBLTOOL" --db "$EMPTY" zone create "$ZONE" 2>&1)
expect_exit "zone create in an empty directory succeeds" 0 $? "$out"
expect_contains "zone create says it created a new store" "rbltool: created a new store in $EMPTY" "$out"
out=$("$RBLTOOL" --db "$EMPTY" zone create "other.$ZONE" 2>&1)
expect_not_contains "a second zone create creates no store" "created a new store" "$out"

# --- kill -9 during imports: all or nothing -------------------------------------------------------------------------

gen_lines "$LINES" 20 >"$IT_TMP/a.txt"
gen_lines "$LINES" 60 >"$IT_TMP/b.txt"
rbl zone create "$ZONE" >/dev/null 2>&1
out=$(rbl import "$ZONE" "$IT_TMP/a.txt" 2>&1)
expect_exit "the first $LINES-line import succeeds" 0 $? "$out"
# The rounds' moments scale with the time of a --replace import (removing the /8s below 50 or above), measured twice
# each way: odd rounds kill before 90 % of the fastest, so that they land in flight even when the machine is quicker
# during the rounds than while measuring (ctest runs other tests beside this one); even rounds around the commit of
# the slowest.
import_ms=0 import_min=0
for file in b a b a; do
	t0=$(now_ms)
	out=$(rbl import "$ZONE" "$IT_TMP/$file.txt" --replace 2>&1)
	expect_exit "a $LINES-line --replace import ($file.txt) succeeds" 0 $? "$out"
	t0=$(($(now_ms) - t0))
	[ "$t0" -gt "$import_ms" ] && import_ms=$t0
	{ [ "$import_min" = 0 ] || [ "$t0" -lt "$import_min" ]; } && import_min=$t0
done
echo "# a $LINES-line --replace import takes ${import_min}..${import_ms} ms:" \
	"odd rounds kill in 0..$((import_min * 9 / 10)) ms," \
	"even ones around the commit, in $((import_ms * 85 / 100))..$((import_ms * 115 / 100)) ms"
side=A
killed_in_flight=0 committed=0 unchanged=0 broken=0
for round in $(seq "$KILLS"); do
	if [ "$side" = A ]; then
		next=B file=$IT_TMP/b.txt before="$LINES 0" after="0 $LINES"
	else
		next=A file=$IT_TMP/a.txt before="0 $LINES" after="$LINES 0"
	fi
	if [ $((round % 2)) = 1 ]; then
		delay_ms=$(((RANDOM * 32768 + RANDOM) % (import_min * 9 / 10 + 1)))
	else
		delay_ms=$((import_ms * 85 / 100 + (RANDOM * 32768 + RANDOM) % (import_ms * 30 / 100 + 1)))
	fi
	# rbltool itself in the background, not the rbl function: $! must be the process that holds the transaction.
	"$RBLTOOL" --db "$IT_DB" import "$ZONE" "$file" --replace >/dev/null 2>&1 &
	pid=$!
	sleep "$(awk -v ms="$delay_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
	if kill -9 "$pid" 2>/dev/null; then
		killed_in_flight=$((killed_in_flight + 1))
	fi
	wait "$pid" 2>/dev/null
	verify=$(rbl verify 2>&1)
	vstatus=$?
	sides=$(count_sides "$ZONE")
	if [ "$vstatus" -ne 0 ]; then
		broken=$((broken + 1))
		it_fail "round $round: the store verifies after kill -9 at ${delay_ms} ms" "exit status 0" \
			"exit status $vstatus" "$verify"
	elif [ "$sides" = "$before" ]; then
		unchanged=$((unchanged + 1))
	elif [ "$sides" = "$after" ]; then
		committed=$((committed + 1))
		side=$next
	else
		broken=$((broken + 1))
		it_fail "round $round: the zone holds all of one import after kill -9 at ${delay_ms} ms" \
			"$LINES 0 or 0 $LINES (entries below / above 50.0.0.0)" "$sides"
	fi
done
echo "# $KILLS kill -9 rounds of $LINES-line --replace imports: $killed_in_flight killed in flight," \
	"$unchanged left the zone as it was, $committed had committed, $broken broken"
expect_eq "after $KILLS kill -9 rounds every store verifies and holds one whole import" 0 "$broken"
expect_eq "at least a third of the kills land while the import runs" yes \
	"$([ $((killed_in_flight * 3)) -ge "$KILLS" ] && echo yes || echo "no ($killed_in_flight)")"
out=$(rbl add "$ZONE" 192.0.2.1 2>&1)
expect_exit "a writer after the kills gets the write lock" 0 $? "$out"

# --- two writers at once --------------------------------------------------------------------------------------------

W=writers.rbl.test
rbl zone create "$W" >/dev/null 2>&1
gen_lines 100000 30 >"$IT_TMP/c.txt"
gen_lines 100000 40 >"$IT_TMP/d.txt"
rbl import "$W" "$IT_TMP/c.txt" >"$IT_TMP/c.out" 2>&1 &
pid_c=$!
rbl import "$W" "$IT_TMP/d.txt" >"$IT_TMP/d.out" 2>&1 &
pid_d=$!
add_failures=0
for i in $(seq 1 20); do
	rbl add "$W" "50.0.0.$i" >/dev/null 2>&1 || add_failures=$((add_failures + 1))
done
wait "$pid_c"
status_c=$?
wait "$pid_d"
status_d=$?
expect_exit "the first of two parallel imports succeeds" 0 $status_c "$(cat "$IT_TMP/c.out")"
expect_exit "the second of two parallel imports succeeds" 0 $status_d "$(cat "$IT_TMP/d.out")"
expect_eq "20 adds running beside both imports all succeed" 0 "$add_failures"
counts=$(rbl list "$W" | awk '{ split($1, o, "."); n[o[1]]++ }
	END { printf "%d %d %d\n", n[30] + n[31], n[40] + n[41], n[50] }')
expect_eq "after two writers at once the zone holds every write (30/8, 40/8, the adds)" "100000 100000 20" "$counts"
out=$(rbl verify 2>&1)
expect_exit "the store verifies after two writers at once" 0 $? "$out"

# --- a backup while dnsbld runs and an import commits ---------------------------------------------------------------

start_dnsbld || finish
rbl import "$W" "$IT_TMP/a.txt" --replace >/dev/null 2>&1 &
pid=$!
out=$(rbl backup "$IT_TMP/backup" 2>&1)
expect_exit "backup while dnsbld runs and an import commits succeeds" 0 $? "$out"
wait "$pid"
expect_answer_contains "dnsbld answers during and after the backup" "IN A 127.0.0.2" \
	"$(q "$(v4_rev 192.0.2.1).$ZONE" A)"
out=$("$RBLTOOL" --db "$IT_TMP/backup" verify 2>&1)
expect_exit "the backup verifies" 0 $? "$out"
expect_contains "the backup holds the zones" "$ZONE" "$("$RBLTOOL" --db "$IT_TMP/backup" zone list 2>&1)"
out=$(rbl backup "$IT_TMP/backup" 2>&1)
expect_exit "a backup into a directory that is not empty is refused" 2 $? "$out"
stop_dnsbld
MAIN_DB=$IT_DB

# --- a full map -----------------------------------------------------------------------------------------------------

IT_DB=$IT_TMP/mapfull
DNSBL_MAP_GIB=0.01 rbl zone create "$ZONE" >/dev/null 2>&1
DNSBL_MAP_GIB=0.01 rbl add "$ZONE" 192.0.2.1 >/dev/null 2>&1
start_dnsbld || finish
out=$(DNSBL_MAP_GIB=0.01 rbl import "$ZONE" "$IT_TMP/a.txt" 2>&1)
expect_exit "an import larger than the map fails" 1 $? "$out"
expect_contains "a full map is named, with its size" "the store's map of 10 MiB is full" "$out"
expect_contains "a full map says what to do" "unset DNSBL_MAP_GIB or raise it" "$out"
expect_eq "after a full map the zone holds what it held" "192.0.2.1/32" "$(rbl list "$ZONE" | cut -f1)"
out=$(rbl verify 2>&1)
expect_exit "after a full map the store verifies" 0 $? "$out"
expect_answer_contains "after a full map dnsbld still answers" "IN A 127.0.0.2" "$(q "$(v4_rev 192.0.2.1).$ZONE" A)"
stop_dnsbld

# --- a full disk ----------------------------------------------------------------------------------------------------

if [ "$(id -u)" = 0 ] && mkdir -p "$IT_TMP/tmpfs" && mount -t tmpfs -o size=2m tmpfs "$IT_TMP/tmpfs" 2>/dev/null; then
	MNT=$IT_TMP/tmpfs
	IT_DB=$MNT/db
	rbl zone create "$ZONE" >/dev/null 2>&1
	rbl add "$ZONE" 192.0.2.1 >/dev/null 2>&1
	start_dnsbld || finish
	out=$(rbl import "$ZONE" "$IT_TMP/a.txt" 2>&1)
	expect_exit "an import onto a full disk fails" 1 $? "$out"
	expect_contains "a full disk is called what it is" "no space left on device" "$out"
	expect_not_contains "a full disk is not an I/O error" "Input/output error" "$out"
	expect_eq "after a full disk the zone holds what it held" "192.0.2.1/32" "$(rbl list "$ZONE" | cut -f1)"
	out=$(rbl verify 2>&1)
	expect_exit "after a full disk the store verifies" 0 $? "$out"
	expect_answer_contains "after a full disk dnsbld still answers" "IN A 127.0.0.2" \
		"$(q "$(v4_rev 192.0.2.1).$ZONE" A)"
	stop_dnsbld
	out=$("$RBLTOOL" --db "$MAIN_DB" backup "$MNT/backup" 2>&1)
	expect_exit "a backup onto a full disk fails" 1 $? "$out"
	expect_contains "a backup onto a full disk says so" "no space left on device" "$out"
	expect_eq "a failed backup leaves nothing behind" "absent" \
		"$([ -e "$MNT/backup" ] && echo present || echo absent)"
else
	echo "# SKIP the full disk: mounting a tmpfs needs root"
fi

# --- a damaged data.mdb ---------------------------------------------------------------------------------------------

IT_DB=$IT_TMP/damage
rbl zone create "$ZONE" >/dev/null 2>&1
head -n 200000 "$IT_TMP/a.txt" >"$IT_TMP/a200k.txt"
rbl import "$ZONE" "$IT_TMP/a200k.txt" >/dev/null 2>&1
PRISTINE=$IT_TMP/pristine
cp -r "$IT_DB" "$PRISTINE"
size=$(stat -c %s "$PRISTINE/data.mdb")
page=$(getconf PAGESIZE)

# dnsbld on the damaged store: a clear message, a quick exit, not a signal.
dnsbld_refuses() {
	local what=$1 needle=$2 out status
	out=$(dnsbld_once "$IT_DB" 2>&1)
	status=$?
	expect_eq "dnsbld refuses $what and exits" "failed" \
		"$([ "$status" -ne 0 ] && [ "$status" -lt 124 ] && echo failed || echo "exit $status")" "$out"
	expect_contains "dnsbld names $what" "$needle" "$out"
}

truncate -s $((size / 2)) "$IT_DB/data.mdb"
for cmd in "zone list" "list $ZONE" "query $ZONE 20.0.0.1" "add $ZONE 192.0.2.1"; do
	# shellcheck disable=SC2086 # cmd holds a command and its arguments
	out=$(rbl $cmd 2>&1)
	expect_exit "rbltool $cmd refuses a short data.mdb (no SIGBUS)" 1 $? "$out"
	expect_contains "rbltool $cmd names the short file" \
		"data.mdb is $((size / 2)) bytes, shorter than the $size its last page needs" "$out"
	expect_contains "rbltool $cmd points to the recovery steps" "see README: recovery" "$out"
done
out=$(rbl verify 2>&1)
expect_exit "verify reports a short data.mdb" 1 $? "$out"
expect_contains "verify calls a short data.mdb damage" "store damaged: " "$out"
dnsbld_refuses "a short data.mdb" "shorter than the $size its last page needs"

: >"$IT_DB/data.mdb"
out=$(rbl zone create "new.$ZONE" 2>&1)
expect_exit "zone create refuses an empty data.mdb" 1 $? "$out"
expect_contains "zone create names the empty file" "data.mdb is 0 bytes" "$out"
expect_eq "an empty data.mdb is not made a new store" 0 "$(stat -c %s "$IT_DB/data.mdb")"
dnsbld_refuses "an empty data.mdb" "data.mdb is 0 bytes"

# Pages in the middle of a freshly written store (nearly all of them tree pages): zeroed, then noise.
mkdir -p "$IT_TMP/cores"
pages=$((size / page))
reported=0 cases=0 deaths=0
for percent in 25 35 45 55 65 75; do
	for fill in zero random; do
		cases=$((cases + 1))
		cp "$PRISTINE/data.mdb" "$IT_DB/data.mdb"
		at=$((pages * percent / 100))
		if [ "$fill" = zero ]; then
			dd if=/dev/zero of="$IT_DB/data.mdb" bs="$page" seek="$at" count=1 conv=notrunc status=none
		else
			noise_page "$percent" "$page" |
				dd of="$IT_DB/data.mdb" bs="$page" seek="$at" count=1 conv=notrunc status=none iflag=fullblock
		fi
		out=$(cd "$IT_TMP/cores" && ulimit -c unlimited 2>/dev/null; "$RBLTOOL" --db "$IT_DB" verify 2>&1)
		status=$?
		if [ "$status" -ge 128 ]; then
			deaths=$((deaths + 1))
			it_fail "verify of a $fill page $at lives" "exit status 0 or 1" "exit status $status" "$out"
		elif [ "$status" -eq 1 ] && grep -q "store damaged: " <<<"$out"; then
			reported=$((reported + 1))
			echo "# $fill page $at: $(grep -m1 "store damaged: " <<<"$out" | cut -c1-160)"
		else
			it_fail "verify reports a $fill page $at" "exit status 1 and \"store damaged: ...\"" "exit status $status" \
				"$out"
		fi
	done
done
echo "# $cases damaged pages: $reported reported by verify, $deaths signal deaths"
expect_eq "verify reports every zeroed or random page, and dies of none" "$cases 0" "$reported $deaths"
expect_eq "no core file is left by verify's walks" "" "$(ls -A "$IT_TMP/cores")"

# Recovery as the README says: the damaged directory aside, the backup in its place.
mv "$IT_DB" "$IT_TMP/damaged"
cp -a "$IT_TMP/backup" "$IT_DB"
out=$(rbl verify 2>&1)
expect_exit "a restored backup verifies" 0 $? "$out"
start_dnsbld || finish
expect_answer_contains "dnsbld answers from a restored backup" "IN A 127.0.0.2" "$(q "$(v4_rev 192.0.2.1).$ZONE" A)"

finish
