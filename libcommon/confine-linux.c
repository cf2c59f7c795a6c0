/*
 * confine() on Linux: capabilities, no_new_privs, Landlock, seccomp.
 *
 * Threat model: the helper that calls this has finished setting up and
 * from now on handles input from the sandboxed command (sockets, events)
 * or from the network.  If that input ever takes control of the helper,
 * what it may do is bounded by the promises: the seccomp allowlist keeps
 * it to the system calls its job needs, and the Landlock ruleset keeps
 * it away from every file (and TCP port, and outside process) the caller
 * did not list, even through the calls seccomp has to allow.  Both layers
 * are inherited by children and cannot be lifted, and no_new_privs means
 * no exec of a setuid binary can regain what was dropped.
 *
 * Every step either succeeds or confine() fails: a helper never runs on
 * unconfined because a filter did not load.  The one exception is a
 * kernel without Landlock, which is reported in report->degraded and
 * leaves seccomp as the only layer.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>

#include <linux/capability.h>
#include <linux/landlock.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <linux/filter.h>

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "libcommon/confine.h"
#include "libcommon/confine-seccomp.h"
#include "libcommon/landlock-uapi.h"
#include "libcommon/log.h"

#ifdef __SANITIZE_ADDRESS__
/*
 * ASan builds: LeakSanitizer's exit-time scan clones a tracer that
 * ptraces this process and reads /proc/self/maps, which the filter kills
 * and Landlock refuses.  So under ASan confine() runs the leak check now,
 * before confining, which also disables the exit-time one.  Leaks made
 * after confine() go unreported in ASan builds; everything else about the
 * filter is the same as in a normal build.
 */
void	__lsan_do_leak_check(void);
#endif

/* Promise bits. */
#define P_STDIO		0x0001
#define P_RPATH		0x0002
#define P_WPATH		0x0004
#define P_CPATH		0x0008
#define P_INET		0x0010
#define P_ACCEPT	0x0020
#define P_DNS		0x0040
#define P_UNIX		0x0080
#define P_SENDFD	0x0100
#define P_RECVFD	0x0200
#define P_PROC		0x0400
#define P_EXEC		0x0800
#define P_ID		0x1000
#define P_TTY		0x2000
#define P_SPLICE	0x4000

/*
 * glibc's O_TMPFILE includes O_DIRECTORY; the bit that means "unnamed
 * file" on its own is this one (x86_64, aarch64 and most others).
 */
#define CONFINE_O_TMPFILE_BIT	020000000

static const struct {
	const char	*name;
	int		 bit;
} confine_promises[] = {
	{ "stdio",	P_STDIO },
	{ "rpath",	P_RPATH },
	{ "wpath",	P_WPATH },
	{ "cpath",	P_CPATH },
	{ "inet",	P_INET },
	{ "accept",	P_ACCEPT },
	{ "dns",	P_DNS },
	{ "unix",	P_UNIX },
	{ "sendfd",	P_SENDFD },
	{ "recvfd",	P_RECVFD },
	{ "proc",	P_PROC },
	{ "exec",	P_EXEC },
	{ "id",		P_ID },
	{ "tty",	P_TTY },
	{ "splice",	P_SPLICE },
};

/*
 * Unconditional allows per promise.  The calls whose arguments we filter
 * (open, stat, socket, ioctl, sendto, clone, kill, prlimit) are not here
 * but in the confine_sc_* builders below, so no call gets both an
 * unconditional and a conditional rule.
 */
