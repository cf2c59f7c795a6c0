/*
 * srt-monitor's pure parts: ignoreViolations matching as the reference's
 * shouldIgnoreViolation does it, and the RFC 5424 formatting.  The two
 * files are compiled into this test (they are not in a library).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srt-monitor/ignore.c"
#include "srt-monitor/syslog.c"
#include "tests/unit/tap.h"

static void
ev_set(struct srt_event *ev, const char *command, const char *target)
{
	event_stamp(ev);
	ev->kind = EVENT_KIND_FILESYSTEM;
	strlcpy(ev->operation, "write", sizeof(ev->operation));
	strlcpy(ev->command, command, sizeof(ev->command));
	strlcpy(ev->target, target, sizeof(ev->target));
}

static void
test_ignore(void)
{
	static const char doc[] = "{\"ignoreViolations\": {"
	    "\"*\": [\"/tmp/noise\", \"/.cache/\"],"
	    "\"npm\": [\"/.npm/\"],"
	    "\"git push\": [\"github.com:443\"],"
	    "\"empty\": [\"\"],"
	    "\"none\": [] }}";
	static const struct {
		const char	*command;
		const char	*target;
		int		 ignored;
	} cases[] = {
		{ "ls", "/tmp/noise/a", 1 },		/* "*" pattern */
		{ "", "/tmp/noise", 1 },		/* "*" needs no command */
		{ "ls", "/tmp/noisy", 0 },		/* substring, not prefix */
		{ "ls", "/home/u/.cache/x", 1 },
		{ "npm install", "/home/u/.npm/_logs/1", 1 },
		{ "pnpm i", "/home/u/.npm/x", 1 },	/* command substring */
		{ "curl", "/home/u/.npm/x", 0 },
		{ "", "/home/u/.npm/x", 0 },		/* no command: only "*" */
		{ "git push origin", "github.com:443", 1 },
		{ "git pull", "github.com:443", 0 },
		{ "make empty", "/anything", 1 },	/* "" matches all */
		{ "none", "/anything", 0 },
	};
	static const char	bad[] = "{\"ignoreViolations\": {\"*\": [1]}}";
	struct ignore_set	set, empty;
	struct srt_event	ev;
	char			err[256];
	size_t			i;

	ignore_init_env();
	err[0] = '\0';
	tap_ok(ignore_load_buf(&set, "t", doc, strlen(doc), err,
	    sizeof(err)) == 0, "ignoreViolations loads %s", err);
	TAP_EQ_INT(set.n, 5, "five command entries");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ev_set(&ev, cases[i].command, cases[i].target);
		TAP_EQ_INT(ignore_match(&set, &ev), cases[i].ignored,
		    cases[i].target);
	}
	ignore_free(&set);
	tap_ok(ignore_load_buf(&empty, "t", "{}", 2, err, sizeof(err)) == 0 &&
	    empty.n == 0, "no ignoreViolations: empty set");
	ev_set(&ev, "x", "/y");
	tap_ok(!ignore_match(&empty, &ev), "empty set ignores nothing");
	ignore_free(&empty);
	tap_ok(ignore_load_buf(&set, "t", bad, strlen(bad), err,
	    sizeof(err)) == -1 && strstr(err, "t: ") == err,
	    "non-string pattern refused (%s)", err);
	tap_ok(ignore_load_buf(&set, "t", "[]", 2, err, sizeof(err)) == -1,
	    "non-object document refused (%s)", err);
}

static void
test_syslog(void)
{
	struct srt_event	ev;
	struct sockaddr_storage	ss;
	socklen_t		sslen;
	char			buf[EVENT_JSON_MAX], err[128];
	int			n, type;

	event_stamp(&ev);
	ev.ts.tv_sec = 1796150259;
	ev.ts.tv_nsec = 5000;
	ev.kind = EVENT_KIND_NETWORK;
	ev.sandbox_id = 7;
	ev.pid = 3;
	strlcpy(ev.operation, "connect", sizeof(ev.operation));
	strlcpy(ev.target, "a\"b]c\\d\ne", sizeof(ev.target));
	strlcpy(ev.rule, "deniedDomains[0]", sizeof(ev.rule));
	n = syslog_format(&ev, syslog_facility("local3"), buf, sizeof(buf));
	tap_ok(n > 0 && (size_t)n == strlen(buf), "syslog_format");
	tap_ok(strncmp(buf, "<156>1 2026-12-01T18:37:39.000005Z ", 35) == 0,
	    "PRI local3.warning, version 1, RFC 3339 time");
	tap_ok(strstr(buf, " srt-monitor ") != NULL &&
	    strstr(buf, " network [srt@32473 kind=\"network\" operation="
	    "\"connect\" target=\"a\\\"b\\]c\\\\d e\" decision=\"deny\" "
	    "rule=\"deniedDomains[0\\]\"") != NULL,
	    "structured data escaped, newline blanked");
	tap_ok(strstr(buf, "sandbox_id=\"7\"") != NULL &&
	    strstr(buf, "pid=\"3\"") != NULL, "numbers as SD params");
	tap_ok(strstr(buf, "] srt: denied network connect a\"b]c\\d e "
	    "(deniedDomains[0])") != NULL, "MSG is the terminal line");
	tap_ok(strchr(buf, '\n') == NULL, "one line");
	ev.decision = EVENT_ALLOW;
	syslog_format(&ev, syslog_facility("daemon"), buf, sizeof(buf));
	tap_ok(strncmp(buf, "<30>1 ", 6) == 0, "daemon.info for allow");
	memset(ev.target, 'x', sizeof(ev.target) - 1);
	ev.target[sizeof(ev.target) - 1] = '\0';
	n = syslog_format(&ev, 3, buf, sizeof(buf));
	tap_ok(n > 0 && n < 8192, "long target cut to fit a datagram (%d)",
	    n);
	tap_ok(syslog_format(&ev, 3, buf, 100) == -1, "small buffer refused");
	TAP_EQ_INT(syslog_facility("bogus"), -1, "unknown facility");
	TAP_EQ_INT(syslog_facility("local7"), 23, "local7");

	tap_ok(syslog_parse_remote("127.0.0.1:514", &ss, &sslen, &type, err,
	    sizeof(err)) == 0 && type == SOCK_DGRAM &&
	    ss.ss_family == AF_INET, "host:port is UDP");
	tap_ok(syslog_parse_remote("[::1]:6514/tcp", &ss, &sslen, &type, err,
	    sizeof(err)) == 0 && type == SOCK_STREAM &&
	    ss.ss_family == AF_INET6, "[v6]:port/tcp");
	tap_ok(syslog_parse_remote("::1:514", &ss, &sslen, &type, err,
	    sizeof(err)) == -1, "unbracketed v6 refused");
	tap_ok(syslog_parse_remote("127.0.0.1:514/sctp", &ss, &sslen, &type,
	    err, sizeof(err)) == -1, "unknown protocol refused");
	tap_ok(syslog_parse_remote("127.0.0.1", &ss, &sslen, &type, err,
	    sizeof(err)) == -1, "port required");
	tap_ok(syslog_parse_remote("127.0.0.1:http", &ss, &sslen, &type,
	    err, sizeof(err)) == -1, "numeric port only");
}

int
main(void)
{
	test_ignore();
	test_syslog();
	return tap_done();
}
