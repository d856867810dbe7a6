#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_rbltool_json.sh — pins rbltool's --json output and its per-command --help. Every --json document (list, show,
# query, zone list, zone show) parses with jq and holds what the store holds, under the field names README's "JSON
# output" gives; control characters and invalid UTF-8 read back from the store still give valid JSON, escaped as the
# text output escapes them; a --json run whose output cannot be written exits 1. Every command and subcommand
# answers --help (or -h, anywhere before "--") with its usage on stdout and exit 0, without opening or creating a
# store.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakesmtp_lib.sh"

export LC_ALL=C
SRC=$(cd "$(dirname "$0")/../.." && pwd)
ZONE=json.rbl.test
OTHER=other.rbl.test
AGG=agg.rbl.test

require_jq

# --- --help of every command -------------------------------------------------------------------------------------

NOSTORE="$IT_TMP/nostore"
# The commands are main.c's table; the subcommands, the families' own.
commands=$(grep -o '{"[a-z]*", cmd_[a-z]*}' "$SRC/rbltool/main.c" | sed 's/{"\([a-z]*\)".*/\1/')
expect_eq "main.c's command table is found (19 commands or more)" yes \
	"$([ "$(wc -l <<<"$commands")" -ge 19 ] && echo yes || echo no)" "$commands"
names=$(printf '%s\n' "$commands" "zone create" "zone set" "zone list" "zone show" "zone delete" \
	"optout add" "optout del" "optout list")
missing=""
while read -r name; do
	for flag in --help -h; do
		# shellcheck disable=SC2086 # "zone create" is two words on purpose
		"$RBLTOOL" --db "$NOSTORE" $name "$flag" >"$IT_TMP/help.out" 2>"$IT_TMP/help.err"
		status=$?
		first=$(head -n 1 "$IT_TMP/help.out")
		if [ "$status" != 0 ] || [[ $first != "usage: rbltool $name"* ]] || [ -s "$IT_TMP/help.err" ]; then
			missing+="'$name $flag' (exit $status: $first $(cat "$IT_TMP/help.err")) "
		fi
	done
done <<<"$names"
expect_eq "every command and subcommand answers --help and -h: exit 0, 'usage: rbltool NAME', nothing on stderr" \
	"" "$missing"
expect_eq "--help opens no store and creates none" no "$([ -e "$NOSTORE" ] && echo yes || echo no)"

out=$("$RBLTOOL" --db "$NOSTORE" list --help 2>&1)
expect_exit "list --help: exit 0" 0 $?
expect_eq "list --help: its usage and what it does" \
	"$(printf 'usage: rbltool list ZONE [--json]\nEvery entry of the zone: network, codes, expiry, reason.')" "$out"
out=$("$RBLTOOL" --db "$NOSTORE" add some.zone 192.0.2.1 --reason x --help 2>&1)
expect_contains "--help after other arguments still prints the usage" "usage: rbltool add ZONE ADDR" "$out"
out=$("$RBLTOOL" --db "$NOSTORE" zone --help 2>&1)
expect_exit "zone --help: exit 0" 0 $? "$out"
expect_eq "zone --help: every zone subcommand's usage" 6 "$(grep -c '^usage: rbltool zone ' <<<"$out")" "$out"
out=$("$RBLTOOL" --db "$NOSTORE" probe --help 2>&1)
expect_contains "probe --help names --pending" "rbltool probe --pending" "$out"
expect_contains "probe --help names --all-forms, --resolver, --no-rdns, --json" \
	"[--all-forms] [--resolver ADDR[:PORT]] [--no-rdns] [--json]" "$out"
out=$("$RBLTOOL" --db "$NOSTORE" check -h 2>&1)
expect_contains "check -h: its usage" "usage: rbltool check HOST[:PORT] [--resolver ADDR[:PORT]] [--dnsbl ZONE]..." \
	"$out"
