/*
 * The listening bridge.  It runs inside the sandbox's network namespace,
 * where the only way out is the channel on fd 3 to srt-proxy, a process
 * in the host's namespace.  For every connection accepted on the sandbox
 * loopback it sends the socket itself over that channel (IMSG_CLIENT,
 * SCM_RIGHTS): the proxy then talks to the sandboxed client directly and
 * the bridge copies no bytes.
 *
 * Threat model: the bridge shares the namespaces with the sandboxed
 * command, which may be hostile.  It never reads from a client socket
 * (so nothing the command sends is parsed here), it is non-dumpable (no
 * ptrace, no /proc/PID/mem), and before the command may start it is
 * confined to accept, sendmsg/recvmsg on its channel, poll and exit.  A
 * command that floods the listeners only fills the channel queue, which
 * is bounded: past BRIDGE_MAX_PENDING the bridge stops accepting and the
 * kernel's backlog absorbs the rest.
 *
 * Accepted sockets are made O_NONBLOCK and close-on-exec here.  The flag
 * belongs to the open file description, which the passed descriptor
 * shares, so the proxy receives it non-blocking.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libcommon/confine.h"
#include "libcommon/imsg.h"
#include "libcommon/log.h"
#include "libcommon/proto.h"
#include "srt-bridge/srt-bridge.h"

#define BRIDGE_ACCEPT_BURST	64
#define BRIDGE_PAUSE_MS		100

struct bridge_pause {
	struct timespec	until;
	int		on;
};

struct bridge {
	const struct bridge_opts	*o;
	struct imsgbuf			 ib;
	struct bridge_listeners		 bl;
	struct bridge_pause		 acc_pause;	/* out of fds */
	int				 acc_warned;
	struct bridge_pause		 wr_pause;	/* ETOOMANYREFS */
	int				 greeted;	/* hello queued */
};

static volatile sig_atomic_t	bridge_quit;

static void
bridge_sigterm(int sig)
{
	bridge_quit = 1;
}

/* Keep 0-2, the channel and the ready fd; nothing else is ours. */
static void
bridge_closefds(int ready_fd)
{
	unsigned int	first = BRIDGE_FD_PROXY + 1;

	if (ready_fd > (int)first)
		close_range(first, (unsigned int)ready_fd - 1, 0);
	if (ready_fd >= (int)first)
		first = (unsigned int)ready_fd + 1;
	close_range(first, ~0U, 0);
}

/*
 * No core dumps and no ptrace from the command, even though it runs as
 * the same uid; SIGKILL when pid 1 of the sandbox goes, so the bridge
 * never outlives it.
 */
static void
bridge_harden(void)
{
	pid_t	parent = getppid();

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("PR_SET_DUMPABLE");
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1)
		fatal("PR_SET_PDEATHSIG");
	if (getppid() != parent)
		fatalx("parent exited during startup");
}

/*
 * The bridge shares the command's session and, unless moved, its
 * terminal's foreground process group: a ^C meant for the command would
 * take the sandbox's network down with it.  So it leaves the terminal
 * (setsid), ignores the keyboard and job-control signals, and stops only
 * on SIGTERM, which is blocked except inside ppoll so no wakeup is lost.
 */
static void
bridge_signals(sigset_t *waitmask)
{
	static const int	ignored[] = { SIGPIPE, SIGHUP, SIGINT, SIGQUIT,
				    SIGTSTP, SIGTTIN, SIGTTOU };
	struct sigaction	sa;
	sigset_t		block;
	size_t			i;

	if (setsid() == -1 && errno != EPERM)
		fatal("setsid");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		sigaction(ignored[i], &sa, NULL);
	sa.sa_handler = bridge_sigterm;
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &block, waitmask) == -1)
		fatal("sigprocmask");
	sigdelset(waitmask, SIGTERM);
}

/*
 * Standard input may be the command's terminal: not ours to hold.  An
 * empty pipe instead of /dev/null, because pid 1 may be changing the
 * mounts under us: the bridge opens no path.
 */
