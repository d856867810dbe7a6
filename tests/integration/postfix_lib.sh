# SPDX-License-Identifier: BSD-2-Clause
# postfix_lib.sh — private Postfix instances as relay-probe targets: each in its own directory under $IT_TMP (config,
# queue, data, maillog), listening on one loopback address and port, with every transport set to discard so that it
# can never deliver anything (and DATA refused, should a client ever send it).
#
# Sourced after lib.sh by the test scripts that probe a real MTA. Needs Debian's postfix package (scripts/deps.sh
# installs it, with no system configuration and no running service) and root, as Postfix's master does.
#
#   postfix_require                     it_fail and return 1 unless Postfix can be run here
#   postfix_start MODE ADDR PORT        an instance on ADDR:PORT, waited for until it greets with 220 (~10 s at most)
#   postfix_reconfigure open|closed ADDR  rewrites main.cf, "postfix reload", waits until no old smtpd is left
#   postfix_stop ADDR / postfix_stop_all  stops an instance and every process of it (the EXIT trap calls the latter)
#   postfix_processes ADDR              its live processes ("PID COMMAND" lines): none once stopped
#   postfix_maillog ADDR                the path of its maillog
#   postfix_queued_files ADDR           the message files in its queue, one a line (none: nothing was ever queued)
#   postfix_queue_listing ADDR          what "postqueue -p" says ("Mail queue is empty")
#   postfix_banner ADDR PORT [VIA...]   the first line the server sends (VIA: a command to run it through, e.g. nsenter)
#
# An instance's own settings, set before postfix_start (postfix_reconfigure keeps them):
#   POSTFIX_MAIN_CF[ADDR]    main.cf lines, "name = value" one a line: each takes the place of the mode's line of that
#                            name, or is added. With mynetworks among them, MODE may also be a name of the test's own
#                            (test_check.sh: check-closed, check-open), which the messages show.
#   POSTFIX_MASTER_CF[ADDR]  master.cf lines added after the instance's own: more listeners ("ADDR:PORT inet ...",
#                            whose addresses become the instance's own too: proxy_interfaces), more services.
#
# MODE open: mynetworks = 127.0.0.0/8, which holds the prober's source address (127.0.0.1 for any 127/8 destination),
# so permit_mynetworks lets it relay. closed: mynetworks = 192.0.2.255/32, a documentation address nobody uses, so
# every external recipient gets reject_unauth_destination's "554 5.7.1 ...: Relay access denied". closed-defer: the
# same with defer_unauth_destination ("454 4.7.1 ...: Relay access denied"). closed-nodelay: closed with
# smtpd_delay_reject = no (restrictions applied at RCPT as they come, not all at RCPT).
#
# Two modes use a DNSBL, the zone named by $POSTFIX_DNSBL (test_mail_stack.sh, which runs them in a network namespace
# whose resolver is a private unbound): rbl is closed with "smtpd_recipient_restrictions = reject_rbl_client
# $POSTFIX_DNSBL=127.0.0.[2..255]" (a listed client gets "554 5.7.1 Service unavailable; Client host [ADDR] blocked
# using ZONE; TXT" at RCPT) and one smtpd process (maxproc 1) serving the connections in turn; postscreen is closed with
# postscreen in front of smtpd (master.cf: postscreen, smtpd pass, dnsblog, tlsproxy), "postscreen_dnsbl_sites =
# $POSTFIX_DNSBL*2", threshold 1, action enforce, a greet wait of 2 s (postscreen's dummy engine answers a listed
# client's RCPT with 550 5.7.1; an unlisted one is handed to smtpd). Both look names up in DNS through the system
# resolver (/etc/resolv.conf); the other modes never do.
#
# Nothing is written outside the instance directory: config_directory, queue_directory, data_directory and maillog_file
# all point into it; master.cf runs every service unchrooted. No DNS but the DNSBL modes' lookups: smtpd_peername_lookup
# = no (the client is "unknown[127.0.0.1]"), smtp_dns_support_level = disabled (the SMTP client's, which no discard
# transport uses; smtpd's DNSBL lookups do not depend on it), myhostname set. The master runs in the foreground under
# timeout(1) (IT_SERVER_LIFETIME, as dnsbld), so even a killed test leaves no Postfix for long; a TERM to the master
# makes it kill its process group, i.e. every Postfix process of the instance.
#
# Timing: Postfix tarpits a client after smtpd_soft_error_limit (10) errors by sleeping smtpd_error_sleep_time per
# reply. The instances turn that off so that the tests stay short, unless POSTFIX_LIMITS=default (the MTA matrix
# test, which shows that the prober stays below those limits).

