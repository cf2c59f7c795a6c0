/*
 * The proxy's HTTP head parser (srt-proxy/http_parse.c) against arbitrary
 * bytes, parsed as a request and as a response, then every helper the
 * proxy calls on a parsed head.  Aborts when a result claims bytes past
 * the buffer: that is where a proxy and its upstream would disagree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "srt-proxy/http_parse.c"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_http_heads(const struct http_msg *m, size_t len)
{
	const struct http_header	*h;
	struct http_span		 path;
	char				 host[256];
	size_t				 i;
	int				 port;

	if (m->headlen > len || m->nhdr > HTTP_MAX_HEADERS)
		abort();
	for (i = 0; i < m->nhdr; i++)
		(void)http_hop_by_hop(m, &m->hdr[i].name);
	if ((h = http_find(m, "host")) != NULL)
		(void)http_parse_authority(h->value.p, h->value.n, 80, host,
		    sizeof(host), &port);
	if ((h = http_find(m, "connection")) != NULL)
		(void)http_list_has(&h->value, "close");
	if (m->target.n > 0) {
		/* The path lies in the target, or is the constant "/". */
		if (http_parse_absolute(&m->target, host, sizeof(host), &port,
		    &path) == HTTP_OK && !(path.n == 1 && path.p[0] == '/') &&
		    (path.p < m->target.p ||
		    path.p + path.n > m->target.p + m->target.n))
			abort();
		(void)http_parse_authority(m->target.p, m->target.n, 0, host,
		    sizeof(host), &port);
	}
}

static void
fuzz_http_chunks(const char *p, size_t len)
{
	uint64_t	size;
	size_t		ll;

	while (len > 0 && http_parse_chunk_line(p, len, &size, &ll) == HTTP_OK) {
		if (ll == 0 || ll > len)
			abort();
		p += ll;
		len -= ll;
		if (size >= len)
			break;
		p += size;
		len -= size;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_msg	 m;
	char		*buf;

	/* An exact-size copy, so ASan sees any read past the end. */
	if ((buf = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	memset(&m, 0, sizeof(m));
	if (http_parse_request(buf, size, HTTP_MAX_HEAD, &m) == HTTP_OK) {
		fuzz_http_heads(&m, size);
		fuzz_http_chunks(buf + m.headlen, size - m.headlen);
	}
	memset(&m, 0, sizeof(m));
	if (http_parse_response(buf, size, 256, &m) == HTTP_OK)
		fuzz_http_heads(&m, size);
	fuzz_http_chunks(buf, size);
	free(buf);
	return 0;
}
