/*
 * The HTTP/1.1 proxy: CONNECT tunnels and absolute-form requests
 * forwarded in origin form.  Requests on one client connection are
 * handled one at a time, so pipelined requests are answered in order;
 * the next head is not read until the response before it is complete.
 * Threat model: the client and the upstream may each try to make the
 * proxy see message boundaries differently from the other side
 * (smuggling); heads are parsed strictly (http_parse.c) and bodies are
 * framed only by Content-Length or chunked, never guessed.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "libcommon/log.h"
#include "srt-proxy/proxy.h"

#define DENY_ALLOWLIST_BODY	"Connection blocked by network allowlist"
#define DENY_ALLOWLIST_TAG	"blocked-by-allowlist"
#define DENY_DEFAULT_TAG	"blocked-by-sandbox-runtime"
#define CONNECT_OK	"HTTP/1.1 200 Connection Established\r\n\r\n"
#define HTTP_SPLICE_MIN	(16 * 1024)

enum { CH_SIZE, CH_DATA, CH_CRLF, CH_TRAILER };

static void	http_next_request(struct conn *);
static bool	http_body_splice_ok(struct conn *);

void
http_error(struct conn *c, int status, const char *phrase)
{
	evbuffer_add_printf(bufferevent_get_output(c->cbev),
	    "HTTP/1.1 %d %s\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
	    status, phrase);
	conn_close_after_flush(c);
}

/* A status phrase may not carry a line break or other control bytes. */
static void
phrase_clean(const char *in, char *out, size_t outsz)
{
	size_t	i;

	for (i = 0; in[i] != '\0' && i + 1 < outsz; i++)
		out[i] = (in[i] >= 0x20 && in[i] < 0x7f) ? in[i] : '?';
	out[i] = '\0';
	while (i > 0 && out[i - 1] == ' ')
		out[--i] = '\0';
}

/*
 * The reference's refusals, byte for byte in status, header and body: a
 * CONNECT gets the reason as its status phrase and the fixed text as its
 * body; a forwarded request gets "403 Forbidden".  An address-guard
 * refusal (address = true) says which class of address, never which
 * address: the client should not learn the name's resolution from us.
 */
void
http_deny(struct conn *c, bool connect, const char *reason, bool address)
{
	struct evbuffer	*out = bufferevent_get_output(c->cbev);
	char		 phrase[256], body[512];
	const char	*tag = address ? DENY_DEFAULT_TAG : DENY_ALLOWLIST_TAG;

	if (address)
		snprintf(body, sizeof(body), "Connection to %s blocked: %s",
		    c->host, reason);
	else
		strlcpy(body, DENY_ALLOWLIST_BODY, sizeof(body));
	policy_event(c, connect ? "connect" : "http", c->host, c->port,
	    "deny", reason);
	if (connect) {
		phrase_clean(reason, phrase, sizeof(phrase));
		evbuffer_add_printf(out, "HTTP/1.1 403 %s\r\n"
		    "Content-Type: text/plain\r\nX-Proxy-Error: %s\r\n\r\n%s",
		    phrase[0] ? phrase : "Forbidden", tag, body);
	} else
		evbuffer_add_printf(out, "HTTP/1.1 403 Forbidden\r\n"
		    "Content-Type: text/plain\r\nX-Proxy-Error: %s\r\n"
		    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s\n",
		    tag, strlen(body) + 1, body);
	conn_close_after_flush(c);
}

void
http_dial_failed(struct conn *c, int err, const char *reason)
{
	if (reason != NULL) {
		http_deny(c, c->kind == CK_CONNECT, reason, true);
		return;
	}
	log_debug("%s:%d: %s", c->host, c->port, strerror(err));
	if (c->kind == CK_CONNECT)
		conn_write(c, "HTTP/1.1 502 Bad Gateway\r\n\r\n", 28);
	else
		evbuffer_add_printf(bufferevent_get_output(c->cbev),
		    "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\n"
		    "Content-Length: 11\r\nConnection: close\r\n\r\n"
		    "Bad Gateway");
	conn_close_after_flush(c);
}

