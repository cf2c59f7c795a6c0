/*
 * The mandatory deny list: shell and tool start-up files and the
 * directories that hold repository hooks and editor or agent settings.
 * A sandboxed command that could write them would run code outside the
 * sandbox the next time the user opens a shell, an editor or git, so they
 * are read-only inside every writable root whatever the settings say
 * (.git/config stays writable with allowGitConfig).
 *
 * Found natively, no ripgrep: the walk goes at most `depth` levels below
 * each root, skips node_modules and never follows a symlink to a
 * directory.  Names compare case-insensitively, as the reference does.
 */
#ifndef SRT_MANDATORY_H
#define SRT_MANDATORY_H

#include <stdbool.h>

struct plan_probe;

extern const char *const mandatory_files[];
extern const char *const mandatory_dirs[];	/* relative, may hold '/' */

/*
 * Report every protected path at or below root (canonical): the whole
 * list at the root itself, present or not (a missing one must still be
 * protected), and below it only the ones that exist, within depth.  cb
 * gets each path once, with the length of its prefix known to be
 * canonical (real directories only); a non-zero return stops the scan
 * and is returned.
 */
int	mandatory_scan(const struct plan_probe *, const char *root,
	    int depth, bool allow_git_config,
	    int (*cb)(void *arg, const char *path, size_t known), void *arg);

#endif
