/* HTTP/1.x head parsing over a caller's buffer (see http_parse.h). */
#include <ctype.h>
#include <string.h>

#include "srt-proxy/http_parse.h"

struct cursor {
	const char	*p;
	const char	*end;
};

static bool
is_tchar(unsigned char c)
{
	return isalnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

bool
http_span_ieq(const struct http_span *s, const char *lit)
{
	size_t n = strlen(lit);

	return s->n == n && strncasecmp(s->p, lit, n) == 0;
}

/* The end of the head ("\r\n\r\n"), or NULL; a bare CR or LF is bad. */
static int
find_head_end(const char *buf, size_t len, size_t max, size_t *headlen)
{
	size_t	i, lim = len < max ? len : max;

	for (i = 0; i < lim; i++) {
		if (buf[i] == '\n')
			return HTTP_BAD;
		if (buf[i] != '\r')
			continue;
		if (i + 1 >= len)
			return HTTP_MORE;
		if (buf[i + 1] != '\n')
			return HTTP_BAD;
		if (i + 3 < len && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
			*headlen = i + 4;
			return *headlen <= max ? HTTP_OK : HTTP_TOOBIG;
		}
		if (i + 2 < len && buf[i + 2] == '\r' && i + 3 >= len)
			return HTTP_MORE;
		i++;
	}
	return len >= max ? HTTP_TOOBIG : HTTP_MORE;
}

/* Take the line at c (which ends in CRLF within the head). */
static struct http_span
take_line(struct cursor *c)
{
	struct http_span	 s = { c->p, 0 };
	const char		*q = memchr(c->p, '\r', c->end - c->p);

	s.n = q - c->p;
	c->p = q + 2;
	return s;
}

static int
parse_version(const char *p, size_t n, int *minor)
{
	if (n != 8 || memcmp(p, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)p[7]))
		return HTTP_BAD;
	*minor = p[7] - '0';
	return HTTP_OK;
}

static int
parse_uint(const struct http_span *s, uint64_t *out)
{
	uint64_t	v = 0;
	size_t		i;

	if (s->n == 0 || s->n > 18)
		return HTTP_BAD;
	for (i = 0; i < s->n; i++) {
		if (!isdigit((unsigned char)s->p[i]))
			return HTTP_BAD;
		v = v * 10 + (uint64_t)(s->p[i] - '0');
	}
	*out = v;
	return HTTP_OK;
}

