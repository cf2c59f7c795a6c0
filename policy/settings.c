/*
 * The settings loader: JSON tree (json.c) walked against the schema of
 * the reference srt 0.0.83 (dist/sandbox/sandbox-config.js).
 *
 * Threat model: the file states the user's policy, and the one way this
 * code can hurt them is to enforce less than they wrote.  So an unknown
 * key is an error (a typo in "denyRead" must not drop a deny), a key whose
 * feature srt lacks is an error, and keys that mean nothing on Linux are
 * type-checked and named in ignored_keys.  The bytes are untrusted too:
 * sizes and depth are bounded (json.c), values are quoted with control
 * characters escaped before they reach a terminal.
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/json.h"
#include "policy/path.h"
#include "policy/settings.h"

/* What to do is part of the message: srt refuses these rather than run
 * without what they ask for. */
#define SETTINGS_UNSUP	"not supported by this srt (only the reference " \
			"sandbox-runtime has it): remove the key"
#define SETTINGS_UNSUP_EMPTY	"not supported by this srt (only the " \
			"reference sandbox-runtime has it): remove the key " \
			"or leave it empty"

#define PTR_MAX		512
#define NOOFF		((size_t)-1)

struct ctx {
	struct settings			*s;
	struct settings_errors		*errs;
	const struct settings_env	*env;
	size_t				 dropped;
	bool				 summary;	/* may pass the bound */
};

enum kind {
	K_BOOL,		/* bool at off (NOOFF: check only) */
	K_INT,		/* int at off, min..max */
	K_FN,		/* fn does it all */
	K_UNSUP		/* accepted by the reference, not implemented here */
};

#define K_IGNORED	0x1	/* no effect on Linux / in srt: ignored_keys */
#define K_REQUIRED	0x2

struct key {
	const char	*name;
	enum kind	 kind;
	int		 flags;
	size_t		 off;
	long		 min, max;
	void		(*fn)(struct ctx *, const struct json *, const char *);
};

struct table {
	const char		*ptr;	/* where it applies, for suggestions */
	const struct key	*keys;
	size_t			 n;
};

static void	walk_object(struct ctx *, const struct json *, const char *,
		    const struct table *);

/*
 * Errors.
 */

