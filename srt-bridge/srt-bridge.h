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

/* bridge.c */
int	bridge_main(const struct bridge_opts *);

/* connect.c: exit status for main. */
int	connect_main(const char *proxyport, const char *host,
	    const char *port);

#endif
