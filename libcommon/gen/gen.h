/*
 * What both build-time filter generators share: log stubs (they include
 * the code they export from, which logs, but link no libcommon), reading
 * an exported BPF program back, and printing it as a C array body.
 */
#ifndef GEN_H
#define GEN_H

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>
#include <linux/filter.h>

#define GEN_MAX		4096

extern const char gen_name[];	/* for messages: "confine-gen" */

static void __attribute__((format(printf, 1, 0)))
gen_vlog(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", gen_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	gen_vlog(fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	gen_vlog(fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
}

/* The program exported to fd (closed here): its length, or -1. */
static ssize_t
gen_read(int fd, struct sock_filter *insns, const char *what)
{
	ssize_t	n;

	n = pread(fd, insns, GEN_MAX * sizeof(*insns), 0);
	close(fd);
	if (n <= 0 || n % (ssize_t)sizeof(*insns) != 0 ||
	    n == (ssize_t)(GEN_MAX * sizeof(*insns))) {
		fprintf(stderr, "%s: %s: bad export\n", gen_name, what);
		return -1;
	}
	return n / (ssize_t)sizeof(*insns);
}

static void
gen_print(const struct sock_filter *insns, ssize_t n)
{
	ssize_t	i;

	for (i = 0; i < n; i++)
		printf("\t{ 0x%04x, %u, %u, 0x%08x },\n", insns[i].code,
		    insns[i].jt, insns[i].jf, insns[i].k);
}

#endif
