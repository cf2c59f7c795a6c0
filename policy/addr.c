/*
 * Address ranges for the resolved-address guard.  IPv4 is kept as
 * IPv4-mapped IPv6 (::ffff:a.b.c.d, prefix 96 + len) so one 128-bit
 * comparison serves both families and a v4 rule also catches the mapped
 * spelling of the same address.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "policy/addr.h"

#define ADDR_TEXT_MAX	(INET6_ADDRSTRLEN + 64)

static const char r_addr[] = "not an IP address or CIDR range";
static const char r_prefix[] = "CIDR prefix out of range";

void
addr_from_v4(struct in6_addr *out, const struct in_addr *in)
{
	memset(out, 0, sizeof(*out));
	out->s6_addr[10] = 0xff;
	out->s6_addr[11] = 0xff;
	memcpy(&out->s6_addr[12], &in->s_addr, 4);
}

/* Clear every bit past the prefix. */
static void
addr_mask(struct in6_addr *a, int prefix)
{
	int	i;

	for (i = 0; i < 16; i++) {
		int	bits = prefix - i * 8;

		if (bits >= 8)
			continue;
		if (bits <= 0)
			a->s6_addr[i] = 0;
		else
			a->s6_addr[i] &= (uint8_t)(0xff << (8 - bits));
	}
}

/* "/NN": one to three digits, at most max. */
static int
addr_prefix(const char *s, int max)
{
	int	v = 0, n = 0;

	for (; *s != '\0'; s++, n++) {
		if (*s < '0' || *s > '9' || n == 3)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return n == 0 || v > max ? -1 : v;
}

/*
 * An IP literal (IPv6 unbracketed, zone id dropped) with an optional
 * "/prefix".  An IPv4-mapped IPv6 range is the IPv4 range it stands for,
 * so its prefix must reach into the IPv4 part (at least 96), as the
 * reference requires.
 */
const char *
addr_range_parse(const char *text, struct addr_range *out)
{
	char		 buf[ADDR_TEXT_MAX];
	char		*slash, *pct;
	struct in_addr	 a4;
	int		 max, prefix;

	memset(out, 0, sizeof(*out));
	if (text == NULL || strlcpy(buf, text, sizeof(buf)) >= sizeof(buf))
		return r_addr;
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if ((pct = strchr(buf, '%')) != NULL)
		*pct = '\0';
	if (inet_pton(AF_INET, buf, &a4) == 1) {
		addr_from_v4(&out->addr, &a4);
		max = 32;
	} else if (inet_pton(AF_INET6, buf, &out->addr) == 1)
		max = 128;
	else
		return r_addr;
	prefix = max;
	if (slash != NULL && (prefix = addr_prefix(slash, max)) < 0)
		return r_prefix;
	if (max == 32)
		prefix += 96;
	else if (IN6_IS_ADDR_V4MAPPED(&out->addr) && prefix < 96)
		return r_prefix;
	out->prefix = prefix;
	addr_mask(&out->addr, prefix);
	return NULL;
}

bool
addr_range_contains(const struct addr_range *r, const struct in6_addr *a)
{
	struct in6_addr	m = *a;

	addr_mask(&m, r->prefix);
	return memcmp(&m, &r->addr, sizeof(m)) == 0;
}

void
addr_list_free(struct addr_list *l)
{
	if (l == NULL)
		return;
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
addr_list_add(struct addr_list *l, const struct addr_range *r)
{
	struct addr_range	*v;

	v = reallocarray(l->v, l->n + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	l->v = v;
	l->v[l->n++] = *r;
	return 0;
}

bool
addr_list_contains(const struct addr_list *l, const struct in6_addr *a)
{
	size_t	i;

	if (l == NULL)
		return false;
	for (i = 0; i < l->n; i++)
		if (addr_range_contains(&l->v[i], a))
			return true;
	return false;
}

static int
addr_zero(const struct in6_addr *a, int from, int to)
{
	int	i;

	for (i = from; i < to; i++)
		if (a->s6_addr[i] != 0)
			return 0;
	return 1;
}

/*
 * The IPv4 a network delivers an IPv6 destination to: mapped
 * (::ffff:0:0/96), compatible (::/96), translated (::ffff:0:0:0/96), the
 * NAT64 well-known prefix (64:ff9b::/96) and 6to4 (2002::/16, bits
 * 16-47).  Network-specific NAT64 prefixes cannot be told from the
 * address, so they are not recognised.
 */
bool
addr_embedded_v4(const struct in6_addr *in, struct in_addr *out)
{
	const uint8_t	*b = in->s6_addr;
	int		 at;

	if (b[0] == 0x20 && b[1] == 0x02)
		at = 2;
	else if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff &&
	    b[3] == 0x9b && addr_zero(in, 4, 12))
		at = 12;
	else if (addr_zero(in, 0, 10) &&
	    ((b[10] == 0 && b[11] == 0) || (b[10] == 0xff && b[11] == 0xff)))
		at = 12;
	else if (addr_zero(in, 0, 8) && b[8] == 0xff && b[9] == 0xff &&
	    b[10] == 0 && b[11] == 0)
		at = 12;
	else
		return false;
	memcpy(&out->s_addr, b + at, 4);
	return true;
}
