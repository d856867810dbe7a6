# SPDX-License-Identifier: BSD-2-Clause
# sendmail_lib.sh — private Sendmail instances as relay-probe targets, each unable to deliver anything.
#
# Sourced after lib.sh and mta_unpack_lib.sh. Needs root (CI runs as root), m4 (apt-get install m4: the .cf is built
# from a .mc at start), iproute2 and util-linux (the namespaces of mta_unpack_lib.sh), and, downloaded and unpacked
# into $MTA_CACHE_DIR by mta_unpack (sendmail conflicts with the installed postfix): Debian's sendmail-bin,
# sendmail-base and sendmail-cf (+ libwrap0, liblockfile1, liblockfile-bin where missing).
#
#   sendmail_require                    unpacks Sendmail (or reuses the cache); it_fail and return 1 if it cannot run
#   sendmail_start open|closed ADDR PORT
#                                       an instance on ADDR:PORT, waited for until it greets with 220 (~10 s at most).
#                                       ADDR in 127.0.0.0/8: in this machine's network namespace (open only, see
#                                       below). ADDR in 198.18.0.0/24 (not .2): in the server namespace of
#                                       mta_unpack_lib.sh, probed from the client one (mta_client_exec).
#   sendmail_stop ADDR / sendmail_stop_all
#   sendmail_port ADDR                  its port
#   sendmail_hostname ADDR              its hostname ($j), mx.MODE.sendmail.test: its own (local) mail domain
#   sendmail_transcript ADDR            the path of its SMTP transcript (sendmail -X: every line in and out)
#   sendmail_address_test ADDR CLIENT_IP ADDRESS   Sendmail's own ruleset test (-bt): check_rcpt's verdict on
#                                       RCPT TO:<ADDRESS> from a client at CLIENT_IP
#   sendmail_ruleset_test ADDR < INPUT  "sendmail -C its-cf -bt" on any input
#   sendmail_processes ADDR / sendmail_queued_files ADDR
#
# MODE:
#   open    FEATURE(`promiscuous_relay'): anyone may relay -> expected verdict open
#           (RCPT TO:<relay-check@relay-test.example> answered "250 2.1.5 <relay-check@relay-test.example>...
#           Recipient ok")
#   closed  the stock relay checks of Sendmail's cf (proto.m4): an external recipient from a client that is not
#           local gets "550 5.7.1 <relay-check@relay-test.example>... Relaying denied" -> expected closed. The %
#           hack and bang paths at its own domain are refused the same way (Sendmail resolves both to the remote
#           address, then checks relaying). Its own ruleset test agrees: sendmail_address_test ADDR 198.18.0.2
#           relay-check@relay-test.example ends in
#             check_rcpt       returns: $# error $@ 5 . 7 . 1 $: "550 Relaying denied"
#           and with 127.0.0.1 as the client in "check_rcpt returns: RELAY" (hence the namespaces, below).
#
# Why closed needs the namespaces: proto.m4's Relay_ok says "originated locally" — and relays — for a client address
# of 127.0.0.1 (and ::1, or none), hard-wired, whatever the configuration. The prober's source address on this
# machine is 127.0.0.1, so a closed Sendmail on loopback would be an open relay to it.
#
# Nothing delivered: DeliveryMode=queue and no queue runner (-bD without -q), a check_data ruleset that refuses DATA
# ("554 5.7.1 DATA refused by the dnsbld test instance"), PrivacyOptions noetrn (no client can start a queue run).
# No DNS: its own hostname comes from a UTS namespace (hostname mx.MODE.sendmail.test, which has a dot, so Sendmail
# does not try to canonicalize it through DNS, which it does, with its own resolver, before reading any .cf);
# ServiceSwitchFile says "hosts files"; FEATURE(`nocanonify') and FEATURE(`accept_unresolvable_domains'); no ident
# (Timeout.ident=0); DontProbeInterfaces. Queue, pid file, statistics, transcript: in the instance directory.
# DontBlameSendmail=TrustStickyBit: the instance directory is under /tmp, whose mode (1777) Sendmail otherwise
# calls an unsafe, world-writable directory path and refuses its files. Sendmail logs to syslog, and this machine has
# no /dev/log: its log is the -X transcript (and -d output, if asked for in SENDMAIL_DEBUG).
#
# The set-gid bit of the binary (root:mail 2755 in the package) is cleared by mta_unpack, so that the loader honours
# LD_LIBRARY_PATH (the unpacked libwrap0/liblockfile1); it runs as root anyway. The users its package creates
# (smmta, smmsp) are in the mount namespace's copy of /etc/passwd, though a daemon that never delivers does not use
# them.

