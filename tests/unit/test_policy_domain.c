/* Domain patterns: parse (every rejection the reference makes), match,
 * and the deny > allow > default-deny precedence. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/domain.h"
#include "tests/unit/tap.h"

#define OK	NULL
#define BAD	"not a domain pattern"
#define V6	"IPv6 literal must be bracketed, e.g. \"[::1]\" or " \
		"\"[::1]:443\""
#define ANY	"bare \"*\" is accepted only in deniedDomains"
#define BROAD	"wildcard too broad: \"*.\" must be followed by a name " \
		"with a dot"
#define NODOT	"a name without a dot is not allowed (except \"localhost\")"
#define PORT	"port must be 1-65535"
#define CHARS	"host may hold only letters, digits, '.', '-' and '_'"
#define SCHEME	"not a domain pattern: no scheme or path, just the host"
#define BRACK	"brackets are only for IPv6 literals"

struct parse_case {
	const char	*text;
	int		 allow_any;
	const char	*why;
	const char	*host;		/* expected canonical host when OK */
	int		 port;
	int		 wildcard, ip;
};

static const struct parse_case parse_cases[] = {
	{ "example.com", 0, OK, "example.com", 0, 0, 0 },
	{ "Example.COM", 0, OK, "example.com", 0, 0, 0 },
	{ "*.example.com", 0, OK, "example.com", 0, 1, 0 },
	{ "api.github.com:443", 0, OK, "api.github.com", 443, 0, 0 },
	{ "*.npmjs.org:8443", 0, OK, "npmjs.org", 8443, 1, 0 },
	{ "localhost", 0, OK, "localhost", 0, 0, 0 },
	{ "localhost:8080", 0, OK, "localhost", 8080, 0, 0 },
	{ "*.localhost", 0, BROAD, NULL, 0, 0, 0 },
	{ "[::1]", 0, OK, "::1", 0, 0, 1 },
	{ "[::1]:443", 0, OK, "::1", 443, 0, 1 },
	{ "[2001:DB8:0:0::1]:65535", 0, OK, "2001:db8::1", 65535, 0, 1 },
	{ "[::ffff:127.0.0.1]", 0, OK, "127.0.0.1", 0, 0, 1 },
	{ "[fe80::1%eth0]", 0, OK, "fe80::1", 0, 0, 1 },
	{ "1.2.3.4", 0, OK, "1.2.3.4", 0, 0, 1 },
	{ "10.0.0.1:22", 0, OK, "10.0.0.1", 22, 0, 1 },
	{ "127.1", 0, OK, "127.0.0.1", 0, 0, 1 },
	{ "a.b.c.d.e", 0, OK, "a.b.c.d.e", 0, 0, 0 },
	{ "_dmarc.example.com", 0, OK, "_dmarc.example.com", 0, 0, 0 },
	{ "*.co.uk", 0, OK, "co.uk", 0, 1, 0 },
	{ "*", 1, OK, "*", 0, 0, 0 },
	{ "*:22", 1, OK, "*", 22, 0, 0 },
	{ "*.example.com:22", 1, OK, "example.com", 22, 1, 0 },
	/* rejections */
	{ "", 0, BAD, NULL, 0, 0, 0 },
	{ "*", 0, ANY, NULL, 0, 0, 0 },
	{ "*:22", 0, ANY, NULL, 0, 0, 0 },
	{ "*.", 0, BAD, NULL, 0, 0, 0 },
	{ "*.", 1, BAD, NULL, 0, 0, 0 },
	{ "*.com", 0, BROAD, NULL, 0, 0, 0 },
	{ "*.com", 1, BROAD, NULL, 0, 0, 0 },
	{ "*..com", 0, BAD, NULL, 0, 0, 0 },
	{ "*.example.com.", 0, BAD, NULL, 0, 0, 0 },
	{ "*.example..com", 0, BAD, NULL, 0, 0, 0 },
	{ "**.example.com", 0, BAD, NULL, 0, 0, 0 },
	{ "*example.com", 0, BAD, NULL, 0, 0, 0 },
	{ "foo.*.com", 0, BAD, NULL, 0, 0, 0 },
	{ "example.*", 0, BAD, NULL, 0, 0, 0 },
	{ "com", 0, NODOT, NULL, 0, 0, 0 },
	{ "intranet:80", 0, NODOT, NULL, 0, 0, 0 },
	{ ".example.com", 0, BAD, NULL, 0, 0, 0 },
	{ "example.com.", 0, BAD, NULL, 0, 0, 0 },
	{ "http://example.com", 0, SCHEME, NULL, 0, 0, 0 },
	{ "example.com/path", 0, SCHEME, NULL, 0, 0, 0 },
	{ "example.com:0", 0, PORT, NULL, 0, 0, 0 },
	{ "example.com:65536", 0, PORT, NULL, 0, 0, 0 },
	{ "example.com:080", 0, PORT, NULL, 0, 0, 0 },
	{ "example.com:", 0, PORT, NULL, 0, 0, 0 },
	{ "example.com:http", 0, PORT, NULL, 0, 0, 0 },
	{ "evil.com:443.allowed.com", 0, PORT, NULL, 0, 0, 0 },
	{ "::1", 0, V6, NULL, 0, 0, 0 },
	{ "2001:db8::1:443", 0, V6, NULL, 0, 0, 0 },
	{ "::1", 1, V6, NULL, 0, 0, 0 },
	{ "[::1]junk", 0, BAD, NULL, 0, 0, 0 },
	{ "[::1]:0", 0, PORT, NULL, 0, 0, 0 },
	{ "[::1", 0, BAD, NULL, 0, 0, 0 },
	{ "[]", 0, BAD, NULL, 0, 0, 0 },
	{ "[zz::1]", 0, BAD, NULL, 0, 0, 0 },
	{ "[1.2.3.4]", 0, BRACK, NULL, 0, 0, 0 },
	{ "[example.com]", 0, BRACK, NULL, 0, 0, 0 },
	{ "exa mple.com", 0, CHARS, NULL, 0, 0, 0 },
	{ "b\xc3\xbc" "cher.de", 0, CHARS, NULL, 0, 0, 0 },
	{ "evil.com%00.ok.com", 0, CHARS, NULL, 0, 0, 0 },
};

