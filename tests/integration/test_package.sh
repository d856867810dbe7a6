#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_package.sh — the Debian package, end to end on this machine: builds the .deb from the source tree (a Release
# build of its own, cpack), installs it with dpkg -i (a policy-rc.d says no to starting anything), checks what the
# maintainer scripts made (the dnsbld system user and group, /var/lib/dnsbld dnsbld:dnsbld 2770, an empty store),
# runs the installed dnsbld with the installed configuration as the installed user (runuser, a high port), as the
# unit runs it (setpriv: that user, CAP_NET_BIND_SERVICE alone, no_new_privs; port 53; SIGHUP as ExecReload) and as
# root dropping to it with --user (port 53 on a loopback address of its own), digs them for what a root rbltool and
# a member of the dnsbld group wrote, checks the installed man pages (man -w, mandoc -T lint) and
# unit (systemd-analyze verify), then purges the package and checks that the user, the group, /var/lib/dnsbld and
# every file the package had are gone.
#
# It changes the machine (CI's is thrown away after the run) and so refuses to start where anything it would install
# or remove is there already: an installed dnsbld package, /usr/sbin/dnsbld, /etc/dnsbld, /var/lib/dnsbld, a dnsbld
# user or group. It must run as root, alone (ctest: RUN_SERIAL). Every wait is bounded.
set -u
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
STORE=/var/lib/dnsbld
POLICY=/usr/sbin/policy-rc.d
OWN_POLICY=""
INSTALLED=""
SERVER_PID=""
# A developer's own settings must not steer the installed dnsbld away from its configuration.
unset DNSBL_DB XDG_DATA_HOME NOTIFY_SOCKET JOURNAL_STREAM DNSBL_MAP_GIB

stop_server() {
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
		SERVER_PID=""
	fi
}

remove_policy() {
	if [ -n "$OWN_POLICY" ]; then
		rm -f "$POLICY"
		OWN_POLICY=""
	fi
}

# Whatever happens, nothing of the package stays behind.
# shellcheck disable=SC2317 # run by the EXIT trap
package_cleanup() {
	stop_server
	if [ -n "$INSTALLED" ]; then
		timeout 120 dpkg --purge dnsbld >/dev/null 2>&1
		INSTALLED=""
	fi
	remove_policy
	it_cleanup
}
trap package_cleanup EXIT

# dpkg ARGS, waiting (bounded: ~2 min) while another dpkg or apt holds the lock. Output in $IT_TMP/dpkg.out.
dpkg_locked() {
	local attempt status
	for attempt in $(seq 60); do
		: "$attempt"
		timeout 300 dpkg "$@" >"$IT_TMP/dpkg.out" 2>&1
		status=$?
		grep -q 'dpkg frontend lock\|dpkg status database is locked' "$IT_TMP/dpkg.out" || return "$status"
		sleep 2
	done
	return "$status"
}

# The children of a process, by /proc (no procps needed).
children_of() {
	local stat line
	local -a fields
	for stat in /proc/[0-9]*/stat; do
		line=$(cat "$stat" 2>/dev/null) || continue
		read -r -a fields <<<"${line##*) }"
		[ "${fields[1]-}" = "$1" ] && echo "${stat//[^0-9]/}"
	done
}

