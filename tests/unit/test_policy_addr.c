/* Address ranges: parse, contains (both families), embedded IPv4. */
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/addr.h"
#include "tests/unit/tap.h"

#define BADA	"not an IP address or CIDR range"
#define BADP	"CIDR prefix out of range"

struct parse_case {
	const char	*text;
	const char	*why;
	int		 prefix;
};

static const struct parse_case parse_cases[] = {
	{ "10.0.0.0/8", NULL, 104 },
	{ "192.168.1.10", NULL, 128 },
	{ "0.0.0.0/0", NULL, 96 },
	{ "fc00::/7", NULL, 7 },
	{ "::1", NULL, 128 },
	{ "::/0", NULL, 0 },
	{ "fe80::1%eth0", NULL, 128 },
	{ "::ffff:10.0.0.0/104", NULL, 104 },
	{ "10.1.2.3/32", NULL, 128 },
	{ "10.0.0.0/33", BADP, 0 },
	{ "10.0.0.0/", BADP, 0 },
	{ "10.0.0.0/-1", BADP, 0 },
	{ "10.0.0.0/0008", BADP, 0 },
	{ "::/129", BADP, 0 },
	{ "::ffff:10.0.0.0/95", BADP, 0 },
	{ "10.0.0", BADA, 0 },
	{ "10.0.0.256", BADA, 0 },
	{ "010.0.0.1", BADA, 0 },
	{ "[::1]", BADA, 0 },
	{ "example.com", BADA, 0 },
	{ "", BADA, 0 },
	{ "1.2.3.4 ", BADA, 0 },
};

struct contains_case {
	const char	*range;
	const char	*addr;
	int		 want;
};

static const struct contains_case contains_cases[] = {
	{ "10.0.0.0/8", "10.255.1.2", 1 },
	{ "10.0.0.0/8", "11.0.0.0", 0 },
	{ "10.0.0.0/8", "::ffff:10.9.9.9", 1 },
	{ "10.1.2.3/8", "10.200.0.1", 1 },
	{ "127.0.0.0/8", "127.0.0.1", 1 },
	{ "169.254.0.0/16", "169.254.169.254", 1 },
	{ "169.254.0.0/16", "169.253.169.254", 0 },
	{ "192.168.1.10", "192.168.1.10", 1 },
	{ "192.168.1.10", "192.168.1.11", 0 },
	{ "0.0.0.0/0", "8.8.8.8", 1 },
	{ "0.0.0.0/0", "2001:db8::1", 0 },
	{ "::/0", "2001:db8::1", 1 },
	{ "::/0", "8.8.8.8", 1 },
	{ "fe80::/10", "fe80::1", 1 },
	{ "fe80::/10", "febf::1", 1 },
	{ "fe80::/10", "fec0::1", 0 },
	{ "fc00::/7", "fd00:ec2::254", 1 },
	{ "::1", "::1", 1 },
	{ "::1", "::2", 0 },
	{ "224.0.0.0/4", "239.255.255.255", 1 },
	{ "224.0.0.0/4", "240.0.0.0", 0 },
	{ "::ffff:10.0.0.0/104", "10.3.3.3", 1 },
	{ "100.100.100.200", "100.100.100.200", 1 },
};

struct embed_case {
	const char	*addr;
	const char	*v4;		/* NULL: none */
};

static const struct embed_case embed_cases[] = {
	{ "::ffff:127.0.0.1", "127.0.0.1" },
	{ "::127.0.0.1", "127.0.0.1" },
	{ "::ffff:0:10.0.0.1", "10.0.0.1" },
	{ "64:ff9b::a9fe:a9fe", "169.254.169.254" },
	{ "2002:7f00:1::1", "127.0.0.1" },
	{ "2002:a9fe:a9fe:1234::", "169.254.169.254" },
	{ "::1", "0.0.0.1" },
	{ "64:ff9b:1::7f00:1", NULL },
	{ "2001:db8::7f00:1", NULL },
	{ "fe80::ffff:7f00:1", NULL },
	{ "::1:ffff:7f00:1", NULL },
};