/* Route through the MITM proxy's unix socket instead of dialling. */
void
http_route_mitm(struct conn *c)
{
	struct sockaddr_un	*sun;

	if (conn_dial_new(c) == NULL) {
		conn_dial_failed(c, ENOMEM, NULL);
		return;
	}
	sun = (struct sockaddr_un *)&c->dial->addr[0];
	sun->sun_family = AF_UNIX;
	if (strlcpy(sun->sun_path, c->pol->s.net.mitm_socket,
	    sizeof(sun->sun_path)) >= sizeof(sun->sun_path)) {
		conn_dial_failed(c, ENAMETOOLONG, NULL);
		return;
	}
	c->dial->alen[0] = sizeof(*sun);
	c->dial->n = 1;
	conn_start_dial(c);
}


static void
http_connect(struct conn *c, const struct http_msg *m)
{
	const char	*reason;
	char		 host[256];

	if (http_parse_authority(m->target.p, m->target.n, 0, host,
	    sizeof(host), &c->port) != HTTP_OK ||
	    canon_host(host, c->host, sizeof(c->host)) == -1) {
		http_error(c, 400, "Bad Request");
		return;
	}
	if ((reason = policy_check(c->pol, c->host, c->port)) != NULL) {
		http_deny(c, true, reason, false);
		return;
	}
	policy_event(c, "connect", c->host, c->port, "allow", NULL);
	evbuffer_drain(bufferevent_get_input(c->cbev), m->headlen);
	c->kind = CK_CONNECT;
	c->state = CS_CONNECT_DIAL;
	bufferevent_disable(c->cbev, EV_READ);
	conn_route(c, true);
}

static bool
wants_websocket(const struct http_msg *m)
{
	const struct http_header	*u = http_find(m, "upgrade");
	const struct http_header	*k = http_find(m, "connection");

	return u && k && http_span_ieq(&u->value, "websocket") &&
	    http_list_has(&k->value, "upgrade");
}

/* The head sent upstream: origin form (absolute form to a MITM proxy),
 * our Host, no hop-by-hop headers. */
static void
http_build_head(struct conn *c, const struct http_msg *m,
    const struct http_span *path)
{
	struct evbuffer	*b = c->pending;
	char		 auth[300];
	size_t		 i;
	bool		 v6 = strchr(c->host, ':') != NULL;
	/* Another proxy (MITM, parent) gets the absolute form. */
	bool		 proxied = c->via_mitm || c->via_parent != NULL;

	if (c->port == 80)
		snprintf(auth, sizeof(auth), v6 ? "[%s]" : "%s", c->host);
	else
		snprintf(auth, sizeof(auth), v6 ? "[%s]:%d" : "%s:%d",
		    c->host, c->port);
	evbuffer_drain(b, evbuffer_get_length(b));
	evbuffer_add_printf(b, "%.*s %s%s%s%.*s HTTP/1.1\r\nHost: %s\r\n",
	    (int)m->method.n, m->method.p, proxied ? "http://" : "",
	    proxied ? auth : "", *path->p == '?' ? "/" : "",
	    (int)path->n, path->p, auth);
	if (c->via_parent != NULL && c->via_parent->auth != NULL)
		evbuffer_add_printf(b, "Proxy-Authorization: %s\r\n",
		    c->via_parent->auth);
	for (i = 0; i < m->nhdr; i++) {
		const struct http_header *h = &m->hdr[i];
		if (http_span_ieq(&h->name, "host"))
			continue;
		if (http_hop_by_hop(m, &h->name) && !(c->upgrade &&
		    http_span_ieq(&h->name, "upgrade")))
			continue;
		evbuffer_add_printf(b, "%.*s: %.*s\r\n", (int)h->name.n,
		    h->name.p, (int)h->value.n, h->value.p);
	}
	if (c->upgrade)
		evbuffer_add(b, "Connection: Upgrade\r\n", 21);
	evbuffer_add(b, "\r\n", 2);
}

/*
 * Keep-alive reuse race: an idle upstream may close just as we send the
 * next request on it (RFC 9112 9.3.1).  Before reuse, a peek catches a
 * close that has already arrived; after, the request as sent is kept so
 * that a close or reset before any byte of the response replays it once
 * on a fresh connection.  Only a request that cannot have had an effect
 * twice is replayed: an idempotent method (RFC 9110 9.2.2), or any
 * method while none of its body has been forwarded.
 */
#define REPLAY_MAX	(64 * 1024)

