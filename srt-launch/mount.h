/* Shared between the plan's executor (mount.c) and the placeholders
 * (hold.c); both run in pid 1 while the new root is built. */
#ifndef SRT_LAUNCH_MOUNT_H
#define SRT_LAUNCH_MOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OLD	"/oldroot"	/* the host tree, while building */
#define NEW	"/newroot"	/* the sandbox's root, while building */

#define ATTR_NODEV_NOSUID	(MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID)
#define ATTR_RO			(MOUNT_ATTR_RDONLY | ATTR_NODEV_NOSUID)

struct launch;
struct plan_op;

/* mount.c */
int	mount_path(char *, size_t, const char *pfx, const char *path);
int	mount_bind(const char *path, const char *from);
int	mount_bind_ro(const char *path);
int	mount_dead_file(const char *path);
int	mount_tmpfs(const char *path, const char *opts);
int	mount_attr_path(const char *path, bool recursive, uint64_t set);

/* hold.c */
int	hold_make(struct launch *, const char *path, bool dir);
int	hold_protect(struct launch *, const struct plan_op *);
int	hold_tmpdir(struct launch *);

#endif
