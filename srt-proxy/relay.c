/*
 * Established tunnels (CONNECT, SOCKS, forwarded and upgraded
 * connections): bytes move socket -> pipe -> socket with splice(2), so
 * the payload never enters user space.  Each direction is independent
 * and half-closes on its own (a client's FIN after its request still
 * gets the reply).  The pipe for a direction is made on its first byte,
 * so an idle tunnel costs two sockets and a few hundred bytes.  Where
 * splice is refused (EINVAL), that direction falls back to read/write.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "libcommon/log.h"
#include "srt-proxy/proxy.h"

#define RELAY_CHUNK	(1024 * 1024)
#define RELAY_BUFSZ	(64 * 1024)
#define RELAY_ROUNDS	16
#define RELAY_PIPESZ	(1024 * 1024)

struct tunnel;

struct half {
	struct tunnel	*t;
	int		 from, to;
	int		 pipe[2];
	size_t		 inpipe;
	char		*buf;		/* pending bytes, or the fallback */
	size_t		 bufsz, boff, blen;
	bool		 nosplice;
	bool		 eof;
	bool		 done;
	struct event	*rd, *wr;
};

struct tunnel {
	struct proxy	*px;
	int		 fd[2];
	struct half	 h[2];
	struct event	*idle;
	time_t		 last;
};

/*
 * Spare pipes, shared by every tunnel and response body: a direction
 * takes one only while it has bytes in flight (socket -> pipe -> socket)
 * and gives it back once drained, so thousands of quiet tunnels hold
 * sockets only and a descriptor limit goes to clients, not pipes.  The
 * spares keep their size, so a burst costs no pipe2/fcntl per chunk.
 * Bounded: 64 pipes of 1 MiB are also what an unprivileged user may
 * hold before the kernel shrinks new ones (fs.pipe-user-pages-soft).
 */
static int	pool[RELAY_POOL][2];
static int	npool;
static int	pool_cap = RELAY_POOL;

static void
pipe_put(int p[2], size_t inpipe)
{
	if (p[0] == -1 || inpipe > 0)
		return;
	if (npool < pool_cap) {
		pool[npool][0] = p[0];
		pool[npool][1] = p[1];
		npool++;
	} else {
		close(p[0]);
		close(p[1]);
	}
	p[0] = p[1] = -1;
}

/* -1 with errno EMFILE/ENFILE when no descriptor is left for a pipe:
 * the caller copies instead. */
static int
pipe_get(int p[2])
{
	if (npool > 0) {
		npool--;
		p[0] = pool[npool][0];
		p[1] = pool[npool][1];
		return 0;
	}
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) == -1)
		return -1;
	/* A bigger pipe moves more per splice; best effort. */
	fcntl(p[1], F_SETPIPE_SZ, RELAY_PIPESZ);
	return 0;
}

/*
 * Keep at most room spare pipes (0 to RELAY_POOL): near the descriptor
 * limit the spares go, so a client can still be accepted, including one
 * passed over the bridge's channel, where a descriptor that does not fit
 * is lost in transit.
 */
void
relay_pool_room(int room)
{
	pool_cap = room < 0 ? 0 : room > RELAY_POOL ? RELAY_POOL : room;
	while (npool > pool_cap) {
		npool--;
		close(pool[npool][0]);
		close(pool[npool][1]);
	}
}

/* Close a pipe that may still hold bytes (those are lost). */
static void
pipe_drop(int p[2], size_t inpipe)
{
	pipe_put(p, inpipe);
	if (p[0] != -1) {
		close(p[0]);
		close(p[1]);
		p[0] = p[1] = -1;
	}
}

static void
tunnel_free(struct tunnel *t)
{
	int	i;

	for (i = 0; i < 2; i++) {
		struct half *h = &t->h[i];
		if (h->rd)
			event_free(h->rd);
		if (h->wr)
			event_free(h->wr);
		pipe_drop(h->pipe, h->inpipe);
		free(h->buf);
		close(t->fd[i]);
	}
	if (t->idle)
		event_free(t->idle);
	proxy_conn_count(t->px, -1);
	free(t);
}

static void
half_wait(struct half *h, bool write)
{
	if (write) {
		event_del(h->rd);
		event_add(h->wr, NULL);
	} else {
		event_del(h->wr);
		event_add(h->rd, NULL);
	}
}

