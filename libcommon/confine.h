/*
 * Self-confinement for the helpers, pledge/unveil in spirit: one call
 * that sets no_new_privs, applies a Landlock ruleset giving the process
 * only the listed paths (none by default) and installs a seccomp
 * allowlist assembled from promise names.  Order matters: privileges are
 * dropped first (by the caller, privdrop()), then no_new_privs (Landlock
 * requires it), then Landlock, then seccomp last, since once it is on the
 * calls the earlier steps need would be refused.
 *
 * Promises (space separated): stdio rpath wpath cpath inet dns unix
 * sendfd recvfd proc exec id tty.  Anything not promised is killed
 * (SECCOMP_RET_KILL_PROCESS), except probing calls such as open/stat,
 * which fail with EACCES so libc can fall back.
 */
#ifndef SRT_CONFINE_H
#define SRT_CONFINE_H

#include <stddef.h>

#define CONFINE_READ	0x1
#define CONFINE_WRITE	0x2

struct confine_path {
	const char	*path;
	int		 access;	/* CONFINE_READ | CONFINE_WRITE */
};

/* What confine() managed to apply, for -d and srt-launch --check. */
struct confine_report {
	int	landlock_abi;		/* 0 = Landlock unavailable */
	int	landlock_applied;
	int	seccomp_applied;
	char	degraded[256];		/* human words, empty if none */
};

/*
 * 0 on success, -1 on failure with errno set and a reason logged; a
 * caller must treat -1 as fatal.  Landlock missing in the kernel is not a
 * failure (it is reported), an unknown promise is.
 */
int	confine(const char *promises, const struct confine_path *paths,
	    size_t npaths, struct confine_report *report);

/* When running as root: drop to user (NULL = "nobody"): setgroups,
 * setresgid, setresuid, then verify nothing can be regained. */
int	privdrop(const char *user);

/* Landlock ABI of the running kernel, 0 when absent or disabled. */
int	landlock_abi(void);

#endif