static void __attribute__((format(printf, 3, 4)))
problem(struct ctx *c, const char *ptr, const char *fmt, ...)
{
	struct settings_error	*v;
	va_list			 ap;
	char			*msg;

	if (c->errs->n >= SETTINGS_MAX_ERRORS && !c->summary) {
		c->dropped++;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	v = reallocarray(c->errs->v, c->errs->n + 1, sizeof(*v));
	if (msg == NULL || v == NULL) {
		free(msg);
		c->dropped++;
		return;
	}
	c->errs->v = v;
	v[c->errs->n].message = msg;
	if ((v[c->errs->n].pointer = strdup(ptr)) == NULL) {
		free(msg);
		c->dropped++;
		return;
	}
	c->errs->n++;
}

/* Append s to out (escaped for a terminal); false when it did not fit. */
static bool
escape_into(char *out, size_t outlen, const char *s, size_t max)
{
	size_t	n = strlen(out), i;
	char	tmp[8];

	for (i = 0; s[i] != '\0'; i++) {
		unsigned char	ch = (unsigned char)s[i];

		if (i >= max)
			return false;
		if (ch == '"' || ch == '\\')
			snprintf(tmp, sizeof(tmp), "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			snprintf(tmp, sizeof(tmp), "\\u%04x", ch);
		else {
			tmp[0] = (char)ch;
			tmp[1] = '\0';
		}
		if (n + strlen(tmp) + 1 > outlen)
			return false;
		memcpy(out + n, tmp, strlen(tmp) + 1);
		n += strlen(tmp);
	}
	return true;
}

/* A value as a quoted, escaped, bounded JSON string, in a ring buffer. */
static const char *
quote(const char *s)
{
	static char	ring[4][256];
	static int	at;
	char		*out = ring[at++ % 4];

	strlcpy(out, "\"", sizeof(ring[0]));
	if (!escape_into(out, sizeof(ring[0]) - 6, s, 120))
		strlcat(out, "...", sizeof(ring[0]));
	strlcat(out, "\"", sizeof(ring[0]));
	return out;
}

/* JSON pointer of a member: "~" and "/" escaped (RFC 6901). */
static void
ptr_key(char *out, const char *ptr, const char *key)
{
	char	tmp[PTR_MAX];
	size_t	i, n = 0;

	for (i = 0; key[i] != '\0' && n + 3 < sizeof(tmp); i++) {
		if (key[i] == '~' || key[i] == '/') {
			tmp[n++] = '~';
			tmp[n++] = key[i] == '~' ? '0' : '1';
		} else
			tmp[n++] = key[i];
	}
	tmp[n] = '\0';
	snprintf(out, PTR_MAX, "%s/", ptr);
	if (!escape_into(out, PTR_MAX - 4, tmp, PTR_MAX))
		strlcat(out, "...", PTR_MAX);
}

static void
ptr_index(char *out, const char *ptr, size_t i)
{
	snprintf(out, PTR_MAX, "%s/%zu", ptr, i);
}

static bool
want(struct ctx *c, const struct json *v, const char *ptr,
    enum json_type t)
{
	if (v->type == t)
		return true;
	problem(c, ptr, "expected %s, got %s", json_type_name(t),
	    json_type_name(v->type));
	return false;
}

/* A string of at least min bytes. */
static bool
want_string(struct ctx *c, const struct json *v, const char *ptr,
    size_t min)
{
	if (!want(c, v, ptr, JSON_STRING))
		return false;
	if (strlen(v->s) < min) {
		problem(c, ptr, "must not be empty");
		return false;
	}
	return true;
}

static char *
xstrdup(struct ctx *c, const char *ptr, const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		problem(c, ptr, "out of memory");
	return p;
}

/*
 * Scalars.
 */

/* An integer in min..max; JSON has one number type, so 443.0 is 443. */
static bool
get_int(struct ctx *c, const struct json *v, const char *ptr, long min,
    long max, int *out)
{
	char	*end;
	double	 d;

	if (v->type != JSON_NUMBER) {
		problem(c, ptr, "expected an integer, got %s",
		    json_type_name(v->type));
		return false;
	}
	errno = 0;
	d = strtod(v->s, &end);
	if (*end != '\0' || errno == ERANGE || d != floor(d)) {
		problem(c, ptr, "expected an integer, got %s", v->s);
		return false;
	}
	if (d < (double)min || d > (double)max) {
		problem(c, ptr, "%s: out of range (%ld-%ld)", v->s, min, max);
		return false;
	}
	*out = (int)d;
	return true;
}

static void
str_list_free(struct str_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void
str_list_add(struct ctx *c, const char *ptr, struct str_list *l,
    const char *s)
{
	char	**v;
	char	 *p;

	if ((p = xstrdup(c, ptr, s)) == NULL)
		return;
	if ((v = reallocarray(l->v, l->n + 1, sizeof(*v))) == NULL) {
		free(p);
		problem(c, ptr, "out of memory");
		return;
	}
	l->v = v;
	l->v[l->n++] = p;
}

/* An array of strings; each must pass check (NULL: any string). */
static void
get_strings(struct ctx *c, const struct json *v, const char *ptr,
    struct str_list *out, const char *(*check)(const char *))
{
	char		 p[PTR_MAX];
	const char	*why;
	size_t		 i;

	if (!want(c, v, ptr, JSON_ARRAY))
		return;
	for (i = 0; i < v->n; i++) {
		ptr_index(p, ptr, i);
		if (!want(c, v->v[i], p, JSON_STRING))
			continue;
		if (check != NULL && (why = check(v->v[i]->s)) != NULL) {
			problem(c, p, "%s: %s", quote(v->v[i]->s), why);
			continue;
		}
		if (out != NULL)
			str_list_add(c, p, out, v->v[i]->s);
	}
}

static const char *
check_nonempty(const char *s)
{
	return s[0] == '\0' ? "must not be empty" : NULL;
}

static const char *
check_abs(const char *s)
{
	if (s[0] == '\0')
		return "path cannot be empty";
	return s[0] == '/' ? NULL : "binary path must be absolute";
}

/* "scheme://rest", as much of a URL as srt needs to reject a typo. */
static const char *
check_url(const char *s)
{
	const char	*p = s;

	if (!isalpha((unsigned char)*p))
		return "not a URL";
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' ||
	    *p == '.')
		p++;
	if (strncmp(p, "://", 3) != 0 || p[3] == '\0' || p[3] == '/')
		return "not a URL";
	for (p += 3; *p != '\0'; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
			return "not a URL";
	return NULL;
}

static const char *
check_mach(const char *s)
{
	size_t	n = strlen(s);

	if (n > 0 && s[n - 1] == '*')
		n--;
	return memchr(s, '*', n) == NULL ? NULL :
	    "wildcards are only allowed as a single trailing \"*\"";
}

static const char *
check_uuid(const char *s)
{
	size_t	i;

	if (strlen(s) != 36)
		return "not a UUID";
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return "not a UUID";
		} else if (!isxdigit((unsigned char)s[i]))
			return "not a UUID";
	}
	return NULL;
}

static void
get_checked_string(struct ctx *c, const struct json *v, const char *ptr,
    const char *(*check)(const char *), char **out)
{
	const char	*why;

	if (!want(c, v, ptr, JSON_STRING))
		return;
	if ((why = check(v->s)) != NULL) {
		problem(c, ptr, v->s[0] == '\0' ? "%.0s%s" : "%s: %s",
		    quote(v->s), why);
		return;
	}
	if (out != NULL) {
		free(*out);
		*out = xstrdup(c, ptr, v->s);
	}
}

/*
 * Keys of objects: lookup, duplicates, suggestions.
 */

/* Optimal string alignment distance, case-insensitive, bounded input. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t	d[65][65], n = strlen(a), m = strlen(b), i, j, best;

	if (n > 64 || m > 64)
		return 99;
	for (i = 0; i <= n; i++)
		d[i][0] = i;
	for (j = 0; j <= m; j++)
		d[0][j] = j;
	for (i = 1; i <= n; i++) {
		for (j = 1; j <= m; j++) {
			size_t	cost = tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]);

			best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < best)
				best = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[n][m];
}

static const struct table *all_tables[];

/* Nearest key of this object, or the same name where it belongs. */
static void
unknown_key(struct ctx *c, const char *ptr, const char *key,
    const struct table *t)
{
	const struct table	**tp;
	const char		 *best = NULL;
	size_t			  i, d, bestd = 99, limit;

	/* Only the main objects: "command" is not meant as /ripgrep/command. */
	for (tp = all_tables; *tp != NULL && tp - all_tables < 3; tp++) {
		if (*tp == t)
			continue;
		for (i = 0; i < (*tp)->n; i++) {
			if (strcmp((*tp)->keys[i].name, key) == 0) {
				problem(c, ptr, "unknown key (did you mean "
				    "\"%s/%s\"?)", (*tp)->ptr, key);
				return;
			}
		}
	}
	for (i = 0; i < t->n; i++) {
		d = edit_distance(key, t->keys[i].name);
		if (d < bestd) {
			bestd = d;
			best = t->keys[i].name;
		}
	}
	limit = strlen(key) / 3 > 2 ? strlen(key) / 3 : 2;
	if (best != NULL && bestd <= limit)
		problem(c, ptr, "unknown key (did you mean \"%s\"?)", best);
	else
		problem(c, ptr, "unknown key");
}

static int
dup_cmp(const void *a, const void *b, void *arg)
{
	char	**keys = arg;
	size_t	  x = *(const size_t *)a, y = *(const size_t *)b;
	int	  r = strcmp(keys[x], keys[y]);

	if (r != 0)
		return r;
	return x < y ? -1 : x > y;
}

/* dup[i] set when member i repeats an earlier member's key. */
static bool *
find_dups(struct ctx *c, const struct json *v, const char *ptr)
{
	size_t	*idx, i;
	bool	*dup;
	char	 p[PTR_MAX];

	dup = calloc(v->n + 1, sizeof(*dup));
	idx = calloc(v->n + 1, sizeof(*idx));
	if (dup == NULL || idx == NULL) {
		free(dup);
		free(idx);
		problem(c, ptr, "out of memory");
		return NULL;
	}
	for (i = 0; i < v->n; i++)
		idx[i] = i;
	qsort_r(idx, v->n, sizeof(*idx), dup_cmp, v->keys);
	for (i = 1; i < v->n; i++) {
		if (strcmp(v->keys[idx[i]], v->keys[idx[i - 1]]) == 0) {
			dup[idx[i]] = true;
			ptr_key(p, ptr, v->keys[idx[i]]);
			problem(c, p, "duplicate key");
		}
	}
	free(idx);
	return dup;
}

static const struct json *
member(const struct json *v, const char *key)
{
	size_t	i;

	if (v == NULL || v->type != JSON_OBJECT)
		return NULL;
	for (i = 0; i < v->n; i++)
		if (strcmp(v->keys[i], key) == 0)
			return v->v[i];
	return NULL;
}

static void
walk_member(struct ctx *c, const struct json *v, const char *ptr,
    const struct key *k)
{
	bool	 b;
	int	 n;

	if (k->flags & K_IGNORED)
		str_list_add(c, ptr, &c->s->ignored_keys, ptr);
	switch (k->kind) {
	case K_BOOL:
		if (!want(c, v, ptr, JSON_BOOL))
			break;
		b = v->b;
		if (k->off != NOOFF)
			memcpy((char *)c->s + k->off, &b, sizeof(b));
		break;
	case K_INT:
		if (get_int(c, v, ptr, k->min, k->max, &n) && k->off != NOOFF)
			memcpy((char *)c->s + k->off, &n, sizeof(n));
		break;
	case K_FN:
		k->fn(c, v, ptr);
		break;
	case K_UNSUP:
		problem(c, ptr, "%s", SETTINGS_UNSUP);
		break;
	}
}

static void
walk_object(struct ctx *c, const struct json *v, const char *ptr,
    const struct table *t)
{
	char	 p[PTR_MAX];
	bool	*dup;
	size_t	 i, j;

	if (!want(c, v, ptr, JSON_OBJECT))
		return;
	if ((dup = find_dups(c, v, ptr)) == NULL)
		return;
	for (i = 0; i < v->n; i++) {
		if (dup[i])
			continue;
		ptr_key(p, ptr, v->keys[i]);
		for (j = 0; j < t->n; j++)
			if (strcmp(v->keys[i], t->keys[j].name) == 0)
				break;
		if (j == t->n)
			unknown_key(c, p, v->keys[i], t);
		else
			walk_member(c, v->v[i], p, &t->keys[j]);
	}
	for (j = 0; j < t->n; j++)
		if ((t->keys[j].flags & K_REQUIRED) &&
		    member(v, t->keys[j].name) == NULL)
			problem(c, ptr, "missing key \"%s\"", t->keys[j].name);
	free(dup);
}

/* An object whose keys are free (a map); fn gets each value. */
static void
walk_map(struct ctx *c, const struct json *v, const char *ptr,
    void (*fn)(struct ctx *, const char *, const struct json *,
    const char *))
{
	char	 p[PTR_MAX];
	bool	*dup;
	size_t	 i;

	if (!want(c, v, ptr, JSON_OBJECT))
		return;
	if ((dup = find_dups(c, v, ptr)) == NULL)
		return;
	for (i = 0; i < v->n; i++) {
		if (dup[i])
			continue;
		ptr_key(p, ptr, v->keys[i]);
		fn(c, v->keys[i], v->v[i], p);
	}
	free(dup);
}

/*
 * network
 */

/*
 * mitmProxy.domains takes host patterns without a port, so the reference
 * reads an IPv6 literal there unbracketed; both spellings are taken.
 */
static const char *
parse_host_pattern(const char *s, bool allow_any, bool ports,
    struct domain_pattern *d)
{
	struct in6_addr	 a6;
	char		 buf[INET6_ADDRSTRLEN + 3];

	if (!ports && s[0] != '[' && strlen(s) < INET6_ADDRSTRLEN &&
	    inet_pton(AF_INET6, s, &a6) == 1) {
		snprintf(buf, sizeof(buf), "[%s]", s);
		return domain_parse(buf, allow_any, d);
	}
	return domain_parse(s, allow_any, d);
}

static void
get_domains(struct ctx *c, const struct json *v, const char *ptr,
    struct domain_list *out, bool allow_any, bool ports)
{
	struct domain_pattern	 d;
	const char		*why;
	char			 p[PTR_MAX];
	size_t			 i;

	if (!want(c, v, ptr, JSON_ARRAY))
		return;
	domain_list_free(out);
	for (i = 0; i < v->n; i++) {
		ptr_index(p, ptr, i);
		if (!want(c, v->v[i], p, JSON_STRING))
			continue;
		if ((why = parse_host_pattern(v->v[i]->s, allow_any, ports,
		    &d)) != NULL) {
			problem(c, p, "%s: %s", quote(v->v[i]->s), why);
			continue;
		}
		if (!ports && d.port != 0) {
			problem(c, p, "%s: no \":port\" here",
			    quote(v->v[i]->s));
			domain_pattern_free(&d);
			continue;
		}
		if (domain_list_add(out, &d) == -1) {
			domain_pattern_free(&d);
			problem(c, p, "out of memory");
		}
	}
}

static void
h_allowed(struct ctx *c, const struct json *v, const char *ptr)
{
	get_domains(c, v, ptr, &c->s->net.allowed, false, true);
}

static void
h_denied(struct ctx *c, const struct json *v, const char *ptr)
{
	get_domains(c, v, ptr, &c->s->net.denied, true, true);
}

static void
reason_one(struct ctx *c, const char *key, const struct json *v,
    const char *ptr)
{
	struct net_settings	*n = &c->s->net;
	struct reason		*r;

	if (!want_string(c, v, ptr, 1))
		return;
	if ((r = reallocarray(n->reasons, n->nreasons + 1,
	    sizeof(*r))) == NULL) {
		problem(c, ptr, "out of memory");
		return;
	}
	n->reasons = r;
	r[n->nreasons].entry = xstrdup(c, ptr, key);
	r[n->nreasons].reason = xstrdup(c, ptr, v->s);
	n->nreasons++;
}

static void
h_reasons(struct ctx *c, const struct json *v, const char *ptr)
{
	walk_map(c, v, ptr, reason_one);
}

static void
h_resolved(struct ctx *c, const struct json *v, const char *ptr)
{
	struct addr_range	 r;
	const char		*why;
	char			 p[PTR_MAX];
	size_t			 i;

	if (!want(c, v, ptr, JSON_ARRAY))
		return;
	for (i = 0; i < v->n; i++) {
		ptr_index(p, ptr, i);
		if (!want(c, v->v[i], p, JSON_STRING))
			continue;
		if ((why = addr_range_parse(v->v[i]->s, &r)) != NULL)
			problem(c, p, "%s: %s", quote(v->v[i]->s), why);
		else if (addr_list_add(&c->s->net.denied_resolved, &r) == -1)
			problem(c, p, "out of memory");
	}
}

static void
h_unix_sockets(struct ctx *c, const struct json *v, const char *ptr)
{
	get_strings(c, v, ptr, &c->s->net.allow_unix_sockets, NULL);
}

static void
h_mach(struct ctx *c, const struct json *v, const char *ptr)
{
	get_strings(c, v, ptr, NULL, check_mach);
}

static void
h_mitm_socket(struct ctx *c, const struct json *v, const char *ptr)
{
	get_checked_string(c, v, ptr, check_nonempty, &c->s->net.mitm_socket);
}

static void
h_mitm_domains(struct ctx *c, const struct json *v, const char *ptr)
{
	get_domains(c, v, ptr, &c->s->net.mitm_domains, false, false);
	if (v->type == JSON_ARRAY && v->n == 0)
		problem(c, ptr, "must have at least one entry");
}

static const struct key mitm_keys[] = {
	{ "socketPath", K_FN, K_REQUIRED, 0, 0, 0, h_mitm_socket },
	{ "domains", K_FN, K_REQUIRED, 0, 0, 0, h_mitm_domains },
};
static const struct table mitm_table = {
	"/network/mitmProxy", mitm_keys,
	sizeof(mitm_keys) / sizeof(mitm_keys[0])
};

static void
h_mitm(struct ctx *c, const struct json *v, const char *ptr)
{
	walk_object(c, v, ptr, &mitm_table);
}

static void
h_parent_http(struct ctx *c, const struct json *v, const char *ptr)
{
	get_checked_string(c, v, ptr, check_url, &c->s->net.parent_http);
}

static void
h_parent_https(struct ctx *c, const struct json *v, const char *ptr)
{
	get_checked_string(c, v, ptr, check_url, &c->s->net.parent_https);
}

static void
h_parent_noproxy(struct ctx *c, const struct json *v, const char *ptr)
{
	if (!want(c, v, ptr, JSON_STRING))
		return;
	free(c->s->net.parent_no_proxy);
	c->s->net.parent_no_proxy = xstrdup(c, ptr, v->s);
}

static const struct key parent_keys[] = {
	{ "http", K_FN, 0, 0, 0, 0, h_parent_http },
	{ "https", K_FN, 0, 0, 0, 0, h_parent_https },
	{ "noProxy", K_FN, 0, 0, 0, 0, h_parent_noproxy },
};
static const struct table parent_table = {
	"/network/parentProxy", parent_keys,
	sizeof(parent_keys) / sizeof(parent_keys[0])
};

static void
h_parent(struct ctx *c, const struct json *v, const char *ptr)
{
	walk_object(c, v, ptr, &parent_table);
}

#define NET(f)	offsetof(struct settings, net.f)

static const struct key net_keys[] = {
	{ "allowedDomains", K_FN, 0, 0, 0, 0, h_allowed },
	{ "deniedDomains", K_FN, 0, 0, 0, 0, h_denied },
	{ "deniedDomainReasons", K_FN, 0, 0, 0, 0, h_reasons },
	{ "strictAllowlist", K_BOOL, 0, NET(strict_allowlist), 0, 0, NULL },
	{ "deniedResolvedAddresses", K_FN, 0, 0, 0, 0, h_resolved },
	{ "allowUnixSockets", K_FN, K_IGNORED, 0, 0, 0, h_unix_sockets },
	{ "allowAllUnixSockets", K_BOOL, 0, NET(allow_all_unix_sockets), 0,
	    0, NULL },
	{ "allowLocalBinding", K_BOOL, K_IGNORED, NET(allow_local_binding), 0,
	    0, NULL },
	{ "allowMachLookup", K_FN, K_IGNORED, 0, 0, 0, h_mach },
	{ "httpProxyPort", K_INT, 0, NET(http_proxy_port), 1, 65535, NULL },
	{ "socksProxyPort", K_INT, 0, NET(socks_proxy_port), 1, 65535, NULL },
	{ "mitmProxy", K_FN, 0, 0, 0, 0, h_mitm },
	{ "parentProxy", K_FN, 0, 0, 0, 0, h_parent },
	{ "filterRequest", K_UNSUP, 0, 0, 0, 0, NULL },
	{ "allowPlaintextHeaderSet", K_UNSUP, 0, 0, 0, 0, NULL },
	{ "stripResponseHeaders", K_UNSUP, 0, 0, 0, 0, NULL },
	{ "refuseOpaqueTunnels", K_UNSUP, 0, 0, 0, 0, NULL },
	{ "requireHostMatch", K_UNSUP, 0, 0, 0, 0, NULL },
	{ "ambiguousRequestTarget", K_UNSUP, 0, 0, 0, 0, NULL },
	{ "tlsTerminate", K_UNSUP, 0, 0, 0, 0, NULL },
};
static const struct table net_table = {
	"/network", net_keys, sizeof(net_keys) / sizeof(net_keys[0])
};

static void
h_network(struct ctx *c, const struct json *v, const char *ptr)
{
	c->s->net.present = true;
	walk_object(c, v, ptr, &net_table);
}

/*
 * filesystem
 */

static void
path_list_free(struct path_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].raw);
		free(l->v[i].path);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/*
 * The reference's addInertSlashedDenyGlobIssue: a rooted deny glob that
 * ends in '/' matches nothing, and an inert deny fails open.
 */
