/*
 * The mount plan as a pure function: settings plus a filesystem probe in,
 * an ordered op array out (see plan.h for the semantics).
 *
 * Every setting path becomes a node carrying what was asked of it; after
 * symlinks are resolved and the mandatory denies found, each node turns
 * into at most a few ops.  Ops are emitted sorted by path, so a mount is
 * always made before the mounts beneath it: every bind is taken from the
 * untouched host tree (recursive, with the host's own submounts), and a
 * later bind of an ancestor would otherwise bury an earlier one.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/mandatory.h"
#include "policy/plan.h"
#include "policy/settings.h"

#define N_RW		0x001	/* allowWrite */
#define N_DW		0x002	/* denyWrite or mandatory */
#define N_DR		0x004	/* denyRead */
#define N_AR		0x008	/* allowRead */
#define N_MISSING	0x010	/* a deny path that does not exist */
#define N_PIN		0x020	/* ancestor of a protected path */
#define N_HOLD_DIR	0x040	/* placeholder directory for missing denies */
#define N_HOLD_FILE	0x080	/* placeholder file for a missing deny */
#define N_HELD		0x100	/* existing file in the way of a deny */
#define N_MAND		0x200	/* from the mandatory list */
#define N_DROP		0x400	/* allowWrite under a deny: not granted */
#define N_DEFAULT	0x800	/* a convenience write dir, not scanned */
#define N_LINK		0x1000	/* symlink on the way to a deny */

struct pnode {
	char		*path;
	unsigned int	 bits;
	bool		 dir;		/* exists and is a directory */
};

struct pstate {
	const struct plan_input	*in;
	const struct plan_probe	*probe;
	struct plan		*plan;
	struct pnode		*v;
	size_t			 n, cap;
	char			*err;
	size_t			 errlen;
	int			 failed;
};

/* An entry the plan does not apply: the launcher tells the user. */
static void
plan_note(struct pstate *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
plan_note(struct pstate *ps, const char *fmt, ...)
{
	struct plan	*pl = ps->plan;
	char		**nv, *m;
	va_list		 ap;

	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) == -1)
		m = NULL;
	va_end(ap);
	if (m == NULL || (nv = reallocarray(pl->notes, pl->nnotes + 1,
	    sizeof(*nv))) == NULL) {
		free(m);
		return;
	}
	pl->notes = nv;
	pl->notes[pl->nnotes++] = m;
}

