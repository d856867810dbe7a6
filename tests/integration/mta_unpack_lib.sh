# SPDX-License-Identifier: BSD-2-Clause
# mta_unpack_lib.sh — MTAs that cannot be installed next to Postfix (exim4, opensmtpd, sendmail all conflict with
# it: each provides mail-transport-agent), run from Debian packages unpacked into a cache directory, never installed;
# plus what their libraries share: private /etc files in a mount namespace, two network namespaces, a tiny SMTP
# client, the EXIT trap.
#
# Packages. To install (scripts/deps.sh should add them; all but m4 and swaks are on any Debian already):
#   util-linux   unshare, nsenter, flock: the namespaces and the cache lock
#   mount        mount --bind, inside the private mount namespaces
#   iproute2     ip: the veth pair between the two network namespaces (opensmtpd_lib.sh, sendmail_lib.sh)
#   procps       ps, pgrep: process groups, namespace holders
#   apt, dpkg    apt-get download, dpkg-deb -x / -f, dpkg-query
#   m4           sendmail_lib.sh builds its .cf with it
#   swaks        optional: test_mta_harness.sh cross-checks its replies with it when it is installed
# To download, never install ("apt-get download" into $MTA_CACHE_DIR, then "dpkg-deb -x"; "dpkg -i" would fail on
# the conflict with postfix, and would touch the system):
#   exim:        exim4-daemon-light, + libidn12 (missing on a bookworm machine)
#   opensmtpd:   opensmtpd (its libraries — libevent-2.1-7, libssl3, libdb5.3, libpam0g, zlib1g — are usually
#                installed already)
#   sendmail:    sendmail-bin sendmail-base sendmail-cf, + libwrap0 liblockfile1 liblockfile-bin (missing here)
# The "+" ones are found, not listed: mta_unpack downloads every lib* dependency that is not installed.
#
# Sourced after lib.sh by the test scripts, before exim_lib.sh, opensmtpd_lib.sh, sendmail_lib.sh. Needs root (CI
# runs as root). A test that also uses postfix_lib.sh must source that first (see mta_cleanup).
#
#   mta_unpack NAME BINARY PKG...  downloads PKG... and every library package they depend on that is not installed
#                                  (recursively), "dpkg -x"es them into $MTA_CACHE_DIR/NAME/root (set-id bits
#                                  cleared: see mta_unpack) and checks with ldd that ROOT/BINARY finds all its
#                                  libraries; sets MTA_ROOT. Reuses a complete earlier unpack of the same package
#                                  list (a stamp file), so only the first run downloads (~1 s, 1-3 MB). Serialized
#                                  by flock, so parallel tests can share the cache.
#   mta_libpath ROOT               the LD_LIBRARY_PATH that makes ROOT's unpacked libraries visible
#   mta_etc_prepare DIR USER[:GROUP]...
#                                  private copies in DIR of /etc/passwd and /etc/group with these system users (and
#                                  their groups, GROUP defaulting to the user's name) added with free ids, of
#                                  /etc/hosts with names for the namespace addresses (see mta_netns_up), and a
#                                  resolv.conf and nsswitch.conf that make every name lookup local (see below)
#   mta_ns_exec DIR [SRC=DST]... -- CMD...
#   mta_ns_cmd DIR [SRC=DST]... -- CMD...   (sets the array MTA_NS_CMD to that command line instead of running it)
#                                  CMD in a private mount namespace (unshare -m: private propagation, so nothing
#                                  leaks out) where DIR's files are bind-mounted over /etc/passwd, /etc/group,
#                                  /etc/hosts, /etc/resolv.conf, /etc/nsswitch.conf, and each SRC over DST. The
#                                  system's files are never modified: the mounts vanish with the namespace's last
#                                  process. With MTA_NS_HOSTNAME set, also a UTS namespace with that hostname
#                                  (unshare -u).
#   mta_netns_up [ADDR], mta_client_exec CMD..., mta_server_exec CMD..., mta_in_netns ADDR, mta_netns_down
#                                  two network namespaces joined by a veth pair (see their section below)
#   mta_smtp ADDR PORT COMMAND...  an SMTP session, one command at a time, as an "S:"/"C:" transcript; never DATA
#   mta_banner ADDR PORT           the greeting line
#   mta_reply_to COMMAND TRANSCRIPT, mta_reply_line_to COMMAND TRANSCRIPT   the code / last line of its reply
#   MTA_VIA=mta_client_exec mta_smtp ...   the same from the client namespace (any command prefix will do)
#   mta_group_processes PGID, mta_stop_group WHAT PID, mta_ms_since START_NS
#   MTA_CLEANUPS+=(FUNCTION)       run by the EXIT trap (mta_cleanup) before the namespaces go and it_cleanup
#
# No DNS: inside the namespace nsswitch.conf says "hosts: files" and resolv.conf names only 127.0.0.1 (with
# "lookup file" for OpenBSD's libasr, which OpenSMTPD uses), so a lookup an MTA makes despite its configuration is
# answered from /etc/hosts or fails at once on the loopback; it never leaves the machine (this machine's real
# resolver is not on 127/8).
#
# The cache: $MTA_CACHE_DIR, by default $IT_TMP/mta-cache (so removed with the test, and downloaded again by the
# next run). Point it at a directory in the build tree (e.g. MTA_CACHE_DIR=${CMAKE_BINARY_DIR}/mta-cache in the
# test's ENVIRONMENT) to download once; delete it to pick up newer package versions.

