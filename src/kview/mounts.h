/* The view's mount namespace: memcgfs at /sys/fs/cgroup/memory, on a tmpfs
 * at /sys/fs/cgroup where the host has no directory there. */
#ifndef MEMCG_KVIEW_MOUNTS_H
#define MEMCG_KVIEW_MOUNTS_H

#include <stdbool.h>
#include <sys/types.h>

#include "kview/text.h"

/* The root of the memcgfs mount dir is in, into root (PATH_MAX) with its
 * st_dev; a negative errno (-EMEDIUMTYPE: not a FUSE mount). */
int kview_mount_root(const char *dir, char *root, dev_t *dev);

struct kview_mounts {
	unsigned made;			/* KVIEW_HIER_BITs on the view's own tmpfs */
	dev_t dev[KVIEW_NR_HIER];	/* each hierarchy's st_dev; 0: none */
};

enum {
	KVIEW_V2_HOST = 1,	/* first make /sys/fs/cgroup a v2-only host's */
	KVIEW_MEMORY_ONLY = 2,	/* on a /sys/fs/cgroup of the view's own: only
				 * memory, no stand-ins, no v2 hierarchy */
};

/* Enter a private mount namespace and place root (on dev) at
 * /sys/fs/cgroup/memory, as flags (KVIEW_V2_HOST, KVIEW_MEMORY_ONLY) say.
 * 0 or a negative errno, with what failed in *what. */
int kview_mount_view(const char *root, dev_t dev, unsigned flags,
		     struct kview_mounts *m, const char **what);

#endif
