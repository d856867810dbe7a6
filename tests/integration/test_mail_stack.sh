#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_mail_stack.sh — the mail stack end to end, as an operator wires it (README, "Use it from your MTA"), with
# Debian's own packages and no mocks, inside a network namespace of the test's own that has nothing but a loopback:
#
#   dnsbld (127.0.0.1:5300, and 127.0.53.1:53 for the name servers' addresses) serving a zone with a 2 s TTL
#   unbound on 127.0.0.1:53, the namespace's resolver (/etc/netns/NAME/resolv.conf), qname-minimisation on, a
#     stub-zone for the list: once with stub-prime: yes (the zone's NS outside it, resolved from an auth-zone of the
#     parent; and, where rbltool can give an in-zone name server its address, a zone whose NS is inside it, with
#     glue), once with stub-prime: no (the README's snippet, which the MTAs then use). Through it: listed A and TXT,
#     unlisted NXDOMAIN, an excluded address inside a listed CIDR, an IPv6 listing, the RFC 5782 test points, and
#     no SERVFAIL while queries go on across several expiries of the NS set.
#   Postfix with reject_rbl_client, then with postscreen; Exim with dnslists in its RCPT ACL: a listed client (SMTP
#     from 127.0.10.25, swaks bound to it) gets a 5xx at RCPT (with the TXT, but from postscreen), an unlisted one
#     (127.0.20.25) a 250; every session stops after RCPT, every transport discards. Postfix's DNSBL cache: an answer
#     outlives a delisting for the rest of the connection and for the next connection the same smtpd process
#     serves; a reload ends it.
#   SpamAssassin: the README's check_rbl rule passes spamassassin --lint (and a broken one does not).
#   The README's snippets: every line of them is in a configuration the test ran.
#
# The script runs twice: outside (this machine's namespaces) it unpacks Exim (apt-get download needs the network),
# creates the namespace and /etc/netns/NAME, runs itself inside with "ip netns exec", then checks that nothing is
# left running in the namespace and removes both. Inside, everything (servers, clients, dig) talks to loopback
# addresses of the namespace only; unbound has no forwarder and never needs the root servers (no route out anyway).
# Every wait is bounded; the EXIT traps stop every process the test started (outside: the inner run, the namespace,
# /etc/netns/NAME; inside: unbound, Postfix, Exim, dnsbld) and remove the scratch directories.
#
# Needs root, iproute2 (ip netns), unbound, postfix, swaks, socat, spamassassin, dig (scripts/deps.sh installs them,
# with no service started), and Exim's packages downloadable once (MTA_CACHE_DIR caches them).
set -u
MS_HERE=$(cd "$(dirname "$0")" && pwd)
MS_SELF="$MS_HERE/$(basename "$0")"

ZONE=bl.mailstack.example        # the list; its NS, ns.mailstack.example, is outside it
PARENT=mailstack.example         # unbound serves this parent from an auth-zone: the NS name's address
NS_NAME=ns.mailstack.example
GLUE_ZONE=glue.mailstack.example # a list whose name server is inside it: ns1.glue.mailstack.example, with glue
GLUE_NS=ns1.$GLUE_ZONE
NS_ADDR=127.0.53.1               # where dnsbld also answers on port 53: the name servers' address
STUB_PORT=5300                   # dnsbld's default port: the stub-addr of the README's snippet
LISTED=127.0.10.25               # inside the listed 127.0.10.0/24: the listed SMTP client
EXCLUDED=127.0.10.42             # excluded from that /24
UNLISTED=127.0.20.25             # the unlisted SMTP client
DELISTED=127.0.30.26             # listed, then delisted in the middle of a Postfix session
V6_LISTED=2001:db8:bad::25       # inside the listed 2001:db8:bad::/48
LISTED_TXT="Open relay at $LISTED (mail stack test)"
POSTFIX_ADDR=127.0.25.1
POSTSCREEN_ADDR=127.0.25.2
EXIM_ADDR=127.0.25.3
SMTP_PORT=25
RCPT_DOMAIN_POSTFIX=mx.pipeline.test # postfix_lib.sh's myhostname
EXPIRY_SECONDS=9                     # queries go on this long through unbound: 3 NS-set expiries or more

# --- outside: the namespace ---------------------------------------------------------------------------------------

