/* The settings loader (also the --control-fd line parser: each line is a
 * whole settings document) against arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>

#include "policy/settings.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct settings		s;
	struct settings_errors	errs = { NULL, 0 };
	struct settings_env	env = { "/home/fuzz", "/work/fuzz" };

	(void)settings_load_buf(&s, "fuzz.json", (const char *)data, size,
	    &env, &errs);
	settings_errors_free(&errs);
	settings_free(&s);
	return 0;
}