SENDMAIL_DIR="$IT_TMP/sendmail"
SENDMAIL_ROOT=""
SENDMAIL_BIN=""
declare -A SENDMAIL_TIMEOUT_PID=()
declare -A SENDMAIL_STOPPED_PGID=()
declare -A SENDMAIL_MODE=()
declare -A SENDMAIL_PORT=()

sendmail_require() {
	if [ "$(id -u)" != 0 ]; then
		it_fail "the test runs as root" "uid 0: sendmail's daemon and the namespaces need root (CI runs as root)" \
			"uid $(id -u)"
		return 1
	fi
	if ! command -v m4 >/dev/null; then
		it_fail "m4 is installed" "m4 on PATH (apt-get install m4): it builds Sendmail's .cf" "not found"
		return 1
	fi
	mta_unpack sendmail usr/libexec/sendmail/sendmail sendmail-bin sendmail-base sendmail-cf || return 1
	SENDMAIL_ROOT=$MTA_ROOT
	SENDMAIL_BIN="$SENDMAIL_ROOT/usr/libexec/sendmail/sendmail"
	mkdir -p "$SENDMAIL_DIR"
	chmod 711 "$IT_TMP" "$SENDMAIL_DIR"
	mta_etc_prepare "$SENDMAIL_DIR/etc" smmta smmsp || return 1
	return 0
}

sendmail_dir() {
	echo "$SENDMAIL_DIR/$1"
}

sendmail_port() {
	echo "${SENDMAIL_PORT[$1]:-}"
}

sendmail_transcript() {
	echo "$SENDMAIL_DIR/$1/transcript"
}

sendmail_hostname() {
	echo "mx.${SENDMAIL_MODE[$1]:-unknown}.sendmail.test"
}

# sendmail_write_cf open|closed ADDR PORT: the .mc, and the .cf m4 makes of it.
sendmail_write_cf() {
	local mode=$1 addr=$2 port=$3 dir host relay="" cfdir
	dir=$(sendmail_dir "$addr")
	host=mx.$mode.sendmail.test
	cfdir="$SENDMAIL_ROOT/usr/share/sendmail/cf"
	case $mode in
	open) relay="FEATURE(\`promiscuous_relay')dnl" ;;
	closed) ;;
	*)
		echo "sendmail_write_cf: mode must be open or closed, not '$mode'" >&2
		return 1
		;;
	esac
	printf 'hosts files\naliases files\n' >"$dir/service.switch"
	echo "$host" >"$dir/local-host-names"
	: >"$dir/relay-domains"
	: >"$dir/trusted-users"
	cat >"$dir/sendmail.mc" <<EOF
