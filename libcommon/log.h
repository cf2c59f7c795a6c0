/* Logging in the shape of OpenBSD ntpd's log.c: one tag per process,
 * stderr or syslog, debug lines only when verbose. */
#ifndef SRT_LOG_H
#define SRT_LOG_H

#include <stdarg.h>

/* dest: LOG_TO_STDERR or LOG_TO_SYSLOG; verbose > 0 enables log_debug. */
#define LOG_TO_STDERR	1
#define LOG_TO_SYSLOG	2

void	log_init(const char *name, int dest, int verbose);
void	log_setverbose(int verbose);
int	log_getverbose(void);
void	log_procname(const char *name);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	vlog(int pri, const char *, va_list) __attribute__((format(printf, 2, 0)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
/* Like fatalx but exits with the given status (the launcher uses 125). */
void	fatalx_status(int status, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

#endif
