/* SPDX-License-Identifier: BSD-2-Clause */
/* rbldata_value.c — the A and TXT part of rbldnsd data lines (":A:TXT", ":A:", ":A", "TXT", the default line) and
 * the expansion of "$n" variables and the "$=" base template into the store's template language. */
#include "rbldata_internal.h"

#include "base/text.h"

#include <string.h>

int rbldata_parse_code(struct rbldata_reader *r, const char **sp, uint32_t *code)
{
	const char *start = *sp;
	uint32_t a;
	unsigned count;
	char word[48];

	if (*start == '\0' || *start == ':' || rbldata_is_space(*start))
		return rbldata_fail(r, "missing A value after ':'");
	if (rbldata_v4_octets(r, sp, &a, &count) < 0) {
		char inner[RBLDATA_WHY_MAX - 32];
		memcpy(inner, r->why, sizeof inner - 1);
		inner[sizeof inner - 1] = '\0';
		return rbldata_fail(r, "bad A value: %s", inner);
	}
	/* inet_aton's shorthand, as rbldnsd reads A values: the last octet given is the last octet of the address,
	 * so "127.2" is 127.0.0.2; a lone number is an octet of 127.0.0.0/8, so "2" is 127.0.0.2. */
	switch (count) {
	case 1:
		a >>= 24;
		if (a)
			a |= 0x7f000000u;
		break;
	case 2:
		a = (a & 0xff000000u) | ((a >> 16) & 0xffu);
		break;
	case 3:
		a = (a & 0xffff0000u) | ((a >> 8) & 0xffu);
		break;
	}
	if (a == 0)
		return rbldata_fail(r, "A value '%s' is zero", rbldata_word(start, word, sizeof word));
	if ((a >> 24) != 127)
		return rbldata_fail(r, "code %u.%u.%u.%u outside 127.0.0.0/8", a >> 24, (a >> 16) & 0xffu,
		                    (a >> 8) & 0xffu, a & 0xffu);
	*code = a;
	return 0;
}

int rbldata_parse_value(struct rbldata_reader *r, const char *s, uint32_t dflt_code, const char *dflt_txt,
                        uint32_t *code, const char **txt)
{
	char word[48];

	if (*s != ':') {
		*code = dflt_code;
		*txt = s;
		return 0;
	}
	s++;
	if (rbldata_parse_code(r, &s, code) < 0)
		return -1;
	while (rbldata_is_space(*s))
		s++;
	if (*s == ':') {
		/* ":A:" with nothing after it is an empty template: no TXT (unless a $= base template gives one). */
		s++;
		while (rbldata_is_space(*s))
			s++;
		*txt = s;
	} else if (*s == '\0') {
		*txt = dflt_txt;
	} else {
		/* rbldnsd refuses this too, comments included: "1.2.3.4 :2 # why" is not ":2" plus a comment. */
		return rbldata_fail(r, "unexpected '%s' after the A value (the forms are :A:TXT, :A: and :A)",
		                    rbldata_word(s, word, sizeof word));
	}
	return 0;
}

void rbldata_reset_default(struct rbldata_reader *r)
{
	r->default_code = RBLDATA_DEFAULT_CODE;
	r->default_txt[0] = '\0';
	r->default_fixed = false;
	r->default_expanded = false;
}

int rbldata_set_default(struct rbldata_reader *r, const char *s)
{
	uint32_t code;
	const char *txt;
	size_t len;

	/* The ":A" form of a default line takes the TXT of rbldnsd's built-in default, which is none. */
	if (rbldata_parse_value(r, s, RBLDATA_DEFAULT_CODE, "", &code, &txt) < 0)
		return -1;
	if (rbldata_expand(r, txt, r->expansion, &len) < 0)
		return -1;
	r->default_code = code;
	memmove(r->default_txt, txt, strlen(txt) + 1); /* txt may lie in default_txt already (the ":A" form) */
	memcpy(r->default_expansion, r->expansion, len + 1);
	r->default_expansion_len = len;
	r->default_expanded = true;
	r->default_generation = r->vars_generation;
	return 0;
}

