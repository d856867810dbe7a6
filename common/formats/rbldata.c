/* SPDX-License-Identifier: BSD-2-Clause */
/* rbldata.c — reads an rbldnsd data file: gzip or plain input, lines, comments and special entries, the sections of
 * a combined file, and the substitution variables of each scope; address lines go to rbldata_entry.c. */
#include "rbldata_internal.h"

#include "base/dname.h"
#include "base/err.h"
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const dataset_names[] = {"ip4set", "ip4tset", "ip4trie", "ip6trie", "ip6tset", "combined"};

int rbldata_dataset_parse(const char *name)
{
	for (int i = 0; i < (int)(sizeof dataset_names / sizeof dataset_names[0]); i++)
		if (name && strcmp(name, dataset_names[i]) == 0)
			return i;
	return -1;
}

const char *rbldata_dataset_name(enum rbldata_dataset type)
{
	return (unsigned)type < sizeof dataset_names / sizeof dataset_names[0] ? dataset_names[type] : "?";
}

bool rbldata_is_space(char c)
{
	return c == ' ' || c == '\t';
}

int rbldata_fail(struct rbldata_reader *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof r->why, fmt, ap);
	va_end(ap);
	return -1;
}

const char *rbldata_word(const char *s, char *out, size_t out_size)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	for (; *s && !rbldata_is_space(*s) && n + 8 < out_size; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c >= 0x7f) {
			out[n++] = '\\';
			out[n++] = 'x';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		} else {
			out[n++] = (char)c;
		}
	}
	if (*s && !rbldata_is_space(*s)) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

int rbldata_bad(struct rbldata_reader *r)
{
	if (!r->sink->bad_line)
		return 0;
	return r->sink->bad_line(r->ctx, r->path, r->lineno, r->line, r->why);
}

static bool is_tset(int type)
{
	return type == RBLDATA_IP4TSET || type == RBLDATA_IP6TSET;
}

/* ---- input ---- */

static void keep_long_text(struct rbldata_reader *r, const char *p)
{
	snprintf(r->long_text, sizeof r->long_text, "%.100s...", p);
}

/* Returns 1 with the next line NUL-terminated in the buffer (or, with *too_long, the start of an over-long line in
 * r->long_text, the rest of it skipped), 0 at the end of the input, RBL_EIO on a read error (logged). */
static int next_line(struct rbldata_reader *r, char **line, size_t *len, bool *too_long)
{
	*too_long = false;
	for (;;) {
		char *p = r->buf + r->start;
		size_t avail = r->end - r->start;
		char *nl = avail ? memchr(p, '\n', avail) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - p);
			r->start += n + 1;
			*nl = '\0';
			if (r->discarding || n > RBLDATA_LINE_MAX) {
				if (!r->discarding)
					keep_long_text(r, p);
				r->discarding = false;
				*too_long = true;
				return 1;
			}
			*line = p;
			*len = n;
			return 1;
		}
		if (!r->discarding && avail > RBLDATA_LINE_MAX) {
			p[avail] = '\0';
			keep_long_text(r, p);
			r->discarding = true;
		}
		if (r->discarding)
			r->start = r->end = avail = 0;
		if (r->eof) {
			if (r->discarding) {
				r->discarding = false;
				*too_long = true;
				return 1;
			}
			if (avail == 0)
				return 0;
			p[avail] = '\0'; /* a last line without a newline */
			r->start = r->end;
			*line = p;
			*len = avail;
			return 1;
		}
		memmove(r->buf, r->buf + r->start, avail);
		r->start = 0;
		r->end = avail;
		int n = gzread(r->gz, r->buf + r->end, (unsigned)(sizeof r->buf - 1 - r->end));
		int zerr = Z_OK;
		const char *msg = gzerror(r->gz, &zerr);
		if (n < 0 || (zerr != Z_OK && zerr != Z_STREAM_END)) {
			/* Z_BUF_ERROR here is zlib's "unexpected end of file": a truncated gzip file. zlib names the
			 * file "<fd:N>" (we opened it), so that part of its message goes. */
			if (msg && strncmp(msg, "<fd:", 4) == 0 && strstr(msg, ": "))
				msg = strstr(msg, ": ") + 2;
			log_err("%s: %s", r->path, zerr == Z_ERRNO ? strerror(errno) : msg);
			return RBL_EIO;
		}
		if (n == 0)
			r->eof = true;
		r->end += (size_t)n;
	}
}

static int rewind_input(struct rbldata_reader *r)
{
	if (gzrewind(r->gz) != 0) {
		log_err("%s: cannot read the file a second time", r->path);
		return RBL_EIO;
	}
	r->start = r->end = 0;
	r->eof = r->discarding = false;
	return 0;
}

