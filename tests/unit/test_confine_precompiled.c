/*
 * Each seccomp program embedded by libcommon/gen/confine-gen.c must be
 * byte for byte what libseccomp builds now for the same promises, and a
 * promise set that was not precompiled must have no embedded program
 * (confine() then builds it at run time).
 */
#include <sys/mman.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libcommon/confine-seccomp.h"
#include "tests/unit/tap.h"

static const char *const helper_promises[] = {
	"stdio",
	"stdio accept sendfd recvfd",
	"stdio inet dns recvfd sendfd splice unix",
	"stdio inet dns recvfd sendfd splice unix rpath",
	"stdio sendfd recvfd",
	"stdio sendfd recvfd unix",
	"stdio sendfd recvfd wpath cpath",
	"stdio sendfd recvfd unix wpath cpath",
};

static void
check_one(const char *promises, pid_t pid)
{
	struct sock_filter	*pre = NULL;
	unsigned char		*buf;
	size_t			 len = 0, sz;
	ssize_t			 n;
	int			 fd;

	if (!tap_ok(confine_seccomp_precompiled(promises, pid, &pre,
	    &len) == 0 && len > 0, "\"%s\" is precompiled", promises))
		return;
	sz = len * sizeof(*pre);
	fd = memfd_create("test", 0);
	if (!tap_ok(fd != -1 && confine_seccomp_export(promises, pid,
	    fd) == 0, "\"%s\" exports", promises)) {
		if (fd != -1)
			close(fd);
		free(pre);
		return;
	}
	buf = malloc(sz + 1);
	n = pread(fd, buf, sz + 1, 0);
	close(fd);
	TAP_EQ_INT((long)n, (long)sz, "same length");
	tap_ok(n == (ssize_t)sz && memcmp(buf, pre, sz) == 0,
	    "\"%s\" pid %ld: embedded program byte-identical to "
	    "libseccomp's", promises, (long)pid);
	free(buf);
	free(pre);
}

static int
same_program(const char *p1, const char *p2)
{
	struct sock_filter	*a = NULL, *b = NULL;
	size_t			 la = 0, lb = 0;
	int			 same;

	same = confine_seccomp_precompiled(p1, 42, &a, &la) == 0 &&
	    confine_seccomp_precompiled(p2, 42, &b, &lb) == 0 && la == lb &&
	    memcmp(a, b, la * sizeof(*a)) == 0;
	free(a);
	free(b);
	return same;
}

int
main(void)
{
	struct sock_filter	*p = NULL;
	size_t			 i, len = 0;

	for (i = 0; i < sizeof(helper_promises) /
	    sizeof(helper_promises[0]); i++) {
		check_one(helper_promises[i], getpid());
		check_one(helper_promises[i], 1);
		check_one(helper_promises[i], 4194304);
	}
	/* Word order does not matter: the lookup is by promise bits. */
	tap_ok(same_program("recvfd accept stdio sendfd",
	    "stdio accept sendfd recvfd"), "lookup ignores word order");
	tap_ok(confine_seccomp_precompiled("stdio rpath wpath cpath exec", 1,
	    &p, &len) == 1, "a set not precompiled has no program");
	tap_ok(confine_seccomp_precompiled("stdio nosuchpromise", 1, &p,
	    &len) == -1, "an unknown promise is an error");
	return tap_done();
}
