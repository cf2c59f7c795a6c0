/* The mandatory deny list and its depth-bounded native scan. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy/mandatory.h"
#include "policy/plan.h"

const char *const mandatory_files[] = {
	".gitconfig", ".gitmodules", ".bashrc", ".bash_profile", ".zshrc",
	".zprofile", ".profile", ".ripgreprc", ".mcp.json", NULL
};

/* .git is not here: git must keep writing objects and refs. */
const char *const mandatory_dirs[] = {
	".vscode", ".idea", ".claude/commands", ".claude/agents", NULL
};

struct mscan {
	const struct plan_probe	*probe;
	int			 depth;
	bool			 allow_git_config;
	int			(*cb)(void *, const char *, size_t);
	void			*arg;
	int			 rc;
};

struct mdir {
	struct mscan	*s;
	const char	*dir;
	int		 level;		/* 0 = the root */
};

static int	mandatory_walk(struct mscan *, const char *, int);

static int
mandatory_emit(struct mscan *s, const char *dir, const char *name)
{
	char	path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") ? dir : "",
	    name) >= (int)sizeof(path))
		return 0;	/* unreachable by the command as well */
	return s->rc = s->cb(s->arg, path, strlen(dir));
}

static bool
mandatory_exists(struct mscan *s, const char *dir, const char *name,
    mode_t type)
{
	char		path[PATH_MAX];
	struct stat	st;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path))
		return false;
	if (s->probe->lstat(s->probe->ctx, path, &st) == -1)
		return false;
	return type == 0 || (st.st_mode & S_IFMT) == type;
}

/* A repository directory: its hooks always, its config unless allowed. */
static int
mandatory_git(struct mscan *s, const char *dir, bool top)
{
	char	git[PATH_MAX];

	if (snprintf(git, sizeof(git), "%s/.git", dir) >= (int)sizeof(git))
		return 0;
	/* A repository is known by its HEAD, so hooks are denied before
	 * there are any. */
	if (!top && !mandatory_exists(s, git, "HEAD", 0))
		return 0;
	if (mandatory_emit(s, dir, ".git/hooks"))
		return s->rc;
	if (!s->allow_git_config && (top ||
	    mandatory_exists(s, git, "config", 0)))
		return mandatory_emit(s, dir, ".git/config");
	return 0;
}

static bool
mandatory_is_file(const char *name)
{
	size_t	i;

	for (i = 0; mandatory_files[i] != NULL; i++)
		if (strcasecmp(name, mandatory_files[i]) == 0)
			return true;
	return false;
}

/* One entry of a directory below the root. */
static int
mandatory_entry(void *arg, const char *name, int dtype)
{
	struct mdir	*d = arg;
	struct mscan	*s = d->s;
	char		 sub[PATH_MAX];
	struct stat	 st;

	if (snprintf(sub, sizeof(sub), "%s/%s", d->dir, name) >=
	    (int)sizeof(sub))
		return 0;
	if (dtype == DT_UNKNOWN) {
		if (s->probe->lstat(s->probe->ctx, sub, &st) == -1)
			return 0;
		dtype = S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
	}
	if (mandatory_is_file(name))
		return mandatory_emit(s, d->dir, name);
	if (dtype != DT_DIR)
		return 0;
	/* Directories count one level less than files, as the reference's
	 * ripgrep depth does: what they hold lies one level further down. */
	if (d->level <= s->depth - 2) {
		if (strcasecmp(name, ".vscode") == 0 ||
		    strcasecmp(name, ".idea") == 0)
			return mandatory_emit(s, d->dir, name);
		if (strcasecmp(name, ".claude") == 0) {
			if (mandatory_exists(s, sub, "commands", S_IFDIR) &&
			    mandatory_emit(s, d->dir, ".claude/commands"))
				return s->rc;
			if (mandatory_exists(s, sub, "agents", S_IFDIR))
				return mandatory_emit(s, d->dir,
				    ".claude/agents");
			return 0;
		}
		if (strcasecmp(name, ".git") == 0)
			return mandatory_git(s, d->dir, false);
	}
	if (strcasecmp(name, "node_modules") == 0 ||
	    strcasecmp(name, ".git") == 0)
		return 0;
	if (d->level + 1 <= s->depth - 1)
		return mandatory_walk(s, sub, d->level + 1);
	return 0;
}

