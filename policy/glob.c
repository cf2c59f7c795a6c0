/*
 * Glob matching as a small NFA over the pattern's tokens, run one byte at
 * a time, so matching costs O(pattern * path) whatever the names an
 * attacker creates (a backtracking matcher is exponential in the number of
 * stars), and the walk can carry the state down the tree and prune every
 * directory beneath which nothing can match.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/glob.h"
#include "policy/path.h"

enum gkind {
	G_LIT,		/* one byte */
	G_ANY,		/* ?: one byte but '/' */
	G_STAR,		/* *: any bytes but '/' */
	G_GSTAR,	/* **: any bytes */
	G_GSS,		/* ** and '/': (.* '/')? */
	G_SET		/* [...] */
};

struct gtok {
	enum gkind	 kind;
	unsigned char	 c;
	const char	*set;	/* members, not NUL-terminated */
	size_t		 setlen;
};

struct gprog {
	struct gtok	*t;
	size_t		 m;
	size_t		 nstates;	/* 2 * (m + 1): (pos, inside-GSS) */
	uint8_t		*seen;		/* scratch of nstates, all zero */
};

/* The ranges of a set; false where they spell none (empty, backwards). */
static bool
glob_set_valid(const char *s, size_t n)
{
	size_t	i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char	from = (unsigned char)s[i];

		if (i + 2 < n && s[i + 1] == '-')
			i += 2;
		if ((unsigned char)s[i] < from)
			return false;
	}
	return true;
}

static bool
glob_set_has(const struct gtok *t, unsigned char c)
{
	size_t	i;

	for (i = 0; i < t->setlen; i++) {
		unsigned char	from = (unsigned char)t->set[i];

		if (i + 2 < t->setlen && t->set[i + 1] == '-')
			i += 2;
		if (c >= from && c <= (unsigned char)t->set[i])
			return true;
	}
	return false;
}

static void
glob_push(struct gprog *g, enum gkind k, unsigned char c)
{
	g->t[g->m].kind = k;
	g->t[g->m].c = c;
	g->t[g->m].set = NULL;
	g->t[g->m].setlen = 0;
	g->m++;
}

/* A run of stars at p; returns the bytes consumed. */
static size_t
glob_stars(struct gprog *g, const char *p)
{
	size_t	k = 0, rest;
	bool	sep;

	while (p[k] == '*')
		k++;
	sep = k >= 2 && p[k] == '/';
	rest = k - (sep ? 2 : 0);
	if (rest >= 2)
		glob_push(g, G_GSTAR, 0);
	else if (rest == 1)
		glob_push(g, G_STAR, 0);
	if (sep)
		glob_push(g, G_GSS, 0);
	return k + (sep ? 1 : 0);
}

static int
glob_compile(const char *pat, struct gprog *g)
{
	size_t		 i = 0, n = strlen(pat), textuntil = 0;
	const char	*close;

	memset(g, 0, sizeof(*g));
	if ((g->t = calloc(n + 1, sizeof(*g->t))) == NULL)
		return -1;
	while (i < n) {
		if (pat[i] == '?') {
			glob_push(g, G_ANY, 0);
			i++;
		} else if (pat[i] == '*')
			i += glob_stars(g, pat + i);
		else if (pat[i] == '[' && i >= textuntil &&
		    (close = strchr(pat + i + 1, ']')) != NULL &&
		    glob_set_valid(pat + i + 1,
		    (size_t)(close - pat - i - 1))) {
			glob_push(g, G_SET, 0);
			g->t[g->m - 1].set = pat + i + 1;
			g->t[g->m - 1].setlen = (size_t)(close - pat - i - 1);
			i = (size_t)(close - pat) + 1;
		} else {
			/* A '[' that opens no set is text up to its ']'. */
			if (pat[i] == '[' && i >= textuntil) {
				close = strchr(pat + i + 1, ']');
				textuntil = close == NULL ? n :
				    (size_t)(close - pat) + 1;
			}
			glob_push(g, G_LIT, (unsigned char)pat[i]);
			i++;
		}
	}
	g->nstates = 2 * (g->m + 1);
	if ((g->seen = calloc(g->nstates, 1)) == NULL) {
		free(g->t);
		return -1;
	}
	return 0;
}

