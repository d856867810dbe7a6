# SPDX-License-Identifier: BSD-2-Clause
# lib.sh — what every integration script shares: a scratch directory, a dnsbld on a free loopback port, dig
# queries, and assertions that count and explain their failures.
#
# Sourced by tests/integration/test_*.sh, which ctest runs with DNSBLD, RBLTOOL, RAWDNS and ZONES_DIR set. Every
# network call goes to 127.0.0.1 or ::1, and every wait is bounded: dig +time=2 +tries=1, the start-up wait ~5 s,
# and dnsbld itself runs under timeout(1), so a killed script never leaves a server behind for long.
#
#   start_dnsbld [ARGS...]   dnsbld on $IT_DB and a random free port: sets DNSBLD_PORT, DNSBLD_PID
#   stop_dnsbld
#   rbl ARGS...              rbltool on $IT_DB
#   q NAME TYPE [DIG OPTS]   dig's output, +norec, over $DIG_TRANSPORT ("" = UDP even for ANY, "+tcp")
#   expect_* CHECK ...       one check each; prints "ok - CHECK" or "FAIL - CHECK" with expected and actual
#   finish                   prints "N passed, M failed" and exits 1 if anything failed (or nothing was checked)
#   require_jq, jq_eq, valid_json   checks of rbltool's --json documents
#   stop_pid VAR             stops the process whose pid VAR holds (TERM, then waits for it) and empties VAR
#   start_ready NAME PIDVAR PORTVAR PROGRAM ARGS...
#                            a test server of tests/tools on a free port, waited for until its --ready file exists
#   placeholder TAG LENGTH / patch_store FROM TO...  text stored under a placeholder, then put into data.mdb

: "${DNSBLD:?DNSBLD must name the dnsbld binary (ctest sets it)}"
: "${RBLTOOL:?RBLTOOL must name the rbltool binary (ctest sets it)}"

IT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/dnsbld-it.XXXXXX") || exit 1
IT_DB="$IT_TMP/db"
IT_PASSED=0
IT_FAILED=0
DNSBLD_PID=""
DNSBLD_PORT=""
DNSBLD_LOG=""
DIG_TRANSPORT="" # "" = UDP (q passes +notcp, since dig sends ANY over TCP by default), or "+tcp"
# The longest a dnsbld may live: below ctest's 300 s TIMEOUT, so a script killed by ctest leaves no server behind.
IT_SERVER_LIFETIME=280

# rbltool looks names up (probe's and retest's reverse DNS, check, rdns) through $DNSBL_RESOLVER, else the machine's
# resolv.conf — which a test must never reach. The default here is a loopback port nothing answers on; a script that
# wants answers starts a DNS server of its own and points DNSBL_RESOLVER (or --resolver) at it.
export DNSBL_RESOLVER="${DNSBL_RESOLVER:-127.0.0.1:9}"

# dnsbld refuses to go on as root without --user; the tests run it as root (CI does) on stores in their own private
# directories, so they pass DNSBLD_ROOT_OPTS (--allow-root when root) to every dnsbld they start.
DNSBLD_ROOT_OPTS=()
[ "$(id -u)" = 0 ] && DNSBLD_ROOT_OPTS=(--allow-root)

it_cleanup() {
	stop_dnsbld
	[ -n "${WEB_PID:-}" ] && kill -TERM "$WEB_PID" 2>/dev/null # start_web's server, if a test ended early
	rm -rf "$IT_TMP"
}
trap it_cleanup EXIT
trap 'exit 130' INT TERM

# Whether this machine has ::1 on its loopback interface (containers often do not).
IT_HAVE_V6=0
if grep -qs '^00000000000000000000000000000001 ' /proc/net/if_inet6; then
	IT_HAVE_V6=1
fi

rbl() {
	"$RBLTOOL" --db "$IT_DB" "$@"
}

