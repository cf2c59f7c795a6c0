/*
 * privdrop(): a helper started as root becomes an unprivileged user
 * before it touches untrusted input.  Groups first (setgroups needs
 * root), then the gid, then the uid, since after setresuid nothing else
 * may be changed.  Then verify: a drop that quietly kept a saved uid of
 * 0 would let an attacker who owns the helper call setuid(0) back.
 */
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "libcommon/confine.h"
#include "libcommon/log.h"

static int
privdrop_verify(uid_t uid, gid_t gid)
{
	uid_t	ru, eu, su;
	gid_t	rg, eg, sg, groups[2];
	int	n;

	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1) {
		log_warn("%s: getresuid", __func__);
		return -1;
	}
	if (ru != uid || eu != uid || su != uid ||
	    rg != gid || eg != gid || sg != gid) {
		log_warnx("%s: ids not dropped", __func__);
		return -1;
	}
	n = getgroups(2, groups);
	if (n != 1 || groups[0] != gid) {
		log_warnx("%s: supplementary groups not dropped", __func__);
		return -1;
	}
	if (uid != 0 && (setuid(0) != -1 || seteuid(0) != -1)) {
		log_warnx("%s: uid 0 could be regained", __func__);
		return -1;
	}
	if (gid != 0 && (setgid(0) != -1 || setegid(0) != -1)) {
		log_warnx("%s: gid 0 could be regained", __func__);
		return -1;
	}
	return 0;
}

/*
 * /etc/passwd itself first: the helpers are linked statically, and a
 * static glibc reaches other NSS sources only by loading the shared
 * modules of the very glibc it was built with.  getpwnam then, for a
 * user only NSS knows (-u in standalone mode).
 */
static int
privdrop_lookup(const char *user, uid_t *uid, gid_t *gid)
{
	struct passwd	*pw;
	FILE		*f;

	if ((f = fopen("/etc/passwd", "re")) != NULL) {
		while ((pw = fgetpwent(f)) != NULL)
			if (strcmp(pw->pw_name, user) == 0)
				break;
		if (pw != NULL) {
			*uid = pw->pw_uid;
			*gid = pw->pw_gid;
		}
		fclose(f);
		if (pw != NULL)
			return 0;
	}
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		if (errno == 0)
			errno = ENOENT;
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int
privdrop(const char *user)
{
	uid_t	uid;
	gid_t	gid;

	if (geteuid() != 0)
		return 0;
	if (user == NULL)
		user = "nobody";
	if (privdrop_lookup(user, &uid, &gid) == -1) {
		log_warn("%s: user %s", __func__, user);
		return -1;
	}
	if (setgroups(1, &gid) == -1) {
		log_warn("%s: setgroups", __func__);
		return -1;
	}
	if (setresgid(gid, gid, gid) == -1) {
		log_warn("%s: setresgid %u", __func__, (unsigned)gid);
		return -1;
	}
	if (setresuid(uid, uid, uid) == -1) {
		log_warn("%s: setresuid %u", __func__, (unsigned)uid);
		return -1;
	}
	return privdrop_verify(uid, gid);
}