static const int confine_stdio[] = {
	/* I/O on descriptors the process already holds. */
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(preadv),
	SCMP_SYS(pwritev), SCMP_SYS(preadv2), SCMP_SYS(pwritev2),
	SCMP_SYS(close), SCMP_SYS(close_range), SCMP_SYS(lseek),
	SCMP_SYS(fstat), SCMP_SYS(fcntl), SCMP_SYS(dup), SCMP_SYS(dup2),
	SCMP_SYS(dup3), SCMP_SYS(ftruncate), SCMP_SYS(fsync),
	SCMP_SYS(fdatasync),
	/* Sockets already connected: recv(), shutdown(). */
	SCMP_SYS(recvfrom), SCMP_SYS(shutdown),
	/* malloc and the loader's bookkeeping. */
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(mprotect), SCMP_SYS(madvise),
	/* Event loops: poll(2) here, epoll and timerfd for libevent. */
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(select),
	SCMP_SYS(pselect6), SCMP_SYS(epoll_create), SCMP_SYS(epoll_create1),
	SCMP_SYS(epoll_ctl), SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait),
	SCMP_SYS(epoll_pwait2), SCMP_SYS(eventfd2),
	SCMP_SYS(timerfd_create), SCMP_SYS(timerfd_settime),
	SCMP_SYS(timerfd_gettime),
	/* Time (the vDSO covers most; these are its fallbacks). */
	SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres),
	SCMP_SYS(gettimeofday), SCMP_SYS(time), SCMP_SYS(nanosleep),
	SCMP_SYS(clock_nanosleep),
	/* Signal handling; sending is below (self only without proc). */
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigpending),
	SCMP_SYS(rt_sigtimedwait), SCMP_SYS(rt_sigsuspend),
	SCMP_SYS(sigaltstack), SCMP_SYS(restart_syscall),
	SCMP_SYS(exit), SCMP_SYS(exit_group),
	/* Identity queries: harmless, used by logging and privdrop checks. */
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(getppid),
	SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getgid),
	SCMP_SYS(getegid), SCMP_SYS(getresuid), SCMP_SYS(getresgid),
	SCMP_SYS(getgroups), SCMP_SYS(getpgrp),
	/* libc internals: locks, randomness, rseq, affinity and sysinfo
	 * for sysconf (qsort asks it for the memory size: OpenSSL sorts). */
	SCMP_SYS(futex), SCMP_SYS(getrandom), SCMP_SYS(sched_yield),
	SCMP_SYS(sysinfo),
	SCMP_SYS(sched_getaffinity), SCMP_SYS(set_robust_list),
	SCMP_SYS(rseq), SCMP_SYS(set_tid_address), SCMP_SYS(uname),
	SCMP_SYS(getrusage),
	-1
};

/* Reading the filesystem; Landlock still decides which paths. */
static const int confine_rpath[] = {
	SCMP_SYS(stat), SCMP_SYS(lstat), SCMP_SYS(newfstatat),
	SCMP_SYS(statx), SCMP_SYS(access), SCMP_SYS(faccessat),
	SCMP_SYS(faccessat2), SCMP_SYS(readlink), SCMP_SYS(readlinkat),
	SCMP_SYS(getdents), SCMP_SYS(getdents64), SCMP_SYS(getcwd),
	SCMP_SYS(chdir), SCMP_SYS(fchdir), SCMP_SYS(statfs),
	SCMP_SYS(fstatfs),
	-1
};

/* Changing existing files (open's write flags are filtered below). */
static const int confine_wpath[] = {
	SCMP_SYS(truncate), SCMP_SYS(utimensat), SCMP_SYS(fchmod),
	SCMP_SYS(fchmodat), SCMP_SYS(chmod),
	-1
};

/* Creating and removing names. */
static const int confine_cpath[] = {
	SCMP_SYS(mkdir), SCMP_SYS(mkdirat), SCMP_SYS(rmdir),
	SCMP_SYS(unlink), SCMP_SYS(unlinkat), SCMP_SYS(rename),
	SCMP_SYS(renameat), SCMP_SYS(renameat2), SCMP_SYS(link),
	SCMP_SYS(linkat), SCMP_SYS(symlink), SCMP_SYS(symlinkat),
	-1
};

/*
 * A proxy: outgoing connections and its own listeners.  Every socket
 * promise also carries sendmsg/recvmsg: they are plain socket I/O, and
 * the imsg channel a networked helper talks on uses them for every
 * message (see confine.h on sendfd/recvfd).
 */
static const int confine_inet[] = {
	SCMP_SYS(connect), SCMP_SYS(bind), SCMP_SYS(listen),
	SCMP_SYS(accept), SCMP_SYS(accept4), SCMP_SYS(getsockname),
	SCMP_SYS(getpeername), SCMP_SYS(getsockopt), SCMP_SYS(setsockopt),
	SCMP_SYS(sendmsg), SCMP_SYS(recvmsg), SCMP_SYS(sendmmsg),
	SCMP_SYS(recvmmsg),
	-1
};

/* The bridge: take connections on listeners made before confine(). */
static const int confine_accept[] = {
	SCMP_SYS(accept), SCMP_SYS(accept4),
	-1
};

/* evdns once loaded: a UDP (or TCP fallback) socket to the resolver. */
static const int confine_dns[] = {
	SCMP_SYS(connect), SCMP_SYS(getsockname), SCMP_SYS(getpeername),
	SCMP_SYS(getsockopt), SCMP_SYS(setsockopt), SCMP_SYS(sendmsg),
	SCMP_SYS(recvmsg),
	-1
};

