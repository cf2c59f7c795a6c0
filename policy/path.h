/*
 * Filesystem entries of the settings file: "~" and relative spellings
 * made absolute, "//" and "." dropped, ".." resolved as the kernel would
 * (through the real path of what exists, lexically beyond it), no
 * trailing slash except where it is part of a glob.
 */
#ifndef SRT_PATH_H
#define SRT_PATH_H

#include <stdbool.h>

/* '*', '?', '[' or ']' anywhere: read as a pattern unless literal. */
bool	path_has_glob(const char *);

/*
 * Expand one entry.  NULL with a malloc'd *out and *glob set, or a static
 * reason.  home and cwd may be NULL (then "~" or a relative entry is an
 * error).  A trailing "/ **" (without the space) over a plain directory is
 * that directory: the entry is then no glob.
 */
const char *path_expand(const char *raw, bool literal, const char *home,
	    const char *cwd, char **out, bool *glob);

/* The directory a glob's walk starts from: its static prefix up to the
 * last '/' before the first glob character ("" or "/" if none). */
void	path_glob_base(const char *pattern, char *out, size_t outlen);

#endif
