/*
 * Name resolution and the resolved-address guard.  A name is resolved
 * once, with libevent's evdns (its nameservers and hosts file loaded at
 * start, before confinement), every answer is judged, and only the
 * survivors are dialled: the address that passed is the one connected
 * to, so a rebinding resolver cannot answer a second lookup differently.
 * Threat model: an allowed name whose DNS the attacker controls, pointed
 * at loopback, the metadata service or this host, to reach what the
 * sandbox's own network namespace was meant to hide.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/dns.h>
#include <event2/util.h>

#include "libcommon/log.h"
#include "srt-proxy/proxy.h"

int
resolve_init(struct proxy *px)
{
	px->dns = evdns_base_new(px->base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
	    EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (px->dns == NULL) {
		/* No resolv.conf: names resolve from the hosts file only. */
		px->dns = evdns_base_new(px->base, 0);
		if (px->dns == NULL)
			return -1;
		log_warnx("no nameservers configured; using the hosts file only");
	}
	evdns_base_set_option(px->dns, "timeout:", "5");
	evdns_base_set_option(px->dns, "attempts:", "2");
	if (px->hosts_path != NULL &&
	    evdns_base_load_hosts(px->dns, px->hosts_path) != 0) {
		log_warnx("cannot load hosts file %s", px->hosts_path);
		return -1;
	}
	return 0;
}

/* This host's interface addresses, for the guard; redone on reload. */
int
resolve_ifaddrs(struct proxy *px)
{
	struct ifaddrs		*ifa, *i;
	struct addr_range	*v = NULL, *nv;
	size_t			 n = 0;

	if (getifaddrs(&ifa) == -1) {
		log_warn("getifaddrs");
		return -1;
	}
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || (i->ifa_addr->sa_family != AF_INET &&
		    i->ifa_addr->sa_family != AF_INET6))
			continue;
		if ((nv = reallocarray(v, n + 1, sizeof(*v))) == NULL)
			break;
		v = nv;
		if (i->ifa_addr->sa_family == AF_INET)
			addr_from_v4(&v[n].addr,
			    &((struct sockaddr_in *)i->ifa_addr)->sin_addr);
		else
			v[n].addr = ((struct sockaddr_in6 *)i->ifa_addr)->
			    sin6_addr;
		v[n].prefix = 128;
		n++;
	}
	freeifaddrs(ifa);
	addr_list_free(&px->ifaddrs);
	px->ifaddrs.v = v;
	px->ifaddrs.n = n;
	return 0;
}

void
resolve_cancel(struct conn *c)
{
	struct evdns_getaddrinfo_request *req;

	if (c->dial == NULL)
		return;
	if ((req = c->dial->req) != NULL) {
		c->dial->req = NULL;
		evdns_getaddrinfo_cancel(req);
	}
}

static void
sockaddr_set(struct dial *d, const struct in6_addr *a, int port)
{
	struct in_addr		 v4;
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*s6;
	int			 i = d->n;

	memset(&d->addr[i], 0, sizeof(d->addr[i]));
	if (IN6_IS_ADDR_V4MAPPED(a)) {
		sin = (struct sockaddr_in *)&d->addr[i];
		memcpy(&v4, &a->s6_addr[12], 4);
		sin->sin_family = AF_INET;
		sin->sin_addr = v4;
		sin->sin_port = htons(port);
		d->alen[i] = sizeof(*sin);
	} else {
		s6 = (struct sockaddr_in6 *)&d->addr[i];
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = *a;
		s6->sin6_port = htons(port);
		d->alen[i] = sizeof(*s6);
	}
	d->n++;
}

/* Parse an IP literal host into the IPv4-mapped/IPv6 form. */
static bool
host_literal(const char *host, struct in6_addr *out)
{
	struct in_addr	v4;

	if (inet_pton(AF_INET, host, &v4) == 1) {
		addr_from_v4(out, &v4);
		return true;
	}
	return inet_pton(AF_INET6, host, out) == 1;
}

/* Classes of refusal, in the reference's order for the reason text. */
static const char *const reason_order[] = {
	"a deny-listed address",
	"a loopback address",
	"an unspecified address",
	"a link-local address",
	"a multicast address",
	"the broadcast address",
	"a cloud metadata address",
	"a listed address",
	"one of this host's addresses",
	"a non-loopback address",
	"an unparsable address",
};

