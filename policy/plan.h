/*
 * The mount plan: a pure function from settings and a filesystem probe to
 * an ordered list of operations that srt-launch/mount.c executes in the
 * sandbox's mount namespace.  Nothing here touches the filesystem except
 * through the probe, so the plan is unit-tested with a fake one and
 * printed by `srt-launch --print-plan`.
 *
 * Semantics (the reference's on Linux, REFERENCE.md "Filesystem plan"):
 * reads allowed everywhere, denyRead hides (empty directory or unreadable
 * file), allowRead re-exposes inside a denied region; writes denied
 * everywhere, allowWrite opens, denyWrite and the mandatory denies close
 * again (a deny always wins over an allow beneath it).  Every path is
 * resolved through symlinks first; the executor binds host paths onto the
 * same paths, so the resolved path is the one that is protected.
 */
#ifndef SRT_PLAN_H
#define SRT_PLAN_H

#include <sys/stat.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct settings;

enum plan_op_type {
	PLAN_ROOT = 1,		/* recursive read-only bind of the host / */
	PLAN_BIND_RW,		/* host path onto itself, writable */
	PLAN_BIND_RO,		/* host path onto itself, read-only */
	PLAN_PIN,		/* directory onto itself, writable: no rename */
	PLAN_HIDE_DIR,		/* empty read-only tmpfs over a directory */
	PLAN_HIDE_FILE,		/* /dev/null over a file, read-only */
	PLAN_MKDIR,		/* mount point inside a hiding tmpfs of ours */
	PLAN_MKFILE,		/* file mount point inside a hiding tmpfs */
	PLAN_HOLD_DIR,		/* missing deny dir: host placeholder */
	PLAN_HOLD_FILE,		/* missing deny file: host placeholder */
	PLAN_LOCK_LINK,		/* symlink on the way to a deny: covered */
	PLAN_DEV,		/* minimal /dev, own devpts, /dev/shm */
	PLAN_PROC,		/* fresh /proc of the new pid namespace */
	PLAN_TMPDIR		/* private tmpfs TMPDIR under the given dir */
};

/* The mark of a placeholder: no real dotfile has these modes. */
#define PLAN_HOLD_FILE_MODE	0400	/* empty regular file */
#define PLAN_HOLD_DIR_MODE	0500	/* empty directory */

#define PLAN_F_MANDATORY	0x1	/* from the built-in deny list */
#define PLAN_F_SETTING		0x2	/* from the settings file */

struct plan_op {
	enum plan_op_type	 type;
	char			*path;		/* absolute, resolved */
	unsigned int		 flags;
};

struct plan {
	struct plan_op	*v;
	size_t		 n;
	size_t		 cap;
	char		**writable;	/* Landlock write roots (resolved) */
	size_t		 nwritable;
	size_t		 nmandatory;	/* protected by the built-in list */
	char		**notes;	/* entries not applied, and why */
	size_t		 nnotes;
};

/*
 * How the plan sees the filesystem.  Each function returns -1 with errno
 * set on failure.  realpath returns a malloc'd canonical path or NULL
 * (errno ENOENT when a component is missing).  readdir calls cb for each
 * entry but "." and ".." with its d_type (DT_UNKNOWN allowed); cb
 * returning non-zero stops the walk.
 */
struct plan_probe {
	void	 *ctx;
	int	(*lstat)(void *ctx, const char *path, struct stat *);
	char	*(*realpath)(void *ctx, const char *path);
	int	(*readdir)(void *ctx, const char *dir,
		    int (*cb)(void *arg, const char *name, int dtype),
		    void *arg);
	/* Expand a glob pattern: cb for each match and, for a deny (allow
	 * false), for each directory that could not be walked, which it must
	 * cover whole; an allow never matches or walks a symlink.  NULL:
	 * glob entries are skipped.  -1 with *why on a passed limit. */
	int	(*glob)(void *ctx, const char *pattern, bool allow,
		    int (*cb)(void *arg, const char *path), void *arg,
		    const char **why);
};

struct plan_input {
	const struct settings	*settings;
	const char		*tmp_parent;	/* where TMPDIR goes: "/tmp" */
	const char		*cwd;
	const char		*home;		/* default write dirs or NULL */
};

/* 0 on success; -1 with a one-line reason in err. */
int	plan_build(const struct plan_input *, const struct plan_probe *,
	    struct plan *, char *err, size_t errlen);
void	plan_free(struct plan *);
const char *plan_op_name(enum plan_op_type);
void	plan_print(const struct plan *, FILE *);

/* Whether a mount at p should stay writable (the executor's ro pass). */
bool	plan_writable_at(const struct plan *, const char *p);
/* The deepest op covering p, as plan_writable_at judges it; NULL if none. */
const struct plan_op *plan_op_at(const struct plan *, const char *p);

/* Internal to policy/: append one op, path copied. */
int	plan_add(struct plan *, enum plan_op_type, const char *path,
	    unsigned int flags);

#endif
