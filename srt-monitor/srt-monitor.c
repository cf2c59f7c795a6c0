/*
 * srt-monitor: service mode (started by srt-launch, channels on fds 3 and
 * 4) or standalone (-l unix:PATH, any number of launchers and proxies).
 * main is a list of steps: options, outputs, channels, signals,
 * confinement, loop, drain.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libcommon/confine.h"
#include "libcommon/log.h"
#include "srt-monitor/srt-monitor.h"

#define LISTEN_PREFIX	"unix:"

struct options {
	int		 debug;
	const char	*listen;
	const char	*out;
	int		 out_fd;	/* -o file already open here, or -1 */
	enum out_format	 fmt;
	int		 terminal;
	const char	*settings;
	const char	*user;
	int		 syslog_local;
	int		 facility;
	const char	*syslog_path;
	const char	*syslog_remote;
	const char	*command;
};

enum {
	OPT_SYSLOG = 256,
	OPT_SYSLOG_REMOTE,
	OPT_SYSLOG_SOCKET,
	OPT_OUT_FD
};

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: srt-monitor [-dhtV] [-C command] [-f json|text] "
	    "[-l unix:path] [-o file|-] [-s settings]\n"
	    "                   [-u user] [--syslog [facility]] "
	    "[--syslog-remote host:port[/tcp|/udp]]\n"
	    "                   [--out-fd fd] [--syslog-socket path]\n");
	exit(status);
}

/* --syslog takes an optional facility, also as the next word. */
static void
opt_syslog(struct options *o, int argc, char *argv[])
{
	const char	*f = optarg;

	if (f == NULL && optind < argc && syslog_facility(argv[optind]) != -1)
		f = argv[optind++];
	o->syslog_local = 1;
	if (f != NULL && (o->facility = syslog_facility(f)) == -1)
		errx(1, "--syslog: unknown facility %s", f);
}

static void
parse_options(struct options *o, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help",		no_argument,		NULL, 'h' },
		{ "version",		no_argument,		NULL, 'V' },
		{ "syslog",		optional_argument,	NULL,
		    OPT_SYSLOG },
		{ "syslog-remote",	required_argument,	NULL,
		    OPT_SYSLOG_REMOTE },
		{ "syslog-socket",	required_argument,	NULL,
		    OPT_SYSLOG_SOCKET },
		{ "out-fd",		required_argument,	NULL,
		    OPT_OUT_FD },
		{ NULL,			0,			NULL, 0 }
	};
	const char	*e;
	int		 ch;

	memset(o, 0, sizeof(*o));
	o->out_fd = -1;
	o->fmt = OUT_JSON;
	o->facility = syslog_facility("daemon");
	o->syslog_path = "/dev/log";
	while ((ch = getopt_long(argc, argv, "+C:df:hl:o:s:tu:V", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'C':
			o->command = optarg;
			break;
		case 'd':
			o->debug++;
			break;
		case 'f':
			if (strcmp(optarg, "json") == 0)
				o->fmt = OUT_JSON;
			else if (strcmp(optarg, "text") == 0)
				o->fmt = OUT_TEXT;
			else
				errx(1, "-f: json or text, not %s", optarg);
			break;
		case 'h':
			usage(0);
		case 'l':
			if (strncmp(optarg, LISTEN_PREFIX,
			    strlen(LISTEN_PREFIX)) != 0 ||
			    optarg[strlen(LISTEN_PREFIX)] == '\0')
				errx(1, "-l: expected unix:PATH");
			o->listen = optarg + strlen(LISTEN_PREFIX);
			break;
		case 'o':
			o->out = optarg;
			break;
		case 's':
			o->settings = optarg;
			break;
		case 't':
			o->terminal = 1;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'V':
			printf("srt-monitor %s\n", SRT_VERSION);
			exit(0);
		case OPT_SYSLOG:
			opt_syslog(o, argc, argv);
			break;
		case OPT_SYSLOG_REMOTE:
			o->syslog_remote = optarg;
			break;
		case OPT_SYSLOG_SOCKET:
			o->syslog_path = optarg;
			o->syslog_local = 1;
			break;
		case OPT_OUT_FD:
			o->out_fd = (int)strtonum(optarg, 3, INT_MAX, &e);
			if (e != NULL || fcntl(o->out_fd, F_GETFD) == -1)
				errx(1, "--out-fd %s: not an open descriptor "
				    ">= 3", optarg);
			break;
		default:
			usage(1);
		}
	}
	if (optind != argc)
		usage(1);
	if (o->out_fd != -1 && (o->out == NULL || strcmp(o->out, "-") == 0))
		errx(1, "--out-fd: give the file's name with -o");
}

