/* The text of the control files that are more than one number: every
 * format the file system shows lives here, rendered from the engine's
 * snapshots (the engine formats nothing). */
#ifndef MEMCGFS_RENDER_H
#define MEMCGFS_RENDER_H

#include "lib/strbuf.h"

struct memcg;

/* memcgfs.dying: one line per removed group that still exists. */
void render_dying(struct strbuf *sb);

#endif