static bool
inert_deny_glob(struct ctx *c, const char *raw, const char *ptr)
{
	char	 fixed[PTR_MAX];
	size_t	 n = strlen(raw);

	if (n == 0 || raw[n - 1] != '/' || !path_has_glob(raw) ||
	    (raw[0] != '/' && raw[0] != '~'))
		return false;
	while (n > 0 && raw[n - 1] == '/')
		n--;
	snprintf(fixed, sizeof(fixed), "%.*s", (int)n, raw);
	problem(c, ptr, "Deny glob %s ends in a separator, so as a pattern it "
	    "can match no path. Write %s, which is also read as the path of "
	    "that name where it exists, or add a \"**\" segment to match at "
	    "any depth.", quote(raw), quote(fixed));
	return true;
}

/* A string entry, or { "path": ..., "literal": true } and nothing else. */
static const char *
entry_spelling(const struct json *e, bool *literal)
{
	const struct json	*p, *l;

	*literal = false;
	if (e->type == JSON_STRING)
		return e->s;
	if (e->type != JSON_OBJECT || e->n != 2)
		return NULL;
	p = member(e, "path");
	l = member(e, "literal");
	if (p == NULL || l == NULL || p->type != JSON_STRING ||
	    p->s[0] == '\0' || l->type != JSON_BOOL || !l->b)
		return NULL;
	*literal = true;
	return p->s;
}

