#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "libcommon/log.h"

static const char	*log_name = "srt";
static int		 log_dest = LOG_TO_STDERR;
static int		 log_verbose;

void
log_init(const char *name, int dest, int verbose)
{
	log_name = name;
	log_dest = dest;
	log_verbose = verbose;
	if (dest & LOG_TO_SYSLOG)
		openlog(name, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

int
log_getverbose(void)
{
	return log_verbose;
}

void
log_procname(const char *name)
{
	log_name = name;
}

/*
 * One write(2) a line: helpers share the command's stderr, and a line
 * written in pieces interleaves with theirs.
 */
static void
log_stderr(const char *msg)
{
	char	line[2200];
	int	n;

	n = snprintf(line, sizeof(line), "%s: %s\n", log_name, msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (write(STDERR_FILENO, line, (size_t)n) == -1)
		return;		/* nowhere left to say it */
}

/* vlog keeps errno intact so callers can log and then inspect it. */
void
vlog(int pri, const char *fmt, va_list ap)
{
	int	saved = errno;
	char	buf[2048];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_dest & LOG_TO_SYSLOG)
		syslog(pri, "%s", buf);
	if (log_dest & LOG_TO_STDERR)
		log_stderr(buf);
	errno = saved;
}

static void __attribute__((format(printf, 2, 0)))
vlog_errno(int pri, const char *fmt, va_list ap)
{
	int	 saved = errno;
	char	 buf[2048];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (fmt == NULL || *fmt == '\0')
		snprintf(buf, sizeof(buf), "%s", strerror(saved));
	else {
		size_t	len = strlen(buf);
		snprintf(buf + len, sizeof(buf) - len, ": %s",
		    strerror(saved));
	}
	if (log_dest & LOG_TO_SYSLOG)
		syslog(pri, "%s", buf);
	if (log_dest & LOG_TO_STDERR)
		log_stderr(buf);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog_errno(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (log_verbose <= 0)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog_errno(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx_status(int status, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(status);
}
