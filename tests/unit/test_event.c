/* Events: JSON round trip, escaping, truncation, malformed input, the
 * human lines and IMSG_EVENT framing. */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libcommon/event.h"
#include "libcommon/imsg.h"
#include "libcommon/proto.h"
#include "tests/unit/tap.h"

static void
sample(struct srt_event *ev)
{
	char	*argv[] = { "curl", "-s", "https://evil.com/", NULL };

	event_stamp(ev);
	ev->ts.tv_sec = 1796150259;	/* 2026-12-01T18:37:39Z */
	ev->ts.tv_nsec = 123456789;
	ev->sandbox_id = 4000000000u;
	ev->launcher_pid = 4242;
	event_set_command(ev, argv);
	ev->pid = 7;
	strlcpy(ev->comm, "curl", sizeof(ev->comm));
	ev->kind = EVENT_KIND_NETWORK;
	strlcpy(ev->operation, "connect", sizeof(ev->operation));
	strlcpy(ev->target, "evil.com:443", sizeof(ev->target));
	ev->decision = EVENT_DENY;
	strlcpy(ev->reason, "listed in deniedDomains", sizeof(ev->reason));
	strlcpy(ev->rule, "deniedDomains[0]", sizeof(ev->rule));
}

static int
same(const struct srt_event *a, const struct srt_event *b)
{
	return a->ts.tv_sec == b->ts.tv_sec &&
	    a->ts.tv_nsec / 1000 == b->ts.tv_nsec / 1000 &&
	    a->sandbox_id == b->sandbox_id &&
	    a->launcher_pid == b->launcher_pid && a->pid == b->pid &&
	    a->kind == b->kind && a->decision == b->decision &&
	    strcmp(a->command, b->command) == 0 &&
	    strcmp(a->comm, b->comm) == 0 &&
	    strcmp(a->operation, b->operation) == 0 &&
	    strcmp(a->target, b->target) == 0 &&
	    strcmp(a->reason, b->reason) == 0 &&
	    strcmp(a->rule, b->rule) == 0;
}

static void
test_roundtrip(void)
{
	struct srt_event	a, b;
	char			buf[EVENT_JSON_MAX], err[128];
	int			n;

	sample(&a);
	n = event_to_json(&a, buf, sizeof(buf));
	tap_ok(n > 0 && (size_t)n == strlen(buf), "to_json returns length");
	tap_ok(strstr(buf, "\"time\":\"2026-12-01T18:37:39.123456Z\"") !=
	    NULL, "RFC 3339 UTC time with microseconds");
	tap_ok(strstr(buf, "\"sandbox_id\":4000000000") != NULL,
	    "sandbox id as unsigned 32-bit");
	tap_ok(strstr(buf, "\"command\":\"curl -s https:\\/\\/evil.com\\/\"")
	    != NULL || strstr(buf, "\"command\":\"curl -s https://evil.com/\"")
	    != NULL, "command joined by spaces");
	tap_ok(event_from_json(buf, (size_t)n, &b, err, sizeof(err)) == 0,
	    "parses back");
	tap_ok(same(&a, &b), "round trip keeps every field");

	a.kind = EVENT_KIND_UNIX_SOCKET;
	a.decision = EVENT_ALLOW;
	n = event_to_json(&a, buf, sizeof(buf));
	tap_ok(n > 0 && event_from_json(buf, (size_t)n, &b, NULL, 0) == 0 &&
	    same(&a, &b), "unix-socket/allow round trip");
	tap_ok(event_to_json(&a, buf, 20) == -1 && errno == ENOSPC,
	    "short buffer gives ENOSPC");
	a.kind = EVENT_KIND_NONE;
	tap_ok(event_to_json(&a, buf, sizeof(buf)) == -1,
	    "kind none is refused");
}

