/*
 * Self-confinement for the helpers, pledge/unveil in spirit: one call
 * that sets no_new_privs, applies a Landlock ruleset giving the process
 * only the listed paths (none by default) and installs a seccomp
 * allowlist assembled from promise names.  Order matters: privileges are
 * dropped first (by the caller, privdrop()), then capabilities, then
 * no_new_privs (Landlock requires it), then Landlock, then seccomp last,
 * since once it is on the calls the earlier steps need would be refused.
 *
 * Promises (space separated):
 *   stdio   I/O on open descriptors, memory, poll/epoll, time, signals,
 *           exit; fstat only through AT_EMPTY_PATH; ioctl FIONREAD/FIONBIO
 *   rpath   open read-only, stat, readlink, getdents, chdir
 *   wpath   open for writing, truncate, utimes, chmod
 *   cpath   create and remove: O_CREAT, mkdir, unlink, rename, link
 *   inet    AF_INET/AF_INET6 sockets, connect, bind, listen, accept
 *   accept  accept/accept4 on sockets that already listen, nothing else
 *   dns     UDP/TCP AF_INET/AF_INET6 sockets, connect, send, receive
 *   unix    AF_UNIX sockets
 *   sendfd  sendmsg (every imsg writer needs it, see below)
 *   recvfd  recvmsg (every imsg reader needs it, see below)
 *   proc    fork/clone without namespace flags, kill, wait
 *   exec    execve
 *   id      setres*id, setgroups
 *   tty     terminal ioctls (TCGETS/TCSETS*, window size, pgrp; no TIOCSTI)
 *   splice  splice, tee, pipe2 (the proxy's relay)
 *
 * seccomp cannot look inside a msghdr, so sendfd/recvfd grant sendmsg/
 * recvmsg whether or not SCM_RIGHTS travels: libcommon's imsg uses them
 * for every message, so a process writing an imsg channel needs sendfd
 * and one reading it needs recvfd.  What keeps a stray descriptor out is
 * the receiving imsgbuf, which closes any fd on a channel that did not
 * call imsgbuf_allow_fdpass().
 *
 * Anything not promised is killed (SECCOMP_RET_KILL_PROCESS), except
 * probing calls, which fail so libc can fall back: open/stat-family with
 * EACCES, socket() of AF_UNIX/AF_NETLINK (and AF_INET* without inet or
 * dns) with EACCES, clone3 and openat2 with ENOSYS, terminal ioctls
 * without tty with ENOTTY.
 *
 * Landlock: every filesystem right the running ABI knows is handled, the
 * paths get what their access flags say; TCP bind/connect are handled
 * (denied) unless inet is promised (dns alone keeps connect to port 53);
 * abstract unix sockets are always scoped, signals unless proc is
 * promised.  What the kernel cannot enforce is written to
 * report->degraded.  A missing Landlock is reported, not fatal: seccomp
 * still stands.
 *
 * Caveats: confine() cannot be undone and applies to the calling thread
 * and its future children; call it single-threaded.  Anything that needs
 * files (NSS, /etc/resolv.conf, syslog's socket, zoneinfo) must be done
 * before it.
 */
#ifndef SRT_CONFINE_H
#define SRT_CONFINE_H

#include <stddef.h>

#define CONFINE_READ	0x1
#define CONFINE_WRITE	0x2
#define CONFINE_EXEC	0x4

struct confine_path {
	const char	*path;
	int		 access;	/* CONFINE_READ | CONFINE_WRITE | _EXEC */
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
 * failure (it is reported), an unknown promise is.  report may be NULL.
 */
int	confine(const char *promises, const struct confine_path *paths,
	    size_t npaths, struct confine_report *report);

/* When running as root: drop to user (NULL = "nobody"): setgroups,
 * setresgid, setresuid, then verify nothing can be regained.  Not root:
 * nothing to do, 0. */
int	privdrop(const char *user);

/* Landlock ABI of the running kernel, 0 when absent or disabled. */
int	landlock_abi(void);

#endif
