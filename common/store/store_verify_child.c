/* SPDX-License-Identifier: BSD-2-Clause */
/* store_verify_child.c — store_verify_dir: the walk of rbltool verify in a child process, so that a damaged page that
 * makes LMDB abort or fault ends the child, not the caller, and becomes one more problem in the report.
 *
 * The child writes to a pipe, one line each: "\036S<stage>", "\036P<problem>", "\036D<tables> <zones> <records>
 * <problems>" when done, "\036O<error>" when the store would not open. Its standard error goes to the same pipe, so
 * LMDB's last words (an assertion) reach the parent too; those lines carry no marker.
 */
#include "store/store_verify.h"

#include "base/err.h"
#include "store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define MARK '\036'

static void send_line(int fd, char kind, const char *text)
{
	char line[768];
	int n = snprintf(line, sizeof line, "%c%c%s", MARK, kind, text);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof line - 1)
		n = (int)sizeof line - 2;
	for (int i = 2; i < n; i++)
		if (line[i] == '\n')
			line[i] = ' ';
	line[n++] = '\n';
	/* One write of less than PIPE_BUF bytes: whole, never mixed with a line of LMDB's. */
	ssize_t written = write(fd, line, (size_t)n);
	(void)written;
}

static void child_problem(void *ctx, const char *what)
{
	send_line(*(int *)ctx, 'P', what);
}

static void child_stage(void *ctx, const char *what)
{
	send_line(*(int *)ctx, 'S', what);
}

static _Noreturn void child_run(const char *dir, int out)
{
	/* A fault here is an expected outcome, reported by the parent: no core file, nor one handed to a dump helper.
	 */
	struct rlimit none = {0, 0};
	setrlimit(RLIMIT_CORE, &none);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	dup2(out, STDERR_FILENO);
	store_verify_sink_t sink = {child_problem, child_stage, &out};
	store_t *st;
	char text[96];
	int err = store_open(dir, STORE_READONLY, &st);
	if (err) {
		snprintf(text, sizeof text, "%d", err);
		send_line(out, 'O', text);
		_exit(3);
	}
	store_verify_stats_t stats;
	err = store_verify(st, &sink, &stats);
	store_close(st);
	if (err && err != RBL_EDAMAGED) {
		snprintf(text, sizeof text, "%d", err);
		send_line(out, 'O', text);
		_exit(3);
	}
	snprintf(text, sizeof text, "%u %u %llu %u", stats.tables, stats.zones, (unsigned long long)stats.records,
	         stats.problems);
	send_line(out, 'D', text);
	_exit(0);
}

/* What the parent learns from the child's lines. */
struct parent {
	const store_verify_sink_t *sink;
	store_verify_stats_t *stats;
	unsigned reported;
	bool done;
	int open_error;
	char stage[320];
	char last_words[320]; /* the first line of text from the child's stderr since the last stage */
	char *raw;            /* the child's other stderr lines (its log), passed on unless it died */
	size_t raw_len, raw_cap;
};

static void keep_raw(struct parent *p, const char *line, size_t len)
{
	if (!p->last_words[0]) {
		for (size_t i = 0; i < len; i++) {
			if ((line[i] >= 'A' && line[i] <= 'Z') || (line[i] >= 'a' && line[i] <= 'z')) {
				snprintf(p->last_words, sizeof p->last_words, "%.*s", (int)len, line);
				break;
			}
		}
	}
	if (p->raw_len + len + 1 > p->raw_cap) {
		size_t cap = (p->raw_len + len + 1) * 2;
		char *grown = cap <= (1u << 20) ? realloc(p->raw, cap) : NULL;
		if (!grown)
			return;
		p->raw = grown;
		p->raw_cap = cap;
	}
	memcpy(p->raw + p->raw_len, line, len);
	p->raw_len += len;
	p->raw[p->raw_len++] = '\n';
}

static void parent_line(struct parent *p, char *line, size_t len)
{
	if (len && line[len - 1] == '\n')
		line[--len] = '\0';
	if (len < 2 || line[0] != MARK) {
		keep_raw(p, line, len);
		return;
	}
	const char *text = line + 2;
	switch (line[1]) {
	case 'S':
		snprintf(p->stage, sizeof p->stage, "%s", text);
		p->last_words[0] = '\0';
		if (p->sink->stage)
			p->sink->stage(p->sink->ctx, text);
		break;
	case 'P':
		p->reported++;
		p->sink->problem(p->sink->ctx, text);
		break;
	case 'O':
		p->open_error = atoi(text);
		break;
	case 'D': {
		unsigned long long records = 0;
		if (sscanf(text, "%u %u %llu %u", &p->stats->tables, &p->stats->zones, &records, &p->stats->problems) ==
		    4)
			p->done = true;
		p->stats->records = records;
		break;
	}
	}
}

/* The child ended without finishing: one more problem, naming where it was and why it ended. */
static void report_death(struct parent *p, int status)
{
	char how[96], what[900];
	if (WIFSIGNALED(status))
		snprintf(how, sizeof how, "died of signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(how, sizeof how, "ended with exit status %d", WEXITSTATUS(status));
	snprintf(what, sizeof what, "the walk %s in %s%s%s", how, p->stage[0] ? p->stage : "the store",
	         p->last_words[0] ? ": " : "", p->last_words);
	p->sink->problem(p->sink->ctx, what);
	p->stats->problems = (p->stats->problems > p->reported ? p->stats->problems : p->reported) + 1;
}

int store_verify_dir(const char *dir, const store_verify_sink_t *sink, store_verify_stats_t *stats)
{
	memset(stats, 0, sizeof *stats);
	char why[512];
	int err = store_file_check(dir, why, sizeof why);
	if (err == RBL_ENOENT)
		return err;
	if (err) {
		sink->problem(sink->ctx, why);
		stats->problems = 1;
		return err;
	}
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		return RBL_EIO;
	fflush(NULL); /* nothing buffered is written twice */
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return RBL_EIO;
	}
	if (pid == 0)
		child_run(dir, fds[1]);
	close(fds[1]);
	struct parent p = {.sink = sink, .stats = stats};
	FILE *in = fdopen(fds[0], "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while (in && (len = getline(&line, &cap, in)) > 0)
		parent_line(&p, line, (size_t)len);
	free(line);
	if (in)
		fclose(in);
	else
		close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	bool finished = p.done && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	bool refused = p.open_error && WIFEXITED(status) && WEXITSTATUS(status) == 3;
	if (!finished && !refused) {
		report_death(&p, status);
	} else if (refused && p.open_error == RBL_EDAMAGED) {
		snprintf(why, sizeof why, "the store does not open: %s", p.last_words[0] ? p.last_words : "damaged");
		sink->problem(sink->ctx, why);
		stats->problems = 1;
	} else if (p.raw_len) { /* the child's log (an opening refused, say): the caller's to see */
		fwrite(p.raw, 1, p.raw_len, stderr);
	}
	free(p.raw);
	if (refused && p.open_error != RBL_EDAMAGED)
		return p.open_error;
	if (stats->problems < p.reported)
		stats->problems = p.reported;
	return stats->problems ? RBL_EDAMAGED : RBL_OK;
}
