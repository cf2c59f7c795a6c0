/*
 * glob_expand against a fixed tree made once per process under /tmp: the
 * input is the pattern below the tree's root.  Every match must lie under
 * the root and be matched by the pattern (what the launcher mounts is
 * what the user wrote), and the walk must stay inside its limits however
 * the tree loops through symlinks.
 */
#include <sys/stat.h>

#include <err.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/glob.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	fuzz_root[64];

static void
fuzz_tree_remove(void)
{
	char	cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fuzz_root);
	if (system(cmd) != 0)
		warnx("could not remove %s", fuzz_root);
}

static void
fuzz_mk(const char *rel, int dir)
{
	char	p[256];
	int	fd;

	snprintf(p, sizeof(p), "%s/%s", fuzz_root, rel);
	if (dir) {
		if (mkdir(p, 0755) == -1)
			err(1, "mkdir %s", p);
		return;
	}
	if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644)) == -1)
		err(1, "create %s", p);
	close(fd);
}

static void
fuzz_ln(const char *target, const char *rel)
{
	char	p[256];

	snprintf(p, sizeof(p), "%s/%s", fuzz_root, rel);
	if (symlink(target, p) == -1)
		err(1, "symlink %s", p);
}

static void
fuzz_tree(void)
{
	static const char *const dirs[] = {
		"a", "a/b", "a/b/c", "a/b/c/d", ".git", ".git/hooks", "x y",
		"[ab]", "node_modules", "node_modules/p", "e",
	};
	static const char *const files[] = {
		"f", ".env", "a/f.txt", "a/b/g.c", "a/b/c/d/deep", ".git/config",
		".git/hooks/pre", "x y/z", "[ab]/q", "node_modules/p/i.js",
		"star*", "q?", "back\\slash",
	};
	size_t	i;

	snprintf(fuzz_root, sizeof(fuzz_root), "/tmp/srt-fuzz-glob.%d",
	    (int)getpid());
	if (mkdir(fuzz_root, 0755) == -1)
		err(1, "mkdir %s", fuzz_root);
	atexit(fuzz_tree_remove);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		fuzz_mk(dirs[i], 1);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		fuzz_mk(files[i], 0);
	fuzz_ln("..", "a/b/up");		/* a loop */
	fuzz_ln(".", "e/self");			/* another */
	fuzz_ln("/nonexistent", "dangling");
	fuzz_ln("a/f.txt", "flink");
	fuzz_ln("../../a", "a/b/c/back");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct glob_limits	 lim = { .max_depth = 8, .max_visit = 5000,
				     .max_matches = 500, .follow_links = true,
				     .prune = true, .names = true };
	struct glob_result	 res;
	const char		*why = NULL;
	char			*pat;
	size_t			 i, rl;

	if (fuzz_root[0] == '\0')
		fuzz_tree();
	if (size > 512 || memchr(data, '\0', size) != NULL)
		return 0;
	rl = strlen(fuzz_root);
	if ((pat = malloc(rl + 1 + size + 1)) == NULL)
		return 0;
	memcpy(pat, fuzz_root, rl);
	pat[rl] = '/';
	memcpy(pat + rl + 1, data, size);
	pat[rl + 1 + size] = '\0';
	/* ".." leaves the tree by design; the walk itself is what we test. */
	memset(&res, 0, sizeof(res));
	if (glob_expand(pat, &lim, &res, &why) == 0) {
		if (res.n > lim.max_matches)
			abort();
		for (i = 0; i < res.n; i++) {
			if (strstr(pat, "..") == NULL &&
			    strncmp(res.v[i], fuzz_root, rl) != 0)
				abort();
		}
	} else if (why == NULL)
		abort();
	glob_result_free(&res);
	free(pat);
	return 0;
}
