#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_check.sh — rbltool check, the self-test an operator runs against a mail server, end to end against real
# servers in two network namespaces of the test's own, joined by a veth pair:
#
#   server namespace (192.0.2.1/24 and more addresses of TEST-NET-1 on its veth end, and its own lo):
#     a closed Postfix (mynetworks 127.0.0.0/8, reject_unauth_destination) on 192.0.2.1:25, with more smtpd
#       listeners of the same instance: 192.0.2.3 (no PTR), .4 (a PTR that does not point back), .5 (a banner name
#       other than the PTR name), .6 (banner and EHLO names other than the PTR name), .7 (listed in the DNSBL), .8
#       (STARTTLS, a self-signed certificate), and 127.0.0.1:2525 (refusing relaying even from loopback)
#     an open Postfix (mynetworks = 0.0.0.0/0: every client may relay) on 192.0.2.10:25 and 127.0.0.1:25
#     Both: banner "$myhostname ESMTP", DATA refused, every transport "discard:", nothing queued, no DNS lookups.
#   checker namespace (192.0.2.2/24, its own lo):
#     NSD (127.0.0.1:5301): check.test, 2.0.192.in-addr.arpa, 127.in-addr.arpa (tests/integration/data/check/)
#     dnsbld (127.0.0.1:5300): bl.check.test, 192.0.2.7 listed (with a TXT), the RFC 5782 test point 127.0.0.2
#     unbound (127.0.0.1:53 and 192.0.2.2:53): stub zones for all of them, and dead.check.test (nobody answers)
#   The check runs from the checker namespace (source 192.0.2.2: not an address a server may trust), and from the
#   server namespace against its own loopback and its own address (trusted), always with --resolver (and
#   DNSBL_RESOLVER) naming that unbound: no query, no connection leaves the two namespaces (neither has a route
#   out). Checked: each item's status and detail, the fix: hints, the exit status (0 all PASS, 1 a WARN, 3 a FAIL,
#   2 bad input) against the statuses, --json (parsed with jq) against the text, the whole 16-form battery sent
#   (Postfix's own log counts the RCPTs), and DATA never sent (Postfix logs no data= and queued nothing).
#
# The script runs twice: outside it creates the namespaces and the veth pair, runs itself inside the server
# namespace (nsenter --net), then checks that nothing is left running in either namespace and deletes them. Inside,
# the checker's servers run under "nsenter --net=/run/netns/CHECKER". Every server runs under timeout(1), every
# client command too; the EXIT traps stop them all and remove the namespaces and scratch directories.
#
# Needs root, iproute2, util-linux (nsenter), nsd, unbound, postfix, swaks, dig, jq, and openssl for the STARTTLS
# listener (skipped without it).
set -u
CK_HERE=$(cd "$(dirname "$0")" && pwd)
CK_SELF="$CK_HERE/$(basename "$0")"
CK_DATA="$CK_HERE/data/check"

ZONE=bl.check.test             # the DNSBL dnsbld serves (a zone of the store: checked without --dnsbl)
NOLIST=nolist.check.test       # NXDOMAIN for everything, its test point included: a list that does not answer
DEAD=dead.check.test           # a stub zone of unbound's at a port where nobody listens
SRV=192.0.2.1                  # the closed Postfix
CLI=192.0.2.2                  # the checker
NOPTR=192.0.2.3
UNCONFIRMED=192.0.2.4
BANNER_OTHER=192.0.2.5
NAMES_OTHER=192.0.2.6
LISTED=192.0.2.7
TLS=192.0.2.8
OPEN=192.0.2.10                # the open Postfix
LISTED_TXT="Open relay at $LISTED (check test)"
SRV_ADDRS=("$SRV" "$NOPTR" "$UNCONFIRMED" "$BANNER_OTHER" "$NAMES_OTHER" "$LISTED" "$TLS" "$OPEN")
NSD_PORT_FIXED=5301
DNSBLD_PORT_FIXED=5300
DEAD_PORT=5399
CLOSED_LOOPBACK_PORT=2525      # the closed Postfix on 127.0.0.1: refuses relaying even from loopback
CK_ITEMS=(relaying reverse-dns banner-name ehlo-name starttls size response-time)

# --- outside: the namespaces ---------------------------------------------------------------------------------------

ck_netns_down() {
	local ns pid
	for ns in "${CK_NETNS[@]}"; do
		if ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$ns"; then
			# Only this test's processes can be in its namespaces; none should be, but none may outlive them.
			for pid in $(ip netns pids "$ns" 2>/dev/null); do
				kill -KILL "$pid" 2>/dev/null
			done
			ip netns del "$ns" 2>/dev/null
		fi
	done
}

# shellcheck disable=SC2317 # the EXIT trap runs it
ck_outer_cleanup() {
	stop_pid CK_INNER_PID # timeout(1), which passes TERM to the inner script (its EXIT trap runs)
	ck_netns_down
	it_cleanup
}

