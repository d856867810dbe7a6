# SPDX-License-Identifier: BSD-2-Clause
# report.sh — bench/run's report: markdown tables from the raw results ($RES, one measurement a line) and the
# callgrind profiles ($CGDIR). Sourced by bench/run after the measurements (or alone with --report-only); it uses
# bench/run's settings and helpers (median, ratio, fmt, CONFIGS, CFG_DESC...) and measures nothing itself.
# shellcheck shell=bash disable=SC2154 # the variables it reads are bench/run's

# Per-function instructions per query: (annotate(N2) - annotate(N1)) / (N2 - N1), the top 15.
cg_top() {
	local kind=$1 burst=$2 n
	for n in "$CG_N1" "$CG_N2"; do
		callgrind_annotate --inclusive=no --auto=no --threshold=100 "$CGDIR/cg.$kind.$n.$burst" 2>/dev/null |
			awk -v n="$n" '/^ *[0-9][0-9,]* / && !/PROGRAM TOTALS/ {
				ir = $1; gsub(/,/, "", ir); $1 = ""; sub(/^ *\([^)]*\) */, ""); print n "\t" ir "\t" $0 }'
	done | awk -F'\t' -v n1="$CG_N1" -v n2="$CG_N2" '
		{ v[$3] += ($1 == n2 ? $2 : -$2) }
		END { for (f in v) printf "%.1f\t%s\n", v[f] / (n2 - n1), f }' | sort -t$'\t' -k1,1 -g -r | awk 'NR <= 15'
}