static void
path_entry_add(struct ctx *c, const char *ptr, struct path_list *l,
    const char *raw, bool literal, bool deny)
{
	struct path_entry	*v, e;
	const char		*why;
	char			 base[PTR_MAX];

	memset(&e, 0, sizeof(e));
	why = path_expand(raw, literal, c->env ? c->env->home : NULL,
	    c->env ? c->env->cwd : NULL, &e.path, &e.glob);
	if (why != NULL) {
		problem(c, ptr, raw[0] == '\0' ? "%.0s%s" : "%s: %s",
		    quote(raw), why);
		return;
	}
	path_glob_base(e.path, base, sizeof(base));
	if (deny && e.glob && strcmp(base, "/") == 0) {
		problem(c, ptr, "%s: glob has no literal directory below "
		    "\"/\" to start from", quote(raw));
		free(e.path);
		return;
	}
	e.literal = literal;
	if ((e.raw = xstrdup(c, ptr, raw)) == NULL ||
	    (v = reallocarray(l->v, l->n + 1, sizeof(*v))) == NULL) {
		free(e.raw);
		free(e.path);
		problem(c, ptr, "out of memory");
		return;
	}
	l->v = v;
	l->v[l->n++] = e;
}

static void
get_paths(struct ctx *c, const struct json *v, const char *ptr,
    struct path_list *out, bool deny)
{
	const char	*raw;
	char		 p[PTR_MAX];
	size_t		 i;
	bool		 literal;

