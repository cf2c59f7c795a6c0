/*
 * Stand-in for policy/settings.c until the policy branch lands (the
 * module.mk drops this file once policy/settings.c exists): built-in
 * defaults only; an existing settings file cannot be read yet.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/settings.h"

void
settings_init_defaults(struct settings *s, const char *source)
{
	memset(s, 0, sizeof(*s));
	s->source = strdup(source ? source : "<defaults>");
	s->mandatory_deny_search_depth = 3;
}

int
settings_load_file(struct settings *s, const char *path, bool required,
    const struct settings_env *env, struct settings_errors *errs)
{
	(void)env;
	memset(errs, 0, sizeof(*errs));
	settings_init_defaults(s, path);
	if (access(path, F_OK) == -1 && errno == ENOENT && !required)
		return 0;
	errs->v = calloc(1, sizeof(*errs->v));
	if (errs->v != NULL) {
		errs->v[0].pointer = strdup("");
		errs->v[0].message = strdup(access(path, F_OK) == -1 ?
		    strerror(errno) : "settings loader not built yet");
		errs->n = 1;
	}
	return -1;
}

void
settings_free(struct settings *s)
{
	free(s->source);
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
	memset(e, 0, sizeof(*e));
}

void
settings_errors_print(const struct settings_errors *e, const char *name)
{
	size_t	i;

	for (i = 0; i < e->n; i++)
		dprintf(2, "%s: %s%s%s\n", name, e->v[i].pointer,
		    *e->v[i].pointer ? ": " : "", e->v[i].message);
}