static bool
http_reuse_alive(struct conn *c)
{
	char	b;
	ssize_t	n;

	/* Under TLS the socket carries records that are no answer (a
	 * session ticket); a close has already freed the upstream. */
	if (tls_bev(c->ubev) &&
	    evbuffer_get_length(bufferevent_get_input(c->ubev)) == 0)
		return true;
	n = recv(bufferevent_getfd(c->ubev), &b, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
	    evbuffer_get_length(bufferevent_get_input(c->ubev)) == 0)
		return true;
	/* Closed, reset, or an upstream speaking unasked: a fresh one. */
	bufferevent_free(c->ubev);
	c->ubev = NULL;
	c->uhost[0] = '\0';
	return false;
}

static bool
http_method_idempotent(const struct http_span *m)
{
	static const char *const idem[] = {
		"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"
	};
	size_t	i;

	for (i = 0; i < sizeof(idem) / sizeof(idem[0]); i++)
		if (m->n == strlen(idem[i]) && memcmp(m->p, idem[i], m->n) == 0)
			return true;
	return false;
}

static void
http_replay_arm(struct conn *c)
{
	c->reused = true;
	c->replay_ok = false;
	if (c->replay == NULL && (c->replay = evbuffer_new()) == NULL)
		return;
	evbuffer_drain(c->replay, evbuffer_get_length(c->replay));
	if (evbuffer_add(c->replay, evbuffer_pullup(c->pending, -1),
	    evbuffer_get_length(c->pending)) == 0)
		c->replay_ok = true;
}

/*
 * Body bytes just queued upstream (from offset at): keep a copy.  All of
 * out is this request's (the previous response was complete), so at is
 * at most the replay's length and the pullup at most REPLAY_MAX.
 */
static void
http_replay_note(struct conn *c, size_t at)
{
	struct evbuffer	*out = bufferevent_get_output(c->ubev);
	size_t		 n = evbuffer_get_length(out);
	unsigned char	*p;

	if (!c->replay_ok || n <= at)
		return;
	if (!c->idempotent || evbuffer_get_length(c->replay) + n - at >
	    REPLAY_MAX || (p = evbuffer_pullup(out, n)) == NULL ||
	    evbuffer_add(c->replay, p + at, n - at) == -1)
		c->replay_ok = false;
}

/* The reused upstream closed before answering: replay on a fresh one. */
bool
http_upstream_retry(struct conn *c)
{
	if (!c->reused || !c->replay_ok || c->resp_head_done ||
	    evbuffer_get_length(bufferevent_get_input(c->ubev)) > 0)
		return false;
	log_debug("%s:%d: kept-alive upstream closed at reuse; retrying",
	    c->host, c->port);
	c->reused = c->replay_ok = false;
	bufferevent_free(c->ubev);
	c->ubev = NULL;
	c->uhost[0] = '\0';
	evbuffer_drain(c->pending, evbuffer_get_length(c->pending));
	evbuffer_add_buffer(c->pending, c->replay);
	c->state = CS_HTTP_DIAL;
	conn_route_dial(c);
	return true;
}

static void
http_request(struct conn *c, const struct http_msg *m)
{
	struct http_span	 path;
	const char		*reason;
	char			 host[256];
	int			 port;

	if (http_parse_absolute(&m->target, host, sizeof(host), &port,
	    &path) != HTTP_OK ||
	    canon_host(host, c->host, sizeof(c->host)) == -1) {
		http_error(c, 400, "Bad Request");
		return;
	}
	c->port = port;
	if ((reason = policy_check(c->pol, c->host, c->port)) != NULL) {
		http_deny(c, false, reason, false);
		return;
	}
	policy_event(c, "http", c->host, c->port, "allow", NULL);
	c->kind = CK_HTTP;
	c->upgrade = wants_websocket(m);
	conn_route_pick(c, false);
	http_build_head(c, m, &path);
	c->head_req = http_span_ieq(&m->method, "HEAD");
	c->close_after = m->conn_close;
	c->resp_head_done = false;
	memset(&c->reqb, 0, sizeof(c->reqb));
	c->reqb.framing = m->framing;
	c->reqb.left = m->length;
	c->reqb.done = m->framing == HTTP_BODY_NONE;
	c->idempotent = http_method_idempotent(&m->method);
	evbuffer_drain(bufferevent_get_input(c->cbev), m->headlen);
	if (c->ubev && !c->via_mitm && c->uport == c->port &&
	    strcmp(c->uhost, c->host) == 0 && http_reuse_alive(c)) {
		http_replay_arm(c);
		http_upstream_ready(c);
		return;
	}
	c->reused = c->replay_ok = false;
	if (c->ubev) {
		bufferevent_free(c->ubev);
		c->ubev = NULL;
	}
	c->state = CS_HTTP_DIAL;
	conn_route_dial(c);
}