/* Unix sockets: the standalone monitor's socket, syslog's /dev/log. */
static const int confine_unix[] = {
	SCMP_SYS(connect), SCMP_SYS(bind), SCMP_SYS(listen),
	SCMP_SYS(accept), SCMP_SYS(accept4), SCMP_SYS(getsockname),
	SCMP_SYS(getpeername), SCMP_SYS(getsockopt), SCMP_SYS(setsockopt),
	SCMP_SYS(socketpair), SCMP_SYS(sendmsg), SCMP_SYS(recvmsg),
	-1
};

/* seccomp cannot see SCM_RIGHTS; see confine.h. */
static const int confine_sendfd[] = {
	SCMP_SYS(sendmsg), -1
};

static const int confine_recvfd[] = {
	SCMP_SYS(recvmsg), -1
};

/* Children and their reaping; clone itself is filtered below. */
static const int confine_proc[] = {
	SCMP_SYS(fork), SCMP_SYS(vfork), SCMP_SYS(wait4), SCMP_SYS(waitid),
	SCMP_SYS(kill), SCMP_SYS(tgkill), SCMP_SYS(tkill),
	SCMP_SYS(setpgid), SCMP_SYS(getpgid), SCMP_SYS(setsid),
	SCMP_SYS(getsid), SCMP_SYS(getpriority), SCMP_SYS(setpriority),
	SCMP_SYS(set_robust_list),
	-1
};

/*
 * The filter survives execve: the new image runs under the same
 * promises, so its loader must be able to set up TLS (arch_prctl on
 * x86_64; elsewhere the name is absent and libseccomp skips it).
 */
static const int confine_exec[] = {
	SCMP_SYS(execve), SCMP_SYS(execveat), SCMP_SYS(arch_prctl), -1
};

static const int confine_id[] = {
	SCMP_SYS(setuid), SCMP_SYS(setgid), SCMP_SYS(setreuid),
	SCMP_SYS(setregid), SCMP_SYS(setresuid), SCMP_SYS(setresgid),
	SCMP_SYS(setgroups), SCMP_SYS(setfsuid), SCMP_SYS(setfsgid),
	-1
};

/* The proxy's zero-copy relay: socket -> pipe -> socket. */
static const int confine_splice[] = {
	SCMP_SYS(splice), SCMP_SYS(tee), SCMP_SYS(pipe), SCMP_SYS(pipe2),
	-1
};

static const struct {
	int		 bit;
	const int	*calls;
} confine_sets[] = {
	{ P_STDIO,	confine_stdio },
	{ P_RPATH,	confine_rpath },
	{ P_WPATH,	confine_wpath },
	{ P_CPATH,	confine_cpath },
	{ P_INET,	confine_inet },
	{ P_ACCEPT,	confine_accept },
	{ P_DNS,	confine_dns },
	{ P_UNIX,	confine_unix },
	{ P_SENDFD,	confine_sendfd },
	{ P_RECVFD,	confine_recvfd },
	{ P_PROC,	confine_proc },
	{ P_EXEC,	confine_exec },
	{ P_ID,		confine_id },
	{ P_SPLICE,	confine_splice },
};

static void
confine_degraded(struct confine_report *r, const char *what)
{
	if (r->degraded[0] != '\0')
		strlcat(r->degraded, "; ", sizeof(r->degraded));
	strlcat(r->degraded, what, sizeof(r->degraded));
}

/* Promise string to bits; -1 and a log line on an unknown word. */
static int
confine_parse(const char *promises, int *bits)
{
	const char	*p = promises, *e;
	size_t		 i, n;

	*bits = 0;
	while (p != NULL && *p != '\0') {
		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		e = p + strcspn(p, " \t");
		n = (size_t)(e - p);
		for (i = 0; i < sizeof(confine_promises) /
		    sizeof(confine_promises[0]); i++) {
			if (strlen(confine_promises[i].name) == n &&
			    strncmp(confine_promises[i].name, p, n) == 0)
				break;
		}
		if (i == sizeof(confine_promises) /
		    sizeof(confine_promises[0])) {
			log_warnx("%s: unknown promise \"%.*s\"", __func__,
			    (int)n, p);
			errno = EINVAL;
			return -1;
		}
		*bits |= confine_promises[i].bit;
		p = e;
	}
	return 0;
}

/*
 * Drop every capability: the bounding set (if we hold CAP_SETPCAP, i.e.
 * root that did not privdrop), ambient, then effective/permitted/
 * inheritable.  A helper has bound its sockets by now; a capability
 * left over would let a compromised helper step around Landlock's DAC
 * view (CAP_DAC_OVERRIDE) or ptrace its siblings.
 */
