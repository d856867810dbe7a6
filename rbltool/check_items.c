/* SPDX-License-Identifier: BSD-2-Clause */
/* check_items.c — rbltool check's rules: the checklist lines from what was gathered, with no I/O. */
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *check_status_name(enum check_status s)
{
	return s == CHECK_PASS ? "PASS" : s == CHECK_WARN ? "WARN" : "FAIL";
}

static check_line_t *add_line(check_report_t *r, enum check_status status, const char *item, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static check_line_t *add_line(check_report_t *r, enum check_status status, const char *item, const char *fmt, ...)
{
	static check_line_t overflow; /* past CHECK_MAX_LINES (cannot happen: zones are capped) */
	check_line_t *l = r->count < CHECK_MAX_LINES ? &r->lines[r->count++] : &overflow;
	memset(l, 0, sizeof *l);
	l->status = status;
	snprintf(l->item, sizeof l->item, "%s", item);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l->detail, sizeof l->detail, fmt, ap);
	va_end(ap);
	if (l != &overflow)
		status == CHECK_PASS ? r->pass++ : status == CHECK_WARN ? r->warn++ : r->fail++;
	return l;
}

static void add_fix(check_line_t *l, const char *hint)
{
	if (l->nfix < CHECK_MAX_FIX)
		l->fix[l->nfix++] = hint;
}

/* --- who may be trusted */

static bool in_v4(const addr_t *a, uint8_t b0, uint8_t b1, unsigned len)
{
	uint32_t v = (uint32_t)a->b[0] << 24 | (uint32_t)a->b[1] << 16;
	uint32_t net = (uint32_t)b0 << 24 | (uint32_t)b1 << 16;
	uint32_t mask = len ? ~0u << (32 - len) : 0;
	return (v & mask) == (net & mask);
}

/* The kind of a non-public address ("a loopback address", ...), or NULL for a public one. */
static const char *address_kind(const addr_t *a)
{
	if (a->family == ADDR_V4) {
		if (in_v4(a, 127, 0, 8))
			return "a loopback address";
		if (in_v4(a, 10, 0, 8) || in_v4(a, 172, 16, 12) || in_v4(a, 192, 168, 16))
			return "a private (RFC 1918) address";
		if (in_v4(a, 100, 64, 10))
			return "a shared (RFC 6598) address";
		if (in_v4(a, 169, 254, 16))
			return "a link-local address";
	} else if (a->family == ADDR_V6) {
		static const uint8_t loopback[16] = {[15] = 1};
		if (memcmp(a->b, loopback, 16) == 0)
			return "a loopback address";
		if ((a->b[0] & 0xFE) == 0xFC)
			return "a unique local (ULA) address";
		if (a->b[0] == 0xFE && (a->b[1] & 0xC0) == 0x80)
			return "a link-local address";
	}
	return NULL;
}

bool check_source_trusted(const addr_t *source, const addr_t *server, bool server_is_local, char *why, size_t size)
{
	char text[ADDR_STRLEN];
	addr_format(source, text);
	const char *kind = address_kind(source), *nat = "";
	/* A private source reaching a public server went through NAT: the server saw the public address, a stranger's
	 * as far as it knows. The source is one it may trust only when the server is private too (or this host). */
	if (kind && server && !address_kind(server) && !server_is_local) {
		kind = NULL;
		nat = " (behind NAT: the server sees the public address)";
	}
	if (!kind && server && source->family == server->family && addr_cmp(source, server) == 0)
		kind = "the server's own address (the same host)";
	else if (!kind && server_is_local)
		kind = "an address of the server's own host";
	if (kind)
		snprintf(why, size, "%s, %s", text, kind);
	else
		snprintf(why, size, "%s%s", text, nat);
	return kind != NULL;
}

/* --- relaying */

static const char FIX_RELAY_POSTFIX[] =
        "Postfix: smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination; "
        "mynetworks = only your own hosts (e.g. 127.0.0.0/8 [::1]/128)";
static const char FIX_RELAY_EXIM[] =
        "Exim: keep the default acl_check_rcpt (require verify = recipient, accept hosts = +relay_from_hosts, deny "
        "\"relay not permitted\"); hostlist relay_from_hosts = only your own hosts (e.g. localhost)";

