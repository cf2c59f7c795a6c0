/* The mount plan against a fake filesystem: semantics, order, symlinks,
 * mandatory denies and their depth. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/glob.h"
#include "policy/plan.h"
#include "policy/settings.h"
#include "tests/unit/tap.h"

/* One fake entry: 'd' directory, 'f' file, 'l' symlink to target. */
struct fent {
	const char	*path;
	char		 type;
	const char	*target;
};

static const struct fent *fs_cur;

static const struct fent *
fs_find(const char *p)
{
	const struct fent	*e;

	if (strcmp(p, "/") == 0) {
		static const struct fent root = { "/", 'd', NULL };
		return &root;
	}
	for (e = fs_cur; e->path != NULL; e++)
		if (strcmp(e->path, p) == 0)
			return e;
	return NULL;
}

static int
fake_lstat(void *ctx, const char *p, struct stat *st)
{
	const struct fent	*e = fs_find(p);

	(void)ctx;
	if (e == NULL) {
		errno = ENOENT;
		return -1;
	}
	memset(st, 0, sizeof(*st));
	st->st_mode = e->type == 'd' ? S_IFDIR | 0755 : e->type == 'l' ?
	    S_IFLNK | 0777 : e->type == 'h' ? S_IFDIR | PLAN_HOLD_DIR_MODE :
	    S_IFREG | 0644;
	return 0;
}

/* Component-wise resolution; absolute link targets only. */
static char *
fake_realpath(void *ctx, const char *p)
{
	char			 out[PATH_MAX] = "", rest[PATH_MAX];
	char			 nxt[PATH_MAX];
	const struct fent	*e;
	char			*c, *save = NULL;
	int			 hops = 0;

	(void)ctx;
	strlcpy(rest, p, sizeof(rest));
again:
	out[0] = '\0';
	for (c = strtok_r(rest, "/", &save); c != NULL;
	    c = strtok_r(NULL, "/", &save)) {
		strlcat(out, "/", sizeof(out));
		strlcat(out, c, sizeof(out));
		if ((e = fs_find(out)) == NULL) {
			errno = ENOENT;
			return NULL;
		}
		if (e->type == 'l') {
			if (++hops > 8)
				return NULL;
			snprintf(nxt, sizeof(nxt), "%s/%s", e->target,
			    save ? save : "");
			strlcpy(rest, nxt, sizeof(rest));
			save = NULL;
			goto again;
		}
	}
	return strdup(out[0] ? out : "/");
}

static int
fake_readdir(void *ctx, const char *dir,
    int (*cb)(void *, const char *, int), void *arg)
{
	const struct fent	*e;
	size_t			 n = strlen(dir);
	const char		*name;
	int			 rc;

	(void)ctx;
	if (strcmp(dir, "/") == 0)
		n = 0;
	for (e = fs_cur; e->path != NULL; e++) {
		if (strncmp(e->path, dir, n) != 0 || e->path[n] != '/')
			continue;
		name = e->path + n + 1;
		if (strchr(name, '/') != NULL)
			continue;
		if ((rc = cb(arg, name, e->type == 'd' || e->type == 'h' ?
		    DT_DIR : e->type == 'l' ? DT_LNK : DT_REG)) != 0)
			return rc;
	}
	return 0;
}

/* Globs against the fake table, with the policy's matcher; an allow
 * never matches a symlink. */
static int
fake_glob(void *ctx, const char *pattern, bool allow,
    int (*cb)(void *, const char *), void *arg, const char **why)
{
	const struct fent	*e;
	int			 rc;

	(void)ctx;
	(void)why;
	for (e = fs_cur; e->path != NULL; e++)
		if (glob_match(pattern, e->path) &&
		    !(allow && e->type == 'l') &&
		    (rc = cb(arg, e->path)) != 0)
			return rc;
	return 0;
}

static const struct plan_probe fake = {
	NULL, fake_lstat, fake_realpath, fake_readdir, fake_glob
};

