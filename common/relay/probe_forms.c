/* SPDX-License-Identifier: BSD-2-Clause */
/* probe_forms.c — the relay battery, the commands a probe may send, and the verdict from the battery's outcomes.
 *
 * The 16 forms follow the set nmap's smtp-open-relay script tries: each pairs a sender with a recipient outside
 * the target, written in a way some MTA once mistook for local delivery (null sender, plain external to external,
 * a sender at the server's own name or address literal, the percent hack, quoted local parts, a double @, source
 * routes, bang paths). The external domains come from the configuration (RFC 2606 names by default); the target
 * contributes only its own names: its address literal and the host name it gave in its EHLO/HELO reply.
 */
#include "probe_internal.h"

#include "base/err.h"

#include <stdio.h>
#include <string.h>

/* Templates: $s / $r the sender's / recipient's local part, $S / $R their domains, $L the target's address
 * literal, $N the target's own name, $c a control's local part. Every other byte is copied. */
struct form_template {
	const char *name;
	const char *mail;
	const char *rcpt;
	enum probe_via via;
};

static const struct form_template forms[PROBE_FORM_COUNT] = {
        {"null sender", "<>", "<$r@$R>", PROBE_VIA_NONE},
        {"external to external", "<$s@$S>", "<$r@$R>", PROBE_VIA_NONE},
        {"sender at the server's name", "<$s@$N>", "<$r@$R>", PROBE_VIA_NONE},
        {"IP-literal sender", "<$s@$L>", "<$r@$R>", PROBE_VIA_NONE},
        {"percent hack via IP literal", "<$s@$L>", "<$r%$R@$L>", PROBE_VIA_LITERAL},
        {"percent hack via server name", "<$s@$L>", "<$r%$R@$N>", PROBE_VIA_NAME},
        {"quoted local part", "<$s@$L>", "<\"$r@$R\">", PROBE_VIA_UNQUALIFIED},
        {"quoted percent hack", "<$s@$L>", "<\"$r%$R\">", PROBE_VIA_UNQUALIFIED},
        {"double @ via IP literal", "<$s@$L>", "<$r@$R@$L>", PROBE_VIA_LITERAL},
        {"quoted double @ via IP literal", "<$s@$L>", "<\"$r@$R\"@$L>", PROBE_VIA_LITERAL},
        {"double @ via server name", "<$s@$L>", "<$r@$R@$N>", PROBE_VIA_NAME},
        {"source route via IP literal", "<$s@$L>", "<@$L:$r@$R>", PROBE_VIA_LITERAL},
        {"source route via server name", "<$s@$L>", "<@$N:$r@$R>", PROBE_VIA_NAME},
        {"bang path", "<$s@$L>", "<$R!$r>", PROBE_VIA_UNQUALIFIED},
        {"bang path via IP literal", "<$s@$L>", "<$R!$r@$L>", PROBE_VIA_LITERAL},
        {"bang path via server name", "<$s@$L>", "<$R!$r@$N>", PROBE_VIA_NAME},
};

const char *probe_form_name(int form)
{
	if (form < 0 || form >= PROBE_FORM_COUNT)
		return "";
	return forms[form].name;
}

const char *probe_form_outcome_name(enum probe_form_outcome o)
{
	switch (o) {
	case PROBE_FORM_UNTRIED:
		return "untried";
	case PROBE_FORM_RELAYED:
		return "relayed";
	case PROBE_FORM_REFUSED:
		return "refused";
	case PROBE_FORM_DEFERRED:
		return "deferred";
	case PROBE_FORM_UNTESTABLE:
		return "not testable";
	}
	return "untried";
}

enum probe_via probe_form_via(int form)
{
	return form < 0 || form >= PROBE_FORM_COUNT ? PROBE_VIA_NONE : forms[form].via;
}

static const char *template_value(char key, const struct probe_form_env *env)
{
	switch (key) {
	case 's':
		return PROBE_SENDER_LOCAL;
	case 'r':
		return PROBE_RECIPIENT_LOCAL;
	case 'S':
		return env->sender_domain;
	case 'R':
		return env->recipient_domain;
	case 'L':
		return env->ip_literal;
	case 'N':
		return env->server_name;
	case 'c':
		return env->control_local;
	}
	return NULL;
}

static int expand(const char *template, const struct probe_form_env *env, char out[PROBE_ARG_MAX])
{
	size_t len = 0;

	for (const char *p = template; *p != '\0'; p++) {
		const char *value = NULL;
		char one[2] = {*p, '\0'};

		if (*p == '$' && p[1] != '\0')
			value = template_value(*++p, env);
		if (value == NULL)
			value = one;
		size_t n = strlen(value);
		if (n >= PROBE_ARG_MAX - len)
			return RBL_ESPACE;
		memcpy(out + len, value, n);
		len += n;
	}
	out[len] = '\0';
	return RBL_OK;
}

