/*
 * Placeholders for protected paths that do not exist, and the private
 * TMPDIR's mount point: the only things srt-launch creates on the host,
 * all removed at the end.
 *
 * Threat model: placeholders are made by pid 1 before the command runs
 * and are mount points inside the sandbox, so the command can neither
 * remove nor rename them (EBUSY) nor open them (an unopenable /dev/null
 * or an empty read-only directory).  Other processes of the caller's on
 * the host can do anything to them, so each is checked to be the inode
 * we made (or a marked one we share) before it is removed, and the name
 * is never followed through a symlink.
 */
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>

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

/*
 * Placeholders live on the host only while sandboxes use them.  One is
 * an empty file of mode 0400 or an empty directory of mode 0500, a mark
 * no real dotfile carries, and every sandbox using it holds a shared
 * flock on it: two sandboxes in one project share the placeholders, and
 * the last one out removes them.  Removing one still in use would undo
 * the other sandbox's protection, since the kernel detaches mounts on a
 * dentry that is unlinked.  The launcher removes them at the end, on
 * the host (hold_cleanup_host), or pid 1 when the launcher died
 * (hold_cleanup), and only if they are still the inode that was held.
 */
#define HOLD_FILE_MODE	PLAN_HOLD_FILE_MODE
#define HOLD_DIR_MODE	PLAN_HOLD_DIR_MODE

static struct hold *
hold_new(struct launch *l, const char *path)
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
hold_drop(struct hold *h)
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
hold_is_mark(const struct stat *st, bool dir)
{
	if (dir)
		return S_ISDIR(st->st_mode) &&
		    (st->st_mode & 07777) == HOLD_DIR_MODE;
	return S_ISREG(st->st_mode) && st->st_size == 0 &&
	    (st->st_mode & 07777) == HOLD_FILE_MODE;
}