/* Write out h->buf: 1 drained, 0 would block, -1 error. */
static int
half_flush_buf(struct half *h)
{
	ssize_t	n;

	while (h->boff < h->blen) {
		n = write(h->to, h->buf + h->boff, h->blen - h->boff);
		if (n == -1)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		h->boff += n;
	}
	h->boff = h->blen = 0;
	/* A spliced direction needs no buffer once the pending bytes left:
	 * idle tunnels stay small. */
	if (!h->nosplice && h->buf != NULL) {
		free(h->buf);
		h->buf = NULL;
		h->bufsz = 0;
	}
	return 1;
}

static int
half_flush_pipe(struct half *h)
{
	ssize_t	n;

	while (h->inpipe > 0) {
		n = splice(h->pipe[0], NULL, h->to, NULL, h->inpipe,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n == -1)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		h->inpipe -= n;
	}
	return 1;
}

/* Read more from the source: 1 got some, 0 would block, -1 error;
 * end of stream sets h->eof. */
static int
half_fill(struct half *h)
{
	ssize_t	n;
	bool	copy = h->nosplice;

	/* No descriptor for a pipe: copy through h->buf this time (the
	 * pipe is empty, so order holds) and try for a pipe next time. */
	if (!copy && h->pipe[0] == -1 && pipe_get(h->pipe) == -1) {
		if (errno != EMFILE && errno != ENFILE)
			return -1;
		log_debug("no descriptor for a pipe, copying");
		copy = true;
	}
	if (!copy) {
		n = splice(h->from, NULL, h->pipe[1], NULL, RELAY_CHUNK,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n == -1 && errno == EINVAL) {
			log_debug("splice refused, copying instead");
			h->nosplice = copy = true;
		} else if (n > 0) {
			h->inpipe += n;
			return 1;
		}
	}
	if (copy) {
		if (h->bufsz < RELAY_BUFSZ) {
			char *nb = realloc(h->buf, RELAY_BUFSZ);
			if (nb == NULL)
				return -1;
			h->buf = nb;
			h->bufsz = RELAY_BUFSZ;
		}
		n = read(h->from, h->buf, RELAY_BUFSZ);
		if (n > 0) {
			h->boff = 0;
			h->blen = n;
			return 1;
		}
	}
	if (n == 0) {
		h->eof = true;
		return 1;
	}
	return errno == EAGAIN || errno == EINTR ? 0 : -1;
}

/* Move what can move now in one direction; false if the tunnel died. */
static bool
half_pump(struct half *h, bool readable)
{
	int	r, round;

	for (round = 0; round < RELAY_ROUNDS; round++) {
		if ((r = half_flush_buf(h)) != 1 ||
		    (r = half_flush_pipe(h)) != 1) {
			if (r == -1)
				return false;
			half_wait(h, true);
			return true;
		}
		if (h->eof) {
			shutdown(h->to, SHUT_WR);
			h->done = true;
			event_del(h->rd);
			event_del(h->wr);
			return true;
		}
		/* Make the pipe only once there is something to read: a
		 * tunnel that never carries a byte costs no pipe. */
		if (h->pipe[0] == -1 && !h->nosplice && !readable) {
			half_wait(h, false);
			return true;
		}
		if ((r = half_fill(h)) != 1) {
			if (r == -1)
				return false;
			pipe_put(h->pipe, h->inpipe);
			half_wait(h, false);
			return true;
		}
	}
	/* Out of rounds with bytes in hand: come back when we can write. */
	half_wait(h, h->inpipe > 0 || h->boff < h->blen);
	return true;
}

static void
half_cb(evutil_socket_t fd, short what, void *arg)
{
	struct half	*h = arg;
	struct tunnel	*t = h->t;
	struct timeval	 now;

	if (!half_pump(h, (what & EV_READ) != 0) || (t->h[0].done && t->h[1].done)) {
		tunnel_free(t);
		return;
	}
	if (t->idle) {
		event_base_gettimeofday_cached(t->px->base, &now);
		t->last = now.tv_sec;
	}
}

static void
tunnel_idle(evutil_socket_t fd, short what, void *arg)
{
	struct tunnel	*t = arg;
	struct timeval	 now;

	event_base_gettimeofday_cached(t->px->base, &now);
	if (now.tv_sec - t->last >= t->px->tun_timeout) {
		log_debug("tunnel idle for %ds, closing", t->px->tun_timeout);
		tunnel_free(t);
	}
}

