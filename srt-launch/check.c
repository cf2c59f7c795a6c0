/* srt-launch --check: what the kernel offers, what it means, how to fix. */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "srt-launch/srt-launch.h"

static int
check_read_int(const char *path, long *v)
{
	char	buf[32];
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	*v = strtol(buf, NULL, 10);
	return 0;
}

void
check_userns_hint(int err, char *why, size_t len)
{
	long	v;

	*why = '\0';
	if (check_read_int("/proc/sys/kernel/unprivileged_userns_clone",
	    &v) == 0 && v == 0 && getuid() != 0)
		snprintf(why, len, "unprivileged user namespaces are off "
		    "(sysctl kernel.unprivileged_userns_clone=1 enables them)");
	else if (check_read_int("/proc/sys/user/max_user_namespaces",
	    &v) == 0 && (v == 0 || err == ENOSPC))
		snprintf(why, len, "user.max_user_namespaces is %ld (raise "
		    "it with sysctl user.max_user_namespaces=N)", v);
	else if (check_read_int(
	    "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
	    &v) == 0 && v == 1)
		snprintf(why, len, "AppArmor restricts unprivileged user "
		    "namespaces (sysctl "
		    "kernel.apparmor_restrict_unprivileged_userns=0, or an "
		    "AppArmor profile allowing userns for srt-launch)");
	else if (err == EPERM)
		snprintf(why, len, "refused by the kernel or a security "
		    "module; inside a container, allow nested user "
		    "namespaces");
}

bool
check_userns(char *why, size_t len)
{
	pid_t	pid;
	int	status;

	*why = '\0';
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNS |
	    CLONE_NEWPID | CLONE_NEWNET | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == -1) {
		int	saved = errno;

		check_userns_hint(saved, why, len);
		if (*why == '\0')
			snprintf(why, len, "%s", strerror(saved));
		return false;
	}
	if (pid == 0)
		_exit(0);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	return true;
}

/* One line per helper program: srt-launch cannot build the network without. */
static bool
check_helpers(void)
{
	static const char *const names[] = {
		"srt-proxy", "srt-bridge", "srt-monitor"
	};
	char	dir[PATH_MAX], path[PATH_MAX + 32], missing[128] = "";
	size_t	i;

	service_libexec(dir, sizeof(dir));
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (access(path, X_OK) == -1) {
			strlcat(missing, " ", sizeof(missing));
			strlcat(missing, names[i], sizeof(missing));
		}
	}
	printf("helper programs: %s (in %s)\n", missing[0] ? "MISSING" : "yes",
	    dir);
	if (missing[0] == '\0')
		printf("  - srt-proxy filters the network, srt-bridge carries "
		    "the sandbox's connections\n    to it, srt-monitor reports "
		    "denials\n");
	else
		printf("  - not found or not executable:%s\n"
		    "  - fix: install all four programs in one directory "
		    "(make install), or set SRT_LIBEXEC\n", missing);
	return missing[0] == '\0';
}

/*
 * --check: each kernel feature srt relies on, whether it is there, what it
 * gives, and how to get it when it is not.  Exit 0 when a sandbox can be
 * built; a missing second layer (Landlock) is reported but not fatal, as
 * the launcher degrades the same way and says so under -d.
 */
int
check_main(const struct launch *l)
{
	char	why[256];
	bool	userns = check_userns(why, sizeof(why));
	int	abi = filter_landlock_abi();
	int	api = (int)seccomp_api_get();
	bool	seccomp = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
	bool	helpers;

	(void)l;
	printf("user namespaces: %s%s%s\n", userns ? "yes" : "NO",
	    userns ? "" : ": ", userns ? "" : why);
	if (userns)
		printf("  - the sandbox gets its own user, mount, pid, network, "
		    "ipc and uts namespaces,\n    without root or a setuid "
		    "helper\n");
	else
		printf("  - srt-launch cannot build a sandbox and refuses to "
		    "run commands (exit 125);\n    it never runs a command "
		    "unsandboxed\n");
	printf("landlock: %s (ABI %d)\n", abi > 0 ? "yes" : "no", abi);
	if (abi == 0)
		printf("  - only the mount layer keeps writes out\n"
		    "  - fix: boot with lsm=landlock,... on the kernel command "
		    "line (Linux 5.13 or later)\n");
	else if (abi < 6)
		printf("  - a second filesystem layer under the mounts; no "
		    "signal or abstract unix\n    socket scoping before ABI 6 "
		    "(Linux 6.12): upgrade the kernel for it\n");
	else
		printf("  - a second filesystem layer under the mounts, and the "
		    "command cannot signal\n    processes outside the sandbox "
		    "or reach abstract unix sockets\n");
	printf("seccomp filter: %s (libseccomp API level %d)\n",
	    seccomp ? "yes" : "NO", api);
	if (seccomp)
		printf("  - refuses unix sockets, io_uring, new namespaces, "
		    "mounts and TIOCSTI\n    to the command\n");
	else
		printf("  - fix: a kernel built with CONFIG_SECCOMP_FILTER; srt "
		    "will not run without it\n");
	printf("seccomp user notification: %s\n", api >= 5 ? "yes" : "no");
	if (api >= 5)
		printf("  - --observe can report filesystem and unix-socket "
		    "denials as events\n");
	else
		printf("  - --observe is unavailable: only network denials are "
		    "reported\n  - fix: libseccomp 2.5 or later and Linux 5.9 "
		    "or later\n");
	helpers = check_helpers();
	return userns && seccomp && helpers ? 0 : 1;
}
