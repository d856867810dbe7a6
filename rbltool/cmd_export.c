/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_export.c — rbltool export ZONE [--format rbldnsd|bind] [--output FILE]: a zone as a file another DNS server
 * loads (common/formats/export_*.c writes it). With --output the file is written under a temporary name beside FILE
 * (beside the file a symlink points to: the link stays a link), synced and renamed over it, so that a server
 * reloading it never reads half a file; FILE may be missing or a regular file, and anything else there (a device, a
 * FIFO, a socket, a directory) is refused, never replaced. Without --output, stdout. What the format cannot say as
 * dnsbld does goes to stderr, one line each, and a summary line ends the run. */
#include "cmd.h"

#include "base/err.h"
#include "formats/export.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define EXPORT_USAGE "rbltool export ZONE [--format rbldnsd|bind] [--output FILE]"

static void print_note(void *ctx, const char *note)
{
	const char *zone = ctx;
	char shown[1024];
	fprintf(stderr, "rbltool: export %s: %s\n", zone, cli_escaped(note, shown, sizeof shown));
}

static const char *file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

/* Where --output writes: output itself, or the file the symlink at output points to. *mode is the mode to give the
 * new file: the old file's, or what the umask leaves of 0666. CLI_BAD_INPUT when something other than a regular
 * file is there, or the symlink points nowhere. */
static int resolve_output(const char *output, char target[PATH_MAX], mode_t *mode)
{
	struct stat st;
	mode_t mask = umask(0);
	umask(mask);
	*mode = 0666 & ~mask;
	if (lstat(output, &st) != 0) {
		if (errno != ENOENT)
			return cli_fail("--output: cannot use '%s': %s", output, strerror(errno));
		snprintf(target, PATH_MAX, "%s", output);
		return CLI_OK;
	}
	if (S_ISLNK(st.st_mode)) {
		if (!realpath(output, target)) {
			if (errno == ENOENT)
				return cli_bad_input("--output: '%s' is a symlink to a file that does not exist",
						     output);
			return cli_fail("--output: cannot follow the symlink '%s': %s", output, strerror(errno));
		}
		if (stat(target, &st) != 0)
			return cli_fail("--output: cannot use '%s': %s", target, strerror(errno));
		if (!S_ISREG(st.st_mode))
			return cli_bad_input("--output: '%s' is a symlink to %s (%s), not a regular file: refusing to "
					     "replace it",
					     output, file_kind(st.st_mode), target);
	} else if (!S_ISREG(st.st_mode)) {
		return cli_bad_input("--output: '%s' is %s, not a regular file: refusing to replace it", output,
				     file_kind(st.st_mode));
	} else {
		snprintf(target, PATH_MAX, "%s", output);
	}
	*mode = st.st_mode & 07777;
	return CLI_OK;
}

/* A new temporary file in target's directory (a rename does not cross file systems), named after it, its name in
 * tmp. The name is unique and the file created exclusively: whatever lies at a guessable name is left alone. NULL
 * with errno set on failure. */
static FILE *create_beside(const char *target, mode_t mode, char tmp[PATH_MAX])
{
	const char *slash = strrchr(target, '/');
	int dir_len = slash ? (int)(slash - target + 1) : 0;
	if (snprintf(tmp, PATH_MAX, "%.*s.%s.XXXXXX", dir_len, target, slash ? slash + 1 : target) >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	int fd = mkstemp(tmp);
	if (fd < 0)
		return NULL;
	FILE *f = fchmod(fd, mode) == 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		int saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
	}
	return f;
}

/* Flushes, syncs and closes the temporary file; 0, or the errno of what failed. */
static int close_synced(FILE *f)
{
	int err = 0;
	errno = 0;
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		err = errno ? errno : EIO;
	if (fclose(f) != 0 && !err)
		err = errno ? errno : EIO;
	return err;
}

