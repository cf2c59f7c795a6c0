/*
 * JSON tree on yajl's callback parser.  The settings file is untrusted
 * input: every limit is checked in the callback that would exceed it, and
 * the parse stops there (a 4 MiB file of "[[[[..." must not recurse or
 * allocate without bound).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "policy/json.h"

struct builder {
	struct json	*root;
	struct json	*stack[JSON_MAX_DEPTH];
	int		 depth;
	char		*key;		/* pending member name */
	size_t		 nodes;
	const char	*why;		/* why a callback stopped the parse */
};

const char *
json_type_name(enum json_type t)
{
	switch (t) {
	case JSON_NULL:
		return "null";
	case JSON_BOOL:
		return "a boolean";
	case JSON_NUMBER:
		return "a number";
	case JSON_STRING:
		return "a string";
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	}
	return "?";
}

void
json_free(struct json *j)
{
	size_t	i;

	if (j == NULL)
		return;
	for (i = 0; i < j->n; i++) {
		json_free(j->v[i]);
		if (j->keys != NULL)
			free(j->keys[i]);
	}
	free(j->v);
	free(j->keys);
	free(j->s);
	free(j);
}

static int
json_grow(struct json *c)
{
	struct json	**v;
	char		**k;
	size_t		  cap;

	if (c->n < c->cap)
		return 0;
	cap = c->cap == 0 ? 4 : c->cap * 2;
	if ((v = reallocarray(c->v, cap, sizeof(*v))) == NULL)
		return -1;
	c->v = v;
	if (c->type == JSON_OBJECT) {
		if ((k = reallocarray(c->keys, cap, sizeof(*k))) == NULL)
			return -1;
		c->keys = k;
	}
	c->cap = cap;
	return 0;
}

/* Attach a new node to the open container (or make it the root). */
static struct json *
json_add(struct builder *b, enum json_type t)
{
	struct json	*j, *top;

	if (++b->nodes > JSON_MAX_NODES) {
		b->why = "too many values";
		return NULL;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		b->why = "out of memory";
		return NULL;
	}
	j->type = t;
	if (b->depth == 0) {
		b->root = j;
		return j;
	}
	top = b->stack[b->depth - 1];
	if (json_grow(top) == -1) {
		free(j);
		b->why = "out of memory";
		return NULL;
	}
	if (top->type == JSON_OBJECT) {
		top->keys[top->n] = b->key;
		b->key = NULL;
	}
	top->v[top->n++] = j;
	return j;
}

static char *
json_strdup(struct builder *b, const unsigned char *s, size_t len)
{
	char	*p;

	if (len > JSON_MAX_STRING) {
		b->why = "string longer than 65536 bytes";
		return NULL;
	}
	if (memchr(s, '\0', len) != NULL) {
		b->why = "string contains a NUL character";
		return NULL;
	}
	if ((p = malloc(len + 1)) == NULL) {
		b->why = "out of memory";
		return NULL;
	}
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

static int
cb_null(void *ctx)
{
	return json_add(ctx, JSON_NULL) != NULL;
}

static int
cb_bool(void *ctx, int v)
{
	struct json	*j;

	if ((j = json_add(ctx, JSON_BOOL)) == NULL)
		return 0;
	j->b = v != 0;
	return 1;
}

static int
cb_text(struct builder *b, enum json_type t, const unsigned char *s,
    size_t len)
{
	struct json	*j;
	char		*p;

	if ((p = json_strdup(b, s, len)) == NULL)
		return 0;
	if ((j = json_add(b, t)) == NULL) {
		free(p);
		return 0;
	}
	j->s = p;
	return 1;
}

static int
cb_number(void *ctx, const char *s, size_t len)
{
	return cb_text(ctx, JSON_NUMBER, (const unsigned char *)s, len);
}

static int
cb_string(void *ctx, const unsigned char *s, size_t len)
{
	return cb_text(ctx, JSON_STRING, s, len);
}

static int
cb_open(struct builder *b, enum json_type t)
{
	struct json	*j;

	if (b->depth == JSON_MAX_DEPTH) {
		b->why = "nested deeper than 64 levels";
		return 0;
	}
	if ((j = json_add(b, t)) == NULL)
		return 0;
	b->stack[b->depth++] = j;
	return 1;
}

static int
cb_start_map(void *ctx)
{
	return cb_open(ctx, JSON_OBJECT);
}

static int
cb_start_array(void *ctx)
{
	return cb_open(ctx, JSON_ARRAY);
}

static int
cb_close(void *ctx)
{
	struct builder	*b = ctx;

	b->depth--;
	return 1;
}

static int
cb_key(void *ctx, const unsigned char *s, size_t len)
{
	struct builder	*b = ctx;

	free(b->key);
	b->key = json_strdup(b, s, len);
	return b->key != NULL;
}

static const yajl_callbacks json_callbacks = {
	cb_null, cb_bool, NULL, NULL, cb_number, cb_string,
	cb_start_map, cb_key, cb_close, cb_start_array, cb_close
};

/* 1-based line and column of byte off. */
static void
json_where(const char *buf, size_t len, size_t off, size_t *line,
    size_t *col)
{
	size_t	i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else
			(*col)++;
	}
}

