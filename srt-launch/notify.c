/*
 * The violation observer: a seccomp user-notification supervisor that
 * reports what the sandbox refuses, as srt-events(5) to srt-monitor.
 *
 *   socket(AF_UNIX)      answered EPERM here, reported (kind unix-socket)
 *   write-intent calls   reported when outside the write policy, then
 *                        always continued: the kernel decides
 *
 * pid 1 forks the supervisor before the command; the command loads its
 * filter (with a listener) just before exec and passes the listener over
 * a socketpair.  The supervisor keeps pid 1's rights in the sandbox's
 * namespaces and is not filtered.
 *
 * Threat model: the command is hostile.  It cannot reach the supervisor:
 * Landlock's signal scope (ABI 6) and ptrace rules keep it from
 * signalling or tracing a process outside its domain, and the
 * supervisor is not dumpable, so without CAP_SYS_PTRACE the command can
 * neither attach nor read /proc/PID/mem.  If it dies anyway, the kernel
 * answers every notifying call ENOSYS: AF_UNIX stays refused, writes
 * fail, nothing opens up.  What the supervisor reads from the command's
 * memory (paths, open_how) can change under it between our read and
 * the kernel's: it is only ever used to describe an event, never to
 * decide a call, and every string is bounded.  The event channel is a
 * socket the command never holds.
 */
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libcommon/event.h"
#include "libcommon/imsg.h"
#include "libcommon/log.h"
#include "libcommon/proto.h"
#include "policy/glob.h"
#include "policy/mandatory.h"
#include "srt-launch/service.h"
#include "srt-launch/srt-launch.h"

/* Linux 6.6; Debian 12's headers predate it. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS	_IOW('!', 4, uint64_t)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP	1ULL
#endif

#define NOTIFY_PATH_MAX	PATH_MAX
#define NOTIFY_FD_MIN	10	/* above stdio and the control slot */

enum notify_how {
	NH_SOCKET = 1,	/* socket(2): AF_UNIX, refused here */
	NH_OPEN,	/* flags decide write or create */
	NH_OPENAT2,	/* flags in struct open_how */
	NH_CREATE,
	NH_MKDIR,
	NH_UNLINK,	/* flags AT_REMOVEDIR: rmdir */
	NH_RMDIR,
	NH_RENAME,	/* two paths */
	NH_LINK,	/* the new name counts */
	NH_SIMPLE	/* one path, operation as named */
};

struct notify_call {
	const char	*name;
	enum notify_how	 how;
	const char	*op;
	int		 dirfd;		/* argument index, -1 = AT_FDCWD */
	int		 path;		/* argument index */
	int		 flags;		/* argument index, -1 = none */
	int		 dirfd2;	/* rename, link: the new name */
	int		 path2;
	int		 nr;		/* native, -1 if unknown */
	int		 nr_x32;
};

