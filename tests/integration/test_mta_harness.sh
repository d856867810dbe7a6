#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# test_mta_harness.sh — the MTAs other than Postfix that relay-probe tests can use as targets (exim_lib.sh,
# opensmtpd_lib.sh, sendmail_lib.sh, all unpacked from Debian packages by mta_unpack_lib.sh) behave as their
# configurations say: each instance starts and greets; a closed one refuses an external recipient with 5xx and an
# open one accepts it with 250; closed Exim refuses a domain-literal sender with 501 and drops the connection after
# its syntax-error limit; closed-catchall Exim accepts the percent-hack address at its own domain (catch-all, not
# relaying) and bang-relay Exim accepts — and routes to the remote domain — a bang path. Exim's own address test
# (-bt) and fake session (-bh) agree, and swaks, where installed, sees the same replies (stopping after RCPT).
#
# Every session is spoken by mta_smtp (bash /dev/tcp), which stops before DATA: no instance is ever sent DATA, and
# none queues a message. Nothing outside the test's directory (and the unpack cache) is written: the system's
# /etc/passwd and the MTAs' system paths are the same after the test, and no mount or network interface is left in
# this machine's namespaces.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mta_unpack_lib.sh"
. "$(dirname "$0")/exim_lib.sh"
. "$(dirname "$0")/opensmtpd_lib.sh"
. "$(dirname "$0")/sendmail_lib.sh"

EXT='relay-check@relay-test.example' # the external recipient a relay test names

# The machine's state that the instances must leave untouched.
system_snapshot() {
	sha256sum /etc/passwd /etc/group /etc/hosts /etc/resolv.conf /etc/nsswitch.conf 2>&1
	ls -d /etc/exim4 /var/spool/exim4 /var/log/exim4 /run/exim4 /etc/smtpd.conf /var/spool/smtpd \
		/var/lib/opensmtpd /run/smtpd.sock /etc/mail /var/lib/sendmail /run/sendmail /var/spool/mqueue 2>&1
	# Named network namespaces (/run/netns) are other tests' (test_mail_stack.sh runs beside this one): ours are
	# unnamed.
	awk '$5 !~ "^/run/netns/" { print $5 }' /proc/self/mountinfo | sort
	ip -br link 2>/dev/null | awk '{ print $1 }'
}
system_before=$(system_snapshot)

# expect_reply CHECK COMMAND EXPECTED TRANSCRIPT: the last line of the server's reply to COMMAND starts with
# EXPECTED (a code, or a code and text).
expect_reply() {
	local line
	line=$(mta_reply_line_to "$2" "$4")
	if [[ $line == "$3"* ]]; then
		it_pass "$1: $2 -> $line"
	else
		it_fail "$1" "the reply to '$2' to start with '$3'" "${line:-no reply}" "$4"
	fi
}

