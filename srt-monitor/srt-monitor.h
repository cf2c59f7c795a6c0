/*
 * srt-monitor: receives events (srt-events(5)) from srt-launch and
 * srt-proxy, drops those ignoreViolations names, and writes the rest to
 * its outputs.  Every peer is untrusted input; every output is a bounded
 * queue that may fill and drop, so that no output can stall a sender.
 */
#ifndef SRT_MONITOR_H
#define SRT_MONITOR_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdint.h>
#include <time.h>

#include "libcommon/event.h"
#include "libcommon/imsg.h"
#include "libcommon/proto.h"

#define MONITOR_MAX_PEERS	256
#define OUTQ_MAX_ENTRIES	4096
#define OUTQ_MAX_BYTES		(4u * 1024u * 1024u)
#define MONITOR_DRAIN_MS	2000	/* at exit, for slow outputs */
#define MONITOR_HELLO_SEC	10	/* a silent client loses its slot */

/* ignore.c: the ignoreViolations map, command pattern -> patterns. */
struct ignore_rule_m {
	char	 *command;	/* "*" = every command */
	char	**paths;
	size_t	  npaths;
};

struct ignore_set {
	struct ignore_rule_m	*v;
	size_t			 n;
};

void	ignore_init_env(void);
int	ignore_load_buf(struct ignore_set *, const char *name,
	    const char *buf, size_t len, char *err, size_t errlen);
int	ignore_load_file(struct ignore_set *, const char *path, char *err,
	    size_t errlen);
int	ignore_match(const struct ignore_set *, const struct srt_event *);
void	ignore_free(struct ignore_set *);

/* output.c */
enum out_format {
	OUT_JSON,
	OUT_TEXT,
	OUT_SHORT,	/* terminal line, denials only, rate-limited */
	OUT_SYSLOG
};

enum out_kind {
	OUTK_FILE,	/* regular file or /dev/null: write() never waits */
	OUTK_STREAM,	/* pipe, tty, stream socket: non-blocking */
	OUTK_DGRAM,	/* unix or udp datagram socket (syslog) */
	OUTK_TCP	/* syslog collector, reconnected on failure */
};

struct outq_entry {
	TAILQ_ENTRY(outq_entry)	 entry;
	size_t			 len;
	size_t			 off;
	char			 data[];
};

/* Collapsing and rate limiting for the terminal line. */
struct term_state {
	char		last[512];
	unsigned int	repeats;
	unsigned int	suppressed;
	double		tokens;
	struct timespec	refilled;
	int		timer_armed;
};

struct monitor;

struct output {
	TAILQ_ENTRY(output)	 entry;
	struct monitor		*mon;
	char			 name[128];
	enum out_format		 fmt;
	enum out_kind		 kind;
	char			*path;		/* reopen on SIGHUP; NULL = fd */
	int			 fd;
	int			 use_send;	/* fd is a socket */
	int			 armed;		/* wev pending */
	int			 dead;		/* EPIPE and the like */
	int			 connecting;
	int			 warned;	/* write error logged */
	struct event		 wev;
	struct event		 timer;
	TAILQ_HEAD(, outq_entry) q;
	size_t			 qlen;
	size_t			 qbytes;
	uint64_t		 written;
	uint64_t		 dropped;
	/* syslog */
	int			 facility;
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	int			 backoff;	/* seconds */
	struct term_state	 term;
};

struct output	*output_file(struct monitor *, const char *path,
		    enum out_format, int fd);
struct output	*output_terminal(struct monitor *);
struct output	*output_syslog_local(struct monitor *, const char *path,
		    int facility);
struct output	*output_syslog_remote(struct monitor *, const char *spec,
		    int facility);
void	output_event(struct monitor *, const struct srt_event *);
void	output_reopen(struct monitor *);
void	output_drain(struct monitor *, int ms);
void	output_free_all(struct monitor *);
void	output_push(struct output *, const char *, size_t);

/* syslog.c */
int	syslog_facility(const char *);
int	syslog_format(const struct srt_event *, int facility, char *buf,
	    size_t len);
int	syslog_parse_remote(const char *spec, struct sockaddr_storage *,
	    socklen_t *, int *socktype, char *err, size_t errlen);
void	syslog_set_hostname(void);

/* peer.c */
struct peer {
	TAILQ_ENTRY(peer)	 entry;
	struct monitor		*mon;
	struct imsgbuf		 ib;
	struct event		 ev;
	struct event		 hello_timer;	/* standalone: HELLO deadline */
	int			 hello_armed;
	short			 evflags;
	uint32_t		 role;		/* 0 until IMSG_HELLO */
	uint32_t		 want_role;	/* 0 = launcher or proxy */
	int			 control;	/* service launcher channel */
	int			 write_dead;	/* it stopped reading us */
	struct ignore_set	 ignore;	/* from its IMSG_POLICY */
	int			 has_policy;
	char			 name[64];
};

struct peer	*peer_add(struct monitor *, int fd, uint32_t want_role,
		    int control, const char *name);
void		 peer_start(struct peer *);
void		 peer_free(struct peer *);
void		 peer_drain(struct monitor *);

/* srt-monitor.c */
struct monitor {
	struct event_base	*base;
	int			 service;
	int			 verbose;
	int			 exiting;
	TAILQ_HEAD(, peer)	 peers;
	size_t			 npeers;
	struct peer		*proxy;		/* service: waits for policy */
	struct peer		*sandbox;	/* service: the supervisor's, too */
	const char		*command;	/* service -C: the sandboxed one */
	pid_t			 launcher_pid;	/* service: our parent */
	int			 listen_fd;
	struct event		 listen_ev;
	char			*listen_path;
	TAILQ_HEAD(, output)	 outputs;
	struct ignore_set	 ignore;	/* -s or the launcher's policy */
	int			 has_policy;
	struct srt_summary	 sum;
	struct event		 sig_hup;
	struct event		 sig_term;
	struct event		 sig_int;
};

void	monitor_event(struct monitor *, struct peer *,
	    const struct srt_event *);
void	monitor_policy(struct monitor *);
void	monitor_exit(struct monitor *, const char *why);

#endif