static struct path_entry pe_buf[4][8];

static void
setlist(struct path_list *l, int slot, const char *const *paths)
{
	size_t	n = 0;

	while (paths != NULL && paths[n] != NULL) {
		pe_buf[slot][n].path = (char *)(uintptr_t)paths[n];
		pe_buf[slot][n].raw = pe_buf[slot][n].path;
		pe_buf[slot][n].glob = strpbrk(paths[n], "*?[") != NULL;
		n++;
	}
	l->v = pe_buf[slot];
	l->n = n;
}

struct tcase {
	const struct fent	*fs;
	const char *const	*aw, *const *dw, *const *dr, *const *ar;
	bool			 git_config;
	int			 depth;
	const char		*cwd;
};

static int
run(const struct tcase *tc, struct plan *pl)
{
	struct settings		s;
	struct plan_input	in;
	char			err[256];

	memset(&s, 0, sizeof(s));
	memset(pe_buf, 0, sizeof(pe_buf));
	s.mandatory_deny_search_depth = tc->depth ? tc->depth : 3;
	s.fs.allow_git_config = tc->git_config;
	setlist(&s.fs.allow_write, 0, tc->aw);
	setlist(&s.fs.deny_write, 1, tc->dw);
	setlist(&s.fs.deny_read, 2, tc->dr);
	setlist(&s.fs.allow_read, 3, tc->ar);
	fs_cur = tc->fs;
	in.settings = &s;
	in.tmp_parent = "/tmp";
	in.cwd = tc->cwd;
	in.home = NULL;
	if (plan_build(&in, &fake, pl, err, sizeof(err)) == -1) {
		tap_diag("plan_build: %s", err);
		return -1;
	}
	return 0;
}

/* The op on path, or -1. */
static int
has(const struct plan *pl, enum plan_op_type t, const char *path)
{
	size_t	i;

	for (i = 0; i < pl->n; i++)
		if (pl->v[i].type == t && strcmp(pl->v[i].path, path) == 0)
			return (int)i;
	return -1;
}

static int
count(const struct plan *pl, enum plan_op_type t)
{
	size_t	i;
	int	c = 0;

	for (i = 0; i < pl->n; i++)
		c += pl->v[i].type == t;
	return c;
}

/* No mount op comes after one beneath it. */
static bool
ordered(const struct plan *pl)
{
	size_t	i, j, n;

	for (i = 0; i < pl->n; i++)
		for (j = i + 1; j < pl->n; j++) {
			if (pl->v[j].type == PLAN_MKDIR ||
			    pl->v[j].type == PLAN_MKFILE ||
			    pl->v[j].type == PLAN_TMPDIR)
				continue;
			n = strlen(pl->v[j].path);
			if (strcmp(pl->v[j].path, "/") != 0 &&
			    strncmp(pl->v[i].path, pl->v[j].path, n) == 0 &&
			    pl->v[i].path[n] == '/')
				return false;
		}
	return true;
}

