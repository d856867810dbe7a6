/* SPDX-License-Identifier: BSD-2-Clause */
/* fakesmtp_behaviours.c — what each behaviour of fakesmtp says: the table, the greeting, the reply to every command. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fakesmtp.h"

#define TARPIT_ERRORS 10
#define MEGABYTE (1024 * 1024)

/* The behaviour table (usage() prints it). "Closed": MAIL 250, every RCPT "554 5.7.1 <rcpt>: Relay access denied".
 * A recipient's domain is what follows its last @ outside quotes, a source route ("<@x,@y:...>") skipped; the "own
 * domain" is fake.smtp.test or the listener's address literal ([127.0.0.1], [IPv6:::1]); "unqualified" has no @
 * outside quotes. The five Exim models answer a MAIL inside an open transaction "503 sender already given". */
const struct behaviour_desc behaviours[B_COUNT] = {
        [B_OPEN] = {"open", "every RCPT 250: an open relay"},
        [B_CLOSED] = {"closed", "every RCPT 554 Relay access denied"},
        [B_SILENT] = {"silent", "accepts the connection, never greets, never answers"},
        [B_LATE_GREETING] = {"late-greeting", "closed, greets after --delay-ms"},
        [B_GREET421] = {"greet421", "greets 421 and hangs up"},
        [B_MULTILINE_SPLIT] =
                {"multiline-split",
                 "open; multiline replies (one line ends in a bare LF) in 5-byte pieces --split-ms apart"},
        [B_ENDLESS_MULTILINE] = {"endless-multiline", "a 220- greeting that never ends"},
        [B_MEGABYTE_LINE] = {"megabyte-line", "answers EHLO with a 1 MiB line"},
        [B_GARBAGE] = {"garbage", "greets with binary bytes (a TLS record, escapes)"},
        [B_GREYLIST] = {"greylist", "every RCPT 450 Greylisted"},
        [B_SOME_FORMS] = {"some-forms", "closed, but a RCPT with an unquoted % gets 250 (the plain percent hack)"},
        [B_TARPIT] = {"tarpit", "closed, every reply --tarpit-ms late; after 10 5xx replies 421 and hangs up"},
        [B_STARTTLS_REQUIRED] = {"starttls-required", "offers STARTTLS; MAIL 530 Must issue a STARTTLS command first"},
        [B_HELO_ONLY] = {"helo-only", "closed; EHLO 502 (HELO works)"},
        [B_DENIED_4XX] = {"denied-4xx", "every RCPT 450 Relaying temporarily denied"},
        [B_LITERAL_REFUSED] = {"literal-refused",
                               "Exim refusing domain literal senders: MAIL FROM with @[ -> \"501 <addr>: domain "
                               "literals not allowed\"; RCPT at an external domain -> \"550 relay not permitted\", at "
                               "the own domain or unqualified -> \"550 unknown user\"; no limits: closed"},
        [B_SYNPROT_LIMIT] = {"synprot-limit",
                             "closed, plus Exim's address syntax (allow_domain_literals false) and "
                             "smtp_max_synprot_errors: MAIL or RCPT with a domain literal -> \"501 <addr>: domain "
                             "literals not allowed\", with a second @ -> \"501 <addr>: malformed address: X may not "
                             "follow Y\", an open quote -> \"501 <addr>: unmatched doublequote in local part\", no "
                             "domain -> \"501 <addr>: recipient (sender) address must contain a domain\". Every "
                             "500..504 reply counts; the one that takes the count past --synprot-max (3, so the 4th) "
                             "goes out as \"5xx-<its text>\" + \"5xx Too many syntax or protocol errors\" and the "
                             "fake hangs up"},
        [B_NONMAIL_LIMIT] = {"nonmail-limit",
                             "closed, plus Exim's smtp_accept_max_nonmail: RSET HELO EHLO NOOP VRFY EXPN HELP ETRN "
                             "ATRN AUTH STARTTLS count, except the first HELO-or-EHLO, the first RSET, the first "
                             "STARTTLS and the first AUTH (MAIL RCPT DATA BDAT QUIT and unknown verbs never count); "
                             "the command that takes the count past --nonmail-max (10, so the 11th counted) is not "
                             "done: \"554 Too many nonmail commands\" and the fake hangs up"},
        [B_CATCH_ALL] = {"catch-all",
                         "a catch-all own domain: RCPT at the own domain (any local part: x%ext@, ext!x@, x@ext@, "
                         "random ones) or unqualified -> \"250 Accepted\", at an external domain -> \"550 relay not "
                         "permitted\": closed"},
        [B_BANG_RELAY] = {"bang-relay",
                          "literal-refused, except that it relays bang paths: RCPT <ext!local@own domain> -> \"250 "
                          "Accepted\"; any other local part at the own domain, or unqualified -> \"550 unknown "
                          "user\": open"},
};

