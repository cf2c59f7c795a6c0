/*
 * The launcher's network side: srt-proxy and srt-monitor started and
 * supervised on the host (service.c), srt-bridge forked by pid 1 at
 * the first connection (netbridge.c), live policy updates (control.c) and the
 * proxy environment of the command (netenv.c).
 */
#ifndef SRT_LAUNCH_SERVICE_H
#define SRT_LAUNCH_SERVICE_H

#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

#include "libcommon/imsg.h"
#include "srt-bridge/srt-bridge.h"

struct launch;

/* --control-fd: a bounded line reader. */
struct control {
	int	 fd;		/* -1 once at EOF or not given */
	char	*buf;
	size_t	 len;
	bool	 discarding;	/* inside an over-long line */
};

struct service {
	int		 exe_proxy;	/* O_PATH, opened before any mount */
	int		 exe_monitor;
	char		*bridge_path;	/* as seen inside: / is bound as is */
	uint32_t	 sandbox_id;

	char		*policy;	/* the settings text, "{}" = defaults */
	size_t		 policylen;

	pid_t		 proxy_pid;	/* -1 = none (yet) */
	pid_t		 monitor_pid;	/* -1 = none (yet) */
	/* Started lazily too, at the first client the bridge passes: its
	 * ends of the launcher and event channels are held here until then
	 * (-1: none or handed over), with bridge[0] and exe_proxy. */
	bool		 proxy_lazy;
	int		 px_ctl;
	int		 px_mon;
	/* Started lazily: its event channels' ends are held here until the
	 * first byte on one of them (-1: none or handed over). */
	bool		 monitor_lazy;
	int		 mon_proxy;	/* the proxy's events */
	int		 mon_sandbox;	/* the observer's events */
	int		 mon_out;	/* --violations FILE, opened by us */
	struct imsgbuf	 proxy;
	struct imsgbuf	 monitor;
	bool		 proxy_up;
	bool		 monitor_up;
	bool		 proxy_hello;
	bool		 monitor_hello;
	bool		 ready;		/* the proxy applied the policy */
	int		 bridge[2];	/* [0] proxy's end, [1] the sandbox's */
	pid_t		 bridge_pid;	/* in pid 1 */
	struct bridge_listeners bls;	/* in pid 1, until the bridge runs */

	struct control	 ctl;
};

/* service.c, launcher side */
void	service_start(struct launch *);
int	service_supervise(struct launch *, pid_t, int life_wr);

/* service.c: a child's descriptors on 3, 4, ... (exefd NULL: no exec). */
int	service_place_fds(int *exefd, const int *fds, int nfds);

/* service.c, pid 1 side */
void	service_closefds(const struct launch *);
int	service_wait_go(struct launch *);
void	service_reaped(const struct launch *, pid_t, int);

/* netbridge.c, pid 1 side: listeners first, the bridge when needed. */
struct pollfd;
int	netbridge_listen(struct launch *);
int	netbridge_pollfds(const struct launch *, struct pollfd *, int);
void	netbridge_start(struct launch *);

/* control.c */
void	control_init(struct control *, int fd);
int	control_read(struct launch *);	/* -1 at EOF: stop polling */
void	control_free(struct control *);

/* service.c: hand a policy document to the proxy and the monitor. */
int	service_send_policy(struct launch *, const char *, size_t);

/* netenv.c */
int	netenv_setup(const struct launch *);

#endif