static const struct fent fs_base[] = {
	{ "/etc", 'd', NULL }, { "/etc/passwd", 'f', NULL },
	{ "/tmp", 'd', NULL },
	{ "/home", 'd', NULL }, { "/home/u", 'd', NULL },
	{ "/home/u/.ssh", 'd', NULL }, { "/home/u/.ssh/id", 'f', NULL },
	{ "/home/u/.ssh/known", 'f', NULL },
	{ "/home/u/tok", 'f', NULL },
	{ "/w", 'd', NULL }, { "/w/src", 'd', NULL },
	{ "/w/src/a.c", 'f', NULL },
	{ "/w/.bashrc", 'f', NULL },
	{ "/w/.git", 'd', NULL }, { "/w/.git/HEAD", 'f', NULL },
	{ "/w/.git/hooks", 'd', NULL }, { "/w/.git/config", 'f', NULL },
	{ "/w/a", 'd', NULL }, { "/w/a/b", 'd', NULL },
	{ "/w/a/b/.git", 'd', NULL }, { "/w/a/b/.git/HEAD", 'f', NULL },
	{ "/w/a/.zshrc", 'f', NULL },
	{ "/w/a/b/c", 'd', NULL }, { "/w/a/b/c/.profile", 'f', NULL },
	{ "/w/a/b/.Vscode", 'd', NULL },
	{ "/w/node_modules", 'd', NULL },
	{ "/w/node_modules/.bashrc", 'f', NULL },
	{ "/w/etc", 'l', "/etc" }, { "/w/self", 'l', "/w/src" },
	{ "/w/.zprofile", 'l', "/w/src/a.c" },
	{ "/wt", 'd', NULL }, { "/wt/.git", 'f', NULL },
	{ "/empty", 'd', NULL },
	{ "/sh", 'd', NULL }, { "/sh/.claude", 'h', NULL },
	{ "/link", 'l', "/w" }, { "/w/src/up", 'l', "/w/a" },
	{ NULL, 0, NULL }
};

static void
t_defaults(void)
{
	struct tcase	tc = { .fs = fs_base };
	struct plan	pl;

	if (run(&tc, &pl) == -1) {
		tap_ok(0, "defaults build");
		return;
	}
	TAP_EQ_INT(pl.n, 4, "defaults: root, dev, proc, tmpdir");
	TAP_EQ_INT(pl.v[0].type, PLAN_ROOT, "defaults: root first");
	TAP_EQ_INT(pl.v[0].flags, 0, "defaults: root read-only");
	TAP_EQ_INT(pl.nwritable, 0, "defaults: nothing writable");
	tap_ok(!plan_writable_at(&pl, "/home/u"), "defaults: /home ro");
	plan_free(&pl);
}

static void
t_write(void)
{
	static const char *const aw[] = { "/w", NULL };
	static const char *const dw[] = { "/w/src/a.c", NULL };
	struct tcase	tc = { .fs = fs_base, .aw = aw, .dw = dw };
	struct plan	pl;

	if (run(&tc, &pl) == -1) {
		tap_ok(0, "write build");
		return;
	}
	tap_ok(has(&pl, PLAN_BIND_RW, "/w") > 0, "allowWrite: bind-rw /w");
	tap_ok(has(&pl, PLAN_BIND_RO, "/w/src/a.c") > 0,
	    "denyWrite inside allowWrite: bind-ro");
	tap_ok(has(&pl, PLAN_PIN, "/w/src") > 0, "parent of a deny pinned");
	tap_ok(has(&pl, PLAN_BIND_RO, "/w/.bashrc") > 0,
	    "mandatory: existing .bashrc read-only");
	tap_ok(has(&pl, PLAN_HOLD_FILE, "/w/.zshrc") > 0,
	    "mandatory: missing .zshrc held");
	tap_ok(has(&pl, PLAN_BIND_RO, "/w/.git/hooks") > 0,
	    "mandatory: .git/hooks read-only");
	tap_ok(has(&pl, PLAN_BIND_RO, "/w/.git/config") > 0,
	    "mandatory: .git/config read-only");
	tap_ok(has(&pl, PLAN_PIN, "/w/.git") > 0, ".git pinned");
	tap_ok(has(&pl, PLAN_HOLD_DIR, "/w/.claude") > 0,
	    "missing .claude: one empty directory for commands and agents");
	tap_ok(has(&pl, PLAN_HOLD_FILE, "/w/.vscode") > 0,
	    "missing .vscode held");
	tap_ok(has(&pl, PLAN_LOCK_LINK, "/w/.zprofile") > 0,
	    "symlinked .zprofile: the link itself is covered");
	tap_ok(has(&pl, PLAN_BIND_RO, "/w/a/.zshrc") > 0,
	    "nested .zshrc at depth 1");
	tap_ok(has(&pl, PLAN_PIN, "/w/a") > 0, "nested: /w/a pinned");
	tap_ok(has(&pl, PLAN_HOLD_FILE, "/w/a/b/.git/hooks") < 0,
	    "depth 3: repository at level 2 not scanned");
	tap_ok(has(&pl, PLAN_BIND_RO, "/w/a/b/.git/config") < 0,
	    "nested repository without config: nothing to bind");
	tap_ok(has(&pl, PLAN_BIND_RO, "/w/a/b/c/.profile") < 0,
	    "depth 3: .profile at level 3 not scanned");
	tap_ok(has(&pl, PLAN_BIND_RO, "/w/a/b/.Vscode") < 0,
	    "depth 3: directory at level 2 not scanned");
	tap_ok(has(&pl, PLAN_BIND_RO, "/w/node_modules/.bashrc") < 0,
	    "node_modules skipped");
	tap_ok(pl.nmandatory > 10, "mandatory counted (%zu)", pl.nmandatory);
	TAP_EQ_INT(pl.nwritable, 1, "one Landlock write root");
	tap_ok(plan_writable_at(&pl, "/w/src/x") &&
	    !plan_writable_at(&pl, "/w/src/a.c") &&
	    !plan_writable_at(&pl, "/etc"), "writable_at follows the ops");
	tap_ok(ordered(&pl), "ops ordered parents first");
	plan_free(&pl);
}