void
monitor_exit(struct monitor *mon, const char *why)
{
	if (why != NULL)
		log_debug("exiting: %s", why);
	mon->exiting = 1;
	event_base_loopexit(mon->base, NULL);
}

void
monitor_event(struct monitor *mon, struct peer *p, const struct srt_event *ev)
{
	const struct ignore_set	*ign;

	mon->sum.events++;
	ign = p != NULL && p->has_policy ? &p->ignore : &mon->ignore;
	if (ignore_match(ign, ev)) {
		mon->sum.ignored++;
		return;
	}
	if (ev->decision == EVENT_DENY)
		mon->sum.denials++;
	output_event(mon, ev);
}

/* Service mode: the proxy's events wait until ignoreViolations is known. */
void
monitor_policy(struct monitor *mon)
{
	if (mon->proxy != NULL && mon->proxy->evflags == 0)
		peer_start(mon->proxy);
	if (mon->sandbox != NULL && mon->sandbox->evflags == 0)
		peer_start(mon->sandbox);
}

static void
open_outputs(struct monitor *mon, const struct options *o)
{
	const char	*out = o->out;

	if (out == NULL && !mon->service && !o->syslog_local &&
	    o->syslog_remote == NULL)
		out = "-";
	if (out != NULL)
		output_file(mon, out, o->fmt, out == o->out ? o->out_fd : -1);
	if (o->terminal)
		output_terminal(mon);
	if (o->syslog_local || o->syslog_remote != NULL)
		syslog_set_hostname();
	if (o->syslog_local)
		output_syslog_local(mon, o->syslog_path, o->facility);
	if (o->syslog_remote != NULL)
		output_syslog_remote(mon, o->syslog_remote, o->facility);
}

