/* Framing: partial reads, many messages per read, oversize, fd passing,
 * unexpected fds, EOF. */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libcommon/imsg.h"
#include "tests/unit/tap.h"

static void
put(int fd, const void *p, size_t n)
{
	if (write(fd, p, n) != (ssize_t)n)
		abort();
}

static void
pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		abort();
}

static int
read_all(struct imsgbuf *ib)
{
	ssize_t	n;
	int	total = 0;

	while ((n = imsgbuf_read(ib)) > 0)
		total += (int)n;
	return total;
}

static void
test_roundtrip(void)
{
	struct imsgbuf	a, b;
	struct imsg	m;
	int		sv[2], i, got = 0;
	char		payload[32];

	pair(sv);
	imsgbuf_init(&a, sv[0]);
	imsgbuf_init(&b, sv[1]);
	for (i = 0; i < 10; i++) {
		snprintf(payload, sizeof(payload), "msg%d", i);
		imsg_compose(&a, 7, 42, 1234, -1, payload, strlen(payload));
	}
	tap_ok(imsgbuf_queuelen(&a) == 10, "ten messages queued");
	tap_ok(imsgbuf_flush(&a) == 0 && imsgbuf_queuelen(&a) == 0,
	    "flush empties the queue");
	read_all(&b);
	while (imsg_get(&b, &m) == 1) {
		snprintf(payload, sizeof(payload), "msg%d", got);
		if (m.hdr.type != 7 || m.hdr.peerid != 42 || m.hdr.pid != 1234 ||
		    m.datalen != strlen(payload) ||
		    memcmp(m.data, payload, m.datalen) != 0)
			break;
		got++;
		imsg_free(&m);
	}
	TAP_EQ_INT(got, 10, "ten messages from one read, in order, intact");
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
}

static void
test_partial(void)
{
	struct imsgbuf	b;
	struct imsg	m;
	struct imsg_hdr	h = { 3, IMSG_HEADER_SIZE + 4, 1, 2 };
	int		sv[2], r1, r2;

	pair(sv);
	imsgbuf_init(&b, sv[1]);
	put(sv[0], &h, 10);
	read_all(&b);
	r1 = imsg_get(&b, &m);
	put(sv[0], (char *)&h + 10, sizeof(h) - 10);
	put(sv[0], "ab", 2);
	read_all(&b);
	r2 = imsg_get(&b, &m);
	put(sv[0], "cd", 2);
	read_all(&b);
	tap_ok(r1 == 0 && r2 == 0, "split header and payload wait for more");
	tap_ok(imsg_get(&b, &m) == 1 && m.datalen == 4 &&
	    memcmp(m.data, "abcd", 4) == 0, "message split across three reads");
	imsg_free(&m);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
}

static void
test_bad_lengths(void)
{
	struct imsgbuf	a, b;
	struct imsg	m;
	struct imsg_hdr	h = { 3, 4, 0, 0 };
	int		sv[2];
	char		big[128];

	pair(sv);
	imsgbuf_init(&b, sv[1]);
	put(sv[0], &h, sizeof(h));
	read_all(&b);
	tap_ok(imsg_get(&b, &m) == -1 && errno == EBADMSG,
	    "length below the header is refused");
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);

	pair(sv);
	imsgbuf_init(&b, sv[1]);
	imsgbuf_set_maxsize(&b, 64);
	h.len = 65;
	put(sv[0], &h, sizeof(h));
	read_all(&b);
	tap_ok(imsg_get(&b, &m) == -1 && errno == EBADMSG,
	    "length above the maximum is refused before allocation");
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);

	pair(sv);
	imsgbuf_init(&a, sv[0]);
	imsgbuf_set_maxsize(&a, 64);
	memset(big, 'x', sizeof(big));
	tap_ok(imsg_compose(&a, 1, 0, 0, -1, big, sizeof(big)) == -1 &&
	    errno == ERANGE, "compose refuses an oversized payload");
	tap_ok(imsgbuf_set_maxsize(&a, IMSG_ABSOLUTE_MAX + 1) == -1,
	    "maximum above the absolute bound is refused");
	imsgbuf_clear(&a);
	close(sv[0]);
	close(sv[1]);
}