	if (!want(c, v, ptr, JSON_ARRAY))
		return;
	path_list_free(out);
	for (i = 0; i < v->n; i++) {
		ptr_index(p, ptr, i);
		if ((raw = entry_spelling(v->v[i], &literal)) == NULL) {
			problem(c, p, "expected a path, or { \"path\": "
			    "\"<path>\", \"literal\": true }");
			continue;
		}
		if (deny && !literal && !c->s->fs.disabled &&
		    inert_deny_glob(c, raw, p))
			continue;
		path_entry_add(c, p, out, raw, literal, deny);
	}
}

static void
h_deny_read(struct ctx *c, const struct json *v, const char *ptr)
{
	get_paths(c, v, ptr, &c->s->fs.deny_read, true);
}

static void
h_allow_read(struct ctx *c, const struct json *v, const char *ptr)
{
	get_paths(c, v, ptr, &c->s->fs.allow_read, false);
}

static void
h_allow_write(struct ctx *c, const struct json *v, const char *ptr)
{
	get_paths(c, v, ptr, &c->s->fs.allow_write, false);
}

static void
h_deny_write(struct ctx *c, const struct json *v, const char *ptr)
{
	get_paths(c, v, ptr, &c->s->fs.deny_write, true);
}

#define FS(f)	offsetof(struct settings, fs.f)

