#!/usr/bin/env bash
# Installs the Debian packages dnsbld needs to build, test and demo. Idempotent: installs only what is missing.
set -euo pipefail

packages=(
  cmake make gcc pkg-config           # build
  liblmdb-dev libuv1-dev libldns-dev zlib1g-dev # the libraries dnsbld links
  libcmocka-dev                       # unit tests
  bind9-dnsutils ldnsutils lmdb-utils # dig, drill, mdb_stat: integration tests and inspection
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
