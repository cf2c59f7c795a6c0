/* The settings loader: a document with every key, defaults, and invalid
 * documents each with its exact messages ("POINTER: MESSAGE" lines). */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/settings.h"
#include "tests/unit/tap.h"

static const struct settings_env env = { "/home/u", "/work/proj" };

/* Every error as "POINTER: MESSAGE" lines (just MESSAGE for ""). */
static char *
joined(const struct settings_errors *e)
{
	char	*out = NULL, *tmp;
	size_t	 i;

	if ((out = strdup("")) == NULL)
		abort();
	for (i = 0; i < e->n; i++) {
		if (asprintf(&tmp, "%s%s%s%s%s", out, i ? "\n" : "",
		    e->v[i].pointer, e->v[i].pointer[0] ? ": " : "",
		    e->v[i].message) == -1)
			abort();
		free(out);
		out = tmp;
	}
	return out;
}

struct bad {
	const char	*name;
	const char	*json;
	const char	*want;
};

#define NOSUP	"not supported by this srt (only the reference " \
		"sandbox-runtime has it): remove the key"
#define NOSUP_EMPTY	NOSUP " or leave it empty"
#define EMPTY	"file is empty (write {} for the defaults)"

static const struct bad bad[] = {
	{ "bad-01-unknown-key-typo",
	    "{\"filesystem\":{\"denyRaed\":[]}}",
	    "/filesystem/denyRaed: unknown key (did you mean \"denyRead\"?)" },
	{ "bad-02-unknown-top",
	    "{\"netwrok\":{}}",
	    "/netwrok: unknown key (did you mean \"network\"?)" },
	{ "bad-03-key-in-wrong-object",
	    "{\"allowedDomains\":[]}",
	    "/allowedDomains: unknown key (did you mean "
	    "\"/network/allowedDomains\"?)" },
	{ "bad-04-unknown-no-suggestion",
	    "{\"zzzzzzzzzzzzzz\":1}",
	    "/zzzzzzzzzzzzzz: unknown key" },
	{ "bad-05-domain-star-dot",
	    "{\"network\":{\"allowedDomains\":[\"a.com\",\"b.com\",\"*.\"]}}",
	    "/network/allowedDomains/2: \"*.\": not a domain pattern" },
	{ "bad-06-bare-star-allowed",
	    "{\"network\":{\"allowedDomains\":[\"*\"]}}",
	    "/network/allowedDomains/0: \"*\": bare \"*\" is accepted only "
	    "in deniedDomains" },
	{ "bad-07-wildcard-tld",
	    "{\"network\":{\"deniedDomains\":[\"*.com\"]}}",
	    "/network/deniedDomains/0: \"*.com\": wildcard too broad: \"*.\" "
	    "must be followed by a name with a dot" },
	{ "bad-08-unbracketed-v6",
	    "{\"network\":{\"allowedDomains\":[\"::1\"]}}",
	    "/network/allowedDomains/0: \"::1\": IPv6 literal must be "
	    "bracketed, e.g. \"[::1]\" or \"[::1]:443\"" },
	{ "bad-09-port-zero",
	    "{\"network\":{\"allowedDomains\":[\"a.com:0\"]}}",
	    "/network/allowedDomains/0: \"a.com:0\": port must be 1-65535" },
	{ "bad-10-dotless",
	    "{\"network\":{\"allowedDomains\":[\"intranet\"]}}",
	    "/network/allowedDomains/0: \"intranet\": a name without a dot is "
	    "not allowed (except \"localhost\")" },
	{ "bad-11-scheme",
	    "{\"network\":{\"allowedDomains\":[\"https://a.com\"]}}",
	    "/network/allowedDomains/0: \"https://a.com\": not a domain "
	    "pattern: no scheme or path, just the host" },
	{ "bad-12-domain-not-string",
	    "{\"network\":{\"allowedDomains\":[42]}}",
	    "/network/allowedDomains/0: expected a string, got a number" },
	{ "bad-13-domains-not-array",
	    "{\"network\":{\"allowedDomains\":\"a.com\"}}",
	    "/network/allowedDomains: expected an array, got a string" },
	{ "bad-14-port-range",
	    "{\"network\":{\"httpProxyPort\":70000}}",
	    "/network/httpProxyPort: 70000: out of range (1-65535)" },
	{ "bad-15-port-fraction",
	    "{\"network\":{\"socksProxyPort\":1080.5}}",
	    "/network/socksProxyPort: expected an integer, got 1080.5" },
	{ "bad-16-port-string",
	    "{\"network\":{\"socksProxyPort\":\"1080\"}}",
	    "/network/socksProxyPort: expected an integer, got a string" },
	{ "bad-17-depth-zero",
	    "{\"mandatoryDenySearchDepth\":0}",
	    "/mandatoryDenySearchDepth: 0: out of range (1-10)" },
	{ "bad-18-depth-eleven",
	    "{\"mandatoryDenySearchDepth\":11}",
	    "/mandatoryDenySearchDepth: 11: out of range (1-10)" },
	{ "bad-19-bool-string",
	    "{\"network\":{\"strictAllowlist\":\"yes\"}}",
	    "/network/strictAllowlist: expected a boolean, got a string" },
	{ "bad-20-bool-null",
	    "{\"allowNestedUserNamespaces\":null}",
	    "/allowNestedUserNamespaces: expected a boolean, got null" },
	{ "bad-21-duplicate-top",
	    "{\"network\":{},\"network\":{}}",
	    "/network: duplicate key" },
	{ "bad-22-duplicate-nested",
	    "{\"filesystem\":{\"denyRead\":[],\"allowWrite\":[],"
	    "\"denyRead\":[\"/x\"]}}",
	    "/filesystem/denyRead: duplicate key" },
	{ "bad-23-credentials",
	    "{\"credentials\":{\"files\":[],\"envVars\":[{\"name\":\"X\","
	    "\"mode\":\"deny\"}]}}",
	    "/credentials/envVars: " NOSUP_EMPTY },
	{ "bad-24-tls-terminate",
	    "{\"network\":{\"tlsTerminate\":{}}}",
	    "/network/tlsTerminate: " NOSUP },
	{ "bad-25-filter-request",
	    "{\"network\":{\"filterRequest\":true}}",
	    "/network/filterRequest: " NOSUP },
	{ "bad-26-git-safe",
	    "{\"git\":{\"safeDirectories\":[\"/x\"]}}",
	    "/git/safeDirectories: " NOSUP_EMPTY },
	{ "bad-26b-credentials-unknown",
	    "{\"credentials\":{\"injectHosts\":[]}}",
	    "/credentials/injectHosts: unknown key" },
	{ "bad-26c-credentials-sigv4",
	    "{\"credentials\":{\"sigv4\":{\"streaming\":\"deny\"}}}",
	    "/credentials/sigv4: " NOSUP_EMPTY },
	{ "bad-27-top-array",
	    "[]",
	    "expected an object at the top level, got an array" },
	{ "bad-28-top-string",
	    "\"hello\"",
	    "expected an object at the top level, got a string" },
	{ "bad-29-trailing-garbage",
	    "{} x",
	    "invalid JSON at line 1, column 4: parse error: trailing garbage" },
	{ "bad-30-two-documents",
	    "{}\n{}",
	    "invalid JSON at line 2, column 1: parse error: trailing garbage" },
	{ "bad-31-truncated",
	    "{\"network\":",
	    "invalid JSON at line 1, column 12: parse error: premature EOF" },
	{ "bad-32-comment",
	    "{/* c */}",
	    "invalid JSON at line 1, column 1: lexical error: probable comment "
	    "found in input text, comments are not enabled" },
	{ "bad-33-non-utf8",
	    "{\"network\":{\"allowedDomains\":[\"a\xff.com\"]}}",
	    "invalid JSON at line 1, column 33: lexical error: invalid bytes "
	    "in UTF8 string" },
	{ "bad-34-nul-in-string",
	    "{\"filesystem\":{\"denyRead\":[\"/a\\u0000b\"]}}",
	    "invalid JSON at line 1, column 38: string contains a NUL "
	    "character" },
	{ "bad-35-empty-path",
	    "{\"filesystem\":{\"allowWrite\":[\"\"]}}",
	    "/filesystem/allowWrite/0: path cannot be empty" },
	{ "bad-36-literal-false",
	    "{\"filesystem\":{\"denyRead\":[{\"path\":\"/x\","
	    "\"literal\":false}]}}",
	    "/filesystem/denyRead/0: expected a path, or { \"path\": "
	    "\"<path>\", \"literal\": true }" },
	{ "bad-37-literal-extra-key",
	    "{\"filesystem\":{\"denyRead\":[{\"path\":\"/x\",\"literal\":true,"
	    "\"x\":1}]}}",
	    "/filesystem/denyRead/0: expected a path, or { \"path\": "
	    "\"<path>\", \"literal\": true }" },
	{ "bad-38-path-number",
	    "{\"filesystem\":{\"denyWrite\":[7]}}",
	    "/filesystem/denyWrite/0: expected a path, or { \"path\": "
	    "\"<path>\", \"literal\": true }" },
	{ "bad-39-inert-deny-glob",
	    "{\"filesystem\":{\"denyRead\":[\"/home/u/*/\"]}}",
	    "/filesystem/denyRead/0: Deny glob \"/home/u/*/\" ends in a "
	    "separator, so as a pattern it can match no path. Write "
	    "\"/home/u/*\", which is also read as the path of that name where "
	    "it exists, or add a \"**\" segment to match at any depth." },
	{ "bad-40-tilde-user",
	    "{\"filesystem\":{\"denyRead\":[\"~root/.ssh\"]}}",
	    "/filesystem/denyRead/0: \"~root/.ssh\": \"~user\" paths are not "
	    "supported; write the absolute path" },
	{ "bad-41-glob-at-root",
	    "{\"filesystem\":{\"denyRead\":[\"/*/secret\"]}}",
	    "/filesystem/denyRead/0: \"/*/secret\": glob has no literal "
	    "directory below \"/\" to start from" },
	{ "bad-42-dotdot-after-glob",
	    "{\"filesystem\":{\"denyRead\":[\"/home/*/../.ssh\"]}}",
	    "/filesystem/denyRead/0: \"/home/*/../.ssh\": \"..\" after a glob "
	    "character is not supported" },
	{ "bad-43-bad-cidr",
	    "{\"network\":{\"deniedResolvedAddresses\":[\"10.0.0.0/33\","
	    "\"nope\"]}}",
	    "/network/deniedResolvedAddresses/0: \"10.0.0.0/33\": CIDR prefix "
	    "out of range\n"
	    "/network/deniedResolvedAddresses/1: \"nope\": not an IP address "
	    "or CIDR range" },
	{ "bad-44-reason-empty",
	    "{\"network\":{\"deniedDomainReasons\":{\"a.com\":\"\"}}}",
	    "/network/deniedDomainReasons/a.com: must not be empty" },
	{ "bad-45-mitm-missing",
	    "{\"network\":{\"mitmProxy\":{\"domains\":[\"a.com\"]}}}",
	    "/network/mitmProxy: missing key \"socketPath\"" },
	{ "bad-46-mitm-empty-domains",
	    "{\"network\":{\"mitmProxy\":{\"socketPath\":\"/s\","
	    "\"domains\":[]}}}",
	    "/network/mitmProxy/domains: must have at least one entry" },
	{ "bad-47-mitm-port",
	    "{\"network\":{\"mitmProxy\":{\"socketPath\":\"/s\","
	    "\"domains\":[\"a.com:443\"]}}}",
	    "/network/mitmProxy/domains/0: \"a.com:443\": no \":port\" here" },
	{ "bad-48-parent-url",
	    "{\"network\":{\"parentProxy\":{\"http\":\"proxy:3128\"}}}",
	    "/network/parentProxy/http: \"proxy:3128\": not a URL" },
	{ "bad-49-bwrap-relative",
	    "{\"bwrapPath\":\"bin/bwrap\"}",
	    "/bwrapPath: \"bin/bwrap\": binary path must be absolute" },
	{ "bad-50-ripgrep-no-command",
	    "{\"ripgrep\":{\"args\":[]}}",
	    "/ripgrep: missing key \"command\"" },
	{ "bad-51-ignore-not-array",
	    "{\"ignoreViolations\":{\"*\":\"/tmp\"}}",
	    "/ignoreViolations/*: expected an array, got a string" },
	{ "bad-52-ignore-entry-number",
	    "{\"ignoreViolations\":{\"npm\":[\"/a\",1]}}",
	    "/ignoreViolations/npm/1: expected a string, got a number" },
	{ "bad-53-pointer-escape",
	    "{\"ignoreViolations\":{\"a/b~c\":true}}",
	    "/ignoreViolations/a~1b~0c: expected an array, got a boolean" },
	{ "bad-54-mach-wildcard",
	    "{\"network\":{\"allowMachLookup\":[\"com.*.x\"]}}",
	    "/network/allowMachLookup/0: \"com.*.x\": wildcards are only "
	    "allowed as a single trailing \"*\"" },
	{ "bad-55-windows-guid",
	    "{\"windows\":{\"sublayerGuid\":\"nope\"}}",
	    "/windows/sublayerGuid: \"nope\": not a UUID" },
	{ "bad-56-windows-ports",
	    "{\"windows\":{\"proxyPortRange\":[1000,2000]}}",
	    "/windows/proxyPortRange: low must be <= high and range width "
	    "<= 64" },
	{ "bad-57-many-errors-collected",
	    "{\"network\":{\"allowedDomains\":[\"*\"],\"httpProxyPort\":0},"
	    "\"filesystem\":{\"denyRaed\":[]},\"allowPty\":1}",
	    "/network/allowedDomains/0: \"*\": bare \"*\" is accepted only in "
	    "deniedDomains\n"
	    "/network/httpProxyPort: 0: out of range (1-65535)\n"
	    "/filesystem/denyRaed: unknown key (did you mean \"denyRead\"?)\n"
	    "/allowPty: expected a boolean, got a number" },
	{ "bad-58-escaped-control-in-value",
	    "{\"network\":{\"allowedDomains\":[\"a\\n.com\"]}}",
	    "/network/allowedDomains/0: \"a\\u000a.com\": host may hold only "
	    "letters, digits, '.', '-' and '_'" },
	{ "bad-59-request-filter-keys",
	    "{\"network\":{\"stripResponseHeaders\":[\"set-cookie\"],"
	    "\"refuseOpaqueTunnels\":true,\"requireHostMatch\":true}}",
	    "/network/stripResponseHeaders: " NOSUP "\n"
	    "/network/refuseOpaqueTunnels: " NOSUP "\n"
	    "/network/requireHostMatch: " NOSUP },
	{ "bad-60-filesystem-not-object",
	    "{\"filesystem\":[]}",
	    "/filesystem: expected an object, got an array" },
	{ "bad-61-deep-nesting",
	    "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	    "[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
	    "]]]]]]]]]]]}",
	    "invalid JSON at line 1, column 69: nested deeper than 64 levels" },
	{ "bad-62-inert-deny-write-tilde",
	    "{\"filesystem\":{\"denyWrite\":[\"~/.config/*/\"]}}",
	    "/filesystem/denyWrite/0: Deny glob \"~/.config/*/\" ends in a "
	    "separator, so as a pattern it can match no path. Write "
	    "\"~/.config/*\", which is also read as the path of that name "
	    "where it exists, or add a \"**\" segment to match at any depth." },
	{ "bad-63-fs-key-under-network",
	    "{\"network\":{\"denyRead\":[]}}",
	    "/network/denyRead: unknown key (did you mean "
	    "\"/filesystem/denyRead\"?)" },
	{ "bad-64-no-cross-suggestion-from-ripgrep",
	    "{\"command\":\"rg\"}",
	    "/command: unknown key" },
	{ "bad-65-case-typo",
	    "{\"network\":{\"AllowedDomains\":[]}}",
	    "/network/AllowedDomains: unknown key (did you mean "
	    "\"allowedDomains\"?)" },
	{ "bad-66-deny-read-object-empty-path",
	    "{\"filesystem\":{\"denyRead\":[{\"path\":\"\","
	    "\"literal\":true}]}}",
	    "/filesystem/denyRead/0: expected a path, or { \"path\": "
	    "\"<path>\", \"literal\": true }" },
	{ "bad-67-huge-number",
	    "{\"mandatoryDenySearchDepth\":1e999}",
	    "/mandatoryDenySearchDepth: expected an integer, got 1e999" },
};

static void
test_bad(void)
{
	struct settings		 s;
	struct settings_errors	 e;
	char			*got;
	size_t			 i;
	int			 rv;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rv = settings_load_buf(&s, "settings.json", bad[i].json,
		    strlen(bad[i].json), &env, &e);
		got = joined(&e);
		if (!tap_ok(rv == -1 && strcmp(got, bad[i].want) == 0, "%s",
		    bad[i].name))
			tap_diag("  got  \"%s\"\n#   want \"%s\"", got,
			    bad[i].want);
		tap_ok(s.net.allowed.n == 0 && s.fs.deny_read.n == 0 &&
		    s.mandatory_deny_search_depth == 3, "%s: defaults after "
		    "failure", bad[i].name);
		free(got);
		settings_errors_free(&e);
		settings_free(&s);
	}
}

