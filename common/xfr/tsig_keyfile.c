/* SPDX-License-Identifier: BSD-2-Clause */
/* tsig_keyfile.c — BIND-format key files: a small tokenizer and the key statement (tsig_keyfile.h). */
#include "xfr/tsig_keyfile.h"

#include "base/err.h"

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_MAX 400 /* a name (255), a secret (347) or an algorithm fits */

enum token_kind { T_END, T_WORD, T_STRING, T_OPEN, T_CLOSE, T_SEMICOLON };

struct token {
	enum token_kind kind;
	unsigned line;
	char text[TOKEN_MAX + 1];
};

struct lexer {
	const char *path;
	const char *p, *end;
	unsigned line;
	char *err;
	size_t err_size;
};

static int fail(struct lexer *lx, unsigned line, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(struct lexer *lx, unsigned line, int code, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(lx->err, lx->err_size, "%s:%u: ", lx->path, line);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < lx->err_size)
		vsnprintf(lx->err + n, lx->err_size - (size_t)n, fmt, ap);
	va_end(ap);
	return code;
}

static bool at(const struct lexer *lx, const char *s)
{
	size_t n = strlen(s);
	return (size_t)(lx->end - lx->p) >= n && memcmp(lx->p, s, n) == 0;
}

/* Steps over blanks and comments. RBL_OK, or RBL_EINVAL for a comment never closed or a NUL byte. */
static int skip_space(struct lexer *lx)
{
	while (lx->p < lx->end) {
		char c = *lx->p;
		if (c == '\0')
			return fail(lx, lx->line, RBL_EINVAL, "a NUL byte");
		if (c == '\n') {
			lx->line++;
			lx->p++;
		} else if (c == ' ' || c == '\t' || c == '\r') {
			lx->p++;
		} else if (c == '#' || at(lx, "//")) {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
		} else if (at(lx, "/*")) {
			unsigned opened = lx->line;
			lx->p += 2;
			while (lx->p < lx->end && !at(lx, "*/"))
				lx->line += *lx->p++ == '\n';
			if (lx->p == lx->end)
				return fail(lx, opened, RBL_EINVAL, "comment not closed");
			lx->p += 2;
		} else {
			return RBL_OK;
		}
	}
	return RBL_OK;
}

static bool word_byte(char c)
{
	return c > ' ' && c != 0x7f && !strchr("{};\"#", c);
}

static int next(struct lexer *lx, struct token *t)
{
	int err = skip_space(lx);
	if (err)
		return err;
	t->line = lx->line;
	t->text[0] = '\0';
	if (lx->p == lx->end) {
		t->kind = T_END;
		return RBL_OK;
	}
	char c = *lx->p;
	if (c == '{' || c == '}' || c == ';') {
		t->kind = c == '{' ? T_OPEN : c == '}' ? T_CLOSE : T_SEMICOLON;
		t->text[0] = c;
		t->text[1] = '\0';
		lx->p++;
		return RBL_OK;
	}
	const char *start = lx->p;
	if (c == '"') {
		const char *close = memchr(start + 1, '"', (size_t)(lx->end - start - 1));
		const char *newline = memchr(start + 1, '\n', (size_t)(lx->end - start - 1));
		if (!close || (newline && newline < close))
			return fail(lx, lx->line, RBL_EINVAL, "a string not closed on its line");
		t->kind = T_STRING;
		start++;
		lx->p = close + 1;
		if (memchr(start, '\\', (size_t)(close - start)) || memchr(start, '\0', (size_t)(close - start)))
			return fail(lx, t->line, RBL_EINVAL, "escapes and NUL bytes are not allowed in a string");
		if ((size_t)(close - start) > TOKEN_MAX)
			return fail(lx, t->line, RBL_EINVAL, "a string longer than %d bytes", TOKEN_MAX);
		memcpy(t->text, start, (size_t)(close - start));
		t->text[close - start] = '\0';
		return RBL_OK;
	}
	if (!word_byte(c))
		return fail(lx, lx->line, RBL_EINVAL, "unexpected byte 0x%02x", (unsigned char)c);
	while (lx->p < lx->end && word_byte(*lx->p) && !at(lx, "//") && !at(lx, "/*"))
		lx->p++;
	if ((size_t)(lx->p - start) > TOKEN_MAX)
		return fail(lx, t->line, RBL_EINVAL, "a word longer than %d bytes", TOKEN_MAX);
	t->kind = T_WORD;
	memcpy(t->text, start, (size_t)(lx->p - start));
	t->text[lx->p - start] = '\0';
	return RBL_OK;
}

/* The next token, which must be of kind (T_WORD also takes a string). */
static int expect(struct lexer *lx, struct token *t, enum token_kind kind, const char *what)
{
	int err = next(lx, t);
	if (err)
		return err;
	if (t->kind == kind || (kind == T_WORD && t->kind == T_STRING))
		return RBL_OK;
	if (t->kind == T_END)
		return fail(lx, t->line, RBL_EINVAL, "expected %s, found the end of the file", what);
	return fail(lx, t->line, RBL_EINVAL, "expected %s, found '%s'", what, t->text);
}