static void
resolve_done(int result, struct evutil_addrinfo *res, void *arg)
{
	struct conn		*c = arg;
	struct evutil_addrinfo	*ai;
	struct in6_addr		 a;
	const char		*why;
	char			 reason[300];
	unsigned		 whys = 0;
	size_t			 k;

	if (result == EVUTIL_EAI_CANCEL)
		return;
	c->dial->req = NULL;
	c->dial->n = 0;
	if (result != 0) {
		log_debug("resolve %s: %s", c->host,
		    evutil_gai_strerror(result));
		if (res)
			evutil_freeaddrinfo(res);
		conn_dial_failed(c, EHOSTUNREACH, NULL);
		return;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET)
			addr_from_v4(&a,
			    &((struct sockaddr_in *)ai->ai_addr)->sin_addr);
		else if (ai->ai_family == AF_INET6)
			a = ((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		else
			continue;
		why = policy_addr_denied(c->px, c->pol, c->host, c->port, &a);
		if (why != NULL) {
			for (k = 0; k < sizeof(reason_order) /
			    sizeof(reason_order[0]); k++)
				if (strcmp(why, reason_order[k]) == 0)
					whys |= 1u << k;
			continue;
		}
		if (c->dial->n < PROXY_MAX_ADDRS)
			sockaddr_set(c->dial, &a, c->port);
	}
	evutil_freeaddrinfo(res);
	if (c->dial->n == 0 && whys != 0) {
		strlcpy(reason, "resolved to ", sizeof(reason));
		for (k = 0; k < sizeof(reason_order) / sizeof(reason_order[0]);
		    k++) {
			if (!(whys & (1u << k)))
				continue;
			if (strcmp(reason, "resolved to ") != 0)
				strlcat(reason, " / ", sizeof(reason));
			strlcat(reason, reason_order[k], sizeof(reason));
		}
		log_debug("%s:%d refused: %s", c->host, c->port, reason);
		conn_dial_failed(c, EACCES, reason);
		return;
	}
	if (c->dial->n == 0) {
		conn_dial_failed(c, EHOSTUNREACH, NULL);
		return;
	}
	conn_start_dial(c);
}

/*
 * Resolve c->host and dial.  An IP literal the policy allowed is dialled
 * as is: naming the address is the user's explicit choice.
 */
void
resolve_start(struct conn *c)
{
	struct evutil_addrinfo			 hints;
	struct in6_addr				 a;
	struct evdns_getaddrinfo_request	*req;

	if (conn_dial_new(c) == NULL) {
		conn_dial_failed(c, ENOMEM, NULL);
		return;
	}
	if (host_literal(c->host, &a)) {
		sockaddr_set(c->dial, &a, c->port);
		conn_start_dial(c);
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	/* The callback may run before this returns (hosts file hit). */
	req = evdns_getaddrinfo(c->px->dns, c->host, NULL, &hints,
	    resolve_done, c);
	if (req != NULL)
		c->dial->req = req;
}

/*
 * The parent proxy's own address: the user named it, so it is dialled
 * unjudged.  The destination is the parent's to resolve: we never learn
 * its address, so the resolved-address guard cannot apply (as in the
 * reference); the domain policy was applied to the name before this.
 */
static void
resolve_parent_done(int result, struct evutil_addrinfo *res, void *arg)
{
	struct conn		*c = arg;
	struct evutil_addrinfo	*ai;
	struct in6_addr		 a;

	if (result == EVUTIL_EAI_CANCEL)
		return;
	c->dial->req = NULL;
	c->dial->n = 0;
	for (ai = result == 0 ? res : NULL; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET)
			addr_from_v4(&a,
			    &((struct sockaddr_in *)ai->ai_addr)->sin_addr);
		else if (ai->ai_family == AF_INET6)
			a = ((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		else
			continue;
		if (c->dial->n < PROXY_MAX_ADDRS)
			sockaddr_set(c->dial, &a, c->via_parent->port);
	}
	if (res)
		evutil_freeaddrinfo(res);
	if (c->dial->n == 0) {
		log_warnx("parent proxy %s: cannot resolve",
		    c->via_parent->host);
		conn_dial_failed(c, EHOSTUNREACH, NULL);
		return;
	}
	conn_start_dial(c);
}

void
resolve_parent(struct conn *c)
{
	struct evutil_addrinfo			 hints;
	struct in6_addr				 a;
	struct evdns_getaddrinfo_request	*req;

	if (conn_dial_new(c) == NULL) {
		conn_dial_failed(c, ENOMEM, NULL);
		return;
	}
	if (host_literal(c->via_parent->host, &a)) {
		sockaddr_set(c->dial, &a, c->via_parent->port);
		conn_start_dial(c);
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	req = evdns_getaddrinfo(c->px->dns, c->via_parent->host, NULL, &hints,
	    resolve_parent_done, c);
	if (req != NULL)
		c->dial->req = req;
}
