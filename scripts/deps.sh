#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Installs the Debian packages dnsbld needs to build, test and demo. Idempotent: installs only what is missing.
set -euo pipefail

packages=(
  cmake make gcc pkg-config           # build
  liblmdb-dev libuv1-dev libldns-dev zlib1g-dev # the libraries dnsbld links
  libssl-dev                          # libcrypto: the HMAC of a signed TSIG BADTIME answer (rbl_xfr)
  libinih-dev libsystemd-dev          # dnsbld.conf (rbl_conf) and sd_notify
  libmicrohttpd-dev                   # dnsbld's GET /metrics (dnsbld/metrics_http.c), rbltool web (rbl_web)
  libunbound-dev libjansson-dev       # rbltool: reverse DNS and blocklist lookups (rbl_resolve), --json output
  libcmocka-dev                       # unit tests
  clang libclang-rt-dev               # scripts/fuzz.sh: clang with libFuzzer and the ASan/UBSan runtimes
  bind9-dnsutils ldnsutils lmdb-utils # dig, drill, mdb_stat: integration tests and inspection
  rbldnsd bind9-utils nsd             # rbltool export's integration test: rbldnsd, named-checkzone, NSD
  knot                                # zone transfers (tests/integration/secondary_lib.sh): Knot as a secondary and as
                                      # a reference primary, knotc (its service kept from starting by the policy-rc.d)
  postfix                             # the relay-probe pipeline's test: a private Postfix as the probed MTA
  socat                               # test_config.sh listens on a NOTIFY_SOCKET with it
  jq                                  # the tests read rbltool --json output with it
  dpkg-dev adduser                    # the .deb: cpack's dpkg-shlibdeps; postinst's adduser (test_package.sh)
  mandoc man-db systemd               # man pages: mandoc -T lint, man -w; systemd-analyze verify of the unit
  m4 swaks iproute2 util-linux        # the MTA matrix (tests/integration/mta_unpack_lib.sh): Sendmail's .cf, swaks
                                      # as a second opinion, network and mount namespaces. Exim, OpenSMTPD and
                                      # Sendmail conflict with postfix: the tests unpack them (apt-get download)
  unbound dns-root-data               # the mail-stack test (test_mail_stack.sh): a private unbound in front of dnsbld,
                                      # validating with the root key as Debian's does; swaks and socat are its clients
  spamassassin                        # the same test lints the README's check_rbl rule (spamassassin --lint)
  prometheus                          # promtool check metrics: test_metrics_format.sh (its service kept from
                                      # starting by the policy-rc.d below)
  chromium chromium-driver python3-selenium # the lookup page in a real browser (test_web_browser.sh)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}" >&2
# Servers the tests run themselves (NSD, Postfix, unbound, spamd) must not start as system services on install: a
# policy-rc.d that says "no" (exit 101) stops invoke-rc.d for the duration, unless the machine already has one.
policy=/usr/sbin/policy-rc.d
own_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
  own_policy=1
fi
cleanup() { [ -z "$own_policy" ] || $sudo rm -f "$policy"; }
trap cleanup EXIT
$sudo apt-get update -qq
# Postfix asks what kind of mail system this is: "No configuration" writes no main.cf and sets up no system mail
# (the test runs its own instance from a config directory of its own). Asked only when Postfix is being installed.
if [[ " ${missing[*]} " == *" postfix "* ]]; then
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
fi
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
