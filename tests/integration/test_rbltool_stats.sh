#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_rbltool_stats.sh — pins rbltool stats against counts worked out by hand: entries by prefix with exclusions
# apart, the listed address space with nested listings, holes, listings inside holes and expired entries (which the
# query path ignores), the whole IPv4 and IPv6 spaces exactly, expiry buckets, the top 10 sources, codes with the
# zone's default, the journal; the text and every --json field; an unknown zone is bad input (exit 2), an unwritable
# output exit 1.
set -u
. "$(dirname "$0")/lib.sh"

export LC_ALL=C
ZONE=stats.rbl.test
MANY=many.rbl.test
WIDE=wide.rbl.test

require_jq

# --- the store ----------------------------------------------------------------------------------------------------

rbl zone create "$ZONE" --code 127.0.0.5 >/dev/null 2>&1
{
	rbl add "$ZONE" 192.0.2.1 --source alpha
	rbl add "$ZONE" 192.0.2.2 --source alpha --code 127.0.0.3
	rbl add "$ZONE" 192.0.2.3 --source alpha --expires 1h
	rbl add "$ZONE" 198.51.100.0/24 --source beta --code 127.0.0.3 --code 127.0.0.4 --expires 3d
	rbl add "$ZONE" 198.51.100.7 --source beta --code 127.0.0.5      # nested in the /24: no address more
	rbl exclude "$ZONE" 198.51.100.16/28 --source gamma               # a hole of 16
	rbl add "$ZONE" 198.51.100.20/30 --source gamma --expires 30d     # 4 listed again inside the hole
	rbl exclude "$ZONE" 198.51.100.128/25 --source gamma --expires 1s # expired: the /24 answers there again
	rbl add "$ZONE" 203.0.113.9 --expires 1s                          # expired: not listed
	rbl add "$ZONE" 2001:db8::/64 --source delta
	rbl exclude "$ZONE" 2001:db8::/120 --source delta                 # a hole of 256
	rbl add "$ZONE" 2001:db8::1 --source delta                        # 1 listed again inside it
	rbl add "$ZONE" 2001:db8:1::1
} >/dev/null
rbl zone create "$MANY" >/dev/null
for i in 01 02 03 04 05 06 07 08 09 10 11 12; do
	rbl add "$MANY" "192.0.2.$((10#$i))" --source "s$i" >/dev/null
done
rbl add "$MANY" 192.0.2.100 --source s12 >/dev/null
rbl zone create "$WIDE" >/dev/null
rbl add "$WIDE" 0.0.0.0/0 --allow-wide >/dev/null
rbl add "$WIDE" ::/0 --allow-wide >/dev/null
sleep 2 # the 1s expiries pass

# --- --json of one zone --------------------------------------------------------------------------------------------

json=$(rbl stats "$ZONE" --json)
jq_eq "one zone given: one zone in the document, by name" '[.zones[].name] | join(",")' "$json" "$ZONE"
serial=$(rbl zone show "$ZONE" --json | jq -r .soa.serial)
jq_eq "serial: the zone's SOA serial" '.zones[0].serial' "$json" "$serial"
jq_eq "entries.total: every entry, exclusions and expired ones included" '.zones[0].entries.total' "$json" 13
jq_eq "entries.exclusions: counted apart" '.zones[0].entries.exclusions' "$json" 3
jq_eq "entries.by_prefix: listings by family and length, in that order" \
	'.zones[0].entries.by_prefix | to_entries | map("\(.key)=\(.value)") | join(" ")' "$json" \
	"v4/24=1 v4/30=1 v4/32=5 v6/64=1 v6/128=2"
# 3 (192.0.2.1-3) + 256 - 16 + 4 (the /24, its hole, the /30 in the hole; the expired /25 hole is no hole) = 247
jq_eq "listed_addresses.v4: nested once, holes out, listings in holes back, expired entries ignored" \
	'.zones[0].listed_addresses.v4' "$json" 247
# 2^64 - 256 + 1 + 1
jq_eq "listed_addresses.v6: exact, as a decimal string" '.zones[0].listed_addresses.v6 | tostring' "$json" \
	"18446744073709551362"
jq_eq "listed_addresses.v6 is a string (it passes 2^53)" '.zones[0].listed_addresses.v6 | type' "$json" string
jq_eq "expiring.expired: expired, not yet purged" '.zones[0].expiring.expired' "$json" 2
jq_eq "expiring.day: expiring within a day (1h)" '.zones[0].expiring.day' "$json" 1
jq_eq "expiring.week: within a week, the day's included (1h, 3d; not 30d)" '.zones[0].expiring.week' "$json" 2
jq_eq "sources: most first, ties by name, \"\" for none" \
	'.zones[0].sources | map("\(.source)=\(.count)") | join(" ")' "$json" "alpha=3 delta=3 gamma=3 =2 beta=2"