/* Queues a reply the way this behaviour writes replies: at once, late (tarpit) or in small pieces. */
void behaviour_reply(struct conn *c, const char *text)
{
	char last[LINE_MAX_BYTES + 400];
	size_t len = strlen(text);

	/* synprot-limit: Exim's synprot_error(): the 500..504 reply that takes the count past smtp_max_synprot_errors
	 * is sent as the first line of a multiline reply, the last line says why, and the connection is dropped. Here
	 * every 500..504 reply counts; Exim is a little more lenient: its "must contain a domain" 501s and, when it
	 * advertised PIPELINING, a "503 sender not yet given" right after a refused MAIL do not count. */
	if (c->listener->behaviour == B_SYNPROT_LIMIT && text[0] == '5' && text[1] == '0' && text[2] >= '0' &&
	    text[2] <= '4' && text[3] == ' ' && ++c->synprot_errors > opt.synprot_max && len + 48 < sizeof last) {
		snprintf(last, sizeof last, "%.3s-%s%.3s Too many syntax or protocol errors\r\n", text, text + 4, text);
		conn_announce_close(c, last + len);
		text = last;
		len = strlen(text);
	}

	switch (c->listener->behaviour) {
	case B_TARPIT:
		conn_enqueue(c, text, len, opt.tarpit_ms);
		break;
	case B_MULTILINE_SPLIT:
		for (size_t i = 0; i < len; i += 5)
			conn_enqueue(c, text + i, len - i < 5 ? len - i : 5, opt.split_ms);
		break;
	default:
		conn_enqueue(c, text, len, 0);
		break;
	}
	if (text[0] >= '5' && ++c->errors >= TARPIT_ERRORS && c->listener->behaviour == B_TARPIT) {
		static const char bye[] = "421 4.7.0 " HOSTNAME " too many errors, closing\r\n";
		conn_announce_close(c, bye);
		conn_enqueue_text(c, bye, opt.tarpit_ms);
	}
	conn_flush(c);
}

void behaviour_greet(struct conn *c)
{
	static const unsigned char garbage[] = {0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03,
	                                        0x03, 0x00, 0xff, 0xfe, 0x80, 0x0d, 0x0a, 0x1b, 0x5b, 0x32};

	switch (c->listener->behaviour) {
	case B_SILENT:
		return;
	case B_LATE_GREETING:
		conn_enqueue_text(c, "220 " HOSTNAME " ESMTP, at last\r\n", opt.delay_ms);
		break;
	case B_GREET421: {
		static const char bye[] = "421 4.3.2 " HOSTNAME " service not available, closing\r\n";
		conn_announce_close(c, bye);
		conn_enqueue_text(c, bye, 0);
		break;
	}
	case B_MULTILINE_SPLIT:
		behaviour_reply(c, "220-" HOSTNAME " ESMTP\r\n220-greetings written\n220-in pieces\r\n220 ready\r\n");
		return;
	case B_ENDLESS_MULTILINE:
		c->generator = GEN_ENDLESS;
		break;
	case B_GARBAGE:
		for (int i = 0; i < 20; i++)
			conn_enqueue(c, (const char *)garbage, sizeof garbage, 0);
		break;
	case B_TARPIT:
		behaviour_reply(c, "220 " HOSTNAME " ESMTP (slowly)\r\n");
		return;
	default:
		conn_enqueue_text(c, "220 " HOSTNAME " ESMTP fakesmtp\r\n", 0);
		break;
	}
	conn_flush(c);
}

static bool verb_is(const char *line, const char *verb)
{
	size_t n = strlen(verb);

	return strncasecmp(line, verb, n) == 0 && (line[n] == '\0' || line[n] == ' ' || line[n] == ':');
}

static bool exim_model(enum behaviour b)
{
	return b == B_LITERAL_REFUSED || b == B_SYNPROT_LIMIT || b == B_NONMAIL_LIMIT || b == B_CATCH_ALL ||
	       b == B_BANG_RELAY;
}