ms_netns_down() {
	local pid
	if ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$MS_NETNS"; then
		# Only this test's processes can be in its namespace; none should be, but none may outlive it.
		for pid in $(ip netns pids "$MS_NETNS" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$MS_NETNS" 2>/dev/null
	fi
	rm -rf "/etc/netns/$MS_NETNS"
	if [ "$MS_MADE_ETC_NETNS" = 1 ]; then
		rmdir /etc/netns 2>/dev/null # made by this test: removed if nothing else is in it by now
	fi
}

# shellcheck disable=SC2317 # the EXIT trap runs it
ms_outer_cleanup() {
	if [ -n "$MS_INNER_PID" ]; then
		kill "$MS_INNER_PID" 2>/dev/null # timeout(1), which passes TERM to the inner script (its EXIT trap runs)
		wait "$MS_INNER_PID" 2>/dev/null
		MS_INNER_PID=""
	fi
	ms_netns_down
	mta_cleanup
}

ms_outer() {
	local cmd counts rc left p f stale
	MS_NETNS="dnsbld-mail-$$"
	MS_INNER_PID=""
	MS_MADE_ETC_NETNS=0
	trap ms_outer_cleanup EXIT
	if [ "$(id -u)" != 0 ]; then
		it_fail "the test runs as root" "uid 0: ip netns, Postfix and Exim need it (CI runs as root)" "uid $(id -u)"
		finish
	fi
	for cmd in ip unbound unbound-checkconf postconf swaks socat spamassassin dig; do
		if ! command -v "$cmd" >/dev/null; then
			it_fail "$cmd is installed" "$cmd on PATH (scripts/deps.sh installs it)" "not found"
			finish
		fi
	done
	# apt-get download needs the network, which the namespace does not have: unpack (or find cached) Exim now.
	mta_unpack exim usr/sbin/exim4 exim4-daemon-light || finish
	export MTA_CACHE_DIR

	# A run killed outright (SIGKILL: no EXIT trap) leaves its namespace and /etc/netns entry behind: remove those
	# of runs whose process is gone. Whatever ran in them was bounded by timeout(1) anyway.
	for stale in $(ip netns list 2>/dev/null | awk '$1 ~ /^dnsbld-mail-[0-9]+$/ { print $1 }'); do
		if ! kill -0 "${stale#dnsbld-mail-}" 2>/dev/null; then
			echo "# removing the namespace of an earlier run that was killed: $stale"
			ip netns del "$stale" 2>/dev/null
			rm -rf "/etc/netns/$stale"
		fi
	done
	if ! ip netns add "$MS_NETNS" 2>"$IT_TMP/netns.err"; then
		it_fail "a network namespace of the test's own" "ip netns add $MS_NETNS succeeds" "failed" \
			"$(cat "$IT_TMP/netns.err")"
		finish
	fi
	# ip netns exec bind-mounts /etc/netns/NAME/* over /etc/*: inside, the resolver is unbound on 127.0.0.1.
	[ -d /etc/netns ] || MS_MADE_ETC_NETNS=1
	mkdir -p "/etc/netns/$MS_NETNS"
	printf 'nameserver 127.0.0.1\noptions timeout:2 attempts:2\n' >"/etc/netns/$MS_NETNS/resolv.conf"
	ip -n "$MS_NETNS" link set lo up
	expect_eq "the namespace $MS_NETNS has a loopback and nothing else" "lo" \
		"$(ip -n "$MS_NETNS" -br link | awk '{print $1}' | tr '\n' ' ' | sed 's/ $//')"
	expect_eq "the namespace has no route out of it" "" "$(ip -n "$MS_NETNS" route show)"

	counts="$IT_TMP/inside.counts"
	MAILSTACK_INSIDE=1 MAILSTACK_COUNTS=$counts MAILSTACK_NETNS=$MS_NETNS \
		timeout -k 5 250 ip netns exec "$MS_NETNS" bash "$MS_SELF" &
	MS_INNER_PID=$!
	wait "$MS_INNER_PID"
	rc=$?
	MS_INNER_PID=""
	if [ -s "$counts" ]; then
		read -r p f <"$counts"
		IT_PASSED=$((IT_PASSED + p))
		IT_FAILED=$((IT_FAILED + f))
		[ "$rc" = 0 ] || it_fail "the part inside the namespace exits 0" "exit status 0" "exit status $rc"
	else
		it_fail "the part inside the namespace runs to its end" "its counts in $counts" "none (exit status $rc)"
	fi
	left=$(ip netns pids "$MS_NETNS" 2>/dev/null | while read -r p; do ps -o pid=,args= -p "$p"; done)
	expect_eq "nothing the test started is left running in its namespace" "" "$left"
	ms_netns_down
	expect_not_contains "the namespace is gone" "$MS_NETNS" "$(ip netns list)"
	expect_eq "/etc/netns/$MS_NETNS is gone" "absent" "$([ -e "/etc/netns/$MS_NETNS" ] && echo present || echo absent)"
	finish
}

# --- inside: helpers ----------------------------------------------------------------------------------------------

# The counts go to the outer run, which prints the total.
ms_done() {
	echo "# inside the namespace: $IT_PASSED passed, $IT_FAILED failed"
	echo "$IT_PASSED $IT_FAILED" >"$MAILSTACK_COUNTS"
	exit 0
}

ms_ms() {
	echo $((($(date +%s%N) - $1) / 1000000))
}

# dnsbld on the store, at the stub-addr (127.0.0.1:5300) and the name servers' address (127.0.53.1:53).
ms_start_dnsbld() {
	local deadline
	DNSBLD_LOG="$IT_TMP/dnsbld.log"
	timeout -k 2 "$IT_SERVER_LIFETIME" "$DNSBLD" "${DNSBLD_ROOT_OPTS[@]}" --db "$IT_DB" \
		--listen "127.0.0.1:$STUB_PORT" --listen "$NS_ADDR:53" --workers 2 >"$DNSBLD_LOG" 2>&1 &
	DNSBLD_PID=$!
	# shellcheck disable=SC2034 # lib.sh's q and stop_dnsbld read these
	DNSBLD_PORT=$STUB_PORT
	deadline=$((SECONDS + 5))
	while [ "$SECONDS" -le "$deadline" ] && kill -0 "$DNSBLD_PID" 2>/dev/null; do
		if dig @127.0.0.1 -p "$STUB_PORT" +norec +time=1 +tries=1 "$ZONE" SOA 2>/dev/null | grep -q 'status: NOERROR' &&
			dig @"$NS_ADDR" +norec +time=1 +tries=1 "$ZONE" SOA 2>/dev/null | grep -q 'status: NOERROR'; then
			it_pass "dnsbld answers on 127.0.0.1:$STUB_PORT and $NS_ADDR:53"
			return 0
		fi
		sleep 0.1
	done
	it_fail "dnsbld answers on 127.0.0.1:$STUB_PORT and $NS_ADDR:53" "a SOA answer within ~5 s" "none" \
		"$(cat "$DNSBLD_LOG")"
	return 1
}

# The README's unbound snippet, ZONE filled in: every line of it is checked against the README at the end.
ms_unbound_snippet() {
	cat <<EOF
server:
    qname-minimisation: yes
    do-not-query-localhost: no
    domain-insecure: "$ZONE"
stub-zone:
    name: "$ZONE"
    stub-addr: 127.0.0.1@$STUB_PORT
    stub-prime: $1
EOF
}

# ms_unbound_conf FILE yes|no: a private unbound (no user change, no chroot, no control socket, log to stderr,
# validating with the root trust anchor when dns-root-data is installed) + the snippet; with stub-prime yes, also
# the parent zone (the NS name's address) and, when there is one, the zone with an in-zone name server.
ms_unbound_conf() {
	local file=$1 prime=$2
	{
		cat <<EOF
# A private unbound for test_mail_stack.sh: on 127.0.0.1:53 of the test's namespace, nothing outside its directory.
server:
    interface: 127.0.0.1@53
    username: ""
    chroot: ""
    directory: "$MS_UB_DIR"
    pidfile: ""
    use-syslog: no
    logfile: ""
    # Level 3 logs where each query went ("reply from <ZONE.> ADDR#PORT"), which the test checks.
    verbosity: 3
    num-threads: 1
    do-ip6: no
EOF
		[ -r /usr/share/dns/root.key ] && echo '    trust-anchor-file: "/usr/share/dns/root.key"'
		if [ "$prime" = yes ]; then
			cat <<EOF
    # The NS name (outside the zone) is looked up by unbound itself: local-data is not consulted for that, an
    # auth-zone is. Unsigned, like the list.
    domain-insecure: "$PARENT"
auth-zone:
    name: "$PARENT"
    zonefile: "$MS_UB_DIR/$PARENT.zone"
    for-downstream: no
    for-upstream: yes
EOF
			if [ "$MS_GLUE" = 1 ]; then
				cat <<EOF
stub-zone:
    name: "$GLUE_ZONE"
    stub-addr: 127.0.0.1@$STUB_PORT
    stub-prime: yes
EOF
			fi
		fi
		echo "remote-control:"
		echo "    control-enable: no"
		ms_unbound_snippet "$prime"
	} >"$file"
}

MS_UNBOUND_PID=""
# ms_unbound_start CONF LABEL: checked with unbound-checkconf, started in the foreground (-d) under timeout(1), and
# waited for (~5 s) until it answers version.bind (a query it answers itself).
ms_unbound_start() {
	local conf=$1 label=$2 out deadline started
	started=$(date +%s%N)
	if ! out=$(unbound-checkconf "$conf" 2>&1); then
		it_fail "unbound-checkconf accepts the configuration ($label)" "exit status 0" "failed" "$out"
		return 1
	fi
	MS_UNBOUND_LOG="$MS_UB_DIR/unbound.$label.log"
	timeout -k 2 "$IT_SERVER_LIFETIME" unbound -d -c "$conf" >"$MS_UNBOUND_LOG" 2>&1 &
	MS_UNBOUND_PID=$!
	deadline=$((SECONDS + 5))
	while [ "$SECONDS" -le "$deadline" ] && kill -0 "$MS_UNBOUND_PID" 2>/dev/null; do
		if dig @127.0.0.1 +time=1 +tries=1 version.bind CH TXT 2>/dev/null | grep -q 'status: NOERROR'; then
			it_pass "unbound ($label) starts on 127.0.0.1:53 [$(ms_ms "$started") ms]"
			return 0
		fi
		sleep 0.1
	done
	it_fail "unbound ($label) starts on 127.0.0.1:53" "an answer to version.bind CH TXT within ~5 s" "none" \
		"$(cat "$MS_UNBOUND_LOG")"
	return 1
}

ms_unbound_stop() {
	if [ -n "$MS_UNBOUND_PID" ]; then
		kill "$MS_UNBOUND_PID" 2>/dev/null
		wait "$MS_UNBOUND_PID" 2>/dev/null
		MS_UNBOUND_PID=""
	fi
}

# A recursive query to unbound, the namespace's resolver.
uq() {
	dig @127.0.0.1 +time=3 +tries=1 "$@" 2>&1
}

# The TTL of the first answer record of TYPE in dig's output.
ms_ttl_of() {
	section_of ANSWER "$2" | awk -v t="$1" '$4 == t { print $2; exit }'
}

# ms_resolver_checks LABEL ZONE: what an MTA asks, through unbound.
ms_resolver_checks() {
	local label=$1 zone=$2 out
	out=$(uq "$(v4_rev "$LISTED").$zone" A)
	expect_rcode "$label: $LISTED (listed) A: NOERROR" NOERROR "$out"
	expect_answer_contains "$label: $LISTED A is 127.0.0.2" "IN A 127.0.0.2" "$out"
	expect_flag "$label: the answer comes from the recursive resolver (ra)" ra "$out"
	out=$(uq "$(v4_rev "$LISTED").$zone" TXT)
	expect_txt "$label: $LISTED TXT is the listing's reason" "$LISTED_TXT" "$out"
	out=$(uq "$(v4_rev "$UNLISTED").$zone" A)
	expect_rcode "$label: $UNLISTED (unlisted) A: NXDOMAIN" NXDOMAIN "$out"
	out=$(uq "$(v4_rev "$EXCLUDED").$zone" A)
	expect_rcode "$label: $EXCLUDED (excluded inside the listed /24) A: NXDOMAIN" NXDOMAIN "$out"
	out=$(uq "$(v4_rev "$EXCLUDED").$zone" TXT)
	expect_rcode "$label: $EXCLUDED TXT: NXDOMAIN" NXDOMAIN "$out"
	out=$(uq "$(v6_rev "$V6_LISTED").$zone" A)
	expect_answer_contains "$label: $V6_LISTED (inside the listed /48) A is 127.0.0.2" "IN A 127.0.0.2" "$out"
	out=$(uq "$(v6_rev "$V6_LISTED").$zone" TXT)
	expect_txt "$label: $V6_LISTED TXT" "IPv6 open relays" "$out"
	out=$(uq "$(v6_rev 2001:db8:beef::25).$zone" A)
	expect_rcode "$label: 2001:db8:beef::25 (unlisted) A: NXDOMAIN" NXDOMAIN "$out"
	out=$(uq "2.0.0.127.$zone" A)
	expect_answer_contains "$label: RFC 5782 test point 127.0.0.2 is listed" "IN A 127.0.0.2" "$out"
	out=$(uq "1.0.0.127.$zone" A)
	expect_rcode "$label: RFC 5782 test point 127.0.0.1 is not listed (NXDOMAIN)" NXDOMAIN "$out"
	out=$(uq "$(v6_rev ::ffff:7f00:2).$zone" A)
	expect_answer_contains "$label: RFC 5782 IPv6 test point ::ffff:7f00:2 is listed" "IN A 127.0.0.2" "$out"
	out=$(uq "$(v6_rev ::ffff:7f00:1).$zone" A)
	expect_rcode "$label: RFC 5782 IPv6 test point ::ffff:7f00:1 is not listed (NXDOMAIN)" NXDOMAIN "$out"
	out=$(uq "$zone" NS)
	expect_answer_contains "$label: the zone's NS set, through unbound" "IN NS" "$out"
	local ttl
	ttl=$(ms_ttl_of NS "$out")
	if [ -n "$ttl" ] && [ "$ttl" -le 2 ]; then
		it_pass "$label: the NS set's TTL is the zone's 2 s ($ttl left)"
	else
		it_fail "$label: the NS set's TTL is the zone's 2 s" "a TTL of at most 2" "${ttl:-none}" "$out"
	fi
}

# ms_expiry_loop LABEL ZONE...: queries through unbound for EXPIRY_SECONDS (several NS-set and answer expiries at
# TTL 2): the listed name's A and TXT, the IPv6 one, a new unlisted name each round. Not one SERVFAIL or timeout;
# and the listed A is fetched anew (its TTL back to 2) after each expiry.
ms_expiry_loop() {
	local label=$1 zone end n=0 bad="" out rc ttl prev refetched i=0
	shift
	local -A refetch=() last=()
	end=$((SECONDS + EXPIRY_SECONDS))
	while [ "$SECONDS" -lt "$end" ]; do
		i=$((i + 1))
		for zone in "$@"; do
			for q in "$(v4_rev "$LISTED").$zone A" "$(v4_rev "$LISTED").$zone TXT" "$(v6_rev "$V6_LISTED").$zone A" \
				"$i.9.0.127.$zone A" "$zone NS"; do
				# shellcheck disable=SC2086 # name and type
				out=$(uq $q)
				n=$((n + 1))
				rc=$(rcode_of "$out")
				case $rc in
				NOERROR | NXDOMAIN) ;;
				*) bad+="${bad:+, }$q: $rc" ;;
				esac
			done
			ttl=$(ms_ttl_of A "$(uq "$(v4_rev "$LISTED").$zone" A)")
			prev=${last[$zone]:-}
			if [ -n "$ttl" ] && [ -n "$prev" ] && [ "$ttl" -gt "$prev" ]; then
				refetch[$zone]=$((${refetch[$zone]:-0} + 1))
			fi
			last[$zone]=$ttl
		done
		sleep 0.2
	done
	expect_eq "$label: $n queries over ${EXPIRY_SECONDS} s (TTL 2) without a SERVFAIL or a timeout" "" "$bad"
	for zone in "$@"; do
		refetched=${refetch[$zone]:-0}
		if [ "$refetched" -ge 2 ]; then
			it_pass "$label: $zone's answers expired and were fetched anew $refetched times"
		else
			it_fail "$label: $zone's answers expired and were fetched anew" "at least 2 times" "$refetched times"
		fi
	done
}

