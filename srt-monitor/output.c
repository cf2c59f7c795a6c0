/*
 * Outputs.  Threat model: a sender (the proxy, a launcher) must never
 * wait on an output, or a full disk, a stopped terminal or a dead syslog
 * collector would stall the sandbox.  So every output is a bounded queue
 * drained by non-blocking writes from the event loop; when the queue is
 * full the event is dropped for that output and counted, and the count
 * reaches the summary.  A descriptor we did not open (stdout, stderr) is
 * shared with the launcher and maybe the sandboxed command, so instead of
 * setting O_NONBLOCK on it (which would change it for them too) we open
 * our own description of it through /proc/self/fd.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libcommon/log.h"
#include "srt-monitor/srt-monitor.h"

#define TERM_BURST		10.0
#define TERM_RATE		2.0	/* lines per second after the burst */
#define TERM_FLUSH_SEC		1

static void	output_write_cb(int, short, void *);
static void	output_timer_cb(int, short, void *);
static void	output_connect(struct output *);

static struct output *
output_new(struct monitor *mon, const char *name, enum out_format fmt,
    enum out_kind kind)
{
	struct output	*o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		fatal("%s", __func__);
	o->mon = mon;
	strlcpy(o->name, name, sizeof(o->name));
	o->fmt = fmt;
	o->kind = kind;
	o->fd = -1;
	TAILQ_INIT(&o->q);
	evtimer_assign(&o->timer, mon->base, output_timer_cb, o);
	TAILQ_INSERT_TAIL(&mon->outputs, o, entry);
	return o;
}

/*
 * Make fd usable without blocking.  Regular files never wait in the
 * sense that matters (and epoll refuses them), sockets take
 * MSG_DONTWAIT, and pipes and terminals get a description of their own.
 */
static int
output_adopt_fd(struct output *o, int fd, int owned)
{
	struct stat	st;
	char		path[64];
	int		nfd;

	if (fstat(fd, &st) == -1)
		return -1;
	if (S_ISREG(st.st_mode)) {
		o->kind = OUTK_FILE;
		o->fd = fd;
		return 0;
	}
	o->kind = OUTK_STREAM;
	if (S_ISSOCK(st.st_mode)) {
		o->use_send = 1;
		o->fd = fd;
		return 0;
	}
	if (owned) {
		if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1)
			return -1;
		o->fd = fd;
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nfd = open(path, O_WRONLY | O_APPEND | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC);
	if (nfd == -1) {
		log_debug("%s: cannot reopen fd %d (%s); writes may block",
		    o->name, fd, strerror(errno));
		if ((nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) == -1)
			return -1;
	}
	o->fd = nfd;
	return 0;
}

static int
output_open_path(struct output *o)
{
	int	fd;

	/* O_NONBLOCK: a FIFO without a reader fails (ENXIO) instead of
	 * hanging here. */
	fd = open(o->path, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC, 0640);
	if (fd == -1)
		return -1;
	if (output_adopt_fd(o, fd, 1) == -1) {
		close(fd);
		return -1;
	}
	return 0;
}

/* fd: path already opened by the launcher (-1: open it here). */
struct output *
output_file(struct monitor *mon, const char *path, enum out_format fmt,
    int fd)
{
	struct output	*o;
	char		 name[128];

	snprintf(name, sizeof(name), "output %s", path);
	o = output_new(mon, name, fmt, OUTK_FILE);
	if (strcmp(path, "-") == 0) {
		if (output_adopt_fd(o, STDOUT_FILENO, 0) == -1)
			fatal("stdout");
		return o;
	}
	if ((o->path = strdup(path)) == NULL)
		fatal("%s", __func__);
	if (fd != -1) {
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 ||
		    output_adopt_fd(o, fd, 1) == -1)
			fatal("%s: descriptor %d", path, fd);
		return o;
	}
	if (output_open_path(o) == -1)
		fatal("cannot append to %s", path);
	return o;
}

struct output *
output_terminal(struct monitor *mon)
{
	struct output	*o;

	o = output_new(mon, "terminal", OUT_SHORT, OUTK_STREAM);
	if (output_adopt_fd(o, STDERR_FILENO, 0) == -1)
		fatal("stderr");
	o->term.tokens = TERM_BURST;
	clock_gettime(CLOCK_MONOTONIC, &o->term.refilled);
	return o;
}

