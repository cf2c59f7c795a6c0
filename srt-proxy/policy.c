/*
 * The proxy's view of the settings: domain decisions with the reference's
 * reasons, the address guard's rules, MITM routing.  A policy is
 * immutable once built and reference-counted: a reload swaps the pointer
 * for new connections while older ones finish under the policy they
 * started with.
 */
#include <sys/types.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libcommon/event.h"
#include "libcommon/log.h"
#include "srt-proxy/proxy.h"

/* Built-in ranges no allowed name may resolve to (REFERENCE.md). */
static const struct {
	const char	*why;
	const char	*range;
} builtin_denied[] = {
	{ "a loopback address", "127.0.0.0/8" },
	{ "a loopback address", "::1/128" },
	{ "an unspecified address", "0.0.0.0/8" },
	{ "an unspecified address", "::/128" },
	{ "a link-local address", "169.254.0.0/16" },
	{ "a link-local address", "fe80::/10" },
	{ "a multicast address", "224.0.0.0/4" },
	{ "a multicast address", "ff00::/8" },
	{ "the broadcast address", "255.255.255.255/32" },
	{ "a cloud metadata address", "100.100.100.200/32" },
	{ "a cloud metadata address", "168.63.129.16/32" },
	{ "a cloud metadata address", "192.0.0.192/32" },
	{ "a cloud metadata address", "fd00:ec2::/32" },
	{ "a cloud metadata address", "fd20:ce::254/128" },
	{ "a cloud metadata address", "fd00:c1::a9fe:a9fe/128" },
	{ "a cloud metadata address", "fd00:42::42/128" },
	{ "a cloud metadata address", "fd00:a9fe:a9fe::1/128" },
	{ "a cloud metadata address", "fd00:100::100:200/128" },
};
#define NBUILTIN	(sizeof(builtin_denied) / sizeof(builtin_denied[0]))

static struct addr_range	builtin[NBUILTIN];
static bool			builtin_ready;

static void
builtin_init(void)
{
	size_t	i;

	if (builtin_ready)
		return;
	for (i = 0; i < NBUILTIN; i++)
		if (addr_range_parse(builtin_denied[i].range, &builtin[i]) !=
		    NULL)
			fatalx("%s: bad built-in range %s", __func__,
			    builtin_denied[i].range);
	builtin_ready = true;
}

int
canon_host(const char *in, char *out, size_t outsz)
{
	return domain_canon_host(in, out, outsz) ? 0 : -1;
}

/* IP-literal entries of a domain list, with their ports. */
static int
literals(const struct domain_list *l, struct addr_list *out, int **ports)
{
	struct addr_range	r;
	size_t			i;
	int			*np;

	for (i = 0; i < l->n; i++) {
		if (!l->v[i].ip || addr_range_parse(l->v[i].host, &r) != NULL)
			continue;
		if (addr_list_add(out, &r) == -1)
			return -1;
		np = reallocarray(*ports, out->n, sizeof(int));
		if (np == NULL)
			return -1;
		*ports = np;
		np[out->n - 1] = l->v[i].port;
	}
	return 0;
}

/* Takes ownership of *s (which is reinitialised). */
/* Why the last policy_new() failed, when it was not memory. */
static char	policy_why[300];

struct policy *
policy_new(struct settings *s)
{
	struct policy	*p;

	builtin_init();
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->refs = 1;
	p->s = *s;
	memset(s, 0, sizeof(*s));
	if (literals(&p->s.net.denied, &p->lit_denied,
	    &p->lit_denied_port) == -1 ||
	    literals(&p->s.net.allowed, &p->lit_allowed,
	    &p->lit_allowed_port) == -1) {
		policy_unref(p);
		return NULL;
	}
	policy_why[0] = '\0';
	if (parent_load(&p->parent, &p->s.net, policy_why,
	    sizeof(policy_why)) == -1 || (parent_tls(&p->parent) &&
	    tls_ready(policy_why, sizeof(policy_why)) == -1)) {
		log_warnx("%s", policy_why);
		policy_unref(p);
		return NULL;
	}
	return p;
}

struct policy *
policy_ref(struct policy *p)
{
	p->refs++;
	return p;
}

void
policy_unref(struct policy *p)
{
	if (p == NULL || --p->refs > 0)
		return;
	settings_free(&p->s);
	addr_list_free(&p->lit_denied);
	addr_list_free(&p->lit_allowed);
	free(p->lit_denied_port);
	free(p->lit_allowed_port);
	parent_free(&p->parent);
	free(p);
}

static void
policy_swap(struct proxy *px, struct policy *p)
{
	struct policy	*old = px->policy;

	px->policy = p;
	policy_unref(old);
}

static const struct settings_env *
policy_env(void)
{
	static struct settings_env	env;
	const char			*home = getenv("HOME");

	env.home = home ? home : "/";
	env.cwd = "/";
	return &env;
}

void
policy_default(struct proxy *px)
{
	struct settings	 s;
	struct policy	*p;

	settings_init_defaults(&s, "<defaults>");
	if ((p = policy_new(&s)) == NULL)
		fatalx("out of memory");
	policy_swap(px, p);
}

int
policy_load_file(struct proxy *px, const char *path)
{
	struct settings		 s;
	struct settings_errors	 errs = { NULL, 0 };
	struct policy		*p;

	if (settings_load_file(&s, path, true, policy_env(), &errs) == -1) {
		settings_errors_print(&errs, path);
		settings_errors_free(&errs);
		settings_free(&s);
		return -1;
	}
	if ((p = policy_new(&s)) == NULL) {
		settings_free(&s);
		return -1;
	}
	policy_swap(px, p);
	return 0;
}

