/*
 * srt-proxy's HTTP head parser: tables of heads and what they must parse
 * to, edge sizes, smuggling shapes, and a cheap deterministic fuzz (every
 * prefix and random byte flips must never read out of bounds; run under
 * make check-asan).  The parser is compiled in directly: it is a pure
 * function with no dependencies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srt-proxy/http_parse.c"
#include "tests/unit/tap.h"

static int
req(const char *s, struct http_msg *m)
{
	return http_parse_request(s, strlen(s), HTTP_MAX_HEAD, m);
}

static void
test_basic(void)
{
	struct http_msg	m;

	TAP_EQ_INT(req("GET http://a.com/x HTTP/1.1\r\nHost: a.com\r\n\r\n",
	    &m), HTTP_OK, "simple GET parses");
	tap_ok(http_span_ieq(&m.method, "GET"), "method is GET");
	TAP_EQ_INT(m.minor, 1, "HTTP/1.1");
	TAP_EQ_INT(m.nhdr, 1, "one header");
	TAP_EQ_INT(m.framing, HTTP_BODY_NONE, "GET has no body");
	tap_ok(!m.conn_close, "1.1 is keep-alive");
	TAP_EQ_INT(req("GET / HTTP/1.0\r\n\r\n", &m), HTTP_OK, "1.0 parses");
	tap_ok(m.conn_close, "1.0 closes by default");
	TAP_EQ_INT(req("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
	    &m), HTTP_OK, "1.0 keep-alive parses");
	tap_ok(!m.conn_close, "1.0 with keep-alive stays open");
	TAP_EQ_INT(req("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", &m),
	    HTTP_OK, "close parses");
	tap_ok(m.conn_close, "Connection: close honoured");
	TAP_EQ_INT(req("PUT http://a/ HTTP/1.1\r\nContent-Length: 12\r\n"
	    "Expect: 100-continue\r\n\r\n", &m), HTTP_OK, "PUT parses");
	TAP_EQ_INT(m.framing, HTTP_BODY_LENGTH, "length framing");
	TAP_EQ_INT(m.length, 12, "length 12");
	tap_ok(m.expect_continue, "expect 100-continue seen");
	TAP_EQ_INT(req("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
	    &m), HTTP_OK, "chunked parses");
	TAP_EQ_INT(m.framing, HTTP_BODY_CHUNKED, "chunked framing");
	TAP_EQ_INT(req("GET / HTTP/1.1\r\nX:  v  \r\n\r\n", &m), HTTP_OK,
	    "blanks around a value");
	tap_ok(m.hdr[0].value.n == 1 && m.hdr[0].value.p[0] == 'v',
	    "value trimmed");
}

static void
test_incomplete_and_bad(void)
{
	static const char *const more[] = {
		"", "G", "GET / HTTP/1.1", "GET / HTTP/1.1\r",
		"GET / HTTP/1.1\r\n", "GET / HTTP/1.1\r\nHost: a\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\n\r",
	};
	static const char *const bad[] = {
		"GET / HTTP/1.1\n\n",
		"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",
		"GET  / HTTP/1.1\r\n\r\n",
		"GET / HTTP/2.0\r\n\r\n",
		"GET / HTTP/1.1 \r\n\r\n",
		"GET /\x01 HTTP/1.1\r\n\r\n",
		"G(T / HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\n folded: x\r\n\r\n",
		"GET / HTTP/1.1\r\nNo colon\r\n\r\n",
		"GET / HTTP/1.1\r\n: empty name\r\n\r\n",
		"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
		"GET / HTTP/1.1\r\nX: a\x01\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
		    "Content-Length: 3\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n",
		"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
		"\r\n\r\n",
	};
	struct http_msg	m;
	size_t		i;

	for (i = 0; i < sizeof(more) / sizeof(more[0]); i++)
		tap_ok(req(more[i], &m) == HTTP_MORE, "incomplete head %zu "
		    "wants more", i);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!tap_ok(req(bad[i], &m) == HTTP_BAD, "bad head %zu", i))
			tap_diag("  %s", bad[i]);
	TAP_EQ_INT(req("POST / HTTP/1.1\r\nContent-Length: 5\r\n"
	    "Content-Length: 5\r\n\r\n", &m), HTTP_OK,
	    "equal repeated lengths are fine");
	TAP_EQ_INT(req("POST / HTTP/1.0\r\nContent-Length: 1\r\n\r\n", &m),
	    HTTP_OK, "HTTP/1.0 with a length is fine");
}

static void
test_sizes(void)
{
	struct http_msg	 m;
	char		*big;
	size_t		 n = HTTP_MAX_HEAD + 100, i;

	big = malloc(n + 1);
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	memset(big + 19, 'a', n - 19);
	big[n] = '\0';
	TAP_EQ_INT(http_parse_request(big, n, HTTP_MAX_HEAD, &m), HTTP_TOOBIG,
	    "a head past 64 KiB is too big");
	TAP_EQ_INT(http_parse_request(big, HTTP_MAX_HEAD - 10, HTTP_MAX_HEAD,
	    &m), HTTP_MORE, "just under the bound wants more");
	memcpy(big + HTTP_MAX_HEAD - 4, "\r\n\r\n", 4);
	TAP_EQ_INT(http_parse_request(big, n, HTTP_MAX_HEAD, &m), HTTP_OK,
	    "a head of exactly 64 KiB parses");
	memcpy(big + HTTP_MAX_HEAD - 4, "aa\r\n", 4);
	memcpy(big + HTTP_MAX_HEAD, "\r\n", 2);
	TAP_EQ_INT(http_parse_request(big, n, HTTP_MAX_HEAD, &m), HTTP_TOOBIG,
	    "64 KiB + 2 is too big");
	free(big);

	big = malloc(20 + (HTTP_MAX_HEADERS + 1) * 6 + 3);
	strcpy(big, "GET / HTTP/1.1\r\n");
	for (i = 0; i <= HTTP_MAX_HEADERS; i++)
		strcat(big, "A: b\r\n");
	strcat(big, "\r\n");
	TAP_EQ_INT(req(big, &m), HTTP_TOOBIG, "too many header lines");
	free(big);
}

static void
test_response(void)
{
	struct http_msg	m;
	const char	*r;

	r = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
	TAP_EQ_INT(http_parse_response(r, strlen(r), HTTP_MAX_HEAD, &m),
	    HTTP_OK, "response parses");
	TAP_EQ_INT(m.status, 200, "status 200");
	TAP_EQ_INT(m.headlen, strlen(r) - 3, "head length excludes body");
	r = "HTTP/1.0 200 OK\r\n\r\n";
	http_parse_response(r, strlen(r), HTTP_MAX_HEAD, &m);
	TAP_EQ_INT(m.framing, HTTP_BODY_CLOSE, "no length: read to close");
	r = "HTTP/1.1 204\r\n\r\n";
	TAP_EQ_INT(http_parse_response(r, strlen(r), HTTP_MAX_HEAD, &m),
	    HTTP_OK, "status without a phrase");
	r = "HTTP/1.1 99 Low\r\n\r\n";
	TAP_EQ_INT(http_parse_response(r, strlen(r), HTTP_MAX_HEAD, &m),
	    HTTP_BAD, "status below 100");
	r = "HTTP/1.1 2000 X\r\n\r\n";
	TAP_EQ_INT(http_parse_response(r, strlen(r), HTTP_MAX_HEAD, &m),
	    HTTP_BAD, "four-digit status");
}

static void
test_chunks(void)
{
	uint64_t	size;
	size_t		ll;

	TAP_EQ_INT(http_parse_chunk_line("1a\r\n", 4, &size, &ll), HTTP_OK,
	    "chunk line");
	TAP_EQ_INT(size, 26, "hex size");
	TAP_EQ_INT(ll, 4, "line length");
	TAP_EQ_INT(http_parse_chunk_line("0;ext=1\r\n", 9, &size, &ll),
	    HTTP_OK, "extension passes");
	TAP_EQ_INT(size, 0, "last chunk");
	TAP_EQ_INT(http_parse_chunk_line("1a", 2, &size, &ll), HTTP_MORE,
	    "partial line");
	TAP_EQ_INT(http_parse_chunk_line("1a\r", 3, &size, &ll), HTTP_MORE,
	    "partial CRLF");
	TAP_EQ_INT(http_parse_chunk_line("\r\n", 2, &size, &ll), HTTP_BAD,
	    "no digits");
	TAP_EQ_INT(http_parse_chunk_line("1a\n", 3, &size, &ll), HTTP_BAD,
	    "bare LF");
	TAP_EQ_INT(http_parse_chunk_line("ffffffffffffffff\r\n", 18, &size,
	    &ll), HTTP_BAD, "size overflow");
}

static void
test_authority(void)
{
	struct http_span	t, path;
	char			host[256];
	int			port;

	TAP_EQ_INT(http_parse_authority("Example.COM:443", 15, 0, host,
	    sizeof(host), &port), HTTP_OK, "host:port");
	TAP_EQ_STR(host, "example.com", "lower-cased host");
	TAP_EQ_INT(port, 443, "port");
	TAP_EQ_INT(http_parse_authority("[::1]:8080", 10, 0, host,
	    sizeof(host), &port), HTTP_OK, "[v6]:port");
	TAP_EQ_STR(host, "::1", "brackets dropped");
	TAP_EQ_INT(http_parse_authority("a.com", 5, 0, host, sizeof(host),
	    &port), HTTP_BAD, "CONNECT needs a port");
	TAP_EQ_INT(http_parse_authority("a.com:0", 7, 0, host, sizeof(host),
	    &port), HTTP_BAD, "port 0");
	TAP_EQ_INT(http_parse_authority("a.com:65536", 11, 0, host,
	    sizeof(host), &port), HTTP_BAD, "port 65536");
	TAP_EQ_INT(http_parse_authority("a b:1", 5, 0, host, sizeof(host),
	    &port), HTTP_BAD, "space in host");
	TAP_EQ_INT(http_parse_authority("::1:80", 6, 0, host, sizeof(host),
	    &port), HTTP_BAD, "unbracketed v6");
	TAP_EQ_INT(http_parse_authority("[::1", 4, 0, host, sizeof(host),
	    &port), HTTP_BAD, "unclosed bracket");

	t.p = "http://a.com:81/x?y";
	t.n = strlen(t.p);
	TAP_EQ_INT(http_parse_absolute(&t, host, sizeof(host), &port, &path),
	    HTTP_OK, "absolute URL");
	tap_ok(port == 81 && path.n == 4 && memcmp(path.p, "/x?y", 4) == 0,
	    "port and origin form");
	t.p = "http://a.com";
	t.n = strlen(t.p);
	TAP_EQ_INT(http_parse_absolute(&t, host, sizeof(host), &port, &path),
	    HTTP_OK, "no path");
	tap_ok(port == 80 && path.n == 1 && path.p[0] == '/', "default / :80");
	t.p = "http://good.com@evil.com/";
	t.n = strlen(t.p);
	TAP_EQ_INT(http_parse_absolute(&t, host, sizeof(host), &port, &path),
	    HTTP_BAD, "userinfo refused");
	t.p = "/relative";
	t.n = strlen(t.p);
	TAP_EQ_INT(http_parse_absolute(&t, host, sizeof(host), &port, &path),
	    HTTP_BAD, "origin form is not a proxy request");
	t.p = "https://a.com/";
	t.n = strlen(t.p);
	TAP_EQ_INT(http_parse_absolute(&t, host, sizeof(host), &port, &path),
	    HTTP_BAD, "https absolute form is refused");
}

static void
test_hop_by_hop(void)
{
	struct http_msg	 m;
	struct http_span s;
	const char	*r = "GET / HTTP/1.1\r\nConnection: x-secret, close\r\n"
	    "X-Secret: 1\r\nKeep-Alive: 5\r\nContent-Length: 0\r\n\r\n";

	TAP_EQ_INT(req(r, &m), HTTP_OK, "Connection list parses");
	s.p = "X-Secret";
	s.n = 8;
	tap_ok(http_hop_by_hop(&m, &s), "a header named by Connection is "
	    "hop-by-hop");
	s.p = "keep-alive";
	s.n = 10;
	tap_ok(http_hop_by_hop(&m, &s), "Keep-Alive is hop-by-hop");
	s.p = "Content-Length";
	s.n = 14;
	tap_ok(!http_hop_by_hop(&m, &s), "Content-Length is kept");
	s.p = "Proxy-Authorization";
	s.n = 19;
	tap_ok(http_hop_by_hop(&m, &s), "Proxy-Authorization is dropped");
}

/* Prefixes and byte flips of valid heads: no crash, no overread (ASan). */
static void
test_fuzz(void)
{
	static const char *const seeds[] = {
		"POST http://a.com:8/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:"
		    " chunked\r\nConnection: a, b\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n",
		"1f;a=b\r\n",
	};
	struct http_msg	 m;
	uint64_t	 size;
	size_t		 i, k, n, ll;
	unsigned	 seed = 1;
	char		*buf;
	int		 bad = 0, r;

	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		n = strlen(seeds[i]);
		for (k = 0; k < 20000; k++) {
			size_t len = k < n ? k : n;
			buf = malloc(len ? len : 1);
			memcpy(buf, seeds[i], len);
			if (k >= n) {
				seed = seed * 1103515245 + 12345;
				buf[(seed >> 8) % len] = (char)(seed >> 16);
			}
			r = http_parse_request(buf, len, 128, &m);
			if (r == HTTP_OK && m.headlen > len)
				bad++;
			r = http_parse_response(buf, len, 128, &m);
			if (r == HTTP_OK && m.headlen > len)
				bad++;
			r = http_parse_chunk_line(buf, len, &size, &ll);
			if (r == HTTP_OK && ll > len)
				bad++;
			free(buf);
		}
	}
	TAP_EQ_INT(bad, 0, "fuzzed heads never claim bytes past the buffer");
}

int
main(void)
{
	test_basic();
	test_incomplete_and_bad();
	test_sizes();
	test_response();
	test_chunks();
	test_authority();
	test_hop_by_hop();
	test_fuzz();
	return tap_done();
}
