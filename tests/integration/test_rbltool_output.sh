#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_rbltool_output.sh — pins where and how rbltool writes: every command that prints fails (exit 1, one line
# "cannot write the output: No space left on device") when standard output cannot be written, instead of exiting 0;
# export --output replaces only a regular file, follows a symlink to one (the link stays a link), refuses a device,
# FIFO, socket, directory or dangling link with exit 2 and leaves it as it was, and never writes through a file at a
# guessable temporary name; text stored before control characters were refused (or read from a report) is printed
# with them escaped, one entry a line, no terminal escape passed through; an expiry in the year 9999 is listed,
# shown and exported.
set -u
. "$(dirname "$0")/lib.sh"

export LC_ALL=C
ZONE=out.rbl.test
FULL=/dev/full

if [ ! -c "$FULL" ]; then
	it_fail "the test needs /dev/full" "a character device at /dev/full" "none"
	finish
fi

out=$(rbl zone create "$ZONE" --ns ns1.out.rbl.test=127.0.0.1 --contact hostmaster@example.org 2>&1)
expect_exit "rbltool zone create makes a fresh store" 0 $? "$out"
for cidr in 192.0.2.1 198.51.100.0/24 2001:db8::/48; do
	out=$(rbl add "$ZONE" "$cidr" --reason "seed $cidr" 2>&1)
	expect_exit "rbltool add $cidr succeeds" 0 $? "$out"
done
out=$(rbl optout add 203.0.113.0/24 --reason 'asked not to be probed' 2>&1)
expect_exit "rbltool optout add succeeds" 0 $? "$out"
printf '192.0.2.10\n192.0.2.11\n' >"$IT_TMP/small.txt"

# --- standard output that cannot be written

# expect_write_error CHECK ARGS...: rbltool ARGS exits 0 with stdout on /dev/null, and with stdout on /dev/full exits 1
# with one line on stderr saying it cannot write the output and why.
expect_write_error() {
	local check=$1 status err
	shift
	rbl "$@" >/dev/null 2>"$IT_TMP/stderr"
	status=$?
	expect_exit "$check > /dev/null: exit status 0" 0 "$status" "$(cat "$IT_TMP/stderr")"
	rbl "$@" >"$FULL" 2>"$IT_TMP/stderr"
	status=$?
	err=$(cat "$IT_TMP/stderr")
	expect_exit "$check > /dev/full: exit status 1" 1 "$status" "$err"
	expect_contains "$check > /dev/full: says it cannot write the output, and why" \
		"rbltool: cannot write the output: No space left on device" "$err"
	expect_eq "$check > /dev/full: says it once" 1 "$(grep -c 'cannot write the output' "$IT_TMP/stderr")" "$err"
}

expect_write_error "list" list "$ZONE"
expect_write_error "zone list" zone list
expect_write_error "zone show" zone show "$ZONE"
expect_write_error "show of a listed address" show 192.0.2.1
expect_write_error "show of an address in no zone" show 192.0.2.200
expect_write_error "query" query "$ZONE" 192.0.2.1
expect_write_error "export to stdout (rbldnsd)" export "$ZONE"
expect_write_error "export to stdout (bind)" export "$ZONE" --format bind
expect_write_error "optout list" optout list
expect_write_error "probe of an opted-out host (prints its verdict line)" probe 203.0.113.5
expect_write_error "probe --pending with nothing pending" probe --pending
expect_write_error "report (its confirmation)" report 192.0.2.1 --source 'postmaster@example.org'
expect_write_error "--help" --help
expect_write_error "--version" --version
expect_write_error "add (its confirmation)" add "$ZONE" 192.0.2.50
expect_write_error "import (its summary)" import "$ZONE" "$IT_TMP/small.txt"
expect_write_error "expire (its count)" expire

# A listing longer than stdio's buffer fails while it is printed, not only at the end.
for i in $(seq 0 3999); do echo "10.$((i / 250)).$((i % 250)).1"; done >"$IT_TMP/many.txt"
out=$(rbl zone create many.rbl.test 2>&1 && rbl import many.rbl.test "$IT_TMP/many.txt" 2>&1)
expect_exit "import of 4000 entries succeeds" 0 $? "$out"
expect_write_error "list of 4000 entries" list many.rbl.test

