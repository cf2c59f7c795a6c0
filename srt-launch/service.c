/*
 * srt-proxy and srt-monitor, started by the launcher before the sandbox
 * and supervised with it, both when first needed; srt-bridge, forked
 * by pid 1 inside it at the first connection (netbridge.c).
 *
 *   launch <-> proxy    proxy fd 3     policy, updates, shutdown
 *   proxy  ->  monitor  proxy fd 4, monitor fd 4   events
 *   bridge ->  proxy    proxy fd 5, bridge fd 3    client sockets
 *   launch <-> monitor  monitor fd 3   policy, summary, shutdown
 *
 * Threat model: the helpers run on the host with the caller's (or, for
 * root, nobody's) rights and hear from the sandbox only through the
 * bridge channel, which the proxy treats as hostile.  No helper may
 * outlive the launcher: each gets PR_SET_PDEATHSIG(SIGKILL) before exec
 * and exits on EOF of its launcher channel (the death signal does not
 * survive a privilege drop, the EOF does).  The helpers leave the
 * terminal's session, so a ^C meant for the command cannot take the
 * network down.  The command never holds a channel: pid 1 keeps only
 * the bridge's end until the bridge has it, and the command's
 * descriptors are closed above stdio.
 */
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libcommon/event.h"
#include "libcommon/log.h"
#include "libcommon/proto.h"
#include "srt-launch/service.h"
#include "srt-launch/srt-launch.h"

#define SVC_READY_MS	5000	/* proxy's answer to the first policy */
#define SVC_GO_MS	10000	/* pid 1 waits this long for the go byte */
#define SVC_SUMMARY_MS	1000
#define SVC_REAP_MS	3000

extern char	**environ;

static int
svc_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* The helpers live next to srt-launch; SRT_LIBEXEC overrides for tests. */
void
service_libexec(char *dir, size_t len)
{
	const char	*env = getenv("SRT_LIBEXEC");
	char		 self[PATH_MAX], *slash;
	ssize_t		 n;

	if (env != NULL && env[0] == '/') {
		strlcpy(dir, env, len);
		return;
	}
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) == -1)
		fatal_launch("readlink /proc/self/exe");
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) != NULL)
		*slash = '\0';
	strlcpy(dir, self[0] ? self : "/", len);
}

/* Opened now, so later mounts that hide the path cannot stop the exec. */
static int
svc_open_exe(const char *dir, const char *name, char **pathp)
{
	struct stat	 st;
	char		*path;
	int		 fd;

	if (asprintf(&path, "%s/%s", dir, name) == -1)
		fatal("asprintf");
	if ((fd = open(path, O_PATH | O_CLOEXEC)) == -1)
		fatal_launch("%s (srt-launch needs it beside itself, or "
		    "SRT_LIBEXEC)", path);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    access(path, X_OK) == -1)
		fatalx_status(EXIT_LAUNCH, "%s: not an executable file",
		    path);
	if (pathp != NULL)
		*pathp = path;
	else
		free(path);
	return fd;
}

/*
 * The settings as the launcher read and validated them, sent as text;
 * the default file missing means the built-in defaults.
 */
static void
svc_read_policy(struct launch *l, struct service *s)
{
	const char	*path = l->settings_path ? l->settings_path :
			    l->default_path;
	size_t		 cap = SRT_IMSG_MAX - IMSG_HEADER_SIZE;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno != ENOENT || l->settings_path != NULL)
			fatal_launch("%s", path);
		if ((s->policy = strdup("{}")) == NULL)
			fatal("strdup");
		s->policylen = 2;
		return;
	}
	if ((s->policy = malloc(cap)) == NULL)
		fatal("malloc");
	while (s->policylen < cap && (n = read(fd, s->policy + s->policylen,
	    cap - s->policylen)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fatal_launch("%s", path);
		}
		s->policylen += (size_t)n;
	}
	close(fd);
	if (s->policylen == cap)
		fatalx_status(EXIT_LAUNCH, "%s: larger than %u bytes, the "
		    "most srt-launch can pass to srt-proxy: make it smaller",
		    path, SRT_IMSG_MAX - IMSG_HEADER_SIZE);
}

static void
svc_socketpair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		fatal_launch("socketpair");
}

/*
 * Put fds[i] on descriptor 3 + i (-1: leave it closed).  With exefd (a
 * helper about to be exec'd) the rest close at exec, which still needs
 * the program's descriptor; without (pid 1's forked bridge) they close
 * now.  The sources are first moved above every target, so no dup2
 * overwrites a source not yet placed.
 */
