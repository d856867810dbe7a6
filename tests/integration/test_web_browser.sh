#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_web_browser.sh — the lookup page in a real browser (issue 16): headless Chromium, driven by Debian's
# chromium-driver and python3-selenium (web_browser.py), opens rbltool web's front page, types the address of a host
# the relay probe listed (fakesmtp as an open relay), submits, sees the address's page say it is listed with its
# code and the evidence (the transcript, the reverse DNS), presses "Request a retest" and sees the request queued;
# an address whose reason holds HTML shows the markup as text and runs nothing. A screenshot of each step is kept in $WEB_SCREENSHOTS (the build
# directory's web-screenshots/: CI's artifact). Chromium's home, cache and temporary files stay in the test's
# directory. Fails — never skips — when Chromium, chromedriver or selenium is missing (scripts/deps.sh installs them).
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakesmtp_lib.sh"

: "${WEB_SCREENSHOTS:?WEB_SCREENSHOTS must name where screenshots go (ctest sets it)}"
PY=/usr/bin/python3 # Debian's python3-selenium is for Debian's python, not another one on PATH
for need in /usr/bin/chromium /usr/bin/chromedriver "$PY"; do
	if [ ! -x "$need" ]; then
		it_fail "$need is installed (scripts/deps.sh)" "$need" "missing"
		finish
	fi
done
if ! "$PY" -c 'import selenium' 2>/dev/null; then
	it_fail "python3-selenium is installed (scripts/deps.sh)" "import selenium" "fails"
	finish
fi

ZONE=relays.browser.test
rbl zone create "$ZONE" >/dev/null 2>&1
start_fake "$IT_TMP/fake.log" --listen "127.0.29.25:PORT,open" || finish
out=$(rbl probe "127.0.29.25:$FAKE_PORT" --list-into "$ZONE" --timeout 5 2>&1)
expect_contains "the relay probe lists the open relay" "listed" "$out"
rbl add "$ZONE" 192.0.2.26 --reason 'x <script>alert(1)</script> y' >/dev/null

start_web

mkdir -p "$IT_TMP/home/.config" "$IT_TMP/home/.cache" "$IT_TMP/tmp"
rm -rf "$WEB_SCREENSHOTS"
out=$(HOME="$IT_TMP/home" XDG_CONFIG_HOME="$IT_TMP/home/.config" XDG_CACHE_HOME="$IT_TMP/home/.cache" \
	TMPDIR="$IT_TMP/tmp" timeout -k 5 120 "$PY" "$(dirname "$0")/web_browser.py" "$WEB_URL" \
	127.0.29.25 192.0.2.26 "$WEB_SCREENSHOTS" 2>&1)
status=$?
echo "$out" | grep '^#'
while read -r line; do
	case $line in
	"ok - "*) it_pass "${line#ok - }" ;;
	"FAIL - "*) it_fail "${line#FAIL - }" "as the script checks" "$out" ;;
	esac
done <<<"$out"
expect_exit "the browser script ran to its end" 0 "$status" "$out"
shots=$(find "$WEB_SCREENSHOTS" -name '*.png' -size +1k 2>/dev/null | wc -l)
expect_eq "a screenshot of each step, kept in $WEB_SCREENSHOTS" 5 "$shots"
kill -TERM "$WEB_PID" 2>/dev/null
wait "$WEB_PID"
finish
