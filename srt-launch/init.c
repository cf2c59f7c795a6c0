/*
 * pid 1 of the sandbox: builds the mounts, brings lo up, starts the
 * command, reaps, forwards signals and exits with the command's status.
 *
 * pid 1 keeps full capabilities over the sandbox's namespaces and is not
 * filtered, so the command must not reach it: it is not dumpable (no
 * ptrace, no /proc/1/mem), the kernel ignores signals from inside the
 * namespace that init has no handler for, and Landlock's signal scope
 * keeps the command from signalling outside its domain.
 */
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/keyctl.h>
#include <net/if.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libcommon/log.h"
#include "libcommon/tcpcc.h"
#include "srt-launch/service.h"
#include "srt-launch/srt-launch.h"

/* POLLHUP, not POLLIN: the launcher also writes its go byte here. */
static bool
init_launcher_gone(const struct launch *l)
{
	struct pollfd	pfd = { l->life_rd, POLLIN, 0 };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP);
}

static int
init_write(const char *path, const char *text)
{
	ssize_t	n, len = (ssize_t)strlen(text);
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return -1;
	n = write(fd, text, len);
	close(fd);
	return n == len ? 0 : -1;
}

/*
 * Map the caller's uid and gid to themselves, as bubblewrap does: the
 * command keeps its identity and owns what it creates.  A process may
 * map its creator's own ids from inside the new namespace, once
 * setgroups is denied for the gid.
 */
static int
init_maps(const struct launch *l)
{
	char	map[64];

	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)l->uid,
	    (unsigned)l->uid);
	if (init_write("/proc/self/uid_map", map) == -1)
		return -1;
	if (init_write("/proc/self/setgroups", "deny\n") == -1 &&
	    errno != ENOENT)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)l->gid,
	    (unsigned)l->gid);
	return init_write("/proc/self/gid_map", map);
}

/* The loopback interface of the new network namespace starts down. */
static int
init_lo_up(void)
{
	struct ifreq	ifr;
	int		s;

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_name, "lo", sizeof(ifr.ifr_name));
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == -1) {
		close(s);
		return -1;
	}
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) == -1) {
		close(s);
		return -1;
	}
	close(s);
	return 0;
}

/*
 * Why a path that exists failed to execute, in a shell's words, and the
 * shell's status: 126 found but not runnable, 127 not there.
 */
static int
init_exec_path_why(const char *path, int err, char *why, size_t len)
{
	struct stat	st;

	if (stat(path, &st) == -1) {
		err = errno;
		snprintf(why, len, "%s", err == ENOENT ?
		    "command not found (no such file or directory)" :
		    strerror(err));
		return err == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC;
	}
	if (S_ISDIR(st.st_mode))
		snprintf(why, len, "is a directory");
	else if (!S_ISREG(st.st_mode))
		snprintf(why, len, "is not a regular file");
	else if ((st.st_mode & 0111) == 0)
		snprintf(why, len, "is not executable (mode %04o; chmod +x "
		    "it, or run it with its interpreter)",
		    (unsigned)(st.st_mode & 07777));
	else if (err == EACCES)
		snprintf(why, len, "Permission denied (a denyRead path or a "
		    "noexec mount in the way?)");
	else if (err == ENOENT)
		snprintf(why, len, "bad interpreter or loader: no such file "
		    "or directory (check its #! line)");
	else
		snprintf(why, len, "%s", strerror(err));
	return EXIT_NOEXEC;
}

/* Which PATH entry execvp would have run, or NULL when none has it. */
static const char *
init_exec_lookup(const char *cmd, const char *search, char *buf, size_t len)
{
	const char	*p, *end;
	struct stat	 st;
	size_t		 n;

	for (p = search; ; p = end + 1) {
		if ((end = strchr(p, ':')) == NULL)
			end = p + strlen(p);
		n = (size_t)(end - p);
		/* An empty entry is the current directory, as for sh. */
		if (snprintf(buf, len, "%.*s%s%s", (int)n, p, n ? "/" : "",
		    cmd) < (int)len && stat(buf, &st) == 0)
			return buf;
		if (*end == '\0')
			return NULL;
	}
}