POSTFIX_DIR="$IT_TMP/postfix"
POSTFIX_MASTER=""
declare -A POSTFIX_TIMEOUT_PID=() # ADDR -> the timeout(1) running that instance's master
declare -A POSTFIX_PGID=()        # ADDR -> the master's pid, which is also its process group
declare -A POSTFIX_PORT=()        # ADDR -> its port
declare -A POSTFIX_MAIN_CF=()     # ADDR -> main.cf settings of its own (see above)
declare -A POSTFIX_MASTER_CF=()   # ADDR -> more master.cf lines (see above)

postfix_require() {
	if ! command -v postconf >/dev/null || ! command -v postfix >/dev/null; then
		it_fail "Postfix is installed" "postfix and postconf on PATH (apt-get install postfix; scripts/deps.sh does)" \
			"not found"
		return 1
	fi
	POSTFIX_MASTER="$(postconf -dh daemon_directory)/master"
	if [ ! -x "$POSTFIX_MASTER" ]; then
		it_fail "Postfix's master daemon is installed" "an executable $POSTFIX_MASTER" "not found"
		return 1
	fi
	if [ "$(id -u)" != 0 ]; then
		it_fail "the test runs as root" "uid 0: Postfix's master must start as root (CI runs as root)" \
			"uid $(id -u)"
		return 1
	fi
	return 0
}

# The instance directory of an address.
postfix_dir() {
	echo "$POSTFIX_DIR/$1"
}

postfix_maillog() {
	echo "$POSTFIX_DIR/$1/maillog"
}

# postfix_main_cf_set SETTINGS: main.cf on stdin, with each "name = value" line of SETTINGS in the place of the line
# that sets the same name, or added at the end; to stdout.
postfix_main_cf_set() {
	POSTFIX_SETTINGS=$1 awk '
		function name_of(line) {
			sub(/[ \t]*=.*/, "", line)
			return line
		}
		BEGIN {
			n = split(ENVIRON["POSTFIX_SETTINGS"], s, "\n")
			for (i = 1; i <= n; i++)
				if (s[i] ~ /^[a-z0-9_]+[ \t]*=/) {
					name = name_of(s[i])
					if (!(name in set))
						order[++count] = name
					set[name] = s[i]
				}
		}
		/^[a-z0-9_]+[ \t]*=/ && (name_of($0) in set) {
			name = name_of($0)
			if (!(name in done))
				print set[name]
			done[name] = 1
			next
		}
		{ print }
		END {
			for (i = 1; i <= count; i++)
				if (!(order[i] in done))
					print set[order[i]]
		}'
}

# The addresses of the instance at ADDR: ADDR, and those of the inet listeners among its POSTFIX_MASTER_CF lines;
# comma separated.
postfix_own_addresses() {
	{
		echo "$1"
		awk '$2 == "inet" { sub(/:[^:]*$/, "", $1); print $1 }' <<<"${POSTFIX_MASTER_CF[$1]:-}"
	} | sort -u | paste -sd, -
}

# postfix_write_main_cf MODE ADDR PORT
postfix_write_main_cf() {
	local mode=$1 addr=$2 port=$3 dir networks relay_restrictions extra="" limits
	dir=$(postfix_dir "$addr")
	relay_restrictions="permit_mynetworks, reject_unauth_destination"
	case $mode in
	open) networks=127.0.0.0/8 ;;
	closed) networks=192.0.2.255/32 ;;
	closed-defer)
		networks=192.0.2.255/32
		relay_restrictions="permit_mynetworks, defer_unauth_destination"
		;;
	closed-nodelay)
		networks=192.0.2.255/32
		extra="smtpd_delay_reject = no"
		;;
	rbl | postscreen)
		if [ -z "${POSTFIX_DNSBL:-}" ]; then
			echo "postfix_write_main_cf: mode $mode needs POSTFIX_DNSBL (the DNSBL zone)" >&2
			return 1
		fi
		networks=192.0.2.255/32
		if [ "$mode" = rbl ]; then
			extra="# The DNSBL: a client whose address it lists gets a 5xx at RCPT, with the list's TXT.