int rbldata_default_expansion(struct rbldata_reader *r, const char **txt, size_t *len)
{
	if (!r->default_expanded || r->default_generation != r->vars_generation) {
		if (rbldata_expand(r, r->default_txt, r->default_expansion, &r->default_expansion_len) < 0) {
			r->default_expanded = false;
			return -1;
		}
		r->default_expanded = true;
		r->default_generation = r->vars_generation;
	}
	*txt = r->default_expansion;
	*len = r->default_expansion_len;
	return 0;
}

/* The output of an expansion. In the store's language '$' stands for the queried address and "$$" for a dollar
 * sign, so text copied as is (a variable's value, the entry text put in place of "$=") has every '$' doubled. */
struct expansion {
	char *p;
	size_t len;
	bool overflow;
	bool ambiguous;
	bool after_address; /* the last thing written was the address placeholder */
};

static void put(struct expansion *o, char c)
{
	if (o->len >= RBLDATA_TXT_MAX - 1) {
		o->overflow = true;
		return;
	}
	o->p[o->len++] = c;
}

static void put_dollar(struct expansion *o)
{
	/* "$" then "$$" reads back as "$$" then "$": the address followed by a '$' has no spelling. */
	if (o->after_address)
		o->ambiguous = true;
	put(o, '$');
	put(o, '$');
	o->after_address = false;
}

static void put_address(struct expansion *o)
{
	if (o->after_address)
		o->ambiguous = true;
	put(o, '$');
	o->after_address = true;
}

static void put_text(struct expansion *o, const char *s)
{
	for (; *s; s++) {
		if (*s == '$') {
			put_dollar(o);
		} else {
			put(o, *s);
			o->after_address = false;
		}
	}
}

static const char *variable(const struct rbldata_reader *r, unsigned index)
{
	uint32_t off = r->scopes[r->scope].var[index];
	return off ? r->arena + off - 1 : NULL;
}

/* rbldnsd expands at query time; we do the same walk once, at read time, leaving only the address to fill in:
 *   "$$" a dollar sign; "$0".."$9" the variable's text as is, or "$n" itself when undefined; "$=" the entry's text
 *   as is (the address when that text is empty); '$' before anything else, or at the end, the address.
 * With a base template ($=), it is the template that is walked and the entry text only replaces "$="; an entry
 * text starting with '=' opts out: the rest is walked instead. */
int rbldata_expand(struct rbldata_reader *r, const char *raw, char *out, size_t *out_len)
{
	struct expansion o = {.p = out};
	const char *tmpl = raw, *entry_text = raw, *base = variable(r, RBLDATA_VAR_BASE);

	if (raw[0] == '=') {
		tmpl = entry_text = raw + 1;
	} else if (base) {
		tmpl = base;
		entry_text = raw[0] ? raw : NULL; /* NULL: the address */
	}
	for (const char *t = tmpl; *t;) {
		if (*t != '$') {
			put(&o, *t++);
			o.after_address = false;
			continue;
		}
		char c = t[1];
		if (c == '$') {
			put_dollar(&o);
			t += 2;
		} else if (c >= '0' && c <= '9') {
			const char *value = variable(r, (unsigned)(c - '0'));
			if (value) {
				put_text(&o, value);
			} else {
				put_dollar(&o);
				put(&o, c);
				o.after_address = false;
			}
			t += 2;
		} else if (c == '=') {
			if (entry_text)
				put_text(&o, entry_text);
			else
				put_address(&o);
			t += 2;
		} else {
			put_address(&o);
			t++;
		}
	}
	if (o.overflow)
		return rbldata_fail(r, "TXT template expands to more than %d bytes", RBLDATA_TXT_MAX - 1);
	if (o.ambiguous)
		return rbldata_fail(r, "TXT template puts a '$' right after the address, which has no spelling in "
		                       "dnsbld's templates");
	/* A control character would be served raw in TXT answers and printed raw by rbltool list. */
	const char *control = text_has_control(out, o.len);
	if (control)
		return rbldata_fail(r, "control character 0x%02x in the TXT text", (unsigned char)*control);
	out[o.len] = '\0';
	*out_len = o.len;
	return 0;
}
