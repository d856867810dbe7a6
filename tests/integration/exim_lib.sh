# SPDX-License-Identifier: BSD-2-Clause
# exim_lib.sh — private Exim instances as relay-probe targets: each in its own directory under $IT_TMP (config,
# spool, logs), listening on one loopback address and port, unable to deliver anything.
#
# Sourced after lib.sh and mta_unpack_lib.sh. Needs root (CI runs as root) and, besides what mta_unpack_lib.sh
# lists, nothing installed. Downloaded (apt-get download) and unpacked into $MTA_CACHE_DIR, never installed (exim4
# conflicts with the installed postfix): exim4-daemon-light, and libidn12 where it is missing (the one library of it
# a bookworm machine lacks). exim4-base (utilities, cron jobs) and exim4-config (Debian's config generator) are not
# needed: the binary and a -C file are all an instance uses. The compiled-in exim user, Debian-exim, exists only in
# a private copy of /etc/passwd bind-mounted in the instance's own mount namespace.
#
#   exim_require                        unpacks Exim (or reuses the cache); it_fail and return 1 if it cannot run here
#   exim_start MODE ADDR PORT           an instance on ADDR:PORT, waited for until it greets with 220 (~10 s at most)
#   exim_stop ADDR / exim_stop_all      stops an instance and every process of it (the EXIT trap calls the latter)
#   exim_port ADDR                      its port
#   exim_hostname ADDR                  its primary_hostname, mx.MODE.exim.test: its own (local) mail domain
#   exim_address_test ADDR ADDRESS      what "exim -C its-conf -bt ADDRESS" says: how it would route ADDRESS
#   exim_host_test ADDR CLIENT_IP       "exim -bh CLIENT_IP": a fake SMTP session (its ACLs, no network), commands
#                                       from stdin, Exim's replies and debug lines on stdout
#   exim_conf ADDR / exim_mainlog ADDR / exim_rejectlog ADDR / exim_paniclog ADDR   paths in its directory
#   exim_processes ADDR                 its live processes ("PID COMMAND" lines): none once stopped
#   exim_queued_files ADDR              the files in its spool's input directory (none: nothing was ever queued)
#
# MODE (the prober connects from 127.0.0.1, the source address Linux uses for every 127/8 destination), each with its
# ground truth as the issue asks for it: what a swaks-style session says (EHLO, MAIL FROM:<>, RCPT TO:, then stop:
# no DATA), and what Exim's own address test says (exim_address_test, i.e. "exim -C conf -bt ADDRESS"). H is the
# instance's hostname (exim_hostname), EXT is relay-check@relay-test.example. All of it is checked by
# test_mta_harness.sh.
#
#   open             relay_from_hosts = 127.0.0.0/8 ("accept hosts = +relay_from_hosts"). Expected verdict: open.
#                      RCPT TO:<EXT>                   250 Accepted
#                      -bt EXT                         router = remote_domains, transport = discard_remote
#   closed           Debian's default ACL (conf.d/acl/30_exim4-config_check_rcpt, without its parts that read files
#                    under /etc/exim4), relay_from_hosts = 192.0.2.255/32 (a documentation address nobody uses),
#                    Exim's default limits, stated: smtp_max_synprot_errors = 3, smtp_accept_max_nonmail = 10,
#                    allow_domain_literals = false. Expected verdict: closed.
#                      RCPT TO:<EXT>                   550 relay not permitted
#                      RCPT TO:<relay-check%relay-test.example@H>, RCPT TO:<relay-test.example!relay-check@H>
#                                                      550 restricted characters in address
#                      RCPT TO:<postmaster@H>          250 Accepted
#                      MAIL FROM:<x@[1.2.3.4]>         501 <x@[1.2.3.4]>: domain literals not allowed
#                      the 4th syntax error            501-<x@[...]>: domain literals not allowed
#                                                      501 Too many syntax or protocol errors   (and the connection
#                                                      is closed)
#                      the 11th NOOP (12th RSET: the first RSET does not count)
#                                                      554 Too many nonmail commands   (and the connection is closed)
#                      -bt relay-test.example!relay-check@H   ... is undeliverable: Unrouteable address
#                    A source route, RCPT TO:<@H:EXT>, is stripped by Exim: it is EXT (550 relay not permitted).
#   closed-literals  closed, with allow_domain_literals = true (and its own [ADDR] a local domain, "@[]").
#                    Expected verdict: closed.
#                      MAIL FROM:<x@[1.2.3.4]>         250 OK
#                      RCPT TO:<EXT>                   550 relay not permitted
#                      RCPT TO:<relay-check%relay-test.example@[ADDR]>   550 restricted characters in address
#                      RCPT TO:<postmaster@[ADDR]>     250 Accepted
#   closed-catchall  closed, but any local part at its own domain is accepted, % and ! included (a "catchall" accept
#                    router, and the local-part character check reduced to a leading dot). Expected verdict:
#                    closed — a catch-all accepting relay-check%relay-test.example@H delivers it locally: not a relay.
#                      RCPT TO:<EXT>                   550 relay not permitted
#                      RCPT TO:<relay-check%relay-test.example@H>   250 Accepted
#                      -bt relay-check%relay-test.example@H   router = catchall, transport = discard_local
#                    Domain literals refused, as in closed (501).
#   bang-relay       closed (domain literals refused: 501), but a "bang_path" redirect router turns host!user at
#                    its own domain into user@host, which the remote_domains router then takes: it really relays
#                    bang paths. Expected verdict: open.
#                      RCPT TO:<EXT>                   550 relay not permitted
#                      RCPT TO:<relay-test.example!relay-check@H>   250 Accepted
#                      RCPT TO:<relay-check%relay-test.example@H>   550 restricted characters in address
#                      -bt relay-test.example!relay-check@H
#                                                      relay-check@relay-test.example
#                                                          <-- relay-test.example!relay-check@H
#                                                        router = remote_domains, transport = discard_remote
#   dnslists         closed, with "deny dnslists = $EXIM_DNSLISTS" first in the RCPT ACL (test_mail_stack.sh, in a
#                    network namespace whose resolver on 127.0.0.1 is a private unbound): a client the list names
#                      RCPT TO:<postmaster@H>          550 ADDR is listed in ZONE: TXT
#                    one it does not name gets the closed mode's answers (250 Accepted for postmaster@H).
#
# Nothing is delivered: queue_only (and no queue runner), DATA refused by acl_smtp_predata ("554 DATA refused ..."),
# every router ends in an appendfile transport writing to /dev/null. Remote domains are routed by an "accept" router
# (remote_domains) instead of dnslookup, so that neither reception nor -bt makes a DNS query; local domains by
# fixed local parts (postmaster, abuse) instead of the system's users. No lookups (but dnslists' DNSBL queries):
# host_lookup, rfc1413_hosts and helo_lookup_domains empty, primary_hostname set, and the namespace's
# nsswitch.conf/resolv.conf are local anyway.
# Spool and logs are in the instance directory (spool_directory, log_file_path); no pid file (-oX without -oP); no
# TLS (tls_advertise_hosts empty).
#
# -C and trust, as found with Debian's exim4-daemon-light 4.96 (exim -bV -d, and trying it):
#   - The binary is built with TRUSTED_CONFIG_LIST=/etc/exim4/trusted_configs (a file that does not exist here) and
#     without ALT_CONFIG_PREFIX: -C accepts any path.
#   - Called by a user other than root (or Debian-exim) with a -C file not named in that list, Exim drops its
#     setuid privilege ("changed uid/gid: -C, -D, -be or -bf forces real uid"), and "-bd" then fails with
#     "exim: permission denied". Naming the file in trusted_configs would need a write under /etc: not done.
#   - Called by root, -C is honoured with privilege: the daemon binds its port as root and then runs as Debian-exim
#     ("changed uid/gid: running as a daemon, uid=<Debian-exim>"), as do the processes of each SMTP session. So the
#     instances run as root (CI runs as root); the spool and log directories belong to Debian-exim and the path to
#     them is traversable (711).
#   - The -C file must belong to root and not be writable by group or others, or Exim refuses it ("Exim
#     configuration file ... has the wrong owner, group, or mode"): exim_write_conf writes it 0644.
#   - exim_require's unpack clears the binary's setuid bit (mta_unpack does for every set-id file); as root it is
#     not needed, and LD_LIBRARY_PATH (for an unpacked libidn12) works either way for root.
#
# The daemon runs in the foreground (-bdf) under timeout(1) (IT_SERVER_LIFETIME), in its own mount namespace;
# timeout leads the process group that holds the daemon and every connection process.

