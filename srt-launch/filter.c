/*
 * The command's own confinement, applied in the forked command just
 * before exec, in minijail's order: capabilities dropped while we still
 * hold CAP_SETPCAP, then no_new_privs (Landlock and an unprivileged
 * seccomp filter both require it), then Landlock, then seccomp last,
 * since once it is on the calls the earlier steps make would be refused.
 * Every step succeeds or the command does not run.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/securebits.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "libcommon/landlock-uapi.h"
#include "libcommon/log.h"
#include "srt-launch/srt-launch.h"

/*
 * The kernel reads int arguments as 32 bits, but libseccomp 2.5's
 * SCMP_A0_32 still demands that the high half be zero, so socket(1<<32 |
 * AF_UNIX) would slip past.  A masked compare ignores the high half.
 */
#define ARG32_EQ(n, v)	\
	SCMP_CMP((n), SCMP_CMP_MASKED_EQ, 0xffffffffU, (v))
#define ARG32_HAS(n, bit)	SCMP_CMP((n), SCMP_CMP_MASKED_EQ, (bit), (bit))

/* The command's program is one of eight, chosen by these bits. */
#define FILTER_UNIX_OK	0x1	/* allowAllUnixSockets */
#define FILTER_NESTED	0x2	/* allowNestedUserNamespaces */
#define FILTER_NOTIFY	0x4	/* observed: write calls notify */
#define FILTER_NVARIANTS	8

#define NS_FLAGS	(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | \
			 CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | \
			 CLONE_NEWCGROUP)

/*
 * TEST HOOK: SRT_TEST_NO_LANDLOCK=1 makes srt-launch behave as on a kernel
 * without Landlock, so the fault tests can check the degraded path (the
 * mount layer alone, stated on stderr, reported by --check).  It can only
 * weaken the second layer, never the mounts, seccomp or namespaces, and
 * whoever sets srt-launch's environment already chooses its settings; the
 * launcher says so on stderr every time it is used.  The answer is read
 * once and kept, as init runs after the command's environment is built.
 */
int
filter_landlock_abi(void)
{
	static int	abi = -1;
	const char	*hook;
	long		v;

	if (abi != -1)
		return abi;
	hook = getenv("SRT_TEST_NO_LANDLOCK");
	if (hook != NULL && strcmp(hook, "1") == 0)
		return abi = 0;
	v = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LL_CREATE_VERSION);
	return abi = v < 0 ? 0 : (int)v;
}

/*
 * Never silently weaker: a run without the Landlock layer says so once,
 * before the command starts.  Asking for nested user namespaces drops it
 * on purpose (see filter_landlock), which -d already states.
 */
void
filter_warn_degraded(const struct launch *l)
{
	if (l->settings.allow_nested_user_namespaces ||
	    filter_landlock_abi() != 0)
		return;
	log_warnx("Landlock unavailable%s: only the mount layer keeps writes "
	    "out (see srt-launch --check)",
	    getenv("SRT_TEST_NO_LANDLOCK") != NULL ?
	    " (simulated by SRT_TEST_NO_LANDLOCK)" : "");
}

static uint64_t
filter_ll_write(int abi)
{
	uint64_t	a = LL_FS_WRITE_FILE | LL_FS_REMOVE_DIR |
	    LL_FS_REMOVE_FILE | LL_FS_MAKE_CHAR | LL_FS_MAKE_DIR |
	    LL_FS_MAKE_REG | LL_FS_MAKE_SOCK | LL_FS_MAKE_FIFO |
	    LL_FS_MAKE_BLOCK | LL_FS_MAKE_SYM;

	if (abi >= 2)
		a |= LL_FS_REFER;
	if (abi >= 3)
		a |= LL_FS_TRUNCATE;
	return a;
}