static int
confine_caps(void)
{
	struct __user_cap_header_struct	hdr;
	struct __user_cap_data_struct	data[2];
	int				cap;

	memset(&hdr, 0, sizeof(hdr));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) == -1) {
		log_warn("%s: capget", __func__);
		return -1;
	}
	if (data[0].effective & (1U << CAP_SETPCAP)) {
		for (cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0;
		    cap++) {
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1) {
				log_warn("%s: PR_CAPBSET_DROP %d", __func__,
				    cap);
				return -1;
			}
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL) {
		log_warn("%s: PR_CAP_AMBIENT_CLEAR_ALL", __func__);
		return -1;
	}
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) == -1) {
		log_warn("%s: capset", __func__);
		return -1;
	}
	return 0;
}

/* Cached: after confine() the query itself would be killed. */
int
landlock_abi(void)
{
	static int	abi = -1;
	long		v;

	if (abi == -1) {
		v = syscall(SYS_landlock_create_ruleset, NULL, 0,
		    LL_CREATE_VERSION);
		abi = v < 0 ? 0 : (int)v;
	}
	return abi;
}

static uint64_t
confine_ll_fs_rights(int abi)
{
	uint64_t	fs = LL_FS_ABI1;

	if (abi >= 2)
		fs |= LL_FS_REFER;
	if (abi >= 3)
		fs |= LL_FS_TRUNCATE;
	if (abi >= 5)
		fs |= LL_FS_IOCTL_DEV;
	return fs;
}

