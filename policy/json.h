/*
 * A small JSON tree built with yajl's callback parser, for the settings
 * file.  The input is untrusted: nesting depth, string length, node count
 * and total size are bounded, strings must be UTF-8 without NUL, and
 * object members keep their order and duplicates (the settings walker
 * reports duplicate keys with their JSON pointer).
 */
#ifndef SRT_JSON_H
#define SRT_JSON_H

#include <stdbool.h>
#include <stddef.h>

#define JSON_MAX_DEPTH		64
#define JSON_MAX_STRING		(64 * 1024)
#define JSON_MAX_NODES		(256 * 1024)

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_OBJECT,
	JSON_ARRAY
};

struct json {
	enum json_type	  type;
	bool		  b;		/* JSON_BOOL */
	char		 *s;		/* string value, or number text */
	char		**keys;		/* JSON_OBJECT member names */
	struct json	**v;		/* members or elements */
	size_t		  n;
	size_t		  cap;
};

/*
 * Parse one JSON document.  0 and *out on success; -1 with a message
 * ("line 3, column 7: ...") in err on failure.
 */
int	json_parse(const char *buf, size_t len, struct json **out, char *err,
	    size_t errlen);
void	json_free(struct json *);
const char *json_type_name(enum json_type);

#endif
