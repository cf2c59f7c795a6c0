/*
 * Bounded line framing for --control-fd, a pure function of the buffer:
 * srt-launch/control.c reads, this cuts.
 *
 * Threat model: the writer may send a line of any length, or never a
 * newline.  A line longer than max is never passed on, however the reads
 * split it (whole in one read or not), and the buffer never holds more
 * than max bytes of a line between calls.
 */
#include <string.h>

#include "srt-launch/ctlframe.h"

/*
 * Pass every complete line of buf[0..*len) to fn, keep the rest at the
 * start of buf.  *discarding says a too-long line is being skipped up to
 * its newline.  Returns how many lines began being discarded.
 */
size_t
ctlframe_lines(char *buf, size_t *len, bool *discarding, size_t max,
    ctlframe_fn *fn, void *arg)
{
	char	*nl, *p = buf;
	size_t	 left = *len, n, dropped = 0;

	while (left > 0 && (nl = memchr(p, '\n', left)) != NULL) {
		n = (size_t)(nl - p);
		if (*discarding)
			*discarding = false;
		else if (n > max)
			dropped++;
		else
			fn(arg, p, n);
		left -= n + 1;
		p = nl + 1;
	}
	if (left > max || (*discarding && left > 0)) {
		if (!*discarding)
			dropped++;
		*discarding = true;
		left = 0;
	}
	memmove(buf, p, left);
	*len = left;
	return dropped;
}