/* Grant the write rights beneath path (only the file rights on a file). */
static int
filter_ll_rule(int rfd, const char *path, uint64_t handled)
{
	struct ll_path_beneath	pb;
	struct stat		st;
	int			fd, rc;

	if ((fd = open(path, O_PATH | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) == -1) {
		close(fd);
		return -1;
	}
	pb.allowed = S_ISDIR(st.st_mode) ? handled :
	    handled & (LL_FS_WRITE_FILE | LL_FS_TRUNCATE);
	pb.parent_fd = fd;
	rc = (int)syscall(SYS_landlock_add_rule, rfd, LL_RULE_PATH_BENEATH,
	    &pb, 0);
	close(fd);
	return rc;
}

/*
 * Landlock, the second layer: even if a mount were left writable by
 * mistake, writes succeed only beneath the writable roots, TMPDIR and
 * the few /dev and /proc files programs write.  With ABI 6 the command
 * also cannot signal processes outside its domain (pid 1, helpers) or
 * connect to abstract unix sockets created outside it.
 */
static int
filter_landlock(const struct launch *l)
{
	static const char *const extra[] = {
		"/dev/null", "/dev/zero", "/dev/full", "/dev/random",
		"/dev/urandom", "/dev/tty", "/dev/ptmx", "/dev/pts", "/dev/shm",
		"/proc", NULL
	};
	struct ll_ruleset_attr	attr;
	int			abi = filter_landlock_abi(), rfd;
	size_t			i;

	if (abi == 0) {
		log_debug("Landlock unavailable: mounts are the only "
		    "filesystem layer");
		return 0;
	}
	/* Landlock forbids mount(2) to a confined process, so a nested
	 * sandbox could not build its root: asked for by name, it goes. */
	if (l->settings.allow_nested_user_namespaces) {
		log_debug("allowNestedUserNamespaces: no Landlock layer");
		return 0;
	}
	memset(&attr, 0, sizeof(attr));
	attr.handled_fs = filter_ll_write(abi);
	if (abi >= 6)
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
	rfd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr),
	    0);
	if (rfd == -1) {
		log_warn("landlock_create_ruleset");
		return -1;
	}
	for (i = 0; i < l->plan.nwritable; i++)
		if (filter_ll_rule(rfd, l->plan.writable[i],
		    attr.handled_fs) == -1)
			goto fail;
	if (filter_ll_rule(rfd, l->tmpdir, attr.handled_fs) == -1)
		goto fail;
	for (i = 0; extra[i] != NULL; i++)
		if (filter_ll_rule(rfd, extra[i], strcmp(extra[i], "/dev/shm") ?
		    LL_FS_WRITE_FILE | (abi >= 3 ? LL_FS_TRUNCATE : 0) :
		    attr.handled_fs) == -1)
			goto fail;
	if (syscall(SYS_landlock_restrict_self, rfd, 0) == -1)
		goto fail;
	close(rfd);
	return 0;
fail:
	log_warn("Landlock");
	close(rfd);
	return -1;
}

/* One rule; a syscall unknown to this libseccomp is skipped. */
static int
filter_rule(scmp_filter_ctx ctx, uint32_t action, const char *name,
    unsigned int n, const struct scmp_arg_cmp *cmp)
{
	int	nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return 0;
	return seccomp_rule_add_array(ctx, action, nr, n, cmp);
}

static int
filter_rule0(scmp_filter_ctx ctx, uint32_t action, const char *name)
{
	return filter_rule(ctx, action, name, 0, NULL);
}

/* clone/unshare with any namespace flag: one rule per flag. */
static int
filter_ns_flags(scmp_filter_ctx ctx)
{
	struct scmp_arg_cmp	c;
	unsigned int		bit;
	int			rc = 0;

	for (bit = 0; bit < 32; bit++) {
		if (!(NS_FLAGS & (1U << bit)))
			continue;
		c = ARG32_HAS(0, 1U << bit);
		rc |= filter_rule(ctx, SCMP_ACT_ERRNO(EPERM), "unshare", 1, &c);
		rc |= filter_rule(ctx, SCMP_ACT_ERRNO(EPERM), "clone", 1, &c);
	}
	return rc;
}

/* open(2) and openat(2) with any write-intent flag: one rule a bit. */
static int
filter_notify_open(scmp_filter_ctx ctx, const char *name, unsigned int arg)
{
	static const unsigned int	bits[] = { O_WRONLY, O_RDWR, O_CREAT,
	    O_TRUNC, O_APPEND };
	struct scmp_arg_cmp		c;
	size_t				i;
	int				rc = 0;

	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		c = ARG32_HAS(arg, bits[i]);
		rc |= filter_rule(ctx, SCMP_ACT_NOTIFY, name, 1, &c);
	}
	return rc;
}