static int
hold_flock(int fd, int op)
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
hold_share(struct hold *h)
{
	struct stat	st, st2;

	h->lockfd = openat(h->parentfd, h->name, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC | O_NONBLOCK | (h->dir ? O_DIRECTORY : 0));
	if (h->lockfd == -1)
		return errno == ENOENT || errno == ELOOP ||
		    errno == ENOTDIR ? 0 : -1;
	if (fstat(h->lockfd, &st) == -1 || !hold_is_mark(&st, h->dir))
		return 0;
	if (hold_flock(h->lockfd, LOCK_SH) == -1)
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
hold_link(struct hold *h, const struct hold *seed)
{
	struct stat	st;

	if (seed == NULL || linkat(seed->parentfd, seed->name, h->parentfd,
	    h->name, 0) == -1)
		return -1;
	h->lockfd = openat(h->parentfd, h->name, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC);
	if (h->lockfd == -1 || fstat(h->lockfd, &st) == -1 ||
	    st.st_dev != seed->dev || st.st_ino != seed->ino ||
	    hold_flock(h->lockfd, LOCK_SH) == -1)
		return -2;
	h->dev = st.st_dev;
	h->ino = st.st_ino;
	return 0;
}

/* Make a new placeholder, locked from the start.  -1 with EEXIST when
 * something is there already. */
static int
hold_create(struct hold *h, const struct hold *seed)
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
		if ((rc = hold_link(h, seed)) == 0)
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
	    hold_flock(h->lockfd, LOCK_SH) == -1 ||
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
int
hold_make(struct launch *l, const char *path, bool dir)
{
	struct hold	*h, *seed = NULL;
	size_t		 i;
	int		 tries, rc = 0;

	if ((h = hold_new(l, path)) == NULL)
		return -1;
	h->dir = dir;
	/*
	 * Only a seed in the same directory (after hold_new: it may move
	 * the array): every sandbox that uses one of a directory's
	 * placeholders uses them all, so the last one out removes every name
	 * of the inode.  Across directories a sandbox using only one would
	 * keep the other's names alive, and leave them behind.
	 */
	for (i = l->nholds; i-- > 0 && seed == NULL;)
		if (l->holds[i].seed && !l->holds[i].dir &&
		    l->holds[i].parentfd == h->parentfd)
			seed = &l->holds[i];
	for (tries = 0; tries < 3; tries++) {
		if (hold_create(h, seed) == 0)
			break;
		if (errno != EEXIST)
			goto fail;
		if ((rc = hold_share(h)) != 0)
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
		hold_drop(h);
		return mount_bind_ro(path);
	}
	l->nholds++;
	if (dir)
		return mount_tmpfs(path, "mode=0555,size=4k,nr_inodes=1") ||
		    mount_attr_path(path, false, ATTR_RO);
	return mount_dead_file(path);
fail:
	log_warn("placeholder %s", path);
	hold_drop(h);
	return -1;
}

/* An existing protected path may be another sandbox's placeholder. */
int
hold_protect(struct launch *l, const struct plan_op *op)
{
	char		src[PATH_MAX];
	struct stat	st;

	if (mount_path(src, sizeof(src), OLD, op->path) == 0 &&
	    lstat(src, &st) == 0 && (hold_is_mark(&st, false) ||
	    hold_is_mark(&st, true)))
		return hold_make(l, op->path, S_ISDIR(st.st_mode));
	return mount_bind_ro(op->path);
}

/*
 * TMPDIR's size: the kernel's default for a tmpfs is half of RAM, which a
 * runaway command would take from the host.  A quarter of RAM, at most
 * HOLD_TMPDIR_MAX, unless SRT_TMPDIR_SIZE says otherwise (ours: the
 * settings file is the reference's).  Threat model: the value goes into
 * the mount options, so it is a number with one unit letter or a percent
 * sign and nothing else (no comma can add an option).
 */
#define HOLD_TMPDIR_MAX	(4ULL << 30)

static int
hold_tmpdir_size(const char *env, char *buf, size_t len)
{
	unsigned long long	 ram;
	long			 pages, psz;
	size_t			 n;

	if (env == NULL || *env == '\0') {
		pages = sysconf(_SC_PHYS_PAGES);
		psz = sysconf(_SC_PAGESIZE);
		ram = pages > 0 && psz > 0 ? (unsigned long long)pages *
		    (unsigned long long)psz / 4 : HOLD_TMPDIR_MAX;
		if (ram > HOLD_TMPDIR_MAX)
			ram = HOLD_TMPDIR_MAX;
		return snprintf(buf, len, "%lluk", ram >> 10) >= (int)len ?
		    -1 : 0;
	}
	n = strspn(env, "0123456789");
	if (n == 0 || n > 15 || (env[n] != '\0' &&
	    (strchr("kKmMgG%", env[n]) == NULL || env[n + 1] != '\0')))
		return -1;
	return strlcpy(buf, env, len) >= len ? -1 : 0;
}

/*
 * The private TMPDIR is a tmpfs of the sandbox's own: what the command
 * writes there never reaches the host, and dies with the mount namespace
 * even if everything else fails.  Only its empty mount point exists on
 * the host, for the run.  The launcher picked its name (it removes it
 * after pid 1 is gone); mkdir refuses one that exists.  (The reference
 * points TMPDIR at a shared /tmp/claude on the host.)
 */
int
hold_tmpdir(struct launch *l)
{
	char		 dir[PATH_MAX], size[32], opts[64];
	struct hold	*h;
	struct stat	 st;

	if (mount_path(dir, sizeof(dir), OLD, l->tmpdir) == -1 ||
	    mkdir(dir, 0700) == -1) {
		log_warn("cannot create the private TMPDIR's mount point %s "
		    "(set TMPDIR to a writable directory)", l->tmpdir);
		return -1;
	}
	if ((h = hold_new(l, l->tmpdir)) == NULL ||
	    fstatat(h->parentfd, h->name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	h->dir = true;
	h->lockfd = -1;
	h->dev = st.st_dev;
	h->ino = st.st_ino;
	l->nholds++;
	/* Under a denyRead the mount point is in our empty tmpfs, not on
	 * the host: make it there too. */
	if (mount_path(dir, sizeof(dir), NEW, l->tmpdir) == -1 ||
	    (mkdir(dir, 0700) == -1 && errno != EEXIST)) {
		log_warn("cannot create the private TMPDIR %s in the "
		    "sandbox", l->tmpdir);
		return -1;
	}
	if (hold_tmpdir_size(getenv("SRT_TMPDIR_SIZE"), size,
	    sizeof(size)) == -1) {
		log_warnx("SRT_TMPDIR_SIZE=%s: expected a size such as 512m, "
		    "2g or 10%%", getenv("SRT_TMPDIR_SIZE"));
		return -1;
	}
	snprintf(opts, sizeof(opts), "mode=0700,size=%s", size);
	return mount_tmpfs(l->tmpdir, opts);
}

/* Remove one placeholder (still ours), unmounting it if need be. */
static int
hold_remove_one(const struct hold *h)
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
hold_cleanup(struct launch *l)
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
		if (hold_remove_one(h) == -1)
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
void
hold_host_remove(const char *path)
{
	struct stat	st, st2;
	int		fd;

	/* Never open what is not a placeholder (a device, a fifo). */
	if (lstat(path, &st) == -1 || (!hold_is_mark(&st, false) &&
	    !hold_is_mark(&st, true)))
		return;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return;
	if (fstat(fd, &st) == 0 && (hold_is_mark(&st, false) ||
	    hold_is_mark(&st, true)) && flock(fd, LOCK_EX | LOCK_NB) == 0 &&
	    lstat(path, &st2) == 0 && st2.st_dev == st.st_dev &&
	    st2.st_ino == st.st_ino &&
	    (S_ISDIR(st.st_mode) ? rmdir(path) : unlink(path)) == -1)
		log_warn("removing %s", path);
	close(fd);
}

/*
 * TMPDIR's mount point.  On the host it is a plain empty directory once
 * pid 1 is reaped (a mount in another namespace does not pin it), but a
 * busy one is retried for a while rather than left behind: nothing else
 * removes it later.
 */
static void
hold_host_tmpdir(const struct launch *l)
{
	int	tries;

	if (l->tmpdir[0] == '\0')
		return;
	for (tries = 0; rmdir(l->tmpdir) == -1; tries++) {
		if (errno == ENOENT)
			return;
		if (errno != EBUSY || tries == 50) {
			log_warn("removing %s", l->tmpdir);
			return;
		}
		usleep(10000);
	}
}

void
hold_cleanup_host(struct launch *l)
{
	size_t	i;

	if (l->host_clean)
		return;
	l->host_clean = true;
	hold_host_tmpdir(l);
	for (i = l->plan.n; i-- > 0;) {
		switch (l->plan.v[i].type) {
		case PLAN_HOLD_FILE:
		case PLAN_HOLD_DIR:
		case PLAN_BIND_RO:
			hold_host_remove(l->plan.v[i].path);
			break;
		default:
			break;
		}
	}
}
