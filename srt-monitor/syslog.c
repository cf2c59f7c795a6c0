/*
 * RFC 5424 messages for events, with every field as structured data so
 * a collector can filter on them, and the terminal line as MSG.  Values
 * are display-sanitised first: a path from a sandboxed process may hold
 * newlines that would split a message for a line-oriented collector.
 */
#include <sys/socket.h>

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "srt-monitor/srt-monitor.h"

/* The SD-ID's enterprise number is the one RFC 5424 uses in examples;
 * srt has none of its own. */
#define SD_ID			"srt@32473"
#define SYSLOG_TARGET_MAX	1024
#define SYSLOG_SEV_WARNING	4
#define SYSLOG_SEV_INFO		6

static char	syslog_hostname[256] = "-";

static const struct {
	const char	*name;
	int		 code;
} facilities[] = {
	{ "kern", 0 }, { "user", 1 }, { "mail", 2 }, { "daemon", 3 },
	{ "auth", 4 }, { "syslog", 5 }, { "lpr", 6 }, { "news", 7 },
	{ "uucp", 8 }, { "cron", 9 }, { "authpriv", 10 }, { "ftp", 11 },
	{ "local0", 16 }, { "local1", 17 }, { "local2", 18 },
	{ "local3", 19 }, { "local4", 20 }, { "local5", 21 },
	{ "local6", 22 }, { "local7", 23 },
};

int
syslog_facility(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcmp(name, facilities[i].name) == 0)
			return facilities[i].code;
	return -1;
}

/* HOSTNAME is 1*255PRINTUSASCII; anything else becomes '-'. */
void
syslog_set_hostname(void)
{
	char	h[256];
	size_t	i;

	if (gethostname(h, sizeof(h)) == -1 || h[0] == '\0')
		return;
	h[sizeof(h) - 1] = '\0';
	for (i = 0; h[i] != '\0'; i++)
		if (h[i] <= ' ' || h[i] > '~')
			h[i] = '-';
	strlcpy(syslog_hostname, h, sizeof(syslog_hostname));
}

/* One PARAM-NAME="value" with '"', '\' and ']' escaped (RFC 5424 6.3.3). */
static size_t
sd_param(char *buf, size_t len, const char *name, const char *val)
{
	char	clean[EVENT_TARGET_MAX];
	size_t	off, i;

	event_sanitize(clean, sizeof(clean), val);
	off = (size_t)snprintf(buf, len, " %s=\"", name);
	if (off >= len)
		return len;
	for (i = 0; clean[i] != '\0' && off + 2 < len; i++) {
		if (clean[i] == '"' || clean[i] == '\\' || clean[i] == ']')
			buf[off++] = '\\';
		buf[off++] = clean[i];
	}
	if (clean[i] != '\0' || off + 1 >= len)
		return len;
	buf[off++] = '"';
	buf[off] = '\0';
	return off;
}

static size_t
sd_uint(char *buf, size_t len, const char *name, unsigned long v)
{
	char	num[32];

	snprintf(num, sizeof(num), "%lu", v);
	return sd_param(buf, len, name, num);
}

int
syslog_format(const struct srt_event *ev, int facility, char *buf,
    size_t len)
{
	char		 t[40], msg[EVENT_TARGET_MAX + 256];
	char		 target[SYSLOG_TARGET_MAX];
	const char	*kind = event_kind_name(ev->kind);
	size_t		 off;
	int		 n, sev;

	if (kind == NULL || event_format_time(&ev->ts, t, sizeof(t)) == -1 ||
	    event_to_short(ev, msg, sizeof(msg)) == -1)
		return -1;
	event_strtrunc(target, sizeof(target), ev->target);
	sev = ev->decision == EVENT_DENY ? SYSLOG_SEV_WARNING :
	    SYSLOG_SEV_INFO;
	n = snprintf(buf, len, "<%d>1 %s %s srt-monitor %ld %s [" SD_ID,
	    facility * 8 + sev, t, syslog_hostname, (long)getpid(), kind);
	if (n < 0 || (size_t)n >= len)
		return -1;
	off = (size_t)n;
#define SD(f)	do {							\
	off += (f);							\
	if (off >= len)							\
		return -1;						\
} while (0)
	SD(sd_param(buf + off, len - off, "kind", kind));
	SD(sd_param(buf + off, len - off, "operation", ev->operation));
	SD(sd_param(buf + off, len - off, "target", target));
	SD(sd_param(buf + off, len - off, "decision",
	    event_decision_name(ev->decision)));
	SD(sd_param(buf + off, len - off, "rule", ev->rule));
	SD(sd_param(buf + off, len - off, "reason", ev->reason));
	SD(sd_uint(buf + off, len - off, "sandbox_id", ev->sandbox_id));
	SD(sd_uint(buf + off, len - off, "launcher_pid",
	    (unsigned long)ev->launcher_pid));
	SD(sd_uint(buf + off, len - off, "pid", (unsigned long)ev->pid));
	SD(sd_param(buf + off, len - off, "comm", ev->comm));
	SD(sd_param(buf + off, len - off, "command", ev->command));
#undef SD
	n = snprintf(buf + off, len - off, "] %s", msg);
	if (n < 0 || (size_t)n >= len - off)
		return -1;
	return (int)(off + (size_t)n);
}

/* "host:port", "[v6]:port", either with "/tcp" or "/udp" (default). */
int
syslog_parse_remote(const char *spec, struct sockaddr_storage *ss,
    socklen_t *sslen, int *socktype, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res;
	char		 buf[512], *host, *port, *proto;
	int		 rc;

	if (strlcpy(buf, spec, sizeof(buf)) >= sizeof(buf)) {
		strlcpy(err, "too long", errlen);
		return -1;
	}
	*socktype = SOCK_DGRAM;
	if ((proto = strrchr(buf, '/')) != NULL) {
		*proto++ = '\0';
		if (strcmp(proto, "tcp") == 0)
			*socktype = SOCK_STREAM;
		else if (strcmp(proto, "udp") != 0) {
			strlcpy(err, "protocol must be tcp or udp", errlen);
			return -1;
		}
	}
	host = buf;
	if (*host == '[') {
		host++;
		if ((port = strchr(host, ']')) == NULL || port[1] != ':') {
			strlcpy(err, "expected [address]:port", errlen);
			return -1;
		}
		*port = '\0';
		port += 2;
	} else {
		if ((port = strrchr(host, ':')) == NULL ||
		    strchr(host, ':') != port) {
			strlcpy(err, "expected host:port", errlen);
			return -1;
		}
		*port++ = '\0';
	}
	if (*host == '\0' || *port == '\0') {
		strlcpy(err, "expected host:port", errlen);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = *socktype;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		strlcpy(err, gai_strerror(rc), errlen);
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}
