/*
 * srt-proxy's parentProxy configuration: URL forms, the Basic credential,
 * https:// refused, the environment fallback and NO_PROXY matching as
 * the reference (golang httpproxy) has it.  parent.c and the parser it
 * uses are compiled in directly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srt-proxy/http_parse.c"
#include "srt-proxy/parent.c"
#include "tests/unit/tap.h"

static void
test_urls(void)
{
	struct parent_url	u;
	char			why[200];

	TAP_EQ_INT(parent_parse_url("http://proxy.corp:3128", &u, why,
	    sizeof(why)), 0, "http URL");
	TAP_EQ_STR(u.host, "proxy.corp", "host");
	TAP_EQ_INT(u.port, 3128, "port");
	tap_ok(u.auth == NULL, "no userinfo, no credential");
	TAP_EQ_INT(parent_parse_url("proxy.corp", &u, why, sizeof(why)), 0,
	    "schemeless host (as curl)");
	TAP_EQ_INT(u.port, 80, "default port 80");
	TAP_EQ_INT(parent_parse_url("http://[::1]:8080/", &u, why,
	    sizeof(why)), 0, "bracketed v6 with a path");
	TAP_EQ_STR(u.host, "::1", "v6 host without brackets");
	TAP_EQ_INT(parent_parse_url("http://user:p%40ss@h:1", &u, why,
	    sizeof(why)), 0, "userinfo");
	TAP_EQ_STR(u.auth, "Basic dXNlcjpwQHNz", "percent-decoded Basic");
	free(u.auth);
	TAP_EQ_INT(parent_parse_url("http://a@b:c@h:1", &u, why,
	    sizeof(why)), 0, "the last @ ends the userinfo");
	TAP_EQ_STR(u.auth, "Basic YUBiOmM=", "a@b:c");
	TAP_EQ_STR(u.host, "h", "host after the last @");
	free(u.auth);
	TAP_EQ_INT(parent_parse_url("http://u@h:1", &u, why, sizeof(why)), 0,
	    "user without password");
	TAP_EQ_STR(u.auth, "Basic dTo=", "u:");
	free(u.auth);
	TAP_EQ_INT(parent_parse_url("https://h:8443", &u, why, sizeof(why)),
	    0, "https:// parsed");
	tap_ok(u.tls && u.port == 8443 && strcmp(u.host, "h") == 0,
	    "https:// means TLS, to h:8443");
	TAP_EQ_INT(parent_parse_url("HTTPS://u:p@[::1]/", &u, why,
	    sizeof(why)), 0, "https:// with userinfo, v6, no port");
	tap_ok(u.tls && u.port == 443 && strcmp(u.host, "::1") == 0,
	    "port 443 by default");
	TAP_EQ_STR(u.auth, "Basic dTpw", "its Basic auth");
	free(u.auth);
	TAP_EQ_INT(parent_parse_url("http://h", &u, why, sizeof(why)), 0,
	    "http:// parsed");
	tap_ok(!u.tls && u.port == 80, "http:// is TCP, port 80");
	TAP_EQ_INT(parent_parse_url("socks5://h:1", &u, why, sizeof(why)), -1,
	    "other schemes refused");
	TAP_EQ_INT(parent_parse_url("http://h:99999", &u, why, sizeof(why)),
	    -1, "bad port");
	TAP_EQ_INT(parent_parse_url("http://", &u, why, sizeof(why)), -1,
	    "no host");
	TAP_EQ_INT(parent_parse_url("http://h\r\nX: y:1", &u, why,
	    sizeof(why)), -1, "no CRLF in the host");
}

static void
test_bypass(void)
{
	struct net_settings	n;
	struct parent_proxy	pp;
	char			why[200] = "";

	memset(&n, 0, sizeof(n));
	n.parent_http = "http://127.0.0.1:3128";
	n.parent_no_proxy = " example.com, .dot.org,*.star.net, 10.0.0.0/8,"
	    "192.0.2.7, [2001:db8::1]:80, host.port:8080, bad/cidr ";
	TAP_EQ_INT(parent_load(&pp, &n, why, sizeof(why)), 0, "load");
	tap_ok(pp.http != NULL, "http parent set");
	tap_ok(pp.https != NULL && pp.https->port == 3128,
	    "https falls back to http");
	tap_ok(parent_bypass(&pp, "example.com"), "suffix: the name");
	tap_ok(parent_bypass(&pp, "a.example.com"), "suffix: a subdomain");
	tap_ok(!parent_bypass(&pp, "badexample.com"), "suffix: label bound");
	tap_ok(parent_bypass(&pp, "dot.org"), ".dot.org: the apex");
	tap_ok(parent_bypass(&pp, "x.dot.org"), ".dot.org: a subdomain");
	tap_ok(parent_bypass(&pp, "y.star.net"), "*.star.net");
	tap_ok(parent_bypass(&pp, "10.1.2.3"), "CIDR");
	tap_ok(!parent_bypass(&pp, "11.1.2.3"), "outside the CIDR");
	tap_ok(parent_bypass(&pp, "192.0.2.7"), "IP literal");
	tap_ok(parent_bypass(&pp, "2001:db8::1"), "bracketed v6 with port");
	tap_ok(parent_bypass(&pp, "host.port"), "host:port matched by host");
	tap_ok(parent_bypass(&pp, "localhost"), "localhost always");
	tap_ok(parent_bypass(&pp, "127.9.9.9"), "127/8 always");
	tap_ok(parent_bypass(&pp, "::1"), "::1 always");
	tap_ok(parent_bypass(&pp, "::ffff:127.0.0.1"), "mapped loopback");
	tap_ok(!parent_bypass(&pp, "far.test"), "others go to the parent");
	tap_ok(parent_select(&pp, "far.test", false) == pp.http,
	    "plain request: http parent");
	tap_ok(parent_select(&pp, "example.com", true) == NULL,
	    "bypassed: direct");
	parent_free(&pp);

	n.parent_no_proxy = "*";
	TAP_EQ_INT(parent_load(&pp, &n, why, sizeof(why)), 0, "load *");
	tap_ok(parent_bypass(&pp, "anything.at.all"), "* bypasses all");
	parent_free(&pp);

	memset(&n, 0, sizeof(n));
	n.parent_https = "ftp://p:1";
	TAP_EQ_INT(parent_load(&pp, &n, why, sizeof(why)), -1,
	    "ftp:// in settings refused");
	tap_ok(strncmp(why, "/network/parentProxy/https: ", 28) == 0,
	    "names the key: %s", why);
	memset(&n, 0, sizeof(n));
	n.parent_https = "https://p:1";
	TAP_EQ_INT(parent_load(&pp, &n, why, sizeof(why)), 0,
	    "https:// in settings loads");
	tap_ok(parent_tls(&pp) && pp.http == NULL, "and needs TLS");
	parent_free(&pp);
}

static void
test_env(void)
{
	struct net_settings	n;
	struct parent_proxy	pp;
	char			why[200] = "";

	memset(&n, 0, sizeof(n));
	unsetenv("HTTP_PROXY");
	unsetenv("HTTPS_PROXY");
	unsetenv("NO_PROXY");
	unsetenv("http_proxy");
	unsetenv("https_proxy");
	unsetenv("no_proxy");
	TAP_EQ_INT(parent_load(&pp, &n, why, sizeof(why)), 0, "no parent");
	tap_ok(pp.http == NULL && pp.https == NULL, "none configured");
	parent_free(&pp);

	setenv("https_proxy", "10.0.0.1:8443", 1);
	setenv("no_proxy", "near.test", 1);
	TAP_EQ_INT(parent_load(&pp, &n, why, sizeof(why)), 0, "env load");
	tap_ok(pp.http == NULL, "only HTTPS_PROXY: plain requests direct");
	tap_ok(pp.https != NULL && pp.https->port == 8443,
	    "https_proxy (lower case, schemeless)");
	tap_ok(parent_select(&pp, "far.test", false) == NULL,
	    "plain request direct");
	tap_ok(parent_select(&pp, "far.test", true) == pp.https,
	    "tunnel via https parent");
	tap_ok(parent_select(&pp, "near.test", true) == NULL, "no_proxy");
	parent_free(&pp);

	setenv("HTTPS_PROXY", "gopher://tls.parent:443", 1);
	TAP_EQ_INT(parent_load(&pp, &n, why, sizeof(why)), 0,
	    "an unusable env URL is ignored, not fatal");
	tap_ok(pp.https == NULL, "and not used");
	parent_free(&pp);

	n.parent_https = "http://cfg:1";
	TAP_EQ_INT(parent_load(&pp, &n, why, sizeof(why)), 0, "cfg wins");
	tap_ok(pp.https != NULL && strcmp(pp.https->host, "cfg") == 0,
	    "settings over environment");
	parent_free(&pp);
	unsetenv("HTTPS_PROXY");
	unsetenv("https_proxy");
	unsetenv("no_proxy");
}

int
main(void)
{
	test_urls();
	test_bypass();
	test_env();
	return tap_done();
}
