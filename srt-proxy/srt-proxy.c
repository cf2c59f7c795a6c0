/*
 * srt-proxy: the filtering HTTP + SOCKS5 proxy.  Standalone it listens on
 * the -l addresses; with -P it serves srt-launch over fixed descriptors
 * (service.c).  Setup order: listeners and the resolver first (they need
 * the filesystem and perhaps privileged ports), then the privilege drop,
 * then confine(); after that the process holds no filesystem access
 * beyond the settings directory it may reload.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "libcommon/confine.h"
#include "libcommon/log.h"
#include "libcommon/tcpcc.h"
#include "libcommon/proto.h"
#include "srt-proxy/proxy.h"

#define DRAIN_SECONDS	10
#define PROXY_FD_RETRY_MS	100	/* starved: look for room this often */

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: srt-proxy [-dhPV] [-c maxconn] [-H hosts] [-i idle] "
	    "[-l addr]...\n"
	    "                 [-m monitor] [-s settings] [-T tunnel-idle] "
	    "[-t header-timeout]\n"
	    "                 [-u user]\n"
	    "       addr: host:port, [v6]:port or unix:/path\n");
	exit(status);
}

static void	proxy_fd_resume(struct proxy *);

void
proxy_conn_count(struct proxy *px, int delta)
{
	px->nconn += delta;
	if (delta > 0)
		px->stat_accepted++;
	/* Two descriptors a connection (client, upstream), some slack for
	 * dials, listeners and channels; what is left may hold spare
	 * pipes, two descriptors each. */
	relay_pool_room((int)((px->nofile - 2L * px->nconn - 256) / 2));
	if (px->draining && px->nconn == 0)
		event_base_loopexit(px->base, NULL);
	else if (delta < 0 && px->starved)
		proxy_fd_resume(px);
}

/*
 * Descriptor headroom.  A client socket the bridge passes is installed
 * by the kernel inside recvmsg: with no descriptor free it is closed in
 * transit (MSG_CTRUNC), the client is lost unanswered and the channel
 * with it.  So the sources of new clients, the bridge channel and the
 * listeners, are read only while PROXY_FD_RESERVE descriptors are free
 * and no dial waits for one (conn.c parks a dial that finds none).
 * Otherwise they stand still and the kernel keeps the clients queued
 * (in the channel's socket, in the listen backlog) until a connection
 * ends or the retry timer finds room: waiting dials first, then new
 * clients.  Free descriptors are counted by taking them: a confined
 * process has no other way.
 */
