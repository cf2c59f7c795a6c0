/*
 * confine() and privdrop(): each case forks a child that confines itself
 * and then tries something; the parent judges the exit status.  A child
 * exits 0 when what it saw matches the expectation, another small number
 * naming the step that went wrong, or dies of SIGSYS when the filter
 * killed it.  Children leave with _exit so no atexit code runs confined.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/openat2.h>
#include <linux/sched.h>

#include <errno.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <stddef.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "libcommon/confine.h"
#include "libcommon/imsg.h"
#include "libcommon/log.h"
#include "tests/unit/tap.h"

static char	tmpdir[] = "/tmp/srt-confine-test.XXXXXX";
static char	allowed_dir[128], allowed_file[192], other_file[192];
static int	listen_port;
static char	abstract_name[64];

typedef int	(*child_fn)(void);

static int
run(child_fn fn)
{
	pid_t	pid;
	int	status;

	fflush(stdout);
	if ((pid = fork()) == -1)
		abort();
	if (pid == 0)
		_exit(fn());
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			abort();
	return status;
}

static void
expect_exit0(int status, const char *name)
{
	if (!tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", name))
		tap_diag("  status: %s %d", WIFEXITED(status) ? "exit" :
		    "signal", WIFEXITED(status) ? WEXITSTATUS(status) :
		    WTERMSIG(status));
}

static void
expect_signal(int status, int sig, const char *name)
{
	if (!tap_ok(WIFSIGNALED(status) && WTERMSIG(status) == sig, "%s",
	    name))
		tap_diag("  status: %s %d", WIFEXITED(status) ? "exit" :
		    "signal", WIFEXITED(status) ? WEXITSTATUS(status) :
		    WTERMSIG(status));
}

static int
c_unknown_promise(void)
{
	errno = 0;
	if (confine("stdio bogus", NULL, 0, NULL) != -1)
		return 1;
	if (errno != EINVAL)
		return 2;
	/* Nothing was installed: a path lookup still works. */
	if (access("/", F_OK) != 0)
		return 3;
	return 0;
}

static int
c_forbidden_syscall(void)
{
	if (confine("stdio", NULL, 0, NULL) == -1)
		return 1;
	syscall(SYS_ptrace, 0, 0, 0, 0);
	return 2;
}

static int
c_open_without_rpath(void)
{
	struct stat	st;

	if (confine("stdio", NULL, 0, NULL) == -1)
		return 1;
	if (open(allowed_file, O_RDONLY) != -1 || errno != EACCES)
		return 2;
	if (stat(allowed_file, &st) != -1 || errno != EACCES)
		return 3;
	/* fstat (newfstatat with AT_EMPTY_PATH) is stdio. */
	if (fstat(STDOUT_FILENO, &st) == -1)
		return 4;
	return 0;
}

static int
c_landlock_paths(void)
{
	struct confine_path	p[] = {
		{ allowed_dir, CONFINE_READ },
	};
	char			buf[16];
	ssize_t			n;
	int			fd;

	if (confine("stdio rpath", p, 1, NULL) == -1)
		return 1;
	if (landlock_abi() > 0) {
		if (open(other_file, O_RDONLY) != -1 || errno != EACCES)
			return 2;
	}
	if ((fd = open(allowed_file, O_RDONLY)) == -1)
		return 3;
	n = read(fd, buf, sizeof(buf));
	if (n != 5 || memcmp(buf, "hello", 5) != 0)
		return 4;
	close(fd);
	/* rpath alone: write and create are refused before Landlock. */
	if (open(allowed_file, O_WRONLY) != -1 || errno != EACCES)
		return 5;
	if (open(allowed_file, O_RDONLY | O_CREAT, 0600) != -1 ||
	    errno != EACCES)
		return 6;
	return 0;
}