/* ---- lines ---- */

enum line_kind { LINE_NOTHING, LINE_SPECIAL, LINE_DEFAULT, LINE_ENTRY };

/* Trims the line (blanks at both ends; a '\r' before the newline, which rbldnsd would keep), and says what it is; *s
 * is set to the text after "$" / "#$" / ";$" / ":$" for a special, to the trimmed line otherwise. */
static enum line_kind classify(char *line, size_t len, int type, char **trimmed, char **s)
{
	char *b = line, *e = line + len;

	while (b < e && rbldata_is_space(*b))
		b++;
	while (e > b && (rbldata_is_space(e[-1]) || e[-1] == '\r'))
		e--;
	*e = '\0';
	*trimmed = *s = b;
	if (b == e)
		return LINE_NOTHING;
	if (b[0] == '$') {
		*s = b + 1;
		return LINE_SPECIAL;
	}
	if ((b[0] == '#' || b[0] == ';' || b[0] == ':') && b[1] == '$') {
		*s = b + 2;
		return LINE_SPECIAL;
	}
	if (b[0] == '#' || b[0] == ';')
		return LINE_NOTHING;
	/* In ip6trie "::1" is an address, not a default line. */
	if (b[0] == ':' && !(type == RBLDATA_IP6TRIE && b[1] == ':'))
		return LINE_DEFAULT;
	return LINE_ENTRY;
}

/* ---- scopes and variables ---- */

/* A new scope; a $DATASET section starts with the common part's variables, which win over its own (rbldnsd copies
 * them into the section, and a variable's first definition is the one that holds). */
static int scope_add(struct rbldata_reader *r, int type)
{
	if (r->scope_count == r->scope_cap) {
		unsigned cap = r->scope_cap ? 2 * r->scope_cap : 8;
		struct rbldata_scope *grown = realloc(r->scopes, cap * sizeof *grown);
		if (!grown)
			return RBL_ENOMEM;
		r->scopes = grown;
		r->scope_cap = cap;
	}
	struct rbldata_scope *sc = &r->scopes[r->scope_count];
	memset(sc, 0, sizeof *sc);
	sc->type = type;
	if (r->scope_count > 0)
		memcpy(sc->var, r->scopes[0].var, sizeof sc->var);
	r->scope_count++;
	return 0;
}

/* Copies text into the arena; *off = its offset + 1. */
static int arena_add(struct rbldata_reader *r, const char *text, uint32_t *off)
{
	size_t len = strlen(text) + 1;
	if (r->arena_len + len > r->arena_cap) {
		size_t cap = r->arena_cap ? 2 * r->arena_cap : 4096;
		while (cap < r->arena_len + len)
			cap *= 2;
		if (cap > UINT32_MAX)
			return RBL_ENOMEM;
		char *grown = realloc(r->arena, cap);
		if (!grown)
			return RBL_ENOMEM;
		r->arena = grown;
		r->arena_cap = cap;
	}
	memcpy(r->arena + r->arena_len, text, len);
	*off = (uint32_t)r->arena_len + 1;
	r->arena_len += len;
	return 0;
}

/* "$n text" or "$= text" (s after the '$'): the index, and the text, or NULL if s is not such a line. */
static const char *variable_text(const char *s, unsigned *index)
{
	if (!((s[0] >= '0' && s[0] <= '9') || s[0] == '=') || !(s[1] == '\0' || rbldata_is_space(s[1])))
		return NULL;
	*index = s[0] == '=' ? RBLDATA_VAR_BASE : (unsigned)(s[0] - '0');
	s++;
	while (rbldata_is_space(*s))
		s++;
	return s;
}

/* The first definition of a variable in a scope holds; later ones are ignored, as in rbldnsd. */
static int define_variable(struct rbldata_reader *r, unsigned scope, unsigned index, const char *text)
{
	if (r->scopes[scope].var[index])
		return 0;
	uint32_t off;
	int err = arena_add(r, text, &off);
	if (err)
		return err;
	r->scopes[scope].var[index] = off;
	r->vars_generation++;
	return 0;
}

/* The dataset type named by the first word of a $DATASET line ("ip4set:name"), or -1. */
static int section_type(const char *w)
{
	char type[16];
	size_t n = 0;
	while (w[n] && w[n] != ':' && !rbldata_is_space(w[n]) && n + 1 < sizeof type)
		n++;
	memcpy(type, w, n);
	type[n] = '\0';
	int t = rbldata_dataset_parse(type);
	return t == RBLDATA_COMBINED ? -1 : t;
}