MTA_CACHE_DIR=${MTA_CACHE_DIR:-$IT_TMP/mta-cache}
# shellcheck disable=SC2034 # read by exim_lib.sh, opensmtpd_lib.sh, sendmail_lib.sh
MTA_ROOT=""
MTA_APT_UPDATED=""

# Whether a Debian package is installed here.
mta_pkg_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

# The library packages a .deb depends on (Depends and Pre-Depends, first alternative, version and :arch dropped),
# one a line.
mta_deb_lib_deps() {
	{
		dpkg-deb -f "$1" Depends
		dpkg-deb -f "$1" Pre-Depends
	} 2>/dev/null | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/:.*//; s/[[:space:]]//g' | grep '^lib' | sort -u
}

# apt-get download PKG into the current directory, with an "apt-get update" first only if the download fails for
# want of package lists (no candidate, or a stale list's 404). Output in LOG.
mta_apt_download() {
	local pkg=$1 log=$2
	if apt-get download "$pkg" >>"$log" 2>&1; then
		return 0
	fi
	if [ -z "$MTA_APT_UPDATED" ] &&
		grep -qE "Unable to locate package|has no installation candidate|Can't select candidate|404 +Not Found" "$log"; then
		MTA_APT_UPDATED=1
		echo "# apt-get download $pkg failed for want of lists: apt-get update" >&2
		apt-get update -qq >>"$log" 2>&1 || return 1
		apt-get download "$pkg" >>"$log" 2>&1 && return 0
	fi
	return 1
}

mta_libpath() {
	echo "$1/usr/lib/x86_64-linux-gnu:$1/lib/x86_64-linux-gnu:$1/usr/lib:$1/lib"
}