# A port number that no socket on this machine uses (as far as ss can tell), below the kernel's ephemeral range
# (10000 up to ip_local_port_range's low end): a server on an ephemeral port can meet a client whose own source
# port the kernel picked equal to it — dig then receives its own query, "response not set" (seen in CI).
random_port() {
	local port attempt low span
	low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	[ "$low" -gt 12000 ] 2>/dev/null || low=32768
	span=$((low - 10000))
	for attempt in 1 2 3 4 5 6 7 8 9 10; do
		: "$attempt"
		port=$((10000 + (RANDOM * 32768 + RANDOM) % span))
		if ! command -v ss >/dev/null || [ -z "$(ss -Htuan "( sport = :$port )" 2>/dev/null)" ]; then
			break
		fi
	done
	echo "$port"
}

# dig against the running dnsbld. NAME TYPE come first; extra dig options (-c CH, +bufsize=...) may follow.
q() {
	local server=${DIG_SERVER:-127.0.0.1}
	# shellcheck disable=SC2086 # DIG_TRANSPORT holds dig options, split on purpose
	dig @"$server" -p "$DNSBLD_PORT" +norec +time=2 +tries=1 ${DIG_TRANSPORT:-+notcp} "$@" 2>&1
}

# Starts dnsbld on $IT_DB (it must exist: rbltool zone create makes it) and waits until it answers, bounded to ~5 s
# per port. Tries a few ports in case one is taken between the check and the bind.
start_dnsbld() {
	local attempt port deadline listen6=()
	for attempt in 1 2 3 4 5; do
		port=$(random_port)
		listen6=()
		if [ "$IT_HAVE_V6" = 1 ]; then
			listen6=(--listen "[::1]:$port")
		fi
		DNSBLD_LOG="$IT_TMP/dnsbld.$port.log"
		timeout -k 2 "$IT_SERVER_LIFETIME" "$DNSBLD" "${DNSBLD_ROOT_OPTS[@]}" --db "$IT_DB" \
			--listen "127.0.0.1:$port" "${listen6[@]}" \
			--workers "${DNSBLD_WORKERS:-2}" "$@" >"$DNSBLD_LOG" 2>&1 &
		DNSBLD_PID=$!
		DNSBLD_PORT=$port
		deadline=$((SECONDS + 5))
		while [ "$SECONDS" -le "$deadline" ]; do
			if ! kill -0 "$DNSBLD_PID" 2>/dev/null; then
				break # it exited: most likely the port was taken
			fi
			if dig @127.0.0.1 -p "$port" +norec +time=1 +tries=1 "${IT_ZONE:-invalid}" SOA 2>/dev/null |
				grep -q 'status:'; then
				it_pass "dnsbld starts and answers on 127.0.0.1:$port"
				return 0
			fi
			sleep 0.1
		done
		echo "# dnsbld did not come up on port $port (attempt $attempt):" >&2
		sed 's/^/#   /' "$DNSBLD_LOG" >&2
		stop_dnsbld
	done
	it_fail "dnsbld starts and answers on a free loopback port" "an answer to a SOA query within ~5 s" \
		"no answer on 5 ports (its log is above)"
	return 1
}

# timeout(1) passes the TERM on and exits when dnsbld has stopped; -k above bounds a hung one.
stop_dnsbld() {
	stop_pid DNSBLD_PID
}

# --- servers of the test's own ----------------------------------------------------------------------------------

# stop_pid VAR: TERM to the process whose pid the variable VAR holds (a child of this shell: a server started in the
# background), then waits for it to exit; VAR is emptied. Nothing if VAR is empty.
stop_pid() {
	local pid=${!1:-}
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	printf -v "$1" '%s' ""
}

# start_ready NAME PIDVAR PORTVAR PROGRAM ARGS...: PROGRAM (a server of tests/tools that takes --ready FILE and
# creates FILE once it listens) in the background on a free port, the word PORT in ARGS replaced by it; waits (~5 s at
# most) for its ready file. Sets the variables PIDVAR and PORTVAR (PIDVAR at once, so that an EXIT trap can stop it);
# its output goes to $IT_TMP/NAME.PORT.out, shown if it does not come up. Tries a few ports in case one is taken.
start_ready() {
	local name=$1 pid_var=$2 port_var=$3 program=$4 attempt port ready i
	shift 4
	for attempt in 1 2 3 4 5; do
		: "$attempt"
		port=$(random_port)
		ready="$IT_TMP/$name.ready.$port"
		"$program" --ready "$ready" "${@//PORT/$port}" >"$IT_TMP/$name.$port.out" 2>&1 &
		printf -v "$pid_var" '%s' "$!"
		printf -v "$port_var" '%s' "$port"
		for i in $(seq 50); do
			: "$i"
			[ -e "$ready" ] && return 0
			kill -0 "${!pid_var}" 2>/dev/null || break
			sleep 0.1
		done
		echo "# $name did not come up on port $port:" >&2
		sed 's/^/#   /' "$IT_TMP/$name.$port.out" >&2
		stop_pid "$pid_var"
	done
	it_fail "$name starts" "a listening $name within ~5 s" "none on 5 ports"
	return 1
}