/* Grant one path the rights its flags ask for (masked to the ABI). */
static int
confine_ll_path(int rfd, const struct confine_path *cp, uint64_t handled)
{
	struct ll_path_beneath	pb;
	struct stat		st;
	uint64_t		want = 0;
	int			fd;

	if ((fd = open(cp->path, O_PATH | O_CLOEXEC)) == -1) {
		if (errno == ENOENT) {
			/* Less access than asked for, never more. */
			log_debug("%s: %s: absent, not granted", __func__,
			    cp->path);
			return 0;
		}
		log_warn("%s: %s", __func__, cp->path);
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		log_warn("%s: fstat %s", __func__, cp->path);
		close(fd);
		return -1;
	}
	if (cp->access & CONFINE_READ)
		want |= LL_FS_READ_RIGHTS;
	if (cp->access & CONFINE_WRITE)
		want |= LL_FS_WRITE_RIGHTS;
	if (cp->access & CONFINE_EXEC)
		want |= LL_FS_EXECUTE;
	if (!S_ISDIR(st.st_mode))
		want &= LL_FS_FILE_RIGHTS;
	memset(&pb, 0, sizeof(pb));
	pb.allowed = want & handled;
	pb.parent_fd = fd;
	if (pb.allowed != 0 && syscall(SYS_landlock_add_rule, rfd,
	    LL_RULE_PATH_BENEATH, &pb, 0) == -1) {
		log_warn("%s: landlock_add_rule %s", __func__, cp->path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* dns without inet: TCP connect only to port 53 (evdns's TCP fallback). */
static int
confine_ll_net(int rfd, int bits)
{
	struct ll_net_port	np;

	if (!(bits & P_DNS))
		return 0;
	memset(&np, 0, sizeof(np));
	np.allowed = LL_NET_CONNECT_TCP;
	np.port = 53;
	if (syscall(SYS_landlock_add_rule, rfd, LL_RULE_NET_PORT, &np,
	    0) == -1) {
		log_warn("%s: landlock_add_rule port 53", __func__);
		return -1;
	}
	return 0;
}

static void
confine_ll_report(int abi, struct confine_report *r)
{
	if (abi < 2)
		confine_degraded(r, "landlock: no rename/link control");
	if (abi < 3)
		confine_degraded(r, "landlock: no truncate control");
	if (abi < 4)
		confine_degraded(r, "landlock: no TCP port control");
	if (abi < 5)
		confine_degraded(r, "landlock: no device ioctl control");
	if (abi < 6)
		confine_degraded(r, "landlock: no signal/abstract socket "
		    "scoping");
}

static int
confine_landlock(int bits, const struct confine_path *paths, size_t npaths,
    struct confine_report *r)
{
	struct ll_ruleset_attr	attr;
	size_t			size, i;
	int			abi, rfd;

	if ((abi = landlock_abi()) == 0) {
		confine_degraded(r, "landlock unavailable: filesystem not "
		    "restricted by path");
		return 0;
	}
	r->landlock_abi = abi;
	memset(&attr, 0, sizeof(attr));
	attr.handled_fs = confine_ll_fs_rights(abi);
	size = sizeof(attr.handled_fs);
	if (abi >= 4) {
		if (!(bits & P_INET))
			attr.handled_net = LL_NET_BIND_TCP |
			    LL_NET_CONNECT_TCP;
		size = offsetof(struct ll_ruleset_attr, scoped);
	}
	if (abi >= 6) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX;
		if (!(bits & P_PROC))
			attr.scoped |= LL_SCOPE_SIGNAL;
		size = sizeof(attr);
	}
	confine_ll_report(abi, r);
	rfd = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (rfd == -1) {
		log_warn("%s: landlock_create_ruleset (ABI %d)", __func__,
		    abi);
		return -1;
	}
	for (i = 0; i < npaths; i++) {
		if (confine_ll_path(rfd, &paths[i], attr.handled_fs) == -1)
			goto fail;
	}
	if (attr.handled_net != 0 && confine_ll_net(rfd, bits) == -1)
		goto fail;
	if (syscall(SYS_landlock_restrict_self, rfd, 0) == -1) {
		log_warn("%s: landlock_restrict_self", __func__);
		goto fail;
	}
	close(rfd);
	r->landlock_applied = 1;
	return 0;
fail:
	close(rfd);
	return -1;
}

static int
confine_rule(scmp_filter_ctx ctx, uint32_t action, int nr, unsigned int n,
    const struct scmp_arg_cmp *args)
{
	int	rc;

	rc = seccomp_rule_add_array(ctx, action, nr, n, args);
	if (rc == -EEXIST)
		return 0;
	if (rc < 0) {
		errno = -rc;
		log_warn("%s: syscall %d", __func__, nr);
		return -1;
	}
	return 0;
}

#define RULE0(ctx, act, nr)	confine_rule((ctx), (act), (nr), 0, NULL)
#define RULE1(ctx, act, nr, a) do {					\
	struct scmp_arg_cmp _c[] = { a };				\
	if (confine_rule((ctx), (act), (nr), 1, _c) == -1)		\
		return -1;						\
} while (0)
#define RULE2(ctx, act, nr, a, b) do {					\
	struct scmp_arg_cmp _c[] = { a, b };				\
	if (confine_rule((ctx), (act), (nr), 2, _c) == -1)		\
		return -1;						\
} while (0)

#define EACCES_ACT	SCMP_ACT_ERRNO(EACCES)

/* SCMP_An(op, v) leaves datum_b to the implicit zero, which clang's
 * -Wmissing-field-initializers flags: spell one-datum compares whole. */
#define ARG1(n, op, v)	SCMP_CMP((n), (op), (v), 0)

/*
 * open/openat/creat: the access mode and O_CREAT/O_TRUNC/O_TMPFILE bits
 * decide which promise an open needs.  This is coarse on purpose: which
 * path may be opened is Landlock's job; here we only keep a process
 * without wpath/cpath from asking for write or create at all.  Refused
 * opens fail with EACCES so libc and callers take their error paths.
 * openat2 hides its flags in memory seccomp cannot read: ENOSYS, and
 * every libc falls back to openat.
 */
static int
confine_sc_open(scmp_filter_ctx ctx, int bits)
{
	static const uint64_t	fbits[] = { O_WRONLY, O_RDWR, O_TRUNC,
				    O_CREAT, CONFINE_O_TMPFILE_BIT };
	uint64_t		forbid = 0;
	size_t			i;

	if (RULE0(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(openat2)) == -1)
		return -1;
	if (!(bits & (P_RPATH | P_WPATH | P_CPATH))) {
		if (RULE0(ctx, EACCES_ACT, SCMP_SYS(open)) == -1 ||
		    RULE0(ctx, EACCES_ACT, SCMP_SYS(openat)) == -1 ||
		    RULE0(ctx, EACCES_ACT, SCMP_SYS(creat)) == -1)
			return -1;
		return 0;
	}
	if (!(bits & P_WPATH))
		forbid |= O_WRONLY | O_RDWR | O_TRUNC;
	if (!(bits & P_CPATH))
		forbid |= O_CREAT | CONFINE_O_TMPFILE_BIT;
	if (RULE0(ctx, (bits & (P_WPATH | P_CPATH)) == (P_WPATH | P_CPATH) ?
	    SCMP_ACT_ALLOW : EACCES_ACT, SCMP_SYS(creat)) == -1)
		return -1;
	if (forbid == 0) {
		if (RULE0(ctx, SCMP_ACT_ALLOW, SCMP_SYS(open)) == -1 ||
		    RULE0(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat)) == -1)
			return -1;
		return 0;
	}
	RULE1(ctx, SCMP_ACT_ALLOW, SCMP_SYS(open),
	    SCMP_A1(SCMP_CMP_MASKED_EQ, forbid, 0));
	RULE1(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat),
	    SCMP_A2(SCMP_CMP_MASKED_EQ, forbid, 0));
	for (i = 0; i < sizeof(fbits) / sizeof(fbits[0]); i++) {
		if (!(forbid & fbits[i]))
			continue;
		RULE1(ctx, EACCES_ACT, SCMP_SYS(open),
		    SCMP_A1(SCMP_CMP_MASKED_EQ, fbits[i], fbits[i]));
		RULE1(ctx, EACCES_ACT, SCMP_SYS(openat),
		    SCMP_A2(SCMP_CMP_MASKED_EQ, fbits[i], fbits[i]));
	}
	return 0;
}