/* The form N of a battery note "* form N relayed..." in the line's n bytes, else -1. */
static int relayed_note(const char *t, size_t n)
{
	static const char head[] = "* form ", tail[] = " relayed";
	size_t i = sizeof head - 1;
	int form = 0;
	if (n < i || memcmp(t, head, i) != 0 || i >= n || t[i] < '0' || t[i] > '9')
		return -1;
	for (; i < n && t[i] >= '0' && t[i] <= '9' && form < PROBE_FORM_COUNT; i++)
		form = form * 10 + (t[i] - '0');
	if (form >= PROBE_FORM_COUNT || n - i < sizeof tail - 1 || memcmp(t + i, tail, sizeof tail - 1) != 0)
		return -1;
	return form;
}

/* One evidence line "form N: LINE", cut at the evidence line's size (a transcript line may be longer). */
static void add_evidence(check_line_t *l, int form, const char *line)
{
	int n = snprintf(l->evidence[l->nevidence], sizeof l->evidence[0], "form %d: %s", form, line);
	(void)n; /* a cut line keeps its start, which is what shows the relaying */
	l->nevidence++;
}

/* The lines that show relaying: for each "* form N relayed" note of the battery, the MAIL and the RCPT of that form
 * (the last RCPT to the external recipient: a control recipient is "rbl-probe-nonexistent-...") and the server's
 * reply to it. */
static void relay_evidence(check_line_t *l, const char *t, size_t len)
{
	const char *end = t + len;
	char mail[300] = "", rcpt[300] = "", reply[300] = "";
	bool want_reply = false;
	while (t < end && l->nevidence + 3 <= CHECK_MAX_EVIDENCE) {
		const char *nl = memchr(t, '\n', (size_t)(end - t));
		int n = (int)(nl ? nl - t : end - t);
		int form;
		if (n > 8 && strncmp(t, "C: MAIL ", 8) == 0) {
			snprintf(mail, sizeof mail, "%.*s", n, t);
		} else if (n > 8 && strncmp(t, "C: RCPT ", 8) == 0) {
			want_reply = memmem(t, (size_t)n, "relay-check", 11) != NULL;
			if (want_reply)
				snprintf(rcpt, sizeof rcpt, "%.*s", n, t);
		} else if (want_reply && n >= 2 && strncmp(t, "S:", 2) == 0) {
			snprintf(reply, sizeof reply, "%.*s", n, t);
			want_reply = false;
		} else if (rcpt[0] && (form = relayed_note(t, (size_t)n)) >= 0) {
			add_evidence(l, form, mail);
			add_evidence(l, form, rcpt);
			add_evidence(l, form, reply);
			rcpt[0] = '\0';
		}
		t = nl ? nl + 1 : end;
	}
}

static void relay_forms(const probe_result_t *p, char *out, size_t size)
{
	size_t n = 0;
	out[0] = '\0';
	for (int i = 0; i < PROBE_FORM_COUNT && n < size; i++)
		if (p->relayed_forms & (1u << i))
			n += (size_t)snprintf(out + n, size - n, "%sform %d (%s)", n ? ", " : "", i,
			                      probe_form_name(i));
}

static unsigned forms_with(const probe_result_t *p, enum probe_form_outcome o)
{
	unsigned n = 0;
	for (int i = 0; i < PROBE_FORM_COUNT; i++)
		n += p->outcome[i] == o;
	return n;
}