# --- reading dig's output ---------------------------------------------------------------------------------------

# The status of a response (NOERROR, NXDOMAIN, ...), or "no-response".
rcode_of() {
	local status
	status=$(sed -n 's/^;; ->>HEADER<<- .* status: \([A-Z0-9]*\),.*/\1/p' <<<"$1" | tail -n 1)
	echo "${status:-no-response}"
}

# The header flags, space separated ("qr aa").
flags_of() {
	sed -n 's/^;; flags: \([^;]*\);.*/\1/p' <<<"$1" | tail -n 1
}

# The records of one section (ANSWER, AUTHORITY, ADDITIONAL), whitespace squeezed to single spaces.
section_of() {
	awk -v want=";; $1 SECTION:" '
		$0 == want { on = 1; next }
		on && /^$/ { on = 0 }
		on && !/^;/ { $1 = $1; print }' <<<"$2"
}

# The count of records of a section as the header states it.
header_count_of() {
	sed -n "s/^;; flags: .*[ ;]$1: \([0-9]*\).*/\1/p" <<<"$2" | tail -n 1
}

# The text of each TXT record in the answer, its character-strings joined, one record a line.
txt_of() {
	section_of ANSWER "$1" | awk '$4 == "TXT"' | sed 's/^[^"]*"//; s/"$//; s/" "//g'
}

# --- assertions ---------------------------------------------------------------------------------------------------

it_pass() {
	IT_PASSED=$((IT_PASSED + 1))
	echo "ok - $1"
}

# it_fail CHECK EXPECTED ACTUAL [OUTPUT]
it_fail() {
	IT_FAILED=$((IT_FAILED + 1))
	echo "FAIL - $1"
	echo "#   expected: $2"
	echo "#   actual:   $3"
	if [ -n "${4-}" ]; then
		echo "#   output:"
		head -n 60 <<<"$4" | sed 's/^/#     /'
	fi
}

# expect_eq CHECK EXPECTED ACTUAL [OUTPUT]
expect_eq() {
	if [ "$2" = "$3" ]; then it_pass "$1"; else it_fail "$1" "$2" "$3" "${4-}"; fi
}

# expect_contains CHECK NEEDLE HAYSTACK: a fixed string inside a text.
expect_contains() {
	if grep -qF -- "$2" <<<"$3"; then it_pass "$1"; else it_fail "$1" "to contain '$2'" "(not found)" "$3"; fi
}

expect_not_contains() {
	if grep -qF -- "$2" <<<"$3"; then it_fail "$1" "not to contain '$2'" "(found)" "$3"; else it_pass "$1"; fi
}

# expect_rcode CHECK RCODE OUTPUT
expect_rcode() {
	expect_eq "$1" "status $2" "status $(rcode_of "$3")" "$3"
}

# expect_flag CHECK FLAG OUTPUT / expect_no_flag CHECK FLAG OUTPUT
expect_flag() {
	local flags
	flags=$(flags_of "$3")
	if [[ " $flags " == *" $2 "* ]]; then it_pass "$1"; else it_fail "$1" "flag $2 set" "flags: $flags" "$3"; fi
}

expect_no_flag() {
	local flags
	flags=$(flags_of "$3")
	if [[ " $flags " == *" $2 "* ]]; then it_fail "$1" "flag $2 clear" "flags: $flags" "$3"; else it_pass "$1"; fi
}

# expect_answer_contains CHECK TEXT OUTPUT: TEXT (e.g. "600 IN A 127.0.0.3") is in one answer record.
expect_answer_contains() {
	local answer
	answer=$(section_of ANSWER "$3")
	if grep -qF -- "$2" <<<"$answer"; then
		it_pass "$1"
	else
		it_fail "$1" "an answer record containing '$2'" "answer: ${answer:-(none)}" "$3"
	fi
}

