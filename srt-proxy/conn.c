/*
 * One client connection until it becomes a tunnel or closes: sniffing the
 * protocol, the client and upstream bufferevents, dialling the resolved
 * addresses in turn.  Threat model: every byte from the client and from
 * the upstream is hostile; a connection only ever frees itself (never
 * another), and it is never freed in the middle of a call chain that
 * still uses it: closing is deferred to a write callback.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "libcommon/log.h"
#include "libcommon/tcpcc.h"
#include "libcommon/proto.h"
#include "srt-proxy/proxy.h"

#define CONN_READ_HIGH		(1024 * 1024)
#define CONN_OUT_HIGH		(1024 * 1024)

static void	conn_cread(struct bufferevent *, void *);
static void	conn_cwrite(struct bufferevent *, void *);
static void	conn_cevent(struct bufferevent *, short, void *);
static void	conn_uread(struct bufferevent *, void *);
static void	conn_uwrite(struct bufferevent *, void *);
static void	conn_uevent(struct bufferevent *, short, void *);
static void	conn_try_next(struct conn *);
static bool	conn_dial_park(struct conn *);
static void	conn_dial_tls(struct conn *, struct bufferevent *);

static void
conn_timer(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	log_debug("client timed out in state %d", c->state);
	if (c->state == CS_HTTP_HEAD &&
	    evbuffer_get_length(bufferevent_get_input(c->cbev)) > 0) {
		http_error(c, 408, "Request Timeout");
		return;
	}
	conn_free(c);
}

void
conn_arm_timer(struct conn *c, int secs)
{
	struct timeval tv = { secs, 0 };

	if (secs > 0)
		evtimer_add(c->timer, &tv);
	else
		evtimer_del(c->timer);
}

/* Small requests and answers must not wait for Nagle's timer. */
static void
conn_nodelay(int fd)
{
	int	on = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

void
conn_accept(struct proxy *px, int fd, uint32_t peerid, int hint)
{
	struct conn	*c;

	if (px->draining || px->nconn >= px->maxconn) {
		log_warnx("connection limit (%d) reached, refusing a client",
		    px->maxconn);
		close(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("%s", __func__);
		close(fd);
		return;
	}
	c->px = px;
	c->pol = policy_ref(px->policy);
	c->peerid = peerid;
	c->cfd = fd;
	c->state = CS_SNIFF;
	conn_nodelay(fd);
	c->cbev = bufferevent_socket_new(px->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->timer = evtimer_new(px->base, conn_timer, c);
	c->pending = evbuffer_new();
	if (c->cbev == NULL || c->timer == NULL || c->pending == NULL) {
		log_warnx("%s: out of memory", __func__);
		if (c->cbev == NULL)
			close(fd);
		conn_free(c);
		return;
	}
	(void)hint;
	proxy_conn_count(px, 1);
	c->counted = true;
	bufferevent_setcb(c->cbev, conn_cread, conn_cwrite, conn_cevent, c);
	bufferevent_setwatermark(c->cbev, EV_READ, 0, CONN_READ_HIGH);
	bufferevent_enable(c->cbev, EV_READ | EV_WRITE);
	conn_arm_timer(c, px->hdr_timeout);
}

void
conn_free(struct conn *c)
{
	conn_dial_end(c);
	if (c->cbev)
		bufferevent_free(c->cbev);
	if (c->ubev)
		bufferevent_free(c->ubev);
	if (c->timer)
		event_free(c->timer);
	if (c->pending)
		evbuffer_free(c->pending);
	if (c->replay)
		evbuffer_free(c->replay);
	if (c->counted)
		proxy_conn_count(c->px, -1);
	if (c->pol)
		policy_unref(c->pol);
	free(c);
}

/* Stop reading; free the connection once the client has its answer. */
void
conn_close_after_flush(struct conn *c)
{
	c->state = CS_CLOSING;
	conn_dial_end(c);
	if (c->ubev) {
		bufferevent_free(c->ubev);
		c->ubev = NULL;
	}
	bufferevent_disable(c->cbev, EV_READ);
	bufferevent_setwatermark(c->cbev, EV_WRITE, 0, 0);
	conn_arm_timer(c, c->px->hdr_timeout);
	bufferevent_trigger(c->cbev, EV_WRITE,
	    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
}

void
conn_write(struct conn *c, const void *p, size_t n)
{
	bufferevent_write(c->cbev, p, n);
}

static void
conn_sniff(struct conn *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->cbev);
	unsigned char	 b;
	static const unsigned char socks4_reject[8] = { 0x00, 0x5b };

	if (evbuffer_copyout(in, &b, 1) != 1)
		return;
	if (b == 0x05) {
		c->kind = CK_SOCKS;
		c->state = CS_SOCKS_GREET;
		if (c->pol->s.net.socks_proxy_port > 0) {
			conn_forward(c, c->pol->s.net.socks_proxy_port);
			return;
		}
		socks_client_read(c);
	} else if (b == 0x04) {
		/* SOCKS4/4a carries no address type we check well; refuse. */
		conn_write(c, socks4_reject, sizeof(socks4_reject));
		conn_close_after_flush(c);
	} else {
		c->state = CS_HTTP_HEAD;
		if (c->pol->s.net.http_proxy_port > 0) {
			conn_forward(c, c->pol->s.net.http_proxy_port);
			return;
		}
		http_client_read(c);
	}
}

static void
conn_cread(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	switch (c->state) {
	case CS_SNIFF:
		conn_sniff(c);
		break;
	case CS_HTTP_HEAD:
	case CS_HTTP_DIAL:
	case CS_HTTP_XFER:
		http_client_read(c);
		break;
	case CS_SOCKS_GREET:
	case CS_SOCKS_AUTH:
	case CS_SOCKS_REQ:
		socks_client_read(c);
		break;
	case CS_TUNNEL:
		bevtun_read(c, true);
		break;
	default:
		break;
	}
}

static void
conn_cwrite(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->state == CS_CLOSING) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			conn_free(c);
		return;
	}
	if (c->state == CS_TUNNEL) {
		bevtun_written(c, true);
		return;
	}
	/* Client caught up: resume reading the upstream. */
	if (c->ubev && c->state == CS_HTTP_XFER)
		bufferevent_enable(c->ubev, EV_READ);
}

static void
conn_cevent(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	if (c->state == CS_TUNNEL) {
		bevtun_end(c, true);
		return;
	}
	if (c->state == CS_HTTP_XFER && (what & BEV_EVENT_EOF) &&
	    !(what & BEV_EVENT_ERROR)) {
		http_client_eof(c);
		return;
	}
	if (c->state == CS_HTTP_DIAL && (what & BEV_EVENT_EOF) &&
	    !(what & BEV_EVENT_ERROR)) {
		c->client_eof = true;
		return;
	}
	conn_free(c);
}

static void
conn_uread(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->state == CS_TUNNEL)
		bevtun_read(c, false);
	else if (c->state == CS_HTTP_XFER) {
		/* A byte of the response: the request is not replayed. */
		c->replay_ok = false;
		http_upstream_read(c);
	} else if (c->mitm_head) {
		if (http_mitm_read(c))
			conn_tunnel_ready(c);
	} else if (c->state == CS_HTTP_HEAD) {
		/* An idle kept-alive upstream may not speak first. */
		bufferevent_free(c->ubev);
		c->ubev = NULL;
	}
}