static bool
fd_room(int fd, int n)
{
	int	got[PROXY_FD_RESERVE];
	int	i, k;

	for (k = 0; k < n; k++)
		if ((got[k] = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1)
			break;
	for (i = 0; i < k; i++)
		close(got[i]);
	return k == n;
}

static bool
fd_enough(struct proxy *px)
{
	if (!TAILQ_EMPTY(&px->parked))
		return false;
	/* Far from the limit the count is known well enough: no probe
	 * (eight system calls) on every client. */
	if ((long)px->nconn * PROXY_FD_PER_CONN + 2 * RELAY_POOL +
	    PROXY_FD_FIXED + PROXY_FD_RESERVE <= px->nofile)
		return true;
	if (fd_room(px->probe_fd, PROXY_FD_RESERVE))
		return true;
	/* Spare pipes are worth less than a client. */
	relay_pool_room(0);
	return fd_room(px->probe_fd, PROXY_FD_RESERVE);
}

/* Stop reading new clients until there is room again. */
void
proxy_fd_starve(struct proxy *px)
{
	struct timeval	tv = { 0, PROXY_FD_RETRY_MS * 1000 };
	int		i;

	if (px->starved)
		return;
	if (!px->starved_once)
		log_warnx("descriptor limit %ld reached at %d connections: "
		    "new clients wait for room", px->nofile, px->nconn);
	else
		log_debug("%d connections, too few descriptors: new clients "
		    "wait", px->nconn);
	px->starved_once = true;
	px->starved = true;
	for (i = 0; i < px->nlisten; i++)
		event_del(px->listen[i].ev);
	service_bridge_hold(px, true);
	evtimer_add(px->fd_timer, &tv);
}

/* Room for one more client?  If not, the sources stop (see above). */
bool
proxy_fd_room(struct proxy *px)
{
	if (px->starved)
		return false;
	if (fd_enough(px))
		return true;
	proxy_fd_starve(px);
	return false;
}

/* A connection ended or the timer fired: the waiting dials try again,
 * then the sources are read again if there is room. */
static void
proxy_fd_resume(struct proxy *px)
{
	struct timeval	tv = { 0, PROXY_FD_RETRY_MS * 1000 };
	int		i;

	conn_dial_unpark(px);
	if (!fd_enough(px)) {
		evtimer_add(px->fd_timer, &tv);
		return;
	}
	log_debug("descriptors free again: reading new clients");
	px->starved = false;
	evtimer_del(px->fd_timer);
	for (i = 0; i < px->nlisten; i++)
		event_add(px->listen[i].ev, NULL);
	service_bridge_hold(px, false);
}

static void
proxy_fd_timer(evutil_socket_t fd, short what, void *arg)
{
	struct proxy	*px = arg;

	if (px->starved)
		proxy_fd_resume(px);
}

static void
listener_cb(evutil_socket_t fd, short what, void *arg)
{
	struct listener	*l = arg;
	int		 s, i;

	for (i = 0; i < 64; i++) {
		if (!proxy_fd_room(l->px))
			break;
		s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (s == -1 && (errno == EMFILE || errno == ENFILE)) {
			/* The system's table, or a race: wait, do not spin. */
			proxy_fd_starve(l->px);
			break;
		}
		if (s == -1)
			break;
		conn_accept(l->px, s, 0, 0);
	}
}

/* The listeners' failures fill why, for main's one line naming the
 * address. */
static int
listen_fail(char *why, size_t whysz, const char *what, int s)
{
	snprintf(why, whysz, "%s", what);
	if (s != -1)
		close(s);
	return -1;
}

static int
listen_unix(const char *path, char *why, size_t whysz)
{
	struct sockaddr_un	sun;
	int			s;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		snprintf(why, whysz, "socket path longer than %zu bytes",
		    sizeof(sun.sun_path) - 1);
		return -1;
	}
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return listen_fail(why, whysz, strerror(errno), -1);
	unlink(path);
	if (bind(s, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		return listen_fail(why, whysz, strerror(errno), s);
	return s;
}

static int
listen_inet(const char *spec, char *shown, size_t shownsz, char *why,
    size_t whysz)
{
	struct addrinfo		 hints, *res;
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	char			 host[256], port[8], h[INET6_ADDRSTRLEN];
	int			 s, on = 1, p, e;

	if (http_parse_authority(spec, strlen(spec), 0, host, sizeof(host),
	    &p) != HTTP_OK) {
		/* Port 0 (any) is refused by the parser; allow it here. */
		size_t n = strlen(spec);
		if (n < 3 || strcmp(spec + n - 2, ":0") != 0)
			return listen_fail(why, whysz, "not host:port, "
			    "[v6]:port or unix:/path", -1);
		snprintf(host, sizeof(host), "%.*s", (int)(n - 2), spec);
		if (host[0] == '[') {
			memmove(host, host + 1, strlen(host));
			host[strlen(host) - 1] = '\0';
		}
		p = 0;
	}
	snprintf(port, sizeof(port), "%d", p);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((e = getaddrinfo(host, port, &hints, &res)) != 0)
		return listen_fail(why, whysz, gai_strerror(e), -1);
	s = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (s == -1) {
		freeaddrinfo(res);
		return listen_fail(why, whysz, strerror(errno), -1);
	}
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	/* Its accepted sockets inherit this: loopback clients unpaced. */
	if (sa_is_loopback(res->ai_addr, res->ai_addrlen))
		tcp_unpaced(s);
	if (res->ai_family == AF_INET6)
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(s, res->ai_addr, res->ai_addrlen) == -1) {
		e = errno;
		freeaddrinfo(res);
		return listen_fail(why, whysz, strerror(e), s);
	}
	freeaddrinfo(res);
	getsockname(s, (struct sockaddr *)&ss, &sl);
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, h, sizeof(h));
		snprintf(shown, shownsz, "[%s]:%d", h, ntohs(s6->sin6_port));
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &sin->sin_addr, h, sizeof(h));
		snprintf(shown, shownsz, "%s:%d", h, ntohs(sin->sin_port));
	}
	return s;
}

/*
 * A unix listener's file, removed if setup fails after bind made it: a
 * proxy that never served must not leave a socket nobody answers.  Only
 * the file bind made (same device and inode) goes, never one put there
 * since.  Once serving, it stays (see proxy_stop_listening).
 */