static void item_relaying(const check_facts_t *f, check_report_t *r)
{
	const probe_result_t *p = &f->probe;
	if (!f->probed || !p->facts.connected || !p->facts.greeting_code) {
		check_line_t *l =
		        add_line(r, CHECK_FAIL, "relaying", "could not test: %s", f->probed ? p->why : "no probe");
		add_fix(l, "the server must accept SMTP connections on this port from where the check runs");
		return;
	}
	char source[ADDR_STRLEN + 64];
	bool trusted = check_source_trusted(&p->facts.local_addr, &f->addr, f->server_is_local, source, sizeof source);
	unsigned refused = forms_with(p, PROBE_FORM_REFUSED), untestable = forms_with(p, PROBE_FORM_UNTESTABLE);
	if (p->verdict == PROBE_OPEN) {
		char forms[1024];
		relay_forms(p, forms, sizeof forms);
		check_line_t *l;
		if (trusted)
			l = add_line(
			        r, CHECK_WARN, "relaying",
			        "accepted %s from %s, which the server may trust: this says little about strangers; "
			        "run the check from outside",
			        forms, source);
		else
			l = add_line(r, CHECK_FAIL, "relaying", "open relay: accepted %s from %s", forms, source);
		relay_evidence(l, p->transcript, p->transcript_len);
		add_fix(l, FIX_RELAY_POSTFIX);
		add_fix(l, FIX_RELAY_EXIM);
	} else if (p->verdict == PROBE_CLOSED) {
		if (untestable)
			add_line(r, CHECK_PASS, "relaying",
			         "%u of %d forms refused from %s, %u not testable (catch-all)", refused,
			         PROBE_FORM_COUNT, source, untestable);
		else
			add_line(r, CHECK_PASS, "relaying", "all %d forms refused from %s", PROBE_FORM_COUNT, source);
	} else {
		check_line_t *l = add_line(r, CHECK_WARN, "relaying", "could not decide from %s: %s", source, p->why);
		add_fix(l, "a server that defers (greylisting, rate limits) or demands STARTTLS first cannot be tested "
		           "without TLS: run the check again later, or from a host it does not defer");
	}
}

/* --- reverse DNS */

static const char FIX_PTR[] = "the PTR record is set by whoever holds the address block (usually the ISP or "
                              "hosting provider): ask them to point it at the server's name";
static const char FIX_FCRDNS[] = "the PTR name must resolve back: an A (or AAAA) record from that name to this "
                                 "address, in the DNS of its domain";

/* Whether a lookup's outcome is an answer (the name has that record, or has none), not a failure to look. */
static bool answered(enum resolve_status s)
{
	return s == RESOLVE_OK || s == RESOLVE_NXDOMAIN || s == RESOLVE_NODATA;
}

static void item_reverse_dns(const check_facts_t *f, check_report_t *r)
{
	char addr[ADDR_STRLEN];
	addr_format(&f->addr, addr);
	const rdns_result_t *d = &f->rdns;
	check_line_t *l;
	if (!answered(d->ptr)) { /* a resolver that failed says nothing about the PTR */
		add_line(r, CHECK_WARN, "reverse-dns", "could not check: the PTR lookup of %s failed (%s)", addr,
		         d->ptr == RESOLVE_TIMEOUT ? "timed out" : resolve_status_name(d->ptr));
		return;
	}
	if (d->ptr != RESOLVE_OK || d->count == 0) {
		l = add_line(r, CHECK_FAIL, "reverse-dns", "no PTR for %s (%s)", addr,
		             d->ptr == RESOLVE_OK ? "the PTR records hold no usable name"
		                                  : resolve_status_name(d->ptr));
		add_fix(l, FIX_PTR);
		return;
	}
	bool all_answered = true;
	for (unsigned i = 0; i < d->count; i++) {
		if (d->names[i].confirmed) {
			add_line(r, CHECK_PASS, "reverse-dns", "%s -> %s -> %s (forward-confirmed)", addr,
			         d->names[i].name, addr);
			return;
		}
		all_answered = all_answered && answered(d->names[i].forward);
	}
	char describe[512];
	rdns_describe(d, describe, sizeof describe);
	if (!all_answered) {
		add_line(r, CHECK_WARN, "reverse-dns", "could not check: %s: %s", addr, describe);
		return;
	}
	l = add_line(r, CHECK_FAIL, "reverse-dns", "%s: %s", addr, describe);
	add_fix(l, FIX_FCRDNS);
}

/* The PTR name that name matches (case-blind, final dot ignored), or NULL. */
static const char *ptr_match(const rdns_result_t *d, const char *name)
{
	size_t n = strlen(name);
	if (n && name[n - 1] == '.')
		n--;
	for (unsigned i = 0; d->ptr == RESOLVE_OK && i < d->count; i++)
		if (strlen(d->names[i].name) == n && strncasecmp(d->names[i].name, name, n) == 0)
			return d->names[i].name;
	return NULL;
}

