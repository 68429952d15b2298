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
	bool standins;			/* the view made /sys/fs/cgroup */
	dev_t dev[KVIEW_NR_HIER];	/* each hierarchy's st_dev; 0: none */
};

/* Enter a private mount namespace and place root (on dev) at
 * /sys/fs/cgroup/memory; with no_v1, first replace the host's
 * /sys/fs/cgroup by a cgroup2 mount, as a v2-only host has it.  0 or a
 * negative errno, with what failed in *what. */
int kview_mount_view(const char *root, dev_t dev, bool no_v1,
		     struct kview_mounts *m, const char **what);

#endif