# The pid of the process named NAME at PID or below it, or nothing.
find_process() {
	local -a queue=("$1")
	local pid
	while [ ${#queue[@]} -gt 0 ]; do
		pid=${queue[0]}
		queue=("${queue[@]:1}")
		if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]; then
			echo "$pid"
			return 0
		fi
		mapfile -t -O "${#queue[@]}" queue < <(children_of "$pid")
	done
	return 1
}

# The four ids of a /proc status line (Uid: or Gid:), space separated.
ids_of() {
	awk -v key="$2:" '$1 == key { print $2, $3, $4, $5 }' "/proc/$1/status"
}

# serve CHECK ADDR PORT LOG COMMAND...: starts COMMAND (a dnsbld, under a 120 s timeout) in the background and waits
# (~10 s) until ADDR:PORT answers; sets SERVER_PID (timeout's) and DNSBLD_PID_SEEN (dnsbld's own).
serve() {
	local check=$1 addr=$2 port=$3 log=$4 deadline
	shift 4
	timeout -k 2 120 "$@" >"$log" 2>&1 &
	SERVER_PID=$!
	DNSBLD_PORT=$port
	DIG_SERVER=$addr
	deadline=$((SECONDS + 10))
	while [ "$SECONDS" -le "$deadline" ] && kill -0 "$SERVER_PID" 2>/dev/null; do
		if dig @"$addr" -p "$port" +norec +time=1 +tries=1 invalid SOA 2>/dev/null | grep -q 'status:'; then
			DNSBLD_PID_SEEN=$(find_process "$SERVER_PID" dnsbld)
			it_pass "$check: it answers on $addr:$port"
			return 0
		fi
		sleep 0.1
	done
	it_fail "$check: it answers on $addr:$port" "an answer within ~10 s" "none; its log:" "$(cat "$log")"
	stop_server
	return 1
}

# --- where this may run ---------------------------------------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
	it_fail "test_package runs as root" "uid 0 (it installs and purges a package)" "uid $(id -u)"
	finish
fi
for tool in cpack dpkg-shlibdeps runuser setpriv dig man mandoc; do
	command -v "$tool" >/dev/null || it_fail "$tool is installed (scripts/deps.sh)" "$tool on PATH" "missing"
done
[ "$IT_FAILED" = 0 ] || finish
refuse=""
state=$(dpkg-query -W -f='${Status}' dnsbld 2>/dev/null | awk '{ print $3 }')
[ -n "$state" ] && [ "$state" != not-installed ] && refuse+="the dnsbld package is there ($state); "
for path in /usr/sbin/dnsbld /usr/bin/rbltool /etc/dnsbld "$STORE"; do
	[ -e "$path" ] && refuse+="$path exists; "
done
getent passwd dnsbld >/dev/null && refuse+="a user dnsbld exists; "
getent group dnsbld >/dev/null && refuse+="a group dnsbld exists; "
if [ -n "$refuse" ]; then
	it_fail "nothing of dnsbld is installed here (the test would overwrite it, and purge the store)" \
		"none of: a dnsbld package, /usr/sbin/dnsbld, /usr/bin/rbltool, /etc/dnsbld, $STORE, user or group dnsbld" \
		"${refuse%; }"
	finish
fi
it_pass "nothing of dnsbld is installed here yet"

# --- the .deb ---------------------------------------------------------------------------------------------------
build="$IT_TMP/build"
arch=$(dpkg --print-architecture)
deb="$build/dnsbld_${RBL_VERSION}_${arch}.deb"
{
	timeout 300 cmake -S "$SRC" -B "$build" -DCMAKE_BUILD_TYPE=Release -DRBL_TESTS=OFF \
		-DCMAKE_INSTALL_PREFIX=/usr &&
		timeout 600 cmake --build "$build" -j"$(nproc)" &&
		(cd "$build" && timeout 300 cpack -G DEB)
} >"$IT_TMP/build.log" 2>&1
expect_exit "a Release build and cpack -G DEB" 0 $? "$(tail -n 30 "$IT_TMP/build.log")"
if [ ! -f "$deb" ]; then
	it_fail "cpack makes dnsbld_${RBL_VERSION}_${arch}.deb" "$deb" "$(ls "$build"/*.deb 2>&1)"
	finish
fi
it_pass "cpack makes dnsbld_${RBL_VERSION}_${arch}.deb"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 liblmdb0 libuv1 libldns3 libsystemd0 libinih1 zlib1g adduser; do
	expect_contains "Depends names $lib (dpkg-shlibdeps, and adduser for postinst)" "$lib" "$depends"
done
control=$(dpkg-deb --ctrl-tarfile "$deb" | tar -tvf -)
for script in postinst prerm postrm; do
	expect_contains "the control archive has an executable $script" "-rwxr-xr-x root/root" \
		"$(grep " ./$script\$" <<<"$control")"
done
expect_eq "conffiles names /etc/dnsbld/dnsbld.conf" "/etc/dnsbld/dnsbld.conf" \
	"$(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles)"
contents=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
for path in ./usr/sbin/dnsbld ./usr/bin/rbltool ./etc/dnsbld/dnsbld.conf ./usr/lib/systemd/system/dnsbld.service \
	./usr/lib/systemd/system/dnsbld-expire.service ./usr/lib/systemd/system/dnsbld-expire.timer \
	./usr/lib/systemd/system/dnsbld-retest.service ./usr/lib/systemd/system/dnsbld-retest.timer \
	./usr/lib/systemd/system/dnsbld-web.service ./usr/share/dnsbld/web/lookup.html ./usr/share/dnsbld/web/style.css \
	./usr/share/man/man8/dnsbld.8 ./usr/share/man/man8/rbltool.8 ./usr/share/man/man5/dnsbld.conf.5 \
	./usr/share/dnsbld/demo.sh ./usr/share/doc/dnsbld/copyright; do
	expect_contains "the package holds $path" "$path" "$contents"
done

# --- dpkg -i ----------------------------------------------------------------------------------------------------
# Nothing may start system-wide while the package is installed: "no" to invoke-rc.d and deb-systemd-invoke.
if [ ! -e "$POLICY" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$POLICY"
	chmod 755 "$POLICY"
	OWN_POLICY=1
fi
INSTALLED=1
dpkg_locked -i "$deb"
status=$?
remove_policy
install_out=$(cat "$IT_TMP/dpkg.out")
expect_exit "dpkg -i the package" 0 "$status" "$install_out"
[ "$status" = 0 ] || finish
expect_contains "postinst makes the store (rbltool init)" "rbltool: created a new store in $STORE" "$install_out"
expect_eq "the package is installed" "install ok installed" "$(dpkg-query -W -f='${Status}' dnsbld)"
expect_contains "dpkg knows /etc/dnsbld/dnsbld.conf as a conffile" "/etc/dnsbld/dnsbld.conf" \
	"$(dpkg-query -W -f='${Conffiles}' dnsbld)"

# The user and the group.
IFS=: read -r _ _ uid gid _ home shell < <(getent passwd dnsbld)
if [ -n "${uid-}" ] && [ "$uid" -lt 1000 ] && [ "$uid" -gt 0 ]; then
	it_pass "postinst makes dnsbld a system user (uid $uid)"
else
	it_fail "postinst makes dnsbld a system user" "a uid in 1..999" "$(getent passwd dnsbld)"
fi
expect_eq "the dnsbld user's group is the dnsbld group" "dnsbld" "$(getent group "${gid:-x}" | cut -d: -f1)"
expect_eq "the dnsbld user has no login shell" "/usr/sbin/nologin" "${shell-}"
expect_eq "the dnsbld user has no home" "/nonexistent" "${home-}"
if [ -e /nonexistent ]; then
	it_fail "no home directory is made" "no /nonexistent" "it exists"
else
	it_pass "no home directory is made"
fi

# The store.
expect_eq "$STORE is dnsbld:dnsbld, mode 2770" "dnsbld:dnsbld 2770" "$(stat -c '%U:%G %a' "$STORE")"
for f in data.mdb lock.mdb; do
	expect_eq "$STORE/$f is dnsbld:dnsbld, mode 660" "dnsbld:dnsbld 660" "$(stat -c '%U:%G %a' "$STORE/$f" 2>&1)"
done
out=$(/usr/bin/rbltool --db "$STORE" verify 2>&1)
expect_contains "postinst's store is sound and empty" "is sound: " "$out"
expect_contains "postinst's store has no zone" ", 0 zones" "$out"
out=$(/usr/bin/rbltool --db "$STORE" init 2>&1)
expect_eq "rbltool init again leaves the store" "rbltool: a store is already in $STORE: nothing changed" "$out"

# Nothing started or enabled (no systemd here, and policy-rc.d said no).
if [ -d /run/systemd/system ]; then
	echo "# systemd runs here: the unit's enablement is left to deb-systemd-helper"
else
	if [ -e /etc/systemd/system/multi-user.target.wants/dnsbld.service ]; then
		it_fail "without systemd, postinst enables nothing" "no multi-user.target.wants/dnsbld.service" "it exists"
	else
		it_pass "without systemd, postinst enables nothing"
	fi
fi

# The installed configuration.
out=$(/usr/sbin/dnsbld --check-config 2>&1)
expect_exit "the installed dnsbld.conf is valid (dnsbld --check-config)" 0 $? "$out"
expect_contains "it is the file read by default" "(/etc/dnsbld/dnsbld.conf)" "$out"
expect_contains "it names the packaged store" "db = $STORE" "$out"
expect_contains "it listens on 127.0.0.1:53" "listen = 127.0.0.1:53" "$out"
expect_contains "it listens on [::1]:53" "listen = [::1]:53" "$out"
expect_not_contains "it sets no user (the unit starts dnsbld as dnsbld)" "user = " "$out"
# key-file names a file the package does not ship: an empty one stands in for it.
: >"$IT_TMP/keys.conf"
sed 's/^#\([a-z-]* = \)/\1/; s|^key-file = .*|key-file = '"$IT_TMP"'/keys.conf|' /etc/dnsbld/dnsbld.conf \
	>"$IT_TMP/every-key.conf"
out=$(/usr/sbin/dnsbld --config "$IT_TMP/every-key.conf" --check-config 2>&1)
expect_exit "every key commented out in dnsbld.conf is a valid key with a valid example" 0 $? "$out"
undocumented=""
for key in db listen workers user group allow-root tcp-idle tcp-max-conns allow-query acl-action log-level \
	identity version; do
	grep -q "^#\?$key = " /etc/dnsbld/dnsbld.conf || undocumented+="$key "
done
expect_eq "dnsbld.conf has a line, set or commented, for every key" "" "$undocumented"

# --- as the dnsbld user (runuser), on a high port: port 53 needs the unit's capability ----------------------------
port=$(random_port)
if serve "dnsbld as dnsbld (runuser), the installed configuration" 127.0.0.1 "$port" "$IT_TMP/runuser.log" \
	runuser -u dnsbld -- /usr/sbin/dnsbld --listen "127.0.0.1:$port" --workers 1; then
	expect_eq "it runs as dnsbld" "$uid $uid $uid $uid" "$(ids_of "${DNSBLD_PID_SEEN:-0}" Uid)"
	expect_contains "it serves the packaged store" "serving $STORE on 127.0.0.1:$port" "$(cat "$IT_TMP/runuser.log")"
	# No --db, no $DNSBL_DB: rbltool takes the store from /etc/dnsbld/dnsbld.conf, as the README says.
	out=$(RBLTOOL=/usr/bin/rbltool bash /usr/share/dnsbld/demo.sh 2>&1)
	expect_exit "the installed demo zone loads as root, rbltool finding $STORE in dnsbld.conf" 0 $? "$out"
	expect_contains "rbltool without --db lists the packaged store's zones" "demo.rbl.example" \
		"$(/usr/bin/rbltool zone list 2>&1)"
	expect_txt "the demo zone is answered: its RFC 5782 test point" "RFC 5782 test point: this list is working" \
		"$(q 2.0.0.127.demo.rbl.example TXT)"
	out=$(/usr/bin/rbltool --db "$STORE" add demo.rbl.example 192.0.2.99 \
		--reason 'added by root in test_package' 2>&1)
	expect_exit "rbltool add as root" 0 $? "$out"
	expect_answer_contains "root's listing is answered (A)" "IN A 127.0.0.2" "$(q 99.2.0.192.demo.rbl.example A)"
	expect_txt "root's listing is answered (TXT)" "added by root in test_package" \
		"$(q 99.2.0.192.demo.rbl.example TXT)"
	# An operator in the dnsbld group (nobody, with that one supplementary group) writes; without it, cannot read.
	out=$(setpriv --reuid 65534 --regid 65534 --groups "$gid" -- \
		/usr/bin/rbltool --db "$STORE" add demo.rbl.example 192.0.2.98 --reason 'added by the dnsbld group' 2>&1)
	expect_exit "rbltool add by a member of the dnsbld group" 0 $? "$out"
	expect_txt "the group member's listing is answered" "added by the dnsbld group" \
		"$(q 98.2.0.192.demo.rbl.example TXT)"
	out=$(setpriv --reuid 65534 --regid 65534 --clear-groups -- \
		/usr/bin/rbltool --db "$STORE" list demo.rbl.example 2>&1)
	status=$?
	if [ "$status" != 0 ]; then
		it_pass "a user outside the dnsbld group cannot open the store (exit $status)"
	else
		it_fail "a user outside the dnsbld group cannot open the store" "a non-zero exit" "exit 0" "$out"
	fi
	for f in data.mdb lock.mdb; do
		expect_eq "after those writes $f is still dnsbld:dnsbld 660" "dnsbld:dnsbld 660" \
			"$(stat -c '%U:%G %a' "$STORE/$f")"
	done
	stop_server
	expect_contains "it stops cleanly on SIGTERM" "dnsbld stopped" "$(cat "$IT_TMP/runuser.log")"
fi

# --- as the unit runs it: user dnsbld, CAP_NET_BIND_SERVICE alone (ambient), no new privileges, its command -----
# The installed configuration as it is (127.0.0.1:53 and [::1]:53) where those are free, else a loopback address of
# the test's own on port 53.
unit_addr=127.0.0.1
unit_listen=()
busy53=$(ss -Htuan '( sport = :53 )' 2>/dev/null | awk '$5 ~ /^(0\.0\.0\.0|\*|\[::\]|127\.0\.0\.1|\[::1\]):53$/')
if [ "$IT_HAVE_V6" != 1 ] || [ -n "$busy53" ]; then
	unit_addr="127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))"
	unit_listen=(--listen "$unit_addr:53")
	echo "# 127.0.0.1:53 or [::1]:53 is taken or missing here: the unit-like run listens on $unit_addr:53"
fi
if serve "dnsbld as the unit runs it (setpriv: dnsbld, ambient CAP_NET_BIND_SERVICE, no_new_privs)" "$unit_addr" 53 \
	"$IT_TMP/unit.log" setpriv --reuid dnsbld --regid dnsbld --init-groups --inh-caps +net_bind_service \
	--ambient-caps +net_bind_service --bounding-set -all,+net_bind_service --no-new-privs -- \
	/usr/sbin/dnsbld --config /etc/dnsbld/dnsbld.conf "${unit_listen[@]}"; then
	expect_eq "it runs as dnsbld" "$uid $uid $uid $uid" "$(ids_of "${DNSBLD_PID_SEEN:-0}" Uid)"
	expect_eq "it holds CAP_NET_BIND_SERVICE and nothing else" "0000000000000400" \
		"$(awk '$1 == "CapEff:" { print $2 }' "/proc/${DNSBLD_PID_SEEN:-0}/status")"
	expect_answer_contains "it answers from the packaged store on port 53" "IN A 127.0.0.2" \
		"$(q 99.2.0.192.demo.rbl.example A)"
	if [ ${#unit_listen[@]} = 0 ]; then
		expect_answer_contains "it answers on [::1]:53 too" "IN A 127.0.0.2" \
			"$(DIG_SERVER=::1 q 99.2.0.192.demo.rbl.example A)"
	fi
	# ExecReload: kill -HUP $MAINPID.
	kill -HUP "${DNSBLD_PID_SEEN:-0}"
	deadline=$((SECONDS + 5))
	until grep -q 'reload: settings re-read' "$IT_TMP/unit.log" || [ "$SECONDS" -gt "$deadline" ]; do
		sleep 0.1
	done
	expect_contains "SIGHUP (the unit's ExecReload) re-reads dnsbld.conf" "reload: settings re-read" \
		"$(cat "$IT_TMP/unit.log")"
	expect_answer_contains "it answers after the reload" "IN A 127.0.0.2" "$(q 99.2.0.192.demo.rbl.example A)"
	stop_server
fi
DIG_SERVER=""

# --- as root, dropping to dnsbld once port 53 is bound ----------------------------------------------------------
out=$(timeout 10 /usr/sbin/dnsbld --listen "127.0.0.1:$(random_port)" --workers 1 2>&1)
status=$?
expect_exit "as root with neither user nor --allow-root, dnsbld refuses to run" 1 "$status" "$out"
expect_contains "it says why" "running as root" "$out"
# A loopback address of the test's own for port 53, unless something serves port 53 on every address.
drop_addr="127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))"
drop_port=53
if command -v ss >/dev/null && [ -n "$(ss -Htuan '( sport = :53 )' | awk '$5 ~ /^(0\.0\.0\.0|\*|\[::\]):53$/')" ]; then
	drop_port=$((600 + RANDOM % 400))
	echo "# something listens on *:53 here: the privileged port is $drop_port instead"
fi
if serve "dnsbld as root with --user dnsbld" "$drop_addr" "$drop_port" "$IT_TMP/drop.log" \
	/usr/sbin/dnsbld --user dnsbld --listen "$drop_addr:$drop_port" --workers 1; then
	expect_eq "after binding it runs as dnsbld (uid)" "$uid $uid $uid $uid" "$(ids_of "${DNSBLD_PID_SEEN:-0}" Uid)"
	expect_eq "after binding it runs as dnsbld (gid)" "$gid $gid $gid $gid" "$(ids_of "${DNSBLD_PID_SEEN:-0}" Gid)"
	expect_eq "after binding it holds no capability" "0000000000000000" \
		"$(awk '$1 == "CapEff:" { print $2 }' "/proc/${DNSBLD_PID_SEEN:-0}/status")"
	expect_eq "after binding it has no supplementary group but dnsbld" "$gid" \
		"$(awk '$1 == "Groups:" { $1 = ""; print substr($0, 2) }' "/proc/${DNSBLD_PID_SEEN:-0}/status" | xargs)"
	expect_answer_contains "it answers on port $drop_port" "IN A 127.0.0.2" "$(q 99.2.0.192.demo.rbl.example A)"
	stop_server
fi
DIG_SERVER=""

# --- the man pages and the unit, as installed ----------------------------------------------------------------------
for page in "8 dnsbld" "8 rbltool" "5 dnsbld.conf"; do
	read -r section name <<<"$page"
	out=$(man -w "$section" "$name" 2>&1)
	expect_eq "man -w $section $name finds the installed page" "/usr/share/man/man$section/$name.$section" "$out"
	out=$(mandoc -T lint -W warning "/usr/share/man/man$section/$name.$section" 2>&1)
	status=$?
	# mandoc also mentions pages missing from a stale mandoc.db (not ours): only its diagnostics count.
	diagnostics=$(grep -E '^mandoc: [^ ]+:[0-9]+:[0-9]+: ' <<<"$out")
	if [ "$status" = 0 ] && [ -z "$diagnostics" ]; then
		it_pass "mandoc -T lint: no warning in $name($section)"
	else
		it_fail "mandoc -T lint: no warning in $name($section)" "exit 0, no diagnostics" "exit $status" "$out"
	fi
done
if command -v systemd-analyze >/dev/null; then
	out=$(timeout 60 systemd-analyze verify /usr/lib/systemd/system/dnsbld.service \
		/usr/lib/systemd/system/dnsbld-expire.service /usr/lib/systemd/system/dnsbld-expire.timer \
		/usr/lib/systemd/system/dnsbld-retest.service /usr/lib/systemd/system/dnsbld-retest.timer 2>&1)
	status=$?
	if [ "$status" = 0 ] && [ -z "$out" ]; then
		it_pass "systemd-analyze verify: the installed units (dnsbld, the expiry and retest timers and services) are clean"
	else
		it_fail "systemd-analyze verify: the installed units are clean" "exit 0, no output" "exit $status" "$out"
	fi
	# The expiry service, run by hand as the timer runs it: rbltool expire on the packaged store as dnsbld.
	out=$(runuser -u dnsbld -- /usr/bin/rbltool expire 2>&1)
	expect_exit "the expiry service's command runs as dnsbld on the packaged store" 0 $? "$out"
	# The requested retests' service, likewise: nothing queued, so nothing printed.
	out=$(runuser -u dnsbld -- /usr/bin/rbltool retest --requested --max 50 --quiet 2>&1)
	expect_exit "the retest service's command runs as dnsbld on the packaged store" 0 $? "$out"
	expect_eq "… and prints nothing with an empty queue" "" "$out"
	# The lookup pages' service's command, as dnsbld, with the installed templates (its default), on a free port.
	runuser -u dnsbld -- timeout -k 2 20 /usr/bin/rbltool web --listen 127.0.0.1:0 2>"$IT_TMP/web.log" &
	web_pid=$!
	port=""
	for _ in $(seq 1 50); do
		port=$(grep -o 'on port [0-9]*' "$IT_TMP/web.log" 2>/dev/null | awk '{print $3}')
		[ -n "$port" ] && break
		sleep 0.1
	done
	out=$(curl -s --max-time 5 "http://127.0.0.1:${port:-1}/")
	expect_contains "rbltool web serves the installed pages as dnsbld" '<form method="get" action="/lookup">' \
		"$out$(cat "$IT_TMP/web.log")"
	kill "$web_pid" 2>/dev/null
	wait "$web_pid" 2>/dev/null
else
	it_fail "systemd-analyze is installed (Debian's systemd package, scripts/deps.sh)" "systemd-analyze" "missing"
fi

# --- dpkg --purge -----------------------------------------------------------------------------------------------
dpkg-query -L dnsbld >"$IT_TMP/files" 2>&1
dpkg_locked --purge dnsbld
status=$?
expect_exit "dpkg --purge dnsbld" 0 "$status" "$(cat "$IT_TMP/dpkg.out")"
[ "$status" = 0 ] && INSTALLED=""
expect_eq "the package is gone" "" "$(dpkg-query -W -f='${Status}' dnsbld 2>/dev/null | grep -v 'not-installed')"
expect_eq "purge removes the dnsbld user" "" "$(getent passwd dnsbld)"
expect_eq "purge removes the dnsbld group" "" "$(getent group dnsbld)"
if [ -e "$STORE" ]; then
	it_fail "purge removes $STORE" "no $STORE" "$(ls -la "$STORE")"
else
	it_pass "purge removes $STORE"
fi
left=""
while IFS= read -r path; do
	[ -z "$path" ] && continue
	case $path in
	/etc/dnsbld | /usr/share/dnsbld | /usr/share/doc/dnsbld) [ -e "$path" ] && left+="$path " ;;
	*) [ -e "$path" ] && [ ! -d "$path" ] && left+="$path " ;;
	esac
done <"$IT_TMP/files"
for path in /etc/systemd/system/multi-user.target.wants/dnsbld.service \
	/var/lib/systemd/deb-systemd-helper-enabled/dnsbld.service.dsh-also \
	/var/lib/systemd/deb-systemd-helper-masked/dnsbld.service; do
	[ -e "$path" ] && left+="$path "
done
expect_eq "purge leaves none of the package's $(wc -l <"$IT_TMP/files") paths, nor systemd state" "" "$left"

finish
