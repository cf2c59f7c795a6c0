/* Address and CIDR parsing for the resolved-address guard. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/addr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addr_range	r;
	struct in_addr		v4;
	char			*buf;

	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (addr_range_parse(buf, &r) == NULL) {
		(void)addr_range_contains(&r, &r.addr);
		(void)addr_embedded_v4(&r.addr, &v4);
	}
	free(buf);
	return 0;
}