static void item_name(const check_facts_t *f, check_report_t *r, const char *item, const char *where, const char *name,
                      const char *fix_postfix, const char *fix_exim)
{
	const rdns_result_t *d = &f->rdns;
	check_line_t *l;
	if (!name[0])
		l = add_line(r, CHECK_WARN, item, "the %s gives no host name", where);
	else if (d->ptr != RESOLVE_OK || d->count == 0)
		l = add_line(r, CHECK_WARN, item, "the %s names %s; there is no PTR to compare it with", where, name);
	else if (ptr_match(d, name))
		l = add_line(r, CHECK_PASS, item, "the %s names %s, as the PTR does", where, name);
	else
		l = add_line(r, CHECK_WARN, item, "the %s names %s, the PTR names %s", where, name, d->names[0].name);
	add_fix(l, fix_postfix);
	add_fix(l, fix_exim);
}

/* --- blocklists */

/* A listing's answer: an A in 127.0.0.0/8 outside 127.255.255.0/24, which lists such as Spamhaus use for errors
 * ("query refused", "public resolver"). Anything else (a hijacking resolver's web server, an error code) is not a
 * listing. */
static bool listing_code(const addr_t *a)
{
	return a->family == ADDR_V4 && a->b[0] == 127 && !(a->b[1] == 255 && a->b[2] == 255);
}

static bool lists(const resolve_answer_t *answer)
{
	for (size_t i = 0; answer->status == RESOLVE_OK && i < answer->count; i++)
		if (listing_code(&answer->addrs[i]))
			return true;
	return false;
}

static void format_codes(const resolve_answer_t *a, char *out, size_t size)
{
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; i < a->count && n < size; i++) {
		char c[ADDR_STRLEN];
		addr_format(&a->addrs[i], c);
		n += (size_t)snprintf(out + n, size - n, "%s%s", i ? " " : "", c);
	}
}

static void item_dnsbl(const check_zone_t *z, const addr_t *addr, check_report_t *r)
{
	char item[300], text[ADDR_STRLEN], codes[256];
	snprintf(item, sizeof item, "dnsbl %s", z->name);
	addr_format(addr, text);
	if (lists(&z->negative)) { /* RFC 5782 3.2: 127.0.0.1 must never be listed */
		add_line(r, CHECK_WARN, item,
		         "the list (or the resolver) answers for 127.0.0.1, which no list may list: its answers mean "
		         "nothing");
		return;
	}
	if (lists(&z->a)) {
		char txt[600] = "";
		format_codes(&z->a, codes, sizeof codes);
		if (z->txt.status == RESOLVE_OK && z->txt.count)
			snprintf(txt, sizeof txt, ", \"%s\"", z->txt.texts[0]);
		check_line_t *l = add_line(r, CHECK_FAIL, item, "%s is listed: %s%s", text, codes, txt);
		add_fix(l,
		        "find out why at the list's lookup page (the TXT above often names it), fix the cause "
		        "(an open relay, a compromised account, a spam run), then ask the list to delist the address");
		return;
	}
	if (!lists(&z->testpoint)) {
		add_line(r, CHECK_WARN, item,
		         "list does not answer: no A for 127.0.0.2, the RFC 5782 test point (%s); %s not found there "
		         "(%s)",
		         resolve_status_name(z->testpoint.status), text, resolve_status_name(z->a.status));
		return;
	}
	if (z->a.status == RESOLVE_OK) {
		format_codes(&z->a, codes, sizeof codes);
		add_line(r, CHECK_WARN, item,
		         "%s: an answer that is no listing code (%s): the list's error, or a resolver "
		         "that rewrites answers",
		         text, codes);
	} else if (z->a.status == RESOLVE_NXDOMAIN || z->a.status == RESOLVE_NODATA) {
		add_line(r, CHECK_PASS, item, "%s is not listed", text);
	} else {
		add_line(r, CHECK_WARN, item, "the lookup of %s failed: %s", text, resolve_status_name(z->a.status));
	}
}