static void
http_read_head(struct conn *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->cbev);
	struct http_msg	 m;
	size_t		 len = evbuffer_get_length(in), n;
	const char	*p;
	int		 r;

	n = len < HTTP_MAX_HEAD + 1 ? len : HTTP_MAX_HEAD + 1;
	p = (const char *)evbuffer_pullup(in, n);
	r = http_parse_request(p, n, HTTP_MAX_HEAD, &m);
	if (r == HTTP_MORE)
		return;
	if (r == HTTP_TOOBIG) {
		http_error(c, 431, "Request Header Fields Too Large");
		return;
	}
	if (r != HTTP_OK) {
		http_error(c, 400, "Bad Request");
		return;
	}
	conn_arm_timer(c, 0);
	if (http_span_ieq(&m.method, "CONNECT"))
		http_connect(c, &m);
	else
		http_request(c, &m);
}

/*
 * Move body bytes from src to dst as far as the framing allows:
 * 1 the body is complete, 0 more to come, -1 malformed.
 */
static int
body_move(struct body *b, struct evbuffer *src, struct evbuffer *dst)
{
	struct evbuffer_ptr	 ptr;
	const char		*p;
	uint64_t		 size;
	size_t			 avail, n, ll;
	char			 crlf[2];
	int			 r;

	while (!b->done) {
		avail = evbuffer_get_length(src);
		switch (b->framing) {
		case HTTP_BODY_NONE:
			b->done = true;
			break;
		case HTTP_BODY_CLOSE:
			evbuffer_remove_buffer(src, dst, avail);
			return 0;
		case HTTP_BODY_LENGTH:
			n = avail < b->left ? avail : (size_t)b->left;
			evbuffer_remove_buffer(src, dst, n);
			b->left -= n;
			b->done = b->left == 0;
			return b->done ? 1 : 0;
		case HTTP_BODY_CHUNKED:
			switch (b->chunk_state) {
			case CH_SIZE:
				n = avail < 1100 ? avail : 1100;
				if (n == 0)
					return 0;
				p = (const char *)evbuffer_pullup(src, n);
				r = http_parse_chunk_line(p, n, &size, &ll);
				if (r != HTTP_OK)
					return r == HTTP_MORE ? 0 : -1;
				evbuffer_remove_buffer(src, dst, ll);
				b->left = size;
				b->chunk_state = size ? CH_DATA : CH_TRAILER;
				break;
			case CH_DATA:
				if (avail == 0)
					return 0;
				n = avail < b->left ? avail : (size_t)b->left;
				evbuffer_remove_buffer(src, dst, n);
				b->left -= n;
				if (b->left == 0)
					b->chunk_state = CH_CRLF;
				break;
			case CH_CRLF:
				if (avail < 2)
					return 0;
				evbuffer_copyout(src, crlf, 2);
				if (crlf[0] != '\r' || crlf[1] != '\n')
					return -1;
				evbuffer_remove_buffer(src, dst, 2);
				b->chunk_state = CH_SIZE;
				break;
			case CH_TRAILER:
				ptr = evbuffer_search(src, "\r\n", 2, NULL);
				if (ptr.pos < 0)
					return avail > 8192 ? -1 : 0;
				evbuffer_remove_buffer(src, dst, ptr.pos + 2);
				if (ptr.pos == 0)
					b->done = true;
				else if (++b->left > 64)
					return -1;
				break;
			}
			break;
		}
	}
	return 1;
}

/* The upstream is connected (or kept alive): send the head and body. */
void
http_upstream_ready(struct conn *c)
{
	struct timeval	tv = { c->px->idle_timeout, 0 };

	c->state = CS_HTTP_XFER;
	bufferevent_write_buffer(c->ubev, c->pending);
	bufferevent_set_timeouts(c->ubev, c->px->idle_timeout ? &tv : NULL,
	    NULL);
	bufferevent_enable(c->ubev, EV_READ | EV_WRITE);
	if (!c->client_eof)
		bufferevent_enable(c->cbev, EV_READ);
	http_client_read(c);
}