/* "algorithm X;" or "secret "X";", the clause word already read. */
static int clause_value(struct lexer *lx, const struct token *word, char *out, unsigned *line)
{
	struct token value;
	if (*line)
		return fail(lx, word->line, RBL_EINVAL, "'%s' is given twice (first on line %u)", word->text, *line);
	int err = expect(lx, &value, T_WORD, "a value");
	if (!err)
		err = expect(lx, &(struct token){0}, T_SEMICOLON, "';'");
	if (err)
		return err;
	*line = word->line;
	memcpy(out, value.text, sizeof value.text);
	return RBL_OK;
}

/* key NAME { algorithm X; secret "X"; }; — the word "key" already read. */
static int key_statement(struct lexer *lx, const struct token *keyword, tsig_keytab_t *keys)
{
	struct token name, t;
	char algorithm[TOKEN_MAX + 1] = "", secret[TOKEN_MAX + 1] = "";
	unsigned algorithm_line = 0, secret_line = 0;
	int err = expect(lx, &name, T_WORD, "a key name");
	if (!err)
		err = expect(lx, &t, T_OPEN, "'{'");
	while (!err) {
		if ((err = next(lx, &t)) != RBL_OK || t.kind == T_CLOSE)
			break;
		if (t.kind == T_WORD && strcmp(t.text, "algorithm") == 0)
			err = clause_value(lx, &t, algorithm, &algorithm_line);
		else if (t.kind == T_WORD && strcmp(t.text, "secret") == 0)
			err = clause_value(lx, &t, secret, &secret_line);
		else if (t.kind == T_END)
			err = fail(lx, keyword->line, RBL_EINVAL, "key '%s': '{' not closed", name.text);
		else
			err = fail(lx, t.line, RBL_EINVAL, "key '%s': '%s': expected algorithm or secret", name.text,
			           t.text);
	}
	if (!err)
		err = expect(lx, &t, T_SEMICOLON, "';' after '}'");
	if (err)
		return err;
	if (!algorithm_line || !secret_line)
		return fail(lx, keyword->line, RBL_EINVAL, "key '%s': no %s", name.text,
		            !algorithm_line ? "algorithm" : "secret");
	char why[256] = "";
	tsig_key_t key = {0};
	if (dname_normalize(name.text, key.name) != RBL_OK)
		return fail(lx, name.line, RBL_EINVAL, "key name '%s': expected a DNS name", name.text);
	err = tsig_algorithm_parse(algorithm, &key.algorithm, why, sizeof why);
	if (err)
		return fail(lx, algorithm_line, err, "key '%s': algorithm '%s': %s", key.name, algorithm, why);
	err = tsig_secret_check(secret, &key.secret_len, why, sizeof why);
	if (err) /* a secret is not echoed whole: a near-miss of a real one would land in a log */
		return fail(lx, secret_line, err, "key '%s': secret '%.4s...' (%zu characters): %s", key.name, secret,
		            strlen(secret), why);
	memcpy(key.secret, secret, strlen(secret) + 1);
	err = tsig_keytab_add(keys, &key, why, sizeof why);
	if (err)
		return fail(lx, keyword->line, err, "%s", why);
	return RBL_OK;
}

int tsig_keyfile_parse(const char *path, const char *text, size_t len, tsig_keytab_t *keys, char *err, size_t err_size)
{
	struct lexer lx = {.path = path, .p = text, .end = text + len, .line = 1, .err = err, .err_size = err_size};
	unsigned before = keys->count;
	struct token t;
	int rc;
	while ((rc = next(&lx, &t)) == RBL_OK && t.kind != T_END) {
		if (t.kind != T_WORD || strcmp(t.text, "key") != 0) {
			rc = fail(&lx, t.line, RBL_EINVAL, "'%s': only key statements are read from a key file",
			          t.text);
			break;
		}
		if ((rc = key_statement(&lx, &t, keys)) != RBL_OK)
			break;
	}
	if (rc)
		keys->count = before;
	else
		*err = '\0';
	return rc;
}

int tsig_keyfile_read(const char *path, tsig_keytab_t *keys, char *err, size_t err_size)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		int e = errno;
		snprintf(err, err_size, "%s: %s", path, strerror(e));
		return e == ENOENT ? RBL_ENOENT : RBL_EIO;
	}
	char *text = malloc(TSIG_KEYFILE_MAX + 1);
	if (!text) {
		fclose(f);
		snprintf(err, err_size, "%s: out of memory", path);
		return RBL_ENOMEM;
	}
	size_t len = fread(text, 1, TSIG_KEYFILE_MAX + 1, f);
	bool failed = ferror(f);
	fclose(f);
	int rc;
	if (failed) {
		snprintf(err, err_size, "%s: read error", path);
		rc = RBL_EIO;
	} else if (len > TSIG_KEYFILE_MAX) {
		snprintf(err, err_size, "%s: longer than %d bytes", path, TSIG_KEYFILE_MAX);
		rc = RBL_EIO;
	} else {
		rc = tsig_keyfile_parse(path, text, len, keys, err, err_size);
	}
	free(text);
	return rc;
}
