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
#include <sys/file.h>
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
#include "srt-launch/srt-launch.h"

#define BASE	"/tmp"		/* the tmpfs the two roots hang from */
#define OLD	"/oldroot"
#define NEW	"/newroot"

static int
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
#define ATTR_NODEV_NOSUID	(MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID)
#define ATTR_RO			(MOUNT_ATTR_RDONLY | ATTR_NODEV_NOSUID)

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

static int
mount_attr_path(const char *path, bool recursive, uint64_t set)
{
	char	dst[PATH_MAX];

	if (mount_path(dst, sizeof(dst), NEW, path) == -1)
		return -1;
	return mount_attr(dst, recursive, set);
}

/* Bind host path (or from, a path of the base) onto the same path in
 * the new root, then check that what is mounted is what was planned. */
static int
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
static int
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

static int
mount_bind_ro(const char *path)
{
	if (mount_bind(path, NULL) == -1)
		return -1;
	return mount_attr_path(path, true, ATTR_RO);
}

static int
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

/*
 * Placeholders live on the host only while sandboxes use them.  One is
 * an empty file of mode 0400 or an empty directory of mode 0500, a mark
 * no real dotfile carries, and every sandbox using it holds a shared
 * flock on it: two sandboxes in one project share the placeholders, and
 * the last one out removes them.  Removing one still in use would undo
 * the other sandbox's protection, since the kernel detaches mounts on a
 * dentry that is unlinked.  pid 1 removes them at the end
 * (mount_cleanup), whether the command exited, was killed or the
 * launcher died, and only if they are still the inode it held.
 */
#define HOLD_FILE_MODE	PLAN_HOLD_FILE_MODE
#define HOLD_DIR_MODE	PLAN_HOLD_DIR_MODE

