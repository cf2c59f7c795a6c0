/*
 * parentProxy: chaining our upstream connections through another HTTP
 * proxy (network.parentProxy {http, https, noProxy}, else the process's
 * own HTTP_PROXY, HTTPS_PROXY and NO_PROXY, as the reference does), over
 * TCP for an http:// parent and TLS for an https:// one.
 * Our policy is decided first, on the requested name; the parent only
 * carries what we allowed.
 */
#ifndef SRT_PROXY_PARENT_H
#define SRT_PROXY_PARENT_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/addr.h"

struct net_settings;

struct parent_url {
	char	 host[256];	/* no brackets */
	int	 port;
	char	*auth;		/* "Basic ..." from userinfo, or NULL */
	bool	 tls;		/* https://: TLS to the parent (tls.c) */
};

struct parent_proxy {
	struct parent_url	*http;		/* plain HTTP requests */
	struct parent_url	*https;		/* CONNECT and SOCKS */
	bool			 no_all;	/* NO_PROXY=* */
	char			**no_suffix;
	size_t			 nno_suffix;
	struct addr_list	 no_cidr;
};

/*
 * Fill pp from the settings, or the environment where they say nothing;
 * -1 with a one-line reason for a parent URL we cannot use.
 */
int	parent_load(struct parent_proxy *pp, const struct net_settings *,
	    char *why, size_t whysz);
void	parent_free(struct parent_proxy *);
/* The parent for this destination, or NULL to connect directly. */
const struct parent_url *
	parent_select(const struct parent_proxy *, const char *host,
	    bool tunnel);
/* Whether either parent is https:// (TLS needs a CA bundle, tls.c). */
bool	parent_tls(const struct parent_proxy *);
/* Exposed for the unit test. */
int	parent_parse_url(const char *s, struct parent_url *, char *why,
	    size_t whysz);
bool	parent_bypass(const struct parent_proxy *, const char *host);

#endif
