/*
 * Events (see event.h and srt-events(5)).  The JSON side uses yajl: the
 * generator for escaping, the callback parser so that a hostile or broken
 * peer's text is checked field by field without building a tree, and a
 * length bound is enforced before yajl sees a byte.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

#include "libcommon/event.h"
#include "libcommon/imsg.h"
#include "libcommon/proto.h"

#define ELLIPSIS	"\xe2\x80\xa6"
#define ELLIPSIS_LEN	3
#define REPLACEMENT	"\xef\xbf\xbd"

static const char *const kind_names[] = {
	[EVENT_KIND_NONE] = NULL,
	[EVENT_KIND_NETWORK] = "network",
	[EVENT_KIND_FILESYSTEM] = "filesystem",
	[EVENT_KIND_UNIX_SOCKET] = "unix-socket",
	[EVENT_KIND_SYSCALL] = "syscall",
};

void
event_stamp(struct srt_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	clock_gettime(CLOCK_REALTIME, &ev->ts);
}

/*
 * Length of the valid UTF-8 sequence at s (at most n bytes), 0 if it is
 * not one: overlong forms, surrogates and code points above U+10FFFF are
 * invalid, as RFC 3629 says.
 */
static size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t	c;
	size_t		len, i;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

int
event_strtrunc(char *dst, size_t size, const char *src)
{
	size_t	len, cut, back;

	if (size == 0)
		return 1;
	len = strlen(src);
	if (len < size) {
		memcpy(dst, src, len + 1);
		return 0;
	}
	if (size <= ELLIPSIS_LEN) {
		dst[0] = '\0';
		return 1;
	}
	cut = size - 1 - ELLIPSIS_LEN;
	/* Never keep half a character: back up to its lead byte. */
	for (back = 0; cut > 0 && back < 3 &&
	    ((unsigned char)src[cut] & 0xc0) == 0x80; back++)
		cut--;
	memcpy(dst, src, cut);
	memcpy(dst + cut, ELLIPSIS, ELLIPSIS_LEN);
	dst[cut + ELLIPSIS_LEN] = '\0';
	return 1;
}

int
event_set_command(struct srt_event *ev, char *const argv[])
{
	char	buf[EVENT_COMMAND_MAX * 2];
	size_t	off = 0, n;
	int	i;

	buf[0] = '\0';
	for (i = 0; argv[i] != NULL && off < sizeof(buf) - 1; i++) {
		if (i > 0)
			buf[off++] = ' ';
		n = strlcpy(buf + off, argv[i], sizeof(buf) - off);
		off = n >= sizeof(buf) - off ? sizeof(buf) - 1 : off + n;
	}
	buf[off] = '\0';
	return event_strtrunc(ev->command, sizeof(ev->command), buf);
}

int
event_set_hostport(struct srt_event *ev, const char *host, int port)
{
	char	buf[EVENT_TARGET_MAX + 16];
	int	v6 = strchr(host, ':') != NULL && host[0] != '[';

	snprintf(buf, sizeof(buf), "%s%s%s:%d", v6 ? "[" : "", host,
	    v6 ? "]" : "", port);
	return event_strtrunc(ev->target, sizeof(ev->target), buf);
}

const char *
event_kind_name(enum event_kind k)
{
	if ((size_t)k >= sizeof(kind_names) / sizeof(kind_names[0]))
		return NULL;
	return kind_names[k];
}

enum event_kind
event_kind_parse(const char *s)
{
	size_t	i;

	for (i = 1; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strcmp(s, kind_names[i]) == 0)
			return (enum event_kind)i;
	return EVENT_KIND_NONE;
}

const char *
event_decision_name(enum event_decision d)
{
	return d == EVENT_ALLOW ? "allow" : "deny";
}