/*
 * The write observer: calls that may write a path notify the supervisor,
 * which reports those outside the policy and lets the kernel go on.
 * Reads never notify.  openat2 keeps its flags in memory the filter
 * cannot read, so it always notifies; programs rarely use it.
 */
static int
filter_notify_fs(scmp_filter_ctx ctx)
{
	static const char *const always[] = {
		"openat2", "creat", "mkdir", "mkdirat", "unlink", "unlinkat",
		"rmdir", "rename", "renameat", "renameat2", "link", "linkat",
		"symlink", "symlinkat", "truncate", "chmod", "fchmodat",
		"fchmodat2", "mknod", "mknodat", "utime", "utimes",
		"futimesat", "utimensat", NULL
	};
	size_t	i;
	int	rc;

	rc = filter_notify_open(ctx, "open", 1);
	rc |= filter_notify_open(ctx, "openat", 2);
	for (i = 0; always[i] != NULL; i++)
		rc |= filter_rule0(ctx, SCMP_ACT_NOTIFY, always[i]);
	return rc;
}

static int
filter_build(scmp_filter_ctx ctx, int v)
{
	static const char *const mounts[] = {
		"mount", "umount2", "umount", "pivot_root", "setns",
		"fsopen", "fsconfig", "fsmount", "fspick", "move_mount",
		"open_tree", "open_tree_attr", "mount_setattr", NULL
	};
	static const char *const uring[] = {
		"io_uring_setup", "io_uring_enter", "io_uring_register", NULL
	};
	struct scmp_arg_cmp	c;
	bool			notify = v & FILTER_NOTIFY;
	size_t			i;
	int			rc = 0;

	/* AF_UNIX: no local IPC with host services (docker, ssh-agent,
	 * dbus) that bind mounts leave reachable; socketpair stays, as in
	 * the reference, since it reaches nothing outside.  Observed, the
	 * supervisor answers EPERM and reports; if it is gone the kernel
	 * answers ENOSYS, a refusal still. */
	if (!(v & FILTER_UNIX_OK)) {
		c = ARG32_EQ(0, AF_UNIX);
		rc |= filter_rule(ctx, notify ? SCMP_ACT_NOTIFY :
		    SCMP_ACT_ERRNO(EPERM), "socket", 1, &c);
	}
	if (notify)
		rc |= filter_notify_fs(ctx);
	/* io_uring performs file and socket operations the filter never
	 * sees. */
	for (i = 0; uring[i] != NULL; i++)
		rc |= filter_rule0(ctx, SCMP_ACT_ERRNO(EPERM), uring[i]);
	/* A new user namespace gives back every capability, with which the
	 * mount rules below could be worked around; nested sandboxes ask
	 * for it by name (allowNestedUserNamespaces), and then the kernel's
	 * locked mounts are what keeps ours in place. */
	if (!(v & FILTER_NESTED)) {
		rc |= filter_ns_flags(ctx);
		for (i = 0; mounts[i] != NULL; i++)
			rc |= filter_rule0(ctx, SCMP_ACT_ERRNO(EPERM),
			    mounts[i]);
	}
	/* clone3 passes its flags in memory the filter cannot read:
	 * ENOSYS makes libc fall back to clone, which is filtered. */
	rc |= filter_rule0(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3");
	/* TIOCSTI pushes input into the terminal the command shares with
	 * the user's shell, TIOCLINUX can too on a console: either would
	 * type commands outside the sandbox.  The kernel reads the request
	 * as 32 bits, so only those are compared. */
	c = ARG32_EQ(1, TIOCSTI);
	rc |= filter_rule(ctx, SCMP_ACT_ERRNO(EPERM), "ioctl", 1, &c);
	c = ARG32_EQ(1, TIOCLINUX);
	rc |= filter_rule(ctx, SCMP_ACT_ERRNO(EPERM), "ioctl", 1, &c);
	return rc;
}

/*
 * Seccomp.  Other architectures (i386 via int 0x80) are killed: i386's
 * socketcall multiplexes socket(AF_UNIX) past any argument check.  x32
 * shares x86-64's audit arch with its own syscall numbers, which a
 * native-only filter lets through to the default action, so on x86-64
 * the same rules are compiled for x32 too.
 */
static int
filter_ctx(int v, scmp_filter_ctx *ctxp)
{
	scmp_filter_ctx	ctx;
	int		rc;

	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		return -ENOMEM;
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS);
#ifdef __x86_64__
	if (rc == 0)
		rc = seccomp_arch_add(ctx, SCMP_ARCH_X32);
#endif
	if (rc == 0)
		rc = filter_build(ctx, v);
	if (rc != 0) {
		seccomp_release(ctx);
		return rc;
	}
	*ctxp = ctx;
	return 0;
}

