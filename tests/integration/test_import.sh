#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_import.sh — pins rbltool import: plain, CSV and rbldnsd files (gzip too) land in one transaction and are
# answered by a running dnsbld at once; a bad line refuses the whole file naming file:line and writes nothing;
# --skip-bad imports the rest and names every skipped line; --replace makes the zone equal to the file and reports
# added / updated / removed / unchanged; a combined file becomes member zones of an aggregate zone; $SOA and $NS
# set the zone's SOA and NS.
set -u
. "$(dirname "$0")/lib.sh"

ZONE=imp.rbl.test
IT_ZONE=$ZONE
D=$IT_TMP/data
mkdir -p "$D"

rbl zone create "$ZONE" --ns ns1.rbl.test >/dev/null
start_dnsbld || finish

# --- plain
printf '# open relays\n192.0.2.1\n192.0.2.2 # with a comment\n198.51.100.0/24\n!198.51.100.7\n2001:db8::25\n' >"$D/plain.txt"
out=$(rbl import "$ZONE" "$D/plain.txt" --format plain --code 127.0.0.3 --reason 'plain list: $' 2>&1)
expect_exit "plain import succeeds" 0 $? "$out"
expect_contains "plain import reports what it added" "5 added, 0 updated, 0 removed, 0 unchanged" "$out"
expect_answer_contains "a plain-list address is answered at once" "IN A 127.0.0.3" "$(q "$(v4_rev 192.0.2.2).$ZONE" A)"
expect_txt "the --reason template is the plain entries' TXT" 'plain list: 198.51.100.8' \
	"$(q "$(v4_rev 198.51.100.8).$ZONE" TXT)"
expect_nxdomain "a plain-list exclusion is a hole in its range" "$(q "$(v4_rev 198.51.100.7).$ZONE" A)"
expect_answer_contains "a plain-list IPv6 address is answered" "IN A 127.0.0.3" "$(q "$(v6_rev 2001:db8::25).$ZONE" A)"

# --- a bad line refuses the whole file
before=$(rbl list "$ZONE")
printf '203.0.113.1\n203.0.113.300\n203.0.113.2\n' >"$D/bad.txt"
out=$(rbl import "$ZONE" "$D/bad.txt" 2>&1)
expect_exit "a file with a bad line is refused" 2 $? "$out"
expect_contains "the refusal names file:line" "$D/bad.txt:2:" "$out"
expect_contains "the refusal names the bad text" "203.0.113.300" "$out"
expect_eq "a refused file writes nothing" "$before" "$(rbl list "$ZONE")"
expect_nxdomain "a refused file's good lines are not served" "$(q "$(v4_rev 203.0.113.1).$ZONE" A)"

# --- --skip-bad
out=$(rbl import "$ZONE" "$D/bad.txt" --skip-bad 2>&1)
expect_exit "--skip-bad imports the rest" 0 $? "$out"
expect_contains "--skip-bad names the skipped line" "$D/bad.txt:2:" "$out"
expect_contains "--skip-bad counts the skipped line" "1 bad line skipped" "$out"
expect_answer_contains "--skip-bad's good lines are served" "IN A 127.0.0.2" "$(q "$(v4_rev 203.0.113.2).$ZONE" A)"

# --- CSV, gzip
cat >"$D/list.csv" <<'CSV'
address,code,reason,source,expires
192.0.2.50,127.0.0.4,"relay, confirmed: $",abuse desk,30d
192.0.2.51,127.0.0.4 127.0.0.5,"said ""hi""",,
CSV
gzip -c "$D/list.csv" >"$D/list.csv.gz"
out=$(rbl import "$ZONE" "$D/list.csv.gz" --format csv 2>&1)
expect_exit "a gzip CSV import succeeds" 0 $? "$out"
expect_txt "a quoted CSV reason with a comma is the TXT" 'relay, confirmed: 192.0.2.50' \
	"$(q "$(v4_rev 192.0.2.50).$ZONE" TXT)"
expect_answer_count "several codes in one CSV field answer one A each" 2 "$(q "$(v4_rev 192.0.2.51).$ZONE" A)" A
expect_contains "the CSV source column is recorded" "abuse desk" "$(rbl show 192.0.2.50)"
expect_not_contains "the CSV expires column sets an expiry" "never" "$(rbl list "$ZONE" | grep '^192.0.2.50/')"
printf 'code,reason\n127.0.0.2,x\n' >"$D/noaddr.csv"
out=$(rbl import "$ZONE" "$D/noaddr.csv" --format csv 2>&1)
expect_exit "a CSV without an address column is refused" 2 $? "$out"
expect_contains "the refusal says the address column is missing" "no address column" "$out"

