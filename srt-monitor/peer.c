/*
 * Peers: the launcher and proxy channels of service mode, and every
 * client of the standalone socket.  Threat model: a standalone client can
 * be any local user who can reach the socket, and a proxy channel carries
 * text shaped partly by the sandboxed program (host names, paths).  So
 * each message is checked by type and length before use, a peer that
 * breaks the protocol is dropped on its own (the others go on), and a
 * peer cannot make us queue without bound: its replies are capped and a
 * peer that does not read them is dropped.  No descriptor passing.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libcommon/log.h"
#include "srt-monitor/srt-monitor.h"

#define PEER_MAX_REPLIES	64

static void	peer_cb(int, short, void *);

struct peer *
peer_add(struct monitor *mon, int fd, uint32_t want_role, int control,
    const char *name)
{
	struct peer	*p;
	int		 fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1) {
		log_warn("%s: %s", __func__, name);
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warn("%s", __func__);
		return NULL;
	}
	p->mon = mon;
	imsgbuf_init(&p->ib, fd);
	if (imsgbuf_set_maxsize(&p->ib, SRT_IMSG_MAX) == -1)
		fatal("%s", __func__);
	p->want_role = want_role;
	p->control = control;
	strlcpy(p->name, name, sizeof(p->name));
	TAILQ_INSERT_TAIL(&mon->peers, p, entry);
	mon->npeers++;
	return p;
}

static void
peer_update(struct peer *p)
{
	short	want = EV_READ | EV_PERSIST;

	if (imsgbuf_queuelen(&p->ib) > 0 && !p->write_dead)
		want |= EV_WRITE;
	if (want == p->evflags)
		return;
	if (p->evflags != 0)
		event_del(&p->ev);
	event_assign(&p->ev, p->mon->base, p->ib.fd, want, peer_cb, p);
	if (event_add(&p->ev, NULL) == -1)
		fatal("%s: event_add", __func__);
	p->evflags = want;
}

static void
peer_hello_timeout(int fd, short what, void *arg)
{
	struct peer	*p = arg;

	p->hello_armed = 0;
	log_debug("%s: no IMSG_HELLO in %d seconds", p->name,
	    MONITOR_HELLO_SEC);
	peer_free(p);
}

/*
 * Standalone clients have a deadline for their HELLO, so that idle
 * connections cannot hold every slot.
 */
void
peer_start(struct peer *p)
{
	struct timeval	tv = { MONITOR_HELLO_SEC, 0 };

	if (!p->mon->service && p->role == 0) {
		evtimer_assign(&p->hello_timer, p->mon->base,
		    peer_hello_timeout, p);
		evtimer_add(&p->hello_timer, &tv);
		p->hello_armed = 1;
	}
	peer_update(p);
}

static void
peer_hello_done(struct peer *p)
{
	if (p->hello_armed)
		evtimer_del(&p->hello_timer);
	p->hello_armed = 0;
}

void
peer_free(struct peer *p)
{
	struct monitor	*mon = p->mon;

	if (p->evflags != 0)
		event_del(&p->ev);
	peer_hello_done(p);
	TAILQ_REMOVE(&mon->peers, p, entry);
	mon->npeers--;
	if (mon->proxy == p)
		mon->proxy = NULL;
	if (mon->sandbox == p)
		mon->sandbox = NULL;
	close(p->ib.fd);
	imsgbuf_clear(&p->ib);
	ignore_free(&p->ignore);
	free(p);
}

/* The end of a peer; for the launcher channel, the end of us. */
static void
peer_lost(struct peer *p, const char *why)
{
	if (p->control) {
		monitor_exit(p->mon, why);
		if (p->evflags != 0)
			event_del(&p->ev);
		p->evflags = 0;
		return;
	}
	if (p->mon->service && strcmp(why, "closed") != 0)
		log_warnx("%s: %s", p->name, why);
	else
		log_debug("%s: %s", p->name, why);
	peer_free(p);
}

/*
 * A client may send its events and hang up without reading our answers:
 * a failed write then only ends the answers, never the reading, or its
 * last events would be lost.
 */
static int
peer_reply(struct peer *p, uint32_t type, const void *data, size_t len)
{
	if (p->write_dead)
		return 0;
	if (imsgbuf_queuelen(&p->ib) >= PEER_MAX_REPLIES)
		return -1;
	if (imsg_compose(&p->ib, type, 0, getpid(), -1, data, len) == -1)
		return -1;
	if (imsgbuf_write(&p->ib) == -1)
		p->write_dead = 1;
	return 0;
}

static const char *
peer_hello(struct peer *p, struct imsg *m)
{
	struct srt_hello	h;

	if (m->hdr.type != IMSG_HELLO)
		return "did not start with IMSG_HELLO";
	if (imsg_get_data(m, &h, sizeof(h)) == -1)
		return "bad IMSG_HELLO length";
	if (h.version != SRT_PROTO_VERSION)
		return "protocol version mismatch";
	if (h.role != SRT_ROLE_LAUNCH && h.role != SRT_ROLE_PROXY &&
	    h.role != SRT_ROLE_SANDBOX)
		return "unexpected role";
	/* The supervisor speaks only on the channel the launcher made. */
	if (h.role == SRT_ROLE_SANDBOX && p->want_role != SRT_ROLE_SANDBOX)
		return "unexpected role";
	if (p->want_role != 0 && h.role != p->want_role)
		return "unexpected role on this channel";
	p->role = h.role;
	peer_hello_done(p);
	if (p->mon->proxy != p && p->mon->sandbox != p) {
		h.version = SRT_PROTO_VERSION;
		h.role = SRT_ROLE_MONITOR;
		if (peer_reply(p, IMSG_HELLO, &h, sizeof(h)) == -1)
			return "cannot answer IMSG_HELLO";
	}
	return NULL;
}