static int
c_landlock_write(void)
{
	struct confine_path	p[] = {
		{ allowed_dir, CONFINE_READ | CONFINE_WRITE },
	};
	char			path[300];
	int			fd;

	if (confine("stdio rpath wpath cpath", p, 1, NULL) == -1)
		return 1;
	snprintf(path, sizeof(path), "%s/new", allowed_dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		return 2;
	if (write(fd, "x", 1) != 1)
		return 3;
	close(fd);
	if (unlink(path) == -1)
		return 4;
	if (landlock_abi() > 0 &&
	    (open(other_file, O_WRONLY) != -1 || errno != EACCES))
		return 5;
	return 0;
}

static int
c_unix_under_inet(void)
{
	int	fd;

	if (confine("stdio inet", NULL, 0, NULL) == -1)
		return 1;
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return 2;
	close(fd);
	if ((fd = socket(AF_INET6, SOCK_DGRAM, 0)) == -1 &&
	    errno != EAFNOSUPPORT)
		return 3;
	if (fd != -1)
		close(fd);
	if (socket(AF_UNIX, SOCK_STREAM, 0) != -1 || errno != EACCES)
		return 4;
	return 0;
}

static int
c_packet_killed(void)
{
	if (confine("stdio inet unix", NULL, 0, NULL) == -1)
		return 1;
	socket(AF_PACKET, SOCK_RAW, 0);
	return 2;
}

static int
c_inet_without_promise(void)
{
	if (confine("stdio", NULL, 0, NULL) == -1)
		return 1;
	if (socket(AF_INET, SOCK_STREAM, 0) != -1 || errno != EACCES)
		return 2;
	return 0;
}

static int
connect_local(int fd)
{
	struct sockaddr_in	sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)listen_port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return connect(fd, (struct sockaddr *)&sin, sizeof(sin));
}

static int
c_connect_inet(void)
{
	int	fd;

	if (confine("stdio inet", NULL, 0, NULL) == -1)
		return 1;
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return 2;
	if (connect_local(fd) == -1)
		return 3;
	return 0;
}

/* dns alone: Landlock (ABI >= 4) refuses TCP connects except port 53. */
static int
c_connect_dns(void)
{
	int	fd;

	if (confine("stdio dns", NULL, 0, NULL) == -1)
		return 1;
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return 2;
	if (connect_local(fd) != -1 || errno != EACCES)
		return 3;
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		return 4;
	return 0;
}

static int
c_tiocsti_killed(void)
{
	char	c = 'x';
	int	fd;

	if ((fd = open("/dev/null", O_RDWR)) == -1)
		return 1;
	if (confine("stdio", NULL, 0, NULL) == -1)
		return 2;
	if (isatty(fd) || errno != ENOTTY)
		return 3;
	ioctl(fd, TIOCSTI, &c);
	return 4;
}

static int
c_abort_self(void)
{
	if (confine("stdio", NULL, 0, NULL) == -1)
		return 1;
	abort();
}

static int
c_fork_without_proc(void)
{
	if (confine("stdio", NULL, 0, NULL) == -1)
		return 1;
	fork();
	return 2;
}

static int
c_fork_with_proc(void)
{
	pid_t	pid;
	int	status;

	if (confine("stdio proc", NULL, 0, NULL) == -1)
		return 1;
	if ((pid = fork()) == -1)
		return 2;
	if (pid == 0)
		_exit(7);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 7)
		return 3;
	return 0;
}

static int
c_clone_newuser_killed(void)
{
	if (confine("stdio proc", NULL, 0, NULL) == -1)
		return 1;
	syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	return 2;
}

static int
c_sendmsg_without_sendfd(void)
{
	struct msghdr	msg;
	struct iovec	iov;
	int		sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return 1;
	if (confine("stdio", NULL, 0, NULL) == -1)
		return 2;
	/* send() on a connected socket is stdio ... */
	if (send(sv[0], "a", 1, 0) != 1)
		return 3;
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)"b";
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	/* ... sendmsg is sendfd. */
	sendmsg(sv[0], &msg, 0);
	return 4;
}

