/*
 * The Landlock UAPI, shared by helper confinement (libcommon/confine-linux.c)
 * and the command's ruleset (srt-launch/filter.c).
 */
#ifndef SRT_LANDLOCK_UAPI_H
#define SRT_LANDLOCK_UAPI_H

#include <stdint.h>

/*
 * Landlock UAPI as of ABI 7, spelt out here because Debian 12's headers
 * stop at ABI 2.  The kernel takes the ruleset attribute by size, so we
 * pass only the fields the running ABI knows.
 */
#define LL_FS_EXECUTE		(1ULL << 0)
#define LL_FS_WRITE_FILE	(1ULL << 1)
#define LL_FS_READ_FILE		(1ULL << 2)
#define LL_FS_READ_DIR		(1ULL << 3)
#define LL_FS_REMOVE_DIR	(1ULL << 4)
#define LL_FS_REMOVE_FILE	(1ULL << 5)
#define LL_FS_MAKE_CHAR		(1ULL << 6)
#define LL_FS_MAKE_DIR		(1ULL << 7)
#define LL_FS_MAKE_REG		(1ULL << 8)
#define LL_FS_MAKE_SOCK		(1ULL << 9)
#define LL_FS_MAKE_FIFO		(1ULL << 10)
#define LL_FS_MAKE_BLOCK	(1ULL << 11)
#define LL_FS_MAKE_SYM		(1ULL << 12)
#define LL_FS_REFER		(1ULL << 13)	/* ABI 2 */
#define LL_FS_TRUNCATE		(1ULL << 14)	/* ABI 3 */
#define LL_FS_IOCTL_DEV		(1ULL << 15)	/* ABI 5 */
#define LL_FS_ABI1		((1ULL << 13) - 1)
#define LL_NET_BIND_TCP		(1ULL << 0)	/* ABI 4 */
#define LL_NET_CONNECT_TCP	(1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX	(1ULL << 0)	/* ABI 6 */
#define LL_SCOPE_SIGNAL		(1ULL << 1)
#define LL_RULE_PATH_BENEATH	1
#define LL_RULE_NET_PORT	2
#define LL_CREATE_VERSION	(1U << 0)

/* Rights that make sense on a non-directory; others give EINVAL. */
#define LL_FS_FILE_RIGHTS	(LL_FS_EXECUTE | LL_FS_WRITE_FILE | \
	LL_FS_READ_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)
#define LL_FS_READ_RIGHTS	(LL_FS_READ_FILE | LL_FS_READ_DIR)
#define LL_FS_WRITE_RIGHTS	(LL_FS_WRITE_FILE | LL_FS_REMOVE_DIR | \
	LL_FS_REMOVE_FILE | LL_FS_MAKE_CHAR | LL_FS_MAKE_DIR |		\
	LL_FS_MAKE_REG | LL_FS_MAKE_SOCK | LL_FS_MAKE_FIFO |		\
	LL_FS_MAKE_BLOCK | LL_FS_MAKE_SYM | LL_FS_REFER |		\
	LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)

struct ll_ruleset_attr {
	uint64_t	handled_fs;
	uint64_t	handled_net;	/* ABI 4 */
	uint64_t	scoped;		/* ABI 6 */
};

struct ll_path_beneath {
	uint64_t	allowed;
	int32_t		parent_fd;
} __attribute__((packed));

struct ll_net_port {
	uint64_t	allowed;
	uint64_t	port;
};

#endif