static int
half_init(struct tunnel *t, int i, const void *pending, size_t n)
{
	struct half	*h = &t->h[i];

	h->t = t;
	h->from = t->fd[i];
	h->to = t->fd[1 - i];
	h->pipe[0] = h->pipe[1] = -1;
	h->nosplice = t->px->nosplice;
	h->rd = event_new(t->px->base, h->from, EV_READ | EV_PERSIST,
	    half_cb, h);
	h->wr = event_new(t->px->base, h->to, EV_WRITE | EV_PERSIST,
	    half_cb, h);
	if (h->rd == NULL || h->wr == NULL)
		return -1;
	if (n > 0) {
		if ((h->buf = malloc(n)) == NULL)
			return -1;
		memcpy(h->buf, pending, n);
		h->bufsz = h->blen = n;
	}
	return 0;
}

/*
 * Take ownership of cfd and ufd (closed on failure too).  to_up is what
 * the client already sent past its request; to_client is what the client
 * is still owed (the 200 or SOCKS reply, early upstream bytes).
 */
int
relay_start(struct proxy *px, int cfd, int ufd, const void *to_up,
    size_t nup, const void *to_client, size_t nclient)
{
	struct tunnel	*t;
	struct timeval	 tv = { px->tun_timeout, 0 }, now;
	int		 i;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		close(cfd);
		close(ufd);
		return -1;
	}
	t->px = px;
	t->fd[0] = cfd;
	t->fd[1] = ufd;
	proxy_conn_count(px, 1);
	for (i = 0; i < 2; i++)
		fcntl(t->fd[i], F_SETFL, fcntl(t->fd[i], F_GETFL) | O_NONBLOCK);
	if (half_init(t, 0, to_up, nup) == -1 ||
	    half_init(t, 1, to_client, nclient) == -1) {
		tunnel_free(t);
		return -1;
	}
	if (px->tun_timeout > 0) {
		t->idle = event_new(px->base, -1, EV_PERSIST, tunnel_idle, t);
		if (t->idle == NULL) {
			tunnel_free(t);
			return -1;
		}
		event_add(t->idle, &tv);
		event_base_gettimeofday_cached(px->base, &now);
		t->last = now.tv_sec;
	}
	for (i = 0; i < 2; i++) {
		if (t->h[i].blen > 0)
			event_add(t->h[i].wr, NULL);
		else
			event_add(t->h[i].rd, NULL);
	}
	return 0;
}

/*
 * A forwarded response's body (Content-Length or until-close framing),
 * upstream socket -> pipe -> client socket, once its head has gone out:
 * the bufferevents stand still meanwhile and get the connection back
 * when the body is complete, so keep-alive and pipelining go on as
 * before.  Only the framed byte count is ever taken from the upstream:
 * a byte past the body stays in the socket for the head parser to see.
 */
struct bodysplice {
	struct conn	*c;
	int		 from, to;
	int		 pipe[2];
	size_t		 inpipe;
	struct event	*rd, *wr;
};

static void
bodysplice_free(struct bodysplice *bs)
{
	if (bs->rd)
		event_free(bs->rd);
	if (bs->wr)
		event_free(bs->wr);
	pipe_drop(bs->pipe, bs->inpipe);
	bs->c->bsplice = NULL;
	free(bs);
}

static void
bodysplice_wait(struct bodysplice *bs, bool write)
{
	struct proxy	*px = bs->c->px;
	struct timeval	 tv = { px->idle_timeout, 0 };

	if (write) {
		event_del(bs->rd);
		event_add(bs->wr, NULL);
	} else {
		event_del(bs->wr);
		event_add(bs->rd, px->idle_timeout > 0 ? &tv : NULL);
	}
}

/* The head and early body bytes the client is still owed go first.  A
 * bufferevent keeps the front of its output frozen against draining by
 * others; it is stopped now, so we thaw it for our write. */
static int
bodysplice_flush_head(struct bodysplice *bs)
{
	struct evbuffer	*out = bufferevent_get_output(bs->c->cbev);
	int		 r = 1;

	if (evbuffer_get_length(out) == 0)
		return 1;
	evbuffer_unfreeze(out, 1);
	while (evbuffer_get_length(out) > 0)
		if (evbuffer_write(out, bs->to) == -1) {
			r = errno == EAGAIN || errno == EINTR ? 0 : -1;
			break;
		}
	evbuffer_freeze(out, 1);
	return r;
}

static int
bodysplice_flush_pipe(struct bodysplice *bs)
{
	ssize_t	n;

	while (bs->inpipe > 0) {
		n = splice(bs->pipe[0], NULL, bs->to, NULL, bs->inpipe,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n == -1)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		bs->inpipe -= n;
	}
	return 1;
}