ck_outer() {
	local cmd counts rc left p f stale a ns out
	CK_SRV_NS="dnsbld-check-srv-$$"
	CK_CLI_NS="dnsbld-check-cli-$$"
	CK_NETNS=("$CK_SRV_NS" "$CK_CLI_NS")
	CK_INNER_PID=""
	trap ck_outer_cleanup EXIT
	if [ "$(id -u)" != 0 ]; then
		it_fail "the test runs as root" "uid 0: ip netns and Postfix need it (CI runs as root)" "uid $(id -u)"
		finish
	fi
	for cmd in ip nsenter nsd nsd-checkzone unbound unbound-checkconf postconf swaks dig jq timeout; do
		if ! command -v "$cmd" >/dev/null; then
			it_fail "$cmd is installed" "$cmd on PATH (scripts/deps.sh installs it)" "not found"
			finish
		fi
	done
	# A run killed outright (SIGKILL: no EXIT trap) leaves its namespaces behind: remove those of runs whose process
	# is gone. Whatever ran in them was bounded by timeout(1) anyway.
	for stale in $(ip netns list 2>/dev/null | awk '$1 ~ /^dnsbld-check-(srv|cli)-[0-9]+$/ { print $1 }'); do
		if ! kill -0 "${stale##*-}" 2>/dev/null; then
			echo "# removing the namespace of an earlier run that was killed: $stale"
			ip netns del "$stale" 2>/dev/null
		fi
	done
	for ns in "${CK_NETNS[@]}"; do
		if ! out=$(ip netns add "$ns" 2>&1); then
			it_fail "a network namespace of the test's own" "ip netns add $ns succeeds" "failed" "$out"
			finish
		fi
	done
	# The veth pair is made inside the server namespace, its peer moved to the checker's: no name in this machine's
	# namespace is ever taken.
	if ! out=$({
		ip -n "$CK_SRV_NS" link add ck-srv type veth peer name ck-cli netns "$CK_CLI_NS" &&
			for a in "${SRV_ADDRS[@]}"; do ip -n "$CK_SRV_NS" addr add "$a/24" dev ck-srv || exit 1; done &&
			ip -n "$CK_SRV_NS" link set ck-srv up && ip -n "$CK_SRV_NS" link set lo up &&
			ip -n "$CK_CLI_NS" addr add "$CLI/24" dev ck-cli && ip -n "$CK_CLI_NS" link set ck-cli up &&
			ip -n "$CK_CLI_NS" link set lo up
	} 2>&1); then
		it_fail "the namespaces are joined by a veth pair" "ip link/addr commands succeed" "failed" "$out"
		finish
	fi
	expect_eq "the server namespace has lo and its veth end, with the server addresses" \
		"ck-srv ${SRV_ADDRS[*]} lo" \
		"$(ip -n "$CK_SRV_NS" -4 -o addr show | awk '{ sub(/@.*/, "", $2); sub(/\/.*/, "", $4); a[$2] = a[$2] " " $4 }
			END { for (d in a) if (d != "lo") printf "%s%s ", d, a[d]; print "lo" }')"
	expect_eq "the checker namespace has lo and $CLI" "ck-cli $CLI lo" \
		"$(ip -n "$CK_CLI_NS" -4 -o addr show | awk '{ sub(/@.*/, "", $2); sub(/\/.*/, "", $4); a[$2] = a[$2] " " $4 }
			END { for (d in a) if (d != "lo") printf "%s%s ", d, a[d]; print "lo" }')"
	expect_eq "neither namespace has a route out (no default route)" "" \
		"$(ip -n "$CK_SRV_NS" route show default; ip -n "$CK_CLI_NS" route show default)"

	counts="$IT_TMP/inside.counts"
	CHECK_INSIDE=1 CHECK_COUNTS=$counts CHECK_SRV_NS=$CK_SRV_NS CHECK_CLI_NS=$CK_CLI_NS \
		timeout -k 5 270 nsenter --net="/run/netns/$CK_SRV_NS" -- bash "$CK_SELF" &
	CK_INNER_PID=$!
	wait "$CK_INNER_PID"
	rc=$?
	CK_INNER_PID=""
	if [ -s "$counts" ]; then
		read -r p f <"$counts"
		IT_PASSED=$((IT_PASSED + p))
		IT_FAILED=$((IT_FAILED + f))
		[ "$rc" = 0 ] || it_fail "the part inside the namespaces exits 0" "exit status 0" "exit status $rc"
	else
		it_fail "the part inside the namespaces runs to its end" "its counts in $counts" "none (exit status $rc)"
	fi
	for ns in "${CK_NETNS[@]}"; do
		left=$(ip netns pids "$ns" 2>/dev/null | while read -r p; do ps -o pid=,args= -p "$p"; done)
		expect_eq "nothing the test started is left running in $ns" "" "$left"
	done
	ck_netns_down
	out=$(ip netns list)
	expect_not_contains "the server namespace is gone" "$CK_SRV_NS" "$out"
	expect_not_contains "the checker namespace is gone" "$CK_CLI_NS" "$out"
	finish
}

# --- inside: the servers ---------------------------------------------------------------------------------------------

# The counts go to the outer run, which prints the total.
ck_done() {
	echo "# inside the namespaces: $IT_PASSED passed, $IT_FAILED failed"
	echo "$IT_PASSED $IT_FAILED" >"$CHECK_COUNTS"
	exit 0
}

# A command in the checker's namespace (this script runs in the server's).
cx() {
	nsenter --net="/run/netns/$CHECK_CLI_NS" -- "$@"
}

ck_ms() {
	echo $((($(date +%s%N) - $1) / 1000000))
}

# ck_wait_dns LABEL PORT NAME TYPE WANT_STATUS PID LOG: waits (~5 s, while PID lives) until dig in the checker's
# namespace gets an answer with that status from 127.0.0.1:PORT; LOG is shown if it never does.
ck_wait_dns() {
	local label=$1 port=$2 name=$3 type=$4 want=${5:-NOERROR} pid=$6 log=$7 deadline
	deadline=$((SECONDS + 5))
	while [ "$SECONDS" -le "$deadline" ] && kill -0 "$pid" 2>/dev/null; do
		if cx dig @127.0.0.1 -p "$port" +time=1 +tries=1 "$name" "$type" 2>/dev/null | grep -q "status: $want"; then
			it_pass "$label answers on 127.0.0.1:$port in the checker's namespace"
			return 0
		fi
		sleep 0.1
	done
	it_fail "$label answers on 127.0.0.1:$port in the checker's namespace" "$want for $name $type within ~5 s" \
		"none" "$(cat "$log" 2>/dev/null)"
	return 1
}

CK_UNBOUND_PID=""

ck_start_dnsbld() {
	DNSBLD_LOG="$IT_TMP/dnsbld.log"
	timeout -k 2 "$IT_SERVER_LIFETIME" nsenter --net="/run/netns/$CHECK_CLI_NS" -- "$DNSBLD" "${DNSBLD_ROOT_OPTS[@]}" \
		--db "$IT_DB" --listen "127.0.0.1:$DNSBLD_PORT_FIXED" --workers 2 >"$DNSBLD_LOG" 2>&1 &
	DNSBLD_PID=$! # lib.sh's stop_dnsbld (the EXIT trap) stops it
	DNSBLD_PORT=$DNSBLD_PORT_FIXED
	ck_wait_dns dnsbld "$DNSBLD_PORT_FIXED" "$ZONE" SOA NOERROR "$DNSBLD_PID" "$DNSBLD_LOG"
}

# NSD as nsd_lib.sh configures it, in the checker's namespace (nsd_lib.sh's stop_nsd, in the EXIT trap, stops it).
ck_start_nsd() {
	local dir=$IT_TMP/nsd z zones=()
	for z in check.test 2.0.192.in-addr.arpa 127.in-addr.arpa; do
		zones+=("$z=$CK_DATA/$z.zone")
	done
	nsd_write_conf "$dir" "$NSD_PORT_FIXED" "${zones[@]}"
	timeout -k 2 "$IT_SERVER_LIFETIME" nsenter --net="/run/netns/$CHECK_CLI_NS" -- nsd -d -c "$dir/nsd.conf" \
		>"$dir/nsd.out" 2>&1 &
	NSD_PID=$!
	ck_wait_dns NSD "$NSD_PORT_FIXED" check.test SOA NOERROR "$NSD_PID" "$dir/nsd.out"
}

