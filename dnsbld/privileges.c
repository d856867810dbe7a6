/* SPDX-License-Identifier: BSD-2-Clause */
/* privileges.c — dropping root after the sockets are bound, and the file-descriptor limit (privileges.h). */
#include "privileges.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int privileges_drop(const char *user, const char *group, bool allow_root, char *err, size_t err_size)
{
	if (!user || !*user) {
		if (group && *group) {
			snprintf(err, err_size, "--group %s needs --user", group);
			return -1;
		}
		if (geteuid() == 0 && !allow_root) {
			snprintf(err, err_size, "running as root: give --user NAME (user = NAME in dnsbld.conf) to drop root "
			                        "once the sockets are bound, or --allow-root to keep it");
			return -1;
		}
		return 0;
	}
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		snprintf(err, err_size, "--user %s: no such user", user);
		return -1;
	}
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	if (group && *group) {
		struct group *gr = getgrnam(group);
		if (!gr) {
			snprintf(err, err_size, "--group %s: no such group", group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	if (uid == 0 && !allow_root) {
		snprintf(err, err_size, "--user %s is root: give another user, or --allow-root", user);
		return -1;
	}
	if (geteuid() != 0) {
		if (geteuid() == uid && getegid() == gid)
			return 0; /* already that user */
		snprintf(err, err_size, "--user %s: only root can become another user", user);
		return -1;
	}
	if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
		snprintf(err, err_size, "cannot become %s: %s", user, strerror(errno));
		return -1;
	}
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, err_size, "became %s but could regain root: refusing to run", user);
		return -1;
	}
	return 0;
}

int privileges_file_limit(unsigned long needed, char *err, size_t err_size)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		snprintf(err, err_size, "cannot read the file-descriptor limit: %s", strerror(errno));
		return -1;
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= needed)
		return 0;
	if (rl.rlim_cur == RLIM_INFINITY)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < needed) {
		snprintf(err, err_size,
		         "needs %lu file descriptors (tcp-max-conns x workers, and the sockets), the hard limit is %lu: "
		         "raise it (ulimit -Hn, LimitNOFILE=) or lower tcp-max-conns",
		         needed, (unsigned long)rl.rlim_max);
		return -1;
	}
	rl.rlim_cur = needed;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
		snprintf(err, err_size, "cannot raise the file-descriptor limit to %lu: %s", needed, strerror(errno));
		return -1;
	}
	return 0;
}
