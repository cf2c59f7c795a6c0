/*
 * Precompiled seccomp programs (libcommon/confine-linux.c).  The build
 * runs libcommon/gen/confine-gen.c, which exports what libseccomp builds
 * for each fixed helper promise set into $(B)/confine-filters.h;
 * confine() loads that program instead of building it again at run time
 * (~0.3 ms a helper) and falls back to libseccomp for any other set.
 */
#ifndef LIBCOMMON_CONFINE_SECCOMP_H
#define LIBCOMMON_CONFINE_SECCOMP_H

#include <sys/types.h>

#include <linux/filter.h>
#include <stddef.h>

/* tgkill is allowed only to our own pid: k of those insns is patched. */
struct confine_filter {
	int				 bits;
	size_t				 len;
	const struct sock_filter	*insns;
	size_t				 npid;
	const unsigned short		*pid_slots;
};

/* Write libseccomp's BPF for promises and pid to fd; -1 with errno. */
int	confine_seccomp_export(const char *promises, pid_t pid, int fd);
/*
 * The embedded program for promises with pid filled in, malloc'd into
 * *out: 0; 1 if none is precompiled; -1 on error.
 */
int	confine_seccomp_precompiled(const char *promises, pid_t pid,
	    struct sock_filter **out, size_t *len);

#endif