static void
conn_uwrite(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->state == CS_TUNNEL)
		bevtun_written(c, false);
	else if (c->state == CS_HTTP_XFER && !c->client_eof)
		bufferevent_enable(c->cbev, EV_READ);
}

static void
conn_uevent(struct bufferevent *bev, short what, void *arg)
{
	struct conn	*c = arg;
	int		 err = errno;
	bool		 tls;

	if (what & BEV_EVENT_CONNECTED) {
		if (c->via_parent != NULL && c->via_parent->tls &&
		    !tls_bev(bev)) {
			conn_dial_tls(c, bev);
			return;
		}
		bufferevent_set_timeouts(bev, NULL, NULL);
		conn_dialled(c, bev);
		return;
	}
	if (c->dialling) {
		tls = tls_bev(bev);
		if (tls)
			tls_log_failure(c, bev, what);
		c->dial->last_errno = (what & BEV_EVENT_TIMEOUT) ? ETIMEDOUT :
		    tls ? EPROTO : (err ? err : ECONNREFUSED);
		bufferevent_free(c->ubev);
		c->ubev = NULL;
		conn_try_next(c);
		return;
	}
	if (c->state == CS_TUNNEL) {
		bevtun_end(c, false);
		return;
	}
	if (c->state == CS_HTTP_XFER) {
		if (!(what & BEV_EVENT_TIMEOUT) && http_upstream_retry(c))
			return;
		http_upstream_eof(c);
		return;
	}
	if (c->mitm_head) {
		/* The MITM or parent proxy hung up or stalled on CONNECT. */
		conn_dial_failed(c, (what & BEV_EVENT_TIMEOUT) ? ETIMEDOUT :
		    ECONNRESET, NULL);
		return;
	}
	/* A kept-alive upstream went away between requests. */
	bufferevent_free(c->ubev);
	c->ubev = NULL;
	c->uhost[0] = '\0';
}

