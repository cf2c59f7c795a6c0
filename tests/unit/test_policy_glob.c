/* Glob matching (table) and bounded expansion over a scratch tree. */
#include <sys/stat.h>
#include <sys/time.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/glob.h"
#include "tests/unit/tap.h"

struct mcase {
	const char	*pattern;
	const char	*path;
	int		 want;
};

static const struct mcase mcases[] = {
	{ "/a/*.pem", "/a/x.pem", 1 },
	{ "/a/*.pem", "/a/.x.pem", 1 },
	{ "/a/*.pem", "/a/b/x.pem", 0 },
	{ "/a/*.pem", "/a/x.pem.bak", 0 },
	{ "/a/*", "/a/", 1 },
	{ "/a/*", "/a", 0 },
	{ "/a/**/*.pem", "/a/x.pem", 1 },
	{ "/a/**/*.pem", "/a/b/c/x.pem", 1 },
	{ "/a/**/*.pem", "/b/x.pem", 0 },
	{ "/a/**", "/a/b/c", 1 },
	{ "/a/**", "/a/", 1 },
	{ "/a/**", "/a", 0 },
	{ "/a/b**c", "/a/b/x/c", 1 },
	{ "/a/b**c", "/a/bc", 1 },
	{ "/a/b*c", "/a/b/c", 0 },
	{ "/a/?", "/a/b", 1 },
	{ "/a/?", "/a/bc", 0 },
	{ "/a/?", "/a/", 0 },
	{ "/a?b", "/a/b", 0 },
	{ "/a/[bc]", "/a/c", 1 },
	{ "/a/[bc]", "/a/d", 0 },
	{ "/a/[a-c]x", "/a/bx", 1 },
	{ "/a/[a-c]x", "/a/dx", 0 },
	{ "/a/[!b]", "/a/!", 1 },
	{ "/a/[!b]", "/a/c", 0 },
	{ "/a/[^b]", "/a/^", 1 },
	{ "/a/[-a]", "/a/-", 1 },
	{ "/a/[z-a]", "/a/[z-a]", 1 },
	{ "/a/[z-a]", "/a/z", 0 },
	{ "/a/[]", "/a/[]", 1 },
	{ "/a/[x", "/a/[x", 1 },
	{ "/a/]", "/a/]", 1 },
	{ "/a/[z-a]*", "/a/[z-a]foo", 1 },
	{ "/a/*b*c*d", "/a/xbxcxd", 1 },
	{ "/a/*b*c*d", "/a/xbxcx", 0 },
	{ "**/x", "a/b/x", 1 },
	{ "**/x", "x", 1 },
	{ "**/x", "ax", 0 },
	{ "/a/***/x", "/a/b/c/x", 1 },
	{ "/home/u/.ssh", "/home/u/.ssh", 1 },
	{ "/home/u/.ssh", "/home/u/.sshx", 0 },
	{ "", "", 1 },
	{ "", "/", 0 },
};

static void
test_match(void)
{
	size_t	i;

	for (i = 0; i < sizeof(mcases) / sizeof(mcases[0]); i++)
		tap_ok(glob_match(mcases[i].pattern, mcases[i].path) ==
		    mcases[i].want, "\"%s\" %s \"%s\"", mcases[i].pattern,
		    mcases[i].want ? "matches" : "does not match",
		    mcases[i].path);
}

/* Many stars against a long near-miss: linear, not exponential. */
static void
test_pathological(void)
{
	char		pat[128], path[512];
	struct timeval	t0, t1;
	long		us;
	int		i;

	strlcpy(pat, "/a/", sizeof(pat));
	for (i = 0; i < 20; i++)
		strlcat(pat, "*a", sizeof(pat));
	strlcat(pat, "b", sizeof(pat));
	strlcpy(path, "/a/", sizeof(path));
	for (i = 0; i < 400; i++)
		strlcat(path, "a", sizeof(path));
	gettimeofday(&t0, NULL);
	tap_ok(!glob_match(pat, path), "20 stars vs 400 a's: no match");
	gettimeofday(&t1, NULL);
	us = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_usec - t0.tv_usec);
	tap_ok(us < 200000, "and fast (%ld us)", us);
}