/* yajl's own message, first line only, without its "parse error: ". */
static void
json_yajl_error(yajl_handle h, const char *buf, size_t len, char *out,
    size_t outlen)
{
	unsigned char	*msg;
	char		*nl;

	msg = yajl_get_error(h, 0, (const unsigned char *)buf, len);
	if (msg == NULL) {
		strlcpy(out, "invalid JSON", outlen);
		return;
	}
	strlcpy(out, (char *)msg, outlen);
	yajl_free_error(h, msg);
	if ((nl = strchr(out, '\n')) != NULL)
		*nl = '\0';
	nl = out + strlen(out);
	while (nl > out && (nl[-1] == '.' || nl[-1] == ' '))
		*--nl = '\0';
}

static int
json_hex4(const char *p, size_t n, unsigned *v)
{
	size_t	i;

	*v = 0;
	if (n < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		int c = (unsigned char)p[i];

		if (!isxdigit(c))
			return -1;
		*v = *v * 16 + (unsigned)(isdigit(c) ? c - '0' :
		    tolower(c) - 'a' + 10);
	}
	return 0;
}

/*
 * yajl turns an unpaired UTF-16 surrogate escape ("\ud800") into "?",
 * so "/tmp/x\ud800" would reach the policy as the glob "/tmp/x?" and
 * allow more than was written.  Find such escapes before yajl does:
 * returns the offset of the first one, or len when there is none.
 */
static size_t
json_bad_surrogate(const char *buf, size_t len)
{
	size_t		i;
	unsigned	v, lo;
	bool		in = false;

	for (i = 0; i < len; i++) {
		if (!in) {
			in = buf[i] == '"';
			continue;
		}
		if (buf[i] == '"') {
			in = false;
			continue;
		}
		if (buf[i] != '\\' || i + 1 >= len)
			continue;
		i++;
		if (buf[i] != 'u' || json_hex4(buf + i + 1, len - i - 1, &v))
			continue;
		if (v >= 0xdc00 && v <= 0xdfff)
			return i - 1;
		if (v >= 0xd800 && v <= 0xdbff) {
			if (i + 10 >= len || buf[i + 5] != '\\' ||
			    buf[i + 6] != 'u' ||
			    json_hex4(buf + i + 7, len - i - 7, &lo) ||
			    lo < 0xdc00 || lo > 0xdfff)
				return i - 1;
			i += 10;
		} else
			i += 4;
	}
	return len;
}

int
json_parse(const char *buf, size_t len, struct json **out, char *err,
    size_t errlen)
{
	struct builder	 b;
	yajl_handle	 h;
	yajl_status	 st;
	char		 msg[256];
	size_t		 off, line, col;

	memset(&b, 0, sizeof(b));
	*out = NULL;
	if ((off = json_bad_surrogate(buf, len)) < len) {
		json_where(buf, len, off, &line, &col);
		snprintf(err, errlen, "invalid JSON at line %zu, column %zu: "
		    "unpaired UTF-16 surrogate escape", line, col);
		return -1;
	}
	if ((h = yajl_alloc(&json_callbacks, NULL, &b)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	st = yajl_parse(h, (const unsigned char *)buf, len);
	/* yajl counts the offending byte as consumed: point at it. */
	off = yajl_get_bytes_consumed(h);
	if (off > 0)
		off--;
	if (st == yajl_status_ok) {
		st = yajl_complete_parse(h);
		off = len;
	}
	if (st != yajl_status_ok) {
		if (st == yajl_status_client_canceled && b.why != NULL)
			strlcpy(msg, b.why, sizeof(msg));
		else
			json_yajl_error(h, buf, len, msg, sizeof(msg));
		json_where(buf, len, off, &line, &col);
		snprintf(err, errlen,
		    "invalid JSON at line %zu, column %zu: %s", line, col, msg);
		yajl_free(h);
		free(b.key);
		json_free(b.root);
		return -1;
	}
	yajl_free(h);
	free(b.key);
	*out = b.root;
	return 0;
}
