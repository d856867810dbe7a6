#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_config.sh — dnsbld as a service: dnsbld.conf (every option a key, the command line wins, file:line errors for
# unknown keys, bad values and repeats, --check-config), the query ACL (allow-query over IPv4 and IPv6, REFUSED or
# drop), CH TXT identity and version, SIGHUP (ACL, log level and identity change with no query lost under a paced
# load; a key that needs a restart is logged and ignored; a file that no longer parses keeps the running settings),
# systemd's notify protocol on a NOTIFY_SOCKET the test listens on (READY, RELOADING with MONOTONIC_USEC, STOPPING),
# journal priorities under JOURNAL_STREAM, and privileges: root refused without --user or --allow-root, --user drops
# root after binding port 53, and a file-descriptor need above the hard limit is a clear start-up error.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/rbldnsd_lib.sh"

ZONE=conf.rbl.test
IT_ZONE=$ZONE
CONF="$IT_TMP/dnsbld.conf"
rbl zone create "$ZONE" >/dev/null
rbl add "$ZONE" 192.0.2.1 --reason 'listed for the test' >/dev/null

# check CONFIG_TEXT ARGS...: dnsbld --check-config with that file; sets out and status.
check() {
	printf '%s\n' "$1" >"$CONF"
	shift
	out=$("$DNSBLD" --config "$CONF" --check-config "$@" 2>&1)
	status=$?
}

# --- the file and the command line -------------------------------------------------------------------------------
check "db = $IT_DB
listen = 127.0.0.1:5353
listen = [::1]:5353
workers = 3
tcp-idle = 7
allow-query = 127.0.0.0/8
identity = ns1.conf.test"
expect_exit "--check-config accepts a good file" 0 "$status" "$out"
expect_contains "--check-config prints the file's listen addresses" "listen = [::1]:5353" "$out"
expect_contains "--check-config prints the file's workers" "workers = 3" "$out"
expect_contains "--check-config prints the ACL" "allow-query = 127.0.0.0/8" "$out"
check "db = $IT_DB
workers = 3
listen = 127.0.0.1:5353" --workers 5 --listen 127.0.0.1:6000
expect_contains "the command line wins over the file (workers)" "workers = 5" "$out"
expect_contains "a repeatable key on the command line replaces the file's list" "listen = 127.0.0.1:6000" "$out"
expect_not_contains "... so the file's listen address is gone" "127.0.0.1:5353" "$out"

check "db = $IT_DB
wrokers = 3"
expect_exit "an unknown key: exit 2" 2 "$status" "$out"
expect_contains "an unknown key is named with file:line" "$CONF:2: unknown key 'wrokers'" "$out"
check "workers = 2
workers = 3"
expect_exit "a single-valued key twice: exit 2" 2 "$status" "$out"
expect_contains "a repeated key names both lines" "$CONF:2: 'workers' is given twice (first on line 1)" "$out"
check "tcp-idle = forever"
expect_contains "a bad value names the key, the value and what is expected" \
	"$CONF:1: tcp-idle = 'forever': expected 1..3600" "$out"
check "allow-query = 192.0.2.1/24"
expect_contains "an ACL network with host bits is refused" "host bits" "$out"
check "acl-action = ignore"
expect_contains "acl-action takes refuse or drop" "expected refuse or drop" "$out"
out=$("$DNSBLD" --config "$IT_TMP/nonexistent.conf" --check-config 2>&1)
expect_exit "a --config file that does not exist: exit 2" 2 $? "$out"
expect_contains "... named" "$IT_TMP/nonexistent.conf: No such file or directory" "$out"
out=$("$DNSBLD" --check-config --workers 0 2>&1)
expect_contains "a bad option value is named like a bad key" "--workers: invalid value '0' (expected 1..256)" "$out"

