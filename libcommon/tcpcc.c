/*
 * Loopback TCP without pacing.  A host may choose a pacing congestion
 * control (BBR) for its real links: the sender spaces its segments out
 * by timer.  On loopback there is no link to be gentle with, and the
 * timers only add wake-ups, and reordering: a paced segment leaves from
 * the timer's CPU while the next one leaves from the sender's, and `ss
 * -ti` shows out-of-order segments, DSACKs and spurious retransmissions
 * on lo.  Measured on a 2-CPU host with BBR as its default: 1 GiB through
 * srt-proxy 1.4 GB/s paced, 2.9 GB/s not.
 *
 * The choice has to be made before the connection exists: switching an
 * established BBR socket to cubic did not help (the kernel keeps pacing a
 * socket once BBR asked for it), so this is set on a listener (its
 * accepted sockets inherit it), on a socket before connect(2), or as the
 * default of a network namespace that has nothing but lo.  cubic is the
 * kernel's own default; reno is always built in and always permitted.
 * Best effort: a host without either keeps its own choice.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "libcommon/tcpcc.h"

static const char *const unpaced[] = { "cubic", "reno" };

#define NUNPACED	(sizeof(unpaced) / sizeof(unpaced[0]))

/* 127.0.0.0/8, ::1, and 127/8 as an IPv4-mapped IPv6 address. */
bool
sa_is_loopback(const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	if (sa->sa_family == AF_INET && len >= sizeof(*sin)) {
		sin = (const struct sockaddr_in *)sa;
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(*sin6)) {
		sin6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) &&
		    sin6->sin6_addr.s6_addr[12] == 127;
	}
	return false;
}

/* 0 if fd's connections will not be paced, else -1 with errno. */
int
tcp_unpaced(int fd)
{
	size_t	i;

	for (i = 0; i < NUNPACED; i++)
		if (setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, unpaced[i],
		    strlen(unpaced[i])) == 0)
			return 0;
	return -1;
}

/*
 * The default for new TCP sockets of the caller's network namespace
 * (/proc/sys/net is the opener's namespace).  Needs CAP_NET_ADMIN over
 * that namespace, which pid 1 of a new user namespace has.
 */
int
tcp_unpaced_netns(void)
{
	size_t	i;
	ssize_t	n;
	int	fd, saved;

	fd = open("/proc/sys/net/ipv4/tcp_congestion_control",
	    O_WRONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	for (i = 0; i < NUNPACED; i++) {
		n = pwrite(fd, unpaced[i], strlen(unpaced[i]), 0);
		if (n == (ssize_t)strlen(unpaced[i])) {
			close(fd);
			return 0;
		}
	}
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}
