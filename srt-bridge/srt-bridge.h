/*
 * srt-bridge: the sandbox end of the network path.  In its default mode
 * it listens on the sandbox loopback and hands each accepted socket to
 * srt-proxy over fd 3; "connect" mode is the ssh ProxyCommand.
 */
#ifndef SRT_BRIDGE_H
#define SRT_BRIDGE_H

#include <stdint.h>

#define BRIDGE_HTTP_PORT	3128
#define BRIDGE_SOCKS_PORT	1080
#define BRIDGE_BACKLOG		4096
/* Stop accepting while this many client fds wait for the proxy. */
#define BRIDGE_MAX_PENDING	1024

struct bridge_opts {
	uint32_t	sandbox_id;
	uint16_t	http_port;
	uint16_t	socks_port;
	int		ready_fd;	/* -1 when not asked */
	int		debug;
};

#define BRIDGE_MAX_LISTENERS	4

struct bridge_listener {
	int		fd;
	uint32_t	kind;		/* enum srt_listener */
	uint32_t	family;
};

struct bridge_listeners {
	struct bridge_listener	ls[BRIDGE_MAX_LISTENERS];
	int			n;
};

/* bridge.c: srt-bridge's own listening mode, and the same loop in a
 * child of the sandbox's pid 1 (linked into srt-launch). */
int	bridge_main(const struct bridge_opts *);
int	bridge_listen(struct bridge_listeners *, const struct bridge_opts *);
int	bridge_run(const struct bridge_opts *, const struct bridge_listeners *);

/* connect.c: exit status for main. */
int	connect_main(const char *proxyport, const char *host,
	    const char *port);

#endif