int probe_form_format(int form, const struct probe_form_env *env, char mail[PROBE_ARG_MAX], char rcpt[PROBE_ARG_MAX])
{
	if (form < 0 || form >= PROBE_FORM_COUNT || env == NULL)
		return RBL_EINVAL;
	int err = expand(forms[form].mail, env, mail);
	if (err == RBL_OK)
		err = expand(forms[form].rcpt, env, rcpt);
	return err;
}

int probe_plain_sender(const struct probe_form_env *env, char mail[PROBE_ARG_MAX])
{
	return env == NULL ? RBL_EINVAL : expand("<$s@$S>", env, mail);
}

int probe_control_format(enum probe_via via, const struct probe_form_env *env, uint32_t nonce,
			 char rcpt[PROBE_ARG_MAX])
{
	static const char *const templates[PROBE_VIA_COUNT] = {
	        [PROBE_VIA_LITERAL] = "<$c@$L>",
	        [PROBE_VIA_NAME] = "<$c@$N>",
	        [PROBE_VIA_UNQUALIFIED] = "<$c>",
	};
	if (env == NULL || (unsigned)via >= PROBE_VIA_COUNT || templates[via] == NULL)
		return RBL_EINVAL;
	char local[64];
	snprintf(local, sizeof local, "%s-nonexistent-%08x", PROBE_SENDER_LOCAL, (unsigned)nonce);
	struct probe_form_env with_local = *env;
	with_local.control_local = local;
	return expand(templates[via], &with_local, rcpt);
}

void probe_ip_literal(const addr_t *a, char out[PROBE_LITERAL_MAX])
{
	char text[ADDR_STRLEN];

	addr_format(a, text);
	snprintf(out, PROBE_LITERAL_MAX, a->family == ADDR_V6 ? "[IPv6:%s]" : "[%s]", text);
}

static bool is_ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

bool probe_domain_ok(const char *name)
{
	size_t label = 0, i;

	if (name == NULL)
		return false;
	for (i = 0; name[i] != '\0'; i++) {
		if (i >= PROBE_DOMAIN_MAX)
			return false;
		if (name[i] == '.') {
			if (label == 0 || name[i - 1] == '-')
				return false;
			label = 0;
		} else if (is_ldh(name[i])) {
			if ((label == 0 && name[i] == '-') || ++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return i > 0 && label > 0 && name[i - 1] != '-';
}

void probe_server_name(const char *reply_text, const char *fallback, char out[PROBE_DOMAIN_MAX + 1])
{
	char name[PROBE_DOMAIN_MAX + 2];
	size_t n = 0;

	if (reply_text != NULL && strlen(reply_text) > 4 && reply_text[3] != '\n') {
		const char *p = reply_text + 4;
		while (p[n] != '\0' && p[n] != ' ' && p[n] != '\n' && n < sizeof name - 1) {
			name[n] = p[n];
			n++;
		}
	}
	name[n] = '\0';
	const char *chosen = probe_domain_ok(name) ? name : fallback;
	size_t len = strnlen(chosen, PROBE_DOMAIN_MAX);
	memcpy(out, chosen, len);
	out[len] = '\0';
}

static const char *const command_verbs[PROBE_CMD_COUNT] = {
        [PROBE_CMD_EHLO] = "EHLO ",    [PROBE_CMD_HELO] = "HELO ", [PROBE_CMD_MAIL] = "MAIL FROM:",
        [PROBE_CMD_RCPT] = "RCPT TO:", [PROBE_CMD_RSET] = "RSET",  [PROBE_CMD_QUIT] = "QUIT",
};

const char *probe_command_verb(enum probe_command cmd)
{
	if ((unsigned)cmd >= PROBE_CMD_COUNT)
		return NULL;
	return command_verbs[cmd];
}

int probe_command_format(enum probe_command cmd, const char *arg, char line[PROBE_LINE_MAX])
{
	const char *verb = probe_command_verb(cmd);

	if (verb == NULL)
		return RBL_EINVAL;
	if (arg == NULL)
		arg = "";
	for (const char *p = arg; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			return RBL_EINVAL;
	size_t verb_len = strlen(verb), arg_len = strlen(arg);
	if (verb_len + arg_len + 2 >= PROBE_LINE_MAX)
		return RBL_ESPACE;
	memcpy(line, verb, verb_len);
	memcpy(line + verb_len, arg, arg_len);
	memcpy(line + verb_len + arg_len, "\r\n", 3);
	return (int)(verb_len + arg_len + 2);
}

enum probe_verdict probe_decide(const enum probe_form_outcome outcome[PROBE_FORM_COUNT], int *first_relayed)
{
	bool all_decided = true, any_refused = false;

	*first_relayed = -1;
	for (int i = 0; i < PROBE_FORM_COUNT; i++) {
		if (outcome[i] == PROBE_FORM_RELAYED) {
			*first_relayed = i;
			return PROBE_OPEN;
		}
		any_refused |= outcome[i] == PROBE_FORM_REFUSED;
		if (outcome[i] != PROBE_FORM_REFUSED && outcome[i] != PROBE_FORM_UNTESTABLE)
			all_decided = false;
	}
	return all_decided && any_refused ? PROBE_CLOSED : PROBE_INCONCLUSIVE;
}
