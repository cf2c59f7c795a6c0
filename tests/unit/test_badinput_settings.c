/*
 * Every malformed settings file in tests/corpus/settings fails to load,
 * with exactly the lines of its NAME.expect as settings_errors_print
 * writes them, and leaves the defaults behind (a failed load must never
 * hand the launcher half a policy).  The same bytes through
 * settings_load_buf (the --control-fd path) give the same errors.
 *
 * The corpus is found from $SRT_CORPUS, else tests/corpus below the
 * current directory, else next to the test binary (build/tests/..).
 * SRT_CORPUS_WRITE=1 writes the .expect files instead (review them!).
 *
 * NAME.known-bug marks a file the loader wrongly accepts or misreads:
 * the file is still loaded (no crash, no leak), and the case is a skip
 * whose reason is the first line of .known-bug until the loader rejects
 * it, when the .expect must be written and the marker removed.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/settings.h"
#include "tests/unit/tap.h"

static const struct settings_env env = { "/home/u", "/work/cwd" };

static int
corpus_dir(char *out, size_t outsz)
{
	char		 exe[PATH_MAX], *p;
	const char	*e;
	ssize_t		 n;
	struct stat	 st;

	if ((e = getenv("SRT_CORPUS")) != NULL) {
		snprintf(out, outsz, "%s/settings", e);
		return stat(out, &st);
	}
	snprintf(out, outsz, "tests/corpus/settings");
	if (stat(out, &st) == 0)
		return 0;
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) == -1)
		return -1;
	exe[n] = '\0';
	/* build/tests/test_x -> top */
	for (int i = 0; i < 3; i++)
		if ((p = strrchr(exe, '/')) != NULL)
			*p = '\0';
	if ((size_t)snprintf(out, outsz, "%.*s/tests/corpus/settings",
	    (int)(outsz - 32), exe) >= outsz)
		return -1;
	return stat(out, &st);
}

static char *
read_all(const char *path, size_t *lenp)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 len = 0;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0) {
		long	sz = ftell(f);

		rewind(f);
		if (sz >= 0 && (buf = malloc((size_t)sz + 1)) != NULL) {
			len = fread(buf, 1, (size_t)sz, f);
			buf[len] = '\0';
		}
	}
	fclose(f);
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

/* What settings_errors_print writes to fd 2, as a string. */
static char *
printed(const struct settings_errors *errs, const char *name)
{
	FILE	*tmp;
	char	*buf;
	long	 sz;
	int	 saved;

	fflush(stderr);
	if ((tmp = tmpfile()) == NULL || (saved = dup(STDERR_FILENO)) == -1)
		return NULL;
	dup2(fileno(tmp), STDERR_FILENO);
	settings_errors_print(errs, name);
	dup2(saved, STDERR_FILENO);
	close(saved);
	sz = ftell(tmp) >= 0 ? lseek(fileno(tmp), 0, SEEK_END) : -1;
	if (sz < 0 || (buf = malloc((size_t)sz + 1)) == NULL) {
		fclose(tmp);
		return NULL;
	}
	if (pread(fileno(tmp), buf, (size_t)sz, 0) != sz)
		sz = 0;
	buf[sz] = '\0';
	fclose(tmp);
	return buf;
}

static int
is_defaults(const struct settings *s)
{
	return s->net.allowed.n == 0 && s->net.denied.n == 0 &&
	    s->fs.deny_read.n == 0 && s->fs.allow_write.n == 0 &&
	    !s->net.present && s->mandatory_deny_search_depth == 3;
}

static void
write_expect(const char *name, const char *got)
{
	char	path[PATH_MAX];
	FILE	*f;

	snprintf(path, sizeof(path), "%s.expect", name);
	if ((f = fopen(path, "w")) == NULL || fputs(got, f) == EOF)
		tap_diag("cannot write %s", path);
	if (f != NULL)
		fclose(f);
}

