#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_malformed.sh — pins what dnsbld does with packets dig cannot send, over UDP and over TCP, using $RAWDNS:
# too short for a header and responses (QR=1) are dropped, never answered; QDCOUNT != 1, a compression pointer (and
# so a pointer loop) in the question, a label longer than 63 bytes and a truncated question get FORMERR echoing the
# ID; opcodes other than QUERY get NOTIMP echoing the opcode; and after every one of them the server still answers
# a valid query. Then TCP streams (written with bash's /dev/tcp, since rawdns sends one message a connection): two
# queries pipelined in one write get two answers in order, a dropped and a FORMERR message do not stop the next one
# on the same connection, a query split over several writes is answered; and dig +tcp +keepopen gets two answers.
# shellcheck disable=SC2119 # start_dnsbld takes optional dnsbld options; none are needed here
set -u
. "$(dirname "$0")/lib.sh"
: "${RAWDNS:?RAWDNS must name the rawdns test tool (ctest sets it)}"

ZONE=demo.rbl.test
IT_ZONE=$ZONE
QNAME_HEX=$(name_hex "2.0.0.127.$ZONE") # the RFC 5782 test point: listed in every zone
QUESTION_HEX="${QNAME_HEX}00010001"     # type A, class IN
VALID_HEX="123401000001000000000000$QUESTION_HEX" # ID 0x1234 = 4660, RD, one question

# rawdns PROTO HEX: prints the response header fields, or "noanswer"; the exit status is rawdns's.
raw() {
	"$RAWDNS" "$1" 127.0.0.1 "$DNSBLD_PORT" "$2" 1000 2>&1
}

# The value of field NAME (id, rcode, ...) in a rawdns line.
field() {
	sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p" <<<"$2"
}

