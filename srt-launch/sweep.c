/*
 * Run records, and the sweep of what a run killed outright left behind.
 *
 * A run ends by removing the private TMPDIR's mount point and its
 * placeholders (hold.c): the launcher does, or pid 1 when the launcher
 * died.  A SIGKILL of both leaves them on the host.  So each run writes,
 * before the clone, a record naming them into a directory of the
 * caller's, and holds an exclusive flock on it for as long as the
 * launcher or pid 1 lives (pid 1 inherits the descriptor, the command
 * does not).  The kernel drops the lock when both are gone, however they
 * died, and never while one lives: pid reuse cannot fool it.  Each later
 * srt-launch tries the lock of every record there; one it gets belongs
 * to a run that is over, and the things it names are removed under the
 * rules of the normal end.
 *
 * Threat model: a record is read back as the caller, so a forged one
 * would make srt delete files for whoever wrote it.  The directory is
 * the caller's own, mode 0700, checked through its descriptor (not a
 * symlink, not another user's); a run whose sandbox could write to it
 * records nothing, and a path with a newline (which could add a line)
 * is not recorded.  Even a forged record can only get removed what
 * holds no data: a marked placeholder (an empty file of mode 0400 or an
 * empty directory of mode 0500, ours, held by no live sandbox, checked
 * by inode after the lock, the name never followed: hold_host_remove),
 * or an empty directory srt.XXXXXXXXXX of mode 0700 that is ours.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libcommon/log.h"
#include "srt-launch/srt-launch.h"

#define SWEEP_PREFIX	"run."
#define SWEEP_MAX	(256 * 1024)	/* bytes in one record */
#define SWEEP_MAGIC	"srt-run 1\n"

/* XDG_RUNTIME_DIR/srt when that is the caller's, else /tmp/srt-runs.UID. */
static int
sweep_path(char *buf, size_t len)
{
	const char	*x = getenv("XDG_RUNTIME_DIR");
	struct stat	 st;

	if (x != NULL && x[0] == '/' && stat(x, &st) == 0 &&
	    S_ISDIR(st.st_mode) && st.st_uid == getuid())
		return snprintf(buf, len, "%s/srt", x) >= (int)len ? -1 : 0;
	return snprintf(buf, len, "/tmp/srt-runs.%u", (unsigned)getuid()) >=
	    (int)len ? -1 : 0;
}

/*
 * The records' directory, only if it is ours, private and writable.
 * Writability is asked first (access is no write): inside a sandbox,
 * where the host's directory is read-only, a nested srt-launch would
 * otherwise try writes the outer sandbox reports as violations.
 */
static int
sweep_dirfd(const char *path, bool create)
{
	struct stat	st;
	char		parent[PATH_MAX], *slash;
	int		fd;

	if (create) {
		strlcpy(parent, path, sizeof(parent));
		if ((slash = strrchr(parent, '/')) != NULL && slash != parent)
			*slash = '\0';
		if (access(parent, W_OK | X_OK) == -1 ||
		    (mkdir(path, 0700) == -1 && errno != EEXIST))
			return -1;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return -1;
	if (faccessat(fd, ".", W_OK | X_OK, AT_EACCESS) == -1) {
		close(fd);
		return -1;
	}
	if (fstat(fd, &st) == -1 || st.st_uid != getuid() ||
	    (st.st_mode & 077) != 0) {
		log_debug("%s: not a private directory of uid %u; no run "
		    "records", path, (unsigned)getuid());
		close(fd);
		return -1;
	}
	return fd;
}

static bool
sweep_is_tmpdir_name(const char *base)
{
	size_t	i;

	if (strncmp(base, "srt.", 4) != 0 || strlen(base) != 14)
		return false;
	for (i = 4; base[i] != '\0'; i++)
		if (!((base[i] >= 'a' && base[i] <= 'z') ||
		    (base[i] >= 'A' && base[i] <= 'Z') ||
		    (base[i] >= '0' && base[i] <= '9')))
			return false;
	return true;
}

/* A dead run's TMPDIR mount point: an empty srt.* directory of ours. */
static void
sweep_tmpdir(const char *path)
{
	const char	*base = strrchr(path, '/');
	struct stat	 st;

	if (base == NULL || !sweep_is_tmpdir_name(base + 1) ||
	    lstat(path, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != getuid() || (st.st_mode & 07777) != 0700)
		return;
	if (rmdir(path) == 0)
		log_debug("swept %s", path);
}

static void
sweep_hold(const char *path)
{
	struct stat	st;

	if (lstat(path, &st) == 0 && st.st_uid == getuid())
		hold_host_remove(path);
}

/* Act on each line of a dead run's record; anything unexpected ends it. */
static void
sweep_apply(char *buf, size_t n)
{
	char	*p = buf, *end = buf + n, *nl;

	if (n < strlen(SWEEP_MAGIC) ||
	    memcmp(buf, SWEEP_MAGIC, strlen(SWEEP_MAGIC)) != 0)
		return;
	for (p += strlen(SWEEP_MAGIC); p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return;		/* cut short: the run died writing */
		*nl = '\0';
		if (memchr(p, '\0', (size_t)(nl - p)) != NULL ||
		    nl - p > PATH_MAX + 8)
			return;
		if (strncmp(p, "tmpdir /", 8) == 0)
			sweep_tmpdir(p + 7);
		else if (strncmp(p, "hold /", 6) == 0)
			sweep_hold(p + 5);
		else
			return;
	}
}

/* 1 swept (or not ours to read), 0 its run is alive. */
static int
sweep_one(int dfd, const char *name)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 r;
	size_t		 n = 0;
	int		 fd;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd == -1)
		return 1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != getuid() || st.st_size > SWEEP_MAX) {
		close(fd);
		return 1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		close(fd);
		return 0;
	}
	if ((buf = malloc(SWEEP_MAX)) != NULL) {
		while (n < SWEEP_MAX && (r = read(fd, buf + n,
		    SWEEP_MAX - n)) > 0)
			n += (size_t)r;
		sweep_apply(buf, n);
		free(buf);
	}
	/* Under the lock, so no live run's record of that name goes. */
	if (unlinkat(dfd, name, 0) == 0)
		log_debug("swept run record %s", name);
	close(fd);
	return 1;
}

