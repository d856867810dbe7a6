#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# fuzz.sh — builds the libFuzzer harnesses of tests/fuzz with clang (build/fuzz, -DRBL_FUZZ=ON) and runs each for
# SECONDS (default 60) on a scratch copy of its seed corpus, build/fuzz/run/<harness>/: new inputs never go into the
# repository. Each harness first runs its regression inputs, tests/fuzz/crashes/<harness>-*. Exit 1 if any harness
# crashes (or leaks, times out, runs out of memory), with the reproducer's path; tests/fuzz/README.md says how to
# replay one.
#
#   scripts/fuzz.sh [-j JOBS] [SECONDS] [HARNESS...]   JOBS harnesses at a time (default 1); all harnesses by default
#   scripts/fuzz.sh --ci                               what scripts/test.sh runs: a fresh build, 30 s each, 2 at a time
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
fuzz=$top/tests/fuzz
build=$top/build/fuzz
seconds=60
jobs=1
ci=""
harnesses=()
while [ $# -gt 0 ]; do
	case $1 in
	--ci) ci=1 seconds=30 jobs=2 ;;
	-j) jobs=$2; shift ;;
	-j*) jobs=${1#-j} ;;
	-h | --help) sed -n '3,10p' "$0"; exit 0 ;;
	[0-9]*) seconds=$1 ;;
	fuzz_*) harnesses+=("$1") ;;
	*) echo "fuzz.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
[ ${#harnesses[@]} -gt 0 ] || harnesses=(fuzz_answer fuzz_rbldata fuzz_listfile fuzz_report fuzz_smtp_reply
	fuzz_probe_battery fuzz_smtp_ehlo fuzz_resolve_answer fuzz_qlog fuzz_cli_values fuzz_tsig fuzz_web_input
	fuzz_tmpl)
command -v clang >/dev/null || { echo "fuzz.sh: clang is needed (scripts/deps.sh installs it)" >&2; exit 2; }

[ -z "$ci" ] || rm -rf "$build"
cmake -S "$top" -B "$build" -DCMAKE_C_COMPILER=clang -DRBL_FUZZ=ON -DRBL_TESTS=OFF >/dev/null
cmake --build "$build" --target fuzz_harnesses -j"$(nproc)" >/dev/null

# The dictionary and the longest input of each harness: inputs somewhat past the parser's own line or frame limits.
options_of() {
	case $1 in
	fuzz_answer) echo "-dict=$fuzz/dns.dict -max_len=8192" ;;
	fuzz_rbldata) echo "-dict=$fuzz/rbldata.dict -max_len=9000" ;;
	fuzz_listfile) echo "-dict=$fuzz/listfile.dict -max_len=9000" ;;
	fuzz_report) echo "-dict=$fuzz/mail.dict -max_len=20000" ;;
	fuzz_smtp_reply | fuzz_probe_battery | fuzz_smtp_ehlo) echo "-dict=$fuzz/smtp.dict -max_len=4096" ;;
	fuzz_resolve_answer) echo "-dict=$fuzz/resolve.dict -max_len=8192" ;;
	fuzz_cli_values) echo "-dict=$fuzz/cli.dict -max_len=300" ;;
	fuzz_tsig) echo "-dict=$fuzz/tsig.dict -max_len=8192" ;;
	fuzz_tmpl) echo "-dict=$fuzz/tmpl.dict -max_len=8192" ;;
	esac
}

# The sanitizer's or the harness's own words about a crash, from a log.
findings() {
	grep -E '^(==[0-9]+== ?ERROR|SUMMARY|.*check failed)' "$1" | head -n 5 | sed 's/^/     /' || true
}

# Runs one harness; its verdict goes to run/<harness>/result, its log to run/<harness>/fuzz.log.
run_one() {
	local h=$1 bin=$build/tests/fuzz/$1 run=$build/run/$1
	local -a opts
	read -r -a opts <<<"$(options_of "$h")"
	rm -rf "$run"
	mkdir -p "$run/corpus" "$run/artifacts"
	cp "$fuzz/corpus/$h/"* "$run/corpus/"
	local -a regressions=()
	for f in "$fuzz/crashes/$h"-*; do
		[ -e "$f" ] && regressions+=("$f")
	done
	if [ ${#regressions[@]} -gt 0 ] && ! "$bin" "${opts[@]}" "${regressions[@]}" >"$run/regression.log" 2>&1; then
		{
			echo "FAIL $h: $(sed -n 's/^Running: //p' "$run/regression.log" | tail -n 1) still crashes" \
				"(log: $run/regression.log)"
			findings "$run/regression.log"
		} >"$run/result"
		return
	fi
	# -close_fd_mask=2: the libraries' own error messages (a corrupt gzip stream, ...) would flood the log; libFuzzer
	# and the sanitizers still report on the original stderr.
	if "$bin" "${opts[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -close_fd_mask=2 \
		-print_final_stats=1 -artifact_prefix="$run/artifacts/" "$run/corpus" >"$run/fuzz.log" 2>&1; then
		local done_line runs rate
		done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$run/fuzz.log" | tail -n 1)
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/fuzz.log")
		rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$run/fuzz.log")
		echo "ok   $h: ${runs:-?} runs in ${seconds} s (${rate:-?}/s), $(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' \
			<<<"$done_line")" >"$run/result"
	else
		local reproducer
		reproducer=$(find "$run/artifacts" -type f | head -n 1)
		{
			echo "FAIL $h: ${reproducer:-no reproducer written} (log: $run/fuzz.log)"
			findings "$run/fuzz.log"
			[ -z "$reproducer" ] || echo "     replay: $bin $reproducer"
		} >"$run/result"
	fi
}

echo "== fuzzing ${#harnesses[@]} harnesses for $seconds s each, $jobs at a time (build/fuzz/run)"
for h in "${harnesses[@]}"; do
	[ -x "$build/tests/fuzz/$h" ] || { echo "fuzz.sh: no harness $h" >&2; exit 2; }
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n || true
	done
	run_one "$h" &
done
wait
failed=0
for h in "${harnesses[@]}"; do
	result=$(cat "$build/run/$h/result" 2>/dev/null || echo "FAIL $h: the run did not finish (see $build/run/$h)")
	echo "$result"
	[[ $result != FAIL* ]] || failed=$((failed + 1))
done
echo "fuzz: $((${#harnesses[@]} - failed)) passed, $failed failed"
[ "$failed" = 0 ]