static void
glob_prog_free(struct gprog *g)
{
	free(g->t);
	free(g->seen);
}

#define ST(i, in)	(2 * (i) + (in))

/*
 * A state set is the list of its live states, so a step costs the live
 * states, not the pattern's length: a long pattern with many wildcards
 * walked over a large tree stays cheap.  seen[] marks members while a set
 * is built and is cleared again before the builder returns.
 */
struct gset {
	size_t		n;
	uint32_t	v[];
};

static struct gset *
gset_new(const struct gprog *g)
{
	struct gset	*s;

	if ((s = malloc(sizeof(*s) + g->nstates * sizeof(s->v[0]))) != NULL)
		s->n = 0;
	return s;
}

static void
gset_copy(struct gset *dst, const struct gset *src)
{
	dst->n = src->n;
	memcpy(dst->v, src->v, src->n * sizeof(src->v[0]));
}

static void
gset_unmark(const struct gprog *g, const struct gset *s)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		g->seen[s->v[i]] = 0;
}

/* Add state st and its zero-width successors (they only go forward). */
static void
gset_add(const struct gprog *g, struct gset *s, size_t st)
{
	for (;;) {
		size_t	i = st / 2;

		if (g->seen[st])
			return;
		g->seen[st] = 1;
		s->v[s->n++] = (uint32_t)st;
		if ((st & 1) || i >= g->m || (g->t[i].kind != G_STAR &&
		    g->t[i].kind != G_GSTAR && g->t[i].kind != G_GSS))
			return;
		st = ST(i + 1, 0);
	}
}

static void
glob_step1(const struct gprog *g, size_t i, unsigned char c,
    struct gset *out)
{
	const struct gtok	*t = &g->t[i];

	switch (t->kind) {
	case G_LIT:
		if (c == t->c)
			gset_add(g, out, ST(i + 1, 0));
		break;
	case G_ANY:
		if (c != '/')
			gset_add(g, out, ST(i + 1, 0));
		break;
	case G_SET:
		if (glob_set_has(t, c))
			gset_add(g, out, ST(i + 1, 0));
		break;
	case G_STAR:
		if (c != '/')
			gset_add(g, out, ST(i, 0));
		break;
	case G_GSTAR:
		gset_add(g, out, ST(i, 0));
		break;
	case G_GSS:
		gset_add(g, out, ST(i, 1));
		if (c == '/')
			gset_add(g, out, ST(i + 1, 0));
		break;
	}
}

/* out = closure(step(in, c)); returns whether out is non-empty. */
static bool
glob_step(const struct gprog *g, const struct gset *in, unsigned char c,
    struct gset *out)
{
	size_t	k;

	out->n = 0;
	for (k = 0; k < in->n; k++) {
		size_t	st = in->v[k], i = st / 2;

		if (i >= g->m)
			continue;	/* the accepting state consumes nothing */
		if (!(st & 1))
			glob_step1(g, i, c, out);
		else {
			gset_add(g, out, ST(i, 1));
			if (c == '/')
				gset_add(g, out, ST(i + 1, 0));
		}
	}
	gset_unmark(g, out);
	return out->n != 0;
}

/* Consume s; the state ends in cur.  tmp is scratch. */
static bool
glob_run(const struct gprog *g, struct gset *cur, struct gset *tmp,
    const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (!glob_step(g, cur, (unsigned char)s[i], tmp)) {
			cur->n = 0;
			return false;
		}
		gset_copy(cur, tmp);
	}
	return true;
}

static bool
glob_accepts(const struct gprog *g, const struct gset *s)
{
	size_t	k;

	for (k = 0; k < s->n; k++)
		if (s->v[k] == ST(g->m, 0))
			return true;
	return false;
}

static void
glob_start(const struct gprog *g, struct gset *s)
{
	s->n = 0;
	gset_add(g, s, ST(0, 0));
	gset_unmark(g, s);
}

