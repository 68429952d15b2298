/* The FUSE low-level operations of memcgfs. */
#ifndef MEMCGFS_OPS_H
#define MEMCGFS_OPS_H

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

#include "engine/memcg.h"

extern const struct fuse_lowlevel_ops memcgfs_ops;

/* The group an inode belongs to (a reference to put, or NULL if it is
 * gone) and its row in ctl_files (-1 for the group's directory). */
struct memcg *inode_group(fuse_ino_t ino, int *idx);

/* Free what requests left behind (line streams never closed). */
void memcgfs_ops_exit(void);

/* The opener table (ops.c): inodes name openers by index, so a restart
 * (state.c) saves the table and makes it again in the same order. */
unsigned int ops_nr_openers(void);
uid_t ops_opener_uid(unsigned int i);
void ops_opener_restore(uid_t uid);

#endif
