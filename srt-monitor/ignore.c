/*
 * ignoreViolations: { "command pattern": ["pattern", ...], "*": [...] }.
 * Matching follows the reference (shouldIgnoreViolation in
 * sandbox-violation-store.js): patterns under "*" apply to every command;
 * under any other key they apply when the key is a substring of the
 * event's command; a pattern matches when it is a substring of the
 * event's target.  An empty pattern therefore matches everything, as
 * String.prototype.includes("") does there.
 *
 * Only the ignoreViolations member is read here, with yajl's callback
 * parser: a settings document from a standalone client is untrusted and
 * a tree of it could be arbitrarily deep.  The full settings loader in
 * policy/ will replace this once it exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yajl/yajl_parse.h>

#include "srt-monitor/srt-monitor.h"

#define IGNORE_MAX_RULES	4096
#define IGNORE_MAX_PATTERNS	4096
#define IGNORE_MAX_STRING	4096
#define IGNORE_MAX_FILE		(1024 * 1024)

struct ignore_parse {
	struct ignore_set	*set;
	int			 depth;
	int			 iv_key;	/* next value is ignoreViolations */
	int			 iv_depth;	/* depth of its map, 0 = outside */
	int			 in_array;	/* collecting patterns */
	int			 rule_key;	/* a command key awaits its array */
	char			 err[128];
};

static int
ip_fail(struct ignore_parse *p, const char *msg)
{
	if (p->err[0] == '\0')
		strlcpy(p->err, msg, sizeof(p->err));
	return 0;
}

/* A scalar or container where the map expects only arrays of strings. */
static int
ip_value(struct ignore_parse *p)
{
	if (p->iv_key)
		return ip_fail(p, "ignoreViolations: must be an object");
	if (p->rule_key || p->in_array)
		return ip_fail(p, "ignoreViolations: each value must be an "
		    "array of strings");
	return 1;
}

static int
ip_null(void *ctx)
{
	return ip_value(ctx);
}

static int
ip_bool(void *ctx, int b)
{
	return ip_value(ctx);
}

static int
ip_number(void *ctx, const char *s, size_t len)
{
	return ip_value(ctx);
}

static int
ip_string(void *ctx, const unsigned char *s, size_t len)
{
	struct ignore_parse	*p = ctx;
	struct ignore_rule_m	*r;
	char			**v;

	if (!p->in_array)
		return ip_value(p);
	if (len > IGNORE_MAX_STRING || memchr(s, '\0', len) != NULL)
		return ip_fail(p, "ignoreViolations: pattern too long or "
		    "contains NUL");
	r = &p->set->v[p->set->n - 1];
	if (r->npaths >= IGNORE_MAX_PATTERNS)
		return ip_fail(p, "ignoreViolations: too many patterns");
	v = reallocarray(r->paths, r->npaths + 1, sizeof(*v));
	if (v == NULL)
		return ip_fail(p, "out of memory");
	r->paths = v;
	if ((v[r->npaths] = strndup((const char *)s, len)) == NULL)
		return ip_fail(p, "out of memory");
	r->npaths++;
	return 1;
}

static int
ip_start_map(void *ctx)
{
	struct ignore_parse	*p = ctx;

	if (p->depth == 0) {
		p->depth++;
		return 1;
	}
	if (p->rule_key || p->in_array)
		return ip_value(p);
	p->depth++;
	if (p->iv_key) {
		p->iv_key = 0;
		p->iv_depth = p->depth;
	}
	return 1;
}

static int
ip_add_rule(struct ignore_parse *p, const unsigned char *key, size_t len)
{
	struct ignore_rule_m	*v;

	if (p->set->n >= IGNORE_MAX_RULES)
		return ip_fail(p, "ignoreViolations: too many commands");
	if (len > IGNORE_MAX_STRING || memchr(key, '\0', len) != NULL)
		return ip_fail(p, "ignoreViolations: command pattern too "
		    "long or contains NUL");
	v = reallocarray(p->set->v, p->set->n + 1, sizeof(*v));
	if (v == NULL)
		return ip_fail(p, "out of memory");
	p->set->v = v;
	memset(&v[p->set->n], 0, sizeof(v[0]));
	if ((v[p->set->n].command = strndup((const char *)key, len)) == NULL)
		return ip_fail(p, "out of memory");
	p->set->n++;
	p->rule_key = 1;
	return 1;
}