ck_start_unbound() {
	local dir=$IT_TMP/unbound z out
	mkdir -p "$dir"
	{
		cat <<EOF
# unbound for test_check.sh: the resolver rbltool check is given, on 127.0.0.1:53 and $CLI:53 of the checker's
# namespace. Stub zones only; it has no route to the root servers anyway.
server:
    interface: 127.0.0.1@53
    interface: $CLI@53
    access-control: 192.0.2.0/24 allow
    username: ""
    chroot: ""
    directory: "$dir"
    pidfile: ""
    use-syslog: no
    logfile: ""
    verbosity: 1
    num-threads: 1
    do-ip6: no
    module-config: "iterator"
    do-not-query-localhost: no
    # unbound answers these itself by default (RFC 6761, RFC 6303): the stubs below serve them here.
    local-zone: "test." nodefault
    local-zone: "2.0.192.in-addr.arpa." nodefault
    local-zone: "127.in-addr.arpa." nodefault
remote-control:
    control-enable: no
EOF
		for z in check.test 2.0.192.in-addr.arpa 127.in-addr.arpa; do
			printf 'stub-zone:\n    name: "%s"\n    stub-addr: 127.0.0.1@%s\n' "$z" "$NSD_PORT_FIXED"
		done
		printf 'stub-zone:\n    name: "%s"\n    stub-addr: 127.0.0.1@%s\n' "$ZONE" "$DNSBLD_PORT_FIXED"
		printf 'stub-zone:\n    name: "%s"\n    stub-addr: 127.0.0.1@%s\n' "$DEAD" "$DEAD_PORT"
	} >"$dir/unbound.conf"
	if ! out=$(unbound-checkconf "$dir/unbound.conf" 2>&1); then
		it_fail "unbound-checkconf accepts the configuration" "exit status 0" "failed" "$out"
		return 1
	fi
	timeout -k 2 "$IT_SERVER_LIFETIME" nsenter --net="/run/netns/$CHECK_CLI_NS" -- unbound -d -c "$dir/unbound.conf" \
		>"$dir/unbound.log" 2>&1 &
	CK_UNBOUND_PID=$!
	# A question it must forward: the stub zones work once it answers.
	ck_wait_dns unbound 53 check.test SOA NOERROR "$CK_UNBOUND_PID" "$dir/unbound.log"
}

# shellcheck disable=SC2317 # the EXIT trap runs it
ck_inner_cleanup() {
	stop_pid CK_UNBOUND_PID
	stop_nsd
	postfix_cleanup # Postfix, then lib.sh's it_cleanup: dnsbld, the scratch directory
}

# --- inside: Postfix, as postfix_lib.sh runs it, with this test's settings and more listeners -----------------------

# ck_pf_main_cf HOSTNAME NETWORKS: an instance's main.cf settings (postfix_lib.sh's POSTFIX_MAIN_CF), over those of
# postfix_lib.sh: its names, a banner "$myhostname ESMTP", and the relay restrictions check's own fix names
# (permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination) with mynetworks NETWORKS: 127.0.0.0/8
# (check-closed) or 0.0.0.0/0 (check-open: every client may relay). Every transport stays "discard:" (not "error:",
# which smtpd turns into a 550 at RCPT: the open instance would not be open), DATA refused.
ck_pf_main_cf() {
	cat <<EOF
myhostname = $1
mydomain = check.test
mydestination = \$myhostname, localhost
smtpd_banner = \$myhostname ESMTP
mynetworks = $2
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
smtpd_tls_security_level = none
EOF
}

# A listener line of master.cf (postfix_lib.sh's POSTFIX_MASTER_CF): ADDR:PORT, then -o options.
ck_listener() {
	printf '%-19s inet       n       -      n      -      -       smtpd %s\n' "$1" "${*:2}"
}

# The first line the SMTP server at ADDR PORT sends, from the checker's namespace; nothing if it does not answer.
ck_banner() {
	postfix_banner "$1" "$2" nsenter --net="/run/netns/$CHECK_CLI_NS" --
}

# ck_swaks WHERE SERVER PORT RCPT [--quit-after X]: an SMTP session with swaks (never DATA: it stops after RCPT,
# or earlier), from the checker's namespace (cli) or the server's (srv).
ck_swaks() {
	local where=$1 server=$2 port=$3 rcpt=$4 after=${5:-RCPT}
	local -a via=()
	[ "$where" = cli ] && via=(cx)
	"${via[@]}" timeout 30 swaks --server "$server" --port "$port" --timeout 10 --helo checker.check.test \
		--from probe@checker.check.test --to "$rcpt" --quit-after "$after" 2>&1
}

# The server's reply to the command that starts with PREFIX in a swaks transcript (its last line), or "none".
ck_reply_to() {
	awk -v p=" -> $1" '
		index($0, p) == 1 { found = 1; next }
		found && /^<(-|\*\*) +[0-9][0-9][0-9] / { sub(/^<(-|\*\*) +/, ""); print; done = 1; exit }
		found && /^ -> / { exit }
		END { if (!done) print "none" }' <<<"$2"
}

# --- inside: reading rbltool check's output ---------------------------------------------------------------------------

CK_OUT=""
CK_ERR=""
CK_RC=""
CK_LABEL=""

# ck_run LABEL WHERE ARGS...: rbltool check ARGS from the checker's namespace (cli) or the server's (srv), on the
# store, with --resolver naming unbound (unless ARGS name one) and DNSBL_RESOLVER too; bounded to 90 s. Sets CK_OUT
# (stdout), CK_ERR (stderr), CK_RC, and prints the output as "#" lines.
ck_run() {
	local label=$1 where=$2 resolver=127.0.0.1 t0
	shift 2
	local -a via=(cx) args=("$@")
	if [ "$where" = srv ]; then
		via=()
		resolver=$CLI
	fi
	[[ " $* " == *" --resolver "* ]] || args+=(--resolver "$resolver")
	CK_LABEL=$label
	t0=$(date +%s%N)
	CK_OUT=$("${via[@]}" env DNSBL_RESOLVER="$resolver" timeout -k 5 90 "$RBLTOOL" --db "$IT_DB" check "${args[@]}" \
		2>"$IT_TMP/check.err")
	CK_RC=$?
	CK_ERR=$(cat "$IT_TMP/check.err")
	echo "# $label: rbltool check ${args[*]} (from the $where namespace): exit status $CK_RC [$(ck_ms "$t0") ms]"
	if [ "$CK_RC" = 124 ] || [ "$CK_RC" = 137 ]; then
		it_fail "$label: rbltool check finishes" "within 90 s" "killed by timeout(1)"
	fi
	[ -n "$CK_OUT" ] && head -n 80 <<<"$CK_OUT" | sed 's/^/#   /'
	[ -n "$CK_ERR" ] && head -n 10 <<<"$CK_ERR" | sed 's/^/#   stderr: /'
	return 0
}

