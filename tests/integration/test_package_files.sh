#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_package_files.sh — what the package ships, checked from the source tree against the built programs, with no
# install: the man pages pass mandoc -T lint with no warning and name exactly the options that dnsbld --help and
# rbltool --help name (and every command and key they document exists); dnsbld.conf(5) and the example dnsbld.conf
# document exactly the keys dnsbld takes, with valid examples; the unit passes systemd-analyze verify.
# (test_package.sh installs the .deb and checks the installed copies.)
set -u
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
MAN="$SRC/docs/man"
CONF="$SRC/packaging/dnsbld.conf"

# The long options a --help text names, "--name" words, sorted, one a line; --help itself included.
options_of() {
	{
		grep -o -- '--[a-z][a-z0-9-]*'
		echo --help
	} | sort -u
}

# The options a man page names with Fl, as the reader sees them: "Fl -name" is "--name".
man_options() {
	grep -o 'Fl -[a-z][a-z0-9-]*' "$1" | sed 's/^Fl /-/' | sort -u
}

# --- mandoc -T lint ---------------------------------------------------------------------------------------------
for page in dnsbld.8 rbltool.8 dnsbld.conf.5; do
	if ! command -v mandoc >/dev/null; then
		it_fail "mandoc is installed (scripts/deps.sh)" "mandoc" "missing"
		break
	fi
	# MANPATH: this tree's pages only, so cross-references are not looked up in the machine's.
	out=$(MANPATH="$IT_TMP/no-manpath" mandoc -T lint -W warning "$MAN/$page" 2>&1)
	status=$?
	if [ "$status" = 0 ] && [ -z "$out" ]; then
		it_pass "mandoc -T lint -W warning: $page is clean"
	else
		it_fail "mandoc -T lint -W warning: $page is clean" "exit 0, no output" "exit $status" "$out"
	fi
	head -n 1 "$MAN/$page" | grep -q 'SPDX-License-Identifier: BSD-2-Clause' ||
		it_fail "$page starts with its SPDX line" "SPDX-License-Identifier on line 1" "$(head -n 1 "$MAN/$page")"
done

# --- dnsbld(8) against dnsbld --help ----------------------------------------------------------------------------
help=$("$DNSBLD" --help | options_of)
expect_eq "dnsbld(8) names exactly the options of dnsbld --help" "$help" "$(man_options "$MAN/dnsbld.8")"
documented=$(grep -o '^\.It Fl -[a-z0-9-]*' "$MAN/dnsbld.8" | sed 's/^\.It Fl /-/' | sort -u)
expect_eq "dnsbld(8) describes every option of dnsbld --help in OPTIONS" "$help" "$documented"

# --- rbltool(8) against rbltool --help and the commands themselves -------------------------------------------------
help=$("$RBLTOOL" --help | options_of)
expect_eq "rbltool(8) names exactly the options of rbltool --help" "$help" "$(man_options "$MAN/rbltool.8")"
# A word is a command when rbltool does not call it unknown (run on a scratch store: some commands write).
is_command() { # bounded: `web` serves until a signal
	! timeout -s INT 5 "$RBLTOOL" --db "$IT_TMP/scratch" "$@" </dev/null 2>&1 |
		grep -q "unknown command\|unknown zone subcommand"
}
man_commands=$(grep -o '^\.It Cm [a-z]*\( [a-z]*\)\?' "$MAN/rbltool.8" | sed 's/^\.It Cm //; s/ Ar$//' | sort -u)
missing=""
while read -r words; do
	# shellcheck disable=SC2086 # "zone create" is two words on purpose
	is_command $words || missing+="'$words' "
done <<<"$man_commands"
expect_eq "every command rbltool(8) describes exists" "" "$missing"
undocumented=""
for word in $("$RBLTOOL" --help | grep -o '\b[a-z][a-z]*\b' | sort -u); do
	is_command "$word" || continue
	grep -q "^\.It Cm $word\b" "$MAN/rbltool.8" || undocumented+="$word "
done
expect_eq "rbltool(8) describes every command of rbltool --help" "" "$undocumented"
undocumented=""
for sub in create set list show delete diff; do
	is_command zone "$sub" || continue
	grep -q "^\.It Cm zone $sub\b" "$MAN/rbltool.8" || undocumented+="zone $sub "
done
expect_eq "rbltool(8) describes every zone subcommand" "" "$undocumented"

