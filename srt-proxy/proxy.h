/*
 * srt-proxy: one event loop, one struct proxy, one struct conn per client.
 * Prototypes are grouped under the file that defines them.
 */
#ifndef SRT_PROXY_H
#define SRT_PROXY_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "libcommon/imsg.h"
#include "policy/settings.h"
#include "srt-proxy/http_parse.h"
#include "srt-proxy/parent.h"
#include "srt-proxy/socks_parse.h"

struct event_base;
struct evdns_base;
struct bufferevent;
struct evdns_getaddrinfo_request;
struct event;
struct bodysplice;

#define PROXY_MAX_ADDRS		16
#define PROXY_MAX_LISTEN	16
#define PROXY_DEF_MAXCONN	16384
#define PROXY_DEF_HDR_TIMEOUT	30
#define PROXY_DEF_IDLE_TIMEOUT	300
#define PROXY_DEF_TUN_TIMEOUT	0	/* tunnels: none by default */
#define PROXY_CONNECT_TIMEOUT	10
/* Free descriptors a new client needs: its own, a lookup's, its
 * upstream's and one more. */
#define PROXY_FD_RESERVE	4
/* Spare splice pipes kept (relay.c), two descriptors each. */
#define RELAY_POOL		64
/* At most per connection or tunnel: client, upstream, a pipe each way;
 * and what the process holds besides (stdio, listeners, channels, the
 * resolver), with room to spare: at 15 when idle. */
#define PROXY_FD_PER_CONN	6
#define PROXY_FD_FIXED		64

/* A policy, shared by the connections that started under it. */
struct policy {
	int			 refs;
	struct settings		 s;
	/* IP literals of the domain lists, for the address guard. */
	struct addr_list	 lit_denied;
	struct addr_list	 lit_allowed;
	int			*lit_allowed_port;	/* per lit_allowed */
	int			*lit_denied_port;
	struct parent_proxy	 parent;	/* parent.c */
};

struct listener {
	struct proxy		*px;
	int			 fd;
	struct event		*ev;
	char			*unix_path;
	dev_t			 unix_dev;	/* the file bind made */
	ino_t			 unix_ino;
};

struct proxy {
	struct event_base	*base;
	struct evdns_base	*dns;
	struct policy		*policy;
	struct addr_list	 ifaddrs;	/* this host's addresses */
	struct listener		 listen[PROXY_MAX_LISTEN];
	int			 nlisten;
	const char		*settings_path;
	const char		*hosts_path;
	const char		*user;
	int			 maxconn;
	int			 nconn;
	long			 nofile;	/* RLIMIT_NOFILE, for spare pipes */
	int			 hdr_timeout;
	int			 idle_timeout;
	int			 tun_timeout;
	bool			 draining;
	bool			 nosplice;
	bool			 confined;	/* SRT_PROXY_NOSPLICE: copy */
	bool			 service;
	struct imsgbuf		 ctl;		/* service mode: fd 3 */
	struct imsgbuf		 bridge;	/* service mode: fd 5 */
	struct imsgbuf		 mon;		/* fd 4, if open */
	bool			 have_mon;
	bool			 mon_greeted;	/* hello sent on mon */
	struct event		*ctl_ev, *bridge_ev, *mon_ev;
	uint64_t		 stat_accepted, stat_denied;
	/* Descriptor headroom (srt-proxy.c): new clients wait while
	 * fewer than PROXY_FD_RESERVE descriptors are free. */
	int			 probe_fd;	/* dup'ed to count room */
	bool			 starved;	/* sources stand still */
	bool			 starved_once;	/* said so */
	struct event		*fd_timer;	/* retry while starved */
	TAILQ_HEAD(, dial)	 parked;	/* dials waiting for a fd */
};