static void
test_escaping(void)
{
	struct srt_event	a, b;
	char			buf[EVENT_JSON_MAX];
	int			n;

	sample(&a);
	a.kind = EVENT_KIND_FILESYSTEM;
	strlcpy(a.operation, "write", sizeof(a.operation));
	strlcpy(a.target, "/tmp/a\"b\\c\nd\te\x01" "f\x1b[31m",
	    sizeof(a.target));
	n = event_to_json(&a, buf, sizeof(buf));
	tap_ok(n > 0, "control characters serialise");
	tap_ok(strchr(buf, '\n') == NULL && strchr(buf, '\x1b') == NULL &&
	    strchr(buf, '\x01') == NULL, "no raw control bytes in JSON");
	tap_ok(strstr(buf, "a\\\"b\\\\c\\nd\\te") != NULL,
	    "quote, backslash, newline, tab escaped");
	tap_ok(event_from_json(buf, (size_t)n, &b, NULL, 0) == 0 &&
	    strcmp(a.target, b.target) == 0, "escaped path round trips");

	strlcpy(a.target, "/tmp/\xff\xfe-\xc3\xa9-\xed\xa0\x80-\xc0\xaf",
	    sizeof(a.target));
	n = event_to_json(&a, buf, sizeof(buf));
	tap_ok(n > 0 && event_from_json(buf, (size_t)n, &b, NULL, 0) == 0,
	    "invalid UTF-8 still gives valid JSON");
	tap_ok(strcmp(b.target, "/tmp/\xef\xbf\xbd\xef\xbf\xbd-\xc3\xa9-"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd-\xef\xbf\xbd\xef\xbf\xbd")
	    == 0, "invalid bytes, surrogates, overlongs become U+FFFD");
	tap_diag("repaired: %s", b.target);

	memset(a.target, 1, sizeof(a.target) - 1);
	a.target[sizeof(a.target) - 1] = '\0';
	memset(a.reason, 0x7f, sizeof(a.reason) - 1);
	a.reason[sizeof(a.reason) - 1] = '\0';
	memset(a.command, '\n', sizeof(a.command) - 1);
	a.command[sizeof(a.command) - 1] = '\0';
	memset(a.rule, '"', sizeof(a.rule) - 1);
	a.rule[sizeof(a.rule) - 1] = '\0';
	n = event_to_json(&a, buf, sizeof(buf));
	tap_ok(n > 0 && n < EVENT_JSON_MAX, "worst-case event fits "
	    "EVENT_JSON_MAX (%d bytes)", n);
	tap_ok(n > 0 && event_from_json(buf, (size_t)n, &b, NULL, 0) == 0 &&
	    same(&a, &b), "worst-case event round trips");
}

static void
test_truncation(void)
{
	struct srt_event	 ev;
	static char		 huge[EVENT_TARGET_MAX + 100];
	char			 dst[8], big[1000];
	char			*argv[4];
	int			 i;

	tap_ok(event_strtrunc(dst, sizeof(dst), "short") == 0 &&
	    strcmp(dst, "short") == 0, "short string copied");
	tap_ok(event_strtrunc(dst, sizeof(dst), "1234567") == 0,
	    "exactly fitting string not truncated");
	tap_ok(event_strtrunc(dst, sizeof(dst), "12345678") == 1 &&
	    strcmp(dst, "1234\xe2\x80\xa6") == 0, "ellipsis on truncation");
	/* "ab" then two 2-byte characters: the cut falls inside one. */
	tap_ok(event_strtrunc(dst, sizeof(dst), "abc\xc3\xa9\xc3\xa9xyz") ==
	    1 && strcmp(dst, "abc\xe2\x80\xa6") == 0,
	    "never cuts inside a UTF-8 character");
	tap_ok(event_strtrunc(dst, 3, "abcdef") == 1 && dst[0] == '\0',
	    "buffer too small for the ellipsis gives empty");

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = big;
	argv[3] = NULL;
	tap_ok(event_set_command(&ev, argv) == 1, "long command truncated");
	tap_ok(strlen(ev.command) == EVENT_COMMAND_MAX - 1,
	    "truncated command fills the field");
	tap_ok(strncmp(ev.command, "sh -c xxx", 9) == 0 &&
	    strcmp(ev.command + EVENT_COMMAND_MAX - 4, "\xe2\x80\xa6") == 0,
	    "keeps the start, ends with ellipsis");
	event_set_hostport(&ev, "evil.com", 443);
	TAP_EQ_STR(ev.target, "evil.com:443", "host:port");
	event_set_hostport(&ev, "::1", 80);
	TAP_EQ_STR(ev.target, "[::1]:80", "IPv6 literal bracketed");
	event_set_hostport(&ev, "[::1]", 80);
	TAP_EQ_STR(ev.target, "[::1]:80", "already bracketed kept");
	memset(huge, 'h', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	tap_ok(event_set_hostport(&ev, huge, 1) == 1 &&
	    strlen(ev.target) == sizeof(ev.target) - 1, "long host truncated");
	for (i = 0; i < 3; i++)
		argv[i] = "a";
	tap_ok(event_set_command(&ev, argv) == 0 &&
	    strcmp(ev.command, "a a a") == 0, "short command kept");
}

static void
test_malformed(void)
{
	static const char *const bad[] = {
		"",
		"[]",
		"42",
		"\"x\"",
		"{",
		"{\"version\":1}",
		"{} {}",
		"{\"version\":1,\"time\":\"2026-12-01T18:37:39.123456Z\","
		    "\"kind\":\"network\",\"operation\":\"connect\","
		    "\"target\":\"a:1\",\"decision\":\"deny\",\"extra\":1}",
		"{\"version\":2,\"time\":\"2026-12-01T18:37:39.123456Z\","
		    "\"kind\":\"network\",\"operation\":\"connect\","
		    "\"target\":\"a:1\",\"decision\":\"deny\"}",
		"{\"version\":1,\"time\":\"2026-12-01 18:37:39\","
		    "\"kind\":\"network\",\"operation\":\"connect\","
		    "\"target\":\"a:1\",\"decision\":\"deny\"}",
		"{\"version\":1,\"time\":\"2026-02-30T18:37:39.123456Z\","
		    "\"kind\":\"network\",\"operation\":\"connect\","
		    "\"target\":\"a:1\",\"decision\":\"deny\"}",
		"{\"version\":1,\"time\":\"2026-12-01T18:37:39.123456Z\","
		    "\"kind\":\"weird\",\"operation\":\"connect\","
		    "\"target\":\"a:1\",\"decision\":\"deny\"}",
		"{\"version\":1,\"time\":\"2026-12-01T18:37:39.123456Z\","
		    "\"kind\":\"network\",\"operation\":\"connect\","
		    "\"target\":\"a:1\",\"decision\":\"maybe\"}",
		"{\"version\":1,\"time\":\"2026-12-01T18:37:39.123456Z\","
		    "\"kind\":\"network\",\"operation\":\"connect\","
		    "\"target\":\"a:1\",\"decision\":\"deny\",\"pid\":-1}",
		"{\"version\":1,\"time\":\"2026-12-01T18:37:39.123456Z\","
		    "\"kind\":\"network\",\"operation\":\"connect\","
		    "\"target\":\"a:1\",\"decision\":\"deny\","
		    "\"sandbox_id\":4294967296}",
		"{\"version\":1,\"time\":\"2026-12-01T18:37:39.123456Z\","
		    "\"kind\":\"network\",\"operation\":\"connect\","
		    "\"target\":\"a:1\",\"decision\":\"deny\",\"pid\":1.5}",
		"{\"version\":1,\"time\":\"2026-12-01T18:37:39.123456Z\","
		    "\"kind\":\"network\",\"operation\":\"connect\","
		    "\"target\":\"a\\u0000b\",\"decision\":\"deny\"}",
		"{\"version\":1,\"time\":\"2026-12-01T18:37:39.123456Z\","
		    "\"kind\":\"network\",\"operation\":\"connect\","
		    "\"target\":\"a:1\",\"decision\":\"deny\",\"comm\":"
		    "\"12345678901234567\"}",
		"{\"version\":1,\"time\":\"2026-12-01T18:37:39.123456Z\","
		    "\"kind\":\"network\",\"operation\":\"connect\","
		    "\"target\":\"a:1\",\"decision\":\"deny\",\"pid\":{}}",
		"{\"version\":1,\"time\":\"2026-12-01T18:37:39.123456Z\","
		    "\"kind\":\"network\",\"operation\":\"connect\","
		    "\"target\":[\"a\"],\"decision\":\"deny\"}",
		"{\"version\":1,\"time\":\"2026-12-01T18:37:39.123456Z\","
		    "\"kind\":\"network\",\"operation\":\"connect\","
		    "\"target\":\"a:1\",\"decision\":\"deny\",\"rule\":null}",
		"{\"version\":1,\"version\":1,\"time\":"
		    "\"2026-12-01T18:37:39.123456Z\","
		    "\"kind\":\"network\",\"operation\":\"connect\","
		    "\"target\":\"a:1\",\"decision\":\"deny\"}",
		"{\"version\":1,\"time\":\"2026-12-01T18:37:39.123456Z\","
		    "\"kind\":\"network\",\"operation\":\"\","
		    "\"target\":\"a:1\",\"decision\":\"deny\"}",
		"{\"version\":1,\"time\":\"2026-12-01T18:37:39.123456Z\","
		    "\"kind\":\"network\",\"operation\":\"connect\","
		    "\"target\":\"\xff\",\"decision\":\"deny\"}",
	};
	static const char good[] = "{\"version\":1,\"time\":"
	    "\"2026-12-01T18:37:39.123456Z\",\"kind\":\"network\","
	    "\"operation\":\"connect\",\"target\":\"a:1\","
	    "\"decision\":\"deny\"}";
	struct srt_event	 ev;
	char			 err[128], *huge;
	size_t			 i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (!tap_ok(event_from_json(bad[i], strlen(bad[i]), &ev, err,
		    sizeof(err)) == -1 && err[0] != '\0',
		    "malformed %zu rejected (%s)", i, err))
			tap_diag("  input: %s", bad[i]);
	}
	tap_ok(event_from_json(good, strlen(good), &ev, err,
	    sizeof(err)) == 0 && ev.pid == 0 && ev.command[0] == '\0',
	    "minimal event with only required fields accepted");
	/* Oversize: refused before parsing. */
	n = EVENT_JSON_MAX + 1;
	huge = malloc(n);
	memset(huge, ' ', n);
	memcpy(huge, good, strlen(good));
	tap_ok(event_from_json(huge, n, &ev, err, sizeof(err)) == -1 &&
	    strstr(err, "too large") != NULL, "oversize input rejected");
	free(huge);
	/* A target one byte over the field. */
	huge = malloc(EVENT_JSON_MAX);
	n = (size_t)snprintf(huge, EVENT_JSON_MAX, "{\"version\":1,\"time\":"
	    "\"2026-12-01T18:37:39.123456Z\",\"kind\":\"filesystem\","
	    "\"operation\":\"write\",\"decision\":\"deny\",\"target\":\"");
	memset(huge + n, 'a', EVENT_TARGET_MAX);
	n += EVENT_TARGET_MAX;
	n += (size_t)snprintf(huge + n, EVENT_JSON_MAX - n, "\"}");
	tap_ok(event_from_json(huge, n, &ev, err, sizeof(err)) == -1 &&
	    strstr(err, "target") != NULL, "oversize field rejected (%s)",
	    err);
	free(huge);
}

static void
test_lines(void)
{
	struct srt_event	ev;
	char			buf[EVENT_JSON_MAX];

	sample(&ev);
	tap_ok(event_to_short(&ev, buf, sizeof(buf)) > 0, "short line");
	TAP_EQ_STR(buf, "srt: denied network connect evil.com:443 "
	    "(deniedDomains[0])", "short line text");
	ev.rule[0] = '\0';
	event_to_short(&ev, buf, sizeof(buf));
	TAP_EQ_STR(buf, "srt: denied network connect evil.com:443 "
	    "(listed in deniedDomains)", "reason when no rule");
	ev.kind = EVENT_KIND_FILESYSTEM;
	strlcpy(ev.operation, "write", sizeof(ev.operation));
	strlcpy(ev.target, "/x\n\x1b[2J\xe2\x80\xae" "y", sizeof(ev.target));
	ev.reason[0] = '\0';
	event_to_short(&ev, buf, sizeof(buf));
	TAP_EQ_STR(buf, "srt: denied filesystem write /x  [2J y",
	    "terminal line has no control or bidi characters");
	tap_ok(event_to_text(&ev, buf, sizeof(buf)) > 0 &&
	    strncmp(buf, "2026-12-01T18:37:39.123456Z deny filesystem write ",
	    50) == 0 && strstr(buf, "sandbox=4000000000") != NULL &&
	    strchr(buf, '\n') == NULL, "text line");
	tap_ok(event_to_short(&ev, buf, 10) == -1, "short line too small");
	event_sanitize(buf, 4, "abcdef");
	TAP_EQ_STR(buf, "abc", "sanitize truncates");
	event_sanitize(buf, 5, "ab\xc3\xa9\xc3\xa9");
	TAP_EQ_STR(buf, "ab\xc3\xa9", "sanitize keeps whole characters");
}

static void
test_send(void)
{
	struct imsgbuf		a, b;
	struct imsg		m;
	struct srt_event	ev, got;
	int			sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		abort();
	imsgbuf_init(&a, sv[0]);
	imsgbuf_init(&b, sv[1]);
	sample(&ev);
	tap_ok(event_send(&a, &ev) == 0 && imsgbuf_flush(&a) == 0,
	    "event_send queues and flushes");
	tap_ok(imsgbuf_read(&b) > 0, "receiver reads");
	if (tap_ok(imsg_get(&b, &m) == 1, "one message arrives")) {
		TAP_EQ_INT(m.hdr.type, IMSG_EVENT, "type IMSG_EVENT");
		TAP_EQ_INT(m.hdr.peerid, ev.sandbox_id, "peerid = sandbox id");
		tap_ok(event_from_json(m.data, m.datalen, &got, NULL, 0) ==
		    0 && same(&ev, &got), "payload is the event");
		imsg_free(&m);
	}
	ev.kind = EVENT_KIND_NONE;
	tap_ok(event_send(&a, &ev) == -1, "invalid event not sent");
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
}

int
main(void)
{
	test_roundtrip();
	test_escaping();
	test_truncation();
	test_malformed();
	test_lines();
	test_send();
	return tap_done();
}
