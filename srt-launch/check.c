/* srt-launch --check: what the kernel offers, what it means, how to fix. */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
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

int
check_main(const struct launch *l)
{
	char	why[256];
	bool	userns = check_userns(why, sizeof(why));
	int	abi = filter_landlock_abi();
	int	api = (int)seccomp_api_get();
	bool	seccomp = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;

	(void)l;
	printf("user namespaces: %s%s%s\n", userns ? "yes" : "NO",
	    userns ? "" : ": ", userns ? "" : why);
	if (!userns)
		printf("  srt-launch cannot build a sandbox and refuses to "
		    "run commands (exit 125)\n");
	printf("landlock: %s (ABI %d)\n", abi > 0 ? "yes" : "no", abi);
	if (abi == 0)
		printf("  mounts alone keep writes out; enable Landlock with "
		    "lsm=landlock,... on the kernel command line\n");
	else if (abi < 6)
		printf("  no signal or abstract unix socket scoping before "
		    "ABI 6 (Linux 6.12)\n");
	printf("seccomp filter: %s (libseccomp API level %d)\n",
	    seccomp ? "yes" : "NO", api);
	printf("seccomp user notification: %s\n", api >= 5 ? "yes" : "no");
	if (api < 5)
		printf("  violation events for filesystem and unix-socket "
		    "denials are unavailable\n");
	return userns && seccomp ? 0 : 1;
}