int
service_place_fds(int *exefd, const int *fds, int nfds)
{
	int	high[8], i;

	if (nfds > (int)(sizeof(high) / sizeof(high[0])))
		return -1;
	for (i = 0; i < nfds; i++) {
		high[i] = -1;
		if (fds[i] != -1 && (high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC,
		    3 + nfds)) == -1)
			return -1;
	}
	if (exefd != NULL &&
	    (*exefd = fcntl(*exefd, F_DUPFD_CLOEXEC, 3 + nfds)) == -1)
		return -1;
	for (i = 0; i < nfds; i++) {
		if (high[i] == -1)
			close(3 + i);
		else if (dup2(high[i], 3 + i) == -1)
			return -1;
	}
	return close_range(3 + (unsigned)nfds, ~0U,
	    exefd != NULL ? CLOSE_RANGE_CLOEXEC : 0);
}

/* The child's side of a helper start; never returns. */
static void __attribute__((noreturn))
svc_child(pid_t parent, int exefd, char *const argv[], const int *fds,
    int nfds, bool leave_session)
{
	sigset_t	none;
	int		sig;

	sigemptyset(&none);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		_exit(EXIT_LAUNCH);
	if (leave_session)
		setsid();
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (service_place_fds(&exefd, fds, nfds) == -1) {
		dprintf(2, "srt-launch: %s: descriptors: %s\n", argv[0],
		    strerror(errno));
		_exit(EXIT_LAUNCH);
	}
	fexecve(exefd, argv, environ);
	dprintf(2, "srt-launch: cannot start %s: %s\n", argv[0],
	    strerror(errno));
	_exit(EXIT_LAUNCH);
}

static pid_t
svc_spawn(int exefd, char *const argv[], const int *fds, int nfds,
    bool leave_session)
{
	pid_t	parent = getpid(), pid;

	if ((pid = fork()) == -1)
		fatal_launch("fork");
	if (pid == 0)
		svc_child(parent, exefd, argv, fds, nfds, leave_session);
	return pid;
}

static void
svc_hello(struct imsgbuf *ib)
{
	struct srt_hello	h = { SRT_PROTO_VERSION, SRT_ROLE_LAUNCH };

	imsg_compose(ib, IMSG_HELLO, 0, getpid(), -1, &h, sizeof(h));
}

/*
 * --violations FILE is opened here, as the caller and before any helper
 * starts, so that a path nobody can write stops the run with its reason
 * instead of a monitor dying while the command runs on unrecorded.  The
 * monitor writes to this descriptor (MONITOR_FD_OUTPUT); it keeps the
 * name only to reopen it on SIGHUP.  Same flags as the monitor's own
 * open: O_NONBLOCK so a FIFO without a reader fails (ENXIO), not hangs.
 */
static int
svc_open_violations(const struct launch *l)
{
	int	fd;

	if (l->violations == NULL || strcmp(l->violations, "-") == 0)
		return -1;
	fd = open(l->violations, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC, 0640);
	if (fd == -1)
		fatal_launch("--violations %s", l->violations);
	return fd;
}

static void
svc_start_monitor(struct launch *l, struct service *s, int ctl, int mon,
    int sbx, int out)
{
	struct srt_event	*ev;
	char			*argv[12];
	int			 argc = 0, fds[4] = { ctl, mon, sbx, out };

	/* The command as given, for the records and ignoreViolations. */
	if ((ev = calloc(1, sizeof(*ev))) == NULL)
		fatal("calloc");
	if (l->shell_cmd != NULL)
		event_strtrunc(ev->command, sizeof(ev->command), l->shell_cmd);
	else
		event_set_command(ev, l->argv);
	argv[argc++] = "srt-monitor";
	argv[argc++] = "-C";
	argv[argc++] = ev->command;
	if (l->debug > 1)
		argv[argc++] = "-d";
	if (!l->quiet)
		argv[argc++] = "-t";
	if (l->violations != NULL) {
		argv[argc++] = "-o";
		argv[argc++] = l->violations;
	}
	if (out != -1) {
		argv[argc++] = "--out-fd";
		argv[argc++] = "6";
		_Static_assert(MONITOR_FD_OUTPUT == 6, "--out-fd's argument");
	}
	argv[argc] = NULL;
	s->monitor_pid = svc_spawn(s->exe_monitor, argv, fds, 4, true);
	free(ev);
}

/* On the channel ends held for it (svc_proxy_launch). */
static void
svc_start_proxy(struct launch *l, struct service *s)
{
	char	*argv[8];
	int	 argc = 0, fds[3] = { s->px_ctl, s->px_mon, s->bridge[0] };

	argv[argc++] = "srt-proxy";
	argv[argc++] = "-P";
	if (l->debug > 1)
		argv[argc++] = "-d";
	if (l->monitor_addr != NULL) {
		argv[argc++] = "-m";
		argv[argc++] = l->monitor_addr;
	}
	argv[argc] = NULL;
	s->proxy_pid = svc_spawn(s->exe_proxy, argv, fds, 3, true);
}

static int
svc_proxy_policy(struct service *s, const char *text, size_t len)
{
	if (imsg_compose(&s->proxy, IMSG_POLICY, s->sandbox_id, getpid(),
	    -1, text, len) == -1 || imsgbuf_flush(&s->proxy) == -1)
		return -1;
	return 0;
}