struct match_case {
	const char	*pattern;
	const char	*host;
	int		 port;
	int		 want;
};

static const struct match_case match_cases[] = {
	{ "example.com", "example.com", 443, 1 },
	{ "example.com", "EXAMPLE.com", 80, 1 },
	{ "example.com", "example.com.", 443, 1 },
	{ "example.com", "example.com..", 443, 0 },
	{ "example.com", "www.example.com", 443, 0 },
	{ "example.com", "notexample.com", 443, 0 },
	{ "example.com", "example.com.evil.net", 443, 0 },
	{ "example.com", "[example.com]", 443, 0 },
	{ "example.com", "", 443, 0 },
	{ "*.example.com", "example.com", 443, 0 },
	{ "*.example.com", "a.example.com", 443, 1 },
	{ "*.example.com", "a.b.example.com", 1, 1 },
	{ "*.example.com", "A.Example.Com.", 443, 1 },
	{ "*.example.com", "aexample.com", 443, 0 },
	{ "*.example.com", ".example.com", 443, 0 },
	{ "*.example.com", "example.com.evil.net", 443, 0 },
	{ "*.example.com", "evil.com\x01.example.com", 443, 0 },
	{ "*.example.com", "evil.com .example.com", 443, 0 },
	{ "*.example.com", "evil%x.example.com", 443, 0 },
	{ "*.0.0.1", "127.0.0.1", 443, 0 },
	{ "example.com:443", "example.com", 443, 1 },
	{ "example.com:443", "example.com", 80, 0 },
	{ "*.example.com:8443", "x.example.com", 8443, 1 },
	{ "*.example.com:8443", "x.example.com", 443, 0 },
	{ "localhost", "localhost", 3000, 1 },
	{ "localhost", "LOCALHOST.", 3000, 1 },
	{ "localhost", "127.0.0.1", 3000, 0 },
	{ "127.0.0.1", "127.0.0.1", 80, 1 },
	{ "127.0.0.1", "127.1", 80, 1 },
	{ "127.0.0.1", "2130706433", 80, 1 },
	{ "127.0.0.1", "0x7f.0.0.1", 80, 1 },
	{ "127.0.0.1", "0177.0.0.1", 80, 1 },
	{ "127.0.0.1", "[::ffff:127.0.0.1]", 80, 1 },
	{ "127.0.0.1", "::ffff:7f00:1", 80, 1 },
	{ "127.0.0.1", "127.0.0.1.", 80, 1 },
	{ "127.0.0.1", "127.0.0.2", 80, 0 },
	{ "169.254.169.254", "2852039166", 80, 1 },
	{ "[::1]", "::1", 443, 1 },
	{ "[::1]", "[::1]", 443, 1 },
	{ "[::1]", "[0:0:0:0:0:0:0:1]", 443, 1 },
	{ "[::1]", "[::1%lo]", 443, 0 },
	{ "[::1]:443", "[::1]", 80, 0 },
	{ "[2001:db8::1]", "2001:DB8::0:1", 80, 1 },
	{ "[2001:db8::1]", "2001:db8::2", 80, 0 },
	{ "[::ffff:10.0.0.1]", "10.0.0.1", 80, 1 },
	{ "*", "anything.at.all", 1, 1 },
	{ "*", "10.1.2.3", 1, 1 },
	{ "*:22", "github.com", 22, 1 },
	{ "*:22", "github.com", 443, 0 },
	{ "a.b.c.d.e", "a.b.c.d.e", 1, 1 },
	{ "_dmarc.example.com", "_DMARC.example.com", 53, 1 },
};