static const char every_key[] =
    "{\n"
    "  \"network\": {\n"
    "    \"allowedDomains\": [\"github.com\", \"*.npmjs.org\","
    " \"api.example.com:443\", \"[::1]:8080\", \"localhost\"],\n"
    "    \"deniedDomains\": [\"*:22\", \"evil.example.com\", \"10.0.0.1\"],\n"
    "    \"deniedDomainReasons\": {\"*:22\": \"no ssh\"},\n"
    "    \"strictAllowlist\": true,\n"
    "    \"deniedResolvedAddresses\": [\"10.0.0.0/8\", \"fd00::/8\"],\n"
    "    \"allowUnixSockets\": [\"/var/run/docker.sock\"],\n"
    "    \"allowAllUnixSockets\": true,\n"
    "    \"allowLocalBinding\": true,\n"
    "    \"allowMachLookup\": [\"com.example.*\"],\n"
    "    \"httpProxyPort\": 8888,\n"
    "    \"socksProxyPort\": 1081.0,\n"
    "    \"mitmProxy\": {\"socketPath\": \"/tmp/mitm.sock\","
    " \"domains\": [\"api.example.com\", \"*.internal.org\", \"::1\"]},\n"
    "    \"parentProxy\": {\"http\": \"http://proxy:3128\","
    " \"https\": \"http://proxy:3129\", \"noProxy\": \"localhost,.corp\"}\n"
    "  },\n"
    "  \"filesystem\": {\n"
    "    \"disabled\": false,\n"
    "    \"denyRead\": [\"~/.ssh\", \"/etc//shadow/\", \"secrets/*.pem\","
    " {\"path\": \"/w/[WIP]\", \"literal\": true}, \"~/.aws/**\"],\n"
    "    \"allowRead\": [\"~/.ssh/known_hosts\"],\n"
    "    \"allowWrite\": [\".\", \"/tmp/./x/../y\", \"~\"],\n"
    "    \"denyWrite\": [\"./.env\"],\n"
    "    \"allowGitConfig\": true\n"
    "  },\n"
    "  \"ignoreViolations\": {\"*\": [\"/usr/bin\"], \"npm\": []},\n"
    "  \"enableWeakerNestedSandbox\": true,\n"
    "  \"allowNestedUserNamespaces\": true,\n"
    "  \"enableWeakerNetworkIsolation\": false,\n"
    "  \"allowAppleEvents\": false,\n"
    "  \"ripgrep\": {\"command\": \"rg\", \"args\": [\"-u\"],"
    " \"argv0\": \"rg\"},\n"
    "  \"mandatoryDenySearchDepth\": 5,\n"
    "  \"allowPty\": true,\n"
    "  \"seccomp\": {\"applyPath\": \"/x\", \"argv0\": \"y\"},\n"
    "  \"bwrapPath\": \"/usr/bin/bwrap\",\n"
    "  \"socatPath\": \"/usr/bin/socat\",\n"
    "  \"javaAgentJarPath\": \"/opt/agent.jar\",\n"
    "  \"windows\": {\"backend\": \"srt-win\", \"sandboxUser\": \"srt\","
    " \"sublayerGuid\": \"12345678-1234-1234-1234-123456789abc\","
    " \"proxyPortRange\": [60080, 60089], \"srtWin\": {\"path\": \"C:/x\"}}\n"
    "}\n";

