/*
 * confine() that confines nothing, linked in place of libcommon's only
 * for tests/load/build-unconfined.sh: valgrind implements neither
 * seccomp(2) nor the Landlock syscalls, so the real srt-proxy cannot
 * start under it.  Never installed; the report says what is missing.
 */
#include <string.h>

#include "libcommon/confine.h"

int
confine(const char *promises, const struct confine_path *paths,
    size_t npaths, struct confine_report *report)
{
	(void)promises;
	(void)paths;
	(void)npaths;
	if (report != NULL) {
		memset(report, 0, sizeof(*report));
		strlcpy(report->degraded, "unconfined test build",
		    sizeof(report->degraded));
	}
	return 0;
}