static void
t_depth(void)
{
	static const char *const aw[] = { "/w", NULL };
	struct tcase	tc = { .fs = fs_base, .aw = aw, .depth = 4,
			    .git_config = true };
	struct plan	pl;

	if (run(&tc, &pl) == -1) {
		tap_ok(0, "depth build");
		return;
	}
	tap_ok(has(&pl, PLAN_BIND_RO, "/w/a/b/c/.profile") > 0,
	    "depth 4: level 3 file found");
	tap_ok(has(&pl, PLAN_BIND_RO, "/w/a/b/.Vscode") > 0,
	    "depth 4: level 2 directory found, any case");
	tap_ok(has(&pl, PLAN_BIND_RO, "/w/.git/config") < 0,
	    "allowGitConfig: config stays writable");
	tap_ok(has(&pl, PLAN_HOLD_FILE, "/w/a/b/.git/hooks") > 0,
	    "depth 4: nested repository's missing hooks held");
	tap_ok(has(&pl, PLAN_PIN, "/w/a/b/.git") > 0 &&
	    has(&pl, PLAN_PIN, "/w/a/b") > 0, "nested repository pinned");
	tap_ok(has(&pl, PLAN_BIND_RO, "/w/.git/hooks") > 0,
	    "allowGitConfig: hooks still denied");
	tap_ok(ordered(&pl), "depth: ordered");
	plan_free(&pl);
}

static void
t_symlinks(void)
{
	static const char *const aw[] = { "/w/etc", "/w/self", "/w/src/up",
	    NULL };
	struct tcase	tc = { .fs = fs_base, .aw = aw };
	struct plan	pl;
	size_t		i;
	bool		etc = false;

	if (run(&tc, &pl) == -1) {
		tap_ok(0, "symlink build");
		return;
	}
	for (i = 0; i < pl.n; i++)
		if (pl.v[i].type == PLAN_BIND_RW &&
		    strncmp(pl.v[i].path, "/etc", 4) == 0)
			etc = true;
	tap_ok(!etc, "allowWrite symlink to /etc refused");
	tap_ok(has(&pl, PLAN_BIND_RW, "/w/src") > 0,
	    "allowWrite symlink within its directory: target bound");
	tap_ok(has(&pl, PLAN_BIND_RW, "/w/a") < 0 &&
	    has(&pl, PLAN_BIND_RW, "/w") < 0,
	    "allowWrite /w/src/up -> /w/a (outside its directory) refused");
	tap_ok(pl.nnotes == 2 && strstr(pl.notes[0], "not granted") != NULL,
	    "refused symlinks are noted for the user (%zu notes)", pl.nnotes);
	plan_free(&pl);
}