# --- dnsbld.conf(5) and the example file against the keys dnsbld takes ---------------------------------------------
# dnsbld's keys: the table in dnsbld/config.c (the command line's options go through the same table).
keys=$(grep -o '{"", "[a-z0-9-]*"' "$SRC/dnsbld/config.c" | sed 's/.*"\([a-z0-9-]*\)"$/\1/' | sort -u)
expect_eq "dnsbld has its 24 keys" 24 "$(wc -l <<<"$keys")" "$keys"
expect_eq "the example sets or comments out every key" "$keys" \
	"$(grep -o '^#\?[a-z0-9-]* = ' "$CONF" | sed 's/^#//; s/ = $//' | sort -u)"
# The keys of the file before its ZONE TRANSFER SECTIONS; those sections' keys, against xfr_conf.c's tables.
expect_eq "dnsbld.conf(5) describes exactly dnsbld's keys" "$keys" \
	"$(sed '/^\.Sh ZONE TRANSFER SECTIONS/,$d' "$MAN/dnsbld.conf.5" | grep -o '^\.It Cm [a-z0-9-]* No =' |
		sed 's/^\.It Cm //; s/ No =$//' | sort -u)"
section_keys=$(grep -o '^ *{"[a-z0-9-]*", \(true\|false\), \(true\|false\),' "$SRC/common/xfr/xfr_conf.c" |
	sed 's/^ *{"\([a-z0-9-]*\)".*/\1/' | sort -u)
expect_eq "dnsbld.conf(5) describes exactly the keys of the [key] and [zone] sections" "$section_keys" \
	"$(sed -n '/^\.Sh ZONE TRANSFER SECTIONS/,/^\.Sh /p' "$MAN/dnsbld.conf.5" | grep -o '^\.It Cm [a-z0-9-]* No =' |
		sed 's/^\.It Cm //; s/ No =$//' | sort -u)"
# Each commented line is a valid example: uncommented, they all take effect.
# key-file names a file the package does not ship: an empty one stands in for it.
: >"$IT_TMP/keys.conf"
sed 's/^#\([a-z0-9-]* = \)/\1/; s|^key-file = .*|key-file = '"$IT_TMP"'/keys.conf|' "$CONF" >"$IT_TMP/every-key.conf"
out=$("$DNSBLD" --config "$IT_TMP/every-key.conf" --check-config 2>&1)
expect_exit "every commented key of packaging/dnsbld.conf, uncommented, is valid" 0 $? "$out"
expect_eq "uncommented, the example sets every key" "$keys" \
	"$(grep -o '^[a-z0-9-]* = ' <<<"$out" | sed 's/ = $//' | sort -u)" "$out"
out=$("$DNSBLD" --config "$CONF" --check-config 2>&1)
expect_contains "the example, as shipped, names the packaged store" "db = /var/lib/dnsbld" "$out"
expect_not_contains "the example, as shipped, sets no user (the unit runs dnsbld as dnsbld)" "user = " "$out"

# --- the unit ---------------------------------------------------------------------------------------------------
if command -v systemd-analyze >/dev/null; then
	# The binary is the one just built (the installed path does not exist before install); man pages are not
	# installed yet either: test_package.sh verifies the installed unit whole.
	sed "s|/usr/sbin/dnsbld|$DNSBLD|" "$SRC/packaging/dnsbld.service" >"$IT_TMP/dnsbld.service"
	out=$(timeout 60 systemd-analyze verify --man=no "$IT_TMP/dnsbld.service" 2>&1)
	status=$?
	if [ "$status" = 0 ] && [ -z "$out" ]; then
		it_pass "systemd-analyze verify: packaging/dnsbld.service is clean"
	else
		it_fail "systemd-analyze verify: packaging/dnsbld.service is clean" "exit 0, no output" "exit $status" "$out"
	fi
	# The expiry timer and its service (the timer names the service by its own name, next to it).
	sed "s|/usr/bin/rbltool|$RBLTOOL|" "$SRC/packaging/dnsbld-expire.service" >"$IT_TMP/dnsbld-expire.service"
	cp "$SRC/packaging/dnsbld-expire.timer" "$IT_TMP/dnsbld-expire.timer"
	out=$(timeout 60 systemd-analyze verify --man=no "$IT_TMP/dnsbld-expire.service" \
		"$IT_TMP/dnsbld-expire.timer" 2>&1)
	status=$?
	if [ "$status" = 0 ] && [ -z "$out" ]; then
		it_pass "systemd-analyze verify: packaging/dnsbld-expire.service and .timer are clean"
	else
		it_fail "systemd-analyze verify: packaging/dnsbld-expire.service and .timer are clean" "exit 0, no output" \
			"exit $status" "$out"
	fi
	# The requested retests' timer and its service.
	sed "s|/usr/bin/rbltool|$RBLTOOL|" "$SRC/packaging/dnsbld-retest.service" >"$IT_TMP/dnsbld-retest.service"
	cp "$SRC/packaging/dnsbld-retest.timer" "$IT_TMP/dnsbld-retest.timer"
	out=$(timeout 60 systemd-analyze verify --man=no "$IT_TMP/dnsbld-retest.service" \
		"$IT_TMP/dnsbld-retest.timer" 2>&1)
	status=$?
	if [ "$status" = 0 ] && [ -z "$out" ]; then
		it_pass "systemd-analyze verify: packaging/dnsbld-retest.service and .timer are clean"
	else
		it_fail "systemd-analyze verify: packaging/dnsbld-retest.service and .timer are clean" "exit 0, no output" \
			"exit $status" "$out"
	fi
