#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_answers.sh — pins docs/DESIGN.md's answers table end to end: a store built with rbltool, a running dnsbld, dig.
#
# Every row is checked over UDP and again over TCP: listed A (one per code, the zone's TTL) and TXT ('$' replaced,
# no-text entries NODATA), other types NODATA, unlisted / excluded / expired NXDOMAIN with the SOA, empty
# non-terminals, non-address names, IPv6 nibble names and ::ffff:a.b.c.d, the RFC 5782 test points whatever the data,
# the apex, REFUSED outside the zones and for class CH, EDNS0 (payload 1232, BADVERS, TC=1), case kept, AA. Then the
# live rows: rbltool add / del / zone create are seen by the very next query, and rbltool query agrees with dig.
# shellcheck disable=SC2119 # start_dnsbld takes optional dnsbld options; none are needed here
set -u
. "$(dirname "$0")/lib.sh"

ZONE=demo.rbl.test
IT_ZONE=$ZONE
TTL=600          # the zone's record TTL (--ttl)
NEG_TTL=300      # the SOA minimum, the TTL of the SOA in negative answers (rbltool's default)
BIG_REASON="Relayed spam for \$: $(printf '0123456789%.0s' $(seq 58))" # ~600 bytes: over 512 with its record

# rbltool ARGS... must succeed: one check.
seed() {
	local out
	out=$(rbl "$@" 2>&1)
	expect_exit "rbltool $* succeeds" 0 $? "$out"
}

setup_store() {
	# Name servers inside the zone, with their addresses (glue).
	seed zone create "$ZONE" --ns ns1.demo.rbl.test=127.0.0.1,::1 --ns ns2.demo.rbl.test=127.0.0.1 \
		--contact hostmaster@example.org --ttl "$TTL"
	NEG_TTL=$(rbl zone show "$ZONE" | awk '$1 == "soa" {print $8}')
	seed add "$ZONE" 192.0.2.1
	seed add "$ZONE" 192.0.2.3
	seed add "$ZONE" 198.51.100.0/24 --code 127.0.0.3 --reason 'Open relay $, see https://rbl.example/lookup?ip=$'
	seed add "$ZONE" 10.0.0.0/8 --code 127.0.0.4      # nested CIDRs: the deepest wins
	seed add "$ZONE" 10.1.0.0/16 --code 127.0.0.5
	seed add "$ZONE" 10.1.2.0/24 --code 127.0.0.6
	seed exclude "$ZONE" 10.1.2.128/28                 # a hole inside the /24
	seed add "$ZONE" 2001:db8:abcd::/48 --code 127.0.0.7
	seed add "$ZONE" 2001:db8::1/128
	seed add "$ZONE" 203.0.113.7 --no-text
	seed add "$ZONE" 203.0.113.9 --code 127.0.0.2 --code 127.0.0.10 --code 127.0.0.11
	seed add "$ZONE" 127.0.0.1 --reason 'data that must never be served' # the test points win over the data
	seed exclude "$ZONE" 127.0.0.2
	local out
	out=$(rbl add "$ZONE" 203.0.113.50 --reason "$BIG_REASON" 2>&1)
	expect_exit "rbltool add takes a 600-byte reason" 0 $? "$out"
}