static void __attribute__((noreturn))
init_exec_fail(const char *cmd)
{
	const char	*search, *found;
	char		 why[256], path[PATH_MAX];
	int		 saved = errno, code;

	if (strchr(cmd, '/') != NULL)
		code = init_exec_path_why(cmd, saved, why, sizeof(why));
	else {
		if ((search = getenv("PATH")) == NULL)
			search = "/bin:/usr/bin";	/* glibc's default */
		found = init_exec_lookup(cmd, search, path, sizeof(path));
		if (found != NULL) {
			code = init_exec_path_why(found, saved, why,
			    sizeof(why));
			log_warnx("%s: %s %s", cmd, found, why);
			_exit(code);
		} else {
			code = EXIT_NOTFOUND;
			snprintf(why, sizeof(why), "command not found in PATH "
			    "(PATH=%.200s)", search);
		}
	}
	log_warnx("%s: %s", cmd, why);
	_exit(code);
}

/* The command's descriptors: stdio as given, /dev/null in the control
 * descriptor's slot (as the reference), nothing else but the gate, which
 * closes at exec. */
static int
init_fds(const struct launch *l, int gate)
{
	int	fd;

	if (l->control_fd >= 0) {
		if ((fd = open("/dev/null", O_RDWR)) == -1)
			return -1;
		if (fd != l->control_fd) {
			if (dup2(fd, l->control_fd) == -1)
				return -1;
			close(fd);
		}
		if (l->control_fd > 3 && gate < l->control_fd)
			close_range(3, (unsigned)l->control_fd - 1, 0);
		return notify_closefrom(l, (unsigned)l->control_fd + 1, gate);
	}
	return notify_closefrom(l, 3, gate);
}

/*
 * Wait for pid 1's word that the launcher runs on (the listeners are up
 * already).  The command confines itself before: it runs nothing of its
 * own until the byte comes, and an EOF means pid 1 gave up and says why.
 */
static void
init_gate(int gate)
{
	ssize_t	n;
	char	c;

	while ((n = read(gate, &c, 1)) == -1 && errno == EINTR)
		;
	if (n != 1)
		_exit(EXIT_LAUNCH);
	close(gate);
}

static void __attribute__((noreturn))
init_command(struct launch *l, int gate)
{
	sigset_t	all;
	int		min = l->control_fd >= 3 ? l->control_fd + 1 : 3;

	/* Above the control descriptor's slot, which /dev/null takes. */
	if ((gate = fcntl(gate, F_DUPFD_CLOEXEC, min)) == -1)
		fatal_launch("gate descriptor");
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	if (init_fds(l, gate) == -1)
		fatal_launch("command descriptors");
	if (chdir(l->cwd) == -1)
		fatal_launch("cannot enter %s in the sandbox", l->cwd);
	if (env_setup(l) == -1)
		fatal_launch("environment");
	/* A session keyring of its own: the caller's one (Kerberos
	 * tickets, ecryptfs keys) is inherited otherwise, and its keys are
	 * readable by whoever possesses it.  The user keyrings are per user
	 * namespace already.  No keyrings in the kernel: nothing to hide. */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) == -1 &&
	    errno != ENOSYS)
		fatal_launch("a session keyring of the sandbox's own");
	if (filter_apply(l) == -1)
		exit(EXIT_LAUNCH);
	init_gate(gate);
	if (l->shell_cmd != NULL) {
		execl("/bin/sh", "sh", "-c", l->shell_cmd, (char *)NULL);
		init_exec_fail("/bin/sh");
	}
	execvp(l->argv[0], l->argv);
	init_exec_fail(l->argv[0]);
}

static int
init_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_LAUNCH;
}

/* Pass a signal on, unless the terminal sent it to the command already. */
static void
init_forward(pid_t cmd, const struct signalfd_siginfo *si)
{
	if (si->ssi_code == SI_KERNEL)
		return;
	kill(cmd, (int)si->ssi_signo);
}

/*
 * Wait for the command; *status is set when it is gone.  Until the
 * first client knocks, the bridge's listeners are watched here too.
 */
