# SPDX-License-Identifier: BSD-2-Clause
# opensmtpd_lib.sh — private OpenSMTPD instances as relay-probe targets, each unable to deliver anything.
#
# Sourced after lib.sh and mta_unpack_lib.sh. Needs root (CI runs as root), iproute2 (ip), util-linux (unshare,
# nsenter), and, downloaded and unpacked into $MTA_CACHE_DIR by mta_unpack (opensmtpd conflicts with the installed
# postfix): Debian's opensmtpd package (its libraries — libevent-2.1-7, libssl3, libdb5.3, libpam0g — are normally
# installed; any that is not is unpacked too).
#
#   opensmtpd_require                   unpacks OpenSMTPD (or reuses the cache); it_fail and return 1 if it cannot run
#   opensmtpd_start open|closed ADDR PORT
#                                       an instance on ADDR:PORT, waited for until it greets with 220 (~10 s at most).
#                                       ADDR in 127.0.0.0/8: in this machine's network namespace (open only, see
#                                       below). ADDR in 198.18.0.0/24 (not .2): in the "server" namespace, reached
#                                       from the "client" namespace (opensmtpd_client_exec), created on first use.
#   opensmtpd_client_exec CMD...        CMD in the client network namespace, whose address is 198.18.0.2: run the
#                                       prober (or mta_smtp, with MTA_VIA=opensmtpd_client_exec) through it (the
#                                       same as mta_client_exec)
#   opensmtpd_server_exec CMD...        CMD in the server network namespace (where "from local" holds)
#   opensmtpd_stop ADDR / opensmtpd_stop_all   stops an instance, every process of it (the EXIT trap calls the
#                                       latter, then mta_netns_down removes the namespaces)
#   opensmtpd_port ADDR                 its port
#   opensmtpd_hostname ADDR             its hostname, mx.MODE.smtpd.test: its own (local) mail domain
#   opensmtpd_log ADDR                  the path of its log (smtpd -d logs to stderr)
#   opensmtpd_processes ADDR            its live processes ("PID COMMAND" lines): none once stopped
#   opensmtpd_queued_files ADDR         the files in its queue (none: nothing was ever queued)
#
# MODE:
#   open    "match from any for any action relay": any client may relay -> expected verdict open
#           (RCPT TO:<relay-check@relay-test.example> answered "250 2.1.5 Destination address valid: Recipient ok")
#   closed  the usual MX: "match from any for domain <its hostname> action local" (postmaster, abuse) and
#           "match from local for any action relay". A client that is not local gets
#           "550 Invalid recipient: <relay-check@relay-test.example>" -> expected closed
#
# Why the namespaces: OpenSMTPD's "from local" means any address of its own host (every interface address, all of
# 127/8 included), so a prober on this machine, whatever loopback address it uses, is "local" to a closed instance
# and may relay. A closed instance therefore runs in the "server" network namespace of mta_unpack_lib.sh
# (mta_netns_up: 198.18.0.1/24 on a veth) and is probed from the "client" one (198.18.0.2/24 on the veth's peer),
# where its client is not local. See mta_unpack_lib.sh for how the namespaces are made and removed.
#
# Nothing delivered: smtpd runs with -P mda -P mta (no local delivery, no remote transfer is ever scheduled), the
# listener's builtin filter refuses DATA ("554 5.7.1 DATA refused by the dnsbld test instance"; smtpd -n accepts it,
# but no session here ever says DATA, so it is not seen on the wire), and the relay action
# names host smtp+notls://127.0.0.1:9, a loopback port (of its own namespace) where nobody listens. No DNS: the
# hostname is set on the listener, and the mount namespace's resolv.conf ("lookup file") and nsswitch.conf keep
# every lookup in /etc/hosts. Spool, control socket and chroot directory are OpenSMTPD's compiled-in
# /var/spool/smtpd, /run/smtpd.sock and /var/lib/opensmtpd/empty: the instance's mount namespace has directories
# of its own instance directory bind-mounted over /var/spool, /run and /var/lib, so nothing outside it is written.
# The users it needs (opensmtpd, opensmtpq and their groups) are in the namespace's copy of /etc/passwd.
#
# smtpd runs in the foreground (-d, logging to stderr) under timeout(1) (IT_SERVER_LIFETIME), which leads the
# process group holding smtpd and its privilege-separated processes.

OPENSMTPD_DIR="$IT_TMP/opensmtpd"
OPENSMTPD_ROOT=""
OPENSMTPD_BIN=""
declare -A OPENSMTPD_TIMEOUT_PID=() # ADDR -> the timeout(1) running that instance (also its process group)
declare -A OPENSMTPD_STOPPED_PGID=()
declare -A OPENSMTPD_MODE=()
declare -A OPENSMTPD_PORT=()

opensmtpd_require() {
	if [ "$(id -u)" != 0 ]; then
		it_fail "the test runs as root" "uid 0: smtpd and the network namespaces need root (CI runs as root)" \
			"uid $(id -u)"
		return 1
	fi
	if ! command -v ip >/dev/null || ! command -v nsenter >/dev/null; then
		it_fail "ip and nsenter are installed" "iproute2 and util-linux" "not found"
		return 1
	fi
	mta_unpack opensmtpd usr/sbin/smtpd opensmtpd || return 1
	OPENSMTPD_ROOT=$MTA_ROOT
	OPENSMTPD_BIN="$OPENSMTPD_ROOT/usr/sbin/smtpd"
	mkdir -p "$OPENSMTPD_DIR"
	chmod 711 "$IT_TMP" "$OPENSMTPD_DIR"
	mta_etc_prepare "$OPENSMTPD_DIR/etc" opensmtpd opensmtpq || return 1
	return 0
}

