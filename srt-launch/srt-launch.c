/* srt-launch: skeleton; the issue that builds it replaces this main. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libcommon/log.h"

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: srt-launch [-dhV]\n");
	exit(status);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help",	no_argument,	NULL, 'h' },
		{ "version",	no_argument,	NULL, 'V' },
		{ NULL,		0,		NULL, 0 }
	};
	int	ch, debug = 0;

	while ((ch = getopt_long(argc, argv, "+dhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			debug++;
			break;
		case 'h':
			usage(0);
		case 'V':
			printf("srt-launch %s\n", SRT_VERSION);
			return 0;
		default:
			usage(125);
		}
	}
	log_init("srt-launch", LOG_TO_STDERR, debug);
	log_warnx("not built yet");
	return 125;
}