struct output *
output_syslog_local(struct monitor *mon, const char *path, int facility)
{
	struct output		*o;
	struct sockaddr_un	*sun;
	char			 name[128];

	snprintf(name, sizeof(name), "syslog %s", path);
	o = output_new(mon, name, OUT_SYSLOG, OUTK_DGRAM);
	o->facility = facility;
	sun = (struct sockaddr_un *)&o->addr;
	sun->sun_family = AF_UNIX;
	if (strlcpy(sun->sun_path, path, sizeof(sun->sun_path)) >=
	    sizeof(sun->sun_path))
		fatalx("%s: socket path too long", path);
	o->addrlen = sizeof(*sun);
	o->use_send = 1;
	output_connect(o);
	return o;
}

struct output *
output_syslog_remote(struct monitor *mon, const char *spec, int facility)
{
	struct output	*o;
	char		 name[128], err[128];
	int		 socktype;

	snprintf(name, sizeof(name), "syslog %s", spec);
	o = output_new(mon, name, OUT_SYSLOG, OUTK_DGRAM);
	o->facility = facility;
	if (syslog_parse_remote(spec, &o->addr, &o->addrlen, &socktype, err,
	    sizeof(err)) == -1)
		fatalx("--syslog-remote %s: %s", spec, err);
	o->kind = socktype == SOCK_STREAM ? OUTK_TCP : OUTK_DGRAM;
	o->use_send = 1;
	output_connect(o);
	return o;
}

static void
output_arm(struct output *o)
{
	if (o->armed || o->fd == -1)
		return;
	event_assign(&o->wev, o->mon->base, o->fd, EV_WRITE,
	    output_write_cb, o);
	if (event_add(&o->wev, NULL) == -1) {
		/* Not pollable (e.g. /dev/null): nothing will wake us. */
		log_debug("%s: cannot poll, dropping", o->name);
		o->dead = 1;
		return;
	}
	o->armed = 1;
}

static void
output_retry_later(struct output *o)
{
	struct timeval	tv;

	if (o->fd != -1) {
		if (o->armed)
			event_del(&o->wev);
		close(o->fd);
	}
	o->armed = 0;
	o->fd = -1;
	o->connecting = 0;
	o->backoff = o->backoff == 0 ? 1 : o->backoff * 2;
	if (o->backoff > 30)
		o->backoff = 30;
	tv.tv_sec = o->backoff;
	tv.tv_usec = 0;
	evtimer_add(&o->timer, &tv);
}

/* Syslog sockets, unix or inet: (re)connect without blocking; events
 * queue meanwhile. */
static void
output_connect(struct output *o)
{
	int	type, fd;

	type = o->kind == OUTK_TCP ? SOCK_STREAM : SOCK_DGRAM;
	fd = socket(o->addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		log_warn("%s: socket", o->name);
		output_retry_later(o);
		return;
	}
	o->fd = fd;
	if (connect(fd, (struct sockaddr *)&o->addr, o->addrlen) == -1) {
		if (errno == EINPROGRESS) {
			o->connecting = 1;
			output_arm(o);
			return;
		}
		log_debug("%s: connect: %s", o->name, strerror(errno));
		output_retry_later(o);
		return;
	}
	o->backoff = 0;
}

static void
output_unqueue(struct output *o)
{
	struct outq_entry	*e = TAILQ_FIRST(&o->q);

	TAILQ_REMOVE(&o->q, e, entry);
	o->qlen--;
	o->qbytes -= e->len;
	free(e);
}

/* A datagram that cannot be sent is lost, not retried forever. */
static int
output_send_dgram(struct output *o, struct outq_entry *e)
{
	if (send(o->fd, e->data, e->len, MSG_DONTWAIT | MSG_NOSIGNAL) != -1) {
		o->written++;
		output_unqueue(o);
		return 1;
	}
	if (errno == EAGAIN || errno == ENOBUFS) {
		output_arm(o);
		return 0;
	}
	log_debug("%s: send: %s", o->name, strerror(errno));
	o->dropped++;
	o->mon->sum.dropped++;
	output_unqueue(o);
	if (errno != EMSGSIZE)
		output_retry_later(o);
	return 0;
}

