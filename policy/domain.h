/*
 * Domain patterns exactly as the reference srt: "example.com" matches that
 * host; "*.example.com" matches subdomains but not the apex; ":port"
 * restricts the port (none = any); IPv6 literals are bracketed
 * ("[::1]:443"); a bare "*" (or "*:22") is accepted only in deniedDomains.
 * Names without a dot are rejected except "localhost".
 */
#ifndef SRT_DOMAIN_H
#define SRT_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>

struct domain_pattern {
	char	*text;		/* the entry as written */
	char	*host;		/* lower case, no brackets, no "*." */
	bool	 wildcard;	/* "*.host": subdomains only */
	bool	 any;		/* bare "*": every host */
	bool	 ip;		/* host is an IPv4 or IPv6 literal */
	int	 port;		/* 0 = any port */
};

struct domain_list {
	struct domain_pattern	*v;
	size_t			 n;
};

/* Parse one entry; NULL on success or a static reason ("not a domain
 * pattern", ...).  allow_any permits the bare "*" (deniedDomains). */
const char *domain_parse(const char *text, bool allow_any,
	    struct domain_pattern *out);
void	domain_pattern_free(struct domain_pattern *);
void	domain_list_free(struct domain_list *);
/* Append *p (ownership moves to the list); -1 on ENOMEM. */
int	domain_list_add(struct domain_list *, const struct domain_pattern *p);
/*
 * The canonical host the matcher compares: lower case, no brackets, one
 * trailing dot dropped, IP literals canonical (inet_aton forms become a
 * dotted quad, IPv4-mapped IPv6 its IPv4).  0 for a malformed host (empty,
 * over 255 bytes, zone id, bytes outside [A-Za-z0-9._-]).
 */
#define DOMAIN_CANON_MAX	256	/* a domain_canon_host() buffer */
int	domain_canon_host(const char *host, char *out, size_t outlen);

/* Does host:port match?  host may be a name or an IP literal, any case,
 * with or without brackets or a trailing dot.  It is a C string: a caller
 * holding counted bytes (a SOCKS DOMAINNAME) refuses an embedded NUL
 * first, or "evil.com\0.allowed.com" reads as evil.com. */
bool	domain_match(const struct domain_pattern *, const char *host,
	    int port);
/* Index of the first matching entry, or -1. */
long	domain_list_match(const struct domain_list *, const char *host,
	    int port);

enum net_verdict {
	NET_DENY_DENIED,	/* matched deniedDomains[rule] */
	NET_ALLOW,		/* matched allowedDomains[rule] */
	NET_DENY_NOT_ALLOWED,	/* no allowedDomains entry (rule = -1) */
	NET_DENY_MALFORMED	/* host or port unusable (rule = -1) */
};

struct net_decision {
	enum net_verdict	 verdict;
	long			 rule;		/* index in its list or -1 */
};

/* deniedDomains first, then allowedDomains, else deny. */
struct net_decision
	domain_decide(const struct domain_list *allowed,
	    const struct domain_list *denied, const char *host, int port);

#endif
