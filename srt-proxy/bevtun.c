/*
 * Tunnels the relay cannot splice: those whose upstream leg is TLS (an
 * https:// parent, tls.c).  The connection keeps its two bufferevents
 * and moves whole buffers between them (no copy: evbuffer chains change
 * hands), with conn_backpressure's bound towards a slow side.
 * When either side ends, what it sent is delivered and the tunnel
 * closes: a half-close cannot be passed on through the TLS leg, and the
 * reference ends such tunnels the same way.
 */
#include <sys/types.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "libcommon/log.h"
#include "srt-proxy/proxy.h"

void
bevtun_start(struct conn *c, const char *answer, size_t alen)
{
	struct evbuffer	*cout = bufferevent_get_output(c->cbev);

	c->state = CS_TUNNEL;
	if (answer != NULL)
		evbuffer_add(cout, answer, alen);
	/* A server that spoke first, a client that pipelined. */
	evbuffer_add_buffer(cout, bufferevent_get_input(c->ubev));
	evbuffer_add_buffer(bufferevent_get_output(c->ubev),
	    bufferevent_get_input(c->cbev));
	bufferevent_set_timeouts(c->ubev, NULL, NULL);
	conn_arm_timer(c, c->px->tun_timeout);
	bufferevent_enable(c->cbev, EV_READ | EV_WRITE);
	bufferevent_enable(c->ubev, EV_READ | EV_WRITE);
}

/* Bytes arrived on from: pass them to the other side. */
void
bevtun_read(struct conn *c, bool from_client)
{
	struct bufferevent	*from = from_client ? c->cbev : c->ubev;
	struct bufferevent	*to = from_client ? c->ubev : c->cbev;

	evbuffer_add_buffer(bufferevent_get_output(to),
	    bufferevent_get_input(from));
	conn_backpressure(c);
	conn_arm_timer(c, c->px->tun_timeout);
}

/*
 * The side to_client says has written down to its low mark: read from
 * the other again, or, once the ended side's last bytes are out, close.
 */
void
bevtun_written(struct conn *c, bool to_client)
{
	struct bufferevent	*to = to_client ? c->cbev : c->ubev;

	if (c->tun_ended) {
		if (evbuffer_get_length(bufferevent_get_output(to)) == 0)
			conn_free(c);
		return;
	}
	bufferevent_enable(to_client ? c->ubev : c->cbev, EV_READ);
}

/* One side ended (or failed): flush what it sent, then close. */
void
bevtun_end(struct conn *c, bool client)
{
	struct bufferevent	*to = client ? c->ubev : c->cbev;

	if (c->tun_ended) {
		/* The side being flushed failed too: nothing left to do. */
		conn_free(c);
		return;
	}
	c->tun_ended = true;
	bufferevent_disable(c->cbev, EV_READ);
	bufferevent_disable(c->ubev, EV_READ);
	bevtun_read(c, client);
	if (evbuffer_get_length(bufferevent_get_output(to)) == 0) {
		conn_free(c);
		return;
	}
	log_debug("%s:%d: tunnel ends, flushing", c->host, c->port);
	bufferevent_setwatermark(to, EV_WRITE, 0, 0);
	conn_arm_timer(c, c->px->hdr_timeout);
}