static int
c_report(void)
{
	struct confine_report	r;
	int			abi = landlock_abi();

	if (confine("stdio", NULL, 0, &r) == -1)
		return 1;
	if (!r.seccomp_applied)
		return 2;
	if (r.landlock_abi != abi || r.landlock_applied != (abi > 0))
		return 3;
	if (abi >= 6 && r.degraded[0] != '\0')
		return 4;
	if (abi < 6 && r.degraded[0] == '\0')
		return 5;
	return 0;
}

static int
c_caps_dropped(void)
{
	struct confine_path	p[] = { { "/proc", CONFINE_READ } };
	char			buf[4096], *s;
	ssize_t			n;
	int			fd;

	if (confine("stdio rpath", p, 1, NULL) == -1)
		return 1;
	if ((fd = open("/proc/self/status", O_RDONLY)) == -1)
		return 2;
	if ((n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return 3;
	buf[n] = '\0';
	if ((s = strstr(buf, "CapEff:")) == NULL)
		return 4;
	if (strncmp(s, "CapEff:\t0000000000000000", 24) != 0)
		return 5;
	if ((s = strstr(buf, "NoNewPrivs:")) == NULL ||
	    strncmp(s, "NoNewPrivs:\t1", 13) != 0)
		return 6;
	if ((s = strstr(buf, "Seccomp:")) == NULL ||
	    strncmp(s, "Seccomp:\t2", 10) != 0)
		return 7;
	return 0;
}

static int
c_unix_promise(void)
{
	int	fd, sv[2];

	if (confine("stdio unix", NULL, 0, NULL) == -1)
		return 1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return 2;
	close(fd);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return 3;
	if (socket(AF_INET, SOCK_STREAM, 0) != -1 || errno != EACCES)
		return 4;
	return 0;
}

/* Landlock ABI 6 scopes abstract sockets to the domain. */
static int
c_abstract_scoped(void)
{
	struct sockaddr_un	sun;
	socklen_t		len;
	int			fd;

	if (confine("stdio unix", NULL, 0, NULL) == -1)
		return 1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return 2;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, abstract_name, strlen(abstract_name));
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(abstract_name));
	if (connect(fd, (struct sockaddr *)&sun, len) != -1 ||
	    errno != EPERM)
		return 3;
	return 0;
}

static int
c_dns_raw_killed(void)
{
	if (confine("stdio dns", NULL, 0, NULL) == -1)
		return 1;
	socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	return 2;
}

static int
c_splice(void)
{
	int	p[2], q[2];

	if (confine("stdio splice", NULL, 0, NULL) == -1)
		return 1;
	if (pipe2(p, O_CLOEXEC) == -1 || pipe2(q, O_CLOEXEC) == -1)
		return 2;
	if (write(p[1], "abc", 3) != 3)
		return 3;
	if (splice(p[0], NULL, q[1], NULL, 3, 0) != 3)
		return 4;
	return 0;
}

static int
c_pipe_without_splice(void)
{
	int	p[2];

	if (confine("stdio", NULL, 0, NULL) == -1)
		return 1;
	if (pipe2(p, 0) == 0)
		return 3;
	return 2;
}

static int
c_tty_promise(void)
{
	struct winsize	ws;
	int		fd;

	if ((fd = open("/dev/null", O_RDWR)) == -1)
		return 1;
	if (confine("stdio tty", NULL, 0, NULL) == -1)
		return 2;
	/* Allowed through the filter: the kernel itself says ENOTTY. */
	if (ioctl(fd, TIOCGWINSZ, &ws) != -1 || errno != ENOTTY)
		return 3;
	return 0;
}

static int
c_ioctl_fionread(void)
{
	int	sv[2], n = -1;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return 1;
	if (write(sv[0], "abcd", 4) != 4)
		return 2;
	if (confine("stdio", NULL, 0, NULL) == -1)
		return 3;
	if (ioctl(sv[1], FIONREAD, &n) == -1 || n != 4)
		return 4;
	return 0;
}

static int
c_probes_enosys(void)
{
	struct open_how	how;

	if (confine("stdio rpath proc", NULL, 0, NULL) == -1)
		return 1;
	memset(&how, 0, sizeof(how));
	if (syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how)) != -1 ||
	    errno != ENOSYS)
		return 2;
	if (syscall(SYS_clone3, NULL, 0) != -1 || errno != ENOSYS)
		return 3;
	return 0;
}

