/*
 * Domain patterns of allowedDomains/deniedDomains and the host matcher the
 * proxy applies to every destination.
 *
 * Threat model: the pattern comes from the user's settings (trusted intent,
 * but typos must not widen anything); the host comes from the sandboxed
 * client (hostile).  A host is canonicalised before it is compared, so
 * spellings that dial the same address ("127.1", "0x7f.0.0.1", "[::ffff:
 * 127.0.0.1]", "Example.COM.") compare equal to the entry that names it,
 * and a host with bytes a resolver would treat differently (NUL, '%',
 * spaces) never matches anything.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "policy/domain.h"

#define DOMAIN_HOST_MAX	255

static const char r_bad[] = "not a domain pattern";
static const char r_v6[] =
    "IPv6 literal must be bracketed, e.g. \"[::1]\" or \"[::1]:443\"";
static const char r_any[] =
    "bare \"*\" is accepted only in deniedDomains";
static const char r_broad[] =
    "wildcard too broad: \"*.\" must be followed by a name with a dot";
static const char r_nodot[] =
    "a name without a dot is not allowed (except \"localhost\")";
static const char r_port[] = "port must be 1-65535";
static const char r_chars[] =
    "host may hold only letters, digits, '.', '-' and '_'";
static const char r_scheme[] =
    "not a domain pattern: no scheme or path, just the host";
static const char r_long[] = "host longer than 255 characters";
static const char r_bracket[] = "brackets are only for IPv6 literals";

/* Only a strictly numeric 1-65535 without leading zeros counts as a port. */
static int
domain_port(const char *s, size_t n)
{
	long	 v = 0;
	size_t	 i;

	if (n == 0 || n > 5 || s[0] < '1' || s[0] > '9')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return v > 65535 ? 0 : (int)v;
}

static int
domain_count(const char *s, int c)
{
	int	n = 0;

	for (; *s != '\0'; s++)
		if (*s == c)
			n++;
	return n;
}

static int
domain_hostchar(int c)
{
	return isascii(c) && (isalnum(c) || c == '.' || c == '-' || c == '_');
}

static int
domain_hostchars(const char *s)
{
	for (; *s != '\0'; s++)
		if (!domain_hostchar((unsigned char)*s))
			return 0;
	return 1;
}

/*
 * Canonical spelling of an IP literal: IPv4 in any inet_aton form
 * ("127.1", "0x7f.1", "2130706433") becomes a dotted quad, IPv6 is
 * compressed, and IPv4-mapped IPv6 becomes the IPv4 it connects to.
 * Returns 4, 6, or 0 when s is no IP literal.
 */
static int
domain_canon_ip(const char *s, char *out, size_t outlen)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	const char	*p;

	for (p = s; *p != '\0'; p++)
		if (!isxdigit((unsigned char)*p) && *p != '.' && *p != 'x' &&
		    *p != 'X')
			break;
	if (*p == '\0' && p != s && inet_aton(s, &a4) == 1) {
		if (inet_ntop(AF_INET, &a4, out, (socklen_t)outlen) == NULL)
			return 0;
		return 4;
	}
	if (strchr(s, ':') == NULL || inet_pton(AF_INET6, s, &a6) != 1)
		return 0;
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		memcpy(&a4, &a6.s6_addr[12], sizeof(a4));
		if (inet_ntop(AF_INET, &a4, out, (socklen_t)outlen) == NULL)
			return 0;
		return 4;
	}
	if (inet_ntop(AF_INET6, &a6, out, (socklen_t)outlen) == NULL)
		return 0;
	return 6;
}

/*
 * Canonical form of a destination host, as the matcher compares it:
 * brackets and one trailing dot dropped, lower case, IP literals in
 * canonical spelling.  Returns 0 for a host no resolver should be handed
 * (empty, too long, a zone id, a byte outside the DNS label set).
 */
