/*
 * The command's proxy environment (REFERENCE.md "Environment inside"):
 * every common client pointed at the bridge's listeners on the sandbox
 * loopback, which is the only way out.  The URLs carry no credential:
 * nothing but this sandbox can reach its bridge, and the bridge tags
 * each client with the sandbox id for attribution.  env.c sets the
 * fixed list; here are the values that depend on the run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srt-launch/service.h"
#include "srt-launch/srt-launch.h"

#define NETENV_HTTP_PORT	"3128"

static int
netenv_git_ssh(const struct launch *l)
{
	const char	*bridge = "srt-bridge";
	char		*cmd;
	int		 rc;

	/* A path the single quotes cannot carry falls back to $PATH. */
	if (l->svc != NULL && l->svc->bridge_path != NULL &&
	    strpbrk(l->svc->bridge_path, "'%\\\n") == NULL)
		bridge = l->svc->bridge_path;
	if (asprintf(&cmd, "ssh -o ControlMaster=no -o ControlPath=none "
	    "-o ProxyCommand='%s -p %s connect %%h %%p'", bridge,
	    NETENV_HTTP_PORT) == -1)
		return -1;
	rc = setenv("GIT_SSH_COMMAND", cmd, 1);
	free(cmd);
	return rc;
}

/* Which ports on the host the bridge ends at, as the reference shows. */
static int
netenv_host_ports(const struct launch *l)
{
	char	port[16];

	if (l->settings.net.http_proxy_port > 0) {
		snprintf(port, sizeof(port), "%d",
		    l->settings.net.http_proxy_port);
		if (setenv("CLAUDE_CODE_HOST_HTTP_PROXY_PORT", port, 1) == -1)
			return -1;
	}
	if (l->settings.net.socks_proxy_port > 0) {
		snprintf(port, sizeof(port), "%d",
		    l->settings.net.socks_proxy_port);
		if (setenv("CLAUDE_CODE_HOST_SOCKS_PROXY_PORT", port,
		    1) == -1)
			return -1;
	}
	return 0;
}

int
netenv_setup(const struct launch *l)
{
	/* The proxy speaks HTTP CONNECT to gcloud, not TLS. */
	if (setenv("CLOUDSDK_PROXY_TYPE", "http", 1) == -1)
		return -1;
	if (netenv_git_ssh(l) == -1)
		return -1;
	return netenv_host_ports(l);
}