static int
c_exec_without_promise(void)
{
	char *const	argv[] = { (char *)"true", NULL };

	if (confine("stdio rpath", NULL, 0, NULL) == -1)
		return 1;
	execv("/bin/true", argv);
	return 2;
}

/* exec is promised but the path lacks CONFINE_EXEC: Landlock says no. */
static int
c_exec_landlock(void)
{
	struct confine_path	p[] = { { "/", CONFINE_READ } };
	char *const		argv[] = { (char *)"true", NULL };

	if (confine("stdio rpath exec", p, 1, NULL) == -1)
		return 1;
	execv("/bin/true", argv);
	return errno == EACCES ? 0 : 3;
}

static int
c_exec_allowed(void)
{
	struct confine_path	p[] = { { "/", CONFINE_READ | CONFINE_EXEC } };
	char *const		argv[] = { (char *)"true", NULL };

	if (confine("stdio rpath exec", p, 1, NULL) == -1)
		return 1;
	execv("/bin/true", argv);
	return 2;
}

static int
c_id_without_promise(void)
{
	if (confine("stdio", NULL, 0, NULL) == -1)
		return 1;
	if (setresuid(getuid(), getuid(), getuid()) == 0)
		return 3;
	return 2;
}

/* The imsg channel under sendfd/recvfd, with a descriptor passed. */
static const char	*imsg_promises;

static int
c_imsg_fdpass(void)
{
	struct imsgbuf	a, b;
	struct imsg	m;
	int		sv[2], fd, got = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return 1;
	if ((fd = open("/dev/null", O_RDONLY)) == -1)
		return 2;
	if (confine(imsg_promises, NULL, 0, NULL) == -1)
		return 3;
	imsgbuf_init(&a, sv[0]);
	imsgbuf_init(&b, sv[1]);
	imsgbuf_allow_fdpass(&b);
	if (imsg_compose(&a, 5, 1, getpid(), fd, "x", 1) == -1 ||
	    imsgbuf_flush(&a) == -1)
		return 4;
	if (imsgbuf_read(&b) <= 0)
		return 5;
	while (imsg_get(&b, &m) == 1) {
		if (m.fd == -1)
			return 6;
		got++;
		imsg_free(&m);
	}
	return got == 1 ? 0 : 7;
}

/* libevent's epoll loop and a timer, as srt-proxy and srt-monitor use. */
static void
c_event_timer(evutil_socket_t fd, short ev, void *arg)
{
	*(int *)arg = 1;
}

static int
c_libevent(void)
{
	struct event_base	*base;
	struct event		*ev;
	struct timeval		 tv = { 0, 10000 };
	int			 fired = 0;

	if ((base = event_base_new()) == NULL)
		return 1;
	if ((ev = evtimer_new(base, c_event_timer, &fired)) == NULL)
		return 2;
	if (confine("stdio", NULL, 0, NULL) == -1)
		return 3;
	evtimer_add(ev, &tv);
	if (event_base_dispatch(base) == -1 || !fired)
		return 4;
	return 0;
}

/*
 * evdns after confine("stdio dns"): a query to a nameserver on the
 * loopback, answered by a tiny responder on the same event loop (it
 * echoes the question and appends one A record, 192.0.2.7).
 */
static void
c_dns_respond(evutil_socket_t fd, short ev, void *arg)
{
	static const unsigned char	ans[] = { 0xc0, 0x0c, 0, 1, 0, 1,
					    0, 0, 0, 60, 0, 4, 192, 0, 2, 7 };
	struct sockaddr_storage		from;
	socklen_t			flen = sizeof(from);
	unsigned char			pkt[512];
	ssize_t				n;

	n = recvfrom(fd, pkt, sizeof(pkt) - sizeof(ans), 0,
	    (struct sockaddr *)&from, &flen);
	if (n < 12)
		return;
	pkt[2] = 0x81;
	pkt[3] = 0x80;
	pkt[6] = 0;
	pkt[7] = 1;
	memcpy(pkt + n, ans, sizeof(ans));
	sendto(fd, pkt, (size_t)n + sizeof(ans), 0, (struct sockaddr *)&from,
	    flen);
}