# The checklist line(s) of ITEM ("relaying", "dnsbl bl.check.test") in the output.
ck_line() {
	awk -v item="$1" '
		/^(PASS|WARN|FAIL) / {
			rest = $0
			sub(/^[A-Z]+ +/, "", rest)
			if (rest == item || index(rest, item " ") == 1) print
		}' <<<"${2-$CK_OUT}"
}

# The status of ITEM: PASS, WARN, FAIL, "none", or several words if the item is there more than once.
ck_status() {
	local s
	s=$(ck_line "$1" "${2-$CK_OUT}" | awk '{print $1}' | paste -sd' ' -)
	echo "${s:-none}"
}

# ITEM's line and the indented lines under it (its fix: hints, a transcript).
ck_block() {
	awk -v item="$1" '
		/^[^ \t]/ {
			on = 0
			if ($0 ~ /^(PASS|WARN|FAIL) /) {
				rest = $0
				sub(/^[A-Z]+ +/, "", rest)
				on = (rest == item || index(rest, item " ") == 1)
			}
		}
		on' <<<"${2-$CK_OUT}"
}

# The fix: lines under ITEM.
ck_fix() {
	ck_block "$1" "${2-$CK_OUT}" | grep -E '^[[:space:]]+fix:'
}

# "ITEM STATUS" lines, sorted: of the text output, or (ck_json_items) of --json.
ck_text_items() {
	awk '/^(PASS|WARN|FAIL) / {
		st = $1; rest = $0; sub(/^[A-Z]+ +/, "", rest)
		if (rest ~ /^dnsbl /) { split(rest, w, " "); item = w[1] " " w[2] } else { split(rest, w, " "); item = w[1] }
		print item, st }' <<<"$CK_OUT" | sort
}

ck_json_items() {
	jq -r '.checks[] | "\(.item) \(.status)"' <<<"$CK_OUT" 2>/dev/null | sort
}

# expect_item ITEM STATUS [NEEDLE...]: ITEM's status in the last run, and each NEEDLE in its line or the lines
# under it.
expect_item() {
	local item=$1 status=$2 needle block
	shift 2
	expect_eq "$CK_LABEL: $item is $status" "$status" "$(ck_status "$item")" "$CK_OUT"
	block=$(ck_block "$item")
	for needle in "$@"; do
		expect_contains "$CK_LABEL: $item says '$needle'" "$needle" "$block"
	done
}

# What the exit status must be for the statuses in the output: 3 a FAIL, else 1 a WARN, else 0.
ck_exit_for() {
	if grep -qE '^FAIL ' <<<"$1"; then
		echo 3
	elif grep -qE '^WARN ' <<<"$1"; then
		echo 1
	else
		echo 0
	fi
}

# ck_complete [ITEMS...]: the last run's output is a whole checklist: each item once, in the "STATUS  ITEM  detail"
# form, and the exit status is what its statuses call for.
ck_complete() {
	local item missing="" lines
	for item in "${CK_ITEMS[@]}" "$@"; do
		[ "$(ck_line "$item" | wc -l)" = 1 ] || missing+="$item ($(ck_line "$item" | wc -l) lines) "
	done
	expect_eq "$CK_LABEL: every item is there once" "" "$missing" "$CK_OUT"
	lines=$(grep -E '^(PASS|WARN|FAIL)' <<<"$CK_OUT" | grep -vE '^(PASS |WARN |FAIL )  ?[a-z]')
	expect_eq "$CK_LABEL: every checklist line is 'STATUS  ITEM  detail', STATUS padded to 5 columns" "" "$lines"
	expect_exit "$CK_LABEL: the exit status is what the statuses call for" "$(ck_exit_for "$CK_OUT")" "$CK_RC" \
		"$CK_OUT"
}

# ck_jq CHECK FILTER: jq -e FILTER holds for the last run's output (JSON).
ck_jq() {
	local out
	if out=$(jq -e "$2" <<<"$CK_OUT" 2>&1) && [ "$out" != false ] && [ "$out" != null ]; then
		it_pass "$CK_LABEL: $1"
	else
		it_fail "$CK_LABEL: $1" "jq -e '$2' true" "${out:-false}" "$CK_OUT"
	fi
}