static void
bridge_stdin(void)
{
	int	p[2];

	if (pipe2(p, O_CLOEXEC) == -1)
		return;		/* keep what we have */
	close(p[1]);
	if (p[0] != STDIN_FILENO) {
		if (dup2(p[0], STDIN_FILENO) == -1)
			fatal("dup2");
		close(p[0]);
	}
}

/*
 * Every queued client holds a descriptor here, and the kernel counts the
 * ones in flight against RLIMIT_NOFILE too: take the hard limit.
 */
static void
bridge_rlimit(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit RLIMIT_NOFILE");
	}
}

static void
bridge_check_channel(void)
{
	struct stat	st;

	if (fstat(BRIDGE_FD_PROXY, &st) == -1 || !S_ISSOCK(st.st_mode))
		fatalx_status(125, "fd %d is not the proxy channel (srt-bridge "
		    "is started by srt-launch)", BRIDGE_FD_PROXY);
}

/* -1 with errno when the address cannot be had; fatal otherwise. */
static int
bridge_listen_one(struct bridge_listeners *bl, int family, uint16_t port,
    uint32_t kind)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 len;
	int			 fd, on = 1;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = in6addr_loopback;
		len = sizeof(*sin6);
	}
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
	    &on, sizeof(on)) == -1))
		fatal("%s: setsockopt", __func__);
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, BRIDGE_BACKLOG) == -1) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	bl->ls[bl->n].fd = fd;
	bl->ls[bl->n].kind = kind;
	bl->ls[bl->n].family = (uint32_t)family;
	bl->n++;
	return 0;
}

/*
 * IPv4 loopback is required; ::1 is taken when the namespace has it.
 * -1 (said why) when a required one cannot be had.
 */
int
bridge_listen(struct bridge_listeners *bl, const struct bridge_opts *o)
{
	const uint16_t	ports[2] = { o->http_port, o->socks_port };
	const uint32_t	kinds[2] = { SRT_LISTEN_HTTP, SRT_LISTEN_SOCKS };
	int		i;

	bl->n = 0;
	for (i = 0; i < 2; i++) {
		if (bridge_listen_one(bl, AF_INET, ports[i], kinds[i]) == -1) {
			log_warn("listen on 127.0.0.1:%u", ports[i]);
			while (bl->n > 0)
				close(bl->ls[--bl->n].fd);
			return -1;
		}
		if (bridge_listen_one(bl, AF_INET6, ports[i], kinds[i]) == -1)
			log_debug("no listener on [::1]:%u: %s", ports[i],
			    strerror(errno));
	}
	return 0;
}

/*
 * Queued just before the first client, not at the start: srt-launch
 * starts the proxy when the first byte arrives on this channel, and most
 * sandboxes never connect anywhere.
 */
static void
bridge_hello(struct bridge *b)
{
	struct srt_hello	h;

	h.version = SRT_PROTO_VERSION;
	h.role = SRT_ROLE_BRIDGE;
	if (imsg_compose(&b->ib, IMSG_HELLO, b->o->sandbox_id, getpid(), -1,
	    &h, sizeof(h)) == -1)
		fatal("sending hello to the proxy");
	b->greeted = 1;
}

/*
 * Confine before telling the launcher we are ready, so the command never
 * runs next to an unconfined bridge.  What is left: accept on the
 * listeners, sendmsg (hand a client over), recvmsg (read the channel,
 * where imsg closes any descriptor the proxy might send), ppoll, exit.
 */
static void
bridge_confine(void)
{
	struct confine_report	r;

	if (confine("stdio accept sendfd recvfd", NULL, 0, &r) == -1)
		fatalx("cannot confine the bridge");
	if (r.degraded[0] != '\0')
		log_debug("confinement degraded: %s", r.degraded);
}

static void
bridge_ready(int fd)
{
	ssize_t	n;

	if (fd == -1)
		return;
	do {
		n = write(fd, "1", 1);
	} while (n == -1 && errno == EINTR);
	if (n != 1)
		fatal("write to ready fd %d", fd);
	close(fd);
}