static void
check_paths(const struct settings *s)
{
	const struct fs_settings	*f = &s->fs;

	TAP_EQ_INT(f->deny_read.n, 5, "denyRead entries");
	TAP_EQ_STR(f->deny_read.v[0].path, "/home/u/.ssh", "~ expanded");
	TAP_EQ_STR(f->deny_read.v[1].path, "/etc/shadow", "// and / dropped");
	TAP_EQ_STR(f->deny_read.v[2].path, "/work/proj/secrets/*.pem",
	    "relative glob against cwd");
	tap_ok(f->deny_read.v[2].glob && !f->deny_read.v[2].literal,
	    "glob flagged");
	TAP_EQ_STR(f->deny_read.v[3].path, "/w/[WIP]", "literal kept");
	tap_ok(f->deny_read.v[3].literal && !f->deny_read.v[3].glob,
	    "literal is no glob");
	TAP_EQ_STR(f->deny_read.v[4].path, "/home/u/.aws",
	    "trailing globstar is the directory");
	tap_ok(!f->deny_read.v[4].glob, "trailing globstar is no glob");
	TAP_EQ_STR(f->deny_read.v[4].raw, "~/.aws/**", "raw kept");
	TAP_EQ_STR(f->allow_write.v[0].path, "/work/proj", "\".\" is cwd");
	TAP_EQ_STR(f->allow_write.v[1].path, "/tmp/y", ". and .. folded");
	TAP_EQ_STR(f->allow_write.v[2].path, "/home/u", "bare ~");
	TAP_EQ_STR(f->deny_write.v[0].path, "/work/proj/.env", "./ relative");
	TAP_EQ_INT(f->allow_read.n, 1, "allowRead entries");
	tap_ok(f->allow_git_config && !f->disabled, "fs booleans");
}

