/*
 * The proxy's SOCKS5 parser (srt-proxy/socks_parse.c) driven as one client
 * stream: greeting, the RFC 1929 exchange when chosen, then the request.
 * Aborts when a step claims more bytes than it was given or returns a
 * host that is not a terminated string.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "srt-proxy/socks_parse.c"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct socks_req	 req;
	unsigned char		*buf, reply[10];
	size_t			 off = 0, used = 0;
	int			 method = -1, r;

	if ((buf = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	r = socks_parse_greeting(buf, size, &used, &method);
	if (r == SOCKS_OK) {
		if (used == 0 || used > size)
			abort();
		off = used;
		if (method == SOCKS_METHOD_USERPASS) {
			r = socks_parse_userpass(buf + off, size - off, &used);
			if (r == SOCKS_OK && (used == 0 || used > size - off))
				abort();
			off += r == SOCKS_OK ? used : 0;
		}
	}
	/* The request parser alone too, from wherever the stream stands. */
	memset(&req, 0, sizeof(req));
	r = socks_parse_request(buf + off, size - off, &used, &req);
	if (r == SOCKS_OK && (used == 0 || used > size - off ||
	    memchr(req.host, '\0', sizeof(req.host)) == NULL ||
	    req.port < 0 || req.port > 65535))
		abort();
	socks_reply(reply, r == SOCKS_OK ? SOCKS_REP_OK : SOCKS_REP_FAIL);
	free(buf);
	return 0;
}
