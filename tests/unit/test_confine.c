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

#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/sched.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "libcommon/confine.h"
#include "libcommon/log.h"
#include "tests/unit/tap.h"

static char	tmpdir[] = "/tmp/srt-confine-test.XXXXXX";
static char	allowed_dir[128], allowed_file[192], other_file[192];
static int	listen_port;

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
	expect_exit0(run(c_caps_dropped),
	    "no capabilities, no_new_privs and seccomp mode 2 after confine");
	if (geteuid() == 0) {
		expect_exit0(run(c_privdrop), "privdrop as root drops to nobody");
		expect_exit0(run(c_privdrop_unknown),
		    "privdrop to an unknown user fails");
	} else {
		tap_skip("not root", "privdrop as root drops to nobody");
		tap_ok(privdrop(NULL) == 0, "privdrop as non-root is a no-op");
	}
	teardown();
	return tap_done();
}
