/*
 * srt-launch: the Linux sandbox.  One struct carries the state down.
 *
 * Processes: the launcher (host, caller's uid) clones pid 1 into new
 * user, mount, pid, network, IPC and UTS namespaces (sandbox.c); pid 1
 * maps its ids, builds the new root from the plan (mount.c, hold.c),
 * brings lo up, forks the command and reaps (init.c); the command drops
 * every capability, sets no_new_privs, Landlock and seccomp (filter.c)
 * and execs.  The launcher and pid 1 forward signals the terminal did not
 * already deliver; pid 1 exits with the command's status (128+N for
 * signal N), and the launcher with pid 1's.
 *
 * Network (service.c): before the clone the launcher starts srt-proxy
 * and srt-monitor; pid 1 starts srt-bridge once lo is up, and the
 * command only when the bridge listens and the launcher's go byte on the
 * life pipe says the proxy holds the policy.  The launcher's wait polls
 * pid 1, both helpers' channels, signals and --control-fd.
 *
 * Lifetimes: pid 1 has PR_SET_PDEATHSIG until it starts making things on
 * the host, then watches a pipe whose only writer is the launcher: when
 * the launcher dies, pid 1 kills the sandbox, removes what it made and
 * exits.  Otherwise the launcher removes them on the host after pid 1.
 *
 * What touches the host: nothing but the empty mount point of the
 * private TMPDIR (a tmpfs of the sandbox's own) and placeholders for
 * missing protected paths, all removed at the end (hold.c).
 */
#ifndef SRT_LAUNCH_H
#define SRT_LAUNCH_H

#include <sys/types.h>

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "policy/plan.h"
#include "policy/settings.h"

#define EXIT_LAUNCH	125	/* the launcher failed */
#define EXIT_NOEXEC	126	/* found but not executable */
#define EXIT_NOTFOUND	127	/* not found */

/* Host paths created for the run and removed by pid 1 at the end. */
struct hold {
	char	*path;
	dev_t	 dev;
	ino_t	 ino;
	bool	 dir;
	int	 parentfd;	/* O_PATH fd of the host parent directory */
	int	 lockfd;	/* shared flock while in use, -1 for TMPDIR */
	bool	 sharedfd;	/* parentfd belongs to an earlier hold */
	bool	 seed;		/* a new inode, others may link to it */
	char	*name;
};

struct launch {
	int		  debug;
	const char	 *settings_path;	/* -s, NULL = default */
	char		 *default_path;		/* ~/.srt-settings.json */
	int		  control_fd;		/* -1 = none */
	bool		  print_plan;
	bool		  check;
	char		**argv;			/* the command */
	char		 *shell_cmd;		/* -c STRING */
	char		 *cwd;
	char		 *home;
	uid_t		  uid;
	gid_t		  gid;

	struct settings	  settings;
	struct plan	  plan;

	/* Set up inside the sandbox by pid 1. */
	char		  tmpdir[64];
	bool		  host_clean;		/* hold_cleanup_host done */
	struct hold	 *holds;
	size_t		  nholds;
	int		  life_rd;		/* EOF = the launcher died */
	int		  record_fd;		/* sweep.c: locked run record */
	int		  record_dirfd;
	char		  record_name[32];
	bool		  orphaned;		/* pid 1: the launcher died */

	/* Network and violations (service.c, control.c, netenv.c). */
	struct service	 *svc;
	bool		  quiet;		/* -q */
	char		 *violations;		/* --violations FILE|- */
	char		 *monitor_addr;		/* --monitor unix:PATH */

	/* The violation observer (notify.c). */
	bool		  want_observe;		/* --observe */
	bool		  observe;		/* a channel to the monitor */
	int		  notify_ev;		/* supervisor -> srt-monitor */
	int		  notify_sp[2];		/* listener: command -> it */
	pid_t		  launcher_pid;
};

/* probe.c */
extern const struct plan_probe launch_probe;

/* srt-launch.c: log with strerror(errno) and exit 125. */
void	fatal_launch(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* sandbox.c: clone the sandbox and supervise it; returns exit status. */
int	sandbox_run(struct launch *);
void	sandbox_sigset(sigset_t *);

/* mount.c: runs in pid 1 before the command exists. */
int	mount_build(struct launch *);
/* hold.c: pid 1, when orphaned, removes what it made... */
void	hold_cleanup(struct launch *);
/* ...else the launcher, after pid 1 is gone: TMPDIR's mount point and
 * the placeholders no other sandbox holds. */
void	hold_cleanup_host(struct launch *);
/* One path, if it is a marked placeholder no live sandbox holds. */
void	hold_host_remove(const char *path);

/* sweep.c: the record of what a run leaves on the host, and the sweep
 * of the records of runs that were killed before they could clean up. */
void	sweep_run(void);
void	sweep_record(struct launch *);
void	sweep_forget(struct launch *);

/* init.c: pid 1 */
void	init_main(struct launch *) __attribute__((noreturn));

/* filter.c: the command's confinement, and what it would be. */
int	filter_apply(const struct launch *);
void	filter_print(const struct launch *, FILE *);
int	filter_landlock_abi(void);
void	filter_warn_degraded(const struct launch *);
int	filter_caps_drop(void);
/* The seccomp program's variant for these settings; libseccomp's BPF for
 * a variant written to fd; the embedded one (0, or 1 if none). */
struct sock_fprog;
int	filter_variant(const struct launch *, bool notify);
int	filter_seccomp_export(int variant, int fd);
int	filter_precompiled(int variant, struct sock_fprog *);

/*
 * notify.c: the seccomp user-notification supervisor.  The launcher
 * makes its event channel (returns the monitor's end, -1 for none);
 * pid 1 forks it before the command; the command, once its filter is
 * loaded, hands it the listener.
 */
int	notify_channel(struct launch *);
int	notify_spawn(struct launch *);
int	notify_handoff(const struct launch *, int listener);
void	notify_forked(struct launch *);
/* close_range(from, ~0) but for the command's end of the handoff and
 * one more descriptor. */
int	notify_closefrom(const struct launch *, unsigned int from, int extra);

/* env.c */
int	env_setup(const struct launch *);

/* service.c: the directory the helper programs are found in. */
void	service_libexec(char *, size_t);

/* check.c */
int	check_main(const struct launch *);
/* Whether user namespaces can be made, with a hint when not. */
bool	check_userns(char *why, size_t len);
/* Which sysctl or setting refuses user namespaces, given clone's errno. */
void	check_userns_hint(int err, char *why, size_t len);

#endif