# Every static row of the answers table, over the transport in DIG_TRANSPORT; T is the check-name prefix.
check_answers_table() {
	local T=$1 out n6 name

	# --- listed A: one A per code, the zone's TTL, AA
	out=$(q "1.2.0.192.$ZONE" A)
	expect_rcode "$T listed address answers NOERROR" NOERROR "$out"
	expect_flag "$T listed address answer is authoritative (AA)" aa "$out"
	expect_answer_count "$T listed address answers one A for its one code" 1 "$out" A
	expect_answer_contains "$T listed A has the zone's TTL and the default code" "$TTL IN A 127.0.0.2" "$out"
	out=$(q "5.100.51.198.$ZONE" A)
	expect_answer_contains "$T address inside a listed CIDR answers the CIDR's code" "IN A 127.0.0.3" "$out"
	expect_answer_count "$T address inside a listed CIDR answers one A" 1 "$out" A
	out=$(q "9.113.0.203.$ZONE" A)
	expect_answer_count "$T entry with three codes answers three A records" 3 "$out" A
	expect_answer_contains "$T entry with three codes answers 127.0.0.2" "IN A 127.0.0.2" "$out"
	expect_answer_contains "$T entry with three codes answers 127.0.0.10" "IN A 127.0.0.10" "$out"
	expect_answer_contains "$T entry with three codes answers 127.0.0.11" "IN A 127.0.0.11" "$out"

	# --- nested CIDRs: the deepest wins; an exclusion is a hole
	out=$(q "9.9.9.10.$ZONE" A)
	expect_answer_contains "$T address only in the /8 answers the /8's code" "IN A 127.0.0.4" "$out"
	out=$(q "9.9.1.10.$ZONE" A)
	expect_answer_contains "$T address in the nested /16 answers the /16's code" "IN A 127.0.0.5" "$out"
	expect_answer_count "$T address in nested CIDRs answers only the deepest code" 1 "$out" A
	out=$(q "9.2.1.10.$ZONE" A)
	expect_answer_contains "$T address in the nested /24 answers the /24's code" "IN A 127.0.0.6" "$out"
	out=$(q "130.2.1.10.$ZONE" A)
	expect_nxdomain "$T address inside an excluded /28 is NXDOMAIN" "$out" "$NEG_TTL"
	out=$(q "128.2.1.10.$ZONE" A)
	expect_nxdomain "$T first address of the excluded /28 is NXDOMAIN" "$out" "$NEG_TTL"
	out=$(q "143.2.1.10.$ZONE" A)
	expect_nxdomain "$T last address of the excluded /28 is NXDOMAIN" "$out" "$NEG_TTL"
	out=$(q "144.2.1.10.$ZONE" A)
	expect_answer_contains "$T address just past the exclusion is listed again" "IN A 127.0.0.6" "$out"
	out=$(q "127.2.1.10.$ZONE" A)
	expect_answer_contains "$T address just before the exclusion is listed" "IN A 127.0.0.6" "$out"

	# --- listed TXT
	out=$(q "1.2.0.192.$ZONE" TXT)
	expect_rcode "$T listed TXT answers NOERROR" NOERROR "$out"
	expect_flag "$T listed TXT answer is authoritative (AA)" aa "$out"
	expect_txt "$T entry without a reason answers the zone's template with \$ replaced" \
		"Listed: see the operator of this list about 192.0.2.1" "$out"
	expect_answer_contains "$T listed TXT has the zone's TTL" "$TTL IN TXT" "$out"
	out=$(q "5.100.51.198.$ZONE" TXT)
	expect_txt "$T reason with '\$' answers with every '\$' replaced by the queried address" \
		"Open relay 198.51.100.5, see https://rbl.example/lookup?ip=198.51.100.5" "$out"
	out=$(q "7.113.0.203.$ZONE" TXT)
	expect_nodata "$T TXT of a --no-text entry is NODATA" "$out" "$NEG_TTL"
	out=$(q "7.113.0.203.$ZONE" A)
	expect_answer_contains "$T A of a --no-text entry is still answered" "IN A 127.0.0.2" "$out"

	# --- listed name, other types: NODATA with the SOA (TTL = SOA minimum)
	out=$(q "1.2.0.192.$ZONE" AAAA)
	expect_nodata "$T AAAA on a listed name is NODATA with the SOA (TTL = minimum)" "$out" "$NEG_TTL"
	out=$(q "1.2.0.192.$ZONE" MX)
	expect_nodata "$T MX on a listed name is NODATA with the SOA" "$out" "$NEG_TTL"
	out=$(q "1.2.0.192.$ZONE" ANY)
	expect_answer_count "$T ANY on a listed name answers its A" 1 "$out" A
	expect_answer_count "$T ANY on a listed name answers its TXT" 1 "$out" TXT

	# --- not listed, excluded: NXDOMAIN with the SOA
	out=$(q "2.2.0.192.$ZONE" A)
	expect_nxdomain "$T unlisted address between two listed ones is NXDOMAIN with the SOA" "$out" "$NEG_TTL"
	expect_authority_contains "$T NXDOMAIN carries the zone's SOA" \
		"$ZONE. $NEG_TTL IN SOA ns1.demo.rbl.test. hostmaster.example.org." "$out"
	out=$(q "1.0.0.11.$ZONE" TXT)
	expect_nxdomain "$T TXT of an unlisted address is NXDOMAIN" "$out" "$NEG_TTL"

	# --- empty non-terminals: NODATA when something is listed below, NXDOMAIN otherwise
	for name in 0.127 0.0.127 2.0.192 0.192 192 100.51.198 1.10 113.0.203; do
		out=$(q "$name.$ZONE" A)
		expect_nodata "$T partial name $name (something listed below) is NODATA" "$out" "$NEG_TTL"
	done
	for name in 3.0.192 1.192 114.0.203 99 2.2.1.10.1; do
		out=$(q "$name.$ZONE" A)
		expect_nxdomain "$T name $name (nothing listed below, or not an address range) is NXDOMAIN" "$out" \
			"$NEG_TTL"
	done
	out=$(q "$(v6_rev 2001:db8:abcd:: 12).$ZONE" A)
	expect_nodata "$T IPv6 partial name of the listed /48 is NODATA" "$out" "$NEG_TTL"
	out=$(q "$(v6_rev 2001:db8:: 8).$ZONE" A)
	expect_nodata "$T IPv6 partial name of a /32 holding listings is NODATA" "$out" "$NEG_TTL"
	out=$(q "$(v6_rev 2001:db8:abcd:1:: 20).$ZONE" A)
	expect_nodata "$T IPv6 partial name inside the listed /48 is NODATA" "$out" "$NEG_TTL"
	out=$(q "$(v6_rev 2001:db8:: 16).$ZONE" A)
	expect_nodata "$T IPv6 partial name of a /64 holding a listed /128 is NODATA" "$out" "$NEG_TTL"
	out=$(q "$(v6_rev ::ffff:c000:200 30).$ZONE" A)
	expect_nodata "$T IPv6 partial name inside ::ffff:0:0/96 asks the IPv4 data (192.0.2.0/24)" "$out" "$NEG_TTL"
	out=$(q "$(v6_rev 2001:db9:: 8).$ZONE" A)
	expect_nxdomain "$T IPv6 partial name with nothing below is NXDOMAIN" "$out" "$NEG_TTL"
	out=$(q "$(v6_rev 2001:db8:abce:: 12).$ZONE" A)
	expect_nxdomain "$T IPv6 partial name of an unlisted /48 is NXDOMAIN" "$out" "$NEG_TTL"
	out=$(q "$(v6_rev ::ffff:c000:300 30).$ZONE" A)
	expect_nxdomain "$T IPv6 partial name of an unlisted IPv4-mapped range is NXDOMAIN" "$out" "$NEG_TTL"

	# --- non-numeric or too many labels
	out=$(q "foo.$ZONE" A)
	expect_nxdomain "$T non-numeric label is NXDOMAIN" "$out" "$NEG_TTL"
	out=$(q "www.1.2.0.192.$ZONE" A)
	expect_nxdomain "$T name below a listed address is NXDOMAIN" "$out" "$NEG_TTL"
	out=$(q "1.1.2.0.192.$ZONE" A)
	expect_nxdomain "$T five decimal labels are NXDOMAIN" "$out" "$NEG_TTL"
	out=$(q "256.2.0.192.$ZONE" A)
	expect_nxdomain "$T octet over 255 is NXDOMAIN" "$out" "$NEG_TTL"
	out=$(q "0.$(v6_rev 2001:db8::1).$ZONE" A)
	expect_nxdomain "$T 33 nibble labels are NXDOMAIN" "$out" "$NEG_TTL"
	out=$(q "$(v6_rev 2001:db8::1 31).10.$ZONE" A)
	expect_nxdomain "$T nibble name with a two-character label is NXDOMAIN" "$out" "$NEG_TTL"

	# --- IPv6: 32 nibbles, reversed
	n6=$(v6_rev 2001:db8:abcd:1::5)
	out=$(q "$n6.$ZONE" A)
	expect_rcode "$T IPv6 address inside the listed /48 answers NOERROR" NOERROR "$out"
	expect_answer_contains "$T IPv6 address inside the listed /48 answers its code" "$TTL IN A 127.0.0.7" "$out"
	out=$(q "$n6.$ZONE" TXT)
	expect_txt "$T IPv6 TXT replaces \$ with the IPv6 address" \
		"Listed: see the operator of this list about 2001:db8:abcd:1::5" "$out"
	out=$(q "$(v6_rev 2001:db8::1).$ZONE" A)
	expect_answer_contains "$T IPv6 /128 entry answers the default code" "IN A 127.0.0.2" "$out"
	out=$(q "$(v6_rev 2001:db8::2).$ZONE" A)
	expect_nxdomain "$T IPv6 address next to the /128 is NXDOMAIN" "$out" "$NEG_TTL"
	out=$(q "$(v6_rev 2001:db8:abce::1).$ZONE" A)
	expect_nxdomain "$T IPv6 address just outside the /48 is NXDOMAIN" "$out" "$NEG_TTL"
	out=$(q "$(v6_rev 2001:db8:abcd:1::5 | tr 'a-f' 'A-F').$ZONE" A)
	expect_answer_contains "$T IPv6 name with upper-case nibbles is the same address" "IN A 127.0.0.7" "$out"

	# --- ::ffff:a.b.c.d answered from the IPv4 data
	out=$(q "$(v6_rev ::ffff:c000:201).$ZONE" A)
	expect_answer_contains "$T ::ffff:192.0.2.1 is answered from the IPv4 listing" "IN A 127.0.0.2" "$out"
	out=$(q "$(v6_rev ::ffff:c000:201).$ZONE" TXT)
	expect_txt "$T ::ffff:192.0.2.1 TXT names the IPv4 address" \
		"Listed: see the operator of this list about 192.0.2.1" "$out"
	out=$(q "$(v6_rev ::ffff:c633:6405).$ZONE" A)
	expect_answer_contains "$T ::ffff:198.51.100.5 answers the IPv4 CIDR's code" "IN A 127.0.0.3" "$out"
	out=$(q "$(v6_rev ::ffff:c000:202).$ZONE" A)
	expect_nxdomain "$T ::ffff:192.0.2.2 (unlisted in IPv4) is NXDOMAIN" "$out" "$NEG_TTL"

	# --- RFC 5782 test points, whatever the data (this data lists 127.0.0.1 and excludes 127.0.0.2)
	out=$(q "2.0.0.127.$ZONE" A)
	expect_rcode "$T test point 127.0.0.2 is listed although the data excludes it" NOERROR "$out"
	expect_answer_count "$T test point 127.0.0.2 answers one A" 1 "$out" A
	expect_answer_contains "$T test point 127.0.0.2 answers A 127.0.0.2" "IN A 127.0.0.2" "$out"
	out=$(q "2.0.0.127.$ZONE" TXT)
	expect_answer_count "$T test point 127.0.0.2 answers a TXT" 1 "$out" TXT
	expect_contains "$T test point TXT names 127.0.0.2" "127.0.0.2" "$(txt_of "$out")"
	expect_contains "$T test point TXT says it is the test point" "test point" "$(txt_of "$out")"
	out=$(q "1.0.0.127.$ZONE" A)
	expect_nxdomain "$T test point 127.0.0.1 is never listed although the data lists it" "$out" "$NEG_TTL"
	out=$(q "1.0.0.127.$ZONE" TXT)
	expect_nxdomain "$T test point 127.0.0.1 TXT is NXDOMAIN" "$out" "$NEG_TTL"
	out=$(q "$(v6_rev ::ffff:7f00:2).$ZONE" A)
	expect_answer_contains "$T test point ::ffff:7f00:2 is listed" "IN A 127.0.0.2" "$out"
	out=$(q "$(v6_rev ::ffff:7f00:1).$ZONE" A)
	expect_nxdomain "$T test point ::ffff:7f00:1 is never listed" "$out" "$NEG_TTL"

	# --- the apex
	out=$(q "$ZONE" SOA)
	expect_rcode "$T apex SOA answers NOERROR" NOERROR "$out"
	expect_flag "$T apex SOA is authoritative (AA)" aa "$out"
	expect_answer_count "$T apex SOA answers one SOA" 1 "$out" SOA
	expect_answer_contains "$T apex SOA names the first NS and the contact" \
		"IN SOA ns1.demo.rbl.test. hostmaster.example.org." "$out"
	out=$(q "$ZONE" NS)
	expect_answer_count "$T apex NS answers the NS set" 2 "$out" NS
	expect_answer_contains "$T apex NS answers ns1" "IN NS ns1.demo.rbl.test." "$out"
	expect_answer_contains "$T apex NS answers ns2" "IN NS ns2.demo.rbl.test." "$out"
	expect_contains "$T apex NS carries the in-zone name servers' addresses as glue" \
		"ns1.demo.rbl.test. $TTL IN A 127.0.0.1" "$(section_of ADDITIONAL "$out")"
	expect_contains "$T ... IPv6 glue too" "ns1.demo.rbl.test. $TTL IN AAAA ::1" "$(section_of ADDITIONAL "$out")"
	out=$(q "ns1.$ZONE" A)
	expect_answer_contains "$T an in-zone name server's A is answered" "IN A 127.0.0.1" "$out"
	expect_flag "$T ... authoritatively" aa "$out"
	out=$(q "NS1.$ZONE" AAAA)
	expect_answer_contains "$T ... and its AAAA, whatever the case of the name" "IN AAAA ::1" "$out"
	expect_nodata "$T an in-zone name server's AAAA, when it has none, is NODATA" "$(q "ns2.$ZONE" AAAA)" "$NEG_TTL"
	expect_nxdomain "$T a name next to the name servers is NXDOMAIN" "$(q "ns3.$ZONE" A)" "$NEG_TTL"
	out=$(q "$ZONE" ANY)
	expect_answer_count "$T apex ANY answers the SOA" 1 "$out" SOA
	expect_answer_count "$T apex ANY answers the NS set" 2 "$out" NS
	out=$(q "$ZONE" A)
	expect_nodata "$T apex A is NODATA" "$out" "$NEG_TTL"

	# --- outside every zone; class CH
	for name in "1.2.0.192.other.test" "rbl.test" "xdemo.rbl.test" "1.2.0.192.xdemo.rbl.test"; do
		out=$(q "$name" A)
		expect_rcode "$T name outside every zone ($name) is REFUSED" REFUSED "$out"
	done
	expect_no_flag "$T REFUSED is not authoritative" aa "$out"
	out=$(q version.bind TXT -c CH)
	expect_rcode "$T class CH version.bind is REFUSED" REFUSED "$out"
	out=$(q id.server TXT -c CH)
	expect_rcode "$T class CH id.server is REFUSED" REFUSED "$out"

	# --- EDNS0
	out=$(q "1.2.0.192.$ZONE" A +bufsize=4096)
	expect_contains "$T EDNS0 query gets an OPT with our payload size 1232" "; EDNS: version: 0, flags:; udp: 1232" \
		"$out"
	out=$(q "1.2.0.192.$ZONE" A +noedns)
	expect_rcode "$T query without EDNS0 is answered" NOERROR "$out"
	expect_not_contains "$T query without EDNS0 gets no OPT" "OPT PSEUDOSECTION" "$out"
	out=$(q "1.2.0.192.$ZONE" A +edns=1 +noednsneg)
	expect_rcode "$T EDNS version 1 is BADVERS" BADVERS "$out"
	expect_contains "$T BADVERS carries an OPT of version 0" "; EDNS: version: 0," "$out"

	# --- an answer too big for 512 bytes: TC=1 over UDP without EDNS0, whole over TCP or with EDNS0
	local big_text=${BIG_REASON//\$/203.0.113.50}
	if [ "$T" = "[udp]" ]; then
		out=$(q "50.113.0.203.$ZONE" TXT +noedns +ignore)
		expect_flag "[udp] TXT over 512 bytes without EDNS0 sets TC" tc "$out"
		expect_answer_count "[udp] truncated answer carries no partial records" 0 "$out"
		out=$(q "50.113.0.203.$ZONE" TXT +bufsize=1232 +ignore)
		expect_no_flag "[udp] the same TXT within the EDNS0 payload is not truncated" tc "$out"
		expect_txt "[udp] the same TXT within the EDNS0 payload is whole" "$big_text" "$out"
		out=$(q "50.113.0.203.$ZONE" TXT +bufsize=512 +ignore)
		expect_flag "[udp] TXT over the client's EDNS0 size (512) sets TC" tc "$out"
		expect_contains "[udp] a truncated EDNS0 answer still carries our OPT" "; EDNS: version: 0, flags:; udp: 1232" \
			"$out"
		out=$(q "50.113.0.203.$ZONE" ANY +noedns +ignore)
		expect_flag "[udp] ANY over 512 bytes without EDNS0 sets TC" tc "$out"
	else
		out=$(q "50.113.0.203.$ZONE" TXT +noedns)
		expect_no_flag "[tcp] TXT over 512 bytes is not truncated over TCP" tc "$out"
		expect_txt "[tcp] TXT over 512 bytes is whole over TCP" "$big_text" "$out"
	fi

	# --- the question's case is kept (0x20)
	out=$(q "2.0.0.127.DeMo.RbL.TeSt" A)
	expect_eq "$T answer owner keeps the question's mixed case" "2.0.0.127.DeMo.RbL.TeSt." \
		"$(section_of ANSWER "$out" | awk 'NR == 1 {print $1}')" "$out"
	out=$(q "1.2.0.192.DEMO.rbl.TEST" TXT)
	expect_eq "$T TXT owner keeps the question's case" "1.2.0.192.DEMO.rbl.TEST." \
		"$(section_of ANSWER "$out" | awk 'NR == 1 {print $1}')" "$out"
	out=$(q "2.2.0.192.dEmO.RBL.test" A)
	expect_rcode "$T mixed-case unlisted name is NXDOMAIN" NXDOMAIN "$out"
	expect_eq "$T SOA owner in authority keeps the question's case" "dEmO.RBL.test." \
		"$(section_of AUTHORITY "$out" | awk 'NR == 1 {print $1}')" "$out"
}

# rbltool query ZONE ADDR prints what dig gets: "NAME TYPE: RCODE" and the answer records, for A then TXT.
check_rbltool_query_agrees() {
	local T=$1 addr=$2 name=$3 type out expected actual
	expected=$(for type in A TXT; do
		out=$(q "$name" "$type")
		echo "$name. $type: $(rcode_of "$out")"
		section_of ANSWER "$out"
	done)
	actual=$(rbl query "$ZONE" "$addr" 2>&1 | awk '{$1 = $1; print}')
	expect_eq "$T rbltool query $addr prints the answer dig gets" "$expected" "$actual"
}

# rbltool writes while dnsbld runs: the very next query sees them.
check_live_updates() {
	local T=$1 addr=$2 live_zone=$3 name out
	name="$(v4_rev "$addr").$ZONE"
	out=$(q "$name" A)
	expect_nxdomain "$T $addr is NXDOMAIN before rbltool add" "$out" "$NEG_TTL"
	out=$(rbl add "$ZONE" "$addr" --code 127.0.0.8 --reason "live $T" 2>&1)
	expect_exit "$T rbltool add while dnsbld runs succeeds" 0 $? "$out"
	out=$(q "$name" A)
	expect_answer_contains "$T the very next query after rbltool add sees the listing" "IN A 127.0.0.8" "$out"
	out=$(q "$name" TXT)
	expect_txt "$T the very next TXT query after rbltool add sees the reason" "live $T" "$out"
	# dnsbld runs two workers, each with its own socket and snapshot: a few more queries reach both.
	local i seen=0
	for i in 1 2 3 4 5 6 7 8; do
		section_of ANSWER "$(q "$name" A)" | grep -qF "IN A 127.0.0.8" && seen=$((seen + 1))
	done
	expect_eq "$T every one of 8 further queries (any worker) sees the listing" "8 of 8" "$seen of 8"
	out=$(rbl del "$ZONE" "$addr" 2>&1)
	expect_exit "$T rbltool del while dnsbld runs succeeds" 0 $? "$out"
	out=$(q "$name" A)
	expect_nxdomain "$T the very next query after rbltool del is NXDOMAIN" "$out" "$NEG_TTL"

	out=$(q "$live_zone" SOA)
	expect_rcode "$T zone $live_zone is REFUSED before it exists" REFUSED "$out"
	out=$(rbl zone create "$live_zone" --ns ns1.example.org --contact dnsadmin@example.org 2>&1)
	expect_exit "$T rbltool zone create while dnsbld runs succeeds" 0 $? "$out"
	out=$(q "$live_zone" SOA)
	expect_rcode "$T a zone created while dnsbld runs is served at once" NOERROR "$out"
	expect_answer_contains "$T the new zone's SOA is served" "IN SOA ns1.example.org. dnsadmin.example.org." "$out"
	out=$(q "2.0.0.127.$live_zone" A)
	expect_answer_contains "$T the new zone has the built-in test point" "IN A 127.0.0.2" "$out"
	out=$(q "2.0.0.127.$live_zone" TXT)
	expect_contains "$T the new zone's built-in test point TXT says it is the test point" "test point" \
		"$(txt_of "$out")"
	out=$(rbl add "$live_zone" 127.0.0.2 --code 127.0.0.9 --reason 'test point of $ from the data' 2>&1)
	expect_exit "$T rbltool add of 127.0.0.2 to the new zone succeeds" 0 $? "$out"
	out=$(q "2.0.0.127.$live_zone" A)
	expect_answer_contains "$T data that lists 127.0.0.2 supplies the test point's A" "IN A 127.0.0.9" "$out"
	expect_answer_count "$T data that lists 127.0.0.2 replaces the built-in A" 1 "$out" A
	out=$(q "2.0.0.127.$live_zone" TXT)
	expect_txt "$T data that lists 127.0.0.2 supplies the test point's TXT" "test point of 127.0.0.2 from the data" \
		"$out"
	out=$(q "1.2.0.192.$live_zone" A)
	expect_nxdomain "$T the new zone does not see the other zone's listings" "$out"
	out=$(rbl zone delete "$live_zone" 2>&1)
	expect_exit "$T rbltool zone delete while dnsbld runs succeeds" 0 $? "$out"
	out=$(q "2.0.0.127.$live_zone" A)
	expect_rcode "$T the very next query after rbltool zone delete is REFUSED" REFUSED "$out"

	local served_before served_after stored
	served_before=$(section_of ANSWER "$(q "$ZONE" SOA)" | awk '$4 == "SOA" {print $7}')
	out=$(rbl add "$ZONE" "$addr" 2>&1)
	expect_exit "$T rbltool add for the serial check succeeds" 0 $? "$out"
	served_after=$(section_of ANSWER "$(q "$ZONE" SOA)" | awk '$4 == "SOA" {print $7}')
	stored=$(rbl zone show "$ZONE" | awk '$1 == "soa" {print $4}')
	expect_eq "$T the very next SOA after rbltool add serves the bumped serial" \
		"serial $stored (was $served_before)" "serial $served_after (was $served_before)"
	if [ "$served_after" = "$served_before" ]; then
		it_fail "$T a committed change bumps the served serial" "a serial other than $served_before" \
			"$served_after"
	else
		it_pass "$T a committed change bumps the served serial"
	fi
	out=$(rbl del "$ZONE" "$addr" 2>&1)
	expect_exit "$T rbltool del after the serial check succeeds" 0 $? "$out"
}

# Entries with --expires 6s (room for a slow, sanitizer-built run) are served until they expire, and never after (even before rbltool expire purges them):
# an expired listing gives way to the listing that covers it, an expired exclusion stops making a hole, and the
# empty non-terminal answers follow (NODATA only while something unexpired is listed below).
check_expiry() {
	local out transport T entry
	for entry in "add 203.0.113.20" "exclude 10.1.2.50" "add 10.1.2.60 --reason short-lived" \
		"exclude 10.1.3.0/24" "add 203.0.114.20"; do
		# shellcheck disable=SC2086 # entry is a command and its arguments
		set -- $entry
		out=$(rbl "$1" "$ZONE" "${@:2}" --expires 6s 2>&1)
		expect_exit "rbltool $entry --expires 6s succeeds" 0 $? "$out"
	done
	for transport in udp tcp; do
		T="[$transport]"
		if [ "$transport" = tcp ]; then DIG_TRANSPORT=+tcp; else DIG_TRANSPORT=""; fi
		out=$(q "20.113.0.203.$ZONE" A)
		expect_answer_contains "$T entry with --expires 6s is listed before it expires" "IN A 127.0.0.2" "$out"
		out=$(q "50.2.1.10.$ZONE" A)
		expect_nxdomain "$T exclusion with --expires 6s hides the address before it expires" "$out" "$NEG_TTL"
		out=$(q "60.2.1.10.$ZONE" TXT)
		expect_txt "$T nested listing with --expires 6s answers its own reason before it expires" "short-lived" "$out"
		out=$(q "5.3.1.10.$ZONE" A)
		expect_nxdomain "$T /24 exclusion with --expires 6s hides its addresses before it expires" "$out" "$NEG_TTL"
		out=$(q "3.1.10.$ZONE" A)
		expect_nxdomain "$T partial name of a wholly excluded /24 is NXDOMAIN before the exclusion expires" "$out" \
			"$NEG_TTL"
		out=$(q "114.0.203.$ZONE" A)
		expect_nodata "$T partial name above a listing with --expires 6s is NODATA before it expires" "$out" \
			"$NEG_TTL"
	done
	sleep 7 # past the 6 s expiry, with room for a slow (sanitizer) run of the checks above
	for transport in udp tcp; do
		T="[$transport]"
		if [ "$transport" = tcp ]; then DIG_TRANSPORT=+tcp; else DIG_TRANSPORT=""; fi
		out=$(q "20.113.0.203.$ZONE" A)
		expect_nxdomain "$T entry is NXDOMAIN once its --expires has passed" "$out" "$NEG_TTL"
		out=$(q "20.113.0.203.$ZONE" TXT)
		expect_nxdomain "$T expired entry's TXT is NXDOMAIN" "$out" "$NEG_TTL"
		out=$(q "50.2.1.10.$ZONE" A)
		expect_answer_contains "$T an expired exclusion no longer hides the covering listing" "IN A 127.0.0.6" "$out"
		out=$(q "60.2.1.10.$ZONE" A)
		expect_answer_contains "$T an expired nested listing gives way to the covering listing's code" \
			"IN A 127.0.0.6" "$out"
		out=$(q "60.2.1.10.$ZONE" TXT)
		expect_txt "$T an expired nested listing gives way to the covering listing's text" \
			"Listed: see the operator of this list about 10.1.2.60" "$out"
		out=$(q "5.3.1.10.$ZONE" A)
		expect_answer_contains "$T an expired /24 exclusion lets the covering /16 answer" "IN A 127.0.0.5" "$out"
		out=$(q "3.1.10.$ZONE" A)
		expect_nodata "$T partial name of a /24 whose exclusion expired is NODATA (its addresses are listed)" \
			"$out" "$NEG_TTL"
		out=$(q "114.0.203.$ZONE" A)
		expect_nxdomain "$T partial name above an expired listing (nothing else below) is NXDOMAIN" "$out" \
			"$NEG_TTL"
	done
	DIG_TRANSPORT=""
}

setup_store
start_dnsbld || finish

for transport in udp tcp; do
	if [ "$transport" = tcp ]; then DIG_TRANSPORT=+tcp; else DIG_TRANSPORT=""; fi
	check_answers_table "[$transport]"
	check_rbltool_query_agrees "[$transport]" 203.0.113.9 "9.113.0.203.$ZONE"
	check_rbltool_query_agrees "[$transport]" 198.51.100.77 "77.100.51.198.$ZONE"
	check_rbltool_query_agrees "[$transport]" 2001:db8:abcd:1::5 "$(v6_rev 2001:db8:abcd:1::5).$ZONE"
	check_rbltool_query_agrees "[$transport]" 192.0.2.99 "99.2.0.192.$ZONE"
	check_rbltool_query_agrees "[$transport]" 10.1.2.130 "130.2.1.10.$ZONE"
	check_rbltool_query_agrees "[$transport]" 127.0.0.2 "2.0.0.127.$ZONE"
	check_rbltool_query_agrees "[$transport]" 127.0.0.1 "1.0.0.127.$ZONE"
	if [ "$transport" = tcp ]; then
		check_live_updates "[$transport]" 203.0.113.98 live-tcp.rbl.test
	else
		check_live_updates "[$transport]" 203.0.113.99 live-udp.rbl.test
	fi
done
DIG_TRANSPORT=""

check_expiry

# The same server over the IPv6 loopback, when this machine has one.
if [ "$IT_HAVE_V6" = 1 ]; then
	out=$(DIG_SERVER=::1 q "1.2.0.192.$ZONE" A)
	expect_answer_contains "[::1] listed address is answered over the IPv6 loopback" "IN A 127.0.0.2" "$out"
	out=$(DIG_SERVER=::1 q "2.2.0.192.$ZONE" A +tcp)
	expect_nxdomain "[::1] unlisted address is NXDOMAIN over TCP on the IPv6 loopback" "$out" "$NEG_TTL"
else
	echo "# skipped: no ::1 on this machine, the IPv6 loopback checks did not run"
fi

finish