# ms_swaks SRC SERVER RCPT: an SMTP session from the source address SRC to SERVER:25, stopping after RCPT (never
# DATA), swaks's transcript.
ms_swaks() {
	timeout 40 swaks --server "$2" --port "$SMTP_PORT" --local-interface "$1" --timeout 15 \
		--helo client.mailstack.example --from probe@client.mailstack.example --to "$3" --quit-after RCPT 2>&1
}

# The server's reply to the command that starts with PREFIX in a swaks transcript, a multi-line one joined into one
# line ("550-a b:" + "550 c" -> "550 a b: c"; Exim splits a reply longer than 75 characters), or "none".
ms_reply_to() {
	awk -v p=" -> $1" '
		index($0, p) == 1 { found = 1; next }
		found && /^<(-|\*\*) +[0-9][0-9][0-9][- ]/ {
			sub(/^<(-|\*\*) +/, "")
			code = substr($0, 1, 3)
			text = text (text == "" ? "" : " ") substr($0, 5)
			if (substr($0, 4, 1) == " ") { print code " " text; done = 1; exit }
			next
		}
		found && /^ -> / { exit }
		END { if (!done) print "none" }' <<<"$2"
}

# ms_smtp_pair LABEL SERVER RCPT LISTED_REPLY_PREFIX [NEEDLE]: the listed client is refused at RCPT with a reply that
# starts with LISTED_REPLY_PREFIX (and holds NEEDLE), the unlisted one gets 250; neither sends DATA.
ms_smtp_pair() {
	local label=$1 server=$2 rcpt=$3 want=$4 needle=${5-} out reply started
	started=$(date +%s%N)
	out=$(ms_swaks "$LISTED" "$server" "$rcpt")
	reply=$(ms_reply_to "RCPT TO:<$rcpt>" "$out")
	echo "# $label, listed client $LISTED, RCPT: $reply [$(ms_ms "$started") ms]"
	if [[ $reply == "$want"* ]]; then
		it_pass "$label: the listed client $LISTED is refused at RCPT: $want..."
	else
		it_fail "$label: the listed client $LISTED is refused at RCPT" "$want..." "$reply" "$out"
	fi
	[ -n "$needle" ] && expect_contains "$label: the refusal carries the list's TXT" "$needle" "$reply"
	expect_not_contains "$label: the listed client's session never reached DATA" " -> DATA" "$out"
	started=$(date +%s%N)
	out=$(ms_swaks "$UNLISTED" "$server" "$rcpt")
	reply=$(ms_reply_to "RCPT TO:<$rcpt>" "$out")
	echo "# $label, unlisted client $UNLISTED, RCPT: $reply [$(ms_ms "$started") ms]"
	if [[ $reply == "250 "* ]]; then
		it_pass "$label: the unlisted client $UNLISTED is accepted at RCPT (250)"
	else
		it_fail "$label: the unlisted client $UNLISTED is accepted at RCPT" "250 ..." "$reply" "$out"
	fi
	expect_not_contains "$label: the unlisted client's session never reached DATA" " -> DATA" "$out"
}