static void
listener_unlink(struct listener *l)
{
	struct stat	st;

	if (l->unix_path == NULL)
		return;
	if (lstat(l->unix_path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_dev == l->unix_dev && st.st_ino == l->unix_ino &&
	    unlink(l->unix_path) == -1)
		log_warn("cannot remove %s", l->unix_path);
	free(l->unix_path);
	l->unix_path = NULL;
}

static struct proxy	*setup_px;	/* until setup is done */

/* atexit: a fatal error during setup (a later -l, -m, confinement). */
static void
setup_failed(void)
{
	int	i;

	if (setup_px == NULL)
		return;
	for (i = 0; i <= setup_px->nlisten && i < PROXY_MAX_LISTEN; i++)
		listener_unlink(&setup_px->listen[i]);
	setup_px = NULL;
}

static int
proxy_listen(struct proxy *px, const char *spec, char *why, size_t whysz)
{
	struct listener	*l;
	struct stat	 st;
	char		 shown[300];
	int		 s;

	if (px->nlisten == PROXY_MAX_LISTEN)
		return listen_fail(why, whysz, "too many -l addresses", -1);
	l = &px->listen[px->nlisten];
	if (strncmp(spec, "unix:", 5) == 0) {
		s = listen_unix(spec + 5, why, whysz);
		snprintf(shown, sizeof(shown), "%s", spec);
		if (s != -1 && (l->unix_path = strdup(spec + 5)) == NULL)
			fatal("strdup");
		/* Right after bind: the file is the one we made. */
		if (s != -1 && lstat(l->unix_path, &st) == 0) {
			l->unix_dev = st.st_dev;
			l->unix_ino = st.st_ino;
		}
	} else
		s = listen_inet(spec, shown, sizeof(shown), why, whysz);
	if (s == -1)
		return -1;
	if (listen(s, 4096) == -1) {
		listener_unlink(l);
		return listen_fail(why, whysz, strerror(errno), s);
	}
	l->px = px;
	l->fd = s;
	l->ev = event_new(px->base, s, EV_READ | EV_PERSIST, listener_cb, l);
	if (l->ev == NULL || event_add(l->ev, NULL) == -1)
		fatalx("%s: cannot watch the listener", __func__);
	px->nlisten++;
	log_info("listening on %s", shown);
	return 0;
}

static void
proxy_stop_listening(struct proxy *px)
{
	int	i;

	for (i = 0; i < px->nlisten; i++) {
		event_free(px->listen[i].ev);
		/* A unix socket's file stays: confined, we may not unlink
		 * it; the next start replaces it. */
		close(px->listen[i].fd);
		free(px->listen[i].unix_path);
	}
	px->nlisten = 0;
}

static void
proxy_sighup(evutil_socket_t sig, short what, void *arg)
{
	struct proxy	*px = arg;

	if (px->settings_path == NULL) {
		log_info("SIGHUP: no settings file to reload");
		return;
	}
	if (policy_load_file(px, px->settings_path) == -1) {
		log_warnx("%s: reload failed, keeping the old policy",
		    px->settings_path);
		return;
	}
	resolve_ifaddrs(px);
	log_info("%s: reloaded", px->settings_path);
}

void
proxy_drain(struct proxy *px)
{
	struct timeval	tv = { DRAIN_SECONDS, 0 };

	if (px->draining)
		return;
	px->draining = true;
	proxy_stop_listening(px);
	log_debug("draining %d connections", px->nconn);
	if (px->nconn == 0)
		event_base_loopexit(px->base, NULL);
	else
		event_base_loopexit(px->base, &tv);
}

static void
proxy_sigterm(evutil_socket_t sig, short what, void *arg)
{
	proxy_drain(arg);
}

/* Room for 10,000 tunnels (two sockets each) and more; the limit we
 * end up with. */
static long
raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 1024;
	if (geteuid() == 0 && rl.rlim_max < 1u << 18) {
		struct rlimit big = { 1u << 18, 1u << 18 };
		if (setrlimit(RLIMIT_NOFILE, &big) == 0)
			return 1L << 18;
	}
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 && getrlimit(RLIMIT_NOFILE,
	    &rl) == -1)
		return 1024;
	return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1L << 30 ?
	    1L << 30 : (long)rl.rlim_cur;
}

/*
 * Drop root, then confine: the relay needs splice, the listeners and
 * dials inet, the resolver dns, service mode fd passing; a unix socket
 * for a MITM proxy, a unix listener or a monitor socket.  Filesystem:
 * reading the settings file's directory (SIGHUP) and the MITM proxy's
 * socket.  Landlock (ABI <= 7) does not govern connect(2) to a unix
 * socket, so a MITM socket named only by a later policy is reachable
 * too (proxy-ops.bats checks it).
 */