static void
c_dns_answer(int result, char type, int count, int ttl, void *addrs,
    void *arg)
{
	uint32_t	want = htonl(0xc0000207);

	*(int *)arg = result == DNS_ERR_NONE && type == DNS_IPv4_A &&
	    count == 1 && memcmp(addrs, &want, 4) == 0 ? 1 : 2;
}

static int
c_evdns(void)
{
	struct event_base	*base;
	struct evdns_base	*dns;
	struct event		*ev;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	char			 ns[64];
	int			 fd, got = 0;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) == -1)
		return 1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		return 2;
	snprintf(ns, sizeof(ns), "127.0.0.1:%d", ntohs(sin.sin_port));
	if ((base = event_base_new()) == NULL ||
	    (dns = evdns_base_new(base, 0)) == NULL ||
	    evdns_base_nameserver_ip_add(dns, ns) != 0)
		return 3;
	ev = event_new(base, fd, EV_READ | EV_PERSIST, c_dns_respond, NULL);
	if (ev == NULL || event_add(ev, NULL) == -1)
		return 4;
	if (confine("stdio dns", NULL, 0, NULL) == -1)
		return 5;
	if (evdns_base_resolve_ipv4(dns, "host.example", DNS_QUERY_NO_SEARCH,
	    c_dns_answer, &got) == NULL)
		return 6;
	while (got == 0)
		if (event_base_loop(base, EVLOOP_ONCE) == -1)
			return 7;
	return got == 1 ? 0 : 8;
}

#ifdef __x86_64__
/* i386 getpid through int 0x80: 0 when the kernel runs it at all. */
static int
c_int80(void)
{
	long	ret;

	__asm__ volatile ("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
	return ret > 0 ? 0 : 1;
}

static int
c_int80_confined(void)
{
	if (confine("stdio", NULL, 0, NULL) == -1)
		return 1;
	return c_int80() == 0 ? 2 : 3;
}

/* x32 getpid: same audit arch as x86_64, told apart by bit 30. */
static int
c_x32_confined(void)
{
	if (confine("stdio", NULL, 0, NULL) == -1)
		return 1;
	syscall(0x40000000L | SYS_getpid);
	return 2;
}
#endif

static int
c_getifaddrs(void)
{
	struct ifaddrs	*ifa;

	if (confine(imsg_promises, NULL, 0, NULL) == -1)
		return 1;
	if (strcmp(imsg_promises, "stdio inet") == 0) {
		if (getifaddrs(&ifa) == -1)
			return 2;
		freeifaddrs(ifa);
		if (socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT) != -1 ||
		    errno != EACCES)
			return 3;
		return 0;
	}
	if (getifaddrs(&ifa) != -1 || errno != EACCES)
		return 4;
	return 0;
}

static int
c_wpath_only(void)
{
	struct confine_path	p[] = { { allowed_dir, CONFINE_WRITE } };
	int			fd;

	if (confine("stdio wpath", p, 1, NULL) == -1)
		return 1;
	/* Writing an existing file: yes; creating one: cpath. */
	if ((fd = open(allowed_file, O_WRONLY | O_APPEND)) == -1)
		return 2;
	close(fd);
	if (open(allowed_file, O_WRONLY | O_CREAT, 0600) != -1 ||
	    errno != EACCES)
		return 3;
	/* Landlock: the directory has no read right. */
	if (landlock_abi() > 0 &&
	    (open(allowed_file, O_RDONLY) != -1 || errno != EACCES))
		return 4;
	return 0;
}

static int
c_confine_twice(void)
{
	if (confine("stdio", NULL, 0, NULL) == -1)
		return 1;
	/* A second confine() needs calls the first one took away. */
	confine("stdio", NULL, 0, NULL);
	return 2;
}