void
http_client_read(struct conn *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->cbev);
	size_t		 at;
	int		 r;

	if (c->state == CS_HTTP_HEAD) {
		if (evbuffer_get_length(in) > 0)
			http_read_head(c);
		return;
	}
	if (c->state != CS_HTTP_XFER || c->reqb.done)
		return;
	at = evbuffer_get_length(bufferevent_get_output(c->ubev));
	r = body_move(&c->reqb, in, bufferevent_get_output(c->ubev));
	http_replay_note(c, at);
	if (r < 0) {
		http_error(c, 400, "Bad Request");
		return;
	}
	conn_backpressure(c);
}

static void
http_write_head(struct conn *c, const struct http_msg *m, bool final)
{
	struct evbuffer	*out = bufferevent_get_output(c->cbev);
	size_t		 i;

	evbuffer_add_printf(out, "HTTP/1.1 %d %.*s\r\n", m->status,
	    (int)m->reason.n, m->reason.p);
	for (i = 0; i < m->nhdr; i++) {
		const struct http_header *h = &m->hdr[i];
		if (http_hop_by_hop(m, &h->name))
			continue;
		evbuffer_add_printf(out, "%.*s: %.*s\r\n", (int)h->name.n,
		    h->name.p, (int)h->value.n, h->value.p);
	}
	if (final && c->close_after)
		evbuffer_add(out, "Connection: close\r\n", 19);
	evbuffer_add(out, "\r\n", 2);
}

/* Parse one response head; false when more bytes are needed or the
 * connection was handed on. */
static bool
http_response_head(struct conn *c)
{
	struct evbuffer	*uin = bufferevent_get_input(c->ubev);
	struct http_msg	 m;
	size_t		 len = evbuffer_get_length(uin), n;
	const char	*p;
	int		 r;

	n = len < HTTP_MAX_HEAD + 1 ? len : HTTP_MAX_HEAD + 1;
	if (n == 0)
		return false;
	p = (const char *)evbuffer_pullup(uin, n);
	r = http_parse_response(p, n, HTTP_MAX_HEAD, &m);
	if (r == HTTP_MORE)
		return false;
	if (r != HTTP_OK) {
		log_debug("%s:%d: unparsable response", c->host, c->port);
		http_dial_failed(c, EPROTO, NULL);
		return false;
	}
	if (m.status == 101 && c->upgrade) {
		evbuffer_remove_buffer(uin, bufferevent_get_output(c->cbev),
		    m.headlen);
		conn_to_tunnel(c, NULL, 0);
		return false;
	}
	if (m.status < 200) {
		http_write_head(c, &m, false);
		evbuffer_drain(uin, m.headlen);
		return true;
	}
	if (c->head_req || m.status == 204 || m.status == 304)
		m.framing = HTTP_BODY_NONE;
	/* Connection is hop-by-hop (RFC 9110 7.6.1): an upstream's close
	 * ends the upstream leg only.  The client's connection ends with
	 * a body only the close delimits, or a request body not sent. */
	if (m.framing == HTTP_BODY_CLOSE || !c->reqb.done)
		c->close_after = true;
	c->up_close = m.conn_close;
	http_write_head(c, &m, true);
	evbuffer_drain(uin, m.headlen);
	c->resp_head_done = true;
	c->resp_status = m.status;
	memset(&c->respb, 0, sizeof(c->respb));
	c->respb.framing = m.framing;
	c->respb.left = m.length;
	/* A refusal was for the body before (no descriptor for a pipe
	 * then, say): this one may splice.  A refused splice takes no
	 * byte, so trying again costs one attempt per body at most. */
	c->nobsplice = false;
	return true;
}

/*
 * A long response body moves by splice (relay.c) once the request is
 * wholly upstream: a framed length or until-close body, not chunked.
 * Small bodies are not worth the switch.
 */
static bool
http_body_splice_ok(struct conn *c)
{
	const struct body	*b = &c->respb;

	if (c->state != CS_HTTP_XFER || c->nobsplice || !c->reqb.done ||
	    tls_bev(c->ubev) ||
	    evbuffer_get_length(bufferevent_get_output(c->ubev)) > 0)
		return false;
	return b->framing == HTTP_BODY_CLOSE ||
	    (b->framing == HTTP_BODY_LENGTH && b->left >= HTTP_SPLICE_MIN);
}

/* relay.c hands the connection back: the body is complete (or splice
 * was refused and copying resumes), or the upstream ended or idled. */