opensmtpd_dir() {
	echo "$OPENSMTPD_DIR/$1"
}

opensmtpd_port() {
	echo "${OPENSMTPD_PORT[$1]:-}"
}

opensmtpd_log() {
	echo "$OPENSMTPD_DIR/$1/smtpd.log"
}

opensmtpd_hostname() {
	echo "mx.${OPENSMTPD_MODE[$1]:-unknown}.smtpd.test"
}

opensmtpd_client_exec() {
	mta_client_exec "$@"
}

opensmtpd_server_exec() {
	mta_server_exec "$@"
}

# opensmtpd_write_conf open|closed ADDR PORT
opensmtpd_write_conf() {
	local mode=$1 addr=$2 port=$3 dir host rules
	dir=$(opensmtpd_dir "$addr")
	host=mx.$mode.smtpd.test
	case $mode in
	open)
		rules="match from any for any action \"relay\""
		;;
	closed)
		rules="match from any for domain \"$host\" action \"local\"
match from local for any action \"relay\""
		;;
	*)
		echo "opensmtpd_write_conf: mode must be open or closed, not '$mode'" >&2
		return 1
		;;
	esac
	cat >"$dir/smtpd.conf" <<EOF
# A private OpenSMTPD for dnsbld's relay-probe tests ($mode), on $addr port $port: it can never deliver anything.
table aliases { postmaster = root, abuse = root }
filter "nodata" phase data match !auth reject "554 5.7.1 DATA refused by the dnsbld test instance"
listen on $addr port $port hostname $host filter "nodata"
action "local" mda "/bin/true" alias <aliases>
action "relay" relay host "smtp+notls://127.0.0.1:9"
$rules
EOF
}

opensmtpd_start() {
	local mode=$1 addr=$2 port=$3 dir pid deadline banner out started via=""
	local -a netns=()
	started=$(date +%s%N)
	dir=$(opensmtpd_dir "$addr")
	if [ -z "$OPENSMTPD_BIN" ]; then
		it_fail "opensmtpd_require was called before opensmtpd_start" "an unpacked OpenSMTPD" "none"
		return 1
	fi
	if mta_in_netns "$addr"; then
		mta_netns_up "$addr" || return 1
		netns=(nsenter -t "$MTA_NS_SERVER" -n --)
		via=mta_client_exec
	elif [ "$mode" = closed ]; then
		it_fail "OpenSMTPD closed runs where its prober is not local" \
			"an address in 198.18.0.0/24 (a namespace of its own): from 127/8 every client is local and relays" "$addr"
		return 1
	fi
	# Its compiled-in spool, run and chroot directories, private to its mount namespace.
	mkdir -p "$dir/var-spool" "$dir/run" "$dir/var-lib/opensmtpd/empty"
	chmod 711 "$dir"
	chmod 755 "$dir/var-spool" "$dir/run" "$dir/var-lib" "$dir/var-lib/opensmtpd" "$dir/var-lib/opensmtpd/empty"
	OPENSMTPD_MODE[$addr]=$mode
	opensmtpd_write_conf "$mode" "$addr" "$port" || return 1
	mta_ns_cmd "$OPENSMTPD_DIR/etc" "$dir/var-spool=/var/spool" "$dir/run=/run" "$dir/var-lib=/var/lib" -- \
		"$OPENSMTPD_BIN" -f "$dir/smtpd.conf" -n
	if ! out=$("${netns[@]}" "${MTA_NS_CMD[@]}" 2>&1); then
		it_fail "OpenSMTPD ($mode) accepts its configuration for $addr:$port" "smtpd -n succeeds" "failed" "$out"
		return 1
	fi
	mta_ns_cmd "$OPENSMTPD_DIR/etc" "$dir/var-spool=/var/spool" "$dir/run=/run" "$dir/var-lib=/var/lib" -- \
		"$OPENSMTPD_BIN" -f "$dir/smtpd.conf" -d -P mda -P mta
	timeout -k 2 "$IT_SERVER_LIFETIME" "${netns[@]}" "${MTA_NS_CMD[@]}" >"$dir/smtpd.log" 2>&1 &
	pid=$!
	OPENSMTPD_TIMEOUT_PID[$addr]=$pid
	OPENSMTPD_PORT[$addr]=$port
	deadline=$((SECONDS + 10))
	while [ "$SECONDS" -le "$deadline" ] && kill -0 "$pid" 2>/dev/null; do
		banner=$(MTA_VIA=$via mta_banner "$addr" "$port")
		if [[ $banner == "220 "* ]]; then
			it_pass "OpenSMTPD ($mode) starts on $addr:$port and greets: $banner [$(mta_ms_since "$started") ms]"
			return 0
		fi
		sleep 0.1
	done
	it_fail "OpenSMTPD ($mode) starts on $addr:$port and greets with 220" "a 220 banner within ~10 s" \
		"${banner:-no banner}" "$(cat "$dir/smtpd.log")"
	opensmtpd_stop "$addr"
	return 1
}

# Stops the instance: TERM to timeout(1), which passes it to smtpd, whose parent then stops its children; KILL to
# what is left of the process group after ~5 s.
opensmtpd_stop() {
	mta_instance_stop OpenSMTPD OPENSMTPD "$1"
}

opensmtpd_stop_all() {
	mta_instance_stop_all OpenSMTPD OPENSMTPD
}

opensmtpd_processes() {
	mta_instance_processes OPENSMTPD "$1"
}

opensmtpd_queued_files() {
	local dir
	dir=$(opensmtpd_dir "$1")
	[ -d "$dir/var-spool/smtpd" ] && find "$dir/var-spool/smtpd" -path "*/queue/*" -type f -o -path "*/incoming/*" -type f 2>/dev/null
}

MTA_CLEANUPS+=(opensmtpd_stop_all)
