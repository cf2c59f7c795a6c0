/*
 * srt-launch (also installed as srt): run a command in a sandbox that can
 * write only where the settings allow, cannot read what they deny and
 * has no network but its own loopback.
 *
 * main is a list of steps: options, settings, plan, then the sandbox.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libcommon/log.h"
#include "srt-launch/srt-launch.h"

#define OPT_CONTROL_FD	1000
#define OPT_PRINT_PLAN	1001
#define OPT_CHECK	1002
#define OPT_VIOLATIONS	1003
#define OPT_MONITOR	1004
#define OPT_OBSERVE	1005
#define OPT_NO_OBSERVE	1006

/* Enough for the launcher and its helpers with --observe and --violations
 * (24 was measured to work; a margin for the monitor's clients). */
#define LAUNCH_NOFILE	32

static const char	*progname = "srt-launch";

void
fatal_launch(const char *fmt, ...)
{
	va_list	ap;
	char	buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warn("%s", buf);
	exit(EXIT_LAUNCH);
}

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: %s [-dhqV] [-c string] [--check] [--control-fd fd] "
	    "[--print-plan]\n"
	    "       %*s [--monitor unix:path] [--observe | --no-observe]\n"
	    "       %*s [--violations file|-] [-s file]\n"
	    "       %*s [--] [command [arg ...]]\n",
	    progname, (int)strlen(progname), "", (int)strlen(progname), "",
	    (int)strlen(progname), "");
	exit(status);
}

static void
launch_control_fd(struct launch *l, const char *arg)
{
	const char	*errstr;
	int		 fd;

	fd = strtonum(arg, 3, INT_MAX, &errstr);
	if (errstr != NULL)
		fatalx_status(EXIT_LAUNCH, "--control-fd %s: %s (must be a "
		    "descriptor >= 3)", arg, errstr);
	if (fcntl(fd, F_GETFD) == -1)
		fatalx_status(EXIT_LAUNCH, "--control-fd %d: not an open "
		    "descriptor", fd);
	l->control_fd = fd;
}

static void
launch_options(struct launch *l, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "debug",	no_argument,		NULL, 'd' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ "settings",	required_argument,	NULL, 's' },
		{ "control-fd",	required_argument,	NULL, OPT_CONTROL_FD },
		{ "print-plan",	no_argument,		NULL, OPT_PRINT_PLAN },
		{ "check",	no_argument,		NULL, OPT_CHECK },
		{ "quiet",	no_argument,		NULL, 'q' },
		{ "violations",	required_argument,	NULL, OPT_VIOLATIONS },
		{ "monitor",	required_argument,	NULL, OPT_MONITOR },
		{ "observe",	no_argument,		NULL, OPT_OBSERVE },
		{ "no-observe",	no_argument,		NULL, OPT_NO_OBSERVE },
		{ NULL,		0,			NULL, 0 }
	};
	int	ch;

	while ((ch = getopt_long(argc, argv, "+c:dhqs:V", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			l->shell_cmd = optarg;
			break;
		case 'd':
			l->debug++;
			break;
		case 'h':
			usage(0);
		case 'q':
			l->quiet = true;
			break;
		case 's':
			l->settings_path = optarg;
			break;
		case OPT_VIOLATIONS:
			l->violations = optarg;
			break;
		case OPT_MONITOR:
			if (strncmp(optarg, "unix:", 5) != 0 ||
			    optarg[5] != '/')
				fatalx_status(EXIT_LAUNCH, "--monitor %s: "
				    "expected unix:/path", optarg);
			l->monitor_addr = optarg + 5;
			break;
		case 'V':
			printf("%s %s\n", progname, SRT_VERSION);
			exit(0);
		case OPT_CONTROL_FD:
			launch_control_fd(l, optarg);
			break;
		case OPT_OBSERVE:
			l->want_observe = true;
			break;
		case OPT_NO_OBSERVE:
			l->want_observe = false;
			break;
		case OPT_PRINT_PLAN:
			l->print_plan = true;
			break;
		case OPT_CHECK:
			l->check = true;
			break;
		default:
			usage(EXIT_LAUNCH);
		}
	}
	argc -= optind;
	argv += optind;
	if (l->shell_cmd != NULL && argc > 0)
		fatalx_status(EXIT_LAUNCH, "-c and a command are exclusive "
		    "(see %s -h)", progname);
	if (l->shell_cmd == NULL && argc == 0 && !l->print_plan && !l->check)
		fatalx_status(EXIT_LAUNCH, "no command given (usage: %s "
		    "[options] [--] command [arg ...], or -c string)",
		    progname);
	l->argv = argv;
}

