/* SOCKS5 message parsing over a caller's buffer (see socks_parse.h). */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "srt-proxy/socks_parse.h"

int
socks_parse_greeting(const unsigned char *b, size_t len, size_t *used,
    int *method)
{
	size_t	i, n;
	int	have_none = 0, have_up = 0;

	if (len < 1)
		return SOCKS_MORE;
	if (b[0] != 0x05)
		return SOCKS_BAD;
	if (len < 2)
		return SOCKS_MORE;
	n = b[1];
	if (len < 2 + n)
		return SOCKS_MORE;
	for (i = 0; i < n; i++) {
		if (b[2 + i] == SOCKS_METHOD_NONE)
			have_none = 1;
		else if (b[2 + i] == SOCKS_METHOD_USERPASS)
			have_up = 1;
	}
	*method = have_none ? SOCKS_METHOD_NONE :
	    have_up ? SOCKS_METHOD_USERPASS : SOCKS_METHOD_REFUSED;
	*used = 2 + n;
	return SOCKS_OK;
}

int
socks_parse_userpass(const unsigned char *b, size_t len, size_t *used)
{
	size_t	ulen, plen;

	if (len < 1)
		return SOCKS_MORE;
	if (b[0] != 0x01)
		return SOCKS_BAD;
	if (len < 2)
		return SOCKS_MORE;
	ulen = b[1];
	if (len < 3 + ulen)
		return SOCKS_MORE;
	plen = b[2 + ulen];
	if (len < 3 + ulen + plen)
		return SOCKS_MORE;
	*used = 3 + ulen + plen;
	return SOCKS_OK;
}

/*
 * A domain name from the wire is arbitrary bytes; only what could be a
 * host name passes, so "allowed.com\0.evil" style tricks never reach the
 * matcher or the resolver.
 */
static int
domain_ok(const unsigned char *p, size_t n)
{
	size_t	i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum(p[i]) && p[i] != '-' && p[i] != '.' &&
		    p[i] != '_')
			return 0;
	return 1;
}

int
socks_parse_request(const unsigned char *b, size_t len, size_t *used,
    struct socks_req *r)
{
	size_t	alen, i;

	if (len < 4)
		return len >= 1 && b[0] != 0x05 ? SOCKS_BAD : SOCKS_MORE;
	if (b[0] != 0x05 || b[2] != 0x00)
		return SOCKS_BAD;
	r->cmd = b[1];
	r->atyp = b[3];
	switch (r->atyp) {
	case 0x01:
		alen = 4;
		break;
	case 0x04:
		alen = 16;
		break;
	case 0x03:
		if (len < 5)
			return SOCKS_MORE;
		alen = 1 + (size_t)b[4];
		break;
	default:
		return SOCKS_BAD_ATYP;
	}
	if (len < 4 + alen + 2)
		return SOCKS_MORE;
	*used = 4 + alen + 2;
	r->port = (b[4 + alen] << 8) | b[5 + alen];
	if (r->atyp == 0x01)
		inet_ntop(AF_INET, b + 4, r->host, sizeof(r->host));
	else if (r->atyp == 0x04)
		inet_ntop(AF_INET6, b + 4, r->host, sizeof(r->host));
	else {
		if (!domain_ok(b + 5, alen - 1))
			return SOCKS_BAD_ATYP;
		for (i = 0; i < alen - 1; i++)
			r->host[i] = tolower(b[5 + i]);
		r->host[alen - 1] = '\0';
	}
	if (r->cmd != 0x01)
		return SOCKS_BAD_CMD;
	if (r->port == 0)
		return SOCKS_BAD_ATYP;
	return SOCKS_OK;
}

void
socks_reply(unsigned char out[10], int rep)
{
	memset(out, 0, 10);
	out[0] = 0x05;
	out[1] = (unsigned char)rep;
	out[3] = 0x01;
}