# swaks's view, where it is installed: it says RCPT TO:<ADDRESS> from the null sender and quits after the RCPT
# (--quit-after RCPT), so it never reaches DATA either. expect_swaks CHECK VIA ADDR PORT ADDRESS EXPECTED.
expect_swaks() {
	local check=$1 via=$2 addr=$3 port=$4 rcpt=$5 want=$6 out line
	command -v swaks >/dev/null || return 0
	MTA_VIA=$via mta_addr_allowed "$addr" || return 1
	# shellcheck disable=SC2086 # via is a command prefix
	out=$($via timeout 20 swaks --server "$addr" --port "$port" --helo client.test --from '<>' --to "$rcpt" \
		--quit-after RCPT --timeout 5 2>&1)
	# Its reply lines start "<- " (or "<** " for an error); the one to take follows " -> RCPT TO:".
	line=$(awk '/^ *-> RCPT TO:/ { seen = 1; next }
		seen && /^<[-*~]* +[0-9][0-9][0-9] / { sub(/^<[-*~]* +/, ""); print; exit }' <<<"$out")
	if [[ $line == "$want"* ]]; then
		it_pass "$check (swaks --quit-after RCPT): RCPT TO:<$rcpt> -> $line"
	else
		it_fail "$check (swaks --quit-after RCPT)" "the reply to RCPT TO:<$rcpt> to start with '$want'" \
			"${line:-no reply}" "$out"
	fi
}

# --- Exim ---------------------------------------------------------------------------------------------------------

if exim_require; then
	EX_OPEN=127.0.78.10
	EX_CLOSED=127.0.78.11
	EX_LITERALS=127.0.78.12
	EX_CATCHALL=127.0.78.13
	EX_BANG=127.0.78.14
	EX_PORT=$(random_port)
	exim_start open "$EX_OPEN" "$EX_PORT"
	exim_start closed "$EX_CLOSED" "$EX_PORT"
	exim_start closed-literals "$EX_LITERALS" "$EX_PORT"
	exim_start closed-catchall "$EX_CATCHALL" "$EX_PORT"
	exim_start bang-relay "$EX_BANG" "$EX_PORT"

	# open: relay_from_hosts holds the prober's 127.0.0.1.
	t=$(mta_smtp "$EX_OPEN" "$EX_PORT" 'EHLO client.test' 'MAIL FROM:<>' "RCPT TO:<$EXT>")
	expect_reply "Exim open accepts the external recipient" "RCPT TO:<$EXT>" "250 Accepted" "$t"
	expect_swaks "Exim open accepts the external recipient" "" "$EX_OPEN" "$EX_PORT" "$EXT" "250"
	out=$(exim_address_test "$EX_OPEN" "$EXT")
	expect_contains "Exim open -bt: the external address is routed remotely" "router = remote_domains" "$out"

	# closed: Debian's ACL, Exim's default limits.
	host=$(exim_hostname "$EX_CLOSED")
	t=$(mta_smtp "$EX_CLOSED" "$EX_PORT" 'EHLO client.test' 'MAIL FROM:<x@[1.2.3.4]>' 'MAIL FROM:<>' "RCPT TO:<$EXT>" \
		"RCPT TO:<relay-check%relay-test.example@$host>" "RCPT TO:<relay-test.example!relay-check@$host>" \
		"RCPT TO:<postmaster@$host>")
	expect_reply "Exim closed greets" "EHLO client.test" "250 " "$t"
	expect_reply "Exim closed refuses a domain-literal sender" 'MAIL FROM:<x@[1.2.3.4]>' \
		'501 <x@[1.2.3.4]>: domain literals not allowed' "$t"
	expect_reply "Exim closed refuses the external recipient" "RCPT TO:<$EXT>" "550 relay not permitted" "$t"
	expect_reply "Exim closed refuses the percent hack at its own domain" \
		"RCPT TO:<relay-check%relay-test.example@$host>" "550 restricted characters in address" "$t"
	expect_reply "Exim closed refuses a bang path at its own domain" \
		"RCPT TO:<relay-test.example!relay-check@$host>" "550 restricted characters in address" "$t"
	expect_reply "Exim closed accepts its postmaster" "RCPT TO:<postmaster@$host>" "250 Accepted" "$t"
	expect_swaks "Exim closed refuses the external recipient" "" "$EX_CLOSED" "$EX_PORT" "$EXT" "550 relay not permitted"
	# smtp_max_synprot_errors = 3: the fourth syntax error ends the session.
	t=$(mta_smtp "$EX_CLOSED" "$EX_PORT" 'EHLO client.test' 'MAIL FROM:<x@[1.2.3.4]>' 'MAIL FROM:<x@[1.2.3.5]>' \
		'MAIL FROM:<x@[1.2.3.6]>' 'MAIL FROM:<x@[1.2.3.7]>' 'NOOP')
	expect_reply "Exim closed: syntax error 1 of 3" 'MAIL FROM:<x@[1.2.3.4]>' "501 " "$t"
	expect_reply "Exim closed: syntax error 2 of 3" 'MAIL FROM:<x@[1.2.3.5]>' "501 " "$t"
	expect_reply "Exim closed: syntax error 3 of 3" 'MAIL FROM:<x@[1.2.3.6]>' "501 " "$t"
	expect_reply "Exim closed: the fourth syntax error is too many" 'MAIL FROM:<x@[1.2.3.7]>' \
		"501 Too many syntax or protocol errors" "$t"
	expect_reply "Exim closed: and the connection is dropped" 'NOOP' "(closed)" "$t"
	# smtp_accept_max_nonmail = 10: the eleventh non-mail command (NOOP, VRFY, ...) ends the session. RSET counts too,
	# all but the first (Exim treats the first RSET as a mail command): the twelfth RSET is too many — what a prober
	# that says RSET between its tries meets.
	nonmail_count() { # COMMAND TRANSCRIPT: "N x 250, then REPLY" for the replies to COMMAND
		printf '%s x 250, then %s' "$(grep -A1 "^C: $1\$" <<<"$2" | grep -c '^S: 250 ')" \
			"$(grep -A1 "^C: $1\$" <<<"$2" | grep '^S: [45]' | head -n 1 | cut -c4-)"
	}
	cmds=('EHLO client.test')
	for _ in $(seq 12); do cmds+=('NOOP'); done
	t=$(mta_smtp "$EX_CLOSED" "$EX_PORT" "${cmds[@]}")
	expect_eq "Exim closed: ten NOOPs are answered, the eleventh is too many" \
		"10 x 250, then 554 Too many nonmail commands" "$(nonmail_count NOOP "$t")" "$t"
	expect_contains "Exim closed: ... and the connection is dropped" "S: (closed)" "$t"
	cmds=('EHLO client.test')
	for _ in $(seq 13); do cmds+=('MAIL FROM:<>' "RCPT TO:<$EXT>" 'RSET'); done
	t=$(mta_smtp "$EX_CLOSED" "$EX_PORT" "${cmds[@]}")
	expect_eq "Exim closed: eleven RSETs (after MAIL, RCPT) are answered, the twelfth is too many" \
		"11 x 250, then 554 Too many nonmail commands" "$(nonmail_count RSET "$t")" "$t"
	out=$(exim_address_test "$EX_CLOSED" "relay-test.example!relay-check@$host")
	expect_contains "Exim closed -bt: a bang path at its domain is no address of it" "Unrouteable address" "$out"
	out=$(printf 'EHLO client.test\r\nMAIL FROM:<>\r\nRCPT TO:<%s>\r\nQUIT\r\n' "$EXT" |
		exim_host_test "$EX_CLOSED" 127.0.0.1)
	expect_contains "Exim closed -bh from 127.0.0.1: the external recipient is refused" "550 relay not permitted" "$out"
	# The DATA refusal, seen without a daemon: -bh is Exim's own fake session on stdin, which runs the ACLs and
	# never receives, queues or delivers a message. (No instance is ever sent DATA.)
	out=$(printf 'EHLO client.test\r\nMAIL FROM:<>\r\nRCPT TO:<postmaster@%s>\r\nDATA\r\nQUIT\r\n' \
		"$(exim_hostname "$EX_CLOSED")" | exim_host_test "$EX_CLOSED" 127.0.0.1)
	expect_contains "Exim -bh: DATA is refused by acl_smtp_predata" "554 DATA refused by the dnsbld test instance" "$out"

	# closed-literals: a literal sender is fine; its own literal is a local domain, not a relay.
	t=$(mta_smtp "$EX_LITERALS" "$EX_PORT" 'EHLO client.test' 'MAIL FROM:<x@[1.2.3.4]>' "RCPT TO:<$EXT>" \
		"RCPT TO:<relay-check%relay-test.example@[$EX_LITERALS]>" "RCPT TO:<postmaster@[$EX_LITERALS]>")
	expect_reply "Exim closed-literals accepts a domain-literal sender" 'MAIL FROM:<x@[1.2.3.4]>' "250 OK" "$t"
	expect_reply "Exim closed-literals refuses the external recipient" "RCPT TO:<$EXT>" "550 relay not permitted" "$t"
	expect_reply "Exim closed-literals refuses the percent hack at its own literal" \
		"RCPT TO:<relay-check%relay-test.example@[$EX_LITERALS]>" "550 restricted characters in address" "$t"
	expect_reply "Exim closed-literals accepts postmaster at its own literal" "RCPT TO:<postmaster@[$EX_LITERALS]>" \
		"250 Accepted" "$t"

	# closed-catchall: anything at its own domain is accepted, locally.
	host=$(exim_hostname "$EX_CATCHALL")
	t=$(mta_smtp "$EX_CATCHALL" "$EX_PORT" 'EHLO client.test' 'MAIL FROM:<x@[1.2.3.4]>' 'MAIL FROM:<>' \
		"RCPT TO:<$EXT>" "RCPT TO:<relay-check%relay-test.example@$host>" "RCPT TO:<anything-at-all@$host>")
	expect_reply "Exim closed-catchall refuses a domain-literal sender" 'MAIL FROM:<x@[1.2.3.4]>' "501 " "$t"
	expect_reply "Exim closed-catchall refuses the external recipient" "RCPT TO:<$EXT>" "550 relay not permitted" "$t"
	expect_reply "Exim closed-catchall accepts the percent hack at its own domain" \
		"RCPT TO:<relay-check%relay-test.example@$host>" "250 Accepted" "$t"
	expect_reply "Exim closed-catchall accepts any local part" "RCPT TO:<anything-at-all@$host>" "250 Accepted" "$t"
	expect_swaks "Exim closed-catchall accepts the percent hack at its own domain" "" "$EX_CATCHALL" "$EX_PORT" \
		"relay-check%relay-test.example@$host" "250"
	out=$(exim_address_test "$EX_CATCHALL" "relay-check%relay-test.example@$host")
	expect_contains "Exim closed-catchall -bt: the percent hack is delivered locally, by the catch-all" \
		"router = catchall, transport = discard_local" "$out"
	expect_not_contains "Exim closed-catchall -bt: ... and not to relay-test.example" "<-- " "$out"

	# bang-relay: literals refused, bang paths relayed.
	host=$(exim_hostname "$EX_BANG")
	t=$(mta_smtp "$EX_BANG" "$EX_PORT" 'EHLO client.test' 'MAIL FROM:<x@[1.2.3.4]>' 'MAIL FROM:<>' "RCPT TO:<$EXT>" \
		"RCPT TO:<relay-test.example!relay-check@$host>" "RCPT TO:<relay-check%relay-test.example@$host>")
	expect_reply "Exim bang-relay refuses a domain-literal sender" 'MAIL FROM:<x@[1.2.3.4]>' \
		'501 <x@[1.2.3.4]>: domain literals not allowed' "$t"
	expect_reply "Exim bang-relay refuses the external recipient" "RCPT TO:<$EXT>" "550 relay not permitted" "$t"
	expect_reply "Exim bang-relay accepts the bang path at its own domain" \
		"RCPT TO:<relay-test.example!relay-check@$host>" "250 Accepted" "$t"
	expect_reply "Exim bang-relay refuses the percent hack" "RCPT TO:<relay-check%relay-test.example@$host>" "550 " "$t"
	expect_swaks "Exim bang-relay accepts the bang path" "" "$EX_BANG" "$EX_PORT" "relay-test.example!relay-check@$host" "250"
	out=$(exim_address_test "$EX_BANG" "relay-test.example!relay-check@$host")
	expect_contains "Exim bang-relay -bt: the bang path becomes the external address" \
		"$EXT
    <-- relay-test.example!relay-check@$host" "$out"
	expect_contains "Exim bang-relay -bt: ... routed to the remote domain" "router = remote_domains" "$out"

	for a in "$EX_OPEN" "$EX_CLOSED" "$EX_LITERALS" "$EX_CATCHALL" "$EX_BANG"; do
		expect_eq "Exim at $a queued nothing" "" "$(exim_queued_files "$a")"
		expect_eq "Exim at $a received no message (no '<=' in its mainlog)" 0 \
			"$(grep -c ' <= ' "$(exim_mainlog "$a")" 2>/dev/null || true)"
		expect_eq "Exim at $a wrote no panic log" "" "$(cat "$(exim_paniclog "$a")" 2>/dev/null)"
	done
	exim_stop_all
	for a in "$EX_OPEN" "$EX_CLOSED" "$EX_LITERALS" "$EX_CATCHALL" "$EX_BANG"; do
		expect_eq "Exim at $a: no process left once stopped" "" "$(exim_processes "$a")"
	done
fi

# --- OpenSMTPD ----------------------------------------------------------------------------------------------------

if opensmtpd_require; then
	OS_OPEN=127.0.79.10
	OS_CLOSED=198.18.0.1 # in the server namespace, probed from the client one, on port 25 of its own
	OS_PORT=$(random_port)
	opensmtpd_start open "$OS_OPEN" "$OS_PORT"
	opensmtpd_start closed "$OS_CLOSED" 25

	t=$(mta_smtp "$OS_OPEN" "$OS_PORT" 'EHLO client.test' 'MAIL FROM:<>' "RCPT TO:<$EXT>")
	expect_reply "OpenSMTPD open accepts the external recipient" "RCPT TO:<$EXT>" "250 " "$t"
	expect_swaks "OpenSMTPD open accepts the external recipient" "" "$OS_OPEN" "$OS_PORT" "$EXT" "250"

	host=$(opensmtpd_hostname "$OS_CLOSED")
	t=$(MTA_VIA=opensmtpd_client_exec mta_smtp "$OS_CLOSED" 25 'EHLO client.test' 'MAIL FROM:<>' "RCPT TO:<$EXT>" \
		"RCPT TO:<relay-check%relay-test.example@$host>" "RCPT TO:<postmaster@$host>")
	expect_reply "OpenSMTPD closed greets the client namespace" "EHLO client.test" "250 " "$t"
	expect_reply "OpenSMTPD closed refuses the external recipient" "RCPT TO:<$EXT>" \
		"550 Invalid recipient: <$EXT>" "$t"
	expect_reply "OpenSMTPD closed refuses the percent hack at its own domain" \
		"RCPT TO:<relay-check%relay-test.example@$host>" "550 " "$t"
	expect_reply "OpenSMTPD closed accepts its postmaster" "RCPT TO:<postmaster@$host>" "250 " "$t"
	expect_swaks "OpenSMTPD closed refuses the external recipient" opensmtpd_client_exec "$OS_CLOSED" 25 "$EXT" "550"
	# Why the namespaces: from its own namespace the client is "local", and relays.
	t=$(MTA_VIA=opensmtpd_server_exec mta_smtp "$OS_CLOSED" 25 'EHLO client.test' 'MAIL FROM:<>' "RCPT TO:<$EXT>")
	expect_reply "OpenSMTPD closed relays for a client of its own host ('from local')" "RCPT TO:<$EXT>" "250 " "$t"

	for a in "$OS_OPEN" "$OS_CLOSED"; do
		expect_eq "OpenSMTPD at $a queued nothing" "" "$(opensmtpd_queued_files "$a")"
	done
	opensmtpd_stop_all
	for a in "$OS_OPEN" "$OS_CLOSED"; do
		expect_eq "OpenSMTPD at $a: no process left once stopped" "" "$(opensmtpd_processes "$a")"
	done
fi

# --- Sendmail -----------------------------------------------------------------------------------------------------

if sendmail_require; then
	SM_OPEN=127.0.80.10
	SM_CLOSED=198.18.0.4 # in the server namespace, probed from the client one
	SM_PORT=$(random_port)
	sendmail_start open "$SM_OPEN" "$SM_PORT"
	sendmail_start closed "$SM_CLOSED" 25

	t=$(mta_smtp "$SM_OPEN" "$SM_PORT" 'EHLO client.test' 'MAIL FROM:<>' "RCPT TO:<$EXT>")
	expect_reply "Sendmail open accepts the external recipient" "RCPT TO:<$EXT>" "250 2.1.5 <$EXT>... Recipient ok" "$t"
	expect_swaks "Sendmail open accepts the external recipient" "" "$SM_OPEN" "$SM_PORT" "$EXT" "250"

	host=$(sendmail_hostname "$SM_CLOSED")
	t=$(MTA_VIA=mta_client_exec mta_smtp "$SM_CLOSED" 25 'EHLO client.test' 'MAIL FROM:<>' "RCPT TO:<$EXT>" \
		"RCPT TO:<relay-check%relay-test.example@$host>" "RCPT TO:<relay-test.example!relay-check@$host>")
	expect_reply "Sendmail closed greets the client namespace" "EHLO client.test" "250 " "$t"
	expect_reply "Sendmail closed refuses the external recipient" "RCPT TO:<$EXT>" \
		"550 5.7.1 <$EXT>... Relaying denied" "$t"
	expect_reply "Sendmail closed refuses the percent hack at its own domain" \
		"RCPT TO:<relay-check%relay-test.example@$host>" "550 5.7.1 " "$t"
	expect_reply "Sendmail closed refuses a bang path at its own domain" \
		"RCPT TO:<relay-test.example!relay-check@$host>" "550 5.7.1 " "$t"
	expect_swaks "Sendmail closed refuses the external recipient" mta_client_exec "$SM_CLOSED" 25 "$EXT" "550"
	# Sendmail's own ruleset test (-bt, no daemon): the same verdict for the client namespace's address, and why the
	# namespace is needed: from 127.0.0.1 it relays.
	out=$(sendmail_address_test "$SM_CLOSED" "$MTA_CLIENT_ADDR" "$EXT")
	expect_contains "Sendmail closed -bt: check_rcpt from $MTA_CLIENT_ADDR denies relaying" \
		'check_rcpt       returns: $# error $@ 5 . 7 . 1 $: "550 Relaying denied"' "$out"
	out=$(sendmail_address_test "$SM_CLOSED" 127.0.0.1 "$EXT")
	expect_contains "Sendmail closed -bt: check_rcpt from 127.0.0.1 relays ('originated locally')" \
		'check_rcpt       returns: RELAY' "$out"
	out=$(sendmail_ruleset_test "$SM_CLOSED" <<<'check_data x')
	expect_contains "Sendmail -bt: check_data refuses DATA" '"554 DATA refused by the dnsbld test instance"' "$out"

	for a in "$SM_OPEN" "$SM_CLOSED"; do
		expect_eq "Sendmail at $a queued nothing" "" "$(sendmail_queued_files "$a")"
		expect_eq "Sendmail at $a was never sent DATA (its transcript)" 0 \
			"$(grep -ciE '<<< (DATA|BDAT)' "$(sendmail_transcript "$a")" 2>/dev/null || true)"
	done
	sendmail_stop_all
	for a in "$SM_OPEN" "$SM_CLOSED"; do
		expect_eq "Sendmail at $a: no process left once stopped" "" "$(sendmail_processes "$a")"
	done
fi

# --- what is left behind ------------------------------------------------------------------------------------------

mta_netns_down
expect_eq "the machine's /etc files, MTA paths, mounts and interfaces are as before" "$system_before" \
	"$(system_snapshot)"
finish