static int
output_write_stream(struct output *o, struct outq_entry *e)
{
	ssize_t	n;

	if (o->use_send)
		n = send(o->fd, e->data + e->off, e->len - e->off,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
	else
		n = write(o->fd, e->data + e->off, e->len - e->off);
	if (n >= 0) {
		e->off += (size_t)n;
		o->warned = 0;
		if (e->off == e->len) {
			o->written++;
			output_unqueue(o);
		}
		return 1;
	}
	if (errno == EINTR)
		return 1;
	if (errno == EAGAIN) {
		output_arm(o);
		return 0;
	}
	if (o->kind == OUTK_FILE && errno != EBADF) {
		/* A full disk may empty again: lose this line only. */
		if (!o->warned)
			log_warn("%s", o->name);
		o->warned = 1;
		o->dropped++;
		o->mon->sum.dropped++;
		output_unqueue(o);
		return 1;
	}
	log_warn("%s", o->name);
	if (o->kind == OUTK_TCP) {
		/* A message half sent is lost; the collector resyncs on
		 * the next octet count only on a new connection. */
		if (e->off > 0) {
			o->dropped++;
			o->mon->sum.dropped++;
			output_unqueue(o);
		}
		output_retry_later(o);
		return 0;
	}
	o->dead = 1;
	return 0;
}

static void
output_flush(struct output *o)
{
	struct outq_entry	*e;

	while (!o->dead && o->fd != -1 && !o->connecting && !o->armed &&
	    (e = TAILQ_FIRST(&o->q)) != NULL) {
		if (o->kind == OUTK_DGRAM) {
			if (!output_send_dgram(o, e))
				break;
		} else if (!output_write_stream(o, e))
			break;
	}
	if (o->dead) {
		while (!TAILQ_EMPTY(&o->q)) {
			o->dropped++;
			o->mon->sum.dropped++;
			output_unqueue(o);
		}
	}
}

static void
output_write_cb(int fd, short what, void *arg)
{
	struct output	*o = arg;
	int		 err = 0;
	socklen_t	 len = sizeof(err);

	o->armed = 0;
	if (o->connecting) {
		o->connecting = 0;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
		    err != 0) {
			log_debug("%s: connect: %s", o->name, strerror(err));
			output_retry_later(o);
			return;
		}
		o->backoff = 0;
		log_debug("%s: connected", o->name);
	}
	output_flush(o);
}

void
output_push(struct output *o, const char *data, size_t len)
{
	struct outq_entry	*e;

	if (o->dead || o->qlen >= OUTQ_MAX_ENTRIES ||
	    o->qbytes + len > OUTQ_MAX_BYTES ||
	    (e = malloc(sizeof(*e) + len)) == NULL) {
		o->dropped++;
		o->mon->sum.dropped++;
		return;
	}
	memcpy(e->data, data, len);
	e->len = len;
	e->off = 0;
	TAILQ_INSERT_TAIL(&o->q, e, entry);
	o->qlen++;
	o->qbytes += len;
	output_flush(o);
}

static void
term_flush_counts(struct output *o)
{
	char	buf[128];
	int	len;

	if (o->term.repeats > 0) {
		len = snprintf(buf, sizeof(buf),
		    "srt: last denial repeated %u times\n", o->term.repeats);
		output_push(o, buf, (size_t)len);
	}
	if (o->term.suppressed > 0) {
		len = snprintf(buf, sizeof(buf),
		    "srt: %u more denials not shown\n", o->term.suppressed);
		output_push(o, buf, (size_t)len);
	}
	o->term.repeats = o->term.suppressed = 0;
}

static void
term_arm(struct output *o)
{
	struct timeval	tv = { TERM_FLUSH_SEC, 0 };

	if (!o->term.timer_armed) {
		evtimer_add(&o->timer, &tv);
		o->term.timer_armed = 1;
	}
}

static int
term_take_token(struct output *o)
{
	struct timespec	now;
	double		dt;

	clock_gettime(CLOCK_MONOTONIC, &now);
	dt = (double)(now.tv_sec - o->term.refilled.tv_sec) +
	    (double)(now.tv_nsec - o->term.refilled.tv_nsec) / 1e9;
	o->term.refilled = now;
	o->term.tokens += dt * TERM_RATE;
	if (o->term.tokens > TERM_BURST)
		o->term.tokens = TERM_BURST;
	if (o->term.tokens < 1.0)
		return 0;
	o->term.tokens -= 1.0;
	return 1;
}

/*
 * One line per denial, as a person can read them: a run of identical
 * lines is collapsed into a count, and past a burst the rate is capped,
 * with the number not shown reported once things calm down.
 */
static void
term_event(struct output *o, const struct srt_event *ev)
{
	char	line[sizeof(o->term.last)];
	int	n;

	if (ev->decision != EVENT_DENY)
		return;
	if ((n = event_to_short(ev, line, sizeof(line) - 1)) == -1)
		return;
	if (strcmp(line, o->term.last) == 0) {
		o->term.repeats++;
		term_arm(o);
		return;
	}
	if (o->term.repeats > 0)
		term_flush_counts(o);
	if (!term_take_token(o)) {
		o->term.suppressed++;
		term_arm(o);
		return;
	}
	strlcpy(o->term.last, line, sizeof(o->term.last));
	line[n++] = '\n';
	output_push(o, line, (size_t)n);
}