jq_eq "codes: each listing's codes, the zone's default for none, in code order" \
	'.zones[0].codes | map("\(.code)=\(.count)") | join(" ")' "$json" "127.0.0.3=2 127.0.0.4=1 127.0.0.5=8"
jq_eq "journal.records: one record a change" '.zones[0].journal.records' "$json" 13
jq_eq "the fields of a zone, in order" '.zones[0] | keys_unsorted | join(",")' "$json" \
	"name,serial,entries,listed_addresses,expiring,sources,codes,journal"

# --- every zone, the top 10, the whole address space ------------------------------------------------------------------

json=$(rbl stats --json)
jq_eq "no zone given: every zone, in name order" '[.zones[].name] | join(",")' "$json" "$MANY,$ZONE,$WIDE"
jq_eq "sources: the top 10 only" '.zones[0].sources | map("\(.source)=\(.count)") | join(" ")' "$json" \
	"s12=2 s01=1 s02=1 s03=1 s04=1 s05=1 s06=1 s07=1 s08=1 s09=1"
expect_contains "text: a top 10 says so" "  sources: 12, the top 10" "$(rbl stats "$MANY")"
jq_eq "0.0.0.0/0 lists 2^32 addresses" '.zones[2].listed_addresses.v4' "$json" 4294967296
jq_eq "::/0 lists 2^128 addresses, exactly" '.zones[2].listed_addresses.v6' "$json" \
	"340282366920938463463374607431768211456"
rbl exclude "$WIDE" ::/1 >/dev/null
rbl exclude "$WIDE" 0.0.0.0/1 >/dev/null
json=$(rbl stats "$WIDE" --json)
jq_eq "::/0 less ::/1 is 2^127" '.zones[0].listed_addresses.v6' "$json" "170141183460469231731687303715884105728"
jq_eq "0.0.0.0/0 less 0.0.0.0/1 is 2^31" '.zones[0].listed_addresses.v4' "$json" 2147483648
rbl add "$MANY" 10.0.0.0/8 >/dev/null
rbl exclude "$MANY" 10.0.0.0/8 >/dev/null # the same network again: the exclusion replaces the listing
jq_eq "a listing replaced by an exclusion lists nothing" '.zones[0].listed_addresses.v4' "$(rbl stats "$MANY" --json)" 13

# --- the text -------------------------------------------------------------------------------------------------------

text=$(rbl stats "$ZONE")
expect_contains "text: the zone and its serial" "zone $ZONE (serial $serial)" "$text"
expect_contains "text: entries, listings and exclusions" "  entries: 13 (10 listings, 3 exclusions)" "$text"
expect_contains "text: a prefix length's count" "    IPv4 /32: 5" "$text"
expect_contains "text: IPv6 prefix lengths" "    IPv6 /128: 2" "$text"
expect_contains "text: listed addresses, grouped, with IPv6 in /64s" \
	"  listed addresses: IPv4 247, IPv6 18,446,744,073,709,551,362 (in /64s: 1)" "$text"
expect_contains "text: expiry" "  expiring: 2 expired (not purged), 1 within a day, 2 within a week" "$text"
expect_contains "text: sources" "  sources: 5" "$text"
expect_contains "text: an entry without a source" "    (none): 2" "$text"
expect_contains "text: the default code" "    127.0.0.5: 8" "$text"
expect_contains "text: the journal" "  journal: 13 records" "$text"
expect_eq "text of every zone: one block each" 3 "$(rbl stats | grep -c '^zone ')"

# --- bad input and failures ---------------------------------------------------------------------------------------

err=$(rbl stats nosuch.rbl.test 2>&1 >/dev/null)
expect_exit "an unknown zone is bad input" 2 $?
expect_contains "the message names the zone" "nosuch.rbl.test" "$err"
rbl stats "$ZONE" "$WIDE" >/dev/null 2>&1
expect_exit "two zones are bad input" 2 $?
rbl stats --bogus >/dev/null 2>&1
expect_exit "an unknown option is bad input" 2 $?
err=$("$RBLTOOL" --db "$IT_TMP/none" stats 2>&1)
expect_exit "no store: exit 1" 1 $?
expect_contains "no store: said so" "no store" "$err"
err=$(rbl stats 2>&1 >/dev/full)
expect_exit "stats > /dev/full: exit 1" 1 $?
expect_contains "stats > /dev/full: says why" "cannot write the output" "$err"
rbl stats "$ZONE" --json >/dev/full 2>/dev/null
expect_exit "stats --json > /dev/full: exit 1" 1 $?

finish