static struct hold *
mount_hold_new(struct launch *l, const char *path)
{
	char		 par[PATH_MAX], *slash;
	struct hold	*h, *nv, *prev;
	size_t		 plen;

	nv = reallocarray(l->holds, l->nholds + 1, sizeof(*nv));
	if (nv == NULL)
		return NULL;
	l->holds = nv;
	h = &l->holds[l->nholds];
	memset(h, 0, sizeof(*h));
	h->lockfd = -1;
	if (mount_path(par, sizeof(par), OLD, path) == -1)
		return NULL;
	slash = strrchr(par, '/');
	*slash = '\0';
	if ((h->path = strdup(path)) == NULL ||
	    (h->name = strdup(strrchr(path, '/') + 1)) == NULL)
		return NULL;
	/* Placeholders mostly share a directory: share its descriptor. */
	plen = strlen(path) - strlen(h->name);
	prev = l->nholds > 0 ? &l->holds[l->nholds - 1] : NULL;
	if (prev != NULL && strlen(prev->path) - strlen(prev->name) == plen &&
	    strncmp(prev->path, path, plen) == 0) {
		h->parentfd = prev->parentfd;
		h->sharedfd = true;
		return h;
	}
	h->parentfd = open(par, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (h->parentfd == -1) {
		log_warn("open %s", par);
		return NULL;
	}
	return h;
}

static void
mount_hold_drop(struct hold *h)
{
	if (h->lockfd != -1)
		close(h->lockfd);
	if (!h->sharedfd)
		close(h->parentfd);
	free(h->path);
	free(h->name);
	h->path = h->name = NULL;
}

static bool
mount_is_mark(const struct stat *st, bool dir)
{
	if (dir)
		return S_ISDIR(st->st_mode) &&
		    (st->st_mode & 07777) == HOLD_DIR_MODE;
	return S_ISREG(st->st_mode) && st->st_size == 0 &&
	    (st->st_mode & 07777) == HOLD_FILE_MODE;
}

static int
mount_hold_flock(int fd, int op)
{
	while (flock(fd, op) == -1)
		if (errno != EINTR)
			return -1;
	return 0;
}

/*
 * Share an existing placeholder: lock it, then check the name still
 * refers to it, since its last user may have removed it meanwhile.
 * 1 held, 0 not a placeholder (or gone), -1 error.
 */
static int
mount_hold_share(struct hold *h)
{
	struct stat	st, st2;

	h->lockfd = openat(h->parentfd, h->name, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC | O_NONBLOCK | (h->dir ? O_DIRECTORY : 0));
	if (h->lockfd == -1)
		return errno == ENOENT || errno == ELOOP ||
		    errno == ENOTDIR ? 0 : -1;
	if (fstat(h->lockfd, &st) == -1 || !mount_is_mark(&st, h->dir))
		return 0;
	if (mount_hold_flock(h->lockfd, LOCK_SH) == -1)
		return -1;
	if (fstatat(h->parentfd, h->name, &st2, AT_SYMLINK_NOFOLLOW) == -1 ||
	    st2.st_dev != st.st_dev || st2.st_ino != st.st_ino)
		return 0;
	h->dev = st.st_dev;
	h->ino = st.st_ino;
	return 1;
}

/*
 * A file placeholder as a hard link to an earlier one: one inode for
 * them all.  Creating an inode costs far more than a link (here, on
 * ext4, 0.6 ms against 0.03), and a writable root usually needs eleven.
 * -1 when it cannot be linked (another file system): a new inode then.
 */
static int
mount_hold_link(struct hold *h, const struct hold *seed)
{
	struct stat	st;

	if (seed == NULL || linkat(seed->parentfd, seed->name, h->parentfd,
	    h->name, 0) == -1)
		return -1;
	h->lockfd = openat(h->parentfd, h->name, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC);
	if (h->lockfd == -1 || fstat(h->lockfd, &st) == -1 ||
	    st.st_dev != seed->dev || st.st_ino != seed->ino ||
	    mount_hold_flock(h->lockfd, LOCK_SH) == -1)
		return -2;
	h->dev = st.st_dev;
	h->ino = st.st_ino;
	return 0;
}

/* Make a new placeholder, locked from the start.  -1 with EEXIST when
 * something is there already. */
static int
mount_hold_create(struct hold *h, const struct hold *seed)
{
	struct stat	st;
	mode_t		mode = h->dir ? HOLD_DIR_MODE : HOLD_FILE_MODE;
	int		rc;

	if (h->dir) {
		if (mkdirat(h->parentfd, h->name, mode) == -1)
			return -1;
		h->lockfd = openat(h->parentfd, h->name, O_RDONLY |
		    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	} else {
		if ((rc = mount_hold_link(h, seed)) == 0)
			return 0;
		if (rc == -2 || errno == EEXIST)
			return -1;
		h->lockfd = openat(h->parentfd, h->name, O_CREAT | O_EXCL |
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC, mode);
	}
	if (h->lockfd == -1)
		return -1;
	/* The umask must not change the mark. */
	if (fchmod(h->lockfd, mode) == -1 ||
	    mount_hold_flock(h->lockfd, LOCK_SH) == -1 ||
	    fstat(h->lockfd, &st) == -1)
		return -1;
	h->dev = st.st_dev;
	h->ino = st.st_ino;
	h->seed = true;
	return 0;
}

/*
 * Protect a path with a placeholder: create one, or share the one
 * another sandbox made.  A real file or directory found there instead
 * is simply bound read-only, and never removed.
 */
static int
mount_hold(struct launch *l, const char *path, bool dir)
{
	struct hold	*h, *seed = NULL;
	size_t		 i;
	int		 tries, rc = 0;

	if ((h = mount_hold_new(l, path)) == NULL)
		return -1;
	h->dir = dir;
	/* After mount_hold_new: it may move the array. */
	for (i = l->nholds; i-- > 0 && seed == NULL;)
		if (l->holds[i].seed && !l->holds[i].dir)
			seed = &l->holds[i];
	for (tries = 0; tries < 3; tries++) {
		if (mount_hold_create(h, seed) == 0)
			break;
		if (errno != EEXIST)
			goto fail;
		if ((rc = mount_hold_share(h)) != 0)
			break;
		if (h->lockfd != -1) {
			close(h->lockfd);
			h->lockfd = -1;
		}
		if (faccessat(h->parentfd, h->name, F_OK,
		    AT_SYMLINK_NOFOLLOW) == 0)
			tries = 3;	/* a real one, not a placeholder */
	}
	if (rc == -1)
		goto fail;
	if (tries == 3) {
		mount_hold_drop(h);
		return mount_bind_ro(path);
	}
	l->nholds++;
	if (dir)
		return mount_tmpfs(path, "mode=0555,size=4k,nr_inodes=1") ||
		    mount_attr_path(path, false, ATTR_RO);
	return mount_dead_file(path);
fail:
	log_warn("placeholder %s", path);
	mount_hold_drop(h);
	return -1;
}

/* An existing protected path may be another sandbox's placeholder. */
static int
mount_protect(struct launch *l, const struct plan_op *op)
{
	char		src[PATH_MAX];
	struct stat	st;

	if (mount_path(src, sizeof(src), OLD, op->path) == 0 &&
	    lstat(src, &st) == 0 && (mount_is_mark(&st, false) ||
	    mount_is_mark(&st, true)))
		return mount_hold(l, op->path, S_ISDIR(st.st_mode));
	return mount_bind_ro(op->path);
}

/*
 * The private TMPDIR is a tmpfs of the sandbox's own: what the command
 * writes there never reaches the host, and dies with the mount namespace
 * even if everything else fails.  Only its empty mount point exists on
 * the host, for the run.  The launcher picked its name (it removes it
 * after pid 1 is gone); mkdir refuses one that exists.  (The reference
 * points TMPDIR at a shared /tmp/claude on the host.)
 */
static int
mount_tmpdir(struct launch *l)
{
	char		 dir[PATH_MAX];
	struct hold	*h;
	struct stat	 st;

	if (mount_path(dir, sizeof(dir), OLD, l->tmpdir) == -1 ||
	    mkdir(dir, 0700) == -1) {
		log_warn("TMPDIR %s", l->tmpdir);
		return -1;
	}
	if ((h = mount_hold_new(l, l->tmpdir)) == NULL ||
	    fstatat(h->parentfd, h->name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	h->dir = true;
	h->lockfd = -1;
	h->dev = st.st_dev;
	h->ino = st.st_ino;
	l->nholds++;
	return mount_tmpfs(l->tmpdir, "mode=0700");
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
		return mount_protect(l, op);
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
		return mount_hold(l, op->path, op->type == PLAN_HOLD_DIR);
	case PLAN_LOCK_LINK:
		return mount_lock_link(op->path);
	case PLAN_DEV:
		return mount_dev();
	case PLAN_PROC:
		return mount_proc(l);
	case PLAN_TMPDIR:
		return mount_tmpdir(l);
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
/* Remove one placeholder (still ours), unmounting it if need be. */
static int
mount_cleanup_one(const struct hold *h)
{
	struct stat	st;
	int		flag = h->dir ? AT_REMOVEDIR : 0;

	if (fstatat(h->parentfd, h->name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    st.st_dev != h->dev || st.st_ino != h->ino)
		return 0;	/* not ours any more */
	if (unlinkat(h->parentfd, h->name, flag) == 0)
		return 0;
	if (errno == EBUSY && umount2(h->path, MNT_DETACH) == 0 &&
	    unlinkat(h->parentfd, h->name, flag) == 0)
		return 0;
	return -1;
}

void
mount_cleanup(struct launch *l)
{
	size_t	i;

	/* Detaching the writable roots takes every placeholder mount
	 * beneath them along, in one call each. */
	for (i = 0; i < l->plan.n; i++)
		if (l->plan.v[i].type == PLAN_BIND_RW)
			(void)umount2(l->plan.v[i].path, MNT_DETACH);
	/* Linked placeholders share an inode: our own shared locks on it
	 * would refuse each other's upgrade, so all go first. */
	for (i = 0; i < l->nholds; i++)
		if (l->holds[i].lockfd != -1)
			(void)flock(l->holds[i].lockfd, LOCK_UN);
	for (i = l->nholds; i-- > 0;) {
		struct hold	*h = &l->holds[i];

		if (h->lockfd != -1 &&
		    flock(h->lockfd, LOCK_EX | LOCK_NB) == -1)
			continue;	/* still in use by another sandbox */
		if (mount_cleanup_one(h) == -1)
			log_warn("removing %s", h->path);
		if (h->lockfd != -1)
			(void)flock(h->lockfd, LOCK_UN);
	}
}
/*
 * The launcher's cleanup, on the host once pid 1 and its mount namespace
 * are gone: the placeholders are plain files there, cheap to remove,
 * where pid 1 would have to unmount each first.  The same rule: only a
 * marked placeholder, only if no other sandbox holds it.
 */
static void
mount_host_remove(const char *path)
{
	struct stat	st, st2;
	int		fd;

	/* Never open what is not a placeholder (a device, a fifo). */
	if (lstat(path, &st) == -1 || (!mount_is_mark(&st, false) &&
	    !mount_is_mark(&st, true)))
		return;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return;
	if (fstat(fd, &st) == 0 && (mount_is_mark(&st, false) ||
	    mount_is_mark(&st, true)) && flock(fd, LOCK_EX | LOCK_NB) == 0 &&
	    lstat(path, &st2) == 0 && st2.st_dev == st.st_dev &&
	    st2.st_ino == st.st_ino &&
	    (S_ISDIR(st.st_mode) ? rmdir(path) : unlink(path)) == -1)
		log_warn("removing %s", path);
	close(fd);
}

void
mount_cleanup_host(const struct launch *l)
{
	size_t	i;

	if (l->tmpdir[0] != '\0' && rmdir(l->tmpdir) == -1 &&
	    errno != ENOENT)
		log_warn("removing %s", l->tmpdir);
	for (i = l->plan.n; i-- > 0;) {
		switch (l->plan.v[i].type) {
		case PLAN_HOLD_FILE:
		case PLAN_HOLD_DIR:
		case PLAN_BIND_RO:
			mount_host_remove(l->plan.v[i].path);
			break;
		default:
			break;
		}
	}
}
