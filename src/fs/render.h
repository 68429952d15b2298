/* The text of the control files that are more than one number: every
 * format the file system shows lives here, rendered from the engine's
 * snapshots (the engine formats nothing). */
#ifndef MEMCGFS_RENDER_H
#define MEMCGFS_RENDER_H

#include "lib/strbuf.h"

struct memcg;

/* memory.stat: local items, the hierarchical limits, then total_ items
 * (bytes, except the event counts). */
void render_memory_stat(struct memcg *m, struct strbuf *sb);
/* memory.numa_stat: one node, N0, as a single-node kernel prints it. */
void render_numa_stat(struct memcg *m, struct strbuf *sb);
/* memory.kmem.slabinfo: the 2.1 header and a row per cache copy. */
void render_slabinfo(struct memcg *m, struct strbuf *sb);

/* memcgfs.dying: one line per removed group that still exists. */
void render_dying(struct strbuf *sb);

#endif