static int
is_socket(int fd)
{
	struct stat	st;

	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

static void
open_service(struct monitor *mon)
{
	struct peer	*p;

	if (!is_socket(MONITOR_FD_CONTROL))
		fatalx("no -l and no launcher channel on fd %d",
		    MONITOR_FD_CONTROL);
	if (fcntl(MONITOR_FD_CONTROL, F_SETFD, FD_CLOEXEC) == -1)
		fatal("fcntl");
	if ((p = peer_add(mon, MONITOR_FD_CONTROL, SRT_ROLE_LAUNCH, 1,
	    "launcher")) == NULL)
		fatalx("launcher channel");
	peer_start(p);
	if (is_socket(MONITOR_FD_PROXY)) {
		if (fcntl(MONITOR_FD_PROXY, F_SETFD, FD_CLOEXEC) == -1)
			fatal("fcntl");
		mon->proxy = peer_add(mon, MONITOR_FD_PROXY, SRT_ROLE_PROXY, 0,
		    "proxy");
		if (mon->proxy == NULL)
			fatalx("proxy channel");
	}
	if (is_socket(MONITOR_FD_SANDBOX)) {
		if (fcntl(MONITOR_FD_SANDBOX, F_SETFD, FD_CLOEXEC) == -1)
			fatal("fcntl");
		mon->sandbox = peer_add(mon, MONITOR_FD_SANDBOX,
		    SRT_ROLE_SANDBOX, 0, "sandbox");
		if (mon->sandbox == NULL)
			fatalx("sandbox channel");
	}
}

static void
accept_cb(int fd, short what, void *arg)
{
	struct monitor	*mon = arg;
	struct peer	*p;
	struct ucred	 cred;
	socklen_t	 len = sizeof(cred);
	char		 name[64];
	int		 s;

	if ((s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("accept");
		return;
	}
	if (mon->npeers >= MONITOR_MAX_PEERS) {
		log_warnx("too many clients, refusing one");
		close(s);
		return;
	}
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		snprintf(name, sizeof(name), "client pid %ld uid %ld",
		    (long)cred.pid, (long)cred.uid);
	else
		snprintf(name, sizeof(name), "client fd %d", s);
	if ((p = peer_add(mon, s, 0, 0, name)) == NULL) {
		close(s);
		return;
	}
	log_debug("%s: connected", name);
	peer_start(p);
}

/* A leftover socket nobody answers on is replaced; a live one is not. */
static void
listen_unlink_stale(const struct sockaddr_un *sun)
{
	struct stat	st;
	int		s;

	if (lstat(sun->sun_path, &st) == -1)
		return;
	if (!S_ISSOCK(st.st_mode))
		fatalx("%s: exists and is not a socket", sun->sun_path);
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		fatal("socket");
	if (connect(s, (const struct sockaddr *)sun, sizeof(*sun)) == 0)
		fatalx("%s: another monitor is listening", sun->sun_path);
	close(s);
	if (unlink(sun->sun_path) == -1)
		fatal("unlink %s", sun->sun_path);
}

static void
open_listener(struct monitor *mon, const char *path)
{
	struct sockaddr_un	sun;
	int			s;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		fatalx("-l %s: path longer than %zu bytes", path,
		    sizeof(sun.sun_path) - 1);
	listen_unlink_stale(&sun);
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		fatal("socket");
	if (bind(s, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fatal("bind %s", path);
	if (listen(s, 128) == -1)
		fatal("listen %s", path);
	if ((mon->listen_path = strdup(path)) == NULL)
		fatal("%s", __func__);
	mon->listen_fd = s;
	event_assign(&mon->listen_ev, mon->base, s, EV_READ | EV_PERSIST,
	    accept_cb, mon);
	if (event_add(&mon->listen_ev, NULL) == -1)
		fatalx("event_add");
}

static void
signal_cb(int sig, short what, void *arg)
{
	struct monitor	*mon = arg;

	if (sig == SIGHUP) {
		log_debug("SIGHUP: reopening outputs");
		output_reopen(mon);
		return;
	}
	monitor_exit(mon, sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

/*
 * In service mode a ^C at the terminal reaches us too, but the launcher
 * still has the last events and the summary to collect: it ends us (EOF
 * or IMSG_SHUTDOWN), so SIGINT is ignored there.
 */
static void
setup_signals(struct monitor *mon)
{
	signal(SIGPIPE, SIG_IGN);
	evsignal_assign(&mon->sig_hup, mon->base, SIGHUP, signal_cb, mon);
	evsignal_assign(&mon->sig_term, mon->base, SIGTERM, signal_cb, mon);
	evsignal_assign(&mon->sig_int, mon->base, SIGINT, signal_cb, mon);
	if (evsignal_add(&mon->sig_hup, NULL) == -1 ||
	    evsignal_add(&mon->sig_term, NULL) == -1)
		fatalx("evsignal_add");
	if (mon->service)
		signal(SIGINT, SIG_IGN);
	else if (evsignal_add(&mon->sig_int, NULL) == -1)
		fatalx("evsignal_add");
}

/*
 * Everything is open now: outputs, channels, the listener, settings.
 * From here on we only parse what peers send, so a bug there must find
 * nothing to use: no files except the output's directory (SIGHUP makes
 * the file again there), no sockets but the kinds our outputs reconnect
 * (AF_UNIX for /dev/log, AF_INET* for a remote collector), no exec.
 */
static void
confine_self(const struct options *o, int service)
{
	struct confine_report	rep;
	struct confine_path	path[1];
	struct stat		st;
	char			dir[4096], promises[128];
	size_t			npath = 0;
	int			rotatable;

	/* Only a regular file is rotated; a FIFO or device is kept.  Look
	 * while we may still see it. */
	rotatable = o->out != NULL && strcmp(o->out, "-") != 0 &&
	    stat(o->out, &st) == 0 && S_ISREG(st.st_mode);
	if (privdrop(o->user) == -1)
		fatalx("cannot drop privileges to %s",
		    o->user ? o->user : "nobody");
	/* A dead launcher takes us down even if its EOF were missed; set
	 * after privdrop, since a change of credentials clears it. */
	if (service && prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
		fatal("prctl");
	strlcpy(promises, "stdio sendfd recvfd", sizeof(promises));
	/* unix: accept and SO_PEERCRED on the listener; connect to
	 * /dev/log again after syslogd restarts. */
	if (!service || o->syslog_local)
		strlcat(promises, " unix", sizeof(promises));
	if (o->syslog_remote != NULL)
		strlcat(promises, " inet", sizeof(promises));
	if (rotatable) {
		strlcpy(dir, o->out, sizeof(dir));
		path[0].path = dirname(dir);
		path[0].access = CONFINE_WRITE;
		/* After privdrop the directory may be out of reach: then
		 * the open output stays, only SIGHUP cannot reopen it. */
		if (access(path[0].path, W_OK | X_OK) == 0) {
			npath = 1;
			strlcat(promises, " wpath cpath", sizeof(promises));
		} else if (service)
			log_debug("%s: not writable as uid %ld, SIGHUP will "
			    "not reopen %s", path[0].path, (long)geteuid(),
			    o->out);
		else
			log_warnx("%s: not writable as uid %ld, SIGHUP will "
			    "not reopen %s", path[0].path, (long)geteuid(),
			    o->out);
	}
	memset(&rep, 0, sizeof(rep));
	if (confine(promises, path, npath, &rep) == -1)
		fatalx("cannot confine itself (the kernel refused seccomp "
		    "or Landlock: see srt-launch --check)");
	log_debug("confined: %s; landlock %s, seccomp %s%s%s", promises,
	    rep.landlock_applied ? "on" : "off",
	    rep.seccomp_applied ? "on" : "off",
	    rep.degraded[0] ? "; degraded: " : "", rep.degraded);
}

static void
monitor_cleanup(struct monitor *mon)
{
	struct peer	*p;

	while ((p = TAILQ_FIRST(&mon->peers)) != NULL)
		peer_free(p);
	if (mon->listen_fd != -1) {
		event_del(&mon->listen_ev);
		close(mon->listen_fd);
		if (unlink(mon->listen_path) == -1 && errno != ENOENT)
			log_debug("unlink %s: %s", mon->listen_path,
			    strerror(errno));
	}
	free(mon->listen_path);
	output_free_all(mon);
	ignore_free(&mon->ignore);
	event_del(&mon->sig_hup);
	event_del(&mon->sig_term);
	event_del(&mon->sig_int);
	event_base_free(mon->base);
}

int
main(int argc, char *argv[])
{
	struct options	o;
	struct monitor	mon;
	char		err[512];

	/* getopt names argv[0] in its errors: the name, not a path. */
	argv[0] = (char *)"srt-monitor";
	parse_options(&o, argc, argv);
	ignore_init_env();
	log_init("srt-monitor", LOG_TO_STDERR, o.debug);
	memset(&mon, 0, sizeof(mon));
	TAILQ_INIT(&mon.peers);
	TAILQ_INIT(&mon.outputs);
	mon.listen_fd = -1;
	mon.service = o.listen == NULL;
	if (mon.service) {
		mon.command = o.command;
		mon.launcher_pid = getppid();
	}
	mon.verbose = o.debug;
	if ((mon.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	if (o.settings != NULL) {
		if (ignore_load_file(&mon.ignore, o.settings, err,
		    sizeof(err)) == -1)
			exit(1);
		mon.has_policy = 1;
	}
	open_outputs(&mon, &o);
	if (mon.service)
		open_service(&mon);
	else
		open_listener(&mon, o.listen);
	setup_signals(&mon);
	confine_self(&o, mon.service);
	log_debug("%s mode", mon.service ? "service" : "standalone");
	event_base_dispatch(mon.base);
	output_drain(&mon, MONITOR_DRAIN_MS);
	log_debug("%llu events, %llu denials, %llu ignored, %llu dropped",
	    (unsigned long long)mon.sum.events,
	    (unsigned long long)mon.sum.denials,
	    (unsigned long long)mon.sum.ignored,
	    (unsigned long long)mon.sum.dropped);
	monitor_cleanup(&mon);
	return 0;
}