smtpd_recipient_restrictions = reject_rbl_client $POSTFIX_DNSBL=127.0.0.[2..255]"
		else
			extra="# The DNSBL, asked by postscreen before smtpd ever sees the client: a listing scores 2, 1 blocks.
postscreen_dnsbl_sites = $POSTFIX_DNSBL*2
postscreen_dnsbl_threshold = 1
postscreen_dnsbl_action = enforce
postscreen_greet_wait = 2s"
		fi
		;;
	*)
		if ! grep -q '^mynetworks[[:space:]]*=' <<<"${POSTFIX_MAIN_CF[$addr]:-}"; then
			echo "postfix_write_main_cf: mode must be open, closed, closed-defer, closed-nodelay, rbl or postscreen," \
				"or one of the test's own with mynetworks in POSTFIX_MAIN_CF[$addr], not '$mode'" >&2
			return 1
		fi
		networks=192.0.2.255/32 # POSTFIX_MAIN_CF's mynetworks takes its place
		;;
	esac
	limits="smtpd_error_sleep_time = 0s
smtpd_soft_error_limit = 100
smtpd_hard_error_limit = 100"
	[ "${POSTFIX_LIMITS:-}" = default ] && limits="# Postfix's own error limits and sleeps (POSTFIX_LIMITS=default)"
	postfix_main_cf_set "${POSTFIX_MAIN_CF[$addr]:-}" >"$dir/conf/main.cf.new" <<EOF
# A private Postfix for dnsbld's relay-probe test ($mode): it can never deliver anything.
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
myhostname = mx.pipeline.test
mydomain = pipeline.test
myorigin = \$myhostname
mydestination = \$myhostname, pipeline.test
# Loopback only: the one smtpd listens on $addr:$port (master.cf). inet_interfaces must name an interface
# address, which $addr is not; proxy_interfaces makes [$addr] one of this host's own address literals (and those of
# the instance's other listeners, if it has any).
inet_interfaces = loopback-only
inet_protocols = ipv4
proxy_interfaces = $(postfix_own_addresses "$addr")
mynetworks = $networks
smtpd_relay_restrictions = $relay_restrictions
$extra
smtpd_data_restrictions = reject
# Every transport discards.
default_transport = discard:
relay_transport = discard:
local_transport = discard:
virtual_transport = discard:
# No lookups beyond this directory and /etc/passwd-free inline tables.
alias_maps =
alias_database =
local_recipient_maps = inline:{ postmaster=postmaster }
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
smtp_host_lookup = native
biff = no
$limits
EOF
	mv "$dir/conf/main.cf.new" "$dir/conf/main.cf"
}

# postfix_write_master_cf ADDR PORT [MODE]: the services an smtpd session needs, none chrooted, no pickup, no TLS;
# with MODE postscreen, postscreen on ADDR:PORT in front of smtpd, and its dnsblog and tlsproxy.
postfix_write_master_cf() {
	local dir front
	dir=$(postfix_dir "$1")
	front="$1:$2 inet       n       -      n      -      -       smtpd"
	if [ "${3:-}" = rbl ]; then
		# One smtpd process serves every connection in turn: what its DNSBL cache keeps is seen by the next one.
		front="$1:$2 inet       n       -      n      -      1       smtpd"
	elif [ "${3:-}" = postscreen ]; then
		front="$1:$2 inet       n       -      n      -      1       postscreen
smtpd               pass       -       -      n      -      -       smtpd
dnsblog             unix       -       -      n      -      0       dnsblog
tlsproxy            unix       -       -      n      -      0       tlsproxy"
	fi
	cat >"$dir/conf/master.cf" <<EOF
# service           type       private unpriv chroot wakeup maxproc command
$front
postlog             unix-dgram n       -      n      -      1       postlogd
cleanup             unix       n       -      n      -      0       cleanup
qmgr                unix       n       -      n      300    1       qmgr
rewrite             unix       -       -      n      -      -       trivial-rewrite
bounce              unix       -       -      n      -      0       bounce
defer               unix       -       -      n      -      0       bounce
trace               unix       -       -      n      -      0       bounce
verify              unix       -       -      n      -      1       verify
flush               unix       n       -      n      1000?  0       flush
showq               unix       n       -      n      -      -       showq
error               unix       -       -      n      -      -       error
retry               unix       -       -      n      -      -       error
discard             unix       -       -      n      -      -       discard
anvil               unix       -       -      n      -      1       anvil
scache              unix       -       -      n      -      1       scache
EOF
	if [ -n "${POSTFIX_MASTER_CF[$1]:-}" ]; then
		{
			echo "# more of this instance (POSTFIX_MASTER_CF)"
			printf '%s\n' "${POSTFIX_MASTER_CF[$1]}"
		} >>"$dir/conf/master.cf"
	fi
}