EXIM_DIR="$IT_TMP/exim"
EXIM_ROOT=""
EXIM_BIN=""
declare -A EXIM_TIMEOUT_PID=() # ADDR -> the timeout(1) running that instance's daemon (also its process group)
declare -A EXIM_PORT=()        # ADDR -> its port
declare -A EXIM_MODE=()        # ADDR -> its mode

exim_require() {
	if [ "$(id -u)" != 0 ]; then
		it_fail "the test runs as root" "uid 0: Exim's daemon must start as root to keep root with -C (CI runs as root)" \
			"uid $(id -u)"
		return 1
	fi
	mta_unpack exim usr/sbin/exim4 exim4-daemon-light || return 1
	EXIM_ROOT=$MTA_ROOT
	EXIM_BIN="$EXIM_ROOT/usr/sbin/exim4"
	mkdir -p "$EXIM_DIR"
	chmod 711 "$IT_TMP" "$EXIM_DIR"
	mta_etc_prepare "$EXIM_DIR/etc" Debian-exim || return 1
	return 0
}

exim_dir() {
	echo "$EXIM_DIR/$1"
}

exim_port() {
	echo "${EXIM_PORT[$1]:-}"
}

exim_conf() {
	echo "$EXIM_DIR/$1/exim.conf"
}

