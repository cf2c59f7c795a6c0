/*
 * srt-bridge: option parsing and the choice between the listening
 * bridge (default) and "connect HOST PORT".  Exit status: 0 when the
 * proxy closed the channel, on SIGTERM, or when a connect relay ended;
 * 1 on a runtime failure or a proxy refusal; 125 on a usage error.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libcommon/log.h"
#include "libcommon/proto.h"
#include "srt-bridge/srt-bridge.h"

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: srt-bridge [-dhV] [-H http_port] [-i sandbox_id] "
	    "[-r ready_fd] [-S socks_port]\n"
	    "       srt-bridge [-d] [-p proxy_port] connect host port\n");
	exit(status);
}

static long long
number(const char *s, long long min, long long max, const char *what)
{
	const char	*errstr;
	long long	 n;

	n = strtonum(s, min, max, &errstr);
	if (errstr != NULL) {
		fprintf(stderr, "srt-bridge: %s \"%s\" is %s (expected a "
		    "number from %lld to %lld)\n", what, s, errstr, min, max);
		exit(125);
	}
	return n;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help",	no_argument,	NULL, 'h' },
		{ "version",	no_argument,	NULL, 'V' },
		{ NULL,		0,		NULL, 0 }
	};
	struct bridge_opts	 o;
	const char		*proxyport = NULL;
	int			 ch;

	memset(&o, 0, sizeof(o));
	o.http_port = BRIDGE_HTTP_PORT;
	o.socks_port = BRIDGE_SOCKS_PORT;
	o.ready_fd = -1;
	/* getopt names argv[0] in its errors: the name, not a path. */
	argv[0] = (char *)"srt-bridge";
	while ((ch = getopt_long(argc, argv, "+dH:hi:p:r:S:V", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			o.debug++;
			break;
		case 'H':
			o.http_port = (uint16_t)number(optarg, 1, 65535,
			    "HTTP port");
			break;
		case 'h':
			usage(0);
		case 'i':
			o.sandbox_id = (uint32_t)number(optarg, 0, UINT32_MAX,
			    "sandbox id");
			break;
		case 'p':
			number(optarg, 1, 65535, "proxy port");
			proxyport = optarg;
			break;
		case 'r':
			o.ready_fd = (int)number(optarg, 0, INT_MAX,
			    "ready fd");
			if (o.ready_fd == BRIDGE_FD_PROXY) {
				fprintf(stderr, "srt-bridge: ready fd cannot "
				    "be the proxy channel (fd %d)\n",
				    BRIDGE_FD_PROXY);
				exit(125);
			}
			break;
		case 'S':
			o.socks_port = (uint16_t)number(optarg, 1, 65535,
			    "SOCKS port");
			break;
		case 'V':
			printf("srt-bridge %s\n", SRT_VERSION);
			return 0;
		default:
			usage(125);
		}
	}
	argc -= optind;
	argv += optind;
	log_init("srt-bridge", LOG_TO_STDERR, o.debug);
	if (argc > 0 && strcmp(argv[0], "connect") == 0) {
		if (argc != 3)
			usage(125);
		return connect_main(proxyport, argv[1], argv[2]);
	}
	if (argc != 0)
		usage(125);
	if (o.http_port == o.socks_port) {
		fprintf(stderr, "srt-bridge: HTTP and SOCKS ports must "
		    "differ\n");
		exit(125);
	}
	return bridge_main(&o);
}
