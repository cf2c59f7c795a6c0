/* The framed-message reader against arbitrary peer bytes. */
#include <sys/socket.h>

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "libcommon/imsg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imsgbuf	ib;
	struct imsg	m;
	int		sv[2];
	size_t		off = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		abort();
	imsgbuf_init(&ib, sv[1]);
	imsgbuf_allow_fdpass(&ib);
	imsgbuf_set_maxsize(&ib, 4096);
	/* Feed in uneven slices so header and payload straddle reads. */
	while (off < size) {
		size_t	n = 1 + (data[off] % 97);

		if (n > size - off)
			n = size - off;
		if (write(sv[0], data + off, n) != (ssize_t)n)
			abort();
		off += n;
		while (imsgbuf_read(&ib) > 0)
			;
		for (;;) {
			int r = imsg_get(&ib, &m);

			if (r <= 0)
				break;
			imsg_free(&m);
		}
	}
	imsgbuf_clear(&ib);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