/* The proxy may say hello back or ask us to stop; anything else is a bug. */
static int
bridge_dispatch(struct bridge *b)
{
	struct imsg		m;
	struct srt_hello	h;
	ssize_t			n;
	int			rc;

	n = imsgbuf_read(&b->ib);
	if (n == 0 || (n == -1 && errno == ECONNRESET)) {
		log_debug("proxy closed the channel");
		return 0;
	}
	if (n == -1 && errno != EAGAIN) {
		log_warn("proxy channel");
		return 1;
	}
	while ((rc = imsg_get(&b->ib, &m)) == 1) {
		switch (m.hdr.type) {
		case IMSG_HELLO:
			if (imsg_get_data(&m, &h, sizeof(h)) == -1 ||
			    h.version != SRT_PROTO_VERSION)
				fatalx("proxy speaks another protocol version");
			break;
		case IMSG_SHUTDOWN:
			imsg_free(&m);
			return 0;
		default:
			fatalx("unexpected message type %u from the proxy",
			    m.hdr.type);
		}
		imsg_free(&m);
	}
	if (rc == -1)
		fatalx("bad message from the proxy");
	return -1;
}

static void
bridge_pause(struct bridge_pause *p)
{
	clock_gettime(CLOCK_MONOTONIC, &p->until);
	p->until.tv_nsec += BRIDGE_PAUSE_MS * 1000000L;
	if (p->until.tv_nsec >= 1000000000L) {
		p->until.tv_sec++;
		p->until.tv_nsec -= 1000000000L;
	}
	p->on = 1;
}

/* Ends an expired pause; otherwise lowers *tmo to the time it has left. */
static void
bridge_pause_check(struct bridge_pause *p, struct timespec **tmo,
    struct timespec *left)
{
	struct timespec	now, d;

	if (!p->on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	d.tv_sec = p->until.tv_sec - now.tv_sec;
	d.tv_nsec = p->until.tv_nsec - now.tv_nsec;
	if (d.tv_nsec < 0) {
		d.tv_sec--;
		d.tv_nsec += 1000000000L;
	}
	if (d.tv_sec < 0) {
		p->on = 0;
		return;
	}
	if (*tmo == NULL || d.tv_sec < left->tv_sec ||
	    (d.tv_sec == left->tv_sec && d.tv_nsec < left->tv_nsec)) {
		*left = d;
		*tmo = left;
	}
}

static void
bridge_accept(struct bridge *b, const struct bridge_listener *l)
{
	struct srt_client	c;
	int			i, fd;

	c.listener = l->kind;
	c.family = l->family;
	for (i = 0; i < BRIDGE_ACCEPT_BURST &&
	    imsgbuf_queuelen(&b->ib) < BRIDGE_MAX_PENDING; i++) {
		fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			switch (errno) {
			case EAGAIN:
				return;
			case EINTR:
			case ECONNABORTED:
			case EPROTO:
				continue;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				/* Once per episode, not every pause. */
				if (!b->acc_warned)
					log_warn("accept (pausing)");
				b->acc_warned = 1;
				bridge_pause(&b->acc_pause);
				return;
			default:
				fatal("accept");
			}
		}
		b->acc_warned = 0;
		if (!b->greeted)
			bridge_hello(b);
		/* compose closes fd on failure: that client just drops. */
		if (imsg_compose(&b->ib, IMSG_CLIENT, b->o->sandbox_id,
		    getpid(), fd, &c, sizeof(c)) == -1)
			log_warn("queueing a client");
	}
}

/*
 * 0 when the proxy went away (a normal end), 1 on a write error, -1 to
 * go on.  ETOOMANYREFS: the kernel caps descriptors in flight on unix
 * sockets per user (RLIMIT_NOFILE); the proxy has not taken the ones
 * sent yet, so wait a little rather than spin on a writable socket.
 */