/*
 * Without rpath, path lookups answer EACCES (libc probes such as
 * access() or stat() of a config file then fail cleanly), but fstat
 * must work: glibc implements it as newfstatat(fd, "", AT_EMPTY_PATH).
 * AT_EMPTY_PATH with a non-empty path still resolves that path; the leak
 * is metadata only, which Landlock does not guard either.
 */
static int
confine_sc_stat(scmp_filter_ctx ctx, int bits)
{
	static const int	probes[] = { SCMP_SYS(stat), SCMP_SYS(lstat),
				    SCMP_SYS(access), SCMP_SYS(faccessat),
				    SCMP_SYS(faccessat2), SCMP_SYS(readlink),
				    SCMP_SYS(readlinkat) };
	size_t			i;

	if (bits & P_RPATH)
		return 0;	/* in confine_rpath */
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		if (RULE0(ctx, EACCES_ACT, probes[i]) == -1)
			return -1;
	RULE1(ctx, SCMP_ACT_ALLOW, SCMP_SYS(newfstatat),
	    SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH));
	RULE1(ctx, EACCES_ACT, SCMP_SYS(newfstatat),
	    SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, 0));
	RULE1(ctx, SCMP_ACT_ALLOW, SCMP_SYS(statx),
	    SCMP_A2(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH));
	RULE1(ctx, EACCES_ACT, SCMP_SYS(statx),
	    SCMP_A2(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, 0));
	return 0;
}

/*
 * socket(): the domain argument is the whole point of inet/dns/unix.
 * dns alone gets only datagram and stream sockets (no raw).  AF_UNIX and
 * AF_NETLINK without a promise answer EACCES rather than kill, because
 * glibc probes them (nscd, getaddrinfo's AI_ADDRCONFIG, syslog's
 * reconnect) and copes with the error; any other domain (AF_PACKET,
 * AF_ALG, AF_VSOCK, ...) is killed.
 */
static int
confine_sc_socket(scmp_filter_ctx ctx, int bits)
{
	static const int	fams[] = { AF_INET, AF_INET6 };
	size_t			i;

	for (i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		if (bits & P_INET) {
			RULE1(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket),
			    ARG1(0, SCMP_CMP_EQ, (uint64_t)fams[i]));
		} else if (bits & P_DNS) {
			RULE2(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket),
			    ARG1(0, SCMP_CMP_EQ, (uint64_t)fams[i]),
			    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_DGRAM));
			RULE2(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket),
			    ARG1(0, SCMP_CMP_EQ, (uint64_t)fams[i]),
			    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_STREAM));
		} else {
			RULE1(ctx, EACCES_ACT, SCMP_SYS(socket),
			    ARG1(0, SCMP_CMP_EQ, (uint64_t)fams[i]));
		}
	}
	RULE1(ctx, (bits & P_UNIX) ? SCMP_ACT_ALLOW : EACCES_ACT,
	    SCMP_SYS(socket), ARG1(0, SCMP_CMP_EQ, AF_UNIX));
	if (!(bits & P_INET)) {
		RULE1(ctx, EACCES_ACT, SCMP_SYS(socket),
		    ARG1(0, SCMP_CMP_EQ, AF_NETLINK));
		return 0;
	}
	/*
	 * inet may read the routing tables: getifaddrs() is how a proxy
	 * learns this host's own addresses, which it must refuse to dial.
	 * Changing them would need CAP_NET_ADMIN, gone by now.
	 */
	RULE2(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket),
	    ARG1(0, SCMP_CMP_EQ, AF_NETLINK),
	    ARG1(2, SCMP_CMP_EQ, NETLINK_ROUTE));
	RULE2(ctx, EACCES_ACT, SCMP_SYS(socket),
	    ARG1(0, SCMP_CMP_EQ, AF_NETLINK),
	    ARG1(2, SCMP_CMP_NE, NETLINK_ROUTE));
	return 0;
}

/*
 * sendto with a NULL address is send(2) on a connected socket, which
 * stdio needs (libevent's signal pipe, syslog).  Choosing an address is
 * a network act and needs inet, dns or unix.
 */
static int
confine_sc_sendto(scmp_filter_ctx ctx, int bits)
{
	if (bits & (P_INET | P_DNS | P_UNIX))
		return RULE0(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendto));
	RULE1(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendto),
	    ARG1(4, SCMP_CMP_EQ, 0));
	return 0;
}

