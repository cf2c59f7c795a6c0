/*
 * Framed messages (see imsg.h).  The sender attaches a descriptor to the
 * sendmsg that carries the first byte of its message and closes its copy as
 * soon as the kernel took any byte of that call; the receiver queues every
 * SCM_RIGHTS descriptor in arrival order and hands the oldest one to the
 * next message whose header carries IMSG_HASFD.  On a stream socket the
 * kernel never delivers the descriptor after the bytes it was sent with,
 * so the FIFO pairing is exact.
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libcommon/imsg.h"

#define READ_CHUNK	65536u

int
imsgbuf_init(struct imsgbuf *ib, int fd)
{
	memset(ib, 0, sizeof(*ib));
	ib->fd = fd;
	ib->maxsize = IMSG_DEFAULT_MAX;
	TAILQ_INIT(&ib->wq);
	return 0;
}

void
imsgbuf_allow_fdpass(struct imsgbuf *ib)
{
	ib->allow_fdpass = 1;
}

int
imsgbuf_set_maxsize(struct imsgbuf *ib, uint32_t max)
{
	if (max < IMSG_HEADER_SIZE || max > IMSG_ABSOLUTE_MAX) {
		errno = EINVAL;
		return -1;
	}
	ib->maxsize = max;
	return 0;
}

void
imsgbuf_clear(struct imsgbuf *ib)
{
	struct ibuf	*b;
	int		 i;

	while ((b = TAILQ_FIRST(&ib->wq)) != NULL) {
		TAILQ_REMOVE(&ib->wq, b, entry);
		if (b->fd != -1)
			close(b->fd);
		free(b->buf);
		free(b);
	}
	ib->wqlen = 0;
	for (i = 0; i < ib->nfds; i++)
		if (ib->fds[i] != -1)
			close(ib->fds[i]);
	ib->nfds = 0;
	free(ib->rbuf);
	ib->rbuf = NULL;
	ib->rlen = ib->rcap = 0;
}

int
imsg_compose(struct imsgbuf *ib, uint32_t type, uint32_t peerid, pid_t pid,
    int fd, const void *data, size_t len)
{
	struct imsg_hdr	 hdr;
	struct ibuf	*b;

	if (len > ib->maxsize - IMSG_HEADER_SIZE || (len > 0 && data == NULL)) {
		errno = ERANGE;
		goto fail;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL)
		goto fail;
	b->len = IMSG_HEADER_SIZE + len;
	if ((b->buf = malloc(b->len)) == NULL) {
		free(b);
		goto fail;
	}
	hdr.type = type;
	hdr.len = (uint32_t)b->len | (fd != -1 ? IMSG_HASFD : 0);
	hdr.peerid = peerid;
	hdr.pid = (uint32_t)pid;
	memcpy(b->buf, &hdr, sizeof(hdr));
	if (len > 0)
		memcpy(b->buf + IMSG_HEADER_SIZE, data, len);
	b->fd = fd;
	TAILQ_INSERT_TAIL(&ib->wq, b, entry);
	ib->wqlen++;
	return 0;
fail:
	if (fd != -1)
		close(fd);
	return -1;
}

size_t
imsgbuf_queuelen(const struct imsgbuf *ib)
{
	return ib->wqlen;
}

/* One sendmsg per queued buffer keeps each fd with its own message. */
int
imsgbuf_write(struct imsgbuf *ib)
{
	struct ibuf	*b;
	struct msghdr	 msg;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct cmsghdr	*cmsg;
	ssize_t		 n;

	while ((b = TAILQ_FIRST(&ib->wq)) != NULL) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = b->buf + b->off;
		iov.iov_len = b->len - b->off;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		if (b->fd != -1) {
			memset(&cmsgbuf, 0, sizeof(cmsgbuf));
			msg.msg_control = cmsgbuf.buf;
			msg.msg_controllen = sizeof(cmsgbuf.buf);
			cmsg = CMSG_FIRSTHDR(&msg);
			cmsg->cmsg_len = CMSG_LEN(sizeof(int));
			cmsg->cmsg_level = SOL_SOCKET;
			cmsg->cmsg_type = SCM_RIGHTS;
			memcpy(CMSG_DATA(cmsg), &b->fd, sizeof(int));
		}
		n = sendmsg(ib->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == ENOBUFS)
				return 0;
			return -1;
		}
		/* The kernel holds its own reference once any byte went. */
		if (b->fd != -1) {
			close(b->fd);
			b->fd = -1;
		}
		b->off += (size_t)n;
		if (b->off < b->len)
			continue;
		TAILQ_REMOVE(&ib->wq, b, entry);
		ib->wqlen--;
		free(b->buf);
		free(b);
	}
	return 0;
}