int
domain_canon_host(const char *host, char *out, size_t outlen)
{
	char	 buf[DOMAIN_HOST_MAX + 1];
	size_t	 n, i;
	int	 bracketed;

	if (host == NULL || outlen == 0)
		return 0;
	n = strlen(host);
	if (n == 0 || n > DOMAIN_HOST_MAX)
		return 0;
	if ((bracketed = host[0] == '[')) {
		if (n < 3 || host[n - 1] != ']')
			return 0;
		host++;
		n -= 2;
	}
	memcpy(buf, host, n);
	buf[n] = '\0';
	if (strchr(buf, '%') != NULL)
		return 0;
	if (bracketed)
		return strchr(buf, ':') != NULL &&
		    domain_canon_ip(buf, out, outlen) != 0;
	if (domain_canon_ip(buf, out, outlen) != 0)
		return 1;
	if (buf[n - 1] == '.')
		buf[--n] = '\0';
	if (n == 0 || !domain_hostchars(buf) || n >= outlen)
		return 0;
	for (i = 0; i <= n; i++)
		out[i] = (char)tolower((unsigned char)buf[i]);
	if (domain_canon_ip(out, buf, sizeof(buf)) != 0)
		strlcpy(out, buf, outlen);
	return 1;
}

/* The bracketed "[v6]" or "[v6]:port" form; host gets the bare address. */
static const char *
domain_split_bracket(const char *text, char *host, size_t hostlen,
    int *port)
{
	const char	*close;
	size_t		 n;

	close = strchr(text, ']');
	if (close == NULL)
		return r_bad;
	n = (size_t)(close - text - 1);
	if (n == 0 || n >= hostlen)
		return r_bad;
	memcpy(host, text + 1, n);
	host[n] = '\0';
	/* A zone id names an interface, matching ignores it. */
	host[strcspn(host, "%")] = '\0';
	if (close[1] == '\0')
		*port = 0;
	else if (close[1] != ':' ||
	    (*port = domain_port(close + 2, strlen(close + 2))) == 0)
		return close[1] == ':' ? r_port : r_bad;
	if (strchr(host, ':') == NULL)
		return r_bracket;
	return NULL;
}

/* "host" or "host:port" (one colon); a multi-colon entry never splits. */
static const char *
domain_split(const char *text, char *host, size_t hostlen, int *port)
{
	const char	*colon;
	size_t		 n;

	if (text[0] == '[')
		return domain_split_bracket(text, host, hostlen, port);
	if (strstr(text, "://") != NULL)
		return r_scheme;
	if (domain_count(text, ':') > 1)
		return r_v6;
	colon = strchr(text, ':');
	n = colon == NULL ? strlen(text) : (size_t)(colon - text);
	if (n >= hostlen)
		return r_long;
	memcpy(host, text, n);
	host[n] = '\0';
	*port = 0;
	if (colon != NULL &&
	    (*port = domain_port(colon + 1, strlen(colon + 1))) == 0)
		return r_port;
	return NULL;
}

/* The host part of a pattern, as isValidDomainPattern judges it. */
static const char *
domain_check_name(const char *h, bool allow_any)
{
	const char	*base;
	size_t		 n = strlen(h);

	if (n == 0)
		return r_bad;
	if (n > DOMAIN_HOST_MAX)
		return r_long;
	if (strchr(h, '/') != NULL)
		return r_scheme;
	if (strcmp(h, "*") == 0)
		return allow_any ? NULL : r_any;
	if (strcmp(h, "localhost") == 0)
		return NULL;
	base = h;
	if (strncmp(h, "*.", 2) == 0) {
		base = h + 2;
		if (*base == '\0' || base[0] == '.')
			return r_bad;
		if (strchr(base, '.') == NULL)
			return r_broad;
		if (strstr(base, "..") != NULL || base[strlen(base) - 1] == '.')
			return r_bad;
	}
	if (strchr(base, '*') != NULL)
		return r_bad;
	if (!domain_hostchars(base))
		return r_chars;
	if (base[0] == '.' || base[strlen(base) - 1] == '.')
		return r_bad;
	if (strchr(base, '.') == NULL)
		return r_nodot;
	return NULL;
}

static void
domain_lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