static int
ip_map_key(void *ctx, const unsigned char *key, size_t len)
{
	struct ignore_parse	*p = ctx;

	if (p->iv_depth != 0 && p->depth == p->iv_depth)
		return ip_add_rule(p, key, len);
	if (p->depth == 1 && len == strlen("ignoreViolations") &&
	    memcmp(key, "ignoreViolations", len) == 0)
		p->iv_key = 1;
	return 1;
}

static int
ip_end_map(void *ctx)
{
	struct ignore_parse	*p = ctx;

	if (p->depth == p->iv_depth)
		p->iv_depth = 0;
	p->depth--;
	return 1;
}

static int
ip_start_array(void *ctx)
{
	struct ignore_parse	*p = ctx;

	if (p->depth == 0)
		return ip_fail(p, "settings: not an object");
	if (p->iv_key || p->in_array)
		return ip_value(p);
	p->depth++;
	if (p->rule_key) {
		p->rule_key = 0;
		p->in_array = 1;
	}
	return 1;
}

static int
ip_end_array(void *ctx)
{
	struct ignore_parse	*p = ctx;

	p->in_array = 0;
	p->depth--;
	return 1;
}

static const yajl_callbacks ignore_callbacks = {
	.yajl_null = ip_null,
	.yajl_boolean = ip_bool,
	.yajl_number = ip_number,
	.yajl_string = ip_string,
	.yajl_start_map = ip_start_map,
	.yajl_map_key = ip_map_key,
	.yajl_end_map = ip_end_map,
	.yajl_start_array = ip_start_array,
	.yajl_end_array = ip_end_array,
};

/* A scalar document is not settings: caught by the callbacks above only
 * when it is an array, so check the first byte too. */
static int
ignore_is_object(const char *buf, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' &&
		    buf[i] != '\r')
			return buf[i] == '{';
	return 0;
}

int
ignore_load_buf(struct ignore_set *set, const char *buf, size_t len,
    char *err, size_t errlen)
{
	struct ignore_parse	p;
	yajl_handle		h;
	yajl_status		st;

	memset(set, 0, sizeof(*set));
	memset(&p, 0, sizeof(p));
	p.set = set;
	if (!ignore_is_object(buf, len)) {
		strlcpy(err, "settings: not a JSON object", errlen);
		return -1;
	}
	if ((h = yajl_alloc(&ignore_callbacks, NULL, &p)) == NULL) {
		strlcpy(err, "out of memory", errlen);
		return -1;
	}
	st = yajl_parse(h, (const unsigned char *)buf, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	yajl_free(h);
	if (st != yajl_status_ok) {
		strlcpy(err, p.err[0] ? p.err : "settings: malformed JSON",
		    errlen);
		ignore_free(set);
		return -1;
	}
	return 0;
}

int
ignore_load_file(struct ignore_set *set, const char *path, char *err,
    size_t errlen)
{
	char	*buf;
	ssize_t	 n;
	size_t	 len = 0;
	int	 fd, rc;

	memset(set, 0, sizeof(*set));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((buf = malloc(IGNORE_MAX_FILE + 1)) == NULL) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	while (len <= IGNORE_MAX_FILE &&
	    (n = read(fd, buf + len, IGNORE_MAX_FILE + 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (len > IGNORE_MAX_FILE) {
		free(buf);
		snprintf(err, errlen, "%s: larger than %d bytes", path,
		    IGNORE_MAX_FILE);
		return -1;
	}
	rc = ignore_load_buf(set, buf, len, err, errlen);
	free(buf);
	return rc;
}

static int
rule_matches(const struct ignore_rule_m *r, const char *target)
{
	size_t	i;

	for (i = 0; i < r->npaths; i++)
		if (strstr(target, r->paths[i]) != NULL)
			return 1;
	return 0;
}

int
ignore_match(const struct ignore_set *set, const struct srt_event *ev)
{
	size_t	i;

	for (i = 0; i < set->n; i++) {
		if (strcmp(set->v[i].command, "*") == 0) {
			if (rule_matches(&set->v[i], ev->target))
				return 1;
			continue;
		}
		/* The reference skips command rules when it has no
		 * command for the event. */
		if (ev->command[0] == '\0')
			continue;
		if (strstr(ev->command, set->v[i].command) != NULL &&
		    rule_matches(&set->v[i], ev->target))
			return 1;
	}
	return 0;
}

void
ignore_free(struct ignore_set *set)
{
	size_t	i, j;

	for (i = 0; i < set->n; i++) {
		for (j = 0; j < set->v[i].npaths; j++)
			free(set->v[i].paths[j]);
		free(set->v[i].paths);
		free(set->v[i].command);
	}
	free(set->v);
	memset(set, 0, sizeof(*set));
}