/* TCP to an https:// parent is up: the handshake next, on this address. */
static void
conn_dial_tls(struct conn *c, struct bufferevent *tcp)
{
	if ((c->ubev = tls_wrap(c, tcp)) == NULL) {
		log_warnx("parent proxy %s:%d: cannot start TLS",
		    c->via_parent->host, c->via_parent->port);
		c->dial->last_errno = ENOMEM;
		conn_try_next(c);
		return;
	}
	bufferevent_setcb(c->ubev, conn_uread, conn_uwrite, conn_uevent, c);
	bufferevent_enable(c->ubev, EV_READ | EV_WRITE);
}

/* A socket for dialling addr, made here rather than by libevent so that
 * a loopback upstream is unpaced before it connects (libcommon/tcpcc.c). */
static int
conn_dial_socket(const struct sockaddr_storage *addr, socklen_t len)
{
	int	fd;

	fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (sa_is_loopback((const struct sockaddr *)addr, len))
		tcp_unpaced(fd);
	/* From the first byte: a TLS handshake to a parent is small
	 * messages that Nagle would hold for the peer's delayed ACK. */
	if (addr->ss_family != AF_UNIX)
		conn_nodelay(fd);
	return fd;
}

/* Dial the next surviving address, or report the last failure. */
static void
conn_try_next(struct conn *c)
{
	struct timeval	 tv = { PROXY_CONNECT_TIMEOUT, 0 };
	struct dial	*d = c->dial;
	int		 i, fd;

	while (d->next < d->n) {
		i = d->next++;
		if ((fd = conn_dial_socket(&d->addr[i], d->alen[i])) == -1) {
			d->last_errno = errno;
			if ((errno == EMFILE || errno == ENFILE) &&
			    conn_dial_park(c)) {
				d->next = i;
				return;
			}
			continue;
		}
		c->ubev = bufferevent_socket_new(c->px->base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
		if (c->ubev == NULL) {
			close(fd);
			d->last_errno = ENOMEM;
			continue;
		}
		bufferevent_setcb(c->ubev, conn_uread, conn_uwrite,
		    conn_uevent, c);
		bufferevent_set_timeouts(c->ubev, NULL, &tv);
		c->dialling = true;
		if (bufferevent_socket_connect(c->ubev,
		    (struct sockaddr *)&d->addr[i], d->alen[i]) == 0)
			return;
		d->last_errno = errno;
		bufferevent_free(c->ubev);
		c->ubev = NULL;
		if ((d->last_errno == EMFILE || d->last_errno == ENFILE) &&
		    conn_dial_park(c)) {
			d->next = i;	/* this address again, later */
			return;
		}
	}
	c->dialling = false;
	conn_dial_failed(c, d->last_errno ? d->last_errno : EHOSTUNREACH,
	    NULL);
}

/*
 * A fresh, empty address list for a dial that is starting; NULL when out
 * of memory.  A list left from an earlier dial (and its lookup) goes.
 */
struct dial *
conn_dial_new(struct conn *c)
{
	conn_dial_end(c);
	c->dial = calloc(1, sizeof(*c->dial));
	if (c->dial == NULL)
		log_warn("%s", __func__);
	return c->dial;
}

/* The dial is over (connected, failed or abandoned): drop its list. */
void
conn_dial_end(struct conn *c)
{
	resolve_cancel(c);
	if (c->dial != NULL && c->dial->parked)
		TAILQ_REMOVE(&c->px->parked, c->dial, park);
	free(c->dial);
	c->dial = NULL;
}

/*
 * No descriptor for the upstream's socket: the dial waits for one (a
 * connection ending, or the retry timer; srt-proxy.c) rather than
 * failing a client the proxy took in while there was room, for up to
 * the connect timeout.  New clients wait meanwhile.
 */
static bool
conn_dial_park(struct conn *c)
{
	struct dial	*d = c->dial;
	struct timeval	 now;

	event_base_gettimeofday_cached(c->px->base, &now);
	if (d->parked_at == 0)
		d->parked_at = now.tv_sec;
	else if (now.tv_sec - d->parked_at >= PROXY_CONNECT_TIMEOUT)
		return false;
	d->c = c;
	d->parked = true;
	c->dialling = true;
	TAILQ_INSERT_TAIL(&c->px->parked, d, park);
	proxy_fd_starve(c->px);
	return true;
}

/* Descriptors were freed: the waiting dials try again, oldest first;
 * one that still finds none waits again at the back. */
void
conn_dial_unpark(struct proxy *px)
{
	struct dial	*d;
	int		 n = 0;

	TAILQ_FOREACH(d, &px->parked, park)
		n++;
	while (n-- > 0 && (d = TAILQ_FIRST(&px->parked)) != NULL) {
		TAILQ_REMOVE(&px->parked, d, park);
		d->parked = false;
		conn_try_next(d->c);
	}
}

/* Resolution finished: addresses are in c->dial. */
void
conn_start_dial(struct conn *c)
{
	c->dial->next = 0;
	c->dial->last_errno = 0;
	conn_try_next(c);
}

void
conn_dialled(struct conn *c, struct bufferevent *bev)
{
	c->dialling = false;
	conn_dial_end(c);
	strlcpy(c->uhost, c->host, sizeof(c->uhost));
	c->uport = c->port;
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	switch (c->kind) {
	case CK_HTTP:
		http_upstream_ready(c);
		break;
	case CK_CONNECT:
	case CK_SOCKS:
		if (c->via_mitm || c->via_parent != NULL)
			http_mitm_connect(c);
		else
			conn_tunnel_ready(c);
		break;
	case CK_FORWARD:
		conn_to_tunnel(c, NULL, 0);
		break;
	}
}

/* The upstream leg is up: answer the client and start relaying. */
void
conn_tunnel_ready(struct conn *c)
{
	const char	*ok;
	size_t		 n;

	if (c->kind == CK_SOCKS) {
		socks_upstream_ready(c);
		return;
	}
	ok = http_connect_ok(&n);
	conn_to_tunnel(c, ok, n);
}

/* Resolution or every dial failed; reason is set for a policy refusal. */
void
conn_dial_failed(struct conn *c, int err, const char *reason)
{
	c->dialling = false;
	conn_dial_end(c);
	switch (c->kind) {
	case CK_HTTP:
	case CK_CONNECT:
		http_dial_failed(c, err, reason);
		break;
	case CK_SOCKS:
		socks_dial_failed(c, err, reason);
		break;
	case CK_FORWARD:
		log_warnx("cannot reach the configured proxy: %s",
		    strerror(err));
		conn_free(c);
		break;
	}
}

/*
 * Hand both sockets to the relay.  Bytes already read from either side
 * (pipelined after CONNECT, or a server that spoke first) go with them,
 * as does the answer the client has not been sent yet, so nothing is
 * lost when the bufferevents go away.
 */
void
conn_to_tunnel(struct conn *c, const char *answer, size_t alen)
{
	struct evbuffer	*cin = bufferevent_get_input(c->cbev);
	struct evbuffer	*uin = bufferevent_get_input(c->ubev);
	struct evbuffer	*cout = bufferevent_get_output(c->cbev);
	size_t		 nc, nu;
	int		 cfd, ufd;

	if (tls_bev(c->ubev)) {
		bevtun_start(c, answer, alen);
		return;
	}
	if (answer)
		evbuffer_add(cout, answer, alen);
	evbuffer_add_buffer(cout, uin);
	nc = evbuffer_get_length(cin);
	nu = evbuffer_get_length(cout);
	/* The sockets move to the relay as they are, not dup'ed: at the
	 * descriptor limit a dup would fail and lose the client. */
	cfd = bufferevent_getfd(c->cbev);
	ufd = bufferevent_getfd(c->ubev);
	bufferevent_setfd(c->cbev, -1);
	bufferevent_setfd(c->ubev, -1);
	if (relay_start(c->px, cfd, ufd, evbuffer_pullup(cin, nc), nc,
	    evbuffer_pullup(cout, nu), nu) == -1)
		log_warn("%s: cannot start the tunnel", __func__);
	conn_free(c);
}

/* Pass the client's bytes unchanged to the user's own proxy. */
void
conn_forward(struct conn *c, int port)
{
	struct sockaddr_in	*sin;

	c->kind = CK_FORWARD;
	c->state = CS_HTTP_DIAL;
	bufferevent_disable(c->cbev, EV_READ);
	conn_arm_timer(c, 0);
	if (conn_dial_new(c) == NULL) {
		conn_dial_failed(c, ENOMEM, NULL);
		return;
	}
	sin = (struct sockaddr_in *)&c->dial->addr[0];
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->dial->alen[0] = sizeof(*sin);
	c->dial->n = 1;
	conn_start_dial(c);
}

/* Keep at most CONN_OUT_HIGH queued towards a slow reader. */
void
conn_backpressure(struct conn *c)
{
	if (c->ubev && evbuffer_get_length(bufferevent_get_output(c->cbev)) >
	    CONN_OUT_HIGH) {
		bufferevent_disable(c->ubev, EV_READ);
		bufferevent_setwatermark(c->cbev, EV_WRITE, CONN_OUT_HIGH / 4,
		    0);
	}
	if (c->ubev && evbuffer_get_length(bufferevent_get_output(c->ubev)) >
	    CONN_OUT_HIGH) {
		bufferevent_disable(c->cbev, EV_READ);
		bufferevent_setwatermark(c->ubev, EV_WRITE, CONN_OUT_HIGH / 4,
		    0);
	}
}

/*
 * Which way an allowed destination is reached, decided on the name the
 * policy allowed: a MITM proxy's socket for its domains, else the parent
 * proxy unless noProxy (or loopback) bypasses it, else directly.  A
 * tunnel (CONNECT, SOCKS) uses the https parent, a plain request the
 * http one, as the reference does.
 */
void
conn_route_pick(struct conn *c, bool tunnel)
{
	c->via_mitm = policy_mitm(c->pol, c->host, c->port);
	c->via_parent = c->via_mitm ? NULL :
	    parent_select(&c->pol->parent, c->host, tunnel);
}

void
conn_route_dial(struct conn *c)
{
	if (c->via_mitm)
		http_route_mitm(c);
	else if (c->via_parent != NULL)
		resolve_parent(c);
	else
		resolve_start(c);
}

void
conn_route(struct conn *c, bool tunnel)
{
	conn_route_pick(c, tunnel);
	conn_route_dial(c);
}