int
event_format_time(const struct timespec *ts, char *buf, size_t len)
{
	struct tm	tm;
	char		date[32];
	int		n;

	if (gmtime_r(&ts->tv_sec, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return -1;
	n = snprintf(buf, len, "%s.%06ldZ", date,
	    (long)(ts->tv_nsec / 1000) % 1000000);
	if (n < 0 || (size_t)n >= len)
		return -1;
	return n;
}

/* n decimal digits at s into *v; 0, or -1 if any is not a digit. */
static int
digits(const char *s, int n, int *v)
{
	int	i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int
event_parse_time(const char *s, struct timespec *ts)
{
	struct tm	tm, back;
	int		y, mo, d, h, mi, sec, us;
	time_t		t;

	/* Exactly the form event_format_time writes. */
	if (strlen(s) != 27 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != '.' || s[26] != 'Z')
		return -1;
	if (digits(s, 4, &y) || digits(s + 5, 2, &mo) ||
	    digits(s + 8, 2, &d) || digits(s + 11, 2, &h) ||
	    digits(s + 14, 2, &mi) || digits(s + 17, 2, &sec) ||
	    digits(s + 20, 6, &us))
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec == 60 ? 59 : sec;
	if ((t = timegm(&tm)) == (time_t)-1 || gmtime_r(&t, &back) == NULL ||
	    back.tm_mday != d || back.tm_mon != mo - 1)
		return -1;
	ts->tv_sec = t;
	ts->tv_nsec = (long)us * 1000;
	return 0;
}

/* Characters that would make a terminal show other than what is there. */
static int
display_unsafe(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0xad ||
	    c == 0x61c || (c >= 0x200b && c <= 0x200f) ||
	    (c >= 0x2028 && c <= 0x202e) || (c >= 0x2060 && c <= 0x2064) ||
	    (c >= 0x2066 && c <= 0x2069) || c == 0xfeff ||
	    (c >= 0xe0000 && c <= 0xe007f);
}

/*
 * Copy src to dst (size bytes with the NUL), whole characters only: an
 * invalid byte becomes bad, and with display a character unsafe on a
 * terminal becomes a space.  The length copied.
 */
static size_t
utf8_copy(char *dst, size_t size, const char *src, const char *bad,
    bool display)
{
	const unsigned char	*s = (const unsigned char *)src;
	const char		*put;
	size_t			 n = strlen(src), off = 0, l, plen;
	uint32_t		 cp;

	if (size == 0)
		return 0;
	while (n > 0) {
		if ((l = utf8_decode(s, n, &cp)) == 0) {
			put = bad;
			l = 1;
		} else if (display && display_unsafe(cp)) {
			put = " ";
		} else
			put = NULL;
		plen = put != NULL ? strlen(put) : l;
		if (off + plen >= size)
			break;
		memcpy(dst + off, put != NULL ? put : (const char *)s, plen);
		off += plen;
		s += l;
		n -= l;
	}
	dst[off] = '\0';
	return off;
}

static int
gen_str(yajl_gen g, const char *key, const char *val)
{
	char	fixed[EVENT_TARGET_MAX * 3];
	size_t	n;

	n = utf8_copy(fixed, sizeof(fixed), val, REPLACEMENT, false);
	if (yajl_gen_string(g, (const unsigned char *)key, strlen(key)) !=
	    yajl_gen_status_ok ||
	    yajl_gen_string(g, (const unsigned char *)fixed, n) !=
	    yajl_gen_status_ok)
		return -1;
	return 0;
}

static int
gen_int(yajl_gen g, const char *key, long long val)
{
	if (yajl_gen_string(g, (const unsigned char *)key, strlen(key)) !=
	    yajl_gen_status_ok || yajl_gen_integer(g, val) !=
	    yajl_gen_status_ok)
		return -1;
	return 0;
}

static int
gen_event(yajl_gen g, const struct srt_event *ev)
{
	char	t[40];

	if (event_format_time(&ev->ts, t, sizeof(t)) == -1)
		return -1;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    gen_int(g, "version", EVENT_VERSION) ||
	    gen_str(g, "time", t) ||
	    gen_int(g, "sandbox_id", ev->sandbox_id) ||
	    gen_int(g, "launcher_pid", ev->launcher_pid) ||
	    gen_str(g, "command", ev->command) ||
	    gen_int(g, "pid", ev->pid) ||
	    gen_str(g, "comm", ev->comm) ||
	    gen_str(g, "kind", event_kind_name(ev->kind)) ||
	    gen_str(g, "operation", ev->operation) ||
	    gen_str(g, "target", ev->target) ||
	    gen_str(g, "decision", event_decision_name(ev->decision)) ||
	    gen_str(g, "reason", ev->reason) ||
	    gen_str(g, "rule", ev->rule) ||
	    yajl_gen_map_close(g) != yajl_gen_status_ok)
		return -1;
	return 0;
}

/* The fixed arrays may come from a peer: make sure each is a C string. */
static int
event_strings_ok(const struct srt_event *ev)
{
	return memchr(ev->command, '\0', sizeof(ev->command)) != NULL &&
	    memchr(ev->comm, '\0', sizeof(ev->comm)) != NULL &&
	    memchr(ev->operation, '\0', sizeof(ev->operation)) != NULL &&
	    memchr(ev->target, '\0', sizeof(ev->target)) != NULL &&
	    memchr(ev->reason, '\0', sizeof(ev->reason)) != NULL &&
	    memchr(ev->rule, '\0', sizeof(ev->rule)) != NULL;
}

int
event_to_json(const struct srt_event *ev, char *buf, size_t len)
{
	yajl_gen		 g;
	const unsigned char	*out;
	size_t			 outlen;
	int			 rc = -1;

	if (event_kind_name(ev->kind) == NULL || !event_strings_ok(ev) ||
	    ev->operation[0] == '\0') {
		errno = EINVAL;
		return -1;
	}
	if ((g = yajl_gen_alloc(NULL)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if (gen_event(g, ev) == 0 &&
	    yajl_gen_get_buf(g, &out, &outlen) == yajl_gen_status_ok) {
		if (outlen >= len)
			errno = ENOSPC;
		else {
			memcpy(buf, out, outlen);
			buf[outlen] = '\0';
			rc = (int)outlen;
		}
	} else
		errno = EINVAL;
	yajl_gen_free(g);
	return rc;
}

/* Parsing: one flat object; each key is known, typed and seen once. */
enum event_field {
	F_VERSION, F_TIME, F_SANDBOX, F_LAUNCHER, F_COMMAND, F_PID, F_COMM,
	F_KIND, F_OPERATION, F_TARGET, F_DECISION, F_REASON, F_RULE, F_NFIELDS
};

static const char *const field_names[F_NFIELDS] = {
	"version", "time", "sandbox_id", "launcher_pid", "command", "pid",
	"comm", "kind", "operation", "target", "decision", "reason", "rule"
};

#define REQUIRED_FIELDS	((1u << F_VERSION) | (1u << F_TIME) | \
	(1u << F_KIND) | (1u << F_OPERATION) | (1u << F_TARGET) | \
	(1u << F_DECISION))

struct event_parse {
	struct srt_event	*ev;
	int			 depth;
	int			 field;		/* -1 before a key */
	unsigned int		 seen;
	char			 err[128];
};

static int __attribute__((format(printf, 2, 3)))
parse_fail(struct event_parse *p, const char *fmt, ...)
{
	va_list	ap;

	if (p->err[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(p->err, sizeof(p->err), fmt, ap);
		va_end(ap);
	}
	return 0;	/* stops yajl */
}

static int
cb_bad_type(void *ctx)
{
	struct event_parse	*p = ctx;

	if (p->field < 0)
		return parse_fail(p, "not an object");
	return parse_fail(p, "%s: wrong type", field_names[p->field]);
}

static int
cb_bool(void *ctx, int b)
{
	return cb_bad_type(ctx);
}

static int
cb_double(void *ctx, double d)
{
	return cb_bad_type(ctx);
}

static int
cb_start_array(void *ctx)
{
	return cb_bad_type(ctx);
}

static int
cb_integer(void *ctx, long long v)
{
	struct event_parse	*p = ctx;
	struct srt_event	*ev = p->ev;

	if (p->depth != 1 || p->field < 0)
		return cb_bad_type(ctx);
	switch (p->field) {
	case F_VERSION:
		if (v != EVENT_VERSION)
			return parse_fail(p, "version %lld not supported", v);
		break;
	case F_SANDBOX:
		if (v < 0 || v > UINT32_MAX)
			return parse_fail(p, "sandbox_id out of range");
		ev->sandbox_id = (uint32_t)v;
		break;
	case F_LAUNCHER:
	case F_PID:
		if (v < 0 || v > INT32_MAX)
			return parse_fail(p, "%s out of range",
			    field_names[p->field]);
		if (p->field == F_PID)
			ev->pid = (pid_t)v;
		else
			ev->launcher_pid = (pid_t)v;
		break;
	default:
		return cb_bad_type(ctx);
	}
	p->field = -1;
	return 1;
}

static int
copy_field(struct event_parse *p, char *dst, size_t size,
    const unsigned char *s, size_t len)
{
	if (len >= size)
		return parse_fail(p, "%s: longer than %zu bytes",
		    field_names[p->field], size - 1);
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 1;
}

static int
parse_enum_field(struct event_parse *p, const char *s)
{
	if (p->field == F_TIME) {
		if (event_parse_time(s, &p->ev->ts) == -1)
			return parse_fail(p, "time: not RFC 3339 UTC");
	} else if (p->field == F_KIND) {
		if ((p->ev->kind = event_kind_parse(s)) == EVENT_KIND_NONE)
			return parse_fail(p, "kind: unknown");
	} else {
		if (strcmp(s, "deny") == 0)
			p->ev->decision = EVENT_DENY;
		else if (strcmp(s, "allow") == 0)
			p->ev->decision = EVENT_ALLOW;
		else
			return parse_fail(p, "decision: unknown");
	}
	return 1;
}

static int
cb_string(void *ctx, const unsigned char *s, size_t len)
{
	struct event_parse	*p = ctx;
	struct srt_event	*ev = p->ev;
	char			 small[64];
	int			 rc;

	if (p->depth != 1 || p->field < 0)
		return cb_bad_type(ctx);
	if (memchr(s, '\0', len) != NULL)
		return parse_fail(p, "%s: contains NUL", field_names[p->field]);
	switch (p->field) {
	case F_COMMAND:
		rc = copy_field(p, ev->command, sizeof(ev->command), s, len);
		break;
	case F_COMM:
		rc = copy_field(p, ev->comm, sizeof(ev->comm), s, len);
		break;
	case F_OPERATION:
		rc = copy_field(p, ev->operation, sizeof(ev->operation), s,
		    len);
		if (rc && len == 0)
			rc = parse_fail(p, "operation: empty");
		break;
	case F_TARGET:
		rc = copy_field(p, ev->target, sizeof(ev->target), s, len);
		break;
	case F_REASON:
		rc = copy_field(p, ev->reason, sizeof(ev->reason), s, len);
		break;
	case F_RULE:
		rc = copy_field(p, ev->rule, sizeof(ev->rule), s, len);
		break;
	case F_TIME:
	case F_KIND:
	case F_DECISION:
		rc = copy_field(p, small, sizeof(small), s, len);
		if (rc)
			rc = parse_enum_field(p, small);
		break;
	default:
		return cb_bad_type(ctx);
	}
	p->field = -1;
	return rc;
}

static int
cb_null(void *ctx)
{
	return cb_bad_type(ctx);
}

static int
cb_start_map(void *ctx)
{
	struct event_parse	*p = ctx;

	if (p->depth != 0)
		return cb_bad_type(ctx);
	p->depth++;
	return 1;
}

static int
cb_map_key(void *ctx, const unsigned char *key, size_t len)
{
	struct event_parse	*p = ctx;
	int			 i;

	for (i = 0; i < F_NFIELDS; i++)
		if (strlen(field_names[i]) == len &&
		    memcmp(field_names[i], key, len) == 0)
			break;
	if (i == F_NFIELDS)
		return parse_fail(p, "unknown key \"%.*s\"",
		    (int)(len > 32 ? 32 : len), key);
	if (p->seen & (1u << i))
		return parse_fail(p, "%s: given twice", field_names[i]);
	p->seen |= 1u << i;
	p->field = i;
	return 1;
}

static int
cb_end_map(void *ctx)
{
	struct event_parse	*p = ctx;

	p->depth--;
	return 1;
}

static const yajl_callbacks event_callbacks = {
	.yajl_null = cb_null,
	.yajl_boolean = cb_bool,
	.yajl_integer = cb_integer,
	.yajl_double = cb_double,
	.yajl_string = cb_string,
	.yajl_start_map = cb_start_map,
	.yajl_map_key = cb_map_key,
	.yajl_end_map = cb_end_map,
	.yajl_start_array = cb_start_array,
};

static void
set_err(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		strlcpy(err, msg, errlen);
}

int
event_from_json(const char *buf, size_t len, struct srt_event *ev,
    char *err, size_t errlen)
{
	struct event_parse	 p;
	yajl_handle		 h;
	yajl_status		 st;
	int			 i;

	if (len > EVENT_JSON_MAX) {
		set_err(err, errlen, "event too large");
		return -1;
	}
	memset(ev, 0, sizeof(*ev));
	memset(&p, 0, sizeof(p));
	p.ev = ev;
	p.field = -1;
	if ((h = yajl_alloc(&event_callbacks, NULL, &p)) == NULL) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	st = yajl_parse(h, (const unsigned char *)buf, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	yajl_free(h);
	if (st != yajl_status_ok) {
		set_err(err, errlen, p.err[0] ? p.err : "malformed JSON");
		return -1;
	}
	if (p.depth != 0 || (p.seen & REQUIRED_FIELDS) != REQUIRED_FIELDS) {
		for (i = 0; i < F_NFIELDS; i++)
			if ((REQUIRED_FIELDS & (1u << i)) &&
			    !(p.seen & (1u << i)))
				break;
		snprintf(p.err, sizeof(p.err), "missing %s",
		    i < F_NFIELDS ? field_names[i] : "object");
		set_err(err, errlen, p.err);
		return -1;
	}
	return 0;
}

void
event_sanitize(char *dst, size_t size, const char *src)
{
	(void)utf8_copy(dst, size, src, "?", true);
}

static int
checked(int n, size_t len)
{
	if (n < 0 || (size_t)n >= len) {
		errno = ENOSPC;
		return -1;
	}
	return n;
}

int
event_to_short(const struct srt_event *ev, char *buf, size_t len)
{
	char		 op[EVENT_OPERATION_MAX], target[EVENT_TARGET_MAX];
	char		 why[EVENT_REASON_MAX];
	const char	*kind = event_kind_name(ev->kind);

	event_sanitize(op, sizeof(op), ev->operation);
	event_sanitize(target, sizeof(target), ev->target);
	event_sanitize(why, sizeof(why), ev->rule[0] ? ev->rule : ev->reason);
	return checked(snprintf(buf, len, "srt: %s %s %s %s%s%s%s",
	    ev->decision == EVENT_ALLOW ? "allowed" : "denied",
	    kind ? kind : "?", op, target, why[0] ? " (" : "", why,
	    why[0] ? ")" : ""), len);
}

int
event_to_text(const struct srt_event *ev, char *buf, size_t len)
{
	char		 t[40], op[EVENT_OPERATION_MAX];
	char		 target[EVENT_TARGET_MAX], rule[EVENT_RULE_MAX];
	char		 reason[EVENT_REASON_MAX], cmd[EVENT_COMMAND_MAX];
	char		 comm[EVENT_COMM_MAX];
	const char	*kind = event_kind_name(ev->kind);

	if (event_format_time(&ev->ts, t, sizeof(t)) == -1)
		return -1;
	event_sanitize(op, sizeof(op), ev->operation);
	event_sanitize(target, sizeof(target), ev->target);
	event_sanitize(rule, sizeof(rule), ev->rule);
	event_sanitize(reason, sizeof(reason), ev->reason);
	event_sanitize(cmd, sizeof(cmd), ev->command);
	event_sanitize(comm, sizeof(comm), ev->comm);
	return checked(snprintf(buf, len, "%s %s %s %s %s rule=\"%s\" "
	    "reason=\"%s\" sandbox=%u launcher=%ld pid=%ld comm=\"%s\" "
	    "command=\"%s\"", t, event_decision_name(ev->decision),
	    kind ? kind : "?", op, target, rule, reason, ev->sandbox_id,
	    (long)ev->launcher_pid, (long)ev->pid, comm, cmd), len);
}

int
event_send(struct imsgbuf *ib, const struct srt_event *ev)
{
	char	*buf;
	int	 n, rc;

	if ((buf = malloc(EVENT_JSON_MAX)) == NULL)
		return -1;
	if ((n = event_to_json(ev, buf, EVENT_JSON_MAX)) == -1) {
		free(buf);
		return -1;
	}
	rc = imsg_compose(ib, IMSG_EVENT, ev->sandbox_id, getpid(), -1, buf,
	    (size_t)n);
	free(buf);
	return rc;
}