static int
parse_addr(const char *s, struct in6_addr *a)
{
	struct in_addr	a4;

	if (inet_pton(AF_INET, s, &a4) == 1) {
		addr_from_v4(a, &a4);
		return 0;
	}
	return inet_pton(AF_INET6, s, a) == 1 ? 0 : -1;
}

static void
test_parse(void)
{
	const struct parse_case	*c;
	struct addr_range	 r;
	const char		*why;
	size_t			 i;

	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		c = &parse_cases[i];
		why = addr_range_parse(c->text, &r);
		TAP_EQ_STR(why, c->why, c->text);
		if (why == NULL)
			TAP_EQ_INT(r.prefix, c->prefix, c->text);
	}
	tap_ok(addr_range_parse(NULL, &r) != NULL, "NULL refused");
}

static void
test_contains(void)
{
	const struct contains_case	*c;
	struct addr_range		 r;
	struct in6_addr			 a;
	size_t				 i;

	for (i = 0; i < sizeof(contains_cases) / sizeof(contains_cases[0]);
	    i++) {
		c = &contains_cases[i];
		if (addr_range_parse(c->range, &r) != NULL ||
		    parse_addr(c->addr, &a) == -1) {
			tap_ok(0, "parse %s / %s", c->range, c->addr);
			continue;
		}
		tap_ok(addr_range_contains(&r, &a) == c->want, "%s %s %s",
		    c->range, c->want ? "contains" : "does not contain",
		    c->addr);
	}
}

static void
test_list(void)
{
	struct addr_list	 l = { NULL, 0 };
	struct addr_range	 r;
	struct in6_addr		 a;
	const char		*v[] = { "10.0.0.0/8", "fd00::/8", "1.2.3.4" };
	size_t			 i;

	for (i = 0; i < 3; i++) {
		if (addr_range_parse(v[i], &r) != NULL ||
		    addr_list_add(&l, &r) == -1)
			abort();
	}
	TAP_EQ_INT(l.n, 3, "list has three ranges");
	parse_addr("fd12::1", &a);
	tap_ok(addr_list_contains(&l, &a), "list contains fd12::1");
	parse_addr("1.2.3.4", &a);
	tap_ok(addr_list_contains(&l, &a), "list contains 1.2.3.4");
	parse_addr("1.2.3.5", &a);
	tap_ok(!addr_list_contains(&l, &a), "list lacks 1.2.3.5");
	addr_list_free(&l);
	tap_ok(l.v == NULL && l.n == 0, "free resets the list");
	tap_ok(!addr_list_contains(&l, &a), "empty list contains nothing");
	tap_ok(!addr_list_contains(NULL, &a), "NULL list contains nothing");
}

static void
test_embedded(void)
{
	const struct embed_case	*c;
	struct in6_addr		 a;
	struct in_addr		 v4;
	char			 buf[INET_ADDRSTRLEN];
	size_t			 i;
	bool			 got;

	for (i = 0; i < sizeof(embed_cases) / sizeof(embed_cases[0]); i++) {
		c = &embed_cases[i];
		if (inet_pton(AF_INET6, c->addr, &a) != 1) {
			tap_ok(0, "parse %s", c->addr);
			continue;
		}
		got = addr_embedded_v4(&a, &v4);
		if (c->v4 == NULL) {
			tap_ok(!got, "%s embeds no IPv4", c->addr);
			continue;
		}
		inet_ntop(AF_INET, &v4, buf, sizeof(buf));
		tap_ok(got && strcmp(buf, c->v4) == 0, "%s embeds %s (got %s)",
		    c->addr, c->v4, got ? buf : "none");
	}
}

int
main(void)
{
	test_parse();
	test_contains();
	test_list();
	test_embedded();
	return tap_done();
}