static void
check_net(const struct settings *s)
{
	const struct net_settings	*n = &s->net;

	tap_ok(n->present, "network present");
	TAP_EQ_INT(n->allowed.n, 5, "allowedDomains");
	TAP_EQ_INT(n->allowed.v[3].port, 8080, "[::1]:8080 port");
	TAP_EQ_STR(n->allowed.v[3].host, "::1", "[::1]:8080 host");
	TAP_EQ_INT(n->denied.n, 3, "deniedDomains");
	tap_ok(n->denied.v[0].any && n->denied.v[0].port == 22, "*:22");
	TAP_EQ_INT(n->nreasons, 1, "reasons");
	TAP_EQ_STR(n->reasons[0].entry, "*:22", "reason key");
	TAP_EQ_STR(n->reasons[0].reason, "no ssh", "reason text");
	tap_ok(n->strict_allowlist && n->allow_all_unix_sockets &&
	    n->allow_local_binding, "network booleans");
	TAP_EQ_INT(n->denied_resolved.n, 2, "deniedResolvedAddresses");
	TAP_EQ_INT(n->allow_unix_sockets.n, 1, "allowUnixSockets kept");
	TAP_EQ_INT(n->http_proxy_port, 8888, "httpProxyPort");
	TAP_EQ_INT(n->socks_proxy_port, 1081, "socksProxyPort 1081.0");
	TAP_EQ_STR(n->mitm_socket, "/tmp/mitm.sock", "mitm socket");
	TAP_EQ_INT(n->mitm_domains.n, 3, "mitm domains");
	tap_ok(n->mitm_domains.v[2].ip &&
	    strcmp(n->mitm_domains.v[2].host, "::1") == 0,
	    "mitm domain: bare IPv6 as the reference reads it");
	TAP_EQ_STR(n->parent_http, "http://proxy:3128", "parent http");
	TAP_EQ_STR(n->parent_https, "http://proxy:3129", "parent https");
	TAP_EQ_STR(n->parent_no_proxy, "localhost,.corp", "noProxy");
}