out=$("$RBLTOOL" --db "$NOSTORE" rdns --help 2>&1)
expect_contains "rdns --help: its usage" "usage: rbltool rdns ADDR... [--resolver ADDR[:PORT]] [--timeout SECS]" "$out"
out=$("$RBLTOOL" --db "$NOSTORE" --help 2>&1)
expect_exit "rbltool --help: exit 0" 0 $? "$out"
expect_contains "rbltool --help: still the overview" "usage: rbltool [--db DIR] [--config FILE] COMMAND ..." "$out"
expect_contains "rbltool --help: names check" "check HOST[:PORT]" "$out"
expect_contains "rbltool --help: names rdns" "rdns ADDR..." "$out"
# "-h" as the value of an option is that value, not a request for help (a store of its own).
help_out=$("$RBLTOOL" --db "$IT_TMP/help-db" zone create help.rbl.test 2>&1 &&
	"$RBLTOOL" --db "$IT_TMP/help-db" add help.rbl.test 192.0.2.77 --reason -h 2>&1)
expect_exit "add ... --reason -h: adds, the reason being '-h'" 0 $? "$help_out"
expect_contains "add ... --reason -h: the listing's reason is -h" $'192.0.2.77/32\t127.0.0.2\tnever\t-h' \
	"$("$RBLTOOL" --db "$IT_TMP/help-db" list help.rbl.test 2>&1)"
out=$("$RBLTOOL" --db "$NOSTORE" list -- --help 2>/dev/null)
expect_exit "list -- --help: after '--' it is an argument, not a request for help" 2 $? "$out"
expect_eq "list -- --help: no usage printed" "" "$out"

# --- a store with listings, exclusions, expiries, a report and a probe --------------------------------------------

out=$({
	rbl zone create "$ZONE" --ns ns1.json.rbl.test=192.0.2.53 --ns ns.example.net --code 127.0.0.2 \
		--txt 'Listed: $' --ttl 600 &&
		rbl zone create "$OTHER" &&
		rbl zone create "$AGG" --member "$ZONE" --member "$OTHER" &&
		rbl add "$ZONE" 192.0.2.0/24 --code 127.0.0.3 --code 127.0.0.4 --reason 'bad net' --source 'feed A' \
			--expires 2099-01-02T03:04:05Z &&
		rbl exclude "$ZONE" 192.0.2.7 --reason 'our mail server' &&
		rbl add "$ZONE" 10.0.0.1 --no-text &&
		rbl add "$ZONE" 2001:db8::/48 --reason $'not UTF-8: \xff\xfe, UTF-8: \xc3\xa9' &&
		rbl add "$OTHER" 192.0.2.9 --source other
} 2>&1)
expect_exit "the store is built" 0 $? "$out"

# --- list --json

out=$(rbl list "$ZONE" --json 2>&1)
expect_exit "list --json: exit 0" 0 $? "$out"
valid_json "list --json: valid JSON" "$out"
jq_eq "list --json: one object an entry, as the text has lines" 'length' "$out" "$(rbl list "$ZONE" | wc -l)"
jq_eq "list --json: the fields of an entry" '.[0] | keys_unsorted | join(",")' "$out" \
	"network,exclusion,codes,no_text,reason,expires"
jq_eq "list --json: a listing's codes, reason and expiry" \
	'.[] | select(.network == "192.0.2.0/24") | [.exclusion, (.codes | join(",")), .reason, .expires] | @tsv' \
	"$out" $'false\t127.0.0.3,127.0.0.4\tbad net\t2099-01-02T03:04:05Z'
jq_eq "list --json: an exclusion has no codes" \
	'.[] | select(.network == "192.0.2.7/32") | [.exclusion, (.codes | length), .reason] | @tsv' "$out" \
	$'true\t0\tour mail server'
jq_eq "list --json: an entry without codes has the zone's default; never expiring is null; --no-text: no reason" \
	'.[] | select(.network == "10.0.0.1/32") | [.codes[0], .expires, .no_text, .reason] | @json' "$out" \
	'["127.0.0.2",null,true,null]'
jq_eq "list --json: invalid UTF-8 is escaped as the text escapes it, valid UTF-8 kept" \
	'.[] | select(.network == "2001:db8::/48") | .reason' "$out" $'not UTF-8: \\xff\\xfe, UTF-8: \xc3\xa9'
out=$(rbl list "$OTHER" --json 2>&1)
jq_eq "list --json of another zone: only its entries" 'map(.network) | join(",")' "$out" "192.0.2.9/32"
rbl zone create empty.rbl.test >/dev/null 2>&1
expect_eq "list --json of an empty zone: []" "[]" "$(rbl list empty.rbl.test --json 2>&1)"