exim_mainlog() {
	echo "$EXIM_DIR/$1/log/mainlog"
}

exim_rejectlog() {
	echo "$EXIM_DIR/$1/log/rejectlog"
}

exim_paniclog() {
	echo "$EXIM_DIR/$1/log/paniclog"
}

exim_hostname() {
	echo "mx.${EXIM_MODE[$1]:-unknown}.exim.test"
}

# exim ARGS... as root in a mount namespace with the private /etc/passwd (Debian-exim) and the unpacked libraries.
exim_run() {
	mta_ns_exec "$EXIM_DIR/etc" -- env "LD_LIBRARY_PATH=$(mta_libpath "$EXIM_ROOT")" "$EXIM_BIN" "$@"
}

# exim_write_conf MODE ADDR PORT
exim_write_conf() {
	local mode=$1 addr=$2 port=$3 dir relay_from literals=false local_deny remote_deny routers dnslists_acl=""
	dir=$(exim_dir "$addr")
	relay_from=192.0.2.255/32
	# Debian's CHECK_RCPT_LOCAL_LOCALPARTS and CHECK_RCPT_REMOTE_LOCALPARTS.
	local_deny='^[.] : ^.*[@%!/|`#&?]'
	remote_deny='^[./|] : ^.*[@%!`#&?] : ^.*/\\.\\./'
	routers=""
	case $mode in
	open) relay_from=127.0.0.0/8 ;;
	closed) ;;
	closed-literals) literals=true ;;
	closed-catchall)
		local_deny='^[.]'
		routers='
# The catch-all: any local part at a local domain, whatever characters it holds, is accepted for local delivery.
catchall:
  driver = accept
  domains = +local_domains
  transport = discard_local
'
		;;
	bang-relay)
		local_deny='^[.] : ^.*[@%/|`#&?]'
		# shellcheck disable=SC2016 # Exim's own variables, expanded by Exim
		routers='