/* The command starts in the caller's directory and "." in the settings
 * means it, so without one there is nothing to run in. */
static void __attribute__((noreturn))
launch_cwd_fail(void)
{
	int	e = errno;

	if (e == ENOENT)
		fatalx_status(EXIT_LAUNCH, "the working directory was "
		    "removed: cd to one that exists (the command starts "
		    "there, and \".\" in the settings means it)");
	if (e == ERANGE || e == ENAMETOOLONG)
		fatalx_status(EXIT_LAUNCH, "the working directory's path is "
		    "longer than %d bytes: cd to a shorter one", PATH_MAX);
	fatalx_status(EXIT_LAUNCH, "cannot get the working directory: %s "
	    "(the command starts there, and \".\" in the settings means "
	    "it: cd to a directory you can read)", strerror(e));
}

/*
 * The launcher, srt-proxy, srt-monitor and srt-bridge each need a dozen
 * descriptors or so; below this a helper fails halfway with EMFILE and
 * the message names whichever ran out first.  Say so before starting.
 */
static void
launch_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= LAUNCH_NOFILE)
		return;
	if (rl.rlim_max < LAUNCH_NOFILE)
		fatalx_status(EXIT_LAUNCH, "the open-file limit is %llu (hard "
		    "limit %llu) and srt-launch needs at least %d: start it "
		    "from a shell or service whose hard limit allows "
		    "ulimit -n %d", (unsigned long long)rl.rlim_cur,
		    (unsigned long long)rl.rlim_max, LAUNCH_NOFILE,
		    LAUNCH_NOFILE);
	fatalx_status(EXIT_LAUNCH, "the open-file limit is %llu and "
	    "srt-launch needs at least %d: run ulimit -n %d first",
	    (unsigned long long)rl.rlim_cur, LAUNCH_NOFILE, LAUNCH_NOFILE);
}

/*
 * The home directory of uid, from /etc/passwd itself first: srt-launch
 * is linked statically, and a static glibc reaches other NSS sources
 * only through the shared modules of the glibc it was built with.
 */
static char *
launch_home_of(uid_t uid)
{
	struct passwd	*pw;
	FILE		*f;
	char		*home = NULL;

	if ((f = fopen("/etc/passwd", "re")) != NULL) {
		while ((pw = fgetpwent(f)) != NULL)
			if (pw->pw_uid == uid)
				break;
		if (pw != NULL && (home = strdup(pw->pw_dir)) == NULL)
			fatal_launch("strdup");
		fclose(f);
		if (home != NULL)
			return home;
	}
	if ((pw = getpwuid(uid)) == NULL)
		fatalx_status(EXIT_LAUNCH, "no HOME and no passwd entry for "
		    "uid %u", (unsigned)uid);
	if ((home = strdup(pw->pw_dir)) == NULL)
		fatal_launch("strdup");
	return home;
}