else
	it_fail "systemd-analyze is installed (Debian's systemd package, scripts/deps.sh)" "systemd-analyze" "missing"
fi
sed "s|/usr/bin/rbltool|$RBLTOOL|" "$SRC/packaging/dnsbld-web.service" >"$IT_TMP/dnsbld-web.service"
out=$(timeout 60 systemd-analyze verify --man=no "$IT_TMP/dnsbld-web.service" 2>&1)
expect_eq "systemd-analyze verify: packaging/dnsbld-web.service is clean" "" "$out"
expect_contains "the lookup pages' service runs rbltool web on loopback as dnsbld" \
	"ExecStart=/usr/bin/rbltool web --listen 127.0.0.1:8053" "$(grep -x 'ExecStart=.*' "$SRC/packaging/dnsbld-web.service")"
expect_contains "… as the dnsbld user" "User=dnsbld" "$(grep -x 'User=dnsbld' "$SRC/packaging/dnsbld-web.service")"
expect_contains "the expiry service runs rbltool expire as dnsbld" "ExecStart=/usr/bin/rbltool expire" \
	"$(grep -x 'ExecStart=/usr/bin/rbltool expire' "$SRC/packaging/dnsbld-expire.service")"
expect_contains "… as the dnsbld user" "User=dnsbld" "$(grep -x 'User=dnsbld' "$SRC/packaging/dnsbld-expire.service")"
expect_contains "the timer fires every minute" "OnCalendar=*-*-* *:*:00" \
	"$(grep -x -F 'OnCalendar=*-*-* *:*:00' "$SRC/packaging/dnsbld-expire.timer")"
retest_unit=$(cat "$SRC/packaging/dnsbld-retest.service")
expect_contains "the retest service runs rbltool retest --requested, quiet, 50 a run" \
	"ExecStart=/usr/bin/rbltool retest --requested --max 50 --quiet" \
	"$(grep -x 'ExecStart=.*' <<<"$retest_unit")"
for line in User=dnsbld Group=dnsbld NoNewPrivileges=yes ProtectSystem=strict ReadWritePaths=/var/lib/dnsbld \
	'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' TimeoutStartSec=30min; do
	expect_contains "the retest service says $line" "$line" "$(grep -x -F -- "$line" <<<"$retest_unit")"
done
expect_eq "the retest service has the network (no PrivateNetwork)" "" "$(grep '^PrivateNetwork' <<<"$retest_unit")"
expect_contains "the retest timer fires every minute at :30" "OnCalendar=*-*-* *:*:30" \
	"$(grep -x -F 'OnCalendar=*-*-* *:*:30' "$SRC/packaging/dnsbld-retest.timer")"
for script in postinst prerm; do
	expect_contains "debian/$script handles the retest timer" "dnsbld-retest.timer" \
		"$(grep -o 'dnsbld-retest.timer' "$SRC/packaging/debian/$script" | head -n 1)"
done
unit=$(cat "$SRC/packaging/dnsbld.service")
# shellcheck disable=SC2016 # $MAINPID is systemd's, not ours
for line in Type=notify 'ExecReload=/bin/kill -HUP $MAINPID' User=dnsbld Group=dnsbld \
	AmbientCapabilities=CAP_NET_BIND_SERVICE NoNewPrivileges=yes ProtectSystem=strict ReadWritePaths=/var/lib/dnsbld \
	PrivateTmp=yes StateDirectory=dnsbld StateDirectoryMode=2770 LogsDirectory=dnsbld; do
	expect_contains "the unit says $line" "$line" "$(grep -x -F -- "$line" <<<"$unit")"
done

finish