struct decide_case {
	const char		*allowed[4];
	const char		*denied[4];
	const char		*host;
	int			 port;
	enum net_verdict	 verdict;
	long			 rule;
};

static const struct decide_case decide_cases[] = {
	{ { "example.com" }, { NULL }, "example.com", 443, NET_ALLOW, 0 },
	{ { "example.com" }, { NULL }, "other.com", 443,
	    NET_DENY_NOT_ALLOWED, -1 },
	{ { NULL }, { NULL }, "example.com", 443, NET_DENY_NOT_ALLOWED, -1 },
	{ { "example.com" }, { "example.com" }, "example.com", 443,
	    NET_DENY_DENIED, 0 },
	{ { "*.example.com" }, { "bad.example.com" }, "bad.example.com", 443,
	    NET_DENY_DENIED, 0 },
	{ { "*.example.com" }, { "bad.example.com" }, "good.example.com", 443,
	    NET_ALLOW, 0 },
	{ { "github.com" }, { "github.com:22" }, "github.com", 22,
	    NET_DENY_DENIED, 0 },
	{ { "github.com" }, { "github.com:22" }, "github.com", 443,
	    NET_ALLOW, 0 },
	{ { "a.com", "*.b.com", "c.com:8080" }, { "*" }, "a.com", 443,
	    NET_DENY_DENIED, 0 },
	{ { "a.com", "*.b.com", "c.com:8080" }, { "*:22" }, "x.b.com", 443,
	    NET_ALLOW, 1 },
	{ { "a.com", "*.b.com", "c.com:8080" }, { "*:22" }, "c.com", 8080,
	    NET_ALLOW, 2 },
	{ { "a.com", "*.b.com", "c.com:8080" }, { "*:22" }, "c.com", 80,
	    NET_DENY_NOT_ALLOWED, -1 },
	{ { "a.com", "*.b.com" }, { "x.com", "*:22" }, "a.com", 22,
	    NET_DENY_DENIED, 1 },
	{ { "a.com" }, { NULL }, "a.com\x01", 443, NET_DENY_MALFORMED, -1 },
	{ { "a.com" }, { NULL }, "a.com", 0, NET_DENY_MALFORMED, -1 },
	{ { "a.com" }, { NULL }, "a.com", 65536, NET_DENY_MALFORMED, -1 },
	{ { "[::1]" }, { NULL }, "[::1]", 80, NET_ALLOW, 0 },
	{ { "127.0.0.1" }, { "127.0.0.1" }, "127.1", 80, NET_DENY_DENIED, 0 },
};

static int
parse_one(const char *text, int allow_any, struct domain_pattern *p)
{
	const char	*why;

	why = domain_parse(text, allow_any, p);
	if (why != NULL) {
		tap_diag("  %s: %s", text, why);
		return -1;
	}
	return 0;
}

static void
test_parse(void)
{
	const struct parse_case	*c;
	struct domain_pattern	 p;
	const char		*why;
	size_t			 i;

	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		c = &parse_cases[i];
		why = domain_parse(c->text, c->allow_any, &p);
		TAP_EQ_STR(why, c->why, c->text);
		if (why == NULL && c->why == NULL) {
			tap_ok(strcmp(p.host, c->host) == 0 &&
			    p.port == c->port && p.wildcard == c->wildcard &&
			    p.ip == c->ip && strcmp(p.text, c->text) == 0,
			    "%s: host %s port %d wildcard %d ip %d", c->text,
			    p.host, p.port, p.wildcard, p.ip);
		}
		domain_pattern_free(&p);
	}
}

