/*
 * The --control-fd line framing (srt-launch/ctlframe.c) against arbitrary
 * bytes cut into arbitrary reads.  The first two bytes pick the line
 * limit and the read size; the framing must pass on exactly the lines an
 * unbounded split would give that fit the limit, whatever the cuts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "srt-launch/ctlframe.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct fz {
	const char	*want;		/* the input: lines are checked in order */
	size_t		 wlen, pos, max;
};

/* Advance to the next line of the input that fits, as a plain split. */
static int
fz_next(struct fz *f, const char **line, size_t *len)
{
	const char	*p, *nl;
	size_t		 n;

	while (f->pos < f->wlen) {
		p = f->want + f->pos;
		nl = memchr(p, '\n', f->wlen - f->pos);
		n = nl != NULL ? (size_t)(nl - p) : f->wlen - f->pos;
		f->pos += n + (nl != NULL);
		if (n <= f->max && (nl != NULL || n > 0)) {
			*line = p;
			*len = n;
			return 1;
		}
	}
	return 0;
}

static void
fz_line(void *arg, const char *line, size_t len)
{
	struct fz	*f = arg;
	const char	*w;
	size_t		 wl;

	if (len > f->max || memchr(line, '\n', len) != NULL ||
	    !fz_next(f, &w, &wl) || wl != len || memcmp(w, line, len) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz	 f;
	char		*buf;
	size_t		 len = 0, off, chunk, n;
	bool		 discarding = false;
	const char	*w;
	size_t		 wl;

	if (size < 2)
		return 0;
	f.max = data[0] % 64;
	chunk = data[1] % 32 + 1;
	f.want = (const char *)data + 2;
	f.wlen = size - 2;
	f.pos = 0;
	if ((buf = malloc(f.max + chunk)) == NULL)
		return 0;
	for (off = 0; off < f.wlen; off += n) {
		n = f.wlen - off < chunk ? f.wlen - off : chunk;
		memcpy(buf + len, f.want + off, n);
		len += n;
		(void)ctlframe_lines(buf, &len, &discarding, f.max, fz_line,
		    &f);
		if (len > f.max)
			abort();
	}
	/* EOF: the reader passes the unterminated rest on. */
	if (len > 0 && !discarding)
		fz_line(&f, buf, len);
	if (fz_next(&f, &w, &wl))
		abort();	/* a line that fits was lost */
	free(buf);
	return 0;
}