static const struct key fs_keys[] = {
	{ "disabled", K_BOOL, 0, FS(disabled), 0, 0, NULL },
	{ "denyRead", K_FN, 0, 0, 0, 0, h_deny_read },
	{ "allowRead", K_FN, 0, 0, 0, 0, h_allow_read },
	{ "allowWrite", K_FN, 0, 0, 0, 0, h_allow_write },
	{ "denyWrite", K_FN, 0, 0, 0, 0, h_deny_write },
	{ "allowGitConfig", K_BOOL, 0, FS(allow_git_config), 0, 0, NULL },
};
static const struct table fs_table = {
	"/filesystem", fs_keys, sizeof(fs_keys) / sizeof(fs_keys[0])
};

static void
h_filesystem(struct ctx *c, const struct json *v, const char *ptr)
{
	const struct json	*d;

	/* The inert-deny check depends on "disabled", wherever it stands. */
	if ((d = member(v, "disabled")) != NULL && d->type == JSON_BOOL)
		c->s->fs.disabled = d->b;
	walk_object(c, v, ptr, &fs_table);
}

/*
 * Top level.
 */

static void
ignore_one(struct ctx *c, const char *key, const struct json *v,
    const char *ptr)
{
	struct ignore_rule	*r;
	struct str_list		 paths = { NULL, 0 };

	get_strings(c, v, ptr, &paths, NULL);
	if (v->type != JSON_ARRAY)
		return;
	if ((r = reallocarray(c->s->ignore, c->s->nignore + 1,
	    sizeof(*r))) == NULL) {
		str_list_free(&paths);
		problem(c, ptr, "out of memory");
		return;
	}
	c->s->ignore = r;
	r[c->s->nignore].command = xstrdup(c, ptr, key);
	r[c->s->nignore].paths = paths;
	c->s->nignore++;
}

static void
h_ignore(struct ctx *c, const struct json *v, const char *ptr)
{
	walk_map(c, v, ptr, ignore_one);
}

static void
h_any_string(struct ctx *c, const struct json *v, const char *ptr)
{
	want(c, v, ptr, JSON_STRING);
}

static void
h_string_list(struct ctx *c, const struct json *v, const char *ptr)
{
	get_strings(c, v, ptr, NULL, NULL);
}

static void
h_binpath(struct ctx *c, const struct json *v, const char *ptr)
{
	get_checked_string(c, v, ptr, check_abs, NULL);
}

static const struct key rg_keys[] = {
	{ "command", K_FN, K_REQUIRED, 0, 0, 0, h_any_string },
	{ "args", K_FN, 0, 0, 0, 0, h_string_list },
	{ "argv0", K_FN, 0, 0, 0, 0, h_any_string },
};
static const struct table rg_table = {
	"/ripgrep", rg_keys, sizeof(rg_keys) / sizeof(rg_keys[0])
};

static void
h_ripgrep(struct ctx *c, const struct json *v, const char *ptr)
{
	walk_object(c, v, ptr, &rg_table);
}

static const struct key seccomp_keys[] = {
	{ "applyPath", K_FN, 0, 0, 0, 0, h_any_string },
	{ "argv0", K_FN, 0, 0, 0, 0, h_any_string },
};
static const struct table seccomp_table = {
	"/seccomp", seccomp_keys, sizeof(seccomp_keys) / sizeof(seccomp_keys[0])
};

static void
h_seccomp(struct ctx *c, const struct json *v, const char *ptr)
{
	walk_object(c, v, ptr, &seccomp_table);
}

static void
h_win_backend(struct ctx *c, const struct json *v, const char *ptr)
{
	if (want(c, v, ptr, JSON_STRING) && strcmp(v->s, "mxc") != 0 &&
	    strcmp(v->s, "srt-win") != 0)
		problem(c, ptr, "%s: expected \"mxc\" or \"srt-win\"",
		    quote(v->s));
}

static void
h_win_user(struct ctx *c, const struct json *v, const char *ptr)
{
	if (want_string(c, v, ptr, 1) && strlen(v->s) > 20)
		problem(c, ptr, "Windows local usernames are limited to 20 "
		    "characters");
}

static void
h_win_guid(struct ctx *c, const struct json *v, const char *ptr)
{
	get_checked_string(c, v, ptr, check_uuid, NULL);
}

static void
h_win_ports(struct ctx *c, const struct json *v, const char *ptr)
{
	char	p[PTR_MAX];
	int	lo = 0, hi = 0;
	bool	ok;

	if (!want(c, v, ptr, JSON_ARRAY))
		return;
	if (v->n != 2) {
		problem(c, ptr, "expected [low, high]");
		return;
	}
	ptr_index(p, ptr, 0);
	ok = get_int(c, v->v[0], p, 1, 65535, &lo);
	ptr_index(p, ptr, 1);
	ok = get_int(c, v->v[1], p, 1, 65535, &hi) && ok;
	if (ok && (lo > hi || hi - lo > 64))
		problem(c, ptr, "low must be <= high and range width <= 64");
}

static void
h_nonempty(struct ctx *c, const struct json *v, const char *ptr)
{
	get_checked_string(c, v, ptr, check_nonempty, NULL);
}