static bool
has_ignored(const struct settings *s, const char *key)
{
	size_t	i;

	for (i = 0; i < s->ignored_keys.n; i++)
		if (strcmp(s->ignored_keys.v[i], key) == 0)
			return true;
	return false;
}

static void
test_every_key(void)
{
	struct settings		 s;
	struct settings_errors	 e;
	char			*got;
	const char		*ign[] = { "/network/allowUnixSockets",
	    "/network/allowLocalBinding", "/network/allowMachLookup",
	    "/enableWeakerNetworkIsolation", "/allowAppleEvents", "/ripgrep",
	    "/allowPty", "/seccomp", "/bwrapPath", "/socatPath",
	    "/javaAgentJarPath", "/windows" };
	size_t			 i;
	int			 rv;

	rv = settings_load_buf(&s, "every.json", every_key,
	    strlen(every_key), &env, &e);
	got = joined(&e);
	if (!tap_ok(rv == 0, "document with every key loads"))
		tap_diag("  %s", got);
	free(got);
	settings_errors_free(&e);
	if (rv != 0)
		return;
	check_net(&s);
	check_paths(&s);
	TAP_EQ_INT(s.nignore, 2, "ignoreViolations rules");
	TAP_EQ_STR(s.ignore[0].command, "*", "ignore command");
	TAP_EQ_STR(s.ignore[0].paths.v[0], "/usr/bin", "ignore path");
	tap_ok(s.enable_weaker_nested_sandbox &&
	    s.allow_nested_user_namespaces, "top booleans");
	TAP_EQ_INT(s.mandatory_deny_search_depth, 5, "search depth");
	TAP_EQ_INT(s.ignored_keys.n, sizeof(ign) / sizeof(ign[0]),
	    "ignored keys counted");
	for (i = 0; i < sizeof(ign) / sizeof(ign[0]); i++)
		tap_ok(has_ignored(&s, ign[i]), "ignored: %s", ign[i]);
	TAP_EQ_STR(s.source, "every.json", "source");
	settings_free(&s);
}

