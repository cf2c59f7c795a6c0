/*
 * The wire protocol between srt-launch, srt-proxy, srt-bridge and
 * srt-monitor.  Bump SRT_PROTO_VERSION on any change to a type or payload:
 * the first message on every channel is IMSG_HELLO carrying it, and a peer
 * of another version is refused (mixed installs are a real risk).
 *
 * Payload rules: each type has one decoder in its receiver that checks the
 * exact length (fixed structs) or a bounded length (text); text payloads
 * are NOT NUL-terminated on the wire and are copied out with their length.
 */
#ifndef SRT_PROTO_H
#define SRT_PROTO_H

#include <stdint.h>

#define SRT_PROTO_VERSION	1

/* Fixed descriptors a helper finds its channels on after exec. */
#define PROXY_FD_CONTROL	3	/* launch <-> proxy */
#define PROXY_FD_MONITOR	4	/* proxy -> monitor (may be absent) */
#define PROXY_FD_BRIDGE		5	/* bridge -> proxy, client fds */
#define MONITOR_FD_CONTROL	3	/* launch <-> monitor */
#define MONITOR_FD_PROXY	4	/* proxy -> monitor */
#define MONITOR_FD_SANDBOX	5	/* sandbox's supervisor -> monitor */
#define MONITOR_FD_OUTPUT	6	/* --out-fd: the -o file, opened */
#define BRIDGE_FD_PROXY		3	/* bridge -> proxy */

/* Largest message on any channel: a whole settings document fits. */
#define SRT_IMSG_MAX		(1024u * 1024u)

enum imsg_type {
	IMSG_NONE = 0,
	IMSG_HELLO,		/* struct srt_hello; first on every channel */
	IMSG_POLICY,		/* settings JSON text (validated by sender) */
	IMSG_POLICY_OK,		/* empty: proxy applied the policy */
	IMSG_POLICY_BAD,	/* text: why the proxy refused it */
	IMSG_CLIENT,		/* struct srt_client + fd: accepted socket */
	IMSG_EVENT,		/* one event as a JSON object (srt-events(5)) */
	IMSG_SUMMARY_REQ,	/* empty: launcher asks monitor for totals */
	IMSG_SUMMARY,		/* struct srt_summary */
	IMSG_SHUTDOWN,		/* empty: drain and exit */
	IMSG_MAX_TYPE
};

struct srt_hello {
	uint32_t	version;
	uint32_t	role;		/* enum srt_role of the sender */
};

enum srt_role {
	SRT_ROLE_LAUNCH = 1,
	SRT_ROLE_PROXY,
	SRT_ROLE_BRIDGE,
	SRT_ROLE_MONITOR,
	SRT_ROLE_SANDBOX	/* the sandbox's seccomp supervisor */
};

/* Which listener a bridged client socket was accepted on. */
enum srt_listener {
	SRT_LISTEN_HTTP = 1,
	SRT_LISTEN_SOCKS = 2
};

struct srt_client {
	uint32_t	listener;	/* enum srt_listener */
	uint32_t	family;		/* AF_INET or AF_INET6 of the accept */
};

struct srt_summary {
	uint64_t	events;		/* events received */
	uint64_t	denials;
	uint64_t	ignored;	/* dropped by ignoreViolations */
	uint64_t	dropped;	/* lost to a full output queue */
};

#endif
