/*
 * try-syscall NAME [ARG]: make one call the sandbox must refuse and say
 * how it went: "NAME: ok" or "NAME: ERRNO-NAME".  Exit 0 if the call
 * failed, 77 if it worked (an escape), 2 on bad usage.  In the manner of
 * bubblewrap's tests/try-syscall.c.
 */
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

struct clone_args_min {
	uint64_t	flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t	stack, stack_size, tls;
};

static long
try_clone3(void)
{
	struct clone_args_min	a;
	long			r;

	memset(&a, 0, sizeof(a));
	a.flags = CLONE_NEWUSER;
	a.exit_signal = SIGCHLD;
	r = syscall(SYS_clone3, &a, sizeof(a));
	if (r == 0)
		_exit(0);
	return r;
}

static long
try_clone_ns(void)
{
	long	r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL,
	    NULL, NULL);

	if (r == 0)
		_exit(0);
	return r;
}

static long
try_connect(const char *port)
{
	struct sockaddr_in	sin;
	int			s = socket(AF_INET, SOCK_STREAM, 0);

	if (s == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)atoi(port));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return connect(s, (struct sockaddr *)&sin, sizeof(sin));
}

/* Is pid named srt-bridge?  Its comm is readable, dumpable or not. */
static int
is_bridge(const char *pid)
{
	char	path[300], comm[32] = "";
	ssize_t	n;
	int	fd;

	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	if ((fd = open(path, O_RDONLY)) == -1)
		return 0;
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	return n > 0 && strncmp(comm, "srt-bridge\n", 11) == 0;
}

/*
 * Connect to the sandbox's proxy port, which makes pid 1 start the
 * bridge, and try to attach to it, or open its memory, from its first
 * instant on, for a second.  0 on an escape; -1 with EPERM when every
 * try on the bridge failed, ESRCH when no bridge was seen.
 */
static long
try_ptrace_bridge(void)
{
	struct sockaddr_in	 sin;
	struct dirent		*de;
	struct timespec		 t0, t;
	char			 path[300];
	DIR			*d;
	int			 s, fd, tries = 0, saved = ESRCH;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(3128);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		return -1;
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno != EINPROGRESS)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		if ((d = opendir("/proc")) == NULL)
			return -1;
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
			    atoi(de->d_name) == 1 || atoi(de->d_name) == getpid())
				continue;
			if (!is_bridge(de->d_name))
				continue;
			tries++;
			if (ptrace(PTRACE_ATTACH, atoi(de->d_name), NULL,
			    NULL) == 0)
				return 0;
			saved = errno == ESRCH ? saved : errno;
			snprintf(path, sizeof(path), "/proc/%s/mem",
			    de->d_name);
			if ((fd = open(path, O_RDWR)) != -1)
				return 0;
		}
		closedir(d);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < 1 ||
	    (tries == 0 && t.tv_sec - t0.tv_sec < 5));
	errno = tries > 0 ? saved : ESRCH;
	return -1;
}

static long
try_tiocsti(int wide)
{
	char		 c = '\n';
	unsigned long	 req = TIOCSTI;
	int		 fd = open("/dev/tty", O_RDWR);

	if (fd == -1)
		fd = 0;
	if (wide)
		req |= 1UL << 32;	/* the kernel looks at 32 bits only */
	return ioctl(fd, req, &c);
}

static long
try_setns(void)
{
	int	fd = open("/proc/self/ns/mnt", O_RDONLY);

	if (fd == -1)
		return -1;
	return syscall(SYS_setns, fd, 0);
}

static long
try(const char *name, const char *arg)
{
	int	sv[2];
	char	buf[64];

	if (strcmp(name, "unix") == 0)
		return socket(AF_UNIX, SOCK_STREAM, 0);
	if (strcmp(name, "unix-dgram") == 0)
		return socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (strcmp(name, "unix-high") == 0)	/* high bits set in domain */
		return syscall(SYS_socket, (1UL << 32) | AF_UNIX,
		    SOCK_STREAM, 0);
	if (strcmp(name, "socketpair") == 0)
		return socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	if (strcmp(name, "io_uring") == 0) {
		memset(buf, 0, sizeof(buf));
		return syscall(SYS_io_uring_setup, 1, buf);
	}
	if (strcmp(name, "clone3") == 0)
		return try_clone3();
	if (strcmp(name, "clone-userns") == 0)
		return try_clone_ns();
	if (strcmp(name, "unshare-user") == 0)
		return unshare(CLONE_NEWUSER);
	if (strcmp(name, "unshare-mount") == 0)
		return unshare(CLONE_NEWNS);
	if (strcmp(name, "unshare-net") == 0)
		return unshare(CLONE_NEWNET);
	if (strcmp(name, "mount") == 0)
		return mount("none", "/tmp", "tmpfs", 0, NULL);
	if (strcmp(name, "remount-rw") == 0)
		return mount(NULL, arg ? arg : "/", NULL,
		    MS_REMOUNT | MS_BIND, NULL);
	if (strcmp(name, "umount") == 0)
		return umount2(arg ? arg : "/proc", MNT_DETACH);
	if (strcmp(name, "pivot_root") == 0)
		return syscall(SYS_pivot_root, "/tmp", "/tmp");
	if (strcmp(name, "setns") == 0)
		return try_setns();
	if (strcmp(name, "open_tree") == 0)
		return syscall(SYS_open_tree, AT_FDCWD, "/", 1 /* CLONE */);
	if (strcmp(name, "fsopen") == 0)
		return syscall(SYS_fsopen, "tmpfs", 0);
	if (strcmp(name, "tiocsti") == 0)
		return try_tiocsti(0);
	if (strcmp(name, "tiocsti-wide") == 0)
		return try_tiocsti(1);
	if (strcmp(name, "ptrace-1") == 0)
		return ptrace(PTRACE_ATTACH, 1, NULL, NULL);
	if (strcmp(name, "ptrace-bridge") == 0)
		return try_ptrace_bridge();
	if (strcmp(name, "kill-1") == 0)
		return kill(1, SIGTERM);
	if (strcmp(name, "kill") == 0 && arg != NULL)
		return kill(atoi(arg), 0);
	if (strcmp(name, "connect") == 0 && arg != NULL)
		return try_connect(arg);
	errno = 0;
	return -2;
}

int
main(int argc, char *argv[])
{
	long	r;

	if (argc < 2) {
		fprintf(stderr, "usage: try-syscall name [arg]\n");
		return 2;
	}
	r = try(argv[1], argc > 2 ? argv[2] : NULL);
	if (r == -2 && errno == 0) {
		fprintf(stderr, "try-syscall: unknown call %s\n", argv[1]);
		return 2;
	}
	if (r >= 0) {
		printf("%s: ok\n", argv[1]);
		return 77;
	}
	printf("%s: %s\n", argv[1], strerrorname_np(errno) ?
	    strerrorname_np(errno) : "?");
	return 0;
}