# UUCP-style bang paths at a local domain are relayed: host!user@local-domain becomes user@host, routed anew (and,
# its domain being remote, by remote_domains below).
bang_path:
  driver = redirect
  domains = +local_domains
  condition = ${if match{$local_part}{\N^[^!]+![^!]+$\N}}
  data = ${if match{$local_part}{\N^([^!]+)!([^!]+)$\N}{$2@$1}}
  allow_fail
'
		;;
	dnslists)
		if [ -z "${EXIM_DNSLISTS:-}" ]; then
			echo "exim_write_conf: mode dnslists needs EXIM_DNSLISTS (the DNSBL zone)" >&2
			return 1
		fi
		# shellcheck disable=SC2016 # Exim's own variables, expanded by Exim
		dnslists_acl='
  # The DNSBL: a client it lists is refused at RCPT, with the list'"'"'s TXT.
  deny
    dnslists = '"$EXIM_DNSLISTS"'
    message = $sender_host_address is listed in $dnslist_domain${if def:dnslist_text{: $dnslist_text}}
'
		;;
	*)
		echo "exim_write_conf: mode must be open, closed, closed-literals, closed-catchall, bang-relay or dnslists," \
			"not '$mode'" >&2
		return 1
		;;
	esac
	cat >"$dir/exim.conf.new" <<EOF
# A private Exim for dnsbld's relay-probe tests ($mode), on $addr port $port: it can never deliver anything.
primary_hostname = mx.$mode.exim.test
qualify_domain = mx.$mode.exim.test
domainlist local_domains = @ : localhost$([ "$literals" = true ] && echo " : @[]")
domainlist relay_to_domains =
hostlist relay_from_hosts = <; $relay_from
allow_domain_literals = $literals

local_interfaces = <; $addr
daemon_smtp_ports = $port
spool_directory = $dir/spool
log_file_path = $dir/log/%slog
exim_path = $EXIM_BIN
keep_environment =
log_selector = +smtp_protocol_error +smtp_syntax_error +smtp_no_mail +incoming_interface +received_recipients

# No lookups of any kind, no TLS, no queue runs.
host_lookup =
rfc1413_hosts =
rfc1413_query_timeout = 0s
helo_lookup_domains =
tls_advertise_hosts =
queue_only = true
check_spool_space = 0
check_log_space = 0
smtp_receive_timeout = 30s

# Exim's defaults, stated: 4 syntax/protocol errors drop the connection, as do 11 non-mail commands.
smtp_max_synprot_errors = 3
smtp_accept_max_nonmail = 10

acl_smtp_rcpt = acl_check_rcpt
acl_smtp_predata = acl_refuse_data
acl_smtp_data = acl_refuse_data

begin acl

# Debian's acl_check_rcpt (conf.d/acl/30_exim4-config_check_rcpt), minus the parts that read files under /etc/exim4,
# DKIM and authentication.
acl_check_rcpt:
  accept
    hosts = :
$dnslists_acl
  deny
    domains = +local_domains
    local_parts = $local_deny
    message = restricted characters in address

  deny
    domains = !+local_domains
    local_parts = $remote_deny
    message = restricted characters in address

  accept
    local_parts = postmaster
    domains = +local_domains : +relay_to_domains

  deny
    condition = \${if and {{>{\$rcpt_count}{10}}{<{\$recipients_count}{\${eval:\$rcpt_count/2}}}}}
    message = Rejected for too many bad recipients

  accept
    hosts = +relay_from_hosts
    control = submission/sender_retain

  require
    message = relay not permitted
    domains = +local_domains : +relay_to_domains

  require
    verify = recipient

  accept

acl_refuse_data:
  deny
    message = 554 DATA refused by the dnsbld test instance

begin routers
$routers
# Remote domains: accepted (so that -bt and verify = recipient show the routing) without a DNS lookup, and
# "delivered" to /dev/null — were anything ever delivered, which queue_only and the refused DATA prevent.
remote_domains:
  driver = accept
  domains = ! +local_domains
  transport = discard_remote
  no_more

local_mailboxes:
  driver = accept
  domains = +local_domains
  local_parts = postmaster : abuse
  transport = discard_local

begin transports

discard_remote:
  driver = appendfile
  file = /dev/null
  user = Debian-exim

