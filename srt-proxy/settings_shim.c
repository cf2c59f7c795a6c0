/*
 * TEMPORARY: a stand-in for policy/settings.c covering the network keys
 * the proxy uses, so srt-proxy builds and is tested before the policy
 * branch's loader lands.  Delete this file when merging that loader.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#include "policy/settings.h"

static void
err_add(struct settings_errors *e, const char *ptr, const char *msg)
{
	struct settings_error	*v;

	if ((v = reallocarray(e->v, e->n + 1, sizeof(*v))) == NULL)
		return;
	e->v = v;
	v[e->n].pointer = strdup(ptr);
	v[e->n].message = strdup(msg);
	e->n++;
}

void
settings_init_defaults(struct settings *s, const char *source)
{
	memset(s, 0, sizeof(*s));
	s->source = strdup(source);
	s->mandatory_deny_search_depth = 3;
}

void
settings_free(struct settings *s)
{
	size_t	i;

	free(s->source);
	domain_list_free(&s->net.allowed);
	domain_list_free(&s->net.denied);
	domain_list_free(&s->net.mitm_domains);
	for (i = 0; i < s->net.nreasons; i++) {
		free(s->net.reasons[i].entry);
		free(s->net.reasons[i].reason);
	}
	free(s->net.reasons);
	addr_list_free(&s->net.denied_resolved);
	free(s->net.mitm_socket);
	memset(s, 0, sizeof(*s));
}

void
settings_errors_free(struct settings_errors *e)
{
	size_t	i;

	for (i = 0; i < e->n; i++) {
		free(e->v[i].pointer);
		free(e->v[i].message);
	}
	free(e->v);
	e->v = NULL;
	e->n = 0;
}

void
settings_errors_print(const struct settings_errors *e, const char *name)
{
	size_t	i;

	for (i = 0; i < e->n; i++)
		dprintf(2, "%s: %s: %s\n", name, e->v[i].pointer,
		    e->v[i].message);
}

static void
load_domains(yajl_val arr, bool any, struct domain_list *l, const char *ptr,
    struct settings_errors *e)
{
	struct domain_pattern	 p;
	const char		*why;
	size_t			 i;

	if (arr == NULL)
		return;
	if (!YAJL_IS_ARRAY(arr)) {
		err_add(e, ptr, "must be an array");
		return;
	}
	for (i = 0; i < arr->u.array.len; i++) {
		yajl_val v = arr->u.array.values[i];
		if (!YAJL_IS_STRING(v)) {
			err_add(e, ptr, "entries must be strings");
			continue;
		}
		if ((why = domain_parse(v->u.string, any, &p)) != NULL) {
			err_add(e, ptr, why);
			continue;
		}
		domain_list_add(l, &p);
	}
}

static int
get_port(yajl_val v, const char *ptr, struct settings_errors *e)
{
	if (v == NULL)
		return 0;
	if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 1 ||
	    YAJL_GET_INTEGER(v) > 65535) {
		err_add(e, ptr, "must be a port number");
		return 0;
	}
	return (int)YAJL_GET_INTEGER(v);
}

static void
load_net(yajl_val net, struct net_settings *n, struct settings_errors *e)
{
	const char	*p_allowed[] = { "allowedDomains", NULL };
	const char	*p_denied[] = { "deniedDomains", NULL };
	const char	*p_reasons[] = { "deniedDomainReasons", NULL };
	const char	*p_strict[] = { "strictAllowlist", NULL };
	const char	*p_dra[] = { "deniedResolvedAddresses", NULL };
	const char	*p_hp[] = { "httpProxyPort", NULL };
	const char	*p_sp[] = { "socksProxyPort", NULL };
	const char	*p_msock[] = { "mitmProxy", "socketPath", NULL };
	const char	*p_mdom[] = { "mitmProxy", "domains", NULL };
	yajl_val	 v;
	size_t		 i;

	n->present = true;
	load_domains(yajl_tree_get(net, p_allowed, yajl_t_any), false,
	    &n->allowed, "/network/allowedDomains", e);
	load_domains(yajl_tree_get(net, p_denied, yajl_t_any), true,
	    &n->denied, "/network/deniedDomains", e);
	load_domains(yajl_tree_get(net, p_mdom, yajl_t_any), false,
	    &n->mitm_domains, "/network/mitmProxy/domains", e);
	if ((v = yajl_tree_get(net, p_reasons, yajl_t_object)) != NULL) {
		n->reasons = calloc(v->u.object.len + 1, sizeof(*n->reasons));
		for (i = 0; n->reasons && i < v->u.object.len; i++) {
			yajl_val r = v->u.object.values[i];
			if (!YAJL_IS_STRING(r))
				continue;
			n->reasons[n->nreasons].entry =
			    strdup(v->u.object.keys[i]);
			n->reasons[n->nreasons++].reason = strdup(r->u.string);
		}
	}
	v = yajl_tree_get(net, p_strict, yajl_t_any);
	n->strict_allowlist = v != NULL && YAJL_IS_TRUE(v);
	if ((v = yajl_tree_get(net, p_dra, yajl_t_array)) != NULL) {
		for (i = 0; i < v->u.array.len; i++) {
			struct addr_range r;
			yajl_val a = v->u.array.values[i];
			if (!YAJL_IS_STRING(a) ||
			    addr_range_parse(a->u.string, &r) != NULL) {
				err_add(e, "/network/deniedResolvedAddresses",
				    "not an IP address or CIDR range");
				continue;
			}
			addr_list_add(&n->denied_resolved, &r);
		}
	}
	n->http_proxy_port = get_port(yajl_tree_get(net, p_hp, yajl_t_any),
	    "/network/httpProxyPort", e);
	n->socks_proxy_port = get_port(yajl_tree_get(net, p_sp, yajl_t_any),
	    "/network/socksProxyPort", e);
	if ((v = yajl_tree_get(net, p_msock, yajl_t_string)) != NULL)
		n->mitm_socket = strdup(v->u.string);
}

int
settings_load_buf(struct settings *s, const char *name, const char *buf,
    size_t len, const struct settings_env *env, struct settings_errors *e)
{
	const char	*p_net[] = { "network", NULL };
	char		 ebuf[256], *text;
	yajl_val	 root, net;

	settings_init_defaults(s, name);
	if ((text = strndup(buf, len)) == NULL)
		return -1;
	root = yajl_tree_parse(text, ebuf, sizeof(ebuf));
	free(text);
	if (root == NULL || !YAJL_IS_OBJECT(root)) {
		err_add(e, "", root ? "not a JSON object" : "invalid JSON");
		yajl_tree_free(root);
		settings_free(s);
		settings_init_defaults(s, name);
		return -1;
	}
	if ((net = yajl_tree_get(root, p_net, yajl_t_object)) != NULL)
		load_net(net, &s->net, e);
	yajl_tree_free(root);
	if (e->n > 0) {
		settings_free(s);
		settings_init_defaults(s, name);
		return -1;
	}
	return 0;
}

int
settings_load_file(struct settings *s, const char *path, bool required,
    const struct settings_env *env, struct settings_errors *e)
{
	char	*buf = NULL, *nb;
	size_t	 len = 0;
	ssize_t	 n;
	int	 fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		settings_init_defaults(s, path);
		if (!required && errno == ENOENT)
			return 0;
		err_add(e, "", strerror(errno));
		return -1;
	}
	for (;;) {
		if ((nb = realloc(buf, len + 65536)) == NULL)
			break;
		buf = nb;
		if ((n = read(fd, buf + len, 65536)) <= 0)
			break;
		len += n;
	}
	close(fd);
	if (len == 0) {
		free(buf);
		settings_init_defaults(s, path);
		err_add(e, "", "empty file");
		return -1;
	}
	r = settings_load_buf(s, path, buf, len, env, e);
	free(buf);
	return r;
}