# postfix_banner ADDR PORT [VIA...]: the first line the SMTP server at ADDR PORT sends (CR removed), then QUIT; nothing
# if it does not answer. ~3 s at most. VIA: a command the client runs through (test_check.sh: nsenter into a namespace).
postfix_banner() {
	# shellcheck disable=SC2016 # the inner script's own variables
	"${@:3}" timeout 3 bash -c '
		exec 3<>"/dev/tcp/$0/$1" || exit 1
		IFS= read -r -t 2 line <&3 || exit 1
		printf "QUIT\r\n" >&3
		IFS= read -r -t 1 _ <&3
		printf "%s\n" "$line"' "$1" "$2" 2>/dev/null | tr -d '\r'
}

postfix_start() {
	local mode=$1 addr=$2 port=$3 dir pid deadline banner
	dir=$(postfix_dir "$addr")
	# Postfix's daemons drop to the postfix user inside their queue and data directories: the directories above
	# must let them through (not list).
	chmod 711 "$IT_TMP"
	mkdir -p "$dir/conf" "$dir/queue"
	chmod 711 "$POSTFIX_DIR" "$dir"
	postfix_write_main_cf "$mode" "$addr" "$port" || return 1
	postfix_write_master_cf "$addr" "$port" "$mode"
	# Creates the queue and data directories with their owners and modes, and checks the configuration.
	if ! postfix -c "$dir/conf" check >"$dir/check.out" 2>&1; then
		it_fail "Postfix ($mode) passes 'postfix check' for $addr:$port" "exit status 0" "failed" \
			"$(cat "$dir/check.out" "$dir/maillog" 2>/dev/null)"
		return 1
	fi
	timeout -k 2 "$IT_SERVER_LIFETIME" "$POSTFIX_MASTER" -c "$dir/conf" -s >"$dir/master.out" 2>&1 &
	pid=$!
	POSTFIX_TIMEOUT_PID[$addr]=$pid
	POSTFIX_PORT[$addr]=$port
	deadline=$((SECONDS + 10))
	while [ "$SECONDS" -le "$deadline" ] && kill -0 "$pid" 2>/dev/null; do
		banner=$(postfix_banner "$addr" "$port")
		# postscreen greets with the first line of a multi-line 220 ("220-"), then waits for the DNSBL answers.
		if [[ $banner == "220 "* || ($mode == postscreen && $banner == "220-"*) ]]; then
			POSTFIX_PGID[$addr]=$(awk '{print $1; exit}' "$dir/queue/pid/master.pid" 2>/dev/null)
			it_pass "Postfix ($mode) starts on $addr:$port and greets: $banner"
			return 0
		fi
		sleep 0.1
	done
	it_fail "Postfix ($mode) starts on $addr:$port and greets with 220" "a 220 banner within ~10 s" \
		"${banner:-no banner}" "$(cat "$dir/master.out" "$dir/maillog" 2>/dev/null)"
	postfix_stop "$addr"
	return 1
}