# --- rbldnsd ip4set with $SOA / $NS / templates, and --replace
cat >"$D/rbl.data" <<'DATA'
$SOA 0 ns1.rbl.test hostmaster.rbl.test 0 1h 10m 1w 5m
$NS 0 ns1.rbl.test ns2.rbl.test
$1 see https://rbl.test/
:127.0.0.2:Listed: $ ($1)
192.0.2.1
192.0.2.60 :5:
10.20.0.0-10.20.1.255
127.0.0.2
DATA
out=$(rbl import "$ZONE" "$D/rbl.data" --format rbldnsd --replace 2>&1)
expect_exit "an rbldnsd import with --replace succeeds" 0 $? "$out"
expect_contains "--replace reports what it kept, added and removed" "3 added, 1 updated, 8 removed, 0 unchanged" "$out"
expect_txt "rbldnsd's default template with \$1 answers TXT" 'Listed: 192.0.2.1 (see https://rbl.test/)' \
	"$(q "$(v4_rev 192.0.2.1).$ZONE" TXT)"
expect_nodata "an rbldnsd :5: entry has no TXT" "$(q "$(v4_rev 192.0.2.60).$ZONE" TXT)"
expect_answer_contains "an rbldnsd :5: entry answers 127.0.0.5" "IN A 127.0.0.5" "$(q "$(v4_rev 192.0.2.60).$ZONE" A)"
expect_answer_contains "an rbldnsd range's last address is listed" "IN A 127.0.0.2" "$(q "$(v4_rev 10.20.1.255).$ZONE" A)"
expect_nxdomain "an rbldnsd range's next address is not" "$(q "$(v4_rev 10.20.2.0).$ZONE" A)"
expect_nxdomain "--replace removed entries absent from the file" "$(q "$(v4_rev 192.0.2.50).$ZONE" A)"
soa=$(q "$ZONE" SOA)
expect_answer_contains "\$SOA sets the zone's SOA fields" "hostmaster.rbl.test. " "$soa"
expect_answer_contains "\$SOA sets refresh/retry/expire/minimum" "3600 600 604800 300" "$soa"
expect_answer_count "\$NS sets the zone's NS set" 2 "$(q "$ZONE" NS)" NS
out=$(rbl import "$ZONE" "$D/rbl.data" --format rbldnsd --replace 2>&1)
expect_contains "re-importing the same file changes nothing" "0 added, 0 updated, 0 removed, 4 unchanged" "$out"

# --- combined file → aggregate zone with members (the manual's example)
rbl zone create bl.rbl.test >/dev/null
cat >"$D/combined.data" <<'DATA'
$DATASET ip4set:proxy proxies @
:2:Open proxy $
127.0.0.10
$DATASET ip4set:relay relays @
:3:Open relay $
127.0.0.10
127.0.2.10
$DATASET ip4set:multihop multihop
:4:Multihop $
127.0.9.12
DATA
out=$(rbl import bl.rbl.test "$D/combined.data" --dataset combined 2>&1)
expect_exit "a combined import succeeds" 0 $? "$out"
expect_contains "a combined import fills one zone per section" "in 4 zones" "$out"
both=$(q "10.0.0.127.bl.rbl.test" A)
expect_answer_count "the aggregate answers one A per member that lists the address" 2 "$both" A
expect_answer_contains "the aggregate includes proxies' code" "IN A 127.0.0.2" "$both"
expect_answer_contains "the aggregate includes relays' code" "IN A 127.0.0.3" "$both"
expect_answer_count "the aggregate answers each member's TXT" 2 "$(q "10.0.0.127.bl.rbl.test" TXT)" TXT
expect_nxdomain "a section not served at @ stays out of the aggregate" "$(q "12.9.0.127.bl.rbl.test" A)"
expect_answer_contains "each section answers as its own subzone" "IN A 127.0.0.4" "$(q "12.9.0.127.multihop.bl.rbl.test" A)"
expect_nxdomain "a subzone answers only for its own section" "$(q "10.2.0.127.proxies.bl.rbl.test" A)"

finish