discard_local:
  driver = appendfile
  file = /dev/null
  user = Debian-exim

begin retry
*   *   F,1h,15m

begin rewrite
EOF
	chmod 644 "$dir/exim.conf.new"
	mv "$dir/exim.conf.new" "$dir/exim.conf"
}

exim_start() {
	local mode=$1 addr=$2 port=$3 dir pid deadline banner out started
	started=$(date +%s%N)
	dir=$(exim_dir "$addr")
	if [ -z "$EXIM_BIN" ]; then
		it_fail "exim_require was called before exim_start" "an unpacked Exim" "none"
		return 1
	fi
	mkdir -p "$dir/spool" "$dir/log"
	chmod 711 "$dir"
	chown "$(mta_etc_id "$EXIM_DIR/etc" Debian-exim):$(mta_etc_id -g "$EXIM_DIR/etc" Debian-exim)" "$dir/spool" "$dir/log"
	EXIM_MODE[$addr]=$mode
	exim_write_conf "$mode" "$addr" "$port" || return 1
	# The configuration is parsed (and -C accepted) before anything listens.
	if ! out=$(exim_run -C "$dir/exim.conf" -bV 2>&1) || ! grep -q "^Configuration file" <<<"$out"; then
		it_fail "Exim ($mode) accepts its configuration for $addr:$port" "exim -C ... -bV succeeds" "failed" "$out"
		return 1
	fi
	mta_ns_cmd "$EXIM_DIR/etc" -- env "LD_LIBRARY_PATH=$(mta_libpath "$EXIM_ROOT")" "$EXIM_BIN" -C "$dir/exim.conf" \
		-bdf -oX "$port"
	timeout -k 2 "$IT_SERVER_LIFETIME" "${MTA_NS_CMD[@]}" >"$dir/daemon.out" 2>&1 &
	pid=$!
	EXIM_TIMEOUT_PID[$addr]=$pid
	EXIM_PORT[$addr]=$port
	deadline=$((SECONDS + 10))
	while [ "$SECONDS" -le "$deadline" ] && kill -0 "$pid" 2>/dev/null; do
		banner=$(mta_banner "$addr" "$port")
		if [[ $banner == "220 "* ]]; then
			it_pass "Exim ($mode) starts on $addr:$port and greets: $banner [$(mta_ms_since "$started") ms]"
			return 0
		fi
		sleep 0.1
	done
	it_fail "Exim ($mode) starts on $addr:$port and greets with 220" "a 220 banner within ~10 s" "${banner:-no banner}" \
		"$(cat "$dir/daemon.out" "$dir/log/mainlog" "$dir/log/paniclog" 2>/dev/null)"
	exim_stop "$addr"
	return 1
}

# exim_address_test ADDR ADDRESS: the routing of ADDRESS (-bt), as the instance's config has it. Exit status as
# exim's: 0 routed, 2 undeliverable ("Unrouteable address").
exim_address_test() {
	exim_run -C "$(exim_conf "$1")" -bt "$2" 2>&1
}

# exim_host_test ADDR CLIENT_IP < SMTP-COMMANDS: Exim's own fake SMTP session from CLIENT_IP (-bh): the ACLs run and
# their reasons are shown, nothing is received or delivered, no network.
exim_host_test() {
	exim_run -C "$(exim_conf "$1")" -bh "$2" 2>&1
}

# Stops the instance: TERM to timeout(1), which passes it to the daemon; then KILL to what is left of the process
# group (connection processes finishing a session) after ~5 s.
exim_stop() {
	mta_instance_stop Exim EXIM "$1"
}
declare -A EXIM_STOPPED_PGID=()

exim_stop_all() {
	mta_instance_stop_all Exim EXIM
}

exim_processes() {
	mta_instance_processes EXIM "$1"
}

exim_queued_files() {
	local dir
	dir=$(exim_dir "$1")
	[ -d "$dir/spool/input" ] && find "$dir/spool/input" -type f
}

MTA_CLEANUPS+=(exim_stop_all)