static int
plan_fail(struct pstate *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
plan_fail(struct pstate *ps, const char *fmt, ...)
{
	va_list	ap;

	if (!ps->failed) {
		va_start(ap, fmt);
		vsnprintf(ps->err, ps->errlen, fmt, ap);
		va_end(ap);
	}
	ps->failed = 1;
	return -1;
}

/* p equals a or lies beneath it, by whole components. */
static bool
path_under(const char *p, const char *a)
{
	size_t	n = strlen(a);

	if (strcmp(a, "/") == 0)
		return true;
	return strncmp(p, a, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/* The parent of p in buf ("/" for "/x" and for "/"). */
static void
path_parent(const char *p, char *buf, size_t len)
{
	char	*s;

	strlcpy(buf, p, len);
	s = strrchr(buf, '/');
	if (s == NULL || s == buf)
		strlcpy(buf, "/", len);
	else
		*s = '\0';
}

int
plan_add(struct plan *pl, enum plan_op_type type, const char *path,
    unsigned int flags)
{
	struct plan_op	*nv;
	size_t		 ncap;

	if (pl->n == pl->cap) {
		ncap = pl->cap ? pl->cap * 2 : 32;
		nv = reallocarray(pl->v, ncap, sizeof(*nv));
		if (nv == NULL)
			return -1;
		pl->v = nv;
		pl->cap = ncap;
	}
	if ((pl->v[pl->n].path = strdup(path)) == NULL)
		return -1;
	pl->v[pl->n].type = type;
	pl->v[pl->n].flags = flags;
	pl->n++;
	return 0;
}

static struct pnode *
node_find(struct pstate *ps, const char *path)
{
	size_t	i;

	for (i = 0; i < ps->n; i++)
		if (strcmp(ps->v[i].path, path) == 0)
			return &ps->v[i];
	return NULL;
}

static int
node_add(struct pstate *ps, const char *path, unsigned int bits)
{
	struct pnode	*nd, *nv;
	struct stat	 st;
	size_t		 ncap;

	if ((nd = node_find(ps, path)) != NULL) {
		nd->bits |= bits;
		return 0;
	}
	if (ps->n == ps->cap) {
		ncap = ps->cap ? ps->cap * 2 : 32;
		if ((nv = reallocarray(ps->v, ncap, sizeof(*nv))) == NULL)
			return plan_fail(ps, "out of memory");
		ps->v = nv;
		ps->cap = ncap;
	}
	nd = &ps->v[ps->n];
	if ((nd->path = strdup(path)) == NULL)
		return plan_fail(ps, "out of memory");
	nd->bits = bits;
	nd->dir = ps->probe->lstat(ps->probe->ctx, path, &st) == 0 &&
	    S_ISDIR(st.st_mode);
	ps->n++;
	return 0;
}

/*
 * Resolve a path that may not exist: the deepest existing ancestor is
 * resolved, the missing rest appended.  NULL if nothing resolves.
 */
static char *
resolve_missing(const struct plan_probe *pr, const char *path)
{
	char	 head[PATH_MAX], *res, *out;
	char	*slash;

	if ((res = pr->realpath(pr->ctx, path)) != NULL)
		return res;
	strlcpy(head, path, sizeof(head));
	while ((slash = strrchr(head, '/')) != NULL && slash != head) {
		*slash = '\0';
		if ((res = pr->realpath(pr->ctx, head)) != NULL) {
			if (asprintf(&out, "%s%s", strcmp(res, "/") ? res : "",
			    path + strlen(head)) == -1)
				out = NULL;
			free(res);
			return out;
		}
	}
	return NULL;
}

/* /proc and /dev are ours; settings cannot add mounts there. */
static bool
path_reserved(const char *p)
{
	return path_under(p, "/proc") || path_under(p, "/dev");
}

/*
 * An allowWrite entry whose last component is a symlink is granted only
 * if it resolves inside its own directory: a link in a writable tree
 * pointing at /etc must not make /etc writable.
 */
static char *
resolve_write(struct pstate *ps, const char *path)
{
	const struct plan_probe	*pr = ps->probe;
	char			 par[PATH_MAX], *res, *pres;
	bool			 ok;

	if ((res = pr->realpath(pr->ctx, path)) == NULL)
		return NULL;
	path_parent(path, par, sizeof(par));
	if (strcmp(path, "/") == 0 ||
	    (pres = pr->realpath(pr->ctx, par)) == NULL)
		return res;
	ok = path_under(res, pres) && strcmp(res, pres) != 0;
	if (!ok && strcmp(res, path) != 0) {
		free(pres);
		free(res);
		errno = ELOOP;
		return NULL;
	}
	free(pres);
	return res;
}

static void	lock_links(struct pstate *, const char *, unsigned int);
static int	deny_root(struct pstate *);

static int
collect_one(struct pstate *ps, const char *path, unsigned int bit)
{
	char	*res;

	if (bit & N_RW) {
		res = resolve_write(ps, path);
		if (res == NULL && errno == ELOOP)
			plan_note(ps, "allowWrite %s: a symlink pointing outside "
			    "its directory, not granted", path);
		else if (res == NULL && errno == ENOENT && !(bit & N_DEFAULT))
			plan_note(ps, "allowWrite %s: does not exist, not "
			    "granted (create it before the run)", path);
	} else if (bit & N_DW) {
		lock_links(ps, path, 0);
		res = resolve_missing(ps->probe, path);
	} else
		res = ps->probe->realpath(ps->probe->ctx, path);
	if (res == NULL)
		return 0;	/* missing: nothing to open or hide */
	if ((bit & N_DEFAULT) && node_find(ps, res) != NULL)
		bit &= ~N_DEFAULT;	/* named by the settings as well */
	if (bit == N_DR && strcmp(res, "/") == 0) {
		free(res);
		return deny_root(ps);
	}
	if (!path_reserved(res))
		node_add(ps, res, bit);
	else if (!(bit & N_DEFAULT))
		plan_note(ps, "%s: under /proc or /dev, which the sandbox makes "
		    "afresh; not applied", path);
	free(res);
	return ps->failed ? -1 : 0;
}

static int
deny_root_cb(void *arg, const char *name, int dtype)
{
	struct pstate	*ps = arg;
	char		 p[PATH_MAX];

	if (dtype == DT_LNK)
		return 0;	/* /lib -> usr/lib: hidden with its target */
	if (strcmp(name, "proc") == 0 || strcmp(name, "dev") == 0)
		return 0;	/* made afresh, nothing of the host's */
	snprintf(p, sizeof(p), "/%s", name);
	return collect_one(ps, p, N_DR);
}

/*
 * denyRead "/" (with allowRead exceptions, a common way to write an
 * allow list): each entry of the root is hidden instead, as the
 * reference does, since an empty tmpfs over / would take /dev, /proc and
 * every mount point with it.
 */
static int
deny_root(struct pstate *ps)
{
	if (ps->probe->readdir(ps->probe->ctx, "/", deny_root_cb, ps) == -1)
		return plan_fail(ps, "denyRead /: cannot list /");
	return ps->failed ? -1 : 0;
}

struct globarg {
	struct pstate	*ps;
	unsigned int	 bit;
};

static int
collect_glob_cb(void *arg, const char *path)
{
	struct globarg	*ga = arg;

	return collect_one(ga->ps, path, ga->bit);
}

/* Globs are expanded now, against the filesystem as it is, as the
 * reference does on Linux: bind mounts need concrete paths. */
static int
collect_glob(struct pstate *ps, const char *pattern, unsigned int bit)
{
	struct globarg	 ga = { ps, bit };
	const char	*why = NULL;

	if (ps->probe->glob == NULL)
		return 0;
	if (ps->probe->glob(ps->probe->ctx, pattern, (bit & (N_RW | N_AR)) != 0,
	    collect_glob_cb, &ga, &why) == -1)
		return plan_fail(ps, "%s: %s", pattern, why ? why :
		    "cannot expand");
	return ps->failed ? -1 : 0;
}

static int
collect_list(struct pstate *ps, const struct path_list *l, unsigned int bit)
{
	size_t	i;
	int	rc;

	for (i = 0; i < l->n; i++) {
		if (l->v[i].path == NULL)
			continue;
		rc = l->v[i].glob ? collect_glob(ps, l->v[i].path, bit) :
		    collect_one(ps, l->v[i].path, bit);
		if (rc == -1)
			return -1;
	}
	return 0;
}

/* Writable by the rules: beneath a kept allowWrite, beneath no deny. */
static bool
node_writable(struct pstate *ps, const char *p)
{
	bool	rw = false;
	size_t	i;

	for (i = 0; i < ps->n; i++) {
		if (!path_under(p, ps->v[i].path))
			continue;
		if (ps->v[i].bits & N_DW)
			return false;
		if ((ps->v[i].bits & (N_RW | N_DROP)) == N_RW)
			rw = true;
	}
	return rw;
}

/*
 * Hidden: the nearest node at or above p that says anything about reads
 * is a denyRead (an allowRead or allowWrite at the same path wins).  On
 * true, *root is that denyRead's path.
 */
static bool
node_hidden(struct pstate *ps, const char *p, const char **root)
{
	const struct pnode	*best = NULL;
	size_t			 i, len = 0, l;

	for (i = 0; i < ps->n; i++) {
		if (!(ps->v[i].bits & (N_DR | N_AR | N_RW)) ||
		    ((ps->v[i].bits & (N_RW | N_AR | N_DR)) == N_RW &&
		    (ps->v[i].bits & N_DROP)))
			continue;
		if (!path_under(p, ps->v[i].path))
			continue;
		if ((l = strlen(ps->v[i].path)) >= len) {
			best = &ps->v[i];
			len = l;
		}
	}
	if (best == NULL || !(best->bits & N_DR) ||
	    (best->bits & (N_AR | N_RW)))
		return false;
	if (root != NULL)
		*root = best->path;
	return true;
}

/*
 * The first symlink on the way to a protected path, unresolved: binding
 * the target read-only leaves the link itself free to be removed and
 * replaced by a file of the command's, so the link is covered too.
 * Past it the path lies in the target's tree, protected as resolved.
 */
static void
lock_links(struct pstate *ps, const char *path, unsigned int mand)
{
	char		 cur[PATH_MAX];
	const char	*p = path;
	struct stat	 st;

	if (*path != '/')
		return;
	do {
		p = strchr(p + 1, '/');
		snprintf(cur, sizeof(cur), "%.*s", p ? (int)(p - path) :
		    (int)strlen(path), path);
		if (ps->probe->lstat(ps->probe->ctx, cur, &st) == -1)
			return;
		if (S_ISLNK(st.st_mode)) {
			node_add(ps, cur, N_LINK | mand);
			return;
		}
	} while (p != NULL);
}

/*
 * One mandatory path: canonical up to known, so only the one or two
 * names after it are looked at; a symlink among them is covered and the
 * path resolved through it (rare), a missing one ends the walk.
 */
static int
mand_cb(void *arg, const char *path, size_t known)
{
	struct pstate	*ps = arg;
	char		 cur[PATH_MAX], *res = NULL;
	const char	*p = path + known;
	struct stat	 st;

	while (*p == '/') {
		p = strchr(p + 1, '/');
		snprintf(cur, sizeof(cur), "%.*s", p ? (int)(p - path) :
		    (int)strlen(path), path);
		if (ps->probe->lstat(ps->probe->ctx, cur, &st) == -1)
			break;
		if (S_ISLNK(st.st_mode)) {
			node_add(ps, cur, N_LINK | N_MAND);
			res = resolve_missing(ps->probe, path);
			if (res == NULL)
				return ps->failed;
			break;
		}
		if (p == NULL)
			break;
	}
	node_add(ps, res ? res : path, N_DW | N_MAND);
	free(res);
	return ps->failed;
}

/* Mandatory denies under each writable root and under the cwd. */
static int
collect_mandatory(struct pstate *ps)
{
	const struct settings	*s = ps->in->settings;
	size_t			 i, n = ps->n;
	int			 depth = s->mandatory_deny_search_depth;

	if (depth < 1 || depth > 10)
		depth = 3;
	for (i = 0; i < n; i++) {
		if ((ps->v[i].bits & (N_RW | N_DEFAULT)) == N_RW &&
		    ps->v[i].dir &&
		    mandatory_scan(ps->probe, ps->v[i].path, depth,
		    s->fs.allow_git_config, mand_cb, ps))
			return -1;
	}
	if (ps->in->cwd != NULL && node_find(ps, ps->in->cwd) == NULL &&
	    node_writable(ps, ps->in->cwd) &&
	    mandatory_scan(ps->probe, ps->in->cwd, depth,
	    s->fs.allow_git_config, mand_cb, ps))
		return -1;
	return ps->failed ? -1 : 0;
}

/* Deny wins: an allowWrite at or beneath a deny is not granted. */
static void
filter_writes(struct pstate *ps)
{
	size_t	i, j;

	for (i = 0; i < ps->n; i++) {
		if (!(ps->v[i].bits & N_RW))
			continue;
		for (j = 0; j < ps->n; j++)
			if ((ps->v[j].bits & N_DW) &&
			    path_under(ps->v[i].path, ps->v[j].path))
				ps->v[i].bits |= N_DROP;
	}
}

/* Pin each writable ancestor of target that is not already a mount. */
static void
add_pins(struct pstate *ps, const char *target)
{
	char	a[PATH_MAX], up[PATH_MAX];

	path_parent(target, a, sizeof(a));
	while (strcmp(a, "/") != 0 && node_writable(ps, a)) {
		path_parent(a, up, sizeof(up));
		if (!node_writable(ps, up))
			break;		/* a is the writable root: a mount */
		node_add(ps, a, N_PIN);
		strlcpy(a, up, sizeof(a));
	}
}

/*
 * A deny path that does not exist: find its first missing component.
 * A missing path is protected by a placeholder there (an empty read-only
 * directory when more lies beneath it, else /dev/null); an existing
 * non-directory on the way is itself bound read-only, since nothing can
 * be created under it while it stays.
 */
static void
place_missing(struct pstate *ps, const char *path, unsigned int mand)
{
	char		 cur[PATH_MAX], par[PATH_MAX];
	const char	*p = path + 1, *slash;
	struct stat	 st;

	cur[0] = '\0';
	for (;;) {
		slash = strchr(p, '/');
		if (snprintf(cur, sizeof(cur), "%.*s", (int)((slash ? slash :
		    p + strlen(p)) - path), path) >= (int)sizeof(cur))
			return;
		if (ps->probe->lstat(ps->probe->ctx, cur, &st) == -1)
			break;
		/* Another sandbox's placeholder directory: share it rather
		 * than create under it (it could not be removed after). */
		if (S_ISDIR(st.st_mode) && strcmp(cur, path) != 0 &&
		    (st.st_mode & 07777) == PLAN_HOLD_DIR_MODE) {
			path_parent(cur, par, sizeof(par));
			if (!node_writable(ps, par) ||
			    node_hidden(ps, par, NULL))
				return;
			node_add(ps, cur, N_HOLD_DIR | mand);
			add_pins(ps, cur);
			return;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (strcmp(cur, path) == 0)
				return;	/* appeared since: protected as is */
			path_parent(cur, par, sizeof(par));
			if (node_writable(ps, par) &&
			    !node_hidden(ps, par, NULL)) {
				node_add(ps, cur, N_HELD | mand);
				add_pins(ps, cur);
			}
			return;
		}
		if (slash == NULL)
			return;
		p = slash + 1;
	}
	path_parent(cur, par, sizeof(par));
	if (!node_writable(ps, par) || node_hidden(ps, par, NULL))
		return;		/* the command cannot create it either */
	node_add(ps, cur, (strcmp(cur, path) == 0 ? N_HOLD_FILE : N_HOLD_DIR) |
	    mand);
	add_pins(ps, cur);
}

/* Turn each kept deny into a protection and the pins that hold it. */
static void
place_denies(struct pstate *ps)
{
	struct stat	st;
	size_t		i, n = ps->n;
	char		par[PATH_MAX];

	for (i = 0; i < n; i++) {
		if (ps->v[i].bits & N_LINK) {
			path_parent(ps->v[i].path, par, sizeof(par));
			if (node_writable(ps, par) && !node_hidden(ps, par, NULL))
				add_pins(ps, ps->v[i].path);
		}
		if (!(ps->v[i].bits & N_DW))
			continue;
		path_parent(ps->v[i].path, par, sizeof(par));
		if (ps->probe->lstat(ps->probe->ctx, ps->v[i].path, &st) ==
		    -1) {
			ps->v[i].bits |= N_MISSING;
			place_missing(ps, ps->v[i].path,
			    ps->v[i].bits & N_MAND);
			continue;
		}
		if (node_writable(ps, par) && !node_hidden(ps, par, NULL))
			add_pins(ps, ps->v[i].path);
	}
}

static int
node_cmp(const void *a, const void *b)
{
	const struct pnode	*x = a, *y = b;

	return strcmp(x->path, y->path);
}

/* Mount points inside our hiding tmpfs, from its root down to p. */
static int
emit_mkdirs(struct pstate *ps, const char *root, const char *p, bool dir)
{
	char		 cur[PATH_MAX];
	const char	*s = p + strlen(root);
	size_t		 i;

	while ((s = strchr(s + 1, '/')) != NULL) {
		snprintf(cur, sizeof(cur), "%.*s", (int)(s - p), p);
		for (i = 0; i < ps->plan->n; i++)
			if (ps->plan->v[i].type == PLAN_MKDIR &&
			    strcmp(ps->plan->v[i].path, cur) == 0)
				break;
		if (i == ps->plan->n &&
		    plan_add(ps->plan, PLAN_MKDIR, cur, 0) == -1)
			return -1;
	}
	return plan_add(ps->plan, dir ? PLAN_MKDIR : PLAN_MKFILE, p, 0);
}

static int
emit_node(struct pstate *ps, const struct pnode *nd)
{
	struct plan	*pl = ps->plan;
	char		 par[PATH_MAX];
	const char	*root = NULL;
	bool		 hid, w, pw;
	unsigned int	 mf = (nd->bits & N_MAND) ? PLAN_F_MANDATORY :
	    PLAN_F_SETTING;

	path_parent(nd->path, par, sizeof(par));
	hid = node_hidden(ps, par, &root);
	w = node_writable(ps, nd->path);
	pw = node_writable(ps, par);
	if ((nd->bits & N_DR) && !(nd->bits & (N_AR | N_RW))) {
		if (hid)
			return 0;
		return plan_add(pl, nd->dir ? PLAN_HIDE_DIR : PLAN_HIDE_FILE,
		    nd->path, PLAN_F_SETTING);
	}
	if ((nd->bits & (N_AR | N_RW)) && hid) {
		if (emit_mkdirs(ps, root, nd->path, nd->dir) == -1)
			return -1;
		return plan_add(pl, w ? PLAN_BIND_RW : PLAN_BIND_RO, nd->path,
		    PLAN_F_SETTING);
	}
	if (hid)
		return 0;
	if ((nd->bits & N_LINK) && pw)
		return plan_add(pl, PLAN_LOCK_LINK, nd->path, mf);
	if (nd->bits & N_HOLD_DIR)
		return plan_add(pl, PLAN_HOLD_DIR, nd->path, mf);
	if (nd->bits & N_HOLD_FILE)
		return plan_add(pl, PLAN_HOLD_FILE, nd->path, mf);
	if ((nd->bits & (N_DW | N_HELD)) && !(nd->bits & N_MISSING) && pw)
		return plan_add(pl, PLAN_BIND_RO, nd->path, mf);
	if ((nd->bits & (N_RW | N_DROP)) == N_RW && !pw)
		return plan_add(pl, PLAN_BIND_RW, nd->path, PLAN_F_SETTING);
	if ((nd->bits & N_PIN) && w)
		return plan_add(pl, PLAN_PIN, nd->path, PLAN_F_MANDATORY);
	return 0;
}

static int
collect_writable(struct pstate *ps)
{
	struct plan	*pl = ps->plan;
	size_t		 i;

	for (i = 0; i < ps->n; i++) {
		if ((ps->v[i].bits & (N_RW | N_DROP)) != N_RW)
			continue;
		pl->writable = reallocarray(pl->writable, pl->nwritable + 1,
		    sizeof(char *));
		if (pl->writable == NULL ||
		    (pl->writable[pl->nwritable] = strdup(ps->v[i].path)) ==
		    NULL)
			return plan_fail(ps, "out of memory");
		pl->nwritable++;
	}
	return 0;
}

/*
 * The reference's convenience write directories under the home, left out
 * when a denyRead covers them (a write bind would re-expose them).  No
 * tool reads start-up files or hooks from a log directory, so they are
 * not scanned for mandatory denies (unless the settings name them too).
 */
static int
collect_defaults(struct pstate *ps)
{
	static const char *const rel[] = { ".npm/_logs", ".claude/debug",
	    NULL };
	char	 p[PATH_MAX];
	size_t	 i;

	if (ps->in->home == NULL)
		return 0;
	for (i = 0; rel[i] != NULL; i++) {
		if (snprintf(p, sizeof(p), "%s/%s", ps->in->home, rel[i]) >=
		    (int)sizeof(p) || node_hidden(ps, p, NULL))
			continue;
		if (collect_one(ps, p, N_RW | N_DEFAULT) == -1)
			return -1;
	}
	return 0;
}

/*
 * The reference hides the system's ssh_config.d (an empty tmpfs): a
 * fragment there could set a ProxyCommand or Include that goes around
 * the sandbox's own proxy settings for ssh.
 */
static int
collect_ssh(struct pstate *ps)
{
	struct stat	st;

	if (ps->probe->lstat(ps->probe->ctx, "/etc/ssh/ssh_config.d", &st) ==
	    -1 || !S_ISDIR(st.st_mode) ||
	    node_find(ps, "/etc/ssh/ssh_config.d") != NULL)
		return 0;
	return node_add(ps, "/etc/ssh/ssh_config.d", N_DR);
}

/* filesystem.disabled: no filesystem rule at all, as the reference. */
static int
plan_disabled(struct plan *pl, const struct plan_input *in, char *err,
    size_t errlen)
{
	if (plan_add(pl, PLAN_ROOT, "/", PLAN_F_SETTING) == -1 ||
	    plan_add(pl, PLAN_DEV, "/dev", 0) == -1 ||
	    plan_add(pl, PLAN_PROC, "/proc", 0) == -1 ||
	    plan_add(pl, PLAN_TMPDIR, in->tmp_parent ? in->tmp_parent :
	    "/tmp", 0) == -1 ||
	    (pl->writable = calloc(1, sizeof(char *))) == NULL ||
	    (pl->writable[0] = strdup("/")) == NULL) {
		snprintf(err, errlen, "out of memory");
		plan_free(pl);
		return -1;
	}
	pl->nwritable = 1;
	return 0;
}

static void
pstate_free(struct pstate *ps)
{
	size_t	i;

	for (i = 0; i < ps->n; i++)
		free(ps->v[i].path);
	free(ps->v);
}

int
plan_build(const struct plan_input *in, const struct plan_probe *probe,
    struct plan *pl, char *err, size_t errlen)
{
	struct pstate		 ps = { in, probe, pl, NULL, 0, 0, err, errlen,
				    0 };
	const struct fs_settings *fs = &in->settings->fs;
	size_t			 i;
	struct pnode		*root;
	const char		*tmp, *hroot = NULL;

	memset(pl, 0, sizeof(*pl));
	if (fs->disabled)
		return plan_disabled(pl, in, err, errlen);
	if (collect_list(&ps, &fs->allow_write, N_RW) == -1 ||
	    collect_list(&ps, &fs->deny_write, N_DW) == -1 ||
	    collect_list(&ps, &fs->deny_read, N_DR) == -1 ||
	    collect_list(&ps, &fs->allow_read, N_AR) == -1 ||
	    collect_defaults(&ps) == -1 || collect_ssh(&ps) == -1 ||
	    collect_mandatory(&ps) == -1)
		goto fail;
	filter_writes(&ps);
	place_denies(&ps);
	if (ps.failed)
		goto fail;
	if (ps.n > 0)
		qsort(ps.v, ps.n, sizeof(*ps.v), node_cmp);
	root = ps.n > 0 && strcmp(ps.v[0].path, "/") == 0 ? &ps.v[0] : NULL;
	if (plan_add(pl, PLAN_ROOT, "/", root != NULL &&
	    node_writable(&ps, "/") ? PLAN_F_SETTING : 0) == -1)
		goto oom;
	for (i = root != NULL ? 1 : 0; i < ps.n; i++)
		if (emit_node(&ps, &ps.v[i]) == -1)
			goto oom;
	for (i = 0; i < pl->n; i++)
		if (pl->v[i].flags & PLAN_F_MANDATORY &&
		    pl->v[i].type != PLAN_PIN)
			pl->nmandatory++;
	/* A TMPDIR parent hidden by a denyRead: /tmp, whose mount point
	 * is then at worst the top of a hiding tmpfs. */
	tmp = in->tmp_parent ? in->tmp_parent : "/tmp";
	if (node_hidden(&ps, tmp, &hroot) && strcmp(hroot, tmp) != 0)
		tmp = "/tmp";
	if (plan_add(pl, PLAN_DEV, "/dev", 0) == -1 ||
	    plan_add(pl, PLAN_PROC, "/proc", 0) == -1 ||
	    plan_add(pl, PLAN_TMPDIR, tmp, 0) == -1 ||
	    collect_writable(&ps) == -1)
		goto oom;
	pstate_free(&ps);
	return 0;
oom:
	plan_fail(&ps, "out of memory");
fail:
	pstate_free(&ps);
	plan_free(pl);
	return -1;
}

/*
 * The deepest op of the plan that covers p (host submounts inherit the
 * mode of the bind that brought them in), or NULL.  Ops that only create
 * mount points or make /dev, /proc and TMPDIR afresh cover nothing.
 */
const struct plan_op *
plan_op_at(const struct plan *pl, const char *p)
{
	const struct plan_op	*best = NULL;
	size_t			 i, len = 0, l;

	for (i = 0; i < pl->n; i++) {
		switch (pl->v[i].type) {
		case PLAN_MKDIR:
		case PLAN_MKFILE:
		case PLAN_DEV:
		case PLAN_PROC:
		case PLAN_TMPDIR:
			continue;
		default:
			break;
		}
		if (path_under(p, pl->v[i].path) &&
		    (l = strlen(pl->v[i].path)) >= len) {
			best = &pl->v[i];
			len = l;
		}
	}
	return best;
}

/*
 * Whether a mount at path p should be writable: the mode of the nearest
 * op at or above it.  The executor's read-only pass uses this.
 */
bool
plan_writable_at(const struct plan *pl, const char *p)
{
	const struct plan_op	*best = plan_op_at(pl, p);

	if (best == NULL)
		return false;
	switch (best->type) {
	case PLAN_BIND_RW:
	case PLAN_PIN:
		return true;
	case PLAN_ROOT:
		return best->flags != 0;
	default:
		return false;
	}
}

void
plan_free(struct plan *pl)
{
	size_t	i;

	for (i = 0; i < pl->n; i++)
		free(pl->v[i].path);
	for (i = 0; i < pl->nwritable; i++)
		free(pl->writable[i]);
	for (i = 0; i < pl->nnotes; i++)
		free(pl->notes[i]);
	free(pl->v);
	free(pl->writable);
	free(pl->notes);
	memset(pl, 0, sizeof(*pl));
}

const char *
plan_op_name(enum plan_op_type t)
{
	static const char *const names[] = {
		[PLAN_ROOT] = "root", [PLAN_BIND_RW] = "bind-rw",
		[PLAN_BIND_RO] = "bind-ro", [PLAN_PIN] = "pin",
		[PLAN_HIDE_DIR] = "hide-dir", [PLAN_HIDE_FILE] = "hide-file",
		[PLAN_MKDIR] = "mkdir", [PLAN_MKFILE] = "mkfile",
		[PLAN_HOLD_DIR] = "hold-dir", [PLAN_HOLD_FILE] = "hold-file",
		[PLAN_LOCK_LINK] = "lock-link",
		[PLAN_DEV] = "dev", [PLAN_PROC] = "proc",
		[PLAN_TMPDIR] = "tmpdir"
	};

	if ((size_t)t >= sizeof(names) / sizeof(names[0]) || names[t] == NULL)
		return "?";
	return names[t];
}

void
plan_print(const struct plan *pl, FILE *fp)
{
	size_t	i;

	for (i = 0; i < pl->nnotes; i++)
		fprintf(fp, "# not applied: %s\n", pl->notes[i]);
	for (i = 0; i < pl->n; i++)
		fprintf(fp, "%-10s %s%s%s\n", plan_op_name(pl->v[i].type),
		    pl->v[i].path,
		    pl->v[i].type == PLAN_ROOT ? (pl->v[i].flags ? " (rw)" :
		    " (ro, every submount)") : "",
		    pl->v[i].flags & PLAN_F_MANDATORY &&
		    pl->v[i].type != PLAN_PIN ? " (mandatory)" : "");
}
