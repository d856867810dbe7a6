#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Installs what is missing, builds twice (warnings as errors; then AddressSanitizer + UndefinedBehaviorSanitizer)
# and runs every test (unit and integration) with ctest in each build; then fuzzes every parser for 30 s
# (scripts/fuzz.sh --ci: clang, libFuzzer, ASan + UBSan).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"

run_build() {
  local dir=$1; shift
  rm -rf "$dir"
  cmake -S "$top" -B "$dir" -DRBL_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)"
  (cd "$dir" && ctest --output-on-failure -j2)
}

echo "== build with -Werror, run the tests"
run_build "$top/build/test"
echo "== build with ASan + UBSan, run the tests again"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 run_build "$top/build/sanitize" -DRBL_SANITIZE=ON
echo "== fuzz every parser for 30 s (scripts/fuzz.sh --ci)"
"$top/scripts/fuzz.sh" --ci
