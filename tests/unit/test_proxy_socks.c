/* srt-proxy's SOCKS5 parser (RFC 1928/1929), compiled in directly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srt-proxy/socks_parse.c"
#include "tests/unit/tap.h"

static void
test_greeting(void)
{
	const unsigned char	none[] = { 5, 1, 0 }, up[] = { 5, 1, 2 };
	const unsigned char	both[] = { 5, 2, 2, 0 }, gss[] = { 5, 1, 1 };
	const unsigned char	v4[] = { 4, 1, 0 };
	size_t			used;
	int			method;

	TAP_EQ_INT(socks_parse_greeting(none, 3, &used, &method), SOCKS_OK,
	    "no-auth greeting");
	TAP_EQ_INT(method, SOCKS_METHOD_NONE, "no-auth chosen");
	TAP_EQ_INT(used, 3, "greeting consumed");
	socks_parse_greeting(up, 3, &used, &method);
	TAP_EQ_INT(method, SOCKS_METHOD_USERPASS, "user/pass chosen");
	socks_parse_greeting(both, 4, &used, &method);
	TAP_EQ_INT(method, SOCKS_METHOD_NONE, "no-auth preferred");
	socks_parse_greeting(gss, 3, &used, &method);
	TAP_EQ_INT(method, SOCKS_METHOD_REFUSED, "GSSAPI only: refused");
	TAP_EQ_INT(socks_parse_greeting(none, 2, &used, &method), SOCKS_MORE,
	    "truncated greeting");
	TAP_EQ_INT(socks_parse_greeting(v4, 3, &used, &method), SOCKS_BAD,
	    "version 4 is not SOCKS5");
}

static void
test_userpass(void)
{
	const unsigned char	ok[] = { 1, 1, 'u', 2, 'p', 'w' };
	const unsigned char	badver[] = { 5, 1, 'u', 0 };
	size_t			used;

	TAP_EQ_INT(socks_parse_userpass(ok, sizeof(ok), &used), SOCKS_OK,
	    "user/pass parses");
	TAP_EQ_INT(used, 6, "user/pass consumed");
	TAP_EQ_INT(socks_parse_userpass(ok, 5, &used), SOCKS_MORE,
	    "truncated password");
	TAP_EQ_INT(socks_parse_userpass(badver, 4, &used), SOCKS_BAD,
	    "sub-negotiation version");
}

static void
test_request(void)
{
	const unsigned char	v4[] = { 5, 1, 0, 1, 127, 0, 0, 1, 0, 80 };
	const unsigned char	dom[] = { 5, 1, 0, 3, 5, 'A', '.', 'c', 'o',
	    'm', 1, 187 };
	const unsigned char	v6[] = { 5, 1, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 1, 0, 22 };
	const unsigned char	bind[] = { 5, 2, 0, 1, 1, 2, 3, 4, 0, 80 };
	const unsigned char	udp[] = { 5, 3, 0, 1, 1, 2, 3, 4, 0, 80 };
	const unsigned char	atyp[] = { 5, 1, 0, 9, 1, 2, 3, 4, 0, 80 };
	const unsigned char	nul[] = { 5, 1, 0, 3, 3, 'a', 0, 'b', 0, 80 };
	const unsigned char	port0[] = { 5, 1, 0, 1, 1, 2, 3, 4, 0, 0 };
	struct socks_req	r;
	size_t			used;

	TAP_EQ_INT(socks_parse_request(v4, sizeof(v4), &used, &r), SOCKS_OK,
	    "IPv4 CONNECT");
	TAP_EQ_STR(r.host, "127.0.0.1", "IPv4 host");
	TAP_EQ_INT(r.port, 80, "IPv4 port");
	TAP_EQ_INT(socks_parse_request(dom, sizeof(dom), &used, &r), SOCKS_OK,
	    "domain CONNECT");
	TAP_EQ_STR(r.host, "a.com", "domain lower-cased");
	TAP_EQ_INT(r.port, 443, "domain port");
	TAP_EQ_INT(socks_parse_request(v6, sizeof(v6), &used, &r), SOCKS_OK,
	    "IPv6 CONNECT");
	TAP_EQ_STR(r.host, "::1", "IPv6 host");
	TAP_EQ_INT(socks_parse_request(bind, sizeof(bind), &used, &r),
	    SOCKS_BAD_CMD, "BIND refused");
	TAP_EQ_INT(socks_parse_request(udp, sizeof(udp), &used, &r),
	    SOCKS_BAD_CMD, "UDP ASSOCIATE refused");
	TAP_EQ_INT(socks_parse_request(atyp, sizeof(atyp), &used, &r),
	    SOCKS_BAD_ATYP, "unknown address type");
	TAP_EQ_INT(socks_parse_request(nul, sizeof(nul), &used, &r),
	    SOCKS_BAD_ATYP, "NUL inside a domain");
	TAP_EQ_INT(socks_parse_request(port0, sizeof(port0), &used, &r),
	    SOCKS_BAD_ATYP, "port 0");
	TAP_EQ_INT(socks_parse_request(dom, sizeof(dom) - 1, &used, &r),
	    SOCKS_MORE, "truncated request");
	TAP_EQ_INT(socks_parse_request(v4, 3, &used, &r), SOCKS_MORE,
	    "truncated before the address type");
}

static void
test_fuzz(void)
{
	unsigned char		buf[300];
	struct socks_req	r;
	size_t			used, len;
	unsigned		seed = 7;
	int			k, i, bad = 0, m;

	for (k = 0; k < 50000; k++) {
		seed = seed * 1103515245 + 12345;
		len = (seed >> 8) % sizeof(buf);
		for (i = 0; i < (int)len; i++) {
			seed = seed * 1103515245 + 12345;
			buf[i] = (unsigned char)(seed >> 16);
		}
		if (len > 0)
			buf[0] = 5;
		if (socks_parse_request(buf, len, &used, &r) == SOCKS_OK &&
		    used > len)
			bad++;
		if (socks_parse_greeting(buf, len, &used, &m) == SOCKS_OK &&
		    used > len)
			bad++;
		if (socks_parse_userpass(buf, len, &used) == SOCKS_OK &&
		    used > len)
			bad++;
	}
	TAP_EQ_INT(bad, 0, "random messages never claim bytes past the buffer");
}

int
main(void)
{
	unsigned char	r[10];

	test_greeting();
	test_userpass();
	test_request();
	test_fuzz();
	socks_reply(r, SOCKS_REP_DENIED);
	tap_ok(r[0] == 5 && r[1] == 2 && r[3] == 1, "deny reply shape");
	return tap_done();
}