static struct notify_call notify_calls[] = {
	{ "socket", NH_SOCKET, "socket", -1, -1, -1, -1, -1, 0, 0 },
	{ "open", NH_OPEN, "write", -1, 0, 1, -1, -1, 0, 0 },
	{ "openat", NH_OPEN, "write", 0, 1, 2, -1, -1, 0, 0 },
	{ "openat2", NH_OPENAT2, "write", 0, 1, 2, -1, -1, 0, 0 },
	{ "creat", NH_CREATE, "create", -1, 0, -1, -1, -1, 0, 0 },
	{ "mkdir", NH_MKDIR, "mkdir", -1, 0, -1, -1, -1, 0, 0 },
	{ "mkdirat", NH_MKDIR, "mkdir", 0, 1, -1, -1, -1, 0, 0 },
	{ "unlink", NH_UNLINK, "unlink", -1, 0, -1, -1, -1, 0, 0 },
	{ "unlinkat", NH_UNLINK, "unlink", 0, 1, 2, -1, -1, 0, 0 },
	{ "rmdir", NH_RMDIR, "rmdir", -1, 0, -1, -1, -1, 0, 0 },
	{ "rename", NH_RENAME, "rename", -1, 0, -1, -1, 1, 0, 0 },
	{ "renameat", NH_RENAME, "rename", 0, 1, -1, 2, 3, 0, 0 },
	{ "renameat2", NH_RENAME, "rename", 0, 1, -1, 2, 3, 0, 0 },
	{ "link", NH_LINK, "link", -1, -1, -1, -1, 1, 0, 0 },
	{ "linkat", NH_LINK, "link", -1, -1, -1, 2, 3, 0, 0 },
	{ "symlink", NH_SIMPLE, "symlink", -1, 1, -1, -1, -1, 0, 0 },
	{ "symlinkat", NH_SIMPLE, "symlink", 1, 2, -1, -1, -1, 0, 0 },
	{ "truncate", NH_SIMPLE, "truncate", -1, 0, -1, -1, -1, 0, 0 },
	{ "chmod", NH_SIMPLE, "chmod", -1, 0, -1, -1, -1, 0, 0 },
	{ "fchmodat", NH_SIMPLE, "chmod", 0, 1, -1, -1, -1, 0, 0 },
	{ "fchmodat2", NH_SIMPLE, "chmod", 0, 1, -1, -1, -1, 0, 0 },
	{ "mknod", NH_SIMPLE, "mknod", -1, 0, -1, -1, -1, 0, 0 },
	{ "mknodat", NH_SIMPLE, "mknod", 0, 1, -1, -1, -1, 0, 0 },
	{ "utime", NH_SIMPLE, "utimes", -1, 0, -1, -1, -1, 0, 0 },
	{ "utimes", NH_SIMPLE, "utimes", -1, 0, -1, -1, -1, 0, 0 },
	{ "futimesat", NH_SIMPLE, "utimes", 0, 1, -1, -1, -1, 0, 0 },
	{ "utimensat", NH_SIMPLE, "utimes", 0, 1, -1, -1, -1, 0, 0 },
	{ NULL, 0, NULL, 0, 0, 0, 0, 0, 0, 0 }
};

/* The supervisor's state. */
struct notify {
	struct launch	*l;
	int		 listener;
	struct imsgbuf	 ib;
	bool		 ev_up;
	bool		 greeted;	/* hello sent: before the first event */
	pid_t		 mem_pid;	/* /proc/PID/mem cached for this pid */
	int		 mem_fd;
	char		 command[EVENT_COMMAND_MAX];
};

/* ---- the launcher ---- */

int
notify_channel(struct launch *l)
{
	int	sv[2];

	l->launcher_pid = getpid();
	if (!l->want_observe)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("observer channel; no filesystem violations shown");
		return -1;
	}
	l->notify_ev = sv[0];
	l->observe = true;
	return sv[1];
}

/* ---- the command ---- */

/* Just before exec, filter loaded: give the listener away and forget it. */
int
notify_handoff(const struct launch *l, int listener)
{
	struct msghdr	 msg;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct cmsghdr	*c;
	char		 b = 'L';
	ssize_t		 n;

	memset(&msg, 0, sizeof(msg));
	memset(&cm, 0, sizeof(cm));
	iov.iov_base = &b;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &listener, sizeof(int));
	while ((n = sendmsg(l->notify_sp[0], &msg, MSG_NOSIGNAL)) == -1 &&
	    errno == EINTR)
		;
	close(l->notify_sp[0]);
	return n == 1 ? 0 : -1;
}

/* The command's descriptors from `from` up close, but the handoff's and
 * `extra` (-1: none). */
int
notify_closefrom(const struct launch *l, unsigned int from, int extra)
{
	int		keep[2], n = 0, t;
	int		i;

	if (l->observe && l->notify_sp[0] >= (int)from)
		keep[n++] = l->notify_sp[0];
	if (extra >= (int)from && (n == 0 || extra != keep[0]))
		keep[n++] = extra;
	if (n == 2 && keep[1] < keep[0]) {
		t = keep[0];
		keep[0] = keep[1];
		keep[1] = t;
	}
	for (i = 0; i < n; i++) {
		if ((unsigned int)keep[i] > from &&
		    close_range(from, (unsigned int)keep[i] - 1, 0) == -1)
			return -1;
		from = (unsigned int)keep[i] + 1;
	}
	return close_range(from, ~0U, 0);
}