/* The argument of "MAIL FROM:" / "RCPT TO:" (any case), spaces trimmed, copied to out; false if line is not that
 * command (Exim knows the verbs only as "mail from:" and "rcpt to:"). */
static bool command_arg(const char *line, const char *verb, char out[LINE_MAX_BYTES + 1])
{
	size_t n = strlen(verb);

	if (strncasecmp(line, verb, n) != 0)
		return false;
	line += n;
	while (*line == ' ' || *line == '\t')
		line++;
	n = strlen(line);
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	memcpy(out, line, n);
	out[n] = '\0';
	return true;
}

/* Past a quoted string starting at s ('"'): at its closing quote, or at the NUL if it has none. */
static const char *past_quoted(const char *s)
{
	for (s++; *s != '\0' && *s != '"'; s++)
		if (*s == '\\' && s[1] != '\0')
			s++;
	return s;
}

/* What Exim 4 says to a MAIL (sender) or RCPT argument, allow_domain_literals unset: the reason it is refused
 * with 501 (parse_extract_address's error, or the "must contain a domain" of an unqualified address), or NULL if
 * it is taken. Left to right, as parse.c reads it: a source route ("@a,@b:"), the local part (atoms and quoted
 * strings), "@", the domain, then the closing ">". */
static const char *exim_address_error(const char *arg, bool sender, char *err, size_t size)
{
	const char *s = arg;
	bool angle = *s == '<';

	if (angle)
		s++;
	if (sender && angle && *s == '>' && s[1] == '\0')
		return NULL; /* <> */
	if (*s == '@') {     /* a source route: read (its domains checked), then ignored */
		for (; *s != '\0' && *s != ':'; s++)
			if (*s == '[')
				return "domain literals not allowed";
		if (*s == ':')
			s++;
	}
	for (; *s != '\0' && *s != '@' && !(angle && *s == '>'); s++)
		if (*s == '"' && *(s = past_quoted(s)) == '\0')
			return "unmatched doublequote in local part";
	if (*s != '@')
		return sender ? "sender address must contain a domain" : "recipient address must contain a domain";
	s++;
	if (*s == '[')
		return "domain literals not allowed";
	while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' ||
	       *s == '.' || *s == '_')
		s++;
	if (angle ? (*s == '>' && s[1] == '\0') : *s == '\0')
		return NULL;
	if (angle && *s == '\0')
		return "'>' missing at end of address";
	snprintf(err, size, "malformed address: %.32s may not follow %.*s", s, (int)(s - arg), arg);
	return err;
}

enum place { PLACE_EXTERNAL, PLACE_OWN, PLACE_UNQUALIFIED };

/* Where a recipient goes: its domain is what follows its last @ outside quotes (a source route skipped); the own
 * domain is HOSTNAME or the listener's address literal. local gets the local part (empty if unqualified). */
static enum place recipient_place(const struct conn *c, const char *arg, char local[LINE_MAX_BYTES + 1])
{
	const char *s = arg, *end, *at = NULL;

	if (*s == '<')
		s++;
	end = s + strlen(s);
	if (end > s && end[-1] == '>' && *arg == '<')
		end--;
	if (*s == '@') {
		const char *colon = memchr(s, ':', (size_t)(end - s));
		s = colon ? colon + 1 : end;
	}
	for (const char *p = s; p < end; p++) {
		if (*p == '"') {
			p = past_quoted(p);
			if (*p == '\0' || p >= end)
				break;
		} else if (*p == '@') {
			at = p;
		}
	}
	local[0] = '\0';
	if (at == NULL) {
		snprintf(local, LINE_MAX_BYTES + 1, "%.*s", (int)(end - s), s);
		return PLACE_UNQUALIFIED;
	}
	snprintf(local, LINE_MAX_BYTES + 1, "%.*s", (int)(at - s), s);
	size_t n = (size_t)(end - at - 1);
	if ((n == strlen(HOSTNAME) && strncasecmp(at + 1, HOSTNAME, n) == 0) ||
	    (n == strlen(c->listener->literal) && strncasecmp(at + 1, c->listener->literal, n) == 0))
		return PLACE_OWN;
	return PLACE_EXTERNAL;
}