static void
t_read(void)
{
	static const char *const dr[] = { "/home/u/.ssh", "/home/u/tok",
	    NULL };
	static const char *const ar[] = { "/home/u/.ssh/known", NULL };
	struct tcase	tc = { .fs = fs_base, .dr = dr, .ar = ar };
	struct plan	pl;
	int		h, m, b;

	if (run(&tc, &pl) == -1) {
		tap_ok(0, "read build");
		return;
	}
	h = has(&pl, PLAN_HIDE_DIR, "/home/u/.ssh");
	m = has(&pl, PLAN_MKFILE, "/home/u/.ssh/known");
	b = has(&pl, PLAN_BIND_RO, "/home/u/.ssh/known");
	tap_ok(h > 0, "denyRead dir: empty tmpfs");
	tap_ok(has(&pl, PLAN_HIDE_FILE, "/home/u/tok") > 0,
	    "denyRead file: /dev/null");
	tap_ok(h < m && m < b, "allowRead inside: mount point, then bind-ro");
	tap_ok(!plan_writable_at(&pl, "/home/u/.ssh/known"),
	    "re-exposed file stays read-only");
	tap_ok(ordered(&pl), "read: ordered");
	plan_free(&pl);
}

static void
t_deny_wins(void)
{
	static const char *const aw[] = { "/w", "/w/src", NULL };
	static const char *const dw[] = { "/w/src", "/w/nope/x", NULL };
	struct tcase	tc = { .fs = fs_base, .aw = aw, .dw = dw };
	struct plan	pl;

	if (run(&tc, &pl) == -1) {
		tap_ok(0, "deny-wins build");
		return;
	}
	tap_ok(has(&pl, PLAN_BIND_RW, "/w/src") < 0 &&
	    has(&pl, PLAN_BIND_RO, "/w/src") > 0,
	    "allowWrite equal to denyWrite: read-only");
	tap_ok(has(&pl, PLAN_HOLD_DIR, "/w/nope") > 0,
	    "missing denyWrite: first missing component held");
	TAP_EQ_INT(pl.nwritable, 1, "only /w is a write root");
	plan_free(&pl);
}

static void
t_deny_link(void)
{
	static const char *const aw[] = { "/w", NULL };
	static const char *const dw[] = { "/w/self", NULL };
	struct tcase	tc = { .fs = fs_base, .aw = aw, .dw = dw };
	struct plan	pl;

	if (run(&tc, &pl) == -1) {
		tap_ok(0, "deny-link build");
		return;
	}
	tap_ok(has(&pl, PLAN_LOCK_LINK, "/w/self") > 0 &&
	    has(&pl, PLAN_BIND_RO, "/w/src") > 0,
	    "denyWrite of a symlink: the link covered, its target read-only");
	tap_ok(ordered(&pl), "deny-link: ordered");
	plan_free(&pl);
}

static void
t_worktree(void)
{
	static const char *const aw[] = { "/wt", NULL };
	struct tcase	tc = { .fs = fs_base, .aw = aw };
	struct plan	pl;

	if (run(&tc, &pl) == -1) {
		tap_ok(0, "worktree build");
		return;
	}
	tap_ok(has(&pl, PLAN_BIND_RO, "/wt/.git") > 0,
	    ".git file (worktree) bound read-only: nothing below it");
	TAP_EQ_INT(count(&pl, PLAN_HOLD_DIR), 1,
	    "worktree: only .claude needs a directory");
	plan_free(&pl);
}