/* Syncs the directory holding path, so that the rename survives a crash. Best effort: the file is in place. */
static void sync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path + 1) : 1, slash ? path : ".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Moves the finished temporary file over target, unless something other than a regular file has appeared there
 * since resolve_output looked. */
static int put_in_place(const char *tmp, const char *target, const char *output)
{
	struct stat st;
	if (lstat(target, &st) == 0 && !S_ISREG(st.st_mode)) {
		unlink(tmp);
		return cli_bad_input("--output: '%s' is now %s, not a regular file: refusing to replace it", output,
				     file_kind(st.st_mode));
	}
	if (rename(tmp, target) != 0) {
		int saved = errno;
		unlink(tmp);
		return cli_fail("cannot rename %s to %s: %s", tmp, target, strerror(saved));
	}
	sync_dir_of(target);
	return CLI_OK;
}

static void print_summary(const zone_def_t *zone, const char *format, const char *output, const export_stats_t *s)
{
	fprintf(stderr, "rbltool: exported %s as %s to %s: %" PRIu64 " entries (%" PRIu64 " expired left out), ",
		zone->name, format, output ? output : "stdout", s->entries, s->expired);
	if (strcmp(format, "bind") == 0)
		fprintf(stderr, "%" PRIu64 " names (%" PRIu64 " wildcards), %" PRIu64 " records", s->names, s->wildcards,
			s->records);
	else
		fprintf(stderr, "%" PRIu64 " entry lines", s->records);
	fprintf(stderr, ", %" PRIu64 " bytes, %" PRIu64 " note%s\n", s->bytes, s->notes, s->notes == 1 ? "" : "s");
}

int cmd_export(cli_t *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{0},
	};
	const char *format = "rbldnsd", *output = NULL;
	int opt, rc;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'f':
			format = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		default:
			return cli_bad_option(argv, EXPORT_USAGE);
		}
	}
	int fmt = export_format_parse(format);
	if (fmt < 0)
		return cli_bad_input("--format: unknown format '%s' (rbldnsd or bind)", format);
	if (output && (!*output || strlen(output) + 16 > PATH_MAX))
		return cli_bad_input("--output: invalid file name '%s'", output);
	zone_def_t zone;
	char target[PATH_MAX], tmp[PATH_MAX];
	mode_t mode = 0;
	if ((rc = cli_expect_args(argc, argv, optind, 1, EXPORT_USAGE)) ||
	    (output && (rc = resolve_output(output, target, &mode))) ||
	    (rc = cli_zone_exists(cli, argv[optind], &zone)))
		return rc;

	FILE *out = stdout;
	if (output && !(out = create_beside(target, mode, tmp)))
		return cli_fail("cannot write a temporary file beside %s: %s", target, strerror(errno));
	export_opts_t opts = {.now = time(NULL), .note = print_note, .note_ctx = zone.name};
	export_stats_t stats;
	store_rtxn_t *r;
	int err = store_read_begin(cli->store, &r);
	if (!err) {
		err = fmt == EXPORT_BIND ? export_bind(r, zone.name, &opts, out, &stats)
					 : export_rbldnsd(r, zone.name, &opts, out, &stats);
		store_read_end(r);
	}
	if (output) {
		int write_errno = close_synced(out);
		if (err || write_errno)
			unlink(tmp);
		if ((!err || err == RBL_EIO) && write_errno)
			return cli_fail("cannot write %s: %s", tmp, strerror(write_errno));
		if (!err && (rc = put_in_place(tmp, target, output)))
			return rc;
	} else if (err == RBL_EIO && cli_output_failed()) {
		return CLI_FAILED; /* main says why */
	}
	if (err == RBL_ENOENT)
		return cli_fail("zone '%s' was deleted while exporting it", zone.name);
	if (err)
		return cli_fail("cannot export %s: %s", zone.name, rbl_strerror(err));
	print_summary(&zone, format, output, &stats);
	return CLI_OK;
}