static int
bridge_write(struct bridge *b)
{
	if (imsgbuf_write(&b->ib) == 0)
		return -1;
	if (errno == ETOOMANYREFS) {
		bridge_pause(&b->wr_pause);
		return -1;
	}
	if (errno == EPIPE || errno == ECONNRESET) {
		log_debug("proxy closed the channel");
		return 0;
	}
	log_warn("proxy channel");
	return 1;
}

static int
bridge_loop(struct bridge *b, const sigset_t *waitmask)
{
	struct pollfd	 pfd[1 + BRIDGE_MAX_LISTENERS];
	struct timespec	 left, *tmo;
	int		 i, n, rc, accepting, writing;

	while (!bridge_quit) {
		tmo = NULL;
		bridge_pause_check(&b->acc_pause, &tmo, &left);
		bridge_pause_check(&b->wr_pause, &tmo, &left);
		accepting = !b->acc_pause.on &&
		    imsgbuf_queuelen(&b->ib) < BRIDGE_MAX_PENDING;
		writing = !b->wr_pause.on && imsgbuf_queuelen(&b->ib) > 0;
		pfd[0].fd = b->ib.fd;
		pfd[0].events = POLLIN | (writing ? POLLOUT : 0);
		for (i = 0; i < b->bl.n; i++) {
			pfd[1 + i].fd = accepting ? b->bl.ls[i].fd : -1;
			pfd[1 + i].events = POLLIN;
			pfd[1 + i].revents = 0;
		}
		n = ppoll(pfd, 1 + (nfds_t)b->bl.n, tmo, waitmask);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fatal("ppoll");
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if ((rc = bridge_dispatch(b)) != -1)
				return rc;
		}
		for (i = 0; i < b->bl.n; i++)
			if (pfd[1 + i].revents & POLLIN)
				bridge_accept(b, &b->bl.ls[i]);
		if (!b->wr_pause.on && imsgbuf_queuelen(&b->ib) > 0 &&
		    (rc = bridge_write(b)) != -1)
			return rc;
	}
	log_debug("terminated by signal");
	return 0;
}

int
bridge_main(const struct bridge_opts *o)
{
	struct bridge	b;
	sigset_t	waitmask;

	memset(&b, 0, sizeof(b));
	b.o = o;
	bridge_harden();
	bridge_check_channel();
	bridge_closefds(o->ready_fd);
	bridge_stdin();
	bridge_signals(&waitmask);
	bridge_rlimit();
	if (bridge_listen(&b.bl, o) == -1)
		exit(1);
	imsgbuf_init(&b.ib, BRIDGE_FD_PROXY);
	bridge_confine();
	bridge_ready(o->ready_fd);
	log_debug("sandbox %u: HTTP on %u, SOCKS on %u, %d listeners",
	    o->sandbox_id, o->http_port, o->socks_port, b.bl.n);
	return bridge_loop(&b, &waitmask);
}

/*
 * The same bridge in a child that the sandbox's pid 1 forks, without an
 * exec, when a first client knocks on the listeners pid 1 made before
 * the command started.  No exec matters for security, not only for
 * speed: an exec'd program is dumpable until its first prctl, and the
 * command, which chose the moment by connecting, could attach to it in
 * that instant; a fork keeps pid 1's non-dumpable state throughout.
 * The caller put the channel on BRIDGE_FD_PROXY, the listeners in bl,
 * and closed everything else but stdio.
 */
int
bridge_run(const struct bridge_opts *o, const struct bridge_listeners *bl)
{
	struct bridge	b;
	sigset_t	waitmask;

	memset(&b, 0, sizeof(b));
	b.o = o;
	b.bl = *bl;
	bridge_harden();
	bridge_stdin();
	bridge_signals(&waitmask);
	bridge_rlimit();
	imsgbuf_init(&b.ib, BRIDGE_FD_PROXY);
	bridge_confine();
	log_debug("confined, serving %d listeners", b.bl.n);
	return bridge_loop(&b, &waitmask);
}