# mta_unpack NAME BINARY PKG...: see the top of the file.
mta_unpack() {
	local name=$1 binary=$2 dir stamp want lock_fd log pkg dep missing
	shift 2
	dir="$MTA_CACHE_DIR/$name"
	stamp="$dir/root/.mta-unpacked"
	want="packages: $*"
	MTA_ROOT=""
	mkdir -p "$MTA_CACHE_DIR" || return 1
	exec {lock_fd}>"$MTA_CACHE_DIR/$name.lock"
	if ! flock -w 180 "$lock_fd"; then
		exec {lock_fd}>&-
		it_fail "the $name packages are unpacked" "the cache lock $MTA_CACHE_DIR/$name.lock within 180 s" "timed out"
		return 1
	fi
	if [ -f "$stamp" ] && [ "$(head -n 1 "$stamp")" = "$want" ] && [ -x "$dir/root/$binary" ]; then
		MTA_ROOT="$dir/root"
		exec {lock_fd}>&-
		return 0
	fi
	rm -rf "$dir"
	mkdir -p "$dir/debs" "$dir/root.new"
	log="$dir/download.log"
	local -a queue=("$@")
	local -A seen=()
	for pkg in "$@"; do seen[$pkg]=1; done
	while [ "${#queue[@]}" -gt 0 ]; do
		pkg=${queue[0]}
		queue=("${queue[@]:1}")
		if ! (cd "$dir/debs" && mta_apt_download "$pkg" "$log"); then
			exec {lock_fd}>&-
			it_fail "the $name packages are downloaded" "apt-get download $pkg succeeds" "it failed" "$(tail -n 20 "$log")"
			return 1
		fi
		for dep in $(mta_deb_lib_deps "$(find "$dir/debs" -name "${pkg}_*.deb" | head -n 1)"); do
			if [ -z "${seen[$dep]:-}" ] && ! mta_pkg_installed "$dep"; then
				seen[$dep]=1
				queue+=("$dep")
			fi
		done
	done
	for pkg in "$dir"/debs/*.deb; do
		if ! dpkg-deb -x "$pkg" "$dir/root.new" 2>>"$log"; then
			exec {lock_fd}>&-
			it_fail "the $name packages are unpacked" "dpkg -x $(basename "$pkg") succeeds" "it failed" "$(tail -n 20 "$log")"
			return 1
		fi
	done
	# Everything runs as root: a set-gid binary (sendmail is setgid mail) would run in the loader's secure mode, which
	# ignores LD_LIBRARY_PATH, so the unpacked libraries would not be found. The bits serve no purpose here.
	find "$dir/root.new" -type f -perm /6000 -exec chmod ug-s {} +
	if [ ! -x "$dir/root.new/$binary" ]; then
		exec {lock_fd}>&-
		it_fail "the $name packages are unpacked" "an executable /$binary in them" "not found" \
			"$(find "$dir/debs" -name '*.deb' -printf '%f\n')"
		return 1
	fi
	missing=$(LD_LIBRARY_PATH=$(mta_libpath "$dir/root.new") ldd "$dir/root.new/$binary" 2>&1 | grep 'not found')
	if [ -n "$missing" ]; then
		exec {lock_fd}>&-
		it_fail "the unpacked $name finds its libraries" "no 'not found' in ldd /$binary" "libraries missing" \
			"$missing"
		return 1
	fi
	{
		echo "$want"
		echo "unpacked: $(find "$dir/debs" -name '*.deb' -printf '%f\n' | sort | tr '\n' ' ')"
	} >"$dir/root.new/.mta-unpacked"
	mv "$dir/root.new" "$dir/root"
	# shellcheck disable=SC2034 # read by the MTA libraries
	MTA_ROOT="$dir/root"
	exec {lock_fd}>&-
	echo "# unpacked $name from: $(find "$dir/debs" -name '*.deb' -printf '%f\n' | sort | tr '\n' ' ')" >&2
	return 0
}

# The smallest id from 200 up that neither /etc/passwd nor /etc/group (the copies in DIR) uses.
mta_free_id() {
	local dir=$1 id=200
	while cut -d: -f3 "$dir/passwd" "$dir/group" | grep -qx "$id"; do
		id=$((id + 1))
	done
	echo "$id"
}

# mta_etc_prepare DIR USER[:GROUP]...: see the top of the file.
mta_etc_prepare() {
	local dir=$1 spec user group gid uid
	shift
	mkdir -p "$dir"
	cp /etc/passwd "$dir/passwd.new" && cp /etc/group "$dir/group.new" || return 1
	mv "$dir/passwd.new" "$dir/passwd"
	mv "$dir/group.new" "$dir/group"
	for spec in "$@"; do
		user=${spec%%:*}
		group=${spec#*:}
		[ "$spec" = "$user" ] && group=$user
		gid=$(awk -F: -v g="$group" '$1 == g { print $3 }' "$dir/group")
		if [ -z "$gid" ]; then
			gid=$(mta_free_id "$dir")
			echo "$group:x:$gid:" >>"$dir/group"
		fi
		if ! grep -q "^$user:" "$dir/passwd"; then
			uid=$(mta_free_id "$dir")
			echo "$user:x:$uid:$gid:$user (dnsbld test):/nonexistent:/usr/sbin/nologin" >>"$dir/passwd"
		fi
	done
	# The namespace addresses get names, so that a server's lookup of its client's address finds one at once.
	{
		cat /etc/hosts
		echo "198.18.0.1 server.netns.test"
		echo "198.18.0.2 client.netns.test"
	} >"$dir/hosts" || return 1
	printf 'nameserver 127.0.0.1\nlookup file\noptions timeout:1 attempts:1\n' >"$dir/resolv.conf"
	printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files\nnetworks: files\nservices: files\nprotocols: files\n' \
		>"$dir/nsswitch.conf"
}

# The uid (or, with -g, gid) of a name in DIR's copies.
mta_etc_id() {
	local file=passwd
	if [ "$1" = -g ]; then
		file=group
		shift
	fi
	awk -F: -v n="$2" '$1 == n { print $3 }' "$1/$file"
}

# mta_ns_cmd DIR [SRC=DST]... -- CMD...: sets the array MTA_NS_CMD to the command line that mta_ns_exec runs, for
# a caller that needs it as one program (timeout(1) ... "${MTA_NS_CMD[@]}" &). unshare execs the inner shell and
# the shell execs CMD, so CMD keeps the pid of the process started.
mta_ns_cmd() {
	local dir=$1
	shift
	local -a uts=()
	[ -n "${MTA_NS_HOSTNAME:-}" ] && uts=(-u)
	# shellcheck disable=SC2016 # the inner script's own variables
	MTA_NS_CMD=(unshare -m "${uts[@]}" --propagation private -- bash -c '
		set -e
		dir=$1
		shift
		for f in passwd group resolv.conf nsswitch.conf hosts; do
			mount --bind "$dir/$f" "/etc/$f"
		done
		[ -z "$MTA_NS_HOSTNAME" ] || hostname "$MTA_NS_HOSTNAME"
		while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
			mount --bind "${1%%=*}" "${1#*=}"
			shift
		done
		shift
		exec "$@"' mta-ns "$dir" "$@")
	[ -z "${MTA_NS_HOSTNAME:-}" ] || MTA_NS_CMD=(env "MTA_NS_HOSTNAME=$MTA_NS_HOSTNAME" "${MTA_NS_CMD[@]}")
}

# mta_ns_exec DIR [SRC=DST]... -- CMD...: see the top of the file.
mta_ns_exec() {
	mta_ns_cmd "$@"
	"${MTA_NS_CMD[@]}"
}

# --- processes, cleanup -------------------------------------------------------------------------------------------

# Milliseconds since START, a "date +%s%N" reading.
mta_ms_since() {
	echo $((($(date +%s%N) - $1) / 1000000))
}

# The live processes (zombies aside) of the process group PGID, as "PID COMMAND" lines.
mta_group_processes() {
	ps -e -o pid=,pgid=,stat=,comm= | awk -v g="$1" '$2 == g && $3 !~ /^Z/ { print $1, $4 }'
}

# The stop functions of every MTA library sourced (each appends its own), run by the EXIT trap before lib.sh's
# it_cleanup removes $IT_TMP. A test that also sources postfix_lib.sh must source it first: this trap replaces its
# trap and calls postfix_stop_all itself.
MTA_CLEANUPS=()
# mta_stop_group WHAT PID: TERM to PID (a timeout(1) leading the instance's process group), then waits ~5 s for
# the group to go, and KILLs what is left (saying so on stderr, naming WHAT).
mta_stop_group() {
	local what=$1 pid=$2 deadline
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	deadline=$((SECONDS + 5))
	while [ -n "$(mta_group_processes "$pid")" ] && [ "$SECONDS" -le "$deadline" ]; do
		sleep 0.1
	done
	if [ -n "$(mta_group_processes "$pid")" ]; then
		echo "# $what: processes left after TERM, killing group $pid" >&2
		kill -KILL -- "-$pid" 2>/dev/null
	fi
}

# The instances of one MTA live in two arrays named after it, PREFIX_TIMEOUT_PID (ADDR -> the timeout(1) leading a
# running instance's process group) and PREFIX_STOPPED_PGID (ADDR -> that group once stopped, so that its processes
# can still be looked for). mta_instance_stop WHAT PREFIX ADDR stops one, mta_instance_stop_all WHAT PREFIX every
# one, mta_instance_processes PREFIX ADDR lists what is left of one ("PID COMMAND" lines).
mta_instance_stop() {
	local -n mta_running=$2_TIMEOUT_PID mta_stopped=$2_STOPPED_PGID
	local pid=${mta_running[$3]:-}
	[ -n "$pid" ] || return 0
	mta_stop_group "$1 at $3" "$pid"
	unset "mta_running[$3]"
	mta_stopped[$3]=$pid
}

mta_instance_stop_all() {
	local -n mta_all=$2_TIMEOUT_PID
	local addr
	for addr in "${!mta_all[@]}"; do
		mta_instance_stop "$1" "$2" "$addr"
	done
}

mta_instance_processes() {
	local -n mta_running=$1_TIMEOUT_PID mta_stopped=$1_STOPPED_PGID
	local pgid=${mta_running[$2]:-${mta_stopped[$2]:-}}
	[ -n "$pgid" ] && mta_group_processes "$pgid"
}

mta_cleanup() {
	local f
	for f in "${MTA_CLEANUPS[@]}"; do
		"$f"
	done
	if declare -F postfix_stop_all >/dev/null; then
		postfix_stop_all
	fi
	mta_netns_down
	it_cleanup
}
trap mta_cleanup EXIT

# --- a tiny SMTP client -------------------------------------------------------------------------------------------

# Whether the client may connect to ADDR: a loopback address, or any address when $MTA_VIA runs the client in a
# namespace of the test's own (where an address like 198.18.0.1 exists). Anything else would leave this machine.
mta_addr_allowed() {
	if [ -n "${MTA_VIA:-}" ] || [[ $1 == 127.* || $1 == ::1 ]]; then
		return 0
	fi
	echo "# mta_smtp: refusing to connect to $1 from this machine's namespace (loopback only; set MTA_VIA)" >&2
	return 1
}

# The first line an SMTP server at ADDR PORT sends (CR removed), then QUIT; nothing if it does not answer. ~3 s at
# most. $MTA_VIA, if set, is a command prefix to run the client through (opensmtpd_client_exec: another namespace).
mta_banner() {
	mta_addr_allowed "$1" || return 1
	# shellcheck disable=SC2016,SC2086 # the inner script's own variables; MTA_VIA is a command prefix
	${MTA_VIA:-} timeout 3 bash -c '
		exec 3<>"/dev/tcp/$0/$1" || exit 1
		IFS= read -r -t 2 line <&3 || exit 1
		printf "QUIT\r\n" >&3
		IFS= read -r -t 1 _ <&3
		printf "%s\n" "$line"' "$1" "$2" 2>/dev/null | tr -d '\r'
}

# mta_smtp ADDR PORT COMMAND...: an SMTP session, one command at a time: the greeting is read, then each COMMAND is
# sent and its whole reply (multi-line ones too) read before the next; a QUIT is added unless the last command is
# one. Prints the transcript, "S: " and "C: " lines (CRs removed); "S: (closed)" when the server closed the
# connection, "S: (timeout)" after 5 s without a reply line. It never sends DATA or BDAT (such a command ends the
# session with "# refused to send ..." and exit status 2). Bounded to 30 s in all. $MTA_VIA as for mta_banner.
mta_smtp() {
	mta_addr_allowed "$1" || return 1
	# shellcheck disable=SC2086 # MTA_VIA is a command prefix
	${MTA_VIA:-} timeout 30 bash -c "$MTA_SMTP_SCRIPT" mta-smtp "$@" 2>&1
}

# The client itself, run by bash -c (so that it can run in another namespace): ADDR PORT COMMAND...
read -r -d '' MTA_SMTP_SCRIPT <<'EOS' || true
reply() {
	local line rc
	while :; do
		IFS= read -r -t 5 line <&3 2>/dev/null
		rc=$?
		if [ "$rc" -ne 0 ]; then
			[ -n "$line" ] && printf 'S: %s\n' "${line%$'\r'}"
			if [ "$rc" -gt 128 ]; then echo "S: (timeout)"; else echo "S: (closed)"; fi
			return 1
		fi
		line=${line%$'\r'}
		printf 'S: %s\n' "$line"
		[[ $line =~ ^[0-9]{3}(\ |$) ]] && return 0
	done
}
addr=$1 port=$2
shift 2
exec 3<>"/dev/tcp/$addr/$port" || { echo "S: (no connection)"; exit 1; }
reply || exit 0
last=""
for cmd in "$@"; do
	case ${cmd^^} in
	DATA* | BDAT*)
		echo "# refused to send $cmd"
		exit 2
		;;
	esac
	printf 'C: %s\n' "$cmd"
	printf '%s\r\n' "$cmd" >&3
	last=${cmd^^}
	reply || exit 0
done
if [ "$last" != QUIT ]; then
	echo "C: QUIT"
	printf 'QUIT\r\n' >&3
	reply
fi
exit 0
EOS

# The reply code of the server's answer to COMMAND in a transcript (the last line of its reply), or "none".
mta_reply_to() {
	awk -v cmd="C: $1" '
		found && /^S: [0-9][0-9][0-9] / { print $2; done = 1; exit }
		found && /^S: \(/ { print "closed"; done = 1; exit }
		$0 == cmd { found = 1 }
		END { if (!done) print "none" }' <<<"$2"
}

# The whole last line of the reply to COMMAND (e.g. "550 relay not permitted"), without "S: ".
mta_reply_line_to() {
	awk -v cmd="C: $1" '
		found && /^S: [0-9][0-9][0-9] / { sub(/^S: /, ""); print; exit }
		found && /^S: \(/ { sub(/^S: /, ""); print; exit }
		$0 == cmd { found = 1 }' <<<"$2"
}

# --- two network namespaces of the test's own ---------------------------------------------------------------------

# For an MTA that treats every address of its own host as trusted (OpenSMTPD's "from local", Sendmail's
# "originated locally" for 127.0.0.1): the MTA runs in a "server" namespace (198.18.0.1/24, plus any other address of
# 198.18.0.0/24 it is given) and its client in a "client" one (198.18.0.2/24), joined by a veth pair (srv0 — cli0).
# 198.18.0.0/24 (RFC 2544 benchmarking space) exists only inside them: from this machine's namespace it is not
# reachable, and mta_smtp refuses to try. The namespaces are unnamed (no /run/netns entry): each is held by a
# "sleep" started by "unshare -n" under timeout(1) (IT_SERVER_LIFETIME) and entered with nsenter; killing the
# holders (mta_netns_down, called by the EXIT trap) removes both namespaces and the veth pair, once the processes
# running in them have stopped.
#
#   mta_netns_up [ADDR]          creates them (once; ~5 s at most) and gives the server ADDR too
#   mta_in_netns ADDR            whether ADDR is one for the server namespace (198.18.0.0/24)
#   mta_client_exec CMD...       CMD in the client namespace, e.g. the prober, or MTA_VIA=mta_client_exec mta_smtp
#   mta_server_exec CMD...       CMD in the server namespace
#   mta_netns_down

MTA_SERVER_ADDR=198.18.0.1
MTA_CLIENT_ADDR=198.18.0.2
MTA_NS_SERVER="" # pid of the process holding the server namespace
MTA_NS_CLIENT="" # ... and the client one
MTA_NS_HOLDERS=() # the timeout(1)s running the holders

mta_in_netns() {
	[[ $1 == 198.18.0.* ]]
}

# The network namespace of a process, as readlink shows it ("net:[4026531840]").
mta_netns_of() {
	readlink "/proc/$1/ns/net" 2>/dev/null
}

mta_netns_up() {
	local addr=${1:-$MTA_SERVER_ADDR} own deadline t holder
	local -a pids=()
	if [ -z "$MTA_NS_SERVER" ]; then
		own=$(mta_netns_of $$)
		for t in server client; do
			timeout "$IT_SERVER_LIFETIME" unshare -n -- sleep "$IT_SERVER_LIFETIME" &
			MTA_NS_HOLDERS+=("$!")
		done
		# timeout(1) forks: the holder is its child, once unshare has exec'd sleep in the new namespace.
		deadline=$((SECONDS + 5))
		for t in "${MTA_NS_HOLDERS[@]}"; do
			holder=""
			while [ "$SECONDS" -le "$deadline" ]; do
				holder=$(pgrep -P "$t" -x sleep)
				if [ -n "$holder" ] && [ "$(mta_netns_of "$holder")" != "$own" ]; then
					break
				fi
				holder=""
				sleep 0.05
			done
			if [ -z "$holder" ]; then
				it_fail "the test's network namespaces are created" "two unshare -n holders within ~5 s" "none"
				mta_netns_down
				return 1
			fi
			pids+=("$holder")
		done
		MTA_NS_SERVER=${pids[0]}
		MTA_NS_CLIENT=${pids[1]}
		if ! {
			nsenter -t "$MTA_NS_SERVER" -n -- ip link add srv0 type veth peer name cli0 netns "$MTA_NS_CLIENT" &&
				nsenter -t "$MTA_NS_SERVER" -n -- ip addr add "$MTA_SERVER_ADDR/24" dev srv0 &&
				nsenter -t "$MTA_NS_SERVER" -n -- ip link set srv0 up &&
				nsenter -t "$MTA_NS_SERVER" -n -- ip link set lo up &&
				nsenter -t "$MTA_NS_CLIENT" -n -- ip addr add "$MTA_CLIENT_ADDR/24" dev cli0 &&
				nsenter -t "$MTA_NS_CLIENT" -n -- ip link set cli0 up &&
				nsenter -t "$MTA_NS_CLIENT" -n -- ip link set lo up
		} >"$IT_TMP/mta-netns.out" 2>&1; then
			it_fail "the test's namespaces are joined by a veth pair" "ip link/addr commands succeed" "failed" \
				"$(cat "$IT_TMP/mta-netns.out")"
			mta_netns_down
			return 1
		fi
	fi
	if [ "$addr" = "$MTA_CLIENT_ADDR" ] || ! mta_in_netns "$addr"; then
		it_fail "a server address in the test's namespace" "an address in 198.18.0.0/24 but $MTA_CLIENT_ADDR" "$addr"
		return 1
	fi
	if ! nsenter -t "$MTA_NS_SERVER" -n -- ip -br addr show dev srv0 | grep -qF " $addr/"; then
		nsenter -t "$MTA_NS_SERVER" -n -- ip addr add "$addr/24" dev srv0 || return 1
	fi
	return 0
}

mta_netns_down() {
	local pid
	for pid in "${MTA_NS_HOLDERS[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	MTA_NS_HOLDERS=()
	MTA_NS_SERVER=""
	MTA_NS_CLIENT=""
}

mta_client_exec() {
	if [ -z "$MTA_NS_CLIENT" ]; then
		echo "mta_client_exec: no client namespace (mta_netns_up first)" >&2
		return 1
	fi
	nsenter -t "$MTA_NS_CLIENT" -n -- "$@"
}

mta_server_exec() {
	if [ -z "$MTA_NS_SERVER" ]; then
		echo "mta_server_exec: no server namespace (mta_netns_up first)" >&2
		return 1
	fi
	nsenter -t "$MTA_NS_SERVER" -n -- "$@"
}
