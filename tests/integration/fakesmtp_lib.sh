# SPDX-License-Identifier: BSD-2-Clause
# fakesmtp_lib.sh — sourced after lib.sh: starts and stops tests/tools/fakesmtp (scripted misbehaving SMTP servers)
# on free loopback ports, each with a bounded lifetime, stopped on exit.
: "${FAKESMTP:?FAKESMTP must name the fakesmtp binary (ctest sets it)}"

FAKE_PID=""
FAKE_PORT=""
FAKE_LIFETIME=240 # below ctest's TIMEOUT of 300 s

# shellcheck disable=SC2317 # called by the EXIT trap
fake_cleanup() {
	stop_fake
	it_cleanup
}
trap fake_cleanup EXIT

stop_fake() {
	if [ -n "$FAKE_PID" ]; then
		kill "$FAKE_PID" 2>/dev/null
		wait "$FAKE_PID" 2>/dev/null
		FAKE_PID=""
	fi
}

# start_fake LOG FAKESMTP_ARGS... — fakesmtp on a free port (the word PORT in the arguments is replaced by it), and
# waits (~5 s at most) for its --ready file. Sets FAKE_PORT and FAKE_PID. Tries a few ports in case one is taken.
start_fake() {
	local log=$1 attempt port ready i
	shift
	for attempt in 1 2 3 4 5; do
		: "$attempt"
		port=$(random_port)
		ready="$IT_TMP/ready.$port"
		"$FAKESMTP" --ready "$ready" --log "$log" --max-seconds "$FAKE_LIFETIME" "${@//PORT/$port}" \
			>"$IT_TMP/fakesmtp.$port.out" 2>&1 &
		FAKE_PID=$!
		FAKE_PORT=$port
		for i in $(seq 50); do
			: "$i"
			[ -e "$ready" ] && return 0
			kill -0 "$FAKE_PID" 2>/dev/null || break
			sleep 0.1
		done
		echo "# fakesmtp did not come up on port $port:" >&2
		sed 's/^/#   /' "$IT_TMP/fakesmtp.$port.out" >&2
		stop_fake
	done
	it_fail "fakesmtp starts" "a listening fake within ~5 s" "no fake on 5 ports"
	return 1
}

