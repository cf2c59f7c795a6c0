/*
 * Service mode (-P): the launcher's channel on fd 3 (hello, policy,
 * updates, shutdown), the bridge's on fd 5 (accepted client sockets,
 * tagged with the sandbox id), the monitor's on fd 4 when it is open.
 * Threat model: the launcher is trusted but its messages are still
 * checked (a mixed install is a real risk); the bridge runs inside the
 * sandbox, so everything it sends is hostile: a message of the wrong
 * size, a client without a descriptor or an unknown type ends the
 * channel, never the proxy's other clients.  EOF from the launcher ends
 * the proxy: a dead launcher takes its helpers down.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "libcommon/log.h"
#include "libcommon/proto.h"
#include "srt-proxy/proxy.h"

#define MON_MAX_QUEUE	4096
#define MON_FLUSH_MS	1000	/* at exit, for the last events */

static bool	ctl_hello, bridge_hello;
static uint64_t	mon_dropped;

static void
service_hello(struct imsgbuf *ib)
{
	struct srt_hello h = { SRT_PROTO_VERSION, SRT_ROLE_PROXY };

	if (imsg_compose(ib, IMSG_HELLO, 0, getpid(), -1, &h,
	    sizeof(h)) == -1 || imsgbuf_flush(ib) == -1) {
		/* The command may have run and ended already (it starts
		 * without waiting for us): a closed peer is no news. */
		if (errno == EPIPE || errno == ECONNRESET)
			log_debug("%s: fd %d: peer gone", __func__, ib->fd);
		else
			log_warn("%s: cannot greet fd %d", __func__, ib->fd);
	}
}

static int
service_check_hello(struct imsg *imsg)
{
	struct srt_hello	h;

	if (imsg_get_data(imsg, &h, sizeof(h)) == -1) {
		log_warnx("malformed hello");
		return -1;
	}
	if (h.version != SRT_PROTO_VERSION) {
		log_warnx("peer speaks protocol %u, we speak %u", h.version,
		    SRT_PROTO_VERSION);
		return -1;
	}
	return 0;
}

/*
 * The bridge channel is read only once the first policy is applied: the
 * launcher starts the command without waiting for us, so a client that
 * came early waits in the bridge's queue instead of meeting no policy.
 */
static bool	bridge_armed, bridge_closed;

static void
service_bridge_arm(struct proxy *px)
{
	if (bridge_armed || px->bridge_ev == NULL)
		return;
	bridge_armed = true;
	/* Out of descriptors: the resume (srt-proxy.c) adds it. */
	if (!px->starved && event_add(px->bridge_ev, NULL) == -1)
		fatalx("cannot watch the bridge channel");
}

/* Stop or resume reading the bridge for descriptor headroom: clients
 * not read wait in the channel's socket, descriptors and all. */
void
service_bridge_hold(struct proxy *px, bool hold)
{
	if (px->bridge_ev == NULL || !bridge_armed || bridge_closed)
		return;
	if (hold)
		event_del(px->bridge_ev);
	else if (event_add(px->bridge_ev, NULL) == -1)
		fatalx("cannot watch the bridge channel");
}

static void
service_policy(struct proxy *px, struct imsg *imsg)
{
	char	why[512];

	if (imsg->datalen == 0 || policy_load_buf(px, imsg->data,
	    imsg->datalen, why, sizeof(why)) == -1) {
		if (imsg->datalen == 0)
			strlcpy(why, "empty policy", sizeof(why));
		log_warnx("policy refused: %s", why);
		imsg_compose(&px->ctl, IMSG_POLICY_BAD, 0, getpid(), -1, why,
		    strlen(why));
	} else if (proxy_confine(px) == -1) {
		fatalx_status(125, "cannot confine the proxy");
	} else {
		log_debug("policy applied");
		service_bridge_arm(px);
		imsg_compose(&px->ctl, IMSG_POLICY_OK, 0, getpid(), -1, NULL,
		    0);
	}
	if (imsgbuf_flush(&px->ctl) == -1)
		fatal("control channel");
}