# --- an SMTP session held open (socat bound to a source address, as a coprocess) -----------------------------------

# ms_smtp_open SRC SERVER PORT: connects and reads the greeting; ms_smtp CMD: sends CMD, prints the last line of the
# reply ("closed"/"timeout" if none); ms_smtp_close: QUIT and wait. Each read waits 10 s at most.
ms_smtp_open() {
	coproc MS_SMTP { timeout 60 socat - "TCP:$2:$3,bind=$1,connect-timeout=5" 2>/dev/null; }
	MS_SMTP_PID_SAVED=$MS_SMTP_PID
	ms_smtp_read
}

ms_smtp_read() {
	local line
	while IFS= read -r -t 10 line <&"${MS_SMTP[0]}"; do
		line=${line%$'\r'}
		if [[ $line =~ ^[0-9]{3}(\ |$) ]]; then
			echo "$line"
			return 0
		fi
	done
	echo "closed or timeout"
	return 1
}

ms_smtp() {
	case ${1^^} in DATA* | BDAT*) echo "refused to send $1" && return 1 ;; esac
	printf '%s\r\n' "$1" >&"${MS_SMTP[1]}"
	ms_smtp_read
}

ms_smtp_close() {
	ms_smtp QUIT >/dev/null
	wait "$MS_SMTP_PID_SAVED" 2>/dev/null
}