expect_authority_contains() {
	local authority
	authority=$(section_of AUTHORITY "$3")
	if grep -qF -- "$2" <<<"$authority"; then
		it_pass "$1"
	else
		it_fail "$1" "an authority record containing '$2'" "authority: ${authority:-(none)}" "$3"
	fi
}

# expect_answer_count CHECK N OUTPUT [TYPE]: N answer records (of TYPE, if given).
expect_answer_count() {
	local n
	n=$(section_of ANSWER "$3" | awk -v t="${4-}" 't == "" || $4 == t' | wc -l)
	expect_eq "$1" "$2 answer record(s)${4:+ of type $4}" "$n answer record(s)${4:+ of type $4}" "$3"
}

# expect_txt CHECK TEXT OUTPUT: the one TXT answer's text, character-strings joined, is exactly TEXT.
expect_txt() {
	expect_eq "$1" "TXT \"$2\"" "TXT \"$(txt_of "$3")\"" "$3"
}

# expect_nxdomain CHECK OUTPUT [NEG_TTL]: NXDOMAIN, AA, no answer, the zone's SOA in authority (with that TTL).
expect_nxdomain() {
	expect_negative "$1" NXDOMAIN "$2" "${3-}"
}

# expect_nodata CHECK OUTPUT [NEG_TTL]: NOERROR, AA, no answer, the zone's SOA in authority (with that TTL).
expect_nodata() {
	expect_negative "$1" NOERROR "$2" "${3-}"
}

expect_negative() {
	local check=$1 rcode=$2 out=$3 ttl=$4 problems="" soa
	[ "$(rcode_of "$out")" = "$rcode" ] || problems+="status $(rcode_of "$out"); "
	[[ " $(flags_of "$out") " == *" aa "* ]] || problems+="no AA flag; "
	[ -z "$(section_of ANSWER "$out")" ] || problems+="has an answer; "
	soa=$(section_of AUTHORITY "$out" | awk '$4 == "SOA"')
	if [ -z "$soa" ]; then
		problems+="no SOA in authority; "
	elif [ -n "$ttl" ] && [ "$(awk '{print $2}' <<<"$soa")" != "$ttl" ]; then
		problems+="SOA TTL $(awk '{print $2}' <<<"$soa"), not $ttl; "
	fi
	if [ -z "$problems" ]; then
		it_pass "$check"
	else
		it_fail "$check" "$rcode, AA, no answer, SOA in authority${ttl:+ with TTL $ttl}" "${problems%; }" "$out"
	fi
}

# expect_exit CHECK STATUS ACTUAL_STATUS [OUTPUT]
expect_exit() {
	expect_eq "$1" "exit status $2" "exit status $3" "${4-}"
}

# --- names ------------------------------------------------------------------------------------------------------