static void
svc_monitor_policy(struct service *s, const char *text, size_t len)
{
	if (imsg_compose(&s->monitor, IMSG_POLICY, s->sandbox_id, getpid(),
	    -1, text, len) == -1 || imsgbuf_flush(&s->monitor) == -1) {
		log_warnx("srt-monitor: cannot send the policy; violations "
		    "are no longer shown");
		s->monitor_up = false;
	}
}

/* A helper not started yet starts with the latest policy. */
static void
svc_keep_policy(struct service *s, const char *text, size_t len)
{
	char	*copy;

	if ((copy = malloc(len)) == NULL)
		fatal("malloc");
	memcpy(copy, text, len);
	free(s->policy);
	s->policy = copy;
	s->policylen = len;
}

int
service_send_policy(struct launch *l, const char *text, size_t len)
{
	struct service	*s = l->svc;
	int		 rc;

	if (s->proxy_up)
		rc = svc_proxy_policy(s, text, len);
	else
		rc = s->proxy_lazy ? 0 : -1;
	if (s->monitor_up)
		svc_monitor_policy(s, text, len);
	if (s->proxy_lazy || s->monitor_lazy)
		svc_keep_policy(s, text, len);
	return rc;
}

/* Close each held descriptor that is open and mark it -1. */
static void
svc_close_held(int *const fd[], size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (*fd[i] != -1)
			close(*fd[i]);
		*fd[i] = -1;
	}
}

/* The monitor's held ends and its program, once it runs or never will. */
static void
svc_monitor_release(struct service *s)
{
	int	*const fd[] = { &s->mon_proxy, &s->mon_sandbox, &s->mon_out,
	    &s->exe_monitor };

	svc_close_held(fd, sizeof(fd) / sizeof(fd[0]));
	s->monitor_lazy = false;
}

/*
 * Start srt-monitor on the event channels made at the start (the proxy
 * and the observer may have written into them already: the kernel kept
 * it) and a new launcher channel, then greet it and send the policy,
 * which it needs before it reads any event (ignoreViolations).
 */
static void
svc_monitor_launch(struct launch *l, struct service *s)
{
	int	mctl[2];

	svc_socketpair(mctl);
	svc_start_monitor(l, s, mctl[1], s->mon_proxy, s->mon_sandbox,
	    s->mon_out);
	close(mctl[1]);
	svc_monitor_release(s);
	if (imsgbuf_init(&s->monitor, mctl[0]) == -1 ||
	    imsgbuf_set_maxsize(&s->monitor, SRT_IMSG_MAX) == -1)
		fatal_launch("imsgbuf");
	s->monitor_up = true;
	svc_hello(&s->monitor);
	svc_monitor_policy(s, s->policy, s->policylen);
	log_debug("sandbox %08x: srt-monitor pid %d", s->sandbox_id,
	    (int)s->monitor_pid);
}

/* What waits on a held channel: 1 data, 0 its end, -1 nothing yet. */
static int
svc_peek(int fd)
{
	char	c;
	ssize_t	n;

	if ((n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT)) == 1)
		return 1;
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return -1;
	return 0;
}

/*
 * A lazy monitor's channels stirred: the first byte of an event (or of
 * the hello before it) starts the monitor; a closed channel will never
 * carry one, so it is let go.
 */
static void
svc_monitor_wake(struct launch *l)
{
	struct service	*s = l->svc;
	int		*fd[] = { &s->mon_proxy, &s->mon_sandbox };
	size_t		 i;
	int		 r;

	for (i = 0; s->monitor_lazy && i < sizeof(fd) / sizeof(fd[0]); i++) {
		if (*fd[i] == -1 || (r = svc_peek(*fd[i])) == -1)
			continue;
		if (r == 1)
			svc_monitor_launch(l, s);
		else {
			close(*fd[i]);
			*fd[i] = -1;
		}
	}
}

/*
 * Before the sandbox is cloned: find and open the helpers, make the
 * channels, start the monitor and the proxy and send them the policy.
 * Their answers are read by the supervisor, so the sandbox is built
 * while they start.
 */