enum conn_state {
	CS_SNIFF,
	CS_HTTP_HEAD,		/* reading a request head */
	CS_HTTP_DIAL,		/* resolving/connecting for a request */
	CS_HTTP_XFER,		/* request body and/or response */
	CS_SOCKS_GREET,
	CS_SOCKS_AUTH,
	CS_SOCKS_REQ,
	CS_SOCKS_DIAL,
	CS_CONNECT_DIAL,	/* CONNECT resolving/connecting */
	CS_TUNNEL,		/* a tunnel over TLS to a parent (bevtun.c) */
	CS_CLOSING		/* flushing a final answer */
};

enum conn_kind {
	CK_HTTP,		/* absolute-form request */
	CK_CONNECT,		/* HTTP CONNECT tunnel */
	CK_SOCKS,
	CK_FORWARD		/* raw bytes to the user's own proxy */
};

/* Body transfer state for one direction. */
struct body {
	enum http_framing	 framing;
	uint64_t		 left;		/* bytes in this chunk/body */
	int			 chunk_state;	/* see http.c */
	bool			 done;
};

/*
 * The addresses of one dial, allocated only while resolving and
 * connecting (conn_dial_new, conn_dial_end): at 2 KiB it was most of an
 * idle kept-alive client's struct conn.
 */
struct dial {
	struct sockaddr_storage	 addr[PROXY_MAX_ADDRS];
	socklen_t		 alen[PROXY_MAX_ADDRS];
	int			 n;
	int			 next;
	int			 last_errno;
	struct evdns_getaddrinfo_request *req;
	/* Out of descriptors for the socket: waiting on px->parked. */
	struct conn		*c;
	TAILQ_ENTRY(dial)	 park;
	bool			 parked;
	time_t			 parked_at;
};

struct conn {
	struct proxy		*px;
	struct policy		*pol;
	uint32_t		 peerid;
	enum conn_state		 state;
	enum conn_kind		 kind;
	int			 cfd;
	struct bufferevent	*cbev;
	struct bufferevent	*ubev;
	char			 host[256];	/* current upstream target */
	int			 port;
	char			 uhost[256];	/* host ubev is connected to */
	int			 uport;
	bool			 via_mitm;
	struct dial		*dial;		/* while dialling, or NULL */
	/* HTTP request/response in flight. */
	bool			 head_req;	/* HEAD: response has no body */
	bool			 close_after;	/* the client's connection */
	bool			 up_close;	/* the upstream's, after this */
	bool			 resp_head_done;
	bool			 expect_continue;
	struct body		 reqb, respb;
	int			 resp_status;
	bool			 upgrade;	/* websocket requested */
	int			 socks_method;
	struct event		*timer;		/* header/negotiation deadline */
	struct evbuffer		*pending;	/* request head awaiting dial */
	bool			 counted;
	bool			 dialling;
	bool			 client_eof;
	bool			 mitm_head;	/* waiting for the MITM's 200 */
	/* Keep-alive reuse (http.c): the request as sent on a reused
	 * upstream, replayed once on a fresh one if that was closed. */
	struct evbuffer		*replay;
	bool			 reused;
	bool			 replay_ok;
	bool			 idempotent;
	const struct parent_url	*via_parent;	/* in c->pol */
	struct bodysplice	*bsplice;	/* response body by splice */
	bool			 nobsplice;	/* refused for this body */
	bool			 tun_ended;	/* bevtun.c: one side ended */
};

/* srt-proxy.c */
void	proxy_conn_count(struct proxy *, int delta);
void	proxy_drain(struct proxy *);
bool	proxy_fd_room(struct proxy *);
void	proxy_fd_starve(struct proxy *);