bool
glob_match(const char *pattern, const char *path)
{
	struct gprog	 g;
	struct gset	*a, *b;
	bool		 ok = false;

	if (glob_compile(pattern, &g) == -1)
		return false;
	a = gset_new(&g);
	b = gset_new(&g);
	if (a != NULL && b != NULL) {
		glob_start(&g, a);
		ok = glob_run(&g, a, b, path, strlen(path)) &&
		    glob_accepts(&g, a);
	}
	free(a);
	free(b);
	glob_prog_free(&g);
	return ok;
}

struct gwalk {
	const struct gprog		*g;
	const struct glob_limits	*lim;
	struct glob_result		*r;
	const char			*why;
	bool				 dirform;	/* ends in globstar */
	dev_t				 dev[64];
	ino_t				 ino[64];
	int				 depth;
};

static int
glob_add(char ***v, size_t *n, const char *s)
{
	char	**nv;

	if ((nv = reallocarray(*v, *n + 1, sizeof(*nv))) == NULL)
		return -1;
	*v = nv;
	if ((nv[*n] = strdup(s)) == NULL)
		return -1;
	(*n)++;
	return 0;
}

static int
glob_add_match(struct gwalk *w, const char *path)
{
	if (w->r->n >= w->lim->max_matches) {
		w->why = "glob matches too many paths"
		    " (narrow it, or name the directory above its matches)";
		return -1;
	}
	if (glob_add(&w->r->v, &w->r->n, path) == -1) {
		w->why = "out of memory";
		return -1;
	}
	return 0;
}

static int
glob_add_unlisted(struct gwalk *w, const char *path)
{
	if (glob_add(&w->r->unlisted, &w->r->nunlisted, path) == -1) {
		w->why = "out of memory";
		return -1;
	}
	return 0;
}

/* Is path a directory to descend into (not a loop, links as allowed)? */
static bool
glob_is_dir(struct gwalk *w, const char *path, unsigned char dtype,
    struct stat *st)
{
	int	i;

	if (dtype == DT_LNK && !w->lim->follow_links)
		return false;
	if (dtype != DT_DIR && dtype != DT_LNK && dtype != DT_UNKNOWN)
		return false;
	if (stat(path, st) == -1 || !S_ISDIR(st->st_mode))
		return false;
	if (dtype == DT_UNKNOWN && !w->lim->follow_links) {
		struct stat	lst;

		if (lstat(path, &lst) == -1 || S_ISLNK(lst.st_mode))
			return false;
	}
	for (i = 0; i < w->depth; i++)
		if (w->dev[i] == st->st_dev && w->ino[i] == st->st_ino)
			return false;
	return true;
}

static int	glob_walk(struct gwalk *, char *, size_t, const struct gset *);

static bool
glob_is_link(const char *path, unsigned char dtype)
{
	struct stat	st;

	if (dtype == DT_LNK)
		return true;
	if (dtype != DT_UNKNOWN)
		return false;
	return lstat(path, &st) == -1 || S_ISLNK(st.st_mode);
}

/* One directory entry: match it, then perhaps descend. */
static int
glob_entry(struct gwalk *w, char *path, size_t plen, const struct gset *state,
    const struct dirent *de)
{
	const struct gprog	*g = w->g;
	struct stat		 st;
	struct gset		*s2, *s3;
	size_t			 nlen = strlen(de->d_name);
	bool			 matched, dir, live;
	int			 rv = -1;

	if (plen + 1 + nlen >= PATH_MAX)
		return 0;
	path[plen] = '/';
	memcpy(path + plen + 1, de->d_name, nlen + 1);
	s2 = gset_new(g);
	s3 = gset_new(g);
	if (s2 == NULL || s3 == NULL) {
		w->why = "out of memory";
		goto out;
	}
	gset_copy(s2, state);
	if (!glob_run(g, s2, s3, de->d_name, nlen) ||
	    (w->lim->allow && glob_is_link(path, de->d_type))) {
		rv = 0;
		goto out;
	}
	matched = glob_accepts(g, s2);
	dir = glob_is_dir(w, path, de->d_type, &st);
	live = dir && glob_step(g, s2, '/', s3);
	/* "dir/" accepted: the directory form of a trailing globstar. */
	if (live && w->dirform && glob_accepts(g, s3))
		matched = true;
	if (matched && glob_add_match(w, path) == -1)
		goto out;
	rv = 0;
	if (!live || (matched && w->lim->prune))
		goto out;
	if (w->depth >= w->lim->max_depth || w->depth >= 64) {
		rv = glob_add_unlisted(w, path);
		goto out;
	}
	w->dev[w->depth] = st.st_dev;
	w->ino[w->depth] = st.st_ino;
	w->depth++;
	rv = glob_walk(w, path, plen + 1 + nlen, s3);
	w->depth--;
out:
	path[plen] = '\0';
	free(s2);
	free(s3);
	return rv;
}