static const struct key srtwin_keys[] = {
	{ "path", K_FN, K_REQUIRED, 0, 0, 0, h_nonempty },
};
static const struct table srtwin_table = {
	"/windows/srtWin", srtwin_keys,
	sizeof(srtwin_keys) / sizeof(srtwin_keys[0])
};

static void
h_srtwin(struct ctx *c, const struct json *v, const char *ptr)
{
	walk_object(c, v, ptr, &srtwin_table);
}

static const struct key win_keys[] = {
	{ "backend", K_FN, 0, 0, 0, 0, h_win_backend },
	{ "sandboxUser", K_FN, 0, 0, 0, 0, h_win_user },
	{ "sublayerGuid", K_FN, 0, 0, 0, 0, h_win_guid },
	{ "wfpSublayerGuid", K_FN, 0, 0, 0, 0, h_win_guid },
	{ "proxyPortRange", K_FN, 0, 0, 0, 0, h_win_ports },
	{ "srtWin", K_FN, 0, 0, 0, 0, h_srtwin },
};
static const struct table win_table = {
	"/windows", win_keys, sizeof(win_keys) / sizeof(win_keys[0])
};

static void
h_windows(struct ctx *c, const struct json *v, const char *ptr)
{
	walk_object(c, v, ptr, &win_table);
}

/*
 * credentials and git: srt implements neither, but an object that asks
 * for nothing (empty lists) weakens nothing and is accepted.
 */
static void
h_unsup_nonempty(struct ctx *c, const struct json *v, const char *ptr)
{
	if (want(c, v, ptr, JSON_ARRAY) && v->n > 0)
		problem(c, ptr, "%s", SETTINGS_UNSUP_EMPTY);
}

static void
h_any_object(struct ctx *c, const struct json *v, const char *ptr)
{
	if (want(c, v, ptr, JSON_OBJECT) && v->n > 0)
		problem(c, ptr, "%s", SETTINGS_UNSUP_EMPTY);
}

static const struct key cred_keys[] = {
	{ "files", K_FN, 0, 0, 0, 0, h_unsup_nonempty },
	{ "envVars", K_FN, 0, 0, 0, 0, h_unsup_nonempty },
	{ "awsPairs", K_FN, 0, 0, 0, 0, h_unsup_nonempty },
	{ "allowPlaintextInject", K_BOOL, 0, NOOFF, 0, 0, NULL },
	{ "sigv4", K_FN, 0, 0, 0, 0, h_any_object },
};
static const struct table cred_table = {
	"/credentials", cred_keys, sizeof(cred_keys) / sizeof(cred_keys[0])
};

static void
h_credentials(struct ctx *c, const struct json *v, const char *ptr)
{
	walk_object(c, v, ptr, &cred_table);
}

static const struct key git_keys[] = {
	{ "safeDirectories", K_FN, 0, 0, 0, 0, h_unsup_nonempty },
};
static const struct table git_table = {
	"/git", git_keys, sizeof(git_keys) / sizeof(git_keys[0])
};

static void
h_git(struct ctx *c, const struct json *v, const char *ptr)
{
	walk_object(c, v, ptr, &git_table);
}

#define TOP(f)	offsetof(struct settings, f)

static const struct key top_keys[] = {
	{ "network", K_FN, 0, 0, 0, 0, h_network },
	{ "filesystem", K_FN, 0, 0, 0, 0, h_filesystem },
	{ "credentials", K_FN, 0, 0, 0, 0, h_credentials },
	{ "ignoreViolations", K_FN, 0, 0, 0, 0, h_ignore },
	{ "enableWeakerNestedSandbox", K_BOOL, 0,
	    TOP(enable_weaker_nested_sandbox), 0, 0, NULL },
	{ "allowNestedUserNamespaces", K_BOOL, 0,
	    TOP(allow_nested_user_namespaces), 0, 0, NULL },
	{ "enableWeakerNetworkIsolation", K_BOOL, K_IGNORED, NOOFF, 0, 0,
	    NULL },
	{ "allowAppleEvents", K_BOOL, K_IGNORED, NOOFF, 0, 0, NULL },
	{ "ripgrep", K_FN, K_IGNORED, 0, 0, 0, h_ripgrep },
	{ "mandatoryDenySearchDepth", K_INT, 0,
	    TOP(mandatory_deny_search_depth), 1, 10, NULL },
	{ "allowPty", K_BOOL, K_IGNORED, NOOFF, 0, 0, NULL },
	{ "seccomp", K_FN, K_IGNORED, 0, 0, 0, h_seccomp },
	{ "bwrapPath", K_FN, K_IGNORED, 0, 0, 0, h_binpath },
	{ "socatPath", K_FN, K_IGNORED, 0, 0, 0, h_binpath },
	{ "javaAgentJarPath", K_FN, K_IGNORED, 0, 0, 0, h_binpath },
	{ "windows", K_FN, K_IGNORED, 0, 0, 0, h_windows },
	{ "git", K_FN, 0, 0, 0, 0, h_git },
};
static const struct table top_table = {
	"", top_keys, sizeof(top_keys) / sizeof(top_keys[0])
};

static const struct table *all_tables[] = {
	&top_table, &net_table, &fs_table, &mitm_table, &parent_table,
	&rg_table, &seccomp_table, &win_table, &srtwin_table, &cred_table,
	&git_table, NULL
};

/*
 * Entry points.
 */

void
settings_init_defaults(struct settings *s, const char *source)
{
	memset(s, 0, sizeof(*s));
	s->source = strdup(source != NULL ? source : "<defaults>");
	s->mandatory_deny_search_depth = 3;
}