int
proxy_confine(struct proxy *px)
{
	struct confine_report	 rep;
	struct confine_path	 path[2];
	char			 promises[128], *dir = NULL, *tmp;
	const char		*mitm = px->policy->s.net.mitm_socket;
	size_t			 npaths = 0;

	if (px->confined)
		return 0;
	strlcpy(promises, "stdio inet dns recvfd sendfd splice unix",
	    sizeof(promises));
	if (px->settings_path != NULL && !px->service) {
		if ((tmp = strdup(px->settings_path)) == NULL ||
		    (dir = realpath(dirname(tmp), NULL)) == NULL) {
			free(tmp);
			log_warn("%s", px->settings_path);
			return -1;
		}
		free(tmp);
	}
	/* After the path is resolved: the new user may not search it. */
	if (proxy_privdrop(px) == -1) {
		free(dir);
		return -1;
	}
	if (dir != NULL && access(dir, R_OK | X_OK) == -1)
		log_warnx("%s: not readable as %s; SIGHUP cannot reload it",
		    dir, px->user ? px->user : "nobody");
	else if (dir != NULL) {
		path[npaths].path = dir;
		path[npaths++].access = CONFINE_READ;
		strlcat(promises, " rpath", sizeof(promises));
	}
	if (mitm != NULL && access(mitm, F_OK) == 0) {
		path[npaths].path = mitm;
		path[npaths++].access = CONFINE_READ | CONFINE_WRITE;
	}
	memset(&rep, 0, sizeof(rep));
	if (confine(promises, npaths ? path : NULL, npaths, &rep) == -1) {
		free(dir);
		return -1;
	}
	free(dir);
	px->confined = true;
	log_debug("confined: landlock abi %d%s, seccomp %s%s%s",
	    rep.landlock_abi, rep.landlock_applied ? " applied" : "",
	    rep.seccomp_applied ? "applied" : "not applied",
	    rep.degraded[0] ? "; " : "", rep.degraded);
	return 0;
}

int
proxy_privdrop(struct proxy *px)
{
	if (geteuid() != 0)
		return 0;
	return privdrop(px->user);
}

static int
parse_num(const char *s, long long lo, long long hi, const char *what)
{
	const char	*err;
	long long	 v = strtonum(s, lo, hi, &err);

	if (err != NULL)
		errx(125, "%s %s: %s (expected a number from %lld to %lld)",
		    what, s, err, lo, hi);
	return (int)v;
}

struct opts {
	const char	*listen[PROXY_MAX_LISTEN];
	int		 nlisten;
	const char	*monitor;
	int		 debug;
};