/* --- transport */

/* "12 ms", or "under 1 ms" (the probe counts whole milliseconds). */
static void format_ms(unsigned ms, char *out, size_t size)
{
	if (ms == 0)
		snprintf(out, size, "under 1 ms");
	else
		snprintf(out, size, "%u ms", ms);
}

static void item_transport(const check_facts_t *f, check_report_t *r)
{
	const probe_session_facts_t *s = &f->probe.facts;
	check_line_t *l;
	if (s->starttls)
		add_line(r, CHECK_PASS, "starttls", "offered in the EHLO reply");
	else {
		l = add_line(r, CHECK_WARN, "starttls", "%s: mail to and from this server would travel in clear",
		             s->ehlo_ok ? "not offered in the EHLO reply" : "EHLO was not accepted, so no STARTTLS");
		add_fix(l, "Postfix: smtpd_tls_cert_file, smtpd_tls_key_file and smtpd_tls_security_level = may");
		add_fix(l, "Exim: tls_certificate, tls_privatekey and tls_advertise_hosts = *");
	}
	if (!s->has_size)
		add_line(r, CHECK_PASS, "size",
		         "no SIZE in the EHLO reply (optional, RFC 1870): senders learn a limit "
		         "only after sending");
	else if (s->size_limit == 0)
		add_line(r, CHECK_PASS, "size", "SIZE announced without a limit");
	else if (s->size_limit < 10000000) { /* Postfix's default, 10240000, is above it */
		l = add_line(r, CHECK_WARN, "size", "SIZE %llu (%.1f MB): mail with ordinary attachments is refused",
		             (unsigned long long)s->size_limit, (double)s->size_limit / 1048576.0);
		add_fix(l, "Postfix: message_size_limit (default 10240000); Exim: message_size_limit (default 50M)");
	} else
		add_line(r, CHECK_PASS, "size", "SIZE %llu (%.1f MB)", (unsigned long long)s->size_limit,
		         (double)s->size_limit / 1048576.0);
	/* RFC 5321 4.5.3.2 lets a client wait 5 minutes for the greeting; real senders give up far sooner. */
	char greeting[32], ehlo[32];
	format_ms(s->greeting_ms, greeting, sizeof greeting);
	format_ms(s->ehlo_ms, ehlo, sizeof ehlo);
	if (s->greeting_ms > 10000 || s->ehlo_ms > 10000) {
		l = add_line(r, CHECK_WARN, "response-time", "greeting after %s, EHLO answered after %s: slow",
		             greeting, ehlo);
		add_fix(l, "a long greeting delay (tarpitting, a slow DNS lookup of the client) makes senders time out "
		           "or retry; check the server's resolver and any deliberate greeting delay");
	} else {
		add_line(r, CHECK_PASS, "response-time", "greeting after %s, EHLO answered after %s", greeting, ehlo);
	}
}

void check_evaluate(const check_facts_t *f, check_report_t *out)
{
	memset(out, 0, sizeof *out);
	item_relaying(f, out);
	item_reverse_dns(f, out);
	bool talked = f->probed && f->probe.facts.greeting_code;
	if (talked) {
		item_name(f, out, "banner-name", "220 banner", f->probe.facts.banner_name,
		          "Postfix: smtpd_banner = $myhostname ESMTP, with myhostname = the PTR name",
		          "Exim: primary_hostname = the PTR name (smtp_banner starts with it)");
		item_name(f, out, "ehlo-name", "EHLO reply", f->probe.facts.ehlo_name,
		          "Postfix: myhostname = the PTR name", "Exim: primary_hostname = the PTR name");
	}
	for (size_t i = 0; i < f->nzones; i++)
		item_dnsbl(&f->zones[i], &f->addr, out);
	if (f->zones_left_out)
		add_line(out, CHECK_WARN, "dnsbl", "%zu more zones of the store not looked up (at most %d zones)",
		         f->zones_left_out, CHECK_MAX_ZONES);
	if (talked)
		item_transport(f, out);
}

int check_exit_status(const check_report_t *r)
{
	return r->fail ? 3 : r->warn ? 1 : 0;
}