# --- root ---------------------------------------------------------------------------------------------------------
if [ "$(id -u)" = 0 ]; then
	out=$(timeout 10 "$DNSBLD" --db "$IT_DB" --listen "127.0.0.1:$(random_port)" 2>&1)
	expect_exit "as root without --user or --allow-root dnsbld does not start" 1 $? "$out"
	expect_contains "... and says how to fix it" "give --user NAME" "$out"
	out=$(timeout 10 "$DNSBLD" --db "$IT_DB" --listen "127.0.0.1:$(random_port)" --user no-such-user-here 2>&1)
	expect_contains "--user of a user that does not exist is named" "--user no-such-user-here: no such user" "$out"
	out=$(ulimit -n 512 && timeout 10 "$DNSBLD" --allow-root --db "$IT_DB" --listen "127.0.0.1:$(random_port)" \
		--workers 4 --tcp-max-conns 1000 2>&1)
	expect_contains "a file-descriptor need above the hard limit is a clear start-up error" \
		"the hard limit is 512" "$out"

	# --user: binds port 53 as root, then runs as nobody on a store nobody can use.
	shared=$(mktemp -d /tmp/dnsbld-user.XXXXXX)
	chmod 755 "$shared"
	cp -r "$IT_DB" "$shared/db" && chown -R nobody "$shared/db"
	addr=127.0.$((RANDOM % 200 + 20)).53
	timeout -k 2 30 "$DNSBLD" --db "$shared/db" --listen "$addr:53" --workers 1 --user nobody \
		>"$IT_TMP/user.log" 2>&1 &
	holder=$!
	for _ in $(seq 50); do
		dig @"$addr" -p 53 +time=1 +tries=1 "2.0.0.127.$ZONE" A 2>/dev/null | grep -q 'status:' && break
		sleep 0.1
	done
	answer=$(dig @"$addr" -p 53 +norec +time=2 +tries=1 "1.2.0.192.$ZONE" A 2>&1)
	expect_answer_contains "--user nobody: port 53 bound, then answered as nobody" "IN A 127.0.0.2" "$answer"
	daemon=$(pgrep -P "$holder" -x dnsbld)
	expect_eq "--user nobody: the daemon's user ids are all nobody's" \
		"$(id -u nobody) $(id -u nobody) $(id -u nobody) $(id -u nobody)" \
		"$(awk '/^Uid:/ { print $2, $3, $4, $5 }' /proc/"$daemon"/status 2>/dev/null)" "$(cat "$IT_TMP/user.log")"
	expect_eq "--user nobody: no supplementary group but nobody's own" "$(id -g nobody)" \
		"$(awk '/^Groups:/ { print $2 }' /proc/"$daemon"/status 2>/dev/null)"
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	rm -rf "$shared"
fi

# --- a running dnsbld with a file: ACL, CH TXT, reload, notify ----------------------------------------------------
NOTIFY="$IT_TMP/notify.sock"
socat -u UNIX-RECV:"$NOTIFY" - >"$IT_TMP/notify.log" 2>&1 &
notifier=$!
for _ in $(seq 50); do [ -S "$NOTIFY" ] && break; sleep 0.05; done
write_conf() {
	printf '%s\n' "$@" >"$CONF"
}
write_conf "allow-query = 127.0.0.1/32" "allow-query = ::1/128" "identity = ns1.conf.test"
NOTIFY_SOCKET=$NOTIFY JOURNAL_STREAM=8:1234 start_dnsbld --config "$CONF" || finish
for _ in $(seq 50); do grep -q 'READY=1' "$IT_TMP/notify.log" && break; sleep 0.05; done
expect_contains "READY=1 reaches NOTIFY_SOCKET once the sockets are bound and the store open" "READY=1" \
	"$(cat "$IT_TMP/notify.log")"
expect_contains "under JOURNAL_STREAM lines carry syslog priorities, no timestamp" "<6>info: dnsbld serving" \
	"$(cat "$DNSBLD_LOG")"

listed="2.0.0.127.$ZONE" # the RFC 5782 test point: listed whatever the data
expect_answer_contains "allow-query: a client inside (127.0.0.1) is answered" "IN A 127.0.0.2" "$(q "$listed" A)"
expect_rcode "allow-query: a client outside (127.0.0.2) gets REFUSED" REFUSED "$(q "$listed" A -b 127.0.0.2)"
expect_rcode "... over TCP too" REFUSED "$(DIG_TRANSPORT=+tcp q "$listed" A -b 127.0.0.2)"
if [ "$IT_HAVE_V6" = 1 ]; then
	expect_answer_contains "allow-query: ::1 is inside" "IN A 127.0.0.2" "$(DIG_SERVER=::1 q "$listed" A)"