static const char asks_nothing[] =
    "{\"credentials\":{\"files\":[],\"envVars\":[],"
    "\"allowPlaintextInject\":false,\"sigv4\":{}},"
    "\"git\":{\"safeDirectories\":[]}}";

static void
test_defaults(void)
{
	struct settings		 s;
	struct settings_errors	 e;
	int			 rv;

	rv = settings_load_buf(&s, "min.json", "{}", 2, &env, &e);
	tap_ok(rv == 0 && e.n == 0, "{} is valid");
	settings_free(&s);
	rv = settings_load_buf(&s, "empty-sections.json", asks_nothing,
	    strlen(asks_nothing), &env, &e);
	tap_ok(rv == 0 && e.n == 0, "credentials and git asking nothing load");
	settings_errors_free(&e);
	settings_free(&s);
	rv = settings_load_buf(&s, "min.json", "{}", 2, &env, &e);
	tap_ok(!s.net.present && s.net.allowed.n == 0 &&
	    s.mandatory_deny_search_depth == 3 && !s.net.strict_allowlist,
	    "{} gives defaults");
	settings_free(&s);
	rv = settings_load_file(&s, "/nonexistent/.srt-settings.json", false,
	    &env, &e);
	tap_ok(rv == 0 && e.n == 0, "missing default file: defaults");
	TAP_EQ_STR(s.source, "/nonexistent/.srt-settings.json", "source");
	settings_free(&s);
	rv = settings_load_file(&s, "/nonexistent/s.json", true, &env, &e);
	tap_ok(rv == -1 && e.n == 1 &&
	    strcmp(e.v[0].message, "does not exist (create it: {} "
	    "holds the defaults)") == 0,
	    "missing -s file: error");
	settings_errors_free(&e);
	settings_free(&s);
}