void
service_start(struct launch *l)
{
	struct service	*s;
	char		 dir[PATH_MAX];
	int		 pctl[2], pm[2] = { -1, -1 };
	bool		 want_monitor = !l->quiet || l->violations != NULL;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("calloc");
	l->svc = s;
	s->proxy_pid = s->monitor_pid = s->bridge_pid = -1;
	s->mon_proxy = s->mon_sandbox = s->mon_out = -1;
	s->px_ctl = s->px_mon = -1;
	s->sandbox_id = arc4random();
	control_init(&s->ctl, l->control_fd);
	service_libexec(dir, sizeof(dir));
	s->exe_proxy = svc_open_exe(dir, "srt-proxy", NULL);
	s->exe_monitor = svc_open_exe(dir, "srt-monitor", NULL);
	/* The bridge runs from pid 1 (netbridge.c); its program is for
	 * GIT_SSH_COMMAND's "srt-bridge connect" inside. */
	close(svc_open_exe(dir, "srt-bridge", &s->bridge_path));
	svc_read_policy(l, s);
	svc_socketpair(pctl);
	svc_socketpair(s->bridge);
	/*
	 * The monitor only shows and counts events: it costs a process at
	 * every start, yet most runs have none.  So it starts with the
	 * first (svc_monitor_wake); --violations records to a file it must
	 * open at once, so there it starts now.  A run without events has
	 * no summary either: the same output, without the process.
	 */
	if (want_monitor) {
		s->mon_out = svc_open_violations(l);
		svc_socketpair(pm);
		s->mon_proxy = pm[1];
		s->mon_sandbox = notify_channel(l);
		s->monitor_lazy = true;
		if (l->violations != NULL)
			svc_monitor_launch(l, s);
	} else {
		close(s->exe_monitor);
		s->exe_monitor = -1;
	}
	/*
	 * The proxy likewise: most runs never connect anywhere, and its
	 * start (a process, the policy, the resolver, confinement) was the
	 * largest part of ours that the command waited behind.  It starts
	 * when the bridge passes the first client (svc_proxy_wake), which
	 * the channel keeps queued meanwhile, like every later one.
	 */
	if (imsgbuf_init(&s->proxy, pctl[0]) == -1 ||
	    imsgbuf_set_maxsize(&s->proxy, SRT_IMSG_MAX) == -1)
		fatal_launch("imsgbuf");
	s->px_ctl = pctl[1];
	s->px_mon = pm[0];
	s->proxy_lazy = true;
	log_debug("sandbox %08x: srt-proxy at the first connection, "
	    "srt-monitor %s", s->sandbox_id, s->monitor_lazy ?
	    "at the first event" : s->monitor_up ? "up" : "not needed");
}

/* ---- pid 1 side ---- */

/* pid 1 keeps stdio, its life pipe, the bridge's channel and the run
 * record, whose lock says (sweep.c) that the run is not over. */
void
service_closefds(const struct launch *l)
{
	int		keep[5], n = 0, i, j, t;
	unsigned int	from = 3;

	keep[n++] = l->life_rd;
	if (l->record_fd != -1)
		keep[n++] = l->record_fd;
	if (l->observe)
		keep[n++] = l->notify_ev;
	if (l->svc != NULL)
		keep[n++] = l->svc->bridge[1];
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (keep[j] < keep[i]) {
				t = keep[i];
				keep[i] = keep[j];
				keep[j] = t;
			}
	for (i = 0; i < n; i++) {
		if (keep[i] < (int)from)
			continue;
		if (keep[i] > (int)from)
			close_range(from, (unsigned)keep[i] - 1, 0);
		from = (unsigned)keep[i] + 1;
	}
	close_range(from, ~0U, 0);
}

/* Read one byte within ms: 1 got it, 0 EOF or timeout, -1 error. */
static int
svc_read_byte(int fd, int ms, char *c)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	int		deadline = svc_now_ms() + ms, left, r;
	ssize_t		n;

	for (;;) {
		left = deadline - svc_now_ms();
		if (left < 0)
			left = 0;
		if ((r = poll(&pfd, 1, left)) == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return r;
		if ((n = read(fd, c, 1)) == -1 && errno == EINTR)
			continue;
		return n == 1 ? 1 : 0;
	}
}

/*
 * Before the command: the launcher's word that it runs on.  The proxy
 * and the bridge start with the first connection; the listeners are up.
 */
int
service_wait_go(struct launch *l)
{
	char	c;

	if (l->svc == NULL)
		return 0;
	if (svc_read_byte(l->life_rd, SVC_GO_MS, &c) != 1)
		return -1;	/* the launcher failed and says why */
	return 0;
}

static void
svc_status_text(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "signal %d", WTERMSIG(status));
	else if (WIFEXITED(status))
		snprintf(buf, len, "status %d", WEXITSTATUS(status));
	else
		snprintf(buf, len, "wait status %#x", status);
}

/*
 * pid 1 reaped something other than the command.  The bridge dying
 * leaves the command running without a network (its connections are
 * refused): a note, not an end, since nothing it does is let through.
 */
void
service_reaped(const struct launch *l, pid_t pid, int status)
{
	char	how[64];

	if (l->svc == NULL || pid != l->svc->bridge_pid)
		return;
	svc_status_text(status, how, sizeof(how));
	log_warnx("the sandbox's network bridge died (%s); the command's "
	    "network is gone", how);
}

/* ---- launcher side: supervision ---- */

/* Reap pid within ms, then SIGKILL it: its wait status. */
static int
svc_reap(pid_t pid, int ms)
{
	struct pollfd	pfd;
	int		status = 0;
	pid_t		w;

	pfd.fd = (int)syscall(SYS_pidfd_open, pid, 0);
	pfd.events = POLLIN;
	if (pfd.fd != -1) {
		while (poll(&pfd, 1, ms) == -1 && errno == EINTR)
			;
		close(pfd.fd);
	}
	w = waitpid(pid, &status, WNOHANG);
	if (w == pid || (w == -1 && errno == ECHILD))
		return status;
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	return status;
}