void
sweep_run(void)
{
	struct dirent	*de;
	char		 path[PATH_MAX];
	DIR		*d;
	int		 dfd, fd;

	if (sweep_path(path, sizeof(path)) == -1 ||
	    (dfd = sweep_dirfd(path, false)) == -1)
		return;
	if ((fd = dup(dfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		close(dfd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, SWEEP_PREFIX,
		    strlen(SWEEP_PREFIX)) == 0)
			(void)sweep_one(dfd, de->d_name);
	closedir(d);
	close(dfd);
	/* Empty now, unless another run is on: then that one removes it. */
	(void)rmdir(path);
}

/* The record's text, in one write: TMPDIR's mount point and hold.c's
 * candidates. */
static int
sweep_write(const struct launch *l, int fd)
{
	const struct plan_op	*op;
	char			*buf = NULL;
	size_t			 len = 0, i;
	FILE			*f;
	int			 rc;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return -1;
	fprintf(f, "%stmpdir %s\n", SWEEP_MAGIC, l->tmpdir);
	for (i = 0; i < l->plan.n; i++) {
		op = &l->plan.v[i];
		if (op->type != PLAN_HOLD_FILE && op->type != PLAN_HOLD_DIR &&
		    op->type != PLAN_BIND_RO)
			continue;
		if (strchr(op->path, '\n') != NULL) {
			log_debug("%s: a newline in the name, not recorded",
			    op->path);
			continue;
		}
		fprintf(f, "hold %s\n", op->path);
	}
	if (fclose(f) != 0 || len > SWEEP_MAX) {
		free(buf);
		errno = EFBIG;
		return -1;
	}
	rc = write(fd, buf, len) == (ssize_t)len ? 0 : -1;
	free(buf);
	return rc;
}

/*
 * Before the clone: the locked record, linked in only once complete (an
 * O_TMPFILE has no name to find before then).  Best effort: without a
 * record only the sweep is lost, so the run goes on.
 */
void
sweep_record(struct launch *l)
{
	char	 path[PATH_MAX], real[PATH_MAX], proc[64];
	int	 dfd = -1, fd = -1, tries;

	l->record_fd = -1;
	if (sweep_path(path, sizeof(path)) == -1 ||
	    strchr(l->tmpdir, '\n') != NULL)
		return;
	for (tries = 0; tries < 3; tries++) {
		if ((dfd = sweep_dirfd(path, true)) == -1)
			return;
		/* A sandbox that could write here could forge records. */
		if (realpath(path, real) == NULL ||
		    plan_writable_at(&l->plan, real)) {
			log_debug("%s: writable in the sandbox; no run record",
			    path);
			goto fail;
		}
		fd = openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
		if (fd == -1 && errno == ENOENT) {
			close(dfd);	/* removed by another run's end */
			continue;
		}
		if (fd == -1 || flock(fd, LOCK_EX) == -1 ||
		    sweep_write(l, fd) == -1)
			goto fail;
		snprintf(l->record_name, sizeof(l->record_name), "%s%ld.%08x",
		    SWEEP_PREFIX, (long)getpid(), arc4random());
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (linkat(AT_FDCWD, proc, dfd, l->record_name,
		    AT_SYMLINK_FOLLOW) == 0) {
			l->record_fd = fd;
			l->record_dirfd = dfd;
			return;
		}
		if (errno != ENOENT)
			goto fail;
		close(fd);
		close(dfd);
		fd = -1;
	}
	return;
fail:
	log_debug("run record in %s: %s", path, strerror(errno));
	if (fd != -1)
		close(fd);
	close(dfd);
}

/* The run ended normally: its leftovers are gone, and so goes its record. */
void
sweep_forget(struct launch *l)
{
	char	path[PATH_MAX];

	if (l->record_fd == -1)
		return;
	(void)unlinkat(l->record_dirfd, l->record_name, 0);
	close(l->record_fd);
	close(l->record_dirfd);
	l->record_fd = -1;
	if (sweep_path(path, sizeof(path)) == 0)
		(void)rmdir(path);
}