static char	root[PATH_MAX];

static void
mk(const char *rel, int dir)
{
	char	p[PATH_MAX * 2];
	int	fd;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (dir) {
		if (mkdir(p, 0755) == -1)
			abort();
		return;
	}
	if ((fd = open(p, O_CREAT | O_WRONLY, 0644)) == -1)
		abort();
	close(fd);
}

static void
ln(const char *target, const char *rel)
{
	char	p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (symlink(target, p) == -1)
		abort();
}

static void
build_tree(void)
{
	char	tmpl[] = "/tmp/srt-glob-XXXXXX";

	if (mkdtemp(tmpl) == NULL || realpath(tmpl, root) == NULL)
		abort();
	mk("a.pem", 0);
	mk(".hidden.pem", 0);
	mk("b.txt", 0);
	mk("sub", 1);
	mk("sub/c.pem", 0);
	mk("sub/deep", 1);
	mk("sub/deep/d.pem", 0);
	mk("[WIP]", 1);
	mk("[WIP]/w.pem", 0);
	mk("I", 0);
	ln(".", "loop");
	ln("sub", "lnk");
	ln("nowhere", "dangling.pem");
	ln("sub", "[L]");
}

/* Expand root-relative pattern; the matches, root-relative, joined. */
static char *
expand(const char *rel, struct glob_limits *lim, int *rv, const char **why,
    char **unlisted)
{
	struct glob_result	 r;
	char			 pat[PATH_MAX * 2], *out, *tmp;
	size_t			 i, n = strlen(root);

	snprintf(pat, sizeof(pat), "%s/%s", root, rel);
	*rv = glob_expand(pat, lim, &r, why);
	out = strdup("");
	for (i = 0; i < r.n; i++) {
		if (asprintf(&tmp, "%s%s%s", out, i ? " " : "",
		    strncmp(r.v[i], root, n) == 0 ? r.v[i] + n + 1 : r.v[i]) ==
		    -1)
			abort();
		free(out);
		out = tmp;
	}
	if (unlisted != NULL) {
		*unlisted = strdup("");
		for (i = 0; i < r.nunlisted; i++) {
			if (asprintf(&tmp, "%s%s%s", *unlisted, i ? " " : "",
			    r.unlisted[i] + n + 1) == -1)
				abort();
			free(*unlisted);
			*unlisted = tmp;
		}
	}
	glob_result_free(&r);
	return out;
}

static void
expect(const char *rel, struct glob_limits lim, const char *want)
{
	const char	*why;
	char		*got;
	int		 rv;

	got = expand(rel, &lim, &rv, &why, NULL);
	if (!tap_ok(rv == 0 && strcmp(got, want) == 0, "expand %s", rel))
		tap_diag("  rv %d why %s got \"%s\" want \"%s\"", rv,
		    why ? why : "-", got, want);
	free(got);
}

