# SPDX-License-Identifier: BSD-2-Clause
# fakesmtp_lib.sh — sourced after lib.sh: starts and stops tests/tools/fakesmtp (scripted misbehaving SMTP servers)
# on free loopback ports, each with a bounded lifetime, stopped on exit.
: "${FAKESMTP:?FAKESMTP must name the fakesmtp binary (ctest sets it)}"

# shellcheck disable=SC2034 # start_ready sets it by name, stop_pid reads it by name
FAKE_PID=""
# shellcheck disable=SC2034 # the scripts read it
FAKE_PORT=""
FAKE_LIFETIME=240 # below ctest's TIMEOUT of 300 s

# shellcheck disable=SC2317 # called by the EXIT trap
fake_cleanup() {
	stop_fake
	it_cleanup
}
trap fake_cleanup EXIT

stop_fake() {
	stop_pid FAKE_PID
}

# start_fake LOG FAKESMTP_ARGS... — fakesmtp on a free port (the word PORT in the arguments is replaced by it), and
# waits (~5 s at most) for its --ready file (lib.sh's start_ready). Sets FAKE_PORT and FAKE_PID. Tries a few ports in
# case one is taken.
start_fake() {
	local log=$1
	shift
	start_ready fakesmtp FAKE_PID FAKE_PORT "$FAKESMTP" --log "$log" --max-seconds "$FAKE_LIFETIME" "$@"
}
