#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# make_seeds.py — writes the committed seed corpora, tests/fuzz/corpus/<harness>/: DNS queries of every shape (UDP
# datagrams and TCP streams), SMTP dialogues, CLI values, templates with their documents, and the repository's own
# rbldnsd, list and mail test files (with the harness's selector byte where it has one). Run it after changing a
# seed; the output is deterministic.
import base64
import gzip
import json
import os
import quopri
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")


def write(harness, name, data):
    d = os.path.join(CORPUS, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# --- fuzz_answer: DNS queries ---------------------------------------------------------------------------------------

A, NS, SOA, TXT, AAAA, OPT, IXFR, AXFR, ANY = 1, 2, 6, 16, 28, 41, 251, 252, 255
IN, CH = 1, 3


def name(text):
    out = b""
    for label in text.split(".") if text else []:
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def opt(payload=1232, version=0, do=False, options=b"", owner=b"\0"):
    ttl = version << 16 | (0x8000 if do else 0)
    return owner + struct.pack(">HHIH", OPT, payload, ttl, len(options)) + options


def query(qname, qtype=A, qclass=IN, qid=0x1234, flags=0x0100, additional=(), qd=1, an=0, ns=0, body=None):
    header = struct.pack(">HHHHHH", qid, flags, qd, an, ns, len(additional))
    question = name(qname) + struct.pack(">HH", qtype, qclass) if body is None else body
    return header + question + b"".join(additional)


def nibbles(hex32):
    return ".".join(reversed(hex32))


V6 = nibbles("20010db8000000000000000000000001")
dns = {
    "a_test_point": query("2.0.0.127.rbl.example"),
    "txt_test_point_edns_do": query("2.0.0.127.rbl.example", TXT, additional=[opt(4096, do=True)]),
    "a_listed_edns": query("1.2.0.192.rbl.example", additional=[opt(1232)]),
    "any_listed_edns512": query("200.2.0.192.rbl.example", ANY, additional=[opt(512)]),
    "txt_excluded": query("129.2.0.192.rbl.example", TXT),
    "txt_notext": query("7.100.51.198.rbl.example", TXT),
    "txt_expired": query("5.113.0.203.rbl.example", TXT),
    "txt_v6_long_udp": query(V6 + ".rbl.example", TXT),
    "txt_v6_long_edns": query(V6 + ".rbl.example", TXT, additional=[opt(1232)]),
    "aaaa_v6": query(V6 + ".rbl.example", AAAA),
    "v6_partial": query("8.b.d.0.1.0.0.2.rbl.example", A),
    "soa_apex": query("rbl.example", SOA),
    "ns_apex": query("rbl.example", NS, additional=[opt(1232)]),
    "ns_name_a": query("ns1.rbl.example", A),
    "ns_name_aaaa_edns": query("NS1.rbl.example", AAAA, additional=[opt(1232)]),
    "long_ns_glue_edns": query("long.example", NS, additional=[opt(1232)]),
    "long_ns_name_any": query("3.a-rather-long-name-server-label-to-fill-the-authority.long.example", ANY),
    "any_apex": query("rbl.example", ANY),
    "axfr": query("rbl.example", AXFR),
    "ixfr": query("rbl.example", IXFR),
    "ent_partial": query("2.0.192.rbl.example", A),
    "sub_zone_codes": query("1.0.0.10.sub.rbl.example", TXT, additional=[opt(1232)]),
    "aggregate_txt": query("1.2.0.192.agg.example", TXT, additional=[opt(1232)]),
    "long_txt": query("1.2.0.192.long.example", TXT, additional=[opt(600)]),
    "long_ns_udp": query("long.example", NS),
    "long_v6_tcp_size": query(V6 + ".long.example", ANY),
    "refused_elsewhere": query("www.example.com", A),
    "chaos_version_bind": query("version.bind", TXT, CH),
    "chaos_id_server": query("id.server", TXT, CH, additional=[opt(1232)]),
    "chaos_hostname_bind_any": query("HOSTNAME.bind", ANY, CH),
    "opcode15_all_flags": query("rbl.example", A, flags=0x7FF0, additional=[opt(1232)]),
    "opcode_status": query("rbl.example", A, flags=0x1000),
    "badvers": query("rbl.example", SOA, additional=[opt(1232, version=1)]),
    "edns_payload_0_do": query("2.0.0.127.rbl.example", TXT, additional=[opt(0, do=True)]),
    "edns_cookie": query("2.0.0.127.rbl.example", A,
                         additional=[opt(1232, options=struct.pack(">HH", 10, 8) + b"\1" * 8)]),
    "mixed_case": query("2.0.0.127.RBL.Example", TXT),
    "response_dropped": query("2.0.0.127.rbl.example", flags=0x8100),
    "short_11_bytes": query("x")[:11],
    "header_only_qd0": query("", qd=0, body=b""),
    "truncated_question": query("2.0.0.127.rbl.example")[:20],
    "pointer_in_question": query("", body=b"\x012\xc0\x0c" + struct.pack(">HH", A, IN)),
    "two_opts": query("rbl.example", additional=[opt(1232), opt(512)]),
    "opt_not_root": query("rbl.example", additional=[opt(1232, owner=b"\xc0\x0c")]),
    "qdcount_2": query("rbl.example", qd=2),
    "ancount_1": query("rbl.example", an=1),
    "max_name": query(".".join(["a" * 63] * 3 + ["b" * 36]) + ".rbl.example"),
    "label_64": query("a" * 64 + ".rbl.example"),
    "trailing_bytes": query("2.0.0.127.rbl.example") + b"\0" * 7,
}
for key, pkt in dns.items():
    write("fuzz_answer", "udp_" + key, pkt)


def tcp(*pkts):
    return b"".join(struct.pack(">H", len(p)) + p for p in pkts)


write("fuzz_answer", "tcp_two_queries", tcp(dns["a_test_point"], dns["txt_v6_long_udp"]))
write("fuzz_answer", "tcp_pipelined_mixed", tcp(dns["aggregate_txt"], dns["opcode15_all_flags"], dns["short_11_bytes"]))
write("fuzz_answer", "tcp_frame_too_long", struct.pack(">H", 4097) + b"\0" * 16)
write("fuzz_answer", "tcp_incomplete_frame", tcp(dns["soa_apex"]) + struct.pack(">H", 40) + b"\0" * 8)

# --- fuzz_smtp_reply: byte 0 the limit, byte 1 the fragmentation seed, then the server's bytes --------------------

smtp = {
    "greeting": "220 mx.example.org ESMTP Postfix\r\n",
    "ehlo_multiline": "250-mx.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250 8BITMIME\r\n",
    "relay_denied": "554 5.7.1 <relay-check@relay-test.example>: Relay access denied\r\n",
    "too_many_errors": "421 4.7.0 mx.example.org Error: too many errors\r\n",
    "exim_nonmail": "554 Too many nonmail commands\r\n",
    "starttls_first": "530 5.7.0 Must issue a STARTTLS command first\r\n",
    "greylisted": "450 4.2.0 <x@example.org>: Recipient address rejected: Greylisted\r\n",
    "bare_lf": "250 OK\n250 2.1.5 Ok\n",
    "code_only": "250\r\n",
    "codes_differ": "250-first\r\n251 second\r\n",
    "not_smtp": "HTTP/1.1 400 Bad Request\r\n",
    "dialogue": "220 mx ESMTP\r\n250-mx\r\n250 HELP\r\n250 2.1.0 Ok\r\n550 5.7.1 relaying denied\r\n221 Bye\r\n",
}
for i, (key, text) in enumerate(smtp.items()):
    write("fuzz_smtp_reply", key, bytes([i % 16, 7 * i]) + text.encode())
write("fuzz_smtp_reply", "too_long", b"\0\1" + b"250-" + b"x" * 600 + b"\r\n250 end\r\n")

# --- fuzz_probe_battery: byte 0 the family (bit 0: IPv6), then the server's script --------------------------------

GREET, EHLO = "220 mx.example.org ESMTP\r\n", "250-mx.example.org Hello\r\n250 PIPELINING\r\n"
battery = {
    "closed_postfix": GREET + EHLO + "250 2.1.0 Ok\r\n554 5.7.1 Relay access denied\r\n250 2.0.0 Ok\r\n" * 3,
    "open_relay": GREET + EHLO + "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n",
    "exim_literal_refused": GREET + EHLO + "250 OK\r\n550 relay not permitted\r\n"
    + "501 <rbl-probe@[192.0.2.25]>: domain literals not allowed\r\n250 OK\r\n550 relay not permitted\r\n",
    "catch_all_control": GREET + EHLO + ("250 OK\r\n550 relay not permitted\r\n" * 2)
    + "250 OK\r\n250 Accepted\r\n250 Accepted\r\n",
    "greeting_421": "421 4.3.2 Service not available, closing transmission channel\r\n",
    "greeting_554": "554 5.7.1 Your address is blocked\r\n",
    "starttls_at_mail": GREET + EHLO + "530 5.7.0 Must issue a STARTTLS command first\r\n",
    "ehlo_502_helo": GREET + "502 5.5.2 Error: command not recognized\r\n250 mx.example.org\r\n"
    + "250 Ok\r\n550 denied\r\n",
    "greylist_everything": GREET + EHLO + "450 4.7.1 Greylisted, try again later\r\n" * 4,
    "too_many_errors": GREET + EHLO + "250 Ok\r\n500 5.5.2 Error\r\n501 5.5.4 Syntax\r\n421 4.7.0 Too many errors\r\n",
    "garbage_mid_dialogue": GREET + EHLO + "250 Ok\r\nHTTP/1.0 200 OK\r\n",
    "rset_refused": GREET + EHLO + "250 Ok\r\n550 denied\r\n550 no\r\n250 Ok\r\n550 denied\r\n502 RSET not here\r\n",
}
for i, (key, text) in enumerate(battery.items()):
    write("fuzz_probe_battery", key, bytes([i % 2]) + text.encode())
# Bit 1: all_forms, the battery goes on past a relayed form.
OK_RCPT = "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"
write("fuzz_probe_battery", "all_forms_open_relay", b"\2" + (GREET + EHLO + OK_RCPT).encode())
write("fuzz_probe_battery", "all_forms_relay_then_refuse", b"\3" + (GREET + EHLO + OK_RCPT + "250 2.0.0 Ok\r\n"
      + "250 2.1.0 Ok\r\n554 5.7.1 Relay access denied\r\n250 2.0.0 Ok\r\n" * 4).encode())
write("fuzz_probe_battery", "all_forms_catch_all", b"\2" + (GREET + EHLO + "250 OK\r\n550 relay not permitted\r\n"
      + "250 OK\r\n250 Accepted\r\n250 Accepted\r\n" * 3).encode())

# --- fuzz_smtp_ehlo: byte 0 the mode (bit 0: one raw text, byte 1 its code; else replies: greeting, EHLO, and with
# bit 1 HELO) -------------------------------------------------------------------------------------------------------

ehlo = {
    "postfix": GREET + "250-mx.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n"
    "250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 DSN\r\n",
    "exim_auth": "220 mail.example.net ESMTP Exim 4.96 Mon, 01 Jan 2024 00:00:00 +0000\r\n"
    "250-mail.example.net Hello probe.rbl.example [192.0.2.1]\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n"
    "250-PIPELINING\r\n250-AUTH PLAIN LOGIN\r\n250-CHUNKING\r\n250 HELP\r\n",
    "old_auth_first": "220 mx.example.org\r\n250-mx.example.org\r\n250-AUTH=LOGIN PLAIN\r\n"
    "250-AUTH LOGIN PLAIN CRAM-MD5\r\n250 size 0\r\n",
    "sendmail_lowercase": "220 smtp.example.com ESMTP Sendmail 8.17; Mon, 1 Jan 2024\r\n"
    "250-smtp.example.com Hello [192.0.2.1], pleased to meet you\r\n250-starttls\r\n250-pipelining\r\n"
    "250-Size 99999999999999999999999\r\n250 auth digest-md5\r\n",
    "size_max": GREET + "250-mx.example.org\r\n250-SIZE 18446744073709551615\r\n250 HELP\r\n",
    "size_past_max": GREET + "250-mx.example.org\r\n250-SIZE 00000000000000000001\r\n250 SIZE 18446744073709551617\r\n",
    "banner_not_a_name": "220 5.7.1 go away\r\n250-192.0.2.1 Hello\r\n250-SIZE=1000\r\n250 AUTH \r\n",
    "banner_code_only": "220\r\n250\r\n",
    "ehlo_refused": GREET + "502 5.5.2 Error: command not recognized\r\n250 mx.example.org\r\n",
    "ehlo_4xx": GREET + "451 4.3.0 try later\r\n250 mx.example.org Hello\r\n",
    "trailing_dot_name": "220 mx.example.org. ESMTP\r\n250-mx.example.org.\r\n250 STARTTLS\r\n",
    "long_auth": GREET + "250-mx.example.org\r\n250-AUTH " + " ".join(["SCRAM-SHA-256-PLUS"] * 8) + "\r\n250 OK\r\n",
    "max_name": "220 " + ".".join(["a" * 63, "b" * 63]) + ".c ESMTP\r\n250-" + "x" * 130 + ".org\r\n250 OK\r\n",
    "control_bytes": "220 mx\x01.example.org \x7f\xe9t\xe9\r\n250-mx.example.org\r\n250-AUTH PL\x01AIN\r\n250 OK\r\n",
}
for i, (key, text) in enumerate(ehlo.items()):
    write("fuzz_smtp_ehlo", key, bytes([2 * (i % 2)]) + text.encode("latin-1"))
raw = {
    "raw_no_codes": (250, "mx.example.org hi\nSTARTTLS\nx-PIPELINING\n"),
    "raw_ehlo_no_newline": (250, "250-mx.example.org\n250-SIZE 1024\n250 AUTH PLAIN"),
    "raw_crs": (250, "250-mx.example.org\r\r\n250-SIZE 1024 \r\r\n250-AUTH LOGIN \r\n"),
    "raw_greeting_554": (554, "554 mx.example.org no service\n"),
}
for key, (code, text) in raw.items():
    write("fuzz_smtp_ehlo", key, bytes([1, code - 200 if code < 300 else code - 300]) + text.encode())

# --- fuzz_resolve_answer: byte 0 the type (0 A, 1 AAAA, 2 PTR, 3 TXT; 0xf0 + i: another), byte 1 the rcode and flags
# (0x10 havedata, 0x20 nxdomain), byte 2 the odd cases (7: err, 6: no result, 8: no arrays, 0x10: rcode > 15), then
# records: a length byte (0xff: two more, big-endian) and the rdata -------------------------------------------------

T_A, T_AAAA, T_PTR, T_TXT = 0, 1, 2, 3
HAVEDATA, NXDOMAIN = 0x10, 0x20


def rdata(rd):
    return (bytes([len(rd)]) if len(rd) < 0xff else b"\xff" + struct.pack(">H", len(rd))) + rd


def answer(t, records=(), rcode=0, flags=None, odd=0):
    if flags is None:
        flags = HAVEDATA if records else 0
    return bytes([t, rcode | flags, odd]) + b"".join(rdata(r) for r in records)


def txt(*strings):
    return b"".join(bytes([len(s)]) + s for s in strings)


V6_ADDR = bytes.fromhex("20010db8000000000000000000000001")
resolve = {
    "a_one": answer(T_A, [bytes([192, 0, 2, 1])]),
    "a_three": answer(T_A, [bytes([192, 0, 2, i]) for i in (1, 2, 3)]),
    "a_twenty": answer(T_A, [bytes([198, 51, 100, i]) for i in range(20)]),
    "a_bad_lengths": answer(T_A, [b"\xc0\x00\x02", bytes([192, 0, 2, 9]), b"\xc0\x00\x02\x01\x00", b""]),
    "a_sixteen_then_bad": answer(T_A, [b"\x01\x02"] + [bytes([203, 0, 113, i]) for i in range(17)]),
    "aaaa_two": answer(T_AAAA, [V6_ADDR, bytes.fromhex("00000000000000000000ffffc0000201")]),
    "aaaa_bad_length": answer(T_AAAA, [V6_ADDR[:15], bytes([192, 0, 2, 1])]),
    "ptr_simple": answer(T_PTR, [name("mail.example.org")]),
    "ptr_two_mixed_case": answer(T_PTR, [name("MX1.Example.ORG"), name("mx2.example.org")]),
    "ptr_escapes": answer(T_PTR, [b"\x05a.b c\x04x;()\x03\\\xff\x00\x07example\x00"]),
    "ptr_root": answer(T_PTR, [b"\x00", name("ok.example")]),
    "ptr_compressed": answer(T_PTR, [b"\x03www\xc0\x0c", name("ok.example")]),
    "ptr_label_64": answer(T_PTR, [b"\x40" + b"a" * 64 + b"\x00"]),
    "ptr_no_root": answer(T_PTR, [b"\x03www\x07example"]),
    "ptr_trailing_bytes": answer(T_PTR, [name("mail.example.org") + b"junk"]),
    "ptr_253": answer(T_PTR, [name(".".join(["a" * 63] * 3 + ["b" * 61]))]),
    "ptr_254": answer(T_PTR, [name(".".join(["a" * 63] * 3 + ["b" * 62]))]),
    "ptr_escaped_long": answer(T_PTR, [name(".".join(["a" * 60] * 3)) [:-1] + b"\x10" + b"\x01" * 16 + b"\x00"]),
    "txt_spf": answer(T_TXT, [txt(b"v=spf1 ip4:192.0.2.0/24 -all")]),
    "txt_listing": answer(T_TXT, [txt(b"Listed: see https://rbl.example/lookup?ip=192.0.2.1"), txt(b"second")]),
    "txt_strings": answer(T_TXT, [txt(b"one ", b"two ", b"", b"three")]),
    "txt_escapes": answer(T_TXT, [txt(b"tab\there \\ \"quoted\" \x00\x7f\xff")]),
    "txt_long": answer(T_TXT, [txt(*[b"x" * 255] * 3)]),
    "txt_cut_in_escape": answer(T_TXT, [txt(b"y" * 255, b"y" * 253 + b"\x01\x01")]),
    "txt_empty_rdata": answer(T_TXT, [b"", txt(b"")]),
    "txt_bad_string_length": answer(T_TXT, [b"\x05abc", txt(b"ok")]),
    "nodata": answer(T_A),
    "nodata_no_arrays": answer(T_TXT, odd=8),
    "nxdomain": answer(T_PTR, rcode=3, flags=NXDOMAIN),
    "servfail": answer(T_A, rcode=2),
    "refused": answer(T_AAAA, rcode=5),
    "formerr_with_data": answer(T_TXT, [txt(b"ignored")], rcode=1),
    "rcode_15": answer(T_A, rcode=15),
    "rcode_wide": answer(T_A, rcode=2, odd=0x10),
    "ub_error": answer(T_A, [bytes([192, 0, 2, 1])], odd=7 | (3 << 3)),
    "ub_error_no_result": answer(T_TXT, odd=0x87),
    "no_result": answer(T_PTR, odd=6),
    "other_mx": answer(0xf5, [b"\x00\x0a" + name("mx.example.org")]),
    "other_soa": answer(0xf3, [name("ns.example") + name("hostmaster.example") + b"\x00" * 20]),
}
for key, data in resolve.items():
    write("fuzz_resolve_answer", key, data)

# --- fuzz_cli_values: one value per file ----------------------------------------------------------------------------

values = [
    "30d", "2w", "0s", "90s", "15m", "12h", "3653d", "3654d", "05m", "2030-01-01", "2030-01-01T12:30:45Z",
    "2030-01-01T12:30", "9999-12-31T23:59:59Z", "2024-02-29", "192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1", "::",
    "192.0.2.0/24", "2001:db8::/32", "::ffff:0:0/96", "10.0.0.0/08", "rbl.example", "rbl.example.", ".",
    "first.last@example.org", "first\\.last.rbl.example", "127.0.0.2", "127.255.255.255", "128.0.0.2",
]
for i, text in enumerate(values):
    write("fuzz_cli_values", "value_%02d" % i, text)
write("fuzz_cli_values", "wire_revname_v4", b"\x012\x010\x010\x03127")
write("fuzz_cli_values", "wire_revname_v6",
      b"".join(b"\x01" + c.encode() for c in reversed("20010db8" + "0" * 23 + "1")))

# --- fuzz_tmpl: a template, a NUL, a JSON document (none: the harness's fixed one) ----------------------------------

# The lookup page as the issue 16 brief sketches it (the shipped templates do not exist yet), over real-looking
# documents: listed, not listed, and one with markup, quotes and control bytes wherever the page prints a string.
TMPL_LOOKUP = (
    '{{> header}}\n'
    '<h1 id="verdict">{{#listed}}{{address}} is listed{{/listed}}{{^listed}}{{address}} is not listed{{/listed}}</h1>\n'
    '<table id="zones">{{#zones}}<tr><td>{{zone}}</td><td>{{#listed}}listed{{/listed}}{{^listed}}not listed '
    '({{rcode}}){{/listed}}</td>\n'
    '  <td>{{#a}}<code>{{.}}</code> {{/a}}</td><td>{{#txt}}<q>{{.}}</q>{{/txt}}</td>\n'
    '  <td>{{#entry}}since {{since}}: {{reason}}{{/entry}}</td></tr>{{/zones}}</table>\n'
    '{{^listed}}<p id="last-probe">{{#host.last_probe}}Last probed {{host.last_probe}}: {{host.state}}.'
    '{{/host.last_probe}}{{^host.last_probe}}Never probed.{{/host.last_probe}}</p>{{/listed}}\n'
    '{{#evidence}}<section id="evidence"><h2>Evidence: probe #{{id}}, {{started}}, {{verdict}}</h2><p>{{why}}</p>\n'
    '  <p id="rdns">{{#rdns}}{{#names}}{{name}}{{#confirmed}} (forward-confirmed){{/confirmed}} {{/names}}'
    '{{^names}}no PTR ({{ptr_status}}){{/names}}{{/rdns}}{{^rdns}}no reverse DNS recorded{{/rdns}}</p>\n'
    '  <ol id="transcript">{{#transcript}}<li class="{{who}}"><span class="who">{{who}}</span> <code>{{text}}</code>'
    '</li>{{/transcript}}</ol></section>{{/evidence}}\n'
    '<section id="retest">{{#retest.request}}<p id="retest-state">Retest {{state}}{{#position}}: '
    '<span id="queue-position">position {{position}} in the queue</span>{{/position}}{{#outcome}}: {{outcome}}'
    '{{/outcome}}</p>{{/retest.request}}\n'
    '{{#retest.allowed}}<form method="post" action="{{retest.action}}"><input type="hidden" name="csrf" '
    'value="{{retest.csrf}}">\n'
    '  <button type="submit" id="request-retest">Request a retest</button></form>{{/retest.allowed}}\n'
    '{{^retest.allowed}}{{#retest.why_not}}<p>{{retest.why_not}}</p>{{/retest.why_not}}{{/retest.allowed}}</section>\n'
    '<ol id="history">{{#history}}<li><time>{{time}}</time> {{kind}} {{zone}} {{text}}</li>{{/history}}</ol>\n'
    '{{> footer}}\n')
TMPL_LISTED = {
    "address": "192.0.2.7", "listed": True,
    "zones": [{"zone": "relays.rbl.example", "listed": True, "a": ["127.0.0.2"],
               "txt": ["open relay, see https://rbl.example/lookup/192.0.2.7"],
               "entry": {"since": "2026-12-01T10:00:00Z", "reason": "open relay: relayed to <postmaster@example.org>"}},
              {"zone": "spam.rbl.example", "listed": False, "rcode": "NXDOMAIN", "a": [], "txt": []}],
    "host": {"last_probe": "2026-12-01T10:00:00Z", "state": "open"},
    "evidence": {"id": 3, "started": "2026-12-01T10:00:00Z", "verdict": "open",
                 "why": "accepted RCPT for a foreign domain",
                 "rdns": {"names": [{"name": "mail.example.net", "confirmed": True}], "ptr_status": "ok"},
                 "transcript": [{"who": "server", "text": "220 mail.example.net ESMTP"},
                                {"who": "client", "text": "EHLO probe.rbl.example"},
                                {"who": "server", "text": "250 OK"}]},
    "retest": {"allowed": True, "action": "/retest/192.0.2.7", "csrf": "0123456789abcdef" * 3,
               "request": {"state": "queued", "position": 1}},
    "history": [{"time": "2026-12-01T10:00:00Z", "kind": "listed", "zone": "relays.rbl.example", "text": "probe #3"}]}
TMPL_NOT_LISTED = {
    "address": "2001:db8::1", "listed": False,
    "zones": [{"zone": "relays.rbl.example", "listed": False, "rcode": "NXDOMAIN", "a": [], "txt": []}],
    "host": {}, "retest": {"allowed": False, "why_not": "not listed: nothing to retest"}, "history": []}
TMPL_HTML = json.loads(json.dumps(TMPL_LISTED))
TMPL_HTML["zones"][0]["entry"]["reason"] = "<script>alert('x')</script> \"quoted\" & {{address}} \u0000\u001b[31m"
TMPL_HTML["evidence"]["transcript"].append({"who": "server\" onmouseover=\"alert(1)",
                                            "text": "250-<img src=x onerror=alert(1)>\r\n\u007f"})
TMPL_HTML["history"].append({"time": "<time>", "kind": "delisted", "zone": "'z'", "text": "</ol><script>"})


def tmpl_seed(name, template, document=None):
    data = template.encode() if isinstance(template, str) else template
    if document is not None:
        data += b"\0" + (document if isinstance(document, bytes) else json.dumps(document, sort_keys=True).encode())
    write("fuzz_tmpl", name, data)


tmpl_seed("lookup_listed", TMPL_LOOKUP, TMPL_LISTED)
tmpl_seed("lookup_not_listed", TMPL_LOOKUP, TMPL_NOT_LISTED)
tmpl_seed("lookup_html_in_reason", TMPL_LOOKUP, TMPL_HTML)
tmpl_seed("lookup_fixed_document", TMPL_LOOKUP)
tmpl_seed("no_markup_fixed_document", "{{title}} {{address}} {{#zones}}{{zone}} {{reason}} {{#a}}{{.}}{{/a}}"
          "{{/zones}} {{host.last_probe}} {{obj.a.b.c}}")
tmpl_seed("nested_sections", "{{#zones}}{{#a}}{{#listed}}{{zone}}={{.}} {{title}}{{/listed}}{{^listed}}-{{/listed}}"
          "{{/a}}{{/zones}}{{#host.list}}[{{#.}}{{.}},{{/.}}]{{/host.list}}")
tmpl_seed("inverted_and_scalars", "{{^none}}N{{/none}}{{^zero}}Z{{/zero}}{{^empty}}E{{/empty}}{{^e}}A{{/e}}"
          "{{#n}}{{n}}{{/n}}{{#r}}{{r}}{{/r}}{{#o}}O{{/o}}{{#no}}x{{/no}}")
tmpl_seed("partials", "{{> header}}{{#zones}}{{> footer}}{{/zones}}{{>loop}}")
tmpl_seed("partial_self", "a\n{{> fuzz}}")
tmpl_seed("unclosed_section", "<ul>\n{{#zones}}\n<li>{{zone}}</li>\n")
tmpl_seed("mismatched_section", "{{#a}}\n{{#b}}\n{{/a}}{{/b}}")
tmpl_seed("unclosed_tag", "x\n{{title")
tmpl_seed("triple", "{{{title}}}")
tmpl_seed("ampersand", "{{&title}}")
tmpl_seed("comment", "{{! a {{{comment}}} \n spanning }}{{title}}")
tmpl_seed("object_as_value", "{{host}}")
tmpl_seed("deep_nesting", "{{#zones}}" * 16 + "{{.}}" + "{{/zones}}" * 16)
tmpl_seed("deep_arrays", "{{#.}}{{#.}}{{#.}}{{#.}}{{.}}{{/.}}{{/.}}{{/.}}{{/.}}", b"[" * 6 + b"1,2,3" + b"]" * 6)
tmpl_seed("big_output", "{{#l}}{{#l}}{{#l}}{{s}}{{/l}}{{/l}}{{/l}}", {"l": list(range(40)), "s": "<" * 20})
tmpl_seed("document_scalar", "{{.}}{{#.}}[{{.}}]{{/.}}", b"\"<b>&amp;</b>\"")

# --- the repository's own files -------------------------------------------------------------------------------------

RBLDATA = os.path.join(TOP, "tests/unit/formats/data/rbldata")
selectors = {  # file -> the dataset types it is seeded as ('0' ip4set ... '5' combined; +0x80: read from a pipe)
    "ip4set_forms.txt": "012", "ip4set_forms.txt.gz": "0", "truncated.txt.gz": "0", "values.txt": "02",
    "templates.txt": "0\xb0", "base_template.txt": "0", "specials.txt": "0", "ip6trie.txt": "3\xb3",
    "ip6tset.txt": "4", "combined.txt": "5\xb5",
}
for f, types in selectors.items():
    with open(os.path.join(RBLDATA, f), "rb") as src:
        content = src.read()
    for t in types:
        write("fuzz_rbldata", "%s.%02x" % (f, ord(t)), bytes([ord(t)]) + content)
write("fuzz_rbldata", "ip4tset_defaults.31", "1:127.0.0.3:first default $\n1.2.3.4\n:127.0.0.4:second\n5.6.7.8\n")
write("fuzz_rbldata", "maxrange_and_ranges.30", "$MAXRANGE4 /16\n10.0.0.0-10.1.255.255\n10.2/16\n")

plain = "# plain list\n192.0.2.1\n198.51.100.0/24   # a comment\n!192.0.2.128/25\n2001:db8::/32\n\n"
write("fuzz_listfile", "plain.txt", plain)
csv = ('address,code,reason,source,expires\n192.0.2.1,127.0.0.2,"spam, lots of it",feed-a,30d\n'
       '"!192.0.2.128/25",,,,\n2001:db8::/32,127.0.0.3 127.0.0.4,"said ""hi""",feed-b,2030-01-01T00:00:00Z\n')
write("fuzz_listfile", "all_columns.csv", csv)
write("fuzz_listfile", "reordered.csv", "Expires, CODE, Address\n2w,127.0.0.9,10.0.0.0/8\n,,192.0.2.7\n")
write("fuzz_listfile", "all_columns.csv.gz", gzip.compress(csv.encode(), mtime=0))

REPORTS = ["tests/unit/relay/data/report/arf_sample.eml", "tests/unit/relay/data/report/arf_three.mbox",
           "tests/unit/relay/data/report/spam.mbox", "tests/integration/data/pipeline/forwarded-spam.mbox",
           "tests/integration/data/pipeline/report.arf.eml"]
for f in REPORTS:
    with open(os.path.join(TOP, f), "rb") as src:
        write("fuzz_report", os.path.basename(f), src.read())
# The sample ARF (CRLF line ends) with its feedback-report part base64- and quoted-printable-encoded.
with open(os.path.join(TOP, REPORTS[0]), "rb") as src:
    arf = src.read().decode()
head, rest = arf.split("Content-Type: message/feedback-report\r\n\r\n", 1)
part, tail = rest.split("\r\n--part1", 1)
for cte, body in [("base64", base64.encodebytes(part.encode())),
                  ("quoted-printable", quopri.encodestring(part.encode()).replace(b"Source-IP", b"Source=2DIP"))]:
    body = body.decode().replace("\r\n", "\n").replace("\n", "\r\n")
    write("fuzz_report", "arf_%s.eml" % cte, head + "Content-Type: message/feedback-report\r\n"
          "Content-Transfer-Encoding: %s\r\n\r\n%s\r\n--part1%s" % (cte, body, tail))