fi
chaos=$(q id.server TXT -c CH)
expect_answer_contains "identity answers CH TXT id.server" '"ns1.conf.test"' "$chaos"
expect_rcode "version is off: CH TXT version.bind is REFUSED" REFUSED "$(q version.bind TXT -c CH)"

# A paced load (dnsdiff against rbldnsd, every question checked) while the file changes and SIGHUP comes 5 times.
out=$("$GEN_RBLDATA" --seed 7 --zone "$ZONE" --ip4 "$PUBLIC_DIR/c.ip4set" --ip6 "$PUBLIC_DIR/c.ip6trie" \
	--queries "$IT_TMP/queries" 2>&1)
rbl zone delete "$ZONE" >/dev/null
rbl zone create "$ZONE" >/dev/null
for dataset in ip4set ip6trie; do
	rbl import "$ZONE" "$PUBLIC_DIR/c.$dataset" --format rbldnsd --dataset "$dataset" >/dev/null
done
start_rbldnsd "$IT_TMP/rbldnsd.log" "$ZONE:ip4set:$PUBLIC_DIR/c.ip4set" "$ZONE:ip6trie:$PUBLIC_DIR/c.ip6trie" || finish
"$DNSDIFF" --names dnsbld,rbldnsd --timeout 2000 --show 10 "$DNSBLD_PORT" "$RBLDNSD_PORT" "$IT_TMP/queries" \
	>"$IT_TMP/diff.out" 2>&1 &
differ=$!
daemon=$(pgrep -P "$DNSBLD_PID" -x dnsbld) # DNSBLD_PID is timeout(1), its parent
for i in 1 2 3 4 5; do
	write_conf "allow-query = 127.0.0.0/8" "allow-query = ::1/128" "identity = ns$i.conf.test" \
		"log-level = debug"
	kill -HUP "$daemon"
	sleep 0.2
done
wait "$differ"
expect_eq "no query lost or changed across five reloads under load" "0 failed" \
	"$(tail -n 1 "$IT_TMP/diff.out" | grep -o '[0-9]* failed')" "$(tail -n 5 "$IT_TMP/diff.out")"
echo "# $(tail -n 1 "$IT_TMP/diff.out") across 5 reloads"
expect_answer_contains "after the reload the new identity answers" '"ns5.conf.test"' "$(q id.server TXT -c CH)"
expect_answer_contains "after the reload 127.0.0.2 is inside the ACL" "IN A 127.0.0.2" "$(q "$listed" A -b 127.0.0.2)"
expect_contains "RELOADING=1 with MONOTONIC_USEC around each reload" "MONOTONIC_USEC=" "$(cat "$IT_TMP/notify.log")"
expect_contains "the log level changed at once: debug lines after the reload" "<7>debug: reload:" \
	"$(cat "$DNSBLD_LOG")"

write_conf "allow-query = 127.0.0.1/32" "acl-action = drop" "tcp-max-conns = 99"
kill -HUP "$daemon"
sleep 0.3
expect_contains "a changed restart-only key is logged and ignored" "tcp-max-conns changed" "$(cat "$DNSBLD_LOG")"
expect_rcode "acl-action = drop: a client outside gets no answer" no-response "$(q "$listed" A -b 127.0.0.2)"
printf 'allow-query = 127.0.0.0/8\nthis is not a key value line\n' >"$CONF"
kill -HUP "$daemon"
sleep 0.3
expect_contains "a file that no longer parses is logged with file:line" "$CONF:2:" "$(cat "$DNSBLD_LOG")"
expect_rcode "... and the running settings stay (still dropping 127.0.0.2)" no-response "$(q "$listed" A -b 127.0.0.2)"
kill -0 "$daemon" 2>/dev/null && it_pass "dnsbld is still running after a bad reload" ||
	it_fail "dnsbld is still running after a bad reload" "alive" "gone"
stop_dnsbld
sleep 0.2
expect_contains "STOPPING=1 on the way out" "STOPPING=1" "$(cat "$IT_TMP/notify.log")"
kill "$notifier" 2>/dev/null
finish
