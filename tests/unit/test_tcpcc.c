/* Loopback addresses, and an unpaced congestion control set on a socket
 * before it connects (libcommon/tcpcc.c). */
#include <sys/socket.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <string.h>
#include <unistd.h>

#include "libcommon/tcpcc.h"
#include "tests/unit/tap.h"

struct addr_case {
	const char	*text;
	bool		 loopback;
};

static const struct addr_case cases[] = {
	{ "127.0.0.1", true },
	{ "127.255.3.4", true },
	{ "126.255.255.255", false },
	{ "128.0.0.1", false },
	{ "10.0.0.1", false },
	{ "0.0.0.0", false },
	{ "::1", true },
	{ "::", false },
	{ "::2", false },
	{ "::ffff:127.0.0.1", true },
	{ "::ffff:10.0.0.1", false },
	{ "::127.0.0.1", false },	/* IPv4-compatible, not mapped */
	{ "fe80::1", false },
};

static void
test_addresses(void)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_un	 sun;
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&ss, 0, sizeof(ss));
		if (inet_pton(AF_INET, cases[i].text, &sin->sin_addr) == 1) {
			sin->sin_family = AF_INET;
			TAP_EQ_INT(sa_is_loopback((struct sockaddr *)&ss,
			    sizeof(*sin)), cases[i].loopback, cases[i].text);
		} else if (inet_pton(AF_INET6, cases[i].text,
		    &sin6->sin6_addr) == 1) {
			sin6->sin6_family = AF_INET6;
			TAP_EQ_INT(sa_is_loopback((struct sockaddr *)&ss,
			    sizeof(*sin6)), cases[i].loopback, cases[i].text);
		} else
			tap_ok(0, "%s parses", cases[i].text);
	}
	memset(&ss, 0, sizeof(ss));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	TAP_EQ_INT(sa_is_loopback((struct sockaddr *)&ss, sizeof(*sin) - 1),
	    false, "a truncated sockaddr_in is not read");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, "/tmp/x");
	TAP_EQ_INT(sa_is_loopback((struct sockaddr *)&sun, sizeof(sun)),
	    false, "a unix address is not loopback TCP");
}

static void
test_socket(void)
{
	char		name[32] = "";
	socklen_t	len = sizeof(name);
	int		fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1) {
		tap_skip("no AF_INET socket", "tcp_unpaced");
		return;
	}
	TAP_EQ_INT(tcp_unpaced(fd), 0, "tcp_unpaced on a new socket");
	getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len);
	tap_ok(strcmp(name, "cubic") == 0 || strcmp(name, "reno") == 0,
	    "its congestion control is cubic or reno (%s)", name);
	close(fd);
	TAP_EQ_INT(tcp_unpaced(-1), -1, "tcp_unpaced on no socket fails");
}

int
main(void)
{
	test_addresses();
	test_socket();
	return tap_done();
}