static int
glob_walk(struct gwalk *w, char *path, size_t plen, const struct gset *state)
{
	struct dirent	*de;
	DIR		*d;
	int		 rv = 0;

	if ((d = opendir(path)) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return glob_add_unlisted(w, path);
	}
	while (rv == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (++w->r->visited > w->lim->max_visit) {
			w->why = "glob walk looked at too many entries"
			    " (give it a longer literal start, or fewer \"**\")";
			rv = -1;
			break;
		}
		rv = glob_entry(w, path, plen, state, de);
	}
	closedir(d);
	return rv;
}

static int
glob_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Start at the base with the state after "base/". */
static int
glob_from_base(struct gwalk *w, const char *base, struct gset *a,
    struct gset *b)
{
	char		 path[PATH_MAX];
	struct stat	 st;
	size_t		 blen = strlen(base);

	glob_start(w->g, a);
	if (!glob_run(w->g, a, b, base, blen) ||
	    !glob_step(w->g, a, '/', b))
		return 0;
	if (stat(base, &st) == -1 || !S_ISDIR(st.st_mode))
		return 0;
	if (w->dirform && glob_accepts(w->g, b)) {
		if (glob_add_match(w, base) == -1)
			return -1;
		if (w->lim->prune)
			return 0;
	}
	strlcpy(path, base, sizeof(path));
	w->dev[0] = st.st_dev;
	w->ino[0] = st.st_ino;
	w->depth = 1;
	return glob_walk(w, path, blen, b);
}

/* Walk from base (a directory the pattern starts with), adding to r. */
static int
glob_walk_pattern(const char *pattern, const char *base,
    const struct glob_limits *lim, struct glob_result *r, const char **why)
{
	struct gprog	 g;
	struct gwalk	 w;
	struct gset	*a = NULL, *b = NULL;
	int		 rv = -1;

	if (glob_compile(pattern, &g) == -1) {
		*why = "out of memory";
		return -1;
	}
	memset(&w, 0, sizeof(w));
	w.g = &g;
	w.lim = lim;
	w.r = r;
	w.dirform = strlen(pattern) >= 3 &&
	    strcmp(pattern + strlen(pattern) - 3, "/**") == 0;
	if ((a = gset_new(&g)) == NULL || (b = gset_new(&g)) == NULL)
		w.why = "out of memory";
	else
		rv = glob_from_base(&w, base, a, b);
	free(a);
	free(b);
	glob_prog_free(&g);
	if (rv == -1 || w.why != NULL) {
		*why = w.why != NULL ? w.why : "glob walk failed";
		return -1;
	}
	return 0;
}

/* s with every '[', '*' and '?' made a one-member set: a literal name. */
static char *
glob_escape(const char *s, size_t n)
{
	char	*out, *o;
	size_t	 i;

	if ((out = malloc(3 * n + 1)) == NULL)
		return NULL;
	for (i = 0, o = out; i < n; i++) {
		if (s[i] == '[' || s[i] == '*' || s[i] == '?') {
			*o++ = '[';
			*o++ = s[i];
			*o++ = ']';
		} else
			*o++ = s[i];
	}
	*o = '\0';
	return out;
}

static bool
glob_comp_has_glob(const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strchr("*?[]", p[i]) != NULL)
			return true;
	return false;
}

/* The whole spelling as a name: for an allow, no link on the way. */
static int
glob_name_whole(const char *pattern, const struct glob_limits *lim,
    struct glob_result *r, const char **why)
{
	struct stat	 st;
	char		 p[PATH_MAX], *slash;