static void
service_ctl_cb(evutil_socket_t fd, short what, void *arg)
{
	struct proxy	*px = arg;
	struct imsg	 imsg;
	ssize_t		 n;
	int		 r;

	n = imsgbuf_read(&px->ctl);
	if (n == 0) {
		log_debug("launcher closed the control channel");
		/* main() frees what it set up and exits 0. */
		event_base_loopbreak(px->base);
		return;
	}
	if (n == -1 && errno != EAGAIN && errno != EINTR)
		fatal("control channel");
	while ((r = imsg_get(&px->ctl, &imsg)) == 1) {
		switch (imsg.hdr.type) {
		case IMSG_HELLO:
			if (service_check_hello(&imsg) == -1)
				fatalx_status(125, "launcher hello refused");
			ctl_hello = true;
			break;
		case IMSG_POLICY:
			if (!ctl_hello)
				fatalx("policy before hello");
			service_policy(px, &imsg);
			break;
		case IMSG_SHUTDOWN:
			proxy_drain(px);
			break;
		default:
			fatalx("unexpected message %u on the control channel",
			    imsg.hdr.type);
		}
		imsg_free(&imsg);
	}
	if (r == -1)
		fatalx("protocol error on the control channel");
}

static void
service_bridge_gone(struct proxy *px, const char *why)
{
	/* The sandbox ending closes (or resets) it: only a bridge that
	 * breaks the protocol is news. */
	if (strcmp(why, "protocol error") != 0)
		log_debug("bridge channel: %s", why);
	else
		log_warnx("bridge channel: %s; no more sandboxed clients",
		    why);
	event_del(px->bridge_ev);
	bridge_closed = true;
	imsgbuf_clear(&px->bridge);
	close(px->bridge.fd);
}

static bool
service_client(struct proxy *px, struct imsg *imsg)
{
	struct srt_client	cl;
	int			fd;

	if (imsg->fd_lost) {
		/* Only that client is lost (the bridge closed its copy, so
		 * it sees the connection end); the channel goes on. */
		log_warnx("a client's socket was lost in transit: no "
		    "descriptor was free to receive it");
		return imsg_get_data(imsg, &cl, sizeof(cl)) == 0;
	}
	fd = imsg_get_fd(imsg);
	if (fd == -1 || imsg_get_data(imsg, &cl, sizeof(cl)) == -1 ||
	    (cl.listener != SRT_LISTEN_HTTP && cl.listener != SRT_LISTEN_SOCKS)) {
		if (fd != -1)
			close(fd);
		return false;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	conn_accept(px, fd, imsg->hdr.peerid, (int)cl.listener);
	return true;
}

static void
service_bridge_cb(evutil_socket_t fd, short what, void *arg)
{
	struct proxy	*px = arg;
	struct imsg	 imsg;
	ssize_t		 n;
	int		 r;
	bool		 ok;

	/* One read installs at most one descriptor: a unix stream socket
	 * ends a read at a message that carries some. */
	if (!proxy_fd_room(px))
		return;
	n = imsgbuf_read(&px->bridge);
	if (n == 0) {
		service_bridge_gone(px, "closed");
		return;
	}
	if (n == -1 && errno != EAGAIN && errno != EINTR) {
		service_bridge_gone(px, strerror(errno));
		return;
	}
	while ((r = imsg_get(&px->bridge, &imsg)) == 1) {
		ok = true;
		if (imsg.hdr.type == IMSG_HELLO) {
			ok = service_check_hello(&imsg) == 0;
			bridge_hello = ok;
		} else if (imsg.hdr.type == IMSG_CLIENT && bridge_hello)
			ok = service_client(px, &imsg);
		else
			ok = false;
		imsg_free(&imsg);
		if (!ok) {
			service_bridge_gone(px, "protocol error");
			return;
		}
	}
	if (r == -1)
		service_bridge_gone(px, "protocol error");
}

static void
service_mon_cb(evutil_socket_t fd, short what, void *arg)
{
	struct proxy	*px = arg;

	if (imsgbuf_write(&px->mon) == -1) {
		log_warn("monitor channel; events are no longer sent");
		px->have_mon = false;
		event_del(px->mon_ev);
		return;
	}
	if (imsgbuf_queuelen(&px->mon) == 0)
		event_del(px->mon_ev);
}

/*
 * A standalone monitor wants our hello at once (it drops silent clients);
 * the launcher's own monitor is started only when the first byte arrives
 * on its channel, so there the hello waits for the first event.
 */
static int
service_mon_init(struct proxy *px, int fd, bool greet_now)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (imsgbuf_init(&px->mon, fd) == -1)
		return -1;
	px->mon_ev = event_new(px->base, fd, EV_WRITE | EV_PERSIST,
	    service_mon_cb, px);
	if (px->mon_ev == NULL)
		return -1;
	px->have_mon = true;
	if (greet_now) {
		service_hello(&px->mon);
		px->mon_greeted = true;
	}
	return 0;
}

