# SPDX-License-Identifier: BSD-2-Clause
# answers_lib.sh — sourced after lib.sh: another server's answers compared with dnsbld's (on $DNSBLD_PORT), address by
# address, for the tests that serve dnsbld's data from elsewhere (an export loaded by NSD or rbldnsd, a secondary
# that transferred the zone).
#
#   name_of ADDR [ZONE]              the reversed name of ADDR under ZONE (default $ZONE)
#   mapped_v4 ADDR                   the dotted quad of an IPv4-mapped address written in hex
#   answer_of PORT NAME TYPE         "RCODE|sorted A set|sorted TXT set" of the server on PORT
#   compare_with SERVER PORT ZONE MODE ADDR...
#                                    every A and TXT answer of the server equals dnsbld's (one check); MODE
#                                    "wildcards": a TXT may give the entry's network where dnsbld gives the address (a
#                                    master file's wildcard), counted and reported
#   network_as_placeholder LINE      an answer_of line with every CIDR of its TXT set as @NET@

# name_of ADDR [ZONE]
name_of() {
	if [[ $1 == *:* ]]; then
		echo "$(v6_rev "$1").${2:-$ZONE}"
	else
		echo "$(v4_rev "$1").${2:-$ZONE}"
	fi
}

# The dotted quad of an IPv4-mapped address written in hex: mapped_v4 ::ffff:c000:201 -> 192.0.2.1
mapped_v4() {
	local hex
	hex=$(v6_hex "$1")
	printf '%d.%d.%d.%d' "0x${hex:24:2}" "0x${hex:26:2}" "0x${hex:28:2}" "0x${hex:30:2}"
}

# What a server answers NAME TYPE: "RCODE|sorted A set|sorted TXT set", on one line.
answer_of() {
	local port=$1 name=$2 type=$3 out
	out=$(DNSBLD_PORT=$port q "$name" "$type")
	printf '%s|%s|%s' "$(rcode_of "$out")" \
		"$(section_of ANSWER "$out" | awk '$4 == "A" {print $5}' | sort | paste -sd, -)" \
		"$(txt_of "$out" | sort | paste -sd'#' -)"
}

# compare_with SERVER PORT ZONE MODE ADDR...: every answer of the server equals dnsbld's. With MODE "wildcards", a
# TXT may give an entry's network where dnsbld gives the address (a master file's wildcard).
compare_with() {
	local server=$1 port=$2 zone=$3 mode=$4 addr name type expected actual text_addr mismatches=0 wildcard_txt=0
	shift 4
	for addr in "$@"; do
		name=$(name_of "$addr" "$zone")
		for type in A TXT; do
			expected=$(answer_of "$DNSBLD_PORT" "$name" "$type")
			actual=$(answer_of "$port" "$name" "$type")
			if [ "$expected" != "$actual" ] && [ "$mode" = wildcards ] && [ "$type" = TXT ]; then
				text_addr=$addr
				[[ $addr == ::ffff:* ]] && text_addr=$(mapped_v4 "$addr")
				if [ "$(network_as_placeholder "${expected//$text_addr/@NET@}")" = \
					"$(network_as_placeholder "$actual")" ]; then
					wildcard_txt=$((wildcard_txt + 1))
					continue
				fi
			fi
			if [ "$expected" != "$actual" ]; then
				mismatches=$((mismatches + 1))
				it_fail "[$server] $zone: $addr $type answers as dnsbld does" "$expected" "$actual"
			fi
		done
	done
	expect_eq "[$server] $zone: all $# addresses answer A and TXT as dnsbld does" 0 "$mismatches"
	if [ "$mode" = wildcards ]; then
		echo "# [$server] $zone: $wildcard_txt TXT answers came from wildcards (the entry's network for '\$')"
	fi
}

# An answer_of line with every CIDR in its TXT set replaced by @NET@ and the TXT set sorted again.
network_as_placeholder() {
	local head=${1%|*} txt=${1##*|}
	printf '%s|%s' "$head" "$(tr '#' '\n' <<<"$txt" | sed -E 's#[0-9a-f.:]+/[0-9]{1,3}#@NET@#g' | sort | paste -sd'#' -)"
}
