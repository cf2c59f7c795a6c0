/* Domain pattern parser and matcher: the first line of the input is the
 * pattern, the second the host, the third the port. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/domain.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct domain_pattern	p;
	char			*buf, *pat, *host, *port;

	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	pat = buf;
	host = strchr(pat, '\n');
	if (host != NULL)
		*host++ = '\0';
	else
		host = pat;
	port = strchr(host, '\n');
	if (port != NULL)
		*port++ = '\0';
	memset(&p, 0, sizeof(p));
	if (domain_parse(pat, size % 2 == 0, &p) == NULL) {
		(void)domain_match(&p, host, port ? atoi(port) : 443);
		domain_pattern_free(&p);
	}
	free(buf);
	return 0;
}