# --- export --output: only a regular file is replaced

EXPORT_DIR="$IT_TMP/export"
mkdir -p "$EXPORT_DIR"

# The names in a directory, one a line, dot files included: a leftover temporary file shows here.
names_in() {
	ls -A "$1"
}

# expect_refused CHECK PATH TEST: export --output PATH exits 2 with one line naming PATH, leaves PATH as `test TEST`
# finds it, and leaves nothing behind in PATH's directory.
expect_refused() {
	local check=$1 path=$2 kind=$3 before status err
	before=$(names_in "$(dirname "$path")")
	timeout 10 "$RBLTOOL" --db "$IT_DB" export "$ZONE" --output "$path" >"$IT_TMP/stdout" 2>"$IT_TMP/stderr"
	status=$?
	err=$(cat "$IT_TMP/stderr")
	expect_exit "$check: exit status 2" 2 "$status" "$err"
	expect_eq "$check: the message is one line" 1 "$(wc -l <"$IT_TMP/stderr")" "$err"
	expect_contains "$check: the message names '$path'" "'$path'" "$err"
	expect_contains "$check: the message says it is not a regular file" "not a regular file" "$err"
	if test "$kind" "$path"; then
		it_pass "$check: it is left as it was (test $kind)"
	else
		it_fail "$check: it is left as it was (test $kind)" "test $kind $path" "$(ls -ld "$path" 2>&1)"
	fi
	expect_eq "$check: nothing is left behind beside it" "$before" "$(names_in "$(dirname "$path")")"
}

# A device node: one of our own when we may make one (as root, the old behaviour would have replaced a real one);
# else /dev/null, which only root could have replaced.
if mknod "$EXPORT_DIR/null" c 1 3 2>/dev/null; then
	DEVICE="$EXPORT_DIR/null"
else
	DEVICE=/dev/null
fi
expect_refused "export --output to a character device" "$DEVICE" -c
mkfifo "$EXPORT_DIR/fifo"
expect_refused "export --output to a FIFO" "$EXPORT_DIR/fifo" -p
mkdir "$EXPORT_DIR/dir"
touch "$EXPORT_DIR/dir/kept"
expect_refused "export --output to a directory" "$EXPORT_DIR/dir" -d
expect_eq "export --output to a directory: its content is untouched" kept "$(names_in "$EXPORT_DIR/dir")"
if python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$EXPORT_DIR/sock" 2>/dev/null; then
	expect_refused "export --output to a socket" "$EXPORT_DIR/sock" -S
fi
ln -s fifo "$EXPORT_DIR/link-to-fifo"
expect_refused "export --output to a symlink to a FIFO" "$EXPORT_DIR/link-to-fifo" -p
expect_eq "export --output to a symlink to a FIFO: the link stays" fifo "$(readlink "$EXPORT_DIR/link-to-fifo")"

ln -s missing.data "$EXPORT_DIR/dangling"
before=$(names_in "$EXPORT_DIR")
rbl export "$ZONE" --output "$EXPORT_DIR/dangling" >/dev/null 2>"$IT_TMP/stderr"
status=$?
expect_exit "export --output to a dangling symlink: exit status 2" 2 "$status" "$(cat "$IT_TMP/stderr")"
expect_contains "export --output to a dangling symlink: the message names it" "'$EXPORT_DIR/dangling'" \
	"$(cat "$IT_TMP/stderr")"
expect_eq "export --output to a dangling symlink: nothing is created" "$before" "$(names_in "$EXPORT_DIR")"

# A symlink to a regular file, in another directory and relative: the target gets the content, the link stays.
mkdir -p "$EXPORT_DIR/links" "$EXPORT_DIR/real"
echo 'old content' >"$EXPORT_DIR/real/zone.data"
chmod 640 "$EXPORT_DIR/real/zone.data"
ln -s ../real/zone.data "$EXPORT_DIR/links/zone.data"
out=$(rbl export "$ZONE" --output "$EXPORT_DIR/links/zone.data" 2>&1)
expect_exit "export --output to a symlink to a regular file: exit status 0" 0 $? "$out"
if [ -L "$EXPORT_DIR/links/zone.data" ]; then
	it_pass "export --output to a symlink: the link is still a link"