static int
init_loop(struct launch *l, int sfd, pid_t cmd)
{
	struct signalfd_siginfo	si;
	struct pollfd		pfd[2 + BRIDGE_MAX_LISTENERS];
	int			status, i, nls;
	char			c;
	pid_t			w;

	pfd[0].fd = sfd;
	pfd[0].events = POLLIN;
	pfd[1].fd = l->life_rd;
	pfd[1].events = POLLIN;
	nls = netbridge_pollfds(l, pfd + 2, BRIDGE_MAX_LISTENERS);
	for (;;) {
		if (poll(pfd, 2 + (nfds_t)nls, -1) == -1) {
			if (errno == EINTR)
				continue;
			return EXIT_LAUNCH;
		}
		if (pfd[1].revents && read(l->life_rd, &c, 1) <= 0) {
			l->orphaned = true;	/* the launcher died */
			return 128 + SIGKILL;
		}
		for (i = 0; i < nls; i++)
			if (pfd[2 + i].revents) {
				netbridge_start(l);
				nls = 0;
			}
		if (!(pfd[0].revents & POLLIN))
			continue;
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD) {
			init_forward(cmd, &si);
			continue;
		}
		while ((w = waitpid(-1, &status, WNOHANG)) > 0) {
			if (w == cmd)
				return init_status(status);
			service_reaped(l, w, status);
		}
	}
}

/* Everything else in the namespace dies with the command. */
static void
init_reap_all(void)
{
	kill(-1, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
}

void
init_main(struct launch *l)
{
	sigset_t	set;
	int		sfd, code, gate[2];
	pid_t		cmd;

	/* Until the loop watches the life pipe, die with the launcher.
	 * getppid() says nothing across the pid namespace (it is 0), so
	 * the pipe tells whether it died before the death signal was set:
	 * its EOF is readable then. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (init_launcher_gone(l))
		_exit(EXIT_LAUNCH);
	/* Nothing the caller left open stays in the sandbox but stdio. */
	service_closefds(l);
	if (init_maps(l) == -1)
		fatal_launch("mapping uid %u and gid %u in the sandbox",
		    (unsigned)l->uid, (unsigned)l->gid);
	prctl(PR_SET_DUMPABLE, 0);
	sandbox_sigset(&set);
	if ((sfd = signalfd(-1, &set, SFD_CLOEXEC)) == -1)
		fatal_launch("signalfd");
	/* From here pid 1 cleans up after itself, so it must outlive a
	 * killed launcher: the life pipe's EOF replaces the death signal. */
	prctl(PR_SET_PDEATHSIG, 0);
	if (init_lo_up() == -1)
		log_warn("bringing lo up");
	/* Only lo is here: nothing in this namespace needs pacing. */
	if (tcp_unpaced_netns() == -1)
		log_debug("tcp congestion control of the sandbox: %s",
		    strerror(errno));
	if (netbridge_listen(l) == -1) {
		hold_cleanup(l);
		_exit(EXIT_LAUNCH);
	}
	if (mount_build(l) == -1) {
		init_reap_all();
		hold_cleanup(l);
		_exit(EXIT_LAUNCH);
	}
	if (notify_spawn(l) == -1)
		log_warn("observer: not started");
	/* The command confines itself while the launcher's word comes,
	 * and waits at the gate for it. */
	if (pipe2(gate, O_CLOEXEC) == -1)
		fatal_launch("pipe2");
	if ((cmd = fork()) == -1)
		fatal_launch("fork");
	if (cmd == 0) {
		close(sfd);
		close(gate[1]);
		init_command(l, gate[0]);
	}
	close(gate[0]);
	notify_forked(l);
	if (service_wait_go(l) == -1) {
		init_reap_all();
		hold_cleanup(l);
		_exit(EXIT_LAUNCH);
	}
	if (init_launcher_gone(l)) {
		init_reap_all();
		hold_cleanup(l);
		_exit(128 + SIGKILL);	/* the launcher died meanwhile */
	}
	if (write(gate[1], "g", 1) != 1)
		fatal_launch("starting the command");
	close(gate[1]);
	code = init_loop(l, sfd, cmd);
	/* Nothing in the sandbox runs on from here, so no helper has more
	 * to do: the launcher stops them while we reap and exit. */
	kill(-1, SIGKILL);
	if (!l->orphaned)
		(void)send(l->life_rd, "d", 1, MSG_NOSIGNAL);
	init_reap_all();
	/* The launcher cleans up on the host after us, more cheaply; only
	 * an orphaned pid 1 must do it itself. */
	if (l->orphaned)
		hold_cleanup(l);
	_exit(code);
}