/* ---- the supervisor: reading the command ---- */

static int
notify_mem_open(struct notify *n, pid_t pid)
{
	char	path[64];

	if (n->mem_fd != -1)
		close(n->mem_fd);
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	n->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
	n->mem_pid = n->mem_fd == -1 ? 0 : pid;
	return n->mem_fd;
}

/* Read len bytes at addr; a page at a time, so an unmapped tail only
 * shortens the read.  Returns bytes read, -1 on none. */
static ssize_t
notify_mem_read(struct notify *n, pid_t pid, uint64_t addr, char *buf,
    size_t len, bool string)
{
	size_t	got = 0, chunk;
	ssize_t	r;
	int	tries;

	for (tries = 0; tries < 2; tries++) {
		if ((n->mem_pid != pid || tries > 0) &&
		    notify_mem_open(n, pid) == -1)
			return -1;
		got = 0;
		while (got < len) {
			chunk = 4096 - ((addr + got) & 4095);
			if (chunk > len - got)
				chunk = len - got;
			r = pread(n->mem_fd, buf + got, chunk,
			    (off_t)(addr + got));
			if (r <= 0)
				break;
			if (string && memchr(buf + got, '\0', (size_t)r)) {
				got += (size_t)r;
				return (ssize_t)got;
			}
			got += (size_t)r;
		}
		/* A cached descriptor of an exec'd image reads nothing. */
		if (got > 0)
			return (ssize_t)got;
	}
	return -1;
}

/* A NUL-terminated path from the command's memory, or -1. */
static int
notify_read_path(struct notify *n, pid_t pid, uint64_t addr, char *buf,
    size_t len)
{
	ssize_t	r;

	if (addr == 0)
		return -1;
	if ((r = notify_mem_read(n, pid, addr, buf, len - 1, true)) <= 0)
		return -1;
	buf[r] = '\0';
	if (strlen(buf) == (size_t)r && (size_t)r == len - 1)
		return -1;	/* longer than PATH_MAX: the kernel refuses */
	return 0;
}

/* Where a relative path starts: the cwd or the directory of dirfd. */
static int
notify_base(pid_t pid, int64_t dirfd, char *buf, size_t len)
{
	char	link[64];
	ssize_t	r;

	if ((int)dirfd == AT_FDCWD)
		snprintf(link, sizeof(link), "/proc/%d/cwd", (int)pid);
	else
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid,
		    (int)dirfd);
	if ((r = readlink(link, buf, len - 1)) <= 0)
		return -1;
	buf[r] = '\0';
	return buf[0] == '/' ? 0 : -1;
}

/* Lexical: "." and "//" dropped, ".." taken back, in place. */
static void
notify_normalize(char *p)
{
	char	*out = p, *in = p, *seg;
	size_t	 n;

	while (*in != '\0') {
		while (*in == '/')
			in++;
		seg = in;
		while (*in != '\0' && *in != '/')
			in++;
		n = (size_t)(in - seg);
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (out > p && *--out != '/')
				;
			continue;
		}
		*out++ = '/';
		memmove(out, seg, n);
		out += n;
	}
	if (out == p)
		*out++ = '/';
	*out = '\0';
}

/* The absolute path the call names, in abs (2 * PATH_MAX). */
static int
notify_path(struct notify *n, const struct seccomp_notif *req, int dirarg,
    int patharg, char *abs, size_t len)
{
	char	path[NOTIFY_PATH_MAX], base[NOTIFY_PATH_MAX];
	int64_t	dirfd = dirarg < 0 ? AT_FDCWD : (int64_t)req->data.args[dirarg];

	if (patharg < 0 || req->data.args[patharg] == 0) {
		/* utimensat(fd, NULL): the descriptor itself. */
		if (dirarg < 0 || notify_base(req->pid, dirfd, abs, len) == -1)
			return -1;
		return 0;
	}
	if (notify_read_path(n, req->pid, req->data.args[patharg], path,
	    sizeof(path)) == -1 || path[0] == '\0')
		return -1;
	if (path[0] == '/')
		strlcpy(abs, path, len);
	else {
		if (notify_base(req->pid, dirfd, base, sizeof(base)) == -1)
			return -1;
		snprintf(abs, len, "%s/%s", base, path);
	}
	notify_normalize(abs);
	return 0;
}

