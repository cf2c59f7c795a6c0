/*
 * Glob patterns of filesystem entries, as the reference reads them:
 * '*' any run of a name's characters, '**' any run including '/',
 * '**' followed by '/' any number of directories, '?' one character of a
 * name, "[a-z]" one of a set ('^' and '!' are members, no escapes; brackets
 * that spell no set are text).  A dot file is matched like any other name.
 *
 * glob_expand walks the real filesystem for the launcher (bind mounts
 * need concrete paths), bounded in depth and entries, with loop-safe
 * symlink following.
 */
#ifndef SRT_GLOB_H
#define SRT_GLOB_H

#include <stdbool.h>
#include <stddef.h>

bool	glob_match(const char *pattern, const char *path);

struct glob_limits {
	int	 max_depth;	/* directories below the base, e.g. 32 */
	size_t	 max_visit;	/* directory entries looked at */
	size_t	 max_matches;
	bool	 follow_links;	/* descend into symlinked directories */
	bool	 prune;		/* do not descend below a matched directory */
	bool	 names;		/* also the name readings (see below) */
	bool	 allow;		/* for an allow list: no symlinks (below) */
};

/*
 * For a deny every spelling of a path must be caught, so symlinked
 * directories are followed and symlinks are matches.  For an allow
 * (allowRead, allowWrite) a symlink is never a match nor walked through,
 * from the first glob component on: a command that can write a directory
 * could otherwise plant a link there and have the next sandbox grant what
 * it points at.  Use GLOB_LIMITS_ALLOW for allow lists, and ignore
 * unlisted there (an allow fails closed).
 */
#define GLOB_LIMITS_DEFAULT { 32, 200000, 10000, true, true, true, false }
#define GLOB_LIMITS_ALLOW { 32, 200000, 10000, false, true, true, true }

struct glob_result {
	char	**v;		/* matches, sorted */
	size_t	  n;
	char	**unlisted;	/* directories that could not be walked */
	size_t	  nunlisted;
	size_t	  visited;
};

/*
 * Expand an absolute pattern.  A pattern ending in slash-star-star also
 * matches the directory itself.  0 on success (no match is success); -1
 * with a static reason: no literal directory below "/" to start from, or
 * a limit passed.  A directory that cannot be listed, or lies deeper than
 * max_depth, is reported in unlisted: a deny must cover it whole.
 *
 * With names, the spelling is also read as the name it spells where the
 * components holding glob characters exist on disk as spelled (a
 * directory called "[WIP]"), as the reference does: the whole name if it
 * exists, else the rest of the pattern beneath each such directory.
 * Matches are sorted and unique.
 */
int	glob_expand(const char *pattern, const struct glob_limits *,
	    struct glob_result *, const char **why);
void	glob_result_free(struct glob_result *);

#endif
