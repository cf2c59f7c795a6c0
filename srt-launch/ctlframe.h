/* The --control-fd line framing, apart from its reader (fuzzed alone). */
#ifndef SRT_LAUNCH_CTLFRAME_H
#define SRT_LAUNCH_CTLFRAME_H

#include <stdbool.h>
#include <stddef.h>

typedef void	ctlframe_fn(void *, const char *, size_t);

size_t	ctlframe_lines(char *, size_t *, bool *, size_t, ctlframe_fn *,
	    void *);

#endif
