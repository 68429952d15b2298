/* The FUSE low-level operations of memcgfs. */
#ifndef MEMCGFS_OPS_H
#define MEMCGFS_OPS_H

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

extern const struct fuse_lowlevel_ops memcgfs_ops;

/* Free what requests left behind (line streams never closed). */
void memcgfs_ops_exit(void);

#endif