void
settings_free(struct settings *s)
{
	struct net_settings	*n = &s->net;
	size_t			 i;

	domain_list_free(&n->allowed);
	domain_list_free(&n->denied);
	domain_list_free(&n->mitm_domains);
	for (i = 0; i < n->nreasons; i++) {
		free(n->reasons[i].entry);
		free(n->reasons[i].reason);
	}
	free(n->reasons);
	addr_list_free(&n->denied_resolved);
	str_list_free(&n->allow_unix_sockets);
	free(n->mitm_socket);
	free(n->parent_http);
	free(n->parent_https);
	free(n->parent_no_proxy);
	path_list_free(&s->fs.deny_read);
	path_list_free(&s->fs.allow_read);
	path_list_free(&s->fs.allow_write);
	path_list_free(&s->fs.deny_write);
	for (i = 0; i < s->nignore; i++) {
		free(s->ignore[i].command);
		str_list_free(&s->ignore[i].paths);
	}
	free(s->ignore);
	str_list_free(&s->ignored_keys);
	free(s->source);
	memset(s, 0, sizeof(*s));
}

void
settings_errors_free(struct settings_errors *e)
{
	size_t	i;

	if (e == NULL)
		return;
	for (i = 0; i < e->n; i++) {
		free(e->v[i].pointer);
		free(e->v[i].message);
	}
	free(e->v);
	e->v = NULL;
	e->n = 0;
}

void
settings_errors_print(const struct settings_errors *e, const char *name)
{
	size_t	i;

	for (i = 0; i < e->n; i++) {
		if (e->v[i].pointer[0] == '\0')
			dprintf(STDERR_FILENO, "%s: %s\n", name,
			    e->v[i].message);
		else
			dprintf(STDERR_FILENO, "%s: %s: %s\n", name,
			    e->v[i].pointer, e->v[i].message);
	}
}

static bool
blank(const char *buf, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' &&
		    buf[i] != '\r')
			return false;
	return true;
}

static void
settings_fail(struct settings *s, const char *name)
{
	settings_free(s);
	settings_init_defaults(s, name);
}

int
settings_load_buf(struct settings *s, const char *name, const char *buf,
    size_t len, const struct settings_env *env, struct settings_errors *errs)
{
	struct ctx	 c;
	struct json	*root;
	char		 why[512];

	memset(errs, 0, sizeof(*errs));
	settings_init_defaults(s, name);
	memset(&c, 0, sizeof(c));
	c.s = s;
	c.errs = errs;
	c.env = env;
	if (len > SETTINGS_MAX_FILE) {
		problem(&c, "", "larger than %d bytes", SETTINGS_MAX_FILE);
		settings_fail(s, name);
		return -1;
	}
	if (blank(buf, len)) {
		problem(&c, "", "file is empty (write {} for the defaults)");
		settings_fail(s, name);
		return -1;
	}
	if (json_parse(buf, len, &root, why, sizeof(why)) == -1) {
		problem(&c, "", "%s", why);
		settings_fail(s, name);
		return -1;
	}
	if (root->type != JSON_OBJECT)
		problem(&c, "", "expected an object at the top level, got %s",
		    json_type_name(root->type));
	else
		walk_object(&c, root, "", &top_table);
	json_free(root);
	if (c.dropped > 0) {
		c.summary = true;
		problem(&c, "", "and %zu more errors", c.dropped);
	}
	if (errs->n > 0 || c.dropped > 0) {
		settings_fail(s, name);
		return -1;
	}
	return 0;
}

static int
settings_file_error(struct settings *s, struct settings_errors *errs,
    const char *what, const char *detail)
{
	struct ctx	c;

	memset(&c, 0, sizeof(c));
	c.s = s;
	c.errs = errs;
	problem(&c, "", "%s%s", what, detail);
	return -1;
}

/* The whole file, bounded; a FIFO or device is refused, not read. */
static char *
settings_read(int fd, size_t *len, const char **why)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 r;
	size_t		 n = 0;

	if (fstat(fd, &st) == -1) {
		*why = strerror(errno);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		return NULL;
	}
	if (st.st_size > SETTINGS_MAX_FILE) {
		*why = "larger than 4 MiB";
		return NULL;
	}
	if ((buf = malloc(SETTINGS_MAX_FILE + 1)) == NULL) {
		*why = strerror(errno);
		return NULL;
	}
	while ((r = read(fd, buf + n, SETTINGS_MAX_FILE + 1 - n)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			*why = strerror(errno);
			free(buf);
			return NULL;
		}
		n += (size_t)r;
		if (n > SETTINGS_MAX_FILE) {
			*why = "larger than 4 MiB";
			free(buf);
			return NULL;
		}
	}
	*len = n;
	return buf;
}

int
settings_load_file(struct settings *s, const char *path, bool required,
    const struct settings_env *env, struct settings_errors *errs)
{
	const char	*why = NULL;
	char		*buf;
	size_t		 len;
	int		 fd, rv;

	memset(errs, 0, sizeof(*errs));
	settings_init_defaults(s, path);
	/* O_NONBLOCK: a FIFO with no writer must not hang the open. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		if (errno == ENOENT && !required)
			return 0;
		if (errno == ENOENT)
			return settings_file_error(s, errs, "does not exist "
			    "(create it: {} holds the defaults)", "");
		return settings_file_error(s, errs, "cannot be read: ",
		    strerror(errno));
	}
	buf = settings_read(fd, &len, &why);
	close(fd);
	if (buf == NULL)
		return settings_file_error(s, errs, "cannot be read: ", why);
	settings_free(s);
	rv = settings_load_buf(s, path, buf, len, env, errs);
	free(buf);
	return rv;
}