int
policy_load_buf(struct proxy *px, const char *buf, size_t len, char *why,
    size_t whysz)
{
	struct settings		 s;
	struct settings_errors	 errs = { NULL, 0 };
	struct policy		*p;

	if (settings_load_buf(&s, "<policy>", buf, len, policy_env(),
	    &errs) == -1) {
		if (errs.n > 0)
			snprintf(why, whysz, "%s: %s", errs.v[0].pointer,
			    errs.v[0].message);
		else
			strlcpy(why, "invalid settings", whysz);
		settings_errors_free(&errs);
		settings_free(&s);
		return -1;
	}
	if ((p = policy_new(&s)) == NULL) {
		strlcpy(why, policy_why[0] ? policy_why : "out of memory",
		    whysz);
		settings_free(&s);
		return -1;
	}
	policy_swap(px, p);
	return 0;
}

static const char *
deny_reason(const struct policy *p, long rule)
{
	const char	*entry = p->s.net.denied.v[rule].text;
	size_t		 i;

	for (i = 0; i < p->s.net.nreasons; i++)
		if (strcmp(p->s.net.reasons[i].entry, entry) == 0)
			return p->s.net.reasons[i].reason;
	return "host is on the deny list";
}

/* deniedDomains, then allowedDomains, else deny; strictAllowlist gives
 * the same answer here since srt-proxy never asks a user. */
const char *
policy_check(const struct policy *p, const char *host, int port)
{
	struct net_decision	d;

	d = domain_decide(&p->s.net.allowed, &p->s.net.denied, host, port);
	switch (d.verdict) {
	case NET_ALLOW:
		return NULL;
	case NET_DENY_DENIED:
		return deny_reason(p, d.rule);
	case NET_DENY_MALFORMED:
		return "malformed host";
	default:
		return "host is not on the allow list";
	}
}

static bool
lit_contains(const struct addr_list *l, const int *ports, int port,
    const struct in6_addr *a)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if ((ports[i] == 0 || ports[i] == port) &&
		    addr_range_contains(&l->v[i], a))
			return true;
	return false;
}

static bool
loopback_name(const char *h)
{
	size_t	n = strlen(h);

	return strcmp(h, "localhost") == 0 ||
	    (n > 10 && strcmp(h + n - 10, ".localhost") == 0);
}

static bool
loopback_addr(const struct in6_addr *a)
{
	return IN6_IS_ADDR_LOOPBACK(a) ||
	    (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
}

/*
 * The guard's verdict for one resolved address, in the reference's order:
 * a denied literal always refuses; an allowed literal always passes; an
 * allowed localhost name must stay on loopback; then the built-in
 * classes, deniedResolvedAddresses and this host's own addresses.  The
 * IPv4 embedded in a NAT64/6to4/compatible answer only adds denials.
 */
const char *
policy_addr_denied(const struct proxy *px, const struct policy *p,
    const char *host, int port, const struct in6_addr *a)
{
	struct in_addr	 v4;
	struct in6_addr	 m;
	bool		 emb;
	size_t		 i;

	emb = addr_embedded_v4(a, &v4);
	if (emb)
		addr_from_v4(&m, &v4);
#define DENIES(expr_a, expr_m) ((expr_a) || (emb && (expr_m)))
	if (DENIES(lit_contains(&p->lit_denied, p->lit_denied_port, port, a),
	    lit_contains(&p->lit_denied, p->lit_denied_port, port, &m)))
		return "a deny-listed address";
	if (lit_contains(&p->lit_allowed, p->lit_allowed_port, port, a))
		return NULL;
	if (loopback_name(host))
		return loopback_addr(a) ? NULL : "a non-loopback address";
	for (i = 0; i < NBUILTIN; i++)
		if (DENIES(addr_range_contains(&builtin[i], a),
		    addr_range_contains(&builtin[i], &m)))
			return builtin_denied[i].why;
	if (DENIES(addr_list_contains(&p->s.net.denied_resolved, a),
	    addr_list_contains(&p->s.net.denied_resolved, &m)))
		return "a listed address";
	if (DENIES(addr_list_contains(&px->ifaddrs, a),
	    addr_list_contains(&px->ifaddrs, &m)))
		return "one of this host's addresses";
#undef DENIES
	return NULL;
}

bool
policy_mitm(const struct policy *p, const char *host, int port)
{
	return p->s.net.mitm_socket != NULL &&
	    domain_list_match(&p->s.net.mitm_domains, host, port) != -1;
}

/*
 * A decision worth telling: denials always (logged under -d, and sent to
 * the monitor in service mode as an srt-events(5) record), allows only
 * under -dd.
 */
void
policy_event(struct conn *c, const char *proto, const char *host, int port,
    const char *verdict, const char *reason)
{
	struct srt_event	ev;
	char			json[EVENT_JSON_MAX];

	if (reason == NULL) {
		if (log_getverbose() > 1)
			log_debug("%s %s:%d allowed", proto, host, port);
		return;
	}
	c->px->stat_denied++;
	log_debug("%s %s:%d denied: %s", proto, host, port, reason);
	if (!c->px->have_mon)
		return;
	event_stamp(&ev);
	ev.sandbox_id = c->peerid;
	ev.kind = EVENT_KIND_NETWORK;
	ev.decision = strcmp(verdict, "allow") == 0 ? EVENT_ALLOW : EVENT_DENY;
	strlcpy(ev.operation, strcmp(proto, "http") == 0 ? "request" :
	    "connect", sizeof(ev.operation));
	event_set_hostport(&ev, host, port);
	event_strtrunc(ev.reason, sizeof(ev.reason), reason);
	if (event_to_json(&ev, json, sizeof(json)) == -1)
		return;
	service_event(c->px, c->peerid, json);
}