static const char *
peer_policy(struct peer *p, struct imsg *m)
{
	struct ignore_set	set;
	char			err[512];

	if (p->role != SRT_ROLE_LAUNCH)
		return "IMSG_POLICY from a proxy";
	if (ignore_load_buf(&set, "IMSG_POLICY", m->data, m->datalen, err,
	    sizeof(err)) == -1) {
		log_warnx("%s: %s", p->name, err);
		return "bad IMSG_POLICY";
	}
	if (p->control) {
		ignore_free(&p->mon->ignore);
		p->mon->ignore = set;
		p->mon->has_policy = 1;
		monitor_policy(p->mon);
	} else {
		ignore_free(&p->ignore);
		p->ignore = set;
		p->has_policy = 1;
	}
	log_debug("%s: policy with %zu ignoreViolations entries", p->name,
	    set.n);
	return NULL;
}

static const char *
peer_event(struct peer *p, struct imsg *m)
{
	struct srt_event	ev;
	char			err[128];

	if (event_from_json(m->data, m->datalen, &ev, err,
	    sizeof(err)) == -1) {
		log_debug("%s: event: %s", p->name, err);
		return "malformed IMSG_EVENT";
	}
	/* The proxy knows the sandbox, not the command: service mode has
	 * it from the launcher (-C), for ignoreViolations and the record. */
	if (p->role == SRT_ROLE_PROXY && p->mon->service) {
		if (ev.command[0] == '\0' && p->mon->command != NULL)
			event_strtrunc(ev.command, sizeof(ev.command),
			    p->mon->command);
		if (ev.launcher_pid == 0)
			ev.launcher_pid = p->mon->launcher_pid;
	}
	monitor_event(p->mon, p, &ev);
	return NULL;
}

static const char *
peer_dispatch(struct peer *p, struct imsg *m)
{
	if (p->role == 0)
		return peer_hello(p, m);
	switch (m->hdr.type) {
	case IMSG_EVENT:
		return peer_event(p, m);
	case IMSG_POLICY:
		return peer_policy(p, m);
	case IMSG_SUMMARY_REQ:
		if (m->datalen != 0)
			return "bad IMSG_SUMMARY_REQ length";
		if (p->control)
			peer_drain(p->mon);
		if (peer_reply(p, IMSG_SUMMARY, &p->mon->sum,
		    sizeof(p->mon->sum)) == -1)
			return "does not read its replies";
		return NULL;
	case IMSG_SHUTDOWN:
		if (!p->control || m->datalen != 0)
			return "unexpected IMSG_SHUTDOWN";
		peer_drain(p->mon);
		monitor_exit(p->mon, NULL);
		return NULL;
	default:
		return "unexpected message type";
	}
}

/* One read and its messages: 1 when more may be queued, 0 when done. */
static int
peer_read_once(struct peer *p)
{
	struct imsg	 m;
	const char	*why = NULL;
	ssize_t		 n;
	int		 r;

	if ((n = imsgbuf_read(&p->ib)) == 0) {
		peer_lost(p, "closed");
		return 0;
	}
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			peer_lost(p, strerror(errno));
		return 0;
	}
	while (why == NULL && (r = imsg_get(&p->ib, &m)) == 1) {
		why = peer_dispatch(p, &m);
		imsg_free(&m);
	}
	if (why == NULL && r == -1)
		why = "bad message framing";
	if (why != NULL) {
		peer_lost(p, why);
		return 0;
	}
	return 1;
}

/*
 * The launcher asks for the summary and shuts us down once the sandbox
 * is gone, when every event its producers sent is already queued on
 * their channels: read those first, or the last ones would be lost to
 * the order in which the loop happens to wake.
 */
void
peer_drain(struct monitor *mon)
{
	int	i;

	for (i = 0; i < 4096 && mon->sandbox != NULL &&
	    mon->sandbox->evflags != 0 && peer_read_once(mon->sandbox); i++)
		;
	for (i = 0; i < 4096 && mon->proxy != NULL &&
	    mon->proxy->evflags != 0 && peer_read_once(mon->proxy); i++)
		;
}

static void
peer_cb(int fd, short what, void *arg)
{
	struct peer	*p = arg;
	struct imsg	 m;
	const char	*why = NULL;
	ssize_t		 n;
	int		 r = 0;

	if ((what & EV_WRITE) && imsgbuf_write(&p->ib) == -1)
		p->write_dead = 1;
	if (what & EV_READ) {
		n = imsgbuf_read(&p->ib);
		if (n == 0) {
			peer_lost(p, "closed");
			return;
		}
		if (n == -1 && errno != EAGAIN && errno != EINTR) {
			peer_lost(p, strerror(errno));
			return;
		}
		while (why == NULL && (r = imsg_get(&p->ib, &m)) == 1) {
			why = peer_dispatch(p, &m);
			imsg_free(&m);
		}
		if (why == NULL && r == -1)
			why = "bad message framing";
		if (why != NULL) {
			peer_lost(p, why);
			return;
		}
	}
	if (p->evflags != 0)
		peer_update(p);
}