static void
t_cwd(void)
{
	static const char *const aw[] = { "/w", NULL };
	struct tcase	tc = { .fs = fs_base, .aw = aw, .cwd = "/w/a/b" };
	struct plan	pl;

	if (run(&tc, &pl) == -1) {
		tap_ok(0, "cwd build");
		return;
	}
	tap_ok(has(&pl, PLAN_HOLD_FILE, "/w/a/b/.bashrc") > 0,
	    "cwd below a write root: its own missing files held");
	tap_ok(has(&pl, PLAN_BIND_RO, "/w/a/b/c/.profile") > 0,
	    "cwd scan reaches below it");
	tap_ok(ordered(&pl), "cwd: ordered");
	plan_free(&pl);
}

static void
t_glob(void)
{
	static const char *const dr[] = { "/home/u/.ssh/*", NULL };
	static const char *const aw[] = { "/w/*", NULL };
	struct tcase	tc = { .fs = fs_base, .dr = dr, .aw = aw };
	struct plan	pl;

	if (run(&tc, &pl) == -1) {
		tap_ok(0, "glob build");
		return;
	}
	tap_ok(has(&pl, PLAN_HIDE_FILE, "/home/u/.ssh/id") > 0 &&
	    has(&pl, PLAN_HIDE_FILE, "/home/u/.ssh/known") > 0,
	    "denyRead glob: each match hidden");
	tap_ok(has(&pl, PLAN_BIND_RW, "/w/src") > 0,
	    "allowWrite glob: a directory match bound");
	tap_ok(has(&pl, PLAN_BIND_RW, "/etc") < 0,
	    "allowWrite glob: the symlink /w/etc -> /etc is no match");
	tap_ok(ordered(&pl), "glob: ordered");
	plan_free(&pl);
}

static void
t_deny_root(void)
{
	static const char *const dr[] = { "/", NULL };
	static const char *const ar[] = { "/etc", NULL };
	struct tcase	tc = { .fs = fs_base, .dr = dr, .ar = ar };
	struct plan	pl;

	if (run(&tc, &pl) == -1) {
		tap_ok(0, "deny-root build");
		return;
	}
	tap_ok(has(&pl, PLAN_HIDE_DIR, "/") < 0 &&
	    has(&pl, PLAN_HIDE_DIR, "/home") > 0 &&
	    has(&pl, PLAN_HIDE_DIR, "/w") > 0 &&
	    has(&pl, PLAN_HIDE_DIR, "/tmp") > 0,
	    "denyRead /: each entry of the root hidden instead");
	tap_ok(has(&pl, PLAN_HIDE_DIR, "/etc") < 0,
	    "denyRead /: an allowRead entry stays visible");
	tap_ok(has(&pl, PLAN_HIDE_DIR, "/link") < 0,
	    "denyRead /: a symlink at the root is hidden with its target");
	tap_ok(ordered(&pl), "deny-root: ordered");
	plan_free(&pl);
}

static void
t_inside(void)
{
	static const char *const aw[] = { "/w/.git", "/w/.git/hooks", NULL };
	struct tcase	tc = { .fs = fs_base, .aw = aw };
	struct plan	pl;

	if (run(&tc, &pl) == -1) {
		tap_ok(0, "inside build");
		return;
	}
	tap_ok(has(&pl, PLAN_BIND_RW, "/w/.git") > 0 &&
	    has(&pl, PLAN_BIND_RO, "/w/.git/hooks") > 0 &&
	    has(&pl, PLAN_BIND_RO, "/w/.git/config") > 0,
	    "allowWrite of a .git: its hooks and config still denied");
	tap_ok(has(&pl, PLAN_BIND_RW, "/w/.git/hooks") < 0 &&
	    !plan_writable_at(&pl, "/w/.git/hooks/x"),
	    "allowWrite of .git/hooks itself is not granted");
	plan_free(&pl);
}

static void
t_shared(void)
{
	static const char *const aw[] = { "/sh", NULL };
	struct tcase	tc = { .fs = fs_base, .aw = aw };
	struct plan	pl;

	if (run(&tc, &pl) == -1) {
		tap_ok(0, "shared build");
		return;
	}
	tap_ok(has(&pl, PLAN_HOLD_DIR, "/sh/.claude") > 0 &&
	    has(&pl, PLAN_HOLD_FILE, "/sh/.claude/commands") < 0,
	    "another sandbox's placeholder directory is shared, not filled");
	plan_free(&pl);
}