static void
check_one(const char *name, int writing)
{
	struct settings		 s, sb;
	struct settings_errors	 errs, errb = { NULL, 0 };
	char			 path[PATH_MAX], *want, *got, *gotb, *buf;
	size_t			 len;
	int			 rv, rvb;

	rv = settings_load_file(&s, name, true, &env, &errs);
	got = printed(&errs, name);
	snprintf(path, sizeof(path), "%s.known-bug", name);
	if ((want = read_all(path, NULL)) != NULL) {
		want[strcspn(want, "\n")] = '\0';
		if (rv == -1)
			tap_ok(0, "%s: now rejected; write its .expect and "
			    "remove the .known-bug", name);
		else
			tap_skip(want, "%s: known bug", name);
		free(want);
		goto out;
	}
	if (writing) {
		write_expect(name, got ? got : "");
		tap_ok(rv == -1, "%s: written", name);
		goto out;
	}
	snprintf(path, sizeof(path), "%s.expect", name);
	if ((want = read_all(path, NULL)) == NULL) {
		tap_ok(0, "%s: has a .expect", name);
		goto out;
	}
	if (!tap_ok(rv == -1 && got != NULL && strcmp(got, want) == 0 &&
	    want[0] != '\0', "%s: rejected with the expected errors", name)) {
		tap_diag("  rv %d, got:\n%s  want:\n%s", rv, got ? got : "",
		    want);
	}
	tap_ok(is_defaults(&s), "%s: defaults left behind", name);
	free(want);

	/* Same bytes as a control-fd document. */
	if ((buf = read_all(name, &len)) != NULL) {
		rvb = settings_load_buf(&sb, name, buf, len, &env, &errb);
		gotb = printed(&errb, name);
		tap_ok(rvb == -1 && gotb != NULL && got != NULL &&
		    strcmp(gotb, got) == 0, "%s: same errors from a buffer",
		    name);
		free(gotb);
		settings_errors_free(&errb);
		settings_free(&sb);
		free(buf);
	}
out:
	free(got);
	settings_errors_free(&errs);
	settings_free(&s);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t
run_corpus(const char *dir, int writing)
{
	DIR		*d;
	struct dirent	*de;
	char		**names = NULL, **nv;
	size_t		 n = 0, i, l;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
			continue;
		if ((nv = reallocarray(names, n + 1, sizeof(*nv))) == NULL)
			break;
		names = nv;
		if ((names[n] = strdup(de->d_name)) != NULL)
			n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		check_one(names[i], writing);
		free(names[i]);
	}
	free(names);
	return n;
}

/* Files that cannot live in the corpus: too big, not regular, absent. */
static void
check_file_kinds(void)
{
	struct settings		 s;
	struct settings_errors	 errs;
	char			 dir[] = "/tmp/srt-badinput.XXXXXX", p[64];
	char			*got;
	int			 fd;

	if (mkdtemp(dir) == NULL) {
		tap_ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(p, sizeof(p), "%s/big.json", dir);
	if ((fd = open(p, O_WRONLY | O_CREAT, 0600)) != -1) {
		if (ftruncate(fd, SETTINGS_MAX_FILE + 1) == -1)
			tap_diag("ftruncate: %s", strerror(errno));
		close(fd);
	}
	TAP_EQ_INT(settings_load_file(&s, p, true, &env, &errs), -1,
	    "a file over 4 MiB is refused");
	got = printed(&errs, "big.json");
	TAP_EQ_STR(got, "big.json: cannot be read: larger than 4 MiB\n",
	    "... before it is read");
	free(got);
	settings_errors_free(&errs);
	settings_free(&s);
	unlink(p);

	snprintf(p, sizeof(p), "%s/fifo.json", dir);
	if (mkfifo(p, 0600) == -1)
		tap_diag("mkfifo: %s", strerror(errno));
	/* No writer: an open that blocks hangs here, and main's alarm
	 * turns that into a failure. */
	TAP_EQ_INT(settings_load_file(&s, p, true, &env, &errs), -1,
	    "a FIFO without a writer is refused, not waited on");
	got = printed(&errs, "fifo.json");
	TAP_EQ_STR(got, "fifo.json: cannot be read: not a regular file\n",
	    "... as not a regular file");
	free(got);
	settings_errors_free(&errs);
	settings_free(&s);
	unlink(p);

	TAP_EQ_INT(settings_load_file(&s, dir, true, &env, &errs), -1,
	    "a directory is refused");
	got = printed(&errs, "dir");
	TAP_EQ_STR(got, "dir: cannot be read: not a regular file\n",
	    "... as not a regular file");
	free(got);
	settings_errors_free(&errs);
	settings_free(&s);

	snprintf(p, sizeof(p), "%s/absent.json", dir);
	TAP_EQ_INT(settings_load_file(&s, p, true, &env, &errs), -1,
	    "a required file that is absent is an error");
	got = printed(&errs, "absent.json");
	TAP_EQ_STR(got, "absent.json: does not exist (create it: {} holds the "
	    "defaults)\n", "... that says so");
	free(got);
	settings_errors_free(&errs);
	settings_free(&s);
	rmdir(dir);
}

int
main(void)
{
	char	dir[PATH_MAX];
	size_t	n;
	int	writing = getenv("SRT_CORPUS_WRITE") != NULL;

	alarm(60);
	check_file_kinds();
	if (corpus_dir(dir, sizeof(dir)) == -1 || chdir(dir) == -1) {
		tap_ok(0, "corpus directory %s: %s", dir, strerror(errno));
		return tap_done();
	}
	n = run_corpus(".", writing);
	tap_ok(n >= 100, "at least 100 malformed settings files (%zu)", n);
	return tap_done();
}