# --- zone list --json, zone show --json

out=$(rbl zone list --json 2>&1)
valid_json "zone list --json: valid JSON" "$out"
jq_eq "zone list --json: every zone by name" 'map(.name) | join(",")' "$out" \
	"$AGG,empty.rbl.test,$ZONE,$OTHER"
jq_eq "zone list --json: name, serial, ttl, entries, code" \
	".[] | select(.name == \"$ZONE\") | keys_unsorted | join(\",\")" "$out" "name,serial,ttl,entries,code"
jq_eq "zone list --json: entries counts listings and exclusions, as list shows them" \
	".[] | select(.name == \"$ZONE\") | .entries" "$out" "$(rbl list "$ZONE" | wc -l)"
jq_eq "zone list --json: the TTL and code" ".[] | select(.name == \"$ZONE\") | [.ttl, .code] | @tsv" "$out" \
	$'600\t127.0.0.2'
out=$(rbl zone show "$ZONE" --json 2>&1)
valid_json "zone show --json: valid JSON" "$out"
jq_eq "zone show --json: its fields" 'keys_unsorted | join(",")' "$out" \
	"name,soa,ns,ttl,code,txt,created,changed,entries,members,journal"
jq_eq "zone show --json: the last change is a time no earlier than the creation" \
	'(.changed | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")) and .changed >= .created' "$out" true
jq_eq "zone show --json: the SOA" '[.soa.mname, .soa.rname, (.soa.serial > 0)] | @tsv' "$out" \
	$'ns1.json.rbl.test\thostmaster.json.rbl.test\ttrue'
jq_eq "zone show --json: the name servers and their addresses" \
	'.ns | map(.name + "=" + (.addresses | join("+")) + ":" + (.address_missing | tostring)) | join(" ")' "$out" \
	"ns1.json.rbl.test=192.0.2.53:false ns.example.net=:false"
jq_eq "zone show --json: the template; not an aggregate" '[.txt, (.members | length)] | @tsv' "$out" $'Listed: $\t0'
out=$(rbl zone show "$AGG" --json 2>&1)
jq_eq "zone show --json of an aggregate: its members" '.members | join(",")' "$out" "$ZONE,$OTHER"

# --- query --json

out=$(rbl query "$ZONE" 192.0.2.9 --json 2>&1)
expect_exit "query --json: exit 0" 0 $? "$out"
valid_json "query --json: valid JSON" "$out"
jq_eq "query --json: its fields" 'keys_unsorted | join(",")' "$out" "zone,address,name,rcode,listed,ttl,a,txt"
jq_eq "query --json: a listed address: the codes, the TXT, the TTL" \
	'[.name, .rcode, .listed, .ttl, (.a | join(",")), (.txt | join("|"))] | @tsv' "$out" \
	$'9.2.0.192.json.rbl.test.\tNOERROR\ttrue\t600\t127.0.0.3,127.0.0.4\tbad net'
out=$(rbl query "$ZONE" 192.0.2.7 --json 2>&1)
jq_eq "query --json: an excluded address is NXDOMAIN, not listed, no TTL" \
	'[.rcode, .listed, .ttl, (.a | length), (.txt | length)] | @json' "$out" '["NXDOMAIN",false,null,0,0]'
out=$(rbl query "$ZONE" 10.0.0.1 --json 2>&1)
jq_eq "query --json: --no-text: A answered, no TXT" '[.listed, .a, .txt] | @json' "$out" '[true,["127.0.0.2"],[]]'
out=$(rbl query "$AGG" 192.0.2.9 --json 2>&1)
jq_eq "query --json of an aggregate: every member's code once" '.a | sort | join(",")' "$out" "127.0.0.2,127.0.0.3,127.0.0.4"
out=$(rbl query "$ZONE" 2001:db8::1 --json 2>&1)
jq_eq "query --json: an IPv6 listing's TXT, its invalid UTF-8 escaped" '.txt[0] | startswith("not UTF-8: \\xff")' "$out" true

# --- show --json