static int
mandatory_walk(struct mscan *s, const char *dir, int level)
{
	struct mdir	d = { s, dir, level };

	/* An unreadable directory is unreadable to the command too. */
	(void)s->probe->readdir(s->probe->ctx, dir, mandatory_entry, &d);
	return s->rc;
}

/* The root: every name, present or not. */
static int
mandatory_top(struct mscan *s, const char *root)
{
	size_t	i;

	for (i = 0; mandatory_files[i] != NULL; i++)
		if (mandatory_emit(s, root, mandatory_files[i]))
			return s->rc;
	for (i = 0; mandatory_dirs[i] != NULL; i++)
		if (mandatory_emit(s, root, mandatory_dirs[i]))
			return s->rc;
	return mandatory_git(s, root, true);
}

/* Entries of the root: the top pass reported the exact names already. */
static int
mandatory_root_entry(void *arg, const char *name, int dtype)
{
	size_t	i;

	for (i = 0; mandatory_files[i] != NULL; i++)
		if (strcmp(name, mandatory_files[i]) == 0)
			return 0;
	if (strcmp(name, ".git") == 0 || strcmp(name, ".vscode") == 0 ||
	    strcmp(name, ".idea") == 0 || strcmp(name, ".claude") == 0)
		return 0;
	return mandatory_entry(arg, name, dtype);
}

/*
 * The root's own path: a writable root inside a protected place (an
 * allowWrite of .git/hooks or .vscode/x) reports that place, which then
 * wins over it; a root that is a repository's .git or a .claude reports
 * what it holds.
 */
static int
mandatory_self(struct mscan *s, const char *root)
{
	char		 pfx[PATH_MAX];
	const char	*c = root, *e, *last = NULL;
	size_t		 n;

	while (*c == '/') {
		c++;
		e = c + strcspn(c, "/");
		n = (size_t)(e - c);
		if (snprintf(pfx, sizeof(pfx), "%.*s", (int)(e - root), root) >=
		    (int)sizeof(pfx))
			return 0;
		if (n > 0 && n < 64) {
			char	name[64], next[64];
			size_t	m = strcspn(*e ? e + 1 : e, "/");

			snprintf(name, sizeof(name), "%.*s", (int)n, c);
			snprintf(next, sizeof(next), "%.*s", (int)(m < 63 ? m :
			    63), *e ? e + 1 : e);
			if (mandatory_is_file(name) ||
			    strcasecmp(name, ".vscode") == 0 ||
			    strcasecmp(name, ".idea") == 0)
				return s->rc = s->cb(s->arg, pfx, strlen(pfx));
			if (*e && ((strcasecmp(name, ".claude") == 0 &&
			    (strcasecmp(next, "commands") == 0 ||
			    strcasecmp(next, "agents") == 0)) ||
			    (strcasecmp(name, ".git") == 0 &&
			    (strcasecmp(next, "hooks") == 0 ||
			    (!s->allow_git_config &&
			    strcasecmp(next, "config") == 0))))) {
				snprintf(pfx, sizeof(pfx), "%.*s",
				    (int)(e + 1 + m - root), root);
				return s->rc = s->cb(s->arg, pfx, strlen(pfx));
			}
			last = c;
		}
		c = e;
	}
	if (last == NULL)
		return 0;
	if (strcasecmp(last, ".git") == 0) {
		if (mandatory_emit(s, root, "hooks"))
			return s->rc;
		if (!s->allow_git_config)
			return mandatory_emit(s, root, "config");
	} else if (strcasecmp(last, ".claude") == 0) {
		if (mandatory_emit(s, root, "commands"))
			return s->rc;
		return mandatory_emit(s, root, "agents");
	}
	return 0;
}

int
mandatory_scan(const struct plan_probe *probe, const char *root, int depth,
    bool allow_git_config, int (*cb)(void *, const char *, size_t), void *arg)
{
	struct mscan	s = { probe, depth, allow_git_config, cb, arg, 0 };
	struct mdir	d = { &s, root, 0 };

	if (mandatory_self(&s, root) || mandatory_top(&s, root))
		return s.rc;
	if (depth >= 1)
		(void)probe->readdir(probe->ctx, root, mandatory_root_entry,
		    &d);
	return s.rc;
}
