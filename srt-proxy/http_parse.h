/*
 * HTTP/1.x message heads, parsed as pure functions over a buffer: no
 * allocation, every field points into the caller's bytes with a length.
 * The proxy sits between an untrusted client and an untrusted server, so
 * the parser is strict where leniency lets two parties disagree about
 * where a message ends (request smuggling): obsolete line folding, a bare
 * CR, conflicting Content-Length values, or Transfer-Encoding together
 * with Content-Length are errors, not guesses.
 */
#ifndef SRT_PROXY_HTTP_PARSE_H
#define SRT_PROXY_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEAD		(64u * 1024u)
#define HTTP_MAX_HEADERS	128

/* Results of the parse functions. */
#define HTTP_OK		1
#define HTTP_MORE	0	/* incomplete: read more */
#define HTTP_BAD	(-1)	/* malformed: 400 */
#define HTTP_TOOBIG	(-2)	/* head larger than the bound: 431 */

struct http_span {
	const char	*p;
	size_t		 n;
};

struct http_header {
	struct http_span	 name;
	struct http_span	 value;	/* without surrounding blanks */
};

enum http_framing {
	HTTP_BODY_NONE,		/* no body */
	HTTP_BODY_LENGTH,	/* Content-Length bytes */
	HTTP_BODY_CHUNKED,	/* Transfer-Encoding: chunked */
	HTTP_BODY_CLOSE		/* until the sender closes (responses) */
};

struct http_msg {
	struct http_span	 method;	/* requests */
	struct http_span	 target;
	int			 status;	/* responses */
	struct http_span	 reason;
	int			 minor;		/* HTTP/1.minor */
	struct http_header	 hdr[HTTP_MAX_HEADERS];
	size_t			 nhdr;
	size_t			 headlen;	/* bytes incl. the blank line */
	enum http_framing	 framing;
	uint64_t		 length;	/* HTTP_BODY_LENGTH */
	bool			 conn_close;	/* Connection: close / 1.0 */
	bool			 expect_continue;
};

/* Parse a request or response head at the start of buf. */
int	http_parse_request(const char *buf, size_t len, size_t max,
	    struct http_msg *);
int	http_parse_response(const char *buf, size_t len, size_t max,
	    struct http_msg *);

/*
 * A chunk-size line ("1a;ext\r\n"): HTTP_OK with the size and the line's
 * length, HTTP_MORE or HTTP_BAD.
 */
int	http_parse_chunk_line(const char *buf, size_t len, uint64_t *size,
	    size_t *linelen);

/* "host:port", "[v6]:port" (CONNECT target or Host value).  The port is
 * required unless defport > 0.  host gets no brackets, lower case. */
int	http_parse_authority(const char *p, size_t n, int defport,
	    char *host, size_t hostsz, int *port);

/* "http://authority/path?q" -> host, port, origin-form path span. */
int	http_parse_absolute(const struct http_span *target, char *host,
	    size_t hostsz, int *port, struct http_span *path);

bool	http_span_ieq(const struct http_span *, const char *);
/* Does a comma-separated header value list contain token (any case)? */
bool	http_list_has(const struct http_span *, const char *token);
/* Is this header hop-by-hop for a proxy, given the Connection values? */
bool	http_hop_by_hop(const struct http_msg *, const struct http_span *name);
const struct http_header *
	http_find(const struct http_msg *, const char *name);

#endif
