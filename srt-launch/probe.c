/* The mount plan's view of the real filesystem. */
#include <sys/stat.h>

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "policy/glob.h"
#include "srt-launch/srt-launch.h"

static int
probe_lstat(void *ctx, const char *path, struct stat *st)
{
	(void)ctx;
	return lstat(path, st);
}

static char *
probe_realpath(void *ctx, const char *path)
{
	(void)ctx;
	return realpath(path, NULL);
}

static int
probe_readdir(void *ctx, const char *path,
    int (*cb)(void *, const char *, int), void *arg)
{
	DIR		*d;
	struct dirent	*de;
	int		 rc = 0;

	(void)ctx;
	if ((d = opendir(path)) == NULL)
		return -1;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		rc = cb(arg, de->d_name, de->d_type);
	}
	closedir(d);
	return rc;
}

/* For a deny, matches and the directories that could not be walked: it
 * must cover what it could not look into.  An allow fails closed. */
static int
probe_glob(void *ctx, const char *pattern, bool allow,
    int (*cb)(void *, const char *), void *arg, const char **why)
{
	struct glob_limits	deny = GLOB_LIMITS_DEFAULT;
	struct glob_limits	allowl = GLOB_LIMITS_ALLOW;
	struct glob_limits	lim = allow ? allowl : deny;
	struct glob_result	res;
	size_t			i;
	int			rc = 0;

	(void)ctx;
	memset(&res, 0, sizeof(res));
	if (glob_expand(pattern, &lim, &res, why) == -1)
		return -1;
	for (i = 0; rc == 0 && i < res.n; i++)
		rc = cb(arg, res.v[i]);
	for (i = 0; rc == 0 && !allow && i < res.nunlisted; i++)
		rc = cb(arg, res.unlisted[i]);
	glob_result_free(&res);
	return rc;
}

const struct plan_probe launch_probe = {
	NULL, probe_lstat, probe_realpath, probe_readdir, probe_glob
};