/* rbldnsd applies variables at query time, so a "$1" or "$=" defined anywhere in a scope applies to all of its
 * entries, earlier ones included; ip4tset and ip6tset likewise answer every entry with the dataset's first default
 * line. This first pass collects both, so that the second can expand templates as rbldnsd would answer them. */
static int prescan(struct rbldata_reader *r)
{
	char *line, *trimmed, *s;
	size_t len;
	bool too_long;
	int rc, type = r->type;
	unsigned scope = 0;

	while ((rc = next_line(r, &line, &len, &too_long)) > 0) {
		if (too_long || memchr(line, '\0', len))
			continue;
		enum line_kind kind = classify(line, len, type, &trimmed, &s);
		const char *text, *w;
		unsigned index;
		uint32_t code;
		int err = 0;
		if (kind == LINE_SPECIAL && r->file_type == RBLDATA_COMBINED && (w = rbldata_keyword(s, "dataset"))) {
			type = section_type(w);
			err = scope_add(r, type);
			scope = r->scope_count - 1;
		} else if (kind == LINE_SPECIAL && (text = variable_text(s, &index)) && *text) {
			err = define_variable(r, scope, index, text);
		} else if (kind == LINE_DEFAULT && is_tset(type) && !r->scopes[scope].tset_default &&
		           rbldata_parse_value(r, s, RBLDATA_DEFAULT_CODE, "", &code, &text) == 0) {
			err = arena_add(r, s, &r->scopes[scope].tset_default);
		}
		if (err)
			return err;
	}
	return rc < 0 ? rc : rewind_input(r);
}

/* Enters scope index (its variables, the built-in default, or the dataset's fixed default for a tset). */
static void enter_scope(struct rbldata_reader *r, unsigned index)
{
	r->scope = index;
	r->vars_generation++;
	rbldata_reset_default(r);
	uint32_t fixed = r->scopes[index].tset_default;
	if (is_tset(r->type) && fixed && rbldata_set_default(r, r->arena + fixed - 1) == 0)
		r->default_fixed = true;
}

/* ---- special lines that change the scope ---- */

static int variable_line(struct rbldata_reader *r, const char *s, unsigned index, const char *text)
{
	if (r->skipping)
		return 0;
	if (!*text)
		return rbldata_fail(r, "$%c needs a text", s[0]);
	if (!r->prescanned && (r->stop = define_variable(r, r->scope, index, text)) != 0)
		return 1;
	return 0;
}

static const char *const foreign_types[] = {"dnset", "generic", "acl", "ip4vset", "dnvset"};

/* "$DATASET type[:name] subzone...": a comment may follow (a '#' or ';' at the start of a word). */
static int dataset_line(struct rbldata_reader *r, const char *w)
{
	rbldata_section_t section;
	char *p = r->section_text, *end, *word, *save;
	int type;

	if (r->file_type != RBLDATA_COMBINED)
		return rbldata_fail(r, "$DATASET is only allowed in combined files");
	/* Every $DATASET line opens a scope, refused or not, so that the scopes of both passes match (the first pass
	 * made them; a file rewritten in place between the passes gets new ones). */
	if (r->scope + 1 >= r->scope_count && (r->stop = scope_add(r, -1)) != 0)
		return 1;
	r->skipping = true;
	r->type = -1;
	enter_scope(r, r->scope + 1);

	memset(&section, 0, sizeof section);
	section.line = r->lineno;
	snprintf(p, sizeof r->section_text, "%s", w);
	for (end = p; *end; end++)
		if ((*end == '#' || *end == ';') && (end == p || rbldata_is_space(end[-1])))
			break;
	*end = '\0';
	word = strtok_r(p, " \t", &save);
	if (!word)
		return rbldata_fail(r, "$DATASET without a dataset type");
	char *name = strchr(word, ':');
	if (name)
		*name++ = '\0';
	section.name = name ? name : "";
	type = rbldata_dataset_parse(word);
	if (type == RBLDATA_COMBINED)
		return rbldata_fail(r, "$DATASET combined: combined datasets cannot be nested");
	if (type < 0) {
		for (size_t i = 0; i < sizeof foreign_types / sizeof foreign_types[0]; i++)
			if (strcmp(word, foreign_types[i]) == 0)
				return rbldata_fail(r,
				                    "$DATASET %s: dnsbld does not serve %s datasets; section ignored",
				                    word, word);
		char text[48];
		return rbldata_fail(r, "$DATASET: unknown dataset type '%s'", rbldata_word(word, text, sizeof text));
	}
	section.type = (enum rbldata_dataset)type;
	while ((word = strtok_r(NULL, " \t", &save)) != NULL) {
		uint8_t wire[256];
		size_t wire_len;
		if (section.subzone_count == RBLDATA_MAX_SUBZONES)
			return rbldata_fail(r, "$DATASET: more than %d subzones", RBLDATA_MAX_SUBZONES);
		if (strcmp(word, "@") != 0 && dname_from_text(word, wire, &wire_len) != 0) {
			char text[48];
			return rbldata_fail(r, "$DATASET: subzone '%s' is not a valid name",
			                    rbldata_word(word, text, sizeof text));
		}
		section.subzones[section.subzone_count++] = word;
	}
	if (section.subzone_count == 0)
		return rbldata_fail(r, "$DATASET %s: no subzone given (rbldnsd ignores the section's data)",
		                    rbldata_dataset_name(section.type));
	r->skipping = false;
	r->type = type;
	r->scopes[r->scope].type = type;
	enter_scope(r, r->scope); /* again, now that the type is known (a tset's fixed default) */
	if (r->sink->section && (r->stop = r->sink->section(r->ctx, &section)) != 0)
		return 1;
	return 0;
}

