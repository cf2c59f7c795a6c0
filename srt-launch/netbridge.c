/*
 * The sandbox's network bridge, from pid 1's side.  pid 1 makes the
 * listeners (HTTP 3128 and SOCKS 1080 on 127.0.0.1 and ::1) once lo is
 * up, before the command starts, so no connection of the command ever
 * meets a closed port; it forks the bridge (srt-bridge/bridge.c, linked
 * in) only when the first client knocks.  Most commands connect nowhere,
 * and then no bridge, and no proxy (service.c), ever runs.
 *
 * The bridge is forked, not exec'd.  An exec'd program is dumpable from
 * its exec to its first prctl, and the command, which picks the moment
 * by connecting, could attach to it in between: an unconfined process
 * outside the command's seccomp filter and Landlock domain.  A fork
 * keeps pid 1's non-dumpable state from the first instant, and the child
 * drops the capabilities pid 1 holds in the sandbox's user namespace
 * when it confines itself, before it accepts anything.
 */
#include <sys/prctl.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include "libcommon/log.h"
#include "libcommon/proto.h"
#include "srt-bridge/srt-bridge.h"
#include "srt-launch/service.h"
#include "srt-launch/srt-launch.h"

static void
netbridge_opts(const struct launch *l, struct bridge_opts *o)
{
	o->sandbox_id = l->svc->sandbox_id;
	o->http_port = BRIDGE_HTTP_PORT;
	o->socks_port = BRIDGE_SOCKS_PORT;
	o->ready_fd = -1;
	o->debug = l->debug;
}

/* In pid 1, with lo up: -1 (said why) when 127.0.0.1 cannot be had. */
int
netbridge_listen(struct launch *l)
{
	struct bridge_opts	o;

	if (l->svc == NULL)
		return 0;
	netbridge_opts(l, &o);
	return bridge_listen(&l->svc->bls, &o);
}

/* The listeners for pid 1's poll while no bridge runs: how many. */
int
netbridge_pollfds(const struct launch *l, struct pollfd *pfd, int max)
{
	int	i, n = 0;

	if (l->svc == NULL)
		return 0;
	for (i = 0; i < l->svc->bls.n && n < max; i++)
		pfd[n++] = (struct pollfd){ l->svc->bls.ls[i].fd, POLLIN, 0 };
	return n;
}

/* The channel on BRIDGE_FD_PROXY, the listeners right above it, the rest
 * closed (no exec will close them). */
static int
netbridge_place(struct launch *l, struct bridge_listeners *bl)
{
	int	fds[1 + BRIDGE_MAX_LISTENERS], i;

	_Static_assert(BRIDGE_FD_PROXY == 3, "service_place_fds starts at 3");
	fds[0] = l->svc->bridge[1];
	for (i = 0; i < bl->n; i++)
		fds[1 + i] = bl->ls[i].fd;
	if (service_place_fds(NULL, fds, 1 + bl->n) == -1)
		return -1;
	for (i = 0; i < bl->n; i++)
		bl->ls[i].fd = BRIDGE_FD_PROXY + 1 + i;
	return 0;
}

static void __attribute__((noreturn))
netbridge_child(struct launch *l)
{
	struct bridge_listeners	bl = l->svc->bls;
	struct bridge_opts	o;
	sigset_t		none;
	int			sig;

	/* Named as the program it replaces: ps, pgrep and the tests. */
	prctl(PR_SET_NAME, "srt-bridge", 0, 0, 0);
	log_procname("srt-bridge");
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (netbridge_place(l, &bl) == -1) {
		log_warn("descriptors");
		_exit(1);
	}
	netbridge_opts(l, &o);
	_exit(bridge_run(&o, &bl));
}

/*
 * A first client knocked: fork the bridge, which takes the listeners
 * and the channel.  A failed fork closes the listeners, so the command's
 * connections are refused rather than left hanging.
 */
void
netbridge_start(struct launch *l)
{
	struct service	*s = l->svc;
	pid_t		 pid;
	int		 i;

	if (s == NULL || s->bls.n == 0)
		return;
	if ((pid = fork()) == -1)
		log_warn("cannot start the network bridge");
	else if (pid == 0)
		netbridge_child(l);
	s->bridge_pid = pid;
	for (i = 0; i < s->bls.n; i++)
		close(s->bls.ls[i].fd);
	s->bls.n = 0;
	close(s->bridge[1]);
	s->bridge[1] = -1;
	log_debug("sandbox %08x: srt-bridge pid %d at the first connection",
	    s->sandbox_id, (int)pid);
}