const char *
domain_parse(const char *text, bool allow_any, struct domain_pattern *out)
{
	char		 host[DOMAIN_HOST_MAX + 2], canon[DOMAIN_HOST_MAX + 1];
	const char	*why;
	int		 port, bracketed;

	memset(out, 0, sizeof(*out));
	if (text == NULL || *text == '\0')
		return r_bad;
	if (strlen(text) > DOMAIN_HOST_MAX + 8)
		return r_long;
	bracketed = text[0] == '[';
	if ((why = domain_split(text, host, sizeof(host), &port)) != NULL)
		return why;
	if (bracketed) {
		if (domain_canon_ip(host, canon, sizeof(canon)) == 0)
			return r_bad;
		out->ip = true;
	} else {
		if ((why = domain_check_name(host, allow_any)) != NULL)
			return why;
		domain_lower(host);
		if (domain_canon_ip(host, canon, sizeof(canon)) != 0)
			out->ip = true;
		else
			strlcpy(canon, host, sizeof(canon));
	}
	out->any = strcmp(canon, "*") == 0;
	out->wildcard = strncmp(canon, "*.", 2) == 0;
	out->port = port;
	out->text = strdup(text);
	out->host = strdup(out->wildcard ? canon + 2 : canon);
	if (out->text == NULL || out->host == NULL) {
		domain_pattern_free(out);
		return "out of memory";
	}
	return NULL;
}

void
domain_pattern_free(struct domain_pattern *p)
{
	if (p == NULL)
		return;
	free(p->text);
	free(p->host);
	memset(p, 0, sizeof(*p));
}

void
domain_list_free(struct domain_list *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		domain_pattern_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
domain_list_add(struct domain_list *l, const struct domain_pattern *p)
{
	struct domain_pattern	*v;

	v = reallocarray(l->v, l->n + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	l->v = v;
	l->v[l->n++] = *p;
	return 0;
}

/* Match an already canonical host. */
static bool
domain_match_canon(const struct domain_pattern *p, const char *h, bool hip,
    int port)
{
	size_t	hn, bn;

	if (p->port != 0 && p->port != port)
		return false;
	if (p->any)
		return true;
	if (!p->wildcard)
		return strcmp(h, p->host) == 0;
	/* Suffix matching on an IP literal would be meaningless. */
	if (hip)
		return false;
	hn = strlen(h);
	bn = strlen(p->host);
	return hn > bn + 1 && h[hn - bn - 1] == '.' &&
	    strcmp(h + hn - bn, p->host) == 0;
}

static bool
domain_host_is_ip(const char *canon)
{
	struct in6_addr	a6;
	struct in_addr	a4;

	return inet_pton(AF_INET, canon, &a4) == 1 ||
	    inet_pton(AF_INET6, canon, &a6) == 1;
}

bool
domain_match(const struct domain_pattern *p, const char *host, int port)
{
	char	h[DOMAIN_HOST_MAX + 1];

	if (!domain_canon_host(host, h, sizeof(h)))
		return false;
	return domain_match_canon(p, h, domain_host_is_ip(h), port);
}

static long
domain_list_match_canon(const struct domain_list *l, const char *h, bool hip,
    int port)
{
	size_t	i;

	if (l == NULL)
		return -1;
	for (i = 0; i < l->n; i++)
		if (domain_match_canon(&l->v[i], h, hip, port))
			return (long)i;
	return -1;
}

long
domain_list_match(const struct domain_list *l, const char *host, int port)
{
	char	h[DOMAIN_HOST_MAX + 1];

	if (!domain_canon_host(host, h, sizeof(h)))
		return -1;
	return domain_list_match_canon(l, h, domain_host_is_ip(h), port);
}

/*
 * Precedence as the reference: a deniedDomains entry wins over any
 * allowedDomains entry; no match is a deny.  A malformed host is denied
 * before any list is consulted.
 */
struct net_decision
domain_decide(const struct domain_list *allowed,
    const struct domain_list *denied, const char *host, int port)
{
	struct net_decision	 d = { NET_DENY_MALFORMED, -1 };
	char			 h[DOMAIN_HOST_MAX + 1];
	bool			 hip;

	if (!domain_canon_host(host, h, sizeof(h)) || port < 1 ||
	    port > 65535)
		return d;
	hip = domain_host_is_ip(h);
	if ((d.rule = domain_list_match_canon(denied, h, hip, port)) != -1) {
		d.verdict = NET_DENY_DENIED;
		return d;
	}
	if ((d.rule = domain_list_match_canon(allowed, h, hip, port)) != -1) {
		d.verdict = NET_ALLOW;
		return d;
	}
	d.verdict = NET_DENY_NOT_ALLOWED;
	return d;
}