# ms_readme_lines: the lines of the README's fenced blocks in "## Use it from your MTA", ZONE filled in, normalized
# (ms_norm). ms_norm: whitespace squeezed; a master.cf service line without its name (inet) and chroot column.
ms_norm() {
	awk '{
		$1 = $1
		if (NF >= 8 && ($2 == "inet" || $2 == "unix" || $2 == "pass" || $2 == "unix-dgram")) {
			out = ($2 == "inet") ? "" : $1 " "
			for (i = 2; i <= NF; i++) if (i != 5) out = out $i " "
			sub(/ $/, "", out)
			print out
		} else if (NF > 0) print
	}'
}

ms_readme_lines() {
	awk '
		/^## / { on = ($0 == "## Use it from your MTA") ; next }
		on && /^```/ { block = !block; next }
		on && block { print }' "$MS_HERE/../../README.md" | sed "s/ZONE/$ZONE/g" | ms_norm
}

# --- inside: the test -----------------------------------------------------------------------------------------------

ms_inner() {
	local out reply t0 glue_usage f line missing pids rc z n
	MTA_CLEANUPS+=(ms_unbound_stop)
	t0=$(date +%s%N)
	MS_UB_DIR="$IT_TMP/unbound"
	mkdir -p "$MS_UB_DIR"

	expect_eq "inside the namespace the resolver is 127.0.0.1 (/etc/netns/$MAILSTACK_NETNS/resolv.conf)" \
		"127.0.0.1" "$(awk '$1 == "nameserver" { print $2; exit }' /etc/resolv.conf)"
	expect_eq "inside the namespace only the loopback is up" "lo" \
		"$(ip -br link | awk '$2 != "DOWN" { print $1 }' | tr '\n' ' ' | sed 's/ $//')"

	# --- the store ---
	rbl zone create "$ZONE" --ns "$NS_NAME" --contact "hostmaster@$PARENT" --ttl 2 \
		--txt "Listed in $ZONE: \$" >/dev/null 2>&1 &&
		rbl add "$ZONE" 127.0.10.0/24 --reason 'Open relay at $ (mail stack test)' >/dev/null &&
		rbl exclude "$ZONE" "$EXCLUDED" --reason 'fixed' >/dev/null &&
		rbl add "$ZONE" 2001:db8:bad::/48 --reason 'IPv6 open relays' >/dev/null &&
		rbl add "$ZONE" "$DELISTED" --reason 'Delisted during the test' >/dev/null
	expect_exit "the zone and its listings are created (rbltool)" 0 $?
	# An in-zone name server needs an address (glue): rbltool zone create --ns NAME=ADDR, where it exists.
	glue_usage=$(rbl zone create --help 2>&1; rbl --help 2>&1)
	MS_GLUE=0
	if grep -qE 'NAME\[?=ADDR' <<<"$glue_usage"; then
		MS_GLUE=1
		rbl zone create "$GLUE_ZONE" --ns "$GLUE_NS=$NS_ADDR" --contact "hostmaster@$PARENT" --ttl 2 >/dev/null 2>&1 &&
			rbl add "$GLUE_ZONE" 127.0.10.0/24 --reason 'Open relay at $ (mail stack test)' >/dev/null &&
			rbl exclude "$GLUE_ZONE" "$EXCLUDED" >/dev/null &&
			rbl add "$GLUE_ZONE" 2001:db8:bad::/48 --reason 'IPv6 open relays' >/dev/null
		expect_exit "a zone whose name server is inside it, with its address (--ns $GLUE_NS=$NS_ADDR)" 0 $?
	else
		echo "# skipped: the in-zone name server variant: rbltool zone create's usage names no --ns NAME=ADDR yet"
	fi
	ms_start_dnsbld || ms_done

	# The parent zone, served by unbound itself: the address of the list's out-of-zone name server.
	cat >"$MS_UB_DIR/$PARENT.zone" <<EOF
\$ORIGIN $PARENT.
\$TTL 3600
@   IN SOA $NS_NAME. hostmaster.$PARENT. 1 3600 600 86400 300
@   IN NS  $NS_NAME.
ns  IN A   $NS_ADDR
EOF

	# --- unbound, stub-prime: yes ---
	ms_unbound_conf "$MS_UB_DIR/prime-yes.conf" yes
	ms_unbound_start "$MS_UB_DIR/prime-yes.conf" prime-yes || ms_done
	ms_resolver_checks "stub-prime: yes" "$ZONE"
	if [ "$MS_GLUE" = 1 ]; then
		out=$(uq "$GLUE_NS" A)
		expect_answer_contains "stub-prime: yes: the in-zone name server $GLUE_NS has its address" \
			"IN A $NS_ADDR" "$out"
		ms_resolver_checks "stub-prime: yes, in-zone NS" "$GLUE_ZONE"
		ms_expiry_loop "stub-prime: yes" "$ZONE" "$GLUE_ZONE"
	else
		ms_expiry_loop "stub-prime: yes" "$ZONE"
	fi
	# Primed at the stub-addr, unbound then asks the name servers' addresses on port 53; never the root servers.
	out=$(cat "$MS_UNBOUND_LOG")
	expect_contains "stub-prime: yes: unbound primed $ZONE at the stub-addr" \
		"reply from <$ZONE.> 127.0.0.1#$STUB_PORT" "$out"
	expect_contains "stub-prime: yes: then asked $ZONE's name server $NS_NAME at $NS_ADDR#53" \
		"reply from <$ZONE.> $NS_ADDR#53" "$out"
	if [ "$MS_GLUE" = 1 ]; then
		expect_contains "stub-prime: yes: asked $GLUE_ZONE's in-zone name server at its glue address $NS_ADDR#53" \
			"reply from <$GLUE_ZONE.> $NS_ADDR#53" "$out"
	fi
	for z in "$ZONE" "$GLUE_ZONE"; do
		[ "$z" = "$GLUE_ZONE" ] && [ "$MS_GLUE" != 1 ] && continue
		n=$(grep -c "priming successful for $z. NS IN" <<<"$out")
		if [ "$n" -ge 2 ]; then
			it_pass "stub-prime: yes: $z's NS set expired and was primed again: $n primings"
		else
			it_fail "stub-prime: yes: $z's NS set expired and was primed again" "at least 2 primings" "$n"
		fi
	done
	expect_not_contains "stub-prime: yes: unbound never tried the root servers" "sending to target: <.>" "$out"
	ms_unbound_stop

	# --- unbound, stub-prime: no: the README's snippet, which the MTAs below use ---
	ms_unbound_conf "$MS_UB_DIR/prime-no.conf" no
	ms_unbound_start "$MS_UB_DIR/prime-no.conf" prime-no || ms_done
	ms_resolver_checks "stub-prime: no" "$ZONE"
	ms_expiry_loop "stub-prime: no" "$ZONE"
	out=$(cat "$MS_UNBOUND_LOG")
	expect_contains "stub-prime: no: unbound asked the stub-addr" "reply from <$ZONE.> 127.0.0.1#$STUB_PORT" "$out"
	expect_not_contains "stub-prime: no: and nothing else (not the NS's address)" "reply from <$ZONE.> $NS_ADDR#" \
		"$out"
	expect_not_contains "stub-prime: no: unbound never tried the root servers" "sending to target: <.>" "$out"
	echo "# DNS part: $(ms_ms "$t0") ms"

	# --- Postfix: reject_rbl_client ---
	postfix_require || ms_done
	t0=$(date +%s%N)
	POSTFIX_DNSBL=$ZONE postfix_start rbl "$POSTFIX_ADDR" "$SMTP_PORT" || ms_done
	ms_smtp_pair "Postfix reject_rbl_client" "$POSTFIX_ADDR" "postmaster@$RCPT_DOMAIN_POSTFIX" \
		"554 5.7.1 Service unavailable; Client host [$LISTED] blocked using $ZONE; " "$LISTED_TXT"
	expect_contains "Postfix logged the refusal" "blocked using $ZONE" "$(cat "$(postfix_maillog "$POSTFIX_ADDR")")"

	# Its DNSBL cache: an smtpd process keeps an answer for its lifetime (it may serve later connections too), so a
	# delisting does not reach a session that has already asked; a reload (new smtpd processes) does.
	ms_smtp_open "$DELISTED" "$POSTFIX_ADDR" "$SMTP_PORT" >/dev/null
	ms_smtp "EHLO client.mailstack.example" >/dev/null
	ms_smtp "MAIL FROM:<probe@client.mailstack.example>" >/dev/null
	reply=$(ms_smtp "RCPT TO:<postmaster@$RCPT_DOMAIN_POSTFIX>")
	expect_contains "Postfix cache: $DELISTED, listed, is refused at its first RCPT" "blocked using $ZONE" "$reply"
	rbl del "$ZONE" "$DELISTED" >/dev/null
	local deadline=$((SECONDS + 6))
	while [ "$SECONDS" -le "$deadline" ] &&
		[ "$(rcode_of "$(uq "$(v4_rev "$DELISTED").$ZONE" A)")" != NXDOMAIN ]; do
		sleep 0.2
	done
	expect_rcode "Postfix cache: $DELISTED delisted, unbound says NXDOMAIN once the 2 s TTL is over" NXDOMAIN \
		"$(uq "$(v4_rev "$DELISTED").$ZONE" A)"
	ms_smtp RSET >/dev/null
	ms_smtp "MAIL FROM:<probe@client.mailstack.example>" >/dev/null
	reply=$(ms_smtp "RCPT TO:<postmaster@$RCPT_DOMAIN_POSTFIX>")
	echo "# Postfix cache: the same connection's next RCPT after the delisting: $reply"
	expect_contains "Postfix cache: the same connection is still refused after the delisting (cached answer)" \
		"blocked using $ZONE" "$reply"
	ms_smtp_close
	out=$(ms_swaks "$DELISTED" "$POSTFIX_ADDR" "postmaster@$RCPT_DOMAIN_POSTFIX")
	reply=$(ms_reply_to "RCPT TO:<postmaster@$RCPT_DOMAIN_POSTFIX>" "$out")
	echo "# Postfix cache: a new connection to the same smtpd process: $reply"
	expect_contains "Postfix cache: a new connection served by the same smtpd process is still refused" \
		"blocked using $ZONE" "$reply"
	pids=$(sed -n "s/.*postfix\/smtpd\[\([0-9]*\)\]: connect from [^ ]*\[$DELISTED\].*/\1/p" \
		"$(postfix_maillog "$POSTFIX_ADDR")" | sort -u | tr '\n' ' ')
	expect_eq "Postfix cache: both connections were served by one smtpd process (maxproc 1)" 1 "$(wc -w <<<"$pids")" \
		"$(grep -F "[$DELISTED]" "$(postfix_maillog "$POSTFIX_ADDR")")"
	POSTFIX_DNSBL=$ZONE postfix_reconfigure rbl "$POSTFIX_ADDR"
	out=$(ms_swaks "$DELISTED" "$POSTFIX_ADDR" "postmaster@$RCPT_DOMAIN_POSTFIX")
	reply=$(ms_reply_to "RCPT TO:<postmaster@$RCPT_DOMAIN_POSTFIX>" "$out")
	if [[ $reply == "250 "* ]]; then
		it_pass "Postfix cache: after 'postfix reload' the delisted client is accepted (250)"
	else
		it_fail "Postfix cache: after 'postfix reload' the delisted client is accepted" "250 ..." "$reply" "$out"
	fi
	expect_not_contains "Postfix (reject_rbl_client) never received DATA" "data=" \
		"$(cat "$(postfix_maillog "$POSTFIX_ADDR")")"
	expect_eq "Postfix (reject_rbl_client) queued nothing" "" "$(postfix_queued_files "$POSTFIX_ADDR")"
	MS_POSTFIX_MAIN_CF=$(cat "$(postfix_dir "$POSTFIX_ADDR")/conf/main.cf")
	postfix_stop "$POSTFIX_ADDR"
	echo "# Postfix reject_rbl_client part: $(ms_ms "$t0") ms"

	# --- Postfix: postscreen ---
	t0=$(date +%s%N)
	POSTFIX_DNSBL=$ZONE postfix_start postscreen "$POSTSCREEN_ADDR" "$SMTP_PORT" || ms_done
	ms_smtp_pair "Postfix postscreen" "$POSTSCREEN_ADDR" "postmaster@$RCPT_DOMAIN_POSTFIX" \
		"550 5.7.1 Service unavailable; client [$LISTED] blocked using $ZONE"
	out=$(cat "$(postfix_maillog "$POSTSCREEN_ADDR")")
	expect_contains "postscreen logged the DNSBL rank of the listed client" "DNSBL rank 2 for [$LISTED]" "$out"
	expect_contains "postscreen handed the unlisted client to smtpd" "PASS NEW [$UNLISTED]" "$out"
	expect_eq "Postfix (postscreen) queued nothing" "" "$(postfix_queued_files "$POSTSCREEN_ADDR")"
	MS_POSTSCREEN_CF=$(cat "$(postfix_dir "$POSTSCREEN_ADDR")/conf/main.cf" \
		"$(postfix_dir "$POSTSCREEN_ADDR")/conf/master.cf")
	postfix_stop "$POSTSCREEN_ADDR"
	echo "# Postfix postscreen part: $(ms_ms "$t0") ms"

	# --- Exim: dnslists ---
	t0=$(date +%s%N)
	exim_require || ms_done
	EXIM_DNSLISTS=$ZONE exim_start dnslists "$EXIM_ADDR" "$SMTP_PORT" || ms_done
	ms_smtp_pair "Exim dnslists" "$EXIM_ADDR" "postmaster@$(exim_hostname "$EXIM_ADDR")" \
		"550 $LISTED is listed in $ZONE: " "$LISTED_TXT"
	expect_eq "Exim (dnslists) queued nothing" "" "$(exim_queued_files "$EXIM_ADDR")"
	expect_eq "Exim (dnslists) wrote nothing to its panic log" "" "$(cat "$(exim_paniclog "$EXIM_ADDR")" 2>/dev/null)"
	MS_EXIM_CONF=$(cat "$(exim_conf "$EXIM_ADDR")")
	exim_stop "$EXIM_ADDR"
	echo "# Exim part: $(ms_ms "$t0") ms"

	# --- SpamAssassin: the README's check_rbl rule passes --lint; a broken one does not ---
	t0=$(date +%s%N)
	mkdir -p "$IT_TMP/sa" "$IT_TMP/sa-broken"
	cat >"$IT_TMP/sa/dnsbld.cf" <<EOF
header   RCVD_IN_DNSBLD  eval:check_rbl('dnsbld-lastexternal', '$ZONE.')
describe RCVD_IN_DNSBLD  Last external relay listed in $ZONE
tflags   RCVD_IN_DNSBLD  net
score    RCVD_IN_DNSBLD  3.0
EOF
	out=$(timeout 60 spamassassin --lint -C "$IT_TMP/sa" 2>&1)
	expect_exit "SpamAssassin: spamassassin --lint -C DIR passes with the check_rbl rule" 0 $? "$out"
	expect_not_contains "SpamAssassin: lint reports no issue" "issues detected" "$out"
	out=$(timeout 60 spamassassin -D config --lint -C "$IT_TMP/sa" 2>&1)
	expect_contains "SpamAssassin: lint read the rule file" "read file $IT_TMP/sa/dnsbld.cf" "$out"
	sed 's/check_rbl(.*$/check_rbl(/' "$IT_TMP/sa/dnsbld.cf" >"$IT_TMP/sa-broken/dnsbld.cf"
	out=$(timeout 60 spamassassin --lint -C "$IT_TMP/sa-broken" 2>&1)
	rc=$?
	if [ "$rc" != 0 ] && grep -q "issues detected" <<<"$out"; then
		it_pass "SpamAssassin: lint fails on a broken check_rbl rule (so the pass above means something)"
	else
		it_fail "SpamAssassin: lint fails on a broken check_rbl rule" "exit status 1, 'issues detected'" \
			"exit status $rc" "$out"
	fi
	echo "# SpamAssassin part: $(ms_ms "$t0") ms"

	# --- the README shows what ran ---
	missing=""
	local tested
	tested=$({
		cat "$MS_UB_DIR/prime-no.conf" "$IT_TMP/sa/dnsbld.cf"
		printf '%s\n%s\n%s\n' "$MS_POSTFIX_MAIN_CF" "$MS_POSTSCREEN_CF" "$MS_EXIM_CONF"
	} | ms_norm)
	f=0
	while IFS= read -r line; do
		f=$((f + 1))
		grep -qxF -- "$line" <<<"$tested" || missing+="$line"$'\n'
	done < <(ms_readme_lines)
	if [ "$f" -ge 20 ] && [ -z "$missing" ]; then
		it_pass "README, 'Use it from your MTA': each of its $f snippet lines is in a configuration tested here"
	else
		it_fail "README, 'Use it from your MTA': its snippet lines are in the configurations tested here" \
			"at least 20 lines, all found" "$f lines, missing: ${missing:-none}"
	fi
	ms_done
}

# --- which run this is --------------------------------------------------------------------------------------------

if [ "${MAILSTACK_INSIDE:-}" = 1 ]; then
	. "$(dirname "$0")/lib.sh"
	. "$(dirname "$0")/postfix_lib.sh"
	. "$(dirname "$0")/mta_unpack_lib.sh"
	. "$(dirname "$0")/exim_lib.sh"
	ms_inner
else
	. "$(dirname "$0")/lib.sh"
	. "$(dirname "$0")/mta_unpack_lib.sh"
	ms_outer
fi
