/* Path entries: ~ and relative expansion, folding, glob flags, refusals. */
#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/path.h"
#include "tests/unit/tap.h"

#define HOME	"/home/u"
#define CWD	"/w/p"

struct pcase {
	const char	*raw;
	int		 literal;
	const char	*want;		/* NULL: expect why */
	int		 glob;
	const char	*why;
};

static const struct pcase cases[] = {
	{ "/", 0, "/", 0, NULL },
	{ "//", 0, "/", 0, NULL },
	{ "/a/b/", 0, "/a/b", 0, NULL },
	{ "/a//b///c", 0, "/a/b/c", 0, NULL },
	{ "/a/./b/.", 0, "/a/b", 0, NULL },
	{ "/nonexistent-srt/x/../y", 0, "/nonexistent-srt/y", 0, NULL },
	{ "/..", 0, "/", 0, NULL },
	{ "/../../a", 0, "/a", 0, NULL },
	{ "~", 0, HOME, 0, NULL },
	{ "~/", 0, HOME, 0, NULL },
	{ "~/.ssh", 0, HOME "/.ssh", 0, NULL },
	{ "~/../v", 0, "/home/v", 0, NULL },
	{ ".", 0, CWD, 0, NULL },
	{ "./x", 0, CWD "/x", 0, NULL },
	{ "x/y/", 0, CWD "/x/y", 0, NULL },
	{ "../q", 0, "/w/q", 0, NULL },
	{ "~user/x", 0, NULL, 0,
	    "\"~user\" paths are not supported; write the absolute path" },
	{ "~user", 1, NULL, 0,
	    "\"~user\" paths are not supported; write the absolute path" },
	{ "./~user", 0, CWD "/~user", 0, NULL },
	{ "", 0, NULL, 0, "path cannot be empty" },
	{ "/a/*.pem", 0, "/a/*.pem", 1, NULL },
	{ "/a/?", 0, "/a/?", 1, NULL },
	{ "/a/[ab]", 0, "/a/[ab]", 1, NULL },
	{ "/a/b]", 0, "/a/b]", 1, NULL },
	{ "/a/[ab]", 1, "/a/[ab]", 0, NULL },
	{ "/a/*/", 0, "/a/*/", 1, NULL },
	{ "~/a/*/", 0, HOME "/a/*/", 1, NULL },
	{ "a/*/", 0, CWD "/a/*", 1, NULL },
	{ "/a/**", 0, "/a", 0, NULL },
	{ "/**", 0, "/", 0, NULL },
	{ "~/.aws/**", 0, HOME "/.aws", 0, NULL },
	{ "/a/**", 1, "/a/**", 0, NULL },
	{ "/a/*/**", 0, "/a/*/**", 1, NULL },
	{ "/a/**/*.pem", 0, "/a/**/*.pem", 1, NULL },
	{ "/a//*.pem", 0, "/a/*.pem", 1, NULL },
	{ "/a/../*.pem", 0, "/*.pem", 1, NULL },
	{ "/a/*/../b", 0, NULL, 0,
	    "\"..\" after a glob character is not supported" },
	{ "/a/*/../b", 1, "/a/b", 0, NULL },
};

static void
test_table(void)
{
	const struct pcase	*c;
	const char		*why;
	char			*out;
	size_t			 i;
	bool			 glob;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		why = path_expand(c->raw, c->literal, HOME, CWD, &out, &glob);
		if (c->want == NULL) {
			TAP_EQ_STR(why, c->why, c->raw);
			tap_ok(out == NULL, "%s: no output", c->raw);
			continue;
		}
		if (!tap_ok(why == NULL && strcmp(out, c->want) == 0 &&
		    glob == c->glob, "%s%s -> %s%s", c->raw,
		    c->literal ? " (literal)" : "", c->want,
		    c->glob ? " (glob)" : ""))
			tap_diag("  why %s out %s glob %d", why ? why : "-",
			    out ? out : "-", glob);
		free(out);
	}
}

static void
test_env(void)
{
	const char	*why;
	char		*out, big[PATH_MAX + 10];
	bool		 glob;

	why = path_expand("~/x", false, NULL, CWD, &out, &glob);
	TAP_EQ_STR(why, "\"~\" cannot be expanded: no home directory",
	    "~ without home");
	why = path_expand("~", false, "", CWD, &out, &glob);
	TAP_EQ_STR(why, "\"~\" cannot be expanded: no home directory",
	    "~ with empty home is not \"/\"");
	why = path_expand("rel", false, HOME, NULL, &out, &glob);
	TAP_EQ_STR(why, "relative path, but the working directory is unknown",
	    "relative without cwd");
	why = path_expand("/abs", false, NULL, NULL, &out, &glob);
	tap_ok(why == NULL && strcmp(out, "/abs") == 0,
	    "absolute needs neither");
	free(out);
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	why = path_expand(big, false, HOME, CWD, &out, &glob);
	TAP_EQ_STR(why, "path too long", "PATH_MAX refused");
}

/* ".." climbs from where a symlink really points, as the kernel does. */
static void
test_symlink_dotdot(void)
{
	char		 tmpl[] = "/tmp/srt-path-XXXXXX", real[PATH_MAX];
	char		 link[PATH_MAX + 32], raw[PATH_MAX + 32];
	char		 sub[PATH_MAX + 32], want[PATH_MAX + 32];
	char		*out, *dir;
	const char	*why;
	bool		 glob;

	if ((dir = mkdtemp(tmpl)) == NULL || realpath(dir, real) == NULL)
		abort();
	snprintf(sub, sizeof(sub), "%s/real", real);
	mkdir(sub, 0700);
	snprintf(sub, sizeof(sub), "%s/real/sub", real);
	mkdir(sub, 0700);
	snprintf(link, sizeof(link), "%s/link", real);
	if (symlink(sub, link) == -1)
		abort();
	snprintf(raw, sizeof(raw), "%s/link/../x", real);
	snprintf(want, sizeof(want), "%s/real/x", real);
	why = path_expand(raw, false, HOME, CWD, &out, &glob);
	if (!tap_ok(why == NULL && strcmp(out, want) == 0,
	    "link/.. follows the link"))
		tap_diag("  got %s", out ? out : why);
	free(out);
	unlink(link);
	rmdir(sub);
	snprintf(sub, sizeof(sub), "%s/real", real);
	rmdir(sub);
	rmdir(real);
}

static void
test_glob_base(void)
{
	const char	*in[] = { "/a/b/*.pem", "/a/b*", "/*", "/a/**/x",
	    "/a/b/c", "/a/[x]/y", "*" };
	const char	*want[] = { "/a/b", "/a", "/", "/a", "/a/b", "/a", "" };
	char		 out[PATH_MAX];
	size_t		 i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		path_glob_base(in[i], out, sizeof(out));
		TAP_EQ_STR(out, want[i], in[i]);
	}
	tap_ok(path_has_glob("a]") && !path_has_glob("/a/b"),
	    "path_has_glob");
}

int
main(void)
{
	test_table();
	test_env();
	test_symlink_dotdot();
	test_glob_base();
	return tap_done();
}
