/*
 * The command's seccomp programs embedded by libcommon/gen/filter-gen.c
 * must be byte for byte what libseccomp builds now for the same
 * settings, one per variant; and the embedded program, loaded the way
 * srt-launch loads it, must refuse what the libseccomp-built one does.
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include "srt-launch/filter.c"
#include "tests/unit/tap.h"

static int	handed_over = -1;

/* The observer's handoff (srt-launch/notify.c): only note it was asked. */
int
notify_handoff(const struct launch *l, int listener)
{
	handed_over = listener;
	return 0;
}

static void
check_identical(int v)
{
	struct sock_fprog	 pre = { 0, NULL };
	unsigned char		*buf;
	size_t			 sz;
	ssize_t			 n;
	int			 fd;

	if (!tap_ok(filter_precompiled(v, &pre) == 0 && pre.len > 0,
	    "variant %d is precompiled", v))
		return;
	sz = pre.len * sizeof(*pre.filter);
	fd = memfd_create("test", 0);
	if (!tap_ok(fd != -1 && filter_seccomp_export(v, fd) == 0,
	    "variant %d exports", v)) {
		if (fd != -1)
			close(fd);
		return;
	}
	buf = malloc(sz + 1);
	n = pread(fd, buf, sz + 1, 0);
	close(fd);
	TAP_EQ_INT((long)n, (long)sz, "same length");
	tap_ok(n == (ssize_t)sz && memcmp(buf, pre.filter, sz) == 0,
	    "variant %d: embedded program byte-identical to libseccomp's", v);
	free(buf);
}

static void
check_variants(void)
{
	struct launch	l;

	memset(&l, 0, sizeof(l));
	TAP_EQ_INT(filter_variant(&l, false), 0, "default settings: variant 0");
	l.settings.net.allow_all_unix_sockets = true;
	TAP_EQ_INT(filter_variant(&l, false), FILTER_UNIX_OK,
	    "allowAllUnixSockets picks its variant");
	l.settings.allow_nested_user_namespaces = true;
	TAP_EQ_INT(filter_variant(&l, true), FILTER_UNIX_OK | FILTER_NESTED |
	    FILTER_NOTIFY, "all three bits");
	tap_ok(filter_precompiled(FILTER_NVARIANTS, &(struct sock_fprog){ 0 })
	    == 1, "no program past the last variant");
}

/*
 * In a child: load the program for these settings as the command does
 * and report, one byte each, what socket(AF_UNIX), unshare(CLONE_NEWNS),
 * clone3 and TIOCSTI answered (0 for success, else the errno).
 */
static int
probe_child(bool unix_ok, bool nested, bool observe, unsigned char out[4])
{
	struct launch	l;
	int		p[2], status, fd, r[4];
	pid_t		pid;

	if (pipe(p) == -1 || (pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		unsigned char	b[4];
		char		c = 'x';
		int		i;

		close(p[0]);
		memset(&l, 0, sizeof(l));
		l.settings.net.allow_all_unix_sockets = unix_ok;
		l.settings.allow_nested_user_namespaces = nested;
		l.observe = observe;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
		    filter_seccomp(&l) == -1)
			_exit(2);
		errno = 0;
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		r[0] = fd == -1 ? errno : 0;
		r[1] = unshare(CLONE_NEWNS) == -1 ? errno : 0;
		r[2] = syscall(SYS_clone3, NULL, 0) == -1 ? errno : 0;
		r[3] = ioctl(0, TIOCSTI, &c) == -1 ? errno : 0;
		for (i = 0; i < 4; i++)
			b[i] = (unsigned char)r[i];
		_exit(write(p[1], b, 4) == 4 && (!observe ||
		    handed_over >= 0) ? 0 : 3);
	}
	close(p[1]);
	if (read(p[0], out, 4) != 4)
		memset(out, 0xff, 4);
	close(p[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void
check_behaviour(void)
{
	unsigned char	r[4];

	if (!tap_ok(probe_child(false, false, false, r) == 0,
	    "default program loads"))
		return;
	TAP_EQ_INT(r[0], EPERM, "socket(AF_UNIX) is EPERM");
	TAP_EQ_INT(r[1], EPERM, "unshare(CLONE_NEWNS) is EPERM");
	TAP_EQ_INT(r[2], ENOSYS, "clone3 is ENOSYS");
	TAP_EQ_INT(r[3], EPERM, "TIOCSTI is EPERM");
	if (tap_ok(probe_child(true, false, false, r) == 0,
	    "allowAllUnixSockets program loads"))
		TAP_EQ_INT(r[0], 0, "allowAllUnixSockets: socket(AF_UNIX) "
		    "works");
	if (tap_ok(probe_child(false, true, false, r) == 0,
	    "nested program loads")) {
		tap_ok(r[1] != EPERM || geteuid() != 0,
		    "nested: unshare is not refused by the filter (%d)",
		    r[1]);
		TAP_EQ_INT(r[0], EPERM, "nested: socket(AF_UNIX) still EPERM");
		TAP_EQ_INT(r[3], EPERM, "nested: TIOCSTI still EPERM");
	}
	/* Observed with no supervisor: the listener is closed once handed
	 * over, and the kernel answers a notifying call ENOSYS. */
	if (tap_ok(probe_child(false, false, true, r) == 0,
	    "observed program loads and hands a listener over"))
		TAP_EQ_INT(r[0], ENOSYS, "observed, no supervisor: "
		    "socket(AF_UNIX) is ENOSYS");
}

int
main(void)
{
	int	v;

	for (v = 0; v < FILTER_NVARIANTS; v++)
		check_identical(v);
	check_variants();
	check_behaviour();
	return tap_done();
}