out=$(rbl show 192.0.2.9 --json 2>&1)
expect_exit "show --json: exit 0" 0 $? "$out"
valid_json "show --json: valid JSON" "$out"
jq_eq "show --json: its fields" 'keys_unsorted | join(",")' "$out" "address,zones,host,optout,reports,probes,history,retest"
jq_eq "show --json: no retest request: retest is null" '.retest' "$out" "null"
jq_eq "show --json: one object a zone with an entry covering the address" '.zones | map(.zone) | join(",")' "$out" \
	"$ZONE,$OTHER"
jq_eq "show --json: a zone's entry in full" \
	".zones[] | select(.zone == \"$ZONE\") | [.listed, .network, .exclusion, (.codes | join(\",\")), .reason,
	 .source, .expires, .expired, (.created | test(\"^20..-..-..T..:..:..Z$\")), .evidence] | @json" "$out" \
	'[true,"192.0.2.0/24",false,"127.0.0.3,127.0.0.4","bad net","feed A","2099-01-02T03:04:05Z",false,true,null]'
jq_eq "show --json: never reported: host null, no reports, probes or history, not opted out" \
	'[.host, .optout, (.reports | length), (.probes | length), (.history | length)] | @json' "$out" '[null,false,0,0,0]'
out=$(rbl show 192.0.2.7 --json 2>&1)
jq_eq "show --json: an exclusion is not listed" ".zones[0] | [.listed, .exclusion, (.codes | length)] | @json" \
	"$out" '[false,true,0]'
out=$(rbl show 198.51.100.1 --json 2>&1)
jq_eq "show --json: an address in no zone: zones []" '.zones | length' "$out" 0
rbl add "$OTHER" 198.51.100.50 --expires 1s >/dev/null 2>&1
sleep 2
out=$(rbl show 198.51.100.50 --json 2>&1)
jq_eq "show --json: an expired entry is shown, expired and not listed" '.zones[0] | [.expired, .listed] | @json' \
	"$out" '[true,false]'
rbl optout add 203.0.113.0/24 --reason 'asked' >/dev/null 2>&1
out=$(rbl show 203.0.113.5 --json 2>&1)
jq_eq "show --json: an opted-out address" '.optout' "$out" true

HOST=127.0.27.1
rbl report "$HOST" --source 'postmaster@example.org' >/dev/null 2>&1
out=$(rbl show "$HOST" --json 2>&1)
jq_eq "show --json: a reported host is pending, with one report" '[.host.state, .host.reports, .host.last_probe] | @json' \
	"$out" '["pending",1,null]'
jq_eq "show --json: the report" '.reports[0] | [.feedback_type, .source, .mail_from, (.arrival | type)] | @json' \
	"$out" '["manual","postmaster@example.org",null,"string"]'
if start_fake "$IT_TMP/fake.log" --listen "$HOST:PORT,open"; then
	# --no-rdns: no resolver is asked (the test needs no DNS beyond loopback).
	probe_out=$(rbl probe "$HOST:$FAKE_PORT" --timeout 5 --no-rdns 2>&1)
	out=$(rbl show "$HOST" --json 2>&1)
	valid_json "show --json of a probed host: valid JSON" "$out"
	jq_eq "show --json: the probe's fields" '.probes[0] | keys_unsorted | join(",")' "$out" \
		"id,port,started,elapsed_ms,verdict,form,form_name,why,rdns,transcript" "$probe_out"
	jq_eq "show --json: the probe found it open, on the fake's port" \
		"[.host.state, .probes[0].verdict, .probes[0].port == $FAKE_PORT, (.probes[0].id > 0)] | @json" "$out" \
		'["open","open",true,true]'
	jq_eq "show --json: the transcript, one string a line, as the text shows it" \
		'.probes[0].transcript | map(select(startswith("S: 220"))) | length' "$out" 1
	expect_eq "show --json: as many transcript lines as the text" \
		"$(rbl show "$HOST" | grep -c '^           ')" "$(jq '.probes[0].transcript | length' <<<"$out")"

	# probe --json: the first relayed form only, or with --all-forms every one (the open fake relays forms 0-3,
	# and the forms routed through itself are not testable: it is a catch-all).
	out=$(rbl probe "$HOST:$FAKE_PORT" --timeout 5 --no-rdns --gap 0s --json 2>&1)
	jq_eq "probe --json: one result, open, form 0 first" '[length, .[0].verdict, .[0].form] | @json' "$out" \
		'[1,"open",0]'
	jq_eq "probe --json: without --all-forms the battery stops at the first relayed form" \
		'[.[0].relayed_forms[].form] | @json' "$out" '[0]'
	jq_eq "probe --json: fields" '.[0] | keys_unsorted | join(",")' "$out" \
		"address,port,verdict,why,form,form_name,relayed_forms,connections,started,elapsed_ms,evidence,action,rdns"
	out=$(rbl probe "$HOST:$FAKE_PORT" --timeout 5 --no-rdns --gap 0s --json --all-forms 2>&1)
	jq_eq "probe --all-forms --json: every relayed form, each with its name" \
		'[.[0].relayed_forms[] | "\(.form) \(.name)"] | @json' "$out" \
		'["0 null sender","1 external to external","2 sender at the server'"'"'s name","3 IP-literal sender"]'
	expect_contains "probe --all-forms: the reason counts them" "4 of 16 forms relayed: 0, 1, 2, 3" \
		"$(jq -r '.[0].why' <<<"$out")"

	# retest --json: the listing an open relay got is extended while it stays open.
	rbl zone create retest.rbl.test >/dev/null 2>&1
	rbl probe "$HOST:$FAKE_PORT" --timeout 5 --no-rdns --gap 0s --list-into retest.rbl.test >/dev/null 2>&1
	out=$(rbl retest retest.rbl.test --older-than 0s --port "$FAKE_PORT" --timeout 5 --no-rdns --gap 0s --json 2>&1)
	jq_eq "retest --json: still open, the listing extended" '[length, .[0].verdict, .[0].action] | @json' "$out" \
		'[1,"open","listing extended"]'
	# retest --requested --json: the same line with the request it answers and the outcome.
	rbl retest --queue "$HOST" >/dev/null
	out=$(rbl retest --requested --port "$FAKE_PORT" --timeout 5 --no-rdns --gap 0s --json 2>&1)
	jq_eq "retest --requested --json: the request and its outcome" \
		'[length, .[0].verdict, .[0].action, .[0].request, .[0].outcome] | @json' "$out" \
		'[1,"open","listing extended",1,"still open"]'
	jq_eq "show --json: the request done" ".retest | [.id, .state, .outcome, .verdict] | @json" \
		"$(rbl show "$HOST" --json)" '[1,"done","still open","open"]'
	stop_fake
fi

# The progress line: drawn on a terminal only (a pty made by script(1)), rewritten in place, erased at the end.
if command -v script >/dev/null && start_fake "$IT_TMP/late.log" --listen "$HOST:PORT,late-greeting" --delay-ms 1600
then
	cmd="$RBLTOOL --db $IT_DB probe $HOST:$FAKE_PORT --timeout 5 --no-rdns --gap 0s"
	tty_out=$(script -qefc "$cmd" /dev/null 2>&1)
	expect_contains "progress: on a terminal, done / total and the verdicts so far" \
		"probe: 0/1 done, 0 open, 0 closed, 0 inconclusive" "$tty_out"
	expect_contains "progress: with a rate and an ETA" "/s, ETA" "$tty_out"
	expect_contains "progress: the line is erased before the results" $'\r\e[K'"$HOST:$FAKE_PORT"$'\tclosed' \
		"$(tr -d '\n' <<<"$tty_out" | sed 's/\r\r/\r/g')"
	err=$(rbl probe "$HOST:$FAKE_PORT" --timeout 5 --no-rdns --gap 0s 2>&1 >/dev/null)
	expect_eq "progress: nothing when stderr is not a terminal" "" "$err"
	stop_fake
fi

# --- control characters read back from the store ------------------------------------------------------------------

# As test_rbltool_output.sh does: text stored under a placeholder of the same length, then replaced in data.mdb byte
# for byte (lib.sh's placeholder and patch_store), as a store written before control characters were refused holds them.
EVIL_REASON=$'evil\nline\x1b[31mred\x07\x7f\xff'
EVIL_SOURCE=$'feed\rover\x01'
EVIL_TXT=$'Listed\x1b[2J\t$'
EVIL_REPORTER=$'rep\x1b[5morter'
r_ph=$(placeholder R "${#EVIL_REASON}")
s_ph=$(placeholder S "${#EVIL_SOURCE}")
t_ph=$(placeholder T "${#EVIL_TXT}")
p_ph=$(placeholder P "${#EVIL_REPORTER}")
out=$(rbl zone create evil.rbl.test --txt "$t_ph" 2>&1 &&
	rbl add evil.rbl.test 192.0.2.66 --reason "$r_ph" --source "$s_ph" 2>&1 &&
	rbl add evil.rbl.test 192.0.2.67 2>&1 &&
	rbl report 192.0.2.66 --source "$p_ph" 2>&1)
expect_exit "the store takes the placeholders" 0 $? "$out"
expect_eq "the control characters are in the store" 4 \
	"$(patch_store "$r_ph" "$EVIL_REASON" "$s_ph" "$EVIL_SOURCE" "$t_ph" "$EVIL_TXT" "$p_ph" "$EVIL_REPORTER")"

ESC=$'\x1b'
out=$(rbl list evil.rbl.test --json 2>&1)
valid_json "list --json of stored control characters: valid JSON" "$out"
jq_eq "list --json: the reason escaped as the text escapes it" '.[] | select(.network == "192.0.2.66/32") | .reason' \
	"$out" 'evil\x0aline\x1b[31mred\x07\x7f\xff'
expect_not_contains "list --json: no escape character passes" "$ESC" "$out"
out=$(rbl show 192.0.2.66 --json 2>&1)
valid_json "show --json of stored control characters: valid JSON" "$out"
jq_eq "show --json: the source escaped" '.zones[0].source' "$out" 'feed\x0dover\x01'
jq_eq "show --json: the report's source escaped" '.reports[0].source' "$out" 'rep\x1b[5morter'
expect_not_contains "show --json: no escape character passes" "$ESC" "$out"
out=$(rbl zone show evil.rbl.test --json 2>&1)
valid_json "zone show --json of a stored control character: valid JSON" "$out"
jq_eq "zone show --json: the template escaped" '.txt' "$out" 'Listed\x1b[2J\x09$'
out=$(rbl query evil.rbl.test 192.0.2.67 --json 2>&1)
valid_json "query --json of a TXT with control characters: valid JSON" "$out"
jq_eq "query --json: the TXT escaped" '.txt[0]' "$out" 'Listed\x1b[2J\x09192.0.2.67'
expect_not_contains "query --json: no escape character passes" "$ESC" "$out"

# --- standard output that cannot be written ----------------------------------------------------------------------

for i in $(seq 0 2999); do echo "10.$((i / 250)).$((i % 250)).1"; done >"$IT_TMP/many.txt"
out=$(rbl zone create many.rbl.test 2>&1 && rbl import many.rbl.test "$IT_TMP/many.txt" 2>&1)
expect_exit "import of 3000 entries succeeds" 0 $? "$out"
out=$(rbl list many.rbl.test --json 2>&1)
jq_eq "list --json of 3000 entries (printed as it is read): valid, 3000 objects" 'length' "$out" 3000

# expect_full CHECK ARGS...: rbltool ARGS with stdout on /dev/full exits 1 and says it cannot write, once.
expect_full() {
	local check=$1 status err
	shift
	rbl "$@" >/dev/full 2>"$IT_TMP/stderr"
	status=$?
	err=$(cat "$IT_TMP/stderr")
	expect_exit "$check > /dev/full: exit status 1" 1 "$status" "$err"
	expect_eq "$check > /dev/full: one line, cannot write the output" \
		"rbltool: cannot write the output: No space left on device" "$err"
}
expect_full "list --json" list "$ZONE" --json
expect_full "list --json of 3000 entries" list many.rbl.test --json
expect_full "zone list --json" zone list --json
expect_full "zone show --json" zone show "$ZONE" --json
expect_full "show --json" show "$HOST" --json
expect_full "query --json" query "$ZONE" 192.0.2.9 --json
expect_full "list --help" list --help

# --- bad input -------------------------------------------------------------------------------------------------

out=$(rbl list "$ZONE" --jsonx 2>&1)
expect_exit "an unknown option next to --json is bad input" 2 $? "$out"
expect_contains "and names it" "unknown option '--jsonx'" "$out"
out=$(rbl query "$ZONE" --json 2>&1)
expect_exit "query --json without an address is bad input" 2 $? "$out"
expect_contains "with the usage" "usage: rbltool query ZONE ADDR [--json]" "$out"

finish
