/* The mount memcgfs made, known by identity rather than by path: after a
 * rename of a parent directory the mountpoint's path can name another
 * file system, and unmounting by path (what libfuse does) would take that
 * one down and leave ours. */
#ifndef MEMCGFS_MOUNT_H
#define MEMCGFS_MOUNT_H

#include <stdbool.h>

struct mount_ident {
	int mnt_id;			/* mountinfo's first field, STATX_MNT_ID */
	unsigned int major, minor;	/* the FUSE superblock's device */
};

/* Whether something is listed in /proc/self/mountinfo as mounted on path
 * (an absolute path without symlinks). */
bool mountinfo_lists(const char *path);

/* The memcgfs mount on path just made (the newest FUSE mount there);
 * false if mountinfo does not show one. */
bool mount_identify(const char *path, struct mount_ident *id);

/* Whether our FUSE connection is gone: after an unmount that released
 * the superblock, or an abort (fuse_fd polls POLLERR). */
bool mount_connection_gone(int fuse_fd);

/* Detach the mount id names, wherever it is now, and abort its FUSE
 * connection so that nothing more reaches it; a path that names another
 * mount is left alone.  Returns whether the connection is known to be
 * gone (fuse_fd polls POLLERR), so that libfuse's own unmount, by path,
 * would do nothing. */
bool mount_detach(const struct mount_ident *id, int fuse_fd);

#endif