/* ---- the supervisor: the write policy ---- */

static bool
notify_under(const char *p, const char *a)
{
	size_t	n = strlen(a);

	if (strcmp(a, "/") == 0)
		return true;
	return strncmp(p, a, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/* Which entry of a settings list made the op at path, or -1. */
static int
notify_entry(const struct path_list *list, const char *path)
{
	char	*real;
	size_t	 i;
	int	 hit;

	for (i = 0; i < list->n; i++) {
		if (list->v[i].glob) {
			if (glob_match(list->v[i].path, path))
				return (int)i;
			continue;
		}
		if (strcmp(list->v[i].path, path) == 0)
			return (int)i;
		if ((real = realpath(list->v[i].path, NULL)) == NULL)
			continue;
		hit = strcmp(real, path) == 0;
		free(real);
		if (hit)
			return (int)i;
	}
	return -1;
}

/* The mandatory entry an op protects: ".git/hooks", ".bashrc". */
static void
notify_mandatory_name(const char *path, char *out, size_t len)
{
	static const char *const git[] = { ".git/hooks", ".git/config",
	    NULL };
	const char *const	*lists[] = { git, mandatory_dirs,
	    mandatory_files };
	const char		*base;
	size_t			 i, j, pl = strlen(path), nl;

	for (i = 0; i < 3; i++)
		for (j = 0; lists[i][j] != NULL; j++) {
			nl = strlen(lists[i][j]);
			if (pl > nl && path[pl - nl - 1] == '/' &&
			    strcasecmp(path + pl - nl, lists[i][j]) == 0) {
				strlcpy(out, lists[i][j], len);
				return;
			}
		}
	base = strrchr(path, '/');
	strlcpy(out, base != NULL ? base + 1 : path, len);
}

static void
notify_rule_for(const struct launch *l, const struct plan_op *op,
    struct srt_event *ev)
{
	char	name[128];
	int	i;

	if (op == NULL || op->type == PLAN_ROOT ||
	    !(op->flags & (PLAN_F_MANDATORY | PLAN_F_SETTING))) {
		strlcpy(ev->rule, "outside allowWrite", sizeof(ev->rule));
		strlcpy(ev->reason, "not beneath any writable path",
		    sizeof(ev->reason));
		return;
	}
	if (op->flags & PLAN_F_MANDATORY) {
		notify_mandatory_name(op->path, name, sizeof(name));
		snprintf(ev->rule, sizeof(ev->rule), "mandatory-deny %s",
		    name);
		strlcpy(ev->reason, "protected in every writable path",
		    sizeof(ev->reason));
		return;
	}
	if ((i = notify_entry(&l->settings.fs.deny_write, op->path)) >= 0) {
		snprintf(ev->rule, sizeof(ev->rule), "denyWrite[%d]", i);
		strlcpy(ev->reason, "denied by denyWrite", sizeof(ev->reason));
	} else if ((i = notify_entry(&l->settings.fs.deny_read,
	    op->path)) >= 0) {
		snprintf(ev->rule, sizeof(ev->rule), "denyRead[%d]", i);
		strlcpy(ev->reason, "hidden by denyRead", sizeof(ev->reason));
	} else {
		strlcpy(ev->rule, "denyWrite", sizeof(ev->rule));
		strlcpy(ev->reason, "denied by the settings",
		    sizeof(ev->reason));
	}
}

static bool
notify_allowed(const struct launch *l, const char *p)
{
	if (notify_under(p, l->tmpdir) || notify_under(p, "/dev") ||
	    notify_under(p, "/proc"))
		return true;
	return plan_writable_at(&l->plan, p);
}

/* What an O_PATH descriptor names: the kernel has followed the links. */
static int
notify_fdpath(int fd, char *buf, size_t len)
{
	char	link[64];
	ssize_t	r;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	r = readlink(link, buf, len - 1);
	close(fd);
	if (r <= 0 || buf[0] != '/')
		return -1;
	buf[r] = '\0';
	return 0;
}

/*
 * The path as the kernel will meet it, symlinks followed: the real
 * parent and the last name, or the real file when the call follows a
 * final link (open, chmod, truncate, utimes).  We share the command's
 * mount namespace and root.  O_PATH opens nothing, so a FIFO or device
 * named by the command cannot stall us.  -1 when the parent is missing:
 * the call then fails ENOENT and writes nothing.
 */
static int
notify_real(char *path, size_t len, bool follow)
{
	char	dir[NOTIFY_PATH_MAX], real[NOTIFY_PATH_MAX], *slash;
	int	fd;

	if (follow && (fd = open(path, O_PATH | O_CLOEXEC)) != -1)
		return notify_fdpath(fd, real, sizeof(real)) == -1 ? -1 :
		    (strlcpy(path, real, len) < len ? 0 : -1);
	if (strlcpy(dir, path, sizeof(dir)) >= sizeof(dir) ||
	    (slash = strrchr(dir, '/')) == NULL || slash[1] == '\0')
		return 0;	/* "/" itself */
	*slash = '\0';
	fd = open(slash == dir ? "/" : dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 || notify_fdpath(fd, real, sizeof(real)) == -1)
		return -1;
	if (snprintf(path, len, "%s/%s", strcmp(real, "/") ? real : "",
	    slash + 1) >= (int)len)
		return -1;
	return 0;
}

/*
 * Whether a write at path falls outside the policy; the rule in ev.  0
 * allowed, 1 denied, -1 nothing to say (the call fails on its own).
 */
static int
notify_denied(const struct launch *l, char *path, size_t len, bool follow,
    struct srt_event *ev)
{
	if (notify_real(path, len, follow) == -1)
		return -1;
	if (notify_allowed(l, path))
		return 0;
	notify_rule_for(l, plan_op_at(&l->plan, path), ev);
	return 1;
}

/*
 * A nested sandbox (allowNestedUserNamespaces) builds its own mounts:
 * its paths mean nothing in ours, so its calls are not judged here (its
 * own observer, if asked for, reports them).  Checked on refusals only.
 */
static bool
notify_same_mnt(pid_t pid)
{
	struct stat	mine, theirs;
	char		path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	return stat("/proc/self/ns/mnt", &mine) == 0 &&
	    stat(path, &theirs) == 0 && mine.st_ino == theirs.st_ino &&
	    mine.st_dev == theirs.st_dev;
}

/* ---- the supervisor: events ---- */

static void
notify_comm(pid_t pid, char *buf, size_t len)
{
	char	path[64];
	ssize_t	r;
	int	fd;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	r = read(fd, buf, len - 1);
	close(fd);
	if (r <= 0)
		r = 0;
	buf[r] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static void
notify_event_init(struct notify *n, const struct seccomp_notif *req,
    struct srt_event *ev)
{
	event_stamp(ev);
	ev->sandbox_id = n->l->svc != NULL ? n->l->svc->sandbox_id : 0;
	ev->launcher_pid = n->l->launcher_pid;
	strlcpy(ev->command, n->command, sizeof(ev->command));
	ev->pid = (pid_t)req->pid;
	ev->decision = EVENT_DENY;
}

/* Sent before the call is answered, so it is queued before the command
 * can go on (and, at the end, before the launcher asks for totals). */
static void
notify_send(struct notify *n, int id_ok, const struct srt_event *ev)
{
	struct srt_hello	hello = { SRT_PROTO_VERSION, SRT_ROLE_SANDBOX };
	struct srt_event	e;

	if (!n->ev_up || !id_ok)
		return;
	e = *ev;
	notify_comm(ev->pid, e.comm, sizeof(e.comm));
	if (!n->greeted && imsg_compose(&n->ib, IMSG_HELLO, 0, getpid(), -1,
	    &hello, sizeof(hello)) == -1) {
		n->ev_up = false;
		return;
	}
	n->greeted = true;
	if (event_send(&n->ib, &e) == -1 || imsgbuf_flush(&n->ib) == -1) {
		log_warnx("observer: srt-monitor gone, no more events");
		n->ev_up = false;
	}
}

static const struct notify_call *
notify_lookup(const struct seccomp_notif *req)
{
	const struct notify_call	*c;

	for (c = notify_calls; c->name != NULL; c++)
		if (c->nr == req->data.nr || c->nr_x32 == req->data.nr)
			return c;
	return NULL;
}

struct open_how_min {
	uint64_t	flags;
	uint64_t	mode;
	uint64_t	resolve;
};

#define NOTIFY_WFLAGS	(O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND)

/* An open's flags; openat2 keeps them in memory.  -1 if unreadable. */
static int
notify_open_flags(struct notify *n, const struct seccomp_notif *req,
    const struct notify_call *c, uint64_t *flags)
{
	struct open_how_min	how;

	if (c->how != NH_OPENAT2) {
		*flags = req->data.args[c->flags];
		return 0;
	}
	if (notify_mem_read(n, req->pid, req->data.args[2], (char *)&how,
	    sizeof(how), false) != sizeof(how))
		return -1;
	*flags = how.flags;
	return 0;
}

/*
 * The operation a refused call names, NULL when it writes nothing after
 * all: an open with O_CREAT alone of a file that exists reads it, and
 * mkdir of an existing directory fails EEXIST (mkdir -p meets every
 * parent).  Only refusals get here, so the lstat costs allowed calls
 * nothing.
 */
static const char *
notify_op_name(const struct notify_call *c, const struct seccomp_notif *req,
    uint64_t flags, const char *path)
{
	struct stat	st;

	switch (c->how) {
	case NH_OPEN:
	case NH_OPENAT2:
		if (!(flags & O_CREAT))
			return "write";
		if (lstat(path, &st) == -1)
			return "create";
		return flags & (O_WRONLY | O_RDWR | O_TRUNC | O_APPEND) ?
		    "write" : NULL;
	case NH_MKDIR:
		return lstat(path, &st) == 0 ? NULL : c->op;
	case NH_UNLINK:
		return c->flags >= 0 &&
		    (req->data.args[c->flags] & AT_REMOVEDIR) ? "rmdir" : c->op;
	default:
		return c->op;
	}
}

/* Whether the call acts through a final symlink. */
static bool
notify_follows(const struct notify_call *c, uint64_t flags)
{
	switch (c->how) {
	case NH_OPEN:
	case NH_OPENAT2:
		return !(flags & (O_NOFOLLOW | O_EXCL));
	case NH_CREATE:
		return true;
	case NH_SIMPLE:
		return strcmp(c->op, "symlink") != 0 &&
		    strcmp(c->op, "mknod") != 0;
	default:
		return false;
	}
}

static void
notify_fs(struct notify *n, const struct seccomp_notif *req,
    const struct notify_call *c)
{
	char			 path[2 * NOTIFY_PATH_MAX];
	const char		*op;
	struct srt_event	 ev;
	uint64_t		 flags = 0;
	int			 dirarg = c->dirfd, patharg = c->path, r;

	if (c->how == NH_LINK) {
		dirarg = c->dirfd2;
		patharg = c->path2;
	}
	if ((c->how == NH_OPEN || c->how == NH_OPENAT2) &&
	    (notify_open_flags(n, req, c, &flags) == -1 ||
	    !(flags & NOTIFY_WFLAGS)))
		return;
	notify_event_init(n, req, &ev);
	if (notify_path(n, req, dirarg, patharg, path, sizeof(path)) == -1)
		return;
	/* The path is the command's to change: from here it is a hint. */
	if (seccomp_notify_id_valid(n->listener, req->id) != 0)
		return;
	if ((r = notify_denied(n->l, path, sizeof(path),
	    notify_follows(c, flags), &ev)) != 1) {
		if (r == -1 || c->how != NH_RENAME || notify_path(n, req,
		    c->dirfd2, c->path2, path, sizeof(path)) == -1 ||
		    notify_denied(n->l, path, sizeof(path), false, &ev) != 1)
			return;
	}
	if ((op = notify_op_name(c, req, flags, path)) == NULL ||
	    !notify_same_mnt((pid_t)req->pid))
		return;
	ev.kind = EVENT_KIND_FILESYSTEM;
	strlcpy(ev.operation, op, sizeof(ev.operation));
	event_strtrunc(ev.target, sizeof(ev.target), path);
	notify_send(n, 1, &ev);
}

/*
 * glibc asks nscd for every user, group and host lookup (ls -l, id,
 * curl) with exactly this socket, refused like any other.  Without an
 * nscd to reach it is noise, so it is logged under -d only; libuv asks
 * for the same flags, so a program of its that is refused this way goes
 * unreported too (still refused).
 */
static bool
notify_nscd_probe(const struct seccomp_notif *req)
{
	uint32_t	type = (uint32_t)req->data.args[1];

	return type == (SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK) &&
	    (uint32_t)req->data.args[2] == 0 &&
	    access("/var/run/nscd/socket", F_OK) == -1;
}

static void
notify_unix(struct notify *n, const struct seccomp_notif *req)
{
	struct srt_event	ev;

	if (notify_nscd_probe(req)) {
		log_debug("observer: pid %d: AF_UNIX refused (nscd probe, "
		    "not reported)", (int)req->pid);
		return;
	}
	notify_event_init(n, req, &ev);
	ev.kind = EVENT_KIND_UNIX_SOCKET;
	strlcpy(ev.operation, "socket", sizeof(ev.operation));
	strlcpy(ev.target, "AF_UNIX", sizeof(ev.target));
	strlcpy(ev.rule, "allowAllUnixSockets", sizeof(ev.rule));
	strlcpy(ev.reason, "unix sockets are not allowed",
	    sizeof(ev.reason));
	notify_send(n, seccomp_notify_id_valid(n->listener, req->id) == 0,
	    &ev);
}

static void
notify_one(struct notify *n, struct seccomp_notif *req,
    struct seccomp_notif_resp *resp)
{
	const struct notify_call	*c = notify_lookup(req);

	memset(resp, 0, sizeof(*resp));
	resp->id = req->id;
	if (c == NULL) {
		/* Not one we asked for (a number this libseccomp names
		 * differently): it might be socket(AF_UNIX), so refuse. */
		log_debug("observer: unknown syscall %d refused", req->data.nr);
		resp->error = -EPERM;
	} else if (c->how == NH_SOCKET) {
		notify_unix(n, req);
		resp->error = -EPERM;
	} else {
		notify_fs(n, req, c);
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	}
	/* ENOENT: the call was interrupted, or its process died. */
	if (seccomp_notify_respond(n->listener, resp) != 0 && errno != ENOENT)
		log_debug("observer: respond: %s", strerror(errno));
}

static int
notify_recv_listener(int sp)
{
	struct msghdr	 msg;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct cmsghdr	*c;
	char		 b;
	int		 fd = -1;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &b;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	if (recvmsg(sp, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	if ((c = CMSG_FIRSTHDR(&msg)) != NULL && c->cmsg_level ==
	    SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static void
notify_resolve(void)
{
	struct notify_call	*c;

	for (c = notify_calls; c->name != NULL; c++) {
		c->nr = seccomp_syscall_resolve_name(c->name);
		c->nr_x32 = -1;
#ifdef __x86_64__
		c->nr_x32 = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X32,
		    c->name);
#endif
		if (c->nr == __NR_SCMP_ERROR)
			c->nr = -1;
		if (c->nr_x32 == __NR_SCMP_ERROR)
			c->nr_x32 = -1;
	}
}

static void
notify_loop(struct notify *n)
{
	struct seccomp_notif		*req;
	struct seccomp_notif_resp	*resp;

	if (seccomp_notify_alloc(&req, &resp) != 0)
		fatalx("observer: seccomp_notify_alloc");
	/* The command waits for each answer: hand the CPU straight over
	 * and back instead of waking us wherever the scheduler likes. */
	if (ioctl(n->listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
	    SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == -1)
		log_debug("observer: no synchronous wake-up: %s",
		    strerror(errno));
	/* A blocking receive, no poll: the synchronous wake-up switches
	 * only to a waiting receiver.  It never returns once the last
	 * filtered process is gone; pid 1 kills us then (every event has
	 * been written before its call was answered). */
	for (;;) {
		memset(req, 0, sizeof(*req));
		if (seccomp_notify_receive(n->listener, req) != 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;	/* the caller went away */
			break;
		}
		notify_one(n, req, resp);
	}
	seccomp_notify_free(req, resp);
}

static void __attribute__((noreturn))
notify_main(struct launch *l, int sp)
{
	struct notify		n;
	int			keep[2], lo, hi;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_DUMPABLE, 0);
	prctl(PR_SET_NAME, "srt-observer");
	signal(SIGPIPE, SIG_IGN);
	lo = sp < l->notify_ev ? sp : l->notify_ev;
	hi = sp < l->notify_ev ? l->notify_ev : sp;
	keep[0] = lo;
	keep[1] = hi;
	close_range(3, (unsigned)keep[0] - 1, 0);
	if (keep[1] > keep[0] + 1)
		close_range((unsigned)keep[0] + 1, (unsigned)keep[1] - 1, 0);
	close_range((unsigned)keep[1] + 1, ~0U, 0);
	memset(&n, 0, sizeof(n));
	n.l = l;
	n.mem_fd = -1;
	if (l->shell_cmd != NULL)
		event_strtrunc(n.command, sizeof(n.command), l->shell_cmd);
	else {
		struct srt_event	tmp;

		event_set_command(&tmp, l->argv);
		strlcpy(n.command, tmp.command, sizeof(n.command));
	}
	notify_resolve();
	/*
	 * pid 1's capabilities over the sandbox's namespaces are of no use
	 * here and would be the prize of a bug in reading hostile input:
	 * they go.  The command's memory, cwd and fds stay readable, being
	 * of the same uid and dumpable; we stay undumpable.
	 */
	if (filter_caps_drop() == -1 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0) == -1) {
		log_warn("observer: dropping capabilities");
		_exit(1);
	}
	if (imsgbuf_init(&n.ib, l->notify_ev) == -1)
		_exit(1);
	/* The hello waits for the first event: the launcher starts the
	 * monitor when the first byte arrives (service.c). */
	n.ev_up = true;
	n.listener = notify_recv_listener(sp);
	close(sp);
	if (n.listener != -1)
		notify_loop(&n);
	imsgbuf_flush(&n.ib);
	_exit(0);
}

/*
 * pid 1, before the command: fork the supervisor.  The command's end of
 * the handoff is kept above the control descriptor's slot, which the
 * command fills with /dev/null.
 */
int
notify_spawn(struct launch *l)
{
	int	sv[2] = { -1, -1 }, fd = -1, min = NOTIFY_FD_MIN;
	pid_t	pid;

	if (!l->observe)
		return 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		goto fail;
	if (l->control_fd >= min)
		min = l->control_fd + 1;
	if ((fd = fcntl(sv[0], F_DUPFD_CLOEXEC, min)) == -1)
		goto fail;
	close(sv[0]);
	sv[0] = -1;
	l->notify_sp[0] = fd;
	l->notify_sp[1] = sv[1];
	if ((pid = fork()) == -1)
		goto fail;
	if (pid == 0) {
		close(l->notify_sp[0]);
		notify_main(l, l->notify_sp[1]);
	}
	close(l->notify_sp[1]);
	close(l->notify_ev);
	l->notify_sp[1] = -1;
	log_debug("observer pid %d in the sandbox", (int)pid);
	return 0;
fail:
	/* Without a supervisor the command must not notify: its calls
	 * would all fail ENOSYS.  The plain filter refuses AF_UNIX. */
	if (sv[0] != -1)
		close(sv[0]);
	if (sv[1] != -1)
		close(sv[1]);
	if (fd != -1)
		close(fd);
	close(l->notify_ev);
	l->observe = false;
	return -1;
}

/* pid 1, after the command is forked: only the two of them hold it. */
void
notify_forked(struct launch *l)
{
	if (!l->observe)
		return;
	close(l->notify_sp[0]);
	l->notify_sp[0] = -1;
}
