#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_version.sh — dnsbld --version and rbltool --version print the project's version (set once, in CMakeLists.txt)
# and the versions of the libraries each one uses, as those libraries report them at run time: LMDB and libuv for
# both, ldns for rbltool (dnsbld does not link ldns). Exit status 0, nothing on stderr, no store opened.
set -u
. "$(dirname "$0")/lib.sh"

# expect_version PROGRAM OUTPUT LIBRARY VERSION: OUTPUT has the line "LIBRARY VERSION" (LMDB adds a date after ':').
expect_version_line() {
	local check=$1 pattern=$2 out=$3
	if grep -qE -- "$pattern" <<<"$out"; then
		it_pass "$check"
	else
		it_fail "$check" "a line matching /$pattern/" "(none)" "$out"
	fi
}

lmdb=$(pkg-config --modversion lmdb)
libuv=$(pkg-config --modversion libuv)
ldns=$(pkg-config --modversion ldns)

for program in dnsbld rbltool; do
	case $program in
	dnsbld) bin=$DNSBLD ;;
	rbltool) bin=$RBLTOOL ;;
	esac
	out=$(DNSBL_DB="$IT_TMP/no-such-store" "$bin" --version 2>"$IT_TMP/stderr")
	expect_exit "$program --version exits 0" 0 $? "$(cat "$IT_TMP/stderr")"
	expect_eq "$program --version writes nothing on stderr" "" "$(cat "$IT_TMP/stderr")"
	expect_eq "$program --version: the first line is the program and the project's version" \
		"$program $RBL_VERSION" "$(head -n 1 <<<"$out")"
	expect_version_line "$program --version names LMDB $lmdb" "^LMDB ${lmdb//./\\.}(:|$)" "$out"
	expect_version_line "$program --version names libuv $libuv" "^libuv ${libuv//./\\.}$" "$out"
	[ -e "$IT_TMP/no-such-store" ] && it_fail "$program --version opens no store" "no $IT_TMP/no-such-store" \
		"it was created"
done
expect_version_line "rbltool --version names ldns $ldns" "^ldns ${ldns//./\\.}$" "$("$RBLTOOL" --version)"
expect_not_contains "dnsbld --version does not name ldns (it does not link it)" "ldns" "$("$DNSBLD" --version)"
finish