static void
launch_identity(struct launch *l)
{
	const char	*h;
	char		 buf[PATH_MAX];

	l->uid = getuid();
	l->gid = getgid();
	if ((h = getenv("HOME")) == NULL || *h == '\0')
		l->home = launch_home_of(l->uid);
	else if ((l->home = strdup(h)) == NULL)
		fatal_launch("strdup");
	if (getcwd(buf, sizeof(buf)) == NULL)
		launch_cwd_fail();
	if ((l->cwd = strdup(buf)) == NULL)
		fatal_launch("strdup");
	if (asprintf(&l->default_path, "%s/.srt-settings.json", l->home) ==
	    -1)
		fatal_launch("asprintf");
}

static void
launch_settings(struct launch *l)
{
	struct settings_errors	errs;
	struct settings_env	env = { l->home, l->cwd };
	const char		*path = l->settings_path ? l->settings_path :
				    l->default_path;

	if (settings_load_file(&l->settings, path, l->settings_path != NULL,
	    &env, &errs) == -1) {
		settings_errors_print(&errs, path);
		settings_errors_free(&errs);
		exit(EXIT_LAUNCH);
	}
	log_debug("settings from %s", path);
	/* Accepted for compatibility, but they change nothing here. */
	for (size_t i = 0; i < l->settings.ignored_keys.n; i++)
		log_debug("%s: %s: ignored on Linux by srt", path,
		    l->settings.ignored_keys.v[i]);
}

/*
 * Where the private TMPDIR's mount point goes: the caller's TMPDIR when
 * it is a writable directory (a nested srt finds only its outer TMPDIR
 * writable), else /tmp.
 */
static const char *
launch_tmp_parent(void)
{
	const char	*t = getenv("TMPDIR");
	struct stat	 st;

	if (t != NULL && t[0] == '/' && strlen(t) < 40 && stat(t, &st) == 0 &&
	    S_ISDIR(st.st_mode) && access(t, W_OK | X_OK) == 0)
		return t;
	return "/tmp";
}

static void
launch_plan(struct launch *l)
{
	struct plan_input	in = { &l->settings, launch_tmp_parent(),
				    l->cwd, l->home };
	char			err[512];

	size_t			i;

	if (plan_build(&in, &launch_probe, &l->plan, err, sizeof(err)) == -1)
		fatalx_status(EXIT_LAUNCH, "mount plan: %s", err);
	if (!l->print_plan)
		for (i = 0; i < l->plan.nnotes; i++)
			log_warnx("%s", l->plan.notes[i]);
}

static void
launch_print_plan(struct launch *l)
{
	printf("# mount plan (%zu ops, %zu mandatory denies)\n", l->plan.n,
	    l->plan.nmandatory);
	plan_print(&l->plan, stdout);
	filter_print(l, stdout);
}

static void
launch_free(struct launch *l)
{
	plan_free(&l->plan);
	settings_free(&l->settings);
	free(l->home);
	free(l->cwd);
	free(l->default_path);
}

int
main(int argc, char *argv[])
{
	struct launch	l;
	static char	 argv0[16];
	char		*base;
	int		 rc;

	memset(&l, 0, sizeof(l));
	l.control_fd = -1;
	l.life_rd = -1;
	l.record_fd = -1;
	if ((base = strrchr(argv[0], '/')) != NULL)
		base++;
	else
		base = argv[0];
	if (strcmp(base, "srt") == 0)
		progname = "srt";
	log_init(progname, LOG_TO_STDERR, 0);
	/* getopt names argv[0] in its errors: say "srt-launch", not a path. */
	strlcpy(argv0, progname, sizeof(argv0));
	argv[0] = argv0;
	launch_options(&l, argc, argv);
	log_setverbose(l.debug);
	if (l.check)
		return check_main(&l);
	launch_nofile();
	launch_identity(&l);
	launch_settings(&l);
	/* Before the plan, which would take a dead run's placeholders for
	 * a live one's and bind them. */
	if (!l.print_plan)
		sweep_run();
	launch_plan(&l);
	if (l.print_plan) {
		launch_print_plan(&l);
		rc = 0;
	} else {
		filter_warn_degraded(&l);
		rc = sandbox_run(&l);
	}
	launch_free(&l);
	return rc;
}
