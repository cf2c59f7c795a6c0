/*
 * The launcher's half: clone pid 1 into new namespaces, then supervise
 * it until it exits with the command's status.  pid 1 maps its ids
 * itself, so nothing waits on a round trip between the two.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libcommon/log.h"
#include "srt-launch/service.h"
#include "srt-launch/srt-launch.h"

#define SANDBOX_CLONE	(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | \
			 CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)

/* Signals the launcher and pid 1 pass on to the command. */
static const int sandbox_forward[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
	SIGCONT, SIGTSTP, 0
};

/* The set blocked in the launcher and in pid 1 (read by sigwait/signalfd). */
void
sandbox_sigset(sigset_t *set)
{
	size_t	i;

	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	for (i = 0; sandbox_forward[i] != 0; i++)
		sigaddset(set, sandbox_forward[i]);
}

static int
sandbox_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_LAUNCH;
}

/*
 * Terminal-generated signals (SI_KERNEL) already reached the command,
 * which shares our foreground process group: pass on only the ones sent
 * to the launcher itself, or the command would get them twice.
 */
static void
sandbox_signal(pid_t pid, const siginfo_t *si)
{
	bool	from_tty = si->si_code == SI_KERNEL;

	if (!from_tty)
		kill(pid, si->si_signo);
	if (si->si_signo == SIGTSTP)
		kill(getpid(), SIGSTOP);	/* let the shell see us stop */
}

static int
sandbox_supervise(pid_t pid)
{
	sigset_t	set;
	siginfo_t	si;
	int		status;
	pid_t		w;

	sandbox_sigset(&set);
	for (;;) {
		if (sigwaitinfo(&set, &si) == -1) {
			if (errno == EINTR)
				continue;
			fatal_launch("sigwaitinfo");
		}
		if (si.si_signo != SIGCHLD) {
			sandbox_signal(pid, &si);
			continue;
		}
		while ((w = waitpid(pid, &status, WNOHANG)) == -1 &&
		    errno == EINTR)
			;
		if (w == pid)
			return sandbox_status(status);
	}
}

/* TMPDIR's name, chosen here so that the launcher can remove it. */
static void
sandbox_tmpdir(struct launch *l)
{
	static const char	 abc[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	const char		*parent = "/tmp";
	unsigned char		 r[10];
	char			 name[11];
	size_t			 i;

	for (i = 0; i < l->plan.n; i++)
		if (l->plan.v[i].type == PLAN_TMPDIR)
			parent = l->plan.v[i].path;
	arc4random_buf(r, sizeof(r));
	for (i = 0; i < sizeof(r); i++)
		name[i] = abc[r[i] % (sizeof(abc) - 1)];
	name[sizeof(r)] = '\0';
	if (snprintf(l->tmpdir, sizeof(l->tmpdir), "%s/srt.%s", parent,
	    name) >= (int)sizeof(l->tmpdir))
		fatalx_status(EXIT_LAUNCH, "TMPDIR parent %s too long", parent);
}

int
sandbox_run(struct launch *l)
{
	int		 life[2], status;
	sigset_t	 set;
	char		 why[256];
	pid_t		 pid;

	sandbox_tmpdir(l);
	/* A socket, not a pipe: pid 1 answers on it that the command is
	 * gone (service.c), so the helpers stop while the kernel tears the
	 * sandbox down. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, life) == -1)
		fatal_launch("socketpair");
	/* Blocked before the clone: pid 1 inherits the mask and reads
	 * them from a signalfd, and none is lost in between. */
	sandbox_sigset(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		fatal_launch("sigprocmask");
	/* A caller ignoring SIGCHLD (it is inherited) would have every
	 * child reaped by the kernel, unseen: pid 1 would wait forever
	 * for the command, and we for pid 1. */
	signal(SIGCHLD, SIG_DFL);
	fflush(NULL);
	service_start(l);
	sweep_record(l);
	pid = (pid_t)syscall(SYS_clone, SANDBOX_CLONE | SIGCHLD, NULL, NULL,
	    NULL, NULL);
	if (pid == -1) {
		int	saved = errno;

		check_userns_hint(saved, why, sizeof(why));
		fatalx_status(EXIT_LAUNCH, "cannot create the sandbox's "
		    "namespaces: %s%s%s", strerror(saved), *why ? "; " : "",
		    why);
	}
	if (pid == 0) {
		close(life[1]);
		l->life_rd = life[0];
		init_main(l);
	}
	close(life[0]);
	if (l->observe)
		close(l->notify_ev);	/* the supervisor's now */
	log_debug("sandbox pid 1 is %d on the host", (int)pid);
	/* life[1] stays open until we exit: its EOF tells pid 1 we died. */
	if (l->svc != NULL)
		status = service_supervise(l, pid, life[1]);
	else
		status = sandbox_supervise(pid);
	hold_cleanup_host(l);
	sweep_forget(l);
	return status;
}