/* Under a by whole components. */
static bool
under(const char *p, const char *a)
{
	size_t	n = strlen(a);

	return strcmp(a, "/") == 0 || (strncmp(p, a, n) == 0 &&
	    (p[n] == '\0' || p[n] == '/'));
}

/*
 * Random settings over the fake tree: the ops stay ordered, and no path
 * is writable unless it lies under an allowWrite target (resolved) and
 * under no denyWrite or mandatory name.
 */
static void
t_property(void)
{
	static const char *pool[] = {
		"/w", "/w/src", "/w/a", "/w/a/b", "/w/.git", "/w/self",
		"/w/etc", "/home/u", "/home/u/.ssh", "/home/u/tok", "/tmp",
		"/wt", "/w/src/a.c", "/w/nope", "/link", "/sh", "/w/src/up"
	};
	const char	*aw[4], *dw[3], *dr[3], *ar[3];
	struct plan	 pl;
	const struct fent *e;
	unsigned int	 seed = 1;
	int		 iter, bad_order = 0, bad_write = 0, i, k;
	char		*res;
	bool		 ok;

	for (iter = 0; iter < 2000; iter++) {
		const char **lists[4] = { aw, dw, dr, ar };
		int	 caps[4] = { 3, 2, 2, 2 };
		struct tcase tc = { .fs = fs_base };

		for (k = 0; k < 4; k++) {
			int n = rand_r(&seed) % (caps[k] + 1);

			for (i = 0; i < n; i++)
				lists[k][i] = pool[rand_r(&seed) %
				    (sizeof(pool) / sizeof(pool[0]))];
			lists[k][n] = NULL;
		}
		tc.aw = aw;
		tc.dw = dw;
		tc.dr = dr;
		tc.ar = ar;
		tc.depth = 1 + rand_r(&seed) % 4;
		if (run(&tc, &pl) == -1)
			continue;
		if (!ordered(&pl))
			bad_order++;
		for (e = fs_base; e->path != NULL; e++) {
			/* A write lands where the path resolves. */
			char	*real = fake_realpath(NULL, e->path);

			if (real == NULL || !plan_writable_at(&pl, real)) {
				free(real);
				continue;
			}
			ok = false;
			for (i = 0; aw[i] != NULL; i++) {
				res = fake_realpath(NULL, aw[i]);
				if (res != NULL && under(real, res))
					ok = true;
				free(res);
			}
			for (i = 0; dw[i] != NULL; i++) {
				res = fake_realpath(NULL, dw[i]);
				if (under(real, res ? res : dw[i]))
					ok = false;
				free(res);
			}
			/* node_modules is not scanned, as the reference. */
			if ((strstr(real, "/.bashrc") != NULL ||
			    strstr(real, "/.git/hooks") != NULL) &&
			    strstr(real, "/node_modules/") == NULL)
				ok = false;
			if (!ok && bad_write++ == 0) {
				tap_diag("writable: %s (depth %d)", real,
				    tc.depth);
				for (k = 0; k < 4; k++)
					for (i = 0; lists[k][i]; i++)
						tap_diag("  list %d: %s", k,
						    lists[k][i]);
				plan_print(&pl, stderr);
			}
			free(real);
		}
		plan_free(&pl);
	}
	TAP_EQ_INT(bad_order, 0, "property: ops always ordered parents first");
	TAP_EQ_INT(bad_write, 0, "property: nothing writable beyond the rules");
}

int
main(void)
{
	t_property();
	t_inside();
	t_deny_root();
	t_shared();
	t_glob();
	t_defaults();
	t_write();
	t_depth();
	t_symlinks();
	t_read();
	t_deny_wins();
	t_worktree();
	t_deny_link();
	t_cwd();
	return tap_done();
}