struct svc_loop {
	struct launch	*l;
	pid_t		 pid;		/* sandbox pid 1 */
	int		 pidfd;
	int		 sfd;
	int		 life_wr;
	int		 deadline;	/* for the proxy's first answer */
	int		 fail;		/* 1: the launcher fails (125) */
	bool		 done;
	bool		 life_eof;	/* pid 1's end said all it will */
	bool		 stopping;	/* the helpers were told to stop */
	int		 code;
};

/* End the sandbox: EOF on its life pipe lets pid 1 clean up first. */
static void
svc_kill_sandbox(struct svc_loop *sl)
{
	int	status;

	if (sl->life_wr != -1) {
		close(sl->life_wr);
		sl->life_wr = -1;
	}
	status = svc_reap(sl->pid, SVC_REAP_MS);
	(void)status;
	sl->done = true;
	sl->fail = 1;
}

static void
svc_proxy_gone(struct svc_loop *sl)
{
	struct service	*s = sl->l->svc;
	char		 how[64];

	s->proxy_up = false;
	if (!s->ready)
		sl->fail = 1;
	svc_status_text(svc_reap(s->proxy_pid, 1000), how, sizeof(how));
	s->proxy_pid = -1;
	log_warnx("srt-proxy exited unexpectedly (%s)", how);
	svc_kill_sandbox(sl);
}

static int
svc_check_hello(struct imsg *m, uint32_t role)
{
	struct srt_hello	h;

	return imsg_get_data(m, &h, sizeof(h)) == 0 &&
	    h.version == SRT_PROTO_VERSION && h.role == role ? 0 : -1;
}

static void
svc_proxy_msg(struct svc_loop *sl, struct imsg *m)
{
	struct service	*s = sl->l->svc;
	char		 why[512];

	if (!s->proxy_hello && m->hdr.type != IMSG_HELLO) {
		log_warnx("srt-proxy did not start with a hello");
		svc_kill_sandbox(sl);
		return;
	}
	switch (m->hdr.type) {
	case IMSG_HELLO:
		if (s->proxy_hello || svc_check_hello(m, SRT_ROLE_PROXY) ==
		    -1) {
			log_warnx("srt-proxy speaks another protocol (a "
			    "mixed install?)");
			svc_kill_sandbox(sl);
		}
		s->proxy_hello = true;
		break;
	case IMSG_POLICY_OK:
		if (!s->ready)
			s->ready = true;
		else
			log_debug("control-fd: srt-proxy applied the update");
		break;
	case IMSG_POLICY_BAD:
		snprintf(why, sizeof(why), "%.*s", (int)(m->datalen > 500 ?
		    500 : m->datalen), m->data ? (char *)m->data : "");
		if (!s->ready) {
			log_warnx("srt-proxy refused the settings: %s", why);
			svc_kill_sandbox(sl);
			sl->fail = 1;
		} else
			log_warnx("control-fd: srt-proxy refused the update, "
			    "keeping the old policy: %s", why);
		break;
	default:
		/* Not ours to guess at: a broken proxy ends the run. */
		log_warnx("srt-proxy sent unexpected message type %u",
		    m->hdr.type);
		svc_kill_sandbox(sl);
		break;
	}
}

static void
svc_proxy_read(struct svc_loop *sl)
{
	struct service	*s = sl->l->svc;
	struct imsg	 m;
	ssize_t		 n;
	int		 r;

	n = imsgbuf_read(&s->proxy);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		svc_proxy_gone(sl);
		return;
	}
	while (!sl->done && (r = imsg_get(&s->proxy, &m)) == 1) {
		svc_proxy_msg(sl, &m);
		imsg_free(&m);
	}
}

/* The proxy's held ends and its program, once it runs or never will. */
static void
svc_proxy_release(struct service *s)
{
	int	*const fd[] = { &s->px_ctl, &s->px_mon, &s->bridge[0],
	    &s->exe_proxy };

	svc_close_held(fd, sizeof(fd) / sizeof(fd[0]));
	s->proxy_lazy = false;
}

/*
 * Start srt-proxy on the held channels; the bridge's clients wait in
 * theirs.  It gets the latest policy, which a --control-fd line may have
 * replaced meanwhile; its first answer is awaited as it was at the start
 * (a refusal ends the run with 125).
 */
static void
svc_proxy_launch(struct svc_loop *sl)
{
	struct service	*s = sl->l->svc;

	svc_start_proxy(sl->l, s);
	svc_proxy_release(s);
	s->proxy_up = true;
	sl->deadline = svc_now_ms() + SVC_READY_MS;
	svc_hello(&s->proxy);
	/* A proxy dead already shows as its channel's end in the poll. */
	if (svc_proxy_policy(s, s->policy, s->policylen) == -1)
		log_warn("srt-proxy: sending the policy");
	log_debug("sandbox %08x: srt-proxy pid %d", s->sandbox_id,
	    (int)s->proxy_pid);
}

