#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The demo zone demo.rbl.example: its definition and data, as rbltool commands (idempotent: the zone is recreated).
#
# RFC 5782 test points: every DNSxL must list 127.0.0.2 (so a client can check the list works: the query
# 2.0.0.127.demo.rbl.example must answer) and must never list 127.0.0.1 (so a client can check the list is not
# answering everything). dnsbld answers both in every zone whatever the data says; the demo data lists 127.0.0.2
# explicitly anyway, with a text of its own, which dnsbld then serves. For IPv6 the same holds for ::ffff:7f00:2
# and ::ffff:7f00:1, answered from the IPv4 data.
#
# Addresses are from the documentation ranges (RFC 5737, RFC 3849): nothing real is listed.
set -euo pipefail
r() { "${RBLTOOL:-rbltool}" "$@" >/dev/null; }
zone=demo.rbl.example

"${RBLTOOL:-rbltool}" zone show "$zone" >/dev/null 2>&1 && r zone delete "$zone"
r zone create "$zone" --ns ns1.demo.rbl.example=127.0.0.1 --contact hostmaster@demo.rbl.example --ttl 900 \
  --txt 'Listed in demo.rbl.example: see https://demo.rbl.example/lookup?ip=$'

# The RFC 5782 test point, with its own text.
r add "$zone" 127.0.0.2 --reason 'RFC 5782 test point: this list is working'
# An open relay found by a probe, listed for 30 days.
r add "$zone" 192.0.2.25 --reason 'Open relay at $: accepted mail for external domains' \
  --source 'probe 2026-11-27' --expires 30d
# A whole network of open relays with its own code, and one host inside it that was fixed.
r add "$zone" 198.51.100.0/24 --code 127.0.0.3 --reason 'Network of open relays (198.51.100.0/24)'
r exclude "$zone" 198.51.100.42 --reason 'relay closed, confirmed by retest'
# A host listed in two categories at once: one A record per code.
r add "$zone" 203.0.113.7 --code 127.0.0.2 --code 127.0.0.4 --reason 'Open relay and open proxy at $'
# IPv6: a /48 of relays and a single host.
r add "$zone" 2001:db8:bad::/48 --reason 'IPv6 open relays'
r add "$zone" 2001:db8::25 --reason 'IPv6 open relay at $'
