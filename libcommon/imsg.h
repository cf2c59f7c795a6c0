/*
 * Framed messages over a stream socketpair, in the spirit of OpenBSD's
 * imsg(3) but written here.  Each message is a 16-byte header followed by
 * at most maxsize - 16 bytes of payload, with at most one file descriptor
 * attached (SCM_RIGHTS).  Nothing a peer sends is trusted: lengths are
 * checked before any allocation, and a descriptor that arrives on a
 * channel that did not allow descriptor passing is closed and reported.
 */
#ifndef SRT_IMSG_H
#define SRT_IMSG_H

#include <sys/types.h>
#include <sys/queue.h>
#include <stddef.h>
#include <stdint.h>

#define IMSG_HEADER_SIZE	16u
#define IMSG_HASFD		0x80000000u	/* in hdr.len */
#define IMSG_LENMASK		0x7fffffffu
#define IMSG_DEFAULT_MAX	(64u * 1024u)
#define IMSG_ABSOLUTE_MAX	(16u * 1024u * 1024u)
#define IMSG_MAX_PENDING_FDS	32

/* Wire header; all fields in host byte order (both ends share a host). */
struct imsg_hdr {
	uint32_t	type;
	uint32_t	len;		/* header + payload, IMSG_HASFD flag */
	uint32_t	peerid;		/* sandbox id */
	uint32_t	pid;
};

struct ibuf {
	TAILQ_ENTRY(ibuf) entry;
	unsigned char	*buf;
	size_t		 len;
	size_t		 off;
	int		 fd;		/* -1 or the descriptor to attach */
};

struct imsgbuf {
	int		 fd;
	int		 allow_fdpass;
	int		 bad_fd;	/* an unexpected fd arrived (closed) */
	uint32_t	 maxsize;
	unsigned char	*rbuf;
	size_t		 rlen;
	size_t		 rcap;
	int		 fds[IMSG_MAX_PENDING_FDS];
	int		 nfds;
	TAILQ_HEAD(, ibuf) wq;
	size_t		 wqlen;		/* messages queued */
};

struct imsg {
	struct imsg_hdr	 hdr;
	int		 fd;		/* -1 if none (or taken) */
	int		 fd_lost;	/* one was sent, the kernel closed it */
	void		*data;		/* payload, NULL if empty */
	size_t		 datalen;
};

int	imsgbuf_init(struct imsgbuf *, int fd);
void	imsgbuf_allow_fdpass(struct imsgbuf *);
int	imsgbuf_set_maxsize(struct imsgbuf *, uint32_t);
void	imsgbuf_clear(struct imsgbuf *);

/* Queue one message; the fd (or -1) is closed by us once sent. */
int	imsg_compose(struct imsgbuf *, uint32_t type, uint32_t peerid,
	    pid_t pid, int fd, const void *data, size_t len);
/* Write what the socket takes now: 0 (maybe still queued), -1 on error. */
int	imsgbuf_write(struct imsgbuf *);
/* Write until the queue is empty, polling on EAGAIN: 0 or -1. */
int	imsgbuf_flush(struct imsgbuf *);
size_t	imsgbuf_queuelen(const struct imsgbuf *);

/* Read what is available: >0 bytes, 0 on EOF, -1 on error (errno;
 * EAGAIN when nothing was ready). */
ssize_t	imsgbuf_read(struct imsgbuf *);
/* Take the next complete message: 1 got one, 0 need more, -1 protocol
 * error (errno EBADMSG: bad length or missing/unexpected fd). */
int	imsg_get(struct imsgbuf *, struct imsg *);
/* Take ownership of the attached fd (-1 if none). */
int	imsg_get_fd(struct imsg *);
/* Copy the payload if it is exactly len bytes: 0, or -1 (EBADMSG). */
int	imsg_get_data(const struct imsg *, void *, size_t);
void	imsg_free(struct imsg *);

#endif