/* MAIL FROM in the Exim models. */
static void on_mail_exim(struct conn *c, const char *line)
{
	char arg[LINE_MAX_BYTES + 1], err[200], text[LINE_MAX_BYTES + 300];
	enum behaviour b = c->listener->behaviour;
	const char *why = NULL;

	if (!command_arg(line, "MAIL FROM:", arg)) {
		behaviour_reply(c, "500 unrecognized command\r\n");
		return;
	}
	if (c->in_mail) {
		behaviour_reply(c, "503 sender already given\r\n");
		return;
	}
	if (b == B_SYNPROT_LIMIT)
		why = exim_address_error(arg, true, err, sizeof err);
	else if ((b == B_LITERAL_REFUSED || b == B_BANG_RELAY) && strstr(arg, "@["))
		why = "domain literals not allowed";
	if (why) {
		snprintf(text, sizeof text, "501 %s: %s\r\n", arg, why);
		behaviour_reply(c, text);
		return;
	}
	c->in_mail = true;
	behaviour_reply(c, "250 2.1.0 Ok\r\n");
}

/* RCPT TO in the Exim models (after the MAIL check). */
static void on_rcpt_exim(struct conn *c, const char *arg)
{
	char local[LINE_MAX_BYTES + 1], err[200], text[LINE_MAX_BYTES + 300];
	enum behaviour b = c->listener->behaviour;
	const char *why;

	switch (b) {
	case B_SYNPROT_LIMIT:
		if ((why = exim_address_error(arg, false, err, sizeof err)) != NULL)
			snprintf(text, sizeof text, "501 %s: %s\r\n", arg, why);
		else
			snprintf(text, sizeof text, "554 5.7.1 %s: Relay access denied\r\n", arg);
		break;
	case B_CATCH_ALL:
		snprintf(text, sizeof text, "%s\r\n",
		         recipient_place(c, arg, local) == PLACE_EXTERNAL ? "550 relay not permitted" : "250 Accepted");
		break;
	case B_LITERAL_REFUSED:
	case B_BANG_RELAY:
		switch (recipient_place(c, arg, local)) {
		case PLACE_EXTERNAL:
			snprintf(text, sizeof text, "550 relay not permitted\r\n");
			break;
		case PLACE_OWN:
			snprintf(text, sizeof text, "%s\r\n",
			         b == B_BANG_RELAY && strchr(local, '!') ? "250 Accepted" : "550 unknown user");
			break;
		case PLACE_UNQUALIFIED:
			snprintf(text, sizeof text, "550 unknown user\r\n");
			break;
		}
		break;
	default: /* nonmail-limit: closed */
		snprintf(text, sizeof text, "554 5.7.1 %s: Relay access denied\r\n", arg);
		break;
	}
	behaviour_reply(c, text);
}

/* nonmail-limit: whether this command counts as Exim's smtp_read_command() counts it (is_mail_cmd false). One
 * HELO-or-EHLO, one RSET and one STARTTLS are uncounted "between messages", and no message ever starts here, so
 * the first of each in the connection; the first AUTH is uncounted too. Unknown verbs are not counted (Exim has
 * smtp_max_unknown_commands for them). */
static bool counts_as_nonmail(struct conn *c, const char *line)
{
	static const char *const counted[] = {"NOOP", "VRFY", "EXPN", "HELP", "ETRN", "ATRN"};
	bool *free_one = NULL;

	if (verb_is(line, "HELO") || verb_is(line, "EHLO"))
		free_one = &c->free_helo_used;
	else if (verb_is(line, "RSET"))
		free_one = &c->free_rset_used;
	else if (verb_is(line, "STARTTLS"))
		free_one = &c->free_starttls_used;
	else if (verb_is(line, "AUTH"))
		free_one = &c->free_auth_used;
	if (free_one) {
		if (*free_one)
			return true;
		*free_one = true;
		return false;
	}
	for (size_t i = 0; i < sizeof counted / sizeof counted[0]; i++)
		if (verb_is(line, counted[i]))
			return true;
	return false;
}

