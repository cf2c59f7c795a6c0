/*
 * Address ranges for the resolved-address guard: IPv4/IPv6 addresses and
 * CIDR blocks, parsed from deniedResolvedAddresses and built in.  IPv4 is
 * held as IPv4-mapped IPv6 so one comparison serves both families.
 */
#ifndef SRT_ADDR_H
#define SRT_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

struct addr_range {
	struct in6_addr	 addr;		/* network address */
	int		 prefix;	/* 0-128 (IPv4 ranges: 96 + len) */
};

struct addr_list {
	struct addr_range	*v;
	size_t			 n;
};

/* "10.0.0.0/8", "::1", "fd00::/8": NULL or a static reason. */
const char *addr_range_parse(const char *text, struct addr_range *out);
bool	addr_range_contains(const struct addr_range *,
	    const struct in6_addr *);
void	addr_list_free(struct addr_list *);
/* Append a copy of *r; -1 on ENOMEM. */
int	addr_list_add(struct addr_list *, const struct addr_range *r);
bool	addr_list_contains(const struct addr_list *, const struct in6_addr *);

/* Map an IPv4 address to its IPv4-mapped IPv6 form. */
void	addr_from_v4(struct in6_addr *out, const struct in_addr *in);
/* The embedded IPv4 of mapped, compatible, translated, NAT64
 * (64:ff9b::/96) and 6to4 (2002::/16) forms; false if none. */
bool	addr_embedded_v4(const struct in6_addr *in, struct in_addr *out);

#endif