static char *
write_tmp(const char *content, size_t len)
{
	char	*path;
	int	 fd;

	if ((path = strdup("/tmp/srt-settings-test.XXXXXX")) == NULL ||
	    (fd = mkstemp(path)) == -1)
		abort();
	if (write(fd, content, len) != (ssize_t)len)
		abort();
	close(fd);
	return path;
}

static void
file_case(const char *name, const char *content, size_t len,
    const char *want)
{
	struct settings		 s;
	struct settings_errors	 e;
	char			*path, *got;
	int			 rv;

	path = write_tmp(content, len);
	rv = settings_load_file(&s, path, false, &env, &e);
	got = joined(&e);
	if (!tap_ok(rv == -1 && strcmp(got, want) == 0, "%s", name))
		tap_diag("  got \"%s\"", got);
	free(got);
	settings_errors_free(&e);
	settings_free(&s);
	unlink(path);
	free(path);
}

static void
test_files(void)
{
	struct settings		 s;
	struct settings_errors	 e;
	char			*big, *path;
	int			 rv;

	file_case("empty file", "", 0, EMPTY);
	file_case("whitespace-only file", " \n\t\n", 4, EMPTY);
	file_case("BOM", "\xef\xbb\xbf{}", 5,
	    "invalid JSON at line 1, column 1: lexical error: invalid char in "
	    "json text");
	if ((big = malloc(SETTINGS_MAX_FILE + 2)) == NULL)
		abort();
	memset(big, ' ', SETTINGS_MAX_FILE + 1);
	big[0] = '{';
	big[SETTINGS_MAX_FILE] = '}';
	file_case("file over 4 MiB", big, SETTINGS_MAX_FILE + 1,
	    "cannot be read: larger than 4 MiB");
	free(big);
	rv = settings_load_file(&s, "/tmp", true, &env, &e);
	tap_ok(rv == -1 && e.n == 1 &&
	    strcmp(e.v[0].message, "cannot be read: not a regular file") == 0,
	    "directory refused");
	settings_errors_free(&e);
	settings_free(&s);
	path = write_tmp("{\"allowPty\": true}", 18);
	rv = settings_load_file(&s, path, true, &env, &e);
	tap_ok(rv == 0 && s.ignored_keys.n == 1, "file loads");
	settings_free(&s);
	if (geteuid() == 0)
		tap_skip("root reads any file", "unreadable file");
	else {
		chmod(path, 0);
		rv = settings_load_file(&s, path, false, &env, &e);
		tap_ok(rv == -1 && e.n == 1 && strcmp(e.v[0].message,
		    "cannot be read: Permission denied") == 0,
		    "unreadable file is an error even when not required");
		settings_errors_free(&e);
		settings_free(&s);
	}
	unlink(path);
	free(path);
}

/*
 * tests/unit/settings/: NAME.json files; good-* must load, bad-* must fail
 * with the lines of NAME.expect.  Found through SRT_TESTS_DIR, else next
 * to the binary's tree (TOP/build/tests/test_policy_settings).
 */