int
imsgbuf_flush(struct imsgbuf *ib)
{
	struct pollfd	pfd;

	while (ib->wqlen > 0) {
		if (imsgbuf_write(ib) == -1)
			return -1;
		if (ib->wqlen == 0)
			break;
		pfd.fd = ib->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			return -1;
		if (pfd.revents & (POLLERR | POLLNVAL)) {
			errno = EPIPE;
			return -1;
		}
	}
	return 0;
}

static void
imsgbuf_take_fds(struct imsgbuf *ib, struct msghdr *msg)
{
	struct cmsghdr	*cmsg;
	size_t		 i, n;
	int		 fd;

	for (cmsg = CMSG_FIRSTHDR(msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(int));
			if (!ib->allow_fdpass ||
			    ib->nfds == IMSG_MAX_PENDING_FDS) {
				close(fd);
				ib->bad_fd = 1;
				continue;
			}
			ib->fds[ib->nfds++] = fd;
		}
	}
}

ssize_t
imsgbuf_read(struct imsgbuf *ib)
{
	struct msghdr	 msg;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		/* Room for a few fds so extras can be seen and closed. */
		char		buf[CMSG_SPACE(sizeof(int) * 8)];
	} cmsgbuf;
	unsigned char	*nb;
	ssize_t		 n;
	int		 before;

	if (ib->rcap - ib->rlen < READ_CHUNK) {
		size_t ncap = ib->rlen + READ_CHUNK;

		if ((nb = realloc(ib->rbuf, ncap)) == NULL)
			return -1;
		ib->rbuf = nb;
		ib->rcap = ncap;
	}
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = ib->rbuf + ib->rlen;
	iov.iov_len = ib->rcap - ib->rlen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);
	do {
		n = recvmsg(ib->fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	before = ib->nfds;
	imsgbuf_take_fds(ib, &msg);
	if (msg.msg_flags & MSG_CTRUNC) {
		/*
		 * The kernel closed a descriptor it could not install: our
		 * table or the system's was full.  A read ends at a message
		 * that carries one, and a message carries at most one, so if
		 * none arrived it was this read's only one: keep its place
		 * (-1) so that message alone is marked lost and the channel
		 * lives.  More than one in a read breaks the protocol.
		 */
		if (ib->nfds == before && ib->nfds < IMSG_MAX_PENDING_FDS)
			ib->fds[ib->nfds++] = -1;
		else
			ib->bad_fd = 1;
	}
	ib->rlen += (size_t)n;
	return n;
}

int
imsg_get(struct imsgbuf *ib, struct imsg *imsg)
{
	struct imsg_hdr	 hdr;
	size_t		 len, plen;

	memset(imsg, 0, sizeof(*imsg));
	imsg->fd = -1;
	if (ib->bad_fd) {
		errno = EBADMSG;
		return -1;
	}
	if (ib->rlen < IMSG_HEADER_SIZE)
		return 0;
	memcpy(&hdr, ib->rbuf, sizeof(hdr));
	len = hdr.len & IMSG_LENMASK;
	if (len < IMSG_HEADER_SIZE || len > ib->maxsize) {
		errno = EBADMSG;
		return -1;
	}
	if ((hdr.len & IMSG_HASFD) && !ib->allow_fdpass) {
		errno = EBADMSG;
		return -1;
	}
	if (ib->rlen < len)
		return 0;
	plen = len - IMSG_HEADER_SIZE;
	if (plen > 0) {
		if ((imsg->data = malloc(plen)) == NULL)
			return -1;
		memcpy(imsg->data, ib->rbuf + IMSG_HEADER_SIZE, plen);
	}
	if (hdr.len & IMSG_HASFD) {
		if (ib->nfds == 0) {
			free(imsg->data);
			imsg->data = NULL;
			errno = EBADMSG;
			return -1;
		}
		imsg->fd = ib->fds[0];
		imsg->fd_lost = imsg->fd == -1;
		memmove(ib->fds, ib->fds + 1,
		    (size_t)(ib->nfds - 1) * sizeof(int));
		ib->nfds--;
	}
	imsg->hdr = hdr;
	imsg->hdr.len = (uint32_t)len;
	imsg->datalen = plen;
	memmove(ib->rbuf, ib->rbuf + len, ib->rlen - len);
	ib->rlen -= len;
	return 1;
}

int
imsg_get_fd(struct imsg *imsg)
{
	int	fd = imsg->fd;

	imsg->fd = -1;
	return fd;
}

int
imsg_get_data(const struct imsg *imsg, void *buf, size_t len)
{
	if (imsg->datalen != len) {
		errno = EBADMSG;
		return -1;
	}
	if (len > 0)
		memcpy(buf, imsg->data, len);
	return 0;
}

void
imsg_free(struct imsg *imsg)
{
	if (imsg->fd != -1)
		close(imsg->fd);
	imsg->fd = -1;
	free(imsg->data);
	imsg->data = NULL;
	imsg->datalen = 0;
}
