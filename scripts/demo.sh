#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The quick start: installs what is missing, builds, loads the demo zone (zones/demo.sh) into the default store
# and runs dnsbld in the foreground on 127.0.0.1:5300. Try, from another terminal:
#   dig @127.0.0.1 -p 5300 2.0.0.127.demo.rbl.example A
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
cmake -S "$top" -B "$top/build/release" -DCMAKE_BUILD_TYPE=Release -DRBL_TESTS=OFF >/dev/null
cmake --build "$top/build/release" -j"$(nproc)" >/dev/null
export PATH="$top/build/release/rbltool:$top/build/release/dnsbld:$PATH"
RBLTOOL=rbltool bash "$top/zones/demo.sh"
echo "serving; try: dig @127.0.0.1 -p 5300 2.0.0.127.demo.rbl.example A   (Ctrl-C stops)" >&2
# dnsbld refuses to run as root unless told: a demo run as root says so.
root_opt=()
[ "$(id -u)" = 0 ] && root_opt=(--allow-root)
exec dnsbld "${root_opt[@]}" --listen 127.0.0.1:5300 "$@"