divert(-1)
# A private Sendmail for dnsbld's relay-probe tests ($mode), on $addr port $port: it can never deliver anything.
divert(0)dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`$host')dnl
define(\`QUEUE_DIR', \`$dir/mqueue')dnl
define(\`confPID_FILE', \`$dir/sendmail.pid')dnl
define(\`STATUS_FILE', \`$dir/statistics')dnl
define(\`confHOST_STATUS_DIRECTORY', \`')dnl
define(\`confDEAD_LETTER_DROP', \`')dnl
define(\`confSERVICE_SWITCH_FILE', \`$dir/service.switch')dnl
define(\`ALIAS_FILE', \`')dnl
define(\`confCW_FILE', \`$dir/local-host-names')dnl
define(\`confCR_FILE', \`$dir/relay-domains')dnl
define(\`confCT_FILE', \`$dir/trusted-users')dnl
define(\`confHELP_FILE', \`')dnl
define(\`confEBINDIR', \`$SENDMAIL_ROOT/usr/libexec/sendmail')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
define(\`confTO_IDENT', \`0s')dnl
define(\`confBIND_OPTS', \`-DNSRCH -DEFNAMES')dnl
define(\`confDELIVERY_MODE', \`queue')dnl
define(\`confPRIVACY_FLAGS', \`authwarnings,noetrn,noexpn,novrfy')dnl
define(\`confAUTH_MECHANISMS', \`')dnl
define(\`confDEF_USER_ID', \`mail:mail')dnl
define(\`LOCAL_MAILER_PATH', \`/bin/true')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`no_default_msa')dnl
$relay
DAEMON_OPTIONS(\`Port=$port, Addr=$addr, Name=MTA')dnl
MAILER(\`local')dnl
MAILER(\`smtp')dnl
LOCAL_RULESETS
Scheck_data
R\$*	\$#error \$@ 5.7.1 \$: "554 DATA refused by the dnsbld test instance"
EOF
	if ! m4 -D_CF_DIR_="$cfdir/" "$cfdir/m4/cf.m4" "$dir/sendmail.mc" >"$dir/sendmail.cf" 2>"$dir/m4.out"; then
		it_fail "m4 builds Sendmail's .cf ($mode)" "exit status 0" "failed" "$(cat "$dir/m4.out")"
		return 1
	fi
}

sendmail_start() {
	local mode=$1 addr=$2 port=$3 dir pid deadline banner started via=""
	local -a netns=()
	started=$(date +%s%N)
	dir=$(sendmail_dir "$addr")
	if [ -z "$SENDMAIL_BIN" ]; then
		it_fail "sendmail_require was called before sendmail_start" "an unpacked Sendmail" "none"
		return 1
	fi
	if mta_in_netns "$addr"; then
		mta_netns_up "$addr" || return 1
		netns=(nsenter -t "$MTA_NS_SERVER" -n --)
		via=mta_client_exec
	elif [ "$mode" = closed ]; then
		it_fail "Sendmail closed runs where its prober is not 127.0.0.1" \
			"an address in 198.18.0.0/24: from 127.0.0.1 Sendmail relays for anyone ('originated locally')" "$addr"
		return 1
	fi
	mkdir -p "$dir/mqueue"
	chmod 711 "$dir"
	chmod 700 "$dir/mqueue"
	SENDMAIL_MODE[$addr]=$mode
	sendmail_write_cf "$mode" "$addr" "$port" || return 1
	# shellcheck disable=SC2086 # SENDMAIL_DEBUG: -d options, split on purpose
	MTA_NS_HOSTNAME=$(sendmail_hostname "$addr") mta_ns_cmd "$SENDMAIL_DIR/etc" -- \
		env "LD_LIBRARY_PATH=$(mta_libpath "$SENDMAIL_ROOT")" "$SENDMAIL_BIN" -C "$dir/sendmail.cf" -bD \
		-X "$dir/transcript" ${SENDMAIL_DEBUG:-}
	timeout -k 2 "$IT_SERVER_LIFETIME" "${netns[@]}" "${MTA_NS_CMD[@]}" >"$dir/daemon.out" 2>&1 &
	pid=$!
	SENDMAIL_TIMEOUT_PID[$addr]=$pid
	SENDMAIL_PORT[$addr]=$port
	deadline=$((SECONDS + 10))
	while [ "$SECONDS" -le "$deadline" ] && kill -0 "$pid" 2>/dev/null; do
		banner=$(MTA_VIA=$via mta_banner "$addr" "$port")
		if [[ $banner == "220 "* ]]; then
			it_pass "Sendmail ($mode) starts on $addr:$port and greets: $banner [$(mta_ms_since "$started") ms]"
			return 0
		fi
		sleep 0.1
	done
	it_fail "Sendmail ($mode) starts on $addr:$port and greets with 220" "a 220 banner within ~10 s" \
		"${banner:-no banner}" "$(cat "$dir/daemon.out" "$dir/transcript" 2>/dev/null)
(nothing above? run with SENDMAIL_DEBUG='-d0.20 -d8.8': Sendmail logs to syslog, absent here)"
	sendmail_stop "$addr"
	return 1
}

# sendmail_address_test ADDR CLIENT_IP ADDRESS: Sendmail's own test of its rulesets (-bt, no daemon, no network, no
# queue) for a recipient ADDRESS given by a client at CLIENT_IP: what check_rcpt returns ("RELAY", "OK", or
# "$# error $@ 5 . 7 . 1 $: "550 Relaying denied""), with the rulesets' trace before it.
sendmail_address_test() {
	printf '.D{client_addr}%s\ncheck_rcpt <%s>\n' "$2" "$3" | sendmail_ruleset_test "$1"
}

# sendmail_ruleset_test ADDR < INPUT: "sendmail -C its-cf -bt" with INPUT (ruleset-test lines, e.g. "check_data x").
sendmail_ruleset_test() {
	local dir
	dir=$(sendmail_dir "$1")
	MTA_NS_HOSTNAME=$(sendmail_hostname "$1") mta_ns_exec "$SENDMAIL_DIR/etc" -- \
		env "LD_LIBRARY_PATH=$(mta_libpath "$SENDMAIL_ROOT")" timeout 10 "$SENDMAIL_BIN" -C "$dir/sendmail.cf" -bt 2>&1
}

sendmail_stop() {
	mta_instance_stop Sendmail SENDMAIL "$1"
}

sendmail_stop_all() {
	mta_instance_stop_all Sendmail SENDMAIL
}

sendmail_processes() {
	mta_instance_processes SENDMAIL "$1"
}

sendmail_queued_files() {
	local dir
	dir=$(sendmail_dir "$1")
	[ -d "$dir/mqueue" ] && find "$dir/mqueue" -type f
}

MTA_CLEANUPS+=(sendmail_stop_all)