# postfix_reconfigure open|closed ADDR: the running instance takes the new mynetworks ("postfix reload"). Old smtpd
# processes finish at their earliest convenience; this waits (~5 s at most) until none is left, so that the next
# connection certainly meets the new configuration.
postfix_reconfigure() {
	local mode=$1 addr=$2 dir old=() deadline p alive
	dir=$(postfix_dir "$addr")
	if [ -n "${POSTFIX_PGID[$addr]:-}" ]; then
		mapfile -t old < <(pgrep -P "${POSTFIX_PGID[$addr]}" -x smtpd)
	fi
	postfix_write_main_cf "$mode" "$addr" "${POSTFIX_PORT[$addr]}" || return 1
	if ! postfix -c "$dir/conf" reload >"$dir/reload.out" 2>&1; then
		it_fail "Postfix at $addr reloads as $mode" "exit status 0" "failed" "$(cat "$dir/reload.out")"
		return 1
	fi
	deadline=$((SECONDS + 5))
	while :; do
		alive=""
		for p in "${old[@]}"; do
			if kill -0 "$p" 2>/dev/null; then alive+=" $p"; fi
		done
		[ -z "$alive" ] && break
		if [ "$SECONDS" -gt "$deadline" ]; then
			it_fail "Postfix at $addr reloads as $mode" "its old smtpd processes gone within ~5 s" "left:$alive"
			return 1
		fi
		sleep 0.1
	done
	if [[ $(postfix_banner "$addr" "${POSTFIX_PORT[$addr]}") != "220 "* ]]; then
		it_fail "Postfix at $addr greets after the reload" "a 220 banner" "none" "$(tail -n 20 "$dir/maillog")"
		return 1
	fi
	it_pass "Postfix at $addr reloaded as $mode"
}

# The live processes (zombies aside: init reaps those) of the process group PGID, as "PID COMMAND" lines.
postfix_group_processes() {
	ps -e -o pid=,pgid=,stat=,comm= | awk -v g="$1" '$2 == g && $3 !~ /^Z/ { print $1, $4 }'
}

# Stops the instance: TERM to timeout(1), which hands it to the master, which terminates its whole process group.
# Then waits (~5 s) for every process of that group to be gone, and KILLs the group if one lingers.
postfix_stop() {
	local addr=$1 pid pgid deadline
	pid=${POSTFIX_TIMEOUT_PID[$addr]:-}
	pgid=${POSTFIX_PGID[$addr]:-}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if [ -n "$pgid" ]; then
		deadline=$((SECONDS + 5))
		while [ -n "$(postfix_group_processes "$pgid")" ] && [ "$SECONDS" -le "$deadline" ]; do
			sleep 0.1
		done
		if [ -n "$(postfix_group_processes "$pgid")" ]; then
			echo "# Postfix at $addr: processes left after TERM, killing group $pgid" >&2
			kill -KILL -- "-$pgid" 2>/dev/null
		fi
	fi
	unset "POSTFIX_TIMEOUT_PID[$addr]"
}

postfix_stop_all() {
	local addr
	for addr in "${!POSTFIX_TIMEOUT_PID[@]}"; do
		postfix_stop "$addr"
	done
}

# The live processes of the instance, "PID COMMAND" a line; nothing once it has stopped.
postfix_processes() {
	local pgid=${POSTFIX_PGID[$1]:-}
	[ -n "$pgid" ] && postfix_group_processes "$pgid"
}

postfix_queued_files() {
	local dir q
	dir=$(postfix_dir "$1")
	for q in maildrop incoming active deferred hold corrupt saved bounce defer trace; do
		[ -d "$dir/queue/$q" ] && find "$dir/queue/$q" -type f
	done
}

postfix_queue_listing() {
	postqueue -c "$(postfix_dir "$1")/conf" -p 2>&1
}

# The Postfix state of this machine outside the test: what a private instance must leave untouched.
postfix_system_snapshot() {
	find /etc/postfix /var/spool/postfix /var/lib/postfix /var/mail /var/log/mail.log /var/log/mail.err \
		-printf '%p %y %s %m %u %g %T@\n' 2>/dev/null | sort
}

postfix_cleanup() {
	postfix_stop_all
	it_cleanup
}
trap postfix_cleanup EXIT
