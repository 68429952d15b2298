/* Rendering of memory.stat, memory.numa_stat and memory.kmem.slabinfo from
 * the groups' counters (SPEC §4). */
#ifndef MEMCG_STAT_H
#define MEMCG_STAT_H

#include "memcg.h"
#include "lib/strbuf.h"

void stat_render_memory_stat(struct memcg *m, struct strbuf *sb);
void stat_render_numa_stat(struct memcg *m, struct strbuf *sb);
void stat_render_slabinfo(struct memcg *m, struct strbuf *sb);

/* The sum of item over m's subtree (memcg_stat_local() is in memcg.h). */
long memcg_stat_total(struct memcg *m, enum memcg_stat_item item);

#endif
