/*
 * The proxy corpus (tests/corpus/http, tests/corpus/socks) through the
 * pure parsers, under ASan in `make check-asan`: every request and each
 * of its prefixes parses without a fault and never claims bytes past
 * what it was given.  Then the chunk-size lines the proxy must refuse
 * (RFC 9112: 1*HEXDIG, then only BWS and ";" extensions).
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "srt-proxy/http_parse.c"
#include "srt-proxy/socks_parse.c"
#include "tests/unit/tap.h"

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0) {
		fclose(f);
		return NULL;
	}
	rewind(f);
	if ((buf = malloc((size_t)n + 1)) != NULL)
		*len = fread(buf, 1, (size_t)n, f);
	fclose(f);
	return buf;
}

/* Exact-size copies of every prefix, so ASan sees any overread. */
static int
parse_http_prefixes(const char *data, size_t len)
{
	struct http_msg	*m;
	uint64_t	 size;
	size_t		 k, ll;
	char		*p;
	int		 bad = 0, r;

	if ((m = malloc(sizeof(*m))) == NULL)
		return 1;
	for (k = 0; k <= len; k += (k < 256 || len - k < 256) ? 1 : 997) {
		if ((p = malloc(k ? k : 1)) == NULL)
			break;
		memcpy(p, data, k);
		r = http_parse_request(p, k, HTTP_MAX_HEAD, m);
		if (r == HTTP_OK && m->headlen > k)
			bad++;
		if (r == HTTP_OK && m->headlen < k &&
		    http_parse_chunk_line(p + m->headlen, k - m->headlen,
		    &size, &ll) == HTTP_OK && ll > k - m->headlen)
			bad++;
		free(p);
	}
	free(m);
	return bad;
}

static int
parse_socks_prefixes(const unsigned char *data, size_t len)
{
	struct socks_req	 req;
	unsigned char		*p;
	size_t			 k, used, off;
	int			 bad = 0, method;

	for (k = 0; k <= len; k++) {
		if ((p = malloc(k ? k : 1)) == NULL)
			break;
		memcpy(p, data, k);
		off = 0;
		if (socks_parse_greeting(p, k, &used, &method) == SOCKS_OK) {
			if (used > k)
				bad++;
			off = used;
		}
		if (socks_parse_request(p + off, k - off, &used, &req) ==
		    SOCKS_OK && used > k - off)
			bad++;
		free(p);
	}
	return bad;
}

static size_t
run_dir(const char *dir, int socks)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[PATH_MAX], *buf;
	size_t		 n = 0, len, l;

	if ((d = opendir(dir)) == NULL) {
		tap_ok(0, "open %s", dir);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".req") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((buf = slurp(path, &len)) == NULL)
			continue;
		n++;
		TAP_EQ_INT(socks ? parse_socks_prefixes((unsigned char *)buf,
		    len) : parse_http_prefixes(buf, len), 0, de->d_name);
		free(buf);
	}
	closedir(d);
	return n;
}

static const char *
corpus_top(void)
{
	static char	top[PATH_MAX];
	const char	*e = getenv("SRT_CORPUS");
	char		*p;
	ssize_t		 n;

	if (e != NULL)
		return e;
	if (access("tests/corpus/http", R_OK) == 0)
		return "tests/corpus";
	if ((n = readlink("/proc/self/exe", top, sizeof(top) - 1)) == -1)
		return "tests/corpus";
	top[n] = '\0';
	for (int i = 0; i < 3; i++)
		if ((p = strrchr(top, '/')) != NULL)
			*p = '\0';
	if (strlen(top) + sizeof("/tests/corpus") > sizeof(top))
		return "tests/corpus";
	strcat(top, "/tests/corpus");
	return top;
}

static void
chunk_lines(void)
{
	static const struct {
		const char	*line;
		int		 want;
		const char	*bug;	/* why a smuggling shape must fail */
	} t[] = {
		{ "1a\r\n", HTTP_OK, NULL },
		{ "1a;ext=v\r\n", HTTP_OK, NULL },
		{ "1a ;ext\r\n", HTTP_OK, NULL },
		{ "\r\n", HTTP_BAD, NULL },
		{ "zz\r\n", HTTP_BAD, NULL },
		{ "3\n", HTTP_BAD, NULL },
		{ "ffffffffffffffff\r\n", HTTP_BAD, NULL },
		{ "0x10\r\n", HTTP_BAD, "0 to the proxy, 16 to strtol" },
		{ "3 4\r\n", HTTP_BAD, "junk after the size" },
		{ "3\x01\r\n", HTTP_BAD, "a control byte after the size" },
		{ "3=\r\n", HTTP_BAD, "no ';' before the extension" },
	};
	uint64_t	size;
	size_t		i, ll;
	int		r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = http_parse_chunk_line(t[i].line, strlen(t[i].line), &size,
		    &ll);
		TAP_EQ_INT(r, t[i].want, t[i].bug ? t[i].bug : "chunk line");
	}
}

int
main(void)
{
	char	dir[PATH_MAX];
	size_t	n;

	snprintf(dir, sizeof(dir), "%s/http", corpus_top());
	n = run_dir(dir, 0);
	snprintf(dir, sizeof(dir), "%s/socks", corpus_top());
	n += run_dir(dir, 1);
	tap_ok(n >= 100, "at least 100 malformed requests parsed (%zu)", n);
	chunk_lines();
	return tap_done();
}