static int
c_privdrop(void)
{
	struct passwd	*pw;
	uid_t		 r, e, s;

	if ((pw = getpwnam("nobody")) == NULL)
		return 1;
	if (privdrop(NULL) == -1)
		return 2;
	if (getresuid(&r, &e, &s) == -1 || r != pw->pw_uid ||
	    e != pw->pw_uid || s != pw->pw_uid)
		return 3;
	if (setuid(0) != -1)
		return 4;
	if (privdrop("no-such-user-srt") != 0)
		return 5;	/* not root any more: a no-op */
	return 0;
}

static int
c_privdrop_unknown(void)
{
	return privdrop("no-such-user-srt") == -1 ? 0 : 1;
}

/* An abstract socket outside any Landlock domain, for the scope case. */
static void
abstract_listen(void)
{
	struct sockaddr_un	sun;
	socklen_t		len;
	int			fd;

	snprintf(abstract_name, sizeof(abstract_name), "srt-confine-%d",
	    (int)getpid());
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		abort();
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, abstract_name, strlen(abstract_name));
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(abstract_name));
	if (bind(fd, (struct sockaddr *)&sun, len) == -1 ||
	    listen(fd, 4) == -1)
		abort();
}

static void
setup(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd;

	if (mkdtemp(tmpdir) == NULL)
		abort();
	snprintf(allowed_dir, sizeof(allowed_dir), "%s/allowed", tmpdir);
	snprintf(allowed_file, sizeof(allowed_file), "%s/file", allowed_dir);
	snprintf(other_file, sizeof(other_file), "%s/other", tmpdir);
	if (mkdir(allowed_dir, 0700) == -1)
		abort();
	if ((fd = open(allowed_file, O_WRONLY | O_CREAT, 0600)) == -1 ||
	    write(fd, "hello", 5) != 5)
		abort();
	close(fd);
	if ((fd = open(other_file, O_WRONLY | O_CREAT, 0600)) == -1 ||
	    write(fd, "secret", 6) != 6)
		abort();
	close(fd);
	/* A listener for the connect cases; the kernel completes them. */
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		abort();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 16) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		abort();
	listen_port = ntohs(sin.sin_port);
	abstract_listen();
}

static void
teardown(void)
{
	char	path[300];

	unlink(allowed_file);
	unlink(other_file);
	snprintf(path, sizeof(path), "%s/new", allowed_dir);
	unlink(path);
	rmdir(allowed_dir);
	rmdir(tmpdir);
}

