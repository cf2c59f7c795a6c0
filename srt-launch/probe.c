/* The mount plan's view of the real filesystem. */
#include <sys/stat.h>

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

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

const struct plan_probe launch_probe = {
	NULL, probe_lstat, probe_realpath, probe_readdir
};
