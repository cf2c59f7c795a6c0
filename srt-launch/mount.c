/*
 * The plan's executor, run by pid 1 in the new user and mount namespaces
 * before the command exists.
 *
 * Threat model: everything here runs with full capabilities over the
 * sandbox's own namespaces and with the caller's rights on the host, and
 * the command runs later, so nothing the command does can race these
 * steps; another process of the caller's (another sandbox) could swap a
 * planned path for a symlink, so each bind is checked afterwards to sit
 * on the inode it was taken from.  The new root is built from the host
 * tree seen under /oldroot; the command never sees /oldroot, which is
 * detached before it starts.  A mount left writable is an escape, so the
 * read-only pass walks every mount of the new root in mountinfo.
 */
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libcommon/log.h"
#include "srt-launch/mount.h"
#include "srt-launch/srt-launch.h"

#define BASE	"/tmp"		/* the tmpfs the two roots hang from */

int
mount_path(char *buf, size_t len, const char *pfx, const char *path)
{
	if (snprintf(buf, len, "%s%s", pfx, strcmp(path, "/") ? path : "") >=
	    (int)len) {
		log_warnx("%s: path too long", path);
		return -1;
	}
	return 0;
}

static int
mount_do(const char *src, const char *dst, const char *type,
    unsigned long flags, const char *data)
{
	if (mount(src, dst, type, flags, data) == -1) {
		log_warn("mount %s on %s", src ? src : type ? type : "remount",
		    dst);
		return -1;
	}
	return 0;
}

/*
 * Set mount attributes, on a whole subtree at once when recursive: one
 * call instead of a remount per submount, and atomic.  Only adding
 * restrictions, which the kernel allows on the locked host mounts.
 * Without mount_setattr (before Linux 5.12) the mountinfo pass does it.
 */

static bool	mount_have_setattr = true;

static int
mount_attr(const char *dst, bool recursive, uint64_t set)
{
	struct mount_attr	a;

	if (!mount_have_setattr)
		return 0;
	memset(&a, 0, sizeof(a));
	a.attr_set = set;
	if (syscall(SYS_mount_setattr, AT_FDCWD, dst, recursive ?
	    AT_RECURSIVE : 0, &a, sizeof(a)) == 0)
		return 0;
	if (errno == ENOSYS) {
		mount_have_setattr = false;
		return 0;
	}
	log_warn("mount_setattr %s", dst);
	return -1;
}

int
mount_attr_path(const char *path, bool recursive, uint64_t set)
{
	char	dst[PATH_MAX];

	if (mount_path(dst, sizeof(dst), NEW, path) == -1)
		return -1;
	return mount_attr(dst, recursive, set);
}

/* Bind host path (or from, a path of the base) onto the same path in
 * the new root, then check that what is mounted is what was planned. */
int
mount_bind(const char *path, const char *from)
{
	char		src[PATH_MAX], dst[PATH_MAX];
	struct stat	s1, s2;

	if (from != NULL)
		strlcpy(src, from, sizeof(src));
	else if (mount_path(src, sizeof(src), OLD, path) == -1)
		return -1;
	if (mount_path(dst, sizeof(dst), NEW, path) == -1)
		return -1;
	if (mount_do(src, dst, NULL, MS_BIND | MS_REC, NULL) == -1)
		return -1;
	if (stat(src, &s1) == -1 || stat(dst, &s2) == -1 ||
	    s1.st_dev != s2.st_dev || s1.st_ino != s2.st_ino) {
		log_warnx("%s changed while the sandbox was built", path);
		return -1;
	}
	return 0;
}

/*
 * Cover a file with /dev/null on a read-only nodev mount: every open
 * fails with EACCES, so a denied file cannot be read and a protected one
 * cannot be written (a plain /dev/null would swallow the write), and git
 * passes over a character device instead of listing it as untracked.
 * Adding flags is allowed on locked mounts; the atime ones must stay.
 */
int
mount_dead_file(const char *path)
{
	char		dst[PATH_MAX];
	struct statvfs	sv;
	unsigned long	f = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NODEV |
	    MS_NOSUID | MS_NOEXEC;

	if (mount_bind(path, OLD "/dev/null") == -1 ||
	    mount_path(dst, sizeof(dst), NEW, path) == -1)
		return -1;
	if (mount_attr(dst, false, ATTR_RO | MOUNT_ATTR_NOEXEC) == -1)
		return -1;
	if (mount_have_setattr)
		return 0;
	if (statvfs(dst, &sv) == -1) {
		log_warn("statvfs %s", dst);
		return -1;
	}
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	if (!(sv.f_flag & (ST_NOATIME | ST_RELATIME)))
		f |= MS_STRICTATIME;
	return mount_do(NULL, dst, NULL, f, NULL);
}