static bool
fixture_dir(char *out, size_t outlen)
{
	char		 exe[PATH_MAX], *slash;
	const char	*env_dir;
	ssize_t		 n;
	int		 i;

	if ((env_dir = getenv("SRT_TESTS_DIR")) != NULL) {
		if (snprintf(out, outlen, "%s/unit/settings", env_dir) >=
		    (int)outlen)
			return false;
		return access(out, R_OK) == 0;
	}
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) == -1)
		return false;
	exe[n] = '\0';
	for (i = 0; i < 3; i++)
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
	if (snprintf(out, outlen, "%s/tests/unit/settings", exe) >=
	    (int)outlen)
		return false;
	return access(out, R_OK) == 0;
}

static char *
slurp(const char *path)
{
	char	*buf;
	FILE	*f;
	long	 n;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	if ((buf = calloc(1, (size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n)
		abort();
	fclose(f);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return buf;
}

static void
fixture_one(const char *dir, const char *name)
{
	struct settings		 s;
	struct settings_errors	 e;
	char			 path[PATH_MAX], exp[PATH_MAX];
	char			*got, *want;
	int			 rv;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path)) {
		tap_ok(0, "fixture path %s", name);
		return;
	}
	rv = settings_load_file(&s, path, true, &env, &e);
	got = joined(&e);
	if (strncmp(name, "good-", 5) == 0) {
		if (!tap_ok(rv == 0, "fixture %s loads", name))
			tap_diag("  %s", got);
	} else {
		if (snprintf(exp, sizeof(exp), "%.*s.expect",
		    (int)(strlen(path) - 5), path) >= (int)sizeof(exp) ||
		    (want = slurp(exp)) == NULL)
			tap_ok(0, "fixture %s has %s", name, exp);
		else if (!tap_ok(rv == -1 && strcmp(got, want) == 0,
		    "fixture %s", name))
			tap_diag("  got  \"%s\"\n#   want \"%s\"", got, want);
		free(want);
	}
	free(got);
	settings_errors_free(&e);
	settings_free(&s);
}

static void
test_fixtures(void)
{
	struct dirent	*de;
	char		 dir[PATH_MAX];
	DIR		*d;
	size_t		 n, seen = 0;

	if (!fixture_dir(dir, sizeof(dir)) || (d = opendir(dir)) == NULL) {
		tap_skip("no tests/unit/settings here", "fixture files");
		return;
	}
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n > 5 && strcmp(de->d_name + n - 5, ".json") == 0) {
			fixture_one(dir, de->d_name);
			seen++;
		}
	}
	closedir(d);
	tap_ok(seen >= 9, "%zu fixture files", seen);
}

/* settings_errors_print: the lines a user sees on stderr. */
static void
test_print(void)
{
	struct settings		 s;
	struct settings_errors	 e;
	char			*path, buf[1024];
	const char		*doc = "{\"network\":{\"allowedDomains\":"
	    "[\"a.com\",\"b.com\",\"*.\"]},\"filesystem\":{\"denyRaed\":[]}}";
	const char		*want =
	    "settings.json: /network/allowedDomains/2: "
	    "\"*.\": not a domain pattern\n"
	    "settings.json: /filesystem/denyRaed: unknown key (did you mean "
	    "\"denyRead\"?)\n"
	    "settings.json: file is empty (write {} for the defaults)\n";
	struct settings_errors	 e2;
	ssize_t			 n;
	int			 fd, saved;

	path = write_tmp("", 0);
	if ((fd = open(path, O_RDWR | O_TRUNC)) == -1 ||
	    (saved = dup(STDERR_FILENO)) == -1)
		abort();
	settings_load_buf(&s, "settings.json", doc, strlen(doc), &env, &e);
	settings_free(&s);
	settings_load_buf(&s, "settings.json", "", 0, &env, &e2);
	settings_free(&s);
	dup2(fd, STDERR_FILENO);
	settings_errors_print(&e, "settings.json");
	settings_errors_print(&e2, "settings.json");
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n < 0 ? 0 : n] = '\0';
	if (!tap_ok(strcmp(buf, want) == 0, "stderr lines: FILE: POINTER: MSG"))
		tap_diag("  got \"%s\"", buf);
	close(fd);
	unlink(path);
	free(path);
	settings_errors_free(&e);
	settings_errors_free(&e2);
}

int
main(void)
{
	test_bad();
	test_every_key();
	test_defaults();
	test_files();
	test_fixtures();
	test_print();
	return tap_done();
}
