/*
 * "srt-bridge connect HOST PORT": the ssh ProxyCommand inside the
 * sandbox.  It opens an HTTP CONNECT tunnel through the sandbox's proxy
 * port and relays stdin to the tunnel and the tunnel to stdout, until
 * both directions have closed.  On a refusal it prints the proxy's
 * reason, so a user sees "blocked by policy" instead of ssh's "connection
 * closed by UNKNOWN".
 *
 * Threat model: the peer is the proxy (trusted) or whatever it relays
 * (untrusted), and this process runs with the command's rights anyway,
 * so the concern is only robustness: the header block is bounded, and
 * after the connect the process confines itself to stdio.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libcommon/confine.h"
#include "libcommon/log.h"
#include "srt-bridge/srt-bridge.h"

#define CONNECT_HDR_MAX		16384
#define CONNECT_BUF		65536
#define CONNECT_BODY_WAIT_MS	2000

struct connect_dir {
	int	in, out;
	char	buf[CONNECT_BUF];
	size_t	len, off;
	int	eof;		/* nothing more to read */
	int	done;		/* drained and closed downstream */
};

/* File status flags of 0, 1 and the socket, restored at exit. */
static int	connect_saved_fl[2] = { -1, -1 };

static void __attribute__((noreturn, format(printf, 1, 2)))
connect_fail(const char *fmt, ...)
{
	va_list	ap;
	char	msg[1024];

	/* One write: ssh and the monitor share this stderr, and a line in
	 * pieces interleaves with theirs. */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dprintf(STDERR_FILENO, "srt-bridge: %s\n", msg);
	exit(1);
}

/* The port of an http://host:port proxy URL; 0 when there is none. */
static int
connect_url_port(const char *url)
{
	const char	*p, *e, *errstr;
	char		 num[6];
	size_t		 n;
	long long	 port;

	if ((p = strstr(url, "://")) != NULL)
		url = p + 3;
	e = url + strcspn(url, "/?#");
	if ((p = memchr(url, '@', (size_t)(e - url))) != NULL)
		url = p + 1;
	if (*url == '[') {
		if ((p = memchr(url, ']', (size_t)(e - url))) == NULL)
			return 0;
		url = p + 1;
	}
	if ((p = memchr(url, ':', (size_t)(e - url))) == NULL)
		return 0;
	n = (size_t)(e - (p + 1));
	if (n == 0 || n >= sizeof(num))
		return 0;
	memcpy(num, p + 1, n);
	num[n] = '\0';
	port = strtonum(num, 1, 65535, &errstr);
	return errstr == NULL ? (int)port : 0;
}

static int
connect_proxy_port(const char *opt)
{
	const char	*env;
	int		 port;

	if (opt != NULL)
		return (int)strtonum(opt, 1, 65535, NULL);
	if ((env = getenv("HTTP_PROXY")) == NULL || *env == '\0')
		env = getenv("http_proxy");
	if (env != NULL && *env != '\0') {
		if ((port = connect_url_port(env)) == 0)
			connect_fail("no port in the proxy URL \"%s\"", env);
		return port;
	}
	return BRIDGE_HTTP_PORT;
}

/* Host names, IPv4 and IPv6 literals; never a space, CR or LF. */
static int
connect_host_ok(const char *h)
{
	size_t	i, n = strlen(h);

	if (n == 0 || n > 255)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)h[i]) &&
		    strchr(".-_:[]%", h[i]) == NULL)
			return 0;
	return 1;
}

static int
connect_dial(int port)
{
	struct sockaddr_in	sin;
	int			s;

	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		connect_fail("socket: %s", strerror(errno));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		connect_fail("cannot reach the sandbox proxy at "
		    "127.0.0.1:%d: %s", port, strerror(errno));
	return s;
}

static void
connect_write_all(int fd, const char *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			connect_fail("writing to the proxy: %s",
			    strerror(errno));
		}
		p += w;
		n -= (size_t)w;
	}
}

/*
 * Read until the end of the header block; returns its length (through
 * the blank line) and leaves *got bytes in buf, which may include the
 * first bytes of the tunnel or of a refusal body.
 */
