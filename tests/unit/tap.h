/* A tiny TAP producer for the C unit tests: one line per case, a plan at
 * the end, and a non-zero exit when anything failed. */
#ifndef SRT_TAP_H
#define SRT_TAP_H

int	tap_ok(int cond, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	tap_skip(const char *why, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Prints the plan; returns the process exit status. */
int	tap_done(void);

#define TAP_EQ_INT(a, b, name) do {					\
	long _a = (long)(a), _b = (long)(b);				\
	if (!tap_ok(_a == _b, "%s", (name)))				\
		tap_diag("  got %ld, want %ld", _a, _b);		\
} while (0)

#define TAP_EQ_STR(a, b, name) do {					\
	const char *_a = (a), *_b = (b);				\
	int _eq = (_a == NULL && _b == NULL) ||				\
	    (_a != NULL && _b != NULL && strcmp(_a, _b) == 0);		\
	if (!tap_ok(_eq, "%s", (name)))					\
		tap_diag("  got \"%s\", want \"%s\"",			\
		    _a ? _a : "(null)", _b ? _b : "(null)");		\
} while (0)

#endif
