/* What the kernel's page cache holds of each control file, and keeping it
 * fresh.  See READPATH beside this file for the design. */
#ifndef MEMCGFS_CACHE_H
#define MEMCGFS_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ops.h"
#include "engine/memcg.h"

/* One rendering of a file: what READ serves, consistent with the size that
 * the attributes of the same rendering gave.  err: the file's read error
 * (-EINVAL for write-only files), then len is 0. */
struct ctl_text {
	int refs;		/* atomic */
	int err;
	size_t len;
	char data[];
};

void ctl_text_put(struct ctl_text *t);

/* The attributes a reply gives for the file inode ino (row idx of m). */
struct file_attr {
	size_t size;
	struct timespec mtime;	/* when the text last changed */
	double timeout;		/* attribute timeout for this file */
};

/* Render the file now (sharing a rendering that started after this call),
 * arm its inode for invalidation, and say its size and mtime.  reading:
 * the kernel asks on behalf of a read(2) through an open file. */
int fcache_attr(fuse_ino_t ino, struct memcg *m, int idx, bool reading,
		struct file_attr *out);

/* The text the last attributes of ino described (rendered now if there
 * is none); NULL only without memory.  Put it when done. */
struct ctl_text *fcache_text(fuse_ino_t ino, struct memcg *m, int idx);

/* Something a file's text may show changed: tell the kernel, before
 * returning, that the attributes of every armed inode whose text is not
 * the same now are stale.  Never blocks on a request in flight, so any
 * request handler may call it. */
void fcache_changed(void);
/* Mark the kernel's attributes of ino stale, whoever rendered them: a
 * restarted server's first act, since the kernel keeps what the dead one
 * gave it. */
void fcache_forget_kernel(fuse_ino_t ino);

/* The same when what changed shows in attributes (a mode, an owner):
 * every armed inode is told stale. */
void fcache_attrs_changed(void);

/* A write of size bytes of buf at off went through ino: the kernel copied
 * them into its cached text, so the next attributes must differ (a new
 * mtime) even if the text did not change, for the kernel to drop that
 * copy; unless the text is then exactly those bytes, written at 0. */
void fcache_written(fuse_ino_t ino, const char *buf, size_t size, off_t off);

/* A LOOKUP is about to reply with the file inode ino: counted before
 * its attributes are rendered, so that a FORGET of the inode the kernel
 * had before cannot take the record this reply relies on. */
void fcache_lookup(fuse_ino_t ino);

/* The kernel forgot nlookup lookups of ino: at none left, its rendering
 * goes too. */
void fcache_forget(fuse_ino_t ino, uint64_t nlookup);

/* Start (after the mount) and stop (before the session goes) the thread
 * that passes the engine's own changes (exits, sampling) to the kernel. */
int fcache_start(struct fuse_session *se);
void fcache_stop(void);

#endif
