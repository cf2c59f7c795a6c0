/*
 * bench_upstream: a loopback HTTP/1.1 server for bench/proxy.sh that
 * serves from memory, so the proxy is what is measured.  One epoll loop:
 * "GET /bytes/N" answers N bytes, anything else a 2-byte body; keep-alive
 * throughout; idle connections cost nothing.  Prints its port on stdout.
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK	(1 << 20)

struct bconn {
	int		fd;
	char		in[4096];
	size_t		inlen;
	char		head[128];
	size_t		headlen, headoff;
	long long	left;		/* body bytes still to send */
};

static char	body[CHUNK];

static void
bconn_close(int ep, struct bconn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c);
}

/* Parse complete requests in c->in; start the next response. */
static void
bconn_request(struct bconn *c)
{
	char		*end = memmem(c->in, c->inlen, "\r\n\r\n", 4);
	long long	 n = 2;
	size_t		 used;

	if (end == NULL || c->left > 0 || c->headoff < c->headlen)
		return;
	used = end + 4 - c->in;
	if (strncmp(c->in, "GET /bytes/", 11) == 0)
		n = atoll(c->in + 11);
	c->headlen = snprintf(c->head, sizeof(c->head),
	    "HTTP/1.1 200 OK\r\nContent-Length: %lld\r\n\r\n", n);
	c->headoff = 0;
	c->left = n;
	memmove(c->in, c->in + used, c->inlen - used);
	c->inlen -= used;
}

/* Write what the socket takes: 0 done or blocked, -1 error. */
static int
bconn_send(struct bconn *c)
{
	ssize_t	w;

	for (;;) {
		if (c->headoff < c->headlen) {
			w = write(c->fd, c->head + c->headoff,
			    c->headlen - c->headoff);
			if (w <= 0)
				return errno == EAGAIN ? 0 : -1;
			c->headoff += w;
			continue;
		}
		if (c->left == 0) {
			bconn_request(c);
			if (c->left == 0 && c->headoff >= c->headlen)
				return 0;
			continue;
		}
		w = write(c->fd, c->left < 2 ? "ok" : body,
		    c->left < CHUNK ? (size_t)c->left : CHUNK);
		if (w <= 0)
			return errno == EAGAIN ? 0 : -1;
		c->left -= w;
	}
}

static void
bconn_event(int ep, struct bconn *c, unsigned ev)
{
	ssize_t	r;

	while (ev & EPOLLIN) {
		r = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
		if (r == 0 || (r < 0 && errno != EAGAIN) ||
		    c->inlen + r == sizeof(c->in)) {
			bconn_close(ep, c);
			return;
		}
		if (r < 0)
			break;
		c->inlen += r;
		bconn_request(c);
	}
	if (bconn_send(c) == -1)
		bconn_close(ep, c);
}

int
main(void)
{
	struct sockaddr_in	sin;
	struct epoll_event	ev, evs[256];
	struct rlimit		rl;
	socklen_t		sl = sizeof(sin);
	struct bconn		*c;
	int			ls, ep, n, i, fd, on = 1;

	signal(SIGPIPE, SIG_IGN);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	memset(body, 'x', sizeof(body));
	ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(ls, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(ls, 4096) == -1) {
		perror("bench_upstream");
		return 1;
	}
	getsockname(ls, (struct sockaddr *)&sin, &sl);
	printf("%d\n", ntohs(sin.sin_port));
	fflush(stdout);
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
	for (;;) {
		n = epoll_wait(ep, evs, 256, -1);
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr != NULL) {
				bconn_event(ep, evs[i].data.ptr, evs[i].events);
				continue;
			}
			while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) !=
			    -1) {
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
				    sizeof(on));
				if ((c = calloc(1, sizeof(*c))) == NULL) {
					close(fd);
					continue;
				}
				c->fd = fd;
				ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
				ev.data.ptr = c;
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
			}
		}
	}
}