	if (lstat(pattern, &st) == -1)
		return 0;
	if (lim->allow) {
		strlcpy(p, pattern, sizeof(p));
		do {
			if (lstat(p, &st) == -1 || S_ISLNK(st.st_mode))
				return 0;
			if ((slash = strrchr(p, '/')) != NULL)
				*slash = '\0';
		} while (slash != NULL && glob_comp_has_glob(p, strlen(p)));
	}
	if (glob_add(&r->v, &r->n, pattern) == -1) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

/*
 * The readings a spelling has beside its pattern one, as the reference's
 * literalReadings: a directory may hold glob characters in its own name
 * ("[WIP] draft"), so where the leading components with glob characters
 * exist as spelled, the entry is also that name, or the rest of the
 * pattern beneath it.  Without this a deny of "/w/[WIP]" would match
 * "/w/W", "/w/I", "/w/P" and leave "/w/[WIP]" itself readable.
 */
static int
glob_name_readings(const char *pattern, const struct glob_limits *lim,
    struct glob_result *r, const char **why)
{
	struct stat	 st;
	char		 prefix[PATH_MAX], *esc, *sub;
	const char	*p = pattern, *e;
	size_t		 len;

	while (*p != '\0') {
		while (*p == '/')
			p++;
		e = strchrnul(p, '/');
		len = (size_t)(e - pattern);
		if (p == e || !glob_comp_has_glob(p, (size_t)(e - p))) {
			p = e;
			continue;
		}
		if (len >= sizeof(prefix))
			return 0;
		memcpy(prefix, pattern, len);
		prefix[len] = '\0';
		if (lstat(prefix, &st) == -1 ||
		    (lim->allow && S_ISLNK(st.st_mode)))
			return 0;
		if (!glob_comp_has_glob(e, strlen(e)))
			return glob_name_whole(pattern, lim, r, why);
		if (S_ISDIR(st.st_mode) || (!lim->allow &&
		    S_ISLNK(st.st_mode) && stat(prefix, &st) == 0 &&
		    S_ISDIR(st.st_mode))) {
			if ((esc = glob_escape(prefix, len)) == NULL ||
			    asprintf(&sub, "%s%s", esc, e) == -1) {
				free(esc);
				*why = "out of memory";
				return -1;
			}
			free(esc);
			if (glob_walk_pattern(sub, prefix, lim, r, why) == -1) {
				free(sub);
				return -1;
			}
			free(sub);
		}
		p = e;
	}
	return 0;
}

static void
glob_sort_unique(char **v, size_t *n)
{
	size_t	i, j;

	if (*n < 2)
		return;
	qsort(v, *n, sizeof(*v), glob_cmp);
	for (i = 1, j = 1; i < *n; i++) {
		if (strcmp(v[i], v[j - 1]) == 0)
			free(v[i]);
		else
			v[j++] = v[i];
	}
	*n = j;
}

int
glob_expand(const char *pattern, const struct glob_limits *lim,
    struct glob_result *r, const char **why)
{
	char	base[PATH_MAX];

	memset(r, 0, sizeof(*r));
	*why = NULL;
	if (pattern[0] != '/' || strlen(pattern) >= PATH_MAX) {
		*why = "glob must be an absolute path";
		return -1;
	}
	path_glob_base(pattern, base, sizeof(base));
	if (base[0] == '\0' || strcmp(base, "/") == 0) {
		*why = "glob has no literal directory below \"/\" to start "
		    "from";
		return -1;
	}
	if (glob_walk_pattern(pattern, base, lim, r, why) == -1 ||
	    (lim->names && glob_name_readings(pattern, lim, r, why) == -1)) {
		glob_result_free(r);
		return -1;
	}
	glob_sort_unique(r->v, &r->n);
	glob_sort_unique(r->unlisted, &r->nunlisted);
	return 0;
}

void
glob_result_free(struct glob_result *r)
{
	size_t	i;

	for (i = 0; i < r->n; i++)
		free(r->v[i]);
	for (i = 0; i < r->nunlisted; i++)
		free(r->unlisted[i]);
	free(r->v);
	free(r->unlisted);
	memset(r, 0, sizeof(*r));
}
