#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_live_changes.sh — dnsbld answers right while the store changes under it: dnsdiff asks dnsbld and rbldnsd
# (the reference, loaded with the same generated data) every question of a stable zone, round after round, while
# rbltool commits a 500,000-line import into another zone, an expiry, zones created and deleted, and the import
# again with --replace. Every answer must agree with rbldnsd's: zero wrong answers, zero SERVFAIL, zero timeouts
# (each of those is a mismatch: rbldnsd answers every question). The counts are printed.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/rbldnsd_lib.sh"

: "${DNSDIFF:?DNSDIFF must name the dnsdiff binary (ctest sets it)}"
: "${GEN_RBLDATA:?GEN_RBLDATA must name the gen_rbldata binary (ctest sets it)}"

ZONE=stable.rbl.test
BIG=big.rbl.test
IT_ZONE=$ZONE
BIG_LINES=500000
MAX_ROUNDS=40 # dnsdiff rounds at most, whatever happens
rbldnsd_require || finish

out=$("$GEN_RBLDATA" --seed 4242 --zone "$ZONE" --ip4 "$PUBLIC_DIR/stable.ip4set" --ip6 "$PUBLIC_DIR/stable.ip6trie" \
	--queries "$IT_TMP/queries" 2>&1)
expect_exit "gen_rbldata writes the stable zone's data and questions" 0 $? "$out"
rbl zone create "$ZONE" >/dev/null
for dataset in ip4set ip6trie; do
	out=$(rbl import "$ZONE" "$PUBLIC_DIR/stable.$dataset" --format rbldnsd --dataset "$dataset" 2>&1)
	expect_exit "the stable zone's $dataset imports" 0 $? "$out"
done
rbl zone create "$BIG" >/dev/null
awk -v n="$BIG_LINES" 'BEGIN { for (i = 0; i < n; i++) printf "10.%d.%d.%d\n", i / 65536 % 256, i / 256 % 256, i % 256 }' \
	>"$IT_TMP/big.txt"
start_dnsbld || finish
start_rbldnsd "$IT_TMP/rbldnsd.log" "$ZONE:ip4set:$PUBLIC_DIR/stable.ip4set" "$ZONE:ip6trie:$PUBLIC_DIR/stable.ip6trie" ||
	finish

# The checker: dnsdiff rounds until told to stop (or MAX_ROUNDS), each round's last line "N passed, M failed".
rounds() {
	local i
	for i in $(seq "$MAX_ROUNDS"); do
		[ -e "$IT_TMP/stop" ] && [ "$i" -gt 1 ] && break
		"$DNSDIFF" --names dnsbld,rbldnsd --timeout 2000 --show 10 "$DNSBLD_PORT" "$RBLDNSD_PORT" \
			"$IT_TMP/queries" >"$IT_TMP/round.$i" 2>&1
	done
}
rounds &
checker=$!

# The changes, each a commit while the rounds run.
started=$SECONDS
out=$(rbl import "$BIG" "$IT_TMP/big.txt" 2>&1)
expect_exit "a $BIG_LINES-line import commits while dnsbld answers" 0 $? "$out"
out=$(rbl add "$BIG" 10.200.0.0/16 --expires 1s 2>&1)
expect_exit "a listing that expires in 1 s" 0 $? "$out"
sleep 2
out=$(rbl expire 2>&1)
expect_exit "rbltool expire purges it" 0 $? "$out"
for i in 1 2 3 4 5; do
	rbl zone create "tmp$i.rbl.test" >/dev/null && rbl add "tmp$i.rbl.test" 192.0.2.$i >/dev/null &&
		rbl zone delete "tmp$i.rbl.test" >/dev/null
	expect_exit "zone tmp$i created, listed in and deleted" 0 $?
done
out=$(rbl import "$BIG" "$IT_TMP/big.txt" --replace 2>&1)
expect_exit "the import again with --replace" 0 $? "$out"
echo "# the changes took $((SECONDS - started)) s"
touch "$IT_TMP/stop"
wait "$checker"

passed=0 failed=0 rounds=0
for f in "$IT_TMP"/round.*; do
	line=$(tail -n 1 "$f")
	if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		passed=$((passed + BASH_REMATCH[1]))
		failed=$((failed + BASH_REMATCH[2]))
		rounds=$((rounds + 1))
	else
		failed=$((failed + 1))
		echo "# a round ended without its count:" && sed 's/^/#   /' "$f"
	fi
	[ "${BASH_REMATCH[2]:-0}" != 0 ] && sed 's/^/#   /' "$f" | head -40
done
echo "# live changes: $rounds rounds, $passed answers agreed with rbldnsd, $failed did not (wrong, SERVFAIL or timeout)"
expect_eq "no wrong answer, SERVFAIL or timeout while the store changed" 0 "$failed"
# The rounds start before the first change and go on until the last one has committed.
if [ "$passed" -ge "$(grep -c . "$IT_TMP/queries")" ]; then
	it_pass "the rounds covered every question at least once during the changes ($rounds rounds)"
else
	it_fail "the rounds covered every question at least once" ">= $(grep -c . "$IT_TMP/queries") answers" "$passed"
fi
expect_answer_contains "the big zone answers its import afterwards" "IN A 127.0.0.2" "$(q "9.8.7.10.$BIG" A)"
expect_nxdomain "the expired listing is gone" "$(q "1.0.200.10.$BIG" A)"
expect_rcode "a deleted zone is REFUSED" REFUSED "$(q "2.2.0.192.tmp2.rbl.test" A)"
finish