/*
 * ioctl: stdio gets the descriptor-level requests.  Terminal requests
 * need tty; without it TCGETS/TIOCGWINSZ answer ENOTTY so isatty() says
 * no.  TIOCSTI (typing into the terminal) and TIOCLINUX are never in the
 * list and so kill the process.  The request is compared on all 64 bits:
 * high garbage bits the kernel would ignore do not match and are killed.
 */
static int
confine_sc_ioctl(scmp_filter_ctx ctx, int bits)
{
	static const unsigned long	fio[] = { FIONREAD, FIONBIO, FIOCLEX,
					    FIONCLEX };
	static const unsigned long	tty[] = { TCGETS, TCSETS, TCSETSW,
					    TCSETSF, TIOCGWINSZ, TIOCSWINSZ,
					    TIOCGPGRP, TIOCSPGRP, TCFLSH,
					    TCXONC, TCSBRK };
	uint32_t			act;
	size_t				i;

	if (bits & P_STDIO) {
		for (i = 0; i < sizeof(fio) / sizeof(fio[0]); i++)
			RULE1(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl),
			    ARG1(1, SCMP_CMP_EQ, fio[i]));
	}
	for (i = 0; i < sizeof(tty) / sizeof(tty[0]); i++) {
		if (bits & P_TTY)
			act = SCMP_ACT_ALLOW;
		else if (tty[i] == TCGETS || tty[i] == TIOCGWINSZ)
			act = SCMP_ACT_ERRNO(ENOTTY);
		else
			continue;
		RULE1(ctx, act, SCMP_SYS(ioctl), ARG1(1, SCMP_CMP_EQ, tty[i]));
	}
	return 0;
}

/*
 * proc: clone only without namespace flags (a new user namespace would
 * hand the child a full capability set inside it); clone3 keeps its
 * flags in memory, so it answers ENOSYS and glibc falls back to clone.
 * Without proc a process may still signal itself (abort(), raise()).
 */
static int
confine_sc_proc(scmp_filter_ctx ctx, int bits, pid_t pid)
{
	const uint64_t	ns = CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID |
			    CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS |
			    CLONE_NEWCGROUP;

	if (bits & P_PROC) {
		RULE1(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone),
		    SCMP_A0(SCMP_CMP_MASKED_EQ, ns, 0));
		return RULE0(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3));
	}
	if (bits & P_STDIO)
		RULE1(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill),
		    ARG1(0, SCMP_CMP_EQ, (uint64_t)pid));
	return 0;
}

/* getrlimit goes through prlimit64(0, res, NULL, old): reading only. */
static int
confine_sc_rlimit(scmp_filter_ctx ctx, int bits)
{
	if (bits & P_STDIO)
		RULE2(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64),
		    ARG1(0, SCMP_CMP_EQ, 0), ARG1(2, SCMP_CMP_EQ, 0));
	return 0;
}

/*
 * Build the allowlist for bits (tgkill only to pid: ourselves); NULL
 * (errno set, logged) on failure.
 * The precompiled programs are this function's output, exported at
 * build time, so both paths must stay one.
 */
static scmp_filter_ctx
confine_sc_build(int bits, pid_t pid)
{
	scmp_filter_ctx	ctx;
	size_t		i;
	const int	*c;
	int		rc;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
		log_warnx("%s: seccomp_init failed", __func__);
		errno = ENOMEM;
		return NULL;
	}
	/* Native architecture only: a foreign-ABI syscall is killed. */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS)) < 0)
		goto fail;
	/*
	 * A binary search over syscall numbers instead of a linear list:
	 * the proxy's relay pays the filter on every read, write and
	 * splice.  TSYNC: should a library have started a thread, it gets
	 * the filter too (or the load fails) rather than stay unfiltered.
	 */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0 ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) < 0)
		goto fail;
	for (i = 0; i < sizeof(confine_sets) / sizeof(confine_sets[0]); i++) {
		if (!(bits & confine_sets[i].bit))
			continue;
		for (c = confine_sets[i].calls; *c != -1; c++)
			if (RULE0(ctx, SCMP_ACT_ALLOW, *c) == -1)
				goto fail_errno;
	}
	if (confine_sc_open(ctx, bits) == -1 ||
	    confine_sc_stat(ctx, bits) == -1 ||
	    confine_sc_socket(ctx, bits) == -1 ||
	    confine_sc_sendto(ctx, bits) == -1 ||
	    confine_sc_ioctl(ctx, bits) == -1 ||
	    confine_sc_proc(ctx, bits, pid) == -1 ||
	    confine_sc_rlimit(ctx, bits) == -1)
		goto fail_errno;
	return ctx;