void
http_body_spliced(struct conn *c, bool eof)
{
	bufferevent_enable(c->cbev, EV_WRITE);
	if (eof) {
		http_upstream_eof(c);
		return;
	}
	if (c->respb.framing != HTTP_BODY_LENGTH || c->respb.left > 0)
		c->nobsplice = true;
	bufferevent_enable(c->ubev, EV_READ | EV_WRITE);
	if (!c->client_eof)
		bufferevent_enable(c->cbev, EV_READ);
	http_upstream_read(c);
}

void
http_upstream_read(struct conn *c)
{
	int	r;

	while (!c->resp_head_done)
		if (!http_response_head(c))
			return;
	r = body_move(&c->respb, bufferevent_get_input(c->ubev),
	    bufferevent_get_output(c->cbev));
	if (r < 0) {
		log_debug("%s:%d: malformed response body", c->host, c->port);
		conn_free(c);
		return;
	}
	if (r == 0 && http_body_splice_ok(c) && relay_body_start(c))
		return;
	conn_backpressure(c);
	if (r == 1)
		http_next_request(c);
}

/* The response is complete: close, or wait for the next request. */
static void
http_next_request(struct conn *c)
{
	if (c->close_after || c->client_eof || !c->reqb.done) {
		conn_close_after_flush(c);
		return;
	}
	c->state = CS_HTTP_HEAD;
	if (c->up_close) {
		/* The client stays; the next request dials afresh. */
		bufferevent_free(c->ubev);
		c->ubev = NULL;
		c->uhost[0] = '\0';
		c->up_close = false;
	} else
		bufferevent_set_timeouts(c->ubev, NULL, NULL);
	conn_arm_timer(c, c->px->hdr_timeout);
	bufferevent_enable(c->cbev, EV_READ);
	http_client_read(c);
}

void
http_client_eof(struct conn *c)
{
	c->client_eof = true;
	if (!c->reqb.done) {
		conn_free(c);
		return;
	}
}

void
http_upstream_eof(struct conn *c)
{
	if (c->resp_head_done && c->respb.framing == HTTP_BODY_CLOSE) {
		c->close_after = true;
		conn_close_after_flush(c);
		return;
	}
	if (!c->resp_head_done) {
		http_dial_failed(c, ECONNRESET, NULL);
		return;
	}
	conn_free(c);
}

/* Ask the MITM or parent proxy for a tunnel, as the reference does. */
void
http_mitm_connect(struct conn *c)
{
	struct evbuffer	*out = bufferevent_get_output(c->ubev);
	struct timeval	 tv = { 3 * PROXY_CONNECT_TIMEOUT, 0 };
	bool		 v6 = strchr(c->host, ':') != NULL;

	evbuffer_add_printf(out,
	    v6 ? "CONNECT [%s]:%d HTTP/1.1\r\nHost: [%s]:%d\r\n" :
	    "CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n",
	    c->host, c->port, c->host, c->port);
	if (c->via_parent != NULL && c->via_parent->auth != NULL)
		evbuffer_add_printf(out, "Proxy-Authorization: %s\r\n",
		    c->via_parent->auth);
	evbuffer_add(out, "\r\n", 2);
	/* A proxy that accepts and never answers must not hold us. */
	bufferevent_set_timeouts(c->ubev, &tv, NULL);
	c->mitm_head = true;
}

/* The MITM proxy's answer to our CONNECT; true when the tunnel is up. */
bool
http_mitm_read(struct conn *c)
{
	struct evbuffer	*uin = bufferevent_get_input(c->ubev);
	struct http_msg	 m;
	size_t		 len = evbuffer_get_length(uin), n;
	int		 r;

	n = len < HTTP_MAX_HEAD + 1 ? len : HTTP_MAX_HEAD + 1;
	r = http_parse_response((const char *)evbuffer_pullup(uin, n), n,
	    HTTP_MAX_HEAD, &m);
	if (r == HTTP_MORE)
		return false;
	if (r != HTTP_OK || m.status / 100 != 2) {
		log_debug("%s:%d: the %s proxy refused CONNECT (%d)", c->host,
		    c->port, c->via_mitm ? "MITM" : "parent", m.status);
		conn_dial_failed(c, ECONNREFUSED, NULL);
		return false;
	}
	bufferevent_set_timeouts(c->ubev, NULL, NULL);
	evbuffer_drain(uin, m.headlen);
	c->mitm_head = false;
	return true;
}

const char *
http_connect_ok(size_t *len)
{
	*len = sizeof(CONNECT_OK) - 1;
	return CONNECT_OK;
}