int
filter_variant(const struct launch *l, bool notify)
{
	return (l->settings.net.allow_all_unix_sockets ? FILTER_UNIX_OK : 0) |
	    (l->settings.allow_nested_user_namespaces ? FILTER_NESTED : 0) |
	    (notify ? FILTER_NOTIFY : 0);
}

int
filter_seccomp_export(int v, int fd)
{
	scmp_filter_ctx	ctx;
	int		rc;

	if ((rc = filter_ctx(v, &ctx)) == 0) {
		rc = seccomp_export_bpf(ctx, fd);
		seccomp_release(ctx);
	}
	if (rc != 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}

#ifndef FILTER_GEN
/*
 * Each variant's program as libseccomp built it at build time
 * (libcommon/gen/filter-gen.c; test_filter_precompiled checks that it
 * is still byte-identical), loaded without building it again in every
 * command (~0.3 ms of its startup).
 */
struct filter_program {
	int				 variant;
	unsigned short			 len;
	const struct sock_filter	*insns;
};

#include "launch-filters.h"

int
filter_precompiled(int v, struct sock_fprog *prog)
{
	size_t	i;

	for (i = 0; i < sizeof(filter_programs) / sizeof(filter_programs[0]);
	    i++)
		if (filter_programs[i].variant == v) {
			prog->len = filter_programs[i].len;
			prog->filter = (struct sock_filter *)(uintptr_t)
			    filter_programs[i].insns;
			return 0;
		}
	return 1;
}

/*
 * Load the embedded program as libseccomp's seccomp_load would (no_new_privs
 * is set already): 0 loaded, 1 none to load, -errno.
 */
static int
filter_load_precompiled(int v, bool notify, int *listener)
{
	struct sock_fprog	prog;
	long			rc;

	if (filter_precompiled(v, &prog) != 0)
		return 1;
	rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, notify ?
	    SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, &prog);
	if (rc >= 0) {
		if (notify)
			*listener = (int)rc;
		return 0;
	}
	/* A kernel this program does not suit: libseccomp adapts. */
	if (errno == EINVAL)
		return 1;
	return -errno;
}
#endif

static int
filter_seccomp_load(const struct launch *l, bool notify, int *listener)
{
	scmp_filter_ctx	ctx;
	int		rc, v = filter_variant(l, notify);

	*listener = -1;
#ifndef FILTER_GEN
	if ((rc = filter_load_precompiled(v, notify, listener)) != 1)
		return rc;
#endif
	if ((rc = filter_ctx(v, &ctx)) != 0)
		return rc;
	rc = seccomp_load(ctx);
	if (rc == 0 && notify && (*listener = seccomp_notify_fd(ctx)) < 0)
		rc = *listener;
	seccomp_release(ctx);
	return rc;
}

/*
 * Observed, the listener goes to the supervisor.  A sandbox nested in
 * another observed srt inherits a filter with a listener already, and
 * the kernel allows one listener per filter chain (EBUSY): the inner
 * one then refuses without reporting, as an unobserved sandbox does.
 */