else
	it_fail "export --output to a symlink: the link is still a link" "a symlink" "$(ls -l "$EXPORT_DIR/links")"
fi
expect_eq "export --output to a symlink: the link still points where it did" ../real/zone.data \
	"$(readlink "$EXPORT_DIR/links/zone.data")"
expect_contains "export --output to a symlink: the target holds the export" '$DATASET ip4trie' \
	"$(cat "$EXPORT_DIR/real/zone.data")"
expect_not_contains "export --output to a symlink: the old content is gone" 'old content' \
	"$(cat "$EXPORT_DIR/real/zone.data")"
expect_eq "export --output to a symlink: the target keeps its mode" 640 "$(stat -c %a "$EXPORT_DIR/real/zone.data")"
expect_eq "export --output to a symlink: nothing else beside the link" zone.data "$(names_in "$EXPORT_DIR/links")"
expect_eq "export --output to a symlink: nothing else beside the target" zone.data "$(names_in "$EXPORT_DIR/real")"

# A new file, and a file at the name the old code used for its temporary: never written through.
mkdir -p "$EXPORT_DIR/new"
echo 'not yours' >"$EXPORT_DIR/victim"
ln -s ../victim "$EXPORT_DIR/new/zone.data.tmp"
out=$( (umask 022 && rbl export "$ZONE" --format bind --output "$EXPORT_DIR/new/zone.data") 2>&1)
expect_exit "export --output to a new file: exit status 0" 0 $? "$out"
expect_contains "export --output to a new file: it holds the export" $'IN\tSOA' "$(cat "$EXPORT_DIR/new/zone.data")"
expect_eq "export --output to a new file: its mode is 0666 less the umask" 644 \
	"$(stat -c %a "$EXPORT_DIR/new/zone.data")"
expect_eq "export --output: a file at FILE.tmp is not written through" 'not yours' "$(cat "$EXPORT_DIR/victim")"
expect_eq "export --output: nothing is left beside the new file" "$(printf 'zone.data\nzone.data.tmp')" \
	"$(names_in "$EXPORT_DIR/new")"

# --- control characters stored before they were refused, or read from a report, are printed escaped

# Text is stored under a placeholder of the same length, then the placeholder is replaced in data.mdb byte for byte
# (lib.sh's placeholder and patch_store): what a store written by an older rbltool holds.

EVIL_REASON=$'evil\nsecond line\x1b[31mred\x07'
EVIL_SOURCE=$'feed\rover\x1b]0;title\x07'
EVIL_TXT=$'Listed\x1b[2J: $'
EVIL_OPTOUT=$'quiet\x1b[8mhidden'
EVIL_REPORTER=$'reporter\x1b[5mblink'
r_ph=$(placeholder R "${#EVIL_REASON}")
s_ph=$(placeholder S "${#EVIL_SOURCE}")
t_ph=$(placeholder T "${#EVIL_TXT}")
o_ph=$(placeholder O "${#EVIL_OPTOUT}")
p_ph=$(placeholder P "${#EVIL_REPORTER}")
EVIL_ZONE=evil.rbl.test
out=$(rbl zone create "$EVIL_ZONE" --txt "$t_ph" 2>&1 &&
	rbl add "$EVIL_ZONE" 192.0.2.66 --reason "$r_ph" --source "$s_ph" 2>&1 &&
	rbl add "$EVIL_ZONE" 192.0.2.67 2>&1 &&
	rbl optout add 203.0.114.0/24 --reason "$o_ph" 2>&1 &&
	rbl report 192.0.2.66 --source "$p_ph" 2>&1)