static void
parse_args(int argc, char *argv[], struct proxy *px, struct opts *o)
{
	static const struct option longopts[] = {
		{ "help",	no_argument,	NULL, 'h' },
		{ "version",	no_argument,	NULL, 'V' },
		{ NULL,		0,		NULL, 0 }
	};
	int	ch;

	while ((ch = getopt_long(argc, argv, "+c:dH:hi:l:m:Ps:T:t:u:V",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			px->maxconn = parse_num(optarg, 1, 1 << 20, "-c");
			break;
		case 'd':
			o->debug++;
			break;
		case 'H':
			px->hosts_path = optarg;
			break;
		case 'h':
			usage(0);
		case 'i':
			px->idle_timeout = parse_num(optarg, 0, 86400, "-i");
			break;
		case 'l':
			if (o->nlisten == PROXY_MAX_LISTEN)
				errx(125, "too many -l addresses");
			o->listen[o->nlisten++] = optarg;
			break;
		case 'm':
			/* unix:PATH as srt-monitor -l and srt-launch --monitor
			 * spell it; a plain path still works. */
			o->monitor = strncmp(optarg, "unix:", 5) == 0 ?
			    optarg + 5 : optarg;
			break;
		case 'P':
			px->service = true;
			break;
		case 's':
			px->settings_path = optarg;
			break;
		case 'T':
			px->tun_timeout = parse_num(optarg, 0, 86400 * 7, "-T");
			break;
		case 't':
			px->hdr_timeout = parse_num(optarg, 1, 3600, "-t");
			break;
		case 'u':
			px->user = optarg;
			break;
		case 'V':
			printf("srt-proxy %s\n", SRT_VERSION);
			exit(0);
		default:
			usage(125);
		}
	}
	if (optind != argc)
		usage(125);
	if (!px->service && o->nlisten == 0)
		errx(125, "nothing to serve: give -l ADDR (or -P)");
}

static struct event	*proxy_sigev[3];

static void
proxy_signals(struct proxy *px)
{
	struct event	**ev = proxy_sigev;

	signal(SIGPIPE, SIG_IGN);
	ev[0] = evsignal_new(px->base, SIGHUP, proxy_sighup, px);
	ev[1] = evsignal_new(px->base, SIGTERM, proxy_sigterm, px);
	ev[2] = evsignal_new(px->base, SIGINT, proxy_sigterm, px);
	if (ev[0] == NULL || ev[1] == NULL || ev[2] == NULL ||
	    evsignal_add(ev[0], NULL) || evsignal_add(ev[1], NULL) ||
	    evsignal_add(ev[2], NULL))
		fatalx("cannot install signal handlers");
}

/*
 * Everything main() set up, freed in the reverse order, so that a leak
 * checker sees only what a connection left behind.  Connections still
 * open when the drain deadline passed are not chased: the kernel closes
 * their sockets.
 */
static void
proxy_free(struct proxy *px)
{
	size_t	i;

	proxy_stop_listening(px);
	service_stop(px);
	for (i = 0; i < sizeof(proxy_sigev) / sizeof(proxy_sigev[0]); i++) {
		if (proxy_sigev[i] != NULL)
			event_free(proxy_sigev[i]);
		proxy_sigev[i] = NULL;
	}
	policy_unref(px->policy);
	px->policy = NULL;
	addr_list_free(&px->ifaddrs);
	if (px->fd_timer != NULL)
		event_free(px->fd_timer);
	px->fd_timer = NULL;
	if (px->probe_fd > 0)
		close(px->probe_fd);
	if (px->dns != NULL)
		evdns_base_free(px->dns, 1);
	px->dns = NULL;
	event_base_free(px->base);
	px->base = NULL;
	tls_free();
}

int
main(int argc, char *argv[])
{
	struct proxy	 px;
	struct opts	 o;
	char		 why[256];
	int		 i;

	memset(&px, 0, sizeof(px));
	memset(&o, 0, sizeof(o));
	px.maxconn = PROXY_DEF_MAXCONN;
	px.hdr_timeout = PROXY_DEF_HDR_TIMEOUT;
	px.idle_timeout = PROXY_DEF_IDLE_TIMEOUT;
	px.tun_timeout = PROXY_DEF_TUN_TIMEOUT;
	TAILQ_INIT(&px.parked);
	px.hosts_path = getenv("SRT_PROXY_HOSTS");
	px.nosplice = getenv("SRT_PROXY_NOSPLICE") != NULL;
	/* getopt names argv[0] in its errors: the name, not a path. */
	argv[0] = (char *)"srt-proxy";
	parse_args(argc, argv, &px, &o);
	/* Service mode without a monitor: hold fd 4 so that nothing opened
	 * below lands there and passes for the monitor's channel. */
	if (px.service && fcntl(PROXY_FD_MONITOR, F_GETFD) == -1 &&
	    fcntl(PROXY_FD_CONTROL, F_GETFD) != -1)
		open("/dev/null", O_RDONLY | O_CLOEXEC);
	log_init("srt-proxy", LOG_TO_STDERR, o.debug);
	px.nofile = raise_nofile();
	relay_pool_room((int)((px.nofile - 256) / 2));
	if ((px.base = event_base_new()) == NULL)
		fatalx_status(125, "cannot create the event loop");
	if ((px.probe_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1 ||
	    (px.fd_timer = evtimer_new(px.base, proxy_fd_timer, &px)) == NULL)
		fatalx_status(125, "cannot set up the descriptor count");
	if (resolve_init(&px) == -1)
		fatalx_status(125, "cannot set up the resolver");
	resolve_ifaddrs(&px);
	tls_init();
	if (px.settings_path != NULL) {
		if (policy_load_file(&px, px.settings_path) == -1)
			fatalx_status(125, "%s: invalid settings",
			    px.settings_path);
	} else
		policy_default(&px);
	setup_px = &px;
	atexit(setup_failed);
	for (i = 0; i < o.nlisten; i++)
		if (proxy_listen(&px, o.listen[i], why, sizeof(why)) == -1)
			fatalx_status(125, "cannot listen on %s: %s",
			    o.listen[i], why);
	if (o.monitor != NULL && service_monitor_connect(&px, o.monitor) == -1)
		fatalx_status(125, "cannot reach the monitor at %s",
		    o.monitor);
	if (px.service && service_start(&px) == -1)
		fatalx_status(125, "service channels missing");
	proxy_signals(&px);
	/* Service mode confines once the first policy says which MITM
	 * socket, if any, it may reach (service.c). */
	if (px.service ? proxy_privdrop(&px) == -1 : proxy_confine(&px) == -1)
		fatalx_status(125, "cannot confine the proxy");
	setup_px = NULL;
	event_base_dispatch(px.base);
	log_debug("exiting: %llu connections served, %llu denied",
	    (unsigned long long)px.stat_accepted,
	    (unsigned long long)px.stat_denied);
	proxy_free(&px);
	return 0;
}