static int
filter_seccomp(const struct launch *l)
{
	int	rc, listener;

	rc = filter_seccomp_load(l, l->observe, &listener);
	/* libseccomp reports the kernel's EBUSY as ECANCELED. */
	if ((rc == -EBUSY || rc == -ECANCELED) && l->observe) {
		log_debug("seccomp listener taken (nested srt?): "
		    "not observed");
		rc = filter_seccomp_load(l, false, &listener);
	}
	if (rc != 0) {
		errno = -rc;
		log_warn("seccomp");
		return -1;
	}
	if (listener == -1)
		return 0;
	/* Without its supervisor every notifying call of ours would fail
	 * ENOSYS: better not to run at all. */
	rc = notify_handoff(l, listener);
	close(listener);
	if (rc == -1) {
		log_warn("observer handoff");
		return -1;
	}
	return 0;
}

/*
 * Every capability goes, the bounding set too, and the securebits are
 * locked so that exec as uid 0 (the root case) grants nothing back.
 */
int
filter_caps_drop(void)
{
	struct __user_cap_header_struct	hdr = { _LINUX_CAPABILITY_VERSION_3,
					    0 };
	struct __user_cap_data_struct	data[2];
	int				cap;

	/* EINVAL past the kernel's last capability ends the loop. */
	for (cap = 0; cap <= 63; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1) {
			if (errno == EINVAL && cap > 0)
				break;
			return -1;
		}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL)
		return -1;
	if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
	    SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
	    SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
	    SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED) == -1)
		return -1;
	memset(data, 0, sizeof(data));
	return (int)syscall(SYS_capset, &hdr, data);
}

int
filter_apply(const struct launch *l)
{
	if (filter_caps_drop() == -1) {
		log_warn("dropping capabilities");
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_warn("no_new_privs");
		return -1;
	}
	if (filter_landlock(l) == -1 || filter_seccomp(l) == -1)
		return -1;
	log_debug("command confined: no capabilities, no_new_privs, "
	    "Landlock ABI %d%s, seccomp filter", filter_landlock_abi(),
	    l->settings.allow_nested_user_namespaces ? " (not applied)" : "");
	return 0;
}

void
filter_print(const struct launch *l, FILE *fp)
{
	int	abi = filter_landlock_abi();
	size_t	i;

	fprintf(fp, "# command: capabilities none (bounding and ambient "
	    "empty), no_new_privs\n");
	if (l->settings.allow_nested_user_namespaces)
		abi = 0;	/* see filter_landlock */
	fprintf(fp, "# landlock ABI %d: %s\n", abi, abi ? "writes only "
	    "beneath:" : "not applied, mounts only");
	for (i = 0; abi && i < l->plan.nwritable; i++)
		fprintf(fp, "landlock-rw %s\n", l->plan.writable[i]);
	if (abi)
		fprintf(fp, "landlock-rw TMPDIR, /dev/shm; write-file "
		    "/dev/{null,zero,full,random,urandom,tty,ptmx,pts}, "
		    "/proc\n");
	if (abi >= 6)
		fprintf(fp, "landlock-scope signal abstract-unix-socket\n");
	fprintf(fp, "# seccomp (native arch, others killed):\n");
	if (!l->settings.net.allow_all_unix_sockets)
		fprintf(fp, "seccomp EPERM socket(AF_UNIX)%s\n",
		    !l->want_observe ? "" : " (observed: notify, answered "
		    "EPERM and reported)");
	if (l->want_observe)
		fprintf(fp, "seccomp notify (reported, then continued): "
		    "open/openat with write flags, openat2, creat, "
		    "mkdir(at), unlink(at), rmdir, rename(at)(2), link(at), "
		    "symlink(at), truncate, chmod/fchmodat(2), mknod(at), "
		    "utime(s), futimesat, utimensat\n");
	fprintf(fp, "seccomp EPERM io_uring_setup io_uring_enter "
	    "io_uring_register\n");
	if (!l->settings.allow_nested_user_namespaces)
		fprintf(fp, "sysctl user.max_user_namespaces=0 (in the "
		    "sandbox's user namespace)\n");
	if (!l->settings.allow_nested_user_namespaces)
		fprintf(fp, "seccomp EPERM unshare/clone with namespace flags, "
		    "setns, mount, umount2, pivot_root, fsopen, fsconfig, "
		    "fsmount, fspick, move_mount, open_tree, mount_setattr\n");
	fprintf(fp, "seccomp ENOSYS clone3\n");
	fprintf(fp, "seccomp EPERM ioctl TIOCSTI TIOCLINUX\n");
}
