/*
 * SOCKS5 (RFC 1928) and its username/password method (RFC 1929), parsed
 * as pure functions over a buffer.  Each returns SOCKS_OK with the bytes
 * consumed, SOCKS_MORE, or an error naming the reply the client gets.
 */
#ifndef SRT_PROXY_SOCKS_PARSE_H
#define SRT_PROXY_SOCKS_PARSE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define SOCKS_OK		1
#define SOCKS_MORE		0
#define SOCKS_BAD		(-1)	/* not SOCKS5 at all: close */
#define SOCKS_BAD_CMD		(-2)	/* reply 0x07 */
#define SOCKS_BAD_ATYP		(-3)	/* reply 0x08 */

#define SOCKS_METHOD_NONE	0x00
#define SOCKS_METHOD_USERPASS	0x02
#define SOCKS_METHOD_REFUSED	0xff

#define SOCKS_REP_OK		0x00
#define SOCKS_REP_FAIL		0x01
#define SOCKS_REP_DENIED	0x02
#define SOCKS_REP_NETUNREACH	0x03
#define SOCKS_REP_HOSTUNREACH	0x04
#define SOCKS_REP_REFUSED	0x05
#define SOCKS_REP_TTL		0x06
#define SOCKS_REP_CMD		0x07
#define SOCKS_REP_ATYP		0x08

struct socks_req {
	int		 cmd;		/* 1 CONNECT, 2 BIND, 3 UDP */
	int		 atyp;		/* 1 IPv4, 3 domain, 4 IPv6 */
	char		 host[256];	/* text form, no brackets */
	int		 port;
};

/* Greeting: the method we choose (none preferred, else user/pass). */
int	socks_parse_greeting(const unsigned char *, size_t, size_t *used,
	    int *method);
/* RFC 1929 sub-negotiation; credentials are accepted, not kept. */
int	socks_parse_userpass(const unsigned char *, size_t, size_t *used);
int	socks_parse_request(const unsigned char *, size_t, size_t *used,
	    struct socks_req *);
/* A 10-byte reply with a zero IPv4 bind address. */
void	socks_reply(unsigned char out[10], int rep);

#endif