/* ---- the main pass ---- */

static int handle_line(struct rbldata_reader *r, enum line_kind kind, char *s)
{
	const char *w, *text;
	unsigned index;
	uint32_t code;

	switch (kind) {
	case LINE_NOTHING:
		return 0;
	case LINE_SPECIAL:
		if ((text = variable_text(s, &index)) != NULL)
			return variable_line(r, s, index, text);
		if ((w = rbldata_keyword(s, "dataset")) != NULL)
			return dataset_line(r, w);
		return rbldata_special(r, s);
	case LINE_DEFAULT:
		if (r->skipping)
			return 0;
		if (r->type < 0)
			return rbldata_fail(r, "default line before the first $DATASET line");
		if (r->default_fixed) /* a later default of an ip4tset/ip6tset: rbldnsd ignores it */
			return rbldata_parse_value(r, s, RBLDATA_DEFAULT_CODE, "", &code, &text);
		if (rbldata_set_default(r, s) < 0)
			return -1;
		r->default_fixed = is_tset(r->type);
		return 0;
	case LINE_ENTRY:
		if (r->skipping)
			return 0;
		if (r->type < 0)
			return rbldata_fail(r, "entry before the first $DATASET line");
		return rbldata_entry_line(r, s);
	}
	return 0;
}

static int main_pass(struct rbldata_reader *r)
{
	char *line, *s;
	size_t len;
	bool too_long;
	int rc;

	while ((rc = next_line(r, &line, &len, &too_long)) > 0) {
		r->lineno++;
		if (r->sink->progress && (r->lineno & 0xffffu) == 0)
			r->sink->progress(r->ctx, r->lineno, (unsigned long long)gzoffset(r->gz));
		if (too_long) {
			r->line = r->long_text;
			rbldata_fail(r, "line longer than %d bytes", RBLDATA_LINE_MAX);
		} else if (memchr(line, '\0', len)) {
			r->line = line;
			rbldata_fail(r, "NUL byte in the line");
		} else {
			enum line_kind kind = classify(line, len, r->type, &r->line, &s);
			int res = handle_line(r, kind, s);
			if (res > 0)
				return r->stop;
			if (res == 0)
				continue;
		}
		if ((rc = rbldata_bad(r)) != 0)
			return rc;
	}
	return rc;
}

int rbldata_read(const char *path, enum rbldata_dataset type, const rbldata_sink_t *sink, void *ctx)
{
	struct rbldata_reader *r = NULL;
	struct stat st;
	gzFile gz;
	int rc;

	if (!path || !sink || (unsigned)type > RBLDATA_COMBINED)
		return RBL_EINVAL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		log_err("%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return RBL_EIO;
	}
	if (!(gz = gzdopen(fd, "rb"))) {
		log_err("%s: cannot read: %s", path, strerror(errno));
		close(fd);
		return RBL_EIO;
	}
	gzbuffer(gz, RBLDATA_READ_CHUNK);
	if (!(r = calloc(1, sizeof *r))) {
		rc = RBL_ENOMEM;
		goto out;
	}
	r->path = path;
	r->sink = sink;
	r->ctx = ctx;
	r->file_type = type;
	r->gz = gz;
	r->type = type == RBLDATA_COMBINED ? -1 : (int)type;
	if ((rc = scope_add(r, r->type)) != 0)
		goto out;
	/* Only a regular file can be read twice; a pipe is read once, and then a variable or a tset default applies
	 * from where it is written on. */
	if (S_ISREG(st.st_mode)) {
		if ((rc = prescan(r)) != 0)
			goto out;
		r->prescanned = true;
	}
	enter_scope(r, 0);
	rc = main_pass(r);
out:
	gzclose(gz);
	if (r) {
		free(r->scopes);
		free(r->arena);
		free(r);
	}
	return rc;
}