static void
test_long(void)
{
	struct domain_pattern	 p;
	char			 buf[400];

	memset(buf, 'a', sizeof(buf) - 5);
	memcpy(buf + sizeof(buf) - 5, ".com", 5);
	tap_ok(domain_parse(buf, false, &p) != NULL, "300+ byte name rejected");
	domain_pattern_free(&p);
	memset(buf, 'a', 251);
	memcpy(buf + 251, ".com", 5);
	tap_ok(domain_parse(buf, false, &p) == NULL, "255 byte name accepted");
	tap_ok(domain_match(&p, buf, 1), "255 byte name matches");
	domain_pattern_free(&p);
	tap_ok(!domain_match(&p, NULL, 1), "NULL host never matches");
}

static void
test_match(void)
{
	const struct match_case	*c;
	struct domain_pattern	 p;
	size_t			 i;
	int			 got;

	for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		c = &match_cases[i];
		if (parse_one(c->pattern, 1, &p) == -1) {
			tap_ok(0, "parse %s", c->pattern);
			continue;
		}
		got = domain_match(&p, c->host, c->port);
		tap_ok(got == c->want, "%s %s %s:%d", c->pattern,
		    c->want ? "matches" : "does not match", c->host, c->port);
		domain_pattern_free(&p);
	}
}

static int
build_list(struct domain_list *l, const char *const *v, int allow_any)
{
	struct domain_pattern	p;
	int			i;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < 4 && v[i] != NULL; i++) {
		if (parse_one(v[i], allow_any, &p) == -1)
			return -1;
		if (domain_list_add(l, &p) == -1)
			abort();
	}
	return 0;
}

static void
test_decide(void)
{
	const struct decide_case	*c;
	struct domain_list		 al, dl;
	struct net_decision		 d;
	size_t				 i;

	for (i = 0; i < sizeof(decide_cases) / sizeof(decide_cases[0]); i++) {
		c = &decide_cases[i];
		if (build_list(&al, c->allowed, 0) == -1 ||
		    build_list(&dl, c->denied, 1) == -1) {
			tap_ok(0, "decide case %zu lists", i);
			continue;
		}
		d = domain_decide(&al, &dl, c->host, c->port);
		tap_ok(d.verdict == c->verdict && d.rule == c->rule,
		    "decide %zu: %s:%d -> verdict %d rule %ld", i, c->host,
		    c->port, d.verdict, d.rule);
		if (d.verdict == NET_ALLOW)
			TAP_EQ_INT(domain_list_match(&al, c->host, c->port),
			    d.rule, "list_match agrees with decide");
		domain_list_free(&al);
		domain_list_free(&dl);
	}
	d = domain_decide(NULL, NULL, "a.com", 1);
	tap_ok(d.verdict == NET_DENY_NOT_ALLOWED, "NULL lists deny");
}

static void
test_canon(void)
{
	char	out[DOMAIN_CANON_MAX];

	tap_ok(domain_canon_host("WWW.Example.com.", out, sizeof(out)) &&
	    strcmp(out, "www.example.com") == 0, "canon name");
	tap_ok(domain_canon_host("[0::1]", out, sizeof(out)) &&
	    strcmp(out, "::1") == 0, "canon v6");
	tap_ok(domain_canon_host("0x7f.1", out, sizeof(out)) &&
	    strcmp(out, "127.0.0.1") == 0, "canon inet_aton");
	tap_ok(!domain_canon_host("a b", out, sizeof(out)), "space refused");
	tap_ok(!domain_canon_host("[a.com]", out, sizeof(out)),
	    "bracketed name refused");
	tap_ok(!domain_canon_host(".", out, sizeof(out)), "lone dot refused");
	tap_ok(!domain_canon_host("fe80::1%eth0", out, sizeof(out)),
	    "zone refused");
	tap_ok(!domain_canon_host("a.com", out, 3), "short buffer refused");
}

int
main(void)
{
	test_parse();
	test_long();
	test_match();
	test_decide();
	test_canon();
	return tap_done();
}