static void
test_fdpass(void)
{
	struct imsgbuf	a, b;
	struct imsg	m;
	struct stat	st1, st2;
	int		sv[2], fd, got;

	pair(sv);
	imsgbuf_init(&a, sv[0]);
	imsgbuf_init(&b, sv[1]);
	imsgbuf_allow_fdpass(&b);
	fd = open("/dev/null", O_RDONLY);
	fstat(fd, &st1);
	imsg_compose(&a, 5, 0, 0, -1, "x", 1);
	imsg_compose(&a, 6, 0, 0, fd, "y", 1);
	imsgbuf_flush(&a);
	tap_ok(fcntl(fd, F_GETFD) == -1, "sender's copy closed once sent");
	read_all(&b);
	tap_ok(imsg_get(&b, &m) == 1 && m.fd == -1, "plain message has no fd");
	imsg_free(&m);
	tap_ok(imsg_get(&b, &m) == 1 && m.fd != -1, "fd arrives with its message");
	got = imsg_get_fd(&m);
	fstat(got, &st2);
	tap_ok(st1.st_ino == st2.st_ino && st1.st_dev == st2.st_dev,
	    "received fd is the same file");
	tap_ok((fcntl(got, F_GETFD) & FD_CLOEXEC) != 0,
	    "received fd is close-on-exec");
	close(got);
	imsg_free(&m);
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
}

static void
test_unexpected_fd(void)
{
	struct imsgbuf	a, b;
	struct imsg	m;
	int		sv[2];

	pair(sv);
	imsgbuf_init(&a, sv[0]);
	imsgbuf_init(&b, sv[1]);	/* fd passing not allowed */
	imsg_compose(&a, 6, 0, 0, open("/dev/null", O_RDONLY), "y", 1);
	imsgbuf_flush(&a);
	read_all(&b);
	tap_ok(b.nfds == 0 && imsg_get(&b, &m) == -1 && errno == EBADMSG,
	    "fd on a channel without fd passing is closed and an error");
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
}

static void
test_fd_promised_absent(void)
{
	struct imsgbuf	b;
	struct imsg	m;
	struct imsg_hdr	h = { 3, IMSG_HEADER_SIZE | IMSG_HASFD, 0, 0 };
	int		sv[2];

	pair(sv);
	imsgbuf_init(&b, sv[1]);
	imsgbuf_allow_fdpass(&b);
	put(sv[0], &h, sizeof(h));
	read_all(&b);
	tap_ok(imsg_get(&b, &m) == -1 && errno == EBADMSG,
	    "header promising an fd that never came is an error");
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
}

/* A receiver with no descriptor free: the kernel closes the one sent
 * (MSG_CTRUNC).  That message is marked lost; the channel goes on. */
static void
test_fd_lost_in_transit(void)
{
	struct imsgbuf	a, b;
	struct imsg	m;
	struct rlimit	rl, low;
	int		sv[2], fill[64], nfill = 0, got;

	pair(sv);
	imsgbuf_init(&a, sv[0]);
	imsgbuf_init(&b, sv[1]);
	imsgbuf_allow_fdpass(&b);
	imsg_compose(&a, 6, 0, 0, open("/dev/null", O_RDONLY), "y", 1);
	imsg_compose(&a, 7, 0, 0, open("/dev/null", O_RDONLY), "z", 1);
	imsgbuf_flush(&a);
	getrlimit(RLIMIT_NOFILE, &rl);
	low = rl;
	low.rlim_cur = 64;
	setrlimit(RLIMIT_NOFILE, &low);
	while (nfill < 64 && (fill[nfill] = open("/dev/null", O_RDONLY)) != -1)
		nfill++;
	tap_ok(imsgbuf_read(&b) > 0, "a read with the descriptor table full");
	while (nfill > 0)
		close(fill[--nfill]);
	setrlimit(RLIMIT_NOFILE, &rl);
	tap_ok(imsg_get(&b, &m) == 1 && m.hdr.type == 6 && m.fd == -1 &&
	    m.fd_lost && m.datalen == 1, "its message arrives, marked lost");
	imsg_free(&m);
	tap_ok(imsgbuf_read(&b) > 0 && imsg_get(&b, &m) == 1 &&
	    m.hdr.type == 7 && !m.fd_lost && m.fd != -1,
	    "the next message has its own descriptor");
	got = imsg_get_fd(&m);
	tap_ok(got != -1 && fcntl(got, F_GETFD) != -1, "and it is open");
	if (got != -1)
		close(got);
	imsg_free(&m);
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
}

static void
test_eof(void)
{
	struct imsgbuf	b;
	int		sv[2];

	pair(sv);
	imsgbuf_init(&b, sv[1]);
	close(sv[0]);
	TAP_EQ_INT(imsgbuf_read(&b), 0, "read returns 0 at EOF");
	imsgbuf_clear(&b);
	close(sv[1]);
}

int
main(void)
{
	test_roundtrip();
	test_partial();
	test_bad_lengths();
	test_fdpass();
	test_unexpected_fd();
	test_fd_promised_absent();
	test_fd_lost_in_transit();
	test_eof();
	return tap_done();
}