static size_t
connect_read_header(int s, char *buf, size_t *got)
{
	char	*end;
	ssize_t	 n;

	*got = 0;
	for (;;) {
		n = read(s, buf + *got, CONNECT_HDR_MAX - 1 - *got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			connect_fail("reading the proxy's answer: %s",
			    strerror(errno));
		if (n == 0)
			connect_fail("the proxy closed the connection before "
			    "answering");
		*got += (size_t)n;
		buf[*got] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) != NULL)
			return (size_t)(end - buf) + 4;
		if ((end = strstr(buf, "\n\n")) != NULL)
			return (size_t)(end - buf) + 2;
		if (*got == CONNECT_HDR_MAX - 1)
			connect_fail("the proxy's answer header exceeds %d "
			    "bytes", CONNECT_HDR_MAX);
	}
}

/* Copy printable characters of the first line of s (up to n bytes). */
static void
connect_line(char *dst, size_t dstsz, const char *s, size_t n)
{
	size_t	i, j = 0;

	while (n > 0 && (*s == '\r' || *s == '\n' || *s == ' ')) {
		s++;
		n--;
	}
	for (i = 0; i < n && s[i] != '\r' && s[i] != '\n' && j + 1 < dstsz;
	    i++)
		dst[j++] = isprint((unsigned char)s[i]) ? s[i] : '?';
	dst[j] = '\0';
}

/* A refusal's body: what already came, plus a short wait for more. */
static size_t
connect_read_body(int s, char *buf, size_t have, size_t cap)
{
	struct pollfd	pfd;
	ssize_t		n;

	pfd.fd = s;
	pfd.events = POLLIN;
	while (have < cap && memchr(buf, '\n', have) == NULL &&
	    poll(&pfd, 1, CONNECT_BODY_WAIT_MS) == 1) {
		if ((n = read(s, buf + have, cap - have)) <= 0)
			break;
		have += (size_t)n;
	}
	return have;
}

static void __attribute__((noreturn))
connect_refused(int s, const char *target, char *buf, size_t hlen,
    size_t got)
{
	char		 phrase[256], body[256];
	const char	*p;
	int		 code = 0;

	phrase[0] = body[0] = '\0';
	if (strncmp(buf, "HTTP/", 5) == 0 && (p = strchr(buf, ' ')) != NULL) {
		code = atoi(p + 1);
		p += strspn(p, " ");
		p += strspn(p, "0123456789");
		connect_line(phrase, sizeof(phrase), p,
		    hlen - (size_t)(p - buf));
	}
	got = connect_read_body(s, buf + hlen, got - hlen,
	    CONNECT_HDR_MAX - 1 - hlen);
	connect_line(body, sizeof(body), buf + hlen, got);
	if (phrase[0] != '\0')
		connect_fail("proxy refused %s: %s (HTTP %d)", target, phrase,
		    code);
	if (body[0] != '\0')
		connect_fail("proxy refused %s: %s (HTTP %d)", target, body,
		    code);
	connect_fail("proxy refused %s: HTTP %d", target, code);
}

static void
connect_restore(void)
{
	if (connect_saved_fl[0] != -1)
		fcntl(STDIN_FILENO, F_SETFL, connect_saved_fl[0]);
	if (connect_saved_fl[1] != -1)
		fcntl(STDOUT_FILENO, F_SETFL, connect_saved_fl[1]);
}

static void
connect_nonblock(int s)
{
	int	i, fl;

	for (i = 0; i < 2; i++) {
		if ((fl = fcntl(i, F_GETFL)) == -1)
			connect_fail("fd %d: %s", i, strerror(errno));
		connect_saved_fl[i] = fl;
		fcntl(i, F_SETFL, fl | O_NONBLOCK);
	}
	atexit(connect_restore);
	if ((fl = fcntl(s, F_GETFL)) == -1 ||
	    fcntl(s, F_SETFL, fl | O_NONBLOCK) == -1)
		connect_fail("socket: %s", strerror(errno));
}

/* Read into an empty buffer; EOF or a read error ends the direction. */
static void
connect_fill(struct connect_dir *d)
{
	ssize_t	n;

	n = read(d->in, d->buf, sizeof(d->buf));
	if (n > 0) {
		d->len = (size_t)n;
		d->off = 0;
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		if (n == -1)
			log_debug("read fd %d: %s", d->in, strerror(errno));
		d->eof = 1;
	}
}