report() {
	local label cfg base f
	echo "## dnsbld vs rbldnsd"
	echo
	echo "- command: \`$(awk '$1 == "command" {$1 = ""; sub(/^ /, ""); print}' "$RES")\`" \
		"(commit $(awk '$1 == "commit" {print $2}' "$RES"), run took ${RUNTIME} s)"
	echo "- date: $(awk '$1 == "date" {$1 = ""; sub(/^ /, ""); print}' "$RES")"
	echo "- machine: $NCPU CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
		"kernel $(uname -r), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
	echo "- versions: rbldnsd $(dpkg-query -W -f='${Version}' rbldnsd), dnsperf $(dpkg-query -W -f='${Version}' dnsperf)," \
		"valgrind $(dpkg-query -W -f='${Version}' valgrind)"
	echo "- dnsperf \`${DNSPERF_OPTS[*]} -l $RUN_S\` (saturated) and \`-Q $PACED_QPS -l $PACED_S\` (paced);" \
		"$ROUNDS round(s), servers alternated run by run; medians shown"
	echo
	targets
	for label in "${DATASETS[@]}"; do
		local entries
		entries=$(awk -v l="$label" '$1 == "store" && $2 == l {print $4}' "$RES")
		echo "### $label data set: $entries entries ($(awk -v l="$label" '$1 == "gen" && $2 == l {print $3}' "$RES") s to" \
			"generate, $(awk -v l="$label" '$1 == "import" && $2 == l {print $3}' "$RES") s to import into dnsbld)"
		echo
		echo "Saturated (dnsperf as fast as it goes; on this machine dnsperf's own CPU is often the limit, so" \
			"\"qps per server CPU-second\" = answered / (user + system) is the capacity figure):"
		echo
		echo "| server | qps | avg ms | max ms | lost | user µs/q | sys µs/q | CPU µs/q | qps per CPU-s | RSS MiB | anon MiB |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
		for cfg in "${CONFIGS[@]}"; do
			sat_row "$label" "$cfg"
			if [[ $cfg == dnsbld_* ]]; then
				base=rbld_${cfg#dnsbld_}
				ratio_row "$label" "$cfg" "$base"
			fi
		done
		echo
		echo "Paced at $PACED_QPS qps (latency without queueing):"
		echo
		echo "| server | avg ms | max ms | lost | CPU µs/q |"
		echo "|---|---:|---:|---:|---:|"
		for cfg in "${CONFIGS[@]}"; do
			paced_row "$label" "$cfg"
		done
		echo
		echo "Exec to first correct answer ($FA_TRIALS trials, page cache warm):" \
			"rbldnsd median $(fa rbldnsd "$label" median) ms (max $(fa rbldnsd "$label" maximum))," \
			"dnsbld median $(fa dnsbld "$label" median) ms (max $(fa dnsbld "$label" maximum))."
		echo
		awk -v l="$label" '$1 == "batch" && $2 == l {
				printf "%s%s: %.1f datagrams a recvmmsg call (%d in %d calls)", (n++ ? "; " : "UDP batches, dnsbld "), $3, $4 / $5, $4, $5
			} END { if (n) print "." }' "$RES"
		echo
		store_report "$label"
		echo
	done
	echo "### Instructions per query (callgrind, user space, deterministic)"
	echo
	echo "Each server run twice under \`valgrind --tool=callgrind\` on the base data, answering $CG_N1 and then" \
		"$CG_N2 queries; (Ir₂ − Ir₁) / ($CG_N2 − $CG_N1). \"1 in flight\" = one query, wait for its answer;" \
		"\"16 in flight\" = bursts of 16."
	echo
	echo "| | rbldnsd | dnsbld | dnsbld / rbldnsd |"
	echo "|---|---:|---:|---:|"
	local b r d
	for b in 1 16; do
		r=$(awk -v b="$b" '$1 == "cg" && $2 == "rbldnsd" && $3 == b {print $6}' "$RES")
		d=$(awk -v b="$b" '$1 == "cg" && $2 == "dnsbld" && $3 == b {print $6}' "$RES")
		echo "| $b in flight | $r | $d | $(ratio "$d" "$r") |"
	done
	echo
	for b in 1 16; do
		for f in dnsbld rbldnsd; do
			echo "Top 15 functions of $f, instructions per query ($b in flight; self cost):"
			echo
			echo '```'
			cg_top "$f" "$b"
			echo '```'
			echo
		done
	done
	echo "### Change visibility (base data set)"
	echo
	echo "| | trials | median ms | max ms | command's own time, median ms |"
	echo "|---|---:|---:|---:|---:|"
	local kind op
	for kind in dnsbld rbldnsd; do
		for op in add del; do
			vis_row "$kind" "$op"
		done
	done
	echo
	echo "dnsbld: \`rbltool add|del\` returns → the change answered (polled every ~0.2 ms). rbldnsd: append or" \
		"delete the line, SIGHUP → the change answered (a whole reload of the file)."
	echo
	echo "### An import of $IMPORT_HOSTS /32 + $IMPORT_NETS /24 committing during a paced run ($PACED_QPS qps," \
		"${IMPORT_S} s, $IMPORT_ROUNDS round(s))"
	echo
	echo "| server | run | lost (median, max) | max latency ms (median, max) | avg ms | import s |"
	echo "|---|---|---:|---:|---:|---:|"
	local srv run
	for srv in dnsbld rbldnsd-nofork rbldnsd-fork; do
		for run in steady import; do
			awk -v s="$srv" -v r="$run" '$1 == "imp" && $2 == r && $3 == s' "$RES" >"$WORK/sel"
			echo "| $srv | $run | $(awk '{print $7}' "$WORK/sel" | median), $(awk '{print $7}' "$WORK/sel" | maximum)" \
				"| $(awk '{print $10}' "$WORK/sel" | median), $(awk '{print $10}' "$WORK/sel" | maximum)" \
				"| $(awk '{print $9}' "$WORK/sel" | median) | $(awk '{print $16}' "$WORK/sel" | median) |"
		done
	done
	echo
	echo "dnsbld: \`rbltool import\` of a different file ($IMPORT_HOSTS /32 + $IMPORT_NETS /24) into the served" \
		"zone, started 1 s into the run, on the client's CPU at nice 19. rbldnsd: the same lines appended to its" \
		"file, then SIGHUP;" \
		"\`-f\` forks a child that answers during the reload."
	echo
	echo "### Private memory against entry count (after a saturated run)"
	echo
	echo "| entries (/32) | dnsbld RSS MiB | dnsbld anon MiB | dnsbld file MiB | data.mdb MiB | rbldnsd RSS MiB |"
	echo "|---:|---:|---:|---:|---:|---:|"
	local size
	for size in $MEM_SIZES; do
		awk -v s="$size" '$1 == "scale" && $2 == s && $3 == "dnsbld" {d = $4 " " $5 " " $6 " " $7}
			$1 == "scale" && $2 == s && $3 == "rbldnsd" {r = $4}
			END {split(d, v, " "); printf "| %s | %.1f | %.1f | %.1f | %.1f | %.1f |\n", s, v[1] / 1024, v[2] / 1024,
				v[3] / 1024, v[4] / 1048576, r / 1024}' "$RES"
	done
	echo
}