expect_exit "the store takes the placeholders" 0 $? "$out"
expect_eq "the control characters are in the store" 5 "$(patch_store "$r_ph" "$EVIL_REASON" "$s_ph" "$EVIL_SOURCE" \
	"$t_ph" "$EVIL_TXT" "$o_ph" "$EVIL_OPTOUT" "$p_ph" "$EVIL_REPORTER")"

ESC=$'\x1b'
out=$(rbl list "$EVIL_ZONE" 2>&1)
expect_exit "list of stored control characters: exit status 0" 0 $? "$out"
expect_eq "list of stored control characters: one line an entry" 2 "$(wc -l <<<"$out")" "$out"
expect_contains "list of stored control characters: the reason is escaped" \
	'evil\x0asecond line\x1b[31mred\x07' "$out"
expect_not_contains "list of stored control characters: no escape character passes" "$ESC" "$out"

out=$(rbl show 192.0.2.66 2>&1)
expect_exit "show of stored control characters: exit status 0" 0 $? "$out"
expect_contains "show of stored control characters: the reason is escaped" \
	'reason   evil\x0asecond line\x1b[31mred\x07' "$out"
expect_contains "show of stored control characters: the source is escaped" \
	'source   feed\x0dover\x1b]0;title\x07' "$out"
expect_contains "show of stored control characters: the report's source is escaped" \
	'from reporter\x1b[5mblink' "$out"
expect_not_contains "show of stored control characters: no escape character passes" "$ESC" "$out"
expect_not_contains "show of stored control characters: no carriage return passes" $'\r' "$out"

out=$(rbl zone show "$EVIL_ZONE" 2>&1)
expect_contains "zone show of a stored control character: the template is escaped" \
	'txt      Listed\x1b[2J: $' "$out"
expect_not_contains "zone show of a stored control character: no escape character passes" "$ESC" "$out"

out=$(rbl optout list 2>&1)
expect_contains "optout list of a stored control character: the reason is escaped" 'quiet\x1b[8mhidden' "$out"
expect_not_contains "optout list of a stored control character: no escape character passes" "$ESC" "$out"

out=$(rbl query "$EVIL_ZONE" 192.0.2.67 2>&1)
expect_not_contains "query of a stored control character: no escape character passes" "$ESC" "$out"

# --- an expiry in the year 9999

out=$(rbl add "$ZONE" 192.0.2.99 --expires 9999-12-31T23:59:59Z --reason 'until the end' 2>&1)
expect_exit "add --expires 9999-12-31T23:59:59Z is accepted" 0 $? "$out"
printf 'address,expires\n192.0.2.98,9999-12-31\n' >"$IT_TMP/far.csv"
out=$(rbl import "$ZONE" "$IT_TMP/far.csv" --format csv 2>&1)
expect_exit "a CSV expiry of 9999-12-31 is accepted" 0 $? "$out"
out=$(rbl list "$ZONE" 2>&1)
expect_contains "list prints the year-9999 expiry" $'192.0.2.99/32\t127.0.0.2\t9999-12-31T23:59:59Z\tuntil the end' \
	"$out"
expect_contains "list prints the year-9999 CSV expiry" $'192.0.2.98/32\t127.0.0.2\t9999-12-31T00:00:00Z' "$out"
out=$(rbl show 192.0.2.99 2>&1)
expect_contains "show prints the year-9999 expiry" 'expires  9999-12-31T23:59:59Z' "$out"
expect_not_contains "show does not call a year-9999 entry expired" 'expired' "$out"
out=$(rbl export "$ZONE" 2>&1)
expect_contains "export --format rbldnsd writes the year-9999 entry" '192.0.2.99/32 :127.0.0.2:until the end' "$out"
expect_contains "export --format rbldnsd writes the year-9999 CSV entry" '192.0.2.98/32 :127.0.0.2:' "$out"
expect_contains "export --format rbldnsd leaves nothing out as expired" '(0 expired left out)' "$out"
out=$(rbl export "$ZONE" --format bind 2>&1)
expect_contains "export --format bind writes the year-9999 entry" $'99.2.0.192\tA\t127.0.0.2' "$out"
expect_contains "export --format bind writes its TXT" '"until the end"' "$out"

finish
