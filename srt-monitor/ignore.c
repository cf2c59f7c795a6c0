/*
 * ignoreViolations: { "command pattern": ["pattern", ...], "*": [...] }.
 * Matching follows the reference (shouldIgnoreViolation in
 * sandbox-violation-store.js): patterns under "*" apply to every command;
 * under any other key they apply when the key is a substring of the
 * event's command; a pattern matches when it is a substring of the
 * event's target.  An empty pattern therefore matches everything, as
 * String.prototype.includes("") does there.
 *
 * The settings come through policy/'s loader, so a document the launcher
 * would refuse is refused here too, with the same words; from a
 * standalone client it is untrusted input, which that loader bounds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libcommon/log.h"
#include "policy/settings.h"
#include "srt-monitor/srt-monitor.h"

static char	ignore_home[4096] = "/";
static char	ignore_cwd[4096] = "/";

/* Path expansion in the loader needs these; read them while we can. */
void
ignore_init_env(void)
{
	const char	*h = getenv("HOME");

	if (h != NULL && h[0] == '/')
		strlcpy(ignore_home, h, sizeof(ignore_home));
	if (getcwd(ignore_cwd, sizeof(ignore_cwd)) == NULL)
		strlcpy(ignore_cwd, "/", sizeof(ignore_cwd));
}

static int
ignore_take(struct ignore_set *set, struct settings *s)
{
	size_t	i;

	memset(set, 0, sizeof(*set));
	if (s->nignore == 0)
		return 0;
	if ((set->v = calloc(s->nignore, sizeof(*set->v))) == NULL)
		return -1;
	for (i = 0; i < s->nignore; i++) {
		set->v[i].command = s->ignore[i].command;
		s->ignore[i].command = NULL;
		set->v[i].paths = s->ignore[i].paths.v;
		set->v[i].npaths = s->ignore[i].paths.n;
		s->ignore[i].paths.v = NULL;
		s->ignore[i].paths.n = 0;
		set->n++;
	}
	return 0;
}

static void
ignore_first_error(const struct settings_errors *errs, const char *name,
    char *err, size_t errlen)
{
	if (errs->n == 0)
		snprintf(err, errlen, "%s: invalid", name);
	else if (errs->v[0].pointer[0] == '\0')
		snprintf(err, errlen, "%s: %s", name, errs->v[0].message);
	else
		snprintf(err, errlen, "%s: %s: %s", name, errs->v[0].pointer,
		    errs->v[0].message);
}

/*
 * The shared tail of the two loaders: the settings loaded (rc 0) or
 * refused (-1, the first error in err), then freed either way.
 */
static int
ignore_loaded(struct ignore_set *set, struct settings *s,
    struct settings_errors *errs, int rc, const char *name, char *err,
    size_t errlen)
{
	if (rc == -1)
		ignore_first_error(errs, name, err, errlen);
	settings_errors_free(errs);
	if (rc == 0 && (rc = ignore_take(set, s)) == -1) {
		ignore_free(set);
		snprintf(err, errlen, "%s: out of memory", name);
	}
	settings_free(s);
	return rc;
}

int
ignore_load_buf(struct ignore_set *set, const char *name, const char *buf,
    size_t len, char *err, size_t errlen)
{
	struct settings		s;
	struct settings_errors	errs;
	struct settings_env	env = { ignore_home, ignore_cwd };
	int			rc;

	memset(set, 0, sizeof(*set));
	rc = settings_load_buf(&s, name, buf, len, &env, &errs);
	return ignore_loaded(set, &s, &errs, rc, name, err, errlen);
}

/* A file given with -s: every problem is printed, as srt-launch does. */
int
ignore_load_file(struct ignore_set *set, const char *path, char *err,
    size_t errlen)
{
	struct settings		s;
	struct settings_errors	errs;
	struct settings_env	env = { ignore_home, ignore_cwd };
	int			rc;

	memset(set, 0, sizeof(*set));
	if ((rc = settings_load_file(&s, path, true, &env, &errs)) == -1)
		settings_errors_print(&errs, path);
	return ignore_loaded(set, &s, &errs, rc, path, err, errlen);
}

static int
rule_matches(const struct ignore_rule_m *r, const char *target)
{
	size_t	i;

	for (i = 0; i < r->npaths; i++)
		if (strstr(target, r->paths[i]) != NULL)
			return 1;
	return 0;
}

int
ignore_match(const struct ignore_set *set, const struct srt_event *ev)
{
	size_t	i;

	for (i = 0; i < set->n; i++) {
		if (strcmp(set->v[i].command, "*") == 0) {
			if (rule_matches(&set->v[i], ev->target))
				return 1;
			continue;
		}
		/* The reference skips command rules when it has no
		 * command for the event. */
		if (ev->command[0] == '\0')
			continue;
		if (strstr(ev->command, set->v[i].command) != NULL &&
		    rule_matches(&set->v[i], ev->target))
			return 1;
	}
	return 0;
}

void
ignore_free(struct ignore_set *set)
{
	size_t	i, j;

	for (i = 0; i < set->n; i++) {
		for (j = 0; j < set->v[i].npaths; j++)
			free(set->v[i].paths[j]);
		free(set->v[i].paths);
		free(set->v[i].command);
	}
	free(set->v);
	memset(set, 0, sizeof(*set));
}
