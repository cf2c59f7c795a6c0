/* Glob matching: the first line is the pattern, the rest the path. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/glob.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*buf, *path;

	if (size > 4096 || (buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	path = strchr(buf, '\n');
	if (path != NULL)
		*path++ = '\0';
	else
		path = buf;
	(void)glob_match(buf, path);
	free(buf);
	return 0;
}
