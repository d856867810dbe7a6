#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# spdx.sh — puts the SPDX licence line at the top of every source file that lacks one (after a #! line); with
# --check, lists those files and exits 1 if there are any. The test suite runs the check.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
check=""
[ "${1:-}" = "--check" ] && check=1
tag="SPDX-License-Identifier: BSD-2-Clause"
missing=0
while IFS= read -r f; do
	head -n 3 "$f" | grep -q "$tag" && continue
	if [ -n "$check" ]; then
		echo "no SPDX line: $f"
		missing=1
		continue
	fi
	case $f in
	*.c | *.h) line="/* $tag */" ;;
	*) line="# $tag" ;;
	esac
	if head -n 1 "$f" | grep -q '^#!'; then
		{ head -n 1 "$f"; echo "$line"; tail -n +2 "$f"; } >"$f.spdx"
	else
		{ echo "$line"; cat "$f"; } >"$f.spdx"
	fi
	chmod --reference="$f" "$f.spdx"
	mv "$f.spdx" "$f"
done < <(git ls-files --cached --others --exclude-standard -- '*.c' '*.h' '*.sh' 'CMakeLists.txt' '*/CMakeLists.txt' \
	'bench/run' '.ci/run')
exit $missing