static void
connect_drain(struct connect_dir *d)
{
	ssize_t	n;

	n = write(d->out, d->buf + d->off, d->len - d->off);
	if (n > 0) {
		d->off += (size_t)n;
		if (d->off == d->len)
			d->len = d->off = 0;
	} else if (n == -1 && errno != EAGAIN && errno != EINTR) {
		/* Nobody to deliver to: drop the rest of this direction. */
		log_debug("write fd %d: %s", d->out, strerror(errno));
		d->len = d->off = 0;
		d->eof = 1;
	}
}

/* Half-close: stdin's EOF becomes the tunnel's FIN, the tunnel's ours. */
static void
connect_finish(struct connect_dir *d, int s)
{
	if (d->done || !d->eof || d->len > 0)
		return;
	d->done = 1;
	if (d->out == s)
		shutdown(s, SHUT_WR);
	else
		close(d->out);
}

static void
connect_relay(int s, const char *early, size_t nearly)
{
	static struct connect_dir	 up, down;
	struct connect_dir		*dirs[2] = { &up, &down };
	struct pollfd			 pfd[4];
	nfds_t				 n;
	int				 i;

	up.in = STDIN_FILENO;
	up.out = s;
	down.in = s;
	down.out = STDOUT_FILENO;
	memcpy(down.buf, early, nearly);
	down.len = nearly;
	while (!up.done || !down.done) {
		n = 0;
		for (i = 0; i < 2; i++) {
			if (!dirs[i]->eof && dirs[i]->len == 0) {
				pfd[n].fd = dirs[i]->in;
				pfd[n++].events = POLLIN;
			}
			if (dirs[i]->len > 0) {
				pfd[n].fd = dirs[i]->out;
				pfd[n++].events = POLLOUT;
			}
		}
		if (n > 0 && poll(pfd, n, -1) == -1 && errno != EINTR)
			connect_fail("poll: %s", strerror(errno));
		for (i = 0; i < 2; i++) {
			if (dirs[i]->len > 0)
				connect_drain(dirs[i]);
			else if (!dirs[i]->eof)
				connect_fill(dirs[i]);
			connect_finish(dirs[i], s);
		}
	}
}

int
connect_main(const char *proxyport, const char *host, const char *port)
{
	static char	 buf[CONNECT_HDR_MAX];
	char		 target[300], req[700];
	const char	*errstr;
	size_t		 hlen, got;
	int		 s, pport, code;

	if (!connect_host_ok(host))
		connect_fail("\"%s\" is not a host name or address", host);
	strtonum(port, 1, 65535, &errstr);
	if (errstr != NULL)
		connect_fail("port \"%s\" is %s (expected 1 to 65535)", port,
		    errstr);
	if (strchr(host, ':') != NULL && host[0] != '[')
		snprintf(target, sizeof(target), "[%s]:%s", host, port);
	else
		snprintf(target, sizeof(target), "%s:%s", host, port);
	pport = connect_proxy_port(proxyport);
	signal(SIGPIPE, SIG_IGN);
	s = connect_dial(pport);
	/*
	 * From here on only the two pipes and the tunnel are needed.  Unlike
	 * the bridge, this process runs with the command's own rights inside
	 * the sandbox (whose filter may refuse the calls confine() makes), so
	 * confinement is a bonus here, and failing it weakens nothing.
	 */
	if (confine("stdio", NULL, 0, NULL) == -1)
		log_debug("relay not self-confined");
	snprintf(req, sizeof(req), "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n",
	    target, target);
	connect_write_all(s, req, strlen(req));
	hlen = connect_read_header(s, buf, &got);
	code = 0;
	if (strncmp(buf, "HTTP/1.", 7) == 0 && strlen(buf) > 12)
		code = atoi(buf + 9);
	if (code < 200 || code > 299)
		connect_refused(s, target, buf, hlen, got);
	connect_nonblock(s);
	connect_relay(s, buf + hlen, got - hlen);
	return 0;
}