/* Standalone -m: the monitor's unix socket. */
int
service_monitor_connect(struct proxy *px, const char *path)
{
	struct sockaddr_un	sun;
	int			s;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		return -1;
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_warn("connect %s", path);
		close(s);
		return -1;
	}
	return service_mon_init(px, s, true);
}

void
service_event(struct proxy *px, uint32_t peerid, const char *json)
{
	if (!px->have_mon)
		return;
	if (imsgbuf_queuelen(&px->mon) > MON_MAX_QUEUE) {
		if (mon_dropped++ % 1000 == 0)
			log_warnx("monitor is not reading; events dropped");
		return;
	}
	if (!px->mon_greeted) {
		struct srt_hello h = { SRT_PROTO_VERSION, SRT_ROLE_PROXY };

		if (imsg_compose(&px->mon, IMSG_HELLO, 0, getpid(), -1, &h,
		    sizeof(h)) == -1)
			return;
		px->mon_greeted = true;
	}
	if (imsg_compose(&px->mon, IMSG_EVENT, peerid, getpid(), -1, json,
	    strlen(json)) == -1)
		return;
	event_add(px->mon_ev, NULL);
}

static bool
fd_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

static bool
fd_socket(int fd)
{
	struct stat	st;

	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

int
service_start(struct proxy *px)
{
	if (!fd_open(PROXY_FD_CONTROL) || !fd_open(PROXY_FD_BRIDGE)) {
		log_warnx("-P needs the control channel on fd %d and the "
		    "bridge on fd %d", PROXY_FD_CONTROL, PROXY_FD_BRIDGE);
		return -1;
	}
	if (imsgbuf_init(&px->ctl, PROXY_FD_CONTROL) == -1 ||
	    imsgbuf_set_maxsize(&px->ctl, SRT_IMSG_MAX) == -1 ||
	    imsgbuf_init(&px->bridge, PROXY_FD_BRIDGE) == -1)
		return -1;
	imsgbuf_allow_fdpass(&px->bridge);
	fcntl(PROXY_FD_CONTROL, F_SETFD, FD_CLOEXEC);
	fcntl(PROXY_FD_BRIDGE, F_SETFD, FD_CLOEXEC);
	if (!px->have_mon && fd_socket(PROXY_FD_MONITOR) &&
	    service_mon_init(px, PROXY_FD_MONITOR, false) == -1)
		return -1;
	service_hello(&px->ctl);
	service_hello(&px->bridge);
	fcntl(PROXY_FD_CONTROL, F_SETFL,
	    fcntl(PROXY_FD_CONTROL, F_GETFL) | O_NONBLOCK);
	fcntl(PROXY_FD_BRIDGE, F_SETFL,
	    fcntl(PROXY_FD_BRIDGE, F_GETFL) | O_NONBLOCK);
	px->ctl_ev = event_new(px->base, PROXY_FD_CONTROL,
	    EV_READ | EV_PERSIST, service_ctl_cb, px);
	px->bridge_ev = event_new(px->base, PROXY_FD_BRIDGE,
	    EV_READ | EV_PERSIST, service_bridge_cb, px);
	if (px->ctl_ev == NULL || px->bridge_ev == NULL ||
	    event_add(px->ctl_ev, NULL) == -1)
		return -1;
	return 0;
}

/*
 * Events still queued were decided already and the monitor reads on
 * until we close: write them out, but never hang our exit on a monitor
 * that stopped reading.
 */
static void
service_mon_flush(struct proxy *px)
{
	struct pollfd	pfd = { px->mon.fd, POLLOUT, 0 };
	int		i;

	for (i = 0; i < MON_FLUSH_MS / 10; i++) {
		if (imsgbuf_write(&px->mon) == -1)
			break;
		if (imsgbuf_queuelen(&px->mon) == 0)
			return;
		if (poll(&pfd, 1, 10) == -1 && errno != EINTR)
			break;
	}
	log_debug("monitor channel: %zu last events not sent",
	    (size_t)imsgbuf_queuelen(&px->mon));
}

/* Before exit: the channels' events and queued messages. */
void
service_stop(struct proxy *px)
{
	struct event	**ev[] = { &px->ctl_ev, &px->bridge_ev, &px->mon_ev };
	size_t		  i;

	if (px->have_mon)
		service_mon_flush(px);
	for (i = 0; i < sizeof(ev) / sizeof(ev[0]); i++) {
		if (*ev[i] != NULL)
			event_free(*ev[i]);
		*ev[i] = NULL;
	}
	imsgbuf_clear(&px->ctl);
	imsgbuf_clear(&px->bridge);
	imsgbuf_clear(&px->mon);
	px->have_mon = false;
}