/* Into the pipe: 1 got some, 0 would block, 2 end of stream, -1 error,
 * -2 splice refused or no descriptor for a pipe (nothing taken: the
 * bufferevents copy the rest). */
static int
bodysplice_fill(struct bodysplice *bs)
{
	struct body	*b = &bs->c->respb;
	size_t		 want = RELAY_CHUNK;
	ssize_t		 n;

	if (b->framing == HTTP_BODY_LENGTH && b->left < want)
		want = b->left;
	if (bs->pipe[0] == -1 && pipe_get(bs->pipe) == -1)
		return errno == EMFILE || errno == ENFILE ? -2 : -1;
	n = splice(bs->from, NULL, bs->pipe[1], NULL, want,
	    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (n > 0) {
		bs->inpipe += n;
		if (b->framing == HTTP_BODY_LENGTH)
			b->left -= n;
		return 1;
	}
	if (n == 0)
		return 2;
	if (errno == EINVAL)
		return -2;
	return errno == EAGAIN || errno == EINTR ? 0 : -1;
}

/* Give the connection back to the bufferevents: the body is complete,
 * ended by the upstream's close (eof), or splice was refused. */
static void
bodysplice_end(struct bodysplice *bs, bool eof)
{
	struct conn	*c = bs->c;

	bodysplice_free(bs);
	http_body_spliced(c, eof);
}

static void
bodysplice_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bodysplice	*bs = arg;
	struct conn		*c = bs->c;
	int			 r, round;

	if (what & EV_TIMEOUT) {
		log_debug("%s:%d: upstream idle in a response body", c->host,
		    c->port);
		bodysplice_end(bs, true);
		return;
	}
	for (round = 0; round < RELAY_ROUNDS; round++) {
		if ((r = bodysplice_flush_head(bs)) != 1 ||
		    (r = bodysplice_flush_pipe(bs)) != 1) {
			if (r == -1)
				goto fail;
			bodysplice_wait(bs, true);
			return;
		}
		if (c->respb.framing == HTTP_BODY_LENGTH &&
		    c->respb.left == 0) {
			bodysplice_end(bs, false);
			return;
		}
		switch (bodysplice_fill(bs)) {
		case 1:
			continue;
		case 0:
			/* Drained: a quiet body holds no pipe. */
			pipe_put(bs->pipe, bs->inpipe);
			bodysplice_wait(bs, false);
			return;
		case 2:
			bodysplice_end(bs, true);
			return;
		case -2:
			log_debug("no splice here (%s), copying instead",
			    strerror(errno));
			bodysplice_end(bs, false);
			return;
		default:
			goto fail;
		}
	}
	bodysplice_wait(bs, bs->inpipe > 0);
	return;
fail:
	log_debug("%s:%d: response body: %s", c->host, c->port,
	    strerror(errno));
	bodysplice_free(bs);
	conn_free(c);
}

/*
 * Take over the rest of c's response body; false (nothing changed) if
 * this body cannot be spliced.  The upstream's input buffer must be
 * empty: what libevent read already went out through body_move.
 */
bool
relay_body_start(struct conn *c)
{
	struct bodysplice	*bs;

	if (c->px->nosplice || c->bsplice != NULL ||
	    evbuffer_get_length(bufferevent_get_input(c->ubev)) > 0)
		return false;
	if ((bs = calloc(1, sizeof(*bs))) == NULL)
		return false;
	bs->c = c;
	bs->from = bufferevent_getfd(c->ubev);
	bs->to = bufferevent_getfd(c->cbev);
	bs->pipe[0] = bs->pipe[1] = -1;
	bs->rd = event_new(c->px->base, bs->from, EV_READ | EV_PERSIST,
	    bodysplice_cb, bs);
	bs->wr = event_new(c->px->base, bs->to, EV_WRITE | EV_PERSIST,
	    bodysplice_cb, bs);
	c->bsplice = bs;
	if (bs->rd == NULL || bs->wr == NULL) {
		bodysplice_free(bs);
		return false;
	}
	bufferevent_disable(c->ubev, EV_READ | EV_WRITE);
	bufferevent_disable(c->cbev, EV_READ | EV_WRITE);
	log_debug("%s:%d: response body by splice", c->host, c->port);
	/* The client's buffer first: it may already be writable. */
	bodysplice_wait(bs, true);
	return true;
}
