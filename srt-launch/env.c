/*
 * The command's environment: the caller's, plus what tells programs they
 * are sandboxed and where to write temporary files, plus the proxy
 * variables of the reference (REFERENCE.md "Environment inside").  The
 * proxy listeners come with the network issue; until then the variables
 * point at a loopback where nothing listens, which fails as closed as no
 * network at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "srt-launch/service.h"
#include "srt-launch/srt-launch.h"

#define HTTP_PROXY	"http://localhost:3128"
#define SOCKS_PROXY	"socks5h://localhost:1080"
#define NO_PROXY	"localhost,127.0.0.1,::1,169.254.0.0/16,10.0.0.0/8," \
			"172.16.0.0/12,192.168.0.0/16"

static const char *const env_fixed[][2] = {
	{ "SANDBOX_RUNTIME", "1" },
	{ "HTTP_PROXY", HTTP_PROXY }, { "HTTPS_PROXY", HTTP_PROXY },
	{ "http_proxy", HTTP_PROXY }, { "https_proxy", HTTP_PROXY },
	{ "ALL_PROXY", HTTP_PROXY }, { "all_proxy", HTTP_PROXY },
	{ "GRPC_PROXY", HTTP_PROXY }, { "grpc_proxy", HTTP_PROXY },
	{ "FTP_PROXY", SOCKS_PROXY }, { "ftp_proxy", SOCKS_PROXY },
	{ "RSYNC_PROXY", "localhost:1080" },
	{ "DOCKER_HTTP_PROXY", HTTP_PROXY },
	{ "DOCKER_HTTPS_PROXY", HTTP_PROXY },
	{ "CLOUDSDK_PROXY_TYPE", "https" },
	{ "CLOUDSDK_PROXY_ADDRESS", "localhost" },
	{ "CLOUDSDK_PROXY_PORT", "3128" },
	{ "NO_PROXY", NO_PROXY }, { "no_proxy", NO_PROXY },
	{ NULL, NULL }
};

int
env_setup(const struct launch *l)
{
	size_t	i;

	for (i = 0; env_fixed[i][0] != NULL; i++)
		if (setenv(env_fixed[i][0], env_fixed[i][1], 1) == -1)
			return -1;
	if (setenv("TMPDIR", l->tmpdir, 1) == -1)
		return -1;
	/* ssh reaches hosts through the proxy with HTTP CONNECT; the bridge
	 * program replaces the reference's socat. */
	if (setenv("GIT_SSH_COMMAND", "ssh -o ControlMaster=no -o "
	    "ProxyCommand='srt-bridge connect %h %p'", 1) == -1)
		return -1;
	return netenv_setup(l);
}
