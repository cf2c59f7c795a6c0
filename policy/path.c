/*
 * Path entries of denyRead/allowRead/allowWrite/denyWrite.
 *
 * Threat model: a rule that names a different path than the user meant is
 * a silent hole (a deny on the wrong file) or a grant (a write root on the
 * wrong directory).  So spellings with no single meaning are refused
 * rather than guessed: "~user" (the reference resolves it against the
 * cwd), "~" with no home, a relative entry with no working directory, and
 * ".." after a glob character (a pattern cannot say which directory it
 * climbs out of).  ".." is folded the way the kernel walks it: through the
 * real path of the prefix when that exists, so "/a/link/../x" is not
 * taken for "/a/x" when link points elsewhere.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "policy/path.h"

static const char r_empty[] = "path cannot be empty";
static const char r_home[] = "\"~\" cannot be expanded: no home directory";
static const char r_user[] =
    "\"~user\" paths are not supported; write the absolute path";
static const char r_cwd[] =
    "relative path, but the working directory is unknown";
static const char r_long[] = "path too long";
static const char r_dotdot[] =
    "\"..\" after a glob character is not supported";
static const char r_nomem[] = "out of memory";

bool
path_has_glob(const char *s)
{
	return strpbrk(s, "*?[]") != NULL;
}

/* Drop the last component of the absolute path in buf (length *n). */
static void
path_pop(char *buf, size_t *n)
{
	while (*n > 1 && buf[*n - 1] != '/')
		(*n)--;
	if (*n > 1)
		(*n)--;
	buf[*n] = '\0';
}

/*
 * "..": when the prefix exists, climb from where it really is, as the
 * kernel does; otherwise nothing there can redirect it and the lexical
 * parent is the one meant.
 */
static void
path_dotdot(char *buf, size_t *n)
{
	char	real[PATH_MAX];
	size_t	rn;

	if (*n > 1 && realpath(buf, real) != NULL) {
		rn = strlen(real);
		memcpy(buf, real, rn + 1);
		*n = rn;
	}
	path_pop(buf, n);
}

static bool
path_comp_glob(const char *p, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (strchr("*?[]", p[i]) != NULL)
			return true;
	return false;
}

static const char *
path_append(char *buf, size_t *n, const char *comp, size_t len)
{
	if (*n + 1 + len >= PATH_MAX)
		return r_long;
	if (*n > 1)
		buf[(*n)++] = '/';
	memcpy(buf + *n, comp, len);
	*n += len;
	buf[*n] = '\0';
	return NULL;
}

/* Fold the components of abs (absolute) into buf. */
static const char *
path_fold(const char *abs, bool glob, char *buf)
{
	const char	*p = abs, *e;
	const char	*why;
	size_t		 n = 1, len;
	bool		 seen_glob = false;

	buf[0] = '/';
	buf[1] = '\0';
	while (*p != '\0') {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		e = strchrnul(p, '/');
		len = (size_t)(e - p);
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (seen_glob)
				return r_dotdot;
			path_dotdot(buf, &n);
		} else if (len != 1 || p[0] != '.') {
			if ((why = path_append(buf, &n, p, len)) != NULL)
				return why;
			if (glob && path_comp_glob(p, len))
				seen_glob = true;
		}
		p = e;
	}
	return NULL;
}

/* "~", "~/x" and relative spellings made absolute (into a malloc'd *abs). */
static const char *
path_absolute(const char *raw, const char *home, const char *cwd,
    char **abs)
{
	const char	*base, *rest;

	if (raw[0] == '/') {
		base = "";
		rest = raw;
	} else if (raw[0] == '~' && (raw[1] == '\0' || raw[1] == '/')) {
		if (home == NULL || home[0] != '/')
			return r_home;
		base = home;
		rest = raw + 1;
	} else if (raw[0] == '~')
		return r_user;
	else {
		if (cwd == NULL || cwd[0] != '/')
			return r_cwd;
		base = cwd;
		rest = raw;
	}
	if (asprintf(abs, "%s/%s", base, rest) == -1) {
		*abs = NULL;
		return r_nomem;
	}
	if (strlen(*abs) >= PATH_MAX) {
		free(*abs);
		*abs = NULL;
		return r_long;
	}
	return NULL;
}

/* A trailing slash-star-star over a directory with no other glob. */
static bool
path_strip_globstar(char *s)
{
	size_t	n = strlen(s);

	if (n < 3 || strcmp(s + n - 3, "/**") != 0)
		return false;
	s[n - 3] = '\0';
	if (path_has_glob(s)) {
		s[n - 3] = '/';
		return false;
	}
	if (s[0] == '\0')
		strlcpy(s, "/", 2);
	return true;
}

const char *
path_expand(const char *raw, bool literal, const char *home,
    const char *cwd, char **out, bool *glob)
{
	char		 buf[PATH_MAX];
	char		*abs, *copy;
	const char	*why;
	size_t		 n;
	bool		 slash;

	*out = NULL;
	*glob = false;
	if (raw == NULL || raw[0] == '\0')
		return r_empty;
	if ((copy = strdup(raw)) == NULL)
		return r_nomem;
	if (!literal)
		(void)path_strip_globstar(copy);
	*glob = !literal && path_has_glob(copy);
	/*
	 * A slash after a glob segment is part of the pattern (directories
	 * only); relative spellings lose it, as the reference's resolve does.
	 */
	n = strlen(copy);
	slash = *glob && n > 1 && copy[n - 1] == '/' &&
	    (copy[0] == '/' || copy[0] == '~');
	why = path_absolute(copy, home, cwd, &abs);
	free(copy);
	if (why != NULL)
		return why;
	why = path_fold(abs, *glob, buf);
	free(abs);
	if (why != NULL)
		return why;
	n = strlen(buf);
	if (slash && n > 1) {
		if (n + 1 >= sizeof(buf))
			return r_long;
		buf[n++] = '/';
		buf[n] = '\0';
	}
	if ((*out = strdup(buf)) == NULL)
		return r_nomem;
	return NULL;
}

void
path_glob_base(const char *pattern, char *out, size_t outlen)
{
	size_t	n = strcspn(pattern, "*?[]");

	while (n > 0 && pattern[n - 1] != '/')
		n--;
	if (n > 1)
		n--;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, pattern, n);
	out[n] = '\0';
}