# expect_header CHECK OUTPUT NAME=VALUE...: every listed header field has that value.
expect_header() {
	local check=$1 out=$2 pair name want got problems=""
	shift 2
	for pair in "$@"; do
		name=${pair%%=*}
		want=${pair#*=}
		got=$(field "$name" "$out")
		[ "$got" = "$want" ] || problems+="$name=${got:-?} (want $want) "
	done
	if [ -z "$problems" ]; then
		it_pass "$check"
	else
		it_fail "$check" "$*" "${problems% }" "$out"
	fi
}

expect_dropped() {
	local check=$1 out=$2 status=$3
	if [ "$out" = noanswer ] && [ "$status" = 1 ]; then
		it_pass "$check"
	else
		it_fail "$check" "noanswer (rawdns exit 1)" "$out (rawdns exit $status)"
	fi
}

# After each bad packet: the server still answers a valid query.
expect_still_answering() {
	local T=$1 after=$2 out
	out=$(raw "$T" "$VALID_HEX")
	expect_header "[$T] a valid query after $after is still answered" "$out" id=4660 qr=1 rcode=0 aa=1 an=1
}

check_malformed() {
	local T=$1 out status long_label long_name i

	out=$(raw "$T" "$VALID_HEX")
	expect_header "[$T] a valid query is answered (the baseline)" "$out" id=4660 qr=1 opcode=0 rcode=0 aa=1 qd=1 an=1

	out=$(raw "$T" 1234010000)
	status=$?
	expect_dropped "[$T] a 5-byte packet (truncated header) is dropped" "$out" "$status"
	expect_still_answering "$T" "a truncated header"

	out=$(raw "$T" "")
	status=$?
	expect_dropped "[$T] an empty message is dropped" "$out" "$status"
	expect_still_answering "$T" "an empty message"

	out=$(raw "$T" "abcd00000002000000000000$QUESTION_HEX$QUESTION_HEX")
	expect_header "[$T] QDCOUNT=2 is FORMERR echoing the ID" "$out" id=43981 qr=1 opcode=0 rcode=1
	expect_still_answering "$T" "QDCOUNT=2"

	out=$(raw "$T" "abce00000000000000000000")
	expect_header "[$T] QDCOUNT=0 is FORMERR echoing the ID" "$out" id=43982 qr=1 rcode=1
	expect_still_answering "$T" "QDCOUNT=0"

	out=$(raw "$T" "beef00000001000000000000c00c00010001")
	expect_header "[$T] a compression pointer to itself in the question is FORMERR" "$out" id=48879 qr=1 rcode=1
	expect_still_answering "$T" "a pointer loop"

	out=$(raw "$T" "bef000000001000000000000""0161c00c00010001")
	expect_header "[$T] a label then a pointer back to it (a loop) is FORMERR" "$out" id=48880 qr=1 rcode=1
	expect_still_answering "$T" "a two-step pointer loop"

	long_label=40$(printf '61%.0s' $(seq 64))
	out=$(raw "$T" "bef100000001000000000000${long_label}0000010001")
	expect_header "[$T] a label length byte of 64 is FORMERR" "$out" id=48881 qr=1 rcode=1
	expect_still_answering "$T" "a 64-byte label"

	long_name=""
	for i in 1 2 3 4 5; do long_name+=3f$(printf '61%.0s' $(seq 63)); done # 5 x 64 = 320 bytes > 255
	out=$(raw "$T" "bef200000001000000000000${long_name}0000010001")
	expect_header "[$T] a question name over 255 bytes is FORMERR" "$out" id=48882 qr=1 rcode=1
	expect_still_answering "$T" "a name over 255 bytes"

	out=$(raw "$T" "bef300000001000000000000${QNAME_HEX}0001")
	expect_header "[$T] a question cut off before its class is FORMERR" "$out" id=48883 qr=1 rcode=1
	expect_still_answering "$T" "a truncated question"

	out=$(raw "$T" "bef400000001000100000000$QUESTION_HEX")
	expect_header "[$T] a query with ANCOUNT=1 is FORMERR" "$out" id=48884 qr=1 rcode=1
	expect_still_answering "$T" "ANCOUNT=1"

	out=$(raw "$T" "111180000001000000000000$QUESTION_HEX")
	status=$?
	expect_dropped "[$T] a response (QR=1) is dropped, never answered" "$out" "$status"
	expect_still_answering "$T" "a response packet"

	out=$(raw "$T" "111280000002000000000000c00c")
	status=$?
	expect_dropped "[$T] a malformed response (QR=1) is dropped too" "$out" "$status"
	expect_still_answering "$T" "a malformed response packet"

	out=$(raw "$T" "222210000001000000000000$QUESTION_HEX")
	expect_header "[$T] opcode 2 (STATUS) is NOTIMP with opcode 2 echoed" "$out" id=8738 qr=1 opcode=2 rcode=4
	expect_still_answering "$T" "opcode 2"

	out=$(raw "$T" "222328000001000000000000$QUESTION_HEX")
	expect_header "[$T] opcode 5 (UPDATE) is NOTIMP with opcode 5 echoed" "$out" id=8739 qr=1 opcode=5 rcode=4
	expect_still_answering "$T" "opcode 5"
}

# The framed form of a message for TCP: its 2-byte length, then the message (hex in, hex out).
frame() {
	printf '%04x%s' $((${#1} / 2)) "$1"
}

# Writes each CHUNK (hex, already framed: frames may be split across chunks or several in one) with one write on a
# single TCP connection, 0.2 s apart, reads for up to 2 s, and prints the ID and rcode of each framed response, one
# a line.
tcp_exchange() {
	local chunk reply="$IT_TMP/tcp.reply" first=1 i n len
	local -a bytes=()
	exec 3<>"/dev/tcp/127.0.0.1/$DNSBLD_PORT" || return 1
	for chunk in "$@"; do
		[ "$first" = 1 ] || sleep 0.2
		first=0
		# shellcheck disable=SC2059,SC2001 # the format is the chunk as \xHH escapes; sed for the & it needs
		printf "$(sed 's/../\\x&/g' <<<"$chunk")" >&3
	done
	timeout 2 cat <&3 >"$reply"
	exec 3<&-
	read -r -a bytes <<<"$(od -An -v -tu1 "$reply" | tr -s ' \n' '  ')"
	n=${#bytes[@]}
	for ((i = 0; i + 5 < n; i += 2 + len)); do
		len=$((bytes[i] * 256 + bytes[i + 1]))
		echo "id=$((bytes[i + 2] * 256 + bytes[i + 3])) rcode=$((bytes[i + 5] & 15))"
	done
}

check_tcp_streams() {
	local out first second response formerr valid
	first="aaa100000001000000000000$QUESTION_HEX"
	second="aaa200000001000000000000$(name_hex "1.0.0.127.$ZONE")00010001"
	out=$(tcp_exchange "$(frame "$first")$(frame "$second")")
	expect_eq "[tcp] two queries pipelined in one write get two answers, in order" \
		"$(printf 'id=43681 rcode=0\nid=43682 rcode=3')" "$out"

	response="aaa380000001000000000000$QUESTION_HEX"
	formerr="aaa400000002000000000000$QUESTION_HEX$QUESTION_HEX"
	valid="aaa500000001000000000000$QUESTION_HEX"
	out=$(tcp_exchange "$(frame "$response")$(frame "$formerr")$(frame "$valid")")
	expect_eq "[tcp] in one write, a response is skipped, QDCOUNT=2 gets FORMERR, the next query its answer" \
		"$(printf 'id=43684 rcode=1\nid=43685 rcode=0')" "$out"

	valid=$(frame "aaa600000001000000000000$QUESTION_HEX")
	out=$(tcp_exchange "${valid:0:2}" "${valid:2:16}" "${valid:18}")
	expect_eq "[tcp] a query arriving in three writes (length split too) is answered" "id=43686 rcode=0" "$out"

	out=$(DIG_TRANSPORT="+tcp +keepopen" q "2.0.0.127.$ZONE" A "1.0.0.127.$ZONE" A)
	expect_eq "[tcp] dig +keepopen: two queries on one connection get two answers" "2" \
		"$(grep -c '^;; ->>HEADER<<-' <<<"$out")" "$out"
	expect_eq "[tcp] dig +keepopen: the answers are NOERROR then NXDOMAIN" "NOERROR NXDOMAIN" \
		"$(sed -n 's/^;; ->>HEADER<<- .* status: \([A-Z]*\),.*/\1/p' <<<"$out" | tr '\n' ' ' | sed 's/ $//')" "$out"
}

out=$(rbl zone create "$ZONE" --ns ns1.demo.rbl.test=127.0.0.1 2>&1)
expect_exit "rbltool zone create makes a fresh store" 0 $? "$out"
start_dnsbld || finish

check_malformed udp
check_malformed tcp
check_tcp_streams

finish