static void
output_timer_cb(int fd, short what, void *arg)
{
	struct output	*o = arg;

	if (o->fmt == OUT_SHORT) {
		o->term.timer_armed = 0;
		term_flush_counts(o);
		o->term.last[0] = '\0';
		return;
	}
	output_connect(o);
	output_flush(o);
}

/* RFC 6587 octet-counted framing: "LEN SP MSG"; buf has room. */
static int
octet_count(char *buf, size_t n)
{
	char	pre[24];
	int	p;

	p = snprintf(pre, sizeof(pre), "%zu ", n);
	memmove(buf + p, buf, n);
	memcpy(buf, pre, (size_t)p);
	return (int)n + p;
}

static void
output_one(struct output *o, const struct srt_event *ev, char *buf,
    size_t size)
{
	int	n;

	switch (o->fmt) {
	case OUT_SHORT:
		term_event(o, ev);
		return;
	case OUT_JSON:
		n = event_to_json(ev, buf, size - 1);
		break;
	case OUT_TEXT:
		n = event_to_text(ev, buf, size - 1);
		break;
	case OUT_SYSLOG:
		n = syslog_format(ev, o->facility, buf, size - 32);
		break;
	default:
		return;
	}
	if (n == -1) {
		log_warnx("%s: event not representable", o->name);
		return;
	}
	if (o->fmt != OUT_SYSLOG)
		buf[n++] = '\n';
	else if (o->kind == OUTK_TCP)
		n = octet_count(buf, (size_t)n);
	output_push(o, buf, (size_t)n);
}

void
output_event(struct monitor *mon, const struct srt_event *ev)
{
	static char	 buf[EVENT_JSON_MAX + 64];
	struct output	*o;

	TAILQ_FOREACH(o, &mon->outputs, entry)
		output_one(o, ev, buf, sizeof(buf));
}

/* SIGHUP: logrotate moved the file; start a new one at the old name. */
void
output_reopen(struct monitor *mon)
{
	struct output	*o;
	int		 oldfd;

	TAILQ_FOREACH(o, &mon->outputs, entry) {
		if (o->path == NULL)
			continue;
		output_flush(o);
		oldfd = o->fd;
		if (o->armed)
			event_del(&o->wev);
		o->armed = 0;
		if (output_open_path(o) == -1) {
			log_warn("%s: reopen", o->path);
			o->fd = oldfd;
			continue;
		}
		o->dead = 0;
		close(oldfd);
		log_debug("%s: reopened", o->path);
		output_flush(o);
	}
}

/* At exit: give slow outputs a bounded time, then count what is left. */
void
output_drain(struct monitor *mon, int ms)
{
	struct output	*o;
	struct pollfd	 pfd;
	struct timespec	 start, now;
	int		 left, waiting;

	TAILQ_FOREACH(o, &mon->outputs, entry)
		if (o->fmt == OUT_SHORT)
			term_flush_counts(o);
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		waiting = 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = ms - (int)((now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000);
		TAILQ_FOREACH(o, &mon->outputs, entry) {
			if (TAILQ_EMPTY(&o->q) || o->dead || o->fd == -1)
				continue;
			if (o->armed)
				event_del(&o->wev);
			o->armed = 0;
			o->connecting = 0;
			pfd.fd = o->fd;
			pfd.events = POLLOUT;
			if (left > 0 && poll(&pfd, 1, left > 100 ? 100 : left) >
			    0)
				output_flush(o);
			if (o->armed) {
				event_del(&o->wev);
				o->armed = 0;
			}
			if (!TAILQ_EMPTY(&o->q) && !o->dead)
				waiting = 1;
		}
	} while (waiting && left > 0);
	TAILQ_FOREACH(o, &mon->outputs, entry) {
		while (!TAILQ_EMPTY(&o->q)) {
			o->dropped++;
			mon->sum.dropped++;
			output_unqueue(o);
		}
		if (o->dropped > 0)
			log_warnx("%s: %llu events dropped", o->name,
			    (unsigned long long)o->dropped);
	}
}

void
output_free_all(struct monitor *mon)
{
	struct output	*o;

	while ((o = TAILQ_FIRST(&mon->outputs)) != NULL) {
		TAILQ_REMOVE(&mon->outputs, o, entry);
		while (!TAILQ_EMPTY(&o->q))
			output_unqueue(o);
		if (o->armed)
			event_del(&o->wev);
		evtimer_del(&o->timer);
		if (o->fd != -1 && o->fd > STDERR_FILENO)
			close(o->fd);
		free(o->path);
		free(o);
	}
}