static int
parse_header_line(struct http_span line, struct http_header *h)
{
	const char	*colon;
	size_t		 i;

	colon = memchr(line.p, ':', line.n);
	if (colon == NULL || colon == line.p)
		return HTTP_BAD;
	h->name.p = line.p;
	h->name.n = colon - line.p;
	for (i = 0; i < h->name.n; i++)
		if (!is_tchar((unsigned char)h->name.p[i]))
			return HTTP_BAD;
	h->value.p = colon + 1;
	h->value.n = line.n - h->name.n - 1;
	while (h->value.n > 0 && (*h->value.p == ' ' || *h->value.p == '\t')) {
		h->value.p++;
		h->value.n--;
	}
	while (h->value.n > 0 && (h->value.p[h->value.n - 1] == ' ' ||
	    h->value.p[h->value.n - 1] == '\t'))
		h->value.n--;
	for (i = 0; i < h->value.n; i++) {
		unsigned char c = h->value.p[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return HTTP_BAD;
	}
	return HTTP_OK;
}

static int
parse_headers(struct cursor *c, struct http_msg *m)
{
	struct http_span	line;

	m->nhdr = 0;
	for (;;) {
		line = take_line(c);
		if (line.n == 0)
			return HTTP_OK;
		/* Obsolete folding: refused, two parsers would disagree. */
		if (*line.p == ' ' || *line.p == '\t')
			return HTTP_BAD;
		if (m->nhdr == HTTP_MAX_HEADERS)
			return HTTP_TOOBIG;
		if (parse_header_line(line, &m->hdr[m->nhdr]) != HTTP_OK)
			return HTTP_BAD;
		m->nhdr++;
	}
}

bool
http_list_has(const struct http_span *v, const char *token)
{
	struct http_span	 t;
	const char		*p = v->p, *end = v->p + v->n, *q;

	while (p < end) {
		q = memchr(p, ',', end - p);
		if (q == NULL)
			q = end;
		t.p = p;
		t.n = q - p;
		while (t.n > 0 && (*t.p == ' ' || *t.p == '\t')) {
			t.p++;
			t.n--;
		}
		while (t.n > 0 && (t.p[t.n - 1] == ' ' || t.p[t.n - 1] == '\t'))
			t.n--;
		if (http_span_ieq(&t, token))
			return true;
		p = q + 1;
	}
	return false;
}

const struct http_header *
http_find(const struct http_msg *m, const char *name)
{
	size_t	i;

	for (i = 0; i < m->nhdr; i++)
		if (http_span_ieq(&m->hdr[i].name, name))
			return &m->hdr[i];
	return NULL;
}

/* Is the value list of every Connection header naming this header? */
static bool
connection_lists(const struct http_msg *m, const struct http_span *name)
{
	char	tok[128];
	size_t	i;

	if (name->n >= sizeof(tok))
		return false;
	memcpy(tok, name->p, name->n);
	tok[name->n] = '\0';
	for (i = 0; i < m->nhdr; i++)
		if (http_span_ieq(&m->hdr[i].name, "connection") &&
		    http_list_has(&m->hdr[i].value, tok))
			return true;
	return false;
}

bool
http_hop_by_hop(const struct http_msg *m, const struct http_span *name)
{
	static const char *const hop[] = {
		"connection", "proxy-connection", "proxy-authorization",
		"proxy-authenticate", "keep-alive", "te", "trailer", "upgrade"
	};
	size_t	i;

	for (i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
		if (http_span_ieq(name, hop[i]))
			return true;
	/* Framing headers are ours to keep, whatever Connection lists. */
	if (http_span_ieq(name, "content-length") ||
	    http_span_ieq(name, "transfer-encoding") ||
	    http_span_ieq(name, "host"))
		return false;
	return connection_lists(m, name);
}

/*
 * Body framing (RFC 9112 section 6).  Transfer-Encoding must end in
 * chunked and may not come with Content-Length; Content-Length values
 * must agree.  Anything else is refused rather than guessed at.
 */
static int
set_framing(struct http_msg *m, bool request)
{
	const struct http_header	*h;
	uint64_t			 len, first = 0;
	bool				 have_len = false, have_te = false;
	size_t				 i;

	m->framing = request ? HTTP_BODY_NONE : HTTP_BODY_CLOSE;
	for (i = 0; i < m->nhdr; i++) {
		h = &m->hdr[i];
		if (http_span_ieq(&h->name, "transfer-encoding")) {
			if (have_te || !http_span_ieq(&h->value, "chunked"))
				return HTTP_BAD;
			have_te = true;
		} else if (http_span_ieq(&h->name, "content-length")) {
			if (parse_uint(&h->value, &len) != HTTP_OK)
				return HTTP_BAD;
			if (have_len && len != first)
				return HTTP_BAD;
			have_len = true;
			first = len;
		}
	}
	if (have_te && have_len)
		return HTTP_BAD;
	if (have_te)
		m->framing = HTTP_BODY_CHUNKED;
	else if (have_len) {
		m->framing = first ? HTTP_BODY_LENGTH : HTTP_BODY_NONE;
		m->length = first;
	}
	return HTTP_OK;
}

/*
 * Request shapes that two parsers may read differently (RFC 9112 3.2
 * and 6.1): two Host lines (which one names the resource?) and
 * Transfer-Encoding in an HTTP/1.0 request (a 1.0 recipient does not
 * know chunked framing, so the body boundary is ambiguous).  Both are
 * refused with 400, never repaired, so no hop behind us can disagree
 * with us about what was asked.
 */
static bool
request_smuggling(const struct http_msg *m)
{
	size_t	i, nhost = 0;

	for (i = 0; i < m->nhdr; i++)
		if (http_span_ieq(&m->hdr[i].name, "host"))
			nhost++;
	if (nhost > 1)
		return true;
	return m->minor == 0 && m->framing == HTTP_BODY_CHUNKED;
}

static void
set_connection(struct http_msg *m)
{
	const struct http_header	*h;
	size_t				 i;

	m->conn_close = m->minor == 0;
	for (i = 0; i < m->nhdr; i++) {
		h = &m->hdr[i];
		if (http_span_ieq(&h->name, "connection") ||
		    http_span_ieq(&h->name, "proxy-connection")) {
			if (http_list_has(&h->value, "close"))
				m->conn_close = true;
			else if (http_list_has(&h->value, "keep-alive") &&
			    m->minor == 0)
				m->conn_close = false;
		}
	}
	h = http_find(m, "expect");
	m->expect_continue = h != NULL && http_span_ieq(&h->value,
	    "100-continue");
}

static int
split_word(struct http_span *line, struct http_span *word)
{
	const char *sp = memchr(line->p, ' ', line->n);

	if (sp == NULL || sp == line->p)
		return HTTP_BAD;
	word->p = line->p;
	word->n = sp - line->p;
	line->n -= word->n + 1;
	line->p = sp + 1;
	return HTTP_OK;
}

int
http_parse_request(const char *buf, size_t len, size_t max,
    struct http_msg *m)
{
	struct cursor		c;
	struct http_span	line;
	size_t			i;
	int			r;

	memset(m, 0, sizeof(*m));
	if ((r = find_head_end(buf, len, max, &m->headlen)) != HTTP_OK)
		return r;
	c.p = buf;
	c.end = buf + m->headlen;
	line = take_line(&c);
	if (split_word(&line, &m->method) != HTTP_OK ||
	    split_word(&line, &m->target) != HTTP_OK ||
	    parse_version(line.p, line.n, &m->minor) != HTTP_OK)
		return HTTP_BAD;
	for (i = 0; i < m->method.n; i++)
		if (!is_tchar((unsigned char)m->method.p[i]))
			return HTTP_BAD;
	for (i = 0; i < m->target.n; i++)
		if ((unsigned char)m->target.p[i] <= 0x20 ||
		    (unsigned char)m->target.p[i] >= 0x7f)
			return HTTP_BAD;
	if ((r = parse_headers(&c, m)) != HTTP_OK)
		return r;
	if (set_framing(m, true) != HTTP_OK || request_smuggling(m))
		return HTTP_BAD;
	set_connection(m);
	return HTTP_OK;
}

int
http_parse_response(const char *buf, size_t len, size_t max,
    struct http_msg *m)
{
	struct cursor		c;
	struct http_span	line, ver;
	const char		*s;
	int			r;

	memset(m, 0, sizeof(*m));
	if ((r = find_head_end(buf, len, max, &m->headlen)) != HTTP_OK)
		return r;
	c.p = buf;
	c.end = buf + m->headlen;
	line = take_line(&c);
	if (split_word(&line, &ver) != HTTP_OK ||
	    parse_version(ver.p, ver.n, &m->minor) != HTTP_OK || line.n < 3)
		return HTTP_BAD;
	s = line.p;
	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
	    !isdigit((unsigned char)s[2]) || (line.n > 3 && s[3] != ' '))
		return HTTP_BAD;
	m->status = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	if (m->status < 100)
		return HTTP_BAD;
	m->reason.p = line.n > 4 ? s + 4 : s + 3;
	m->reason.n = line.n > 4 ? line.n - 4 : 0;
	if ((r = parse_headers(&c, m)) != HTTP_OK)
		return r;
	if (set_framing(m, false) != HTTP_OK)
		return HTTP_BAD;
	set_connection(m);
	return HTTP_OK;
}

int
http_parse_chunk_line(const char *buf, size_t len, uint64_t *size,
    size_t *linelen)
{
	uint64_t	v = 0;
	size_t		i;
	int		digits = 0;

	for (i = 0; i < len && isxdigit((unsigned char)buf[i]); i++) {
		if (++digits > 15)
			return HTTP_BAD;
		v = v * 16 + (uint64_t)(isdigit((unsigned char)buf[i]) ?
		    buf[i] - '0' : (tolower((unsigned char)buf[i]) - 'a' + 10));
	}
	if (i == len)
		return len > 1024 ? HTTP_BAD : HTTP_MORE;
	if (digits == 0)
		return HTTP_BAD;
	/*
	 * RFC 9112 7.1: 1*HEXDIG, optional whitespace, then only ";"
	 * extensions.  Anything else ("0x10", "3 4", "3=") would be read
	 * as another size by an upstream parser and desync the body, so it
	 * is refused rather than forwarded.
	 */
	while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	if (i < len && buf[i] != ';' && buf[i] != '\r')
		return HTTP_BAD;
	/* Extensions are passed through but bounded. */
	for (; i < len && buf[i] != '\r'; i++) {
		if (buf[i] == '\n' || buf[i] == '\0' || i > 1024)
			return HTTP_BAD;
	}
	if (i + 1 >= len)
		return HTTP_MORE;
	if (buf[i + 1] != '\n')
		return HTTP_BAD;
	*size = v;
	*linelen = i + 2;
	return HTTP_OK;
}

static bool
host_char_ok(unsigned char c, bool v6)
{
	if (isalnum(c) || c == '-' || c == '.' || c == '_')
		return true;
	return v6 && c == ':';
}

int
http_parse_authority(const char *p, size_t n, int defport, char *host,
    size_t hostsz, int *port)
{
	const char	*h, *colon = NULL, *end = p + n;
	size_t		 hn, i;
	bool		 v6 = false;
	long		 v = 0;

	if (n == 0)
		return HTTP_BAD;
	if (*p == '[') {
		const char *rb = memchr(p, ']', n);
		if (rb == NULL)
			return HTTP_BAD;
		h = p + 1;
		hn = rb - h;
		v6 = true;
		if (rb + 1 < end) {
			if (rb[1] != ':')
				return HTTP_BAD;
			colon = rb + 1;
		}
	} else {
		h = p;
		colon = memrchr(p, ':', n);
		hn = colon ? (size_t)(colon - p) : n;
	}
	if (hn == 0 || hn >= hostsz)
		return HTTP_BAD;
	for (i = 0; i < hn; i++) {
		if (!host_char_ok((unsigned char)h[i], v6))
			return HTTP_BAD;
		host[i] = tolower((unsigned char)h[i]);
	}
	host[hn] = '\0';
	if (colon == NULL) {
		if (defport <= 0)
			return HTTP_BAD;
		*port = defport;
		return HTTP_OK;
	}
	if (colon + 1 == end || end - colon > 6)
		return HTTP_BAD;
	for (p = colon + 1; p < end; p++) {
		if (!isdigit((unsigned char)*p))
			return HTTP_BAD;
		v = v * 10 + (*p - '0');
	}
	if (v < 1 || v > 65535)
		return HTTP_BAD;
	*port = (int)v;
	return HTTP_OK;
}

int
http_parse_absolute(const struct http_span *t, char *host, size_t hostsz,
    int *port, struct http_span *path)
{
	const char	*a, *end = t->p + t->n, *slash;
	static const char pfx[] = "http://";

	if (t->n < sizeof(pfx) - 1 || strncasecmp(t->p, pfx, sizeof(pfx) - 1))
		return HTTP_BAD;
	a = t->p + sizeof(pfx) - 1;
	slash = a;
	while (slash < end && *slash != '/' && *slash != '?' && *slash != '#')
		slash++;
	/* Userinfo is refused: "http://allowed@evil/" parses two ways. */
	if (memchr(a, '@', slash - a) != NULL)
		return HTTP_BAD;
	if (http_parse_authority(a, slash - a, 80, host, hostsz, port) !=
	    HTTP_OK)
		return HTTP_BAD;
	if (slash == end || *slash != '/') {
		path->p = "/";
		path->n = 1;
		if (slash < end && *slash == '?') {
			/* "http://h?q": origin form needs the slash; caller
			 * sends "/" then this. */
			path->p = slash;
			path->n = end - slash;
		}
	} else {
		path->p = slash;
		path->n = end - slash;
	}
	return HTTP_OK;
}