/* The bridge's channel stirred: a client starts the proxy; its end
 * (the sandbox is gone) means none ever will. */
static void
svc_proxy_wake(struct svc_loop *sl)
{
	struct service	*s = sl->l->svc;
	int		 r;

	if (!s->proxy_lazy || (r = svc_peek(s->bridge[0])) == -1)
		return;
	if (r == 1)
		svc_proxy_launch(sl);
	else
		svc_proxy_release(s);
}

/* Waiting for a started proxy's first answer, which gates the end. */
static bool
svc_waiting(const struct service *s)
{
	return s->proxy_up && !s->ready;
}

static void
svc_monitor_gone(struct service *s, const char *why)
{
	log_warnx("srt-monitor: %s; violations are no longer shown", why);
	s->monitor_up = false;
}

/* Hello and, at the end, the summary; *sum is filled when it comes. */
static int
svc_monitor_read(struct service *s, struct srt_summary *sum)
{
	struct srt_summary	 tmp;
	struct imsg		 m;
	ssize_t			 n;
	int			 r, got = 0;

	n = imsgbuf_read(&s->monitor);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		svc_monitor_gone(s, n == 0 ? "exited" : strerror(errno));
		return -1;
	}
	while ((r = imsg_get(&s->monitor, &m)) == 1) {
		if (m.hdr.type == IMSG_HELLO && !s->monitor_hello &&
		    svc_check_hello(&m, SRT_ROLE_MONITOR) == 0)
			s->monitor_hello = true;
		else if (m.hdr.type == IMSG_SUMMARY && s->monitor_hello &&
		    imsg_get_data(&m, &tmp, sizeof(tmp)) == 0) {
			if (sum != NULL)
				*sum = tmp;
			got = 1;
		} else {
			imsg_free(&m);
			svc_monitor_gone(s, "protocol error");
			return -1;
		}
		imsg_free(&m);
	}
	if (r == -1) {
		svc_monitor_gone(s, "protocol error");
		return -1;
	}
	return got;
}

static void
svc_forward(pid_t pid, const struct signalfd_siginfo *si)
{
	if (si->ssi_code != SI_KERNEL)
		kill(pid, (int)si->ssi_signo);
	if (si->ssi_signo == SIGTSTP)
		kill(getpid(), SIGSTOP);
}

static void
svc_signal(struct svc_loop *sl)
{
	struct signalfd_siginfo	si;

	while (read(sl->sfd, &si, sizeof(si)) == sizeof(si))
		if (si.ssi_signo != SIGCHLD)
			svc_forward(sl->pid, &si);
}

/*
 * The launcher cannot go on: pid 1's mount point of TMPDIR and the
 * placeholders are removed first, since pid 1 may be gone too and the
 * launcher is then the only one left to do it.
 */
static void __attribute__((noreturn))
svc_fatal(struct svc_loop *sl, const char *what)
{
	int	saved = errno;

	kill(sl->pid, SIGKILL);
	(void)svc_reap(sl->pid, SVC_REAP_MS);
	hold_cleanup_host(sl->l);
	errno = saved;
	fatal_launch("%s", what);
}

/*
 * pid 1 ends with the command's status (128+N for a signal), so a wait
 * status of "killed" is pid 1's own death: srt's part failed, and the
 * command died with it (the kernel kills the whole pid namespace).
 */
static void
svc_sandbox_exit(struct svc_loop *sl)
{
	int	status;

	while (waitpid(sl->pid, &status, 0) == -1)
		if (errno != EINTR)
			svc_fatal(sl, "waitpid");
	sl->done = true;
	if (WIFEXITED(status))
		sl->code = WEXITSTATUS(status);
	else {
		if (WIFSIGNALED(status))
			log_warnx("the sandbox's init (pid 1) was killed by "
			    "signal %d; the command was killed with it",
			    WTERMSIG(status));
		sl->code = EXIT_LAUNCH;
	}
}

static void	svc_stop_helpers(struct launch *);

/*
 * pid 1's word that the command is gone and the rest of the sandbox is
 * being killed: nothing can reach the proxy or make an event from now
 * on, so the helpers stop (and the monitor sums up) while the kernel is
 * still tearing the sandbox's namespaces down.  The run's status is
 * still pid 1's exit.
 */
static void
svc_life_read(struct svc_loop *sl)
{
	char	c;

	sl->life_eof = true;
	if (read(sl->life_wr, &c, 1) != 1 || c != 'd')
		return;
	sl->stopping = true;
	svc_stop_helpers(sl->l);
}

enum { PFD_SIG, PFD_SANDBOX, PFD_PROXY, PFD_BRIDGE, PFD_MONITOR,
    PFD_MON_PROXY, PFD_MON_SANDBOX, PFD_CONTROL, PFD_LIFE, PFD_N };