int
main(void)
{
	int	abi;

	log_init("test_confine", LOG_TO_STDERR, 0);
	setup();
	abi = landlock_abi();
	tap_diag("landlock ABI %d", abi);

	expect_exit0(run(c_unknown_promise), "unknown promise is rejected");
	expect_signal(run(c_forbidden_syscall), SIGSYS,
	    "ptrace under stdio is killed with SIGSYS");
	expect_exit0(run(c_open_without_rpath),
	    "open/stat without rpath answer EACCES, fstat works");
	expect_exit0(run(c_landlock_paths),
	    "only the listed path opens; write/create need wpath/cpath");
	expect_exit0(run(c_landlock_write),
	    "wpath cpath create and unlink inside a writable path");
	expect_exit0(run(c_unix_under_inet),
	    "stdio inet: inet sockets allowed, AF_UNIX refused");
	expect_signal(run(c_packet_killed), SIGSYS,
	    "AF_PACKET socket is killed");
	expect_exit0(run(c_inet_without_promise),
	    "inet socket without inet/dns answers EACCES");
	expect_exit0(run(c_connect_inet), "stdio inet: TCP connect works");
	if (abi >= 4)
		expect_exit0(run(c_connect_dns),
		    "stdio dns: Landlock refuses TCP connect but port 53");
	else
		tap_skip("Landlock ABI < 4", "dns TCP port restriction");
	expect_signal(run(c_tiocsti_killed), SIGSYS,
	    "isatty says no, TIOCSTI is killed");
	expect_signal(run(c_abort_self), SIGABRT,
	    "abort() can still signal itself under stdio");
	expect_signal(run(c_fork_without_proc), SIGSYS,
	    "fork without proc is killed");
	expect_exit0(run(c_fork_with_proc), "fork and wait under proc");
	expect_signal(run(c_clone_newuser_killed), SIGSYS,
	    "clone(CLONE_NEWUSER) under proc is killed");
	expect_signal(run(c_sendmsg_without_sendfd), SIGSYS,
	    "send() is stdio, sendmsg without sendfd is killed");
	expect_exit0(run(c_report), "report says what was applied");
	expect_exit0(run(c_unix_promise),
	    "stdio unix: AF_UNIX sockets and socketpair, no inet");
	if (abi >= 6)
		expect_exit0(run(c_abstract_scoped),
		    "abstract socket outside the domain: EPERM");
	else
		tap_skip("Landlock ABI < 6", "abstract socket scoping");
	expect_signal(run(c_dns_raw_killed), SIGSYS,
	    "dns: a raw socket is killed");
	expect_exit0(run(c_splice), "splice: pipe2 and splice work");
	expect_signal(run(c_pipe_without_splice), SIGSYS,
	    "pipe2 without splice is killed");
	expect_exit0(run(c_tty_promise), "tty: TIOCGWINSZ reaches the kernel");
	expect_exit0(run(c_ioctl_fionread), "stdio: ioctl FIONREAD works");
	expect_exit0(run(c_probes_enosys), "openat2 and clone3 answer ENOSYS");
	expect_signal(run(c_exec_without_promise), SIGSYS,
	    "execve without exec is killed");
	if (abi > 0)
		expect_exit0(run(c_exec_landlock),
		    "exec promised, path without CONFINE_EXEC: EACCES");
	else
		tap_skip("no Landlock", "exec refused by path");
	expect_exit0(run(c_exec_allowed), "exec on a CONFINE_EXEC path runs");
	expect_signal(run(c_id_without_promise), SIGSYS,
	    "setresuid without id is killed");
	{
		static const char	*sets[] = { "stdio sendfd recvfd",
					    "stdio unix inet", "stdio inet",
					    "stdio dns" };
		char			 name[96];
		size_t			 i;

		for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
			imsg_promises = sets[i];
			snprintf(name, sizeof(name), "%s: imsg round trip "
			    "with a descriptor", sets[i]);
			expect_exit0(run(c_imsg_fdpass), name);
		}
	}
	imsg_promises = "stdio inet";
	expect_exit0(run(c_getifaddrs),
	    "stdio inet: getifaddrs works, other netlink refused");
	imsg_promises = "stdio";
	expect_exit0(run(c_getifaddrs), "stdio: getifaddrs answers EACCES");
	expect_exit0(run(c_libevent), "stdio: a libevent timer loop runs");
	expect_exit0(run(c_evdns), "stdio dns: an evdns lookup is answered");
	expect_exit0(run(c_wpath_only),
	    "wpath without cpath/rpath: write yes, create and read no");
#ifdef __x86_64__
	{
		int	st = run(c_int80);

		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			expect_signal(run(c_int80_confined), SIGSYS,
			    "i386 syscall (int 0x80) is killed: native only");
		else
			tap_skip("no IA-32 emulation", "i386 syscall killed");
		expect_signal(run(c_x32_confined), SIGSYS,
		    "x32 syscall is killed");
	}
#endif
	expect_signal(run(c_confine_twice), SIGSYS,
	    "confine() is once per process");

	expect_exit0(run(c_caps_dropped),
	    "no capabilities, no_new_privs and seccomp mode 2 after confine");
	if (geteuid() == 0) {
		expect_exit0(run(c_privdrop),
		    "privdrop as root drops to nobody");
		expect_exit0(run(c_privdrop_unknown),
		    "privdrop to an unknown user fails");
	} else {
		tap_skip("not root", "privdrop as root drops to nobody");
		tap_ok(privdrop(NULL) == 0, "privdrop as non-root is a no-op");
	}
	teardown();
	return tap_done();
}
