/*
 * Violation and audit events (srt-events(5)): one record per denial (or
 * allowed action when auditing), built by srt-proxy and srt-launch,
 * carried to srt-monitor as one JSON object in IMSG_EVENT and written by
 * it as JSON lines, text or syslog.  Every string field is bounded; a
 * sender truncates with an ellipsis (event_strtrunc), a receiver rejects
 * anything longer, since a peer that overflows a field is not one of ours.
 */
#ifndef SRT_EVENT_H
#define SRT_EVENT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct imsgbuf;

#define EVENT_VERSION		1

/* Field sizes, terminating NUL included. */
#define EVENT_COMMAND_MAX	256
#define EVENT_COMM_MAX		17	/* TASK_COMM_LEN + 1 */
#define EVENT_OPERATION_MAX	32
#define EVENT_TARGET_MAX	4100	/* a PATH_MAX path fits */
#define EVENT_REASON_MAX	512
#define EVENT_RULE_MAX		256

/* Largest JSON text of one event: every byte escaped as \u00XX fits. */
#define EVENT_JSON_MAX		32768

enum event_kind {
	EVENT_KIND_NONE = 0,
	EVENT_KIND_NETWORK,
	EVENT_KIND_FILESYSTEM,
	EVENT_KIND_UNIX_SOCKET,
	EVENT_KIND_SYSCALL
};

enum event_decision {
	EVENT_DENY = 0,
	EVENT_ALLOW
};

struct srt_event {
	struct timespec		 ts;		/* CLOCK_REALTIME */
	uint32_t		 sandbox_id;
	pid_t			 launcher_pid;
	char			 command[EVENT_COMMAND_MAX];
	pid_t			 pid;		/* inside the sandbox, 0 unknown */
	char			 comm[EVENT_COMM_MAX];
	enum event_kind		 kind;
	char			 operation[EVENT_OPERATION_MAX];
	char			 target[EVENT_TARGET_MAX];
	enum event_decision	 decision;
	char			 reason[EVENT_REASON_MAX];
	char			 rule[EVENT_RULE_MAX];
};

/* Zero the event and stamp it with the current time.  (Not event_init:
 * libevent's deprecated one has that name, and the static helpers link
 * both.) */
void	event_stamp(struct srt_event *);

/*
 * Copy src into dst (size bytes).  If it does not fit, cut it at a UTF-8
 * character boundary and end it with "..." (U+2026).  Returns 1 when it
 * truncated, 0 when not.
 */
int	event_strtrunc(char *dst, size_t size, const char *src);
/* The command line, argv joined by spaces, truncated like event_strtrunc. */
int	event_set_command(struct srt_event *, char *const argv[]);

/*
 * target = "host:port", an IPv6 literal in brackets ("[::1]:443") so that
 * every producer spells network targets alike; truncated like
 * event_strtrunc.  Returns what event_strtrunc returns.
 */
int	event_set_hostport(struct srt_event *, const char *host, int port);

const char	*event_kind_name(enum event_kind);
enum event_kind	 event_kind_parse(const char *);
const char	*event_decision_name(enum event_decision);

/* RFC 3339 UTC with microseconds: "2026-12-01T18:37:39.123456Z". */
int	event_format_time(const struct timespec *, char *buf, size_t len);
int	event_parse_time(const char *, struct timespec *);

/*
 * One JSON object, no newline, NUL-terminated in buf.  Invalid UTF-8 in a
 * field is replaced by U+FFFD, control characters are escaped.  Returns
 * the length written, or -1 (errno ENOSPC when buf is too small).
 */
int	event_to_json(const struct srt_event *, char *buf, size_t len);
/*
 * Parse exactly one event object of at most EVENT_JSON_MAX bytes.  Unknown
 * keys, duplicate keys, nested values, wrong types, out-of-range numbers,
 * oversize or NUL-containing strings and a missing required field are all
 * errors.  0 on success; -1 with a reason in err (if not NULL).
 */
int	event_from_json(const char *buf, size_t len, struct srt_event *,
	    char *err, size_t errlen);

/*
 * The human line for a terminal, without newline, display-unsafe
 * characters replaced:
 * "srt: denied network connect evil.com:443 (deniedDomains[0])".
 */
int	event_to_short(const struct srt_event *, char *buf, size_t len);
/* One text line with every field (srt-monitor -f text), no newline. */
int	event_to_text(const struct srt_event *, char *buf, size_t len);

/*
 * Copy src to dst for display: control characters (C0, DEL, C1), line and
 * paragraph separators, bidi controls and invisible characters become a
 * space, invalid UTF-8 becomes '?'.  Always NUL-terminates; truncates at
 * a character boundary.
 */
void	event_sanitize(char *dst, size_t size, const char *src);

/* Queue the event as IMSG_EVENT on the channel: 0, or -1 with errno. */
int	event_send(struct imsgbuf *, const struct srt_event *);

#endif