static void
svc_poll_once(struct svc_loop *sl)
{
	struct service	*s = sl->l->svc;
	struct pollfd	 pfd[PFD_N];
	int		 timeout = -1, r;
	bool		 waiting = svc_waiting(s);

	pfd[PFD_SIG] = (struct pollfd){ sl->sfd, POLLIN, 0 };
	/* The command's end waits for a started proxy's first answer: a
	 * refused policy still fails the run (125), whatever the command
	 * did. */
	pfd[PFD_SANDBOX] = (struct pollfd){ !waiting ? sl->pidfd : -1,
	    POLLIN, 0 };
	/* Stopped helpers close their channels: no news then. */
	pfd[PFD_PROXY] = (struct pollfd){ s->proxy_up && !sl->stopping ?
	    s->proxy.fd : -1, POLLIN, 0 };
	pfd[PFD_BRIDGE] = (struct pollfd){ s->proxy_lazy && !sl->stopping ?
	    s->bridge[0] : -1, POLLIN, 0 };
	pfd[PFD_MONITOR] = (struct pollfd){ s->monitor_up && !sl->stopping ?
	    s->monitor.fd : -1, POLLIN, 0 };
	pfd[PFD_MON_PROXY] = (struct pollfd){ s->monitor_lazy &&
	    !sl->stopping ? s->mon_proxy : -1, POLLIN, 0 };
	pfd[PFD_MON_SANDBOX] = (struct pollfd){ s->monitor_lazy &&
	    !sl->stopping ? s->mon_sandbox : -1, POLLIN, 0 };
	pfd[PFD_CONTROL] = (struct pollfd){ !waiting && !sl->stopping ?
	    s->ctl.fd : -1, POLLIN, 0 };
	pfd[PFD_LIFE] = (struct pollfd){ !waiting && !sl->life_eof ?
	    sl->life_wr : -1, POLLIN, 0 };
	if (waiting && (timeout = sl->deadline - svc_now_ms()) < 0)
		timeout = 0;
	if ((r = poll(pfd, PFD_N, timeout)) == -1) {
		if (errno != EINTR)
			svc_fatal(sl, "poll");
		return;
	}
	if (r == 0 && waiting) {
		log_warnx("srt-proxy did not answer within %d ms",
		    SVC_READY_MS);
		svc_kill_sandbox(sl);
		sl->fail = 1;
		return;
	}
	if (pfd[PFD_SIG].revents & POLLIN)
		svc_signal(sl);
	if (pfd[PFD_PROXY].revents)
		svc_proxy_read(sl);
	if (!sl->done && pfd[PFD_BRIDGE].revents)
		svc_proxy_wake(sl);
	if (!sl->done && pfd[PFD_MONITOR].revents)
		svc_monitor_read(s, NULL);
	if (!sl->done && (pfd[PFD_MON_PROXY].revents ||
	    pfd[PFD_MON_SANDBOX].revents))
		svc_monitor_wake(sl->l);
	if (!sl->done && pfd[PFD_CONTROL].revents && control_read(sl->l) ==
	    -1)
		s->ctl.fd = -1;
	if (!sl->done && pfd[PFD_LIFE].revents)
		svc_life_read(sl);
	if (!sl->done && (pfd[PFD_SANDBOX].revents & POLLIN))
		svc_sandbox_exit(sl);
}

/*
 * The proxy first: it exits while the monitor sums up.  Its events are
 * on their way already (it sends each as it happens).  The monitor gets
 * the summary request and its shutdown in one write: it answers the
 * first, then drains its outputs and exits.
 */
static void
svc_stop_monitor(struct launch *l)
{
	struct service	*s = l->svc;

	if (s->monitor_pid == -1 || !s->monitor_up)
		return;
	if ((!l->quiet && imsg_compose(&s->monitor, IMSG_SUMMARY_REQ,
	    s->sandbox_id, getpid(), -1, NULL, 0) == -1) ||
	    imsg_compose(&s->monitor, IMSG_SHUTDOWN, 0, getpid(), -1, NULL,
	    0) == -1 || imsgbuf_flush(&s->monitor) == -1)
		svc_monitor_gone(s, "cannot ask for the summary");
}

static void
svc_stop_helpers(struct launch *l)
{
	struct service	*s = l->svc;

	if (s->proxy_up) {
		imsg_compose(&s->proxy, IMSG_SHUTDOWN, 0, getpid(), -1, NULL,
		    0);
		imsgbuf_flush(&s->proxy);
	}
	/* Never started: its event channel's end tells a lazy monitor. */
	if (s->proxy_lazy)
		svc_proxy_release(s);
	if (s->monitor_lazy)
		svc_monitor_wake(l);
	svc_stop_monitor(l);
}

/*
 * The run is over and no event has started the monitor yet: wait for
 * the proxy (exiting on our shutdown, its last events written first)
 * and the observer (gone with the sandbox) to close their channels.  A
 * last event still starts the monitor, for its line and the summary;
 * none, and there is nothing to show or sum up.  Returns the time
 * waited, which is the proxy's to wait for its exit.
 */