static void
test_expand(void)
{
	struct glob_limits	 def = GLOB_LIMITS_DEFAULT, nofollow, noprune;
	struct glob_limits	 tiny, nonames, allow;
	struct glob_result	 r;
	const char		*why;
	char			*got, *unl;
	int			 rv;

	nofollow = def;
	nofollow.follow_links = false;
	noprune = def;
	noprune.prune = false;
	expect("*.pem", def, ".hidden.pem a.pem dangling.pem");
	expect("**/*.pem", def, ".hidden.pem [L]/c.pem [L]/deep/d.pem "
	    "[WIP]/w.pem a.pem dangling.pem lnk/c.pem lnk/deep/d.pem sub/c.pem "
	    "sub/deep/d.pem");
	expect("**/*.pem", nofollow, ".hidden.pem [WIP]/w.pem a.pem "
	    "dangling.pem sub/c.pem sub/deep/d.pem");
	expect("sub/**", def, "sub");
	expect("sub/**", noprune, "sub sub/c.pem sub/deep sub/deep/d.pem");
	expect("**/deep/**", nofollow, "sub/deep");
	expect("[[]WIP]/*", def, "[WIP]/w.pem");
	expect("[WIP]", def, "I [WIP]");
	expect("[WIP]/*.pem", def, "[WIP]/w.pem");
	expect("[WIP]/nothing*", def, "");
	nonames = def;
	nonames.names = false;
	expect("[WIP]", nonames, "I");
	expect("[WIP]/*.pem", nonames, "");
	expect("[[]WIP]", nonames, "[WIP]");
	expect("[L]/*.pem", def, "[L]/c.pem");
	expect("[L]", def, "[L]");
	allow = (struct glob_limits)GLOB_LIMITS_ALLOW;
	expect("*.pem", allow, ".hidden.pem a.pem");
	expect("**/*.pem", allow, ".hidden.pem [WIP]/w.pem a.pem sub/c.pem "
	    "sub/deep/d.pem");
	expect("[L]/*.pem", allow, "");
	expect("[L]", allow, "");
	expect("[WIP]/*.pem", allow, "[WIP]/w.pem");
	expect("*", allow, ".hidden.pem I [WIP] a.pem b.txt sub");
	expect("nothere/*.pem", def, "");
	expect("s?b/*.pem", def, "sub/c.pem");
	tiny = def;
	tiny.max_visit = 3;
	got = expand("**/*.pem", &tiny, &rv, &why, NULL);
	tap_ok(rv == -1 && why != NULL &&
	    strcmp(why, "glob walk looked at too many entries (give "
	    "it a longer literal start, or fewer \"**\")") == 0,
	    "max_visit enforced");
	free(got);
	tiny = def;
	tiny.max_matches = 1;
	got = expand("*.pem", &tiny, &rv, &why, NULL);
	tap_ok(rv == -1 && strcmp(why, "glob matches too many paths "
	    "(narrow it, or name the directory above its matches)") == 0,
	    "max_matches enforced");
	free(got);
	tiny = nofollow;
	tiny.max_depth = 1;
	got = expand("**/*.pem", &tiny, &rv, &why, &unl);
	tap_ok(rv == 0 && strcmp(unl, "[WIP] sub") == 0,
	    "too deep is reported unlisted (%s)", unl);
	free(got);
	free(unl);
	rv = glob_expand("/*/x", &def, &r, &why);
	tap_ok(rv == -1 && strcmp(why, "glob has no literal directory below "
	    "\"/\" to start from") == 0, "root base refused");
	rv = glob_expand("rel/*", &def, &r, &why);
	tap_ok(rv == -1, "relative pattern refused");
}

static void
test_unlistable(void)
{
	struct glob_limits	 def = GLOB_LIMITS_DEFAULT;
	const char		*why;
	char			 p[PATH_MAX * 2], *got, *unl;
	int			 rv;

	if (geteuid() == 0) {
		tap_skip("root lists any directory", "unlistable directory");
		return;
	}
	mk("locked", 1);
	mk("locked/e.pem", 0);
	snprintf(p, sizeof(p), "%s/locked", root);
	chmod(p, 0);
	got = expand("**/*.pem", &def, &rv, &why, &unl);
	tap_ok(rv == 0 && strstr(unl, "locked") != NULL,
	    "unlistable directory reported (%s)", unl);
	chmod(p, 0755);
	free(got);
	free(unl);
}

static void
cleanup(void)
{
	char	cmd[PATH_MAX + 16];

	if (strncmp(root, "/tmp/srt-glob-", 14) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		tap_diag("cleanup of %s failed", root);
}

int
main(void)
{
	test_match();
	test_pathological();
	build_tree();
	test_expand();
	test_unlistable();
	cleanup();
	return tap_done();
}