fail:
	errno = -rc;
	log_warn("%s: cannot build the seccomp filter", __func__);
fail_errno:
	seccomp_release(ctx);
	return NULL;
}

int
confine_seccomp_export(const char *promises, pid_t pid, int fd)
{
	scmp_filter_ctx	ctx;
	int		bits, rc;

	if (confine_parse(promises, &bits) == -1)
		return -1;
	if ((ctx = confine_sc_build(bits, pid)) == NULL)
		return -1;
	rc = seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}

#ifndef CONFINE_GEN
#include "confine-filters.h"

static const struct confine_filter *
confine_sc_find(int bits)
{
	size_t	i;

	for (i = 0; i < sizeof(confine_filters) /
	    sizeof(confine_filters[0]); i++)
		if (confine_filters[i].bits == bits)
			return &confine_filters[i];
	return NULL;
}

/*
 * The embedded program for bits with pid written into its slots (the
 * k of each comparison the generator saw follow the pid); 1 if none.
 */
static int
confine_sc_program(int bits, pid_t pid, struct sock_filter **out,
    size_t *len)
{
	const struct confine_filter	*cf;
	size_t				 i;

	if ((cf = confine_sc_find(bits)) == NULL)
		return 1;
	if ((*out = reallocarray(NULL, cf->len, sizeof(**out))) == NULL)
		return -1;
	memcpy(*out, cf->insns, cf->len * sizeof(**out));
	for (i = 0; i < cf->npid; i++)
		(*out)[cf->pid_slots[i]].k = (uint32_t)pid;
	*len = cf->len;
	return 0;
}

int
confine_seccomp_precompiled(const char *promises, pid_t pid,
    struct sock_filter **out, size_t *len)
{
	int	bits;

	if (confine_parse(promises, &bits) == -1)
		return -1;
	return confine_sc_program(bits, pid, out, len);
}

/*
 * Load a program generated at build time from confine_sc_build() for
 * the same bits: libseccomp's arch check is its first instructions.
 * The flags are those seccomp_load() passes for our attributes: TSYNC
 * only (no_new_privs is already set).  With TSYNC a positive return is
 * the id of a thread that could not take the filter: a failure.
 */
static int
confine_sc_load_pre(int bits, struct confine_report *r)
{
	struct sock_fprog	 prog;
	struct sock_filter	*insns;
	size_t			 len;
	long			 rc;
	int			 found;

	if ((found = confine_sc_program(bits, getpid(), &insns, &len)) != 0)
		return found;
	prog.len = (unsigned short)len;
	prog.filter = insns;
	rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
	    SECCOMP_FILTER_FLAG_TSYNC, &prog);
	free(insns);
	if (rc != 0) {
		if (rc > 0)
			errno = ESRCH;
		log_warn("%s: cannot install the seccomp filter", __func__);
		return -1;
	}
	r->seccomp_applied = 1;
	return 0;
}
#endif

static int
confine_seccomp(int bits, struct confine_report *r)
{
	scmp_filter_ctx	ctx;
	int		rc;

#ifndef CONFINE_GEN
	if ((rc = confine_sc_load_pre(bits, r)) != 1)
		return rc;
#endif
	if ((ctx = confine_sc_build(bits, getpid())) == NULL)
		return -1;
	if ((rc = seccomp_load(ctx)) < 0) {
		errno = -rc;
		log_warn("%s: cannot install the seccomp filter", __func__);
		seccomp_release(ctx);
		return -1;
	}
	seccomp_release(ctx);
	r->seccomp_applied = 1;
	return 0;
}

int
confine(const char *promises, const struct confine_path *paths,
    size_t npaths, struct confine_report *report)
{
	struct confine_report	scratch;
	int			bits;

	if (report == NULL)
		report = &scratch;
	memset(report, 0, sizeof(*report));
	if (confine_parse(promises, &bits) == -1)
		return -1;
	if (npaths > 0 && paths == NULL) {
		errno = EINVAL;
		return -1;
	}
#ifdef __SANITIZE_ADDRESS__
	__lsan_do_leak_check();
#endif
	if (confine_caps() == -1)
		return -1;
	/* Landlock and an unprivileged seccomp filter both require it. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_warn("%s: PR_SET_NO_NEW_PRIVS", __func__);
		return -1;
	}
	if (confine_landlock(bits, paths, npaths, report) == -1)
		return -1;
	if (confine_seccomp(bits, report) == -1)
		return -1;
	if (report->degraded[0] != '\0')
		log_debug("confine: %s", report->degraded);
	return 0;
}
