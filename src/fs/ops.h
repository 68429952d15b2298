/* The FUSE low-level operations of memcgfs. */
#ifndef MEMCGFS_OPS_H
#define MEMCGFS_OPS_H

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

extern const struct fuse_lowlevel_ops memcgfs_ops;

/* Free the handles of files whose release never came (the mount went
 * first); only once the request loop has ended. */
void ops_free_handles(void);

#endif