# ck_json_shape: what every --json output has.
ck_json_shape() {
	if ! jq -e . <<<"$CK_OUT" >/dev/null 2>&1; then
		it_fail "$CK_LABEL: --json prints one JSON document" "jq parses it" "it does not" "$CK_OUT"
		return 1
	fi
	ck_jq "host, port, address, source_address, trusted_source" \
		'(.host|type) == "string" and (.port|type) == "number" and (.address|type) == "string"
		 and (.source_address|type) == "string" and (.trusted_source|type) == "boolean"'
	ck_jq "checks: item, status (PASS/WARN/FAIL), detail, fix (a list of strings) each" \
		'(.checks|type) == "array" and (.checks|length) > 0 and all(.checks[];
			(.item|type) == "string" and (.status == "PASS" or .status == "WARN" or .status == "FAIL")
			and (.detail|type) == "string" and ((.fix // [])|type) == "array" and all((.fix // [])[]; type == "string"))'
	ck_jq "summary counts the statuses" \
		'.summary.pass == ([.checks[] | select(.status == "PASS")] | length)
		 and .summary.warn == ([.checks[] | select(.status == "WARN")] | length)
		 and .summary.fail == ([.checks[] | select(.status == "FAIL")] | length)'
	local want=0
	jq -e '.summary.warn > 0' <<<"$CK_OUT" >/dev/null 2>&1 && want=1
	jq -e '.summary.fail > 0' <<<"$CK_OUT" >/dev/null 2>&1 && want=3
	expect_exit "$CK_LABEL: the exit status is what the summary calls for" "$want" "$CK_RC"
}

# --- inside: Postfix's log of the check's sessions ----------------------------------------------------------------

# The number of lines of an instance's maillog (a mark), and the lines after a mark once every session in them has
# ended (each "connect from" has its "disconnect from"; ~3 s at most).
ck_log_mark() {
	wc -l <"$(postfix_maillog "$1")" 2>/dev/null || echo 0
}

ck_log_since() {
	local log deadline part
	log=$(postfix_maillog "$1")
	deadline=$((SECONDS + 3))
	while :; do
		part=$(tail -n +"$(($2 + 1))" "$log" 2>/dev/null)
		[ "$(grep -c ' connect from ' <<<"$part")" -le "$(grep -c ' disconnect from ' <<<"$part")" ] && break
		[ "$SECONDS" -gt "$deadline" ] && break
		sleep 0.1
	done
	printf '%s\n' "$part"
}

# The RCPT commands Postfix counted in the sessions of CLIENT in a piece of its log ("rcpt=6/6", or "rcpt=6" when
# all went well).
ck_rcpt_total() {
	awk -v c="[$2]" '
		/ disconnect from / && index($0, c) {
			for (i = 1; i <= NF; i++) if ($i ~ /^rcpt=/) { split(substr($i, 6), n, "/"); sum += (n[2] != "" ? n[2] : n[1]) }
		}
		END { print sum + 0 }' <<<"$1"
}

# --- inside: the test ---------------------------------------------------------------------------------------------

ck_fixtures() {
	local out reply a
	# --- the store and the DNS servers ---
	rbl zone create "$ZONE" --ns ns.check.test --contact hostmaster@check.test --ttl 300 \
		--txt "Listed in $ZONE: \$" >/dev/null 2>&1 &&
		rbl add "$ZONE" "$LISTED" --reason 'Open relay at $ (check test)' >/dev/null &&
		rbl add "$ZONE" 127.0.0.2 --reason "RFC 5782 test point of $ZONE" >/dev/null
	expect_exit "the store: $ZONE, $LISTED and the test point 127.0.0.2 listed (rbltool)" 0 $?
	ck_start_dnsbld || return 1
	ck_start_nsd || return 1
	ck_start_unbound || return 1

	# --- what the check will ask, through unbound, from both namespaces ---
	out=$(cx dig @127.0.0.1 +time=3 +tries=1 -x "$SRV")
	expect_answer_contains "unbound: $SRV's PTR is mx.check.test" "PTR mx.check.test." "$out"
	out=$(cx dig @127.0.0.1 +time=3 +tries=1 mx.check.test A)
	expect_answer_contains "unbound: mx.check.test A is $SRV" "IN A $SRV" "$out"
	out=$(cx dig @127.0.0.1 +time=3 +tries=1 -x "$NOPTR")
	expect_rcode "unbound: $NOPTR has no PTR (NXDOMAIN)" NXDOMAIN "$out"
	out=$(cx dig @127.0.0.1 +time=3 +tries=1 -x "$UNCONFIRMED")
	expect_answer_contains "unbound: $UNCONFIRMED's PTR is unconfirmed.check.test" "PTR unconfirmed.check.test." "$out"
	out=$(cx dig @127.0.0.1 +time=3 +tries=1 unconfirmed.check.test A)
	expect_answer_contains "unbound: ... whose A is another address" "IN A 192.0.2.44" "$out"
	out=$(dig @"$CLI" +time=3 +tries=1 -x 127.0.0.1)
	expect_answer_contains "unbound, from the server's namespace ($CLI:53): 127.0.0.1's PTR is open.check.test" \
		"PTR open.check.test." "$out"
	out=$(dig @"$CLI" +time=3 +tries=1 open.check.test A)
	expect_answer_contains "unbound, from the server's namespace: open.check.test A has 127.0.0.1" "IN A 127.0.0.1" "$out"
	expect_answer_contains "unbound, from the server's namespace: open.check.test A has $OPEN" "IN A $OPEN" "$out"
	out=$(cx dig @127.0.0.1 +time=3 +tries=1 "$(v4_rev "$LISTED").$ZONE" A)
	expect_answer_contains "unbound: $LISTED is listed in $ZONE (127.0.0.2)" "IN A 127.0.0.2" "$out"
	out=$(cx dig @127.0.0.1 +time=3 +tries=1 "$(v4_rev "$LISTED").$ZONE" TXT)
	expect_txt "unbound: $LISTED's TXT in $ZONE" "$LISTED_TXT" "$out"
	out=$(cx dig @127.0.0.1 +time=3 +tries=1 "2.0.0.127.$ZONE" A)
	expect_answer_contains "unbound: the test point 127.0.0.2 is listed in $ZONE" "IN A 127.0.0.2" "$out"
	out=$(cx dig @127.0.0.1 +time=3 +tries=1 "$(v4_rev "$SRV").$ZONE" A)
	expect_rcode "unbound: $SRV is not listed in $ZONE" NXDOMAIN "$out"
	out=$(cx dig @127.0.0.1 +time=3 +tries=1 "2.0.0.127.$NOLIST" A)
	expect_rcode "unbound: $NOLIST does not answer for its test point (NXDOMAIN)" NXDOMAIN "$out"
	out=$(cx dig @127.0.0.1 +time=4 +tries=1 "2.0.0.127.$DEAD" A)
	if [[ $(rcode_of "$out") == SERVFAIL || $(rcode_of "$out") == no-response ]]; then
		it_pass "unbound: $DEAD does not answer for its test point ($(rcode_of "$out"))"
	else
		it_fail "unbound: $DEAD does not answer for its test point" "SERVFAIL or no response" "$(rcode_of "$out")" "$out"
	fi

	# --- Postfix ---
	postfix_require || return 1
	CK_TLS_OPTS=""
	if command -v openssl >/dev/null; then
		mkdir -p "$IT_TMP/tls"
		if openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=mx8.check.test \
			-keyout "$IT_TMP/tls/key.pem" -out "$IT_TMP/tls/cert.pem" >"$IT_TMP/tls/openssl.out" 2>&1; then
			CK_TLS_OPTS="-o smtpd_tls_security_level=may -o smtpd_tls_cert_file=$IT_TMP/tls/cert.pem"
			CK_TLS_OPTS+=" -o smtpd_tls_key_file=$IT_TMP/tls/key.pem"
		fi
	fi
	POSTFIX_MAIN_CF[$SRV]=$(ck_pf_main_cf mx.check.test 127.0.0.0/8)
	POSTFIX_MASTER_CF[$SRV]=$(
		ck_listener "$NOPTR:25" -o myhostname=mx3.check.test
		ck_listener "$UNCONFIRMED:25" -o myhostname=unconfirmed.check.test
		ck_listener "$BANNER_OTHER:25" -o myhostname=mx5.check.test -o '{ smtpd_banner = other.check.test ESMTP }'
		ck_listener "$NAMES_OTHER:25" -o myhostname=elsewhere.check.test
		ck_listener "$LISTED:25" -o myhostname=mx7.check.test
		# Everything in order here (STARTTLS, a 50 MB SIZE, not Postfix's default 10240000): a check all PASS.
		[ -n "$CK_TLS_OPTS" ] && ck_listener "$TLS:25" -o myhostname=mx8.check.test -o message_size_limit=52428800 \
			"$CK_TLS_OPTS"
		ck_listener "127.0.0.1:$CLOSED_LOOPBACK_PORT" -o myhostname=open.check.test -o mynetworks=192.0.2.255/32
		echo "tlsmgr              unix       -       -      n      1000?  1       tlsmgr" # for STARTTLS
	)
	postfix_start check-closed "$SRV" 25 || return 1
	# The classic open relay: every client is in mynetworks. (Postfix refuses to start with relay restrictions that
	# hold no reject_unauth_destination or the like, so "smtpd_relay_restrictions = permit" is not possible.)
	POSTFIX_MAIN_CF[$OPEN]=$(ck_pf_main_cf open.check.test 0.0.0.0/0)
	POSTFIX_MASTER_CF[$OPEN]=$(ck_listener "127.0.0.1:25")
	postfix_start check-open "$OPEN" 25 || return 1

	# --- seen from the checker ---
	expect_eq "the closed Postfix greets the checker with its name" "220 mx.check.test ESMTP" "$(ck_banner "$SRV" 25)"
	expect_eq "$BANNER_OTHER greets with a name other than its PTR's" "220 other.check.test ESMTP" \
		"$(ck_banner "$BANNER_OTHER" 25)"
	expect_eq "$NAMES_OTHER greets with a name other than its PTR's" "220 elsewhere.check.test ESMTP" \
		"$(ck_banner "$NAMES_OTHER" 25)"
	expect_eq "the open Postfix greets the checker" "220 open.check.test ESMTP" "$(ck_banner "$OPEN" 25)"
	out=$(ck_swaks cli "$SRV" 25 relay-check@relay-test.example)
	reply=$(ck_reply_to "RCPT TO:" "$out")
	echo "# swaks from $CLI to the closed Postfix, RCPT to another domain: $reply"
	expect_contains "swaks: the closed Postfix refuses to relay for $CLI" "Relay access denied" "$reply"
	expect_contains "swaks: its EHLO reply names mx.check.test" "<-  250-mx.check.test" "$out"
	expect_not_contains "swaks: the closed Postfix offers no STARTTLS" "STARTTLS" "$out"
	out=$(ck_swaks cli "$BANNER_OTHER" 25 postmaster@mx5.check.test EHLO)
	expect_contains "swaks: $BANNER_OTHER's EHLO reply names mx5.check.test (its PTR name)" "<-  250-mx5.check.test" "$out"
	out=$(ck_swaks cli "$OPEN" 25 relay-check@relay-test.example)
	reply=$(ck_reply_to "RCPT TO:" "$out")
	echo "# swaks from $CLI to the open Postfix, RCPT to another domain: $reply"
	expect_eq "swaks: the open Postfix relays for $CLI (250 at RCPT)" 250 "${reply%% *}" "$out"
	out=$(ck_swaks srv 127.0.0.1 25 relay-check@relay-test.example)
	expect_eq "swaks: the open Postfix relays for 127.0.0.1 (250 at RCPT)" 250 "$(ck_reply_to "RCPT TO:" "$out" |
		cut -d' ' -f1)" "$out"
	out=$(ck_swaks srv 127.0.0.1 "$CLOSED_LOOPBACK_PORT" relay-check@relay-test.example)
	expect_contains "swaks: the closed Postfix on 127.0.0.1:$CLOSED_LOOPBACK_PORT refuses even loopback" \
		"Relay access denied" "$(ck_reply_to "RCPT TO:" "$out")" "$out"
	if [ -n "$CK_TLS_OPTS" ]; then
		out=$(ck_swaks cli "$TLS" 25 postmaster@mx8.check.test EHLO)
		expect_contains "swaks: $TLS offers STARTTLS" "250-STARTTLS" "$out"
	else
		echo "# skipped: the STARTTLS listener (no openssl to make its certificate)"
	fi
	for a in "$SRV" "$OPEN"; do
		expect_not_contains "Postfix at $a: no DATA so far (swaks stops at RCPT)" "data=" \
			"$(cat "$(postfix_maillog "$a")")"
	done
	return 0
}

# Whether rbltool check exists and knows the options of its spec: the unknown option, last, is the one it names.
ck_have_check() {
	local out
	out=$("$RBLTOOL" --db "$IT_DB" check --resolver "$CLI" --json --no-store-zones --dnsbl "$ZONE" --helo h.check.test \
		--sender-domain s.check.test --recipient-domain r.check.test --timeout 5 --zz-no-such-option 2>&1)
	if grep -qF -- "'--zz-no-such-option'" <<<"$out"; then
		it_pass "rbltool check exists and knows --resolver --json --no-store-zones --dnsbl --helo --sender-domain" \
			"--recipient-domain --timeout"
		return 0
	fi
	it_fail "rbltool check exists and knows the options of its spec" \
		"an unknown option after --resolver ... --timeout named as the bad one" "it is not (not written yet?)" "$out"
	return 1
}

ck_checks() {
	local mark part total out text_items fixes

	# --- closed, from outside: relaying PASS, names right, DNSBL PASS, no STARTTLS ---
	mark=$(ck_log_mark "$SRV")
	ck_run "closed, from outside" cli "$SRV"
	ck_complete "dnsbl $ZONE"
	expect_item relaying PASS
	expect_item reverse-dns PASS mx.check.test
	expect_item banner-name PASS
	expect_item ehlo-name PASS
	expect_item "dnsbl $ZONE" PASS
	expect_item starttls WARN
	expect_eq "$CK_LABEL: no FAIL" "" "$(grep -E '^FAIL ' <<<"$CK_OUT")"
	expect_exit "$CK_LABEL: exit status 1 (a WARN, no FAIL)" 1 "$CK_RC"
	text_items=$(ck_text_items)
	part=$(ck_log_since "$SRV" "$mark")
	total=$(ck_rcpt_total "$part" "$CLI")
	if [ "$total" -ge 16 ]; then
		it_pass "$CK_LABEL: the whole battery was sent: Postfix counted $total RCPTs from $CLI (16 forms)"
	else
		it_fail "$CK_LABEL: the whole 16-form battery was sent" "at least 16 RCPTs in Postfix's log" "$total" "$part"
	fi
	expect_not_contains "$CK_LABEL: Postfix never saw DATA" "data=" "$part"
	ck_run "closed, from outside, --json" cli "$SRV" --json
	ck_json_shape
	ck_jq "host, address $SRV, port 25, source $CLI, not trusted" \
		".host == \"$SRV\" and .address == \"$SRV\" and .port == 25 and .source_address == \"$CLI\"
		 and .trusted_source == false"
	expect_eq "$CK_LABEL: the same items and statuses as the text output" "$text_items" "$(ck_json_items)"

	# --- open, from outside: FAIL, naming every accepted form, with the fixes ---
	mark=$(ck_log_mark "$OPEN")
	ck_run "open, from outside" cli "$OPEN"
	ck_complete "dnsbl $ZONE"
	expect_item relaying FAIL "form 0 (null sender)" "form 1 (external to external)"
	expect_exit "$CK_LABEL: exit status 3" 3 "$CK_RC"
	expect_contains "$CK_LABEL: the relaying block has a transcript (the RCPT that was accepted)" "RCPT TO:" \
		"$(ck_block relaying)"
	fixes=$(ck_fix relaying)
	expect_contains "$CK_LABEL: a fix: for Postfix" \
		"smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination" "$fixes"
	if grep -qE 'relay_from_hosts|acl_check_rcpt' <<<"$fixes"; then
		it_pass "$CK_LABEL: a fix: for Exim (relay_from_hosts / acl_check_rcpt)"
	else
		it_fail "$CK_LABEL: a fix: for Exim" "relay_from_hosts or acl_check_rcpt in a fix: line" "(none)" "$fixes"
	fi
	expect_not_contains "$CK_LABEL: not called a trusted source" "may trust" "$(ck_block relaying)"
	expect_item reverse-dns PASS open.check.test
	expect_item banner-name PASS
	expect_item ehlo-name PASS
	text_items=$(ck_text_items)
	part=$(ck_log_since "$OPEN" "$mark")
	total=$(ck_rcpt_total "$part" "$CLI")
	if [ "$total" -ge 16 ]; then
		it_pass "$CK_LABEL: every form was tried, not only up to the first accepted: $total RCPTs"
	else
		it_fail "$CK_LABEL: every form was tried (the full battery)" "at least 16 RCPTs in Postfix's log" "$total" "$part"
	fi
	expect_not_contains "$CK_LABEL: Postfix never saw DATA" "data=" "$part"
	ck_run "open, from outside, --json" cli "$OPEN" --json
	ck_json_shape
	ck_jq "relaying FAIL, not trusted" \
		'.trusted_source == false and ([.checks[] | select(.item == "relaying") | .status] == ["FAIL"])'
	ck_jq "relaying's fix names smtpd_relay_restrictions" \
		'[.checks[] | select(.item == "relaying") | .fix[]?] | any(test("smtpd_relay_restrictions"))'
	ck_jq "relaying's detail names form 0 (null sender)" \
		'[.checks[] | select(.item == "relaying") | .detail] | any(test("form 0 \\(null sender\\)"))'
	expect_eq "$CK_LABEL: the same items and statuses as the text output" "$text_items" "$(ck_json_items)"

	# --- open, from the server's own loopback and own address: WARN, not FAIL ---
	mark=$(ck_log_mark "$OPEN")
	ck_run "open, from its own loopback" srv 127.0.0.1
	ck_complete "dnsbl $ZONE"
	expect_item relaying WARN "127.0.0.1" "may trust"
	expect_item reverse-dns PASS open.check.test
	expect_item banner-name PASS
	expect_eq "$CK_LABEL: no FAIL" "" "$(grep -E '^FAIL ' <<<"$CK_OUT")"
	expect_exit "$CK_LABEL: exit status 1" 1 "$CK_RC"
	part=$(ck_log_since "$OPEN" "$mark")
	expect_contains "$CK_LABEL: the sessions came from 127.0.0.1" "connect from unknown[127.0.0.1]" "$part"
	ck_run "open, from its own loopback, --json" srv 127.0.0.1 --json
	ck_json_shape
	ck_jq "trusted source 127.0.0.1, relaying WARN" \
		'.trusted_source == true and .source_address == "127.0.0.1"
		 and ([.checks[] | select(.item == "relaying") | .status] == ["WARN"])'
	ck_run "open, from its own address" srv "$OPEN"
	expect_item relaying WARN "may trust"
	expect_eq "$CK_LABEL: no FAIL" "" "$(grep -E '^FAIL ' <<<"$CK_OUT")"
	ck_run "open, from its own address, --json" srv "$OPEN" --json
	# The kernel picks the source among the server namespace's own addresses (192.0.2.1, its veth end's first).
	ck_jq "trusted source, one of the server's own addresses (the same host)" \
		".trusted_source == true and ([.source_address] | inside([$(printf '"%s",' "${SRV_ADDRS[@]}" | sed 's/,$//')]))"
	# The source is the target itself: the narrowest "same host".
	ck_run "closed, from its own address" srv "$SRV" --json
	ck_jq "trusted source $SRV, the address checked itself; relaying PASS (a refusal)" \
		".trusted_source == true and .source_address == \"$SRV\"
		 and ([.checks[] | select(.item == \"relaying\") | .status] == [\"PASS\"])"
	ck_run "closed even for loopback, from loopback" srv "127.0.0.1:$CLOSED_LOOPBACK_PORT"
	expect_item relaying PASS
	ck_run "closed even for loopback, from loopback, --json" srv "127.0.0.1:$CLOSED_LOOPBACK_PORT" --json
	ck_jq "a refusal from a trusted source is still PASS" \
		".trusted_source == true and .port == $CLOSED_LOOPBACK_PORT
		 and ([.checks[] | select(.item == \"relaying\") | .status] == [\"PASS\"])"

	# --- names ---
	ck_run "banner name not the PTR name" cli "$BANNER_OTHER"
	ck_complete "dnsbl $ZONE"
	expect_item reverse-dns PASS mx5.check.test
	expect_item banner-name WARN other.check.test
	expect_item ehlo-name PASS
	expect_exit "$CK_LABEL: exit status 1" 1 "$CK_RC"
	ck_run "banner and EHLO names not the PTR name" cli "$NAMES_OTHER"
	expect_item reverse-dns PASS mx6.check.test
	expect_item banner-name WARN elsewhere.check.test
	expect_item ehlo-name WARN elsewhere.check.test
	ck_run "no PTR" cli "$NOPTR"
	ck_complete "dnsbl $ZONE"
	expect_item reverse-dns FAIL
	expect_eq "$CK_LABEL: reverse-dns has a fix: line" 1 "$([ -n "$(ck_fix reverse-dns)" ] && echo 1 || echo 0)" \
		"$CK_OUT"
	expect_item relaying PASS
	expect_exit "$CK_LABEL: exit status 3" 3 "$CK_RC"
	ck_run "PTR not forward-confirmed" cli "$UNCONFIRMED"
	expect_item reverse-dns FAIL unconfirmed.check.test
	expect_exit "$CK_LABEL: exit status 3" 3 "$CK_RC"
	ck_run "the host given by name" cli mx.check.test --json
	ck_json_shape
	ck_jq "host mx.check.test, resolved to $SRV" ".host == \"mx.check.test\" and .address == \"$SRV\""
	# Without --resolver and DNSBL_RESOLVER the resolver is resolv.conf's: a private one (naming the checker's
	# unbound) bound over /etc/resolv.conf in a mount namespace of this run only.
	echo "nameserver 127.0.0.1" >"$IT_TMP/resolv.conf"
	out=$(cx unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && shift && exec env -u DNSBL_RESOLVER "$@"' sh \
		"$IT_TMP/resolv.conf" timeout -k 5 60 "$RBLTOOL" --db "$IT_DB" check "$SRV" 2>&1)
	if grep -q "^PASS  reverse-dns .*mx.check.test" <<<"$out"; then
		it_pass "no --resolver, no DNSBL_RESOLVER: resolv.conf's resolver answers (PTR mx.check.test)"
	else
		it_fail "no --resolver, no DNSBL_RESOLVER: resolv.conf's resolver answers" "PASS  reverse-dns ... mx.check.test" \
			"$(grep reverse-dns <<<"$out")" "$out"
	fi

	# --- DNSBLs ---
	ck_run "listed" cli "$LISTED"
	ck_complete "dnsbl $ZONE"
	expect_item "dnsbl $ZONE" FAIL "127.0.0.2" "$LISTED_TXT"
	expect_item relaying PASS
	expect_item reverse-dns PASS mx7.check.test
	expect_exit "$CK_LABEL: exit status 3" 3 "$CK_RC"
	ck_run "listed, --json" cli "$LISTED" --json
	ck_jq "dnsbl $ZONE FAIL with the TXT in its detail" \
		"[.checks[] | select(.item == \"dnsbl $ZONE\" and .status == \"FAIL\") | .detail]
		 | any(contains(\"$LISTED_TXT\"))"
	ck_run "a list that answers NXDOMAIN for its test point" cli "$SRV" --dnsbl "$NOLIST"
	ck_complete "dnsbl $ZONE" "dnsbl $NOLIST"
	expect_item "dnsbl $NOLIST" WARN "does not answer"
	expect_item "dnsbl $ZONE" PASS
	ck_run "a list nobody serves" cli "$SRV" --dnsbl "$DEAD" --timeout 3
	expect_item "dnsbl $DEAD" WARN "does not answer"
	ck_run "--no-store-zones" cli "$SRV" --no-store-zones
	expect_eq "$CK_LABEL: no dnsbl line" "" "$(grep -E '^(PASS|WARN|FAIL) +dnsbl ' <<<"$CK_OUT")" "$CK_OUT"
	ck_complete
	ck_run "--no-store-zones --dnsbl $ZONE" cli "$LISTED" --no-store-zones --dnsbl "$ZONE"
	expect_item "dnsbl $ZONE" FAIL "$LISTED_TXT"
	ck_run "--dnsbl naming a zone of the store too" cli "$SRV" --dnsbl "$ZONE"
	expect_eq "$CK_LABEL: one line for the zone" 1 "$(ck_line "dnsbl $ZONE" | wc -l)" "$CK_OUT"

	# --- STARTTLS offered ---
	if [ -n "$CK_TLS_OPTS" ]; then
		ck_run "STARTTLS offered, all in order" cli "$TLS"
		ck_complete "dnsbl $ZONE"
		expect_item starttls PASS
		expect_eq "$CK_LABEL: every item PASS" "" "$(grep -E '^(WARN|FAIL) ' <<<"$CK_OUT")" "$CK_OUT"
		expect_exit "$CK_LABEL: exit status 0" 0 "$CK_RC"
		ck_run "STARTTLS offered, all in order, --json" cli "$TLS" --json
		ck_json_shape
		ck_jq "summary: no WARN, no FAIL" '.summary.warn == 0 and .summary.fail == 0 and .summary.pass > 0'
	fi

	# --- what the check says in the SMTP session ---
	mark=$(ck_log_mark "$SRV")
	ck_run "--helo --sender-domain --recipient-domain" cli "$SRV" --helo helo.check.example \
		--sender-domain sender.check.example --recipient-domain rcpt.check.example
	part=$(ck_log_since "$SRV" "$mark")
	expect_contains "$CK_LABEL: Postfix logged the EHLO name given" "helo=<helo.check.example>" "$part"
	expect_contains "$CK_LABEL: ... a sender in the sender domain" "@sender.check.example> to=<" "$part"
	expect_contains "$CK_LABEL: ... a recipient in the recipient domain" "@rcpt.check.example>" "$part"

	# --- bad input: exit 2, one line, nothing checked ---
	for out in "" "--timeout abc" "--resolver not-an-address" "--zz-no-such-option"; do
		mark=$(ck_log_mark "$SRV")
		# shellcheck disable=SC2086 # the words of a bad option
		if [ -z "$out" ]; then ck_run "no HOST" cli; else ck_run "bad input: $out" cli "$SRV" $out; fi
		expect_exit "$CK_LABEL: exit status 2" 2 "$CK_RC" "$CK_ERR"
		expect_eq "$CK_LABEL: nothing on stdout" "" "$CK_OUT"
		expect_eq "$CK_LABEL: no session with the server" 0 "$(ck_log_since "$SRV" "$mark" | grep -c ' connect from ')"
	done

	# --- DATA, never ---
	for a in "$SRV" "$OPEN"; do
		expect_not_contains "Postfix at $a: DATA never came (no data= in its log)" "data=" "$(cat "$(postfix_maillog "$a")")"
		expect_eq "Postfix at $a: nothing was queued" "" "$(postfix_queued_files "$a")"
	done
}

ck_inner() {
	local t0
	trap ck_inner_cleanup EXIT
	export DNSBL_RESOLVER=127.0.0.1 # never this machine's resolver, whatever runs
	t0=$(date +%s%N)
	expect_eq "inside: the script runs in the server namespace ($SRV is one of its addresses)" 1 \
		"$(ip -4 -o addr show | grep -c " $SRV/")"
	if ! ck_fixtures; then
		it_fail "the fixtures come up" "DNS servers and Postfix answering" "they did not (see above)"
		ck_done
	fi
	echo "# fixtures up and verified [$(ck_ms "$t0") ms]"
	ck_have_check || ck_done
	t0=$(date +%s%N)
	ck_checks
	echo "# rbltool check runs [$(ck_ms "$t0") ms]"
	ck_done
}

# --- which run this is --------------------------------------------------------------------------------------------

if [ "${CHECK_INSIDE:-}" = 1 ]; then
	. "$(dirname "$0")/lib.sh"
	. "$(dirname "$0")/nsd_lib.sh"
	. "$(dirname "$0")/postfix_lib.sh"
	ck_inner
else
	. "$(dirname "$0")/lib.sh"
	ck_outer
fi