# verdict VALUE le|ge LIMIT: met / not met / n/a
verdict() {
	awk -v v="$1" -v op="$2" -v lim="$3" 'BEGIN {
		if (v == "n/a" || v == "") { print "n/a"; exit }
		ok = (op == "le") ? (v + 0 <= lim + 0) : (v + 0 >= lim + 0)
		print ok ? "met" : "**not met**" }'
}

# The issue's targets, each with its measured value, the ratio where there is one, and whether it is met.
targets() {
	local d r pd pr c1r c1d c16r c16d last fa_med fa_max vis_max imp_lost st_max im_max im_worst anon_lo anon_hi
	local bpe label sizes_lo sizes_hi
	read -r -a d <<<"$(sat_medians base dnsbld_1)"
	read -r -a r <<<"$(sat_medians base rbld_1)"
	pd=$(awk '$1 == "perf" && $2 == "base" && $3 == "paced" && $4 == "dnsbld_1" {print $10}' "$RES" | median)
	pr=$(awk '$1 == "perf" && $2 == "base" && $3 == "paced" && $4 == "rbld_1" {print $10}' "$RES" | median)
	c1r=$(awk '$1 == "cg" && $2 == "rbldnsd" && $3 == 1 {print $6}' "$RES")
	c1d=$(awk '$1 == "cg" && $2 == "dnsbld" && $3 == 1 {print $6}' "$RES")
	c16r=$(awk '$1 == "cg" && $2 == "rbldnsd" && $3 == 16 {print $6}' "$RES")
	c16d=$(awk '$1 == "cg" && $2 == "dnsbld" && $3 == 16 {print $6}' "$RES")
	last=${DATASETS[${#DATASETS[@]} - 1]}
	fa_med=$(fa dnsbld "$last" median)
	fa_max=$(fa dnsbld "$last" maximum)
	vis_max=$(awk '$1 == "vis" && $3 == "dnsbld" && $8 ~ /^[0-9.]+$/ {print $8}' "$RES" | maximum)
	[ "$(awk '$1 == "vis" && $3 == "dnsbld" && $8 !~ /^[0-9.]+$/' "$RES" | wc -l)" -gt 0 ] && vis_max=n/a
	imp_lost=$(awk '$1 == "imp" && $2 == "import" && $3 == "dnsbld" {print $7}' "$RES" | maximum)
	local outlasted
	outlasted=$(awk '$1 == "imp" && $2 == "import" && $3 == "dnsbld" && $17 != 1' "$RES" | wc -l)
	st_max=$(awk '$1 == "imp" && $2 == "steady" && $3 == "dnsbld" {print $10}' "$RES" | median)
	im_max=$(awk '$1 == "imp" && $2 == "import" && $3 == "dnsbld" {print $10}' "$RES" | median)
	im_worst=$(awk '$1 == "imp" && $2 == "import" && $3 == "dnsbld" {print $10}' "$RES" | maximum)
	sizes_lo=$(tr ' ' '\n' <<<"$MEM_SIZES" | sort -g | head -n 1)
	sizes_hi=$(tr ' ' '\n' <<<"$MEM_SIZES" | sort -g | tail -n 1)
	anon_lo=$(awk -v s="$sizes_lo" '$1 == "scale" && $2 == s && $3 == "dnsbld" {printf "%.2f", $5 / 1024}' "$RES")
	anon_hi=$(awk -v s="$sizes_hi" '$1 == "scale" && $2 == s && $3 == "dnsbld" {printf "%.2f", $5 / 1024}' "$RES")
	echo "### Targets"
	echo
	echo "| target | measured (dnsbld vs rbldnsd) | ratio | |"
	echo "|---|---|---:|---|"
	local x
	x=$(ratio "${d[6]}" "${r[6]}")
	echo "| server CPU per answered query ≤ 0.70 × rbldnsd's (1 worker, 1 CPU) | $(fmt "${d[6]}" 2) vs $(fmt "${r[6]}" 2) µs" \
		"(user $(fmt "${d[4]}" 2) vs $(fmt "${r[4]}" 2), sys $(fmt "${d[5]}" 2) vs $(fmt "${r[5]}" 2)) | $x | $(verdict "$x" le 0.70) |"
	x=$(ratio "${d[0]}" "${r[0]}")
	echo "| qps with one worker ≥ 1.2 × rbldnsd's | $(fmt "${d[0]}" 0) vs $(fmt "${r[0]}" 0) qps" \
		"(capacity, qps per CPU-s: $(fmt "${d[7]}" 0) vs $(fmt "${r[7]}" 0), ratio $(ratio "${d[7]}" "${r[7]}")) | $x | $(verdict "$x" ge 1.2) |"
	x=$(ratio "${d[1]}" "${r[1]}")
	echo "| average latency ≤ 0.8 × rbldnsd's (saturated) | $(fmt "${d[1]}" 3) vs $(fmt "${r[1]}" 3) ms | $x | $(verdict "$x" le 0.8) |"
	x=$(ratio "$pd" "$pr")
	echo "| average latency ≤ 0.8 × rbldnsd's (paced, $PACED_QPS qps) | $(fmt "$pd" 3) vs $(fmt "$pr" 3) ms | $x | $(verdict "$x" le 0.8) |"
	x=$(ratio "$c1d" "$c1r")
	echo "| user-space instructions per query ≤ rbldnsd's (1 in flight) | $c1d vs $c1r | $x | $(verdict "$x" le 1) |"
	x=$(ratio "$c16d" "$c16r")
	echo "| user-space instructions per query ≤ rbldnsd's (16 in flight) | $c16d vs $c16r | $x | $(verdict "$x" le 1) |"
	echo "| first answer ≤ 50 ms after exec ($last data set$([ "$last" = big ] || echo ', not 10 M: run with --big')) |" \
		"median $(fmt "$fa_med" 1) ms, max $(fmt "$fa_max" 1) ms (rbldnsd $(fmt "$(fa rbldnsd "$last" median)" 1) ms) |" \
		"$(ratio "$fa_med" "$(fa rbldnsd "$last" median)") | $(verdict "$fa_max" le 50) |"
	echo "| add or delete answered ≤ 50 ms after rbltool returns | max $(fmt "$vis_max" 2) ms over $((2 * VIS_TRIALS)) changes | |" \
		"$(verdict "$vis_max" le 50) |"
	if [ "$outlasted" -gt 0 ]; then
		echo "| import during load | **$outlasted of $IMPORT_ROUNDS import(s) outlasted the dnsperf run: raise IMPORT_S** | | n/a |"
	fi
	echo "| import during load: no lost queries | $imp_lost lost (worst of $IMPORT_ROUNDS) | | $(verdict "$imp_lost" le 0) |"
	x=$(ratio "$im_max" "$st_max")
	echo "| import during load: max latency ≤ 2 × steady max | $(fmt "$im_max" 2) vs $(fmt "$st_max" 2) ms (medians; worst $(fmt "$im_worst" 2)) | $x |" \
		"$(verdict "$x" le 2) |"
	for label in "${DATASETS[@]}"; do
		bpe=$(awk -v l="$label" '$1 == "store" && $2 == l {printf "%.1f", $6 / $4}' "$RES")
		echo "| ≤ 40 bytes of store per entry ($label) | $bpe B (data.mdb / entries) | | $(verdict "$bpe" le 40) |"
	done
	x=$(awk -v a="$anon_hi" -v b="$anon_lo" 'BEGIN {if (a == "" || b == "") print "n/a"; else printf "%+.2f", a - b}')
	echo "| private memory does not grow with entries (≤ 1 MiB more) | RssAnon $anon_lo MiB at $sizes_lo entries," \
		"$anon_hi MiB at $sizes_hi | | $(verdict "$x" le 1) ($x MiB) |"
	echo
}

# The medians of one configuration's saturated runs: qps avg max lost user sys cpu qps_per_cpu rss anon
sat_medians() {
	awk -v l="$1" -v c="$2" '$1 == "perf" && $2 == l && $3 == "sat" && $4 == c' "$RES" >"$WORK/sel"
	local col
	for col in 9 10 11 8 12 13; do awk -v c="$col" '{print $c}' "$WORK/sel" | median; done | tr '\n' ' '
	awk '{print $12 + $13}' "$WORK/sel" | median | tr '\n' ' '
	awk '{t = $12 + $13; if (t > 0) print 1e6 / t}' "$WORK/sel" | median | tr '\n' ' '
	awk '{print $14 / 1024}' "$WORK/sel" | median | tr '\n' ' '
	awk '{print $15 / 1024}' "$WORK/sel" | median
}

sat_row() {
	local m
	read -r -a m <<<"$(sat_medians "$1" "$2")"
	echo "| ${CFG_DESC[$2]} | $(fmt "${m[0]}" 0) | $(fmt "${m[1]}" 3) | $(fmt "${m[2]}" 2) | ${m[3]} |" \
		"$(fmt "${m[4]}" 2) | $(fmt "${m[5]}" 2) | $(fmt "${m[6]}" 2) | $(fmt "${m[7]}" 0) | $(fmt "${m[8]}" 1) |" \
		"$(fmt "${m[9]}" 1) |"
}

ratio_row() {
	local d r
	read -r -a d <<<"$(sat_medians "$1" "$2")"
	read -r -a r <<<"$(sat_medians "$1" "$3")"
	echo "| **ratio dnsbld / rbldnsd** | $(ratio "${d[0]}" "${r[0]}") | $(ratio "${d[1]}" "${r[1]}") |" \
		"$(ratio "${d[2]}" "${r[2]}") | | $(ratio "${d[4]}" "${r[4]}") | $(ratio "${d[5]}" "${r[5]}") |" \
		"$(ratio "${d[6]}" "${r[6]}") | $(ratio "${d[7]}" "${r[7]}") | $(ratio "${d[8]}" "${r[8]}") |" \
		"$(ratio "${d[9]}" "${r[9]}") |"
}

paced_row() {
	awk -v l="$1" -v c="$2" '$1 == "perf" && $2 == l && $3 == "paced" && $4 == c' "$RES" >"$WORK/sel"
	echo "| ${CFG_DESC[$2]} | $(fmt "$(awk '{print $10}' "$WORK/sel" | median)" 3)" \
		"| $(fmt "$(awk '{print $11}' "$WORK/sel" | median)" 2) | $(awk '{print $8}' "$WORK/sel" | median)" \
		"| $(fmt "$(awk '{print $12 + $13}' "$WORK/sel" | median)" 2) |"
}

fa() { awk -v k="$1" -v l="$2" '$1 == "first" && $2 == l && $3 == k && $5 ~ /^[0-9.]+$/ {print $5}' "$RES" | "$3"; }

vis_row() {
	awk -v k="$1" -v o="$2" '$1 == "vis" && $3 == k && $4 == o && $8 ~ /^[0-9.]+$/' "$RES" >"$WORK/sel"
	local tried
	tried=$(awk -v k="$1" -v o="$2" '$1 == "vis" && $3 == k && $4 == o' "$RES" | wc -l)
	echo "| $1 $2 | $(wc -l <"$WORK/sel")/$tried | $(fmt "$(awk '{print $8}' "$WORK/sel" | median)" 2)" \
		"| $(fmt "$(awk '{print $8}' "$WORK/sel" | maximum)" 2) | $(fmt "$(awk '{print $6}' "$WORK/sel" | median)" 1) |"
}

store_report() {
	local label=$1
	awk -v l="$label" '
		$1 == "store" && $2 == l {entries = $4; file = $6; du = $8}
		$1 == "pages" && $2 == l {
			ps = $4; used = $6; free = $8
			for (i = 9; i <= NF; i++) { split($i, kv, "="); pages[kv[1]] = kv[2] }
		}
		END {
			printf "Store: data.mdb %.1f MiB (%.1f MiB allocated) = **%.1f bytes per entry** (file) / %.1f (allocated);",
				file / 1048576, du / 1048576, file / entries, du / entries
			printf " pages in use %d × %d B; per entry:", used, ps
			for (d in pages) if (pages[d] > 1) printf " %s %.1f B,", d, pages[d] * ps / entries
			printf " free pages %d.\n", free
		}' "$RES"
}

# --- bench/run --features: the cost of metrics and rate limiting ------------------------------------------------

# Per-function instructions per query of one feature profile pair: "fn<TAB>Ir per query" (self cost).
feat_fn() {
	local tag=$1 burst=$2 n
	for n in "$CG_N1" "$CG_N2"; do
		callgrind_annotate --inclusive=no --auto=no --threshold=100 "$CGDIR/cg.$tag.$n.$burst" 2>/dev/null |
			awk -v n="$n" '/^ *[0-9][0-9,]* / && !/PROGRAM TOTALS/ {
				ir = $1; gsub(/,/, "", ir); $1 = ""; sub(/^ *\([^)]*\) */, ""); print n "\t" ir "\t" $0 }'
	done | awk -F'\t' -v n1="$CG_N1" -v n2="$CG_N2" '
		{ v[$3] += ($1 == n2 ? $2 : -$2) }
		END { for (f in v) printf "%s\t%.1f\n", f, v[f] / (n2 - n1) }'
}

# feat_grew CFG BURST: the functions whose cost per query differs most between CFG and plain (first repeat).
feat_grew() {
	local cfg=$1 burst=$2
	join -t$'\t' -a1 -a2 -e 0 -o 0,1.2,2.2 <(feat_fn "f-plain.r1" "$burst" | sort -t$'\t' -k1,1) \
		<(feat_fn "f-$cfg.r1" "$burst" | sort -t$'\t' -k1,1) |
		awk -F'\t' '{d = $3 - $2; if (d > 0.5 || d < -0.5) printf "%+.1f\t%.1f -> %.1f\t%s\n", d, $2, $3, $1}' |
		sort -t$'\t' -k1,1 -g -r | awk 'NR <= 12'
}

report_features() {
	local b cfg med lo hi pmed rrlv
	echo "### Cost of metrics and rate limiting"
	echo
	echo "- command: \`$(awk '$1 == "command" {$1 = ""; sub(/^ /, ""); print}' "$RES")\`" \
		"(commit $(awk '$1 == "commit" {print $2}' "$RES"), run took ${RUNTIME} s)"
	echo "- date: $(awk '$1 == "date" {$1 = ""; sub(/^ /, ""); print}' "$RES"); load average at start" \
		"$(awk '$1 == "load" {print $2, $3, $4}' "$RES"), at end $(awk '$1 == "load_end" {print $2, $3, $4}' "$RES")"
	echo "- machine: $NCPU CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
		"kernel $(uname -r); valgrind $(dpkg-query -W -f='${Version}' valgrind), dnsperf $(dpkg-query -W -f='${Version}' dnsperf)"
	echo "- data: $(awk '$1 == "import" && $2 == "base"' "$RES" >/dev/null; echo "$HOSTS /32 + $NETS /24"); dnsbld --workers 1"
	echo
	echo "Instructions per query (callgrind, user space): dnsbld run twice per configuration, answering $CG_N1 and" \
		"$CG_N2 queries of the usual mix (half listed, half NXDOMAIN); (Ir₂ − Ir₁) / ($CG_N2 − $CG_N1); median of" \
		"$FEAT_CG_REPEATS such pairs, [min–max]. metrics: \`--metrics-listen 127.0.0.1:PORT\`; rrl:" \
		"\`--rrl-rate $FEAT_RRL_RATE\` (the highest rate dnsbld accepts)."
	echo
	echo "| dnsbld | 1 in flight | vs plain | 16 in flight | vs plain | RRL drop, slip |"
	echo "|---|---:|---:|---:|---:|---|"
	for cfg in "${FEAT_CFGS[@]}"; do
		printf '| %s ' "$cfg"
		for b in 1 16; do
			awk -v c="$cfg" -v b="$b" '$1 == "fcg" && $2 == c && $3 == b {print $7}' "$RES" >"$WORK/sel"
			med=$(median <"$WORK/sel")
			lo=$(sort -g "$WORK/sel" | head -n 1)
			hi=$(maximum <"$WORK/sel")
			pmed=$(awk -v b="$b" '$1 == "fcg" && $2 == "plain" && $3 == b {print $7}' "$RES" | median)
			printf '| %s [%s–%s] | %s ' "$(fmt "$med" 0)" "$(fmt "$lo" 0)" "$(fmt "$hi" 0)" \
				"$(awk -v a="$med" -v p="$pmed" 'BEGIN {if (p + 0 == 0) print "n/a"; else printf "%+.1f %%", (a / p - 1) * 100}')"
		done
		rrlv=$(awk -v c="$cfg" '$1 == "fcg" && $2 == c {print $8}' "$RES" | sort -u | tr '\n' ' ')
		echo "| ${rrlv% } |"
	done
	echo
	echo "RRL drop, slip: \`dnsbld_rrl_total\` read after each run with metrics (\`-\`: no metrics to read);" \
		"\"slipped\": \`rrl_slip_response\` ran in that profile. Anything but 0 and \`-\` means the rate limited a few responses."
	echo
	echo "Server CPU per answered query (dnsperf \`${DNSPERF_OPTS[*]}\`, dnsbld --workers 1 alone on CPU $CPU_SERVER," \
		"dnsperf on CPU $CPU_CLIENT, $FEAT_ROUNDS round(s), the two servers alternated; medians [min–max]). The" \
		"queries are the listed half only: RRL keys every NXDOMAIN by its zone, so with the unlisted half the" \
		"highest rate ($FEAT_RRL_RATE a second) would limit at these speeds."
	echo
	echo "| dnsbld | saturated qps | user µs/q | sys µs/q | CPU µs/q | paced ($PACED_QPS qps) CPU µs/q |"
	echo "|---|---:|---:|---:|---:|---:|"
	local c s p
	for c in plain both; do
		awk -v c="$c" '$1 == "fperf" && $2 == "sat" && $3 == c' "$RES" >"$WORK/sel"
		s=$(awk '{print $11 + $12}' "$WORK/sel" | sort -g | tr '\n' ' ')
		awk -v c="$c" '$1 == "fperf" && $2 == "paced" && $3 == c {print $11 + $12}' "$RES" >"$WORK/selp"
		echo "| $c | $(fmt "$(awk '{print $8}' "$WORK/sel" | median)" 0) | $(fmt "$(awk '{print $11}' "$WORK/sel" | median)" 2)" \
			"| $(fmt "$(awk '{print $12}' "$WORK/sel" | median)" 2)" \
			"| $(fmt "$(awk '{print $11 + $12}' "$WORK/sel" | median)" 2) [$(fmt "$(sort -g <<<"${s// /$'\n'}" | awk 'NF' | head -n 1)" 2)–$(fmt "$(awk '{print $11 + $12}' "$WORK/sel" | maximum)" 2)]" \
			"| $(fmt "$(median <"$WORK/selp")" 2) [$(fmt "$(sort -g "$WORK/selp" | head -n 1)" 2)–$(fmt "$(maximum <"$WORK/selp")" 2)] |"
	done
	p=$(awk '$1 == "fperf" && $2 == "sat" && $3 == "plain" {print $11 + $12}' "$RES" | median)
	c=$(awk '$1 == "fperf" && $2 == "sat" && $3 == "both" {print $11 + $12}' "$RES" | median)
	s=$(awk '$1 == "fperf" && $2 == "paced" && $3 == "plain" {print $11 + $12}' "$RES" | median)
	b=$(awk '$1 == "fperf" && $2 == "paced" && $3 == "both" {print $11 + $12}' "$RES" | median)
	echo "| **both / plain** | | | | $(ratio "$c" "$p" 3) | $(ratio "$b" "$s" 3) |"
	echo
	echo "Per round, saturated CPU µs/q both / plain: $(awk '$1 == "fperf" && $2 == "sat" {v[$4, $3] = $11 + $12; r[$4]}
		END {for (i in r) if (v[i, "plain"] > 0) printf "%.3f ", v[i, "both"] / v[i, "plain"]}' "$RES")" \
		"(RRL drop, slip after all rounds: $(awk '$1 == "frrl" {print $2 ", " $3}' "$RES"))."
	echo
	for cfg in metrics rrl both; do
		for b in 1 16; do
			echo "Functions whose cost changed, $cfg − plain, instructions per query ($b in flight; self cost; first repeat):"
			echo
			echo '```'
			feat_grew "$cfg" "$b"
			echo '```'
			echo
		done
	done
}
