/*
 * --control-fd N: live settings updates, one complete settings document
 * per line, as the reference takes them.  A valid line becomes the
 * proxy's policy from its next connection on (and the monitor's
 * ignoreViolations); an invalid one is reported and dropped, the old
 * policy stays.  Blank lines are ignored, EOF ends the reading, not the
 * run.  The filesystem is fixed once the sandbox is built: a line that
 * changes it is applied to the network only, and -d says so.
 *
 * Threat model: whoever holds the other end may be careless, not
 * hostile (it is the caller's own descriptor), but a line is still
 * bounded: past CONTROL_MAX_LINE it is reported and skipped up to the
 * next newline instead of growing without limit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libcommon/log.h"
#include "libcommon/proto.h"
#include "srt-launch/ctlframe.h"
#include "srt-launch/service.h"
#include "srt-launch/srt-launch.h"

#define CONTROL_MAX_LINE	(SRT_IMSG_MAX - 64u)
#define CONTROL_READ		65536

void
control_init(struct control *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
}

void
control_free(struct control *c)
{
	free(c->buf);
	c->buf = NULL;
	c->len = 0;
}

static bool
control_blank(const char *p, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

static bool
control_paths_same(const struct path_list *a, const struct path_list *b)
{
	size_t	i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i].raw, b->v[i].raw) != 0 ||
		    a->v[i].literal != b->v[i].literal)
			return false;
	return true;
}

static bool
control_fs_same(const struct fs_settings *a, const struct fs_settings *b)
{
	return a->disabled == b->disabled &&
	    a->allow_git_config == b->allow_git_config &&
	    control_paths_same(&a->deny_read, &b->deny_read) &&
	    control_paths_same(&a->allow_read, &b->allow_read) &&
	    control_paths_same(&a->allow_write, &b->allow_write) &&
	    control_paths_same(&a->deny_write, &b->deny_write);
}

static void
control_line(struct launch *l, const char *line, size_t len)
{
	struct settings_env	env = { l->home, l->cwd };
	struct settings_errors	errs = { NULL, 0 };
	struct settings		s;

	if (control_blank(line, len))
		return;
	if (settings_load_buf(&s, "control-fd", line, len, &env,
	    &errs) == -1) {
		settings_errors_print(&errs, "srt-launch: control-fd");
		settings_errors_free(&errs);
		settings_free(&s);
		return;
	}
	if (!control_fs_same(&s.fs, &l->settings.fs))
		log_debug("control-fd: the filesystem rules cannot change "
		    "while the sandbox runs; only the network part applies");
	settings_free(&s);
	if (service_send_policy(l, line, len) == -1)
		log_warnx("control-fd: cannot reach srt-proxy");
	else
		log_debug("control-fd: new policy sent (%zu bytes)", len);
}

static void
control_line_cb(void *arg, const char *line, size_t len)
{
	control_line(arg, line, len);
}

/* Take every complete line from the buffer; keep the rest. */
static void
control_lines(struct launch *l)
{
	struct control	*c = &l->svc->ctl;
	size_t		 n;

	n = ctlframe_lines(c->buf, &c->len, &c->discarding,
	    CONTROL_MAX_LINE, control_line_cb, l);
	while (n-- > 0)
		log_warnx("control-fd: line longer than %u bytes, discarded",
		    CONTROL_MAX_LINE);
}

/* One read's worth; -1 once the descriptor is at EOF or broken. */
int
control_read(struct launch *l)
{
	struct control	*c = &l->svc->ctl;
	ssize_t		 n;

	if (c->buf == NULL &&
	    (c->buf = malloc(CONTROL_MAX_LINE + CONTROL_READ)) == NULL)
		fatal("malloc");
	n = read(c->fd, c->buf + c->len, CONTROL_READ);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		if (n == -1)
			log_warn("control-fd %d", c->fd);
		if (c->len > 0 && !c->discarding)
			control_line(l, c->buf, c->len);
		control_free(c);
		log_debug("control-fd: end of updates");
		return -1;
	}
	c->len += (size_t)n;
	control_lines(l);
	return 0;
}