static void on_rcpt(struct conn *c, const char *line)
{
	char text[LINE_MAX_BYTES + 100];
	const char *rcpt = line + 8; /* past "RCPT TO:" */

	if (!c->in_mail) {
		behaviour_reply(c, exim_model(c->listener->behaviour) ? "503 sender not yet given\r\n"
		                                                      : "503 5.5.1 Error: need MAIL command\r\n");
		return;
	}
	if (exim_model(c->listener->behaviour)) {
		char arg[LINE_MAX_BYTES + 1];
		if (!command_arg(line, "RCPT TO:", arg))
			behaviour_reply(c, "500 unrecognized command\r\n");
		else
			on_rcpt_exim(c, arg);
		return;
	}
	switch (c->listener->behaviour) {
	case B_OPEN:
		behaviour_reply(c, "250 2.1.5 Ok\r\n");
		return;
	case B_MULTILINE_SPLIT:
		behaviour_reply(c, "250-2.1.5 Recipient\r\n250-2.1.5 looks\n250 2.1.5 fine\r\n");
		return;
	case B_GREYLIST:
		snprintf(text, sizeof text, "450 4.2.0 %s: Recipient address rejected: Greylisted, try again later\r\n",
		         rcpt);
		behaviour_reply(c, text);
		return;
	case B_SOME_FORMS:
		/* Only the plain percent hack: "<local%domain@host>", unquoted. */
		if (strchr(rcpt, '%') && !strchr(rcpt, '"')) {
			behaviour_reply(c, "250 2.1.5 Ok\r\n");
			return;
		}
		break;
	case B_TARPIT:
		behaviour_reply(c, "550 5.7.1 Relaying denied\r\n");
		return;
	case B_DENIED_4XX:
		snprintf(text, sizeof text, "450 4.7.1 %s: Relaying temporarily denied\r\n", rcpt);
		behaviour_reply(c, text);
		return;
	default:
		break;
	}
	snprintf(text, sizeof text, "554 5.7.1 %s: Relay access denied\r\n", rcpt);
	behaviour_reply(c, text);
}

void behaviour_on_command(struct conn *c, const char *line)
{
	enum behaviour b = c->listener->behaviour;

	if (!c->greeted)
		conn_log(c, "!", "early talker: a command before the greeting", 43);
	if (b == B_NONMAIL_LIMIT && counts_as_nonmail(c, line) && ++c->nonmail > opt.nonmail_max) {
		conn_announce_close(c, "554 Too many nonmail commands");
		behaviour_reply(c, "554 Too many nonmail commands\r\n");
		return;
	}
	if (verb_is(line, "EHLO")) {
		if (b == B_HELO_ONLY)
			behaviour_reply(c, "502 5.5.2 Error: command not recognized\r\n");
		else if (b == B_MEGABYTE_LINE) {
			conn_enqueue_text(c, "250 ", 0);
			c->generator = GEN_MEGABYTE;
			c->generated_left = MEGABYTE;
			conn_flush(c);
		} else if (b == B_STARTTLS_REQUIRED)
			behaviour_reply(c, "250-" HOSTNAME "\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n");
		else
			behaviour_reply(c,
			                "250-" HOSTNAME "\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n");
	} else if (verb_is(line, "HELO")) {
		behaviour_reply(c, "250 " HOSTNAME "\r\n");
	} else if (verb_is(line, "MAIL") && exim_model(b)) {
		on_mail_exim(c, line);
	} else if (verb_is(line, "MAIL")) {
		if (b == B_STARTTLS_REQUIRED) {
			behaviour_reply(c, "530 5.7.0 Must issue a STARTTLS command first\r\n");
		} else {
			c->in_mail = true;
			behaviour_reply(c, "250 2.1.0 Ok\r\n");
		}
	} else if (verb_is(line, "RCPT") && strlen(line) >= 8) {
		on_rcpt(c, line);
	} else if (verb_is(line, "RSET")) {
		c->in_mail = false;
		behaviour_reply(c, "250 2.0.0 Ok\r\n");
	} else if (verb_is(line, "NOOP")) {
		behaviour_reply(c, "250 2.0.0 Ok\r\n");
	} else if (verb_is(line, "QUIT")) {
		conn_announce_close(c, "221 2.0.0 Bye");
		behaviour_reply(c, "221 2.0.0 Bye\r\n");
	} else if (verb_is(line, "DATA") || verb_is(line, "BDAT")) {
		behaviour_reply(c, "554 5.5.1 Error: no message wanted here\r\n");
	} else {
		behaviour_reply(c, exim_model(b) ? "500 unrecognized command\r\n"
		                                 : "502 5.5.2 Error: command not recognized\r\n");
	}
}