/* conn.c */
void	conn_accept(struct proxy *, int fd, uint32_t peerid, int hint);
void	conn_free(struct conn *);
void	conn_close_after_flush(struct conn *);
void	conn_write(struct conn *, const void *, size_t);
void	conn_arm_timer(struct conn *, int secs);
struct dial *conn_dial_new(struct conn *);
void	conn_dial_end(struct conn *);
void	conn_dial_unpark(struct proxy *);
void	conn_start_dial(struct conn *);
void	conn_dialled(struct conn *, struct bufferevent *);
void	conn_dial_failed(struct conn *, int err, const char *reason);
void	conn_to_tunnel(struct conn *, const char *answer, size_t alen);
void	conn_forward(struct conn *, int port);
void	conn_tunnel_ready(struct conn *);
void	conn_backpressure(struct conn *);
void	conn_route(struct conn *, bool tunnel);
void	conn_route_pick(struct conn *, bool tunnel);
void	conn_route_dial(struct conn *);

/* http.c */
void	http_start(struct conn *);
void	http_client_read(struct conn *);
void	http_upstream_read(struct conn *);
void	http_upstream_ready(struct conn *);
void	http_dial_failed(struct conn *, int err, const char *reason);
void	http_client_eof(struct conn *);
void	http_upstream_eof(struct conn *);
bool	http_upstream_retry(struct conn *);
void	http_body_spliced(struct conn *, bool eof);
void	http_error(struct conn *, int status, const char *phrase);
void	http_mitm_connect(struct conn *);
bool	http_mitm_read(struct conn *);
const char *http_connect_ok(size_t *);
void	http_route_mitm(struct conn *);
void	http_deny(struct conn *, bool connect, const char *reason,
	    bool address);

/* socks.c */
void	socks_client_read(struct conn *);
void	socks_upstream_ready(struct conn *);
void	socks_dial_failed(struct conn *, int err, const char *reason);
void	socks_fail(struct conn *, int rep);

/* relay.c */
int	relay_start(struct proxy *, int cfd, int ufd, const void *pending,
	    size_t npending, const void *upending, size_t nupending);
bool	relay_body_start(struct conn *);
void	relay_pool_room(int);

/* bevtun.c */
void	bevtun_start(struct conn *, const char *answer, size_t alen);
void	bevtun_read(struct conn *, bool from_client);
void	bevtun_written(struct conn *, bool to_client);
void	bevtun_end(struct conn *, bool client);

/* tls.c */
void	tls_init(void);
int	tls_ready(char *why, size_t whysz);
void	tls_free(void);
bool	tls_bev(struct bufferevent *);
struct bufferevent *tls_wrap(struct conn *, struct bufferevent *tcp);
void	tls_log_failure(struct conn *, struct bufferevent *, short what);

/* resolve.c */
int	resolve_init(struct proxy *);
int	resolve_ifaddrs(struct proxy *);
void	resolve_start(struct conn *);
void	resolve_cancel(struct conn *);
void	resolve_parent(struct conn *);

/* policy.c */
struct policy *policy_new(struct settings *);
struct policy *policy_ref(struct policy *);
void	policy_unref(struct policy *);
int	policy_load_file(struct proxy *, const char *path);
int	policy_load_buf(struct proxy *, const char *buf, size_t len,
	    char *why, size_t whysz);
void	policy_default(struct proxy *);
/* Deny reason for host:port, or NULL when allowed. */
const char *policy_check(const struct policy *, const char *host, int port);
/* Why an address may not be used for host:port, or NULL when it may. */
const char *policy_addr_denied(const struct proxy *, const struct policy *,
	    const char *host, int port, const struct in6_addr *);
bool	policy_mitm(const struct policy *, const char *host, int port);
void	policy_event(struct conn *, const char *proto, const char *host,
	    int port, const char *verdict, const char *reason);
int	canon_host(const char *in, char *out, size_t outsz);

/* service.c */
int	service_start(struct proxy *);
void	service_event(struct proxy *, uint32_t peerid, const char *json);
int	service_monitor_connect(struct proxy *, const char *path);
void	service_bridge_hold(struct proxy *, bool hold);
void	service_stop(struct proxy *);

/* confine glue (srt-proxy.c) */
int	proxy_confine(struct proxy *);
int	proxy_privdrop(struct proxy *);

#endif