/*
 * Cover a symlink itself with an unopenable /dev/null: mount(2) would
 * follow it, the new mount API does not (move_mount without
 * MOVE_MOUNT_T_SYMLINKS), and a mount point cannot be removed or renamed.
 */
static int
mount_lock_link(const char *path)
{
	char			dst[PATH_MAX];
	struct mount_attr	a;
	int			fd, rc;

	if (mount_path(dst, sizeof(dst), NEW, path) == -1)
		return -1;
	fd = (int)syscall(SYS_open_tree, AT_FDCWD, OLD "/dev/null",
	    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd == -1) {
		log_warn("cannot protect the symlink %s: open_tree", path);
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.attr_set = ATTR_RO | MOUNT_ATTR_NOEXEC;
	rc = (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &a,
	    sizeof(a));
	if (rc == 0)
		rc = (int)syscall(SYS_move_mount, fd, "", AT_FDCWD, dst,
		    MOVE_MOUNT_F_EMPTY_PATH);
	if (rc == -1)
		log_warn("cannot protect the symlink %s", path);
	close(fd);
	return rc;
}

int
mount_bind_ro(const char *path)
{
	if (mount_bind(path, NULL) == -1)
		return -1;
	return mount_attr_path(path, true, ATTR_RO);
}

int
mount_tmpfs(const char *path, const char *opts)
{
	char	dst[PATH_MAX];

	if (mount_path(dst, sizeof(dst), NEW, path) == -1)
		return -1;
	return mount_do("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV, opts);
}

static int
mount_mkpoint(const char *path, bool dir)
{
	char	dst[PATH_MAX];
	int	fd;

	if (mount_path(dst, sizeof(dst), NEW, path) == -1)
		return -1;
	if (dir) {
		if (mkdir(dst, 0755) == -1 && errno != EEXIST) {
			log_warn("mkdir %s", dst);
			return -1;
		}
		return 0;
	}
	if ((fd = open(dst, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) == -1) {
		log_warn("create %s", dst);
		return -1;
	}
	close(fd);
	return 0;
}

/* A minimal /dev: the usual character devices bound from the host, our
 * own devpts instance and a private /dev/shm. */
static int
mount_dev(void)
{
	static const char *const devs[] = {
		"null", "zero", "full", "random", "urandom", "tty", NULL
	};
	static const char *const links[][2] = {
		{ "pts/ptmx", NEW "/dev/ptmx" },
		{ "/proc/self/fd", NEW "/dev/fd" },
		{ "/proc/self/fd/0", NEW "/dev/stdin" },
		{ "/proc/self/fd/1", NEW "/dev/stdout" },
		{ "/proc/self/fd/2", NEW "/dev/stderr" }, { NULL, NULL }
	};
	char	p[64];
	size_t	i;

	if (mount_do("tmpfs", NEW "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC,
	    "mode=0755") == -1)
		return -1;
	for (i = 0; devs[i] != NULL; i++) {
		snprintf(p, sizeof(p), "/dev/%s", devs[i]);
		if (mount_mkpoint(p, false) == -1 || mount_bind(p, NULL) == -1)
			return -1;
	}
	if (mkdir(NEW "/dev/pts", 0755) == -1 || mkdir(NEW "/dev/shm",
	    01777) == -1)
		return -1;
	if (mount_do("devpts", NEW "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
	    "newinstance,ptmxmode=0666,mode=620") == -1 ||
	    mount_do("tmpfs", NEW "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV,
	    "mode=1777") == -1)
		return -1;
	for (i = 0; links[i][0] != NULL; i++)
		if (symlink(links[i][0], links[i][1]) == -1) {
			log_warn("symlink %s", links[i][1]);
			return -1;
		}
	return 0;
}

static int
mount_sysctl(const char *path, const char *value)
{
	ssize_t	n, len = (ssize_t)strlen(value);
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return -1;
	n = write(fd, value, len);
	close(fd);
	return n == len ? 0 : -1;
}

/*
 * A fresh /proc of the sandbox's pid namespace.  Its global knobs are
 * bound onto themselves so that the read-only pass covers them: sysctl
 * files check only the uid, and a caller running srt as root is uid 0 on
 * the host too, so /proc/sys/kernel would otherwise be writable.  Only
 * then: the uid check keeps any other caller out, and the kernel lets a
 * nested sandbox mount its own /proc only while this one has nothing
 * mounted over it.
 */
static int
mount_proc(const struct launch *l)
{
	static const char *const knobs[] = {
		"sys", "sysrq-trigger", "irq", "bus", "fs", NULL
	};
	char	p[64];
	size_t	i;

	if (mount_do("proc", NEW "/proc", "proc", MS_NOSUID | MS_NODEV |
	    MS_NOEXEC, NULL) == -1)
		return -1;
	/* A second lock on nested user namespaces besides seccomp, as the
	 * reference: the limit belongs to our user namespace. */
	if (!l->settings.allow_nested_user_namespaces &&
	    mount_sysctl(NEW "/proc/sys/user/max_user_namespaces", "0") == -1)
		log_debug("user.max_user_namespaces left as it is");
	if (l->uid != 0)
		return 0;	/* the uid check keeps a user out */
	for (i = 0; knobs[i] != NULL; i++) {
		snprintf(p, sizeof(p), NEW "/proc/%s", knobs[i]);
		if (access(p, F_OK) == -1)
			continue;
		if (mount_do(p, p, NULL, MS_BIND | MS_REC, NULL) == -1 ||
		    mount_attr(p, true, ATTR_RO) == -1)
			return -1;
	}
	return 0;
}

static int
mount_op(struct launch *l, const struct plan_op *op)
{
	switch (op->type) {
	case PLAN_ROOT:
		return 0;	/* the recursive bind made first */
	case PLAN_BIND_RO:
		return hold_protect(l, op);
	case PLAN_BIND_RW:
	case PLAN_PIN:
		if (mount_bind(op->path, NULL) == -1)
			return -1;
		return mount_attr_path(op->path, true, ATTR_NODEV_NOSUID);
	case PLAN_HIDE_DIR:
		return mount_tmpfs(op->path, "mode=0755,size=64k");
	case PLAN_HIDE_FILE:
		return mount_dead_file(op->path);
	case PLAN_MKDIR:
	case PLAN_MKFILE:
		return mount_mkpoint(op->path, op->type == PLAN_MKDIR);
	case PLAN_HOLD_DIR:
	case PLAN_HOLD_FILE:
		return hold_make(l, op->path, op->type == PLAN_HOLD_DIR);
	case PLAN_LOCK_LINK:
		return mount_lock_link(op->path);
	case PLAN_DEV:
		return mount_dev();
	case PLAN_PROC:
		return mount_proc(l);
	case PLAN_TMPDIR:
		return hold_tmpdir(l);
	}
	return -1;
}

/* Undo mountinfo's octal escapes (\040 and friends) in place. */
static void
mount_unescape(char *s)
{
	char	*d = s;

	for (; *s; s++, d++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
			    (s[3] - '0'));
			s += 3;
		} else
			*d = *s;
	}
	*d = '\0';
}

/* The flags a remount must repeat: in a user namespace the kernel
 * refuses to clear nosuid, nodev, noexec or change atime handling on
 * mounts inherited from the host (they are locked). */
static unsigned long
mount_flags(const char *opts, bool *ro)
{
	char		 buf[512], *o, *save = NULL;
	unsigned long	 f = 0;
	bool		 atime = false;

	*ro = false;
	strlcpy(buf, opts, sizeof(buf));
	for (o = strtok_r(buf, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		if (strcmp(o, "ro") == 0)
			*ro = true;
		else if (strcmp(o, "nosuid") == 0)
			f |= MS_NOSUID;
		else if (strcmp(o, "nodev") == 0)
			f |= MS_NODEV;
		else if (strcmp(o, "noexec") == 0)
			f |= MS_NOEXEC;
		else if (strcmp(o, "noatime") == 0)
			f |= MS_NOATIME, atime = true;
		else if (strcmp(o, "nodiratime") == 0)
			f |= MS_NODIRATIME;
		else if (strcmp(o, "relatime") == 0)
			f |= MS_RELATIME, atime = true;
	}
	if (!atime)
		f |= MS_STRICTATIME;
	return f;
}

static bool
mount_is_ours(const struct launch *l, const char *p)
{
	size_t	n = strlen(l->tmpdir);

	if (strncmp(p, "/dev", 4) == 0 && (p[4] == '\0' || p[4] == '/'))
		return true;
	if (strcmp(p, "/proc") == 0)
		return true;
	return n > 0 && strncmp(p, l->tmpdir, n) == 0 &&
	    (p[n] == '\0' || p[n] == '/');
}

/*
 * One mountinfo line: remount read-only unless the plan wants it rw, and
 * nodev and nosuid whatever the plan says.  Host mounts copied into the
 * namespace keep working device nodes, and a root caller's command is
 * host uid 0: a stray block device node outside /dev (a chroot, a
 * container's rootfs) would otherwise open for writing on any mount.
 */
static int
mount_ro_line(struct launch *l, char *line)
{
	char		*f[6], *save = NULL, *p;
	unsigned long	 flags;
	bool		 ro, want_ro;
	int		 i;

	for (i = 0, p = strtok_r(line, " ", &save); i < 6 && p != NULL;
	    i++, p = strtok_r(NULL, " ", &save))
		f[i] = p;
	if (i < 6)
		return 0;
	mount_unescape(f[4]);
	if (strncmp(f[4], NEW, strlen(NEW)) != 0 ||
	    (f[4][strlen(NEW)] != '\0' && f[4][strlen(NEW)] != '/'))
		return 0;
	p = f[4][strlen(NEW)] ? f[4] + strlen(NEW) : "/";
	if (mount_is_ours(l, p))
		return 0;
	flags = mount_flags(f[5], &ro);
	want_ro = ro || !plan_writable_at(&l->plan, p);
	if (ro == want_ro && (flags & (MS_NODEV | MS_NOSUID)) ==
	    (MS_NODEV | MS_NOSUID))
		return 0;
	flags |= MS_REMOUNT | MS_BIND | MS_NODEV | MS_NOSUID;
	if (want_ro)
		flags |= MS_RDONLY;
	if (mount(NULL, f[4], NULL, flags, NULL) == -1) {
		/* Buried under a later mount: unreachable by path. */
		if (errno == ENOENT || errno == ENOTDIR || errno == EACCES)
			return 0;
		log_warn("remount %s%s", p, want_ro ? " read-only" : "");
		return -1;
	}
	return 0;
}

static int
mount_readonly_pass(struct launch *l)
{
	FILE	*fp;
	char	*line = NULL;
	size_t	 cap = 0;
	int	 rc = 0;

	if ((fp = fopen(OLD "/proc/self/mountinfo", "re")) == NULL) {
		log_warn("mountinfo");
		return -1;
	}
	while (rc == 0 && getline(&line, &cap, fp) != -1) {
		line[strcspn(line, "\n")] = '\0';
		rc = mount_ro_line(l, line);
	}
	free(line);
	fclose(fp);
	return rc;
}

static int
mount_pivot(const char *new_root, const char *put_old)
{
	return (int)syscall(SYS_pivot_root, new_root, put_old);
}

/*
 * Hang the host root and the new root from a private tmpfs.  The copy of
 * the host tree is made read-only, nodev and nosuid in one recursive
 * call: every submount, however many.
 */
static int
mount_base(struct launch *l)
{
	if (mount_do(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1 ||
	    mount_do("tmpfs", BASE, "tmpfs", MS_NOSUID | MS_NODEV,
	    "mode=0700") == -1)
		return -1;
	if (mkdir(BASE OLD, 0700) == -1 || mkdir(BASE NEW, 0700) == -1 ||
	    mount_pivot(BASE, BASE OLD) == -1 || chdir("/") == -1) {
		log_warn("pivot_root to the base tmpfs");
		return -1;
	}
	if (mount_do(OLD, NEW, NULL, MS_BIND | MS_REC, NULL) == -1)
		return -1;
	return mount_attr(NEW, true, plan_writable_at(&l->plan, "/") ?
	    ATTR_NODEV_NOSUID : ATTR_RO);
}

/* Hiding directories were writable for their mount points until now. */
static int
mount_seal(struct launch *l)
{
	size_t	i;

	for (i = 0; i < l->plan.n; i++)
		if (l->plan.v[i].type == PLAN_HIDE_DIR &&
		    mount_attr_path(l->plan.v[i].path, false, ATTR_RO) == -1)
			return -1;
	return 0;
}

/*
 * Enter the new root and drop the old one: pivot_root(".", ".") stacks
 * the old root on top of the new one and the lazy unmount takes it away
 * (the trick runc and LXC use); only pid 1's placeholder fds keep it.
 */
static int
mount_enter(void)
{
	if (chdir(NEW) == -1 || mount_pivot(".", ".") == -1 ||
	    umount2(".", MNT_DETACH) == -1 || chdir("/") == -1) {
		log_warn("pivot_root to the new root");
		return -1;
	}
	return 0;
}

int
mount_build(struct launch *l)
{
	size_t	i;

	if (mount_base(l) == -1)
		return -1;
	for (i = 0; i < l->plan.n; i++) {
		log_debug("%s %s", plan_op_name(l->plan.v[i].type),
		    l->plan.v[i].path);
		if (mount_op(l, &l->plan.v[i]) == -1)
			goto fail;
	}
	if (mount_seal(l) == -1)
		goto fail;
	/* Kernels without mount_setattr: remount each mount by hand. */
	if (!mount_have_setattr && mount_readonly_pass(l) == -1)
		goto fail;
	if (mount_enter() == 0)
		return 0;
fail:
	/* Nothing left mounted on a placeholder: cleanup can remove it. */
	(void)umount2(NEW, MNT_DETACH);
	return -1;
}

/*
 * After every process of the sandbox is gone: remove what we created,
 * unless another sandbox still holds it (its shared lock makes the
 * upgrade to exclusive fail).
 */
