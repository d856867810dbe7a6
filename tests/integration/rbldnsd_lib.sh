# SPDX-License-Identifier: BSD-2-Clause
# rbldnsd_lib.sh — Debian's rbldnsd as a reference server beside dnsbld: files it can read, started on a free
# loopback port, stopped by the EXIT trap. Sourced after lib.sh.
#
#   rbldnsd_require        it_fail and return 1 unless rbldnsd is installed (scripts/deps.sh installs it)
#   PUBLIC_DIR             a directory every user can read: rbldnsd reads its files after dropping root (-u)
#   start_rbldnsd LOG SPEC...   rbldnsd on a free 127.0.0.1 port serving SPEC... (ZONE:TYPE:FILE); sets RBLDNSD_PORT,
#                          adds its pid to RBLDNSD_PIDS; waits ~10 s at most for it to answer $ZONE SOA

RBLDNSD_PIDS=()
RBLDNSD_PORT=""
PUBLIC_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dnsbld-rbldnsd.XXXXXX") || exit 1
chmod 755 "$PUBLIC_DIR"

rbldnsd_cleanup() {
	local pid
	for pid in "${RBLDNSD_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	rm -rf "$PUBLIC_DIR"
	it_cleanup
}
trap rbldnsd_cleanup EXIT

rbldnsd_require() {
	if ! command -v rbldnsd >/dev/null; then
		it_fail "rbldnsd is installed" "rbldnsd on PATH (apt-get install rbldnsd; scripts/deps.sh does)" "not found"
		return 1
	fi
}

# start_rbldnsd LOG SPEC...: rbldnsd on a free 127.0.0.1 port; sets RBLDNSD_PORT, adds its pid to RBLDNSD_PIDS.
start_rbldnsd() {
	local log=$1 attempt port pid deadline user=()
	shift
	if [ "$(id -u)" = 0 ]; then
		if id rbldns >/dev/null 2>&1; then user=(-u rbldns); else user=(-u nobody); fi
	fi
	for attempt in 1 2 3 4 5; do
		: "$attempt"
		port=$(random_port)
		timeout -k 2 "$IT_SERVER_LIFETIME" rbldnsd -n "${user[@]}" -b "127.0.0.1/$port" "$@" >"$log" 2>&1 &
		pid=$!
		deadline=$((SECONDS + 10))
		while [ "$SECONDS" -le "$deadline" ] && kill -0 "$pid" 2>/dev/null; do
			if dig @127.0.0.1 -p "$port" +norec +time=1 +tries=1 "$ZONE" SOA 2>/dev/null | grep -q 'status:'; then
				RBLDNSD_PIDS+=("$pid")
				RBLDNSD_PORT=$port
				it_pass "rbldnsd loads $* and answers on 127.0.0.1:$port"
				return 0
			fi
			sleep 0.1
		done
		sed 's/^/#   /' "$log"
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	it_fail "rbldnsd loads $*" "an answer within ~10 s" "none (its log is above)"
	return 1
}

