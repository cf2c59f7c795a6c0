/*
 * SOCKS5 (RFC 1928, RFC 1929).  Only CONNECT is served; BIND and UDP
 * ASSOCIATE would let a sandboxed client receive connections or send
 * datagrams past the domain policy, so they get 0x07.  Credentials are
 * accepted whatever they are: they identify nothing here.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <errno.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "libcommon/log.h"
#include "srt-proxy/proxy.h"

void
socks_fail(struct conn *c, int rep)
{
	unsigned char	r[10];

	socks_reply(r, rep);
	conn_write(c, r, sizeof(r));
	conn_close_after_flush(c);
}

static void
socks_request(struct conn *c, const struct socks_req *r)
{
	const char	*reason;

	if (canon_host(r->host, c->host, sizeof(c->host)) == -1) {
		socks_fail(c, SOCKS_REP_ATYP);
		return;
	}
	c->port = r->port;
	if ((reason = policy_check(c->pol, c->host, c->port)) != NULL) {
		policy_event(c, "socks", c->host, c->port, "deny", reason);
		socks_fail(c, SOCKS_REP_DENIED);
		return;
	}
	policy_event(c, "socks", c->host, c->port, "allow", NULL);
	c->kind = CK_SOCKS;
	c->state = CS_SOCKS_DIAL;
	bufferevent_disable(c->cbev, EV_READ);
	conn_route(c, true);
}

/* One step of the negotiation; false when more bytes are needed. */
static bool
socks_step(struct conn *c)
{
	struct evbuffer		*in = bufferevent_get_input(c->cbev);
	size_t			 len = evbuffer_get_length(in), used = 0;
	const unsigned char	*p;
	struct socks_req	 req;
	unsigned char		 ans[2];
	int			 r, method;

	if (len == 0)
		return false;
	if (len > 600)
		len = 600;
	p = evbuffer_pullup(in, len);
	switch (c->state) {
	case CS_SOCKS_GREET:
		if ((r = socks_parse_greeting(p, len, &used, &method)) <= 0)
			break;
		evbuffer_drain(in, used);
		ans[0] = 0x05;
		ans[1] = (unsigned char)method;
		conn_write(c, ans, 2);
		if (method == SOCKS_METHOD_REFUSED) {
			conn_close_after_flush(c);
			return false;
		}
		c->state = method == SOCKS_METHOD_USERPASS ? CS_SOCKS_AUTH :
		    CS_SOCKS_REQ;
		return true;
	case CS_SOCKS_AUTH:
		if ((r = socks_parse_userpass(p, len, &used)) <= 0)
			break;
		evbuffer_drain(in, used);
		ans[0] = 0x01;
		ans[1] = 0x00;
		conn_write(c, ans, 2);
		c->state = CS_SOCKS_REQ;
		return true;
	case CS_SOCKS_REQ:
		memset(&req, 0, sizeof(req));
		r = socks_parse_request(p, len, &used, &req);
		if (r == SOCKS_BAD_CMD) {
			socks_fail(c, SOCKS_REP_CMD);
			return false;
		}
		if (r == SOCKS_BAD_ATYP) {
			socks_fail(c, SOCKS_REP_ATYP);
			return false;
		}
		if (r <= 0)
			break;
		evbuffer_drain(in, used);
		conn_arm_timer(c, 0);
		socks_request(c, &req);
		return false;
	default:
		return false;
	}
	if (r == SOCKS_MORE)
		return false;
	log_debug("malformed SOCKS message in state %d", c->state);
	if (c->state == CS_SOCKS_REQ)
		socks_fail(c, SOCKS_REP_FAIL);
	else
		conn_free(c);
	return false;
}

void
socks_client_read(struct conn *c)
{
	while (socks_step(c))
		;
}

/* Success: the reply carries the address we dialled from. */
void
socks_upstream_ready(struct conn *c)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	unsigned char		 r[22];
	size_t			 n = 10;

	socks_reply(r, SOCKS_REP_OK);
	if (getsockname(bufferevent_getfd(c->ubev), (struct sockaddr *)&ss,
	    &sl) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
			memcpy(r + 4, &sin->sin_addr, 4);
			memcpy(r + 8, &sin->sin_port, 2);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			r[3] = 0x04;
			memcpy(r + 4, &s6->sin6_addr, 16);
			memcpy(r + 20, &s6->sin6_port, 2);
			n = 22;
		}
	}
	conn_to_tunnel(c, (const char *)r, n);
}

void
socks_dial_failed(struct conn *c, int err, const char *reason)
{
	if (reason != NULL) {
		policy_event(c, "socks", c->host, c->port, "deny", reason);
		socks_fail(c, SOCKS_REP_DENIED);
		return;
	}
	log_debug("%s:%d: %s", c->host, c->port, strerror(err));
	switch (err) {
	case ECONNREFUSED:
		socks_fail(c, SOCKS_REP_REFUSED);
		break;
	case ENETUNREACH:
		socks_fail(c, SOCKS_REP_NETUNREACH);
		break;
	case EPROTO:
		/* TLS to an https:// parent failed: not the host's fault. */
		socks_fail(c, SOCKS_REP_FAIL);
		break;
	default:
		socks_fail(c, SOCKS_REP_HOSTUNREACH);
		break;
	}
}