# The 32 hex digits of an IPv6 address written with hex groups (no embedded dotted quad): v6_hex 2001:db8::1
v6_hex() {
	local addr=$1 head tail g out="" missing i
	local -a h=() t=()
	if [[ $addr == *::* ]]; then
		head=${addr%%::*}
		tail=${addr#*::}
	else
		head=$addr
		tail=""
	fi
	[ -n "$head" ] && IFS=: read -r -a h <<<"$head"
	[ -n "$tail" ] && IFS=: read -r -a t <<<"$tail"
	missing=$((8 - ${#h[@]} - ${#t[@]}))
	for g in "${h[@]}"; do out+=$(printf '%04x' "0x$g"); done
	for ((i = 0; i < missing; i++)); do out+=0000; done
	for g in "${t[@]}"; do out+=$(printf '%04x' "0x$g"); done
	echo "$out"
}

# The reversed nibble labels of the first N (default 32) hex digits of an IPv6 address: "1.0.0.0....8.b.d.0.1.0.0.2"
v6_rev() {
	local hex n i out=""
	hex=$(v6_hex "$1")
	n=${2:-32}
	for ((i = n - 1; i >= 0; i--)); do
		out+=${hex:i:1}
		[ "$i" -gt 0 ] && out+=.
	done
	echo "$out"
}

# The reversed labels of a dotted quad: v4_rev 192.0.2.1 -> 1.2.0.192
v4_rev() {
	local a b c d
	IFS=. read -r a b c d <<<"$1"
	echo "$d.$c.$b.$a"
}

# The wire form of a name, in hex: name_hex demo.rbl.test -> 0464656d6f0372626c047465737400
name_hex() {
	local label out=""
	local -a labels=()
	IFS=. read -r -a labels <<<"$1"
	for label in "${labels[@]}"; do
		[ -z "$label" ] && continue
		out+=$(printf '%02x' "${#label}")
		out+=$(printf '%s' "$label" | od -An -v -tx1 | tr -d ' \n')
	done
	echo "${out}00"
}

# --- the store, patched -----------------------------------------------------------------------------------------

# What a store written before rbltool refused control characters holds: the text is stored under a placeholder of the
# same length, then the placeholder is replaced in data.mdb byte for byte (LMDB keeps no checksums).

# placeholder TAG LENGTH: "PH", TAG, then x up to LENGTH characters (a text rbltool takes).
placeholder() {
	printf 'PH%s%*s' "$1" $(($2 - 2 - ${#1})) '' | tr ' ' x
}

# patch_store FROM TO [FROM TO...]: every FROM in $IT_DB/data.mdb becomes its TO (of the same length); prints how many
# of the FROMs were found.
patch_store() {
	perl -0777 -pi -e 'BEGIN { @pairs = splice @ARGV, 0, @ARGV - 1 }' \
		-e 'for ($i = 0; $i < @pairs; $i += 2) { $found++ if s/\Q$pairs[$i]\E/$pairs[$i + 1]/g }' \
		-e 'END { print STDOUT $found + 0, "\n" }' "$@" "$IT_DB/data.mdb"
}

# --- rbltool web ---------------------------------------------------------------------------------------------------

# start_web [RBLTOOL-WEB-ARGS...]: rbltool web on a free port with the source tree's templates, under timeout(1);
# WEB_URL is its base URL and WEB_PID timeout's (it passes SIGTERM on). Fails the test when no port is announced.
start_web() {
	timeout -k 2 "$IT_SERVER_LIFETIME" "$RBLTOOL" --db "$IT_DB" web --listen 127.0.0.1:0 \
		--templates "${WEB_TEMPLATES:?WEB_TEMPLATES must name the templates (ctest sets it)}" "$@" \
		2>"$IT_TMP/web.log" &
	WEB_PID=$!
	local port=""
	for _ in $(seq 1 50); do
		port=$(grep -o 'on port [0-9]*' "$IT_TMP/web.log" 2>/dev/null | awk '{print $3}')
		[ -n "$port" ] && break
		sleep 0.1
	done
	if [ -z "$port" ]; then
		it_fail "rbltool web starts and says its port" "a port" "$(cat "$IT_TMP/web.log")"
		finish
	fi
	it_pass "rbltool web starts and says its port ($port)"
	WEB_URL="http://127.0.0.1:$port"
}

# --- the end ------------------------------------------------------------------------------------------------------

finish() {
	echo "$IT_PASSED passed, $IT_FAILED failed"
	if [ "$IT_FAILED" -gt 0 ] || [ "$IT_PASSED" -eq 0 ]; then
		exit 1
	fi
	exit 0
}

# --- JSON (rbltool --json) ----------------------------------------------------------------------------------------

# require_jq: a script that reads JSON stops with one failure when jq is missing (scripts/deps.sh installs it).
require_jq() {
	if ! command -v jq >/dev/null; then
		it_fail "jq is installed (scripts/deps.sh)" "jq" "missing"
		finish
	fi
}

# jq_eq CHECK FILTER JSON EXPECTED: jq -r FILTER on JSON prints EXPECTED.
jq_eq() {
	local got
	got=$(jq -r "$2" <<<"$3" 2>&1)
	expect_eq "$1" "$4" "$got" "$3"
}

# valid_json CHECK JSON: JSON is one JSON document.
valid_json() {
	if jq -e . >/dev/null 2>&1 <<<"$2"; then it_pass "$1"; else it_fail "$1" "valid JSON" "jq refuses it" "$2"; fi
}