static int
svc_monitor_settle(struct launch *l)
{
	struct service	*s = l->svc;
	struct pollfd	 pfd[2];
	int		 start = svc_now_ms(), deadline = start + SVC_REAP_MS;
	int		 left;

	if (!s->monitor_lazy)
		return 0;
	while (s->monitor_lazy && (s->mon_proxy != -1 ||
	    s->mon_sandbox != -1) && (left = deadline - svc_now_ms()) > 0) {
		pfd[0] = (struct pollfd){ s->mon_proxy, POLLIN, 0 };
		pfd[1] = (struct pollfd){ s->mon_sandbox, POLLIN, 0 };
		if (poll(pfd, 2, left) == -1 && errno != EINTR)
			break;
		svc_monitor_wake(l);
	}
	if (s->monitor_lazy)
		svc_monitor_release(s);
	else
		svc_stop_monitor(l);
	return svc_now_ms() - start;
}

static void
svc_summary(struct launch *l)
{
	struct service		*s = l->svc;
	struct srt_summary	 sum;
	struct pollfd		 pfd;
	int			 deadline, left, got = 0;

	if (!s->monitor_up || l->quiet)
		return;
	memset(&sum, 0, sizeof(sum));
	deadline = svc_now_ms() + SVC_SUMMARY_MS;
	while (got == 0 && (left = deadline - svc_now_ms()) > 0) {
		pfd = (struct pollfd){ s->monitor.fd, POLLIN, 0 };
		if (poll(&pfd, 1, left) <= 0)
			continue;
		got = svc_monitor_read(s, &sum);
	}
	if (got != 1 || sum.denials == 0)
		return;
	dprintf(STDERR_FILENO, "srt-launch: the sandbox denied %llu "
	    "operation%s", (unsigned long long)sum.denials,
	    sum.denials == 1 ? "" : "s");
	if (sum.ignored > 0)
		dprintf(STDERR_FILENO, " (%llu more ignored by "
		    "ignoreViolations)", (unsigned long long)sum.ignored);
	if (sum.dropped > 0)
		dprintf(STDERR_FILENO, "; %llu events lost",
		    (unsigned long long)sum.dropped);
	dprintf(STDERR_FILENO, "%s\n", l->violations ? "" :
	    "; --violations FILE records them");
}

static void
svc_shutdown(struct launch *l, bool stopping)
{
	struct service	*s = l->svc;
	int		 waited, left;

	if (!stopping)
		svc_stop_helpers(l);
	waited = svc_monitor_settle(l);
	svc_summary(l);
	/* The monitor drains its outputs first: the JSON lines are whole
	 * when we return. */
	if (s->monitor_pid != -1)
		svc_reap(s->monitor_pid, SVC_REAP_MS);
	close(s->proxy.fd);
	if (s->proxy_pid != -1) {
		left = SVC_REAP_MS - waited;
		svc_reap(s->proxy_pid, left > 100 ? left : 100);
	}
	imsgbuf_clear(&s->proxy);
	if (s->monitor_pid != -1)
		imsgbuf_clear(&s->monitor);
	control_free(&s->ctl);
	free(s->policy);
	free(s->bridge_path);
	free(s);
	l->svc = NULL;
}

/*
 * The launcher's wait: the sandbox's pid 1, the helpers' channels, the
 * control descriptor and the forwarded signals, in one poll.
 */
int
service_supervise(struct launch *l, pid_t pid, int life_wr)
{
	struct svc_loop	 sl;
	struct service	*s = l->svc;
	sigset_t	 set;

	memset(&sl, 0, sizeof(sl));
	sl.l = l;
	sl.pid = pid;
	sl.life_wr = life_wr;
	sl.deadline = svc_now_ms() + SVC_READY_MS;
	close(s->bridge[1]);
	s->bridge[1] = -1;
	sandbox_sigset(&set);
	if ((sl.sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		fatal_launch("signalfd");
	if ((sl.pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) == -1)
		fatal_launch("pidfd_open");
	/*
	 * Go at once: the proxy reads no bridged client before its first
	 * policy is applied (srt-proxy/service.c), so the command's first
	 * connection waits in the bridge's queue and meets the real policy;
	 * a refusal or a dead proxy still ends the run with 125.
	 */
	if (write(sl.life_wr, "g", 1) != 1)
		log_warn("telling pid 1 to start the command");
	while (!sl.done)
		svc_poll_once(&sl);
	close(sl.pidfd);
	close(sl.sfd);
	/*
	 * pid 1 is reaped: the helpers stop while we clean the host up.  On
	 * a file system with online discard (ext4 -o discard) each removed
	 * directory waits for the disk, so let that overlap their exit.
	 */
	if (!sl.stopping) {
		svc_stop_helpers(l);
		sl.stopping = true;
	}
	hold_cleanup_host(l);
	svc_shutdown(l, sl.stopping);
	if (sl.life_wr != -1)
		close(sl.life_wr);
	return sl.fail ? EXIT_LAUNCH : sl.code;
}
