/*
 * parentProxy configuration and the NO_PROXY match (see parent.h).
 * Semantics follow the reference (golang.org/x/net/http/httpproxy): a
 * noProxy entry "example.com" or ".example.com" matches the name and its
 * subdomains, "*" matches everything, an IP or CIDR matches addresses,
 * a ":port" suffix is ignored; loopback never goes to the parent.
 * Threat model: the URL comes from the user's settings or environment,
 * not from a client; the destination name we put in the CONNECT line was
 * validated by canon_host before the policy allowed it.
 */
#include <sys/types.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libcommon/log.h"
#include "policy/settings.h"
#include "srt-proxy/http_parse.h"
#include "srt-proxy/parent.h"

static const char	b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
base64(const unsigned char *in, size_t n, char *out)
{
	size_t		i;
	unsigned	v;

	for (i = 0; i + 2 < n; i += 3) {
		v = in[i] << 16 | in[i + 1] << 8 | in[i + 2];
		*out++ = b64[v >> 18];
		*out++ = b64[(v >> 12) & 63];
		*out++ = b64[(v >> 6) & 63];
		*out++ = b64[v & 63];
	}
	if (i < n) {
		v = in[i] << 16 | (i + 1 < n ? in[i + 1] << 8 : 0);
		*out++ = b64[v >> 18];
		*out++ = b64[(v >> 12) & 63];
		*out++ = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

/* Percent-decode n bytes of userinfo; a malformed escape is kept. */
static size_t
pct_decode(const char *p, size_t n, unsigned char *out)
{
	size_t	i, k = 0;
	char	hex[3] = { 0 };

	for (i = 0; i < n; i++) {
		if (p[i] == '%' && i + 2 < n && isxdigit((unsigned char)
		    p[i + 1]) && isxdigit((unsigned char)p[i + 2])) {
			hex[0] = p[i + 1];
			hex[1] = p[i + 2];
			out[k++] = (unsigned char)strtoul(hex, NULL, 16);
			i += 2;
		} else
			out[k++] = (unsigned char)p[i];
	}
	return k;
}

static int
parse_auth(const char *p, size_t n, struct parent_url *u)
{
	unsigned char	 raw[512];
	const char	*colon = memchr(p, ':', n);
	size_t		 k;

	if (n >= sizeof(raw) / 2)
		return -1;
	if (colon == NULL)
		colon = p + n;
	k = pct_decode(p, colon - p, raw);
	raw[k++] = ':';
	if (colon < p + n)
		k += pct_decode(colon + 1, p + n - colon - 1, raw + k);
	if ((u->auth = malloc(6 + (k + 2) / 3 * 4 + 1)) == NULL)
		return -1;
	memcpy(u->auth, "Basic ", 6);
	base64(raw, k, u->auth + 6);
	return 0;
}

/*
 * [http[s]://][user[:pass]@]host[:port][/...]: a schemeless host:port is
 * taken as http://, as curl does; https:// speaks TLS to the parent
 * (tls.c) and defaults to port 443.
 */
int
parent_parse_url(const char *s, struct parent_url *u, char *why,
    size_t whysz)
{
	const char	*p = s, *end, *at;

	memset(u, 0, sizeof(*u));
	if (strncasecmp(p, "https://", 8) == 0) {
		u->tls = true;
		p += 8;
	} else if (strncasecmp(p, "http://", 7) == 0)
		p += 7;
	else if (strstr(p, "://") != NULL) {
		snprintf(why, whysz, "only http:// and https:// parent "
		    "proxies are supported");
		return -1;
	}
	end = p + strcspn(p, "/?#");
	if ((at = memrchr(p, '@', end - p)) != NULL) {
		if (parse_auth(p, at - p, u) == -1) {
			snprintf(why, whysz, "unusable user information");
			return -1;
		}
		p = at + 1;
	}
	if (http_parse_authority(p, end - p, u->tls ? 443 : 80, u->host,
	    sizeof(u->host), &u->port) != HTTP_OK) {
		free(u->auth);
		u->auth = NULL;
		snprintf(why, whysz, "not an http[s]://host:port URL");
		return -1;
	}
	return 0;
}

static int
add_suffix(struct parent_proxy *pp, const char *v)
{
	char	**nv;

	if ((nv = reallocarray(pp->no_suffix, pp->nno_suffix + 1,
	    sizeof(*nv))) == NULL)
		return -1;
	pp->no_suffix = nv;
	if ((nv[pp->nno_suffix] = strdup(v)) == NULL)
		return -1;
	pp->nno_suffix++;
	return 0;
}

/* One noProxy entry, normalised as the reference does. */
static int
noproxy_entry(struct parent_proxy *pp, char *e)
{
	struct addr_range	 r;
	char			*colon, *q;

	for (q = e; *q != '\0'; q++)
		*q = tolower((unsigned char)*q);
	if (strcmp(e, "*") == 0) {
		pp->no_all = true;
		return 0;
	}
	if (strchr(e, '/') != NULL) {
		/* A malformed CIDR is ignored, never a suffix. */
		if (addr_range_parse(e, &r) == NULL)
			return addr_list_add(&pp->no_cidr, &r);
		return 0;
	}
	if (*e == '[' && (q = strchr(e, ']')) != NULL &&
	    (q[1] == '\0' || q[1] == ':')) {
		*q = '\0';
		e++;
	}
	if (strncmp(e, "*.", 2) == 0)
		e++;
	if (addr_range_parse(e, &r) == NULL)
		return addr_list_add(&pp->no_cidr, &r);
	if ((colon = strrchr(e, ':')) != NULL && colon[1] != '\0' &&
	    strspn(colon + 1, "0123456789") == strlen(colon + 1))
		*colon = '\0';
	return *e == '\0' ? 0 : add_suffix(pp, e);
}

static int
noproxy_parse(struct parent_proxy *pp, const char *raw)
{
	char	*dup, *tok, *p, *end;

	if (raw == NULL || (dup = strdup(raw)) == NULL)
		return raw == NULL ? 0 : -1;
	for (p = dup; (tok = strsep(&p, ",")) != NULL;) {
		while (isspace((unsigned char)*tok))
			tok++;
		end = tok + strlen(tok);
		while (end > tok && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*tok != '\0' && noproxy_entry(pp, tok) == -1) {
			free(dup);
			return -1;
		}
	}
	free(dup);
	return 0;
}

static const char *
env2(const char *a, const char *b)
{
	const char	*v = getenv(a);

	return v != NULL && *v != '\0' ? v : getenv(b);
}

/*
 * A URL from the settings must be usable (its key is named); one from
 * the environment that is not is ignored with a warning, as the
 * reference ignores it.
 */
static int
load_url(struct parent_url **out, const char *v, bool from_settings,
    const char *key, char *why, size_t whysz)
{
	struct parent_url	 u;
	char			 r[200];

	*out = NULL;
	if (v == NULL || *v == '\0')
		return 0;
	if (parent_parse_url(v, &u, r, sizeof(r)) == -1) {
		if (from_settings) {
			snprintf(why, whysz, "%s: %s", key, r);
			return -1;
		}
		log_warnx("%s: %s; ignored", key, r);
		return 0;
	}
	if ((*out = malloc(sizeof(u))) == NULL) {
		free(u.auth);
		snprintf(why, whysz, "out of memory");
		return -1;
	}
	**out = u;
	return 0;
}

int
parent_load(struct parent_proxy *pp, const struct net_settings *n,
    char *why, size_t whysz)
{
	const char	*http, *https, *no, *hkey, *skey;

	memset(pp, 0, sizeof(*pp));
	why[0] = '\0';
	hkey = n->parent_http ? "/network/parentProxy/http" : "HTTP_PROXY";
	http = n->parent_http ? n->parent_http : env2("HTTP_PROXY",
	    "http_proxy");
	skey = n->parent_https ? "/network/parentProxy/https" : "HTTPS_PROXY";
	https = n->parent_https ? n->parent_https : env2("HTTPS_PROXY",
	    "https_proxy");
	if (https == NULL || *https == '\0') {
		/* curl's habit: HTTPS_PROXY unset means HTTP_PROXY. */
		https = http;
		skey = hkey;
	}
	no = n->parent_no_proxy != NULL ? n->parent_no_proxy :
	    env2("NO_PROXY", "no_proxy");
	if (load_url(&pp->http, http, *hkey == '/', hkey, why, whysz) == -1 ||
	    load_url(&pp->https, https, *skey == '/', skey, why, whysz) == -1 ||
	    noproxy_parse(pp, no) == -1) {
		if (why[0] == '\0')
			snprintf(why, whysz, "out of memory");
		parent_free(pp);
		return -1;
	}
	return 0;
}

void
parent_free(struct parent_proxy *pp)
{
	size_t	i;

	if (pp->http != NULL)
		free(pp->http->auth);
	if (pp->https != NULL)
		free(pp->https->auth);
	free(pp->http);
	free(pp->https);
	for (i = 0; i < pp->nno_suffix; i++)
		free(pp->no_suffix[i]);
	free(pp->no_suffix);
	addr_list_free(&pp->no_cidr);
	memset(pp, 0, sizeof(*pp));
}

static bool
host_addr(const char *h, struct in6_addr *a)
{
	struct in_addr	v4;

	if (inet_pton(AF_INET, h, &v4) == 1) {
		addr_from_v4(a, &v4);
		return true;
	}
	return inet_pton(AF_INET6, h, a) == 1;
}

bool
parent_bypass(const struct parent_proxy *pp, const char *host)
{
	struct in6_addr	a;
	struct in_addr	v4;
	size_t		i, hn = strlen(host), vn;
	const char	*v;

	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (host_addr(host, &a)) {
		if (IN6_IS_ADDR_LOOPBACK(&a))
			return true;
		if (addr_embedded_v4(&a, &v4) &&
		    (ntohl(v4.s_addr) >> 24) == 127)
			return true;
		if (IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127)
			return true;
	}
	if (pp->no_all)
		return true;
	if (host_addr(host, &a) && addr_list_contains(&pp->no_cidr, &a))
		return true;
	for (i = 0; i < pp->nno_suffix; i++) {
		v = pp->no_suffix[i];
		vn = strlen(v);
		if (*v == '.') {
			if ((hn == vn - 1 && strcasecmp(host, v + 1) == 0) ||
			    (hn > vn && strcasecmp(host + hn - vn, v) == 0))
				return true;
		} else if ((hn == vn && strcasecmp(host, v) == 0) ||
		    (hn > vn && host[hn - vn - 1] == '.' &&
		    strcasecmp(host + hn - vn, v) == 0))
			return true;
	}
	return false;
}

const struct parent_url *
parent_select(const struct parent_proxy *pp, const char *host, bool tunnel)
{
	const struct parent_url	*u;

	/* A plain request uses only the http one, as curl does. */
	u = tunnel ? (pp->https ? pp->https : pp->http) : pp->http;
	if (u == NULL || parent_bypass(pp, host))
		return NULL;
	return u;
}

bool
parent_tls(const struct parent_proxy *pp)
{
	return (pp->http != NULL && pp->http->tls) ||
	    (pp->https != NULL && pp->https->tls);
}
